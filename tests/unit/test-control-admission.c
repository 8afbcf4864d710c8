/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Who may hold a control socket connection: the per-uid limit, the limit
 * on all unprivileged peers together, privileged peers beyond both, and
 * the descriptor limit over everyone; scripted as steps of take and
 * release with the verdict each must get. */
#include "control-admission.h"

#define ROOT 0
#define ALICE 1000
#define BOB 1001
#define OPERATOR 1002 /* in the admin group: privileged */

typedef enum { TAKE, RELEASE } Op;

typedef struct {
  Op op;
  guint32 uid;
  guint times;                  /* the step, repeated */
  BallastAdmitVerdict verdict;  /* for TAKE: every one of them */
} Step;

typedef struct {
  const char *name;
  BallastAdmissionLimits limits;
  Step steps[12];               /* up to the first with times == 0 */
} Script;

static gboolean
is_privileged (guint32 uid)
{
  return uid == ROOT || uid == OPERATOR;
}

static const Script scripts[] = {
  { "per-uid-limit", { 3, 100, 1000 }, {
      { TAKE, ALICE, 3, BALLAST_ADMIT },
      { TAKE, ALICE, 5, BALLAST_REFUSE_UID_LIMIT },
      /* Another user is not held up by Alice. */
      { TAKE, BOB, 3, BALLAST_ADMIT },
      { TAKE, BOB, 1, BALLAST_REFUSE_UID_LIMIT },
      /* One closed: one more may come, and no more. */
      { RELEASE, ALICE, 1 },
      { TAKE, ALICE, 1, BALLAST_ADMIT },
      { TAKE, ALICE, 1, BALLAST_REFUSE_UID_LIMIT },
    } },
  { "privileged-beyond-every-unprivileged-limit", { 2, 4, 1000 }, {
      { TAKE, ALICE, 2, BALLAST_ADMIT },
      { TAKE, BOB, 2, BALLAST_ADMIT },
      { TAKE, ALICE, 1, BALLAST_REFUSE_UID_LIMIT },
      { TAKE, ROOT, 500, BALLAST_ADMIT },
      { TAKE, OPERATOR, 100, BALLAST_ADMIT },
    } },
  { "unprivileged-together", { 2, 5, 1000 }, {
      { TAKE, 2000, 2, BALLAST_ADMIT },
      { TAKE, 2001, 2, BALLAST_ADMIT },
      { TAKE, 2002, 1, BALLAST_ADMIT },
      /* A fresh uid (a subordinate uid of a rootless container) is turned
       * away once all unprivileged peers hold the limit. */
      { TAKE, 2003, 3, BALLAST_REFUSE_UNPRIVILEGED_LIMIT },
      /* The per-uid limit is said first where both apply. */
      { TAKE, 2000, 1, BALLAST_REFUSE_UID_LIMIT },
      { TAKE, ROOT, 10, BALLAST_ADMIT },
      { RELEASE, 2001, 1 },
      { TAKE, 2003, 1, BALLAST_ADMIT },
    } },
  { "descriptor-limit-over-everyone", { 16, 256, 10 }, {
      { TAKE, ALICE, 4, BALLAST_ADMIT },
      { TAKE, ROOT, 6, BALLAST_ADMIT },
      { TAKE, ROOT, 2, BALLAST_REFUSE_FD_LIMIT },
      { TAKE, BOB, 1, BALLAST_REFUSE_FD_LIMIT },
      { RELEASE, ALICE, 4 },
      { TAKE, ROOT, 4, BALLAST_ADMIT },
      { TAKE, ROOT, 1, BALLAST_REFUSE_FD_LIMIT },
    } },
  { "all-released-then-again", { 1, 1, 2 }, {
      { TAKE, ALICE, 1, BALLAST_ADMIT },
      { TAKE, BOB, 1, BALLAST_REFUSE_UNPRIVILEGED_LIMIT },
      { RELEASE, ALICE, 1 },
      { TAKE, BOB, 1, BALLAST_ADMIT },
      { RELEASE, BOB, 1 },
      { TAKE, ALICE, 1, BALLAST_ADMIT },
    } },
};

static void
test_script (gconstpointer data)
{
  const Script *script = data;
  g_autoptr(BallastAdmission) admission = ballast_admission_new (&script->limits);
  for (guint s = 0; s < G_N_ELEMENTS (script->steps) && script->steps[s].times > 0; s++)
    {
      const Step *step = &script->steps[s];
      for (guint i = 0; i < step->times; i++)
        {
          if (step->op == RELEASE)
            {
              ballast_admission_release (admission, step->uid, is_privileged (step->uid));
              continue;
            }
          g_test_message ("step %u, uid %u, take %u", s, step->uid, i);
          g_assert_cmpint (ballast_admission_try_take (admission, step->uid, is_privileged (step->uid)),
                           ==, step->verdict);
        }
    }
}

static void
test_held_by (void)
{
  BallastAdmissionLimits limits = { 16, 256, 1000 };
  g_autoptr(BallastAdmission) admission = ballast_admission_new (&limits);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (ballast_admission_try_take (admission, ALICE, FALSE), ==, BALLAST_ADMIT);
  g_assert_cmpint (ballast_admission_try_take (admission, ROOT, TRUE), ==, BALLAST_ADMIT);
  g_assert_cmpuint (ballast_admission_held_by (admission, ALICE), ==, 5);
  g_assert_cmpuint (ballast_admission_held_by (admission, BOB), ==, 0);
  /* Privileged connections are not counted against a uid. */
  g_assert_cmpuint (ballast_admission_held_by (admission, ROOT), ==, 0);
  for (guint i = 0; i < 5; i++)
    ballast_admission_release (admission, ALICE, FALSE);
  g_assert_cmpuint (ballast_admission_held_by (admission, ALICE), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (scripts); i++)
    {
      g_autofree char *path = g_strdup_printf ("/control-admission/%s", scripts[i].name);
      g_test_add_data_func (path, &scripts[i], test_script);
    }
  g_test_add_func ("/control-admission/held-by", test_held_by);
  return g_test_run ();
}
