/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "path-context.h"

G_BEGIN_DECLS

/* The /proc/vmstat counters ballast reads: the host's swap traffic, in
 * pages since boot. */
typedef struct {
  gboolean has_swap;    /* both counters were there */
  guint64 pswpin;       /* pages read back from swap */
  guint64 pswpout;      /* pages written out to swap */
} BallastVmstat;

/* Parse the text of /proc/vmstat ("name value" lines; unknown ones are
 * ignored, kernels keep adding them). Absent counters leave has_swap
 * FALSE; a counter that is not a number, or twice, fails naming its line. */
gboolean ballast_vmstat_parse (const char *text, BallastVmstat *ret_vmstat, GError **error);

/* Read PATHS->proc_dir/vmstat. */
gboolean ballast_vmstat_read (const BallastPaths *paths, BallastVmstat *ret_vmstat, GError **error);

G_END_DECLS
