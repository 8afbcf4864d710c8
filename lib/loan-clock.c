/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loan-clock.h"


void
ballast_loan_clock_advance (BallastLoanClock *clock, gint64 now_usec, const BallastDecision *decision)
{
  gboolean over = decision->fair_share_kib > 0 && decision->used_kib > decision->fair_share_kib;
  if (over && !clock->over)
    clock->since_usec = now_usec;
  clock->over = over;
}

guint64
ballast_loan_clock_seconds (const BallastLoanClock *clock, gint64 now_usec)
{
  if (!clock->over || now_usec <= clock->since_usec)
    return 0;
  return (guint64) ((now_usec - clock->since_usec) / G_USEC_PER_SEC);
}
