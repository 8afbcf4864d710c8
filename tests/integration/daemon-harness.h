/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers for running the real daemon loop in-process against libvirt's
 * test driver, on a host whose /proc and /sys are a temporary tree. */

#include <glib.h>

#include "daemon.h"

#include <json.h>

G_BEGIN_DECLS

typedef struct {
  char *root;              /* temporary host tree */
  BallastPaths *paths;
} FakeHost;

/* A host tree with MemTotal TOTAL_KIB and MemAvailable AVAILABLE_KIB, and
 * a CPU without virtualization (so overcommit "auto" is off). */
FakeHost *fake_host_new (guint64 total_kib, guint64 available_kib);
void fake_host_set_available (FakeHost *host, guint64 available_kib);
void fake_host_free (FakeHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeHost, fake_host_free)

/* A test driver XML file with N_DOMAINS running domains named
 * "PREFIX-0000"..., each MAX_KIB max and CURRENT_KIB current, with a virtio
 * balloon but no stats period. Returns the path (in DIR). */
char *testdriver_xml_write (const char *dir, const char *prefix, guint n_domains,
                            guint64 max_kib, guint64 current_kib);

/* A daemon configuration for URI as the tests use it: 50 ms cycles and a
 * 2 GiB reserve; the caller clears it (ballast_daemon_config_clear). */
BallastDaemonConfig harness_config_for (const char *uri);

/* Run a daemon for CYCLES cycles. Returns it still connected, for reading
 * back through its own connection. */
BallastDaemon *run_daemon_cycles (BallastDaemonConfig *config, FakeHost *host, guint cycles);

/* A client's side of a test: it runs on a thread of its own while the
 * daemon's loop runs on the main one, so it must not touch the daemon's
 * state; it talks to it through SOCKET_PATH, with blocking I/O. */
typedef void (*HarnessClientFunc) (const char *socket_path, gpointer user_data);

/* Run a daemon until BODY returns, then stop it. Returns the daemon,
 * stopped, for assertions on its state from the main thread. */
BallastDaemon *run_daemon_with_client (BallastDaemonConfig *config, FakeHost *host,
                                       HarnessClientFunc body, gpointer user_data);

/* Like run_daemon_with_client(), but BODY returning does not stop the
 * daemon: it runs until it stops by itself (a signal BODY raised, a
 * restore on exit that finished or ran out of time). */
BallastDaemon *run_daemon_until_exit (BallastDaemonConfig *config, FakeHost *host,
                                      HarnessClientFunc body, gpointer user_data);

/* For client threads: call METHOD (params taken over, NULL for none) on
 * the daemon at SOCKET_PATH and return its result; fails the test on an
 * error reply. */
json_object *harness_call (const char *socket_path, const char *method, json_object *params);
/* The "status" result's cycles.completed, through SOCKET_PATH. */
gint64 harness_cycles_completed (const char *socket_path);
/* Wait (from a client thread) until the daemon has completed N more
 * cycles than now; fails the test after TIMEOUT_SEC. */
void harness_wait_cycles (const char *socket_path, guint n, guint timeout_sec);
/* obj[KEY1][KEY2]... (NULL-terminated keys), or NULL when absent. */
json_object *harness_json_path (json_object *object, ...) G_GNUC_NULL_TERMINATED;

/* Log capture: from _begin, every log line of any level (debug included)
 * is kept as "LEVEL domain: message"; _text returns what was kept so far
 * (a copy); _end stops, and debug messages are dropped again unless
 * G_MESSAGES_DEBUG asks for them. Thread-safe. */
void harness_log_capture_begin (void);
char *harness_log_capture_text (void);
void harness_log_capture_end (void);
/* Lines of the capture that contain every one of the NULL-terminated
 * substrings. */
guint harness_log_count (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Memory of DOMAIN as virDomainGetInfo() reports it, in KiB. */
guint64 domain_info_memory_kib (BallastDaemon *daemon, const char *name);

/* Let warnings through (the daemon logs expected ones), keep criticals fatal. */
void harness_init (int *argc, char ***argv);

G_END_DECLS
