/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include <json.h>

#include "control-listener.h"
#include "control-protocol.h"
#include "daemon-config.h"

G_BEGIN_DECLS

typedef struct _BallastControlServer BallastControlServer;

/* Runs one well-formed REQUEST from PEER: the result object, or NULL with
 * RET_CODE (a BALLAST_ERR_* string) and ERROR set. The server knows
 * nothing of the methods. */
typedef json_object *(*BallastControlDispatch) (const BallastRequest *request,
                                                const BallastPeer *peer, const char **ret_code,
                                                GError **error, gpointer user_data);

/* ballastd's control socket: a UNIX socket speaking newline-delimited JSON
 * (lib/control-protocol.h), on the main loop, never blocking it. Peers are
 * identified with SO_PEERCRED (control-listener.h): root, ballastd's own
 * user and members of the admin group (socket-admin-group) may change
 * things; everyone else may only read, and holds at most
 * socket-max-per-uid connections (lib/control-admission.h). A client that
 * sends nothing for socket-idle-timeout, or takes longer than
 * socket-request-timeout to send a whole request line, is dropped.
 * CONFIG gives the path and those settings; every request goes to
 * DISPATCH with USER_DATA. */
BallastControlServer *ballast_control_server_new (const BallastDaemonConfig *config,
                                                  BallastControlDispatch dispatch,
                                                  gpointer user_data, GError **error);
void ballast_control_server_free (BallastControlServer *server);

/* Why ballastd hung up on a client, or turned a connection away. */
typedef enum {
  BALLAST_DROP_UID_LIMIT,          /* the uid held socket-max-per-uid connections */
  BALLAST_DROP_UNPRIVILEGED_LIMIT, /* unprivileged peers held all theirs together */
  BALLAST_DROP_FD_LIMIT,           /* no file descriptor to spare */
  BALLAST_DROP_IDLE,               /* sent nothing for socket-idle-timeout */
  BALLAST_DROP_PARTIAL,            /* a request line not finished in socket-request-timeout */
  BALLAST_DROP_TOO_LARGE,          /* a request line over 64 KiB */
  BALLAST_DROP_NOT_READING,        /* did not take its replies */
  BALLAST_DROP_NO_CREDENTIALS,     /* SO_PEERCRED failed */
  BALLAST_N_DROP_REASONS
} BallastDropReason;

/* "uid-limit", "idle", ...: the metric's reason label. */
const char *ballast_drop_reason_to_string (BallastDropReason reason);

typedef struct {
  guint64 connections;   /* accepted from the kernel, kept or not */
  guint64 requests;
  guint64 errors;
  guint64 refused;       /* write methods refused to unprivileged peers */
  guint64 dropped;       /* clients dropped or turned away, for any reason */
  guint64 dropped_by_reason[BALLAST_N_DROP_REASONS];
  guint clients;         /* connected now */
} BallastControlCounters;

const BallastControlCounters *ballast_control_server_get_counters (BallastControlServer *server);

G_END_DECLS
