/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "daemon-config.h"
#include "domain-config.h"
#include "ksm-policy.h"
#include "overcommit-gate.h"
#include "policy.h"
#include "xml-check.h"

G_BEGIN_DECLS

/* The operator's policy file (namespace urn:ballast:policy:1, schema
 * xml-schemas/policy.rng, format in ballast-policy(5)), and the per-domain
 * tuning kept in libvirt metadata (urn:ballast:tuning:1). */

#define BALLAST_POLICY_NS "urn:ballast:policy:1"

/* Which fields of a tuning override are given. */
typedef enum {
  BALLAST_TUNING_MIN = 1 << 0,
  BALLAST_TUNING_SHARES = 1 << 1,
  BALLAST_TUNING_HEADROOM_PERCENT = 1 << 2,
  BALLAST_TUNING_HEADROOM_FLOOR = 1 << 3,
  BALLAST_TUNING_SHRINK_STEP = 1 << 4,
  BALLAST_TUNING_GROW_STEP = 1 << 5,
  BALLAST_TUNING_EXCLUDE = 1 << 6,
  BALLAST_TUNING_ACTUATOR = 1 << 7,
} BallastTuningField;

/* Some fields of a BallastGuestTuning: a <default>, a <match> rule, or a
 * domain's metadata. */
typedef struct {
  guint set; /* BallastTuningField bits */
  BallastGuestTuning values;
} BallastTuningOverride;

/* Copy the fields OVERRIDE sets into TUNING. */
void ballast_tuning_override_apply (const BallastTuningOverride *override,
                                    BallastGuestTuning *tuning);

typedef struct {
  char *pattern;        /* shell glob on the domain name */
  guint line;           /* where it is in the file, for messages */
  GPatternSpec *spec;
  BallastTuningOverride tuning;
} BallastMatchRule;

typedef struct {
  char *source;                 /* the file it came from, or "built-in defaults" */
  BallastPolicy policy;         /* the allocator's parameters */
  gboolean overcommit_set;
  BallastOvercommitMode overcommit;
  guint overcommit_max_ratio_permille; /* <overcommit max-ratio>, for starts
                                        * (lib/start-check.h); 0: none */
  gboolean budget_set;
  BallastBudgetSource budget;
  char *cgroup_path;            /* <budget source='cgroup' path='...'/> */
  GPtrArray *rules;             /* BallastMatchRule*, in file order */
  gboolean ksm_set;             /* <ksm mode='...'> given */
  BallastKsmMode ksm_mode;      /* in force: as given, else ballast_ksm_mode_default (tenancy) */
  BallastTenancy tenancy;       /* <guests tenancy='single|multi'>: may guests share pages? */
  BallastKsmPolicy ksm;         /* <ksm>'s thresholds (ksm-policy.h) */
} BallastPolicyFile;

void ballast_policy_file_free (BallastPolicyFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastPolicyFile, ballast_policy_file_free)

/* The policy when there is no file: ballast_policy_init_defaults(). */
BallastPolicyFile *ballast_policy_file_new_default (void);

/* Parse and validate the text of a policy file. Errors name FILE_NAME, the
 * line and the rule broken; nothing partial is ever returned. */
BallastPolicyFile *ballast_policy_file_parse (const char *text, const char *file_name,
                                              GError **error);
BallastPolicyFile *ballast_policy_file_load (const char *path, GError **error);

/* The first <match> rule for NAME, or NULL. */
const BallastMatchRule *ballast_policy_file_match (const BallastPolicyFile *file,
                                                   const char *name);

/* The tuning of one domain: metadata (METADATA, may be NULL) over the first
 * matching <match> over <default>; <memtune><min_guarantee> of CONFIG
 * counts as a minimum too (the larger wins). RET_SOURCE, when not NULL,
 * gets a short description of where the values came from. */
void ballast_policy_file_resolve (const BallastPolicyFile *file, const BallastDomainConfig *config,
                                  const BallastTuningOverride *metadata,
                                  BallastGuestTuning *ret_tuning, char **ret_source);

/* Parse a <ballast:tuning> element (as serialized from domain XML, children
 * in urn:ballast:tuning:1; or as virDomainGetMetadata() returns it, without
 * namespace), validated against tuning.rng. */
gboolean ballast_tuning_parse (const char *xml, BallastTuningOverride *ret_override,
                               GError **error);

/* A tuning snippet for virDomainSetMetadata(): no namespace (libvirt adds
 * it under the key "ballast"), only the fields that are set. */
char *ballast_tuning_format (const BallastTuningOverride *override);

/* The tables of what may be where (lib/xml-check.h) that a policy file and
 * the tuning metadata are checked against before their RelaxNG schemas,
 * for clearer errors. They say again what xml-schemas/ says:
 * tests/unit/test-schema-rules.c keeps the two in step. */
const BallastXmlRule *ballast_policy_file_check_rules (void);
const BallastXmlRule *ballast_tuning_check_rules (void);

G_END_DECLS
