/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libvirt-worker.h"

#include "libvirt-util.h"
#include "run-state.h"
#include "ballast-error.h"

#include <string.h>

/* ---- Test hooks (set before a cycle starts, read on its thread) ---- */

static BallastCollectHook test_after_collect;
static BallastApplyHook test_before_apply;
static gpointer test_hook_data;

void
ballast_worker_set_test_hooks (BallastCollectHook after_collect, BallastApplyHook before_apply,
                               gpointer user_data)
{
  test_after_collect = after_collect;
  test_before_apply = before_apply;
  test_hook_data = user_data;
}

/* ---- Collect ---- */

static void
collected_domain_free (gpointer data)
{
  BallastCollectedDomain *collected = data;
  if (collected->domain != NULL)
    virDomainFree (collected->domain);
  g_free (collected->uuid);
  g_free (collected->name);
  ballast_domain_config_free (collected->config);
  g_free (collected->config_error);
  g_free (collected->period_error);
  g_free (collected->job_error);
  g_free (collected);
}

void
ballast_collect_result_free (BallastCollectResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->domains, g_ptr_array_unref);
  g_free (result);
}

typedef struct {
  virConnectPtr conn;
  GHashTable *flags;
  guint stats_period_sec;
} CollectRequest;

static void
collect_request_free (gpointer data)
{
  CollectRequest *request = data;
  virConnectClose (request->conn);
  g_hash_table_unref (request->flags);
  g_free (request);
}

/* The record's int FIELD, or FALLBACK. */
static int
record_int (const virDomainStatsRecord *record, const char *field, int fallback)
{
  for (int i = 0; i < record->nparams; i++)
    if (strcmp (record->params[i].field, field) == 0
        && record->params[i].type == VIR_TYPED_PARAM_INT)
      return record->params[i].value.i;
  return fallback;
}

static gboolean
record_has_balloon_fields (const virDomainStatsRecord *record)
{
  for (int i = 0; i < record->nparams; i++)
    if (g_str_has_prefix (record->params[i].field, "balloon."))
      return TRUE;
  return FALSE;
}

static gboolean
state_is_active (int state)
{
  return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED
         || state == VIR_DOMAIN_PAUSED || state == VIR_DOMAIN_PMSUSPENDED;
}

static void
fetch_config (BallastCollectedDomain *collected, guint *calls)
{
  (*calls)++;
  g_autofree char *xml = virDomainGetXMLDesc (collected->domain, 0);
  g_autoptr(GError) error = NULL;
  collected->fetched_config = TRUE;
  if (xml == NULL)
    {
      ballast_libvirt_set_error (&error, "cannot get the XML of %s", collected->name);
      collected->config_error = g_strdup (error->message);
      return;
    }
  collected->config = ballast_domain_config_parse (xml, &error);
  if (collected->config == NULL)
    {
      collected->config_error = g_strdup (error->message);
      return;
    }
  /* ballastd writes its run state into the live definition only. One in
   * the persistent definition too was copied there (a live XML dumped and
   * defined again) and comes back with every start of the domain, however
   * old: the live one cannot be told from it. Only guests above their
   * share or with spikes have one, and a config is fetched only when an
   * event says it changed (not for writes in our own namespace), so two
   * calls here stay cheap. */
  if (collected->config->run_state_xml != NULL)
    {
      (*calls)++;
      if (virDomainIsPersistent (collected->domain) == 1)
        {
          (*calls)++;
          g_autofree char *inactive = virDomainGetXMLDesc (collected->domain, VIR_DOMAIN_XML_INACTIVE);
          g_autoptr(BallastDomainConfig) definition
            = inactive != NULL ? ballast_domain_config_parse (inactive, NULL) : NULL;
          collected->config->run_state_in_definition
            = definition != NULL && definition->run_state_xml != NULL;
        }
    }
}

static void
fetch_memory_stats (BallastCollectedDomain *collected, guint *calls)
{
  virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
  (*calls)++;
  int n = virDomainMemoryStats (collected->domain, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);
  if (n < 0)
    {
      g_debug ("no memory stats for %s: %s", collected->name, virGetLastErrorMessage ());
      return;
    }
  ballast_balloon_stats_from_memory_stats (stats, n, &collected->stats);
  collected->has_stats = n > 0;
  collected->stats_via_fallback = TRUE;
}

