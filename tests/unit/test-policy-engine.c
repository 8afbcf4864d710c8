/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The allocator: table-driven cases for each behaviour, then the
 * invariants of DESIGN.md checked on thousands of random inputs. */
#include "policy-engine.h"

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

static BallastPolicy
test_policy (void)
{
  BallastPolicy policy;
  ballast_policy_init_defaults (&policy);
  policy.reserve = (BallastAmount) { .is_relative = FALSE, .kib = 1 * GIB };
  policy.reserve_floor_kib = 0;
  return policy;
}

static BallastGuestInput
idle_guest (const char *name, const BallastPolicy *policy, guint64 max, guint64 current,
            guint64 usable)
{
  return (BallastGuestInput) {
    .name = name,
    .max_kib = max,
    .current_kib = current,
    .target_kib = current,
    .usable_kib = usable,
    .tuning = policy->guest_defaults,
  };
}

static BallastHostInput
host_with_available (guint64 total, guint64 available)
{
  return (BallastHostInput) { .total_kib = total, .available_kib = available };
}

/* ---- Behaviours ---- */

static void
test_balanced_host_moves_nothing (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("a", &policy, 4 * GIB, 2 * GIB, 1 * GIB),
    idle_guest ("b", &policy, 4 * GIB, 3 * GIB, 2 * GIB),
  };
  /* available - reserve = 10 MiB: inside the 64 MiB band. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB + 10 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (plan->slack_kib, ==, 10 * MIB);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (plan->decisions[i].changed);
      g_assert_cmpint (plan->decisions[i].reason, ==, BALLAST_REASON_HOLD_BALANCED);
    }
}

static void
test_deficit_taken_from_most_idle (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* used 1.5 GiB: need = 1.5G + 20% = 1.8 GiB, excess 0.2 GiB */
    idle_guest ("busy", &policy, 4 * GIB, 2 * GIB, 512 * MIB),
    /* used 512 MiB: need = 640 MiB, excess 3.4 GiB */
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (plan->deficit_kib, ==, 512 * MIB);
  g_assert_false (plan->decisions[0].changed);
  g_assert_true (plan->decisions[1].changed);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_assert_cmpuint (plan->decisions[1].target_kib, ==, 4 * GIB - 512 * MIB);
  g_assert_cmpuint (plan->reclaimed_kib, ==, 512 * MIB);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_NOT_CHOSEN);
}

static void
test_shrink_step_is_bounded (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  /* A deficit larger than the guest's whole excess. */
  /* 2.5 GiB short, yet above half the reserve: not an emergency. */
  BallastHostInput host = host_with_available (16 * GIB, 3584 * MIB);
  policy.reserve = (BallastAmount) { .kib = 6 * GIB };
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_false (plan->emergency);
  const BallastDecision *d = &plan->decisions[0];
  /* floor = need = 512 + 128 MiB; half of the 3.4 GiB excess goes. */
  g_assert_cmpuint (d->floor_kib, ==, 640 * MIB);
  g_assert_cmpuint (4 * GIB - d->target_kib, ==, (4 * GIB - 640 * MIB) / 2);
}

static void
test_emergency_takes_whole_excess_and_shrinks_headroom (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  /* Far more short than the guest could give even at once. */
  policy.reserve = (BallastAmount) { .kib = 6 * GIB };
  BallastHostInput host = host_with_available (16 * GIB, 100 * MIB);
  host.has_psi = TRUE;
  host.psi_some_avg10_centipct = 2500;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_true (plan->emergency);
  const BallastDecision *d = &plan->decisions[0];
  g_assert_cmpuint (d->need_kib, ==, 512 * MIB + policy.emergency_headroom_kib);
  g_assert_cmpuint (d->target_kib, ==, d->floor_kib);
}

static void
test_pressured_never_shrunk_and_grows_first (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("swapping", &policy, 4 * GIB, 2 * GIB, 1 * GIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].swap_in_kib_per_sec = 10 * MIB;
  /* Inside the band: the pressured guest's growth is a transfer. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *swapping = &plan->decisions[0];
  const BallastDecision *idle = &plan->decisions[1];
  g_assert_cmpint (swapping->pressure, ==, BALLAST_PRESSURE_SWAP_IN);
  g_assert_cmpint (swapping->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (swapping->target_kib, ==, 2 * GIB + policy.pressure_grow_kib);
  g_assert_cmpint (idle->reason, ==, BALLAST_REASON_SHRINK_TRANSFER);
  g_assert_cmpuint (4 * GIB - idle->target_kib, ==, policy.pressure_grow_kib);

  /* A third guest with less idle memory is not chosen, and its reason
   * says why without a host deficit there is none of. */
  BallastGuestInput three[] = {
    guests[0], guests[1], idle_guest ("less-idle", &policy, 4 * GIB, 4 * GIB, 1 * GIB),
    /* Uses 1748 MiB of 2 GiB: its need is above what it holds. */
    idle_guest ("full", &policy, 4 * GIB, 2 * GIB, 300 * MIB),
  };
  g_autoptr(BallastPlan) plan3 = ballast_policy_decide (&policy, &host, three, 4, TRUE);
  g_assert_cmpint (plan3->decisions[3].reason, ==, BALLAST_REASON_HOLD_AT_FLOOR);
  g_autofree char *at_floor = ballast_decision_describe (plan3, &plan3->decisions[3]);
  g_assert_true (g_str_has_prefix (at_floor, "hold: a guest under pressure needs memory, but guest "
                                             "is at its floor"));
  const BallastDecision *less = &plan3->decisions[2];
  g_assert_cmpuint (plan3->deficit_kib, ==, 0);
  g_assert_cmpint (less->reason, ==, BALLAST_REASON_HOLD_NOT_CHOSEN);
  g_autofree char *why = ballast_decision_describe (plan3, less);
  g_assert_cmpstr (why, ==, "hold: what guests under pressure need was taken from guests with more "
                            "idle memory");
}

/* When free memory cannot serve every pressured guest, a guest short of
 * memory now (swapping, or running out before a change lands) is served
 * whole before guests that are only under the watermark. */
static void
test_swapping_served_before_low_usable (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("under-watermark", &policy, 4 * GIB, 1 * GIB, 20 * MIB),
    idle_guest ("swapping", &policy, 4 * GIB, 1 * GIB, 0),
  };
  guests[1].swap_in_kib_per_sec = 10 * MIB;
  /* 300 MiB above the reserve, less than the two want together; neither
   * has anything to give. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB + 300 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *low = &plan->decisions[0];
  const BallastDecision *swapping = &plan->decisions[1];
  g_assert_cmpint (low->pressure, ==, BALLAST_PRESSURE_LOW_USABLE);
  g_assert_cmpint (swapping->pressure, ==, BALLAST_PRESSURE_SWAP_IN);
  g_assert_cmpuint (swapping->need_kib - 1 * GIB + low->need_kib - 1 * GIB, >, 300 * MIB);
  g_assert_cmpint (swapping->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (swapping->target_kib, ==, swapping->need_kib);
  g_assert_cmpint (low->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (low->target_kib, ==, 1 * GIB + 300 * MIB - (swapping->need_kib - 1 * GIB));

  /* Both under the watermark: the same want is shared by shares. */
  guests[1].swap_in_kib_per_sec = 0;
  guests[1].usable_kib = 20 * MIB;
  g_autoptr(BallastPlan) even = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (even->decisions[0].target_kib, ==, 1 * GIB + 150 * MIB);
  g_assert_cmpuint (even->decisions[1].target_kib, ==, 1 * GIB + 150 * MIB);

  /* Under the watermark and growing faster than its 20 MiB lasts (5 s at
   * 8 MiB/s): out of memory before a change lands, so served first too. */
  guests[1].used_growth_kib_per_sec = 8 * MIB;
  g_autoptr(BallastPlan) running_out = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *out = &running_out->decisions[1];
  g_assert_cmpint (out->pressure, ==, BALLAST_PRESSURE_LOW_USABLE);
  g_assert_cmpuint (out->target_kib, ==, out->need_kib);
  g_assert_cmpuint (running_out->decisions[0].target_kib, ==,
                    1 * GIB + 300 * MIB - (out->need_kib - 1 * GIB));
}

