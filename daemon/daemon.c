/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "daemon.h"

#include "config.h"

#include "ballast-error.h"
#include "control-methods.h"
#include "control-server.h"
#include "cycle.h"
#include "daemon-report.h"
#include "exit-policy.h"
#include "job-watch.h"
#include "ksm-manager.h"
#include "libvirt-util.h"
#include "libvirt-worker.h"
#include "metrics.h"
#include "policy-file.h"
#include "pressure-watch.h"
#include "report-render.h"
#include "trace-recorder.h"

#include <glib-unix.h>
#include <stdio.h>
#include <unistd.h>

/* A cycle that has waited on libvirt this long marks the connection
 * stalled in status; libvirt's keepalive closes it a little later. */
#define STALL_AFTER_MSEC 10000
/* Events that change the domain set or a config bring the next cycle
 * forward to this delay, so new guests get a stats period promptly. */
#define EARLY_CYCLE_MSEC 300

struct _BallastDaemon {
  BallastDaemonConfig config;
  BallastPaths *paths;
  BallastRunOptions options;
  BallastPolicyFile *policy_file;  /* as loaded */
  BallastPolicy policy;            /* in effect: the file's, with command-line overrides */
  BallastOvercommitMode overcommit;
  BallastBudgetSource budget;
  char *policy_error;              /* why the last reload failed; NULL when it did not */

  GMainLoop *loop;
  int exit_status;
  BallastSession *session;
  BallastRegistry *registry;
  BallastControlServer *control;
  GCancellable *cancellable;

  BallastHapReport *hap;
  gboolean shrink_allowed;
  char *gate_description;
  char *cgroup_dir;
  BallastCgroupVersion cgroup_version;

  gboolean has_host;
  BallastHostSnapshot host;
  gint64 host_read_usec;          /* monotonic: when HOST was read */
  char *host_error;
  BallastPlan *plan;
  BallastTraceRecorder *recorder;  /* --record, or NULL */
  BallastPressureWatch *pressure;  /* kernel pressure notifications, or NULL */
  BallastKsmManager *ksm;          /* page sharing (ksm-manager.c) */
  gint64 last_pressure_cycle_usec;
  gboolean pressure_pending;       /* an event came while a cycle ran */

  guint cycle_source;
  guint early_cycle_source;
  gboolean cycle_in_flight;
  gint64 cycle_started_usec;
  guint cycle_calls;
  BallastDaemonCounters counters;
  gboolean paused;
  char *metrics_error;             /* why the textfile could not be written, said once */
  gboolean run_state_unsupported; /* the driver keeps no domain metadata */

  guint signal_sources[3];
  BallastExitRestore *exit_restore; /* on-exit=restore under way, or NULL */
  guint stall_source;              /* marks the cycle in flight stalled */

  BallastDaemonView view;          /* what the reporters see (publish_view) */
  BallastControlTarget control_target; /* what the control methods see */
};

static void start_cycle (BallastDaemon *daemon);
static void publish_view (BallastDaemon *daemon);
static gboolean reload_policy (gpointer user_data, GError **error);
static void set_paused (gboolean paused, gpointer user_data);
static json_object *dispatch_control (const BallastRequest *request, const BallastPeer *peer,
                                      const char **ret_code, GError **error, gpointer user_data);

/* ---- Pressure events: a cycle now, not at the next tick ---- */

/* Events come in bursts (memory.pressure_level fires on every reclaim
 * pass): at most one early cycle per this much. */
#define PRESSURE_MIN_GAP_USEC (250 * 1000)

static void
on_pressure (const char *source, gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  gint64 now_usec = g_get_monotonic_time ();
  daemon->counters.pressure_events++;
  if (daemon->cycle_in_flight)
    {
      daemon->pressure_pending = TRUE;
      return;
    }
  if (now_usec - daemon->last_pressure_cycle_usec < PRESSURE_MIN_GAP_USEC)
    return;
  g_debug ("memory pressure (%s): deciding now", source);
  daemon->last_pressure_cycle_usec = now_usec;
  start_cycle (daemon);
}