gboolean
ballast_query_job (virDomainPtr domain, BallastJob *ret_job, guint *calls, GError **error)
{
  /* Not virDomainGetControlInfo(): it says "ok" through most of a live
   * migration (no job of the synchronous kind is held while QEMU copies). */
  int type = VIR_DOMAIN_JOB_NONE, nparams = 0, operation = VIR_DOMAIN_JOB_OPERATION_UNKNOWN;
  virTypedParameterPtr params = NULL;
  (*calls)++;
  if (virDomainGetJobStats (domain, &type, &params, &nparams, 0) < 0)
    {
      /* A driver without jobs (the test driver), and the QEMU driver on
       * the destination of a migration ("available only on the source
       * host"), whose domain's state says it is migrating: no job to wait
       * for here. */
      int code = virGetLastErrorCode ();
      if (code == VIR_ERR_NO_SUPPORT || code == VIR_ERR_OPERATION_UNSUPPORTED)
        {
          *ret_job = BALLAST_JOB_NONE;
          return TRUE;
        }
      ballast_libvirt_set_error (error, "cannot ask libvirt whether a job runs on %s",
                                 virDomainGetName (domain));
      return FALSE;
    }
  if (type != VIR_DOMAIN_JOB_NONE
      && virTypedParamsGetInt (params, nparams, VIR_DOMAIN_JOB_OPERATION, &operation) < 0)
    operation = VIR_DOMAIN_JOB_OPERATION_UNKNOWN;
  virTypedParamsFree (params, nparams);
  *ret_job = type == VIR_DOMAIN_JOB_NONE ? BALLAST_JOB_NONE : ballast_job_from_operation (operation);
  return TRUE;
}

static void
query_job (BallastCollectedDomain *collected, guint *calls)
{
  g_autoptr(GError) error = NULL;
  collected->job_queried = TRUE;
  if (!ballast_query_job (collected->domain, &collected->job, calls, &error))
    collected->job_error = g_strdup (error->message);
}

static void
set_stats_period (BallastCollectedDomain *collected, guint period_sec, guint *calls)
{
  (*calls)++;
  collected->period_attempted = TRUE;
  if (virDomainSetMemoryStatsPeriod (collected->domain, (int) period_sec,
                                     VIR_DOMAIN_AFFECT_LIVE) < 0)
    {
      collected->period_error = g_strdup (virGetLastErrorMessage ());
      return;
    }
  if (collected->config != NULL)
    collected->config->stats_period_sec = period_sec;
}

static void
collect_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CollectRequest *request = task_data;
  g_autoptr(BallastCollectResult) result = g_new0 (BallastCollectResult, 1);
  gint64 started = g_get_monotonic_time ();
  virDomainStatsRecordPtr *records = NULL;

  result->domains = g_ptr_array_new_with_free_func (collected_domain_free);
  result->libvirt_calls = 1;
  /* NOWAIT: a domain whose job admits no query (an incoming migration
   * admits none) gives what it can without waiting, not a stall of up to
   * 30 s in libvirt's job wait. */
  int n_records = virConnectGetAllDomainStats (request->conn,
                                               VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON,
                                               &records, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
  if (n_records < 0)
    {
      GError *error = NULL;
      ballast_libvirt_set_error (&error, "cannot get domain stats");
      if (ballast_libvirt_error_is_connection_lost (request->conn))
        error->code = BALLAST_ERROR_DISCONNECTED;
      g_task_return_error (task, error);
      return;
    }

  for (int i = 0; i < n_records; i++)
    {
      const virDomainStatsRecord *record = records[i];
      BallastCollectedDomain *collected = g_new0 (BallastCollectedDomain, 1);
      char uuid[VIR_UUID_STRING_BUFLEN];
      virDomainGetUUIDString (record->dom, uuid);
      virDomainRef (record->dom);
      collected->domain = record->dom;
      collected->uuid = g_strdup (uuid);
      collected->name = g_strdup (virDomainGetName (record->dom));
      collected->state = record_int (record, "state.state", VIR_DOMAIN_NOSTATE);
      collected->state_reason = record_int (record, "state.reason", 0);
      collected->active = state_is_active (collected->state);
      g_ptr_array_add (result->domains, collected);

      guint flags = GPOINTER_TO_UINT (g_hash_table_lookup (request->flags, uuid));
      if (!(flags & BALLAST_COLLECT_KNOWN) || (flags & BALLAST_COLLECT_FETCH_XML))
        fetch_config (collected, &result->libvirt_calls);

      if (!collected->active)
        continue;
      gboolean job_seen = (flags & BALLAST_COLLECT_QUERY_JOB)
                          || ballast_job_from_state (collected->state, collected->state_reason)
                               != BALLAST_JOB_NONE;
      if (job_seen)
        query_job (collected, &result->libvirt_calls);
      if (record_has_balloon_fields (record))
        {
          ballast_balloon_stats_from_typed_params (record->params, record->nparams,
                                                   &collected->stats);
          collected->has_stats = TRUE;
        }
      /* Without the guest's figures: a driver that does not report them,
       * or (NOWAIT) another client's job on the domain at that instant,
       * which virDomainMemoryStats() waits out; not for a domain in a job
       * of its own, which it would wait out too. */
      gboolean guest_view = collected->has_stats && ballast_balloon_stats_has_guest_view (&collected->stats);
      if (!job_seen && (!collected->has_stats || (!guest_view && (flags & BALLAST_COLLECT_HAD_GUEST_VIEW))))
        fetch_memory_stats (collected, &result->libvirt_calls);

      gboolean needs_period = (flags & BALLAST_COLLECT_SET_PERIOD) != 0;
      if (collected->config != NULL)
        needs_period = collected->config->has_balloon && collected->config->stats_period_sec == 0;
      /* Setting it waits for a job to end: not while one may run. */
      if (needs_period && request->stats_period_sec > 0 && !job_seen)
        set_stats_period (collected, request->stats_period_sec, &result->libvirt_calls);
    }
  virDomainStatsRecordListFree (records);
  result->duration_usec = g_get_monotonic_time () - started;
  if (test_after_collect != NULL)
    test_after_collect (result, test_hook_data);
  g_task_return_pointer (task, g_steal_pointer (&result),
                         (GDestroyNotify) ballast_collect_result_free);
}

