/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-admission.h"

struct _BallastAdmission {
  BallastAdmissionLimits limits;
  GHashTable *held_by_uid;  /* uid -> connections held, unprivileged uids only */
  guint unprivileged;
  guint clients;
};

BallastAdmission *
ballast_admission_new (const BallastAdmissionLimits *limits)
{
  BallastAdmission *admission = g_new0 (BallastAdmission, 1);
  admission->limits = *limits;
  admission->held_by_uid = g_hash_table_new (g_direct_hash, g_direct_equal);
  return admission;
}

void
ballast_admission_free (BallastAdmission *admission)
{
  if (admission == NULL)
    return;
  g_hash_table_destroy (admission->held_by_uid);
  g_free (admission);
}

guint
ballast_admission_held_by (const BallastAdmission *admission, guint32 uid)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (admission->held_by_uid, GUINT_TO_POINTER (uid)));
}

BallastAdmitVerdict
ballast_admission_try_take (BallastAdmission *admission, guint32 uid, gboolean privileged)
{
  if (admission->clients >= admission->limits.max_clients)
    return BALLAST_REFUSE_FD_LIMIT;
  if (!privileged)
    {
      guint held = ballast_admission_held_by (admission, uid);
      if (held >= admission->limits.max_per_uid)
        return BALLAST_REFUSE_UID_LIMIT;
      if (admission->unprivileged >= admission->limits.max_unprivileged)
        return BALLAST_REFUSE_UNPRIVILEGED_LIMIT;
      g_hash_table_insert (admission->held_by_uid, GUINT_TO_POINTER (uid), GUINT_TO_POINTER (held + 1));
      admission->unprivileged++;
    }
  admission->clients++;
  return BALLAST_ADMIT;
}

void
ballast_admission_release (BallastAdmission *admission, guint32 uid, gboolean privileged)
{
  g_return_if_fail (admission->clients > 0);
  admission->clients--;
  if (privileged)
    return;
  guint held = ballast_admission_held_by (admission, uid);
  g_return_if_fail (held > 0 && admission->unprivileged > 0);
  admission->unprivileged--;
  /* Removed at zero: the table holds only uids that hold something, so a
   * stream of uids passing through does not grow it. */
  if (held == 1)
    g_hash_table_remove (admission->held_by_uid, GUINT_TO_POINTER (uid));
  else
    g_hash_table_insert (admission->held_by_uid, GUINT_TO_POINTER (uid), GUINT_TO_POINTER (held - 1));
}
