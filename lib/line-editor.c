/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "line-editor.h"

#include "ballast-error.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* How long a lone ESC waits for the rest of an escape sequence before it
 * is taken as the escape key itself (which does nothing). Terminals send a
 * sequence in one write, so anything over a few milliseconds is a person. */
#define ESCAPE_WAIT_MSEC 100
/* The longest escape sequence we wait for; anything longer is garbage. */
#define MAX_SEQUENCE 16

/* ---- Keys ---- */

static BallastKey
csi_key (const char *params, gsize params_length, char final)
{
  /* "1;5C" is ctrl-right in xterm: the modifier follows the semicolon. */
  gboolean ctrl = params_length >= 3 && params[params_length - 2] == ';'
                  && params[params_length - 1] == '5';
  switch (final)
    {
    case 'A': return BALLAST_KEY_HISTORY_PREV;
    case 'B': return BALLAST_KEY_HISTORY_NEXT;
    case 'C': return ctrl ? BALLAST_KEY_WORD_RIGHT : BALLAST_KEY_RIGHT;
    case 'D': return ctrl ? BALLAST_KEY_WORD_LEFT : BALLAST_KEY_LEFT;
    case 'H': return BALLAST_KEY_HOME;
    case 'F': return BALLAST_KEY_END;
    case '~':
      /* "\x1b[1~" home (linux console, tmux), "\x1b[3~" delete, "\x1b[4~"
       * end; rxvt sends 7 and 8 for home and end. */
      switch (params_length > 0 ? params[0] : '\0')
        {
        case '1': case '7': return params_length == 1 ? BALLAST_KEY_HOME : BALLAST_KEY_IGNORED;
        case '3': return params_length == 1 ? BALLAST_KEY_DELETE : BALLAST_KEY_IGNORED;
        case '4': case '8': return params_length == 1 ? BALLAST_KEY_END : BALLAST_KEY_IGNORED;
        default: return BALLAST_KEY_IGNORED;
        }
    default:
      return BALLAST_KEY_IGNORED;
    }
}

static gsize
decode_escape (const char *bytes, gsize length, BallastKey *ret_key)
{
  if (length < 2)
    {
      *ret_key = BALLAST_KEY_INCOMPLETE;
      return 0;
    }
  switch (bytes[1])
    {
    case '[':
      /* CSI: parameter bytes 0x30-0x3f, intermediates 0x20-0x2f, one final
       * byte 0x40-0x7e (ECMA-48). */
      for (gsize i = 2; i < length; i++)
        {
          guchar c = (guchar) bytes[i];
          if (c >= 0x40 && c <= 0x7e)
            {
              *ret_key = csi_key (bytes + 2, i - 2, (char) c);
              return i + 1;
            }
          if (c < 0x20 || c > 0x3f || i >= MAX_SEQUENCE)
            {
              *ret_key = BALLAST_KEY_IGNORED;
              return i + 1;
            }
        }
      *ret_key = BALLAST_KEY_INCOMPLETE;
      return 0;
    case 'O':
      /* SS3, what xterm sends in "application cursor" mode. */
      if (length < 3)
        {
          *ret_key = BALLAST_KEY_INCOMPLETE;
          return 0;
        }
      *ret_key = bytes[2] == 'H' || bytes[2] == 'F' || (bytes[2] >= 'A' && bytes[2] <= 'D')
                   ? csi_key (NULL, 0, bytes[2]) : BALLAST_KEY_IGNORED;
      return 3;
    case 'b':
      *ret_key = BALLAST_KEY_WORD_LEFT;
      return 2;
    case 'f':
      *ret_key = BALLAST_KEY_WORD_RIGHT;
      return 2;
    case 0x7f:
      *ret_key = BALLAST_KEY_KILL_WORD;
      return 2;
    default:
      /* A lone ESC followed by an ordinary key: drop the ESC only. */
      *ret_key = BALLAST_KEY_IGNORED;
      return 1;
    }
}

