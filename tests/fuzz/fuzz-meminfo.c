/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/meminfo text: ballast_meminfo_parse(). */
#include "fuzz.h"

#include "meminfo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastMeminfo meminfo;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_meminfo_parse (text, &meminfo, &error);
  fuzz_check_result ("ballast_meminfo_parse", ok, error);
  return 0;
}
