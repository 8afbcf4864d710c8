/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulator's pieces: scenario and CSV parsing (every error names the
 * file and the field), demand curves, the model's accounting, the MoM and
 * Proxmox rules on hand-computed cases, the ballast adapter, the trace
 * format, the check and the SVG writer. */
#include "sim-budget.h"
#include "sim-model.h"
#include "sim-policy.h"
#include "sim-report.h"
#include "sim-scenario.h"
#include "sim-svg.h"
#include "sim-replay.h"

#include "ballast-error.h"

#include <libxml/parser.h>
#include <math.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)

static BallastSimScenario *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  BallastSimScenario *scenario = ballast_sim_scenario_parse (text, "test.json", BALLAST_SIM_TEST_DIR, &error);
  g_assert_no_error (error);
  g_assert_nonnull (scenario);
  return scenario;
}

/* ---- Scalars and curves ---- */

static void
test_duration (void)
{
  static const struct { const char *text; gint64 msec; } good[] = {
    { "250ms", 250 }, { "10s", 10000 }, { "5m", 300000 }, { "2h", 7200000 }, { "1d", 86400000 },
    { "1.5s", 1500 }, { "30", 30000 }, { "0", 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      guint64 msec = 4242;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_duration_parse_msec (good[i].text, &msec, &error));
      g_assert_cmpint (msec, ==, good[i].msec);
    }
  static const char *const bad[] = { "", "abc", "10 parsecs", "-5s", "1e12h", " 5s" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      guint64 msec;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_duration_parse_msec (bad[i], &msec, &error));
      g_assert_nonnull (error);
    }
}

static void
test_curve_segments (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"g\", \"max\": \"4G\","
    " \"demand\": {\"start\": \"1G\", \"segments\": [{\"ramp\": \"2G\", \"over\": \"100s\"}, {\"hold\": \"50s\"},"
    " {\"step\": \"3G\"}, {\"hold\": \"10s\"}, {\"spike\": \"4G\", \"for\": \"5s\"}, {\"hold\": \"5s\"}]}}]}");
  const BallastSimCurve *c = &((BallastSimGuest *) s->guests->pdata[0])->demand;
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, -5000), ==, 1 * GIB);
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 0), ==, 1 * GIB);
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 50000), ==, 1536 * MIB);
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 100000), ==, 2 * GIB);
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 149999), ==, 2 * GIB);
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 150000), ==, 3 * GIB);   /* the step */
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 162000), ==, 4 * GIB);   /* in the spike */
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 165000), ==, 3 * GIB);   /* back after it */
  g_assert_cmpuint (ballast_sim_curve_at_kib (c, 999999999), ==, 3 * GIB); /* held */
}

static void
test_curve_repeat_noise (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"g\", \"count\": 2,"
    " \"phase\": \"10s\", \"max\": \"4G\", \"demand\": {\"start\": \"1G\", \"segments\": [{\"ramp\": \"2G\","
    " \"over\": \"100s\"}, {\"step\": \"1G\"}], \"repeat\": true, \"noise\": \"64M\", \"noise_every\": \"10s\"}}]}");
  g_assert_cmpuint (s->guests->len, ==, 2);
  BallastSimGuest *a = s->guests->pdata[0], *b = s->guests->pdata[1];
  g_assert_cmpstr (a->name, ==, "g-001");
  g_assert_cmpstr (b->name, ==, "g-002");
  g_assert_cmpint (b->demand.offset_msec, ==, 10000);
  /* Without noise the curve repeats every 100 s; with it, values stay within
   * +-64 MiB of that and are the same on every call. */
  BallastSimCurve plain;
  ballast_sim_curve_copy (&a->demand, &plain);
  plain.noise_kib = 0;
  for (gint64 t = 0; t < 1000000; t += 3700)
    {
      guint64 v = ballast_sim_curve_at_kib (&a->demand, t);
      guint64 p = ballast_sim_curve_at_kib (&plain, t);
      g_assert_cmpuint (v, ==, ballast_sim_curve_at_kib (&a->demand, t));
      g_assert_cmpuint (v + 64 * MIB, >=, p);
      g_assert_cmpuint (v, <=, p + 64 * MIB);
      g_assert_cmpuint (p, ==, ballast_sim_curve_at_kib (&plain, t % 100000));
    }
  ballast_sim_curve_clear (&plain);
}

