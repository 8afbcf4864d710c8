/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "policy-engine.h"

#include <string.h>

/* One guest's working state during a decision. */
typedef struct {
  /* What every step of a distribution's bisection reads, together and
   * first: with 10 000 guests the walks stay inside the L2 cache only if
   * they touch one cache line per guest (the input is another). */
  guint64 amount_kib;     /* scratch: this guest's share of one distribution */
  guint64 cap_kib;        /* scratch: the most this guest takes or gives */
  guint64 excess_kib;     /* scratch: held above the floor */
  guint shares;           /* input->tuning.shares */
  gboolean pressured;
  gboolean short_now;     /* pressured, and out of memory before a change lands */
  const BallastGuestInput *input;
  BallastDecision *decision;
  guint64 target_kib;     /* the target being built */
  gboolean movable;       /* not excluded, not unresponsive */
  guint64 untouched_kib;  /* scratch: of the excess, memory never touched */
  guint64 keep_kib;       /* scratch: the floor one reclaim keeps */
  guint64 beyond_fair_kib; /* scratch: what a pressured guest wants beyond
                            * its fair share, set aside while it is served
                            * within it */
  guint64 lean_floor_kib; /* the floor with the headroom cut to the emergency
                           * headroom: how far it lends to pressured guests */
} GuestSlot;

static guint64
saturating_mul (guint64 a, guint64 b)
{
  if (a != 0 && b > G_MAXUINT64 / a)
    return G_MAXUINT64;
  return a * b;
}

static guint64
permille_of (guint64 value, guint permille)
{
  return value / 1000 * permille + value % 1000 * permille / 1000;
}

/* ---- Distributions -------------------------------------------------------
 *
 * Both run in O(n log range) by bisecting on a level measured in KiB per
 * share, which keeps 10 000 guests well inside a millisecond budget and
 * needs no sorting. The level's rounding remainder (less than one KiB per
 * share per guest) is handed out deterministically. */

/* Taken from a guest at LEVEL: whatever its excess is above LEVEL * shares,
 * up to its cap. The guests with the most excess per share give first: an
 * idle-memory tax in the spirit of VMware ESX. */
static guint64
take_at_level (const GuestSlot *slot, guint64 level)
{
  guint64 keep = saturating_mul (level, slot->shares);
  if (slot->excess_kib <= keep)
    return 0;
  return MIN (slot->cap_kib, slot->excess_kib - keep);
}

static guint64
take_total (GuestSlot **slots, gsize n, guint64 level)
{
  guint64 total = 0;
  for (gsize i = 0; i < n; i++)
    total += take_at_level (slots[i], level);
  return total;
}

/* Order for handing out the remainder: fewest shares first when taking,
 * most shares first when giving, then input order. This is what keeps "a
 * guest with more shares never loses more" true down to the last KiB. */
static gint
compare_shares_ascending (gconstpointer a, gconstpointer b)
{
  const GuestSlot *x = *(GuestSlot *const *) a;
  const GuestSlot *y = *(GuestSlot *const *) b;
  if (x->shares != y->shares)
    return x->shares < y->shares ? -1 : 1;
  return x < y ? -1 : x > y;
}

