/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The words of the shell's command line (tools/ctl-words.c): splitting
 * with quotes, quoting a completed word, continuing a word typed in
 * quotes, and matching candidates. */
#include "ctl-words.h"

#include <string.h>

static void
assert_words (const char *text, const char *const *expected, gsize expected_start)
{
  gsize start = 0;
  g_autoptr(GPtrArray) words = ctl_words_split (text, strlen (text), &start);
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
      g_autofree char *quoted = ctl_words_quote (words[i]);
      gsize start;
      g_autoptr(GPtrArray) split = ctl_words_split (quoted, strlen (quoted), &start);
      g_assert_cmpuint (split->len, ==, 1);
      g_assert_cmpstr (split->pdata[0], ==, words[i]);
      /* And the shell's own parser agrees. */
      g_auto(GStrv) argv = NULL;
      g_assert_true (g_shell_parse_argv (quoted, NULL, &argv, NULL));
      g_assert_cmpstr (argv[0], ==, words[i]);
    }
  g_autofree char *plain = ctl_words_quote ("web-01");
  g_assert_cmpstr (plain, ==, "web-01");
}

/* libedit replaces the end of a word from its last blank, quoted or not:
 * what was typed before that stays, and the completion continues it. */
static void
test_continue_word (void)
{
  static const struct {
    const char *typed;
    const char *word;
    gboolean close;
    const char *expected;  /* NULL: cannot continue */
  } cases[] = {
    { "", "status", TRUE, "status" },
    { "", "my guest", TRUE, "my\\ guest" },           /* nothing typed: quoted */
    { "", "#hash", TRUE, "\\#hash" },
    { "'my ", "my guest", TRUE, "guest'" },           /* in the quote, closed */
    { "'my ", "my guest", FALSE, "guest" },           /* a common prefix: left open */
    { "'my ", "my gu'est", TRUE, "gu'\\''est'" },
    { "\"a ", "a \"b\\c", TRUE, "\\\"b\\\\c\"" },
    { "'", "it's", TRUE, "it'\\''s'" },
    { "my\\ ", "my guest", TRUE, "guest" },
    { "a#", "a#b", TRUE, "b" },                       /* "#" inside a word is plain */
    { "x", "my guest", TRUE, NULL },                  /* not the start of the word */
    { "a b", "a bc", TRUE, NULL },                    /* two words */
    { "my\\", "my guest", TRUE, NULL },               /* a backslash waiting for more */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %zu: [%s] -> [%s]", i, cases[i].typed, cases[i].word);
      g_autofree char *rest = ctl_words_continue (cases[i].typed, cases[i].word, cases[i].close);
      g_assert_cmpstr (rest, ==, cases[i].expected);
      if (rest == NULL || !cases[i].close)
        continue;
      /* The word as it now stands reads back, for us and for the shell. */
      g_autofree char *line = g_strconcat (cases[i].typed, rest, NULL);
      gsize start;
      g_autoptr(GPtrArray) split = ctl_words_split (line, strlen (line), &start);
      g_assert_cmpuint (split->len, ==, 1);
      g_assert_cmpstr (split->pdata[0], ==, cases[i].word);
      g_auto(GStrv) argv = NULL;
      g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
      g_assert_cmpstr (argv[0], ==, cases[i].word);
    }
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
  g_autoptr(GPtrArray) dom = ctl_completion_matches ("dom", candidates);
  g_assert_cmpuint (dom->len, ==, 2); /* sorted, the duplicate gone */
  g_assert_cmpstr (dom->pdata[0], ==, "domhistory");
  g_assert_cmpstr (dom->pdata[1], ==, "dominfo");
  g_autoptr(GPtrArray) all = ctl_completion_matches ("", candidates);
  g_assert_cmpuint (all->len, ==, 5);
  g_autoptr(GPtrArray) none = ctl_completion_matches ("x", candidates);
  g_assert_cmpuint (none->len, ==, 0);
  g_autoptr(GPtrArray) from_null = ctl_completion_matches ("", NULL);
  g_assert_cmpuint (from_null->len, ==, 0);

  g_autofree char *common = ctl_completion_common_prefix (dom);
  g_assert_cmpstr (common, ==, "dom");
  g_autofree char *nothing = ctl_completion_common_prefix (none);
  g_assert_cmpstr (nothing, ==, "");
  /* é (c3 a9) and è (c3 a8) share a byte, not a character. */
  g_autoptr(GPtrArray) accents = strings ((const char *[]) { "caf\xc3\xa9", "caf\xc3\xa8", NULL });
  g_autofree char *accent_common = ctl_completion_common_prefix (accents);
  g_assert_cmpstr (accent_common, ==, "caf");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ctl-words/split-words", test_split_words);
  g_test_add_func ("/ctl-words/quote-round-trip", test_quote_round_trip);
  g_test_add_func ("/ctl-words/continue-word", test_continue_word);
  g_test_add_func ("/ctl-words/completion-matches", test_completion_matches);
  return g_test_run ();
}
