/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _BallastDaemon BallastDaemon;
typedef struct _BallastControlServer BallastControlServer;

/* ballastd's control socket: a UNIX socket speaking newline-delimited JSON
 * (lib/control-protocol.h), on the main loop, never blocking it. Peers are
 * identified with SO_PEERCRED: root, ballastd's own user and members of the
 * "ballast" group may change things; everyone else may only read. */
BallastControlServer *ballast_control_server_new (BallastDaemon *daemon, const char *path,
                                                  GError **error);
void ballast_control_server_free (BallastControlServer *server);

typedef struct {
  guint64 connections;
  guint64 requests;
  guint64 errors;
  guint64 refused;       /* write methods refused to unprivileged peers */
  guint64 dropped;       /* clients dropped: too large, stalled, too many */
  guint clients;         /* connected now */
} BallastControlCounters;

const BallastControlCounters *ballast_control_server_get_counters (BallastControlServer *server);

G_END_DECLS