static gint
compare_shares_descending (gconstpointer a, gconstpointer b)
{
  const GuestSlot *x = *(GuestSlot *const *) a;
  const GuestSlot *y = *(GuestSlot *const *) b;
  if (x->shares != y->shares)
    return x->shares > y->shares ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* Sets amount_kib on each slot so that they sum to min(GOAL, sum of caps),
 * taken by excess per share. Returns the sum. */
static guint64
distribute_take (GuestSlot **slots, gsize n, guint64 goal)
{
  guint64 all_caps = 0;
  guint64 high = 1;
  for (gsize i = 0; i < n; i++)
    {
      all_caps += slots[i]->cap_kib;
      high = MAX (high, slots[i]->excess_kib / slots[i]->shares + 1);
    }
  if (all_caps <= goal)
    {
      for (gsize i = 0; i < n; i++)
        slots[i]->amount_kib = slots[i]->cap_kib;
      return all_caps;
    }
  /* take_total(low) > goal >= take_total(high); find the boundary. */
  guint64 low = 0;
  while (high - low > 1)
    {
      guint64 middle = low + (high - low) / 2;
      if (take_total (slots, n, middle) <= goal)
        high = middle;
      else
        low = middle;
    }
  guint64 remainder = goal;
  for (gsize i = 0; i < n; i++)
    {
      slots[i]->amount_kib = take_at_level (slots[i], high);
      remainder -= slots[i]->amount_kib;
    }
  /* Only guests that could give more at the lower level take part in the
   * remainder: sorting just those keeps the common case cheap. */
  g_autofree GuestSlot **ordered = g_new (GuestSlot *, MAX (n, 1));
  gsize n_ordered = 0;
  for (gsize i = 0; i < n && remainder > 0; i++)
    if (take_at_level (slots[i], low) > slots[i]->amount_kib)
      ordered[n_ordered++] = slots[i];
  qsort (ordered, n_ordered, sizeof *ordered, compare_shares_ascending);
  for (gsize i = 0; i < n_ordered && remainder > 0; i++)
    {
      guint64 extra = MIN (remainder, take_at_level (ordered[i], low) - ordered[i]->amount_kib);
      ordered[i]->amount_kib += extra;
      remainder -= extra;
    }
  return goal - remainder;
}

/* Given to a guest at LEVEL: LEVEL * shares, up to its cap (proportional
 * to shares). */
static guint64
give_at_level (const GuestSlot *slot, guint64 level)
{
  return MIN (slot->cap_kib, saturating_mul (level, slot->shares));
}

static guint64
give_total (GuestSlot **slots, gsize n, guint64 level)
{
  guint64 total = 0;
  for (gsize i = 0; i < n; i++)
    total += give_at_level (slots[i], level);
  return total;
}

/* Sets amount_kib on each slot so that they sum to min(BUDGET, sum of
 * caps), in proportion to shares. Returns the sum. */
static guint64
distribute_give (GuestSlot **slots, gsize n, guint64 budget)
{
  guint64 all_caps = 0;
  guint64 high = 1;
  for (gsize i = 0; i < n; i++)
    {
      all_caps += slots[i]->cap_kib;
      high = MAX (high, slots[i]->cap_kib / slots[i]->shares + 1);
    }
  if (all_caps <= budget)
    {
      for (gsize i = 0; i < n; i++)
        slots[i]->amount_kib = slots[i]->cap_kib;
      return all_caps;
    }
  /* give_total(low) <= budget < give_total(high). */
  guint64 low = 0;
  while (high - low > 1)
    {
      guint64 middle = low + (high - low) / 2;
      if (give_total (slots, n, middle) <= budget)
        low = middle;
      else
        high = middle;
    }
  guint64 remainder = budget;
  for (gsize i = 0; i < n; i++)
    {
      slots[i]->amount_kib = give_at_level (slots[i], low);
      remainder -= slots[i]->amount_kib;
    }
  g_autofree GuestSlot **ordered = g_new (GuestSlot *, MAX (n, 1));
  gsize n_ordered = 0;
  for (gsize i = 0; i < n && remainder > 0; i++)
    if (give_at_level (slots[i], high) > slots[i]->amount_kib)
      ordered[n_ordered++] = slots[i];
  qsort (ordered, n_ordered, sizeof *ordered, compare_shares_descending);
  for (gsize i = 0; i < n_ordered && remainder > 0; i++)
    {
      guint64 extra = MIN (remainder, give_at_level (ordered[i], high) - ordered[i]->amount_kib);
      ordered[i]->amount_kib += extra;
      remainder -= extra;
    }
  return budget - remainder;
}

/* ---- Per-guest figures ---------------------------------------------------- */

/* The free memory TUNING keeps for a guest that uses USED_KIB. */
static guint64
headroom_at (const BallastGuestTuning *tuning, guint64 used_kib)
{
  return MAX (permille_of (used_kib, tuning->headroom_permille), tuning->headroom_floor_kib);
}

static void
assess_guest (const BallastPolicy *policy, guint lookahead_sec, gboolean emergency, GuestSlot *slot)
{
  const BallastGuestInput *in = slot->input;
  BallastDecision *d = slot->decision;

  d->old_target_kib = in->target_kib;
  /* used = what the guest has minus what it could free without pain. The
   * balloon size comes from QEMU and may run ahead of the guest's report
   * when the balloon moves, or lag behind it (a slow guest inflating); the
   * guest's own MemTotal is from the same report as its usable figure.
   * Taking the larger errs towards the guest: after a grow the first,
   * after a shrink the second. A balloon still on its way down counts at
   * its target: a fresh report against a size the guest already left
   * would read the whole shrink as used memory, and hand it straight
   * back. */
  guint64 balloon = MIN (in->current_kib, in->target_kib);
  guint64 used_by_balloon = balloon > in->usable_kib ? balloon - in->usable_kib : 0;
  guint64 used_by_report = in->reported_total_kib > in->usable_kib
                             ? in->reported_total_kib - in->usable_kib : 0;
  d->used_kib = MAX (used_by_balloon, used_by_report);
  guint64 headroom = headroom_at (&in->tuning, d->used_kib);
  if (emergency)
    headroom = MIN (headroom, policy->emergency_headroom_kib);
  /* What a growing guest will use by the time a change takes effect is not
   * headroom to cut in an emergency. */
  guint64 growth = saturating_mul (in->used_growth_kib_per_sec, lookahead_sec);
  guint64 need = d->used_kib + headroom;
  need = need > G_MAXUINT64 - growth ? G_MAXUINT64 : need + growth;
  d->need_kib = MIN (need, in->max_kib);
  guint64 tuned_min = MIN (ballast_amount_resolve_kib (&in->tuning.min, in->max_kib), in->max_kib);
  guint64 unreachable = MIN (in->unreachable_kib, in->max_kib);
  d->min_kib = MAX (tuned_min, unreachable);
  d->min_unreachable = unreachable > tuned_min;
  /* What a guest took back on an OOM it keeps for the regrow delay: the
   * OOM said its need was wrong. */
  guint64 oom_floor = MIN (in->oom_floor_kib, in->max_kib);
  d->floor_kib = MAX (MAX (d->min_kib, d->need_kib), oom_floor);
  guint64 lean_headroom = MIN (headroom, policy->emergency_headroom_kib);
  guint64 lean_need = d->used_kib + lean_headroom;
  lean_need = lean_need > G_MAXUINT64 - growth ? G_MAXUINT64 : lean_need + growth;
  slot->lean_floor_kib = MAX (MAX (d->min_kib, MIN (lean_need, in->max_kib)), oom_floor);

  /* A balloon on its way up brings the guest memory it has not reported
   * yet: judged against its last report alone, a guest just grown looks
   * as short as before and is grown again (a real guest was taken from
   * 478 MiB to 1 GiB in two steps so, for a rise of 40 MiB). */
  guint64 on_its_way = in->target_kib > in->current_kib ? in->target_kib - in->current_kib : 0;
  guint64 usable_soon = in->usable_kib > G_MAXUINT64 - on_its_way ? G_MAXUINT64
                                                                  : in->usable_kib + on_its_way;
  if (in->oom_deflated)
    d->pressure = BALLAST_PRESSURE_OOM_DEFLATED;
  else if (in->swap_in_kib_per_sec > policy->swap_in_threshold_kib_per_sec)
    d->pressure = BALLAST_PRESSURE_SWAP_IN;
  else if (in->major_faults_per_sec > policy->major_fault_threshold_per_sec)
    d->pressure = BALLAST_PRESSURE_MAJOR_FAULTS;
  else if (usable_soon < policy->low_watermark_kib)
    d->pressure = BALLAST_PRESSURE_LOW_USABLE;
  else if (growth > 0 && usable_soon - policy->low_watermark_kib < growth
           && in->target_kib < in->max_kib)
    d->pressure = BALLAST_PRESSURE_GROWING;
  else
    d->pressure = BALLAST_PRESSURE_NONE;

  /* Short of memory now: swapping or faulting pages in, or with less
   * usable memory than it will use before a change takes effect (none at
   * all, say). Under the watermark with memory to spare, or growing
   * towards it, it will only be soon. */
  slot->short_now = d->pressure == BALLAST_PRESSURE_SWAP_IN
                    || d->pressure == BALLAST_PRESSURE_MAJOR_FAULTS
                    || d->pressure == BALLAST_PRESSURE_OOM_DEFLATED
                    || (d->pressure != BALLAST_PRESSURE_NONE && in->usable_kib <= growth);
  slot->movable = !in->tuning.exclude && !in->unresponsive;
  slot->pressured = slot->movable && d->pressure != BALLAST_PRESSURE_NONE;
  slot->target_kib = MIN (in->target_kib, in->max_kib);
  d->reason = BALLAST_REASON_HOLD_BALANCED;

  /* Headroom for the spikes it has shown: its peak plus the headroom at
   * that use, while one is due. Not in an emergency, when only what is
   * used now counts. */
  d->learned_floor_kib = d->floor_kib;
  d->spike_peak_kib = in->spike_peak_kib;
  d->spike_age_sec = in->spike_age_sec;
  if (in->spike_due && in->spike_peak_kib > d->used_kib && !emergency && !in->fixed)
    {
      guint64 peak_headroom = headroom_at (&in->tuning, in->spike_peak_kib);
      guint64 learned = in->spike_peak_kib > G_MAXUINT64 - peak_headroom
                          ? G_MAXUINT64 : in->spike_peak_kib + peak_headroom;
      d->learned_floor_kib = MAX (d->floor_kib, MIN (learned, in->max_kib));
    }
}

/* Guests below their guarantee go up to it first, whatever the host says:
 * the minimum is a promise. */
static guint64
raise_to_min (GuestSlot *slots, gsize n)
{
  guint64 raised = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      if (slot->input->tuning.exclude || slot->target_kib >= slot->decision->min_kib)
        continue;
      raised += slot->decision->min_kib - slot->target_kib;
      slot->target_kib = slot->decision->min_kib;
      slot->decision->reason = BALLAST_REASON_GROW_TO_MIN;
    }
  return raised;
}

/* ---- Reclaim --------------------------------------------------------------- */

/* The most SLOT gives this cycle of what it holds above its floor
 * (excess_kib): a share of it, or all of it when ALL_AT_ONCE (an
 * emergency, or a loan to a burst), within its tuned step. */
