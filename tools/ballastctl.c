/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastctl: a virsh-like view of ballastd. */
#include "config.h"

#include "control-client.h"
#include "json-util.h"
#include "report-render.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

/* Exit statuses, distinct so scripts can tell the failures apart. */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_RUNNING = 3,
  EXIT_PERMISSION = 4,
  EXIT_UNKNOWN_DOMAIN = 5,
};

typedef struct {
  char *socket_path;
  char *uri;
  gboolean json;
  BallastClient *client;
} Ctl;

typedef int (*CommandRun) (Ctl *ctl, int argc, char **argv);

typedef struct {
  const char *name;
  const char *usage;
  const char *summary;
  CommandRun run;
} Command;

static const Command *find_command (const char *name);
static void print_command_help (const Command *command);

static int
exit_status_for (const GError *error)
{
  if (error->domain != BALLAST_CLIENT_ERROR)
    return EXIT_FAILED;
  switch (error->code)
    {
    case BALLAST_CLIENT_ERROR_NOT_RUNNING: return EXIT_NOT_RUNNING;
    case BALLAST_CLIENT_ERROR_PERMISSION: return EXIT_PERMISSION;
    case BALLAST_CLIENT_ERROR_UNKNOWN_DOMAIN: return EXIT_UNKNOWN_DOMAIN;
    default: return EXIT_FAILED;
    }
}

static int
fail (const GError *error)
{
  g_printerr ("error: %s\n", error->message);
  return exit_status_for (error);
}

static int
usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (const char *command, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("error: %s\n", message);
  if (command != NULL)
    g_printerr ("Try 'ballastctl help %s'.\n", command);
  return EXIT_USAGE;
}

/* Calls METHOD; prints the result as JSON with --json, else through RENDER. */
static int
call_and_print (Ctl *ctl, const char *method, json_object *params,
                char *(*render) (json_object *result))
{
  g_autoptr(GError) error = NULL;
  if (ctl->client == NULL)
    {
      ctl->client = ballast_client_connect (ctl->socket_path, &error);
      if (ctl->client == NULL)
        {
          json_object_put (params);
          return fail (error);
        }
    }
  g_autoptr(json_object) result = ballast_client_call (ctl->client, method, params, &error);
  if (result == NULL)
    return fail (error);
  if (ctl->json)
    printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE));
  else
    {
      g_autofree char *text = render (result);
      fputs (text, stdout);
    }
  return EXIT_OK;
}

/* Parses "--flag" and "--option VALUE" arguments of a command. */
typedef struct {
  const char *name;
  gboolean takes_value;
  gboolean present;
  const char *value;
} CommandOption;

static int
parse_command_args (const char *command, int argc, char **argv, CommandOption *options,
                    gsize n_options, const char **positional, gsize n_positional)
{
  gsize positional_seen = 0;
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (g_str_has_prefix (arg, "--"))
        {
          gsize j;
          for (j = 0; j < n_options; j++)
            if (strcmp (arg + 2, options[j].name) == 0)
              break;
          if (j == n_options)
            return usage_error (command, "command '%s' doesn't support option %s", command, arg);
          options[j].present = TRUE;
          if (options[j].takes_value)
            {
              if (i + 1 >= argc)
                return usage_error (command, "option %s needs a value", arg);
              options[j].value = argv[++i];
            }
          continue;
        }
      if (positional_seen == n_positional)
        return usage_error (command, "unexpected data '%s'", arg);
      positional[positional_seen++] = arg;
    }
  if (positional_seen < n_positional)
    return usage_error (command, "command '%s' requires more arguments", command);
  return EXIT_OK;
}

/* ---- Commands ---- */

static int
cmd_status (Ctl *ctl, int argc, char **argv)
{
  int status = parse_command_args ("status", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  return call_and_print (ctl, "status", NULL, ballast_render_status);
}

static char *
render_list_narrow (json_object *result)
{
  return ballast_render_list (result, FALSE);
}

static char *
render_list_wide (json_object *result)
{
  return ballast_render_list (result, TRUE);
}

static int
cmd_list (Ctl *ctl, int argc, char **argv)
{
  CommandOption options[] = { { "all" }, { "wide" } };
  int status = parse_command_args ("list", argc, argv, options, G_N_ELEMENTS (options), NULL, 0);
  if (status != EXIT_OK)
    return status;
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "all", json_object_new_boolean (options[0].present));
  return call_and_print (ctl, "list", params,
                         options[1].present ? render_list_wide : render_list_narrow);
}

static json_object *
domain_params (const char *domain)
{
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "domain", json_object_new_string (domain));
  return params;
}

static int
cmd_dominfo (Ctl *ctl, int argc, char **argv)
{
  const char *domain = NULL;
  int status = parse_command_args ("dominfo", argc, argv, NULL, 0, &domain, 1);
  if (status != EXIT_OK)
    return status;
  return call_and_print (ctl, "dominfo", domain_params (domain), ballast_render_domain);
}

