/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-util.h"

#include "ballast-error.h"
#include "size-units.h"
#include "text-fields.h"

#include <libxml/parser.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlParserCtxt, xmlFreeParserCtxt)

xmlDoc *
ballast_xml_parse (const char *text, const char *what, GError **error)
{
  if (text == NULL || *text == '\0')
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: empty document", what);
      return NULL;
    }
  gsize length = strlen (text);
  if (length > G_MAXINT)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE, "%s: document too large", what);
      return NULL;
    }
  g_autoptr(xmlParserCtxt) context = xmlNewParserCtxt ();
  if (context == NULL)
    g_error ("out of memory creating an XML parser");
  /* No XML_PARSE_NOENT (it would expand external entities) and no network. */
  xmlDoc *doc = xmlCtxtReadMemory (context, text, (int) length, what, NULL,
                                   XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL || context->wellFormed == 0)
    {
      const xmlError *last = xmlCtxtGetLastError (context);
      g_autofree char *message = g_strdup (last != NULL && last->message != NULL
                                             ? last->message : "not well-formed");
      g_strchomp (message);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %d: %s", what,
                   last != NULL ? last->line : 0, message);
      if (doc != NULL)
        xmlFreeDoc (doc);
      return NULL;
    }
  if (xmlDocGetRootElement (doc) == NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: no root element", what);
      return NULL;
    }
  return doc;
}

xmlNode *
ballast_xml_child (xmlNode *node, const char *name, const char *ns_href)
{
  if (node == NULL)
    return NULL;
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE || strcmp ((const char *) child->name, name) != 0)
        continue;
      const char *child_ns = child->ns != NULL ? (const char *) child->ns->href : NULL;
      if (g_strcmp0 (child_ns, ns_href) == 0)
        return child;
    }
  return NULL;
}

char *
ballast_xml_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text = g_strdup (content != NULL ? (const char *) content : "");
  xmlFree (content);
  return g_strstrip (text);
}

char *
ballast_xml_attr (xmlNode *node, const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

gboolean
ballast_xml_size_kib (xmlNode *node, const char *what, guint64 *ret_kib, GError **error)
{
  g_autofree char *text = ballast_xml_text (node);
  g_autofree char *unit = ballast_xml_attr (node, "unit");
  guint64 value;
  g_autoptr(GError) unit_error = NULL;
  if (!ballast_parse_u64 (text, strlen (text), &value))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "%s line %ld: <%s>: '%.40s' is not an unsigned integer", what,
                   xmlGetLineNo (node), node->name, text);
      return FALSE;
    }
  if (!ballast_size_to_kib (value, unit, ret_kib, &unit_error))
    {
      g_set_error (error, BALLAST_ERROR, unit_error->code, "%s line %ld: <%s>: %s", what,
                   xmlGetLineNo (node), node->name, unit_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ballast_xml_attr_on (xmlNode *node, const char *name, gboolean *ret_present)
{
  g_autofree char *value = ballast_xml_attr (node, name);
  if (ret_present != NULL)
    *ret_present = value != NULL;
  return g_strcmp0 (value, "on") == 0 || g_strcmp0 (value, "yes") == 0;
}

char *
ballast_xml_serialize (xmlNode *node)
{
  /* Namespaces declared on an ancestor (xmlns:ballast on <domain>) must
   * come along: copy into a document of its own and redeclare them there. */
  g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *copy = xmlDocCopyNode (node, doc, 1);
  if (copy == NULL)
    g_error ("out of memory copying an XML node");
  xmlDocSetRootElement (doc, copy);
  xmlReconciliateNs (doc, copy);
  xmlBuffer *buffer = xmlBufferCreate ();
  xmlNodeDump (buffer, doc, copy, 0, 0);
  char *text = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  return text;
}
