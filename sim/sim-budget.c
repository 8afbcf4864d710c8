/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-budget.h"

#include "sim-model.h"
#include "sim-policy.h"

guint64
ballast_sim_peak_demand_kib (const BallastSimScenario *scenario)
{
  guint64 peak = 0;
  ballast_sim_scenario_fits (scenario, 0, 0, &peak, NULL);
  return peak;
}

guint64
ballast_sim_limit_kib (const BallastSimScenario *scenario, const BallastPolicyFile *file)
{
  /* B - reserve(B) grows with B (the reserve is a share below the whole,
   * or a floor): bisect the first B where it holds the peak. */
  guint64 peak = ballast_sim_peak_demand_kib (scenario);
  guint64 lo = peak, hi = MAX (peak, 1);
  while (hi - MIN (ballast_policy_reserve_kib (&file->policy, hi), hi) < peak && hi < G_MAXUINT64 / 4)
    hi *= 2;
  while (lo < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;
      if (mid - MIN (ballast_policy_reserve_kib (&file->policy, mid), mid) >= peak)
        hi = mid;
      else
        lo = mid + 1;
    }
  return hi;
}

/* Whether policy NAME runs SCENARIO with budget BUDGET_KIB without an OOM. */
static gboolean
oom_free_at (const BallastSimScenario *scenario, const BallastPolicyFile *file, const char *name,
             guint64 budget_kib, gboolean *ret_ok, GError **error)
{
  /* A shallow copy: the guests and curves stay the scenario's. */
  BallastSimScenario resized = *scenario;
  resized.host_memory_kib = budget_kib + (scenario->host_memory_kib > scenario->budget_kib
                                          ? scenario->host_memory_kib - scenario->budget_kib : 0);
  resized.budget_kib = budget_kib;
  g_autoptr(BallastSimPolicy) policy = ballast_sim_policy_new (name, file, &resized, error);
  if (policy == NULL)
    return FALSE;
  g_autoptr(BallastSimResult) result = ballast_sim_run (&resized, file, policy, NULL);
  *ret_ok = result->metrics.guest_oom_events == 0 && result->metrics.host_oom_events == 0;
  return TRUE;
}

gboolean
ballast_sim_min_budget (const BallastSimScenario *scenario, const BallastPolicyFile *file,
                        const char *policy_name, BallastSimMinBudget *ret_result, GError **error)
{
  BallastSimMinBudget result = { 0 };
  gboolean ok;
  /* The top of the bracket: enough for every guest at its max, the host's
   * other use at its peak, and the reserve; once more doubled if that
   * fails (a policy that overshoots). Past that, more memory is not what
   * it lacks. */
  guint64 other_peak = 0;
  if (scenario->has_other)
    {
      BallastSimScenario other_only = *scenario;
      g_autoptr(GPtrArray) none = g_ptr_array_new ();
      other_only.guests = none;
      other_peak = ballast_sim_peak_demand_kib (&other_only);
    }
  guint64 max_sum = 0;
  for (guint i = 0; i < scenario->guests->len; i++)
    max_sum += ((const BallastSimGuest *) scenario->guests->pdata[i])->max_kib;
  guint64 hi = MAX (ballast_sim_limit_kib (scenario, file), max_sum + other_peak);
  hi += MIN (ballast_policy_reserve_kib (&file->policy, hi), hi);
  for (int attempt = 0;; attempt++)
    {
      if (!oom_free_at (scenario, file, policy_name, hi, &ok, error))
        return FALSE;
      result.runs++;
      if (ok)
        break;
      if (attempt == 1)
        {
          *ret_result = result; /* not found */
          return TRUE;
        }
      hi *= 2;
    }
  result.found = TRUE;
  /* The bottom: half the peak demand, below which nothing can hold. */
  guint64 lo = ballast_sim_peak_demand_kib (scenario) / 2;
  if (!oom_free_at (scenario, file, policy_name, lo, &ok, error))
    return FALSE;
  result.runs++;
  if (ok)
    {
      result.at_floor = TRUE;
      result.budget_kib = lo;
      *ret_result = result;
      return TRUE;
    }
  /* lo fails, hi holds. */
  while (hi - lo > hi / 1000 * BALLAST_SIM_MIN_BUDGET_ACCURACY_PERMILLE && hi - lo > 1024)
    {
      guint64 mid = lo + (hi - lo) / 2;
      if (!oom_free_at (scenario, file, policy_name, mid, &ok, error))
        return FALSE;
      result.runs++;
      if (ok)
        hi = mid;
      else
        lo = mid;
    }
  result.budget_kib = hi;
  *ret_result = result;
  return TRUE;
}
