/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "status-report.h"

#include "json-util.h"


void
ballast_status_report_clear (BallastStatusReport *report)
{
  ballast_ksm_report_clear (&report->ksm);
}

void
ballast_domain_report_free (BallastDomainReport *report)
{
  if (report == NULL)
    return;
  g_free (report->reason);
  g_free (report);
}

/* ---- JSON ---- */

/* Like add_figure, but an unknown figure is left out, not null. */
static void
add_known_figure (json_object *object, const char *key, BallastFigure figure)
{
  if (figure.known)
    json_object_object_add (object, key, json_object_new_int64 (figure.value));
}

json_object *
ballast_status_report_to_json (const BallastStatusReport *report)
{
  json_object *status = json_object_new_object ();
  ballast_json_add_string (status, "version", report->version);
  ballast_json_add_string (status, "mode", report->mode);

  json_object *connection = json_object_new_object ();
  ballast_json_add_string (connection, "uri", report->connection.uri);
  ballast_json_add_string (connection, "state", report->connection.state);
  ballast_json_add_bool (connection, "stalled", report->connection.stalled);
  ballast_json_add_string (connection, "last_error", report->connection.last_error);
  ballast_json_add_figure (connection, "reconnects", report->connection.reconnects);
  ballast_json_add_figure (connection, "retry_in_sec", report->connection.retry_in_sec);
  json_object_object_add (status, "connection", connection);

  json_object *host = json_object_new_object ();
  ballast_json_add_string (host, "error", report->host.error);
  if (report->host.readable)
    {
      ballast_json_add_figure (host, "mem_total_kib", report->host.mem_total_kib);
      ballast_json_add_figure (host, "mem_available_kib", report->host.mem_available_kib);
      ballast_json_add_string (host, "budget_source", report->host.budget_source);
      ballast_json_add_figure (host, "budget_total_kib", report->host.budget_total_kib);
      ballast_json_add_figure (host, "budget_available_kib", report->host.budget_available_kib);
      ballast_json_add_figure (host, "budget_overflow_kib", report->host.budget_overflow_kib);
      ballast_json_add_figure (host, "reserve_kib", report->host.reserve_kib);
      add_known_figure (host, "psi_some_avg10_centipct", report->host.psi_some_avg10_centipct);
      add_known_figure (host, "psi_full_avg10_centipct", report->host.psi_full_avg10_centipct);
      ballast_json_add_figure (host, "swap_total_kib", report->host.swap_total_kib);
      ballast_json_add_figure (host, "swap_used_kib", report->host.swap_used_kib);
      ballast_json_add_figure (host, "swap_in_kib_per_sec", report->host.swap_in_kib_per_sec);
      ballast_json_add_figure (host, "zswap_pool_kib", report->host.zswap_pool_kib);
      ballast_json_add_figure (host, "zswapped_kib", report->host.zswapped_kib);
      if (report->host.has_cgroup)
        {
          json_object *cgroup = json_object_new_object ();
          ballast_json_add_figure (cgroup, "version", report->host.cgroup.version);
          ballast_json_add_bool (cgroup, "limited", report->host.cgroup.limited);
          ballast_json_add_figure (cgroup, "limit_kib", report->host.cgroup.limit_kib);
          ballast_json_add_figure (cgroup, "usage_kib", report->host.cgroup.usage_kib);
          ballast_json_add_figure (cgroup, "working_set_kib", report->host.cgroup.working_set_kib);
          json_object_object_add (host, "cgroup", cgroup);
        }
    }
  json_object_object_add (status, "host", host);

  json_object *plan = NULL;
  if (report->has_plan)
    {
      plan = json_object_new_object ();
      ballast_json_add_figure (plan, "slack_kib", report->plan.slack_kib);
      ballast_json_add_figure (plan, "pending_kib", report->plan.pending_kib);
      ballast_json_add_figure (plan, "arriving_kib", report->plan.arriving_kib);
      ballast_json_add_figure (plan, "deficit_kib", report->plan.deficit_kib);
      ballast_json_add_figure (plan, "surplus_kib", report->plan.surplus_kib);
      ballast_json_add_figure (plan, "reclaimed_kib", report->plan.reclaimed_kib);
      ballast_json_add_figure (plan, "granted_kib", report->plan.granted_kib);
      ballast_json_add_bool (plan, "emergency", report->plan.emergency);
    }
  json_object_object_add (status, "plan", plan);

  json_object *guests = json_object_new_object ();
  ballast_json_add_figure (guests, "defined", report->guests.defined);
  ballast_json_add_figure (guests, "running", report->guests.running);
  for (gsize i = 0; i < G_N_ELEMENTS (report->guests.by_status); i++)
    ballast_json_add_figure (guests, report->guests.by_status[i].status, report->guests.by_status[i].count);
  ballast_json_add_figure (guests, "sum_max_kib", report->guests.sum_max_kib);
  ballast_json_add_figure (guests, "sum_current_kib", report->guests.sum_current_kib);
  json_object_object_add (status, "guests", guests);

  json_object *overcommit = json_object_new_object ();
  ballast_json_add_string (overcommit, "mode", report->overcommit.mode);
  ballast_json_add_bool (overcommit, "hap_available", report->overcommit.hap_available);
  ballast_json_add_bool (overcommit, "shrink_allowed", report->overcommit.shrink_allowed);
  ballast_json_add_string (overcommit, "verdict", report->overcommit.verdict);
  add_known_figure (overcommit, "ratio_permille", report->overcommit.ratio_permille);
  json_object_object_add (status, "overcommit", overcommit);

  json_object *policy = json_object_new_object ();
  ballast_json_add_string (policy, "source", report->policy.source);
  ballast_json_add_figure (policy, "match_rules", report->policy.match_rules);
  ballast_json_add_string (policy, "reload_error", report->policy.reload_error);
  json_object_object_add (status, "policy", policy);

  json_object *cycles = json_object_new_object ();
  ballast_json_add_figure (cycles, "interval_msec", report->cycles.interval_msec);
  ballast_json_add_figure (cycles, "completed", report->cycles.completed);
  ballast_json_add_figure (cycles, "skipped", report->cycles.skipped);
  ballast_json_add_figure (cycles, "last_duration_usec", report->cycles.last_duration_usec);
  ballast_json_add_figure (cycles, "last_libvirt_calls", report->cycles.last_libvirt_calls);
  ballast_json_add_figure (cycles, "libvirt_calls_total", report->cycles.libvirt_calls_total);
  ballast_json_add_figure (cycles, "changes_applied", report->cycles.changes_applied);
  ballast_json_add_figure (cycles, "changes_failed", report->cycles.changes_failed);
  ballast_json_add_figure (cycles, "pressure_events", report->cycles.pressure_events);
  ballast_json_add_figure (cycles, "last_time_usec", report->cycles.last_time_usec);
  json_object_object_add (status, "cycles", cycles);
  json_object_object_add (status, "ksm", report->has_ksm ? ballast_ksm_report_to_json (&report->ksm) : NULL);
  return status;
}

