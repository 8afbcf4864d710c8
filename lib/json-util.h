/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)

/* A size in KiB as JSON: an exact integer, never a float. */
static inline json_object *
ballast_json_kib (guint64 kib)
{
  return json_object_new_int64 ((int64_t) MIN (kib, (guint64) G_MAXINT64));
}

G_END_DECLS
