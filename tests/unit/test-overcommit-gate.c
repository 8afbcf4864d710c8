/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The overcommit gate on the local host: hardware-assisted paging from
 * /proc/cpuinfo and the kvm module parameters (fake trees in
 * tests/fixtures/trees/hap-*, plus the real nested-guest cpuinfo capture),
 * and the mode that decides what the verdict allows. (The same verdict
 * from libvirt's capabilities is in test-gate-libvirt.c.) */
#include "ballast-error.h"
#include "overcommit-gate.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

static BallastPaths *
tree_paths (const char *tree)
{
  g_autofree char *root = g_build_filename (BALLAST_FIXTURES_DIR, "trees", tree, NULL);
  g_assert_true (g_file_test (root, G_FILE_TEST_IS_DIR));
  return ballast_paths_new_rooted (root);
}

static const BallastHapEvidence *
find_evidence (const BallastHapReport *report, const char *check)
{
  for (guint i = 0; i < report->evidence->len; i++)
    {
      const BallastHapEvidence *evidence = report->evidence->pdata[i];
      if (g_strcmp0 (evidence->check, check) == 0)
        return evidence;
    }
  return NULL;
}

/* The evidence line CHECK, which must be there. */
static const BallastHapEvidence *
get_evidence (const BallastHapReport *report, const char *check)
{
  const BallastHapEvidence *evidence = find_evidence (report, check);
  if (evidence == NULL)
    g_error ("no evidence line '%s'", check);
  return evidence;
}

/* ---- ballast_hap_detect on the fake trees ---- */

typedef struct {
  const char *check;
  BallastCheckResult result;
  const char *detail_part;   /* NULL: not checked */
} ExpectedEvidence;

typedef struct {
  const char *tree;
  BallastCpuVendor vendor;
  gboolean cpu_virtualization, cpu_ept, cpu_vpid, cpu_npt;
  gboolean kvm_module_loaded, module_ept, module_vpid, module_npt;
  gboolean hap_available;
  ExpectedEvidence evidence[8];   /* ends at check == NULL */
  const char *absent_checks[3];   /* checks that must not appear */
} DetectCase;

#define PASS BALLAST_CHECK_PASS
#define FAIL BALLAST_CHECK_FAIL
#define INFO BALLAST_CHECK_INFO

static const DetectCase detect_cases[] = {
  /* Kernels before 5.9: ept and vpid in "flags". */
  { "hap-intel-flags", BALLAST_CPU_VENDOR_INTEL, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, FALSE, TRUE,
    { { "KVM", PASS, "present" },
      { "CPU vendor", INFO, "GenuineIntel" },
      { "hardware virtualization", PASS, "Intel VT-x (vmx)" },
      { "CPU flag ept", PASS, "present" },
      { "CPU flag vpid", PASS, "present" },
      { "kvm_intel module", PASS, "present" },
      { "kvm_intel.ept enabled", PASS, "parameters/ept = yes" },
      { "hardware-assisted paging", PASS, "EPT with VPID" } },
    { "CPU flag npt", "kvm_amd module", NULL } },
  /* Kernels since 5.9: ept and vpid only in the "vmx flags" line. */
  { "hap-intel-vmx-flags", BALLAST_CPU_VENDOR_INTEL, TRUE, TRUE, TRUE, FALSE, TRUE, TRUE, TRUE, FALSE, TRUE,
    { { "CPU flag ept", PASS, NULL },
      { "CPU flag vpid", PASS, NULL },
      { "kvm_intel.vpid enabled", PASS, "parameters/vpid = yes" },
      { "hardware-assisted paging", PASS, "EPT with VPID" } },
    { NULL } },
  /* VT-x without EPT (a Core 2): shadow paging only. */
  { "hap-intel-no-ept", BALLAST_CPU_VENDOR_INTEL, TRUE, FALSE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE, FALSE,
    { { "hardware virtualization", PASS, NULL },
      { "CPU flag ept", FAIL, "absent from flags and vmx flags" },
      { "CPU flag vpid", FAIL, "absent from flags and vmx flags" },
      { "kvm_intel.ept enabled", FAIL, "no (disabled by the module parameter)" },
      { "hardware-assisted paging", FAIL, "shadow page tables" } },
    { NULL } },
  /* EPT in the CPU, switched off with kvm_intel.ept=0. */
  { "hap-intel-ept-disabled", BALLAST_CPU_VENDOR_INTEL, TRUE, TRUE, TRUE, FALSE, TRUE, FALSE, TRUE, FALSE, FALSE,
    { { "CPU flag ept", PASS, NULL },
      { "kvm_intel module", PASS, NULL },
      { "kvm_intel.ept enabled", FAIL, "parameters/ept = no (disabled by the module parameter)" },
      { "kvm_intel.vpid enabled", PASS, NULL },
      { "hardware-assisted paging", FAIL, "not available" } },
    { NULL } },
  /* AMD, npt as an integer parameter (newer kernels) and as a bool. */
  { "hap-amd-npt-1", BALLAST_CPU_VENDOR_AMD, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE,
    { { "CPU vendor", INFO, "AuthenticAMD" },
      { "hardware virtualization", PASS, "AMD-V (svm)" },
      { "CPU flag npt", PASS, "present" },
      { "kvm_amd module", PASS, "present" },
      { "kvm_amd.npt enabled", PASS, "parameters/npt = yes" },
      { "hardware-assisted paging", PASS, "NPT" } },
    { "CPU flag ept", "kvm_intel module", NULL } },
  { "hap-amd-npt-y", BALLAST_CPU_VENDOR_AMD, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE,
    { { "kvm_amd.npt enabled", PASS, NULL },
      { "hardware-assisted paging", PASS, "NPT" } },
    { NULL } },
  { "hap-amd-npt-0", BALLAST_CPU_VENDOR_AMD, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE, FALSE, FALSE,
    { { "CPU flag npt", PASS, NULL },
      { "kvm_amd.npt enabled", FAIL, "no (disabled by the module parameter)" },
      { "hardware-assisted paging", FAIL, "not available" } },
    { NULL } },
  /* The module is not loaded: evidence says so, the parameters are not read. */
  { "hap-amd-no-module", BALLAST_CPU_VENDOR_AMD, TRUE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE, FALSE, FALSE,
    { { "KVM", FAIL, "absent (the kvm module is not loaded)" },
      { "CPU flag npt", PASS, NULL },
      { "kvm_amd module", FAIL, "absent (module not loaded)" },
      { "hardware-assisted paging", FAIL, NULL } },
    { "kvm_amd.npt enabled", NULL } },
  /* Processor 0 has no svm (a nested guest), processor 1 has svm and npt:
   * only the first processor counts. */
  { "hap-multi-processor", BALLAST_CPU_VENDOR_UNKNOWN, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE,
    FALSE, FALSE,
    { { "hardware virtualization", FAIL, "neither vmx nor svm in the CPU flags" },
      { "hardware-assisted paging", FAIL, NULL } },
    { "CPU flag npt", "kvm_amd module", NULL } },
};

static void
assert_report (const DetectCase *c, const BallastHapReport *report)
{
  g_assert_cmpint (report->vendor, ==, c->vendor);
  g_assert_cmpint (report->cpu_virtualization, ==, c->cpu_virtualization);
  g_assert_cmpint (report->cpu_ept, ==, c->cpu_ept);
  g_assert_cmpint (report->cpu_vpid, ==, c->cpu_vpid);
  g_assert_cmpint (report->cpu_npt, ==, c->cpu_npt);
  g_assert_cmpint (report->kvm_module_loaded, ==, c->kvm_module_loaded);
  g_assert_cmpint (report->module_ept, ==, c->module_ept);
  g_assert_cmpint (report->module_vpid, ==, c->module_vpid);
  g_assert_cmpint (report->module_npt, ==, c->module_npt);
  g_assert_cmpint (report->hap_available, ==, c->hap_available);

  for (gsize i = 0; i < G_N_ELEMENTS (c->evidence) && c->evidence[i].check != NULL; i++)
    {
      const ExpectedEvidence *expected = &c->evidence[i];
      const BallastHapEvidence *evidence = get_evidence (report, expected->check);
      g_assert_cmpstr (ballast_check_result_to_string (evidence->result), ==,
                       ballast_check_result_to_string (expected->result));
      g_assert_nonnull (evidence->detail);
      if (expected->detail_part != NULL)
        g_assert_nonnull (strstr (evidence->detail, expected->detail_part));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (c->absent_checks) && c->absent_checks[i] != NULL; i++)
    g_assert_null (find_evidence (report, c->absent_checks[i]));

  /* The verdict is always the last line, and agrees with the flag. */
  g_assert_cmpuint (report->evidence->len, >, 0);
  const BallastHapEvidence *last = report->evidence->pdata[report->evidence->len - 1];
  g_assert_cmpstr (last->check, ==, "hardware-assisted paging");
  g_assert_cmpint (last->result, ==, report->hap_available ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL);
}

static void
test_detect (gconstpointer data)
{
  const DetectCase *c = data;
  g_autoptr(BallastPaths) paths = tree_paths (c->tree);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastHapReport) report = ballast_hap_detect (paths, &error);
  g_assert_no_error (error);
  g_assert_nonnull (report);
  assert_report (c, report);
}

