/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-policy.h"

#include "ballast-error.h"
#include "loan-clock.h"
#include "memory-actuator.h"
#include "overcommit-gate.h"
#include "virtio-mem-track.h"
#include "virtio-mem.h"

#include <string.h>

#define MIB_IN_KIB G_GINT64_CONSTANT (1024)

struct _BallastSimPolicy {
  BallastSimPolicyKind kind;
  char *name;
  const BallastPolicyFile *file;       /* for "ballast" */
  const BallastSimScenario *scenario;  /* for "recorded" */
  gboolean shrink_allowed;
  /* Scratch for "ballast", kept between cycles to avoid reallocating. */
  BallastGuestInput *inputs;
  gsize n_inputs;
  GArray *history;                     /* SimGuestHistory, by scenario guest index */
};

/* What ballastd carries from one cycle to the next for a guest (its
 * GuestHistory and last shrink), as far as the model's guests need it. */
typedef struct {
  gboolean seen;
  gint64 sampled_msec;
  guint64 used_kib;
  guint64 used_growth_kib_per_sec;
  gboolean shrunk;
  gint64 last_shrink_msec;
  BallastLoanClock loan_clock;
  BallastSpikeHistory spikes;
  /* Its virtio-mem device (the model gives a guest one at most). */
  gboolean has_track;
  BallastVirtioMemTrack track;
} SimGuestHistory;

/* ---- oVirt MoM ---------------------------------------------------------------
 *
 * A reimplementation of the balloon rules oVirt ships for MoM (Memory
 * Overcommitment Manager): vdsm's static/etc/vdsm/mom.d/02-balloon.policy
 * (https://github.com/oVirt/vdsm), the descendant of MoM's own
 * doc/balloon.rules (https://github.com/oVirt/mom). With the constants of
 * that file:
 *
 *   host_free_percent = host MemFree / MemTotal
 *   below pressure_threshold (20%) every guest is shrunk:
 *     guest_free_percent = host_free_percent <= pressure_critical (5%)
 *                          ? host_free_percent - 5%              (force swap)
 *                          : 20% * host_free_percent / 20%       (scaled)
 *     balloon_min = max(guest min, used + guest_free_percent * balloon_cur)
 *     size = max(balloon_cur * (1 - 5%), balloon_min), applied only when it
 *            does not grow the guest;
 *   otherwise every guest below its max grows:
 *     size = min(max(balloon_cur * (1 + 5%), balloon_min), balloon_max),
 *     where guest_free_percent is computed the same way (so it equals
 *     host_free_percent there);
 *   a change of at most 0.25% of balloon_cur is skipped; a guest below its
 *   guaranteed minimum is set to it (the "guest_qos" rule).
 *
 * used = balloon_cur - mem_unused (the guest's MemFree). Two simplifications:
 * MoM averages the stats over its sample history (StatAvg); we use the
 * latest sample. And the issue summarized growth as "up to used + 20%";
 * the shipped rule grows by 5% per cycle all the way to the maximum, with
 * used + free percent only as a lower bound, which is what is done here. */

#define MOM_PRESSURE_THRESHOLD 0.20
#define MOM_PRESSURE_CRITICAL 0.05
#define MOM_MIN_GUEST_FREE_PERCENT 0.20
#define MOM_MAX_BALLOON_CHANGE_PERCENT 0.05
#define MOM_MIN_BALLOON_CHANGE_PERCENT 0.0025

static gboolean
mom_change_big_enough (double balloon_cur, double new_value)
{
  double change = new_value > balloon_cur ? new_value - balloon_cur : balloon_cur - new_value;
  return change > MOM_MIN_BALLOON_CHANGE_PERCENT * balloon_cur;
}

