/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "size-units.h"

#include "ballast-error.h"

#include <string.h>

typedef struct {
  const char *name;
  guint64 bytes;
} UnitEntry;

#define KIB G_GUINT64_CONSTANT (1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define TIB (GIB * 1024)
#define PIB (TIB * 1024)

/* The same table as libvirt's virScaleInteger(): the one-letter forms and
 * the "iB" forms are binary, the "B" forms are decimal. Matched without
 * regard to case except that "KB" style decimal names need their "B". */
static const UnitEntry unit_table[] = {
  { "b", 1 }, { "byte", 1 }, { "bytes", 1 },
  { "k", KIB }, { "kib", KIB }, { "kb", 1000 },
  { "m", MIB }, { "mib", MIB }, { "mb", 1000 * 1000 },
  { "g", GIB }, { "gib", GIB }, { "gb", G_GUINT64_CONSTANT (1000000000) },
  { "t", TIB }, { "tib", TIB }, { "tb", G_GUINT64_CONSTANT (1000000000000) },
  { "p", PIB }, { "pib", PIB }, { "pb", G_GUINT64_CONSTANT (1000000000000000) },
};

gboolean
ballast_unit_bytes (const char *unit, guint64 *ret_bytes, GError **error)
{
  if (unit == NULL || *unit == '\0')
    {
      *ret_bytes = KIB;
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (unit_table); i++)
    {
      if (g_ascii_strcasecmp (unit, unit_table[i].name) == 0)
        {
          *ret_bytes = unit_table[i].bytes;
          return TRUE;
        }
    }
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
               "unknown unit '%s' (expected one of b, KiB, MiB, GiB, TiB, KB, MB, GB, TB, or K, M, G, T)",
               unit);
  return FALSE;
}

gboolean
ballast_size_to_kib (guint64 value, const char *unit, guint64 *ret_kib, GError **error)
{
  guint64 bytes_per_unit;
  if (!ballast_unit_bytes (unit, &bytes_per_unit, error))
    return FALSE;
  if (bytes_per_unit % KIB == 0)
    {
      guint64 factor = bytes_per_unit / KIB;
      if (value > G_MAXUINT64 / factor)
        goto overflow;
      *ret_kib = value * factor;
      return TRUE;
    }
  /* Decimal or byte units: multiply first, then round up to whole KiB
   * (without the "+ KIB - 1" that would wrap near the top). */
  if (value > G_MAXUINT64 / bytes_per_unit)
    goto overflow;
  guint64 bytes = value * bytes_per_unit;
  *ret_kib = bytes / KIB + (bytes % KIB != 0);
  return TRUE;

overflow:
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
               "size %" G_GUINT64_FORMAT " %s is too large", value,
               unit != NULL ? unit : "KiB");
  return FALSE;
}

gboolean
ballast_size_parse_kib (const char *text, const char *default_unit,
                        guint64 *ret_kib, GError **error)
{
  const char *p = text;
  guint64 whole = 0;
  guint64 fraction = 0;   /* in thousandths */
  guint fraction_digits = 0;
  gboolean any_digit = FALSE;

  if (text == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "missing size");
      return FALSE;
    }
  while (g_ascii_isspace (*p))
    p++;
  while (g_ascii_isdigit (*p))
    {
      guint digit = (guint) (*p - '0');
      if (whole > (G_MAXUINT64 - digit) / 10)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                       "size '%s' is too large", text);
          return FALSE;
        }
      whole = whole * 10 + digit;
      any_digit = TRUE;
      p++;
    }
  if (*p == '.')
    {
      p++;
      while (g_ascii_isdigit (*p))
        {
          if (fraction_digits == 3)
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "size '%s' has more than 3 decimal places", text);
              return FALSE;
            }
          fraction = fraction * 10 + (guint64) (*p - '0');
          fraction_digits++;
          any_digit = TRUE;
          p++;
        }
    }
  if (!any_digit)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "'%s' is not a size (expected a number with an optional unit, e.g. 512M or 1.5G)",
                   text);
      return FALSE;
    }
  while (fraction_digits < 3)
    {
      fraction *= 10;
      fraction_digits++;
    }
  while (g_ascii_isspace (*p))
    p++;

  g_autofree char *unit = g_strdup (p);
  g_strchomp (unit);
  guint64 bytes_per_unit;
  g_autoptr(GError) unit_error = NULL;
  if (!ballast_unit_bytes (*unit != '\0' ? unit : default_unit, &bytes_per_unit, &unit_error))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "size '%s': %s",
                   text, unit_error->message);
      return FALSE;
    }

  /* whole * unit + fraction/1000 * unit, in bytes, checked for overflow. */
  if (whole > G_MAXUINT64 / bytes_per_unit)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "size '%s' is too large", text);
      return FALSE;
    }
  guint64 bytes = whole * bytes_per_unit;
  guint64 fraction_bytes = bytes_per_unit / 1000 * fraction
                           + (bytes_per_unit % 1000) * fraction / 1000;
  if (bytes > G_MAXUINT64 - fraction_bytes - KIB)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "size '%s' is too large", text);
      return FALSE;
    }
  bytes += fraction_bytes;
  *ret_kib = bytes / KIB + (bytes % KIB != 0);
  return TRUE;
}

