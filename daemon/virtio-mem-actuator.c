/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtio-mem-actuator.h"

#include "cycle.h"
#include "memory-actuator.h"
#include "size-units.h"
#include "virtio-mem.h"
#include "virtio-mem-track.h"

#include <libvirt/virterror.h>

static BallastVirtioMemTrack *
track_for (BallastDomain *domain, const BallastVirtioMem *device, gint64 now_usec)
{
  BallastVirtioMemRecord *record = &domain->virtio_mem;
  if (record->devices == NULL)
    record->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  BallastVirtioMemTrack *track = g_hash_table_lookup (record->devices, device->alias);
  if (track == NULL)
    {
      track = g_new0 (BallastVirtioMemTrack, 1);
      ballast_virtio_mem_track_init (track, device->current_kib, now_usec);
      g_hash_table_insert (record->devices, g_strdup (device->alias), track);
    }
  return track;
}

static const BallastVirtioMemTrack *
track_lookup (const BallastDomain *domain, const BallastVirtioMem *device)
{
  if (domain->virtio_mem.devices == NULL || device->alias == NULL)
    return NULL;
  return g_hash_table_lookup (domain->virtio_mem.devices, device->alias);
}

static void give_up (BallastDomain *domain, char *why);

BallastActuator
ballast_virtio_mem_resolve (BallastDomain *domain)
{
  BallastVirtioMemRecord *record = &domain->virtio_mem;
  const BallastDomainConfig *config = domain->observed.config;
  BallastActuator wanted = domain->tuning.resolved.actuator;
  if (config == NULL)
    return record->actuator = BALLAST_ACTUATOR_BALLOON;
  /* libvirt finds the device to resize by its alias, which a running
   * domain's devices have (a driver that gives none cannot be asked). */
  for (guint i = 0; domain->active && i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      if (device->alias == NULL)
        {
          give_up (domain, g_strdup_printf ("virtio-mem device at line %ld has no alias in the live XML, "
                                            "so libvirt cannot be asked to resize it", device->line));
          break;
        }
    }
  const char *why = NULL;
  BallastActuator actuator = ballast_actuator_resolve (wanted, config, record->unusable, &why);
  /* Said once while it lasts (a tuning changed back and forth says it
   * again). */
  if (why != NULL && !record->fallback_said)
    g_message ("%s: actuator %s asked, but %s: the balloon moves it", domain->name,
               ballast_actuator_to_string (wanted), why);
  record->fallback_said = why != NULL;
  return record->actuator = actuator;
}

static void
give_up (BallastDomain *domain, char *why)
{
  BallastVirtioMemRecord *record = &domain->virtio_mem;
  if (record->unusable != NULL)
    {
      g_free (why);
      return;
    }
  record->unusable = why;
  g_warning ("%s: %s: the balloon alone moves this guest from now on", domain->name, why);
}

void
ballast_virtio_mem_observe (BallastDomain *domain, const BallastPolicy *policy, gint64 now_usec)
{
  const BallastDomainConfig *config = domain->observed.config;
  if (config == NULL)
    return;
  for (guint i = 0; i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      if (device->alias == NULL || !device->has_current)
        continue;
      BallastVirtioMemTrack *track = track_for (domain, device, now_usec);
      BallastVirtioMemEvent event = ballast_virtio_mem_track_observe (track, policy, device->current_kib,
                                                                      device->requested_kib, now_usec);
      g_autofree char *current = ballast_size_format_kib (device->current_kib);
      g_autofree char *requested = ballast_size_format_kib (device->requested_kib);
      switch (event)
        {
        case BALLAST_VIRTIO_MEM_ASK_AGAIN:
          g_message ("%s: virtio-mem %s stopped unplugging at %s (asked for %s) %u s ago: asking again",
                     domain->name, device->alias, current, requested, BALLAST_VIRTIO_MEM_STUCK_SEC);
          break;
        case BALLAST_VIRTIO_MEM_HELD:
          {
            g_autofree char *left = ballast_size_format_kib (device->current_kib - device->requested_kib);
            g_warning ("%s: virtio-mem %s: the guest could not unplug %s more (has %s, asked for %s): "
                       "memory it cannot move; counting what it has, asking no lower for %" G_GINT64_FORMAT " s",
                       domain->name, device->alias, left, current, requested,
                       (track->retry_usec - now_usec) / G_USEC_PER_SEC);
            break;
          }
        case BALLAST_VIRTIO_MEM_UNPLUGGED:
          g_message ("%s: virtio-mem %s unplugged what it was asked, %s remain plugged", domain->name,
                     device->alias, current);
          break;
        case BALLAST_VIRTIO_MEM_NO_DRIVER:
          give_up (domain, g_strdup_printf ("virtio-mem %s plugged nothing of the %s asked in %u s "
                                            "(no virtio_mem driver in the guest?)",
                                            device->alias, requested, BALLAST_VIRTIO_MEM_NO_DRIVER_SEC));
          break;
        case BALLAST_VIRTIO_MEM_STEADY:
        default:
          break;
        }
    }
}

