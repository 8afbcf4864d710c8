/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "status-report.h"

G_BEGIN_DECLS

/* Text renderings, the third serializer of the status report
 * (status-report.h), shared by `ballastctl` and `ballastd --once` so both
 * print the same thing: ballastd renders its typed reports, ballastctl
 * the JSON it got, read into the same reports first. They print "-" for
 * what is unknown, so an older or newer daemon never makes them crash. */

/* An aligned table in virsh's style: header, dashes, rows. */
typedef struct _BallastTable BallastTable;
BallastTable *ballast_table_new (const char *const *headers);
void ballast_table_add_row (BallastTable *table, const char *const *cells);
char *ballast_table_free_to_string (BallastTable *table);

/* The status as "Key:   value" lines. */
char *ballast_render_status_report (const BallastStatusReport *status);
char *ballast_render_status (json_object *status);
/* The slack's state in words: "short: reclaiming", "spare: giving back"
 * or "within band". */
const char *ballast_render_slack_state (const BallastStatusReport *status);
/* Domains (BallastDomainReport*) as a table; WIDE adds rss, need and
 * pressure columns. */
char *ballast_render_domain_reports (GPtrArray *domains, gboolean wide);
char *ballast_render_list (json_object *list, gboolean wide);
/* One domain (an element of "list", or "dominfo") as "Key:   value" lines. */
char *ballast_render_domain_report (const BallastDomainReport *domain);
char *ballast_render_domain (json_object *domain);
/* "domhistory" result as a table. */
char *ballast_render_history (json_object *history);

/* Page sharing in one line, as `status` and `top` show it: "auto (policy),
 * running (host short), saving 1.2 GiB, ksmd 4.1% CPU of 10.0%, 850 pages
 * per 10 ms". */
char *ballast_render_ksm_summary (const BallastKsmReport *ksm);
/* "ksm" result: the summary, policy, decision, counters and a table of the
 * running guests' KSM figures. */
char *ballast_render_ksm_report (const BallastKsmReport *report);
char *ballast_render_ksm (json_object *report);

/* A KiB figure formatted for people ("512.0 MiB", "-1.5 GiB"), or "-"
 * when unknown; the second reads it from OBJECT's KEY. */
char *ballast_render_kib_figure (BallastFigure kib);
char *ballast_render_kib (json_object *object, const char *key);

G_END_DECLS
