/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "start-check.h"

#include "ballast-error.h"
#include "size-units.h"

/* Sums saturate: the figures come from the domains' XML. */
static guint64
add_kib (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

static char *
format_ratio (guint permille)
{
  return g_strdup_printf ("%u.%02ux", permille / 1000, permille % 1000 / 10);
}

BallastStartCheck *
ballast_start_check (const BallastStartCheckHost *host, const BallastStartCheckGuest *running,
                     gsize n_running, const char *name, guint64 min_kib, guint64 max_kib)
{
  BallastStartCheck *check = g_new0 (BallastStartCheck, 1);
  guint64 floors = 0, maxima = 0;
  for (gsize i = 0; i < n_running; i++)
    {
      floors = add_kib (floors, running[i].floor_kib);
      maxima = add_kib (maxima, running[i].max_kib);
    }
  check->floors_kib = add_kib (floors, MIN (min_kib, max_kib));
  check->maxima_kib = add_kib (maxima, max_kib);
  check->room_kib = host->budget_kib > host->reserve_kib ? host->budget_kib - host->reserve_kib : 0;
  /* Rounded up: a promise a hair over the limit is over it. */
  guint64 budget = MAX (host->budget_kib, 1);
  guint64 remainder = check->maxima_kib % budget;
  guint64 thousandths = remainder > G_MAXUINT64 / 1000 ? 1000
                          : (remainder * 1000 + budget - 1) / budget;
  guint64 whole = check->maxima_kib / budget;
  check->ratio_permille = (guint) (whole > G_MAXUINT / 1000 - 1 ? G_MAXUINT : whole * 1000 + thousandths);

  g_autofree char *floors_text = ballast_size_format_kib (floors);
  g_autofree char *min_text = ballast_size_format_kib (MIN (min_kib, max_kib));
  g_autofree char *room_text = ballast_size_format_kib (check->room_kib);
  g_autofree char *budget_text = ballast_size_format_kib (host->budget_kib);
  g_autofree char *reserve_text = ballast_size_format_kib (host->reserve_kib);
  g_autofree char *maxima_text = ballast_size_format_kib (check->maxima_kib);
  g_autofree char *ratio_text = format_ratio (check->ratio_permille);
  g_autofree char *limit_text = host->max_ratio_permille > 0 ? format_ratio (host->max_ratio_permille) : NULL;
  if (check->floors_kib > check->room_kib)
    check->reason = g_strdup_printf ("refused: %s needs its min %s on top of the %s the %" G_GSIZE_FORMAT
                                     " running guests cannot give (their min or need), more than the %s "
                                     "the host has for guests (budget %s less the reserve %s)",
                                     name, min_text, floors_text, n_running, room_text, budget_text,
                                     reserve_text);
  else if (host->max_ratio_permille > 0 && check->ratio_permille > host->max_ratio_permille)
    check->reason = g_strdup_printf ("refused: with %s the guests' maxima would be %s on a %s budget, "
                                     "%s, over the policy's max-ratio %s",
                                     name, maxima_text, budget_text, ratio_text, limit_text);
  else
    {
      check->admit = TRUE;
      check->reason = g_strdup_printf ("admitted: %s's min %s and the running guests' %s fit in %s; "
                                       "maxima %s on a %s budget, %s%s%s",
                                       name, min_text, floors_text, room_text, maxima_text, budget_text,
                                       ratio_text, limit_text != NULL ? ", within max-ratio " : " (no max-ratio)",
                                       limit_text != NULL ? limit_text : "");
    }
  return check;
}

void
ballast_start_check_free (BallastStartCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->reason);
  g_free (check);
}

gboolean
ballast_ratio_parse_permille (const char *text, guint *ret_permille, GError **error)
{
  const char *p = text != NULL ? text : "";
  guint64 whole = 0, fraction = 0;
  guint digits = 0, decimals = 0;
  for (; g_ascii_isdigit (*p) && digits < 4; p++, digits++)
    whole = whole * 10 + (guint64) (*p - '0');
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p) && decimals < 3; p++, decimals++)
      fraction = fraction * 10 + (guint64) (*p - '0');
  for (guint d = decimals; d < 3; d++)
    fraction *= 10;
  guint64 permille = whole * 1000 + fraction;
  if (digits == 0 || *p != '\0' || permille < 100 || permille > 100000)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "'%s' is not a ratio from 0.1 to 100 (at most three decimals, as 1.5)", text ? text : "");
      return FALSE;
    }
  *ret_permille = (guint) permille;
  return TRUE;
}
