/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/meminfo: the real capture from the Debian 12 host, then everything
 * a broken or hostile file could hold. */
#include "ballast-error.h"
#include "meminfo.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

/* The fixture with every line starting with PREFIX removed. */
static char *
fixture_without (const char *prefix)
{
  g_autofree char *text = scratch_load_fixture ("host/meminfo.txt");
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!g_str_has_prefix (lines[i], prefix))
      g_string_append_printf (out, "%s%s", lines[i], lines[i + 1] != NULL ? "\n" : "");
  return g_string_free (out, FALSE);
}

/* ROOT/proc/meminfo with CONTENTS (LENGTH bytes, or a string when -1). */
static char *
make_proc_root (const char *contents, gssize length)
{
  char *root = g_dir_make_tmp ("ballast-meminfo-XXXXXX", NULL);
  g_assert_nonnull (root);
  g_autofree char *proc = g_build_filename (root, "proc", NULL);
  g_assert_cmpint (g_mkdir (proc, 0755), ==, 0);
  if (contents != NULL)
    {
      g_autofree char *path = g_build_filename (proc, "meminfo", NULL);
      g_autoptr(GError) error = NULL;
      g_file_set_contents (path, contents, length, &error);
      g_assert_no_error (error);
    }
  return root;
}

static const BallastMeminfo sentinel = { 1, 2, 3, 4, 5 };

static void
assert_untouched (const BallastMeminfo *meminfo)
{
  g_assert_cmpmem (meminfo, sizeof *meminfo, &sentinel, sizeof sentinel);
}

/* ---- Parsing ---- */

/* zswap's pool and what it holds: optional, read when there. */
static void
test_zswap (void)
{
  BallastMeminfo meminfo;
  g_assert_true (ballast_meminfo_parse ("MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 2048 kB\n"
                                        "SwapFree: 1024 kB\nZswap: 100 kB\nZswapped: 400 kB\n", &meminfo, NULL));
  g_assert_cmpuint (meminfo.zswap_kib, ==, 100);
  g_assert_cmpuint (meminfo.zswapped_kib, ==, 400);
  g_assert_cmpuint (meminfo.swap_free_kib, ==, 1024);
  g_assert_true (ballast_meminfo_parse ("MemTotal: 1000 kB\nMemAvailable: 500 kB\n", &meminfo, NULL));
  g_assert_cmpuint (meminfo.zswap_kib, ==, 0);
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_meminfo_parse ("MemTotal: 1000 kB\nMemAvailable: 500 kB\nZswap: many kB\n", &meminfo,
                                         &error));
  g_assert_cmpstr (error->message, ==, "meminfo line 3: Zswap: expected '<number> kB', got 'many kB'");
}

static void
test_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/meminfo.txt");
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_meminfo_parse (text, &meminfo, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (meminfo.mem_total_kib, ==, 24684096);
  g_assert_cmpuint (meminfo.mem_free_kib, ==, 24171472);
  g_assert_cmpuint (meminfo.mem_available_kib, ==, 24144388);
  g_assert_cmpuint (meminfo.swap_total_kib, ==, 0);
  g_assert_cmpuint (meminfo.swap_free_kib, ==, 0);
}

