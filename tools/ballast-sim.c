/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballast-sim: run scenarios (or traces recorded by ballastd) through
 * ballast's allocator and through the policies it is measured against,
 * on one model of guests and host, and compare. */
#include "config.h"

#include "json-util.h"
#include "policy-file.h"
#include "sim-budget.h"
#include "sim-model.h"
#include "sim-policy.h"
#include "sim-report.h"
#include "sim-scenario.h"
#include "sim-svg.h"
#include "sim-replay.h"
#include "text-fields.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EXIT_OK 0
#define EXIT_CHECK_FAILED 1
#define EXIT_USAGE 2

#define DEFAULT_POLICIES "static,mom,proxmox,ballast"

typedef struct {
  char *policy_path;
  char *compare;
  char *svg_dir;
  int svg_guests;
  gboolean json;
  gboolean check;
  gboolean keep_tuning;
  char *record_dir;
  gboolean quiet;
  gboolean min_budget;
} Options;

/* Writes the ballast run of a scenario as a trace, in the format of
 * lib/trace-record.h (what ballastd --record writes). */
typedef struct {
  FILE *out;
  const BallastPolicyFile *file;
  const BallastSimPolicy *policy;
  guint64 cycle;
} TraceWriter;

static void
write_trace_line (const BallastSimHostView *host, const BallastSimGuestView *guests, gsize n_guests,
                  const guint64 *targets, const int *reasons, gpointer user_data)
{
  TraceWriter *writer = user_data;
  g_autoptr(BallastTraceRecord) record = g_new0 (BallastTraceRecord, 1);
  record->time_usec = host->now_msec * 1000;
  record->cycle = ++writer->cycle;
  record->budget_total_kib = host->total_kib;
  record->budget_available_kib = host->available_kib;
  record->budget_overflow_kib = host->overflow_kib;
  record->reserve_kib = ballast_policy_reserve_kib (&writer->file->policy, host->total_kib);
  record->has_psi = TRUE;
  record->psi_some_avg10_centipct = host->psi_some_avg10_centipct;
  record->decision_interval_sec = host->decision_interval_sec;
  record->shrink_allowed = ballast_overcommit_allowed (writer->file->overcommit, TRUE);
  record->n_guests = n_guests;
  record->guests = g_new0 (BallastTraceGuest, MAX (n_guests, 1));
  /* What the allocator was fed beyond the views (its own history of each
   * guest: growth, loan clock, ...), as ballastd records it. */
  const BallastGuestInput *inputs = ballast_sim_policy_last_inputs (writer->policy);
  for (gsize i = 0; i < n_guests; i++)
    {
      const BallastSimGuestView *g = &guests[i];
      const BallastGuestInput *in = inputs != NULL ? &inputs[i] : NULL;
      record->guests[i] = (BallastTraceGuest) {
        .used_growth_kib_per_sec = in != NULL ? in->used_growth_kib_per_sec : 0,
        .over_fair_share_sec = in != NULL ? in->over_fair_share_sec : 0,
        .recently_shrunk = in != NULL && in->recently_shrunk,
        .settling = in != NULL && in->settling,
        .fixed = in != NULL && in->fixed,
        .free_page_reporting = g->free_page_reporting,
        .oom_deflated = in != NULL && in->oom_deflated,
        .oom_floor_kib = in != NULL ? in->oom_floor_kib : 0,
        .unreachable_kib = in != NULL ? in->unreachable_kib : 0,
        .name = g_strdup (g->name),
        .max_kib = g->max_kib,
        .current_kib = g->current_kib,
        .target_kib = g->target_kib,
        .usable_kib = g->usable_kib,
        .swap_in_kib_per_sec = g->swap_in_kib_per_sec,
        .major_faults_per_sec = g->major_faults_per_sec,
        .resident_kib = g->resident_kib,
        .has_tuning = TRUE,
        .tuning = g->tuning,
        .has_decision = TRUE,
        .decision_target_kib = targets[i],
        .decision_reason = reasons[i],
      };
      record->guests[i].tuning.min = (BallastAmount) { .kib = g->min_kib };
    }
  g_autofree char *line = ballast_trace_record_format (record);
  fprintf (writer->out, "%s\n", line);
}

static gboolean
write_file (const char *dir, const char *name, const char *contents, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_set_contents (path, contents, -1, error);
}

/* A file name from a scenario or policy name: letters, digits, - _ . only. */
static char *
safe_name (const char *name)
{
  char *safe = g_strdup (name);
  for (char *p = safe; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      *p = '_';
  return safe;
}

static BallastSimScenario *
load_input (const char *path, const Options *options, GError **error)
{
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, (gsize) 1 << 30, &text, error))
    return NULL;
  if (ballast_trace_text_is_trace (text))
    {
      g_autoptr(GPtrArray) records = ballast_trace_parse (text, path, error);
      if (records == NULL)
        return NULL;
      /* Without a policy file the recorded tuning is all there is; with
       * one, the policy file decides unless asked to keep it. */
      gboolean keep = options->keep_tuning || options->policy_path == NULL;
      return ballast_sim_scenario_from_trace (records, path, keep, error);
    }
  g_autofree char *dir = g_path_get_dirname (path);
  return ballast_sim_scenario_parse (text, path, dir, error);
}

