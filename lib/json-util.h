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

/* Writing: a NULL string is JSON null. */
static inline void
ballast_json_add_string (json_object *object, const char *key, const char *value)
{
  json_object_object_add (object, key, value != NULL ? json_object_new_string (value) : NULL);
}

static inline void
ballast_json_add_bool (json_object *object, const char *key, gboolean value)
{
  json_object_object_add (object, key, json_object_new_boolean (value));
}

/* Reading JSON another program wrote, defensively: a missing member, a
 * member of the wrong type, or an OBJECT that is not an object all count
 * as absent, never as an error. */
static inline json_object *
ballast_json_get (json_object *object, const char *key)
{
  json_object *value = NULL;
  if (object == NULL || !json_object_is_type (object, json_type_object)
      || !json_object_object_get_ex (object, key, &value))
    return NULL;
  return value;
}

static inline const char *
ballast_json_get_string (json_object *object, const char *key)
{
  json_object *value = ballast_json_get (object, key);
  return value != NULL && json_object_is_type (value, json_type_string)
           ? json_object_get_string (value) : NULL;
}

static inline gboolean
ballast_json_get_int (json_object *object, const char *key, gint64 *ret_value)
{
  json_object *value = ballast_json_get (object, key);
  if (value == NULL || !json_object_is_type (value, json_type_int))
    return FALSE;
  *ret_value = json_object_get_int64 (value);
  return TRUE;
}

static inline gboolean
ballast_json_get_bool (json_object *object, const char *key)
{
  json_object *value = ballast_json_get (object, key);
  return value != NULL && json_object_is_type (value, json_type_boolean)
         && json_object_get_boolean (value);
}

G_END_DECLS
