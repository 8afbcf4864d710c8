/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every ballastctl command shares: the connection, argument parsing,
 * errors mapped to exit statuses, printing results. */
#include "ballastctl.h"

#include "json-util.h"

#include <stdio.h>
#include <string.h>

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
    case BALLAST_CLIENT_ERROR_BUSY: return EXIT_BUSY;
    default: return EXIT_FAILED;
    }
}

int
ctl_fail (const GError *error)
{
  g_printerr ("error: %s\n", error->message);
  return exit_status_for (error);
}

/* The shell prints each error on one line; a hint to run "ballastctl
 * help" would be a second one, and the wrong command there anyway. */
static gboolean interactive;

void
ctl_set_interactive (gboolean value)
{
  interactive = value;
}

int
ctl_usage_error (const char *command, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  if (interactive)
    {
      /* Only the first line: the rest is a hint for the command line. */
      char *newline = strchr (message, '\n');
      if (newline != NULL)
        *newline = '\0';
      g_printerr ("error: %s\n", message);
      return EXIT_USAGE;
    }
  g_printerr ("error: %s\n", message);
  if (command != NULL)
    g_printerr ("Try 'ballastctl help %s'.\n", command);
  return EXIT_USAGE;
}

int
ctl_parse_args (const char *command, int argc, char **argv, CommandOption *options,
                gsize n_options, const char **positional, gsize n_positional)
{
  gsize positional_seen = 0;
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      if (g_str_has_prefix (arg, "--") && arg[2] != '\0')
        {
          gsize j;
          for (j = 0; j < n_options; j++)
            if (strcmp (arg + 2, options[j].name) == 0)
              break;
          if (j == n_options)
            return ctl_usage_error (command, "command '%s' doesn't support option %s", command, arg);
          options[j].present = TRUE;
          if (options[j].takes_value)
            {
              if (i + 1 >= argc)
                return ctl_usage_error (command, "option %s needs a value", arg);
              options[j].value = argv[++i];
            }
          continue;
        }
      if (positional_seen == n_positional)
        return ctl_usage_error (command, "unexpected data '%s'", arg);
      positional[positional_seen++] = arg;
    }
  if (positional_seen < n_positional)
    return ctl_usage_error (command, "command '%s' requires more arguments", command);
  return EXIT_OK;
}

BallastClient *
ctl_client (Ctl *ctl, GError **error)
{
  if (ctl->client == NULL)
    ctl->client = ballast_client_connect (ctl->socket_path, error);
  return ctl->client;
}

json_object *
ctl_call (Ctl *ctl, const char *method, json_object *params, GError **error)
{
  g_autoptr(json_object) owned_params = params;
  gboolean reused = ctl->client != NULL;
  if (ctl_client (ctl, error) == NULL)
    return NULL;
  g_autoptr(GError) call_error = NULL;
  json_object *result = ballast_client_call (ctl->client, method,
                                             owned_params != NULL ? json_object_get (owned_params) : NULL,
                                             &call_error);
  if (result == NULL && g_error_matches (call_error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_NOT_RUNNING))
    {
      /* A broken connection is not kept for the next command (the shell).
       * One kept from before may just have been closed while idle: the
       * methods set state rather than add to it, so asking again on a new
       * connection is safe. */
      g_clear_pointer (&ctl->client, ballast_client_free);
      if (reused && ctl_client (ctl, NULL) != NULL)
        {
          g_clear_error (&call_error);
          result = ballast_client_call (ctl->client, method, g_steal_pointer (&owned_params), &call_error);
          if (result == NULL && g_error_matches (call_error, BALLAST_CLIENT_ERROR,
                                                 BALLAST_CLIENT_ERROR_NOT_RUNNING))
            g_clear_pointer (&ctl->client, ballast_client_free);
        }
    }
  if (result == NULL)
    g_propagate_error (error, g_steal_pointer (&call_error));
  return result;
}

int
ctl_call_and_print (Ctl *ctl, const char *method, json_object *params,
                    char *(*render) (json_object *result))
{
  g_autoptr(GError) error = NULL;
  g_autoptr(json_object) result = ctl_call (ctl, method, params, &error);
  if (result == NULL)
    return ctl_fail (error);
  if (ctl->json)
    printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE));
  else
    {
      g_autofree char *text = render (result);
      fputs (text, stdout);
    }
  fflush (stdout);
  return EXIT_OK;
}

const Command *
ctl_find_command (const char *name)
{
  for (const Command *const *command = ctl_commands; *command != NULL; command++)
    if (strcmp ((*command)->name, name) == 0)
      return *command;
  return NULL;
}

int
ctl_run_command (Ctl *ctl, int argc, char **argv)
{
  const Command *command = ctl_find_command (argv[0]);
  if (command == NULL)
    return ctl_usage_error (NULL, "unknown command: '%s'\nTry 'ballastctl help'.", argv[0]);
  return command->run (ctl, argc, argv);
}
