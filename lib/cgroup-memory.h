/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "path-context.h"

G_BEGIN_DECLS

typedef enum {
  BALLAST_CGROUP_V1 = 1,
  BALLAST_CGROUP_V2 = 2,
} BallastCgroupVersion;

/* The memory budget of the cgroup that holds the guests (libvirt's machine
 * partition), in KiB. */
typedef struct {
  BallastCgroupVersion version;
  gboolean limited;            /* FALSE: no limit set ("max", or v1's huge value) */
  guint64 limit_kib;           /* meaningful when limited */
  guint64 usage_kib;           /* memory.usage_in_bytes / memory.current */
  guint64 inactive_file_kib;   /* page cache the kernel would drop first */
  guint64 working_set_kib;     /* usage minus inactive file cache */
  guint64 swap_kib;            /* the guests' memory the limit pushed out to swap:
                                * v1 memory.stat total_swap, v2 memory.swap.current;
                                * 0 without swap accounting */
} BallastCgroupMemory;

/* Look up KEY in the text of a cgroup memory.stat ("key value" lines).
 * Returns FALSE with BALLAST_ERROR_MISSING when absent. */
gboolean ballast_cgroup_stat_lookup (const char *text, const char *key,
                                     guint64 *ret_value, GError **error);

/* Parse the text of a cgroup limit file: a byte count, or "max" (v2).
 * v1 reports "no limit" as a huge number near 2^63; both mean unlimited. */
gboolean ballast_cgroup_limit_parse (const char *text, gboolean *ret_limited,
                                     guint64 *ret_limit_bytes, GError **error);

/* Find the guests' cgroup directory. PARTITION is a path below the
 * hierarchy root ("machine", "machine.slice", "/custom/path"); NULL tries
 * libvirt's defaults, "machine.slice" then "machine". v2 is detected by
 * cgroup.controllers at the root, v1 uses the "memory" controller dir. */
gboolean ballast_cgroup_memory_locate (const BallastPaths *paths, const char *partition,
                                       char **ret_dir, BallastCgroupVersion *ret_version,
                                       GError **error);

/* Read the budget of the cgroup at DIR. */
gboolean ballast_cgroup_memory_read (const char *dir, BallastCgroupVersion version,
                                     BallastCgroupMemory *ret_memory, GError **error);

G_END_DECLS
