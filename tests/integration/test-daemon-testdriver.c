/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The real daemon loop, in-process, against libvirt's test driver: what it
 * decides must be what libvirt ends up with. */
#include "daemon-harness.h"
#include "daemon-report.h"
#include "libvirt-util.h"
#include "loan-clock.h"
#include "run-state.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

/* test:///default lives as long as one connection to it is open; holding
 * our own keeps its state between the daemon's connections. */
static virConnectPtr default_conn;


static BallastDomain *
registry_domain (BallastDaemon *daemon, const char *name)
{
  BallastDomain *domain = ballast_registry_lookup_name (ballast_daemon_get_view (daemon)->registry, name);
  g_assert_nonnull (domain);
  return domain;
}

/* The default test domain: 8 GiB max, 2 GiB current, stats say half used. */
static void
reset_default_domain (void)
{
  g_autoptr(virDomain) domain = virDomainLookupByName (default_conn, "test");
  g_assert_cmpint (virDomainSetMemoryFlags (domain, 2 * GIB, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
}

static void
test_deficit_shrinks_through_libvirt (void)
{
  reset_default_domain ();
  /* 1 GiB available against a 2 GiB reserve. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  BallastDaemonConfig config = harness_config_for ("test:///default");
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 3);

  BallastDomain *domain = registry_domain (daemon, "test");
  g_assert_cmpint (domain->classification.status, ==, BALLAST_GUEST_MANAGED);
  g_assert_true (domain->balloon.has_target);
  g_assert_cmpuint (domain->balloon.target_kib, <, 2 * GIB);
  /* What ballast thinks it set is what libvirt has. */
  g_assert_cmpuint (domain_info_memory_kib (daemon, "test"), ==, domain->balloon.target_kib);
  /* Every change is in the journal with its reason. */
  g_assert_cmpuint (domain->balloon.journal.length, >=, 1);
  BallastJournalEntry *first = g_queue_peek_head (&domain->balloon.journal);
  g_assert_true (first->applied);
  g_assert_cmpuint (first->old_target_kib, ==, 2 * GIB);
  g_assert_true (g_str_has_prefix (first->reason, "shrink by"));
  g_assert_cmpuint (ballast_daemon_get_view (daemon)->counters->changes_applied, ==, domain->balloon.journal.length);
  ballast_daemon_config_clear (&config);
}

static void
test_gate_off_never_shrinks (void)
{
  reset_default_domain ();
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  BallastDaemonConfig config = harness_config_for ("test:///default");
  /* auto, on a CPU without vmx/svm: gated off. */
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);
  g_assert_false (ballast_daemon_get_view (daemon)->shrink_allowed);
  BallastDomain *domain = registry_domain (daemon, "test");
  g_assert_cmpint (domain->balloon.decision.reason, ==, BALLAST_REASON_HOLD_GATED);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "test"), ==, 2 * GIB);
  ballast_daemon_config_clear (&config);
}

static void
test_dry_run_changes_nothing (void)
{
  reset_default_domain ();
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 12 * GIB);
  BallastDaemonConfig config = harness_config_for ("test:///default");
  config.dry_run = TRUE;
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);
  BallastDomain *domain = registry_domain (daemon, "test");
  g_assert_true (domain->balloon.decision.changed);
  g_assert_cmpint (domain->balloon.decision.reason, ==, BALLAST_REASON_GROW_SURPLUS);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "test"), ==, 2 * GIB);
  BallastJournalEntry *entry = g_queue_peek_tail (&domain->balloon.journal);
  g_assert_nonnull (entry);
  g_assert_false (entry->applied);
  g_assert_cmpstr (ballast_daemon_get_view (daemon)->mode, ==, "dry-run");
  ballast_daemon_config_clear (&config);
}

static void
test_surplus_grows_to_max (void)
{
  reset_default_domain ();
  g_autoptr(FakeHost) host = fake_host_new (32 * GIB, 20 * GIB);
  BallastDaemonConfig config = harness_config_for ("test:///default");
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "test"), ==, 8 * GIB);
  BallastDomain *domain = registry_domain (daemon, "test");
  BallastJournalEntry *grow = g_queue_peek_head (&domain->balloon.journal);
  g_assert_true (g_str_has_prefix (grow->reason, "grow by 6.0 GiB: host has"));
  g_assert_cmpint (domain->balloon.decision.reason, ==, BALLAST_REASON_HOLD_AT_MAX);
  ballast_daemon_config_clear (&config);
}

