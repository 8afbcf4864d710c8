/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The KSM manager's decisions, table-driven: modes, start and stop with
 * hysteresis, the scan rate by earnings and CPU, history edge cases; the
 * history it carries; the <ksm> part of the policy file. */
#include "ballast-error.h"
#include "ksm-policy.h"
#include "policy-file.h"

#include "scratch-tree.h"

#define MIB G_GINT64_CONSTANT (1024)
#define GIB (1024 * MIB)
#define SEC G_GINT64_CONSTANT (1000000)

/* A 16 GiB budget: with the defaults ksmd starts below 1.6 GiB of slack,
 * stops above 3.2 GiB, and sleeps 10 ms. */
#define BUDGET_KIB (16 * GIB)
#define START_KIB (BUDGET_KIB / 10)
#define STOP_KIB (BUDGET_KIB / 5)

typedef struct {
  const char *name;
  BallastKsmMode mode;
  BallastTenancy tenancy;
  guint n_shareable;
  gint64 slack_kib;
  /* Now: the capture (pages_sharing 3770) with these changes. */
  BallastKsmRun run;
  guint pages_to_scan;            /* 0: the capture's 100 */
  /* The previous sample, 10 s earlier; none when !has_history. */
  gboolean has_history;
  BallastKsmRun previous_run;
  guint64 scanned;                /* pages_scanned grew by this */
  gint64 newly_saved;             /* pages_sharing grew by this (may be < 0) */
  guint cpu_permille;             /* ksmd's CPU over the 10 s */
  /* Expected. */
  BallastKsmRun want_run;
  guint want_pages;               /* 0: pages_to_scan not set */
  BallastKsmReason reason;
  BallastKsmScanReason scan;
} DecideCase;

#define R0 BALLAST_KSM_RUN_STOP
#define R1 BALLAST_KSM_RUN_MERGE
#define R2 BALLAST_KSM_RUN_UNMERGE
#define AUTO BALLAST_KSM_MODE_AUTO
#define ON BALLAST_KSM_MODE_ON
#define OFF BALLAST_KSM_MODE_OFF
#define UNSET BALLAST_TENANCY_UNSET
#define SINGLE BALLAST_TENANCY_SINGLE
#define MULTI BALLAST_TENANCY_MULTI
#define SHORT_KIB (1 * GIB)
#define BAND_KIB (2 * GIB)
#define PLENTY_KIB (10 * GIB)

