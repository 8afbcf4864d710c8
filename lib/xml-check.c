/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "xml-check.h"

#include "ballast-error.h"
#include "size-units.h"
#include "text-fields.h"
#include "xml-util.h"

#include "start-check.h"

#include <string.h>

static const BallastXmlRule *
find_rule (const BallastXmlRule *rules, const char *path)
{
  for (const BallastXmlRule *rule = rules; rule->path != NULL; rule++)
    if (strcmp (rule->path, path) == 0)
      return rule;
  return NULL;
}

/* "budget, reserve, band": the elements allowed directly below PARENT. */
static char *
allowed_children (const BallastXmlRule *rules, const char *parent)
{
  g_autoptr(GString) list = g_string_new (NULL);
  gsize prefix = strlen (parent);
  for (const BallastXmlRule *rule = rules; rule->path != NULL; rule++)
    if (strncmp (rule->path, parent, prefix) == 0 && rule->path[prefix] == '/'
        && strchr (rule->path + prefix + 1, '/') == NULL)
      g_string_append_printf (list, "%s<%s>", list->len > 0 ? ", " : "", rule->path + prefix + 1);
  return g_string_free (g_steal_pointer (&list), FALSE);
}

static G_GNUC_PRINTF (4, 5) gboolean
fail (GError **error, const char *what, xmlNode *node, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "%s line %ld: %s", what,
               xmlGetLineNo (node), message);
  return FALSE;
}

static gboolean
check_uint (const char *text, guint64 low, guint64 high, guint64 *ret_value)
{
  guint64 value;
  if (!ballast_parse_u64 (text, strlen (text), &value) || value < low || value > high)
    return FALSE;
  if (ret_value != NULL)
    *ret_value = value;
  return TRUE;
}

/* Finds NAME's type in a rule's attribute list; NULL if not allowed. */
static char *
attribute_type (const BallastXmlRule *rule, const char *name)
{
  if (g_strcmp0 (name, "unit") == 0
      && (rule->kind == BALLAST_XML_SIZE || rule->kind == BALLAST_XML_SIZE_OR_PERCENT))
    return g_strdup ("unit");
  if (g_strcmp0 (name, "percent") == 0 && rule->kind == BALLAST_XML_SIZE_OR_PERCENT)
    return g_strdup ("percent");
  g_auto(GStrv) entries = g_strsplit (rule->attributes != NULL ? rule->attributes : "", " ", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      char *equals = strchr (entries[i], '=');
      if (equals != NULL && strncmp (entries[i], name, (gsize) (equals - entries[i])) == 0
          && strlen (name) == (gsize) (equals - entries[i]))
        {
          char *type = g_strdup (equals + 1);
          if (g_str_has_suffix (type, "!"))
            type[strlen (type) - 1] = '\0';
          return type;
        }
    }
  return NULL;
}

/* The whole-percentage attribute types and their ranges. */
static const struct {
  const char *type;
  guint min, max;
} percent_types[] = {
  { "percent", 0, 100 },
  { "percent1", 1, 100 },
  { "percent1000", 0, 1000 },
  { "percent100to1000", 100, 1000 },
};

static gboolean
check_attributes (xmlNode *node, const BallastXmlRule *rule, const char *what, GError **error)
{
  g_auto(GStrv) entries = g_strsplit (rule->attributes != NULL ? rule->attributes : "", " ", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      char *equals = strchr (entries[i], '=');
      if (equals == NULL || !g_str_has_suffix (entries[i], "!"))
        continue;
      *equals = '\0';
      if (!xmlHasProp (node, (const xmlChar *) entries[i]))
        return fail (error, what, node, "<%s> needs a '%s' attribute", node->name, entries[i]);
    }
  for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next)
    {
      const char *name = (const char *) attr->name;
      g_autofree char *type = attribute_type (rule, name);
      g_autofree char *value = ballast_xml_attr (node, name);
      if (type == NULL)
        return fail (error, what, node, "<%s> has no attribute '%s'", node->name, name);
      for (gsize p = 0; p < G_N_ELEMENTS (percent_types); p++)
        if (strcmp (type, percent_types[p].type) == 0
            && !check_uint (value, percent_types[p].min, percent_types[p].max, NULL))
          return fail (error, what, node, "<%s %s='%s'>: expected a whole percentage from %u to %u",
                       node->name, name, value, percent_types[p].min, percent_types[p].max);
      guint permille;
      g_autoptr(GError) ratio_error = NULL;
      if (strcmp (type, "ratio") == 0 && !ballast_ratio_parse_permille (value, &permille, &ratio_error))
        return fail (error, what, node, "<%s %s>: %s", node->name, name, ratio_error->message);
      if (strcmp (type, "string") == 0 && *value == '\0')
        return fail (error, what, node, "<%s %s=''>: must not be empty", node->name, name);
      if (strcmp (type, "unit") == 0)
        {
          guint64 bytes;
          g_autoptr(GError) unit_error = NULL;
          if (!ballast_unit_bytes (value, &bytes, &unit_error))
            return fail (error, what, node, "<%s>: %s", node->name, unit_error->message);
        }
      if (strchr (type, '|') != NULL)
        {
          g_auto(GStrv) choices = g_strsplit (type, "|", -1);
          if (!g_strv_contains ((const char *const *) choices, value))
            {
              g_autofree char *expected = g_strjoinv (", ", choices);
              return fail (error, what, node, "<%s %s='%s'>: expected one of %s", node->name,
                           name, value, expected);
            }
        }
    }
  return TRUE;
}

