/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Balloon statistics from both libvirt APIs, built from the real captures
 * (virsh domstats --balloon and virsh dommemstat of guest g1), and the
 * checks that keep a lying guest driver from steering the allocator. */
#include "balloon-stats.h"
#include "scratch-tree.h"

#include <string.h>

/* ---- virTypedParameter arrays from `virsh domstats` text ---- */

typedef struct {
  virTypedParameterPtr params;
  int n_params;
  int max_params;
} TypedParams;

static void
typed_params_clear (TypedParams *params)
{
  virTypedParamsFree (params->params, params->n_params);
  params->params = NULL;
  params->n_params = params->max_params = 0;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TypedParams, typed_params_clear)

/* The "  key=value" lines of one domain's block, as the record
 * virConnectGetAllDomainStats() returned: balloon.* are ULLONG, state.*
 * are INT (the types libvirt's qemu driver uses). */
static void
typed_params_from_domstats (const char *text, TypedParams *ret_params)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      const char *equals = strchr (line, '=');
      if (equals == NULL)
        continue; /* "Domain: 'g1'" and blank lines */
      g_autofree char *key = g_strndup (line, (gsize) (equals - line));
      guint64 value = g_ascii_strtoull (equals + 1, NULL, 10);
      int rc;
      if (g_str_has_prefix (key, "state."))
        rc = virTypedParamsAddInt (&ret_params->params, &ret_params->n_params,
                                   &ret_params->max_params, key, (int) value);
      else
        rc = virTypedParamsAddULLong (&ret_params->params, &ret_params->n_params,
                                      &ret_params->max_params, key, value);
      g_assert_cmpint (rc, ==, 0);
    }
}

/* ---- virDomainMemoryStatStruct arrays from `virsh dommemstat` text ---- */

static const struct {
  const char *name;
  int tag;
} memstat_names[] = {
  { "swap_in", VIR_DOMAIN_MEMORY_STAT_SWAP_IN },
  { "swap_out", VIR_DOMAIN_MEMORY_STAT_SWAP_OUT },
  { "major_fault", VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT },
  { "minor_fault", VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT },
  { "unused", VIR_DOMAIN_MEMORY_STAT_UNUSED },
  { "available", VIR_DOMAIN_MEMORY_STAT_AVAILABLE },
  { "actual", VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON },
  { "rss", VIR_DOMAIN_MEMORY_STAT_RSS },
  { "usable", VIR_DOMAIN_MEMORY_STAT_USABLE },
  { "last_update", VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE },
  { "disk_caches", VIR_DOMAIN_MEMORY_STAT_DISK_CACHES },
  { "hugetlb_pgalloc", VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC },
  { "hugetlb_pgfail", VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL },
};

static GArray *
memory_stats_from_dommemstat (const char *text)
{
  GArray *stats = g_array_new (FALSE, TRUE, sizeof (virDomainMemoryStatStruct));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '#') /* what a synthesized fixture stands for */
        continue;
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 2);
      if (words[0] == NULL || words[1] == NULL)
        continue;
      gboolean known = FALSE;
      for (gsize j = 0; j < G_N_ELEMENTS (memstat_names); j++)
        if (strcmp (words[0], memstat_names[j].name) == 0)
          {
            virDomainMemoryStatStruct stat = {
              .tag = memstat_names[j].tag,
              .val = g_ascii_strtoull (words[1], NULL, 10),
            };
            g_array_append_val (stats, stat);
            known = TRUE;
          }
      g_assert_true (known);
    }
  return stats;
}

#define ALL_BUT_MAXIMUM                                                              \
  (BALLAST_STAT_ACTUAL | BALLAST_STAT_SWAP_IN | BALLAST_STAT_SWAP_OUT                \
   | BALLAST_STAT_MAJOR_FAULT | BALLAST_STAT_MINOR_FAULT | BALLAST_STAT_UNUSED       \
   | BALLAST_STAT_AVAILABLE | BALLAST_STAT_USABLE | BALLAST_STAT_DISK_CACHES         \
   | BALLAST_STAT_RSS | BALLAST_STAT_LAST_UPDATE)

