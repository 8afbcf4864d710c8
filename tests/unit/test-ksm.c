/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The KSM sysfs tree: the real capture of a 6.x kernel, older kernels
 * without the newer files, hostile trees; the writer's plans (only changed
 * values, merge_across_nodes through an unmerge) and its writes to a
 * scratch tree; libvirt's node memory parameters for remote hosts. */
#include "ballast-error.h"
#include "ksm.h"
#include "libvirt-util.h"

#include "scratch-tree.h"

#include <unistd.h>

static const BallastKsmState sentinel = { .present = 0xdead, .pages_to_scan = 4242, .pages_sharing = 77 };

/* Field by field: struct copies need not copy padding. */
static void
assert_same_state (const BallastKsmState *a, const BallastKsmState *b)
{
  g_assert_cmpuint (a->present, ==, b->present);
  g_assert_cmpint (a->run, ==, b->run);
  g_assert_cmpint (a->run_offline, ==, b->run_offline);
  g_assert_cmpuint (a->pages_to_scan, ==, b->pages_to_scan);
  g_assert_cmpuint (a->sleep_millisecs, ==, b->sleep_millisecs);
  g_assert_cmpint (a->merge_across_nodes, ==, b->merge_across_nodes);
  g_assert_cmpint (a->use_zero_pages, ==, b->use_zero_pages);
  g_assert_cmpuint (a->max_page_sharing, ==, b->max_page_sharing);
  g_assert_cmpuint (a->stable_node_chains_prune_millisecs, ==, b->stable_node_chains_prune_millisecs);
  g_assert_cmpint (a->smart_scan, ==, b->smart_scan);
  g_assert_cmpint (a->advisor_mode, ==, b->advisor_mode);
  g_assert_cmpuint (a->advisor_max_cpu, ==, b->advisor_max_cpu);
  g_assert_cmpuint (a->advisor_target_scan_time, ==, b->advisor_target_scan_time);
  g_assert_cmpuint (a->advisor_min_pages_to_scan, ==, b->advisor_min_pages_to_scan);
  g_assert_cmpuint (a->advisor_max_pages_to_scan, ==, b->advisor_max_pages_to_scan);
  g_assert_cmpuint (a->pages_shared, ==, b->pages_shared);
  g_assert_cmpuint (a->pages_sharing, ==, b->pages_sharing);
  g_assert_cmpuint (a->pages_unshared, ==, b->pages_unshared);
  g_assert_cmpuint (a->pages_volatile, ==, b->pages_volatile);
  g_assert_cmpuint (a->full_scans, ==, b->full_scans);
  g_assert_cmpuint (a->stable_node_chains, ==, b->stable_node_chains);
  g_assert_cmpuint (a->stable_node_dups, ==, b->stable_node_dups);
  g_assert_cmpuint (a->pages_scanned, ==, b->pages_scanned);
  g_assert_cmpuint (a->pages_skipped, ==, b->pages_skipped);
  g_assert_cmpuint (a->ksm_zero_pages, ==, b->ksm_zero_pages);
  g_assert_cmpint (a->general_profit_bytes, ==, b->general_profit_bytes);
}

static void
assert_untouched (const BallastKsmState *state)
{
  assert_same_state (state, &sentinel);
}

static BallastKsmState
read_tree (const char *name)
{
  g_autofree char *root = scratch_fixture_path (name);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmState state = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_read (paths, &state, &error));
  g_assert_no_error (error);
  return state;
}

/* The values of tests/fixtures/host/ksm-sysfs.txt. */
static void
assert_is_the_capture (const BallastKsmState *state)
{
  g_assert_cmpuint (state->present, ==, 0xffffff); /* all 24 files */
  g_assert_cmpint (state->run, ==, BALLAST_KSM_RUN_STOP);
  g_assert_false (state->run_offline);
  g_assert_cmpuint (state->pages_to_scan, ==, 100);
  g_assert_cmpuint (state->sleep_millisecs, ==, 20);
  g_assert_true (state->merge_across_nodes);
  g_assert_false (state->use_zero_pages);
  g_assert_cmpuint (state->max_page_sharing, ==, 256);
  g_assert_cmpuint (state->stable_node_chains_prune_millisecs, ==, 2000);
  g_assert_true (state->smart_scan);
  g_assert_cmpint (state->advisor_mode, ==, BALLAST_KSM_ADVISOR_NONE);
  g_assert_cmpuint (state->advisor_max_cpu, ==, 70);
  g_assert_cmpuint (state->advisor_target_scan_time, ==, 200);
  g_assert_cmpuint (state->advisor_min_pages_to_scan, ==, 500);
  g_assert_cmpuint (state->advisor_max_pages_to_scan, ==, 30000);
  g_assert_cmpuint (state->pages_shared, ==, 83);
  g_assert_cmpuint (state->pages_sharing, ==, 3770);
  g_assert_cmpuint (state->pages_unshared, ==, 6002);
  g_assert_cmpuint (state->pages_volatile, ==, 15863);
  g_assert_cmpuint (state->full_scans, ==, 1);
  g_assert_cmpuint (state->stable_node_chains, ==, 1);
  g_assert_cmpuint (state->stable_node_dups, ==, 15);
  g_assert_cmpuint (state->pages_scanned, ==, 51600);
  g_assert_cmpuint (state->pages_skipped, ==, 0);
  g_assert_cmpuint (state->ksm_zero_pages, ==, 0);
  g_assert_cmpint (state->general_profit_bytes, ==, 13795968);
}

