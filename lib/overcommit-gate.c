/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "overcommit-gate.h"

#include "ballast-error.h"
#include "text-fields.h"
#include "xml-util.h"

#include <string.h>

static void
evidence_free (gpointer data)
{
  BallastHapEvidence *evidence = data;
  g_free (evidence->check);
  g_free (evidence->detail);
  g_free (evidence);
}

void
ballast_hap_report_free (BallastHapReport *report)
{
  if (report == NULL)
    return;
  g_clear_pointer (&report->evidence, g_ptr_array_unref);
  g_free (report);
}

static void G_GNUC_PRINTF (4, 5)
add_evidence (BallastHapReport *report, const char *check, BallastCheckResult result,
              const char *format, ...)
{
  BallastHapEvidence *evidence = g_new0 (BallastHapEvidence, 1);
  va_list args;
  va_start (args, format);
  evidence->check = g_strdup (check);
  evidence->result = result;
  evidence->detail = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (report->evidence, evidence);
}

static void
add_flags (GHashTable *flags, const char *value)
{
  g_auto(GStrv) words = g_strsplit_set (value, " \t", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_hash_table_add (flags, g_strdup (words[i]));
}

/* A cpuinfo line looks like "flags\t\t: fpu vme ..." or
 * "vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad ... ept vpid". */
GHashTable *
ballast_cpuinfo_flags_parse (const char *text, GError **error)
{
  g_autoptr(GHashTable) flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean seen_flags = FALSE;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      if (*lines[i] == '\0' && seen_flags)
        break; /* end of the first processor's block */
      if (colon == NULL)
        continue;
      g_autofree char *key = g_strndup (lines[i], (gsize) (colon - lines[i]));
      g_strstrip (key);
      if (strcmp (key, "flags") == 0)
        {
          if (seen_flags)
            break; /* a second processor without a blank line between */
          seen_flags = TRUE;
          add_flags (flags, colon + 1);
        }
      else if (strcmp (key, "vmx flags") == 0)
        add_flags (flags, colon + 1);
    }
  if (!seen_flags)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "cpuinfo: no 'flags' line");
      return NULL;
    }
  return g_steal_pointer (&flags);
}

gboolean
ballast_module_bool_parse (const char *text, gboolean *ret_value, GError **error)
{
  g_autofree char *value = g_strstrip (g_strdup (text));
  if (strcmp (value, "Y") == 0 || strcmp (value, "1") == 0)
    *ret_value = TRUE;
  else if (strcmp (value, "N") == 0 || strcmp (value, "0") == 0)
    *ret_value = FALSE;
  else
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                   "expected Y, N, 1 or 0, got '%.20s'", value);
      return FALSE;
    }
  return TRUE;
}

/* Reads /sys/module/MODULE/parameters/NAME; absent or unreadable is FALSE
 * and recorded as evidence. */
static gboolean
read_module_parameter (const BallastPaths *paths, BallastHapReport *report,
                       const char *module, const char *name)
{
  g_autofree char *path = g_build_filename (paths->sys_dir, "module", module,
                                            "parameters", name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *check = g_strdup_printf ("%s.%s enabled", module, name);
  gboolean value = FALSE;

  if (!ballast_read_small_file (path, 64, &text, &error)
      || !ballast_module_bool_parse (text, &value, &error))
    {
      add_evidence (report, check, BALLAST_CHECK_FAIL, "%s", error->message);
      return FALSE;
    }
  add_evidence (report, check, value ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                "%s = %s", path, value ? "yes" : "no (disabled by the module parameter)");
  return value;
}

/* "vendor_id\t: GenuineIntel" of the first processor, or NULL. */
static char *
cpuinfo_vendor_id (const char *cpuinfo)
{
  g_auto(GStrv) lines = g_strsplit (cpuinfo, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "vendor_id"))
      {
        const char *colon = strchr (lines[i], ':');
        return colon != NULL ? g_strstrip (g_strdup (colon + 1)) : NULL;
      }
  return NULL;
}

