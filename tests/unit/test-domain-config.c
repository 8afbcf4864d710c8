/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domain XML: the real running domain captured from libvirt, hand-written
 * variants in tests/fixtures/domains, and XML that must be refused (or at
 * least never be trusted), including external entities. */
#include "ballast-error.h"
#include "domain-config.h"
#include "xml-util.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

static BallastDomainConfig *
parse_fixture (const char *name)
{
  g_autofree char *xml = scratch_load_fixture (name);
  g_autoptr(GError) error = NULL;
  BallastDomainConfig *config = ballast_domain_config_parse (xml, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

/* ---- Valid domains ---- */

typedef struct {
  const char *fixture;
  const char *name;
  const char *uuid;
  const char *domain_type;
  guint64 max_kib;
  guint64 current_kib;
  gboolean has_balloon;
  const char *balloon_model;
  gboolean autodeflate;
  gboolean free_page_reporting;
  guint stats_period_sec;
  guint64 min_guarantee_kib;
  gboolean nosharepages;
  gboolean has_tuning;
  const char *unmanaged_reason;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "libvirt/running-domain-g1.xml", "g1", "0dc6dd47-7b83-42ad-b325-e92a972681c2", "qemu",
    524288, 524288, TRUE, "virtio", FALSE, FALSE, 2, 0, FALSE, FALSE, NULL },
  { "domains/balloon-none.xml", "g2-no-balloon-model", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a01", "kvm",
    1048576, 1048576, FALSE, "none", FALSE, FALSE, 0, 0, FALSE, FALSE, "balloon model none" },
  { "domains/no-balloon.xml", "g3-no-memballoon", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a02", "kvm",
    2097152, 2097152 /* no <currentMemory>: <memory> */, FALSE, NULL, FALSE, FALSE, 0, 0, FALSE,
    FALSE, "no balloon device" },
  { "domains/balloon-autodeflate-fpr.xml", "g4-deflating", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a03",
    "kvm", 4194304, 3145728, TRUE, "virtio", TRUE, TRUE, 5, 0, FALSE, FALSE, NULL },
  { "domains/memtune-min-guarantee.xml", "g5-guaranteed", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a04",
    "kvm", 4194304 /* 4 GiB */, 3145728 /* 3072 MiB */, TRUE, "virtio", FALSE, FALSE, 10,
    1048576 /* 1024 MiB */, FALSE, FALSE, NULL },
  { "domains/nosharepages.xml", "g6-nosharepages", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a05", "kvm",
    1048576, 786432, TRUE, "virtio", FALSE, FALSE, 0, 0, TRUE, FALSE, NULL },
  { "domains/metadata-tuning.xml", "g7-tuned", "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a06", "kvm",
    2097152, 2097152, TRUE, "virtio", FALSE, FALSE, 2, 0, FALSE, TRUE, NULL },
  { "domains/metadata-other-namespace.xml", "g8-foreign-metadata",
    "5b1f4c55-2f0e-4c8e-9f43-0c7b7f1e6a07", "kvm", 2097152, 2097152, TRUE, "virtio", FALSE, FALSE,
    0, 0, FALSE, FALSE /* urn:example:not-ballast is ignored */, NULL },
  /* <memory unit='GiB'>2</memory>, <currentMemory unit='bytes'>1073741825</currentMemory>
   * (one byte over 1 GiB rounds up to the next KiB), <min_guarantee unit='b'>1</min_guarantee>,
   * <stats period='0'/>; no uuid. */
  { "domains/units-gib-bytes.xml", "g10-units", NULL, "qemu", 2097152, 1048577, TRUE, "virtio",
    FALSE, FALSE, 0, 1, FALSE, FALSE, NULL },
};

static void
test_valid (gconstpointer data)
{
  const ValidCase *c = data;
  g_autoptr(BallastDomainConfig) config = parse_fixture (c->fixture);

  g_assert_cmpstr (config->name, ==, c->name);
  g_assert_cmpstr (config->uuid, ==, c->uuid);
  g_assert_cmpstr (config->domain_type, ==, c->domain_type);
  g_assert_cmpuint (config->max_kib, ==, c->max_kib);
  g_assert_cmpuint (config->current_kib, ==, c->current_kib);
  g_assert_cmpint (config->has_balloon, ==, c->has_balloon);
  g_assert_cmpstr (config->balloon_model, ==, c->balloon_model);
  g_assert_cmpint (config->autodeflate, ==, c->autodeflate);
  g_assert_cmpint (config->free_page_reporting, ==, c->free_page_reporting);
  g_assert_cmpuint (config->stats_period_sec, ==, c->stats_period_sec);
  g_assert_cmpuint (config->min_guarantee_kib, ==, c->min_guarantee_kib);
  g_assert_cmpint (config->nosharepages, ==, c->nosharepages);
  g_assert_cmpint (config->tuning_xml != NULL, ==, c->has_tuning);
  g_assert_cmpstr (ballast_domain_config_unmanaged_reason (config), ==, c->unmanaged_reason);
}

/* The tuning element comes back whole, namespace declaration included, so
 * it can be parsed again on its own. */
static void
test_tuning_xml (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("domains/metadata-tuning.xml");
  g_assert_cmpstr (config->tuning_xml, ==,
                   "<ballast:tuning xmlns:ballast=\"urn:ballast:tuning:1\">"
                   "<ballast:min unit=\"MiB\">512</ballast:min>"
                   "<ballast:shares>200</ballast:shares></ballast:tuning>");

  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = ballast_xml_parse (config->tuning_xml, "tuning", &error);
  g_assert_no_error (error);
  xmlNode *root = xmlDocGetRootElement (doc);
  g_assert_cmpstr ((const char *) root->name, ==, "tuning");
  g_assert_nonnull (root->ns);
  g_assert_cmpstr ((const char *) root->ns->href, ==, BALLAST_TUNING_NS);
}

/* libvirt declares a metadata element's namespace on the element itself,
 * but XML written by hand (ballastd --once on a file, a test driver
 * domain) may declare it on <domain>: the serialized element must still
 * carry it. */
static void
test_tuning_xml_namespace_on_root (void)
{
  g_autoptr(BallastDomainConfig) config = parse_fixture ("domains/metadata-namespace-on-root.xml");
  g_assert_nonnull (config->tuning_xml);

  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = ballast_xml_parse (config->tuning_xml, "tuning", &error);
  xmlNode *root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;
  if (root == NULL || root->ns == NULL || g_strcmp0 ((const char *) root->ns->href, BALLAST_TUNING_NS) != 0)
    {
      g_test_fail_printf ("%s", "lib/domain-config.c / lib/xml-util.c ballast_xml_serialize(): tuning_xml "
                         "loses the xmlns:ballast declaration when it is made on an ancestor, so "
                         "the text is not in urn:ballast:tuning:1 when parsed on its own");
      g_test_message ("tuning_xml: %s", config->tuning_xml);
      return;
    }
}

/* ---- Invalid domains ---- */

typedef struct {
  const char *name;
  const char *xml;
  int code;
  const char *message_part;
} BadCase;

#define HEAD "<domain type='kvm'>\n  <name>bad</name>\n"

static const BadCase bad_cases[] = {
  { "empty", "", BALLAST_ERROR_PARSE, "domain XML: empty document" },
  { "not-xml", "this is not XML at all", BALLAST_ERROR_PARSE, "domain XML line 1: " },
  { "json", "{\"name\": \"g1\", \"memory\": 524288}", BALLAST_ERROR_PARSE, "domain XML line 1" },
  { "truncated", HEAD "  <memory unit='KiB'>524288</memory>\n  <devices>\n    <memb",
    BALLAST_ERROR_PARSE, "domain XML line " },
  { "unclosed", HEAD "  <memory>1024</memory>\n", BALLAST_ERROR_PARSE,
    "domain XML line 4: Premature end of data" },
  { "mismatched-tags", HEAD "  <memory>1024</currentMemory>\n</domain>", BALLAST_ERROR_PARSE,
    "domain XML line 3" },
  { "two-roots", HEAD "  <memory>1024</memory>\n</domain>\n<domain/>", BALLAST_ERROR_PARSE,
    "domain XML line 5" },
  { "binary", "\x01\x02\xff\xfe<domain>", BALLAST_ERROR_PARSE, "domain XML line 1" },
  { "root-not-domain", "<capabilities><host/></capabilities>", BALLAST_ERROR_PARSE,
    "domain XML: root element is <capabilities>, not <domain>" },
  { "root-network", "<network><name>default</name></network>", BALLAST_ERROR_PARSE,
    "root element is <network>" },
  { "missing-name", "<domain type='kvm'><memory>1024</memory></domain>", BALLAST_ERROR_MISSING,
    "domain XML: <name> is missing" },
  /* In a namespace, <name> and <memory> are not libvirt's. */
  { "namespaced", "<domain xmlns='urn:example:x'><name>n</name><memory>1</memory></domain>",
    BALLAST_ERROR_MISSING, "<name> is missing" },
  { "missing-memory", HEAD "  <currentMemory>1024</currentMemory>\n</domain>", BALLAST_ERROR_MISSING,
    "domain XML of 'bad': <memory> is missing" },
  { "memory-abc", HEAD "  <memory unit='KiB'>abc</memory>\n</domain>", BALLAST_ERROR_PARSE,
    "domain XML line 3: <memory>: 'abc' is not an unsigned integer" },
  { "memory-empty", HEAD "  <memory unit='KiB'/>\n</domain>", BALLAST_ERROR_PARSE,
    "domain XML line 3: <memory>: '' is not an unsigned integer" },
  { "memory-negative", HEAD "  <memory unit='KiB'>-524288</memory>\n</domain>", BALLAST_ERROR_PARSE,
    "<memory>: '-524288' is not an unsigned integer" },
  { "memory-decimal", HEAD "  <memory unit='GiB'>1.5</memory>\n</domain>", BALLAST_ERROR_PARSE,
    "<memory>: '1.5' is not an unsigned integer" },
  { "memory-with-suffix", HEAD "  <memory>512M</memory>\n</domain>", BALLAST_ERROR_PARSE,
    "'512M' is not an unsigned integer" },
  { "memory-u64-overflow", HEAD "  <memory>18446744073709551616</memory>\n</domain>",
    BALLAST_ERROR_PARSE, "'18446744073709551616' is not an unsigned integer" },
  { "memory-tib-overflow", HEAD "  <memory unit='TiB'>99999999999</memory>\n</domain>",
    BALLAST_ERROR_RANGE, "domain XML line 3: <memory>: size 99999999999 TiB is too large" },
  { "memory-pib-overflow", HEAD "  <memory unit='P'>17179869184</memory>\n</domain>",
    BALLAST_ERROR_RANGE, "too large" },
  { "memory-bad-unit", HEAD "  <memory unit='furlongs'>1</memory>\n</domain>", BALLAST_ERROR_PARSE,
    "domain XML line 3: <memory>: unknown unit 'furlongs'" },
  { "current-above-memory", HEAD "  <memory unit='KiB'>524288</memory>\n"
    "  <currentMemory unit='KiB'>524289</currentMemory>\n</domain>", BALLAST_ERROR_RANGE,
    "domain XML of 'bad': <currentMemory> (524289 KiB) is larger than <memory> (524288 KiB)" },
  { "current-above-memory-units", HEAD "  <memory unit='GiB'>1</memory>\n"
    "  <currentMemory unit='bytes'>1073741825</currentMemory>\n</domain>", BALLAST_ERROR_RANGE,
    "(1048577 KiB) is larger than <memory> (1048576 KiB)" },
  { "current-abc", HEAD "  <memory>1024</memory>\n  <currentMemory>lots</currentMemory>\n</domain>",
    BALLAST_ERROR_PARSE, "domain XML line 4: <currentMemory>: 'lots' is not an unsigned integer" },
  { "min-guarantee-bad", HEAD "  <memory>1024</memory>\n  <memtune>\n"
    "    <min_guarantee unit='MiB'>-1</min_guarantee>\n  </memtune>\n</domain>", BALLAST_ERROR_PARSE,
    "domain XML line 5: <min_guarantee>: '-1' is not an unsigned integer" },
  { "min-guarantee-overflow", HEAD "  <memory>1024</memory>\n  <memtune>\n"
    "    <min_guarantee unit='TiB'>99999999999</min_guarantee>\n  </memtune>\n</domain>",
    BALLAST_ERROR_RANGE, "<min_guarantee>: size 99999999999 TiB is too large" },
};

#define BALLOON_WITH_STATS(attrs) \
  HEAD "  <memory>1024</memory>\n  <devices>\n    <memballoon model='virtio'>\n" \
  "      <stats " attrs "/>\n    </memballoon>\n  </devices>\n</domain>"

static const BadCase bad_stats_cases[] = {
  { "word", BALLOON_WITH_STATS ("period='abc'"), BALLAST_ERROR_PARSE,
    "domain XML line 6: <stats period='abc'>: not a number of seconds" },
  { "negative", BALLOON_WITH_STATS ("period='-1'"), BALLAST_ERROR_PARSE, "<stats period='-1'>" },
  { "empty", BALLOON_WITH_STATS ("period=''"), BALLAST_ERROR_PARSE, "<stats period=''>" },
  { "absent", BALLOON_WITH_STATS (""), BALLAST_ERROR_PARSE, "<stats period=''>" },
  { "decimal", BALLOON_WITH_STATS ("period='1.5'"), BALLAST_ERROR_PARSE, "<stats period='1.5'>" },
  { "above-int", BALLOON_WITH_STATS ("period='2147483648'"), BALLAST_ERROR_PARSE,
    "<stats period='2147483648'>" },
  { "u64-overflow", BALLOON_WITH_STATS ("period='18446744073709551616'"), BALLAST_ERROR_PARSE,
    "<stats period='18446744073709551616'>" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (c->xml, &error);
  g_assert_null (config);
  g_assert_error (error, BALLAST_ERROR, c->code);
  g_autofree char *shown = g_strescape (error->message, NULL);
  g_test_message ("message: %s", shown);
  g_assert_nonnull (strstr (error->message, c->message_part));
}

/* <name> is required: an empty one is as good as none (libvirt refuses
 * it), and every log line and reply would name the domain ''. */
static void
test_empty_name (void)
{
  static const char *const documents[] = {
    "<domain><name></name><memory>1024</memory></domain>",
    "<domain><name>   </name><memory>1024</memory></domain>",
    "<domain><name/><memory>1024</memory></domain>",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (documents[i], &error);
      if (config != NULL)
        {
          g_test_fail_printf ("%s", "lib/domain-config.c ballast_domain_config_parse(): an empty <name/> "
                             "(or only blanks) is accepted as the name ''");
          return;
        }
      g_assert_true (error->domain == BALLAST_ERROR);
      g_assert_nonnull (strstr (error->message, "<name>"));
    }
}

static void
test_stats_period_limit (void)
{
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (
    BALLOON_WITH_STATS ("period='2147483647'"), NULL);
  g_assert_nonnull (config);
  g_assert_cmpuint (config->stats_period_sec, ==, G_MAXINT);
}

/* The fixture cut at every line: each prefix fails cleanly. */
static void
test_fixture_every_truncation (void)
{
  g_autofree char *xml = scratch_load_fixture ("libvirt/running-domain-g1.xml");
  g_auto(GStrv) lines = g_strsplit (xml, "\n", -1);
  guint n_lines = g_strv_length (lines);
  for (guint keep = 0; keep + 2 < n_lines; keep++)
    {
      GString *prefix = g_string_new (NULL);
      for (guint i = 0; i < keep; i++)
        g_string_append_printf (prefix, "%s\n", lines[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (prefix->str, &error);
      g_assert_null (config);
      g_assert_true (error->domain == BALLAST_ERROR);
      g_assert_cmpint (error->code, ==, BALLAST_ERROR_PARSE);
      g_string_free (prefix, TRUE);
    }
}

/* Random damage to the real fixture (fixed seed): parse or fail, never
 * crash, never return a config that breaks the struct's own rules. */
static void
test_fixture_mutations (void)
{
  g_autofree char *xml = scratch_load_fixture ("libvirt/running-domain-g1.xml");
  gsize length = strlen (xml);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  static const char replacements[] = "<>/='\"&;!?-0123456789 \n\x01\xff";
  for (guint round = 0; round < 3000; round++)
    {
      g_autofree char *copy = g_strdup (xml);
      guint n_changes = (guint) g_rand_int_range (rand, 1, 8);
      for (guint i = 0; i < n_changes; i++)
        {
          gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) length);
          copy[at] = replacements[g_rand_int_range (rand, 0, sizeof replacements - 1)];
        }
      if (g_rand_boolean (rand))
        copy[g_rand_int_range (rand, 0, (gint32) length)] = '\0';
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (copy, &error);
      if (config == NULL)
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == BALLAST_ERROR);
          continue;
        }
      g_assert_no_error (error);
      g_assert_nonnull (config->name);
      g_assert_cmpuint (config->current_kib, <=, config->max_kib);
      g_assert_true (config->has_balloon == (config->balloon_model != NULL
                                             && strcmp (config->balloon_model, "none") != 0));
    }
}

