/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether starting one more guest keeps the host within policy: what
 * `ballastctl admit` and the libvirt hook ask before a start. Two tests:
 *  - the floors: what the running guests cannot be taken below (their min
 *    or need; all they hold where ballast cannot move them) plus the new
 *    guest's min must fit in the budget less the reserve, or the host
 *    would run out however the balloons were set;
 *  - the promise: the running guests' maxima plus the new guest's, over the
 *    budget, must stay within the policy's <overcommit max-ratio> (when
 *    set).
 * Pure: the daemon gathers the figures (daemon/control-methods.c). */

typedef struct {
  guint64 floor_kib;
  guint64 max_kib;
} BallastStartCheckGuest;

typedef struct {
  guint64 budget_kib;
  guint64 reserve_kib;
  guint max_ratio_permille;  /* 0: no limit */
} BallastStartCheckHost;

typedef struct {
  gboolean admit;
  guint64 floors_kib;        /* the running guests' floors plus the new min */
  guint64 room_kib;          /* the budget less the reserve */
  guint64 maxima_kib;        /* the running guests' maxima plus the new max */
  guint ratio_permille;      /* maxima over the budget after the start,
                              * rounded up */
  char *reason;              /* "refused: ..." or "admitted: ...", with figures */
} BallastStartCheck;

BallastStartCheck *ballast_start_check (const BallastStartCheckHost *host,
                                        const BallastStartCheckGuest *running, gsize n_running,
                                        const char *name, guint64 min_kib, guint64 max_kib);
void ballast_start_check_free (BallastStartCheck *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastStartCheck, ballast_start_check_free)

/* "1.5" -> 1500: a ratio of at least 0.1 and at most 100, up to three
 * decimals; FALSE with ERROR naming the text otherwise. */
gboolean ballast_ratio_parse_permille (const char *text, guint *ret_permille, GError **error);

G_END_DECLS
