/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

G_BEGIN_DECLS

/* Text renderings of the control methods' JSON results, shared by
 * `ballastctl` and `ballastd --once` so both print the same thing. They
 * read what is there and print "-" for what is missing or null, so an
 * older or newer daemon never makes them crash. */

/* An aligned table in virsh's style: header, dashes, rows. */
typedef struct _BallastTable BallastTable;
BallastTable *ballast_table_new (const char *const *headers);
void ballast_table_add_row (BallastTable *table, const char *const *cells);
char *ballast_table_free_to_string (BallastTable *table);

/* "status" result as "Key:   value" lines. */
char *ballast_render_status (json_object *status);
/* "list" result as a table; WIDE adds rss, need and pressure columns. */
char *ballast_render_list (json_object *list, gboolean wide);
/* One domain (an element of "list", or "dominfo") as "Key:   value" lines. */
char *ballast_render_domain (json_object *domain);
/* "domhistory" result as a table. */
char *ballast_render_history (json_object *history);

/* The "ksm" object of "status" in one line: "auto (policy), running (host
 * short), saving 1.2 GiB, ksmd 4.1% CPU of 10.0%, 850 pages per 10 ms". */
char *ballast_render_ksm_summary (json_object *ksm);
/* "ksm" result: the summary, policy, decision, counters and a table of the
 * running guests' KSM figures. */
char *ballast_render_ksm (json_object *report);

/* A KiB figure from JSON formatted for people ("512.0 MiB"), or "-". */
char *ballast_render_kib (json_object *object, const char *key);

G_END_DECLS
