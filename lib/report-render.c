/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "report-render.h"

#include "json-util.h"
#include "size-units.h"

#include <string.h>

struct _BallastTable {
  guint n_columns;
  GPtrArray *rows; /* of GStrv */
};

BallastTable *
ballast_table_new (const char *const *headers)
{
  BallastTable *table = g_new0 (BallastTable, 1);
  table->n_columns = g_strv_length ((char **) headers);
  table->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  ballast_table_add_row (table, headers);
  return table;
}

void
ballast_table_add_row (BallastTable *table, const char *const *cells)
{
  char **row = g_new0 (char *, table->n_columns + 1);
  /* Names come from libvirt and JSON, neither of which promises valid
   * UTF-8; measure and print only valid text. */
  for (guint i = 0; i < table->n_columns; i++)
    row[i] = g_utf8_make_valid (cells[i] != NULL ? cells[i] : "-", -1);
  g_ptr_array_add (table->rows, row);
}

char *
ballast_table_free_to_string (BallastTable *table)
{
  g_autofree gsize *widths = g_new0 (gsize, table->n_columns);
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      for (guint c = 0; c < table->n_columns; c++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (row[c], -1));
    }
  GString *out = g_string_new (NULL);
  gsize total = 0;
  for (guint c = 0; c < table->n_columns; c++)
    total += widths[c] + 3;
  for (guint r = 0; r < table->rows->len; r++)
    {
      char **row = table->rows->pdata[r];
      g_string_append_c (out, ' ');
      for (guint c = 0; c < table->n_columns; c++)
        {
          g_string_append (out, row[c]);
          if (c + 1 < table->n_columns)
            for (gsize pad = (gsize) g_utf8_strlen (row[c], -1); pad < widths[c] + 3; pad++)
              g_string_append_c (out, ' ');
        }
      g_string_append_c (out, '\n');
      if (r == 0)
        {
          for (gsize i = 0; i < total; i++)
            g_string_append_c (out, '-');
          g_string_append_c (out, '\n');
        }
    }
  g_ptr_array_unref (table->rows);
  g_free (table);
  return g_string_free (out, FALSE);
}

/* JSON from ballastd is read into the typed reports of
 * lib/status-report.h and lib/ksm-report.h first; only the history is
 * read with json-util.h's defensive getters. */

/* A KiB figure for people ("512.0 MiB", "-1.5 GiB"), or "-". */
char *
ballast_render_kib_figure (BallastFigure kib)
{
  if (!kib.known)
    return g_strdup ("-");
  if (kib.value < 0)
    {
      /* -(value + 1) + 1: no overflow for G_MININT64. */
      g_autofree char *positive = ballast_size_format_kib ((guint64) -(kib.value + 1) + 1);
      return g_strdup_printf ("-%s", positive);
    }
  return ballast_size_format_kib ((guint64) kib.value);
}

static char *
render_figure (BallastFigure figure, const char *suffix)
{
  if (!figure.known)
    return g_strdup ("-");
  return g_strdup_printf ("%" G_GINT64_FORMAT "%s", figure.value, suffix);
}

char *
ballast_render_kib (json_object *object, const char *key)
{
  gint64 value;
  return ballast_render_kib_figure (ballast_json_get_int (object, key, &value) ? ballast_figure (value)
                                                          : BALLAST_FIGURE_UNKNOWN);
}

/* "Key:            value" lines, aligned like virsh dominfo. */
static void
append_field (GString *out, const char *key, const char *value)
{
  g_string_append_printf (out, "%-17s%s\n", key, value != NULL ? value : "-");
}

const char *
ballast_render_slack_state (const BallastStatusReport *status)
{
  if (status->plan.deficit_kib.known && status->plan.deficit_kib.value > 0)
    return "short: reclaiming";
  if (status->plan.surplus_kib.known && status->plan.surplus_kib.value > 0)
    return "spare: giving back";
  return "within band";
}

/* "512.0 MiB used of 2.0 GiB, swapping in 4.0 MiB/s; zswap pool 100.0 MiB
 * holding 400.0 MiB": guest memory the host pushed out, and how fast it
 * comes back. NULL on a host without swap or zswap in use. */
