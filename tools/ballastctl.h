/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "control-client.h"

G_BEGIN_DECLS

/* Exit statuses, distinct so scripts can tell the failures apart. */
enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
  EXIT_NOT_RUNNING = 3,
  EXIT_PERMISSION = 4,
  EXIT_UNKNOWN_DOMAIN = 5,
  EXIT_BUSY = 6,
  EXIT_REFUSED = 7,         /* admit: starting the guest would break the policy */
};

typedef struct {
  char *socket_path;
  char *uri;
  gboolean json;
  BallastClient *client;
} Ctl;

typedef int (*CommandRun) (Ctl *ctl, int argc, char **argv);

/* One ballastctl command. ARGV[0] is the command's name. Completion (the
 * shell's and bash's) reads USAGE: "--name" words are options, "--name
 * VALUE" ones take a value, and a DOMAIN or COMMAND placeholder completes
 * domain or command names. */
typedef struct {
  const char *name;
  const char *usage;
  const char *summary;
  CommandRun run;
  gboolean hidden;  /* not listed by help nor completed (helpers for scripts) */
} Command;

/* "--flag" and "--option VALUE" arguments of a command. */
typedef struct {
  const char *name;
  gboolean takes_value;
  gboolean present;
  const char *value;
} CommandOption;

/* All commands, in the order `help` lists them; NULL-terminated. */
extern const Command *const ctl_commands[];
const Command *ctl_find_command (const char *name);

int ctl_fail (const GError *error);
int ctl_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);
int ctl_parse_args (const char *command, int argc, char **argv, CommandOption *options,
                    gsize n_options, const char **positional, gsize n_positional);
/* Connects on first use. */
BallastClient *ctl_client (Ctl *ctl, GError **error);
/* Calls METHOD with PARAMS (taken over). A kept connection that turns out
 * to be closed (ballastd restarted, or dropped an idle shell) is replaced
 * and the call made once more. Returns the result or NULL with ERROR. */
json_object *ctl_call (Ctl *ctl, const char *method, json_object *params, GError **error);
/* In the interactive shell: usage errors stay on one line. */
void ctl_set_interactive (gboolean interactive);
/* Calls METHOD; prints the result as JSON with --json, else through RENDER. */
int ctl_call_and_print (Ctl *ctl, const char *method, json_object *params,
                        char *(*render) (json_object *result));
/* Runs one command line (argv[0] the command); used by main and the shell. */
int ctl_run_command (Ctl *ctl, int argc, char **argv);

/* The interactive shell, when no command is given (ctl-shell.c). Returns
 * 0, or the status of the last command when reading from a pipe. */
int ctl_shell_run (Ctl *ctl);

/* Candidates for the last of WORDS, a command line being typed (WORDS[0]
 * the command; the last word, possibly empty, the one being completed),
 * sorted and starting with that word. IN_SHELL adds the shell's own quit
 * and exit. Domain names come from ballastd; none when it cannot be
 * reached (ctl-complete.c). */
GPtrArray *ctl_complete (Ctl *ctl, const char *const *words, guint n_words, gboolean in_shell);

G_END_DECLS
