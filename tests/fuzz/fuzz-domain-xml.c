/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML as virDomainGetXMLDesc() returns it: ballast_domain_config_parse(),
 * then what the daemon does next with a parsed config (the unmanaged
 * reason, and the <ballast:tuning> metadata it carries). */
#include "fuzz.h"

#include "domain-config.h"
#include "policy-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &error);
  fuzz_check_result ("ballast_domain_config_parse", config != NULL, error);
  if (config == NULL)
    return 0;
  fuzz_assert (config->name != NULL);
  (void) ballast_domain_config_unmanaged_reason (config);
  if (config->tuning_xml != NULL)
    {
      BallastTuningOverride tuning = { 0 };
      g_autoptr(GError) tuning_error = NULL;
      gboolean ok = ballast_tuning_parse (config->tuning_xml, &tuning, &tuning_error);
      fuzz_check_result ("ballast_tuning_parse (domain metadata)", ok, tuning_error);
    }
  return 0;
}
