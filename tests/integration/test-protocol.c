/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control protocol against the real daemon loop, from clients on
 * another thread: every method, every documented error, peers that may
 * only read, many clients at once and clients that misbehave. Through all
 * of it the daemon must keep answering everyone else. */
#include "daemon-harness.h"

#include "control-methods.h"
#include "control-protocol.h"
#include "control-server.h"
#include "json-util.h"
#include "prom-validate.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define GIB (G_GUINT64_CONSTANT (1024) * 1024)
#define REPLY_TIMEOUT_MSEC 5000
/* How fast status must be answered while others misbehave: generous for a
 * loaded CI machine, and still far from a blocked loop. */
#define STATUS_BOUND_USEC (2 * G_USEC_PER_SEC)
#define N_CLIENTS 50
#define NOBODY 65534

/* ---- A blocking client, for the client thread ---- */

typedef struct {
  int fd;
  GString *received;
  gboolean closed;  /* the daemon hung up (EOF, or a reset after its last words) */
} Peer;

static Peer *
peer_connect (const char *path)
{
  Peer *peer = g_new0 (Peer, 1);
  peer->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (peer->fd, >=, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_strlcpy (address.sun_path, path, sizeof address.sun_path);
  g_assert_cmpint (connect (peer->fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  peer->received = g_string_new (NULL);
  return peer;
}

static void
peer_free (Peer *peer)
{
  close (peer->fd);
  g_string_free (peer->received, TRUE);
  g_free (peer);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

/* FALSE when the daemon has hung up on us. */
static gboolean
peer_send (Peer *peer, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = send (peer->fd, data, length, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* The next line without its newline; NULL at EOF or after TIMEOUT_MSEC. */
static char *
peer_read_line (Peer *peer, int timeout_msec)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_msec * 1000;
  for (;;)
    {
      char *newline = memchr (peer->received->str, '\n', peer->received->len);
      if (newline != NULL)
        {
          gsize length = (gsize) (newline - peer->received->str);
          char *line = g_strndup (peer->received->str, length);
          g_string_erase (peer->received, 0, (gssize) length + 1);
          return line;
        }
      if (peer->closed)
        return NULL;
      gint64 left_msec = (deadline - g_get_monotonic_time ()) / 1000;
      if (left_msec <= 0)
        return NULL;
      struct pollfd poll_fd = { .fd = peer->fd, .events = POLLIN };
      int ready = poll (&poll_fd, 1, (int) left_msec);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        return NULL;
      char buffer[16384];
      ssize_t n = recv (peer->fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        peer->closed = TRUE; /* a close with our data unread is a reset: same thing */
      else
        g_string_append_len (peer->received, buffer, n);
    }
}

/* TRUE when the daemon hangs up within TIMEOUT_MSEC (after what it still
 * had to say, which is dropped). */
static gboolean
peer_wait_closed (Peer *peer, int timeout_msec)
{
  char *line;
  while ((line = peer_read_line (peer, timeout_msec)) != NULL)
    g_free (line);
  return peer->closed;
}

static json_object *
parse_reply (const char *reply)
{
  g_assert_nonnull (reply);
  json_object *parsed = json_tokener_parse (reply);
  g_assert_nonnull (parsed);
  g_assert_true (json_object_is_type (parsed, json_type_object));
  return parsed;
}

/* Send REQUEST (one line, without its newline) and parse the reply. */
static json_object *
peer_call (Peer *peer, const char *request)
{
  g_autofree char *line = g_strconcat (request, "\n", NULL);
  g_assert_true (peer_send (peer, line, strlen (line)));
  g_autofree char *reply = peer_read_line (peer, REPLY_TIMEOUT_MSEC);
  return parse_reply (reply);
}

static json_object *
member (json_object *object, const char *key)
{
  json_object *value = NULL;
  if (object == NULL || !json_object_object_get_ex (object, key, &value))
    return NULL;
  return value;
}

static void
assert_ok (json_object *reply)
{
  if (g_strcmp0 (json_object_get_string (member (reply, "status")), "ok") != 0)
    g_error ("expected an ok reply, got %s", json_object_to_json_string (reply));
  g_assert_true (json_object_is_type (member (reply, "result"), json_type_object));
}

static void
assert_error (json_object *reply, const char *code)
{
  json_object *error = member (reply, "error");
  g_assert_cmpstr (json_object_get_string (member (reply, "status")), ==, "error");
  g_assert_cmpstr (json_object_get_string (member (error, "code")), ==, code);
  json_object *message = member (error, "message");
  g_assert_true (json_object_is_type (message, json_type_string));
  g_assert_cmpuint (strlen (json_object_get_string (message)), >, 0);
}

/* The id echoed in REPLY, as JSON text ("4", "\"x\""), or NULL for none. */
static const char *
reply_id (json_object *reply)
{
  json_object *id = member (reply, "id");
  return id != NULL ? json_object_to_json_string_ext (id, JSON_C_TO_STRING_PLAIN) : NULL;
}

/* status, timed against the bound. */
static void
assert_status_in_time (Peer *peer)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(json_object) reply = peer_call (peer, "{\"id\":\"timed\",\"method\":\"status\"}");
  gint64 took = g_get_monotonic_time () - start;
  assert_ok (reply);
  g_assert_cmpstr (reply_id (reply), ==, "\"timed\"");
  g_assert_cmpint (took, <, STATUS_BOUND_USEC);
}

/* Wait for the daemon's first cycle, so every method has data to show. */
static void
wait_for_first_cycle (Peer *peer)
{
  for (int attempt = 0; attempt < 200; attempt++)
    {
      g_autoptr(json_object) reply = peer_call (peer, "{\"method\":\"status\"}");
      assert_ok (reply);
      json_object *cycles = member (member (reply, "result"), "cycles");
      if (json_object_get_int64 (member (cycles, "completed")) >= 1)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("the daemon never completed a cycle");
}

/* ---- The daemon under test ---- */

typedef struct {
  /* Set before fixture_run() to change the default: */
  guint max_per_uid;
  guint idle_timeout_sec;
  guint request_timeout_sec;
  char *admin_group;

  FakeHost *host;
  BallastDaemonConfig config;
  BallastDaemon *daemon;
} Fixture;

/* A dry-run daemon on test:///default (one guest, "test"): the clients
 * talk to it, nothing changes in libvirt. */
static void
fixture_run (Fixture *fixture, HarnessClientFunc body, gpointer user_data)
{
  fixture->host = fake_host_new (16 * GIB, 8 * GIB);
  ballast_daemon_config_init (&fixture->config);
  g_free (fixture->config.uri);
  fixture->config.uri = g_strdup ("test:///default");
  fixture->config.interval_msec = 100;
  fixture->config.dry_run = TRUE;
  if (fixture->max_per_uid > 0)
    fixture->config.socket_max_per_uid = fixture->max_per_uid;
  if (fixture->idle_timeout_sec > 0)
    fixture->config.socket_idle_timeout_sec = fixture->idle_timeout_sec;
  if (fixture->request_timeout_sec > 0)
    fixture->config.socket_request_timeout_sec = fixture->request_timeout_sec;
  if (fixture->admin_group != NULL)
    {
      g_free (fixture->config.socket_admin_group);
      fixture->config.socket_admin_group = g_strdup (fixture->admin_group);
    }
  fixture->daemon = run_daemon_with_client (&fixture->config, fixture->host, body, user_data);
}

static void
fixture_clear (Fixture *fixture)
{
  g_clear_pointer (&fixture->daemon, ballast_daemon_free);
  ballast_daemon_config_clear (&fixture->config);
  g_clear_pointer (&fixture->host, fake_host_free);
}

static const BallastControlCounters *
fixture_counters (Fixture *fixture)
{
  return ballast_daemon_get_view (fixture->daemon)->control;
}

/* ---- Every method ---- */

static const struct {
  const char *method;
  const char *params;
} method_params[] = {
  { "list", "{\"all\":true}" },
  { "dominfo", "{\"domain\":\"test\"}" },
  { "domhistory", "{\"domain\":\"test\",\"limit\":5}" },
};

/* The methods this test knows what to expect of; one added later is only
 * held to being dispatched. */
static const char *const known_methods[] = {
  "version", "status", "list", "dominfo", "domhistory", "pause", "resume", "metrics",
  "policy-reload", NULL,
};

static void
check_result (const char *method, json_object *result, guint n_methods)
{
  if (strcmp (method, "version") == 0)
    g_assert_cmpuint (json_object_array_length (member (result, "methods")), ==, n_methods);
  else if (strcmp (method, "status") == 0)
    g_assert_cmpint (json_object_get_int64 (member (member (result, "cycles"), "completed")), >=, 1);
  else if (strcmp (method, "list") == 0)
    {
      json_object *domains = member (result, "domains");
      g_assert_cmpuint (json_object_array_length (domains), ==, 1);
      g_assert_cmpstr (json_object_get_string (member (json_object_array_get_idx (domains, 0), "name")), ==, "test");
    }
  else if (strcmp (method, "dominfo") == 0)
    g_assert_cmpstr (json_object_get_string (member (result, "name")), ==, "test");
  else if (strcmp (method, "domhistory") == 0)
    g_assert_true (json_object_is_type (member (result, "entries"), json_type_array));
  else if (strcmp (method, "metrics") == 0)
    {
      g_autoptr(GError) error = NULL;
      const char *text = json_object_get_string (member (result, "text"));
      g_assert_nonnull (text);
      g_assert_true (prom_validate (text, &error));
      g_assert_no_error (error);
      g_assert_nonnull (strstr (text, "\nballast_guest_status{domain=\"test\",status=\"managed\"} 1\n"));
    }
}

static void
every_method_body (const char *socket_path, gpointer user_data)
{
  const char *const *names = user_data;
  guint n_methods = g_strv_length ((char **) names);
  g_autoptr(Peer) peer = peer_connect (socket_path);
  wait_for_first_cycle (peer);

  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *params = "{}";
      for (gsize p = 0; p < G_N_ELEMENTS (method_params); p++)
        if (strcmp (method_params[p].method, names[i]) == 0)
          params = method_params[p].params;
      g_autofree char *request = g_strdup_printf ("{\"id\":%u,\"method\":\"%s\",\"params\":%s}",
                                                  100 + i, names[i], params);
      g_autoptr(json_object) reply = peer_call (peer, request);
      g_autofree char *id = g_strdup_printf ("%u", 100 + i);
      g_assert_cmpstr (reply_id (reply), ==, id);
      if (!g_strv_contains (known_methods, names[i]))
        {
          g_test_message ("method %s: new to this test, only checked to be dispatched", names[i]);
          g_assert_cmpstr (json_object_get_string (member (member (reply, "error"), "code")), !=,
                           BALLAST_ERR_UNKNOWN_METHOD);
          continue;
        }
      assert_ok (reply);
      check_result (names[i], member (reply, "result"), n_methods);
    }

  /* "params" is optional, and null counts as absent; "id" is optional. */
  g_autoptr(json_object) bare = peer_call (peer, "{\"method\":\"status\"}");
  assert_ok (bare);
  g_assert_null (reply_id (bare));
  g_autoptr(json_object) null_params = peer_call (peer, "{\"id\":\"n\",\"method\":\"list\",\"params\":null}");
  assert_ok (null_params);
  g_assert_cmpstr (reply_id (null_params), ==, "\"n\"");
}

static void
test_every_method_ok (void)
{
  Fixture fixture = { 0 };
  const char *const *names = ballast_control_method_names ();
  fixture_run (&fixture, every_method_body, (gpointer) names);
  /* pause then resume: the daemon is left as it was. */
  g_assert_false (ballast_daemon_get_view (fixture.daemon)->paused);
  g_assert_cmpuint (fixture_counters (&fixture)->requests, >=, g_strv_length ((char **) names) + 3);
  fixture_clear (&fixture);
}

/* ---- Bad requests ---- */

#define REQUEST(text) text, sizeof text - 1

static const struct {
  const char *line;
  gsize length;
  const char *code;
  const char *id;      /* echoed id as JSON text; NULL when none can be read */
} bad_requests[] = {
  { REQUEST ("{\"id\":1,\"method\":\"status\""), BALLAST_ERR_PARSE, NULL },          /* truncated */
  { REQUEST ("{\"id\":2,\"method\":\"status\"} trailing"), BALLAST_ERR_PARSE, NULL },
  { REQUEST ("not json at all"), BALLAST_ERR_PARSE, NULL },
  { REQUEST ("{\"id\":3,\"method\":\"sta\0tus\"}"), BALLAST_ERR_PARSE, NULL },       /* NUL byte */
  { REQUEST ("[\"status\"]"), BALLAST_ERR_INVALID_REQUEST, NULL },
  { REQUEST ("{\"id\":4}"), BALLAST_ERR_INVALID_REQUEST, "4" },                        /* no method */
  { REQUEST ("{\"id\":5,\"method\":7}"), BALLAST_ERR_INVALID_REQUEST, "5" },
  { REQUEST ("{\"id\":6,\"method\":\"status\",\"params\":[1,2]}"), BALLAST_ERR_INVALID_REQUEST, "6" },
  { REQUEST ("{\"id\":7,\"method\":\"status\",\"params\":\"all\"}"), BALLAST_ERR_INVALID_REQUEST, "7" },
  { REQUEST ("{\"id\":\"x\",\"method\":\"frobnicate\"}"), BALLAST_ERR_UNKNOWN_METHOD, "\"x\"" },
  { REQUEST ("{\"id\":9,\"method\":\"list\",\"params\":{\"all\":\"yes\"}}"), BALLAST_ERR_INVALID_PARAMS, "9" },
  { REQUEST ("{\"id\":10,\"method\":\"dominfo\",\"params\":{\"domain\":42}}"), BALLAST_ERR_INVALID_PARAMS, "10" },
  { REQUEST ("{\"id\":11,\"method\":\"dominfo\",\"params\":{}}"), BALLAST_ERR_INVALID_PARAMS, "11" },
  { REQUEST ("{\"id\":12,\"method\":\"domhistory\",\"params\":{\"domain\":\"test\",\"limit\":\"5\"}}"),
    BALLAST_ERR_INVALID_PARAMS, "12" },
  { REQUEST ("{\"id\":13,\"method\":\"domhistory\",\"params\":{\"domain\":\"test\",\"limit\":-1}}"),
    BALLAST_ERR_INVALID_PARAMS, "13" },
  { REQUEST ("{\"id\":14,\"method\":\"domhistory\",\"params\":{\"domain\":\"test\",\"limit\":1.5}}"),
    BALLAST_ERR_INVALID_PARAMS, "14" },
  { REQUEST ("{\"id\":15,\"method\":\"dominfo\",\"params\":{\"domain\":\"no-such-domain\"}}"),
    BALLAST_ERR_UNKNOWN_DOMAIN, "15" },
};

typedef struct {
  guint sent;  /* requests sent, good and bad */
  guint bad;
} BadRequestTally;

static void
bad_requests_body (const char *socket_path, gpointer user_data)
{
  BadRequestTally *tally = user_data;
  g_autoptr(Peer) peer = peer_connect (socket_path);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_requests); i++)
    {
      g_test_message ("bad request %zu", i);
      g_assert_true (peer_send (peer, bad_requests[i].line, bad_requests[i].length));
      g_assert_true (peer_send (peer, "\n", 1));
      g_autofree char *line = peer_read_line (peer, REPLY_TIMEOUT_MSEC);
      g_autoptr(json_object) reply = parse_reply (line);
      assert_error (reply, bad_requests[i].code);
      g_assert_cmpstr (reply_id (reply), ==, bad_requests[i].id);
      tally->bad++;
      tally->sent++;

      /* The connection keeps working after each. */
      g_autoptr(json_object) after = peer_call (peer, "{\"id\":\"after\",\"method\":\"status\"}");
      assert_ok (after);
      g_assert_cmpstr (reply_id (after), ==, "\"after\"");
      tally->sent++;
    }

  /* Blank lines get no reply; a CRLF line ending is a line ending. */
  const char blanks[] = "\n\r\n\n{\"id\":\"crlf\",\"method\":\"status\"}\r\n";
  g_assert_true (peer_send (peer, blanks, sizeof blanks - 1));
  g_autofree char *line = peer_read_line (peer, REPLY_TIMEOUT_MSEC);
  g_autoptr(json_object) reply = parse_reply (line);
  assert_ok (reply);
  g_assert_cmpstr (reply_id (reply), ==, "\"crlf\"");
  tally->sent++;

  /* A request split across writes is put back together. */
  const char first_half[] = "{\"id\":\"split\",\"met";
  g_assert_true (peer_send (peer, first_half, sizeof first_half - 1));
  g_usleep (100 * 1000);
  g_autoptr(json_object) split = peer_call (peer, "hod\":\"version\"}");
  assert_ok (split);
  g_assert_cmpstr (reply_id (split), ==, "\"split\"");
  tally->sent++;
}

static void
test_bad_requests (void)
{
  Fixture fixture = { 0 };
  BadRequestTally tally = { 0 };
  fixture_run (&fixture, bad_requests_body, &tally);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->requests, ==, tally.sent);
  g_assert_cmpuint (counters->errors, ==, tally.bad);
  g_assert_cmpuint (counters->dropped, ==, 0);
  fixture_clear (&fixture);
}

/* ---- Oversized requests ---- */

static void
oversized_body (const char *socket_path, gpointer user_data)
{
  gboolean with_newline = GPOINTER_TO_INT (user_data);
  g_autoptr(Peer) bystander = peer_connect (socket_path);
  g_autoptr(Peer) peer = peer_connect (socket_path);

  /* A "JSON" string of 100 KiB, well past the 64 KiB limit. */
  GString *huge = g_string_new ("{\"id\":1,\"method\":\"status\",\"params\":{\"pad\":\"");
  while (huge->len < 100 * 1024)
    g_string_append_c (huge, 'x');
  g_string_append (huge, with_newline ? "\"}}\n" : "\"}}");
  /* The daemon may hang up before it has read everything: ignore that. */
  peer_send (peer, huge->str, huge->len);
  g_string_free (huge, TRUE);

  g_autofree char *line = peer_read_line (peer, REPLY_TIMEOUT_MSEC);
  g_autoptr(json_object) reply = parse_reply (line);
  assert_error (reply, BALLAST_ERR_TOO_LARGE);
  /* The rest of such a stream cannot be framed: the daemon hangs up. */
  g_assert_true (peer_wait_closed (peer, REPLY_TIMEOUT_MSEC));
  /* Nobody else noticed. */
  assert_status_in_time (bystander);
}

static void
test_oversized_line (void)
{
  Fixture fixture = { 0 };
  fixture_run (&fixture, oversized_body, GINT_TO_POINTER (TRUE));
  g_assert_cmpuint (fixture_counters (&fixture)->dropped, ==, 1);
  fixture_clear (&fixture);
}

static void
test_huge_request_without_newline (void)
{
  Fixture fixture = { 0 };
  fixture_run (&fixture, oversized_body, GINT_TO_POINTER (FALSE));
  g_assert_cmpuint (fixture_counters (&fixture)->dropped, ==, 1);
  fixture_clear (&fixture);
}

/* ---- A peer that may only read ---- */

/* TRUE (and the test skipped) when we cannot become nobody. */
static gboolean
skipped_unless_root (void)
{
  if (geteuid () == 0)
    return FALSE;
  g_test_skip ("needs root to become nobody (uid 65534); CI runs as root");
  return TRUE;
}

/* In the child after fork(): only async-signal-safe calls from here on.
 * Reads one reply line into REPLY; child_exchange() sends REQUEST first. */
static gboolean
child_read_reply (int fd, char *reply, gsize reply_size)
{
  gsize used = 0;
  while (used + 1 < reply_size)
    {
      struct pollfd poll_fd = { .fd = fd, .events = POLLIN };
      if (poll (&poll_fd, 1, REPLY_TIMEOUT_MSEC) <= 0)
        return FALSE;
      ssize_t n = read (fd, reply + used, reply_size - 1 - used);
      if (n <= 0)
        return FALSE;
      used += (gsize) n;
      reply[used] = '\0';
      if (memchr (reply, '\n', used) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
child_exchange (int fd, const char *request, char *reply, gsize reply_size)
{
  gsize length = strlen (request);
  if (send (fd, request, length, MSG_NOSIGNAL) != (ssize_t) length)
    return FALSE;
  return child_read_reply (fd, reply, reply_size);
}

/* Every method, as nobody: built before fork(), for the child. A method
 * that changes state must be refused, any other must not be. */
#define MAX_NOBODY_CALLS 64
static char nobody_requests[MAX_NOBODY_CALLS][256];
static gboolean nobody_must_be_refused[MAX_NOBODY_CALLS];
static guint n_nobody_calls;
static guint n_write_methods;

static void
prepare_nobody_calls (void)
{
  const char *const *names = ballast_control_method_names ();
  n_nobody_calls = n_write_methods = 0;
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_assert_cmpuint (n_nobody_calls, <, MAX_NOBODY_CALLS);
      const char *params = "{}";
      for (gsize p = 0; p < G_N_ELEMENTS (method_params); p++)
        if (strcmp (method_params[p].method, names[i]) == 0)
          params = method_params[p].params;
      g_snprintf (nobody_requests[n_nobody_calls], sizeof nobody_requests[0],
                  "{\"id\":%u,\"method\":\"%s\",\"params\":%s}\n", i, names[i], params);
      nobody_must_be_refused[n_nobody_calls] = ballast_control_method_changes_state (names[i]);
      n_write_methods += nobody_must_be_refused[n_nobody_calls];
      n_nobody_calls++;
    }
  /* The ones this test knows change state are marked so. */
  const char *const known_writes[] = { "pause", "resume", "policy-reload" };
  for (gsize k = 0; k < G_N_ELEMENTS (known_writes); k++)
    g_assert_true (ballast_control_method_changes_state (known_writes[k]));
}

static int
connect_unix (const char *socket_path)
{
  int fd = socket (AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  gsize length = strlen (socket_path);
  if (fd < 0 || length >= sizeof address.sun_path)
    return -1;
  memcpy (address.sun_path, socket_path, length + 1);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

#define NOBODY_PAUSE_LOOP 20

static G_GNUC_NORETURN void
child_as_nobody (const char *socket_path)
{
  static char reply[1 << 20];
  if (setgroups (0, NULL) < 0 || setgid (NOBODY) < 0 || setuid (NOBODY) < 0)
    _exit (10);
  int fd = connect_unix (socket_path);
  if (fd < 0)
    _exit (12);
  for (guint i = 0; i < n_nobody_calls; i++)
    {
      if (!child_exchange (fd, nobody_requests[i], reply, sizeof reply))
        _exit (20 + i);
      gboolean refused = strstr (reply, "\"code\":\"permission-denied\"") != NULL;
      if (refused != nobody_must_be_refused[i])
        _exit (20 + i);
    }
  /* A client looping on a write request: refused every time. */
  for (guint i = 0; i < NOBODY_PAUSE_LOOP; i++)
    if (!child_exchange (fd, "{\"id\":4,\"method\":\"pause\"}\n", reply, sizeof reply)
        || strstr (reply, "\"code\":\"permission-denied\"") == NULL)
      _exit (16);
  /* Reading is for everyone, and the refusals did not cost the connection. */
  if (!child_exchange (fd, "{\"id\":3,\"method\":\"status\"}\n", reply, sizeof reply)
      || strstr (reply, "\"status\":\"ok\"") == NULL)
    _exit (15);
  _exit (0);
}

static void
reader_body (const char *socket_path, gpointer user_data)
{
  g_autoptr(Peer) first = peer_connect (socket_path);
  wait_for_first_cycle (first);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    child_as_nobody (socket_path);
  int wait_status = 0;
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_assert_true (WIFEXITED (wait_status));
  /* 10: setuid, 12: connect, 15: status refused, 16: a looped pause not
   * refused, 20 + i: call i (see
   * nobody_requests) answered wrongly. */
  if (WEXITSTATUS (wait_status) >= 20)
    g_test_message ("wrong answer to %s", nobody_requests[WEXITSTATUS (wait_status) - 20]);
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);

  g_autoptr(Peer) root = peer_connect (socket_path);
  assert_status_in_time (root);
}

static void
test_reader_refused_write_method (void)
{
  if (skipped_unless_root ())
    return;
  Fixture fixture = { 0 };
  prepare_nobody_calls ();
  harness_log_capture_begin ();
  fixture_run (&fixture, reader_body, NULL);
  /* Refused, counted, logged; nothing changed. Every refusal counts, but
   * only the first 5 a minute are logged: the loop of pauses fills what
   * the write methods left, and says the rest are not logged. */
  g_assert_false (ballast_daemon_get_view (fixture.daemon)->paused);
  g_assert_cmpuint (fixture_counters (&fixture)->refused, ==, n_write_methods + NOBODY_PAUSE_LOOP);
  g_assert_cmpuint (n_write_methods, <, 5);
  const char *const *names = ballast_control_method_names ();
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *refusal = g_strdup_printf ("control socket: refused '%s' from uid %u",
                                                  names[i], NOBODY);
      guint expected = !ballast_control_method_changes_state (names[i]) ? 0
                       : g_str_equal (names[i], "pause") ? 1 + (5 - n_write_methods) : 1;
      g_assert_cmpuint (harness_log_count (refusal, NULL), ==, expected);
    }
  g_assert_cmpuint (harness_log_count ("control socket: refused '", NULL), ==, 5);
  g_assert_cmpuint (harness_log_count ("more this minute are counted, not logged", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "policy: ", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("paused", NULL), ==, 0);
  harness_log_capture_end ();
  fixture_clear (&fixture);
}

/* ---- Connection floods ---- */

#define FLOOD 300

/* As nobody: FLOOD connections held open until told, then all closed, and
 * one more that must be served. Exit status: 0, or where it failed. */
static G_GNUC_NORETURN void
child_flood_as_nobody (const char *socket_path, int opened_fd, int release_fd)
{
  static char reply[65536];
  static int fds[FLOOD];
  if (setgroups (0, NULL) < 0 || setgid (NOBODY) < 0 || setuid (NOBODY) < 0)
    _exit (10);
  for (int i = 0; i < FLOOD; i++)
    if ((fds[i] = connect_unix (socket_path)) < 0)
      _exit (11);
  /* Held until the parent says so, or dies (EOF), or 60 s pass. */
  char byte = 'o';
  struct pollfd release_poll = { .fd = release_fd, .events = POLLIN };
  if (write (opened_fd, &byte, 1) != 1 || poll (&release_poll, 1, 60 * 1000) != 1
      || read (release_fd, &byte, 1) != 1)
    _exit (12);
  for (int i = 0; i < FLOOD; i++)
    close (fds[i]);
  /* Served again once the flood is gone (the daemon may take a moment
   * to see the closes). */
  for (int attempt = 0; attempt < 50; attempt++)
    {
      int fd = connect_unix (socket_path);
      if (fd >= 0 && child_exchange (fd, "{\"id\":1,\"method\":\"status\"}\n", reply, sizeof reply)
          && strstr (reply, "\"status\":\"ok\"") != NULL)
        _exit (0);
      if (fd >= 0)
        close (fd);
      usleep (100 * 1000);
    }
  _exit (13);
}

static void
nobody_flood_body (const char *socket_path, gpointer user_data)
{
  int opened[2], release[2];
  g_assert_cmpint (pipe (opened), ==, 0);
  g_assert_cmpint (pipe (release), ==, 0);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (opened[0]);
      close (release[1]);
      child_flood_as_nobody (socket_path, opened[1], release[0]);
    }
  close (opened[1]);
  close (release[0]);
  char byte;
  g_assert_cmpint (read (opened[0], &byte, 1), ==, 1);
  /* Let the daemon take (or turn away) every one of them. */
  g_usleep (500 * 1000);

  /* Root still gets in, and is answered in time. */
  g_autoptr(Peer) root = peer_connect (socket_path);
  for (int i = 0; i < 3; i++)
    assert_status_in_time (root);

  g_assert_cmpint (write (release[1], "r", 1), ==, 1);
  int wait_status = 0;
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
  close (opened[0]);
  close (release[1]);
}

static void
test_unprivileged_flood_leaves_root_a_way_in (void)
{
  if (skipped_unless_root ())
    return;
  Fixture fixture = { 0 };
  harness_log_capture_begin ();
  fixture_run (&fixture, nobody_flood_body, NULL);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  /* Turned away beyond the uid's share (socket-max-per-uid, 16), counted
   * (and the child's first tries after the flood, when the daemon has not
   * yet seen its closes). */
  guint64 over_limit = counters->dropped_by_reason[BALLAST_DROP_UID_LIMIT];
  g_test_message ("turned away %" G_GUINT64_FORMAT " of %u", over_limit, FLOOD);
  g_assert_cmpuint (over_limit, >=, FLOOD - 16);
  g_assert_cmpuint (counters->connections, >=, FLOOD + 2);
  /* Logged once for the flood, not once per connection. */
  g_assert_cmpuint (harness_log_count ("WARNING", "refusing more", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "uid 65534 holds 16 connections", NULL), ==, 1);
  harness_log_capture_end ();
  fixture_clear (&fixture);
}

static void
root_flood_body (const char *socket_path, gpointer user_data)
{
  /* Connected before the flood: it must go on being served. */
  g_autoptr(Peer) early = peer_connect (socket_path);
  wait_for_first_cycle (early);
  Peer *flood[FLOOD];
  for (guint i = 0; i < FLOOD; i++)
    flood[i] = peer_connect (socket_path);
  for (int i = 0; i < 3; i++)
    assert_status_in_time (early);
  /* Root is not limited: every one of its connections is served. */
  for (guint i = 0; i < FLOOD; i++)
    {
      g_autoptr(json_object) reply = peer_call (flood[i], "{\"method\":\"version\"}");
      assert_ok (reply);
    }
  for (guint i = 0; i < FLOOD; i++)
    peer_free (flood[i]);
  g_autoptr(Peer) late = peer_connect (socket_path);
  assert_status_in_time (late);
}

static void
test_connection_flood (void)
{
  Fixture fixture = { 0 };
  harness_log_capture_begin ();
  fixture_run (&fixture, root_flood_body, NULL);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->dropped, ==, 0);
  g_assert_cmpuint (counters->connections, ==, FLOOD + 2);
  g_assert_cmpuint (harness_log_count ("refusing more", NULL), ==, 0);
  harness_log_capture_end ();
  fixture_clear (&fixture);
}

/* ---- Per-uid limit, admin group ---- */

#define SMALL_LIMIT 3
#define STATUS_REQUEST "{\"id\":1,\"method\":\"status\"}\n"

static gboolean
child_status_ok (int fd)
{
  static char reply[65536];
  return fd >= 0 && child_exchange (fd, STATUS_REQUEST, reply, sizeof reply)
         && strstr (reply, "\"status\":\"ok\"") != NULL;
}

/* As nobody, with socket-max-per-uid SMALL_LIMIT: that many connections
 * served, one more turned away with a line saying why, and served again
 * once one is closed. Exit status: 0, or where it failed. */
static G_GNUC_NORETURN void
child_at_uid_limit (const char *socket_path)
{
  static char reply[65536];
  int fds[SMALL_LIMIT];
  if (setgroups (0, NULL) < 0 || setgid (NOBODY) < 0 || setuid (NOBODY) < 0)
    _exit (10);
  for (int i = 0; i < SMALL_LIMIT; i++)
    if (!child_status_ok (fds[i] = connect_unix (socket_path)))
      _exit (11);
  /* Turned away: the connect succeeds (the daemon drains its queue), then
   * it says why and hangs up, without being asked. */
  int over = connect_unix (socket_path);
  if (over < 0 || !child_read_reply (over, reply, sizeof reply)
      || strstr (reply, "\"code\":\"too-many-connections\"") == NULL
      || strstr (reply, "socket-max-per-uid") == NULL)
    _exit (12);
  close (over);
  close (fds[0]);
  for (int attempt = 0; attempt < 50; attempt++)
    {
      int fd = connect_unix (socket_path);
      if (child_status_ok (fd))
        _exit (0);
      if (fd >= 0)
        close (fd);
      usleep (100 * 1000);
    }
  _exit (13);
}

/* As nobody with ADMIN_GID among its supplementary groups only (its
 * primary group is another): beyond socket-max-per-uid, and allowed to
 * change things. */
static G_GNUC_NORETURN void
child_in_admin_group (const char *socket_path, gid_t admin_gid)
{
  static char reply[65536];
  int fds[SMALL_LIMIT * 3];
  if (setgroups (1, &admin_gid) < 0 || setgid (NOBODY - 1) < 0 || setuid (NOBODY) < 0)
    _exit (10);
  for (int i = 0; i < SMALL_LIMIT * 3; i++)
    if (!child_status_ok (fds[i] = connect_unix (socket_path)))
      _exit (11);
  if (!child_exchange (fds[0], "{\"id\":2,\"method\":\"pause\"}\n", reply, sizeof reply)
      || strstr (reply, "\"status\":\"ok\"") == NULL
      || !child_exchange (fds[0], "{\"id\":3,\"method\":\"resume\"}\n", reply, sizeof reply)
      || strstr (reply, "\"status\":\"ok\"") == NULL)
    _exit (12);
  _exit (0);
}

typedef struct {
  gboolean in_admin_group;
  gid_t admin_gid;
} LimitCase;

static void
uid_limit_body (const char *socket_path, gpointer user_data)
{
  const LimitCase *limit_case = user_data;
  g_autoptr(Peer) root = peer_connect (socket_path);
  wait_for_first_cycle (root);
  pid_t pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (limit_case->in_admin_group)
        child_in_admin_group (socket_path, limit_case->admin_gid);
      child_at_uid_limit (socket_path);
    }
  int wait_status = 0;
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
  /* Root has more connections than the limit, and is served on each. */
  Peer *more[SMALL_LIMIT + 2];
  for (guint i = 0; i < G_N_ELEMENTS (more); i++)
    more[i] = peer_connect (socket_path);
  for (guint i = 0; i < G_N_ELEMENTS (more); i++)
    {
      assert_status_in_time (more[i]);
      peer_free (more[i]);
    }
  assert_status_in_time (root);
}

static void
test_uid_limit (void)
{
  if (skipped_unless_root ())
    return;
  Fixture fixture = { .max_per_uid = SMALL_LIMIT };
  LimitCase limit_case = { FALSE, 0 };
  harness_log_capture_begin ();
  fixture_run (&fixture, uid_limit_body, &limit_case);
  /* The one over the limit, and perhaps tries after the close before the
   * daemon saw it. */
  g_assert_cmpuint (fixture_counters (&fixture)->dropped_by_reason[BALLAST_DROP_UID_LIMIT], >=, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "uid 65534 holds 3 connections to ballastd already",
                                       NULL), ==, 1);
  harness_log_capture_end ();
  fixture_clear (&fixture);
}

static void
test_admin_group_not_limited (void)
{
  if (skipped_unless_root ())
    return;
  /* Any group the system has will do: the daemon looks it up by name. */
  struct group *group = getgrgid (NOBODY);
  if (group == NULL)
    {
      g_test_skip ("no group with gid 65534 to be the admin group");
      return;
    }
  Fixture fixture = { .max_per_uid = SMALL_LIMIT };
  LimitCase limit_case = { TRUE, group->gr_gid };
  fixture.admin_group = g_strdup (group->gr_name);
  fixture_run (&fixture, uid_limit_body, &limit_case);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->dropped, ==, 0);
  g_assert_cmpuint (counters->refused, ==, 0);
  g_assert_false (ballast_daemon_get_view (fixture.daemon)->paused);
  g_free (fixture.admin_group);
  fixture_clear (&fixture);
}

