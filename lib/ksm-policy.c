/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-policy.h"

#include "ballast-error.h"

#include <string.h>

#define SLEEP_REFERENCE_KIB (G_GUINT64_CONSTANT (16) * 1024 * 1024) /* 16 GiB */
#define SLEEP_FLOOR_MSEC 10
#define SLEEP_CEILING_MSEC 1000

const char *
ballast_ksm_mode_to_string (BallastKsmMode mode)
{
  switch (mode)
    {
    case BALLAST_KSM_MODE_AUTO:
      return "auto";
    case BALLAST_KSM_MODE_ON:
      return "on";
    case BALLAST_KSM_MODE_OFF:
      return "off";
    default:
      return "?";
    }
}

gboolean
ballast_ksm_mode_parse (const char *text, BallastKsmMode *ret_mode, GError **error)
{
  static const BallastKsmMode modes[] = {
    BALLAST_KSM_MODE_AUTO, BALLAST_KSM_MODE_ON, BALLAST_KSM_MODE_OFF,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    if (g_strcmp0 (text, ballast_ksm_mode_to_string (modes[i])) == 0)
      {
        *ret_mode = modes[i];
        return TRUE;
      }
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
               "KSM mode '%s': expected auto, on or off", text != NULL ? text : "");
  return FALSE;
}

const char *
ballast_tenancy_to_string (BallastTenancy tenancy)
{
  switch (tenancy)
    {
    case BALLAST_TENANCY_UNSET:
      return "unset";
    case BALLAST_TENANCY_SINGLE:
      return "single";
    case BALLAST_TENANCY_MULTI:
      return "multi";
    default:
      return "?";
    }
}

BallastKsmMode
ballast_ksm_mode_default (BallastTenancy tenancy)
{
  /* Sharing pages tells guests about each other: only guests said to
   * trust each other get it without asking. */
  return tenancy == BALLAST_TENANCY_SINGLE ? BALLAST_KSM_MODE_AUTO : BALLAST_KSM_MODE_OFF;
}

void
ballast_ksm_policy_init_defaults (BallastKsmPolicy *policy)
{
  *policy = (BallastKsmPolicy) {
    /* With the default reserve (10%) ksmd starts when less than 20% of the
     * budget is available, ksmtuned's threshold, and stops above 30%. */
    .start_below = { .is_relative = TRUE, .permille = 100 },
    .stop_above = { .is_relative = TRUE, .permille = 200 },
    /* ksmtuned's range: 64 pages is a trickle, 1250 per 10 ms about
     * 490 MiB/s on a 16 GiB host, which the CPU budget caps long before. */
    .pages_to_scan_min = 64,
    .pages_to_scan_max = 1250,
    .sleep_millisecs = 10,
    .sleep_scaled = TRUE,
    .cpu_budget_permille = 100,
    .merge_across_nodes = BALLAST_KSM_KNOB_UNSET,
    .use_zero_pages = BALLAST_KSM_KNOB_UNSET,
  };
}

static const char *
knob_to_string (BallastKsmKnob knob)
{
  return knob == BALLAST_KSM_KNOB_YES ? "yes" : knob == BALLAST_KSM_KNOB_NO ? "no" : "as found";
}

char *
ballast_ksm_policy_describe (const BallastKsmPolicy *policy)
{
  g_autofree char *start = ballast_amount_format (&policy->start_below);
  g_autofree char *stop = ballast_amount_format (&policy->stop_above);
  return g_strdup_printf ("start below %s, stop above %s, pages_to_scan %u..%u, sleep %u ms%s, "
                          "cpu %u.%u%%, merge_across_nodes %s, use_zero_pages %s",
                          start, stop, policy->pages_to_scan_min, policy->pages_to_scan_max,
                          policy->sleep_millisecs, policy->sleep_scaled ? " per 16 GiB" : "",
                          policy->cpu_budget_permille / 10, policy->cpu_budget_permille % 10,
                          knob_to_string (policy->merge_across_nodes),
                          knob_to_string (policy->use_zero_pages));
}

guint
ballast_ksm_policy_sleep_millisecs (const BallastKsmPolicy *policy, guint64 total_kib)
{
  if (!policy->sleep_scaled)
    return policy->sleep_millisecs;
  guint floor = MIN (policy->sleep_millisecs, SLEEP_FLOOR_MSEC);
  if (total_kib == 0)
    return MAX (policy->sleep_millisecs, floor);
  /* base x 16 GiB / total, computed without overflow for any budget. */
  guint64 scaled = (guint64) policy->sleep_millisecs * (SLEEP_REFERENCE_KIB / 1024)
                   / MAX (total_kib / 1024, 1);
  return (guint) CLAMP (scaled, (guint64) floor, (guint64) SLEEP_CEILING_MSEC);
}

