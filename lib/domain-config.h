/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The namespace of ballast's per-domain tuning inside <metadata>. */
#define BALLAST_TUNING_NS "urn:ballast:tuning:1"

/* What ballast needs from a domain's XML. Sizes in KiB. */
typedef struct {
  char *name;
  char *uuid;
  char *domain_type;            /* "kvm", "qemu", "test", ... */
  guint64 max_kib;              /* <memory>: the most the balloon can give */
  guint64 current_kib;          /* <currentMemory>, or <memory> when absent */
  gboolean has_balloon;         /* a <memballoon> whose model is not "none" */
  char *balloon_model;          /* "virtio", "none", ...; NULL without the element */
  gboolean autodeflate;         /* <memballoon autodeflate='on'> */
  gboolean free_page_reporting; /* <memballoon freePageReporting='on'> */
  guint stats_period_sec;       /* <stats period='N'/>; 0 when absent */
  guint64 min_guarantee_kib;    /* <memtune><min_guarantee>; 0 when absent */
  gboolean nosharepages;        /* <memoryBacking><nosharepages/> */

  /* Where a balloon frees no host memory (see ballast_domain_config_fixed_reason()). */
  char *vfio_device;            /* the first device assigned through VFIO, as
                                 * "<hostdev type='pci'> at line 40", or NULL */
  gboolean hugepages;           /* <memoryBacking><hugepages/> */
  gboolean locked;              /* <memoryBacking><locked/> */
  gboolean balloon_model_unknown; /* a model libvirt's QEMU driver does not have */
  char *conflict;               /* what in the XML contradicts itself, with
                                 * lines, for the log; NULL when nothing does */
  GPtrArray *virtio_mem;        /* BallastVirtioMem*: its <memory model='virtio-mem'>
                                 * devices, in document order; never NULL */
  char *virtio_mem_problem;     /* why a virtio-mem device was left out (the
                                 * first such), naming domain, line and field */
  char *tuning_xml;             /* the <ballast:tuning> element, serialized, or NULL */
  char *run_state_xml;          /* ballastd's live state element (lib/run-state.h), or NULL */
  gboolean run_state_in_definition; /* the persistent definition has one too (set
                                      * by whoever fetched that, not the parser) */
} BallastDomainConfig;

/* Parse domain XML as virDomainGetXMLDesc() returns it. Requires <name> and
 * <memory>; everything else is optional. Errors name the line. */
BallastDomainConfig *ballast_domain_config_parse (const char *xml, GError **error);

void ballast_domain_config_free (BallastDomainConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastDomainConfig, ballast_domain_config_free)

/* The most its balloon can hold: <memory> less what its virtio-mem
 * devices could plug. QEMU's balloon covers the guest's boot memory only;
 * plugged virtio-mem memory comes on top of what the balloon reports. */
guint64 ballast_domain_config_balloon_max_kib (const BallastDomainConfig *config);

/* What its virtio-mem devices have plugged now (<current>, live XML);
 * 0 without devices or before the guest reports. */
guint64 ballast_domain_config_virtio_mem_plugged_kib (const BallastDomainConfig *config);

/* The allocator decides a guest's whole memory; the balloon moves its boot
 * memory only, with what the virtio-mem devices plugged on top (ballast
 * does not move virtio-mem yet). A balloon size in the allocator's terms:
 * the balloon's plus what is plugged (saturating). */
guint64 ballast_domain_config_guest_kib (const BallastDomainConfig *config, guint64 balloon_kib);

/* The other way: the balloon target for a whole-guest size GUEST_KIB,
 * within the boot memory and never below BALLAST_BALLOON_ON_TOP_MIN_KIB of
 * it while memory is plugged. */
guint64 ballast_domain_config_balloon_kib (const BallastDomainConfig *config, guint64 guest_kib);

/* Below this much boot memory a balloon target is not taken, even when the
 * allocator wants less than what is plugged: a balloon holding all of the
 * boot memory is a case QEMU and guest drivers handle badly, and what is
 * plugged keeps the guest above its floor anyway. */
#define BALLAST_BALLOON_ON_TOP_MIN_KIB (128 * 1024)

/* The least the guest can be taken to while ballast does not unplug: what
 * is plugged and the boot memory the balloon leaves it; 0 without plugged
 * memory. */
guint64 ballast_domain_config_least_guest_kib (const BallastDomainConfig *config);

/* Why a domain cannot be managed by ballooning, judged from its config
 * alone; NULL when it can. A static string. */
const char *ballast_domain_config_unmanaged_reason (const BallastDomainConfig *config);

/* Why inflating this domain's balloon would free no host memory, judged
 * from its config alone; NULL when it would. A static string. Such a guest
 * is "fixed": never shrunk, counted at its full size, grown only to its
 * need. VFIO (an assigned PCI or mediated device, an SR-IOV interface, an
 * NVMe disk through QEMU's userspace driver) pins all guest memory and
 * QEMU refuses to inflate; hugetlbfs pages stay allocated to the guest's
 * backing file; locked memory stays resident. An unknown balloon model or
 * a contradictory XML is fixed too: counting on a balloon ballast does not
 * understand is what hurts guests. */
const char *ballast_domain_config_fixed_reason (const BallastDomainConfig *config);

G_END_DECLS
