/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The words of a ballastctl command line being typed, for completion:
 * pure functions on text, unit-tested (tests/unit/test-ctl-words.c).
 * libedit edits the line around them (ctl-shell.c); ctl-complete.c finds
 * the candidates. */

/* Split the first LENGTH bytes of TEXT into shell words, with quotes and
 * backslashes removed as the shell does (\\ ' and " quoting). The last word
 * is the one being typed: empty when TEXT ends in a blank. RET_WORD_START
 * is the byte offset where that last word begins. Returns the words
 * (char*, owned), never empty. */
GPtrArray *ctl_words_split (const char *text, gsize length, gsize *ret_word_start);

/* WORD quoted so that ctl_words_split() gives it back: blanks, quotes and
 * backslashes get a backslash, and so does a leading "#". */
char *ctl_words_quote (const char *word);

/* What to type after TYPED, the start of a word as it was typed (quotes
 * and backslashes included), so that the word reads WORD: WORD quoted when
 * TYPED is empty; else the rest of WORD in TYPED's open quote, if any,
 * which CLOSE closes (the word is complete). Returns NULL when TYPED is
 * not one word that reads as the start of WORD, or ends in a backslash. */
char *ctl_words_continue (const char *typed, const char *word, gboolean close);

/* The CANDIDATES (char*) that start with PREFIX, sorted, without
 * duplicates. Returns a new array of owned strings. */
GPtrArray *ctl_completion_matches (const char *prefix, const GPtrArray *candidates);

/* The longest prefix (whole UTF-8 characters) common to every string of
 * MATCHES; "" for none. */
char *ctl_completion_common_prefix (const GPtrArray *matches);

G_END_DECLS
