/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/cpuinfo text for the overcommit gate: ballast_cpuinfo_flags_parse(),
 * and the same bytes as a kvm module parameter (ballast_module_bool_parse()). */
#include "fuzz.h"

#include "overcommit-gate.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) flags = ballast_cpuinfo_flags_parse (text, &error);
  fuzz_check_result ("ballast_cpuinfo_flags_parse", flags != NULL, error);
  if (flags != NULL)
    (void) g_hash_table_contains (flags, "vmx");

  gboolean value = FALSE;
  g_autoptr(GError) bool_error = NULL;
  gboolean ok = ballast_module_bool_parse (text, &value, &bool_error);
  fuzz_check_result ("ballast_module_bool_parse", ok, bool_error);
  return 0;
}