static void
set_shrink_step (const BallastPolicy *policy, gboolean all_at_once, GuestSlot *slot)
{
  slot->cap_kib = all_at_once ? slot->excess_kib
                              : permille_of (slot->excess_kib, policy->shrink_fraction_permille);
  if (slot->input->tuning.shrink_step_max_kib > 0)
    slot->cap_kib = MIN (slot->cap_kib, slot->input->tuning.shrink_step_max_kib);
  /* A step too small to pass the hysteresis is not worth a call. */
  if (slot->cap_kib < policy->min_change_kib)
    slot->cap_kib = MIN (slot->excess_kib, policy->min_change_kib);
}

static gint
compare_excess_per_share_descending (gconstpointer a, gconstpointer b)
{
  const GuestSlot *x = *(GuestSlot *const *) a;
  const GuestSlot *y = *(GuestSlot *const *) b;
  double per_share_x = (double) x->excess_kib / x->shares;
  double per_share_y = (double) y->excess_kib / y->shares;
  if (per_share_x != per_share_y)
    return per_share_x > per_share_y ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* A take spread over many guests can leave every share under the minimum
 * change, and the hysteresis would then drop all of it: the host stays
 * short, or a pressured guest unserved, while each guest "holds" (seen
 * with 240 small guests). What would be dropped is gathered instead onto
 * the guests with the most excess per share, one minimum step each; a
 * last remainder under that step is dropped as before. */
static void
gather_small_takes (GuestSlot **group, gsize n, guint64 min_change)
{
  g_autofree GuestSlot **candidates = g_new (GuestSlot *, MAX (n, 1));
  gsize n_candidates = 0;
  guint64 dropped = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = group[i];
      if (slot->amount_kib == 0 || slot->amount_kib >= min_change)
        continue;
      dropped += slot->amount_kib;
      slot->amount_kib = 0;
      if (slot->cap_kib >= min_change)
        candidates[n_candidates++] = slot;
    }
  if (dropped < min_change)
    return;
  qsort (candidates, n_candidates, sizeof *candidates, compare_excess_per_share_descending);
  for (gsize i = 0; i < n_candidates && dropped >= min_change; i++)
    {
      candidates[i]->amount_kib = min_change;
      dropped -= min_change;
    }
}

/* Balloon memory above what the host holds for the guest (and above its
 * floor) was never touched: taking it frees nothing now, though it stops
 * the guest from touching it later. */
static guint64
untouched_above (const GuestSlot *slot, guint64 floor)
{
  guint64 resident = slot->input->resident_kib;
  if (resident == 0 || resident >= slot->target_kib)
    return 0;
  return slot->target_kib - MAX (resident, floor);
}

typedef enum {
  RECLAIM_FOR_HOST,     /* the host's deficit: down to the floors, keeping
                         * the headroom learned for spikes */
  RECLAIM_LEARNED,      /* the host's deficit, still: from that headroom,
                         * down to the floors */
  LEND_TO_SPIKE,        /* to a guest whose spike is due: each keeps its
                         * own learned headroom */
  LEND_WITHIN_SHARES,   /* to a guest below its fair share: each keeps its
                         * need up to its own share */
  LEND_TO_CONFIRMED,    /* to a guest whose use the host confirms, for a
                         * burst: each keeps its lean floor, and may give
                         * all above it at once */
} ReclaimMode;

/* Takes GOAL of host memory from the guests that may give, by the memory
 * they hold above their floor (lending: the floor MODE keeps) per share,
 * each by at most its step. Only memory the host holds counts: a guest chosen also
 * loses the balloon memory it never touched; and when the host is short
 * and what they hold cannot cover it (or in an emergency) every guest
 * does, so that no guest grows into the host's shortage later. Not on any
 * small deficit: a guest cut to its floor just before its workload ramps
 * up runs short, as a real guest did in the e2e squeeze. Returns what the
 * host gets back. */
static guint64
reclaim (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
         GuestSlot **group, guint64 goal, ReclaimMode mode)
{
  gboolean lend = mode != RECLAIM_FOR_HOST && mode != RECLAIM_LEARNED;
  gsize n_group = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      BallastDecision *d = slot->decision;
      if (slot->input->tuning.exclude || d->reason == BALLAST_REASON_GROW_TO_MIN
          || slot->pressured)
        continue;
      if (slot->input->unresponsive)
        {
          d->reason = BALLAST_REASON_HOLD_UNRESPONSIVE;
          continue;
        }
      if (slot->input->fixed)
        {
          d->reason = BALLAST_REASON_HOLD_FIXED;
          continue;
        }
      if (slot->input->settling)
        {
          d->reason = BALLAST_REASON_HOLD_SETTLING;
          continue;
        }
      /* Lending, a guest keeps its need up to its fair share: a guest
       * claiming pressure (or lying about it) never takes one within its
       * share below its need, only what others hold beyond theirs. */
      guint64 floor = d->floor_kib;
      if (mode == RECLAIM_FOR_HOST || mode == LEND_TO_SPIKE)
        floor = d->learned_floor_kib;
      else if (mode == RECLAIM_LEARNED && d->learned_floor_kib <= d->floor_kib)
        continue;
      else if (mode == LEND_WITHIN_SHARES)
        floor = MAX (slot->lean_floor_kib, MIN (d->floor_kib, d->fair_share_kib));
      else if (mode == LEND_TO_CONFIRMED)
        floor = slot->lean_floor_kib;
      slot->keep_kib = floor;
      if (slot->target_kib <= floor)
        {
          if (!lend)
            d->reason = floor > d->floor_kib ? BALLAST_REASON_HOLD_LEARNED
                                             : BALLAST_REASON_HOLD_AT_FLOOR;
          continue;
        }
      /* A guest that reports its free pages has already handed back all
       * it does not use: the balloon above its resident memory is not
       * taken either, for nothing of the host's is in it. */
      guint64 untouched = untouched_above (slot, floor);
      slot->untouched_kib = slot->input->free_page_reporting ? 0 : untouched;
      slot->excess_kib = slot->target_kib - untouched - floor;
      if (slot->input->free_page_reporting && slot->excess_kib == 0)
        {
          if (!lend)
            d->reason = BALLAST_REASON_HOLD_REPORTED;
          continue;
        }
      /* A burst that fills its memory cannot wait for a lender to give
       * in halves over several cycles. */
      set_shrink_step (policy, plan->emergency || mode == LEND_TO_CONFIRMED, slot);
      group[n_group++] = slot;
    }
  guint64 takes = distribute_take (group, n_group, goal);
  gather_small_takes (group, n_group, policy->min_change_kib);
  gboolean strip_untouched = plan->deficit_kib > 0 && !lend && (plan->emergency || takes < goal);

  guint64 freed = 0;
  for (gsize i = 0; i < n_group; i++)
    {
      GuestSlot *slot = group[i];
      BallastDecision *d = slot->decision;
      guint64 amount = slot->amount_kib >= policy->min_change_kib ? slot->amount_kib : 0;
      guint64 change = amount + (amount > 0 || strip_untouched ? slot->untouched_kib : 0);
      if (change >= policy->min_change_kib && !plan->shrink_allowed)
        {
          d->reason = BALLAST_REASON_HOLD_GATED;
          d->skipped_change_kib = change;
        }
      else if (change >= policy->min_change_kib)
        {
          slot->target_kib -= change;
          d->untouched_taken_kib += change - amount;
          freed += amount;
          if (lend)
            d->floor_kib = slot->keep_kib;
          d->reason = plan->deficit_kib > 0 && !lend ? BALLAST_REASON_SHRINK_DEFICIT
                                                     : BALLAST_REASON_SHRINK_TRANSFER;
        }
      else if (lend)
        continue;
      else if (slot->amount_kib == 0)
        d->reason = mode == RECLAIM_LEARNED ? BALLAST_REASON_HOLD_LEARNED
                                            : BALLAST_REASON_HOLD_NOT_CHOSEN;
      else
        {
          d->reason = BALLAST_REASON_HOLD_SMALL_CHANGE;
          d->skipped_change_kib = slot->amount_kib;
        }
    }
  return freed;
}

