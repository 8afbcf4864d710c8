/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-report.h"

#include "config.h"

#include "job-watch.h"
#include "json-util.h"
#include "ksm-manager.h"
#include "loan-clock.h"
#include "memory-actuator.h"
#include "virtio-mem.h"
#include "virtio-mem-actuator.h"

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

void
ballast_daemon_status_report (const BallastDaemonView *view, BallastStatusReport *report)
{
  BallastSession *session = view->session;
  const BallastDaemonCounters *counters = view->counters;
  const BallastHostSnapshot *host = view->host;
  *report = (BallastStatusReport) {
    .version = BALLAST_VERSION,
    .mode = view->mode,
    .connection = {
      .uri = ballast_session_get_uri (session),
      .state = ballast_session_state_to_string (ballast_session_get_state (session)),
      .stalled = counters->libvirt_stalled,
      .last_error = ballast_session_get_last_error (session),
      .reconnects = ballast_figure (ballast_session_get_reconnects (session)),
      .retry_in_sec = ballast_figure (ballast_session_get_retry_in_sec (session)),
    },
    .host.error = view->host_error,
    .overcommit = {
      .mode = ballast_overcommit_mode_to_string (view->overcommit),
      .hap_available = view->hap != NULL && view->hap->hap_available,
      .shrink_allowed = view->shrink_allowed,
      .verdict = view->gate_description,
    },
    .policy = {
      .source = view->policy_file->source,
      .match_rules = ballast_figure (view->policy_file->rules->len),
      .reload_error = view->policy_error,
    },
    .cycles = {
      .interval_msec = ballast_figure (view->config->interval_msec),
      .completed = ballast_figure ((gint64) counters->cycles),
      .skipped = ballast_figure ((gint64) counters->cycles_skipped),
      .last_duration_usec = ballast_figure (counters->last_cycle_duration_usec),
      .last_libvirt_calls = ballast_figure (counters->last_cycle_libvirt_calls),
      .libvirt_calls_total = ballast_figure ((gint64) counters->libvirt_calls_total),
      .changes_applied = ballast_figure ((gint64) counters->changes_applied),
      .changes_failed = ballast_figure ((gint64) counters->changes_failed),
      .pressure_events = ballast_figure ((gint64) counters->pressure_events),
      .last_time_usec = ballast_figure (counters->last_cycle_wall_usec),
    },
    .has_ksm = TRUE,
  };
  ballast_ksm_manager_report (view->ksm, &report->ksm);
  if (host != NULL)
    {
      report->host.readable = TRUE;
      report->host.mem_total_kib = ballast_figure_kib (host->meminfo.mem_total_kib);
      report->host.mem_available_kib = ballast_figure_kib (host->meminfo.mem_available_kib);
      report->host.budget_source = host->budget_source == BALLAST_BUDGET_CGROUP ? "cgroup" : "meminfo";
      report->host.budget_total_kib = ballast_figure_kib (host->budget_total_kib);
      report->host.budget_available_kib = ballast_figure_kib (host->budget_available_kib);
      report->host.budget_overflow_kib = ballast_figure_kib (host->budget_overflow_kib);
      report->host.reserve_kib = ballast_figure_kib (ballast_policy_reserve_kib (view->policy,
                                                                                host->budget_total_kib));
      if (host->has_psi)
        {
          report->host.psi_some_avg10_centipct = ballast_figure (host->psi.some.avg10_centipct);
          report->host.psi_full_avg10_centipct = ballast_figure (host->psi.full.avg10_centipct);
        }
      const BallastMeminfo *meminfo = &host->meminfo;
      report->host.swap_total_kib = ballast_figure_kib (meminfo->swap_total_kib);
      report->host.swap_used_kib = ballast_figure_kib (meminfo->swap_total_kib > meminfo->swap_free_kib
                                                         ? meminfo->swap_total_kib - meminfo->swap_free_kib : 0);
      report->host.zswap_pool_kib = ballast_figure_kib (meminfo->zswap_kib);
      report->host.zswapped_kib = ballast_figure_kib (meminfo->zswapped_kib);
      if (host->has_swap_in_rate)
        report->host.swap_in_kib_per_sec = ballast_figure_kib (host->swap_in_kib_per_sec);
      report->host.has_cgroup = host->has_cgroup;
      report->host.cgroup.version = ballast_figure (host->cgroup.version);
      report->host.cgroup.limited = host->cgroup.limited;
      report->host.cgroup.limit_kib = ballast_figure_kib (host->cgroup.limit_kib);
      report->host.cgroup.usage_kib = ballast_figure_kib (host->cgroup.usage_kib);
      report->host.cgroup.working_set_kib = ballast_figure_kib (host->cgroup.working_set_kib);
    }

  const BallastPlan *plan = view->plan;
  if (plan != NULL)
    {
      report->has_plan = TRUE;
      report->plan.slack_kib = ballast_figure (plan->slack_kib);
      report->plan.pending_kib = ballast_figure (plan->pending_kib);
      report->plan.arriving_kib = ballast_figure_kib (plan->arriving_kib);
      report->plan.deficit_kib = ballast_figure_kib (plan->deficit_kib);
      report->plan.surplus_kib = ballast_figure_kib (plan->surplus_kib);
      report->plan.reclaimed_kib = ballast_figure_kib (plan->reclaimed_kib);
      report->plan.granted_kib = ballast_figure_kib (plan->granted_kib);
      report->plan.emergency = plan->emergency;
    }

  /* Guests: counts and the overcommit ratio (sum of maxima / budget). */
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (view->registry);
  G_STATIC_ASSERT (BALLAST_N_GUEST_STATUSES == G_N_ELEMENTS (report->guests.by_status));
  gint64 running = 0, counts[BALLAST_N_GUEST_STATUSES] = { 0 };
  guint64 sum_max = 0, sum_current = 0;
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (!domain->active)
        continue;
      running++;
      counts[domain->classification.status]++;
      guint64 current = ballast_domain_current_kib (domain);
      if (domain->observed.config != NULL)
        {
          sum_max += domain->observed.config->max_kib;
          current = ballast_domain_config_guest_kib (domain->observed.config, current);
        }
      sum_current += current;
    }
  report->guests.defined = ballast_figure (domains->len);
  report->guests.running = ballast_figure (running);
  for (int s = BALLAST_GUEST_MANAGED; s < BALLAST_N_GUEST_STATUSES; s++)
    {
      report->guests.by_status[s].status = ballast_guest_status_to_string (s);
      report->guests.by_status[s].count = ballast_figure (counts[s]);
    }
  report->guests.sum_max_kib = ballast_figure_kib (sum_max);
  report->guests.sum_current_kib = ballast_figure_kib (sum_current);
  if (host != NULL && host->budget_total_kib > 0)
    report->overcommit.ratio_permille = ballast_figure ((gint64) (sum_max * 1000 / host->budget_total_kib));
}