/* ---- Idle and partial requests ---- */

static void
timeouts_body (const char *socket_path, gpointer user_data)
{
  /* With both timeouts at 1 s: one client says nothing, one stops in the
   * middle of a request, one trickles a request a byte at a time (its
   * bytes must not push its deadline on), and one asks for status every
   * 200 ms, which is neither idle nor partial. */
  g_autoptr(Peer) busy = peer_connect (socket_path);
  wait_for_first_cycle (busy);
  g_autoptr(Peer) silent = peer_connect (socket_path);
  g_autoptr(Peer) halfway = peer_connect (socket_path);
  g_autoptr(Peer) trickle = peer_connect (socket_path);
  const char half[] = "{\"id\":\"half\",\"meth";
  g_assert_true (peer_send (halfway, half, sizeof half - 1));
  const char request[] = "{\"id\":\"trickle\",\"method\":\"status\"}\n";
  gint64 start = g_get_monotonic_time ();
  for (guint i = 0; g_get_monotonic_time () - start < 2500 * 1000; i++)
    {
      if (i < sizeof request - 1)
        peer_send (trickle, request + i, 1); /* fails once dropped */
      assert_status_in_time (busy);
      g_usleep (200 * 1000);
    }
  g_autofree char *nothing = peer_read_line (silent, 100);
  g_assert_null (nothing);
  g_assert_true (silent->closed);
  const struct { Peer *peer; const char *name; } partial[] = { { halfway, "halfway" }, { trickle, "trickle" } };
  for (guint i = 0; i < G_N_ELEMENTS (partial); i++)
    {
      g_test_message ("%s", partial[i].name);
      g_autofree char *said = peer_read_line (partial[i].peer, 100);
      g_autoptr(json_object) reply = parse_reply (said);
      assert_error (reply, BALLAST_ERR_REQUEST_TIMEOUT);
      g_assert_true (peer_wait_closed (partial[i].peer, 100));
    }
}

