/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "cgroup-memory.h"
#include "path-context.h"

G_BEGIN_DECLS

/* Kernel notifications that the host is running short, so ballastd reacts
 * at once instead of at its next cycle:
 *  - a PSI trigger on PATHS->proc_dir/pressure/memory (the whole host);
 *  - for a cgroup budget, a PSI trigger on the cgroup's memory.pressure (v2),
 *    or on v1 an eventfd on memory.pressure_level ("medium") and on
 *    memory.usage_in_bytes crossing a threshold (set to the budget minus
 *    the reserve, where the allocator would start to reclaim).
 * Each that the kernel refuses is logged at debug and simply not used:
 * the fixed cycle still runs. All on the main loop; nothing blocks. */

typedef void (*BallastPressureCallback) (const char *source, gpointer user_data);

typedef struct _BallastPressureWatch BallastPressureWatch;

/* CGROUP_DIR may be NULL (budget from meminfo). */
BallastPressureWatch *ballast_pressure_watch_new (const BallastPaths *paths, const char *cgroup_dir,
                                                  BallastCgroupVersion cgroup_version,
                                                  BallastPressureCallback callback,
                                                  gpointer user_data);
void ballast_pressure_watch_free (BallastPressureWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastPressureWatch, ballast_pressure_watch_free)

/* v1 only: (re)arm the usage threshold; 0 disarms. Cheap when unchanged. */
void ballast_pressure_watch_set_usage_threshold (BallastPressureWatch *watch, guint64 usage_kib);

/* A short description of what is armed, for the log and status
 * ("psi:/proc/pressure/memory, cgroup usage threshold"). */
char *ballast_pressure_watch_describe (BallastPressureWatch *watch);

G_END_DECLS
