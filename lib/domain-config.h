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
  char *tuning_xml;             /* the <ballast:tuning> element, serialized, or NULL */
  char *loan_state_xml;         /* ballastd's live state element (lib/loan-clock.h), or NULL */
  gboolean loan_state_in_definition; /* the persistent definition has one too (set
                                      * by whoever fetched that, not the parser) */
} BallastDomainConfig;

/* Parse domain XML as virDomainGetXMLDesc() returns it. Requires <name> and
 * <memory>; everything else is optional. Errors name the line. */
BallastDomainConfig *ballast_domain_config_parse (const char *xml, GError **error);

void ballast_domain_config_free (BallastDomainConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastDomainConfig, ballast_domain_config_free)

/* Why a domain cannot be managed by ballooning, judged from its config
 * alone; NULL when it can. A static string. */
const char *ballast_domain_config_unmanaged_reason (const BallastDomainConfig *config);

G_END_DECLS
