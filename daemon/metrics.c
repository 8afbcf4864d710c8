/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "metrics.h"

#include "config.h"

#include "ballast-error.h"
#include "control-server.h"
#include "daemon-report.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* The host's and the guests' figures come from the same typed reports as
 * the `status` and `list` methods (daemon-report.c, lib/status-report.h),
 * so the views can never disagree on what "target" or "usable" means; the
 * counters come straight from their owners, and page sharing's from
 * lib/ksm-report.h's typed report, as `status` shows them. Values are
 * printed from integers with a fixed number of decimals: no float ever
 * rounds a byte count. */

#define KIB 1024

/* ---- Writing the exposition format ---- */

static void
append_family (GString *out, const char *name, const char *type, const char *help)
{
  /* HELP texts are our own literals, with no backslash or newline to escape. */
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with the format's three escapes: backslash, double quote
 * and newline. Domain names may hold the first two. */
static void
append_label_value (GString *out, const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\': g_string_append (out, "\\\\"); break;
        case '"': g_string_append (out, "\\\""); break;
        case '\n': g_string_append (out, "\\n"); break;
        default: g_string_append_c (out, *p); break;
        }
    }
}

static char *
label (const char *name, const char *value)
{
  GString *out = g_string_new (name);
  g_string_append (out, "=\"");
  append_label_value (out, value);
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

static void
append_sample_start (GString *out, const char *name, const char *labels)
{
  g_string_append (out, name);
  if (labels != NULL)
    g_string_append_printf (out, "{%s}", labels);
  g_string_append_c (out, ' ');
}

static void
append_int (GString *out, const char *name, const char *labels, gint64 value)
{
  append_sample_start (out, name, labels);
  g_string_append_printf (out, "%" G_GINT64_FORMAT "\n", value);
}

/* VALUE / 10^DECIMALS, printed exactly: usec as seconds (6), PSI
 * hundredths of a percent as a ratio (4), permille as a ratio (3). */
static void
append_fixed (GString *out, const char *name, const char *labels, gint64 value, guint decimals)
{
  gint64 scale = 1;
  for (guint i = 0; i < decimals; i++)
    scale *= 10;
  append_sample_start (out, name, labels);
  if (value < 0)
    {
      g_string_append_c (out, '-');
      value = -value;
    }
  g_string_append_printf (out, "%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT "\n", value / scale,
                          (int) decimals, value % scale);
}

/* ---- Reading page sharing's JSON ---- */

/* A size in KiB as a bytes gauge; nothing when it is unknown. */
static void
append_kib_family (GString *out, BallastFigure kib, const char *name, const char *help)
{
  if (!kib.known)
    return;
  append_family (out, name, "gauge", help);
  append_int (out, name, NULL, kib.value * KIB);
}

/* ---- The three parts ---- */

static void
append_daemon_info (GString *out, const BallastDaemonView *view)
{
  append_family (out, "ballast_build_info", "gauge", "ballastd's version, as a label; always 1.");
  g_autofree char *version = label ("version", BALLAST_VERSION);
  append_int (out, "ballast_build_info", version, 1);

  static const char *const modes[] = { "active", "dry-run", "paused" };
  const char *mode = view->mode;
  append_family (out, "ballast_mode", "gauge",
                 "1 for the mode ballastd is in (dry-run: decides, never changes; paused: by ballastctl pause).");
  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *labels = label ("mode", modes[i]);
      append_int (out, "ballast_mode", labels, g_strcmp0 (mode, modes[i]) == 0);
    }
}