BallastHapReport *
ballast_hap_detect (const BallastPaths *paths, GError **error)
{
  g_autofree char *cpuinfo_path = g_build_filename (paths->proc_dir, "cpuinfo", NULL);
  g_autofree char *cpuinfo = NULL;
  if (!ballast_read_small_file (cpuinfo_path, 16 * 1024 * 1024, &cpuinfo, error))
    return NULL;
  g_autoptr(GHashTable) flags = ballast_cpuinfo_flags_parse (cpuinfo, error);
  if (flags == NULL)
    {
      g_prefix_error (error, "%s: ", cpuinfo_path);
      return NULL;
    }

  g_autoptr(BallastHapReport) report = g_new0 (BallastHapReport, 1);
  report->evidence = g_ptr_array_new_with_free_func (evidence_free);

  g_autofree char *kvm_dir = g_build_filename (paths->sys_dir, "module", "kvm", NULL);
  gboolean kvm = g_file_test (kvm_dir, G_FILE_TEST_IS_DIR);
  add_evidence (report, "KVM", kvm ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL, "%s %s", kvm_dir,
                kvm ? "present" : "absent (the kvm module is not loaded)");

  g_autofree char *vendor_id = cpuinfo_vendor_id (cpuinfo);
  add_evidence (report, "CPU vendor", BALLAST_CHECK_INFO, "%s",
                vendor_id != NULL ? vendor_id : "not stated in cpuinfo");

  if (g_hash_table_contains (flags, "vmx"))
    report->vendor = BALLAST_CPU_VENDOR_INTEL;
  else if (g_hash_table_contains (flags, "svm"))
    report->vendor = BALLAST_CPU_VENDOR_AMD;
  report->cpu_virtualization = report->vendor != BALLAST_CPU_VENDOR_UNKNOWN;
  add_evidence (report, "hardware virtualization", report->cpu_virtualization
                  ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                "%s", report->vendor == BALLAST_CPU_VENDOR_INTEL ? "Intel VT-x (vmx)"
                      : report->vendor == BALLAST_CPU_VENDOR_AMD ? "AMD-V (svm)"
                      : "neither vmx nor svm in the CPU flags");

  if (report->vendor == BALLAST_CPU_VENDOR_INTEL)
    {
      report->cpu_ept = g_hash_table_contains (flags, "ept");
      report->cpu_vpid = g_hash_table_contains (flags, "vpid");
      add_evidence (report, "CPU flag ept", report->cpu_ept ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                    "%s", report->cpu_ept ? "present" : "absent from flags and vmx flags");
      add_evidence (report, "CPU flag vpid", report->cpu_vpid ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                    "%s", report->cpu_vpid ? "present" : "absent from flags and vmx flags");
      g_autofree char *module_dir = g_build_filename (paths->sys_dir, "module", "kvm_intel", NULL);
      report->kvm_module_loaded = g_file_test (module_dir, G_FILE_TEST_IS_DIR);
      add_evidence (report, "kvm_intel module", report->kvm_module_loaded
                      ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                    "%s %s", module_dir, report->kvm_module_loaded ? "present" : "absent (module not loaded)");
      if (report->kvm_module_loaded)
        {
          report->module_ept = read_module_parameter (paths, report, "kvm_intel", "ept");
          report->module_vpid = read_module_parameter (paths, report, "kvm_intel", "vpid");
        }
      report->hap_available = report->cpu_ept && report->cpu_vpid
                              && report->module_ept && report->module_vpid;
    }
  else if (report->vendor == BALLAST_CPU_VENDOR_AMD)
    {
      report->cpu_npt = g_hash_table_contains (flags, "npt");
      add_evidence (report, "CPU flag npt", report->cpu_npt ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                    "%s", report->cpu_npt ? "present" : "absent from flags");
      g_autofree char *module_dir = g_build_filename (paths->sys_dir, "module", "kvm_amd", NULL);
      report->kvm_module_loaded = g_file_test (module_dir, G_FILE_TEST_IS_DIR);
      add_evidence (report, "kvm_amd module", report->kvm_module_loaded
                      ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                    "%s %s", module_dir, report->kvm_module_loaded ? "present" : "absent (module not loaded)");
      if (report->kvm_module_loaded)
        report->module_npt = read_module_parameter (paths, report, "kvm_amd", "npt");
      report->hap_available = report->cpu_npt && report->module_npt;
    }

  add_evidence (report, "hardware-assisted paging", report->hap_available
                  ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                "%s", report->hap_available
                        ? (report->vendor == BALLAST_CPU_VENDOR_INTEL ? "EPT with VPID" : "NPT")
                        : "not available: guests would run on shadow page tables");
  return g_steal_pointer (&report);
}

