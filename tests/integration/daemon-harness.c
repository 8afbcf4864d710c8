/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-harness.h"

#include "../unit/scratch-tree.h"

#include "control-client.h"
#include "json-util.h"
#include "libvirt-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static void
write_file (const char *root, const char *relative, const char *contents)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

void
fake_host_set_available (FakeHost *host, guint64 available_kib)
{
  g_autofree char *total_line = NULL;
  g_autofree char *meminfo = NULL;
  g_autofree char *path = g_build_filename (host->root, "proc", "meminfo", NULL);
  g_autofree char *old = NULL;
  g_assert_true (g_file_get_contents (path, &old, NULL, NULL));
  guint64 total = g_ascii_strtoull (old + strlen ("MemTotal:"), NULL, 10);
  meminfo = g_strdup_printf ("MemTotal:       %" G_GUINT64_FORMAT " kB\n"
                             "MemFree:        %" G_GUINT64_FORMAT " kB\n"
                             "MemAvailable:   %" G_GUINT64_FORMAT " kB\n"
                             "SwapTotal:            0 kB\n"
                             "SwapFree:             0 kB\n",
                             total, available_kib, available_kib);
  write_file (host->root, "proc/meminfo", meminfo);
}

FakeHost *
fake_host_new (guint64 total_kib, guint64 available_kib)
{
  FakeHost *host = g_new0 (FakeHost, 1);
  host->root = g_dir_make_tmp ("ballast-host-XXXXXX", NULL);
  g_assert_nonnull (host->root);
  g_autofree char *meminfo = g_strdup_printf ("MemTotal:       %" G_GUINT64_FORMAT " kB\n", total_kib);
  write_file (host->root, "proc/meminfo", meminfo);
  fake_host_set_available (host, available_kib);
  write_file (host->root, "proc/cpuinfo",
              "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme de pse tsc msr pae hypervisor\n\n");
  write_file (host->root, "proc/pressure/memory",
              "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
              "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  g_autofree char *module_dir = g_build_filename (host->root, "sys", "module", NULL);
  g_assert_cmpint (g_mkdir_with_parents (module_dir, 0755), ==, 0);
  host->paths = ballast_paths_new_rooted (host->root);
  return host;
}


void
fake_host_free (FakeHost *host)
{
  if (host == NULL)
    return;
  scratch_remove_tree (host->root);
  g_free (host->root);
  ballast_paths_free (host->paths);
  g_free (host);
}

BallastDaemonConfig
harness_config_for (const char *uri)
{
  BallastDaemonConfig config;
  ballast_daemon_config_init (&config);
  g_free (config.uri);
  config.uri = g_strdup (uri);
  config.interval_msec = 50;
  config.reserve_set = TRUE;
  config.reserve = (BallastAmount) { .kib = 2 * 1024 * 1024 };
  return config;
}

char *
testdriver_xml_write (const char *dir, const char *prefix, guint n_domains, guint64 max_kib,
                      guint64 current_kib)
{
  g_autoptr(GString) xml = g_string_new ("<node>\n");
  for (guint i = 0; i < n_domains; i++)
    g_string_append_printf (xml,
      "  <domain type='test'>\n"
      "    <name>%s-%04u</name>\n"
      "    <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n"
      "    <currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>\n"
      "    <os><type>hvm</type></os>\n"
      "    <devices><memballoon model='virtio'/></devices>\n"
      "  </domain>\n", prefix, i, max_kib, current_kib);
  g_string_append (xml, "</node>\n");
  g_autofree char *name = g_strdup_printf ("%s.xml", prefix);
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, xml->str, -1, NULL));
  return path;
}

BallastDaemon *
run_daemon_cycles (BallastDaemonConfig *config, FakeHost *host, guint cycles)
{
  g_autoptr(GError) error = NULL;
  BallastRunOptions options = { .max_cycles = cycles };
  static guint serial;
  g_free (config->socket_path);
  config->socket_path = g_strdup_printf ("%s/ballast-test-%d-%u.sock", g_get_tmp_dir (),
                                         (int) getpid (), serial++);
  BallastDaemon *daemon = ballast_daemon_new (config, host->paths, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ballast_daemon_run (daemon), ==, 0);
  return daemon;
}

typedef struct {
  BallastDaemon *daemon;
  const char *socket_path;
  HarnessClientFunc body;
  gpointer user_data;
  gboolean quit_after;
} ClientRun;

static gboolean
quit_daemon (gpointer daemon)
{
  ballast_daemon_quit (daemon);
  return G_SOURCE_REMOVE;
}

static gpointer
client_thread (gpointer data)
{
  ClientRun *run = data;
  run->body (run->socket_path, run->user_data);
  /* Through the loop, not directly: the loop may not be running yet, and
   * a quit before it runs would be lost. */
  if (run->quit_after)
    g_idle_add (quit_daemon, run->daemon);
  return NULL;
}

static BallastDaemon *
run_with_client (BallastDaemonConfig *config, FakeHost *host, HarnessClientFunc body,
                 gpointer user_data, gboolean quit_after)
{
  g_autoptr(GError) error = NULL;
  BallastRunOptions options = { 0 };
  static guint serial;
  g_free (config->socket_path);
  config->socket_path = g_strdup_printf ("%s/ballast-client-test-%d-%u.sock", g_get_tmp_dir (),
                                         (int) getpid (), serial++);
  BallastDaemon *daemon = ballast_daemon_new (config, host->paths, &options, &error);
  g_assert_no_error (error);
  /* The socket is listening already: the client may connect at once. */
  ClientRun run = { daemon, config->socket_path, body, user_data, quit_after };
  GThread *thread = g_thread_new ("test-client", client_thread, &run);
  g_assert_cmpint (ballast_daemon_run (daemon), ==, 0);
  g_thread_join (thread);
  return daemon;
}

