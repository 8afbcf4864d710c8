/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "control-server.h"
#include "daemon-config.h"
#include "domain-registry.h"
#include "host-snapshot.h"
#include "ksm-manager.h"
#include "libvirt-session.h"
#include "overcommit-gate.h"
#include "policy-engine.h"
#include "policy-file.h"

G_BEGIN_DECLS

/* ballastd's own counters. */
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

/* What ballastd shows of itself to its reporters (daemon-report.c,
 * metrics.c, --once) and its control methods: they read it and never see
 * the daemon. The daemon owns it and republishes it after every cycle and
 * every change of its own state (a policy reload, pause, the gate); what
 * its pointers point to changes only on the main thread, between the
 * reporters' calls. Read-only: a reporter that needs to change something
 * asks through the control methods' commands (control-methods.h). */
typedef struct {
  const BallastDaemonConfig *config;
  /* "active", "dry-run" or "paused". */
  const char *mode;
  gboolean paused;
  const BallastDaemonCounters *counters;
  /* The connection to libvirt (its getters only). */
  BallastSession *session;
  /* The policy in effect, and why the last reload failed (or NULL). */
  const BallastPolicyFile *policy_file;
  const BallastPolicy *policy;
  const char *policy_error;
  /* The latest host snapshot, or NULL with HOST_ERROR saying why. */
  const BallastHostSnapshot *host;
  const char *host_error;
  /* The latest plan (host figures of the last decision), or NULL. */
  const BallastPlan *plan;
  /* The overcommit gate. */
  BallastOvercommitMode overcommit;
  const BallastHapReport *hap;   /* NULL until known */
  gboolean shrink_allowed;
  const char *gate_description;
  /* Every domain ballastd knows (its lookups and listing only). */
  BallastRegistry *registry;
  /* Page sharing: its reports, and ksm-set's override. */
  BallastKsmManager *ksm;
  /* The control socket's counters, or NULL (--once has no socket). */
  const BallastControlCounters *control;
} BallastDaemonView;

G_END_DECLS