static char *
render_host_swap (const BallastStatusReport *status)
{
  gboolean swap = status->host.swap_total_kib.known && status->host.swap_total_kib.value > 0;
  gboolean zswap = status->host.zswap_pool_kib.known && status->host.zswap_pool_kib.value > 0;
  if (!swap && !zswap)
    return NULL;
  GString *line = g_string_new (NULL);
  if (swap)
    {
      g_autofree char *used = ballast_render_kib_figure (status->host.swap_used_kib);
      g_autofree char *total = ballast_render_kib_figure (status->host.swap_total_kib);
      g_string_append_printf (line, "%s used of %s", used, total);
      if (status->host.swap_in_kib_per_sec.known)
        {
          g_autofree char *rate = ballast_render_kib_figure (status->host.swap_in_kib_per_sec);
          g_string_append_printf (line, ", swapping in %s/s", rate);
        }
    }
  if (zswap)
    {
      g_autofree char *pool = ballast_render_kib_figure (status->host.zswap_pool_kib);
      g_autofree char *held = ballast_render_kib_figure (status->host.zswapped_kib);
      g_string_append_printf (line, "%szswap pool %s holding %s", swap ? "; " : "", pool, held);
    }
  return g_string_free (line, FALSE);
}

char *
ballast_render_status_report (const BallastStatusReport *status)
{
  GString *out = g_string_new (NULL);

  g_autofree char *daemon_line = NULL;
  {
    g_autofree char *completed = render_figure (status->cycles.completed, "");
    g_autofree char *skipped = render_figure (status->cycles.skipped, "");
    g_autofree char *calls = render_figure (status->cycles.last_libvirt_calls, "");
    BallastFigure duration = status->cycles.last_duration_usec;
    g_autofree char *took = duration.known
      ? g_strdup_printf ("%" G_GINT64_FORMAT ".%03" G_GINT64_FORMAT " ms", duration.value / 1000,
                         duration.value % 1000)
      : g_strdup ("-");
    daemon_line = g_strdup_printf ("%s (ballastd %s); %s cycles, %s skipped; last took %s and %s libvirt calls",
                                   status->mode ?: "-", status->version ?: "-",
                                   completed, skipped, took, calls);
  }
  append_field (out, "Daemon:", daemon_line);

  g_autofree char *connection_line = NULL;
  {
    const char *state = status->connection.state ?: "-";
    const char *last_error = status->connection.last_error;
    BallastFigure retry = status->connection.retry_in_sec;
    GString *line = g_string_new (NULL);
    g_string_append_printf (line, "%s (%s", status->connection.uri ?: "-", state);
    if (status->connection.stalled)
      g_string_append (line, ", libvirt not answering");
    if (g_strcmp0 (state, "connected") != 0 && retry.known && retry.value > 0)
      g_string_append_printf (line, ", retrying in %" G_GINT64_FORMAT " s", retry.value);
    g_string_append (line, ")");
    if (g_strcmp0 (state, "connected") != 0 && last_error != NULL)
      g_string_append_printf (line, ": %s", last_error);
    connection_line = g_string_free (line, FALSE);
  }
  append_field (out, "Connection:", connection_line);

  if (status->host.error != NULL)
    append_field (out, "Host memory:", status->host.error);
  else
    {
      g_autofree char *total = ballast_render_kib_figure (status->host.mem_total_kib);
      g_autofree char *available = ballast_render_kib_figure (status->host.mem_available_kib);
      g_autofree char *host_line = g_strdup_printf ("%s total, %s available", total, available);
      append_field (out, "Host memory:", host_line);

      g_autofree char *budget = ballast_render_kib_figure (status->host.budget_total_kib);
      g_autofree char *budget_available = ballast_render_kib_figure (status->host.budget_available_kib);
      g_autofree char *budget_line = g_strdup_printf ("%s (%s), %s available", budget,
                                                      status->host.budget_source ?: "-",
                                                      budget_available);
      append_field (out, "Budget:", budget_line);
      g_autofree char *reserve = ballast_render_kib_figure (status->host.reserve_kib);
      append_field (out, "Reserve:", reserve);
      g_autofree char *swap_line = render_host_swap (status);
      if (swap_line != NULL)
        append_field (out, "Host swap:", swap_line);
      BallastFigure psi = status->host.psi_some_avg10_centipct;
      if (psi.known)
        {
          g_autofree char *psi_text = g_strdup_printf ("some %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT "%% (avg10)",
                                                       psi.value / 100, psi.value % 100);
          append_field (out, "Pressure:", psi_text);
        }
    }

  if (status->has_plan)
    {
      g_autofree char *slack = ballast_render_kib_figure (status->plan.slack_kib);
      g_autofree char *slack_line = g_strdup_printf ("%s (%s%s)", slack,
                                                     ballast_render_slack_state (status),
                                                     status->plan.emergency ? ", EMERGENCY" : "");
      append_field (out, "Slack:", slack_line);
      if (status->plan.arriving_kib.known && status->plan.arriving_kib.value > 0)
        {
          g_autofree char *arriving = ballast_render_kib_figure (status->plan.arriving_kib);
          g_autofree char *arriving_line = g_strdup_printf ("%s still to arrive with incoming "
                                                            "migrations (counted as used)", arriving);
          append_field (out, "Arriving:", arriving_line);
        }
    }

  BallastFigure ratio = status->overcommit.ratio_permille;
  if (ratio.known)
    {
      g_autofree char *ratio_text = g_strdup_printf ("%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT
                                                     " (guest maxima / budget)",
                                                     ratio.value / 1000, ratio.value % 1000 / 10);
      append_field (out, "Overcommit:", ratio_text);
    }
  append_field (out, "Gate:", status->overcommit.verdict);

  g_autofree char *running = render_figure (status->guests.running, " running");
  GString *guests = g_string_new (running);
  for (gsize i = 0; i < G_N_ELEMENTS (status->guests.by_status); i++)
    {
      /* A status an older ballastd does not have. */
      if (i > 0 && !status->guests.by_status[i].count.known)
        continue;
      g_autofree char *suffix = g_strdup_printf (" %s", status->guests.by_status[i].status);
      g_autofree char *count = render_figure (status->guests.by_status[i].count, suffix);
      g_string_append_printf (guests, "%s%s", i == 0 ? ": " : ", ", count);
    }
  g_autofree char *guests_line = g_string_free (guests, FALSE);
  append_field (out, "Guests:", guests_line);
  if (status->has_ksm)
    {
      g_autofree char *ksm_line = ballast_render_ksm_summary (&status->ksm);
      append_field (out, "KSM:", ksm_line);
    }
  return g_string_free (out, FALSE);
}

