/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's page sharing step, in-process: the real daemon loop against
 * libvirt's test driver, on a fake host whose KSM sysfs tree, ksmd and the
 * guests' QEMU processes come from tests/fixtures/trees/ksm-6.x. What it
 * decides must land in the fake sysfs files, what it reports must match
 * them, and the control methods must change and show the same state.
 *
 * The fake kernel does not merge: counters only change when a test writes
 * them, which makes every figure below exact. */
#include "daemon-harness.h"

#include "../unit/scratch-tree.h"
#include "ballast-error.h"
#include "control-client.h"
#include "control-methods.h"
#include "daemon-report.h"
#include "json-util.h"
#include "ksm-actuator.h"
#include "ksm-manager.h"
#include "libvirt-util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

/* The fixture's counters (tests/fixtures/trees/ksm-6.x). */
#define FIXTURE_PAGES_SHARING 3770
#define FIXTURE_GUEST1_MERGED_PAGES (18944 + 512) /* ksm_merging_pages + ksm_zero_pages */
#define FIXTURE_GUEST1_PROFIT 77053952

typedef struct {
  FakeHost *host;
  char *work;
  char *domains_xml;
  char *policy_path;
  char *pid_dir;
} KsmBed;

static const char domains_xml[] =
  "<node>\n"
  "  <domain type='test'><name>guest1</name><uuid>6b1e9d7a-1c2f-4a51-9a43-0d6c3c5f1001</uuid>\n"
  "    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>\n"
  "    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
  "  <domain type='test'><name>private</name><uuid>6b1e9d7a-1c2f-4a51-9a43-0d6c3c5f1002</uuid>\n"
  "    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>\n"
  "    <memoryBacking><nosharepages/></memoryBacking>\n"
  "    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
  "  <domain type='test'><name>batch-1</name><uuid>6b1e9d7a-1c2f-4a51-9a43-0d6c3c5f1003</uuid>\n"
  "    <memory unit='GiB'>4</memory><currentMemory unit='GiB'>2</currentMemory>\n"
  "    <os><type>hvm</type></os><devices><memballoon model='virtio'/></devices></domain>\n"
  "</node>\n";

static void
copy_fixture (const char *root, const char *relative)
{
  g_autofree char *from = g_build_filename (BALLAST_FIXTURES_DIR, "trees", "ksm-6.x", relative, NULL);
  g_autofree char *to = g_build_filename (root, relative, NULL);
  scratch_copy_tree (from, to);
}

/* A policy: <guests tenancy=TENANCY> (none when NULL) that excludes the
 * batch-* guests, and KSM (a <ksm> element, or ""). */
static char *
policy_text (const char *tenancy, const char *ksm)
{
  g_autofree char *attribute = tenancy != NULL ? g_strdup_printf (" tenancy=\"%s\"", tenancy)
                                               : g_strdup ("");
  return g_strdup_printf ("<policy xmlns=\"urn:ballast:policy:1\">\n"
                          "  <guests%s><match name=\"batch-*\"><exclude/></match></guests>\n"
                          "  %s\n</policy>\n", attribute, ksm);
}

/* A host of TOTAL_KIB with AVAILABLE_KIB available, KSM as the fixture has
 * it, and policy_text (TENANCY, KSM) as its policy file. */
static KsmBed *
ksm_bed_new (guint64 total_kib, guint64 available_kib, const char *tenancy, const char *ksm)
{
  KsmBed *bed = g_new0 (KsmBed, 1);
  bed->host = fake_host_new (total_kib, available_kib);
  copy_fixture (bed->host->root, "sys/kernel/mm/ksm");
  copy_fixture (bed->host->root, "proc/37");
  copy_fixture (bed->host->root, "proc/4242");
  copy_fixture (bed->host->root, "proc/4243");
  copy_fixture (bed->host->root, "run/libvirt/qemu");
  /* The test driver's "private" is the fixture's <nosharepages/> QEMU. */
  scratch_write (bed->host->root, "run/libvirt/qemu/guest1.pid", "4242", -1);
  bed->pid_dir = g_build_filename (bed->host->root, "run", "libvirt", "qemu", NULL);
  bed->work = g_dir_make_tmp ("ballast-ksm-work-XXXXXX", NULL);
  bed->domains_xml = g_build_filename (bed->work, "domains.xml", NULL);
  g_assert_true (g_file_set_contents (bed->domains_xml, domains_xml, -1, NULL));
  bed->policy_path = g_build_filename (bed->work, "policy.xml", NULL);
  g_autofree char *text = policy_text (tenancy, ksm);
  g_assert_true (g_file_set_contents (bed->policy_path, text, -1, NULL));
  return bed;
}

