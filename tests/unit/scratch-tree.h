/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scratch copies of the fixture trees (tests/fixtures/trees/), for tests
 * that change a file or write to one. Header-only, static inline. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static inline char *
scratch_fixture_path (const char *relative)
{
  return g_build_filename (BALLAST_FIXTURES_DIR, relative, NULL);
}

static inline char *
scratch_load_fixture (const char *relative)
{
  g_autofree char *path = scratch_fixture_path (relative);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static inline void
scratch_remove_tree (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          scratch_remove_tree (child);
        }
    }
  g_remove (path);
}

static inline void
scratch_copy_tree (const char *from, const char *to)
{
  if (g_file_test (from, G_FILE_TEST_IS_DIR))
    {
      g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
      g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
      g_assert_nonnull (dir);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *a = g_build_filename (from, name, NULL);
          g_autofree char *b = g_build_filename (to, name, NULL);
          scratch_copy_tree (a, b);
        }
      return;
    }
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (from, &contents, &length, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, contents, (gssize) length, &error);
  g_assert_no_error (error);
}

/* A scratch copy of trees/NAME; remove with scratch_remove_tree(). */
static inline char *
scratch_tree_new (const char *name)
{
  char *root = g_dir_make_tmp ("ballast-ksm-XXXXXX", NULL);
  g_assert_nonnull (root);
  g_autofree char *from = g_build_filename (BALLAST_FIXTURES_DIR, "trees", name, NULL);
  g_assert_true (g_file_test (from, G_FILE_TEST_IS_DIR));
  scratch_copy_tree (from, root);
  return root;
}

/* Write CONTENTS (LENGTH bytes, or a string when -1) to ROOT/RELATIVE,
 * making the directories on the way. */
static inline void
scratch_write (const char *root, const char *relative, const char *contents, gssize length)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

static inline char *
scratch_read (const char *root, const char *relative)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* Fail with a readable message unless MESSAGE contains every NEEDLES. */
static inline void
scratch_assert_mentions (const char *message, const char *const *needles)
{
  for (guint i = 0; needles[i] != NULL; i++)
    if (strstr (message, needles[i]) == NULL)
      g_error ("'%s' does not mention '%s'", message, needles[i]);
}