gsize
ballast_key_decode (const char *bytes, gsize length, BallastKey *ret_key)
{
  g_return_val_if_fail (length > 0, 0);
  guchar c = (guchar) bytes[0];

  switch (c)
    {
    case '\r': case '\n': *ret_key = BALLAST_KEY_ENTER; return 1;
    case 0x01: *ret_key = BALLAST_KEY_HOME; return 1;
    case 0x02: *ret_key = BALLAST_KEY_LEFT; return 1;
    case 0x03: *ret_key = BALLAST_KEY_INTERRUPT; return 1;
    case 0x04: *ret_key = BALLAST_KEY_EOF; return 1;
    case 0x05: *ret_key = BALLAST_KEY_END; return 1;
    case 0x06: *ret_key = BALLAST_KEY_RIGHT; return 1;
    case 0x08: case 0x7f: *ret_key = BALLAST_KEY_BACKSPACE; return 1;
    case '\t': *ret_key = BALLAST_KEY_COMPLETE; return 1;
    case 0x0b: *ret_key = BALLAST_KEY_KILL_TO_END; return 1;
    case 0x0c: *ret_key = BALLAST_KEY_CLEAR_SCREEN; return 1;
    case 0x0e: *ret_key = BALLAST_KEY_HISTORY_NEXT; return 1;
    case 0x10: *ret_key = BALLAST_KEY_HISTORY_PREV; return 1;
    case 0x15: *ret_key = BALLAST_KEY_KILL_TO_START; return 1;
    case 0x17: *ret_key = BALLAST_KEY_KILL_WORD; return 1;
    case 0x1b: return decode_escape (bytes, length, ret_key);
    default: break;
    }
  if (c < 0x20)
    {
      *ret_key = BALLAST_KEY_IGNORED;
      return 1;
    }

  gsize need = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
             : (c & 0xf8) == 0xf0 ? 4 : 0;
  if (need == 0)
    {
      *ret_key = BALLAST_KEY_IGNORED; /* a stray continuation byte */
      return 1;
    }
  if (length < need)
    {
      *ret_key = BALLAST_KEY_INCOMPLETE;
      return 0;
    }
  if (!g_utf8_validate (bytes, (gssize) need, NULL)
      || !g_unichar_isprint (g_utf8_get_char (bytes)))
    {
      *ret_key = BALLAST_KEY_IGNORED;
      return 1;
    }
  *ret_key = BALLAST_KEY_TEXT;
  return need;
}

/* ---- The line being edited ---- */

BallastLineBuffer *
ballast_line_buffer_new (void)
{
  BallastLineBuffer *buffer = g_new0 (BallastLineBuffer, 1);
  buffer->text = g_string_new (NULL);
  return buffer;
}

void
ballast_line_buffer_free (BallastLineBuffer *buffer)
{
  if (buffer == NULL)
    return;
  g_string_free (buffer->text, TRUE);
  g_free (buffer);
}

void
ballast_line_buffer_set (BallastLineBuffer *buffer, const char *text)
{
  g_string_truncate (buffer->text, 0);
  buffer->cursor = 0;
  ballast_line_buffer_insert (buffer, text, strlen (text));
}

gboolean
ballast_line_buffer_insert (BallastLineBuffer *buffer, const char *text, gsize length)
{
  if (!g_utf8_validate (text, (gssize) length, NULL))
    return FALSE;
  for (const char *p = text; p < text + length; p = g_utf8_next_char (p))
    if (!g_unichar_isprint (g_utf8_get_char (p)))
      return FALSE;
  g_string_insert_len (buffer->text, (gssize) buffer->cursor, text, (gssize) length);
  buffer->cursor += length;
  return TRUE;
}

static gsize
previous_char (const BallastLineBuffer *buffer, gsize offset)
{
  if (offset == 0)
    return 0;
  return (gsize) (g_utf8_prev_char (buffer->text->str + offset) - buffer->text->str);
}