static int
cmd_domhistory (Ctl *ctl, int argc, char **argv)
{
  const char *domain = NULL;
  CommandOption options[] = { { "limit", TRUE } };
  int status = parse_command_args ("domhistory", argc, argv, options, 1, &domain, 1);
  if (status != EXIT_OK)
    return status;
  json_object *params = domain_params (domain);
  if (options[0].present)
    {
      guint64 limit;
      if (!g_ascii_string_to_unsigned (options[0].value, 10, 1, 100000, &limit, NULL))
        {
          json_object_put (params);
          return usage_error ("domhistory", "--limit '%s' is not a number from 1 to 100000",
                              options[0].value);
        }
      json_object_object_add (params, "limit", json_object_new_int64 ((gint64) limit));
    }
  return call_and_print (ctl, "domhistory", params, ballast_render_history);
}

static char *
render_mode (json_object *result)
{
  json_object *mode = NULL;
  json_object_object_get_ex (result, "mode", &mode);
  return g_strdup_printf ("ballastd is now %s\n", mode != NULL ? json_object_get_string (mode) : "?");
}

static int
cmd_pause (Ctl *ctl, int argc, char **argv)
{
  int status = parse_command_args ("pause", argc, argv, NULL, 0, NULL, 0);
  return status != EXIT_OK ? status : call_and_print (ctl, "pause", NULL, render_mode);
}

static int
cmd_resume (Ctl *ctl, int argc, char **argv)
{
  int status = parse_command_args ("resume", argc, argv, NULL, 0, NULL, 0);
  return status != EXIT_OK ? status : call_and_print (ctl, "resume", NULL, render_mode);
}

static int
cmd_version (Ctl *ctl, int argc, char **argv)
{
  printf ("ballastctl %s\n", BALLAST_VERSION);
  return EXIT_OK;
}

static int cmd_help (Ctl *ctl, int argc, char **argv);

static const Command commands[] = {
  { "status", "status", "daemon, connection, host memory, budget and overcommit state", cmd_status },
  { "list", "list [--all] [--wide]", "guests with their balloons, usage and the last decision", cmd_list },
  { "dominfo", "dominfo DOMAIN", "everything ballast knows about one guest", cmd_dominfo },
  { "domhistory", "domhistory DOMAIN [--limit N]", "the balloon decisions journal of one guest", cmd_domhistory },
  { "pause", "pause", "stop changing balloons (monitoring continues)", cmd_pause },
  { "resume", "resume", "change balloons again", cmd_resume },
  { "version", "version", "print the version", cmd_version },
  { "help", "help [COMMAND]", "list the commands, or describe one", cmd_help },
};

static const Command *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

static void
print_command_help (const Command *command)
{
  printf ("  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s\n", command->name, command->summary,
          command->usage);
}

static int
cmd_help (Ctl *ctl, int argc, char **argv)
{
  if (argc > 1)
    {
      const Command *command = find_command (argv[1]);
      if (command == NULL)
        return usage_error (NULL, "command '%s' doesn't exist", argv[1]);
      print_command_help (command);
      return EXIT_OK;
    }
  printf ("Usage: ballastctl [-s SOCKET] [-c URI] [--json] COMMAND [ARGS]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    printf ("    %-32s %s\n", commands[i].usage, commands[i].summary);
  printf ("\nExit status: 0 success, 1 failure, 2 usage error, 3 ballastd not running,\n"
          "4 permission denied, 5 unknown domain.\n");
  return EXIT_OK;
}

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
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGS] - talk to ballastd");
  g_option_context_add_main_entries (context, entries, NULL);
  /* Stop at the command: its own options are its own. */
  g_option_context_set_strict_posix (context, TRUE);
  g_option_context_set_description (context, "Run 'ballastctl help' for the commands.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("error: %s\nTry 'ballastctl --help'.\n", error->message);
      return EXIT_USAGE;
    }
  if (version)
    return cmd_version (&ctl, 0, NULL);
  if (ctl.socket_path == NULL)
    ctl.socket_path = g_strdup (g_getenv ("BALLAST_SOCKET") != NULL
                                  ? g_getenv ("BALLAST_SOCKET")
                                  : BALLAST_RUNSTATEDIR "/ballast/ballastd.sock");

  int status;
  if (argc < 2)
    status = cmd_help (&ctl, 1, NULL);
  else
    {
      const Command *command = find_command (argv[1]);
      status = command != NULL ? command->run (&ctl, argc - 1, argv + 1)
                               : usage_error (NULL, "unknown command: '%s'\nTry 'ballastctl help'.", argv[1]);
    }
  ballast_client_free (ctl.client);
  g_free (ctl.socket_path);
  g_free (ctl.uri);
  return status;
}