static void
append_host (GString *out, const BallastStatusReport *report)
{
  const gboolean readable = report->host.readable;
  if (readable)
    {
      append_kib_family (out, report->host.mem_total_kib, "ballast_host_memory_total_bytes",
                         "MemTotal of the host (/proc/meminfo).");
      append_kib_family (out, report->host.mem_available_kib, "ballast_host_memory_available_bytes",
                         "MemAvailable of the host (/proc/meminfo).");
      append_kib_family (out, report->host.budget_total_kib, "ballast_host_budget_total_bytes",
                         "Memory the guests may use in all: the host's, or their cgroup's limit.");
      append_kib_family (out, report->host.budget_available_kib, "ballast_host_budget_available_bytes",
                         "Of the budget, what is free or cheaply reclaimable.");
      append_kib_family (out, report->host.budget_overflow_kib, "ballast_host_budget_overflow_bytes",
                         "Guest memory the cgroup budget pushed out to swap, owed on top of the reserve.");
      append_kib_family (out, report->host.reserve_kib, "ballast_host_reserve_bytes",
                         "Memory kept free for the host itself.");
      append_kib_family (out, report->host.swap_total_kib, "ballast_host_swap_total_bytes",
                         "The host's swap (SwapTotal).");
      append_kib_family (out, report->host.swap_used_kib, "ballast_host_swap_used_bytes",
                         "Of it, in use (SwapTotal - SwapFree).");
      append_kib_family (out, report->host.zswap_pool_kib, "ballast_host_zswap_pool_bytes",
                         "zswap's compressed pool in RAM (Zswap): counted as used.");
      if (report->host.swap_in_kib_per_sec.known)
        append_kib_family (out, report->host.swap_in_kib_per_sec, "ballast_host_swap_in_bytes_per_second",
                           "Pages the host reads back from swap (pswpin), per second.");
    }
  if (report->has_plan)
    {
      append_kib_family (out, report->plan.slack_kib, "ballast_host_slack_bytes",
                         "Available plus memory coming back from moving balloons, minus the reserve, the overflow and what is still to arrive; negative when short.");
      append_kib_family (out, report->plan.arriving_kib, "ballast_host_arriving_bytes",
                         "Memory guests migrating in will still take (each counted at its maximum until it reports).");
    }
  if (readable && report->host.psi_some_avg10_centipct.known)
    {
      append_family (out, "ballast_host_psi_memory_some_avg10_ratio", "gauge",
                     "Share of the last 10 s some task stalled on memory (/proc/pressure/memory).");
      append_fixed (out, "ballast_host_psi_memory_some_avg10_ratio", NULL,
                    report->host.psi_some_avg10_centipct.value, 4);
    }
  if (readable && report->host.psi_full_avg10_centipct.known)
    {
      append_family (out, "ballast_host_psi_memory_full_avg10_ratio", "gauge",
                     "Share of the last 10 s all tasks stalled on memory (/proc/pressure/memory).");
      append_fixed (out, "ballast_host_psi_memory_full_avg10_ratio", NULL,
                    report->host.psi_full_avg10_centipct.value, 4);
    }
  if (report->overcommit.ratio_permille.known)
    {
      append_family (out, "ballast_host_overcommit_ratio", "gauge",
                     "Sum of the running guests' maximum memory over the budget.");
      append_fixed (out, "ballast_host_overcommit_ratio", NULL,
                    report->overcommit.ratio_permille.value, 3);
    }
  append_family (out, "ballast_overcommit_hap_available", "gauge",
                 "1 when the host has hardware-assisted paging (EPT+VPID or NPT).");
  append_int (out, "ballast_overcommit_hap_available", NULL, report->overcommit.hap_available);
  append_family (out, "ballast_overcommit_shrink_allowed", "gauge",
                 "1 when the overcommit gate lets ballastd take memory from guests.");
  append_int (out, "ballast_overcommit_shrink_allowed", NULL, report->overcommit.shrink_allowed);

  append_family (out, "ballast_guests_running", "gauge", "Running guests.");
  append_int (out, "ballast_guests_running", NULL, report->guests.running.value);
  append_family (out, "ballast_guests", "gauge", "Running guests by how ballast regards them.");
  for (gsize s = 0; s < G_N_ELEMENTS (report->guests.by_status); s++)
    {
      g_autofree char *labels = label ("status", report->guests.by_status[s].status);
      append_int (out, "ballast_guests", labels, report->guests.by_status[s].count.value);
    }
}

