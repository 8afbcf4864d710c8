/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy-file.h"
#include "sim-scenario.h"

G_BEGIN_DECLS

/* The budget a policy needs: what an operator buys a host by.
 *
 * The limit is what an oracle needs: the smallest budget whose part beyond
 * ballast's reserve holds the peak of the guests' demand plus the host's
 * other use (a pinned guest at least at its initial balloon), as
 * ballast_sim_scenario_fits() counts it. A policy's minimum budget is the
 * smallest budget on which it has no guest OOM and no host OOM, found by
 * bisection (the host's memory follows the budget; the host's other use
 * stays what it is). Bisection assumes that more memory never hurts a
 * policy, which holds for all four here as far as measured. */

/* Relative accuracy of the bisection, in thousandths of the budget. */
#define BALLAST_SIM_MIN_BUDGET_ACCURACY_PERMILLE 10

typedef struct {
  gboolean found;       /* FALSE: OOMs even on a budget that holds every guest's max */
  gboolean at_floor;    /* no OOM even at the lowest budget tried (half the peak) */
  guint64 budget_kib;   /* the smallest OOM-free budget found */
  guint runs;           /* simulations it took */
} BallastSimMinBudget;

/* The peak of the guests' demand plus the host's other use. */
guint64 ballast_sim_peak_demand_kib (const BallastSimScenario *scenario);

/* The smallest budget B with peak demand <= B - reserve(B), the reserve as
 * FILE's policy resolves it for B. */
guint64 ballast_sim_limit_kib (const BallastSimScenario *scenario, const BallastPolicyFile *file);

/* Bisect the smallest OOM-free budget of policy POLICY_NAME on SCENARIO.
 * Returns FALSE with ERROR set when the policy cannot be made. */
gboolean ballast_sim_min_budget (const BallastSimScenario *scenario, const BallastPolicyFile *file,
                                 const char *policy_name, BallastSimMinBudget *ret_result,
                                 GError **error);

G_END_DECLS
