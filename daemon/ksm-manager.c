/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm-manager.h"

#include "ballast-error.h"
#include "json-util.h"
#include "ksm-actuator.h"
#include "ksm-process.h"
#include "ksm.h"
#include "overcommit-gate.h"
#include "process.h"
#include "size-units.h"

#include <unistd.h>

/* What a guest's QEMU shows of KSM, read at most once a cycle. */
typedef struct {
  pid_t pid;                  /* 0: no pid file (not running here, or not a QEMU driver) */
  BallastKsmProcess process;  /* present 0: the kernel has no per-process KSM files */
} GuestFigures;

/* The inputs of a remote cycle, kept while its read runs. */
typedef struct {
  guint64 budget_total_kib;
  gint64 slack_kib;
  gboolean actuate;
  virConnectPtr conn;         /* reference while the read runs */
} RemoteCycle;

struct _BallastKsmManager {
  BallastPaths *paths;
  gboolean remote;
  char *pid_dir;                  /* libvirt's QEMU pid files, or NULL */
  GCancellable *cancellable;
  guint64 page_size_bytes;

  char *unavailable_reason;       /* non-NULL: KSM is not used for the life of the daemon */
  pid_t ksmd_pid;                 /* 0: not found */
  pid_t ksmtuned_pid;             /* 0: not running */

  /* The policy in effect, and ksm-set's override of it. */
  BallastKsmPolicy file_policy;
  BallastKsmMode file_mode;
  gboolean file_mode_set;
  BallastTenancy tenancy;
  BallastKsmOverride override;
  gboolean unmerge_requested;

  /* The last cycle. */
  guint64 cycle;
  guint n_shareable, n_nosharepages, n_excluded;
  gboolean has_sample;
  BallastKsmSample sample;
  gboolean has_decision;
  BallastKsmDecision decision;
  BallastKsmHistory history;
  gboolean pending_unmerge;
  GHashTable *guests;             /* domain name -> GuestFigures*, this cycle's */

  /* Writes. */
  gboolean read_in_flight;        /* remote read */
  RemoteCycle remote_cycle;
  gboolean write_in_flight;
  gboolean not_permitted;         /* writes refused: decide, do not try again */
  GPtrArray *last_writes;         /* what the last completed job wrote */
  guint64 writes_total;
  guint64 write_failures_total;
  char *write_error;
  char *read_error;
  char *last_logged;              /* the decision text last logged at message level */
};

/* ---- Construction ---- */

/* The directory libvirt keeps its QEMU domains' pid files in for URI, below
 * PATHS->run_dir; NULL when the URI's driver has no QEMU processes here. */
static char *
qemu_pid_dir (const BallastPaths *paths, const char *uri)
{
  g_autoptr(GUri) parsed = uri != NULL ? g_uri_parse (uri, G_URI_FLAGS_NONE, NULL) : NULL;
  if (parsed == NULL || ballast_uri_is_remote (uri))
    return NULL;
  const char *scheme = g_uri_get_scheme (parsed);
  if (g_ascii_strcasecmp (scheme, "qemu") != 0 && g_ascii_strcasecmp (scheme, "qemu+unix") != 0)
    return NULL;
  const char *path = g_uri_get_path (parsed);
  if (g_strcmp0 (path, "/system") == 0)
    return g_build_filename (paths->run_dir, "libvirt", "qemu", NULL);
  if (g_strcmp0 (path, "/session") == 0)
    return g_build_filename (g_get_user_runtime_dir (), "libvirt", "qemu", "run", NULL);
  return NULL;
}

static void
find_ksmd (BallastKsmManager *manager)
{
  g_autoptr(GError) error = NULL;
  if (!ballast_proc_find_by_comm (manager->paths, "ksmd", &manager->ksmd_pid, &error))
    {
      manager->ksmd_pid = 0;
      g_debug ("ksm: no ksmd thread found, its CPU cost will not be known: %s", error->message);
    }
}