char *
ballast_render_status (json_object *status)
{
  g_auto(BallastStatusReport) report;
  ballast_status_report_from_json (status, &report);
  return ballast_render_status_report (&report);
}

/* Defined with the KSM renderings below. */
static char *render_bytes (BallastFigure bytes);
static char *render_guest_ksm (const BallastDomainReport *domain);

static char *
render_rates (const BallastDomainReport *domain)
{
  if (!domain->swap_in_kib_per_sec.known || !domain->major_faults_per_sec.known)
    return g_strdup ("-");
  return g_strdup_printf ("%" G_GINT64_FORMAT "K/%" G_GINT64_FORMAT,
                          domain->swap_in_kib_per_sec.value, domain->major_faults_per_sec.value);
}

char *
ballast_render_domain_reports (GPtrArray *domains, gboolean wide)
{
  static const char *const headers[] = { "Name", "State", "Max", "Current", "Target", "Used",
                                          "Usable", "Swapin/Flt", "Min", "Shares", "Actuator",
                                          "Status", "Reason", NULL };
  static const char *const wide_headers[] = { "Name", "State", "Max", "Current", "Target",
                                               "Used", "Usable", "Unused", "RSS", "Need",
                                               "Swapin/Flt", "Pressure", "Min", "Shares",
                                               "KSM", "Actuator", "Status", "Reason", NULL };
  BallastTable *table = ballast_table_new (wide ? wide_headers : headers);
  for (guint i = 0; i < domains->len; i++)
    {
      const BallastDomainReport *domain = domains->pdata[i];
      g_autofree char *max = ballast_render_kib_figure (domain->max_kib);
      g_autofree char *current = ballast_render_kib_figure (domain->current_kib);
      g_autofree char *target = ballast_render_kib_figure (domain->target_kib);
      g_autofree char *used = ballast_render_kib_figure (domain->used_kib);
      g_autofree char *usable = ballast_render_kib_figure (domain->usable_kib);
      g_autofree char *unused = ballast_render_kib_figure (domain->unused_kib);
      g_autofree char *rss = ballast_render_kib_figure (domain->rss_kib);
      g_autofree char *need = ballast_render_kib_figure (domain->need_kib);
      g_autofree char *rates = render_rates (domain);
      g_autofree char *min = ballast_render_kib_figure (domain->min_kib);
      g_autofree char *shares = render_figure (domain->shares, "");
      if (wide)
        {
          g_autofree char *ksm = render_guest_ksm (domain);
          const char *cells[] = { domain->name, domain->state, max, current, target, used,
                                  usable, unused, rss, need, rates, domain->pressure, min, shares,
                                  ksm, domain->actuator, domain->status, domain->reason };
          ballast_table_add_row (table, cells);
        }
      else
        {
          const char *cells[] = { domain->name, domain->state, max, current, target, used,
                                  usable, rates, min, shares, domain->actuator, domain->status,
                                  domain->reason };
          ballast_table_add_row (table, cells);
        }
    }
  return ballast_table_free_to_string (table);
}