/* ---- Reading ---- */

static void
test_capture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/ksm-sysfs.txt");
  BallastKsmState state = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_parse_capture (text, "ksm-sysfs.txt", &state, &error));
  g_assert_no_error (error);
  assert_is_the_capture (&state);

  /* The kernel's own arithmetic holds in the capture (ksm.rst):
   * general_profit = saved pages x page size - rmap items x sizeof (rmap_item),
   * with 4 KiB pages and 64-byte rmap items on x86-64. */
  g_assert_cmpuint (ballast_ksm_saved_pages (&state), ==, 3770);
  g_assert_cmpuint (ballast_ksm_rmap_items (&state), ==, 83 + 3770 + 6002 + 15863);
  g_assert_cmpint ((gint64) ballast_ksm_saved_pages (&state) * 4096
                   - (gint64) ballast_ksm_rmap_items (&state) * 64,
                   ==, state.general_profit_bytes);
}

static void
test_tree_6x_is_the_capture (void)
{
  BallastKsmState from_tree = read_tree ("trees/ksm-6.x");
  assert_is_the_capture (&from_tree);
  g_autofree char *text = scratch_load_fixture ("host/ksm-sysfs.txt");
  BallastKsmState from_capture;
  g_assert_true (ballast_ksm_parse_capture (text, "capture", &from_capture, NULL));
  assert_same_state (&from_tree, &from_capture);
}

/* Debian 12's 6.1: no general_profit, ksm_zero_pages, pages_scanned,
 * pages_skipped, smart_scan, advisor_*. Their bits are clear, their
 * values 0, and that is not an error. */
static void
test_tree_6_1 (void)
{
  BallastKsmState state = read_tree ("trees/ksm-6.1");
  guint32 newer = BALLAST_KSM_HAS_GENERAL_PROFIT | BALLAST_KSM_HAS_KSM_ZERO_PAGES
                  | BALLAST_KSM_HAS_PAGES_SCANNED | BALLAST_KSM_HAS_PAGES_SKIPPED
                  | BALLAST_KSM_HAS_SMART_SCAN | BALLAST_KSM_HAS_ADVISOR_MODE
                  | BALLAST_KSM_HAS_ADVISOR_MAX_CPU | BALLAST_KSM_HAS_ADVISOR_TARGET_SCAN_TIME
                  | BALLAST_KSM_HAS_ADVISOR_MIN_PAGES_TO_SCAN
                  | BALLAST_KSM_HAS_ADVISOR_MAX_PAGES_TO_SCAN;
  g_assert_cmpuint (state.present, ==, 0xffffff & ~newer);
  g_assert_cmpint (state.run, ==, BALLAST_KSM_RUN_MERGE);
  g_assert_cmpuint (state.full_scans, ==, 12);
  g_assert_true (state.merge_across_nodes);
  g_assert_cmpuint (state.ksm_zero_pages, ==, 0);
  g_assert_cmpint (state.general_profit_bytes, ==, 0);
  g_assert_cmpuint (state.pages_scanned, ==, 0);
  g_assert_cmpuint (ballast_ksm_saved_pages (&state), ==, 3770);
}

/* The eight files of Linux 2.6.32, no NUMA. */
static void
test_tree_minimal (void)
{
  BallastKsmState state = read_tree ("trees/ksm-minimal");
  g_assert_cmpuint (state.present, ==, BALLAST_KSM_REQUIRED_FILES);
  g_assert_cmpuint (state.pages_to_scan, ==, 100);
  g_assert_cmpuint (state.pages_sharing, ==, 3770);
  g_assert_false (state.merge_across_nodes);
}

static void
assert_read_fails (const char *root, GQuark domain, int code, const char *const *needles)
{
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmState state = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_ksm_read (paths, &state, &error));
  g_assert_error (error, domain, code);
  scratch_assert_mentions (error->message, needles);
  assert_untouched (&state);
}

