/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "path-context.h"

G_BEGIN_DECLS

/* Kernel samepage merging: the sysfs tree under PATHS->sys_dir/kernel/mm/ksm
 * (Documentation/admin-guide/mm/ksm.rst), read into one struct, and written
 * back one changed value at a time. For a remote libvirt URI the same
 * struct is filled from virNodeGetMemoryParameters(), which offers a subset
 * and no "run". Page counts are in pages of the host's page size. */

/* One bit per sysfs file. The first eight are the interface as Linux 2.6.32
 * introduced it and are required when reading sysfs; the others appeared
 * later (kernel version in the comment) or only on NUMA kernels, and are
 * optional: a kernel without one is not an error, the bit is just clear. */
typedef enum {
  BALLAST_KSM_HAS_RUN = 1 << 0,
  BALLAST_KSM_HAS_PAGES_TO_SCAN = 1 << 1,
  BALLAST_KSM_HAS_SLEEP_MILLISECS = 1 << 2,
  BALLAST_KSM_HAS_PAGES_SHARED = 1 << 3,
  BALLAST_KSM_HAS_PAGES_SHARING = 1 << 4,
  BALLAST_KSM_HAS_PAGES_UNSHARED = 1 << 5,
  BALLAST_KSM_HAS_PAGES_VOLATILE = 1 << 6,
  BALLAST_KSM_HAS_FULL_SCANS = 1 << 7,
  BALLAST_KSM_HAS_MERGE_ACROSS_NODES = 1 << 8,   /* 3.9, CONFIG_NUMA only */
  BALLAST_KSM_HAS_USE_ZERO_PAGES = 1 << 9,       /* 4.14 */
  BALLAST_KSM_HAS_MAX_PAGE_SHARING = 1 << 10,    /* 4.13 */
  BALLAST_KSM_HAS_STABLE_NODE_CHAINS = 1 << 11,  /* 4.13 */
  BALLAST_KSM_HAS_STABLE_NODE_DUPS = 1 << 12,    /* 4.13 */
  BALLAST_KSM_HAS_STABLE_NODE_CHAINS_PRUNE_MILLISECS = 1 << 13, /* 4.13 */
  BALLAST_KSM_HAS_GENERAL_PROFIT = 1 << 14,      /* 6.4 */
  BALLAST_KSM_HAS_KSM_ZERO_PAGES = 1 << 15,      /* 6.x */
  BALLAST_KSM_HAS_PAGES_SCANNED = 1 << 16,       /* 6.x */
  BALLAST_KSM_HAS_PAGES_SKIPPED = 1 << 17,       /* 6.x, smart scan */
  BALLAST_KSM_HAS_SMART_SCAN = 1 << 18,          /* 6.x, smart scan */
  BALLAST_KSM_HAS_ADVISOR_MODE = 1 << 19,        /* 6.x, scan-time advisor */
  BALLAST_KSM_HAS_ADVISOR_MAX_CPU = 1 << 20,     /* 6.x */
  BALLAST_KSM_HAS_ADVISOR_TARGET_SCAN_TIME = 1 << 21, /* 6.x */
  BALLAST_KSM_HAS_ADVISOR_MIN_PAGES_TO_SCAN = 1 << 22, /* 6.x */
  BALLAST_KSM_HAS_ADVISOR_MAX_PAGES_TO_SCAN = 1 << 23, /* 6.x */
} BallastKsmFile;

/* The files every kernel with KSM has. */
#define BALLAST_KSM_REQUIRED_FILES                                             \
  (BALLAST_KSM_HAS_RUN | BALLAST_KSM_HAS_PAGES_TO_SCAN                         \
   | BALLAST_KSM_HAS_SLEEP_MILLISECS | BALLAST_KSM_HAS_PAGES_SHARED            \
   | BALLAST_KSM_HAS_PAGES_SHARING | BALLAST_KSM_HAS_PAGES_UNSHARED            \
   | BALLAST_KSM_HAS_PAGES_VOLATILE | BALLAST_KSM_HAS_FULL_SCANS)

/* The values of "run". */
typedef enum {
  BALLAST_KSM_RUN_STOP = 0,    /* ksmd stopped, merged pages stay merged */
  BALLAST_KSM_RUN_MERGE = 1,   /* ksmd running */
  BALLAST_KSM_RUN_UNMERGE = 2, /* ksmd stopped and every merged page unmerged */
} BallastKsmRun;

/* advisor_mode reads "[none] scan-time": the bracketed one is in force.
 * With scan-time the kernel sets pages_to_scan itself and refuses writes. */
typedef enum {
  BALLAST_KSM_ADVISOR_NONE,
  BALLAST_KSM_ADVISOR_SCAN_TIME,
  BALLAST_KSM_ADVISOR_OTHER,  /* one a newer kernel added: owns pages_to_scan too */
} BallastKsmAdvisor;

