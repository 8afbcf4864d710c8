/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What every fuzz target shares. A target is one file, fuzz-NAME.c, that
 * defines LLVMFuzzerTestOneInput() and feeds the bytes to one parser of
 * libballast. It is linked either with libFuzzer (-Dfuzzing=true, clang),
 * or with fuzz-main.c, which runs it over the files of a corpus: the
 * fuzz-corpus test suite, built by every compiler.
 *
 * A target fails (abort()) when the parser crashes, when a sanitizer
 * reports, when GLib logs a critical (a g_return_if_fail() tripped: a
 * precondition inside libballast did not hold), or when a parser breaks
 * its header's contract: failure without a GError, a GError on success,
 * or a GError outside BALLAST_ERROR. */

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* The input as a string: a NUL-terminated copy. Parsers of text files get
 * C strings, so an embedded NUL simply ends the text, as it would for
 * g_file_get_contents() callers. */
static inline char *
fuzz_text (const uint8_t *data, size_t size)
{
  char *text = g_malloc (size + 1);
  if (size > 0)
    memcpy (text, data, size);
  text[size] = '\0';
  return text;
}

#define fuzz_fail(...)                                                         \
  do                                                                           \
    {                                                                          \
      fprintf (stderr, "fuzz: %s:%d: ", __FILE__, __LINE__);                   \
      fprintf (stderr, __VA_ARGS__);                                           \
      fputc ('\n', stderr);                                                    \
      abort ();                                                                \
    }                                                                          \
  while (0)

#define fuzz_assert(cond)                                                      \
  do                                                                           \
    {                                                                          \
      if (!(cond))                                                             \
        fuzz_fail ("assertion failed: %s", #cond);                             \
    }                                                                          \
  while (0)

/* TRUE when the check NAME is listed in FUZZ_IGNORE (comma-separated): a
 * known, reported finding whose check would otherwise stop every run at
 * once, so that fuzzing can go past it while it waits for its fix
 * (FUZZ_IGNORE=reply-utf8 scripts/run-fuzzers 20 control-request). */
gboolean fuzz_ignored (const char *name);

/* The GError convention of libballast (ballast-error.h): a failed call sets
 * exactly one error in BALLAST_ERROR with a message, a successful one none.
 * WHAT names the call in the report. */
void fuzz_check_result_at (const char *file, int line, const char *what, gboolean ok,
                           const GError *error);
#define fuzz_check_result(what, ok, error) \
  fuzz_check_result_at (__FILE__, __LINE__, (what), (ok), (error))
