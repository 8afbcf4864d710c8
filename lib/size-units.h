/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Sizes inside ballast are KiB in a guint64, as in libvirt's APIs. */

/* Bytes per unit for a libvirt unit name: "b"/"bytes", "KB" (1000),
 * "k"/"KiB" (1024), "MB", "M"/"MiB", "GB", "G"/"GiB", "TB", "T"/"TiB",
 * "PB", "P"/"PiB". A NULL or empty unit means KiB, libvirt's default. */
gboolean ballast_unit_bytes (const char *unit, guint64 *ret_bytes, GError **error);

/* VALUE in UNIT as KiB, rounded up like libvirt rounds memory sizes.
 * Fails with BALLAST_ERROR_RANGE on overflow. */
gboolean ballast_size_to_kib (guint64 value, const char *unit, guint64 *ret_kib,
                              GError **error);

/* A size as an operator types it: "512M", "1.5G", "2 GiB", "1048576"
 * (bare numbers are DEFAULT_UNIT, which is "KiB" when NULL, as in virsh).
 * At most 3 decimal places. */
gboolean ballast_size_parse_kib (const char *text, const char *default_unit,
                                 guint64 *ret_kib, GError **error);

/* "512.0 MiB", "1.5 GiB", "100 KiB": one decimal, binary units. */
char *ballast_size_format_kib (guint64 kib);

/* Either an absolute size or a share of something (the host, a guest's
 * maximum), as used for reserves and minimums. */
typedef struct {
  gboolean is_relative;
  guint64 kib;      /* when !is_relative */
  guint permille;   /* when is_relative: 0..1000 */
} BallastAmount;

/* "1G", "512MiB" or "10%" (integer percent, 0..100). */
gboolean ballast_amount_parse (const char *text, BallastAmount *ret_amount,
                               GError **error);
/* The amount resolved against WHOLE_KIB. */
guint64 ballast_amount_resolve_kib (const BallastAmount *amount, guint64 whole_kib);
char *ballast_amount_format (const BallastAmount *amount);

/* An integer percent "25" or "25%" (0..MAX_PERCENT) as permille. */
gboolean ballast_percent_parse_permille (const char *text, guint max_percent,
                                         guint *ret_permille, GError **error);

G_END_DECLS
