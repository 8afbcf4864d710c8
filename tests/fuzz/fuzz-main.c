/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A main() for the fuzz targets where libFuzzer is not used (gcc, or the
 * replay binaries of a -Dfuzzing=true build): run LLVMFuzzerTestOneInput()
 * once on every file named on the command line or found below a directory
 * named there, in name order, and report in TAP. A crash, a sanitizer
 * report or a failed check aborts the run; the last "# running" line names
 * the input that did it.
 *
 *   fuzz-NAME [--optional] PATH...
 *
 * A missing PATH is an error, unless --optional came before it (for
 * tests/fuzz/regressions/NAME/, which exists once a crash was found).
 *
 * An input that takes longer than FUZZ_TIMEOUT seconds (default 20, as
 * scripts/run-fuzzers gives libFuzzer) fails the run: a parser that hangs
 * on a small file is a bug as much as one that crashes. */
#include "fuzz.h"

#include <signal.h>
#include <unistd.h>

static const char *current_input;

static void
on_timeout (int signal_number)
{
  static const char prefix[] = "fuzz: timeout: this input took too long: ";
  ssize_t ignored = write (STDERR_FILENO, prefix, sizeof prefix - 1);
  ignored = write (STDERR_FILENO, current_input, strlen (current_input));
  ignored = write (STDERR_FILENO, "\n", 1);
  (void) ignored;
  abort ();
}

static void
collect (const char *path, GPtrArray *files)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      exit (EXIT_FAILURE);
    }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (dir)) != NULL)
    /* Dot files and READMEs describe a corpus, they are not part of it. */
    if (name[0] != '.' && !g_str_has_prefix (name, "README"))
      g_ptr_array_add (names, g_strdup (name));
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, (const char *) names->pdata[i], NULL);
      collect (child, files);
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  gboolean optional = FALSE;
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--optional") == 0)
        {
          optional = TRUE;
          continue;
        }
      if (!g_file_test (argv[i], G_FILE_TEST_EXISTS))
        {
          if (optional)
            {
              optional = FALSE;
              continue;
            }
          fprintf (stderr, "%s: no such file or directory\n", argv[i]);
          return EXIT_FAILURE;
        }
      optional = FALSE;
      g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
      collect (argv[i], found);
      g_ptr_array_sort (found, compare_paths);
      for (guint j = 0; j < found->len; j++)
        g_ptr_array_add (files, g_strdup (found->pdata[j]));
    }

  LLVMFuzzerInitialize (&argc, &argv);
  const char *timeout_text = g_getenv ("FUZZ_TIMEOUT");
  unsigned timeout_sec = timeout_text != NULL ? (unsigned) atoi (timeout_text) : 20;
  signal (SIGALRM, on_timeout);

  printf ("1..%u\n", files->len);
  fflush (stdout);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      g_autofree char *contents = NULL;
      gsize length = 0;
      g_autoptr(GError) error = NULL;
      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, path, error->message);
          return EXIT_FAILURE;
        }
      printf ("# running %s\n", path);
      fflush (stdout);
      current_input = path;
      alarm (timeout_sec);
      /* A copy of exactly LENGTH bytes (no terminating NUL), so ASan sees
       * a read past the end as libFuzzer's inputs would show it. */
      g_autofree uint8_t *data = g_malloc (MAX (length, 1));
      memcpy (data, contents, length);
      LLVMFuzzerTestOneInput (data, length);
      alarm (0);
      printf ("ok %u - %s (%" G_GSIZE_FORMAT " bytes)\n", i + 1, path, length);
      fflush (stdout);
    }
  return EXIT_SUCCESS;
}
