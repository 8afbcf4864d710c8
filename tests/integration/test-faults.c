/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Faults the daemon must survive, produced against the real daemon loop
 * and libvirt's test driver, in-process:
 *
 *  - a domain destroyed, or gone altogether (as when migrated away),
 *    between the stats and the actuation: another connection destroys it
 *    from the worker's hook between the decision and the balloon change;
 *  - guest stats with absurd or missing fields, a guest whose driver stops
 *    reporting and starts again, a guest that reboots (counters reset), a
 *    greedy guest that always reports pressure and one that reports all of
 *    its memory free: libvirt's test driver reports fixed made-up stats
 *    (usable = current / 2, last-update frozen) and cannot produce any of
 *    these, nor can a real guest kernel produce contradictory figures, so
 *    a small fake stands in for the guest's report alone: the
 *    worker's collect hook rewrites the stats of the collection, after the
 *    real calls, from a model of each guest and of the host. Everything
 *    else (the domains, the balloon changes, the loop) is real. The real
 *    guests' versions of these (driver unloaded, stats period 0, reset)
 *    are in tests/e2e/test-guest-faults.sh;
 *  - /proc/meminfo removed, garbage, inconsistent, a directory, too large;
 *    the guests' cgroup removed: the daemon holds every balloon, says why in
 *    status, and recovers when the file comes back;
 *  - on-exit=restore and keep, on a real SIGTERM: memory goes back as far
 *    as the host can afford, bounded in time; a second signal exits at once.
 */
#include "daemon-harness.h"

#include "exit-policy.h"
#include "json-util.h"
#include "libvirt-util.h"
#include "../unit/scratch-tree.h"
#include "libvirt-worker.h"
#include "metrics.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

/* test:///default is shared by every connection to it while one is open:
 * this one is "another connection" to the daemon's test driver. */
static virConnectPtr default_conn;

static BallastDaemonConfig
config_for (const char *uri)
{
  BallastDaemonConfig config = harness_config_for (uri);
  /* The test driver's last-update never moves: with the default 5 s period
   * its guests would count as stale after 15 s. */
  config.stats_period_sec = 3600;
  return config;
}

static BallastDomain *
registry_domain (BallastDaemon *daemon, const char *name)
{
  return ballast_registry_lookup_name (ballast_daemon_get_view (daemon)->registry, name);
}

/* With BALLOON_ATTRIBUTES (" autodeflate='on'", say) on its <memballoon>. */
static char *
domain_xml_with_balloon (const char *name, guint64 max_kib, guint64 current_kib,
                         const char *balloon_attributes)
{
  return g_strdup_printf ("<domain type='test'><name>%s</name>"
                          "<memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>"
                          "<currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>"
                          "<os><type>hvm</type></os>"
                          "<devices><memballoon model='virtio'%s/></devices></domain>",
                          name, max_kib, current_kib, balloon_attributes);
}

static char *
domain_xml (const char *name, guint64 max_kib, guint64 current_kib)
{
  return domain_xml_with_balloon (name, max_kib, current_kib, "");
}

/* A test:///FILE URI in DIR for two guests of MAX_KIB: NAME with
 * BALLOON_ATTRIBUTES, OTHER a plain one. */
static char *
write_balloon_pair (const char *dir, guint64 max_kib, const char *name,
                    const char *balloon_attributes, const char *other)
{
  g_autofree char *special = domain_xml_with_balloon (name, max_kib, max_kib, balloon_attributes);
  g_autofree char *plain = domain_xml (other, max_kib, max_kib);
  g_autofree char *path = g_build_filename (dir, "domains.xml", NULL);
  g_autofree char *text = g_strdup_printf ("<node>\n  %s\n  %s\n</node>\n", special, plain);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("test://%s", path);
}

/* A test:///FILE URI for domains NAMES, each MAX_KIB max and CURRENT_KIB
 * current. The file lives in DIR. */
static char *
write_domains (const char *dir, const char *const *names, guint64 max_kib, guint64 current_kib)
{
  g_autoptr(GString) xml = g_string_new ("<node>\n");
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *one = domain_xml (names[i], max_kib, current_kib);
      g_string_append_printf (xml, "  %s\n", one);
    }
  g_string_append (xml, "</node>\n");
  g_autofree char *path = g_build_filename (dir, "domains.xml", NULL);
  g_assert_true (g_file_set_contents (path, xml->str, -1, NULL));
  return g_strdup_printf ("test://%s", path);
}

static void
remove_dir (const char *dir)
{
  g_autofree char *xml = g_build_filename (dir, "domains.xml", NULL);
  g_unlink (xml);
  g_autofree char *policy = g_build_filename (dir, "policy.xml", NULL);
  g_unlink (policy);
  g_rmdir (dir);
}

static json_object *
list_entry (json_object *list, const char *name)
{
  json_object *domains = harness_json_path (list, "domains", NULL);
  for (size_t i = 0; domains != NULL && i < json_object_array_length (domains); i++)
    {
      json_object *entry = json_object_array_get_idx (domains, i);
      if (g_strcmp0 (json_object_get_string (harness_json_path (entry, "name", NULL)), name) == 0)
        return entry;
    }
  g_error ("no domain %s in the list", name);
}

static const char *
entry_string (json_object *entry, const char *key)
{
  return json_object_get_string (harness_json_path (entry, key, NULL));
}

static gint64
entry_int (json_object *entry, const char *key)
{
  return json_object_get_int64 (harness_json_path (entry, key, NULL));
}

/* ---- A domain gone between stats and actuation ---- */

typedef struct {
  gint fired;
} DestroyState;

/* On the worker thread, between the decision and the balloon changes: the
 * first batch that changes both victims sees them destroyed first, from
 * another connection. */
static void
destroy_victims_before_apply (GPtrArray *items, gpointer user_data)
{
  DestroyState *state = user_data;
  gboolean kept = FALSE, gone = FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      BallastApplyItem *item = items->pdata[i];
      kept |= g_strcmp0 (virDomainGetName (item->domain), "fault-kept") == 0;
      gone |= g_strcmp0 (virDomainGetName (item->domain), "fault-gone") == 0;
    }
  if (!kept || !gone || g_atomic_int_get (&state->fired))
    return;
  g_atomic_int_set (&state->fired, 1);
  const char *const victims[] = { "fault-kept", "fault-gone" };
  for (gsize i = 0; i < G_N_ELEMENTS (victims); i++)
    {
      g_autoptr(virDomain) domain = virDomainLookupByName (default_conn, victims[i]);
      g_assert_nonnull (domain);
      g_assert_cmpint (virDomainDestroy (domain), ==, 0);
    }
}

static void
test_domain_gone_before_apply (void)
{
  /* "fault-kept" is persistent: destroyed, it stays defined but stopped.
   * "fault-gone" is transient: destroyed, it is gone, as after a
   * migration away. "test" is changed in the same batch. */
  g_autofree char *kept_xml = domain_xml ("fault-kept", 2 * GIB, 1 * GIB);
  g_autofree char *gone_xml = domain_xml ("fault-gone", 2 * GIB, 1 * GIB);
  g_autoptr(virDomain) kept = virDomainDefineXML (default_conn, kept_xml);
  g_assert_nonnull (kept);
  g_assert_cmpint (virDomainCreate (kept), ==, 0);
  g_autoptr(virDomain) gone = virDomainCreateXML (default_conn, gone_xml, 0);
  g_assert_nonnull (gone);
  g_autoptr(virDomain) test = virDomainLookupByName (default_conn, "test");
  g_assert_cmpint (virDomainSetMemoryFlags (test, 2 * GIB, VIR_DOMAIN_AFFECT_LIVE), ==, 0);

  /* Spare memory: every balloon grows, so every domain is in the batch. */
  g_autoptr(FakeHost) host = fake_host_new (32 * GIB, 20 * GIB);
  BallastDaemonConfig config = config_for ("test:///default");
  DestroyState state = { 0 };
  ballast_worker_set_test_hooks (NULL, destroy_victims_before_apply, &state);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 4);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  g_assert_cmpint (g_atomic_int_get (&state.fired), ==, 1);
  /* Normal, so at debug, and not a failure. */
  g_assert_cmpuint (harness_log_count ("DEBUG", "fault-kept: gone before its balloon could be set", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("DEBUG", "fault-gone: gone before its balloon could be set", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "fault-", NULL), ==, 0);
  const BallastDaemonCounters *counters = ballast_daemon_get_view (daemon)->counters;
  g_assert_cmpuint (counters->changes_failed, ==, 0);
  /* The rest of the batch went through, and the daemon carried on. */
  g_assert_cmpuint (counters->cycles, ==, 4);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "test"), ==, 8 * GIB);
  g_assert_null (registry_domain (daemon, "fault-gone"));
  g_assert_cmpuint (harness_log_count ("MESSAGE", "fault-gone: no longer defined, forgotten", NULL), ==, 1);
  BallastDomain *stopped = registry_domain (daemon, "fault-kept");
  g_assert_nonnull (stopped);
  g_assert_false (stopped->active);
  g_assert_cmpint (stopped->classification.status, ==, BALLAST_GUEST_UNMANAGED);
  g_assert_cmpstr (stopped->classification.reason, ==, "not running");
  harness_log_capture_end ();

  g_assert_cmpint (virDomainUndefine (kept), ==, 0);
  ballast_daemon_config_clear (&config);
}

/* A change libvirt refuses is logged with libvirt's own message: asking
 * whether the connection is still alive once cleared it ("no error"). */
