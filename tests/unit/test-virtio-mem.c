/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virtio-mem devices in domain XML: a live domain captured from libvirt,
 * a hand-written two-node one, the update ballastd sends, and device XML
 * libvirt would refuse, which is left out with a message naming domain,
 * line and field while the rest of the domain still parses. */
#include "ballast-error.h"
#include "domain-config.h"
#include "virtio-mem.h"
#include "xml-util.h"
#include "scratch-tree.h"

#include <string.h>

#define MIB 1024ull
#define GIB (1024ull * 1024ull)

static BallastDomainConfig *
parse_fixture (const char *name)
{
  g_autofree char *xml = scratch_load_fixture (name);
  g_autoptr(GError) error = NULL;
  BallastDomainConfig *config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static const BallastVirtioMem *
device_at (const BallastDomainConfig *config, guint i)
{
  g_assert_cmpuint (config->virtio_mem->len, >, i);
  return config->virtio_mem->pdata[i];
}

static void
test_two_nodes (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("domains/virtio-mem-two-nodes.xml");
  g_assert_null (config->virtio_mem_problem);
  /* The <memory model='dimm'> between them is no virtio-mem device. */
  g_assert_cmpuint (config->virtio_mem->len, ==, 2);
  const BallastVirtioMem *first = device_at (config, 0);
  g_assert_cmpint (first->node, ==, 0);
  g_assert_cmpuint (first->size_kib, ==, 2 * GIB);
  g_assert_cmpuint (first->block_kib, ==, 2 * MIB);
  g_assert_cmpuint (first->requested_kib, ==, 512 * MIB);
  g_assert_false (first->has_current); /* an inactive definition */
  g_assert_null (first->alias);
  g_assert_cmpint (first->line, ==, 19);
  g_autofree char *name = ballast_virtio_mem_describe (first);
  g_assert_cmpstr (name, ==, "virtio-mem device at line 19");
  const BallastVirtioMem *second = device_at (config, 1);
  g_assert_cmpint (second->node, ==, 1);
  g_assert_cmpuint (second->block_kib, ==, 4 * MIB);
  g_assert_cmpuint (second->requested_kib, ==, 0);
  /* The balloon is read as before. */
  g_assert_true (config->has_balloon);
  g_assert_cmpuint (config->max_kib, ==, 6 * GIB);
}

/* Captured from a running TCG guest (512 MiB boot memory, a 1 GiB device
 * with 512 MiB plugged): libvirt's <memory> counts the device's size, its
 * <currentMemory> what is plugged. */
static void
test_live_capture (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("libvirt/running-domain-virtio-mem.xml");
  g_assert_null (config->virtio_mem_problem);
  const BallastVirtioMem *device = device_at (config, 0);
  g_assert_cmpstr (device->alias, ==, "virtiomem0");
  g_assert_true (device->has_current);
  g_assert_cmpuint (device->current_kib, ==, 512 * MIB);
  g_assert_cmpuint (device->requested_kib, ==, 512 * MIB);
  g_assert_cmpuint (config->max_kib, ==, 1536 * MIB);
  g_assert_cmpuint (ballast_domain_config_balloon_max_kib (config), ==, 512 * MIB);
  g_assert_cmpuint (ballast_domain_config_virtio_mem_plugged_kib (config), ==, 512 * MIB);
  g_autofree char *name = ballast_virtio_mem_describe (device);
  g_assert_cmpstr (name, ==, "virtiomem0");
  /* libvirt finds the device to update by its alias and address, and
   * refuses a change of anything but <requested> (measured: without the
   * alias "memory '(null)' not found", without <node> "cannot modify
   * memory targetNode"). */
  g_autoptr(GError) error = NULL;
  g_autofree char *update = ballast_virtio_mem_update_xml (device, 256 * MIB, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (update, "<alias name=\"virtiomem0\"/>"));
  g_assert_nonnull (strstr (update, "<address type=\"pci\""));
  g_assert_nonnull (strstr (update, "<node>0</node>"));
  g_assert_nonnull (strstr (update, "<block unit=\"KiB\">2048</block>"));
  g_assert_nonnull (strstr (update, "<requested unit=\"KiB\">262144</requested>"));
}

static void
test_no_devices (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("libvirt/running-domain-g1.xml");
  g_assert_nonnull (config->virtio_mem);
  g_assert_cmpuint (config->virtio_mem->len, ==, 0);
  g_assert_null (config->virtio_mem_problem);
  /* Without plugged memory the balloon is the guest. */
  g_assert_cmpuint (ballast_domain_config_balloon_max_kib (config), ==, config->max_kib);
  g_assert_cmpuint (ballast_domain_config_guest_kib (config, 300 * MIB), ==, 300 * MIB);
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 300 * MIB), ==, 300 * MIB);
  g_assert_cmpuint (ballast_domain_config_least_guest_kib (config), ==, 0);
}