static void
test_hostile_trees (void)
{
  g_autofree char *garbage = scratch_fixture_path ("trees/ksm-garbage");
  assert_read_fails (garbage, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                     (const char *const[]) { "ksm-garbage/sys/kernel/mm/ksm/pages_to_scan line 1",
                                             "'lots'", NULL });
  g_autofree char *no_run = scratch_fixture_path ("trees/ksm-no-run");
  assert_read_fails (no_run, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                     (const char *const[]) { "ksm-no-run/sys/kernel/mm/ksm/run is missing", NULL });
  /* run is a directory: open() works, read() fails, for root too. */
  g_autofree char *unreadable = scratch_fixture_path ("trees/ksm-unreadable");
  assert_read_fails (unreadable, BALLAST_ERROR, BALLAST_ERROR_IO,
                     (const char *const[]) { "cannot read", "ksm-unreadable/sys/kernel/mm/ksm/run", NULL });
  /* A kernel without CONFIG_KSM has no directory at all. */
  g_autofree char *no_ksm = scratch_fixture_path ("trees/cgroup-v2");
  assert_read_fails (no_ksm, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                     (const char *const[]) { "the kernel has no KSM", NULL });
}

/* One file of a scratch 6.x tree replaced by CONTENTS. */
static void
test_hostile_files (void)
{
  static const struct {
    const char *file;
    const char *contents;
    gssize length;
    int code;
    const char *message;
  } cases[] = {
    { "run", "3\n", -1, BALLAST_ERROR_PARSE, "run line 1: 3 is not 0, 1 or 2" },
    { "run", "", -1, BALLAST_ERROR_PARSE, "run line 1: empty" },
    { "run", "\n", -1, BALLAST_ERROR_PARSE, "run line 1: empty" },
    { "run", "1\n1\n", -1, BALLAST_ERROR_PARSE, "run line 2: one value expected" },
    { "run", "1\0" "0\n", 4, BALLAST_ERROR_PARSE, "contains a NUL byte" },
    { "pages_sharing", "-5\n", -1, BALLAST_ERROR_PARSE, "pages_sharing line 1: expected an unsigned number, got '-5'" },
    { "pages_sharing", "18446744073709551616\n", -1, BALLAST_ERROR_PARSE, "pages_sharing line 1" },
    { "pages_to_scan", "4294967296\n", -1, BALLAST_ERROR_PARSE, "larger than the kernel's unsigned int" },
    { "pages_to_scan", " 100\n", -1, BALLAST_ERROR_PARSE, "got ' 100'" },
    { "use_zero_pages", "2\n", -1, BALLAST_ERROR_PARSE, "use_zero_pages line 1: 2 is not 0 or 1" },
    { "general_profit", "12e3\n", -1, BALLAST_ERROR_PARSE, "general_profit line 1: expected a whole number" },
    { "general_profit", "--1\n", -1, BALLAST_ERROR_PARSE, "general_profit line 1" },
    { "advisor_mode", "none scan-time\n", -1, BALLAST_ERROR_PARSE, "advisor_mode line 1: no advisor in brackets" },
    { "advisor_mode", "[none] [scan-time]\n", -1, BALLAST_ERROR_PARSE, "expected one advisor in brackets" },
    { "advisor_mode", "[] none\n", -1, BALLAST_ERROR_PARSE, "expected one advisor in brackets" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].file);
      g_autofree char *root = scratch_tree_new ("ksm-6.x");
      g_autofree char *relative = g_build_filename ("sys/kernel/mm/ksm", cases[i].file, NULL);
      scratch_write (root, relative, cases[i].contents, cases[i].length);
      g_autofree char *path = g_build_filename (root, relative, NULL);
      assert_read_fails (root, BALLAST_ERROR, cases[i].code,
                         (const char *const[]) { path, cases[i].message, NULL });
      scratch_remove_tree (root);
    }

  /* A file far larger than any value: refused, not read to the end. */
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  g_autofree char *big = g_strnfill (100000, '1');
  scratch_write (root, "sys/kernel/mm/ksm/full_scans", big, -1);
  assert_read_fails (root, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                     (const char *const[]) { "full_scans is larger than", NULL });
  scratch_remove_tree (root);
}

