/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-svg.h"

#include "size-units.h"

#include <math.h>
#include <string.h>

#define MARGIN_LEFT 72
#define MARGIN_RIGHT 24
#define TITLE_HEIGHT 48
#define LEGEND_ROW 18
#define PANEL_TITLE 20
#define PANEL_AXIS 30
#define MARGIN_BOTTOM 24

typedef struct {
  char *label;
  char *color;
  char *dash;
  double line_width;
  gboolean markers;
  gsize n;
  double *x;
  double *y;
} Series;

typedef struct {
  char *title;
  char *y_label;
  guint height;
  double y_max;
  GPtrArray *series; /* Series* */
} Panel;

struct _BallastSvgChart {
  char *title;
  char *subtitle;
  char *x_label;
  double x_min;
  double x_max;
  gboolean log_x;
  guint width;
  GPtrArray *panels; /* Panel* */
};

static void
series_free (gpointer data)
{
  Series *series = data;
  g_free (series->label);
  g_free (series->color);
  g_free (series->dash);
  g_free (series->x);
  g_free (series->y);
  g_free (series);
}

static void
panel_free (gpointer data)
{
  Panel *panel = data;
  g_free (panel->title);
  g_free (panel->y_label);
  g_ptr_array_unref (panel->series);
  g_free (panel);
}

BallastSvgChart *
ballast_svg_chart_new (const char *title, const char *subtitle, const char *x_label, double x_min,
                       double x_max, gboolean log_x, guint width)
{
  BallastSvgChart *chart = g_new0 (BallastSvgChart, 1);
  chart->title = g_strdup (title);
  chart->subtitle = g_strdup (subtitle);
  chart->x_label = g_strdup (x_label);
  chart->log_x = log_x && x_min > 0;
  chart->x_min = x_min;
  chart->x_max = x_max > x_min ? x_max : x_min + 1;
  chart->width = MAX (width, 320);
  chart->panels = g_ptr_array_new_with_free_func (panel_free);
  return chart;
}

void
ballast_svg_chart_free (BallastSvgChart *chart)
{
  if (chart == NULL)
    return;
  g_free (chart->title);
  g_free (chart->subtitle);
  g_free (chart->x_label);
  g_ptr_array_unref (chart->panels);
  g_free (chart);
}

guint
ballast_svg_chart_add_panel (BallastSvgChart *chart, const char *title, const char *y_label,
                             guint height, double y_max)
{
  Panel *panel = g_new0 (Panel, 1);
  panel->title = g_strdup (title);
  panel->y_label = g_strdup (y_label);
  panel->height = MAX (height, 40);
  panel->y_max = y_max;
  panel->series = g_ptr_array_new_with_free_func (series_free);
  g_ptr_array_add (chart->panels, panel);
  return chart->panels->len - 1;
}

void
ballast_svg_chart_add_series (BallastSvgChart *chart, guint panel_index, const char *label,
                              const char *color, const char *dash, double line_width,
                              gboolean markers, const double *x, const double *y, gsize n)
{
  g_return_if_fail (panel_index < chart->panels->len);
  Panel *panel = chart->panels->pdata[panel_index];
  Series *series = g_new0 (Series, 1);
  series->label = g_strdup (label);
  series->color = g_strdup (color);
  series->dash = g_strdup (dash);
  series->line_width = line_width;
  series->markers = markers;
  series->n = n;
  series->x = g_memdup2 (x, MAX (n, 1) * sizeof *x);
  series->y = g_memdup2 (y, MAX (n, 1) * sizeof *y);
  g_ptr_array_add (panel->series, series);
}

void
ballast_svg_chart_add_hline (BallastSvgChart *chart, guint panel, const char *label,
                             const char *color, const char *dash, double y)
{
  double xs[2] = { chart->x_min, chart->x_max };
  double ys[2] = { y, y };
  ballast_svg_chart_add_series (chart, panel, label, color, dash, 1.5, FALSE, xs, ys, 2);
}

/* ---- Rendering -------------------------------------------------------------- */

/* Numbers in SVG attributes: always a dot, whatever the locale. */
static const char *
num (char *buffer, double value)
{
  return g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.1f", value);
}

