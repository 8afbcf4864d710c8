/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "status-report.h"

#include "json-util.h"

void
ballast_status_report_clear (BallastStatusReport *report)
{
  g_clear_pointer (&report->ksm, json_object_put);
}

void
ballast_domain_report_free (BallastDomainReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->ksm, json_object_put);
  g_free (report->reason);
  g_free (report);
}

/* ---- JSON ---- */

static void
add_kib (json_object *object, const char *key, guint64 kib)
{
  json_object_object_add (object, key, ballast_json_kib (kib));
}

static void
add_string (json_object *object, const char *key, const char *value)
{
  json_object_object_add (object, key, value != NULL ? json_object_new_string (value) : NULL);
}

static void
add_int (json_object *object, const char *key, gint64 value)
{
  json_object_object_add (object, key, json_object_new_int64 (value));
}

static void
add_bool (json_object *object, const char *key, gboolean value)
{
  json_object_object_add (object, key, json_object_new_boolean (value));
}

static void
add_figure (json_object *object, const char *key, BallastFigure figure)
{
  json_object_object_add (object, key, figure.known ? json_object_new_int64 (figure.value) : NULL);
}

/* Like add_figure, but an unknown figure is left out, not null. */
static void
add_known_figure (json_object *object, const char *key, BallastFigure figure)
{
  if (figure.known)
    add_int (object, key, figure.value);
}

json_object *
ballast_status_report_to_json (const BallastStatusReport *report)
{
  json_object *status = json_object_new_object ();
  add_string (status, "version", report->version);
  add_string (status, "mode", report->mode);

  json_object *connection = json_object_new_object ();
  add_string (connection, "uri", report->connection.uri);
  add_string (connection, "state", report->connection.state);
  add_bool (connection, "stalled", report->connection.stalled);
  add_string (connection, "last_error", report->connection.last_error);
  add_int (connection, "reconnects", report->connection.reconnects);
  add_int (connection, "retry_in_sec", report->connection.retry_in_sec);
  json_object_object_add (status, "connection", connection);

  json_object *host = json_object_new_object ();
  add_string (host, "error", report->host.error);
  if (report->host.readable)
    {
      add_kib (host, "mem_total_kib", report->host.mem_total_kib);
      add_kib (host, "mem_available_kib", report->host.mem_available_kib);
      add_string (host, "budget_source", report->host.budget_source);
      add_kib (host, "budget_total_kib", report->host.budget_total_kib);
      add_kib (host, "budget_available_kib", report->host.budget_available_kib);
      add_kib (host, "budget_overflow_kib", report->host.budget_overflow_kib);
      add_kib (host, "reserve_kib", report->host.reserve_kib);
      add_known_figure (host, "psi_some_avg10_centipct", report->host.psi_some_avg10_centipct);
      add_known_figure (host, "psi_full_avg10_centipct", report->host.psi_full_avg10_centipct);
      if (report->host.has_cgroup)
        {
          json_object *cgroup = json_object_new_object ();
          add_int (cgroup, "version", report->host.cgroup.version);
          add_bool (cgroup, "limited", report->host.cgroup.limited);
          add_kib (cgroup, "limit_kib", report->host.cgroup.limit_kib);
          add_kib (cgroup, "usage_kib", report->host.cgroup.usage_kib);
          add_kib (cgroup, "working_set_kib", report->host.cgroup.working_set_kib);
          json_object_object_add (host, "cgroup", cgroup);
        }
    }
  json_object_object_add (status, "host", host);

  json_object *plan = NULL;
  if (report->has_plan)
    {
      plan = json_object_new_object ();
      add_int (plan, "slack_kib", report->plan.slack_kib);
      add_int (plan, "pending_kib", report->plan.pending_kib);
      add_kib (plan, "deficit_kib", report->plan.deficit_kib);
      add_kib (plan, "surplus_kib", report->plan.surplus_kib);
      add_kib (plan, "reclaimed_kib", report->plan.reclaimed_kib);
      add_kib (plan, "granted_kib", report->plan.granted_kib);
      add_bool (plan, "emergency", report->plan.emergency);
    }
  json_object_object_add (status, "plan", plan);

  json_object *guests = json_object_new_object ();
  add_int (guests, "defined", report->guests.defined);
  add_int (guests, "running", report->guests.running);
  for (gsize i = 0; i < G_N_ELEMENTS (report->guests.by_status); i++)
    add_int (guests, report->guests.by_status[i].status, report->guests.by_status[i].count);
  add_kib (guests, "sum_max_kib", report->guests.sum_max_kib);
  add_kib (guests, "sum_current_kib", report->guests.sum_current_kib);
  json_object_object_add (status, "guests", guests);

  json_object *overcommit = json_object_new_object ();
  add_string (overcommit, "mode", report->overcommit.mode);
  add_bool (overcommit, "hap_available", report->overcommit.hap_available);
  add_bool (overcommit, "shrink_allowed", report->overcommit.shrink_allowed);
  add_string (overcommit, "verdict", report->overcommit.verdict);
  add_known_figure (overcommit, "ratio_permille", report->overcommit.ratio_permille);
  json_object_object_add (status, "overcommit", overcommit);

  json_object *policy = json_object_new_object ();
  add_string (policy, "source", report->policy.source);
  add_int (policy, "match_rules", report->policy.match_rules);
  add_string (policy, "reload_error", report->policy.reload_error);
  json_object_object_add (status, "policy", policy);

  json_object *cycles = json_object_new_object ();
  add_int (cycles, "interval_msec", report->cycles.interval_msec);
  add_int (cycles, "completed", report->cycles.completed);
  add_int (cycles, "skipped", report->cycles.skipped);
  add_int (cycles, "last_duration_usec", report->cycles.last_duration_usec);
  add_int (cycles, "last_libvirt_calls", report->cycles.last_libvirt_calls);
  add_int (cycles, "libvirt_calls_total", report->cycles.libvirt_calls_total);
  add_int (cycles, "changes_applied", report->cycles.changes_applied);
  add_int (cycles, "changes_failed", report->cycles.changes_failed);
  add_int (cycles, "pressure_events", report->cycles.pressure_events);
  add_int (cycles, "last_time_usec", report->cycles.last_time_usec);
  json_object_object_add (status, "cycles", cycles);
  json_object_object_add (status, "ksm", report->ksm != NULL ? json_object_get (report->ksm) : NULL);
  return status;
}