static void
test_csv (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = ballast_sim_csv_parse ("# a comment\ntime_s,demand_mib\n0,100\n\n10.5, 200.5\n20,200\n",
                                                    "d.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (points->len, ==, 3);
  g_assert_cmpint (g_array_index (points, BallastSimPoint, 1).t_msec, ==, 10500);
  g_assert_cmpuint (g_array_index (points, BallastSimPoint, 1).kib, ==, 200 * MIB + 512);

  static const struct { const char *text; const char *message; } bad[] = {
    { "0,100\n10\n", "d.csv line 2: expected two fields" },
    { "0,100\n10,abc\n", "d.csv line 2: \"10,abc\" is not two non-negative numbers" },
    { "0,100\n10,-5\n", "d.csv line 2" },
    { "10,100\n5,100\n", "d.csv line 2: time 5 s goes backwards" },
    { "# nothing\n", "d.csv: no data lines" },
    { "0,100\nheader,late\n", "d.csv line 2" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(GArray) none = ballast_sim_csv_parse (bad[i].text, "d.csv", &local);
      g_assert_null (none);
      g_assert_nonnull (local);
      if (strstr (local->message, bad[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not contain '%s'", i, local->message, bad[i].message);
    }
}

static void
test_scenario_csv_file (void)
{
  g_autofree char *path = g_build_filename (BALLAST_SIM_TEST_DIR, "scenarios", "csv-web.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastSimScenario) s = ballast_sim_scenario_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->guests->len, ==, 6);
  const BallastSimGuest *g = s->guests->pdata[0];
  g_assert_cmpuint (g->demand.points->len, ==, 145);
  g_assert_cmpuint (ballast_sim_curve_at_kib (&g->demand, 0) / MIB, >=, 900 - 64);
}

/* Bad scenarios: a clear message naming the file and the field, never a crash. */
static void
test_scenario_errors (void)
{
  static const struct { const char *text; const char *message; } cases[] = {
    { "", "test.json line 1 column 1: not valid JSON" },
    { "{\"duration\": \"1h\",\n \"host\": {\"budget\": 1024}\n", "test.json line 3" },
    { "[1, 2]", "test.json: top level: expected a JSON object, got an array" },
    { "{} {}", "text after the end" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"gusts\": []}", "unknown field 'gusts'" },
    { "{\"host\": {\"budget\": \"8G\"}, \"guests\": []}", "missing \"duration\"" },
    { "{\"duration\": \"1 fortnight\", \"host\": {\"budget\": \"8G\"}, \"guests\": []}",
      "test.json: duration: '1 fortnight': unknown time unit" },
    { "{\"duration\": \"1h\", \"guests\": []}", "test.json: host: missing" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8 furlongs\"}, \"guests\": []}", "test.json: host.budget: size '8 furlongs': unknown unit" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\", \"memory\": \"4G\"}, \"guests\": []}", "host.budget: is above host.memory" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": []}", "guests: missing or empty" },
    { "{\"duration\": \"1h\", \"cycle\": \"1500ms\", \"host\": {\"budget\": \"8G\"}, \"guests\": []}", "cycle: must be a whole number of steps" },
    { "{\"duration\": \"1s\", \"host\": {\"budget\": \"8G\"}, \"guests\": []}", "duration: must be at least one cycle" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"max\": \"1G\", \"demand\": 1}]}",
      "guests[0]: missing \"name\"" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"demand\": 1}]}",
      "guests[0]: missing \"max\"" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": 1024}]}",
      "guests[0]: missing \"demand\"" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": 1.5, \"demand\": 1}]}",
      "guests[0].max: expected a size (a number of MiB, or a string like \"1.5G\"), got a fractional number" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"min\": \"2G\", \"demand\": 1}]}",
      "guests[0].min: is above \"max\"" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"shares\": 0, \"demand\": 1}]}",
      "guests[0].shares: 0 is out of range" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": \"2G\"}]}",
      "guests[0].demand: reaches 2.0 GiB at 0.0 s, above \"max\" 1.0 GiB" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": "
      "{\"segments\": [{\"ramp\": \"512M\"}]}}]}", "guests[0].demand.segments[0]: \"ramp\" needs \"over\"" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": "
      "{\"segments\": [{\"hold\": \"1m\", \"step\": \"1M\"}]}}]}", "exactly one of" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": "
      "{\"segments\": [{\"hold\": \"abc\"}]}}]}", "guests[0].demand.segments[0].hold: 'abc' is not a duration" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": "
      "{\"csv\": \"no-such-file.csv\"}}]}", "guests[0].demand.csv: cannot read the CSV" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": "
      "{\"segments\": [], \"repeat\": true}}]}", "guests[0].demand.repeat: nothing to repeat" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"1G\", \"demand\": 1},"
      " {\"name\": \"a\", \"max\": \"1G\", \"demand\": 1}]}", "two guests are named 'a'" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"defaults\": {\"name\": \"x\"}, \"guests\": []}",
      "defaults: \"name\" and \"count\" belong to each guest" },
    { "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"defaults\": {\"max\": \"x\"}, \"guests\": [{\"name\": \"a\", \"demand\": 1}]}",
      "test.json: defaults.max:" },
#define VM_GUEST(extra) "{\"duration\": \"1h\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a\"," \
      " \"max\": \"4G\", \"demand\": 1, " extra "}]}"
    { VM_GUEST ("\"virtio_mem\": 1"), "guests[0].virtio_mem: expected an object with \"size\", got a number" },
    { VM_GUEST ("\"virtio_mem\": {\"plugged\": 0}"), "guests[0].virtio_mem: missing \"size\"" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"blocks\": 2}"), "guests[0].virtio_mem: unknown field 'blocks'" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"4G\"}"), "guests[0].virtio_mem.size: must be more than 0 and below the guest's \"max\"" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"block\": \"3M\"}"), "guests[0].virtio_mem.block: must be a power of two" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": 1026, \"block\": \"4M\"}"), "guests[0].virtio_mem: \"size\" is not a whole number of blocks" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"plugged\": \"3M\"}"), "guests[0].virtio_mem.plugged: must be a whole number of blocks" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"plugged\": \"4G\"}"), "guests[0].virtio_mem.plugged: must be a whole number of blocks, at most \"size\"" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"unmovable\": \"3G\"}"), "guests[0].virtio_mem.unmovable: is above \"size\"" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\", \"unplug_rate\": 0}"), "guests[0].virtio_mem.unplug_rate: must be more than 0" },
    { VM_GUEST ("\"virtio_mem\": {\"size\": \"2G\"}, \"initial\": \"3G\""),
      "guests[0].initial: must be more than 0 and at most the boot memory (\"max\" less \"virtio_mem.size\")" },
    { VM_GUEST ("\"actuator\": \"hotplug\""), "guests[0].actuator: unknown actuator 'hotplug' (expected auto, balloon or virtio-mem)" },
    { VM_GUEST ("\"actuator\": 1"), "guests[0].actuator:" },
#undef VM_GUEST
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BallastSimScenario) s = ballast_sim_scenario_parse (cases[i].text, "test.json",
                                                                    BALLAST_SIM_TEST_DIR, &error);
      if (s != NULL)
        g_error ("case %" G_GSIZE_FORMAT ": parsed, expected '%s'", i, cases[i].message);
      g_assert_nonnull (error);
      g_assert_true (g_str_has_prefix (error->message, "test.json"));
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not contain '%s'", i, error->message, cases[i].message);
    }
  g_autoptr(GError) error = NULL;
  g_assert_null (ballast_sim_scenario_load ("/nonexistent/scenario.json", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/scenario.json"));
}

/* ---- The model ---- */

static BallastSimResult *
run (const BallastSimScenario *scenario, const char *policy_name, gboolean timeline)
{
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastSimPolicy) policy = ballast_sim_policy_new (policy_name, file, scenario, &error);
  g_assert_no_error (error);
  BallastSimRunOptions options = { .timeline = timeline, .max_samples = 100 };
  return ballast_sim_run (scenario, file, policy, &options);
}