void
ballast_sim_mom_decide (const BallastSimHostView *host, const BallastSimGuestView *guests,
                        gsize n_guests, guint64 *ret_targets)
{
  double host_free_percent = host->total_kib > 0
                             ? (double) host->available_kib / (double) host->total_kib : 0;
  double guest_free_percent = host_free_percent <= MOM_PRESSURE_CRITICAL
                              ? host_free_percent - 0.05
                              : MOM_MIN_GUEST_FREE_PERCENT * (host_free_percent / MOM_PRESSURE_THRESHOLD);
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastSimGuestView *g = &guests[i];
      double cur = (double) g->current_kib;
      double used = (double) g->current_kib - (double) MIN (g->free_kib, g->current_kib);
      double balloon_min = MAX ((double) g->min_kib, used + guest_free_percent * cur);
      double size = -1;
      if (host_free_percent < MOM_PRESSURE_THRESHOLD)
        {
          size = cur * (1 - MOM_MAX_BALLOON_CHANGE_PERCENT);
          if (size < balloon_min)
            size = balloon_min;
          if (!(size <= cur && mom_change_big_enough (cur, size)))
            size = -1;
        }
      else if (g->current_kib < g->max_kib)
        {
          size = cur * (1 + MOM_MAX_BALLOON_CHANGE_PERCENT);
          if (size < balloon_min)
            size = balloon_min;
          if (size > (double) g->max_kib)
            size = (double) g->max_kib;
          if (!mom_change_big_enough (cur, size))
            size = -1;
        }
      if (size >= 0)
        ret_targets[i] = MIN ((guint64) size, g->max_kib);
      /* guest_qos: the guaranteed minimum. */
      if (g->current_kib < g->min_kib)
        ret_targets[i] = g->min_kib;
    }
}

/* ---- Proxmox VE ----------------------------------------------------------------
 *
 * A reimplementation of Proxmox VE's auto-ballooning: pvestatd's
 * auto_balloning() in PVE/Service/pvestatd.pm and compute_alg1() in
 * PVE/AutoBalloon.pm (https://github.com/proxmox/pve-manager). Every 10 s:
 *
 *   goal = ballooning-target (80%) of host MemTotal - host used
 *          (used = MemTotal - MemAvailable), in bytes, + grows, - shrinks;
 *   nothing when |goal| <= 10 MiB;
 *   a guest is "comfortable" when its free memory is above 25% of its
 *   balloon minimum and its balloon is at or above that minimum;
 *   growing goes to the others (the pressured) first, shrinking to the
 *   comfortable first, then, if that made no progress, to every guest;
 *   within a group, each guest's desired size is
 *     balloon_min + (sum of (balloon - balloon_min) + rest) / shares_total * shares,
 *   clamped to [balloon_min, maxmem] (a clamped guest leaves the loop and
 *   the rest is shared again), and a guest moves at most 100 MiB per cycle.
 *
 * Guests without a balloon minimum or with shares 0 are skipped, as in PVE.
 * Sizes are kept in KiB here (PVE uses bytes); the arithmetic is the same. */

#define PVE_TARGET_PERCENT 80
#define PVE_MAX_CHANGE_KIB (100 * MIB_IN_KIB)
#define PVE_DEAD_BAND_KIB (10 * MIB_IN_KIB)

typedef struct {
  gint64 balloon;       /* current balloon size */
  gint64 balloon_min;
  gint64 maxmem;
  gint64 shares;
  gint64 freemem;
  gboolean has_result;
  gint64 result;
  gboolean done;
} PveVm;