static void
test_idle_and_partial_timeouts (void)
{
  Fixture fixture = { .idle_timeout_sec = 1, .request_timeout_sec = 1 };
  fixture_run (&fixture, timeouts_body, NULL);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->dropped_by_reason[BALLAST_DROP_IDLE], ==, 1);
  g_assert_cmpuint (counters->dropped_by_reason[BALLAST_DROP_PARTIAL], ==, 2);
  g_assert_cmpuint (counters->dropped, ==, 3);
  fixture_clear (&fixture);
}

/* ---- Out of file descriptors ---- */

static void
out_of_fds_body (const char *socket_path, gpointer user_data)
{
  g_autoptr(Peer) root = peer_connect (socket_path);
  wait_for_first_cycle (root);
  /* The daemon shares this process's descriptor table: leave room for a
   * dozen connections, opened here and accepted there, so that it runs
   * out while connections are still queued. */
  struct rlimit saved;
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  int lowest_free = dup (0);
  g_assert_cmpint (lowest_free, >=, 0);
  close (lowest_free);
  struct rlimit low = { .rlim_cur = (rlim_t) lowest_free + 24, .rlim_max = saved.rlim_max };
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  int fds[64];
  guint opened = 0;
  while (opened < G_N_ELEMENTS (fds) && (fds[opened] = connect_unix (socket_path)) >= 0)
    opened++;
  g_usleep (300 * 1000);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  g_test_message ("opened %u connections under a limit of %d", opened, lowest_free + 24);
  for (guint i = 0; i < opened; i++)
    close (fds[i]);
  /* The daemon did not stop listening, nor lose its old clients. */
  assert_status_in_time (root);
  g_autoptr(Peer) late = peer_connect (socket_path);
  assert_status_in_time (late);
}

