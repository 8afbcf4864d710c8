/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The policy file and per-domain tuning: golden errors for each kind of
 * mistake, the shipped files, and the precedence of the layers. */
#include "policy-file.h"

#include "ballast-error.h"

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

static char *
fixture_path (const char *relative)
{
  return g_build_filename (BALLAST_FIXTURES_DIR, "policy", relative, NULL);
}

/* Each invalid/NAME.xml fails with exactly the message in NAME.expected. */
static void
test_golden_errors (void)
{
  g_autofree char *dir_path = fixture_path ("invalid");
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  guint checked = 0;
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_has_suffix (name, ".xml"))
        continue;
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *base = g_strndup (name, strlen (name) - 4);
      g_autofree char *expected_name = g_strconcat (base, ".expected", NULL);
      g_autofree char *expected_path = g_build_filename (dir_path, expected_name, NULL);
      g_autofree char *text = NULL, *expected = NULL;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_true (g_file_get_contents (expected_path, &expected, NULL, NULL));
      g_strchomp (expected);

      g_autofree char *shown_name = g_strconcat ("invalid/", name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastPolicyFile) file = ballast_policy_file_parse (text, shown_name, &error);
      g_assert_null (file);
      g_assert_error (error, BALLAST_ERROR, error->code);
      if (g_strcmp0 (error->message, expected) != 0)
        g_error ("%s:\n  got      %s\n  expected %s", name, error->message, expected);
      /* Every message names the file and a line, or says the file is empty. */
      g_assert_true (g_str_has_prefix (error->message, shown_name));
      checked++;
    }
  g_assert_cmpuint (checked, >=, 20);
}

static BallastPolicyFile *
load_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  BallastPolicyFile *file = ballast_policy_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  return file;
}

static void
test_shipped_files_load (void)
{
  const char *const files[] = {
    "policy.xml", "examples/dense-ci-host.xml", "examples/cgroup-budget.xml",
    "examples/watch-only.xml", "examples/untrusted-tenants.xml",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (BALLAST_SOURCE_DIR, "data", files[i], NULL);
      g_autoptr(BallastPolicyFile) file = load_ok (path);
      g_assert_cmpstr (file->source, ==, path);
    }
}

/* Everything a policy sets, as text, to compare two policies. */
static char *
describe (const BallastPolicyFile *file)
{
  const BallastPolicy *p = &file->policy;
  const BallastGuestTuning *g = &p->guest_defaults;
  return g_strdup_printf (
    "reserve %d/%" G_GUINT64_FORMAT "/%u floor %" G_GUINT64_FORMAT " band %" G_GUINT64_FORMAT
    " min-change %" G_GUINT64_FORMAT " psi %u headroom-emergency %" G_GUINT64_FORMAT
    " shrink %u swap-in %" G_GUINT64_FORMAT " faults %" G_GUINT64_FORMAT " watermark %"
    G_GUINT64_FORMAT " grow %" G_GUINT64_FORMAT " lookahead %u regrow %u loan %u partial %u stuck %u learned %u/%u/%" G_GUINT64_FORMAT " | min %d/%" G_GUINT64_FORMAT "/%u shares %u"
    " headroom %u/%" G_GUINT64_FORMAT " steps %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
    " exclude %d | overcommit %d budget %d rules %u",
    p->reserve.is_relative, p->reserve.kib, p->reserve.permille, p->reserve_floor_kib, p->band_kib,
    p->min_change_kib, p->psi_emergency_centipct, p->emergency_headroom_kib,
    p->shrink_fraction_permille, p->swap_in_threshold_kib_per_sec,
    p->major_fault_threshold_per_sec, p->low_watermark_kib, p->pressure_grow_kib,
    p->growth_lookahead_sec, p->regrow_delay_sec, p->loan_time_sec, p->partial_stats_headroom_percent,
    p->stuck_retry_sec, p->spikes.half_life_sec, p->spikes.lead_sec, p->spikes.jump_kib,
    g->min.is_relative, g->min.kib, g->min.permille, g->shares, g->headroom_permille,
    g->headroom_floor_kib, g->shrink_step_max_kib, g->grow_step_max_kib, g->exclude,
    file->overcommit, file->budget, file->rules->len);
}

/* data/policy.xml says it spells out the defaults: hold it to that. */
static void
test_shipped_policy_is_the_defaults (void)
{
  g_autofree char *path = g_build_filename (BALLAST_SOURCE_DIR, "data", "policy.xml", NULL);
  g_autoptr(BallastPolicyFile) shipped = load_ok (path);
  g_autoptr(BallastPolicyFile) defaults = ballast_policy_file_new_default ();
  g_autofree char *a = describe (shipped);
  g_autofree char *b = describe (defaults);
  g_assert_cmpstr (a, ==, b);
}

