/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The loan clock: how it runs, and its metadata element: as libvirt hands
 * it back (captured from the test driver in
 * tests/fixtures/libvirt/testdriver-loan-state.xml), as ballastd writes it,
 * and what must be refused with a clear error. */
#include "ballast-error.h"
#include "domain-config.h"
#include "loan-clock.h"
#include "scratch-tree.h"

#include <string.h>

#define GIB (G_GUINT64_CONSTANT (1024) * 1024)

/* 2026-11-26T14:00:00Z */
#define NOV_26_14H (G_GINT64_CONSTANT (1795701600) * G_USEC_PER_SEC)

/* The loan clock runs while a guest uses more than its fair share, and
 * starts again from zero once it does not. */
static void
test_advance (void)
{
  BallastLoanClock clock = { 0 };
  BallastDecision decision = { .fair_share_kib = 1 * GIB, .used_kib = 1 * GIB };
  ballast_loan_clock_advance (&clock, 10 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 20 * G_USEC_PER_SEC), ==, 0);
  decision.used_kib = 1 * GIB + 1;
  ballast_loan_clock_advance (&clock, 20 * G_USEC_PER_SEC, &decision);
  ballast_loan_clock_advance (&clock, 30 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 95 * G_USEC_PER_SEC), ==, 75);
  decision.used_kib = 1 * GIB;
  ballast_loan_clock_advance (&clock, 100 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 110 * G_USEC_PER_SEC), ==, 0);
  /* No fair share (nothing ballast moves): no clock. */
  decision = (BallastDecision) { .used_kib = 1 * GIB };
  ballast_loan_clock_advance (&clock, 120 * G_USEC_PER_SEC, &decision);
  g_assert_cmpuint (ballast_loan_clock_seconds (&clock, 130 * G_USEC_PER_SEC), ==, 0);
}

static void
test_from_domain_xml (void)
{
  g_autofree char *xml = scratch_load_fixture ("libvirt/testdriver-loan-state.xml");
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  /* Beside the operator's tuning, each in its own namespace. */
  g_assert_nonnull (config->tuning_xml);
  g_assert_nonnull (config->loan_state_xml);
  g_assert_null (strstr (config->loan_state_xml, "tuning"));
  gint64 since = 0;
  g_assert_true (ballast_loan_state_parse (config->loan_state_xml, &since, &error));
  g_assert_no_error (error);
  g_assert_cmpint (since, ==, NOV_26_14H);
}

static void
test_format_round_trip (void)
{
  g_autofree char *xml = ballast_loan_state_format (NOV_26_14H + 999999);
  /* Whole seconds, in UTC. */
  g_assert_cmpstr (xml, ==, "<state><over-fair-share-since>2026-11-26T14:00:00Z"
                            "</over-fair-share-since></state>");
  gint64 since = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_loan_state_parse (xml, &since, &error));
  g_assert_cmpint (since, ==, NOV_26_14H);
}

/* Years before 1000 keep four digits (fuzzing found "375-11-26..."). */
static void
test_early_year (void)
{
  gint64 since = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_loan_state_parse ("<state><over-fair-share-since>0375-11-26T14:00:00Z"
                                           "</over-fair-share-since></state>", &since, &error));
  g_autofree char *xml = ballast_loan_state_format (since);
  g_assert_cmpstr (xml, ==, "<state><over-fair-share-since>0375-11-26T14:00:00Z"
                            "</over-fair-share-since></state>");
}

static void
test_other_time_zone (void)
{
  gint64 since = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_loan_state_parse ("<state xmlns='urn:ballast:state:1'><over-fair-share-since>"
                                           " 2026-11-26T15:00:00+01:00 </over-fair-share-since></state>",
                                           &since, &error));
  g_assert_cmpint (since, ==, NOV_26_14H);
}

typedef struct {
  const char *name;
  const char *xml;
  const char *message; /* a part of the error */
} BadCase;

static const BadCase bad_cases[] = {
  { "not-xml", "<state><over-fair-share-since>", "loan state line 1" },
  { "other-root", "<tuning><over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since></tuning>",
    "loan state line 1: expected <state xmlns='urn:ballast:state:1'>, found <tuning>" },
  { "other-namespace", "<state xmlns='urn:example:other'><over-fair-share-since>2026-11-26T14:00:00Z"
    "</over-fair-share-since></state>", "expected <state xmlns='urn:ballast:state:1'>" },
  { "empty", "<state/>", "loan state: <state> has no <over-fair-share-since>" },
  { "unknown-child", "<state>\n<over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>\n"
    "<since-when>now</since-when></state>", "loan state line 3: unexpected element <since-when> in <state>" },
  { "twice", "<state><over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>"
    "<over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since></state>",
    "unexpected element <over-fair-share-since>" },
  { "child-other-namespace", "<state xmlns:o='urn:example:other'><o:over-fair-share-since>"
    "2026-11-26T14:00:00Z</o:over-fair-share-since></state>", "unexpected element <over-fair-share-since>" },
  { "not-a-time", "<state><over-fair-share-since>yesterday</over-fair-share-since></state>",
    "loan state line 1: <over-fair-share-since>: 'yesterday' is not an ISO 8601 time with a time zone" },
  { "no-time-zone", "<state><over-fair-share-since>2026-11-26T14:00:00</over-fair-share-since></state>",
    "'2026-11-26T14:00:00' is not an ISO 8601 time with a time zone" },
  { "empty-time", "<state><over-fair-share-since/></state>", "'' is not an ISO 8601 time" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  gint64 since = 42;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_loan_state_parse (c->xml, &since, &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == BALLAST_ERROR);
  if (strstr (error->message, c->message) == NULL)
    g_error ("%s: '%s' does not contain '%s'", c->name, error->message, c->message);
  g_assert_cmpint (since, ==, 42);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/loan-clock/advance", test_advance);
  g_test_add_func ("/loan-clock/state/from-domain-xml", test_from_domain_xml);
  g_test_add_func ("/loan-clock/state/format-round-trip", test_format_round_trip);
  g_test_add_func ("/loan-clock/state/other-time-zone", test_other_time_zone);
  g_test_add_func ("/loan-clock/state/early-year", test_early_year);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/loan-clock/state/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