static void
test_out_of_fds (void)
{
  Fixture fixture = { 0 };
  harness_log_capture_begin ();
  fixture_run (&fixture, out_of_fds_body, NULL);
  /* The connections it could not take were closed unseen and counted,
   * instead of leaving the socket readable for the loop to spin on. */
  g_assert_cmpuint (fixture_counters (&fixture)->dropped_by_reason[BALLAST_DROP_FD_LIMIT], >=, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "out of file descriptors", NULL), >=, 1);
  harness_log_capture_end ();
  fixture_clear (&fixture);
}

/* ---- Many clients ---- */

static gpointer
busy_client (gpointer socket_path)
{
  g_autoptr(Peer) peer = peer_connect (socket_path);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *request = g_strdup_printf ("{\"id\":%u,\"method\":\"%s\"}", i,
                                                  i % 2 == 0 ? "status" : "list");
      g_autoptr(json_object) reply = peer_call (peer, request);
      assert_ok (reply);
      g_autofree char *id = g_strdup_printf ("%u", i);
      g_assert_cmpstr (reply_id (reply), ==, id);
    }
  return NULL;
}

static void
concurrent_body (const char *socket_path, gpointer user_data)
{
  /* All connected at once, each with three requests in one write; then
   * every reply read back, in order, on every connection. */
  Peer *peers[N_CLIENTS];
  for (guint c = 0; c < N_CLIENTS; c++)
    peers[c] = peer_connect (socket_path);
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      g_autofree char *requests = g_strdup_printf ("{\"id\":%u,\"method\":\"status\"}\n"
                                                   "{\"id\":%u,\"method\":\"list\"}\n"
                                                   "{\"id\":%u,\"method\":\"version\"}\n",
                                                   c * 10, c * 10 + 1, c * 10 + 2);
      g_assert_true (peer_send (peers[c], requests, strlen (requests)));
    }
  for (guint c = 0; c < N_CLIENTS; c++)
    {
      for (guint r = 0; r < 3; r++)
        {
          g_autofree char *line = peer_read_line (peers[c], REPLY_TIMEOUT_MSEC);
          g_autoptr(json_object) reply = parse_reply (line);
          assert_ok (reply);
          g_autofree char *id = g_strdup_printf ("%u", c * 10 + r);
          g_assert_cmpstr (reply_id (reply), ==, id);
        }
      peer_free (peers[c]);
    }

  /* And as many threads talking at the same time. */
  GThread *threads[N_CLIENTS];
  for (guint t = 0; t < N_CLIENTS; t++)
    threads[t] = g_thread_new ("busy-client", busy_client, (gpointer) socket_path);
  for (guint t = 0; t < N_CLIENTS; t++)
    g_thread_join (threads[t]);
}

