/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where the host's pseudo-filesystems live. Every reader in libballast takes
 * one of these instead of hard-coding /proc or /sys, so tests (and operators
 * debugging a capture) can point it at a fixture tree. */
typedef struct {
  char *proc_dir;   /* default "/proc" */
  char *sys_dir;    /* default "/sys" */
  char *cgroup_dir; /* default "/sys/fs/cgroup" */
  char *run_dir;    /* default "/run": libvirt's pid files are below it */
} BallastPaths;

/* The defaults, each overridable by the environment variable
 * BALLAST_PROC_DIR, BALLAST_SYS_DIR, BALLAST_CGROUP_DIR or BALLAST_RUN_DIR. */
BallastPaths *ballast_paths_new_default (void);

/* All below one root: ROOT/proc, ROOT/sys, ROOT/sys/fs/cgroup, ROOT/run. */
BallastPaths *ballast_paths_new_rooted (const char *root);

BallastPaths *ballast_paths_copy (const BallastPaths *paths);
void ballast_paths_free (BallastPaths *paths);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastPaths, ballast_paths_free)

G_END_DECLS