/* The real capture from the nested AMD guest: no svm, nothing else there. */
static void
test_detect_real_nested_guest (void)
{
  g_autofree char *cpuinfo = scratch_load_fixture ("host/cpuinfo-flags-amd-epyc-nested-no-svm.txt");
  g_autofree char *root = g_dir_make_tmp ("ballast-hap-XXXXXX", NULL);
  g_autofree char *proc = g_build_filename (root, "proc", NULL);
  g_autofree char *path = g_build_filename (proc, "cpuinfo", NULL);
  g_assert_cmpint (g_mkdir (proc, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, cpuinfo, -1, NULL));
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);

  g_autoptr(GError) error = NULL;
  g_autoptr(BallastHapReport) report = ballast_hap_detect (paths, &error);
  g_assert_no_error (error);
  static const DetectCase expected = {
    "(real capture)", BALLAST_CPU_VENDOR_UNKNOWN, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE,
    { { "KVM", FAIL, NULL },
      { "CPU vendor", INFO, "not stated in cpuinfo" },
      { "hardware virtualization", FAIL, "neither vmx nor svm" },
      { "hardware-assisted paging", FAIL, "shadow page tables" } },
    { "kvm_intel module", "kvm_amd module", "CPU flag npt" },
  };
  assert_report (&expected, report);
  scratch_remove_tree (root);
}

