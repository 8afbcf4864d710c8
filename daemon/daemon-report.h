/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "daemon-view.h"
#include "status-report.h"

G_BEGIN_DECLS

/* The daemon's state as typed reports (lib/status-report.h), built from
 * its VIEW: one place decides what each figure means (what "target" or
 * "usable" is), and every serializer writes the same report out. */
void ballast_daemon_status_report (const BallastDaemonView *view, BallastStatusReport *report);
BallastDomainReport *ballast_daemon_domain_report (const BallastDaemonView *view,
                                                   BallastDomain *domain);
/* Of BallastDomainReport*, sorted by name. */
GPtrArray *ballast_daemon_domain_reports (const BallastDaemonView *view, gboolean include_inactive);

/* The same as JSON: the results of the control methods of the same names,
 * and what `ballastd --once` prints. */
json_object *ballast_daemon_status_json (const BallastDaemonView *view);
json_object *ballast_daemon_list_json (const BallastDaemonView *view, gboolean include_inactive);
json_object *ballast_daemon_domain_json (const BallastDaemonView *view, BallastDomain *domain);
json_object *ballast_daemon_history_json (BallastDomain *domain, guint limit);

/* virsh's names for domain states ("running", "shut off", ...). */
const char *ballast_domain_state_to_string (int state);

G_END_DECLS