static void
test_model_static_accounting (void)
{
  /* One guest touching 3 GiB on a 2 GiB budget for 100 s: static keeps it
   * at max; it never starves, but the host overflows by its high-water
   * mark, which stays after demand falls (no free page reporting). */
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"200s\", \"host\": {\"budget\": \"2G\", \"oom_margin\": \"512M\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"4G\", \"demand\": {\"start\": \"3G\", \"segments\": [{\"hold\": \"100s\"}, {\"step\": \"1G\"}]}}]}");
  g_autoptr(BallastSimResult) r = run (s, "static", TRUE);
  g_assert_cmpfloat (r->metrics.unmet_mib_sec, ==, 0);
  g_assert_cmpuint (r->metrics.guest_oom_events, ==, 0);
  g_assert_cmpuint (r->metrics.balloon_ops, ==, 0);
  /* 1 GiB over the budget for all 200 s (the high-water mark stays). */
  g_assert_cmpfloat (fabs (r->metrics.host_overflow_mib_sec - 1024.0 * 200), <, 1);
  g_assert_cmpuint (r->metrics.host_oom_events, ==, 1);
  g_assert_cmpint (r->metrics.first_host_oom_msec, ==, 0);
  g_assert_cmpfloat (r->metrics.peak_ratio, ==, 2.0);
  g_assert_nonnull (r->timeline);
  g_assert_cmpfloat (r->timeline->demand_mib[0], ==, 3072);
  g_assert_cmpfloat (r->timeline->host_used_mib[r->timeline->n_samples - 1], ==, 3072);

  /* With free page reporting the host gets it back when demand falls. */
  g_autoptr(BallastSimScenario) fpr = parse_ok (
    "{\"duration\": \"200s\", \"host\": {\"budget\": \"2G\", \"oom_margin\": \"512M\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"4G\", \"free_page_reporting\": true, \"demand\": {\"start\": \"3G\", \"segments\": [{\"hold\": \"100s\"}, {\"step\": \"1G\"}]}}]}");
  g_autoptr(BallastSimResult) r2 = run (fpr, "static", FALSE);
  g_assert_cmpfloat (fabs (r2->metrics.host_overflow_mib_sec - 1024.0 * 100), <, 1);
}

/* --min-budget: the limit is what an oracle needs (peak demand plus the
 * reserve for that budget), and a policy's minimum is bisected to 1%. */
static void
test_min_budget (void)
{
  /* One guest holding 2 GiB for 10 minutes, at its max from the start. */
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"10m\", \"host\": {\"budget\": \"8G\", \"oom_margin\": \"256M\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"4G\", \"demand\": \"2G\"}]}");
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  g_assert_cmpuint (ballast_sim_peak_demand_kib (s), ==, 2 * GIB);
  /* B - max(10% of B, 1 GiB) >= 2 GiB: B = 3 GiB. */
  g_assert_cmpuint (ballast_sim_limit_kib (s, file), ==, 3 * GIB);

  /* Static: the host holds the 2 GiB it touched; it is out of memory only
   * beyond its 256 MiB margin, so 1.75 GiB is the least, found to 1%. */
  g_autoptr(GError) error = NULL;
  BallastSimMinBudget needed;
  g_assert_true (ballast_sim_min_budget (s, file, "static", &needed, &error));
  g_assert_no_error (error);
  g_assert_true (needed.found);
  g_assert_false (needed.at_floor);
  g_test_message ("static: %" G_GUINT64_FORMAT " KiB in %u runs", needed.budget_kib, needed.runs);
  g_assert_cmpuint (needed.budget_kib, >=, 1792 * MIB);
  g_assert_cmpuint (needed.budget_kib, <=, 1792 * MIB + 1792 * MIB / 100 * 2);
  g_assert_cmpuint (needed.runs, <, 20);

  /* A guest started at 1 GiB whose demand ramps to 2 GiB: under static
   * it is short whatever the budget: never found. */
  g_autoptr(BallastSimScenario) starved = parse_ok (
    "{\"duration\": \"10m\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"4G\", \"initial\": \"1G\", \"demand\": {\"start\": \"512M\","
    " \"segments\": [{\"ramp\": \"2G\", \"over\": \"5m\"}]}}]}");
  g_assert_true (ballast_sim_min_budget (starved, file, "static", &needed, &error));
  g_assert_false (needed.found);
  /* ballast grows it, with the reserve kept: between the peak and the limit. */
  g_assert_true (ballast_sim_min_budget (starved, file, "ballast", &needed, &error));
  g_assert_true (needed.found);
  g_assert_cmpuint (needed.budget_kib, >=, 1792 * MIB);
  g_assert_cmpuint (needed.budget_kib, <=, 3 * GIB + 3 * GIB / 100);

  /* An unknown policy is an error, not a crash. */
  g_assert_false (ballast_sim_min_budget (s, file, "nonesuch", &needed, &error));
  g_assert_nonnull (error);
}

/* A "recorded" trace drives the balloon: check the rate limit, unmet
 * demand and the OOM kill on a guest squeezed below its demand. */
static void
test_model_balloon_and_oom (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"60s\", \"balloon_rate\": \"100M\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"2G\", \"oom_margin\": \"200M\", \"demand\": \"1G\"}]}");
  BallastSimGuest *g = s->guests->pdata[0];
  s->from_trace = TRUE; /* drive it with recorded targets */
  g->recorded_targets = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
  BallastSimPoint down = { 0, 900 * MIB };   /* 100 MiB short: unmet, no OOM */
  BallastSimPoint deeper = { 30000, 700 * MIB }; /* 300 MiB short: OOM */
  g_array_append_val (g->recorded_targets, down);
  g_array_append_val (g->recorded_targets, deeper);
  g_autoptr(BallastSimResult) r = run (s, "recorded", TRUE);
  g_assert_cmpuint (r->metrics.balloon_ops, ==, 2);
  g_assert_cmpuint (r->metrics.guest_oom_events, ==, 1);
  /* The second target moves the balloon 100 MiB in the first step: 224 MiB
   * short, beyond the 200 MiB margin at once. */
  g_assert_cmpint (r->metrics.first_guest_oom_msec, ==, 30000);
  /* 2048 -> 900 MiB at 100 MiB/s: short from about 10 s, by up to 124 MiB
   * until 30 s: about 124 x 19 MiB x s. */
  g_assert_cmpfloat (r->metrics.unmet_mib_sec, >, 124 * 18);
  g_assert_cmpfloat (r->metrics.unmet_mib_sec, <, 124 * 20);
  /* After the kill the excess is gone: nothing unmet, no second OOM. */
  g_assert_cmpuint (r->guests[0].oom_events, ==, 1);
  g_assert_cmpuint (r->guests[0].balloon_ops, ==, 2);
}

