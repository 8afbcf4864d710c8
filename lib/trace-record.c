/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace-record.h"

#include "ballast-error.h"
#include "json-util.h"
#include "text-fields.h"

#include <string.h>

#define MAX_TRACE_BYTES ((gsize) 1 << 30)

void
ballast_trace_record_free (BallastTraceRecord *record)
{
  if (record == NULL)
    return;
  for (gsize i = 0; i < record->n_guests; i++)
    g_free (record->guests[i].name);
  g_free (record->guests);
  g_free (record);
}

BallastTraceRecord *
ballast_trace_record_new (gint64 time_usec, guint64 cycle, const BallastHostInput *host,
                          const BallastGuestInput *guests, gsize n_guests, const BallastPlan *plan,
                          gboolean shrink_allowed)
{
  BallastTraceRecord *record = g_new0 (BallastTraceRecord, 1);
  record->time_usec = time_usec;
  record->cycle = cycle;
  record->budget_total_kib = host->total_kib;
  record->budget_available_kib = host->available_kib;
  record->budget_overflow_kib = host->overflow_kib;
  record->arriving_kib = host->arriving_kib;
  record->reserve_kib = plan != NULL ? plan->reserve_kib : 0;
  record->has_psi = host->has_psi;
  record->psi_some_avg10_centipct = host->psi_some_avg10_centipct;
  record->decision_interval_sec = host->decision_interval_sec;
  record->shrink_allowed = shrink_allowed;
  record->n_guests = n_guests;
  record->guests = g_new0 (BallastTraceGuest, MAX (n_guests, 1));
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastGuestInput *in = &guests[i];
      BallastTraceGuest *g = &record->guests[i];
      *g = (BallastTraceGuest) {
        .name = g_strdup (in->name),
        .max_kib = in->max_kib,
        .current_kib = in->current_kib,
        .target_kib = in->target_kib,
        .usable_kib = in->usable_kib,
        .swap_in_kib_per_sec = in->swap_in_kib_per_sec,
        .major_faults_per_sec = in->major_faults_per_sec,
        .reported_total_kib = in->reported_total_kib,
        .used_growth_kib_per_sec = in->used_growth_kib_per_sec,
        .resident_kib = in->resident_kib,
        .unresponsive = in->unresponsive,
        .recently_shrunk = in->recently_shrunk,
        .settling = in->settling,
        .fixed = in->fixed,
        .free_page_reporting = in->free_page_reporting,
        .oom_deflated = in->oom_deflated,
        .oom_floor_kib = in->oom_floor_kib,
        .unreachable_kib = in->unreachable_kib,
        .over_fair_share_sec = in->over_fair_share_sec,
        .has_tuning = TRUE,
        .tuning = in->tuning,
        .decision_reason = -1,
      };
      /* Minimums are written resolved: a percentage of max means nothing
       * without the max, and the replay should not depend on it. */
      g->tuning.min = (BallastAmount) { .kib = MIN (ballast_amount_resolve_kib (&in->tuning.min, in->max_kib),
                                                    in->max_kib) };
      if (plan != NULL && i < plan->n_decisions)
        {
          g->has_decision = TRUE;
          g->decision_target_kib = plan->decisions[i].target_kib;
          g->decision_reason = plan->decisions[i].reason;
        }
    }
  return record;
}

/* ---- Writing ----------------------------------------------------------------- */

static void
add_u64 (json_object *object, const char *key, guint64 value)
{
  json_object_object_add (object, key, ballast_json_kib (value));
}