static gsize
next_char (const BallastLineBuffer *buffer, gsize offset)
{
  if (offset >= buffer->text->len)
    return buffer->text->len;
  return (gsize) (g_utf8_next_char (buffer->text->str + offset) - buffer->text->str);
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/* The start of the blank-delimited word before OFFSET, as ctrl-w and alt-b
 * see it (bash's unix-word-rubout): blanks first, then the word. */
static gsize
word_start_before (const BallastLineBuffer *buffer, gsize offset)
{
  const char *text = buffer->text->str;
  while (offset > 0 && is_blank (text[offset - 1]))
    offset--;
  while (offset > 0 && !is_blank (text[offset - 1]))
    offset--;
  return offset;
}

static gsize
word_end_after (const BallastLineBuffer *buffer, gsize offset)
{
  const char *text = buffer->text->str;
  gsize length = buffer->text->len;
  while (offset < length && is_blank (text[offset]))
    offset++;
  while (offset < length && !is_blank (text[offset]))
    offset++;
  return offset;
}

static gboolean
erase (BallastLineBuffer *buffer, gsize from, gsize to)
{
  if (from >= to)
    return FALSE;
  g_string_erase (buffer->text, (gssize) from, (gssize) (to - from));
  buffer->cursor = from;
  return TRUE;
}

static gboolean
move_to (BallastLineBuffer *buffer, gsize offset)
{
  if (offset == buffer->cursor)
    return FALSE;
  buffer->cursor = offset;
  return TRUE;
}

gboolean
ballast_line_buffer_edit (BallastLineBuffer *buffer, BallastKey key)
{
  gsize cursor = buffer->cursor;
  switch (key)
    {
    case BALLAST_KEY_LEFT: return move_to (buffer, previous_char (buffer, cursor));
    case BALLAST_KEY_RIGHT: return move_to (buffer, next_char (buffer, cursor));
    case BALLAST_KEY_WORD_LEFT: return move_to (buffer, word_start_before (buffer, cursor));
    case BALLAST_KEY_WORD_RIGHT: return move_to (buffer, word_end_after (buffer, cursor));
    case BALLAST_KEY_HOME: return move_to (buffer, 0);
    case BALLAST_KEY_END: return move_to (buffer, buffer->text->len);
    case BALLAST_KEY_BACKSPACE: return erase (buffer, previous_char (buffer, cursor), cursor);
    case BALLAST_KEY_DELETE:
      if (!erase (buffer, cursor, next_char (buffer, cursor)))
        return FALSE;
      buffer->cursor = cursor;
      return TRUE;
    case BALLAST_KEY_KILL_TO_END:
      if (cursor >= buffer->text->len)
        return FALSE;
      g_string_truncate (buffer->text, cursor);
      return TRUE;
    case BALLAST_KEY_KILL_TO_START: return erase (buffer, 0, cursor);
    case BALLAST_KEY_KILL_WORD: return erase (buffer, word_start_before (buffer, cursor), cursor);
    default: return FALSE;
    }
}

/* ---- History ---- */

struct _BallastHistory {
  GPtrArray *entries;  /* char*, oldest first */
  guint max_entries;
  gboolean walking;
  guint position;      /* the entry shown; entries->len: the line being typed */
  char *kept;          /* the line being typed when the walk began */
};

BallastHistory *
ballast_history_new (guint max_entries)
{
  BallastHistory *history = g_new0 (BallastHistory, 1);
  history->entries = g_ptr_array_new_with_free_func (g_free);
  history->max_entries = MAX (max_entries, 1);
  return history;
}

void
ballast_history_free (BallastHistory *history)
{
  if (history == NULL)
    return;
  g_ptr_array_unref (history->entries);
  g_free (history->kept);
  g_free (history);
}

void
ballast_history_reset_walk (BallastHistory *history)
{
  history->walking = FALSE;
  g_clear_pointer (&history->kept, g_free);
}

void
ballast_history_add (BallastHistory *history, const char *line)
{
  ballast_history_reset_walk (history);
  const char *p = line;
  while (is_blank (*p))
    p++;
  if (*p == '\0' || strchr (line, '\n') != NULL)
    return;
  GPtrArray *entries = history->entries;
  if (entries->len > 0 && strcmp (entries->pdata[entries->len - 1], line) == 0)
    return;
  g_ptr_array_add (entries, g_strdup (line));
  if (entries->len > history->max_entries)
    g_ptr_array_remove_range (entries, 0, entries->len - history->max_entries);
}

guint
ballast_history_length (const BallastHistory *history)
{
  return history->entries->len;
}

const char *
ballast_history_get (const BallastHistory *history, guint index)
{
  g_return_val_if_fail (index < history->entries->len, NULL);
  return history->entries->pdata[index];
}

const char *
ballast_history_previous (BallastHistory *history, const char *current)
{
  guint length = history->entries->len;
  if (!history->walking || history->position >= length)
    {
      if (length == 0)
        return NULL;
      /* Starting out (again) from the bottom: keep what is being typed. */
      g_free (history->kept);
      history->kept = g_strdup (current != NULL ? current : "");
      history->walking = TRUE;
      history->position = length;
    }
  if (history->position == 0)
    return NULL;
  history->position--;
  return history->entries->pdata[history->position];
}

const char *
ballast_history_next (BallastHistory *history)
{
  guint length = history->entries->len;
  if (!history->walking || history->position >= length)
    return NULL;
  history->position++;
  if (history->position == length)
    return history->kept;
  return history->entries->pdata[history->position];
}

gboolean
ballast_history_load (BallastHistory *history, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: not UTF-8 text", path);
      return FALSE;
    }
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      ballast_history_add (history, lines[i]);
    }
  return TRUE;
}

