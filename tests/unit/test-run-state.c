/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The run state metadata element (loan clock and spikes): as libvirt
 * hands it back (captured from the test driver in
 * tests/fixtures/libvirt/testdriver-run-state.xml), as ballastd writes it,
 * and what must be refused with a clear error. */
#include "ballast-error.h"
#include "domain-config.h"
#include "run-state.h"
#include "scratch-tree.h"

#include <string.h>

/* 2026-11-26T14:00:00Z */
#define NOV_26_14H (G_GINT64_CONSTANT (1795701600) * G_USEC_PER_SEC)
#define MINUTES(n) ((gint64) (n) * 60 * G_USEC_PER_SEC)

static void
test_from_domain_xml (void)
{
  g_autofree char *xml = scratch_load_fixture ("libvirt/testdriver-run-state.xml");
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  /* Beside the operator's tuning, each in its own namespace. */
  g_assert_nonnull (config->tuning_xml);
  g_assert_nonnull (config->run_state_xml);
  g_assert_null (strstr (config->run_state_xml, "tuning"));
  BallastRunState state = { 0 };
  g_assert_true (ballast_run_state_parse (config->run_state_xml, &state, &error));
  g_assert_no_error (error);
  g_assert_true (state.over_fair_share);
  g_assert_cmpint (state.over_fair_share_since_usec, ==, NOV_26_14H);
  g_assert_cmpuint (state.spike_peak_kib, ==, 2516582);
  g_assert_cmpint (state.spike_peak_usec, ==, NOV_26_14H + MINUTES (2) + 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (state.n_spike_onsets, ==, 3);
  g_assert_cmpint (state.spike_onsets_usec[0], ==, NOV_26_14H - MINUTES (28));
  g_assert_cmpint (state.spike_onsets_usec[1], ==, NOV_26_14H - MINUTES (13));
  g_assert_cmpint (state.spike_onsets_usec[2], ==, NOV_26_14H + MINUTES (2));
}

static void
test_format_round_trip (void)
{
  BallastRunState state = {
    .over_fair_share = TRUE, .over_fair_share_since_usec = NOV_26_14H + 999999,
    .spike_peak_kib = 2048, .spike_peak_usec = NOV_26_14H + MINUTES (1),
    .n_spike_onsets = 2,
    .spike_onsets_usec = { NOV_26_14H - MINUTES (15), NOV_26_14H + 500000 },
  };
  g_autofree char *xml = ballast_run_state_format (&state);
  /* Whole seconds, in UTC. */
  g_assert_cmpstr (xml, ==, "<state><over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>"
                            "<spikes><peak unit='KiB' at='2026-11-26T14:01:00Z'>2048</peak>"
                            "<onset at='2026-11-26T13:45:00Z'/><onset at='2026-11-26T14:00:00Z'/>"
                            "</spikes></state>");
  BallastRunState again = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse (xml, &again, &error));
  g_assert_cmpint (again.over_fair_share_since_usec, ==, NOV_26_14H);
  g_assert_cmpint (again.spike_onsets_usec[1], ==, NOV_26_14H);
  g_assert_cmpuint (again.spike_peak_kib, ==, 2048);

  /* Either part alone; nothing at all is no element. */
  state.over_fair_share = FALSE;
  g_autofree char *spikes_only = ballast_run_state_format (&state);
  g_assert_true (g_str_has_prefix (spikes_only, "<state><spikes>"));
  g_assert_true (ballast_run_state_parse (spikes_only, &again, &error));
  g_assert_false (again.over_fair_share);
  g_assert_cmpuint (again.n_spike_onsets, ==, 2);
  state = (BallastRunState) { .over_fair_share = TRUE, .over_fair_share_since_usec = NOV_26_14H };
  g_autofree char *loan_only = ballast_run_state_format (&state);
  g_assert_cmpstr (loan_only, ==, "<state><over-fair-share-since>2026-11-26T14:00:00Z"
                                  "</over-fair-share-since></state>");
  state = (BallastRunState) { 0 };
  g_assert_null (ballast_run_state_format (&state));
}

/* Years before 1000 keep four digits (fuzzing found "375-11-26..."). */
static void
test_early_year (void)
{
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse ("<state><over-fair-share-since>0375-11-26T14:00:00Z"
                                          "</over-fair-share-since></state>", &state, &error));
  g_autofree char *xml = ballast_run_state_format (&state);
  g_assert_cmpstr (xml, ==, "<state><over-fair-share-since>0375-11-26T14:00:00Z"
                            "</over-fair-share-since></state>");
}

static void
test_other_time_zone (void)
{
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse ("<state xmlns='urn:ballast:state:1'><over-fair-share-since>"
                                          " 2026-11-26T15:00:00+01:00 </over-fair-share-since>"
                                          "<spikes><onset at='2026-11-26T15:00:00+01:00'/></spikes>"
                                          "</state>", &state, &error));
  g_assert_cmpint (state.over_fair_share_since_usec, ==, NOV_26_14H);
  g_assert_cmpint (state.spike_onsets_usec[0], ==, NOV_26_14H);
}

