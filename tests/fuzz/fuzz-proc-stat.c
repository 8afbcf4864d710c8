/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/stat (ksmd's CPU time, a QEMU's): ballast_proc_stat_parse(),
 * where the process name may hold spaces and parentheses. */
#include "fuzz.h"

#include "process.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastProcStat stat;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_proc_stat_parse (text, &stat, &error);
  fuzz_check_result ("ballast_proc_stat_parse", ok, error);
  if (ok)
    fuzz_assert (memchr (stat.comm, '\0', sizeof stat.comm) != NULL);
  return 0;
}