BallastDaemon *
run_daemon_with_client (BallastDaemonConfig *config, FakeHost *host, HarnessClientFunc body,
                        gpointer user_data)
{
  return run_with_client (config, host, body, user_data, TRUE);
}

BallastDaemon *
run_daemon_until_exit (BallastDaemonConfig *config, FakeHost *host, HarnessClientFunc body,
                       gpointer user_data)
{
  return run_with_client (config, host, body, user_data, FALSE);
}

json_object *
harness_call (const char *socket_path, const char *method, json_object *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastClient) client = ballast_client_connect (socket_path, &error);
  g_assert_no_error (error);
  json_object *result = ballast_client_call (client, method, params, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

json_object *
harness_json_path (json_object *object, ...)
{
  va_list keys;
  va_start (keys, object);
  for (const char *key = va_arg (keys, const char *); key != NULL && object != NULL;
       key = va_arg (keys, const char *))
    {
      json_object *member = NULL;
      object = json_object_object_get_ex (object, key, &member) ? member : NULL;
    }
  va_end (keys);
  return object;
}

gint64
harness_cycles_completed (const char *socket_path)
{
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  return json_object_get_int64 (harness_json_path (status, "cycles", "completed", NULL));
}

void
harness_wait_cycles (const char *socket_path, guint n, guint timeout_sec)
{
  gint64 goal = harness_cycles_completed (socket_path) + n;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_sec * G_USEC_PER_SEC;
  while (harness_cycles_completed (socket_path) < goal)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the daemon did not complete %u cycles in %u s", n, timeout_sec);
      g_usleep (20 * 1000);
    }
}

/* ---- Log capture ---- */

static GMutex capture_lock;
static GString *capture;  /* NULL: not capturing */

static const char *
level_name (GLogLevelFlags level)
{
  switch (level & G_LOG_LEVEL_MASK)
    {
    case G_LOG_LEVEL_ERROR: return "ERROR";
    case G_LOG_LEVEL_CRITICAL: return "CRITICAL";
    case G_LOG_LEVEL_WARNING: return "WARNING";
    case G_LOG_LEVEL_MESSAGE: return "MESSAGE";
    case G_LOG_LEVEL_INFO: return "INFO";
    case G_LOG_LEVEL_DEBUG: return "DEBUG";
    default: return "?";
    }
}

static GLogWriterOutput
capturing_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  g_mutex_lock (&capture_lock);
  if (capture != NULL)
    {
      const char *domain = NULL, *message = NULL;
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
            domain = fields[i].value;
          else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
            message = fields[i].value;
        }
      g_string_append_printf (capture, "%s %s: %s\n", level_name (level),
                              domain != NULL ? domain : "-", message != NULL ? message : "");
    }
  g_mutex_unlock (&capture_lock);
  /* Debug lines pass only when asked for, as they would without us. */
  if ((level & G_LOG_LEVEL_DEBUG) && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;
  /* GLib writes info and debug lines to stdout, where TAP is spoken
   * (meson then reports "Unknown TAP output lines"): stderr, as ballastd's
   * own log. */
  if (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
    {
      g_autofree char *line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
      fprintf (stderr, "%s\n", line);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

void
harness_log_capture_begin (void)
{
  g_mutex_lock (&capture_lock);
  if (capture != NULL)
    g_string_free (capture, TRUE);
  capture = g_string_new (NULL);
  g_mutex_unlock (&capture_lock);
  g_log_set_debug_enabled (TRUE);
}

char *
harness_log_capture_text (void)
{
  g_mutex_lock (&capture_lock);
  char *text = g_strdup (capture != NULL ? capture->str : "");
  g_mutex_unlock (&capture_lock);
  return text;
}

void
harness_log_capture_end (void)
{
  g_log_set_debug_enabled (FALSE);
  g_mutex_lock (&capture_lock);
  if (capture != NULL)
    g_string_free (capture, TRUE);
  capture = NULL;
  g_mutex_unlock (&capture_lock);
}

guint
harness_log_count (const char *first, ...)
{
  g_autofree char *text = harness_log_capture_text ();
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint count = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean all = TRUE;
      va_list parts;
      va_start (parts, first);
      for (const char *part = first; part != NULL && all; part = va_arg (parts, const char *))
        all = strstr (lines[i], part) != NULL;
      va_end (parts);
      count += all && lines[i][0] != '\0';
    }
  return count;
}

guint64
domain_info_memory_kib (BallastDaemon *daemon, const char *name)
{
  virConnectPtr conn = ballast_session_get_connection (ballast_daemon_get_view (daemon)->session);
  g_assert_nonnull (conn);
  g_autoptr(virDomain) domain = virDomainLookupByName (conn, name);
  g_assert_nonnull (domain);
  virDomainInfo info;
  g_assert_cmpint (virDomainGetInfo (domain, &info), ==, 0);
  return info.memory;
}

void
harness_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (capturing_writer, NULL, NULL);
  ballast_libvirt_init ();
  g_assert_cmpint (virEventRegisterDefaultImpl (), ==, 0);
}
