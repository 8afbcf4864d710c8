/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cycle.h"

#include "job-watch.h"
#include "memory-actuator.h"
#include "state-keeper.h"
#include "size-units.h"
#include "virtio-mem-actuator.h"

/* A balloon that stays away from its target this many cycles is not trusted. */
#define STUCK_AFTER_CYCLES 6

void
ballast_cycle_forget_run (BallastDomain *domain)
{
  BallastDomainObserved *observed = &domain->observed;
  observed->has_stats = FALSE;
  observed->running_since_usec = 0;
  domain->balloon.has_target = FALSE;
  domain->balloon.oom_deflated_usec = 0;
  domain->balloon.oom_floor_kib = 0;
  domain->balloon.oom_unanswered = FALSE;
  domain->balloon.stuck_episodes = 0;
  domain->balloon.stuck_retry_usec = 0;
  domain->balloon.has_decision = FALSE;
  observed->stats_period_attempted = FALSE;
  g_clear_pointer (&observed->stats_period_error, g_free);
  observed->history = (BallastGuestHistory) { 0 };
  observed->spikes = (BallastSpikeHistory) { 0 };
  ballast_state_keeper_forget_run (domain);
  ballast_virtio_mem_forget_run (domain);
}

void
ballast_cycle_config_changed (BallastDomain *domain)
{
  domain->observed.config_dirty = TRUE;
}

void
ballast_cycle_balloon_changed (BallastDomain *domain, guint64 actual_kib)
{
  BallastDomainObserved *observed = &domain->observed;
  if (!observed->has_stats)
    return;
  observed->stats.actual_kib = actual_kib;
  observed->stats.present |= BALLAST_STAT_ACTUAL;
}

void
ballast_cycle_resolve_tuning (BallastDomain *domain, const BallastPolicyFile *policy_file)
{
  const BallastDomainConfig *config = domain->observed.config;
  BallastTuningRecord *tuning = &domain->tuning;
  if (config == NULL)
    return;
  BallastTuningOverride metadata = { 0 };
  g_autoptr(GError) error = NULL;
  if (config->tuning_xml != NULL && !ballast_tuning_parse (config->tuning_xml, &metadata, &error))
    {
      if (g_strcmp0 (tuning->error, error->message) != 0)
        g_warning ("%s: ignoring its ballast tuning metadata, using the policy: %s",
                   domain->name, error->message);
      g_free (tuning->error);
      tuning->error = g_strdup (error->message);
      metadata.set = 0;
    }
  else
    g_clear_pointer (&tuning->error, g_free);
  g_free (tuning->source);
  ballast_policy_file_resolve (policy_file, config, &metadata, &tuning->resolved, &tuning->source);
}

/* One OOM notification in the guest gives back 256 pages: 1 MiB. */
#define OOM_DEFLATION_MIN_KIB 1024

/* A balloon with autodeflate that grew above its target since the last
 * sample, without ballastd asking, was deflated by the guest on an OOM:
 * the target follows it (nothing of it is memory on its way back), the
 * allocator sees the guest pressured at once and keeps it at least there
 * for the regrow delay. Not after a reboot (its counters started again),
 * where the balloon comes back at full size by itself. */
static void
notice_oom_deflation (BallastDomain *domain, guint64 previous_actual_kib, gint64 now_usec)
{
  const BallastDomainConfig *config = domain->observed.config;
  const BallastBalloonStats *stats = &domain->observed.stats;
  BallastBalloonRecord *balloon = &domain->balloon;
  if (config == NULL || !config->autodeflate || !balloon->has_target || previous_actual_kib == 0
      || !(stats->present & BALLAST_STAT_ACTUAL))
    return;
  guint64 actual_kib = MIN (stats->actual_kib, config->max_kib);
  if (actual_kib <= balloon->target_kib || actual_kib < previous_actual_kib + OOM_DEFLATION_MIN_KIB)
    return;
  g_autofree char *from = ballast_size_format_kib (previous_actual_kib);
  g_autofree char *to = ballast_size_format_kib (actual_kib);
  g_autofree char *target = ballast_size_format_kib (balloon->target_kib);
  g_warning ("%s: guest deflated its balloon on OOM: %s -> %s, above its target %s; "
             "not taken back for the regrow delay", domain->name, from, to, target);
  balloon->oom_deflations++;
  balloon->oom_deflated_usec = now_usec;
  balloon->oom_floor_kib = actual_kib;
  balloon->oom_unanswered = TRUE;
  balloon->target_kib = actual_kib;
}

