/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastctl: a virsh-like view of ballastd. */
#include "ballastctl.h"

#include "config.h"

#include <locale.h>

int
main (int argc, char **argv)
{
  Ctl ctl = { 0 };
  gboolean version = FALSE;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl.socket_path,
      "ballastd's control socket (default " BALLAST_RUNSTATEDIR "/ballast/ballastd.sock)", "PATH" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &ctl.uri,
      "libvirt URI, for commands that talk to libvirt directly", "URI" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json, "Print results as JSON", NULL },
    { "version", 'v', 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  g_autoptr(GOptionContext) context = g_option_context_new ("[COMMAND [ARGS]] - talk to ballastd");
  g_option_context_add_main_entries (context, entries, NULL);
  /* Stop at the command: its own options are its own. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_description (context, "Run 'ballastctl help' for the commands. Without a "
                                             "COMMAND, ballastctl is an interactive shell.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("error: %s\nTry 'ballastctl --help'.\n", error->message);
      return EXIT_USAGE;
    }
  if (ctl.socket_path == NULL)
    ctl.socket_path = g_strdup (g_getenv ("BALLAST_SOCKET") != NULL
                                  ? g_getenv ("BALLAST_SOCKET")
                                  : BALLAST_RUNSTATEDIR "/ballast/ballastd.sock");

  int status;
  if (version)
    {
      char *version_argv[] = { (char *) "version", NULL };
      status = ctl_run_command (&ctl, 1, version_argv);
    }
  else if (argc < 2)
    status = ctl_shell_run (&ctl);
  else
    status = ctl_run_command (&ctl, argc - 1, argv + 1);

  ballast_client_free (ctl.client);
  g_free (ctl.socket_path);
  g_free (ctl.uri);
  return status;
}