/* Guests whose spike is due and that hold less than their learned floor
 * (squeezed between spikes) get it back before the spike comes: a spike
 * that jumps in one step is over before any reaction. What surplus did not
 * give is taken from the others above their own floors, learned headroom
 * kept, by their step, as for a pressured guest. */
static void
serve_due_spikes (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
                  GuestSlot **group)
{
  g_autofree GuestSlot **due = g_new (GuestSlot *, MAX (n, 1));
  gsize n_due = 0;
  guint64 want = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      const BallastDecision *d = slot->decision;
      if (!slot->movable || slot->pressured || d->learned_floor_kib <= d->floor_kib
          || slot->target_kib >= d->learned_floor_kib)
        continue;
      slot->cap_kib = d->learned_floor_kib - slot->target_kib;
      want += slot->cap_kib;
      due[n_due++] = slot;
    }
  if (want == 0)
    return;
  guint64 freed = reclaim (policy, plan, slots, n, group, want, LEND_TO_SPIKE);
  distribute_give (due, n_due, freed);
  for (gsize i = 0; i < n_due; i++)
    if (due[i]->amount_kib > 0)
      {
        due[i]->target_kib += due[i]->amount_kib;
        due[i]->decision->reason = BALLAST_REASON_GROW_LEARNED;
      }
}

/* Gives up to AMOUNT to the pressured guests in GROUP, each up to what it
 * still wants (cap_kib, lowered by what it got): first to those short of
 * memory now (short_now), then to the others, by shares within each. A burst swaps
 * while guests squeezed to the watermark dip under it by a few MiB of
 * noise; shared evenly, thirty of those got ten times what three swapping
 * bursts got, and a burst fell behind its ramp until its OOM killer ran
 * (tests/sim many-small). Reorders GROUP. Returns what was given. */
static guint64
grant_pressured (GuestSlot **group, gsize n, guint64 amount)
{
  gsize n_short = 0;
  for (gsize i = 0; i < n; i++)
    if (group[i]->short_now)
      {
        GuestSlot *other = group[n_short];
        group[n_short++] = group[i];
        group[i] = other;
      }
  guint64 granted = distribute_give (group, n_short, amount);
  granted += distribute_give (group + n_short, n - n_short, amount - granted);
  for (gsize i = 0; i < n; i++)
    {
      if (group[i]->amount_kib == 0)
        continue;
      group[i]->target_kib += group[i]->amount_kib;
      group[i]->cap_kib -= group[i]->amount_kib;
      group[i]->decision->reason = BALLAST_REASON_GROW_PRESSURED;
    }
  return granted;
}

/* Each guest's fair share: the budget less the reserve, divided by shares
 * among the guests ballast moves. */
static void
assign_fair_shares (BallastPlan *plan, const BallastHostInput *host, GuestSlot *slots, gsize n)
{
  guint64 pool = host->total_kib > plan->reserve_kib ? host->total_kib - plan->reserve_kib : 0;
  guint64 all_shares = 0;
  for (gsize i = 0; i < n; i++)
    if (slots[i].movable)
      all_shares += slots[i].shares;
  for (gsize i = 0; i < n; i++)
    slots[i].decision->fair_share_kib
      = all_shares == 0 ? 0
                        : (guint64) ((double) pool * (double) slots[i].shares
                                     / (double) all_shares);
}

/* Puts the pressured guests that still want memory and hold less than
 * their fair share into GROUP, each wanting at most up to that share.
 * Returns how many, and their total want in RET_WANT. */
static gsize
pressured_below_fair_share (GuestSlot *slots, gsize n, GuestSlot **group, guint64 *ret_want)
{
  gsize n_group = 0;
  guint64 want = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      guint64 fair = slot->decision->fair_share_kib;
      if (!slot->pressured || slot->cap_kib == 0 || slot->target_kib >= fair)
        continue;
      guint64 within = MIN (slot->cap_kib, fair - slot->target_kib);
      slot->beyond_fair_kib = slot->cap_kib - within;
      slot->cap_kib = within;
      want += slot->cap_kib;
      group[n_group++] = slot;
    }
  *ret_want = want;
  return n_group;
}

/* What the guests in GROUP still want, beyond their fair share too. */
static void
restore_beyond_fair (GuestSlot **group, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      group[i]->cap_kib += group[i]->beyond_fair_kib;
      group[i]->beyond_fair_kib = 0;
    }
}

/* Pressured guests below their fair share that free memory and the
 * reclaim above the floors could not serve borrow the headroom of guests
 * that hold more than their fair share, down to the larger of that share
 * and the emergency headroom: a guest swapping now outranks memory kept
 * free for the comfort of a guest that already has more than its share.
 * Only up to the borrower's fair share, so that a guest claiming pressure
 * for ever (a liar, or a leak) cannot drain the others. The reserve is
 * never lent. */
static void
lend_headroom (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
               GuestSlot **group)
{
  guint64 want;
  gsize n_borrowers = pressured_below_fair_share (slots, n, group, &want);
  g_autofree GuestSlot **borrowers = g_memdup2 (group, n_borrowers * sizeof *group);
  if (want > 0 && plan->shrink_allowed)
    {
      guint64 lent = reclaim (policy, plan, slots, n, group, want, LEND_WITHIN_SHARES);
      plan->reclaimed_kib += lent;
      grant_pressured (borrowers, n_borrowers, lent);
    }
  restore_beyond_fair (borrowers, n_borrowers);
}

/* Which guests give down to their fair share: those under pressure (in
 * an emergency), or those past the loan time. */
typedef gboolean (*GiverFilter) (const BallastPolicy *policy, const GuestSlot *slot);

static gboolean
is_pressured (const BallastPolicy *policy, const GuestSlot *slot)
{
  (void) policy;
  return slot->pressured;
}

static gboolean
loan_overdue (const BallastPolicy *policy, const GuestSlot *slot)
{
  return slot->movable && !slot->input->tuning.exclude
         && slot->input->over_fair_share_sec >= policy->loan_time_sec;
}

/* Takes up to GOAL from the guests FILTER picks that hold more than their
 * fair share (and their min), down to it, each by at most its step; not
 * from a guest settling or grown this cycle. Returns what was taken. */
