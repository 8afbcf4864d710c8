/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon-config.h"

#include "config.h"

#include "ballast-error.h"
#include "duration.h"
#include "text-fields.h"

#include <string.h>

#define CONFIG_GROUP "ballastd"

void
ballast_daemon_config_init (BallastDaemonConfig *config)
{
  *config = (BallastDaemonConfig) {
    .uri = g_strdup ("qemu:///system"),
    .interval_msec = 5000,
    .stats_period_sec = 5,
    /* A cloud image loads virtio_balloon late in its boot, and the first
     * report comes a stats period after that. */
    .driver_wait_sec = 120,
    .overcommit = BALLAST_OVERCOMMIT_AUTO,
    .budget = BALLAST_BUDGET_MEMINFO,
    .on_exit = BALLAST_ON_EXIT_KEEP,
    .on_exit_timeout_sec = 30,
    .socket_path = g_build_filename (BALLAST_RUNSTATEDIR, "ballast", "ballastd.sock", NULL),
    .socket_max_per_uid = 16,
    .socket_idle_timeout_sec = 60,
    .socket_request_timeout_sec = 10,
    .socket_admin_group = g_strdup ("ballast"),
  };
}

void
ballast_daemon_config_clear (BallastDaemonConfig *config)
{
  g_clear_pointer (&config->uri, g_free);
  g_clear_pointer (&config->cgroup_partition, g_free);
  g_clear_pointer (&config->socket_path, g_free);
  g_clear_pointer (&config->socket_admin_group, g_free);
  g_clear_pointer (&config->policy_path, g_free);
  g_clear_pointer (&config->metrics_textfile, g_free);
  g_clear_pointer (&config->record_path, g_free);
}

static gboolean
parse_boolean (const char *value, gboolean *ret_value, GError **error)
{
  if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "yes") == 0 || g_strcmp0 (value, "1") == 0)
    *ret_value = TRUE;
  else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "no") == 0 || g_strcmp0 (value, "0") == 0)
    *ret_value = FALSE;
  else
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "'%s' is not a boolean (true or false)", value);
      return FALSE;
    }
  return TRUE;
}

static void
replace_string (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

/* KEY's VALUE as a whole number of UNITS between MIN and MAX. */
static gboolean
set_uint_in_range (const char *key, const char *value, guint min, guint max, const char *units,
                   guint *slot, GError **error)
{
  guint64 number;
  if (value == NULL || !ballast_parse_u64 (value, strlen (value), &number) || number < min
      || number > max)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "%s: '%s' is not a number of %s between %u and %u", key,
                   value != NULL ? value : "", units, min, max);
      return FALSE;
    }
  *slot = (guint) number;
  return TRUE;
}

/* Empty: no group. Otherwise a name getgrnam() could find: letters,
 * digits, '_', '-' and '.', not starting with '-' (useradd's rule, less
 * its trailing '$'). */
static gboolean
set_group_name (const char *key, const char *value, char **slot, GError **error)
{
  if (value == NULL || *value == '\0')
    {
      replace_string (slot, NULL);
      return TRUE;
    }
  gboolean valid = *value != '-' && strlen (value) <= 32;
  for (const char *p = value; valid && *p != '\0'; p++)
    valid = g_ascii_isalnum (*p) || *p == '_' || *p == '-' || *p == '.';
  if (!valid)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "%s: '%s' is not a group name (letters, digits, '_', '-' and '.'; "
                   "empty for none)", key, value);
      return FALSE;
    }
  replace_string (slot, value);
  return TRUE;
}