/* A later ballast may keep more onsets: the latest are taken. */
static void
test_more_onsets_than_kept (void)
{
  g_autoptr(GString) xml = g_string_new ("<state><spikes>");
  for (int i = 0; i < BALLAST_SPIKE_ONSETS + 2; i++)
    g_string_append_printf (xml, "<onset at='2026-11-26T14:%02d:00Z'/>", i);
  g_string_append (xml, "</spikes></state>");
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse (xml->str, &state, &error));
  g_assert_cmpuint (state.n_spike_onsets, ==, BALLAST_SPIKE_ONSETS);
  g_assert_cmpint (state.spike_onsets_usec[0], ==, NOV_26_14H + MINUTES (2));
  g_assert_cmpint (state.spike_onsets_usec[BALLAST_SPIKE_ONSETS - 1], ==,
                   NOV_26_14H + MINUTES (BALLAST_SPIKE_ONSETS + 1));
  g_assert_cmpuint (state.spike_peak_kib, ==, 0);
}

typedef struct {
  const char *name;
  const char *xml;
  const char *message; /* a part of the error */
} BadCase;

static const BadCase bad_cases[] = {
  { "not-xml", "<state><over-fair-share-since>", "run state line 1" },
  { "other-root", "<tuning><over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since></tuning>",
    "run state line 1: expected <state xmlns='urn:ballast:state:1'>, found <tuning>" },
  { "other-namespace", "<state xmlns='urn:example:other'><over-fair-share-since>2026-11-26T14:00:00Z"
    "</over-fair-share-since></state>", "expected <state xmlns='urn:ballast:state:1'>" },
  { "empty", "<state/>", "run state: <state> has neither <over-fair-share-since> nor <spikes>" },
  { "unknown-child", "<state>\n<over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>\n"
    "<since-when>now</since-when></state>", "run state line 3: unexpected element <since-when> in <state>" },
  { "twice", "<state><over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>"
    "<over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since></state>",
    "unexpected element <over-fair-share-since>" },
  { "child-other-namespace", "<state xmlns:o='urn:example:other'><o:over-fair-share-since>"
    "2026-11-26T14:00:00Z</o:over-fair-share-since></state>", "unexpected element <over-fair-share-since>" },
  { "not-a-time", "<state><over-fair-share-since>yesterday</over-fair-share-since></state>",
    "run state line 1: <over-fair-share-since>: 'yesterday' is not an ISO 8601 time with a time zone" },
  { "no-time-zone", "<state><over-fair-share-since>2026-11-26T14:00:00</over-fair-share-since></state>",
    "'2026-11-26T14:00:00' is not an ISO 8601 time with a time zone" },
  { "empty-time", "<state><over-fair-share-since/></state>", "'' is not an ISO 8601 time" },
  { "spikes-twice", "<state><spikes/><spikes/></state>", "unexpected element <spikes> in <state>" },
  { "spikes-unknown-child", "<state><spikes>\n<valley/></spikes></state>",
    "run state line 2: unexpected element <valley> in <spikes>" },
  { "peak-twice", "<state><spikes><peak at='2026-11-26T14:00:00Z'>1</peak>"
    "<peak at='2026-11-26T14:00:00Z'>2</peak></spikes></state>", "unexpected element <peak> in <spikes>" },
  { "peak-not-a-number", "<state><spikes>\n<peak at='2026-11-26T14:00:00Z'>lots</peak></spikes></state>",
    "run state line 2: <peak>: 'lots' is not an unsigned integer" },
  { "peak-bad-unit", "<state><spikes><peak unit='furlongs' at='2026-11-26T14:00:00Z'>1</peak></spikes></state>",
    "<peak>: " },
  { "peak-no-time", "<state><spikes><peak unit='KiB'>1</peak></spikes></state>",
    "<peak at>: '' is not an ISO 8601 time" },
  { "onset-bad-time", "<state><spikes><onset at='noon'/></spikes></state>",
    "<onset at>: 'noon' is not an ISO 8601 time with a time zone" },
  { "onsets-out-of-order", "<state><spikes><onset at='2026-11-26T14:00:00Z'/>\n"
    "<onset at='2026-11-26T13:00:00Z'/></spikes></state>",
    "run state line 2: <onset>: earlier than the one before it (onsets go oldest first)" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  BallastRunState state = { .spike_peak_kib = 42 };
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_run_state_parse (c->xml, &state, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == BALLAST_ERROR);
  if (strstr (error->message, c->message) == NULL)
    g_error ("%s: '%s' does not contain '%s'", c->name, error->message, c->message);
  /* Nothing half-parsed comes out. */
  g_assert_cmpuint (state.spike_peak_kib, ==, 42);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/run-state/from-domain-xml", test_from_domain_xml);
  g_test_add_func ("/run-state/format-round-trip", test_format_round_trip);
  g_test_add_func ("/run-state/other-time-zone", test_other_time_zone);
  g_test_add_func ("/run-state/early-year", test_early_year);
  g_test_add_func ("/run-state/more-onsets-than-kept", test_more_onsets_than_kept);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/run-state/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