BallastKsmGuestShare
ballast_ksm_guest_share (const BallastDomainConfig *config, const BallastGuestTuning *tuning)
{
  if (config->nosharepages)
    return BALLAST_KSM_GUEST_NOSHAREPAGES;
  if (tuning != NULL && tuning->exclude)
    return BALLAST_KSM_GUEST_EXCLUDED;
  return BALLAST_KSM_GUEST_SHAREABLE;
}

const char *
ballast_ksm_guest_share_to_string (BallastKsmGuestShare share)
{
  switch (share)
    {
    case BALLAST_KSM_GUEST_SHAREABLE:
      return "shareable";
    case BALLAST_KSM_GUEST_NOSHAREPAGES:
      return "nosharepages";
    case BALLAST_KSM_GUEST_EXCLUDED:
      return "excluded";
    default:
      return "?";
    }
}

/* ---- The decision ---- */

static gboolean
run_known (const BallastKsmState *state)
{
  return (state->present & BALLAST_KSM_HAS_RUN) != 0;
}

/* ksmd merged throughout the interval ending with CURRENT. Remote hosts do
 * not tell: take it as running, since only running ksmd scans. */
static gboolean
ran_throughout (const BallastKsmState *previous, const BallastKsmState *current)
{
  if (!run_known (current) || !run_known (previous))
    return TRUE;
  return previous->run == BALLAST_KSM_RUN_MERGE && current->run == BALLAST_KSM_RUN_MERGE;
}

/* Fill the rates of DECISION from HISTORY's sample and CURRENT; on no
 * rates set the scan reason that says why. */
static void
compute_rates (const BallastKsmHistory *history, const BallastKsmSample *current,
               BallastKsmDecision *decision)
{
  decision->scan_reason = BALLAST_KSM_SCAN_NO_HISTORY;
  if (!history->has_sample)
    return;
  const BallastKsmSample *previous = &history->previous;
  const BallastKsmState *was = &previous->state;
  const BallastKsmState *now = &current->state;
  gint64 interval = current->time_usec - previous->time_usec;
  if (interval <= 0)
    return;

  /* Only growing counters tell a restart: full_scans, pages_scanned and
   * ksmd's CPU time never go back short of a reboot (or a new ksmd pid we
   * did not notice). pages_sharing going down is normal: guests write to
   * merged pages, or stop. */
  gboolean both_scanned = (was->present & now->present & BALLAST_KSM_HAS_PAGES_SCANNED) != 0;
  if (now->full_scans < was->full_scans
      || (both_scanned && now->pages_scanned < was->pages_scanned)
      || (previous->has_ksmd_cpu && current->has_ksmd_cpu
          && current->ksmd_cpu_usec < previous->ksmd_cpu_usec))
    {
      decision->scan_reason = BALLAST_KSM_SCAN_COUNTERS_RESET;
      return;
    }
  if (!ran_throughout (was, now))
    return;

  decision->has_rates = TRUE;
  decision->interval_usec = interval;
  if (both_scanned)
    decision->scanned_pages = now->pages_scanned - was->pages_scanned;
  else
    {
      /* Without pages_scanned (older kernels): ksmd scans pages_to_scan, then sleeps
       * sleep_millisecs. An upper bound (the scanning itself takes time
       * too), so the earning comes out low rather than high. */
      guint64 interval_msec = (guint64) interval / 1000;
      decision->scanned_pages = (guint64) was->pages_to_scan * interval_msec
                                / MAX (was->sleep_millisecs, 1);
      decision->scanned_estimated = TRUE;
    }
  guint64 saved_before = ballast_ksm_saved_pages (was);
  guint64 saved_now = ballast_ksm_saved_pages (now);
  decision->newly_saved_pages = saved_now > saved_before ? saved_now - saved_before : 0;
  if (decision->scanned_pages > 0)
    {
      guint64 newly = MIN (decision->newly_saved_pages, G_MAXUINT64 / 1000);
      decision->earning_permille = (guint) MIN (newly * 1000 / decision->scanned_pages, 1000);
    }
  if (previous->has_ksmd_cpu && current->has_ksmd_cpu)
    {
      guint64 used = current->ksmd_cpu_usec - previous->ksmd_cpu_usec;
      decision->has_cpu = TRUE;
      decision->cpu_permille = (guint) MIN (MIN (used, G_MAXUINT64 / 1000) * 1000 / (guint64) interval,
                                            1000);
    }
}

