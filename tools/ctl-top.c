/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `ballastctl top`: a refreshing full-screen view like virt-top, drawn with
 * ANSI escapes only (no curses): the host's figures over the list of
 * guests, every --delay seconds, until q or ctrl-c. When stdout is not a
 * terminal, plain frames one after the other, for scripts and tests. */
#include "ballastctl.h"

#include "duration.h"
#include "json-util.h"
#include "report-render.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DELAY_MSEC 2000
/* Faster than this only loads the daemon: it decides every few seconds. */
#define MIN_DELAY_MSEC 100

typedef struct {
  gboolean on_terminal;   /* stdout: full screen, redrawn in place */
  gboolean keys;          /* stdin: q and ctrl-c read raw */
  struct termios saved_termios;
  struct sigaction saved_actions[4];
} Screen;

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH };

/* Set from signal handlers, which can only reach globals. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t resized;

static void
on_signal (int signal_number)
{
  if (signal_number == SIGWINCH)
    resized = 1;
  else
    stop_requested = 1;
}

static void
write_string (const char *text)
{
  fputs (text, stdout);
  fflush (stdout);
}

static void
screen_enter (Screen *screen)
{
  stop_requested = 0;
  resized = 0;
  /* No SA_RESTART: a signal must wake the poll() between frames. */
  struct sigaction action = { .sa_handler = on_signal };
  sigemptyset (&action.sa_mask);
  for (gsize i = 0; i < G_N_ELEMENTS (handled_signals); i++)
    sigaction (handled_signals[i], &action, &screen->saved_actions[i]);

  if (screen->keys && tcgetattr (STDIN_FILENO, &screen->saved_termios) == 0)
    {
      /* Keys one at a time, unechoed, and ctrl-c as a byte: the terminal
       * is restored by us rather than left raw by a signal. */
      struct termios raw = screen->saved_termios;
      raw.c_lflag &= ~(tcflag_t) (ICANON | ECHO | ISIG);
      raw.c_cc[VMIN] = 1;
      raw.c_cc[VTIME] = 0;
      tcsetattr (STDIN_FILENO, TCSANOW, &raw);
    }
  else
    screen->keys = FALSE;
  if (screen->on_terminal)
    write_string ("\x1b[?1049h\x1b[?25l"); /* alternate screen, cursor hidden */
}

static void
screen_leave (Screen *screen)
{
  if (screen->on_terminal)
    write_string ("\x1b[?25h\x1b[?1049l");
  if (screen->keys)
    tcsetattr (STDIN_FILENO, TCSANOW, &screen->saved_termios);
  for (gsize i = 0; i < G_N_ELEMENTS (handled_signals); i++)
    sigaction (handled_signals[i], &screen->saved_actions[i], NULL);
}

/* ---- One frame ---- */

