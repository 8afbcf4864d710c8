/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guests' cgroup: memory.stat lookups on the real v1 capture, limit
 * files in both versions, finding the machine partition, and reading its
 * budget from the fake trees in tests/fixtures/trees. */
#include "ballast-error.h"
#include "cgroup-memory.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
tree_root (const char *name)
{
  return g_build_filename (BALLAST_FIXTURES_DIR, "trees", name, NULL);
}

/* A scratch root holding the files given as (relative path, contents)
 * pairs, ending with NULL. */
static char * G_GNUC_NULL_TERMINATED
make_tree (const char *first_relative, ...)
{
  char *root = g_dir_make_tmp ("ballast-cgroup-XXXXXX", NULL);
  g_assert_nonnull (root);
  va_list args;
  va_start (args, first_relative);
  for (const char *relative = first_relative; relative != NULL; relative = va_arg (args, const char *))
    scratch_write (root, relative, va_arg (args, const char *), -1);
  va_end (args);
  return root;
}

/* ---- ballast_cgroup_stat_lookup ---- */

static void
test_stat_lookup_v1_fixture (void)
{
  static const struct {
    const char *key;
    guint64 value;
  } cases[] = {
    { "total_inactive_file", 38973440 },
    { "inactive_file", 0 },                  /* the partition's own pages only */
    { "cache", 0 },                          /* the first line */
    { "total_unevictable", 0 },              /* the last line */
    { "total_cache", 40488960 },
    { "total_rss", 200187904 },
    { "total_active_file", 1515520 },
    { "hierarchical_memory_limit", G_GUINT64_CONSTANT (9223372036854771712) },
  };
  g_autofree char *text = scratch_load_fixture ("host/cgroup-v1-machine-memory.stat");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 value = 4242;
      g_test_message ("%s", cases[i].key);
      g_assert_true (ballast_cgroup_stat_lookup (text, cases[i].key, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (value, ==, cases[i].value);
    }
}

static void
test_stat_lookup_missing (void)
{
  /* Absent, or only a prefix or suffix of a real key. */
  static const char *const keys[] = { "nope", "total_inactive", "inactive", "total_inactive_file_x",
                                      "otal_cache", "" };
  g_autofree char *text = scratch_load_fixture ("host/cgroup-v1-machine-memory.stat");
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 value = 4242;
      g_test_message ("'%s'", keys[i]);
      g_assert_false (ballast_cgroup_stat_lookup (text, keys[i], &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
      g_autofree char *expected = g_strdup_printf ("memory.stat: %s is missing", keys[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpuint (value, ==, 4242);
    }

  g_autoptr(GError) error = NULL;
  guint64 value;
  g_assert_false (ballast_cgroup_stat_lookup ("", "inactive_file", &value, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
}

static void
test_stat_lookup_bad (void)
{
  static const struct {
    const char *text;
    const char *message_part;
  } cases[] = {
    { "anon 1\ninactive_file abc\n", "memory.stat line 2: inactive_file: 'abc' is not a number" },
    { "inactive_file \n", "line 1: inactive_file: '' is not a number" },
    { "inactive_file -1\n", "'-1' is not a number" },
    { "inactive_file 1 2\n", "'1 2' is not a number" },
    { "inactive_file 18446744073709551616\n", "'18446744073709551616' is not a number" },
    { "anon 1\r\ninactive_file 5\r\n", "line 2: inactive_file: '5\r' is not a number" },
    { "a 1\nb 2\nc 3\ninactive_file 1.5", "line 4" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 value = 4242;
      g_assert_false (ballast_cgroup_stat_lookup (cases[i].text, "inactive_file", &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      g_autofree char *shown = g_strescape (error->message, NULL);
      g_test_message ("message: %s", shown);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      g_assert_cmpuint (value, ==, 4242);
    }

  /* A long garbage value is quoted 40 characters at most. */
  g_autofree char *junk = g_strnfill (4000, 'z');
  g_autofree char *text = g_strdup_printf ("inactive_file %s\n", junk);
  g_autoptr(GError) error = NULL;
  guint64 value;
  g_assert_false (ballast_cgroup_stat_lookup (text, "inactive_file", &value, &error));
  g_assert_cmpuint (strlen (error->message), <, 120);
}

static void
test_stat_lookup_tolerated_shapes (void)
{
  guint64 value = 0;
  /* No final newline. */
  g_assert_true (ballast_cgroup_stat_lookup ("anon 1\ninactive_file 77", "inactive_file", &value, NULL));
  g_assert_cmpuint (value, ==, 77);
  /* Blank lines and junk lines elsewhere do not matter. */
  g_assert_true (ballast_cgroup_stat_lookup ("\n\x01\x02garbage\n\ninactive_file 78\n", "inactive_file",
                                             &value, NULL));
  g_assert_cmpuint (value, ==, 78);
}

/* A key twice is not a memory.stat the kernel wrote. */
static void
test_stat_lookup_duplicate (void)
{
  guint64 value = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_cgroup_stat_lookup ("inactive_file 1\ninactive_file 2\n", "inactive_file",
                                            &value, &error);
  if (ok)
    {
      g_test_fail_printf ("%s", "lib/cgroup-memory.c ballast_cgroup_stat_lookup(): a key present twice is "
                         "accepted (first value wins) instead of being reported");
      g_test_message ("read %" G_GUINT64_FORMAT, value);
      return;
    }
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
}

/* ---- ballast_cgroup_limit_parse ---- */

static void
test_limit_parse (void)
{
  static const struct {
    const char *text;
    gboolean limited;
    guint64 bytes;
  } cases[] = {
    { "max", FALSE, 0 },                                       /* v2 */
    { "max\n", FALSE, 0 },
    { "9223372036854771712\n", FALSE, 0 },                     /* v1, 4 KiB pages */
    { "9223372036854775807", FALSE, 0 },
    { "9223372036854710272", FALSE, 0 },                       /* v1, 64 KiB pages */
    { "4611686018427387904", FALSE, 0 },                       /* 2^62: the threshold */
    { "4611686018427387903", TRUE, G_GUINT64_CONSTANT (4611686018427387903) },
    { "2684354560\n", TRUE, G_GUINT64_CONSTANT (2684354560) },
    { "  2684354560  \n", TRUE, G_GUINT64_CONSTANT (2684354560) },
    { "0", TRUE, 0 },
    { "18446744073709551615", FALSE, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean limited = !cases[i].limited;
      guint64 bytes = 4242;
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = g_strescape (cases[i].text, NULL);
      g_test_message ("'%s'", shown);
      g_assert_true (ballast_cgroup_limit_parse (cases[i].text, &limited, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpint (limited, ==, cases[i].limited);
      g_assert_cmpuint (bytes, ==, cases[i].bytes);
    }
}

static void
test_limit_parse_bad (void)
{
  static const char *const cases[] = {
    "", "\n", "abc", "-1", "MAX", "max max", "maximum", "1.5G", "2G", "2684354560 bytes",
    "18446744073709551616", "0x100", "\x01\x02",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean limited = 42;
      guint64 bytes = 4242;
      g_autoptr(GError) error = NULL;
      g_autofree char *shown = g_strescape (cases[i], NULL);
      g_test_message ("'%s'", shown);
      g_assert_false (ballast_cgroup_limit_parse (cases[i], &limited, &bytes, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      g_assert_nonnull (strstr (error->message, "memory limit: expected a byte count or 'max'"));
      g_assert_cmpint (limited, ==, 42);
      g_assert_cmpuint (bytes, ==, 4242);
    }
}

/* ---- ballast_cgroup_memory_locate ---- */

static void
assert_located (const char *root, const char *partition, const char *expected_relative,
                BallastCgroupVersion expected_version)
{
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *expected = g_build_filename (root, expected_relative, NULL);
  g_autofree char *dir = NULL;
  BallastCgroupVersion version = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_cgroup_memory_locate (paths, partition, &dir, &version, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, expected);
  g_assert_cmpint (version, ==, expected_version);
}

static void
test_locate_fixture_trees (void)
{
  g_autofree char *v1 = tree_root ("cgroup-v1");
  g_autofree char *v2 = tree_root ("cgroup-v2");
  assert_located (v1, NULL, "sys/fs/cgroup/memory/machine", BALLAST_CGROUP_V1);
  assert_located (v1, "machine", "sys/fs/cgroup/memory/machine", BALLAST_CGROUP_V1);
  assert_located (v2, NULL, "sys/fs/cgroup/machine.slice", BALLAST_CGROUP_V2);
  assert_located (v2, "machine.slice", "sys/fs/cgroup/machine.slice", BALLAST_CGROUP_V2);
}

static void
test_locate_preference_and_partition (void)
{
  /* v2 with both names: machine.slice (systemd's) is tried first. */
  g_autofree char *both = make_tree ("sys/fs/cgroup/cgroup.controllers", "memory\n",
                                     "sys/fs/cgroup/machine/memory.current", "1\n",
                                     "sys/fs/cgroup/machine.slice/memory.current", "2\n",
                                     "sys/fs/cgroup/custom/guests/memory.current", "3\n",
                                     NULL);
  assert_located (both, NULL, "sys/fs/cgroup/machine.slice", BALLAST_CGROUP_V2);
  assert_located (both, "machine", "sys/fs/cgroup/machine", BALLAST_CGROUP_V2);
  assert_located (both, "custom/guests", "sys/fs/cgroup/custom/guests", BALLAST_CGROUP_V2);
  /* libvirt writes partitions with a leading slash: <partition>/machine</partition>. */
  assert_located (both, "/custom/guests", "sys/fs/cgroup/custom/guests", BALLAST_CGROUP_V2);
  scratch_remove_tree (both);

  /* v1 under systemd: the memory controller also has machine.slice. */
  g_autofree char *v1 = make_tree ("sys/fs/cgroup/memory/machine.slice/memory.usage_in_bytes", "1\n",
                                   "sys/fs/cgroup/memory/machine/memory.usage_in_bytes", "1\n",
                                   NULL);
  assert_located (v1, NULL, "sys/fs/cgroup/memory/machine.slice", BALLAST_CGROUP_V1);
  scratch_remove_tree (v1);
}

static void
test_locate_not_found (void)
{
  static const struct {
    const char *name;
    const char *partition;
    const char *hierarchy;   /* below ROOT, as named in the message */
    const char *tried;
  } cases[] = {
    { "v2-default", NULL, "sys/fs/cgroup", "(tried machine.slice and machine)" },
    { "v2-explicit", "machine", "sys/fs/cgroup", "(tried machine)" },
    { "v2-explicit-other", "guests", "sys/fs/cgroup", "(tried guests)" },
  };
  /* v2 with a machine.slice dir whose memory controller is not enabled,
   * and a v1 layout's file in the wrong place for v2. */
  g_autofree char *root = make_tree ("sys/fs/cgroup/cgroup.controllers", "cpu io\n",
                                     "sys/fs/cgroup/machine.slice/cgroup.procs", "",
                                     "sys/fs/cgroup/machine/memory.usage_in_bytes", "1\n",
                                     NULL);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = NULL;
      BallastCgroupVersion version = 0;
      g_autoptr(GError) error = NULL;
      g_autofree char *hierarchy = g_build_filename (root, cases[i].hierarchy, NULL);
      g_autofree char *expected = g_strdup_printf ("no memory cgroup for the guests under %s %s",
                                                   hierarchy, cases[i].tried);
      g_test_message ("%s", cases[i].name);
      g_assert_false (ballast_cgroup_memory_locate (paths, cases[i].partition, &dir, &version, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_null (dir);
      g_assert_cmpint (version, ==, 0);
    }
  scratch_remove_tree (root);

  /* Nothing at all: treated as v1, the memory controller dir is named. */
  g_autoptr(BallastPaths) nowhere = ballast_paths_new_rooted ("/nonexistent/ballast-root");
  g_autofree char *dir = NULL;
  BallastCgroupVersion version = 0;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_cgroup_memory_locate (nowhere, NULL, &dir, &version, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ballast-root/sys/fs/cgroup/memory "));
}

/* ---- ballast_cgroup_memory_read ---- */

static void
test_read_v1_fixture (void)
{
  g_autofree char *root = tree_root ("cgroup-v1");
  g_autofree char *dir = g_build_filename (root, "sys/fs/cgroup/memory/machine", NULL);
  BallastCgroupMemory memory = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_cgroup_memory_read (dir, BALLAST_CGROUP_V1, &memory, &error));
  g_assert_no_error (error);
  g_assert_cmpint (memory.version, ==, BALLAST_CGROUP_V1);
  g_assert_false (memory.limited);                     /* 9223372036854771712 */
  g_assert_cmpuint (memory.limit_kib, ==, 0);
  g_assert_cmpuint (memory.usage_kib, ==, 243474432 / 1024);
  g_assert_cmpuint (memory.inactive_file_kib, ==, 38973440 / 1024);   /* total_, not own */
  g_assert_cmpuint (memory.working_set_kib, ==, (243474432 - 38973440) / 1024);
  g_assert_cmpuint (memory.working_set_kib, ==, memory.usage_kib - memory.inactive_file_kib);
}

static void
test_read_v2_fixture (void)
{
  g_autofree char *root = tree_root ("cgroup-v2");
  g_autofree char *dir = g_build_filename (root, "sys/fs/cgroup/machine.slice", NULL);
  BallastCgroupMemory memory = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_cgroup_memory_read (dir, BALLAST_CGROUP_V2, &memory, &error));
  g_assert_no_error (error);
  g_assert_cmpint (memory.version, ==, BALLAST_CGROUP_V2);
  g_assert_true (memory.limited);
  g_assert_cmpuint (memory.limit_kib, ==, 2621440);            /* 2.5 GiB */
  g_assert_cmpuint (memory.usage_kib, ==, 1048576);            /* 1 GiB */
  g_assert_cmpuint (memory.inactive_file_kib, ==, 102400);     /* 100 MiB */
  g_assert_cmpuint (memory.working_set_kib, ==, 1048576 - 102400);
}

static void
test_read_variants (void)
{
  static const struct {
    const char *name;
    BallastCgroupVersion version;
    const char *limit;
    const char *usage;
    const char *stat;
    gboolean limited;
    guint64 limit_kib, usage_kib, inactive_kib, working_set_kib;
  } cases[] = {
    { "v2-unlimited", BALLAST_CGROUP_V2, "max\n", "2097152\n", "anon 1\ninactive_file 1048576\n",
      FALSE, 0, 2048, 1024, 1024 },
    /* Bytes that are not whole KiB are rounded down. */
    { "v2-odd-bytes", BALLAST_CGROUP_V2, "2684355583\n", "1025\n", "inactive_file 1023\n",
      TRUE, 2621440, 1, 0, 1 },
    /* More inactive cache than usage (racy counters): the working set is
     * never negative. */
    { "v2-inactive-above-usage", BALLAST_CGROUP_V2, "max\n", "1048576\n", "inactive_file 9999999999\n",
      FALSE, 0, 1024, 1024, 0 },
    /* v1 reads total_inactive_file, not the partition's own inactive_file. */
    { "v1-total", BALLAST_CGROUP_V1, "2684354560\n", "2097152\n",
      "inactive_file 0\ntotal_inactive_file 1048576\n", TRUE, 2621440, 2048, 1024, 1024 },
    { "v2-usage-zero", BALLAST_CGROUP_V2, "0\n", "0\n", "inactive_file 0\n", TRUE, 0, 0, 0, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean v2 = cases[i].version == BALLAST_CGROUP_V2;
      g_autofree char *root = make_tree (v2 ? "memory.max" : "memory.limit_in_bytes", cases[i].limit,
                                         v2 ? "memory.current" : "memory.usage_in_bytes", cases[i].usage,
                                         "memory.stat", cases[i].stat, NULL);
      BallastCgroupMemory memory = { 0 };
      g_autoptr(GError) error = NULL;
      g_test_message ("%s", cases[i].name);
      g_assert_true (ballast_cgroup_memory_read (root, cases[i].version, &memory, &error));
      g_assert_no_error (error);
      g_assert_cmpint (memory.limited, ==, cases[i].limited);
      g_assert_cmpuint (memory.limit_kib, ==, cases[i].limit_kib);
      g_assert_cmpuint (memory.usage_kib, ==, cases[i].usage_kib);
      g_assert_cmpuint (memory.inactive_file_kib, ==, cases[i].inactive_kib);
      g_assert_cmpuint (memory.working_set_kib, ==, cases[i].working_set_kib);
      scratch_remove_tree (root);
    }
}

/* Guest memory the limit pushed out to swap: v1's hierarchical
 * total_swap, v2's memory.swap.current; absent (no swap accounting) is 0,
 * a bad figure an error naming the file. */
static void
test_read_swap (void)
{
  static const struct {
    const char *name;
    BallastCgroupVersion version;
    const char *stat;
    const char *swap_current;  /* v2 only; NULL: absent */
    gboolean ok;
    guint64 swap_kib;
    const char *message_part;
  } cases[] = {
    { "v1-total-swap", BALLAST_CGROUP_V1, "swap 0\ntotal_inactive_file 0\ntotal_swap 536870912\n", NULL,
      TRUE, 524288, NULL },
    { "v1-no-swap-accounting", BALLAST_CGROUP_V1, "total_inactive_file 0\n", NULL, TRUE, 0, NULL },
    { "v1-bad-swap", BALLAST_CGROUP_V1, "total_inactive_file 0\ntotal_swap lots\n", NULL, FALSE, 0,
      "memory.stat: memory.stat line 2: total_swap: 'lots' is not a number" },
    { "v2-swap-current", BALLAST_CGROUP_V2, "inactive_file 0\n", "1048576\n", TRUE, 1024, NULL },
    { "v2-no-swap-file", BALLAST_CGROUP_V2, "inactive_file 0\n", NULL, TRUE, 0, NULL },
    { "v2-bad-swap", BALLAST_CGROUP_V2, "inactive_file 0\n", "max\n", FALSE, 0,
      "memory.swap.current" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean v2 = cases[i].version == BALLAST_CGROUP_V2;
      g_autofree char *root = make_tree (v2 ? "memory.max" : "memory.limit_in_bytes", "2684354560\n",
                                         v2 ? "memory.current" : "memory.usage_in_bytes", "2097152\n",
                                         "memory.stat", cases[i].stat, NULL);
      if (cases[i].swap_current != NULL)
        scratch_write (root, "memory.swap.current", cases[i].swap_current, -1);
      BallastCgroupMemory memory = { 0 };
      g_autoptr(GError) error = NULL;
      g_test_message ("%s", cases[i].name);
      gboolean ok = ballast_cgroup_memory_read (root, cases[i].version, &memory, &error);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpuint (memory.swap_kib, ==, cases[i].swap_kib);
        }
      else
        {
          g_assert_false (ok);
          g_assert_nonnull (error);
          g_assert_nonnull (strstr (error->message, cases[i].message_part));
        }
      scratch_remove_tree (root);
    }

  /* The real capture: swap accounting on, nothing swapped. */
  g_autofree char *fixture = tree_root ("cgroup-v1");
  g_autofree char *dir = g_build_filename (fixture, "sys/fs/cgroup/memory/machine", NULL);
  BallastCgroupMemory memory = { .swap_kib = 42 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_cgroup_memory_read (dir, BALLAST_CGROUP_V1, &memory, &error));
  g_assert_cmpuint (memory.swap_kib, ==, 0);
}

static void
test_read_bad (void)
{
  static const struct {
    const char *name;
    const char *limit;   /* NULL: file absent */
    const char *usage;
    const char *stat;
    int code;
    const char *file;    /* named in the message */
    const char *message_part;
  } cases[] = {
    { "no-limit-file", NULL, "1\n", "inactive_file 0\n", BALLAST_ERROR_IO, "memory.max", "cannot open" },
    { "bad-limit", "lots\n", "1\n", "inactive_file 0\n", BALLAST_ERROR_PARSE, "memory.max",
      "memory.max: memory limit: expected a byte count or 'max', got 'lots'" },
    { "no-usage-file", "max\n", NULL, "inactive_file 0\n", BALLAST_ERROR_IO, "memory.current", "cannot open" },
    { "bad-usage", "max\n", "-5\n", "inactive_file 0\n", BALLAST_ERROR_PARSE, "memory.current",
      "expected an unsigned number, got '-5'" },
    { "usage-max", "max\n", "max\n", "inactive_file 0\n", BALLAST_ERROR_PARSE, "memory.current", "got 'max'" },
    { "no-stat-file", "max\n", "1\n", NULL, BALLAST_ERROR_IO, "memory.stat", "cannot open" },
    { "stat-without-key", "max\n", "1\n", "anon 1\nfile 2\n", BALLAST_ERROR_MISSING, "memory.stat",
      "memory.stat: memory.stat: inactive_file is missing" },
    { "stat-v1-names", "max\n", "1\n", "total_inactive_file 5\n", BALLAST_ERROR_MISSING, "memory.stat",
      "inactive_file is missing" },
    { "stat-bad-value", "max\n", "1\n", "anon 1\ninactive_file x\n", BALLAST_ERROR_PARSE, "memory.stat",
      "memory.stat line 2: inactive_file: 'x' is not a number" },
    { "stat-empty", "max\n", "1\n", "", BALLAST_ERROR_MISSING, "memory.stat", "inactive_file is missing" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *root = g_dir_make_tmp ("ballast-cgroup-XXXXXX", NULL);
      if (cases[i].limit != NULL)
        scratch_write (root, "memory.max", cases[i].limit, -1);
      if (cases[i].usage != NULL)
        scratch_write (root, "memory.current", cases[i].usage, -1);
      if (cases[i].stat != NULL)
        scratch_write (root, "memory.stat", cases[i].stat, -1);
      g_autofree char *file = g_build_filename (root, cases[i].file, NULL);
      BallastCgroupMemory memory = { .usage_kib = 4242 };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_false (ballast_cgroup_memory_read (root, BALLAST_CGROUP_V2, &memory, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_autofree char *shown = g_strescape (error->message, NULL);
      g_test_message ("message: %s", shown);
      g_assert_nonnull (strstr (error->message, file));
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      g_assert_cmpuint (memory.usage_kib, ==, 4242);
      scratch_remove_tree (root);
    }
}

/* The v2 tree read as v1 (a wrong version from the caller) fails on the
 * first file v1 would need, naming it. */
static void
test_read_wrong_version (void)
{
  g_autofree char *root = tree_root ("cgroup-v2");
  g_autofree char *dir = g_build_filename (root, "sys/fs/cgroup/machine.slice", NULL);
  BallastCgroupMemory memory;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_cgroup_memory_read (dir, BALLAST_CGROUP_V1, &memory, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "memory.limit_in_bytes"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cgroup-memory/stat-lookup/v1-fixture", test_stat_lookup_v1_fixture);
  g_test_add_func ("/cgroup-memory/stat-lookup/missing", test_stat_lookup_missing);
  g_test_add_func ("/cgroup-memory/stat-lookup/invalid", test_stat_lookup_bad);
  g_test_add_func ("/cgroup-memory/stat-lookup/tolerated-shapes", test_stat_lookup_tolerated_shapes);
  g_test_add_func ("/cgroup-memory/stat-lookup/duplicate-key", test_stat_lookup_duplicate);
  g_test_add_func ("/cgroup-memory/limit-parse/valid", test_limit_parse);
  g_test_add_func ("/cgroup-memory/limit-parse/invalid", test_limit_parse_bad);
  g_test_add_func ("/cgroup-memory/locate/fixture-trees", test_locate_fixture_trees);
  g_test_add_func ("/cgroup-memory/locate/preference-and-partition", test_locate_preference_and_partition);
  g_test_add_func ("/cgroup-memory/locate/not-found", test_locate_not_found);
  g_test_add_func ("/cgroup-memory/read/v1-fixture", test_read_v1_fixture);
  g_test_add_func ("/cgroup-memory/read/v2-fixture", test_read_v2_fixture);
  g_test_add_func ("/cgroup-memory/read/variants", test_read_variants);
  g_test_add_func ("/cgroup-memory/read/swap", test_read_swap);
  g_test_add_func ("/cgroup-memory/read/invalid", test_read_bad);
  g_test_add_func ("/cgroup-memory/read/wrong-version", test_read_wrong_version);
  return g_test_run ();
}
