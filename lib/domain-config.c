/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "domain-config.h"

#include "ballast-error.h"
#include "run-state.h"
#include "text-fields.h"
#include "virtio-mem.h"
#include "xml-util.h"

#include <string.h>

void
ballast_domain_config_free (BallastDomainConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->name);
  g_free (config->uuid);
  g_free (config->domain_type);
  g_free (config->balloon_model);
  g_free (config->vfio_device);
  g_free (config->conflict);
  g_clear_pointer (&config->virtio_mem, g_ptr_array_unref);
  g_free (config->virtio_mem_problem);
  g_free (config->tuning_xml);
  g_free (config->run_state_xml);
  g_free (config);
}

/* The balloon models of libvirt's QEMU driver. */
static gboolean
balloon_model_known (const char *model)
{
  static const char *const models[] = { "virtio", "virtio-transitional", "virtio-non-transitional",
                                        "xen", "none" };
  for (gsize i = 0; i < G_N_ELEMENTS (models); i++)
    if (strcmp (model, models[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_balloon (xmlNode *balloon, BallastDomainConfig *config, GError **error)
{
  config->balloon_model = ballast_xml_attr (balloon, "model");
  config->has_balloon = config->balloon_model != NULL
                        && strcmp (config->balloon_model, "none") != 0;
  config->balloon_model_unknown = config->balloon_model != NULL
                                  && !balloon_model_known (config->balloon_model);
  config->autodeflate = ballast_xml_attr_on (balloon, "autodeflate", NULL);
  config->free_page_reporting = ballast_xml_attr_on (balloon, "freePageReporting", NULL);

  /* <stats period='2'/>: how often the guest driver reports, in seconds. */
  xmlNode *stats = ballast_xml_child (balloon, "stats", NULL);
  if (stats != NULL)
    {
      g_autofree char *period = ballast_xml_attr (stats, "period");
      guint64 value = 0;
      if (period == NULL || !ballast_parse_u64 (period, strlen (period), &value)
          || value > G_MAXINT)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "domain XML line %ld: <stats period='%s'>: not a number of seconds",
                       xmlGetLineNo (stats), period != NULL ? period : "");
          return FALSE;
        }
      config->stats_period_sec = (guint) value;
    }
  return TRUE;
}

/* Whether DEVICE (a child of <devices>) reaches guest memory through
 * VFIO, which pins all of it for DMA. */
static gboolean
is_vfio_device (xmlNode *device)
{
  const char *name = (const char *) device->name;
  g_autofree char *type = ballast_xml_attr (device, "type");
  if (strcmp (name, "hostdev") == 0)
    {
      /* USB and SCSI host devices are passed through without VFIO. */
      g_autofree char *mode = ballast_xml_attr (device, "mode");
      return (mode == NULL || strcmp (mode, "subsystem") == 0)
             && type != NULL && (strcmp (type, "pci") == 0 || strcmp (type, "mdev") == 0);
    }
  if (strcmp (name, "interface") == 0)
    return type != NULL && strcmp (type, "hostdev") == 0;
  if (strcmp (name, "disk") == 0)
    return type != NULL && strcmp (type, "nvme") == 0;
  return FALSE;
}

static void
find_vfio_devices (xmlNode *devices, BallastDomainConfig *config)
{
  for (xmlNode *device = devices != NULL ? devices->children : NULL; device != NULL;
       device = device->next)
    {
      if (device->type != XML_ELEMENT_NODE || !is_vfio_device (device))
        continue;
      g_autofree char *type = ballast_xml_attr (device, "type");
      config->vfio_device = g_strdup_printf ("<%s type='%s'> at line %ld", device->name, type,
                                             xmlGetLineNo (device));
      return;
    }
}

/* A device libvirt would never have accepted is left out rather than
 * failing the whole domain: its balloon stays managed, and the problem is
 * said once. */
static void
find_virtio_mem_devices (xmlNode *devices, BallastDomainConfig *config)
{
  for (xmlNode *device = devices != NULL ? devices->children : NULL; device != NULL;
       device = device->next)
    {
      if (!ballast_virtio_mem_is_device (device))
        continue;
      g_autoptr(GError) error = NULL;
      BallastVirtioMem *parsed = ballast_virtio_mem_parse (device, config->name, &error);
      if (parsed != NULL)
        g_ptr_array_add (config->virtio_mem, parsed);
      else if (config->virtio_mem_problem == NULL)
        config->virtio_mem_problem = g_strdup (error->message);
    }
}

/* What pins memory twice over, or a balloon ballast cannot read: each is
 * legal XML, but says the balloon is not what it seems. */
static void
find_conflict (xmlNode *backing, xmlNode *balloon, BallastDomainConfig *config)
{
  xmlNode *hugepages = ballast_xml_child (backing, "hugepages", NULL);
  if (config->vfio_device != NULL && hugepages != NULL)
    config->conflict = g_strdup_printf ("domain XML: %s on a guest backed by hugepages (line %ld): "
                                        "no balloon change can free its memory",
                                        config->vfio_device, xmlGetLineNo (hugepages));
  else if (config->balloon_model_unknown)
    config->conflict = g_strdup_printf ("domain XML line %ld: <memballoon model='%s'>: "
                                        "not a balloon model ballast knows",
                                        xmlGetLineNo (balloon), config->balloon_model);
}

BallastDomainConfig *
ballast_domain_config_parse (const char *xml, GError **error)
{
  g_autoptr(xmlDoc) doc = ballast_xml_parse (xml, "domain XML", error);
  if (doc == NULL)
    return NULL;
  xmlNode *root = xmlDocGetRootElement (doc);
  if (strcmp ((const char *) root->name, "domain") != 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "domain XML: root element is <%s>, not <domain>", root->name);
      return NULL;
    }

  g_autoptr(BallastDomainConfig) config = g_new0 (BallastDomainConfig, 1);
  config->virtio_mem = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_virtio_mem_free);
  config->domain_type = ballast_xml_attr (root, "type");

  xmlNode *name = ballast_xml_child (root, "name", NULL);
  if (name == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "domain XML: <name> is missing");
      return NULL;
    }
  config->name = ballast_xml_text (name);
  if (*config->name == '\0')
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "domain XML line %ld: <name> is empty", xmlGetLineNo (name));
      return NULL;
    }
  xmlNode *uuid = ballast_xml_child (root, "uuid", NULL);
  if (uuid != NULL)
    config->uuid = ballast_xml_text (uuid);

  xmlNode *memory = ballast_xml_child (root, "memory", NULL);
  if (memory == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "domain XML of '%s': <memory> is missing", config->name);
      return NULL;
    }
  if (!ballast_xml_size_kib (memory, "domain XML", &config->max_kib, error))
    return NULL;

  xmlNode *current = ballast_xml_child (root, "currentMemory", NULL);
  config->current_kib = config->max_kib;
  if (current != NULL && !ballast_xml_size_kib (current, "domain XML", &config->current_kib, error))
    return NULL;
  if (config->current_kib > config->max_kib)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "domain XML of '%s': <currentMemory> (%" G_GUINT64_FORMAT
                   " KiB) is larger than <memory> (%" G_GUINT64_FORMAT " KiB)",
                   config->name, config->current_kib, config->max_kib);
      return NULL;
    }

  xmlNode *memtune = ballast_xml_child (root, "memtune", NULL);
  xmlNode *min_guarantee = ballast_xml_child (memtune, "min_guarantee", NULL);
  if (min_guarantee != NULL
      && !ballast_xml_size_kib (min_guarantee, "domain XML", &config->min_guarantee_kib, error))
    return NULL;

  xmlNode *backing = ballast_xml_child (root, "memoryBacking", NULL);
  config->nosharepages = ballast_xml_child (backing, "nosharepages", NULL) != NULL;
  config->hugepages = ballast_xml_child (backing, "hugepages", NULL) != NULL;
  config->locked = ballast_xml_child (backing, "locked", NULL) != NULL;

  xmlNode *devices = ballast_xml_child (root, "devices", NULL);
  xmlNode *balloon = ballast_xml_child (devices, "memballoon", NULL);
  if (balloon != NULL && !parse_balloon (balloon, config, error))
    return NULL;
  find_vfio_devices (devices, config);
  find_virtio_mem_devices (devices, config);
  find_conflict (backing, balloon, config);

  xmlNode *metadata = ballast_xml_child (root, "metadata", NULL);
  xmlNode *tuning = ballast_xml_child (metadata, "tuning", BALLAST_TUNING_NS);
  if (tuning != NULL)
    config->tuning_xml = ballast_xml_serialize (tuning);
  xmlNode *run_state = ballast_xml_child (metadata, "state", BALLAST_RUN_STATE_NS);
  if (run_state != NULL)
    config->run_state_xml = ballast_xml_serialize (run_state);

  return g_steal_pointer (&config);
}

