/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "start-check.h"

#include "ballast-error.h"

#include <string.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

/* 16 GiB, 2 GiB reserved: 14 GiB for guests. Two running guests whose
 * floors are 3 and 5 GiB, maxima 8 and 8. */
static const BallastStartCheckGuest running[] = {
  { 3 * GIB, 8 * GIB },
  { 5 * GIB, 8 * GIB },
};

static void
test_floors (void)
{
  BallastStartCheckHost host = { 16 * GIB, 2 * GIB, 0 };
  g_autoptr(BallastStartCheck) fits = ballast_start_check (&host, running, 2, "new", 6 * GIB, 8 * GIB);
  g_assert_true (fits->admit);
  g_assert_cmpuint (fits->floors_kib, ==, 14 * GIB);
  g_assert_cmpuint (fits->room_kib, ==, 14 * GIB);
  g_assert_nonnull (strstr (fits->reason, "admitted: new's min 6.0 GiB and the running guests' 8.0 GiB fit in 14.0 GiB"));
  g_assert_nonnull (strstr (fits->reason, "(no max-ratio)"));
  g_autoptr(BallastStartCheck) over = ballast_start_check (&host, running, 2, "new", 6 * GIB + 1, 8 * GIB);
  g_assert_false (over->admit);
  g_assert_nonnull (strstr (over->reason, "refused: new needs its min 6.0 GiB on top of the 8.0 GiB the 2 running "
                                          "guests cannot give (their min or need), more than the 14.0 GiB"));
  /* A min above the maximum counts as the maximum. */
  g_autoptr(BallastStartCheck) capped = ballast_start_check (&host, running, 2, "new", 64 * GIB, 6 * GIB);
  g_assert_true (capped->admit);
}

static void
test_ratio (void)
{
  BallastStartCheckHost host = { 16 * GIB, 2 * GIB, 1500 };
  /* 8 + 8 + 8 = 24 GiB on 16: 1.50x, at the limit. */
  g_autoptr(BallastStartCheck) at = ballast_start_check (&host, running, 2, "new", 0, 8 * GIB);
  g_assert_true (at->admit);
  g_assert_cmpuint (at->ratio_permille, ==, 1500);
  g_assert_nonnull (strstr (at->reason, "1.50x, within max-ratio 1.50x"));
  g_autoptr(BallastStartCheck) over = ballast_start_check (&host, running, 2, "new", 0, 8 * GIB + 16 * MIB);
  g_assert_false (over->admit);
  g_assert_nonnull (strstr (over->reason, "refused: with new the guests' maxima would be 24.0 GiB on a 16.0 GiB "
                                          "budget, 1.50x, over the policy's max-ratio 1.50x"));
  /* The floors are said first when both fail. */
  g_autoptr(BallastStartCheck) both = ballast_start_check (&host, running, 2, "new", 16 * GIB, 16 * GIB);
  g_assert_false (both->admit);
  g_assert_nonnull (strstr (both->reason, "needs its min"));
}

/* No guests, no budget, absurd sizes: an answer, never a crash. */
static void
test_edges (void)
{
  BallastStartCheckHost nothing = { 0, 0, 1000 };
  g_autoptr(BallastStartCheck) empty = ballast_start_check (&nothing, NULL, 0, "new", 0, 0);
  g_assert_true (empty->admit);
  g_autoptr(BallastStartCheck) no_room = ballast_start_check (&nothing, NULL, 0, "new", 1, 1);
  g_assert_false (no_room->admit);
  BallastStartCheckGuest huge[] = { { G_MAXUINT64, G_MAXUINT64 }, { G_MAXUINT64, G_MAXUINT64 } };
  BallastStartCheckHost host = { 16 * GIB, 2 * GIB, 0 };
  g_autoptr(BallastStartCheck) saturated = ballast_start_check (&host, huge, 2, "new", 1, 1);
  g_assert_false (saturated->admit);
  g_assert_cmpuint (saturated->floors_kib, ==, G_MAXUINT64);
}

static void
test_ratio_parse (void)
{
  const struct { const char *text; guint permille; } good[] = {
    { "1.5", 1500 }, { "2", 2000 }, { "0.1", 100 }, { "100", 100000 }, { "1.125", 1125 }, { "3.", 3000 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint permille = 0;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_ratio_parse_permille (good[i].text, &permille, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (permille, ==, good[i].permille);
    }
  const char *const bad[] = { "", "lots", "0.05", "100.001", "1.2345", "-1", "1,5", ".5", "1e3", "99999", NULL };
  for (gsize i = 0; bad[i] != NULL; i++)
    {
      guint permille = 7;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_ratio_parse_permille (bad[i], &permille, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_assert_cmpuint (permille, ==, 7);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/start-check/floors", test_floors);
  g_test_add_func ("/start-check/ratio", test_ratio);
  g_test_add_func ("/start-check/edges", test_edges);
  g_test_add_func ("/start-check/ratio-parse", test_ratio_parse);
  return g_test_run ();
}
