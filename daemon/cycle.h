/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "daemon-view.h"
#include "domain-registry.h"
#include "exit-policy.h"
#include "host-snapshot.h"
#include "libvirt-worker.h"
#include "policy-engine.h"
#include "policy-file.h"

G_BEGIN_DECLS

/* One cycle of ballastd between the worker's two calls: what libvirt
 * said goes into the registry (merge), each domain is classified, the
 * allocator decides, and the decision becomes the actions the worker
 * carries out; then what the worker did goes back into the registry
 * (applied). No libvirt call, no timer, no file: daemon.c owns the event
 * sources and hands the actions on (docs/ARCHITECTURE.md, "One cycle").
 * Main thread. */

/* Anything learnt about the previous run of DOMAIN is void (it started
 * or stopped). */
void ballast_cycle_forget_run (BallastDomain *domain);

/* DOMAIN's definition may have changed (a domain event): its XML is
 * fetched again next cycle. */
void ballast_cycle_config_changed (BallastDomain *domain);

/* libvirt says DOMAIN's balloon is now ACTUAL_KIB (a balloon change
 * event): its stats, if it has any, say so until the next collection. */
void ballast_cycle_balloon_changed (BallastDomain *domain, guint64 actual_kib);

/* DOMAIN's tuning from its metadata and POLICY_FILE's rules and
 * defaults. Bad metadata is reported once and ignored: the policy still
 * applies. */
void ballast_cycle_resolve_tuning (BallastDomain *domain, const BallastPolicyFile *policy_file);

/* Merge a collection into REGISTRY: new domains, fresh XML (and the
 * tuning it resolves to under POLICY_FILE), stats and their history;
 * domains libvirt no longer lists are forgotten. STATS_PERIOD_SEC is the
 * period the worker set where a balloon had none; MIN_CHANGE_KIB how near
 * its target a balloon counts as there. */
void ballast_cycle_merge (BallastRegistry *registry, BallastCollectResult *result,
                          const BallastPolicyFile *policy_file, guint stats_period_sec,
                          guint64 min_change_kib, gint64 now_usec);

/* How ballast regards each domain of REGISTRY this cycle (managed,
 * unresponsive, excluded, fixed, partial-stats, no-driver, unmanaged) and
 * why; a change is logged. A running guest whose balloon driver has not
 * reported gets DRIVER_WAIT_SEC from when it was first seen running before
 * it is no-driver. POLICY gives the partial-stats headroom its reason
 * names; INTERVAL_MSEC is the time between two regular cycles (--interval),
 * which a balloon must have stood still for some of before it is stuck. */
void ballast_cycle_classify (BallastRegistry *registry, const BallastPolicy *policy,
                             guint driver_wait_sec, guint interval_msec, gint64 now_usec);

typedef struct {
  const BallastPolicy *policy;
  gboolean shrink_allowed;  /* the overcommit gate's verdict */
  gboolean actuate;         /* change balloons: not in a dry run, not paused */
  gboolean keep_run_state;  /* write loan clocks and spikes into live metadata */
  const char *mode;         /* said with a change that is not made */
  BallastExitRestore *exit_restore; /* restoring on exit: grow only; or NULL */
  guint interval_sec;       /* time to the next decision (--interval) */
} BallastCycleDecideOptions;

/* What one decision produced. */
typedef struct {
  BallastHostInput host;      /* the allocator's inputs, as the trace records them */
  BallastGuestInput *guests;
  gsize n_guests;
  BallastPlan *plan;          /* one decision per guest, same order */
  GPtrArray *actions;         /* BallastApplyItem*: balloon targets, then run state writes */
} BallastCycleDecision;

void ballast_cycle_decision_free (BallastCycleDecision *decision);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastCycleDecision, ballast_cycle_decision_free)

/* Decide for the managed and unresponsive domains of REGISTRY (classified
 * first) on HOST: each gets its decision and its loan clock advanced; a
 * change not made (dry run, paused) goes to its journal at once. */
BallastCycleDecision *ballast_cycle_decide (BallastRegistry *registry,
                                            const BallastHostSnapshot *host,
                                            const BallastCycleDecideOptions *options,
                                            gint64 now_usec);

/* What the worker did with a decision's actions, back into REGISTRY:
 * targets, journals, the log and COUNTERS. PLAN is the decision's plan
 * (for the reasons). Sets *LOAN_STATE_UNSUPPORTED when the driver keeps
 * no domain metadata. */
void ballast_cycle_applied (BallastRegistry *registry, const BallastPlan *plan,
                            const BallastApplyResult *result, BallastDaemonCounters *counters,
                            gboolean *run_state_unsupported);

G_END_DECLS
