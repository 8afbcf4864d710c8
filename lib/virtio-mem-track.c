/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtio-mem-track.h"

void
ballast_virtio_mem_track_init (BallastVirtioMemTrack *track, guint64 current_kib, gint64 now_usec)
{
  *track = (BallastVirtioMemTrack) { .seen_current_kib = current_kib, .moved_usec = now_usec };
}

BallastVirtioMemEvent
ballast_virtio_mem_track_observe (BallastVirtioMemTrack *track, const BallastPolicy *policy,
                                  guint64 current_kib, guint64 requested_kib, gint64 now_usec)
{
  if (current_kib != track->seen_current_kib)
    {
      track->seen_current_kib = current_kib;
      track->moved_usec = now_usec;
    }
  if (track->held_kib > 0 && now_usec >= track->retry_usec)
    {
      /* Time to try lower again; its stuck count stays until an unplug
       * goes through. */
      track->held_kib = 0;
      track->asked_again = FALSE;
      track->moved_usec = now_usec;
    }
  gint64 still_usec = now_usec - track->moved_usec;
  if (current_kib <= requested_kib)
    {
      track->asked_again = FALSE;
      track->ask_again = FALSE;
      /* Through only below where it stuck: a hold asks for what the
       * device has, and reaching that is no unplug (taking it for one
       * would keep the retry from ever doubling). */
      if (track->stuck_episodes > 0 && current_kib < track->stuck_at_kib)
        {
          track->stuck_episodes = 0;
          return BALLAST_VIRTIO_MEM_UNPLUGGED;
        }
      if (current_kib == 0 && requested_kib > 0
          && still_usec >= (gint64) BALLAST_VIRTIO_MEM_NO_DRIVER_SEC * G_USEC_PER_SEC)
        return BALLAST_VIRTIO_MEM_NO_DRIVER;
      return BALLAST_VIRTIO_MEM_STEADY;
    }
  /* Short of an unplug. */
  if (track->held_kib > 0 || track->ask_again
      || still_usec < (gint64) BALLAST_VIRTIO_MEM_STUCK_SEC * G_USEC_PER_SEC)
    return BALLAST_VIRTIO_MEM_STEADY;
  if (!track->asked_again)
    {
      track->ask_again = TRUE;
      return BALLAST_VIRTIO_MEM_ASK_AGAIN;
    }
  track->stuck_episodes++;
  track->stuck_at_kib = current_kib;
  track->held_kib = current_kib;
  track->retry_usec = now_usec
                      + (gint64) ballast_policy_stuck_retry_sec (policy, track->stuck_episodes) * G_USEC_PER_SEC;
  return BALLAST_VIRTIO_MEM_HELD;
}

void
ballast_virtio_mem_track_asked (BallastVirtioMemTrack *track, gboolean again, gint64 now_usec)
{
  track->asked_again = again;
  track->ask_again = FALSE;
  track->moved_usec = now_usec;
}