/* A fixed guest (pinned memory: VFIO, hugepages) never inflates, however
 * low its target, and the host holds all of its balloon, used or not. */
static void
test_model_fixed_guest (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"60s\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"g\","
    " \"max\": \"2G\", \"fixed\": true, \"demand\": \"512M\"}]}");
  BallastSimGuest *g = s->guests->pdata[0];
  g_assert_true (g->fixed);
  s->from_trace = TRUE;
  g->recorded_targets = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
  BallastSimPoint down = { 0, 1 * GIB };
  g_array_append_val (g->recorded_targets, down);
  g_autoptr(BallastSimResult) r = run (s, "recorded", TRUE);
  /* Asked down to 1 GiB: still 2 GiB, all of it resident. */
  g_assert_cmpfloat (r->timeline->actual_mib[r->timeline->n_samples - 1], ==, 2048);
  g_assert_cmpfloat (r->timeline->host_used_mib[r->timeline->n_samples - 1], ==, 2048);
  g_assert_cmpfloat (r->metrics.avg_reclaimed_mib, ==, 0);
}

/* The lowest a guest's memory (balloon and plugged blocks) fell to. */
static float
timeline_lowest_mib (const BallastSimResult *r, gsize guest)
{
  float lowest = G_MAXFLOAT;
  for (gsize k = 0; k < r->timeline->n_samples; k++)
    lowest = MIN (lowest, r->timeline->actual_mib[guest * r->timeline->n_samples + k]);
  return lowest;
}

/* A guest with a VFIO device (its balloon never inflates) and a virtio-mem
 * device of 4 GiB, idle at 1 GiB, beside a guest growing to 5 GiB on a
 * host that holds both only if the first gives back plugged memory. */
#define VIRTIO_MEM_SCENARIO(device, actuator) \
  "{\"duration\": \"20m\", \"host\": {\"budget\": \"10G\"}, \"guests\": [" \
  "{\"name\": \"vfio\", \"max\": \"6G\", \"fixed\": true, " actuator "\"virtio_mem\": " device ", \"demand\": \"1G\"}," \
  "{\"name\": \"web\", \"max\": \"6G\", \"initial\": \"2G\", \"demand\": {\"start\": \"1G\", " \
  "\"segments\": [{\"hold\": \"2m\"}, {\"ramp\": \"5G\", \"over\": \"5m\"}]}}]}"

static void
test_model_virtio_mem (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (VIRTIO_MEM_SCENARIO ("{\"size\": \"4G\", \"plugged\": \"4G\"}", ""));
  BallastSimGuest *vfio = s->guests->pdata[0];
  g_assert_cmpuint (vfio->initial_kib, ==, 2 * GIB); /* the balloon covers the boot memory */
  g_assert_cmpuint (vfio->virtio_mem.block_kib, ==, 2 * MIB);
  g_assert_cmpuint (vfio->virtio_mem.unplug_rate_kib_per_sec, ==, 0); /* the balloon's */
  g_assert_cmpuint (ballast_sim_guest_least_kib (vfio), ==, 2 * GIB);

  /* ballast unplugs the idle guest's blocks and the other grows: no OOM. */
  g_autoptr(BallastSimResult) r = run (s, "ballast", TRUE);
  g_assert_cmpuint (r->metrics.guest_oom_events, ==, 0);
  g_assert_cmpuint (r->metrics.host_oom_events, ==, 0);
  float lowest = timeline_lowest_mib (r, 0);
  g_test_message ("ballast: vfio down to %.0f MiB, %u operations", lowest, r->guests[0].balloon_ops);
  /* It gave back more than a GiB of blocks, no more than the other needed. */
  g_assert_cmpfloat (lowest, <=, 5 * 1024 - 1);
  g_assert_cmpfloat (lowest, >=, 2 * 1024); /* its balloon stays */

  /* MoM and Proxmox move balloons only: the pinned guest keeps its 6 GiB
   * and the growing guest runs out. */
  for (const char *const *name = (const char *const[]) { "mom", "proxmox", NULL }; *name != NULL; name++)
    {
      g_autoptr(BallastSimResult) other = run (s, *name, TRUE);
      g_assert_cmpfloat (timeline_lowest_mib (other, 0), ==, 6 * 1024);
      g_assert_cmpuint (other->metrics.guest_oom_events, >=, 1);
    }

  /* Tuned to the balloon alone, ballast cannot take from it either. */
  g_autoptr(BallastSimScenario) balloon_only = parse_ok (
    VIRTIO_MEM_SCENARIO ("{\"size\": \"4G\", \"plugged\": \"4G\"}", "\"actuator\": \"balloon\", "));
  g_autoptr(BallastSimResult) rb = run (balloon_only, "ballast", TRUE);
  g_assert_cmpfloat (timeline_lowest_mib (rb, 0), ==, 6 * 1024);
  g_assert_cmpuint (rb->metrics.guest_oom_events, >=, 1);

  /* 3 GiB of the device unmovable: it never goes below boot + 3 GiB, ballast
   * holds there instead of asking again every cycle, and takes the rest
   * from the other guest (the host's reserve covers the 1 GiB short). */
  g_autoptr(BallastSimScenario) partial = parse_ok (
    VIRTIO_MEM_SCENARIO ("{\"size\": \"4G\", \"plugged\": \"4G\", \"unmovable\": \"3G\", \"unplug_rate\": \"64M\"}", ""));
  g_assert_cmpuint (ballast_sim_guest_least_kib (partial->guests->pdata[0]), ==, 5 * GIB);
  g_autoptr(BallastSimResult) rp = run (partial, "ballast", TRUE);
  g_test_message ("partial: vfio down to %.0f MiB, %u operations", timeline_lowest_mib (rp, 0),
                  rp->guests[0].balloon_ops);
  g_assert_cmpfloat (timeline_lowest_mib (rp, 0), ==, 5 * 1024);
  g_assert_cmpuint (rp->metrics.guest_oom_events, ==, 0);
  /* 120 cycles: about 11 steps down, then a retry after 1, 2 and 4
   * minutes of about 3 operations each (asked lower, asked again, held
   * where it is); a retry that never doubled made 34. */
  g_assert_cmpuint (rp->guests[0].balloon_ops, <=, 26);
}

/* ---- Policies ---- */

