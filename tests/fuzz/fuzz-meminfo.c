/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/meminfo and /proc/vmstat text, both "key value" lines from the
 * kernel: ballast_meminfo_parse(), ballast_vmstat_parse(). */
#include "fuzz.h"

#include "meminfo.h"
#include "vmstat.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastMeminfo meminfo;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_meminfo_parse (text, &meminfo, &error);
  fuzz_check_result ("ballast_meminfo_parse", ok, error);
  BallastVmstat vmstat;
  g_autoptr(GError) vmstat_error = NULL;
  ok = ballast_vmstat_parse (text, &vmstat, &vmstat_error);
  fuzz_check_result ("ballast_vmstat_parse", ok, vmstat_error);
  return 0;
}
