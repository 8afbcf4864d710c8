/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shell's line editor without a terminal: key decoding, editing,
 * history walks and persistence, word splitting and completion. */
#include "line-editor.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- Keys ---- */

static void
test_key_decode_table (void)
{
  static const struct {
    const char *bytes;
    BallastKey key;
    gsize used;
  } cases[] = {
    { "a", BALLAST_KEY_TEXT, 1 },
    { "ab", BALLAST_KEY_TEXT, 1 },
    { "\xc3\xa9", BALLAST_KEY_TEXT, 2 },          /* é */
    { "\xe6\x97\xa5x", BALLAST_KEY_TEXT, 3 },      /* 日 */
    { "\r", BALLAST_KEY_ENTER, 1 },
    { "\n", BALLAST_KEY_ENTER, 1 },
    { "\t", BALLAST_KEY_COMPLETE, 1 },
    { "\x7f", BALLAST_KEY_BACKSPACE, 1 },
    { "\x08", BALLAST_KEY_BACKSPACE, 1 },
    { "\x01", BALLAST_KEY_HOME, 1 },
    { "\x05", BALLAST_KEY_END, 1 },
    { "\x0b", BALLAST_KEY_KILL_TO_END, 1 },
    { "\x15", BALLAST_KEY_KILL_TO_START, 1 },
    { "\x17", BALLAST_KEY_KILL_WORD, 1 },
    { "\x03", BALLAST_KEY_INTERRUPT, 1 },
    { "\x04", BALLAST_KEY_EOF, 1 },
    { "\x0c", BALLAST_KEY_CLEAR_SCREEN, 1 },
    { "\x10", BALLAST_KEY_HISTORY_PREV, 1 },
    { "\x0e", BALLAST_KEY_HISTORY_NEXT, 1 },
    { "\x1b[A", BALLAST_KEY_HISTORY_PREV, 3 },
    { "\x1b[B", BALLAST_KEY_HISTORY_NEXT, 3 },
    { "\x1b[C", BALLAST_KEY_RIGHT, 3 },
    { "\x1b[D", BALLAST_KEY_LEFT, 3 },
    { "\x1b[1;5C", BALLAST_KEY_WORD_RIGHT, 6 },
    { "\x1b[1;5D", BALLAST_KEY_WORD_LEFT, 6 },
    { "\x1b[H", BALLAST_KEY_HOME, 3 },
    { "\x1b[F", BALLAST_KEY_END, 3 },
    { "\x1bOH", BALLAST_KEY_HOME, 3 },
    { "\x1bOF", BALLAST_KEY_END, 3 },
    { "\x1bOA", BALLAST_KEY_HISTORY_PREV, 3 },
    { "\x1b[1~", BALLAST_KEY_HOME, 4 },
    { "\x1b[7~", BALLAST_KEY_HOME, 4 },
    { "\x1b[4~", BALLAST_KEY_END, 4 },
    { "\x1b[3~x", BALLAST_KEY_DELETE, 4 },
    { "\x1b" "b", BALLAST_KEY_WORD_LEFT, 2 },
    { "\x1b" "f", BALLAST_KEY_WORD_RIGHT, 2 },
    { "\x1b[5~", BALLAST_KEY_IGNORED, 4 },         /* page up */
    { "\x1b[15;2~", BALLAST_KEY_IGNORED, 7 },      /* shift-F5 */
    { "\x1bx", BALLAST_KEY_IGNORED, 1 },           /* ESC then x: x stays */
    { "\x07", BALLAST_KEY_IGNORED, 1 },
    { "\x80", BALLAST_KEY_IGNORED, 1 },            /* stray continuation byte */
    { "\xc3(", BALLAST_KEY_IGNORED, 1 },           /* broken UTF-8 */
    { "\xc2\x85", BALLAST_KEY_IGNORED, 1 },        /* C1 control (NEL) */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastKey key = BALLAST_KEY_INCOMPLETE;
      gsize used = ballast_key_decode (cases[i].bytes, strlen (cases[i].bytes), &key);
      g_test_message ("case %zu", i);
      g_assert_cmpint (key, ==, cases[i].key);
      g_assert_cmpuint (used, ==, cases[i].used);
    }
}

