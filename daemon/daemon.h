/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "control-methods.h"
#include "daemon-config.h"
#include "daemon-view.h"
#include "path-context.h"

G_BEGIN_DECLS

/* The one owner of ballastd's state: _new builds, _start starts
 * the loop's sources, _free copes with anything half-built. Main thread. */
typedef struct _BallastDaemon BallastDaemon;

typedef struct {
  gboolean once;           /* one cycle, print the table, exit */
  guint max_cycles;        /* stop after this many cycles (0: never); for tests */
} BallastRunOptions;

BallastDaemon *ballast_daemon_new (const BallastDaemonConfig *config, const BallastPaths *paths,
                                   const BallastRunOptions *options, GError **error);
void ballast_daemon_free (BallastDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastDaemon, ballast_daemon_free)

/* Run until stopped (signal, --once done, or fatal error). Returns the
 * process exit status. */
int ballast_daemon_run (BallastDaemon *daemon);
/* Make ballast_daemon_run() return, as SIGTERM does. Any thread. */
void ballast_daemon_quit (BallastDaemon *daemon);

/* What ballastd shows of itself (daemon-view.h), and what its control
 * methods act on (control-methods.h): for main() and tests. */
const BallastDaemonView *ballast_daemon_get_view (BallastDaemon *daemon);
const BallastControlTarget *ballast_daemon_get_control_target (BallastDaemon *daemon);

G_END_DECLS
