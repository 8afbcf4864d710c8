/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-server.h"

#include "ballast-error.h"
#include "control-admission.h"
#include "control-listener.h"
#include "control-protocol.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* All unprivileged peers together, whatever their uids: a user with a
 * range of subordinate uids (rootless containers) is many uids. */
#define MAX_UNPRIVILEGED_CLIENTS 256
/* File descriptors left to everything but clients: libvirt's connection
 * and its event pipes, the host's files, the trace, the logs. */
#define FDS_FOR_THE_REST 64
/* Of the descriptors for clients, those only privileged peers may take. */
#define FDS_FOR_PRIVILEGED 32
/* A client that does not take its reply for this long is dropped. */
#define CLIENT_WRITE_TIMEOUT_SEC 10
#define READ_CHUNK 4096
/* Refused requests are logged at most this often per minute: an
 * unprivileged client looping on a write request must not flood the
 * journal. The counters (metrics) still count every one. Connections
 * turned away are logged once a minute. */
#define REFUSALS_LOGGED_PER_WINDOW 5
#define TURNED_AWAY_LOGGED_PER_WINDOW 1
#define LOG_WINDOW_USEC (60 * G_USEC_PER_SEC)

static const char *const drop_reason_names[BALLAST_N_DROP_REASONS] = {
  [BALLAST_DROP_UID_LIMIT] = "uid-limit",
  [BALLAST_DROP_UNPRIVILEGED_LIMIT] = "unprivileged-limit",
  [BALLAST_DROP_FD_LIMIT] = "fd-limit",
  [BALLAST_DROP_IDLE] = "idle",
  [BALLAST_DROP_PARTIAL] = "partial",
  [BALLAST_DROP_TOO_LARGE] = "too-large",
  [BALLAST_DROP_NOT_READING] = "not-reading",
  [BALLAST_DROP_NO_CREDENTIALS] = "no-credentials",
};

/* What may be logged in the current minute, and what was not. */
typedef struct {
  gint64 window_start_usec;
  guint logged;
  guint suppressed;
} LogBudget;

struct _BallastControlServer {
  BallastControlDispatch dispatch;
  gpointer dispatch_data;
  BallastListener *listener;
  BallastAdmission *admission;
  BallastAdmissionLimits limits;
  guint idle_timeout_sec;
  guint request_timeout_sec;
  GList *clients;
  BallastControlCounters counters;
  LogBudget refusal_log;     /* write requests refused */
  LogBudget turned_away_log; /* connections turned away */
};

typedef struct {
  BallastControlServer *server;
  GSocketConnection *connection;
  GCancellable *cancellable;
  BallastPeer peer;
  GString *pending;          /* bytes received, not yet a full line */
  char buffer[READ_CHUNK];
  GQueue replies;            /* char* lines waiting to be written */
  gboolean writing;
  gboolean closing;          /* close once the replies are written */
  guint deadline_source;     /* the idle or the request timeout, whichever applies */
  guint write_timeout_source;
} Client;

static void client_read (Client *client);
static void client_write_next (Client *client);

const char *
ballast_drop_reason_to_string (BallastDropReason reason)
{
  g_return_val_if_fail (reason < BALLAST_N_DROP_REASONS, "unknown");
  return drop_reason_names[reason];
}

/* Whether one more line about WHAT may be logged this minute, PER_WINDOW
 * at most. The first line of a new minute is preceded by the count of
 * those of the last one that were not logged. */
static gboolean
log_budget_take (LogBudget *budget, guint per_window, const char *what)
{
  gint64 now = g_get_monotonic_time ();
  if (budget->window_start_usec == 0 || now - budget->window_start_usec >= LOG_WINDOW_USEC)
    {
      if (budget->suppressed > 0)
        g_message ("control socket: %u more %s in the last minute not logged", budget->suppressed,
                   what);
      budget->window_start_usec = now;
      budget->logged = 0;
      budget->suppressed = 0;
    }
  if (budget->logged >= per_window)
    {
      budget->suppressed++;
      return FALSE;
    }
  budget->logged++;
  return TRUE;
}

static void
count_drop (BallastControlServer *server, BallastDropReason reason)
{
  server->counters.dropped++;
  server->counters.dropped_by_reason[reason]++;
}

/* ---- Client lifetime ---- */