static double
nice_step (double range, int ticks)
{
  if (range <= 0)
    return 1;
  double raw = range / ticks;
  double magnitude = pow (10, floor (log10 (raw)));
  double fraction = raw / magnitude;
  double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

static char *
tick_label (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  if (fabs (value) >= 1e6 || (fabs (value) < 1e-3 && value != 0))
    return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2g", value));
  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.6g", value));
}

typedef struct {
  const BallastSvgChart *chart;
  double left, right;
} XAxis;

static double
x_pixel (const XAxis *axis, double x)
{
  const BallastSvgChart *c = axis->chart;
  double frac = c->log_x ? (log10 (MAX (x, c->x_min)) - log10 (c->x_min)) / (log10 (c->x_max) - log10 (c->x_min))
                         : (x - c->x_min) / (c->x_max - c->x_min);
  return axis->left + frac * (axis->right - axis->left);
}

static void
append_escaped (GString *out, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);
  g_string_append (out, escaped);
}

/* The legend's entries, one per distinct label, in order of appearance. */
static GPtrArray *
legend_entries (const BallastSvgChart *chart)
{
  GPtrArray *entries = g_ptr_array_new ();
  for (guint p = 0; p < chart->panels->len; p++)
    {
      Panel *panel = chart->panels->pdata[p];
      for (guint s = 0; s < panel->series->len; s++)
        {
          Series *series = panel->series->pdata[s];
          gboolean seen = series->label == NULL;
          for (guint e = 0; e < entries->len && !seen; e++)
            seen = g_strcmp0 (((Series *) entries->pdata[e])->label, series->label) == 0;
          if (!seen)
            g_ptr_array_add (entries, series);
        }
    }
  return entries;
}

static void
render_x_ticks (GString *out, const XAxis *axis, double top, double bottom, gboolean labels)
{
  const BallastSvgChart *c = axis->chart;
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
  char b3[G_ASCII_DTOSTR_BUF_SIZE], b4[G_ASCII_DTOSTR_BUF_SIZE];
  GArray *ticks = g_array_new (FALSE, FALSE, sizeof (double));
  if (c->log_x)
    {
      for (double decade = pow (10, floor (log10 (c->x_min))); decade <= c->x_max; decade *= 10)
        for (int m = 1; m <= 5; m += (m == 1 ? 1 : 3))
          {
            double value = decade * m;
            if (value >= c->x_min * 0.999 && value <= c->x_max * 1.001)
              g_array_append_val (ticks, value);
          }
    }
  else
    {
      double step = nice_step (c->x_max - c->x_min, 8);
      for (double value = ceil (c->x_min / step) * step; value <= c->x_max + step * 1e-9; value += step)
        g_array_append_val (ticks, value);
    }
  for (guint i = 0; i < ticks->len; i++)
    {
      double value = g_array_index (ticks, double, i);
      double x = x_pixel (axis, value);
      g_string_append_printf (out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#e4e4e4\"/>\n",
                              num (b1, x), num (b2, top), num (b3, x), num (b4, bottom));
      if (labels)
        {
          g_autofree char *text = tick_label (value);
          g_string_append_printf (out, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#444\">%s</text>\n",
                                  num (b1, x), num (b2, bottom + 14), text);
        }
    }
  g_array_unref (ticks);
}

static void
render_series (GString *out, const XAxis *axis, const Series *series, double top, double bottom,
               double y_max)
{
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
  gboolean open = FALSE;
  for (gsize i = 0; i < series->n; i++)
    {
      if (isnan (series->y[i]) || isnan (series->x[i]))
        {
          if (open)
            g_string_append (out, "\"/>\n");
          open = FALSE;
          continue;
        }
      double x = x_pixel (axis, series->x[i]);
      double y = bottom - (series->y[i] / y_max) * (bottom - top);
      if (!open)
        {
          g_string_append_printf (out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"",
                                  series->color, num (b1, series->line_width));
          if (series->dash != NULL)
            g_string_append_printf (out, " stroke-dasharray=\"%s\"", series->dash);
          g_string_append (out, " stroke-linejoin=\"round\" points=\"");
          open = TRUE;
        }
      g_string_append_printf (out, "%s,%s ", num (b1, x), num (b2, y));
    }
  if (open)
    g_string_append (out, "\"/>\n");
  if (series->markers)
    for (gsize i = 0; i < series->n; i++)
      {
        if (isnan (series->y[i]))
          continue;
        double x = x_pixel (axis, series->x[i]);
        double y = bottom - (series->y[i] / y_max) * (bottom - top);
        g_string_append_printf (out, "<circle cx=\"%s\" cy=\"%s\" r=\"3.5\" fill=\"%s\"/>\n",
                                num (b1, x), num (b2, y), series->color);
      }
}

