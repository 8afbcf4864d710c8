/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* From the allocator's one size per guest to a balloon target and the
 * virtio-mem devices' <requested>: which actuator is in force, the split
 * under each (whole blocks, the last device emptied first, held devices
 * kept), the guest's size back from it, the least it can be taken to, and
 * invariants over random sizes (every request one libvirt takes). */
#include "memory-actuator.h"
#include "virtio-mem.h"
#include "scratch-tree.h"

#define MIB 1024ull
#define GIB (1024ull * 1024ull)

static BallastDomainConfig *
two_nodes (void)
{
  /* 6 GiB <memory>: 2 GiB of boot memory, two devices of 2 GiB (blocks of
   * 2 and 4 MiB; 512 MiB and nothing requested). */
  g_autofree char *xml = scratch_load_fixture ("domains/virtio-mem-two-nodes.xml");
  g_autoptr(GError) error = NULL;
  BallastDomainConfig *config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ballast_domain_config_balloon_max_kib (config), ==, 2 * GIB);
  return config;
}

static void
split (const BallastDomainConfig *config, BallastActuator actuator, guint64 guest_kib,
       const guint64 *held, guint64 balloon, guint64 first, guint64 second)
{
  guint64 got_balloon, requested[2];
  ballast_actuation_split (config, actuator, guest_kib, held, &got_balloon, requested);
  g_assert_cmpuint (got_balloon, ==, balloon);
  g_assert_cmpuint (requested[0], ==, first);
  g_assert_cmpuint (requested[1], ==, second);
}

static void
test_resolve (void)
{
  g_autoptr(BallastDomainConfig) config = two_nodes ();
  const char *why = NULL;
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_AUTO, config, NULL, &why), ==,
                   BALLAST_ACTUATOR_AUTO);
  g_assert_null (why);
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_BALLOON, config, NULL, &why), ==,
                   BALLAST_ACTUATOR_BALLOON);
  /* Devices that cannot be used: the balloon, and why when it was not
   * what was asked. */
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_VIRTIO_MEM, config, "no driver", &why),
                   ==, BALLAST_ACTUATOR_BALLOON);
  g_assert_cmpstr (why, ==, "no driver");
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_AUTO, config, "no driver", &why), ==,
                   BALLAST_ACTUATOR_BALLOON);
  g_assert_null (why);
  /* A balloon that frees nothing (VFIO): auto is virtio-mem. */
  config->vfio_device = g_strdup ("<hostdev type='pci'> at line 50");
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_AUTO, config, NULL, &why), ==,
                   BALLAST_ACTUATOR_VIRTIO_MEM);
  g_assert_null (why);

  /* No devices at all. */
  g_autofree char *xml = scratch_load_fixture ("libvirt/running-domain-g1.xml");
  g_autoptr(BallastDomainConfig) plain = ballast_domain_config_parse (xml, NULL);
  g_assert_nonnull (plain);
  g_assert_cmpint (ballast_actuator_resolve (BALLAST_ACTUATOR_VIRTIO_MEM, plain, NULL, &why), ==,
                   BALLAST_ACTUATOR_BALLOON);
  g_assert_nonnull (why);
}

static void
test_split_auto (void)
{
  g_autoptr(BallastDomainConfig) config = two_nodes ();
  /* Above the boot memory: the devices, in order, rounded up to a block
   * (the guest gets the odd MiB); the balloon stays at the boot memory
   * rather than move by less than a block. */
  split (config, BALLAST_ACTUATOR_AUTO, 3 * GIB + 1 * MIB, NULL, 2 * GIB, 1026 * MIB, 0);
  split (config, BALLAST_ACTUATOR_AUTO, 5 * GIB, NULL, 2 * GIB, 2 * GIB, 1 * GIB);
  split (config, BALLAST_ACTUATOR_AUTO, 5 * GIB + 1 * MIB, NULL, 2 * GIB, 2 * GIB, 1 * GIB + 4 * MIB);
  /* Beyond what all can hold: everything. */
  split (config, BALLAST_ACTUATOR_AUTO, 7 * GIB, NULL, 2 * GIB, 2 * GIB, 2 * GIB);
  /* Below the boot memory: nothing plugged, the balloon below. */
  split (config, BALLAST_ACTUATOR_AUTO, 1 * GIB, NULL, 1 * GIB, 0, 0);
  /* A device stuck at 256 MiB keeps it; the balloon gives up the rest,
   * but not below 128 MiB while something is plugged. */
  const guint64 held_second[2] = { 0, 256 * MIB };
  split (config, BALLAST_ACTUATOR_AUTO, 1 * GIB, held_second, 768 * MIB, 0, 256 * MIB);
  const guint64 held_first[2] = { 512 * MIB, 0 };
  split (config, BALLAST_ACTUATOR_AUTO, 100 * MIB, held_first, 128 * MIB, 512 * MIB, 0);
}