static const DecideCase decide_cases[] = {
  /* Modes. */
  { "off-stops", OFF, UNSET, 3, SHORT_KIB, R1, 0, FALSE, 0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_OFF, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "off-leaves-unmerged-alone", OFF, UNSET, 3, SHORT_KIB, R2, 0, FALSE, 0, 0, 0, 0,
    R2, 0, BALLAST_KSM_REASON_OFF, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "off-multi-tenant-unmerges-with-room", OFF, MULTI, 3, PLENTY_KIB, R0, 0, FALSE, 0, 0, 0, 0,
    R2, 0, BALLAST_KSM_REASON_OFF_UNMERGE, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "off-multi-tenant-no-room-to-unmerge", OFF, MULTI, 3, SHORT_KIB, R1, 0, FALSE, 0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_OFF_KEEP_MERGED, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "on-runs-with-plenty", ON, UNSET, 3, PLENTY_KIB, R0, 0, FALSE, 0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_ON, BALLAST_KSM_SCAN_NO_HISTORY },
  { "on-runs-with-nothing-shareable", ON, UNSET, 0, SHORT_KIB, R1, 0, FALSE, 0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_ON, BALLAST_KSM_SCAN_NO_HISTORY },
  /* auto: start, stop, and the band between. */
  { "auto-starts-when-short", AUTO, UNSET, 3, SHORT_KIB, R0, 0, TRUE, R0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_NO_HISTORY },
  { "auto-starts-when-deficit", AUTO, SINGLE, 3, -2 * GIB, R0, 0, FALSE, 0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_NO_HISTORY },
  { "auto-stops-with-plenty", AUTO, UNSET, 3, PLENTY_KIB, R1, 0, TRUE, R1, 5000, 100, 20,
    R0, 0, BALLAST_KSM_REASON_PLENTY, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-stays-stopped-with-plenty", AUTO, UNSET, 3, PLENTY_KIB, R0, 0, TRUE, R0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_PLENTY, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-band-keeps-running", AUTO, UNSET, 3, BAND_KIB, R1, 0, TRUE, R1, 10000, 50, 20,
    R1, 100, BALLAST_KSM_REASON_BAND, BALLAST_KSM_SCAN_HOLD },
  { "auto-band-keeps-stopped", AUTO, UNSET, 3, BAND_KIB, R0, 0, TRUE, R0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_BAND, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-band-keeps-unmerged", AUTO, UNSET, 3, BAND_KIB, R2, 0, FALSE, 0, 0, 0, 0,
    R2, 0, BALLAST_KSM_REASON_BAND, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-at-start-is-band", AUTO, UNSET, 3, START_KIB, R0, 0, FALSE, 0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_BAND, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-below-start-by-1", AUTO, UNSET, 3, START_KIB - 1, R0, 0, FALSE, 0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_NO_HISTORY },
  { "auto-at-stop-is-band", AUTO, UNSET, 3, STOP_KIB, R1, 0, FALSE, 0, 0, 0, 0,
    R1, 100, BALLAST_KSM_REASON_BAND, BALLAST_KSM_SCAN_NO_HISTORY },
  { "auto-above-stop-by-1", AUTO, UNSET, 3, STOP_KIB + 1, R1, 0, FALSE, 0, 0, 0, 0,
    R0, 0, BALLAST_KSM_REASON_PLENTY, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-nothing-shareable-stops", AUTO, UNSET, 0, SHORT_KIB, R1, 0, TRUE, R1, 10000, 500, 20,
    R0, 0, BALLAST_KSM_REASON_NOTHING_SHAREABLE, BALLAST_KSM_SCAN_NOT_RUNNING },
  /* The scan rate: 10 000 pages scanned in the interval, so 100 newly
   * saved pages earn 10 per 1000. CPU budget 10% (100 per 1000). */
  { "scan-up-earning", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 500, 20,
    R1, 150, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_UP_EARNING },
  { "scan-up-at-threshold", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 100, 20,
    R1, 150, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_UP_EARNING },
  { "scan-up-capped-by-cpu", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 500, 80,
    R1, 112, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_UP_EARNING },
  { "scan-cpu-limit", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 500, 95,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_CPU_LIMIT },
  { "scan-down-cpu", AUTO, UNSET, 3, SHORT_KIB, R1, 1000, TRUE, R1, 10000, 500, 200,
    R1, 500, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_DOWN_CPU },
  { "scan-down-cpu-to-min", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 500, 200,
    R1, 64, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_DOWN_CPU },
  { "scan-cpu-over-within-tolerance", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 50, 105,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_HOLD },
  { "scan-down-idle", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 0, 20,
    R1, 80, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_DOWN_IDLE },
  { "scan-hold-between-thresholds", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, 50, 20,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_HOLD },
  { "scan-at-max", AUTO, UNSET, 3, SHORT_KIB, R1, 1250, TRUE, R1, 10000, 500, 20,
    R1, 1250, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_AT_MAX },
  { "scan-up-clamped-to-max", AUTO, UNSET, 3, SHORT_KIB, R1, 1000, TRUE, R1, 10000, 500, 20,
    R1, 1250, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_UP_EARNING },
  { "scan-at-min", AUTO, UNSET, 3, SHORT_KIB, R1, 64, TRUE, R1, 10000, 0, 20,
    R1, 64, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_AT_MIN },
  { "scan-clamped-into-range", AUTO, UNSET, 3, SHORT_KIB, R1, 5000, TRUE, R1, 10000, 0, 20,
    R1, 1250, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_CLAMPED },
  { "scan-sharing-went-down", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R1, 10000, -800, 20,
    R1, 80, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_DOWN_IDLE },
  { "scan-on-mode-cpu", ON, UNSET, 3, PLENTY_KIB, R1, 0, TRUE, R1, 10000, 500, 200,
    R1, 64, BALLAST_KSM_REASON_ON, BALLAST_KSM_SCAN_DOWN_CPU },
  /* Burning CPU at the slowest scan for nothing: auto stops it, on does not. */
  { "auto-not-earning-stops", AUTO, UNSET, 3, SHORT_KIB, R1, 64, TRUE, R1, 10000, 0, 200,
    R0, 0, BALLAST_KSM_REASON_NOT_EARNING, BALLAST_KSM_SCAN_NOT_RUNNING },
  { "auto-not-earning-but-earning", AUTO, UNSET, 3, SHORT_KIB, R1, 64, TRUE, R1, 10000, 50, 200,
    R1, 64, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_AT_MIN },
  { "on-not-earning-keeps-running", ON, UNSET, 3, SHORT_KIB, R1, 64, TRUE, R1, 10000, 0, 200,
    R1, 64, BALLAST_KSM_REASON_ON, BALLAST_KSM_SCAN_AT_MIN },
  /* ksmd started during the interval: no rates yet. */
  { "just-started-no-rates", AUTO, UNSET, 3, SHORT_KIB, R1, 0, TRUE, R0, 10000, 500, 20,
    R1, 100, BALLAST_KSM_REASON_SHORT, BALLAST_KSM_SCAN_NO_HISTORY },
};

static BallastKsmState
capture_state (void)
{
  g_autofree char *text = scratch_load_fixture ("host/ksm-sysfs.txt");
  BallastKsmState state;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_parse_capture (text, "capture", &state, &error));
  g_assert_no_error (error);
  return state;
}

static BallastKsmHostInput
host_input (gint64 slack_kib, guint n_shareable, BallastTenancy tenancy)
{
  return (BallastKsmHostInput) { .budget_total_kib = BUDGET_KIB, .slack_kib = slack_kib,
                                 .n_shareable_guests = n_shareable, .tenancy = tenancy,
                                 .page_size_bytes = 4096 };
}

/* The previous sample, 10 s before CURRENT, from a case's history. */
static BallastKsmSample
previous_sample (const BallastKsmSample *current, BallastKsmRun run, guint64 scanned,
                 gint64 newly_saved, guint cpu_permille)
{
  BallastKsmSample previous = *current;
  previous.time_usec = current->time_usec - 10 * SEC;
  previous.state.run = run;
  previous.state.pages_scanned = current->state.pages_scanned - scanned;
  previous.state.pages_sharing = (guint64) ((gint64) current->state.pages_sharing - newly_saved);
  previous.ksmd_cpu_usec = current->ksmd_cpu_usec - (guint64) cpu_permille * 10 * SEC / 1000;
  return previous;
}

