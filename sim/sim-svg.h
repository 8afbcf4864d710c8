/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "sim-model.h"
#include "sim-scenario.h"

G_BEGIN_DECLS

/* Line charts as SVG, written by hand (no plotting dependency): stacked
 * panels sharing one x axis, each with its own y axis, polylines, optional
 * point markers, and one legend for the whole chart. */

typedef struct _BallastSvgChart BallastSvgChart;

/* A chart WIDTH pixels wide whose x axis runs from X_MIN to X_MAX (on a
 * log scale when LOG_X; then X_MIN must be > 0). */
BallastSvgChart *ballast_svg_chart_new (const char *title, const char *subtitle,
                                        const char *x_label, double x_min, double x_max,
                                        gboolean log_x, guint width);
void ballast_svg_chart_free (BallastSvgChart *chart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSvgChart, ballast_svg_chart_free)

/* A panel HEIGHT pixels high; its y axis starts at 0 and ends a little
 * above the largest value shown (or at Y_MAX when > 0). Returns its index. */
guint ballast_svg_chart_add_panel (BallastSvgChart *chart, const char *title, const char *y_label,
                                   guint height, double y_max);

/* A polyline through (X[i], Y[i]); NAN in Y breaks the line. DASH is an
 * SVG dash array ("6 3") or NULL for a solid line. The arrays are copied. */
void ballast_svg_chart_add_series (BallastSvgChart *chart, guint panel, const char *label,
                                   const char *color, const char *dash, double line_width,
                                   gboolean markers, const double *x, const double *y, gsize n);

/* A horizontal line across a panel at Y. */
void ballast_svg_chart_add_hline (BallastSvgChart *chart, guint panel, const char *label,
                                  const char *color, const char *dash, double y);

char *ballast_svg_chart_render (const BallastSvgChart *chart);

/* The simulator's pictures. */

/* One policy's run: a host panel (the guests' demand, their balloons and
 * their resident memory against the budget line), then one panel per
 * guest (demand, target, actual, max). With more than MAX_GUESTS guests,
 * the ones that suffered most (OOMs, then unmet demand), then the first,
 * are shown. RESULT needs a timeline. */
char *ballast_sim_svg_timeline (const BallastSimScenario *scenario, const BallastSimResult *result,
                                guint max_guests);

/* Every policy's host use against the budget, one panel per policy.
 * RESULTS: BallastSimResult*, each with a timeline. */
char *ballast_sim_svg_comparison (const BallastSimScenario *scenario, GPtrArray *results);

G_END_DECLS
