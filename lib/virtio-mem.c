/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtio-mem.h"

#include "ballast-error.h"
#include "size-units.h"
#include "text-fields.h"
#include "xml-util.h"

#include <string.h>

void
ballast_virtio_mem_free (BallastVirtioMem *device)
{
  if (device == NULL)
    return;
  g_free (device->alias);
  g_free (device->device_xml);
  g_free (device);
}

gboolean
ballast_virtio_mem_is_device (xmlNode *node)
{
  if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "memory") != 0)
    return FALSE;
  g_autofree char *model = ballast_xml_attr (node, "model");
  return g_strcmp0 (model, "virtio-mem") == 0;
}

/* A size under <target>. WHAT names the device ("domain 'NAME' line N")
 * when the field is missing; a bad value is named by its own line. */
static gboolean
read_target_size (xmlNode *target, const char *field, gboolean required, const char *what,
                  const char *domain_name, gboolean *ret_present, guint64 *ret_kib,
                  GError **error)
{
  xmlNode *node = ballast_xml_child (target, field, NULL);
  if (ret_present != NULL)
    *ret_present = node != NULL;
  if (node == NULL)
    {
      if (required)
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                     "%s: virtio-mem <target> has no <%s>", what, field);
      return !required;
    }
  g_autofree char *device = g_strdup_printf ("domain '%s' virtio-mem device", domain_name);
  return ballast_xml_size_kib (node, device, ret_kib, error);
}

static gboolean
fail_range (GError **error, const char *what, const char *field, guint64 kib, const char *why,
            const char *limit_field, guint64 limit_kib)
{
  g_autofree char *value = ballast_size_format_kib (kib);
  g_autofree char *limit = ballast_size_format_kib (limit_kib);
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "%s: virtio-mem <%s> %s %s <%s> %s",
               what, field, value, why, limit_field, limit);
  return FALSE;
}

static gboolean
check_sizes (const BallastVirtioMem *device, const char *what, GError **error)
{
  /* QEMU takes block sizes that are powers of two only. */
  if (device->block_kib == 0 || (device->block_kib & (device->block_kib - 1)) != 0)
    {
      g_autofree char *block = ballast_size_format_kib (device->block_kib);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s: virtio-mem <block> %s is not a power of two", what, block);
      return FALSE;
    }
  if (device->size_kib % device->block_kib != 0)
    return fail_range (error, what, "size", device->size_kib, "is not a whole number of",
                       "block", device->block_kib);
  if (device->requested_kib % device->block_kib != 0)
    return fail_range (error, what, "requested", device->requested_kib,
                       "is not a whole number of", "block", device->block_kib);
  if (device->requested_kib > device->size_kib)
    return fail_range (error, what, "requested", device->requested_kib, "is above", "size",
                       device->size_kib);
  if (device->has_current && device->current_kib > device->size_kib)
    return fail_range (error, what, "current", device->current_kib, "is above", "size",
                       device->size_kib);
  return TRUE;
}

BallastVirtioMem *
ballast_virtio_mem_parse (xmlNode *memory, const char *domain_name, GError **error)
{
  g_autofree char *what = g_strdup_printf ("domain '%s' line %ld", domain_name,
                                           xmlGetLineNo (memory));
  xmlNode *target = ballast_xml_child (memory, "target", NULL);
  if (target == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "%s: <memory model='virtio-mem'> has no <target>", what);
      return NULL;
    }
  g_autoptr(BallastVirtioMem) device = g_new0 (BallastVirtioMem, 1);
  device->line = xmlGetLineNo (memory);
  device->node = -1;
  if (!read_target_size (target, "size", TRUE, what, domain_name, NULL, &device->size_kib, error)
      || !read_target_size (target, "block", TRUE, what, domain_name, NULL, &device->block_kib,
                            error)
      || !read_target_size (target, "requested", TRUE, what, domain_name, NULL,
                            &device->requested_kib, error)
      || !read_target_size (target, "current", FALSE, what, domain_name, &device->has_current,
                            &device->current_kib, error))
    return NULL;

  xmlNode *node = ballast_xml_child (target, "node", NULL);
  if (node != NULL)
    {
      g_autofree char *text = ballast_xml_text (node);
      guint64 value = 0;
      if (!ballast_parse_u64 (text, strlen (text), &value) || value > G_MAXINT)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s: virtio-mem <node> '%.40s' is not a NUMA node number", what, text);
          return NULL;
        }
      device->node = (gint) value;
    }
  if (!check_sizes (device, what, error))
    return NULL;

  xmlNode *alias = ballast_xml_child (memory, "alias", NULL);
  if (alias != NULL)
    device->alias = ballast_xml_attr (alias, "name");
  device->device_xml = ballast_xml_serialize (memory);
  return g_steal_pointer (&device);
}

char *
ballast_virtio_mem_update_xml (const BallastVirtioMem *device, guint64 requested_kib,
                               GError **error)
{
  g_autofree char *what = ballast_virtio_mem_describe (device);
  if (requested_kib > device->size_kib || device->block_kib == 0
      || requested_kib % device->block_kib != 0)
    {
      g_autofree char *size = ballast_size_format_kib (requested_kib);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s: cannot request %s: not a whole number of blocks within its size", what,
                   size);
      return NULL;
    }
  g_autoptr(xmlDoc) doc = ballast_xml_parse (device->device_xml, what, error);
  if (doc == NULL)
    return NULL;
  xmlNode *target = ballast_xml_child (xmlDocGetRootElement (doc), "target", NULL);
  xmlNode *requested = ballast_xml_child (target, "requested", NULL);
  if (requested == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: <requested> is missing",
                   what);
      return NULL;
    }
  char number[32];
  g_snprintf (number, sizeof number, "%" G_GUINT64_FORMAT, requested_kib);
  xmlNodeSetContent (requested, (const xmlChar *) number);
  xmlSetProp (requested, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  return ballast_xml_serialize (xmlDocGetRootElement (doc));
}

guint64
ballast_virtio_mem_round_kib (const BallastVirtioMem *device, guint64 kib)
{
  kib = MIN (kib, device->size_kib);
  return device->block_kib > 0 ? kib - kib % device->block_kib : kib;
}

char *
ballast_virtio_mem_describe (const BallastVirtioMem *device)
{
  if (device->alias != NULL)
    return g_strdup (device->alias);
  return g_strdup_printf ("virtio-mem device at line %ld", device->line);
}