BallastKsmManager *
ballast_ksm_manager_new (const BallastPaths *paths, const char *uri)
{
  g_autoptr(BallastKsmManager) manager = g_new0 (BallastKsmManager, 1);
  manager->paths = ballast_paths_copy (paths);
  manager->remote = uri != NULL && ballast_uri_is_remote (uri);
  manager->pid_dir = qemu_pid_dir (paths, uri);
  manager->cancellable = g_cancellable_new ();
  manager->page_size_bytes = (guint64) MAX (sysconf (_SC_PAGESIZE), 1);
  manager->guests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  manager->last_writes = g_ptr_array_new_with_free_func (g_free);
  ballast_ksm_policy_init_defaults (&manager->file_policy);
  manager->file_mode = ballast_ksm_mode_default (BALLAST_TENANCY_UNSET);

  if (manager->remote)
    return g_steal_pointer (&manager); /* probed through libvirt once connected */

  BallastKsmState state;
  g_autoptr(GError) error = NULL;
  if (!ballast_ksm_read (paths, &state, &error))
    {
      if (g_error_matches (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED))
        {
          manager->unavailable_reason = g_strdup ("no KSM in this kernel");
          g_info ("ksm: not available: %s", error->message);
          return g_steal_pointer (&manager);
        }
      /* Unreadable now is not absent: say so, and try again each cycle. */
      g_warning ("ksm: %s", error->message);
      manager->read_error = g_strdup (error->message);
    }
  find_ksmd (manager);
  pid_t ksmtuned = 0;
  if (ballast_proc_find_by_comm (paths, "ksmtuned", &ksmtuned, NULL))
    {
      manager->ksmtuned_pid = ksmtuned;
      g_warning ("ksm: ksmtuned is running (pid %d) and will fight ballast over KSM: it "
                 "rewrites run and pages_to_scan every minute; stop and disable it",
                 (int) ksmtuned);
    }
  return g_steal_pointer (&manager);
}

void
ballast_ksm_manager_free (BallastKsmManager *manager)
{
  if (manager == NULL)
    return;
  /* A write still running finishes in its thread; its result is dropped. */
  if (manager->cancellable != NULL)
    g_cancellable_cancel (manager->cancellable);
  g_clear_object (&manager->cancellable);
  if (manager->remote_cycle.conn != NULL)
    virConnectClose (manager->remote_cycle.conn);
  g_clear_pointer (&manager->paths, ballast_paths_free);
  g_clear_pointer (&manager->guests, g_hash_table_unref);
  g_clear_pointer (&manager->last_writes, g_ptr_array_unref);
  g_free (manager->pid_dir);
  g_free (manager->unavailable_reason);
  g_free (manager->write_error);
  g_free (manager->read_error);
  g_free (manager->last_logged);
  g_free (manager);
}

void
ballast_ksm_manager_set_pid_dir (BallastKsmManager *manager, const char *pid_dir)
{
  g_free (manager->pid_dir);
  manager->pid_dir = g_strdup (pid_dir);
  g_hash_table_remove_all (manager->guests);
}

void
ballast_ksm_manager_set_policy (BallastKsmManager *manager, const BallastPolicyFile *file)
{
  if (manager->override.set != 0 || manager->unmerge_requested)
    g_message ("ksm: the ksm-set override is dropped: the policy file applies again");
  manager->file_policy = file->ksm;
  manager->file_mode = file->ksm_mode;
  manager->file_mode_set = file->ksm_set;
  manager->tenancy = file->tenancy;
  manager->override = (BallastKsmOverride) { 0 };
  manager->unmerge_requested = FALSE; /* it came with an override of mode off */
  /* An empty history only costs one cycle without rates; rates measured
   * under other thresholds would mislead the first decision. */
  manager->history = (BallastKsmHistory) { 0 };
}

/* ---- The policy in effect ---- */

static void
effective_policy (const BallastKsmManager *manager, BallastKsmPolicy *ret_policy,
                  BallastKsmMode *ret_mode)
{
  const BallastKsmOverride *o = &manager->override;
  BallastKsmPolicy policy = manager->file_policy;
  if (o->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MIN)
    policy.pages_to_scan_min = o->pages_to_scan_min;
  if (o->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MAX)
    policy.pages_to_scan_max = o->pages_to_scan_max;
  if (o->set & BALLAST_KSM_OVERRIDE_SLEEP_MILLISECS)
    {
      policy.sleep_millisecs = o->sleep_millisecs;
      policy.sleep_scaled = FALSE;
    }
  if (o->set & BALLAST_KSM_OVERRIDE_CPU_BUDGET)
    policy.cpu_budget_permille = o->cpu_budget_permille;
  if (o->set & BALLAST_KSM_OVERRIDE_MERGE_ACROSS_NODES)
    policy.merge_across_nodes = o->merge_across_nodes;
  if (o->set & BALLAST_KSM_OVERRIDE_USE_ZERO_PAGES)
    policy.use_zero_pages = o->use_zero_pages;
  *ret_policy = policy;
  *ret_mode = (o->set & BALLAST_KSM_OVERRIDE_MODE) ? o->mode : manager->file_mode;
}

/* Whether ballast drives KSM at all. A policy that says nothing about page
 * sharing (no <ksm>, no tenancy) leaves ksmd as the operator (or ksmtuned)
 * set it: ballast reports, but never starts or stops it behind their back
 * just because it was upgraded. */
static gboolean
ksm_managed (const BallastKsmManager *manager)
{
  return (manager->override.set & BALLAST_KSM_OVERRIDE_MODE) || manager->file_mode_set
         || manager->tenancy != BALLAST_TENANCY_UNSET;
}

