/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "domain-registry.h"
#include "libvirt-worker.h"

G_BEGIN_DECLS

/* Follows the libvirt jobs on domains (migrations above all): ballast
 * never resizes a domain while one runs. A job is seen by an event (a
 * migration's iterations, a domain started or suspended for one), by the
 * domain's state reason in the bulk stats, or by the apply finding one
 * (ballast_query_job() before every change); from then on the domain is
 * asked each cycle whether it still runs, and managed again when not. A
 * query that fails changes nothing: the job stays as it was known. Writes
 * only BallastDomain's job record. Main thread only. */

/* An event saw JOB begin on DOMAIN (BALLAST_JOB_NONE: a job ended; the
 * next query says whether another runs). */
void ballast_job_watch_event (BallastDomain *domain, BallastJob job, gint64 now_usec);

/* What the collection found of DOMAIN's job (its state reason, a query). */
void ballast_job_watch_merge (BallastDomain *domain, const BallastCollectedDomain *collected,
                              gint64 now_usec);

/* A change to DOMAIN was not made: ITEM found a job running. */
void ballast_job_watch_busy (BallastDomain *domain, const BallastApplyItem *item, gint64 now_usec);

/* Whether DOMAIN is to be asked about its job in the next collection. */
gboolean ballast_job_watch_needs_query (const BallastDomain *domain);

/* Whether a job runs on DOMAIN, as far as ballast knows. */
gboolean ballast_job_watch_active (const BallastDomain *domain);

/* DOMAIN's job for its classification ("outgoing migration for 12 s: not
 * resized until it ends"), in BUF. */
const char *ballast_job_watch_describe (const BallastDomain *domain, char *buf, gsize size,
                                        gint64 now_usec);

/* What DOMAIN, arriving on this host (an incoming migration, a restore),
 * will still take beyond what MemAvailable shows: its maximum, less what
 * its QEMU already has resident, until it reports; 0 for any other. */
guint64 ballast_job_watch_domain_arriving_kib (const BallastDomain *domain);

G_END_DECLS
