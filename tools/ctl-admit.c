/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `admit`: whether starting a domain keeps the host within policy, asked
 * of ballastd (daemon/start-control.h). The libvirt hook
 * (data/libvirt-hook-qemu) runs it before every start. */
#include "ballastctl.h"

#include "control-protocol.h"
#include "json-util.h"

#include <errno.h>
#include <stdio.h>

/* A domain XML has to fit in one request line, escaped. */
#define ADMIT_MAX_XML (BALLAST_PROTOCOL_MAX_LINE / 2)

static char *
read_xml (const char *path, GError **error)
{
  gboolean is_stdin = g_strcmp0 (path, "-") == 0;
  const char *what = is_stdin ? "standard input" : path;
  FILE *input = is_stdin ? stdin : fopen (path, "r");
  if (input == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  g_autofree char *buffer = g_malloc (ADMIT_MAX_XML + 2);
  size_t length = fread (buffer, 1, ADMIT_MAX_XML + 1, input);
  gboolean failed = ferror (input);
  if (!is_stdin)
    fclose (input);
  if (failed || length > ADMIT_MAX_XML || length == 0 || !g_utf8_validate (buffer, (gssize) length, NULL))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: %s", what,
                   failed ? "cannot be read" : length == 0 ? "empty"
                   : length > ADMIT_MAX_XML ? "a domain XML of more than 32 KiB" : "not UTF-8 text");
      return NULL;
    }
  buffer[length] = '\0';
  return g_steal_pointer (&buffer);
}

static int
cmd_admit (Ctl *ctl, int argc, char **argv)
{
  const char *path = NULL;
  int status = ctl_parse_args ("admit", argc, argv, NULL, 0, &path, 1);
  if (status != EXIT_OK)
    return status;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = read_xml (path, &error);
  if (xml == NULL)
    {
      g_printerr ("error: %s\n", error->message);
      return EXIT_FAILED;
    }
  json_object *params = json_object_new_object ();
  json_object_object_add (params, "xml", json_object_new_string (xml));
  g_autoptr(json_object) result = ctl_call (ctl, "admit", params, &error);
  if (result == NULL)
    return ctl_fail (error);
  gboolean admit = ballast_json_get_bool (result, "admit");
  const char *reason = ballast_json_get_string (result, "reason");
  if (ctl->json)
    printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY
                                                              | JSON_C_TO_STRING_NOSLASHESCAPE));
  else if (admit)
    printf ("%s\n", reason != NULL ? reason : "admitted");
  else
    g_printerr ("ballast: %s\n", reason != NULL ? reason : "refused");
  fflush (stdout);
  return admit ? EXIT_OK : EXIT_REFUSED;
}

const Command ctl_admit_command = {
  "admit", "admit FILE",
  "whether starting the domain of this XML (- for standard input) keeps the host within policy",
  cmd_admit,
};
