/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The text renderings ballastctl and `ballastd --once` print: golden files
 * for JSON in the shape daemon/daemon-report.c builds, and JSON with fields
 * missing or of the wrong type, which must print "-" and never crash.
 *
 * Inputs are tests/golden/render/NAME.json, expected output
 * tests/golden/render/NAME.expected. After an intended change to the
 * output, regenerate with BALLAST_UPDATE_GOLDEN=1 and read the diff. */
#include "json-util.h"
#include "render-golden.h"
#include "report-render.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Under valgrind, a test can ask memcheck whether it saw errors. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_MEMCHECK 1
#endif
#endif

static unsigned
memcheck_error_count (void)
{
#ifdef HAVE_MEMCHECK
  return VALGRIND_COUNT_ERRORS;
#else
  return 0;
#endif
}

static gboolean
running_on_valgrind (void)
{
#ifdef HAVE_MEMCHECK
  return RUNNING_ON_VALGRIND != 0;
#else
  return FALSE;
#endif
}

typedef enum {
  RENDER_STATUS,
  RENDER_LIST,
  RENDER_LIST_WIDE,
  RENDER_DOMAIN,
  RENDER_HISTORY,
} Renderer;

static char *
render (Renderer renderer, json_object *object)
{
  switch (renderer)
    {
    case RENDER_STATUS: return ballast_render_status (object);
    case RENDER_LIST: return ballast_render_list (object, FALSE);
    case RENDER_LIST_WIDE: return ballast_render_list (object, TRUE);
    case RENDER_DOMAIN: return ballast_render_domain (object);
    case RENDER_HISTORY: return ballast_render_history (object);
    default: g_assert_not_reached ();
    }
}

/* ---- Golden files ---- */

typedef struct {
  const char *expected;   /* render/EXPECTED.expected */
  const char *input;      /* render/INPUT */
  Renderer renderer;
} GoldenCase;

static const GoldenCase golden_cases[] = {
  { "status-active", "status-active.json", RENDER_STATUS },
  { "status-spare-cgroup", "status-spare-cgroup.json", RENDER_STATUS },
  { "status-swap-migrating", "status-swap-migrating.json", RENDER_STATUS },
  { "status-emergency", "status-emergency.json", RENDER_STATUS },
  { "status-disconnected", "status-disconnected.json", RENDER_STATUS },
  { "status-empty", "empty.json", RENDER_STATUS },
  { "status-wrong-types", "wrong-types.json", RENDER_STATUS },
  { "list", "list.json", RENDER_LIST },
  { "list-wide", "list.json", RENDER_LIST_WIDE },
  { "list-empty", "empty.json", RENDER_LIST },
  { "list-empty", "wrong-types.json", RENDER_LIST },          /* "domains" not an array */
  { "list-wide-empty", "empty.json", RENDER_LIST_WIDE },
  { "list-wrong-types", "list-wrong-types.json", RENDER_LIST },
  { "list-wide-wrong-types", "list-wrong-types.json", RENDER_LIST_WIDE },
  { "domain", "domain.json", RENDER_DOMAIN },
  { "domain-inactive", "domain-inactive.json", RENDER_DOMAIN },
  { "domain-empty", "empty.json", RENDER_DOMAIN },
  { "domain-wrong-types", "wrong-types.json", RENDER_DOMAIN },
  { "history", "history.json", RENDER_HISTORY },
  { "history-empty", "empty.json", RENDER_HISTORY },
  { "history-empty", "wrong-types.json", RENDER_HISTORY },    /* "entries" not an array */
  { "history-wrong-types", "history-wrong-types.json", RENDER_HISTORY },
};

static void
test_golden (gconstpointer data)
{
  const GoldenCase *c = data;
  g_autoptr(json_object) input = render_golden_load_json (c->input);
  g_autofree char *output = render (c->renderer, input);
  g_autofree char *file = g_strconcat (c->expected, ".expected", NULL);
  g_autofree char *path = g_build_filename (BALLAST_GOLDEN_DIR, "render", file, NULL);
  g_autoptr(GError) error = NULL;

  if (g_getenv ("BALLAST_UPDATE_GOLDEN") != NULL)
    {
      g_file_set_contents (path, output, -1, &error);
      g_assert_no_error (error);
      g_test_message ("wrote %s", path);
      return;
    }
  g_autofree char *expected = NULL;
  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (output, expected) != 0)
    g_test_message ("%s differs; got:\n%s", path, output);
  g_assert_cmpstr (output, ==, expected);
}