/* ---- Entities: nothing from outside the document gets in ---- */

static void
assert_not_expanded (const char *xml, const char *forbidden)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &error);
  if (config == NULL)
    {
      g_autofree char *shown = g_strescape (error->message, NULL);
      g_test_message ("refused: %s", shown);
      g_assert_true (error->domain == BALLAST_ERROR);
      g_assert_null (strstr (error->message, forbidden));
      return;
    }
  g_autofree char *shown = g_strescape (config->name, NULL);
  g_test_message ("parsed, <name> is '%s'", shown);
  g_assert_null (strstr (config->name, forbidden));
  g_assert_true (config->uuid == NULL || strstr (config->uuid, forbidden) == NULL);
}

static void
test_xxe_etc_passwd (void)
{
  assert_not_expanded ("<?xml version='1.0'?>\n"
                       "<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                       "<domain type='kvm'>\n  <name>&xxe;</name>\n  <uuid>&xxe;</uuid>\n"
                       "  <memory>1024</memory>\n</domain>\n", "root:");
}

static void
test_xxe_local_file (void)
{
  /* A file of our own, so the check does not depend on /etc/passwd. */
  g_autofree char *dir = g_dir_make_tmp ("ballast-xxe-XXXXXX", NULL);
  g_autofree char *secret = g_build_filename (dir, "secret.txt", NULL);
  g_autofree char *dtd = g_build_filename (dir, "external.dtd", NULL);
  g_assert_true (g_file_set_contents (secret, "XXE-SECRET-7f3a", -1, NULL));
  g_assert_true (g_file_set_contents (dtd, "<!ENTITY fromdtd \"XXE-SECRET-7f3a\">", -1, NULL));

  /* An external general entity. */
  g_autofree char *entity_xml = g_strdup_printf (
    "<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
    "<domain><name>&xxe;</name><memory>1024</memory></domain>", secret);
  assert_not_expanded (entity_xml, "XXE-SECRET");

  /* An external DTD declaring the entity. */
  g_autofree char *dtd_xml = g_strdup_printf (
    "<!DOCTYPE domain SYSTEM \"file://%s\">\n"
    "<domain><name>&fromdtd;</name><memory>1024</memory></domain>", dtd);
  assert_not_expanded (dtd_xml, "XXE-SECRET");

  /* An external parameter entity pulled into the internal subset. */
  g_autofree char *param_xml = g_strdup_printf (
    "<!DOCTYPE domain [<!ENTITY %% ext SYSTEM \"file://%s\"> %%ext;]>\n"
    "<domain><name>&fromdtd;</name><memory>1024</memory></domain>", dtd);
  assert_not_expanded (param_xml, "XXE-SECRET");

  /* An external entity in the memory size must not change it either. */
  g_autofree char *size_xml = g_strdup_printf (
    "<!DOCTYPE domain [<!ENTITY xxe SYSTEM \"file://%s\">]>\n"
    "<domain><name>n</name><memory>10&xxe;</memory></domain>", secret);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (size_xml, &error);
  if (config != NULL)
    g_assert_cmpuint (config->max_kib, ==, 10);

  g_remove (secret);
  g_remove (dtd);
  g_rmdir (dir);
}