static void
test_key_decode_incomplete (void)
{
  /* Every proper prefix of a sequence asks for more bytes. */
  static const char *const sequences[] = { "\x1b[3~", "\x1b[1;5C", "\x1bOH", "\xe6\x97\xa5" };
  for (gsize i = 0; i < G_N_ELEMENTS (sequences); i++)
    for (gsize length = 1; length < strlen (sequences[i]); length++)
      {
        BallastKey key = BALLAST_KEY_TEXT;
        g_assert_cmpuint (ballast_key_decode (sequences[i], length, &key), ==, 0);
        g_assert_cmpint (key, ==, BALLAST_KEY_INCOMPLETE);
      }
  /* A CSI that never ends is dropped, not waited for forever. */
  g_autofree char *endless = g_strnfill (40, '1');
  g_autofree char *sequence = g_strconcat ("\x1b[", endless, NULL);
  BallastKey key;
  g_assert_cmpuint (ballast_key_decode (sequence, strlen (sequence), &key), >, 0);
  g_assert_cmpint (key, ==, BALLAST_KEY_IGNORED);
}

/* ---- Editing ---- */

/* Type TEXT (printable keys only) into BUFFER at the cursor. */
static void
type (BallastLineBuffer *buffer, const char *text)
{
  g_assert_true (ballast_line_buffer_insert (buffer, text, strlen (text)));
}

static void
assert_line (const BallastLineBuffer *buffer, const char *text, gsize cursor)
{
  g_assert_cmpstr (buffer->text->str, ==, text);
  g_assert_cmpuint (buffer->cursor, ==, cursor);
}

static void
test_edit_cursor_moves (void)
{
  g_autoptr(BallastLineBuffer) buffer = ballast_line_buffer_new ();
  type (buffer, "dominfo web");
  assert_line (buffer, "dominfo web", 11);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT));
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT));
  assert_line (buffer, "dominfo web", 9);
  type (buffer, "X");
  assert_line (buffer, "dominfo wXeb", 10);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_HOME));
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT)); /* already at 0 */
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_HOME));
  assert_line (buffer, "dominfo wXeb", 0);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_WORD_RIGHT));
  assert_line (buffer, "dominfo wXeb", 7);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_END));
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_RIGHT));
  assert_line (buffer, "dominfo wXeb", 12);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_WORD_LEFT));
  assert_line (buffer, "dominfo wXeb", 8);
}

static void
test_edit_deletes (void)
{
  g_autoptr(BallastLineBuffer) buffer = ballast_line_buffer_new ();
  type (buffer, "statuss");
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_BACKSPACE));
  assert_line (buffer, "status", 6);
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_DELETE)); /* at the end */
  ballast_line_buffer_edit (buffer, BALLAST_KEY_HOME);
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_BACKSPACE)); /* at 0 */
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_DELETE));
  assert_line (buffer, "tatus", 0);

  /* ctrl-k and ctrl-u around the cursor. */
  ballast_line_buffer_set (buffer, "list --all --wide");
  for (int i = 0; i < 7; i++)
    ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_TO_END));
  assert_line (buffer, "list --all", 10);
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_TO_END));
  ballast_line_buffer_edit (buffer, BALLAST_KEY_WORD_LEFT);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_TO_START));
  assert_line (buffer, "--all", 0);

  /* ctrl-w takes the word before the cursor and the blanks after it. */
  ballast_line_buffer_set (buffer, "domhistory web  ");
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_WORD));
  assert_line (buffer, "domhistory ", 11);
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_WORD));
  assert_line (buffer, "", 0);
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_KILL_WORD));

  /* Keys that are not edits do nothing. */
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_ENTER));
  g_assert_false (ballast_line_buffer_edit (buffer, BALLAST_KEY_COMPLETE));
}

