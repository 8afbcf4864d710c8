/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-server.h"

#include "ballast-error.h"
#include "control-methods.h"
#include "control-protocol.h"

#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CLIENTS 256
/* Of those, slots only privileged peers may take: a local user who opens
 * connections until none are left must not lock root out of the socket. */
#define PRIVILEGED_RESERVE 16
/* A client that sends nothing for this long, or does not take its reply,
 * is dropped: it must not hold a slot forever. */
#define CLIENT_IDLE_TIMEOUT_SEC 300
#define CLIENT_WRITE_TIMEOUT_SEC 10
#define READ_CHUNK 4096
#define PRIVILEGED_GROUP "ballast"
/* Refused requests are logged at most this often per window: an
 * unprivileged client looping on a write request must not flood the
 * journal. The counter (ballastctl status) still counts every one. */
#define REFUSALS_LOGGED_PER_WINDOW 5
#define REFUSAL_WINDOW_USEC (60 * G_USEC_PER_SEC)

struct _BallastControlServer {
  BallastDaemon *daemon;
  char *path;
  GSocketService *service;
  GList *clients;
  BallastControlCounters counters;
  guint refused_in_a_row;    /* connections refused since one was last accepted */
  gint64 refusal_window_start_usec;
  guint refusals_logged;     /* in the current window */
  guint refusals_suppressed; /* in the current window, not logged */
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
  guint idle_source;
  guint write_timeout_source;
} Client;

static void client_read (Client *client);
static void client_write_next (Client *client);

/* ---- Who is the peer ---- */

static gboolean
uid_in_group (uid_t uid, gid_t primary_gid, const char *group_name)
{
  struct group *group = getgrnam (group_name);
  if (group == NULL)
    return FALSE;
  if (primary_gid == group->gr_gid)
    return TRUE;
  struct passwd *passwd = getpwuid (uid);
  if (passwd == NULL)
    return FALSE;
  int n_groups = 64;
  g_autofree gid_t *groups = g_new (gid_t, n_groups);
  if (getgrouplist (passwd->pw_name, passwd->pw_gid, groups, &n_groups) < 0)
    {
      groups = g_renew (gid_t, groups, n_groups);
      if (getgrouplist (passwd->pw_name, passwd->pw_gid, groups, &n_groups) < 0)
        return FALSE;
    }
  for (int i = 0; i < n_groups; i++)
    if (groups[i] == group->gr_gid)
      return TRUE;
  return FALSE;
}

static gboolean
identify_peer (GSocketConnection *connection, BallastPeer *ret_peer)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GCredentials) credentials = g_socket_get_credentials (socket, &error);
  if (credentials == NULL)
    {
      g_warning ("control socket: cannot read the peer's credentials, dropping it: %s",
                 error->message);
      return FALSE;
    }
  const struct ucred *ucred = g_credentials_get_native (credentials, G_CREDENTIALS_TYPE_LINUX_UCRED);
  if (ucred == NULL)
    return FALSE;
  ret_peer->uid = ucred->uid;
  ret_peer->pid = ucred->pid;
  ret_peer->privileged = ucred->uid == 0 || ucred->uid == geteuid ()
                         || uid_in_group (ucred->uid, ucred->gid, PRIVILEGED_GROUP);
  return TRUE;
}

/* ---- Client lifetime ---- */

static void
client_free (Client *client)
{
  g_clear_handle_id (&client->idle_source, g_source_remove);
  g_clear_handle_id (&client->write_timeout_source, g_source_remove);
  g_cancellable_cancel (client->cancellable);
  g_object_unref (client->cancellable);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_string_free (client->pending, TRUE);
  g_queue_clear_full (&client->replies, g_free);
  g_free (client);
}

static void
client_drop (Client *client, const char *why)
{
  BallastControlServer *server = client->server;
  if (why != NULL)
    {
      g_debug ("control socket: dropping client pid %d: %s", client->peer.pid, why);
      server->counters.dropped++;
    }
  server->clients = g_list_remove (server->clients, client);
  server->counters.clients--;
  client_free (client);
}

static gboolean
on_client_idle (gpointer user_data)
{
  Client *client = user_data;
  client->idle_source = 0;
  client_drop (client, "idle for too long");
  return G_SOURCE_REMOVE;
}

static void
touch (Client *client)
{
  g_clear_handle_id (&client->idle_source, g_source_remove);
  client->idle_source = g_timeout_add_seconds (CLIENT_IDLE_TIMEOUT_SEC, on_client_idle, client);
}

/* ---- Writing replies ---- */

