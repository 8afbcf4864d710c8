/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Per-domain tuning metadata (<ballast:tuning>, urn:ballast:tuning:1) as
 * virDomainGetMetadata() returns it or a user sets it with virsh: parse,
 * then check that what ballast_tuning_format() writes for
 * virDomainSetMetadata() reads back to the same text (format after parse
 * is a fixed point). */
#include "fuzz.h"

#include "policy-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  BallastTuningOverride tuning = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_tuning_parse (xml, &tuning, &error);
  fuzz_check_result ("ballast_tuning_parse", ok, error);
  if (!ok)
    return 0;

  g_autofree char *formatted = ballast_tuning_format (&tuning);
  BallastTuningOverride again = { 0 };
  g_autoptr(GError) again_error = NULL;
  if (!ballast_tuning_parse (formatted, &again, &again_error))
    fuzz_fail ("ballast_tuning_format() wrote %s, which does not parse: %s", formatted,
               again_error->message);
  g_autofree char *reformatted = ballast_tuning_format (&again);
  if (strcmp (formatted, reformatted) != 0)
    fuzz_fail ("tuning does not round-trip: %s became %s", formatted, reformatted);
  return 0;
}
