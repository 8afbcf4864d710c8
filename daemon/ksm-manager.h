/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>
#include <libvirt/libvirt.h>

#include "domain-registry.h"
#include "ksm-report.h"
#include "ksm-policy.h"
#include "path-context.h"
#include "policy-file.h"

G_BEGIN_DECLS

/* Page sharing in ballastd (docs/ksm-design.md): once a cycle, after the
 * balloon plan, read the KSM counters (sysfs below PATHS->sys_dir, or
 * libvirt's node memory parameters for a remote URI), decide with
 * ballast_ksm_decide() and have ksm-actuator.c make the writes that change
 * something, in a worker thread. The savings are shown, never added to the
 * host's figures: the kernel already counts merged pages as free.
 * Main thread only. */
typedef struct _BallastKsmManager BallastKsmManager;

/* Probes the host once: a local URI whose kernel has no KSM leaves the
 * manager idle for good ("not available"); ksmd and ksmtuned are looked
 * for in PATHS->proc_dir. Guests' QEMU pids come from libvirt's pid files:
 * PATHS->run_dir/libvirt/qemu for qemu:///system, $XDG_RUNTIME_DIR/
 * libvirt/qemu/run for qemu:///session, none for other drivers and
 * remote URIs. */
BallastKsmManager *ballast_ksm_manager_new (const BallastPaths *paths, const char *uri);
void ballast_ksm_manager_free (BallastKsmManager *manager);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastKsmManager, ballast_ksm_manager_free)

/* Where libvirt's QEMU pid files are, instead of what the URI says (tests);
 * NULL: no per-guest figures. */
void ballast_ksm_manager_set_pid_dir (BallastKsmManager *manager, const char *pid_dir);

/* FILE was put in effect (at start, and on every reload): its <ksm> and
 * tenancy apply from the next cycle, the rate history starts over, and an
 * override made with ksm-set is dropped (the file is what the operator
 * wrote last). */
void ballast_ksm_manager_set_policy (BallastKsmManager *manager, const BallastPolicyFile *file);

typedef struct {
  guint64 budget_total_kib;  /* the snapshot's budget */
  gint64 slack_kib;          /* the balloon plan's slack: available + pending - reserve */
  gboolean actuate;          /* FALSE in dry-run and while paused: decide, log, write nothing */
  virConnectPtr conn;        /* remote URIs: the connection (may be NULL: skipped) */
} BallastKsmCycleInput;

/* One cycle: count the guests that may share pages (REGISTRY: running,
 * config read, not <nosharepages/>, not excluded by tuning), read, decide,
 * and start the writes. A read that fails costs KSM this cycle only; a
 * write still running from an earlier cycle is never joined by another. */
void ballast_ksm_manager_cycle (BallastKsmManager *manager, BallastRegistry *registry,
                                const BallastKsmCycleInput *input);

/* ---- ksm-set: a runtime override of the policy ---- */

typedef enum {
  BALLAST_KSM_OVERRIDE_MODE = 1 << 0,
  BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MIN = 1 << 1,
  BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MAX = 1 << 2,
  BALLAST_KSM_OVERRIDE_SLEEP_MILLISECS = 1 << 3,
  BALLAST_KSM_OVERRIDE_CPU_BUDGET = 1 << 4,
  BALLAST_KSM_OVERRIDE_MERGE_ACROSS_NODES = 1 << 5,
  BALLAST_KSM_OVERRIDE_USE_ZERO_PAGES = 1 << 6,
} BallastKsmOverrideField;

typedef struct {
  guint set;                   /* BallastKsmOverrideField bits */
  BallastKsmMode mode;
  guint pages_to_scan_min;
  guint pages_to_scan_max;
  guint sleep_millisecs;       /* written as given (scale none) */
  guint cpu_budget_permille;
  BallastKsmKnob merge_across_nodes;
  BallastKsmKnob use_zero_pages;
} BallastKsmOverride;

/* Apply CHANGES on top of the current override (on nothing, with CLEAR),
 * after checking the result as the policy file's loader would: pages_to_scan
 * min <= max, and no mode but off with <guests tenancy="multi">. UNMERGE
 * asks for one unmerge (run=2) at the next cycle that may write; without a
 * mode in CHANGES it also sets mode off, since auto or on would merge
 * again at once. Fails with BALLAST_ERROR_INVALID, changing nothing, or
 * BALLAST_ERROR_UNSUPPORTED when KSM is not available (or, for UNMERGE,
 * when only libvirt's parameters are, which cannot unmerge). */
gboolean ballast_ksm_manager_set_override (BallastKsmManager *manager,
                                           const BallastKsmOverride *changes, gboolean clear,
                                           gboolean unmerge, GError **error);

/* ---- Reports ---- */

/* What page sharing is and did, as `status` shows it (fields in
 * ballastctl(1), JSON OUTPUT). REPORT borrows the manager's strings: use
 * it before the next cycle or call on MANAGER. */
void ballast_ksm_manager_report (BallastKsmManager *manager, BallastKsmReport *report);

/* DOMAIN's share in it for `list` and `dominfo`: its share state, and the
 * QEMU process's KSM figures where the kernel and the driver give them
 * (read at most once a cycle, on demand). */
void ballast_ksm_manager_guest_report (BallastKsmManager *manager, BallastDomain *domain,
                                       BallastGuestKsmReport *report);

/* The result of the `ksm` method: the report with its "guests", the
 * running guests' shares (with their names). */
void ballast_ksm_manager_report_with_guests (BallastKsmManager *manager, BallastRegistry *registry,
                                             BallastKsmReport *report);

G_END_DECLS
