/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "figure.h"
#include "ksm-report.h"

#include <glib.h>
#include <json.h>

G_BEGIN_DECLS

/* ballastd's status and its domains as typed records: built once from
 * the daemon's view (daemon/daemon-report.c), then written out by each
 * serializer: JSON for the control methods (here), Prometheus' text format
 * (daemon/metrics.c). The JSON field names are the documented, stable
 * interface (docs/ballastctl.1, "JSON OUTPUT"); sizes are exact integers
 * in KiB with a _kib suffix. Strings are borrowed from whatever the
 * report was built from, except where a field says it is owned. The
 * third serializer, the tables, is lib/report-render.h. */

typedef struct {
  const char *version;
  const char *mode;             /* "active", "dry-run", "paused" */

  struct {
    const char *uri;
    const char *state;
    gboolean stalled;
    const char *last_error;
    BallastFigure reconnects;
    BallastFigure retry_in_sec;
  } connection;

  struct {
    gboolean readable;          /* the figures below are the host's */
    const char *error;          /* why not, when not */
    BallastFigure mem_total_kib;
    BallastFigure mem_available_kib;
    const char *budget_source;  /* "cgroup" or "meminfo" */
    BallastFigure budget_total_kib;
    BallastFigure budget_available_kib;
    BallastFigure budget_overflow_kib;
    BallastFigure reserve_kib;
    BallastFigure psi_some_avg10_centipct;
    BallastFigure psi_full_avg10_centipct;
    BallastFigure swap_total_kib;
    BallastFigure swap_used_kib;
    BallastFigure swap_in_kib_per_sec;  /* the host reading pages back from swap */
    BallastFigure zswap_pool_kib;       /* zswap's compressed pool, in RAM */
    BallastFigure zswapped_kib;         /* what it holds, uncompressed */
    gboolean has_cgroup;
    struct {
      BallastFigure version;
      gboolean limited;
      BallastFigure limit_kib;
      BallastFigure usage_kib;
      BallastFigure working_set_kib;
    } cgroup;
  } host;

  gboolean has_plan;            /* FALSE until a first decision */
  struct {
    BallastFigure slack_kib;    /* negative when short */
    BallastFigure pending_kib;
    BallastFigure arriving_kib; /* still to arrive with incoming migrations */
    BallastFigure deficit_kib;
    BallastFigure surplus_kib;
    BallastFigure reclaimed_kib;
    BallastFigure granted_kib;
    gboolean emergency;
  } plan;

  struct {
    BallastFigure defined;
    BallastFigure running;
    struct {
      const char *status;       /* managed, unresponsive, excluded, fixed,
                                 * partial-stats, no-driver, unmanaged, in-job */
      BallastFigure count;      /* running guests so regarded */
    } by_status[8];
    BallastFigure sum_max_kib;
    BallastFigure sum_current_kib;
  } guests;

  struct {
    const char *mode;
    gboolean hap_available;
    gboolean shrink_allowed;
    const char *verdict;
    BallastFigure ratio_permille; /* sum of maxima / budget */
  } overcommit;

  struct {
    const char *source;
    BallastFigure match_rules;
    const char *reload_error;
  } policy;

  struct {
    BallastFigure interval_msec;
    BallastFigure completed;
    BallastFigure skipped;
    BallastFigure last_duration_usec;
    BallastFigure last_libvirt_calls;
    BallastFigure libvirt_calls_total;
    BallastFigure changes_applied;
    BallastFigure changes_failed;
    BallastFigure pressure_events;
    BallastFigure last_time_usec;
  } cycles;

  gboolean has_ksm;
  BallastKsmReport ksm;         /* page sharing's own report */
} BallastStatusReport;