static void
test_low_usable_is_pressure (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("full", &policy, 2 * GIB, 1 * GIB, 20 * MIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 8 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpint (plan->decisions[0].pressure, ==, BALLAST_PRESSURE_LOW_USABLE);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_GROW_PRESSURED);
  /* Surplus then takes it on to max. */
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 2 * GIB);
}

static void
test_surplus_fills_need_then_max_by_shares (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("small", &policy, 8 * GIB, 1 * GIB, 512 * MIB),
    idle_guest ("big", &policy, 8 * GIB, 1 * GIB, 512 * MIB),
  };
  guests[1].tuning.shares = 300;
  /* 1 GiB spare above the reserve. */
  BallastHostInput host = host_with_available (16 * GIB, 2 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  guint64 small = plan->decisions[0].target_kib - 1 * GIB;
  guint64 big = plan->decisions[1].target_kib - 1 * GIB;
  g_assert_cmpuint (small + big, ==, 1 * GIB);
  /* Three times the shares, three times the memory, to within the
   * rounding remainder (at most one KiB per share). */
  g_assert_cmpuint (big, >=, 3 * small - 300);
  g_assert_cmpuint (big, <=, 3 * small + 300);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_GROW_SURPLUS);
}

static void
test_below_need_grown_before_surplus (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* used 900 MiB of 1 GiB: need = 1080 MiB */
    idle_guest ("tight", &policy, 8 * GIB, 1 * GIB, 124 * MIB),
    idle_guest ("roomy", &policy, 8 * GIB, 1 * GIB, 900 * MIB),
  };
  /* Only 100 MiB spare (above the band). */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB + 100 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  /* "tight" first gets its missing 56 MiB, then the 44 MiB left are
   * shared equally. */
  guint64 to_need = plan->decisions[0].need_kib - 1 * GIB;
  g_assert_cmpuint (to_need, ==, 56 * MIB);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_GROW_TO_NEED);
  g_assert_cmpuint (plan->decisions[0].target_kib - plan->decisions[0].need_kib, >=, 22 * MIB - 100);
  g_assert_cmpuint (plan->decisions[0].target_kib - plan->decisions[0].need_kib, <=, 22 * MIB + 100);
  g_assert_cmpuint (plan->decisions[1].target_kib - 1 * GIB, >=, 22 * MIB - 100);
  g_assert_cmpuint (plan->granted_kib, ==, 100 * MIB);
}

static void
test_small_changes_are_skipped (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("a", &policy, 8 * GIB, 2 * GIB, 1 * GIB),
  };
  /* 70 MiB spare: above the 64 MiB band... */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB + 70 * MIB);
  policy.min_change_kib = 100 * MIB; /* ...but below the minimum step */
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_SMALL_CHANGE);
  g_assert_cmpuint (plan->decisions[0].skipped_change_kib, ==, 70 * MIB);
}

static void
test_below_min_is_raised_even_in_deficit (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("starved", &policy, 4 * GIB, 128 * MIB, 100 * MIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 900 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_GROW_TO_MIN);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 256 * MIB);
  g_assert_true (plan->decisions[1].target_kib < 4 * GIB);
}

/* Memory a guest cannot give now (a stuck virtio-mem unplug, plugged
 * memory under the balloon alone) is a floor like its min, and the reason
 * says which it is. */
static void
test_unreachable_is_a_floor_and_said (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("stuck", &policy, 4 * GIB, 128 * MIB, 100 * MIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].unreachable_kib = 1 * GIB;
  BallastHostInput host = host_with_available (16 * GIB, 900 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *d = &plan->decisions[0];
  g_assert_cmpint (d->reason, ==, BALLAST_REASON_GROW_TO_MIN);
  g_assert_cmpuint (d->target_kib, ==, 1 * GIB);
  g_assert_cmpuint (d->min_kib, ==, 1 * GIB);
  g_assert_true (d->min_unreachable);
  g_autofree char *why = ballast_decision_describe (plan, d);
  g_assert_cmpstr (why, ==, "grow by 896.0 MiB: to 1.0 GiB, what it holds and cannot give now");
  /* Below its tuning's min it changes nothing, and the min is said. */
  guests[0].unreachable_kib = 64 * MIB;
  g_autoptr(BallastPlan) plan2 = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (plan2->decisions[0].min_unreachable);
  g_assert_cmpuint (plan2->decisions[0].target_kib, ==, 256 * MIB);
  g_autofree char *why2 = ballast_decision_describe (plan2, &plan2->decisions[0]);
  g_assert_nonnull (strstr (why2, "below its guaranteed minimum 256.0 MiB"));
}

static void
test_gate_off_never_shrinks (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, FALSE);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_GATED);
  g_assert_cmpuint (plan->decisions[0].skipped_change_kib, >, 0);
  g_autofree char *text = ballast_decision_describe (plan, &plan->decisions[0]);
  g_assert_nonnull (strstr (text, "gated off"));
}

static void
test_excluded_and_unresponsive_untouched (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("excluded", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
    idle_guest ("unresponsive", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].tuning.exclude = TRUE;
  guests[1].unresponsive = TRUE;
  BallastHostInput host = host_with_available (16 * GIB, 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 3, TRUE);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_EXCLUDED);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_HOLD_UNRESPONSIVE);
  g_assert_false (plan->decisions[1].changed);
  g_assert_true (plan->decisions[2].changed);
}

/* A guest ramping up is served ahead: its need includes the lookahead, it
 * counts as pressured before it runs out, and it is not shrunk meanwhile. */
static void
test_growing_guest_served_ahead (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("ramping", &policy, 2 * GIB, 1 * GIB, 400 * MIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].used_growth_kib_per_sec = 100 * MIB;
  /* Inside the band: any growth is a transfer. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *ramping = &plan->decisions[0];
  g_assert_cmpint (ramping->pressure, ==, BALLAST_PRESSURE_GROWING);
  /* used 624 MiB + 128 MiB headroom + 5 s x 100 MiB/s */
  g_assert_cmpuint (ramping->need_kib, ==, 624 * MIB + 128 * MIB + 500 * MIB);
  g_assert_cmpint (ramping->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (ramping->target_kib, ==, ramping->need_kib);
  g_assert_true (plan->decisions[1].target_kib < 4 * GIB);

  /* Decisions 8 s apart: what the guest grows until the next one has to
   * be there already, so it is looked ahead 8 s rather than 5. */
  host.decision_interval_sec = 8;
  g_assert_cmpuint (ballast_growth_lookahead_sec (&policy, &host), ==, 8);
  g_autoptr(BallastPlan) slow = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (slow->decisions[0].need_kib, ==, 624 * MIB + 128 * MIB + 800 * MIB);
  /* A shorter interval never shortens the policy's lookahead, and a very
   * long one is counted up to a minute only. */
  host.decision_interval_sec = 2;
  g_assert_cmpuint (ballast_growth_lookahead_sec (&policy, &host), ==, 5);
  host.decision_interval_sec = 600;
  g_assert_cmpuint (ballast_growth_lookahead_sec (&policy, &host), ==, BALLAST_INTERVAL_LOOKAHEAD_MAX_SEC);
  host.decision_interval_sec = 0;

  /* Without growth, 400 MiB usable is no pressure at all. */
  guests[0].used_growth_kib_per_sec = 0;
  g_autoptr(BallastPlan) calm = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (calm->decisions[0].pressure, ==, BALLAST_PRESSURE_NONE);
}

/* Right after a shrink QEMU already reports the smaller balloon but the
 * guest's figures are from before: used comes from the guest's own MemTotal
 * then, not from a balloon size its usable figure does not belong to. */
static void
test_used_from_the_guests_own_report (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("just-shrunk", &policy, 4 * GIB, 1 * GIB, 1536 * MIB),
  };
  guests[0].reported_total_kib = 2 * GIB; /* the report from before the shrink */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpuint (plan->decisions[0].used_kib, ==, 512 * MIB);

  /* The other way round, seen on slow (TCG) guests: the guest already
   * reports from its new, smaller size while QEMU still shows the old one.
   * The balloon counts at its target, so the shrink is not taken for used
   * memory and handed straight back. */
  guests[0].current_kib = 512 * MIB;       /* QEMU: not moved yet */
  guests[0].target_kib = 263 * MIB;
  guests[0].usable_kib = 128 * MIB;        /* the fresh report */
  guests[0].reported_total_kib = 221 * MIB;
  guests[0].recently_shrunk = TRUE;
  g_autoptr(BallastPlan) lagging = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpuint (lagging->decisions[0].used_kib, ==, 135 * MIB);
  g_assert_cmpuint (lagging->decisions[0].need_kib, ==, 263 * MIB);
  g_assert_false (lagging->decisions[0].changed);
}