static BallastSimGuestView
view (const char *name, guint64 max, guint64 current, guint64 free_kib, guint64 min)
{
  BallastSimGuestView v = {
    .name = name, .max_kib = max, .current_kib = current, .target_kib = current,
    .usable_kib = free_kib, .free_kib = free_kib, .min_kib = min,
  };
  BallastPolicy defaults;
  ballast_policy_init_defaults (&defaults);
  v.tuning = defaults.guest_defaults;
  v.tuning.min = (BallastAmount) { .kib = min };
  return v;
}

static void
test_mom_rules (void)
{
  /* Host 10% free: shrink. guest_free_percent = 0.2 * 0.1 / 0.2 = 0.1.
   * a: 4 GiB, 1 GiB free: used 3 GiB, balloon_min = 3 + 0.4 = 3.4 GiB;
   *    5% off 4 GiB is 3.8 GiB -> 3.8 GiB.
   * b: 4 GiB, 200 MiB free: balloon_min = 3896 + 409.6 > 4 GiB: no change. */
  BallastSimGuestView guests[] = {
    view ("a", 8 * GIB, 4 * GIB, 1 * GIB, 512 * MIB),
    view ("b", 8 * GIB, 4 * GIB, 200 * MIB, 512 * MIB),
    view ("c", 8 * GIB, 256 * MIB, 0, 512 * MIB),        /* below min: qos */
  };
  guint64 targets[3] = { 4 * GIB, 4 * GIB, 256 * MIB };
  BallastSimHostView host = { .total_kib = 10 * GIB, .available_kib = 1 * GIB };
  ballast_sim_mom_decide (&host, guests, 3, targets);
  g_assert_cmpuint (targets[0], ==, (guint64) (4.0 * GIB * 0.95));
  g_assert_cmpuint (targets[1], ==, 4 * GIB);
  g_assert_cmpuint (targets[2], ==, 512 * MIB);

  /* Host 50% free: grow by 5% or to used + 50% of balloon_cur, capped at max. */
  BallastSimGuestView more[] = {
    view ("a", 8 * GIB, 4 * GIB, 3 * GIB, 512 * MIB),   /* used 1 GiB: 1 + 2 = 3 GiB < 4.2 -> 4.2 GiB */
    view ("b", 8 * GIB, 4 * GIB, 0, 512 * MIB),         /* used 4 GiB: 4 + 2 = 6 GiB */
    view ("c", 4 * GIB, 4 * GIB - 4 * MIB, 3 * GIB, 0), /* a 0.1% change: skipped */
  };
  guint64 grown[3] = { 4 * GIB, 4 * GIB, 4 * GIB - 4 * MIB };
  BallastSimHostView roomy = { .total_kib = 10 * GIB, .available_kib = 5 * GIB };
  ballast_sim_mom_decide (&roomy, more, 3, grown);
  g_assert_cmpuint (grown[0], ==, (guint64) (4.0 * GIB * 1.05));
  g_assert_cmpuint (grown[1], ==, 6 * GIB);
  g_assert_cmpuint (grown[2], ==, 4 * GIB - 4 * MIB);
}

static void
test_proxmox_rules (void)
{
  /* Host 16 GiB, 2 GiB available: used 14 GiB, goal 12.8 - 14 = -1.2 GiB:
   * shrink, the comfortable guest first (free 2 GiB > 25% of its 1 GiB
   * min), by at most 100 MiB per cycle. */
  BallastSimGuestView guests[] = {
    view ("comfy", 8 * GIB, 6 * GIB, 2 * GIB, 1 * GIB),
    view ("tight", 8 * GIB, 6 * GIB, 100 * MIB, 1 * GIB),
  };
  guint64 targets[2] = { 6 * GIB, 6 * GIB };
  BallastSimHostView host = { .total_kib = 16 * GIB, .available_kib = 2 * GIB };
  ballast_sim_proxmox_decide (&host, guests, 2, targets);
  g_assert_cmpuint (targets[0], ==, 6 * GIB - 100 * MIB);
  g_assert_cmpuint (targets[1], ==, 6 * GIB);

  /* Growing: the pressured guest first, shares-proportional, 100 MiB cap. */
  guint64 grow[2] = { 6 * GIB, 6 * GIB };
  BallastSimHostView roomy = { .total_kib = 16 * GIB, .available_kib = 8 * GIB };
  ballast_sim_proxmox_decide (&roomy, guests, 2, grow);
  g_assert_cmpuint (grow[0], ==, 6 * GIB);
  g_assert_cmpuint (grow[1], ==, 6 * GIB + 100 * MIB);

  /* Inside the 10 MiB dead band nothing moves. */
  guint64 still[2] = { 6 * GIB, 6 * GIB };
  BallastSimHostView band = { .total_kib = 10 * GIB, .available_kib = 2 * GIB + 5 * MIB };
  ballast_sim_proxmox_decide (&band, guests, 2, still);
  g_assert_cmpuint (still[0], ==, 6 * GIB);
  g_assert_cmpuint (still[1], ==, 6 * GIB);

  /* A guest without a balloon minimum is not PVE's to move. */
  BallastSimGuestView unmanaged[] = { view ("nomin", 8 * GIB, 6 * GIB, 4 * GIB, 0) };
  guint64 t[1] = { 6 * GIB };
  ballast_sim_proxmox_decide (&host, unmanaged, 1, t);
  g_assert_cmpuint (t[0], ==, 6 * GIB);
}

