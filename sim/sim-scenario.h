/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "duration.h"

#include "policy-file.h"
#include "trace-record.h"

G_BEGIN_DECLS

/* A simulator scenario: a host, its guests and what each guest's workload
 * demands over time. The file format (JSON) is specified in
 * tests/sim/README.md; this is its parsed, fully resolved form. Sizes are
 * KiB, times are milliseconds from the start of the run. */

/* Limits every scenario (file or replayed trace) stays within, so that a
 * run is bounded: at most a year, at most this many model steps, sizes up
 * to 1 EiB. */
#define BALLAST_SIM_MAX_DURATION_MSEC ((gint64) BALLAST_DURATION_MAX_MSEC)
#define BALLAST_SIM_MAX_STEPS G_GINT64_CONSTANT (20000000)
#define BALLAST_SIM_MAX_KIB BALLAST_TRACE_MAX_KIB

/* One point of a piecewise-linear curve: at T_MSEC the value is KIB. Two
 * points with the same time make a step. */
typedef struct {
  gint64 t_msec;
  guint64 kib;
} BallastSimPoint;

/* A demand curve: points (relative to the guest's start), optionally
 * repeated every PERIOD_MSEC, shifted by OFFSET_MSEC, with deterministic
 * noise of up to +-NOISE_KIB that changes every NOISE_PERIOD_MSEC. */
typedef struct {
  GArray *points;             /* BallastSimPoint, times ascending; never empty */
  gint64 period_msec;         /* 0: no repetition, hold the last value */
  gint64 offset_msec;         /* evaluated at t + offset */
  guint64 noise_kib;
  gint64 noise_period_msec;
  guint32 noise_seed;
} BallastSimCurve;

void ballast_sim_curve_clear (BallastSimCurve *curve);
void ballast_sim_curve_copy (const BallastSimCurve *from, BallastSimCurve *to);

/* The curve's value at T_MSEC (relative to the guest's start), never
 * negative. Pure: the same curve and time always give the same value. */
guint64 ballast_sim_curve_at_kib (const BallastSimCurve *curve, gint64 t_msec);

/* A guest's virtio-mem device (the model gives a guest one at most). Its
 * guest's "max" is the whole <memory>: the boot memory, which the balloon
 * covers, and the device's size on top. */
typedef struct {
  guint64 size_kib;             /* the most it can plug; 0: no device */
  guint64 block_kib;            /* it plugs and unplugs whole blocks */
  guint64 plugged_kib;          /* requested and plugged at start */
  guint64 unmovable_kib;        /* of what is plugged, what the guest can never
                                 * unplug (kernel memory landed there) */
  guint64 unplug_rate_kib_per_sec; /* how fast the guest unplugs; plugging
                                    * goes at the balloon's rate */
} BallastSimVirtioMem;

typedef struct {
  char *name;
  guint64 max_kib;              /* <memory>: with a virtio-mem device, boot memory + its size */
  guint64 initial_kib;          /* balloon size at start (<currentMemory>) */
  gint64 start_msec;            /* when the guest starts */
  gint64 stop_msec;             /* when it stops; G_MAXINT64: never */
  BallastTuningOverride tuning; /* as if set with `ballastctl domtune` */
  guint64 oom_margin_kib;       /* unmet demand beyond this is a guest OOM */
  gboolean free_page_reporting; /* freed guest memory returns to the host */
  gboolean fixed;               /* its memory is pinned (a VFIO device, hugepages): its
                                 * balloon does not inflate, and all it holds is resident */
  BallastSimVirtioMem virtio_mem;
  BallastSimCurve demand;       /* KiB the workload wants resident */
  GArray *recorded_targets;     /* BallastSimPoint, from a trace; else NULL */
} BallastSimGuest;

typedef struct {
  char *name;
  char *description;
  char *known_weakness;         /* why ballast is expected to fail the check */
  char *source;                 /* the file it came from */
  gint64 duration_msec;
  gint64 step_msec;             /* model time step */
  gint64 cycle_msec;            /* how often every policy decides */
  guint64 host_memory_kib;      /* the whole host (informational) */
  guint64 budget_kib;           /* what the guests and OTHER may use */
  guint64 host_oom_margin_kib;  /* overflow beyond this is a host OOM */
  gboolean has_other;
  BallastSimCurve other;        /* host-side use of the budget besides guests */
  guint64 balloon_rate_kib_per_sec; /* how fast a balloon moves, either way */
  GPtrArray *guests;            /* BallastSimGuest*, in file order */
  gboolean from_trace;          /* replayed from a ballastd --record trace */
} BallastSimScenario;

/* An empty scenario with the defaults of the file format, and an empty
 * guest list that owns its guests. */
BallastSimScenario *ballast_sim_scenario_new (void);
void ballast_sim_scenario_free (BallastSimScenario *scenario);
void ballast_sim_guest_free (BallastSimGuest *guest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSimScenario, ballast_sim_scenario_free)

/* Parse the text of a scenario file. FILE_NAME names it in errors;
 * relative CSV paths are taken from BASE_DIR. Errors say where in the file
 * ("guests[2].demand.segments[1].over") and what is wrong; nothing partial
 * is ever returned. */
BallastSimScenario *ballast_sim_scenario_parse (const char *text, const char *file_name,
                                                const char *base_dir, GError **error);
BallastSimScenario *ballast_sim_scenario_load (const char *path, GError **error);

/* Parse a demand CSV: lines of "SECONDS,MIB" (decimals allowed, '#'
 * comments and one header line allowed). Errors name FILE_NAME and the
 * line. Returns the points, times ascending. */
GArray *ballast_sim_csv_parse (const char *text, const char *file_name, GError **error);

/* The least GUEST can be taken to, whatever its demand: the balloon at
 * start where it is pinned (its balloon never inflates), and the blocks of
 * its virtio-mem device that can never be unplugged. */
guint64 ballast_sim_guest_least_kib (const BallastSimGuest *guest);

/* Sum of the maxima of the guests running at T_MSEC. */
guint64 ballast_sim_scenario_max_sum_kib (const BallastSimScenario *scenario, gint64 t_msec);

/* Whether the guests' demand plus the host's other use stays within
 * LIMIT_KIB at every model step: then an oracle that sets every balloon to
 * its guest's demand at once avoids every OOM while keeping the rest of the
 * budget free. PER_GUEST_KIB is added for every running guest (free memory
 * the oracle leaves in each; 0 for none). A guest counts at least at
 * ballast_sim_guest_least_kib(), which no policy can take. RET_WORST_KIB gets the largest
 * excess (0 when it fits) and RET_WORST_MSEC when it happens. */
gboolean ballast_sim_scenario_fits (const BallastSimScenario *scenario, guint64 limit_kib,
                                    guint64 per_guest_kib, guint64 *ret_worst_kib,
                                    gint64 *ret_worst_msec);

G_END_DECLS