void
ballast_cycle_merge (BallastRegistry *registry, BallastCollectResult *result,
                     const BallastPolicyFile *policy_file, guint stats_period_sec,
                     guint64 min_change_kib, gint64 now_usec)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 wall_usec = g_get_real_time ();

  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      BallastDomain *domain = ballast_registry_ensure (registry, collected->uuid, collected->name);
      g_hash_table_add (seen, domain->uuid);
      if (domain->domain != NULL)
        virDomainFree (domain->domain);
      domain->domain = g_steal_pointer (&collected->domain);
      if (domain->active != collected->active)
        ballast_cycle_forget_run (domain);
      domain->state = collected->state;
      domain->active = collected->active;
      ballast_job_watch_merge (domain, collected, now_usec);

      BallastDomainObserved *observed = &domain->observed;
      if (domain->active && observed->running_since_usec == 0)
        observed->running_since_usec = now_usec;
      if (collected->fetched_config)
        {
          /* Once per domain and contradiction, not at every fetch. */
          const char *conflict = collected->config != NULL ? collected->config->conflict : NULL;
          if (conflict != NULL
              && (observed->config == NULL || g_strcmp0 (observed->config->conflict, conflict) != 0))
            g_warning ("%s: %s; its balloon is not counted on (fixed)", domain->name, conflict);
          const char *virtio_mem_problem = collected->config != NULL
                                             ? collected->config->virtio_mem_problem : NULL;
          if (virtio_mem_problem != NULL
              && (observed->config == NULL
                  || g_strcmp0 (observed->config->virtio_mem_problem, virtio_mem_problem) != 0))
            g_warning ("%s; that device is left alone", virtio_mem_problem);
          ballast_domain_config_free (observed->config);
          observed->config = g_steal_pointer (&collected->config);
          if (g_strcmp0 (observed->config_error, collected->config_error) != 0
              && collected->config_error != NULL)
            g_warning ("%s: %s", domain->name, collected->config_error);
          g_free (observed->config_error);
          observed->config_error = g_steal_pointer (&collected->config_error);
          observed->config_dirty = FALSE;
          ballast_cycle_resolve_tuning (domain, policy_file);
          ballast_state_keeper_restore (domain, now_usec, wall_usec);
        }
      else if (collected->period_attempted && observed->config != NULL
               && collected->period_error == NULL)
        observed->config->stats_period_sec = stats_period_sec;

      if (collected->period_attempted)
        {
          observed->stats_period_attempted = TRUE;
          g_free (observed->stats_period_error);
          observed->stats_period_error = g_steal_pointer (&collected->period_error);
          if (observed->stats_period_error != NULL)
            g_warning ("%s: cannot set the balloon stats period: %s", domain->name,
                       observed->stats_period_error);
          else
            g_message ("%s: balloon stats period set to %u s", domain->name, stats_period_sec);
        }

      observed->has_stats = collected->has_stats;
      if (collected->has_stats)
        {
          guint64 previous_actual_kib = observed->history.last_actual_kib;
          guint resets = observed->history.counter_resets;
          observed->stats = collected->stats;
          /* The balloon's own size, as its event and virDomainMemoryStats
           * give it and as a target is set. */
          if (observed->config != NULL)
            ballast_balloon_stats_exclude_virtio_mem (
              &observed->stats, ballast_domain_config_virtio_mem_plugged_kib (observed->config));
          ballast_guest_history_advance (&observed->history, &observed->stats,
                                         domain->balloon.has_target ? domain->balloon.target_kib : 0,
                                         now_usec);
          if (observed->history.counter_resets == resets)
            notice_oom_deflation (domain, previous_actual_kib, now_usec);
          /* What it uses, once per report of the guest's, into its spikes;
           * figures that contradict each other are not fed. */
          if (observed->history.last_update_changed_usec == now_usec
              && ballast_balloon_stats_has_guest_view (&observed->stats)
              && observed->config != NULL
              && ballast_balloon_stats_check (&observed->stats, observed->config->max_kib) == NULL)
            ballast_spike_history_add (&observed->spikes, &policy_file->policy.spikes,
                                       observed->history.used_kib, now_usec);
          /* A balloon seen moving towards what it was asked is not stuck,
           * however often it was before. */
          if (domain->balloon.has_target
              && ballast_guest_history_track_target (&observed->history, now_usec, observed->stats.actual_kib,
                                                     domain->balloon.target_kib, min_change_kib))
            domain->balloon.stuck_episodes = 0;
        }
    }

  /* Whatever libvirt no longer lists is gone (undefined, or transient and
   * stopped). */
  g_autoptr(GPtrArray) all = ballast_registry_list_sorted (registry);
  for (guint i = 0; i < all->len; i++)
    {
      BallastDomain *domain = all->pdata[i];
      if (!g_hash_table_contains (seen, domain->uuid))
        {
          g_message ("%s: no longer defined, forgotten", domain->name);
          ballast_registry_remove (registry, domain->uuid);
        }
    }
}

