/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "domain-config.h"
#include "ksm.h"
#include "policy.h"
#include "size-units.h"

G_BEGIN_DECLS

/* The KSM manager's choices: a pure function from (policy, host, KSM
 * counters now and one cycle ago) to the KSM tunables wanted, with a
 * reason. No I/O, no clock (time comes in the samples), no globals. */

/* <ksm mode='...'>. */
typedef enum {
  BALLAST_KSM_MODE_AUTO, /* run ksmd while the host is short of memory */
  BALLAST_KSM_MODE_ON,   /* always run it */
  BALLAST_KSM_MODE_OFF,  /* stop it */
} BallastKsmMode;

const char *ballast_ksm_mode_to_string (BallastKsmMode mode);
/* "auto", "on" or "off". */
gboolean ballast_ksm_mode_parse (const char *text, BallastKsmMode *ret_mode, GError **error);

/* <guests tenancy='...'>: may the guests see each other's memory? KSM
 * lets a guest learn whether another guest holds a page with given
 * contents (a write to a merged page is a slower copy-on-write fault), so
 * page sharing is only for guests that trust each other. */
typedef enum {
  BALLAST_TENANCY_UNSET,  /* not said: KSM defaults to off */
  BALLAST_TENANCY_SINGLE, /* one owner, mutually trusted: KSM defaults to auto */
  BALLAST_TENANCY_MULTI,  /* tenants that must not see each other: KSM off, cannot be turned on */
} BallastTenancy;

const char *ballast_tenancy_to_string (BallastTenancy tenancy);

/* The KSM mode when the policy does not name one. */
BallastKsmMode ballast_ksm_mode_default (BallastTenancy tenancy);

/* A kernel switch the policy may set, or leave as the host has it. */
typedef enum {
  BALLAST_KSM_KNOB_UNSET,
  BALLAST_KSM_KNOB_NO,
  BALLAST_KSM_KNOB_YES,
} BallastKsmKnob;

typedef struct {
  /* auto: start ksmd when the host's slack (the balloon allocator's:
   * available + pending - reserve) falls below START_BELOW, stop it when
   * the slack rises above STOP_ABOVE. Between the two nothing changes
   * (hysteresis). Percentages are of the budget. A STOP_ABOVE below
   * START_BELOW counts as START_BELOW. */
  BallastAmount start_below;
  BallastAmount stop_above;
  /* ksmd's batch size moves between these by what it earns. */
  guint pages_to_scan_min;
  guint pages_to_scan_max;
  /* Sleep between batches: SLEEP_MILLISECS on a 16 GiB budget, scaled by
   * 16 GiB / budget when SLEEP_SCALED (as ksmtuned does: a big host is
   * scanned faster), within [min (SLEEP_MILLISECS, 10), 1000]. */
  guint sleep_millisecs;
  gboolean sleep_scaled;
  /* Most ksmd may use, of one CPU (ksmd is one thread). */
  guint cpu_budget_permille;
  BallastKsmKnob merge_across_nodes;
  BallastKsmKnob use_zero_pages;
} BallastKsmPolicy;

/* start below 10% of the budget, stop above 20%, pages_to_scan 64..1250,
 * sleep 10 ms per 16 GiB scaled, CPU budget 10%, kernel switches left as
 * they are. */
void ballast_ksm_policy_init_defaults (BallastKsmPolicy *policy);

/* One line: "start below 10%, stop above 20%, pages_to_scan 64..1250,
 * sleep 10 ms per 16 GiB, cpu 10%". Newly allocated. */
char *ballast_ksm_policy_describe (const BallastKsmPolicy *policy);

/* The sleep for a budget of TOTAL_KIB. */
guint ballast_ksm_policy_sleep_millisecs (const BallastKsmPolicy *policy, guint64 total_kib);

/* ---- Guests ---- */

typedef enum {
  BALLAST_KSM_GUEST_SHAREABLE,
  BALLAST_KSM_GUEST_NOSHAREPAGES, /* <memoryBacking><nosharepages/>: QEMU never offers its memory */
  BALLAST_KSM_GUEST_EXCLUDED,     /* tuning <exclude/>: its pages may merge, but no decision counts on them */
} BallastKsmGuestShare;

/* How page sharing sees a guest. TUNING may be NULL. */
BallastKsmGuestShare ballast_ksm_guest_share (const BallastDomainConfig *config,
                                              const BallastGuestTuning *tuning);
const char *ballast_ksm_guest_share_to_string (BallastKsmGuestShare share);

/* ---- One cycle ---- */

/* What one cycle read. */
typedef struct {
  gint64 time_usec;          /* monotonic, when it was read */
  BallastKsmState state;
  gboolean has_ksmd_cpu;     /* ksmd found (not on remote hosts) */
  guint64 ksmd_cpu_usec;     /* ksmd's utime + stime so far */
} BallastKsmSample;

/* What one cycle leaves for the next; ballast_ksm_history_advance() is the
 * only function that changes it. Zeroed: no history. */
typedef struct {
  gboolean has_sample;
  BallastKsmSample previous;
  gint64 paused_until_usec;  /* auto stopped ksmd for not earning: not before this */
  guint counter_resets;      /* KSM counters that went backwards */
} BallastKsmHistory;

typedef struct {
  guint64 budget_total_kib;  /* sizes the sleep and resolves percentages */
  gint64 slack_kib;          /* BallastPlan.slack_kib of this cycle */
  guint n_shareable_guests;  /* running guests that are BALLAST_KSM_GUEST_SHAREABLE */
  BallastTenancy tenancy;
  guint64 page_size_bytes;   /* sysconf (_SC_PAGESIZE) of the host */
} BallastKsmHostInput;