static guint
clamp_pages (const BallastKsmPolicy *policy, guint64 pages)
{
  return (guint) CLAMP (pages, (guint64) policy->pages_to_scan_min, (guint64) policy->pages_to_scan_max);
}

/* The new pages_to_scan for ksmd running with CURRENT pages per batch. */
static guint
choose_pages_to_scan (const BallastKsmPolicy *policy, guint current, BallastKsmDecision *decision)
{
  guint clamped = clamp_pages (policy, current);
  if (clamped != current)
    {
      decision->scan_reason = BALLAST_KSM_SCAN_CLAMPED;
      return clamped;
    }
  if (!decision->has_rates)
    return current; /* scan_reason says why, from compute_rates() */

  guint budget = policy->cpu_budget_permille;
  gboolean cpu_over = decision->has_cpu && (guint64) decision->cpu_permille * 10 > (guint64) budget * 11;
  if (cpu_over)
    {
      /* CPU time is about proportional to pages scanned: scale down to the
       * budget. The 10% tolerance above keeps noise from moving it. */
      guint64 scaled = (guint64) current * budget / MAX (decision->cpu_permille, 1);
      guint next = clamp_pages (policy, MIN (scaled, (guint64) current - 1));
      decision->scan_reason = next < current ? BALLAST_KSM_SCAN_DOWN_CPU : BALLAST_KSM_SCAN_AT_MIN;
      return next;
    }
  if (decision->earning_permille >= BALLAST_KSM_EARNING_HIGH_PERMILLE)
    {
      guint64 raised = MAX ((guint64) current * 3 / 2, (guint64) current + 1);
      if (decision->has_cpu && decision->cpu_permille > 0)
        {
          /* Aim at 90% of the budget at most, so the next cycle does not
           * find it over and scale back: no see-saw. */
          guint64 cap = (guint64) current * budget * 9 / 10 / decision->cpu_permille;
          if (cap <= current)
            {
              decision->scan_reason = BALLAST_KSM_SCAN_CPU_LIMIT;
              return current;
            }
          raised = MIN (raised, cap);
        }
      guint next = clamp_pages (policy, raised);
      decision->scan_reason = next > current ? BALLAST_KSM_SCAN_UP_EARNING : BALLAST_KSM_SCAN_AT_MAX;
      return next;
    }
  if (decision->earning_permille < BALLAST_KSM_EARNING_LOW_PERMILLE)
    {
      guint next = clamp_pages (policy, (guint64) current * 4 / 5);
      decision->scan_reason = next < current ? BALLAST_KSM_SCAN_DOWN_IDLE : BALLAST_KSM_SCAN_AT_MIN;
      return next;
    }
  decision->scan_reason = BALLAST_KSM_SCAN_HOLD;
  return current;
}

/* Unmerging gives back every saved page to its guests: affordable when the
 * host would still not count as short afterwards. */
static gboolean
unmerge_affordable (const BallastKsmDecision *decision)
{
  return decision->slack_kib - (gint64) MIN (decision->unmerge_cost_kib, (guint64) G_MAXINT64 / 2)
         > (gint64) MIN (decision->start_below_kib, (guint64) G_MAXINT64 / 2);
}

static gboolean
anything_merged (const BallastKsmState *state)
{
  return state->pages_shared > 0 || state->pages_sharing > 0 || state->ksm_zero_pages > 0;
}

/* Stopped: run=0, or run=2 if it already reads 2 (both stop ksmd; writing
 * 0 over 2 would change nothing but a number). */
static BallastKsmRun
stopped (const BallastKsmState *state)
{
  return state->run == BALLAST_KSM_RUN_UNMERGE ? BALLAST_KSM_RUN_UNMERGE : BALLAST_KSM_RUN_STOP;
}

