/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "balloon-stats.h"
#include "domain-config.h"
#include "domain-job.h"
#include "guest-history.h"
#include "state-keeper.h"
#include "policy-engine.h"

G_BEGIN_DECLS

/* How ballast regards one domain this cycle. */
typedef enum {
  BALLAST_GUEST_MANAGED,      /* balloon targets are decided and applied */
  BALLAST_GUEST_UNRESPONSIVE, /* managed, but not shrunk nor counted on */
  BALLAST_GUEST_EXCLUDED,     /* tuning says leave it alone */
  BALLAST_GUEST_FIXED,        /* its balloon frees no host memory (VFIO, hugepages,
                               * locked memory): never shrunk, grown only to its need */
  BALLAST_GUEST_PARTIAL_STATS, /* managed, but its driver reports part of its
                                * figures: moved with a wider headroom */
  BALLAST_GUEST_NO_DRIVER,    /* no balloon device, or no driver answered in the
                               * guest within the driver wait: never counted on */
  BALLAST_GUEST_UNMANAGED,    /* not running, not yet known, or no usable stats */
  BALLAST_GUEST_IN_JOB,       /* a libvirt job runs on it (a migration, a save):
                               * never resized until it ends; arriving memory
                               * counted at its maximum */
} BallastGuestStatus;

#define BALLAST_N_GUEST_STATUSES (BALLAST_GUEST_IN_JOB + 1)

const char *ballast_guest_status_to_string (BallastGuestStatus status);

/* One entry of a domain's decision journal. */
typedef struct {
  gint64 time_usec;           /* wall clock */
  guint64 old_target_kib;
  guint64 new_target_kib;
  gboolean applied;           /* FALSE in dry-run or paused */
  char *reason;
} BallastJournalEntry;

#define BALLAST_JOURNAL_LENGTH 256

/* Everything ballast knows about one domain is in parts, each written by
 * one module only (issue 15); everything else only reads them. The
 * registry (domain-registry.c) creates an entry with its first values and
 * frees it with everything it holds. */

/* What libvirt said of the domain. Written only by cycle.c: its merge,
 * ballast_cycle_forget_run(), and ballast_cycle_config_changed() and
 * ballast_cycle_balloon_changed() for the domain events daemon.c hears. */
typedef struct {
  BallastDomainConfig *config;    /* NULL until fetched, or when it did not parse */
  char *config_error;
  gboolean config_dirty;          /* refetch the XML next cycle */
  gboolean stats_period_attempted;/* asked libvirt to set one this run */
  char *stats_period_error;

  gint64 running_since_usec;      /* monotonic: when ballastd first saw this run
                                   * active; 0 while not running */
  gboolean has_stats;
  BallastBalloonStats stats;
  BallastGuestHistory history;
  BallastSpikeHistory spikes;     /* its use's peaks and spikes, this run */
} BallastDomainObserved;

/* How ballast regards the domain this cycle. Written only by cycle.c's
 * classification (ballast_cycle_classify()). */
typedef struct {
  BallastGuestStatus status;
  const char *reason;             /* static, or DETAIL: why not managed / not trusted */
  gboolean fixed;                 /* its balloon frees no host memory (status fixed,
                                   * or unresponsive on top of it) */
  gboolean partial_stats;         /* its figures are partly stand-ins (status
                                   * partial-stats, or fixed or unresponsive
                                   * on top of it) */
  char detail[192];               /* a reason with figures; REASON points here then */
} BallastDomainClassification;

/* Its balloon: what was decided and what was applied. Written only by
 * cycle.c: ballast_cycle_decide(), ballast_cycle_applied(),
 * ballast_cycle_forget_run() and the classification, which voids the
 * decision of a domain no longer managed; the journal through
 * ballast_domain_journal_add(). */