char *
ballast_svg_chart_render (const BallastSvgChart *chart)
{
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
  char b3[G_ASCII_DTOSTR_BUF_SIZE], b4[G_ASCII_DTOSTR_BUF_SIZE];
  XAxis axis = { chart, MARGIN_LEFT, chart->width - MARGIN_RIGHT };
  g_autoptr(GPtrArray) entries = legend_entries (chart);

  /* Legend rows: entries laid out left to right, wrapped. */
  double legend_x = MARGIN_LEFT;
  guint legend_rows = entries->len > 0 ? 1 : 0;
  for (guint e = 0; e < entries->len; e++)
    {
      double w = 40 + 7.0 * (double) strlen (((Series *) entries->pdata[e])->label);
      if (legend_x + w > chart->width - MARGIN_RIGHT && legend_x > MARGIN_LEFT)
        {
          legend_rows++;
          legend_x = MARGIN_LEFT;
        }
      legend_x += w;
    }
  double height = TITLE_HEIGHT + legend_rows * LEGEND_ROW + MARGIN_BOTTOM;
  for (guint p = 0; p < chart->panels->len; p++)
    height += PANEL_TITLE + ((Panel *) chart->panels->pdata[p])->height + PANEL_AXIS;

  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%s\" "
                          "viewBox=\"0 0 %u %s\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                          "font-size=\"11\">\n",
                          chart->width, num (b1, height), chart->width, num (b2, height));
  g_string_append (out, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  g_string_append_printf (out, "<text x=\"%d\" y=\"20\" font-size=\"15\" font-weight=\"bold\">", MARGIN_LEFT);
  append_escaped (out, chart->title);
  g_string_append (out, "</text>\n");
  if (chart->subtitle != NULL)
    {
      g_string_append_printf (out, "<text x=\"%d\" y=\"38\" fill=\"#555\">", MARGIN_LEFT);
      append_escaped (out, chart->subtitle);
      g_string_append (out, "</text>\n");
    }

  legend_x = MARGIN_LEFT;
  double legend_y = TITLE_HEIGHT + 8;
  for (guint e = 0; e < entries->len; e++)
    {
      const Series *series = entries->pdata[e];
      double w = 40 + 7.0 * (double) strlen (series->label);
      if (legend_x + w > chart->width - MARGIN_RIGHT && legend_x > MARGIN_LEFT)
        {
          legend_y += LEGEND_ROW;
          legend_x = MARGIN_LEFT;
        }
      g_string_append_printf (out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" stroke-width=\"2.5\"",
                              num (b1, legend_x), num (b2, legend_y - 4), num (b3, legend_x + 24),
                              num (b4, legend_y - 4), series->color);
      if (series->dash != NULL)
        g_string_append_printf (out, " stroke-dasharray=\"%s\"", series->dash);
      g_string_append (out, "/>\n");
      g_string_append_printf (out, "<text x=\"%s\" y=\"%s\">", num (b1, legend_x + 30), num (b2, legend_y));
      append_escaped (out, series->label);
      g_string_append (out, "</text>\n");
      legend_x += w;
    }

  double y = TITLE_HEIGHT + legend_rows * LEGEND_ROW;
  for (guint p = 0; p < chart->panels->len; p++)
    {
      const Panel *panel = chart->panels->pdata[p];
      double top = y + PANEL_TITLE, bottom = top + panel->height;
      g_string_append_printf (out, "<text x=\"%d\" y=\"%s\" font-weight=\"bold\">", MARGIN_LEFT, num (b1, top - 6));
      append_escaped (out, panel->title);
      g_string_append (out, "</text>\n");

      double y_max = panel->y_max;
      if (y_max <= 0)
        {
          for (guint s = 0; s < panel->series->len; s++)
            {
              const Series *series = panel->series->pdata[s];
              for (gsize i = 0; i < series->n; i++)
                if (!isnan (series->y[i]))
                  y_max = MAX (y_max, series->y[i]);
            }
          y_max = y_max > 0 ? y_max * 1.08 : 1;
        }
      double step = nice_step (y_max, 4);
      for (double tick = 0; tick <= y_max + step * 1e-9; tick += step)
        {
          double ty = bottom - tick / y_max * (bottom - top);
          g_autofree char *text = tick_label (tick);
          g_string_append_printf (out, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#e4e4e4\"/>\n",
                                  num (b1, axis.left), num (b2, ty), num (b3, axis.right), num (b4, ty));
          g_string_append_printf (out, "<text x=\"%s\" y=\"%s\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
                                  num (b1, axis.left - 6), num (b2, ty + 4), text);
        }
      render_x_ticks (out, &axis, top, bottom, TRUE);
      g_string_append_printf (out, "<text transform=\"translate(%s,%s) rotate(-90)\" text-anchor=\"middle\" fill=\"#444\">",
                              num (b1, 14), num (b2, (top + bottom) / 2));
      append_escaped (out, panel->y_label);
      g_string_append (out, "</text>\n");
      g_string_append_printf (out, "<clipPath id=\"clip%u\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></clipPath>\n"
                              "<g clip-path=\"url(#clip%u)\">\n",
                              p, num (b1, axis.left - 4), num (b2, top - 4), num (b3, axis.right - axis.left + 8),
                              num (b4, bottom - top + 8), p);
      for (guint s = 0; s < panel->series->len; s++)
        render_series (out, &axis, panel->series->pdata[s], top, bottom, y_max);
      g_string_append (out, "</g>\n");
      g_string_append_printf (out, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"#888\"/>\n",
                              num (b1, axis.left), num (b2, top), num (b3, axis.right - axis.left), num (b4, bottom - top));
      y = bottom + PANEL_AXIS;
    }
  g_string_append_printf (out, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" fill=\"#444\">",
                          num (b1, (axis.left + axis.right) / 2), num (b2, y + 8));
  append_escaped (out, chart->x_label);
  g_string_append (out, "</text>\n</svg>\n");
  return g_string_free (out, FALSE);
}

