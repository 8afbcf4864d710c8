/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ctl-words.h"

#include <string.h>

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/* ctl_words_split(), and how TEXT ends: RET_OPEN is the quote left open
 * ('\'' or '"'), '\\' after a backslash that escapes what is typed next,
 * else '\0'. */
static GPtrArray *
split_words (const char *text, gsize length, gsize *ret_word_start, char *ret_open)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  GString *word = NULL;
  gsize word_start = length;
  char quote = '\0';
  gboolean pending_backslash = FALSE;

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
          else
            pending_backslash = TRUE;
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
  *ret_open = pending_backslash ? '\\' : quote;
  return words;
}

GPtrArray *
ctl_words_split (const char *text, gsize length, gsize *ret_word_start)
{
  char open;
  return split_words (text, length, ret_word_start, &open);
}

/* TEXT, outside quotes, with a backslash before what would end or quote a
 * word; AT_WORD_START: TEXT begins the word, where "#" starts a comment. */
static void
append_quoted (GString *out, const char *text, gboolean at_word_start)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (strchr (" \t'\"\\", *p) != NULL || (*p == '#' && p == text && at_word_start))
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

char *
ctl_words_quote (const char *word)
{
  GString *quoted = g_string_new (NULL);
  append_quoted (quoted, word, TRUE);
  return g_string_free (quoted, FALSE);
}

char *
ctl_words_continue (const char *typed, const char *word, gboolean close)
{
  gsize start;
  char open;
  g_autoptr(GPtrArray) words = split_words (typed, strlen (typed), &start, &open);
  const char *read = words->pdata[0];
  if (words->len != 1 || open == '\\' || !g_str_has_prefix (word, read))
    return NULL;

  const char *rest = word + strlen (read);
  GString *out = g_string_new (NULL);
  if (open == '\0')
    append_quoted (out, rest, *typed == '\0');
  else
    {
      for (const char *p = rest; *p != '\0'; p++)
        {
          /* Nothing escapes inside single quotes: close, an escaped
           * quote, open again. */
          if (open == '\'' && *p == '\'')
            {
              g_string_append (out, "'\\''");
              continue;
            }
          if (open == '"' && (*p == '"' || *p == '\\'))
            g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      if (close)
        g_string_append_c (out, open);
    }
  return g_string_free (out, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
ctl_completion_matches (const char *prefix, const GPtrArray *candidates)
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
ctl_completion_common_prefix (const GPtrArray *matches)
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