json_object *
ballast_daemon_status_json (const BallastDaemonView *view)
{
  g_auto(BallastStatusReport) report;
  ballast_daemon_status_report (view, &report);
  return ballast_status_report_to_json (&report);
}

/* Its virtio-mem devices, summed: what an operator compares with the
 * balloon. What is plugged is in the live XML only. */
static void
report_virtio_mem (const BallastDomainConfig *config, gboolean active, BallastDomainReport *report)
{
  if (config->virtio_mem->len == 0)
    return;
  guint64 size = 0, requested = 0, block = 0;
  gboolean plugged_known = active;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      size += device->size_kib;
      requested += device->requested_kib;
      block = MAX (block, device->block_kib);
      plugged_known = plugged_known && device->has_current;
    }
  report->virtio_mem_devices = ballast_figure (config->virtio_mem->len);
  report->virtio_mem_size_kib = ballast_figure_kib (size);
  report->virtio_mem_requested_kib = ballast_figure_kib (requested);
  report->virtio_mem_block_kib = ballast_figure_kib (block);
  if (plugged_known)
    report->virtio_mem_plugged_kib = ballast_figure_kib (ballast_domain_config_virtio_mem_plugged_kib (config));
}

BallastDomainReport *
ballast_daemon_domain_report (const BallastDaemonView *view, BallastDomain *domain)
{
  const BallastDomainConfig *config = domain->observed.config;
  BallastDomainReport *report = g_new0 (BallastDomainReport, 1);
  report->name = domain->name;
  report->uuid = domain->uuid;
  report->state = ballast_domain_state_to_string (domain->state);
  report->active = domain->active;
  report->status = ballast_guest_status_to_string (domain->classification.status);
  report->status_reason = domain->classification.reason;

  if (config != NULL)
    report->max_kib = ballast_figure_kib (config->max_kib);
  guint64 current = ballast_domain_current_kib (domain);
  gboolean decided = domain->balloon.has_decision;
  guint64 target = decided ? domain->balloon.decision.target_kib
                           : domain->balloon.has_target ? domain->balloon.target_kib : current;
  /* The guest's whole memory, as libvirt's own dominfo and <currentMemory>
   * count it: the balloon's plus what virtio-mem devices plugged (the
   * target: what they were asked for, where ballast moves them). */
  BallastActuator actuator = domain->virtio_mem.actuator;
  if (domain->active)
    report->balloon_kib = ballast_figure_kib (current);
  if (config != NULL)
    {
      current = ballast_domain_config_guest_kib (config, current);
      target = ballast_actuation_guest_kib (config, actuator, target);
    }
  if (domain->active && config != NULL)
    {
      report->actuator = ballast_actuator_to_string (actuator);
      report->virtio_mem_unusable = domain->virtio_mem.unusable;
      gint64 retry_usec;
      guint64 held = ballast_virtio_mem_held_total (domain, &retry_usec);
      if (held > 0)
        {
          report->virtio_mem_held_kib = ballast_figure_kib (held);
          report->virtio_mem_retry_sec = ballast_figure (MAX (retry_usec - g_get_monotonic_time (), 0)
                                                         / G_USEC_PER_SEC);
        }
    }
  if (domain->active)
    {
      report->current_kib = ballast_figure_kib (current);
      report->target_kib = ballast_figure_kib (target);
    }
  if (ballast_job_watch_active (domain))
    {
      report->job = ballast_job_describe (domain->job.job);
      if (ballast_job_is_arriving (domain->job.job))
        report->arriving_kib = ballast_figure_kib (ballast_job_watch_domain_arriving_kib (domain));
    }

  const BallastDomainObserved *observed = &domain->observed;
  const BallastBalloonStats *stats = &observed->stats;
  gboolean guest_view = domain->active && observed->has_stats && ballast_balloon_stats_has_guest_view (stats);
  if (decided)
    {
      report->used_kib = ballast_figure_kib (domain->balloon.decision.used_kib);
      report->need_kib = ballast_figure_kib (domain->balloon.decision.need_kib);
      /* Its share of the budget less the reserve, and how long its use has
       * been above it (past the loan time, what it borrowed is called back). */
      report->fair_share_kib = ballast_figure_kib (domain->balloon.decision.fair_share_kib);
      report->over_fair_share_sec = ballast_figure ((gint64) ballast_loan_clock_seconds (
        &domain->run_state.loan, g_get_monotonic_time ()));
      report->pressure = ballast_pressure_cause_to_string (domain->balloon.decision.pressure);
    }
  if (guest_view)
    {
      report->usable_kib = ballast_figure_kib (ballast_balloon_stats_usable_kib (stats));
      if (stats->present & BALLAST_STAT_UNUSED)
        report->unused_kib = ballast_figure_kib (stats->unused_kib);
      report->swap_in_kib_per_sec = ballast_figure ((gint64) observed->history.swap_in_kib_per_sec);
      report->major_faults_per_sec = ballast_figure ((gint64) observed->history.major_faults_per_sec);
    }
  if (domain->active && observed->has_stats && (stats->present & BALLAST_STAT_RSS))
    {
      report->rss_kib = ballast_figure_kib (stats->rss_kib);
      if (config != NULL && config->free_page_reporting)
        report->returned_kib = ballast_figure_kib (config->max_kib > stats->rss_kib
                                                   ? config->max_kib - stats->rss_kib : 0);
    }
  if (config != NULL)
    {
      /* As the allocator holds it: not below what ballast cannot take back. */
      guint64 min = MIN (ballast_amount_resolve_kib (&domain->tuning.resolved.min, config->max_kib),
                         config->max_kib);
      g_autofree guint64 *held = ballast_virtio_mem_held (domain);
      report->min_kib = ballast_figure_kib (MAX (min, ballast_actuation_least_guest_kib (config, actuator, held)));
      report->stats_period_sec = ballast_figure (config->stats_period_sec);
      report->balloon_model = config->balloon_model;
      report_virtio_mem (config, domain->active, report);
    }
  report->shares = ballast_figure (domain->tuning.resolved.shares);
  report->tuning_source = domain->tuning.source;
  report->tuning_error = domain->tuning.error;
  report->excluded = domain->tuning.resolved.exclude;
  if (config != NULL && config->autodeflate)
    report->oom_deflations = ballast_figure_kib (domain->balloon.oom_deflations);
  if (domain->active && domain->observed.spikes.has_sample)
    {
      guint64 peak, age;
      gboolean due;
      ballast_spike_history_view (&domain->observed.spikes, &view->policy->spikes,
                                  g_get_monotonic_time (), &peak, &age, &due);
      if (view->policy->spikes.half_life_sec > 0)
        {
          gint64 period = ballast_spike_history_period_usec (&domain->observed.spikes);
          report->spike_peak_kib = ballast_figure_kib (peak);
          report->spike_age_sec = ballast_figure (age);
          if (period > 0)
            report->spike_period_sec = ballast_figure ((guint64) (period / G_USEC_PER_SEC));
          report->spike_due = due;
        }
    }
  report->has_ksm = TRUE;
  ballast_ksm_manager_guest_report (view->ksm, domain, &report->ksm);

  if (decided && view->plan != NULL)
    {
      report->reason_code = ballast_reason_code_to_string (domain->balloon.decision.reason);
      report->reason = ballast_decision_describe (view->plan, &domain->balloon.decision);
    }
  else
    report->reason = g_strdup (domain->classification.reason);
  return report;
}

