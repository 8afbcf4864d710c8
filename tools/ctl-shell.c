/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastctl's interactive shell, like virsh's: a prompt, line editing,
 * history kept across sessions and tab completion on a terminal; one
 * command a line, without a prompt, when a script pipes them in. */
#include "ballastctl.h"

#include "config.h"

#include "line-editor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static GPtrArray *
complete_in_shell (const char *const *words, guint n_words, gpointer user_data)
{
  return ctl_complete (user_data, words, n_words, TRUE);
}

static char *
history_path (void)
{
  /* g_get_user_cache_dir() is $XDG_CACHE_HOME, else ~/.cache. */
  return g_build_filename (g_get_user_cache_dir (), "ballast", "history", NULL);
}

static int
run_interactive (Ctl *ctl)
{
  g_autofree char *path = history_path ();
  g_autoptr(BallastHistory) history = ballast_history_new (HISTORY_ENTRIES);
  g_autoptr(GError) error = NULL;
  if (!ballast_history_load (history, path, &error))
    {
      g_printerr ("warning: history not read: %s\n", error->message);
      g_clear_error (&error);
    }
  g_autoptr(BallastLineEditor) editor = ballast_line_editor_new (STDIN_FILENO, STDOUT_FILENO,
                                                                 history, complete_in_shell, ctl);
  /* virsh's convention: "#" for root, "$" for anyone else. */
  const char *prompt = geteuid () == 0 ? "ballast # " : "ballast $ ";

  printf ("Welcome to ballastctl %s, the interactive shell of ballastd.\n\n"
          "Type:  'help' for help with commands\n"
          "       'quit' to quit\n\n", BALLAST_VERSION);
  for (;;)
    {
      fflush (stdout);
      g_autofree char *line = ballast_line_editor_read (editor, prompt, &error);
      if (line == NULL)
        {
          if (error != NULL)
            g_printerr ("error: %s\n", error->message);
          break;
        }
      /* Completion leaves a blank after the last word: not worth keeping. */
      ballast_history_add (history, g_strstrip (line));
      int status;
      if (run_line (ctl, line, &status) == LINE_QUIT)
        break;
    }
  g_clear_error (&error);
  if (!ballast_history_save (history, path, &error))
    g_printerr ("warning: history not saved: %s\n", error->message);
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
