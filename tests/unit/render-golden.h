/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The JSON inputs of the rendering goldens (tests/golden/render/), for
 * the tests of the reports and their renderings. Header-only, static
 * inline. */
#pragma once

#include <glib.h>
#include <json.h>

/* tests/golden/render/NAME, parsed; aborts the test when it is not JSON. */
static inline json_object *
render_golden_load_json (const char *name)
{
  g_autofree char *path = g_build_filename (BALLAST_GOLDEN_DIR, "render", name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  json_object *object = json_tokener_parse (text);
  if (object == NULL)
    g_error ("%s is not valid JSON", path);
  return object;
}