static void
test_parse_file_value (void)
{
  BallastKsmState state = { 0 };
  g_autoptr(GError) error = NULL;

  /* run reads 4 | mode while memory is offlined. */
  g_assert_true (ballast_ksm_parse_file_value ("run", "5\n", &state, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state.run, ==, BALLAST_KSM_RUN_MERGE);
  g_assert_true (state.run_offline);
  g_assert_true (state.present & BALLAST_KSM_HAS_RUN);

  g_assert_true (ballast_ksm_parse_file_value ("general_profit", "-1645952\n", &state, NULL));
  g_assert_cmpint (state.general_profit_bytes, ==, -1645952);
  g_assert_true (ballast_ksm_parse_file_value ("general_profit", "-9223372036854775808", &state, NULL));
  g_assert_cmpint (state.general_profit_bytes, ==, G_MININT64);

  /* ksm_zero_pages is an atomic printed with %ld: a negative is a race. */
  g_assert_true (ballast_ksm_parse_file_value ("ksm_zero_pages", "-2\n", &state, NULL));
  g_assert_cmpuint (state.ksm_zero_pages, ==, 0);
  g_assert_true (ballast_ksm_parse_file_value ("ksm_zero_pages", "812\n", &state, NULL));
  g_assert_cmpuint (state.ksm_zero_pages, ==, 812);

  g_assert_true (ballast_ksm_parse_file_value ("advisor_mode", "none [scan-time]\n", &state, NULL));
  g_assert_cmpint (state.advisor_mode, ==, BALLAST_KSM_ADVISOR_SCAN_TIME);
  /* An advisor a newer kernel added owns pages_to_scan as well. */
  g_assert_true (ballast_ksm_parse_file_value ("advisor_mode", "none scan-time [cpu-time]", &state, NULL));
  g_assert_cmpint (state.advisor_mode, ==, BALLAST_KSM_ADVISOR_OTHER);

  /* A file ballast does not know: skipped, nothing set. */
  BallastKsmState before = state;
  g_assert_true (ballast_ksm_parse_file_value ("pages_to_merge_soon", "garbage", &state, &error));
  g_assert_no_error (error);
  assert_same_state (&state, &before);

  g_assert_false (ballast_ksm_parse_file_value ("merge_across_nodes", "yes\n", &state, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "merge_across_nodes line 1: expected an unsigned number, got 'yes'");
}

static void
test_capture_hostile (void)
{
  static const struct {
    const char *text;
    int code;
    const char *message;
  } cases[] = {
    { "run=0\npages_to_scan 100\n", BALLAST_ERROR_PARSE, "cap line 2: expected name=value, got 'pages_to_scan 100'" },
    { "=0\n", BALLAST_ERROR_PARSE, "cap line 1: expected name=value, got '=0'" },
    { "run=0\nrun=1\n", BALLAST_ERROR_PARSE, "cap line 2: run appears twice" },
    { "# comment\n\nrun=\n", BALLAST_ERROR_PARSE, "cap line 3: run: empty" },
    { "run=1\nsleep_millisecs=x\n", BALLAST_ERROR_PARSE, "cap line 2: sleep_millisecs: expected an unsigned number, got 'x'" },
    { "run=1\n", BALLAST_ERROR_MISSING, "cap: pages_to_scan is missing" },
    { "", BALLAST_ERROR_MISSING, "cap: run is missing" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastKsmState state = sentinel;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_ksm_parse_capture (cases[i].text, "cap", &state, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      assert_untouched (&state);
    }
}

/* Only reads: the real tree of this host, when it has one. */
static void
test_real_host (void)
{
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted ("/");
  g_autofree char *dir = ballast_ksm_dir (paths);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("this kernel has no KSM");
      return;
    }
  BallastKsmState state;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_read (paths, &state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (state.present & BALLAST_KSM_REQUIRED_FILES, ==, BALLAST_KSM_REQUIRED_FILES);
  g_assert_cmpint (state.run, <=, BALLAST_KSM_RUN_UNMERGE);
  g_assert_cmpuint (state.pages_to_scan, >, 0);
}

/* ---- Planning writes ---- */

static BallastKsmState
capture_state (void)
{
  g_autofree char *text = scratch_load_fixture ("host/ksm-sysfs.txt");
  BallastKsmState state;
  g_assert_true (ballast_ksm_parse_capture (text, "capture", &state, NULL));
  return state;
}

/* The plan's writes as "name old -> new, ..." */
static char *
plan_text (const BallastKsmWritePlan *plan)
{
  GString *text = g_string_new (NULL);
  for (guint i = 0; i < plan->writes->len; i++)
    {
      g_autofree char *one = ballast_ksm_write_describe (&g_array_index (plan->writes, BallastKsmWrite, i));
      g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", one);
    }
  return g_string_free (text, FALSE);
}

typedef struct {
  const char *name;
  /* changes to the capture's state (run 0, pages_to_scan 100, sleep 20,
   * merge_across_nodes 1, use_zero_pages 0, 83 shared / 3770 sharing) */
  gint run;                 /* -1: as captured */
  gboolean unmerged;        /* pages_shared = pages_sharing = 0 */
  gboolean advisor_scan_time;
  BallastKsmTunables wanted;
  const char *writes;
  gboolean pending;
  gboolean blocking;
} PlanCase;

static const PlanCase plan_cases[] = {
  { "nothing-wanted", -1, FALSE, FALSE, { 0 }, "", FALSE, FALSE },
  { "same-values", -1, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS
      | BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_USE_ZERO_PAGES,
      BALLAST_KSM_RUN_STOP, 100, 20, TRUE, FALSE }, "", FALSE, FALSE },
  { "only-the-changed-one", -1, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS,
      BALLAST_KSM_RUN_STOP, 150, 20 }, "pages_to_scan 100 -> 150", FALSE, FALSE },
  { "run-last", -1, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS
      | BALLAST_KSM_SET_USE_ZERO_PAGES, BALLAST_KSM_RUN_MERGE, 64, 40, FALSE, TRUE },
    "pages_to_scan 100 -> 64, sleep_millisecs 20 -> 40, use_zero_pages 0 -> 1, run 0 -> 1", FALSE, FALSE },
  { "unmerge-is-blocking", 1, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN, BALLAST_KSM_RUN_UNMERGE }, "run 1 -> 2", FALSE, TRUE },
  /* run reads 2 but pages are still merged: the unmerge was cut short. */
  { "unmerge-resumed", BALLAST_KSM_RUN_UNMERGE, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN, BALLAST_KSM_RUN_UNMERGE }, "run 2 -> 2", FALSE, TRUE },
  { "unmerge-done", BALLAST_KSM_RUN_UNMERGE, TRUE, FALSE,
    { BALLAST_KSM_SET_RUN, BALLAST_KSM_RUN_UNMERGE }, "", FALSE, FALSE },
  /* merge_across_nodes with pages merged: unmerge first, nothing else
   * that depends on it, come back next cycle. */
  { "nodes-merged", -1, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_PAGES_TO_SCAN,
      BALLAST_KSM_RUN_MERGE, 200, 0, FALSE }, "run 0 -> 2, pages_to_scan 100 -> 200", TRUE, TRUE },
  /* ksmd running: it could merge between read and write, unmerge first. */
  { "nodes-running", 1, TRUE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES, BALLAST_KSM_RUN_MERGE, 0, 0, FALSE },
    "run 1 -> 2", TRUE, TRUE },
  /* The next cycle: run reads 2, nothing merged: switch, then restore. */
  { "nodes-unmerged", BALLAST_KSM_RUN_UNMERGE, TRUE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_PAGES_TO_SCAN,
      BALLAST_KSM_RUN_MERGE, 200, 0, FALSE },
    "merge_across_nodes 1 -> 0, pages_to_scan 100 -> 200, run 2 -> 1", FALSE, FALSE },
  /* run reads 2 but pages are still shared: the unmerge was cut short. */
  { "nodes-unmerge-interrupted", BALLAST_KSM_RUN_UNMERGE, FALSE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES, BALLAST_KSM_RUN_MERGE, 0, 0, FALSE },
    "run 2 -> 2", TRUE, TRUE },
  /* Stopped with nothing merged: the switch is allowed straight away. */
  { "nodes-stopped-empty", BALLAST_KSM_RUN_STOP, TRUE, FALSE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES, BALLAST_KSM_RUN_STOP, 0, 0, FALSE },
    "merge_across_nodes 1 -> 0", FALSE, FALSE },
  /* The advisor owns pages_to_scan, but an unchanged value is fine. */
  { "advisor-unchanged", -1, FALSE, TRUE,
    { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN, BALLAST_KSM_RUN_MERGE, 100 },
    "run 0 -> 1", FALSE, FALSE },
};