/* The whole guest and its balloon, on the live capture: 512 MiB of boot
 * memory, 512 MiB plugged. */
static void
test_balloon_on_top (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("libvirt/running-domain-virtio-mem.xml");
  g_assert_cmpuint (ballast_domain_config_guest_kib (config, 128 * MIB), ==, 640 * MIB);
  g_assert_cmpuint (ballast_domain_config_guest_kib (config, G_MAXUINT64), ==, G_MAXUINT64);
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 640 * MIB), ==, 128 * MIB);
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 900 * MIB), ==, 388 * MIB);
  /* Within the boot memory, and never below 128 MiB of it. */
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 2 * GIB), ==, 512 * MIB);
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 300 * MIB), ==, 128 * MIB);
  g_assert_cmpuint (ballast_domain_config_balloon_kib (config, 0), ==, 128 * MIB);
  g_assert_cmpuint (ballast_domain_config_least_guest_kib (config), ==, 640 * MIB);
}

/* Parse the update back: only <requested> moved. */
static void
test_update_xml (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("domains/virtio-mem-two-nodes.xml");
  const BallastVirtioMem *device = device_at (config, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *update = ballast_virtio_mem_update_xml (device, 1536 * MIB, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (update, "<requested unit=\"KiB\">1572864</requested>"));
  g_assert_nonnull (strstr (update, "slot=\"0x06\""));
  g_assert_null (strstr (update, "<domain"));
  g_autoptr(xmlDoc) doc = ballast_xml_parse (update, "update", &error);
  g_assert_no_error (error);
  g_autoptr(BallastVirtioMem) back = ballast_virtio_mem_parse (xmlDocGetRootElement (doc), "vm", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->requested_kib, ==, 1536 * MIB);
  g_assert_cmpuint (back->size_kib, ==, device->size_kib);
  g_assert_cmpuint (back->block_kib, ==, device->block_kib);
  g_assert_cmpint (back->node, ==, device->node);

  /* Never a request libvirt would refuse. */
  static const guint64 refused[] = { 1000, 2 * GIB + 2 * MIB };
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) bad = NULL;
      g_autofree char *none = ballast_virtio_mem_update_xml (device, refused[i], &bad);
      g_assert_null (none);
      g_assert_error (bad, BALLAST_ERROR, BALLAST_ERROR_RANGE);
      g_assert_nonnull (strstr (bad->message, "virtio-mem device at line 19: cannot request"));
    }
}

static void
test_round (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("domains/virtio-mem-two-nodes.xml");
  const BallastVirtioMem *device = device_at (config, 0);
  g_assert_cmpuint (ballast_virtio_mem_round_kib (device, 3 * MIB), ==, 2 * MIB);
  g_assert_cmpuint (ballast_virtio_mem_round_kib (device, 1 * MIB), ==, 0);
  g_assert_cmpuint (ballast_virtio_mem_round_kib (device, 64 * GIB), ==, 2 * GIB);
}

