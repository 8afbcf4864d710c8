/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "guest-tuning.h"

void
ballast_guest_tuning_resolve (const BallastPolicy *policy, const BallastDomainConfig *config,
                              BallastGuestTuning *ret_tuning)
{
  BallastGuestTuning tuning = policy->guest_defaults;
  if (config->min_guarantee_kib > 0)
    {
      guint64 min_kib = ballast_amount_resolve_kib (&tuning.min, config->max_kib);
      tuning.min = (BallastAmount) { .is_relative = FALSE,
                                     .kib = MAX (min_kib, config->min_guarantee_kib) };
    }
  *ret_tuning = tuning;
}
