/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* prom-validate: check Prometheus text on stdin, for the shell tests.
 * Exit status 0 when valid; 1, with the reason on stderr, when not. */
#include "prom-validate.h"

#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char chunk[4096];
  size_t n;
  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_string_append_len (text, chunk, (gssize) n);
  if (ferror (stdin) || memchr (text->str, '\0', text->len) != NULL)
    {
      g_printerr ("prom-validate: unreadable input\n");
      return 1;
    }
  g_autoptr(GError) error = NULL;
  if (!prom_validate (text->str, &error))
    {
      g_printerr ("prom-validate: %s\n", error->message);
      return 1;
    }
  return 0;
}
