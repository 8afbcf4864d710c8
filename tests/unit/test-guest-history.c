/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What one cycle carries to the next: rates between guest reports, counter
 * resets (reboots), staleness by our own clock, and balloons that do not
 * move towards their target. */
#include "guest-history.h"

#define SEC G_GINT64_CONSTANT (1000000)

static BallastBalloonStats
stats_at (gint64 last_update_sec, guint64 swap_in_kib, guint64 major_faults)
{
  return (BallastBalloonStats) {
    .present = BALLAST_STAT_ACTUAL | BALLAST_STAT_SWAP_IN | BALLAST_STAT_MAJOR_FAULT
               | BALLAST_STAT_USABLE | BALLAST_STAT_LAST_UPDATE,
    .actual_kib = 1048576,
    .usable_kib = 524288,
    .swap_in_kib = swap_in_kib,
    .major_faults = major_faults,
    .last_update_sec = last_update_sec,
  };
}

static void
test_first_sample_has_no_rate (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 5000, 70);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  g_assert_true (history.has_sample);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 0);
  g_assert_cmpuint (history.major_faults_per_sec, ==, 0);
}

static void
test_rate_over_the_guests_interval (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  /* The guest reported 5 s later; we looked 7 s later: its 5 s count. */
  stats = stats_at (1005, 10240, 500);
  ballast_guest_history_advance (&history, &stats, 0, 17 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 2048);
  g_assert_cmpuint (history.major_faults_per_sec, ==, 100);
}

static void
test_rate_kept_between_reports (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  stats = stats_at (1005, 5120, 0);
  ballast_guest_history_advance (&history, &stats, 0, 15 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 1024);
  /* Sampled again before the guest's next report: same numbers, and the
   * rate must not drop to zero. */
  ballast_guest_history_advance (&history, &stats, 0, 17 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 1024);
}

static void
test_counter_reset_is_not_a_huge_rate (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 900000, 90000);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  /* The guest rebooted: counters start again from small numbers. */
  stats = stats_at (1005, 100, 3);
  ballast_guest_history_advance (&history, &stats, 0, 15 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 0);
  g_assert_cmpuint (history.major_faults_per_sec, ==, 0);
  g_assert_cmpuint (history.counter_resets, ==, 1);
  /* And the next interval is measured from the new values. */
  stats = stats_at (1010, 5220, 3);
  ballast_guest_history_advance (&history, &stats, 0, 20 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, 1024);
}

static void
test_absurd_counters_do_not_overflow (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  stats = stats_at (1001, G_MAXUINT64, G_MAXUINT64);
  ballast_guest_history_advance (&history, &stats, 0, 11 * SEC);
  g_assert_cmpuint (history.swap_in_kib_per_sec, ==, G_MAXUINT64 / (guint64) SEC * (guint64) SEC);
}

static void
test_stale_by_our_clock (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (627319920, 0, 0); /* libvirt test driver: fixed */
  ballast_guest_history_advance (&history, &stats, 0, 100 * SEC);
  g_assert_false (ballast_guest_history_is_stale (&history, 100 * SEC, 5));
  ballast_guest_history_advance (&history, &stats, 0, 114 * SEC);
  g_assert_false (ballast_guest_history_is_stale (&history, 114 * SEC, 5));
  ballast_guest_history_advance (&history, &stats, 0, 116 * SEC);
  g_assert_true (ballast_guest_history_is_stale (&history, 116 * SEC, 5));
  /* A report brings it back. */
  stats.last_update_sec++;
  ballast_guest_history_advance (&history, &stats, 0, 117 * SEC);
  g_assert_false (ballast_guest_history_is_stale (&history, 117 * SEC, 5));
  /* Without a stats period there is no expectation. */
  g_assert_false (ballast_guest_history_is_stale (&history, 1000 * SEC, 0));
}

static void
test_balloon_not_moving (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  /* Target 512 MiB, the balloon stays at 1 GiB. */
  for (guint i = 1; i <= 4; i++)
    {
      ballast_guest_history_track_target (&history, 10 * SEC, 1048576, 524288, 16384);
      g_assert_cmpuint (history.cycles_not_moving, ==, i);
    }
  /* It moves towards the target: trusted again. */
  ballast_guest_history_track_target (&history, 10 * SEC, 900000, 524288, 16384);
  g_assert_cmpuint (history.cycles_not_moving, ==, 0);
  /* Within tolerance of the target counts as there. */
  ballast_guest_history_track_target (&history, 10 * SEC, 530000, 524288, 16384);
  ballast_guest_history_track_target (&history, 10 * SEC, 530000, 524288, 16384);
  g_assert_cmpuint (history.cycles_not_moving, ==, 0);
}

/* Stuck takes six still cycles and the time six regular cycles take:
 * cycles started at once by memory pressure do not make a slow balloon
 * stuck. */