static void
test_stats_period_set_where_missing (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-xml-XXXXXX", NULL);
  g_autofree char *xml = testdriver_xml_write (dir, "period", 3, 2 * GIB, 2 * GIB);
  g_autofree char *uri = g_strdup_printf ("test://%s", xml);
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 10 * GIB);
  BallastDaemonConfig config = harness_config_for (uri);
  config.stats_period_sec = 7;
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);

  virConnectPtr conn = ballast_session_get_connection (ballast_daemon_get_view (daemon)->session);
  g_autoptr(virDomain) domain = virDomainLookupByName (conn, "period-0001");
  g_autofree char *domain_xml = virDomainGetXMLDesc (domain, 0);
  g_assert_nonnull (strstr (domain_xml, "<stats period='7'/>"));
  g_assert_true (registry_domain (daemon, "period-0001")->observed.stats_period_attempted);
  g_assert_cmpuint (registry_domain (daemon, "period-0001")->observed.config->stats_period_sec, ==, 7);
  ballast_daemon_config_clear (&config);
  g_unlink (xml);
  g_rmdir (dir);
}

static void
test_unmanaged_domains_listed_with_reason (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-xml-XXXXXX", NULL);
  g_autofree char *xml = g_build_filename (dir, "mixed.xml", NULL);
  g_assert_true (g_file_set_contents (xml,
    "<node>\n"
    "  <domain type='test'><name>noballoon</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='none'/></devices></domain>\n"
    "  <domain type='test'><name>good</name><memory>1048576</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "</node>\n", -1, NULL));
  g_autofree char *uri = g_strdup_printf ("test://%s", xml);
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 10 * GIB);
  BallastDaemonConfig config = harness_config_for (uri);
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);
  BallastDomain *noballoon = registry_domain (daemon, "noballoon");
  g_assert_cmpint (noballoon->classification.status, ==, BALLAST_GUEST_NO_DRIVER);
  g_assert_cmpstr (noballoon->classification.reason, ==, "balloon model none");
  g_assert_cmpint (registry_domain (daemon, "good")->classification.status, ==, BALLAST_GUEST_MANAGED);
  ballast_daemon_config_clear (&config);
  g_unlink (xml);
  g_rmdir (dir);
}

/* Balloons that free no host memory (issue 17): on a host short of memory,
 * a guest with a VFIO device, one backed by hugepages, one with locked
 * memory and one whose balloon model ballast does not know are all
 * "fixed" and keep their memory; only the plain guest gives. The XML that
 * contradicts itself is logged once, with its line, however many cycles
 * read it. */
static void
test_fixed_guests_never_shrunk (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-xml-XXXXXX", NULL);
  g_autofree char *xml = g_build_filename (dir, "fixed.xml", NULL);
  g_assert_true (g_file_set_contents (xml,
    "<node>\n"
    "  <domain type='test'><name>vfio</name><memory>2097152</memory>"
    "<os><type>hvm</type></os><devices>"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source></hostdev>"
    "<memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>huge</name><memory>2097152</memory>"
    "<memoryBacking><hugepages/></memoryBacking>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>locked</name><memory>2097152</memory>"
    "<memoryBacking><locked/></memoryBacking>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "  <domain type='test'><name>plain</name><memory>2097152</memory>"
    "<os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
    "</node>\n", -1, NULL));
  g_autofree char *uri = g_strdup_printf ("test://%s", xml);
  /* 1.5 GiB short of the reserve. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 512 * MIB);
  BallastDaemonConfig config = harness_config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.reserve = (BallastAmount) { .kib = 2 * GIB };
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 3);

  static const struct {
    const char *name;
    const char *reason;
  } fixed[] = {
    { "vfio", "VFIO device assigned: guest memory pinned, QEMU inhibits balloon inflation" },
    { "huge", "backed by hugepages: inflating frees no host memory" },
    { "locked", "memory locked: inflating frees no host memory" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++)
    {
      BallastDomain *domain = registry_domain (daemon, fixed[i].name);
      g_assert_cmpint (domain->classification.status, ==, BALLAST_GUEST_FIXED);
      g_assert_cmpstr (domain->classification.reason, ==, fixed[i].reason);
      g_assert_cmpuint (domain_info_memory_kib (daemon, fixed[i].name), ==, 2 * GIB);
      g_assert_cmpint (domain->balloon.decision.reason, ==, BALLAST_REASON_HOLD_FIXED);
    }
  BallastDomain *plain = registry_domain (daemon, "plain");
  g_assert_cmpint (plain->classification.status, ==, BALLAST_GUEST_MANAGED);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "plain"), <, 2 * GIB);

  /* The status counts them, and says why each is fixed. */
  g_autoptr(json_object) status = ballast_daemon_status_json (ballast_daemon_get_view (daemon));
  g_assert_cmpint (json_object_get_int (harness_json_path (status, "guests", "fixed", NULL)), ==, 3);
  ballast_daemon_config_clear (&config);
  g_unlink (xml);
  g_rmdir (dir);
}

