/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page sharing's typed report (lib/ksm-report.h): what ballastd writes,
 * ballastctl reads back to the same records. A full `ksm` result read and
 * written again must be the same JSON, member for member and in order
 * (the documented interface must not drift when the records change), and
 * what does not fit reads as unknown, never as a figure. */
#include "json-util.h"
#include "ksm-report.h"
#include "render-golden.h"

static void
test_round_trip (gconstpointer data)
{
  g_autoptr(json_object) original = render_golden_load_json (data);
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_report_from_json (original, &report);
  g_autoptr(json_object) written = ballast_ksm_report_to_json (&report);
  const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
  g_assert_cmpstr (json_object_to_json_string_ext (written, flags), ==,
                   json_object_to_json_string_ext (original, flags));
}

static void
test_guest_in_domain_has_no_name (void)
{
  BallastGuestKsmReport guest = {
    .share = "shareable",
    .qemu_pid = ballast_figure (4242),
    .merged_kib = ballast_figure_kib (77824),
    .profit_bytes = ballast_figure (-512),
    .mergeable = ballast_figure_flag (FALSE),
  };
  g_autoptr(json_object) json = ballast_guest_ksm_report_to_json (&guest);
  g_assert_cmpstr (json_object_to_json_string_ext (json, JSON_C_TO_STRING_PLAIN), ==,
                   "{\"share\":\"shareable\",\"qemu_pid\":4242,\"merged_pages\":null,"
                   "\"merged_kib\":77824,\"profit_bytes\":-512,\"rmap_items\":null,"
                   "\"mergeable\":false}");
}

static void
test_wrong_types_are_unknown (void)
{
  g_autoptr(json_object) json = json_tokener_parse (
    "{\"available\":\"yes\",\"run\":\"1\",\"saved_kib\":1.5,\"merge_across_nodes\":1,"
    "\"override\":{\"pages_to_scan_max\":\"800\",\"use_zero_pages\":true},"
    "\"last_writes\":[\"run 0 -> 1\",7],\"guests\":{}}");
  g_assert_nonnull (json);
  g_auto(BallastKsmReport) report = { 0 };
  ballast_ksm_report_from_json (json, &report);
  /* Present but not a boolean: not available, as ballastctl always read it. */
  g_assert_false (report.available);
  g_assert_false (report.run.known);
  g_assert_false (report.saved_kib.known);
  g_assert_false (report.merge_across_nodes.known);
  g_assert_true (report.has_override);
  g_assert_false (report.override.pages_to_scan_max.known);
  g_assert_true (report.override.use_zero_pages.known);
  g_assert_cmpint (report.override.use_zero_pages.value, ==, 1);
  /* Missing: what a ballastd older than these fields meant. */
  g_assert_true (report.run_controllable);
  g_assert_true (report.writable);
  g_assert_cmpuint (report.last_writes->len, ==, 2);
  g_assert_cmpstr (report.last_writes->pdata[1], ==, "-");
  g_assert_null (report.guests);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/ksm-report/round-trip/running", "ksm-running.json", test_round_trip);
  g_test_add_data_func ("/ksm-report/round-trip/remote-override", "ksm-remote.json", test_round_trip);
  g_test_add_func ("/ksm-report/guest-in-domain-has-no-name", test_guest_in_domain_has_no_name);
  g_test_add_func ("/ksm-report/wrong-types-are-unknown", test_wrong_types_are_unknown);
  return g_test_run ();
}