char *
ballast_render_list (json_object *list, gboolean wide)
{
  g_autoptr(GPtrArray) domains = ballast_domain_reports_from_list_json (list);
  return ballast_render_domain_reports (domains, wide);
}

/* "256.0 MiB plugged of 512.0 MiB requested, up to 1.0 GiB (1 device,
 * blocks of 2.0 MiB)"; without "plugged" for a guest not running; with
 * "; held at ..." while a stuck unplug holds the devices. */
static char *
render_virtio_mem (const BallastDomainReport *domain)
{
  g_autofree char *requested = ballast_render_kib_figure (domain->virtio_mem_requested_kib);
  g_autofree char *size = ballast_render_kib_figure (domain->virtio_mem_size_kib);
  g_autofree char *block = ballast_render_kib_figure (domain->virtio_mem_block_kib);
  g_autofree char *plugged = domain->virtio_mem_plugged_kib.known
                               ? ballast_render_kib_figure (domain->virtio_mem_plugged_kib) : NULL;
  gint64 devices = domain->virtio_mem_devices.value;
  g_autofree char *held = NULL;
  if (domain->virtio_mem_held_kib.known)
    {
      g_autofree char *at = ballast_render_kib_figure (domain->virtio_mem_held_kib);
      g_autofree char *retry = render_figure (domain->virtio_mem_retry_sec, " s");
      held = g_strdup_printf ("; held at %s: the guest could not unplug more (memory it cannot move), "
                              "asked lower again in %s", at, retry);
    }
  return g_strdup_printf ("%s%s%s requested, up to %s (%" G_GINT64_FORMAT " device%s, blocks of %s)%s",
                          plugged ?: "", plugged != NULL ? " plugged of " : "", requested, size,
                          devices, devices == 1 ? "" : "s", block, held ?: "");
}

