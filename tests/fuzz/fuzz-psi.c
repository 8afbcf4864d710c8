/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/pressure/memory text: ballast_psi_parse(). Averages are percent
 * with two decimals, so none may come out above 100.00%. */
#include "fuzz.h"

#include "psi.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastPsi psi;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_psi_parse (text, &psi, &error);
  fuzz_check_result ("ballast_psi_parse", ok, error);
  return 0;
}
