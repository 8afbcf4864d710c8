/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* Parse XML text without network access or entity expansion (domain XML and
 * metadata come from libvirt, but their content comes from whoever defined
 * the domain). WHAT names the input in errors: "WHAT line N: message". */
xmlDoc *ballast_xml_parse (const char *text, const char *what, GError **error);

/* The first element child of NODE named NAME (in no namespace when
 * NS_HREF is NULL, else in that namespace), or NULL. */
xmlNode *ballast_xml_child (xmlNode *node, const char *name, const char *ns_href);

/* The text content of NODE, stripped, newly allocated. */
char *ballast_xml_text (xmlNode *node);

/* Attribute NAME of NODE, or NULL. */
char *ballast_xml_attr (xmlNode *node, const char *name);

/* A size element like <memory unit='KiB'>524288</memory>: the text is an
 * unsigned integer, the optional unit attribute a libvirt unit. WHAT names
 * the input in errors. */
gboolean ballast_xml_size_kib (xmlNode *node, const char *what, guint64 *ret_kib,
                               GError **error);

/* An "on"/"off" (or "yes"/"no") attribute: TRUE when present and on. */
gboolean ballast_xml_attr_on (xmlNode *node, const char *name, gboolean *ret_present);

/* The whole subtree of NODE serialized back to text. */
char *ballast_xml_serialize (xmlNode *node);

G_END_DECLS