static void
ksm_bed_set_policy (KsmBed *bed, const char *tenancy, const char *ksm)
{
  g_autofree char *text = policy_text (tenancy, ksm);
  g_assert_true (g_file_set_contents (bed->policy_path, text, -1, NULL));
}

static void
ksm_bed_free (KsmBed *bed)
{
  if (bed == NULL)
    return;
  fake_host_free (bed->host);
  scratch_remove_tree (bed->work);
  g_free (bed->work);
  g_free (bed->domains_xml);
  g_free (bed->policy_path);
  g_free (bed->pid_dir);
  g_free (bed);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KsmBed, ksm_bed_free)

/* A sysfs file of the fake KSM tree, without its newline. */
static char *
ksm_file (KsmBed *bed, const char *name)
{
  g_autofree char *relative = g_build_filename ("sys/kernel/mm/ksm", name, NULL);
  char *text = scratch_read (bed->host->root, relative);
  g_strchomp (text);
  return text;
}

static void
set_ksm_file (KsmBed *bed, const char *name, const char *value)
{
  g_autofree char *relative = g_build_filename ("sys/kernel/mm/ksm", name, NULL);
  scratch_write (bed->host->root, relative, value, -1);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BallastDaemonConfig, ballast_daemon_config_clear)

static BallastDaemonConfig
config_for (KsmBed *bed)
{
  BallastDaemonConfig config;
  ballast_daemon_config_init (&config);
  g_free (config.uri);
  config.uri = g_strdup_printf ("test://%s", bed->domains_xml);
  config.policy_path = g_strdup (bed->policy_path);
  config.interval_msec = 50;
  return config;
}

static BallastDaemon *
daemon_new (BallastDaemonConfig *config, KsmBed *bed, guint max_cycles)
{
  static guint serial;
  g_autoptr(GError) error = NULL;
  g_free (config->socket_path);
  config->socket_path = g_strdup_printf ("%s/ballast-ksm-%d-%u.sock", g_get_tmp_dir (),
                                         (int) getpid (), serial++);
  BallastRunOptions options = { .max_cycles = max_cycles };
  BallastDaemon *daemon = ballast_daemon_new (config, bed->host->paths, &options, &error);
  g_assert_no_error (error);
  /* The test driver has no QEMU: point the manager at the fixture's pid files. */
  ballast_ksm_manager_set_pid_dir (ballast_daemon_get_view (daemon)->ksm, bed->pid_dir);
  return daemon;
}

/* Run CYCLES cycles; the daemon comes back stopped, for reading its state. */
static gboolean
ksm_write_in_flight (BallastDaemon *daemon)
{
  g_autoptr(json_object) status = ballast_daemon_status_json (ballast_daemon_get_view (daemon));
  json_object *ksm = NULL, *in_flight = NULL;
  return json_object_object_get_ex (status, "ksm", &ksm)
         && json_object_object_get_ex (ksm, "write_in_flight", &in_flight)
         && json_object_get_boolean (in_flight);
}

/* Runs CYCLES cycles, then lets a KSM write the last cycle started finish
 * (it runs in a worker thread and reports on the main loop): the files are
 * only read once nothing writes them any more. */