/* Both captures are of g1 at the same moment: the same figures. */
static void
assert_g1_figures (const BallastBalloonStats *stats)
{
  g_assert_cmpuint (stats->actual_kib, ==, 524288);
  g_assert_cmpuint (stats->swap_in_kib, ==, 0);
  g_assert_cmpuint (stats->swap_out_kib, ==, 0);
  g_assert_cmpuint (stats->major_faults, ==, 0);
  g_assert_cmpuint (stats->minor_faults, ==, 685);
  g_assert_cmpuint (stats->unused_kib, ==, 453948);
  g_assert_cmpuint (stats->available_kib, ==, 481428);
  g_assert_cmpuint (stats->usable_kib, ==, 453644);
  g_assert_cmpuint (stats->disk_caches_kib, ==, 2216);
  g_assert_cmpuint (stats->rss_kib, ==, 219256);
  g_assert_cmpint (stats->last_update_sec, ==, G_GINT64_CONSTANT (1795660177));
}

static void
test_typed_params_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("libvirt/domstats-balloon.txt");
  g_auto(TypedParams) params = { 0 };
  typed_params_from_domstats (text, &params);
  g_assert_cmpint (params.n_params, ==, 16);

  BallastBalloonStats stats;
  memset (&stats, 0xff, sizeof stats);
  ballast_balloon_stats_from_typed_params (params.params, params.n_params, &stats);
  g_assert_cmphex (stats.present, ==, ALL_BUT_MAXIMUM | BALLAST_STAT_MAXIMUM);
  g_assert_cmpuint (stats.maximum_kib, ==, 524288);
  assert_g1_figures (&stats);

  g_assert_true (ballast_balloon_stats_has_guest_view (&stats));
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&stats), ==, 453644);
  g_assert_null (ballast_balloon_stats_check (&stats, 524288));
}

/* Captured from a TCG guest with 512 MiB of boot memory and a virtio-mem
 * device with 512 MiB plugged (tests/fixtures/libvirt/running-domain-virtio-mem.xml):
 * libvirt's balloon.current counts the plugged memory, virDomainMemoryStats'
 * actual (524288 in the same second) does not. */
static void
test_typed_params_virtio_mem (void)
{
  g_autofree char *text = scratch_load_fixture ("libvirt/domstats-balloon-virtio-mem.txt");
  g_auto(TypedParams) params = { 0 };
  typed_params_from_domstats (text, &params);
  BallastBalloonStats stats;
  ballast_balloon_stats_from_typed_params (params.params, params.n_params, &stats);
  g_assert_cmpuint (stats.actual_kib, ==, 1048576);
  g_assert_true (stats.actual_counts_virtio_mem);
  /* The guest's own MemTotal counts the plugged memory too. */
  g_assert_cmpuint (stats.available_kib, ==, 939280);
  ballast_balloon_stats_exclude_virtio_mem (&stats, 524288);
  g_assert_cmpuint (stats.actual_kib, ==, 524288);
  g_assert_false (stats.actual_counts_virtio_mem);
  /* Once only, and never below zero. */
  ballast_balloon_stats_exclude_virtio_mem (&stats, 524288);
  g_assert_cmpuint (stats.actual_kib, ==, 524288);
  stats.actual_counts_virtio_mem = TRUE;
  ballast_balloon_stats_exclude_virtio_mem (&stats, 4 * 1048576);
  g_assert_cmpuint (stats.actual_kib, ==, 0);
}