guint64 *
ballast_virtio_mem_held (const BallastDomain *domain)
{
  const BallastDomainConfig *config = domain->observed.config;
  guint n = config != NULL ? config->virtio_mem->len : 0;
  guint64 *held = g_new0 (guint64, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      const BallastVirtioMemTrack *track = track_lookup (domain, config->virtio_mem->pdata[i]);
      held[i] = track != NULL ? track->held_kib : 0;
    }
  return held;
}

guint64
ballast_virtio_mem_held_total (const BallastDomain *domain, gint64 *ret_retry_usec)
{
  const BallastDomainConfig *config = domain->observed.config;
  guint64 held = 0;
  *ret_retry_usec = G_MAXINT64;
  for (guint i = 0; config != NULL && i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMemTrack *track = track_lookup (domain, config->virtio_mem->pdata[i]);
      if (track == NULL || track->held_kib == 0)
        continue;
      held += track->held_kib;
      *ret_retry_usec = MIN (*ret_retry_usec, track->retry_usec);
    }
  return held;
}

void
ballast_virtio_mem_add_changes (BallastDomain *domain, const guint64 *requested_kib,
                                const char *reason, GPtrArray *actions, gint64 now_usec)
{
  const BallastDomainConfig *config = domain->observed.config;
  for (guint i = 0; config != NULL && i < config->virtio_mem->len; i++)
    {
      const BallastVirtioMem *device = config->virtio_mem->pdata[i];
      if (device->alias == NULL)
        continue;
      BallastVirtioMemTrack *track = track_for (domain, device, now_usec);
      guint64 want = requested_kib != NULL ? requested_kib[i] : device->requested_kib;
      gboolean again = track->ask_again && want == device->requested_kib;
      if (want == device->requested_kib && !again)
        continue;
      g_autoptr(GError) error = NULL;
      g_autofree char *xml = ballast_virtio_mem_update_xml (device, want, &error);
      if (xml == NULL)
        {
          g_warning ("%s: cannot ask virtio-mem %s for a new size: %s", domain->name, device->alias,
                     error->message);
          continue;
        }
      ballast_virtio_mem_track_asked (track, again, now_usec);
      BallastApplyItem *item = ballast_apply_item_new_virtio_mem (domain->domain, domain->uuid,
                                                                  device->alias, xml,
                                                                  device->requested_kib, want);
      item->reason = g_strdup (again ? "a stuck unplug asked again" : reason);
      g_ptr_array_add (actions, item);
    }
}

/* libvirt errors that say it cannot do this at all (the test driver, a
 * QEMU without the device's resize), rather than not this time. */
static gboolean
error_is_unsupported (int code)
{
  return code == VIR_ERR_NO_SUPPORT || code == VIR_ERR_OPERATION_UNSUPPORTED
         || code == VIR_ERR_CONFIG_UNSUPPORTED || code == VIR_ERR_ARGUMENT_UNSUPPORTED;
}

void
ballast_virtio_mem_applied (BallastDomain *domain, const BallastApplyItem *item,
                            BallastDaemonCounters *counters)
{
  const char *reason = item->reason != NULL ? item->reason : "no reason kept";
  g_autofree char *old_text = ballast_size_format_kib (item->old_kib);
  g_autofree char *new_text = ballast_size_format_kib (item->target_kib);
  BallastDomainConfig *config = domain->observed.config;
  switch (item->outcome)
    {
    case BALLAST_APPLY_OK:
      counters->changes_applied++;
      for (guint i = 0; config != NULL && i < config->virtio_mem->len; i++)
        {
          BallastVirtioMem *device = config->virtio_mem->pdata[i];
          if (g_strcmp0 (device->alias, item->alias) == 0)
            device->requested_kib = item->target_kib;
        }
      if (item->old_kib == item->target_kib)
        g_message ("%s: virtio-mem %s asked again for %s", domain->name, item->alias, new_text);
      else
        {
          g_autofree char *journal_reason = g_strdup_printf ("virtio-mem %s: %s", item->alias, reason);
          g_message ("%s: virtio-mem %s %s -> %s (%s)", domain->name, item->alias, old_text, new_text,
                     reason);
          ballast_domain_journal_add (domain, g_get_real_time (), item->old_kib, item->target_kib, TRUE,
                                      journal_reason);
        }
      /* Its <current> follows in the live XML (and the size-change
       * events that say so). */
      ballast_cycle_config_changed (domain);
      break;
    case BALLAST_APPLY_GONE:
      break;
    case BALLAST_APPLY_FAILED:
    default:
      counters->changes_failed++;
      if (error_is_unsupported (item->error_code))
        give_up (domain, g_strdup_printf ("libvirt cannot resize virtio-mem %s: %s", item->alias,
                                          item->error));
      else
        g_warning ("%s: cannot ask virtio-mem %s %s -> %s: %s", domain->name, item->alias, old_text,
                   new_text, item->error);
      break;
    }
}

void
ballast_virtio_mem_forget_run (BallastDomain *domain)
{
  BallastVirtioMemRecord *record = &domain->virtio_mem;
  g_clear_pointer (&record->unusable, g_free);
  g_clear_pointer (&record->devices, g_hash_table_unref);
}
