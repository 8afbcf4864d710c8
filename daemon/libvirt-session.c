/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libvirt-session.h"

#include "domain-job.h"
#include "libvirt-util.h"
#include "run-state.h"

#include <gio/gio.h>
#include <string.h>

#define BACKOFF_FIRST_SEC 1
#define BACKOFF_MAX_SEC 30
/* libvirt keepalive: a probe every 5 s, dead after 3 unanswered. This is
 * what turns a hung libvirtd into a closed connection we can recover from. */
#define KEEPALIVE_INTERVAL_SEC 5
#define KEEPALIVE_COUNT 3
/* How long freeing the session waits for the connection's teardown. */
#define TEARDOWN_WAIT_USEC (2 * G_USEC_PER_SEC)

struct _BallastSession {
  char *uri;
  BallastSessionCallbacks callbacks;
  gpointer user_data;

  BallastSessionState state;
  gboolean retry;
  virConnectPtr conn;
  int event_ids[7];
  gboolean close_callback_registered;
  GCancellable *cancellable;  /* cancels the delivery of an attempt in flight */

  guint retry_source;
  guint backoff_sec;
  gint64 retry_at_usec;
  guint reconnects;
  char *last_error;
  GMutex lost_lock;           /* guards the two below: see defer_connection_lost */
  guint lost_idle_source;
  gboolean freeing;
};

static void schedule_retry (BallastSession *session);
static void on_close (virConnectPtr conn, int reason, void *opaque);

/* ---- Events (delivered on the main loop by libvirt's event impl) ---- */

static void
deliver_event (BallastSession *session, virDomainPtr domain, BallastDomainEventKind kind,
               guint64 value)
{
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (session->callbacks.domain_event == NULL || virDomainGetUUIDString (domain, uuid) < 0)
    return;
  session->callbacks.domain_event (uuid, virDomainGetName (domain), kind, value,
                                   session->user_data);
}

/* What a lifecycle event says of a migration: begun (the destination's
 * start, a source paused for it) or ended (resumed after it); -1:
 * nothing. */
static int
lifecycle_job (int event, int detail)
{
  if (event == VIR_DOMAIN_EVENT_STARTED && detail == VIR_DOMAIN_EVENT_STARTED_MIGRATED)
    return BALLAST_JOB_MIGRATION_IN;
  if (event == VIR_DOMAIN_EVENT_SUSPENDED
      && (detail == VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED || detail == VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY))
    return BALLAST_JOB_MIGRATION;
  if (event == VIR_DOMAIN_EVENT_RESUMED
      && (detail == VIR_DOMAIN_EVENT_RESUMED_MIGRATED || detail == VIR_DOMAIN_EVENT_RESUMED_POSTCOPY))
    return BALLAST_JOB_NONE;
  return -1;
}

static int
on_lifecycle (virConnectPtr conn, virDomainPtr domain, int event, int detail, void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_LIFECYCLE, (guint64) event);
  int job = lifecycle_job (event, detail);
  if (job >= 0)
    deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_JOB, (guint64) job);
  return 0;
}

/* Only the source of a migration sees its iterations. */
static void
on_migration_iteration (virConnectPtr conn, virDomainPtr domain, int iteration, void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_JOB, BALLAST_JOB_MIGRATION_OUT);
}

static void
on_job_completed (virConnectPtr conn, virDomainPtr domain, virTypedParameterPtr params,
                  int nparams, void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_JOB, BALLAST_JOB_NONE);
}

static void
on_balloon_change (virConnectPtr conn, virDomainPtr domain, unsigned long long actual,
                   void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_BALLOON_CHANGE, actual);
}

static void
on_metadata_change (virConnectPtr conn, virDomainPtr domain, int type, const char *nsuri,
                    void *opaque)
{
  /* ballastd's own bookkeeping: nothing to read back. */
  if (g_strcmp0 (nsuri, BALLAST_RUN_STATE_NS) == 0)
    return;
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_METADATA_CHANGE, (guint64) type);
}

