/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "domain-job.h"

#include <libvirt/libvirt.h>

/* The states libvirt gives a domain during a job, and only those, say a
 * job runs. */
static void
test_from_state (void)
{
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION), ==,
                   BALLAST_JOB_MIGRATION);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY), ==,
                   BALLAST_JOB_MIGRATION);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_POSTCOPY), ==,
                   BALLAST_JOB_MIGRATION_IN);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SAVE), ==,
                   BALLAST_JOB_SAVE);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_DUMP), ==,
                   BALLAST_JOB_DUMP);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_SNAPSHOT), ==,
                   BALLAST_JOB_SNAPSHOT);
  /* Paused by the user, running after a migration, and numbers no libvirt
   * has: no job. */
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER), ==,
                   BALLAST_JOB_NONE);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED), ==,
                   BALLAST_JOB_NONE);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED), ==,
                   BALLAST_JOB_NONE);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_PAUSED_MIGRATION), ==,
                   BALLAST_JOB_NONE);
  g_assert_cmpint (ballast_job_from_state (VIR_DOMAIN_PAUSED, 9999), ==, BALLAST_JOB_NONE);
  g_assert_cmpint (ballast_job_from_state (-1, -1), ==, BALLAST_JOB_NONE);
}

static void
test_from_operation (void)
{
  g_assert_cmpint (ballast_job_from_operation (VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT), ==,
                   BALLAST_JOB_MIGRATION_OUT);
  g_assert_cmpint (ballast_job_from_operation (VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN), ==,
                   BALLAST_JOB_MIGRATION_IN);
  g_assert_cmpint (ballast_job_from_operation (VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE), ==,
                   BALLAST_JOB_SNAPSHOT);
  g_assert_cmpint (ballast_job_from_operation (VIR_DOMAIN_JOB_OPERATION_BACKUP), ==,
                   BALLAST_JOB_BACKUP);
  /* A job libvirt does not name is still a job. */
  g_assert_cmpint (ballast_job_from_operation (VIR_DOMAIN_JOB_OPERATION_UNKNOWN), ==,
                   BALLAST_JOB_UNKNOWN);
  g_assert_cmpint (ballast_job_from_operation (4242), ==, BALLAST_JOB_UNKNOWN);
  g_assert_cmpstr (ballast_job_describe (BALLAST_JOB_MIGRATION_OUT), ==, "outgoing migration");
  g_assert_cmpstr (ballast_job_describe (BALLAST_JOB_UNKNOWN), ==, "job");
}

/* A query naming the direction wins over a state that only says
 * "migration"; a query that knows nothing more keeps what was known. */
static void
test_refine (void)
{
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_NONE, BALLAST_JOB_MIGRATION), ==, BALLAST_JOB_MIGRATION);
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_MIGRATION, BALLAST_JOB_MIGRATION_IN), ==,
                   BALLAST_JOB_MIGRATION_IN);
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_MIGRATION_IN, BALLAST_JOB_MIGRATION), ==,
                   BALLAST_JOB_MIGRATION_IN);
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_MIGRATION_OUT, BALLAST_JOB_UNKNOWN), ==,
                   BALLAST_JOB_MIGRATION_OUT);
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_NONE, BALLAST_JOB_UNKNOWN), ==, BALLAST_JOB_UNKNOWN);
  g_assert_cmpint (ballast_job_refine (BALLAST_JOB_SAVE, BALLAST_JOB_NONE), ==, BALLAST_JOB_SAVE);
}

/* An arriving guest counts at its maximum less what is already resident,
 * never below 0 (QEMU's own memory makes RSS exceed the maximum). */
static void
test_arriving (void)
{
  g_assert_true (ballast_job_is_arriving (BALLAST_JOB_MIGRATION_IN));
  g_assert_true (ballast_job_is_arriving (BALLAST_JOB_RESTORE));
  g_assert_false (ballast_job_is_arriving (BALLAST_JOB_MIGRATION_OUT));
  g_assert_false (ballast_job_is_arriving (BALLAST_JOB_MIGRATION));
  g_assert_cmpuint (ballast_job_arriving_kib (1048576, 0), ==, 1048576);
  g_assert_cmpuint (ballast_job_arriving_kib (1048576, 262144), ==, 786432);
  g_assert_cmpuint (ballast_job_arriving_kib (1048576, 2000000), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-job/from-state", test_from_state);
  g_test_add_func ("/domain-job/from-operation", test_from_operation);
  g_test_add_func ("/domain-job/refine", test_refine);
  g_test_add_func ("/domain-job/arriving", test_arriving);
  return g_test_run ();
}
