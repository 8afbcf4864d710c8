/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The commands that read and steer ballastd over its socket. */
#include "ballastctl.h"

#include "config.h"

#include "json-util.h"
#include "report-render.h"

#include <stdio.h>

static int
cmd_status (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("status", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  return ctl_call_and_print (ctl, "status", NULL, ballast_render_status);
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
  int status = ctl_parse_args ("list", argc, argv, options, G_N_ELEMENTS (options), NULL, 0);
  if (status != EXIT_OK)
    return status;
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "all", json_object_new_boolean (options[0].present));
  return ctl_call_and_print (ctl, "list", params,
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
  int status = ctl_parse_args ("dominfo", argc, argv, NULL, 0, &domain, 1);
  if (status != EXIT_OK)
    return status;
  return ctl_call_and_print (ctl, "dominfo", domain_params (domain), ballast_render_domain);
}

static int
cmd_domhistory (Ctl *ctl, int argc, char **argv)
{
  const char *domain = NULL;
  CommandOption options[] = { { "limit", TRUE } };
  int status = ctl_parse_args ("domhistory", argc, argv, options, 1, &domain, 1);
  if (status != EXIT_OK)
    return status;
  json_object *params = domain_params (domain);
  if (options[0].present)
    {
      guint64 limit;
      if (!g_ascii_string_to_unsigned (options[0].value, 10, 1, 100000, &limit, NULL))
        {
          json_object_put (params);
          return ctl_usage_error ("domhistory", "--limit '%s' is not a number from 1 to 100000",
                                  options[0].value);
        }
      json_object_object_add (params, "limit", json_object_new_int64 ((gint64) limit));
    }
  return ctl_call_and_print (ctl, "domhistory", params, ballast_render_history);
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
  int status = ctl_parse_args ("pause", argc, argv, NULL, 0, NULL, 0);
  return status != EXIT_OK ? status : ctl_call_and_print (ctl, "pause", NULL, render_mode);
}

static int
cmd_resume (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("resume", argc, argv, NULL, 0, NULL, 0);
  return status != EXIT_OK ? status : ctl_call_and_print (ctl, "resume", NULL, render_mode);
}

static int
cmd_version (Ctl *ctl, int argc, char **argv)
{
  printf ("ballastctl %s\n", BALLAST_VERSION);
  return EXIT_OK;
}

static int
cmd_help (Ctl *ctl, int argc, char **argv)
{
  if (argc > 1)
    {
      const Command *command = ctl_find_command (argv[1]);
      if (command == NULL)
        return ctl_usage_error (NULL, "command '%s' doesn't exist", argv[1]);
      printf ("  NAME\n    %s - %s\n\n  SYNOPSIS\n    %s\n", command->name, command->summary,
              command->usage);
      return EXIT_OK;
    }
  printf ("Usage: ballastctl [-s SOCKET] [-c URI] [--json] [COMMAND [ARGS]]\n\nCommands:\n");
  for (const Command *const *command = ctl_commands; *command != NULL; command++)
    if (!(*command)->hidden)
      printf ("    %-32s %s\n", (*command)->usage, (*command)->summary);
  printf ("\nWithout a COMMAND, an interactive shell (quit or exit to leave).\n"
          "Exit status: 0 success, 1 failure, 2 usage error, 3 ballastd not running,\n"
          "4 permission denied, 5 unknown domain.\n");
  return EXIT_OK;
}

static const Command status_command = { "status", "status", "daemon, connection, host memory, budget and overcommit state", cmd_status };
static const Command list_command = { "list", "list [--all] [--wide]", "guests with their balloons, usage and the last decision", cmd_list };
static const Command dominfo_command = { "dominfo", "dominfo DOMAIN", "everything ballast knows about one guest", cmd_dominfo };
static const Command domhistory_command = { "domhistory", "domhistory DOMAIN [--limit N]", "the balloon decisions journal of one guest", cmd_domhistory };
static const Command pause_command = { "pause", "pause", "stop changing balloons (monitoring continues)", cmd_pause };
static const Command resume_command = { "resume", "resume", "change balloons again", cmd_resume };
static const Command version_command = { "version", "version", "print the version", cmd_version };
static const Command help_command = { "help", "help [COMMAND]", "list the commands, or describe one", cmd_help };

/* Commands defined in other files register here, one line each. */
extern const Command ctl_policy_check_command;
extern const Command ctl_policy_reload_command;
extern const Command ctl_domtune_command;
extern const Command ctl_caps_command;
extern const Command ctl_top_command;
extern const Command ctl_metrics_command;
extern const Command ctl_ksm_command;
extern const Command ctl_ksm_set_command;
extern const Command ctl_complete_command;
extern const Command ctl_admit_command;

const Command *const ctl_commands[] = {
  &status_command,
  &list_command,
  &dominfo_command,
  &domhistory_command,
  &pause_command,
  &resume_command,
  &ctl_domtune_command,
  &ctl_policy_check_command,
  &ctl_policy_reload_command,
  &ctl_caps_command,
  &ctl_top_command,
  &ctl_metrics_command,
  &ctl_ksm_command,
  &ctl_ksm_set_command,
  &ctl_admit_command,
  &version_command,
  &help_command,
  &ctl_complete_command,
  NULL,
};
