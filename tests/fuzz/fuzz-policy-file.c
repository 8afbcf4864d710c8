/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The operator's policy file (urn:ballast:policy:1): parse and validate,
 * then resolve a guest's tuning through <default> and the <match> rules as
 * the daemon does for every domain. */
#include "fuzz.h"

#include "policy-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = fuzz_text (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_parse (text, "fuzz-policy.xml", &error);
  fuzz_check_result ("ballast_policy_file_parse", file != NULL, error);
  if (file == NULL)
    return 0;

  static const char *const names[] = { "web1", "db-primary", "", "a*[b]?" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      BallastDomainConfig config = {
        .name = (char *) names[i],
        .max_kib = 4 * 1024 * 1024,
        .current_kib = 2 * 1024 * 1024,
        .min_guarantee_kib = i * 512 * 1024,
      };
      BallastTuningOverride metadata = { .set = BALLAST_TUNING_SHARES, .values.shares = 7 };
      BallastGuestTuning tuning;
      g_autofree char *source = NULL;
      (void) ballast_policy_file_match (file, names[i]);
      ballast_policy_file_resolve (file, &config, i % 2 ? &metadata : NULL, &tuning, &source);
      fuzz_assert (source != NULL);
    }
  return 0;
}