json_object *
ballast_daemon_domain_json (const BallastDaemonView *view, BallastDomain *domain)
{
  g_autoptr(BallastDomainReport) report = ballast_daemon_domain_report (view, domain);
  return ballast_domain_report_to_json (report);
}

GPtrArray *
ballast_daemon_domain_reports (const BallastDaemonView *view, gboolean include_inactive)
{
  GPtrArray *reports = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_domain_report_free);
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (view->registry);
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (domain->active || include_inactive)
        g_ptr_array_add (reports, ballast_daemon_domain_report (view, domain));
    }
  return reports;
}

json_object *
ballast_daemon_list_json (const BallastDaemonView *view, gboolean include_inactive)
{
  json_object *result = json_object_new_object ();
  json_object *array = json_object_new_array ();
  g_autoptr(GPtrArray) reports = ballast_daemon_domain_reports (view, include_inactive);
  for (guint i = 0; i < reports->len; i++)
    json_object_array_add (array, ballast_domain_report_to_json (reports->pdata[i]));
  ballast_json_add_string (result, "mode", view->mode);
  json_object_object_add (result, "domains", array);
  return result;
}

json_object *
ballast_daemon_history_json (BallastDomain *domain, guint limit)
{
  json_object *result = json_object_new_object ();
  json_object *array = json_object_new_array ();
  const GQueue *journal = &domain->balloon.journal;
  guint skip = limit > 0 && journal->length > limit ? journal->length - limit : 0;
  guint index = 0;
  for (GList *link = journal->head; link != NULL; link = link->next, index++)
    {
      if (index < skip)
        continue;
      const BallastJournalEntry *entry = link->data;
      json_object *item = json_object_new_object ();
      json_object_object_add (item, "time_usec", json_object_new_int64 (entry->time_usec));
      json_object_object_add (item, "old_kib", ballast_json_kib (entry->old_target_kib));
      json_object_object_add (item, "new_kib", ballast_json_kib (entry->new_target_kib));
      json_object_object_add (item, "applied", json_object_new_boolean (entry->applied));
      ballast_json_add_string (item, "reason", entry->reason);
      json_object_array_add (array, item);
    }
  ballast_json_add_string (result, "name", domain->name);
  json_object_object_add (result, "entries", array);
  return result;
}
