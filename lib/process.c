/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "process.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <string.h>
#include <unistd.h>

/* The kernel's PID_MAX_LIMIT on 64-bit: no pid is larger. */
#define PID_MAX_LIMIT (4 * 1024 * 1024)

static gboolean
parse_pid (const char *text, gsize length, pid_t *ret_pid)
{
  guint64 value;
  if (!ballast_parse_u64 (text, length, &value) || value == 0 || value > PID_MAX_LIMIT)
    return FALSE;
  *ret_pid = (pid_t) value;
  return TRUE;
}

gboolean
ballast_proc_stat_parse (const char *text, BallastProcStat *ret_stat, GError **error)
{
  BallastProcStat stat = { 0 };
  const char *newline = strchr (text, '\n');
  if (newline != NULL && newline[1] != '\0')
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "stat line 2: one line expected, found '%.40s'", newline + 1);
      return FALSE;
    }
  g_autofree char *line = g_strndup (text, newline != NULL ? (gsize) (newline - text) : strlen (text));

  /* "37 (ksmd) S 2 0 ...": the name can hold anything but a NUL, ")" and
   * " " included, so it ends at the last ')'. */
  const char *open = strchr (line, '(');
  const char *close = strrchr (line, ')');
  if (open == NULL || close == NULL || close < open || open == line || open[-1] != ' '
      || !parse_pid (line, (gsize) (open - 1 - line), &stat.pid))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "stat line 1: expected 'PID (NAME) STATE ...', got '%.60s'", line);
      return FALSE;
    }
  gsize comm_length = MIN ((gsize) (close - open - 1), sizeof stat.comm - 1);
  memcpy (stat.comm, open + 1, comm_length);
  stat.comm[comm_length] = '\0';

  /* After the name: state (field 3) ... utime (14), stime (15). */
  g_auto(GStrv) fields = g_strsplit (close + 1, " ", -1);
  const char *after[13] = { NULL };
  guint n = 0;
  for (guint i = 0; fields[i] != NULL && n < G_N_ELEMENTS (after); i++)
    if (*fields[i] != '\0')
      after[n++] = fields[i];
  if (n < G_N_ELEMENTS (after))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "stat line 1: %u fields after the name '%s', expected at least 13",
                   n, stat.comm);
      return FALSE;
    }
  if (strlen (after[0]) != 1 || !g_ascii_isalpha (after[0][0]))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "stat line 1: state '%.10s' is not one letter", after[0]);
      return FALSE;
    }
  stat.state = after[0][0];
  if (!ballast_parse_u64 (after[11], strlen (after[11]), &stat.utime_ticks)
      || !ballast_parse_u64 (after[12], strlen (after[12]), &stat.stime_ticks))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "stat line 1: utime '%.24s' and stime '%.24s' must be unsigned numbers",
                   after[11], after[12]);
      return FALSE;
    }
  *ret_stat = stat;
  return TRUE;
}

gboolean
ballast_proc_stat_read (const BallastPaths *paths, pid_t pid, BallastProcStat *ret_stat,
                        GError **error)
{
  g_autofree char *pid_text = g_strdup_printf ("%d", (int) pid);
  g_autofree char *path = g_build_filename (paths->proc_dir, pid_text, "stat", NULL);
  g_autofree char *text = NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "process %d is gone (no %s)",
                   (int) pid, path);
      return FALSE;
    }
  if (!ballast_read_small_file (path, 4096, &text, error))
    return FALSE;
  if (!ballast_proc_stat_parse (text, ret_stat, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

guint64
ballast_proc_ticks_to_usec (guint64 ticks, long ticks_per_sec)
{
  if (ticks_per_sec <= 0)
    ticks_per_sec = 100;
  guint64 per_sec = (guint64) ticks_per_sec;
  return ticks / per_sec * G_USEC_PER_SEC + ticks % per_sec * G_USEC_PER_SEC / per_sec;
}

gboolean
ballast_proc_find_by_comm (const BallastPaths *paths, const char *comm, pid_t *ret_pid,
                           GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) dir = g_dir_open (paths->proc_dir, 0, &local_error);
  if (dir == NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot list %s: %s", paths->proc_dir,
                   local_error->message);
      return FALSE;
    }
  pid_t best = 0;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      pid_t pid;
      if (!parse_pid (name, strlen (name), &pid))
        continue;
      if (best != 0 && pid >= best)
        continue;
      g_autofree char *path = g_build_filename (paths->proc_dir, name, "comm", NULL);
      g_autofree char *text = NULL;
      /* Processes come and go while we look: a vanished one is no match. */
      if (!ballast_read_small_file (path, 256, &text, NULL))
        continue;
      g_strchomp (text);
      if (strcmp (text, comm) == 0)
        best = pid;
    }
  if (best == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "no process named %s in %s",
                   comm, paths->proc_dir);
      return FALSE;
    }
  *ret_pid = best;
  return TRUE;
}

gboolean
ballast_proc_cpu_usec_read (const BallastPaths *paths, pid_t pid, const char *expected_comm,
                            guint64 *ret_cpu_usec, GError **error)
{
  BallastProcStat stat;
  if (!ballast_proc_stat_read (paths, pid, &stat, error))
    return FALSE;
  if (expected_comm != NULL && strcmp (stat.comm, expected_comm) != 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "process %d is now '%s', not %s", (int) pid, stat.comm, expected_comm);
      return FALSE;
    }
  *ret_cpu_usec = ballast_proc_ticks_to_usec (stat.utime_ticks + stat.stime_ticks,
                                              sysconf (_SC_CLK_TCK));
  return TRUE;
}

gboolean
ballast_pid_file_read (const char *run_dir, const char *name, pid_t *ret_pid, GError **error)
{
  if (*name == '\0' || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "'%s' cannot name a pid file", name);
      return FALSE;
    }
  g_autofree char *file_name = g_strconcat (name, ".pid", NULL);
  g_autofree char *path = g_build_filename (run_dir, file_name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s does not exist", path);
      return FALSE;
    }
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, 64, &text, error))
    return FALSE;
  gsize length = strlen (text);
  if (length > 0 && text[length - 1] == '\n')
    length--;
  if (!parse_pid (text, length, ret_pid))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s line 1: expected a pid from 1 to %d, got '%.*s'", path, PID_MAX_LIMIT,
                   (int) MIN (length, 32), text);
      return FALSE;
    }
  return TRUE;
}