static guint64
take_above_fair_share (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
                       guint64 goal, GiverFilter filter)
{
  g_autofree GuestSlot **givers = g_new0 (GuestSlot *, MAX (n, 1));
  gsize n_givers = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      BallastDecision *d = slot->decision;
      guint64 keep = MAX (MAX (d->fair_share_kib, d->min_kib), MIN (slot->input->oom_floor_kib,
                                                                      slot->input->max_kib));
      if (!filter (policy, slot) || slot->input->settling || slot->input->fixed
          || slot->target_kib <= keep
          || slot->target_kib > d->old_target_kib)
        continue;
      slot->excess_kib = slot->target_kib - keep;
      set_shrink_step (policy, plan->emergency, slot);
      givers[n_givers++] = slot;
    }
  distribute_take (givers, n_givers, goal);
  gather_small_takes (givers, n_givers, policy->min_change_kib);
  guint64 taken = 0;
  for (gsize i = 0; i < n_givers; i++)
    {
      if (givers[i]->amount_kib < policy->min_change_kib)
        continue;
      givers[i]->target_kib -= givers[i]->amount_kib;
      givers[i]->decision->reason = BALLAST_REASON_SHRINK_OVER_FAIR_SHARE;
      taken += givers[i]->amount_kib;
    }
  plan->reclaimed_kib += taken;
  return taken;
}

/* A pressured guest whose use the host confirms (its QEMU process holds
 * at least what the guest says it uses, less the emergency headroom: used
 * memory is resident, so a guest claiming more than its process holds is
 * not believed) borrows the headroom of the guests that are not pressured
 * down to their lean floor (use, growth and the emergency headroom),
 * beyond its fair share too, for a burst: for as long as its use has been
 * above its share less than the loan time. A burst that really fills its memory outranks memory an
 * idle guest keeps for comfort (240 small guests bursting in turn to
 * twice their share, tests/sim many-small); recall_loans() hands it back
 * from a guest that stays above its share, which a leak does. Claims
 * alone, which the host does not see borne out (a liar, or a guest whose
 * balloon has memory it never touched), borrow nothing here, so that they
 * cannot take another guest within its share below its need. Not in an
 * emergency, where every headroom is already cut. */
static void
lend_to_confirmed (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
                   GuestSlot **group)
{
  if (plan->emergency || !plan->shrink_allowed)
    return;
  gsize n_borrowers = 0;
  guint64 want = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      guint64 resident = slot->input->resident_kib;
      if (!slot->pressured || slot->cap_kib == 0 || resident == 0
          || resident + policy->emergency_headroom_kib < slot->decision->used_kib
          || slot->input->over_fair_share_sec >= policy->loan_time_sec)
        continue;
      want += slot->cap_kib;
      group[n_borrowers++] = slot;
    }
  if (want == 0)
    return;
  g_autofree GuestSlot **borrowers = g_memdup2 (group, n_borrowers * sizeof *group);
  guint64 lent = reclaim (policy, plan, slots, n, group, want, LEND_TO_CONFIRMED);
  plan->reclaimed_kib += lent;
  grant_pressured (borrowers, n_borrowers, lent);
}

/* Outside an emergency, a guest whose use has been above its fair share
 * for longer than the loan time gives back, down to that share and by at most
 * its step, what guests within theirs miss of their need: a burst ends
 * before, a leak never does. Pressured or not: below its use the guest
 * swaps or kills a process, which for a leak is where it was heading. */
static void
recall_loans (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
              GuestSlot **group)
{
  if (plan->emergency || !plan->shrink_allowed)
    return;
  gsize n_claimants = 0;
  guint64 want = 0;
  for (gsize i = 0; i < n; i++)
    {
      GuestSlot *slot = &slots[i];
      guint64 owed = MIN (slot->decision->floor_kib, slot->decision->fair_share_kib);
      if (!slot->movable || slot->input->tuning.exclude || slot->target_kib >= owed)
        continue;
      slot->cap_kib = owed - slot->target_kib;
      want += slot->cap_kib;
      group[n_claimants++] = slot;
    }
  if (want == 0)
    return;

  guint64 taken = take_above_fair_share (policy, plan, slots, n, want, loan_overdue);
  if (taken == 0)
    return;
  distribute_give (group, n_claimants, taken);
  for (gsize i = 0; i < n_claimants; i++)
    {
      if (group[i]->amount_kib == 0)
        continue;
      group[i]->target_kib += group[i]->amount_kib;
      if (group[i]->decision->reason != BALLAST_REASON_GROW_PRESSURED)
        group[i]->decision->reason = BALLAST_REASON_GROW_TO_NEED;
    }
}

/* In an emergency, when pressured guests below their fair share still
 * miss memory after all that, it comes from the pressured guests above
 * theirs, down to their fair share: a guest that keeps growing (a leak)
 * may take what nobody else wants, but not squeeze its neighbours to the
 * bone once everyone is at the floor and the host runs out. MoM and
 * Proxmox get this by shrinking whoever is largest; ballast only where
 * guests below their share are short and the host is in danger. */
static void
contain_over_fair_share (const BallastPolicy *policy, BallastPlan *plan, GuestSlot *slots, gsize n,
                         GuestSlot **group)
{
  /* Only when the host itself is in danger: below its use, a guest
   * swaps or kills inside (a busy guest bursting above its share is not
   * a leak; outside an emergency only one past the loan time gives, in
   * recall_loans()). */
  if (!plan->emergency || !plan->shrink_allowed)
    return;
  guint64 short_below;
  gsize n_takers = pressured_below_fair_share (slots, n, group, &short_below);
  if (short_below == 0)
    return;

  guint64 taken = take_above_fair_share (policy, plan, slots, n, short_below, is_pressured);
  grant_pressured (group, n_takers, taken);
  restore_beyond_fair (group, n_takers);
}

/* ---- The decision --------------------------------------------------------- */

guint
ballast_growth_lookahead_sec (const BallastPolicy *policy, const BallastHostInput *host)
{
  return MAX (policy->growth_lookahead_sec,
              MIN (host->decision_interval_sec, BALLAST_INTERVAL_LOOKAHEAD_MAX_SEC));
}