typedef struct {
  guint32 present;                  /* BallastKsmFile bits of the files read */

  /* Tunables. */
  BallastKsmRun run;
  gboolean run_offline;             /* memory hot-remove in progress (bit 4 of run) */
  guint pages_to_scan;              /* pages per batch */
  guint sleep_millisecs;            /* between batches */
  gboolean merge_across_nodes;
  gboolean use_zero_pages;
  guint64 max_page_sharing;
  guint64 stable_node_chains_prune_millisecs;
  gboolean smart_scan;
  BallastKsmAdvisor advisor_mode;
  guint64 advisor_max_cpu;          /* percent */
  guint64 advisor_target_scan_time; /* seconds */
  guint64 advisor_min_pages_to_scan;
  guint64 advisor_max_pages_to_scan;

  /* Counters: gauges except full_scans, pages_scanned and pages_skipped,
   * which only grow (until reboot). */
  guint64 pages_shared;             /* KSM pages in use (one per merged content) */
  guint64 pages_sharing;            /* further mappings of them: pages saved */
  guint64 pages_unshared;           /* unique, checked repeatedly */
  guint64 pages_volatile;           /* changing too fast to merge */
  guint64 full_scans;
  guint64 stable_node_chains;
  guint64 stable_node_dups;
  guint64 pages_scanned;
  guint64 pages_skipped;
  guint64 ksm_zero_pages;           /* empty pages mapped to the zero page (use_zero_pages) */
  gint64 general_profit_bytes;      /* saved bytes minus the rmap items' cost; may be < 0 */
} BallastKsmState;

/* Parse TEXT, the contents of the sysfs file NAME ("pages_to_scan"), into
 * STATE and set its bit in STATE->present. A value is one line: digits,
 * an optional trailing newline ("-123" for general_profit, "[none] scan-time"
 * for advisor_mode). Booleans must be 0 or 1, run 0, 1 or 2 (plus 4 while
 * memory is being offlined). NAME not known to ballast: TRUE, nothing set,
 * because newer kernels add files. Errors (BALLAST_ERROR_PARSE or _RANGE)
 * name the file and line: "pages_to_scan line 1: ...". */
gboolean ballast_ksm_parse_file_value (const char *name, const char *text,
                                       BallastKsmState *state, GError **error);

/* Parse a capture in "name=value" lines, one per file, as in
 * tests/fixtures/host/ksm-sysfs.txt; '#' comments and blank lines skipped.
 * The required files must all be there. Errors name WHAT and the line. */
gboolean ballast_ksm_parse_capture (const char *text, const char *what,
                                    BallastKsmState *ret_state, GError **error);

/* PATHS->sys_dir/kernel/mm/ksm. Newly allocated. */
char *ballast_ksm_dir (const BallastPaths *paths);

/* Read every file of the KSM sysfs tree. Fails with
 * BALLAST_ERROR_UNSUPPORTED when the directory is absent (no CONFIG_KSM),
 * BALLAST_ERROR_MISSING when a required file is, and with the file's path
 * and line for anything unreadable or malformed. Nothing partial is
 * returned: RET_STATE is untouched on failure. */
gboolean ballast_ksm_read (const BallastPaths *paths, BallastKsmState *ret_state,
                           GError **error);

/* Pages KSM saves: pages_sharing + ksm_zero_pages (ksm.rst: "the sum of
 * pages_sharing + ksm_zero_pages represents the actual number of pages
 * saved by KSM"). These are already counted as free in MemAvailable:
 * never add them to the host's available memory. */
guint64 ballast_ksm_saved_pages (const BallastKsmState *state);

/* All rmap items (what KSM keeps track of): shared + sharing + unshared +
 * volatile, as in ksm.rst's general_profit formula. */
guint64 ballast_ksm_rmap_items (const BallastKsmState *state);

/* ---- Writing ---- */

/* Which tunables a BallastKsmTunables sets. */
typedef enum {
  BALLAST_KSM_SET_RUN = 1 << 0,
  BALLAST_KSM_SET_PAGES_TO_SCAN = 1 << 1,
  BALLAST_KSM_SET_SLEEP_MILLISECS = 1 << 2,
  BALLAST_KSM_SET_MERGE_ACROSS_NODES = 1 << 3,
  BALLAST_KSM_SET_USE_ZERO_PAGES = 1 << 4,
} BallastKsmTunable;

/* What should be written; fields whose bit is clear in SET are left as
 * they are. */
typedef struct {
  guint set; /* BallastKsmTunable bits */
  BallastKsmRun run;
  guint pages_to_scan;
  guint sleep_millisecs;
  gboolean merge_across_nodes;
  gboolean use_zero_pages;
} BallastKsmTunables;

/* The sysfs file name of one tunable ("pages_to_scan"). */
const char *ballast_ksm_tunable_name (BallastKsmTunable tunable);

/* One write to a sysfs file. */
typedef struct {
  BallastKsmTunable tunable;
  guint64 old_value;
  guint64 new_value;
} BallastKsmWrite;

