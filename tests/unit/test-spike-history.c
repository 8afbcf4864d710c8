/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a guest's use did lately: the decaying peak, one onset per rise,
 * the period read from regular onsets, when a spike is due, bounded size,
 * and samples that go back in time or jump to absurd sizes. */
#include "spike-history.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

static const BallastSpikeParams params = {
  .half_life_sec = 600, .lead_sec = 60, .jump_kib = 256 * MIB, .jump_window_sec = 30,
};

static void
test_peak_decays (void)
{
  BallastSpikeHistory h = { 0 };
  ballast_spike_history_add (&h, &params, 1 * GIB, 0);
  ballast_spike_history_add (&h, &params, 3 * GIB, 10 * SEC);
  ballast_spike_history_add (&h, &params, 1 * GIB, 100 * SEC);
  /* 2 GiB above use, halved every 600 s from when it was reached. */
  g_assert_cmpuint (ballast_spike_history_peak_kib (&h, &params, 10 * SEC), ==, 3 * GIB);
  guint64 after_half_life = ballast_spike_history_peak_kib (&h, &params, 610 * SEC);
  g_assert_cmpuint (after_half_life, >=, 2 * GIB - 2 * MIB);
  g_assert_cmpuint (after_half_life, <=, 2 * GIB + 2 * MIB);
  /* Sampled along the way, it decays the same (re-based at each sample). */
  for (gint64 t = 110; t <= 610; t += 10)
    ballast_spike_history_add (&h, &params, 1 * GIB, t * SEC);
  guint64 sampled = ballast_spike_history_peak_kib (&h, &params, 610 * SEC);
  g_assert_cmpuint (sampled, >=, 2 * GIB - 8 * MIB);
  g_assert_cmpuint (sampled, <=, 2 * GIB + 8 * MIB);

  guint64 peak, age;
  gboolean due;
  ballast_spike_history_view (&h, &params, 610 * SEC, &peak, &age, &due);
  g_assert_cmpuint (peak, ==, sampled);
  g_assert_cmpuint (age, ==, 600);
  g_assert_false (due); /* one spike: no period, nothing due */

  /* Learning off: the allocator is told nothing. */
  BallastSpikeParams off = params;
  off.half_life_sec = 0;
  ballast_spike_history_view (&h, &off, 610 * SEC, &peak, &age, &due);
  g_assert_cmpuint (peak, ==, 0);
  g_assert_false (due);
}

/* A rise over several samples is one onset; a slow ramp none. */
static void
test_one_onset_per_rise (void)
{
  BallastSpikeHistory h = { 0 };
  ballast_spike_history_add (&h, &params, 1 * GIB, 0);
  /* 1 -> 3.2 GiB over 60 s, sampled every 10 s. */
  for (gint64 t = 10; t <= 60; t += 10)
    ballast_spike_history_add (&h, &params, 1 * GIB + (guint64) t * 2200 * MIB / 60, t * SEC);
  g_assert_cmpuint (h.n_onsets, ==, 1);
  /* It stays up, then comes down: still one. */
  for (gint64 t = 70; t <= 240; t += 10)
    ballast_spike_history_add (&h, &params, t < 200 ? 3200 * MIB : 1 * GIB, t * SEC);
  g_assert_cmpuint (h.n_onsets, ==, 1);

  /* 3 GiB over 20 minutes: a ramp, which growth follows, not a spike. */
  BallastSpikeHistory ramp = { 0 };
  for (gint64 t = 0; t <= 1200; t += 10)
    ballast_spike_history_add (&ramp, &params, 1 * GIB + (guint64) t * 3 * GIB / 1200, t * SEC);
  g_assert_cmpuint (ramp.n_onsets, ==, 0);
}

/* A rise that takes several samples (a guest filling its spike at
 * 100 MiB/s, sampled each second) is timed from where it began, not from
 * the sample where it reached a jump: the next one is foreseen from its
 * start. A one-step rise is timed at its sample. */
