/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cgroup-memory.h"
#include "daemon-config.h"
#include "meminfo.h"
#include "path-context.h"
#include "psi.h"
#include "vmstat.h"

G_BEGIN_DECLS

/* The host side of one cycle: what the readers found, and the budget the
 * allocator works against. */
typedef struct {
  BallastMeminfo meminfo;
  gboolean has_psi;
  BallastPsi psi;
  gboolean has_cgroup;
  BallastCgroupMemory cgroup;
  BallastBudgetSource budget_source;
  guint64 budget_total_kib;      /* what the guests may use in all */
  guint64 budget_available_kib;  /* of that, what is free or cheaply reclaimable */
  guint64 budget_overflow_kib;   /* guest memory the budget pushed out to swap
                                  * (a limited cgroup only) */
  gboolean has_vmstat;           /* /proc/vmstat's swap counters were read */
  BallastVmstat vmstat;
  gboolean has_swap_in_rate;     /* the daemon's, from two snapshots */
  guint64 swap_in_kib_per_sec;   /* the host reading pages back from swap */
} BallastHostSnapshot;

/* Read meminfo (required), PSI (optional: absent on some kernels) and, for
 * the cgroup budget, the guests' cgroup at CGROUP_DIR (located beforehand
 * with ballast_cgroup_memory_locate()). With a cgroup budget the figures
 * are the tighter of the cgroup's and the whole host's: a limit above the
 * host's memory does not make memory appear. */
gboolean ballast_host_snapshot_read (const BallastPaths *paths, BallastBudgetSource source,
                                     const char *cgroup_dir, BallastCgroupVersion cgroup_version,
                                     BallastHostSnapshot *ret_snapshot, GError **error);

G_END_DECLS
