/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A validator of Prometheus' text exposition format, written from its
 * specification (prometheus.io, "Exposition formats", text format 0.0.4),
 * so the tests judge ballastd's metrics by the format rather than by the
 * code that wrote them. */
#include "prom-validate.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
  GHashTable *types;     /* family -> "counter", "gauge", ... */
  GHashTable *helps;     /* families with a HELP line */
  GHashTable *finished;  /* families whose samples are behind us */
  GHashTable *series;    /* "name{sorted labels}" seen */
  char *current;         /* the family of the previous sample */
} Validator;

static gboolean
fail (GError **error, guint line_number, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, guint line_number, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "line %u: %s", line_number, message);
  return FALSE;
}

static gsize
name_length (const char *text, gboolean allow_colon)
{
  gsize n = 0;
  while (g_ascii_isalpha (text[n]) || text[n] == '_' || (allow_colon && text[n] == ':')
         || (n > 0 && g_ascii_isdigit (text[n])))
    n++;
  return n;
}

static gboolean
is_metric_name (const char *name)
{
  return *name != '\0' && name_length (name, TRUE) == strlen (name);
}

static gboolean
is_number (const char *text)
{
  if (strcmp (text, "NaN") == 0 || strcmp (text, "+Inf") == 0 || strcmp (text, "-Inf") == 0)
    return TRUE;
  char *end = NULL;
  g_ascii_strtod (text, &end);
  return *text != '\0' && end != NULL && *end == '\0' && strpbrk (text, "xXpP") == NULL
         && g_ascii_strncasecmp (text, "inf", 3) != 0 && g_ascii_strncasecmp (text, "nan", 3) != 0;
}

/* The family a sample NAME belongs to: itself, or for histograms and
 * summaries the name without _bucket, _sum or _count. */
static const char *
family_of (Validator *validator, const char *name, char **ret_owned)
{
  *ret_owned = NULL;
  if (g_hash_table_contains (validator->types, name))
    return name;
  static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      if (!g_str_has_suffix (name, suffixes[i]))
        continue;
      char *base = g_strndup (name, strlen (name) - strlen (suffixes[i]));
      const char *type = g_hash_table_lookup (validator->types, base);
      if (g_strcmp0 (type, "histogram") == 0 || g_strcmp0 (type, "summary") == 0)
        return *ret_owned = base;
      g_free (base);
    }
  return NULL;
}