static void
test_balloon_stuck_takes_time (void)
{
  BallastGuestHistory history = { 0 };
  history.last_actual_kib = 1048576;
  /* Six still cycles in 1.25 s (pressure), interval 1 s: not yet. */
  for (gint64 i = 0; i < 6; i++)
    ballast_guest_history_track_target (&history, 100 * SEC + i * SEC / 4, 1048576, 524288, 16384);
  g_assert_cmpuint (history.cycles_not_moving, ==, 6);
  g_assert_cmpint (history.still_since_usec, ==, 100 * SEC);
  g_assert_false (ballast_guest_history_balloon_stuck (&history, 6, 1000, 100 * SEC + 5 * SEC / 4));
  g_assert_false (ballast_guest_history_balloon_stuck (&history, 6, 1000, 104 * SEC));
  /* Still 5 s after the first still cycle: stuck. */
  g_assert_true (ballast_guest_history_balloon_stuck (&history, 6, 1000, 105 * SEC));
  /* Regular cycles: the sixth is the one. */
  BallastGuestHistory regular = { 0 };
  regular.last_actual_kib = 1048576;
  for (gint64 i = 0; i < 5; i++)
    ballast_guest_history_track_target (&regular, i * 5 * SEC, 1048576, 524288, 16384);
  g_assert_false (ballast_guest_history_balloon_stuck (&regular, 6, 5000, 20 * SEC));
  ballast_guest_history_track_target (&regular, 25 * SEC, 1048576, 524288, 16384);
  g_assert_true (ballast_guest_history_balloon_stuck (&regular, 6, 5000, 25 * SEC));
  /* Moving again starts afresh. */
  ballast_guest_history_track_target (&regular, 30 * SEC, 1000000, 524288, 16384);
  g_assert_cmpuint (regular.cycles_not_moving, ==, 0);
  g_assert_cmpint (regular.still_since_usec, ==, 0);
  g_assert_false (ballast_guest_history_balloon_stuck (&regular, 6, 5000, 60 * SEC));
}

/* Growth of used memory (MemTotal - MemAvailable) between the guest's
 * reports; not measured across a report where the balloon was inflated,
 * since that changes the difference by itself; across a deflation only a
 * rise is read. */
static void
test_used_growth (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  stats.present |= BALLAST_STAT_AVAILABLE;
  stats.available_kib = 524288;           /* MemTotal 512 MiB */
  stats.usable_kib = 450560;              /* used 72 MiB */
  ballast_guest_history_advance (&history, &stats, 0, 10 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 0);

  /* 2 s later, 20 MiB more used: 10 MiB/s. */
  stats.last_update_sec = 1002;
  stats.usable_kib -= 20480;
  ballast_guest_history_advance (&history, &stats, 0, 12 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 10240);

  /* The balloon took 250 MiB and "used" jumped by 64 MiB with it: no
   * growth is read from that report; the last measured one stands. */
  stats.last_update_sec = 1003;
  stats.available_kib -= 256000;
  stats.usable_kib = stats.available_kib - (92 + 64) * 1024;
  ballast_guest_history_advance (&history, &stats, 0, 13 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 10240);

  /* Nor from the report after it, where MemAvailable still falls in the
   * balloon's wake (idle guests read as growing fast, e2e squeeze). */
  stats.last_update_sec = 1004;
  stats.usable_kib -= 40960;
  ballast_guest_history_advance (&history, &stats, 0, 14 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 10240);

  /* The next report measures from there again. */
  stats.last_update_sec = 1005;
  stats.usable_kib -= 4096;
  ballast_guest_history_advance (&history, &stats, 0, 15 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 4096);

  /* A fall is no growth. */
  stats.last_update_sec = 1006;
  stats.usable_kib += 40960;
  ballast_guest_history_advance (&history, &stats, 0, 16 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 0);

  /* A guest given 128 MiB while it grew 30 MiB in 2 s (a burst that is
   * grown every cycle): the rise is read. */
  stats.last_update_sec = 1008;
  guint64 used = stats.available_kib - stats.usable_kib;
  stats.available_kib += 131072;
  stats.usable_kib = stats.available_kib - (used + 30720);
  ballast_guest_history_advance (&history, &stats, 0, 18 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 15360);

  /* But a fall across a deflation leaves the figure as it was. */
  stats.last_update_sec = 1009;
  stats.available_kib += 131072;
  stats.usable_kib = stats.available_kib - used;
  ballast_guest_history_advance (&history, &stats, 0, 19 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 15360);
}

/* The guest allocates an inflating balloon's pages before its MemTotal
 * shows them: a report taken while the balloon is still above its target
 * is no measure of growth (a real guest: "used" up 64 MiB, MemTotal 1 MiB
 * down), nor is the one after the balloon got there. A balloon above its
 * target that grew (deflated on OOM) is not inflating. */
