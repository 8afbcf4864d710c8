/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "figure.h"

#include <glib.h>
#include <json.h>

G_BEGIN_DECLS

/* Page sharing as typed records: what ballastd knows and decided about KSM
 * (the "ksm" object of `status`, the `ksm` and `ksm-set` results) and one
 * guest's share of it (the "ksm" object of a domain in `list`, `dominfo`,
 * and the `ksm` result's "guests"). Built by daemon/ksm-manager.c, written
 * out as JSON here, as Prometheus' text format by daemon/metrics.c and as
 * tables by lib/report-render.c. The JSON field names are the documented
 * interface (docs/ballastctl.1, "JSON OUTPUT").
 *
 * Strings are borrowed from whatever the report was built from (the KSM
 * manager, or the JSON for ballastctl), except where a field says it is
 * owned. A flag that may be unknown (a sysfs file this kernel lacks) is a
 * BallastFigure of 0 or 1: a JSON boolean, or null. */

/* What `ksm-set` put over the policy; a figure is unknown when not set. */
typedef struct {
  const char *mode;
  BallastFigure pages_to_scan_min;
  BallastFigure pages_to_scan_max;
  BallastFigure sleep_millisecs;
  BallastFigure cpu_budget_permille;
  BallastFigure merge_across_nodes; /* flag */
  BallastFigure use_zero_pages;     /* flag */
} BallastKsmOverrideReport;

typedef struct {
  const char *name;             /* in the `ksm` result only; NULL in a domain's */
  const char *share;            /* shareable, nosharepages, excluded */
  BallastFigure qemu_pid;
  BallastFigure merged_pages;
  BallastFigure merged_kib;
  BallastFigure profit_bytes;   /* may be negative */
  BallastFigure rmap_items;
  BallastFigure mergeable;      /* flag */
} BallastGuestKsmReport;

typedef struct {
  gboolean available;
  const char *unavailable_reason;
  const char *source;           /* "sysfs" or "libvirt" */
  const char *mode;
  const char *mode_source;
  const char *tenancy;
  char *policy;                 /* owned */
  gboolean has_override;
  BallastKsmOverrideReport override;
  gboolean unmerge_requested;

  BallastFigure run;
  gboolean run_offline;
  gboolean run_controllable;
  const char *reason;
  char *reason_text;            /* owned */
  const char *scan_reason;
  BallastFigure pages_to_scan;
  BallastFigure sleep_millisecs;
  BallastFigure merge_across_nodes; /* flag */
  BallastFigure use_zero_pages;     /* flag */
  const char *advisor_mode;

  BallastFigure saved_pages;
  BallastFigure saved_kib;
  BallastFigure general_profit_bytes; /* may be negative */
  BallastFigure pages_shared;
  BallastFigure pages_sharing;
  BallastFigure pages_unshared;
  BallastFigure pages_volatile;
  BallastFigure ksm_zero_pages;
  BallastFigure full_scans;
  BallastFigure pages_scanned;
  BallastFigure page_size_bytes;

  BallastFigure ksmd_pid;
  BallastFigure ksmd_cpu_usec;
  BallastFigure ksmd_cpu_permille;
  BallastFigure cpu_budget_permille;
  BallastFigure earning_permille;
  BallastFigure scanned_pages;
  BallastFigure interval_usec;
  gboolean pending_unmerge;
  gboolean merge_across_nodes_deferred;

  gboolean write_in_flight;
  gboolean writable;
  const char *write_error;
  const char *read_error;
  GPtrArray *last_writes;       /* owned array of borrowed strings */
  BallastFigure writes_total;
  BallastFigure write_failures_total;
  BallastFigure ksmtuned_pid;
  BallastFigure guests_shareable;
  BallastFigure guests_nosharepages;
  BallastFigure guests_excluded;

  GPtrArray *guests;            /* owned BallastGuestKsmReport*, `ksm` result only */
} BallastKsmReport;

void ballast_ksm_report_clear (BallastKsmReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BallastKsmReport, ballast_ksm_report_clear)

json_object *ballast_ksm_report_to_json (const BallastKsmReport *report);
json_object *ballast_guest_ksm_report_to_json (const BallastGuestKsmReport *report);

/* For ballastctl, as lib/status-report.h reads: a field of the wrong type
 * is unknown, never an error. A missing "available", "run_controllable"
 * or "writable" reads as TRUE, what a ballastd older than them meant. The
 * reports borrow JSON's strings: they must not outlive it. */
void ballast_ksm_report_from_json (json_object *json, BallastKsmReport *report);
void ballast_guest_ksm_report_from_json (json_object *json, BallastGuestKsmReport *report);

G_END_DECLS
