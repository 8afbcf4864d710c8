/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loan-clock.h"

#include "ballast-error.h"
#include "xml-util.h"

/* ---- The clock ---- */

void
ballast_loan_clock_advance (BallastLoanClock *clock, gint64 now_usec, const BallastDecision *decision)
{
  gboolean over = decision->fair_share_kib > 0 && decision->used_kib > decision->fair_share_kib;
  if (over && !clock->over)
    clock->since_usec = now_usec;
  clock->over = over;
}

guint64
ballast_loan_clock_seconds (const BallastLoanClock *clock, gint64 now_usec)
{
  if (!clock->over || now_usec <= clock->since_usec)
    return 0;
  return (guint64) ((now_usec - clock->since_usec) / G_USEC_PER_SEC);
}

/* ---- Its metadata element ---- */

#define WHAT "loan state"

static gboolean
is_element (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE;
}

gboolean
ballast_loan_state_parse (const char *xml, gint64 *ret_since_wall_usec, GError **error)
{
  g_autoptr(xmlDoc) doc = ballast_xml_parse (xml, WHAT, error);
  if (doc == NULL)
    return FALSE;
  xmlNode *root = xmlDocGetRootElement (doc);
  /* virDomainGetMetadata() hands the element back with its namespace; a
   * hand-written one may come without. Any other namespace is not ours. */
  if (!xmlStrEqual (root->name, (const xmlChar *) "state")
      || (root->ns != NULL && !xmlStrEqual (root->ns->href, (const xmlChar *) BALLAST_LOAN_STATE_NS)))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   WHAT " line %ld: expected <state xmlns='" BALLAST_LOAN_STATE_NS "'>, found <%s>",
                   xmlGetLineNo (root), (const char *) root->name);
      return FALSE;
    }
  xmlNode *since = NULL;
  for (xmlNode *child = root->children; child != NULL; child = child->next)
    {
      if (!is_element (child))
        continue;
      gboolean ours = child->ns == NULL
                      || xmlStrEqual (child->ns->href, (const xmlChar *) BALLAST_LOAN_STATE_NS);
      if (!ours || !xmlStrEqual (child->name, (const xmlChar *) "over-fair-share-since")
          || since != NULL)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       WHAT " line %ld: unexpected element <%s> in <state>", xmlGetLineNo (child),
                       (const char *) child->name);
          return FALSE;
        }
      since = child;
    }
  if (since == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   WHAT ": <state> has no <over-fair-share-since>");
      return FALSE;
    }
  g_autofree char *text = ballast_xml_text (since);
  /* No default time zone: a time without one is ambiguous across hosts. */
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   WHAT " line %ld: <over-fair-share-since>: '%s' is not an ISO 8601 time with a "
                   "time zone (like 2026-11-26T14:00:00Z)",
                   xmlGetLineNo (since), text);
      return FALSE;
    }
  *ret_since_wall_usec = g_date_time_to_unix (time) * G_USEC_PER_SEC
                         + g_date_time_get_microsecond (time);
  return TRUE;
}

char *
ballast_loan_state_format (gint64 since_wall_usec)
{
  /* Whole seconds: the clock counts seconds. */
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (since_wall_usec / G_USEC_PER_SEC);
  if (time == NULL) /* beyond year 9999: not a time this clock can have */
    time = g_date_time_new_now_utc ();
  /* Not g_date_time_format()'s %Y: it writes the year 375 as "375", which
   * is not ISO 8601 (fuzzing found it, regressions/loan-state). */
  return g_strdup_printf ("<state><over-fair-share-since>%04d-%02d-%02dT%02d:%02d:%02dZ"
                          "</over-fair-share-since></state>",
                          g_date_time_get_year (time), g_date_time_get_month (time),
                          g_date_time_get_day_of_month (time), g_date_time_get_hour (time),
                          g_date_time_get_minute (time), g_date_time_get_second (time));
}