static const char *
mode_source (const BallastKsmManager *manager)
{
  if (manager->override.set & BALLAST_KSM_OVERRIDE_MODE)
    return "ksm-set";
  if (manager->file_mode_set)
    return "policy";
  if (!ksm_managed (manager))
    return "not managed: no <ksm> in the policy";
  switch (manager->tenancy)
    {
    case BALLAST_TENANCY_SINGLE:
      return "tenancy single";
    case BALLAST_TENANCY_MULTI:
      return "tenancy multi";
    case BALLAST_TENANCY_UNSET:
    default:
      return "default";
    }
}

gboolean
ballast_ksm_manager_set_override (BallastKsmManager *manager, const BallastKsmOverride *changes,
                                  gboolean clear, gboolean unmerge, GError **error)
{
  if (manager->unavailable_reason != NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED, "KSM is not available: %s",
                   manager->unavailable_reason);
      return FALSE;
    }
  if (unmerge && manager->remote)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                   "cannot unmerge on a remote host: libvirt has no KSM run setting");
      return FALSE;
    }
  BallastKsmOverride next = clear ? (BallastKsmOverride) { 0 } : manager->override;
  const BallastKsmOverride *c = changes;
  if (unmerge && (c->set & BALLAST_KSM_OVERRIDE_MODE) && c->mode != BALLAST_KSM_MODE_OFF)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "unmerge with mode %s: ksmd would merge the pages again at once",
                   ballast_ksm_mode_to_string (c->mode));
      return FALSE;
    }
  if (c->set & BALLAST_KSM_OVERRIDE_MODE)
    next.mode = c->mode;
  else if (unmerge)
    next.mode = BALLAST_KSM_MODE_OFF;
  if (unmerge)
    next.set |= BALLAST_KSM_OVERRIDE_MODE;
  if (c->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MIN)
    next.pages_to_scan_min = c->pages_to_scan_min;
  if (c->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MAX)
    next.pages_to_scan_max = c->pages_to_scan_max;
  if (c->set & BALLAST_KSM_OVERRIDE_SLEEP_MILLISECS)
    next.sleep_millisecs = c->sleep_millisecs;
  if (c->set & BALLAST_KSM_OVERRIDE_CPU_BUDGET)
    next.cpu_budget_permille = c->cpu_budget_permille;
  if (c->set & BALLAST_KSM_OVERRIDE_MERGE_ACROSS_NODES)
    next.merge_across_nodes = c->merge_across_nodes;
  if (c->set & BALLAST_KSM_OVERRIDE_USE_ZERO_PAGES)
    next.use_zero_pages = c->use_zero_pages;
  next.set |= c->set;

  /* The same rules as the policy file's loader, on the result. */
  if ((next.set & BALLAST_KSM_OVERRIDE_MODE) && next.mode != BALLAST_KSM_MODE_OFF
      && manager->tenancy == BALLAST_TENANCY_MULTI)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "KSM mode %s with <guests tenancy='multi'> in the policy: merged pages let "
                   "guests of different tenants learn about each other's memory through timing; "
                   "change the policy's tenancy to 'single' if the guests trust each other",
                   ballast_ksm_mode_to_string (next.mode));
      return FALSE;
    }
  BallastKsmOverride saved = manager->override;
  manager->override = next;
  BallastKsmPolicy policy;
  BallastKsmMode mode;
  effective_policy (manager, &policy, &mode);
  if (policy.pages_to_scan_min > policy.pages_to_scan_max)
    {
      manager->override = saved;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "pages_to_scan min %u is above max %u", policy.pages_to_scan_min,
                   policy.pages_to_scan_max);
      return FALSE;
    }
  if (unmerge)
    manager->unmerge_requested = TRUE;
  g_autofree char *described = ballast_ksm_policy_describe (&policy);
  g_message ("ksm: ksm-set: mode %s (%s), %s%s; until the next policy reload",
             ballast_ksm_mode_to_string (mode), mode_source (manager), described,
             unmerge ? "; unmerging every page" : "");
  return TRUE;
}

/* ---- One cycle ---- */

static void
count_guests (BallastKsmManager *manager, BallastRegistry *registry)
{
  manager->n_shareable = manager->n_nosharepages = manager->n_excluded = 0;
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (registry);
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (!domain->active || domain->observed.config == NULL)
        continue;
      switch (ballast_ksm_guest_share (domain->observed.config, &domain->tuning.resolved))
        {
        case BALLAST_KSM_GUEST_SHAREABLE:
          manager->n_shareable++;
          break;
        case BALLAST_KSM_GUEST_NOSHAREPAGES:
          manager->n_nosharepages++;
          break;
        case BALLAST_KSM_GUEST_EXCLUDED:
        default:
          manager->n_excluded++;
          break;
        }
    }
}