/* A fixed guest (VFIO, hugepages, locked memory) frees nothing when its
 * balloon inflates: a deficit is taken from the others, its balloon going
 * down is not counted on, and surplus brings it to its need, no further. */
static void
test_fixed_guest_never_shrunk (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* The idlest by far: would give first. */
    idle_guest ("vfio", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3072 * MIB),
  };
  guests[0].fixed = TRUE;
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (plan->deficit_kib, ==, 512 * MIB);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_FIXED);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_assert_cmpuint (plan->reclaimed_kib, ==, 512 * MIB);

  /* Asked down before it was known to be fixed: that memory never comes. */
  guests[0].target_kib = 2 * GIB;
  g_autoptr(BallastPlan) stuck = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (stuck->pending_kib, ==, 0);
  guests[0].fixed = FALSE;
  g_autoptr(BallastPlan) counted = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (counted->pending_kib, ==, 2 * GIB);
}

static void
test_fixed_guest_grown_to_need_only (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("huge", &policy, 4 * GIB, 1 * GIB, 104 * MIB),
    idle_guest ("huge-above-need", &policy, 4 * GIB, 1 * GIB, 512 * MIB),
    idle_guest ("plain", &policy, 4 * GIB, 1 * GIB, 512 * MIB),
  };
  guests[0].fixed = TRUE;
  guests[1].fixed = TRUE;
  BallastHostInput host = host_with_available (32 * GIB, 16 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 3, TRUE);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_GROW_TO_NEED);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, plan->decisions[0].need_kib);
  g_assert_false (plan->decisions[1].changed);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_HOLD_FIXED);
  g_assert_cmpuint (plan->decisions[2].target_kib, ==, 4 * GIB);
}

/* A guest that deflated its balloon on an OOM (autodeflate) is pressured
 * at once, whatever its stats say, and is not taken below what it took
 * back while its OOM floor lasts, even when it is the idlest guest of a
 * host short of memory. */
static void
test_oom_deflated_guest_keeps_what_it_took (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* Took 1 GiB back on an OOM; plenty usable now that it has. */
    idle_guest ("deflated", &policy, 4 * GIB, 3 * GIB, 2 * GIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3 * GIB),
  };
  guests[0].oom_deflated = TRUE;
  guests[0].oom_floor_kib = 3 * GIB;
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (plan->decisions[0].pressure, ==, BALLAST_PRESSURE_OOM_DEFLATED);
  g_assert_cmpuint (plan->decisions[0].target_kib, >=, 3 * GIB);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);

  /* The cycles after: no longer pressured, but the floor holds. */
  guests[0].oom_deflated = FALSE;
  g_autoptr(BallastPlan) later = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (later->decisions[0].pressure, ==, BALLAST_PRESSURE_NONE);
  g_assert_cmpuint (later->decisions[0].floor_kib, ==, 3 * GIB);
  g_assert_cmpuint (later->decisions[0].target_kib, >=, 3 * GIB);
  /* Once the floor is gone it gives like any guest. */
  guests[0].oom_floor_kib = 0;
  g_autoptr(BallastPlan) after = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (after->decisions[0].floor_kib, <, 3 * GIB);
}

/* A guest that reports its free pages holds on the host only what it
 * uses: its balloon above that frees nothing and is left alone, while a
 * guest without reporting is shrunk through what it never touched. With
 * little spare, the reporting guest is given it first. */
static void
test_free_page_reporting_guest (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("reporting", &policy, 4 * GIB, 4 * GIB, 3 * GIB),
    idle_guest ("plain", &policy, 4 * GIB, 4 * GIB, 3 * GIB),
  };
  guests[0].free_page_reporting = TRUE;
  guests[0].resident_kib = 1 * GIB + 200 * MIB; /* use and a little */
  guests[1].resident_kib = 1 * GIB + 200 * MIB;
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_REPORTED);
  g_assert_true (plan->decisions[1].changed);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_assert_cmpuint (plan->decisions[1].untouched_taken_kib, >, 0);

  /* Spare for one of them only: the reporting guest first. */
  BallastGuestInput small[] = {
    idle_guest ("plain", &policy, 4 * GIB, 2 * GIB, 1 * GIB),
    idle_guest ("reporting", &policy, 4 * GIB, 2 * GIB, 1 * GIB),
  };
  small[1].free_page_reporting = TRUE;
  guint64 reserve = ballast_policy_reserve_kib (&policy, 16 * GIB);
  BallastHostInput spare = host_with_available (16 * GIB, reserve + policy.band_kib + 1 * GIB);
  g_autoptr(BallastPlan) grown = ballast_policy_decide (&policy, &spare, small, 2, TRUE);
  g_assert_cmpint (grown->decisions[1].reason, ==, BALLAST_REASON_GROW_SURPLUS);
  g_assert_cmpuint (grown->decisions[1].target_kib - 2 * GIB, >, grown->decisions[0].target_kib - 2 * GIB);
}

/* Just shrunk: up to its need at once, but no surplus beyond it yet. */
static void
test_recently_shrunk_gets_need_not_surplus (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("recent", &policy, 4 * GIB, 1 * GIB, 104 * MIB),
    idle_guest ("settled", &policy, 4 * GIB, 1 * GIB, 512 * MIB),
    idle_guest ("recent-above-need", &policy, 4 * GIB, 1 * GIB, 512 * MIB),
  };
  guests[0].recently_shrunk = TRUE;
  guests[2].recently_shrunk = TRUE;
  BallastHostInput host = host_with_available (32 * GIB, 16 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 3, TRUE);
  /* used 920 MiB: need 920 MiB + 20% */
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_GROW_TO_NEED);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, plan->decisions[0].need_kib);
  g_assert_cmpuint (plan->decisions[1].target_kib, ==, 4 * GIB);
  g_assert_false (plan->decisions[2].changed);
  g_assert_cmpint (plan->decisions[2].reason, ==, BALLAST_REASON_HOLD_REGROW_DELAY);
}

/* Usable memory reported before a balloon moved says nothing about after:
 * no second shrink on it; growing stays allowed. */