static BallastDaemon *
run_cycles (KsmBed *bed, BallastDaemonConfig *config, guint cycles)
{
  BallastDaemon *daemon = daemon_new (config, bed, cycles);
  g_assert_cmpint (ballast_daemon_run (daemon), ==, 0);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (ksm_write_in_flight (daemon) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (ksm_write_in_flight (daemon));
  return daemon;
}

static json_object *
ksm_status (BallastDaemon *daemon)
{
  g_autoptr(json_object) status = ballast_daemon_status_json (ballast_daemon_get_view (daemon));
  json_object *ksm = NULL;
  g_assert_true (json_object_object_get_ex (status, "ksm", &ksm));
  return json_object_get (ksm);
}

static const char *
string_of (json_object *object, const char *key)
{
  json_object *value = NULL;
  if (!json_object_object_get_ex (object, key, &value) || value == NULL)
    return NULL;
  return json_object_get_string (value);
}

static gint64
int_of (json_object *object, const char *key)
{
  json_object *value = NULL;
  if (!json_object_object_get_ex (object, key, &value) || value == NULL
      || !json_object_is_type (value, json_type_int))
    g_error ("%s is not an integer in %s", key, json_object_to_json_string (object));
  return json_object_get_int64 (value);
}

static gboolean
is_null (json_object *object, const char *key)
{
  json_object *value = NULL;
  return json_object_object_get_ex (object, key, &value) && value == NULL;
}

static json_object *
domain_ksm (BallastDaemon *daemon, const char *name)
{
  BallastDomain *domain = ballast_registry_lookup_name (ballast_daemon_get_view (daemon)->registry, name);
  g_assert_nonnull (domain);
  g_autoptr(json_object) object = ballast_daemon_domain_json (ballast_daemon_get_view (daemon), domain);
  json_object *ksm = NULL;
  g_assert_true (json_object_object_get_ex (object, "ksm", &ksm));
  return json_object_get (ksm);
}

/* ---- Deciding and writing ---- */

static const char ksm_range[] = "<ksm><pages-to-scan><min>200</min><max>5000</max></pages-to-scan></ksm>";

static void
test_short_host_starts_ksmd (void)
{
  /* 1 GiB available of 16: slack far below start (10% of the budget). */
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 1 * GIB, "single", ksm_range);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 4);

  /* Written to sysfs: pages_to_scan into the policy's range, the sleep for
   * a 16 GiB budget, run last. */
  g_autofree char *run = ksm_file (bed, "run");
  g_autofree char *pages = ksm_file (bed, "pages_to_scan");
  g_autofree char *sleep = ksm_file (bed, "sleep_millisecs");
  g_assert_cmpstr (run, ==, "1");
  g_assert_cmpstr (pages, ==, "200");
  g_assert_cmpstr (sleep, ==, "10");

  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "mode"), ==, "auto");
  g_assert_cmpstr (string_of (ksm, "mode_source"), ==, "tenancy single");
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "short");
  g_assert_cmpint (int_of (ksm, "run"), ==, 1);
  /* Savings: pages_sharing + ksm_zero_pages, in the host's page size. */
  g_assert_cmpint (int_of (ksm, "saved_pages"), ==, FIXTURE_PAGES_SHARING);
  g_assert_cmpint (int_of (ksm, "saved_kib"), ==,
                   FIXTURE_PAGES_SHARING * sysconf (_SC_PAGESIZE) / 1024);
  g_assert_cmpint (int_of (ksm, "ksmd_pid"), ==, 37);
  g_assert_cmpint (int_of (ksm, "ksmd_cpu_usec"), >, 0);
  /* The ksmd of the fixture does not move: 0% CPU once there is history. */
  g_assert_cmpint (int_of (ksm, "ksmd_cpu_permille"), ==, 0);
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 3);
  g_assert_cmpint (int_of (ksm, "guests_shareable"), ==, 1);
  g_assert_cmpint (int_of (ksm, "guests_nosharepages"), ==, 1);
  g_assert_cmpint (int_of (ksm, "guests_excluded"), ==, 1);
  g_assert_true (is_null (ksm, "write_error"));

  /* The balloon side saw the host as it is: KSM's savings are not added to
   * the slack (the kernel counts them as free already). */
  const BallastPlan *plan = ballast_daemon_get_view (daemon)->plan;
  const BallastHostSnapshot *host = ballast_daemon_get_view (daemon)->host;
  g_assert_cmpuint (host->budget_available_kib, ==, 1 * GIB);
  g_assert_cmpint (plan->slack_kib, ==, (gint64) (1 * GIB) - (gint64) plan->reserve_kib);

  /* Per guest, from /proc/PID/ksm_stat through libvirt's pid file. */
  g_autoptr(json_object) guest1 = domain_ksm (daemon, "guest1");
  g_assert_cmpstr (string_of (guest1, "share"), ==, "shareable");
  g_assert_cmpint (int_of (guest1, "qemu_pid"), ==, 4242);
  g_assert_cmpint (int_of (guest1, "merged_pages"), ==, FIXTURE_GUEST1_MERGED_PAGES);
  g_assert_cmpint (int_of (guest1, "profit_bytes"), ==, FIXTURE_GUEST1_PROFIT);
  g_autoptr(json_object) private_guest = domain_ksm (daemon, "private");
  g_assert_cmpstr (string_of (private_guest, "share"), ==, "nosharepages");
  g_assert_cmpint (int_of (private_guest, "qemu_pid"), ==, 4243);
  g_assert_cmpint (int_of (private_guest, "merged_pages"), ==, 0);
  g_autoptr(json_object) batch = domain_ksm (daemon, "batch-1");
  g_assert_cmpstr (string_of (batch, "share"), ==, "excluded");
  g_assert_true (is_null (batch, "qemu_pid"));
  g_assert_true (is_null (batch, "merged_kib"));
}