static void
test_ballast_adapter (void)
{
  /* The adapter gives the engine exactly what a direct call gets. */
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"1h\", \"host\": {\"budget\": \"16G\"}, \"guests\": [{\"name\": \"g\", \"max\": \"8G\", \"demand\": 1}]}");
  BallastSimGuestView guests[] = {
    view ("busy", 4 * GIB, 2 * GIB, 512 * MIB, 256 * MIB),
    view ("idle", 4 * GIB, 4 * GIB, 3584 * MIB, 256 * MIB),
  };
  BallastSimHostView host = { .total_kib = 16 * GIB, .available_kib = 1 * GIB };
  guint64 targets[2] = { 2 * GIB, 4 * GIB };
  guint64 requested[2] = { 0, 0 };
  int reasons[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastSimPolicy) policy = ballast_sim_policy_new ("ballast", file, s, &error);
  g_assert_no_error (error);
  ballast_sim_policy_decide (policy, &host, guests, 2, targets, requested, reasons);

  BallastGuestInput inputs[2];
  for (int i = 0; i < 2; i++)
    inputs[i] = (BallastGuestInput) { .name = guests[i].name, .max_kib = guests[i].max_kib,
                                      .current_kib = guests[i].current_kib, .target_kib = guests[i].current_kib,
                                      .usable_kib = guests[i].usable_kib, .tuning = guests[i].tuning };
  BallastHostInput input = { .total_kib = 16 * GIB, .available_kib = 1 * GIB, .has_psi = TRUE };
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&file->policy, &input, inputs, 2, TRUE);
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpuint (targets[i], ==, plan->decisions[i].target_kib);
      g_assert_cmpint (reasons[i], ==, plan->decisions[i].reason);
    }
  g_assert_cmpuint (targets[1], <, 4 * GIB);

  /* overcommit mode="off": nothing is shrunk. */
  file->overcommit = BALLAST_OVERCOMMIT_OFF;
  g_autoptr(BallastSimPolicy) gated = ballast_sim_policy_new ("ballast", file, s, &error);
  guint64 held[2] = { 2 * GIB, 4 * GIB };
  ballast_sim_policy_decide (gated, &host, guests, 2, held, requested, reasons);
  g_assert_cmpuint (held[1], ==, 4 * GIB);
  g_assert_cmpint (reasons[1], ==, BALLAST_REASON_HOLD_GATED);

  /* Unknown policies and "recorded" without a trace are errors. */
  g_autoptr(GError) e1 = NULL, e2 = NULL;
  g_assert_null (ballast_sim_policy_new ("vmware", file, s, &e1));
  g_assert_nonnull (strstr (e1->message, "unknown policy 'vmware'"));
  g_assert_null (ballast_sim_policy_new ("recorded", file, s, &e2));
  g_assert_nonnull (e2);
}

/* ---- Traces ---- */

static void
test_trace_round_trip (void)
{
  BallastPolicy policy;
  ballast_policy_init_defaults (&policy);
  BallastGuestInput guests[] = {
    { .name = "web\"1", .max_kib = 4 * GIB, .current_kib = 3 * GIB, .target_kib = 3 * GIB,
      .usable_kib = 1 * GIB, .swap_in_kib_per_sec = 7, .major_faults_per_sec = 3, .tuning = policy.guest_defaults },
    { .name = "db", .max_kib = 8 * GIB, .current_kib = 8 * GIB, .target_kib = 8 * GIB,
      .usable_kib = 6 * GIB, .unresponsive = TRUE, .settling = TRUE, .fixed = TRUE,
      .oom_deflated = TRUE, .oom_floor_kib = 7 * GIB, .unreachable_kib = 3 * GIB, .tuning = policy.guest_defaults },
  };
  guests[1].tuning.min = (BallastAmount) { .is_relative = TRUE, .permille = 250 };
  BallastHostInput host = { .total_kib = 16 * GIB, .available_kib = 1 * GIB, .has_psi = TRUE,
                            .psi_some_avg10_centipct = 125, .decision_interval_sec = 10 };
  g_autoptr(BallastPlan) plan = ballast_policy_decide (&policy, &host, guests, 2, TRUE);
  g_autoptr(BallastTraceRecord) record = ballast_trace_record_new (1718000000000000, 42, &host, guests, 2,
                                                                   plan, TRUE);
  g_autofree char *line = ballast_trace_record_format (record);
  g_assert_null (strchr (line, '\n'));
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastTraceRecord) back = ballast_trace_record_parse (line, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->time_usec, ==, 1718000000000000);
  g_assert_cmpuint (back->cycle, ==, 42);
  g_assert_cmpuint (back->budget_total_kib, ==, 16 * GIB);
  g_assert_cmpuint (back->reserve_kib, ==, plan->reserve_kib);
  g_assert_cmpuint (back->psi_some_avg10_centipct, ==, 125);
  g_assert_cmpuint (back->decision_interval_sec, ==, 10);
  g_assert_true (back->shrink_allowed);
  g_assert_cmpuint (back->n_guests, ==, 2);
  g_assert_cmpstr (back->guests[0].name, ==, "web\"1");
  g_assert_cmpuint (back->guests[0].swap_in_kib_per_sec, ==, 7);
  g_assert_cmpuint (back->guests[1].tuning.min.kib, ==, 2 * GIB); /* 25% of 8 GiB, resolved */
  g_assert_true (back->guests[1].unresponsive);
  g_assert_true (back->guests[1].settling);
  g_assert_false (back->guests[0].settling);
  g_assert_true (back->guests[1].fixed);
  g_assert_true (back->guests[1].oom_deflated);
  g_assert_cmpuint (back->guests[1].oom_floor_kib, ==, 7 * GIB);
  g_assert_cmpuint (back->guests[1].unreachable_kib, ==, 3 * GIB);
  g_assert_cmpuint (back->guests[0].unreachable_kib, ==, 0);
  g_assert_false (back->guests[0].fixed);
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (back->guests[i].has_decision);
      g_assert_cmpuint (back->guests[i].decision_target_kib, ==, plan->decisions[i].target_kib);
      g_assert_cmpint (back->guests[i].decision_reason, ==, plan->decisions[i].reason);
    }
  g_autofree char *again = ballast_trace_record_format (back);
  g_assert_cmpstr (again, ==, line);
  g_assert_true (ballast_trace_text_is_trace (line));
  g_assert_false (ballast_trace_text_is_trace ("{\n  \"duration\": \"1h\"\n}"));
}

static void
test_trace_errors (void)
{
  static const struct { const char *text; const char *message; } cases[] = {
    { "{\"version\": 1, \"time_usec\": 0, \"host\": {\"budget_total_kib\": 1, \"budget_available_kib\": 0}, \"guests\": []}\nnot json\n",
      "t.jsonl line 2: not valid JSON" },
    { "{\"version\": 2}", "t.jsonl line 1: trace version 2 is not supported" },
    { "{\"version\": 1, \"time_usec\": 0, \"guests\": []}", "\"host\" is missing" },
    { "{\"version\": 1, \"time_usec\": 0, \"host\": {\"budget_total_kib\": 16}, \"guests\": []}",
      "host: \"budget_available_kib\" is missing" },
    { "{\"version\": 1, \"time_usec\": 0, \"host\": {\"budget_total_kib\": 16, \"budget_available_kib\": 1}, \"guests\": [{\"name\": \"a\", \"max_kib\": 1, \"current_kib\": 2, \"usable_kib\": 0}]}",
      "guests[0] (a): \"current_kib\" 2 is above \"max_kib\" 1" },
    { "{\"version\": 1, \"time_usec\": 0, \"host\": {\"budget_total_kib\": 16, \"budget_available_kib\": 1}, \"guests\": [{\"name\": \"a\", \"max_kib\": -1}]}",
      "\"max_kib\" must be a non-negative whole number" },
    { "{\"version\": 1, \"time_usec\": 5, \"host\": {\"budget_total_kib\": 1, \"budget_available_kib\": 0}, \"guests\": []}\n"
      "{\"version\": 1, \"time_usec\": 4, \"host\": {\"budget_total_kib\": 1, \"budget_available_kib\": 0}, \"guests\": []}",
      "t.jsonl line 2: \"time_usec\" goes backwards" },
    { "\n\n", "t.jsonl: no trace records" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) records = ballast_trace_parse (cases[i].text, "t.jsonl", &error);
      g_assert_null (records);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not contain '%s'", i, error->message, cases[i].message);
    }
}

