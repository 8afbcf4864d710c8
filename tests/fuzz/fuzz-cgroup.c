/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup memory files: a memory.stat looked up for the keys ballast reads
 * (v2's inactive_file, v1's total_inactive_file) and a few more, and the
 * same text as a limit file (memory.max, memory.limit_in_bytes). */
#include "fuzz.h"

#include "cgroup-memory.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  static const char *const keys[] = {
    "inactive_file", "total_inactive_file", "anon", "file", "", " ", "inactive_file 1",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      guint64 value = 0;
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_cgroup_stat_lookup (text, keys[i], &value, &error);
      fuzz_check_result ("ballast_cgroup_stat_lookup", ok, error);
    }

  gboolean limited = FALSE;
  guint64 limit_bytes = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_cgroup_limit_parse (text, &limited, &limit_bytes, &error);
  fuzz_check_result ("ballast_cgroup_limit_parse", ok, error);
  return 0;
}
