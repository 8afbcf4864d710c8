/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-actuator.h"

#include "ballast-error.h"
#include "libvirt-util.h"

#include <errno.h>
#include <unistd.h>

void
ballast_ksm_actuation_free (BallastKsmActuation *actuation)
{
  if (actuation == NULL)
    return;
  g_clear_pointer (&actuation->made, g_ptr_array_unref);
  g_clear_pointer (&actuation->skipped, g_ptr_array_unref);
  g_free (actuation->error);
  g_free (actuation);
}

static BallastKsmActuation *
actuation_new (void)
{
  BallastKsmActuation *actuation = g_new0 (BallastKsmActuation, 1);
  actuation->made = g_ptr_array_new_with_free_func (g_free);
  return actuation;
}

/* ---- Local: sysfs ---- */

typedef struct {
  BallastPaths *paths;
  BallastKsmWritePlan *plan;
} LocalRequest;

static void
local_request_free (gpointer data)
{
  LocalRequest *request = data;
  ballast_paths_free (request->paths);
  ballast_ksm_write_plan_free (request->plan);
  g_free (request);
}

/* ballast_ksm_apply() reports errno only as text: ask the file itself
 * whether we may write it, which is what an operator needs to hear. */
static gboolean
write_not_permitted (const BallastPaths *paths, BallastKsmTunable tunable)
{
  g_autofree char *dir = ballast_ksm_dir (paths);
  g_autofree char *path = g_build_filename (dir, ballast_ksm_tunable_name (tunable), NULL);
  return access (path, W_OK) != 0 && (errno == EACCES || errno == EPERM || errno == EROFS);
}

static void
actuate_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LocalRequest *request = task_data;
  const BallastKsmWritePlan *plan = request->plan;
  BallastKsmActuation *actuation = actuation_new ();
  gint64 started = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  guint done = 0;

  if (!ballast_ksm_apply (request->paths, plan, &done, &error))
    {
      actuation->error = g_strdup (error->message);
      if (done < plan->writes->len)
        actuation->not_permitted
          = write_not_permitted (request->paths,
                                 g_array_index (plan->writes, BallastKsmWrite, done).tunable);
    }
  for (guint i = 0; i < done; i++)
    {
      const BallastKsmWrite *write = &g_array_index (plan->writes, BallastKsmWrite, i);
      g_ptr_array_add (actuation->made, ballast_ksm_write_describe (write));
      if (write->tunable == BALLAST_KSM_SET_RUN && write->new_value == BALLAST_KSM_RUN_UNMERGE)
        actuation->unmerged = TRUE;
    }
  actuation->duration_usec = g_get_monotonic_time () - started;
  g_task_return_pointer (task, actuation, (GDestroyNotify) ballast_ksm_actuation_free);
}

void
ballast_ksm_actuate_async (const BallastPaths *paths, BallastKsmWritePlan *plan,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  LocalRequest *request = g_new0 (LocalRequest, 1);
  request->paths = ballast_paths_copy (paths);
  request->plan = plan;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, request, local_request_free);
  g_task_run_in_thread (task, actuate_in_thread);
}

BallastKsmActuation *
ballast_ksm_actuate_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Remote: libvirt's node memory parameters ---- */

typedef struct {
  virConnectPtr conn;
  virTypedParameterPtr params;
  int n_params;
  GPtrArray *skipped;
} RemoteRequest;

static void
remote_request_free (gpointer data)
{
  RemoteRequest *request = data;
  virConnectClose (request->conn);
  virTypedParamsFree (request->params, request->n_params);
  if (request->skipped != NULL)
    g_ptr_array_unref (request->skipped);
  g_free (request);
}

