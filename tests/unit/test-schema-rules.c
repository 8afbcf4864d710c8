/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy grammar is written twice: in the RelaxNG schemas
 * (xml-schemas/policy.rng, tuning.rng), and in the tables
 * lib/policy-file.c checks a file against first for clearer errors. This
 * keeps them in step: walking each schema from <start> (through <ref>s and
 * the included basictypes.rng) gives every element path, the attributes
 * each element may carry, and the values an attribute may choose from; the
 * table must say exactly the same. */
#include "policy-file.h"
#include "size-units.h"

#include <libxml/parser.h>
#include <string.h>

#define RNG_NS "http://relaxng.org/ns/structure/1.0"

typedef struct {
  GHashTable *defines;    /* name -> xmlNode* <define> */
  GHashTable *elements;   /* "policy/host/reserve" -> GHashTable attribute -> GHashTable values */
  GPtrArray *docs;        /* xmlDoc*, kept while the nodes are used */
} Schema;

static gboolean
is_rng (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns != NULL
         && strcmp ((const char *) node->ns->href, RNG_NS) == 0
         && strcmp ((const char *) node->name, name) == 0;
}

static char *
attr (xmlNode *node, const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *) name);
  char *copy = g_strdup ((const char *) value);
  xmlFree (value);
  return copy;
}

static GHashTable *
string_set (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Read FILE from xml-schemas/ with its includes; collect its defines. */
static xmlNode *
load_grammar (Schema *schema, const char *file)
{
  g_autofree char *path = g_build_filename (BALLAST_SOURCE_DIR, "xml-schemas", file, NULL);
  xmlDoc *doc = xmlReadFile (path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
  g_assert_nonnull (doc);
  g_ptr_array_add (schema->docs, doc);
  xmlNode *grammar = xmlDocGetRootElement (doc);
  for (xmlNode *n = grammar->children; n != NULL; n = n->next)
    {
      if (is_rng (n, "include"))
        {
          g_autofree char *href = attr (n, "href");
          load_grammar (schema, href);
        }
      else if (is_rng (n, "define"))
        g_hash_table_insert (schema->defines, attr (n, "name"), n);
    }
  return grammar;
}

static void
walk (Schema *schema, xmlNode *node, const char *path, const char *attribute, guint depth)
{
  g_assert_cmpuint (depth, <, 64); /* a recursive grammar: not ballast's */
  for (xmlNode *n = node->children; n != NULL; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE)
        continue;
      if (is_rng (n, "element"))
        {
          g_autofree char *name = attr (n, "name");
          char *child_path = path != NULL ? g_strconcat (path, "/", name, NULL) : g_strdup (name);
          if (!g_hash_table_contains (schema->elements, child_path))
            g_hash_table_insert (schema->elements, g_strdup (child_path),
                                 g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_hash_table_unref));
          walk (schema, n, child_path, NULL, depth + 1);
          g_free (child_path);
        }
      else if (is_rng (n, "attribute"))
        {
          g_autofree char *name = attr (n, "name");
          GHashTable *attributes = g_hash_table_lookup (schema->elements, path);
          if (!g_hash_table_contains (attributes, name))
            g_hash_table_insert (attributes, g_strdup (name), string_set ());
          walk (schema, n, path, name, depth + 1);
        }
      else if (is_rng (n, "value") && attribute != NULL)
        {
          GHashTable *attributes = g_hash_table_lookup (schema->elements, path);
          xmlChar *text = xmlNodeGetContent (n);
          g_hash_table_add (g_hash_table_lookup (attributes, attribute), g_strdup ((const char *) text));
          xmlFree (text);
        }
      else if (is_rng (n, "ref"))
        {
          g_autofree char *name = attr (n, "name");
          xmlNode *define = g_hash_table_lookup (schema->defines, name);
          g_assert_nonnull (define);
          walk (schema, define, path, attribute, depth + 1);
        }
      else
        walk (schema, n, path, attribute, depth + 1);
    }
}

/* What TABLE says, in the walk's shape: sizes carry "unit", sizes or
 * percentages "unit" and "percent"; "a|b|c" attributes their choices. */
static GHashTable *
table_elements (const BallastXmlRule *table)
{
  GHashTable *elements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                (GDestroyNotify) g_hash_table_unref);
  for (const BallastXmlRule *rule = table; rule->path != NULL; rule++)
    {
      GHashTable *attributes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      (GDestroyNotify) g_hash_table_unref);
      g_assert_false (g_hash_table_contains (elements, rule->path));
      g_hash_table_insert (elements, g_strdup (rule->path), attributes);
      if (rule->kind == BALLAST_XML_SIZE || rule->kind == BALLAST_XML_SIZE_OR_PERCENT)
        g_hash_table_insert (attributes, g_strdup ("unit"), string_set ());
      if (rule->kind == BALLAST_XML_SIZE_OR_PERCENT)
        g_hash_table_insert (attributes, g_strdup ("percent"), string_set ());
      g_auto(GStrv) specs = g_strsplit (rule->attributes != NULL ? rule->attributes : "", " ", -1);
      for (guint i = 0; specs[i] != NULL; i++)
        {
          if (*specs[i] == '\0')
            continue;
          g_auto(GStrv) name_type = g_strsplit (specs[i], "=", 2);
          g_assert_nonnull (name_type[1]);
          g_autofree char *type = g_strdup (name_type[1]);
          if (g_str_has_suffix (type, "!"))
            type[strlen (type) - 1] = '\0';
          GHashTable *values = string_set ();
          if (strchr (type, '|') != NULL)
            {
              g_auto(GStrv) choices = g_strsplit (type, "|", -1);
              for (guint j = 0; choices[j] != NULL; j++)
                g_hash_table_add (values, g_strdup (choices[j]));
            }
          g_hash_table_insert (attributes, g_strdup (name_type[0]), values);
        }
    }
  return elements;
}