/* The element's own text, not its descendants', stripped. */
static char *
own_text (xmlNode *node)
{
  GString *text = g_string_new (NULL);
  for (xmlNode *child = node->children; child != NULL; child = child->next)
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
      g_string_append (text, (const char *) child->content);
  return g_strstrip (g_string_free (text, FALSE));
}

static gboolean
check_value (xmlNode *node, const BallastXmlRule *rule, const char *what, GError **error)
{
  g_autofree char *text = own_text (node);
  g_autofree char *percent = ballast_xml_attr (node, "percent");
  guint64 kib;

  switch (rule->kind)
    {
    case BALLAST_XML_CONTAINER:
    case BALLAST_XML_EMPTY:
      if (*text != '\0')
        return fail (error, what, node, "<%s> takes no text, found '%.40s'", node->name, text);
      if (rule->kind == BALLAST_XML_EMPTY && xmlFirstElementChild (node) != NULL)
        return fail (error, what, node, "<%s> takes no elements", node->name);
      return TRUE;
    case BALLAST_XML_SIZE_OR_PERCENT:
      if (percent != NULL)
        {
          if (*text != '\0')
            return fail (error, what, node, "<%s percent='%s'> takes no size as well", node->name, percent);
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;
    case BALLAST_XML_SIZE:
      if (!check_uint (text, 0, G_MAXUINT64, NULL))
        return fail (error, what, node, "<%s>: '%.40s' is not a size (a whole number, with unit='MiB' or the like%s)",
                     node->name, text, rule->kind == BALLAST_XML_SIZE_OR_PERCENT ? ", or percent='N'" : "");
      return ballast_xml_size_kib (node, what, &kib, error);
    case BALLAST_XML_COUNT:
      if (!check_uint (text, 1, 1000000, NULL))
        return fail (error, what, node, "<%s>: '%.40s' is not a whole number from 1 to 1000000",
                     node->name, text);
      return TRUE;
    case BALLAST_XML_UINT:
      if (!check_uint (text, 0, G_MAXUINT32, NULL))
        return fail (error, what, node, "<%s>: '%.40s' is not a whole number", node->name, text);
      return TRUE;
    default:
      return TRUE;
    }
}

static gboolean
check_element (xmlNode *node, const char *path, const BallastXmlRule *rules, const char *ns,
               const char *what, GError **error)
{
  const BallastXmlRule *rule = find_rule (rules, path);
  g_assert (rule != NULL);
  if (!check_attributes (node, rule, what, error) || !check_value (node, rule, what, error))
    return FALSE;

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      const char *child_ns = child->ns != NULL ? (const char *) child->ns->href : NULL;
      g_autofree char *child_path = g_strconcat (path, "/", child->name, NULL);
      if (rule->kind != BALLAST_XML_CONTAINER || find_rule (rules, child_path) == NULL)
        {
          g_autofree char *allowed = allowed_children (rules, path);
          return fail (error, what, child, "unknown element <%s> in <%s>%s%s%s", child->name,
                       node->name, *allowed != '\0' ? " (expected " : " (it takes no elements",
                       allowed, ")");
        }
      if (g_strcmp0 (child_ns, ns) != 0)
        return fail (error, what, child, "<%s> is not in the namespace %s", child->name, ns);
      /* Two of the same where one is meant: say so, RelaxNG would not. */
      if (strcmp ((const char *) child->name, "match") != 0)
        for (xmlNode *earlier = node->children; earlier != child; earlier = earlier->next)
          if (earlier->type == XML_ELEMENT_NODE && xmlStrEqual (earlier->name, child->name))
            return fail (error, what, child, "<%s> appears twice in <%s> (first on line %ld)",
                         child->name, node->name, xmlGetLineNo (earlier));
      if (!check_element (child, child_path, rules, ns, what, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ballast_xml_check (xmlNode *root, const BallastXmlRule *rules, const char *ns, const char *what,
                   GError **error)
{
  const char *root_ns = root->ns != NULL ? (const char *) root->ns->href : NULL;
  if (g_strcmp0 (root_ns, ns) != 0 || find_rule (rules, (const char *) root->name) == NULL)
    return fail (error, what, root, "the root element must be <%s xmlns=\"%s\">", rules[0].path, ns);
  return check_element (root, (const char *) root->name, rules, ns, what, error);
}