static void
test_split_virtio_mem_and_balloon (void)
{
  g_autoptr(BallastDomainConfig) config = two_nodes ();
  /* virtio-mem alone: the balloon stays at the boot memory. */
  split (config, BALLAST_ACTUATOR_VIRTIO_MEM, 1 * GIB, NULL, 2 * GIB, 0, 0);
  split (config, BALLAST_ACTUATOR_VIRTIO_MEM, 3 * GIB + 1 * MIB, NULL, 2 * GIB, 1026 * MIB, 0);
  /* The balloon alone: the devices keep what they were asked for (the
   * definition has no <current>: nothing plugged, the balloon is the
   * guest). */
  split (config, BALLAST_ACTUATOR_BALLOON, 1 * GIB, NULL, 1 * GIB, 512 * MIB, 0);
}

static void
test_guest_and_least (void)
{
  g_autoptr(BallastDomainConfig) config = two_nodes ();
  /* What the devices were asked for counts under virtio-mem and auto. */
  g_assert_cmpuint (ballast_actuation_guest_kib (config, BALLAST_ACTUATOR_AUTO, 2 * GIB), ==,
                    2 * GIB + 512 * MIB);
  g_assert_cmpuint (ballast_actuation_guest_kib (config, BALLAST_ACTUATOR_BALLOON, 2 * GIB), ==,
                    2 * GIB);
  g_assert_cmpuint (ballast_actuation_least_guest_kib (config, BALLAST_ACTUATOR_VIRTIO_MEM, NULL),
                    ==, 2 * GIB);
  g_assert_cmpuint (ballast_actuation_least_guest_kib (config, BALLAST_ACTUATOR_AUTO, NULL), ==, 0);
  const guint64 held[2] = { 512 * MIB, 0 };
  g_assert_cmpuint (ballast_actuation_least_guest_kib (config, BALLAST_ACTUATOR_AUTO, held), ==,
                    640 * MIB);
  g_assert_cmpuint (ballast_actuation_least_guest_kib (config, BALLAST_ACTUATOR_VIRTIO_MEM, held),
                    ==, 2 * GIB + 512 * MIB);
}

/* Over random sizes and holds: every request is one libvirt takes (whole
 * blocks within the size, so the update XML is made), never below what a
 * device holds, and the guest gets at least what was decided, up to what
 * it can have. */
static void
test_random_invariants (void)
{
  g_autofree char *xml = scratch_load_fixture ("libvirt/running-domain-virtio-mem.xml");
  g_autoptr(BallastDomainConfig) live = ballast_domain_config_parse (xml, NULL);
  g_autoptr(BallastDomainConfig) config = two_nodes ();
  BallastDomainConfig *configs[] = { live, config };
  GRand *rand = g_rand_new_with_seed (19);
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    for (guint round = 0; round < 2000; round++)
      {
        BallastDomainConfig *cfg = configs[c];
        guint n = cfg->virtio_mem->len;
        guint64 held[2] = { 0, 0 }, requested[2];
        for (guint i = 0; i < n; i++)
          if (g_rand_boolean (rand))
            held[i] = (guint64) g_rand_int_range (rand, 0, 1024) * 2 * MIB;
        guint64 guest = (guint64) g_rand_int_range (rand, 0, 8 * 1024) * MIB + g_rand_int_range (rand, 0, 1024);
        BallastActuator actuator = (BallastActuator) g_rand_int_range (rand, 0, 3);
        guint64 balloon;
        ballast_actuation_split (cfg, actuator, guest, held, &balloon, requested);
        guint64 boot = ballast_domain_config_balloon_max_kib (cfg);
        g_assert_cmpuint (balloon, <=, MAX (boot, actuator == BALLAST_ACTUATOR_BALLOON ? guest : 0));
        guint64 total = balloon;
        for (guint i = 0; i < n; i++)
          {
            const BallastVirtioMem *device = cfg->virtio_mem->pdata[i];
            g_autoptr(GError) error = NULL;
            g_autofree char *update = ballast_virtio_mem_update_xml (device, requested[i], &error);
            g_assert_no_error (error);
            if (actuator != BALLAST_ACTUATOR_BALLOON)
              {
                g_assert_cmpuint (requested[i], >=, MIN (held[i], device->size_kib) / device->block_kib
                                                        * device->block_kib);
                total += requested[i];
              }
          }
        if (actuator != BALLAST_ACTUATOR_BALLOON)
          g_assert_cmpuint (total, >=, MIN (guest, cfg->max_kib));
      }
  g_rand_free (rand);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/memory-actuator/resolve", test_resolve);
  g_test_add_func ("/memory-actuator/split-auto", test_split_auto);
  g_test_add_func ("/memory-actuator/split-virtio-mem-and-balloon", test_split_virtio_mem_and_balloon);
  g_test_add_func ("/memory-actuator/guest-and-least", test_guest_and_least);
  g_test_add_func ("/memory-actuator/random-invariants", test_random_invariants);
  return g_test_run ();
}