static void
test_plenty_stops_ksmd (void)
{
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 14 * GIB, "single", ksm_range);
  set_ksm_file (bed, "run", "1\n");
  /* ksmtuned runs too: it is shown, so the operator knows who else writes. */
  scratch_write (bed->host->root, "proc/812/comm", "ksmtuned\n", -1);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 3);

  g_autofree char *run = ksm_file (bed, "run");
  g_autofree char *sharing = ksm_file (bed, "pages_sharing");
  g_autofree char *pages = ksm_file (bed, "pages_to_scan");
  g_assert_cmpstr (run, ==, "0");
  /* Stopped, not unmerged: pages_to_scan is left alone, merges stay. */
  g_assert_cmpstr (pages, ==, "100");
  g_assert_cmpstr (sharing, ==, G_STRINGIFY (FIXTURE_PAGES_SHARING));
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "plenty");
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 1);
  g_assert_cmpint (int_of (ksm, "ksmtuned_pid"), ==, 812);
}

static void
test_between_thresholds_changes_nothing (void)
{
  /* Slack 15% of the budget, between start (10%) and stop (20%), with a
   * reserve of 1 GiB: 4 GiB available of 16 GiB is 3 GiB of slack. */
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 3584 * MIB, "single", ksm_range);
  set_ksm_file (bed, "pages_to_scan", "300\n");
  g_auto (BallastDaemonConfig) config = config_for (bed);
  config.reserve_set = TRUE;
  config.reserve = (BallastAmount) { .kib = 1 * GIB };
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 3);
  g_autofree char *run = ksm_file (bed, "run");
  g_assert_cmpstr (run, ==, "0");
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "band");
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 0);
}

static void
test_dry_run_writes_nothing (void)
{
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 1 * GIB, "single", ksm_range);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  config.dry_run = TRUE;
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 3);
  g_autofree char *run = ksm_file (bed, "run");
  g_autofree char *pages = ksm_file (bed, "pages_to_scan");
  g_assert_cmpstr (run, ==, "0");
  g_assert_cmpstr (pages, ==, "100");
  /* ... but it decides, and says what it would do. */
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "short");
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 0);
}

static void
test_untrusted_tenants_unmerge (void)
{
  /* Merged pages between tenants that must not see each other: mode off,
   * and an unmerge (run=2) as the host has room for the 14.7 MiB. */
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 14 * GIB, "multi", "");
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 2);
  g_autofree char *run = ksm_file (bed, "run");
  g_assert_cmpstr (run, ==, "2");
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "mode"), ==, "off");
  g_assert_cmpstr (string_of (ksm, "mode_source"), ==, "tenancy multi");
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "off-unmerge");
}

static void
test_untrusted_tenants_no_room_keeps_merged (void)
{
  /* No room: unmerging would give back memory the host does not have. */
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 1 * GIB, "multi", "");
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 2);
  g_autofree char *run = ksm_file (bed, "run");
  g_assert_cmpstr (run, ==, "0");
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "off-keep-merged");
}

static void
test_default_policy_leaves_ksm_alone (void)
{
  /* No <ksm>, no tenancy: ballast reports but does not manage. A ksmd the
   * operator started keeps running, even on a host with plenty of room
   * (where mode off would stop it). */
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 12 * GIB, NULL, "");
  g_autofree char *ksm_dir = g_build_filename (bed->host->root, "sys", "kernel", "mm", "ksm", NULL);
  scratch_write (ksm_dir, "run", "1\n", -1);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 2);
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_cmpstr (string_of (ksm, "mode_source"), ==, "not managed: no <ksm> in the policy");
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 0);
  g_autofree char *run = ksm_file (bed, "run");
  g_assert_cmpstr (run, ==, "1");
}

