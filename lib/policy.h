/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "size-units.h"
#include "spike-history.h"

G_BEGIN_DECLS

/* What moves a guest's memory (lib/memory-actuator.h). */
typedef enum {
  BALLAST_ACTUATOR_AUTO = 0,    /* virtio-mem for large moves where the guest
                                 * has devices, the balloon for fine ones on
                                 * top; the balloon alone elsewhere */
  BALLAST_ACTUATOR_BALLOON,     /* the balloon alone; plugged memory stays */
  BALLAST_ACTUATOR_VIRTIO_MEM,  /* virtio-mem alone; the balloon stays deflated
                                 * (a guest with VFIO devices, whose balloon
                                 * frees nothing) */
} BallastActuator;

const char *ballast_actuator_to_string (BallastActuator actuator);
/* FALSE for anything but auto, balloon, virtio-mem. */
gboolean ballast_actuator_from_string (const char *text, BallastActuator *ret_actuator);

/* How one guest is treated. Resolved per guest from, in order: the domain's
 * <ballast:tuning> metadata, the first matching policy <match> rule, the
 * policy <default>. */
typedef struct {
  BallastAmount min;            /* guarantee: absolute or a share of max */
  guint shares;                 /* weight, >= 1 */
  guint headroom_permille;      /* free memory to keep, as a share of used */
  guint64 headroom_floor_kib;   /* ... but at least this much */
  guint64 shrink_step_max_kib;  /* most taken per cycle; 0: no fixed cap */
  guint64 grow_step_max_kib;    /* most given per cycle; 0: no fixed cap */
  gboolean exclude;             /* never touch this guest's balloon */
  BallastActuator actuator;     /* what moves its memory */
} BallastGuestTuning;

/* Everything the allocator needs to know about the operator's wishes. One
 * place for the defaults: ballast_policy_init_defaults(). */
typedef struct {
  /* Host side: keep RESERVE free for the host itself. The reserve is
   * max(reserve resolved against the budget, reserve_floor_kib). */
  BallastAmount reserve;
  guint64 reserve_floor_kib;
  guint64 band_kib;               /* |slack| below this: leave balloons alone */
  guint64 min_change_kib;         /* skip smaller changes (hysteresis) */
  guint psi_emergency_centipct;   /* host PSI some avg10 at or above: emergency */

  BallastGuestTuning guest_defaults;

  /* A shrink takes at most this share of what a guest holds above its
   * floor per cycle, so a guest is approached gently; in an emergency the
   * whole excess may go at once. */
  guint shrink_fraction_permille;
  guint64 emergency_headroom_kib; /* headroom when the host is in an emergency */

  /* A guest is pressured when any of these is crossed. */
  guint64 swap_in_threshold_kib_per_sec;
  guint64 major_fault_threshold_per_sec;
  guint64 low_watermark_kib;      /* usable memory below this */
  guint64 pressure_grow_kib;      /* a pressured guest gets at least this much more */
  /* A guest whose used memory grows is given what it will use this many
   * seconds ahead, and counts as pressured when its usable memory would
   * run under the low watermark within that time: reports lag by a stats
   * period and balloons by a cycle, so a guest ramping up must be served
   * before it runs out, not after. */
  guint growth_lookahead_sec;
  /* A guest shrunk less than this long ago gets no surplus beyond its need:
   * memory a cycle of deficit took is not handed straight back to be taken
   * again (the sawtooth of shrink, surplus, grow, deficit, shrink). */
  guint regrow_delay_sec;
  /* A guest whose use the host confirms may borrow the others' headroom
   * beyond its fair share, for a burst: for at most this long above its
   * share. Past it, the loan is called back for guests within their share
   * that lent below their need (a leak is not a burst). */
  guint loan_time_sec;
  /* A guest whose driver reports only part of its memory figures
   * (no MemAvailable: Windows' virtio-win, Linux before 4.16; or no
   * MemTotal) is judged from stand-ins that miss what it could reclaim or
   * count what it cannot: it keeps this much of the headroom a fully
   * reporting guest keeps, in percent (>= 100). */
  guint partial_stats_headroom_percent;
  /* A balloon found not moving towards its target is asked no more; it is
   * asked again this long after, then twice as long after each time it is
   * found stuck again, up to an hour. */
  guint stuck_retry_sec;
  /* Headroom learned for spikes (lib/spike-history.h): the peak of a
   * guest's use decays by half in half_life_sec (0: nothing is learned); a
   * rise of jump_kib within jump_window_sec is a spike's onset; the
   * headroom for a periodic spike is held from lead_sec before it is due.
   * A deficit takes that headroom last. */
  BallastSpikeParams spikes;
} BallastPolicy;

/* How long after being found stuck for the EPISODE-th time in a row (from
 * 1) a balloon is asked again. */
guint ballast_policy_stuck_retry_sec (const BallastPolicy *policy, guint episode);

void ballast_policy_init_defaults (BallastPolicy *policy);

/* The reserve for a budget of TOTAL_KIB. */
guint64 ballast_policy_reserve_kib (const BallastPolicy *policy, guint64 total_kib);

G_END_DECLS
