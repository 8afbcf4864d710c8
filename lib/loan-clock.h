/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy-engine.h"

G_BEGIN_DECLS

/* The loan clock: how long a guest's used memory has been above its fair
 * share of the budget without a break. The allocator reads it as
 * over_fair_share_sec; past the policy's loan time, what the guest borrowed
 * is called back. This module owns the clock and the metadata element that
 * keeps it across restarts of ballastd (daemon/loan-keeper.c writes and
 * reads that element). */

/* How long a guest's used memory has been above its fair share:
 * advanced with each of its decisions, read into over_fair_share_sec. */
typedef struct {
  gboolean over;
  gint64 since_usec;
} BallastLoanClock;

void ballast_loan_clock_advance (BallastLoanClock *clock, gint64 now_usec,
                                 const BallastDecision *decision);
guint64 ballast_loan_clock_seconds (const BallastLoanClock *clock, gint64 now_usec);

/* The one piece of state ballastd keeps about a running domain that libvirt
 * does not: since when the guest's use has been above its fair share (its
 * loan clock). It lives in the domain's live metadata, in its own namespace
 * beside the operator's tuning:
 *
 *   <state xmlns="urn:ballast:state:1">
 *     <over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>
 *   </state>
 *
 * so that a restarted ballastd goes on with the clock instead of giving a
 * leak a fresh loan time, and so that it ends with the domain's run (live
 * metadata goes when the domain stops) and travels with a migration.
 * Absent: the guest's use is within its share. */
#define BALLAST_LOAN_STATE_NS "urn:ballast:state:1"
#define BALLAST_LOAN_STATE_PREFIX "ballast-state"

/* Parse the element as libvirt returns it (serialized from the domain XML,
 * or virDomainGetMetadata()). RET_SINCE_WALL_USEC: the wall-clock time the
 * guest went above its share, in microseconds since the epoch. Errors say
 * what is wrong with which field ("loan state: <over-fair-share-since>:
 * 'yesterday' is not an ISO 8601 time with a time zone"). */
gboolean ballast_loan_state_parse (const char *xml, gint64 *ret_since_wall_usec, GError **error);

/* The element for SINCE_WALL_USEC, without its namespace (libvirt adds it
 * from the URI given to virDomainSetMetadata()). */
char *ballast_loan_state_format (gint64 since_wall_usec);

G_END_DECLS
