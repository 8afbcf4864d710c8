/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy.h"

G_BEGIN_DECLS

/* What one virtio-mem device did with what it was asked, followed from
 * its <current> at each look. Pure: a function of the looks fed in.
 *
 * An unplug the guest cannot finish (memory it cannot move) stops with
 * <current> above <requested>, silently: measured on QEMU 7.2, the guest
 * retries by itself only after minutes, and a new request makes it retry
 * at once. So a shortfall that has not moved for
 * BALLAST_VIRTIO_MEM_STUCK_SEC is asked again once; still short, the
 * device is held at what it has and asked no lower until the policy's
 * stuck retry (doubling while it stays stuck, as a balloon's). A device
 * asked for memory that has plugged nothing at all for
 * BALLAST_VIRTIO_MEM_NO_DRIVER_SEC has no driver in the guest. */

#define BALLAST_VIRTIO_MEM_STUCK_SEC 10
#define BALLAST_VIRTIO_MEM_NO_DRIVER_SEC 30

typedef struct {
  guint64 seen_current_kib;
  gint64 moved_usec;        /* when <current> last moved, or it was last asked */
  gboolean ask_again;       /* a stuck unplug, to be asked again */
  gboolean asked_again;     /* ... and it was, once */
  guint64 stuck_at_kib;     /* where it was last found stuck */
  guint64 held_kib;         /* stuck: asked no lower than this ... */
  gint64 retry_usec;        /* ... until then */
  guint stuck_episodes;     /* found stuck this many times in a row */
} BallastVirtioMemTrack;

typedef enum {
  BALLAST_VIRTIO_MEM_STEADY,     /* nothing new */
  BALLAST_VIRTIO_MEM_ASK_AGAIN,  /* an unplug stopped short: to be asked again */
  BALLAST_VIRTIO_MEM_HELD,       /* still short after that: held (held_kib, retry_usec) */
  BALLAST_VIRTIO_MEM_UNPLUGGED,  /* a device found stuck before got to what it was asked */
  BALLAST_VIRTIO_MEM_NO_DRIVER,  /* asked for memory, plugged none */
} BallastVirtioMemEvent;

/* A device first seen with CURRENT_KIB plugged at NOW_USEC. */
void ballast_virtio_mem_track_init (BallastVirtioMemTrack *track, guint64 current_kib, gint64 now_usec);

/* A look at NOW_USEC: the device has CURRENT_KIB plugged and is asked for
 * REQUESTED_KIB. */
BallastVirtioMemEvent ballast_virtio_mem_track_observe (BallastVirtioMemTrack *track,
                                                        const BallastPolicy *policy,
                                                        guint64 current_kib, guint64 requested_kib,
                                                        gint64 now_usec);

/* It was asked at NOW_USEC: anew, or AGAIN for a stuck unplug. */
void ballast_virtio_mem_track_asked (BallastVirtioMemTrack *track, gboolean again, gint64 now_usec);

G_END_DECLS