static void
ask_above_max_before_apply (GPtrArray *items, gpointer user_data)
{
  for (guint i = 0; i < items->len; i++)
    {
      BallastApplyItem *item = items->pdata[i];
      if (item->kind == BALLAST_APPLY_BALLOON)
        item->target_kib = 64 * GIB;
    }
}

static void
test_refused_change_says_why (void)
{
  g_autoptr(FakeHost) host = fake_host_new (32 * GIB, 20 * GIB);
  BallastDaemonConfig config = config_for ("test:///default");
  g_autoptr(virDomain) test = virDomainLookupByName (default_conn, "test");
  g_assert_cmpint (virDomainSetMemoryFlags (test, 2 * GIB, VIR_DOMAIN_AFFECT_LIVE), ==, 0);
  ballast_worker_set_test_hooks (NULL, ask_above_max_before_apply, NULL);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 2);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  g_assert_cmpuint (harness_log_count ("WARNING", "test: cannot set balloon", "-> 64.0 GiB", NULL), >=, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "test: cannot set balloon", "no error", NULL), ==, 0);
  g_assert_cmpuint (harness_log_count ("WARNING", "test: cannot set balloon", "memory", NULL), >=, 1);
  harness_log_capture_end ();
  g_assert_cmpuint (ballast_daemon_get_view (daemon)->counters->changes_failed, >=, 1);
  ballast_daemon_config_clear (&config);
}

/* ---- Libvirt jobs: migrations in and out ---- */

/* What libvirt would say of two guests in a migration: "arriving" comes
 * in (paused for it, no stats yet), "leaving" goes out. The test driver
 * has no migrations and no jobs (virDomainGetJobStats is not supported:
 * none), so the collect hook puts the job query's answer in, as
 * ballast_query_job() would have it; everything else is real. From cycle
 * FAIL_AT the query of "leaving" fails; from END_AT both jobs are over. */
typedef struct {
  guint cycle;
  guint fail_at;
  guint end_at;
  gint changed_in_job;      /* apply items for a guest while in its job */
  BallastDaemon *daemon;
} MigrationWorld;

static void
migration_report (BallastCollectResult *result, gpointer user_data)
{
  MigrationWorld *world = user_data;
  world->cycle++;
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      gboolean arriving = g_strcmp0 (collected->name, "arriving") == 0;
      gboolean leaving = g_strcmp0 (collected->name, "leaving") == 0;
      if (!arriving && !leaving)
        continue;
      collected->job_queried = TRUE;
      g_clear_pointer (&collected->job_error, g_free);
      collected->job = BALLAST_JOB_NONE;
      if (world->cycle >= world->end_at)
        continue;
      if (arriving)
        {
          collected->state = VIR_DOMAIN_PAUSED;
          collected->state_reason = VIR_DOMAIN_PAUSED_MIGRATION;
          collected->has_stats = FALSE;
          collected->job = BALLAST_JOB_MIGRATION_IN;
        }
      else if (world->cycle >= world->fail_at)
        collected->job_error = g_strdup ("cannot ask libvirt whether a job runs on leaving: "
                                         "internal error: client socket is closed");
      else
        collected->job = BALLAST_JOB_MIGRATION_OUT;
    }
}

static void
count_changes_in_job (GPtrArray *items, gpointer user_data)
{
  MigrationWorld *world = user_data;
  if (world->cycle >= world->end_at)
    return;
  for (guint i = 0; i < items->len; i++)
    {
      const char *name = virDomainGetName (((BallastApplyItem *) items->pdata[i])->domain);
      if (g_strcmp0 (name, "arriving") == 0 || g_strcmp0 (name, "leaving") == 0)
        g_atomic_int_inc (&world->changed_in_job);
    }
}

static void
test_migration_jobs (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  /* 8 GiB guests at 6 GiB: the donor uses 3 GiB of it (the test driver
   * reports half the balloon usable). */
  const char *const names[] = { "arriving", "leaving", "donor", NULL };
  g_autofree char *uri = write_domains (dir, names, 8 * GIB, 6 * GIB);
  /* 16 GiB, 6 GiB available: 4.4 GiB spare over the reserve, until the
   * 8 GiB arriving guest is counted. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 6 * GIB);
  MigrationWorld world = { .fail_at = 4, .end_at = 7 };
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  harness_log_capture_begin ();
  ballast_worker_set_test_hooks (migration_report, count_changes_in_job, &world);
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 9);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  /* In their jobs: never changed, said why. */
  g_assert_cmpint (g_atomic_int_get (&world.changed_in_job), ==, 0);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "arriving: in-job: incoming migration for 0 s",
                                       "8.0 GiB still to arrive counted as used (its maximum until it reports)",
                                       NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "leaving: in-job: outgoing migration for 0 s: "
                                       "not resized until it ends", NULL), ==, 1);
  /* A query that fails changes nothing: still in its job, said once. */
  g_assert_cmpuint (harness_log_count ("WARNING", "leaving: cannot ask libvirt whether a job runs",
                                       "still taken as in its job", NULL), ==, 1);
  /* The arriving guest's maximum was owed: the donor gave it, and said so. */
  g_assert_cmpuint (harness_log_count ("MESSAGE", "donor: balloon 6.0 GiB ->",
                                       "counting 8.0 GiB still to arrive with incoming migrations",
                                       NULL), ==, 1);

  /* Over: managed again, the leaving guest never changed meanwhile, and
   * nothing more owed. */
  BallastDomain *arriving = registry_domain (daemon, "arriving");
  BallastDomain *leaving = registry_domain (daemon, "leaving");
  g_assert_cmpint (arriving->classification.status, ==, BALLAST_GUEST_MANAGED);
  g_assert_cmpint (leaving->classification.status, ==, BALLAST_GUEST_MANAGED);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "arriving: incoming migration over after", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "leaving: outgoing migration over after", NULL), ==, 1);
  g_assert_cmpuint (ballast_daemon_get_view (daemon)->plan->arriving_kib, ==, 0);
  harness_log_capture_end ();
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- A model of guests and host, for the stats libvirt cannot fake ---- */

typedef enum {
  GUEST_HONEST,     /* uses used_kib, reports it truthfully */
  GUEST_STUCK,      /* honest, but its balloon never moves (refuses every target) */
  GUEST_GREEDY,     /* always out of memory and swapping in */
  GUEST_LIAR,       /* reports all of its memory as free */
} GuestKind;

typedef struct {
  const char *name;
  GuestKind kind;
  guint64 used_kib;
} GuestModel;

typedef struct {
  FakeHost *host;
  guint64 base_available_kib;  /* the host's available memory with every
                                * balloon where it started */
  guint64 start_kib;           /* where every balloon started */
  const GuestModel *guests;
  gsize n_guests;
  gint reports;
  gint64 returned_kib;         /* by the balloons at the last report */
} World;

/* On the worker thread, after the real collection: each modelled guest
 * reports afresh (last-update moves) what it would for its balloon's real
 * size, and the host's available memory follows the balloons. */
static void
world_report (BallastCollectResult *result, gpointer user_data)
{
  World *world = user_data;
  gint report = g_atomic_int_add (&world->reports, 1) + 1;
  gint64 returned_kib = 0;
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      const GuestModel *model = NULL;
      for (gsize g = 0; g < world->n_guests; g++)
        if (g_strcmp0 (world->guests[g].name, collected->name) == 0)
          model = &world->guests[g];
      if (model == NULL || !collected->has_stats)
        continue;
      guint64 actual = model->kind == GUEST_STUCK ? world->start_kib : collected->stats.actual_kib;
      returned_kib += (gint64) world->start_kib - (gint64) actual;
      BallastBalloonStats stats = {
        .present = BALLAST_STAT_ACTUAL | BALLAST_STAT_AVAILABLE | BALLAST_STAT_USABLE
                   | BALLAST_STAT_UNUSED | BALLAST_STAT_SWAP_IN | BALLAST_STAT_MAJOR_FAULT
                   | BALLAST_STAT_LAST_UPDATE,
        .actual_kib = actual,
        .available_kib = actual,
        .last_update_sec = 1700000000 + report,
      };
      switch (model->kind)
        {
        case GUEST_HONEST:
        case GUEST_STUCK:
          stats.usable_kib = actual > model->used_kib ? actual - model->used_kib : 0;
          break;
        case GUEST_GREEDY:
          /* 16 MiB free and 100 MiB/s swapped in, whatever it is given. */
          stats.usable_kib = 16 * MIB;
          stats.swap_in_kib = (guint64) report * 100 * MIB;
          break;
        case GUEST_LIAR:
          stats.usable_kib = actual;
          break;
        }
      stats.unused_kib = stats.usable_kib;
      collected->stats = stats;
    }
  world->returned_kib = returned_kib;
  if (world->host != NULL)
    {
      gint64 available = (gint64) world->base_available_kib + returned_kib;
      fake_host_set_available (world->host, (guint64) MAX (available, 0));
    }
}

/* Every balloon size DOMAIN was given, lowest first. */
static guint64
lowest_target_kib (BallastDomain *domain, guint64 start_kib)
{
  guint64 lowest = start_kib;
  for (GList *link = domain->balloon.journal.head; link != NULL; link = link->next)
    {
      BallastJournalEntry *entry = link->data;
      if (entry->applied)
        lowest = MIN (lowest, entry->new_target_kib);
    }
  return lowest;
}

static guint
journal_grows (BallastDomain *domain)
{
  guint grows = 0;
  for (GList *link = domain->balloon.journal.head; link != NULL; link = link->next)
    {
      BallastJournalEntry *entry = link->data;
      grows += entry->applied && entry->new_target_kib > entry->old_target_kib;
    }
  return grows;
}

