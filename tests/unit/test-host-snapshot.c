/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One cycle's view of the host: meminfo always, PSI when the kernel has
 * it, and with a cgroup budget the tighter of the cgroup and the host. */
#include "ballast-error.h"
#include "host-snapshot.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

#define GIB_IN_KIB G_GUINT64_CONSTANT (1048576)

/* The fixture host (tests/fixtures/host/meminfo.txt). */
#define HOST_TOTAL_KIB G_GUINT64_CONSTANT (24684096)
#define HOST_AVAILABLE_KIB G_GUINT64_CONSTANT (24144388)

/* A scratch host: ROOT/proc/meminfo (the fixture unless MEMINFO is given),
 * ROOT/proc/pressure/memory when PSI is given, and a v2 machine.slice with
 * LIMIT, USAGE_BYTES and INACTIVE_FILE_BYTES when LIMIT is given. */
static char *
make_host (const char *meminfo, const char *psi, const char *limit, guint64 usage_bytes,
           guint64 inactive_file_bytes)
{
  char *root = g_dir_make_tmp ("ballast-host-XXXXXX", NULL);
  g_assert_nonnull (root);
  g_autofree char *fixture = scratch_load_fixture ("host/meminfo.txt");
  scratch_write (root, "proc/meminfo", meminfo != NULL ? meminfo : fixture, -1);
  if (psi != NULL)
    scratch_write (root, "proc/pressure/memory", psi, -1);
  if (limit != NULL)
    {
      g_autofree char *usage = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", usage_bytes);
      g_autofree char *stat = g_strdup_printf ("anon 1\ninactive_file %" G_GUINT64_FORMAT "\n",
                                               inactive_file_bytes);
      scratch_write (root, "sys/fs/cgroup/cgroup.controllers", "cpu memory\n", -1);
      scratch_write (root, "sys/fs/cgroup/machine.slice/memory.max", limit, -1);
      scratch_write (root, "sys/fs/cgroup/machine.slice/memory.current", usage, -1);
      scratch_write (root, "sys/fs/cgroup/machine.slice/memory.stat", stat, -1);
    }
  return root;
}

static char *
machine_slice (const char *root)
{
  return g_build_filename (root, "sys", "fs", "cgroup", "machine.slice", NULL);
}

/* ---- The meminfo budget ---- */

static void
test_meminfo_budget_without_psi (void)
{
  g_autofree char *root = make_host (NULL, NULL, NULL, 0, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  memset (&snapshot, 0xff, sizeof snapshot);
  g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, NULL, 0, &snapshot, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (snapshot.meminfo.mem_total_kib, ==, HOST_TOTAL_KIB);
  g_assert_cmpuint (snapshot.meminfo.mem_available_kib, ==, HOST_AVAILABLE_KIB);
  g_assert_false (snapshot.has_psi);      /* absent PSI is fine */
  g_assert_false (snapshot.has_cgroup);
  g_assert_cmpint (snapshot.budget_source, ==, BALLAST_BUDGET_MEMINFO);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, HOST_TOTAL_KIB);
  g_assert_cmpuint (snapshot.budget_available_kib, ==, HOST_AVAILABLE_KIB);
  scratch_remove_tree (root);
}

static void
test_meminfo_budget_with_psi (void)
{
  g_autofree char *root = make_host (NULL, "some avg10=12.34 avg60=1.00 avg300=0.50 total=99\n"
                                           "full avg10=2.00 avg60=0.00 avg300=0.00 total=9\n",
                                     NULL, 0, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, NULL, 0, &snapshot, &error));
  g_assert_no_error (error);
  g_assert_true (snapshot.has_psi);
  g_assert_cmpuint (snapshot.psi.some.avg10_centipct, ==, 1234);
  g_assert_cmpuint (snapshot.psi.full.avg10_centipct, ==, 200);
  g_assert_true (snapshot.psi.has_full);
  scratch_remove_tree (root);
}

