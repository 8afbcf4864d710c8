/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "state-keeper.h"

#include "domain-registry.h"
#include "size-units.h"

#include <libvirt/virterror.h>

/* WALL_USEC (the metadata's clock) on this run's monotonic clock, given
 * both clocks now. A time ahead of ours (another host's clock, after a
 * migration) counts as now. */
static gint64
to_monotonic (gint64 wall_usec, gint64 now_usec, gint64 now_wall_usec)
{
  return now_usec - MAX (now_wall_usec - wall_usec, 0);
}

static gint64
to_wall (gint64 monotonic_usec, gint64 now_usec, gint64 now_wall_usec)
{
  return now_wall_usec - (now_usec - monotonic_usec);
}

static void
restore_spikes (BallastDomain *domain, const BallastRunState *state, gint64 now_usec,
                gint64 wall_usec)
{
  BallastKeptState *written = &domain->run_state.written;
  gint64 onsets[BALLAST_SPIKE_ONSETS];
  for (guint i = 0; i < state->n_spike_onsets; i++)
    onsets[i] = to_monotonic (state->spike_onsets_usec[i], now_usec, wall_usec);
  written->spike_peak_kib = state->spike_peak_kib;
  written->spike_peak_usec = to_monotonic (state->spike_peak_usec, now_usec, wall_usec);
  written->n_spike_onsets = state->n_spike_onsets;
  written->spike_last_onset_usec = state->n_spike_onsets > 0 ? onsets[state->n_spike_onsets - 1] : 0;
  ballast_spike_history_restore (&domain->observed.spikes, written->spike_peak_kib,
                                 written->spike_peak_usec, onsets, state->n_spike_onsets);
  g_autofree char *peak = ballast_size_format_kib (state->spike_peak_kib);
  g_message ("%s: spiked %u times before this start of ballastd, the last %" G_GINT64_FORMAT
             " s ago, peak %s (from its run state metadata)",
             domain->name, state->n_spike_onsets,
             (now_usec - written->spike_last_onset_usec) / G_USEC_PER_SEC, peak);
}

void
ballast_state_keeper_restore (BallastDomain *domain, gint64 now_usec, gint64 wall_usec)
{
  BallastStateRecord *record = &domain->run_state;
  const BallastDomainConfig *config = domain->observed.config;
  if (record->restored || config == NULL || !domain->active)
    return;
  record->restored = TRUE;
  if (config->run_state_xml == NULL)
    return;
  /* Whatever is there and not taken is rewritten (or removed) by the
   * first write. */
  record->written_unknown = TRUE;
  if (config->run_state_in_definition)
    {
      g_warning ("%s: ignoring its run state metadata, its loan clock and spikes start afresh: "
                 "its persistent definition has it too (copied from a live definition?), so it "
                 "cannot be told from one of an earlier run; remove that copy with 'virsh "
                 "metadata %s " BALLAST_RUN_STATE_NS " --config --remove'",
                 domain->name, domain->name);
      return;
    }
  g_autoptr(GError) error = NULL;
  BallastRunState state = { 0 };
  if (!ballast_run_state_parse (config->run_state_xml, &state, &error))
    {
      g_warning ("%s: ignoring its run state metadata, its loan clock and spikes start afresh: %s",
                 domain->name, error->message);
      return;
    }
  record->written_unknown = FALSE;
  if (state.over_fair_share)
    {
      record->loan = (BallastLoanClock) {
        .over = TRUE,
        .since_usec = to_monotonic (state.over_fair_share_since_usec, now_usec, wall_usec),
      };
      g_message ("%s: used more than its fair share for %" G_GINT64_FORMAT " s before this "
                 "start of ballastd (from its run state metadata)",
                 domain->name, (now_usec - record->loan.since_usec) / G_USEC_PER_SEC);
    }
  record->written.loan = record->loan;
  if (state.n_spike_onsets > 0)
    restore_spikes (domain, &state, now_usec, wall_usec);
}

/* What DOMAIN's metadata should say now. Spikes are kept once there was
 * one (their peak alone holds nothing: lib/spike-history.h). */