/* Say MESSAGE once, and again only when it changes; keep it for status. */
static void
note_error (char **slot, const char *message)
{
  if (g_strcmp0 (*slot, message) != 0)
    g_warning ("ksm: %s", message);
  g_free (*slot);
  *slot = g_strdup (message);
}

static void
clear_error (char **slot, const char *what)
{
  if (*slot != NULL)
    g_message ("ksm: %s again", what);
  g_clear_pointer (slot, g_free);
}

/* ksmd's CPU time, finding ksmd again once if the pid we kept is gone. */
static void
read_ksmd_cpu (BallastKsmManager *manager, BallastKsmSample *sample)
{
  for (int attempt = 0; attempt < 2; attempt++)
    {
      if (manager->ksmd_pid == 0)
        {
          if (attempt > 0)
            break;
          find_ksmd (manager);
          continue;
        }
      g_autoptr(GError) error = NULL;
      if (ballast_proc_cpu_usec_read (manager->paths, manager->ksmd_pid, "ksmd",
                                      &sample->ksmd_cpu_usec, &error))
        {
          sample->has_ksmd_cpu = TRUE;
          return;
        }
      g_debug ("ksm: ksmd's CPU time: %s", error->message);
      manager->ksmd_pid = 0;
    }
  sample->has_ksmd_cpu = FALSE;
}

static gboolean
anything_merged (const BallastKsmState *state)
{
  return state->pages_shared > 0 || state->pages_sharing > 0;
}

static char *
join_writes (GPtrArray *writes)
{
  g_autoptr(GString) text = g_string_new (NULL);
  for (guint i = 0; i < writes->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", (char *) writes->pdata[i]);
  return g_strdup (text->str);
}

/* Log TEXT at message level when it differs from the last one logged
 * that way (a decision repeated every cycle is said once), else at debug. */
static void
log_decision (BallastKsmManager *manager, const char *text)
{
  if (g_strcmp0 (manager->last_logged, text) == 0)
    {
      g_debug ("ksm: %s", text);
      return;
    }
  g_message ("ksm: %s", text);
  g_free (manager->last_logged);
  manager->last_logged = g_strdup (text);
}

static void on_actuated (GObject *source, GAsyncResult *result, gpointer user_data);

static void
finish_actuation (BallastKsmManager *manager, BallastKsmActuation *actuation)
{
  manager->write_in_flight = FALSE;
  g_ptr_array_set_size (manager->last_writes, 0);
  for (guint i = 0; i < actuation->made->len; i++)
    g_ptr_array_add (manager->last_writes, g_strdup (actuation->made->pdata[i]));
  manager->writes_total += actuation->made->len;
  if (actuation->unmerged && manager->unmerge_requested)
    {
      manager->unmerge_requested = FALSE;
      g_message ("ksm: every page unmerged (%" G_GINT64_FORMAT " ms)",
                 actuation->duration_usec / 1000);
    }
  for (guint i = 0; actuation->skipped != NULL && i < actuation->skipped->len; i++)
    g_message ("ksm: %s", (char *) actuation->skipped->pdata[i]);
  if (actuation->error == NULL)
    {
      clear_error (&manager->write_error, "KSM settings written");
      return;
    }
  manager->write_failures_total++;
  if (actuation->not_permitted && !manager->not_permitted)
    {
      manager->not_permitted = TRUE;
      g_warning ("ksm: cannot write the KSM settings (ballastd is not root?): deciding and "
                 "reporting only");
    }
  note_error (&manager->write_error, actuation->error);
}

static void
on_actuated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastKsmActuation) actuation = ballast_ksm_actuate_finish (result, &error);
  if (actuation == NULL)
    return; /* cancelled: the manager is gone */
  finish_actuation (user_data, actuation);
}

static void
on_remote_actuated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastKsmActuation) actuation = ballast_ksm_remote_actuate_finish (result, &error);
  if (actuation == NULL)
    return;
  finish_actuation (user_data, actuation);
}