static void
on_device_change (virConnectPtr conn, virDomainPtr domain, const char *alias, void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_DEVICE_CHANGE, 0);
}

/* A virtio-mem device's plugged size (<current>) moved: the guest followed
 * a request, or part of it. The size is in the live XML, read again. */
static void
on_memory_device_size_change (virConnectPtr conn, virDomainPtr domain, const char *alias,
                              unsigned long long size, void *opaque)
{
  deliver_event (opaque, domain, BALLAST_DOMAIN_EVENT_DEVICE_CHANGE, 0);
}

/* ---- Losing the connection ---- */

static void
drop_connection (BallastSession *session)
{
  if (session->conn == NULL)
    return;
  /* The close callback first: it is local, and a deregistration below
   * that fails on a dying connection must not call back into a session
   * that is going away. */
  if (session->close_callback_registered)
    {
      virConnectUnregisterCloseCallback (session->conn, on_close);
      session->close_callback_registered = FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (session->event_ids); i++)
    {
      if (session->event_ids[i] >= 0)
        virConnectDomainEventDeregisterAny (session->conn, session->event_ids[i]);
      session->event_ids[i] = -1;
    }
  virConnectClose (session->conn);
  session->conn = NULL;
}

static void
set_last_error (BallastSession *session, const char *why)
{
  g_free (session->last_error);
  session->last_error = g_strdup (why);
}

static void
connection_lost (BallastSession *session, const char *why)
{
  if (session->state != BALLAST_SESSION_CONNECTED)
    return;
  g_warning ("connection to %s lost: %s", session->uri, why);
  set_last_error (session, why);
  drop_connection (session);
  session->state = BALLAST_SESSION_DISCONNECTED;
  session->backoff_sec = 0;
  if (session->callbacks.disconnected != NULL)
    session->callbacks.disconnected (why, session->user_data);
  if (session->retry)
    schedule_retry (session);
}

static const char *
close_reason_to_string (int reason)
{
  switch (reason)
    {
    case VIR_CONNECT_CLOSE_REASON_ERROR: return "I/O error";
    case VIR_CONNECT_CLOSE_REASON_EOF: return "libvirtd closed the connection";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE: return "libvirtd stopped answering keepalives";
    case VIR_CONNECT_CLOSE_REASON_CLIENT: return "closed by the client";
    default: return "unknown reason";
    }
}

typedef struct {
  BallastSession *session;
  char *why;
} LostLater;

static gboolean
on_lost_idle (gpointer data)
{
  LostLater *later = data;
  g_mutex_lock (&later->session->lost_lock);
  later->session->lost_idle_source = 0;
  g_mutex_unlock (&later->session->lost_lock);
  connection_lost (later->session, later->why);
  return G_SOURCE_REMOVE;
}

static void
lost_later_free (gpointer data)
{
  LostLater *later = data;
  g_free (later->why);
  g_free (later);
}

/* Tearing the connection down from inside libvirt's own callback is not
 * safe, so the work is deferred to the next main loop iteration. libvirt
 * calls the close callback from whichever thread finds the connection
 * dead, often a worker inside a call: without the lock, the idle could run
 * (and clear the id) before the worker stored it, leaving a stale id that
 * made every later loss go unreported, on a connection dead for good. */
static void
defer_connection_lost (BallastSession *session, const char *why)
{
  g_mutex_lock (&session->lost_lock);
  if (session->lost_idle_source == 0 && !session->freeing)
    {
      LostLater *later = g_new0 (LostLater, 1);
      later->session = session;
      later->why = g_strdup (why);
      session->lost_idle_source = g_idle_add_full (G_PRIORITY_HIGH, on_lost_idle, later,
                                                   lost_later_free);
    }
  g_mutex_unlock (&session->lost_lock);
}

static void
on_close (virConnectPtr conn, int reason, void *opaque)
{
  defer_connection_lost (opaque, close_reason_to_string (reason));
}