static void
test_no_ksm_in_kernel (void)
{
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 1 * GIB, "single", ksm_range);
  g_autofree char *dir = g_build_filename (bed->host->root, "sys", "kernel", "mm", "ksm", NULL);
  scratch_remove_tree (dir);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 2);
  g_autoptr(json_object) ksm = ksm_status (daemon);
  g_assert_false (json_object_get_boolean (json_object_object_get (ksm, "available")));
  g_assert_cmpstr (string_of (ksm, "unavailable_reason"), ==, "no KSM in this kernel");
  g_assert_true (is_null (ksm, "reason"));
  /* The balloons are managed as ever. */
  g_assert_cmpuint (ballast_daemon_get_view (daemon)->counters->cycles, ==, 2);
  g_assert_nonnull (ballast_daemon_get_view (daemon)->plan);
}

static void
test_refused_write_is_reported (void)
{
  /* A file root may read but not write, as ballastd not running as root
   * finds sysfs: a read-only sysctl (its mode is enforced for root too)
   * in place of sleep_millisecs. */
  const char *read_only = "/proc/sys/kernel/ngroups_max";
  if (access (read_only, R_OK) != 0)
    {
      g_test_skip ("no /proc/sys/kernel/ngroups_max");
      return;
    }
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 1 * GIB, "single", ksm_range);
  g_autofree char *sleep = g_build_filename (bed->host->root, "sys/kernel/mm/ksm/sleep_millisecs", NULL);
  g_assert_cmpint (g_remove (sleep), ==, 0);
  g_assert_cmpint (symlink (read_only, sleep), ==, 0);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  g_autoptr(BallastDaemon) daemon = run_cycles (bed, &config, 4);

  g_autoptr(json_object) ksm = ksm_status (daemon);
  /* pages_to_scan was written, sleep_millisecs refused, run never reached
   * (writes stop at the first failure), and none tried again. */
  g_autofree char *pages = ksm_file (bed, "pages_to_scan");
  g_autofree char *run = ksm_file (bed, "run");
  g_assert_cmpstr (pages, ==, "200");
  g_assert_cmpstr (run, ==, "0");
  g_assert_nonnull (strstr (string_of (ksm, "write_error"), "sleep_millisecs"));
  g_assert_false (json_object_get_boolean (json_object_object_get (ksm, "writable")));
  g_assert_cmpint (int_of (ksm, "write_failures_total"), ==, 1);
  g_assert_cmpint (int_of (ksm, "writes_total"), ==, 1);
  /* It goes on deciding. */
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "short");
}

/* ---- The control methods, through the socket and dispatch ---- */

typedef struct {
  KsmBed *bed;
} ClientState;

static json_object *
call (BallastClient *client, const char *method, json_object *params, GError **error)
{
  return ballast_client_call (client, method, params, error);
}