static void
test_settling_guest_not_shrunk_again (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("just-shrunk", &policy, 4 * GIB, 3 * GIB, 2 * GIB),
    idle_guest ("settled", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].settling = TRUE;
  BallastHostInput host = host_with_available (16 * GIB, 512 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (plan->decisions[0].changed);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_SETTLING);
  g_assert_true (plan->decisions[1].target_kib < 4 * GIB);

  /* A settling guest under pressure still grows. */
  guests[0].usable_kib = 10 * MIB;
  BallastHostInput roomy = host_with_available (16 * GIB, 8 * GIB);
  g_autoptr(BallastPlan) grow = ballast_policy_decide (&policy, &roomy, guests, 2, TRUE);
  g_assert_cmpint (grow->decisions[0].reason, ==, BALLAST_REASON_GROW_PRESSURED);
}

static void
test_pending_balloon_counted (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("inflating", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  /* Already asked to give 600 MiB, still on its way. */
  guests[0].target_kib = 4 * GIB - 600 * MIB;
  /* 590 MiB short now, but 600 MiB are on their way back: balanced. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 590 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpint (plan->pending_kib, ==, 600 * MIB);
  g_assert_cmpuint (plan->deficit_kib, ==, 0);
  g_assert_false (plan->decisions[0].changed);
}

/* A balloon stuck away from its target (the guest refuses it, or its
 * driver is gone) is not counted on to hand memory back: the host's
 * deficit is taken elsewhere. Its absurd size is not counted either. */
static void
test_stuck_balloon_not_counted (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("stuck", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
    idle_guest ("working", &policy, 4 * GIB, 4 * GIB, 3584 * MIB),
  };
  guests[0].target_kib = 4 * GIB - 600 * MIB;
  guests[0].unresponsive = TRUE;
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 590 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (plan->pending_kib, ==, 0);
  g_assert_cmpuint (plan->deficit_kib, >, 0);
  /* Asked no more: its target goes back to where its balloon is. */
  g_assert_true (plan->decisions[0].changed);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 4 * GIB);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_STOP_ASKING);
  g_autofree char *text = ballast_decision_describe (plan, &plan->decisions[0]);
  g_assert_cmpstr (text, ==, "stop asking: the balloon is not trusted to reach 3.4 GiB; "
                             "target back to where it is, not counted on");
  g_assert_true (plan->decisions[1].target_kib < 4 * GIB);

  /* Within the smallest change of its target, it is left alone. */
  guests[0].target_kib = 4 * GIB - policy.min_change_kib + 1;
  g_autoptr(BallastPlan) near = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (near->decisions[0].changed);

  /* Memory still going out to it is counted. */
  guests[0].target_kib = 4 * GIB;
  guests[0].current_kib = 3 * GIB;
  g_autoptr(BallastPlan) out = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (out->pending_kib, ==, -1 * (gint64) GIB);
  g_assert_false (out->decisions[0].changed); /* a grow on its way is left alone */

  /* A size far above the maximum counts as the maximum. */
  guests[0].unresponsive = FALSE;
  guests[0].current_kib = G_MAXUINT64 / 2;
  guests[0].target_kib = 4 * GIB;
  g_autoptr(BallastPlan) absurd = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (absurd->pending_kib, ==, 0);
}

/* Headroom learned for spikes: a guest whose periodic spike is due keeps
 * its peak plus headroom while others can cover a deficit (taken last),
 * gets it back from surplus even if shrunk lately, and from the others'
 * excess when there is none; none of it in an emergency or when no spike
 * is due. */
static void
test_learned_headroom (void)
{
  BallastPolicy policy = test_policy ();
  /* spiky: 4 GiB max, uses 1 GiB, peaked at 2.5 GiB 14 min ago: learned
   * floor 2.5 GiB + max(20%, 128 MiB) = 3 GiB. idle: uses 1 GiB of 4. */
  BallastGuestInput guests[] = {
    idle_guest ("spiky", &policy, 4 * GIB, 3 * GIB, 2 * GIB),
    idle_guest ("idle", &policy, 4 * GIB, 4 * GIB, 3 * GIB),
  };
  guests[0].spike_peak_kib = 2560 * MIB;
  guests[0].spike_age_sec = 14 * 60;
  guests[0].spike_due = TRUE;

  /* Short by 424 MiB (not an emergency: more than half the reserve is
   * available): idle covers it, spiky keeps its 3 GiB. */
  BallastHostInput short_host = host_with_available (16 * GIB, 600 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &short_host, guests, 2, TRUE);
  g_assert_cmpuint (plan->decisions[0].learned_floor_kib, ==, 3 * GIB);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_HOLD_LEARNED);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 3 * GIB);
  g_assert_cmpint (plan->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_autofree char *text = ballast_decision_describe (plan, &plan->decisions[0]);
  g_assert_cmpstr (text, ==, "hold: host short of 424.0 MiB, but keeping 1.8 GiB for its spikes: "
                             "peak 2.5 GiB 14 min ago");

  /* Not due: an ordinary guest (the one with more excess gives). */
  guests[0].spike_due = FALSE;
  g_autoptr(BallastPlan) not_due = ballast_policy_decide (&policy, &short_host, guests, 2, TRUE);
  g_assert_cmpuint (not_due->decisions[0].learned_floor_kib, ==, not_due->decisions[0].floor_kib);
  g_assert_cmpint (not_due->decisions[0].reason, ==, BALLAST_REASON_HOLD_NOT_CHOSEN);
  guests[0].spike_due = TRUE;

  /* Short by more than idle can give: the learned headroom goes last, but
   * it goes, never below the floor. */
  guests[1].current_kib = guests[1].target_kib = 1536 * MIB;
  guests[1].usable_kib = 512 * MIB;
  BallastHostInput very_short = host_with_available (16 * GIB, 600 * MIB);
  g_autoptr(BallastPlan) last = ballast_policy_decide (&policy, &very_short, guests, 2, TRUE);
  g_assert_cmpint (last->decisions[0].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_assert_cmpuint (last->decisions[0].target_kib, <, 3 * GIB);
  g_assert_cmpuint (last->decisions[0].target_kib, >=, last->decisions[0].floor_kib);
  g_assert_cmpint (last->decisions[1].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);

  /* In an emergency only what is used now counts. */
  BallastHostInput emergency = { .total_kib = 16 * GIB, .available_kib = 0, .has_psi = TRUE,
                                 .psi_some_avg10_centipct = 5000 };
  g_autoptr(BallastPlan) urgent = ballast_policy_decide (&policy, &emergency, guests, 2, TRUE);
  g_assert_cmpuint (urgent->decisions[0].learned_floor_kib, ==, urgent->decisions[0].floor_kib);

  /* Surplus: squeezed to 1.25 GiB between spikes and shrunk lately, it
   * gets its 3 GiB back when the spike is due. */
  guests[0].current_kib = guests[0].target_kib = 1280 * MIB;
  guests[0].usable_kib = 256 * MIB;
  guests[0].recently_shrunk = TRUE;
  BallastHostInput roomy = host_with_available (16 * GIB, 8 * GIB);
  g_autoptr(BallastPlan) surplus = ballast_policy_decide (&policy, &roomy, guests, 2, TRUE);
  g_assert_cmpint (surplus->decisions[0].reason, ==, BALLAST_REASON_GROW_LEARNED);
  g_assert_cmpuint (surplus->decisions[0].target_kib, ==, 3 * GIB);
  g_autofree char *grown = ballast_decision_describe (surplus, &surplus->decisions[0]);
  g_assert_true (g_str_has_prefix (grown, "grow by 1.8 GiB: keeping 1.8 GiB for its spikes: peak 2.5 GiB 14 min ago"));

  /* Balanced host, no surplus: the others' excess pays for it. */
  guests[1].current_kib = guests[1].target_kib = 4 * GIB;
  guests[1].usable_kib = 3 * GIB;
  BallastHostInput balanced = host_with_available (16 * GIB, 1 * GIB + 10 * MIB);
  g_autoptr(BallastPlan) transfer = ballast_policy_decide (&policy, &balanced, guests, 2, TRUE);
  g_assert_cmpint (transfer->decisions[0].reason, ==, BALLAST_REASON_GROW_LEARNED);
  g_assert_cmpuint (transfer->decisions[0].target_kib, >, 1280 * MIB);
  g_assert_cmpint (transfer->decisions[1].reason, ==, BALLAST_REASON_SHRINK_TRANSFER);
  g_assert_cmpuint (transfer->decisions[1].target_kib, <, 4 * GIB);
  g_assert_cmpuint (transfer->decisions[1].target_kib, >=, transfer->decisions[1].floor_kib);
}

/* A host already over its budget (the cgroup pushed guest memory out to
 * swap) shows nothing available; what it is over is owed on top of the
 * reserve. */
static void
test_overflow_adds_to_deficit (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("idle", &policy, 8 * GIB, 8 * GIB, 7 * GIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 0);
  host.overflow_kib = 2 * GIB;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpuint (plan->deficit_kib, ==, 3 * GIB);
  g_assert_true (plan->emergency);
  g_assert_cmpuint (plan->reclaimed_kib, ==, 3 * GIB);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 5 * GIB);
}