/* A scenario run by ballast, written as a trace, replayed: the recorded
 * decisions come back as the "recorded" policy's, the guests and budget as
 * they were. */
static void
write_line (const BallastSimHostView *host, const BallastSimGuestView *guests, gsize n,
            const guint64 *targets, const int *reasons, gpointer user_data)
{
  GString *out = user_data;
  g_autoptr(BallastTraceRecord) r = g_new0 (BallastTraceRecord, 1);
  r->time_usec = host->now_msec * 1000;
  r->budget_total_kib = host->total_kib;
  r->budget_available_kib = host->available_kib;
  r->n_guests = n;
  r->guests = g_new0 (BallastTraceGuest, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    r->guests[i] = (BallastTraceGuest) { .name = g_strdup (guests[i].name), .max_kib = guests[i].max_kib,
                                         .current_kib = guests[i].current_kib, .target_kib = guests[i].target_kib,
                                         .usable_kib = guests[i].usable_kib, .has_decision = TRUE,
                                         .decision_target_kib = targets[i], .decision_reason = reasons[i] };
  g_autofree char *line = ballast_trace_record_format (r);
  g_string_append_printf (out, "%s\n", line);
}

static void
test_trace_replay (void)
{
  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"10m\", \"host\": {\"budget\": \"8G\"}, \"guests\": ["
    "{\"name\": \"a\", \"max\": \"4G\", \"demand\": {\"start\": \"1G\", \"segments\": [{\"ramp\": \"3G\", \"over\": \"5m\"}]}},"
    "{\"name\": \"b\", \"max\": \"4G\", \"start\": \"1m\", \"demand\": \"2G\"}]}");
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  g_autoptr(BallastSimPolicy) policy = ballast_sim_policy_new ("ballast", file, s, NULL);
  g_autoptr(GString) trace = g_string_new (NULL);
  BallastSimRunOptions options = { .on_cycle = write_line, .user_data = trace };
  g_autoptr(BallastSimResult) original = ballast_sim_run (s, file, policy, &options);

  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = ballast_trace_parse (trace->str, "t.jsonl", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 60);
  g_autoptr(BallastSimScenario) replay = ballast_sim_scenario_from_trace (records, "t.jsonl", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (replay->from_trace);
  g_assert_cmpint (replay->cycle_msec, ==, 10000);
  g_assert_cmpint (replay->duration_msec, ==, 600000);
  g_assert_cmpuint (replay->budget_kib, ==, 8 * GIB);
  g_assert_cmpuint (replay->guests->len, ==, 2);
  const BallastSimGuest *b = replay->guests->pdata[1];
  g_assert_cmpstr (b->name, ==, "b");
  g_assert_cmpint (b->start_msec, ==, 60000);
  g_assert_cmpuint (ballast_sim_curve_at_kib (&b->demand, 30000), ==, 2 * GIB);
  g_autoptr(BallastSimPolicy) recorded = ballast_sim_policy_new ("recorded", file, replay, &error);
  g_assert_no_error (error);
  g_autoptr(BallastSimResult) again = ballast_sim_run (replay, file, recorded, NULL);
  g_assert_cmpuint (again->metrics.balloon_ops, ==, original->metrics.balloon_ops);
}

/* ---- The check ---- */

static BallastSimResult *
fake_result (const char *name, guint guest_ooms, guint host_ooms, double overflow)
{
  BallastSimResult *r = g_new0 (BallastSimResult, 1);
  r->policy_name = g_strdup (name);
  r->metrics.guest_oom_events = guest_ooms;
  r->metrics.host_oom_events = host_ooms;
  r->metrics.host_overflow_mib_sec = overflow;
  return r;
}

static void
test_check_rules (void)
{
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  /* Demand 3 GiB on 4 GiB less the 1 GiB reserve: fits. */
  g_autoptr(BallastSimScenario) fits = parse_ok (
    "{\"duration\": \"1m\", \"host\": {\"budget\": \"4G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"4G\", \"demand\": \"3G\"}]}");
  g_autoptr(BallastSimScenario) over = parse_ok (
    "{\"duration\": \"1m\", \"host\": {\"budget\": \"4G\"}, \"guests\": [{\"name\": \"a\", \"max\": \"4G\", \"demand\": \"3200M\"}]}");
  static const struct {
    gboolean fits;
    guint s_guest, s_host; double s_over;
    guint b_guest, b_host; double b_over;
    BallastSimCheck expected;
  } cases[] = {
    { TRUE, 0, 1, 10, 0, 0, 0, BALLAST_SIM_CHECK_PASS },
    { TRUE, 0, 1, 10, 1, 0, 0, BALLAST_SIM_CHECK_FAIL },    /* rule 1 */
    { FALSE, 0, 0, 0, 0, 0, 0, BALLAST_SIM_CHECK_PASS },
    { FALSE, 0, 0, 0, 1, 0, 0, BALLAST_SIM_CHECK_FAIL },   /* rule 2 */
    { FALSE, 0, 2, 100, 3, 1, 50, BALLAST_SIM_CHECK_PASS },  /* rule 3: traded for guest OOMs */
    { FALSE, 0, 1, 100, 0, 1, 150, BALLAST_SIM_CHECK_FAIL }, /* rule 3: more overflow */
    { FALSE, 0, 1, 100, 0, 2, 50, BALLAST_SIM_CHECK_FAIL },  /* rule 3: more host OOMs */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BallastSimComparison) c = ballast_sim_comparison_new (cases[i].fits ? fits : over, file);
      g_assert_cmpint (c->fits, ==, cases[i].fits);
      g_ptr_array_add (c->results, fake_result ("static", cases[i].s_guest, cases[i].s_host, cases[i].s_over));
      g_ptr_array_add (c->results, fake_result ("ballast", cases[i].b_guest, cases[i].b_host, cases[i].b_over));
      g_autofree char *verdict = NULL;
      g_assert_cmpint (ballast_sim_check (c, &verdict), ==, cases[i].expected);
      g_assert_nonnull (verdict);
    }
  /* Two guests wanting 1.5 GiB each fill 4 GiB less the reserve exactly:
   * an oracle fits them, but not with 48 MiB free in each. */
  g_autoptr(BallastSimScenario) tight = parse_ok (
    "{\"duration\": \"1m\", \"host\": {\"budget\": \"4G\"}, \"guests\": [{\"name\": \"a\", \"count\": 2,"
    " \"max\": \"2G\", \"demand\": \"1536M\"}]}");
  g_autoptr(BallastSimComparison) tight_c = ballast_sim_comparison_new (tight, file);
  g_assert_true (tight_c->fits);
  g_assert_false (tight_c->fits_with_watermark);
  g_assert_cmpuint (tight_c->watermark_excess_kib, ==, 2 * file->policy.low_watermark_kib);
  g_autofree char *tight_table = ballast_sim_render_table (tight_c);
  g_assert_nonnull (strstr (tight_table, "but only with no free memory in any guest: with ballast's low watermark "
                                         "(48.0 MiB) free in each, it exceeds that by up to 96.0 MiB"));

  /* A known weakness that shows is not a failure; one that no longer shows is. */
  fits->known_weakness = g_strdup ("because");
  g_autoptr(BallastSimComparison) c = ballast_sim_comparison_new (fits, file);
  g_ptr_array_add (c->results, fake_result ("static", 0, 0, 0));
  g_ptr_array_add (c->results, fake_result ("ballast", 1, 0, 0));
  g_assert_cmpint (ballast_sim_check (c, NULL), ==, BALLAST_SIM_CHECK_KNOWN_WEAKNESS);
  g_assert_true (ballast_sim_check_ok (BALLAST_SIM_CHECK_KNOWN_WEAKNESS));
  ((BallastSimResult *) c->results->pdata[1])->metrics.guest_oom_events = 0;
  g_assert_cmpint (ballast_sim_check (c, NULL), ==, BALLAST_SIM_CHECK_UNEXPECTED_PASS);
  g_assert_false (ballast_sim_check_ok (BALLAST_SIM_CHECK_UNEXPECTED_PASS));
  g_autofree char *table = ballast_sim_render_table (c);
  g_assert_nonnull (strstr (table, "ballast"));
}