/* Remote hosts: libvirt's parameters, without "run". */
static void
act_remote (BallastKsmManager *manager, const BallastKsmSample *sample, const char *described,
            gboolean actuate, virConnectPtr conn)
{
  g_autoptr(GError) error = NULL;
  virTypedParameterPtr params = NULL;
  int n_params = 0;
  g_autoptr(GPtrArray) skipped = NULL;
  if (!ballast_ksm_tunables_to_libvirt (&sample->state, &manager->decision.wanted, &params,
                                        &n_params, &skipped, &error))
    {
      note_error (&manager->write_error, error->message);
      return;
    }
  if (n_params == 0)
    {
      g_debug ("ksm: %s", described);
      for (guint i = 0; skipped != NULL && i < skipped->len; i++)
        g_debug ("ksm: %s", (char *) skipped->pdata[i]);
      return;
    }
  g_autoptr(GString) text = g_string_new (described);
  g_string_append (text, actuate ? "; setting" : "; would set");
  for (int i = 0; i < n_params; i++)
    g_string_append_printf (text, "%s %s %u", i > 0 ? "," : "", params[i].field,
                            params[i].value.ui);
  log_decision (manager, text->str);
  if (!actuate || conn == NULL || manager->not_permitted)
    {
      virTypedParamsFree (params, n_params);
      return;
    }
  manager->write_in_flight = TRUE;
  ballast_ksm_remote_actuate_async (conn, params, n_params, g_steal_pointer (&skipped),
                                    manager->cancellable, on_remote_actuated, manager);
}

static void
decide_and_act (BallastKsmManager *manager, const BallastKsmSample *sample,
                guint64 budget_total_kib, gint64 slack_kib, gboolean actuate, virConnectPtr conn)
{
  BallastKsmPolicy policy;
  BallastKsmMode mode;
  effective_policy (manager, &policy, &mode);
  BallastKsmHostInput host = {
    .budget_total_kib = budget_total_kib,
    .slack_kib = slack_kib,
    .n_shareable_guests = manager->n_shareable,
    .tenancy = manager->tenancy,
    .page_size_bytes = manager->page_size_bytes,
  };
  BallastKsmDecision decision;
  ballast_ksm_decide (&policy, mode, &host, &manager->history, sample, &decision);
  ballast_ksm_history_advance (&manager->history, sample, &decision);

  /* ksm-set --unmerge: run=2 once, whatever the mode decided (it is off). */
  if (manager->unmerge_requested && decision.run_controllable)
    {
      decision.wanted.set |= BALLAST_KSM_SET_RUN;
      decision.wanted.run = BALLAST_KSM_RUN_UNMERGE;
      decision.run_changes = sample->state.run != BALLAST_KSM_RUN_UNMERGE
                             || anything_merged (&sample->state);
      if (!decision.run_changes)
        manager->unmerge_requested = FALSE; /* already done, by us or someone */
    }
  manager->sample = *sample;
  manager->has_sample = TRUE;
  manager->decision = decision;
  manager->has_decision = TRUE;

  g_autofree char *described = ballast_ksm_decision_describe (&decision);
  if (manager->write_in_flight)
    {
      g_debug ("ksm: %s (the previous write is still running: nothing written this cycle)",
               described);
      return;
    }
  if (manager->remote)
    {
      act_remote (manager, sample, described, actuate, conn);
      return;
    }

  g_autoptr(GError) error = NULL;
  g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (&sample->state, &decision.wanted,
                                                                 &error);
  if (plan == NULL)
    {
      note_error (&manager->write_error, error->message);
      return;
    }
  manager->pending_unmerge = plan->pending_unmerge;
  if (plan->writes->len == 0)
    {
      g_debug ("ksm: %s", described);
      return;
    }
  g_autoptr(GPtrArray) writes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < plan->writes->len; i++)
    g_ptr_array_add (writes, ballast_ksm_write_describe (&g_array_index (plan->writes,
                                                                         BallastKsmWrite, i)));
  g_autofree char *joined = join_writes (writes);
  gboolean writing = actuate && !manager->not_permitted;
  g_autofree char *text = g_strdup_printf ("%s; %s %s%s", described,
                                           writing ? "writing" : "would write", joined,
                                           writing ? "" : actuate ? " (not permitted)"
                                                                  : " (dry-run or paused)");
  log_decision (manager, text);
  if (!writing)
    return;
  manager->write_in_flight = TRUE;
  ballast_ksm_actuate_async (manager->paths, g_steal_pointer (&plan), manager->cancellable,
                             on_actuated, manager);
}

static void
on_remote_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  BallastKsmSample sample = { 0 };
  gboolean ok = ballast_ksm_remote_read_finish (result, &sample.state, &sample.time_usec, &error);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  BallastKsmManager *manager = user_data;
  manager->read_in_flight = FALSE;
  RemoteCycle cycle = manager->remote_cycle;
  manager->remote_cycle.conn = NULL;
  if (!ok)
    {
      if (g_error_matches (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED))
        {
          /* libvirt's test driver, or a host without KSM: nothing to manage. */
          manager->unavailable_reason = g_strdup ("the driver has no node memory parameters");
          g_message ("ksm: not available (driver): %s", error->message);
        }
      else
        note_error (&manager->read_error, error->message);
    }
  else
    {
      clear_error (&manager->read_error, "KSM parameters readable");
      decide_and_act (manager, &sample, cycle.budget_total_kib, cycle.slack_kib, cycle.actuate,
                      cycle.conn);
    }
  if (cycle.conn != NULL)
    virConnectClose (cycle.conn);
}