static void
test_greedy_guest_cannot_take_below_floor (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "greedy", "honest", "guarded", NULL };
  g_autofree char *uri = write_domains (dir, names, 8 * GIB, 6 * GIB);
  /* "guarded" uses little but is promised 4 GiB. */
  g_autofree char *policy = g_build_filename (dir, "policy.xml", NULL);
  g_assert_true (g_file_set_contents (policy,
    "<policy xmlns=\"urn:ballast:policy:1\">\n"
    "  <guests><match name=\"guarded\"><min unit=\"GiB\">4</min></match></guests>\n"
    "</policy>\n", -1, NULL));
  static const GuestModel guests[] = {
    { "greedy", GUEST_GREEDY, 0 },
    { "honest", GUEST_HONEST, 3 * GIB },
    { "guarded", GUEST_HONEST, 1 * GIB },
  };
  /* 16 GiB host, 1 GiB available against a 2 GiB reserve: short. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  World world = { host, 1 * GIB, 6 * GIB, guests, G_N_ELEMENTS (guests), 0 };
  BallastDaemonConfig config = config_for (uri);
  config.policy_path = g_strdup (policy);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 40);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  BallastDomain *greedy = registry_domain (daemon, "greedy");
  BallastDomain *honest = registry_domain (daemon, "honest");
  BallastDomain *guarded = registry_domain (daemon, "guarded");
  /* The greedy guest got what there was to get: it grew. */
  g_assert_cmpint (greedy->balloon.decision.pressure, ==, BALLAST_PRESSURE_SWAP_IN);
  g_assert_cmpuint (journal_grows (greedy), >=, 1);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "greedy"), >, 6 * GIB);
  /* But never by taking another guest below its need or its min, at any
   * point; and the others were squeezed, so the bound was tested. */
  guint64 honest_need = honest->balloon.decision.need_kib;
  g_assert_cmpuint (honest_need, >=, 3 * GIB + 3 * GIB / 5 - MIB);
  g_assert_cmpuint (lowest_target_kib (honest, 6 * GIB), >=, honest_need);
  g_assert_cmpuint (lowest_target_kib (honest, 6 * GIB), <, 6 * GIB);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "honest"), >=, honest_need);
  g_assert_cmpuint (lowest_target_kib (guarded, 6 * GIB), >=, 4 * GIB);
  g_assert_cmpuint (lowest_target_kib (guarded, 6 * GIB), <, 6 * GIB);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "guarded"), >=, 4 * GIB);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

static void
test_liar_only_hurts_itself (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "liar", "honest", NULL };
  g_autofree char *uri = write_domains (dir, names, 8 * GIB, 6 * GIB);
  static const GuestModel guests[] = {
    { "liar", GUEST_LIAR, 0 },
    { "honest", GUEST_HONEST, 3 * GIB },
  };
  /* Short by 1 GiB; the host gets back what the balloons give. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  World world = { host, 1 * GIB, 6 * GIB, guests, G_N_ELEMENTS (guests), 0 };
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 20);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  BallastDomain *liar = registry_domain (daemon, "liar");
  BallastDomain *honest = registry_domain (daemon, "honest");
  /* The deficit came out of the guest that claimed to need nothing... */
  g_assert_cmpuint (domain_info_memory_kib (daemon, "liar"), <=, 5 * GIB);
  g_assert_cmpuint (liar->balloon.journal.length, >=, 1);
  /* ...never below its guaranteed minimum... */
  g_assert_cmpuint (lowest_target_kib (liar, 6 * GIB), >=, 256 * MIB);
  /* ...and the honest guest was not touched. */
  g_assert_cmpuint (honest->balloon.journal.length, ==, 0);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "honest"), ==, 6 * GIB);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* Two 8 GiB guests at 6 GiB, each using 1 GiB: one whose balloon never
 * moves, one that does as it is asked. */
static const GuestModel stuck_and_working[] = {
  { "stuck", GUEST_STUCK, 1 * GIB },
  { "working", GUEST_HONEST, 1 * GIB },
};

static char *
write_stuck_and_working (const char *dir)
{
  const char *const names[] = { "stuck", "working", NULL };
  return write_domains (dir, names, 8 * GIB, 6 * GIB);
}

/* A balloon that refuses its target: QEMU takes the command, the balloon
 * never moves (a real guest with its driver unloaded does that: see
 * tests/e2e/test-guest-faults.sh). The daemon must stop counting on it
 * and take the deficit from the others. */
