/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A scenario's demand CSV ("SECONDS,MIB" lines): ballast_sim_csv_parse(),
 * and the same bytes as a duration ("250ms", "5m", ...). */
#include "fuzz.h"

#include "sim-scenario.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = ballast_sim_csv_parse (text, "fuzz.csv", &error);
  fuzz_check_result ("ballast_sim_csv_parse", points != NULL, error);
  if (points != NULL)
    for (guint i = 1; i < points->len; i++)
      fuzz_assert (g_array_index (points, BallastSimPoint, i - 1).t_msec
                   <= g_array_index (points, BallastSimPoint, i).t_msec);

  guint64 msec = 0;
  g_autoptr(GError) duration_error = NULL;
  gboolean ok = ballast_duration_parse_msec (text, &msec, &duration_error);
  fuzz_check_result ("ballast_duration_parse_msec", ok, duration_error);
  if (ok)
    fuzz_assert (msec <= BALLAST_DURATION_MAX_MSEC);
  return 0;
}
