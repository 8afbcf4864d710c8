/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cgroup-memory.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>

/* cgroup v1 prints "no limit" as PAGE_COUNTER_MAX * PAGE_SIZE, e.g.
 * 9223372036854771712 on x86_64; anything this large is no limit at all. */
#define CGROUP_V1_UNLIMITED_THRESHOLD (G_GUINT64_CONSTANT (1) << 62)

gboolean
ballast_cgroup_stat_lookup (const char *text, const char *key, guint64 *ret_value,
                            GError **error)
{
  gsize key_length = strlen (key);
  const char *line = text;
  guint line_no = 1;
  guint found_line = 0;
  guint64 found_value = 0;
  while (line != NULL && *line != '\0')
    {
      const char *end = strchr (line, '\n');
      gsize length = end != NULL ? (gsize) (end - line) : strlen (line);
      if (length > key_length && strncmp (line, key, key_length) == 0 && line[key_length] == ' ')
        {
          const char *value = line + key_length + 1;
          gsize value_length = length - key_length - 1;
          if (!ballast_parse_u64 (value, value_length, &found_value))
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "memory.stat line %u: %s: '%.*s' is not a number",
                           line_no, key, (int) MIN (value_length, 40), value);
              return FALSE;
            }
          if (found_line != 0)
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "memory.stat line %u: %s appears again (first on line %u)",
                           line_no, key, found_line);
              return FALSE;
            }
          found_line = line_no;
        }
      line = end != NULL ? end + 1 : NULL;
      line_no++;
    }
  if (found_line != 0)
    {
      *ret_value = found_value;
      return TRUE;
    }
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "memory.stat: %s is missing", key);
  return FALSE;
}

gboolean
ballast_cgroup_limit_parse (const char *text, gboolean *ret_limited,
                            guint64 *ret_limit_bytes, GError **error)
{
  g_autofree char *value = g_strstrip (g_strdup (text));
  guint64 bytes;
  if (strcmp (value, "max") == 0)
    {
      *ret_limited = FALSE;
      *ret_limit_bytes = 0;
      return TRUE;
    }
  if (!ballast_parse_u64 (value, strlen (value), &bytes))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "memory limit: expected a byte count or 'max', got '%.40s'", value);
      return FALSE;
    }
  *ret_limited = bytes < CGROUP_V1_UNLIMITED_THRESHOLD;
  *ret_limit_bytes = *ret_limited ? bytes : 0;
  return TRUE;
}

gboolean
ballast_cgroup_memory_locate (const BallastPaths *paths, const char *partition,
                              char **ret_dir, BallastCgroupVersion *ret_version,
                              GError **error)
{
  g_autofree char *controllers = g_build_filename (paths->cgroup_dir, "cgroup.controllers", NULL);
  BallastCgroupVersion version = g_file_test (controllers, G_FILE_TEST_EXISTS)
                                   ? BALLAST_CGROUP_V2 : BALLAST_CGROUP_V1;
  g_autofree char *hierarchy = version == BALLAST_CGROUP_V2
                                 ? g_strdup (paths->cgroup_dir)
                                 : g_build_filename (paths->cgroup_dir, "memory", NULL);
  const char *const defaults[] = { "machine.slice", "machine", NULL };
  const char *const given[] = { partition, NULL };
  const char *const *candidates = partition != NULL ? given : defaults;

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (hierarchy, candidates[i], NULL);
      g_autofree char *usage = g_build_filename (dir, version == BALLAST_CGROUP_V2
                                                        ? "memory.current"
                                                        : "memory.usage_in_bytes", NULL);
      if (g_file_test (usage, G_FILE_TEST_EXISTS))
        {
          *ret_dir = g_steal_pointer (&dir);
          *ret_version = version;
          return TRUE;
        }
    }
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO,
               "no memory cgroup for the guests under %s (tried %s%s)", hierarchy,
               candidates[0], candidates[1] != NULL ? " and machine" : "");
  return FALSE;
}

gboolean
ballast_cgroup_memory_read (const char *dir, BallastCgroupVersion version,
                            BallastCgroupMemory *ret_memory, GError **error)
{
  gboolean v2 = version == BALLAST_CGROUP_V2;
  g_autofree char *limit_path = g_build_filename (dir, v2 ? "memory.max" : "memory.limit_in_bytes", NULL);
  g_autofree char *usage_path = g_build_filename (dir, v2 ? "memory.current" : "memory.usage_in_bytes", NULL);
  g_autofree char *stat_path = g_build_filename (dir, "memory.stat", NULL);
  g_autofree char *limit_text = NULL;
  g_autofree char *stat_text = NULL;
  BallastCgroupMemory memory = { .version = version };
  guint64 limit_bytes, usage_bytes, inactive_file_bytes;

  if (!ballast_read_small_file (limit_path, 256, &limit_text, error))
    return FALSE;
  if (!ballast_cgroup_limit_parse (limit_text, &memory.limited, &limit_bytes, error))
    {
      g_prefix_error (error, "%s: ", limit_path);
      return FALSE;
    }
  if (!ballast_read_u64_file (usage_path, &usage_bytes, error))
    return FALSE;
  if (!ballast_read_small_file (stat_path, 64 * 1024, &stat_text, error))
    return FALSE;
  /* v1 "inactive_file" is the cgroup's own pages only; the guests live in
   * child groups, so the hierarchical "total_" figure is the one. */
  if (!ballast_cgroup_stat_lookup (stat_text, v2 ? "inactive_file" : "total_inactive_file",
                                   &inactive_file_bytes, error))
    {
      g_prefix_error (error, "%s: ", stat_path);
      return FALSE;
    }

  /* Swap use is optional: without swap accounting (or swap) the kernel
   * has no such figure, and nothing is owed. */
  guint64 swap_bytes = 0;
  g_autoptr(GError) swap_error = NULL;
  if (v2)
    {
      g_autofree char *swap_path = g_build_filename (dir, "memory.swap.current", NULL);
      if (g_file_test (swap_path, G_FILE_TEST_EXISTS)
          && !ballast_read_u64_file (swap_path, &swap_bytes, error))
        return FALSE;
    }
  else if (!ballast_cgroup_stat_lookup (stat_text, "total_swap", &swap_bytes, &swap_error))
    {
      if (!g_error_matches (swap_error, BALLAST_ERROR, BALLAST_ERROR_MISSING))
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&swap_error), "%s: ", stat_path);
          return FALSE;
        }
      swap_bytes = 0;
    }

  memory.limit_kib = limit_bytes / 1024;
  memory.swap_kib = swap_bytes / 1024;
  memory.usage_kib = usage_bytes / 1024;
  memory.inactive_file_kib = MIN (inactive_file_bytes, usage_bytes) / 1024;
  memory.working_set_kib = memory.usage_kib - memory.inactive_file_kib;
  *ret_memory = memory;
  return TRUE;
}