static void
test_onset_at_start_of_rise (void)
{
  BallastSpikeHistory h = { 0 };
  for (gint64 t = 0; t <= 100; t++)
    ballast_spike_history_add (&h, &params, 1 * GIB + (t % 2) * 16 * MIB, t * SEC);
  for (gint64 t = 101; t <= 110; t++)
    ballast_spike_history_add (&h, &params, 1 * GIB + (guint64) (t - 100) * 100 * MIB, t * SEC);
  g_assert_cmpuint (h.n_onsets, ==, 1);
  g_assert_cmpint (h.onsets_usec[0], ==, 101 * SEC); /* reached 256 MiB up at 103 s */

  /* A baseline that crept up before (a guest booting) is no start. */
  BallastSpikeHistory creep = { 0 };
  for (gint64 t = 0; t <= 20; t++)
    ballast_spike_history_add (&creep, &params, 1 * GIB + (t >= 5) * 60 * MIB + (t >= 15) * 20 * MIB,
                               t * SEC);
  for (gint64 t = 21; t <= 30; t++)
    ballast_spike_history_add (&creep, &params, 1 * GIB + (guint64) (t - 19) * 100 * MIB, t * SEC);
  g_assert_cmpuint (creep.n_onsets, ==, 1);
  g_assert_cmpint (creep.onsets_usec[0], ==, 21 * SEC);

  BallastSpikeHistory step = { 0 };
  ballast_spike_history_add (&step, &params, 1 * GIB, 0);
  ballast_spike_history_add (&step, &params, 1 * GIB, 10 * SEC);
  ballast_spike_history_add (&step, &params, 2 * GIB, 20 * SEC);
  g_assert_cmpuint (step.n_onsets, ==, 1);
  g_assert_cmpint (step.onsets_usec[0], ==, 20 * SEC);
}

static void
spike_at (BallastSpikeHistory *h, gint64 start_sec, guint64 height_kib)
{
  ballast_spike_history_add (h, &params, 1 * GIB, (start_sec - 10) * SEC);
  ballast_spike_history_add (h, &params, 1 * GIB + height_kib, start_sec * SEC);
  ballast_spike_history_add (h, &params, 1 * GIB + height_kib, (start_sec + 60) * SEC);
  ballast_spike_history_add (h, &params, 1 * GIB, (start_sec + 90) * SEC);
}

/* Regular onsets give a period; the next spike is due from the lead (or a
 * tenth of the period) before it until it comes; late by half a period,
 * the pattern broke and nothing is due. */
static void
test_period_and_due (void)
{
  BallastSpikeHistory h = { 0 };
  spike_at (&h, 900, 1536 * MIB);
  spike_at (&h, 1800, 1536 * MIB);
  g_assert_cmpint (ballast_spike_history_period_usec (&h), ==, 0); /* one gap: no evidence */
  spike_at (&h, 2700, 1536 * MIB);
  g_assert_cmpint (ballast_spike_history_period_usec (&h), ==, 900 * SEC);
  /* Next at 3600; lead max(60 s, 90 s). */
  g_assert_false (ballast_spike_history_due (&h, &params, 3000 * SEC));
  g_assert_false (ballast_spike_history_due (&h, &params, 3509 * SEC));
  g_assert_true (ballast_spike_history_due (&h, &params, 3510 * SEC));
  g_assert_true (ballast_spike_history_due (&h, &params, 3700 * SEC));  /* late a little */
  g_assert_false (ballast_spike_history_due (&h, &params, 4060 * SEC)); /* late by half a period */

  /* Irregular onsets: no period. */
  BallastSpikeHistory irregular = { 0 };
  spike_at (&irregular, 900, 1 * GIB);
  spike_at (&irregular, 1300, 1 * GIB);
  spike_at (&irregular, 2700, 1 * GIB);
  g_assert_cmpint (ballast_spike_history_period_usec (&irregular), ==, 0);
  g_assert_false (ballast_spike_history_due (&irregular, &params, 3000 * SEC));

  /* A short period: the lead is cut to half of it, so the headroom is not
   * held for good (the lead here is 60 s, the period 40 s). */
  BallastSpikeHistory fast = { 0 };
  for (gint64 t = 95; t <= 195; t += 5)
    ballast_spike_history_add (&fast, &params, (t - 100) % 40 < 10 && t >= 100 ? 1536 * MIB : 1 * GIB,
                               t * SEC);
  g_assert_cmpint (ballast_spike_history_period_usec (&fast), ==, 40 * SEC);
  g_assert_false (ballast_spike_history_due (&fast, &params, 199 * SEC)); /* next 220, lead 20 */
  g_assert_true (ballast_spike_history_due (&fast, &params, 200 * SEC));
}

/* What an earlier run kept (lib/run-state.h) comes back: with three
 * onsets restored the period is known before the next spike, the peak
 * waits for the first sample and decays from when it was reached, and
 * onsets this run saw already stay the latest. */
