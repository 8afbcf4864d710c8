/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control socket's line protocol: request parsing with its error codes,
 * typed parameters, replies, and random bytes that must never crash it. */
#include "ballast-error.h"
#include "control-protocol.h"

#include <string.h>

/* One parse, with everything it hands back owned here. */
typedef struct {
  BallastRequest *request;
  const char *code;
  json_object *id;
  GError *error;
} Parsed;

static void
parsed_clear (Parsed *parsed)
{
  g_clear_pointer (&parsed->request, ballast_request_free);
  g_clear_pointer (&parsed->id, json_object_put);
  g_clear_error (&parsed->error);
  parsed->code = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parsed, parsed_clear)

static void
parse_len (const char *line, gsize length, Parsed *ret_parsed)
{
  ret_parsed->request = ballast_request_parse (line, length, &ret_parsed->code, &ret_parsed->id,
                                               &ret_parsed->error);
}

static void
parse (const char *line, Parsed *ret_parsed)
{
  parse_len (line, strlen (line), ret_parsed);
}

static json_object *
json (const char *text)
{
  json_object *object = json_tokener_parse (text);
  g_assert_nonnull (object);
  return object;
}

/* ---- Valid requests ---- */

static void
test_full_request (void)
{
  g_auto(Parsed) p = { 0 };
  parse ("{\"id\": 1, \"method\": \"list\", \"params\": {\"all\": true}}", &p);
  g_assert_no_error (p.error);
  g_assert_nonnull (p.request);
  g_assert_null (p.code);
  g_assert_cmpstr (p.request->method, ==, "list");
  g_assert_true (json_object_is_type (p.request->params, json_type_object));
  g_assert_cmpint (json_object_object_length (p.request->params), ==, 1);
  g_assert_true (json_object_is_type (p.request->id, json_type_int));
  g_assert_cmpint (json_object_get_int (p.request->id), ==, 1);
  /* The id is also handed back for the reply. */
  g_assert_nonnull (p.id);
  g_assert_cmpint (json_object_get_int (p.id), ==, 1);
}

static void
test_minimal_requests (void)
{
  static const char *const lines[] = {
    "{\"method\":\"status\"}",
    "{\"method\":\"status\",\"params\":null}",          /* null params: none */
    "{\"method\":\"status\",\"params\":{}}",
    "{\"method\":\"status\",\"id\":null}",              /* null id: none */
    "  {\"method\":\"status\"}  ",                      /* blanks around */
    "{\"method\":\"status\"}\r\n",                      /* a CRLF client */
    "{\"jsonrpc\":\"2.0\",\"method\":\"status\",\"x\":[1,2,{}]}", /* extra members */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_auto(Parsed) p = { 0 };
      g_autofree char *shown = g_strescape (lines[i], NULL);
      g_test_message ("%s", shown);
      parse (lines[i], &p);
      g_assert_no_error (p.error);
      g_assert_nonnull (p.request);
      g_assert_cmpstr (p.request->method, ==, "status");
      g_assert_true (json_object_is_type (p.request->params, json_type_object));
      g_assert_cmpint (json_object_object_length (p.request->params), ==, 0);
      g_assert_null (p.request->id);
      g_assert_null (p.id);
    }
}

static void
test_id_types (void)
{
  static const char *const ids[] = { "7", "-1", "\"abc\"", "\"\"", "1.5", "true", "[1,2]", "{\"n\":1}",
                                     "18446744073709551615" };
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *line = g_strdup_printf ("{\"id\":%s,\"method\":\"status\"}", ids[i]);
      g_autoptr(json_object) expected = json (ids[i]);
      g_auto(Parsed) p = { 0 };
      parse (line, &p);
      g_assert_no_error (p.error);
      g_assert_true (json_object_equal (p.request->id, expected));
      g_assert_true (json_object_equal (p.id, expected));
    }
}

/* Exactly the limit is fine. */
static void
test_max_line (void)
{
  GString *line = g_string_new ("{\"method\":\"status\",\"params\":{\"pad\":\"");
  while (line->len < BALLAST_PROTOCOL_MAX_LINE - 3)
    g_string_append_c (line, 'x');
  g_string_append (line, "\"}}");
  g_assert_cmpuint (line->len, ==, BALLAST_PROTOCOL_MAX_LINE);
  g_auto(Parsed) p = { 0 };
  parse_len (line->str, line->len, &p);
  g_string_free (line, TRUE);
  g_assert_no_error (p.error);
  g_assert_cmpstr (p.request->method, ==, "status");
}

