/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A small line editor for ballastctl's interactive shell, on raw termios:
 * the project takes no readline or libedit dependency. Decoding keys,
 * editing the line, walking the history and completing a word are pure
 * functions on the types below, unit-tested without a terminal;
 * ballast_line_editor_read() only adds the terminal around them. */

/* ---- Keys ---- */

typedef enum {
  BALLAST_KEY_INCOMPLETE,     /* the bytes are the start of a longer sequence */
  BALLAST_KEY_IGNORED,        /* a sequence we do not handle (consumed) */
  BALLAST_KEY_TEXT,           /* one printable UTF-8 character: the consumed bytes */
  BALLAST_KEY_ENTER,
  BALLAST_KEY_LEFT,           /* left arrow, ctrl-b */
  BALLAST_KEY_RIGHT,          /* right arrow, ctrl-f */
  BALLAST_KEY_WORD_LEFT,      /* alt-b, ctrl-left */
  BALLAST_KEY_WORD_RIGHT,     /* alt-f, ctrl-right */
  BALLAST_KEY_HOME,           /* home, ctrl-a */
  BALLAST_KEY_END,            /* end, ctrl-e */
  BALLAST_KEY_BACKSPACE,      /* backspace (DEL or ctrl-h) */
  BALLAST_KEY_DELETE,         /* delete */
  BALLAST_KEY_KILL_TO_END,    /* ctrl-k */
  BALLAST_KEY_KILL_TO_START,  /* ctrl-u */
  BALLAST_KEY_KILL_WORD,      /* ctrl-w: the word before the cursor */
  BALLAST_KEY_HISTORY_PREV,   /* up arrow, ctrl-p */
  BALLAST_KEY_HISTORY_NEXT,   /* down arrow, ctrl-n */
  BALLAST_KEY_COMPLETE,       /* tab */
  BALLAST_KEY_INTERRUPT,      /* ctrl-c: abandon the line */
  BALLAST_KEY_EOF,            /* ctrl-d: end of input on an empty line, else delete */
  BALLAST_KEY_CLEAR_SCREEN,   /* ctrl-l */
} BallastKey;

/* Decode the first key in BYTES (LENGTH > 0), as a VT100/xterm terminal in
 * raw mode sends it ("\x1b[A" up, "\x1b[3~" delete, "\x1bOH" home, ...).
 * Returns the number of bytes consumed, or 0 with BALLAST_KEY_INCOMPLETE
 * when more bytes are needed to tell. */
gsize ballast_key_decode (const char *bytes, gsize length, BallastKey *ret_key);

/* ---- The line being edited ---- */

typedef struct {
  GString *text;  /* valid UTF-8, one line */
  gsize cursor;   /* byte offset into text, always on a character boundary */
} BallastLineBuffer;

BallastLineBuffer *ballast_line_buffer_new (void);
void ballast_line_buffer_free (BallastLineBuffer *buffer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastLineBuffer, ballast_line_buffer_free)

/* Replace the whole line; the cursor goes to its end. */
void ballast_line_buffer_set (BallastLineBuffer *buffer, const char *text);
/* Insert LENGTH bytes of TEXT at the cursor and move past them. Text that
 * is not valid UTF-8 or holds control characters is refused (FALSE). */
gboolean ballast_line_buffer_insert (BallastLineBuffer *buffer, const char *text, gsize length);
/* Apply an editing KEY (LEFT .. KILL_WORD and DELETE; others are not
 * editing keys and do nothing). Returns TRUE when the text or the cursor
 * moved. */
gboolean ballast_line_buffer_edit (BallastLineBuffer *buffer, BallastKey key);

/* ---- History ---- */

/* The lines entered, oldest first, at most MAX_ENTRIES of them, and the
 * position of an up/down walk through them. */
typedef struct _BallastHistory BallastHistory;

BallastHistory *ballast_history_new (guint max_entries);
void ballast_history_free (BallastHistory *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastHistory, ballast_history_free)

/* Add LINE at the end, unless it is blank or repeats the newest entry;
 * drops the oldest entries beyond the bound. Ends any walk. */