static void
test_restore (void)
{
  BallastSpikeHistory before = { 0 };
  spike_at (&before, 900, 1536 * MIB);
  spike_at (&before, 1800, 1536 * MIB);
  spike_at (&before, 2700, 1536 * MIB);

  BallastSpikeHistory h = { 0 };
  ballast_spike_history_restore (&h, 1 * GIB + 1536 * MIB, 2700 * SEC, before.onsets_usec,
                                 before.n_onsets);
  g_assert_cmpint (ballast_spike_history_period_usec (&h), ==, 900 * SEC);
  ballast_spike_history_add (&h, &params, 1 * GIB, 3000 * SEC);
  guint64 peak, age;
  gboolean due;
  ballast_spike_history_view (&h, &params, 3510 * SEC, &peak, &age, &due);
  g_assert_true (due);
  g_assert_cmpuint (age, ==, 810);
  /* 1.5 GiB above use, 810 s after it was reached: 2^(-810/600) of it. */
  g_assert_cmpuint (peak, >, 1 * GIB + 590 * MIB);
  g_assert_cmpuint (peak, <, 1 * GIB + 605 * MIB);
  g_assert_cmpuint (ballast_spike_decay_kib (1 * GIB + 1536 * MIB, 2700 * SEC, 1 * GIB, &params,
                                             3300 * SEC), ==, 1 * GIB + 768 * MIB);

  /* Restored after this run saw a spike of its own: that one stays last,
   * the restored ones go before it, the oldest drops out. */
  BallastSpikeHistory seen = { 0 };
  spike_at (&seen, 3600, 1536 * MIB);
  ballast_spike_history_restore (&seen, 2 * GIB, 2700 * SEC, before.onsets_usec, before.n_onsets);
  g_assert_cmpuint (seen.n_onsets, ==, 4);
  g_assert_cmpint (seen.onsets_usec[0], ==, 900 * SEC);
  g_assert_cmpint (seen.onsets_usec[3], ==, 3600 * SEC);
  g_assert_cmpint (ballast_spike_history_period_usec (&seen), ==, 900 * SEC);
  /* Its own peak (2.5 GiB) is higher than the restored one: kept. */
  g_assert_cmpuint (seen.peak_kib, ==, 1 * GIB + 1536 * MIB);

  /* A restored peak below the first sample is overtaken by it. */
  BallastSpikeHistory low = { 0 };
  ballast_spike_history_restore (&low, 512 * MIB, 100 * SEC, NULL, 0);
  ballast_spike_history_add (&low, &params, 1 * GIB, 200 * SEC);
  g_assert_cmpuint (ballast_spike_history_peak_kib (&low, &params, 200 * SEC), ==, 1 * GIB);
  g_assert_cmpuint (low.n_onsets, ==, 0);
}

/* Only the last few onsets are kept; a sample from the past is ignored; an
 * absurd sample neither overflows nor leaves the peak above it for long. */
static void
test_bounded_and_garbage (void)
{
  BallastSpikeHistory h = { 0 };
  for (gint64 k = 1; k <= 20; k++)
    spike_at (&h, k * 600, 512 * MIB);
  g_assert_cmpuint (h.n_onsets, ==, BALLAST_SPIKE_ONSETS);
  g_assert_cmpint (h.onsets_usec[BALLAST_SPIKE_ONSETS - 1], ==, 20 * 600 * SEC);
  g_assert_cmpint (ballast_spike_history_period_usec (&h), ==, 600 * SEC);

  BallastSpikeHistory before = h;
  ballast_spike_history_add (&h, &params, 8 * GIB, 10 * SEC); /* from the past */
  g_assert_cmpmem (&h, sizeof h, &before, sizeof before);

  BallastSpikeHistory absurd = { 0 };
  ballast_spike_history_add (&absurd, &params, 1 * GIB, 0);
  ballast_spike_history_add (&absurd, &params, G_MAXUINT64, 10 * SEC);
  ballast_spike_history_add (&absurd, &params, 1 * GIB, 20 * SEC);
  g_assert_cmpuint (ballast_spike_history_peak_kib (&absurd, &params, 20 * SEC), <=, G_MAXUINT64);
  /* It decays like any other peak: 70 half-lives take 2^64 KiB back to
   * use. (ballastd feeds only use from reports checked against the
   * domain's maximum, and the allocator caps what it holds at the max.) */
  ballast_spike_history_add (&absurd, &params, 1 * GIB, (20 + 70 * 600) * SEC);
  g_assert_cmpuint (ballast_spike_history_peak_kib (&absurd, &params, (20 + 70 * 600) * SEC), <, 1 * GIB + 1 * MIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/spike-history/peak-decays", test_peak_decays);
  g_test_add_func ("/spike-history/one-onset-per-rise", test_one_onset_per_rise);
  g_test_add_func ("/spike-history/onset-at-start-of-rise", test_onset_at_start_of_rise);
  g_test_add_func ("/spike-history/period-and-due", test_period_and_due);
  g_test_add_func ("/spike-history/bounded-and-garbage", test_bounded_and_garbage);
  g_test_add_func ("/spike-history/restore", test_restore);
  return g_test_run ();
}