/* ---- The simulator's pictures ------------------------------------------------- */

#define COLOR_DEMAND "#e6550d"
#define COLOR_TARGET "#3182bd"
#define COLOR_ACTUAL "#31a354"
#define COLOR_RESIDENT "#756bb1"
#define COLOR_MAX "#999999"
#define COLOR_BUDGET "#d62728"

typedef struct {
  double divisor;     /* from MiB */
  const char *unit;
  double time_divisor; /* from msec */
  const char *time_unit;
} Units;

static Units
choose_units (const BallastSimScenario *scenario)
{
  Units units;
  gboolean gib = scenario->budget_kib >= 8 * 1024 * 1024;
  units.divisor = gib ? 1024 : 1;
  units.unit = gib ? "GiB" : "MiB";
  gint64 duration = scenario->duration_msec;
  if (duration > 6 * 3600 * 1000)
    units.time_divisor = 3600000, units.time_unit = "time (hours)";
  else if (duration > 20 * 60 * 1000)
    units.time_divisor = 60000, units.time_unit = "time (minutes)";
  else
    units.time_divisor = 1000, units.time_unit = "time (seconds)";
  return units;
}

static double *
sample_times (const BallastSimTimeline *timeline, const Units *units)
{
  double *x = g_new (double, MAX (timeline->n_samples, 1));
  for (gsize k = 0; k < timeline->n_samples; k++)
    x[k] = (double) ((gint64) k * timeline->interval_msec + timeline->interval_msec) / units->time_divisor;
  return x;
}

static double *
scaled (const float *values, gsize n, double divisor)
{
  double *y = g_new (double, MAX (n, 1));
  for (gsize k = 0; k < n; k++)
    y[k] = isnan (values[k]) ? NAN : values[k] / divisor;
  return y;
}