static BallastKeptState
wanted_state (const BallastDomain *domain, const BallastSpikeParams *params, gint64 now_usec)
{
  const BallastStateRecord *record = &domain->run_state;
  const BallastSpikeHistory *spikes = &domain->observed.spikes;
  BallastKeptState want = { .loan = record->loan };
  if (!want.loan.over)
    want.loan.since_usec = 0;
  if (params->half_life_sec == 0 || spikes->n_onsets == 0)
    return want;
  want.n_spike_onsets = spikes->n_onsets;
  want.spike_last_onset_usec = spikes->onsets_usec[spikes->n_onsets - 1];
  const BallastKeptState *written = &record->written;
  guint64 written_now = ballast_spike_decay_kib (written->spike_peak_kib, written->spike_peak_usec,
                                                 spikes->last_used_kib, params, now_usec);
  gboolean onsets_moved = want.n_spike_onsets != written->n_spike_onsets
                          || want.spike_last_onset_usec != written->spike_last_onset_usec;
  gboolean higher = spikes->has_sample && spikes->peak_kib > written_now + params->jump_kib / 2;
  if (onsets_moved || higher)
    {
      want.spike_peak_kib = spikes->peak_kib;
      want.spike_peak_usec = spikes->peak_usec;
    }
  else
    {
      want.spike_peak_kib = written->spike_peak_kib;
      want.spike_peak_usec = written->spike_peak_usec;
    }
  return want;
}

static gboolean
kept_state_equal (const BallastKeptState *a, const BallastKeptState *b)
{
  return a->loan.over == b->loan.over && a->loan.since_usec == b->loan.since_usec
         && a->spike_peak_kib == b->spike_peak_kib && a->spike_peak_usec == b->spike_peak_usec
         && a->n_spike_onsets == b->n_spike_onsets
         && a->spike_last_onset_usec == b->spike_last_onset_usec;
}

BallastApplyItem *
ballast_state_keeper_write (BallastDomain *domain, const BallastSpikeParams *params,
                            gint64 now_usec, gint64 wall_usec)
{
  BallastStateRecord *record = &domain->run_state;
  BallastKeptState want = wanted_state (domain, params, now_usec);
  if (!record->written_unknown && kept_state_equal (&want, &record->written))
    return NULL;
  const BallastSpikeHistory *spikes = &domain->observed.spikes;
  BallastRunState state = {
    .over_fair_share = want.loan.over,
    .over_fair_share_since_usec = to_wall (want.loan.since_usec, now_usec, wall_usec),
    .spike_peak_kib = want.spike_peak_kib,
    .spike_peak_usec = to_wall (want.spike_peak_usec, now_usec, wall_usec),
    .n_spike_onsets = want.n_spike_onsets,
  };
  for (guint i = 0; i < want.n_spike_onsets; i++)
    state.spike_onsets_usec[i] = to_wall (spikes->onsets_usec[i], now_usec, wall_usec);
  g_autofree char *xml = ballast_run_state_format (&state);
  record->pending = want;
  return ballast_apply_item_new_run_state (domain->domain, domain->uuid, xml, ++record->pending_seq);
}

gboolean
ballast_state_keeper_written (BallastDomain *domain, const BallastApplyItem *item)
{
  BallastStateRecord *record = &domain->run_state;
  switch (item->outcome)
    {
    case BALLAST_APPLY_OK:
      /* An older write that came back late says less than the last one. */
      if (item->run_state_seq == record->pending_seq)
        {
          record->written = record->pending;
          record->written_unknown = FALSE;
        }
      g_clear_pointer (&record->error, g_free);
      return TRUE;
    case BALLAST_APPLY_GONE:
      /* Stopped: its live metadata went with the run. */
      return TRUE;
    case BALLAST_APPLY_FAILED:
    default:
      if (item->error_code == VIR_ERR_NO_SUPPORT || item->error_code == VIR_ERR_ARGUMENT_UNSUPPORTED)
        {
          g_warning ("cannot keep loan clocks and spikes in the domains' metadata (%s): a "
                     "restart of ballastd will start them afresh", item->error);
          return FALSE;
        }
      /* Tried again next cycle; said once per reason. */
      if (g_strcmp0 (record->error, item->error) != 0)
        g_warning ("%s: cannot write its run state metadata: %s", domain->name, item->error);
      g_free (record->error);
      record->error = g_strdup (item->error);
      return TRUE;
    }
}

void
ballast_state_keeper_forget_run (BallastDomain *domain)
{
  BallastStateRecord *record = &domain->run_state;
  /* The write numbers go on: a write of the last run coming back must not
   * be taken for one of this run. */
  guint64 seq = record->pending_seq;
  char *error = g_steal_pointer (&record->error);
  *record = (BallastStateRecord) { .pending_seq = seq, .error = error };
}
