/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-report.h"

#include "json-util.h"
#include "size-units.h"

#include <math.h>
#include <string.h>

BallastSimComparison *
ballast_sim_comparison_new (const BallastSimScenario *scenario, const BallastPolicyFile *file)
{
  BallastSimComparison *comparison = g_new0 (BallastSimComparison, 1);
  comparison->scenario = scenario;
  comparison->reserve_kib = MIN (ballast_policy_reserve_kib (&file->policy, scenario->budget_kib),
                                 scenario->budget_kib);
  guint64 limit = scenario->budget_kib - comparison->reserve_kib;
  comparison->fits = ballast_sim_scenario_fits (scenario, limit, 0, &comparison->worst_excess_kib,
                                                &comparison->worst_excess_msec);
  comparison->watermark_kib = file->policy.low_watermark_kib;
  comparison->fits_with_watermark = ballast_sim_scenario_fits (scenario, limit, comparison->watermark_kib,
                                                               &comparison->watermark_excess_kib,
                                                               &comparison->watermark_excess_msec);
  comparison->results = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_sim_result_free);
  return comparison;
}

void
ballast_sim_comparison_free (BallastSimComparison *comparison)
{
  if (comparison == NULL)
    return;
  g_ptr_array_unref (comparison->results);
  g_free (comparison);
}

const BallastSimResult *
ballast_sim_comparison_find (const BallastSimComparison *comparison, const char *name)
{
  for (guint i = 0; i < comparison->results->len; i++)
    {
      const BallastSimResult *result = comparison->results->pdata[i];
      if (strcmp (result->policy_name, name) == 0)
        return result;
    }
  return NULL;
}