/* A running guest with a balloon device whose driver has not reported:
 * waiting for it (a guest loads virtio_balloon late in its boot), or,
 * after DRIVER_WAIT_SEC, no-driver. The reason, with its figures, goes in
 * DOMAIN's classification detail. */
static BallastGuestStatus
classify_silent_driver (BallastDomain *domain, guint driver_wait_sec, gint64 now_usec,
                        const char **ret_reason)
{
  BallastDomainClassification *classification = &domain->classification;
  gint64 running_usec = now_usec - domain->observed.running_since_usec;
  gint64 waited_sec = MAX (running_usec, 0) / G_USEC_PER_SEC;
  if (waited_sec < driver_wait_sec)
    {
      g_snprintf (classification->detail, sizeof classification->detail,
                  "no balloon driver answering in the guest yet: waiting %" G_GINT64_FORMAT
                  " s of %u s (driver-wait)", waited_sec, driver_wait_sec);
      *ret_reason = classification->detail;
      return BALLAST_GUEST_UNMANAGED;
    }
  g_snprintf (classification->detail, sizeof classification->detail,
              "no balloon driver answered in the guest within %u s (driver-wait): "
              "virtio_balloon not loaded?", driver_wait_sec);
  *ret_reason = classification->detail;
  return BALLAST_GUEST_NO_DRIVER;
}

/* Whether DOMAIN's balloon is stuck: found not moving towards its target
 * for STUCK_AFTER_CYCLES cycles of INTERVAL_MSEC
 * (ballast_guest_history_balloon_stuck()), and not yet due to be asked
 * again. Each
 * time it is found stuck it is left alone longer (the policy's
 * stuck-retry, doubling); when the time comes it is managed again, and the
 * allocator asks anew whatever it then needs. */
