/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "duration.h"

#include "ballast-error.h"

#include <string.h>

#define INTERVAL_MIN_MSEC 10
#define INTERVAL_MAX_MSEC (86400 * 1000)

static const struct {
  const char *suffix;
  guint64 msec;
} units[] = {
  { "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "min", 60 * 1000 },
  { "h", 3600 * 1000 }, { "d", 86400 * 1000 },
};

/* Milliseconds in the unit named UNIT, or 0 for none. */
static guint64
unit_msec_of (const char *unit)
{
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (unit, units[i].suffix) == 0)
      return units[i].msec;
  return 0;
}

/* The digits at *P as a number (P moves past them); FALSE on none or on
 * overflow. RET_DIGITS counts them. */
static gboolean
take_digits (const char **p, guint64 *ret_value, gsize *ret_digits)
{
  guint64 value = 0;
  gsize digits = 0;
  for (; g_ascii_isdigit (**p); (*p)++, digits++)
    {
      guint digit = (guint) (**p - '0');
      if (value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *ret_value = value;
  *ret_digits = digits;
  return digits > 0;
}

static gboolean
not_a_duration (const char *text, GError **error)
{
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
               "'%s' is not a duration (e.g. 5, 0.5, 250ms, 10s, 5m, 2h)", text);
  return FALSE;
}

gboolean
ballast_duration_parse_msec (const char *text, guint64 *ret_msec, GError **error)
{
  if (text == NULL)
    return not_a_duration ("", error);

  const char *p = text;
  guint64 whole, fraction = 0;
  gsize whole_digits, fraction_digits = 0;
  if (!take_digits (&p, &whole, &whole_digits))
    return not_a_duration (text, error);
  if (*p == '.')
    {
      p++;
      if (!take_digits (&p, &fraction, &fraction_digits))
        return not_a_duration (text, error);
    }

  guint64 unit_msec = *p == '\0' ? 1000 : unit_msec_of (p); /* a bare number is seconds */
  if (unit_msec == 0)
    {
      const char *word = p;
      while (*word == ' ')
        word++;
      if (word == p || *word == '\0')
        return not_a_duration (text, error);
      if (unit_msec_of (word) != 0)
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                     "'%s': no blank between a number and its unit (e.g. 10s)", text);
      else
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                     "'%s': unknown time unit '%s' (expected ms, s, m or min, h or d)", text, word);
      return FALSE;
    }

  /* whole + fraction / 10^digits units, in whole milliseconds: the
   * fraction times the unit must divide exactly ("1.5ms" does not). */
  while (fraction_digits > 0 && fraction % 10 == 0)
    {
      fraction /= 10;
      fraction_digits--;
    }
  guint64 fraction_msec = 0;
  if (fraction > 0)
    {
      guint64 scale = 1, product;
      for (gsize i = 0; i < fraction_digits; i++)
        if (!g_uint64_checked_mul (&scale, scale, 10))
          return not_a_duration (text, error);
      /* FRACTION < SCALE: a product past 64 bits would need a SCALE of
       * 10^12 or more, which no unit (at most 2^10 x 5^5 ms) divides. */
      if (!g_uint64_checked_mul (&product, fraction, unit_msec) || product % scale != 0)
        return not_a_duration (text, error);
      fraction_msec = product / scale;
    }

  if (whole > BALLAST_DURATION_MAX_MSEC / unit_msec
      || whole * unit_msec + fraction_msec > BALLAST_DURATION_MAX_MSEC)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "'%s' is longer than a year", text);
      return FALSE;
    }
  *ret_msec = whole * unit_msec + fraction_msec;
  return TRUE;
}

gboolean
ballast_interval_parse_msec (const char *text, guint *ret_msec, GError **error)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autoptr(GError) local_error = NULL;
  guint64 msec = 0;
  if (!ballast_duration_parse_msec (stripped, &msec, &local_error)
      && !g_error_matches (local_error, BALLAST_ERROR, BALLAST_ERROR_RANGE))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "interval '%s' is not a duration (e.g. 5, 0.5 or 250ms)", text != NULL ? text : "");
      return FALSE;
    }
  if (local_error != NULL || msec < INTERVAL_MIN_MSEC || msec > INTERVAL_MAX_MSEC)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                   "interval '%s' must be between 10ms and 86400s", text);
      return FALSE;
    }
  *ret_msec = (guint) msec;
  return TRUE;
}