void
ballast_session_report_lost (BallastSession *session, const char *why)
{
  defer_connection_lost (session, why);
}

/* ---- Connecting (virConnectOpen blocks: run it in a thread) ---- */

/* What the connecting thread hands over: the connection with every
 * callback already registered. Registration is RPC to libvirtd too, so it
 * is done here, never on the main loop, where a libvirtd that hangs right
 * after accepting the connection would freeze the control socket. */
typedef struct {
  char *uri;
  BallastSession *session;  /* only as the callbacks' opaque pointer */
} OpenRequest;

typedef struct {
  virConnectPtr conn;
  int event_ids[7];
  gboolean close_callback_registered;
} OpenedConnection;

static void
open_request_free (gpointer data)
{
  OpenRequest *request = data;
  g_free (request->uri);
  g_free (request);
}

static void
opened_connection_free (gpointer data)
{
  OpenedConnection *opened = data;
  for (guint i = 0; i < G_N_ELEMENTS (opened->event_ids); i++)
    if (opened->event_ids[i] >= 0)
      virConnectDomainEventDeregisterAny (opened->conn, opened->event_ids[i]);
  if (opened->close_callback_registered)
    virConnectUnregisterCloseCallback (opened->conn, on_close);
  virConnectClose (opened->conn);
  g_free (opened);
}

static gboolean
register_callbacks (BallastSession *session, const char *uri, OpenedConnection *opened,
                    GError **error)
{
  virConnectPtr conn = opened->conn;
  if (virConnectRegisterCloseCallback (conn, on_close, session, NULL) < 0)
    g_debug ("close callback not supported: %s", virGetLastErrorMessage ());
  else
    opened->close_callback_registered = TRUE;

  struct {
    int id;
    virConnectDomainEventGenericCallback callback;
  } events[] = {
    { VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle) },
    { VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE, VIR_DOMAIN_EVENT_CALLBACK (on_balloon_change) },
    { VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK (on_metadata_change) },
    { VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK (on_device_change) },
    { VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE,
      VIR_DOMAIN_EVENT_CALLBACK (on_memory_device_size_change) },
    { VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION, VIR_DOMAIN_EVENT_CALLBACK (on_migration_iteration) },
    { VIR_DOMAIN_EVENT_ID_JOB_COMPLETED, VIR_DOMAIN_EVENT_CALLBACK (on_job_completed) },
  };
  G_STATIC_ASSERT (G_N_ELEMENTS (events) == G_N_ELEMENTS (opened->event_ids));
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    {
      opened->event_ids[i] = virConnectDomainEventRegisterAny (conn, NULL, events[i].id,
                                                               events[i].callback,
                                                               session, NULL);
      /* Lifecycle events are what keeps the domain list current; the
       * others only make reactions quicker, so a driver may lack them. */
      if (opened->event_ids[i] < 0 && events[i].id == VIR_DOMAIN_EVENT_ID_LIFECYCLE)
        {
          ballast_libvirt_set_error (error, "cannot register for domain events on %s", uri);
          return FALSE;
        }
      if (opened->event_ids[i] < 0)
        g_debug ("event %d not supported by %s: %s", events[i].id, uri,
                 virGetLastErrorMessage ());
    }
  return TRUE;
}

static void
open_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OpenRequest *request = task_data;
  virConnectPtr conn = virConnectOpen (request->uri);
  if (conn == NULL)
    {
      GError *error = NULL;
      ballast_libvirt_set_error (&error, "cannot connect to %s", request->uri);
      g_task_return_error (task, error);
      return;
    }
  if (virConnectSetKeepAlive (conn, KEEPALIVE_INTERVAL_SEC, KEEPALIVE_COUNT) < 0)
    g_debug ("keepalive not supported on %s, continuing without: %s", request->uri,
             virGetLastErrorMessage ());
  OpenedConnection *opened = g_new0 (OpenedConnection, 1);
  opened->conn = conn;
  for (guint i = 0; i < G_N_ELEMENTS (opened->event_ids); i++)
    opened->event_ids[i] = -1;
  GError *error = NULL;
  if (!register_callbacks (request->session, request->uri, opened, &error))
    {
      opened_connection_free (opened);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, opened, opened_connection_free);
}

