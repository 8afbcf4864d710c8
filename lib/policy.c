/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "policy.h"

#include <string.h>

#define MIB_IN_KIB G_GUINT64_CONSTANT (1024)

static const char *const actuator_names[] = {
  [BALLAST_ACTUATOR_AUTO] = "auto",
  [BALLAST_ACTUATOR_BALLOON] = "balloon",
  [BALLAST_ACTUATOR_VIRTIO_MEM] = "virtio-mem",
};

const char *
ballast_actuator_to_string (BallastActuator actuator)
{
  return (guint) actuator < G_N_ELEMENTS (actuator_names) ? actuator_names[actuator] : "auto";
}

gboolean
ballast_actuator_from_string (const char *text, BallastActuator *ret_actuator)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (actuator_names); i++)
    if (strcmp (text, actuator_names[i]) == 0)
      {
        *ret_actuator = (BallastActuator) i;
        return TRUE;
      }
  return FALSE;
}

void
ballast_policy_init_defaults (BallastPolicy *policy)
{
  *policy = (BallastPolicy) {
    /* max(10% of the budget, 1 GiB): enough for the host's own page cache
     * and QEMU's overheads on small and large hosts alike. */
    .reserve = { .is_relative = TRUE, .permille = 100 },
    .reserve_floor_kib = 1024 * MIB_IN_KIB,
    .band_kib = 64 * MIB_IN_KIB,
    .min_change_kib = 16 * MIB_IN_KIB,
    .psi_emergency_centipct = 1000, /* 10% of the time stalled on memory */
    .guest_defaults = {
      .min = { .is_relative = FALSE, .kib = 256 * MIB_IN_KIB },
      .shares = 100,
      .headroom_permille = 200,
      .headroom_floor_kib = 128 * MIB_IN_KIB,
      .shrink_step_max_kib = 0,
      .grow_step_max_kib = 0,
      .exclude = FALSE,
    },
    .shrink_fraction_permille = 500,
    .emergency_headroom_kib = 48 * MIB_IN_KIB,
    .swap_in_threshold_kib_per_sec = 1024,
    .major_fault_threshold_per_sec = 100,
    .low_watermark_kib = 48 * MIB_IN_KIB,
    .pressure_grow_kib = 128 * MIB_IN_KIB,
    .growth_lookahead_sec = 5,
    .regrow_delay_sec = 30,
    .loan_time_sec = 300,
    .partial_stats_headroom_percent = 200,
    .stuck_retry_sec = 60,
    .spikes = {
      .half_life_sec = 3600,
      .lead_sec = 60,
      .jump_kib = 256 * MIB_IN_KIB,
      .jump_window_sec = 30,
    },
  };
}

#define STUCK_RETRY_MAX_SEC 3600

guint
ballast_policy_stuck_retry_sec (const BallastPolicy *policy, guint episode)
{
  guint64 delay = MAX (policy->stuck_retry_sec, 1);
  for (guint i = 1; i < episode && delay < STUCK_RETRY_MAX_SEC; i++)
    delay *= 2;
  return (guint) MIN (delay, MAX (STUCK_RETRY_MAX_SEC, policy->stuck_retry_sec));
}

guint64
ballast_policy_reserve_kib (const BallastPolicy *policy, guint64 total_kib)
{
  return MAX (ballast_amount_resolve_kib (&policy->reserve, total_kib),
              policy->reserve_floor_kib);
}