static void
client_free (Client *client)
{
  ballast_admission_release (client->server->admission, client->peer.uid, client->peer.privileged);
  g_clear_handle_id (&client->deadline_source, g_source_remove);
  g_clear_handle_id (&client->write_timeout_source, g_source_remove);
  g_cancellable_cancel (client->cancellable);
  g_object_unref (client->cancellable);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_string_free (client->pending, TRUE);
  g_queue_clear_full (&client->replies, g_free);
  g_free (client);
}

/* The client is done (it hung up, or its last reply is out). */
static void
client_close (Client *client)
{
  BallastControlServer *server = client->server;
  server->clients = g_list_remove (server->clients, client);
  server->counters.clients--;
  client_free (client);
}

/* We hang up on the client, for REASON. */
static void
client_drop (Client *client, BallastDropReason reason)
{
  g_debug ("control socket: dropping client uid %u pid %d: %s", client->peer.uid,
           client->peer.pid, ballast_drop_reason_to_string (reason));
  count_drop (client->server, reason);
  client_close (client);
}

/* The same, with one line saying why; never waiting for the client to
 * take it, and not while a reply is being written (it would land inside
 * the reply). */
static void
client_drop_saying (Client *client, BallastDropReason reason, const char *code,
                    const char *message)
{
  if (!client->writing)
    {
      g_autofree char *line = ballast_reply_error (NULL, code, message);
      GSocket *socket = g_socket_connection_get_socket (client->connection);
      g_socket_send_with_blocking (socket, line, strlen (line), FALSE, NULL, NULL);
    }
  client_drop (client, reason);
}

static gboolean
on_deadline (gpointer user_data)
{
  Client *client = user_data;
  BallastControlServer *server = client->server;
  client->deadline_source = 0;
  if (client->pending->len > 0)
    {
      g_autofree char *message = g_strdup_printf ("request not completed within %u s",
                                                  server->request_timeout_sec);
      client_drop_saying (client, BALLAST_DROP_PARTIAL, BALLAST_ERR_REQUEST_TIMEOUT, message);
    }
  else if (client->writing)
    /* Still taking its reply: the write timeout is in charge. */
    client->deadline_source = g_timeout_add (server->idle_timeout_sec * 1000, on_deadline, client);
  else
    client_drop (client, BALLAST_DROP_IDLE);
  return G_SOURCE_REMOVE;
}

/* From now: the request timeout once the first byte of a request is in,
 * the idle timeout while none is. Called only when that changes, so that
 * a client trickling a request byte by byte does not push its deadline
 * on with each byte. */
static void
client_arm_deadline (Client *client)
{
  BallastControlServer *server = client->server;
  g_clear_handle_id (&client->deadline_source, g_source_remove);
  guint seconds = client->pending->len > 0 ? server->request_timeout_sec : server->idle_timeout_sec;
  client->deadline_source = g_timeout_add (seconds * 1000, on_deadline, client);
}

/* ---- Writing replies ---- */

static gboolean
on_write_timeout (gpointer user_data)
{
  Client *client = user_data;
  client->write_timeout_source = 0;
  client_drop (client, BALLAST_DROP_NOT_READING);
  return G_SOURCE_REMOVE;
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return; /* the client is already gone */
      /* It hung up before taking its reply: its leaving, not our drop. */
      g_debug ("control socket: writing a reply: %s", error->message);
      client_close (user_data);
      return;
    }
  Client *client = user_data;
  g_clear_handle_id (&client->write_timeout_source, g_source_remove);
  g_free (g_queue_pop_head (&client->replies));
  client->writing = FALSE;
  client_write_next (client);
}

static void
client_write_next (Client *client)
{
  if (client->writing)
    return;
  const char *line = g_queue_peek_head (&client->replies);
  if (line == NULL)
    {
      if (client->closing)
        client_close (client);
      return;
    }
  client->writing = TRUE;
  client->write_timeout_source = g_timeout_add_seconds (CLIENT_WRITE_TIMEOUT_SEC,
                                                        on_write_timeout, client);
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  g_output_stream_write_all_async (output, line, strlen (line), G_PRIORITY_DEFAULT,
                                   client->cancellable, on_written, client);
}

static void
client_reply (Client *client, char *line)
{
  g_queue_push_tail (&client->replies, line);
  client_write_next (client);
}

/* ---- Reading requests ---- */

