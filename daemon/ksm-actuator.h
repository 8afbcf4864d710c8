/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <libvirt/libvirt.h>

#include "ksm.h"
#include "path-context.h"

G_BEGIN_DECLS

/* The only place ballastd changes KSM: the sysfs writes of a write plan on
 * the local host, virNodeSetMemoryParameters() on a remote one. Both run in
 * a worker thread, never on the main loop: writing 2 to "run" unmerges
 * every page inside write(2) (seconds on a big host), and even "run" 0
 * waits for ksmd's current batch. The remote read is a libvirt call, so it
 * runs in a worker too. Results come back on the main thread. */

typedef struct {
  GPtrArray *made;          /* ballast_ksm_write_describe() of each write made, in order */
  gboolean unmerged;        /* a run=2 write completed: nothing is merged any more */
  char *error;              /* why the first failing write failed, or NULL */
  gboolean not_permitted;   /* it failed for want of permission (ballastd not root) */
  GPtrArray *skipped;       /* remote: what libvirt cannot do, or NULL */
  gboolean connection_lost; /* remote: the connection died under the call */
  gint64 duration_usec;
} BallastKsmActuation;

void ballast_ksm_actuation_free (BallastKsmActuation *actuation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastKsmActuation, ballast_ksm_actuation_free)

/* Make the writes of PLAN (taken over) below PATHS->sys_dir, in order,
 * stopping at the first failure. */
void ballast_ksm_actuate_async (const BallastPaths *paths, BallastKsmWritePlan *plan,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
/* NULL only when cancelled (ERROR set): a failed write is reported in the
 * result, with the writes made before it. */
BallastKsmActuation *ballast_ksm_actuate_finish (GAsyncResult *result, GError **error);

/* Set PARAMS (N_PARAMS of them, taken over: virTypedParamsFree) with
 * virNodeSetMemoryParameters(). SKIPPED (taken over, may be NULL) is what
 * ballast_ksm_tunables_to_libvirt() said libvirt cannot do; it comes back in
 * the result. */
void ballast_ksm_remote_actuate_async (virConnectPtr conn, virTypedParameterPtr params,
                                       int n_params, GPtrArray *skipped,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
BallastKsmActuation *ballast_ksm_remote_actuate_finish (GAsyncResult *result, GError **error);

/* Read KSM through libvirt's node memory parameters (both calls of
 * virNodeGetMemoryParameters(): the count, then the values). Fails with
 * BALLAST_ERROR_UNSUPPORTED when the driver has none (VIR_ERR_NO_SUPPORT:
 * libvirt's test driver, hosts without KSM), BALLAST_ERROR_DISCONNECTED
 * when the connection is gone, else BALLAST_ERROR_LIBVIRT. Blocking: call
 * it in a worker thread, or in a test. */
gboolean ballast_ksm_remote_read (virConnectPtr conn, BallastKsmState *ret_state, GError **error);

/* ballast_ksm_remote_read() in a worker thread. */
void ballast_ksm_remote_read_async (virConnectPtr conn, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
/* RET_TIME_USEC: monotonic time of the read. */
gboolean ballast_ksm_remote_read_finish (GAsyncResult *result, BallastKsmState *ret_state,
                                         gint64 *ret_time_usec, GError **error);

G_END_DECLS