void
ballast_collect_async (virConnectPtr conn, GHashTable *flags, guint stats_period_sec,
                       GCancellable *cancellable, GAsyncReadyCallback callback,
                       gpointer user_data)
{
  CollectRequest *request = g_new0 (CollectRequest, 1);
  virConnectRef (conn);
  request->conn = conn;
  request->flags = flags;
  request->stats_period_sec = stats_period_sec;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, request, collect_request_free);
  g_task_run_in_thread (task, collect_in_thread);
}

BallastCollectResult *
ballast_collect_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Apply ---- */

void
ballast_apply_item_free (BallastApplyItem *item)
{
  if (item == NULL)
    return;
  if (item->domain != NULL)
    virDomainFree (item->domain);
  g_free (item->uuid);
  g_free (item->run_state_xml);
  g_free (item->alias);
  g_free (item->device_xml);
  g_free (item->reason);
  g_free (item->error);
  g_free (item);
}

BallastApplyItem *
ballast_apply_item_new (virDomainPtr domain, const char *uuid, guint64 target_kib)
{
  BallastApplyItem *item = g_new0 (BallastApplyItem, 1);
  virDomainRef (domain);
  item->domain = domain;
  item->uuid = g_strdup (uuid);
  item->target_kib = target_kib;
  return item;
}

BallastApplyItem *
ballast_apply_item_new_run_state (virDomainPtr domain, const char *uuid, const char *xml,
                                  guint64 seq)
{
  BallastApplyItem *item = ballast_apply_item_new (domain, uuid, 0);
  item->kind = BALLAST_APPLY_RUN_STATE;
  item->run_state_xml = g_strdup (xml);
  item->run_state_seq = seq;
  return item;
}

BallastApplyItem *
ballast_apply_item_new_virtio_mem (virDomainPtr domain, const char *uuid, const char *alias,
                                   const char *device_xml, guint64 old_kib, guint64 requested_kib)
{
  BallastApplyItem *item = ballast_apply_item_new (domain, uuid, requested_kib);
  item->kind = BALLAST_APPLY_VIRTIO_MEM;
  item->alias = g_strdup (alias);
  item->device_xml = g_strdup (device_xml);
  item->old_kib = old_kib;
  return item;
}

static int
apply_one (const BallastApplyItem *item)
{
  if (item->kind == BALLAST_APPLY_VIRTIO_MEM)
    return virDomainUpdateDeviceFlags (item->domain, item->device_xml, VIR_DOMAIN_AFFECT_LIVE);
  if (item->kind == BALLAST_APPLY_RUN_STATE)
    return virDomainSetMetadata (item->domain, VIR_DOMAIN_METADATA_ELEMENT, item->run_state_xml,
                                 BALLAST_RUN_STATE_PREFIX, BALLAST_RUN_STATE_NS,
                                 VIR_DOMAIN_AFFECT_LIVE);
  return virDomainSetMemoryFlags (item->domain, item->target_kib, VIR_DOMAIN_AFFECT_LIVE);
}