/* A broken PSI file costs the PSI figures for the cycle, not the cycle. */
static void
test_broken_psi_is_not_fatal (void)
{
  g_autofree char *root = make_host (NULL, "some avg10=garbage\n", NULL, 0, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, NULL, 0, &snapshot, &error));
  g_assert_no_error (error);
  g_assert_false (snapshot.has_psi);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, HOST_TOTAL_KIB);
  scratch_remove_tree (root);
}

/* Even when a cgroup directory is passed, the meminfo budget ignores it. */
static void
test_meminfo_budget_ignores_cgroup (void)
{
  g_autofree char *root = make_host (NULL, NULL, "2684354560\n", GIB_IN_KIB * 1024, 0);
  g_autofree char *dir = machine_slice (root);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;

  g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, dir, BALLAST_CGROUP_V2,
                                             &snapshot, NULL));
  g_assert_false (snapshot.has_cgroup);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, HOST_TOTAL_KIB);
  g_assert_cmpuint (snapshot.budget_available_kib, ==, HOST_AVAILABLE_KIB);
  scratch_remove_tree (root);
}

/* ---- The cgroup budget: the tighter of cgroup and host ---- */

typedef struct {
  const char *name;
  const char *meminfo;         /* NULL: the fixture */
  const char *limit;
  guint64 usage_bytes;
  guint64 inactive_file_bytes;
  gboolean limited;
  guint64 working_set_kib;
  guint64 budget_total_kib;
  guint64 budget_available_kib;
} BudgetCase;

static const BudgetCase budget_cases[] = {
  /* 2.5 GiB limit, 1 GiB used of which 100 MiB inactive cache: the
   * cgroup is far tighter than the 23.5 GiB host. */
  { "limit-2.5g", NULL, "2684354560\n", G_GUINT64_CONSTANT (1073741824), 104857600,
    TRUE, 1048576 - 102400, 2621440, 2621440 - (1048576 - 102400) },
  /* A limit above the host's memory does not make memory appear. */
  { "limit-above-host", NULL, "68719476736\n", G_GUINT64_CONSTANT (1073741824), 0,
    TRUE, 1048576, HOST_TOTAL_KIB, HOST_AVAILABLE_KIB },
  /* No limit: the host's figures, but the cgroup is still read. */
  { "unlimited", NULL, "max\n", G_GUINT64_CONSTANT (1073741824), 0,
    FALSE, 1048576, HOST_TOTAL_KIB, HOST_AVAILABLE_KIB },
  /* The host has less available than the cgroup has free. */
  { "host-tighter-available", "MemTotal: 8388608 kB\nMemAvailable: 500000 kB\n", "2684354560\n",
    G_GUINT64_CONSTANT (1073741824), 0, TRUE, 1048576, 2621440, 500000 },
  /* Working set above the limit (the kernel lets usage overshoot briefly):
   * nothing is available, not a wrapped-around huge number. */
  { "working-set-above-limit", NULL, "1073741824\n", G_GUINT64_CONSTANT (2147483648), 0,
    TRUE, 2097152, 1048576, 0 },
  { "working-set-at-limit", NULL, "1073741824\n", G_GUINT64_CONSTANT (1073741824), 0,
    TRUE, 1048576, 1048576, 0 },
  /* All of the usage is inactive cache: the whole limit is available. */
  { "all-cache", NULL, "1073741824\n", G_GUINT64_CONSTANT (1073741824), G_GUINT64_CONSTANT (1073741824),
    TRUE, 0, 1048576, 1048576 },
};