static void
test_memory_stats_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("libvirt/dommemstat-g1.txt");
  g_autoptr(GArray) array = memory_stats_from_dommemstat (text);
  g_assert_cmpuint (array->len, ==, 13);

  BallastBalloonStats stats;
  memset (&stats, 0xff, sizeof stats);
  ballast_balloon_stats_from_memory_stats ((virDomainMemoryStatStruct *) array->data,
                                           (int) array->len, &stats);
  /* virDomainMemoryStats() has no "maximum". */
  g_assert_cmphex (stats.present, ==, ALL_BUT_MAXIMUM);
  g_assert_cmpuint (stats.maximum_kib, ==, 0);
  assert_g1_figures (&stats);
  g_assert_false (stats.actual_counts_virtio_mem);
  g_assert_true (ballast_balloon_stats_has_guest_view (&stats));
  g_assert_null (ballast_balloon_stats_check (&stats, 524288));
}

static void
test_empty (void)
{
  BallastBalloonStats stats;
  memset (&stats, 0xff, sizeof stats);
  ballast_balloon_stats_from_typed_params (NULL, 0, &stats);
  g_assert_cmpuint (stats.present, ==, 0);
  g_assert_cmpuint (stats.actual_kib, ==, 0);
  g_assert_false (ballast_balloon_stats_has_guest_view (&stats));
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&stats), ==, 0);
  g_assert_null (ballast_balloon_stats_check (&stats, 0));

  memset (&stats, 0xff, sizeof stats);
  ballast_balloon_stats_from_memory_stats (NULL, 0, &stats);
  g_assert_cmpuint (stats.present, ==, 0);
}

/* ---- Types and names libvirt might send ---- */

static void
test_typed_params_types (void)
{
  g_auto(TypedParams) p = { 0 };
  /* Wrong types: never read as a size. */
  g_assert_cmpint (virTypedParamsAddString (&p.params, &p.n_params, &p.max_params, "balloon.current", "524288"), ==, 0);
  g_assert_cmpint (virTypedParamsAddDouble (&p.params, &p.n_params, &p.max_params, "balloon.maximum", 524288.0), ==, 0);
  g_assert_cmpint (virTypedParamsAddBoolean (&p.params, &p.n_params, &p.max_params, "balloon.usable", 1), ==, 0);
  /* Negative signed values: never read as a size. */
  g_assert_cmpint (virTypedParamsAddLLong (&p.params, &p.n_params, &p.max_params, "balloon.unused", -5), ==, 0);
  g_assert_cmpint (virTypedParamsAddInt (&p.params, &p.n_params, &p.max_params, "balloon.available", -1), ==, 0);
  /* Other non-negative integer types are accepted. */
  g_assert_cmpint (virTypedParamsAddUInt (&p.params, &p.n_params, &p.max_params, "balloon.swap_in", 7), ==, 0);
  g_assert_cmpint (virTypedParamsAddLLong (&p.params, &p.n_params, &p.max_params, "balloon.swap_out", 8), ==, 0);
  g_assert_cmpint (virTypedParamsAddInt (&p.params, &p.n_params, &p.max_params, "balloon.major_fault", 9), ==, 0);
  /* Not balloon fields, or unknown ones. */
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "state.state", 1), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "vcpu.current", 2), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "balloon.hugetlb_pgalloc", 3), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "balloon.currentX", 4), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "balloon.", 5), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "BALLOON.RSS", 6), ==, 0);
  g_assert_cmpint (virTypedParamsAddULLong (&p.params, &p.n_params, &p.max_params, "balloon", 6), ==, 0);

  BallastBalloonStats stats;
  ballast_balloon_stats_from_typed_params (p.params, p.n_params, &stats);
  g_assert_cmphex (stats.present, ==, BALLAST_STAT_SWAP_IN | BALLAST_STAT_SWAP_OUT | BALLAST_STAT_MAJOR_FAULT);
  g_assert_cmpuint (stats.actual_kib, ==, 0);
  g_assert_cmpuint (stats.maximum_kib, ==, 0);
  g_assert_cmpuint (stats.usable_kib, ==, 0);
  g_assert_cmpuint (stats.unused_kib, ==, 0);
  g_assert_cmpuint (stats.available_kib, ==, 0);
  g_assert_cmpuint (stats.rss_kib, ==, 0);
  g_assert_cmpuint (stats.swap_in_kib, ==, 7);
  g_assert_cmpuint (stats.swap_out_kib, ==, 8);
  g_assert_cmpuint (stats.major_faults, ==, 9);
  g_assert_false (ballast_balloon_stats_has_guest_view (&stats));
}

