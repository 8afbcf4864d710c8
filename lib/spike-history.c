/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "spike-history.h"

#include <math.h>
#include <string.h>

static void
add_onset (BallastSpikeHistory *history, gint64 now_usec)
{
  if (history->n_onsets == BALLAST_SPIKE_ONSETS)
    {
      memmove (history->onsets_usec, history->onsets_usec + 1,
               (BALLAST_SPIKE_ONSETS - 1) * sizeof history->onsets_usec[0]);
      history->n_onsets--;
    }
  history->onsets_usec[history->n_onsets++] = now_usec;
}

guint64
ballast_spike_decay_kib (guint64 peak_kib, gint64 peak_usec, guint64 floor_kib,
                         const BallastSpikeParams *params, gint64 now_usec)
{
  if (peak_kib <= floor_kib || params->half_life_sec == 0)
    return MAX (peak_kib, floor_kib);
  double age_sec = (double) MAX (now_usec - peak_usec, 0) / G_USEC_PER_SEC;
  double above = (double) (peak_kib - floor_kib) * exp2 (-age_sec / params->half_life_sec);
  return floor_kib + (guint64) above;
}

guint64
ballast_spike_history_peak_kib (const BallastSpikeHistory *history, const BallastSpikeParams *params,
                                gint64 now_usec)
{
  if (!history->has_sample)
    return 0;
  return ballast_spike_decay_kib (history->peak_kib, history->peak_usec, history->last_used_kib,
                                  params, now_usec);
}

void
ballast_spike_history_restore (BallastSpikeHistory *history, guint64 peak_kib, gint64 peak_usec,
                               const gint64 *onsets_usec, guint n_onsets)
{
  /* Onsets seen in this run already are the latest: the restored ones
   * before them go first, and the oldest drop out. */
  gint64 merged[2 * BALLAST_SPIKE_ONSETS];
  guint n = 0;
  gint64 first_seen = history->n_onsets > 0 ? history->onsets_usec[0] : G_MAXINT64;
  for (guint i = 0; i < MIN (n_onsets, BALLAST_SPIKE_ONSETS); i++)
    if (onsets_usec[i] < first_seen)
      merged[n++] = onsets_usec[i];
  for (guint i = 0; i < history->n_onsets; i++)
    merged[n++] = history->onsets_usec[i];
  guint skip = n > BALLAST_SPIKE_ONSETS ? n - BALLAST_SPIKE_ONSETS : 0;
  history->n_onsets = n - skip;
  memcpy (history->onsets_usec, merged + skip, history->n_onsets * sizeof merged[0]);
  /* Before the first sample, the peak waits for it (ballast_spike_history_add
   * keeps a peak above that sample's use). */
  if (!history->has_sample || peak_kib > history->peak_kib)
    {
      history->peak_kib = peak_kib;
      history->peak_usec = peak_usec;
      history->reached_usec = peak_usec;
    }
}