json_object *
ballast_trace_record_to_json (const BallastTraceRecord *record)
{
  json_object *root = json_object_new_object ();
  json_object_object_add (root, "version", json_object_new_int (BALLAST_TRACE_VERSION));
  json_object_object_add (root, "time_usec", json_object_new_int64 (record->time_usec));
  add_u64 (root, "cycle", record->cycle);
  json_object *host = json_object_new_object ();
  add_u64 (host, "budget_total_kib", record->budget_total_kib);
  add_u64 (host, "budget_available_kib", record->budget_available_kib);
  add_u64 (host, "budget_overflow_kib", record->budget_overflow_kib);
  add_u64 (host, "arriving_kib", record->arriving_kib);
  add_u64 (host, "reserve_kib", record->reserve_kib);
  json_object_object_add (host, "has_psi", json_object_new_boolean (record->has_psi));
  add_u64 (host, "psi_some_avg10_centipct", record->psi_some_avg10_centipct);
  add_u64 (host, "decision_interval_sec", record->decision_interval_sec);
  json_object_object_add (root, "host", host);
  json_object_object_add (root, "shrink_allowed", json_object_new_boolean (record->shrink_allowed));
  json_object *guests = json_object_new_array ();
  for (gsize i = 0; i < record->n_guests; i++)
    {
      const BallastTraceGuest *g = &record->guests[i];
      json_object *guest = json_object_new_object ();
      json_object_object_add (guest, "name", json_object_new_string (g->name));
      add_u64 (guest, "max_kib", g->max_kib);
      add_u64 (guest, "current_kib", g->current_kib);
      add_u64 (guest, "target_kib", g->target_kib);
      add_u64 (guest, "usable_kib", g->usable_kib);
      add_u64 (guest, "swap_in_kib_per_sec", g->swap_in_kib_per_sec);
      add_u64 (guest, "major_faults_per_sec", g->major_faults_per_sec);
      add_u64 (guest, "reported_total_kib", g->reported_total_kib);
      add_u64 (guest, "used_growth_kib_per_sec", g->used_growth_kib_per_sec);
      add_u64 (guest, "resident_kib", g->resident_kib);
      json_object_object_add (guest, "unresponsive", json_object_new_boolean (g->unresponsive));
      json_object_object_add (guest, "recently_shrunk", json_object_new_boolean (g->recently_shrunk));
      json_object_object_add (guest, "settling", json_object_new_boolean (g->settling));
      json_object_object_add (guest, "fixed", json_object_new_boolean (g->fixed));
      json_object_object_add (guest, "free_page_reporting", json_object_new_boolean (g->free_page_reporting));
      json_object_object_add (guest, "oom_deflated", json_object_new_boolean (g->oom_deflated));
      add_u64 (guest, "oom_floor_kib", g->oom_floor_kib);
      add_u64 (guest, "unreachable_kib", g->unreachable_kib);
      add_u64 (guest, "over_fair_share_sec", g->over_fair_share_sec);
      if (g->has_tuning)
        {
          json_object *tuning = json_object_new_object ();
          add_u64 (tuning, "min_kib", ballast_amount_resolve_kib (&g->tuning.min, g->max_kib));
          add_u64 (tuning, "shares", g->tuning.shares);
          add_u64 (tuning, "headroom_permille", g->tuning.headroom_permille);
          add_u64 (tuning, "headroom_floor_kib", g->tuning.headroom_floor_kib);
          add_u64 (tuning, "shrink_step_max_kib", g->tuning.shrink_step_max_kib);
          add_u64 (tuning, "grow_step_max_kib", g->tuning.grow_step_max_kib);
          json_object_object_add (tuning, "exclude", json_object_new_boolean (g->tuning.exclude));
          json_object_object_add (guest, "tuning", tuning);
        }
      if (g->has_decision)
        {
          json_object *decision = json_object_new_object ();
          add_u64 (decision, "target_kib", g->decision_target_kib);
          json_object_object_add (decision, "reason",
                                  g->decision_reason >= 0
                                  ? json_object_new_string (ballast_reason_code_to_string (g->decision_reason))
                                  : NULL);
          json_object_object_add (guest, "decision", decision);
        }
      json_object_array_add (guests, guest);
    }
  json_object_object_add (root, "guests", guests);
  return root;
}