static void
test_cgroup_budget (gconstpointer data)
{
  const BudgetCase *c = data;
  g_autofree char *root = make_host (c->meminfo, NULL, c->limit, c->usage_bytes, c->inactive_file_bytes);
  g_autofree char *dir = machine_slice (root);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_CGROUP, dir, BALLAST_CGROUP_V2,
                                             &snapshot, &error));
  g_assert_no_error (error);
  g_assert_cmpint (snapshot.budget_source, ==, BALLAST_BUDGET_CGROUP);
  g_assert_true (snapshot.has_cgroup);
  g_assert_cmpint (snapshot.cgroup.version, ==, BALLAST_CGROUP_V2);
  g_assert_cmpint (snapshot.cgroup.limited, ==, c->limited);
  g_assert_cmpuint (snapshot.cgroup.working_set_kib, ==, c->working_set_kib);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, c->budget_total_kib);
  g_assert_cmpuint (snapshot.budget_available_kib, ==, c->budget_available_kib);
  /* The tighter of the two, always. */
  g_assert_cmpuint (snapshot.budget_total_kib, <=, snapshot.meminfo.mem_total_kib);
  g_assert_cmpuint (snapshot.budget_available_kib, <=, snapshot.meminfo.mem_available_kib);
  g_assert_cmpuint (snapshot.budget_available_kib, <=, snapshot.budget_total_kib);
  scratch_remove_tree (root);
}

/* What the limit pushed out to swap is the budget's overflow; without a
 * limit there is no budget to overflow. */
static void
test_cgroup_overflow (void)
{
  for (int limited = 0; limited <= 1; limited++)
    {
      g_autofree char *root = make_host (NULL, NULL, limited ? "2684354560\n" : "max\n",
                                         G_GUINT64_CONSTANT (2684354560), 0);
      g_autofree char *dir = machine_slice (root);
      g_autofree char *swap = g_build_filename ("sys", "fs", "cgroup", "machine.slice",
                                                "memory.swap.current", NULL);
      scratch_write (root, swap, "536870912\n", -1);
      g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
      BallastHostSnapshot snapshot;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_host_snapshot_read (paths, BALLAST_BUDGET_CGROUP, dir, BALLAST_CGROUP_V2,
                                                 &snapshot, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (snapshot.cgroup.swap_kib, ==, 524288);
      if (limited)
        g_assert_cmpuint (snapshot.budget_available_kib, ==, 0); /* at its limit */
      g_assert_cmpuint (snapshot.budget_overflow_kib, ==, limited ? 524288 : 0);
      scratch_remove_tree (root);
    }
}

/* The static fixture trees: v1 unlimited, v2 limited with PSI. */
static void
test_fixture_trees (void)
{
  g_autofree char *v1 = g_build_filename (BALLAST_FIXTURES_DIR, "trees", "cgroup-v1", NULL);
  g_autoptr(BallastPaths) v1_paths = ballast_paths_new_rooted (v1);
  g_autofree char *v1_dir = NULL;
  BallastCgroupVersion version;
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_cgroup_memory_locate (v1_paths, NULL, &v1_dir, &version, &error));
  g_assert_true (ballast_host_snapshot_read (v1_paths, BALLAST_BUDGET_CGROUP, v1_dir, version,
                                             &snapshot, &error));
  g_assert_no_error (error);
  g_assert_false (snapshot.has_psi);
  g_assert_true (snapshot.has_cgroup);
  g_assert_false (snapshot.cgroup.limited);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, HOST_TOTAL_KIB);
  g_assert_cmpuint (snapshot.budget_available_kib, ==, HOST_AVAILABLE_KIB);

  g_autofree char *v2 = g_build_filename (BALLAST_FIXTURES_DIR, "trees", "cgroup-v2", NULL);
  g_autoptr(BallastPaths) v2_paths = ballast_paths_new_rooted (v2);
  g_autofree char *v2_dir = NULL;
  g_assert_true (ballast_cgroup_memory_locate (v2_paths, NULL, &v2_dir, &version, &error));
  g_assert_cmpint (version, ==, BALLAST_CGROUP_V2);
  g_assert_true (ballast_host_snapshot_read (v2_paths, BALLAST_BUDGET_CGROUP, v2_dir, version,
                                             &snapshot, &error));
  g_assert_no_error (error);
  g_assert_true (snapshot.has_psi);
  g_assert_cmpuint (snapshot.psi.some.avg10_centipct, ==, 125);
  g_assert_cmpuint (snapshot.budget_total_kib, ==, 2621440);
  g_assert_cmpuint (snapshot.budget_available_kib, ==, 2621440 - (1048576 - 102400));
}

