/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How long ballast_policy_decide() takes for 100, 1 000 and 10 000 guests,
 * in the situations that exercise different parts of it, and whether the
 * growth is no worse than n log n. Run by bench/run; not a test (timing on
 * a shared machine is not a pass/fail matter for CI).
 *
 *   bench-policy-engine [--json] [--min-seconds S] [N...]
 *
 * Exit status 0 when every target holds (10 000 guests in under 10 ms, and
 * the time per decision grows no faster than n log n, with a 1.5x allowance
 * for caches), 1 otherwise. */
#include "policy-engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)
#define TARGET_10K_USEC 10000.0
#define GROWTH_ALLOWANCE 1.5

typedef enum {
  REGIME_DEFICIT,    /* host short: reclaim by excess per share */
  REGIME_SURPLUS,    /* host spare: grow to need, then towards max */
  REGIME_PRESSURED,  /* short, and a tenth of the guests pressured: transfers */
  REGIME_EMERGENCY,  /* PSI over the emergency line: whole excess may go */
  N_REGIMES
} Regime;

static const char *const regime_names[] = { "deficit", "surplus", "pressured", "emergency" };

typedef struct {
  gsize n;
  BallastGuestInput *guests;
  char **names;
  BallastHostInput host;
} Input;

/* Deterministic inputs: a mix of sizes, shares, usage and minimums like a
 * real host's, the same on every run. */
static Input
make_input (const BallastPolicy *policy, gsize n, Regime regime)
{
  Input input = { .n = n };
  input.guests = g_new0 (BallastGuestInput, n);
  input.names = g_new0 (char *, n + 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) (n * 31 + regime));
  guint64 sum_current = 0;
  for (gsize i = 0; i < n; i++)
    {
      BallastGuestInput *g = &input.guests[i];
      input.names[i] = g_strdup_printf ("guest-%05" G_GSIZE_FORMAT, i);
      guint64 max = (guint64) g_rand_int_range (rand, 1, 17) * GIB;
      guint64 current = max / 4 + (guint64) (g_rand_double (rand) * (double) (max - max / 4));
      guint64 usable = (guint64) (g_rand_double (rand) * (double) current * 0.8);
      *g = (BallastGuestInput) {
        .name = input.names[i],
        .max_kib = max,
        .current_kib = current,
        .target_kib = current,
        .usable_kib = usable,
        .tuning = policy->guest_defaults,
      };
      g->tuning.shares = (guint) g_rand_int_range (rand, 50, 401);
      if (g_rand_int_range (rand, 0, 4) == 0)
        g->tuning.min = (BallastAmount) { .is_relative = TRUE, .permille = 250 };
      if (regime == REGIME_PRESSURED && i % 10 == 0)
        g->swap_in_kib_per_sec = 4096;
      sum_current += current;
    }
  /* The budget is the sum of balloons; what is available decides the regime. */
  input.host.total_kib = sum_current;
  guint64 reserve = ballast_policy_reserve_kib (policy, sum_current);
  switch (regime)
    {
    case REGIME_DEFICIT:
    case REGIME_PRESSURED:
      input.host.available_kib = reserve / 2 + reserve / 8; /* short, not an emergency */
      break;
    case REGIME_SURPLUS:
      input.host.available_kib = reserve + sum_current / 5;
      break;
    case REGIME_EMERGENCY:
      input.host.available_kib = reserve / 4;
      input.host.has_psi = TRUE;
      input.host.psi_some_avg10_centipct = 2500;
      break;
    default:
      g_assert_not_reached ();
    }
  return input;
}

