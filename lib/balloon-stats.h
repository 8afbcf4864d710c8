/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* Which fields a guest's balloon driver actually reported. Guests report
 * what their driver version knows; libvirt passes on what it got. */
typedef enum {
  BALLAST_STAT_ACTUAL = 1 << 0,
  BALLAST_STAT_MAXIMUM = 1 << 1,
  BALLAST_STAT_SWAP_IN = 1 << 2,
  BALLAST_STAT_SWAP_OUT = 1 << 3,
  BALLAST_STAT_MAJOR_FAULT = 1 << 4,
  BALLAST_STAT_MINOR_FAULT = 1 << 5,
  BALLAST_STAT_UNUSED = 1 << 6,
  BALLAST_STAT_AVAILABLE = 1 << 7,
  BALLAST_STAT_USABLE = 1 << 8,
  BALLAST_STAT_DISK_CACHES = 1 << 9,
  BALLAST_STAT_RSS = 1 << 10,
  BALLAST_STAT_LAST_UPDATE = 1 << 11,
} BallastStatField;

/* One guest's balloon statistics, sizes in KiB. Everything here except
 * actual/maximum/rss is reported by the guest and must not be trusted
 * blindly: see ballast_balloon_stats_check(). */
typedef struct {
  guint present;              /* BallastStatField bits */
  guint64 actual_kib;         /* memory the guest has now (max - balloon) */
  guint64 maximum_kib;        /* balloon.maximum (bulk stats only) */
  guint64 swap_in_kib;        /* cumulative */
  guint64 swap_out_kib;       /* cumulative */
  guint64 major_faults;       /* cumulative */
  guint64 minor_faults;       /* cumulative */
  guint64 unused_kib;         /* MemFree inside the guest */
  guint64 available_kib;      /* MemTotal inside the guest */
  guint64 usable_kib;         /* MemAvailable inside the guest */
  guint64 disk_caches_kib;
  guint64 rss_kib;            /* resident size of the QEMU process, host side */
  gint64 last_update_sec;     /* when the guest last reported (epoch seconds) */
  gboolean actual_counts_virtio_mem; /* actual_kib is libvirt's balloon.current, which
                                      * counts what virtio-mem devices have plugged
                                      * on top of the balloon (libvirt 9.0, measured);
                                      * virDomainMemoryStats and the balloon event
                                      * give the balloon's own size */
} BallastBalloonStats;

/* Fill STATS from the "balloon.*" fields of one virDomainStatsRecord
 * (virConnectGetAllDomainStats with VIR_DOMAIN_STATS_BALLOON). Unknown
 * fields are ignored; fields of the wrong type are ignored. */
void ballast_balloon_stats_from_typed_params (const virTypedParameter *params, int n_params,
                                              BallastBalloonStats *ret_stats);

/* Fill STATS from virDomainMemoryStats() output. */
void ballast_balloon_stats_from_memory_stats (const virDomainMemoryStatStruct *stats,
                                              int n_stats, BallastBalloonStats *ret_stats);

/* Take PLUGGED_KIB, what the guest's virtio-mem devices have plugged, out
 * of an actual size that counts it (see actual_counts_virtio_mem), so that
 * it is the balloon's own size again. */
void ballast_balloon_stats_exclude_virtio_mem (BallastBalloonStats *stats, guint64 plugged_kib);

/* TRUE when the guest's driver reports memory usage at all: without it the
 * balloon can be moved, but blindly, and ballast does not do that. */
gboolean ballast_balloon_stats_has_guest_view (const BallastBalloonStats *stats);

/* What the guest could give up without reclaiming anything it uses: its
 * MemAvailable, or unused + disk caches for drivers without "usable". */
guint64 ballast_balloon_stats_usable_kib (const BallastBalloonStats *stats);

/* What the guest's MemTotal stands for: its own "available" (MemTotal),
 * or the balloon size where the driver does not report it. */
guint64 ballast_balloon_stats_total_kib (const BallastBalloonStats *stats);

/* NULL when the guest reports both its MemAvailable ("usable") and its
 * MemTotal ("available"); else a static string saying which stand-in
 * ballast uses for what is missing (virtio-win reports free memory and
 * total only; Linux before 4.16 no "usable"). */
const char *ballast_balloon_stats_partial_reason (const BallastBalloonStats *stats);

/* Check the guest's numbers against each other (only those reported
 * together) and against the domain's maximum MAX_KIB. Returns NULL when they
 * are consistent, else a static string saying what is contradictory. */
const char *ballast_balloon_stats_check (const BallastBalloonStats *stats, guint64 max_kib);

/* Human-readable name of one field, e.g. "balloon.usable". */
const char *ballast_stat_field_name (BallastStatField field);

G_END_DECLS