void
ballast_ksm_manager_cycle (BallastKsmManager *manager, BallastRegistry *registry,
                           const BallastKsmCycleInput *input)
{
  manager->cycle++;
  g_hash_table_remove_all (manager->guests); /* per-guest figures are read afresh on demand */
  count_guests (manager, registry);
  if (manager->unavailable_reason != NULL)
    return;

  if (manager->remote)
    {
      if (manager->read_in_flight || input->conn == NULL)
        return;
      virConnectRef (input->conn);
      manager->remote_cycle = (RemoteCycle) {
        .budget_total_kib = input->budget_total_kib,
        .slack_kib = input->slack_kib,
        .actuate = input->actuate && ksm_managed (manager),
        .conn = input->conn,
      };
      manager->read_in_flight = TRUE;
      ballast_ksm_remote_read_async (input->conn, manager->cancellable, on_remote_read, manager);
      return;
    }

  /* Local: a few small sysfs files, read here right after meminfo so both
   * describe the same moment. Reading never blocks on ksmd (the kernel's
   * show functions take no lock); only writes can. */
  BallastKsmSample sample = { 0 };
  g_autoptr(GError) error = NULL;
  if (!ballast_ksm_read (manager->paths, &sample.state, &error))
    {
      note_error (&manager->read_error, error->message);
      return;
    }
  clear_error (&manager->read_error, "KSM sysfs readable");
  sample.time_usec = g_get_monotonic_time ();
  read_ksmd_cpu (manager, &sample);
  decide_and_act (manager, &sample, input->budget_total_kib, input->slack_kib,
                  input->actuate && ksm_managed (manager),
                  NULL);
}

/* ---- Reports ---- */

/* A counter of STATE when its file was read, else unknown. */
static BallastFigure
counter (const BallastKsmState *state, guint32 bit, guint64 value)
{
  return state != NULL && (state->present & bit) ? ballast_figure_kib (value) : BALLAST_FIGURE_UNKNOWN;
}

static const char *
advisor_to_string (BallastKsmAdvisor advisor)
{
  switch (advisor)
    {
    case BALLAST_KSM_ADVISOR_NONE:
      return "none";
    case BALLAST_KSM_ADVISOR_SCAN_TIME:
      return "scan-time";
    case BALLAST_KSM_ADVISOR_OTHER:
    default:
      return "other";
    }
}

static void
override_report (const BallastKsmOverride *o, BallastKsmOverrideReport *report)
{
  *report = (BallastKsmOverrideReport) {
    .mode = o->set & BALLAST_KSM_OVERRIDE_MODE ? ballast_ksm_mode_to_string (o->mode) : NULL,
    .pages_to_scan_min = o->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MIN
                           ? ballast_figure (o->pages_to_scan_min) : BALLAST_FIGURE_UNKNOWN,
    .pages_to_scan_max = o->set & BALLAST_KSM_OVERRIDE_PAGES_TO_SCAN_MAX
                           ? ballast_figure (o->pages_to_scan_max) : BALLAST_FIGURE_UNKNOWN,
    .sleep_millisecs = o->set & BALLAST_KSM_OVERRIDE_SLEEP_MILLISECS
                         ? ballast_figure (o->sleep_millisecs) : BALLAST_FIGURE_UNKNOWN,
    .cpu_budget_permille = o->set & BALLAST_KSM_OVERRIDE_CPU_BUDGET
                             ? ballast_figure (o->cpu_budget_permille) : BALLAST_FIGURE_UNKNOWN,
    .merge_across_nodes = o->set & BALLAST_KSM_OVERRIDE_MERGE_ACROSS_NODES
                            ? ballast_figure_flag (o->merge_across_nodes == BALLAST_KSM_KNOB_YES)
                            : BALLAST_FIGURE_UNKNOWN,
    .use_zero_pages = o->set & BALLAST_KSM_OVERRIDE_USE_ZERO_PAGES
                        ? ballast_figure_flag (o->use_zero_pages == BALLAST_KSM_KNOB_YES)
                        : BALLAST_FIGURE_UNKNOWN,
  };
}