static void
test_stuck_balloon_not_counted_on (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  g_autofree char *uri = write_stuck_and_working (dir);
  const GuestModel *guests = stuck_and_working;
  /* Short by 1 GiB; the host gets back what the balloons really give. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  World world = { host, 1 * GIB, 6 * GIB, guests, G_N_ELEMENTS (stuck_and_working), 0, 0 };
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 30);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  BallastDomain *stuck = registry_domain (daemon, "stuck");
  g_assert_cmpint (stuck->classification.status, ==, BALLAST_GUEST_UNRESPONSIVE);
  g_assert_true (g_str_has_prefix (stuck->classification.reason,
                                   "balloon not moving towards its target: asked no more, again in "));
  g_assert_cmpuint (harness_log_count ("stuck: unresponsive: balloon not moving towards its target", NULL), ==, 1);
  harness_log_capture_end ();
  /* Asked once; once it was seen not to move, its target went back to
   * where it is (so nothing takes from it later on a request nobody counts
   * on), and it was not asked again within the stuck-retry (60 s). */
  g_assert_cmpuint (stuck->balloon.journal.length, ==, 2);
  BallastJournalEntry *asked = g_queue_peek_head (&stuck->balloon.journal);
  BallastJournalEntry *stopped = g_queue_peek_tail (&stuck->balloon.journal);
  g_assert_cmpuint (asked->new_target_kib, <, 6 * GIB);
  g_assert_cmpuint (stopped->old_target_kib, ==, asked->new_target_kib);
  g_assert_cmpuint (stopped->new_target_kib, ==, 6 * GIB);
  g_assert_true (g_str_has_prefix (stopped->reason, "stop asking: "));
  g_assert_cmpint (stuck->balloon.decision.reason, ==, BALLAST_REASON_HOLD_UNRESPONSIVE);
  /* What it never gave is not counted as on its way: the working guest
   * covered the whole deficit, and the host is no longer short. */
  g_assert_cmpint (ballast_daemon_get_view (daemon)->plan->pending_kib, ==, 0);
  g_assert_cmpuint (ballast_daemon_get_view (daemon)->plan->deficit_kib, ==, 0);
  g_assert_cmpint (world.returned_kib, >=, 1 * GIB - 64 * MIB);
  g_assert_cmpuint (domain_info_memory_kib (daemon, "working"), <=, 5 * GIB + 64 * MIB);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* A balloon stuck for good, on a host that stays short: asked again after
 * the stuck-retry (1 s here), found stuck again, and then left alone twice
 * as long; the log says each retry. */
static void
test_stuck_balloon_retried_with_backoff (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  g_autofree char *uri = write_stuck_and_working (dir);
  const GuestModel *guests = stuck_and_working;
  /* Short by 7 GiB: more than the working guest can give. */
  g_autoptr(FakeHost) host = fake_host_new (32 * GIB, 1 * GIB);
  World world = { host, 1 * GIB, 6 * GIB, guests, G_N_ELEMENTS (stuck_and_working), 0, 0 };
  g_autofree char *policy = g_build_filename (dir, "policy.xml", NULL);
  g_assert_true (g_file_set_contents (policy,
    "<policy xmlns=\"urn:ballast:policy:1\">\n"
    "  <host><reserve unit='GiB'>8</reserve></host>\n"
    "  <guests><stuck-retry>1</stuck-retry></guests>\n"
    "</policy>\n", -1, NULL));
  BallastDaemonConfig config = config_for (uri);
  config.reserve_set = FALSE;
  config.policy_path = g_strdup (policy);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 110); /* ~5.5 s */
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  /* Asked, stopped, asked again after >= 1 s, stopped, asked again after
   * >= 2 s, ... */
  BallastDomain *stuck = registry_domain (daemon, "stuck");
  gint64 asked_usec[8] = { 0 };
  guint n_asked = 0;
  for (GList *link = stuck->balloon.journal.head; link != NULL; link = link->next)
    {
      BallastJournalEntry *entry = link->data;
      g_test_message ("stuck: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " MiB: %s",
                      entry->old_target_kib / MIB, entry->new_target_kib / MIB, entry->reason);
      if (entry->new_target_kib < entry->old_target_kib && n_asked < G_N_ELEMENTS (asked_usec))
        asked_usec[n_asked++] = entry->time_usec;
      else
        g_assert_true (g_str_has_prefix (entry->reason, "stop asking: "));
    }
  g_assert_cmpuint (n_asked, >=, 2);
  g_assert_cmpuint (n_asked, <=, 3); /* 1 s, then 2 s, then 4 s: not a fourth in 5.5 s */
  g_assert_cmpint (asked_usec[1] - asked_usec[0], >=, 1 * G_USEC_PER_SEC);
  if (n_asked == 3)
    g_assert_cmpint (asked_usec[2] - asked_usec[1], >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (harness_log_count ("stuck: asking its balloon again (found stuck 1 time in a row)", NULL), ==, 1);
  g_assert_cmpuint (stuck->balloon.stuck_episodes, >=, 2);
  /* Nothing it never gave is counted as coming. */
  g_assert_cmpint (ballast_daemon_get_view (daemon)->plan->pending_kib, <=, 0);
  harness_log_capture_end ();
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- Absurd and missing fields ---- */

typedef void (*StatsMutation) (BallastCollectedDomain *collected, guint64 max_kib);

static void
usable_above_total (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.usable_kib = c->stats.available_kib + GIB;
}

static void
total_above_max (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.available_kib = 2 * max_kib;
}

static void
current_above_max (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.actual_kib = max_kib + GIB;
}

static void
unused_above_total (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.unused_kib = c->stats.available_kib * 4;
}

static void
all_ones (BallastCollectedDomain *c, guint64 max_kib)
{
  BallastBalloonStats *s = &c->stats;
  s->present = G_MAXUINT & ((BALLAST_STAT_LAST_UPDATE << 1) - 1);
  s->actual_kib = s->maximum_kib = s->swap_in_kib = s->swap_out_kib = G_MAXUINT64;
  s->major_faults = s->minor_faults = s->unused_kib = s->available_kib = G_MAXUINT64;
  s->usable_kib = s->disk_caches_kib = s->rss_kib = G_MAXUINT64;
  s->last_update_sec = G_MAXINT64;
}

static void
no_guest_view (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.present &= BALLAST_STAT_ACTUAL | BALLAST_STAT_RSS;
}

static void
no_stats (BallastCollectedDomain *c, guint64 max_kib)
{
  c->has_stats = FALSE;
  c->stats = (BallastBalloonStats) { 0 };
}

/* A guest driver from before "usable" (Linux < 4.16) has free memory and
 * caches only, and no total. */
static void
old_driver (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.present &= ~(BALLAST_STAT_USABLE | BALLAST_STAT_AVAILABLE);
}

/* Windows' virtio-win balloon service: free memory and total, no
 * "usable", no disk caches (tests/fixtures/libvirt/dommemstat-windows-*). */
static void
virtio_win (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.present &= ~(BALLAST_STAT_USABLE | BALLAST_STAT_DISK_CACHES);
}

static void
no_total (BallastCollectedDomain *c, guint64 max_kib)
{
  c->stats.present &= ~BALLAST_STAT_AVAILABLE;
}

/* last-update jumping to the end of time and back. */
static void
time_travel (BallastCollectedDomain *c, guint64 max_kib)
{
  static gint flip;
  c->stats.last_update_sec = g_atomic_int_add (&flip, 1) % 2 ? G_MAXINT64 : 1;
}

static const struct {
  const char *name;
  StatsMutation mutate;
  BallastGuestStatus status;
  const char *reason;      /* part of the status reason; NULL: managed */
} stats_cases[] = {
  { "usable-above-total", usable_above_total, BALLAST_GUEST_UNRESPONSIVE, "more usable memory than it has in total" },
  { "total-above-max", total_above_max, BALLAST_GUEST_UNRESPONSIVE, "more total memory than the domain's maximum" },
  { "current-above-max", current_above_max, BALLAST_GUEST_UNRESPONSIVE, "balloon.current is above the domain's maximum" },
  { "unused-above-total", unused_above_total, BALLAST_GUEST_UNRESPONSIVE, "more unused memory than it has in total" },
  { "all-ones", all_ones, BALLAST_GUEST_UNRESPONSIVE, "balloon.current is above the domain's maximum" },
  { "no-guest-view", no_guest_view, BALLAST_GUEST_UNMANAGED, "no balloon driver answering in the guest" },
  { "no-stats", no_stats, BALLAST_GUEST_UNMANAGED, "no balloon stats from the driver" },
  { "old-driver", old_driver, BALLAST_GUEST_PARTIAL_STATS,
    "no usable nor total memory from the guest: free memory plus disk caches and the balloon size stand in; kept with 200% of the headroom" },
  { "virtio-win", virtio_win, BALLAST_GUEST_PARTIAL_STATS,
    "no usable memory nor disk caches from the guest: free memory stands in" },
  { "no-total", no_total, BALLAST_GUEST_PARTIAL_STATS, "no total memory from the guest: the balloon size stands in" },
  { "time-travel", time_travel, BALLAST_GUEST_MANAGED, NULL },
};

#define CASE_MAX_KIB (4 * GIB)

typedef struct {
  gint hostile;            /* the mutations apply while set */
  gint64 sane_since_usec;  /* wall clock when they stopped */
} StatsState;

static void
hostile_stats (BallastCollectResult *result, gpointer user_data)
{
  StatsState *state = user_data;
  if (!g_atomic_int_get (&state->hostile))
    return;
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      for (gsize c = 0; c < G_N_ELEMENTS (stats_cases); c++)
        if (g_strcmp0 (stats_cases[c].name, collected->name) == 0 && collected->has_stats)
          stats_cases[c].mutate (collected, CASE_MAX_KIB);
    }
}

static void
hostile_stats_body (const char *socket_path, gpointer user_data)
{
  StatsState *state = user_data;
  harness_wait_cycles (socket_path, 6, 30);
  g_autoptr(json_object) list = harness_call (socket_path, "list", NULL);
  for (gsize c = 0; c < G_N_ELEMENTS (stats_cases); c++)
    {
      json_object *entry = list_entry (list, stats_cases[c].name);
      g_test_message ("%s: %s (%s)", stats_cases[c].name, entry_string (entry, "status"),
                      entry_string (entry, "status_reason"));
      g_assert_cmpstr (entry_string (entry, "status"), ==,
                       ballast_guest_status_to_string (stats_cases[c].status));
      if (stats_cases[c].reason != NULL)
        g_assert_nonnull (strstr (entry_string (entry, "status_reason"), stats_cases[c].reason));
      if (stats_cases[c].status == BALLAST_GUEST_PARTIAL_STATS)
        {
          /* Moved, but with twice the headroom (200%, the default) of
           * max(20% of used, 128 MiB). */
          gint64 used = entry_int (entry, "used_kib");
          gint64 headroom = 2 * MAX (used / 5, (gint64) (128 * MIB));
          g_assert_cmpint (entry_int (entry, "need_kib"), >=, MIN (used + headroom, (gint64) CASE_MAX_KIB));
          g_assert_cmpint (entry_int (entry, "target_kib"), >=, used + headroom);
        }
      else if (stats_cases[c].reason != NULL)
        /* Not trusted: not shrunk, whatever the host needs. */
        g_assert_cmpint (entry_int (entry, "target_kib"), ==, CASE_MAX_KIB);
    }
  /* The control guest, with the test driver's own stats, was shrunk: the
   * host was short, the held ones were held on purpose; so was a guest
   * with partial stats, less deep. */
  json_object *control = list_entry (list, "control");
  g_assert_cmpint (entry_int (control, "target_kib"), <, CASE_MAX_KIB);
  json_object *windows = list_entry (list, "virtio-win");
  g_assert_cmpint (entry_int (windows, "target_kib"), <, CASE_MAX_KIB);
  g_assert_cmpint (entry_int (windows, "target_kib"), >, entry_int (control, "target_kib"));

  /* The guests report sanely again: all managed within a few cycles. */
  state->sane_since_usec = g_get_real_time ();
  g_atomic_int_set (&state->hostile, 0);
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) after = harness_call (socket_path, "list", NULL);
  for (gsize c = 0; c < G_N_ELEMENTS (stats_cases); c++)
    g_assert_cmpstr (entry_string (list_entry (after, stats_cases[c].name), "status"), ==, "managed");
}

static void
test_absurd_and_missing_stats (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *names[G_N_ELEMENTS (stats_cases) + 2];
  for (gsize c = 0; c < G_N_ELEMENTS (stats_cases); c++)
    names[c] = stats_cases[c].name;
  names[G_N_ELEMENTS (stats_cases)] = "control";
  names[G_N_ELEMENTS (stats_cases) + 1] = NULL;
  g_autofree char *uri = write_domains (dir, names, CASE_MAX_KIB, CASE_MAX_KIB);
  /* Short of memory, and overcommit on: whatever is trusted is shrunk. */
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 1 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  StatsState state = { 1 };
  ballast_worker_set_test_hooks (hostile_stats, NULL, &state);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, hostile_stats_body, &state);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  /* Each fall from trust is said once, not every cycle. */
  for (gsize c = 0; c < G_N_ELEMENTS (stats_cases); c++)
    if (stats_cases[c].status == BALLAST_GUEST_UNRESPONSIVE)
      {
        g_autofree char *prefix = g_strdup_printf ("%s: %s: ", stats_cases[c].name,
                                                   ballast_guest_status_to_string (stats_cases[c].status));
        g_assert_cmpuint (harness_log_count (prefix, stats_cases[c].reason, NULL), ==, 1);
      }
  g_assert_cmpuint (harness_log_count ("CRITICAL", NULL), ==, 0);
  harness_log_capture_end ();
  /* A guest that reported only garbage was never moved while it did
   * (once sane again it is a guest like any other). */
  g_assert_cmpint (state.sane_since_usec, >, 0);
  for (GList *link = registry_domain (daemon, "all-ones")->balloon.journal.head; link != NULL; link = link->next)
    g_assert_cmpint (((BallastJournalEntry *) link->data)->time_usec, >=, state.sane_since_usec);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* A guest whose balloon driver never answers: unmanaged while it has the
 * driver wait, then no-driver, said once with the time it was given, and
 * never counted on; the other guest is balanced as ever. With a wait of 0
 * it is no-driver at the first cycle. */
static void
silent_driver (BallastCollectResult *result, gpointer user_data)
{
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      if (g_strcmp0 (collected->name, "silent") == 0 && collected->has_stats)
        no_guest_view (collected, CASE_MAX_KIB);
    }
}

