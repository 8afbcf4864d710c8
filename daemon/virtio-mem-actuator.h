/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "daemon-view.h"
#include "domain-registry.h"
#include "libvirt-worker.h"

G_BEGIN_DECLS

/* Moves a guest's virtio-mem devices (lib/memory-actuator.h decides how
 * much) and follows what they do with it: the guest plugs or unplugs in
 * blocks, and may stop short of an unplug (memory it cannot move): asked
 * again once, then held where it is (lib/virtio-mem-track.h). Only what
 * came back counts: the allocator sees the guest's plugged <current>. A guest that plugs nothing at all
 * (no virtio_mem driver), or a libvirt that cannot resize the device, is
 * said once and left to the balloon. Writes only BallastDomain's
 * virtio_mem record and its config's <requested> after a change. Main
 * thread only. */

/* Resolves DOMAIN's actuator against its devices (its config and tuning
 * are current), said once when it is not what its tuning asks. */
BallastActuator ballast_virtio_mem_resolve (BallastDomain *domain);

/* Follows DOMAIN's devices at NOW_USEC, once per cycle after its config
 * was read. */
void ballast_virtio_mem_observe (BallastDomain *domain, const BallastPolicy *policy, gint64 now_usec);

/* What each device (its config's order) may be asked for at least now:
 * what a stuck one still has, else 0. One slot per device, to g_free(). */
guint64 *ballast_virtio_mem_held (const BallastDomain *domain);

/* What DOMAIN's held devices (a stuck unplug) have, summed; 0 when none
 * is held. RET_RETRY_USEC gets the soonest of their retries (monotonic). */
guint64 ballast_virtio_mem_held_total (const BallastDomain *domain, gint64 *ret_retry_usec);

/* Adds to ACTIONS a change for each device REQUESTED_KIB (config order;
 * NULL: what each was asked for) asks something new of, for REASON (the
 * guest's, in its whole size), and the asking again of a stuck unplug;
 * none for a device without an alias (not running). */
void ballast_virtio_mem_add_changes (BallastDomain *domain, const guint64 *requested_kib,
                                     const char *reason, GPtrArray *actions, gint64 now_usec);

/* Takes the outcome of ITEM (a BALLAST_APPLY_VIRTIO_MEM) for DOMAIN: logs
 * it with the reason it was decided for, keeps the new <requested>, or
 * gives the devices up where libvirt cannot resize them. */
void ballast_virtio_mem_applied (BallastDomain *domain, const BallastApplyItem *item,
                                 BallastDaemonCounters *counters);

/* The domain stopped: nothing of its devices' past holds. */
void ballast_virtio_mem_forget_run (BallastDomain *domain);

G_END_DECLS
