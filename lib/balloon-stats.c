/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "balloon-stats.h"

#include <string.h>

typedef struct {
  BallastStatField field;
  const char *param_name;   /* in virConnectGetAllDomainStats() records */
  int memory_stat_tag;      /* in virDomainMemoryStats() */
  gsize offset;             /* into BallastBalloonStats */
} StatField;

#define FIELD(f, name, tag, member) \
  { f, name, tag, G_STRUCT_OFFSET (BallastBalloonStats, member) }

static const StatField stat_fields[] = {
  FIELD (BALLAST_STAT_ACTUAL, "balloon.current", VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, actual_kib),
  FIELD (BALLAST_STAT_MAXIMUM, "balloon.maximum", -1, maximum_kib),
  FIELD (BALLAST_STAT_SWAP_IN, "balloon.swap_in", VIR_DOMAIN_MEMORY_STAT_SWAP_IN, swap_in_kib),
  FIELD (BALLAST_STAT_SWAP_OUT, "balloon.swap_out", VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, swap_out_kib),
  FIELD (BALLAST_STAT_MAJOR_FAULT, "balloon.major_fault", VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, major_faults),
  FIELD (BALLAST_STAT_MINOR_FAULT, "balloon.minor_fault", VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, minor_faults),
  FIELD (BALLAST_STAT_UNUSED, "balloon.unused", VIR_DOMAIN_MEMORY_STAT_UNUSED, unused_kib),
  FIELD (BALLAST_STAT_AVAILABLE, "balloon.available", VIR_DOMAIN_MEMORY_STAT_AVAILABLE, available_kib),
  FIELD (BALLAST_STAT_USABLE, "balloon.usable", VIR_DOMAIN_MEMORY_STAT_USABLE, usable_kib),
  FIELD (BALLAST_STAT_DISK_CACHES, "balloon.disk_caches", VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, disk_caches_kib),
  FIELD (BALLAST_STAT_RSS, "balloon.rss", VIR_DOMAIN_MEMORY_STAT_RSS, rss_kib),
  FIELD (BALLAST_STAT_LAST_UPDATE, "balloon.last-update", VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, last_update_sec),
};

static void
store (BallastBalloonStats *stats, const StatField *field, guint64 value)
{
  if (field->field == BALLAST_STAT_LAST_UPDATE)
    G_STRUCT_MEMBER (gint64, stats, field->offset) = (gint64) MIN (value, (guint64) G_MAXINT64);
  else
    G_STRUCT_MEMBER (guint64, stats, field->offset) = value;
  stats->present |= field->field;
}

void
ballast_balloon_stats_from_typed_params (const virTypedParameter *params, int n_params,
                                         BallastBalloonStats *ret_stats)
{
  BallastBalloonStats stats = { 0 };
  for (int i = 0; i < n_params; i++)
    {
      const virTypedParameter *param = &params[i];
      if (strncmp (param->field, "balloon.", 8) != 0)
        continue;
      for (gsize j = 0; j < G_N_ELEMENTS (stat_fields); j++)
        {
          if (strcmp (param->field, stat_fields[j].param_name) != 0)
            continue;
          /* The fields are ULLONG in libvirt; be lenient with other integer
           * types but never read a string or a negative number as a size. */
          switch (param->type)
            {
            case VIR_TYPED_PARAM_ULLONG:
              store (&stats, &stat_fields[j], param->value.ul);
              break;
            case VIR_TYPED_PARAM_UINT:
              store (&stats, &stat_fields[j], param->value.ui);
              break;
            case VIR_TYPED_PARAM_LLONG:
              if (param->value.l >= 0)
                store (&stats, &stat_fields[j], (guint64) param->value.l);
              break;
            case VIR_TYPED_PARAM_INT:
              if (param->value.i >= 0)
                store (&stats, &stat_fields[j], (guint64) param->value.i);
              break;
            default:
              break;
            }
        }
    }
  stats.actual_counts_virtio_mem = (stats.present & BALLAST_STAT_ACTUAL) != 0;
  *ret_stats = stats;
}

void
ballast_balloon_stats_exclude_virtio_mem (BallastBalloonStats *stats, guint64 plugged_kib)
{
  if (!stats->actual_counts_virtio_mem)
    return;
  stats->actual_kib -= MIN (stats->actual_kib, plugged_kib);
  stats->actual_counts_virtio_mem = FALSE;
}