/* Sizes from hostile XML may be near 2^64: sums saturate. */
static guint64
add_saturating (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

guint64
ballast_domain_config_balloon_max_kib (const BallastDomainConfig *config)
{
  guint64 devices = 0;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    devices = add_saturating (devices, ((const BallastVirtioMem *) config->virtio_mem->pdata[i])->size_kib);
  return config->max_kib > devices ? config->max_kib - devices : 0;
}

guint64
ballast_domain_config_virtio_mem_plugged_kib (const BallastDomainConfig *config)
{
  guint64 plugged = 0;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      if (device->has_current)
        plugged = add_saturating (plugged, device->current_kib);
    }
  return plugged;
}

guint64
ballast_domain_config_guest_kib (const BallastDomainConfig *config, guint64 balloon_kib)
{
  return add_saturating (balloon_kib, ballast_domain_config_virtio_mem_plugged_kib (config));
}

guint64
ballast_domain_config_balloon_kib (const BallastDomainConfig *config, guint64 guest_kib)
{
  guint64 plugged = ballast_domain_config_virtio_mem_plugged_kib (config);
  if (plugged == 0)
    return guest_kib;
  guint64 balloon_max = ballast_domain_config_balloon_max_kib (config);
  guint64 balloon = guest_kib > plugged ? guest_kib - plugged : 0;
  return CLAMP (balloon, MIN (BALLAST_BALLOON_ON_TOP_MIN_KIB, balloon_max), balloon_max);
}

guint64
ballast_domain_config_least_guest_kib (const BallastDomainConfig *config)
{
  guint64 plugged = ballast_domain_config_virtio_mem_plugged_kib (config);
  if (plugged == 0)
    return 0;
  return add_saturating (plugged, ballast_domain_config_balloon_kib (config, 0));
}

const char *
ballast_domain_config_unmanaged_reason (const BallastDomainConfig *config)
{
  if (config->balloon_model == NULL)
    return "no balloon device";
  if (!config->has_balloon)
    return "balloon model none";
  return NULL;
}

const char *
ballast_domain_config_fixed_reason (const BallastDomainConfig *config)
{
  if (config->balloon_model_unknown)
    return "unknown balloon model (see log): not counted on";
  if (config->vfio_device != NULL)
    return "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation";
  if (config->hugepages)
    return "backed by hugepages: inflating frees no host memory";
  if (config->locked)
    return "memory locked: inflating frees no host memory";
  return NULL;
}