/* Run every policy on one input. Returns the comparison, or NULL with
 * ERROR set. */
static BallastSimComparison *
run_input (const BallastSimScenario *scenario, const BallastPolicyFile *file, char **policies,
           const Options *options, GError **error)
{
  g_autoptr(BallastSimComparison) comparison = ballast_sim_comparison_new (scenario, file);
  for (guint p = 0; policies[p] != NULL; p++)
    {
      g_autoptr(BallastSimPolicy) policy = ballast_sim_policy_new (policies[p], file, scenario, error);
      if (policy == NULL)
        return NULL;
      BallastSimRunOptions run = { .timeline = options->svg_dir != NULL };
      TraceWriter writer = { .file = file, .policy = policy };
      g_autofree char *trace_path = NULL;
      if (options->record_dir != NULL && ballast_sim_policy_kind (policy) == BALLAST_SIM_POLICY_BALLAST)
        {
          g_autofree char *safe = safe_name (scenario->name);
          g_autofree char *name = g_strdup_printf ("%s.trace.jsonl", safe);
          if (g_mkdir_with_parents (options->record_dir, 0755) != 0)
            {
              int saved = errno;
              g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot create %s: %s",
                           options->record_dir, g_strerror (saved));
              return NULL;
            }
          trace_path = g_build_filename (options->record_dir, name, NULL);
          writer.out = fopen (trace_path, "w");
          if (writer.out == NULL)
            {
              int saved = errno;
              g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s",
                           trace_path, g_strerror (saved));
              return NULL;
            }
          run.on_cycle = write_trace_line;
          run.user_data = &writer;
        }
      BallastSimResult *result = ballast_sim_run (scenario, file, policy, &run);
      if (writer.out != NULL && fclose (writer.out) != 0)
        {
          int saved = errno;
          ballast_sim_result_free (result);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot write %s: %s",
                       trace_path, g_strerror (saved));
          return NULL;
        }
      if (options->min_budget && !scenario->from_trace
          && ballast_sim_policy_kind (policy) != BALLAST_SIM_POLICY_RECORDED)
        {
          BallastSimMinBudget needed;
          if (!ballast_sim_min_budget (scenario, file, policies[p], &needed, error))
            {
              ballast_sim_result_free (result);
              return NULL;
            }
          result->has_min_budget = TRUE;
          result->min_budget_found = needed.found;
          result->min_budget_kib = needed.budget_kib;
        }
      g_ptr_array_add (comparison->results, result);
    }
  if (options->min_budget && !scenario->from_trace)
    {
      comparison->has_min_budget = TRUE;
      comparison->peak_demand_kib = ballast_sim_peak_demand_kib (scenario);
      comparison->limit_kib = ballast_sim_limit_kib (scenario, file);
    }

  if (options->svg_dir != NULL)
    {
      g_autofree char *safe = safe_name (scenario->name);
      g_autofree char *overview = ballast_sim_svg_comparison (scenario, comparison->results);
      g_autofree char *overview_name = g_strdup_printf ("%s.svg", safe);
      if (!write_file (options->svg_dir, overview_name, overview, error))
        return NULL;
      for (guint i = 0; i < comparison->results->len; i++)
        {
          const BallastSimResult *result = comparison->results->pdata[i];
          g_autofree char *svg = ballast_sim_svg_timeline (scenario, result, (guint) options->svg_guests);
          g_autofree char *policy_safe = safe_name (result->policy_name);
          g_autofree char *name = g_strdup_printf ("%s-%s.svg", safe, policy_safe);
          if (!write_file (options->svg_dir, name, svg, error))
            return NULL;
        }
    }
  return g_steal_pointer (&comparison);
}