static void
free_input (Input *input)
{
  g_strfreev (input->names);
  g_free (input->guests);
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Median time of one decision, in microseconds, over batches that each
 * last about a tenth of MIN_SECONDS. */
static double
time_decide (const BallastPolicy *policy, const Input *input, double min_seconds, guint *ret_runs,
             guint *ret_changed)
{
  /* Warm up, and find a batch size. */
  guint batch = 1;
  for (;;)
    {
      gint64 start = g_get_monotonic_time ();
      for (guint i = 0; i < batch; i++)
        ballast_plan_free (ballast_policy_decide (policy, &input->host, input->guests, input->n, TRUE));
      gint64 elapsed = g_get_monotonic_time () - start;
      if (elapsed >= (gint64) (min_seconds * 1e6 / 10) || batch >= (1u << 20))
        break;
      batch *= 2;
    }
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 deadline = g_get_monotonic_time () + (gint64) (min_seconds * 1e6);
  guint runs = 0;
  while (samples->len < 5 || g_get_monotonic_time () < deadline)
    {
      gint64 start = g_get_monotonic_time ();
      for (guint i = 0; i < batch; i++)
        ballast_plan_free (ballast_policy_decide (policy, &input->host, input->guests, input->n, TRUE));
      double per = (double) (g_get_monotonic_time () - start) / batch;
      g_array_append_val (samples, per);
      runs += batch;
    }
  g_array_sort (samples, compare_double);
  const double *v = (const double *) samples->data;
  g_autoptr(BallastPlan) plan = ballast_policy_decide (policy, &input->host, input->guests, input->n, TRUE);
  guint changed = 0;
  for (gsize i = 0; i < plan->n_decisions; i++)
    changed += plan->decisions[i].changed;
  *ret_runs = runs;
  *ret_changed = changed;
  return v[samples->len / 2];
}

int
main (int argc, char **argv)
{
  gboolean json = FALSE;
  double min_seconds = 0.3;
  g_auto(GStrv) sizes_text = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    { "min-seconds", 's', 0, G_OPTION_ARG_DOUBLE, &min_seconds, "Time each case at least this long (default 0.3)", "S" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &sizes_text, NULL, "N..." },
    { NULL },
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[N...] - time ballast_policy_decide()");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-policy-engine: %s\n", error->message);
      return 2;
    }
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  for (guint i = 0; sizes_text != NULL && sizes_text[i] != NULL; i++)
    {
      gsize n = (gsize) g_ascii_strtoull (sizes_text[i], NULL, 10);
      if (n == 0 || n > 1000000)
        {
          g_printerr ("bench-policy-engine: '%s' is not a guest count (1..1000000)\n", sizes_text[i]);
          return 2;
        }
      g_array_append_val (sizes, n);
    }
  if (sizes->len == 0)
    {
      gsize defaults[] = { 100, 1000, 10000 };
      g_array_append_vals (sizes, defaults, G_N_ELEMENTS (defaults));
    }

  BallastPolicy policy;
  ballast_policy_init_defaults (&policy);
  g_autofree double *worst = g_new0 (double, sizes->len);
  if (!json)
    printf ("%-8s %-10s %14s %12s %10s %9s\n", "guests", "situation", "usec/decision", "ns/guest", "changed", "runs");
  else
    printf ("{\"cases\": [\n");
  gboolean first = TRUE;
  for (guint s = 0; s < sizes->len; s++)
    {
      gsize n = g_array_index (sizes, gsize, s);
      for (int r = 0; r < N_REGIMES; r++)
        {
          Input input = make_input (&policy, n, r);
          guint runs, changed;
          double usec = time_decide (&policy, &input, min_seconds, &runs, &changed);
          worst[s] = MAX (worst[s], usec);
          if (json)
            printf ("%s  {\"guests\": %" G_GSIZE_FORMAT ", \"situation\": \"%s\", \"usec_per_decision\": %.2f, "
                    "\"ns_per_guest\": %.1f, \"changed\": %u, \"runs\": %u}",
                    first ? "" : ",\n", n, regime_names[r], usec, usec * 1000 / (double) n, changed, runs);
          else
            printf ("%-8" G_GSIZE_FORMAT " %-10s %14.1f %12.1f %10u %9u\n", n, regime_names[r], usec,
                    usec * 1000 / (double) n, changed, runs);
          first = FALSE;
          free_input (&input);
          fflush (stdout);
        }
    }

  /* Growth between consecutive sizes, worst situation each: no faster than
   * n log n (times an allowance for caches). */
  gboolean ok = TRUE;
  GString *checks = g_string_new (NULL);
  for (guint s = 1; s < sizes->len; s++)
    {
      double n0 = (double) g_array_index (sizes, gsize, s - 1), n1 = (double) g_array_index (sizes, gsize, s);
      double bound = n1 * log2 (MAX (n1, 2)) / (n0 * log2 (MAX (n0, 2)));
      double ratio = worst[s] / worst[s - 1];
      gboolean holds = ratio <= bound * GROWTH_ALLOWANCE;
      ok = ok && holds;
      g_string_append_printf (checks, "%s{\"from\": %.0f, \"to\": %.0f, \"time_ratio\": %.2f, \"nlogn_ratio\": %.2f, \"holds\": %s}",
                              checks->len > 0 ? ", " : "", n0, n1, ratio, bound, holds ? "true" : "false");
      if (!json)
        printf ("growth %.0f -> %.0f guests: time x%.2f, n log n x%.2f (allowed x%.2f): %s\n", n0, n1, ratio,
                bound, bound * GROWTH_ALLOWANCE, holds ? "ok" : "WORSE THAN n log n");
    }
  gboolean target_ok = TRUE;
  double usec_10k = -1;
  for (guint s = 0; s < sizes->len; s++)
    if (g_array_index (sizes, gsize, s) == 10000)
      {
        usec_10k = worst[s];
        target_ok = worst[s] < TARGET_10K_USEC;
      }
  if (!json && usec_10k >= 0)
    printf ("target: 10000 guests decided in under 10 ms: %.2f ms at worst: %s\n", usec_10k / 1000,
            target_ok ? "met" : "MISSED");
  if (json)
    printf ("\n], \"growth\": [%s], \"target_10k_usec\": %.2f, \"target_met\": %s}\n", checks->str, usec_10k,
            target_ok ? "true" : "false");
  g_string_free (checks, TRUE);
  return ok && target_ok ? 0 : 1;
}
