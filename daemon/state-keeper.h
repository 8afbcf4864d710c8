/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "libvirt-worker.h"
#include "loan-clock.h"
#include "run-state.h"

G_BEGIN_DECLS

/* Keeps what a restarted ballastd must go on with, each running domain's
 * loan clock and the spikes it has shown, in its live metadata
 * (lib/run-state.h). Main thread only; the writes go through the worker
 * with the balloon changes. */

/* What a domain's metadata says, on this run's monotonic clock. */
typedef struct {
  BallastLoanClock loan;
  guint64 spike_peak_kib;         /* 0: none */
  gint64 spike_peak_usec;
  guint n_spike_onsets;
  gint64 spike_last_onset_usec;
} BallastKeptState;

/* A domain's loan clock and what its metadata says: BallastDomain's
 * `run_state`. Written only here (state-keeper.c) and by the cycle's
 * ballast_loan_clock_advance() on `loan`; everything else only reads it
 * (the registry frees error with the domain). Its spike history is the
 * cycle's (observed.spikes); this only restores and writes it. */
typedef struct {
  BallastLoanClock loan;          /* how long its use has been above its fair share */
  gboolean restored;              /* this run's metadata was read */
  gboolean written_unknown;       /* its metadata says something to be rewritten */
  BallastKeptState written;       /* what its metadata says */
  BallastKeptState pending;       /* what the write in flight says ... */
  guint64 pending_seq;            /* ... and its number */
  char *error;                    /* why the last write failed, said once */
} BallastStateRecord;

/* Defined in domain-registry.h, which includes this header for the record. */
typedef struct _BallastDomain BallastDomain;

/* Once per run of DOMAIN, with its config fetched: takes its loan clock
 * and its spikes from its metadata. Bad metadata is said and ignored (they
 * start afresh). NOW_USEC monotonic, WALL_USEC the wall clock at the same
 * time. */
void ballast_state_keeper_restore (BallastDomain *domain, gint64 now_usec, gint64 wall_usec);

/* The write that makes DOMAIN's metadata say what its loan clock and its
 * spikes (learned with PARAMS) say, or NULL when it already does closely
 * enough: a peak is rewritten only when it is higher than the written one
 * (decayed) by half a jump, so a guest's use costs a write per spike, not
 * per cycle. */
BallastApplyItem *ballast_state_keeper_write (BallastDomain *domain, const BallastSpikeParams *params,
                                              gint64 now_usec, gint64 wall_usec);

/* The outcome of that write. Returns FALSE when the driver cannot keep
 * metadata at all (then no more writes are worth trying). */
gboolean ballast_state_keeper_written (BallastDomain *domain, const BallastApplyItem *item);

/* A new run of DOMAIN: its live metadata starts empty, and so does what
 * is kept. */
void ballast_state_keeper_forget_run (BallastDomain *domain);

G_END_DECLS