BallastPlan *
ballast_policy_decide (const BallastPolicy *policy, const BallastHostInput *host,
                       const BallastGuestInput *guests, gsize n_guests,
                       gboolean shrink_allowed)
{
  BallastPlan *plan = g_new0 (BallastPlan, 1);
  plan->n_decisions = n_guests;
  plan->decisions = g_new0 (BallastDecision, MAX (n_guests, 1));
  plan->shrink_allowed = shrink_allowed;
  plan->reserve_kib = ballast_policy_reserve_kib (policy, host->total_kib);

  g_autofree GuestSlot *slots = g_new0 (GuestSlot, MAX (n_guests, 1));
  g_autofree GuestSlot **group = g_new0 (GuestSlot *, MAX (n_guests, 1));

  /* Balloons still moving towards their targets will hand memory back (or
   * take it); count that now, or the next cycle would reclaim it twice.
   * Not from an unresponsive guest: a balloon stuck away from its target
   * (driver gone, or refusing) never hands that memory back, and counting
   * it would leave the host short for good while the plan says balanced.
   * Memory still going out to such a guest is counted all the same. A
   * balloon is never above the maximum, whatever its guest claims. */
  gint64 pending = 0;
  for (gsize i = 0; i < n_guests; i++)
    {
      guint64 from = MIN (guests[i].current_kib, guests[i].max_kib);
      guint64 to = MIN (guests[i].target_kib, guests[i].max_kib);
      /* A balloon going down through memory the guest never touched hands
       * nothing back. */
      if (to < from && guests[i].resident_kib > 0)
        from = MAX (to, MIN (from, guests[i].resident_kib));
      gint64 moving = (gint64) from - (gint64) to;
      if (!((guests[i].unresponsive || guests[i].fixed) && moving > 0))
        pending += moving;
    }
  plan->pending_kib = pending;
  plan->emergency = (host->has_psi && host->psi_some_avg10_centipct >= policy->psi_emergency_centipct)
                    || host->available_kib < plan->reserve_kib / 2;

  guint lookahead_sec = ballast_growth_lookahead_sec (policy, host);
  for (gsize i = 0; i < n_guests; i++)
    {
      slots[i].input = &guests[i];
      slots[i].decision = &plan->decisions[i];
      slots[i].shares = guests[i].tuning.shares;
      assess_guest (policy, lookahead_sec, plan->emergency, &slots[i]);
    }

  guint64 raised = raise_to_min (slots, n_guests);
  gint64 slack = (gint64) host->available_kib + pending - (gint64) plan->reserve_kib
                 - (gint64) raised - (gint64) MIN (host->overflow_kib, (guint64) G_MAXINT64 / 4)
                 - (gint64) MIN (host->arriving_kib, (guint64) G_MAXINT64 / 4);
  plan->arriving_kib = host->arriving_kib;
  plan->slack_kib = slack;
  plan->deficit_kib = slack < -(gint64) policy->band_kib ? (guint64) -slack : 0;
  plan->surplus_kib = slack > (gint64) policy->band_kib ? (guint64) slack : 0;
  guint64 free_kib = slack > 0 ? (guint64) slack : 0;

  /* What pressured guests want: their need, and at least a step more.
   * A guest only growing towards its watermark wants its need, which
   * holds that growth: a step more for an idle guest whose use came back
   * by 40 MiB after a shrink was lent another guest's headroom a second
   * before that guest's burst (the demo's OOM kill in CI). */
  guint64 pressured_want = 0;
  for (gsize i = 0; i < n_guests; i++)
    {
      GuestSlot *slot = &slots[i];
      if (!slot->pressured)
        continue;
      guint64 step = slot->decision->pressure == BALLAST_PRESSURE_GROWING ? 0 : policy->pressure_grow_kib;
      guint64 goal = MAX (slot->decision->need_kib, slot->target_kib + step);
      goal = MIN (goal, slot->input->max_kib);
      slot->cap_kib = goal > slot->target_kib ? goal - slot->target_kib : 0;
      if (slot->input->tuning.grow_step_max_kib > 0)
        slot->cap_kib = MIN (slot->cap_kib, slot->input->tuning.grow_step_max_kib);
      pressured_want += slot->cap_kib;
    }

  /* Reclaim: the deficit, plus whatever pressured guests want beyond the
   * free memory. Only from guests that are not pressured, trusted, and
   * above their floor, each by at most its step. */
  guint64 pressured_short = pressured_want > free_kib ? pressured_want - free_kib : 0;
  guint64 reclaim_goal = plan->deficit_kib + pressured_short;
  if (reclaim_goal > 0)
    plan->reclaimed_kib = reclaim (policy, plan, slots, n_guests, group, reclaim_goal, RECLAIM_FOR_HOST);
  /* The headroom held for spikes goes last. */
  guint64 learned_taken = 0;
  if (plan->reclaimed_kib < reclaim_goal)
    {
      learned_taken = reclaim (policy, plan, slots, n_guests, group,
                               reclaim_goal - plan->reclaimed_kib, RECLAIM_LEARNED);
      plan->reclaimed_kib += learned_taken;
    }

  /* Pressured guests grow first, from free memory and from what was
   * reclaimed beyond the deficit; by shares when there is not enough.
   * What they still miss, below their fair share, is lent from the
   * others' headroom, then taken from pressured guests above theirs. */
  guint64 beyond_deficit = plan->reclaimed_kib > plan->deficit_kib
                           ? plan->reclaimed_kib - plan->deficit_kib : 0;
  gsize n_group = 0;
  for (gsize i = 0; i < n_guests; i++)
    if (slots[i].pressured && slots[i].cap_kib > 0)
      group[n_group++] = &slots[i];
  guint64 pressured_granted = grant_pressured (group, n_group, free_kib + beyond_deficit);
  assign_fair_shares (plan, host, slots, n_guests);
  lend_headroom (policy, plan, slots, n_guests, group);
  contain_over_fair_share (policy, plan, slots, n_guests, group);
  lend_to_confirmed (policy, plan, slots, n_guests, group);
  /* Last: it sets the wants (cap_kib) of the guests it serves anew. */
  recall_loans (policy, plan, slots, n_guests, group);
  for (gsize i = 0; i < n_guests; i++)
    if (slots[i].pressured && slots[i].decision->reason == BALLAST_REASON_HOLD_BALANCED)
      slots[i].decision->reason = BALLAST_REASON_HOLD_PRESSURED;
  guint64 free_used = pressured_granted > beyond_deficit ? pressured_granted - beyond_deficit : 0;
  guint64 spare = plan->surplus_kib > 0 && free_kib > free_used ? free_kib - free_used : 0;

  /* Surplus: first everyone up to their need, then towards max, by shares:
   * first the guests that report their free pages, which cost the host
   * only what they use of it and hand the rest back by themselves, then
   * the others. */
  enum { STAGE_NEED, STAGE_LEARNED, STAGE_REPORTING, STAGE_REST, N_STAGES };
  for (int stage = STAGE_NEED; stage < N_STAGES && spare > 0; stage++)
    {
      n_group = 0;
      for (gsize i = 0; i < n_guests; i++)
        {
          GuestSlot *slot = &slots[i];
          if (!slot->movable)
            continue;
          /* Beyond its need only a guest that can give it back; headroom
           * for a spike that is due, even if it was shrunk lately. */
          if (stage == STAGE_LEARNED && slot->decision->learned_floor_kib <= slot->decision->need_kib)
            continue;
          if (stage > STAGE_LEARNED && (slot->input->recently_shrunk || slot->input->fixed))
            continue;
          if ((stage == STAGE_REPORTING && !slot->input->free_page_reporting)
              || (stage == STAGE_REST && slot->input->free_page_reporting))
            continue;
          guint64 goal = stage == STAGE_NEED      ? slot->decision->need_kib
                         : stage == STAGE_LEARNED ? slot->decision->learned_floor_kib
                                                  : slot->input->max_kib;
          if (slot->target_kib >= goal)
            continue;
          slot->cap_kib = goal - slot->target_kib;
          guint64 step_max = slot->input->tuning.grow_step_max_kib;
          if (step_max > 0)
            {
              guint64 given = slot->target_kib > slot->decision->old_target_kib
                              ? slot->target_kib - slot->decision->old_target_kib : 0;
              slot->cap_kib = given >= step_max ? 0 : MIN (slot->cap_kib, step_max - given);
            }
          if (slot->cap_kib > 0)
            group[n_group++] = slot;
        }
      spare -= distribute_give (group, n_group, spare);
      for (gsize i = 0; i < n_group; i++)
        {
          if (group[i]->amount_kib == 0)
            continue;
          group[i]->target_kib += group[i]->amount_kib;
          if (group[i]->decision->reason != BALLAST_REASON_GROW_PRESSURED
              && group[i]->decision->reason != BALLAST_REASON_GROW_TO_MIN
              && group[i]->decision->reason != BALLAST_REASON_GROW_TO_NEED
              && group[i]->decision->reason != BALLAST_REASON_GROW_LEARNED)
            group[i]->decision->reason = stage == STAGE_NEED      ? BALLAST_REASON_GROW_TO_NEED
                                         : stage == STAGE_LEARNED ? BALLAST_REASON_GROW_LEARNED
                                                                  : BALLAST_REASON_GROW_SURPLUS;
        }
    }

  /* Not when the deficit had to take learned headroom: that would hand
   * it straight back. */
  if (learned_taken == 0)
    serve_due_spikes (policy, plan, slots, n_guests, group);

  /* Hysteresis for growth (shrinks were filtered above), and the outcome. */
  for (gsize i = 0; i < n_guests; i++)
    {
      GuestSlot *slot = &slots[i];
      BallastDecision *d = slot->decision;
      if (slot->input->tuning.exclude)
        {
          slot->target_kib = d->old_target_kib;
          d->reason = BALLAST_REASON_HOLD_EXCLUDED;
        }
      /* A guest not trusted is asked no more for what its balloon has not
       * given (a stuck balloon, a driver gone, stats gone stale): its
       * target goes back to where the balloon is, so the guest is not
       * squeezed later by a request nobody counts on any more. A grow on
       * its way is left alone: it only ever helps the guest. */
      guint64 balloon = MIN (slot->input->current_kib, slot->input->max_kib);
      if (slot->input->unresponsive && !slot->input->tuning.exclude
          && slot->target_kib == d->old_target_kib && d->old_target_kib < balloon
          && balloon - d->old_target_kib >= policy->min_change_kib)
        {
          slot->target_kib = balloon;
          d->reason = BALLAST_REASON_STOP_ASKING;
        }
      /* A growth too small to be worth a call is dropped, but never below
       * the guarantee: raising a guest to its min is not optional. */
      guint64 base = MAX (d->old_target_kib, d->min_kib);
      if (!slot->input->tuning.exclude && slot->target_kib > base
          && slot->target_kib - base < policy->min_change_kib
          && slot->target_kib < slot->input->max_kib)
        {
          d->skipped_change_kib = slot->target_kib - base;
          slot->target_kib = base;
          d->reason = base > d->old_target_kib ? BALLAST_REASON_GROW_TO_MIN
                                               : BALLAST_REASON_HOLD_SMALL_CHANGE;
        }
      if (!slot->movable && !slot->input->tuning.exclude
          && d->reason == BALLAST_REASON_HOLD_BALANCED)
        d->reason = BALLAST_REASON_HOLD_UNRESPONSIVE;
      if (plan->surplus_kib > 0 && slot->target_kib >= slot->input->max_kib
          && d->reason == BALLAST_REASON_HOLD_BALANCED)
        d->reason = BALLAST_REASON_HOLD_AT_MAX;
      if (plan->surplus_kib > 0 && slot->input->recently_shrunk && slot->movable
          && d->reason == BALLAST_REASON_HOLD_BALANCED)
        d->reason = BALLAST_REASON_HOLD_REGROW_DELAY;
      if (slot->input->fixed && slot->movable && d->reason == BALLAST_REASON_HOLD_BALANCED)
        d->reason = BALLAST_REASON_HOLD_FIXED;
      d->target_kib = slot->target_kib;
      d->changed = d->target_kib != d->old_target_kib;
      if (d->target_kib > d->old_target_kib)
        plan->granted_kib += d->target_kib - d->old_target_kib;
    }
  return plan;
}

