/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "sim-model.h"
#include "sim-scenario.h"

G_BEGIN_DECLS

/* One scenario run under several policies, and what to make of it. */
typedef struct {
  const BallastSimScenario *scenario;  /* borrowed */
  guint64 reserve_kib;                 /* ballast's reserve for this budget */
  gboolean fits;                       /* demand fits budget - reserve at every step */
  guint64 worst_excess_kib;            /* else by how much, at most */
  gint64 worst_excess_msec;
  /* The same with the low watermark of ballast's policy left free in
   * every running guest, as any manager that tells pressure from it must:
   * where demand fits only without it, no such manager avoids every OOM. */
  guint64 watermark_kib;
  gboolean fits_with_watermark;
  guint64 watermark_excess_kib;
  gint64 watermark_excess_msec;
  GPtrArray *results;                  /* BallastSimResult*, owned */
  /* With --min-budget: what an oracle needs (sim-budget.h), against which
   * each result's min_budget_kib is read. */
  gboolean has_min_budget;
  guint64 peak_demand_kib;
  guint64 limit_kib;
} BallastSimComparison;

/* FILE gives ballast's reserve: guests can count on the budget less it. */
BallastSimComparison *ballast_sim_comparison_new (const BallastSimScenario *scenario,
                                                  const BallastPolicyFile *file);
void ballast_sim_comparison_free (BallastSimComparison *comparison);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSimComparison, ballast_sim_comparison_free)

/* The result of policy NAME, or NULL. */
const BallastSimResult *ballast_sim_comparison_find (const BallastSimComparison *comparison,
                                                     const char *name);

/* The comparison table, one line per policy, under a line describing the
 * scenario:
 *
 *   steady: 8 guests, budget 16.0 GiB, guests' max 24.0 GiB (1.50x), 1h, cycle 10s
 *     demand fits the budget (an oracle avoids every OOM)
 *    policy    unmet MiB·s  guest OOM  overflow MiB·s  host OOM  balloon ops  reclaimed avg  ratio held
 *    static              0          0           12345         2            0        0.0 MiB           -
 */
char *ballast_sim_render_table (const BallastSimComparison *comparison);
json_object *ballast_sim_comparison_to_json (const BallastSimComparison *comparison);

/* The rule tests/sim holds ballast to (tests/sim/README.md explains it):
 *  1. demand fits the budget less ballast's reserve at every step: an
 *     oracle avoids every OOM (and keeps the reserve free), so ballast has
 *     no guest OOM and no host OOM;
 *  2. static (doing nothing) has no OOM: ballast has none either;
 *  3. otherwise: ballast leaves the host no worse than static (no more host
 *     OOM events, no more overflow), and where static never ran the host out
 *     of memory, has no more guest OOM events than static either.
 * A scenario with "known_weakness" is expected to fail: that is reported,
 * and passing it is an error too (the marker must go). */
typedef enum {
  BALLAST_SIM_CHECK_PASS,
  BALLAST_SIM_CHECK_FAIL,
  BALLAST_SIM_CHECK_KNOWN_WEAKNESS, /* failed, as the scenario says it does */
  BALLAST_SIM_CHECK_UNEXPECTED_PASS,/* passed, but marked as a known weakness */
} BallastSimCheck;

/* Needs results named "static" and "ballast". RET_VERDICT (may be NULL)
 * gets one line saying which rule applied and how it went. */
BallastSimCheck ballast_sim_check (const BallastSimComparison *comparison, char **ret_verdict);
gboolean ballast_sim_check_ok (BallastSimCheck check);
const char *ballast_sim_check_to_string (BallastSimCheck check);

G_END_DECLS