json_object *
ballast_domain_report_to_json (const BallastDomainReport *report)
{
  json_object *object = json_object_new_object ();
  ballast_json_add_string (object, "name", report->name);
  ballast_json_add_string (object, "uuid", report->uuid);
  ballast_json_add_string (object, "state", report->state);
  ballast_json_add_bool (object, "active", report->active);
  ballast_json_add_string (object, "status", report->status);
  ballast_json_add_string (object, "status_reason", report->status_reason);
  ballast_json_add_figure (object, "max_kib", report->max_kib);
  ballast_json_add_figure (object, "current_kib", report->current_kib);
  ballast_json_add_figure (object, "target_kib", report->target_kib);
  ballast_json_add_figure (object, "used_kib", report->used_kib);
  ballast_json_add_figure (object, "usable_kib", report->usable_kib);
  ballast_json_add_figure (object, "unused_kib", report->unused_kib);
  ballast_json_add_figure (object, "rss_kib", report->rss_kib);
  ballast_json_add_figure (object, "returned_kib", report->returned_kib);
  ballast_json_add_figure (object, "virtio_mem_devices", report->virtio_mem_devices);
  ballast_json_add_figure (object, "virtio_mem_size_kib", report->virtio_mem_size_kib);
  ballast_json_add_figure (object, "virtio_mem_requested_kib", report->virtio_mem_requested_kib);
  ballast_json_add_figure (object, "virtio_mem_plugged_kib", report->virtio_mem_plugged_kib);
  ballast_json_add_figure (object, "virtio_mem_block_kib", report->virtio_mem_block_kib);
  ballast_json_add_figure (object, "virtio_mem_held_kib", report->virtio_mem_held_kib);
  ballast_json_add_figure (object, "virtio_mem_retry_sec", report->virtio_mem_retry_sec);
  ballast_json_add_string (object, "actuator", report->actuator);
  ballast_json_add_figure (object, "balloon_kib", report->balloon_kib);
  ballast_json_add_string (object, "virtio_mem_unusable", report->virtio_mem_unusable);
  ballast_json_add_figure (object, "swap_in_kib_per_sec", report->swap_in_kib_per_sec);
  ballast_json_add_figure (object, "major_faults_per_sec", report->major_faults_per_sec);
  ballast_json_add_figure (object, "need_kib", report->need_kib);
  ballast_json_add_figure (object, "fair_share_kib", report->fair_share_kib);
  ballast_json_add_figure (object, "over_fair_share_sec", report->over_fair_share_sec);
  ballast_json_add_figure (object, "min_kib", report->min_kib);
  ballast_json_add_figure (object, "shares", report->shares);
  ballast_json_add_string (object, "tuning_source", report->tuning_source);
  ballast_json_add_string (object, "tuning_error", report->tuning_error);
  ballast_json_add_bool (object, "excluded", report->excluded);
  ballast_json_add_string (object, "pressure", report->pressure);
  ballast_json_add_figure (object, "oom_deflations", report->oom_deflations);
  ballast_json_add_figure (object, "spike_peak_kib", report->spike_peak_kib);
  ballast_json_add_figure (object, "spike_age_sec", report->spike_age_sec);
  ballast_json_add_figure (object, "spike_period_sec", report->spike_period_sec);
  ballast_json_add_bool (object, "spike_due", report->spike_due);
  ballast_json_add_figure (object, "stats_period_sec", report->stats_period_sec);
  ballast_json_add_string (object, "balloon_model", report->balloon_model);
  ballast_json_add_string (object, "job", report->job);
  ballast_json_add_figure (object, "arriving_kib", report->arriving_kib);
  json_object_object_add (object, "ksm", report->has_ksm ? ballast_guest_ksm_report_to_json (&report->ksm) : NULL);
  ballast_json_add_string (object, "reason_code", report->reason_code);
  ballast_json_add_string (object, "reason", report->reason);
  return object;
}

