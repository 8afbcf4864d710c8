/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "daemon-config.h"
#include "domain-registry.h"
#include "host-snapshot.h"
#include "libvirt-session.h"
#include "overcommit-gate.h"
#include "path-context.h"
#include "policy-engine.h"
#include "policy-file.h"

G_BEGIN_DECLS

/* The one owner of ballastd's state: _new builds, _start starts
 * the loop's sources, _free copes with anything half-built. Main thread. */
typedef struct _BallastDaemon BallastDaemon;

typedef struct {
  gboolean once;           /* one cycle, print the table, exit */
  guint max_cycles;        /* stop after this many cycles (0: never); for tests */
} BallastRunOptions;

BallastDaemon *ballast_daemon_new (const BallastDaemonConfig *config, const BallastPaths *paths,
                                   const BallastRunOptions *options, GError **error);
void ballast_daemon_free (BallastDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastDaemon, ballast_daemon_free)

/* Run until stopped (signal, --once done, or fatal error). Returns the
 * process exit status. */
int ballast_daemon_run (BallastDaemon *daemon);
/* Make ballast_daemon_run() return, as SIGTERM does. Any thread. */
void ballast_daemon_quit (BallastDaemon *daemon);

/* ---- Read access for reports and the control socket ---- */

typedef struct {
  guint64 cycles;
  guint64 cycles_skipped;       /* timer fired while libvirt was still busy */
  gboolean libvirt_stalled;     /* a cycle has been waiting on libvirt too long */
  guint last_cycle_libvirt_calls;
  guint64 libvirt_calls_total;
  gint64 last_cycle_duration_usec;
  gint64 last_cycle_wall_usec;  /* when the last cycle finished */
  guint64 changes_applied;
  guint64 changes_failed;
  guint64 pressure_events;      /* kernel pressure notifications received */
} BallastDaemonCounters;

const BallastDaemonConfig *ballast_daemon_get_config (BallastDaemon *daemon);
BallastRegistry *ballast_daemon_get_registry (BallastDaemon *daemon);
BallastSession *ballast_daemon_get_session (BallastDaemon *daemon);
const BallastDaemonCounters *ballast_daemon_get_counters (BallastDaemon *daemon);
/* The control socket's server, or NULL (--once has none). */
typedef struct _BallastControlServer BallastControlServer;
BallastControlServer *ballast_daemon_get_control (BallastDaemon *daemon);
const BallastPolicy *ballast_daemon_get_policy (BallastDaemon *daemon);
/* The latest host snapshot, or NULL (with RET_ERROR set) when unreadable. */
const BallastHostSnapshot *ballast_daemon_get_host (BallastDaemon *daemon, const char **ret_error);
/* The latest plan (host figures of the last decision), or NULL. */
const BallastPlan *ballast_daemon_get_plan (BallastDaemon *daemon);
/* The page sharing manager (ksm-manager.h). */
typedef struct _BallastKsmManager BallastKsmManager;
BallastKsmManager *ballast_daemon_get_ksm (BallastDaemon *daemon);
const BallastHapReport *ballast_daemon_get_hap (BallastDaemon *daemon);
gboolean ballast_daemon_shrink_allowed (BallastDaemon *daemon);
BallastOvercommitMode ballast_daemon_overcommit_mode (BallastDaemon *daemon);
/* The policy in effect; RET_ERROR is why the last reload failed, or NULL. */
const BallastPolicyFile *ballast_daemon_get_policy_file (BallastDaemon *daemon, const char **ret_error);

/* Reread the policy file (SIGHUP, `ballastctl policy-reload`). A policy
 * that does not load leaves the previous one in effect and says why. */
gboolean ballast_daemon_reload_policy (BallastDaemon *daemon, GError **error);
const char *ballast_daemon_gate_description (BallastDaemon *daemon);
gboolean ballast_daemon_is_paused (BallastDaemon *daemon);
/* "active", "dry-run" or "paused". */
const char *ballast_daemon_mode (BallastDaemon *daemon);
void ballast_daemon_set_paused (BallastDaemon *daemon, gboolean paused);

G_END_DECLS
