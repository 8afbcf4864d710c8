/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-model.h"

#include "virtio-mem.h"

#include <math.h>

#define KIB_PER_MIB 1024.0
#define MIB_IN_KIB G_GUINT64_CONSTANT (1024)

/* One guest's state between steps. */
typedef struct {
  const BallastSimGuest *guest;
  BallastGuestTuning tuning;
  guint64 min_kib;
  gboolean running;
  double actual_kib;           /* balloon size */
  guint64 target_kib;
  double touched_kib;          /* resident on the host */
  double demand_kib;           /* this step's */
  double swap_in_kib;          /* cumulative */
  double swap_in_at_cycle_kib; /* at the previous decision */
  gint64 cycle_start_msec;     /* time of the previous decision (or start) */
  gboolean killed;             /* an OOM killed the workload's excess */
  /* With a virtio-mem device: the domain as ballastd would read it (its
   * device's <current> and <requested> kept as they are), what is plugged
   * and what the device is asked for. Else NULL and 0. */
  BallastDomainConfig *config;
  double plugged_kib;
  guint64 requested_kib;
} GuestState;

/* The domain of GUEST, which has a virtio-mem device, as ballastd would
 * read it from libvirt: a pinned guest has a VFIO device. */
static BallastDomainConfig *
virtio_mem_config_new (const BallastSimGuest *guest)
{
  BallastDomainConfig *config = g_new0 (BallastDomainConfig, 1);
  config->name = g_strdup (guest->name);
  config->domain_type = g_strdup ("kvm");
  config->max_kib = guest->max_kib;
  config->current_kib = guest->initial_kib;
  config->has_balloon = TRUE;
  config->balloon_model = g_strdup ("virtio");
  config->free_page_reporting = guest->free_page_reporting;
  if (guest->fixed)
    config->vfio_device = g_strdup ("<hostdev type='pci'> (modelled)");
  config->virtio_mem = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_virtio_mem_free);
  BallastVirtioMem *device = g_new0 (BallastVirtioMem, 1);
  device->alias = g_strdup ("virtiomem0");
  device->node = 0;
  device->size_kib = guest->virtio_mem.size_kib;
  device->block_kib = guest->virtio_mem.block_kib;
  device->has_current = TRUE;
  g_ptr_array_add (config->virtio_mem, device);
  return config;
}

static BallastVirtioMem *
state_device (const GuestState *s)
{
  return s->config->virtio_mem->pdata[0];
}

/* What the guest has plugged as libvirt reports it: a block partly
 * unplugged is still plugged. */
static guint64
plugged_blocks_kib (const GuestState *s)
{
  guint64 block = s->guest->virtio_mem.block_kib;
  guint64 plugged = (guint64) ceil (s->plugged_kib - 1e-6); /* float noise is not a KiB */
  return MIN ((plugged + block - 1) / block * block, s->guest->virtio_mem.size_kib);
}

/* The guest's memory: its balloon and what its device has plugged. */
static double
state_memory_kib (const GuestState *s)
{
  return s->actual_kib + (s->config != NULL ? (double) plugged_blocks_kib (s) : 0);
}

/* The device follows its <requested> for DT_SEC: plugs at the balloon's
 * pace, and unplugs at its own (by default the balloon's too) only blocks
 * the guest can empty: not what it uses beyond its balloon, nor its
 * unmovable memory (a partial unplug). */