char *
ballast_render_domain_report (const BallastDomainReport *domain)
{
  GString *out = g_string_new (NULL);
  const struct {
    const char *label;
    BallastFigure kib;
  } sizes[] = {
    { "Max memory:", domain->max_kib }, { "Current:", domain->current_kib },
    { "Target:", domain->target_kib }, { "Used:", domain->used_kib },
    { "Usable:", domain->usable_kib }, { "Unused:", domain->unused_kib },
    { "QEMU RSS:", domain->rss_kib }, { "Need:", domain->need_kib }, { "Min:", domain->min_kib },
    { "Fair share:", domain->fair_share_kib },
  };
  append_field (out, "Name:", domain->name);
  append_field (out, "UUID:", domain->uuid);
  append_field (out, "State:", domain->state);
  g_autofree char *status = g_strdup_printf ("%s%s%s", domain->status ?: "-",
                                             domain->status_reason ? ": " : "",
                                             domain->status_reason ?: "");
  append_field (out, "Status:", status);
  append_field (out, "Balloon:", domain->balloon_model);
  if (domain->actuator != NULL)
    {
      /* Beside virtio-mem devices, the balloon's own share of Current. */
      g_autofree char *balloon = domain->balloon_kib.known && domain->virtio_mem_devices.known
                                   ? ballast_render_kib_figure (domain->balloon_kib) : NULL;
      g_autofree char *line = g_strdup_printf ("%s%s%s%s%s%s", domain->actuator,
                                               balloon != NULL ? ", balloon at " : "", balloon ?: "",
                                               domain->virtio_mem_unusable != NULL ? " (virtio-mem left alone: " : "",
                                               domain->virtio_mem_unusable ?: "",
                                               domain->virtio_mem_unusable != NULL ? ")" : "");
      append_field (out, "Actuator:", line);
    }
  g_autofree char *period = render_figure (domain->stats_period_sec, " s");
  append_field (out, "Stats period:", period);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *value = ballast_render_kib_figure (sizes[i].kib);
      append_field (out, sizes[i].label, value);
    }
  if (domain->returned_kib.known)
    {
      g_autofree char *returned = ballast_render_kib_figure (domain->returned_kib);
      g_autofree char *line = g_strdup_printf ("%s (free page reporting: max - QEMU RSS)", returned);
      append_field (out, "Returned:", line);
    }
  if (domain->virtio_mem_devices.known)
    {
      g_autofree char *line = render_virtio_mem (domain);
      append_field (out, "virtio-mem:", line);
    }
  g_autofree char *shares = render_figure (domain->shares, "");
  append_field (out, "Shares:", shares);
  g_autofree char *swap_in = render_figure (domain->swap_in_kib_per_sec, " KiB/s");
  append_field (out, "Swap-in rate:", swap_in);
  g_autofree char *faults = render_figure (domain->major_faults_per_sec, "/s");
  append_field (out, "Major faults:", faults);
  append_field (out, "Pressure:", domain->pressure);
  if (domain->oom_deflations.known)
    {
      g_autofree char *deflations = render_figure (domain->oom_deflations, " (autodeflate)");
      append_field (out, "OOM deflations:", deflations);
    }
  if (domain->spike_peak_kib.known)
    {
      g_autofree char *peak = ballast_render_kib_figure (domain->spike_peak_kib);
      g_autofree char *age = render_figure (domain->spike_age_sec, " s ago");
      g_autofree char *spike_period = domain->spike_period_sec.known
                                  ? g_strdup_printf ("every %" G_GUINT64_FORMAT " s%s",
                                                     domain->spike_period_sec.value,
                                                     domain->spike_due ? ", due: headroom held" : "")
                                  : g_strdup ("no period");
      g_autofree char *line = g_strdup_printf ("peak %s %s; %s", peak, age, spike_period);
      append_field (out, "Spikes:", line);
    }
  g_autofree char *over_share = render_figure (domain->over_fair_share_sec, " s");
  append_field (out, "Above its share:", over_share);
  if (domain->has_ksm)
    {
      g_autofree char *cell = render_guest_ksm (domain);
      g_autofree char *profit = render_bytes (domain->ksm.profit_bytes);
      g_autofree char *ksm_line = domain->ksm.qemu_pid.known
        ? g_strdup_printf ("%s (profit %s, QEMU pid %" G_GINT64_FORMAT ")", cell, profit,
                           domain->ksm.qemu_pid.value)
        : g_strdup (cell);
      append_field (out, "KSM:", ksm_line);
    }
  append_field (out, "Last decision:", domain->reason);
  return g_string_free (out, FALSE);
}

char *
ballast_render_domain (json_object *domain)
{
  g_autoptr(BallastDomainReport) report = ballast_domain_report_from_json (domain);
  return ballast_render_domain_report (report);
}

