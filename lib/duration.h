/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest duration anything in ballast takes: a year and a day. */
#define BALLAST_DURATION_MAX_MSEC (G_GUINT64_CONSTANT (366) * 24 * 3600 * 1000)

/* The one duration grammar of ballast: ballastd's configuration and
 * command line, `ballastctl top --delay` and the simulator's scenarios.
 * A decimal number, then at once an optional unit: "ms", "s", "m" or
 * "min", "h", "d"; a bare number is seconds ("5", "0.5", "250ms", "1.5m",
 * "2h"). Exact, without floating point: at most millisecond precision
 * ("1.5ms" and "0.0001s" are refused) and no sign, exponent, leading or
 * trailing dot, or blank anywhere. Errors: BALLAST_ERROR_PARSE "'TEXT' is
 * not a duration ...", or BALLAST_ERROR_RANGE past
 * BALLAST_DURATION_MAX_MSEC; *RET_MSEC is left alone on error. */
gboolean ballast_duration_parse_msec (const char *text, guint64 *ret_msec, GError **error);

/* An interval between cycles or screen refreshes: a duration from 10 ms to
 * a day. TEXT is stripped of blanks at both ends first (a configuration
 * file's value). Errors name it: "interval 'TEXT' ...". */
gboolean ballast_interval_parse_msec (const char *text, guint *ret_msec, GError **error);

G_END_DECLS