char *
ballast_size_format_kib (guint64 kib)
{
  static const char *const names[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  if (kib < KIB)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " KiB", kib);

  /* Tenths, computed in integers so formatting never depends on floats. */
  guint unit = 0;
  guint64 scaled = kib;
  guint64 divisor = 1;
  while (scaled >= KIB && unit + 1 < G_N_ELEMENTS (names))
    {
      scaled /= KIB;
      divisor *= KIB;
      unit++;
    }
  guint64 tenths = (kib % divisor) * 10 / divisor;
  /* Round to nearest tenth. */
  guint64 rest = (kib % divisor) * 10 % divisor;
  if (rest * 2 >= divisor)
    tenths++;
  if (tenths == 10)
    {
      scaled++;
      tenths = 0;
    }
  /* 1023.96 MiB rounds to 1024.0 MiB: say 1.0 GiB instead. */
  if (scaled == KIB && unit + 1 < G_N_ELEMENTS (names))
    {
      scaled = 1;
      unit++;
    }
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT " %s",
                          scaled, tenths, names[unit]);
}

gboolean
ballast_percent_parse_permille (const char *text, guint max_percent,
                                guint *ret_permille, GError **error)
{
  const char *p = text;
  guint64 value = 0;
  if (text == NULL || !g_ascii_isdigit (*p))
    goto bad;
  while (g_ascii_isdigit (*p))
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > max_percent)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                       "percentage '%s' is above %u%%", text, max_percent);
          return FALSE;
        }
      p++;
    }
  if (*p == '%')
    p++;
  if (*p != '\0')
    goto bad;
  *ret_permille = (guint) value * 10;
  return TRUE;

bad:
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
               "'%s' is not a whole percentage (e.g. 10%%)", text != NULL ? text : "");
  return FALSE;
}

gboolean
ballast_amount_parse (const char *text, BallastAmount *ret_amount, GError **error)
{
  BallastAmount amount = { 0 };
  if (text != NULL && strchr (text, '%') != NULL)
    {
      amount.is_relative = TRUE;
      if (!ballast_percent_parse_permille (text, 100, &amount.permille, error))
        return FALSE;
    }
  else if (!ballast_size_parse_kib (text, NULL, &amount.kib, error))
    return FALSE;
  *ret_amount = amount;
  return TRUE;
}

guint64
ballast_amount_resolve_kib (const BallastAmount *amount, guint64 whole_kib)
{
  if (!amount->is_relative)
    return amount->kib;
  /* Split to avoid overflow for huge hosts. */
  return whole_kib / 1000 * amount->permille
         + whole_kib % 1000 * amount->permille / 1000;
}

char *
ballast_amount_format (const BallastAmount *amount)
{
  if (amount->is_relative)
    return g_strdup_printf ("%u%%", amount->permille / 10);
  return ballast_size_format_kib (amount->kib);
}