/* ---- Reading JSON defensively ---- */


static const char *const guest_statuses[] = { "managed", "unresponsive", "excluded", "fixed",
                                              "partial-stats", "no-driver", "unmanaged", "in-job" };
G_STATIC_ASSERT (G_N_ELEMENTS (guest_statuses)
                 == G_N_ELEMENTS (((BallastStatusReport *) NULL)->guests.by_status));

void
ballast_status_report_from_json (json_object *json, BallastStatusReport *report)
{
  json_object *connection = ballast_json_get (json, "connection");
  json_object *host = ballast_json_get (json, "host");
  json_object *cgroup = ballast_json_get (host, "cgroup");
  json_object *plan = ballast_json_get (json, "plan");
  json_object *guests = ballast_json_get (json, "guests");
  json_object *overcommit = ballast_json_get (json, "overcommit");
  json_object *policy = ballast_json_get (json, "policy");
  json_object *cycles = ballast_json_get (json, "cycles");
  *report = (BallastStatusReport) {
    .version = ballast_json_get_string (json, "version"),
    .mode = ballast_json_get_string (json, "mode"),
    .connection = {
      .uri = ballast_json_get_string (connection, "uri"),
      .state = ballast_json_get_string (connection, "state"),
      .stalled = ballast_json_get_bool (connection, "stalled"),
      .last_error = ballast_json_get_string (connection, "last_error"),
      .reconnects = ballast_json_get_figure (connection, "reconnects"),
      .retry_in_sec = ballast_json_get_figure (connection, "retry_in_sec"),
    },
    .host = {
      .error = ballast_json_get_string (host, "error"),
      .mem_total_kib = ballast_json_get_figure (host, "mem_total_kib"),
      .mem_available_kib = ballast_json_get_figure (host, "mem_available_kib"),
      .budget_source = ballast_json_get_string (host, "budget_source"),
      .budget_total_kib = ballast_json_get_figure (host, "budget_total_kib"),
      .budget_available_kib = ballast_json_get_figure (host, "budget_available_kib"),
      .budget_overflow_kib = ballast_json_get_figure (host, "budget_overflow_kib"),
      .reserve_kib = ballast_json_get_figure (host, "reserve_kib"),
      .psi_some_avg10_centipct = ballast_json_get_figure (host, "psi_some_avg10_centipct"),
      .psi_full_avg10_centipct = ballast_json_get_figure (host, "psi_full_avg10_centipct"),
      .swap_total_kib = ballast_json_get_figure (host, "swap_total_kib"),
      .swap_used_kib = ballast_json_get_figure (host, "swap_used_kib"),
      .swap_in_kib_per_sec = ballast_json_get_figure (host, "swap_in_kib_per_sec"),
      .zswap_pool_kib = ballast_json_get_figure (host, "zswap_pool_kib"),
      .zswapped_kib = ballast_json_get_figure (host, "zswapped_kib"),
      .has_cgroup = cgroup != NULL && json_object_is_type (cgroup, json_type_object),
      .cgroup = {
        .version = ballast_json_get_figure (cgroup, "version"),
        .limited = ballast_json_get_bool (cgroup, "limited"),
        .limit_kib = ballast_json_get_figure (cgroup, "limit_kib"),
        .usage_kib = ballast_json_get_figure (cgroup, "usage_kib"),
        .working_set_kib = ballast_json_get_figure (cgroup, "working_set_kib"),
      },
    },
    .has_plan = plan != NULL && json_object_is_type (plan, json_type_object),
    .plan = {
      .slack_kib = ballast_json_get_figure (plan, "slack_kib"),
      .pending_kib = ballast_json_get_figure (plan, "pending_kib"),
      .arriving_kib = ballast_json_get_figure (plan, "arriving_kib"),
      .deficit_kib = ballast_json_get_figure (plan, "deficit_kib"),
      .surplus_kib = ballast_json_get_figure (plan, "surplus_kib"),
      .reclaimed_kib = ballast_json_get_figure (plan, "reclaimed_kib"),
      .granted_kib = ballast_json_get_figure (plan, "granted_kib"),
      .emergency = ballast_json_get_bool (plan, "emergency"),
    },
    .guests = {
      .defined = ballast_json_get_figure (guests, "defined"),
      .running = ballast_json_get_figure (guests, "running"),
      .sum_max_kib = ballast_json_get_figure (guests, "sum_max_kib"),
      .sum_current_kib = ballast_json_get_figure (guests, "sum_current_kib"),
    },
    .overcommit = {
      .mode = ballast_json_get_string (overcommit, "mode"),
      .hap_available = ballast_json_get_bool (overcommit, "hap_available"),
      .shrink_allowed = ballast_json_get_bool (overcommit, "shrink_allowed"),
      .verdict = ballast_json_get_string (overcommit, "verdict"),
      .ratio_permille = ballast_json_get_figure (overcommit, "ratio_permille"),
    },
    .policy = {
      .source = ballast_json_get_string (policy, "source"),
      .match_rules = ballast_json_get_figure (policy, "match_rules"),
      .reload_error = ballast_json_get_string (policy, "reload_error"),
    },
    .cycles = {
      .interval_msec = ballast_json_get_figure (cycles, "interval_msec"),
      .completed = ballast_json_get_figure (cycles, "completed"),
      .skipped = ballast_json_get_figure (cycles, "skipped"),
      .last_duration_usec = ballast_json_get_figure (cycles, "last_duration_usec"),
      .last_libvirt_calls = ballast_json_get_figure (cycles, "last_libvirt_calls"),
      .libvirt_calls_total = ballast_json_get_figure (cycles, "libvirt_calls_total"),
      .changes_applied = ballast_json_get_figure (cycles, "changes_applied"),
      .changes_failed = ballast_json_get_figure (cycles, "changes_failed"),
      .pressure_events = ballast_json_get_figure (cycles, "pressure_events"),
      .last_time_usec = ballast_json_get_figure (cycles, "last_time_usec"),
    },
  };
  report->host.readable = report->host.error == NULL;
  json_object *ksm = ballast_json_get (json, "ksm");
  report->has_ksm = ksm != NULL && json_object_is_type (ksm, json_type_object);
  if (report->has_ksm)
    ballast_ksm_report_from_json (ksm, &report->ksm);
  for (gsize i = 0; i < G_N_ELEMENTS (guest_statuses); i++)
    {
      report->guests.by_status[i].status = guest_statuses[i];
      report->guests.by_status[i].count = ballast_json_get_figure (guests, guest_statuses[i]);
    }
}

