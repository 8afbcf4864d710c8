/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "memory-actuator.h"

#include "virtio-mem.h"

static guint64
add_saturating (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

static const BallastVirtioMem *
device_at (const BallastDomainConfig *config, guint i)
{
  return config->virtio_mem->pdata[i];
}

BallastActuator
ballast_actuator_resolve (BallastActuator wanted, const BallastDomainConfig *config,
                          const char *virtio_mem_unusable, const char **ret_why)
{
  const char *why = NULL;
  BallastActuator actuator = wanted;
  if (config->virtio_mem->len == 0 || virtio_mem_unusable != NULL)
    {
      if (wanted == BALLAST_ACTUATOR_VIRTIO_MEM)
        why = config->virtio_mem->len == 0 ? "it has no usable virtio-mem device" : virtio_mem_unusable;
      actuator = BALLAST_ACTUATOR_BALLOON;
    }
  else if (wanted == BALLAST_ACTUATOR_AUTO && ballast_domain_config_fixed_reason (config) != NULL)
    /* Its balloon frees nothing: inflating it would only take memory from
     * the guest. Not said: this is what auto means. */
    actuator = BALLAST_ACTUATOR_VIRTIO_MEM;
  if (ret_why != NULL)
    *ret_why = why;
  return actuator;
}

/* Asks the devices for WANT_KIB in all, each in whole blocks within its
 * size and not below what it holds: filled in document order, so the last
 * device is the first to be emptied. Returns what they were asked for in
 * all, RET_ROUNDED_KIB of it only for a block's sake. */
static guint64
fill_devices (const BallastDomainConfig *config, guint64 want_kib, const guint64 *held_kib,
              guint64 *ret_requested_kib, guint64 *ret_rounded_kib)
{
  guint64 total = 0;
  *ret_rounded_kib = 0;
  guint64 left = want_kib;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = device_at (config, i);
      guint64 held = held_kib != NULL ? MIN (held_kib[i], device->size_kib) : 0;
      /* Rounded up: a guest is never given less than decided for a
       * block's sake. */
      guint64 block = MAX (device->block_kib, 1);
      guint64 wanted = MIN (left, device->size_kib);
      guint64 requested = wanted % block == 0 ? wanted
                                              : MIN (wanted - wanted % block + block, device->size_kib);
      if (requested >= held)
        *ret_rounded_kib = add_saturating (*ret_rounded_kib, requested - wanted);
      requested = ballast_virtio_mem_round_kib (device, MAX (requested, held));
      ret_requested_kib[i] = requested;
      left = left > requested ? left - requested : 0;
      total = add_saturating (total, requested);
    }
  return total;
}

void
ballast_actuation_split (const BallastDomainConfig *config, BallastActuator actuator,
                         guint64 guest_kib, const guint64 *held_kib, guint64 *ret_balloon_kib,
                         guint64 *ret_requested_kib)
{
  guint64 boot = ballast_domain_config_balloon_max_kib (config);
  if (actuator == BALLAST_ACTUATOR_BALLOON || config->virtio_mem->len == 0)
    {
      for (guint i = 0; i < config->virtio_mem->len; i++)
        ret_requested_kib[i] = device_at (config, i)->requested_kib;
      *ret_balloon_kib = ballast_domain_config_balloon_kib (config, guest_kib);
      return;
    }
  guint64 above_boot = guest_kib > boot ? guest_kib - boot : 0;
  guint64 rounded;
  guint64 plugged = fill_devices (config, above_boot, held_kib, ret_requested_kib, &rounded);
  if (actuator == BALLAST_ACTUATOR_VIRTIO_MEM)
    {
      *ret_balloon_kib = boot;
      return;
    }
  /* auto: the balloon takes what the devices do not, within the boot
   * memory, and keeps some of it while anything stays plugged. Not what
   * they were given for a block's sake: a balloon moved by less than a
   * block at every change only churns. */
  guint64 counted = plugged > rounded ? plugged - rounded : 0;
  guint64 balloon = guest_kib > counted ? guest_kib - counted : 0;
  guint64 least = plugged > 0 ? MIN (BALLAST_BALLOON_ON_TOP_MIN_KIB, boot) : 0;
  *ret_balloon_kib = CLAMP (balloon, least, boot);
}

guint64
ballast_actuation_guest_kib (const BallastDomainConfig *config, BallastActuator actuator,
                             guint64 balloon_kib)
{
  if (actuator == BALLAST_ACTUATOR_BALLOON)
    return ballast_domain_config_guest_kib (config, balloon_kib);
  guint64 guest = balloon_kib;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    guest = add_saturating (guest, device_at (config, i)->requested_kib);
  return guest;
}

guint64
ballast_actuation_least_guest_kib (const BallastDomainConfig *config, BallastActuator actuator,
                                   const guint64 *held_kib)
{
  if (actuator == BALLAST_ACTUATOR_BALLOON)
    return ballast_domain_config_least_guest_kib (config);
  guint64 boot = ballast_domain_config_balloon_max_kib (config);
  guint64 held = 0;
  for (guint i = 0; i < config->virtio_mem->len && held_kib != NULL; i++)
    held = add_saturating (held, ballast_virtio_mem_round_kib (device_at (config, i), held_kib[i]));
  if (actuator == BALLAST_ACTUATOR_VIRTIO_MEM)
    return add_saturating (boot, held);
  return held > 0 ? add_saturating (held, MIN (BALLAST_BALLOON_ON_TOP_MIN_KIB, boot)) : 0;
}
