/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What one guest's use did lately, kept to hold headroom for the spikes it
 * has shown: a peak that decays, and the onsets of its last jumps, from
 * which a period is read when they come regularly. Bounded (a few words
 * per guest) and a pure function of the samples fed in, so the allocator
 * stays one too. */

#define BALLAST_SPIKE_ONSETS 4

typedef struct {
  gboolean has_sample;
  guint64 peak_kib;             /* the highest use lately, decaying from PEAK_USEC */
  gint64 peak_usec;
  gint64 reached_usec;          /* when use last reached the peak */
  guint64 last_used_kib;
  gint64 last_usec;
  guint64 low_kib;              /* the lowest use within the jump window (or
                                 * since the last onset): a jump is measured
                                 * from it */
  gint64 low_usec;
  gboolean in_spike;            /* since an onset, until use is back near where
                                 * it rose from: one rise is one onset, however
                                 * many samples it spans */
  guint64 spike_base_kib;       /* where the current spike rose from */
  gint64 rise_usec;             /* the first of the samples in a row, each
                                 * rising at the pace of a jump within the
                                 * window or faster, that lead to this one; 0:
                                 * use did not rise so at the last sample. A
                                 * rise that takes several samples (a guest
                                 * filling its memory) began there, not where
                                 * it reached a jump */
  gint64 onsets_usec[BALLAST_SPIKE_ONSETS]; /* oldest first */
  guint n_onsets;
} BallastSpikeHistory;

typedef struct {
  guint half_life_sec;          /* the peak decays towards use by half in this */
  guint lead_sec;               /* a periodic spike is due this long before it */
  guint64 jump_kib;             /* a rise of at least this ... */
  guint jump_window_sec;        /* ... within this is a spike's onset */
} BallastSpikeParams;

/* Feed one sample: the guest uses USED_KIB at NOW_USEC (monotonic). A
 * sample earlier than the last is ignored. */
void ballast_spike_history_add (BallastSpikeHistory *history, const BallastSpikeParams *params,
                                guint64 used_kib, gint64 now_usec);

/* PEAK_KIB, reached at PEAK_USEC, decayed by NOW_USEC towards FLOOR_KIB
 * (the use now): by half each half-life. */
guint64 ballast_spike_decay_kib (guint64 peak_kib, gint64 peak_usec, guint64 floor_kib,
                                 const BallastSpikeParams *params, gint64 now_usec);

/* Take back what an earlier run learned (lib/run-state.h): a peak reached
 * at PEAK_USEC (0 KiB: none) and the onsets, oldest first, all on the
 * monotonic clock of this run. Onsets this run has seen already are kept
 * as the latest; the higher peak wins. */
void ballast_spike_history_restore (BallastSpikeHistory *history, guint64 peak_kib, gint64 peak_usec,
                                    const gint64 *onsets_usec, guint n_onsets);

/* The decayed peak at NOW_USEC. */
guint64 ballast_spike_history_peak_kib (const BallastSpikeHistory *history,
                                        const BallastSpikeParams *params, gint64 now_usec);

/* The period of its spikes, read from its last onsets: three or more, each
 * gap within a fifth of their mean; else 0. */
gint64 ballast_spike_history_period_usec (const BallastSpikeHistory *history);

/* Whether headroom for its next spike should be held at NOW_USEC: when
 * its spikes come at a period, from LEAD (or a tenth of the period, but at
 * most half of it) before the next one is due until it has come, or until
 * it is late by half a period (the pattern broke). Never without a
 * period. */
gboolean ballast_spike_history_due (const BallastSpikeHistory *history,
                                    const BallastSpikeParams *params, gint64 now_usec);

/* What the allocator is told (BallastGuestInput's spike_* fields) at
 * NOW_USEC: the decayed peak (0 when learning is off or nothing is
 * learned), how long ago use was there, and whether its headroom is to be
 * held now. */
void ballast_spike_history_view (const BallastSpikeHistory *history, const BallastSpikeParams *params,
                                 gint64 now_usec, guint64 *ret_peak_kib, guint64 *ret_age_sec,
                                 gboolean *ret_due);

G_END_DECLS
