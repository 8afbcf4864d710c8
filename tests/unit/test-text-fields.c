/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict number parser and the small-file readers every other reader
 * is built on. */
#include "ballast-error.h"
#include "text-fields.h"
#include "scratch-tree.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---- A scratch directory, removed at the end ---- */

static char *
write_scratch_file (const char *dir, const char *name, const char *contents, gssize length)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
  return path;
}

/* ---- ballast_parse_u64 ---- */

typedef struct {
  const char *text;
  gboolean ok;
  guint64 value;
} U64Case;

static const U64Case u64_cases[] = {
  { "0", TRUE, 0 },
  { "42", TRUE, 42 },
  { "00042", TRUE, 42 },
  { "18446744073709551615", TRUE, G_MAXUINT64 },
  { "18446744073709551616", FALSE, 0 },       /* one past the top */
  { "18446744073709551620", FALSE, 0 },
  { "99999999999999999999", FALSE, 0 },
  { "184467440737095516150", FALSE, 0 },
  { "", FALSE, 0 },
  { "-1", FALSE, 0 },
  { "+1", FALSE, 0 },
  { " 1", FALSE, 0 },
  { "1 ", FALSE, 0 },
  { "1\n", FALSE, 0 },
  { "1a", FALSE, 0 },
  { "0x10", FALSE, 0 },
  { "1.0", FALSE, 0 },
  { "1e3", FALSE, 0 },
  { "\xd9\xa3", FALSE, 0 },                   /* ARABIC-INDIC DIGIT THREE */
};

static void
test_parse_u64 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (u64_cases); i++)
    {
      const U64Case *c = &u64_cases[i];
      guint64 value = 4242;
      g_autofree char *shown = g_strescape (c->text, NULL);
      g_test_message ("'%s'", shown);
      g_assert_cmpint (ballast_parse_u64 (c->text, strlen (c->text), &value), ==, c->ok);
      g_assert_cmpuint (value, ==, c->ok ? c->value : 4242); /* untouched on failure */
    }
}

static void
test_parse_u64_length (void)
{
  guint64 value = 0;
  /* Only LENGTH bytes are read: the rest of a line may follow. */
  g_assert_true (ballast_parse_u64 ("123456 kB", 3, &value));
  g_assert_cmpuint (value, ==, 123);
  /* No terminator needed. */
  const char digits[3] = { '7', '8', '9' };
  g_assert_true (ballast_parse_u64 (digits, sizeof digits, &value));
  g_assert_cmpuint (value, ==, 789);
  /* A NUL inside the length is not a digit. */
  g_assert_false (ballast_parse_u64 ("12\0" "3", 4, &value));
  g_assert_false (ballast_parse_u64 ("12", 0, &value));
}

/* ---- ballast_read_small_file ---- */

static void
test_read_small_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  g_assert_nonnull (dir);

  g_autofree char *hello = write_scratch_file (dir, "hello", "hello\n", -1);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_read_small_file (hello, 4096, &contents, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "hello\n");
  g_clear_pointer (&contents, g_free);

  /* Exactly at the limit is fine. */
  g_assert_true (ballast_read_small_file (hello, 6, &contents, &error));
  g_assert_cmpstr (contents, ==, "hello\n");
  g_clear_pointer (&contents, g_free);

  /* An empty file, even with a zero limit. */
  g_autofree char *empty = write_scratch_file (dir, "empty", "", 0);
  g_assert_true (ballast_read_small_file (empty, 0, &contents, &error));
  g_assert_cmpstr (contents, ==, "");
  g_clear_pointer (&contents, g_free);

  /* Larger than one read() buffer. */
  g_autofree char *big_text = g_strnfill (10000, 'x');
  g_autofree char *big = write_scratch_file (dir, "big", big_text, -1);
  g_assert_true (ballast_read_small_file (big, 10000, &contents, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (contents), ==, 10000);
  g_clear_pointer (&contents, g_free);

  scratch_remove_tree (dir);
}

static void
test_read_small_file_too_large (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  g_autofree char *hello = write_scratch_file (dir, "hello", "hello\n", -1);
  g_autofree char *big_text = g_strnfill (10000, 'x');
  g_autofree char *big = write_scratch_file (dir, "big", big_text, -1);
  char *contents = NULL;

  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_read_small_file (hello, 5, &contents, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, hello));
  g_assert_nonnull (strstr (error->message, "5 bytes"));
  g_assert_null (contents);
  g_clear_error (&error);

  g_assert_false (ballast_read_small_file (big, 4097, &contents, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
  g_assert_nonnull (strstr (error->message, big));
  g_assert_null (contents);

  scratch_remove_tree (dir);
}

static void
test_read_small_file_nul (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  g_autofree char *path = write_scratch_file (dir, "binary", "MemTotal: 1\0 kB\n", 16);
  char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_read_small_file (path, 4096, &contents, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "NUL byte"));
  g_assert_null (contents);

  scratch_remove_tree (dir);
}

