/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastd.conf text (a GKeyFile, group [ballastd]):
 * ballast_daemon_config_load_text() applied over the defaults, as at
 * start, and then again over the result, as a second file would be. */
#include "fuzz.h"

#include "daemon-config.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  BallastDaemonConfig config;
  ballast_daemon_config_init (&config);
  for (int round = 0; round < 2; round++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_daemon_config_load_text (&config, text, "fuzz.conf", &error);
      fuzz_check_result ("ballast_daemon_config_load_text", ok, error);
      if (!ok)
        break;
      fuzz_assert (config.interval_msec >= 10 && config.interval_msec <= 24 * 3600 * 1000);
    }
  ballast_daemon_config_clear (&config);
  return 0;
}
