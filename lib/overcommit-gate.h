/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "path-context.h"

G_BEGIN_DECLS

/* Overcommit by ballooning only pays where the host has hardware-assisted
 * paging (Intel EPT with VPID, AMD NPT): without it every guest runs on
 * shadow page tables and taking memory away costs more than it saves. */

typedef enum {
  BALLAST_CPU_VENDOR_UNKNOWN,
  BALLAST_CPU_VENDOR_INTEL,
  BALLAST_CPU_VENDOR_AMD,
} BallastCpuVendor;

typedef enum {
  BALLAST_CHECK_PASS,
  BALLAST_CHECK_FAIL,
  BALLAST_CHECK_WARN,
  BALLAST_CHECK_INFO,
} BallastCheckResult;

/* One line of evidence, shown like virt-host-validate shows its checks. */
typedef struct {
  char *check;
  BallastCheckResult result;
  char *detail;
} BallastHapEvidence;

typedef struct {
  BallastCpuVendor vendor;
  gboolean cpu_virtualization; /* vmx or svm in the CPU flags */
  gboolean cpu_ept;
  gboolean cpu_vpid;
  gboolean cpu_npt;
  gboolean kvm_module_loaded;  /* kvm_intel or kvm_amd in /sys/module */
  gboolean module_ept;         /* kvm_intel.ept = Y */
  gboolean module_vpid;        /* kvm_intel.vpid = Y */
  gboolean module_npt;         /* kvm_amd.npt = Y or 1 */
  gboolean hap_available;      /* the verdict */
  GPtrArray *evidence;         /* of BallastHapEvidence*, in check order */
} BallastHapReport;

void ballast_hap_report_free (BallastHapReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastHapReport, ballast_hap_report_free)

/* CPU flags of the first processor in /proc/cpuinfo text: the union of the
 * "flags" line and, on kernels >= 5.9, the separate "vmx flags" line (where
 * ept and vpid moved to). Returns a set (GHashTable of char* -> itself). */
GHashTable *ballast_cpuinfo_flags_parse (const char *text, GError **error);

/* A kvm module boolean parameter: "Y"/"N" or "1"/"0". */
gboolean ballast_module_bool_parse (const char *text, gboolean *ret_value, GError **error);

/* Detect hardware-assisted paging from PATHS->proc_dir/cpuinfo and
 * PATHS->sys_dir/module/kvm_{intel,amd}/parameters. Only fails when
 * cpuinfo itself cannot be read or parsed; anything missing beyond that is
 * evidence towards "no". */
BallastHapReport *ballast_hap_detect (const BallastPaths *paths, GError **error);

/* The same verdict for a host reached through libvirt (a remote URI), from
 * virConnectGetCapabilities() and virConnectGetDomainCapabilities() for
 * virttype "kvm" (DOMCAPS_XML may be NULL when libvirt has no KVM there).
 * VMX capabilities are not CPUID flags: libvirt reports them as the
 * host-model CPU features "vmx-ept" and "vmx-vpid" (QEMU >= 5.1); AMD's
 * "npt" is a CPUID flag and shows as "npt". */
BallastHapReport *ballast_hap_detect_from_libvirt (const char *caps_xml, const char *domcaps_xml,
                                                   GError **error);

/* TRUE when URI names another host (qemu+ssh://host/system), so its
 * hardware must be read through libvirt rather than from our /proc. */
gboolean ballast_uri_is_remote (const char *uri);

typedef enum {
  BALLAST_OVERCOMMIT_AUTO,
  BALLAST_OVERCOMMIT_ON,
  BALLAST_OVERCOMMIT_OFF,
} BallastOvercommitMode;

gboolean ballast_overcommit_mode_parse (const char *text, BallastOvercommitMode *ret_mode,
                                        GError **error);
const char *ballast_overcommit_mode_to_string (BallastOvercommitMode mode);

/* Whether balloons may be inflated (memory taken from guests). */
gboolean ballast_overcommit_allowed (BallastOvercommitMode mode, gboolean hap_available);

/* One sentence for logs and `status`: the mode, the verdict, what it means. */
char *ballast_overcommit_describe (BallastOvercommitMode mode, gboolean hap_available);

const char *ballast_check_result_to_string (BallastCheckResult result);

G_END_DECLS
