/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One error domain for the whole of libballast. Messages always name what
 * was wrong and where (file, line, field), because they end up in front of
 * an operator who has nothing else to go on. */
#define BALLAST_ERROR (ballast_error_quark ())

typedef enum {
  BALLAST_ERROR_PARSE,       /* text that does not have the expected shape */
  BALLAST_ERROR_MISSING,     /* a required field is absent */
  BALLAST_ERROR_RANGE,       /* a number out of its allowed range */
  BALLAST_ERROR_IO,          /* a file could not be read or written */
  BALLAST_ERROR_INVALID,     /* a bad option, argument or request */
  BALLAST_ERROR_LIBVIRT,     /* libvirt refused or failed */
  BALLAST_ERROR_UNSUPPORTED, /* the host or driver lacks the feature */
  BALLAST_ERROR_DISCONNECTED,/* the libvirt connection is gone */
} BallastError;

GQuark ballast_error_quark (void);

G_END_DECLS
