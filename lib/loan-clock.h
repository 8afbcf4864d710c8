/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy-engine.h"

G_BEGIN_DECLS

/* The loan clock: how long a guest's used memory has been above its fair
 * share of the budget without a break. The allocator reads it as
 * over_fair_share_sec; past the policy's loan time, what the guest borrowed
 * is called back. A restarted ballastd goes on with it from the domain's
 * live metadata (lib/run-state.h, daemon/state-keeper.c). */

/* How long a guest's used memory has been above its fair share:
 * advanced with each of its decisions, read into over_fair_share_sec. */
typedef struct {
  gboolean over;
  gint64 since_usec;
} BallastLoanClock;

void ballast_loan_clock_advance (BallastLoanClock *clock, gint64 now_usec,
                                 const BallastDecision *decision);
guint64 ballast_loan_clock_seconds (const BallastLoanClock *clock, gint64 now_usec);

G_END_DECLS
