/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "exit-policy.h"

#include "size-units.h"

struct _BallastExitRestore {
  GMainLoop *loop;          /* quit on the deadline */
  gint64 started_usec;
  guint timeout_sec;
  guint deadline_source;
  guint cycles;
  guint64 granted_kib;       /* given back over the whole restore */
  guint below_max;           /* guests left below their maximum by the last plan */
  gboolean finished;
};

BallastPlan *
ballast_exit_restore_plan (const BallastPolicy *policy, const BallastHostInput *host,
                           const BallastGuestInput *guests, gsize n_guests,
                           gboolean *ret_finished)
{
  g_autofree BallastGuestInput *inputs = g_memdup2 (guests, MAX (n_guests, 1) * sizeof *guests);
  for (gsize i = 0; i < n_guests; i++)
    {
      /* The regrow delay keeps memory from sloshing back and forth while
       * ballastd manages; there is no next shrink to slosh with. */
      inputs[i].recently_shrunk = FALSE;
      inputs[i].unresponsive = FALSE;
    }
  BallastPlan *plan = ballast_policy_decide (policy, host, inputs, n_guests, FALSE);

  gboolean finished = TRUE;
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastDecision *decision = &plan->decisions[i];
      if (decision->changed && decision->target_kib > decision->old_target_kib)
        finished = FALSE;
      /* A balloon still on its way is memory not yet where the plan put
       * it: the next cycle may see more (or less) to give. One that does
       * not move at all (its guest was not trusted) is not waited for. */
      guint64 target = MIN (guests[i].target_kib, guests[i].max_kib);
      guint64 distance = guests[i].current_kib > target ? guests[i].current_kib - target
                                                        : target - guests[i].current_kib;
      if (!guests[i].unresponsive && !guests[i].tuning.exclude && distance > policy->min_change_kib)
        finished = FALSE;
    }
  *ret_finished = finished;
  return plan;
}

static gboolean
on_deadline (gpointer user_data)
{
  BallastExitRestore *restore = user_data;
  restore->deadline_source = 0;
  g_message ("on-exit: restore stopped after %u s (on-exit-timeout); exiting",
             restore->timeout_sec);
  g_main_loop_quit (restore->loop);
  return G_SOURCE_REMOVE;
}

BallastExitRestore *
ballast_exit_restore_begin (const BallastDaemonConfig *config, gboolean paused,
                            gboolean connected, GMainLoop *loop)
{
  const char *why_not = NULL;
  if (config->on_exit != BALLAST_ON_EXIT_RESTORE)
    return NULL;
  if (config->dry_run)
    why_not = "dry run";
  else if (paused)
    why_not = "paused";
  else if (!connected)
    why_not = "not connected to libvirt";
  if (why_not != NULL)
    {
      g_message ("on-exit=restore: nothing restored (%s); balloons stay as they are", why_not);
      return NULL;
    }

  BallastExitRestore *restore = g_new0 (BallastExitRestore, 1);
  restore->loop = loop;
  restore->started_usec = g_get_monotonic_time ();
  restore->timeout_sec = config->on_exit_timeout_sec;
  /* g_timeout_add_seconds() would round the deadline to GLib's shared
   * second ticks and could give up almost a second early: the operator's
   * on-exit-timeout is a promise in both directions. */
  restore->deadline_source = g_timeout_add (restore->timeout_sec * 1000, on_deadline, restore);
  g_message ("on-exit=restore: giving the guests their memory back as far as the host can "
             "afford, for at most %u s (signal again to exit at once)", restore->timeout_sec);
  return restore;
}

BallastPlan *
ballast_exit_restore_decide (BallastExitRestore *restore, const BallastPolicy *policy,
                             const BallastHostInput *host, const BallastGuestInput *guests,
                             gsize n_guests)
{
  BallastPlan *plan = ballast_exit_restore_plan (policy, host, guests, n_guests, &restore->finished);
  restore->cycles++;
  restore->granted_kib += plan->granted_kib;
  restore->below_max = 0;
  for (gsize i = 0; i < n_guests; i++)
    if (!guests[i].tuning.exclude && plan->decisions[i].target_kib < guests[i].max_kib)
      restore->below_max++;
  return plan;
}

gboolean
ballast_exit_restore_finished (BallastExitRestore *restore)
{
  return restore->finished;
}

void
ballast_exit_restore_free (BallastExitRestore *restore)
{
  if (restore == NULL)
    return;
  g_clear_handle_id (&restore->deadline_source, g_source_remove);
  g_autofree char *granted = ballast_size_format_kib (restore->granted_kib);
  gint64 took_msec = (g_get_monotonic_time () - restore->started_usec) / 1000;
  if (!restore->finished)
    g_message ("on-exit: restore cut short: %s granted in %u cycle(s), %" G_GINT64_FORMAT " ms",
               granted, restore->cycles, took_msec);
  else if (restore->below_max == 0)
    g_message ("on-exit: restore done: %s granted in %u cycle(s), %" G_GINT64_FORMAT " ms; "
               "every guest at its maximum", granted, restore->cycles, took_msec);
  else
    g_message ("on-exit: restore done: %s granted in %u cycle(s), %" G_GINT64_FORMAT " ms; "
               "%u guest(s) below their maximum: the host has no more to spare",
               granted, restore->cycles, took_msec, restore->below_max);
  g_free (restore);
}