typedef struct {
  const char *name;
  gsize offset;          /* of its BallastFigure in BallastDomainReport */
  gint64 multiplier;     /* to base units */
  const char *help;
} GuestGauge;

#define FIGURE(field) G_STRUCT_OFFSET (BallastDomainReport, field)

/* A family of the figure at OFFSET (a FIGURE ()) times MULTIPLIER, one
 * sample per guest that has it: for what only some guests have (page
 * sharing, autodeflate), so no family at all when none has it. */
static void
append_guest_figures (GString *out, GPtrArray *domains, const char *name, const char *type,
                      gsize offset, gint64 multiplier, const char *help)
{
  gboolean header = FALSE;
  for (guint i = 0; i < domains->len; i++)
    {
      const BallastDomainReport *domain = domains->pdata[i];
      BallastFigure figure = G_STRUCT_MEMBER (BallastFigure, domain, offset);
      if (!figure.known)
        continue;
      if (!header)
        append_family (out, name, type, help);
      header = TRUE;
      g_autofree char *labels = label ("domain", domain->name);
      append_int (out, name, labels, figure.value * multiplier);
    }
}

static const GuestGauge guest_gauges[] = {
  { "ballast_guest_max_bytes", FIGURE (max_kib), KIB, "The guest's maximum memory (<memory>)." },
  { "ballast_guest_current_bytes", FIGURE (current_kib), KIB, "What the guest has now: the balloon's size, plus what virtio-mem devices plugged." },
  { "ballast_guest_target_bytes", FIGURE (target_kib), KIB, "The size ballast decided (or last set): the balloon target, plus what virtio-mem devices plugged." },
  { "ballast_guest_used_bytes", FIGURE (used_kib), KIB, "Memory the guest uses: current minus usable." },
  { "ballast_guest_usable_bytes", FIGURE (usable_kib), KIB, "The guest's own MemAvailable, from its balloon driver." },
  { "ballast_guest_need_bytes", FIGURE (need_kib), KIB, "Used plus headroom: what ballast keeps the guest at." },
  { "ballast_guest_min_bytes", FIGURE (min_kib), KIB, "The guest's guaranteed minimum." },
  { "ballast_guest_returned_bytes", FIGURE (returned_kib), KIB,
    "Free page reporting only: memory the guest handed back by itself (max - QEMU RSS)." },
  { "ballast_guest_virtio_mem_size_bytes", FIGURE (virtio_mem_size_kib), KIB,
    "The most its virtio-mem devices can plug, summed." },
  { "ballast_guest_virtio_mem_requested_bytes", FIGURE (virtio_mem_requested_kib), KIB,
    "What its virtio-mem devices are asked to have plugged, summed." },
  { "ballast_guest_virtio_mem_plugged_bytes", FIGURE (virtio_mem_plugged_kib), KIB,
    "What the guest has plugged of its virtio-mem devices, summed (running guests)." },
  { "ballast_guest_virtio_mem_held_bytes", FIGURE (virtio_mem_held_kib), KIB,
    "What its virtio-mem devices are held at while an unplug the guest could not finish waits for its retry." },
  { "ballast_guest_balloon_bytes", FIGURE (balloon_kib), KIB,
    "The balloon's own size: current without what virtio-mem devices plugged (running guests)." },
  { "ballast_guest_shares", FIGURE (shares), 1, "The guest's weight when memory is shared out." },
  { "ballast_guest_swap_in_bytes_per_second", FIGURE (swap_in_kib_per_sec), KIB, "Swap-in rate inside the guest." },
  { "ballast_guest_major_faults_per_second", FIGURE (major_faults_per_sec), 1, "Major page fault rate inside the guest." },
};