static void
test_decide (gconstpointer data)
{
  const DecideCase *c = data;
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (c->slack_kib, c->n_shareable, c->tenancy);

  BallastKsmSample current = { .time_usec = 1000 * SEC, .state = capture_state (),
                               .has_ksmd_cpu = TRUE, .ksmd_cpu_usec = 500 * SEC };
  current.state.run = c->run;
  current.state.pages_scanned = 1000000;
  if (c->pages_to_scan != 0)
    current.state.pages_to_scan = c->pages_to_scan;
  BallastKsmHistory history = { 0 };
  if (c->has_history)
    {
      history.has_sample = TRUE;
      history.previous = previous_sample (&current, c->previous_run, c->scanned, c->newly_saved,
                                          c->cpu_permille);
    }

  BallastKsmDecision d;
  ballast_ksm_decide (&policy, c->mode, &host, &history, &current, &d);
  g_autofree char *text = ballast_ksm_decision_describe (&d);
  g_test_message ("%s", text);

  g_assert_true (d.run_controllable);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_RUN);
  g_assert_cmpint (d.wanted.run, ==, c->want_run);
  g_assert_cmpint (d.run_changes, ==, c->want_run != c->run);
  g_assert_cmpstr (ballast_ksm_reason_to_string (d.reason), ==, ballast_ksm_reason_to_string (c->reason));
  g_assert_cmpstr (ballast_ksm_scan_reason_to_string (d.scan_reason), ==,
                   ballast_ksm_scan_reason_to_string (c->scan));
  if (c->want_pages == 0)
    {
      g_assert_false (d.wanted.set & BALLAST_KSM_SET_PAGES_TO_SCAN);
      g_assert_false (d.wanted.set & BALLAST_KSM_SET_SLEEP_MILLISECS);
    }
  else
    {
      g_assert_true (d.wanted.set & BALLAST_KSM_SET_PAGES_TO_SCAN);
      g_assert_cmpuint (d.wanted.pages_to_scan, ==, c->want_pages);
      g_assert_true (d.wanted.set & BALLAST_KSM_SET_SLEEP_MILLISECS);
      g_assert_cmpuint (d.wanted.sleep_millisecs, ==, 10);
      g_assert_cmpuint (d.wanted.pages_to_scan, >=, policy.pages_to_scan_min);
      g_assert_cmpuint (d.wanted.pages_to_scan, <=, policy.pages_to_scan_max);
    }
  /* Neither kernel switch is in the default policy: never written. */
  g_assert_false (d.wanted.set & (BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_USE_ZERO_PAGES));
  /* The savings, whatever the decision: 3770 pages of 4 KiB. */
  g_assert_cmpuint (d.saved_pages, ==, 3770);
  g_assert_cmpuint (d.saved_kib, ==, 3770 * 4);
  g_assert_cmpuint (d.start_below_kib, ==, START_KIB);
  g_assert_cmpuint (d.stop_above_kib, ==, STOP_KIB);
  /* The rates, when there are any, are those of the case. */
  if (d.has_rates)
    {
      g_assert_true (c->has_history);
      g_assert_cmpuint (d.scanned_pages, ==, c->scanned);
      g_assert_false (d.scanned_estimated);
      g_assert_cmpuint (d.earning_permille, ==, c->newly_saved > 0 ? (guint) c->newly_saved * 1000 / c->scanned : 0);
      g_assert_true (d.has_cpu);
      g_assert_cmpuint (d.cpu_permille, ==, c->cpu_permille);
    }
  /* Deterministic: the same input, the same output. */
  BallastKsmDecision again;
  ballast_ksm_decide (&policy, c->mode, &host, &history, &current, &again);
  g_autofree char *text_again = ballast_ksm_decision_describe (&again);
  g_assert_cmpstr (text, ==, text_again);
}

/* ---- Edge cases outside the table ---- */

static BallastKsmSample
running_sample (gint64 time_usec, guint64 pages_scanned, guint64 pages_sharing, guint64 cpu_usec)
{
  BallastKsmSample sample = { .time_usec = time_usec, .state = capture_state (),
                              .has_ksmd_cpu = TRUE, .ksmd_cpu_usec = cpu_usec };
  sample.state.run = BALLAST_KSM_RUN_MERGE;
  sample.state.pages_scanned = pages_scanned;
  sample.state.pages_sharing = pages_sharing;
  return sample;
}

