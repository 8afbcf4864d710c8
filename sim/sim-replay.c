/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-replay.h"

#include "ballast-error.h"

#define MIB_IN_KIB G_GUINT64_CONSTANT (1024)

typedef struct {
  BallastSimGuest *guest;
  gint64 last_seen_msec;
  guint64 last_current_kib;
} ReplayGuest;

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

BallastSimScenario *
ballast_sim_scenario_from_trace (GPtrArray *records, const char *source, gboolean keep_tuning,
                                 GError **error)
{
  if (records->len == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: no trace records", source);
      return NULL;
    }
  const BallastTraceRecord *first = records->pdata[0];
  const BallastTraceRecord *last = records->pdata[records->len - 1];

  /* The cycle: the median interval between records, in whole 10 ms. */
  gint64 cycle_msec = 10000;
  if (records->len > 1)
    {
      g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
      for (guint i = 1; i < records->len; i++)
        {
          gint64 gap = (((BallastTraceRecord *) records->pdata[i])->time_usec
                        - ((BallastTraceRecord *) records->pdata[i - 1])->time_usec) / 1000;
          g_array_append_val (gaps, gap);
        }
      g_array_sort (gaps, compare_gint64);
      cycle_msec = g_array_index (gaps, gint64, gaps->len / 2);
    }
  cycle_msec = MAX ((cycle_msec + 5) / 10 * 10, 10);
  gint64 span_msec = (last->time_usec - first->time_usec) / 1000;
  if (cycle_msec > BALLAST_SIM_MAX_DURATION_MSEC || span_msec > BALLAST_SIM_MAX_DURATION_MSEC)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s: the trace spans %" G_GINT64_FORMAT " s with cycles of %" G_GINT64_FORMAT
                   " s: more than the simulator's limit of a year", source, span_msec / 1000,
                   cycle_msec / 1000);
      return NULL;
    }
  /* The model's step: the longest of at most a second, in whole 10 ms,
   * that divides the cycle (10 ms always does). */
  gint64 step_msec = 10;
  for (gint64 candidate = MIN (cycle_msec, 1000); candidate >= 10; candidate -= 10)
    if (cycle_msec % candidate == 0)
      {
        step_msec = candidate;
        break;
      }
  gint64 duration_msec = span_msec / cycle_msec * cycle_msec + cycle_msec;
  if (duration_msec / step_msec > BALLAST_SIM_MAX_STEPS)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s: replaying %" G_GINT64_FORMAT " s in steps of %" G_GINT64_FORMAT
                   " ms is more than the simulator's %" G_GINT64_FORMAT " steps; replay a part of the trace",
                   source, duration_msec / 1000, step_msec, BALLAST_SIM_MAX_STEPS);
      return NULL;
    }

  g_autoptr(BallastSimScenario) scenario = ballast_sim_scenario_new ();
  scenario->from_trace = TRUE;
  scenario->source = g_strdup (source);
  g_autofree char *base = g_path_get_basename (source);
  scenario->name = g_strdup (base);
  scenario->description = g_strdup_printf ("replay of %u recorded cycles", records->len);
  scenario->cycle_msec = cycle_msec;
  scenario->step_msec = step_msec;
  scenario->duration_msec = duration_msec;
  for (guint i = 0; i < records->len; i++)
    scenario->budget_kib = MAX (scenario->budget_kib, ((BallastTraceRecord *) records->pdata[i])->budget_total_kib);
  scenario->host_memory_kib = scenario->budget_kib;

  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GArray) other = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
  double fastest_kib_per_sec = 64.0 * MIB_IN_KIB;
  for (guint r = 0; r < records->len; r++)
    {
      const BallastTraceRecord *record = records->pdata[r];
      gint64 t = (record->time_usec - first->time_usec) / 1000;
      /* Align to the model's cycles: a record belongs to the cycle it falls in. */
      t = t / cycle_msec * cycle_msec;
      double balloons = 0;   /* a sum of up to 1 EiB each: in a double */
      for (gsize k = 0; k < record->n_guests; k++)
        {
          const BallastTraceGuest *g = &record->guests[k];
          balloons += (double) g->current_kib;
          ReplayGuest *replay = g_hash_table_lookup (by_name, g->name);
          if (replay == NULL)
            {
              BallastSimGuest *guest = g_new0 (BallastSimGuest, 1);
              guest->name = g_strdup (g->name);
              guest->max_kib = g->max_kib;
              guest->initial_kib = MAX (g->current_kib, 1);
              guest->start_msec = t;
              guest->stop_msec = G_MAXINT64;
              guest->oom_margin_kib = 128 * MIB_IN_KIB;
              guest->demand.points = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
              guest->recorded_targets = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
              if (keep_tuning && g->has_tuning)
                {
                  guest->tuning.values = g->tuning;
                  guest->tuning.set = BALLAST_TUNING_MIN | BALLAST_TUNING_SHARES
                                      | BALLAST_TUNING_HEADROOM_PERCENT | BALLAST_TUNING_HEADROOM_FLOOR
                                      | BALLAST_TUNING_SHRINK_STEP | BALLAST_TUNING_GROW_STEP
                                      | BALLAST_TUNING_EXCLUDE;
                }
              g_ptr_array_add (scenario->guests, guest);
              replay = g_new0 (ReplayGuest, 1);
              replay->guest = guest;
              replay->last_seen_msec = t;
              replay->last_current_kib = g->current_kib;
              g_hash_table_insert (by_name, guest->name, replay);
            }
          else if (t > replay->last_seen_msec)
            {
              guint64 moved = g->current_kib > replay->last_current_kib ? g->current_kib - replay->last_current_kib
                                                                       : replay->last_current_kib - g->current_kib;
              fastest_kib_per_sec = MAX (fastest_kib_per_sec,
                                         (double) moved * 1000.0 / (double) (t - replay->last_seen_msec));
            }
          BallastSimGuest *guest = replay->guest;
          guest->max_kib = MAX (guest->max_kib, g->max_kib);
          BallastSimPoint used = {
            .t_msec = t - guest->start_msec,
            .kib = g->current_kib > g->usable_kib ? g->current_kib - g->usable_kib : 0,
          };
          g_array_append_val (guest->demand.points, used);
          BallastSimPoint target = {
            .t_msec = t - guest->start_msec,
            .kib = g->has_decision ? g->decision_target_kib : g->target_kib,
          };
          g_array_append_val (guest->recorded_targets, target);
          replay->last_seen_msec = t;
          replay->last_current_kib = g->current_kib;
        }
      /* What the balloons do not explain is someone else's: the host's own
       * use, or a budget lowered below the largest one. */
      double unexplained = (double) scenario->budget_kib - (double) record->budget_available_kib - balloons;
      BallastSimPoint point = { t, unexplained > 0 ? (guint64) MIN (unexplained, (double) scenario->budget_kib) : 0 };
      g_array_append_val (other, point);
    }

  /* Guests that vanished before the end stop one cycle after they were
   * last seen. */
  gint64 end_msec = span_msec / cycle_msec * cycle_msec;
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, by_name);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ReplayGuest *replay = value;
      if (replay->last_seen_msec < end_msec)
        replay->guest->stop_msec = replay->last_seen_msec + cycle_msec;
      for (guint k = 0; k < replay->guest->demand.points->len; k++)
        {
          BallastSimPoint *p = &g_array_index (replay->guest->demand.points, BallastSimPoint, k);
          p->kib = MIN (p->kib, replay->guest->max_kib);
        }
    }
  scenario->has_other = TRUE;
  scenario->other.points = g_steal_pointer (&other);
  scenario->balloon_rate_kib_per_sec = (guint64) fastest_kib_per_sec;
  return g_steal_pointer (&scenario);
}
