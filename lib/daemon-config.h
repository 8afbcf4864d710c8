/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "overcommit-gate.h"
#include "size-units.h"

G_BEGIN_DECLS

typedef enum {
  BALLAST_BUDGET_MEMINFO, /* the whole host: /proc/meminfo */
  BALLAST_BUDGET_CGROUP,  /* the guests' cgroup limit (libvirt's machine partition) */
} BallastBudgetSource;

/* What ballastd does with the balloons when it is stopped (SIGTERM,
 * SIGINT); see daemon/exit-policy.h. */
typedef enum {
  BALLAST_ON_EXIT_KEEP,    /* leave every balloon where it is */
  BALLAST_ON_EXIT_RESTORE, /* first give memory back, as far as the host
                            * can afford, for at most on_exit_timeout_sec */
} BallastOnExit;

/* ballastd's settings: built-in defaults, then the config file
 * (/etc/ballast/ballastd.conf, GKeyFile group [ballastd]), then the
 * command line; each later source wins. */
typedef struct {
  char *uri;                      /* connect */
  guint interval_msec;            /* interval: seconds between cycles, decimals allowed */
  guint stats_period_sec;         /* stats-period: set on balloons that have none */
  guint driver_wait_sec;          /* driver-wait: how long a running guest's balloon
                                   * driver has to report before the guest is no-driver */
  gboolean dry_run;               /* dry-run */
  gboolean overcommit_set;        /* overcommit given (else the policy's) */
  BallastOvercommitMode overcommit; /* overcommit: auto|on|off */
  gboolean reserve_set;           /* reserve given (else the policy default) */
  BallastAmount reserve;          /* reserve: "2G" or "15%" */
  gboolean budget_set;            /* budget given (else the policy's) */
  BallastBudgetSource budget;     /* budget: meminfo|cgroup */
  char *cgroup_partition;         /* cgroup-partition: NULL tries machine.slice, machine */
  char *socket_path;              /* socket */
  guint socket_max_per_uid;       /* socket-max-per-uid: connections one unprivileged
                                   * uid may hold on the control socket */
  guint socket_idle_timeout_sec;  /* socket-idle-timeout: a client that sends nothing
                                   * for this long is dropped */
  guint socket_request_timeout_sec; /* socket-request-timeout: the most a request line
                                     * may take to arrive, from its first byte */
  char *socket_admin_group;       /* socket-admin-group: its members may change things
                                   * and are never limited; NULL (empty in the file): none */
  char *policy_path;              /* policy: the XML policy file; NULL: the default
                                   * path if it exists, else built-in defaults */
  char *record_path;              /* record: append one trace line per cycle
                                   * (lib/trace-record.h) for ballast-sim; NULL: none */
  char *metrics_textfile;         /* metrics-textfile: Prometheus text written after
                                   * each cycle (node-exporter's textfile collector);
                                   * NULL (or empty in the file): none */
  BallastOnExit on_exit;          /* on-exit: keep|restore */
  guint on_exit_timeout_sec;      /* on-exit-timeout: the most a restore may take */
} BallastDaemonConfig;

void ballast_daemon_config_init (BallastDaemonConfig *config);
void ballast_daemon_config_clear (BallastDaemonConfig *config);

/* Apply the [ballastd] group of a key file's TEXT; FILE_NAME names it in
 * errors. Unknown keys are errors (a typo must not silently do nothing). */
gboolean ballast_daemon_config_load_text (BallastDaemonConfig *config, const char *text,
                                          const char *file_name, GError **error);
gboolean ballast_daemon_config_load_file (BallastDaemonConfig *config, const char *path,
                                          GError **error);

/* Apply one setting by its key name (shared by the file and the command
 * line, so both accept the same spellings). */
gboolean ballast_daemon_config_set (BallastDaemonConfig *config, const char *key,
                                    const char *value, GError **error);

G_END_DECLS
