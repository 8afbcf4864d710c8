/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Completion of ballastctl command lines, for the shell's tab key and for
 * bash (through the hidden `complete` command): command names, a command's
 * options as its usage line lists them, and domain names from ballastd. */
#include "ballastctl.h"

#include "ctl-words.h"
#include "json-util.h"

#include <stdio.h>
#include <string.h>

/* What a command's usage line says it takes, e.g.
 * "domhistory DOMAIN [--limit N]" or "domtune DOMAIN [--exclude|--include]". */
typedef struct {
  GPtrArray *options;      /* "--limit", ... */
  GHashTable *valued;      /* the options followed by a VALUE placeholder */
  GPtrArray *positionals;  /* "DOMAIN", "COMMAND", "FILE", ... */
} UsageSpec;

static void
usage_spec_free (UsageSpec *spec)
{
  g_ptr_array_unref (spec->options);
  g_hash_table_unref (spec->valued);
  g_ptr_array_unref (spec->positionals);
  g_free (spec);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UsageSpec, usage_spec_free)

static gboolean
is_placeholder (const char *word)
{
  if (!g_ascii_isupper (word[0]))
    return FALSE;
  for (const char *p = word; *p != '\0'; p++)
    if (!g_ascii_isupper (*p) && !g_ascii_isdigit (*p) && strchr ("_%|.", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* WORD without its brackets; RET_CLOSES says whether it closed a group. */
static char *
strip_brackets (const char *word, gboolean *ret_closes)
{
  while (*word == '[')
    word++;
  gsize length = strlen (word);
  *ret_closes = length > 0 && word[length - 1] == ']';
  while (length > 0 && word[length - 1] == ']')
    length--;
  return g_strndup (word, length);
}

static UsageSpec *
usage_spec_parse (const char *usage)
{
  UsageSpec *spec = g_new0 (UsageSpec, 1);
  spec->options = g_ptr_array_new_with_free_func (g_free);
  spec->valued = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  spec->positionals = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) tokens = g_strsplit (usage, " ", -1);

  /* tokens[0] is the command's name. */
  for (guint i = 1; tokens[i] != NULL; i++)
    {
      gboolean closes;
      g_autofree char *token = strip_brackets (tokens[i], &closes);
      if (!g_str_has_prefix (token, "--"))
        {
          if (is_placeholder (token))
            g_ptr_array_add (spec->positionals, g_strdup (token));
          continue;
        }
      /* "--min SIZE|PCT%": an option and its value, in one group. */
      gboolean takes_value = FALSE;
      if (!closes && tokens[i + 1] != NULL)
        {
          gboolean value_closes;
          g_autofree char *next = strip_brackets (tokens[i + 1], &value_closes);
          takes_value = is_placeholder (next);
          if (takes_value)
            i++;
        }
      g_auto(GStrv) alternatives = g_strsplit (token, "|", -1);
      for (guint a = 0; alternatives[a] != NULL; a++)
        {
          if (!g_str_has_prefix (alternatives[a], "--"))
            continue;
          g_ptr_array_add (spec->options, g_strdup (alternatives[a]));
          if (takes_value)
            g_hash_table_add (spec->valued, g_strdup (alternatives[a]));
        }
    }
  return spec;
}

static void
add_command_names (GPtrArray *candidates, gboolean in_shell)
{
  for (const Command *const *command = ctl_commands; *command != NULL; command++)
    if (!(*command)->hidden)
      g_ptr_array_add (candidates, g_strdup ((*command)->name));
  if (in_shell)
    {
      g_ptr_array_add (candidates, g_strdup ("quit"));
      g_ptr_array_add (candidates, g_strdup ("exit"));
    }
}

/* Every domain ballastd knows, running or not. Silent on failure: a tab
 * key that cannot reach the daemon just completes nothing. */
static void
add_domain_names (Ctl *ctl, GPtrArray *candidates)
{
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "all", json_object_new_boolean (TRUE));
  g_autoptr(json_object) result = ctl_call (ctl, "list", params, NULL);
  json_object *domains = NULL;
  if (result == NULL || !json_object_object_get_ex (result, "domains", &domains)
      || !json_object_is_type (domains, json_type_array))
    return;
  for (gsize i = 0; i < json_object_array_length (domains); i++)
    {
      json_object *name = NULL;
      if (json_object_object_get_ex (json_object_array_get_idx (domains, i), "name", &name)
          && json_object_is_type (name, json_type_string))
        g_ptr_array_add (candidates, g_strdup (json_object_get_string (name)));
    }
}

static void
add_unused_options (GPtrArray *candidates, const UsageSpec *spec, GHashTable *used)
{
  for (guint i = 0; i < spec->options->len; i++)
    if (!g_hash_table_contains (used, spec->options->pdata[i]))
      g_ptr_array_add (candidates, g_strdup (spec->options->pdata[i]));
}

static void
add_arguments (Ctl *ctl, GPtrArray *candidates, const Command *command,
               const char *const *words, guint n_words)
{
  g_autoptr(UsageSpec) spec = usage_spec_parse (command->usage);
  g_autoptr(GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  const char *current = words[n_words - 1];
  guint positional = 0;
  gboolean expect_value = FALSE;

  for (guint i = 1; i + 1 < n_words; i++)
    {
      if (expect_value)
        expect_value = FALSE;
      else if (g_str_has_prefix (words[i], "--"))
        {
          g_hash_table_add (used, (gpointer) words[i]);
          expect_value = g_hash_table_contains (spec->valued, words[i]);
        }
      else
        positional++;
    }
  if (expect_value)
    return; /* an option's value: a size, a number, free text */
  if (current[0] != '-' && positional < spec->positionals->len)
    {
      const char *placeholder = spec->positionals->pdata[positional];
      if (strcmp (placeholder, "DOMAIN") == 0)
        add_domain_names (ctl, candidates);
      else if (strcmp (placeholder, "COMMAND") == 0)
        add_command_names (candidates, FALSE);
      /* Anything else (a FILE) is left to the caller's own completion. */
      return;
    }
  add_unused_options (candidates, spec, used);
}

GPtrArray *
ctl_complete (Ctl *ctl, const char *const *words, guint n_words, gboolean in_shell)
{
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  static const char *const empty[] = { "" };
  if (n_words == 0)
    {
      words = empty;
      n_words = 1;
    }
  if (n_words == 1)
    add_command_names (candidates, in_shell);
  else
    {
      const Command *command = ctl_find_command (words[0]);
      if (command != NULL && !command->hidden)
        add_arguments (ctl, candidates, command, words, n_words);
    }
  return ctl_completion_matches (words[n_words - 1], candidates);
}

/* ---- complete: the same, for bash ---- */

static int
cmd_complete (Ctl *ctl, int argc, char **argv)
{
  int first = argc > 1 && strcmp (argv[1], "--") == 0 ? 2 : 1;
  g_autoptr(GPtrArray) matches = ctl_complete (ctl, (const char *const *) argv + first,
                                               (guint) (argc - first), FALSE);
  for (guint i = 0; i < matches->len; i++)
    printf ("%s\n", (const char *) matches->pdata[i]);
  return EXIT_OK;
}

const Command ctl_complete_command = {
  "complete", "complete -- WORD...",
  "print the completions of a command line being typed, one a line (for shell completion scripts)",
  cmd_complete, TRUE,
};
