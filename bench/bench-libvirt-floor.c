/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-libvirt-floor: the memory a process pays just for being a libvirt
 * client. It links only libvirt, connects, does what ballastd does once a
 * cycle (list the domains, one bulk stats call), and prints its own VmRSS,
 * RssAnon, RssFile and PSS. bench/daemon-cycle.py sets ballastd's RSS
 * against it: what ballastd adds is its own; the floor is libvirt's
 * client library and what it loads (GnuTLS, libssh, libcurl, ICU via
 * libxml2, ...), which no libvirt client avoids.
 *
 *   bench-libvirt-floor [URI]     (default test:///default)
 *
 * Plain C and libvirt only, on purpose: no GLib, so nothing of ours is in
 * the figure. */
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value in KiB of FIELD ("VmRSS:") in the /proc file PATH, or -1. */
static long
proc_field_kib (const char *path, const char *field)
{
  FILE *file = fopen (path, "r");
  if (file == NULL)
    return -1;
  char line[256];
  long value = -1;
  size_t length = strlen (field);
  while (fgets (line, sizeof line, file) != NULL)
    if (strncmp (line, field, length) == 0)
      {
        value = strtol (line + length, NULL, 10);
        break;
      }
  fclose (file);
  return value;
}

int
main (int argc, char **argv)
{
  const char *uri = argc > 1 ? argv[1] : "test:///default";
  virConnectPtr conn = virConnectOpen (uri);
  if (conn == NULL)
    {
      fprintf (stderr, "bench-libvirt-floor: cannot connect to %s\n", uri);
      return 2;
    }
  virDomainPtr *domains = NULL;
  int n_domains = virConnectListAllDomains (conn, &domains, 0);
  virDomainStatsRecordPtr *records = NULL;
  int n_records = virConnectGetAllDomainStats (conn, VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON,
                                               &records, 0);
  printf ("{\"uri\": \"%s\", \"domains\": %d, \"stats_records\": %d, "
          "\"vmrss_kib\": %ld, \"rss_anon_kib\": %ld, \"rss_file_kib\": %ld, \"pss_kib\": %ld}\n",
          uri, n_domains, n_records, proc_field_kib ("/proc/self/status", "VmRSS:"),
          proc_field_kib ("/proc/self/status", "RssAnon:"),
          proc_field_kib ("/proc/self/status", "RssFile:"),
          proc_field_kib ("/proc/self/smaps_rollup", "Pss:"));
  if (records != NULL)
    virDomainStatsRecordListFree (records);
  for (int i = 0; i < n_domains; i++)
    virDomainFree (domains[i]);
  free (domains);
  virConnectClose (conn);
  return 0;
}