static json_object *
call_ok (BallastClient *client, const char *method, json_object *params)
{
  g_autoptr(GError) error = NULL;
  json_object *result = call (client, method, params, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* Poll `status` until ksm[KEY] is VALUE (a string) or 5 s pass. */
static gboolean
wait_status (BallastClient *client, const char *key, const char *value)
{
  for (int i = 0; i < 100; i++)
    {
      g_autoptr(json_object) status = call_ok (client, "status", NULL);
      json_object *ksm = json_object_object_get (status, "ksm");
      json_object *field = json_object_object_get (ksm, key);
      if (field != NULL && g_strcmp0 (json_object_get_string (field), value) == 0)
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static gboolean
wait_file (KsmBed *bed, const char *name, const char *value)
{
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *text = ksm_file (bed, name);
      if (g_strcmp0 (text, value) == 0)
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static void
control_client (const char *socket_path, gpointer user_data)
{
  ClientState *state = user_data;
  KsmBed *bed = state->bed;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastClient) client = ballast_client_connect (socket_path, &error);
  g_assert_no_error (error);

  /* Plenty of room under auto: ksmd stays stopped. */
  g_assert_true (wait_status (client, "reason", "plenty"));
  g_autoptr(json_object) report = call_ok (client, "ksm", NULL);
  json_object *guests = json_object_object_get (report, "guests");
  g_assert_cmpint (json_object_array_length (guests), ==, 3);
  json_object *first = json_object_array_get_idx (guests, 1); /* sorted: batch-1, guest1, private */
  g_assert_cmpstr (string_of (first, "name"), ==, "guest1");
  g_assert_cmpint (int_of (first, "merged_pages"), ==, FIXTURE_GUEST1_MERGED_PAGES);

  /* ksm-set --mode on, pages_to_scan 400..800: ksmd starts, clamped to 400. */
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "mode", json_object_new_string ("on"));
  json_object_object_add (params, "pages_to_scan_min", json_object_new_int (400));
  json_object_object_add (params, "pages_to_scan_max", json_object_new_int (800));
  g_autoptr(json_object) set = call_ok (client, "ksm-set", params);
  g_assert_cmpstr (string_of (set, "mode_source"), ==, "ksm-set");
  g_assert_nonnull (strstr (string_of (set, "note"), "policy reload"));
  g_assert_true (wait_file (bed, "run", "1"));
  g_assert_true (wait_file (bed, "pages_to_scan", "400"));
  g_autoptr(json_object) status = call_ok (client, "status", NULL);
  json_object *ksm = json_object_object_get (status, "ksm");
  g_assert_cmpstr (string_of (ksm, "reason"), ==, "on");
  json_object *override = json_object_object_get (ksm, "override");
  g_assert_cmpstr (string_of (override, "mode"), ==, "on");
  g_assert_cmpint (int_of (override, "pages_to_scan_max"), ==, 800);

  /* Bad overrides are refused, the one in effect stays. */
  params = json_object_new_object ();
  json_object_object_add (params, "pages_to_scan_min", json_object_new_int (900));
  g_autoptr(json_object) refused = call (client, "ksm-set", params, &error);
  g_assert_null (refused);
  g_assert_nonnull (strstr (error->message, "min 900 is above max 800"));
  g_clear_error (&error);
  params = json_object_new_object ();
  json_object_object_add (params, "mode", json_object_new_string ("sometimes"));
  g_autoptr(json_object) bad_mode = call (client, "ksm-set", params, &error);
  g_assert_null (bad_mode);
  g_assert_nonnull (strstr (error->message, "expected auto, on or off"));
  g_clear_error (&error);
  g_autoptr(json_object) nothing = call (client, "ksm-set", NULL, &error);
  g_assert_null (nothing);
  g_clear_error (&error);

  /* --unmerge: ksmd stopped, every page unmerged (run=2), mode off. The
   * fake kernel then reads as the real one would: nothing merged. */
  params = json_object_new_object ();
  json_object_object_add (params, "unmerge", json_object_new_boolean (TRUE));
  g_autoptr(json_object) unmerge = call_ok (client, "ksm-set", params);
  g_assert_cmpstr (string_of (unmerge, "mode"), ==, "off");
  g_assert_true (json_object_get_boolean (json_object_object_get (unmerge, "unmerge_requested")));
  g_assert_true (wait_file (bed, "run", "2"));
  set_ksm_file (bed, "pages_shared", "0\n");
  set_ksm_file (bed, "pages_sharing", "0\n");
  g_assert_true (wait_status (client, "unmerge_requested", "false"));
  g_assert_true (wait_status (client, "saved_kib", "0"));

  /* A policy reload drops the override: the file's mode applies again. */
  ksm_bed_set_policy (bed, "single", ksm_range);
  g_autoptr(json_object) reloaded = call_ok (client, "policy-reload", NULL);
  g_assert_true (wait_status (client, "mode_source", "tenancy single"));
  g_autoptr(json_object) after = call_ok (client, "status", NULL);
  g_assert_true (is_null (json_object_object_get (after, "ksm"), "override"));

  /* With tenancy multi, ksm-set refuses to turn KSM on. */
  ksm_bed_set_policy (bed, "multi", "");
  g_autoptr(json_object) multi = call_ok (client, "policy-reload", NULL);
  params = json_object_new_object ();
  json_object_object_add (params, "mode", json_object_new_string ("auto"));
  g_autoptr(json_object) untrusted = call (client, "ksm-set", params, &error);
  g_assert_null (untrusted);
  g_assert_nonnull (strstr (error->message, "tenancy='multi'"));
  g_clear_error (&error);
}

typedef struct {
  BallastDaemon *daemon;
  const char *socket_path;
  HarnessClientFunc body;
  gpointer user_data;
} ClientRun;

static gboolean
quit_daemon (gpointer daemon)
{
  ballast_daemon_quit (daemon);
  return G_SOURCE_REMOVE;
}

static gpointer
client_thread (gpointer data)
{
  ClientRun *run = data;
  run->body (run->socket_path, run->user_data);
  g_idle_add (quit_daemon, run->daemon);
  return NULL;
}

/* run_daemon_with_client(), with the pid files of the bed. */
static BallastDaemon *
run_with_client (KsmBed *bed, BallastDaemonConfig *config, HarnessClientFunc body,
                 gpointer user_data)
{
  BallastDaemon *daemon = daemon_new (config, bed, 0);
  ClientRun run = { daemon, config->socket_path, body, user_data };
  GThread *thread = g_thread_new ("ksm-client", client_thread, &run);
  g_assert_cmpint (ballast_daemon_run (daemon), ==, 0);
  g_thread_join (thread);
  return daemon;
}

static json_object *
dispatch_as (BallastDaemon *daemon, const BallastPeer *peer, const char *line,
             const char **ret_code, GError **error)
{
  const char *parse_code = NULL;
  g_autoptr(json_object) id = NULL;
  g_autoptr(BallastRequest) request = ballast_request_parse (line, strlen (line), &parse_code, &id,
                                                             error);
  g_assert_nonnull (request);
  return ballast_control_dispatch (ballast_daemon_get_control_target (daemon), request, peer, ret_code, error);
}

static void
test_control_methods (void)
{
  g_autoptr(KsmBed) bed = ksm_bed_new (16 * GIB, 14 * GIB, "single", ksm_range);
  g_auto (BallastDaemonConfig) config = config_for (bed);
  ClientState state = { .bed = bed };
  g_autoptr(BallastDaemon) daemon = run_with_client (bed, &config, control_client, &state);

  /* Read-only peers may look, not change. */
  BallastPeer reader = { .uid = 65534, .pid = 1, .privileged = FALSE };
  g_autoptr(GError) error = NULL;
  const char *code = NULL;
  g_autoptr(json_object) refused = dispatch_as (daemon, &reader,
                                                "{\"method\":\"ksm-set\",\"params\":{\"mode\":\"off\"}}",
                                                &code, &error);
  g_assert_null (refused);
  g_assert_cmpstr (code, ==, BALLAST_ERR_PERMISSION);
  g_clear_error (&error);
  g_autoptr(json_object) seen = dispatch_as (daemon, &reader, "{\"method\":\"ksm\"}", &code, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (string_of (seen, "tenancy"), ==, "multi");
}

/* ---- Off the main loop ---- */

typedef struct {
  GMainLoop *loop;
  BallastKsmActuation *actuation;
  guint ticks;
} ActuateWait;

static void
on_actuated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ActuateWait *wait = user_data;
  g_autoptr(GError) error = NULL;
  wait->actuation = ballast_ksm_actuate_finish (result, &error);
  g_assert_no_error (error);
  g_main_loop_quit (wait->loop);
}

static gboolean
on_tick (gpointer user_data)
{
  ActuateWait *wait = user_data;
  wait->ticks++;
  if (wait->ticks == 10)
    g_main_loop_quit (wait->loop);
  return G_SOURCE_CONTINUE;
}

static void
test_unmerge_write_off_main_loop (void)
{
  /* "run" is a FIFO: the writer blocks in open(2) until someone reads, as
   * write(2) of 2 blocks for the whole unmerge in the real kernel. The
   * main loop must go on meanwhile. */
  g_autofree char *root = g_dir_make_tmp ("ballast-ksm-fifo-XXXXXX", NULL);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autofree char *dir = g_build_filename (root, "sys", "kernel", "mm", "ksm", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_autofree char *run = g_build_filename (dir, "run", NULL);
  g_assert_cmpint (mkfifo (run, 0600), ==, 0);

  BallastKsmState current = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *capture = scratch_load_fixture ("host/ksm-sysfs.txt");
  g_assert_true (ballast_ksm_parse_capture (capture, "fixture", &current, &error));
  BallastKsmTunables wanted = { .set = BALLAST_KSM_SET_RUN, .run = BALLAST_KSM_RUN_UNMERGE };
  BallastKsmWritePlan *plan = ballast_ksm_plan_writes (&current, &wanted, &error);
  g_assert_no_error (error);
  g_assert_true (plan->blocking);

  ActuateWait wait = { .loop = g_main_loop_new (NULL, FALSE) };
  ballast_ksm_actuate_async (paths, plan, NULL, on_actuated, &wait);
  guint tick = g_timeout_add (10, on_tick, &wait);
  g_main_loop_run (wait.loop);
  /* Ten ticks went by with the write still blocked. */
  g_assert_cmpuint (wait.ticks, ==, 10);
  g_assert_null (wait.actuation);

  int fd = open (run, O_RDONLY);
  g_assert_cmpint (fd, >=, 0);
  char text[8] = { 0 };
  g_main_loop_run (wait.loop); /* the writer opened: it writes and finishes */
  g_assert_cmpint (read (fd, text, sizeof text - 1), ==, 2);
  close (fd);
  g_assert_cmpstr (text, ==, "2\n");
  g_source_remove (tick);
  g_assert_nonnull (wait.actuation);
  g_assert_null (wait.actuation->error);
  g_assert_true (wait.actuation->unmerged);
  g_assert_cmpuint (wait.actuation->made->len, ==, 1);
  g_assert_cmpstr (wait.actuation->made->pdata[0], ==, "run 0 -> 2");
  ballast_ksm_actuation_free (wait.actuation);
  g_main_loop_unref (wait.loop);
  scratch_remove_tree (root);
}

static void
test_actuation_stops_at_first_failure (void)
{
  g_autofree char *root = g_dir_make_tmp ("ballast-ksm-fail-XXXXXX", NULL);
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  scratch_write (root, "sys/kernel/mm/ksm/pages_to_scan", "100\n", -1);
  /* sleep_millisecs and run are missing: apply never creates files. */
  BallastKsmState current = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *capture = scratch_load_fixture ("host/ksm-sysfs.txt");
  g_assert_true (ballast_ksm_parse_capture (capture, "fixture", &current, &error));
  BallastKsmTunables wanted = {
    .set = BALLAST_KSM_SET_RUN | BALLAST_KSM_SET_PAGES_TO_SCAN | BALLAST_KSM_SET_SLEEP_MILLISECS,
    .run = BALLAST_KSM_RUN_MERGE, .pages_to_scan = 500, .sleep_millisecs = 15,
  };
  BallastKsmWritePlan *plan = ballast_ksm_plan_writes (&current, &wanted, &error);
  g_assert_no_error (error);
  ActuateWait wait = { .loop = g_main_loop_new (NULL, FALSE) };
  ballast_ksm_actuate_async (paths, plan, NULL, on_actuated, &wait);
  g_main_loop_run (wait.loop);
  g_assert_cmpuint (wait.actuation->made->len, ==, 1);
  g_assert_cmpstr (wait.actuation->made->pdata[0], ==, "pages_to_scan 100 -> 500");
  g_assert_nonnull (strstr (wait.actuation->error, "sleep_millisecs"));
  g_assert_false (wait.actuation->unmerged);
  g_autofree char *written = scratch_read (root, "sys/kernel/mm/ksm/pages_to_scan");
  g_assert_cmpstr (written, ==, "500\n");
  ballast_ksm_actuation_free (wait.actuation);
  g_main_loop_unref (wait.loop);
  scratch_remove_tree (root);
}

/* ---- Remote: libvirt's node memory parameters ---- */

static void
test_remote_read_without_driver_support (void)
{
  /* The test driver has no node memory parameters: "not available
   * (driver)", not an error that repeats every cycle. */
  g_autoptr(virConnect) conn = virConnectOpen ("test:///default");
  g_assert_nonnull (conn);
  BallastKsmState state;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_ksm_remote_read (conn, &state, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  harness_init (&argc, &argv);
  g_test_add_func ("/ksm-daemon/short-host-starts-ksmd", test_short_host_starts_ksmd);
  g_test_add_func ("/ksm-daemon/plenty-stops-ksmd", test_plenty_stops_ksmd);
  g_test_add_func ("/ksm-daemon/between-thresholds-changes-nothing", test_between_thresholds_changes_nothing);
  g_test_add_func ("/ksm-daemon/dry-run-writes-nothing", test_dry_run_writes_nothing);
  g_test_add_func ("/ksm-daemon/untrusted-tenants-unmerge", test_untrusted_tenants_unmerge);
  g_test_add_func ("/ksm-daemon/untrusted-tenants-no-room", test_untrusted_tenants_no_room_keeps_merged);
  g_test_add_func ("/ksm-daemon/default-policy", test_default_policy_leaves_ksm_alone);
  g_test_add_func ("/ksm-daemon/no-ksm-in-kernel", test_no_ksm_in_kernel);
  g_test_add_func ("/ksm-daemon/refused-write-reported", test_refused_write_is_reported);
  g_test_add_func ("/ksm-daemon/control-methods", test_control_methods);
  g_test_add_func ("/ksm-actuator/unmerge-off-main-loop", test_unmerge_write_off_main_loop);
  g_test_add_func ("/ksm-actuator/stops-at-first-failure", test_actuation_stops_at_first_failure);
  g_test_add_func ("/ksm-remote/driver-without-support", test_remote_read_without_driver_support);
  return g_test_run ();
}