static void
append_guests (GString *out, GPtrArray *domains)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < domains->len; i++)
    {
      const BallastDomainReport *domain = domains->pdata[i];
      g_ptr_array_add (labels, label ("domain", domain->name));
    }

  /* A family's samples must be contiguous: families outside, guests inside. */
  for (gsize g = 0; g < G_N_ELEMENTS (guest_gauges); g++)
    {
      append_family (out, guest_gauges[g].name, "gauge", guest_gauges[g].help);
      for (guint i = 0; i < domains->len; i++)
        {
          BallastFigure value = G_STRUCT_MEMBER (BallastFigure, domains->pdata[i], guest_gauges[g].offset);
          if (value.known)
            append_int (out, guest_gauges[g].name, labels->pdata[i],
                        value.value * guest_gauges[g].multiplier);
        }
    }

  /* Only guests with autodeflate can deflate on OOM. */
  append_guest_figures (out, domains, "ballast_guest_oom_deflations_total", "counter",
                        FIGURE (oom_deflations), 1,
                        "Times the guest deflated its balloon on an OOM (autodeflate), as ballastd saw it.");

  append_family (out, "ballast_guest_pressured", "gauge",
                 "1 when the guest swaps in, takes major faults or runs low on usable memory.");
  for (guint i = 0; i < domains->len; i++)
    {
      const char *pressure = ((const BallastDomainReport *) domains->pdata[i])->pressure;
      if (pressure != NULL)
        append_int (out, "ballast_guest_pressured", labels->pdata[i], g_strcmp0 (pressure, "none") != 0);
    }

  append_family (out, "ballast_guest_status", "gauge",
                 "1 for how ballast regards the guest: managed, unresponsive, excluded, fixed, partial-stats, no-driver, unmanaged or in-job.");
  for (guint i = 0; i < domains->len; i++)
    {
      const char *status = ((const BallastDomainReport *) domains->pdata[i])->status;
      for (int s = BALLAST_GUEST_MANAGED; s < BALLAST_N_GUEST_STATUSES; s++)
        {
          const char *name = ballast_guest_status_to_string (s);
          g_autofree char *status_label = label ("status", name);
          g_autofree char *both = g_strdup_printf ("%s,%s", (char *) labels->pdata[i], status_label);
          append_int (out, "ballast_guest_status", both, g_strcmp0 (status, name) == 0);
        }
    }
}

static void
append_counter (GString *out, const char *name, const char *help, guint64 value)
{
  append_family (out, name, "counter", help);
  append_int (out, name, NULL, (gint64) MIN (value, (guint64) G_MAXINT64));
}

static void
append_gauge (GString *out, const char *name, const char *help, gint64 value)
{
  append_family (out, name, "gauge", help);
  append_int (out, name, NULL, value);
}

static void
append_counters (GString *out, const BallastDaemonView *view)
{
  const BallastDaemonCounters *counters = view->counters;
  BallastSession *session = view->session;

  append_counter (out, "ballast_cycles_total", "Cycles completed.", counters->cycles);
  append_counter (out, "ballast_cycles_skipped_total",
                  "Cycles skipped because libvirt was still busy with the previous one.",
                  counters->cycles_skipped);
  append_family (out, "ballast_cycle_duration_seconds", "gauge", "How long the last cycle took.");
  append_fixed (out, "ballast_cycle_duration_seconds", NULL, counters->last_cycle_duration_usec, 6);
  append_family (out, "ballast_cycle_last_timestamp_seconds", "gauge",
                 "When the last cycle finished, in seconds since the epoch.");
  append_fixed (out, "ballast_cycle_last_timestamp_seconds", NULL, counters->last_cycle_wall_usec, 6);
  append_counter (out, "ballast_libvirt_calls_total", "Calls made to libvirt by the cycles.",
                  counters->libvirt_calls_total);
  append_counter (out, "ballast_balloon_changes_applied_total", "Balloon targets set through libvirt.",
                  counters->changes_applied);
  append_counter (out, "ballast_balloon_changes_failed_total", "Balloon targets libvirt refused.",
                  counters->changes_failed);
  append_gauge (out, "ballast_libvirt_connected", "1 while connected to libvirtd.",
                ballast_session_get_state (session) == BALLAST_SESSION_CONNECTED);
  append_counter (out, "ballast_libvirt_reconnects_total", "Connections to libvirtd made again after one was lost.",
                  ballast_session_get_reconnects (session));
  append_gauge (out, "ballast_libvirt_stalled", "1 while a cycle has waited on libvirt for over 10 s.",
                counters->libvirt_stalled);

  const BallastControlCounters *requests = view->control;
  if (requests == NULL)
    return; /* --once has no control socket */
  append_counter (out, "ballast_control_connections_total", "Connections accepted on the control socket.",
                  requests->connections);
  append_counter (out, "ballast_control_requests_total", "Requests received on the control socket.",
                  requests->requests);
  append_counter (out, "ballast_control_errors_total", "Requests answered with an error.", requests->errors);
  append_counter (out, "ballast_control_refused_total",
                  "Requests refused because the peer may only read.", requests->refused);
  append_family (out, "ballast_control_clients_dropped_total", "counter",
                 "Connections ballastd hung up on or turned away, by reason.");
  for (int reason = 0; reason < BALLAST_N_DROP_REASONS; reason++)
    {
      g_autofree char *labels = label ("reason", ballast_drop_reason_to_string (reason));
      append_int (out, "ballast_control_clients_dropped_total", labels,
                  (gint64) requests->dropped_by_reason[reason]);
    }
  append_gauge (out, "ballast_control_clients", "Clients connected to the control socket now.",
                requests->clients);
}

