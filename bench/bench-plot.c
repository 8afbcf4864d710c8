/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Plot a benchmark CSV as SVG with the simulator's chart code.
 *
 *   bench-plot --title TITLE [--log-x] --out FILE.svg DATA.csv
 *
 * The first column is x; every other column is a series, its header
 * "LABEL|PANEL" (series with the same PANEL share a panel, whose y axis is
 * labelled PANEL). Empty cells are gaps. */
#include "sim-svg.h"
#include "text-fields.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* One color per series across the chart: the legend is shared. */
static const char *const colors[] = {
  "#3182bd", "#e6550d", "#31a354", "#756bb1", "#d62728", "#636363", "#8c564b", "#e377c2", "#17becf",
};

int
main (int argc, char **argv)
{
  g_autofree char *title = NULL, *out = NULL, *subtitle = NULL;
  gboolean log_x = FALSE;
  g_auto(GStrv) inputs = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "title", 't', 0, G_OPTION_ARG_STRING, &title, "Chart title", "TITLE" },
    { "subtitle", 0, 0, G_OPTION_ARG_STRING, &subtitle, "A line under the title", "TEXT" },
    { "log-x", 0, 0, G_OPTION_ARG_NONE, &log_x, "Logarithmic x axis", NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Where to write the SVG", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "DATA.csv" },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("DATA.csv - plot a benchmark CSV as SVG");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || inputs == NULL || inputs[0] == NULL
      || out == NULL)
    {
      g_printerr ("bench-plot: %s\n", error != NULL ? error->message : "need --out FILE and one CSV");
      return 2;
    }
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (inputs[0], 16 * 1024 * 1024, &text, &error))
    {
      g_printerr ("bench-plot: %s\n", error->message);
      return 2;
    }
  g_auto(GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  if (lines[0] == NULL || lines[1] == NULL)
    {
      g_printerr ("bench-plot: %s: need a header and at least one row\n", inputs[0]);
      return 2;
    }
  g_auto(GStrv) header = g_strsplit (lines[0], ",", -1);
  guint columns = g_strv_length (header);
  guint rows = g_strv_length (lines) - 1;
  g_autofree double *x = g_new (double, rows);
  g_autofree double *values = g_new (double, (gsize) rows * columns);
  for (guint r = 0; r < rows; r++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[r + 1], ",", -1);
      if (g_strv_length (cells) != columns)
        {
          g_printerr ("bench-plot: %s line %u: %u cells, the header has %u\n", inputs[0], r + 2,
                      g_strv_length (cells), columns);
          return 2;
        }
      for (guint c = 0; c < columns; c++)
        {
          char *end = NULL;
          g_strstrip (cells[c]);
          double v = *cells[c] == '\0' ? NAN : g_ascii_strtod (cells[c], &end);
          if (*cells[c] != '\0' && (end == cells[c] || *end != '\0'))
            {
              g_printerr ("bench-plot: %s line %u: '%s' is not a number\n", inputs[0], r + 2, cells[c]);
              return 2;
            }
          if (c == 0)
            x[r] = v;
          else
            values[(gsize) c * rows + r] = v;
        }
    }
  double x_min = x[0], x_max = x[0];
  for (guint r = 0; r < rows; r++)
    {
      x_min = MIN (x_min, x[r]);
      x_max = MAX (x_max, x[r]);
    }
  if (log_x)
    {
      x_min = pow (10, floor (log10 (x_min)));
      x_max = pow (10, ceil (log10 (x_max)));
    }
  g_autoptr(BallastSvgChart) chart = ballast_svg_chart_new (title != NULL ? title : inputs[0], subtitle,
                                                            header[0], x_min, x_max, log_x, 900);
  g_autoptr(GHashTable) panels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint c = 1; c < columns; c++)
    {
      g_auto(GStrv) parts = g_strsplit (header[c], "|", 2);
      const char *label = parts[0];
      const char *panel_name = parts[1] != NULL ? parts[1] : parts[0];
      gpointer found = NULL;
      guint panel;
      if (g_hash_table_lookup_extended (panels, panel_name, NULL, &found))
        panel = GPOINTER_TO_UINT (found);
      else
        {
          panel = ballast_svg_chart_add_panel (chart, panel_name, panel_name, 160, 0);
          g_hash_table_insert (panels, g_strdup (panel_name), GUINT_TO_POINTER (panel));
        }
      ballast_svg_chart_add_series (chart, panel, label, colors[(c - 1) % G_N_ELEMENTS (colors)], NULL, 2,
                                    TRUE, x, values + (gsize) c * rows, rows);
    }
  g_autofree char *svg = ballast_svg_chart_render (chart);
  if (!g_file_set_contents (out, svg, -1, &error))
    {
      g_printerr ("bench-plot: %s\n", error->message);
      return 1;
    }
  return 0;
}