static void
test_detect_no_flags_line (void)
{
  g_autoptr(BallastPaths) paths = tree_paths ("hap-no-flags");
  g_autofree char *cpuinfo = g_build_filename (paths->proc_dir, "cpuinfo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastHapReport) report = ballast_hap_detect (paths, &error);
  g_assert_null (report);
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_autofree char *expected = g_strdup_printf ("%s: cpuinfo: no 'flags' line", cpuinfo);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_detect_no_cpuinfo (void)
{
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted ("/nonexistent/ballast-root");
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastHapReport) report = ballast_hap_detect (paths, &error);
  g_assert_null (report);
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/ballast-root/proc/cpuinfo"));
}

/* A module parameter file with garbage: "no", with the reason as evidence. */
static void
test_detect_garbage_module_parameter (void)
{
  g_autofree char *cpuinfo = scratch_load_fixture ("trees/hap-amd-npt-1/proc/cpuinfo");
  g_autofree char *root = g_dir_make_tmp ("ballast-hap-XXXXXX", NULL);
  g_autofree char *params = g_build_filename (root, "sys", "module", "kvm_amd", "parameters", NULL);
  g_autofree char *proc = g_build_filename (root, "proc", NULL);
  g_assert_cmpint (g_mkdir_with_parents (params, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (proc, 0755), ==, 0);
  g_autofree char *cpuinfo_path = g_build_filename (proc, "cpuinfo", NULL);
  g_autofree char *npt_path = g_build_filename (params, "npt", NULL);
  g_assert_true (g_file_set_contents (cpuinfo_path, cpuinfo, -1, NULL));
  g_assert_true (g_file_set_contents (npt_path, "maybe\n", -1, NULL));
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);

  g_autoptr(BallastHapReport) report = ballast_hap_detect (paths, NULL);
  g_assert_nonnull (report);
  g_assert_true (report->kvm_module_loaded);
  g_assert_false (report->module_npt);
  g_assert_false (report->hap_available);
  const BallastHapEvidence *evidence = get_evidence (report, "kvm_amd.npt enabled");
  g_assert_cmpint (evidence->result, ==, BALLAST_CHECK_FAIL);
  g_assert_nonnull (strstr (evidence->detail, "expected Y, N, 1 or 0, got 'maybe'"));

  /* And a module directory without the parameter file at all. */
  g_remove (npt_path);
  g_autoptr(BallastHapReport) without = ballast_hap_detect (paths, NULL);
  evidence = get_evidence (without, "kvm_amd.npt enabled");
  g_assert_cmpint (evidence->result, ==, BALLAST_CHECK_FAIL);
  g_assert_nonnull (strstr (evidence->detail, "cannot open"));
  g_assert_false (without->hap_available);
  scratch_remove_tree (root);
}

/* ---- ballast_cpuinfo_flags_parse ---- */

static void
test_flags_parse_fixture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/cpuinfo-flags-amd-epyc-nested-no-svm.txt");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) flags = ballast_cpuinfo_flags_parse (text, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (flags), ==, 105);
  g_assert_true (g_hash_table_contains (flags, "fpu"));
  g_assert_true (g_hash_table_contains (flags, "hypervisor"));
  g_assert_true (g_hash_table_contains (flags, "fsrm"));          /* the last word */
  g_assert_false (g_hash_table_contains (flags, "svm"));
  g_assert_false (g_hash_table_contains (flags, "vmx"));
  g_assert_false (g_hash_table_contains (flags, ""));
  g_assert_false (g_hash_table_contains (flags, "flags"));
}