static void
remote_actuate_in_thread (GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  RemoteRequest *request = task_data;
  BallastKsmActuation *actuation = actuation_new ();
  gint64 started = g_get_monotonic_time ();
  actuation->skipped = g_steal_pointer (&request->skipped);
  if (virNodeSetMemoryParameters (request->conn, request->params, request->n_params, 0) < 0)
    {
      g_autoptr(GError) error = NULL;
      ballast_libvirt_set_error (&error, "cannot set the host's KSM parameters");
      actuation->error = g_strdup (error->message);
      actuation->not_permitted = virGetLastErrorCode () == VIR_ERR_ACCESS_DENIED;
      actuation->connection_lost = ballast_libvirt_error_is_connection_lost (request->conn);
    }
  else
    for (int i = 0; i < request->n_params; i++)
      g_ptr_array_add (actuation->made,
                       request->params[i].type == VIR_TYPED_PARAM_UINT
                         ? g_strdup_printf ("%s %u", request->params[i].field, request->params[i].value.ui)
                         : g_strdup (request->params[i].field));
  actuation->duration_usec = g_get_monotonic_time () - started;
  g_task_return_pointer (task, actuation, (GDestroyNotify) ballast_ksm_actuation_free);
}

void
ballast_ksm_remote_actuate_async (virConnectPtr conn, virTypedParameterPtr params, int n_params,
                                  GPtrArray *skipped, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  RemoteRequest *request = g_new0 (RemoteRequest, 1);
  virConnectRef (conn);
  request->conn = conn;
  request->params = params;
  request->n_params = n_params;
  request->skipped = skipped;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, request, remote_request_free);
  g_task_run_in_thread (task, remote_actuate_in_thread);
}

BallastKsmActuation *
ballast_ksm_remote_actuate_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
set_remote_error (virConnectPtr conn, GError **error, const char *what)
{
  ballast_libvirt_set_error (error, "%s", what);
  if (virGetLastErrorCode () == VIR_ERR_NO_SUPPORT)
    (*error)->code = BALLAST_ERROR_UNSUPPORTED;
  else if (ballast_libvirt_error_is_connection_lost (conn))
    (*error)->code = BALLAST_ERROR_DISCONNECTED;
}

gboolean
ballast_ksm_remote_read (virConnectPtr conn, BallastKsmState *ret_state, GError **error)
{
  int n_params = 0;
  /* First the count (params NULL), then the values: libvirt's documented
   * two-step use of this call. */
  if (virNodeGetMemoryParameters (conn, NULL, &n_params, 0) < 0)
    {
      set_remote_error (conn, error, "cannot read the host's KSM parameters");
      return FALSE;
    }
  if (n_params <= 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                   "the host reports no KSM parameters");
      return FALSE;
    }
  virTypedParameterPtr params = g_new0 (virTypedParameter, n_params);
  if (virNodeGetMemoryParameters (conn, params, &n_params, 0) < 0)
    {
      set_remote_error (conn, error, "cannot read the host's KSM parameters");
      g_free (params);
      return FALSE;
    }
  gboolean ok = ballast_ksm_state_from_libvirt (params, n_params, ret_state, error);
  virTypedParamsClear (params, n_params);
  g_free (params);
  return ok;
}

typedef struct {
  BallastKsmState state;
  gint64 time_usec;
} RemoteSample;

static void
close_connection (gpointer conn)
{
  virConnectClose (conn);
}

static void
remote_read_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  RemoteSample *sample = g_new0 (RemoteSample, 1);
  if (!ballast_ksm_remote_read (task_data, &sample->state, &error))
    {
      g_free (sample);
      g_task_return_error (task, error);
      return;
    }
  sample->time_usec = g_get_monotonic_time ();
  g_task_return_pointer (task, sample, g_free);
}

void
ballast_ksm_remote_read_async (virConnectPtr conn, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  virConnectRef (conn);
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, conn, close_connection);
  g_task_run_in_thread (task, remote_read_in_thread);
}

gboolean
ballast_ksm_remote_read_finish (GAsyncResult *result, BallastKsmState *ret_state,
                                gint64 *ret_time_usec, GError **error)
{
  g_autofree RemoteSample *sample = g_task_propagate_pointer (G_TASK (result), error);
  if (sample == NULL)
    return FALSE;
  *ret_state = sample->state;
  *ret_time_usec = sample->time_usec;
  return TRUE;
}