static void
test_edit_utf8 (void)
{
  g_autoptr(BallastLineBuffer) buffer = ballast_line_buffer_new ();
  type (buffer, "dominfo caf\xc3\xa9");          /* café: é is two bytes */
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT));
  assert_line (buffer, "dominfo caf\xc3\xa9", 11);  /* before é, not inside it */
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_DELETE));
  assert_line (buffer, "dominfo caf", 11);
  type (buffer, "\xe6\x97\xa5");
  g_assert_true (ballast_line_buffer_edit (buffer, BALLAST_KEY_BACKSPACE));
  assert_line (buffer, "dominfo caf", 11);
  /* Invalid UTF-8 and control characters are refused whole. */
  g_assert_false (ballast_line_buffer_insert (buffer, "\xc3(", 2));
  g_assert_false (ballast_line_buffer_insert (buffer, "a\x1b", 2));
  assert_line (buffer, "dominfo caf", 11);
}

/* ---- History ---- */

static void
test_history_walk (void)
{
  g_autoptr(BallastHistory) history = ballast_history_new (10);
  g_assert_null (ballast_history_previous (history, "x")); /* empty */
  ballast_history_add (history, "status");
  ballast_history_add (history, "list");
  ballast_history_add (history, "dominfo web");

  g_assert_cmpstr (ballast_history_previous (history, "half typ"), ==, "dominfo web");
  g_assert_cmpstr (ballast_history_previous (history, "dominfo web"), ==, "list");
  g_assert_cmpstr (ballast_history_previous (history, "list"), ==, "status");
  g_assert_null (ballast_history_previous (history, "status")); /* the oldest */
  g_assert_cmpstr (ballast_history_next (history), ==, "list");
  g_assert_cmpstr (ballast_history_next (history), ==, "dominfo web");
  /* Back at the bottom: what was being typed comes back. */
  g_assert_cmpstr (ballast_history_next (history), ==, "half typ");
  g_assert_null (ballast_history_next (history));
  /* Up again from the bottom keeps the current line afresh. */
  g_assert_cmpstr (ballast_history_previous (history, "other"), ==, "dominfo web");
  g_assert_cmpstr (ballast_history_next (history), ==, "other");

  /* Entering a line ends the walk: the next up starts from the newest. */
  ballast_history_previous (history, "");
  ballast_history_previous (history, "");
  ballast_history_add (history, "pause");
  g_assert_cmpstr (ballast_history_previous (history, ""), ==, "pause");
  ballast_history_reset_walk (history);
  g_assert_null (ballast_history_next (history));
}

static void
test_history_add_rules (void)
{
  g_autoptr(BallastHistory) history = ballast_history_new (3);
  ballast_history_add (history, "");
  ballast_history_add (history, "   \t ");
  g_assert_cmpuint (ballast_history_length (history), ==, 0);
  ballast_history_add (history, "status");
  ballast_history_add (history, "status");   /* a repeat of the newest */
  g_assert_cmpuint (ballast_history_length (history), ==, 1);
  ballast_history_add (history, "list");
  ballast_history_add (history, "status");   /* not a repeat of the newest */
  ballast_history_add (history, "top");
  /* Bounded: the oldest goes. */
  g_assert_cmpuint (ballast_history_length (history), ==, 3);
  g_assert_cmpstr (ballast_history_get (history, 0), ==, "list");
  g_assert_cmpstr (ballast_history_get (history, 2), ==, "top");
}

static void
test_history_persistence (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-history-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cache", "ballast", "history", NULL);
  g_autoptr(GError) error = NULL;

  g_autoptr(BallastHistory) missing = ballast_history_new (5);
  g_assert_true (ballast_history_load (missing, path, &error)); /* no file: empty, fine */
  g_assert_no_error (error);
  g_assert_cmpuint (ballast_history_length (missing), ==, 0);

  g_autoptr(BallastHistory) history = ballast_history_new (5);
  for (int i = 0; i < 8; i++)
    {
      g_autofree char *line = g_strdup_printf ("dominfo guest-%d", i);
      ballast_history_add (history, line);
    }
  g_assert_true (ballast_history_save (history, path, &error));
  g_assert_no_error (error);
  GStatBuf st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Loading into a smaller history keeps the newest. */
  g_autoptr(BallastHistory) loaded = ballast_history_new (3);
  g_assert_true (ballast_history_load (loaded, path, &error));
  g_assert_cmpuint (ballast_history_length (loaded), ==, 3);
  g_assert_cmpstr (ballast_history_get (loaded, 0), ==, "dominfo guest-5");
  g_assert_cmpstr (ballast_history_get (loaded, 2), ==, "dominfo guest-7");

  /* CRLF and blank lines in a hand-edited file. */
  g_assert_true (g_file_set_contents (path, "status\r\n\r\nlist\r\n", -1, NULL));
  g_autoptr(BallastHistory) crlf = ballast_history_new (5);
  g_assert_true (ballast_history_load (crlf, path, &error));
  g_assert_cmpuint (ballast_history_length (crlf), ==, 2);
  g_assert_cmpstr (ballast_history_get (crlf, 1), ==, "list");

  g_unlink (path);
  g_autofree char *ballast_dir = g_path_get_dirname (path);
  g_autofree char *cache_dir = g_path_get_dirname (ballast_dir);
  g_rmdir (ballast_dir);
  g_rmdir (cache_dir);
  g_rmdir (dir);
}