/* ---- Whatever comes in, something sensible comes out ---- */

/* NULL and JSON that is not an object print like an empty object. */
static void
test_not_an_object (void)
{
  static const char *const inputs[] = { "[]", "[{\"name\":\"g1\"}]", "\"status\"", "42", "true", "1.5" };
  static const Renderer renderers[] = { RENDER_STATUS, RENDER_LIST, RENDER_LIST_WIDE, RENDER_DOMAIN,
                                        RENDER_HISTORY };
  for (gsize r = 0; r < G_N_ELEMENTS (renderers); r++)
    {
      g_autoptr(json_object) empty = json_object_new_object ();
      g_autofree char *expected = render (renderers[r], empty);
      g_autofree char *from_null = render (renderers[r], NULL);
      g_assert_cmpstr (from_null, ==, expected);
      for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
        {
          g_autoptr(json_object) input = json_tokener_parse (inputs[i]);
          g_autofree char *output = render (renderers[r], input);
          g_assert_cmpstr (output, ==, expected);
        }
    }
}

/* Every line of a "Key: value" rendering has a value, "-" at worst. */
static void
test_no_empty_values (void)
{
  static const char *const inputs[] = { "empty.json", "wrong-types.json", "domain-inactive.json" };
  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(json_object) input = render_golden_load_json (inputs[i]);
      g_autofree char *domain = ballast_render_domain (input);
      g_auto(GStrv) lines = g_strsplit (domain, "\n", -1);
      for (guint l = 0; lines[l] != NULL && *lines[l] != '\0'; l++)
        {
          g_assert_cmpuint (strlen (lines[l]), >, 17);
          g_assert_false (g_ascii_isspace (lines[l][strlen (lines[l]) - 1]));
        }
    }
}

/* A figure that is missing prints "-", not a made-up number. */
static void
test_missing_duration_is_dash (void)
{
  g_autoptr(json_object) empty = json_object_new_object ();
  g_autofree char *output = ballast_render_status (empty);
  if (strstr (output, "last took 0.000 ms") != NULL)
    {
      g_test_fail_printf ("%s", "lib/report-render.c ballast_render_status(): a missing "
                         "cycles.last_duration_usec prints 'last took 0.000 ms' instead of '-' "
                         "(header: \"print '-' for what is missing or null\")");
      return;
    }
  g_assert_nonnull (strstr (output, "last took - "));
}

/* ---- ballast_render_kib ---- */