/* ---- SVG ---- */

static void
assert_well_formed (const char *svg)
{
  xmlDocPtr doc = xmlReadMemory (svg, (int) strlen (svg), "chart.svg", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
  g_assert_nonnull (doc);
  xmlFreeDoc (doc);
}

static void
test_svg (void)
{
  g_autoptr(BallastSvgChart) chart = ballast_svg_chart_new ("a <title> & more", NULL, "guests", 100, 10000, TRUE, 600);
  guint p = ballast_svg_chart_add_panel (chart, "cost", "ms", 100, 0);
  double x[] = { 100, 1000, 5000 }, y[] = { 0.5, NAN, 20 };
  ballast_svg_chart_add_series (chart, p, "wall", "#000", NULL, 1.5, TRUE, x, y, 3);
  ballast_svg_chart_add_hline (chart, p, "target", "#f00", "4 2", 10);
  g_autofree char *svg = ballast_svg_chart_render (chart);
  assert_well_formed (svg);
  g_assert_nonnull (strstr (svg, "a &lt;title&gt; &amp; more"));
  g_assert_nonnull (strstr (svg, "<polyline"));
  g_assert_nonnull (strstr (svg, "<circle"));

  g_autoptr(BallastSimScenario) s = parse_ok (
    "{\"duration\": \"10m\", \"host\": {\"budget\": \"8G\"}, \"guests\": [{\"name\": \"a&b\", \"count\": 3, \"max\": \"4G\","
    " \"demand\": {\"start\": \"1G\", \"segments\": [{\"ramp\": \"3G\", \"over\": \"5m\"}]}}]}");
  g_autoptr(BallastSimResult) r = run (s, "ballast", TRUE);
  g_autofree char *timeline = ballast_sim_svg_timeline (s, r, 2);
  assert_well_formed (timeline);
  g_assert_nonnull (strstr (timeline, "a&amp;b-001"));
  g_assert_null (strstr (timeline, "a&amp;b-003 (max"));  /* only 2 panels */
  g_autoptr(GPtrArray) results = g_ptr_array_new ();
  g_ptr_array_add (results, r);
  g_autofree char *overview = ballast_sim_svg_comparison (s, results);
  assert_well_formed (overview);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/duration", test_duration);
  g_test_add_func ("/sim/curve/segments", test_curve_segments);
  g_test_add_func ("/sim/curve/repeat-noise", test_curve_repeat_noise);
  g_test_add_func ("/sim/csv", test_csv);
  g_test_add_func ("/sim/scenario/csv-file", test_scenario_csv_file);
  g_test_add_func ("/sim/scenario/errors", test_scenario_errors);
  g_test_add_func ("/sim/model/static-accounting", test_model_static_accounting);
  g_test_add_func ("/sim/model/balloon-and-oom", test_model_balloon_and_oom);
  g_test_add_func ("/sim/model/fixed-guest", test_model_fixed_guest);
  g_test_add_func ("/sim/model/virtio-mem", test_model_virtio_mem);
  g_test_add_func ("/sim/policy/mom", test_mom_rules);
  g_test_add_func ("/sim/policy/proxmox", test_proxmox_rules);
  g_test_add_func ("/sim/policy/ballast", test_ballast_adapter);
  g_test_add_func ("/sim/trace/round-trip", test_trace_round_trip);
  g_test_add_func ("/sim/trace/errors", test_trace_errors);
  g_test_add_func ("/sim/trace/replay", test_trace_replay);
  g_test_add_func ("/sim/check", test_check_rules);
  g_test_add_func ("/sim/min-budget", test_min_budget);
  g_test_add_func ("/sim/svg", test_svg);
  return g_test_run ();
}
