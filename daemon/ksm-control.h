/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "control-protocol.h"
#include "daemon-view.h"

G_BEGIN_DECLS

/* The control methods of page sharing, in control-methods.c's table.
 *
 *   ksm      (anyone)      the status of KSM and the running guests' figures
 *   ksm-set  (privileged)  a runtime override of the policy's <ksm>:
 *            {"mode": "auto|on|off", "pages_to_scan_min": N,
 *             "pages_to_scan_max": N, "sleep_millisecs": N,
 *             "cpu_budget_percent": N, "merge_across_nodes": BOOL,
 *             "use_zero_pages": BOOL, "unmerge": BOOL, "clear": BOOL}
 *            kept until the next policy reload, which drops it.
 *
 * Both return the result object, or NULL with RET_CODE and ERROR. */
json_object *ballast_ksm_method_status (const BallastDaemonView *view,
                                        const BallastRequest *request, const char **ret_code,
                                        GError **error);
json_object *ballast_ksm_method_set (const BallastDaemonView *view, const BallastRequest *request,
                                     const char **ret_code, GError **error);

G_END_DECLS
