/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "psi.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>

/* "12.34" -> 1234. Exactly two decimals, as the kernel prints them. */
static gboolean
parse_centipct (const char *text, guint *ret_value)
{
  const char *dot = strchr (text, '.');
  guint64 whole, fraction;
  if (dot == NULL || strlen (dot + 1) != 2)
    return FALSE;
  if (!ballast_parse_u64 (text, (gsize) (dot - text), &whole)
      || !ballast_parse_u64 (dot + 1, 2, &fraction))
    return FALSE;
  if (whole > 100 || (whole == 100 && fraction > 0))
    return FALSE;
  *ret_value = (guint) (whole * 100 + fraction);
  return TRUE;
}

/* Parses one key=value token into LINE; SEEN_MASK collects which keys came. */
static gboolean
parse_psi_token (const char *token, BallastPsiLine *line, guint *seen_mask)
{
  const char *equals = strchr (token, '=');
  if (equals == NULL)
    return FALSE;
  const char *value = equals + 1;
  gsize key_length = (gsize) (equals - token);

  guint bit = key_length == 5 && strncmp (token, "avg10", 5) == 0 ? 1
             : key_length == 5 && strncmp (token, "avg60", 5) == 0 ? 2
             : key_length == 6 && strncmp (token, "avg300", 6) == 0 ? 4
             : key_length == 5 && strncmp (token, "total", 5) == 0 ? 8 : 0;
  if (*seen_mask & bit)
    return FALSE; /* the same key twice: which one would be true? */

  if (key_length == 5 && strncmp (token, "avg10", 5) == 0)
    {
      *seen_mask |= 1;
      return parse_centipct (value, &line->avg10_centipct);
    }
  if (key_length == 5 && strncmp (token, "avg60", 5) == 0)
    {
      *seen_mask |= 2;
      return parse_centipct (value, &line->avg60_centipct);
    }
  if (key_length == 6 && strncmp (token, "avg300", 6) == 0)
    {
      *seen_mask |= 4;
      return parse_centipct (value, &line->avg300_centipct);
    }
  if (key_length == 5 && strncmp (token, "total", 5) == 0)
    {
      *seen_mask |= 8;
      return ballast_parse_u64 (value, strlen (value), &line->total_usec);
    }
  return TRUE; /* a field from a newer kernel */
}

static gboolean
parse_psi_line (const char *line, guint line_no, BallastPsiLine *ret_line, GError **error)
{
  g_auto(GStrv) tokens = g_strsplit (line, " ", -1);
  BallastPsiLine parsed = { 0 };
  guint seen_mask = 0;
  for (guint i = 1; tokens[i] != NULL; i++)
    {
      if (!parse_psi_token (tokens[i], &parsed, &seen_mask))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "pressure line %u: cannot parse '%.40s'", line_no, tokens[i]);
          return FALSE;
        }
    }
  if (seen_mask != 15)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "pressure line %u: expected avg10, avg60, avg300 and total", line_no);
      return FALSE;
    }
  *ret_line = parsed;
  return TRUE;
}

gboolean
ballast_psi_parse (const char *text, BallastPsi *ret_psi, GError **error)
{
  BallastPsi psi = { 0 };
  gboolean has_some = FALSE;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (*line == '\0')
        continue;
      gboolean is_some = g_str_has_prefix (line, "some ");
      gboolean is_full = g_str_has_prefix (line, "full ");
      if (!is_some && !is_full)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "pressure line %u: expected 'some' or 'full', got '%.40s'",
                       i + 1, line);
          return FALSE;
        }
      gboolean *seen = is_some ? &has_some : &psi.has_full;
      if (*seen)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "pressure line %u: '%s' appears twice", i + 1,
                       is_some ? "some" : "full");
          return FALSE;
        }
      if (!parse_psi_line (line, i + 1, is_some ? &psi.some : &psi.full, error))
        return FALSE;
      *seen = TRUE;
    }
  if (!has_some)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "pressure: the 'some' line is missing");
      return FALSE;
    }
  *ret_psi = psi;
  return TRUE;
}

gboolean
ballast_psi_read_memory (const BallastPaths *paths, BallastPsi *ret_psi, GError **error)
{
  g_autofree char *path = g_build_filename (paths->proc_dir, "pressure", "memory", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) read_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                   "%s does not exist: the kernel has no PSI", path);
      return FALSE;
    }
  if (!ballast_read_small_file (path, 4096, &text, &read_error))
    {
      /* With psi=0 on the kernel command line the file exists but reading
       * fails with EOPNOTSUPP. */
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  if (!ballast_psi_parse (text, ret_psi, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}
