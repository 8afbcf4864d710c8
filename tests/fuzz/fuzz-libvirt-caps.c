/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The overcommit gate for a remote host: ballast_hap_detect_from_libvirt()
 * on virConnectGetCapabilities() and virConnectGetDomainCapabilities() XML.
 * The input is the capabilities, a NUL byte, and the domain capabilities;
 * without a NUL the domain capabilities are NULL (no KVM on that host). */
#include "fuzz.h"

#include "overcommit-gate.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  const char *nul = memchr (text, '\0', size);
  const char *domcaps = nul != NULL ? nul + 1 : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastHapReport) report = ballast_hap_detect_from_libvirt (text, domcaps, &error);
  fuzz_check_result ("ballast_hap_detect_from_libvirt", report != NULL, error);
  if (report == NULL)
    return 0;
  fuzz_assert (report->evidence != NULL);
  for (guint i = 0; i < report->evidence->len; i++)
    {
      const BallastHapEvidence *evidence = report->evidence->pdata[i];
      fuzz_assert (evidence->check != NULL);
      (void) ballast_check_result_to_string (evidence->result);
    }
  g_autofree char *sentence = ballast_overcommit_describe (BALLAST_OVERCOMMIT_AUTO,
                                                           report->hap_available);
  fuzz_assert (sentence != NULL && *sentence != '\0');
  return 0;
}
