/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/vmstat's swap counters: the capture from the Debian 12 host, then
 * what a broken file could hold. */
#include "ballast-error.h"
#include "scratch-tree.h"
#include "vmstat.h"

#include <string.h>

static void
test_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/vmstat.txt");
  BallastVmstat vmstat;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_vmstat_parse (text, &vmstat, &error));
  g_assert_no_error (error);
  g_assert_true (vmstat.has_swap);
  /* This host has no swap: both counters are there, at 0. */
  g_assert_cmpuint (vmstat.pswpin, ==, 0);
  g_assert_cmpuint (vmstat.pswpout, ==, 0);
}

static void
test_values (void)
{
  BallastVmstat vmstat;
  g_assert_true (ballast_vmstat_parse ("nr_free_pages 12\npswpin 4096\npswpout 8192\npgfault 7\n", &vmstat, NULL));
  g_assert_true (vmstat.has_swap);
  g_assert_cmpuint (vmstat.pswpin, ==, 4096);
  g_assert_cmpuint (vmstat.pswpout, ==, 8192);
  /* Look-alike names are other counters. */
  g_assert_true (ballast_vmstat_parse ("pswpin_x 5\npswpinn 6\n", &vmstat, NULL));
  g_assert_false (vmstat.has_swap);
  /* One of the two: not usable, not an error (a kernel without swap
   * support has neither). */
  g_assert_true (ballast_vmstat_parse ("pswpin 3\n", &vmstat, NULL));
  g_assert_false (vmstat.has_swap);
  g_assert_true (ballast_vmstat_parse ("", &vmstat, NULL));
  g_assert_false (vmstat.has_swap);
}

static void
test_bad (void)
{
  const struct { const char *text, *message; } cases[] = {
    { "pswpin lots\npswpout 1\n", "vmstat line 1: pswpin: expected a number" },
    { "pswpin 1\npswpout -1\n", "vmstat line 2: pswpout: expected a number" },
    { "pswpin 1\npswpout 2\npswpin 3\n", "vmstat line 3: pswpin: appears twice" },
    { "pswpin 99999999999999999999999\npswpout 1\n", "vmstat line 1: pswpin: expected a number" },
    { "pswpin \npswpout 1\n", "vmstat line 1: pswpin: expected a number" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastVmstat vmstat = { TRUE, 7, 7 };
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_vmstat_parse (cases[i].text, &vmstat, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_cmpuint (vmstat.pswpin, ==, 7); /* untouched on error */
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmstat/fixture", test_fixture);
  g_test_add_func ("/vmstat/values", test_values);
  g_test_add_func ("/vmstat/bad", test_bad);
  return g_test_run ();
}
