/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "host-snapshot.h"

#include "ballast-error.h"

gboolean
ballast_host_snapshot_read (const BallastPaths *paths, BallastBudgetSource source,
                            const char *cgroup_dir, BallastCgroupVersion cgroup_version,
                            BallastHostSnapshot *ret_snapshot, GError **error)
{
  BallastHostSnapshot snapshot = { .budget_source = source };
  g_autoptr(GError) psi_error = NULL;

  if (!ballast_meminfo_read (paths, &snapshot.meminfo, error))
    return FALSE;
  snapshot.has_psi = ballast_psi_read_memory (paths, &snapshot.psi, &psi_error);
  if (!snapshot.has_psi && !g_error_matches (psi_error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED))
    g_debug ("PSI not used this cycle: %s", psi_error->message);

  /* Swap traffic is shown, not needed: without it the cycle goes on. */
  g_autoptr(GError) vmstat_error = NULL;
  snapshot.has_vmstat = ballast_vmstat_read (paths, &snapshot.vmstat, &vmstat_error)
                        && snapshot.vmstat.has_swap;
  if (vmstat_error != NULL)
    g_debug ("swap traffic not read this cycle: %s", vmstat_error->message);

  snapshot.budget_total_kib = snapshot.meminfo.mem_total_kib;
  snapshot.budget_available_kib = snapshot.meminfo.mem_available_kib;

  if (source == BALLAST_BUDGET_CGROUP)
    {
      if (cgroup_dir == NULL)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO,
                       "budget is 'cgroup' but the guests' cgroup was not found");
          return FALSE;
        }
      if (!ballast_cgroup_memory_read (cgroup_dir, cgroup_version, &snapshot.cgroup, error))
        return FALSE;
      snapshot.has_cgroup = TRUE;
      if (snapshot.cgroup.limited)
        {
          guint64 limit = snapshot.cgroup.limit_kib;
          guint64 free_in_cgroup = limit > snapshot.cgroup.working_set_kib
                                     ? limit - snapshot.cgroup.working_set_kib : 0;
          snapshot.budget_total_kib = MIN (limit, snapshot.budget_total_kib);
          snapshot.budget_available_kib = MIN (free_in_cgroup, snapshot.budget_available_kib);
          snapshot.budget_overflow_kib = snapshot.cgroup.swap_kib;
        }
    }
  *ret_snapshot = snapshot;
  return TRUE;
}