static void
log_refusal (BallastControlServer *server, const char *method, const BallastPeer *peer)
{
  if (!log_budget_take (&server->refusal_log, REFUSALS_LOGGED_PER_WINDOW, "refused requests"))
    return;
  g_message ("control socket: refused '%s' from uid %u (pid %d): not privileged%s", method,
             peer->uid, peer->pid,
             server->refusal_log.logged == REFUSALS_LOGGED_PER_WINDOW
               ? " (more this minute are counted, not logged)" : "");
}

static void
handle_line (Client *client, const char *line, gsize length)
{
  BallastControlServer *server = client->server;
  const char *code = NULL;
  g_autoptr(json_object) id = NULL;
  g_autoptr(GError) error = NULL;

  server->counters.requests++;
  g_autoptr(BallastRequest) request = ballast_request_parse (line, length, &code, &id, &error);
  json_object *result = NULL;
  if (request != NULL)
    result = server->dispatch (request, &client->peer, &code, &error, server->dispatch_data);
  if (result != NULL)
    {
      client_reply (client, ballast_reply_ok (id, result));
      return;
    }
  server->counters.errors++;
  if (g_strcmp0 (code, BALLAST_ERR_PERMISSION) == 0)
    {
      server->counters.refused++;
      log_refusal (server, request->method, &client->peer);
    }
  client_reply (client, ballast_reply_error (id, code != NULL ? code : BALLAST_ERR_FAILED,
                                             error != NULL ? error->message : "failed"));
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  Client *client = user_data;
  if (n <= 0)
    {
      /* EOF or error: finish writing what is queued, then go. */
      if (n < 0)
        g_debug ("control socket: reading a request: %s", error->message);
      client->closing = TRUE;
      if (!client->writing && g_queue_is_empty (&client->replies))
        client_close (client);
      return;
    }
  gboolean was_partial = client->pending->len > 0;
  g_string_append_len (client->pending, client->buffer, n);

  guint lines = 0;
  char *newline;
  while (!client->closing && (newline = memchr (client->pending->str, '\n', client->pending->len)) != NULL)
    {
      gsize length = (gsize) (newline - client->pending->str);
      if (length > 0 && client->pending->str[length - 1] == '\r')
        length--;
      if (length > 0)
        handle_line (client, client->pending->str, length);
      g_string_erase (client->pending, 0, (gssize) (newline - client->pending->str) + 1);
      lines++;
    }
  if (client->pending->len > BALLAST_PROTOCOL_MAX_LINE)
    {
      /* Answer once, then hang up: the rest of the stream cannot be framed. */
      client->server->counters.errors++;
      count_drop (client->server, BALLAST_DROP_TOO_LARGE);
      client->closing = TRUE;
      client_reply (client, ballast_reply_error (NULL, BALLAST_ERR_TOO_LARGE,
                                                 "request is larger than 64 KiB"));
      return;
    }
  if (client->closing)
    return;
  if (lines > 0 || was_partial != (client->pending->len > 0))
    client_arm_deadline (client);
  client_read (client);
}

static void
client_read (Client *client)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));
  g_input_stream_read_async (input, client->buffer, sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->cancellable, on_read, client);
}

/* ---- New connections ---- */

/* Closed at once, after a line saying why (best effort: never waiting for
 * the peer to take it). */
static void
turn_away (BallastControlServer *server, int fd, const BallastPeer *peer,
           BallastAdmitVerdict verdict)
{
  BallastDropReason reason;
  g_autofree char *message = NULL;
  switch (verdict)
    {
    case BALLAST_REFUSE_UID_LIMIT:
      reason = BALLAST_DROP_UID_LIMIT;
      message = g_strdup_printf ("uid %u holds %u connections to ballastd already, "
                                 "the most socket-max-per-uid allows", peer->uid,
                                 server->limits.max_per_uid);
      break;
    case BALLAST_REFUSE_UNPRIVILEGED_LIMIT:
      reason = BALLAST_DROP_UNPRIVILEGED_LIMIT;
      message = g_strdup_printf ("unprivileged users hold %u connections to ballastd already, "
                                 "the most it serves them at once",
                                 server->limits.max_unprivileged);
      break;
    default:
      reason = BALLAST_DROP_FD_LIMIT;
      message = g_strdup_printf ("ballastd serves %u connections already, all its file "
                                 "descriptors allow", server->counters.clients);
      break;
    }
  g_autofree char *line = ballast_reply_error (NULL, BALLAST_ERR_TOO_MANY_CONNECTIONS, message);
  (void) send (fd, line, strlen (line), MSG_DONTWAIT | MSG_NOSIGNAL);
  close (fd);
  count_drop (server, reason);
  if (log_budget_take (&server->turned_away_log, TURNED_AWAY_LOGGED_PER_WINDOW,
                       "connections turned away"))
    g_warning ("control socket: %s: refusing more (first: pid %d; counted, logged once a minute)",
               message, peer->pid);
}

