/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/pressure/memory: the real capture, averages in hundredths of a
 * percent, optional "full", and the reader's "no PSI here" answer. */
#include "ballast-error.h"
#include "psi.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

/* A root with ROOT/proc, and ROOT/proc/pressure/memory when CONTENTS is set. */
static char *
make_proc_root (const char *contents)
{
  char *root = g_dir_make_tmp ("ballast-psi-XXXXXX", NULL);
  g_assert_nonnull (root);
  g_autofree char *pressure = g_build_filename (root, "proc", "pressure", NULL);
  g_assert_cmpint (g_mkdir_with_parents (pressure, 0755), ==, 0);
  if (contents != NULL)
    {
      g_autofree char *path = g_build_filename (pressure, "memory", NULL);
      g_autoptr(GError) error = NULL;
      g_file_set_contents (path, contents, -1, &error);
      g_assert_no_error (error);
    }
  return root;
}

static void
assert_line (const BallastPsiLine *line, guint avg10, guint avg60, guint avg300, guint64 total)
{
  g_assert_cmpuint (line->avg10_centipct, ==, avg10);
  g_assert_cmpuint (line->avg60_centipct, ==, avg60);
  g_assert_cmpuint (line->avg300_centipct, ==, avg300);
  g_assert_cmpuint (line->total_usec, ==, total);
}

/* ---- Parsing ---- */

static void
test_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/pressure-memory.txt");
  BallastPsi psi;
  memset (&psi, 0xff, sizeof psi);
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_psi_parse (text, &psi, &error));
  g_assert_no_error (error);
  assert_line (&psi.some, 0, 0, 0, 0);
  assert_line (&psi.full, 0, 0, 0, 0);
  g_assert_true (psi.has_full);
}

static void
test_nonzero (void)
{
  const char *text =
    "some avg10=12.34 avg60=5.67 avg300=0.89 total=123456789\n"
    "full avg10=1.00 avg60=0.50 avg300=0.01 total=4567\n";
  BallastPsi psi;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_psi_parse (text, &psi, &error));
  g_assert_no_error (error);
  assert_line (&psi.some, 1234, 567, 89, 123456789);
  assert_line (&psi.full, 100, 50, 1, 4567);
  g_assert_true (psi.has_full);
}

static void
test_variants (void)
{
  BallastPsi psi;

  /* Stalled all of the time is 100.00. */
  g_assert_true (ballast_psi_parse ("some avg10=100.00 avg60=99.99 avg300=100.00 "
                                    "total=18446744073709551615\n", &psi, NULL));
  assert_line (&psi.some, 10000, 9999, 10000, G_MAXUINT64);

  /* No "full" line (some kernels' files, and the cpu file before 5.13). */
  memset (&psi, 0xff, sizeof psi);
  g_assert_true (ballast_psi_parse ("some avg10=0.10 avg60=0.20 avg300=0.30 total=40\n", &psi, NULL));
  g_assert_false (psi.has_full);
  assert_line (&psi.some, 10, 20, 30, 40);
  assert_line (&psi.full, 0, 0, 0, 0);

  /* A field from a newer kernel, in any position, is accepted. */
  g_assert_true (ballast_psi_parse ("some avg10=1.00 avg600=3.00 avg60=2.00 avg300=0.00 "
                                    "total=7 stall_max=whatever\n", &psi, NULL));
  assert_line (&psi.some, 100, 200, 0, 7);

  /* "full" first, no final newline, blank lines between. */
  g_assert_true (ballast_psi_parse ("full avg10=0.01 avg60=0.02 avg300=0.03 total=4\n\n"
                                    "some avg10=0.05 avg60=0.06 avg300=0.07 total=8", &psi, NULL));
  g_assert_true (psi.has_full);
  assert_line (&psi.some, 5, 6, 7, 8);
  assert_line (&psi.full, 1, 2, 3, 4);

  /* Fields in another order. */
  g_assert_true (ballast_psi_parse ("some total=9 avg300=0.03 avg60=0.02 avg10=0.01\n", &psi, NULL));
  assert_line (&psi.some, 1, 2, 3, 9);
}