/* A guest migrating in will take memory MemAvailable does not show yet:
 * the host is short by it now, and the reasons say so. */
static void
test_arriving_adds_to_deficit (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("idle", &policy, 8 * GIB, 8 * GIB, 7 * GIB),
  };
  BallastHostInput host = host_with_available (16 * GIB, 2 * GIB);
  g_autoptr(BallastPlan) before = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpuint (before->deficit_kib, ==, 0);
  host.arriving_kib = 3 * GIB;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 1, TRUE);
  g_assert_cmpuint (plan->arriving_kib, ==, 3 * GIB);
  g_assert_cmpuint (plan->deficit_kib, ==, 2 * GIB);
  g_assert_false (plan->emergency); /* not short now: when it arrives */
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 6 * GIB);
  g_autofree char *reason = ballast_decision_describe (plan, &plan->decisions[0]);
  g_assert_nonnull (strstr (reason, "host short of 2.0 GiB (counting 3.0 GiB still to arrive with incoming migrations)"));
}

/* Balloon memory a guest never touched frees nothing on the host: the
 * deficit is taken from memory the host holds, and in a deficit no guest
 * keeps untouched memory above its floor either. */
static void
test_untouched_memory_frees_nothing (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* Grown to 8 GiB, touched 1 GiB of it, uses 512 MiB: floor 640 MiB. */
    idle_guest ("untouched", &policy, 8 * GIB, 8 * GIB, 7680 * MIB),
    /* Touched all its 4 GiB, uses 1 GiB: floor 1.2 GiB. */
    idle_guest ("touched", &policy, 4 * GIB, 4 * GIB, 3 * GIB),
  };
  guests[0].resident_kib = 1 * GIB;
  guests[1].resident_kib = 4 * GIB + 100 * MIB; /* QEMU's own memory too */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB - 600 * MIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpuint (plan->deficit_kib, ==, 600 * MIB);
  g_assert_cmpuint (plan->reclaimed_kib, >=, 600 * MIB);
  /* The host gets back what it asked for from touched memory: the touched
   * guest, whose excess is larger, gives most of it. */
  guint64 freed_untouched = 1 * GIB - MIN (plan->decisions[0].target_kib, 1 * GIB);
  guint64 freed_touched = 4 * GIB - plan->decisions[1].target_kib;
  g_assert_cmpuint (freed_untouched + freed_touched, ==, plan->reclaimed_kib);
  g_assert_cmpuint (freed_touched, >, 0);
  /* The untouched guest lost its 7 GiB of untouched balloon all the same. */
  g_assert_cmpuint (plan->decisions[0].target_kib, <=, 1 * GIB);
  g_assert_cmpint (plan->decisions[0].reason, ==, BALLAST_REASON_SHRINK_DEFICIT);

  /* A balloon going down through untouched memory brings nothing back. */
  guests[0].target_kib = 2 * GIB;
  g_autoptr(BallastPlan) moving = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (moving->pending_kib, ==, 0);
}

/* Pressured guests below their fair share are served from the headroom
 * of guests that hold more than theirs, down to the larger of that share
 * and the emergency headroom, when there is no free memory and nothing
 * above the floors. A guest within its fair share keeps its whole need,
 * the reserve is never lent, and a deficit alone takes no headroom. */
static void
test_headroom_lent_to_pressured (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("swapping", &policy, 8 * GIB, 2 * GIB, 0),
    /* uses 4 GiB, holds its need: 4 GiB + 20% */
    idle_guest ("lender", &policy, 8 * GIB, 4 * GIB + 4 * GIB / 5, 4 * GIB / 5),
  };
  guests[0].swap_in_kib_per_sec = 10 * MIB;
  /* 8 GiB less the 1 GiB reserve: a fair share of 3.5 GiB each; the host
   * has exactly its reserve free. */
  BallastHostInput host = host_with_available (8 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *swapping = &plan->decisions[0];
  const BallastDecision *lender = &plan->decisions[1];
  g_assert_cmpuint (lender->fair_share_kib, ==, 3584 * MIB);
  g_assert_cmpint (lender->reason, ==, BALLAST_REASON_SHRINK_TRANSFER);
  g_assert_cmpuint (lender->floor_kib, ==, 4 * GIB + policy.emergency_headroom_kib);
  g_assert_cmpuint (lender->target_kib, >=, lender->floor_kib);
  g_assert_cmpuint (lender->target_kib, <, lender->old_target_kib);
  g_assert_cmpint (swapping->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (swapping->target_kib - swapping->old_target_kib, ==,
                    lender->old_target_kib - lender->target_kib);

  /* On a host twice the size the lender is within its fair share (7.5
   * GiB): it keeps its need, and the pressured guest waits. */
  BallastHostInput big = host_with_available (16 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) within = ballast_policy_decide (&policy, &big, guests, 2, TRUE);
  g_assert_false (within->decisions[1].changed);
  g_assert_cmpint (within->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);

  /* A borrower already above its fair share borrows nothing. */
  guests[0].current_kib = guests[0].target_kib = 3584 * MIB;
  g_autoptr(BallastPlan) above = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (above->decisions[1].changed);
  g_assert_cmpint (above->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);

  /* No pressured guest: a deficit alone does not take headroom. */
  guests[0].swap_in_kib_per_sec = 0;
  guests[0].usable_kib = 2 * GIB / 5;
  guests[0].current_kib = guests[0].target_kib = 2 * GIB + 2 * GIB / 5;
  BallastHostInput short_host = host_with_available (8 * GIB, 1 * GIB - 200 * MIB);
  g_autoptr(BallastPlan) deficit = ballast_policy_decide (&policy, &short_host, guests, 2, TRUE);
  g_assert_cmpuint (deficit->deficit_kib, >, 0);
  g_assert_false (deficit->emergency);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (deficit->decisions[i].changed);
      g_assert_cmpint (deficit->decisions[i].reason, ==, BALLAST_REASON_HOLD_AT_FLOOR);
    }
}

/* A pressured guest whose use the host confirms (its QEMU process holds
 * what it says it uses) also borrows beyond its fair share, for a
 * burst: the others' headroom down to their lean floor, at once. A guest
 * whose claims the host does not see borne out borrows nothing there; a
 * guest whose use has stayed above its share for the loan time borrows
 * no more, and gives back what guests within their share miss of their
 * need. */