static void
on_accepted (int fd, const BallastPeer *peer, gpointer user_data)
{
  BallastControlServer *server = user_data;
  server->counters.connections++;
  BallastAdmitVerdict verdict = ballast_admission_try_take (server->admission, peer->uid,
                                                            peer->privileged);
  if (verdict != BALLAST_ADMIT)
    {
      turn_away (server, fd, peer, verdict);
      return;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    {
      g_warning ("control socket: %s", error->message);
      close (fd);
      ballast_admission_release (server->admission, peer->uid, peer->privileged);
      return;
    }
  Client *client = g_new0 (Client, 1);
  client->server = server;
  client->connection = g_socket_connection_factory_create_connection (socket);
  client->cancellable = g_cancellable_new ();
  client->peer = *peer;
  client->pending = g_string_new (NULL);
  g_queue_init (&client->replies);
  server->clients = g_list_prepend (server->clients, client);
  server->counters.clients++;
  client_arm_deadline (client);
  client_read (client);
}

static void
on_lost (gboolean out_of_fds, gpointer user_data)
{
  BallastControlServer *server = user_data;
  server->counters.connections++;
  count_drop (server, out_of_fds ? BALLAST_DROP_FD_LIMIT : BALLAST_DROP_NO_CREDENTIALS);
}

/* ---- Setup ---- */

/* How many clients the file descriptor limit allows, privileged or not
 * (ballastd raises its soft limit to the hard one at start, main.c). */
static BallastAdmissionLimits
admission_limits (guint max_per_uid)
{
  struct rlimit limit = { 0 };
  guint64 fds = 1024;
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
    fds = limit.rlim_cur == RLIM_INFINITY ? G_MAXUINT : MIN (limit.rlim_cur, G_MAXUINT);
  guint max_clients = fds > FDS_FOR_THE_REST + FDS_FOR_PRIVILEGED
                        ? (guint) fds - FDS_FOR_THE_REST : FDS_FOR_PRIVILEGED;
  return (BallastAdmissionLimits) {
    .max_per_uid = max_per_uid,
    .max_unprivileged = MIN (MAX_UNPRIVILEGED_CLIENTS, max_clients - FDS_FOR_PRIVILEGED),
    .max_clients = max_clients,
  };
}

BallastControlServer *
ballast_control_server_new (const BallastDaemonConfig *config, BallastControlDispatch dispatch,
                            gpointer user_data, GError **error)
{
  static const BallastListenerCallbacks callbacks = {
    .accepted = on_accepted,
    .lost = on_lost,
  };
  g_autofree BallastControlServer *server = g_new0 (BallastControlServer, 1);
  server->dispatch = dispatch;
  server->dispatch_data = user_data;
  server->idle_timeout_sec = config->socket_idle_timeout_sec;
  server->request_timeout_sec = config->socket_request_timeout_sec;
  server->limits = admission_limits (config->socket_max_per_uid);
  server->admission = ballast_admission_new (&server->limits);
  server->listener = ballast_listener_new (config->socket_path, config->socket_admin_group,
                                           &callbacks, server, error);
  if (server->listener == NULL)
    {
      ballast_admission_free (server->admission);
      return NULL;
    }
  g_message ("control socket: %s (at most %u connections per unprivileged uid, %u for all of them, "
             "%u in all)", config->socket_path, server->limits.max_per_uid,
             server->limits.max_unprivileged, server->limits.max_clients);
  return g_steal_pointer (&server);
}

void
ballast_control_server_free (BallastControlServer *server)
{
  if (server == NULL)
    return;
  g_clear_pointer (&server->listener, ballast_listener_free);
  while (server->clients != NULL)
    client_close (server->clients->data);
  g_clear_pointer (&server->admission, ballast_admission_free);
  g_free (server);
}

const BallastControlCounters *
ballast_control_server_get_counters (BallastControlServer *server)
{
  return &server->counters;
}