void
ballast_apply_result_free (BallastApplyResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->items, g_ptr_array_unref);
  g_free (result);
}

typedef struct {
  virConnectPtr conn;
  GPtrArray *items;
} ApplyRequest;

static void
apply_request_free (gpointer data)
{
  ApplyRequest *request = data;
  virConnectClose (request->conn);
  if (request->items != NULL)
    g_ptr_array_unref (request->items);
  g_free (request);
}

static void
apply_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ApplyRequest *request = task_data;
  BallastApplyResult *result = g_new0 (BallastApplyResult, 1);
  result->items = g_steal_pointer (&request->items);
  if (test_before_apply != NULL)
    test_before_apply (result->items, test_hook_data);
  /* uuid -> GINT_TO_POINTER (job + 1): each domain asked once. */
  g_autoptr(GHashTable) jobs = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < result->items->len; i++)
    {
      BallastApplyItem *item = result->items->pdata[i];
      if (result->connection_lost)
        {
          item->outcome = BALLAST_APPLY_FAILED;
          item->error = g_strdup ("connection lost");
          continue;
        }
      gpointer known = g_hash_table_lookup (jobs, item->uuid);
      if (known == NULL)
        {
          BallastJob job = BALLAST_JOB_NONE;
          /* A failed query is no reason to hold back: the change itself
           * fails the same way if the domain is gone, and libvirt still
           * makes it wait for any job. */
          if (!ballast_query_job (item->domain, &job, &result->libvirt_calls, NULL))
            job = BALLAST_JOB_NONE;
          known = GINT_TO_POINTER (job + 1);
          g_hash_table_insert (jobs, item->uuid, known);
        }
      item->job = (BallastJob) (GPOINTER_TO_INT (known) - 1);
      if (item->job != BALLAST_JOB_NONE)
        {
          item->outcome = BALLAST_APPLY_BUSY;
          continue;
        }
      result->libvirt_calls++;
      if (apply_one (item) == 0)
        {
          item->outcome = BALLAST_APPLY_OK;
          continue;
        }
      /* Taken first: asking whether the connection is alive is a libvirt
       * call, which clears the error (it was logged as "no error"). */
      item->error_code = virGetLastErrorCode ();
      item->error = g_strdup (virGetLastErrorMessage ());
      if (ballast_libvirt_error_is_domain_gone ())
        item->outcome = BALLAST_APPLY_GONE;
      else
        {
          item->outcome = BALLAST_APPLY_FAILED;
          result->connection_lost = ballast_libvirt_error_is_connection_lost (request->conn);
        }
    }
  g_task_return_pointer (task, result, (GDestroyNotify) ballast_apply_result_free);
}

void
ballast_apply_async (virConnectPtr conn, GPtrArray *items, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  ApplyRequest *request = g_new0 (ApplyRequest, 1);
  virConnectRef (conn);
  request->conn = conn;
  request->items = items;
  g_ptr_array_set_free_func (items, (GDestroyNotify) ballast_apply_item_free);
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, request, apply_request_free);
  g_task_run_in_thread (task, apply_in_thread);
}

BallastApplyResult *
ballast_apply_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Capabilities ---- */

static void
close_connection (gpointer conn)
{
  virConnectClose (conn);
}

static void
fetch_capabilities_in_thread (GTask *task, gpointer source, gpointer task_data,
                              GCancellable *cancellable)
{
  virConnectPtr conn = task_data;
  char *caps = virConnectGetCapabilities (conn);
  if (caps == NULL)
    {
      GError *error = NULL;
      ballast_libvirt_set_error (&error, "cannot read the host's capabilities");
      g_task_return_error (task, error);
      return;
    }
  /* Fails when the host has no KVM; the gate then says so. */
  char *domcaps = virConnectGetDomainCapabilities (conn, NULL, NULL, NULL, "kvm", 0);
  char **both = g_new0 (char *, 3);
  both[0] = caps;
  both[1] = domcaps;
  g_task_return_pointer (task, both, (GDestroyNotify) g_strfreev);
}

void
ballast_fetch_capabilities_async (virConnectPtr conn, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  virConnectRef (conn);
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_task_data (task, conn, close_connection);
  g_task_run_in_thread (task, fetch_capabilities_in_thread);
}

char *
ballast_fetch_capabilities_finish (GAsyncResult *result, char **ret_domcaps_xml, GError **error)
{
  char **both = g_task_propagate_pointer (G_TASK (result), error);
  if (both == NULL)
    return NULL;
  char *caps = both[0];
  *ret_domcaps_xml = both[1];
  g_free (both);
  return caps;
}
