/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-report.h"

#include "config.h"

#include "control-protocol.h"
#include "ksm-manager.h"
#include "loan-clock.h"

const char *
ballast_domain_state_to_string (int state)
{
  switch (state)
    {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "idle";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "in shutdown";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    case VIR_DOMAIN_NOSTATE:
    default: return "no state";
    }
}

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

json_object *
ballast_daemon_status_json (BallastDaemon *daemon)
{
  json_object *status = json_object_new_object ();
  BallastSession *session = ballast_daemon_get_session (daemon);
  const BallastDaemonCounters *counters = ballast_daemon_get_counters (daemon);
  const BallastPolicy *policy = ballast_daemon_get_policy (daemon);

  add_string (status, "version", BALLAST_VERSION);
  add_string (status, "mode", ballast_daemon_mode (daemon));

  json_object *connection = json_object_new_object ();
  add_string (connection, "uri", ballast_session_get_uri (session));
  add_string (connection, "state", ballast_session_state_to_string (ballast_session_get_state (session)));
  add_bool (connection, "stalled", counters->libvirt_stalled);
  add_string (connection, "last_error", ballast_session_get_last_error (session));
  add_int (connection, "reconnects", ballast_session_get_reconnects (session));
  add_int (connection, "retry_in_sec", ballast_session_get_retry_in_sec (session));
  json_object_object_add (status, "connection", connection);

  const char *host_error = NULL;
  const BallastHostSnapshot *host = ballast_daemon_get_host (daemon, &host_error);
  json_object *host_json = json_object_new_object ();
  add_string (host_json, "error", host_error);
  if (host != NULL)
    {
      add_kib (host_json, "mem_total_kib", host->meminfo.mem_total_kib);
      add_kib (host_json, "mem_available_kib", host->meminfo.mem_available_kib);
      add_string (host_json, "budget_source",
                  host->budget_source == BALLAST_BUDGET_CGROUP ? "cgroup" : "meminfo");
      add_kib (host_json, "budget_total_kib", host->budget_total_kib);
      add_kib (host_json, "budget_available_kib", host->budget_available_kib);
      add_kib (host_json, "budget_overflow_kib", host->budget_overflow_kib);
      add_kib (host_json, "reserve_kib", ballast_policy_reserve_kib (policy, host->budget_total_kib));
      if (host->has_psi)
        {
          add_int (host_json, "psi_some_avg10_centipct", host->psi.some.avg10_centipct);
          add_int (host_json, "psi_full_avg10_centipct", host->psi.full.avg10_centipct);
        }
      if (host->has_cgroup)
        {
          json_object *cgroup = json_object_new_object ();
          add_int (cgroup, "version", host->cgroup.version);
          add_bool (cgroup, "limited", host->cgroup.limited);
          add_kib (cgroup, "limit_kib", host->cgroup.limit_kib);
          add_kib (cgroup, "usage_kib", host->cgroup.usage_kib);
          add_kib (cgroup, "working_set_kib", host->cgroup.working_set_kib);
          json_object_object_add (host_json, "cgroup", cgroup);
        }
    }
  json_object_object_add (status, "host", host_json);

  const BallastPlan *plan = ballast_daemon_get_plan (daemon);
  json_object *plan_json = NULL;
  if (plan != NULL)
    {
      plan_json = json_object_new_object ();
      add_int (plan_json, "slack_kib", plan->slack_kib);
      add_int (plan_json, "pending_kib", plan->pending_kib);
      add_kib (plan_json, "deficit_kib", plan->deficit_kib);
      add_kib (plan_json, "surplus_kib", plan->surplus_kib);
      add_kib (plan_json, "reclaimed_kib", plan->reclaimed_kib);
      add_kib (plan_json, "granted_kib", plan->granted_kib);
      add_bool (plan_json, "emergency", plan->emergency);
    }
  json_object_object_add (status, "plan", plan_json);

  /* Guests: counts and the overcommit ratio (sum of maxima / budget). */
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (ballast_daemon_get_registry (daemon));
  guint counts[4] = { 0 };
  guint running = 0;
  guint64 sum_max = 0, sum_current = 0;
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (!domain->active)
        continue;
      running++;
      counts[domain->status]++;
      if (domain->config != NULL)
        sum_max += domain->config->max_kib;
      sum_current += ballast_domain_current_kib (domain);
    }
  json_object *guests = json_object_new_object ();
  add_int (guests, "defined", domains->len);
  add_int (guests, "running", running);
  for (int s = BALLAST_GUEST_MANAGED; s <= BALLAST_GUEST_UNMANAGED; s++)
    add_int (guests, ballast_guest_status_to_string (s), counts[s]);
  add_kib (guests, "sum_max_kib", sum_max);
  add_kib (guests, "sum_current_kib", sum_current);
  json_object_object_add (status, "guests", guests);

  json_object *overcommit = json_object_new_object ();
  const BallastHapReport *hap = ballast_daemon_get_hap (daemon);
  add_string (overcommit, "mode", ballast_overcommit_mode_to_string (ballast_daemon_overcommit_mode (daemon)));
  add_bool (overcommit, "hap_available", hap != NULL && hap->hap_available);
  add_bool (overcommit, "shrink_allowed", ballast_daemon_shrink_allowed (daemon));
  add_string (overcommit, "verdict", ballast_daemon_gate_description (daemon));
  if (host != NULL && host->budget_total_kib > 0)
    add_int (overcommit, "ratio_permille", (gint64) (sum_max * 1000 / host->budget_total_kib));
  json_object_object_add (status, "overcommit", overcommit);

  const char *policy_error = NULL;
  const BallastPolicyFile *policy_file = ballast_daemon_get_policy_file (daemon, &policy_error);
  json_object *policy_json = json_object_new_object ();
  add_string (policy_json, "source", policy_file->source);
  add_int (policy_json, "match_rules", policy_file->rules->len);
  add_string (policy_json, "reload_error", policy_error);
  json_object_object_add (status, "policy", policy_json);

  json_object *cycles = json_object_new_object ();
  add_int (cycles, "interval_msec", ballast_daemon_get_config (daemon)->interval_msec);
  add_int (cycles, "completed", counters->cycles);
  add_int (cycles, "skipped", counters->cycles_skipped);
  add_int (cycles, "last_duration_usec", counters->last_cycle_duration_usec);
  add_int (cycles, "last_libvirt_calls", counters->last_cycle_libvirt_calls);
  add_int (cycles, "libvirt_calls_total", counters->libvirt_calls_total);
  add_int (cycles, "changes_applied", counters->changes_applied);
  add_int (cycles, "changes_failed", counters->changes_failed);
  add_int (cycles, "pressure_events", counters->pressure_events);
  add_int (cycles, "last_time_usec", counters->last_cycle_wall_usec);
  json_object_object_add (status, "cycles", cycles);
  json_object_object_add (status, "ksm", ballast_ksm_manager_status_json (ballast_daemon_get_ksm (daemon)));
  return status;
}

