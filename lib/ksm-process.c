/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-process.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>

typedef enum {
  VALUE_UNSIGNED,
  VALUE_SIGNED,
  VALUE_YES_NO,
} ValueKind;

typedef struct {
  const char *key;
  BallastKsmProcessField bit;
  ValueKind kind;
} StatField;

static const StatField stat_fields[] = {
  { "ksm_rmap_items", BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS, VALUE_UNSIGNED },
  /* %ld of an atomic in newer kernels; "zero_pages_sharing" while the
   * feature was being merged. */
  { "ksm_zero_pages", BALLAST_KSM_PROCESS_HAS_ZERO_PAGES, VALUE_SIGNED },
  { "zero_pages_sharing", BALLAST_KSM_PROCESS_HAS_ZERO_PAGES, VALUE_SIGNED },
  { "ksm_merging_pages", BALLAST_KSM_PROCESS_HAS_MERGING_PAGES, VALUE_UNSIGNED },
  { "ksm_process_profit", BALLAST_KSM_PROCESS_HAS_PROFIT, VALUE_SIGNED },
  { "ksm_merge_any", BALLAST_KSM_PROCESS_HAS_MERGE_ANY, VALUE_YES_NO },
  { "ksm_mergeable", BALLAST_KSM_PROCESS_HAS_MERGEABLE, VALUE_YES_NO },
};

static gboolean
parse_signed (const char *text, gint64 *ret_value)
{
  gboolean negative = text[0] == '-';
  const char *digits = negative ? text + 1 : text;
  guint64 magnitude;
  if (!ballast_parse_u64 (digits, strlen (digits), &magnitude) || magnitude > (guint64) G_MAXINT64)
    return FALSE;
  *ret_value = negative ? -(gint64) magnitude : (gint64) magnitude;
  return TRUE;
}

static gboolean
store (BallastKsmProcess *process, const StatField *field, const char *value, char **ret_problem)
{
  guint64 number = 0;
  gint64 signed_number = 0;
  switch (field->kind)
    {
    case VALUE_YES_NO:
      if (strcmp (value, "yes") != 0 && strcmp (value, "no") != 0)
        {
          *ret_problem = g_strdup_printf ("expected yes or no, got '%.40s'", value);
          return FALSE;
        }
      if (field->bit == BALLAST_KSM_PROCESS_HAS_MERGE_ANY)
        process->merge_any = strcmp (value, "yes") == 0;
      else
        process->mergeable = strcmp (value, "yes") == 0;
      return TRUE;
    case VALUE_SIGNED:
      if (!parse_signed (value, &signed_number))
        {
          *ret_problem = g_strdup_printf ("expected a whole number, got '%.40s'", value);
          return FALSE;
        }
      if (field->bit == BALLAST_KSM_PROCESS_HAS_PROFIT)
        process->process_profit_bytes = signed_number;
      else
        /* A count printed from an atomic: a transient negative is a race. */
        process->zero_pages = (guint64) MAX (signed_number, 0);
      return TRUE;
    case VALUE_UNSIGNED:
    default:
      if (!ballast_parse_u64 (value, strlen (value), &number))
        {
          *ret_problem = g_strdup_printf ("expected an unsigned number, got '%.40s'", value);
          return FALSE;
        }
      if (field->bit == BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS)
        process->rmap_items = number;
      else
        process->merging_pages = number;
      return TRUE;
    }
}

gboolean
ballast_ksm_process_parse_stat (const char *text, BallastKsmProcess *ret_process, GError **error)
{
  BallastKsmProcess process = { 0 };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (*line == '\0')
        continue;
      gsize key_length = strcspn (line, " :");
      const StatField *field = NULL;
      for (gsize j = 0; j < G_N_ELEMENTS (stat_fields); j++)
        if (strlen (stat_fields[j].key) == key_length
            && strncmp (stat_fields[j].key, line, key_length) == 0)
          field = &stat_fields[j];
      if (field == NULL)
        continue;
      const char *value = line + key_length;
      if (*value == ':')
        value++;
      if (*value != ' ')
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "ksm_stat line %u: expected '%s VALUE', got '%.60s'", i + 1, field->key, line);
          return FALSE;
        }
      value++;
      if (process.present & field->bit)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "ksm_stat line %u: %s appears twice", i + 1, field->key);
          return FALSE;
        }
      g_autofree char *problem = NULL;
      if (!store (&process, field, value, &problem))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "ksm_stat line %u: %s: %s",
                       i + 1, field->key, problem);
          return FALSE;
        }
      process.present |= field->bit;
    }
  *ret_process = process;
  return TRUE;
}

/* Read PATH if it exists: TRUE with *RET_TEXT NULL when it does not. */
static gboolean
read_optional (const char *path, char **ret_text, GError **error)
{
  *ret_text = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  return ballast_read_small_file (path, 4096, ret_text, error);
}

gboolean
ballast_ksm_process_read (const BallastPaths *paths, pid_t pid, BallastKsmProcess *ret_process,
                          GError **error)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  g_autofree char *dir = g_build_filename (paths->proc_dir, pid_text, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "process %d is gone (no %s)",
                   (int) pid, dir);
      return FALSE;
    }
  BallastKsmProcess process = { 0 };
  g_autofree char *stat_path = g_build_filename (dir, "ksm_stat", NULL);
  g_autofree char *stat_text = NULL;
  if (!read_optional (stat_path, &stat_text, error))
    return FALSE;
  if (stat_text != NULL && !ballast_ksm_process_parse_stat (stat_text, &process, error))
    {
      g_prefix_error (error, "%s: ", dir);
      return FALSE;
    }
  if (!(process.present & BALLAST_KSM_PROCESS_HAS_MERGING_PAGES))
    {
      /* Before ksm_stat had it (6.4), only its own file had the count ("18944\n"). */
      g_autofree char *pages_path = g_build_filename (dir, "ksm_merging_pages", NULL);
      g_autofree char *pages_text = NULL;
      if (!read_optional (pages_path, &pages_text, error))
        return FALSE;
      if (pages_text != NULL && *pages_text != '\0')
        {
          gsize length = strlen (pages_text);
          if (pages_text[length - 1] == '\n')
            length--;
          if (!ballast_parse_u64 (pages_text, length, &process.merging_pages))
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                           "%s line 1: expected an unsigned number, got '%.*s'", pages_path,
                           (int) MIN (length, 40), pages_text);
              return FALSE;
            }
          process.present |= BALLAST_KSM_PROCESS_HAS_MERGING_PAGES;
        }
    }
  *ret_process = process;
  return TRUE;
}

guint64
ballast_ksm_process_merged_pages (const BallastKsmProcess *process)
{
  return process->merging_pages + process->zero_pages;
}