/* An XML that contradicts itself is logged once per domain, with what and
 * where, and the guest is fixed; nothing else changes. */
static void
test_contradictory_xml_logged_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-xml-XXXXXX", NULL);
  g_autofree char *xml = g_build_filename (dir, "odd.xml", NULL);
  g_assert_true (g_file_set_contents (xml,
    "<node>\n"
    "  <domain type='test'><name>dpdk</name><memory>2097152</memory>\n"
    "<memoryBacking><hugepages/></memoryBacking>\n"
    "<os><type>hvm</type></os><devices>\n"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source></hostdev>\n"
    "<memballoon model='virtio'/></devices></domain>\n"
    "</node>\n", -1, NULL));
  g_autofree char *uri = g_strdup_printf ("test://%s", xml);
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 10 * GIB);
  BallastDaemonConfig config = harness_config_for (uri);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 4);
  g_assert_cmpuint (harness_log_count ("dpdk:", "<hostdev type='pci'> at line",
                                       "on a guest backed by hugepages (line", "fixed", NULL), ==, 1);
  harness_log_capture_end ();
  g_assert_cmpint (registry_domain (daemon, "dpdk")->classification.status, ==, BALLAST_GUEST_FIXED);
  ballast_daemon_config_clear (&config);
  g_unlink (xml);
  g_rmdir (dir);
}

/* Many domains from a generated XML file: every one is managed, every
 * decision reaches libvirt, and the calls per cycle are what the design
 * promises for a driver without bulk balloon stats. */
static void
run_many_domains (const char *scheme)
{
  const guint n = 200;
  g_autofree char *dir = g_dir_make_tmp ("ballast-xml-XXXXXX", NULL);
  g_autofree char *xml = testdriver_xml_write (dir, "many", n, 2 * GIB, 2 * GIB);
  g_autofree char *uri = g_strdup_printf ("%s://%s", scheme, xml);
  /* 200 x 2 GiB on a host 60 GiB short of its reserve. */
  g_autoptr(FakeHost) host = fake_host_new (512 * GIB, 8 * GIB);
  BallastDaemonConfig config = harness_config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.reserve = (BallastAmount) { .kib = 68 * GIB };
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 3);

  const BallastDaemonCounters *counters = ballast_daemon_get_view (daemon)->counters;
  guint changed = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("many-%04u", i);
      BallastDomain *domain = registry_domain (daemon, name);
      g_assert_cmpint (domain->classification.status, ==, BALLAST_GUEST_MANAGED);
      guint64 expected = domain->balloon.has_target ? domain->balloon.target_kib : 2 * GIB;
      g_assert_cmpuint (domain_info_memory_kib (daemon, name), ==, expected);
      changed += domain->balloon.has_target;
    }
  g_assert_cmpuint (changed, ==, n); /* identical guests share the deficit */
  /* The last cycle: one bulk call, one fallback stats call per domain (the
   * test driver has no bulk balloon fields), one call per changed domain. */
  g_assert_cmpuint (counters->last_cycle_libvirt_calls, <=, 1 + n + n);
  g_assert_cmpuint (counters->last_cycle_libvirt_calls, >=, 1 + n);
  g_test_message ("%s: %u domains, last cycle %u libvirt calls, %" G_GINT64_FORMAT " us",
                  scheme, n, counters->last_cycle_libvirt_calls, counters->last_cycle_duration_usec);
  ballast_daemon_config_clear (&config);
  g_unlink (xml);
  g_rmdir (dir);
}

static void
test_many_domains_in_process (void)
{
  run_many_domains ("test");
}

/* A socket file left behind by a libvirtd that is gone is not a running
 * libvirtd: only a connection that is accepted counts. */
static gboolean
libvirtd_answers (const char *socket_path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr(GSocketConnection) connection
    = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  return connection != NULL;
}

