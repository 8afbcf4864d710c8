/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Set-up shared by every fuzz target: quiet logging that still fails on
 * criticals, and libxml2 kept off stderr. Called once by libFuzzer, and by
 * fuzz-main.c before the first input. */
#include "fuzz.h"

#include "ballast-error.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

/* Debug and info messages from the parsers are dropped: printing them for
 * every input would cost more than the parsing. Criticals are bugs
 * (g_return_if_fail() in libballast, or GLib refusing an argument), errors
 * are g_error(): both end the run with the message. Warnings too: no parser
 * is supposed to warn about its input instead of returning a GError. */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return G_LOG_WRITER_HANDLED;
  g_log_writer_standard_streams (level, fields, n_fields, user_data);
  fprintf (stderr, "fuzz: GLib logged a %s: failing\n",
           (level & G_LOG_LEVEL_WARNING) != 0 ? "warning" : "critical or error");
  abort ();
}

/* libxml2's default handler prints every parse error of hostile input.
 * libballast passes XML_PARSE_NOERROR and collects its own errors, so this
 * only hides what would otherwise reach stderr. */
static void
fuzz_xml_quiet (void *user_data, const char *format, ...)
{
}

#define fail_at(...)                                                           \
  do                                                                           \
    {                                                                          \
      fprintf (stderr, "fuzz: %s:%d: ", file, line);                           \
      fprintf (stderr, __VA_ARGS__);                                           \
      fputc ('\n', stderr);                                                    \
      abort ();                                                                \
    }                                                                          \
  while (0)

void
fuzz_check_result_at (const char *file, int line, const char *what, gboolean ok,
                      const GError *error)
{
  /* FUZZ_VERBOSE=1: say what each call made of the input, to see how far
   * the seeds get into a parser. */
  static int verbose = -1;
  if (verbose < 0)
    verbose = g_getenv ("FUZZ_VERBOSE") != NULL;
  if (verbose)
    fprintf (stderr, "fuzz: %s: %s\n", what, ok ? "ok" : error != NULL ? error->message : "failed");
  if (ok && error != NULL)
    fail_at ("%s succeeded but set an error: %s", what, error->message);
  if (!ok && error == NULL)
    fail_at ("%s failed without setting an error", what);
  if (error != NULL && error->domain != BALLAST_ERROR)
    fail_at ("%s failed with an error outside BALLAST_ERROR (%s): %s", what,
             g_quark_to_string (error->domain), error->message);
  if (error != NULL && (error->message == NULL || error->message[0] == '\0'))
    fail_at ("%s failed with an empty error message", what);
}

gboolean
fuzz_ignored (const char *name)
{
  static char **ignored = NULL;
  if (ignored == NULL)
    ignored = g_strsplit (g_getenv ("FUZZ_IGNORE") != NULL ? g_getenv ("FUZZ_IGNORE") : "", ",", -1);
  return g_strv_contains ((const char *const *) ignored, name);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
  xmlInitParser ();
  xmlSetGenericErrorFunc (NULL, fuzz_xml_quiet);
  return 0;
}