char *
ballast_render_history (json_object *history)
{
  static const char *const headers[] = { "Time", "Old", "New", "Applied", "Reason", NULL };
  BallastTable *table = ballast_table_new (headers);
  json_object *entries = ballast_json_get (history, "entries");
  gsize n = entries != NULL && json_object_is_type (entries, json_type_array)
              ? json_object_array_length (entries) : 0;
  for (gsize i = 0; i < n; i++)
    {
      json_object *entry = json_object_array_get_idx (entries, i);
      gint64 time_usec = 0;
      g_autofree char *time_text = NULL;
      if (ballast_json_get_int (entry, "time_usec", &time_usec))
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (time_usec / G_USEC_PER_SEC);
          time_text = when != NULL ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S") : NULL;
        }
      g_autofree char *old_text = ballast_render_kib (entry, "old_kib");
      g_autofree char *new_text = ballast_render_kib (entry, "new_kib");
      const char *cells[] = { time_text, old_text, new_text,
                              ballast_json_get_bool (entry, "applied") ? "yes" : "no",
                              ballast_json_get_string (entry, "reason") };
      ballast_table_add_row (table, cells);
    }
  return ballast_table_free_to_string (table);
}

/* ---- Page sharing (KSM) ---- */

/* Signed bytes (general_profit, a guest's profit) for people: "-1.5 MiB". */
static char *
render_bytes (BallastFigure bytes)
{
  if (!bytes.known)
    return g_strdup ("-");
  gint64 value = bytes.value;
  /* -(value + 1) + 1: no overflow for G_MININT64. */
  guint64 magnitude = value < 0 ? (guint64) -(value + 1) + 1 : (guint64) value;
  if (magnitude < 1024)
    return g_strdup_printf ("%" G_GINT64_FORMAT " B", value);
  g_autofree char *size = ballast_size_format_kib (magnitude / 1024);
  return g_strdup_printf ("%s%s", value < 0 ? "-" : "", size);
}

/* permille as "4.1%". */
static char *
render_permille (gint64 permille)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "%%", permille / 10,
                          ABS (permille) % 10);
}

static const char *
ksm_reason_words (const char *reason)
{
  static const struct {
    const char *code;
    const char *words;
  } reasons[] = {
    { "off", "mode off" },
    { "off-unmerge", "guests untrusted: unmerging" },
    { "off-keep-merged", "guests untrusted, no room to unmerge yet" },
    { "on", "mode on" },
    { "short", "host short" },
    { "band", "between start and stop" },
    { "plenty", "plenty of memory" },
    { "nothing-shareable", "no guest may share" },
    { "not-earning", "not earning its CPU" },
    { "paused", "paused after not earning" },
  };
  for (gsize i = 0; reason != NULL && i < G_N_ELEMENTS (reasons); i++)
    if (strcmp (reasons[i].code, reason) == 0)
      return reasons[i].words;
  return reason;
}

char *
ballast_render_ksm_summary (const BallastKsmReport *ksm)
{
  if (!ksm->available)
    return g_strdup_printf ("not available (%s)", ksm->unavailable_reason ?: "-");

  GString *line = g_string_new (NULL);
  g_string_append_printf (line, "%s (%s)", ksm->mode ?: "-", ksm->mode_source ?: "-");
  if (ksm->run.known)
    g_string_append (line, ksm->run.value == 1 ? ", running" : ksm->run.value == 2 ? ", stopped and unmerged"
                           : ", stopped");
  else if (!ksm->run_controllable)
    g_string_append (line, ", run unknown (libvirt cannot start or stop ksmd)");
  if (ksm->reason != NULL)
    g_string_append_printf (line, " (%s)", ksm_reason_words (ksm->reason));
  else
    g_string_append (line, " (no decision yet)");
  if (ksm->saved_kib.known)
    {
      g_autofree char *saved = ballast_render_kib_figure (ksm->saved_kib);
      g_string_append_printf (line, ", saving %s", saved);
    }
  if (ksm->ksmd_cpu_permille.known)
    {
      g_autofree char *cpu = render_permille (ksm->ksmd_cpu_permille.value);
      g_string_append_printf (line, ", ksmd %s CPU", cpu);
      if (ksm->cpu_budget_permille.known)
        {
          g_autofree char *of = render_permille (ksm->cpu_budget_permille.value);
          g_string_append_printf (line, " of %s", of);
        }
    }
  if (ksm->pages_to_scan.known && ksm->sleep_millisecs.known)
    g_string_append_printf (line, ", %" G_GINT64_FORMAT " pages per %" G_GINT64_FORMAT " ms",
                            ksm->pages_to_scan.value, ksm->sleep_millisecs.value);
  if (ksm->write_in_flight)
    g_string_append (line, "; writing");
  if (!ksm->writable)
    g_string_append (line, "; cannot write (not root)");
  else if (ksm->write_error != NULL)
    g_string_append_printf (line, "; last write failed: %s", ksm->write_error);
  if (ksm->read_error != NULL)
    g_string_append_printf (line, "; cannot read: %s", ksm->read_error);
  if (ksm->ksmtuned_pid.known)
    g_string_append_printf (line, "; ksmtuned (pid %" G_GINT64_FORMAT ") is running and will "
                            "fight ballast over KSM", ksm->ksmtuned_pid.value);
  return g_string_free (line, FALSE);
}

