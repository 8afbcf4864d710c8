/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes and amounts as an operator types them (size-units.h), and the
 * other one-value settings: intervals and percents. */
#include "fuzz.h"

#include "duration.h"
#include "size-units.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);

  static const char *const default_units[] = { NULL, "KiB", "MiB", "b", "TB" };
  for (gsize i = 0; i < G_N_ELEMENTS (default_units); i++)
    {
      guint64 kib = 0;
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_size_parse_kib (text, default_units[i], &kib, &error);
      fuzz_check_result ("ballast_size_parse_kib", ok, error);
      if (ok)
        g_free (ballast_size_format_kib (kib));
    }

  guint64 bytes = 0;
  g_autoptr(GError) unit_error = NULL;
  gboolean unit_ok = ballast_unit_bytes (text, &bytes, &unit_error);
  fuzz_check_result ("ballast_unit_bytes", unit_ok, unit_error);
  for (guint64 value = 0; value < G_MAXUINT64 / 3; value = value * 1000 + 7)
    {
      guint64 kib = 0;
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_size_to_kib (value, text, &kib, &error);
      fuzz_check_result ("ballast_size_to_kib", ok, error);
    }

  BallastAmount amount = { 0 };
  g_autoptr(GError) amount_error = NULL;
  gboolean ok = ballast_amount_parse (text, &amount, &amount_error);
  fuzz_check_result ("ballast_amount_parse", ok, amount_error);
  if (ok)
    {
      if (amount.is_relative)
        fuzz_assert (amount.permille <= 1000);
      fuzz_assert (ballast_amount_resolve_kib (&amount, 1024 * 1024) <= (amount.is_relative ? 1024 * 1024 : amount.kib));
      (void) ballast_amount_resolve_kib (&amount, G_MAXUINT64);
      g_free (ballast_amount_format (&amount));
    }

  guint permille = 0;
  g_autoptr(GError) percent_error = NULL;
  ok = ballast_percent_parse_permille (text, 100, &permille, &percent_error);
  fuzz_check_result ("ballast_percent_parse_permille", ok, percent_error);
  if (ok)
    fuzz_assert (permille <= 1000);

  guint msec = 0;
  g_autoptr(GError) interval_error = NULL;
  ok = ballast_interval_parse_msec (text, &msec, &interval_error);
  fuzz_check_result ("ballast_interval_parse_msec", ok, interval_error);
  if (ok)
    fuzz_assert (msec >= 10 && msec <= 24 * 3600 * 1000);
  return 0;
}