static void
test_minimal_and_variants (void)
{
  static const struct {
    const char *text;
    guint64 total, free, available, swap_total, swap_free;
  } cases[] = {
    /* Only the required lines; the others read as 0. */
    { "MemTotal: 1000 kB\nMemAvailable: 900 kB\n", 1000, 0, 900, 0, 0 },
    /* Any order, no trailing newline, no blank after the colon, tabs. */
    { "SwapFree:\t5 kB\nMemAvailable:900 kB\nSwapTotal: 6 kB\nMemFree: 7 kB\nMemTotal:\t\t1000 kB",
      1000, 7, 900, 6, 5 },
    /* Unknown and odd lines are skipped: kernels keep adding lines. */
    { "Header without a colon\n\nMemTotal: 1000 kB\nHugePages_Total:       0\n"
      "Memtotal: 1 kB\nMemAvailable: 1000 kB\nMemAvailableExtra: x\n", 1000, 0, 1000, 0, 0 },
    /* The largest number that parses. */
    { "MemTotal: 18446744073709551615 kB\nMemAvailable: 1 kB\n", G_MAXUINT64, 0, 1, 0, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastMeminfo meminfo = sentinel;
      g_autoptr(GError) error = NULL;
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_true (ballast_meminfo_parse (cases[i].text, &meminfo, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (meminfo.mem_total_kib, ==, cases[i].total);
      g_assert_cmpuint (meminfo.mem_free_kib, ==, cases[i].free);
      g_assert_cmpuint (meminfo.mem_available_kib, ==, cases[i].available);
      g_assert_cmpuint (meminfo.swap_total_kib, ==, cases[i].swap_total);
      g_assert_cmpuint (meminfo.swap_free_kib, ==, cases[i].swap_free);
    }
}

typedef struct {
  const char *name;
  const char *text;
  int code;
  const char *message_part;
} BadCase;

static const BadCase bad_cases[] = {
  { "empty", "", BALLAST_ERROR_MISSING, "meminfo: MemTotal is missing" },
  { "only-newlines", "\n\n\n", BALLAST_ERROR_MISSING, "MemTotal is missing" },
  { "no-available", "MemTotal: 1000 kB\nMemFree: 10 kB\n", BALLAST_ERROR_MISSING,
    "meminfo: MemAvailable is missing" },
  { "no-total", "MemFree: 10 kB\nMemAvailable: 5 kB\n", BALLAST_ERROR_MISSING,
    "MemTotal is missing" },
  { "available-above-total", "MemTotal: 1000 kB\nMemAvailable: 1001 kB\n", BALLAST_ERROR_RANGE,
    "MemAvailable (1001 kB) exceeds MemTotal (1000 kB)" },
  { "total-zero", "MemTotal: 0 kB\nMemAvailable: 0 kB\n", BALLAST_ERROR_RANGE,
    "MemTotal is 0" },
  { "unit-MB", "MemTotal: 1000 MB\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "meminfo line 1: MemTotal: expected '<number> kB', got '1000 MB'" },
  { "unit-KiB", "MemTotal: 1000 kB\nMemAvailable: 900 KiB\n", BALLAST_ERROR_PARSE,
    "meminfo line 2: MemAvailable" },
  { "unit-missing", "MemTotal: 1000\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "meminfo line 1: MemTotal" },
  { "number-missing", "MemTotal: kB\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "got 'kB'" },
  { "value-empty", "MemTotal:\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "meminfo line 1: MemTotal" },
  { "negative", "MemTotal: -1000 kB\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "got '-1000 kB'" },
  { "decimal", "MemTotal: 1000 kB\nMemAvailable: 1.5 kB\n", BALLAST_ERROR_PARSE,
    "meminfo line 2: MemAvailable" },
  { "overflow", "MemTotal: 18446744073709551616 kB\nMemAvailable: 900 kB\n",
    BALLAST_ERROR_PARSE, "got '18446744073709551616 kB'" },
  { "trailing-word", "MemTotal: 1000 kB extra\nMemAvailable: 900 kB\n", BALLAST_ERROR_PARSE,
    "meminfo line 1" },
  { "duplicate", "MemTotal: 1000 kB\nMemAvailable: 900 kB\nMemTotal: 2000 kB\n",
    BALLAST_ERROR_PARSE, "meminfo line 3: MemTotal appears twice" },
  { "duplicate-optional", "MemTotal: 1000 kB\nSwapFree: 1 kB\nMemAvailable: 900 kB\nSwapFree: 1 kB\n",
    BALLAST_ERROR_PARSE, "meminfo line 4: SwapFree appears twice" },
  /* Real /proc/meminfo never has CR; a file that went through a Windows
   * editor is rejected rather than guessed at, naming the first line. */
  { "crlf", "MemTotal: 1000 kB\r\nMemAvailable: 900 kB\r\n", BALLAST_ERROR_PARSE,
    "meminfo line 1: MemTotal" },
  { "truncated-mid-number", "MemTotal:       24684096 kB\nMemFree:        24171472 kB\nMemAvailable:   2414",
    BALLAST_ERROR_PARSE, "meminfo line 3: MemAvailable" },
  { "truncated-before-available", "MemTotal:       24684096 kB\nMemFree:        24171472 kB\n",
    BALLAST_ERROR_MISSING, "MemAvailable is missing" },
  { "binary", "\x7f" "ELF\x02\x01\x01\xff\xfe:\x01\x02", BALLAST_ERROR_MISSING, "MemTotal is missing" },
  { "json", "{\"MemTotal\": 1000, \"MemAvailable\": 900}", BALLAST_ERROR_MISSING, "MemTotal is missing" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_meminfo_parse (c->text, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, c->code);
  g_autofree char *shown = g_strescape (error->message, NULL);
  g_test_message ("message: %s", shown);
  g_assert_nonnull (strstr (error->message, c->message_part));
  assert_untouched (&meminfo);
}

static void
test_fixture_without_available (void)
{
  g_autofree char *text = fixture_without ("MemAvailable:");
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_meminfo_parse (text, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "MemAvailable"));
  assert_untouched (&meminfo);
}

/* Every prefix of the fixture either parses to the fixture's own values or
 * fails cleanly: a read cut short must never yield half a number. */
static void
test_fixture_every_truncation (void)
{
  g_autofree char *text = scratch_load_fixture ("host/meminfo.txt");
  gsize length = strlen (text);
  for (gsize cut = 0; cut <= length; cut++)
    {
      g_autofree char *prefix = g_strndup (text, cut);
      BallastMeminfo meminfo = sentinel;
      g_autoptr(GError) error = NULL;
      if (ballast_meminfo_parse (prefix, &meminfo, &error))
        {
          g_assert_cmpuint (meminfo.mem_total_kib, ==, 24684096);
          g_assert_cmpuint (meminfo.mem_available_kib, ==, 24144388);
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == BALLAST_ERROR);
          assert_untouched (&meminfo);
        }
    }
}

/* ---- Reading through BallastPaths ---- */

static void
test_read (void)
{
  g_autofree char *text = scratch_load_fixture ("host/meminfo.txt");
  g_autofree char *root = make_proc_root (text, -1);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_meminfo_read (paths, &meminfo, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (meminfo.mem_total_kib, ==, 24684096);
  g_assert_cmpuint (meminfo.mem_available_kib, ==, 24144388);
  scratch_remove_tree (root);
}

static void
test_read_missing (void)
{
  g_autofree char *root = make_proc_root (NULL, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *expected_path = g_build_filename (root, "proc", "meminfo", NULL);
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_meminfo_read (paths, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, expected_path));
  assert_untouched (&meminfo);
  scratch_remove_tree (root);
}

static void
test_read_bad_contents (void)
{
  g_autofree char *root = make_proc_root ("MemTotal: 1000 kB\nMemAvailable: lots\n", -1);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *expected_prefix = g_build_filename (root, "proc", "meminfo: meminfo line 2", NULL);
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_meminfo_read (paths, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  /* The path first, then the line. */
  g_assert_true (g_str_has_prefix (error->message, expected_prefix));
  assert_untouched (&meminfo);
  scratch_remove_tree (root);
}

static void
test_read_nul_byte (void)
{
  static const char contents[] = "MemTotal: 1000 kB\nMemAvailable: 900 kB\n\0garbage";
  g_autofree char *root = make_proc_root (contents, sizeof contents - 1);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_meminfo_read (paths, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "meminfo contains a NUL byte"));
  assert_untouched (&meminfo);
  scratch_remove_tree (root);
}

static void
test_read_too_large (void)
{
  /* 64 KiB is far more than any kernel writes; more is not meminfo. */
  GString *huge = g_string_new ("MemTotal: 1000 kB\nMemAvailable: 900 kB\n");
  while (huge->len <= 64 * 1024)
    g_string_append (huge, "Padding:               0 kB\n");
  g_autofree char *root = make_proc_root (huge->str, (gssize) huge->len);
  g_string_free (huge, TRUE);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastMeminfo meminfo = sentinel;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_meminfo_read (paths, &meminfo, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, "meminfo is larger than"));
  scratch_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/meminfo/parse/fixture", test_fixture);
  g_test_add_func ("/meminfo/parse/zswap", test_zswap);
  g_test_add_func ("/meminfo/parse/minimal-and-variants", test_minimal_and_variants);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/meminfo/parse/invalid/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/meminfo/parse/fixture-without-available", test_fixture_without_available);
  g_test_add_func ("/meminfo/parse/fixture-every-truncation", test_fixture_every_truncation);
  g_test_add_func ("/meminfo/read/fixture", test_read);
  g_test_add_func ("/meminfo/read/missing", test_read_missing);
  g_test_add_func ("/meminfo/read/bad-contents", test_read_bad_contents);
  g_test_add_func ("/meminfo/read/nul-byte", test_read_nul_byte);
  g_test_add_func ("/meminfo/read/too-large", test_read_too_large);
  return g_test_run ();
}
