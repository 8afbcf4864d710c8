/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "job-watch.h"

#include "size-units.h"

static void
begin (BallastDomain *domain, BallastJob job, const char *seen_by, gint64 now_usec)
{
  BallastJobRecord *record = &domain->job;
  BallastJob refined = ballast_job_refine (record->job, job);
  if (refined == record->job)
    return;
  if (record->job == BALLAST_JOB_NONE)
    {
      record->since_usec = now_usec;
      g_debug ("%s: %s (%s)", domain->name, ballast_job_describe (refined), seen_by);
    }
  else
    g_debug ("%s: the %s is an %s", domain->name, ballast_job_describe (record->job),
             ballast_job_describe (refined));
  record->job = refined;
}

static void
end (BallastDomain *domain, gint64 now_usec)
{
  BallastJobRecord *record = &domain->job;
  if (record->job == BALLAST_JOB_NONE)
    return;
  g_message ("%s: %s over after %" G_GINT64_FORMAT " s: managed again", domain->name,
             ballast_job_describe (record->job), (now_usec - record->since_usec) / G_USEC_PER_SEC);
  record->job = BALLAST_JOB_NONE;
  record->since_usec = 0;
}

void
ballast_job_watch_event (BallastDomain *domain, BallastJob job, gint64 now_usec)
{
  /* An end is confirmed by the next query, not taken on the event's word:
   * a migration's end on the source is also the domain stopping. */
  if (job != BALLAST_JOB_NONE)
    begin (domain, job, "seen by its events", now_usec);
}

void
ballast_job_watch_merge (BallastDomain *domain, const BallastCollectedDomain *collected,
                         gint64 now_usec)
{
  BallastJobRecord *record = &domain->job;
  if (!collected->active)
    {
      /* Gone with the run: a migration out ends with the domain stopped
       * here. */
      if (record->job != BALLAST_JOB_NONE)
        g_message ("%s: %s over: not running here any more", domain->name,
                   ballast_job_describe (record->job));
      record->job = BALLAST_JOB_NONE;
      record->since_usec = 0;
      return;
    }
  if (!collected->job_queried)
    return;
  if (collected->job_error != NULL)
    {
      if (g_strcmp0 (record->query_error, collected->job_error) != 0)
        g_warning ("%s: %s; %s", domain->name, collected->job_error,
                   record->job != BALLAST_JOB_NONE ? "still taken as in its job"
                                                   : "taken as in no job");
      g_free (record->query_error);
      record->query_error = g_strdup (collected->job_error);
      return;
    }
  g_clear_pointer (&record->query_error, g_free);
  BallastJob from_state = ballast_job_from_state (collected->state, collected->state_reason);
  if (collected->job != BALLAST_JOB_NONE)
    begin (domain, ballast_job_refine (from_state, collected->job), "libvirt says so", now_usec);
  else if (from_state == BALLAST_JOB_MIGRATION)
    /* Paused for a migration whose job libvirt does not show here: the
     * destination's domain waits for its memory (libvirt keeps a
     * migration's job to the source). */
    begin (domain, BALLAST_JOB_MIGRATION_IN, "paused for a migration into this host", now_usec);
  else if (from_state != BALLAST_JOB_NONE)
    /* Paused for a job whose query already says none: libvirt is between
     * the two (the job ends, the domain resumes next). Trust the state. */
    begin (domain, from_state, "its state says so", now_usec);
  else
    end (domain, now_usec);
}

void
ballast_job_watch_busy (BallastDomain *domain, const BallastApplyItem *item, gint64 now_usec)
{
  /* Said at every one: each is a decision not carried out (the run
   * state's bookkeeping is written again later). */
  if (item->kind != BALLAST_APPLY_RUN_STATE)
    g_message ("%s: not changed: %s running (libvirt said so before the change)", domain->name,
               ballast_job_describe (ballast_job_refine (domain->job.job, item->job)));
  begin (domain, item->job, "found before a change", now_usec);
}

gboolean
ballast_job_watch_needs_query (const BallastDomain *domain)
{
  return domain->active && domain->job.job != BALLAST_JOB_NONE;
}

gboolean
ballast_job_watch_active (const BallastDomain *domain)
{
  return domain->active && domain->job.job != BALLAST_JOB_NONE;
}

guint64
ballast_job_watch_domain_arriving_kib (const BallastDomain *domain)
{
  const BallastDomainConfig *config = domain->observed.config;
  if (!ballast_job_watch_active (domain) || !ballast_job_is_arriving (domain->job.job)
      || config == NULL)
    return 0;
  const BallastBalloonStats *stats = &domain->observed.stats;
  guint64 resident = domain->observed.has_stats && (stats->present & BALLAST_STAT_RSS) ? stats->rss_kib : 0;
  return ballast_job_arriving_kib (config->max_kib, resident);
}

const char *
ballast_job_watch_describe (const BallastDomain *domain, char *buf, gsize size, gint64 now_usec)
{
  const BallastJobRecord *record = &domain->job;
  gint64 for_sec = MAX (now_usec - record->since_usec, 0) / G_USEC_PER_SEC;
  guint64 arriving = ballast_job_watch_domain_arriving_kib (domain);
  if (arriving > 0)
    {
      g_autofree char *size_text = ballast_size_format_kib (arriving);
      g_snprintf (buf, size, "%s for %" G_GINT64_FORMAT " s: not resized until it ends; "
                  "%s still to arrive counted as used (its maximum until it reports)",
                  ballast_job_describe (record->job), for_sec, size_text);
    }
  else
    g_snprintf (buf, size, "%s for %" G_GINT64_FORMAT " s: not resized until it ends",
                ballast_job_describe (record->job), for_sec);
  return buf;
}