typedef struct {
  GArray *writes;     /* BallastKsmWrite, in the order they must be made */
  /* A merge_across_nodes change is waiting for the unmerge (run=2) to
   * finish: call again next cycle with a fresh read, which writes the new
   * merge_across_nodes and then the wanted run. */
  gboolean pending_unmerge;
  /* The writes include run=2: the kernel unmerges every page inside that
   * write(2), which takes as long as the unmerge and may need as much
   * memory as KSM saved. Make it off the main loop (the worker thread). */
  gboolean blocking;
} BallastKsmWritePlan;

void ballast_ksm_write_plan_free (BallastKsmWritePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastKsmWritePlan, ballast_ksm_write_plan_free)

/* Choose the writes that take CURRENT (a fresh read) to WANTED: only the
 * values that differ, and only to files CURRENT has. Pure, no I/O.
 *
 * merge_across_nodes follows the kernel's rule (ksm.rst: it "can be changed
 * only when there are no ksm shared pages in the system: set run 2 to
 * unmerge pages first, then to 1 after changing merge_across_nodes"). With
 * pages still merged the plan is run=2 alone plus the harmless tunables,
 * and PENDING_UNMERGE; once a later read shows run=2 and no shared pages,
 * the plan writes merge_across_nodes, then the other tunables, then run.
 * The state lives in the kernel, so a restarted daemon picks up where the
 * last one stopped. Waiting is never done here: the caller comes back next
 * cycle. A run that reads 2 while pages are still merged means an unmerge
 * was cut short (a signal, no memory): when WANTED says 2 (or needs the
 * unmerge), 2 is written again.
 *
 * Fails with BALLAST_ERROR_UNSUPPORTED when WANTED sets a tunable whose file
 * CURRENT lacks, BALLAST_ERROR_INVALID when WANTED changes merge_across_nodes
 * without saying which run to restore, or sets run to a value other than
 * 0, 1, 2, or pages_to_scan while the kernel's scan-time advisor owns it. */
BallastKsmWritePlan *ballast_ksm_plan_writes (const BallastKsmState *current,
                                              const BallastKsmTunables *wanted,
                                              GError **error);

/* "pages_to_scan 100 -> 1250". Newly allocated. */
char *ballast_ksm_write_describe (const BallastKsmWrite *write);

/* Make the writes of PLAN in order, each as "VALUE\n" to an existing file
 * (never created). Stops at the first failure, with an error naming the
 * file, the value and errno (EBUSY on merge_across_nodes means pages are
 * still merged; EACCES/EPERM: not root). RET_DONE, when not NULL, gets the
 * number of writes made. */
gboolean ballast_ksm_apply (const BallastPaths *paths, const BallastKsmWritePlan *plan,
                            guint *ret_done, GError **error);

/* Plan and apply in one: RET_CHANGED (when not NULL) gets a newly
 * allocated array of ballast_ksm_write_describe() strings for the writes
 * made, RET_PENDING (when not NULL) the plan's pending_unmerge. Blocks
 * during an unmerge (see BallastKsmWritePlan.blocking). */
gboolean ballast_ksm_write (const BallastPaths *paths, const BallastKsmState *current,
                            const BallastKsmTunables *wanted, GPtrArray **ret_changed,
                            gboolean *ret_pending, GError **error);

/* ---- Remote hosts: libvirt's node memory parameters ---- */

/* Both need libvirt initialized (ballast_libvirt_init()): the typed
 * parameter helpers keep their errors in its thread-local storage. */

/* Fill RET_STATE from the parameters virNodeGetMemoryParameters() returned
 * (VIR_NODE_MEMORY_SHARED_*: shm_pages_to_scan, shm_sleep_millisecs,
 * shm_merge_across_nodes as UINT; shm_pages_shared, shm_pages_sharing,
 * shm_pages_unshared, shm_pages_volatile, shm_full_scans as ULLONG).
 * libvirt has no "run": BALLAST_KSM_HAS_RUN stays clear. Unknown
 * parameters are ignored; a known one with another type is an error. */
gboolean ballast_ksm_state_from_libvirt (const virTypedParameter *params, int n_params,
                                         BallastKsmState *ret_state, GError **error);

/* The parameters for virNodeSetMemoryParameters() that take CURRENT to
 * WANTED: changed values only. What libvirt cannot do is left out and
 * described in RET_SKIPPED (newly allocated strings): run (libvirt cannot
 * start or stop ksmd), and a merge_across_nodes change while pages are
 * merged (the kernel refuses it with EBUSY and libvirt cannot unmerge).
 * RET_PARAMS is NULL with *RET_N_PARAMS 0 when nothing is to be set; free
 * with virTypedParamsFree(). */
gboolean ballast_ksm_tunables_to_libvirt (const BallastKsmState *current,
                                          const BallastKsmTunables *wanted,
                                          virTypedParameterPtr *ret_params, int *ret_n_params,
                                          GPtrArray **ret_skipped, GError **error);

G_END_DECLS