json_object *
ballast_daemon_domain_json (BallastDaemon *daemon, BallastDomain *domain)
{
  json_object *object = json_object_new_object ();
  const BallastDomainConfig *config = domain->config;
  add_string (object, "name", domain->name);
  add_string (object, "uuid", domain->uuid);
  add_string (object, "state", ballast_domain_state_to_string (domain->state));
  add_bool (object, "active", domain->active);
  add_string (object, "status", ballast_guest_status_to_string (domain->status));
  add_string (object, "status_reason", domain->status_reason);

  json_object_object_add (object, "max_kib", config != NULL ? ballast_json_kib (config->max_kib) : NULL);
  guint64 current = ballast_domain_current_kib (domain);
  json_object_object_add (object, "current_kib", domain->active ? ballast_json_kib (current) : NULL);
  gboolean decided = domain->has_decision;
  guint64 target = decided ? domain->decision.target_kib
                           : domain->has_target ? domain->target_kib : current;
  json_object_object_add (object, "target_kib", domain->active ? ballast_json_kib (target) : NULL);

  const BallastBalloonStats *stats = &domain->stats;
  gboolean view = domain->active && domain->has_stats && ballast_balloon_stats_has_guest_view (stats);
  json_object_object_add (object, "used_kib", decided ? ballast_json_kib (domain->decision.used_kib) : NULL);
  json_object_object_add (object, "usable_kib", view ? ballast_json_kib (ballast_balloon_stats_usable_kib (stats)) : NULL);
  json_object_object_add (object, "unused_kib", view && (stats->present & BALLAST_STAT_UNUSED)
                                                  ? ballast_json_kib (stats->unused_kib) : NULL);
  json_object_object_add (object, "rss_kib", domain->active && domain->has_stats && (stats->present & BALLAST_STAT_RSS)
                                               ? ballast_json_kib (stats->rss_kib) : NULL);
  json_object_object_add (object, "swap_in_kib_per_sec",
                          view ? json_object_new_int64 ((gint64) domain->history.swap_in_kib_per_sec) : NULL);
  json_object_object_add (object, "major_faults_per_sec",
                          view ? json_object_new_int64 ((gint64) domain->history.major_faults_per_sec) : NULL);
  json_object_object_add (object, "need_kib", decided ? ballast_json_kib (domain->decision.need_kib) : NULL);
  /* Its share of the budget less the reserve, and how long its use has
   * been above it (past the loan time, what it borrowed is called back). */
  json_object_object_add (object, "fair_share_kib",
                          decided ? ballast_json_kib (domain->decision.fair_share_kib) : NULL);
  json_object_object_add (object, "over_fair_share_sec",
                          decided ? json_object_new_int64 ((gint64) ballast_loan_clock_seconds (
                                      &domain->loan.clock, g_get_monotonic_time ()))
                                  : NULL);
  guint64 min_kib = config != NULL ? MIN (ballast_amount_resolve_kib (&domain->tuning.min, config->max_kib),
                                          config->max_kib) : 0;
  json_object_object_add (object, "min_kib", config != NULL ? ballast_json_kib (min_kib) : NULL);
  add_int (object, "shares", domain->tuning.shares);
  add_string (object, "tuning_source", domain->tuning_source);
  add_string (object, "tuning_error", domain->tuning_error);
  add_bool (object, "excluded", domain->tuning.exclude);
  add_string (object, "pressure", decided ? ballast_pressure_cause_to_string (domain->decision.pressure) : NULL);
  json_object_object_add (object, "stats_period_sec",
                          config != NULL ? json_object_new_int64 (config->stats_period_sec) : NULL);
  add_string (object, "balloon_model", config != NULL ? config->balloon_model : NULL);
  json_object_object_add (object, "ksm", ballast_ksm_manager_domain_json (ballast_daemon_get_ksm (daemon), domain));

  const BallastPlan *plan = ballast_daemon_get_plan (daemon);
  if (decided && plan != NULL)
    {
      g_autofree char *reason = ballast_decision_describe (plan, &domain->decision);
      add_string (object, "reason_code", ballast_reason_code_to_string (domain->decision.reason));
      add_string (object, "reason", reason);
    }
  else
    {
      add_string (object, "reason_code", NULL);
      add_string (object, "reason", domain->status_reason);
    }
  return object;
}

