/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "balloon-stats.h"

G_BEGIN_DECLS

/* What one guest's past cycles leave for the next: previous counters and the
 * rates derived from them. Each cycle takes a fresh stats snapshot; this is
 * the only state carried over, and ballast_guest_history_advance() is the
 * only function that carries it. */
typedef struct {
  gboolean has_sample;
  gint64 sampled_usec;              /* monotonic time of the previous sample */
  guint64 swap_in_kib;              /* previous cumulative counters */
  guint64 major_faults;
  gint64 last_update_sec;           /* previous balloon.last-update */
  gint64 last_update_changed_usec;  /* monotonic time last-update last moved */
  guint64 swap_in_kib_per_sec;      /* rates over the last guest report interval */
  guint64 major_faults_per_sec;
  guint counter_resets;             /* counters that went backwards (reboots) */
  guint64 used_kib;                 /* guest-reported used (MemTotal - MemAvailable) */
  guint64 used_growth_kib_per_sec;  /* its growth between the last two reports; 0 when shrinking
                                     * or when the balloon moved between them */
  guint64 reported_total_kib;       /* guest-reported MemTotal with used_kib (or its
                                     * stand-in: ballast_balloon_stats_total_kib()) */
  guint64 last_actual_kib;          /* balloon size at the previous sample */
  guint cycles_not_moving;          /* cycles the balloon stayed away from its target */
  gint64 still_since_usec;          /* monotonic: the first of those cycles; 0: moving */
  gboolean inflated_last_report;    /* the balloon was inflated across the previous
                                     * report: this one still shows its aftermath */
} BallastGuestHistory;

/* Fold one new sample into HISTORY at monotonic time NOW_USEC.
 *
 * Rates are computed between guest reports (last-update advancing), not
 * between our cycles: the guest reports every stats period, and sampling it
 * more often than that would see alternating zero and double rates. A
 * counter that goes backwards means the guest rebooted: the rate for that
 * interval is unknown and taken as 0, never as a huge wrap-around.
 * TARGET_KIB is the balloon size the guest was asked for (0: none known);
 * a balloon above it is inflating, and growth is not read across that. */
void ballast_guest_history_advance (BallastGuestHistory *history,
                                    const BallastBalloonStats *stats, guint64 target_kib,
                                    gint64 now_usec);

/* TRUE when the guest's last-update has not moved for more than
 * 3 x STATS_PERIOD_SEC of our own clock. Judged by our monotonic clock, not
 * by comparing the guest's timestamp with ours: a wall-clock step or a
 * driver that reports a fixed timestamp would otherwise decide it. */
gboolean ballast_guest_history_is_stale (const BallastGuestHistory *history,
                                         gint64 now_usec, guint stats_period_sec);

/* Count cycles in which a balloon with a pending target (TARGET_KIB differs
 * from ACTUAL_KIB by more than TOLERANCE_KIB) did not move towards it, the
 * cycle at NOW_USEC included. Returns TRUE when it moved towards it since
 * the last call. */
gboolean ballast_guest_history_track_target (BallastGuestHistory *history, gint64 now_usec, guint64 actual_kib,
                                             guint64 target_kib, guint64 tolerance_kib);

/* Whether the balloon is stuck at NOW_USEC: it did not move towards its
 * target for CYCLES cycles, and for as long as CYCLES regular cycles of
 * INTERVAL_MSEC take (memory pressure starts cycles at once, and a balloon
 * inflating in a guest short of memory, seen six times in a second, is
 * slow, not stuck). */
gboolean ballast_guest_history_balloon_stuck (const BallastGuestHistory *history, guint cycles,
                                              guint interval_msec, gint64 now_usec);

/* Per-second rate of a counter that moved from OLD_VALUE to NEW_VALUE over
 * ELAPSED_USEC; a counter that went backwards counts as a reset (rate 0,
 * RET_RESET set). */
guint64 ballast_counter_rate (guint64 old_value, guint64 new_value, gint64 elapsed_usec,
                              gboolean *ret_reset);

G_END_DECLS