static void
test_concurrent_clients (void)
{
  Fixture fixture = { 0 };
  fixture_run (&fixture, concurrent_body, NULL);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->connections, ==, 2 * N_CLIENTS);
  g_assert_cmpuint (counters->requests, ==, N_CLIENTS * 3 + N_CLIENTS * 5);
  g_assert_cmpuint (counters->errors, ==, 0);
  g_assert_cmpuint (counters->dropped, ==, 0);
  fixture_clear (&fixture);
}

/* ---- Clients that stall ---- */

static void
stalled_body (const char *socket_path, gpointer user_data)
{
  /* One says nothing at all, one stops in the middle of a request. */
  g_autoptr(Peer) silent = peer_connect (socket_path);
  g_autoptr(Peer) halfway = peer_connect (socket_path);
  const char half[] = "{\"id\":\"half\",\"meth";
  g_assert_true (peer_send (halfway, half, sizeof half - 1));
  g_usleep (200 * 1000);

  g_autoptr(Peer) other = peer_connect (socket_path);
  for (int i = 0; i < 5; i++)
    assert_status_in_time (other);

  /* Neither was answered nor dropped; the half request completes fine. */
  g_autofree char *nothing = peer_read_line (silent, 200);
  g_assert_null (nothing);
  g_assert_false (silent->closed);
  g_autoptr(json_object) reply = peer_call (halfway, "od\":\"status\"}");
  assert_ok (reply);
  g_assert_cmpstr (reply_id (reply), ==, "\"half\"");
}