static void
watch_pressure (BallastDaemon *daemon)
{
  if (daemon->options.once)
    return;
  g_clear_pointer (&daemon->pressure, ballast_pressure_watch_free);
  daemon->pressure = ballast_pressure_watch_new (daemon->paths, daemon->cgroup_dir,
                                                 daemon->cgroup_version, on_pressure, daemon);
  g_autofree char *armed = ballast_pressure_watch_describe (daemon->pressure);
  g_message ("reacting at once to memory pressure from: %s", armed);
}

/* ---- Lifecycle of the connection ---- */

static gboolean setup_gate (BallastDaemon *daemon, GError **error);

/* A remote host's hardware is not ours to read from /proc: ask libvirt. */
static void
on_capabilities (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *domcaps = NULL;
  g_autofree char *caps = ballast_fetch_capabilities_finish (result, &domcaps, &error);
  if (caps == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  BallastDaemon *daemon = user_data;
  BallastHapReport *report = caps != NULL ? ballast_hap_detect_from_libvirt (caps, domcaps, &error) : NULL;
  if (report == NULL)
    {
      g_warning ("cannot tell whether %s has hardware-assisted paging, assuming not: %s",
                 daemon->config.uri, error->message);
      report = g_new0 (BallastHapReport, 1);
      report->evidence = g_ptr_array_new ();
    }
  ballast_hap_report_free (daemon->hap);
  daemon->hap = report;
  setup_gate (daemon, NULL);
}

static void
on_connected (gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  if (ballast_uri_is_remote (daemon->config.uri))
    ballast_fetch_capabilities_async (ballast_session_get_connection (daemon->session),
                                      daemon->cancellable, on_capabilities, daemon);
  /* A new connection may be to a restarted libvirtd: forget what we knew
   * and rebuild it all from libvirt (we keep no state that matters). */
  ballast_registry_clear (daemon->registry);
  start_cycle (daemon);
}

static void
on_disconnected (const char *why, gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  if (daemon->options.once)
    {
      g_printerr ("ballastd: %s\n", why);
      daemon->exit_status = 1;
      g_main_loop_quit (daemon->loop);
    }
  if (daemon->exit_restore != NULL)
    {
      g_message ("on-exit: the connection to libvirt is gone, nothing more can be restored");
      g_main_loop_quit (daemon->loop);
    }
}

static gboolean
on_early_cycle (gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  daemon->early_cycle_source = 0;
  start_cycle (daemon);
  return G_SOURCE_REMOVE;
}

static void
request_early_cycle (BallastDaemon *daemon)
{
  if (daemon->early_cycle_source == 0 && !daemon->options.once)
    daemon->early_cycle_source = g_timeout_add (EARLY_CYCLE_MSEC, on_early_cycle, daemon);
}

static void
on_domain_event (const char *uuid, const char *name, BallastDomainEventKind kind,
                 guint64 value, gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  BallastDomain *domain = ballast_registry_ensure (daemon->registry, uuid, name);

  switch (kind)
    {
    case BALLAST_DOMAIN_EVENT_LIFECYCLE:
      g_debug ("%s: lifecycle event %" G_GUINT64_FORMAT, name, value);
      if (value == VIR_DOMAIN_EVENT_STARTED || value == VIR_DOMAIN_EVENT_STOPPED)
        ballast_cycle_forget_run (domain);
      ballast_cycle_config_changed (domain);
      request_early_cycle (daemon);
      break;
    case BALLAST_DOMAIN_EVENT_BALLOON_CHANGE:
      ballast_cycle_balloon_changed (domain, value);
      break;
    case BALLAST_DOMAIN_EVENT_METADATA_CHANGE:
    case BALLAST_DOMAIN_EVENT_DEVICE_CHANGE:
      ballast_cycle_config_changed (domain);
      request_early_cycle (daemon);
      break;
    case BALLAST_DOMAIN_EVENT_JOB:
      ballast_job_watch_event (domain, (BallastJob) value, g_get_monotonic_time ());
      request_early_cycle (daemon);
      break;
    default:
      break;
    }
}

/* ---- One cycle: collect (thread) -> decide (here) -> apply (thread) ---- */

/* On the main thread: a few KiB to a local file once a cycle is cheaper
 * than handing it to a thread. A failure is said once, and again only
 * when the reason changes; the cycle goes on regardless. */
static void
write_metrics_textfile (BallastDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  if (daemon->config.metrics_textfile == NULL)
    return;
  if (ballast_metrics_write_textfile (&daemon->view, daemon->config.metrics_textfile, &error))
    {
      if (daemon->metrics_error != NULL)
        g_message ("metrics textfile %s written again", daemon->config.metrics_textfile);
      g_clear_pointer (&daemon->metrics_error, g_free);
      return;
    }
  if (g_strcmp0 (daemon->metrics_error, error->message) != 0)
    g_warning ("%s", error->message);
  g_free (daemon->metrics_error);
  daemon->metrics_error = g_strdup (error->message);
}

static void
finish_cycle (BallastDaemon *daemon)
{
  daemon->cycle_in_flight = FALSE;
  g_clear_handle_id (&daemon->stall_source, g_source_remove);
  if (daemon->pressure_pending)
    {
      daemon->pressure_pending = FALSE;
      request_early_cycle (daemon);
    }
  daemon->counters.libvirt_stalled = FALSE;
  daemon->counters.cycles++;
  daemon->counters.last_cycle_libvirt_calls = daemon->cycle_calls;
  daemon->counters.libvirt_calls_total += daemon->cycle_calls;
  daemon->counters.last_cycle_duration_usec = g_get_monotonic_time () - daemon->cycle_started_usec;
  daemon->counters.last_cycle_wall_usec = g_get_real_time ();
  publish_view (daemon);
  write_metrics_textfile (daemon);

  if (daemon->options.max_cycles > 0 && daemon->counters.cycles >= daemon->options.max_cycles)
    g_main_loop_quit (daemon->loop);
  /* A restore on exit ends once it has nothing more to give; until then
   * it cycles without waiting for the interval. */
  if (daemon->exit_restore != NULL && ballast_exit_restore_finished (daemon->exit_restore))
    g_main_loop_quit (daemon->loop);
  else if (daemon->exit_restore != NULL)
    request_early_cycle (daemon);
  if (daemon->options.once)
    {
      g_auto(BallastStatusReport) status;
      ballast_daemon_status_report (&daemon->view, &status);
      g_autoptr(GPtrArray) domains = ballast_daemon_domain_reports (&daemon->view, TRUE);
      g_autofree char *status_text = ballast_render_status_report (&status);
      g_autofree char *table = ballast_render_domain_reports (domains, FALSE);
      fputs (status_text, stdout);
      fputs ("\n", stdout);
      fputs (table, stdout);
      fflush (stdout);
      g_main_loop_quit (daemon->loop);
    }
}

static gboolean
read_host (BallastDaemon *daemon)
{
  g_autoptr(GError) error = NULL;
  BallastHostSnapshot snapshot;
  if (!ballast_host_snapshot_read (daemon->paths, daemon->budget, daemon->cgroup_dir,
                                   daemon->cgroup_version, &snapshot, &error))
    {
      if (g_strcmp0 (daemon->host_error, error->message) != 0)
        g_warning ("cannot read the host's memory, holding all balloons: %s", error->message);
      g_free (daemon->host_error);
      daemon->host_error = g_strdup (error->message);
      daemon->has_host = FALSE;
      publish_view (daemon);
      return FALSE;
    }
  if (daemon->host_error != NULL)
    g_message ("host memory readable again");
  g_clear_pointer (&daemon->host_error, g_free);
  /* The host's swap-in rate, from this snapshot and the one before. */
  gint64 now_usec = g_get_monotonic_time ();
  if (snapshot.has_vmstat && daemon->has_host && daemon->host.has_vmstat)
    {
      gboolean reset = FALSE;
      guint64 pages_per_sec = ballast_counter_rate (daemon->host.vmstat.pswpin, snapshot.vmstat.pswpin,
                                                    now_usec - daemon->host_read_usec, &reset);
      snapshot.has_swap_in_rate = !reset;
      snapshot.swap_in_kib_per_sec = pages_per_sec * (guint64) (sysconf (_SC_PAGESIZE) / 1024);
    }
  daemon->host_read_usec = now_usec;
  daemon->host = snapshot;
  daemon->has_host = TRUE;
  publish_view (daemon);
  return TRUE;
}

static void
on_applied (GObject *source, GAsyncResult *async_result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastApplyResult) result = ballast_apply_finish (async_result, &error);
  if (result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  BallastDaemon *daemon = user_data;
  daemon->cycle_calls += result->libvirt_calls;
  ballast_cycle_applied (daemon->registry, daemon->plan, result, &daemon->counters,
                         &daemon->run_state_unsupported);
  if (result->connection_lost)
    ballast_session_report_lost (daemon->session, "a balloon change found the connection dead");
  finish_cycle (daemon);
}

/* A cgroup v1 usage event one band above where the allocator would act
 * next: past the reserve, or past today's usage when already there. So
 * the kernel says when usage has grown enough to need a decision. */
static void
arm_usage_threshold (BallastDaemon *daemon)
{
  if (daemon->pressure == NULL || !daemon->host.has_cgroup || !daemon->host.cgroup.limited)
    return;
  const BallastCgroupMemory *cgroup = &daemon->host.cgroup;
  guint64 reclaim_at = cgroup->limit_kib > daemon->plan->reserve_kib
                         ? cgroup->limit_kib - daemon->plan->reserve_kib : 0;
  guint64 threshold = MAX (reclaim_at, cgroup->usage_kib) + daemon->policy.band_kib;
  ballast_pressure_watch_set_usage_threshold (daemon->pressure, MIN (threshold, cgroup->limit_kib));
}

/* The cycle decides (cycle.c); its plan and actions go to their sinks
 * here: the pressure threshold, the trace, page sharing, the worker. */
static void
decide_and_apply (BallastDaemon *daemon, gint64 now_usec)
{
  ballast_cycle_classify (daemon->registry, &daemon->policy, daemon->config.driver_wait_sec,
                          daemon->config.interval_msec, now_usec);
  if (!read_host (daemon))
    {
      finish_cycle (daemon);
      return;
    }
  gboolean actuate = !daemon->config.dry_run && !daemon->paused;
  BallastCycleDecideOptions options = {
    .policy = &daemon->policy,
    .shrink_allowed = daemon->shrink_allowed,
    .actuate = actuate,
    /* Not in a dry run, which leaves the domains alone, nor while
     * restoring on exit: the clocks stay as they were for the next start. */
    .keep_run_state = !daemon->config.dry_run && !daemon->run_state_unsupported
                  && daemon->exit_restore == NULL,
    .mode = daemon->view.mode,
    .exit_restore = daemon->exit_restore,
    .interval_sec = (daemon->config.interval_msec + 999) / 1000,
  };
  g_autoptr(BallastCycleDecision) decision = ballast_cycle_decide (daemon->registry, &daemon->host,
                                                                   &options, now_usec);
  ballast_plan_free (daemon->plan);
  daemon->plan = g_steal_pointer (&decision->plan);
  publish_view (daemon);
  arm_usage_threshold (daemon);
  if (daemon->recorder != NULL)
    ballast_trace_recorder_write (daemon->recorder, daemon->counters.cycles + 1, &decision->host,
                                  decision->guests, decision->n_guests, daemon->plan,
                                  daemon->shrink_allowed);
  /* Page sharing after the balloons: it needs this plan's slack, and its
   * savings reach the balloons only through the next cycle's host figures. */
  BallastKsmCycleInput ksm_input = {
    .budget_total_kib = daemon->host.budget_total_kib,
    .slack_kib = daemon->plan->slack_kib,
    /* --once exits before a KSM write in the worker would finish: it
     * decides and shows, and leaves KSM as it is. */
    .actuate = actuate && !daemon->options.once,
    .conn = ballast_session_get_connection (daemon->session),
  };
  ballast_ksm_manager_cycle (daemon->ksm, daemon->registry, &ksm_input);

  virConnectPtr conn = ballast_session_get_connection (daemon->session);
  if (decision->actions->len == 0 || conn == NULL)
    {
      finish_cycle (daemon);
      return;
    }
  ballast_apply_async (conn, g_steal_pointer (&decision->actions), daemon->cancellable,
                       on_applied, daemon);
}

static void
on_collected (GObject *source, GAsyncResult *async_result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastCollectResult) result = ballast_collect_finish (async_result, &error);
  if (result == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  BallastDaemon *daemon = user_data;
  gint64 now_usec = g_get_monotonic_time ();

  if (result == NULL)
    {
      daemon->cycle_calls += 1;
      g_warning ("cycle skipped: %s", error->message);
      if (g_error_matches (error, BALLAST_ERROR, BALLAST_ERROR_DISCONNECTED))
        ballast_session_report_lost (daemon->session, error->message);
      if (daemon->options.once)
        {
          g_printerr ("ballastd: %s\n", error->message);
          daemon->exit_status = 1;
        }
      finish_cycle (daemon);
      return;
    }
  daemon->cycle_calls += result->libvirt_calls;
  ballast_cycle_merge (daemon->registry, result, daemon->policy_file,
                       daemon->config.stats_period_sec, daemon->policy.min_change_kib, now_usec);
  decide_and_apply (daemon, now_usec);
}

/* The cycle in flight has waited on libvirt for STALL_AFTER_MSEC: say so,
 * once, in the log and in status, until it ends. */
static gboolean
on_stall (gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  daemon->stall_source = 0;
  daemon->counters.libvirt_stalled = TRUE;
  g_warning ("libvirt has not answered for %d s; waiting", STALL_AFTER_MSEC / 1000);
  return G_SOURCE_REMOVE;
}

static void
start_cycle (BallastDaemon *daemon)
{
  virConnectPtr conn = ballast_session_get_connection (daemon->session);
  gint64 now_usec = g_get_monotonic_time ();

  if (daemon->cycle_in_flight)
    {
      /* Never pile calls onto a slow libvirtd: skip (on_stall says so). */
      daemon->counters.cycles_skipped++;
      return;
    }
  if (conn == NULL)
    {
      read_host (daemon); /* status stays current while we wait for libvirt */
      return;
    }

  GHashTable *flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (daemon->registry);
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      const BallastDomainObserved *observed = &domain->observed;
      guint domain_flags = BALLAST_COLLECT_KNOWN;
      if (observed->config_dirty || observed->config == NULL)
        domain_flags |= BALLAST_COLLECT_FETCH_XML;
      else if (domain->active && observed->config->has_balloon
               && observed->config->stats_period_sec == 0 && !observed->stats_period_attempted)
        domain_flags |= BALLAST_COLLECT_SET_PERIOD;
      if (ballast_job_watch_needs_query (domain))
        domain_flags |= BALLAST_COLLECT_QUERY_JOB;
      if (domain->active && observed->has_stats && ballast_balloon_stats_has_guest_view (&observed->stats))
        domain_flags |= BALLAST_COLLECT_HAD_GUEST_VIEW;
      g_hash_table_insert (flags, g_strdup (domain->uuid), GUINT_TO_POINTER (domain_flags));
    }
  daemon->cycle_in_flight = TRUE;
  daemon->cycle_started_usec = now_usec;
  daemon->stall_source = g_timeout_add (STALL_AFTER_MSEC, on_stall, daemon);
  daemon->cycle_calls = 0;
  ballast_collect_async (conn, flags, daemon->config.stats_period_sec, daemon->cancellable,
                         on_collected, daemon);
}