/* The host totals above the table: four lines, like virt-top's, and KSM's. */
static char *
render_header (const BallastStatusReport *status)
{
  GString *out = g_string_new (NULL);

  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");
  g_string_append_printf (out, "ballastctl top - %s - ballastd %s, %s - %s (%s%s)\n", clock,
                          status->version ?: "?", status->mode ?: "?",
                          status->connection.uri ?: "?", status->connection.state ?: "?",
                          status->connection.stalled ? ", libvirt not answering" : "");

  if (status->host.error != NULL)
    g_string_append_printf (out, "Budget: unknown: %s\n", status->host.error);
  else
    {
      g_autofree char *budget = ballast_render_kib_figure (status->host.budget_total_kib);
      g_autofree char *available = ballast_render_kib_figure (status->host.budget_available_kib);
      g_autofree char *reserve = ballast_render_kib_figure (status->host.reserve_kib);
      g_autofree char *slack = ballast_render_kib_figure (status->has_plan ? status->plan.slack_kib
                                                                           : BALLAST_FIGURE_UNKNOWN);
      const char *state = !status->has_plan ? "no decision yet"
                          : status->plan.emergency && status->plan.deficit_kib.value > 0
                            ? "short: EMERGENCY"
                            : ballast_render_slack_state (status);
      g_string_append_printf (out, "Budget: %s (%s)   Available: %s   Reserve: %s   Slack: %s (%s)",
                              budget, status->host.budget_source ?: "?", available, reserve,
                              slack, state);
      if (status->plan.arriving_kib.known && status->plan.arriving_kib.value > 0)
        {
          g_autofree char *arriving = ballast_render_kib_figure (status->plan.arriving_kib);
          g_string_append_printf (out, "   Arriving: %s", arriving);
        }
      if (status->host.swap_in_kib_per_sec.known && status->host.swap_in_kib_per_sec.value > 0)
        {
          g_autofree char *swap_in = ballast_render_kib_figure (status->host.swap_in_kib_per_sec);
          g_string_append_printf (out, "   Host swap-in: %s/s", swap_in);
        }
      g_string_append_c (out, '\n');
    }

  gint64 ratio = status->overcommit.ratio_permille.value;
  g_string_append_printf (out, "Overcommit: %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT
                          " (mode %s, %s)", ratio / 1000, ratio % 1000 / 10,
                          status->overcommit.mode ?: "?",
                          status->overcommit.shrink_allowed ? "shrinking allowed"
                                                            : "gated: giving back only");
  BallastFigure psi = status->host.psi_some_avg10_centipct;
  if (psi.known)
    g_string_append_printf (out, "   PSI some: %" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT "%%",
                            psi.value / 100, psi.value % 100);
  g_string_append_c (out, '\n');

  gint64 duration = status->cycles.last_duration_usec.value;
  g_string_append_printf (out, "Guests: %" G_GINT64_FORMAT " running", status->guests.running.value);
  for (gsize i = 0; i < G_N_ELEMENTS (status->guests.by_status); i++)
    if (i == 0 || status->guests.by_status[i].count.known)
      g_string_append_printf (out, "%s%" G_GINT64_FORMAT " %s", i == 0 ? ": " : ", ",
                              status->guests.by_status[i].count.value,
                              status->guests.by_status[i].status ?: "?");
  g_string_append_printf (out, "   Cycles: %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " skipped), last %"
                          G_GINT64_FORMAT ".%03" G_GINT64_FORMAT " ms\n", status->cycles.completed.value,
                          status->cycles.skipped.value, duration / 1000, duration % 1000);
  if (status->has_ksm)
    {
      g_autofree char *summary = ballast_render_ksm_summary (&status->ksm);
      g_string_append_printf (out, "KSM: %s\n", summary);
    }
  return g_string_free (out, FALSE);
}

/* Fetch status and the running guests. */
static gboolean
fetch (Ctl *ctl, json_object **ret_status, json_object **ret_list, GError **error)
{
  g_autoptr(json_object) status = ctl_call (ctl, "status", NULL, error);
  if (status == NULL)
    return FALSE;
  g_autoptr(json_object) list = ctl_call (ctl, "list", NULL, error);
  if (list == NULL)
    return FALSE;
  *ret_status = g_steal_pointer (&status);
  *ret_list = g_steal_pointer (&list);
  return TRUE;
}

static guint
terminal_size (guint *ret_rows)
{
  struct winsize size;
  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0)
    {
      *ret_rows = size.ws_row;
      return size.ws_col;
    }
  *ret_rows = 24;
  return 80;
}

/* FRAME over the whole screen: from the top left, each row cut to the
 * width and cleared to its end, the rows below cleared, nothing scrolled. */
static void
draw_in_place (const char *frame)
{
  guint rows;
  guint columns = terminal_size (&rows);
  g_auto(GStrv) lines = g_strsplit (frame, "\n", -1);
  GString *out = g_string_new ("\x1b[H");
  for (guint i = 0; lines[i] != NULL && i < rows; i++)
    {
      const char *line = lines[i];
      const char *end = line;
      for (guint column = 0; *end != '\0' && column < columns; column++)
        end = g_utf8_next_char (end);
      g_string_append_len (out, line, end - line);
      g_string_append (out, "\x1b[K");
      if (lines[i + 1] != NULL && i + 1 < rows)
        g_string_append (out, "\r\n");
    }
  g_string_append (out, "\x1b[J");
  fwrite (out->str, 1, out->len, stdout);
  fflush (stdout);
  g_string_free (out, TRUE);
}

/* Wait DELAY_MSEC for the next frame. Returns FALSE when told to quit (q,
 * ctrl-c, a signal); any other key refreshes at once. */
static gboolean
wait_for_next_frame (Screen *screen, guint delay_msec)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) delay_msec * 1000;
  for (;;)
    {
      if (stop_requested)
        return FALSE;
      gint64 left_msec = (deadline - g_get_monotonic_time ()) / 1000;
      if (left_msec <= 0)
        return TRUE;
      struct pollfd key = { .fd = STDIN_FILENO, .events = POLLIN };
      int ready = poll (&key, screen->keys ? 1 : 0, (int) left_msec);
      if (ready < 0 && errno == EINTR)
        {
          if (resized)
            {
              resized = 0;
              return TRUE; /* redraw for the new size now */
            }
          continue;
        }
      if (ready < 0)
        return FALSE;
      if (ready == 0)
        return TRUE;
      char c;
      if (read (STDIN_FILENO, &c, 1) != 1)
        {
          screen->keys = FALSE; /* stdin closed: wait out the delay */
          continue;
        }
      return !(c == 'q' || c == 'Q' || c == 0x03);
    }
}