static void
test_confirmed_burst_borrows_for_the_loan_time (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    /* Holds 4 GiB, above its 3.5 GiB fair share, uses all of it, swaps. */
    idle_guest ("bursting", &policy, 8 * GIB, 4 * GIB, 0),
    /* Uses 2 GiB and holds its need, 2 GiB + 20%: within its share. */
    idle_guest ("lender", &policy, 8 * GIB, 2 * GIB + 2 * GIB / 5, 2 * GIB / 5),
  };
  guests[0].swap_in_kib_per_sec = 10 * MIB;
  BallastHostInput host = host_with_available (8 * GIB, 1 * GIB);
  guint64 lean_floor = 2 * GIB + policy.emergency_headroom_kib;

  /* Claims alone: the lender keeps its whole need. */
  guests[0].resident_kib = 1 * GIB;
  g_autoptr(BallastPlan) claimed = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (claimed->decisions[1].changed);
  g_assert_cmpint (claimed->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);

  /* Confirmed: all the lender's headroom above its lean floor, at once. */
  guests[0].resident_kib = 4 * GIB + 60 * MIB;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *bursting = &plan->decisions[0];
  const BallastDecision *lender = &plan->decisions[1];
  g_assert_cmpuint (bursting->fair_share_kib, ==, 3584 * MIB);
  g_assert_cmpint (lender->reason, ==, BALLAST_REASON_SHRINK_TRANSFER);
  g_assert_cmpuint (lender->floor_kib, ==, lean_floor);
  g_assert_cmpuint (lender->target_kib, ==, lean_floor);
  g_assert_cmpint (bursting->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  g_assert_cmpuint (bursting->target_kib - bursting->old_target_kib, ==,
                    lender->old_target_kib - lender->target_kib);
  g_autofree char *text = ballast_decision_describe (plan, lender);
  g_assert_nonnull (strstr (text, "to grow a guest under pressure"));
  g_assert_nonnull (strstr (text, "(need, headroom lent)"));

  /* Its use above its share for the loan time: no more loans. */
  guests[0].over_fair_share_sec = policy.loan_time_sec;
  g_autoptr(BallastPlan) late = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (late->decisions[1].changed);
  g_assert_cmpint (late->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);

  /* And what was lent comes back, by the borrower's step. */
  guests[0].current_kib = guests[0].target_kib = bursting->target_kib;
  guests[0].resident_kib = bursting->target_kib;
  guests[1].current_kib = guests[1].target_kib = lean_floor;
  guests[1].usable_kib = policy.emergency_headroom_kib;
  g_autoptr(BallastPlan) recalled = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_cmpint (recalled->decisions[0].reason, ==, BALLAST_REASON_SHRINK_OVER_FAIR_SHARE);
  g_assert_cmpint (recalled->decisions[1].reason, ==, BALLAST_REASON_GROW_TO_NEED);
  g_assert_cmpuint (recalled->decisions[1].target_kib, ==, 2 * GIB + 2 * GIB / 5);
  g_assert_cmpuint (recalled->decisions[0].target_kib, ==,
                    bursting->target_kib - (2 * GIB / 5 - policy.emergency_headroom_kib));
  g_autofree char *recall_text = ballast_decision_describe (recalled, &recalled->decisions[0]);
  g_assert_nonnull (strstr (recall_text, "for longer than the loan time"));
}

/* A guest that keeps growing (a leak) is pressured for ever; once every
 * other guest is at its floor and pressured too and the host is in an
 * emergency, the one above its fair share of the budget gives to those
 * below theirs. */
static void
test_runaway_contained_at_fair_share (void)
{
  BallastPolicy policy = test_policy ();
  BallastGuestInput guests[] = {
    idle_guest ("leaky", &policy, 16 * GIB, 12 * GIB, 0),
    idle_guest ("neighbour", &policy, 6 * GIB, 2 * GIB, 0),
  };
  guests[0].swap_in_kib_per_sec = 10 * MIB;
  guests[1].swap_in_kib_per_sec = 10 * MIB;
  /* 16 GiB less the 1 GiB reserve: a fair share of 7.5 GiB each. Outside
   * an emergency a busy guest is not taken below its use. */
  BallastHostInput host = host_with_available (16 * GIB, 1 * GIB);
  g_autoptr(BallastPlan) calm = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (calm->emergency);
  g_assert_false (calm->decisions[0].changed);
  g_assert_cmpint (calm->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);
  g_assert_cmpint (calm->decisions[1].reason, ==, BALLAST_REASON_HOLD_PRESSURED);

  /* The host stalls on memory a quarter of the time: an emergency. */
  host.has_psi = TRUE;
  host.psi_some_avg10_centipct = 2500;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  const BallastDecision *leaky = &plan->decisions[0];
  const BallastDecision *neighbour = &plan->decisions[1];
  g_assert_cmpuint (leaky->fair_share_kib, ==, 7680 * MIB);
  g_assert_cmpint (leaky->reason, ==, BALLAST_REASON_SHRINK_OVER_FAIR_SHARE);
  g_assert_cmpint (neighbour->reason, ==, BALLAST_REASON_GROW_PRESSURED);
  /* A pressured guest's step: at least 128 MiB (its need, with the
   * emergency headroom, is less). */
  g_assert_cmpuint (neighbour->target_kib, ==, 2 * GIB + policy.pressure_grow_kib);
  g_assert_cmpuint (leaky->old_target_kib - leaky->target_kib, ==,
                    neighbour->target_kib - neighbour->old_target_kib);
  g_autofree char *text = ballast_decision_describe (plan, leaky);
  g_assert_cmpstr (text, ==, "shrink by 128.0 MiB: under pressure, but holds more than its fair share "
                             "7.5 GiB while guests below theirs are under pressure");

  /* Both below their fair share: nobody pressured gives. */
  guests[0].current_kib = guests[0].target_kib = 7 * GIB;
  g_autoptr(BallastPlan) fair = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_assert_false (fair->decisions[0].changed);
  g_assert_cmpint (fair->decisions[0].reason, ==, BALLAST_REASON_HOLD_PRESSURED);
  g_assert_cmpint (fair->decisions[1].reason, ==, BALLAST_REASON_HOLD_PRESSURED);
}

static void
test_no_guests (void)
{
  BallastPolicy policy = test_policy ();
  BallastHostInput host = host_with_available (16 * GIB, 0);
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, NULL, 0, TRUE);
  g_assert_cmpuint (plan->n_decisions, ==, 0);
  g_assert_cmpuint (plan->deficit_kib, ==, 1 * GIB);
}

static void
test_default_reserve (void)
{
  BallastPolicy policy;
  ballast_policy_init_defaults (&policy);
  g_assert_cmpuint (ballast_policy_reserve_kib (&policy, 4 * GIB), ==, 1 * GIB);
  g_assert_cmpuint (ballast_policy_reserve_kib (&policy, 64 * GIB), ==, 64 * GIB / 10);
}

static void
test_every_reason_described (void)
{
  BallastPlan plan = { .deficit_kib = 1 * GIB };
  for (int code = BALLAST_REASON_HOLD_BALANCED; code <= BALLAST_REASON_HOLD_REPORTED; code++)
    {
      BallastDecision decision = { .reason = code, .old_target_kib = 2 * GIB, .target_kib = 1 * GIB };
      g_autofree char *text = ballast_decision_describe (&plan, &decision);
      g_assert_nonnull (text);
      g_assert_cmpstr (ballast_reason_code_to_string (code), !=, "?");
      g_assert_true (g_str_has_prefix (text, "hold") || g_str_has_prefix (text, "shrink")
                     || g_str_has_prefix (text, "grow"));
    }
}

/* ---- Invariants on random inputs ---- */

typedef struct {
  BallastPolicy policy;
  BallastHostInput host;
  gsize n;
  BallastGuestInput *guests;
  gboolean shrink_allowed;
} RandomCase;

static guint64
random_kib (GRand *rand, guint64 low, guint64 high)
{
  return low + (guint64) g_rand_double_range (rand, 0, (double) (high - low));
}

