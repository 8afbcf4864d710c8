/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sim-scenario.h"
#include "trace-record.h"

G_BEGIN_DECLS

/* Replaying what a ballastd recorded (lib/trace-record.h) in the
 * simulator. */

/* A scenario that replays RECORDS (BallastTraceRecord*): each guest's
 * demand is what it used (current - usable) at each cycle, linearly
 * between cycles; the budget is the largest recorded, and whatever of it
 * the guests' balloons do not explain (budget - available - sum of
 * balloons, including a budget lowered later) is the host's "other" use.
 * The daemon's decisions become each guest's recorded targets (the
 * "recorded" policy). With KEEP_TUNING each guest keeps its recorded tuning
 * as its own; without, the policy file in use decides it. */
BallastSimScenario *ballast_sim_scenario_from_trace (GPtrArray *records, const char *source,
                                                     gboolean keep_tuning, GError **error);

G_END_DECLS