static void
test_read_small_file_unreadable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (ballast_read_small_file (missing, 4096, &contents, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot open"));
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_null (contents);
  g_clear_error (&error);

  /* A directory opens but cannot be read. */
  g_assert_false (ballast_read_small_file (dir, 4096, &contents, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "cannot read"));
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_null (contents);

  scratch_remove_tree (dir);
}

/* ---- ballast_read_u64_file ---- */

static void
test_read_u64_file (void)
{
  static const struct {
    const char *contents;
    guint64 value;
  } cases[] = {
    { "42\n", 42 },
    { "42", 42 },
    { "  7 \n", 7 },                                 /* blanks around are stripped */
    { "2684354560\n", G_GUINT64_CONSTANT (2684354560) },
    { "18446744073709551615\n", G_MAXUINT64 },
  };
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_scratch_file (dir, "value", cases[i].contents, -1);
      g_autoptr(GError) error = NULL;
      guint64 value = 0;
      g_assert_true (ballast_read_u64_file (path, &value, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (value, ==, cases[i].value);
    }
  scratch_remove_tree (dir);
}

static void
test_read_u64_file_bad (void)
{
  static const struct {
    const char *contents;
    int code;
    const char *message_part;
  } cases[] = {
    { "", BALLAST_ERROR_PARSE, "expected an unsigned number, got ''" },
    { "\n", BALLAST_ERROR_PARSE, "got ''" },
    { "abc\n", BALLAST_ERROR_PARSE, "got 'abc'" },
    { "-1\n", BALLAST_ERROR_PARSE, "got '-1'" },
    { "max\n", BALLAST_ERROR_PARSE, "got 'max'" },
    { "1 2\n", BALLAST_ERROR_PARSE, "got '1 2'" },
    { "1\n2\n", BALLAST_ERROR_PARSE, "expected an unsigned number" },
    { "18446744073709551616\n", BALLAST_ERROR_PARSE, "got '18446744073709551616'" },
    { "4096 kB\n", BALLAST_ERROR_PARSE, "got '4096 kB'" },
  };
  g_autofree char *dir = g_dir_make_tmp ("ballast-text-XXXXXX", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_scratch_file (dir, "value", cases[i].contents, -1);
      g_autoptr(GError) error = NULL;
      guint64 value = 4242;
      g_autofree char *shown = g_strescape (cases[i].contents, NULL);
      g_test_message ("'%s'", shown);
      g_assert_false (ballast_read_u64_file (path, &value, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
    }

  /* Over the 256 bytes a single number could ever need. */
  g_autofree char *long_number = g_strnfill (300, '1');
  g_autofree char *long_path = write_scratch_file (dir, "long", long_number, -1);
  g_autoptr(GError) error = NULL;
  guint64 value;
  g_assert_false (ballast_read_u64_file (long_path, &value, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
  g_clear_error (&error);

  /* A NUL byte after the number. */
  g_autofree char *nul_path = write_scratch_file (dir, "nul", "12\0" "34", 5);
  g_assert_false (ballast_read_u64_file (nul_path, &value, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "NUL byte"));
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_assert_false (ballast_read_u64_file (missing, &value, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
  g_assert_nonnull (strstr (error->message, missing));

  scratch_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text-fields/parse-u64/table", test_parse_u64);
  g_test_add_func ("/text-fields/parse-u64/length", test_parse_u64_length);
  g_test_add_func ("/text-fields/read-small-file/ok", test_read_small_file);
  g_test_add_func ("/text-fields/read-small-file/too-large", test_read_small_file_too_large);
  g_test_add_func ("/text-fields/read-small-file/nul-byte", test_read_small_file_nul);
  g_test_add_func ("/text-fields/read-small-file/unreadable", test_read_small_file_unreadable);
  g_test_add_func ("/text-fields/read-u64-file/ok", test_read_u64_file);
  g_test_add_func ("/text-fields/read-u64-file/invalid", test_read_u64_file_bad);
  return g_test_run ();
}
