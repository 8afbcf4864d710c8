/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-report.h"

#include "json-util.h"

void
ballast_ksm_report_clear (BallastKsmReport *report)
{
  g_clear_pointer (&report->policy, g_free);
  g_clear_pointer (&report->reason_text, g_free);
  g_clear_pointer (&report->last_writes, g_ptr_array_unref);
  g_clear_pointer (&report->guests, g_ptr_array_unref);
}

/* ---- JSON ---- */

static json_object *
override_to_json (const BallastKsmOverrideReport *o)
{
  json_object *object = json_object_new_object ();
  if (o->mode != NULL)
    ballast_json_add_string (object, "mode", o->mode);
  static const struct {
    const char *key;
    gsize offset;
    gboolean flag;
  } members[] = {
    { "pages_to_scan_min", G_STRUCT_OFFSET (BallastKsmOverrideReport, pages_to_scan_min), FALSE },
    { "pages_to_scan_max", G_STRUCT_OFFSET (BallastKsmOverrideReport, pages_to_scan_max), FALSE },
    { "sleep_millisecs", G_STRUCT_OFFSET (BallastKsmOverrideReport, sleep_millisecs), FALSE },
    { "cpu_budget_permille", G_STRUCT_OFFSET (BallastKsmOverrideReport, cpu_budget_permille), FALSE },
    { "merge_across_nodes", G_STRUCT_OFFSET (BallastKsmOverrideReport, merge_across_nodes), TRUE },
    { "use_zero_pages", G_STRUCT_OFFSET (BallastKsmOverrideReport, use_zero_pages), TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      /* Only what ksm-set set: an unset member is left out, not null. */
      const BallastFigure *figure = G_STRUCT_MEMBER_P (o, members[i].offset);
      if (!figure->known)
        continue;
      if (members[i].flag)
        ballast_json_add_flag (object, members[i].key, *figure);
      else
        ballast_json_add_figure (object, members[i].key, *figure);
    }
  return object;
}

json_object *
ballast_ksm_report_to_json (const BallastKsmReport *report)
{
  json_object *ksm = json_object_new_object ();
  ballast_json_add_bool (ksm, "available", report->available);
  ballast_json_add_string (ksm, "unavailable_reason", report->unavailable_reason);
  ballast_json_add_string (ksm, "source", report->source);
  ballast_json_add_string (ksm, "mode", report->mode);
  ballast_json_add_string (ksm, "mode_source", report->mode_source);
  ballast_json_add_string (ksm, "tenancy", report->tenancy);
  ballast_json_add_string (ksm, "policy", report->policy);
  json_object_object_add (ksm, "override",
                          report->has_override ? override_to_json (&report->override) : NULL);
  ballast_json_add_bool (ksm, "unmerge_requested", report->unmerge_requested);

  ballast_json_add_figure (ksm, "run", report->run);
  ballast_json_add_bool (ksm, "run_offline", report->run_offline);
  ballast_json_add_bool (ksm, "run_controllable", report->run_controllable);
  ballast_json_add_string (ksm, "reason", report->reason);
  ballast_json_add_string (ksm, "reason_text", report->reason_text);
  ballast_json_add_string (ksm, "scan_reason", report->scan_reason);
  ballast_json_add_figure (ksm, "pages_to_scan", report->pages_to_scan);
  ballast_json_add_figure (ksm, "sleep_millisecs", report->sleep_millisecs);
  ballast_json_add_flag (ksm, "merge_across_nodes", report->merge_across_nodes);
  ballast_json_add_flag (ksm, "use_zero_pages", report->use_zero_pages);
  ballast_json_add_string (ksm, "advisor_mode", report->advisor_mode);

  ballast_json_add_figure (ksm, "saved_pages", report->saved_pages);
  ballast_json_add_figure (ksm, "saved_kib", report->saved_kib);
  ballast_json_add_figure (ksm, "general_profit_bytes", report->general_profit_bytes);
  ballast_json_add_figure (ksm, "pages_shared", report->pages_shared);
  ballast_json_add_figure (ksm, "pages_sharing", report->pages_sharing);
  ballast_json_add_figure (ksm, "pages_unshared", report->pages_unshared);
  ballast_json_add_figure (ksm, "pages_volatile", report->pages_volatile);
  ballast_json_add_figure (ksm, "ksm_zero_pages", report->ksm_zero_pages);
  ballast_json_add_figure (ksm, "full_scans", report->full_scans);
  ballast_json_add_figure (ksm, "pages_scanned", report->pages_scanned);
  ballast_json_add_figure (ksm, "page_size_bytes", report->page_size_bytes);

  ballast_json_add_figure (ksm, "ksmd_pid", report->ksmd_pid);
  ballast_json_add_figure (ksm, "ksmd_cpu_usec", report->ksmd_cpu_usec);
  ballast_json_add_figure (ksm, "ksmd_cpu_permille", report->ksmd_cpu_permille);
  ballast_json_add_figure (ksm, "cpu_budget_permille", report->cpu_budget_permille);
  ballast_json_add_figure (ksm, "earning_permille", report->earning_permille);
  ballast_json_add_figure (ksm, "scanned_pages", report->scanned_pages);
  ballast_json_add_figure (ksm, "interval_usec", report->interval_usec);
  ballast_json_add_bool (ksm, "pending_unmerge", report->pending_unmerge);
  ballast_json_add_bool (ksm, "merge_across_nodes_deferred", report->merge_across_nodes_deferred);

  ballast_json_add_bool (ksm, "write_in_flight", report->write_in_flight);
  ballast_json_add_bool (ksm, "writable", report->writable);
  ballast_json_add_string (ksm, "write_error", report->write_error);
  ballast_json_add_string (ksm, "read_error", report->read_error);
  json_object *last = json_object_new_array ();
  for (guint i = 0; report->last_writes != NULL && i < report->last_writes->len; i++)
    json_object_array_add (last, json_object_new_string (report->last_writes->pdata[i]));
  json_object_object_add (ksm, "last_writes", last);
  ballast_json_add_figure (ksm, "writes_total", report->writes_total);
  ballast_json_add_figure (ksm, "write_failures_total", report->write_failures_total);
  ballast_json_add_figure (ksm, "ksmtuned_pid", report->ksmtuned_pid);
  ballast_json_add_figure (ksm, "guests_shareable", report->guests_shareable);
  ballast_json_add_figure (ksm, "guests_nosharepages", report->guests_nosharepages);
  ballast_json_add_figure (ksm, "guests_excluded", report->guests_excluded);

  if (report->guests != NULL)
    {
      json_object *guests = json_object_new_array ();
      for (guint i = 0; i < report->guests->len; i++)
        json_object_array_add (guests, ballast_guest_ksm_report_to_json (report->guests->pdata[i]));
      json_object_object_add (ksm, "guests", guests);
    }
  return ksm;
}

json_object *
ballast_guest_ksm_report_to_json (const BallastGuestKsmReport *report)
{
  json_object *object = json_object_new_object ();
  ballast_json_add_string (object, "share", report->share);
  ballast_json_add_figure (object, "qemu_pid", report->qemu_pid);
  ballast_json_add_figure (object, "merged_pages", report->merged_pages);
  ballast_json_add_figure (object, "merged_kib", report->merged_kib);
  ballast_json_add_figure (object, "profit_bytes", report->profit_bytes);
  ballast_json_add_figure (object, "rmap_items", report->rmap_items);
  ballast_json_add_flag (object, "mergeable", report->mergeable);
  if (report->name != NULL)
    ballast_json_add_string (object, "name", report->name);
  return object;
}

/* ---- Reading JSON defensively ---- */

/* A flag that reads as TRUE unless the JSON says false. */
static gboolean
get_bool_default_true (json_object *object, const char *key)
{
  return ballast_json_get (object, key) == NULL || ballast_json_get_bool (object, key);
}

void
ballast_ksm_report_from_json (json_object *json, BallastKsmReport *report)
{
  json_object *override = ballast_json_get (json, "override");
  json_object *last = ballast_json_get (json, "last_writes");
  json_object *guests = ballast_json_get (json, "guests");
  *report = (BallastKsmReport) {
    .available = get_bool_default_true (json, "available"),
    .unavailable_reason = ballast_json_get_string (json, "unavailable_reason"),
    .source = ballast_json_get_string (json, "source"),
    .mode = ballast_json_get_string (json, "mode"),
    .mode_source = ballast_json_get_string (json, "mode_source"),
    .tenancy = ballast_json_get_string (json, "tenancy"),
    .policy = g_strdup (ballast_json_get_string (json, "policy")),
    .has_override = override != NULL && json_object_is_type (override, json_type_object),
    .override = {
      .mode = ballast_json_get_string (override, "mode"),
      .pages_to_scan_min = ballast_json_get_figure (override, "pages_to_scan_min"),
      .pages_to_scan_max = ballast_json_get_figure (override, "pages_to_scan_max"),
      .sleep_millisecs = ballast_json_get_figure (override, "sleep_millisecs"),
      .cpu_budget_permille = ballast_json_get_figure (override, "cpu_budget_permille"),
      .merge_across_nodes = ballast_json_get_flag (override, "merge_across_nodes"),
      .use_zero_pages = ballast_json_get_flag (override, "use_zero_pages"),
    },
    .unmerge_requested = ballast_json_get_bool (json, "unmerge_requested"),
    .run = ballast_json_get_figure (json, "run"),
    .run_offline = ballast_json_get_bool (json, "run_offline"),
    .run_controllable = get_bool_default_true (json, "run_controllable"),
    .reason = ballast_json_get_string (json, "reason"),
    .reason_text = g_strdup (ballast_json_get_string (json, "reason_text")),
    .scan_reason = ballast_json_get_string (json, "scan_reason"),
    .pages_to_scan = ballast_json_get_figure (json, "pages_to_scan"),
    .sleep_millisecs = ballast_json_get_figure (json, "sleep_millisecs"),
    .merge_across_nodes = ballast_json_get_flag (json, "merge_across_nodes"),
    .use_zero_pages = ballast_json_get_flag (json, "use_zero_pages"),
    .advisor_mode = ballast_json_get_string (json, "advisor_mode"),
    .saved_pages = ballast_json_get_figure (json, "saved_pages"),
    .saved_kib = ballast_json_get_figure (json, "saved_kib"),
    .general_profit_bytes = ballast_json_get_figure (json, "general_profit_bytes"),
    .pages_shared = ballast_json_get_figure (json, "pages_shared"),
    .pages_sharing = ballast_json_get_figure (json, "pages_sharing"),
    .pages_unshared = ballast_json_get_figure (json, "pages_unshared"),
    .pages_volatile = ballast_json_get_figure (json, "pages_volatile"),
    .ksm_zero_pages = ballast_json_get_figure (json, "ksm_zero_pages"),
    .full_scans = ballast_json_get_figure (json, "full_scans"),
    .pages_scanned = ballast_json_get_figure (json, "pages_scanned"),
    .page_size_bytes = ballast_json_get_figure (json, "page_size_bytes"),
    .ksmd_pid = ballast_json_get_figure (json, "ksmd_pid"),
    .ksmd_cpu_usec = ballast_json_get_figure (json, "ksmd_cpu_usec"),
    .ksmd_cpu_permille = ballast_json_get_figure (json, "ksmd_cpu_permille"),
    .cpu_budget_permille = ballast_json_get_figure (json, "cpu_budget_permille"),
    .earning_permille = ballast_json_get_figure (json, "earning_permille"),
    .scanned_pages = ballast_json_get_figure (json, "scanned_pages"),
    .interval_usec = ballast_json_get_figure (json, "interval_usec"),
    .pending_unmerge = ballast_json_get_bool (json, "pending_unmerge"),
    .merge_across_nodes_deferred = ballast_json_get_bool (json, "merge_across_nodes_deferred"),
    .write_in_flight = ballast_json_get_bool (json, "write_in_flight"),
    .writable = get_bool_default_true (json, "writable"),
    .write_error = ballast_json_get_string (json, "write_error"),
    .read_error = ballast_json_get_string (json, "read_error"),
    .last_writes = g_ptr_array_new (),
    .writes_total = ballast_json_get_figure (json, "writes_total"),
    .write_failures_total = ballast_json_get_figure (json, "write_failures_total"),
    .ksmtuned_pid = ballast_json_get_figure (json, "ksmtuned_pid"),
    .guests_shareable = ballast_json_get_figure (json, "guests_shareable"),
    .guests_nosharepages = ballast_json_get_figure (json, "guests_nosharepages"),
    .guests_excluded = ballast_json_get_figure (json, "guests_excluded"),
  };

  /* A write that is not a string still shows, as "-", so the count of
   * last writes stays what ballastd said. */
  gsize n_last = last != NULL && json_object_is_type (last, json_type_array)
                   ? json_object_array_length (last) : 0;
  for (gsize i = 0; i < n_last; i++)
    {
      json_object *item = json_object_array_get_idx (last, i);
      g_ptr_array_add (report->last_writes,
                       (gpointer) (item != NULL && json_object_is_type (item, json_type_string)
                                     ? json_object_get_string (item) : "-"));
    }

  if (guests == NULL || !json_object_is_type (guests, json_type_array))
    return;
  report->guests = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < json_object_array_length (guests); i++)
    {
      BallastGuestKsmReport *guest = g_new0 (BallastGuestKsmReport, 1);
      ballast_guest_ksm_report_from_json (json_object_array_get_idx (guests, i), guest);
      g_ptr_array_add (report->guests, guest);
    }
}

void
ballast_guest_ksm_report_from_json (json_object *json, BallastGuestKsmReport *report)
{
  *report = (BallastGuestKsmReport) {
    .name = ballast_json_get_string (json, "name"),
    .share = ballast_json_get_string (json, "share"),
    .qemu_pid = ballast_json_get_figure (json, "qemu_pid"),
    .merged_pages = ballast_json_get_figure (json, "merged_pages"),
    .merged_kib = ballast_json_get_figure (json, "merged_kib"),
    .profit_bytes = ballast_json_get_figure (json, "profit_bytes"),
    .rmap_items = ballast_json_get_figure (json, "rmap_items"),
    .mergeable = ballast_json_get_flag (json, "mergeable"),
  };
}