static gboolean
check_comment (Validator *validator, const char *line, guint number, GError **error)
{
  g_auto(GStrv) words = g_strsplit (line, " ", 4);
  gboolean is_help = g_strv_length (words) >= 3 && strcmp (words[1], "HELP") == 0;
  gboolean is_type = g_strv_length (words) >= 3 && strcmp (words[1], "TYPE") == 0;
  if (strcmp (words[0], "#") != 0 || (!is_help && !is_type))
    return TRUE; /* any other comment is allowed and ignored */
  const char *name = words[2];
  if (!is_metric_name (name))
    return fail (error, number, "'%s' is not a metric name", name);
  if (is_help)
    {
      if (!g_hash_table_add (validator->helps, g_strdup (name)))
        return fail (error, number, "a second HELP for %s", name);
      const char *text = words[3] != NULL ? words[3] : "";
      for (const char *p = text; *p != '\0'; p++)
        if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
          return fail (error, number, "HELP of %s: only \\\\ and \\n may be escaped", name);
        else if (*p == '\\')
          p++;
      return TRUE;
    }
  static const char *const types[] = { "counter", "gauge", "histogram", "summary", "untyped" };
  const char *type = words[3];
  gboolean known = FALSE;
  for (gsize i = 0; type != NULL && i < G_N_ELEMENTS (types); i++)
    known |= strcmp (type, types[i]) == 0;
  if (!known)
    return fail (error, number, "TYPE of %s: '%s' is not a metric type", name, type ? type : "");
  if (g_hash_table_contains (validator->types, name))
    return fail (error, number, "a second TYPE for %s", name);
  if (g_strcmp0 (validator->current, name) == 0 || g_hash_table_contains (validator->finished, name))
    return fail (error, number, "TYPE of %s after its samples", name);
  g_hash_table_insert (validator->types, g_strdup (name), g_strdup (type));
  return TRUE;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Parse "{a="x",b="y"}" at *CURSOR into sorted "a=x\x1fb=y" for the series key. */
static gboolean
parse_labels (const char **cursor, guint number, char **ret_key, GError **error)
{
  const char *p = *cursor + 1; /* past '{' */
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  while (*p != '}')
    {
      gsize length = name_length (p, FALSE);
      if (length == 0)
        return fail (error, number, "a label name expected at '%.20s'", p);
      g_autofree char *label_name = g_strndup (p, length);
      p += length;
      if (p[0] != '=' || p[1] != '"')
        return fail (error, number, "label %s: =\" expected", label_name);
      p += 2;
      GString *value = g_string_new (NULL);
      while (*p != '"')
        {
          if (*p == '\0' || *p == '\n')
            {
              g_string_free (value, TRUE);
              return fail (error, number, "label %s: value not closed", label_name);
            }
          if (*p == '\\')
            {
              p++;
              if (*p != '\\' && *p != '"' && *p != 'n')
                {
                  g_string_free (value, TRUE);
                  return fail (error, number, "label %s: bad escape \\%c", label_name, *p);
                }
            }
          g_string_append_c (value, *p++);
        }
      p++; /* closing quote */
      if (!g_hash_table_add (names, g_strdup (label_name)))
        {
          g_string_free (value, TRUE);
          return fail (error, number, "label %s twice", label_name);
        }
      g_ptr_array_add (pairs, g_strdup_printf ("%s=%s", label_name, value->str));
      g_string_free (value, TRUE);
      if (*p == ',')
        p++;
      else if (*p != '}')
        return fail (error, number, "',' or '}' expected after label %s", label_name);
    }
  *cursor = p + 1;
  g_ptr_array_sort (pairs, compare_strings);
  g_ptr_array_add (pairs, NULL);
  *ret_key = g_strjoinv ("\x1f", (char **) pairs->pdata);
  return TRUE;
}

static gboolean
check_sample (Validator *validator, const char *line, guint number, GError **error)
{
  gsize length = name_length (line, TRUE);
  if (length == 0)
    return fail (error, number, "a metric name expected at '%.20s'", line);
  g_autofree char *name = g_strndup (line, length);
  const char *p = line + length;
  g_autofree char *labels = g_strdup ("");
  if (*p == '{')
    {
      g_clear_pointer (&labels, g_free);
      if (!parse_labels (&p, number, &labels, error))
        return FALSE;
    }
  if (*p != ' ')
    return fail (error, number, "%s: a space and a value expected", name);
  g_auto(GStrv) rest = g_strsplit (p + 1, " ", -1);
  guint n_rest = g_strv_length (rest);
  if (n_rest < 1 || n_rest > 2 || !is_number (rest[0]))
    return fail (error, number, "%s: '%s' is not a value [timestamp]", name, p + 1);
  if (n_rest == 2)
    {
      gint64 timestamp;
      if (!g_ascii_string_to_signed (rest[1], 10, G_MININT64, G_MAXINT64, &timestamp, NULL))
        return fail (error, number, "%s: bad timestamp '%s'", name, rest[1]);
    }

  g_autofree char *owned_family = NULL;
  const char *family = family_of (validator, name, &owned_family);
  if (family == NULL)
    return fail (error, number, "%s has no TYPE line before it", name);
  if (g_strcmp0 (validator->current, family) != 0)
    {
      if (g_hash_table_contains (validator->finished, family))
        return fail (error, number, "the samples of %s are not together", family);
      if (validator->current != NULL)
        g_hash_table_add (validator->finished, g_steal_pointer (&validator->current));
      validator->current = g_strdup (family);
    }
  if (strcmp (g_hash_table_lookup (validator->types, family), "counter") == 0
      && rest[0][0] == '-')
    return fail (error, number, "counter %s is negative", name);
  g_autofree char *series = g_strdup_printf ("%s{%s}", name, labels);
  if (!g_hash_table_add (validator->series, g_steal_pointer (&series)))
    return fail (error, number, "%s: the same series twice", name);
  return TRUE;
}

gboolean
prom_validate (const char *text, GError **error)
{
  if (*text != '\0' && !g_str_has_suffix (text, "\n"))
    return fail (error, 0, "the text does not end with a newline");
  Validator validator = {
    .types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
    .helps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .finished = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
  };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean ok = TRUE;
  for (guint i = 0; ok && lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (*line == '\0')
        continue;
      ok = line[0] == '#' ? check_comment (&validator, line, i + 1, error)
                          : check_sample (&validator, line, i + 1, error);
    }
  g_hash_table_unref (validator.types);
  g_hash_table_unref (validator.helps);
  g_hash_table_unref (validator.finished);
  g_hash_table_unref (validator.series);
  g_free (validator.current);
  return ok;
}
