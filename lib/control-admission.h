/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Who may hold a connection to ballastd's control socket: the rule alone,
 * without sockets or clocks, so that it can be tested case by case.
 *
 * The socket is mode 0666 (anyone may read), so any local user can open
 * connections until something gives. Each unprivileged uid may hold
 * max_per_uid connections, and all of them together max_unprivileged: a
 * user with a range of subordinate uids (rootless containers) counts as
 * many uids. Privileged peers (root, ballastd's own user, the admin
 * group) are never refused by either; only max_clients, what the file
 * descriptor limit allows, bounds them, and it bounds everyone. */

typedef enum {
  BALLAST_ADMIT,
  BALLAST_REFUSE_UID_LIMIT,          /* this uid holds max_per_uid already */
  BALLAST_REFUSE_UNPRIVILEGED_LIMIT, /* unprivileged peers hold max_unprivileged in all */
  BALLAST_REFUSE_FD_LIMIT,           /* max_clients are connected */
} BallastAdmitVerdict;

typedef struct {
  guint max_per_uid;       /* connections one unprivileged uid may hold (>= 1) */
  guint max_unprivileged;  /* connections all unprivileged uids may hold together */
  guint max_clients;       /* connections in all, privileged ones included */
} BallastAdmissionLimits;

typedef struct _BallastAdmission BallastAdmission;

BallastAdmission *ballast_admission_new (const BallastAdmissionLimits *limits);
void ballast_admission_free (BallastAdmission *admission);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastAdmission, ballast_admission_free)

/* Whether a new connection from UID may be kept; when it may, it is
 * counted until ballast_admission_release() with the same arguments. */
BallastAdmitVerdict ballast_admission_try_take (BallastAdmission *admission, guint32 uid,
                                                gboolean privileged);
void ballast_admission_release (BallastAdmission *admission, guint32 uid, gboolean privileged);

/* Connections UID holds now (privileged ones are not counted per uid). */
guint ballast_admission_held_by (const BallastAdmission *admission, guint32 uid);

G_END_DECLS