/* A guest's KSM cell: "shareable, 74.0 MiB merged". */
static char *
render_guest_share (const BallastGuestKsmReport *guest)
{
  if (guest->share == NULL)
    return g_strdup ("-");
  if (!guest->merged_kib.known)
    return g_strdup (guest->share);
  g_autofree char *merged = ballast_render_kib_figure (guest->merged_kib);
  return g_strdup_printf ("%s, %s merged", guest->share, merged);
}

static char *
render_guest_ksm (const BallastDomainReport *domain)
{
  return domain->has_ksm ? render_guest_share (&domain->ksm) : g_strdup ("-");
}

/* A flag figure as JSON spells it, as the override always showed. */
static const char *
flag_word (BallastFigure flag)
{
  return flag.value != 0 ? "true" : "false";
}

static char *
render_override (const BallastKsmReport *report)
{
  if (!report->has_override)
    return g_strdup ("none");
  const BallastKsmOverrideReport *o = &report->override;
  GString *text = g_string_new (NULL);
  const struct {
    const char *key;
    BallastFigure figure;
  } numbers[] = {
    { "pages_to_scan_min", o->pages_to_scan_min },
    { "pages_to_scan_max", o->pages_to_scan_max },
    { "sleep_millisecs", o->sleep_millisecs },
    { "cpu_budget_permille", o->cpu_budget_permille },
  };
  if (o->mode != NULL)
    g_string_append_printf (text, "mode %s", o->mode);
  for (gsize i = 0; i < G_N_ELEMENTS (numbers); i++)
    if (numbers[i].figure.known)
      g_string_append_printf (text, "%s%s %" G_GINT64_FORMAT, text->len > 0 ? ", " : "",
                              numbers[i].key, numbers[i].figure.value);
  if (o->merge_across_nodes.known)
    g_string_append_printf (text, "%smerge_across_nodes %s", text->len > 0 ? ", " : "",
                            flag_word (o->merge_across_nodes));
  if (o->use_zero_pages.known)
    g_string_append_printf (text, "%suse_zero_pages %s", text->len > 0 ? ", " : "",
                            flag_word (o->use_zero_pages));
  g_string_append (text, " (ksm-set; dropped at the next policy reload)");
  return g_string_free (text, FALSE);
}

