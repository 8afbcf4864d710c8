/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "path-context.h"

G_BEGIN_DECLS

/* KSM as one process (a guest's QEMU) sees it: /proc/PID/ksm_merging_pages
 * (Linux 5.19) and /proc/PID/ksm_stat (6.1, growing since). Kernels without
 * them, or a process without memory (a kernel thread, a zombie: the files
 * are then empty), give "not available", which is not an error. */

typedef enum {
  BALLAST_KSM_PROCESS_HAS_MERGING_PAGES = 1 << 0,  /* ksm_merging_pages (file or ksm_stat) */
  BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS = 1 << 1,     /* ksm_stat, 6.1 */
  BALLAST_KSM_PROCESS_HAS_ZERO_PAGES = 1 << 2,     /* ksm_stat, 6.x */
  BALLAST_KSM_PROCESS_HAS_PROFIT = 1 << 3,         /* ksm_stat, 6.4 */
  BALLAST_KSM_PROCESS_HAS_MERGE_ANY = 1 << 4,      /* ksm_stat, newer kernels */
  BALLAST_KSM_PROCESS_HAS_MERGEABLE = 1 << 5,      /* ksm_stat, newer kernels */
} BallastKsmProcessField;

typedef struct {
  guint present;              /* BallastKsmProcessField bits; 0: not available */
  guint64 merging_pages;      /* pages of this process mapped to a KSM page */
  guint64 rmap_items;         /* pages KSM tracks for it (each costs an rmap item) */
  guint64 zero_pages;         /* empty pages mapped to the zero page by KSM */
  gint64 process_profit_bytes; /* the kernel's estimate; may be < 0 */
  gboolean merge_any;         /* prctl(PR_SET_MEMORY_MERGE): all of it is mergeable */
  gboolean mergeable;         /* any of its memory is registered with KSM */
} BallastKsmProcess;

/* Parse the text of /proc/PID/ksm_stat, whose lines are "name value" or,
 * for the yes/no ones, "name: value":
 *   ksm_rmap_items 41216
 *   ksm_zero_pages 512
 *   ksm_merging_pages 18944
 *   ksm_process_profit 77053952
 *   ksm_merge_any: no
 *   ksm_mergeable: yes
 * Unknown lines are skipped (kernels add them); a known one twice or with a
 * bad value fails, naming the line. Empty text: nothing present, TRUE. */
gboolean ballast_ksm_process_parse_stat (const char *text, BallastKsmProcess *ret_process,
                                         GError **error);

/* Read /proc/PID/ksm_stat and, on kernels without ksm_merging_pages in it,
 * /proc/PID/ksm_merging_pages. RET_PROCESS->present is 0 when the kernel
 * has neither. Fails with BALLAST_ERROR_MISSING when the process is gone,
 * and with the file and line when a file is malformed. */
gboolean ballast_ksm_process_read (const BallastPaths *paths, pid_t pid,
                                   BallastKsmProcess *ret_process, GError **error);

/* The pages KSM saves through this process, as the kernel counts them for
 * ksm_process_profit: merging_pages + zero_pages. One of the processes
 * mapping a KSM page holds the page itself, so summed over all guests this
 * is an upper bound of what the host saves; the host figure is
 * ballast_ksm_saved_pages(). */
guint64 ballast_ksm_process_merged_pages (const BallastKsmProcess *process);

G_END_DECLS