static void
test_counter_resets (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (SHORT_KIB, 2, UNSET);
  BallastKsmHistory history = { 0 };
  BallastKsmDecision d = { 0 };

  /* pages_scanned, full_scans or ksmd's CPU time going back: a reboot or
   * another ksmd; no rates, pages_to_scan kept, the reset counted. */
  BallastKsmSample before = running_sample (10 * SEC, 500000, 3000, 90 * SEC);
  BallastKsmSample after[3];
  after[0] = running_sample (20 * SEC, 1000, 3100, 95 * SEC);
  after[1] = running_sample (20 * SEC, 600000, 3100, 95 * SEC);
  after[2] = running_sample (20 * SEC, 600000, 3100, 1 * SEC);
  before.state.full_scans = after[0].state.full_scans = after[2].state.full_scans = 5;
  after[1].state.full_scans = 4;
  for (guint i = 0; i < G_N_ELEMENTS (after); i++)
    {
      history = (BallastKsmHistory) { 0 };
      d = (BallastKsmDecision) { 0 };
      ballast_ksm_history_advance (&history, &before, &d);
      ballast_ksm_decide (&policy, AUTO, &host, &history, &after[i], &d);
      g_assert_cmpint (d.scan_reason, ==, BALLAST_KSM_SCAN_COUNTERS_RESET);
      g_assert_false (d.has_rates);
      g_assert_cmpuint (d.wanted.pages_to_scan, ==, 100);
      ballast_ksm_history_advance (&history, &after[i], &d);
      g_assert_cmpuint (history.counter_resets, ==, 1);
      g_assert_cmpint (history.previous.time_usec, ==, 20 * SEC);
    }

  /* The clock not moving (the same sample twice) gives no rates either. */
  history = (BallastKsmHistory) { 0 };
  d = (BallastKsmDecision) { 0 };
  ballast_ksm_history_advance (&history, &before, &d);
  ballast_ksm_decide (&policy, AUTO, &host, &history, &before, &d);
  g_assert_false (d.has_rates);
  g_assert_cmpint (d.scan_reason, ==, BALLAST_KSM_SCAN_NO_HISTORY);
}

/* Without pages_scanned (older kernels), the pages scanned are estimated as
 * pages_to_scan x interval / sleep. */
static void
test_estimated_scan (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (SHORT_KIB, 2, UNSET);
  BallastKsmSample previous = running_sample (0, 0, 1000, 10 * SEC);
  BallastKsmSample current = running_sample (10 * SEC, 0, 3000, 10 * SEC + 200000);
  previous.state.present &= ~BALLAST_KSM_HAS_PAGES_SCANNED;
  current.state.present &= ~BALLAST_KSM_HAS_PAGES_SCANNED;
  BallastKsmHistory history = { .has_sample = TRUE, .previous = previous };
  BallastKsmDecision d;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_true (d.has_rates);
  g_assert_true (d.scanned_estimated);
  /* 100 pages per 20 ms (the capture's sleep) for 10 s. */
  g_assert_cmpuint (d.scanned_pages, ==, 50000);
  g_assert_cmpuint (d.newly_saved_pages, ==, 2000);
  g_assert_cmpuint (d.earning_permille, ==, 40);
  g_assert_cmpuint (d.cpu_permille, ==, 20);
  g_assert_cmpint (d.scan_reason, ==, BALLAST_KSM_SCAN_UP_EARNING);
  g_assert_cmpuint (d.wanted.pages_to_scan, ==, 150);

  /* Without ksmd's CPU time (not found), earnings alone decide. */
  current.has_ksmd_cpu = FALSE;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_true (d.has_rates);
  g_assert_false (d.has_cpu);
  g_assert_cmpuint (d.wanted.pages_to_scan, ==, 150);
}

static void
test_advisor_owns_pages_to_scan (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (SHORT_KIB, 2, UNSET);
  BallastKsmSample current = running_sample (10 * SEC, 0, 3000, 0);
  current.state.advisor_mode = BALLAST_KSM_ADVISOR_SCAN_TIME;
  BallastKsmHistory history = { 0 };
  BallastKsmDecision d;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_cmpint (d.wanted.run, ==, BALLAST_KSM_RUN_MERGE);
  g_assert_false (d.wanted.set & BALLAST_KSM_SET_PAGES_TO_SCAN);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_SLEEP_MILLISECS);
  g_assert_cmpint (d.scan_reason, ==, BALLAST_KSM_SCAN_ADVISOR);
  /* And the writer accepts what it chose. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (&current.state, &d.wanted, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plan);
}

/* Remote hosts: no run, so no start or stop; the scan rate still adapts. */
static void
test_remote (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (PLENTY_KIB, 2, UNSET);
  BallastKsmSample previous = running_sample (0, 0, 3000, 0);
  BallastKsmSample current = running_sample (10 * SEC, 0, 3000, 0);
  previous.state.present &= ~(BALLAST_KSM_HAS_RUN | BALLAST_KSM_HAS_PAGES_SCANNED);
  current.state.present &= ~(BALLAST_KSM_HAS_RUN | BALLAST_KSM_HAS_PAGES_SCANNED);
  previous.has_ksmd_cpu = current.has_ksmd_cpu = FALSE;
  BallastKsmHistory history = { .has_sample = TRUE, .previous = previous };
  BallastKsmDecision d;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_false (d.run_controllable);
  g_assert_false (d.wanted.set & BALLAST_KSM_SET_RUN);
  g_assert_false (d.run_changes);
  g_assert_true (d.has_rates);
  g_assert_cmpint (d.scan_reason, ==, BALLAST_KSM_SCAN_DOWN_IDLE);
  g_assert_cmpuint (d.wanted.pages_to_scan, ==, 80);
  g_autofree char *text = ballast_ksm_decision_describe (&d);
  g_assert_nonnull (strstr (text, "libvirt cannot start or stop ksmd"));

  /* Mode off on a remote host: nothing ballast can do. */
  ballast_ksm_decide (&policy, OFF, &host, &history, &current, &d);
  g_assert_cmpuint (d.wanted.set, ==, 0);
}

/* auto stops a ksmd that only burns CPU, and does not restart it while
 * the pause lasts, however short the host is; then it may. */
