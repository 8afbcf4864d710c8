/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-guest KSM figures: /proc/PID/ksm_stat in the formats of several
 * kernels, /proc/PID/ksm_merging_pages, and their absence. */
#include "ballast-error.h"
#include "ksm-process.h"

#include "scratch-tree.h"

static const BallastKsmProcess sentinel = { .present = 0xbad, .merging_pages = 5, .rmap_items = 6 };

static void
assert_untouched (const BallastKsmProcess *process)
{
  g_assert_cmpuint (process->present, ==, sentinel.present);
  g_assert_cmpuint (process->merging_pages, ==, sentinel.merging_pages);
  g_assert_cmpuint (process->rmap_items, ==, sentinel.rmap_items);
  g_assert_cmpuint (process->zero_pages, ==, sentinel.zero_pages);
  g_assert_cmpint (process->process_profit_bytes, ==, sentinel.process_profit_bytes);
}

/* A real /proc/self/ksm_stat of the 6.x test host: all six lines. */
static void
test_parse_capture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/proc-pid-ksm_stat.txt");
  BallastKsmProcess process = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_process_parse_stat (text, &process, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (process.present, ==, 0x3f);
  g_assert_cmpuint (process.merging_pages, ==, 0);
  g_assert_cmpuint (process.rmap_items, ==, 0);
  g_assert_false (process.merge_any);
  g_assert_false (process.mergeable);
}

static void
test_parse_variants (void)
{
  static const struct {
    const char *text;
    guint present;
    guint64 merging, rmap, zero;
    gint64 profit;
    gboolean merge_any, mergeable;
  } cases[] = {
    /* 6.1: the rmap items only. */
    { "ksm_rmap_items 41216\n", BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS, 0, 41216, 0, 0, FALSE, FALSE },
    /* 6.4: merging pages and the profit, which can be negative. */
    { "ksm_rmap_items 900\nksm_merging_pages 3\nksm_process_profit -45312\n",
      BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS | BALLAST_KSM_PROCESS_HAS_MERGING_PAGES
      | BALLAST_KSM_PROCESS_HAS_PROFIT, 3, 900, 0, -45312, FALSE, FALSE },
    /* The name zero pages had while the feature was being merged. */
    { "ksm_rmap_items 1\nzero_pages_sharing 12\n",
      BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS | BALLAST_KSM_PROCESS_HAS_ZERO_PAGES, 0, 1, 12, 0, FALSE, FALSE },
    /* Newer: yes/no lines with a colon; unknown lines skipped, in any order. */
    { "ksm_mergeable: yes\nksm_merge_type madvise\nksm_merge_any: yes\nksm_zero_pages 7\n",
      BALLAST_KSM_PROCESS_HAS_MERGEABLE | BALLAST_KSM_PROCESS_HAS_MERGE_ANY
      | BALLAST_KSM_PROCESS_HAS_ZERO_PAGES, 0, 0, 7, 0, TRUE, TRUE },
    /* ksm_zero_pages is %ld of an atomic: a negative is a race, read as 0. */
    { "ksm_zero_pages -3\n", BALLAST_KSM_PROCESS_HAS_ZERO_PAGES, 0, 0, 0, 0, FALSE, FALSE },
    /* A process without memory (kernel thread, zombie): empty file. */
    { "", 0, 0, 0, 0, 0, FALSE, FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastKsmProcess process = sentinel;
      g_autoptr(GError) error = NULL;
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_true (ballast_ksm_process_parse_stat (cases[i].text, &process, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (process.present, ==, cases[i].present);
      g_assert_cmpuint (process.merging_pages, ==, cases[i].merging);
      g_assert_cmpuint (process.rmap_items, ==, cases[i].rmap);
      g_assert_cmpuint (process.zero_pages, ==, cases[i].zero);
      g_assert_cmpint (process.process_profit_bytes, ==, cases[i].profit);
      g_assert_cmpint (process.merge_any, ==, cases[i].merge_any);
      g_assert_cmpint (process.mergeable, ==, cases[i].mergeable);
    }
}

static void
test_parse_hostile (void)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "ksm_rmap_items abc\n", "ksm_stat line 1: ksm_rmap_items: expected an unsigned number, got 'abc'" },
    { "ksm_rmap_items -1\n", "ksm_stat line 1: ksm_rmap_items: expected an unsigned number, got '-1'" },
    { "ksm_rmap_items 1\nksm_merge_any: maybe\n", "ksm_stat line 2: ksm_merge_any: expected yes or no, got 'maybe'" },
    { "ksm_rmap_items 1\nksm_rmap_items 2\n", "ksm_stat line 2: ksm_rmap_items appears twice" },
    { "ksm_zero_pages 1\nzero_pages_sharing 2\n", "ksm_stat line 2: zero_pages_sharing appears twice" },
    { "ksm_rmap_items:5\n", "ksm_stat line 1: expected 'ksm_rmap_items VALUE', got 'ksm_rmap_items:5'" },
    { "ksm_rmap_items\n", "ksm_stat line 1: expected 'ksm_rmap_items VALUE'" },
    { "ksm_process_profit 9223372036854775808\n", "ksm_stat line 1: ksm_process_profit: expected a whole number" },
    { "ksm_merging_pages 18446744073709551616\n", "ksm_stat line 1: ksm_merging_pages: expected an unsigned number" },
    { "\n\nksm_merging_pages  3\n", "ksm_stat line 3: ksm_merging_pages: expected an unsigned number, got ' 3'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastKsmProcess process = sentinel;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_ksm_process_parse_stat (cases[i].text, &process, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not start with '%s'", i, error->message,
                 cases[i].message);
      assert_untouched (&process);
    }
}