/* <overcommit max-ratio> without a mode leaves the mode to ballastd's
 * options; the ratio is there for `admit`. */
static void
test_max_ratio_alone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_parse (
    "<policy xmlns='urn:ballast:policy:1'><overcommit max-ratio='2'/></policy>\n", "ratio.xml", &error);
  g_assert_no_error (error);
  g_assert_false (file->overcommit_set);
  g_assert_cmpuint (file->overcommit_max_ratio_permille, ==, 2000);
  g_autoptr(BallastPolicyFile) defaults = ballast_policy_file_new_default ();
  g_assert_cmpuint (defaults->overcommit_max_ratio_permille, ==, 0);
}

static void
test_every_field_read (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_parse (
    "<policy xmlns='urn:ballast:policy:1'>\n"
    "  <overcommit mode='on' max-ratio='1.75'/>\n"
    "  <host><budget source='cgroup' path='machine'/><reserve percent='15'/>\n"
    "    <band unit='MiB'>100</band><min-change unit='MiB'>20</min-change>\n"
    "    <emergency psi-percent='25'><headroom unit='MiB'>32</headroom></emergency></host>\n"
    "  <pressure><swap-in unit='MiB'>2</swap-in><major-faults>500</major-faults>\n"
    "    <low-watermark unit='MiB'>64</low-watermark><grow unit='MiB'>256</grow>\n"
    "    <lookahead>12</lookahead></pressure>\n"
    "  <guests><shrink-per-cycle percent='30'/><regrow-delay>90</regrow-delay><loan-time>600</loan-time>\n"
    "    <stuck-retry>90</stuck-retry><partial-stats headroom-percent='300'/>\n"
    "    <learned-headroom><half-life>1800</half-life><lead>90</lead><jump unit='MiB'>512</jump></learned-headroom>\n"
    "    <default actuator='virtio-mem'><min percent='20'/><shares>200</shares>\n"
    "      <headroom percent='15'><floor unit='MiB'>96</floor></headroom>\n"
    "      <step><shrink unit='MiB'>512</shrink><grow unit='GiB'>1</grow></step></default>\n"
    "    <match name='db-*'><exclude/></match></guests>\n"
    "  <ksm mode='auto'/>\n"
    "</policy>\n", "all.xml", &error);
  g_assert_no_error (error);
  const BallastPolicy *p = &file->policy;
  g_assert_true (file->overcommit_set);
  g_assert_cmpint (file->overcommit, ==, BALLAST_OVERCOMMIT_ON);
  g_assert_cmpuint (file->overcommit_max_ratio_permille, ==, 1750);
  g_assert_true (file->budget_set);
  g_assert_cmpint (file->budget, ==, BALLAST_BUDGET_CGROUP);
  g_assert_cmpstr (file->cgroup_path, ==, "machine");
  g_assert_true (p->reserve.is_relative);
  g_assert_cmpuint (p->reserve.permille, ==, 150);
  g_assert_cmpuint (p->reserve_floor_kib, ==, 0);
  g_assert_cmpuint (p->band_kib, ==, 100 * MIB);
  g_assert_cmpuint (p->min_change_kib, ==, 20 * MIB);
  g_assert_cmpuint (p->psi_emergency_centipct, ==, 2500);
  g_assert_cmpuint (p->emergency_headroom_kib, ==, 32 * MIB);
  g_assert_cmpuint (p->swap_in_threshold_kib_per_sec, ==, 2 * MIB);
  g_assert_cmpuint (p->major_fault_threshold_per_sec, ==, 500);
  g_assert_cmpuint (p->low_watermark_kib, ==, 64 * MIB);
  g_assert_cmpuint (p->pressure_grow_kib, ==, 256 * MIB);
  g_assert_cmpuint (p->growth_lookahead_sec, ==, 12);
  g_assert_cmpuint (p->shrink_fraction_permille, ==, 300);
  g_assert_cmpuint (p->regrow_delay_sec, ==, 90);
  g_assert_cmpuint (p->loan_time_sec, ==, 600);
  g_assert_cmpuint (p->partial_stats_headroom_percent, ==, 300);
  g_assert_cmpuint (p->stuck_retry_sec, ==, 90);
  g_assert_cmpuint (p->spikes.half_life_sec, ==, 1800);
  g_assert_cmpuint (p->spikes.lead_sec, ==, 90);
  g_assert_cmpuint (p->spikes.jump_kib, ==, 512 * MIB);
  g_assert_true (p->guest_defaults.min.is_relative);
  g_assert_cmpuint (p->guest_defaults.min.permille, ==, 200);
  g_assert_cmpuint (p->guest_defaults.shares, ==, 200);
  g_assert_cmpuint (p->guest_defaults.headroom_permille, ==, 150);
  g_assert_cmpuint (p->guest_defaults.headroom_floor_kib, ==, 96 * MIB);
  g_assert_cmpuint (p->guest_defaults.shrink_step_max_kib, ==, 512 * MIB);
  g_assert_cmpuint (p->guest_defaults.grow_step_max_kib, ==, 1 * GIB);
  g_assert_cmpint (p->guest_defaults.actuator, ==, BALLAST_ACTUATOR_VIRTIO_MEM);
  g_assert_cmpuint (file->rules->len, ==, 1);
  g_assert_true (file->ksm_set);
  g_assert_cmpint (file->ksm_mode, ==, BALLAST_KSM_MODE_AUTO);
}

