/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "control-listener.h"
#include "control-protocol.h"
#include "daemon-view.h"

G_BEGIN_DECLS

/* What the control methods work on: the daemon's published view, which
 * they read, and the commands that change the daemon, which they give.
 * The daemon fills it in once; the methods never see the daemon itself. */
typedef struct {
  const BallastDaemonView *view;
  /* Stop or resume changing balloons (`pause`, `resume`). */
  void (*set_paused) (gboolean paused, gpointer user_data);
  /* Reread the policy file (`policy-reload`); on failure the previous
   * policy stays in effect and ERROR says why. */
  gboolean (*reload_policy) (gpointer user_data, GError **error);
  gpointer user_data;
} BallastControlTarget;

/* Run REQUEST from PEER on TARGET. Returns the result object, or NULL with
 * RET_CODE (a BALLAST_ERR_* string) and ERROR set. */
json_object *ballast_control_dispatch (const BallastControlTarget *target,
                                       const BallastRequest *request, const BallastPeer *peer,
                                       const char **ret_code, GError **error);

/* The names of all methods, for `help` and tests; NULL-terminated. */
const char *const *ballast_control_method_names (void);

/* TRUE when method NAME changes ballastd's state (only privileged peers
 * may call it); FALSE for read methods and unknown names. */
gboolean ballast_control_method_changes_state (const char *name);

G_END_DECLS