json_object *
ballast_daemon_list_json (BallastDaemon *daemon, gboolean include_inactive)
{
  json_object *result = json_object_new_object ();
  json_object *array = json_object_new_array ();
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (ballast_daemon_get_registry (daemon));
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (domain->active || include_inactive)
        json_object_array_add (array, ballast_daemon_domain_json (daemon, domain));
    }
  add_string (result, "mode", ballast_daemon_mode (daemon));
  json_object_object_add (result, "domains", array);
  return result;
}

json_object *
ballast_daemon_history_json (BallastDomain *domain, guint limit)
{
  json_object *result = json_object_new_object ();
  json_object *array = json_object_new_array ();
  guint skip = limit > 0 && domain->journal.length > limit ? domain->journal.length - limit : 0;
  guint index = 0;
  for (GList *link = domain->journal.head; link != NULL; link = link->next, index++)
    {
      if (index < skip)
        continue;
      const BallastJournalEntry *entry = link->data;
      json_object *item = json_object_new_object ();
      add_int (item, "time_usec", entry->time_usec);
      add_kib (item, "old_kib", entry->old_target_kib);
      add_kib (item, "new_kib", entry->new_target_kib);
      add_bool (item, "applied", entry->applied);
      add_string (item, "reason", entry->reason);
      json_object_array_add (array, item);
    }
  add_string (result, "name", domain->name);
  json_object_object_add (result, "entries", array);
  return result;
}