static void
test_plan (gconstpointer data)
{
  const PlanCase *c = data;
  BallastKsmState state = capture_state ();
  if (c->run >= 0)
    state.run = (BallastKsmRun) c->run;
  if (c->unmerged)
    state.pages_shared = state.pages_sharing = 0;
  if (c->advisor_scan_time)
    state.advisor_mode = BALLAST_KSM_ADVISOR_SCAN_TIME;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (&state, &c->wanted, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plan);
  g_autofree char *text = plan_text (plan);
  g_assert_cmpstr (text, ==, c->writes);
  g_assert_cmpint (plan->pending_unmerge, ==, c->pending);
  g_assert_cmpint (plan->blocking, ==, c->blocking);
}

static void
test_plan_refused (void)
{
  BallastKsmState capture = capture_state ();
  BallastKsmState minimal = capture;
  minimal.present = BALLAST_KSM_REQUIRED_FILES;
  BallastKsmState advisor = capture;
  advisor.advisor_mode = BALLAST_KSM_ADVISOR_SCAN_TIME;
  const struct {
    const BallastKsmState *state;
    BallastKsmTunables wanted;
    int code;
    const char *message;
  } cases[] = {
    { &minimal, { BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES, 1, 0, 0, FALSE },
      BALLAST_ERROR_UNSUPPORTED, "cannot set KSM merge_across_nodes: this kernel has no such file" },
    { &minimal, { BALLAST_KSM_SET_USE_ZERO_PAGES, 0, 0, 0, FALSE, TRUE },
      BALLAST_ERROR_UNSUPPORTED, "cannot set KSM use_zero_pages" },
    { &capture, { BALLAST_KSM_SET_MERGE_ACROSS_NODES, 0, 0, 0, FALSE },
      BALLAST_ERROR_INVALID, "say which run to restore" },
    { &capture, { BALLAST_KSM_SET_RUN, 3 }, BALLAST_ERROR_INVALID, "KSM run must be 0, 1 or 2, not 3" },
    { &advisor, { BALLAST_KSM_SET_PAGES_TO_SCAN, 0, 500 }, BALLAST_ERROR_INVALID,
      "the kernel's scan-time advisor sets it" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (cases[i].state, &cases[i].wanted, &error);
      g_assert_null (plan);
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' lacks '%s'", i, error->message, cases[i].message);
    }
}

/* ---- Writing to a scratch tree ---- */

static char *
ksm_file (const char *root, const char *name)
{
  g_autofree char *relative = g_build_filename ("sys/kernel/mm/ksm", name, NULL);
  return scratch_read (root, relative);
}

static void
test_write_only_changes (void)
{
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmState state;
  g_assert_true (ballast_ksm_read (paths, &state, NULL));

  /* A value ballast would not write (pages_to_scan already 100) is marked
   * so a write would show: it must survive. */
  scratch_write (root, "sys/kernel/mm/ksm/pages_to_scan", "100 untouched\n", -1);
  BallastKsmTunables wanted = {
    .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS,
    .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 100, .sleep_millisecs = 40,
  };
  g_autoptr(GPtrArray) changed = NULL;
  gboolean pending = TRUE;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_write (paths, &state, &wanted, &changed, &pending, &error));
  g_assert_no_error (error);
  g_assert_false (pending);
  g_assert_cmpuint (changed->len, ==, 2);
  g_assert_cmpstr (changed->pdata[0], ==, "sleep_millisecs 20 -> 40");
  g_assert_cmpstr (changed->pdata[1], ==, "run 0 -> 1");
  g_autofree char *run = ksm_file (root, "run");
  g_autofree char *sleep = ksm_file (root, "sleep_millisecs");
  g_autofree char *pages = ksm_file (root, "pages_to_scan");
  g_assert_cmpstr (run, ==, "1\n");
  g_assert_cmpstr (sleep, ==, "40\n");
  g_assert_cmpstr (pages, ==, "100 untouched\n");
  scratch_remove_tree (root);
}