static BallastKsmProcess
read_guest (const char *tree, pid_t pid)
{
  g_autofree char *root = scratch_fixture_path (tree);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmProcess process = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_process_read (paths, pid, &process, &error));
  g_assert_no_error (error);
  return process;
}

static void
test_read_trees (void)
{
  /* 6.x: everything in ksm_stat, and the kernel's profit formula holds. */
  BallastKsmProcess guest = read_guest ("trees/ksm-6.x", 4242);
  g_assert_cmpuint (guest.present, ==, 0x3f);
  g_assert_cmpuint (guest.merging_pages, ==, 18944);
  g_assert_cmpuint (guest.zero_pages, ==, 512);
  g_assert_cmpuint (guest.rmap_items, ==, 41216);
  g_assert_true (guest.mergeable);
  g_assert_cmpuint (ballast_ksm_process_merged_pages (&guest), ==, 18944 + 512);
  g_assert_cmpint ((gint64) ballast_ksm_process_merged_pages (&guest) * 4096
                   - (gint64) guest.rmap_items * 64, ==, guest.process_profit_bytes);

  /* A <nosharepages/> guest: there, and not mergeable. */
  BallastKsmProcess private = read_guest ("trees/ksm-6.x", 4243);
  g_assert_cmpuint (private.present, ==, 0x3f);
  g_assert_false (private.mergeable);
  g_assert_cmpuint (ballast_ksm_process_merged_pages (&private), ==, 0);

  /* 6.1: rmap items from ksm_stat, merging pages from their own file. */
  BallastKsmProcess old = read_guest ("trees/ksm-6.1", 4242);
  g_assert_cmpuint (old.present, ==, BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS
                                     | BALLAST_KSM_PROCESS_HAS_MERGING_PAGES);
  g_assert_cmpuint (old.merging_pages, ==, 18944);
  g_assert_cmpuint (old.rmap_items, ==, 41216);

  /* A kernel with neither file: not available, not an error. */
  BallastKsmProcess none = read_guest ("trees/ksm-minimal", 4242);
  g_assert_cmpuint (none.present, ==, 0);
  g_assert_cmpuint (ballast_ksm_process_merged_pages (&none), ==, 0);

  /* ksmd itself has no memory: the files exist and are empty. */
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  scratch_write (root, "proc/37/ksm_stat", "", -1);
  scratch_write (root, "proc/37/ksm_merging_pages", "", -1);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmProcess thread = sentinel;
  g_assert_true (ballast_ksm_process_read (paths, 37, &thread, NULL));
  g_assert_cmpuint (thread.present, ==, 0);
  scratch_remove_tree (root);
}

static void
test_read_failures (void)
{
  g_autofree char *fixture = scratch_fixture_path ("trees/ksm-6.x");
  g_autoptr(BallastPaths) fixture_paths = ballast_paths_new_rooted (fixture);
  BallastKsmProcess process = sentinel;
  g_autoptr(GError) error = NULL;

  /* The guest stopped between listing and reading. */
  g_assert_false (ballast_ksm_process_read (fixture_paths, 31337, &process, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_clear_error (&error);

  g_autofree char *root = scratch_tree_new ("ksm-6.1");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *merging = g_build_filename (root, "proc/4242/ksm_merging_pages", NULL);
  scratch_write (root, "proc/4242/ksm_merging_pages", "many\n", -1);
  g_assert_false (ballast_ksm_process_read (paths, 4242, &process, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  scratch_assert_mentions (error->message, (const char *const[]) { merging, "line 1", "'many'", NULL });
  g_clear_error (&error);

  g_autofree char *dir = g_build_filename (root, "proc/4242", NULL);
  scratch_write (root, "proc/4242/ksm_stat", "ksm_rmap_items 1\nksm_rmap_items 1\n", -1);
  g_assert_false (ballast_ksm_process_read (paths, 4242, &process, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  scratch_assert_mentions (error->message, (const char *const[]) { dir, "ksm_stat line 2", NULL });
  g_clear_error (&error);

  /* Unreadable: a directory where the file should be. */
  scratch_write (root, "proc/4242/ksm_stat", "ksm_rmap_items 1\n", -1);
  g_autofree char *stat_path = g_build_filename (dir, "ksm_stat", NULL);
  g_assert_cmpint (g_remove (stat_path), ==, 0);
  g_assert_cmpint (g_mkdir (stat_path, 0755), ==, 0);
  g_assert_false (ballast_ksm_process_read (paths, 4242, &process, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  scratch_assert_mentions (error->message, (const char *const[]) { stat_path, NULL });
  assert_untouched (&process);
  scratch_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ksm-process/parse-capture", test_parse_capture);
  g_test_add_func ("/ksm-process/parse-variants", test_parse_variants);
  g_test_add_func ("/ksm-process/parse-hostile", test_parse_hostile);
  g_test_add_func ("/ksm-process/read-trees", test_read_trees);
  g_test_add_func ("/ksm-process/read-failures", test_read_failures);
  return g_test_run ();
}