static void
test_used_growth_while_inflating (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats stats = stats_at (1000, 0, 0);
  stats.present |= BALLAST_STAT_AVAILABLE;
  stats.actual_kib = 524288;
  stats.available_kib = 481296;
  stats.usable_kib = 450876;
  ballast_guest_history_advance (&history, &stats, 524288, 10 * SEC);
  ballast_guest_history_track_target (&history, 10 * SEC, stats.actual_kib, 524288, 16384);

  /* Asked for 256 MiB: the report shows 1 MiB gone and 64 MiB more used. */
  stats.last_update_sec = 1001;
  stats.actual_kib = 523264;
  stats.available_kib = 480272;
  stats.usable_kib = 386160;
  ballast_guest_history_advance (&history, &stats, 262144, 11 * SEC);
  ballast_guest_history_track_target (&history, 10 * SEC, stats.actual_kib, 262144, 16384);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 0);

  /* At its target, MemTotal down with it: an inflated report. */
  stats.last_update_sec = 1002;
  stats.actual_kib = 262144;
  stats.available_kib = 219152;
  stats.usable_kib = 125016;
  ballast_guest_history_advance (&history, &stats, 262144, 12 * SEC);
  ballast_guest_history_track_target (&history, 10 * SEC, stats.actual_kib, 262144, 16384);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 0);

  /* The next report, settled, still in its wake; the one after counts. */
  stats.last_update_sec = 1003;
  stats.usable_kib -= 8192;
  ballast_guest_history_advance (&history, &stats, 262144, 13 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 0);
  stats.last_update_sec = 1004;
  stats.usable_kib -= 4096;
  ballast_guest_history_advance (&history, &stats, 262144, 14 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 4096);

  /* Deflated on OOM above its target: the rise is read. */
  stats.last_update_sec = 1005;
  stats.actual_kib = 393216;
  stats.available_kib += 131072;
  stats.usable_kib = stats.available_kib - (219152 - 125016 + 12288 + 20480);
  ballast_guest_history_advance (&history, &stats, 262144, 15 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 20480);
}

/* A driver with partial figures has its growth read from its stand-ins:
 * virtio-win's free memory against its total; without a total, against
 * the balloon size, where an inflation shows too. */
static void
test_used_growth_partial (void)
{
  BallastGuestHistory history = { 0 };
  BallastBalloonStats windows = {
    .present = BALLAST_STAT_ACTUAL | BALLAST_STAT_UNUSED | BALLAST_STAT_AVAILABLE
               | BALLAST_STAT_LAST_UPDATE,
    .actual_kib = 4194304, .available_kib = 4193780, .unused_kib = 2751724,
    .last_update_sec = 1000,
  };
  ballast_guest_history_advance (&history, &windows, 0, 10 * SEC);
  windows.last_update_sec = 1002;
  windows.unused_kib -= 40960; /* 40 MiB more used in 2 s */
  ballast_guest_history_advance (&history, &windows, 0, 12 * SEC);
  g_assert_cmpuint (history.used_growth_kib_per_sec, ==, 20480);

  BallastGuestHistory no_total_history = { 0 };
  BallastBalloonStats no_total = {
    .present = BALLAST_STAT_ACTUAL | BALLAST_STAT_USABLE | BALLAST_STAT_LAST_UPDATE,
    .actual_kib = 1048576, .usable_kib = 524288, .last_update_sec = 1000,
  };
  ballast_guest_history_advance (&no_total_history, &no_total, 0, 10 * SEC);
  no_total.last_update_sec = 1001;
  no_total.usable_kib -= 10240;
  ballast_guest_history_advance (&no_total_history, &no_total, 0, 11 * SEC);
  g_assert_cmpuint (no_total_history.used_growth_kib_per_sec, ==, 10240);
  /* Inflated by 256 MiB: usable falls with it, and is no growth. */
  no_total.last_update_sec = 1002;
  no_total.actual_kib -= 262144;
  no_total.usable_kib -= 262144 + 51200;
  ballast_guest_history_advance (&no_total_history, &no_total, 0, 12 * SEC);
  g_assert_cmpuint (no_total_history.used_growth_kib_per_sec, ==, 10240);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/history/first-sample", test_first_sample_has_no_rate);
  g_test_add_func ("/history/rate-over-guest-interval", test_rate_over_the_guests_interval);
  g_test_add_func ("/history/rate-kept-between-reports", test_rate_kept_between_reports);
  g_test_add_func ("/history/counter-reset", test_counter_reset_is_not_a_huge_rate);
  g_test_add_func ("/history/absurd-counters", test_absurd_counters_do_not_overflow);
  g_test_add_func ("/history/stale-by-our-clock", test_stale_by_our_clock);
  g_test_add_func ("/history/balloon-not-moving", test_balloon_not_moving);
  g_test_add_func ("/history/balloon-stuck-takes-time", test_balloon_stuck_takes_time);
  g_test_add_func ("/history/used-growth", test_used_growth);
  g_test_add_func ("/history/used-growth-while-inflating", test_used_growth_while_inflating);
  g_test_add_func ("/history/used-growth-partial", test_used_growth_partial);
  return g_test_run ();
}