static void
test_render_kib (void)
{
  static const struct {
    const char *json;
    const char *text;
  } cases[] = {
    { "{\"k\":0}", "0 KiB" },
    { "{\"k\":1023}", "1023 KiB" },
    { "{\"k\":524288}", "512.0 MiB" },
    { "{\"k\":24684096}", "23.5 GiB" },
    { "{\"k\":-1048576}", "-1.0 GiB" },
    { "{\"k\":-1}", "-1 KiB" },
    { "{\"k\":9223372036854775807}", "8192.0 EiB" },
    { "{\"k\":18446744073709551615}", "8192.0 EiB" },   /* json-c clamps to G_MAXINT64 */
    { "{\"k\":\"524288\"}", "-" },
    { "{\"k\":1.5}", "-" },
    { "{\"k\":null}", "-" },
    { "{\"k\":true}", "-" },
    { "{\"k\":[524288]}", "-" },
    { "{\"other\":1}", "-" },
    { "[1]", "-" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(json_object) object = json_tokener_parse (cases[i].json);
      g_autofree char *text = ballast_render_kib (object, "k");
      g_test_message ("%s", cases[i].json);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
  g_autofree char *from_null = ballast_render_kib (NULL, "k");
  g_assert_cmpstr (from_null, ==, "-");
}

/* The most negative int64: its magnitude does not fit an int64. This
 * passes, but "-value" in ballast_render_kib() is undefined behaviour for
 * it; a -fsanitize=undefined build reports report-render.c:117. */
static void
test_render_kib_int64_min (void)
{
  g_autoptr(json_object) object = json_object_new_object ();
  json_object_object_add (object, "k", json_object_new_int64 (G_MININT64));
  g_autofree char *text = ballast_render_kib (object, "k");
  g_assert_cmpstr (text, ==, "-8192.0 EiB");
}

/* ---- BallastTable ---- */

static void
test_table (void)
{
  static const char *const headers[] = { "Name", "Max", "Reason", NULL };
  BallastTable *table = ballast_table_new (headers);
  const char *row1[] = { "g1", "512.0 MiB", "hold" };
  const char *row2[] = { "gäst-ü", NULL, NULL };                 /* widths count characters */
  const char *row3[] = { "a-much-longer-name", "16.0 GiB", "" };
  ballast_table_add_row (table, row1);
  ballast_table_add_row (table, row2);
  ballast_table_add_row (table, row3);
  g_autofree char *text = ballast_table_free_to_string (table);
  g_assert_cmpstr (text, ==,
                   " Name                 Max         Reason\n"
                   "------------------------------------------\n"
                   " g1                   512.0 MiB   hold\n"
                   " gäst-ü               -           -\n"
                   " a-much-longer-name   16.0 GiB    \n");

  static const char *const one[] = { "Only", NULL };
  BallastTable *single = ballast_table_new (one);
  g_autofree char *single_text = ballast_table_free_to_string (single);
  g_assert_cmpstr (single_text, ==, " Only\n-------\n");
}

/* Names are whatever libvirt or a daemon sent (json-c does not check
 * UTF-8); bytes that are not UTF-8 must not make the width arithmetic read
 * past the end of a cell. Only valgrind can see that:
 *   meson test -C build --suite unit --wrap='valgrind --error-exitcode=1' report-render */
static void
test_table_invalid_utf8 (void)
{
  unsigned errors_before = memcheck_error_count ();
  static const char *const cells[] = { "ab\xe2", "\xff\xfe", "\xf0\x9f", "ok" };
  g_autoptr(json_object) list = json_object_new_object ();
  json_object *domains = json_object_new_array ();
  for (gsize i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      json_object *domain = json_object_new_object ();
      json_object_object_add (domain, "name", json_object_new_string (cells[i]));
      json_object_object_add (domain, "reason", json_object_new_string (cells[i]));
      json_object_array_add (domains, domain);
    }
  json_object_object_add (list, "domains", domains);
  g_autofree char *text = ballast_render_list (list, TRUE);
  g_assert_nonnull (strstr (text, " ok "));
  if (!running_on_valgrind ())
    g_test_message ("not under valgrind: a read past the end would go unnoticed here");
  else if (memcheck_error_count () > errors_before)
    g_test_fail_printf ("%s", "lib/report-render.c ballast_table_free_to_string(): g_utf8_strlen() on a "
                       "cell ending in a truncated UTF-8 sequence (\"ab\\xe2\") skips past the "
                       "terminating NUL and reads beyond the heap block (valgrind: invalid reads "
                       "at report-render.c:41 and :55)");
}

int
main (int argc, char **argv)
{
  /* History times are local time: pin it. */
  g_setenv ("TZ", "UTC", TRUE);
  tzset ();
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (golden_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/report-render/golden/%s/%s", golden_cases[i].expected,
                                               golden_cases[i].input);
      g_test_add_data_func (path, &golden_cases[i], test_golden);
    }
  g_test_add_func ("/report-render/robust/not-an-object", test_not_an_object);
  g_test_add_func ("/report-render/robust/no-empty-values", test_no_empty_values);
  g_test_add_func ("/report-render/robust/missing-duration-is-dash", test_missing_duration_is_dash);
  g_test_add_func ("/report-render/kib/values", test_render_kib);
  g_test_add_func ("/report-render/kib/int64-min", test_render_kib_int64_min);
  g_test_add_func ("/report-render/table/alignment", test_table);
  g_test_add_func ("/report-render/table/invalid-utf8", test_table_invalid_utf8);
  return g_test_run ();
}