static gint64
pve_change (PveVm *vms, const guint *idlist, gsize n, gint64 bytes)
{
  gint64 rest = bytes;
  gboolean repeat = TRUE, progress = TRUE;
  for (gsize i = 0; i < n; i++)
    vms[idlist[i]].done = FALSE;

  while (rest != 0 && repeat && progress)
    {
      repeat = FALSE;
      progress = FALSE;
      double shares_total = 0;
      gint64 alloc_old = 0;
      for (gsize i = 0; i < n; i++)
        {
          PveVm *d = &vms[idlist[i]];
          if (d->done)
            continue;
          gint64 balloon = d->has_result ? d->result : d->balloon;
          alloc_old += balloon - d->balloon_min;
          shares_total += (double) d->shares;
        }
      if (shares_total <= 0)
        break;
      gint64 changes = 0;
      gint64 alloc_new = alloc_old + rest;
      for (gsize i = 0; i < n; i++)
        {
          PveVm *d = &vms[idlist[i]];
          if (d->done)
            continue;
          gint64 desired = d->balloon_min + (gint64) (((double) alloc_new / shares_total) * (double) d->shares);
          if (desired > d->maxmem)
            {
              desired = d->maxmem;
              repeat = TRUE;
            }
          else if (desired < d->balloon_min)
            {
              desired = d->balloon_min;
              repeat = TRUE;
            }
          gint64 balloon;
          if (bytes > 0 && desired - d->balloon > 0)
            balloon = MIN (d->balloon + PVE_MAX_CHANGE_KIB, desired);
          else if (desired - d->balloon < 0)
            balloon = MAX (d->balloon - PVE_MAX_CHANGE_KIB, desired);
          else
            {
              d->done = TRUE;
              continue;
            }
          gint64 diff = balloon - d->balloon;
          if (diff != 0)
            {
              gint64 old_balloon = d->has_result ? d->result : d->balloon;
              d->result = balloon;
              d->has_result = TRUE;
              gint64 change = balloon - old_balloon;
              if (change != 0)
                {
                  changes += change;
                  progress = TRUE;
                  repeat = TRUE;
                }
            }
        }
      rest -= changes;
    }
  return rest;
}

void
ballast_sim_proxmox_decide (const BallastSimHostView *host, const BallastSimGuestView *guests,
                            gsize n_guests, guint64 *ret_targets)
{
  g_autofree PveVm *vms = g_new0 (PveVm, MAX (n_guests, 1));
  g_autofree guint *all = g_new0 (guint, MAX (n_guests, 1));
  g_autofree guint *pressured = g_new0 (guint, MAX (n_guests, 1));
  g_autofree guint *comfortable = g_new0 (guint, MAX (n_guests, 1));
  gsize n_all = 0, n_pressured = 0, n_comfortable = 0;

  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastSimGuestView *g = &guests[i];
      PveVm *d = &vms[i];
      *d = (PveVm) {
        .balloon = (gint64) g->current_kib,
        .balloon_min = (gint64) g->min_kib,
        .maxmem = (gint64) g->max_kib,
        .shares = g->tuning.shares,
        .freemem = (gint64) g->free_kib,
      };
      if (d->balloon == 0 || d->balloon_min == 0 || d->shares == 0)
        continue;
      all[n_all++] = (guint) i;
      if (d->freemem > 0 && (double) d->freemem > (double) d->balloon_min * 0.25
          && d->balloon >= d->balloon_min)
        comfortable[n_comfortable++] = (guint) i;
      else
        pressured[n_pressured++] = (guint) i;
    }

  gint64 used = (gint64) host->total_kib - (gint64) MIN (host->available_kib, host->total_kib);
  gint64 goal = (gint64) ((double) host->total_kib * PVE_TARGET_PERCENT / 100) - used;
  if (goal > PVE_DEAD_BAND_KIB)
    {
      gint64 rest = pve_change (vms, pressured, n_pressured, goal);
      if (rest >= goal)
        pve_change (vms, all, n_all, rest);
    }
  else if (goal < -PVE_DEAD_BAND_KIB)
    {
      gint64 rest = pve_change (vms, comfortable, n_comfortable, goal);
      if (rest <= goal)
        pve_change (vms, all, n_all, rest);
    }

  for (gsize i = 0; i < n_all; i++)
    {
      const PveVm *d = &vms[all[i]];
      if (d->has_result && d->result > 0 && d->result != d->balloon)
        ret_targets[all[i]] = (guint64) d->result;
    }
}

/* ---- ballast ------------------------------------------------------------------
 *
 * The real allocator, fed exactly as ballastd feeds it (daemon.c,
 * decide_and_apply): the host's budget and what is available of it, each
 * guest's balloon, usable memory, swap-in and major-fault rates, and its
 * tuning resolved with ballast_policy_file_resolve(), the growth of its
 * used memory and whether it was shrunk within the regrow delay. Never
 * "unresponsive" nor "settling": the model's guests report fresh stats
 * every cycle. */