static void
test_stalled_clients_block_nobody (void)
{
  Fixture fixture = { 0 };
  fixture_run (&fixture, stalled_body, NULL);
  g_assert_cmpuint (fixture_counters (&fixture)->dropped, ==, 0);
  fixture_clear (&fixture);
}

/* ---- Responsive throughout ---- */

typedef struct {
  const char *socket_path;
  gint stop;
} Noise;

static gpointer
noisy_client (gpointer data)
{
  Noise *noise = data;
  g_autoptr(Peer) peer = peer_connect (noise->socket_path);
  for (guint i = 0; !g_atomic_int_get (&noise->stop); i++)
    {
      /* Garbage and errors, one after another, each answered. */
      const char *request = i % 3 == 0 ? "{{{{" : i % 3 == 1 ? "{\"method\":\"nope\"}"
                                                            : "{\"method\":\"dominfo\",\"params\":{}}";
      g_autoptr(json_object) reply = peer_call (peer, request);
      g_assert_cmpstr (json_object_get_string (member (reply, "status")), ==, "error");
    }
  return NULL;
}

static gpointer
flooding_client (gpointer data)
{
  Noise *noise = data;
  /* Over and over: a request too large, dropped each time. */
  while (!g_atomic_int_get (&noise->stop))
    {
      g_autoptr(Peer) peer = peer_connect (noise->socket_path);
      g_autofree char *flood = g_strnfill (80 * 1024, 'y');
      peer_send (peer, flood, strlen (flood));
      g_assert_true (peer_wait_closed (peer, REPLY_TIMEOUT_MSEC));
    }
  return NULL;
}