/* A name given twice: JSON leaves it undefined; json-c keeps the last.
 * What matters is one answer, never a crash or a mix. */
static void
test_duplicate_members (void)
{
  g_auto(Parsed) p = { 0 };
  parse ("{\"method\":\"list\",\"method\":\"status\",\"id\":1,\"id\":2}", &p);
  g_assert_no_error (p.error);
  g_assert_true (g_strcmp0 (p.request->method, "list") == 0 || g_strcmp0 (p.request->method, "status") == 0);
  g_assert_true (json_object_equal (p.request->id, p.id));
}

/* ---- Invalid requests ---- */

typedef struct {
  const char *name;
  const char *line;
  gssize length;             /* -1: strlen */
  const char *code;
  const char *message_part;
  const char *id;            /* JSON of the id handed back, or NULL */
} BadCase;

/* Not here: single quotes and a trailing comma, which json-c's non-strict
 * tokener accepts; harmless, so not pinned down either way. */
static const BadCase bad_cases[] = {
  { "empty", "", -1, BALLAST_ERR_PARSE, "request is not valid JSON: unexpected end of input", NULL },
  { "blank", "   ", -1, BALLAST_ERR_PARSE, "not valid JSON", NULL },
  { "not-json", "hello", -1, BALLAST_ERR_PARSE, "request is not valid JSON", NULL },
  { "shell", "status --all", -1, BALLAST_ERR_PARSE, "not valid JSON", NULL },
  { "truncated", "{\"method\": \"li", -1, BALLAST_ERR_PARSE,
    "request is not valid JSON: unexpected end of input", NULL },
  { "truncated-after-id", "{\"id\": 5, \"method\": ", -1, BALLAST_ERR_PARSE, "unexpected end of input", NULL },
  { "trailing-garbage", "{\"method\":\"list\"} x", -1, BALLAST_ERR_PARSE,
    "request has trailing data after the JSON object", NULL },
  { "two-objects", "{\"method\":\"list\"}{\"method\":\"stop\"}", -1, BALLAST_ERR_PARSE,
    "trailing data", NULL },
  { "nul-byte", "{\"method\":\"list\"}\0{\"method\":\"stop\"}", 35, BALLAST_ERR_PARSE,
    "request contains a NUL byte", NULL },
  { "nul-first", "\0", 1, BALLAST_ERR_PARSE, "NUL byte", NULL },
  { "array", "[{\"method\":\"list\"}]", -1, BALLAST_ERR_INVALID_REQUEST, "request must be a JSON object", NULL },
  { "string", "\"list\"", -1, BALLAST_ERR_INVALID_REQUEST, "request must be a JSON object", NULL },
  { "number-then-blank", "42 ", -1, BALLAST_ERR_INVALID_REQUEST, "must be a JSON object", NULL },
  { "no-method", "{\"id\":7}", -1, BALLAST_ERR_INVALID_REQUEST, "request needs a \"method\" string", "7" },
  { "empty-object", "{}", -1, BALLAST_ERR_INVALID_REQUEST, "request needs a \"method\" string", NULL },
  { "method-number", "{\"id\":\"a\",\"method\":5}", -1, BALLAST_ERR_INVALID_REQUEST,
    "needs a \"method\" string", "\"a\"" },
  { "method-null", "{\"id\":[1,2],\"method\":null}", -1, BALLAST_ERR_INVALID_REQUEST,
    "needs a \"method\" string", "[1,2]" },
  { "method-object", "{\"method\":{\"name\":\"list\"}}", -1, BALLAST_ERR_INVALID_REQUEST,
    "needs a \"method\" string", NULL },
  { "params-array", "{\"id\":3,\"method\":\"list\",\"params\":[true]}", -1, BALLAST_ERR_INVALID_REQUEST,
    "\"params\" must be an object", "3" },
  { "params-string", "{\"method\":\"list\",\"params\":\"all\"}", -1, BALLAST_ERR_INVALID_REQUEST,
    "\"params\" must be an object", NULL },
  { "params-number", "{\"method\":\"list\",\"params\":1}", -1, BALLAST_ERR_INVALID_REQUEST,
    "\"params\" must be an object", NULL },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_auto(Parsed) p = { 0 };
  parse_len (c->line, c->length >= 0 ? (gsize) c->length : strlen (c->line), &p);
  g_assert_null (p.request);
  g_assert_cmpstr (p.code, ==, c->code);
  g_assert_error (p.error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_autofree char *shown = g_strescape (p.error->message, NULL);
  g_test_message ("message: %s", shown);
  g_assert_nonnull (strstr (p.error->message, c->message_part));
  if (c->id == NULL)
    g_assert_null (p.id);
  else
    {
      g_autoptr(json_object) expected = json (c->id);
      g_assert_true (json_object_equal (p.id, expected));
    }
}

static void
test_too_large (void)
{
  /* The length alone decides, before anything is parsed. */
  gsize length = BALLAST_PROTOCOL_MAX_LINE + 1;
  g_autofree char *line = g_malloc (length);
  memset (line, ' ', length);
  memcpy (line, "{\"id\":1,\"method\":\"list\"}", 24);
  g_auto(Parsed) p = { 0 };
  parse_len (line, length, &p);
  g_assert_null (p.request);
  g_assert_cmpstr (p.code, ==, BALLAST_ERR_TOO_LARGE);
  g_assert_error (p.error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_assert_cmpstr (p.error->message, ==, "request is too large");
  g_assert_null (p.id);

  g_auto(Parsed) huge = { 0 };
  parse_len (line, G_MAXSIZE, &huge); /* never read */
  g_assert_cmpstr (huge.code, ==, BALLAST_ERR_TOO_LARGE);
}

static void
test_too_deep (void)
{
  GString *line = g_string_new ("{\"method\":\"list\",\"params\":");
  for (guint i = 0; i < 200; i++)
    g_string_append (line, "{\"a\":");
  g_string_append (line, "1");
  for (guint i = 0; i < 200; i++)
    g_string_append_c (line, '}');
  g_string_append_c (line, '}');
  g_auto(Parsed) p = { 0 };
  parse_len (line->str, line->len, &p);
  g_string_free (line, TRUE);
  g_assert_null (p.request);
  g_assert_cmpstr (p.code, ==, BALLAST_ERR_PARSE);
  g_assert_nonnull (strstr (p.error->message, "request is not valid JSON"));
}

/* A complete JSON value that is not an object is "JSON, but not a
 * request", whatever its type; without the newline (the server strips it)
 * json-c cannot tell a number or literal has ended. */
static void
test_scalar_is_invalid_request (void)
{
  static const char *const lines[] = { "42", "1.5", "true", "null" };
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_auto(Parsed) p = { 0 };
      parse (lines[i], &p);
      g_assert_null (p.request);
      g_assert_nonnull (p.error);
      if (g_strcmp0 (p.code, BALLAST_ERR_INVALID_REQUEST) != 0)
        {
          g_test_fail_printf ("%s", "lib/control-protocol.c ballast_request_parse(): a bare number or "
                             "literal ('42', 'true', 'null') is reported as parse-error 'unexpected "
                             "end of input' instead of invalid-request: json_tokener_parse_ex() "
                             "returns json_tokener_continue at the end of the line");
          g_test_message ("'%s' -> %s: %s", lines[i], p.code, p.error->message);
          return;
        }
    }
}

/* ---- Typed parameters ---- */

static BallastRequest *
request_with_params (const char *params_json)
{
  g_autofree char *line = g_strdup_printf ("{\"method\":\"m\",\"params\":%s}", params_json);
  const char *code = NULL;
  json_object *id = NULL;
  g_autoptr(GError) error = NULL;
  BallastRequest *request = ballast_request_parse (line, strlen (line), &code, &id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (request);
  return request;
}

static void
test_get_string (void)
{
  g_autoptr(BallastRequest) request = request_with_params (
    "{\"domain\":\"g1\",\"empty\":\"\",\"n\":5,\"b\":true,\"o\":{},\"a\":[],\"nul\":null}");
  const char *value = "untouched";
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_request_get_string (request, "domain", TRUE, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "g1");
  g_assert_true (ballast_request_get_string (request, "empty", TRUE, &value, &error));
  g_assert_cmpstr (value, ==, "");

  /* Absent and optional: untouched. A JSON null counts as absent. */
  value = "untouched";
  g_assert_true (ballast_request_get_string (request, "missing", FALSE, &value, &error));
  g_assert_cmpstr (value, ==, "untouched");
  g_assert_true (ballast_request_get_string (request, "nul", FALSE, &value, &error));
  g_assert_cmpstr (value, ==, "untouched");

  /* Absent and required. */
  g_assert_false (ballast_request_get_string (request, "missing", TRUE, &value, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "parameter \"missing\" is required");
  g_clear_error (&error);

  static const char *const wrong[] = { "n", "b", "o", "a" };
  for (gsize i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_assert_false (ballast_request_get_string (request, wrong[i], FALSE, &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_autofree char *expected = g_strdup_printf ("parameter \"%s\" must be a string", wrong[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpstr (value, ==, "untouched");
      g_clear_error (&error);
    }
}

static void
test_get_bool (void)
{
  g_autoptr(BallastRequest) request = request_with_params (
    "{\"yes\":true,\"no\":false,\"s\":\"true\",\"one\":1,\"o\":{}}");
  gboolean value = 42;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_request_get_bool (request, "yes", &value, &error));
  g_assert_true (value);
  g_assert_true (ballast_request_get_bool (request, "no", &value, &error));
  g_assert_false (value);
  value = 42;
  g_assert_true (ballast_request_get_bool (request, "missing", &value, &error));
  g_assert_cmpint (value, ==, 42);
  g_assert_no_error (error);

  static const char *const wrong[] = { "s", "one", "o" };
  for (gsize i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_assert_false (ballast_request_get_bool (request, wrong[i], &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_autofree char *expected = g_strdup_printf ("parameter \"%s\" must be true or false", wrong[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpint (value, ==, 42);
      g_clear_error (&error);
    }
}

static void
test_get_uint (void)
{
  g_autoptr(BallastRequest) request = request_with_params (
    "{\"zero\":0,\"five\":5,\"max\":100000,\"over\":100001,\"neg\":-1,\"dbl\":1.0,\"exp\":1e3,"
    "\"str\":\"5\",\"bool\":true,\"huge\":18446744073709551615,\"i64max\":9223372036854775807}");
  guint64 value = 4242;
  g_autoptr(GError) error = NULL;

  g_assert_true (ballast_request_get_uint (request, "zero", 100000, &value, &error));
  g_assert_cmpuint (value, ==, 0);
  g_assert_true (ballast_request_get_uint (request, "five", 100000, &value, &error));
  g_assert_cmpuint (value, ==, 5);
  g_assert_true (ballast_request_get_uint (request, "max", 100000, &value, &error));
  g_assert_cmpuint (value, ==, 100000);
  g_assert_true (ballast_request_get_uint (request, "i64max", G_MAXUINT64, &value, &error));
  g_assert_cmpuint (value, ==, G_MAXINT64);
  value = 4242;
  g_assert_true (ballast_request_get_uint (request, "missing", 100000, &value, &error));
  g_assert_cmpuint (value, ==, 4242);
  g_assert_no_error (error);

  static const char *const wrong[] = { "over", "neg", "dbl", "exp", "str", "bool", "huge" };
  for (gsize i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_test_message ("%s", wrong[i]);
      g_assert_false (ballast_request_get_uint (request, wrong[i], 100000, &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_autofree char *expected = g_strdup_printf ("parameter \"%s\" must be an integer from 0 to 100000",
                                                   wrong[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpuint (value, ==, 4242);
      g_clear_error (&error);
    }
}

/* With a bound above G_MAXINT64, a value json-c holds as an unsigned 64-bit
 * number must come back exactly (or be refused), not clamped. */
static void
test_get_uint_above_int64 (void)
{
  g_autoptr(BallastRequest) request = request_with_params ("{\"huge\":18446744073709551615}");
  guint64 value = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = ballast_request_get_uint (request, "huge", G_MAXUINT64, &value, &error);
  if (ok && value != G_MAXUINT64)
    {
      g_test_fail_printf ("%s", "lib/control-protocol.c ballast_request_get_uint(): reads the value with "
                         "json_object_get_int64(), which clamps 18446744073709551615 to "
                         "G_MAXINT64; with max > G_MAXINT64 the wrong number is returned "
                         "(latent: the only caller uses max 100000)");
      g_test_message ("got %" G_GUINT64_FORMAT, value);
      return;
    }
}

/* ---- Replies ---- */

static void
test_reply_ok (void)
{
  g_autoptr(json_object) id = json_object_new_int (7);
  g_autofree char *with_id = ballast_reply_ok (id, json ("{\"a\":1,\"path\":\"/run/x\"}"));
  g_assert_cmpstr (with_id, ==, "{\"id\":7,\"status\":\"ok\",\"result\":{\"a\":1,\"path\":\"/run/x\"}}\n");

  g_autofree char *bare = ballast_reply_ok (NULL, NULL);
  g_assert_cmpstr (bare, ==, "{\"status\":\"ok\",\"result\":{}}\n");

  /* The id is borrowed: still ours afterwards. */
  g_assert_cmpint (json_object_get_int (id), ==, 7);
}

static void
test_reply_error (void)
{
  g_autoptr(json_object) id = json_object_new_string ("abc");
  g_autofree char *line = ballast_reply_error (id, BALLAST_ERR_UNKNOWN_DOMAIN, "no domain 'x'");
  g_assert_cmpstr (line, ==, "{\"id\":\"abc\",\"status\":\"error\",\"error\":"
                             "{\"code\":\"unknown-domain\",\"message\":\"no domain 'x'\"}}\n");

  g_autofree char *bare = ballast_reply_error (NULL, BALLAST_ERR_PARSE, "request is not valid JSON");
  g_assert_cmpstr (bare, ==, "{\"status\":\"error\",\"error\":"
                             "{\"code\":\"parse-error\",\"message\":\"request is not valid JSON\"}}\n");
}

/* Whatever the message holds, a reply is one line and reads back as sent. */
static void
test_reply_stays_one_line (void)
{
  static const char *const messages[] = {
    "two\nlines", "carriage\rreturn", "tab\there", "quote \" and backslash \\", "control \x01\x1f",
    "unicode: \xc3\xa9\xe2\x82\xac", "",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (messages); i++)
    {
      g_autofree char *line = ballast_reply_error (NULL, BALLAST_ERR_FAILED, messages[i]);
      g_assert_true (g_str_has_suffix (line, "\n"));
      g_assert_null (memchr (line, '\n', strlen (line) - 1));
      g_assert_null (memchr (line, '\r', strlen (line)));
      g_autoptr(json_object) reply = json (line);
      json_object *error = NULL, *message = NULL;
      g_assert_true (json_object_object_get_ex (reply, "error", &error));
      g_assert_true (json_object_object_get_ex (error, "message", &message));
      g_assert_cmpstr (json_object_get_string (message), ==, messages[i]);
    }
}

/* The id a request came with, in whatever form, comes back in the reply. */
static void
test_id_round_trip (void)
{
  static const char *const ids[] = { "1", "\"req-1\"", "[1,\"two\",{\"three\":3}]", "{\"k\":null}", "-0.5" };
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *good = g_strdup_printf ("{\"id\":%s,\"method\":\"status\"}", ids[i]);
      g_autofree char *bad = g_strdup_printf ("{\"id\":%s,\"method\":false}", ids[i]);
      g_autoptr(json_object) expected = json (ids[i]);

      g_auto(Parsed) ok = { 0 };
      parse (good, &ok);
      g_autofree char *ok_line = ballast_reply_ok (ok.request->id, NULL);
      g_autoptr(json_object) ok_reply = json (ok_line);
      json_object *echoed = NULL;
      g_assert_true (json_object_object_get_ex (ok_reply, "id", &echoed));
      g_assert_true (json_object_equal (echoed, expected));

      g_auto(Parsed) failed = { 0 };
      parse (bad, &failed);
      g_assert_null (failed.request);
      g_autofree char *error_line = ballast_reply_error (failed.id, failed.code, failed.error->message);
      g_autoptr(json_object) error_reply = json (error_line);
      g_assert_true (json_object_object_get_ex (error_reply, "id", &echoed));
      g_assert_true (json_object_equal (echoed, expected));
    }
}

/* ---- Random input ---- */

static gboolean
is_known_code (const char *code)
{
  return g_strcmp0 (code, BALLAST_ERR_PARSE) == 0 || g_strcmp0 (code, BALLAST_ERR_INVALID_REQUEST) == 0
         || g_strcmp0 (code, BALLAST_ERR_TOO_LARGE) == 0;
}

static void
check_any (const char *line, gsize length)
{
  g_auto(Parsed) p = { 0 };
  parse_len (line, length, &p);
  if (p.request != NULL)
    {
      g_assert_no_error (p.error);
      g_assert_nonnull (p.request->method);
      g_assert_true (json_object_is_type (p.request->params, json_type_object));
      g_autofree char *reply = ballast_reply_ok (p.request->id, NULL);
      g_assert_true (g_str_has_suffix (reply, "\n"));
      return;
    }
  g_assert_nonnull (p.error);
  g_assert_true (is_known_code (p.code));
  g_autofree char *reply = ballast_reply_error (p.id, p.code, p.error->message);
  g_assert_true (g_str_has_suffix (reply, "\n"));
}

static void
test_random_bytes (void)
{
  static const char alphabet[] = "{}[]\":,.-+0123456789eE truefalsnmethodparamsid\\u\t\n\r\x01\x7f\x80\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (0xba11a57);
  for (guint round = 0; round < 20000; round++)
    {
      gsize length = (gsize) g_rand_int_range (rand, 0, 160);
      g_autofree char *bytes = g_malloc (length + 1);
      gboolean raw = g_rand_int_range (rand, 0, 4) == 0;
      for (gsize i = 0; i < length; i++)
        bytes[i] = raw ? (char) g_rand_int_range (rand, 0, 256)
                       : alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      bytes[length] = '\0';
      check_any (bytes, length);
    }
}

/* Valid requests with a few bytes changed, so most get deep into the parser. */
static void
test_random_mutations (void)
{
  static const char *const seeds[] = {
    "{\"id\": 1, \"method\": \"list\", \"params\": {\"all\": true}}",
    "{\"id\": \"x\", \"method\": \"domhistory\", \"params\": {\"domain\": \"g1\", \"limit\": 10}}",
    "{\"method\": \"set-target\", \"params\": {\"domain\": \"g\\u00e9\", \"target_kib\": 524288}}",
  };
  static const char replacements[] = "{}[]\":,\\0 -e.n\x01\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240611);
  for (guint round = 0; round < 20000; round++)
    {
      const char *seed = seeds[g_rand_int_range (rand, 0, G_N_ELEMENTS (seeds))];
      g_autofree char *line = g_strdup (seed);
      gsize length = strlen (line);
      guint changes = (guint) g_rand_int_range (rand, 1, 5);
      for (guint i = 0; i < changes; i++)
        line[g_rand_int_range (rand, 0, (gint32) length)] =
          replacements[g_rand_int_range (rand, 0, sizeof replacements - 1)];
      if (g_rand_boolean (rand))
        length = (gsize) g_rand_int_range (rand, 0, (gint32) length + 1);
      check_any (line, length);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/control-protocol/parse/full", test_full_request);
  g_test_add_func ("/control-protocol/parse/minimal", test_minimal_requests);
  g_test_add_func ("/control-protocol/parse/id-types", test_id_types);
  g_test_add_func ("/control-protocol/parse/max-line", test_max_line);
  g_test_add_func ("/control-protocol/parse/duplicate-members", test_duplicate_members);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/control-protocol/parse/invalid/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/control-protocol/parse/too-large", test_too_large);
  g_test_add_func ("/control-protocol/parse/too-deep", test_too_deep);
  g_test_add_func ("/control-protocol/parse/scalar-is-invalid-request", test_scalar_is_invalid_request);
  g_test_add_func ("/control-protocol/params/string", test_get_string);
  g_test_add_func ("/control-protocol/params/bool", test_get_bool);
  g_test_add_func ("/control-protocol/params/uint", test_get_uint);
  g_test_add_func ("/control-protocol/params/uint-above-int64", test_get_uint_above_int64);
  g_test_add_func ("/control-protocol/reply/ok", test_reply_ok);
  g_test_add_func ("/control-protocol/reply/error", test_reply_error);
  g_test_add_func ("/control-protocol/reply/one-line", test_reply_stays_one_line);
  g_test_add_func ("/control-protocol/reply/id-round-trip", test_id_round_trip);
  g_test_add_func ("/control-protocol/random/bytes", test_random_bytes);
  g_test_add_func ("/control-protocol/random/mutations", test_random_mutations);
  return g_test_run ();
}
