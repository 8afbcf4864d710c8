/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Strict unsigned decimal: digits only (no sign, no spaces, no suffix), no
 * overflow. Kernel and libvirt counters are all of this form; anything else
 * is a sign the input is not what we think it is. */
gboolean ballast_parse_u64 (const char *text, gsize length, guint64 *ret_value);

/* Read a whole pseudo-file into memory. Files under /proc and /sys report
 * size 0, so this reads until EOF, up to MAX_BYTES (an error beyond). */
gboolean ballast_read_small_file (const char *path, gsize max_bytes,
                                  char **ret_contents, GError **error);

/* Read a file that holds one unsigned decimal number (sysfs, cgroup). */
gboolean ballast_read_u64_file (const char *path, guint64 *ret_value, GError **error);

G_END_DECLS
