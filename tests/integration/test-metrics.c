/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "metrics" method and the node-exporter textfile, on a daemon that ran
 * real cycles against libvirt's test driver: the text must parse as
 * Prometheus' exposition format, in base units, with domain names escaped,
 * and the file must only ever appear whole. */
#include "daemon-harness.h"

#include "control-methods.h"
#include "control-protocol.h"
#include "json-util.h"
#include "prom-validate.h"

#include <glib/gstdio.h>
#include <string.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

/* Names a label value must escape: a double quote and a backslash. */
#define QUOTED_NAME "quote\"d"
#define BACKSLASH_NAME "back\\slash"

typedef struct {
  char *dir;
  char *xml;
  FakeHost *host;
  BallastDaemonConfig config;
  BallastDaemon *daemon;
} Fixture;

static void
fixture_setup (Fixture *fixture, gconstpointer data)
{
  fixture->dir = g_dir_make_tmp ("ballast-metrics-XXXXXX", NULL);
  g_assert_nonnull (fixture->dir);
  fixture->xml = g_build_filename (fixture->dir, "domains.xml", NULL);
  g_assert_true (g_file_set_contents (fixture->xml,
    "<node>\n"
    "  <domain type='test'><name>web</name><memory>2097152</memory><currentMemory>1048576</currentMemory>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>" QUOTED_NAME "</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>" BACKSLASH_NAME "</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>noballoon</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='none'/></devices></domain>\n"
    "</node>\n", -1, NULL));
  fixture->host = fake_host_new (16 * GIB, 10 * GIB);
  ballast_daemon_config_init (&fixture->config);
  g_free (fixture->config.uri);
  fixture->config.uri = g_strdup_printf ("test://%s", fixture->xml);
  fixture->config.interval_msec = 50;
  fixture->config.dry_run = TRUE;
}

static void
fixture_teardown (Fixture *fixture, gconstpointer data)
{
  g_clear_pointer (&fixture->daemon, ballast_daemon_free);
  ballast_daemon_config_clear (&fixture->config);
  g_clear_pointer (&fixture->host, fake_host_free);
  g_unlink (fixture->xml);
  g_rmdir (fixture->dir);
  g_free (fixture->xml);
  g_free (fixture->dir);
}

/* The "metrics" method as a peer that may only read would call it. */
static char *
call_metrics (BallastDaemon *daemon)
{
  static const char line[] = "{\"id\":1,\"method\":\"metrics\"}";
  const char *code = NULL;
  g_autoptr(json_object) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastRequest) request = ballast_request_parse (line, strlen (line), &code, &id, &error);
  g_assert_no_error (error);
  BallastPeer reader = { .uid = 65534, .pid = 1, .privileged = FALSE };
  g_autoptr(json_object) result = ballast_control_dispatch (ballast_daemon_get_control_target (daemon), request, &reader, &code, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  json_object *text = NULL;
  g_assert_true (json_object_object_get_ex (result, "text", &text));
  g_assert_true (json_object_is_type (text, json_type_string));
  return g_strdup (json_object_get_string (text));
}

static void
assert_valid (const char *text)
{
  g_autoptr(GError) error = NULL;
  if (!prom_validate (text, &error))
    g_error ("not Prometheus text: %s\n%s", error->message, text);
}

/* TEXT has exactly the sample line SAMPLE. */
static void
assert_sample (const char *text, const char *sample)
{
  g_autofree char *line = g_strdup_printf ("\n%s\n", sample);
  if (strstr (text, line) == NULL)
    g_error ("no sample '%s' in:\n%s", sample, text);
}