void
ballast_ksm_decide (const BallastKsmPolicy *policy, BallastKsmMode mode,
                    const BallastKsmHostInput *host, const BallastKsmHistory *history,
                    const BallastKsmSample *current, BallastKsmDecision *ret_decision)
{
  const BallastKsmState *state = &current->state;
  BallastKsmDecision d = { 0 };
  d.mode = mode;
  d.run_controllable = run_known (state);
  d.saved_pages = ballast_ksm_saved_pages (state);
  d.saved_kib = d.saved_pages * MAX (host->page_size_bytes, 1) / 1024;
  d.unmerge_cost_kib = d.saved_kib;
  d.slack_kib = host->slack_kib;
  d.start_below_kib = ballast_amount_resolve_kib (&policy->start_below, host->budget_total_kib);
  d.stop_above_kib = MAX (ballast_amount_resolve_kib (&policy->stop_above, host->budget_total_kib),
                          d.start_below_kib);
  d.old_pages_to_scan = state->pages_to_scan;
  compute_rates (history, current, &d);

  gboolean running = !d.run_controllable || state->run == BALLAST_KSM_RUN_MERGE;
  gint64 start = (gint64) MIN (d.start_below_kib, (guint64) G_MAXINT64);
  gint64 stop = (gint64) MIN (d.stop_above_kib, (guint64) G_MAXINT64);
  BallastKsmRun run = stopped (state);

  switch (mode)
    {
    case BALLAST_KSM_MODE_OFF:
      d.reason = BALLAST_KSM_REASON_OFF;
      if (host->tenancy == BALLAST_TENANCY_MULTI && anything_merged (state))
        {
          /* Merged pages stay shared after ksmd stops, and a write to one is
           * still a slow copy-on-write another tenant can time: between
           * untrusted guests unmerge them once the host can take it back. */
          if (state->run == BALLAST_KSM_RUN_UNMERGE || unmerge_affordable (&d))
            {
              run = BALLAST_KSM_RUN_UNMERGE;
              d.reason = BALLAST_KSM_REASON_OFF_UNMERGE;
            }
          else
            d.reason = BALLAST_KSM_REASON_OFF_KEEP_MERGED;
        }
      break;
    case BALLAST_KSM_MODE_ON:
      run = BALLAST_KSM_RUN_MERGE;
      d.reason = BALLAST_KSM_REASON_ON;
      break;
    case BALLAST_KSM_MODE_AUTO:
    default:
      if (host->n_shareable_guests == 0)
        d.reason = BALLAST_KSM_REASON_NOTHING_SHAREABLE;
      else if (host->slack_kib < start)
        {
          if (!running && history->paused_until_usec > current->time_usec)
            d.reason = BALLAST_KSM_REASON_PAUSED;
          else
            {
              run = BALLAST_KSM_RUN_MERGE;
              d.reason = BALLAST_KSM_REASON_SHORT;
            }
        }
      else if (host->slack_kib > stop)
        d.reason = BALLAST_KSM_REASON_PLENTY;
      else
        {
          if (running)
            run = BALLAST_KSM_RUN_MERGE;
          d.reason = BALLAST_KSM_REASON_BAND;
        }
      /* Off when it only burns CPU: over budget even at the slowest scan,
       * and nothing new merged. */
      if (run == BALLAST_KSM_RUN_MERGE && running && d.has_rates && d.has_cpu
          && d.cpu_permille * 10 > policy->cpu_budget_permille * 11
          && d.earning_permille < BALLAST_KSM_EARNING_LOW_PERMILLE
          && state->pages_to_scan <= policy->pages_to_scan_min)
        {
          run = stopped (state);
          d.reason = BALLAST_KSM_REASON_NOT_EARNING;
        }
      break;
    }

  if (d.run_controllable)
    {
      d.wanted.set |= BALLAST_KSM_SET_RUN;
      d.wanted.run = run;
      d.run_changes = run != state->run;
    }

  /* Scan rate and sleep, for a ksmd that is to run. */
  if (run == BALLAST_KSM_RUN_MERGE || (!d.run_controllable && mode != BALLAST_KSM_MODE_OFF))
    {
      if ((state->present & BALLAST_KSM_HAS_ADVISOR_MODE)
          && state->advisor_mode != BALLAST_KSM_ADVISOR_NONE)
        d.scan_reason = BALLAST_KSM_SCAN_ADVISOR;
      else
        {
          d.wanted.set |= BALLAST_KSM_SET_PAGES_TO_SCAN;
          d.wanted.pages_to_scan = choose_pages_to_scan (policy, state->pages_to_scan, &d);
        }
      d.wanted.set |= BALLAST_KSM_SET_SLEEP_MILLISECS;
      d.wanted.sleep_millisecs = ballast_ksm_policy_sleep_millisecs (policy, host->budget_total_kib);
    }
  else
    d.scan_reason = BALLAST_KSM_SCAN_NOT_RUNNING;

  /* The kernel switches the policy sets, in every mode. */
  if (policy->use_zero_pages != BALLAST_KSM_KNOB_UNSET
      && (state->present & BALLAST_KSM_HAS_USE_ZERO_PAGES))
    {
      d.wanted.set |= BALLAST_KSM_SET_USE_ZERO_PAGES;
      d.wanted.use_zero_pages = policy->use_zero_pages == BALLAST_KSM_KNOB_YES;
    }
  if (policy->merge_across_nodes != BALLAST_KSM_KNOB_UNSET
      && (state->present & BALLAST_KSM_HAS_MERGE_ACROSS_NODES))
    {
      gboolean want = policy->merge_across_nodes == BALLAST_KSM_KNOB_YES;
      /* A change unmerges everything first (ksm_write_plan): only when the
       * host can take the pages back, or they are already unmerged. */
      gboolean merged = state->pages_shared > 0 || state->pages_sharing > 0;
      if (want == state->merge_across_nodes || !merged || state->run == BALLAST_KSM_RUN_UNMERGE
          || unmerge_affordable (&d))
        {
          d.wanted.set |= BALLAST_KSM_SET_MERGE_ACROSS_NODES;
          d.wanted.merge_across_nodes = want;
        }
      else
        d.merge_across_nodes_deferred = TRUE;
      /* The writer needs to know the run to restore; remote hosts cannot
       * unmerge at all, ballast_ksm_tunables_to_libvirt() says so. */
    }
  *ret_decision = d;
}

