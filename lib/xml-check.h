/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* A strict walk over an XML document against a table of the elements it
 * may contain, run before RelaxNG validation. libxml2's RelaxNG reports a
 * typo deep inside an <interleave> as "Extra element host in interleave"
 * on line 0; this names the element, its line, what was expected and what
 * is wrong with a value, which is what an operator needs to fix a file. */

typedef enum {
  BALLAST_XML_CONTAINER,   /* only child elements */
  BALLAST_XML_EMPTY,       /* no content (attributes only) */
  BALLAST_XML_SIZE,        /* <x unit='MiB'>512</x> */
  BALLAST_XML_SIZE_OR_PERCENT, /* a size, or <x percent='25'/> */
  BALLAST_XML_COUNT,       /* integer 1..1000000 */
  BALLAST_XML_UINT,        /* integer 0..2^32-1 */
} BallastXmlKind;

typedef struct {
  const char *path;        /* element path from the root: "policy/host/reserve" */
  BallastXmlKind kind;
  const char *attributes;  /* allowed attributes and their values, see below */
} BallastXmlRule;

/* ATTRIBUTES is a space-separated list of NAME=TYPE, TYPE one of:
 * "percent" (0..100), "percent1" (1..100), "percent1000" (0..1000),
 * "percent100to1000" (100..1000),
 * "string" (not empty), or choices "a|b|c"; a trailing "!" makes the
 * attribute required. Size elements get "unit" implicitly,
 * SIZE_OR_PERCENT "percent".
 * RULES ends with a { NULL } entry. Elements must be in namespace NS. */
gboolean ballast_xml_check (xmlNode *root, const BallastXmlRule *rules, const char *ns,
                            const char *what, GError **error);

G_END_DECLS