static BallastDomainConfig
domain_named (const char *name, guint64 max_kib, guint64 min_guarantee_kib)
{
  return (BallastDomainConfig) { .name = (char *) name, .max_kib = max_kib,
                                 .min_guarantee_kib = min_guarantee_kib };
}

static void
test_precedence (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_parse (
    "<policy xmlns='urn:ballast:policy:1'><guests>\n"
    "  <default><min unit='MiB'>256</min><shares>100</shares></default>\n"
    "  <match name='db-*'><min percent='50'/><shares>400</shares></match>\n"
    "  <match name='db-big'><shares>9</shares></match>\n"
    "</guests></policy>", "p.xml", &error);
  g_assert_no_error (error);
  BallastGuestTuning tuning;
  g_autofree char *source = NULL;

  /* No rule matches: the default. */
  BallastDomainConfig web = domain_named ("web-1", 4 * GIB, 0);
  ballast_policy_file_resolve (file, &web, NULL, &tuning, &source);
  g_assert_cmpuint (tuning.shares, ==, 100);
  g_assert_cmpuint (ballast_amount_resolve_kib (&tuning.min, web.max_kib), ==, 256 * MIB);
  g_assert_cmpstr (source, ==, "default");
  g_clear_pointer (&source, g_free);

  /* The first matching rule wins, even when a later one is more specific. */
  BallastDomainConfig db = domain_named ("db-big", 4 * GIB, 0);
  ballast_policy_file_resolve (file, &db, NULL, &tuning, &source);
  g_assert_cmpuint (tuning.shares, ==, 400);
  g_assert_cmpuint (ballast_amount_resolve_kib (&tuning.min, db.max_kib), ==, 2 * GIB);
  g_assert_cmpstr (source, ==, "default, match 'db-*' (line 3)");
  g_clear_pointer (&source, g_free);

  /* The actuator: the default's unless a rule or the metadata says. */
  g_assert_cmpint (tuning.actuator, ==, BALLAST_ACTUATOR_AUTO);
  BallastTuningOverride actuator = { .set = BALLAST_TUNING_ACTUATOR,
                                     .values = { .actuator = BALLAST_ACTUATOR_BALLOON } };
  ballast_policy_file_resolve (file, &db, &actuator, &tuning, NULL);
  g_assert_cmpint (tuning.actuator, ==, BALLAST_ACTUATOR_BALLOON);
  g_assert_cmpuint (tuning.shares, ==, 400);

  /* Metadata over the rule. */
  BallastTuningOverride metadata = { .set = BALLAST_TUNING_SHARES, .values = { .shares = 7 } };
  ballast_policy_file_resolve (file, &db, &metadata, &tuning, &source);
  g_assert_cmpuint (tuning.shares, ==, 7);
  g_assert_cmpuint (ballast_amount_resolve_kib (&tuning.min, db.max_kib), ==, 2 * GIB);
  g_assert_nonnull (strstr (source, "domain metadata"));
  g_clear_pointer (&source, g_free);

  /* <memtune><min_guarantee> counts as a min: the larger of the two. */
  BallastDomainConfig guaranteed = domain_named ("web-2", 4 * GIB, 3 * GIB);
  ballast_policy_file_resolve (file, &guaranteed, NULL, &tuning, &source);
  g_assert_cmpuint (ballast_amount_resolve_kib (&tuning.min, guaranteed.max_kib), ==, 3 * GIB);
  g_assert_nonnull (strstr (source, "min_guarantee"));
  g_clear_pointer (&source, g_free);
  BallastDomainConfig small_guarantee = domain_named ("db-2", 4 * GIB, 1 * GIB);
  ballast_policy_file_resolve (file, &small_guarantee, NULL, &tuning, NULL);
  g_assert_cmpuint (ballast_amount_resolve_kib (&tuning.min, small_guarantee.max_kib), ==, 2 * GIB);
}