void
ballast_balloon_stats_from_memory_stats (const virDomainMemoryStatStruct *memory_stats,
                                         int n_stats, BallastBalloonStats *ret_stats)
{
  BallastBalloonStats stats = { 0 };
  for (int i = 0; i < n_stats; i++)
    for (gsize j = 0; j < G_N_ELEMENTS (stat_fields); j++)
      if (stat_fields[j].memory_stat_tag == memory_stats[i].tag)
        store (&stats, &stat_fields[j], memory_stats[i].val);
  *ret_stats = stats;
}

gboolean
ballast_balloon_stats_has_guest_view (const BallastBalloonStats *stats)
{
  return (stats->present & BALLAST_STAT_ACTUAL) != 0
         && (stats->present & (BALLAST_STAT_USABLE | BALLAST_STAT_UNUSED)) != 0;
}

guint64
ballast_balloon_stats_usable_kib (const BallastBalloonStats *stats)
{
  if (stats->present & BALLAST_STAT_USABLE)
    return stats->usable_kib;
  /* Older guest drivers (before Linux 4.16) have no "usable"; free memory
   * plus page cache is the closest they offer. */
  guint64 usable = stats->unused_kib;
  if (stats->present & BALLAST_STAT_DISK_CACHES)
    usable += MIN (stats->disk_caches_kib, G_MAXUINT64 - usable);
  return usable;
}

guint64
ballast_balloon_stats_total_kib (const BallastBalloonStats *stats)
{
  return (stats->present & BALLAST_STAT_AVAILABLE) ? stats->available_kib : stats->actual_kib;
}

const char *
ballast_balloon_stats_partial_reason (const BallastBalloonStats *stats)
{
  gboolean usable = (stats->present & BALLAST_STAT_USABLE) != 0;
  gboolean total = (stats->present & BALLAST_STAT_AVAILABLE) != 0;
  gboolean caches = (stats->present & BALLAST_STAT_DISK_CACHES) != 0;
  if (usable && total)
    return NULL;
  if (usable)
    return "no total memory from the guest: the balloon size stands in";
  if (total)
    return caches ? "no usable memory from the guest: free memory plus disk caches stand in"
                  : "no usable memory nor disk caches from the guest: free memory stands in";
  return caches ? "no usable nor total memory from the guest: free memory plus disk caches "
                  "and the balloon size stand in"
                : "no usable memory, disk caches nor total from the guest: free memory "
                  "and the balloon size stand in";
}

const char *
ballast_balloon_stats_check (const BallastBalloonStats *stats, guint64 max_kib)
{
  if ((stats->present & BALLAST_STAT_ACTUAL) && stats->actual_kib > max_kib)
    return "balloon.current is above the domain's maximum";
  if ((stats->present & BALLAST_STAT_AVAILABLE) && stats->available_kib > max_kib)
    return "guest reports more total memory than the domain's maximum";
  /* Only figures the guest reported together are compared with each other:
   * balloon.current comes from QEMU's balloon events and runs ahead of the
   * guest's last report whenever the balloon moves, so "usable > current"
   * right after a shrink is lag, not a lie. */
  if ((stats->present & BALLAST_STAT_USABLE) && (stats->present & BALLAST_STAT_AVAILABLE)
      && stats->usable_kib > stats->available_kib)
    return "guest reports more usable memory than it has in total";
  if ((stats->present & BALLAST_STAT_UNUSED) && (stats->present & BALLAST_STAT_AVAILABLE)
      && stats->unused_kib > stats->available_kib)
    return "guest reports more unused memory than it has in total";
  if (!(stats->present & BALLAST_STAT_AVAILABLE) && (stats->present & BALLAST_STAT_ACTUAL)
      && (stats->present & BALLAST_STAT_USABLE) && stats->usable_kib > max_kib)
    return "guest reports more usable memory than the domain's maximum";
  return NULL;
}

const char *
ballast_stat_field_name (BallastStatField field)
{
  for (gsize i = 0; i < G_N_ELEMENTS (stat_fields); i++)
    if (stat_fields[i].field == field)
      return stat_fields[i].param_name;
  return "?";
}