static void
test_typed_params_extremes (void)
{
  /* Built by hand: libvirt's helpers would not add a name twice. */
  virTypedParameter params[4];
  memset (params, 0, sizeof params);
  g_strlcpy (params[0].field, "balloon.current", sizeof params[0].field);
  params[0].type = VIR_TYPED_PARAM_ULLONG;
  params[0].value.ul = 1000;
  g_strlcpy (params[1].field, "balloon.current", sizeof params[1].field);
  params[1].type = VIR_TYPED_PARAM_ULLONG;
  params[1].value.ul = 2000;
  /* A last-update beyond gint64 is clamped, not turned negative. */
  g_strlcpy (params[2].field, "balloon.last-update", sizeof params[2].field);
  params[2].type = VIR_TYPED_PARAM_ULLONG;
  params[2].value.ul = G_MAXUINT64;
  g_strlcpy (params[3].field, "balloon.usable", sizeof params[3].field);
  params[3].type = VIR_TYPED_PARAM_ULLONG;
  params[3].value.ul = G_MAXUINT64;

  BallastBalloonStats stats;
  ballast_balloon_stats_from_typed_params (params, G_N_ELEMENTS (params), &stats);
  g_assert_cmpuint (stats.actual_kib, ==, 2000);         /* the later one */
  g_assert_cmpint (stats.last_update_sec, ==, G_MAXINT64);
  g_assert_cmpuint (stats.usable_kib, ==, G_MAXUINT64);
  /* ... and a usable figure that large is caught by the check. */
  g_assert_cmpstr (ballast_balloon_stats_check (&stats, 4000), ==,
                   "guest reports more usable memory than the domain's maximum");

  /* A negative n_params reads nothing. */
  memset (&stats, 0xff, sizeof stats);
  ballast_balloon_stats_from_typed_params (params, -1, &stats);
  g_assert_cmpuint (stats.present, ==, 0);
}

static void
test_memory_stats_unknown_tags (void)
{
  virDomainMemoryStatStruct array[] = {
    { .tag = VIR_DOMAIN_MEMORY_STAT_NR, .val = 1 },
    { .tag = 1000, .val = 2 },
    { .tag = VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, .val = 3 },
    { .tag = VIR_DOMAIN_MEMORY_STAT_UNUSED, .val = 4 },
    { .tag = VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, .val = 4096 },
  };
  BallastBalloonStats stats;
  ballast_balloon_stats_from_memory_stats (array, G_N_ELEMENTS (array), &stats);
  g_assert_cmphex (stats.present, ==, BALLAST_STAT_UNUSED | BALLAST_STAT_ACTUAL);
  g_assert_cmpuint (stats.unused_kib, ==, 4);
  g_assert_cmpuint (stats.actual_kib, ==, 4096);
}

/* ---- Guest view and usable memory ---- */