static void
responsive_body (const char *socket_path, gpointer user_data)
{
  Noise noise = { socket_path, 0 };
  GThread *threads[6];
  for (guint t = 0; t < 5; t++)
    threads[t] = g_thread_new ("noisy-client", noisy_client, &noise);
  threads[5] = g_thread_new ("flooding-client", flooding_client, &noise);

  g_autoptr(Peer) peer = peer_connect (socket_path);
  gint64 worst = 0;
  for (int i = 0; i < 30; i++)
    {
      gint64 start = g_get_monotonic_time ();
      assert_status_in_time (peer);
      worst = MAX (worst, g_get_monotonic_time () - start);
      g_usleep (20 * 1000);
    }
  g_atomic_int_set (&noise.stop, 1);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_test_message ("worst status round trip under load: %" G_GINT64_FORMAT " us", worst);
}

static void
test_responsive_under_load (void)
{
  Fixture fixture = { 0 };
  fixture_run (&fixture, responsive_body, NULL);
  const BallastControlCounters *counters = fixture_counters (&fixture);
  g_assert_cmpuint (counters->errors, >, 0);
  g_assert_cmpuint (counters->dropped, >, 0);
  fixture_clear (&fixture);
}

int
main (int argc, char **argv)
{
  harness_init (&argc, &argv);
  g_test_add_func ("/protocol/every-method-ok", test_every_method_ok);
  g_test_add_func ("/protocol/bad-requests", test_bad_requests);
  g_test_add_func ("/protocol/oversized-line", test_oversized_line);
  g_test_add_func ("/protocol/huge-request-without-newline", test_huge_request_without_newline);
  g_test_add_func ("/protocol/reader-refused-write-method", test_reader_refused_write_method);
  g_test_add_func ("/protocol/concurrent-clients", test_concurrent_clients);
  g_test_add_func ("/protocol/connection-flood", test_connection_flood);
  g_test_add_func ("/protocol/unprivileged-flood-leaves-root-a-way-in",
                   test_unprivileged_flood_leaves_root_a_way_in);
  g_test_add_func ("/protocol/uid-limit", test_uid_limit);
  g_test_add_func ("/protocol/admin-group-not-limited", test_admin_group_not_limited);
  g_test_add_func ("/protocol/idle-and-partial-timeouts", test_idle_and_partial_timeouts);
  g_test_add_func ("/protocol/out-of-fds", test_out_of_fds);
  g_test_add_func ("/protocol/stalled-clients-block-nobody", test_stalled_clients_block_nobody);
  g_test_add_func ("/protocol/responsive-under-load", test_responsive_under_load);
  return g_test_run ();
}