char *
ballast_trace_record_format (const BallastTraceRecord *record)
{
  g_autoptr(json_object) json = ballast_trace_record_to_json (record);
  return g_strdup (json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- Reading ------------------------------------------------------------------ */

static gboolean
get_u64 (json_object *object, const char *where, const char *key, gboolean required,
         guint64 *ret_value, GError **error)
{
  json_object *value = NULL;
  if (!json_object_object_get_ex (object, key, &value) || value == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s%s\"%s\" is missing",
                   where, *where != '\0' ? ": " : "", key);
      return FALSE;
    }
  if (!json_object_is_type (value, json_type_int) || json_object_get_int64 (value) < 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s%s\"%s\" must be a non-negative whole number", where, *where != '\0' ? ": " : "", key);
      return FALSE;
    }
  *ret_value = (guint64) json_object_get_int64 (value);
  /* Sizes beyond 1 EiB are not a host's: refuse them rather than let sums
   * of them overflow. */
  if (g_str_has_suffix (key, "_kib") && *ret_value > BALLAST_TRACE_MAX_KIB)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s%s\"%s\" %" G_GUINT64_FORMAT " is out of range (at most 1 EiB)",
                   where, *where != '\0' ? ": " : "", key, *ret_value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_bool (json_object *object, const char *where, const char *key, gboolean *ret_value, GError **error)
{
  json_object *value = NULL;
  if (!json_object_object_get_ex (object, key, &value) || value == NULL)
    return TRUE;
  if (!json_object_is_type (value, json_type_boolean))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s%s\"%s\" must be true or false",
                   where, *where != '\0' ? ": " : "", key);
      return FALSE;
    }
  *ret_value = json_object_get_boolean (value);
  return TRUE;
}

static int
reason_from_string (const char *text)
{
  /* The codes are dense from 0; the engine names unknown ones "?". Asking
   * it keeps this in step when codes are added. */
  for (int code = BALLAST_REASON_HOLD_BALANCED; code < 256; code++)
    {
      const char *name = ballast_reason_code_to_string (code);
      if (strcmp (name, "?") == 0)
        break;
      if (g_strcmp0 (text, name) == 0)
        return code;
    }
  return -1;
}