/* The actuator for G and what its device can be asked for at least now,
 * following the device as ballastd does (daemon/virtio-mem-actuator.c). */
static BallastActuator
ballast_follow_virtio_mem (SimGuestHistory *h, const BallastSimGuestView *g, const BallastPolicy *policy,
                           gint64 now_usec, guint64 *ret_held_kib)
{
  *ret_held_kib = 0;
  if (g->config == NULL || g->config->virtio_mem->len == 0)
    return BALLAST_ACTUATOR_BALLOON;
  g_assert (g->config->virtio_mem->len == 1);
  const BallastVirtioMem *device = g->config->virtio_mem->pdata[0];
  if (!h->has_track)
    {
      ballast_virtio_mem_track_init (&h->track, device->current_kib, now_usec);
      h->has_track = TRUE;
    }
  BallastVirtioMemEvent event = ballast_virtio_mem_track_observe (&h->track, policy, device->current_kib,
                                                                  device->requested_kib, now_usec);
  /* Asking again changes nothing in the model, whose guests retry by
   * themselves; it restarts the tracker's clock as it does in ballastd. */
  if (event == BALLAST_VIRTIO_MEM_ASK_AGAIN)
    ballast_virtio_mem_track_asked (&h->track, TRUE, now_usec);
  *ret_held_kib = h->track.held_kib;
  return ballast_actuator_resolve (g->tuning.actuator, g->config, NULL, NULL);
}