static void
on_open_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  OpenedConnection *opened = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the session is being freed */

  BallastSession *session = user_data;
  g_clear_object (&session->cancellable);
  if (opened != NULL)
    {
      session->conn = opened->conn;
      memcpy (session->event_ids, opened->event_ids, sizeof session->event_ids);
      session->close_callback_registered = opened->close_callback_registered;
      g_free (opened);
    }
  if (session->conn == NULL)
    {
      session->state = BALLAST_SESSION_DISCONNECTED;
      set_last_error (session, error->message);
      if (session->callbacks.disconnected != NULL)
        session->callbacks.disconnected (error->message, session->user_data);
      if (session->retry)
        schedule_retry (session);
      return;
    }

  session->state = BALLAST_SESSION_CONNECTED;
  session->backoff_sec = 0;
  if (session->reconnects > 0 || session->last_error != NULL)
    g_message ("connected to %s again", session->uri);
  else
    g_message ("connected to %s", session->uri);
  if (session->callbacks.connected != NULL)
    session->callbacks.connected (session->user_data);
}

static void
attempt_connect (BallastSession *session)
{
  session->state = BALLAST_SESSION_CONNECTING;
  session->cancellable = g_cancellable_new ();
  /* The task must not deliver to a freed session: cancelling it makes
   * g_task_propagate_pointer() fail with G_IO_ERROR_CANCELLED. */
  g_autoptr(GTask) task = g_task_new (NULL, session->cancellable, on_open_done, session);
  g_task_set_return_on_cancel (task, TRUE);
  OpenRequest *request = g_new0 (OpenRequest, 1);
  request->uri = g_strdup (session->uri);
  request->session = session;
  g_task_set_task_data (task, request, open_request_free);
  g_task_run_in_thread (task, open_in_thread);
}