static void
test_has_guest_view (void)
{
  static const struct {
    guint present;
    gboolean view;
  } cases[] = {
    { 0, FALSE },
    { BALLAST_STAT_ACTUAL, FALSE },                              /* a driver without stats */
    { BALLAST_STAT_ACTUAL | BALLAST_STAT_RSS | BALLAST_STAT_MAXIMUM, FALSE },
    { BALLAST_STAT_USABLE | BALLAST_STAT_UNUSED, FALSE },        /* no actual */
    { BALLAST_STAT_ACTUAL | BALLAST_STAT_USABLE, TRUE },
    { BALLAST_STAT_ACTUAL | BALLAST_STAT_UNUSED, TRUE },         /* before Linux 4.16 */
    { BALLAST_STAT_ACTUAL | BALLAST_STAT_AVAILABLE | BALLAST_STAT_DISK_CACHES, FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastBalloonStats stats = { .present = cases[i].present };
      g_test_message ("present 0x%x", cases[i].present);
      g_assert_cmpint (ballast_balloon_stats_has_guest_view (&stats), ==, cases[i].view);
    }
}

static void
test_usable (void)
{
  /* "usable" (MemAvailable) when the driver has it, even if lower. */
  BallastBalloonStats with_usable = {
    .present = BALLAST_STAT_USABLE | BALLAST_STAT_UNUSED | BALLAST_STAT_DISK_CACHES,
    .usable_kib = 100, .unused_kib = 500, .disk_caches_kib = 300,
  };
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&with_usable), ==, 100);

  /* Without it: unused + disk caches ... */
  BallastBalloonStats old_driver = {
    .present = BALLAST_STAT_UNUSED | BALLAST_STAT_DISK_CACHES,
    .unused_kib = 453948, .disk_caches_kib = 2216,
  };
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&old_driver), ==, 453948 + 2216);

  /* ... or unused alone, a stale disk_caches value not counted ... */
  BallastBalloonStats no_caches = {
    .present = BALLAST_STAT_UNUSED, .unused_kib = 453948, .disk_caches_kib = 999999,
  };
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&no_caches), ==, 453948);

  /* ... saturating rather than wrapping. */
  BallastBalloonStats huge = {
    .present = BALLAST_STAT_UNUSED | BALLAST_STAT_DISK_CACHES,
    .unused_kib = G_MAXUINT64 - 10, .disk_caches_kib = 100,
  };
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&huge), ==, G_MAXUINT64);

  /* The fixture with "usable" taken away. */
  g_autofree char *text = scratch_load_fixture ("libvirt/dommemstat-g1.txt");
  g_autoptr(GArray) array = memory_stats_from_dommemstat (text);
  for (guint i = 0; i < array->len; i++)
    if (g_array_index (array, virDomainMemoryStatStruct, i).tag == VIR_DOMAIN_MEMORY_STAT_USABLE)
      g_array_remove_index (array, i--);
  BallastBalloonStats stats;
  ballast_balloon_stats_from_memory_stats ((virDomainMemoryStatStruct *) array->data,
                                           (int) array->len, &stats);
  g_assert_false (stats.present & BALLAST_STAT_USABLE);
  g_assert_true (ballast_balloon_stats_has_guest_view (&stats));
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&stats), ==, 453948 + 2216);
}

/* ---- Partial stats: what stands in for what a driver does not report ---- */

static BallastBalloonStats
stats_from_fixture (const char *name)
{
  g_autofree char *text = scratch_load_fixture (name);
  g_autoptr(GArray) array = memory_stats_from_dommemstat (text);
  BallastBalloonStats stats;
  ballast_balloon_stats_from_memory_stats ((virDomainMemoryStatStruct *) array->data,
                                           (int) array->len, &stats);
  return stats;
}