/* merge_across_nodes across two cycles, the scratch tree standing in for
 * the kernel: cycle 1 unmerges, the "kernel" empties the tree, cycle 2
 * switches and restores run. */
static void
test_write_merge_across_nodes (void)
{
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  scratch_write (root, "sys/kernel/mm/ksm/run", "1\n", -1);
  BallastKsmTunables wanted = {
    .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES,
    .run = BALLAST_KSM_RUN_MERGE, .merge_across_nodes = FALSE,
  };

  BallastKsmState state;
  g_assert_true (ballast_ksm_read (paths, &state, NULL));
  g_autoptr(GPtrArray) first = NULL;
  gboolean pending = FALSE;
  g_assert_true (ballast_ksm_write (paths, &state, &wanted, &first, &pending, NULL));
  g_assert_true (pending);
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpstr (first->pdata[0], ==, "run 1 -> 2");
  g_autofree char *nodes = ksm_file (root, "merge_across_nodes");
  g_assert_cmpstr (nodes, ==, "1\n");

  /* What the kernel does inside the run=2 write. */
  scratch_write (root, "sys/kernel/mm/ksm/pages_shared", "0\n", -1);
  scratch_write (root, "sys/kernel/mm/ksm/pages_sharing", "0\n", -1);

  g_assert_true (ballast_ksm_read (paths, &state, NULL));
  g_autoptr(GPtrArray) second = NULL;
  g_assert_true (ballast_ksm_write (paths, &state, &wanted, &second, &pending, NULL));
  g_assert_false (pending);
  g_assert_cmpuint (second->len, ==, 2);
  g_assert_cmpstr (second->pdata[0], ==, "merge_across_nodes 1 -> 0");
  g_assert_cmpstr (second->pdata[1], ==, "run 2 -> 1");

  /* The third cycle has nothing left to do. */
  g_assert_true (ballast_ksm_read (paths, &state, NULL));
  g_assert_false (state.merge_across_nodes);
  g_assert_cmpint (state.run, ==, BALLAST_KSM_RUN_MERGE);
  g_autoptr(GPtrArray) third = NULL;
  g_assert_true (ballast_ksm_write (paths, &state, &wanted, &third, &pending, NULL));
  g_assert_cmpuint (third->len, ==, 0);
  scratch_remove_tree (root);
}