/* A gauge from FIGURE times MULTIPLIER; nothing when it is unknown (a
 * counter file this kernel does not have). */
static void
append_figure_gauge (GString *out, BallastFigure figure, const char *name, const char *type,
                     gint64 multiplier, const char *help)
{
  if (!figure.known)
    return;
  append_family (out, name, type, help);
  append_int (out, name, NULL, figure.value * multiplier);
}

/* Page sharing: from the same report `status` shows, and each guest's
 * share of `list`. */
static void
append_ksm (GString *out, const BallastStatusReport *status, GPtrArray *domain_reports)
{
  if (!status->has_ksm)
    return;
  const BallastKsmReport *ksm = &status->ksm;
  append_gauge (out, "ballast_ksm_available", "1 when ballastd can read KSM (sysfs, or libvirt for a remote host).",
                ksm->available);
  if (!ksm->available)
    return;
  if (ksm->run.known)
    append_gauge (out, "ballast_ksm_running", "1 while ksmd merges pages (run = 1).", ksm->run.value == 1);
  static const char *const modes[] = { "auto", "on", "off" };
  append_family (out, "ballast_ksm_mode", "gauge", "1 for the KSM mode in effect (policy, or ksm-set).");
  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autofree char *labels = label ("mode", modes[i]);
      append_int (out, "ballast_ksm_mode", labels, g_strcmp0 (ksm->mode, modes[i]) == 0);
    }
  append_figure_gauge (out, ksm->saved_kib, "ballast_ksm_saved_bytes", "gauge", KIB,
                       "Memory KSM saves: (pages_sharing + ksm_zero_pages) x page size; already counted as free by the kernel.");
  append_figure_gauge (out, ksm->general_profit_bytes, "ballast_ksm_general_profit_bytes", "gauge", 1,
                       "The kernel's general_profit: saved bytes minus KSM's own bookkeeping; may be negative.");
  append_figure_gauge (out, ksm->pages_shared, "ballast_ksm_pages_shared", "gauge", 1,
                       "KSM pages in use, one per merged content.");
  append_figure_gauge (out, ksm->pages_sharing, "ballast_ksm_pages_sharing", "gauge", 1,
                       "Further mappings of KSM pages: pages saved.");
  append_figure_gauge (out, ksm->pages_unshared, "ballast_ksm_pages_unshared", "gauge", 1,
                       "Unique pages KSM keeps checking.");
  append_figure_gauge (out, ksm->pages_volatile, "ballast_ksm_pages_volatile", "gauge", 1,
                       "Pages changing too fast to merge.");
  append_figure_gauge (out, ksm->ksm_zero_pages, "ballast_ksm_zero_pages", "gauge", 1,
                       "Empty pages KSM mapped to the zero page (use_zero_pages).");
  append_figure_gauge (out, ksm->full_scans, "ballast_ksm_full_scans_total", "counter", 1,
                       "Full scans of mergeable memory ksmd has made.");
  append_figure_gauge (out, ksm->pages_scanned, "ballast_ksm_pages_scanned_total", "counter", 1,
                       "Pages ksmd has scanned.");
  append_figure_gauge (out, ksm->pages_to_scan, "ballast_ksm_pages_to_scan", "gauge", 1,
                       "Pages ksmd scans per batch.");
  append_figure_gauge (out, ksm->sleep_millisecs, "ballast_ksm_sleep_milliseconds", "gauge", 1,
                       "ksmd's pause between batches.");
  if (ksm->ksmd_cpu_usec.known)
    {
      append_family (out, "ballast_ksmd_cpu_seconds_total", "counter", "CPU time ksmd has used: what KSM costs.");
      append_fixed (out, "ballast_ksmd_cpu_seconds_total", NULL, ksm->ksmd_cpu_usec.value, 6);
    }
  if (ksm->ksmd_cpu_permille.known)
    {
      append_family (out, "ballast_ksmd_cpu_ratio", "gauge", "Share of one CPU ksmd used over the last cycle.");
      append_fixed (out, "ballast_ksmd_cpu_ratio", NULL, ksm->ksmd_cpu_permille.value, 3);
    }
  append_figure_gauge (out, ksm->writes_total, "ballast_ksm_writes_total", "counter", 1,
                       "KSM settings ballastd has written.");
  append_figure_gauge (out, ksm->write_failures_total, "ballast_ksm_write_failures_total", "counter", 1,
                       "KSM writes that failed.");

  append_guest_figures (out, domain_reports, "ballast_guest_ksm_merged_bytes", "gauge",
                        FIGURE (ksm.merged_kib), KIB,
                        "Memory of the guest's QEMU mapped to KSM pages (ksm_merging_pages + its zero pages).");
  append_guest_figures (out, domain_reports, "ballast_guest_ksm_profit_bytes", "gauge",
                        FIGURE (ksm.profit_bytes), 1,
                        "The kernel's ksm_process_profit of the guest's QEMU; may be negative.");
}

