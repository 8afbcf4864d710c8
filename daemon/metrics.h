/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "daemon-view.h"

G_BEGIN_DECLS

/* ballastd's figures in Prometheus' text exposition format (0.0.4): the
 * host's budget, every guest's balloon, and the daemon's own counters.
 * Names carry the "ballast_" prefix and base units (bytes, seconds), label
 * values are escaped, and each family comes with its HELP and TYPE lines.
 * The names are a stable interface, listed in ballastd(8). Returns owned
 * text. */
char *ballast_metrics_render (const BallastDaemonView *view);

/* Write ballast_metrics_render() to PATH for node-exporter's textfile
 * collector: to PATH.tmp first, then renamed over PATH, so the collector
 * never reads half a file. */
gboolean ballast_metrics_write_textfile (const BallastDaemonView *view, const char *path,
                                         GError **error);

G_END_DECLS