/* ---- Completion ---- */

static void
assert_words (const char *text, const char *const *expected, gsize expected_start)
{
  gsize start = 0;
  g_autoptr(GPtrArray) words = ballast_line_split_words (text, strlen (text), &start);
  g_assert_cmpuint (words->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < words->len; i++)
    g_assert_cmpstr (words->pdata[i], ==, expected[i]);
  g_assert_cmpuint (start, ==, expected_start);
}

static void
test_split_words (void)
{
  assert_words ("", (const char *[]) { "", NULL }, 0);
  assert_words ("li", (const char *[]) { "li", NULL }, 0);
  assert_words ("  list ", (const char *[]) { "list", "", NULL }, 7);
  assert_words ("dominfo we", (const char *[]) { "dominfo", "we", NULL }, 8);
  assert_words ("dominfo my\\ gu", (const char *[]) { "dominfo", "my gu", NULL }, 8);
  assert_words ("dominfo 'my gu", (const char *[]) { "dominfo", "my gu", NULL }, 8);
  assert_words ("dominfo \"a\\\"b\\c", (const char *[]) { "dominfo", "a\"b\\c", NULL }, 8);
  assert_words ("dominfo x\\", (const char *[]) { "dominfo", "x", NULL }, 8);
  assert_words ("a\tb", (const char *[]) { "a", "b", NULL }, 2);
}

static void
test_quote_round_trip (void)
{
  static const char *const words[] = { "plain", "with space", "it's", "say \"hi\"",
                                       "back\\slash", "#hash", "a#b", "tab\there" };
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_autofree char *quoted = ballast_line_quote_word (words[i]);
      gsize start;
      g_autoptr(GPtrArray) split = ballast_line_split_words (quoted, strlen (quoted), &start);
      g_assert_cmpuint (split->len, ==, 1);
      g_assert_cmpstr (split->pdata[0], ==, words[i]);
      /* And the shell's own parser agrees. */
      g_auto(GStrv) argv = NULL;
      g_assert_true (g_shell_parse_argv (quoted, NULL, &argv, NULL));
      g_assert_cmpstr (argv[0], ==, words[i]);
    }
  g_autofree char *plain = ballast_line_quote_word ("web-01");
  g_assert_cmpstr (plain, ==, "web-01");
}

static GPtrArray *
strings (const char *const *values)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; values[i] != NULL; i++)
    g_ptr_array_add (array, g_strdup (values[i]));
  return array;
}

static void
test_completion_matches (void)
{
  g_autoptr(GPtrArray) candidates = strings ((const char *[]) {
    "status", "dominfo", "domhistory", "list", "dominfo", "pause", NULL });
  g_autoptr(GPtrArray) dom = ballast_completion_matches ("dom", candidates);
  g_assert_cmpuint (dom->len, ==, 2); /* sorted, the duplicate gone */
  g_assert_cmpstr (dom->pdata[0], ==, "domhistory");
  g_assert_cmpstr (dom->pdata[1], ==, "dominfo");
  g_autoptr(GPtrArray) all = ballast_completion_matches ("", candidates);
  g_assert_cmpuint (all->len, ==, 5);
  g_autoptr(GPtrArray) none = ballast_completion_matches ("x", candidates);
  g_assert_cmpuint (none->len, ==, 0);
  g_autoptr(GPtrArray) from_null = ballast_completion_matches ("", NULL);
  g_assert_cmpuint (from_null->len, ==, 0);

  g_autofree char *common = ballast_completion_common_prefix (dom);
  g_assert_cmpstr (common, ==, "dom");
  /* é (c3 a9) and è (c3 a8) share a byte, not a character. */
  g_autoptr(GPtrArray) accents = strings ((const char *[]) { "caf\xc3\xa9", "caf\xc3\xa8", NULL });
  g_autofree char *accent_common = ballast_completion_common_prefix (accents);
  g_assert_cmpstr (accent_common, ==, "caf");
}