/* Why ksmd runs or not. */
typedef enum {
  BALLAST_KSM_REASON_OFF,               /* mode off: stopped, merged pages stay */
  BALLAST_KSM_REASON_OFF_UNMERGE,       /* off, tenants untrusted: unmerge (run=2), the host has room */
  BALLAST_KSM_REASON_OFF_KEEP_MERGED,   /* off, tenants untrusted, but no room to unmerge yet */
  BALLAST_KSM_REASON_ON,                /* mode on */
  BALLAST_KSM_REASON_SHORT,             /* auto: slack below start: run */
  BALLAST_KSM_REASON_BAND,              /* auto: between start and stop: as it is */
  BALLAST_KSM_REASON_PLENTY,            /* auto: slack above stop: stop */
  BALLAST_KSM_REASON_NOTHING_SHAREABLE, /* auto: no guest whose pages may be merged */
  BALLAST_KSM_REASON_NOT_EARNING,       /* auto: over its CPU budget at the slowest scan, saving nothing */
  BALLAST_KSM_REASON_PAUSED,            /* auto: short, but stopped for not earning a short while ago */
} BallastKsmReason;

/* Why pages_to_scan moves or not. */
typedef enum {
  BALLAST_KSM_SCAN_NOT_RUNNING,   /* ksmd is not to run: left as it is */
  BALLAST_KSM_SCAN_NO_HISTORY,    /* no earlier sample with ksmd running: kept */
  BALLAST_KSM_SCAN_COUNTERS_RESET,/* counters went backwards: no rates this cycle */
  BALLAST_KSM_SCAN_ADVISOR,       /* the kernel's scan-time advisor owns it */
  BALLAST_KSM_SCAN_CLAMPED,       /* was outside [min, max] */
  BALLAST_KSM_SCAN_HOLD,          /* earning between low and high */
  BALLAST_KSM_SCAN_UP_EARNING,    /* earning well, CPU to spare */
  BALLAST_KSM_SCAN_DOWN_IDLE,     /* earning little */
  BALLAST_KSM_SCAN_DOWN_CPU,      /* over the CPU budget */
  BALLAST_KSM_SCAN_CPU_LIMIT,     /* earning well, but raising it would exceed the CPU budget */
  BALLAST_KSM_SCAN_AT_MAX,        /* earning well, already at max */
  BALLAST_KSM_SCAN_AT_MIN,        /* earning little, already at min */
} BallastKsmScanReason;

/* Earning thresholds, in pages newly saved per 1000 pages scanned. Between
 * the two pages_to_scan stays (hysteresis). */
#define BALLAST_KSM_EARNING_HIGH_PERMILLE 10
#define BALLAST_KSM_EARNING_LOW_PERMILLE 1
/* How long auto leaves ksmd stopped after stopping it for not earning. */
#define BALLAST_KSM_NOT_EARNING_PAUSE_USEC (10 * 60 * G_USEC_PER_SEC)

typedef struct {
  BallastKsmMode mode;
  BallastKsmTunables wanted;   /* everything ballast wants; write with ballast_ksm_write() */
  BallastKsmReason reason;
  BallastKsmScanReason scan_reason;
  gboolean run_controllable;   /* FALSE on remote hosts: libvirt has no "run" */
  gboolean run_changes;        /* wanted.run differs from the state read */

  /* The figures behind it, for the reason text, status and metrics. */
  guint64 saved_pages;         /* pages_sharing + ksm_zero_pages */
  guint64 saved_kib;
  gint64 slack_kib;
  guint64 start_below_kib;
  guint64 stop_above_kib;
  guint64 unmerge_cost_kib;    /* memory an unmerge would take back: saved_kib */
  gboolean merge_across_nodes_deferred; /* wanted, but unmerging costs more than the host has */
  guint old_pages_to_scan;
  /* Over the interval since the previous sample, when has_rates: */
  gboolean has_rates;
  gint64 interval_usec;
  guint64 scanned_pages;
  gboolean scanned_estimated;  /* no pages_scanned: pages_to_scan x interval / sleep */
  guint64 newly_saved_pages;   /* 0 when fewer pages are saved than before */
  guint earning_permille;      /* newly saved per 1000 scanned */
  gboolean has_cpu;
  guint cpu_permille;          /* ksmd's CPU, of one CPU */
} BallastKsmDecision;

/* Decide for one cycle. HISTORY holds the previous sample (zeroed for the
 * first cycle); CURRENT is this cycle's. Remote hosts (no run in CURRENT)
 * get scan rate and sleep only. */
void ballast_ksm_decide (const BallastKsmPolicy *policy, BallastKsmMode mode,
                         const BallastKsmHostInput *host, const BallastKsmHistory *history,
                         const BallastKsmSample *current, BallastKsmDecision *ret_decision);

/* Carry this cycle into HISTORY: SAMPLE becomes the previous sample, a
 * stop for not earning starts a pause, counter resets are counted. */
void ballast_ksm_history_advance (BallastKsmHistory *history, const BallastKsmSample *sample,
                                  const BallastKsmDecision *decision);

/* "auto: host short (slack 1.2 GiB < start 2.4 GiB): start ksmd; pages_to_scan
 * 100 -> 150 (earning 35 per 1000 scanned, ksmd 4.1% CPU of 10.0%); saving 14.7 MiB".
 * Newly allocated. */
char *ballast_ksm_decision_describe (const BallastKsmDecision *decision);

/* Short machine-friendly names: "short", "up-earning". */
const char *ballast_ksm_reason_to_string (BallastKsmReason reason);
const char *ballast_ksm_scan_reason_to_string (BallastKsmScanReason reason);

G_END_DECLS
