/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Following a virtio-mem device's unplugs: one that goes through, one that
 * stops short (asked again once, then held with a retry that doubles, and
 * let go when it finishes), one that is slow but moving (never stuck), a
 * device that plugs nothing (no driver). */
#include "virtio-mem-track.h"

#define SEC G_GINT64_CONSTANT (1000000)
#define MIB G_GUINT64_CONSTANT (1024)

static BallastPolicy policy;

static BallastVirtioMemEvent
look (BallastVirtioMemTrack *track, guint64 current_mib, guint64 requested_mib, gint64 at_sec)
{
  return ballast_virtio_mem_track_observe (track, &policy, current_mib * MIB, requested_mib * MIB,
                                           at_sec * SEC);
}

static void
test_unplug_goes_through (void)
{
  BallastVirtioMemTrack track;
  ballast_virtio_mem_track_init (&track, 1024 * MIB, 0);
  ballast_virtio_mem_track_asked (&track, FALSE, 0);
  /* 128 MiB a second: moving, never stuck, however long it takes. */
  for (gint64 t = 1; t <= 8; t++)
    g_assert_cmpint (look (&track, 1024 - 128 * (guint64) t, 0, t), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpint (look (&track, 0, 0, 60), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpuint (track.held_kib, ==, 0);
}

static void
test_stuck_unplug (void)
{
  BallastVirtioMemTrack track;
  ballast_virtio_mem_track_init (&track, 1024 * MIB, 0);
  ballast_virtio_mem_track_asked (&track, FALSE, 0);
  /* It stops at 768 MiB of the 0 asked. */
  g_assert_cmpint (look (&track, 768, 0, 2), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpint (look (&track, 768, 0, 11), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpint (look (&track, 768, 0, 12), ==, BALLAST_VIRTIO_MEM_ASK_AGAIN);
  /* Said once, until it is asked. */
  g_assert_cmpint (look (&track, 768, 0, 13), ==, BALLAST_VIRTIO_MEM_STEADY);
  ballast_virtio_mem_track_asked (&track, TRUE, 13 * SEC);
  g_assert_cmpint (look (&track, 768, 0, 22), ==, BALLAST_VIRTIO_MEM_STEADY);
  /* Still short 10 s after: held where it is, for the policy's retry. */
  g_assert_cmpint (look (&track, 768, 0, 23), ==, BALLAST_VIRTIO_MEM_HELD);
  g_assert_cmpuint (track.held_kib, ==, 768 * MIB);
  g_assert_cmpint (track.retry_usec, ==, (23 + 60) * SEC);
  g_assert_cmpint (look (&track, 768, 0, 50), ==, BALLAST_VIRTIO_MEM_STEADY);
  /* Held, it is asked for what it has (the split raises <requested> to
   * the hold), and has it: no unplug went through. */
  ballast_virtio_mem_track_asked (&track, FALSE, 30 * SEC);
  g_assert_cmpint (look (&track, 768, 768, 60), ==, BALLAST_VIRTIO_MEM_STEADY);
  /* The retry: let go ... */
  g_assert_cmpint (look (&track, 768, 768, 83), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpuint (track.held_kib, ==, 0);
  g_assert_cmpuint (track.stuck_episodes, ==, 1);
  /* ... asked lower, stuck again, asked again: held twice as long. */
  ballast_virtio_mem_track_asked (&track, FALSE, 83 * SEC);
  g_assert_cmpint (look (&track, 768, 0, 93), ==, BALLAST_VIRTIO_MEM_ASK_AGAIN);
  ballast_virtio_mem_track_asked (&track, TRUE, 93 * SEC);
  g_assert_cmpint (look (&track, 768, 0, 103), ==, BALLAST_VIRTIO_MEM_HELD);
  g_assert_cmpint (track.retry_usec, ==, (103 + 120) * SEC);
  /* Held at 768 MiB, it is asked for that; then the guest frees it after
   * all once asked lower: said, and the count starts afresh. */
  g_assert_cmpint (look (&track, 768, 768, 110), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpint (look (&track, 0, 0, 230), ==, BALLAST_VIRTIO_MEM_UNPLUGGED);
  g_assert_cmpuint (track.stuck_episodes, ==, 0);
  g_assert_cmpint (look (&track, 0, 0, 240), ==, BALLAST_VIRTIO_MEM_STEADY);
}

static void
test_no_driver (void)
{
  BallastVirtioMemTrack track;
  ballast_virtio_mem_track_init (&track, 0, 0);
  g_assert_cmpint (look (&track, 0, 512, 29), ==, BALLAST_VIRTIO_MEM_STEADY);
  g_assert_cmpint (look (&track, 0, 512, 30), ==, BALLAST_VIRTIO_MEM_NO_DRIVER);
  /* One that plugs, however little, has a driver. */
  BallastVirtioMemTrack plugging;
  ballast_virtio_mem_track_init (&plugging, 0, 0);
  g_assert_cmpint (look (&plugging, 2, 512, 40), ==, BALLAST_VIRTIO_MEM_STEADY);
  /* Nothing asked, nothing plugged: fine. */
  BallastVirtioMemTrack idle;
  ballast_virtio_mem_track_init (&idle, 0, 0);
  g_assert_cmpint (look (&idle, 0, 0, 100), ==, BALLAST_VIRTIO_MEM_STEADY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ballast_policy_init_defaults (&policy);
  g_assert_cmpuint (policy.stuck_retry_sec, ==, 60);
  g_test_add_func ("/virtio-mem-track/unplug-goes-through", test_unplug_goes_through);
  g_test_add_func ("/virtio-mem-track/stuck-unplug", test_stuck_unplug);
  g_test_add_func ("/virtio-mem-track/no-driver", test_no_driver);
  return g_test_run ();
}