static char *
policy_summary (const BallastSimResult *result)
{
  const BallastSimMetrics *m = &result->metrics;
  return g_strdup_printf ("unmet %.0f MiB·s, %u guest OOM, overflow %.0f MiB·s, %u host OOM, "
                          "%u balloon ops", m->unmet_mib_sec, m->guest_oom_events,
                          m->host_overflow_mib_sec, m->host_oom_events, m->balloon_ops);
}

static void
add_host_panel (BallastSvgChart *chart, const BallastSimScenario *scenario, const BallastSimResult *result,
                const Units *units, const double *x, const char *title, guint height)
{
  const BallastSimTimeline *timeline = result->timeline;
  guint panel = ballast_svg_chart_add_panel (chart, title, units->unit, height, 0);
  g_autofree double *demand = scaled (timeline->host_demand_mib, timeline->n_samples, units->divisor);
  g_autofree double *actual = scaled (timeline->host_actual_mib, timeline->n_samples, units->divisor);
  g_autofree double *used = scaled (timeline->host_used_mib, timeline->n_samples, units->divisor);
  ballast_svg_chart_add_series (chart, panel, "demand", COLOR_DEMAND, NULL, 1.5, FALSE, x, demand,
                                timeline->n_samples);
  ballast_svg_chart_add_series (chart, panel, "actual (balloons)", COLOR_ACTUAL, NULL, 1.5, FALSE, x,
                                actual, timeline->n_samples);
  ballast_svg_chart_add_series (chart, panel, "resident on host", COLOR_RESIDENT, "2 2", 1.5, FALSE, x,
                                used, timeline->n_samples);
  ballast_svg_chart_add_hline (chart, panel, "budget", COLOR_BUDGET, "8 4",
                               (double) scenario->budget_kib / 1024 / units->divisor);
}

typedef struct {
  guint index;
  guint ooms;
  double unmet;
} GuestRank;

