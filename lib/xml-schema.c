/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-schema.h"

#include "ballast-error.h"
#include "ballast-schemas.h"

#include <gio/gio.h>
#include <libxml/relaxng.h>
#include <libxml/xmlIO.h>
#include <string.h>

#define RESOURCE_SCHEME "resource://"

/* ---- libxml2 reads "resource://" URLs from our GResources, so the
 * schemas' <include href="basictypes.rng"/> resolves without files. ---- */

typedef struct {
  GBytes *bytes;
  gsize offset;
} ResourceReader;

static int
resource_match (const char *uri)
{
  return uri != NULL && g_str_has_prefix (uri, RESOURCE_SCHEME);
}

static void *
resource_open (const char *uri)
{
  GBytes *bytes = g_resources_lookup_data (uri + strlen (RESOURCE_SCHEME),
                                           G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    return NULL;
  ResourceReader *reader = g_new0 (ResourceReader, 1);
  reader->bytes = bytes;
  return reader;
}

static int
resource_read (void *context, char *buffer, int length)
{
  ResourceReader *reader = context;
  gsize size;
  const char *data = g_bytes_get_data (reader->bytes, &size);
  gsize n = MIN ((gsize) length, size - reader->offset);
  memcpy (buffer, data + reader->offset, n);
  reader->offset += n;
  return (int) n;
}

static int
resource_close (void *context)
{
  ResourceReader *reader = context;
  g_bytes_unref (reader->bytes);
  g_free (reader);
  return 0;
}

/* ---- Compiled schemas, built once ---- */

typedef struct {
  const char *name;
  xmlRelaxNGPtr schema;
} CompiledSchema;

static CompiledSchema schemas[] = {
  { "policy.rng", NULL },
  { "tuning.rng", NULL },
};

static gpointer
compile_schemas (gpointer unused)
{
  ballast_schemas_register_resource ();
  xmlRegisterInputCallbacks (resource_match, resource_open, resource_read, resource_close);
  for (gsize i = 0; i < G_N_ELEMENTS (schemas); i++)
    {
      g_autofree char *url = g_strconcat (RESOURCE_SCHEME "/org/ballast/schemas/", schemas[i].name, NULL);
      xmlRelaxNGParserCtxtPtr parser = xmlRelaxNGNewParserCtxt (url);
      schemas[i].schema = xmlRelaxNGParse (parser);
      xmlRelaxNGFreeParserCtxt (parser);
      /* A schema compiled into the binary that does not parse is a build bug. */
      if (schemas[i].schema == NULL)
        g_error ("built-in schema %s does not compile", schemas[i].name);
    }
  return NULL;
}

typedef struct {
  GString *message;
  int line;
} FirstError;

/* Keep the first error only: later ones are usually its consequences. */
static void
collect_error (void *user_data, const xmlError *error)
{
  FirstError *first = user_data;
  if (first->message->len > 0 || error == NULL || error->message == NULL)
    return;
  g_string_assign (first->message, error->message);
  while (first->message->len > 0 && g_ascii_isspace (first->message->str[first->message->len - 1]))
    g_string_truncate (first->message, first->message->len - 1);
  first->line = error->line;
}

gboolean
ballast_xml_validate (xmlDoc *doc, const char *schema_name, const char *what, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, compile_schemas, NULL);

  xmlRelaxNGPtr schema = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (schemas); i++)
    if (strcmp (schemas[i].name, schema_name) == 0)
      schema = schemas[i].schema;
  g_return_val_if_fail (schema != NULL, FALSE);

  FirstError first = { .message = g_string_new (NULL) };
  xmlRelaxNGValidCtxtPtr validator = xmlRelaxNGNewValidCtxt (schema);
  xmlRelaxNGSetValidStructuredErrors (validator, (xmlStructuredErrorFunc) collect_error, &first);
  int result = xmlRelaxNGValidateDoc (validator, doc);
  xmlRelaxNGFreeValidCtxt (validator);
  if (result != 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s line %d: does not match the schema %s: %s", what, first.line, schema_name,
                   first.message->len > 0 ? first.message->str : "invalid");
      g_string_free (first.message, TRUE);
      return FALSE;
    }
  g_string_free (first.message, TRUE);
  return TRUE;
}