static void
virtio_mem_step (GuestState *s, double dt_sec, guint64 balloon_rate_kib_per_sec)
{
  const BallastSimVirtioMem *vm = &s->guest->virtio_mem;
  double requested = (double) s->requested_kib;
  if (s->plugged_kib < requested)
    {
      s->plugged_kib = MIN (s->plugged_kib + (double) balloon_rate_kib_per_sec * dt_sec, requested);
      return;
    }
  if (s->plugged_kib <= requested)
    return;
  double in_use = MIN (s->demand_kib, state_memory_kib (s)) - s->actual_kib;
  double floor_kib = MAX (requested, MAX (in_use, (double) vm->unmovable_kib));
  floor_kib = ceil (floor_kib / (double) vm->block_kib) * (double) vm->block_kib;
  if (s->plugged_kib > floor_kib)
    {
      guint64 rate = vm->unplug_rate_kib_per_sec != 0 ? vm->unplug_rate_kib_per_sec : balloon_rate_kib_per_sec;
      s->plugged_kib = MAX (s->plugged_kib - (double) rate * dt_sec, floor_kib);
    }
}

void
ballast_sim_result_free (BallastSimResult *result)
{
  if (result == NULL)
    return;
  g_free (result->policy_name);
  g_free (result->guests);
  if (result->timeline != NULL)
    {
      g_free (result->timeline->demand_mib);
      g_free (result->timeline->target_mib);
      g_free (result->timeline->actual_mib);
      g_free (result->timeline->host_used_mib);
      g_free (result->timeline->host_demand_mib);
      g_free (result->timeline->host_actual_mib);
      g_free (result->timeline);
    }
  g_free (result);
}

void
ballast_sim_guest_tuning (const BallastPolicyFile *file, const BallastSimGuest *guest,
                          BallastGuestTuning *ret_tuning, guint64 *ret_min_kib)
{
  /* The scenario's guest is a domain: its name and <memory> for the match
   * rules and relative minimums, its own fields as tuning metadata. */
  BallastDomainConfig config = { .name = guest->name, .max_kib = guest->max_kib };
  ballast_policy_file_resolve (file, &config, &guest->tuning, ret_tuning, NULL);
  *ret_min_kib = MIN (ballast_amount_resolve_kib (&ret_tuning->min, guest->max_kib), guest->max_kib);
}

static BallastSimTimeline *
timeline_new (const BallastSimScenario *scenario, gsize max_samples)
{
  BallastSimTimeline *timeline = g_new0 (BallastSimTimeline, 1);
  gint64 steps = scenario->duration_msec / scenario->step_msec;
  gint64 per_sample = MAX ((steps + (gint64) max_samples - 1) / (gint64) max_samples, 1);
  timeline->interval_msec = per_sample * scenario->step_msec;
  timeline->n_samples = (gsize) ((scenario->duration_msec + timeline->interval_msec - 1)
                                 / timeline->interval_msec);
  timeline->n_guests = scenario->guests->len;
  gsize cells = timeline->n_guests * timeline->n_samples;
  timeline->demand_mib = g_new (float, MAX (cells, 1));
  timeline->target_mib = g_new (float, MAX (cells, 1));
  timeline->actual_mib = g_new (float, MAX (cells, 1));
  for (gsize i = 0; i < cells; i++)
    timeline->demand_mib[i] = timeline->target_mib[i] = timeline->actual_mib[i] = NAN;
  timeline->host_used_mib = g_new0 (float, timeline->n_samples);
  timeline->host_demand_mib = g_new0 (float, timeline->n_samples);
  timeline->host_actual_mib = g_new0 (float, timeline->n_samples);
  return timeline;
}

static float
max_or_set (float old, double value)
{
  return isnan (old) || value > old ? (float) value : old;
}

