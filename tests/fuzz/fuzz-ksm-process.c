/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/ksm_stat of a guest's QEMU: ballast_ksm_process_parse_stat(). */
#include "fuzz.h"

#include "ksm-process.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastKsmProcess process;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_ksm_process_parse_stat (text, &process, &error);
  fuzz_check_result ("ballast_ksm_process_parse_stat", ok, error);
  return 0;
}