static gint
compare_lines (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The set of lines "PATH", "PATH @ATTR" and "PATH @ATTR = VALUE" that
 * ELEMENTS describes. The values of "unit" are the size parser's
 * (lib/size-units.c), not the table's: they go to UNITS, if given. */
static GHashTable *
describe (GHashTable *elements, GHashTable *units)
{
  GHashTable *lines = string_set ();
  GHashTableIter iter, attribute_iter, value_iter;
  gpointer path, attributes, attribute, values, value;
  g_hash_table_iter_init (&iter, elements);
  while (g_hash_table_iter_next (&iter, &path, &attributes))
    {
      g_hash_table_add (lines, g_strdup (path));
      g_hash_table_iter_init (&attribute_iter, attributes);
      while (g_hash_table_iter_next (&attribute_iter, &attribute, &values))
        {
          g_hash_table_add (lines, g_strdup_printf ("%s @%s", (char *) path, (char *) attribute));
          g_hash_table_iter_init (&value_iter, values);
          while (g_hash_table_iter_next (&value_iter, &value, NULL))
            if (strcmp (attribute, "unit") != 0)
              g_hash_table_add (lines, g_strdup_printf ("%s @%s = %s", (char *) path,
                                                        (char *) attribute, (char *) value));
            else if (units != NULL)
              g_hash_table_add (units, g_strdup (value));
        }
    }
  return lines;
}

/* The lines of A that B lacks, sorted, one a line ("" when none). */
static char *
lines_missing (GHashTable *a, GHashTable *b)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer line;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &line, NULL))
    if (!g_hash_table_contains (b, line))
      g_ptr_array_add (missing, line);
  g_ptr_array_sort (missing, compare_lines);
  g_ptr_array_add (missing, NULL);
  return g_strjoinv ("\n", (char **) missing->pdata);
}

static void
check_in_step (const char *rng_file, const BallastXmlRule *table)
{
  Schema schema = {
    .defines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .elements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_hash_table_unref),
    .docs = g_ptr_array_new_with_free_func ((GDestroyNotify) xmlFreeDoc),
  };
  xmlNode *grammar = load_grammar (&schema, rng_file);
  for (xmlNode *n = grammar->children; n != NULL; n = n->next)
    if (is_rng (n, "start"))
      walk (&schema, n, NULL, NULL, 0);
  g_assert_cmpuint (g_hash_table_size (schema.elements), >, 1);

  g_autoptr(GHashTable) from_table = table_elements (table);
  g_autoptr(GHashTable) units = string_set ();
  g_autoptr(GHashTable) schema_says = describe (schema.elements, units);
  g_autoptr(GHashTable) table_says = describe (from_table, NULL);
  g_autofree char *only_in_schema = lines_missing (schema_says, table_says);
  g_autofree char *only_in_table = lines_missing (table_says, schema_says);
  if (*only_in_schema != '\0' || *only_in_table != '\0')
    g_test_fail_printf ("xml-schemas/%s and lib/policy-file.c's check table differ.\n"
                        "Only in the schema:\n%s\nOnly in the table:\n%s",
                        rng_file, only_in_schema, only_in_table);

  /* Every unit the schema allows, the size parser takes. */
  GHashTableIter iter;
  gpointer unit;
  g_hash_table_iter_init (&iter, units);
  while (g_hash_table_iter_next (&iter, &unit, NULL))
    {
      guint64 bytes = 0;
      g_autoptr(GError) error = NULL;
      if (!ballast_unit_bytes (unit, &bytes, &error))
        g_test_fail_printf ("xml-schemas/%s allows unit='%s', lib/size-units.c refuses it: %s",
                            rng_file, (char *) unit, error->message);
    }
  g_assert_cmpuint (g_hash_table_size (units), >, 0);

  g_hash_table_unref (schema.defines);
  g_hash_table_unref (schema.elements);
  g_ptr_array_unref (schema.docs);
}

static void
test_policy_in_step (void)
{
  check_in_step ("policy.rng", ballast_policy_file_check_rules ());
}

static void
test_tuning_in_step (void)
{
  check_in_step ("tuning.rng", ballast_tuning_check_rules ());
}

/* The comparison itself can fail: a table with an element the schema
 * lacks says so. */
static void
test_drift_is_seen (void)
{
  static const BallastXmlRule drifted[] = {
    { "tuning", BALLAST_XML_CONTAINER, "actuator=auto|balloon|virtio-mem" },
    { "tuning/min", BALLAST_XML_SIZE_OR_PERCENT, NULL },
    { "tuning/shares", BALLAST_XML_COUNT, NULL },
    { "tuning/headroom", BALLAST_XML_EMPTY, "percent=percent1000!" },
    { "tuning/exclude", BALLAST_XML_EMPTY, NULL },
    { "tuning/typo", BALLAST_XML_EMPTY, NULL },
    { NULL },
  };
  g_autoptr(GHashTable) from_table = table_elements (drifted);
  g_autoptr(GHashTable) from_real = table_elements (ballast_tuning_check_rules ());
  g_autoptr(GHashTable) drifted_says = describe (from_table, NULL);
  g_autoptr(GHashTable) real_says = describe (from_real, NULL);
  g_autofree char *extra = lines_missing (drifted_says, real_says);
  g_autofree char *none = lines_missing (real_says, drifted_says);
  g_assert_cmpstr (extra, ==, "tuning/typo");
  g_assert_cmpstr (none, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/schema-rules/policy", test_policy_in_step);
  g_test_add_func ("/schema-rules/tuning", test_tuning_in_step);
  g_test_add_func ("/schema-rules/drift-is-seen", test_drift_is_seen);
  return g_test_run ();
}
