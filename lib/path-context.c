/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "path-context.h"

static char *
dir_from_env (const char *variable, const char *fallback)
{
  const char *value = g_getenv (variable);
  return g_strdup (value != NULL && *value != '\0' ? value : fallback);
}

BallastPaths *
ballast_paths_new_default (void)
{
  BallastPaths *paths = g_new0 (BallastPaths, 1);
  paths->proc_dir = dir_from_env ("BALLAST_PROC_DIR", "/proc");
  paths->sys_dir = dir_from_env ("BALLAST_SYS_DIR", "/sys");
  paths->cgroup_dir = dir_from_env ("BALLAST_CGROUP_DIR", "/sys/fs/cgroup");
  paths->run_dir = dir_from_env ("BALLAST_RUN_DIR", "/run");
  return paths;
}

BallastPaths *
ballast_paths_new_rooted (const char *root)
{
  BallastPaths *paths = g_new0 (BallastPaths, 1);
  paths->proc_dir = g_build_filename (root, "proc", NULL);
  paths->sys_dir = g_build_filename (root, "sys", NULL);
  paths->cgroup_dir = g_build_filename (root, "sys", "fs", "cgroup", NULL);
  paths->run_dir = g_build_filename (root, "run", NULL);
  return paths;
}

BallastPaths *
ballast_paths_copy (const BallastPaths *paths)
{
  BallastPaths *copy = g_new0 (BallastPaths, 1);
  copy->proc_dir = g_strdup (paths->proc_dir);
  copy->sys_dir = g_strdup (paths->sys_dir);
  copy->cgroup_dir = g_strdup (paths->cgroup_dir);
  copy->run_dir = g_strdup (paths->run_dir);
  return copy;
}

void
ballast_paths_free (BallastPaths *paths)
{
  if (paths == NULL)
    return;
  g_free (paths->proc_dir);
  g_free (paths->sys_dir);
  g_free (paths->cgroup_dir);
  g_free (paths->run_dir);
  g_free (paths);
}