static void
test_write_failure (void)
{
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  BallastKsmState state;
  g_assert_true (ballast_ksm_read (paths, &state, NULL));
  /* sleep_millisecs becomes a directory: its write fails with EISDIR;
   * the one before it is made, the ones after it are not. */
  g_autofree char *sleep = g_build_filename (root, "sys/kernel/mm/ksm/sleep_millisecs", NULL);
  g_assert_cmpint (g_remove (sleep), ==, 0);
  g_assert_cmpint (g_mkdir (sleep, 0755), ==, 0);
  BallastKsmTunables wanted = {
    .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS,
    .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 300, .sleep_millisecs = 40,
  };
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_ksm_write (paths, &state, &wanted, &changed, NULL, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  scratch_assert_mentions (error->message, (const char *const[]) { "40", sleep, "directory", NULL });
  g_assert_cmpuint (changed->len, ==, 1);
  g_assert_cmpstr (changed->pdata[0], ==, "pages_to_scan 100 -> 300");
  g_autofree char *run = ksm_file (root, "run");
  g_assert_cmpstr (run, ==, "0\n");

  /* A file the kernel does not have is never created. */
  g_autofree char *zero = g_build_filename (root, "sys/kernel/mm/ksm/use_zero_pages", NULL);
  g_assert_cmpint (g_remove (zero), ==, 0);
  g_autoptr(BallastKsmWritePlan) plan = g_new0 (BallastKsmWritePlan, 1);
  plan->writes = g_array_new (FALSE, FALSE, sizeof (BallastKsmWrite));
  BallastKsmWrite w = { BALLAST_KSM_SET_USE_ZERO_PAGES, 0, 1 };
  g_array_append_val (plan->writes, w);
  guint done = 99;
  g_clear_error (&error);
  g_assert_false (ballast_ksm_apply (paths, plan, &done, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_cmpuint (done, ==, 0);
  g_assert_false (g_file_test (zero, G_FILE_TEST_EXISTS));
  scratch_remove_tree (root);
}

/* ---- libvirt ---- */

static void
test_libvirt_state (void)
{
  virTypedParameter params[] = {
    { VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN, VIR_TYPED_PARAM_UINT, { .ui = 100 } },
    { VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS, VIR_TYPED_PARAM_UINT, { .ui = 20 } },
    { VIR_NODE_MEMORY_SHARED_PAGES_SHARED, VIR_TYPED_PARAM_ULLONG, { .ul = 83 } },
    { VIR_NODE_MEMORY_SHARED_PAGES_SHARING, VIR_TYPED_PARAM_ULLONG, { .ul = 3770 } },
    { VIR_NODE_MEMORY_SHARED_PAGES_UNSHARED, VIR_TYPED_PARAM_ULLONG, { .ul = 6002 } },
    { VIR_NODE_MEMORY_SHARED_PAGES_VOLATILE, VIR_TYPED_PARAM_ULLONG, { .ul = 15863 } },
    { VIR_NODE_MEMORY_SHARED_FULL_SCANS, VIR_TYPED_PARAM_ULLONG, { .ul = 1 } },
    { VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES, VIR_TYPED_PARAM_UINT, { .ui = 1 } },
    { "shm_something_newer", VIR_TYPED_PARAM_STRING, { .s = (char *) "ignored" } },
  };
  BallastKsmState state = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_state_from_libvirt (params, G_N_ELEMENTS (params), &state, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (state.present, ==, (BALLAST_KSM_REQUIRED_FILES & ~BALLAST_KSM_HAS_RUN)
                                       | BALLAST_KSM_HAS_MERGE_ACROSS_NODES);
  g_assert_cmpuint (state.pages_to_scan, ==, 100);
  g_assert_cmpuint (state.sleep_millisecs, ==, 20);
  g_assert_cmpuint (state.pages_sharing, ==, 3770);
  g_assert_cmpuint (state.pages_volatile, ==, 15863);
  g_assert_true (state.merge_across_nodes);
  /* The same figures as the sysfs capture, but for run and the newer files. */
  BallastKsmState capture = capture_state ();
  g_assert_cmpuint (ballast_ksm_rmap_items (&state), ==, ballast_ksm_rmap_items (&capture));

  /* Wrong types, missing figures, out of range. */
  params[2].type = VIR_TYPED_PARAM_UINT;
  g_assert_false (ballast_ksm_state_from_libvirt (params, G_N_ELEMENTS (params), &state, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "shm_pages_shared"));
  params[2].type = VIR_TYPED_PARAM_ULLONG;
  g_clear_error (&error);
  g_assert_false (ballast_ksm_state_from_libvirt (params, 3, &state, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_clear_error (&error);
  params[7].value.ui = 2;
  g_assert_false (ballast_ksm_state_from_libvirt (params, G_N_ELEMENTS (params), &state, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
}

static gboolean
find_uint (virTypedParameterPtr params, int n, const char *name, unsigned int *ret_value)
{
  return virTypedParamsGetUInt (params, n, name, ret_value) == 1;
}

static void
test_libvirt_tunables (void)
{
  BallastKsmState state = capture_state ();
  state.present &= ~BALLAST_KSM_HAS_RUN;
  BallastKsmTunables wanted = {
    .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS
           | BALLAST_KSM_SET_MERGE_ACROSS_NODES | BALLAST_KSM_SET_USE_ZERO_PAGES,
    .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 250, .sleep_millisecs = 20,
    .merge_across_nodes = FALSE, .use_zero_pages = TRUE,
  };
  virTypedParameterPtr params = NULL;
  int n = -1;
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_ksm_tunables_to_libvirt (&state, &wanted, &params, &n, &skipped, &error));
  g_assert_no_error (error);
  /* Only pages_to_scan changed and can be set; sleep is unchanged. */
  g_assert_cmpint (n, ==, 1);
  unsigned int value = 0;
  g_assert_true (find_uint (params, n, VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN, &value));
  g_assert_cmpuint (value, ==, 250);
  virTypedParamsFree (params, n);
  g_assert_cmpuint (skipped->len, ==, 3);
  g_assert_nonnull (strstr (skipped->pdata[0], "libvirt cannot start or stop ksmd"));
  g_assert_nonnull (strstr (skipped->pdata[1], "use_zero_pages"));
  g_assert_nonnull (strstr (skipped->pdata[2], "cannot unmerge"));

  /* Nothing merged: merge_across_nodes can go through libvirt. */
  state.pages_shared = state.pages_sharing = 0;
  wanted.set = BALLAST_KSM_SET_MERGE_ACROSS_NODES;
  g_clear_pointer (&skipped, g_ptr_array_unref);
  g_assert_true (ballast_ksm_tunables_to_libvirt (&state, &wanted, &params, &n, &skipped, NULL));
  g_assert_cmpint (n, ==, 1);
  g_assert_true (find_uint (params, n, VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES, &value));
  g_assert_cmpuint (value, ==, 0);
  virTypedParamsFree (params, n);
  g_assert_cmpuint (skipped->len, ==, 0);

  /* Nothing to change: no parameters at all. */
  wanted.set = BALLAST_KSM_SET_SLEEP_MILLISECS;
  g_assert_true (ballast_ksm_tunables_to_libvirt (&state, &wanted, &params, &n, NULL, NULL));
  g_assert_null (params);
  g_assert_cmpint (n, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* virTypedParamsAdd*() keep their errors in libvirt's thread-local
   * storage, which virInitialize() sets up. */
  ballast_libvirt_init ();
  g_test_add_func ("/ksm/capture", test_capture);
  g_test_add_func ("/ksm/tree-6.x-is-the-capture", test_tree_6x_is_the_capture);
  g_test_add_func ("/ksm/tree-6.1-without-newer-files", test_tree_6_1);
  g_test_add_func ("/ksm/tree-minimal", test_tree_minimal);
  g_test_add_func ("/ksm/hostile-trees", test_hostile_trees);
  g_test_add_func ("/ksm/hostile-files", test_hostile_files);
  g_test_add_func ("/ksm/parse-file-value", test_parse_file_value);
  g_test_add_func ("/ksm/capture-hostile", test_capture_hostile);
  g_test_add_func ("/ksm/real-host-read-only", test_real_host);
  for (gsize i = 0; i < G_N_ELEMENTS (plan_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ksm/plan/%s", plan_cases[i].name);
      g_test_add_data_func (name, &plan_cases[i], test_plan);
    }
  g_test_add_func ("/ksm/plan-refused", test_plan_refused);
  g_test_add_func ("/ksm/write-only-changes", test_write_only_changes);
  g_test_add_func ("/ksm/write-merge-across-nodes", test_write_merge_across_nodes);
  g_test_add_func ("/ksm/write-failure", test_write_failure);
  g_test_add_func ("/ksm/libvirt-state", test_libvirt_state);
  g_test_add_func ("/ksm/libvirt-tunables", test_libvirt_tunables);
  return g_test_run ();
}