static void
test_many_domains_through_libvirtd (void)
{
  if (!libvirtd_answers ("/run/libvirt/libvirt-sock"))
    {
      g_test_skip ("libvirtd is not running (/run/libvirt/libvirt-sock does not answer); .ci/run starts it");
      return;
    }
  run_many_domains ("test+unix");
}

static void
test_unreachable_uri_retries_without_crash (void)
{
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 10 * GIB);
  BallastDaemonConfig config = harness_config_for ("test+unix:///nonexistent.xml?socket=/nonexistent/sock");
  g_autoptr(GError) error = NULL;
  BallastRunOptions options = { 0 };
  g_free (config.socket_path);
  config.socket_path = g_strdup_printf ("%s/ballast-test-%d-unreach.sock", g_get_tmp_dir (), (int) getpid ());
  g_autoptr(BallastDaemon) daemon = ballast_daemon_new (&config, host->paths, &options, &error);
  g_assert_no_error (error);
  /* Let it try, fail and retry (backoff starts at 1 s), then stop it. */
  BallastSession *session = ballast_daemon_get_view (daemon)->session;
  ballast_session_start (session, TRUE);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (ballast_session_get_reconnects (session) < 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ballast_session_get_state (session), !=, BALLAST_SESSION_CONNECTED);
  g_assert_nonnull (ballast_session_get_last_error (session));
  g_assert_nonnull (strstr (ballast_session_get_last_error (session), "cannot connect"));
  g_assert_cmpuint (ballast_session_get_reconnects (session), >=, 1);
  ballast_daemon_config_clear (&config);
}

/* ---- The loan clock and spikes, kept in the domain's live metadata ---- */

/* The "test" domain's run state metadata, or NULL when it has none. */
static char *
run_state_metadata (void)
{
  g_autoptr(virDomain) domain = virDomainLookupByName (default_conn, "test");
  char *xml = virDomainGetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, BALLAST_RUN_STATE_NS,
                                    VIR_DOMAIN_AFFECT_LIVE);
  if (xml == NULL)
    g_assert_cmpint (virGetLastErrorCode (), ==, VIR_ERR_NO_DOMAIN_METADATA);
  return xml;
}

/* Sets it to XML as another tool (or an earlier ballastd) would, in the
 * definitions FLAGS names; NULL removes it. */
static void
set_run_state_metadata_in (const char *xml, unsigned int flags)
{
  g_autoptr(virDomain) domain = virDomainLookupByName (default_conn, "test");
  g_assert_cmpint (virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, xml,
                                         BALLAST_RUN_STATE_PREFIX, BALLAST_RUN_STATE_NS,
                                         flags), ==, 0);
}

/* In the live definition only, where ballastd keeps it. */
static void
set_run_state_metadata (const char *xml)
{
  set_run_state_metadata_in (xml, VIR_DOMAIN_AFFECT_LIVE);
}

/* The metadata holds a clock that started within the last minute: the
 * clock's own start, not whatever was there before. */
static void
assert_run_state_fresh (void)
{
  g_autofree char *xml = run_state_metadata ();
  g_assert_nonnull (xml);
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse (xml, &state, &error));
  g_assert_no_error (error);
  g_assert_true (state.over_fair_share);
  g_assert_cmpint (g_get_real_time () - state.over_fair_share_since_usec, <, 60 * G_USEC_PER_SEC);
}

static gint64
loan_seconds (BallastDaemon *daemon)
{
  BallastDomain *domain = registry_domain (daemon, "test");
  return (gint64) ballast_loan_clock_seconds (&domain->run_state.loan, g_get_monotonic_time ());
}

/* The guest uses 1 GiB (the test driver's stats: half of 2 GiB); a 2.5 GiB
 * host less the 2 GiB reserve makes its fair share 512 MiB, and with
 * exactly the reserve available nothing moves. */
static FakeHost *
host_where_test_is_over_its_share (void)
{
  return fake_host_new (2 * GIB + 512 * MIB, 2 * GIB);
}