/* Adds the name attribute of every <feature> child of CPU to FLAGS. */
static void
add_cpu_features (xmlNode *cpu, GHashTable *flags)
{
  for (xmlNode *node = cpu != NULL ? cpu->children : NULL; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "feature") != 0)
        continue;
      g_autofree char *policy = ballast_xml_attr (node, "policy");
      g_autofree char *name = ballast_xml_attr (node, "name");
      if (name != NULL && g_strcmp0 (policy, "disable") != 0 && g_strcmp0 (policy, "forbid") != 0)
        g_hash_table_add (flags, g_steal_pointer (&name));
    }
}

static xmlNode *
host_model_mode (xmlNode *domcaps_root)
{
  xmlNode *cpu = ballast_xml_child (domcaps_root, "cpu", NULL);
  for (xmlNode *node = cpu != NULL ? cpu->children : NULL; node != NULL; node = node->next)
    {
      g_autofree char *name = node->type == XML_ELEMENT_NODE ? ballast_xml_attr (node, "name") : NULL;
      if (g_strcmp0 (name, "host-model") == 0)
        return node;
    }
  return NULL;
}

static gboolean
caps_offer_kvm (xmlNode *caps_root)
{
  for (xmlNode *guest = caps_root->children; guest != NULL; guest = guest->next)
    {
      if (guest->type != XML_ELEMENT_NODE || strcmp ((const char *) guest->name, "guest") != 0)
        continue;
      xmlNode *arch = ballast_xml_child (guest, "arch", NULL);
      for (xmlNode *node = arch != NULL ? arch->children : NULL; node != NULL; node = node->next)
        {
          g_autofree char *type = node->type == XML_ELEMENT_NODE
                                    && strcmp ((const char *) node->name, "domain") == 0
                                    ? ballast_xml_attr (node, "type") : NULL;
          if (g_strcmp0 (type, "kvm") == 0)
            return TRUE;
        }
    }
  return FALSE;
}

BallastHapReport *
ballast_hap_detect_from_libvirt (const char *caps_xml, const char *domcaps_xml, GError **error)
{
  g_autoptr(xmlDoc) caps = ballast_xml_parse (caps_xml, "capabilities XML", error);
  if (caps == NULL)
    return NULL;
  g_autoptr(xmlDoc) domcaps = NULL;
  if (domcaps_xml != NULL && (domcaps = ballast_xml_parse (domcaps_xml, "domain capabilities XML", error)) == NULL)
    return NULL;

  xmlNode *caps_root = xmlDocGetRootElement (caps);
  xmlNode *host_cpu = ballast_xml_child (ballast_xml_child (caps_root, "host", NULL), "cpu", NULL);
  g_autofree char *vendor = host_cpu != NULL
                              ? ballast_xml_text (ballast_xml_child (host_cpu, "vendor", NULL)) : NULL;
  g_autoptr(GHashTable) flags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  add_cpu_features (host_cpu, flags);
  if (domcaps != NULL)
    add_cpu_features (host_model_mode (xmlDocGetRootElement (domcaps)), flags);

  g_autoptr(BallastHapReport) report = g_new0 (BallastHapReport, 1);
  report->evidence = g_ptr_array_new_with_free_func (evidence_free);
  gboolean kvm = caps_offer_kvm (caps_root) && domcaps != NULL;
  report->kvm_module_loaded = kvm;
  add_evidence (report, "KVM", kvm ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL, "%s",
                kvm ? "libvirt offers <domain type='kvm'> guests"
                    : "libvirt offers no KVM guests on that host");

  if (g_hash_table_contains (flags, "vmx") || g_strcmp0 (vendor, "Intel") == 0)
    report->vendor = BALLAST_CPU_VENDOR_INTEL;
  else if (g_hash_table_contains (flags, "svm") || g_strcmp0 (vendor, "AMD") == 0)
    report->vendor = BALLAST_CPU_VENDOR_AMD;
  report->cpu_virtualization = g_hash_table_contains (flags, "vmx") || g_hash_table_contains (flags, "svm");
  add_evidence (report, "hardware virtualization", report->cpu_virtualization
                  ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                "%s CPU%s", vendor != NULL && *vendor != '\0' ? vendor : "unknown",
                report->cpu_virtualization ? "" : " without vmx or svm in libvirt's CPU features");

  if (report->vendor == BALLAST_CPU_VENDOR_INTEL)
    {
      report->cpu_ept = report->module_ept = g_hash_table_contains (flags, "vmx-ept");
      report->cpu_vpid = report->module_vpid = g_hash_table_contains (flags, "vmx-vpid");
      add_evidence (report, "EPT", report->cpu_ept ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL, "%s",
                    report->cpu_ept ? "host-model feature vmx-ept" : "no vmx-ept in the host-model CPU");
      add_evidence (report, "VPID", report->cpu_vpid ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL, "%s",
                    report->cpu_vpid ? "host-model feature vmx-vpid" : "no vmx-vpid in the host-model CPU");
      report->hap_available = kvm && report->cpu_virtualization && report->cpu_ept && report->cpu_vpid;
    }
  else if (report->vendor == BALLAST_CPU_VENDOR_AMD)
    {
      report->cpu_npt = report->module_npt = g_hash_table_contains (flags, "npt");
      add_evidence (report, "NPT", report->cpu_npt ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL, "%s",
                    report->cpu_npt ? "CPU feature npt" : "no npt in libvirt's CPU features");
      report->hap_available = kvm && report->cpu_virtualization && report->cpu_npt;
    }
  add_evidence (report, "hardware-assisted paging", report->hap_available
                  ? BALLAST_CHECK_PASS : BALLAST_CHECK_FAIL,
                "%s", report->hap_available
                        ? (report->vendor == BALLAST_CPU_VENDOR_INTEL ? "EPT with VPID" : "NPT")
                        : "not available: guests would run on shadow page tables");
  return g_steal_pointer (&report);
}

