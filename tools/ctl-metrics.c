/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `ballastctl metrics`: ballastd's figures in Prometheus' text format, as
 * the daemon renders them (daemon/metrics.c), for a scrape by hand or a
 * cron job; with --json, the method's reply ({"text": "..."}). */
#include "ballastctl.h"

static char *
render_text (json_object *result)
{
  json_object *text = NULL;
  if (!json_object_object_get_ex (result, "text", &text)
      || !json_object_is_type (text, json_type_string))
    return g_strdup ("");
  return g_strdup (json_object_get_string (text));
}

static int
cmd_metrics (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("metrics", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  return ctl_call_and_print (ctl, "metrics", NULL, render_text);
}

const Command ctl_metrics_command = {
  "metrics", "metrics", "ballastd's figures in Prometheus text format", cmd_metrics,
};
