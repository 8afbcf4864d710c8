/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "guest-history.h"

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)
/* The guest's MemTotal moving more than this between two reports means
 * its balloon moved (a page or two of kernel bookkeeping is noise). */
#define BALLOON_MOVED_KIB 1024

guint64
ballast_counter_rate (guint64 old_value, guint64 new_value, gint64 elapsed_usec, gboolean *ret_reset)
{
  if (new_value < old_value)
    {
      *ret_reset = TRUE;
      return 0;
    }
  if (elapsed_usec <= 0)
    return 0;
  guint64 delta = new_value - old_value;
  /* delta * 1e6 / elapsed, without overflowing for absurd deltas. */
  if (delta > G_MAXUINT64 / USEC_PER_SEC)
    return delta / (guint64) elapsed_usec * USEC_PER_SEC;
  return delta * USEC_PER_SEC / (guint64) elapsed_usec;
}

/* What the guest uses, by its report: total less what it could give up
 * (with the stand-ins of ballast_balloon_stats_partial_reason() for a
 * driver that reports less). */
static guint64
reported_used_kib (const BallastBalloonStats *stats)
{
  if (!ballast_balloon_stats_has_guest_view (stats))
    return 0;
  guint64 total = ballast_balloon_stats_total_kib (stats);
  guint64 usable = ballast_balloon_stats_usable_kib (stats);
  return total > usable ? total - usable : 0;
}

void
ballast_guest_history_advance (BallastGuestHistory *history, const BallastBalloonStats *stats,
                               guint64 target_kib, gint64 now_usec)
{
  gboolean has_last_update = (stats->present & BALLAST_STAT_LAST_UPDATE) != 0;

  if (!history->has_sample)
    {
      history->has_sample = TRUE;
      history->sampled_usec = now_usec;
      history->swap_in_kib = stats->swap_in_kib;
      history->major_faults = stats->major_faults;
      history->last_update_sec = stats->last_update_sec;
      history->last_update_changed_usec = now_usec;
      history->last_actual_kib = stats->actual_kib;
      history->used_kib = reported_used_kib (stats);
      history->reported_total_kib = ballast_balloon_stats_total_kib (stats);
      return;
    }

  gboolean guest_reported = has_last_update
                              ? stats->last_update_sec != history->last_update_sec
                              : TRUE;
  if (guest_reported)
    {
      /* The guest's own interval when it tells us; ours otherwise. */
      gint64 elapsed_usec = now_usec - history->sampled_usec;
      /* Both are >= 0, so the difference cannot overflow; its product can
       * (a last-update near the end of time): saturate it. */
      gint64 reported_sec = stats->last_update_sec - history->last_update_sec;
      if (has_last_update && reported_sec > 0)
        elapsed_usec = reported_sec > G_MAXINT64 / USEC_PER_SEC ? G_MAXINT64
                                                                 : reported_sec * USEC_PER_SEC;
      gboolean reset = FALSE;
      history->swap_in_kib_per_sec = ballast_counter_rate (history->swap_in_kib, stats->swap_in_kib,
                                                   elapsed_usec, &reset);
      history->major_faults_per_sec = ballast_counter_rate (history->major_faults, stats->major_faults,
                                                    elapsed_usec, &reset);
      if (has_last_update && stats->last_update_sec < history->last_update_sec)
        reset = TRUE;
      if (reset)
        history->counter_resets++;
      /* Growth of what the guest uses, from its own figures. A fall is
       * not negative growth: it just ends it. Nor is a balloon that moved
       * in between (the guest's MemTotal changed) a measure of growth: an
       * inflating balloon drops page cache and leaves the kernel's
       * reserves, so MemTotal - MemAvailable jumps by tens of MiB that the
       * workload never asked for (seen on real guests: 72 -> 136 MiB in
       * one report when a 512 MiB guest was taken to 262 MiB): the
       * growth measured before it stands until the next report. A balloon
       * that gave the guest memory is different: a guest grown every
       * cycle (a burst) would never have its growth read, so a rise
       * across a deflation counts; a fall there leaves the figure. The
       * report after an inflation is no measure either: MemAvailable goes
       * on falling once MemTotal has stopped (the e2e squeeze read idle
       * guests, just shrunk by 550 MiB in steps, as "growing fast" from
       * that report, gave them 320 MiB each, and starved a guest whose
       * burst began then until its OOM killer ran). Nor is a report taken
       * while the balloon is still above a smaller target: the guest
       * allocates the balloon's pages before its MemTotal shows them (seen
       * on real guests: "used" up 64 MiB while MemTotal had moved 1 MiB,
       * read as growing fast and grown straight back, e2e on-exit). A
       * balloon above its target that grew since the last look is no
       * inflation: the guest deflated it on OOM, and the rise is read. */
      guint64 used = reported_used_kib (stats);
      guint64 total = ballast_balloon_stats_total_kib (stats);
      gboolean inflating = target_kib > 0 && (stats->present & BALLAST_STAT_ACTUAL)
                           && stats->actual_kib > target_kib + BALLOON_MOVED_KIB
                           && stats->actual_kib <= history->last_actual_kib;
      gboolean inflated = inflating || history->reported_total_kib > total + BALLOON_MOVED_KIB;
      gboolean deflated = total > history->reported_total_kib + BALLOON_MOVED_KIB;
      gboolean fell = FALSE;
      if (!inflated && !history->inflated_last_report && !(deflated && used <= history->used_kib))
        history->used_growth_kib_per_sec = ballast_counter_rate (history->used_kib, used, elapsed_usec, &fell);
      history->inflated_last_report = inflated;
      history->used_kib = used;
      history->reported_total_kib = ballast_balloon_stats_total_kib (stats);
      history->sampled_usec = now_usec;
      history->swap_in_kib = stats->swap_in_kib;
      history->major_faults = stats->major_faults;
      history->last_update_sec = stats->last_update_sec;
      history->last_update_changed_usec = now_usec;
    }
}

gboolean
ballast_guest_history_is_stale (const BallastGuestHistory *history, gint64 now_usec,
                                guint stats_period_sec)
{
  if (!history->has_sample || stats_period_sec == 0)
    return FALSE;
  return now_usec - history->last_update_changed_usec
         > 3 * (gint64) stats_period_sec * USEC_PER_SEC;
}

gboolean
ballast_guest_history_track_target (BallastGuestHistory *history, gint64 now_usec, guint64 actual_kib,
                                    guint64 target_kib, guint64 tolerance_kib)
{
  guint64 distance = actual_kib > target_kib ? actual_kib - target_kib : target_kib - actual_kib;
  guint64 previous = history->last_actual_kib > target_kib
                       ? history->last_actual_kib - target_kib
                       : target_kib - history->last_actual_kib;
  if (distance <= tolerance_kib || distance < previous)
    {
      history->cycles_not_moving = 0;
      history->still_since_usec = 0;
    }
  else if (history->cycles_not_moving++ == 0)
    history->still_since_usec = now_usec;
  history->last_actual_kib = actual_kib;
  return distance < previous;
}

gboolean
ballast_guest_history_balloon_stuck (const BallastGuestHistory *history, guint cycles,
                                     guint interval_msec, gint64 now_usec)
{
  if (cycles == 0 || history->cycles_not_moving < cycles)
    return FALSE;
  /* The first still cycle opens the stretch: CYCLES regular cycles span
   * CYCLES - 1 intervals. */
  return now_usec - history->still_since_usec >= (gint64) (cycles - 1) * interval_msec * 1000;
}