static gboolean
on_retry (gpointer user_data)
{
  BallastSession *session = user_data;
  session->retry_source = 0;
  session->reconnects++;
  attempt_connect (session);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (BallastSession *session)
{
  session->backoff_sec = session->backoff_sec == 0
                           ? BACKOFF_FIRST_SEC
                           : MIN (session->backoff_sec * 2, BACKOFF_MAX_SEC);
  session->retry_at_usec = g_get_monotonic_time () + (gint64) session->backoff_sec * G_USEC_PER_SEC;
  g_message ("not connected to %s (%s); retrying in %u s", session->uri,
             session->last_error != NULL ? session->last_error : "not yet connected",
             session->backoff_sec);
  session->retry_source = g_timeout_add_seconds (session->backoff_sec, on_retry, session);
}

/* ---- Public ---- */

BallastSession *
ballast_session_new (const char *uri, const BallastSessionCallbacks *callbacks, gpointer user_data)
{
  BallastSession *session = g_new0 (BallastSession, 1);
  session->uri = g_strdup (uri);
  session->callbacks = *callbacks;
  session->user_data = user_data;
  for (guint i = 0; i < G_N_ELEMENTS (session->event_ids); i++)
    session->event_ids[i] = -1;
  g_mutex_init (&session->lost_lock);
  return session;
}

void
ballast_session_start (BallastSession *session, gboolean retry)
{
  session->retry = retry;
  attempt_connect (session);
}

/* Tearing a connection down is calls to libvirtd (deregistering events,
 * closing). A libvirtd that is stopped or hung blocks them for as long as
 * it stays so, and once the main loop has stopped, libvirt's keepalive
 * (which runs on it) cannot even notice: ballastd would hang on SIGTERM
 * for as long as libvirtd is SIGSTOPped. So the teardown runs in a thread
 * and is waited for a bounded time; past that it is left behind to finish
 * on its own, and the session is leaked with its callbacks cut, so that
 * nothing libvirt still calls can reach freed memory. */
typedef struct {
  GMutex lock;
  GCond done_cond;
  gboolean done;
  gint refs;
  BallastSession *session;
} Teardown;

static void
teardown_unref (Teardown *teardown)
{
  if (!g_atomic_int_dec_and_test (&teardown->refs))
    return;
  g_mutex_clear (&teardown->lock);
  g_cond_clear (&teardown->done_cond);
  g_free (teardown);
}

static gpointer
teardown_thread (gpointer data)
{
  Teardown *teardown = data;
  drop_connection (teardown->session);
  g_mutex_lock (&teardown->lock);
  teardown->done = TRUE;
  g_cond_signal (&teardown->done_cond);
  g_mutex_unlock (&teardown->lock);
  teardown_unref (teardown);
  return NULL;
}

/* TRUE when the connection was torn down in time; FALSE when it was left
 * to a thread that still owns SESSION. */
static gboolean
drop_connection_bounded (BallastSession *session)
{
  if (session->conn == NULL)
    return TRUE;
  Teardown *teardown = g_new0 (Teardown, 1);
  g_mutex_init (&teardown->lock);
  g_cond_init (&teardown->done_cond);
  teardown->refs = 2;
  teardown->session = session;
  g_thread_unref (g_thread_new ("libvirt-teardown", teardown_thread, teardown));
  gint64 deadline = g_get_monotonic_time () + TEARDOWN_WAIT_USEC;
  g_mutex_lock (&teardown->lock);
  while (!teardown->done)
    if (!g_cond_wait_until (&teardown->done_cond, &teardown->lock, deadline))
      break;
  gboolean done = teardown->done;
  g_mutex_unlock (&teardown->lock);
  teardown_unref (teardown);
  return done;
}

void
ballast_session_free (BallastSession *session)
{
  if (session == NULL)
    return;
  if (session->cancellable != NULL)
    {
      g_cancellable_cancel (session->cancellable);
      g_clear_object (&session->cancellable);
    }
  g_clear_handle_id (&session->retry_source, g_source_remove);
  g_mutex_lock (&session->lost_lock);
  g_clear_handle_id (&session->lost_idle_source, g_source_remove);
  session->freeing = TRUE;
  g_mutex_unlock (&session->lost_lock);
  /* Whatever libvirt delivers from now on goes nowhere. */
  session->callbacks = (BallastSessionCallbacks) { 0 };
  session->state = BALLAST_SESSION_DISCONNECTED;
  if (!drop_connection_bounded (session))
    {
      g_message ("libvirtd did not answer while disconnecting from %s; not waiting for it",
                 session->uri);
      return; /* the teardown thread still uses it: leaked on purpose */
    }
  g_free (session->uri);
  g_free (session->last_error);
  g_mutex_clear (&session->lost_lock);
  g_free (session);
}

virConnectPtr
ballast_session_get_connection (BallastSession *session)
{
  return session->state == BALLAST_SESSION_CONNECTED ? session->conn : NULL;
}

BallastSessionState
ballast_session_get_state (BallastSession *session)
{
  return session->state;
}

const char *
ballast_session_state_to_string (BallastSessionState state)
{
  switch (state)
    {
    case BALLAST_SESSION_DISCONNECTED: return "disconnected";
    case BALLAST_SESSION_CONNECTING: return "connecting";
    case BALLAST_SESSION_CONNECTED: return "connected";
    default: return "?";
    }
}

const char *
ballast_session_get_uri (BallastSession *session)
{
  return session->uri;
}

const char *
ballast_session_get_last_error (BallastSession *session)
{
  return session->last_error;
}

guint
ballast_session_get_reconnects (BallastSession *session)
{
  return session->reconnects;
}

guint
ballast_session_get_retry_in_sec (BallastSession *session)
{
  if (session->retry_source == 0)
    return 0;
  gint64 remaining = session->retry_at_usec - g_get_monotonic_time ();
  return remaining > 0 ? (guint) ((remaining + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC) : 0;
}