gboolean
ballast_daemon_config_set (BallastDaemonConfig *config, const char *key, const char *value,
                           GError **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean ok = TRUE;

  if (strcmp (key, "connect") == 0)
    {
      if (value == NULL || *value == '\0')
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "connect: empty URI");
          return FALSE;
        }
      replace_string (&config->uri, value);
    }
  else if (strcmp (key, "interval") == 0)
    ok = ballast_interval_parse_msec (value, &config->interval_msec, &local_error);
  else if (strcmp (key, "stats-period") == 0)
    return set_uint_in_range (key, value, 1, 3600, "seconds", &config->stats_period_sec, error);
  else if (strcmp (key, "driver-wait") == 0)
    return set_uint_in_range (key, value, 0, 86400, "seconds", &config->driver_wait_sec, error);
  else if (strcmp (key, "dry-run") == 0)
    ok = parse_boolean (value, &config->dry_run, &local_error);
  else if (strcmp (key, "overcommit") == 0)
    {
      ok = ballast_overcommit_mode_parse (value, &config->overcommit, &local_error);
      config->overcommit_set |= ok;
    }
  else if (strcmp (key, "reserve") == 0)
    {
      ok = ballast_amount_parse (value, &config->reserve, &local_error);
      config->reserve_set |= ok;
    }
  else if (strcmp (key, "budget") == 0)
    {
      if (g_strcmp0 (value, "meminfo") == 0)
        config->budget = BALLAST_BUDGET_MEMINFO;
      else if (g_strcmp0 (value, "cgroup") == 0)
        config->budget = BALLAST_BUDGET_CGROUP;
      else
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "budget: '%s' is not one of meminfo, cgroup", value != NULL ? value : "");
          return FALSE;
        }
      config->budget_set = TRUE;
    }
  else if (strcmp (key, "cgroup-partition") == 0)
    replace_string (&config->cgroup_partition, value);
  else if (strcmp (key, "socket") == 0)
    replace_string (&config->socket_path, value);
  else if (strcmp (key, "socket-max-per-uid") == 0)
    return set_uint_in_range (key, value, 1, 4096, "connections", &config->socket_max_per_uid, error);
  else if (strcmp (key, "socket-idle-timeout") == 0)
    return set_uint_in_range (key, value, 1, 86400, "seconds", &config->socket_idle_timeout_sec,
                              error);
  else if (strcmp (key, "socket-request-timeout") == 0)
    return set_uint_in_range (key, value, 1, 3600, "seconds", &config->socket_request_timeout_sec,
                              error);
  else if (strcmp (key, "socket-admin-group") == 0)
    return set_group_name (key, value, &config->socket_admin_group, error);
  else if (strcmp (key, "policy") == 0)
    replace_string (&config->policy_path, value);
  else if (strcmp (key, "record") == 0)
    replace_string (&config->record_path, value != NULL && *value != '\0' ? value : NULL);
  else if (strcmp (key, "metrics-textfile") == 0)
    replace_string (&config->metrics_textfile, value != NULL && *value != '\0' ? value : NULL);
  else if (strcmp (key, "on-exit") == 0)
    {
      if (g_strcmp0 (value, "keep") == 0)
        config->on_exit = BALLAST_ON_EXIT_KEEP;
      else if (g_strcmp0 (value, "restore") == 0)
        config->on_exit = BALLAST_ON_EXIT_RESTORE;
      else
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "on-exit: '%s' is not one of keep, restore", value != NULL ? value : "");
          return FALSE;
        }
    }
  else if (strcmp (key, "on-exit-timeout") == 0)
    return set_uint_in_range (key, value, 1, 3600, "seconds", &config->on_exit_timeout_sec, error);
  else
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "unknown setting '%s'", key);
      return FALSE;
    }

  if (!ok)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "%s: %s", key,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* GKeyFile quietly keeps the last of a repeated key and hides localized
 * ones ("interval[de]"); either would be a line that silently does nothing,
 * so they are errors here, with the line. */
static gboolean
check_key_lines (const char *text, const char *file_name, GError **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = g_strdup ("");
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '[')
        {
          g_free (group);
          group = g_strdup (line);
          continue;
        }
      char *equals = strchr (line, '=');
      if (equals == NULL)
        continue; /* GKeyFile has already refused it */
      *equals = '\0';
      g_strchomp (line);
      if (strchr (line, '[') != NULL)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "%s line %u: localized key '%s' is not supported", file_name, i + 1, line);
          return FALSE;
        }
      g_autofree char *id = g_strconcat (group, line, NULL);
      gpointer first = g_hash_table_lookup (seen, id);
      if (first != NULL)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "%s line %u: '%s' is set again (first on line %u)", file_name, i + 1,
                       line, GPOINTER_TO_UINT (first));
          return FALSE;
        }
      g_hash_table_insert (seen, g_steal_pointer (&id), GUINT_TO_POINTER (i + 1));
    }
  return TRUE;
}

gboolean
ballast_daemon_config_load_text (BallastDaemonConfig *config, const char *text,
                                 const char *file_name, GError **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  if (!g_key_file_load_from_data (key_file, text, (gsize) -1, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: %s", file_name,
                   local_error->message);
      return FALSE;
    }
  if (!check_key_lines (text, file_name, error))
    return FALSE;
  g_auto(GStrv) groups = g_key_file_get_groups (key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (strcmp (groups[i], CONFIG_GROUP) != 0)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "%s: unknown group [%s] (settings go in [" CONFIG_GROUP "])",
                       file_name, groups[i]);
          return FALSE;
        }
    }
  g_auto(GStrv) keys = g_key_file_get_keys (key_file, CONFIG_GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      /* The raw value: no setting needs an escape, and GLib's unescaping
       * reports a bad one by setting its error twice over. */
      g_autofree char *value = g_key_file_get_value (key_file, CONFIG_GROUP, keys[i], &local_error);
      if (value != NULL && strchr (value, '\\') != NULL)
        g_set_error (&local_error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                     "%s: backslash escapes are not supported", keys[i]);
      else if (value != NULL && !g_utf8_validate (value, -1, NULL))
        g_set_error (&local_error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                     "%s: the value is not valid UTF-8", keys[i]);
      if (local_error != NULL || value == NULL
          || !ballast_daemon_config_set (config, keys[i], g_strstrip (value), &local_error))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "%s: [" CONFIG_GROUP "] %s",
                       file_name, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ballast_daemon_config_load_file (BallastDaemonConfig *config, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;
  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "%s", local_error->message);
      return FALSE;
    }
  if (memchr (text, '\0', length) != NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: contains a NUL byte", path);
      return FALSE;
    }
  return ballast_daemon_config_load_text (config, text, path, error);
}
