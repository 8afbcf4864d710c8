/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "libvirt-worker.h"
#include "loan-clock.h"

G_BEGIN_DECLS

/* Keeps each running domain's loan clock in its live metadata
 * (lib/loan-clock.h), so that a restarted ballastd goes on with it. Main
 * thread only; the writes go through the worker with the balloon changes. */

/* A domain's loan clock and what its metadata says of it: BallastDomain's
 * `loan`. Written only here (loan-keeper.c) and by the cycle's
 * ballast_loan_clock_advance() on `clock`; everything else only reads it
 * (the registry frees state_error with the domain). */
typedef struct {
  BallastLoanClock clock;   /* how long its use has been above its fair share */
  gboolean state_read;      /* this run's clock was taken from its metadata */
  BallastLoanClock state;   /* the clock its metadata says */
  char *state_error;        /* why the last write failed, said once */
} BallastLoanRecord;

/* Defined in domain-registry.h, which includes this header for the record. */
typedef struct _BallastDomain BallastDomain;

/* Once per run of DOMAIN, with its config fetched: takes its loan clock
 * from its metadata. Bad metadata is said and ignored (the clock starts
 * afresh). NOW_USEC monotonic, WALL_USEC the wall clock at the same time. */
void ballast_loan_keeper_restore (BallastDomain *domain, gint64 now_usec, gint64 wall_usec);

/* The write that makes DOMAIN's metadata say what its loan clock says, or
 * NULL when it already does. */
BallastApplyItem *ballast_loan_keeper_write (BallastDomain *domain, gint64 now_usec,
                                             gint64 wall_usec);

/* The outcome of that write. Returns FALSE when the driver cannot keep
 * metadata at all (then no more writes are worth trying). */
gboolean ballast_loan_keeper_written (BallastDomain *domain, const BallastApplyItem *item);

/* A new run of DOMAIN: its live metadata starts empty, and so does its clock. */
void ballast_loan_keeper_forget_run (BallastDomain *domain);

G_END_DECLS