void
ballast_ksm_history_advance (BallastKsmHistory *history, const BallastKsmSample *sample,
                             const BallastKsmDecision *decision)
{
  if (decision->scan_reason == BALLAST_KSM_SCAN_COUNTERS_RESET)
    history->counter_resets++;
  if (decision->reason == BALLAST_KSM_REASON_NOT_EARNING && decision->run_changes)
    history->paused_until_usec = sample->time_usec + BALLAST_KSM_NOT_EARNING_PAUSE_USEC;
  history->previous = *sample;
  history->has_sample = TRUE;
}

/* ---- Words ---- */

const char *
ballast_ksm_reason_to_string (BallastKsmReason reason)
{
  switch (reason)
    {
    case BALLAST_KSM_REASON_OFF:
      return "off";
    case BALLAST_KSM_REASON_OFF_UNMERGE:
      return "off-unmerge";
    case BALLAST_KSM_REASON_OFF_KEEP_MERGED:
      return "off-keep-merged";
    case BALLAST_KSM_REASON_ON:
      return "on";
    case BALLAST_KSM_REASON_SHORT:
      return "short";
    case BALLAST_KSM_REASON_BAND:
      return "band";
    case BALLAST_KSM_REASON_PLENTY:
      return "plenty";
    case BALLAST_KSM_REASON_NOTHING_SHAREABLE:
      return "nothing-shareable";
    case BALLAST_KSM_REASON_NOT_EARNING:
      return "not-earning";
    case BALLAST_KSM_REASON_PAUSED:
      return "paused";
    default:
      return "?";
    }
}

const char *
ballast_ksm_scan_reason_to_string (BallastKsmScanReason reason)
{
  switch (reason)
    {
    case BALLAST_KSM_SCAN_NOT_RUNNING:
      return "not-running";
    case BALLAST_KSM_SCAN_NO_HISTORY:
      return "no-history";
    case BALLAST_KSM_SCAN_COUNTERS_RESET:
      return "counters-reset";
    case BALLAST_KSM_SCAN_ADVISOR:
      return "advisor";
    case BALLAST_KSM_SCAN_CLAMPED:
      return "clamped";
    case BALLAST_KSM_SCAN_HOLD:
      return "hold";
    case BALLAST_KSM_SCAN_UP_EARNING:
      return "up-earning";
    case BALLAST_KSM_SCAN_DOWN_IDLE:
      return "down-idle";
    case BALLAST_KSM_SCAN_DOWN_CPU:
      return "down-cpu";
    case BALLAST_KSM_SCAN_CPU_LIMIT:
      return "cpu-limit";
    case BALLAST_KSM_SCAN_AT_MAX:
      return "at-max";
    case BALLAST_KSM_SCAN_AT_MIN:
      return "at-min";
    default:
      return "?";
    }
}