BallastDomainReport *
ballast_domain_report_from_json (json_object *json)
{
  BallastDomainReport *report = g_new0 (BallastDomainReport, 1);
  *report = (BallastDomainReport) {
    .name = ballast_json_get_string (json, "name"),
    .uuid = ballast_json_get_string (json, "uuid"),
    .state = ballast_json_get_string (json, "state"),
    .active = ballast_json_get_bool (json, "active"),
    .status = ballast_json_get_string (json, "status"),
    .status_reason = ballast_json_get_string (json, "status_reason"),
    .max_kib = ballast_json_get_figure (json, "max_kib"),
    .current_kib = ballast_json_get_figure (json, "current_kib"),
    .target_kib = ballast_json_get_figure (json, "target_kib"),
    .used_kib = ballast_json_get_figure (json, "used_kib"),
    .usable_kib = ballast_json_get_figure (json, "usable_kib"),
    .unused_kib = ballast_json_get_figure (json, "unused_kib"),
    .rss_kib = ballast_json_get_figure (json, "rss_kib"),
    .returned_kib = ballast_json_get_figure (json, "returned_kib"),
    .virtio_mem_devices = ballast_json_get_figure (json, "virtio_mem_devices"),
    .virtio_mem_size_kib = ballast_json_get_figure (json, "virtio_mem_size_kib"),
    .virtio_mem_requested_kib = ballast_json_get_figure (json, "virtio_mem_requested_kib"),
    .virtio_mem_plugged_kib = ballast_json_get_figure (json, "virtio_mem_plugged_kib"),
    .virtio_mem_block_kib = ballast_json_get_figure (json, "virtio_mem_block_kib"),
    .virtio_mem_held_kib = ballast_json_get_figure (json, "virtio_mem_held_kib"),
    .virtio_mem_retry_sec = ballast_json_get_figure (json, "virtio_mem_retry_sec"),
    .actuator = ballast_json_get_string (json, "actuator"),
    .balloon_kib = ballast_json_get_figure (json, "balloon_kib"),
    .virtio_mem_unusable = ballast_json_get_string (json, "virtio_mem_unusable"),
    .swap_in_kib_per_sec = ballast_json_get_figure (json, "swap_in_kib_per_sec"),
    .major_faults_per_sec = ballast_json_get_figure (json, "major_faults_per_sec"),
    .need_kib = ballast_json_get_figure (json, "need_kib"),
    .fair_share_kib = ballast_json_get_figure (json, "fair_share_kib"),
    .over_fair_share_sec = ballast_json_get_figure (json, "over_fair_share_sec"),
    .min_kib = ballast_json_get_figure (json, "min_kib"),
    .shares = ballast_json_get_figure (json, "shares"),
    .tuning_source = ballast_json_get_string (json, "tuning_source"),
    .tuning_error = ballast_json_get_string (json, "tuning_error"),
    .excluded = ballast_json_get_bool (json, "excluded"),
    .pressure = ballast_json_get_string (json, "pressure"),
    .oom_deflations = ballast_json_get_figure (json, "oom_deflations"),
    .spike_peak_kib = ballast_json_get_figure (json, "spike_peak_kib"),
    .spike_age_sec = ballast_json_get_figure (json, "spike_age_sec"),
    .spike_period_sec = ballast_json_get_figure (json, "spike_period_sec"),
    .spike_due = ballast_json_get_bool (json, "spike_due"),
    .stats_period_sec = ballast_json_get_figure (json, "stats_period_sec"),
    .balloon_model = ballast_json_get_string (json, "balloon_model"),
    .job = ballast_json_get_string (json, "job"),
    .arriving_kib = ballast_json_get_figure (json, "arriving_kib"),
    .reason_code = ballast_json_get_string (json, "reason_code"),
    .reason = g_strdup (ballast_json_get_string (json, "reason")),
  };
  json_object *ksm = ballast_json_get (json, "ksm");
  report->has_ksm = ksm != NULL && json_object_is_type (ksm, json_type_object);
  if (report->has_ksm)
    ballast_guest_ksm_report_from_json (ksm, &report->ksm);
  return report;
}

GPtrArray *
ballast_domain_reports_from_list_json (json_object *json)
{
  GPtrArray *reports = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_domain_report_free);
  json_object *domains = ballast_json_get (json, "domains");
  gsize n = domains != NULL && json_object_is_type (domains, json_type_array)
              ? json_object_array_length (domains) : 0;
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (reports, ballast_domain_report_from_json (json_object_array_get_idx (domains, i)));
  return reports;
}
