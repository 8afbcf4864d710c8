/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy.h"

G_BEGIN_DECLS

/* The allocator: a pure function from (host, guests, policy) to balloon
 * targets, each with its reason. No I/O, no clock, no globals: the same
 * input always gives the same output, which is what lets the simulator and
 * the tests hold it to its invariants. */

/* The host as the allocator sees it. */
typedef struct {
  guint64 total_kib;       /* the budget: MemTotal, or the guests' cgroup limit */
  guint64 available_kib;   /* MemAvailable, or limit minus working set */
  guint64 overflow_kib;    /* guest memory the budget has already pushed out
                            * to swap (the cgroup's swap use): owed on top of
                            * the reserve, since available_kib stops at 0 */
  guint64 arriving_kib;    /* what guests arriving on the host (an incoming
                            * migration) will still take that available_kib
                            * does not show yet: owed like the overflow */
  gboolean has_psi;
  guint psi_some_avg10_centipct;
  guint decision_interval_sec; /* how long until the next decision; 0: unknown.
                                * A guest's growth is looked ahead at least
                                * this far (see ballast_growth_lookahead_sec) */
} BallastHostInput;

typedef enum {
  BALLAST_PRESSURE_NONE,
  BALLAST_PRESSURE_SWAP_IN,
  BALLAST_PRESSURE_MAJOR_FAULTS,
  BALLAST_PRESSURE_LOW_USABLE,
  BALLAST_PRESSURE_GROWING,   /* at its growth, usable runs out within the lookahead */
  BALLAST_PRESSURE_OOM_DEFLATED, /* the guest ran out of memory and took balloon
                                  * memory back (<memballoon autodeflate='on'>) */
} BallastPressureCause;

/* One managed guest (running, balloon with a guest view). */
typedef struct {
  const char *name;
  guint64 max_kib;
  guint64 current_kib;     /* where the balloon is now */
  guint64 target_kib;      /* where we last asked it to go (== current if never) */
  guint64 usable_kib;      /* the guest's MemAvailable */
  guint64 reported_total_kib; /* the guest's MemTotal, from the same report as
                               * usable_kib; 0 when the driver has none */
  guint64 resident_kib;    /* what the host holds for it (QEMU's RSS); 0 when
                            * unknown. Balloon memory above it was never
                            * touched: shrinking it frees nothing on the host */
  guint64 used_growth_kib_per_sec; /* how fast its used memory grew lately */
  guint64 swap_in_kib_per_sec;
  guint64 major_faults_per_sec;
  gboolean unresponsive;   /* stale or contradictory stats, or a stuck balloon */
  gboolean oom_deflated;   /* its balloon deflated on a guest OOM since the last
                            * decision: pressured now, whatever its stats say */
  guint64 oom_floor_kib;   /* the size it deflated to on an OOM within the regrow
                            * delay: never shrunk below it; 0: none */
  guint64 unreachable_kib; /* what it keeps whatever is decided, beside its
                            * tuning's min: plugged virtio-mem memory the
                            * balloon cannot reach, boot memory a device
                            * cannot, what a stuck unplug holds
                            * (lib/memory-actuator.h); 0: none */
  gboolean free_page_reporting; /* the guest hands its free pages back itself
                                 * (<memballoon freePageReporting='on'>): its
                                 * resident memory follows its use */
  gboolean fixed;          /* its balloon frees no host memory (VFIO, hugepages,
                            * locked memory): never shrunk, and grown only to
                            * its need, since what it gets it keeps */
  gboolean recently_shrunk; /* shrunk within the policy's regrow delay */
  gboolean settling;       /* no guest report since its balloon last moved: its
                            * usable memory predates the change, so it is not
                            * shrunk again until it reports */
  guint64 over_fair_share_sec; /* how long its used memory has been above its
                                * fair share without a break (lib/loan-clock.h) */
  guint64 spike_peak_kib;  /* the use its recent spikes reached, decayed
                            * (lib/spike-history.h); 0: none learned */
  guint64 spike_age_sec;   /* since use was last at that peak */
  gboolean spike_due;      /* headroom for its next spike is to be held now:
                            * its spikes come at no known period, or the
                            * next one is due */
  BallastGuestTuning tuning;
} BallastGuestInput;