static gboolean
parse_guest (json_object *object, const char *where, BallastTraceGuest *g, GError **error)
{
  json_object *value = NULL;
  guint64 number = 0;
  if (!json_object_is_type (object, json_type_object))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: expected an object", where);
      return FALSE;
    }
  if (!json_object_object_get_ex (object, "name", &value) || !json_object_is_type (value, json_type_string)
      || *json_object_get_string (value) == '\0')
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: \"name\" is missing or not a string", where);
      return FALSE;
    }
  g->name = g_strdup (json_object_get_string (value));
  g->decision_reason = -1;
  g_autofree char *named = g_strdup_printf ("%s (%s)", where, g->name);
  if (!get_u64 (object, named, "max_kib", TRUE, &g->max_kib, error)
      || !get_u64 (object, named, "current_kib", TRUE, &g->current_kib, error)
      || !get_u64 (object, named, "usable_kib", TRUE, &g->usable_kib, error)
      || !get_u64 (object, named, "swap_in_kib_per_sec", FALSE, &g->swap_in_kib_per_sec, error)
      || !get_u64 (object, named, "major_faults_per_sec", FALSE, &g->major_faults_per_sec, error)
      || !get_u64 (object, named, "reported_total_kib", FALSE, &g->reported_total_kib, error)
      || !get_u64 (object, named, "used_growth_kib_per_sec", FALSE, &g->used_growth_kib_per_sec, error)
      || !get_u64 (object, named, "resident_kib", FALSE, &g->resident_kib, error)
      || !get_bool (object, named, "unresponsive", &g->unresponsive, error)
      || !get_bool (object, named, "recently_shrunk", &g->recently_shrunk, error)
      || !get_bool (object, named, "settling", &g->settling, error)
      || !get_bool (object, named, "fixed", &g->fixed, error)
      || !get_bool (object, named, "free_page_reporting", &g->free_page_reporting, error)
      || !get_bool (object, named, "oom_deflated", &g->oom_deflated, error)
      || !get_u64 (object, named, "oom_floor_kib", FALSE, &g->oom_floor_kib, error)
      || !get_u64 (object, named, "unreachable_kib", FALSE, &g->unreachable_kib, error)
      || !get_u64 (object, named, "over_fair_share_sec", FALSE, &g->over_fair_share_sec, error))
    return FALSE;
  g->target_kib = g->current_kib;
  if (!get_u64 (object, named, "target_kib", FALSE, &g->target_kib, error))
    return FALSE;
  if (g->max_kib == 0 || g->current_kib > g->max_kib)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "%s: \"current_kib\" %" G_GUINT64_FORMAT " is above \"max_kib\" %" G_GUINT64_FORMAT
                   " (or max_kib is 0)", named, g->current_kib, g->max_kib);
      return FALSE;
    }
  if (json_object_object_get_ex (object, "tuning", &value) && value != NULL)
    {
      g_autofree char *at = g_strdup_printf ("%s.tuning", named);
      if (!json_object_is_type (value, json_type_object))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: expected an object", at);
          return FALSE;
        }
      g->has_tuning = TRUE;
      g->tuning.shares = 1;
      if (!get_u64 (value, at, "min_kib", FALSE, &g->tuning.min.kib, error)
          || !get_u64 (value, at, "shares", FALSE, &number, error))
        return FALSE;
      if (number > 0)
        g->tuning.shares = (guint) MIN (number, G_MAXUINT);
      number = 0;
      if (!get_u64 (value, at, "headroom_permille", FALSE, &number, error))
        return FALSE;
      g->tuning.headroom_permille = (guint) MIN (number, 100000);
      if (!get_u64 (value, at, "headroom_floor_kib", FALSE, &g->tuning.headroom_floor_kib, error)
          || !get_u64 (value, at, "shrink_step_max_kib", FALSE, &g->tuning.shrink_step_max_kib, error)
          || !get_u64 (value, at, "grow_step_max_kib", FALSE, &g->tuning.grow_step_max_kib, error)
          || !get_bool (value, at, "exclude", &g->tuning.exclude, error))
        return FALSE;
    }
  if (json_object_object_get_ex (object, "decision", &value) && value != NULL)
    {
      g_autofree char *at = g_strdup_printf ("%s.decision", named);
      if (!json_object_is_type (value, json_type_object))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: expected an object", at);
          return FALSE;
        }
      g->has_decision = TRUE;
      if (!get_u64 (value, at, "target_kib", TRUE, &g->decision_target_kib, error))
        return FALSE;
      json_object *reason = NULL;
      if (json_object_object_get_ex (value, "reason", &reason) && json_object_is_type (reason, json_type_string))
        g->decision_reason = reason_from_string (json_object_get_string (reason));
    }
  return TRUE;
}

