/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "meminfo.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>

/* A line looks like "MemAvailable:   24144388 kB". */
typedef struct {
  const char *key;
  gsize offset;
  gboolean required;
} MeminfoField;

static const MeminfoField meminfo_fields[] = {
  { "MemTotal", G_STRUCT_OFFSET (BallastMeminfo, mem_total_kib), TRUE },
  { "MemFree", G_STRUCT_OFFSET (BallastMeminfo, mem_free_kib), FALSE },
  { "MemAvailable", G_STRUCT_OFFSET (BallastMeminfo, mem_available_kib), TRUE },
  { "SwapTotal", G_STRUCT_OFFSET (BallastMeminfo, swap_total_kib), FALSE },
  { "SwapFree", G_STRUCT_OFFSET (BallastMeminfo, swap_free_kib), FALSE },
  { "Zswap", G_STRUCT_OFFSET (BallastMeminfo, zswap_kib), FALSE },
  { "Zswapped", G_STRUCT_OFFSET (BallastMeminfo, zswapped_kib), FALSE },
};

gboolean
ballast_meminfo_parse (const char *text, BallastMeminfo *ret_meminfo, GError **error)
{
  BallastMeminfo meminfo = { 0 };
  gboolean seen[G_N_ELEMENTS (meminfo_fields)] = { FALSE };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint line_no = 0; lines[line_no] != NULL; line_no++)
    {
      const char *line = lines[line_no];
      const char *colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      gsize key_length = (gsize) (colon - line);
      for (gsize i = 0; i < G_N_ELEMENTS (meminfo_fields); i++)
        {
          const MeminfoField *field = &meminfo_fields[i];
          if (strlen (field->key) != key_length || strncmp (line, field->key, key_length) != 0)
            continue;
          if (seen[i])
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "meminfo line %u: %s appears twice", line_no + 1, field->key);
              return FALSE;
            }
          const char *value = colon + 1;
          while (*value == ' ' || *value == '\t')
            value++;
          gsize digits = strspn (value, "0123456789");
          const char *unit = value + digits;
          while (*unit == ' ')
            unit++;
          guint64 number;
          if (!ballast_parse_u64 (value, digits, &number) || strcmp (unit, "kB") != 0)
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "meminfo line %u: %s: expected '<number> kB', got '%s'",
                           line_no + 1, field->key, value);
              return FALSE;
            }
          G_STRUCT_MEMBER (guint64, &meminfo, field->offset) = number;
          seen[i] = TRUE;
        }
    }

  for (gsize i = 0; i < G_N_ELEMENTS (meminfo_fields); i++)
    {
      if (meminfo_fields[i].required && !seen[i])
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                       "meminfo: %s is missing", meminfo_fields[i].key);
          return FALSE;
        }
    }
  if (meminfo.mem_total_kib == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "meminfo: MemTotal is 0");
      return FALSE;
    }
  if (meminfo.mem_available_kib > meminfo.mem_total_kib)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "meminfo: MemAvailable (%" G_GUINT64_FORMAT " kB) exceeds MemTotal (%"
                   G_GUINT64_FORMAT " kB)", meminfo.mem_available_kib, meminfo.mem_total_kib);
      return FALSE;
    }
  *ret_meminfo = meminfo;
  return TRUE;
}

gboolean
ballast_meminfo_read (const BallastPaths *paths, BallastMeminfo *ret_meminfo, GError **error)
{
  g_autofree char *path = g_build_filename (paths->proc_dir, "meminfo", NULL);
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, 64 * 1024, &text, error))
    return FALSE;
  if (!ballast_meminfo_parse (text, ret_meminfo, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