static gboolean
on_write_timeout (gpointer user_data)
{
  Client *client = user_data;
  client->write_timeout_source = 0;
  client_drop (client, "not reading its replies");
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
      client_drop (user_data, error->message);
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
        client_drop (client, NULL);
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
  gint64 now = g_get_monotonic_time ();
  if (server->refusal_window_start_usec == 0
      || now - server->refusal_window_start_usec >= REFUSAL_WINDOW_USEC)
    {
      if (server->refusals_suppressed > 0)
        g_message ("control socket: %u more refused requests in the last minute not logged",
                   server->refusals_suppressed);
      server->refusal_window_start_usec = now;
      server->refusals_logged = 0;
      server->refusals_suppressed = 0;
    }
  if (server->refusals_logged >= REFUSALS_LOGGED_PER_WINDOW)
    {
      server->refusals_suppressed++;
      return;
    }
  server->refusals_logged++;
  g_message ("control socket: refused '%s' from uid %u (pid %d): not privileged%s", method,
             peer->uid, peer->pid,
             server->refusals_logged == REFUSALS_LOGGED_PER_WINDOW ? " (more this minute are counted, not logged)" : "");
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
    result = ballast_control_dispatch (server->daemon, request, &client->peer, &code, &error);
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
      client->closing = TRUE;
      if (!client->writing && g_queue_is_empty (&client->replies))
        client_drop (client, n < 0 ? error->message : NULL);
      return;
    }
  touch (client);
  g_string_append_len (client->pending, client->buffer, n);

  char *newline;
  while (!client->closing && (newline = memchr (client->pending->str, '\n', client->pending->len)) != NULL)
    {
      gsize length = (gsize) (newline - client->pending->str);
      if (length > 0 && client->pending->str[length - 1] == '\r')
        length--;
      if (length > 0)
        handle_line (client, client->pending->str, length);
      g_string_erase (client->pending, 0, (gssize) (newline - client->pending->str) + 1);
    }
  if (client->pending->len > BALLAST_PROTOCOL_MAX_LINE)
    {
      /* Answer once, then hang up: the rest of the stream cannot be framed. */
      client->server->counters.errors++;
      client->server->counters.dropped++;
      client->closing = TRUE;
      client_reply (client, ballast_reply_error (NULL, BALLAST_ERR_TOO_LARGE,
                                                 "request is larger than 64 KiB"));
      return;
    }
  if (!client->closing)
    client_read (client);
}

static void
client_read (Client *client)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));
  g_input_stream_read_async (input, client->buffer, sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->cancellable, on_read, client);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  BallastControlServer *server = user_data;
  BallastPeer peer = { 0 };

  server->counters.connections++;
  if (!identify_peer (connection, &peer))
    return TRUE;
  guint limit = peer.privileged ? MAX_CLIENTS : MAX_CLIENTS - PRIVILEGED_RESERVE;
  if (server->counters.clients >= limit)
    {
      /* Said once per flood, not once per connection of it. */
      server->counters.dropped++;
      if (server->refused_in_a_row++ == 0)
        g_warning ("control socket: %u clients connected, refusing more (first: uid %u, pid %d)",
                   server->counters.clients, peer.uid, peer.pid);
      return TRUE; /* returning drops our reference: the connection closes */
    }
  if (server->refused_in_a_row > 0)
    {
      g_message ("control socket: accepting clients again, after refusing %u",
                 server->refused_in_a_row);
      server->refused_in_a_row = 0;
    }

  Client *client = g_new0 (Client, 1);
  client->server = server;
  client->connection = g_object_ref (connection);
  client->cancellable = g_cancellable_new ();
  client->peer = peer;
  client->pending = g_string_new (NULL);
  g_queue_init (&client->replies);
  server->clients = g_list_prepend (server->clients, client);
  server->counters.clients++;
  touch (client);
  client_read (client);
  return TRUE;
}

/* ---- Setup ---- */

/* A socket file left by a ballastd that died is removed; one that answers
 * belongs to a running ballastd, and we must not steal it. */
static gboolean
clear_stale_socket (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autoptr(GSocketClient) probe = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect (probe, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (connection != NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO,
                   "another ballastd is already listening on %s", path);
      return FALSE;
    }
  if (unlink (path) < 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot remove stale socket %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

BallastControlServer *
ballast_control_server_new (BallastDaemon *daemon, const char *path, GError **error)
{
  g_autofree char *directory = g_path_get_dirname (path);
  if (g_mkdir_with_parents (directory, 0755) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot create %s: %s", directory,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (!clear_stale_socket (path, error))
    return NULL;

  BallastControlServer *server = g_new0 (BallastControlServer, 1);
  server->daemon = daemon;
  server->path = g_strdup (path);
  server->service = g_socket_service_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) listen_error = NULL;
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
                                      NULL, &listen_error))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot listen on %s: %s", path,
                   listen_error->message);
      g_object_unref (server->service);
      g_free (server->path);
      g_free (server);
      return NULL;
    }
  /* Anyone may connect and read; writes are checked per request. */
  chmod (path, 0666);
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
  g_message ("control socket: %s", path);
  return server;
}

void
ballast_control_server_free (BallastControlServer *server)
{
  if (server == NULL)
    return;
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  while (server->clients != NULL)
    client_drop (server->clients->data, NULL);
  unlink (server->path);
  g_free (server->path);
  g_free (server);
}

const BallastControlCounters *
ballast_control_server_get_counters (BallastControlServer *server)
{
  return &server->counters;
}