static void
test_partial (void)
{
  /* A Linux guest reports it all. */
  BallastBalloonStats linux_guest = stats_from_fixture ("libvirt/dommemstat-g1.txt");
  g_assert_null (ballast_balloon_stats_partial_reason (&linux_guest));
  g_assert_cmpuint (ballast_balloon_stats_total_kib (&linux_guest), ==, 481428);

  /* virtio-win: free memory stands in for MemAvailable, its own total is
   * used; a guest view all the same, not trusted any less. */
  BallastBalloonStats windows = stats_from_fixture ("libvirt/dommemstat-windows-virtio-win.synth.txt");
  g_assert_true (ballast_balloon_stats_has_guest_view (&windows));
  g_assert_null (ballast_balloon_stats_check (&windows, 4194304));
  g_assert_cmpstr (ballast_balloon_stats_partial_reason (&windows), ==,
                   "no usable memory nor disk caches from the guest: free memory stands in");
  g_assert_cmpuint (ballast_balloon_stats_usable_kib (&windows), ==, 2751724);
  g_assert_cmpuint (ballast_balloon_stats_total_kib (&windows), ==, 4193780);

  /* No total: the balloon size stands in. */
  BallastBalloonStats no_total = linux_guest;
  no_total.present &= ~BALLAST_STAT_AVAILABLE;
  g_assert_cmpstr (ballast_balloon_stats_partial_reason (&no_total), ==,
                   "no total memory from the guest: the balloon size stands in");
  g_assert_cmpuint (ballast_balloon_stats_total_kib (&no_total), ==, 524288);

  /* Linux before 4.16: free memory and caches, no "usable". */
  BallastBalloonStats old_linux = linux_guest;
  old_linux.present &= ~BALLAST_STAT_USABLE;
  g_assert_cmpstr (ballast_balloon_stats_partial_reason (&old_linux), ==,
                   "no usable memory from the guest: free memory plus disk caches stand in");

  /* FreeBSD without a stats queue: no guest view at all. Not partial
   * stats but none: ballast waits for a driver that reports, and then
   * says no-driver; it never moves a balloon blind. */
  BallastBalloonStats freebsd = stats_from_fixture ("libvirt/dommemstat-freebsd-no-stats-queue.synth.txt");
  g_assert_cmpuint (freebsd.present, ==, BALLAST_STAT_ACTUAL | BALLAST_STAT_RSS);
  g_assert_false (ballast_balloon_stats_has_guest_view (&freebsd));
}

/* ---- Contradictions ---- */

typedef struct {
  const char *name;
  BallastBalloonStats stats;
  guint64 max_kib;
  const char *problem; /* NULL: consistent */
} CheckCase;

#define P(f) BALLAST_STAT_##f

static const CheckCase check_cases[] = {
  { "consistent", { .present = P (ACTUAL) | P (AVAILABLE) | P (USABLE) | P (UNUSED),
                    .actual_kib = 524288, .available_kib = 481428, .usable_kib = 453644,
                    .unused_kib = 453948 }, 524288, NULL },
  { "all-equal-to-max", { .present = P (ACTUAL) | P (AVAILABLE) | P (USABLE) | P (UNUSED),
                          .actual_kib = 1000, .available_kib = 1000, .usable_kib = 1000,
                          .unused_kib = 1000 }, 1000, NULL },
  { "actual-above-max", { .present = P (ACTUAL), .actual_kib = 524289 }, 524288,
    "balloon.current is above the domain's maximum" },
  { "available-above-max", { .present = P (AVAILABLE), .available_kib = 600000 }, 524288,
    "guest reports more total memory than the domain's maximum" },
  /* balloon.current runs ahead of the guest's report after a shrink: lag,
   * not a contradiction. */
  { "usable-above-actual-is-lag", { .present = P (ACTUAL) | P (USABLE), .actual_kib = 262144,
                                    .usable_kib = 262145 }, 524288, NULL },
  { "usable-above-available", { .present = P (AVAILABLE) | P (USABLE), .available_kib = 262144,
                                .usable_kib = 262145 }, 524288,
    "guest reports more usable memory than it has in total" },
  { "usable-above-max", { .present = P (ACTUAL) | P (USABLE), .actual_kib = 1000,
                          .usable_kib = 524289 }, 524288,
    "guest reports more usable memory than the domain's maximum" },
  { "unused-above-available", { .present = P (UNUSED) | P (AVAILABLE), .unused_kib = 481429,
                                .available_kib = 481428 }, 524288,
    "guest reports more unused memory than it has in total" },
  { "unused-above-actual-is-lag", { .present = P (ACTUAL) | P (UNUSED), .actual_kib = 262144,
                                    .unused_kib = 300000 }, 524288, NULL },
  /* A value only counts when its field was reported. */
  { "absent-actual", { .present = P (USABLE) | P (UNUSED), .actual_kib = 0,
                       .usable_kib = 1 << 30, .unused_kib = 1 << 30 }, 524288, NULL },
  { "absent-available", { .present = P (UNUSED), .available_kib = 0, .unused_kib = 100 }, 524288, NULL },
  { "absent-usable", { .present = P (ACTUAL), .actual_kib = 100, .usable_kib = 200 }, 524288, NULL },
  { "nothing", { .present = 0, .actual_kib = G_MAXUINT64 }, 0, NULL },
  /* The first contradiction found is the one reported. */
  { "several", { .present = P (ACTUAL) | P (AVAILABLE) | P (USABLE), .actual_kib = 2000,
                 .available_kib = 3000, .usable_kib = 5000 }, 1000,
    "balloon.current is above the domain's maximum" },
};

