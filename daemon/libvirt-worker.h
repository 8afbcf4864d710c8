/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "balloon-stats.h"
#include "domain-config.h"
#include "domain-job.h"

G_BEGIN_DECLS

/* The libvirt calls of one cycle, run off the main thread so a slow or hung
 * libvirtd never blocks the control socket or the timers. Each job takes a
 * request (copied, so the main thread may go on changing its state) and
 * hands back a result on the main thread. */

/* Per-domain flags in a collect request. */
typedef enum {
  BALLAST_COLLECT_KNOWN = 1 << 0,        /* the main thread has this domain */
  BALLAST_COLLECT_FETCH_XML = 1 << 1,    /* its config is stale: refetch */
  BALLAST_COLLECT_SET_PERIOD = 1 << 2,   /* running balloon without a stats period */
  BALLAST_COLLECT_QUERY_JOB = 1 << 3,    /* a libvirt job may run: ask whether it still does */
  BALLAST_COLLECT_HAD_GUEST_VIEW = 1 << 4, /* its guest reported its figures last time */
} BallastCollectFlags;

typedef struct {
  virDomainPtr domain;          /* a reference for the main thread to keep */
  char *uuid;
  char *name;
  int state;                    /* virDomainState */
  int state_reason;             /* its virDomain*Reason */
  gboolean active;
  gboolean has_stats;
  BallastBalloonStats stats;
  gboolean stats_via_fallback;  /* virDomainMemoryStats(), not the bulk call */
  gboolean fetched_config;
  BallastDomainConfig *config;  /* when fetched and parsed */
  char *config_error;           /* when fetched and not parsed */
  gboolean period_attempted;
  char *period_error;           /* NULL when it was set */
  gboolean job_queried;         /* asked libvirt whether a job runs */
  BallastJob job;               /* what it said: BALLAST_JOB_NONE, or the job */
  char *job_error;              /* the query failed: why (JOB means nothing then) */
} BallastCollectedDomain;

typedef struct {
  GPtrArray *domains;           /* BallastCollectedDomain*: every domain libvirt has */
  guint libvirt_calls;
  gint64 duration_usec;
  gboolean connection_lost;
} BallastCollectResult;

void ballast_collect_result_free (BallastCollectResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastCollectResult, ballast_collect_result_free)

/* Run one collection: ONE virConnectGetAllDomainStats(STATE|BALLOON) for the
 * list, states and balloon stats of every domain; the XML of new or changed
 * domains; virDomainMemoryStats() only where the driver returned no balloon
 * fields at all; stats periods where needed; whether a job runs
 * (ballast_query_job()) where a job was seen or the state says one runs. FLAGS maps uuid ->
 * GUINT_TO_POINTER(BallastCollectFlags) and is taken over. */
void ballast_collect_async (virConnectPtr conn, GHashTable *flags, guint stats_period_sec,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data);
BallastCollectResult *ballast_collect_finish (GAsyncResult *result, GError **error);

typedef enum {
  BALLAST_APPLY_OK,
  BALLAST_APPLY_GONE,     /* the domain vanished or stopped meanwhile: normal */
  BALLAST_APPLY_FAILED,
  BALLAST_APPLY_BUSY,     /* not tried: a libvirt job runs on the domain (JOB) */
} BallastApplyOutcome;

typedef enum {
  BALLAST_APPLY_BALLOON,    /* virDomainSetMemoryFlags(LIVE) to target_kib */
  BALLAST_APPLY_RUN_STATE,  /* virDomainSetMetadata(LIVE) of the run state
                             * (lib/run-state.h): run_state_xml, or its
                             * removal when NULL */
  BALLAST_APPLY_VIRTIO_MEM, /* virDomainUpdateDeviceFlags(LIVE) of the
                             * virtio-mem device ALIAS with device_xml, which
                             * asks it for target_kib */
} BallastApplyKind;

