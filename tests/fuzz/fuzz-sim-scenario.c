/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Simulator scenario files (JSON, tests/sim/README.md):
 * ballast_sim_scenario_parse(), then every demand curve evaluated at a few
 * times of the run, which is pure arithmetic on values from the file.
 * Relative "csv" names resolve in tests/sim/scenarios, so the seeds that
 * use web-day.csv load it. */
#include "fuzz.h"

#include "sim-scenario.h"

static void
evaluate (const BallastSimCurve *curve, gint64 duration_msec)
{
  const gint64 times[] = { 0, 1, 999, duration_msec / 2, duration_msec, duration_msec * 2 };
  for (gsize i = 0; i < G_N_ELEMENTS (times); i++)
    (void) ballast_sim_curve_at_kib (curve, times[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastSimScenario) scenario
      = ballast_sim_scenario_parse (text, "fuzz.json", FUZZ_SCENARIO_DIR, &error);
  fuzz_check_result ("ballast_sim_scenario_parse", scenario != NULL, error);
  if (scenario == NULL)
    return 0;
  fuzz_assert (scenario->step_msec > 0 && scenario->duration_msec > 0);
  if (scenario->has_other)
    evaluate (&scenario->other, scenario->duration_msec);
  for (guint i = 0; i < scenario->guests->len; i++)
    {
      const BallastSimGuest *guest = scenario->guests->pdata[i];
      fuzz_assert (guest->demand.points != NULL && guest->demand.points->len > 0);
      evaluate (&guest->demand, scenario->duration_msec);
    }
  (void) ballast_sim_scenario_max_sum_kib (scenario, 0);
  (void) ballast_sim_scenario_max_sum_kib (scenario, scenario->duration_msec / 2);
  return 0;
}