static void
silent_driver_body (const char *socket_path, gpointer user_data)
{
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) list = harness_call (socket_path, "list", NULL);
  json_object *silent = list_entry (list, "silent");
  g_assert_cmpstr (entry_string (silent, "status"), ==, "no-driver");
  g_assert_nonnull (strstr (entry_string (silent, "status_reason"),
                            "no balloon driver answered in the guest within 0 s (driver-wait)"));
  g_assert_cmpint (entry_int (silent, "target_kib"), ==, CASE_MAX_KIB);
  g_assert_cmpint (entry_int (list_entry (list, "control"), "target_kib"), <, CASE_MAX_KIB);
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  g_assert_cmpint (json_object_get_int (harness_json_path (status, "guests", "no-driver", NULL)), ==, 1);
}

static void
test_no_driver (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *names[] = { "silent", "control", NULL };
  g_autofree char *uri = write_domains (dir, names, CASE_MAX_KIB, CASE_MAX_KIB);
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 1 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.driver_wait_sec = 0;
  ballast_worker_set_test_hooks (silent_driver, NULL, NULL);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, silent_driver_body, NULL);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  g_assert_cmpuint (harness_log_count ("silent: no-driver: ", "within 0 s", NULL), ==, 1);
  harness_log_capture_end ();
  g_assert_false (registry_domain (daemon, "silent")->balloon.has_decision);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* A guest with <memballoon autodeflate='on'> runs out of memory after
 * ballastd shrank it, and its driver deflates the balloon above the
 * target: ballastd says so once, counts it (list, metrics), takes the new
 * size as the target and does not take it back while the host stays short
 * (within the regrow delay). */
typedef struct {
  gint deflate_to_kib;     /* 0: the guest has not deflated */
} DeflateState;

static void
deflating_guest (BallastCollectResult *result, gpointer user_data)
{
  DeflateState *state = user_data;
  guint64 deflate_to = (guint64) g_atomic_int_get (&state->deflate_to_kib);
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      if (deflate_to == 0 || g_strcmp0 (collected->name, "deflater") != 0 || !collected->has_stats)
        continue;
      /* The balloon holds what the guest took back; more only if ballastd gives it. */
      collected->stats.actual_kib = MAX (collected->stats.actual_kib, deflate_to);
    }
}

static void
deflating_guest_body (const char *socket_path, gpointer user_data)
{
  DeflateState *state = user_data;
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) before = harness_call (socket_path, "list", NULL);
  gint64 shrunk_to = entry_int (list_entry (before, "deflater"), "target_kib");
  g_assert_cmpint (shrunk_to, <, CASE_MAX_KIB);
  g_assert_cmpint (entry_int (list_entry (before, "deflater"), "oom_deflations"), ==, 0);
  g_atomic_int_set (&state->deflate_to_kib, (gint) (shrunk_to + 512 * 1024));
  harness_wait_cycles (socket_path, 4, 30);
  g_autoptr(json_object) after = harness_call (socket_path, "list", NULL);
  json_object *deflater = list_entry (after, "deflater");
  g_assert_cmpint (entry_int (deflater, "oom_deflations"), ==, 1);
  g_assert_cmpint (entry_int (deflater, "target_kib"), >=, shrunk_to + 512 * 1024);
  /* The control guest has no autodeflate: nothing to count. */
  json_object *none = NULL;
  g_assert_true (json_object_object_get_ex (list_entry (after, "control"), "oom_deflations", &none));
  g_assert_null (none);
}

static void
test_oom_deflation (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  g_autofree char *uri = write_balloon_pair (dir, CASE_MAX_KIB, "deflater", " autodeflate='on'", "control");
  /* Short for good: without the OOM, the deflater would be shrunk again. */
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 1 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  DeflateState state = { 0 };
  ballast_worker_set_test_hooks (deflating_guest, NULL, &state);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, deflating_guest_body, &state);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  g_assert_cmpuint (harness_log_count ("deflater: guest deflated its balloon on OOM", NULL), ==, 1);
  harness_log_capture_end ();
  g_autofree char *metrics = ballast_metrics_render (ballast_daemon_get_view (daemon));
  g_assert_nonnull (strstr (metrics, "\nballast_guest_oom_deflations_total{domain=\"deflater\"} 1\n"));
  g_assert_null (strstr (metrics, "ballast_guest_oom_deflations_total{domain=\"control\"}"));
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* A guest with <memballoon freePageReporting='on'>: QEMU's RSS follows
 * its use, and list, dominfo and metrics show what it handed back. */
static void
reporting_rss (BallastCollectResult *result, gpointer user_data)
{
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      if (!collected->has_stats)
        continue;
      collected->stats.rss_kib = 1 * GIB;
      collected->stats.present |= BALLAST_STAT_RSS;
    }
}

static void
reporting_body (const char *socket_path, gpointer user_data)
{
  harness_wait_cycles (socket_path, 2, 30);
  g_autoptr(json_object) list = harness_call (socket_path, "list", NULL);
  g_assert_cmpint (entry_int (list_entry (list, "reporting"), "returned_kib"), ==, CASE_MAX_KIB - 1 * GIB);
  json_object *none = NULL;
  g_assert_true (json_object_object_get_ex (list_entry (list, "plain"), "returned_kib", &none));
  g_assert_null (none);
}

static void
test_free_page_reporting_shown (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  g_autofree char *uri = write_balloon_pair (dir, CASE_MAX_KIB, "reporting", " freePageReporting='on'", "plain");
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 32 * GIB);
  BallastDaemonConfig config = config_for (uri);
  ballast_worker_set_test_hooks (reporting_rss, NULL, NULL);
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, reporting_body, NULL);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  g_autofree char *metrics = ballast_metrics_render (ballast_daemon_get_view (daemon));
  g_assert_nonnull (strstr (metrics, "\nballast_guest_returned_bytes{domain=\"reporting\"} 3221225472\n"));
  g_assert_null (strstr (metrics, "ballast_guest_returned_bytes{domain=\"plain\"}"));
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- virtio-mem devices ---- */

/* A guest of 1 GiB boot memory with a virtio-mem device whose <target>
 * holds TARGET, and ALIAS (the test driver gives none itself, but keeps a
 * user alias; NULL: none). */
static char *
virtio_mem_domain_xml (const char *name, const char *target, const char *alias)
{
  return g_strdup_printf ("<domain type='test'><name>%s</name>"
                          "<maxMemory slots='4' unit='GiB'>8</maxMemory>"
                          "<memory unit='GiB'>3</memory><currentMemory unit='MiB'>768</currentMemory>"
                          "<vcpu>1</vcpu><os><type>hvm</type></os>"
                          "<cpu><numa><cell id='0' cpus='0' memory='1' unit='GiB'/></numa></cpu>"
                          "<devices><memballoon model='virtio'/>"
                          "<memory model='virtio-mem'><target>%s</target>%s%s%s</memory>"
                          "</devices></domain>", name, target, alias ? "<alias name='" : "",
                          alias ?: "", alias ? "'/>" : "");
}

/* The virtio-mem changes ballastd tried, as "ALIAS DEVICE-XML". */
static void
keep_virtio_mem_changes (GPtrArray *items, gpointer user_data)
{
  GPtrArray *tried = user_data;
  for (guint i = 0; i < items->len; i++)
    {
      const BallastApplyItem *item = items->pdata[i];
      if (item->kind == BALLAST_APPLY_VIRTIO_MEM)
        g_ptr_array_add (tried, g_strdup_printf ("%s %s", item->alias, item->device_xml));
    }
}

static void
virtio_mem_body (const char *socket_path, gpointer user_data)
{
  harness_wait_cycles (socket_path, 4, 30);
  g_autoptr(json_object) list = harness_call (socket_path, "list", NULL);
  json_object *good = list_entry (list, "vmem");
  g_assert_cmpint (entry_int (good, "virtio_mem_devices"), ==, 1);
  g_assert_cmpint (entry_int (good, "virtio_mem_size_kib"), ==, 2 * GIB);
  g_assert_cmpint (entry_int (good, "virtio_mem_requested_kib"), ==, 512 * MIB);
  /* The test driver's live XML says nothing is plugged. */
  g_assert_cmpint (entry_int (good, "virtio_mem_plugged_kib"), ==, 0);
  g_assert_cmpint (entry_int (good, "virtio_mem_block_kib"), ==, 2 * MIB);
  g_assert_cmpstr (json_object_get_string (harness_json_path (good, "status", NULL)), ==, "managed");
  /* The test driver cannot resize a device: given up once, the balloon
   * alone moves the guest, and says so. */
  g_assert_cmpstr (json_object_get_string (harness_json_path (good, "actuator", NULL)), ==, "balloon");
  g_assert_nonnull (strstr (json_object_get_string (harness_json_path (good, "virtio_mem_unusable", NULL)),
                            "libvirt cannot resize virtio-mem ua-vmem0"));
  /* The host has plenty: the balloon grows, but only over the boot
   * memory (1 GiB), not to <memory> (3 GiB), which counts what the
   * virtio-mem device could plug. */
  g_assert_cmpint (entry_int (good, "target_kib"), ==, 1 * GIB);
  g_assert_cmpint (entry_int (good, "balloon_kib"), ==, 1 * GIB);
  /* A device without an alias cannot be addressed: said, left alone. */
  json_object *bare = list_entry (list, "bare");
  g_assert_cmpstr (json_object_get_string (harness_json_path (bare, "actuator", NULL)), ==, "balloon");
  g_assert_nonnull (strstr (json_object_get_string (harness_json_path (bare, "virtio_mem_unusable", NULL)),
                            "has no alias"));
  json_object *none = NULL;
  g_assert_true (json_object_object_get_ex (list_entry (list, "plain"), "virtio_mem_devices", &none));
  g_assert_null (none);
}