char *
ballast_render_ksm_report (const BallastKsmReport *report)
{
  GString *out = g_string_new (NULL);
  g_autofree char *summary = ballast_render_ksm_summary (report);
  append_field (out, "KSM:", summary);
  if (!report->available)
    return g_string_free (out, FALSE);

  append_field (out, "Tenancy:", report->tenancy);
  append_field (out, "Policy:", report->policy);
  g_autofree char *override = render_override (report);
  append_field (out, "Override:", override);
  if (report->unmerge_requested)
    append_field (out, "Unmerge:", "requested, at the next cycle that may write");
  append_field (out, "Decision:", report->reason_text);

  g_autofree char *shared = render_figure (report->pages_shared, "");
  g_autofree char *sharing = render_figure (report->pages_sharing, "");
  g_autofree char *unshared = render_figure (report->pages_unshared, "");
  g_autofree char *volatile_pages = render_figure (report->pages_volatile, "");
  g_autofree char *zero = render_figure (report->ksm_zero_pages, "");
  g_autofree char *pages = g_strdup_printf ("shared %s, sharing %s, unshared %s, volatile %s, "
                                            "zero %s", shared, sharing, unshared,
                                            volatile_pages, zero);
  append_field (out, "Pages:", pages);
  g_autofree char *full = render_figure (report->full_scans, "");
  g_autofree char *scanned = render_figure (report->pages_scanned, "");
  g_autofree char *scans = g_strdup_printf ("%s full scans, %s pages scanned", full, scanned);
  append_field (out, "Scans:", scans);
  g_autofree char *profit = render_bytes (report->general_profit_bytes);
  append_field (out, "Profit:", profit);

  GString *ksmd = g_string_new (NULL);
  if (report->ksmd_pid.known)
    g_string_append_printf (ksmd, "pid %" G_GINT64_FORMAT, report->ksmd_pid.value);
  else
    g_string_append (ksmd, "not found");
  if (report->ksmd_cpu_usec.known)
    {
      gint64 usec = report->ksmd_cpu_usec.value;
      g_string_append_printf (ksmd, ", %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " s CPU so far",
                              usec / G_USEC_PER_SEC, usec % G_USEC_PER_SEC / 10000);
    }
  if (report->ksmd_cpu_permille.known)
    {
      g_autofree char *cpu = render_permille (report->ksmd_cpu_permille.value);
      g_string_append_printf (ksmd, ", %s of one CPU", cpu);
    }
  if (report->earning_permille.known)
    g_string_append_printf (ksmd, ", earning %" G_GINT64_FORMAT " per 1000 scanned",
                            report->earning_permille.value);
  g_autofree char *ksmd_line = g_string_free (ksmd, FALSE);
  append_field (out, "ksmd:", ksmd_line);

  g_autofree char *made = render_figure (report->writes_total, "");
  g_autofree char *failed = render_figure (report->write_failures_total, "");
  GString *writes = g_string_new (NULL);
  g_string_append_printf (writes, "%s made, %s failed", made, failed);
  for (guint i = 0; report->last_writes != NULL && i < report->last_writes->len; i++)
    g_string_append_printf (writes, "%s%s", i == 0 ? "; last: " : ", ",
                            (const char *) report->last_writes->pdata[i]);
  g_autofree char *writes_line = g_string_free (writes, FALSE);
  append_field (out, "Writes:", writes_line);

  g_autofree char *n_shareable = render_figure (report->guests_shareable, " shareable");
  g_autofree char *n_nosharepages = render_figure (report->guests_nosharepages, " nosharepages");
  g_autofree char *n_excluded = render_figure (report->guests_excluded, " excluded");
  g_autofree char *guests_line = g_strdup_printf ("%s, %s, %s", n_shareable, n_nosharepages,
                                                  n_excluded);
  append_field (out, "Guests:", guests_line);

  if (report->guests == NULL || report->guests->len == 0)
    return g_string_free (out, FALSE);
  static const char *const headers[] = { "Name", "KSM", "Merged", "Profit", "QEMU pid", NULL };
  BallastTable *table = ballast_table_new (headers);
  for (guint i = 0; i < report->guests->len; i++)
    {
      const BallastGuestKsmReport *guest = report->guests->pdata[i];
      g_autofree char *merged = ballast_render_kib_figure (guest->merged_kib);
      g_autofree char *guest_profit = render_bytes (guest->profit_bytes);
      g_autofree char *pid = render_figure (guest->qemu_pid, "");
      const char *cells[] = { guest->name, guest->share, merged, guest_profit, pid };
      ballast_table_add_row (table, cells);
    }
  g_autofree char *table_text = ballast_table_free_to_string (table);
  g_string_append_c (out, '\n');
  g_string_append (out, table_text);
  return g_string_free (out, FALSE);
}

char *
ballast_render_ksm (json_object *report)
{
  g_auto(BallastKsmReport) typed = { 0 };
  ballast_ksm_report_from_json (report, &typed);
  return ballast_render_ksm_report (&typed);
}
