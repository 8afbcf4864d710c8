/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "json-util.h"

#include <glib.h>
#include <json.h>

G_BEGIN_DECLS

/* A figure of a report that may be unknown: null in JSON, left out of the
 * metrics, "-" in the tables. Shared by lib/status-report.h and
 * lib/ksm-report.h. */
typedef struct {
  gboolean known;
  gint64 value;
} BallastFigure;

static inline BallastFigure
ballast_figure (gint64 value)
{
  return (BallastFigure) { .known = TRUE, .value = value };
}

/* A size in KiB (or any unsigned count) as a figure, clamped as
 * ballast_json_kib() does. */
static inline BallastFigure
ballast_figure_kib (guint64 kib)
{
  return ballast_figure ((gint64) MIN (kib, (guint64) G_MAXINT64));
}

/* A flag that may be unknown, as a figure of 0 or 1. */
static inline BallastFigure
ballast_figure_flag (gboolean value)
{
  return ballast_figure (value ? 1 : 0);
}

#define BALLAST_FIGURE_UNKNOWN ((BallastFigure) { .known = FALSE })

/* ---- JSON ---- */

static inline void
ballast_json_add_figure (json_object *object, const char *key, BallastFigure figure)
{
  json_object_object_add (object, key, figure.known ? json_object_new_int64 (figure.value) : NULL);
}

/* A flag figure as a JSON boolean, or null. */
static inline void
ballast_json_add_flag (json_object *object, const char *key, BallastFigure flag)
{
  json_object_object_add (object, key, flag.known ? json_object_new_boolean (flag.value != 0) : NULL);
}

/* Read defensively: anything but an integer is unknown. */
static inline BallastFigure
ballast_json_get_figure (json_object *object, const char *key)
{
  gint64 value;
  return ballast_json_get_int (object, key, &value) ? ballast_figure (value) : BALLAST_FIGURE_UNKNOWN;
}

/* Anything but a boolean is unknown. */
static inline BallastFigure
ballast_json_get_flag (json_object *object, const char *key)
{
  json_object *value = ballast_json_get (object, key);
  return value != NULL && json_object_is_type (value, json_type_boolean)
           ? ballast_figure_flag (json_object_get_boolean (value)) : BALLAST_FIGURE_UNKNOWN;
}

G_END_DECLS