/* ---- Failures ---- */

static void
test_cgroup_budget_without_dir (void)
{
  g_autofree char *root = make_host (NULL, NULL, NULL, 0, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot = { .budget_total_kib = 4242 };
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_host_snapshot_read (paths, BALLAST_BUDGET_CGROUP, NULL, BALLAST_CGROUP_V2,
                                              &snapshot, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "budget is 'cgroup' but the guests' cgroup was not found"));
  g_assert_cmpuint (snapshot.budget_total_kib, ==, 4242);
  scratch_remove_tree (root);
}

static void
test_missing_meminfo (void)
{
  g_autofree char *root = g_dir_make_tmp ("ballast-host-XXXXXX", NULL);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *meminfo = g_build_filename (root, "proc", "meminfo", NULL);
  BallastHostSnapshot snapshot = { .budget_total_kib = 4242 };
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, NULL, 0, &snapshot, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, meminfo));
  g_assert_cmpuint (snapshot.budget_total_kib, ==, 4242);
  scratch_remove_tree (root);
}

static void
test_bad_meminfo (void)
{
  g_autofree char *root = make_host ("MemTotal: 1000 kB\n", NULL, NULL, 0, 0);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_host_snapshot_read (paths, BALLAST_BUDGET_MEMINFO, NULL, 0, &snapshot, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "MemAvailable is missing"));
  scratch_remove_tree (root);
}

static void
test_broken_cgroup (void)
{
  g_autofree char *root = make_host (NULL, NULL, "not-a-number\n", 1, 0);
  g_autofree char *dir = machine_slice (root);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastHostSnapshot snapshot;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_host_snapshot_read (paths, BALLAST_BUDGET_CGROUP, dir, BALLAST_CGROUP_V2,
                                              &snapshot, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "memory.max"));
  scratch_remove_tree (root);

  /* The directory vanished after it was located. */
  g_autoptr(BallastPaths) fixture_paths = ballast_paths_new_rooted (BALLAST_FIXTURES_DIR "/trees/cgroup-v1");
  g_clear_error (&error);
  g_assert_false (ballast_host_snapshot_read (fixture_paths, BALLAST_BUDGET_CGROUP,
                                              "/nonexistent/machine.slice", BALLAST_CGROUP_V2,
                                              &snapshot, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/machine.slice/memory.max"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/host-snapshot/meminfo/without-psi", test_meminfo_budget_without_psi);
  g_test_add_func ("/host-snapshot/meminfo/with-psi", test_meminfo_budget_with_psi);
  g_test_add_func ("/host-snapshot/meminfo/broken-psi-not-fatal", test_broken_psi_is_not_fatal);
  g_test_add_func ("/host-snapshot/meminfo/ignores-cgroup", test_meminfo_budget_ignores_cgroup);
  for (gsize i = 0; i < G_N_ELEMENTS (budget_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/host-snapshot/cgroup/%s", budget_cases[i].name);
      g_test_add_data_func (path, &budget_cases[i], test_cgroup_budget);
    }
  g_test_add_func ("/host-snapshot/cgroup/overflow", test_cgroup_overflow);
  g_test_add_func ("/host-snapshot/cgroup/fixture-trees", test_fixture_trees);
  g_test_add_func ("/host-snapshot/error/cgroup-budget-without-dir", test_cgroup_budget_without_dir);
  g_test_add_func ("/host-snapshot/error/missing-meminfo", test_missing_meminfo);
  g_test_add_func ("/host-snapshot/error/bad-meminfo", test_bad_meminfo);
  g_test_add_func ("/host-snapshot/error/broken-cgroup", test_broken_cgroup);
  return g_test_run ();
}
