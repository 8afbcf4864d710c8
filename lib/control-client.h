/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json.h>

G_BEGIN_DECLS

/* The client side of the control protocol: one connection, requests and
 * replies in turn. Errors are in BALLAST_CLIENT_ERROR so callers can map
 * them to distinct exit statuses. */

#define BALLAST_CLIENT_ERROR (ballast_client_error_quark ())
GQuark ballast_client_error_quark (void);

typedef enum {
  BALLAST_CLIENT_ERROR_NOT_RUNNING,    /* no daemon at the socket */
  BALLAST_CLIENT_ERROR_PERMISSION,     /* the socket or the method refused us */
  BALLAST_CLIENT_ERROR_UNKNOWN_DOMAIN,
  BALLAST_CLIENT_ERROR_PROTOCOL,       /* the daemon said something unreadable */
  BALLAST_CLIENT_ERROR_FAILED,         /* the daemon reported another error */
  BALLAST_CLIENT_ERROR_BUSY,           /* its queue of new connections stayed full, or it
                                        * turned us away (too many connections) */
} BallastClientError;

typedef struct _BallastClient BallastClient;

/* A connection refused because ballastd's accept queue is full (EAGAIN:
 * a burst of clients, or a flood) is tried again for up to
 * BALLAST_CLIENT_BUSY_RETRY_MSEC before failing with
 * BALLAST_CLIENT_ERROR_BUSY; blocks meanwhile. */
#define BALLAST_CLIENT_BUSY_RETRY_MSEC 3000
BallastClient *ballast_client_connect (const char *socket_path, GError **error);
void ballast_client_free (BallastClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastClient, ballast_client_free)

/* Call METHOD with PARAMS (taken over; NULL for none). Returns the result
 * object (owned by the caller), or NULL with ERROR set from the reply's
 * error code and message. */
json_object *ballast_client_call (BallastClient *client, const char *method, json_object *params,
                                  GError **error);

G_END_DECLS