int
main (int argc, char **argv)
{
  Options options = { .svg_guests = 12 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) inputs = NULL;
  const GOptionEntry entries[] = {
    { "policy", 'p', 0, G_OPTION_ARG_FILENAME, &options.policy_path,
      "ballast policy file for the 'ballast' policy; it also resolves every guest's min and shares "
      "for all policies (default: built-in defaults)", "FILE" },
    { "compare", 'c', 0, G_OPTION_ARG_STRING, &options.compare,
      "Policies to run, comma-separated: static, mom, proxmox, ballast, recorded (traces only) "
      "(default " DEFAULT_POLICIES "; traces add recorded)", "LIST" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &options.svg_dir,
      "Write pictures to DIR: SCENARIO.svg (host memory under every policy) and SCENARIO-POLICY.svg "
      "(per guest: demand, target, actual, with the budget line)", "DIR" },
    { "svg-guests", 0, 0, G_OPTION_ARG_INT, &options.svg_guests,
      "At most N guest panels per picture (default 12)", "N" },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &options.json, "Print results as JSON", NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &options.check,
      "Exit 1 unless ballast passes the rule of tests/sim/README.md on every input "
      "(needs static and ballast among the policies)", NULL },
    { "keep-tuning", 0, 0, G_OPTION_ARG_NONE, &options.keep_tuning,
      "Replaying a trace with --policy: keep each guest's recorded tuning", NULL },
    { "record-dir", 0, 0, G_OPTION_ARG_FILENAME, &options.record_dir,
      "Write ballast's run of each input to DIR/SCENARIO.trace.jsonl, in the ballastd --record format", "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &options.quiet, "Print only failures of --check", NULL },
    { "min-budget", 0, 0, G_OPTION_ARG_NONE, &options.min_budget,
      "Also bisect, per policy, the smallest budget (host memory follows) with no guest OOM and "
      "no host OOM, to 1%, against the limit an oracle needs (peak demand plus the reserve); "
      "scenarios only", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &inputs, NULL, "SCENARIO|TRACE..." },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("SCENARIO|TRACE... - compare balloon policies");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (
    context,
    "Each SCENARIO is a JSON scenario file (format: tests/sim/README.md); each TRACE a file\n"
    "written by 'ballastd --record' (format: lib/trace-record.h), replayed on the same model.\n"
    "Every policy runs on the same model of guests and host and sees what a real manager\n"
    "sees each cycle. The table per input gives: unmet demand (MiB x s), guest OOM events,\n"
    "host overflow (MiB x s), host OOM events, balloon operations, memory reclaimed on\n"
    "average, and the overcommit ratio held (the guests' max over the budget, when the\n"
    "policy had no OOM at all).\n"
    "\n"
    "Policies: static (no ballooning), mom (oVirt MoM's default balloon rules), proxmox\n"
    "(Proxmox VE's auto-ballooning), ballast (lib/policy-engine with --policy), recorded\n"
    "(a trace's own decisions).\n"
    "\n"
    "Exit status: 0 success, 1 --check failed, 2 bad usage or input.\n"
    "\n"
    "Example: ballast-sim --svg /tmp/sim tests/sim/scenarios/*.json");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ballast-sim: %s\nTry 'ballast-sim --help'.\n", error->message);
      return EXIT_USAGE;
    }
  if (inputs == NULL || inputs[0] == NULL)
    {
      g_printerr ("ballast-sim: no scenario given\nTry 'ballast-sim --help'.\n");
      return EXIT_USAGE;
    }
  if (options.svg_guests < 0 || options.svg_guests > 1000)
    {
      g_printerr ("ballast-sim: --svg-guests must be between 0 and 1000\n");
      return EXIT_USAGE;
    }

  g_autoptr(BallastPolicyFile) file = options.policy_path != NULL
                                      ? ballast_policy_file_load (options.policy_path, &error)
                                      : ballast_policy_file_new_default ();
  if (file == NULL)
    {
      g_printerr ("ballast-sim: %s\n", error->message);
      return EXIT_USAGE;
    }

  g_autoptr(json_object) json_results = json_object_new_array ();
  int status = EXIT_OK;
  for (guint i = 0; inputs[i] != NULL; i++)
    {
      g_autoptr(BallastSimScenario) scenario = load_input (inputs[i], &options, &error);
      if (scenario == NULL)
        {
          g_printerr ("ballast-sim: %s\n", error->message);
          return EXIT_USAGE;
        }
      const char *list = options.compare != NULL ? options.compare
                         : scenario->from_trace ? DEFAULT_POLICIES ",recorded" : DEFAULT_POLICIES;
      g_auto(GStrv) policies = g_strsplit (list, ",", -1);
      for (guint p = 0; policies[p] != NULL; p++)
        g_strstrip (policies[p]);
      if (options.check && (!g_strv_contains ((const char *const *) policies, "static")
                            || !g_strv_contains ((const char *const *) policies, "ballast")))
        {
          g_printerr ("ballast-sim: --check needs static and ballast among the policies\n");
          return EXIT_USAGE;
        }
      g_autoptr(BallastSimComparison) comparison = run_input (scenario, file, policies, &options, &error);
      if (comparison == NULL)
        {
          g_printerr ("ballast-sim: %s\n", error->message);
          return EXIT_USAGE;
        }

      g_autofree char *verdict = NULL;
      gboolean pass = TRUE;
      if (ballast_sim_comparison_find (comparison, "static") != NULL
          && ballast_sim_comparison_find (comparison, "ballast") != NULL)
        pass = ballast_sim_check_ok (ballast_sim_check (comparison, &verdict));
      if (options.check && !pass)
        status = EXIT_CHECK_FAILED;

      if (options.json)
        json_object_array_add (json_results, ballast_sim_comparison_to_json (comparison));
      else if (!options.quiet || (options.check && !pass))
        {
          g_autofree char *table = ballast_sim_render_table (comparison);
          printf ("%s%s%s%s\n", i > 0 ? "\n" : "", table, verdict != NULL ? "  check: " : "",
                  verdict != NULL ? verdict : "");
        }
      fflush (stdout);
    }
  if (options.json)
    printf ("%s\n", json_object_to_json_string_ext (json_results, JSON_C_TO_STRING_PRETTY
                                                                 | JSON_C_TO_STRING_NOSLASHESCAPE));
  g_free (options.policy_path);
  g_free (options.compare);
  g_free (options.svg_dir);
  g_free (options.record_dir);
  return status;
}