static void
test_method_output_is_prometheus_text (Fixture *fixture, gconstpointer data)
{
  fixture->daemon = run_daemon_cycles (&fixture->config, fixture->host, 2);
  g_autofree char *text = call_metrics (fixture->daemon);
  assert_valid (text);
  /* Every family with its help, and the prefix everywhere. */
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint helps = 0, types = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0')
        continue;
      helps += g_str_has_prefix (lines[i], "# HELP ");
      types += g_str_has_prefix (lines[i], "# TYPE ");
      const char *name = lines[i][0] == '#' ? lines[i] + 7 : lines[i];
      g_assert_true (g_str_has_prefix (name, "ballast_"));
    }
  g_assert_cmpuint (helps, ==, types);
  g_assert_cmpuint (types, >=, 30);
  /* Counters are what the daemon counted. */
  g_autofree char *cycles = g_strdup_printf ("ballast_cycles_total %" G_GUINT64_FORMAT,
                                             ballast_daemon_get_view (fixture->daemon)->counters->cycles);
  assert_sample (text, cycles);
  assert_sample (text, "# TYPE ballast_cycles_total counter");
  assert_sample (text, "ballast_libvirt_connected 1");
  assert_sample (text, "ballast_mode{mode=\"dry-run\"} 1");
  assert_sample (text, "ballast_mode{mode=\"active\"} 0");
  g_assert_nonnull (strstr (text, "\nballast_control_requests_total "));
}

static void
test_values_in_base_units_and_escaped (Fixture *fixture, gconstpointer data)
{
  fixture->daemon = run_daemon_cycles (&fixture->config, fixture->host, 2);
  g_autofree char *text = call_metrics (fixture->daemon);
  assert_valid (text);

  /* Bytes, not KiB: the host tree says 16 GiB, web has 2 GiB max, 1 GiB now. */
  assert_sample (text, "ballast_host_budget_total_bytes 17179869184");
  assert_sample (text, "ballast_host_memory_available_bytes 10737418240");
  assert_sample (text, "ballast_guest_max_bytes{domain=\"web\"} 2147483648");
  assert_sample (text, "ballast_guest_current_bytes{domain=\"web\"} 1073741824");
  assert_sample (text, "ballast_host_psi_memory_some_avg10_ratio 0.0000");

  /* Label values escaped as the format says: \" and \\. */
  assert_sample (text, "ballast_guest_max_bytes{domain=\"quote\\\"d\"} 1073741824");
  assert_sample (text, "ballast_guest_max_bytes{domain=\"back\\\\slash\"} 1073741824");
  g_assert_null (strstr (text, "domain=\"quote\"d\""));

  /* Status is a set of series per guest, exactly one of them 1. */
  static const char *const names[] = { "web", QUOTED_NAME, BACKSLASH_NAME, "noballoon" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      BallastDomain *domain = ballast_registry_lookup_name (ballast_daemon_get_view (fixture->daemon)->registry,
                                                           names[i]);
      g_assert_nonnull (domain);
      guint ones = 0;
      for (int s = BALLAST_GUEST_MANAGED; s <= BALLAST_GUEST_UNMANAGED; s++)
        {
          g_autoptr(GString) escaped = g_string_new (NULL);
          for (const char *p = names[i]; *p != '\0'; p++)
            {
              if (*p == '"' || *p == '\\')
                g_string_append_c (escaped, '\\');
              g_string_append_c (escaped, *p);
            }
          g_autofree char *prefix = g_strdup_printf ("\nballast_guest_status{domain=\"%s\",status=\"%s\"} ",
                                                     escaped->str, ballast_guest_status_to_string (s));
          const char *found = strstr (text, prefix);
          g_assert_nonnull (found);
          gboolean one = found[strlen (prefix)] == '1';
          ones += one;
          g_assert_cmpint (one, ==, domain->classification.status == (BallastGuestStatus) s);
        }
      g_assert_cmpuint (ones, ==, 1);
    }
  assert_sample (text, "ballast_guest_status{domain=\"noballoon\",status=\"no-driver\"} 1");
  /* A guest without a balloon has no usable figure: no sample, not a 0. */
  g_assert_null (strstr (text, "ballast_guest_usable_bytes{domain=\"noballoon\"}"));
  g_assert_nonnull (strstr (text, "ballast_guest_usable_bytes{domain=\"web\"} "));
}

