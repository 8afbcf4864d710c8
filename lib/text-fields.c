/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "text-fields.h"

#include "ballast-error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

gboolean
ballast_parse_u64 (const char *text, gsize length, guint64 *ret_value)
{
  guint64 value = 0;
  if (length == 0)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      guint digit = (guint) (text[i] - '0');
      if (value > (G_MAXUINT64 - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *ret_value = value;
  return TRUE;
}

gboolean
ballast_read_small_file (const char *path, gsize max_bytes, char **ret_contents,
                         GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot open %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }

  g_autoptr(GString) contents = g_string_sized_new (4096);
  char buffer[4096];
  for (;;)
    {
      ssize_t n = read (fd, buffer, sizeof buffer);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          int saved_errno = errno;
          close (fd);
          /* A pressure file with psi=0, for one: the feature is off. */
          g_set_error (error, BALLAST_ERROR,
                       saved_errno == EOPNOTSUPP ? BALLAST_ERROR_UNSUPPORTED : BALLAST_ERROR_IO,
                       "cannot read %s: %s", path, g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        break;
      if (contents->len + (gsize) n > max_bytes)
        {
          close (fd);
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                       "%s is larger than the %" G_GSIZE_FORMAT " bytes expected",
                       path, max_bytes);
          return FALSE;
        }
      g_string_append_len (contents, buffer, n);
    }
  close (fd);
  if (memchr (contents->str, '\0', contents->len) != NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s contains a NUL byte", path);
      return FALSE;
    }
  *ret_contents = g_string_free (g_steal_pointer (&contents), FALSE);
  return TRUE;
}

gboolean
ballast_read_u64_file (const char *path, guint64 *ret_value, GError **error)
{
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, 256, &text, error))
    return FALSE;
  g_strstrip (text);
  if (!ballast_parse_u64 (text, strlen (text), ret_value))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s: expected an unsigned number, got '%s'", path, text);
      return FALSE;
    }
  return TRUE;
}