static void
test_loan_clock_kept_in_metadata (void)
{
  reset_default_domain ();
  set_run_state_metadata (NULL);
  g_autoptr(FakeHost) small = host_where_test_is_over_its_share ();
  BallastDaemonConfig config = harness_config_for ("test:///default");

  /* The clock starts: its start goes into the live metadata. */
  gint64 started = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC;
  g_autoptr(BallastDaemon) first = run_daemon_cycles (&config, small, 2);
  BallastDomain *domain = registry_domain (first, "test");
  g_assert_cmpuint (domain->balloon.decision.used_kib, >, domain->balloon.decision.fair_share_kib);
  g_assert_true (domain->run_state.loan.over);
  g_autofree char *written = run_state_metadata ();
  g_assert_nonnull (written);
  BallastRunState state = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse (written, &state, &error));
  g_assert_cmpint (state.over_fair_share_since_usec, >=, started);
  g_assert_cmpint (state.over_fair_share_since_usec, <=, g_get_real_time ());
  g_clear_pointer (&first, ballast_daemon_free);

  /* A ballastd started later goes on with the clock it finds there. */
  gint64 earlier_since = (g_get_real_time () / G_USEC_PER_SEC - 1000) * G_USEC_PER_SEC;
  BallastRunState earlier_state = { .over_fair_share = TRUE,
                                    .over_fair_share_since_usec = earlier_since };
  g_autofree char *earlier = ballast_run_state_format (&earlier_state);
  set_run_state_metadata (earlier);
  g_autoptr(BallastDaemon) second = run_daemon_cycles (&config, small, 2);
  g_assert_cmpint (loan_seconds (second), >=, 1000);
  g_assert_cmpint (loan_seconds (second), <, 1100);
  /* It has no reason to write it again. */
  g_autofree char *kept = run_state_metadata ();
  g_assert_true (ballast_run_state_parse (kept, &state, &error));
  g_assert_cmpint (state.over_fair_share_since_usec, ==, earlier_since);
  g_clear_pointer (&second, ballast_daemon_free);

  /* Within its share again (a 16 GiB host): the clock stops, the
   * metadata goes. */
  g_autoptr(FakeHost) large = fake_host_new (16 * GIB, 2 * GIB);
  g_autoptr(BallastDaemon) third = run_daemon_cycles (&config, large, 2);
  g_assert_false (registry_domain (third, "test")->run_state.loan.over);
  g_autofree char *gone = run_state_metadata ();
  g_assert_null (gone);
  g_clear_pointer (&third, ballast_daemon_free);
  ballast_daemon_config_clear (&config);
}

static void
test_bad_run_state_metadata_ignored (void)
{
  reset_default_domain ();
  set_run_state_metadata ("<state><over-fair-share-since>yesterday</over-fair-share-since></state>");
  g_autoptr(FakeHost) small = host_where_test_is_over_its_share ();
  BallastDaemonConfig config = harness_config_for ("test:///default");
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, small, 2);
  /* Said, naming the domain, the field and the value; the clock starts
   * afresh and the metadata is rewritten right. */
  g_assert_cmpuint (harness_log_count ("WARNING", "test: ignoring its run state metadata",
                                       "<over-fair-share-since>: 'yesterday' is not an ISO 8601 time",
                                       NULL), ==, 1);
  harness_log_capture_end ();
  g_assert_true (registry_domain (daemon, "test")->run_state.loan.over);
  g_assert_cmpint (loan_seconds (daemon), <, 60);
  assert_run_state_fresh ();
  set_run_state_metadata (NULL);
  ballast_daemon_config_clear (&config);
}

/* A live definition dumped and defined again carries the run state into
 * the persistent definition, whence it comes back at every start of the
 * domain, however old: such a copy is never taken for the clock. */
static void
test_run_state_copied_into_definition_ignored (void)
{
  reset_default_domain ();
  BallastRunState old_state = {
    .over_fair_share = TRUE,
    .over_fair_share_since_usec = g_get_real_time () - G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC,
  };
  g_autofree char *old = ballast_run_state_format (&old_state);
  set_run_state_metadata_in (old, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
  g_autoptr(FakeHost) small = host_where_test_is_over_its_share ();
  BallastDaemonConfig config = harness_config_for ("test:///default");
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, small, 2);
  g_assert_cmpuint (harness_log_count ("WARNING", "test: ignoring its run state metadata",
                                       "its persistent definition has it too",
                                       "virsh metadata test urn:ballast:state:1 --config --remove",
                                       NULL), ==, 1);
  harness_log_capture_end ();
  g_assert_cmpint (loan_seconds (daemon), <, 60);
  /* The live copy is replaced by the clock's own start. */
  assert_run_state_fresh ();
  set_run_state_metadata_in (NULL, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG);
  ballast_daemon_config_clear (&config);
}

/* Spikes learned by an earlier ballastd come back from the metadata:
 * their period is known at once, and the state written for the loan
 * clock keeps them as they were. */