char *
ballast_metrics_render (const BallastDaemonView *view)
{
  GString *out = g_string_new (NULL);
  g_auto(BallastStatusReport) status;
  ballast_daemon_status_report (view, &status);
  g_autoptr(GPtrArray) domains = ballast_daemon_domain_reports (view, TRUE);
  append_daemon_info (out, view);
  append_host (out, &status);
  append_guests (out, domains);
  append_counters (out, view);
  append_ksm (out, &status, domains);
  return g_string_free (out, FALSE);
}

gboolean
ballast_metrics_write_textfile (const BallastDaemonView *view, const char *path, GError **error)
{
  g_autofree char *text = ballast_metrics_render (view);
  g_autofree char *temporary = g_strconcat (path, ".tmp", NULL);
  /* No fsync: a file lost in a crash is rewritten by the next cycle, and
   * the rename alone is what keeps a reader from seeing half of one. */
  int fd = open (temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot write %s: %s", temporary,
                   g_strerror (saved_errno));
      return FALSE;
    }
  gsize length = strlen (text), written = 0;
  int saved_errno = 0;
  while (written < length)
    {
      ssize_t n = write (fd, text + written, length - written);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved_errno = errno;
          break;
        }
      written += (gsize) n;
    }
  if (close (fd) < 0 && saved_errno == 0)
    saved_errno = errno;
  if (saved_errno == 0 && rename (temporary, path) < 0)
    saved_errno = errno;
  if (saved_errno != 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot write %s: %s", path,
                   g_strerror (saved_errno));
      g_unlink (temporary);
      return FALSE;
    }
  return TRUE;
}
