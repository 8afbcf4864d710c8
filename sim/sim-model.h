/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy-file.h"
#include "sim-policy.h"
#include "sim-scenario.h"

G_BEGIN_DECLS

/* The simulator's model of a host and its guests, stepped in fixed time
 * steps, with a policy deciding every cycle. Deterministic: the same
 * scenario, policy file and policy always give the same result.
 *
 * Guest: the workload wants DEMAND resident. The guest holds ACTUAL (its
 * balloon size), which moves towards the policy's TARGET by at most the
 * scenario's balloon rate per second, as a real balloon does. What the
 * guest uses is min(demand, actual); the rest of the demand is unmet (the
 * guest swaps or reclaims: counted as pressure, MiB x s), and unmet demand
 * beyond the guest's OOM margin is a guest OOM event: the guest's OOM
 * killer ends the excess, which stays away until the guest holds its
 * demand again (the workload restarts once there is room). The guest reports
 * usable = free = actual - used, and while demand is unmet it swaps in a
 * quarter of the unmet memory per second (4 KiB per major fault).
 *
 * Host: a guest occupies on the host what it has touched and not yet given
 * back: its high-water mark of use, capped by its balloon (a balloon that
 * inflates hands pages back); with free page reporting only what it uses
 * now. Resident guest memory plus the host's other use beyond the budget is
 * overflow (MiB x s); overflow beyond the host's OOM margin is a host OOM
 * event. The host's PSI "some" average rises while it overflows. */

/* Swap-in per second as a share of a guest's unmet demand. */
#define BALLAST_SIM_SWAP_IN_PERMILLE_PER_SEC 250

typedef struct {
  double unmet_mib_sec;          /* demand above what guests held */
  guint guest_oom_events;
  double host_overflow_mib_sec;  /* resident + other above the budget */
  guint host_oom_events;
  guint balloon_ops;             /* target changes asked of a balloon */
  double avg_reclaimed_mib;      /* time average of sum(max - actual) */
  double peak_host_used_mib;     /* resident + other, at most */
  double peak_ratio;             /* sum of running guests' max / budget, at most */
  gint64 first_guest_oom_msec;   /* -1: none */
  gint64 first_host_oom_msec;    /* -1: none */
} BallastSimMetrics;

typedef struct {
  double unmet_mib_sec;
  guint oom_events;
  guint balloon_ops;
} BallastSimGuestMetrics;

/* Sampled curves for plotting, in MiB; NAN where a guest is not running.
 * Demand and host use are the maximum over each sample's interval, target
 * and actual their value at its end. */
typedef struct {
  gsize n_samples;
  gint64 interval_msec;
  gsize n_guests;
  float *demand_mib;            /* [guest * n_samples + sample] */
  float *target_mib;
  float *actual_mib;
  float *host_used_mib;         /* [sample]: resident guest memory + other */
  float *host_demand_mib;       /* [sample]: guests' demand + other */
  float *host_actual_mib;       /* [sample]: sum of balloons + other */
} BallastSimTimeline;

typedef struct {
  char *policy_name;
  BallastSimMetrics metrics;
  gsize n_guests;
  BallastSimGuestMetrics *guests; /* per scenario guest */
  BallastSimTimeline *timeline;   /* when asked for */
  /* With ballast-sim --min-budget (sim-budget.h): the smallest budget on
   * which this policy had no OOM; not found: none up to every guest's max. */
  gboolean has_min_budget;
  gboolean min_budget_found;
  guint64 min_budget_kib;
} BallastSimResult;

void ballast_sim_result_free (BallastSimResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSimResult, ballast_sim_result_free)

/* Called after every decision, for traces: the host and guest views the
 * policy saw, and its answer. */
typedef void (*BallastSimCycleFunc) (const BallastSimHostView *host,
                                     const BallastSimGuestView *guests, gsize n_guests,
                                     const guint64 *targets, const int *reasons,
                                     gpointer user_data);

typedef struct {
  gboolean timeline;            /* keep sampled curves */
  gsize max_samples;            /* per curve; 0: 800 */
  BallastSimCycleFunc on_cycle; /* may be NULL */
  gpointer user_data;
} BallastSimRunOptions;

/* Run SCENARIO under POLICY. FILE resolves every guest's tuning (min,
 * shares, ...) for all policies alike, as ballastd resolves it: the guest's
 * own fields in the scenario act as its domain metadata. OPTIONS may be
 * NULL. */
BallastSimResult *ballast_sim_run (const BallastSimScenario *scenario, const BallastPolicyFile *file,
                                   BallastSimPolicy *policy, const BallastSimRunOptions *options);

/* The tuning of GUEST under FILE, and its guarantee in KiB. */
void ballast_sim_guest_tuning (const BallastPolicyFile *file, const BallastSimGuest *guest,
                               BallastGuestTuning *ret_tuning, guint64 *ret_min_kib);

G_END_DECLS
