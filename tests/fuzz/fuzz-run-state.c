/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The run state live metadata (<state>, urn:ballast:state:1: loan clock and
 * spikes) as virDomainGetMetadata() returns it, or whoever wrote it: parse,
 * then check that what ballast_run_state_format() writes reads back to the
 * same seconds. */
#include "fuzz.h"

#include "run-state.h"

static gboolean
same_second (gint64 a, gint64 b)
{
  return a / G_USEC_PER_SEC == b / G_USEC_PER_SEC;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_run_state_parse (xml, &state, &error);
  fuzz_check_result ("ballast_run_state_parse", ok, error);
  if (!ok)
    return 0;

  g_autofree char *formatted = ballast_run_state_format (&state);
  if (formatted == NULL)
    {
      /* Nothing to say: only an empty <spikes/> (or a 0 KiB peak alone). */
      if (state.over_fair_share || state.n_spike_onsets > 0 || state.spike_peak_kib > 0)
        fuzz_fail ("ballast_run_state_format() wrote nothing for a state that holds something");
      return 0;
    }
  BallastRunState again = { 0 };
  g_autoptr(GError) again_error = NULL;
  if (!ballast_run_state_parse (formatted, &again, &again_error))
    fuzz_fail ("ballast_run_state_format() wrote %s, which does not parse: %s", formatted,
               again_error->message);
  gboolean same = again.over_fair_share == state.over_fair_share
                  && (!state.over_fair_share
                      || same_second (again.over_fair_share_since_usec, state.over_fair_share_since_usec))
                  && again.spike_peak_kib == state.spike_peak_kib
                  && (state.spike_peak_kib == 0 || same_second (again.spike_peak_usec, state.spike_peak_usec))
                  && again.n_spike_onsets == state.n_spike_onsets;
  for (guint i = 0; same && i < state.n_spike_onsets; i++)
    same = same_second (again.spike_onsets_usec[i], state.spike_onsets_usec[i]);
  if (!same)
    fuzz_fail ("run state does not round-trip: %s became %s", xml, formatted);
  return 0;
}
