/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "run-state.h"

#include "ballast-error.h"
#include "xml-util.h"

#define WHAT "run state"

static gboolean
is_ours (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE
         && (node->ns == NULL || xmlStrEqual (node->ns->href, (const xmlChar *) BALLAST_RUN_STATE_NS));
}

static gboolean
unexpected (xmlNode *child, xmlNode *parent, GError **error)
{
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
               WHAT " line %ld: unexpected element <%s> in <%s>", xmlGetLineNo (child),
               (const char *) child->name, (const char *) parent->name);
  return FALSE;
}

/* TEXT, found in FIELD of NODE, as wall-clock microseconds since the epoch. */
static gboolean
parse_time (const char *text, xmlNode *node, const char *field, gint64 *ret_usec, GError **error)
{
  /* No default time zone: a time without one is ambiguous across hosts. */
  g_autoptr(GDateTime) time = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
  if (time == NULL)
    {
      g_set_error (error, BALLAST_ERROR, text != NULL ? BALLAST_ERROR_PARSE : BALLAST_ERROR_MISSING,
                   WHAT " line %ld: %s: '%s' is not an ISO 8601 time with a time zone (like "
                   "2026-11-26T14:00:00Z)",
                   xmlGetLineNo (node), field, text != NULL ? text : "");
      return FALSE;
    }
  *ret_usec = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  return TRUE;
}

/* The `at` attribute of NODE. */
static gboolean
parse_at (xmlNode *node, gint64 *ret_usec, GError **error)
{
  g_autofree char *at = ballast_xml_attr (node, "at");
  g_autofree char *field = g_strdup_printf ("<%s at>", (const char *) node->name);
  return parse_time (at, node, field, ret_usec, error);
}

static gboolean
parse_spikes (xmlNode *spikes, BallastRunState *state, GError **error)
{
  gboolean has_peak = FALSE;
  /* All onsets are read and checked; the latest are kept. */
  g_autoptr(GArray) onsets = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (xmlNode *child = spikes->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_ours (child) && xmlStrEqual (child->name, (const xmlChar *) "peak") && !has_peak)
        {
          has_peak = TRUE;
          if (!ballast_xml_size_kib (child, WHAT, &state->spike_peak_kib, error)
              || !parse_at (child, &state->spike_peak_usec, error))
            return FALSE;
        }
      else if (is_ours (child) && xmlStrEqual (child->name, (const xmlChar *) "onset"))
        {
          gint64 at = 0;
          if (!parse_at (child, &at, error))
            return FALSE;
          if (onsets->len > 0 && at < g_array_index (onsets, gint64, onsets->len - 1))
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                           WHAT " line %ld: <onset>: earlier than the one before it (onsets go "
                           "oldest first)",
                           xmlGetLineNo (child));
              return FALSE;
            }
          g_array_append_val (onsets, at);
        }
      else
        return unexpected (child, spikes, error);
    }
  guint skip = onsets->len > BALLAST_SPIKE_ONSETS ? onsets->len - BALLAST_SPIKE_ONSETS : 0;
  state->n_spike_onsets = onsets->len - skip;
  for (guint i = 0; i < state->n_spike_onsets; i++)
    state->spike_onsets_usec[i] = g_array_index (onsets, gint64, skip + i);
  return TRUE;
}

gboolean
ballast_run_state_parse (const char *xml, BallastRunState *ret_state, GError **error)
{
  g_autoptr(xmlDoc) doc = ballast_xml_parse (xml, WHAT, error);
  if (doc == NULL)
    return FALSE;
  xmlNode *root = xmlDocGetRootElement (doc);
  /* virDomainGetMetadata() hands the element back with its namespace; a
   * hand-written one may come without. Any other namespace is not ours. */
  if (!xmlStrEqual (root->name, (const xmlChar *) "state")
      || (root->ns != NULL && !xmlStrEqual (root->ns->href, (const xmlChar *) BALLAST_RUN_STATE_NS)))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   WHAT " line %ld: expected <state xmlns='" BALLAST_RUN_STATE_NS "'>, found <%s>",
                   xmlGetLineNo (root), (const char *) root->name);
      return FALSE;
    }
  BallastRunState state = { 0 };
  gboolean has_spikes = FALSE;
  for (xmlNode *child = root->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (is_ours (child) && xmlStrEqual (child->name, (const xmlChar *) "over-fair-share-since")
          && !state.over_fair_share)
        {
          g_autofree char *text = ballast_xml_text (child);
          if (!parse_time (text, child, "<over-fair-share-since>",
                           &state.over_fair_share_since_usec, error))
            return FALSE;
          state.over_fair_share = TRUE;
        }
      else if (is_ours (child) && xmlStrEqual (child->name, (const xmlChar *) "spikes") && !has_spikes)
        {
          has_spikes = TRUE;
          if (!parse_spikes (child, &state, error))
            return FALSE;
        }
      else
        return unexpected (child, root, error);
    }
  if (!state.over_fair_share && !has_spikes)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   WHAT ": <state> has neither <over-fair-share-since> nor <spikes>");
      return FALSE;
    }
  *ret_state = state;
  return TRUE;
}

/* USEC (wall clock) as ISO 8601 in UTC, whole seconds. */
static void
append_time (GString *out, gint64 usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (time == NULL) /* beyond year 9999: not a time this state can have */
    time = g_date_time_new_now_utc ();
  /* Not g_date_time_format()'s %Y: it writes the year 375 as "375", which
   * is not ISO 8601 (fuzzing found it, regressions/run-state). */
  g_string_append_printf (out, "%04d-%02d-%02dT%02d:%02d:%02dZ", g_date_time_get_year (time),
                          g_date_time_get_month (time), g_date_time_get_day_of_month (time),
                          g_date_time_get_hour (time), g_date_time_get_minute (time),
                          g_date_time_get_second (time));
}

char *
ballast_run_state_format (const BallastRunState *state)
{
  gboolean has_spikes = state->spike_peak_kib > 0 || state->n_spike_onsets > 0;
  if (!state->over_fair_share && !has_spikes)
    return NULL;
  g_autoptr(GString) out = g_string_new ("<state>");
  if (state->over_fair_share)
    {
      g_string_append (out, "<over-fair-share-since>");
      append_time (out, state->over_fair_share_since_usec);
      g_string_append (out, "</over-fair-share-since>");
    }
  if (has_spikes)
    {
      g_string_append (out, "<spikes>");
      if (state->spike_peak_kib > 0)
        {
          g_string_append (out, "<peak unit='KiB' at='");
          append_time (out, state->spike_peak_usec);
          g_string_append_printf (out, "'>%" G_GUINT64_FORMAT "</peak>", state->spike_peak_kib);
        }
      for (guint i = 0; i < MIN (state->n_spike_onsets, BALLAST_SPIKE_ONSETS); i++)
        {
          g_string_append (out, "<onset at='");
          append_time (out, state->spike_onsets_usec[i]);
          g_string_append (out, "'/>");
        }
      g_string_append (out, "</spikes>");
    }
  g_string_append (out, "</state>");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