static void
ballast_decide (BallastSimPolicy *policy, const BallastSimHostView *host,
                const BallastSimGuestView *guests, gsize n_guests, guint64 *ret_targets,
                guint64 *ret_requested_kib, int *ret_reasons)
{
  g_autofree BallastActuator *actuators = g_new0 (BallastActuator, MAX (n_guests, 1));
  g_autofree guint64 *held = g_new0 (guint64, MAX (n_guests, 1));
  if (policy->n_inputs < n_guests)
    {
      g_free (policy->inputs);
      policy->inputs = g_new0 (BallastGuestInput, n_guests);
      policy->n_inputs = n_guests;
    }
  const BallastPolicy *engine_policy = &policy->file->policy;
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastSimGuestView *g = &guests[i];
      if (policy->history->len <= g->index)
        g_array_set_size (policy->history, g->index + 1);
      SimGuestHistory *h = &g_array_index (policy->history, SimGuestHistory, g->index);
      guint64 used = g->current_kib > g->usable_kib ? g->current_kib - g->usable_kib : 0;
      if (h->seen && host->now_msec > h->sampled_msec)
        h->used_growth_kib_per_sec = used > h->used_kib
          ? (used - h->used_kib) * 1000 / (guint64) (host->now_msec - h->sampled_msec) : 0;
      h->seen = TRUE;
      h->sampled_msec = host->now_msec;
      h->used_kib = used;
      ballast_spike_history_add (&h->spikes, &engine_policy->spikes, used, host->now_msec * 1000);
      guint64 spike_peak, spike_age;
      gboolean spike_due;
      ballast_spike_history_view (&h->spikes, &engine_policy->spikes, host->now_msec * 1000, &spike_peak,
                                  &spike_age, &spike_due);
      /* With a virtio-mem device, sizes in the actuator's terms, as
       * ballastd's guest_input() gives them (daemon/cycle.c). */
      actuators[i] = ballast_follow_virtio_mem (h, g, engine_policy, host->now_msec * 1000, &held[i]);
      const BallastDomainConfig *config = g->config;
      gboolean moves_devices = config != NULL && actuators[i] != BALLAST_ACTUATOR_BALLOON;
      policy->inputs[i] = (BallastGuestInput) {
        .used_growth_kib_per_sec = h->used_growth_kib_per_sec,
        .recently_shrunk = h->shrunk && host->now_msec - h->last_shrink_msec
                                          < (gint64) engine_policy->regrow_delay_sec * 1000,
        .name = g->name,
        .max_kib = moves_devices ? config->max_kib : g->max_kib,
        .current_kib = g->current_kib,
        .target_kib = config != NULL ? ballast_actuation_guest_kib (config, actuators[i], ret_targets[i])
                                     : ret_targets[i],
        .usable_kib = g->usable_kib,
        .resident_kib = g->resident_kib,
        .free_page_reporting = g->free_page_reporting,
        .fixed = g->fixed && actuators[i] != BALLAST_ACTUATOR_VIRTIO_MEM,
        .swap_in_kib_per_sec = g->swap_in_kib_per_sec,
        .major_faults_per_sec = g->major_faults_per_sec,
        .over_fair_share_sec = ballast_loan_clock_seconds (&h->loan_clock, host->now_msec * 1000),
        .spike_peak_kib = spike_peak,
        .spike_age_sec = spike_age,
        .spike_due = spike_due,
        .tuning = g->tuning,
      };
      if (config != NULL)
        policy->inputs[i].unreachable_kib = ballast_actuation_least_guest_kib (config, actuators[i], &held[i]);
    }
  BallastHostInput input = {
    .total_kib = host->total_kib,
    .available_kib = host->available_kib,
    .overflow_kib = host->overflow_kib,
    .has_psi = TRUE,
    .psi_some_avg10_centipct = host->psi_some_avg10_centipct,
    .decision_interval_sec = host->decision_interval_sec,
  };
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy->file->policy, &input, policy->inputs,
                                                       n_guests, policy->shrink_allowed);
  for (gsize i = 0; i < n_guests; i++)
    {
      SimGuestHistory *h = &g_array_index (policy->history, SimGuestHistory, guests[i].index);
      ballast_loan_clock_advance (&h->loan_clock, host->now_msec * 1000, &plan->decisions[i]);
      if (plan->decisions[i].target_kib < plan->decisions[i].old_target_kib)
        {
          h->shrunk = TRUE;
          h->last_shrink_msec = host->now_msec;
        }
      ret_reasons[i] = plan->decisions[i].reason;
      const BallastDomainConfig *config = guests[i].config;
      if (config == NULL)
        {
          ret_targets[i] = plan->decisions[i].target_kib;
          continue;
        }
      /* Split as ballastd splits (daemon/cycle.c): a hold keeps both. */
      if (!plan->decisions[i].changed)
        continue;
      guint64 requested = ((const BallastVirtioMem *) config->virtio_mem->pdata[0])->requested_kib;
      ballast_actuation_split (config, actuators[i], plan->decisions[i].target_kib, &held[i],
                               &ret_targets[i], &requested);
      if (requested != ret_requested_kib[i])
        {
          ret_requested_kib[i] = requested;
          ballast_virtio_mem_track_asked (&h->track, FALSE, host->now_msec * 1000);
        }
    }
}

/* ---- recorded ------------------------------------------------------------------ */

static void
recorded_decide (BallastSimPolicy *policy, const BallastSimHostView *host,
                 const BallastSimGuestView *guests, gsize n_guests, guint64 *ret_targets)
{
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastSimGuest *guest = policy->scenario->guests->pdata[guests[i].index];
      if (guest->recorded_targets == NULL)
        continue;
      gint64 t = host->now_msec - guest->start_msec;
      /* The last recorded decision at or before now. */
      for (guint k = guest->recorded_targets->len; k > 0; k--)
        {
          const BallastSimPoint *p = &g_array_index (guest->recorded_targets, BallastSimPoint, k - 1);
          if (p->t_msec <= t)
            {
              ret_targets[i] = MIN (p->kib, guests[i].max_kib);
              break;
            }
        }
    }
}

/* ---- The interface ---------------------------------------------------------------- */

