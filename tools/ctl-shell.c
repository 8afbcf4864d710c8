/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastctl's interactive shell, like virsh's: a prompt, line editing,
 * history kept across sessions and tab completion on a terminal, all by
 * libedit through its readline API; one command a line, without a prompt,
 * when a script pipes them in. */
#include "ballastctl.h"

#include "config.h"

#include "ctl-words.h"

#include <editline/readline.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <glib/gstdio.h>

/* As many as virsh keeps. */
#define HISTORY_ENTRIES 500

typedef enum {
  LINE_GO_ON,
  LINE_QUIT,
} LineOutcome;

/* Run one line: split as a shell would (quotes, backslashes, # comments),
 * then as a command. Errors are one line each; the shell goes on. */
static LineOutcome
run_line (Ctl *ctl, const char *line, int *ret_status)
{
  g_autofree char *stripped = g_strstrip (g_strdup (line));
  if (*stripped == '\0' || *stripped == '#')
    return LINE_GO_ON;
  g_auto(GStrv) argv = NULL;
  int argc = 0;
  g_autoptr(GError) error = NULL;
  if (!g_shell_parse_argv (stripped, &argc, &argv, &error))
    {
      g_printerr ("error: %s\n", error->message);
      *ret_status = EXIT_USAGE;
      return LINE_GO_ON;
    }
  if (strcmp (argv[0], "quit") == 0 || strcmp (argv[0], "exit") == 0)
    return LINE_QUIT;
  *ret_status = ctl_run_command (ctl, argc, argv);
  fflush (stdout);
  return LINE_GO_ON;
}

/* ---- The terminal, through libedit ---- */

/* libedit's callbacks take no user data: what they need is here, for the
 * one shell a process runs. */
static Ctl *shell_ctl;
static gboolean line_abandoned;  /* by ctrl-c, in abandon_line() */

/* SIGTERM and SIGHUP while a line is read: a handler, so that they end
 * the read as at the end of input (readline() returns NULL) and the shell
 * leaves cleanly, saving its history. It has nothing else to do. */
static void
on_stop_signal (int signal_number)
{
}

/* Bytes into LINE of its first CHARACTERS characters: libedit counts its
 * offsets in characters of the locale's encoding, rl_line_buffer is
 * bytes. */
static gsize
line_bytes (const char *line, int characters)
{
  mbstate_t state = { 0 };
  gsize offset = 0;
  for (int i = 0; i < characters && line[offset] != '\0'; i++)
    {
      size_t length = mbrlen (line + offset, MB_CUR_MAX, &state);
      if (length == (size_t) -1 || length == (size_t) -2 || length == 0)
        {
          memset (&state, 0, sizeof state);
          length = 1;
        }
      offset += length;
    }
  return offset;
}

/* rl_attempted_completion_function: the word before the cursor, split as
 * the shell splits it (quotes, backslashes), completed by ctl_complete().
 * libedit replaces the text from START, its own idea of the word (from
 * the last blank, even one inside quotes): the list it gets is what goes
 * there, then the matches to list when there are several. */
static char **
complete_word (const char *text, int start, int end)
{
  /* Commands, options and domains only, never libedit's file names. */
  rl_attempted_completion_over = 1;
  const char *line = rl_line_buffer;
  gsize cursor = line_bytes (line, end);
  gsize replaced_from = line_bytes (line, start);
  gsize word_start;
  g_autoptr(GPtrArray) words = ctl_words_split (line, cursor, &word_start);
  g_autoptr(GPtrArray) matches = ctl_complete (shell_ctl, (const char *const *) words->pdata,
                                               words->len, TRUE);
  if (matches->len == 0 || replaced_from < word_start)
    return NULL;

  /* What was typed of the word before START stays; what replaces the rest
   * continues it, in its quotes if it opened some. */
  g_autofree char *kept = g_strndup (line + word_start, replaced_from - word_start);
  g_autofree char *common = ctl_completion_common_prefix (matches);
  char *replacement = ctl_words_continue (kept, common, matches->len == 1);
  if (replacement == NULL)
    return NULL;
  /* libedit puts this after a single match: a blank, unless one follows. */
  rl_completion_append_character = line[cursor] == ' ' ? '\0' : ' ';

  /* libedit frees the list and its strings with free(): GLib allocates
   * with the system's malloc. */
  GPtrArray *list = g_ptr_array_new ();
  g_ptr_array_add (list, replacement);
  for (guint i = 0; i < matches->len; i++)
    g_ptr_array_add (list, g_strdup (matches->pdata[i]));
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (list, FALSE);
}

/* Ctrl-c: readline() returns NULL, and the shell gives a fresh prompt. */
static int
abandon_line (int count, int key)
{
  line_abandoned = TRUE;
  rl_done = 1;
  return 0;
}

/* rl_pre_input_hook. readline() sets up the terminal anew for every line,
 * so this is said every time. Ctrl-c is a key (abandon_line) rather than
 * SIGINT: a signal would flush what was typed ahead and libedit would
 * send it again to the whole process group. Ctrl-u deletes to the start
 * of the line, as bash's does, rather than the whole line. */