BallastTraceRecord *
ballast_trace_record_parse (const char *line, GError **error)
{
  enum json_tokener_error status = json_tokener_success;
  g_autoptr(json_object) root = json_tokener_parse_verbose (line, &status);
  if (root == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "not valid JSON: %s",
                   json_tokener_error_desc (status));
      return NULL;
    }
  if (!json_object_is_type (root, json_type_object))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "expected a JSON object per line");
      return NULL;
    }
  guint64 version = 0;
  if (!get_u64 (root, "", "version", TRUE, &version, error))
    return NULL;
  if (version != BALLAST_TRACE_VERSION)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                   "trace version %" G_GUINT64_FORMAT " is not supported (this reads version %d)",
                   version, BALLAST_TRACE_VERSION);
      return NULL;
    }
  g_autoptr(BallastTraceRecord) record = g_new0 (BallastTraceRecord, 1);
  guint64 time_usec = 0, psi = 0, interval = 0;
  if (!get_u64 (root, "", "time_usec", TRUE, &time_usec, error)
      || !get_u64 (root, "", "cycle", FALSE, &record->cycle, error)
      || !get_bool (root, "", "shrink_allowed", &record->shrink_allowed, error))
    return NULL;
  record->time_usec = (gint64) MIN (time_usec, (guint64) G_MAXINT64);
  json_object *host = NULL;
  if (!json_object_object_get_ex (root, "host", &host) || !json_object_is_type (host, json_type_object))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "\"host\" is missing or not an object");
      return NULL;
    }
  if (!get_u64 (host, "host", "budget_total_kib", TRUE, &record->budget_total_kib, error)
      || !get_u64 (host, "host", "budget_available_kib", TRUE, &record->budget_available_kib, error)
      || !get_u64 (host, "host", "budget_overflow_kib", FALSE, &record->budget_overflow_kib, error)
      || !get_u64 (host, "host", "arriving_kib", FALSE, &record->arriving_kib, error)
      || !get_u64 (host, "host", "reserve_kib", FALSE, &record->reserve_kib, error)
      || !get_bool (host, "host", "has_psi", &record->has_psi, error)
      || !get_u64 (host, "host", "psi_some_avg10_centipct", FALSE, &psi, error)
      || !get_u64 (host, "host", "decision_interval_sec", FALSE, &interval, error))
    return NULL;
  record->psi_some_avg10_centipct = (guint) MIN (psi, 10000);
  record->decision_interval_sec = (guint) MIN (interval, 86400);
  if (record->budget_total_kib == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "host: \"budget_total_kib\" is 0");
      return NULL;
    }
  json_object *guests = NULL;
  if (!json_object_object_get_ex (root, "guests", &guests) || !json_object_is_type (guests, json_type_array))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "\"guests\" is missing or not an array");
      return NULL;
    }
  gsize n = json_object_array_length (guests);
  record->guests = g_new0 (BallastTraceGuest, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *where = g_strdup_printf ("guests[%" G_GSIZE_FORMAT "]", i);
      record->n_guests = i + 1; /* so that free releases the name */
      if (!parse_guest (json_object_array_get_idx (guests, i), where, &record->guests[i], error))
        return NULL;
    }
  record->n_guests = n;
  return g_steal_pointer (&record);
}

GPtrArray *
ballast_trace_parse (const char *text, const char *file_name, GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_trace_record_free);
  guint line_number = 0;
  const char *line = text;
  while (line != NULL && *line != '\0')
    {
      line_number++;
      const char *end = strchr (line, '\n');
      g_autofree char *copy = end != NULL ? g_strndup (line, (gsize) (end - line)) : g_strdup (line);
      line = end != NULL ? end + 1 : NULL;
      g_strstrip (copy);
      if (*copy == '\0')
        continue;
      g_autoptr(GError) local = NULL;
      BallastTraceRecord *record = ballast_trace_record_parse (copy, &local);
      if (record == NULL)
        {
          g_set_error (error, BALLAST_ERROR, local->code, "%s line %u: %s", file_name, line_number,
                       local->message);
          return NULL;
        }
      if (records->len > 0
          && record->time_usec < ((BallastTraceRecord *) records->pdata[records->len - 1])->time_usec)
        {
          ballast_trace_record_free (record);
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s line %u: \"time_usec\" goes backwards", file_name, line_number);
          return NULL;
        }
      g_ptr_array_add (records, record);
    }
  if (records->len == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: no trace records", file_name);
      return NULL;
    }
  return g_steal_pointer (&records);
}

GPtrArray *
ballast_trace_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, MAX_TRACE_BYTES, &text, error))
    return NULL;
  return ballast_trace_parse (text, path, error);
}

gboolean
ballast_trace_text_is_trace (const char *text)
{
  while (g_ascii_isspace (*text))
    text++;
  const char *end = strchr (text, '\n');
  g_autofree char *line = end != NULL ? g_strndup (text, (gsize) (end - text)) : g_strdup (text);
  g_autoptr(json_object) root = json_tokener_parse (line);
  return root != NULL && json_object_is_type (root, json_type_object)
         && json_object_object_get_ex (root, "version", NULL)
         && json_object_object_get_ex (root, "host", NULL);
}
