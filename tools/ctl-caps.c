/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `ballastctl caps`: may this host overcommit, and why, check by check like
 * virt-host-validate. Local hosts are read from /proc and /sys; a remote
 * URI is read through libvirt's capabilities. */
#include "ballastctl.h"

#include "json-util.h"
#include "libvirt-util.h"
#include "overcommit-gate.h"

#include <stdio.h>

static BallastHapReport *
detect_remote (const char *uri, GError **error)
{
  ballast_libvirt_init ();
  g_autoptr(virConnect) conn = virConnectOpenReadOnly (uri);
  if (conn == NULL)
    {
      ballast_libvirt_set_error (error, "cannot connect to %s", uri);
      return NULL;
    }
  g_autofree char *caps = virConnectGetCapabilities (conn);
  if (caps == NULL)
    {
      ballast_libvirt_set_error (error, "cannot read the capabilities of %s", uri);
      return NULL;
    }
  /* No KVM on that host makes this fail; the verdict then says so. */
  g_autofree char *domcaps = virConnectGetDomainCapabilities (conn, NULL, NULL, NULL, "kvm", 0);
  return ballast_hap_detect_from_libvirt (caps, domcaps, error);
}

static int
cmd_caps (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("caps", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPaths) paths = ballast_paths_new_default ();
  gboolean remote = ctl->uri != NULL && ballast_uri_is_remote (ctl->uri);
  g_autoptr(BallastHapReport) report = remote ? detect_remote (ctl->uri, &error)
                                              : ballast_hap_detect (paths, &error);
  if (report == NULL)
    return ctl_fail (error);

  /* KSM is not part of the verdict, but belongs to the same question. */
  g_autofree char *ksm_run = g_build_filename (paths->sys_dir, "kernel", "mm", "ksm", "run", NULL);
  gboolean ksm = !remote && g_file_test (ksm_run, G_FILE_TEST_EXISTS);
  g_autofree char *auto_verdict = ballast_overcommit_describe (BALLAST_OVERCOMMIT_AUTO, report->hap_available);

  if (ctl->json)
    {
      g_autoptr(json_object) result = json_object_new_object ();
      json_object *checks = json_object_new_array ();
      for (guint i = 0; i < report->evidence->len; i++)
        {
          const BallastHapEvidence *evidence = report->evidence->pdata[i];
          json_object *check = json_object_new_object ();
          json_object_object_add (check, "check", json_object_new_string (evidence->check));
          json_object_object_add (check, "result",
                                  json_object_new_string (ballast_check_result_to_string (evidence->result)));
          json_object_object_add (check, "detail", json_object_new_string (evidence->detail));
          json_object_array_add (checks, check);
        }
      json_object_object_add (result, "source", json_object_new_string (remote ? ctl->uri : "local"));
      json_object_object_add (result, "checks", checks);
      json_object_object_add (result, "hap_available", json_object_new_boolean (report->hap_available));
      json_object_object_add (result, "ksm_available", remote ? NULL : json_object_new_boolean (ksm));
      json_object_object_add (result, "verdict", json_object_new_string (auto_verdict));
      printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE));
      return EXIT_OK;
    }

  for (guint i = 0; i < report->evidence->len; i++)
    {
      const BallastHapEvidence *evidence = report->evidence->pdata[i];
      g_autofree char *label = g_strdup_printf ("Checking for %s", evidence->check);
      printf ("ballast: %-52s: %s (%s)\n", label, ballast_check_result_to_string (evidence->result),
              evidence->detail);
    }
  if (!remote)
    printf ("ballast: %-52s: %s (%s)\n", "Checking for KSM page sharing", ksm ? "PASS" : "WARN",
            ksm ? ksm_run : "no /sys/kernel/mm/ksm: the kernel has no KSM");
  printf ("\nVerdict: %s\n", auto_verdict);
  return EXIT_OK;
}

const Command ctl_caps_command = {
  "caps", "caps", "may this host overcommit? hardware-assisted paging, KVM, KSM, check by check", cmd_caps
};
