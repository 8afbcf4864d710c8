/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "libvirt-util.h"

#include "ballast-error.h"

static void
ignore_libvirt_error (void *user_data, virErrorPtr error)
{
  /* Reported where it is handled, from virGetLastError(). */
}

void
ballast_libvirt_init (void)
{
  if (virInitialize () < 0)
    g_error ("libvirt could not be initialized");
  virSetErrorFunc (NULL, ignore_libvirt_error);
}

void
ballast_libvirt_set_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *what = g_strdup_vprintf (format, args);
  va_end (args);
  const char *message = virGetLastErrorMessage ();
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_LIBVIRT, "%s: %s", what,
               message != NULL ? message : "unknown libvirt error");
}

gboolean
ballast_libvirt_error_is_domain_gone (void)
{
  virErrorPtr last = virGetLastError ();
  if (last == NULL)
    return FALSE;
  return last->code == VIR_ERR_NO_DOMAIN || last->code == VIR_ERR_OPERATION_INVALID;
}

gboolean
ballast_libvirt_error_is_connection_lost (virConnectPtr conn)
{
  virErrorPtr last = virGetLastError ();
  if (last != NULL && (last->code == VIR_ERR_NO_CONNECT || last->code == VIR_ERR_INVALID_CONN))
    return TRUE;
  return conn == NULL || virConnectIsAlive (conn) != 1;
}
