/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* A virtio-mem device of a domain, as its XML describes it:
 *
 *   <memory model='virtio-mem'>
 *     <target>
 *       <size unit='KiB'>1048576</size>       the most it can ever plug
 *       <node>0</node>                         the guest NUMA node
 *       <block unit='KiB'>2048</block>         what is plugged or unplugged at once
 *       <requested unit='KiB'>524288</requested>  what the host asks the guest to have
 *       <current unit='KiB'>524288</current>   what the guest has plugged (live XML only)
 *     </target>
 *     <alias name='virtiomem0'/>               (live XML only)
 *   </memory>
 *
 * The plugged size changes live by handing libvirt the device XML with
 * nothing but <requested> changed (virDomainUpdateDeviceFlags); the guest
 * follows in blocks, and may plug or unplug less than asked. Sizes in KiB. */
typedef struct {
  char *alias;              /* NULL in an inactive definition */
  gint node;                /* -1 without <node> */
  guint64 size_kib;
  guint64 block_kib;
  guint64 requested_kib;
  gboolean has_current;     /* <current> is in the live XML only */
  guint64 current_kib;
  long line;                /* of the <memory> element, for messages */
  char *device_xml;         /* the element as libvirt gave it, the base of an update */
} BallastVirtioMem;

void ballast_virtio_mem_free (BallastVirtioMem *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastVirtioMem, ballast_virtio_mem_free)

/* Whether NODE, a child of <devices>, is a <memory model='virtio-mem'>. */
gboolean ballast_virtio_mem_is_device (xmlNode *node);

/* Read the <memory model='virtio-mem'> element MEMORY of domain DOMAIN_NAME.
 * Errors name the domain, the line and the field: a missing or zero
 * <block> (or one that is not a power of two), a <size> or <requested>
 * that is not a whole number of blocks, <requested> or <current> above
 * <size>. */
BallastVirtioMem *ballast_virtio_mem_parse (xmlNode *memory, const char *domain_name,
                                            GError **error);

/* The device XML that asks DEVICE for REQUESTED_KIB: its own element with
 * nothing but <requested> changed, as virDomainUpdateDeviceFlags wants it.
 * REQUESTED_KIB must be a whole number of blocks within the size. */
char *ballast_virtio_mem_update_xml (const BallastVirtioMem *device, guint64 requested_kib,
                                     GError **error);

/* KIB rounded down to a whole number of DEVICE's blocks, at most its size. */
guint64 ballast_virtio_mem_round_kib (const BallastVirtioMem *device, guint64 kib);

/* "virtiomem0", or "virtio-mem device at line 42" before it has an alias. */
char *ballast_virtio_mem_describe (const BallastVirtioMem *device);

G_END_DECLS