void
ballast_plan_free (BallastPlan *plan)
{
  if (plan == NULL)
    return;
  g_free (plan->decisions);
  g_free (plan);
}

/* ---- Explaining ------------------------------------------------------------ */

const char *
ballast_reason_code_to_string (BallastReasonCode code)
{
  switch (code)
    {
    case BALLAST_REASON_HOLD_BALANCED: return "hold-balanced";
    case BALLAST_REASON_HOLD_AT_FLOOR: return "hold-at-floor";
    case BALLAST_REASON_HOLD_PRESSURED: return "hold-pressured";
    case BALLAST_REASON_HOLD_GATED: return "hold-gated";
    case BALLAST_REASON_HOLD_UNRESPONSIVE: return "hold-unresponsive";
    case BALLAST_REASON_HOLD_SMALL_CHANGE: return "hold-small-change";
    case BALLAST_REASON_HOLD_AT_MAX: return "hold-at-max";
    case BALLAST_REASON_HOLD_EXCLUDED: return "hold-excluded";
    case BALLAST_REASON_HOLD_NOT_CHOSEN: return "hold-not-chosen";
    case BALLAST_REASON_SHRINK_DEFICIT: return "shrink-deficit";
    case BALLAST_REASON_SHRINK_TRANSFER: return "shrink-transfer";
    case BALLAST_REASON_GROW_TO_MIN: return "grow-to-min";
    case BALLAST_REASON_GROW_PRESSURED: return "grow-pressured";
    case BALLAST_REASON_GROW_TO_NEED: return "grow-to-need";
    case BALLAST_REASON_GROW_SURPLUS: return "grow-surplus";
    case BALLAST_REASON_HOLD_SETTLING: return "hold-settling";
    case BALLAST_REASON_HOLD_REGROW_DELAY: return "hold-regrow-delay";
    case BALLAST_REASON_SHRINK_OVER_FAIR_SHARE: return "shrink-over-fair-share";
    case BALLAST_REASON_HOLD_FIXED: return "hold-fixed";
    case BALLAST_REASON_HOLD_REPORTED: return "hold-reported";
    case BALLAST_REASON_STOP_ASKING: return "stop-asking";
    case BALLAST_REASON_HOLD_LEARNED: return "hold-learned";
    case BALLAST_REASON_GROW_LEARNED: return "grow-learned";
    default: return "?";
    }
}

const char *
ballast_pressure_cause_to_string (BallastPressureCause cause)
{
  switch (cause)
    {
    case BALLAST_PRESSURE_NONE: return "none";
    case BALLAST_PRESSURE_SWAP_IN: return "swap-in";
    case BALLAST_PRESSURE_MAJOR_FAULTS: return "major-faults";
    case BALLAST_PRESSURE_LOW_USABLE: return "low-usable";
    case BALLAST_PRESSURE_GROWING: return "growing";
    case BALLAST_PRESSURE_OOM_DEFLATED: return "oom-deflated";
    default: return "?";
    }
}

static const char *
pressure_phrase (BallastPressureCause cause)
{
  switch (cause)
    {
    case BALLAST_PRESSURE_SWAP_IN: return "swapping in";
    case BALLAST_PRESSURE_MAJOR_FAULTS: return "major page faults";
    case BALLAST_PRESSURE_LOW_USABLE: return "usable memory under the low watermark";
    case BALLAST_PRESSURE_GROWING: return "growing fast enough to run out within the lookahead";
    case BALLAST_PRESSURE_OOM_DEFLATED: return "deflated its balloon on a guest OOM";
    case BALLAST_PRESSURE_NONE:
    default: return "no pressure";
    }
}

