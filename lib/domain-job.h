/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A libvirt job on a domain: a migration, a save, a dump, a snapshot, a
 * backup. While one runs, ballast never resizes the domain: libvirt would
 * hold the change until the job ends (or time it out), and a migration
 * would carry the domain off before the guest followed. ballastd learns of
 * a job from the domain's state reason, from job and lifecycle events and
 * from libvirt's job queries; these helpers put each into the same terms. */
typedef enum {
  BALLAST_JOB_NONE,
  BALLAST_JOB_UNKNOWN,        /* a job runs; libvirt did not say which */
  BALLAST_JOB_MIGRATION,      /* a migration, direction not known yet */
  BALLAST_JOB_MIGRATION_OUT,
  BALLAST_JOB_MIGRATION_IN,
  BALLAST_JOB_SAVE,
  BALLAST_JOB_RESTORE,
  BALLAST_JOB_SNAPSHOT,
  BALLAST_JOB_DUMP,
  BALLAST_JOB_BACKUP,
  BALLAST_JOB_START,
} BallastJob;

/* What libvirt's VIR_DOMAIN_JOB_OPERATION (virDomainJobOperation) names;
 * BALLAST_JOB_UNKNOWN for what it does not. */
BallastJob ballast_job_from_operation (int operation);

/* The job a domain's state and its reason (virDomainState and its
 * virDomain*Reason) say runs: paused for a migration, a save, a dump or a
 * snapshot, or in post-copy; BALLAST_JOB_NONE for any other. */
BallastJob ballast_job_from_state (int state, int reason);

/* The more telling of two views of the same job (a query naming the
 * direction of a migration an event only saw). */
BallastJob ballast_job_refine (BallastJob known, BallastJob seen);

/* "outgoing migration", "save", ... */
const char *ballast_job_describe (BallastJob job);

/* Whether the job brings the guest's memory onto this host as it runs
 * (an incoming migration, a restore): that memory is not in the host's
 * MemAvailable yet, and will be. */
gboolean ballast_job_is_arriving (BallastJob job);

/* What an arriving guest of MAX_KIB with RESIDENT_KIB already here (its
 * QEMU's RSS; 0 when not known) will still take: counted at its maximum
 * until it reports. */
guint64 ballast_job_arriving_kib (guint64 max_kib, guint64 resident_kib);

G_END_DECLS
