/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "daemon-config.h"
#include "policy-engine.h"

G_BEGIN_DECLS

/* What ballastd does with the balloons when it is stopped (on-exit).
 *
 * keep (the default): nothing. Every balloon stays where it is; a ballastd
 * started later takes them over from libvirt as they are.
 *
 * restore: on the first SIGTERM or SIGINT ballastd does not exit at once.
 * It goes on cycling, but its allocator may only grow balloons: each guest
 * goes back towards its maximum (<memory>) as far as the host's slack
 * allows, the reserve still kept, guests under pressure or below their
 * need first, then by shares, each growth step as the policy bounds it.
 * The maximum, not the size a guest had when ballastd started: that size
 * is whatever a previous ballastd left (possibly a squeeze), while the
 * maximum is what the guest is defined with and what ballastd gives any
 * guest the host can afford anyway. It stops as soon as nothing more can
 * be given (every guest at its maximum, or no slack left with no balloon
 * still moving), when the connection to libvirt is lost, or after
 * on-exit-timeout seconds, whichever comes first: a restore never blocks
 * the stop for longer. A second SIGTERM or SIGINT exits at once. Without a
 * connection, in dry-run or while paused there is nothing to restore: it
 * exits at once and says why.
 *
 * Main thread. */

typedef struct _BallastExitRestore BallastExitRestore;

/* The restore plan, pure: ballast_policy_decide() with shrinking off, no
 * regrow delay and unresponsive guests grown too (ballastd is leaving: a
 * guest it stopped counting on still gets back what the host can spare).
 * Excluded guests stay untouched. RET_FINISHED is set when there is
 * nothing left to do: no growth decided, and no balloon of a guest it
 * trusts more than the policy's minimum step away from its target. */
BallastPlan *ballast_exit_restore_plan (const BallastPolicy *policy, const BallastHostInput *host,
                                        const BallastGuestInput *guests, gsize n_guests,
                                        gboolean *ret_finished);

/* On the first stop signal: the restore phase when ballastd, configured
 * by CONFIG, PAUSED or not and CONNECTED to libvirt or not, is to give
 * memory back before it exits; else NULL (on-exit=keep, or nothing to
 * restore: logged). The phase arms its own deadline, on which it quits
 * LOOP. */
BallastExitRestore *ballast_exit_restore_begin (const BallastDaemonConfig *config, gboolean paused,
                                                gboolean connected, GMainLoop *loop);

/* The plan of one restore cycle (ballast_exit_restore_plan), noting
 * whether the restore is finished. */
BallastPlan *ballast_exit_restore_decide (BallastExitRestore *restore, const BallastPolicy *policy,
                                          const BallastHostInput *host,
                                          const BallastGuestInput *guests, gsize n_guests);

/* TRUE once a cycle found nothing more to give: time to exit. */
gboolean ballast_exit_restore_finished (BallastExitRestore *restore);

/* Say how it ended and disarm the deadline. */
void ballast_exit_restore_free (BallastExitRestore *restore);

G_END_DECLS