void
ballast_spike_history_add (BallastSpikeHistory *history, const BallastSpikeParams *params,
                           guint64 used_kib, gint64 now_usec)
{
  if (!history->has_sample)
    {
      /* Onsets and a peak restored from before this run are kept. */
      gboolean restored_peak = history->peak_kib > used_kib;
      history->has_sample = TRUE;
      if (!restored_peak)
        {
          history->peak_kib = used_kib;
          history->peak_usec = now_usec;
          history->reached_usec = now_usec;
        }
      history->last_used_kib = used_kib;
      history->last_usec = now_usec;
      history->low_kib = used_kib;
      history->low_usec = now_usec;
      history->in_spike = FALSE;
      return;
    }
  if (now_usec < history->last_usec)
    return;
  /* The peak as it has decayed, then raised by this sample. */
  guint64 decayed = ballast_spike_history_peak_kib (history, params, now_usec);
  if (used_kib >= decayed)
    {
      history->peak_kib = used_kib;
      history->peak_usec = now_usec;
      history->reached_usec = now_usec;
    }
  else if (decayed != history->peak_kib)
    {
      /* Keep the decayed figure, re-based at now, so that it keeps
       * decaying from there. */
      history->peak_kib = decayed;
      history->peak_usec = now_usec;
    }
  /* An onset: use jumped by JUMP from its low within the window. A jump
   * spread over longer is a ramp, which growth already follows. */
  if (now_usec - history->low_usec > (gint64) params->jump_window_sec * G_USEC_PER_SEC)
    {
      history->low_kib = history->last_used_kib;
      history->low_usec = history->last_usec;
    }
  if (history->in_spike && used_kib <= history->spike_base_kib + params->jump_kib / 2)
    history->in_spike = FALSE;
  if (used_kib <= history->low_kib)
    {
      history->low_kib = used_kib;
      history->low_usec = now_usec;
    }
  /* Samples in a row that rise at least as fast as a jump within the
   * window: a slower one ends them (a ramp, a baseline that creeps, a guest
   * that booted, is no start of a spike). */
  double rise_kib = (double) used_kib - (double) history->last_used_kib;
  double jump_pace_kib = (double) params->jump_kib * (double) (now_usec - history->last_usec)
                         / ((double) MAX (params->jump_window_sec, 1) * G_USEC_PER_SEC);
  if (rise_kib <= 0 || rise_kib < jump_pace_kib)
    history->rise_usec = 0;
  else if (history->rise_usec == 0)
    history->rise_usec = now_usec;
  if (used_kib >= history->low_kib + params->jump_kib && !history->in_spike)
    {
      /* The spike began where its rise did, so the next one is foreseen
       * from its start too: a guest that takes seconds to fill its spike
       * was grown that much late (e2e-periodic-spike's fills 600 MiB in
       * ~4 s, and a lead of 8 s fell to 2-5). Never before the low it rose
       * from. */
      gint64 onset_usec = history->rise_usec != 0 ? MAX (history->rise_usec, history->low_usec)
                                                  : now_usec;
      add_onset (history, onset_usec);
      history->in_spike = TRUE;
      history->spike_base_kib = history->low_kib;
    }
  history->last_used_kib = used_kib;
  history->last_usec = now_usec;
}

gint64
ballast_spike_history_period_usec (const BallastSpikeHistory *history)
{
  /* Two gaps that agree, at least: one gap is no evidence of a period (the
   * e2e squeeze's guests burst once at boot and once in their busy turn,
   * 15 s apart; read as a period, each kept its peak after its turn while
   * the next guest's burst was squeezed until its OOM killer ran). */
  if (history->n_onsets < 3)
    return 0;
  gint64 first = history->onsets_usec[0];
  gint64 last = history->onsets_usec[history->n_onsets - 1];
  gint64 mean = (last - first) / (history->n_onsets - 1);
  if (mean <= 0)
    return 0;
  for (guint i = 1; i < history->n_onsets; i++)
    {
      gint64 gap = history->onsets_usec[i] - history->onsets_usec[i - 1];
      if (gap < mean - mean / 5 || gap > mean + mean / 5)
        return 0;
    }
  return mean;
}

gboolean
ballast_spike_history_due (const BallastSpikeHistory *history, const BallastSpikeParams *params,
                           gint64 now_usec)
{
  /* Without a period nothing is held: holding every spike's headroom
   * until it decays keeps memory idle in guests that just had their turn
   * while the next one to burst is squeezed (the sim's bursty scenario
   * needed a 1.30x budget so, 1.15x without learning). */
  gint64 period = ballast_spike_history_period_usec (history);
  if (period == 0)
    return FALSE;
  gint64 last = history->onsets_usec[history->n_onsets - 1];
  gint64 next = last + period;
  /* Never more than half a period ahead: a lead as long as the period
   * would hold the headroom for good. */
  gint64 lead = MIN (MAX ((gint64) params->lead_sec * G_USEC_PER_SEC, period / 10), period / 2);
  /* Late by more than half a period: the pattern broke. */
  if (now_usec > next + period / 2)
    return FALSE;
  return now_usec >= next - lead;
}

void
ballast_spike_history_view (const BallastSpikeHistory *history, const BallastSpikeParams *params,
                            gint64 now_usec, guint64 *ret_peak_kib, guint64 *ret_age_sec,
                            gboolean *ret_due)
{
  *ret_peak_kib = 0;
  *ret_age_sec = 0;
  *ret_due = FALSE;
  if (!history->has_sample || params->half_life_sec == 0)
    return;
  *ret_peak_kib = ballast_spike_history_peak_kib (history, params, now_usec);
  *ret_age_sec = (guint64) MAX (now_usec - history->reached_usec, 0) / G_USEC_PER_SEC;
  *ret_due = ballast_spike_history_due (history, params, now_usec);
}
