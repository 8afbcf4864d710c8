/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers for running the real daemon loop in-process against libvirt's
 * test driver, on a host whose /proc and /sys are a temporary tree. */

#include <glib.h>

#include "daemon.h"

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

/* Memory of DOMAIN as virDomainGetInfo() reports it, in KiB. */
guint64 domain_info_memory_kib (BallastDaemon *daemon, const char *name);

/* Let warnings through (the daemon logs expected ones), keep criticals fatal. */
void harness_init (int *argc, char ***argv);

G_END_DECLS
