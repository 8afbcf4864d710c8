/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "control-protocol.h"

G_BEGIN_DECLS

typedef struct _BallastDaemon BallastDaemon;

/* Who is asking. */
typedef struct {
  guint32 uid;
  gint32 pid;
  gboolean privileged; /* may call methods that change things */
} BallastPeer;

/* Run REQUEST. Returns the result object, or NULL with RET_CODE (a
 * BALLAST_ERR_* string) and ERROR set. */
json_object *ballast_control_dispatch (BallastDaemon *daemon, const BallastRequest *request,
                                       const BallastPeer *peer, const char **ret_code,
                                       GError **error);

/* The names of all methods, for `help` and tests; NULL-terminated. */
const char *const *ballast_control_method_names (void);

/* TRUE when method NAME changes ballastd's state (only privileged peers
 * may call it); FALSE for read methods and unknown names. */
gboolean ballast_control_method_changes_state (const char *name);

G_END_DECLS