void
ballast_ksm_manager_report (BallastKsmManager *manager, BallastKsmReport *report)
{
  BallastKsmPolicy policy;
  BallastKsmMode mode;
  effective_policy (manager, &policy, &mode);
  const BallastKsmState *state = manager->has_sample ? &manager->sample.state : NULL;
  const BallastKsmDecision *d = manager->has_decision ? &manager->decision : NULL;
  gboolean has_rates = d != NULL && d->has_rates;

  *report = (BallastKsmReport) {
    .available = manager->unavailable_reason == NULL,
    .unavailable_reason = manager->unavailable_reason,
    .source = manager->remote ? "libvirt" : "sysfs",
    .mode = ballast_ksm_mode_to_string (mode),
    .mode_source = mode_source (manager),
    .tenancy = ballast_tenancy_to_string (manager->tenancy),
    .policy = ballast_ksm_policy_describe (&policy),
    .has_override = manager->override.set != 0,
    .unmerge_requested = manager->unmerge_requested,

    .run = counter (state, BALLAST_KSM_HAS_RUN, state != NULL ? (guint64) state->run : 0),
    .run_offline = state != NULL && state->run_offline,
    .run_controllable = !manager->remote,
    .reason = d != NULL ? ballast_ksm_reason_to_string (d->reason) : NULL,
    .reason_text = d != NULL ? ballast_ksm_decision_describe (d) : NULL,
    .scan_reason = d != NULL ? ballast_ksm_scan_reason_to_string (d->scan_reason) : NULL,
    .pages_to_scan = counter (state, BALLAST_KSM_HAS_PAGES_TO_SCAN, state ? state->pages_to_scan : 0),
    .sleep_millisecs = counter (state, BALLAST_KSM_HAS_SLEEP_MILLISECS, state ? state->sleep_millisecs : 0),
    .merge_across_nodes = state != NULL && (state->present & BALLAST_KSM_HAS_MERGE_ACROSS_NODES)
                            ? ballast_figure_flag (state->merge_across_nodes) : BALLAST_FIGURE_UNKNOWN,
    .use_zero_pages = state != NULL && (state->present & BALLAST_KSM_HAS_USE_ZERO_PAGES)
                        ? ballast_figure_flag (state->use_zero_pages) : BALLAST_FIGURE_UNKNOWN,
    .advisor_mode = state != NULL && (state->present & BALLAST_KSM_HAS_ADVISOR_MODE)
                      ? advisor_to_string (state->advisor_mode) : NULL,

    .saved_pages = d != NULL ? ballast_figure_kib (d->saved_pages) : BALLAST_FIGURE_UNKNOWN,
    .saved_kib = d != NULL ? ballast_figure_kib (d->saved_kib) : BALLAST_FIGURE_UNKNOWN,
    .general_profit_bytes = state != NULL && (state->present & BALLAST_KSM_HAS_GENERAL_PROFIT)
                              ? ballast_figure (state->general_profit_bytes) : BALLAST_FIGURE_UNKNOWN,
    .pages_shared = counter (state, BALLAST_KSM_HAS_PAGES_SHARED, state ? state->pages_shared : 0),
    .pages_sharing = counter (state, BALLAST_KSM_HAS_PAGES_SHARING, state ? state->pages_sharing : 0),
    .pages_unshared = counter (state, BALLAST_KSM_HAS_PAGES_UNSHARED, state ? state->pages_unshared : 0),
    .pages_volatile = counter (state, BALLAST_KSM_HAS_PAGES_VOLATILE, state ? state->pages_volatile : 0),
    .ksm_zero_pages = counter (state, BALLAST_KSM_HAS_KSM_ZERO_PAGES, state ? state->ksm_zero_pages : 0),
    .full_scans = counter (state, BALLAST_KSM_HAS_FULL_SCANS, state ? state->full_scans : 0),
    .pages_scanned = counter (state, BALLAST_KSM_HAS_PAGES_SCANNED, state ? state->pages_scanned : 0),
    .page_size_bytes = ballast_figure ((gint64) manager->page_size_bytes),

    .ksmd_pid = manager->ksmd_pid > 0 ? ballast_figure (manager->ksmd_pid) : BALLAST_FIGURE_UNKNOWN,
    .ksmd_cpu_usec = manager->has_sample && manager->sample.has_ksmd_cpu
                       ? ballast_figure_kib (manager->sample.ksmd_cpu_usec) : BALLAST_FIGURE_UNKNOWN,
    .ksmd_cpu_permille = d != NULL && d->has_cpu ? ballast_figure (d->cpu_permille) : BALLAST_FIGURE_UNKNOWN,
    .cpu_budget_permille = ballast_figure (policy.cpu_budget_permille),
    .earning_permille = has_rates ? ballast_figure (d->earning_permille) : BALLAST_FIGURE_UNKNOWN,
    .scanned_pages = has_rates ? ballast_figure_kib (d->scanned_pages) : BALLAST_FIGURE_UNKNOWN,
    .interval_usec = has_rates ? ballast_figure (d->interval_usec) : BALLAST_FIGURE_UNKNOWN,
    .pending_unmerge = manager->pending_unmerge,
    .merge_across_nodes_deferred = d != NULL && d->merge_across_nodes_deferred,

    .write_in_flight = manager->write_in_flight,
    .writable = !manager->not_permitted,
    .write_error = manager->write_error,
    .read_error = manager->read_error,
    .last_writes = g_ptr_array_new (),
    .writes_total = ballast_figure_kib (manager->writes_total),
    .write_failures_total = ballast_figure_kib (manager->write_failures_total),
    .ksmtuned_pid = manager->ksmtuned_pid > 0 ? ballast_figure (manager->ksmtuned_pid) : BALLAST_FIGURE_UNKNOWN,
    .guests_shareable = ballast_figure (manager->n_shareable),
    .guests_nosharepages = ballast_figure (manager->n_nosharepages),
    .guests_excluded = ballast_figure (manager->n_excluded),
  };
  override_report (&manager->override, &report->override);
  for (guint i = 0; i < manager->last_writes->len; i++)
    g_ptr_array_add (report->last_writes, manager->last_writes->pdata[i]);
}