static void
random_case (GRand *rand, RandomCase *c)
{
  c->policy = test_policy ();
  c->policy.reserve.kib = random_kib (rand, 0, 4 * GIB);
  c->policy.band_kib = random_kib (rand, 0, 256 * MIB);
  c->policy.min_change_kib = random_kib (rand, 0, 64 * MIB);
  c->policy.shrink_fraction_permille = g_rand_int_range (rand, 1, 1001);
  c->n = g_rand_int_range (rand, 0, 24);
  c->guests = g_new0 (BallastGuestInput, MAX (c->n, 1));
  c->shrink_allowed = g_rand_int_range (rand, 0, 5) != 0;
  guint64 sum_current = 0;
  for (gsize i = 0; i < c->n; i++)
    {
      BallastGuestInput *g = &c->guests[i];
      g->name = "g";
      g->max_kib = random_kib (rand, 64 * MIB, 16 * GIB);
      g->current_kib = random_kib (rand, 0, g->max_kib);
      g->target_kib = g_rand_boolean (rand) ? g->current_kib : random_kib (rand, 0, g->max_kib);
      g->usable_kib = random_kib (rand, 0, g->current_kib);
      if (g_rand_boolean (rand))
        g->reported_total_kib = random_kib (rand, g->usable_kib, g->max_kib);
      if (g_rand_int_range (rand, 0, 4) == 0)
        g->used_growth_kib_per_sec = random_kib (rand, 0, 200 * MIB);
      g->swap_in_kib_per_sec = g_rand_int_range (rand, 0, 8) == 0 ? random_kib (rand, 0, 10 * MIB) : 0;
      g->major_faults_per_sec = g_rand_int_range (rand, 0, 8) == 0 ? g_rand_int_range (rand, 0, 1000) : 0;
      g->unresponsive = g_rand_int_range (rand, 0, 10) == 0;
      g->spike_due = g_rand_boolean (rand);
      g->spike_peak_kib = g_rand_boolean (rand) ? (guint64) g_rand_double_range (rand, 0, 2.0 * (double) g->max_kib) : 0;
      g->spike_age_sec = (guint64) g_rand_int_range (rand, 0, 7200);
      g->settling = g_rand_int_range (rand, 0, 10) == 0;
      if (g_rand_int_range (rand, 0, 3) == 0)
        g->resident_kib = random_kib (rand, 0, g->current_kib + 64 * MIB);
      if (g_rand_int_range (rand, 0, 4) == 0)
        g->over_fair_share_sec = g_rand_int_range (rand, 0, 2 * c->policy.loan_time_sec);
      g->tuning = c->policy.guest_defaults;
      g->tuning.shares = g_rand_int_range (rand, 1, 2000);
      g->tuning.min = g_rand_boolean (rand)
        ? (BallastAmount) { .is_relative = TRUE, .permille = g_rand_int_range (rand, 0, 1001) }
        : (BallastAmount) { .kib = random_kib (rand, 0, 2 * GIB) };
      g->tuning.headroom_permille = g_rand_int_range (rand, 0, 1000);
      g->tuning.headroom_floor_kib = random_kib (rand, 0, 512 * MIB);
      g->tuning.exclude = g_rand_int_range (rand, 0, 12) == 0;
      g->fixed = g_rand_int_range (rand, 0, 10) == 0;
      g->free_page_reporting = g_rand_int_range (rand, 0, 5) == 0;
      if (g_rand_int_range (rand, 0, 10) == 0)
        {
          g->oom_deflated = g_rand_boolean (rand);
          g->oom_floor_kib = random_kib (rand, 0, g->max_kib);
        }
      if (g_rand_boolean (rand))
        g->tuning.shrink_step_max_kib = random_kib (rand, 1, 1 * GIB);
      if (g_rand_boolean (rand))
        g->tuning.grow_step_max_kib = random_kib (rand, 1, 1 * GIB);
      sum_current += g->current_kib;
    }
  c->host.total_kib = MAX (sum_current, 1 * GIB) + random_kib (rand, 0, 32 * GIB);
  c->host.available_kib = random_kib (rand, 0, c->host.total_kib);
  if (g_rand_int_range (rand, 0, 4) == 0)
    c->host.overflow_kib = random_kib (rand, 0, 4 * GIB);
  if (g_rand_int_range (rand, 0, 8) == 0)
    c->host.arriving_kib = random_kib (rand, 0, 8 * GIB);
  c->host.has_psi = g_rand_boolean (rand);
  c->host.psi_some_avg10_centipct = g_rand_int_range (rand, 0, 3000);
  c->host.decision_interval_sec = g_rand_int_range (rand, 0, 120);
}

static gboolean
is_pressured (const RandomCase *c, const BallastGuestInput *g)
{
  guint lookahead = MAX (c->policy.growth_lookahead_sec,
                         MIN (c->host.decision_interval_sec, BALLAST_INTERVAL_LOOKAHEAD_MAX_SEC));
  guint64 growth = g->used_growth_kib_per_sec * lookahead;
  /* What a balloon on its way up brings counts as usable. */
  guint64 usable = g->usable_kib + (g->target_kib > g->current_kib ? g->target_kib - g->current_kib : 0);
  return !g->tuning.exclude && !g->unresponsive
         && (g->oom_deflated || g->swap_in_kib_per_sec > c->policy.swap_in_threshold_kib_per_sec
             || g->major_faults_per_sec > c->policy.major_fault_threshold_per_sec
             || usable < c->policy.low_watermark_kib
             || (growth > 0 && usable - c->policy.low_watermark_kib < growth
                 && g->target_kib < g->max_kib));
}

static void
check_invariants (const RandomCase *c, const BallastPlan *plan, guint seed)
{
  gint64 net_reclaim = 0;
  gboolean any_pressured = FALSE;
  gboolean any_loan_due = FALSE;
  gboolean all_at_least_min = TRUE;
  for (gsize i = 0; i < c->n; i++)
    {
      const BallastGuestInput *g = &c->guests[i];
      const BallastDecision *d = &plan->decisions[i];
      guint64 old_target = MIN (g->target_kib, g->max_kib);
      guint64 min = MIN (ballast_amount_resolve_kib (&g->tuning.min, g->max_kib), g->max_kib);
      if (old_target < min && !g->tuning.exclude)
        all_at_least_min = FALSE;
      if (g->tuning.exclude)
        {
          if (d->target_kib != g->target_kib)
            g_error ("seed %u guest %zu: excluded guest moved", seed, i);
          continue;
        }
      if (d->target_kib < min || d->target_kib > g->max_kib)
        g_error ("seed %u guest %zu: target %" G_GUINT64_FORMAT " outside [%" G_GUINT64_FORMAT
                 ", %" G_GUINT64_FORMAT "]", seed, i, d->target_kib, min, g->max_kib);
      if (g->over_fair_share_sec >= c->policy.loan_time_sec)
        any_loan_due = TRUE;
      if (is_pressured (c, g))
        {
          any_pressured = TRUE;
          /* ... except down towards its fair share, to serve pressured
           * guests below theirs, or past the loan time. */
          if (d->target_kib < old_target
              && !(d->reason == BALLAST_REASON_SHRINK_OVER_FAIR_SHARE
                   && d->target_kib >= MAX (d->fair_share_kib, min)))
            g_error ("seed %u guest %zu: pressured guest shrunk", seed, i);
        }
      if (d->target_kib < old_target && d->target_kib < MIN (g->oom_floor_kib, g->max_kib))
        g_error ("seed %u guest %zu: shrunk below what it took back on an OOM", seed, i);
      if (g->fixed && (d->target_kib < old_target || d->reason == BALLAST_REASON_GROW_SURPLUS))
        g_error ("seed %u guest %zu: fixed guest %s", seed, i,
                 d->target_kib < old_target ? "shrunk" : "given surplus beyond its need");
      if (d->reason == BALLAST_REASON_STOP_ASKING
          && !(g->unresponsive && d->target_kib == MIN (g->current_kib, g->max_kib)
               && d->target_kib > old_target))
        g_error ("seed %u guest %zu: stop-asking but not back up to its balloon", seed, i);
      if ((g->unresponsive || g->settling || !c->shrink_allowed) && d->target_kib < old_target)
        g_error ("seed %u guest %zu: shrunk although %s", seed, i,
                 g->unresponsive ? "unresponsive" : "gated off");
      /* What the host gets back: balloon memory never touched frees
       * nothing. */
      if (d->target_kib < old_target)
        {
          guint64 held = g->resident_kib > 0 ? MIN (old_target, g->resident_kib) : old_target;
          net_reclaim += held > d->target_kib ? (gint64) (held - d->target_kib) : 0;
        }
      else
        net_reclaim -= (gint64) (d->target_kib - old_target);
    }
  if (net_reclaim > (gint64) (plan->deficit_kib + c->policy.band_kib))
    g_error ("seed %u: net reclaim %" G_GINT64_FORMAT " exceeds deficit %" G_GUINT64_FORMAT
             " + band", seed, net_reclaim, plan->deficit_kib);
  if (plan->deficit_kib == 0 && plan->surplus_kib == 0 && !any_pressured && !any_loan_due
      && all_at_least_min)
    for (gsize i = 0; i < c->n; i++)
      if (plan->decisions[i].changed)
        g_error ("seed %u guest %zu: moved although the host is within the band", seed, i);
}