json_object *
ballast_domain_report_to_json (const BallastDomainReport *report)
{
  json_object *object = json_object_new_object ();
  add_string (object, "name", report->name);
  add_string (object, "uuid", report->uuid);
  add_string (object, "state", report->state);
  add_bool (object, "active", report->active);
  add_string (object, "status", report->status);
  add_string (object, "status_reason", report->status_reason);
  add_figure (object, "max_kib", report->max_kib);
  add_figure (object, "current_kib", report->current_kib);
  add_figure (object, "target_kib", report->target_kib);
  add_figure (object, "used_kib", report->used_kib);
  add_figure (object, "usable_kib", report->usable_kib);
  add_figure (object, "unused_kib", report->unused_kib);
  add_figure (object, "rss_kib", report->rss_kib);
  add_figure (object, "swap_in_kib_per_sec", report->swap_in_kib_per_sec);
  add_figure (object, "major_faults_per_sec", report->major_faults_per_sec);
  add_figure (object, "need_kib", report->need_kib);
  add_figure (object, "fair_share_kib", report->fair_share_kib);
  add_figure (object, "over_fair_share_sec", report->over_fair_share_sec);
  add_figure (object, "min_kib", report->min_kib);
  add_figure (object, "shares", report->shares);
  add_string (object, "tuning_source", report->tuning_source);
  add_string (object, "tuning_error", report->tuning_error);
  add_bool (object, "excluded", report->excluded);
  add_string (object, "pressure", report->pressure);
  add_figure (object, "stats_period_sec", report->stats_period_sec);
  add_string (object, "balloon_model", report->balloon_model);
  json_object_object_add (object, "ksm", report->ksm != NULL ? json_object_get (report->ksm) : NULL);
  add_string (object, "reason_code", report->reason_code);
  add_string (object, "reason", report->reason);
  return object;
}
