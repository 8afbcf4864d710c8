/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one duration grammar (lib/duration.c): what every unit means, what
 * exactness refuses, and where the range ends. ballastd's interval on top
 * of it is tested with the configuration (test-daemon-config.c). */
#include "ballast-error.h"
#include "duration.h"

static void
test_duration_valid (void)
{
  static const struct {
    const char *text;
    guint64 msec;
  } cases[] = {
    { "0", 0 }, { "5", 5000 }, { "0.5", 500 }, { "0.001", 1 }, { "250ms", 250 }, { "10s", 10000 },
    { "1.5s", 1500 }, { "5m", 300000 }, { "5min", 300000 }, { "1.5m", 90000 }, { "0.001m", 60 },
    { "2h", 7200000 }, { "0.25h", 900000 }, { "1d", 86400000 }, { "0.5d", 43200000 },
    { "366d", G_GUINT64_CONSTANT (31622400000) }, { "007", 7000 },
    { "1.000000000000000000000000s", 1000 }, { "0.00001d", 864 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 msec = 4242;
      g_autoptr(GError) error = NULL;
      g_test_message ("'%s'", cases[i].text);
      g_assert_true (ballast_duration_parse_msec (cases[i].text, &msec, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (msec, ==, cases[i].msec);
    }
}

static void
test_duration_invalid (void)
{
  static const struct {
    const char *text;
    int code;
  } cases[] = {
    { "", BALLAST_ERROR_PARSE }, { "s", BALLAST_ERROR_PARSE }, { "abc", BALLAST_ERROR_PARSE },
    { "-5s", BALLAST_ERROR_PARSE }, { "+5", BALLAST_ERROR_PARSE }, { ".5", BALLAST_ERROR_PARSE },
    { "5.", BALLAST_ERROR_PARSE }, { "1e3", BALLAST_ERROR_PARSE }, { "0x10", BALLAST_ERROR_PARSE },
    { " 5s", BALLAST_ERROR_PARSE }, { "5s ", BALLAST_ERROR_PARSE }, { "5 s", BALLAST_ERROR_PARSE },
    { "10 parsecs", BALLAST_ERROR_PARSE }, { "5S", BALLAST_ERROR_PARSE }, { "1,5", BALLAST_ERROR_PARSE },
    { "1.5ms", BALLAST_ERROR_PARSE }, { "0.0001s", BALLAST_ERROR_PARSE },
    { "0.0000001d", BALLAST_ERROR_PARSE }, { "0.00000000000000000001s", BALLAST_ERROR_PARSE },
    { "0.123456789012345678901234567d", BALLAST_ERROR_PARSE },
    { "99999999999999999999", BALLAST_ERROR_PARSE }, { "5\n", BALLAST_ERROR_PARSE },
    { "367d", BALLAST_ERROR_RANGE }, { "366.001d", BALLAST_ERROR_RANGE },
    { "18446744073709551615ms", BALLAST_ERROR_RANGE }, { "1000000000000h", BALLAST_ERROR_RANGE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint64 msec = 4242;
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = g_strescape (cases[i].text, NULL);
      g_test_message ("'%s'", shown);
      g_assert_false (ballast_duration_parse_msec (cases[i].text, &msec, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_assert_cmpuint (msec, ==, 4242);
    }
  guint64 msec = 4242;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_duration_parse_msec (NULL, &msec, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/duration/valid", test_duration_valid);
  g_test_add_func ("/duration/invalid", test_duration_invalid);
  return g_test_run ();
}
