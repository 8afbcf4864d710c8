/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The page sharing renderings: `ballastctl ksm`, the KSM line of `status`
 * and `top`, the KSM column of `list --wide` and line of `dominfo`. Golden
 * files as in test-report-render.c (tests/golden/render/, regenerate
 * with BALLAST_UPDATE_GOLDEN=1 and read the diff), plus the summary line
 * word for word for the states an operator must tell apart. */
#include "json-util.h"
#include "render-golden.h"
#include "report-render.h"

#include <string.h>

typedef enum {
  RENDER_KSM,
  RENDER_LIST_WIDE,
  RENDER_DOMAIN,
} Renderer;

typedef struct {
  const char *json;
  const char *expected;
  Renderer renderer;
} GoldenCase;

static const GoldenCase golden_cases[] = {
  { "ksm-running.json", "ksm-running.expected", RENDER_KSM },
  { "ksm-remote.json", "ksm-remote.expected", RENDER_KSM },
  { "ksm-unavailable.json", "ksm-unavailable.expected", RENDER_KSM },
  { "wrong-types.json", "ksm-wrong-types.expected", RENDER_KSM },
  { "empty.json", "ksm-empty.expected", RENDER_KSM },
  { "list-ksm.json", "list-wide-ksm.expected", RENDER_LIST_WIDE },
};

static char *
render (Renderer renderer, json_object *object)
{
  switch (renderer)
    {
    case RENDER_KSM: return ballast_render_ksm (object);
    case RENDER_LIST_WIDE: return ballast_render_list (object, TRUE);
    case RENDER_DOMAIN: return ballast_render_domain (object);
    default: g_assert_not_reached ();
    }
}

static void
test_golden (gconstpointer data)
{
  const GoldenCase *c = data;
  g_autoptr(json_object) object = render_golden_load_json (c->json);
  g_autofree char *actual = render (c->renderer, object);
  g_autofree char *path = g_build_filename (BALLAST_GOLDEN_DIR, "render", c->expected, NULL);
  if (g_getenv ("BALLAST_UPDATE_GOLDEN") != NULL)
    {
      g_assert_true (g_file_set_contents (path, actual, -1, NULL));
      return;
    }
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (actual, ==, expected);
}

/* The one-line summary for SUMMARY_JSON (a "ksm" object as text), read
 * into the typed report as ballastctl reads it. */
static char *
summary_of (const char *summary_json)
{
  g_autoptr(json_object) ksm = json_tokener_parse (summary_json);
  g_assert_nonnull (ksm);
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_report_from_json (ksm, &report);
  return ballast_render_ksm_summary (&report);
}

static void
test_summary_states (void)
{
  static const struct {
    const char *json;
    const char *line;
  } cases[] = {
    { "{\"available\":false,\"unavailable_reason\":\"no KSM in this kernel\"}",
      "not available (no KSM in this kernel)" },
    { "{\"available\":true,\"mode\":\"auto\",\"mode_source\":\"policy\",\"run\":1,\"reason\":\"short\","
      "\"saved_kib\":1258291,\"ksmd_cpu_permille\":41,\"cpu_budget_permille\":100,"
      "\"pages_to_scan\":850,\"sleep_millisecs\":10}",
      "auto (policy), running (host short), saving 1.2 GiB, ksmd 4.1% CPU of 10.0%, 850 pages per 10 ms" },
    { "{\"available\":true,\"mode\":\"off\",\"mode_source\":\"tenancy multi\",\"run\":2,"
      "\"reason\":\"off-unmerge\",\"saved_kib\":0}",
      "off (tenancy multi), stopped and unmerged (guests untrusted: unmerging), saving 0 KiB" },
    { "{\"available\":true,\"mode\":\"auto\",\"mode_source\":\"default\",\"run\":null,"
      "\"run_controllable\":false,\"reason\":\"band\"}",
      "auto (default), run unknown (libvirt cannot start or stop ksmd) (between start and stop)" },
    { "{\"available\":true,\"mode\":\"on\",\"mode_source\":\"ksm-set\",\"run\":0,\"writable\":false}",
      "on (ksm-set), stopped (no decision yet); cannot write (not root)" },
    { "{\"available\":true,\"mode\":\"auto\",\"mode_source\":\"policy\",\"run\":1,\"reason\":\"plenty\","
      "\"write_in_flight\":true,\"ksmtuned_pid\":812}",
      "auto (policy), running (plenty of memory); writing; ksmtuned (pid 812) is running and will "
      "fight ballast over KSM" },
    { "{\"available\":true,\"mode\":\"auto\",\"mode_source\":\"policy\",\"run\":1,\"reason\":\"a-newer-reason\"}",
      "auto (policy), running (a-newer-reason)" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = summary_of (cases[i].json);
      g_assert_cmpstr (line, ==, cases[i].line);
    }
}

static void
test_status_has_ksm_line (void)
{
  g_autoptr(json_object) status = render_golden_load_json ("status-active.json");
  g_autofree char *without = ballast_render_status (status);
  g_assert_null (strstr (without, "KSM:"));
  json_object_object_add (status, "ksm", render_golden_load_json ("ksm-running.json"));
  g_autofree char *with = ballast_render_status (status);
  g_assert_true (g_str_has_prefix (with, without));
  g_assert_cmpstr (with + strlen (without), ==,
                   "KSM:             auto (policy), running (host short), saving 14.7 MiB, "
                   "ksmd 4.1% CPU of 10.0%, 200 pages per 10 ms; last write failed: cannot write 2 "
                   "to /sys/kernel/mm/ksm/run: Cannot allocate memory; ksmtuned (pid 812) is running "
                   "and will fight ballast over KSM\n");
}

static void
test_domain_ksm_line (void)
{
  g_autoptr(json_object) list = render_golden_load_json ("list-ksm.json");
  json_object *domains = json_object_object_get (list, "domains");
  g_autofree char *shareable = ballast_render_domain (json_object_array_get_idx (domains, 0));
  g_assert_nonnull (strstr (shareable, "\nKSM:             shareable, 76.0 MiB merged (profit 73.5 MiB, QEMU pid 4242)\n"));
  g_autofree char *private_guest = ballast_render_domain (json_object_array_get_idx (domains, 1));
  g_assert_nonnull (strstr (private_guest, "\nKSM:             nosharepages\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (golden_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ksm-render/golden/%s", golden_cases[i].expected);
      g_test_add_data_func (path, &golden_cases[i], test_golden);
    }
  g_test_add_func ("/ksm-render/summary/states", test_summary_states);
  g_test_add_func ("/ksm-render/status/ksm-line", test_status_has_ksm_line);
  g_test_add_func ("/ksm-render/domain/ksm-line", test_domain_ksm_line);
  return g_test_run ();
}
