/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Validate DOC against one of ballast's RelaxNG schemas ("policy.rng",
 * "tuning.rng"), compiled into the library as GResources. On failure the
 * error names WHAT, the line, and the rule broken, e.g.
 *   "/etc/ballast/policy.xml line 12: Element shares failed to validate content".
 * Thread-safe. */
gboolean ballast_xml_validate (xmlDoc *doc, const char *schema_name, const char *what,
                               GError **error);

G_END_DECLS
