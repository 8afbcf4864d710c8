/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

G_BEGIN_DECLS

/* Cleanup functions for libvirt handles, declared once for every file. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (virConnect, virConnectClose)

/* Route libvirt's errors away from stderr: we report them ourselves, once,
 * where they are handled. Call once before any other libvirt call. */
void ballast_libvirt_init (void);

/* Set ERROR from this thread's last libvirt error, prefixed with WHAT. */
void ballast_libvirt_set_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The last libvirt error says the domain is gone or no longer running: a
 * normal event between two calls, not a failure. */
gboolean ballast_libvirt_error_is_domain_gone (void);

/* The last libvirt error says the connection itself is unusable. Asks
 * libvirt whether CONN is alive, which clears the last error: take the
 * error's message before. */
gboolean ballast_libvirt_error_is_connection_lost (virConnectPtr conn);

G_END_DECLS