/* Ask the policy, apply its targets, count the changes. */
static void
run_cycle (const BallastSimScenario *scenario, BallastSimPolicy *policy, GuestState *states,
           gsize n, gint64 now_msec, double host_used_kib, double psi_avg,
           BallastSimResult *result, const BallastSimRunOptions *options,
           BallastSimGuestView *views, guint64 *targets, guint64 *requested, int *reasons)
{
  gsize n_views = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestState *s = &states[i];
      if (!s->running)
        continue;
      double memory = state_memory_kib (s);
      double used = MIN (s->demand_kib, memory);
      double elapsed_sec = (double) (now_msec - s->cycle_start_msec) / 1000.0;
      guint64 swap_rate = elapsed_sec > 0
                          ? (guint64) ((s->swap_in_kib - s->swap_in_at_cycle_kib) / elapsed_sec) : 0;
      guint64 current = (guint64) (memory + 0.5);
      guint64 usable = (guint64) (memory - used + 0.5);
      guint64 max = s->guest->max_kib, target = s->target_kib;
      if (s->config != NULL)
        {
          BallastVirtioMem *device = state_device (s);
          device->current_kib = plugged_blocks_kib (s);
          device->requested_kib = s->requested_kib;
          max = ballast_domain_config_guest_kib (s->config, ballast_domain_config_balloon_max_kib (s->config));
          target = ballast_domain_config_guest_kib (s->config, s->target_kib);
        }
      views[n_views] = (BallastSimGuestView) {
        .index = (guint) i,
        .name = s->guest->name,
        .max_kib = max,
        .current_kib = current,
        .target_kib = target,
        .usable_kib = MIN (usable, current),
        .free_kib = MIN (usable, current),
        .resident_kib = (guint64) (s->touched_kib + 0.5),
        .free_page_reporting = s->guest->free_page_reporting,
        .fixed = s->guest->fixed,
        .swap_in_kib_per_sec = swap_rate,
        .major_faults_per_sec = swap_rate / 4,
        .min_kib = s->min_kib,
        .tuning = s->tuning,
        .config = s->config,
      };
      targets[n_views] = s->target_kib;
      requested[n_views] = s->requested_kib;
      s->swap_in_at_cycle_kib = s->swap_in_kib;
      s->cycle_start_msec = now_msec;
      n_views++;
    }
  double available = (double) scenario->budget_kib - host_used_kib;
  BallastSimHostView host = {
    .total_kib = scenario->budget_kib,
    .available_kib = available > 0 ? (guint64) available : 0,
    .overflow_kib = available < 0 ? (guint64) -available : 0,
    .psi_some_avg10_centipct = (guint) (psi_avg * 10000 + 0.5),
    .decision_interval_sec = (guint) ((scenario->cycle_msec + 999) / 1000),
    .now_msec = now_msec,
  };
  ballast_sim_policy_decide (policy, &host, views, n_views, targets, requested, reasons);
  for (gsize k = 0; k < n_views; k++)
    {
      GuestState *s = &states[views[k].index];
      guint64 target = MIN (targets[k], s->guest->max_kib - s->guest->virtio_mem.size_kib);
      guint64 changes = target != s->target_kib;
      s->target_kib = target;
      if (s->config != NULL)
        {
          guint64 asked = ballast_virtio_mem_round_kib (state_device (s), requested[k]);
          changes += asked != s->requested_kib;
          s->requested_kib = asked;
          /* Traces speak of whole guests. */
          targets[k] = target + asked;
        }
      result->metrics.balloon_ops += changes;
      result->guests[views[k].index].balloon_ops += changes;
    }
  if (options->on_cycle != NULL)
    options->on_cycle (&host, views, n_views, targets, reasons, options->user_data);
}

