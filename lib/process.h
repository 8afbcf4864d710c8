/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "path-context.h"

G_BEGIN_DECLS

/* Host processes ballast looks at: the kernel's ksmd thread (its CPU time is
 * what KSM costs) and the QEMU process of each guest (found through the pid
 * file libvirt writes). Every path below PATHS->proc_dir. */

/* The figures ballast uses from /proc/PID/stat. */
typedef struct {
  pid_t pid;
  char comm[64];          /* the name between the parentheses (the kernel keeps 15 bytes) */
  char state;             /* 'R', 'S', 'D', 'Z', ... */
  guint64 utime_ticks;    /* field 14, in clock ticks (sysconf (_SC_CLK_TCK)) */
  guint64 stime_ticks;    /* field 15 */
} BallastProcStat;

/* Parse the text of /proc/PID/stat:
 *   37 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 0 4321 0 0 25 5 1 0 27 ...
 * The name may itself hold spaces and parentheses ("(a) b)"), so the fields
 * are counted from the LAST ')'. Errors name the line ("stat line 1: ..."). */
gboolean ballast_proc_stat_parse (const char *text, BallastProcStat *ret_stat, GError **error);

/* Read PATHS->proc_dir/PID/stat. Fails with BALLAST_ERROR_MISSING when the
 * process is gone. */
gboolean ballast_proc_stat_read (const BallastPaths *paths, pid_t pid, BallastProcStat *ret_stat,
                                 GError **error);

/* TICKS of TICKS_PER_SEC (sysconf (_SC_CLK_TCK), 100 on Linux) in usec. */
guint64 ballast_proc_ticks_to_usec (guint64 ticks, long ticks_per_sec);

/* The lowest pid whose PATHS->proc_dir/PID/comm is COMM ("ksmd",
 * "ksmtuned"). Fails with BALLAST_ERROR_MISSING when there is none.
 * Reads one small file per process: call it once and keep the pid, then
 * check it with ballast_proc_cpu_usec_read(). */
gboolean ballast_proc_find_by_comm (const BallastPaths *paths, const char *comm, pid_t *ret_pid,
                                    GError **error);

/* The CPU time (user + system) process PID has used, in usec, after
 * checking it is still named EXPECTED_COMM (NULL: not checked): a pid
 * kept from an earlier cycle may now belong to another process, which
 * fails with BALLAST_ERROR_MISSING as a gone process does. */
gboolean ballast_proc_cpu_usec_read (const BallastPaths *paths, pid_t pid,
                                     const char *expected_comm, guint64 *ret_cpu_usec,
                                     GError **error);

/* Read RUN_DIR/NAME.pid, as libvirt's QEMU driver writes it for a running
 * domain (/run/libvirt/qemu/NAME.pid: the pid, no newline). NAME must not
 * contain '/' nor be "." or "..". Fails with BALLAST_ERROR_MISSING when the
 * file is absent (the domain is not running here), BALLAST_ERROR_PARSE when
 * it holds anything but one pid from 1 to 2^22 (the kernel's PID_MAX_LIMIT). */
gboolean ballast_pid_file_read (const char *run_dir, const char *name, pid_t *ret_pid,
                                GError **error);

G_END_DECLS