/* Returns FALSE, with ERROR set, when not even the first frame could be
 * fetched. */
static gboolean
run_top (Ctl *ctl, Screen *screen, guint delay_msec, guint64 iterations, GError **ret_error)
{
  for (guint64 frame_number = 1;; frame_number++)
    {
      g_autoptr(json_object) status = NULL;
      g_autoptr(json_object) list = NULL;
      g_autoptr(GError) error = NULL;
      if (!fetch (ctl, &status, &list, &error))
        {
          /* Nothing to show yet: say why and go. Later, ballastd may be
           * restarting: keep the screen and try again next time. */
          if (frame_number == 1)
            {
              g_propagate_error (ret_error, g_steal_pointer (&error));
              return FALSE;
            }
          if (screen->on_terminal)
            {
              g_autofree char *text = g_strdup_printf ("ballastctl top: %s (retrying every %u.%u s; q quits)\n",
                                                       error->message, delay_msec / 1000,
                                                       delay_msec % 1000 / 100);
              draw_in_place (text);
            }
          else
            g_printerr ("error: %s\n", error->message);
        }
      else if (ctl->json)
        {
          g_autoptr(json_object) frame = json_object_new_object ();
          json_object_object_add (frame, "time_usec", json_object_new_int64 (g_get_real_time ()));
          json_object_object_add (frame, "status", g_steal_pointer (&status));
          json_object_object_add (frame, "list", g_steal_pointer (&list));
          printf ("%s\n", json_object_to_json_string_ext (frame, JSON_C_TO_STRING_PLAIN
                                                                   | JSON_C_TO_STRING_NOSLASHESCAPE));
          fflush (stdout);
        }
      else
        {
          g_auto(BallastStatusReport) status_report;
          ballast_status_report_from_json (status, &status_report);
          g_autoptr(GPtrArray) domains = ballast_domain_reports_from_list_json (list);
          g_autofree char *header = render_header (&status_report);
          g_autofree char *table = ballast_render_domain_reports (domains, FALSE);
          g_autofree char *frame = g_strconcat (header, "\n", table, NULL);
          if (screen->on_terminal)
            draw_in_place (frame);
          else
            {
              /* Plain frames, a blank line between them. */
              printf ("%s%s", frame_number > 1 ? "\n" : "", frame);
              fflush (stdout);
            }
        }
      if (iterations > 0 && frame_number >= iterations)
        return TRUE;
      if (!wait_for_next_frame (screen, delay_msec))
        return TRUE;
    }
}

static int
cmd_top (Ctl *ctl, int argc, char **argv)
{
  CommandOption options[] = { { "delay", TRUE }, { "iterations", TRUE } };
  int status = ctl_parse_args ("top", argc, argv, options, G_N_ELEMENTS (options), NULL, 0);
  if (status != EXIT_OK)
    return status;
  guint delay_msec = DEFAULT_DELAY_MSEC;
  if (options[0].present)
    {
      g_autoptr(GError) error = NULL;
      if (!ballast_interval_parse_msec (options[0].value, &delay_msec, &error))
        return ctl_usage_error ("top", "--delay: %s", error->message);
      if (delay_msec < MIN_DELAY_MSEC)
        return ctl_usage_error ("top", "--delay: at least 0.1 seconds");
    }
  guint64 iterations = 0;
  if (options[1].present
      && !g_ascii_string_to_unsigned (options[1].value, 10, 1, G_MAXUINT32, &iterations, NULL))
    return ctl_usage_error ("top", "--iterations '%s' is not a number from 1 to %u",
                            options[1].value, G_MAXUINT32);

  Screen screen = {
    .on_terminal = isatty (STDOUT_FILENO) && !ctl->json,
    .keys = isatty (STDIN_FILENO),
  };
  g_autoptr(GError) error = NULL;
  screen_enter (&screen);
  gboolean ok = run_top (ctl, &screen, delay_msec, iterations, &error);
  screen_leave (&screen);
  return ok ? EXIT_OK : ctl_fail (error);
}

const Command ctl_top_command = {
  "top", "top [--delay SECONDS] [--iterations N]",
  "a refreshing view of the host and its guests, like virt-top (q quits)", cmd_top,
};
