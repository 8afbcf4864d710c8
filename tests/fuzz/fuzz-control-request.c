/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One line from a control socket client (any local user may connect):
 * ballast_request_parse() on exactly the bytes received, the typed param
 * getters the methods use, and the reply built from what was parsed, which
 * must be one line of JSON text that parses back to an object: UTF-8, as
 * RFC 8259 requires of JSON exchanged between systems, so that any client's
 * JSON parser can read it. */
#include "fuzz.h"

#include "control-protocol.h"

static void
check_reply (const char *reply)
{
  fuzz_assert (reply != NULL);
  gsize length = strlen (reply);
  fuzz_assert (length > 0 && reply[length - 1] == '\n' && memchr (reply, '\n', length - 1) == NULL);
  if (!g_utf8_validate (reply, -1, NULL) && !fuzz_ignored ("reply-utf8"))
    fuzz_fail ("the reply is not UTF-8 text: %s", reply);
  json_object *parsed = json_tokener_parse (reply); /* json-c does not check UTF-8 */
  if (!json_object_is_type (parsed, json_type_object))
    fuzz_fail ("the reply does not parse back to a JSON object: %s", reply);
  json_object_put (parsed);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* The server hands over the line without its newline and with a length;
   * the copy is NUL-terminated like its GString buffer is. */
  g_autofree char *line = fuzz_text (data, size);
  const char *code = NULL;
  json_object *id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastRequest) request = ballast_request_parse (line, size, &code, &id, &error);
  fuzz_check_result ("ballast_request_parse", request != NULL, error);
  if (request == NULL)
    {
      fuzz_assert (code != NULL);
      g_autofree char *reply = ballast_reply_error (id, code, error->message);
      check_reply (reply);
      json_object_put (id);
      return 0;
    }
  fuzz_assert (request->method != NULL);
  fuzz_assert (json_object_is_type (request->params, json_type_object));

  static const char *const names[] = { "domain", "all", "limit", "wide", "iterations", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *string = NULL;
      gboolean boolean = FALSE;
      guint64 number = 0;
      g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
      gboolean ok = ballast_request_get_string (request, names[i], i % 2, &string, &e1);
      fuzz_check_result ("ballast_request_get_string", ok, e1);
      ok = ballast_request_get_bool (request, names[i], &boolean, &e2);
      fuzz_check_result ("ballast_request_get_bool", ok, e2);
      ok = ballast_request_get_uint (request, names[i], 1000, &number, &e3);
      fuzz_check_result ("ballast_request_get_uint", ok, e3);
      fuzz_assert (number <= 1000);
      ok = ballast_request_get_uint (request, names[i], G_MAXUINT64, &number, &e4);
      fuzz_check_result ("ballast_request_get_uint", ok, e4);
    }
  g_autofree char *reply = ballast_reply_ok (id, json_object_new_object ());
  check_reply (reply);
  json_object_put (id);
  return 0;
}
