/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loan clock's live metadata (<state>, urn:ballast:state:1) as
 * virDomainGetMetadata() returns it, or whoever wrote it: parse, then check
 * that what ballast_loan_state_format() writes reads back to the same
 * second. */
#include "fuzz.h"

#include "loan-clock.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = fuzz_text (data, size);
  gint64 since = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_loan_state_parse (xml, &since, &error);
  fuzz_check_result ("ballast_loan_state_parse", ok, error);
  if (!ok)
    return 0;

  g_autofree char *formatted = ballast_loan_state_format (since);
  gint64 again = 0;
  g_autoptr(GError) again_error = NULL;
  if (!ballast_loan_state_parse (formatted, &again, &again_error))
    fuzz_fail ("ballast_loan_state_format() wrote %s, which does not parse: %s", formatted,
               again_error->message);
  if (again / G_USEC_PER_SEC != since / G_USEC_PER_SEC)
    fuzz_fail ("loan state does not round-trip: %" G_GINT64_FORMAT " became %" G_GINT64_FORMAT,
               since, again);
  return 0;
}