void ballast_history_add (BallastHistory *history, const char *line);
guint ballast_history_length (const BallastHistory *history);
/* Entry INDEX, 0 the oldest. */
const char *ballast_history_get (const BallastHistory *history, guint index);

/* One step back (up arrow). CURRENT is the line being edited: on the first
 * step it is kept, to come back to it at the bottom. Returns the entry to
 * show (borrowed), or NULL when already at the oldest. */
const char *ballast_history_previous (BallastHistory *history, const char *current);
/* One step forward (down arrow). Returns the newer entry, or the line kept
 * by the first step when the walk comes back to the bottom, or NULL when
 * not walking. */
const char *ballast_history_next (BallastHistory *history);
/* Forget the walk (a line was entered or abandoned). */
void ballast_history_reset_walk (BallastHistory *history);

/* Load from PATH, one entry a line (the newest last); a missing file is an
 * empty history, not an error. */
gboolean ballast_history_load (BallastHistory *history, const char *path, GError **error);
/* Save to PATH (created 0600, its directory 0700, replaced atomically). */
gboolean ballast_history_save (const BallastHistory *history, const char *path, GError **error);

/* ---- Completion ---- */

/* Split the first LENGTH bytes of TEXT into shell words, with quotes and
 * backslashes removed as the shell does (\\ ' and " quoting). The last word
 * is the one being typed: empty when TEXT ends in a blank. RET_WORD_START
 * is the byte offset where that last word begins. Returns the words
 * (char*, owned), never empty. */
GPtrArray *ballast_line_split_words (const char *text, gsize length, gsize *ret_word_start);

/* WORD quoted so that ballast_line_split_words() gives it back: blanks,
 * quotes and backslashes get a backslash. */
char *ballast_line_quote_word (const char *word);

/* The CANDIDATES (char*) that start with PREFIX, sorted, without
 * duplicates. Returns a new array of owned strings. */
GPtrArray *ballast_completion_matches (const char *prefix, const GPtrArray *candidates);

/* The longest prefix (whole characters) common to every string of MATCHES. */
char *ballast_completion_common_prefix (const GPtrArray *matches);

/* Complete the word that ends at the cursor (the last word of
 * ballast_line_split_words() on the text before it) with MATCHES, from
 * ballast_completion_matches() on that word: one match replaces it, quoted,
 * followed by a space; several replace it with their common prefix. Returns
 * TRUE when the line changed (FALSE: nothing matched, or the matches have
 * nothing in common beyond what was typed). */
gboolean ballast_line_buffer_complete (BallastLineBuffer *buffer, const GPtrArray *matches);

/* MATCHES laid out in columns for a terminal WIDTH columns wide, "\n"
 * ending each row, the way a shell lists ambiguous completions. */
char *ballast_completion_format_columns (const GPtrArray *matches, guint width);

/* ---- The terminal ---- */

/* Candidates for the last of WORDS (the word under the cursor, unquoted,
 * possibly empty); the words before it give the context. Returns an array
 * of owned char* (filtering by prefix is done by the caller), or NULL. */
typedef GPtrArray *(*BallastCompletionFunc) (const char *const *words, guint n_words,
                                             gpointer user_data);

typedef struct _BallastLineEditor BallastLineEditor;

/* An editor reading keys from IN_FD (a terminal) and drawing on OUT_FD.
 * HISTORY is borrowed and may be NULL; so may COMPLETE. */
BallastLineEditor *ballast_line_editor_new (int in_fd, int out_fd, BallastHistory *history,
                                            BallastCompletionFunc complete, gpointer user_data);
void ballast_line_editor_free (BallastLineEditor *editor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastLineEditor, ballast_line_editor_free)

/* Show PROMPT and read one line, with the terminal in raw mode only while
 * reading (commands run with it restored). Ctrl-c abandons the line and
 * starts a fresh one. Returns the line without its newline (owned), or
 * NULL at the end of input (ctrl-d on an empty line, end of file,
 * SIGTERM/SIGHUP) or with ERROR set when the terminal fails. The caller
 * adds the line to the history. */
char *ballast_line_editor_read (BallastLineEditor *editor, const char *prompt, GError **error);

G_END_DECLS