typedef struct {
  BallastApplyKind kind;
  virDomainPtr domain;      /* reference */
  char *uuid;
  guint64 target_kib;
  char *run_state_xml;
  guint64 run_state_seq;    /* its number, from daemon/state-keeper.c */
  char *alias;              /* virtio-mem: the device */
  char *device_xml;         /* virtio-mem: its element with the new <requested> */
  guint64 old_kib;          /* virtio-mem: what it was asked for before */
  char *reason;             /* virtio-mem: why, for the log (not the worker's) */
  BallastApplyOutcome outcome;
  BallastJob job;           /* BUSY: the job that runs */
  int error_code;           /* virErrorNumber when FAILED */
  char *error;
} BallastApplyItem;

typedef struct {
  GPtrArray *items;         /* BallastApplyItem* */
  guint libvirt_calls;
  gboolean connection_lost;
} BallastApplyResult;

void ballast_apply_result_free (BallastApplyResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastApplyResult, ballast_apply_result_free)

BallastApplyItem *ballast_apply_item_new (virDomainPtr domain, const char *uuid,
                                          guint64 target_kib);
void ballast_apply_item_free (BallastApplyItem *item);
/* Writes XML (NULL: removes the element), the run state write number SEQ. */
BallastApplyItem *ballast_apply_item_new_run_state (virDomainPtr domain, const char *uuid,
                                                    const char *xml, guint64 seq);

/* Asks virtio-mem device ALIAS for REQUESTED_KIB (it was asked for OLD_KIB)
 * with DEVICE_XML (ballast_virtio_mem_update_xml()). */
BallastApplyItem *ballast_apply_item_new_virtio_mem (virDomainPtr domain, const char *uuid,
                                                     const char *alias, const char *device_xml,
                                                     guint64 old_kib, guint64 requested_kib);

/* Apply targets with virDomainSetMemoryFlags(LIVE): the only place in
 * ballast that moves a balloon; resize virtio-mem devices (the only place
 * that does); and keep the run state in the domains' live metadata. No
 * domain is changed while a libvirt job runs on it: each is asked first
 * (ballast_query_job(), once per domain and batch), and its items come
 * back BUSY. ITEMS (of BallastApplyItem*) is taken over and comes back in
 * the result with outcomes filled in. */
void ballast_apply_async (virConnectPtr conn, GPtrArray *items, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
BallastApplyResult *ballast_apply_finish (GAsyncResult *result, GError **error);

/* In a worker thread: whether a libvirt job runs on DOMAIN, and which:
 * one virDomainGetJobStats() (without a job: no monitor command, cheap). A
 * driver that cannot say (VIR_ERR_NO_SUPPORT), and the destination of a
 * migration, where libvirt keeps the stats to the source, give
 * BALLAST_JOB_NONE (the destination's domain is paused for the migration:
 * its state says so). Returns FALSE with ERROR on any other failure;
 * CALLS counts the libvirt calls. */
gboolean ballast_query_job (virDomainPtr domain, BallastJob *ret_job, guint *calls, GError **error);

/* ---- Test hooks ----
 * For the fault tests (tests/integration/test-faults.c), which need things
 * to happen at a given point of a cycle: AFTER_COLLECT runs on the worker
 * thread on a collection's result just before it is handed back (a test
 * may change the stats in it: a stand-in for guest reports that libvirt's
 * test driver cannot produce), BEFORE_APPLY just before a batch of balloon
 * changes is applied (between the decision and the actuation). NULL
 * hooks: none. Set them while no cycle is in flight. */
typedef void (*BallastCollectHook) (BallastCollectResult *result, gpointer user_data);
typedef void (*BallastApplyHook) (GPtrArray *items, gpointer user_data);
void ballast_worker_set_test_hooks (BallastCollectHook after_collect, BallastApplyHook before_apply,
                                    gpointer user_data);

/* The host's capabilities and its KVM domain capabilities as XML (the
 * latter NULL when the host has no KVM), for the overcommit gate of a
 * remote host. RET_DOMCAPS_XML is set on success. */
void ballast_fetch_capabilities_async (virConnectPtr conn, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
char *ballast_fetch_capabilities_finish (GAsyncResult *result, char **ret_domcaps_xml,
                                         GError **error);

G_END_DECLS
