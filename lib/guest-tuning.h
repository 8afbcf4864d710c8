/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "policy.h"

G_BEGIN_DECLS

/* The tuning that applies to one domain: the policy's guest defaults, with
 * <memtune><min_guarantee> counted as a minimum (the larger of the two
 * wins, resolved against the domain's maximum). */
void ballast_guest_tuning_resolve (const BallastPolicy *policy, const BallastDomainConfig *config,
                                   BallastGuestTuning *ret_tuning);

G_END_DECLS