/* This cycle's figures of DOMAIN's QEMU, read on first use. */
static const GuestFigures *
guest_figures (BallastKsmManager *manager, BallastDomain *domain)
{
  GuestFigures *figures = g_hash_table_lookup (manager->guests, domain->name);
  if (figures != NULL)
    return figures;
  figures = g_new0 (GuestFigures, 1);
  g_hash_table_insert (manager->guests, g_strdup (domain->name), figures);
  if (manager->pid_dir == NULL || !domain->active)
    return figures;

  g_autoptr(GError) error = NULL;
  pid_t pid;
  if (!ballast_pid_file_read (manager->pid_dir, domain->name, &pid, &error))
    {
      /* No pid file: stopped meanwhile, or another driver's domain. */
      g_debug ("%s: no QEMU pid for its KSM figures: %s", domain->name, error->message);
      return figures;
    }
  if (!ballast_ksm_process_read (manager->paths, pid, &figures->process, &error))
    {
      g_debug ("%s: no KSM figures from its QEMU (pid %d): %s", domain->name, (int) pid,
               error->message);
      figures->process = (BallastKsmProcess) { 0 };
      return figures;
    }
  figures->pid = pid;
  return figures;
}

void
ballast_ksm_manager_guest_report (BallastKsmManager *manager, BallastDomain *domain,
                                  BallastGuestKsmReport *report)
{
  const BallastDomainConfig *config = domain->observed.config;
  const GuestFigures *figures = guest_figures (manager, domain);
  const BallastKsmProcess *p = &figures->process;
  gboolean merged_known = (p->present & (BALLAST_KSM_PROCESS_HAS_MERGING_PAGES
                                         | BALLAST_KSM_PROCESS_HAS_ZERO_PAGES)) != 0;
  guint64 merged = merged_known ? ballast_ksm_process_merged_pages (p) : 0;
  *report = (BallastGuestKsmReport) {
    .share = config != NULL ? ballast_ksm_guest_share_to_string (
                                ballast_ksm_guest_share (config, &domain->tuning.resolved))
                            : NULL,
    .qemu_pid = figures->pid > 0 ? ballast_figure (figures->pid) : BALLAST_FIGURE_UNKNOWN,
    .merged_pages = merged_known ? ballast_figure_kib (merged) : BALLAST_FIGURE_UNKNOWN,
    .merged_kib = merged_known ? ballast_figure_kib (merged * manager->page_size_bytes / 1024)
                               : BALLAST_FIGURE_UNKNOWN,
    .profit_bytes = p->present & BALLAST_KSM_PROCESS_HAS_PROFIT
                      ? ballast_figure (p->process_profit_bytes) : BALLAST_FIGURE_UNKNOWN,
    .rmap_items = p->present & BALLAST_KSM_PROCESS_HAS_RMAP_ITEMS
                    ? ballast_figure_kib (p->rmap_items) : BALLAST_FIGURE_UNKNOWN,
    .mergeable = p->present & BALLAST_KSM_PROCESS_HAS_MERGEABLE
                   ? ballast_figure_flag (p->mergeable) : BALLAST_FIGURE_UNKNOWN,
  };
}

void
ballast_ksm_manager_report_with_guests (BallastKsmManager *manager, BallastRegistry *registry,
                                        BallastKsmReport *report)
{
  ballast_ksm_manager_report (manager, report);
  report->guests = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (registry);
  for (guint i = 0; i < domains->len; i++)
    {
      BallastDomain *domain = domains->pdata[i];
      if (!domain->active)
        continue;
      BallastGuestKsmReport *guest = g_new0 (BallastGuestKsmReport, 1);
      ballast_ksm_manager_guest_report (manager, domain, guest);
      guest->name = domain->name;
      g_ptr_array_add (report->guests, guest);
    }
}