typedef struct {
  const char *name;
  const char *text;
  int code;
  const char *message_part;
} BadCase;

#define OK_SOME "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"

static const BadCase bad_cases[] = {
  { "empty", "", BALLAST_ERROR_MISSING, "pressure: the 'some' line is missing" },
  { "blank-lines", "\n\n", BALLAST_ERROR_MISSING, "'some' line is missing" },
  { "full-only", "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_MISSING,
    "'some' line is missing" },
  { "avg-above-100", "some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "pressure line 1: cannot parse 'avg10=100.01'" },
  { "avg-101", OK_SOME "full avg10=0.00 avg60=101.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "pressure line 2: cannot parse 'avg60=101.00'" },
  { "avg-one-decimal", "some avg10=1.5 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=1.5'" },
  { "avg-three-decimals", "some avg10=1.234 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=1.234'" },
  { "avg-integer", "some avg10=1 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=1'" },
  { "avg-no-whole", "some avg10=.50 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=.50'" },
  { "avg-negative", "some avg10=-1.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=-1.00'" },
  { "avg-word", "some avg10=abc avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10=abc'" },
  { "avg-empty", "some avg10= avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg10='" },
  { "avg-huge", "some avg10=99999999999999999999.00 avg60=0.00 avg300=0.00 total=0\n",
    BALLAST_ERROR_PARSE, "cannot parse 'avg10=99999999999999999999.00'" },
  { "total-missing", "some avg10=0.00 avg60=0.00 avg300=0.00\n", BALLAST_ERROR_MISSING,
    "pressure line 1: expected avg10, avg60, avg300 and total" },
  { "avg300-missing", OK_SOME "full avg10=0.00 avg60=0.00 total=0\n", BALLAST_ERROR_MISSING,
    "pressure line 2: expected avg10" },
  { "no-fields", "some \n", BALLAST_ERROR_PARSE, "pressure line 1: cannot parse ''" },
  { "total-word", "some avg10=0.00 avg60=0.00 avg300=0.00 total=lots\n", BALLAST_ERROR_PARSE,
    "cannot parse 'total=lots'" },
  { "total-overflow", "some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n",
    BALLAST_ERROR_PARSE, "cannot parse 'total=18446744073709551616'" },
  { "total-negative", "some avg10=0.00 avg60=0.00 avg300=0.00 total=-5\n", BALLAST_ERROR_PARSE,
    "cannot parse 'total=-5'" },
  { "token-without-equals", "some avg10=0.00 avg60 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "cannot parse 'avg60'" },
  { "double-blank", "some avg10=0.00  avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "pressure line 1: cannot parse ''" },
  { "crlf", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\r\n", BALLAST_ERROR_PARSE,
    "cannot parse 'total=0\r'" },
  { "unknown-line", OK_SOME "half avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "pressure line 2: expected 'some' or 'full', got 'half avg10" },
  { "some-alone", "some\n", BALLAST_ERROR_PARSE, "pressure line 1: expected 'some' or 'full'" },
  { "tab-separated", "some\tavg10=0.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "expected 'some' or 'full'" },
  { "uppercase", "SOME avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "expected 'some' or 'full'" },
  { "duplicate-some", OK_SOME OK_SOME, BALLAST_ERROR_PARSE, "pressure line 2: 'some' appears twice" },
  { "duplicate-full", OK_SOME "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", BALLAST_ERROR_PARSE,
    "pressure line 3: 'full' appears twice" },
  { "truncated", "some avg10=0.00 avg60=0.0", BALLAST_ERROR_PARSE, "cannot parse 'avg60=0.0'" },
  { "binary", "\x01\x02\x03\xff\xfe", BALLAST_ERROR_PARSE, "pressure line 1: expected 'some' or 'full'" },
  { "meminfo", "MemTotal:       24684096 kB\n", BALLAST_ERROR_PARSE, "got 'MemTotal:" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  BallastPsi psi;
  BallastPsi before;
  memset (&psi, 0x5a, sizeof psi);
  memcpy (&before, &psi, sizeof psi);
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_psi_parse (c->text, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, c->code);
  g_autofree char *shown = g_strescape (error->message, NULL);
  g_test_message ("message: %s", shown);
  g_assert_nonnull (strstr (error->message, c->message_part));
  g_assert_cmpmem (&psi, sizeof psi, &before, sizeof before);
}

/* Garbage in a line is quoted at most 40 characters long. */
static void
test_long_garbage_is_truncated_in_message (void)
{
  g_autofree char *long_token = g_strnfill (5000, 'x');
  g_autofree char *text = g_strdup_printf ("some avg10=%s avg60=0.00 avg300=0.00 total=0\n",
                                           long_token);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_psi_parse (text, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_cmpuint (strlen (error->message), <, 100);
}

/* A key given twice in one line: the kernel never prints that, so it is
 * not the file we think it is, as with a repeated "some" line. */
static void
test_duplicate_key_in_line (void)
{
  BallastPsi psi;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_psi_parse ("some avg10=1.00 avg10=99.00 avg60=0.00 avg300=0.00 total=0\n",
                                   &psi, &error);
  if (ok)
    {
      g_test_fail_printf ("%s", "lib/psi.c parse_psi_token(): a key repeated within one line is "
                         "accepted and the last value wins; a repeated 'some' line is rejected");
      g_test_message ("avg10 read as %u", psi.some.avg10_centipct);
      return;
    }
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "pressure line 1"));
}

/* ---- Reading through BallastPaths ---- */

static void
test_read (void)
{
  g_autofree char *text = scratch_load_fixture ("host/pressure-memory.txt");
  g_autofree char *root = make_proc_root (text);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_psi_read_memory (paths, &psi, &error));
  g_assert_no_error (error);
  g_assert_true (psi.has_full);
  assert_line (&psi.some, 0, 0, 0, 0);
  scratch_remove_tree (root);
}

static void
test_read_absent_is_unsupported (void)
{
  g_autofree char *root = make_proc_root (NULL);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *path = g_build_filename (root, "proc", "pressure", "memory", NULL);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_psi_read_memory (paths, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "no PSI"));
  g_clear_error (&error);

  /* A root without even /proc/pressure. */
  g_autoptr(BallastPaths) nowhere = ballast_paths_new_rooted ("/nonexistent/ballast-test-root");
  g_assert_false (ballast_psi_read_memory (nowhere, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED);
  scratch_remove_tree (root);
}

static void
test_read_bad_contents (void)
{
  g_autofree char *root = make_proc_root ("some avg10=0.00 avg60=0.00 avg300=0.00 total=x\n");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *path = g_build_filename (root, "proc", "pressure", "memory", NULL);
  g_autofree char *prefix = g_strdup_printf ("%s: pressure line 1", path);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_psi_read_memory (paths, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  scratch_remove_tree (root);
}

/* Present but unreadable is an I/O error, not "unsupported". (The psi=0
 * case, where read() fails with EOPNOTSUPP, cannot be made with an
 * ordinary file; see the report.) */
static void
test_read_unreadable (void)
{
  g_autofree char *root = make_proc_root (NULL);
  g_autofree char *path = g_build_filename (root, "proc", "pressure", "memory", NULL);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0); /* a directory: read() fails */
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_psi_read_memory (paths, &psi, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  scratch_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/psi/parse/fixture", test_fixture);
  g_test_add_func ("/psi/parse/nonzero", test_nonzero);
  g_test_add_func ("/psi/parse/variants", test_variants);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/psi/parse/invalid/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/psi/parse/long-garbage-message", test_long_garbage_is_truncated_in_message);
  g_test_add_func ("/psi/parse/duplicate-key-in-line", test_duplicate_key_in_line);
  g_test_add_func ("/psi/read/fixture", test_read);
  g_test_add_func ("/psi/read/absent-is-unsupported", test_read_absent_is_unsupported);
  g_test_add_func ("/psi/read/bad-contents", test_read_bad_contents);
  g_test_add_func ("/psi/read/unreadable", test_read_unreadable);
  return g_test_run ();
}