char *
ballast_decision_describe (const BallastPlan *plan, const BallastDecision *d)
{
  g_autofree char *floor = ballast_size_format_kib (d->floor_kib);
  const char *floor_source = d->floor_kib == d->min_kib && d->min_kib >= d->need_kib
                             ? (d->min_unreachable ? "what it cannot give now" : "min")
                             : d->floor_kib < d->need_kib ? "need, headroom lent" : "need";
  g_autofree char *deficit = ballast_size_format_kib (plan->deficit_kib);
  /* What the host is short of, with what guests arriving still take. */
  if (plan->arriving_kib > 0)
    {
      g_autofree char *arriving = ballast_size_format_kib (plan->arriving_kib);
      g_autofree char *bare = g_steal_pointer (&deficit);
      deficit = g_strdup_printf ("%s (counting %s still to arrive with incoming migrations)", bare,
                                 arriving);
    }
  g_autofree char *surplus = ballast_size_format_kib (plan->surplus_kib);
  g_autofree char *skipped = ballast_size_format_kib (d->skipped_change_kib);
  guint64 delta_kib = d->target_kib > d->old_target_kib ? d->target_kib - d->old_target_kib
                                                        : d->old_target_kib - d->target_kib;
  g_autofree char *delta = ballast_size_format_kib (delta_kib);
  g_autofree char *untouched = NULL;
  if (d->untouched_taken_kib > 0)
    {
      g_autofree char *size = ballast_size_format_kib (d->untouched_taken_kib);
      untouched = g_strdup_printf (" (%s of it never touched)", size);
    }
  g_autofree char *need = ballast_size_format_kib (d->need_kib);
  g_autofree char *min = ballast_size_format_kib (d->min_kib);
  gint64 slack = plan->slack_kib;
  g_autofree char *slack_text = ballast_size_format_kib ((guint64) (slack < 0 ? -slack : slack));

  switch (d->reason)
    {
    case BALLAST_REASON_HOLD_BALANCED:
      return g_strdup_printf ("hold: host within band (slack %s%s)", slack < 0 ? "-" : "", slack_text);
    case BALLAST_REASON_HOLD_AT_FLOOR:
      /* Without a deficit, the reclaim was for a guest under pressure. */
      if (plan->deficit_kib == 0)
        return g_strdup_printf ("hold: a guest under pressure needs memory, but guest is at its "
                                "floor %s (%s)", floor, floor_source);
      return g_strdup_printf ("hold: host short of %s, but guest is at its floor %s (%s)",
                              deficit, floor, floor_source);
    case BALLAST_REASON_HOLD_PRESSURED:
      return g_strdup_printf ("hold: under pressure (%s), not shrunk", pressure_phrase (d->pressure));
    case BALLAST_REASON_HOLD_GATED:
      return g_strdup_printf ("hold: would give %s, but overcommit is gated off", skipped);
    case BALLAST_REASON_HOLD_UNRESPONSIVE:
      return g_strdup ("hold: guest stats or balloon not trusted, not counted on");
    case BALLAST_REASON_HOLD_SMALL_CHANGE:
      return g_strdup_printf ("hold: change of %s is below the minimum step", skipped);
    case BALLAST_REASON_HOLD_AT_MAX:
      return g_strdup_printf ("hold: at maximum, host has %s spare", surplus);
    case BALLAST_REASON_HOLD_EXCLUDED:
      return g_strdup ("hold: excluded by tuning");
    case BALLAST_REASON_HOLD_NOT_CHOSEN:
      if (plan->deficit_kib == 0)
        return g_strdup ("hold: what guests under pressure need was taken from guests with more "
                         "idle memory");
      return g_strdup_printf ("hold: host short of %s, taken from guests with more idle memory",
                              deficit);
    case BALLAST_REASON_SHRINK_DEFICIT:
      return g_strdup_printf ("shrink by %s%s: host short of %s; floor %s (%s)",
                              delta, untouched ? untouched : "", deficit, floor, floor_source);
    case BALLAST_REASON_SHRINK_TRANSFER:
      return g_strdup_printf ("shrink by %s%s: to grow a guest under pressure; floor %s (%s)",
                              delta, untouched ? untouched : "", floor, floor_source);
    case BALLAST_REASON_GROW_TO_MIN:
      if (d->min_unreachable)
        return g_strdup_printf ("grow by %s: to %s, what it holds and cannot give now", delta, min);
      return g_strdup_printf ("grow by %s: below its guaranteed minimum %s", delta, min);
    case BALLAST_REASON_GROW_PRESSURED:
      return g_strdup_printf ("grow by %s: under pressure (%s); need %s",
                              delta, pressure_phrase (d->pressure), need);
    case BALLAST_REASON_GROW_TO_NEED:
      return g_strdup_printf ("grow by %s: below its need %s", delta, need);
    case BALLAST_REASON_GROW_SURPLUS:
      return g_strdup_printf ("grow by %s: host has %s spare", delta, surplus);
    case BALLAST_REASON_HOLD_REGROW_DELAY:
      return g_strdup_printf ("hold: host has %s spare, but the guest was shrunk lately: its need is met, more later",
                              surplus);
    case BALLAST_REASON_SHRINK_OVER_FAIR_SHARE:
      {
        g_autofree char *fair = ballast_size_format_kib (d->fair_share_kib);
        if (!plan->emergency)
          return g_strdup_printf ("shrink by %s: has used more than its fair share %s for longer "
                                  "than the loan time, while guests within theirs miss their need",
                                  delta, fair);
        return g_strdup_printf ("shrink by %s: under pressure, but holds more than its fair share %s "
                                "while guests below theirs are under pressure", delta, fair);
      }
    case BALLAST_REASON_HOLD_SETTLING:
      return g_strdup_printf ("hold: host short of %s, but the guest has not reported since its balloon last moved",
                              deficit);
    case BALLAST_REASON_HOLD_FIXED:
      return g_strdup ("hold: its balloon frees no host memory (fixed): never shrunk, grown only to its need");
    case BALLAST_REASON_HOLD_REPORTED:
      return g_strdup_printf ("hold: host short of %s, but with free page reporting the guest has "
                              "already handed back all it does not use", deficit);
    case BALLAST_REASON_HOLD_LEARNED:
    case BALLAST_REASON_GROW_LEARNED:
      {
        g_autofree char *keep = ballast_size_format_kib (d->learned_floor_kib > d->floor_kib
                                                         ? d->learned_floor_kib - d->floor_kib : 0);
        g_autofree char *peak = ballast_size_format_kib (d->spike_peak_kib);
        g_autofree char *age = d->spike_age_sec >= 120
                                 ? g_strdup_printf ("%" G_GUINT64_FORMAT " min", d->spike_age_sec / 60)
                                 : g_strdup_printf ("%" G_GUINT64_FORMAT " s", d->spike_age_sec);
        if (d->reason == BALLAST_REASON_GROW_LEARNED)
          return g_strdup_printf ("grow by %s: keeping %s for its spikes: peak %s %s ago", delta, keep,
                                  peak, age);
        return g_strdup_printf ("hold: host short of %s, but keeping %s for its spikes: peak %s %s ago",
                                deficit, keep, peak, age);
      }
    case BALLAST_REASON_STOP_ASKING:
      {
        g_autofree char *asked = ballast_size_format_kib (d->old_target_kib);
        return g_strdup_printf ("stop asking: the balloon is not trusted to reach %s; target back "
                                "to where it is, not counted on", asked);
      }
    default:
      return g_strdup ("?");
    }
}
