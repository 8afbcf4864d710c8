/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "path-context.h"

G_BEGIN_DECLS

/* The few /proc/meminfo figures ballast uses, in KiB. */
typedef struct {
  guint64 mem_total_kib;
  guint64 mem_free_kib;
  guint64 mem_available_kib; /* the kernel's estimate, counts reclaimable cache */
  guint64 swap_total_kib;
  guint64 swap_free_kib;
  guint64 zswap_kib;         /* zswap's pool: compressed swap held in RAM */
  guint64 zswapped_kib;      /* what that pool holds, uncompressed */
} BallastMeminfo;

/* Parse the text of /proc/meminfo. MemTotal and MemAvailable are required
 * (MemAvailable exists since Linux 3.14); unknown lines are ignored because
 * kernels keep adding them. On error names the line and returns FALSE. */
gboolean ballast_meminfo_parse (const char *text, BallastMeminfo *ret_meminfo,
                                GError **error);

/* Read PATHS->proc_dir/meminfo. */
gboolean ballast_meminfo_read (const BallastPaths *paths, BallastMeminfo *ret_meminfo,
                               GError **error);

G_END_DECLS