static gint
compare_rank (gconstpointer a, gconstpointer b)
{
  const GuestRank *x = a, *y = b;
  if (x->ooms != y->ooms)
    return x->ooms > y->ooms ? -1 : 1;
  if (x->unmet != y->unmet)
    return x->unmet > y->unmet ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static gint
compare_index (gconstpointer a, gconstpointer b)
{
  const GuestRank *x = a, *y = b;
  return x->index < y->index ? -1 : x->index > y->index;
}

char *
ballast_sim_svg_timeline (const BallastSimScenario *scenario, const BallastSimResult *result,
                          guint max_guests)
{
  const BallastSimTimeline *timeline = result->timeline;
  g_return_val_if_fail (timeline != NULL, NULL);
  Units units = choose_units (scenario);
  g_autofree char *title = g_strdup_printf ("%s — %s", scenario->name, result->policy_name);
  g_autofree char *subtitle = policy_summary (result);
  g_autoptr(BallastSvgChart) chart = ballast_svg_chart_new (title, subtitle, units.time_unit, 0,
                                                            (double) scenario->duration_msec / units.time_divisor,
                                                            FALSE, 1000);
  g_autofree double *x = sample_times (timeline, &units);
  g_autofree char *host_title = g_strdup_printf ("host: %u guests against the budget", scenario->guests->len);
  add_host_panel (chart, scenario, result, &units, x, host_title, 180);

  /* Which guests get a panel. */
  g_autoptr(GArray) ranks = g_array_new (FALSE, FALSE, sizeof (GuestRank));
  for (guint i = 0; i < scenario->guests->len; i++)
    {
      GuestRank rank = { i, result->guests[i].oom_events, result->guests[i].unmet_mib_sec };
      g_array_append_val (ranks, rank);
    }
  guint shown = MIN (max_guests, ranks->len);
  if (shown < ranks->len)
    {
      /* The worst half of the panels by suffering, the rest in order. */
      g_array_sort (ranks, compare_rank);
      guint worst = 0;
      while (worst < shown / 2 && (g_array_index (ranks, GuestRank, worst).ooms > 0
                                   || g_array_index (ranks, GuestRank, worst).unmet > 0))
        worst++;
      g_autoptr(GArray) chosen = g_array_new (FALSE, FALSE, sizeof (GuestRank));
      g_array_append_vals (chosen, ranks->data, worst);
      g_array_sort (ranks, compare_index);
      for (guint i = 0; i < ranks->len && chosen->len < shown; i++)
        {
          GuestRank *candidate = &g_array_index (ranks, GuestRank, i);
          gboolean taken = FALSE;
          for (guint k = 0; k < chosen->len && !taken; k++)
            taken = g_array_index (chosen, GuestRank, k).index == candidate->index;
          if (!taken)
            g_array_append_val (chosen, *candidate);
        }
      g_array_sort (chosen, compare_index);
      g_array_set_size (ranks, 0);
      g_array_append_vals (ranks, chosen->data, chosen->len);
    }

  for (guint r = 0; r < shown; r++)
    {
      guint i = g_array_index (ranks, GuestRank, r).index;
      const BallastSimGuest *guest = scenario->guests->pdata[i];
      Units guest_units = units;
      gboolean gib = guest->max_kib >= 4 * 1024 * 1024;
      guest_units.divisor = gib ? 1024 : 1;
      guest_units.unit = gib ? "GiB" : "MiB";
      g_autofree char *max = ballast_size_format_kib (guest->max_kib);
      g_autofree char *panel_title = g_strdup_printf ("%s (max %s): unmet %.0f MiB·s, %u OOM, %u balloon ops",
                                                      guest->name, max, result->guests[i].unmet_mib_sec,
                                                      result->guests[i].oom_events, result->guests[i].balloon_ops);
      guint panel = ballast_svg_chart_add_panel (chart, panel_title, guest_units.unit, 90,
                                                 (double) guest->max_kib / 1024 / guest_units.divisor * 1.08);
      gsize n = timeline->n_samples;
      g_autofree double *demand = scaled (timeline->demand_mib + i * n, n, guest_units.divisor);
      g_autofree double *target = scaled (timeline->target_mib + i * n, n, guest_units.divisor);
      g_autofree double *actual = scaled (timeline->actual_mib + i * n, n, guest_units.divisor);
      ballast_svg_chart_add_hline (chart, panel, "guest max", COLOR_MAX, "3 3",
                                   (double) guest->max_kib / 1024 / guest_units.divisor);
      /* The target dashed over the actual: where they part, the balloon is moving. */
      ballast_svg_chart_add_series (chart, panel, "actual (balloons)", COLOR_ACTUAL, NULL, 1.5, FALSE, x, actual, n);
      ballast_svg_chart_add_series (chart, panel, "balloon target", COLOR_TARGET, "6 3", 1.5, FALSE, x, target, n);
      ballast_svg_chart_add_series (chart, panel, "demand", COLOR_DEMAND, NULL, 1.5, FALSE, x, demand, n);
    }
  return ballast_svg_chart_render (chart);
}

char *
ballast_sim_svg_comparison (const BallastSimScenario *scenario, GPtrArray *results)
{
  Units units = choose_units (scenario);
  g_autofree char *budget = ballast_size_format_kib (scenario->budget_kib);
  g_autofree char *title = g_strdup_printf ("%s — host memory under each policy", scenario->name);
  g_autofree char *subtitle = g_strdup_printf ("%u guests, budget %s%s%s", scenario->guests->len, budget,
                                               scenario->description != NULL ? ": " : "",
                                               scenario->description != NULL ? scenario->description : "");
  g_autoptr(BallastSvgChart) chart = ballast_svg_chart_new (title, subtitle, units.time_unit, 0,
                                                            (double) scenario->duration_msec / units.time_divisor,
                                                            FALSE, 1000);
  for (guint r = 0; r < results->len; r++)
    {
      const BallastSimResult *result = results->pdata[r];
      g_return_val_if_fail (result->timeline != NULL, NULL);
      g_autofree double *x = sample_times (result->timeline, &units);
      g_autofree char *summary = policy_summary (result);
      g_autofree char *panel_title = g_strdup_printf ("%s: %s", result->policy_name, summary);
      add_host_panel (chart, scenario, result, &units, x, panel_title, 130);
    }
  return ballast_svg_chart_render (chart);
}
