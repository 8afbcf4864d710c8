/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The KSM sysfs tree (/sys/kernel/mm/ksm): the bytes as the value of each
 * file ballast knows (ballast_ksm_parse_file_value()) and as a capture of
 * "name=value" lines (ballast_ksm_parse_capture()); a state that parses is
 * then planned against (ballast_ksm_plan_writes(), pure), as the KSM
 * manager does every cycle with a fresh read. */
#include "fuzz.h"

#include "ksm.h"

static const char *const files[] = {
  "run", "pages_to_scan", "sleep_millisecs", "pages_shared", "pages_sharing",
  "pages_unshared", "pages_volatile", "full_scans", "merge_across_nodes", "use_zero_pages",
  "max_page_sharing", "stable_node_chains", "stable_node_dups",
  "stable_node_chains_prune_millisecs", "general_profit", "ksm_zero_pages", "pages_scanned",
  "pages_skipped", "smart_scan", "advisor_mode", "advisor_max_cpu", "advisor_target_scan_time",
  "advisor_min_pages_to_scan", "advisor_max_pages_to_scan", "not_a_ksm_file",
};

static void
plan (const BallastKsmState *state)
{
  static const BallastKsmTunables wanted[] = {
    { .set = BALLAST_KSM_SET_RUN, .run = BALLAST_KSM_RUN_MERGE },
    { .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS,
      .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 1250, .sleep_millisecs = 20 },
    { .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_MERGE_ACROSS_NODES,
      .run = BALLAST_KSM_RUN_MERGE, .merge_across_nodes = FALSE },
    { .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_USE_ZERO_PAGES,
      .run = BALLAST_KSM_RUN_STOP, .use_zero_pages = TRUE },
    { .set = BALLAST_KSM_SET_RUN, .run = BALLAST_KSM_RUN_UNMERGE },
  };
  (void) ballast_ksm_saved_pages (state);
  (void) ballast_ksm_rmap_items (state);
  for (gsize i = 0; i < G_N_ELEMENTS (wanted); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastKsmWritePlan) writes = ballast_ksm_plan_writes (state, &wanted[i], &error);
      fuzz_check_result ("ballast_ksm_plan_writes", writes != NULL, error);
      if (writes == NULL)
        continue;
      for (guint j = 0; j < writes->writes->len; j++)
        g_free (ballast_ksm_write_describe (&g_array_index (writes->writes, BallastKsmWrite, j)));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);

  /* A full state from a known-good capture, so that one file's value can
   * be planned against like a real read. */
  BallastKsmState state = {
    .present = BALLAST_KSM_REQUIRED_FILES | BALLAST_KSM_HAS_MERGE_ACROSS_NODES
               | BALLAST_KSM_HAS_USE_ZERO_PAGES,
    .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 100, .sleep_millisecs = 20,
    .merge_across_nodes = TRUE,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      BallastKsmState one = state;
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_ksm_parse_file_value (files[i], text, &one, &error);
      fuzz_check_result ("ballast_ksm_parse_file_value", ok, error);
      if (ok)
        plan (&one);
    }

  BallastKsmState captured;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_ksm_parse_capture (text, "fuzz capture", &captured, &error);
  fuzz_check_result ("ballast_ksm_parse_capture", ok, error);
  if (ok)
    {
      fuzz_assert ((captured.present & BALLAST_KSM_REQUIRED_FILES) == BALLAST_KSM_REQUIRED_FILES);
      plan (&captured);
    }
  return 0;
}
