/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ballastd: keeps libvirt guests' balloons where the memory is needed. */
#include "config.h"

#include "daemon-config.h"
#include "daemon.h"
#include "libvirt-util.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <sys/resource.h>

typedef struct {
  char *config_path;
  char *connect;
  char *interval;
  char *stats_period;
  char *driver_wait;
  char *overcommit;
  char *reserve;
  char *budget;
  char *cgroup_partition;
  char *socket;
  char *socket_max_per_uid;
  char *socket_idle_timeout;
  char *socket_request_timeout;
  char *socket_admin_group;
  char *policy;
  char *metrics_textfile;
  char *record;
  char *on_exit;
  char *on_exit_timeout;
  gboolean dry_run;
  gboolean once;
  gboolean foreground;
  gboolean verbose;
  gboolean version;
} Options;

static void
options_clear (Options *options)
{
  g_free (options->config_path);
  g_free (options->connect);
  g_free (options->interval);
  g_free (options->stats_period);
  g_free (options->driver_wait);
  g_free (options->overcommit);
  g_free (options->reserve);
  g_free (options->budget);
  g_free (options->cgroup_partition);
  g_free (options->socket);
  g_free (options->socket_max_per_uid);
  g_free (options->socket_idle_timeout);
  g_free (options->socket_request_timeout);
  g_free (options->socket_admin_group);
  g_free (options->policy);
  g_free (options->metrics_textfile);
  g_free (options->record);
  g_free (options->on_exit);
  g_free (options->on_exit_timeout);
}

/* Command-line values override the config file, key by key, through the
 * same setter so both accept the same spellings. */
static gboolean
apply_options (BallastDaemonConfig *config, const Options *options, GError **error)
{
  const struct {
    const char *key;
    const char *value;
  } settings[] = {
    { "connect", options->connect },
    { "interval", options->interval },
    { "stats-period", options->stats_period },
    { "driver-wait", options->driver_wait },
    { "overcommit", options->overcommit },
    { "reserve", options->reserve },
    { "budget", options->budget },
    { "cgroup-partition", options->cgroup_partition },
    { "socket", options->socket },
    { "socket-max-per-uid", options->socket_max_per_uid },
    { "socket-idle-timeout", options->socket_idle_timeout },
    { "socket-request-timeout", options->socket_request_timeout },
    { "socket-admin-group", options->socket_admin_group },
    { "policy", options->policy },
    { "metrics-textfile", options->metrics_textfile },
    { "record", options->record },
    { "on-exit", options->on_exit },
    { "on-exit-timeout", options->on_exit_timeout },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (settings[i].value == NULL)
        continue;
      g_autoptr(GError) local_error = NULL;
      if (!ballast_daemon_config_set (config, settings[i].key, settings[i].value, &local_error))
        {
          g_set_error (error, local_error->domain, local_error->code, "--%s", local_error->message);
          return FALSE;
        }
    }
  if (options->dry_run)
    config->dry_run = TRUE;
  return TRUE;
}

/* The soft limit on open files is 1024 by default because select()
 * cannot watch descriptors above that; GLib and libvirt poll() and are
 * not bound by it. Raised to the hard limit, as systemd advises such
 * programs to do, the control socket can serve its clients and still keep
 * descriptors for privileged ones (control-server.c). */
static void
raise_fd_limit (void)
{
  struct rlimit limit;
  if (getrlimit (RLIMIT_NOFILE, &limit) < 0 || limit.rlim_cur >= limit.rlim_max)
    return;
  rlim_t was = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) < 0)
    g_message ("cannot raise the open files limit from %llu to %llu: %s", (unsigned long long) was,
               (unsigned long long) limit.rlim_max, g_strerror (errno));
}

