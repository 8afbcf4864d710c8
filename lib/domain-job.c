/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "domain-job.h"

#include <libvirt/libvirt.h>

BallastJob
ballast_job_from_operation (int operation)
{
  switch (operation)
    {
    case VIR_DOMAIN_JOB_OPERATION_START: return BALLAST_JOB_START;
    case VIR_DOMAIN_JOB_OPERATION_SAVE: return BALLAST_JOB_SAVE;
    case VIR_DOMAIN_JOB_OPERATION_RESTORE: return BALLAST_JOB_RESTORE;
    case VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN: return BALLAST_JOB_MIGRATION_IN;
    case VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT: return BALLAST_JOB_MIGRATION_OUT;
    case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT:
    case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT:
    case VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE: return BALLAST_JOB_SNAPSHOT;
    case VIR_DOMAIN_JOB_OPERATION_DUMP: return BALLAST_JOB_DUMP;
    case VIR_DOMAIN_JOB_OPERATION_BACKUP: return BALLAST_JOB_BACKUP;
    default: return BALLAST_JOB_UNKNOWN;
    }
}

BallastJob
ballast_job_from_state (int state, int reason)
{
  if (state == VIR_DOMAIN_PAUSED)
    switch (reason)
      {
      case VIR_DOMAIN_PAUSED_MIGRATION:
      case VIR_DOMAIN_PAUSED_POSTCOPY: return BALLAST_JOB_MIGRATION;
      case VIR_DOMAIN_PAUSED_SAVE: return BALLAST_JOB_SAVE;
      case VIR_DOMAIN_PAUSED_DUMP: return BALLAST_JOB_DUMP;
      case VIR_DOMAIN_PAUSED_SNAPSHOT: return BALLAST_JOB_SNAPSHOT;
      default: return BALLAST_JOB_NONE;
      }
  /* The destination of a post-copy migration runs while its memory is
   * still coming. */
  if (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY)
    return BALLAST_JOB_MIGRATION_IN;
  return BALLAST_JOB_NONE;
}

BallastJob
ballast_job_refine (BallastJob known, BallastJob seen)
{
  if (seen == BALLAST_JOB_NONE || seen == BALLAST_JOB_UNKNOWN)
    return known != BALLAST_JOB_NONE ? known : seen;
  if (seen == BALLAST_JOB_MIGRATION
      && (known == BALLAST_JOB_MIGRATION_IN || known == BALLAST_JOB_MIGRATION_OUT))
    return known;
  return seen;
}

const char *
ballast_job_describe (BallastJob job)
{
  switch (job)
    {
    case BALLAST_JOB_NONE: return "no job";
    case BALLAST_JOB_MIGRATION: return "migration";
    case BALLAST_JOB_MIGRATION_OUT: return "outgoing migration";
    case BALLAST_JOB_MIGRATION_IN: return "incoming migration";
    case BALLAST_JOB_SAVE: return "save";
    case BALLAST_JOB_RESTORE: return "restore";
    case BALLAST_JOB_SNAPSHOT: return "snapshot";
    case BALLAST_JOB_DUMP: return "dump";
    case BALLAST_JOB_BACKUP: return "backup";
    case BALLAST_JOB_START: return "start";
    case BALLAST_JOB_UNKNOWN:
    default: return "job";
    }
}

gboolean
ballast_job_is_arriving (BallastJob job)
{
  return job == BALLAST_JOB_MIGRATION_IN || job == BALLAST_JOB_RESTORE;
}

guint64
ballast_job_arriving_kib (guint64 max_kib, guint64 resident_kib)
{
  return max_kib > resident_kib ? max_kib - resident_kib : 0;
}