static void
test_not_earning_pause (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHostInput host = host_input (SHORT_KIB, 2, UNSET);
  BallastKsmHistory history = { 0 };
  BallastKsmDecision d;

  BallastKsmSample s0 = running_sample (0, 0, 3000, 0);
  s0.state.pages_to_scan = 64;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &s0, &d);
  ballast_ksm_history_advance (&history, &s0, &d);
  BallastKsmSample s1 = running_sample (10 * SEC, 10000, 3000, 2 * SEC); /* 20% CPU, nothing new */
  s1.state.pages_to_scan = 64;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &s1, &d);
  g_assert_cmpint (d.reason, ==, BALLAST_KSM_REASON_NOT_EARNING);
  g_assert_cmpint (d.wanted.run, ==, BALLAST_KSM_RUN_STOP);
  ballast_ksm_history_advance (&history, &s1, &d);
  g_assert_cmpint (history.paused_until_usec, ==, 10 * SEC + BALLAST_KSM_NOT_EARNING_PAUSE_USEC);

  /* Stopped now; still short, still paused. */
  BallastKsmSample s2 = running_sample (20 * SEC, 10000, 3000, 2 * SEC);
  s2.state.run = BALLAST_KSM_RUN_STOP;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &s2, &d);
  g_assert_cmpint (d.reason, ==, BALLAST_KSM_REASON_PAUSED);
  g_assert_cmpint (d.wanted.run, ==, BALLAST_KSM_RUN_STOP);
  g_assert_false (d.run_changes);
  ballast_ksm_history_advance (&history, &s2, &d);
  g_assert_cmpint (history.paused_until_usec, ==, 10 * SEC + BALLAST_KSM_NOT_EARNING_PAUSE_USEC);

  /* The pause over: started again. */
  BallastKsmSample s3 = s2;
  s3.time_usec = 10 * SEC + BALLAST_KSM_NOT_EARNING_PAUSE_USEC + 1;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &s3, &d);
  g_assert_cmpint (d.reason, ==, BALLAST_KSM_REASON_SHORT);
  g_assert_cmpint (d.wanted.run, ==, BALLAST_KSM_RUN_MERGE);
}

/* A whole episode, cycle by cycle, with a fake kernel that merges what
 * ksmd is told to scan: the host gets short, ksmd starts, speeds up while
 * merging pays, slows down once everything is merged, and stops when the
 * host has plenty. Nothing flips back and forth. */
static void
test_episode (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  BallastKsmHistory history = { 0 };
  BallastKsmSample sample = running_sample (0, 0, 0, 0);
  sample.state.run = BALLAST_KSM_RUN_STOP;
  sample.state.sleep_millisecs = 10;
  guint64 mergeable = 400000;   /* duplicate pages waiting to be merged */
  gint64 slack = 5 * GIB;
  guint starts = 0, stops = 0, max_pages = 0;
  BallastKsmDecision d;

  for (guint cycle = 0; cycle < 120; cycle++)
    {
      if (cycle == 10)
        slack = SHORT_KIB;          /* guests grow: the host is short */
      if (cycle == 100)
        slack = 6 * GIB;            /* a guest is shut down */
      BallastKsmHostInput host = host_input (slack, 3, SINGLE);
      ballast_ksm_decide (&policy, AUTO, &host, &history, &sample, &d);
      ballast_ksm_history_advance (&history, &sample, &d);
      if (d.run_changes && d.wanted.run == BALLAST_KSM_RUN_MERGE)
        starts++;
      if (d.run_changes && d.wanted.run != BALLAST_KSM_RUN_MERGE)
        stops++;

      /* The fake kernel applies the decision and runs for 10 s: ksmd
       * scans pages_to_scan every 10 ms and merges 1 page in 20 of what
       * it scans while duplicates are left, at 1% CPU per 100 pages. */
      BallastKsmSample next = sample;
      next.time_usec += 10 * SEC;
      next.state.run = d.wanted.run;
      if (d.wanted.set & BALLAST_KSM_SET_PAGES_TO_SCAN)
        next.state.pages_to_scan = d.wanted.pages_to_scan;
      if (next.state.run == BALLAST_KSM_RUN_MERGE)
        {
          guint64 scanned = (guint64) next.state.pages_to_scan * 1000;
          guint64 merged = MIN (scanned / 20, mergeable);
          mergeable -= merged;
          next.state.pages_scanned += scanned;
          next.state.pages_sharing += merged;
          next.ksmd_cpu_usec += (guint64) next.state.pages_to_scan * 10 * SEC / 10000;
          slack += (gint64) merged * 4;
        }
      max_pages = MAX (max_pages, next.state.pages_to_scan);
      sample = next;
    }
  g_assert_cmpuint (starts, ==, 1);
  g_assert_cmpuint (stops, ==, 1);
  /* It sped up while merging paid, within the CPU budget (10% = 1000 pages)... */
  g_assert_cmpuint (max_pages, >, 100);
  g_assert_cmpuint (max_pages, <=, 1000);
  /* ...merged everything, then slowed down to the minimum, and stopped. */
  g_assert_cmpuint (mergeable, ==, 0);
  g_assert_cmpuint (sample.state.pages_to_scan, ==, policy.pages_to_scan_min);
  g_assert_cmpint (sample.state.run, ==, BALLAST_KSM_RUN_STOP);
  g_assert_cmpint (d.reason, ==, BALLAST_KSM_REASON_PLENTY);
  g_assert_cmpuint (d.saved_pages, ==, 400000);
}