static void
test_validator_rejects_malformed_text (void)
{
  static const struct {
    const char *text;
    const char *why;
  } bad[] = {
    { "x 1\n", "no TYPE" },
    { "# TYPE 1x gauge\n1x 1\n", "bad metric name" },
    { "# TYPE x gauge\nx{a=\"b\"c=\"d\"} 1\n", "no comma between labels" },
    { "# TYPE x gauge\nx{a=\"b\\\"} 1\n", "label value not closed" },
    { "# TYPE x gauge\nx{a=\"b\\t\"} 1\n", "bad escape" },
    { "# TYPE x gauge\nx{1a=\"b\"} 1\n", "bad label name" },
    { "# TYPE x gauge\nx{a=\"b\",a=\"c\"} 1\n", "label twice" },
    { "# TYPE x gauge\nx\n", "no value" },
    { "# TYPE x gauge\nx one\n", "value not a number" },
    { "# TYPE x gauge\nx 1 2 3\n", "too many fields" },
    { "# TYPE x gauge\nx 1", "no final newline" },
    { "# TYPE x gauge\n# TYPE x gauge\nx 1\n", "TYPE twice" },
    { "# TYPE x gauge\n# TYPE x wibble\n", "unknown type" },
    { "# TYPE x gauge\nx 1\n# TYPE x gauge\n", "TYPE after samples" },
    { "# TYPE x gauge\n# TYPE y gauge\nx{a=\"1\"} 1\ny 2\nx{a=\"2\"} 3\n", "family split" },
    { "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", "series twice" },
    { "# TYPE x counter\nx -1\n", "negative counter" },
    { "# HELP x one\n# HELP x two\n# TYPE x gauge\nx 1\n", "HELP twice" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_test_message ("%s", bad[i].why);
      g_assert_false (prom_validate (bad[i].text, &error));
      g_assert_nonnull (error);
    }
  /* And what the format does allow. */
  g_autoptr(GError) error = NULL;
  g_assert_true (prom_validate ("# a comment\n# HELP x it's \\\\ fine\\n\n# TYPE x gauge\n"
                                "x{a=\"q\\\"\\\\\\n\",b=\"\"} -1.5e3\nx NaN 1700000000000\n\n"
                                "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 2\nh_count 1\n",
                                &error));
  g_assert_no_error (error);
}

static void
test_textfile_written_atomically (Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "ballast.prom", NULL);
  g_autofree char *temporary = g_strconcat (path, ".tmp", NULL);
  fixture->config.metrics_textfile = g_strdup (path);
  fixture->daemon = run_daemon_cycles (&fixture->config, fixture->host, 3);

  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_false (g_file_test (temporary, G_FILE_TEST_EXISTS));
  assert_valid (text);
  /* Written at the end of the last cycle, after it was counted. */
  assert_sample (text, "ballast_cycles_total 3");
  assert_sample (text, "ballast_guest_max_bytes{domain=\"web\"} 2147483648");
  g_unlink (path);
}

static void
test_textfile_unwritable_keeps_cycling (Fixture *fixture, gconstpointer data)
{
  g_autofree char *path = g_build_filename (fixture->dir, "no-such-dir", "ballast.prom", NULL);
  fixture->config.metrics_textfile = g_strdup (path);
  fixture->daemon = run_daemon_cycles (&fixture->config, fixture->host, 3);
  g_assert_cmpuint (ballast_daemon_get_view (fixture->daemon)->counters->cycles, ==, 3);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  harness_init (&argc, &argv);
  g_test_add ("/metrics/method-output-is-prometheus-text", Fixture, NULL, fixture_setup,
              test_method_output_is_prometheus_text, fixture_teardown);
  g_test_add ("/metrics/values-in-base-units-and-escaped", Fixture, NULL, fixture_setup,
              test_values_in_base_units_and_escaped, fixture_teardown);
  g_test_add_func ("/metrics/validator-rejects-malformed-text", test_validator_rejects_malformed_text);
  g_test_add ("/metrics/textfile-written-atomically", Fixture, NULL, fixture_setup,
              test_textfile_written_atomically, fixture_teardown);
  g_test_add ("/metrics/textfile-unwritable-keeps-cycling", Fixture, NULL, fixture_setup,
              test_textfile_unwritable_keeps_cycling, fixture_teardown);
  return g_test_run ();
}
