/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "policy-engine.h"

G_BEGIN_DECLS

/* The largest size a trace may carry: 1 EiB, not a host's; the simulator
 * keeps to the same (BALLAST_SIM_MAX_KIB), so sums of them cannot overflow. */
#define BALLAST_TRACE_MAX_KIB (G_GUINT64_CONSTANT (1) << 50)

/* The trace ballastd writes with --record FILE, and ballast-sim replays:
 * one JSON object per line, one line per cycle, in the order the cycles
 * ran. This header is the format's reference; ballast_trace_record_format()
 * writes exactly it and ballast_trace_record_parse() reads it back.
 *
 *   {"version": 1,                        format version (required, 1)
 *    "time_usec": 1718000000000000,       wall clock at the cycle (required)
 *    "cycle": 42,                         the daemon's cycle counter
 *    "host": {                            the snapshot the policy saw
 *      "budget_total_kib": 16777216,      (required) BallastHostInput.total_kib
 *      "budget_available_kib": 5242880,   (required) .available_kib
 *      "budget_overflow_kib": 0,          .overflow_kib (swapped out)
 *      "arriving_kib": 0,                 .arriving_kib (incoming migrations)
 *      "reserve_kib": 1677721,            the plan's reserve
 *      "has_psi": true,
 *      "psi_some_avg10_centipct": 125,    PSI "some" avg10, 1.25% -> 125
 *      "decision_interval_sec": 5},       .decision_interval_sec (0: unknown)
 *    "shrink_allowed": true,              the overcommit gate's verdict
 *    "guests": [                          managed guests, in decision order
 *      {"name": "web1",                   (required)
 *       "max_kib": 4194304,               (required) <memory>
 *       "current_kib": 3145728,           (required) balloon actual
 *       "target_kib": 3145728,            the target before this cycle
 *       "usable_kib": 1048576,            (required) guest MemAvailable
 *       "swap_in_kib_per_sec": 0,
 *       "major_faults_per_sec": 0,
 *       "reported_total_kib": 2097152,     guest MemTotal, same report as usable
 *       "used_growth_kib_per_sec": 0,      growth of its used memory
 *       "resident_kib": 3000000,          host side (QEMU RSS), 0: unknown
 *       "unresponsive": false,
 *       "recently_shrunk": false,          within the regrow delay
 *       "settling": false,                no report since the balloon moved
 *       "fixed": false,                   its balloon frees no host memory
 *       "free_page_reporting": false,     it hands its free pages back itself
 *       "oom_deflated": false,            deflated on a guest OOM since the last cycle
 *       "oom_floor_kib": 0,               what it took back then, kept for the regrow delay
 *       "unreachable_kib": 0,             what it cannot give now beside its min
 *                                         (virtio-mem; optional, 0)
 *       "over_fair_share_sec": 0,         how long its use has been above its
 *                                         fair share (the loan clock)
 *       "tuning": {"min_kib": 262144, "shares": 100,
 *                  "headroom_permille": 200, "headroom_floor_kib": 131072,
 *                  "shrink_step_max_kib": 0, "grow_step_max_kib": 0,
 *                  "exclude": false},      resolved, min in KiB
 *       "decision": {"target_kib": 2621440,
 *                    "reason": "shrink-deficit"}}   ballast_reason_code_to_string()
 *    ]}
 *
 * Sizes are exact integers in KiB, as everywhere in ballast's JSON. Fields
 * not marked required may be left out (they default to 0 / false / absent);
 * unknown fields are ignored, so later versions may add some. A guest
 * without "decision" was not decided that cycle.
 *
 * Writing it from ballastd (phase 2 of issue 7, `--record FILE`): at the end
 * of decide_and_apply(), with the inputs and the plan it has there,
 *
 *   g_autoptr(BallastTraceRecord) record =
 *     ballast_trace_record_new (g_get_real_time (), cycles, &host, inputs,
 *                               n_managed, plan, shrink_allowed);
 *   g_autofree char *line = ballast_trace_record_format (record);
 *   fprintf (file, "%s\n", line); fflush (file);
 *
 * so a replay sees exactly what the allocator saw. Replay needs only the
 * differences between "time_usec" values, so a wall-clock step shows as one
 * long or short cycle, nothing worse. */

#define BALLAST_TRACE_VERSION 1

typedef struct {
  char *name;
  guint64 max_kib;
  guint64 current_kib;
  guint64 target_kib;
  guint64 usable_kib;
  guint64 swap_in_kib_per_sec;
  guint64 major_faults_per_sec;
  guint64 reported_total_kib;
  guint64 used_growth_kib_per_sec;
  guint64 resident_kib;
  gboolean unresponsive;
  gboolean recently_shrunk;
  gboolean settling;
  gboolean fixed;
  gboolean free_page_reporting;
  gboolean oom_deflated;
  guint64 oom_floor_kib;
  guint64 unreachable_kib;
  guint64 over_fair_share_sec;
  gboolean has_tuning;
  BallastGuestTuning tuning;     /* min is absolute */
  gboolean has_decision;
  guint64 decision_target_kib;
  int decision_reason;           /* BallastReasonCode, or -1 when unknown */
} BallastTraceGuest;

typedef struct {
  gint64 time_usec;
  guint64 cycle;
  guint64 budget_total_kib;
  guint64 budget_available_kib;
  guint64 budget_overflow_kib;
  guint64 arriving_kib;
  guint64 reserve_kib;
  gboolean has_psi;
  guint psi_some_avg10_centipct;
  guint decision_interval_sec;
  gboolean shrink_allowed;
  gsize n_guests;
  BallastTraceGuest *guests;
} BallastTraceRecord;

void ballast_trace_record_free (BallastTraceRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastTraceRecord, ballast_trace_record_free)

/* A record from what the daemon has at the end of decide_and_apply(): the
 * allocator's input and its plan (PLAN may be NULL: no decisions). The
 * strings are copied. */
BallastTraceRecord *ballast_trace_record_new (gint64 time_usec, guint64 cycle,
                                              const BallastHostInput *host,
                                              const BallastGuestInput *guests, gsize n_guests,
                                              const BallastPlan *plan, gboolean shrink_allowed);

/* The record as JSON, and as one line of text (no newline). */
json_object *ballast_trace_record_to_json (const BallastTraceRecord *record);
char *ballast_trace_record_format (const BallastTraceRecord *record);

/* Parse one line. Errors say which field is wrong; the caller adds the file
 * and line. */
BallastTraceRecord *ballast_trace_record_parse (const char *line, GError **error);

/* Every record of a trace file (blank lines skipped), in order; errors name
 * FILE and the line. A trace whose time goes backwards is refused. */
GPtrArray *ballast_trace_load (const char *path, GError **error);
GPtrArray *ballast_trace_parse (const char *text, const char *file_name, GError **error);

/* TRUE when the first non-blank character of TEXT's first line starts a
 * trace record (a JSON object on one line with "version") rather than a
 * scenario file. */
gboolean ballast_trace_text_is_trace (const char *text);

G_END_DECLS