static char *
format_slack (gint64 slack_kib)
{
  g_autofree char *size = ballast_size_format_kib ((guint64) ABS (slack_kib));
  return g_strdup_printf ("%s%s", slack_kib < 0 ? "-" : "", size);
}

static void
append_situation (GString *text, const BallastKsmDecision *d)
{
  g_autofree char *slack = format_slack (d->slack_kib);
  g_autofree char *start = ballast_size_format_kib (d->start_below_kib);
  g_autofree char *stop = ballast_size_format_kib (d->stop_above_kib);
  g_autofree char *cost = ballast_size_format_kib (d->unmerge_cost_kib);
  switch (d->reason)
    {
    case BALLAST_KSM_REASON_OFF:
      g_string_append (text, "mode off");
      break;
    case BALLAST_KSM_REASON_OFF_UNMERGE:
      g_string_append_printf (text, "mode off, guests of different tenants: unmerging %s "
                              "(slack %s)", cost, slack);
      break;
    case BALLAST_KSM_REASON_OFF_KEEP_MERGED:
      g_string_append_printf (text, "mode off, guests of different tenants: %s still merged, "
                              "no room to unmerge (slack %s)", cost, slack);
      break;
    case BALLAST_KSM_REASON_ON:
      g_string_append (text, "mode on");
      break;
    case BALLAST_KSM_REASON_SHORT:
      g_string_append_printf (text, "host short (slack %s < start %s)", slack, start);
      break;
    case BALLAST_KSM_REASON_BAND:
      g_string_append_printf (text, "slack %s between start %s and stop %s", slack, start, stop);
      break;
    case BALLAST_KSM_REASON_PLENTY:
      g_string_append_printf (text, "plenty (slack %s > stop %s)", slack, stop);
      break;
    case BALLAST_KSM_REASON_NOTHING_SHAREABLE:
      g_string_append (text, "no guest to share pages (all nosharepages or excluded)");
      break;
    case BALLAST_KSM_REASON_NOT_EARNING:
      g_string_append_printf (text, "ksmd over its CPU budget at the slowest scan, saving nothing "
                              "new: paused for %u min", (guint) (BALLAST_KSM_NOT_EARNING_PAUSE_USEC
                                                                 / G_USEC_PER_SEC / 60));
      break;
    case BALLAST_KSM_REASON_PAUSED:
      g_string_append_printf (text, "host short (slack %s), but ksmd was stopped for not earning",
                              slack);
      break;
    default:
      break;
    }
}

char *
ballast_ksm_decision_describe (const BallastKsmDecision *d)
{
  GString *text = g_string_new (ballast_ksm_mode_to_string (d->mode));
  g_string_append (text, ": ");
  append_situation (text, d);
  if (d->run_changes)
    g_string_append (text, d->wanted.run == BALLAST_KSM_RUN_MERGE ? ": start ksmd"
                           : d->wanted.run == BALLAST_KSM_RUN_UNMERGE ? ": stop ksmd and unmerge"
                           : ": stop ksmd");
  else if (!d->run_controllable)
    g_string_append (text, " (libvirt cannot start or stop ksmd)");

  if (d->wanted.set & BALLAST_KSM_SET_PAGES_TO_SCAN)
    {
      if (d->wanted.pages_to_scan != d->old_pages_to_scan)
        g_string_append_printf (text, "; pages_to_scan %u -> %u", d->old_pages_to_scan,
                                d->wanted.pages_to_scan);
      else
        g_string_append_printf (text, "; pages_to_scan %u", d->old_pages_to_scan);
      g_string_append_printf (text, " (%s", ballast_ksm_scan_reason_to_string (d->scan_reason));
      if (d->has_rates)
        g_string_append_printf (text, ", earning %u per 1000 %sscanned", d->earning_permille,
                                d->scanned_estimated ? "estimated " : "");
      if (d->has_cpu)
        g_string_append_printf (text, ", ksmd %u.%u%% CPU", d->cpu_permille / 10,
                                d->cpu_permille % 10);
      g_string_append (text, ")");
    }
  else if (d->scan_reason == BALLAST_KSM_SCAN_ADVISOR)
    g_string_append (text, "; pages_to_scan set by the kernel's advisor");
  if (d->merge_across_nodes_deferred)
    g_string_append (text, "; merge_across_nodes change waits for room to unmerge");
  g_autofree char *saved = ballast_size_format_kib (d->saved_kib);
  g_string_append_printf (text, "; saving %s", saved);
  return g_string_free (text, FALSE);
}
