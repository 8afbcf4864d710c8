/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A ballastd --record trace (one JSON record per line, lib/trace-record.h):
 * ballast_trace_parse(); every record must survive format -> parse ->
 * format unchanged (the header promises the format is read back exactly);
 * then the trace is turned into a replay scenario, as ballast-sim does. */
#include "fuzz.h"

#include "sim-replay.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  (void) ballast_trace_text_is_trace (text);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = ballast_trace_parse (text, "fuzz.trace", &error);
  fuzz_check_result ("ballast_trace_parse", records != NULL, error);
  if (records == NULL)
    return 0;

  for (guint i = 0; i < records->len; i++)
    {
      g_autofree char *line = ballast_trace_record_format (records->pdata[i]);
      g_autoptr(GError) again_error = NULL;
      g_autoptr(BallastTraceRecord) again = ballast_trace_record_parse (line, &again_error);
      if (again == NULL)
        fuzz_fail ("ballast_trace_record_format() wrote a record that does not parse: %s\n%s",
                   again_error->message, line);
      g_autofree char *line_again = ballast_trace_record_format (again);
      if (strcmp (line, line_again) != 0)
        fuzz_fail ("trace record does not round-trip:\n%s\n%s", line, line_again);
    }

  for (int keep_tuning = 0; keep_tuning < 2; keep_tuning++)
    {
      g_autoptr(GError) replay_error = NULL;
      g_autoptr(BallastSimScenario) scenario
          = ballast_sim_scenario_from_trace (records, "fuzz.trace", keep_tuning, &replay_error);
      fuzz_check_result ("ballast_sim_scenario_from_trace", scenario != NULL, replay_error);
    }
  return 0;
}