static gboolean
on_cycle_timer (gpointer user_data)
{
  start_cycle (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- Signals ---- */

static gboolean
on_stop_signal (gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  /* on-exit=restore: the first signal starts giving memory back (bounded
   * in time, see exit-policy.h); a second one exits at once. */
  if (daemon->exit_restore == NULL && !daemon->options.once
      && (daemon->exit_restore = ballast_exit_restore_begin (
            &daemon->config, daemon->paused,
            ballast_session_get_connection (daemon->session) != NULL, daemon->loop)) != NULL)
    {
      start_cycle (daemon);
      return G_SOURCE_CONTINUE;
    }
  g_message ("stopping on signal");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_hup (gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_message ("SIGHUP: reloading the policy");
  reload_policy (user_data, &error);
  return G_SOURCE_CONTINUE;
}

/* ---- Construction ---- */

static gboolean
setup_gate (BallastDaemon *daemon, GError **error)
{
  g_autoptr(GError) detect_error = NULL;
  if (daemon->hap == NULL && !ballast_uri_is_remote (daemon->config.uri))
    daemon->hap = ballast_hap_detect (daemon->paths, &detect_error);
  else if (daemon->hap == NULL)
    g_message ("%s is a remote host: its hardware is read through libvirt once connected",
               daemon->config.uri);
  if (daemon->hap == NULL && detect_error != NULL)
    g_warning ("cannot detect hardware-assisted paging, assuming none: %s", detect_error->message);
  gboolean hap = daemon->hap != NULL && daemon->hap->hap_available;
  daemon->shrink_allowed = ballast_overcommit_allowed (daemon->overcommit, hap);
  g_free (daemon->gate_description);
  daemon->gate_description = ballast_overcommit_describe (daemon->overcommit, hap);
  g_message ("%s", daemon->gate_description);
  publish_view (daemon);
  return TRUE;
}

/* Where the budget comes from under POLICY_FILE; the cgroup is located
 * now so that a missing one is an error up front, not every cycle. */
static gboolean
locate_budget (BallastDaemon *daemon, const BallastPolicyFile *policy_file,
               BallastBudgetSource *ret_source, char **ret_cgroup_dir,
               BallastCgroupVersion *ret_version, GError **error)
{
  *ret_source = daemon->config.budget_set ? daemon->config.budget : policy_file->budget;
  *ret_cgroup_dir = NULL;
  if (*ret_source != BALLAST_BUDGET_CGROUP)
    return TRUE;
  const char *partition = daemon->config.cgroup_partition != NULL ? daemon->config.cgroup_partition
                                                                  : policy_file->cgroup_path;
  return ballast_cgroup_memory_locate (daemon->paths, partition, ret_cgroup_dir, ret_version, error);
}

/* Put POLICY_FILE (taken over) in effect, with the command line's and the
 * config file's explicit settings on top. Fails, changing nothing, when
 * its budget cannot be found. */
static gboolean
apply_policy (BallastDaemon *daemon, BallastPolicyFile *policy_file, GError **error)
{
  g_autoptr(BallastPolicyFile) owned = policy_file;
  BallastBudgetSource budget;
  g_autofree char *cgroup_dir = NULL;
  BallastCgroupVersion cgroup_version = BALLAST_CGROUP_V1;
  if (!locate_budget (daemon, policy_file, &budget, &cgroup_dir, &cgroup_version, error))
    return FALSE;

  daemon->policy = policy_file->policy;
  if (daemon->config.reserve_set)
    {
      daemon->policy.reserve = daemon->config.reserve;
      daemon->policy.reserve_floor_kib = 0;
    }
  daemon->overcommit = daemon->config.overcommit_set ? daemon->config.overcommit
                                                     : policy_file->overcommit;
  daemon->budget = budget;
  g_free (daemon->cgroup_dir);
  daemon->cgroup_dir = g_steal_pointer (&cgroup_dir);
  daemon->cgroup_version = cgroup_version;
  ballast_policy_file_free (daemon->policy_file);
  daemon->policy_file = g_steal_pointer (&owned);
  ballast_ksm_manager_set_policy (daemon->ksm, daemon->policy_file);

  g_message ("policy: %s", daemon->policy_file->source);
  if (daemon->cgroup_dir != NULL)
    g_message ("budget: the guests' cgroup %s (cgroup v%d)", daemon->cgroup_dir,
               daemon->cgroup_version);
  setup_gate (daemon, NULL);
  if (daemon->pressure != NULL)
    watch_pressure (daemon); /* the budget's cgroup may have changed */

  /* Every domain's tuning may have changed with the rules. */
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (daemon->registry);
  for (guint i = 0; i < domains->len; i++)
    ballast_cycle_resolve_tuning (domains->pdata[i], daemon->policy_file);
  return TRUE;
}

/* The policy file to read: the configured one, else the default path when
 * it exists, else none (built-in defaults). */
static const char *
policy_path (BallastDaemon *daemon, char **ret_default_path)
{
  if (daemon->config.policy_path != NULL)
    return daemon->config.policy_path;
  *ret_default_path = g_build_filename (BALLAST_SYSCONFDIR, "policy.xml", NULL);
  return g_file_test (*ret_default_path, G_FILE_TEST_EXISTS) ? *ret_default_path : NULL;
}

/* Reread the policy file (SIGHUP, `ballastctl policy-reload`). A policy
 * that does not load leaves the previous one in effect and says why. */
static gboolean
reload_policy (gpointer user_data, GError **error)
{
  BallastDaemon *daemon = user_data;
  g_autofree char *default_path = NULL;
  const char *path = policy_path (daemon, &default_path);
  g_autoptr(GError) local_error = NULL;
  BallastPolicyFile *policy_file = path != NULL ? ballast_policy_file_load (path, &local_error)
                                                : ballast_policy_file_new_default ();
  if (policy_file == NULL || !apply_policy (daemon, policy_file, &local_error))
    {
      /* A bad policy must never stop memory management: keep the old one. */
      g_warning ("policy not reloaded, the previous one stays in effect: %s", local_error->message);
      g_free (daemon->policy_error);
      daemon->policy_error = g_strdup (local_error->message);
      publish_view (daemon);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_pointer (&daemon->policy_error, g_free);
  publish_view (daemon);
  return TRUE;
}

BallastDaemon *
ballast_daemon_new (const BallastDaemonConfig *config, const BallastPaths *paths,
                    const BallastRunOptions *options, GError **error)
{
  g_autoptr(BallastDaemon) daemon = g_new0 (BallastDaemon, 1);
  daemon->config = *config;
  daemon->config.uri = g_strdup (config->uri);
  daemon->config.cgroup_partition = g_strdup (config->cgroup_partition);
  daemon->config.socket_path = g_strdup (config->socket_path);
  daemon->config.socket_admin_group = g_strdup (config->socket_admin_group);
  daemon->config.policy_path = g_strdup (config->policy_path);
  daemon->config.metrics_textfile = g_strdup (config->metrics_textfile);
  daemon->config.record_path = g_strdup (config->record_path);
  if (config->record_path != NULL
      && (daemon->recorder = ballast_trace_recorder_open (config->record_path, error)) == NULL)
    return NULL;
  daemon->paths = ballast_paths_copy (paths);
  daemon->options = *options;
  daemon->loop = g_main_loop_new (NULL, FALSE);
  daemon->registry = ballast_registry_new ();
  daemon->cancellable = g_cancellable_new ();
  daemon->ksm = ballast_ksm_manager_new (daemon->paths, daemon->config.uri);

  /* A bad policy at start is fatal: better no daemon than one that does
   * something the operator did not write. */
  g_autofree char *default_path = NULL;
  const char *path = policy_path (daemon, &default_path);
  BallastPolicyFile *policy_file = path != NULL ? ballast_policy_file_load (path, error)
                                                : ballast_policy_file_new_default ();
  if (policy_file == NULL || !apply_policy (daemon, policy_file, error))
    return NULL;
  /* Fail early and clearly when the host cannot be read at all. */
  if (!read_host (daemon))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "%s", daemon->host_error);
      return NULL;
    }

  static const BallastSessionCallbacks callbacks = {
    .connected = on_connected,
    .disconnected = on_disconnected,
    .domain_event = on_domain_event,
  };
  daemon->session = ballast_session_new (config->uri, &callbacks, daemon);

  if (!options->once)
    {
      daemon->control = ballast_control_server_new (&daemon->config, dispatch_control, daemon,
                                                    error);
      if (daemon->control == NULL)
        return NULL;
    }
  daemon->control_target = (BallastControlTarget) {
    .view = &daemon->view,
    .set_paused = set_paused,
    .reload_policy = reload_policy,
    .user_data = daemon,
  };
  publish_view (daemon);
  return g_steal_pointer (&daemon);
}

int
ballast_daemon_run (BallastDaemon *daemon)
{
  daemon->signal_sources[0] = g_unix_signal_add (SIGINT, on_stop_signal, daemon);
  daemon->signal_sources[1] = g_unix_signal_add (SIGTERM, on_stop_signal, daemon);
  daemon->signal_sources[2] = g_unix_signal_add (SIGHUP, on_hup, daemon);
  if (!daemon->options.once)
    {
      daemon->cycle_source = g_timeout_add (daemon->config.interval_msec, on_cycle_timer, daemon);
      watch_pressure (daemon);
    }
  if (daemon->config.dry_run)
    g_message ("dry run: decisions are logged, no balloon is changed");
  ballast_session_start (daemon->session, !daemon->options.once);
  g_main_loop_run (daemon->loop);
  return daemon->exit_status;
}

void
ballast_daemon_quit (BallastDaemon *daemon)
{
  g_main_loop_quit (daemon->loop); /* thread-safe: it takes the context's lock */
}

void
ballast_daemon_free (BallastDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (daemon->cancellable != NULL)
    g_cancellable_cancel (daemon->cancellable);
  g_clear_pointer (&daemon->exit_restore, ballast_exit_restore_free);
  for (guint i = 0; i < G_N_ELEMENTS (daemon->signal_sources); i++)
    g_clear_handle_id (&daemon->signal_sources[i], g_source_remove);
  g_clear_handle_id (&daemon->cycle_source, g_source_remove);
  g_clear_handle_id (&daemon->early_cycle_source, g_source_remove);
  g_clear_handle_id (&daemon->stall_source, g_source_remove);
  g_clear_pointer (&daemon->control, ballast_control_server_free);
  g_clear_pointer (&daemon->session, ballast_session_free);
  g_clear_pointer (&daemon->registry, ballast_registry_free);
  g_clear_pointer (&daemon->plan, ballast_plan_free);
  g_clear_pointer (&daemon->ksm, ballast_ksm_manager_free);
  g_clear_pointer (&daemon->recorder, ballast_trace_recorder_close);
  g_clear_pointer (&daemon->pressure, ballast_pressure_watch_free);
  g_clear_pointer (&daemon->hap, ballast_hap_report_free);
  g_clear_pointer (&daemon->paths, ballast_paths_free);
  g_clear_pointer (&daemon->loop, g_main_loop_unref);
  g_clear_object (&daemon->cancellable);
  g_free (daemon->gate_description);
  g_free (daemon->cgroup_dir);
  g_free (daemon->host_error);
  g_free (daemon->policy_error);
  g_free (daemon->metrics_error);
  g_clear_pointer (&daemon->policy_file, ballast_policy_file_free);
  ballast_daemon_config_clear (&daemon->config);
  g_free (daemon);
}

/* ---- What others see ---- */

const BallastDaemonView *
ballast_daemon_get_view (BallastDaemon *daemon)
{
  return &daemon->view;
}

const BallastControlTarget *
ballast_daemon_get_control_target (BallastDaemon *daemon)
{
  return &daemon->control_target;
}

static const char *
daemon_mode (BallastDaemon *daemon)
{
  if (daemon->config.dry_run)
    return "dry-run";
  return daemon->paused ? "paused" : "active";
}

/* Refresh the view after the daemon's state changed: a cycle, a policy
 * reload, the gate, pause. */
static void
publish_view (BallastDaemon *daemon)
{
  daemon->view = (BallastDaemonView) {
    .config = &daemon->config,
    .mode = daemon_mode (daemon),
    .paused = daemon->paused,
    .counters = &daemon->counters,
    .session = daemon->session,
    .policy_file = daemon->policy_file,
    .policy = &daemon->policy,
    .policy_error = daemon->policy_error,
    .host = daemon->has_host ? &daemon->host : NULL,
    .host_error = daemon->host_error,
    .plan = daemon->plan,
    .overcommit = daemon->overcommit,
    .hap = daemon->hap,
    .shrink_allowed = daemon->shrink_allowed,
    .gate_description = daemon->gate_description,
    .registry = daemon->registry,
    .ksm = daemon->ksm,
    .control = daemon->control != NULL ? ballast_control_server_get_counters (daemon->control)
                                       : NULL,
  };
}

static void
set_paused (gboolean paused, gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  if (daemon->paused == paused)
    return;
  daemon->paused = paused;
  publish_view (daemon);
  g_message (paused ? "paused: balloons are no longer changed, monitoring continues"
                    : "resumed: balloon changes are applied again");
}

static json_object *
dispatch_control (const BallastRequest *request, const BallastPeer *peer, const char **ret_code,
                  GError **error, gpointer user_data)
{
  BallastDaemon *daemon = user_data;
  return ballast_control_dispatch (&daemon->control_target, request, peer, ret_code, error);
}