static void
test_check (gconstpointer data)
{
  const CheckCase *c = data;
  g_assert_cmpstr (ballast_balloon_stats_check (&c->stats, c->max_kib), ==, c->problem);
}

static void
test_field_names (void)
{
  static const struct {
    BallastStatField field;
    const char *name;
  } cases[] = {
    { BALLAST_STAT_ACTUAL, "balloon.current" }, { BALLAST_STAT_MAXIMUM, "balloon.maximum" },
    { BALLAST_STAT_SWAP_IN, "balloon.swap_in" }, { BALLAST_STAT_SWAP_OUT, "balloon.swap_out" },
    { BALLAST_STAT_MAJOR_FAULT, "balloon.major_fault" },
    { BALLAST_STAT_MINOR_FAULT, "balloon.minor_fault" }, { BALLAST_STAT_UNUSED, "balloon.unused" },
    { BALLAST_STAT_AVAILABLE, "balloon.available" }, { BALLAST_STAT_USABLE, "balloon.usable" },
    { BALLAST_STAT_DISK_CACHES, "balloon.disk_caches" }, { BALLAST_STAT_RSS, "balloon.rss" },
    { BALLAST_STAT_LAST_UPDATE, "balloon.last-update" },
    { 0, "?" }, { 1 << 20, "?" }, { BALLAST_STAT_ACTUAL | BALLAST_STAT_RSS, "?" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (ballast_stat_field_name (cases[i].field), ==, cases[i].name);
}

int
main (int argc, char **argv)
{
  /* virTypedParamsAdd*() use libvirt's per-thread error object, which
   * exists only once the library is initialized. */
  g_assert_cmpint (virInitialize (), ==, 0);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/balloon-stats/typed-params/fixture", test_typed_params_fixture);
  g_test_add_func ("/balloon-stats/typed-params/types", test_typed_params_types);
  g_test_add_func ("/balloon-stats/typed-params/extremes", test_typed_params_extremes);
  g_test_add_func ("/balloon-stats/typed-params/virtio-mem", test_typed_params_virtio_mem);
  g_test_add_func ("/balloon-stats/memory-stats/fixture", test_memory_stats_fixture);
  g_test_add_func ("/balloon-stats/memory-stats/unknown-tags", test_memory_stats_unknown_tags);
  g_test_add_func ("/balloon-stats/empty", test_empty);
  g_test_add_func ("/balloon-stats/has-guest-view", test_has_guest_view);
  g_test_add_func ("/balloon-stats/usable", test_usable);
  g_test_add_func ("/balloon-stats/partial", test_partial);
  for (gsize i = 0; i < G_N_ELEMENTS (check_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/balloon-stats/check/%s", check_cases[i].name);
      g_test_add_data_func (path, &check_cases[i], test_check);
    }
  g_test_add_func ("/balloon-stats/field-names", test_field_names);
  return g_test_run ();
}