static void
test_virtio_mem_shown (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *target = "<size unit='GiB'>2</size><node>0</node><block unit='KiB'>2048</block>"
                       "<requested unit='MiB'>512</requested>";
  g_autofree char *good = virtio_mem_domain_xml ("vmem", target, "ua-vmem0");
  g_autofree char *bare = virtio_mem_domain_xml ("bare", target, NULL);
  /* libvirt refuses device XML that is not whole blocks within the size
   * (test-virtio-mem has those): the other guest is a plain one. */
  g_autofree char *plain = domain_xml ("plain", 1 * GIB, 1 * GIB);
  g_autofree char *path = g_build_filename (dir, "domains.xml", NULL);
  g_autofree char *text = g_strdup_printf ("<node>\n  %s\n  %s\n  %s\n</node>\n", good, bare, plain);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_autofree char *uri = g_strdup_printf ("test://%s", path);
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 32 * GIB);
  BallastDaemonConfig config = config_for (uri);
  g_autoptr(GPtrArray) tried = g_ptr_array_new_with_free_func (g_free);
  ballast_worker_set_test_hooks (NULL, keep_virtio_mem_changes, tried);
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, virtio_mem_body, NULL);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  /* auto: the host has plenty, so the guest was to have all of <memory>:
   * the device asked for all of its 2 GiB, as libvirt wants the update
   * (the device's own element, nothing but <requested> changed); tried
   * once, given up once; never for the device without an alias. */
  g_assert_cmpuint (tried->len, ==, 1);
  g_assert_true (g_str_has_prefix (tried->pdata[0], "ua-vmem0 <memory model=\"virtio-mem\">")
                 || g_str_has_prefix (tried->pdata[0], "ua-vmem0 <memory model='virtio-mem'>"));
  g_assert_nonnull (strstr (tried->pdata[0], ">2097152</requested>"));
  g_assert_cmpuint (harness_log_count ("WARNING", "vmem: libvirt cannot resize virtio-mem ua-vmem0",
                                       "the balloon alone moves this guest", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("WARNING", "bare: virtio-mem device at line", "has no alias", NULL),
                    ==, 1);
  harness_log_capture_end ();
  g_autofree char *metrics = ballast_metrics_render (ballast_daemon_get_view (daemon));
  g_assert_nonnull (strstr (metrics, "\nballast_guest_virtio_mem_requested_bytes{domain=\"vmem\"} 536870912\n"));
  g_assert_nonnull (strstr (metrics, "\nballast_guest_virtio_mem_plugged_bytes{domain=\"vmem\"} 0\n"));
  g_assert_null (strstr (metrics, "ballast_guest_virtio_mem_size_bytes{domain=\"plain\"}"));
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- Driver stops reporting, guest reboots ---- */

typedef struct {
  gint reports;
  gint frozen;          /* last-update stops moving while set */
  gint reboot_at;       /* report number at which the counters reset (0: never) */
  gint64 last_update;
} ReporterState;

/* One guest, "reporter": reports every collection (last-update moves), its
 * counters growing slowly, unless frozen; at REBOOT_AT its counters start
 * again from zero, as after a reboot. */
static void
reporter_stats (BallastCollectResult *result, gpointer user_data)
{
  ReporterState *state = user_data;
  gint report = g_atomic_int_add (&state->reports, 1) + 1;
  for (guint i = 0; i < result->domains->len; i++)
    {
      BallastCollectedDomain *collected = result->domains->pdata[i];
      if (g_strcmp0 (collected->name, "reporter") != 0 || !collected->has_stats)
        continue;
      if (!g_atomic_int_get (&state->frozen))
        state->last_update = 1700000000 + report;
      gint since_boot = state->reboot_at > 0 && report >= state->reboot_at
                          ? report - state->reboot_at : report + 1000;
      collected->stats.last_update_sec = state->last_update;
      collected->stats.present |= BALLAST_STAT_SWAP_IN | BALLAST_STAT_MAJOR_FAULT;
      collected->stats.swap_in_kib = (guint64) since_boot * 64;    /* 64 KiB/s */
      collected->stats.major_faults = (guint64) since_boot * 5;    /* 5/s */
    }
}

static void
stops_reporting_body (const char *socket_path, gpointer user_data)
{
  ReporterState *state = user_data;
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) args = json_object_new_object ();
  json_object_object_add (args, "domain", json_object_new_string ("reporter"));
  g_autoptr(json_object) before = harness_call (socket_path, "dominfo", json_object_get (args));
  g_assert_cmpstr (entry_string (before, "status"), ==, "managed");

  /* Three stats periods (of 1 s) without a report: stale. */
  g_atomic_int_set (&state->frozen, 1);
  g_usleep (3500 * 1000);
  harness_wait_cycles (socket_path, 2, 30);
  g_autoptr(json_object) stale = harness_call (socket_path, "dominfo", json_object_get (args));
  g_assert_cmpstr (entry_string (stale, "status"), ==, "unresponsive");
  g_assert_cmpstr (entry_string (stale, "status_reason"), ==,
                   "stats stale: last-update unchanged for over 3 periods");
  gint64 held_target = entry_int (stale, "target_kib");

  /* Not counted on while stale: with the host short, not shrunk. */
  harness_wait_cycles (socket_path, 5, 30);
  g_autoptr(json_object) still = harness_call (socket_path, "dominfo", json_object_get (args));
  g_assert_cmpint (entry_int (still, "target_kib"), ==, held_target);

  /* Reporting again: trusted again at once. */
  g_atomic_int_set (&state->frozen, 0);
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) back = harness_call (socket_path, "dominfo", json_object_get (args));
  g_assert_cmpstr (entry_string (back, "status"), ==, "managed");
}

static void
test_driver_stops_reporting (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "reporter", NULL };
  g_autofree char *uri = write_domains (dir, names, 4 * GIB, 4 * GIB);
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 1 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.stats_period_sec = 1;  /* set on the guest: stale after 3 s */
  config.interval_msec = 100;
  ReporterState state = { 0 };
  ballast_worker_set_test_hooks (reporter_stats, NULL, &state);
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, stops_reporting_body, &state);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

static void
test_reboot_resets_counters (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "reporter", NULL };
  g_autofree char *uri = write_domains (dir, names, 4 * GIB, 4 * GIB);
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 14 * GIB - 4 * GIB);
  BallastDaemonConfig config = config_for (uri);
  ReporterState state = { .reboot_at = 6 };
  ballast_worker_set_test_hooks (reporter_stats, NULL, &state);
  g_autoptr(BallastDaemon) daemon = run_daemon_cycles (&config, host, 12);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);

  BallastDomain *domain = registry_domain (daemon, "reporter");
  /* The counters fell once: a reset, counted, its interval's rate taken as
   * 0 (not 2^64 minus a bit), and the rates after it are the real ones. */
  g_assert_cmpuint (domain->observed.history.counter_resets, ==, 1);
  g_assert_cmpuint (domain->observed.history.swap_in_kib_per_sec, ==, 64);
  g_assert_cmpuint (domain->observed.history.major_faults_per_sec, ==, 5);
  g_assert_cmpint (domain->classification.status, ==, BALLAST_GUEST_MANAGED);
  g_assert_cmpint (domain->balloon.decision.pressure, ==, BALLAST_PRESSURE_NONE);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- The host's files ---- */

typedef struct {
  FakeHost *host;
  guint64 total_kib;
} HostFiles;

static void
write_host_file (FakeHost *host, const char *relative, const char *contents)
{
  g_autofree char *path = g_build_filename (host->root, relative, NULL);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  g_assert_true (g_file_set_contents (tmp, contents, -1, NULL));
  g_assert_cmpint (g_rename (tmp, path), ==, 0);
}


/* Status says HOST_ERROR_PART, cycles go on, and no balloon changes. */
static void
assert_holding (const char *socket_path, const char *host_error_part)
{
  harness_wait_cycles (socket_path, 2, 30);
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  const char *error = json_object_get_string (harness_json_path (status, "host", "error", NULL));
  g_test_message ("host error: %s", error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, host_error_part));
  gint64 applied = json_object_get_int64 (harness_json_path (status, "cycles", "changes_applied", NULL));
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) later = harness_call (socket_path, "status", NULL);
  g_assert_cmpint (json_object_get_int64 (harness_json_path (later, "cycles", "changes_applied", NULL)), ==, applied);
  g_assert_nonnull (json_object_get_string (harness_json_path (later, "host", "error", NULL)));
}

/* The file is back: the error is gone and the deficit is acted on. */
static void
assert_recovered (const char *socket_path)
{
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  gint64 applied = json_object_get_int64 (harness_json_path (status, "cycles", "changes_applied", NULL));
  harness_wait_cycles (socket_path, 3, 30);
  g_autoptr(json_object) later = harness_call (socket_path, "status", NULL);
  g_assert_null (json_object_get_string (harness_json_path (later, "host", "error", NULL)));
  g_assert_cmpint (json_object_get_int64 (harness_json_path (later, "cycles", "changes_applied", NULL)), >, applied);
}

/* 128 MiB short of the 2 GiB reserve: a small step of shrinking every
 * cycle, for the whole test, before the guests reach their floors. */