gboolean
ballast_history_save (const BallastHistory *history, const char *path, GError **error)
{
  g_autofree char *directory = g_path_get_dirname (path);
  if (g_mkdir_with_parents (directory, 0700) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot create %s: %s", directory,
                   g_strerror (saved_errno));
      return FALSE;
    }
  g_autoptr(GString) text = g_string_new (NULL);
  for (guint i = 0; i < history->entries->len; i++)
    {
      g_string_append (text, history->entries->pdata[i]);
      g_string_append_c (text, '\n');
    }
  /* The history may hold domain names an operator would rather keep to
   * themselves: 0600, like bash's. */
  g_autoptr(GError) local_error = NULL;
  if (!g_file_set_contents_full (path, text->str, (gssize) text->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- Completion ---- */

GPtrArray *
ballast_line_split_words (const char *text, gsize length, gsize *ret_word_start)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  GString *word = NULL;
  gsize word_start = length;
  char quote = '\0';

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (word == NULL)
        {
          if (is_blank (c))
            continue;
          word = g_string_new (NULL);
          word_start = i;
        }
      if (quote == '\'')
        {
          if (c == '\'')
            quote = '\0';
          else
            g_string_append_c (word, c);
          continue;
        }
      if (c == '\\')
        {
          /* Inside double quotes a backslash only escapes " and \. A
           * trailing one (the next character not typed yet) is dropped. */
          if (i + 1 < length)
            {
              char next = text[++i];
              if (quote == '"' && next != '"' && next != '\\')
                g_string_append_c (word, '\\');
              g_string_append_c (word, next);
            }
          continue;
        }
      if (quote == '"')
        {
          if (c == '"')
            quote = '\0';
          else
            g_string_append_c (word, c);
          continue;
        }
      if (c == '\'' || c == '"')
        quote = c;
      else if (is_blank (c))
        {
          g_ptr_array_add (words, g_string_free (word, FALSE));
          word = NULL;
        }
      else
        g_string_append_c (word, c);
    }
  if (word != NULL)
    g_ptr_array_add (words, g_string_free (word, FALSE));
  else
    {
      g_ptr_array_add (words, g_strdup (""));
      word_start = length;
    }
  *ret_word_start = word_start;
  return words;
}