static void
test_complete_line (void)
{
  g_autoptr(BallastLineBuffer) buffer = ballast_line_buffer_new ();

  /* One match: the word completes, quoted, with a space after it. */
  ballast_line_buffer_set (buffer, "dominfo my");
  g_autoptr(GPtrArray) one = strings ((const char *[]) { "my guest", NULL });
  g_assert_true (ballast_line_buffer_complete (buffer, one));
  assert_line (buffer, "dominfo my\\ guest ", 18);

  /* Several: their common prefix, no space; then nothing more to add. */
  ballast_line_buffer_set (buffer, "d");
  g_autoptr(GPtrArray) two = strings ((const char *[]) { "domhistory", "dominfo", NULL });
  g_assert_true (ballast_line_buffer_complete (buffer, two));
  assert_line (buffer, "dom", 3);
  g_assert_false (ballast_line_buffer_complete (buffer, two));
  assert_line (buffer, "dom", 3);

  /* In the middle of a line: only the word before the cursor changes, and
   * an existing blank after it is reused. */
  ballast_line_buffer_set (buffer, "domh web");
  for (int i = 0; i < 4; i++)
    ballast_line_buffer_edit (buffer, BALLAST_KEY_LEFT);
  g_autoptr(GPtrArray) history = strings ((const char *[]) { "domhistory", NULL });
  g_assert_true (ballast_line_buffer_complete (buffer, history));
  assert_line (buffer, "domhistory web", 11);

  /* A quoted word being typed is replaced by the quoted match. */
  ballast_line_buffer_set (buffer, "dominfo 'my g");
  g_assert_true (ballast_line_buffer_complete (buffer, one));
  assert_line (buffer, "dominfo my\\ guest ", 18);

  g_autoptr(GPtrArray) empty = g_ptr_array_new ();
  g_assert_false (ballast_line_buffer_complete (buffer, empty));
}

static void
test_format_columns (void)
{
  g_autoptr(GPtrArray) matches = strings ((const char *[]) { "a", "bb", "ccc", "dddd", "e", NULL });
  /* Column width 6 ("dddd" + 2): 14 columns fit 2 of them, 3 rows, filled
   * down the columns. */
  g_autofree char *narrow = ballast_completion_format_columns (matches, 14);
  g_assert_cmpstr (narrow, ==, "a     dddd\nbb    e\nccc\n");
  g_autofree char *wide = ballast_completion_format_columns (matches, 80);
  g_assert_cmpstr (wide, ==, "a     bb    ccc   dddd  e\n");
  g_autofree char *tiny = ballast_completion_format_columns (matches, 3);
  g_assert_cmpstr (tiny, ==, "a\nbb\nccc\ndddd\ne\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/line-editor/key-decode", test_key_decode_table);
  g_test_add_func ("/line-editor/key-decode-incomplete", test_key_decode_incomplete);
  g_test_add_func ("/line-editor/edit-cursor-moves", test_edit_cursor_moves);
  g_test_add_func ("/line-editor/edit-deletes", test_edit_deletes);
  g_test_add_func ("/line-editor/edit-utf8", test_edit_utf8);
  g_test_add_func ("/line-editor/history-walk", test_history_walk);
  g_test_add_func ("/line-editor/history-add-rules", test_history_add_rules);
  g_test_add_func ("/line-editor/history-persistence", test_history_persistence);
  g_test_add_func ("/line-editor/split-words", test_split_words);
  g_test_add_func ("/line-editor/quote-round-trip", test_quote_round_trip);
  g_test_add_func ("/line-editor/completion-matches", test_completion_matches);
  g_test_add_func ("/line-editor/complete-line", test_complete_line);
  g_test_add_func ("/line-editor/format-columns", test_format_columns);
  return g_test_run ();
}
