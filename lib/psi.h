/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "path-context.h"

G_BEGIN_DECLS

/* One line of a PSI file. Averages are in hundredths of a percent
 * (avg10=12.34 is 1234), so 10000 means stalled all of the time. */
typedef struct {
  guint avg10_centipct;
  guint avg60_centipct;
  guint avg300_centipct;
  guint64 total_usec;
} BallastPsiLine;

typedef struct {
  BallastPsiLine some;
  BallastPsiLine full;
  gboolean has_full; /* "full" is absent on some kernels' files */
} BallastPsi;

/* Parse the text of /proc/pressure/memory:
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=0
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=0 */
gboolean ballast_psi_parse (const char *text, BallastPsi *ret_psi, GError **error);

/* Read PATHS->proc_dir/pressure/memory. Fails with BALLAST_ERROR_UNSUPPORTED
 * when the kernel has no PSI (file absent, or EOPNOTSUPP with psi=0). */
gboolean ballast_psi_read_memory (const BallastPaths *paths, BallastPsi *ret_psi,
                                  GError **error);

G_END_DECLS
