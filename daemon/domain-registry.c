/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "domain-registry.h"

#include <string.h>

struct _BallastRegistry {
  GHashTable *by_uuid; /* char* -> BallastDomain* (owned) */
};

const char *
ballast_guest_status_to_string (BallastGuestStatus status)
{
  switch (status)
    {
    case BALLAST_GUEST_MANAGED: return "managed";
    case BALLAST_GUEST_UNRESPONSIVE: return "unresponsive";
    case BALLAST_GUEST_EXCLUDED: return "excluded";
    case BALLAST_GUEST_FIXED: return "fixed";
    case BALLAST_GUEST_PARTIAL_STATS: return "partial-stats";
    case BALLAST_GUEST_NO_DRIVER: return "no-driver";
    case BALLAST_GUEST_UNMANAGED: return "unmanaged";
    case BALLAST_GUEST_IN_JOB: return "in-job";
    default: return "?";
    }
}

static void
journal_entry_free (gpointer data)
{
  BallastJournalEntry *entry = data;
  g_free (entry->reason);
  g_free (entry);
}

static void
domain_free (gpointer data)
{
  BallastDomain *domain = data;
  g_free (domain->uuid);
  g_free (domain->name);
  if (domain->domain != NULL)
    virDomainFree (domain->domain);
  ballast_domain_config_free (domain->observed.config);
  g_free (domain->observed.config_error);
  g_free (domain->observed.stats_period_error);
  g_free (domain->tuning.source);
  g_free (domain->tuning.error);
  g_free (domain->virtio_mem.unusable);
  g_clear_pointer (&domain->virtio_mem.devices, g_hash_table_unref);
  g_free (domain->run_state.error);
  g_free (domain->job.query_error);
  g_queue_clear_full (&domain->balloon.journal, journal_entry_free);
  g_free (domain);
}

BallastRegistry *
ballast_registry_new (void)
{
  BallastRegistry *registry = g_new0 (BallastRegistry, 1);
  registry->by_uuid = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, domain_free);
  return registry;
}

void
ballast_registry_free (BallastRegistry *registry)
{
  if (registry == NULL)
    return;
  g_hash_table_unref (registry->by_uuid);
  g_free (registry);
}

BallastDomain *
ballast_registry_lookup (BallastRegistry *registry, const char *uuid)
{
  return g_hash_table_lookup (registry->by_uuid, uuid);
}

BallastDomain *
ballast_registry_lookup_name (BallastRegistry *registry, const char *name)
{
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, registry->by_uuid);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      BallastDomain *domain = value;
      if (g_strcmp0 (domain->name, name) == 0)
        return domain;
    }
  return NULL;
}

BallastDomain *
ballast_registry_ensure (BallastRegistry *registry, const char *uuid, const char *name)
{
  BallastDomain *domain = g_hash_table_lookup (registry->by_uuid, uuid);
  if (domain != NULL)
    {
      if (name != NULL && g_strcmp0 (domain->name, name) != 0)
        {
          g_free (domain->name);
          domain->name = g_strdup (name);
        }
      return domain;
    }
  domain = g_new0 (BallastDomain, 1);
  domain->uuid = g_strdup (uuid);
  domain->name = g_strdup (name);
  domain->observed.config_dirty = TRUE;
  domain->classification.status = BALLAST_GUEST_UNMANAGED;
  domain->classification.reason = "not yet seen";
  g_queue_init (&domain->balloon.journal);
  g_hash_table_insert (registry->by_uuid, domain->uuid, domain);
  return domain;
}

void
ballast_registry_remove (BallastRegistry *registry, const char *uuid)
{
  g_hash_table_remove (registry->by_uuid, uuid);
}

void
ballast_registry_clear (BallastRegistry *registry)
{
  g_hash_table_remove_all (registry->by_uuid);
}

guint
ballast_registry_size (BallastRegistry *registry)
{
  return g_hash_table_size (registry->by_uuid);
}

static gint
compare_by_name (gconstpointer a, gconstpointer b)
{
  const BallastDomain *x = *(BallastDomain *const *) a;
  const BallastDomain *y = *(BallastDomain *const *) b;
  int order = g_strcmp0 (x->name, y->name);
  return order != 0 ? order : strcmp (x->uuid, y->uuid);
}

GPtrArray *
ballast_registry_list_sorted (BallastRegistry *registry)
{
  GPtrArray *list = g_ptr_array_sized_new (g_hash_table_size (registry->by_uuid));
  GHashTableIter iter;
  gpointer value;
  g_hash_table_iter_init (&iter, registry->by_uuid);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_by_name);
  return list;
}

void
ballast_domain_journal_add (BallastDomain *domain, gint64 time_usec, guint64 old_kib,
                            guint64 new_kib, gboolean applied, const char *reason)
{
  BallastJournalEntry *entry = g_new0 (BallastJournalEntry, 1);
  entry->time_usec = time_usec;
  entry->old_target_kib = old_kib;
  entry->new_target_kib = new_kib;
  entry->applied = applied;
  entry->reason = g_strdup (reason);
  g_queue_push_tail (&domain->balloon.journal, entry);
  while (domain->balloon.journal.length > BALLAST_JOURNAL_LENGTH)
    journal_entry_free (g_queue_pop_head (&domain->balloon.journal));
}

guint64
ballast_domain_current_kib (const BallastDomain *domain)
{
  const BallastDomainObserved *observed = &domain->observed;
  if (observed->has_stats && (observed->stats.present & BALLAST_STAT_ACTUAL))
    return observed->stats.actual_kib;
  if (observed->config != NULL)
    return observed->config->current_kib;
  return 0;
}
