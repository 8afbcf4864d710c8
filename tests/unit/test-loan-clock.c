/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loan clock: how it runs (its metadata element: test-run-state.c). */
#include "loan-clock.h"

#define GIB (G_GUINT64_CONSTANT (1024) * 1024)

/* The loan clock runs while a guest uses more than its fair share, and
 * starts again from zero once it does not. */
static void
test_advance (void)
{
  BallastLoanClock clock = { 0 };
  BallastDecision decision = { .fair_share_kib = 1 * GIB, .used_kib = 1 * GIB };
  ballast_loan_clock_advance (&clock, 10 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 20 * G_USEC_PER_SEC), ==, 0);
  decision.used_kib = 1 * GIB + 1;
  ballast_loan_clock_advance (&clock, 20 * G_USEC_PER_SEC, &decision);
  ballast_loan_clock_advance (&clock, 30 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 95 * G_USEC_PER_SEC), ==, 75);
  decision.used_kib = 1 * GIB;
  ballast_loan_clock_advance (&clock, 100 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 110 * G_USEC_PER_SEC), ==, 0);
  /* No fair share (nothing ballast moves): no clock. */
  decision = (BallastDecision) { .used_kib = 1 * GIB };
  ballast_loan_clock_advance (&clock, 120 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 130 * G_USEC_PER_SEC), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loan-clock/advance", test_advance);
  return g_test_run ();
}