static gboolean
balloon_stuck (BallastDomain *domain, const BallastPolicy *policy, guint interval_msec, gint64 now_usec,
               const char **ret_reason)
{
  BallastBalloonRecord *balloon = &domain->balloon;
  BallastGuestHistory *history = &domain->observed.history;
  if (balloon->stuck_retry_usec == 0
      && ballast_guest_history_balloon_stuck (history, STUCK_AFTER_CYCLES, interval_msec, now_usec))
    {
      balloon->stuck_episodes++;
      balloon->stuck_retry_usec
        = now_usec + (gint64) ballast_policy_stuck_retry_sec (policy, balloon->stuck_episodes)
                       * G_USEC_PER_SEC;
    }
  if (balloon->stuck_retry_usec == 0)
    return FALSE;
  const char *times = balloon->stuck_episodes == 1 ? "time" : "times";
  if (now_usec >= balloon->stuck_retry_usec)
    {
      g_message ("%s: asking its balloon again (found stuck %u %s in a row)", domain->name,
                 balloon->stuck_episodes, times);
      balloon->stuck_retry_usec = 0;
      history->cycles_not_moving = 0;
      return FALSE;
    }
  gint64 left_sec = (balloon->stuck_retry_usec - now_usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  g_snprintf (domain->classification.detail, sizeof domain->classification.detail,
              "balloon not moving towards its target: asked no more, again in %" G_GINT64_FORMAT
              " s (found stuck %u %s in a row)", left_sec, balloon->stuck_episodes, times);
  *ret_reason = domain->classification.detail;
  return TRUE;
}

static void
classify_domain (BallastDomain *domain, const BallastPolicy *policy, guint driver_wait_sec,
                 guint interval_msec, gint64 now_usec)
{
  const char *reason = NULL;
  BallastGuestStatus status = BALLAST_GUEST_UNMANAGED;

  const BallastDomainObserved *observed = &domain->observed;
  const BallastDomainConfig *config = observed->config;
  if (domain->active && config != NULL)
    {
      ballast_virtio_mem_observe (domain, policy, now_usec);
      ballast_virtio_mem_resolve (domain);
    }
  if (!domain->active)
    reason = "not running";
  else if (ballast_job_watch_active (domain))
    {
      status = BALLAST_GUEST_IN_JOB;
      reason = ballast_job_watch_describe (domain, domain->classification.detail,
                                           sizeof domain->classification.detail, now_usec);
    }
  else if (config == NULL)
    reason = observed->config_error != NULL ? "domain XML unusable (see log)" : "config not yet read";
  else if ((reason = ballast_domain_config_unmanaged_reason (config)) != NULL)
    status = BALLAST_GUEST_NO_DRIVER;
  else if (!observed->has_stats)
    reason = "no balloon stats from the driver";
  else if (!ballast_balloon_stats_has_guest_view (&observed->stats))
    {
      if (config->stats_period_sec == 0 && observed->stats_period_error != NULL)
        reason = "no stats period and it cannot be set";
      else
        status = classify_silent_driver (domain, driver_wait_sec, now_usec, &reason);
    }
  else if (domain->tuning.resolved.exclude)
    {
      status = BALLAST_GUEST_EXCLUDED;
      reason = "excluded by tuning";
    }
  else if ((reason = ballast_balloon_stats_check (&observed->stats, config->max_kib)) != NULL)
    status = BALLAST_GUEST_UNRESPONSIVE;
  else if (ballast_guest_history_is_stale (&observed->history, now_usec, config->stats_period_sec))
    {
      status = BALLAST_GUEST_UNRESPONSIVE;
      reason = "stats stale: last-update unchanged for over 3 periods";
    }
  else if (balloon_stuck (domain, policy, interval_msec, now_usec, &reason))
    status = BALLAST_GUEST_UNRESPONSIVE;
  else
    status = BALLAST_GUEST_MANAGED;

  /* A balloon that frees no host memory: decided for, but never shrunk.
   * Shown as fixed unless its stats are the more urgent news. Not where
   * virtio-mem moves it instead. */
  const char *fixed_reason = NULL;
  if ((status == BALLAST_GUEST_MANAGED || status == BALLAST_GUEST_UNRESPONSIVE)
      && domain->virtio_mem.actuator != BALLAST_ACTUATOR_VIRTIO_MEM)
    fixed_reason = ballast_domain_config_fixed_reason (config);
  if (fixed_reason != NULL && status == BALLAST_GUEST_MANAGED)
    {
      status = BALLAST_GUEST_FIXED;
      reason = fixed_reason;
    }
  domain->classification.fixed = fixed_reason != NULL;

  /* Figures partly made of stand-ins: decided for with a wider headroom. */
  const char *partial_reason = NULL;
  if (status == BALLAST_GUEST_MANAGED || status == BALLAST_GUEST_UNRESPONSIVE
      || status == BALLAST_GUEST_FIXED)
    partial_reason = ballast_balloon_stats_partial_reason (&observed->stats);
  if (partial_reason != NULL && status == BALLAST_GUEST_MANAGED)
    {
      status = BALLAST_GUEST_PARTIAL_STATS;
      g_snprintf (domain->classification.detail, sizeof domain->classification.detail,
                  "%s; kept with %u%% of the headroom", partial_reason,
                  policy->partial_stats_headroom_percent);
      reason = domain->classification.detail;
    }
  domain->classification.partial_stats = partial_reason != NULL;

  if (status != domain->classification.status && reason != NULL && domain->active)
    g_message ("%s: %s: %s", domain->name, ballast_guest_status_to_string (status), reason);
  else if (status == BALLAST_GUEST_UNMANAGED && reason == domain->classification.detail)
    g_debug ("%s: %s", domain->name, reason); /* the wait's count, every cycle */
  domain->classification.status = status;
  domain->classification.reason = reason;
}

/* The allocator decides for managed, unresponsive, fixed and
 * partial-stats domains. */
static gboolean
is_decided_for (const BallastDomain *domain)
{
  return domain->classification.status == BALLAST_GUEST_MANAGED
         || domain->classification.status == BALLAST_GUEST_UNRESPONSIVE
         || domain->classification.status == BALLAST_GUEST_FIXED
         || domain->classification.status == BALLAST_GUEST_PARTIAL_STATS;
}

void
ballast_cycle_classify (BallastRegistry *registry, const BallastPolicy *policy,
                        guint driver_wait_sec, guint interval_msec, gint64 now_usec)
{
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (registry);
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      classify_domain (domain, policy, driver_wait_sec, interval_msec, now_usec);
      if (!is_decided_for (domain))
        domain->balloon.has_decision = FALSE;
    }
}

