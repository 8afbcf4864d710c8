/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page sharing: `ksm` shows what ballastd knows and decided about KSM,
 * `ksm-set` overrides the policy's <ksm> until the next policy reload. */
#include "ballastctl.h"

#include "json-util.h"
#include "report-render.h"

#include <stdio.h>
#include <string.h>

static int
cmd_ksm (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("ksm", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  return ctl_call_and_print (ctl, "ksm", NULL, ballast_render_ksm);
}

static char *
render_set (json_object *result)
{
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_report_from_json (result, &report);
  g_autofree char *summary = ballast_render_ksm_summary (&report);
  json_object *note = NULL;
  json_object_object_get_ex (result, "note", &note);
  return g_strdup_printf ("KSM:             %s\n(%s)\n", summary,
                          note != NULL ? json_object_get_string (note) : "until the next policy reload");
}

/* "yes"/"no" as a JSON boolean. */
static gboolean
add_yes_no (json_object *params, const char *key, const CommandOption *option)
{
  if (!option->present)
    return TRUE;
  if (g_strcmp0 (option->value, "yes") != 0 && g_strcmp0 (option->value, "no") != 0)
    return FALSE;
  json_object_object_add (params, key, json_object_new_boolean (g_strcmp0 (option->value, "yes") == 0));
  return TRUE;
}

static int
cmd_ksm_set (Ctl *ctl, int argc, char **argv)
{
  CommandOption options[] = {
    { "mode", TRUE },                 /* 0 */
    { "pages-to-scan-min", TRUE },    /* 1 */
    { "pages-to-scan-max", TRUE },    /* 2 */
    { "sleep-millisecs", TRUE },      /* 3 */
    { "cpu-budget", TRUE },           /* 4 */
    { "merge-across-nodes", TRUE },   /* 5 */
    { "use-zero-pages", TRUE },       /* 6 */
    { "unmerge" },                    /* 7 */
    { "clear" },                      /* 8 */
  };
  int status = ctl_parse_args ("ksm-set", argc, argv, options, G_N_ELEMENTS (options), NULL, 0);
  if (status != EXIT_OK)
    return status;

  g_autoptr(json_object) params = json_object_new_object ();
  gboolean any = FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    any |= options[i].present;
  if (!any)
    return ctl_usage_error ("ksm-set", "give --mode, a tunable, --unmerge or --clear");
  if (options[0].present)
    {
      if (g_strcmp0 (options[0].value, "auto") != 0 && g_strcmp0 (options[0].value, "on") != 0
          && g_strcmp0 (options[0].value, "off") != 0)
        return ctl_usage_error ("ksm-set", "--mode '%s': expected auto, on or off",
                                options[0].value);
      json_object_object_add (params, "mode", json_object_new_string (options[0].value));
    }
  static const struct {
    gsize option;
    const char *key;
    guint64 max;
  } numbers[] = {
    { 1, "pages_to_scan_min", 100000 },
    { 2, "pages_to_scan_max", 100000 },
    { 3, "sleep_millisecs", 60000 },
    { 4, "cpu_budget_percent", 100 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      const CommandOption *option = &options[numbers[i].option];
      if (!option->present)
        continue;
      /* --cpu-budget takes "25" or "25%", like the policy's percent. */
      g_autofree char *text = g_strdup (option->value);
      if (numbers[i].option == 4 && g_str_has_suffix (text, "%"))
        text[strlen (text) - 1] = '\0';
      guint64 value;
      if (!g_ascii_string_to_unsigned (text, 10, 1, numbers[i].max, &value, NULL))
        return ctl_usage_error ("ksm-set", "--%s '%s' is not a number from 1 to %" G_GUINT64_FORMAT,
                                option->name, option->value, numbers[i].max);
      json_object_object_add (params, numbers[i].key, json_object_new_int64 ((gint64) value));
    }
  if (!add_yes_no (params, "merge_across_nodes", &options[5]))
    return ctl_usage_error ("ksm-set", "--merge-across-nodes '%s': expected yes or no",
                            options[5].value);
  if (!add_yes_no (params, "use_zero_pages", &options[6]))
    return ctl_usage_error ("ksm-set", "--use-zero-pages '%s': expected yes or no",
                            options[6].value);
  if (options[7].present)
    json_object_object_add (params, "unmerge", json_object_new_boolean (TRUE));
  if (options[8].present)
    json_object_object_add (params, "clear", json_object_new_boolean (TRUE));
  return ctl_call_and_print (ctl, "ksm-set", g_steal_pointer (&params), render_set);
}

const Command ctl_ksm_command = {
  "ksm", "ksm", "page sharing: KSM's state, savings, ksmd's cost and each guest's share", cmd_ksm,
};
const Command ctl_ksm_set_command = {
  "ksm-set",
  "ksm-set [--mode auto|on|off] [--pages-to-scan-min N] [--pages-to-scan-max N] "
  "[--sleep-millisecs N] [--cpu-budget PCT] [--merge-across-nodes yes|no] "
  "[--use-zero-pages yes|no] [--unmerge] [--clear]",
  "override the policy's KSM settings until the next policy reload (root)", cmd_ksm_set,
};