typedef enum {
  BALLAST_REASON_HOLD_BALANCED,     /* host inside the band */
  BALLAST_REASON_HOLD_AT_FLOOR,     /* deficit, but nothing above the floor */
  BALLAST_REASON_HOLD_PRESSURED,    /* deficit, but the guest is under pressure */
  BALLAST_REASON_HOLD_GATED,        /* deficit, but overcommit is gated off */
  BALLAST_REASON_HOLD_UNRESPONSIVE, /* guest's stats or balloon not trusted */
  BALLAST_REASON_HOLD_SMALL_CHANGE, /* change under the hysteresis minimum */
  BALLAST_REASON_HOLD_AT_MAX,       /* surplus, but already at max */
  BALLAST_REASON_HOLD_EXCLUDED,     /* tuning says leave it alone */
  BALLAST_REASON_HOLD_NOT_CHOSEN,   /* deficit covered by guests with more excess */
  BALLAST_REASON_SHRINK_DEFICIT,    /* host short of memory */
  BALLAST_REASON_SHRINK_TRANSFER,   /* funds a pressured guest's growth */
  BALLAST_REASON_GROW_TO_MIN,       /* was below its guarantee */
  BALLAST_REASON_GROW_PRESSURED,    /* guest under pressure */
  BALLAST_REASON_GROW_TO_NEED,      /* below what it uses plus headroom */
  BALLAST_REASON_GROW_SURPLUS,      /* host has memory to spare */
  BALLAST_REASON_HOLD_SETTLING,     /* waiting for fresh stats after the last change */
  BALLAST_REASON_HOLD_REGROW_DELAY, /* surplus, but shrunk too recently to get more than its need */
  BALLAST_REASON_SHRINK_OVER_FAIR_SHARE, /* pressured, but holds more than its share of the
                                          * budget while guests below theirs are pressured */
  BALLAST_REASON_HOLD_FIXED,        /* its balloon frees no host memory: not shrunk, nor
                                     * grown beyond its need */
  BALLAST_REASON_HOLD_REPORTED,     /* deficit, but with free page reporting it has
                                     * already handed back all it does not use */
  BALLAST_REASON_STOP_ASKING,       /* not trusted, and its balloon short of a shrink:
                                     * the target goes back to where the balloon is */
  BALLAST_REASON_HOLD_LEARNED,      /* deficit, but what it holds above its need is
                                     * headroom for the spikes it has shown, and
                                     * others covered the deficit */
  BALLAST_REASON_GROW_LEARNED,      /* surplus restores headroom for its spikes */
} BallastReasonCode;

typedef struct {
  guint64 old_target_kib;
  guint64 target_kib;
  gboolean changed;          /* target_kib != old_target_kib */
  BallastReasonCode reason;
  /* The figures behind the decision, for the reason text and `list`. */
  guint64 used_kib;
  guint64 need_kib;
  guint64 min_kib;           /* its tuning's min, or what it cannot give */
  gboolean min_unreachable;  /* min_kib is what it cannot give (above its tuning's) */
  guint64 floor_kib;         /* max(min, need); lower when it lent headroom */
  BallastPressureCause pressure;
  guint64 skipped_change_kib; /* for HOLD_SMALL_CHANGE and HOLD_GATED */
  guint64 untouched_taken_kib; /* of a shrink, balloon memory the guest never
                                * touched (above its RSS): freeing nothing now */
  guint64 fair_share_kib;     /* its share of the budget less the reserve, by
                               * shares: for SHRINK_OVER_FAIR_SHARE */
  guint64 learned_floor_kib;  /* its peak plus headroom, held for its next spike
                               * while the host can afford it; <= floor: none */
  guint64 spike_peak_kib;     /* from the input, for the reason text */
  guint64 spike_age_sec;
} BallastDecision;

typedef struct {
  guint64 reserve_kib;
  gint64 pending_kib;       /* on its way back (+) or out (-) in moving balloons */
  gint64 slack_kib;         /* available + pending - reserve - overflow - arriving */
  guint64 arriving_kib;     /* the host's, for the reason texts */
  guint64 deficit_kib;      /* -slack when below -band, else 0 */
  guint64 surplus_kib;      /* slack when above band, else 0 */
  gboolean emergency;
  gboolean shrink_allowed;
  guint64 reclaimed_kib;    /* total taken this cycle */
  guint64 granted_kib;      /* total given this cycle */
  gsize n_decisions;
  BallastDecision *decisions; /* one per input guest, same order */
} BallastPlan;

void ballast_plan_free (BallastPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastPlan, ballast_plan_free)

/* Decide new balloon targets for N_GUESTS guests. SHRINK_ALLOWED is the
 * overcommit gate's verdict: when FALSE no target goes down (except back
 * inside [min, max]) and guests that would have given show HOLD_GATED. */
BallastPlan *ballast_policy_decide (const BallastPolicy *policy, const BallastHostInput *host,
                                    const BallastGuestInput *guests, gsize n_guests,
                                    gboolean shrink_allowed);

/* How far ahead a growing guest's use is provided for: the policy's
 * lookahead, or the time to the next decision when that is longer (what a
 * guest grows before the next cycle can follow has to be there already),
 * the latter counted up to BALLAST_INTERVAL_LOOKAHEAD_MAX_SEC: a growth
 * rate measured over a few cycles says little about the minutes after. */
#define BALLAST_INTERVAL_LOOKAHEAD_MAX_SEC 60
guint ballast_growth_lookahead_sec (const BallastPolicy *policy, const BallastHostInput *host);

/* Human-readable reason for DECISION in PLAN, one line, e.g.
 * "shrink: host short of 812.0 MiB; 400.0 MiB above floor 600.0 MiB (need)". */
char *ballast_decision_describe (const BallastPlan *plan, const BallastDecision *decision);

/* Short machine-friendly name of a reason code ("shrink-deficit"). */
const char *ballast_reason_code_to_string (BallastReasonCode code);
const char *ballast_pressure_cause_to_string (BallastPressureCause cause);

G_END_DECLS