/* Whether SINCE_USEC (monotonic, 0: never) is within the policy's regrow
 * delay of NOW_USEC. */
static gboolean
within_regrow_delay (const BallastPolicy *policy, gint64 since_usec, gint64 now_usec)
{
  return since_usec != 0 && now_usec - since_usec < (gint64) policy->regrow_delay_sec * G_USEC_PER_SEC;
}

/* DOMAIN's tuning, with the wider headroom of a guest whose figures are
 * partly stand-ins. */
static BallastGuestTuning
guest_tuning (const BallastDomain *domain, const BallastPolicy *policy)
{
  BallastGuestTuning tuning = domain->tuning.resolved;
  if (domain->classification.partial_stats)
    {
      guint percent = policy->partial_stats_headroom_percent;
      tuning.headroom_permille = (guint) MIN ((guint64) tuning.headroom_permille * percent / 100,
                                              G_MAXUINT);
      tuning.headroom_floor_kib = tuning.headroom_floor_kib > G_MAXUINT64 / percent
                                    ? G_MAXUINT64 : tuning.headroom_floor_kib * percent / 100;
    }
  return tuning;
}

/* What the balloon was last asked for, or where it is. */
static guint64
balloon_target_kib (const BallastDomain *domain)
{
  guint64 balloon_max = ballast_domain_config_balloon_max_kib (domain->observed.config);
  return domain->balloon.has_target ? domain->balloon.target_kib
                                    : MIN (ballast_domain_current_kib (domain), balloon_max);
}

/* What the allocator knows of DOMAIN: sizes of the whole guest, the
 * balloon's and what its virtio-mem devices have (or were asked for),
 * HELD_KIB the least each device can be asked for now. */