static const char valid_meminfo[] = "MemTotal: 16777216 kB\nMemFree: 1966080 kB\nMemAvailable: 1966080 kB\n";

static void
proc_body (const char *socket_path, gpointer user_data)
{
  HostFiles *files = user_data;
  g_autofree char *meminfo = g_build_filename (files->host->root, "proc", "meminfo", NULL);
  harness_wait_cycles (socket_path, 2, 30);

  static const struct {
    const char *contents;   /* NULL: the file is removed */
    const char *error;
  } broken[] = {
    { NULL, "No such file or directory" },
    { "", "MemTotal is missing" },
    { "MemTotal: lots kB\nMemAvailable: 1 kB\n", "meminfo line 1" },
    { "MemTotal: 1048576 kB\nMemAvailable: 2097152 kB\n", "exceeds MemTotal" },
    { "MemTotal: 0 kB\nMemAvailable: 0 kB\n", "MemTotal is 0" },
    { "MemTotal: 99999999999999999999999 kB\nMemAvailable: 1 kB\n", "meminfo line 1" },
    { "\xff\xfe\x00garbage", "MemTotal is missing" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_test_message ("meminfo case %zu", i);
      if (broken[i].contents == NULL)
        g_assert_cmpint (g_unlink (meminfo), ==, 0);
      else
        write_host_file (files->host, "proc/meminfo", broken[i].contents);
      assert_holding (socket_path, broken[i].error);
      /* Back, with the host short: the daemon acts again. */
      write_host_file (files->host, "proc/meminfo", valid_meminfo);
      assert_recovered (socket_path);
    }

  /* A directory where the file was, and a file too large to be meminfo. */
  g_assert_cmpint (g_unlink (meminfo), ==, 0);
  g_assert_cmpint (g_mkdir (meminfo, 0755), ==, 0);
  assert_holding (socket_path, "meminfo");
  g_assert_cmpint (g_rmdir (meminfo), ==, 0);
  g_autofree char *huge = g_strnfill (200 * 1024, 'x');
  write_host_file (files->host, "proc/meminfo", huge);
  assert_holding (socket_path, "larger than");
  write_host_file (files->host, "proc/meminfo", valid_meminfo);
  assert_recovered (socket_path);

  /* PSI is optional: garbage there is not a reason to hold. */
  write_host_file (files->host, "proc/pressure/memory", "some avg10=banana\n");
  harness_wait_cycles (socket_path, 2, 30);
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  g_assert_null (json_object_get_string (harness_json_path (status, "host", "error", NULL)));
  g_assert_null (harness_json_path (status, "host", "psi_some_avg10_centipct", NULL));
}

static void
test_proc_meminfo_broken (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "a", "b", NULL };
  g_autofree char *uri = write_domains (dir, names, 8 * GIB, 8 * GIB);
  /* Balanced to start with; every repair brings a deficit to act on. */
  g_autoptr(FakeHost) host = fake_host_new (16 * GIB, 2 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  /* The model's host follows the balloons: every repair finds it short. */
  static const GuestModel guests[] = { { "a", GUEST_HONEST, 512 * MIB }, { "b", GUEST_HONEST, 512 * MIB } };
  World world = { NULL, 0, 8 * GIB, guests, G_N_ELEMENTS (guests), 0 };
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  HostFiles files = { host, 16 * GIB };
  harness_log_capture_begin ();
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, proc_body, &files);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  /* Said once per reason, and its end said too. */
  g_assert_cmpuint (harness_log_count ("WARNING", "holding all balloons", "No such file", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("MESSAGE", "host memory readable again", NULL), ==, 8);
  harness_log_capture_end ();
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

static void
write_cgroup (FakeHost *host, guint64 limit_bytes, guint64 usage_bytes)
{
  g_autofree char *limit = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", limit_bytes);
  g_autofree char *usage = g_strdup_printf ("%" G_GUINT64_FORMAT "\n", usage_bytes);
  g_autofree char *dir = g_build_filename (host->root, "sys", "fs", "cgroup", "machine.slice", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  write_host_file (host, "sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
  write_host_file (host, "sys/fs/cgroup/machine.slice/memory.max", limit);
  write_host_file (host, "sys/fs/cgroup/machine.slice/memory.current", usage);
  write_host_file (host, "sys/fs/cgroup/machine.slice/memory.stat", "anon 1\ninactive_file 0\n");
}

static void
cgroup_body (const char *socket_path, gpointer user_data)
{
  HostFiles *files = user_data;
  harness_wait_cycles (socket_path, 2, 30);
  g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
  g_assert_cmpstr (json_object_get_string (harness_json_path (status, "host", "budget_source", NULL)), ==, "cgroup");
  g_assert_nonnull (harness_json_path (status, "host", "cgroup", NULL));

  /* The partition goes away (systemd collects an empty machine.slice). */
  g_autofree char *dir = g_build_filename (files->host->root, "sys", "fs", "cgroup", "machine.slice", NULL);
  scratch_remove_tree (dir);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  assert_holding (socket_path, "machine.slice");

  /* It comes back (a guest starts): the budget is read again, and acted on. */
  write_cgroup (files->host, 12 * GIB, 11 * GIB);
  assert_recovered (socket_path);
}

static void
test_cgroup_removed (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  const char *const names[] = { "a", "b", NULL };
  g_autofree char *uri = write_domains (dir, names, 8 * GIB, 8 * GIB);
  g_autoptr(FakeHost) host = fake_host_new (64 * GIB, 48 * GIB);
  /* A 12 GiB limit, 10 GiB used: balanced against the 2 GiB reserve. */
  write_cgroup (host, 12 * GIB, 10 * GIB);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.budget = BALLAST_BUDGET_CGROUP;
  config.budget_set = TRUE;
  static const GuestModel guests[] = { { "a", GUEST_HONEST, 512 * MIB }, { "b", GUEST_HONEST, 512 * MIB } };
  World world = { NULL, 0, 8 * GIB, guests, G_N_ELEMENTS (guests), 0 };
  ballast_worker_set_test_hooks (world_report, NULL, &world);
  HostFiles files = { host, 64 * GIB };
  g_autoptr(BallastDaemon) daemon = run_daemon_with_client (&config, host, cgroup_body, &files);
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

/* ---- on-exit ---- */

typedef struct {
  World *world;
  guint64 restore_available_kib;  /* what the host has when the signal comes */
  guint signals;                  /* how many SIGTERMs to send */
  gint64 signalled_usec;
} ExitRun;

static void
exit_body (const char *socket_path, gpointer user_data)
{
  ExitRun *run = user_data;
  /* Squeezed first: the host is short and the balloons inflate. */
  for (int attempt = 0; attempt < 500; attempt++)
    {
      g_autoptr(json_object) status = harness_call (socket_path, "status", NULL);
      json_object *plan = harness_json_path (status, "plan", NULL);
      if (json_object_get_int64 (harness_json_path (status, "cycles", "changes_applied", NULL)) >= 3
          && plan != NULL && json_object_get_int64 (harness_json_path (plan, "deficit_kib", NULL)) == 0)
        break;
      g_usleep (20 * 1000);
    }
  /* Memory comes free. Within the regrow delay the daemon does not hand
   * it straight back, so only the restore on exit will. The host still
   * follows the balloons: what they take back, it no longer has. */
  run->world->base_available_kib = run->restore_available_kib - run->world->returned_kib;
  harness_wait_cycles (socket_path, 3, 30);
  run->signalled_usec = g_get_monotonic_time ();
  for (guint i = 0; i < run->signals; i++)
    {
      g_assert_cmpint (kill (getpid (), SIGTERM), ==, 0);
      g_usleep (50 * 1000);
    }
}

typedef struct {
  guint64 squeezed_kib[3];
  guint64 final_kib[3];
  gint64 exit_took_usec;
} ExitOutcome;

static const char *const exit_names[] = { "e0", "e1", "e2", NULL };

static void
run_exit (BallastOnExit on_exit, guint64 restore_available_kib, guint signals,
          BallastApplyHook before_apply, guint timeout_sec, ExitOutcome *outcome)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-faults-XXXXXX", NULL);
  g_autofree char *uri = write_domains (dir, (const char *const *) exit_names, 4 * GIB, 4 * GIB);
  /* 3 x 4 GiB guests on a 32 GiB host with nothing available: short by
   * 2 GiB, the reserve. */
  g_autoptr(FakeHost) host = fake_host_new (32 * GIB, 0);
  BallastDaemonConfig config = config_for (uri);
  config.overcommit = BALLAST_OVERCOMMIT_ON;
  config.overcommit_set = TRUE;
  config.on_exit = on_exit;
  config.on_exit_timeout_sec = timeout_sec;
  /* The guests use 1 GiB each; the host gets back what the balloons give
   * until the signal comes (then the test sets it). */
  static const GuestModel guests[] = {
    { "e0", GUEST_HONEST, 1 * GIB }, { "e1", GUEST_HONEST, 1 * GIB }, { "e2", GUEST_HONEST, 1 * GIB },
  };
  World world = { host, 0, 4 * GIB, guests, G_N_ELEMENTS (guests), 0, 0 };
  ExitRun run = { &world, restore_available_kib, signals, 0 };
  ballast_worker_set_test_hooks (world_report, before_apply, &world);
  g_autoptr(BallastDaemon) daemon = run_daemon_until_exit (&config, host, exit_body, &run);
  outcome->exit_took_usec = g_get_monotonic_time () - run.signalled_usec;
  ballast_worker_set_test_hooks (NULL, NULL, NULL);
  for (guint i = 0; exit_names[i] != NULL; i++)
    {
      BallastDomain *domain = registry_domain (daemon, exit_names[i]);
      outcome->squeezed_kib[i] = lowest_target_kib (domain, 4 * GIB);
      outcome->final_kib[i] = domain_info_memory_kib (daemon, exit_names[i]);
    }
  ballast_daemon_config_clear (&config);
  remove_dir (dir);
}

static void
test_exit_restore_gives_back (void)
{
  ExitOutcome outcome = { 0 };
  harness_log_capture_begin ();
  /* 2 GiB reserve + 20 GiB available: room for every guest's maximum. */
  run_exit (BALLAST_ON_EXIT_RESTORE, 20 * GIB, 1, NULL, 30, &outcome);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (outcome.squeezed_kib[i], <, 4 * GIB);
      g_assert_cmpuint (outcome.final_kib[i], ==, 4 * GIB);
    }
  /* It finished by itself, long before its 30 s. */
  g_assert_cmpint (outcome.exit_took_usec, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (harness_log_count ("on-exit=restore: giving the guests their memory back", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("on-exit: restore done", "every guest at its maximum", NULL), ==, 1);
  harness_log_capture_end ();
}

static void
test_exit_restore_only_what_host_affords (void)
{
  ExitOutcome outcome = { 0 };
  harness_log_capture_begin ();
  /* 2 GiB reserve + 1 GiB spare: one GiB of the two taken goes back, no
   * more. */
  run_exit (BALLAST_ON_EXIT_RESTORE, 3 * GIB, 1, NULL, 30, &outcome);
  guint64 squeezed = 0, restored = 0;
  for (guint i = 0; i < 3; i++)
    {
      squeezed += outcome.squeezed_kib[i];
      restored += outcome.final_kib[i];
      g_assert_cmpuint (outcome.final_kib[i], <, 4 * GIB);
    }
  g_test_message ("squeezed %" G_GUINT64_FORMAT " KiB, restored to %" G_GUINT64_FORMAT " KiB",
                  squeezed, restored);
  g_assert_cmpuint (restored, >, squeezed);
  g_assert_cmpuint (restored - squeezed, <=, 1 * GIB + 64 * MIB);
  g_assert_cmpint (outcome.exit_took_usec, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (harness_log_count ("on-exit: restore done", "3 guest(s) below their maximum: the host has no more to spare", NULL), ==, 1);
  harness_log_capture_end ();
}

static void
test_exit_keep (void)
{
  ExitOutcome outcome = { 0 };
  run_exit (BALLAST_ON_EXIT_KEEP, 20 * GIB, 1, NULL, 30, &outcome);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (outcome.final_kib[i], ==, outcome.squeezed_kib[i]);
  g_assert_cmpint (outcome.exit_took_usec, <, 2 * G_USEC_PER_SEC);
}

/* libvirt hangs on the balloon changes of the restore. */
static void
hang_before_apply (GPtrArray *items, gpointer user_data)
{
  /* Only the restore grows balloons back to their maximum. */
  for (guint i = 0; i < items->len; i++)
    if (((BallastApplyItem *) items->pdata[i])->target_kib == 4 * GIB)
      {
        g_usleep (6 * G_USEC_PER_SEC);
        return;
      }
}

static void
test_exit_restore_bounded_in_time (void)
{
  ExitOutcome outcome = { 0 };
  harness_log_capture_begin ();
  run_exit (BALLAST_ON_EXIT_RESTORE, 20 * GIB, 1, hang_before_apply, 2, &outcome);
  g_test_message ("exit took %" G_GINT64_FORMAT " ms", outcome.exit_took_usec / 1000);
  g_assert_cmpint (outcome.exit_took_usec, >=, 2 * G_USEC_PER_SEC - 100 * 1000);
  g_assert_cmpint (outcome.exit_took_usec, <, 4 * G_USEC_PER_SEC);
  g_assert_cmpuint (harness_log_count ("restore stopped after 2 s (on-exit-timeout)", NULL), ==, 1);
  g_assert_cmpuint (harness_log_count ("on-exit: restore cut short", NULL), ==, 1);
  harness_log_capture_end ();
}

static void
test_exit_second_signal_exits_at_once (void)
{
  ExitOutcome outcome = { 0 };
  harness_log_capture_begin ();
  run_exit (BALLAST_ON_EXIT_RESTORE, 20 * GIB, 2, hang_before_apply, 30, &outcome);
  g_assert_cmpint (outcome.exit_took_usec, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (harness_log_count ("stopping on signal", NULL), ==, 1);
  harness_log_capture_end ();
}

/* The restore plan alone (pure): growth only, up to the maximum as the
 * slack allows, excluded guests left alone, untrusted ones grown too, and
 * "finished" not held up by a balloon that does not move. */
static void
test_exit_restore_plan (void)
{
  BallastPolicy policy;
  ballast_policy_init_defaults (&policy);
  policy.reserve = (BallastAmount) { .kib = 2 * GIB };
  policy.reserve_floor_kib = 0;
  BallastGuestInput guests[4];
  for (guint i = 0; i < G_N_ELEMENTS (guests); i++)
    guests[i] = (BallastGuestInput) {
      .name = "g", .max_kib = 4 * GIB, .current_kib = 2 * GIB, .target_kib = 2 * GIB,
      .usable_kib = 1 * GIB, .reported_total_kib = 2 * GIB, .recently_shrunk = TRUE,
      .tuning = policy.guest_defaults,
    };
  guests[1].unresponsive = TRUE;
  guests[2].tuning.exclude = TRUE;
  guests[3].recently_shrunk = TRUE;
  /* Room for everyone: 2 GiB reserve + 20 GiB. */
  BallastHostInput host = { .total_kib = 32 * GIB, .available_kib = 22 * GIB };
  gboolean finished = TRUE;
  g_autoptr(BallastPlan) plan = ballast_exit_restore_plan (&policy, &host, guests, 4, &finished);
  g_assert_false (finished);
  g_assert_cmpuint (plan->decisions[0].target_kib, ==, 4 * GIB);
  g_assert_cmpuint (plan->decisions[1].target_kib, ==, 4 * GIB);
  g_assert_false (plan->decisions[2].changed);
  g_assert_cmpuint (plan->decisions[3].target_kib, ==, 4 * GIB);

  /* Once there, and the balloons with them (but the untrusted one, which
   * stays where it was): finished. */
  for (guint i = 0; i < 4; i++)
    if (i != 2)
      guests[i].target_kib = 4 * GIB, guests[i].current_kib = i == 1 ? 2 * GIB : 4 * GIB;
  g_autoptr(BallastPlan) done = ballast_exit_restore_plan (&policy, &host, guests, 4, &finished);
  g_assert_true (finished);

  /* No slack: nothing given, nothing taken, finished at once. */
  for (guint i = 0; i < 4; i++)
    guests[i].target_kib = guests[i].current_kib = 2 * GIB;
  BallastHostInput short_host = { .total_kib = 32 * GIB, .available_kib = 1 * GIB };
  g_autoptr(BallastPlan) none = ballast_exit_restore_plan (&policy, &short_host, guests, 4, &finished);
  g_assert_true (finished);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (none->decisions[i].target_kib, >=, 2 * GIB);
  g_assert_cmpuint (none->granted_kib, ==, 0);
}

int
main (int argc, char **argv)
{
  harness_init (&argc, &argv);
  default_conn = virConnectOpen ("test:///default");
  g_assert_nonnull (default_conn);
  g_test_add_func ("/faults/domain-gone-before-apply", test_domain_gone_before_apply);
  g_test_add_func ("/faults/migration-jobs", test_migration_jobs);
  g_test_add_func ("/faults/stuck-balloon-not-counted-on", test_stuck_balloon_not_counted_on);
  g_test_add_func ("/faults/stuck-balloon-retried-with-backoff", test_stuck_balloon_retried_with_backoff);
  g_test_add_func ("/faults/absurd-and-missing-stats", test_absurd_and_missing_stats);
  g_test_add_func ("/faults/no-driver", test_no_driver);
  g_test_add_func ("/faults/oom-deflation", test_oom_deflation);
  g_test_add_func ("/faults/free-page-reporting-shown", test_free_page_reporting_shown);
  g_test_add_func ("/faults/virtio-mem-shown", test_virtio_mem_shown);
  g_test_add_func ("/faults/refused-change-says-why", test_refused_change_says_why);
  g_test_add_func ("/faults/driver-stops-reporting", test_driver_stops_reporting);
  g_test_add_func ("/faults/reboot-resets-counters", test_reboot_resets_counters);
  g_test_add_func ("/faults/greedy-guest-cannot-take-below-floor", test_greedy_guest_cannot_take_below_floor);
  g_test_add_func ("/faults/liar-only-hurts-itself", test_liar_only_hurts_itself);
  g_test_add_func ("/faults/proc-meminfo-broken", test_proc_meminfo_broken);
  g_test_add_func ("/faults/cgroup-removed", test_cgroup_removed);
  g_test_add_func ("/exit/restore-plan", test_exit_restore_plan);
  g_test_add_func ("/exit/restore-gives-back", test_exit_restore_gives_back);
  g_test_add_func ("/exit/restore-only-what-host-affords", test_exit_restore_only_what_host_affords);
  g_test_add_func ("/exit/keep", test_exit_keep);
  g_test_add_func ("/exit/restore-bounded-in-time", test_exit_restore_bounded_in_time);
  g_test_add_func ("/exit/second-signal-exits-at-once", test_exit_second_signal_exits_at_once);
  int status = g_test_run ();
  virConnectClose (default_conn);
  return status;
}
