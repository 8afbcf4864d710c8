/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-control.h"

#include "ballast-error.h"
#include "ksm-manager.h"

/* Limits of the policy file's <ksm> (policy-file.c), for the same checks. */
#define PAGES_TO_SCAN_LIMIT 100000
#define SLEEP_LIMIT_MSEC 60000

json_object *
ballast_ksm_method_status (const BallastDaemonView *view, const BallastRequest *request,
                           const char **ret_code, GError **error)
{
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_manager_report_with_guests (view->ksm, view->registry, &report);
  return ballast_ksm_report_to_json (&report);
}

static gboolean
has_param (const BallastRequest *request, const char *name)
{
  json_object *value = NULL;
  return json_object_object_get_ex (request->params, name, &value) && value != NULL;
}

/* An unsigned param from MIN to MAX, when present: sets BIT in *SET. */
static gboolean
get_bounded (const BallastRequest *request, const char *name, guint64 min, guint64 max,
             guint bit, guint *ret_value, guint *set, GError **error)
{
  if (!has_param (request, name))
    return TRUE;
  guint64 value = 0;
  if (!ballast_request_get_uint (request, name, max, &value, error))
    return FALSE;
  if (value < min)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "'%s' must be from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT, name, min, max);
      return FALSE;
    }
  *ret_value = (guint) value;
  *set |= bit;
  return TRUE;
}

static gboolean
get_knob (const BallastRequest *request, const char *name, guint bit, BallastKsmKnob *ret_knob,
          guint *set, GError **error)
{
  if (!has_param (request, name))
    return TRUE;
  gboolean value = FALSE;
  if (!ballast_request_get_bool (request, name, &value, error))
    return FALSE;
  *ret_knob = value ? BALLAST_KSM_KNOB_YES : BALLAST_KSM_KNOB_NO;
  *set |= bit;
  return TRUE;
}

static gboolean
parse_override (const BallastRequest *request, BallastKsmOverride *ret_override,
                gboolean *ret_clear, gboolean *ret_unmerge, GError **error)
{
  BallastKsmOverride o = { 0 };
  const char *mode = NULL;
  guint cpu_percent = 0;
  if (!ballast_request_get_string (request, "mode", FALSE, &mode, error))
    return FALSE;
  if (mode != NULL)
    {
      if (!ballast_ksm_mode_parse (mode, &o.mode, error))
        return FALSE;
      o.set |= BALLAST_KSM_OVERRIDE_MODE;
    }
  if (!get_bounded (request, "pages_to_scan_min", 1, PAGES_TO_SCAN_LIMIT,
                    BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MIN, &o.pages_to_scan_min, &o.set, error)
      || !get_bounded (request, "pages_to_scan_max", 1, PAGES_TO_SCAN_LIMIT,
                       BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MAX, &o.pages_to_scan_max, &o.set, error)
      || !get_bounded (request, "sleep_millisecs", 1, SLEEP_LIMIT_MSEC,
                       BALLAST_KSM_OVERRIDE_SLEEP_MILLISECS, &o.sleep_millisecs, &o.set, error)
      || !get_bounded (request, "cpu_budget_percent", 1, 100, BALLAST_KSM_OVERRIDE_CPU_BUDGET,
                       &cpu_percent, &o.set, error)
      || !get_knob (request, "merge_across_nodes", BALLAST_KSM_OVERRIDE_MERGE_ACROSS_NODES,
                    &o.merge_across_nodes, &o.set, error)
      || !get_knob (request, "use_zero_pages", BALLAST_KSM_OVERRIDE_USE_ZERO_PAGES,
                    &o.use_zero_pages, &o.set, error)
      || !ballast_request_get_bool (request, "clear", ret_clear, error)
      || !ballast_request_get_bool (request, "unmerge", ret_unmerge, error))
    return FALSE;
  o.cpu_budget_permille = cpu_percent * 10;
  *ret_override = o;
  return TRUE;
}

json_object *
ballast_ksm_method_set (const BallastDaemonView *view, const BallastRequest *request,
                        const char **ret_code, GError **error)
{
  BallastKsmOverride changes;
  gboolean clear = FALSE, unmerge = FALSE;
  GError *local_error = NULL;
  if (!parse_override (request, &changes, &clear, &unmerge, &local_error))
    {
      *ret_code = BALLAST_ERR_INVALID_PARAMS;
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (changes.set == 0 && !clear && !unmerge)
    {
      *ret_code = BALLAST_ERR_INVALID_PARAMS;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "nothing to set: give a mode, a tunable, clear or unmerge");
      return NULL;
    }
  BallastKsmManager *ksm = view->ksm;
  if (!ballast_ksm_manager_set_override (ksm, &changes, clear, unmerge, &local_error))
    {
      *ret_code = g_error_matches (local_error, BALLAST_ERROR, BALLAST_ERROR_INVALID)
                    ? BALLAST_ERR_INVALID_PARAMS : BALLAST_ERR_FAILED;
      g_propagate_error (error, local_error);
      return NULL;
    }
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_manager_report (ksm, &report);
  json_object *result = ballast_ksm_report_to_json (&report);
  json_object_object_add (result, "note",
                          json_object_new_string ("in effect from the next cycle until the next "
                                                  "policy reload, which drops it"));
  return result;
}