static BallastGuestInput
guest_input (const BallastDomain *domain, const BallastPolicy *policy, const guint64 *held_kib,
             gint64 now_usec)
{
  const BallastDomainObserved *observed = &domain->observed;
  const BallastDomainConfig *config = observed->config;
  const BallastBalloonRecord *balloon = &domain->balloon;
  BallastActuator actuator = domain->virtio_mem.actuator;
  guint64 current = ballast_domain_current_kib (domain);
  guint64 balloon_max = ballast_domain_config_balloon_max_kib (config);
  guint64 spike_peak, spike_age;
  gboolean spike_due;
  ballast_spike_history_view (&observed->spikes, &policy->spikes, now_usec, &spike_peak, &spike_age,
                              &spike_due);
  BallastGuestInput input = {
    .name = domain->name,
    /* The devices' whole size where ballast moves them, else what they
     * have plugged. */
    .max_kib = actuator == BALLAST_ACTUATOR_BALLOON ? ballast_domain_config_guest_kib (config, balloon_max)
                                                    : config->max_kib,
    .current_kib = ballast_domain_config_guest_kib (config, current),
    /* Never set: where the balloon is, but never above the maximum,
     * whatever a hostile guest claims (that would be a bogus change). */
    .target_kib = ballast_actuation_guest_kib (config, actuator, balloon_target_kib (domain)),
    .usable_kib = ballast_balloon_stats_usable_kib (&observed->stats),
    .reported_total_kib = (observed->stats.present & BALLAST_STAT_AVAILABLE)
                            ? observed->stats.available_kib : 0,
    .resident_kib = (observed->stats.present & BALLAST_STAT_RSS) ? observed->stats.rss_kib : 0,
    .used_growth_kib_per_sec = observed->history.used_growth_kib_per_sec,
    .swap_in_kib_per_sec = observed->history.swap_in_kib_per_sec,
    .major_faults_per_sec = observed->history.major_faults_per_sec,
    .unresponsive = domain->classification.status == BALLAST_GUEST_UNRESPONSIVE,
    .oom_deflated = balloon->oom_unanswered,
    .oom_floor_kib = within_regrow_delay (policy, balloon->oom_deflated_usec, now_usec)
                     ? ballast_domain_config_guest_kib (config, balloon->oom_floor_kib) : 0,
    .fixed = domain->classification.fixed,
    .free_page_reporting = observed->config->free_page_reporting,
    .recently_shrunk = within_regrow_delay (policy, balloon->last_shrink_usec, now_usec),
    .settling = balloon->has_target
                && observed->history.last_update_changed_usec <= balloon->target_applied_usec,
    .over_fair_share_sec = ballast_loan_clock_seconds (&domain->run_state.loan, now_usec),
    .spike_peak_kib = spike_peak,
    .spike_age_sec = spike_age,
    .spike_due = spike_due,
    .tuning = guest_tuning (domain, policy),
  };
  /* What stays plugged (under the balloon alone, or a stuck unplug), and
   * the boot memory under virtio-mem alone: the allocator must not count
   * on taking the guest below it, or the host would stay short while the
   * plan says otherwise. */
  input.unreachable_kib = ballast_actuation_least_guest_kib (config, actuator, held_kib);
  return input;
}

