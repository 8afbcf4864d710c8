/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "daemon-view.h"

G_BEGIN_DECLS

/* The daemon's state as JSON: the results of the control methods of the
 * same names, and what `ballastd --once` prints. The field names are the
 * documented, stable interface (docs/ballastctl.1, "JSON OUTPUT"). Sizes are
 * exact integers in KiB with a _kib suffix. */
json_object *ballast_daemon_status_json (const BallastDaemonView *view);
json_object *ballast_daemon_list_json (const BallastDaemonView *view, gboolean include_inactive);
json_object *ballast_daemon_domain_json (const BallastDaemonView *view, BallastDomain *domain);
json_object *ballast_daemon_history_json (BallastDomain *domain, guint limit);

/* virsh's names for domain states ("running", "shut off", ...). */
const char *ballast_domain_state_to_string (int state);

G_END_DECLS
