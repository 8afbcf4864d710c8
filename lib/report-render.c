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

/* JSON from ballastd (history, page sharing) is read with json-util.h's
 * defensive getters; the status and the domains through
 * lib/status-report.h's typed reports. */
static char *
render_int (json_object *object, const char *key, const char *suffix)
{
  gint64 value;
  if (!ballast_json_get_int (object, key, &value))
    return g_strdup ("-");
  return g_strdup_printf ("%" G_GINT64_FORMAT "%s", value, suffix);
}

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
  char *counts[G_N_ELEMENTS (status->guests.by_status)] = { NULL };
  for (gsize i = 0; i < G_N_ELEMENTS (status->guests.by_status); i++)
    {
      g_autofree char *suffix = g_strdup_printf (" %s", status->guests.by_status[i].status);
      counts[i] = render_figure (status->guests.by_status[i].count, suffix);
    }
  g_autofree char *guests_line = g_strdup_printf ("%s: %s, %s, %s, %s", running, counts[0],
                                                  counts[1], counts[2], counts[3]);
  for (gsize i = 0; i < G_N_ELEMENTS (counts); i++)
    g_free (counts[i]);
  append_field (out, "Guests:", guests_line);
  if (status->ksm != NULL && json_object_is_type (status->ksm, json_type_object))
    {
      g_autofree char *ksm_line = ballast_render_ksm_summary (status->ksm);
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
static char *render_bytes (json_object *object, const char *key);
static char *render_guest_ksm (json_object *guest_ksm);

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
                                          "Usable", "Swapin/Flt", "Min", "Shares", "Status",
                                          "Reason", NULL };
  static const char *const wide_headers[] = { "Name", "State", "Max", "Current", "Target",
                                               "Used", "Usable", "Unused", "RSS", "Need",
                                               "Swapin/Flt", "Pressure", "Min", "Shares",
                                               "KSM", "Status", "Reason", NULL };
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
          g_autofree char *ksm = render_guest_ksm (domain->ksm);
          const char *cells[] = { domain->name, domain->state, max, current, target, used,
                                  usable, unused, rss, need, rates, domain->pressure, min, shares,
                                  ksm, domain->status, domain->reason };
          ballast_table_add_row (table, cells);
        }
      else
        {
          const char *cells[] = { domain->name, domain->state, max, current, target, used,
                                  usable, rates, min, shares, domain->status, domain->reason };
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
  g_autofree char *period = render_figure (domain->stats_period_sec, " s");
  append_field (out, "Stats period:", period);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *value = ballast_render_kib_figure (sizes[i].kib);
      append_field (out, sizes[i].label, value);
    }
  g_autofree char *shares = render_figure (domain->shares, "");
  append_field (out, "Shares:", shares);
  g_autofree char *swap_in = render_figure (domain->swap_in_kib_per_sec, " KiB/s");
  append_field (out, "Swap-in rate:", swap_in);
  g_autofree char *faults = render_figure (domain->major_faults_per_sec, "/s");
  append_field (out, "Major faults:", faults);
  append_field (out, "Pressure:", domain->pressure);
  g_autofree char *over_share = render_figure (domain->over_fair_share_sec, " s");
  append_field (out, "Above its share:", over_share);
  json_object *ksm = domain->ksm;
  if (ksm != NULL && json_object_is_type (ksm, json_type_object))
    {
      g_autofree char *cell = render_guest_ksm (ksm);
      g_autofree char *profit = render_bytes (ksm, "profit_bytes");
      gint64 pid = 0;
      g_autofree char *ksm_line = ballast_json_get_int (ksm, "qemu_pid", &pid)
        ? g_strdup_printf ("%s (profit %s, QEMU pid %" G_GINT64_FORMAT ")", cell, profit, pid)
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
render_bytes (json_object *object, const char *key)
{
  gint64 value;
  if (!ballast_json_get_int (object, key, &value))
    return g_strdup ("-");
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
ballast_render_ksm_summary (json_object *ksm)
{
  gint64 value;
  if (ballast_json_get (ksm, "available") != NULL && !ballast_json_get_bool (ksm, "available"))
    return g_strdup_printf ("not available (%s)", ballast_json_get_string (ksm, "unavailable_reason") ?: "-");

  GString *line = g_string_new (NULL);
  g_string_append_printf (line, "%s (%s)", ballast_json_get_string (ksm, "mode") ?: "-",
                          ballast_json_get_string (ksm, "mode_source") ?: "-");
  if (ballast_json_get_int (ksm, "run", &value))
    g_string_append (line, value == 1 ? ", running" : value == 2 ? ", stopped and unmerged"
                           : ", stopped");
  else if (ballast_json_get (ksm, "run_controllable") != NULL && !ballast_json_get_bool (ksm, "run_controllable"))
    g_string_append (line, ", run unknown (libvirt cannot start or stop ksmd)");
  const char *reason = ballast_json_get_string (ksm, "reason");
  if (reason != NULL)
    g_string_append_printf (line, " (%s)", ksm_reason_words (reason));
  else
    g_string_append (line, " (no decision yet)");
  if (ballast_json_get_int (ksm, "saved_kib", &value))
    {
      g_autofree char *saved = ballast_render_kib (ksm, "saved_kib");
      g_string_append_printf (line, ", saving %s", saved);
    }
  gint64 budget = 0;
  if (ballast_json_get_int (ksm, "ksmd_cpu_permille", &value))
    {
      g_autofree char *cpu = render_permille (value);
      g_string_append_printf (line, ", ksmd %s CPU", cpu);
      if (ballast_json_get_int (ksm, "cpu_budget_permille", &budget))
        {
          g_autofree char *of = render_permille (budget);
          g_string_append_printf (line, " of %s", of);
        }
    }
  gint64 pages, sleep;
  if (ballast_json_get_int (ksm, "pages_to_scan", &pages) && ballast_json_get_int (ksm, "sleep_millisecs", &sleep))
    g_string_append_printf (line, ", %" G_GINT64_FORMAT " pages per %" G_GINT64_FORMAT " ms",
                            pages, sleep);
  if (ballast_json_get_bool (ksm, "write_in_flight"))
    g_string_append (line, "; writing");
  if (ballast_json_get (ksm, "writable") != NULL && !ballast_json_get_bool (ksm, "writable"))
    g_string_append (line, "; cannot write (not root)");
  else if (ballast_json_get_string (ksm, "write_error") != NULL)
    g_string_append_printf (line, "; last write failed: %s", ballast_json_get_string (ksm, "write_error"));
  if (ballast_json_get_string (ksm, "read_error") != NULL)
    g_string_append_printf (line, "; cannot read: %s", ballast_json_get_string (ksm, "read_error"));
  if (ballast_json_get_int (ksm, "ksmtuned_pid", &value))
    g_string_append_printf (line, "; ksmtuned (pid %" G_GINT64_FORMAT ") is running and will "
                            "fight ballast over KSM", value);
  return g_string_free (line, FALSE);
}

/* A guest's KSM cell: "shareable, 74.0 MiB merged". */
static char *
render_guest_ksm (json_object *guest_ksm)
{
  const char *share = ballast_json_get_string (guest_ksm, "share");
  if (share == NULL)
    return g_strdup ("-");
  if (ballast_json_get (guest_ksm, "merged_kib") == NULL || !json_object_is_type (ballast_json_get (guest_ksm, "merged_kib"),
                                                                     json_type_int))
    return g_strdup (share);
  g_autofree char *merged = ballast_render_kib (guest_ksm, "merged_kib");
  return g_strdup_printf ("%s, %s merged", share, merged);
}

static char *
render_override (json_object *override)
{
  if (override == NULL || !json_object_is_type (override, json_type_object))
    return g_strdup ("none");
  GString *text = g_string_new (NULL);
  json_object_object_foreach (override, key, value)
    {
      g_string_append_printf (text, "%s%s %s", text->len > 0 ? ", " : "", key,
                              json_object_get_string (value));
    }
  g_string_append (text, " (ksm-set; dropped at the next policy reload)");
  return g_string_free (text, FALSE);
}

static char *
render_counter (json_object *object, const char *key)
{
  return render_int (object, key, "");
}

char *
ballast_render_ksm (json_object *report)
{
  GString *out = g_string_new (NULL);
  g_autofree char *summary = ballast_render_ksm_summary (report);
  append_field (out, "KSM:", summary);
  if (ballast_json_get (report, "available") != NULL && !ballast_json_get_bool (report, "available"))
    return g_string_free (out, FALSE);

  append_field (out, "Tenancy:", ballast_json_get_string (report, "tenancy"));
  append_field (out, "Policy:", ballast_json_get_string (report, "policy"));
  g_autofree char *override = render_override (ballast_json_get (report, "override"));
  append_field (out, "Override:", override);
  if (ballast_json_get_bool (report, "unmerge_requested"))
    append_field (out, "Unmerge:", "requested, at the next cycle that may write");
  append_field (out, "Decision:", ballast_json_get_string (report, "reason_text"));

  g_autofree char *shared = render_counter (report, "pages_shared");
  g_autofree char *sharing = render_counter (report, "pages_sharing");
  g_autofree char *unshared = render_counter (report, "pages_unshared");
  g_autofree char *volatile_pages = render_counter (report, "pages_volatile");
  g_autofree char *zero = render_counter (report, "ksm_zero_pages");
  g_autofree char *pages = g_strdup_printf ("shared %s, sharing %s, unshared %s, volatile %s, "
                                            "zero %s", shared, sharing, unshared,
                                            volatile_pages, zero);
  append_field (out, "Pages:", pages);
  g_autofree char *full = render_counter (report, "full_scans");
  g_autofree char *scanned = render_counter (report, "pages_scanned");
  g_autofree char *scans = g_strdup_printf ("%s full scans, %s pages scanned", full, scanned);
  append_field (out, "Scans:", scans);
  g_autofree char *profit = render_bytes (report, "general_profit_bytes");
  append_field (out, "Profit:", profit);

  gint64 value;
  GString *ksmd = g_string_new (NULL);
  if (ballast_json_get_int (report, "ksmd_pid", &value))
    g_string_append_printf (ksmd, "pid %" G_GINT64_FORMAT, value);
  else
    g_string_append (ksmd, "not found");
  if (ballast_json_get_int (report, "ksmd_cpu_usec", &value))
    g_string_append_printf (ksmd, ", %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT " s CPU so far",
                            value / G_USEC_PER_SEC, value % G_USEC_PER_SEC / 10000);
  if (ballast_json_get_int (report, "ksmd_cpu_permille", &value))
    {
      g_autofree char *cpu = render_permille (value);
      g_string_append_printf (ksmd, ", %s of one CPU", cpu);
    }
  if (ballast_json_get_int (report, "earning_permille", &value))
    g_string_append_printf (ksmd, ", earning %" G_GINT64_FORMAT " per 1000 scanned", value);
  g_autofree char *ksmd_line = g_string_free (ksmd, FALSE);
  append_field (out, "ksmd:", ksmd_line);

  g_autofree char *made = render_counter (report, "writes_total");
  g_autofree char *failed = render_counter (report, "write_failures_total");
  GString *writes = g_string_new (NULL);
  g_string_append_printf (writes, "%s made, %s failed", made, failed);
  json_object *last = ballast_json_get (report, "last_writes");
  gsize n_last = last != NULL && json_object_is_type (last, json_type_array)
                   ? json_object_array_length (last) : 0;
  for (gsize i = 0; i < n_last; i++)
    {
      json_object *item = json_object_array_get_idx (last, i);
      g_string_append_printf (writes, "%s%s", i == 0 ? "; last: " : ", ",
                              item != NULL && json_object_is_type (item, json_type_string)
                                ? json_object_get_string (item) : "-");
    }
  g_autofree char *writes_line = g_string_free (writes, FALSE);
  append_field (out, "Writes:", writes_line);

  g_autofree char *n_shareable = render_int (report, "guests_shareable", " shareable");
  g_autofree char *n_nosharepages = render_int (report, "guests_nosharepages", " nosharepages");
  g_autofree char *n_excluded = render_int (report, "guests_excluded", " excluded");
  g_autofree char *guests_line = g_strdup_printf ("%s, %s, %s", n_shareable, n_nosharepages,
                                                  n_excluded);
  append_field (out, "Guests:", guests_line);

  json_object *guests = ballast_json_get (report, "guests");
  gsize n = guests != NULL && json_object_is_type (guests, json_type_array)
              ? json_object_array_length (guests) : 0;
  if (n == 0)
    return g_string_free (out, FALSE);
  static const char *const headers[] = { "Name", "KSM", "Merged", "Profit", "QEMU pid", NULL };
  BallastTable *table = ballast_table_new (headers);
  for (gsize i = 0; i < n; i++)
    {
      json_object *guest = json_object_array_get_idx (guests, i);
      g_autofree char *merged = ballast_render_kib (guest, "merged_kib");
      g_autofree char *guest_profit = render_bytes (guest, "profit_bytes");
      g_autofree char *pid = render_int (guest, "qemu_pid", "");
      const char *cells[] = { ballast_json_get_string (guest, "name"), ballast_json_get_string (guest, "share"), merged,
                              guest_profit, pid };
      ballast_table_add_row (table, cells);
    }
  g_autofree char *table_text = ballast_table_free_to_string (table);
  g_string_append_c (out, '\n');
  g_string_append (out, table_text);
  return g_string_free (out, FALSE);
}