BallastCycleDecision *
ballast_cycle_decide (BallastRegistry *registry, const BallastHostSnapshot *host,
                      const BallastCycleDecideOptions *options, gint64 now_usec)
{
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (registry);
  g_autoptr(GPtrArray) managed = g_ptr_array_new ();
  guint64 arriving_kib = 0;
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (is_decided_for (domain))
        g_ptr_array_add (managed, domain);
      arriving_kib += ballast_job_watch_domain_arriving_kib (domain);
    }

  BallastCycleDecision *result = g_new0 (BallastCycleDecision, 1);
  result->n_guests = managed->len;
  result->guests = g_new0 (BallastGuestInput, MAX (managed->len, 1));
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < managed->len; i++)
    {
      BallastDomain *domain = managed->pdata[i];
      g_ptr_array_add (held, ballast_virtio_mem_held (domain));
      result->guests[i] = guest_input (domain, options->policy, held->pdata[i], now_usec);
      domain->balloon.oom_unanswered = FALSE; /* this decision answers it */
    }
  result->host = (BallastHostInput) {
    .total_kib = host->budget_total_kib,
    .available_kib = host->budget_available_kib,
    .overflow_kib = host->budget_overflow_kib,
    .arriving_kib = arriving_kib,
    .has_psi = host->has_psi,
    .psi_some_avg10_centipct = host->psi.some.avg10_centipct,
    .decision_interval_sec = options->interval_sec,
  };
  if (options->exit_restore != NULL)
    result->plan = ballast_exit_restore_decide (options->exit_restore, options->policy,
                                                &result->host, result->guests, managed->len);
  else
    result->plan = ballast_policy_decide (options->policy, &result->host, result->guests,
                                          managed->len, options->shrink_allowed);

  result->actions = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_apply_item_free);
  gint64 wall_usec = g_get_real_time ();
  for (guint i = 0; i < managed->len; i++)
    {
      BallastDomain *domain = managed->pdata[i];
      /* The guest's size split into what moves it (lib/memory-actuator.h),
       * and the decision back in the balloon's own terms, which the
       * balloon's change, log and journal speak; the plan stays as the
       * allocator made it, for the trace. */
      const BallastDomainConfig *config = domain->observed.config;
      BallastDecision *decision = &domain->balloon.decision;
      *decision = result->plan->decisions[i];
      g_autofree guint64 *requested = g_new0 (guint64, MAX (config->virtio_mem->len, 1));
      decision->old_target_kib = balloon_target_kib (domain);
      /* A hold keeps the balloon where it was asked (its split could
       * differ by a block's rounding). */
      if (decision->changed)
        ballast_actuation_split (config, domain->virtio_mem.actuator, decision->target_kib,
                                 held->pdata[i], &decision->target_kib, requested);
      else
        decision->target_kib = decision->old_target_kib;
      g_autoptr(GPtrArray) device_changes = g_ptr_array_new_with_free_func (
        (GDestroyNotify) ballast_apply_item_free);
      /* A device is moved only when the allocator moves the guest; a
       * stuck unplug is asked again whatever it decided. */
      g_autofree char *guest_reason = ballast_decision_describe (result->plan, &result->plan->decisions[i]);
      ballast_virtio_mem_add_changes (domain, decision->changed ? requested : NULL, guest_reason,
                                      device_changes, now_usec);
      gboolean balloon_moves = decision->changed && decision->target_kib != decision->old_target_kib;
      decision->changed = balloon_moves || device_changes->len > 0;
      domain->balloon.has_decision = TRUE;
      ballast_loan_clock_advance (&domain->run_state.loan, now_usec, decision);
      if (options->actuate)
        {
          if (balloon_moves)
            g_ptr_array_add (result->actions, ballast_apply_item_new (domain->domain, domain->uuid,
                                                                      decision->target_kib));
          g_ptr_array_extend_and_steal (result->actions, g_steal_pointer (&device_changes));
          continue;
        }
      if (!decision->changed)
        continue;
      g_autofree char *reason = ballast_decision_describe (result->plan, decision);
      if (balloon_moves)
        {
          g_autofree char *old_text = ballast_size_format_kib (decision->old_target_kib);
          g_autofree char *new_text = ballast_size_format_kib (decision->target_kib);
          g_message ("%s: would set balloon %s -> %s (%s) [%s]", domain->name, old_text, new_text,
                     reason, options->mode);
          ballast_domain_journal_add (domain, wall_usec, decision->old_target_kib,
                                      decision->target_kib, FALSE, reason);
        }
      for (guint k = 0; k < device_changes->len; k++)
        {
          const BallastApplyItem *change = device_changes->pdata[k];
          g_autofree char *old_text = ballast_size_format_kib (change->old_kib);
          g_autofree char *new_text = ballast_size_format_kib (change->target_kib);
          g_message ("%s: would ask virtio-mem %s %s -> %s (%s) [%s]", domain->name, change->alias,
                     old_text, new_text, change->reason, options->mode);
        }
    }

  /* The loan clocks and spikes into the domains' metadata, after the
   * balloon changes. */
  for (guint i = 0; i < managed->len && options->keep_run_state; i++)
    {
      BallastApplyItem *write = ballast_state_keeper_write (managed->pdata[i], &options->policy->spikes,
                                                            now_usec, wall_usec);
      if (write != NULL)
        g_ptr_array_add (result->actions, write);
    }
  return result;
}

