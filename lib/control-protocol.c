/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-protocol.h"

#include "ballast-error.h"

#include <string.h>

void
ballast_request_free (BallastRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->method);
  json_object_put (request->params);
  json_object_put (request->id);
  g_free (request);
}

static BallastRequest *
fail (const char **ret_error_code, const char *code, GError **error, const char *message)
{
  *ret_error_code = code;
  g_set_error_literal (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, message);
  return NULL;
}

BallastRequest *
ballast_request_parse (const char *line, gsize length, const char **ret_error_code,
                       json_object **ret_id, GError **error)
{
  *ret_id = NULL;
  if (length > BALLAST_PROTOCOL_MAX_LINE)
    return fail (ret_error_code, BALLAST_ERR_TOO_LARGE, error, "request is too large");
  if (memchr (line, '\0', length) != NULL)
    return fail (ret_error_code, BALLAST_ERR_PARSE, error, "request contains a NUL byte");
  /* A bare number or literal would leave json-c waiting for more input
   * ("unexpected end"); whatever does not open an object is not a request. */
  gsize start = 0;
  while (start < length && g_ascii_isspace (line[start]))
    start++;
  if (start < length && line[start] != '{' && line[start] != '[' && line[start] != '"')
    {
      json_tokener *probe = json_tokener_new ();
      json_object *value = json_tokener_parse_ex (probe, line + start, (int) (length - start));
      gboolean looks_like_json = value != NULL || json_tokener_get_error (probe) == json_tokener_continue;
      json_object_put (value);
      json_tokener_free (probe);
      if (looks_like_json)
        return fail (ret_error_code, BALLAST_ERR_INVALID_REQUEST, error,
                     "request must be a JSON object");
    }

  json_tokener *tokener = json_tokener_new_ex (32);
  /* Strings must be UTF-8: they are echoed back in replies (the id, names
   * in error messages), which must stay valid JSON for every client. */
  json_tokener_set_flags (tokener, JSON_TOKENER_VALIDATE_UTF8);
  json_object *parsed = json_tokener_parse_ex (tokener, line, (int) length);
  enum json_tokener_error parse_error = json_tokener_get_error (tokener);
  size_t consumed = json_tokener_get_parse_end (tokener);
  json_tokener_free (tokener);
  g_autoptr(json_object) root = parsed;
  if (root == NULL || parse_error != json_tokener_success)
    {
      g_autofree char *message = g_strdup_printf ("request is not valid JSON: %s",
                                                  parse_error == json_tokener_continue
                                                    ? "unexpected end of input"
                                                    : json_tokener_error_desc (parse_error));
      return fail (ret_error_code, BALLAST_ERR_PARSE, error, message);
    }
  for (gsize i = consumed; i < length; i++)
    if (!g_ascii_isspace (line[i]))
      return fail (ret_error_code, BALLAST_ERR_PARSE, error,
                   "request has trailing data after the JSON object");
  if (!json_object_is_type (root, json_type_object))
    return fail (ret_error_code, BALLAST_ERR_INVALID_REQUEST, error, "request must be a JSON object");

  json_object *id = NULL;
  if (json_object_object_get_ex (root, "id", &id))
    *ret_id = json_object_get (id);

  json_object *method = NULL;
  if (!json_object_object_get_ex (root, "method", &method)
      || !json_object_is_type (method, json_type_string))
    return fail (ret_error_code, BALLAST_ERR_INVALID_REQUEST, error,
                 "request needs a \"method\" string");

  json_object *params = NULL;
  if (json_object_object_get_ex (root, "params", &params) && params != NULL
      && !json_object_is_type (params, json_type_object))
    return fail (ret_error_code, BALLAST_ERR_INVALID_REQUEST, error,
                 "\"params\" must be an object");

  BallastRequest *request = g_new0 (BallastRequest, 1);
  request->method = g_strdup (json_object_get_string (method));
  request->params = params != NULL ? json_object_get (params) : json_object_new_object ();
  request->id = *ret_id != NULL ? json_object_get (*ret_id) : NULL;
  return request;
}

static json_object *
lookup_param (const BallastRequest *request, const char *name)
{
  json_object *value = NULL;
  if (!json_object_object_get_ex (request->params, name, &value))
    return NULL;
  return value;
}

gboolean
ballast_request_get_string (const BallastRequest *request, const char *name, gboolean required,
                            const char **ret_value, GError **error)
{
  json_object *value = lookup_param (request, name);
  if (value == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "parameter \"%s\" is required", name);
      return FALSE;
    }
  if (!json_object_is_type (value, json_type_string))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "parameter \"%s\" must be a string", name);
      return FALSE;
    }
  *ret_value = json_object_get_string (value);
  return TRUE;
}

gboolean
ballast_request_get_bool (const BallastRequest *request, const char *name, gboolean *ret_value,
                          GError **error)
{
  json_object *value = lookup_param (request, name);
  if (value == NULL)
    return TRUE;
  if (!json_object_is_type (value, json_type_boolean))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "parameter \"%s\" must be true or false", name);
      return FALSE;
    }
  *ret_value = json_object_get_boolean (value);
  return TRUE;
}

gboolean
ballast_request_get_uint (const BallastRequest *request, const char *name, guint64 max,
                          guint64 *ret_value, GError **error)
{
  /* json-c reads integers as int64: larger maxima could not be honoured. */
  max = MIN (max, (guint64) G_MAXINT64);
  json_object *value = lookup_param (request, name);
  if (value == NULL)
    return TRUE;
  /* Numbers beyond int64 read back clamped to G_MAXINT64: refuse them. */
  if (!json_object_is_type (value, json_type_int) || json_object_get_int64 (value) < 0
      || json_object_get_uint64 (value) > (guint64) G_MAXINT64
      || (guint64) json_object_get_int64 (value) > max)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "parameter \"%s\" must be an integer from 0 to %" G_GUINT64_FORMAT, name, max);
      return FALSE;
    }
  *ret_value = (guint64) json_object_get_int64 (value);
  return TRUE;
}

static char *
reply_to_line (json_object *reply)
{
  const char *text = json_object_to_json_string_ext (reply, JSON_C_TO_STRING_PLAIN
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE);
  return g_strconcat (text, "\n", NULL);
}

char *
ballast_reply_ok (json_object *id, json_object *result)
{
  g_autoptr(json_object) reply = json_object_new_object ();
  if (id != NULL)
    json_object_object_add (reply, "id", json_object_get (id));
  json_object_object_add (reply, "status", json_object_new_string ("ok"));
  json_object_object_add (reply, "result", result != NULL ? result : json_object_new_object ());
  return reply_to_line (reply);
}

char *
ballast_reply_error (json_object *id, const char *code, const char *message)
{
  g_autoptr(json_object) reply = json_object_new_object ();
  json_object *error = json_object_new_object ();
  if (id != NULL)
    json_object_object_add (reply, "id", json_object_get (id));
  json_object_object_add (reply, "status", json_object_new_string ("error"));
  json_object_object_add (error, "code", json_object_new_string (code));
  json_object_object_add (error, "message", json_object_new_string (message));
  json_object_object_add (reply, "error", error);
  return reply_to_line (reply);
}