static int
prepare_terminal (void)
{
  rl_parse_and_bind ("setty -d -isig");
  rl_parse_and_bind ("bind ^U vi-kill-line-prev");
  return 0;
}

/* One line read with libedit (owned, without its newline), or NULL at
 * the end of input, after ctrl-c (LINE_ABANDONED) or a stop signal. */
static char *
read_line (const char *prompt)
{
  struct sigaction action = { .sa_handler = on_stop_signal }, old_term, old_hup;
  sigemptyset (&action.sa_mask);
  line_abandoned = FALSE;
  sigaction (SIGTERM, &action, &old_term);
  sigaction (SIGHUP, &action, &old_hup);
  char *line = readline (prompt);
  sigaction (SIGTERM, &old_term, NULL);
  sigaction (SIGHUP, &old_hup, NULL);
  return line;
}

/* ---- History ---- */

static char *
history_path (void)
{
  /* g_get_user_cache_dir() is $XDG_CACHE_HOME, else ~/.cache. */
  return g_build_filename (g_get_user_cache_dir (), "ballast", "history", NULL);
}

/* Neither blank lines nor the newest entry again. */
static void
history_add (const char *line)
{
  if (*line == '\0')
    return;
  HIST_ENTRY **entries = history_list ();
  if (entries != NULL && history_length > 0
      && strcmp (entries[history_length - 1]->line, line) == 0)
    return;
  add_history (line);
}

/* A history file from before libedit: plain lines, the newest last. */
static int
history_import_lines (const char *path)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL) || !g_utf8_validate (text, -1, NULL)
      || g_str_has_prefix (text, "_HiStOrY_V2_")) /* libedit's own, that it could not read */
    return EINVAL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    history_add (g_strstrip (lines[i]));
  return 0;
}

static void
history_load (const char *path)
{
  int error = read_history (path);
  if (error == EINVAL)
    error = history_import_lines (path);
  if (error != 0 && error != ENOENT)
    g_printerr ("warning: history not read: %s: %s\n", path, g_strerror (error));
}

/* Written aside, then renamed over the file: two shells leaving at once
 * each leave a whole file. 0600 (libedit's, and mkstemp's), like bash's:
 * the lines may name guests an operator would rather keep to themselves. */
static void
history_save (const char *path)
{
  g_autofree char *directory = g_path_get_dirname (path);
  g_autofree char *temporary = g_strconcat (path, ".XXXXXX", NULL);
  int error = 0;
  int fd = -1;
  if (g_mkdir_with_parents (directory, 0700) < 0 || (fd = g_mkstemp (temporary)) < 0)
    error = errno;
  else
    {
      g_close (fd, NULL);
      error = write_history (temporary);
      if (error == 0 && g_rename (temporary, path) < 0)
        error = errno;
      if (error != 0)
        g_unlink (temporary);
    }
  if (error != 0)
    g_printerr ("warning: history not saved: %s: %s\n", path, g_strerror (error));
}

static int
run_interactive (Ctl *ctl)
{
  shell_ctl = ctl;
  rl_readline_name = "ballastctl"; /* "ballastctl:" lines of ~/.editrc */
  rl_attempted_completion_function = complete_word;
  rl_basic_word_break_characters = " \t";
  /* List every match without asking first, however many domains. */
  rl_completion_query_items = G_MAXINT;
  rl_pre_input_hook = prepare_terminal;
  rl_initialize ();
  rl_add_defun ("ballast-abandon-line", abandon_line, CTRL ('c'));
  stifle_history (HISTORY_ENTRIES);
  g_autofree char *path = history_path ();
  history_load (path);
  /* virsh's convention: "#" for root, "$" for anyone else. */
  const char *prompt = geteuid () == 0 ? "ballast # " : "ballast $ ";

  printf ("Welcome to ballastctl %s, the interactive shell of ballastd.\n\n"
          "Type:  'help' for help with commands\n"
          "       'quit' to quit\n\n", BALLAST_VERSION);
  for (;;)
    {
      fflush (stdout);
      g_autofree char *line = read_line (prompt);
      if (line == NULL && line_abandoned)
        {
          fputs ("^C\n", stdout);
          continue;
        }
      if (line == NULL)
        {
          /* Ctrl-d, the end of input or a signal: leave the prompt's row. */
          fputs ("\n", stdout);
          break;
        }
      /* Completion leaves a blank after the last word: not worth keeping. */
      history_add (g_strstrip (line));
      int status;
      if (run_line (ctl, line, &status) == LINE_QUIT)
        break;
    }
  history_save (path);
  return EXIT_OK;
}

/* A script: no prompt, no banner, no history; the exit status is the last
 * command's, as sh's is. */
static int
run_script (Ctl *ctl)
{
  int status = EXIT_OK;
  char *line = NULL;
  size_t size = 0;
  while (getline (&line, &size, stdin) >= 0)
    if (run_line (ctl, line, &status) == LINE_QUIT)
      break;
  free (line);
  return status;
}

int
ctl_shell_run (Ctl *ctl)
{
  ctl_set_interactive (TRUE);
  if (isatty (STDIN_FILENO) && isatty (STDOUT_FILENO))
    return run_interactive (ctl);
  return run_script (ctl);
}