static void
test_flags_parse_shapes (void)
{
  static const struct {
    const char *name;
    const char *text;
    const char *const present[4];
    const char *const absent[4];
  } cases[] = {
    { "vmx-flags-merged", "flags\t\t: fpu vmx\nvmx flags\t: ept vpid\n", { "fpu", "vmx", "ept", "vpid" }, { NULL } },
    { "tabs-and-blanks", "flags\t\t:  a\t b   c \n", { "a", "b", "c" }, { "", " ", NULL } },
    { "no-trailing-newline", "flags : x y", { "x", "y" }, { NULL } },
    /* Only the first processor: a blank line ends its block. */
    { "second-processor-ignored", "processor : 0\nflags : a\n\nprocessor : 1\nflags : b\nvmx flags : c\n",
      { "a" }, { "b", "c", NULL } },
    /* ... and so does a second "flags" line without a blank line between. */
    { "no-blank-between", "processor : 0\nflags : a\nprocessor : 1\nflags : b\n", { "a" }, { "b", NULL } },
    /* Blank lines before the first flags line do not end anything. */
    { "leading-blank-lines", "\n\nprocessor : 0\n\nflags : a\n", { "a" }, { NULL } },
    /* Keys are matched whole: "Flags", "cpu flags" or "flagsx" are not "flags". */
    { "lookalike-keys", "Flags : no1\ncpu flags : no2\nflagsx : no3\nflags : yes\n", { "yes" },
      { "no1", "no2", "no3", NULL } },
    { "empty-flags", "flags :\n", { NULL }, { "", NULL } },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_test_message ("%s", cases[i].name);
      g_autoptr(GHashTable) flags = ballast_cpuinfo_flags_parse (cases[i].text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (flags);
      for (gsize j = 0; j < G_N_ELEMENTS (cases[i].present) && cases[i].present[j] != NULL; j++)
        g_assert_true (g_hash_table_contains (flags, cases[i].present[j]));
      for (gsize j = 0; j < G_N_ELEMENTS (cases[i].absent) && cases[i].absent[j] != NULL; j++)
        g_assert_false (g_hash_table_contains (flags, cases[i].absent[j]));
    }
}

static void
test_flags_parse_missing (void)
{
  static const char *const texts[] = {
    "", "\n\n", "processor\t: 0\nvendor_id\t: GenuineIntel\n", "vmx flags\t: ept vpid\n",
    "flags without a colon\n", "\x7f" "ELF\x02\x01\x01\xff:\xfe", "Features\t: fp asimd evtstrm aes\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) flags = ballast_cpuinfo_flags_parse (texts[i], &error);
      g_assert_null (flags);
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
      g_assert_cmpstr (error->message, ==, "cpuinfo: no 'flags' line");
    }
}

/* ---- ballast_module_bool_parse ---- */

static void
test_module_bool (void)
{
  static const struct {
    const char *text;
    gboolean value;
  } cases[] = {
    { "Y", TRUE }, { "N", FALSE }, { "1", TRUE }, { "0", FALSE }, { "Y\n", TRUE }, { " 0 \n", FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gboolean value = !cases[i].value;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_module_bool_parse (cases[i].text, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, cases[i].value);
    }

  static const char *const bad[] = { "y", "n", "yes", "true", "2", "-1", "", "YN", "Y Y", "\x01" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      gboolean value = 42;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_module_bool_parse (bad[i], &value, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (error->message, "expected Y, N, 1 or 0, got '"));
      g_assert_cmpint (value, ==, 42);
    }
}

/* ---- The mode and what it allows ---- */

static void
test_overcommit_allowed (void)
{
  static const struct {
    BallastOvercommitMode mode;
    gboolean hap;
    gboolean allowed;
  } table[] = {
    { BALLAST_OVERCOMMIT_AUTO, TRUE, TRUE },
    { BALLAST_OVERCOMMIT_AUTO, FALSE, FALSE },
    { BALLAST_OVERCOMMIT_ON, TRUE, TRUE },
    { BALLAST_OVERCOMMIT_ON, FALSE, TRUE },    /* forced by the operator */
    { BALLAST_OVERCOMMIT_OFF, TRUE, FALSE },
    { BALLAST_OVERCOMMIT_OFF, FALSE, FALSE },
    { (BallastOvercommitMode) 42, TRUE, FALSE }, /* garbage: the safe answer */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpint (ballast_overcommit_allowed (table[i].mode, table[i].hap), ==, table[i].allowed);
}

static void
test_mode_parse (void)
{
  static const struct {
    const char *text;
    BallastOvercommitMode mode;
  } good[] = {
    { "auto", BALLAST_OVERCOMMIT_AUTO }, { "on", BALLAST_OVERCOMMIT_ON }, { "off", BALLAST_OVERCOMMIT_OFF },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      BallastOvercommitMode mode = 42;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_overcommit_mode_parse (good[i].text, &mode, &error));
      g_assert_no_error (error);
      g_assert_cmpint (mode, ==, good[i].mode);
      g_assert_cmpstr (ballast_overcommit_mode_to_string (mode), ==, good[i].text);
    }

  static const char *const bad[] = { "AUTO", "On", "yes", "true", "1", "", " on", "off " };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      BallastOvercommitMode mode = 42;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_overcommit_mode_parse (bad[i], &mode, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_autofree char *expected = g_strdup_printf ("overcommit mode '%s' is not one of auto, on, off", bad[i]);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpint (mode, ==, 42);
    }

  BallastOvercommitMode mode = 42;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_overcommit_mode_parse (NULL, &mode, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
  g_assert_cmpstr (ballast_overcommit_mode_to_string ((BallastOvercommitMode) 42), ==, "?");
}

static void
test_describe_and_strings (void)
{
  static const struct {
    BallastOvercommitMode mode;
    gboolean hap;
    const char *part;
  } cases[] = {
    { BALLAST_OVERCOMMIT_AUTO, TRUE, "overcommit auto: enabled, hardware-assisted paging present" },
    { BALLAST_OVERCOMMIT_AUTO, FALSE, "overcommit auto: disabled, no hardware-assisted paging" },
    { BALLAST_OVERCOMMIT_ON, FALSE, "overcommit forced on (no hardware-assisted paging" },
    { BALLAST_OVERCOMMIT_OFF, TRUE, "overcommit off (hardware-assisted paging present): watching" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ballast_overcommit_describe (cases[i].mode, cases[i].hap);
      g_assert_nonnull (strstr (text, cases[i].part));
      g_assert_null (strchr (text, '\n'));
    }
  g_assert_cmpstr (ballast_check_result_to_string (BALLAST_CHECK_PASS), ==, "PASS");
  g_assert_cmpstr (ballast_check_result_to_string (BALLAST_CHECK_FAIL), ==, "FAIL");
  g_assert_cmpstr (ballast_check_result_to_string (BALLAST_CHECK_WARN), ==, "WARN");
  g_assert_cmpstr (ballast_check_result_to_string (BALLAST_CHECK_INFO), ==, "INFO");
  g_assert_cmpstr (ballast_check_result_to_string ((BallastCheckResult) 42), ==, "?");
  ballast_hap_report_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (detect_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/overcommit-gate/detect/%s", detect_cases[i].tree);
      g_test_add_data_func (path, &detect_cases[i], test_detect);
    }
  g_test_add_func ("/overcommit-gate/detect/real-nested-guest", test_detect_real_nested_guest);
  g_test_add_func ("/overcommit-gate/detect/no-flags-line", test_detect_no_flags_line);
  g_test_add_func ("/overcommit-gate/detect/no-cpuinfo", test_detect_no_cpuinfo);
  g_test_add_func ("/overcommit-gate/detect/garbage-module-parameter", test_detect_garbage_module_parameter);
  g_test_add_func ("/overcommit-gate/flags-parse/fixture", test_flags_parse_fixture);
  g_test_add_func ("/overcommit-gate/flags-parse/shapes", test_flags_parse_shapes);
  g_test_add_func ("/overcommit-gate/flags-parse/missing", test_flags_parse_missing);
  g_test_add_func ("/overcommit-gate/module-bool", test_module_bool);
  g_test_add_func ("/overcommit-gate/allowed", test_overcommit_allowed);
  g_test_add_func ("/overcommit-gate/mode-parse", test_mode_parse);
  g_test_add_func ("/overcommit-gate/describe-and-strings", test_describe_and_strings);
  return g_test_run ();
}