/* Exponential internal entities ("billion laughs"): refused or bounded,
 * and quickly. */
static void
test_billion_laughs (void)
{
  GString *xml = g_string_new ("<!DOCTYPE domain [\n  <!ENTITY l0 \"lol\">\n");
  for (guint i = 1; i <= 9; i++)
    {
      g_string_append_printf (xml, "  <!ENTITY l%u \"", i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (xml, "&l%u;", i - 1);
      g_string_append (xml, "\">\n");
    }
  g_string_append (xml, "]>\n<domain><name>&l9;</name><memory>1024</memory></domain>\n");

  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml->str, &error);
  g_string_free (xml, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  if (config != NULL)
    g_assert_cmpuint (strlen (config->name), <, 1024 * 1024);
  else
    g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
}

/* ---- ballast_domain_config_unmanaged_reason on hand-made configs ---- */

static void
test_unmanaged_reason (void)
{
  BallastDomainConfig config = { 0 };
  g_assert_cmpstr (ballast_domain_config_unmanaged_reason (&config), ==, "no balloon device");
  config.balloon_model = (char *) "none";
  g_assert_cmpstr (ballast_domain_config_unmanaged_reason (&config), ==, "balloon model none");
  config.balloon_model = (char *) "virtio";
  config.has_balloon = TRUE;
  g_assert_null (ballast_domain_config_unmanaged_reason (&config));
  config.balloon_model = (char *) "virtio-non-transitional";
  g_assert_null (ballast_domain_config_unmanaged_reason (&config));
}

/* ---- Balloons that free no host memory (issue 17) ---- */

typedef struct {
  const char *fixture;
  const char *vfio_device;      /* NULL: none */
  gboolean hugepages;
  gboolean locked;
  const char *conflict;         /* a substring of it, or NULL: none */
  const char *fixed_reason;     /* NULL: not fixed */
} FixedCase;

static const FixedCase fixed_cases[] = {
  { "domains/hostdev-vfio-pci.xml", "<hostdev type='pci'> at line 19", FALSE, FALSE, NULL,
    "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation" },
  { "domains/hostdev-usb.xml", NULL, FALSE, FALSE, NULL, NULL },
  { "domains/interface-hostdev-sriov.xml", "<interface type='hostdev'> at line 17", FALSE, FALSE,
    NULL, "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation" },
  { "domains/disk-nvme.xml", "<disk type='nvme'> at line 12", FALSE, FALSE, NULL,
    "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation" },
  { "domains/hugepages.xml", NULL, TRUE, FALSE, NULL,
    "backed by hugepages: inflating frees no host memory" },
  { "domains/locked.xml", NULL, FALSE, TRUE, NULL, "memory locked: inflating frees no host memory" },
  { "domains/hostdev-on-hugepages.xml", "<hostdev type='mdev'> at line 15", TRUE, FALSE,
    "domain XML: <hostdev type='mdev'> at line 15 on a guest backed by hugepages (line 7)",
    "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation" },
  { "domains/balloon-unknown-model.xml", NULL, FALSE, FALSE,
    "domain XML line 12: <memballoon model='virtio-mem-balloon'>: not a balloon model ballast knows",
    "unknown balloon model (see log): not counted on" },
  { "domains/balloon-autodeflate-fpr.xml", NULL, FALSE, FALSE, NULL, NULL },
  { "libvirt/running-domain-g1.xml", NULL, FALSE, FALSE, NULL, NULL },
};

static void
test_fixed (gconstpointer data)
{
  const FixedCase *c = data;
  g_autoptr(BallastDomainConfig) config = parse_fixture (c->fixture);
  g_assert_cmpstr (config->vfio_device, ==, c->vfio_device);
  g_assert_cmpint (config->hugepages, ==, c->hugepages);
  g_assert_cmpint (config->locked, ==, c->locked);
  if (c->conflict == NULL)
    g_assert_null (config->conflict);
  else
    g_assert_nonnull (strstr (config->conflict, c->conflict));
  g_assert_cmpstr (ballast_domain_config_fixed_reason (config), ==, c->fixed_reason);
  /* Fixed or not, each still has a balloon: fixed is not unmanaged. */
  g_assert_null (ballast_domain_config_unmanaged_reason (config));
}

static void
test_free_null (void)
{
  ballast_domain_config_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      g_autofree char *base = g_path_get_basename (valid_cases[i].fixture);
      g_autofree char *path = g_strdup_printf ("/domain-config/valid/%s", base);
      g_test_add_data_func (path, &valid_cases[i], test_valid);
    }
  g_test_add_func ("/domain-config/tuning-xml/serialized", test_tuning_xml);
  g_test_add_func ("/domain-config/tuning-xml/namespace-on-root", test_tuning_xml_namespace_on_root);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/domain-config/invalid/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_stats_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/domain-config/invalid/stats-period-%s",
                                               bad_stats_cases[i].name);
      g_test_add_data_func (path, &bad_stats_cases[i], test_bad);
    }
  g_test_add_func ("/domain-config/empty-name", test_empty_name);
  g_test_add_func ("/domain-config/stats-period-limit", test_stats_period_limit);
  g_test_add_func ("/domain-config/hostile/fixture-every-truncation", test_fixture_every_truncation);
  g_test_add_func ("/domain-config/hostile/fixture-mutations", test_fixture_mutations);
  g_test_add_func ("/domain-config/hostile/xxe-etc-passwd", test_xxe_etc_passwd);
  g_test_add_func ("/domain-config/hostile/xxe-local-file", test_xxe_local_file);
  g_test_add_func ("/domain-config/hostile/billion-laughs", test_billion_laughs);
  g_test_add_func ("/domain-config/unmanaged-reason", test_unmanaged_reason);
  for (gsize i = 0; i < G_N_ELEMENTS (fixed_cases); i++)
    {
      g_autofree char *base = g_path_get_basename (fixed_cases[i].fixture);
      g_autofree char *path = g_strdup_printf ("/domain-config/fixed/%s", base);
      g_test_add_data_func (path, &fixed_cases[i], test_fixed);
    }
  g_test_add_func ("/domain-config/free-null", test_free_null);
  return g_test_run ();
}