static const struct {
  const char *name;
  BallastSimPolicyKind kind;
} policy_names[] = {
  { "static", BALLAST_SIM_POLICY_STATIC },
  { "mom", BALLAST_SIM_POLICY_MOM },
  { "proxmox", BALLAST_SIM_POLICY_PROXMOX },
  { "ballast", BALLAST_SIM_POLICY_BALLAST },
  { "recorded", BALLAST_SIM_POLICY_RECORDED },
};

BallastSimPolicy *
ballast_sim_policy_new (const char *name, const BallastPolicyFile *file,
                        const BallastSimScenario *scenario, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (policy_names); i++)
    {
      if (strcmp (name, policy_names[i].name) != 0)
        continue;
      if (policy_names[i].kind == BALLAST_SIM_POLICY_RECORDED && !scenario->from_trace)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "policy 'recorded' needs a trace (ballastd --record), and %s is a scenario",
                       scenario->source);
          return NULL;
        }
      BallastSimPolicy *policy = g_new0 (BallastSimPolicy, 1);
      policy->history = g_array_new (FALSE, TRUE, sizeof (SimGuestHistory));
      policy->kind = policy_names[i].kind;
      policy->name = g_strdup (name);
      policy->file = file;
      policy->scenario = scenario;
      /* The simulated host has hardware-assisted paging: "auto" is on. */
      policy->shrink_allowed = ballast_overcommit_allowed (file->overcommit, TRUE);
      return policy;
    }
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
               "unknown policy '%s' (expected static, mom, proxmox, ballast or recorded)", name);
  return NULL;
}

void
ballast_sim_policy_free (BallastSimPolicy *policy)
{
  if (policy == NULL)
    return;
  g_free (policy->name);
  g_free (policy->inputs);
  if (policy->history != NULL)
    g_array_unref (policy->history);
  g_free (policy);
}

const char *
ballast_sim_policy_name (const BallastSimPolicy *policy)
{
  return policy->name;
}

BallastSimPolicyKind
ballast_sim_policy_kind (const BallastSimPolicy *policy)
{
  return policy->kind;
}

const BallastGuestInput *
ballast_sim_policy_last_inputs (const BallastSimPolicy *policy)
{
  return policy->kind == BALLAST_SIM_POLICY_BALLAST ? policy->inputs : NULL;
}

void
ballast_sim_policy_decide (BallastSimPolicy *policy, const BallastSimHostView *host,
                           const BallastSimGuestView *guests, gsize n_guests,
                           guint64 *ret_balloon_kib, guint64 *ret_requested_kib, int *ret_reasons)
{
  for (gsize i = 0; i < n_guests; i++)
    ret_reasons[i] = BALLAST_SIM_NO_REASON;
  if (policy->kind == BALLAST_SIM_POLICY_BALLAST)
    {
      ballast_decide (policy, host, guests, n_guests, ret_balloon_kib, ret_requested_kib, ret_reasons);
      return;
    }
  /* The others size whole guests and move balloons alone. */
  guint64 *ret_targets = ret_balloon_kib;
  for (gsize i = 0; i < n_guests; i++)
    if (guests[i].config != NULL)
      ret_targets[i] = ballast_domain_config_guest_kib (guests[i].config, ret_balloon_kib[i]);
  switch (policy->kind)
    {
    case BALLAST_SIM_POLICY_STATIC:
      break;
    case BALLAST_SIM_POLICY_MOM:
      ballast_sim_mom_decide (host, guests, n_guests, ret_targets);
      break;
    case BALLAST_SIM_POLICY_PROXMOX:
      ballast_sim_proxmox_decide (host, guests, n_guests, ret_targets);
      break;
    case BALLAST_SIM_POLICY_RECORDED:
      recorded_decide (policy, host, guests, n_guests, ret_targets);
      break;
    case BALLAST_SIM_POLICY_BALLAST:
    default:
      g_assert_not_reached ();
    }
  for (gsize i = 0; i < n_guests; i++)
    if (guests[i].config != NULL)
      ret_balloon_kib[i] = ballast_domain_config_balloon_kib (guests[i].config, ret_targets[i]);
}
