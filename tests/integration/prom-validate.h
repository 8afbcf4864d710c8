/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Check TEXT against Prometheus' text exposition format (0.0.4), as
 * strictly as a scraper would: every sample "name{labels} value" with a
 * metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*, label names matching
 * [a-zA-Z_][a-zA-Z0-9_]*, label values with only the \\ \" \n escapes, a
 * number (or NaN/+Inf/-Inf) for value; a TYPE line for its family before
 * its first sample; a family's samples together; no series twice; HELP
 * and TYPE at most once per family; counters not negative; a final
 * newline. On failure ERROR names the line and what is wrong. */
gboolean prom_validate (const char *text, GError **error);

G_END_DECLS