BallastSimResult *
ballast_sim_run (const BallastSimScenario *scenario, const BallastPolicyFile *file,
                 BallastSimPolicy *policy, const BallastSimRunOptions *options)
{
  BallastSimRunOptions no_options = { 0 };
  if (options == NULL)
    options = &no_options;
  gsize n = scenario->guests->len;
  BallastSimResult *result = g_new0 (BallastSimResult, 1);
  result->policy_name = g_strdup (ballast_sim_policy_name (policy));
  result->n_guests = n;
  result->guests = g_new0 (BallastSimGuestMetrics, MAX (n, 1));
  result->metrics.first_guest_oom_msec = -1;
  result->metrics.first_host_oom_msec = -1;
  if (options->timeline)
    result->timeline = timeline_new (scenario, options->max_samples > 0 ? options->max_samples : 800);
  BallastSimTimeline *timeline = result->timeline;

  g_autofree GuestState *states = g_new0 (GuestState, MAX (n, 1));
  g_autofree BallastSimGuestView *views = g_new0 (BallastSimGuestView, MAX (n, 1));
  g_autofree guint64 *targets = g_new0 (guint64, MAX (n, 1));
  g_autofree guint64 *requested = g_new0 (guint64, MAX (n, 1));
  g_autofree int *reasons = g_new0 (int, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      states[i].guest = scenario->guests->pdata[i];
      ballast_sim_guest_tuning (file, states[i].guest, &states[i].tuning, &states[i].min_kib);
      if (states[i].guest->virtio_mem.size_kib > 0)
        states[i].config = virtio_mem_config_new (states[i].guest);
    }

  const double dt_sec = (double) scenario->step_msec / 1000.0;
  const double rate_kib = (double) scenario->balloon_rate_kib_per_sec * dt_sec;
  const double budget = (double) scenario->budget_kib;
  /* PSI avg10 is an exponentially decaying average over 10 s. */
  const double psi_decay = 1.0 - exp (-dt_sec / 10.0);
  const double psi_scale = (double) MAX (scenario->host_oom_margin_kib, 64 * MIB_IN_KIB);
  double psi_avg = 0;
  double host_used_kib = 0;   /* resident + other, as of the previous step */
  gboolean host_in_oom = FALSE;
  double reclaimed_kib_sec = 0;

  for (gint64 t = 0; t < scenario->duration_msec; t += scenario->step_msec)
    {
      /* Lifecycle and this step's demand. */
      for (gsize i = 0; i < n; i++)
        {
          GuestState *s = &states[i];
          const BallastSimGuest *guest = s->guest;
          gboolean running = t >= guest->start_msec && t < guest->stop_msec;
          if (running && !s->running)
            {
              s->actual_kib = (double) guest->initial_kib;
              s->target_kib = guest->initial_kib;
              s->touched_kib = 0;
              s->swap_in_kib = s->swap_in_at_cycle_kib = 0;
              s->cycle_start_msec = t;
              s->killed = FALSE;
              s->plugged_kib = (double) guest->virtio_mem.plugged_kib;
              s->requested_kib = guest->virtio_mem.plugged_kib;
            }
          s->running = running;
          s->demand_kib = running ? (double) MIN (ballast_sim_curve_at_kib (&guest->demand, t - guest->start_msec),
                                                  guest->max_kib)
                                  : 0;
          if (!running)
            s->touched_kib = 0;
        }
      double other = scenario->has_other ? (double) ballast_sim_curve_at_kib (&scenario->other, t) : 0;

      if (t % scenario->cycle_msec == 0)
        run_cycle (scenario, policy, states, n, t, host_used_kib, psi_avg, result, options,
                   views, targets, requested, reasons);

      /* Balloons move; guests use what they can; the host counts. */
      double resident = 0, demand_sum = 0, actual_sum = 0, reclaimed = 0;
      guint64 max_sum = 0;
      for (gsize i = 0; i < n; i++)
        {
          GuestState *s = &states[i];
          if (!s->running)
            continue;
          const BallastSimGuest *guest = s->guest;
          double target = (double) s->target_kib;
          if (s->actual_kib < target)
            s->actual_kib = MIN (s->actual_kib + rate_kib, target);
          else if (s->actual_kib > target && !guest->fixed) /* QEMU refuses to inflate */
            s->actual_kib = MAX (s->actual_kib - rate_kib, target);
          if (s->config != NULL)
            virtio_mem_step (s, dt_sec, scenario->balloon_rate_kib_per_sec);
          double memory = state_memory_kib (s);

          double wanted = s->demand_kib;
          /* After an OOM kill the excess is gone until the guest has room
           * for its demand again (the workload restarts). */
          if (s->killed && s->demand_kib <= memory)
            s->killed = FALSE;
          if (s->killed)
            s->demand_kib = MIN (s->demand_kib, memory);
          double used = MIN (s->demand_kib, memory);
          double unmet = s->demand_kib - used;
          if (guest->fixed)
            s->touched_kib = memory; /* pinned: all of it, used or not */
          else
            s->touched_kib = guest->free_page_reporting ? used : MIN (MAX (s->touched_kib, used), memory);
          s->swap_in_kib += unmet * BALLAST_SIM_SWAP_IN_PERMILLE_PER_SEC / 1000.0 * dt_sec;

          BallastSimGuestMetrics *gm = &result->guests[i];
          gm->unmet_mib_sec += unmet / KIB_PER_MIB * dt_sec;
          if (unmet > (double) guest->oom_margin_kib)
            {
              /* The guest's OOM killer frees what does not fit. */
              s->killed = TRUE;
              gm->oom_events++;
              result->metrics.guest_oom_events++;
              if (result->metrics.first_guest_oom_msec < 0)
                result->metrics.first_guest_oom_msec = t;
              s->demand_kib = memory;
              used = memory;
              unmet = 0;
            }

          resident += s->touched_kib;
          demand_sum += wanted;
          actual_sum += memory;
          reclaimed += (double) guest->max_kib - memory;
          max_sum += guest->max_kib;
          result->metrics.unmet_mib_sec += unmet / KIB_PER_MIB * dt_sec;

          if (timeline != NULL)
            {
              gsize cell = i * timeline->n_samples + (gsize) (t / timeline->interval_msec);
              timeline->demand_mib[cell] = max_or_set (timeline->demand_mib[cell], wanted / KIB_PER_MIB);
              timeline->target_mib[cell] = (float) ((double) (s->target_kib + s->requested_kib) / KIB_PER_MIB);
              timeline->actual_mib[cell] = (float) (memory / KIB_PER_MIB);
            }
        }

      host_used_kib = resident + other;
      double overflow = host_used_kib > budget ? host_used_kib - budget : 0;
      result->metrics.host_overflow_mib_sec += overflow / KIB_PER_MIB * dt_sec;
      if (!host_in_oom && overflow > (double) scenario->host_oom_margin_kib)
        {
          host_in_oom = TRUE;
          result->metrics.host_oom_events++;
          if (result->metrics.first_host_oom_msec < 0)
            result->metrics.first_host_oom_msec = t;
        }
      else if (host_in_oom && overflow <= (double) scenario->host_oom_margin_kib / 2)
        host_in_oom = FALSE;
      /* Stalled some of the time as soon as the host overflows into swap,
       * all of the time well past the margin. */
      double stall = overflow > 0 ? MIN (1.0, 0.1 + overflow / psi_scale) : 0;
      psi_avg += (stall - psi_avg) * psi_decay;

      reclaimed_kib_sec += reclaimed * dt_sec;
      result->metrics.peak_host_used_mib = MAX (result->metrics.peak_host_used_mib, host_used_kib / KIB_PER_MIB);
      result->metrics.peak_ratio = MAX (result->metrics.peak_ratio, (double) max_sum / budget);
      if (timeline != NULL)
        {
          gsize sample = (gsize) (t / timeline->interval_msec);
          timeline->host_used_mib[sample] = MAX (timeline->host_used_mib[sample], (float) (host_used_kib / KIB_PER_MIB));
          timeline->host_demand_mib[sample] = MAX (timeline->host_demand_mib[sample],
                                                   (float) ((demand_sum + other) / KIB_PER_MIB));
          timeline->host_actual_mib[sample] = (float) ((actual_sum + other) / KIB_PER_MIB);
        }
    }
  for (gsize i = 0; i < n; i++)
    ballast_domain_config_free (states[i].config);
  result->metrics.avg_reclaimed_mib = reclaimed_kib_sec / KIB_PER_MIB
                                      / ((double) scenario->duration_msec / 1000.0);
  return result;
}