char *
ballast_line_quote_word (const char *word)
{
  GString *quoted = g_string_new (NULL);
  for (const char *p = word; *p != '\0'; p++)
    {
      /* "#" only starts a comment at the beginning of a word. */
      if (strchr (" \t'\"\\", *p) != NULL || (*p == '#' && p == word))
        g_string_append_c (quoted, '\\');
      g_string_append_c (quoted, *p);
    }
  return g_string_free (quoted, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
ballast_completion_matches (const char *prefix, const GPtrArray *candidates)
{
  GPtrArray *matches = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; candidates != NULL && i < candidates->len; i++)
    {
      const char *candidate = candidates->pdata[i];
      if (candidate != NULL && g_str_has_prefix (candidate, prefix))
        g_ptr_array_add (matches, g_strdup (candidate));
    }
  g_ptr_array_sort (matches, compare_strings);
  for (guint i = 1; i < matches->len;)
    {
      if (strcmp (matches->pdata[i - 1], matches->pdata[i]) == 0)
        g_ptr_array_remove_index (matches, i);
      else
        i++;
    }
  return matches;
}

char *
ballast_completion_common_prefix (const GPtrArray *matches)
{
  if (matches->len == 0)
    return g_strdup ("");
  const char *first = matches->pdata[0];
  gsize length = strlen (first);
  for (guint i = 1; i < matches->len; i++)
    {
      const char *other = matches->pdata[i];
      gsize n = 0;
      while (n < length && other[n] == first[n])
        n++;
      length = n;
    }
  /* Never cut a character in two. */
  while (length > 0 && ((guchar) first[length] & 0xc0) == 0x80)
    length--;
  return g_strndup (first, length);
}

gboolean
ballast_line_buffer_complete (BallastLineBuffer *buffer, const GPtrArray *matches)
{
  if (matches->len == 0)
    return FALSE;
  gsize word_start;
  g_autoptr(GPtrArray) words = ballast_line_split_words (buffer->text->str, buffer->cursor,
                                                         &word_start);
  const char *typed = words->pdata[words->len - 1];
  g_autofree char *replacement = NULL;
  gboolean add_space = FALSE;
  if (matches->len == 1)
    {
      replacement = ballast_line_quote_word (matches->pdata[0]);
      add_space = TRUE;
    }
  else
    {
      g_autofree char *common = ballast_completion_common_prefix (matches);
      if (strlen (common) <= strlen (typed))
        return FALSE;
      replacement = ballast_line_quote_word (common);
    }

  g_string_erase (buffer->text, (gssize) word_start, (gssize) (buffer->cursor - word_start));
  g_string_insert (buffer->text, (gssize) word_start, replacement);
  buffer->cursor = word_start + strlen (replacement);
  if (add_space)
    {
      if (buffer->cursor < buffer->text->len && buffer->text->str[buffer->cursor] == ' ')
        buffer->cursor++;
      else
        {
          g_string_insert_c (buffer->text, (gssize) buffer->cursor, ' ');
          buffer->cursor++;
        }
    }
  return TRUE;
}

/* Columns the first LENGTH bytes of TEXT take on a terminal (all of it up
 * to its NUL when LENGTH is -1): wide (CJK) characters take two. */
static guint
display_width (const char *text, gssize length)
{
  guint width = 0;
  const char *end = length < 0 ? text + strlen (text) : text + length;
  for (const char *p = text; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      width += g_unichar_iszerowidth (c) ? 0 : g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

char *
ballast_completion_format_columns (const GPtrArray *matches, guint width)
{
  GString *out = g_string_new (NULL);
  guint n = matches->len;
  if (n == 0)
    return g_string_free (out, FALSE);
  guint column_width = 0;
  for (guint i = 0; i < n; i++)
    column_width = MAX (column_width, display_width (matches->pdata[i], -1) + 2);
  guint columns = MAX (1, width / column_width);
  guint rows = (n + columns - 1) / columns;
  /* Down the columns first, as ls and bash list. */
  for (guint row = 0; row < rows; row++)
    {
      for (guint column = 0; column < columns; column++)
        {
          guint index = column * rows + row;
          if (index >= n)
            break;
          const char *match = matches->pdata[index];
          g_string_append (out, match);
          if (column + 1 < columns && index + rows < n)
            for (guint pad = display_width (match, -1); pad < column_width; pad++)
              g_string_append_c (out, ' ');
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

/* ---- The terminal ---- */

struct _BallastLineEditor {
  int in_fd;
  int out_fd;
  BallastHistory *history;
  BallastCompletionFunc complete;
  gpointer user_data;
};

/* Set by SIGTERM/SIGHUP while a line is read: the read ends as at the end
 * of input, so the terminal is restored and the caller can leave cleanly
 * (saving its history). A signal handler can only reach a global. */
static volatile sig_atomic_t stop_signal;

static void
on_stop_signal (int signal_number)
{
  stop_signal = signal_number;
}

BallastLineEditor *
ballast_line_editor_new (int in_fd, int out_fd, BallastHistory *history,
                         BallastCompletionFunc complete, gpointer user_data)
{
  BallastLineEditor *editor = g_new0 (BallastLineEditor, 1);
  editor->in_fd = in_fd;
  editor->out_fd = out_fd;
  editor->history = history;
  editor->complete = complete;
  editor->user_data = user_data;
  return editor;
}

void
ballast_line_editor_free (BallastLineEditor *editor)
{
  g_free (editor);
}

static void
write_all (BallastLineEditor *editor, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (editor->out_fd, data, length);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return; /* the terminal is gone; the next read will say so */
      data += n;
      length -= (gsize) n;
    }
}

static void
write_string (BallastLineEditor *editor, const char *text)
{
  write_all (editor, text, strlen (text));
}

static guint
terminal_columns (BallastLineEditor *editor)
{
  struct winsize size;
  if (ioctl (editor->out_fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

/* Draw the prompt and the line on the current terminal row. A line wider
 * than the terminal scrolls sideways to keep the cursor in view, so the
 * redraw never has to deal with wrapped rows. */
static void
redraw (BallastLineEditor *editor, const char *prompt, const BallastLineBuffer *line)
{
  const char *text = line->text->str;
  guint columns = terminal_columns (editor);
  guint prompt_width = display_width (prompt, -1);
  guint available = columns > prompt_width + 1 ? columns - prompt_width - 1 : 1;

  gsize start = 0;
  while (start < line->cursor && display_width (text + start, (gssize) (line->cursor - start)) > available)
    start = (gsize) (g_utf8_next_char (text + start) - text);
  gsize end = start;
  guint width = 0;
  while (end < line->text->len)
    {
      gsize next = (gsize) (g_utf8_next_char (text + end) - text);
      guint char_width = display_width (text + end, (gssize) (next - end));
      if (width + char_width > available)
        break;
      width += char_width;
      end = next;
    }

  g_autoptr(GString) out = g_string_new ("\r");
  g_string_append (out, prompt);
  g_string_append_len (out, text + start, (gssize) (end - start));
  g_string_append (out, "\x1b[K\r");
  guint cursor_column = prompt_width + display_width (text + start, (gssize) (line->cursor - start));
  if (cursor_column > 0)
    g_string_append_printf (out, "\x1b[%uC", cursor_column);
  write_all (editor, out->str, out->len);
}

static void
complete_line (BallastLineEditor *editor, BallastLineBuffer *line)
{
  if (editor->complete == NULL)
    {
      write_string (editor, "\a");
      return;
    }
  gsize word_start;
  g_autoptr(GPtrArray) words = ballast_line_split_words (line->text->str, line->cursor,
                                                         &word_start);
  g_autoptr(GPtrArray) candidates = editor->complete ((const char *const *) words->pdata,
                                                      words->len, editor->user_data);
  g_autoptr(GPtrArray) matches = ballast_completion_matches (words->pdata[words->len - 1],
                                                             candidates);
  if (ballast_line_buffer_complete (line, matches))
    return;
  if (matches->len < 2)
    {
      write_string (editor, "\a");
      return;
    }
  /* Nothing more in common: show the choices below the line. */
  g_autofree char *listing = ballast_completion_format_columns (matches, terminal_columns (editor));
  g_autofree char *crlf = NULL;
  g_auto(GStrv) rows = g_strsplit (listing, "\n", -1);
  crlf = g_strjoinv ("\r\n", rows);
  write_string (editor, "\r\n");
  write_string (editor, crlf);
}

typedef enum {
  READ_GOING,
  READ_LINE,
  READ_END,
} ReadState;

static ReadState
handle_key (BallastLineEditor *editor, const char *prompt, BallastLineBuffer *line,
            BallastKey key, const char *bytes, gsize length)
{
  BallastHistory *history = editor->history;
  const char *entry;

  switch (key)
    {
    case BALLAST_KEY_ENTER:
      write_string (editor, "\r\n");
      return READ_LINE;
    case BALLAST_KEY_EOF:
      if (line->text->len == 0)
        {
          write_string (editor, "\r\n");
          return READ_END;
        }
      ballast_line_buffer_edit (line, BALLAST_KEY_DELETE);
      break;
    case BALLAST_KEY_INTERRUPT:
      write_string (editor, "^C\r\n");
      ballast_line_buffer_set (line, "");
      if (history != NULL)
        ballast_history_reset_walk (history);
      break;
    case BALLAST_KEY_TEXT:
      ballast_line_buffer_insert (line, bytes, length);
      break;
    case BALLAST_KEY_HISTORY_PREV:
    case BALLAST_KEY_HISTORY_NEXT:
      entry = history == NULL ? NULL
              : key == BALLAST_KEY_HISTORY_PREV ? ballast_history_previous (history, line->text->str)
              : ballast_history_next (history);
      if (entry == NULL)
        write_string (editor, "\a");
      else
        ballast_line_buffer_set (line, entry);
      break;
    case BALLAST_KEY_COMPLETE:
      complete_line (editor, line);
      break;
    case BALLAST_KEY_CLEAR_SCREEN:
      write_string (editor, "\x1b[H\x1b[2J");
      break;
    case BALLAST_KEY_INCOMPLETE:
    case BALLAST_KEY_IGNORED:
      return READ_GOING;
    default:
      ballast_line_buffer_edit (line, key);
      break;
    }
  redraw (editor, prompt, line);
  return READ_GOING;
}

static gboolean
read_keys (BallastLineEditor *editor, const char *prompt, BallastLineBuffer *line,
           ReadState *ret_state, GError **error)
{
  g_autoptr(GString) pending = g_string_new (NULL);
  redraw (editor, prompt, line);
  for (;;)
    {
      while (pending->len > 0)
        {
          BallastKey key;
          gsize used = ballast_key_decode (pending->str, pending->len, &key);
          if (used == 0)
            break;
          ReadState state = handle_key (editor, prompt, line, key, pending->str, used);
          g_string_erase (pending, 0, (gssize) used);
          if (state != READ_GOING)
            {
              *ret_state = state;
              return TRUE;
            }
        }
      if (pending->len > 0 && pending->str[0] == '\x1b')
        {
          struct pollfd poll_fd = { .fd = editor->in_fd, .events = POLLIN };
          if (poll (&poll_fd, 1, ESCAPE_WAIT_MSEC) == 0)
            {
              g_string_erase (pending, 0, 1); /* the escape key itself */
              continue;
            }
        }

      char buffer[256];
      ssize_t n = read (editor->in_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR)
        {
          if (stop_signal != 0)
            {
              write_string (editor, "\r\n");
              *ret_state = READ_END;
              return TRUE;
            }
          redraw (editor, prompt, line); /* the window may have been resized */
          continue;
        }
      if (n < 0)
        {
          int saved_errno = errno;
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot read the terminal: %s",
                       g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        {
          write_string (editor, "\r\n");
          *ret_state = READ_END;
          return TRUE;
        }
      g_string_append_len (pending, buffer, n);
    }
}

char *
ballast_line_editor_read (BallastLineEditor *editor, const char *prompt, GError **error)
{
  struct termios saved, raw;
  if (tcgetattr (editor->in_fd, &saved) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "not a terminal: %s",
                   g_strerror (saved_errno));
      return NULL;
    }
  /* Raw input, one byte at a time, no echo, and ctrl-c as a byte rather
   * than SIGINT; output processing stays on so "\n" still ends a row. */
  raw = saved;
  raw.c_iflag &= ~(tcflag_t) (BRKINT | ICRNL | INPCK | ISTRIP | IXON);
  raw.c_cflag |= CS8;
  raw.c_lflag &= ~(tcflag_t) (ECHO | ICANON | IEXTEN | ISIG);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  /* TCSADRAIN, not TCSAFLUSH: keys typed ahead while the previous command
   * ran are the user's next line, not garbage. */
  if (tcsetattr (editor->in_fd, TCSADRAIN, &raw) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot set the terminal to raw mode: %s",
                   g_strerror (saved_errno));
      return NULL;
    }

  struct sigaction action = { .sa_handler = on_stop_signal }, old_term, old_hup;
  sigemptyset (&action.sa_mask);
  stop_signal = 0;
  sigaction (SIGTERM, &action, &old_term);
  sigaction (SIGHUP, &action, &old_hup);

  g_autoptr(BallastLineBuffer) line = ballast_line_buffer_new ();
  ReadState state = READ_END;
  gboolean ok = read_keys (editor, prompt, line, &state, error);

  tcsetattr (editor->in_fd, TCSADRAIN, &saved);
  sigaction (SIGTERM, &old_term, NULL);
  sigaction (SIGHUP, &old_hup, NULL);
  if (editor->history != NULL)
    ballast_history_reset_walk (editor->history);
  if (!ok || state != READ_LINE)
    return NULL;
  return g_strdup (line->text->str);
}