int
main (int argc, char **argv)
{
  Options options = { 0 };
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "config", 'f', 0, G_OPTION_ARG_FILENAME, &options.config_path,
      "Configuration file (default " BALLAST_SYSCONFDIR "/ballastd.conf if it exists)", "FILE" },
    { "connect", 'c', 0, G_OPTION_ARG_STRING, &options.connect,
      "libvirt URI (default qemu:///system)", "URI" },
    { "interval", 'i', 0, G_OPTION_ARG_STRING, &options.interval,
      "Seconds between cycles (default 5; decimals, or a unit: 250ms, 1.5m)", "SECONDS" },
    { "stats-period", 0, 0, G_OPTION_ARG_STRING, &options.stats_period,
      "Balloon stats period to set on guests that have none (default 5)", "SECONDS" },
    { "driver-wait", 0, 0, G_OPTION_ARG_STRING, &options.driver_wait,
      "How long a running guest's balloon driver has to report before the guest is no-driver "
      "(default 120)", "SECONDS" },
    { "overcommit", 0, 0, G_OPTION_ARG_STRING, &options.overcommit,
      "auto (only with EPT/NPT), on, or off (default auto)", "MODE" },
    { "reserve", 'r', 0, G_OPTION_ARG_STRING, &options.reserve,
      "Memory kept free for the host, a size (2G) or a percent of the budget (15%) "
      "(default max(10%, 1G))", "SIZE" },
    { "budget", 0, 0, G_OPTION_ARG_STRING, &options.budget,
      "What the guests may use: meminfo (the host) or cgroup (libvirt's machine partition)", "SOURCE" },
    { "cgroup-partition", 0, 0, G_OPTION_ARG_STRING, &options.cgroup_partition,
      "The guests' cgroup below the hierarchy root (default machine.slice or machine)", "PATH" },
    { "socket", 's', 0, G_OPTION_ARG_FILENAME, &options.socket,
      "Control socket (default " BALLAST_RUNSTATEDIR "/ballast/ballastd.sock)", "PATH" },
    { "socket-max-per-uid", 0, 0, G_OPTION_ARG_STRING, &options.socket_max_per_uid,
      "Connections one unprivileged uid may hold on the control socket (default 16)", "N" },
    { "socket-idle-timeout", 0, 0, G_OPTION_ARG_STRING, &options.socket_idle_timeout,
      "Drop a control client that sends nothing for this long (default 60)", "SECONDS" },
    { "socket-request-timeout", 0, 0, G_OPTION_ARG_STRING, &options.socket_request_timeout,
      "Drop a control client whose request line takes longer (default 10)", "SECONDS" },
    { "socket-admin-group", 0, 0, G_OPTION_ARG_STRING, &options.socket_admin_group,
      "Group whose members may change things and are never limited (default ballast; "
      "empty: none)", "GROUP" },
    { "policy", 'p', 0, G_OPTION_ARG_FILENAME, &options.policy,
      "Policy file (default " BALLAST_SYSCONFDIR "/policy.xml if it exists, else built-in defaults)", "FILE" },
    { "record", 0, 0, G_OPTION_ARG_FILENAME, &options.record,
      "Append what the policy saw and decided each cycle to FILE, one JSON line per cycle, "
      "for replay with ballast-sim", "FILE" },
    { "metrics-textfile", 0, 0, G_OPTION_ARG_FILENAME, &options.metrics_textfile,
      "Write Prometheus metrics to FILE after each cycle (node-exporter's textfile collector)", "FILE" },
    { "on-exit", 0, 0, G_OPTION_ARG_STRING, &options.on_exit,
      "On SIGTERM/SIGINT: keep the balloons as they are, or restore the guests' memory "
      "as far as the host can afford before exiting (default keep)", "keep|restore" },
    { "on-exit-timeout", 0, 0, G_OPTION_ARG_STRING, &options.on_exit_timeout,
      "The most seconds on-exit=restore may take (default 30)", "SECONDS" },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &options.dry_run,
      "Decide and log, but never change a balloon", NULL },
    { "once", '1', 0, G_OPTION_ARG_NONE, &options.once,
      "Run one cycle, print the decisions, and exit", NULL },
    { "foreground", 'F', 0, G_OPTION_ARG_NONE, &options.foreground,
      "Stay in the foreground (ballastd never forks; accepted for compatibility)", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options.verbose, "Log debug messages", NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &options.version, "Print the version and exit", NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  g_autoptr(GOptionContext) context = g_option_context_new ("- balance libvirt guests' memory balloons");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Settings come from the built-in defaults, then the configuration file, then the\n"
    "command line. See ballastd(8).\n");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ballastd: %s\nTry 'ballastd --help'.\n", error->message);
      options_clear (&options);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("ballastd: unexpected argument '%s'\nTry 'ballastd --help'.\n", argv[1]);
      options_clear (&options);
      return 2;
    }
  if (options.version)
    {
      printf ("ballastd %s\n", BALLAST_VERSION);
      options_clear (&options);
      return 0;
    }
  if (options.verbose)
    g_log_set_debug_enabled (TRUE);

  BallastDaemonConfig config;
  ballast_daemon_config_init (&config);
  g_autofree char *default_config = g_build_filename (BALLAST_SYSCONFDIR, "ballastd.conf", NULL);
  const char *config_path = options.config_path;
  if (config_path == NULL && g_file_test (default_config, G_FILE_TEST_EXISTS))
    config_path = default_config;
  int status = 0;
  if ((config_path != NULL && !ballast_daemon_config_load_file (&config, config_path, &error))
      || !apply_options (&config, &options, &error))
    {
      g_printerr ("ballastd: %s\n", error->message);
      status = 2;
      goto out;
    }

  raise_fd_limit ();
  ballast_libvirt_init ();
  if (virEventRegisterDefaultImpl () < 0)
    {
      g_printerr ("ballastd: cannot register libvirt's event loop: %s\n", virGetLastErrorMessage ());
      status = 1;
      goto out;
    }

  {
    g_autoptr(BallastPaths) paths = ballast_paths_new_default ();
    BallastRunOptions run_options = { .once = options.once };
    g_autoptr(BallastDaemon) daemon = ballast_daemon_new (&config, paths, &run_options, &error);
    if (daemon == NULL)
      {
        g_printerr ("ballastd: %s\n", error->message);
        status = 1;
        goto out;
      }
    status = ballast_daemon_run (daemon);
  }

out:
  ballast_daemon_config_clear (&config);
  options_clear (&options);
  return status;
}
