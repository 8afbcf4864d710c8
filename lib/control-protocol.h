/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <json.h>

#include "json-util.h"

G_BEGIN_DECLS

/* ballastd's control protocol: one JSON object per line each way.
 *
 *   request:  {"id": any, "method": "list", "params": {"all": true}}
 *   success:  {"id": any, "status": "ok", "result": {...}}
 *   failure:  {"id": any, "status": "error",
 *              "error": {"code": "unknown-domain", "message": "..."}}
 *
 * "id" is optional and echoed back; "params" is optional and must be an
 * object. Error codes are stable strings, listed below. */

#define BALLAST_PROTOCOL_MAX_LINE (64 * 1024)

#define BALLAST_ERR_PARSE "parse-error"             /* not JSON */
#define BALLAST_ERR_INVALID_REQUEST "invalid-request" /* JSON, but not a request */
#define BALLAST_ERR_TOO_LARGE "request-too-large"
#define BALLAST_ERR_UNKNOWN_METHOD "unknown-method"
#define BALLAST_ERR_INVALID_PARAMS "invalid-params"
#define BALLAST_ERR_PERMISSION "permission-denied"
#define BALLAST_ERR_UNKNOWN_DOMAIN "unknown-domain"
#define BALLAST_ERR_NOT_CONNECTED "not-connected"
#define BALLAST_ERR_FAILED "failed"
/* Said by ballastd just before it hangs up: */
#define BALLAST_ERR_TOO_MANY_CONNECTIONS "too-many-connections" /* turned away at connect */
#define BALLAST_ERR_REQUEST_TIMEOUT "request-timeout" /* a request line took too long */

typedef struct {
  char *method;
  json_object *params; /* an object (possibly empty), owned */
  json_object *id;     /* owned, or NULL */
} BallastRequest;

void ballast_request_free (BallastRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastRequest, ballast_request_free)

/* Parse one request line (without its newline). On failure sets
 * RET_ERROR_CODE to one of the codes above and ERROR to the message; the
 * id, when one could be read, is returned in RET_ID for the reply. */
BallastRequest *ballast_request_parse (const char *line, gsize length,
                                       const char **ret_error_code, json_object **ret_id,
                                       GError **error);

/* Typed access to params. Absent optional params leave the output alone
 * and return TRUE; a present param of the wrong type is an error. */
gboolean ballast_request_get_string (const BallastRequest *request, const char *name,
                                     gboolean required, const char **ret_value, GError **error);
gboolean ballast_request_get_bool (const BallastRequest *request, const char *name,
                                   gboolean *ret_value, GError **error);
/* MAX above G_MAXINT64 is taken as G_MAXINT64 (json-c's integer range). */
gboolean ballast_request_get_uint (const BallastRequest *request, const char *name,
                                   guint64 max, guint64 *ret_value, GError **error);

/* Replies, as a line of text with the trailing newline. ID and RESULT are
 * borrowed / taken over respectively. */
char *ballast_reply_ok (json_object *id, json_object *result);
char *ballast_reply_error (json_object *id, const char *code, const char *message);

G_END_DECLS