/* ---- Device XML libvirt would refuse ---- */

typedef struct {
  const char *target;     /* what goes inside <target> */
  const char *message;    /* a part of the problem said */
} BadCase;

static const BadCase bad_cases[] = {
  { "<size unit='MiB'>1024</size><requested unit='MiB'>0</requested>",
    "domain 'bad' line 7: virtio-mem <target> has no <block>" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block>",
    "domain 'bad' line 7: virtio-mem <target> has no <requested>" },
  { "<block unit='KiB'>2048</block><requested unit='MiB'>0</requested>",
    "has no <size>" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>0</block><requested unit='MiB'>0</requested>",
    "virtio-mem <block> 0 KiB is not a power of two" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>3072</block><requested unit='MiB'>0</requested>",
    "virtio-mem <block> 3.0 MiB is not a power of two" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block><requested unit='KiB'>1000</requested>",
    "virtio-mem <requested> 1000 KiB is not a whole number of <block> 2.0 MiB" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block><requested unit='MiB'>2048</requested>",
    "virtio-mem <requested> 2.0 GiB is above <size> 1.0 GiB" },
  { "<size unit='KiB'>1049600</size><block unit='KiB'>2048</block><requested unit='MiB'>0</requested>",
    "virtio-mem <size> 1.0 GiB is not a whole number of <block> 2.0 MiB" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block><requested unit='MiB'>0</requested>"
    "<current unit='MiB'>1026</current>",
    "virtio-mem <current> 1.0 GiB is above <size> 1.0 GiB" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block><requested unit='MiB'>0</requested>"
    "<node>first</node>",
    "virtio-mem <node> 'first' is not a NUMA node number" },
  { "<size unit='MiB'>1024</size><block unit='KiB'>2048</block><requested unit='MiB'>zero</requested>",
    "domain 'bad' virtio-mem device line 9: <requested>: 'zero' is not an unsigned integer" },
  { "<size unit='parsecs'>1024</size><block unit='KiB'>2048</block><requested unit='MiB'>0</requested>",
    "domain 'bad' virtio-mem device line 9: <size>: unknown unit 'parsecs'" },
  { NULL, "domain 'bad' line 7: <memory model='virtio-mem'> has no <target>" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *device = c->target != NULL
                              ? g_strdup_printf ("<memory model='virtio-mem'>\n<target>\n%s</target></memory>",
                                                 c->target)
                              : g_strdup ("<memory model='virtio-mem'/>");
  /* A good device after the bad one is still read. */
  g_autofree char *xml = g_strdup_printf (
    "<domain type='kvm'>\n<name>bad</name>\n<memory unit='MiB'>4096</memory>\n"
    "<devices>\n<memballoon model='virtio'/>\n\n%s\n"
    "<memory model='virtio-mem'><target><size unit='MiB'>512</size>"
    "<block unit='MiB'>2</block><requested unit='MiB'>128</requested></target></memory>\n"
    "</devices>\n</domain>\n", device);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_true (config->has_balloon);
  g_assert_nonnull (config->virtio_mem_problem);
  if (strstr (config->virtio_mem_problem, c->message) == NULL)
    g_error ("problem '%s' does not say '%s'", config->virtio_mem_problem, c->message);
  g_assert_cmpuint (config->virtio_mem->len, ==, 1);
  g_assert_cmpuint (device_at (config, 0)->requested_kib, ==, 128 * MIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virtio-mem/two-nodes", test_two_nodes);
  g_test_add_func ("/virtio-mem/live-capture", test_live_capture);
  g_test_add_func ("/virtio-mem/no-devices", test_no_devices);
  g_test_add_func ("/virtio-mem/balloon-on-top", test_balloon_on_top);
  g_test_add_func ("/virtio-mem/update-xml", test_update_xml);
  g_test_add_func ("/virtio-mem/round", test_round);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/virtio-mem/bad/%zu", i);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