static void
test_kernel_switches (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  policy.merge_across_nodes = BALLAST_KSM_KNOB_NO;
  policy.use_zero_pages = BALLAST_KSM_KNOB_YES;
  BallastKsmHistory history = { 0 };
  BallastKsmSample current = running_sample (0, 0, 3770, 0);
  BallastKsmDecision d;

  /* Room to unmerge the 14.7 MiB merged: both switches wanted. */
  BallastKsmHostInput host = host_input (BAND_KIB, 2, UNSET);
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_MERGE_ACROSS_NODES);
  g_assert_false (d.wanted.merge_across_nodes);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_USE_ZERO_PAGES);
  g_assert_true (d.wanted.use_zero_pages);
  g_assert_false (d.merge_across_nodes_deferred);
  /* The writer turns it into an unmerge first. */
  g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (&current.state, &d.wanted, NULL);
  g_assert_nonnull (plan);
  g_assert_true (plan->pending_unmerge);

  /* Short of memory: unmerging would make it worse, so it waits. */
  host = host_input (SHORT_KIB, 2, UNSET);
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_false (d.wanted.set & BALLAST_KSM_SET_MERGE_ACROSS_NODES);
  g_assert_true (d.merge_across_nodes_deferred);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_USE_ZERO_PAGES);
  g_autofree char *text = ballast_ksm_decision_describe (&d);
  g_assert_nonnull (strstr (text, "merge_across_nodes change waits"));

  /* Nothing merged: no cost, switched whatever the slack. */
  current.state.pages_shared = current.state.pages_sharing = 0;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_true (d.wanted.set & BALLAST_KSM_SET_MERGE_ACROSS_NODES);

  /* A kernel without the files: not asked for. */
  current.state.present &= ~(BALLAST_KSM_HAS_MERGE_ACROSS_NODES | BALLAST_KSM_HAS_USE_ZERO_PAGES);
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_assert_false (d.wanted.set & (BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_USE_ZERO_PAGES));
}