void ballast_status_report_clear (BallastStatusReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (BallastStatusReport, ballast_status_report_clear)

/* One domain, as `list` and `dominfo` show it. */
typedef struct {
  const char *name;
  const char *uuid;
  const char *state;            /* virsh's word: "running", "shut off", ... */
  gboolean active;
  const char *status;           /* managed, unresponsive, excluded, fixed, no-driver,
                                 * unmanaged */
  const char *status_reason;
  BallastFigure max_kib;
  BallastFigure current_kib;
  BallastFigure target_kib;
  BallastFigure used_kib;
  BallastFigure usable_kib;
  BallastFigure unused_kib;
  BallastFigure rss_kib;
  BallastFigure returned_kib;   /* max - RSS of a guest with free page reporting:
                                 * what it has handed back by itself */
  /* Its virtio-mem devices (lib/virtio-mem.h), summed; known when it has
   * any. Plugged is what the guest took of what was requested, known for
   * a running guest only. */
  BallastFigure virtio_mem_devices;
  BallastFigure virtio_mem_size_kib;
  BallastFigure virtio_mem_requested_kib;
  BallastFigure virtio_mem_plugged_kib;
  BallastFigure virtio_mem_block_kib; /* the largest block of its devices */
  /* Known while an unplug its guest could not finish holds its devices
   * at what they have (lib/virtio-mem-track.h): that, and the seconds
   * until ballast asks lower again. */
  BallastFigure virtio_mem_held_kib;
  BallastFigure virtio_mem_retry_sec;
  /* What moves it (lib/memory-actuator.h): "balloon", "virtio-mem", or
   * "auto" (virtio-mem above the boot memory, the balloon below), and the
   * balloon's own size beside what the devices plugged; why its devices
   * are left alone when they are. */
  const char *actuator;
  BallastFigure balloon_kib;
  const char *virtio_mem_unusable;
  BallastFigure swap_in_kib_per_sec;
  BallastFigure major_faults_per_sec;
  BallastFigure need_kib;
  BallastFigure fair_share_kib;
  BallastFigure over_fair_share_sec;
  BallastFigure min_kib;
  BallastFigure shares;         /* always known */
  const char *tuning_source;
  const char *tuning_error;
  gboolean excluded;
  const char *pressure;         /* a BallastPressureCause's name, or NULL */
  BallastFigure oom_deflations; /* its balloon deflated on a guest OOM; known
                                 * with <memballoon autodeflate='on'> */
  /* Headroom learned for its spikes (lib/spike-history.h); the peak is
   * known once learning is on and it has reported. */
  BallastFigure spike_peak_kib; /* its use's peak lately, decayed */
  BallastFigure spike_age_sec;  /* since its use was there */
  BallastFigure spike_period_sec; /* known when its spikes come at a period */
  gboolean spike_due;           /* headroom for its next spike is held now */
  BallastFigure stats_period_sec;
  const char *balloon_model;
  const char *job;              /* the libvirt job that runs on it ("outgoing
                                 * migration"), NULL: none */
  BallastFigure arriving_kib;   /* an arriving guest's memory still to come */
  gboolean has_ksm;
  BallastGuestKsmReport ksm;    /* its page sharing figures */
  const char *reason_code;
  char *reason;                 /* owned */
} BallastDomainReport;

void ballast_domain_report_free (BallastDomainReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastDomainReport, ballast_domain_report_free)

json_object *ballast_status_report_to_json (const BallastStatusReport *report);
json_object *ballast_domain_report_to_json (const BallastDomainReport *report);

/* The other way, for ballastctl, which gets the JSON from ballastd: read
 * defensively, a field of the wrong type counting as unknown (NULL for a
 * string, FALSE for a flag), never an error: a newer or older ballastd
 * still shows what both know. The reports borrow JSON's strings: they
 * must not outlive it. */
void ballast_status_report_from_json (json_object *json, BallastStatusReport *report);
BallastDomainReport *ballast_domain_report_from_json (json_object *json);
/* The "domains" of a `list` result, as BallastDomainReport*. */
GPtrArray *ballast_domain_reports_from_list_json (json_object *json);

G_END_DECLS