void
ballast_cycle_decision_free (BallastCycleDecision *decision)
{
  if (decision == NULL)
    return;
  g_free (decision->guests);
  ballast_plan_free (decision->plan);
  if (decision->actions != NULL)
    g_ptr_array_unref (decision->actions);
  g_free (decision);
}

void
ballast_cycle_applied (BallastRegistry *registry, const BallastPlan *plan,
                       const BallastApplyResult *result, BallastDaemonCounters *counters,
                       gboolean *run_state_unsupported)
{
  gint64 wall_usec = g_get_real_time ();
  for (guint i = 0; i < result->items->len; i++)
    {
      BallastApplyItem *item = result->items->pdata[i];
      BallastDomain *domain = ballast_registry_lookup (registry, item->uuid);
      /* Not made: a job began since the decision. The domain is left
       * alone until it ends, and decided afresh then. */
      if (item->outcome == BALLAST_APPLY_BUSY)
        {
          if (domain != NULL)
            {
              ballast_job_watch_busy (domain, item, g_get_monotonic_time ());
              domain->balloon.has_decision = FALSE;
            }
          continue;
        }
      if (item->kind == BALLAST_APPLY_RUN_STATE)
        {
          if (domain != NULL && !ballast_state_keeper_written (domain, item))
            *run_state_unsupported = TRUE;
          continue;
        }
      if (item->kind == BALLAST_APPLY_VIRTIO_MEM)
        {
          if (domain != NULL)
            ballast_virtio_mem_applied (domain, item, counters);
          continue;
        }
      /* Destroyed, undefined or migrated away since the decision: normal.
       * Said here too when its lifecycle event came first and took the
       * decision away. */
      if (item->outcome == BALLAST_APPLY_GONE && (domain == NULL || !domain->balloon.has_decision))
        {
          g_debug ("%s: gone before its balloon could be set, ignoring: %s",
                   domain != NULL ? domain->name : item->uuid, item->error);
          continue;
        }
      if (domain == NULL || !domain->balloon.has_decision)
        {
          /* Its lifecycle event (a restart, say) voided the decision while
           * the change was under way: the outcome is still said, without a
           * reason that no longer holds; the next cycle starts afresh. */
          const char *name = domain != NULL ? domain->name : item->uuid;
          g_autofree char *target_text = ballast_size_format_kib (item->target_kib);
          if (item->outcome == BALLAST_APPLY_FAILED)
            {
              counters->changes_failed++;
              g_warning ("%s: cannot set balloon to %s (its state changed meanwhile): %s", name,
                         target_text, item->error);
            }
          else if (item->outcome == BALLAST_APPLY_OK)
            g_message ("%s: balloon set to %s as its state changed; decided afresh next cycle",
                       name, target_text);
          continue;
        }
      const BallastDecision *decision = &domain->balloon.decision;
      g_autofree char *reason = ballast_decision_describe (plan, decision);
      g_autofree char *old_text = ballast_size_format_kib (decision->old_target_kib);
      g_autofree char *new_text = ballast_size_format_kib (item->target_kib);
      switch (item->outcome)
        {
        case BALLAST_APPLY_OK:
          domain->balloon.has_target = TRUE;
          domain->balloon.target_kib = item->target_kib;
          domain->balloon.target_applied_usec = g_get_monotonic_time ();
          if (item->target_kib < decision->old_target_kib)
            domain->balloon.last_shrink_usec = domain->balloon.target_applied_usec;
          counters->changes_applied++;
          g_message ("%s: balloon %s -> %s (%s)", domain->name, old_text, new_text, reason);
          ballast_domain_journal_add (domain, wall_usec, decision->old_target_kib,
                                      item->target_kib, TRUE, reason);
          break;
        case BALLAST_APPLY_GONE:
          g_debug ("%s: gone before its balloon could be set, ignoring: %s", domain->name,
                   item->error);
          ballast_cycle_config_changed (domain);
          break;
        case BALLAST_APPLY_FAILED:
        default:
          counters->changes_failed++;
          g_warning ("%s: cannot set balloon %s -> %s: %s", domain->name, old_text, new_text,
                     item->error);
          break;
        }
    }
}