static void
test_random_invariants (void)
{
  for (guint seed = 1; seed <= 5000; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      RandomCase c;
      random_case (rand, &c);
      g_autoptr(BallastPlan) plan = ballast_policy_decide (&c.policy, &c.host, c.guests, c.n,
                                                           c.shrink_allowed);
      check_invariants (&c, plan, seed);

      /* Deterministic: the same input decides the same. */
      g_autoptr(BallastPlan) again = ballast_policy_decide (&c.policy, &c.host, c.guests, c.n,
                                                            c.shrink_allowed);
      for (gsize i = 0; i < c.n; i++)
        g_assert_cmpuint (plan->decisions[i].target_kib, ==, again->decisions[i].target_kib);
      g_free (c.guests);
    }
}

/* Two guests alike in all but shares: the one with more never loses more
 * and never gains less. */
static void
test_random_more_shares_never_worse (void)
{
  for (guint seed = 1; seed <= 3000; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      RandomCase c;
      random_case (rand, &c);
      g_free (c.guests);
      c.n = 2 + (gsize) g_rand_int_range (rand, 0, 6);
      c.guests = g_new0 (BallastGuestInput, c.n);
      BallastGuestInput twin = {
        .name = "twin",
        .max_kib = random_kib (rand, 512 * MIB, 8 * GIB),
        .tuning = c.policy.guest_defaults,
      };
      twin.current_kib = random_kib (rand, twin.max_kib / 2, twin.max_kib);
      twin.target_kib = twin.current_kib;
      twin.usable_kib = random_kib (rand, 0, twin.current_kib);
      for (gsize i = 0; i < c.n; i++)
        c.guests[i] = twin;
      c.guests[1].tuning.shares = twin.tuning.shares + (guint) g_rand_int_range (rand, 1, 500);
      c.shrink_allowed = TRUE;
      g_autoptr(BallastPlan) plan = ballast_policy_decide (&c.policy, &c.host, c.guests, c.n, TRUE);
      gint64 change_few = (gint64) plan->decisions[0].target_kib - (gint64) twin.target_kib;
      gint64 change_many = (gint64) plan->decisions[1].target_kib - (gint64) twin.target_kib;
      if (change_many < change_few)
        g_error ("seed %u: more shares fared worse (%" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT ")",
                 seed, change_many, change_few);
      g_free (c.guests);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/policy/balanced-host-moves-nothing", test_balanced_host_moves_nothing);
  g_test_add_func ("/policy/deficit-taken-from-most-idle", test_deficit_taken_from_most_idle);
  g_test_add_func ("/policy/shrink-step-is-bounded", test_shrink_step_is_bounded);
  g_test_add_func ("/policy/emergency", test_emergency_takes_whole_excess_and_shrinks_headroom);
  g_test_add_func ("/policy/pressured-grows-first", test_pressured_never_shrunk_and_grows_first);
  g_test_add_func ("/policy/low-usable-is-pressure", test_low_usable_is_pressure);
  g_test_add_func ("/policy/swapping-served-before-low-usable", test_swapping_served_before_low_usable);
  g_test_add_func ("/policy/surplus-by-shares", test_surplus_fills_need_then_max_by_shares);
  g_test_add_func ("/policy/need-before-surplus", test_below_need_grown_before_surplus);
  g_test_add_func ("/policy/small-changes-skipped", test_small_changes_are_skipped);
  g_test_add_func ("/policy/below-min-raised", test_below_min_is_raised_even_in_deficit);
  g_test_add_func ("/policy/unreachable-is-a-floor", test_unreachable_is_a_floor_and_said);
  g_test_add_func ("/policy/gate-off-never-shrinks", test_gate_off_never_shrinks);
  g_test_add_func ("/policy/excluded-unresponsive", test_excluded_and_unresponsive_untouched);
  g_test_add_func ("/policy/learned-headroom", test_learned_headroom);
  g_test_add_func ("/policy/pending-balloon-counted", test_pending_balloon_counted);
  g_test_add_func ("/policy/stuck-balloon-not-counted", test_stuck_balloon_not_counted);
  g_test_add_func ("/policy/settling-not-shrunk-again", test_settling_guest_not_shrunk_again);
  g_test_add_func ("/policy/growing-guest-served-ahead", test_growing_guest_served_ahead);
  g_test_add_func ("/policy/recently-shrunk-need-not-surplus", test_recently_shrunk_gets_need_not_surplus);
  g_test_add_func ("/policy/fixed-guest-never-shrunk", test_fixed_guest_never_shrunk);
  g_test_add_func ("/policy/fixed-guest-grown-to-need-only", test_fixed_guest_grown_to_need_only);
  g_test_add_func ("/policy/oom-deflated-guest-keeps-what-it-took", test_oom_deflated_guest_keeps_what_it_took);
  g_test_add_func ("/policy/free-page-reporting-guest", test_free_page_reporting_guest);
  g_test_add_func ("/policy/used-from-the-guests-own-report", test_used_from_the_guests_own_report);
  g_test_add_func ("/policy/overflow-adds-to-deficit", test_overflow_adds_to_deficit);
  g_test_add_func ("/policy/arriving-adds-to-deficit", test_arriving_adds_to_deficit);
  g_test_add_func ("/policy/untouched-memory-frees-nothing", test_untouched_memory_frees_nothing);
  g_test_add_func ("/policy/headroom-lent-to-pressured", test_headroom_lent_to_pressured);
  g_test_add_func ("/policy/runaway-contained-at-fair-share", test_runaway_contained_at_fair_share);
  g_test_add_func ("/policy/confirmed-burst-borrows-for-the-loan-time", test_confirmed_burst_borrows_for_the_loan_time);
  g_test_add_func ("/policy/no-guests", test_no_guests);
  g_test_add_func ("/policy/default-reserve", test_default_reserve);
  g_test_add_func ("/policy/every-reason-described", test_every_reason_described);
  g_test_add_func ("/policy/random-invariants", test_random_invariants);
  g_test_add_func ("/policy/random-more-shares-never-worse", test_random_more_shares_never_worse);
  return g_test_run ();
}