static void
test_spikes_kept_in_metadata (void)
{
  reset_default_domain ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC * G_USEC_PER_SEC;
  BallastRunState before = {
    .spike_peak_kib = 1536 * MIB, .spike_peak_usec = now - 70 * G_USEC_PER_SEC,
    .n_spike_onsets = 3,
    .spike_onsets_usec = { now - 200 * G_USEC_PER_SEC, now - 140 * G_USEC_PER_SEC,
                           now - 80 * G_USEC_PER_SEC },
  };
  g_autofree char *xml = ballast_run_state_format (&before);
  set_run_state_metadata (xml);
  g_autoptr(FakeHost) small = host_where_test_is_over_its_share ();
  BallastDaemonConfig config = harness_config_for ("test:///default");
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, small, 2);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "test: spiked 3 times before this start of ballastd",
                                       "peak 1.5 GiB", NULL), ==, 1);
  harness_log_capture_end ();
  BallastDomain *domain = registry_domain (daemon, "test");
  g_assert_cmpint (ballast_spike_history_period_usec (&domain->observed.spikes), ==, 60 * G_USEC_PER_SEC);

  /* Its loan clock started: written beside the spikes, which stay. */
  g_assert_true (domain->run_state.loan.over);
  g_autofree char *written = run_state_metadata ();
  BallastRunState after = { 0 };
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_run_state_parse (written, &after, &error));
  g_assert_true (after.over_fair_share);
  g_assert_cmpuint (after.n_spike_onsets, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (after.spike_onsets_usec[i], ==, before.spike_onsets_usec[i]);
  g_assert_cmpuint (after.spike_peak_kib, ==, before.spike_peak_kib);
  g_assert_cmpint (after.spike_peak_usec, ==, before.spike_peak_usec);
  set_run_state_metadata (NULL);
  ballast_daemon_config_clear (&config);
}

static void
test_dry_run_keeps_loan_clock_to_itself (void)
{
  reset_default_domain ();
  set_run_state_metadata (NULL);
  g_autoptr(FakeHost) small = host_where_test_is_over_its_share ();
  BallastDaemonConfig config = harness_config_for ("test:///default");
  config.dry_run = TRUE;
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, small, 2);
  g_assert_true (registry_domain (daemon, "test")->run_state.loan.over);
  g_autofree char *none = run_state_metadata ();
  g_assert_null (none);
  ballast_daemon_config_clear (&config);
}

int
main (int argc, char **argv)
{
  harness_init (&argc, &argv);
  default_conn = virConnectOpen ("test:///default");
  g_assert_nonnull (default_conn);
  g_test_add_func ("/daemon/deficit-shrinks-through-libvirt", test_deficit_shrinks_through_libvirt);
  g_test_add_func ("/daemon/gate-off-never-shrinks", test_gate_off_never_shrinks);
  g_test_add_func ("/daemon/dry-run-changes-nothing", test_dry_run_changes_nothing);
  g_test_add_func ("/daemon/surplus-grows-to-max", test_surplus_grows_to_max);
  g_test_add_func ("/daemon/stats-period-set-where-missing", test_stats_period_set_where_missing);
  g_test_add_func ("/daemon/unmanaged-listed-with-reason", test_unmanaged_domains_listed_with_reason);
  g_test_add_func ("/daemon/fixed-guests-never-shrunk", test_fixed_guests_never_shrunk);
  g_test_add_func ("/daemon/contradictory-xml-logged-once", test_contradictory_xml_logged_once);
  g_test_add_func ("/daemon/many-domains-in-process", test_many_domains_in_process);
  g_test_add_func ("/daemon/many-domains-through-libvirtd", test_many_domains_through_libvirtd);
  g_test_add_func ("/daemon/unreachable-uri-retries", test_unreachable_uri_retries_without_crash);
  g_test_add_func ("/daemon/loan-clock-kept-in-metadata", test_loan_clock_kept_in_metadata);
  g_test_add_func ("/daemon/bad-run-state-metadata-ignored", test_bad_run_state_metadata_ignored);
  g_test_add_func ("/daemon/spikes-kept-in-metadata", test_spikes_kept_in_metadata);
  g_test_add_func ("/daemon/dry-run-keeps-loan-clock-to-itself", test_dry_run_keeps_loan_clock_to_itself);
  g_test_add_func ("/daemon/run-state-copied-into-definition-ignored",
                   test_run_state_copied_into_definition_ignored);
  int status = g_test_run ();
  virConnectClose (default_conn);
  return status;
}
