/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The overcommit gate for hosts read through libvirt (remote URIs): the
 * real capture from this project's test host (AMD without svm), and
 * synthesized Intel/AMD hosts with and without hardware-assisted paging. */
#include "overcommit-gate.h"

static char *
read_fixture (const char *name)
{
  g_autofree char *path = g_build_filename (BALLAST_FIXTURES_DIR, "libvirt", name, NULL);
  char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static BallastHapReport *
detect (const char *caps_name, const char *domcaps_name)
{
  g_autofree char *caps = read_fixture (caps_name);
  g_autofree char *domcaps = domcaps_name != NULL ? read_fixture (domcaps_name) : NULL;
  g_autoptr(GError) error = NULL;
  BallastHapReport *report = ballast_hap_detect_from_libvirt (caps, domcaps, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  return report;
}

static const BallastHapEvidence *
evidence (const BallastHapReport *report, const char *check)
{
  for (guint i = 0; i < report->evidence->len; i++)
    {
      const BallastHapEvidence *item = report->evidence->pdata[i];
      if (g_strcmp0 (item->check, check) == 0)
        return item;
    }
  g_error ("no evidence for '%s'", check);
  return NULL;
}

static void
test_real_amd_without_svm (void)
{
  g_autoptr(BallastHapReport) report = detect ("capabilities-amd-no-svm.xml",
                                               "domcapabilities-qemu-tcg.xml");
  g_assert_false (report->hap_available);
  g_assert_false (report->cpu_virtualization);
  g_assert_cmpint (report->vendor, ==, BALLAST_CPU_VENDOR_AMD);
  g_assert_cmpint (evidence (report, "hardware virtualization")->result, ==, BALLAST_CHECK_FAIL);
  g_assert_cmpint (evidence (report, "hardware-assisted paging")->result, ==, BALLAST_CHECK_FAIL);
}

static void
test_intel_with_ept_and_vpid (void)
{
  g_autoptr(BallastHapReport) report = detect ("capabilities-intel-vmx.synth.xml",
                                               "domcapabilities-intel-ept.synth.xml");
  g_assert_true (report->hap_available);
  g_assert_cmpint (report->vendor, ==, BALLAST_CPU_VENDOR_INTEL);
  g_assert_cmpint (evidence (report, "EPT")->result, ==, BALLAST_CHECK_PASS);
  g_assert_cmpint (evidence (report, "VPID")->result, ==, BALLAST_CHECK_PASS);
  g_assert_cmpint (evidence (report, "KVM")->result, ==, BALLAST_CHECK_PASS);
}

static void
test_intel_with_ept_disabled (void)
{
  g_autoptr(BallastHapReport) report = detect ("capabilities-intel-vmx.synth.xml",
                                               "domcapabilities-intel-no-ept.synth.xml");
  g_assert_false (report->hap_available);
  g_assert_cmpint (evidence (report, "EPT")->result, ==, BALLAST_CHECK_FAIL);
  g_assert_cmpint (evidence (report, "VPID")->result, ==, BALLAST_CHECK_PASS);
}

static void
test_intel_without_kvm_domcaps (void)
{
  g_autoptr(BallastHapReport) report = detect ("capabilities-intel-vmx.synth.xml", NULL);
  g_assert_false (report->hap_available);
  g_assert_cmpint (evidence (report, "KVM")->result, ==, BALLAST_CHECK_FAIL);
}

static void
test_amd_with_npt (void)
{
  g_autoptr(BallastHapReport) report = detect ("capabilities-amd-svm.synth.xml",
                                               "domcapabilities-amd-npt.synth.xml");
  g_assert_true (report->hap_available);
  g_assert_cmpint (report->vendor, ==, BALLAST_CPU_VENDOR_AMD);
  g_assert_cmpint (evidence (report, "NPT")->result, ==, BALLAST_CHECK_PASS);
}

static void
test_bad_xml (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (ballast_hap_detect_from_libvirt ("<capabilities", NULL, &error));
  g_assert_nonnull (strstr (error->message, "capabilities XML line"));
  g_clear_error (&error);
  g_assert_null (ballast_hap_detect_from_libvirt ("<capabilities/>", "junk", &error));
  g_assert_nonnull (strstr (error->message, "domain capabilities XML"));
}

static void
test_uri_is_remote (void)
{
  g_assert_false (ballast_uri_is_remote ("qemu:///system"));
  g_assert_false (ballast_uri_is_remote ("test:///default"));
  g_assert_false (ballast_uri_is_remote ("test+unix:///tmp/x.xml?socket=/tmp/sock"));
  g_assert_false (ballast_uri_is_remote ("qemu://localhost/system"));
  g_assert_true (ballast_uri_is_remote ("qemu+ssh://root@kvm7/system"));
  g_assert_true (ballast_uri_is_remote ("qemu+tls://kvm7.example.org/system"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gate-libvirt/real-amd-without-svm", test_real_amd_without_svm);
  g_test_add_func ("/gate-libvirt/intel-ept-vpid", test_intel_with_ept_and_vpid);
  g_test_add_func ("/gate-libvirt/intel-ept-disabled", test_intel_with_ept_disabled);
  g_test_add_func ("/gate-libvirt/intel-without-kvm", test_intel_without_kvm_domcaps);
  g_test_add_func ("/gate-libvirt/amd-npt", test_amd_with_npt);
  g_test_add_func ("/gate-libvirt/bad-xml", test_bad_xml);
  g_test_add_func ("/gate-libvirt/uri-is-remote", test_uri_is_remote);
  return g_test_run ();
}
