/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML as virDomainGetXMLDesc() returns it: ballast_domain_config_parse(),
 * then what the daemon does next with a parsed config (the unmanaged
 * reason, the <ballast:tuning> metadata it carries, the balloon's range
 * beside its virtio-mem devices and the update XML of each device). */
#include "fuzz.h"

#include "domain-config.h"
#include "policy-file.h"
#include "virtio-mem.h"

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
  fuzz_assert (ballast_domain_config_balloon_max_kib (config) <= config->max_kib);
  guint64 sizes = 0;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      sizes = sizes > G_MAXUINT64 - device->size_kib ? G_MAXUINT64 : sizes + device->size_kib;
      /* What it was parsed with is a request libvirt takes. */
      g_autoptr(GError) update_error = NULL;
      g_autofree char *update = ballast_virtio_mem_update_xml (device, device->requested_kib,
                                                               &update_error);
      fuzz_assert (update != NULL);
      fuzz_assert (ballast_virtio_mem_round_kib (device, G_MAXUINT64) == device->size_kib);
    }
  fuzz_assert (ballast_domain_config_virtio_mem_plugged_kib (config) <= sizes);
  if (config->tuning_xml != NULL)
    {
      BallastTuningOverride tuning = { 0 };
      g_autoptr(GError) tuning_error = NULL;
      gboolean ok = ballast_tuning_parse (config->tuning_xml, &tuning, &tuning_error);
      fuzz_check_result ("ballast_tuning_parse (domain metadata)", ok, tuning_error);
    }
  return 0;
}
