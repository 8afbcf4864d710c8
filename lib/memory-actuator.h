/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "policy.h"

G_BEGIN_DECLS

/* The allocator decides one memory size per guest; this turns it into what
 * moves it: a balloon target within the boot memory, and a <requested>
 * size per virtio-mem device in whole blocks. Pure.
 *
 *   balloon     the balloon alone; what is plugged stays plugged.
 *   virtio-mem  the devices alone, the balloon deflated (the boot memory
 *               stays): a guest with VFIO devices, whose balloon frees
 *               nothing, or one whose operator wants a true MemTotal.
 *   auto        the devices above the boot memory (whole blocks, unplugged
 *               from the last device first), the balloon below it, once
 *               nothing is plugged; the balloon alone without devices.
 *
 * A device whose unplug is stuck (the guest could not free its blocks) is
 * held: it is not asked below what it still has, and the balloon does the
 * rest where it may. */

/* The actuator in force for a guest that asks for WANTED: balloon where it
 * has no virtio-mem device or they cannot be used (VIRTIO_MEM_UNUSABLE,
 * non-NULL: why, say "no virtio_mem driver in the guest"); auto becomes
 * virtio-mem where the balloon frees nothing (VFIO, hugepages, locked
 * memory). RET_WHY (may be NULL) is set to a static string when the
 * result is not what was asked, else NULL. */
BallastActuator ballast_actuator_resolve (BallastActuator wanted, const BallastDomainConfig *config,
                                          const char *virtio_mem_unusable, const char **ret_why);

/* The balloon target and each device's <requested> (RET_REQUESTED_KIB has
 * one slot per device of CONFIG, in order) that give the guest GUEST_KIB,
 * moved by ACTUATOR (resolved). HELD_KIB (one per device, or NULL): the
 * least each device can be asked for now. Under balloon, every device
 * keeps its <requested>. Where the devices cannot hold all of it, the
 * balloon takes what it can within its bounds. */
void ballast_actuation_split (const BallastDomainConfig *config, BallastActuator actuator,
                              guint64 guest_kib, const guint64 *held_kib, guint64 *ret_balloon_kib,
                              guint64 *ret_requested_kib);

/* The guest's size in the allocator's terms when its balloon is at
 * BALLOON_KIB: the balloon's plus what the devices have plugged (balloon)
 * or were asked for (virtio-mem, auto: what ballast moves them to). */
guint64 ballast_actuation_guest_kib (const BallastDomainConfig *config, BallastActuator actuator,
                                     guint64 balloon_kib);

/* The least the guest can be taken to by ACTUATOR, HELD_KIB as above (or
 * NULL): the boot memory under virtio-mem; else what stays plugged with
 * BALLAST_BALLOON_ON_TOP_MIN_KIB of boot memory on top (0 when nothing
 * stays plugged). */
guint64 ballast_actuation_least_guest_kib (const BallastDomainConfig *config, BallastActuator actuator,
                                           const guint64 *held_kib);

G_END_DECLS