static void
test_sleep_scaling (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  const struct {
    guint base;
    gboolean scaled;
    guint64 total_kib;
    guint msec;
  } cases[] = {
    { 10, TRUE, 16 * GIB, 10 },
    { 10, TRUE, 4 * GIB, 40 },
    { 10, TRUE, 64 * GIB, 10 },     /* never below 10 ms */
    { 10, TRUE, 256 * MIB, 640 },
    { 10, TRUE, 8 * MIB, 1000 },    /* never above 1 s */
    { 10, TRUE, 0, 10 },
    { 5, TRUE, 64 * GIB, 5 },       /* a base below 10 ms is its own floor */
    { 20, TRUE, 1024 * GIB, 10 },
    { 10, TRUE, G_MAXUINT64, 10 },
    { 60000, TRUE, 1 * GIB, 1000 },
    { 25, FALSE, 1 * GIB, 25 },     /* scale="none" */
    { 3000, FALSE, 1 * GIB, 3000 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      policy.sleep_millisecs = cases[i].base;
      policy.sleep_scaled = cases[i].scaled;
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_cmpuint (ballast_ksm_policy_sleep_millisecs (&policy, cases[i].total_kib), ==,
                        cases[i].msec);
    }
}

static void
test_describe (void)
{
  BallastKsmPolicy policy;
  ballast_ksm_policy_init_defaults (&policy);
  g_autofree char *policy_text = ballast_ksm_policy_describe (&policy);
  g_assert_cmpstr (policy_text, ==, "start below 10%, stop above 20%, pages_to_scan 64..1250, "
                   "sleep 10 ms per 16 GiB, cpu 10.0%, merge_across_nodes as found, "
                   "use_zero_pages as found");

  BallastKsmHostInput host = host_input (SHORT_KIB, 2, UNSET);
  BallastKsmSample previous = running_sample (0, 0, 3270, 0);
  BallastKsmSample current = running_sample (10 * SEC, 10000, 3770, 200000);
  BallastKsmHistory history = { .has_sample = TRUE, .previous = previous };
  BallastKsmDecision d;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_autofree char *text = ballast_ksm_decision_describe (&d);
  g_assert_cmpstr (text, ==, "auto: host short (slack 1.0 GiB < start 1.6 GiB); pages_to_scan "
                   "100 -> 150 (up-earning, earning 50 per 1000 scanned, ksmd 2.0% CPU); "
                   "saving 14.7 MiB");

  current.state.run = BALLAST_KSM_RUN_STOP;
  history.has_sample = FALSE;
  ballast_ksm_decide (&policy, AUTO, &host, &history, &current, &d);
  g_autofree char *start = ballast_ksm_decision_describe (&d);
  g_assert_cmpstr (start, ==, "auto: host short (slack 1.0 GiB < start 1.6 GiB): start ksmd; "
                   "pages_to_scan 100 (no-history); saving 14.7 MiB");

  host = host_input (-300 * MIB, 2, UNSET);
  current.state.run = BALLAST_KSM_RUN_MERGE;
  ballast_ksm_decide (&policy, OFF, &host, &history, &current, &d);
  g_autofree char *off = ballast_ksm_decision_describe (&d);
  g_assert_cmpstr (off, ==, "off: mode off: stop ksmd; saving 14.7 MiB");
  host.tenancy = MULTI;
  ballast_ksm_decide (&policy, OFF, &host, &history, &current, &d);
  g_autofree char *kept = ballast_ksm_decision_describe (&d);
  g_assert_cmpstr (kept, ==, "off: mode off, guests of different tenants: 14.7 MiB still merged, "
                   "no room to unmerge (slack -300.0 MiB): stop ksmd; saving 14.7 MiB");

  /* Every code has a name. */
  for (int r = BALLAST_KSM_REASON_OFF; r <= BALLAST_KSM_REASON_PAUSED; r++)
    g_assert_cmpstr (ballast_ksm_reason_to_string (r), !=, "?");
  for (int r = BALLAST_KSM_SCAN_NOT_RUNNING; r <= BALLAST_KSM_SCAN_AT_MIN; r++)
    g_assert_cmpstr (ballast_ksm_scan_reason_to_string (r), !=, "?");
}

static void
test_modes_and_guests (void)
{
  BallastKsmMode mode = BALLAST_KSM_MODE_ON;
  g_assert_true (ballast_ksm_mode_parse ("auto", &mode, NULL));
  g_assert_cmpint (mode, ==, BALLAST_KSM_MODE_AUTO);
  g_assert_true (ballast_ksm_mode_parse ("off", &mode, NULL));
  g_assert_cmpint (mode, ==, BALLAST_KSM_MODE_OFF);
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_ksm_mode_parse ("Auto", &mode, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_assert_cmpint (mode, ==, BALLAST_KSM_MODE_OFF);
  g_assert_cmpstr (ballast_ksm_mode_to_string (BALLAST_KSM_MODE_ON), ==, "on");
  g_clear_error (&error);

  g_assert_cmpint (ballast_ksm_mode_default (BALLAST_TENANCY_UNSET), ==, BALLAST_KSM_MODE_OFF);
  g_assert_cmpint (ballast_ksm_mode_default (BALLAST_TENANCY_SINGLE), ==, BALLAST_KSM_MODE_AUTO);
  g_assert_cmpint (ballast_ksm_mode_default (BALLAST_TENANCY_MULTI), ==, BALLAST_KSM_MODE_OFF);

  BallastDomainConfig config = { .name = (char *) "g1" };
  BallastGuestTuning tuning = { .shares = 100 };
  g_assert_cmpint (ballast_ksm_guest_share (&config, NULL), ==, BALLAST_KSM_GUEST_SHAREABLE);
  g_assert_cmpint (ballast_ksm_guest_share (&config, &tuning), ==, BALLAST_KSM_GUEST_SHAREABLE);
  tuning.exclude = TRUE;
  g_assert_cmpint (ballast_ksm_guest_share (&config, &tuning), ==, BALLAST_KSM_GUEST_EXCLUDED);
  config.nosharepages = TRUE;
  g_assert_cmpint (ballast_ksm_guest_share (&config, &tuning), ==, BALLAST_KSM_GUEST_NOSHAREPAGES);
  g_assert_cmpstr (ballast_ksm_guest_share_to_string (BALLAST_KSM_GUEST_NOSHAREPAGES), ==, "nosharepages");

  /* The real domain XML with <nosharepages/>. */
  g_autofree char *xml = scratch_load_fixture ("domains/nosharepages.xml");
  g_autoptr(BallastDomainConfig) parsed = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ballast_ksm_guest_share (parsed, NULL), ==, BALLAST_KSM_GUEST_NOSHAREPAGES);
}

/* ---- The policy file's <ksm> ---- */

static BallastPolicyFile *
parse_policy (const char *text)
{
  g_autoptr(GError) error = NULL;
  BallastPolicyFile *file = ballast_policy_file_parse (text, "p.xml", &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  return file;
}

static void
test_policy_every_field (void)
{
  g_autoptr(BallastPolicyFile) file = parse_policy (
    "<policy xmlns='urn:ballast:policy:1'>\n"
    "  <guests tenancy='single'/>\n"
    "  <ksm mode='on' merge-across-nodes='no' use-zero-pages='yes'>\n"
    "    <start-below unit='GiB'>2</start-below>\n"
    "    <stop-above percent='40'/>\n"
    "    <pages-to-scan><min>100</min><max>5000</max></pages-to-scan>\n"
    "    <sleep-millisecs scale='none'>50</sleep-millisecs>\n"
    "    <cpu-budget percent='25'/>\n"
    "  </ksm>\n"
    "</policy>\n");
  const BallastKsmPolicy *k = &file->ksm;
  g_assert_true (file->ksm_set);
  g_assert_cmpint (file->ksm_mode, ==, BALLAST_KSM_MODE_ON);
  g_assert_cmpint (file->tenancy, ==, BALLAST_TENANCY_SINGLE);
  g_assert_false (k->start_below.is_relative);
  g_assert_cmpuint (k->start_below.kib, ==, 2 * GIB);
  g_assert_true (k->stop_above.is_relative);
  g_assert_cmpuint (k->stop_above.permille, ==, 400);
  g_assert_cmpuint (k->pages_to_scan_min, ==, 100);
  g_assert_cmpuint (k->pages_to_scan_max, ==, 5000);
  g_assert_cmpuint (k->sleep_millisecs, ==, 50);
  g_assert_false (k->sleep_scaled);
  g_assert_cmpuint (k->cpu_budget_permille, ==, 250);
  g_assert_cmpint (k->merge_across_nodes, ==, BALLAST_KSM_KNOB_NO);
  g_assert_cmpint (k->use_zero_pages, ==, BALLAST_KSM_KNOB_YES);
}

static void
test_policy_defaults_by_tenancy (void)
{
  const struct {
    const char *text;
    gboolean set;
    BallastKsmMode mode;
    BallastTenancy tenancy;
  } cases[] = {
    /* No file, or no <ksm>: off, as before KSM was managed. */
    { "<policy xmlns='urn:ballast:policy:1'/>", FALSE, OFF, UNSET },
    { "<policy xmlns='urn:ballast:policy:1'><ksm/></policy>", FALSE, OFF, UNSET },
    /* Guests that trust each other: auto, unless said otherwise. */
    { "<policy xmlns='urn:ballast:policy:1'><guests tenancy='single'/></policy>", FALSE, AUTO, SINGLE },
    { "<policy xmlns='urn:ballast:policy:1'><guests tenancy='single'/><ksm mode='off'/></policy>",
      TRUE, OFF, SINGLE },
    /* Tenants: off, and an explicit off is fine. */
    { "<policy xmlns='urn:ballast:policy:1'><guests tenancy='multi'/></policy>", FALSE, OFF, MULTI },
    { "<policy xmlns='urn:ballast:policy:1'><guests tenancy='multi'/><ksm mode='off'/></policy>",
      TRUE, OFF, MULTI },
    /* Unsaid tenancy with an explicit mode: as written. */
    { "<policy xmlns='urn:ballast:policy:1'><ksm mode='auto'/></policy>", TRUE, AUTO, UNSET },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_autoptr(BallastPolicyFile) file = parse_policy (cases[i].text);
      g_assert_cmpint (file->ksm_set, ==, cases[i].set);
      g_assert_cmpint (file->ksm_mode, ==, cases[i].mode);
      g_assert_cmpint (file->tenancy, ==, cases[i].tenancy);
    }
  g_autoptr(BallastPolicyFile) defaults = ballast_policy_file_new_default ();
  g_assert_false (defaults->ksm_set);
  g_assert_cmpint (defaults->ksm_mode, ==, BALLAST_KSM_MODE_OFF);
  g_assert_cmpint (defaults->tenancy, ==, BALLAST_TENANCY_UNSET);

  /* mode='on' among tenants is refused, naming both lines. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) refused = ballast_policy_file_parse (
    "<policy xmlns='urn:ballast:policy:1'>\n<guests tenancy='multi'/>\n<ksm mode='on'/>\n</policy>",
    "t.xml", &error);
  g_assert_null (refused);
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "t.xml line 3: <ksm mode='on'> with <guests "
                                   "tenancy='multi'> (line 2)"));
}

/* data/policy.xml spells out the defaults: its <ksm> too. */
static void
test_shipped_policy_ksm_is_the_defaults (void)
{
  g_autofree char *path = g_build_filename (BALLAST_SOURCE_DIR, "data", "policy.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) shipped = ballast_policy_file_load (path, &error);
  g_assert_no_error (error);
  g_autoptr(BallastPolicyFile) defaults = ballast_policy_file_new_default ();
  g_autofree char *a = ballast_ksm_policy_describe (&shipped->ksm);
  g_autofree char *b = ballast_ksm_policy_describe (&defaults->ksm);
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpint (shipped->ksm_set, ==, defaults->ksm_set);
  g_assert_cmpint (shipped->ksm_mode, ==, defaults->ksm_mode);
  g_assert_cmpint (shipped->tenancy, ==, defaults->tenancy);
  /* describe() covers every field: a changed field changes it. */
  defaults->ksm.sleep_scaled = FALSE;
  g_autofree char *c = ballast_ksm_policy_describe (&defaults->ksm);
  g_assert_cmpstr (a, !=, c);

  /* The untrusted-tenants example keeps KSM off. */
  g_autofree char *example = g_build_filename (BALLAST_SOURCE_DIR, "data", "examples",
                                               "untrusted-tenants.xml", NULL);
  g_autoptr(BallastPolicyFile) tenants = ballast_policy_file_load (example, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tenants->ksm_mode, ==, BALLAST_KSM_MODE_OFF);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (decide_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ksm-policy/decide/%s", decide_cases[i].name);
      g_test_add_data_func (name, &decide_cases[i], test_decide);
    }
  g_test_add_func ("/ksm-policy/counter-resets", test_counter_resets);
  g_test_add_func ("/ksm-policy/estimated-scan", test_estimated_scan);
  g_test_add_func ("/ksm-policy/advisor-owns-pages-to-scan", test_advisor_owns_pages_to_scan);
  g_test_add_func ("/ksm-policy/remote", test_remote);
  g_test_add_func ("/ksm-policy/not-earning-pause", test_not_earning_pause);
  g_test_add_func ("/ksm-policy/episode", test_episode);
  g_test_add_func ("/ksm-policy/kernel-switches", test_kernel_switches);
  g_test_add_func ("/ksm-policy/sleep-scaling", test_sleep_scaling);
  g_test_add_func ("/ksm-policy/describe", test_describe);
  g_test_add_func ("/ksm-policy/modes-and-guests", test_modes_and_guests);
  g_test_add_func ("/ksm-policy/policy-every-field", test_policy_every_field);
  g_test_add_func ("/ksm-policy/policy-defaults-by-tenancy", test_policy_defaults_by_tenancy);
  g_test_add_func ("/ksm-policy/shipped-policy-ksm-is-the-defaults", test_shipped_policy_ksm_is_the_defaults);
  return g_test_run ();
}