gboolean
ballast_uri_is_remote (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  if (parsed == NULL)
    return FALSE;
  const char *host = g_uri_get_host (parsed);
  return host != NULL && *host != '\0' && g_ascii_strcasecmp (host, "localhost") != 0;
}

gboolean
ballast_overcommit_mode_parse (const char *text, BallastOvercommitMode *ret_mode, GError **error)
{
  if (g_strcmp0 (text, "auto") == 0)
    *ret_mode = BALLAST_OVERCOMMIT_AUTO;
  else if (g_strcmp0 (text, "on") == 0)
    *ret_mode = BALLAST_OVERCOMMIT_ON;
  else if (g_strcmp0 (text, "off") == 0)
    *ret_mode = BALLAST_OVERCOMMIT_OFF;
  else
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "overcommit mode '%s' is not one of auto, on, off", text ? text : "");
      return FALSE;
    }
  return TRUE;
}

const char *
ballast_overcommit_mode_to_string (BallastOvercommitMode mode)
{
  switch (mode)
    {
    case BALLAST_OVERCOMMIT_AUTO: return "auto";
    case BALLAST_OVERCOMMIT_ON: return "on";
    case BALLAST_OVERCOMMIT_OFF: return "off";
    default: return "?";
    }
}

gboolean
ballast_overcommit_allowed (BallastOvercommitMode mode, gboolean hap_available)
{
  switch (mode)
    {
    case BALLAST_OVERCOMMIT_ON: return TRUE;
    case BALLAST_OVERCOMMIT_OFF: return FALSE;
    case BALLAST_OVERCOMMIT_AUTO: return hap_available;
    default: return FALSE;
    }
}

char *
ballast_overcommit_describe (BallastOvercommitMode mode, gboolean hap_available)
{
  const char *hap = hap_available ? "hardware-assisted paging present"
                                  : "no hardware-assisted paging (EPT+VPID / NPT)";
  switch (mode)
    {
    case BALLAST_OVERCOMMIT_ON:
      return g_strdup_printf ("overcommit forced on (%s): balloons may be inflated", hap);
    case BALLAST_OVERCOMMIT_OFF:
      return g_strdup_printf ("overcommit off (%s): watching and giving memory back only, never inflating balloons", hap);
    case BALLAST_OVERCOMMIT_AUTO:
    default:
      return hap_available
        ? g_strdup_printf ("overcommit auto: enabled, %s", hap)
        : g_strdup_printf ("overcommit auto: disabled, %s; watching and giving memory back only (force with --overcommit=on)", hap);
    }
}

const char *
ballast_check_result_to_string (BallastCheckResult result)
{
  switch (result)
    {
    case BALLAST_CHECK_PASS: return "PASS";
    case BALLAST_CHECK_FAIL: return "FAIL";
    case BALLAST_CHECK_WARN: return "WARN";
    case BALLAST_CHECK_INFO: return "INFO";
    default: return "?";
    }
}