static void
test_tuning_from_domain_xml (void)
{
  BallastTuningOverride tuning;
  g_autoptr(GError) error = NULL;
  /* As it sits in the domain XML, children in the tuning namespace. */
  g_assert_true (ballast_tuning_parse (
    "<ballast:tuning xmlns:ballast=\"urn:ballast:tuning:1\" actuator=\"balloon\">\n"
    "  <ballast:min unit=\"MiB\">512</ballast:min>\n"
    "  <ballast:shares>200</ballast:shares>\n"
    "  <ballast:headroom percent=\"30\"/>\n"
    "  <ballast:exclude/>\n"
    "</ballast:tuning>", &tuning, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tuning.set, ==, BALLAST_TUNING_MIN | BALLAST_TUNING_SHARES
                                    | BALLAST_TUNING_HEADROOM_PERCENT | BALLAST_TUNING_EXCLUDE
                                    | BALLAST_TUNING_ACTUATOR);
  g_assert_cmpint (tuning.values.actuator, ==, BALLAST_ACTUATOR_BALLOON);
  g_assert_cmpuint (tuning.values.min.kib, ==, 512 * MIB);
  g_assert_cmpuint (tuning.values.shares, ==, 200);
  g_assert_cmpuint (tuning.values.headroom_permille, ==, 300);
  g_assert_true (tuning.values.exclude);
}

static void
test_tuning_round_trip (void)
{
  /* As virDomainGetMetadata() returns it: no namespace. */
  BallastTuningOverride original = {
    .set = BALLAST_TUNING_MIN | BALLAST_TUNING_SHARES | BALLAST_TUNING_HEADROOM_PERCENT
           | BALLAST_TUNING_ACTUATOR,
    .values = { .min = { .is_relative = TRUE, .permille = 400 }, .shares = 50,
                .headroom_permille = 250, .actuator = BALLAST_ACTUATOR_VIRTIO_MEM },
  };
  g_autofree char *xml = ballast_tuning_format (&original);
  g_assert_cmpstr (xml, ==, "<tuning actuator='virtio-mem'><min percent='40'/><shares>50</shares>"
                            "<headroom percent='25'/></tuning>");
  BallastTuningOverride parsed;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_tuning_parse (xml, &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.set, ==, original.set);
  g_assert_true (parsed.values.min.is_relative);
  g_assert_cmpuint (parsed.values.min.permille, ==, 400);
  g_assert_cmpuint (parsed.values.shares, ==, 50);
  g_assert_cmpuint (parsed.values.headroom_permille, ==, 250);
  g_assert_cmpint (parsed.values.actuator, ==, BALLAST_ACTUATOR_VIRTIO_MEM);
}

static void
test_tuning_invalid (void)
{
  const struct {
    const char *xml;
    const char *message;
  } cases[] = {
    { "<tuning><shares>zero</shares></tuning>", "line 1: <shares>: 'zero' is not a whole number" },
    { "<tuning><min unit='parsec'>3</min></tuning>", "unknown unit 'parsec'" },
    { "<tuning><headroom/></tuning>", "<headroom> needs a 'percent' attribute" },
    { "<tuning><colour>red</colour></tuning>", "unknown element <colour> in <tuning>" },
    { "<tuning actuator='hotplug'/>", "actuator" },
    { "<tuning><shares>1", "tuning metadata line 1" },
    { "<other/>", "the root element must be <tuning" },
    { "", "empty document" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastTuningOverride tuning;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_tuning_parse (cases[i].xml, &tuning, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %zu: '%s' does not contain '%s'", i, error->message, cases[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/policy-file/golden-errors", test_golden_errors);
  g_test_add_func ("/policy-file/shipped-files-load", test_shipped_files_load);
  g_test_add_func ("/policy-file/shipped-policy-is-the-defaults", test_shipped_policy_is_the_defaults);
  g_test_add_func ("/policy-file/every-field-read", test_every_field_read);
  g_test_add_func ("/policy-file/precedence", test_precedence);
  g_test_add_func ("/policy-file/max-ratio-alone", test_max_ratio_alone);
  g_test_add_func ("/policy-file/tuning-from-domain-xml", test_tuning_from_domain_xml);
  g_test_add_func ("/policy-file/tuning-round-trip", test_tuning_round_trip);
  g_test_add_func ("/policy-file/tuning-invalid", test_tuning_invalid);
  return g_test_run ();
}
