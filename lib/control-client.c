/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-client.h"

#include "control-protocol.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

G_DEFINE_QUARK (ballast-client-error-quark, ballast_client_error)

/* A reply can be large (list of thousands of domains); this bounds it. */
#define MAX_REPLY_BYTES (64 * 1024 * 1024)

struct _BallastClient {
  GSocketConnection *connection;
  GDataInputStream *input;
  guint next_id;
};

/* Between two tries of a refused connect: short at first (a burst is
 * usually drained within milliseconds), then no more often than this. */
#define BUSY_FIRST_WAIT_MSEC 5
#define BUSY_LONGEST_WAIT_MSEC 250

static GSocketConnection *
connect_retrying_when_busy (const char *socket_path, GError **error)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  gint64 give_up_usec = g_get_monotonic_time () + BALLAST_CLIENT_BUSY_RETRY_MSEC * 1000;
  guint wait_msec = BUSY_FIRST_WAIT_MSEC;
  for (;;)
    {
      g_autoptr(GError) connect_error = NULL;
      GSocketConnection *connection =
        g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (address), NULL, &connect_error);
      if (connection != NULL)
        return connection;
      /* The kernel says EAGAIN for a UNIX socket whose accept queue is
       * full: ballastd is there, just not keeping up this instant. */
      if (!g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)
          || g_get_monotonic_time () >= give_up_usec)
        {
          g_propagate_error (error, g_steal_pointer (&connect_error));
          return NULL;
        }
      g_usleep (wait_msec * 1000);
      wait_msec = MIN (wait_msec * 2, BUSY_LONGEST_WAIT_MSEC);
    }
}

BallastClient *
ballast_client_connect (const char *socket_path, GError **error)
{
  g_autoptr(GError) connect_error = NULL;
  GSocketConnection *connection = connect_retrying_when_busy (socket_path, &connect_error);
  if (connection == NULL)
    {
      if (g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_PERMISSION,
                     "permission denied on %s", socket_path);
      else if (g_error_matches (connect_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_BUSY,
                     "ballastd at %s is busy: its queue of new connections stayed full for %u s "
                     "(%s); try again later", socket_path, BALLAST_CLIENT_BUSY_RETRY_MSEC / 1000,
                     connect_error->message);
      else
        g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_NOT_RUNNING,
                     "cannot reach ballastd at %s: %s (is ballastd running?)", socket_path,
                     connect_error->message);
      return NULL;
    }
  BallastClient *client = g_new0 (BallastClient, 1);
  client->connection = connection;
  client->input = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  g_data_input_stream_set_newline_type (client->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  return client;
}

void
ballast_client_free (BallastClient *client)
{
  if (client == NULL)
    return;
  g_clear_object (&client->input);
  if (client->connection != NULL)
    g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_clear_object (&client->connection);
  g_free (client);
}

static int
error_from_code (const char *code)
{
  if (g_strcmp0 (code, BALLAST_ERR_PERMISSION) == 0)
    return BALLAST_CLIENT_ERROR_PERMISSION;
  if (g_strcmp0 (code, BALLAST_ERR_UNKNOWN_DOMAIN) == 0)
    return BALLAST_CLIENT_ERROR_UNKNOWN_DOMAIN;
  if (g_strcmp0 (code, BALLAST_ERR_TOO_MANY_CONNECTIONS) == 0)
    return BALLAST_CLIENT_ERROR_BUSY;
  return BALLAST_CLIENT_ERROR_FAILED;
}

json_object *
ballast_client_call (BallastClient *client, const char *method, json_object *params,
                     GError **error)
{
  g_autoptr(json_object) request = json_object_new_object ();
  json_object_object_add (request, "id", json_object_new_int ((int) ++client->next_id));
  json_object_object_add (request, "method", json_object_new_string (method));
  if (params != NULL)
    json_object_object_add (request, "params", params);
  g_autofree char *line = g_strconcat (json_object_to_json_string_ext (request, JSON_C_TO_STRING_PLAIN),
                                       "\n", NULL);
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  g_autoptr(GError) write_error = NULL;
  g_autoptr(GError) io_error = NULL;
  /* When the write fails, ballastd has hung up; it may have said why
   * first (turned away: too many connections), so that is read still. */
  g_output_stream_write_all (output, line, strlen (line), NULL, NULL, &write_error);

  gsize length = 0;
  g_autofree char *reply_text = g_data_input_stream_read_line (client->input, &length, NULL, &io_error);
  if (reply_text == NULL && write_error != NULL)
    {
      g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_NOT_RUNNING,
                   "ballastd went away: %s", write_error->message);
      return NULL;
    }
  if (reply_text == NULL)
    {
      g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_NOT_RUNNING,
                   "ballastd closed the connection%s%s", io_error != NULL ? ": " : "",
                   io_error != NULL ? io_error->message : "");
      return NULL;
    }
  if (length > MAX_REPLY_BYTES)
    {
      g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_PROTOCOL, "reply too large");
      return NULL;
    }
  g_autoptr(json_object) reply = json_tokener_parse (reply_text);
  json_object *status = NULL;
  if (reply == NULL || !json_object_is_type (reply, json_type_object)
      || !json_object_object_get_ex (reply, "status", &status))
    {
      g_set_error (error, BALLAST_CLIENT_ERROR, BALLAST_CLIENT_ERROR_PROTOCOL,
                   "unreadable reply from ballastd");
      return NULL;
    }
  if (g_strcmp0 (json_object_get_string (status), "ok") == 0)
    {
      json_object *result = NULL;
      json_object_object_get_ex (reply, "result", &result);
      return json_object_get (result);
    }
  json_object *error_object = NULL, *code = NULL, *message = NULL;
  json_object_object_get_ex (reply, "error", &error_object);
  json_object_object_get_ex (error_object, "code", &code);
  json_object_object_get_ex (error_object, "message", &message);
  g_set_error (error, BALLAST_CLIENT_ERROR, error_from_code (json_object_get_string (code)),
               "%s", message != NULL ? json_object_get_string (message) : "failed");
  return NULL;
}