typedef struct {
  gboolean has_target;
  guint64 target_kib;             /* what we last asked for (applied) */
  gint64 target_applied_usec;     /* monotonic time of that change */
  gint64 last_shrink_usec;        /* monotonic time of the last applied shrink, 0: never */
  gboolean has_decision;
  BallastDecision decision;       /* the latest decision */
  GQueue journal;                 /* BallastJournalEntry*, newest last */

  /* The guest's own deflations on OOM (<memballoon autodeflate='on'>). */
  guint64 oom_deflations;         /* seen over ballastd's life */
  gint64 oom_deflated_usec;       /* monotonic time of the last one, 0: never */
  guint64 oom_floor_kib;          /* the size it deflated to then */
  gboolean oom_unanswered;        /* seen since the last decision */

  /* A balloon found not moving towards its target: asked no more until
   * STUCK_RETRY_USEC, then again, backing off while it stays stuck. */
  guint stuck_episodes;           /* found stuck this many times in a row */
  gint64 stuck_retry_usec;        /* monotonic: asked again from then; 0: not stuck */
} BallastBalloonRecord;

/* Its virtio-mem devices as ballast moves them. Written only by
 * daemon/virtio-mem-actuator.c. */
typedef struct {
  BallastActuator actuator;       /* in force (its tuning's, resolved) */
  gboolean fallback_said;         /* that its tuning's actuator cannot be had */
  char *unusable;                 /* why its devices cannot be moved, said once; NULL */
  GHashTable *devices;            /* alias -> BallastVirtioMemTrack (that file) */
} BallastVirtioMemRecord;

/* A libvirt job on it, as ballast knows it. Written only by
 * daemon/job-watch.c. */
typedef struct {
  BallastJob job;                 /* BALLAST_JOB_NONE: none known */
  gint64 since_usec;              /* monotonic: when it was first seen */
  char *query_error;              /* the last query of it failed: why, said once */
} BallastJobRecord;

/* Its tuning. Written only by ballast_cycle_resolve_tuning() (cycle.c). */
typedef struct {
  BallastGuestTuning resolved;    /* from its metadata and the policy file */
  char *source;                   /* where it came from ("default, match 'db-*'") */
  char *error;                    /* why its metadata was ignored, or NULL */
} BallastTuningRecord;

/* One domain. Owned by the registry, main thread only. */
typedef struct _BallastDomain {
  /* Its identity and run state: written by the registry and cycle.c's merge. */
  char *uuid;
  char *name;
  virDomainPtr domain;            /* reference, refreshed every cycle */
  int state;                      /* virDomainState */
  gboolean active;

  BallastDomainObserved observed;
  BallastDomainClassification classification;
  BallastBalloonRecord balloon;
  BallastVirtioMemRecord virtio_mem;
  BallastJobRecord job;
  BallastTuningRecord tuning;
  BallastStateRecord run_state;   /* its loan clock and what its metadata keeps
                                   * (state-keeper.h): written only by
                                   * state-keeper.c and the cycle's clock advance */
} BallastDomain;

typedef struct _BallastRegistry BallastRegistry;

BallastRegistry *ballast_registry_new (void);
void ballast_registry_free (BallastRegistry *registry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastRegistry, ballast_registry_free)

BallastDomain *ballast_registry_lookup (BallastRegistry *registry, const char *uuid);
BallastDomain *ballast_registry_lookup_name (BallastRegistry *registry, const char *name);
/* Returns the existing entry or a new one (observed.config_dirty set). */
BallastDomain *ballast_registry_ensure (BallastRegistry *registry, const char *uuid,
                                        const char *name);
void ballast_registry_remove (BallastRegistry *registry, const char *uuid);
/* Drop every entry (the connection was replaced: a restarted libvirtd may
 * have changed anything). */
void ballast_registry_clear (BallastRegistry *registry);
guint ballast_registry_size (BallastRegistry *registry);
/* All entries sorted by name; the array does not own them. */
GPtrArray *ballast_registry_list_sorted (BallastRegistry *registry);

/* A line in DOMAIN's balloon journal (balloon.journal), the oldest dropped
 * past BALLAST_JOURNAL_LENGTH. For cycle.c, the balloon record's writer. */
void ballast_domain_journal_add (BallastDomain *domain, gint64 time_usec, guint64 old_kib,
                                 guint64 new_kib, gboolean applied, const char *reason);

/* The balloon's current size: the guest-reported actual size, else the
 * domain XML's currentMemory, else 0. */
guint64 ballast_domain_current_kib (const BallastDomain *domain);

G_END_DECLS