static char *
format_duration (gint64 msec)
{
  if (msec % 3600000 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h", msec / 3600000);
  if (msec % 60000 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m", msec / 60000);
  if (msec % 1000 == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s", msec / 1000);
  return g_strdup_printf ("%" G_GINT64_FORMAT "ms", msec);
}

static guint64
peak_max_sum_kib (const BallastSimScenario *scenario)
{
  /* The sum of maxima changes only when a guest starts or stops. */
  guint64 peak = 0;
  for (guint i = 0; i < scenario->guests->len; i++)
    {
      const BallastSimGuest *guest = scenario->guests->pdata[i];
      peak = MAX (peak, ballast_sim_scenario_max_sum_kib (scenario, guest->start_msec));
    }
  return peak;
}

static gboolean
oom_free (const BallastSimResult *result)
{
  return result->metrics.guest_oom_events == 0 && result->metrics.host_oom_events == 0;
}

/* "52.0 GiB 1.30x" (against the limit), or "never". */
static char *
min_budget_text (const BallastSimComparison *comparison, const BallastSimResult *result)
{
  if (!result->has_min_budget)
    return g_strdup ("-");
  if (!result->min_budget_found)
    return g_strdup ("never");
  g_autofree char *size = ballast_size_format_kib (result->min_budget_kib);
  return g_strdup_printf ("%s %.2fx", size,
                          (double) result->min_budget_kib / (double) MAX (comparison->limit_kib, 1));
}

char *
ballast_sim_render_table (const BallastSimComparison *comparison)
{
  const BallastSimScenario *scenario = comparison->scenario;
  GString *out = g_string_new (NULL);
  guint64 max_sum = peak_max_sum_kib (scenario);
  g_autofree char *budget = ballast_size_format_kib (scenario->budget_kib);
  g_autofree char *max_text = ballast_size_format_kib (max_sum);
  g_autofree char *duration = format_duration (scenario->duration_msec);
  g_autofree char *cycle = format_duration (scenario->cycle_msec);
  g_string_append_printf (out, "%s: %u guests, budget %s, guests' max %s (%.2fx), %s, cycle %s\n",
                          scenario->name, scenario->guests->len, budget, max_text,
                          (double) max_sum / (double) scenario->budget_kib, duration, cycle);
  if (scenario->description != NULL)
    g_string_append_printf (out, "  %s\n", scenario->description);
  g_autofree char *reserve = ballast_size_format_kib (comparison->reserve_kib);
  if (comparison->fits)
    g_string_append_printf (out, "  demand fits the budget less ballast's reserve (%s) at every step: "
                            "an oracle avoids every OOM\n", reserve);
  else
    {
      g_autofree char *excess = ballast_size_format_kib (comparison->worst_excess_kib);
      g_autofree char *when = format_duration (comparison->worst_excess_msec / 1000 * 1000);
      g_string_append_printf (out, "  demand exceeds the budget less ballast's reserve (%s) by up to %s "
                              "(at %s)\n", reserve, excess, when);
    }
  if (comparison->fits && !comparison->fits_with_watermark)
    {
      g_autofree char *watermark = ballast_size_format_kib (comparison->watermark_kib);
      g_autofree char *excess = ballast_size_format_kib (comparison->watermark_excess_kib);
      g_autofree char *when = format_duration (comparison->watermark_excess_msec / 1000 * 1000);
      g_string_append_printf (out, "  but only with no free memory in any guest: with ballast's low watermark (%s) "
                              "free in each, it exceeds that by up to %s (at %s)\n", watermark, excess, when);
    }
  if (comparison->has_min_budget)
    {
      g_autofree char *limit = ballast_size_format_kib (comparison->limit_kib);
      g_autofree char *peak = ballast_size_format_kib (comparison->peak_demand_kib);
      g_autofree char *limit_reserve = ballast_size_format_kib (comparison->limit_kib
                                                                - MIN (comparison->peak_demand_kib,
                                                                       comparison->limit_kib));
      g_string_append_printf (out, "  limit %s: peak demand %s + reserve %s (an oracle's budget); "
                              "min budget: the smallest with no OOM, to 1%%\n", limit, peak, limit_reserve);
    }
  /* "MiB·s" has a two-byte dot: one more byte of width keeps the columns. */
  g_string_append_printf (out, "  %-9s %13s %10s %16s %9s %12s %14s %11s", "policy", "unmet MiB·s",
                          "guest OOM", "overflow MiB·s", "host OOM", "balloon ops", "reclaimed avg",
                          "ratio held");
  if (comparison->has_min_budget)
    g_string_append_printf (out, " %18s", "min budget");
  g_string_append_c (out, '\n');
  for (guint i = 0; i < comparison->results->len; i++)
    {
      const BallastSimResult *result = comparison->results->pdata[i];
      const BallastSimMetrics *m = &result->metrics;
      g_autofree char *reclaimed = ballast_size_format_kib ((guint64) (m->avg_reclaimed_mib * 1024));
      g_autofree char *ratio = oom_free (result) ? g_strdup_printf ("%.2fx", m->peak_ratio) : g_strdup ("-");
      g_string_append_printf (out, "  %-9s %12.0f %10u %15.0f %9u %12u %14s %11s", result->policy_name,
                              m->unmet_mib_sec, m->guest_oom_events, m->host_overflow_mib_sec,
                              m->host_oom_events, m->balloon_ops, reclaimed, ratio);
      if (comparison->has_min_budget)
        {
          g_autofree char *needed = min_budget_text (comparison, result);
          g_string_append_printf (out, " %18s", needed);
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

json_object *
ballast_sim_comparison_to_json (const BallastSimComparison *comparison)
{
  const BallastSimScenario *scenario = comparison->scenario;
  json_object *root = json_object_new_object ();
  json_object_object_add (root, "scenario", json_object_new_string (scenario->name));
  json_object_object_add (root, "source", json_object_new_string (scenario->source));
  json_object_object_add (root, "guests", json_object_new_int ((int) scenario->guests->len));
  json_object_object_add (root, "budget_kib", ballast_json_kib (scenario->budget_kib));
  json_object_object_add (root, "max_sum_kib", ballast_json_kib (peak_max_sum_kib (scenario)));
  json_object_object_add (root, "duration_msec", json_object_new_int64 (scenario->duration_msec));
  json_object_object_add (root, "cycle_msec", json_object_new_int64 (scenario->cycle_msec));
  json_object_object_add (root, "reserve_kib", ballast_json_kib (comparison->reserve_kib));
  json_object_object_add (root, "demand_fits", json_object_new_boolean (comparison->fits));
  json_object_object_add (root, "worst_excess_kib", ballast_json_kib (comparison->worst_excess_kib));
  json_object_object_add (root, "demand_fits_with_watermark",
                          json_object_new_boolean (comparison->fits_with_watermark));
  json_object_object_add (root, "watermark_excess_kib", ballast_json_kib (comparison->watermark_excess_kib));
  if (comparison->has_min_budget)
    {
      json_object_object_add (root, "peak_demand_kib", ballast_json_kib (comparison->peak_demand_kib));
      json_object_object_add (root, "limit_kib", ballast_json_kib (comparison->limit_kib));
    }
  json_object *policies = json_object_new_array ();
  for (guint i = 0; i < comparison->results->len; i++)
    {
      const BallastSimResult *result = comparison->results->pdata[i];
      const BallastSimMetrics *m = &result->metrics;
      json_object *entry = json_object_new_object ();
      json_object_object_add (entry, "policy", json_object_new_string (result->policy_name));
      json_object_object_add (entry, "unmet_mib_sec", json_object_new_double (round (m->unmet_mib_sec)));
      json_object_object_add (entry, "guest_oom_events", json_object_new_int ((int) m->guest_oom_events));
      json_object_object_add (entry, "host_overflow_mib_sec", json_object_new_double (round (m->host_overflow_mib_sec)));
      json_object_object_add (entry, "host_oom_events", json_object_new_int ((int) m->host_oom_events));
      json_object_object_add (entry, "balloon_ops", json_object_new_int ((int) m->balloon_ops));
      json_object_object_add (entry, "avg_reclaimed_mib", json_object_new_double (round (m->avg_reclaimed_mib * 10) / 10));
      json_object_object_add (entry, "peak_host_used_mib", json_object_new_double (round (m->peak_host_used_mib)));
      json_object_object_add (entry, "peak_ratio", json_object_new_double (round (m->peak_ratio * 100) / 100));
      json_object_object_add (entry, "ratio_held", json_object_new_boolean (oom_free (result)));
      if (result->has_min_budget)
        {
          gboolean found = result->min_budget_found;
          json_object_object_add (entry, "min_budget_kib", found ? ballast_json_kib (result->min_budget_kib) : NULL);
          json_object_object_add (entry, "min_budget_ratio",
                                  found ? json_object_new_double (round ((double) result->min_budget_kib * 100
                                                                         / (double) MAX (comparison->limit_kib, 1))
                                                                  / 100)
                                        : NULL);
        }
      json_object_object_add (entry, "first_guest_oom_msec",
                              m->first_guest_oom_msec >= 0 ? json_object_new_int64 (m->first_guest_oom_msec) : NULL);
      json_object_object_add (entry, "first_host_oom_msec",
                              m->first_host_oom_msec >= 0 ? json_object_new_int64 (m->first_host_oom_msec) : NULL);
      json_object *guests = json_object_new_array ();
      for (gsize g = 0; g < result->n_guests; g++)
        {
          const BallastSimGuest *guest = scenario->guests->pdata[g];
          json_object *item = json_object_new_object ();
          json_object_object_add (item, "name", json_object_new_string (guest->name));
          json_object_object_add (item, "unmet_mib_sec", json_object_new_double (round (result->guests[g].unmet_mib_sec)));
          json_object_object_add (item, "oom_events", json_object_new_int ((int) result->guests[g].oom_events));
          json_object_object_add (item, "balloon_ops", json_object_new_int ((int) result->guests[g].balloon_ops));
          json_object_array_add (guests, item);
        }
      json_object_object_add (entry, "guests", guests);
      json_object_array_add (policies, entry);
    }
  json_object_object_add (root, "policies", policies);
  g_autofree char *verdict = NULL;
  if (ballast_sim_comparison_find (comparison, "static") != NULL
      && ballast_sim_comparison_find (comparison, "ballast") != NULL)
    {
      BallastSimCheck result = ballast_sim_check (comparison, &verdict);
      json_object *check = json_object_new_object ();
      json_object_object_add (check, "result", json_object_new_string (ballast_sim_check_to_string (result)));
      json_object_object_add (check, "ok", json_object_new_boolean (ballast_sim_check_ok (result)));
      json_object_object_add (check, "verdict", json_object_new_string (verdict));
      json_object_object_add (root, "check", check);
    }
  return root;
}

const char *
ballast_sim_check_to_string (BallastSimCheck check)
{
  switch (check)
    {
    case BALLAST_SIM_CHECK_PASS: return "PASS";
    case BALLAST_SIM_CHECK_FAIL: return "FAIL";
    case BALLAST_SIM_CHECK_KNOWN_WEAKNESS: return "KNOWN WEAKNESS";
    case BALLAST_SIM_CHECK_UNEXPECTED_PASS: return "UNEXPECTED PASS";
    default: return "?";
    }
}

gboolean
ballast_sim_check_ok (BallastSimCheck check)
{
  return check == BALLAST_SIM_CHECK_PASS || check == BALLAST_SIM_CHECK_KNOWN_WEAKNESS;
}

BallastSimCheck
ballast_sim_check (const BallastSimComparison *comparison, char **ret_verdict)
{
  const BallastSimResult *fixed = ballast_sim_comparison_find (comparison, "static");
  const BallastSimResult *ballast = ballast_sim_comparison_find (comparison, "ballast");
  g_return_val_if_fail (fixed != NULL && ballast != NULL, BALLAST_SIM_CHECK_FAIL);
  const BallastSimMetrics *b = &ballast->metrics, *s = &fixed->metrics;
  gboolean pass;
  g_autofree char *rule = NULL;
  if (comparison->fits)
    {
      pass = oom_free (ballast);
      rule = g_strdup_printf ("demand fits the budget less the reserve, so ballast must have no OOM: "
                              "%u guest OOM, %u host OOM", b->guest_oom_events, b->host_oom_events);
    }
  else if (oom_free (fixed))
    {
      pass = oom_free (ballast);
      rule = g_strdup_printf ("static has no OOM, so ballast must have none: "
                              "%u guest OOM, %u host OOM", b->guest_oom_events, b->host_oom_events);
    }
  else
    {
      pass = b->host_oom_events <= s->host_oom_events
             && b->host_overflow_mib_sec <= s->host_overflow_mib_sec
             && (s->host_oom_events > 0 || b->guest_oom_events <= s->guest_oom_events);
      rule = g_strdup_printf ("demand exceeds budget less reserve and static has OOMs, so ballast must leave "
                              "the host no worse: host OOM %u vs %u, overflow %.0f vs %.0f MiB·s, "
                              "guest OOM %u vs %u%s", b->host_oom_events, s->host_oom_events,
                              b->host_overflow_mib_sec, s->host_overflow_mib_sec,
                              b->guest_oom_events, s->guest_oom_events,
                              s->host_oom_events > 0 ? " (static ran the host out of memory)" : "");
    }
  BallastSimCheck check;
  const char *known = comparison->scenario->known_weakness;
  if (known == NULL)
    check = pass ? BALLAST_SIM_CHECK_PASS : BALLAST_SIM_CHECK_FAIL;
  else
    check = pass ? BALLAST_SIM_CHECK_UNEXPECTED_PASS : BALLAST_SIM_CHECK_KNOWN_WEAKNESS;
  if (ret_verdict != NULL)
    {
      if (known == NULL)
        *ret_verdict = g_strdup_printf ("%s: %s", ballast_sim_check_to_string (check), rule);
      else if (pass)
        *ret_verdict = g_strdup_printf ("%s: %s; the scenario's known_weakness no longer shows, "
                                        "remove it: %s", ballast_sim_check_to_string (check), rule, known);
      else
        *ret_verdict = g_strdup_printf ("%s (not counted as a failure): %s; %s",
                                        ballast_sim_check_to_string (check), rule, known);
    }
  return check;
}
