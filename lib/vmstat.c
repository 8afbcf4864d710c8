/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vmstat.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>

gboolean
ballast_vmstat_parse (const char *text, BallastVmstat *ret_vmstat, GError **error)
{
  static const char *const keys[] = { "pswpin", "pswpout" };
  guint64 values[G_N_ELEMENTS (keys)] = { 0 };
  gboolean seen[G_N_ELEMENTS (keys)] = { FALSE };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint line_no = 0; lines[line_no] != NULL; line_no++)
    {
      const char *line = lines[line_no];
      const char *space = strchr (line, ' ');
      if (space == NULL)
        continue;
      for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          if ((gsize) (space - line) != strlen (keys[i]) || strncmp (line, keys[i], strlen (keys[i])) != 0)
            continue;
          const char *value = space + 1;
          if (seen[i] || !ballast_parse_u64 (value, strlen (value), &values[i]))
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "vmstat line %u: %s: %s", line_no + 1,
                           keys[i], seen[i] ? "appears twice" : "expected a number");
              return FALSE;
            }
          seen[i] = TRUE;
        }
    }
  *ret_vmstat = (BallastVmstat) {
    .has_swap = seen[0] && seen[1],
    .pswpin = values[0],
    .pswpout = values[1],
  };
  return TRUE;
}

gboolean
ballast_vmstat_read (const BallastPaths *paths, BallastVmstat *ret_vmstat, GError **error)
{
  g_autofree char *path = g_build_filename (paths->proc_dir, "vmstat", NULL);
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, 64 * 1024, &text, error))
    return FALSE;
  if (!ballast_vmstat_parse (text, ret_vmstat, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
