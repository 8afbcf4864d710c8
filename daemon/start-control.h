/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json.h>

#include "control-protocol.h"
#include "daemon-view.h"

G_BEGIN_DECLS

/* The control method that answers whether a guest may start, in
 * control-methods.c's table:
 *
 *   admit  (anyone)  {"xml": DOMAIN-XML}: whether starting that domain keeps
 *          the host within policy (lib/start-check.h), with the figures:
 *          {"domain", "admit", "reason", "floors_kib", "room_kib",
 *           "maxima_kib", "ratio_permille", "max_ratio_permille"}
 *
 * The running guests count with what ballast cannot take from them: a
 * managed guest its floor (min or need), any other (fixed, excluded,
 * unmanaged, in a job) all it holds, an arriving one its maximum. The new
 * guest counts with its min (its tuning: the policy and its metadata),
 * or all it starts with when its balloon frees nothing. Returns the result,
 * or NULL with RET_CODE and ERROR (XML that does not parse, no host
 * figures yet). */
json_object *ballast_start_method_admit (const BallastDaemonView *view, const BallastRequest *request,
                                         const char **ret_code, GError **error);

G_END_DECLS
