/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "policy-engine.h"
#include "policy-file.h"
#include "sim-scenario.h"

G_BEGIN_DECLS

/* The balloon policies the simulator compares. Each sees the same thing a
 * real manager sees once per cycle (the host's budget and what is free,
 * each running guest's balloon and its own view of its memory) and answers
 * with new balloon targets. None of them sees a guest's future demand. */

/* The host as every policy sees it. */
typedef struct {
  guint64 total_kib;            /* the budget */
  guint64 available_kib;        /* budget - resident guest memory - other use */
  guint64 overflow_kib;         /* resident guest memory + other above the budget:
                                 * what a cgroup shows as its swap use */
  guint psi_some_avg10_centipct;
  guint decision_interval_sec;  /* the scenario's cycle */
  gint64 now_msec;
} BallastSimHostView;

/* One running guest as every policy sees it. */
typedef struct {
  guint index;                  /* into the scenario's guests */
  const char *name;
  guint64 max_kib;
  guint64 current_kib;          /* where the balloon is now (libvirt's "actual") */
  guint64 target_kib;           /* the last target set */
  guint64 usable_kib;           /* the guest's MemAvailable */
  guint64 free_kib;             /* the guest's MemFree ("unused") */
  guint64 resident_kib;         /* what the host holds of it (QEMU's RSS) */
  gboolean free_page_reporting; /* it hands its free pages back by itself */
  gboolean fixed;               /* its balloon frees nothing (from its domain XML:
                                 * only ballast reads it, as only ballastd does) */
  guint64 swap_in_kib_per_sec;  /* over the last cycle */
  guint64 major_faults_per_sec;
  guint64 min_kib;              /* resolved guarantee */
  BallastGuestTuning tuning;    /* resolved from the policy file and the guest */
  /* A guest with a virtio-mem device: the domain as ballastd would read it,
   * its device's <requested> and <current> as they are now; else NULL.
   * Sizes above are then the whole guest as a balloon-only manager sees
   * it: the balloon's, plus what is plugged. */
  const BallastDomainConfig *config;
} BallastSimGuestView;

typedef enum {
  BALLAST_SIM_POLICY_STATIC,
  BALLAST_SIM_POLICY_MOM,
  BALLAST_SIM_POLICY_PROXMOX,
  BALLAST_SIM_POLICY_BALLAST,
  BALLAST_SIM_POLICY_RECORDED,
} BallastSimPolicyKind;

typedef struct _BallastSimPolicy BallastSimPolicy;

/* Reasons are BallastReasonCode for "ballast", -1 for the others. */
#define BALLAST_SIM_NO_REASON (-1)

/* A policy by name: "static", "mom", "proxmox", "ballast" (the real
 * allocator with FILE's parameters; its overcommit mode "auto" counts as
 * on, because the simulated host has hardware-assisted paging), or
 * "recorded" (the targets in a replayed trace; needs SCENARIO->from_trace).
 * FILE is borrowed and must outlive the policy. */
BallastSimPolicy *ballast_sim_policy_new (const char *name, const BallastPolicyFile *file,
                                          const BallastSimScenario *scenario, GError **error);
void ballast_sim_policy_free (BallastSimPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSimPolicy, ballast_sim_policy_free)

const char *ballast_sim_policy_name (const BallastSimPolicy *policy);
BallastSimPolicyKind ballast_sim_policy_kind (const BallastSimPolicy *policy);

/* Decide for N_GUESTS running guests. RET_BALLOON_KIB (N_GUESTS) comes in
 * holding each guest's balloon target and goes out with the new one;
 * RET_REQUESTED_KIB (N_GUESTS) the same for the <requested> size of a
 * guest's virtio-mem device (untouched without one); RET_REASONS
 * (N_GUESTS) gets a reason code or BALLAST_SIM_NO_REASON.
 *
 * Every policy decides each guest's whole size. MoM, Proxmox and static
 * drive balloons only, as they do on real hosts: what is plugged stays
 * plugged. ballast turns its sizes into a balloon target and a device size
 * as ballastd does (lib/memory-actuator.h), following each device's
 * unplug with ballastd's tracker (lib/virtio-mem-track.h). */
void ballast_sim_policy_decide (BallastSimPolicy *policy, const BallastSimHostView *host,
                                const BallastSimGuestView *guests, gsize n_guests,
                                guint64 *ret_balloon_kib, guint64 *ret_requested_kib,
                                int *ret_reasons);

/* For "ballast": what the allocator was fed in the last decision, one
 * input per guest of that call in the same order (growth, loan clock,
 * regrow delay, settling included, as ballastd --record writes them);
 * NULL for the other policies or before any decision. */
const BallastGuestInput *ballast_sim_policy_last_inputs (const BallastSimPolicy *policy);

/* The rule sets, exposed for their unit tests. Each takes the views and
 * writes each guest's whole size to RET_TARGETS, which come in holding
 * each guest's size as set now. */
void ballast_sim_mom_decide (const BallastSimHostView *host, const BallastSimGuestView *guests,
                             gsize n_guests, guint64 *ret_targets);
void ballast_sim_proxmox_decide (const BallastSimHostView *host, const BallastSimGuestView *guests,
                                 gsize n_guests, guint64 *ret_targets);

G_END_DECLS
