/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sim-scenario.h"

#include "ballast-error.h"
#include "json-util.h"
#include "size-units.h"
#include "text-fields.h"

#include <math.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_tokener, json_tokener_free)

#define MIB_IN_KIB G_GUINT64_CONSTANT (1024)
#define MSEC_PER_SEC G_GINT64_CONSTANT (1000)
#define MAX_DURATION_MSEC BALLAST_SIM_MAX_DURATION_MSEC
#define MAX_STEPS BALLAST_SIM_MAX_STEPS
#define MAX_GUESTS 100000
#define MAX_SCENARIO_BYTES (16 * 1024 * 1024)
#define MAX_CSV_BYTES (64 * 1024 * 1024)

/* ---- Curves ---------------------------------------------------------------- */

void
ballast_sim_curve_clear (BallastSimCurve *curve)
{
  g_clear_pointer (&curve->points, g_array_unref);
}

void
ballast_sim_curve_copy (const BallastSimCurve *from, BallastSimCurve *to)
{
  *to = *from;
  to->points = g_array_copy (from->points);
}

/* A fixed pseudo-random value in [-1, 1] for (SEED, INDEX): splitmix64, so
 * noise is the same on every run and every machine. */
static double
noise_at (guint32 seed, gint64 index)
{
  guint64 z = ((guint64) seed << 32) ^ (guint64) index;
  z += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  z ^= z >> 31;
  return (double) (z >> 11) / (double) (G_GUINT64_CONSTANT (1) << 53) * 2.0 - 1.0;
}

/* Floor division for possibly negative times. */
static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

guint64
ballast_sim_curve_at_kib (const BallastSimCurve *curve, gint64 t_msec)
{
  const BallastSimPoint *p = (const BallastSimPoint *) curve->points->data;
  guint n = curve->points->len;
  gint64 t = t_msec + curve->offset_msec;
  if (curve->period_msec > 0)
    t -= floor_div (t, curve->period_msec) * curve->period_msec;

  double value;
  if (t < p[0].t_msec)
    value = (double) p[0].kib;
  else
    {
      /* The last point at or before t (the later one of a step). */
      guint low = 0, high = n;
      while (high - low > 1)
        {
          guint middle = low + (high - low) / 2;
          if (p[middle].t_msec <= t)
            low = middle;
          else
            high = middle;
        }
      if (low + 1 >= n)
        value = (double) p[low].kib;
      else
        {
          double span = (double) (p[low + 1].t_msec - p[low].t_msec);
          double frac = span > 0 ? (double) (t - p[low].t_msec) / span : 1.0;
          value = (double) p[low].kib + frac * ((double) p[low + 1].kib - (double) p[low].kib);
        }
    }

  if (curve->noise_kib > 0 && curve->noise_period_msec > 0)
    {
      gint64 tn = t_msec + curve->offset_msec;
      gint64 k = floor_div (tn, curve->noise_period_msec);
      double frac = (double) (tn - k * curve->noise_period_msec) / (double) curve->noise_period_msec;
      double n0 = noise_at (curve->noise_seed, k), n1 = noise_at (curve->noise_seed, k + 1);
      value += (n0 + frac * (n1 - n0)) * (double) curve->noise_kib;
    }
  /* Sizes are at most 1 EiB, noise included: no conversion out of range. */
  if (value <= 0)
    return 0;
  if (value >= (double) BALLAST_SIM_MAX_KIB * 2)
    return BALLAST_SIM_MAX_KIB * 2;
  return (guint64) (value + 0.5);
}

/* ---- Scalars --------------------------------------------------------------- */

/* ---- JSON reading with a path for every message ----------------------------- */

typedef struct {
  const char *file;
  const char *base_dir;
} Reader;

G_GNUC_PRINTF (4, 5) static gboolean
fail (const Reader *reader, GError **error, const char *where, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s: %s: %s", reader->file, where, message);
  return FALSE;
}

static const char *
json_type_phrase (json_object *value)
{
  switch (json_object_get_type (value))
    {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double: return "a fractional number";
    case json_type_int: return "a number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    default: return "something else";
    }
}

static char *
join_path (const char *where, const char *key)
{
  return *where == '\0' ? g_strdup (key) : g_strdup_printf ("%s.%s", where, key);
}

BallastSimScenario *
ballast_sim_scenario_new (void)
{
  BallastSimScenario *scenario = g_new0 (BallastSimScenario, 1);
  scenario->step_msec = MSEC_PER_SEC;
  scenario->cycle_msec = 10 * MSEC_PER_SEC;
  scenario->balloon_rate_kib_per_sec = 256 * MIB_IN_KIB;
  scenario->host_oom_margin_kib = 256 * MIB_IN_KIB;
  scenario->guests = g_ptr_array_new_with_free_func ((GDestroyNotify) ballast_sim_guest_free);
  return scenario;
}

/* Every key of OBJECT must be in ALLOWED (NULL-terminated). */
static gboolean
check_keys (const Reader *reader, json_object *object, const char *where,
            const char *const *allowed, GError **error)
{
  json_object_object_foreach (object, key, value)
    {
      (void) value;
      if (!g_strv_contains (allowed, key))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) allowed);
          return fail (reader, error, *where != '\0' ? where : "top level",
                       "unknown field '%s' (expected one of: %s)", key, list);
        }
    }
  return TRUE;
}

/* A size: a JSON integer (MiB) or a string with a unit ("1.5G", "512M";
 * bare numbers in strings are MiB too). */
static gboolean
read_size (const Reader *reader, json_object *value, const char *where, guint64 *ret_kib,
           GError **error)
{
  if (json_object_is_type (value, json_type_int))
    {
      gint64 mib = json_object_get_int64 (value);
      if (mib < 0 || (guint64) mib > BALLAST_SIM_MAX_KIB / MIB_IN_KIB)
        return fail (reader, error, where, "size %" G_GINT64_FORMAT " MiB is out of range (0 to 1 EiB)", mib);
      *ret_kib = (guint64) mib * MIB_IN_KIB;
      return TRUE;
    }
  if (json_object_is_type (value, json_type_string))
    {
      g_autoptr(GError) local = NULL;
      if (!ballast_size_parse_kib (json_object_get_string (value), "MiB", ret_kib, &local))
        return fail (reader, error, where, "%s", local->message);
      if (*ret_kib > BALLAST_SIM_MAX_KIB)
        return fail (reader, error, where, "size '%s' is out of range (0 to 1 EiB)",
                     json_object_get_string (value));
      return TRUE;
    }
  return fail (reader, error, where,
               "expected a size (a number of MiB, or a string like \"1.5G\"), got %s",
               json_type_phrase (value));
}

/* A size or a percentage of something ("10%"). */
static gboolean
read_amount (const Reader *reader, json_object *value, const char *where, BallastAmount *ret_amount,
             GError **error)
{
  if (json_object_is_type (value, json_type_string) && strchr (json_object_get_string (value), '%') != NULL)
    {
      g_autoptr(GError) local = NULL;
      if (!ballast_amount_parse (json_object_get_string (value), ret_amount, &local))
        return fail (reader, error, where, "%s", local->message);
      return TRUE;
    }
  *ret_amount = (BallastAmount) { 0 };
  return read_size (reader, value, where, &ret_amount->kib, error);
}

static gboolean
read_duration (const Reader *reader, json_object *value, const char *where, gint64 *ret_msec,
               GError **error)
{
  if (json_object_is_type (value, json_type_int))
    {
      gint64 sec = json_object_get_int64 (value);
      if (sec < 0 || sec > MAX_DURATION_MSEC / MSEC_PER_SEC)
        return fail (reader, error, where, "duration %" G_GINT64_FORMAT " s is out of range", sec);
      *ret_msec = sec * MSEC_PER_SEC;
      return TRUE;
    }
  if (json_object_is_type (value, json_type_string))
    {
      g_autoptr(GError) local = NULL;
      guint64 msec = 0;
      if (!ballast_duration_parse_msec (json_object_get_string (value), &msec, &local))
        return fail (reader, error, where, "%s", local->message);
      *ret_msec = (gint64) msec;
      return TRUE;
    }
  return fail (reader, error, where,
               "expected a duration (seconds, or a string like \"10s\", \"5m\"), got %s",
               json_type_phrase (value));
}

static gboolean
read_uint (const Reader *reader, json_object *value, const char *where, guint64 low, guint64 high,
           guint64 *ret_value, GError **error)
{
  if (!json_object_is_type (value, json_type_int))
    return fail (reader, error, where, "expected a whole number, got %s", json_type_phrase (value));
  gint64 number = json_object_get_int64 (value);
  if (number < 0 || (guint64) number < low || (guint64) number > high)
    return fail (reader, error, where, "%" G_GINT64_FORMAT " is out of range (%" G_GUINT64_FORMAT
                 "..%" G_GUINT64_FORMAT ")", number, low, high);
  *ret_value = (guint64) number;
  return TRUE;
}

static gboolean
read_bool (const Reader *reader, json_object *value, const char *where, gboolean *ret_value,
           GError **error)
{
  if (!json_object_is_type (value, json_type_boolean))
    return fail (reader, error, where, "expected true or false, got %s", json_type_phrase (value));
  *ret_value = json_object_get_boolean (value);
  return TRUE;
}

static gboolean
read_string (const Reader *reader, json_object *value, const char *where, const char **ret_value,
             GError **error)
{
  if (!json_object_is_type (value, json_type_string) || *json_object_get_string (value) == '\0')
    return fail (reader, error, where, "expected a non-empty string, got %s",
                 json_object_is_type (value, json_type_string) ? "an empty one" : json_type_phrase (value));
  *ret_value = json_object_get_string (value);
  return TRUE;
}

/* ---- CSV demand traces ----------------------------------------------------- */

static gboolean
parse_decimal (const char *text, double *ret_value)
{
  char *end = NULL;
  while (g_ascii_isspace (*text))
    text++;
  double value = g_ascii_strtod (text, &end);
  if (end == text)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0' || !isfinite (value) || value < 0)
    return FALSE;
  *ret_value = value;
  return TRUE;
}

GArray *
ballast_sim_csv_parse (const char *text, const char *file_name, GError **error)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean seen_data = FALSE, seen_header = FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strstrip (lines[i]);
      char *line = lines[i];
      if (*line == '\0' || *line == '#')
        continue;
      g_auto(GStrv) fields = g_strsplit (line, ",", -1);
      if (g_strv_length (fields) != 2)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s line %u: expected two fields \"SECONDS,MIB\", got \"%s\"",
                       file_name, i + 1, line);
          return NULL;
        }
      double seconds, mib;
      gboolean ok = parse_decimal (fields[0], &seconds) && parse_decimal (fields[1], &mib);
      if (!ok && !seen_data && !seen_header && !g_ascii_isdigit (*line))
        {
          seen_header = TRUE; /* "time_s,demand_mib" */
          continue;
        }
      if (!ok)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s line %u: \"%s\" is not two non-negative numbers (seconds, MiB)",
                       file_name, i + 1, line);
          return NULL;
        }
      if (seconds * 1000 > (double) MAX_DURATION_MSEC || mib > 1024.0 * 1024 * 1024)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                       "%s line %u: \"%s\" is out of range", file_name, i + 1, line);
          return NULL;
        }
      BallastSimPoint point = {
        .t_msec = (gint64) (seconds * 1000 + 0.5),
        .kib = (guint64) (mib * 1024 + 0.5),
      };
      if (points->len > 0
          && point.t_msec < g_array_index (points, BallastSimPoint, points->len - 1).t_msec)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s line %u: time %s s goes backwards", file_name, i + 1, g_strstrip (fields[0]));
          return NULL;
        }
      g_array_append_val (points, point);
      seen_data = TRUE;
    }
  if (points->len == 0)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: no data lines (\"SECONDS,MIB\")",
                   file_name);
      return NULL;
    }
  return g_steal_pointer (&points);
}

/* ---- Demand curves --------------------------------------------------------- */

static const char *const segment_keys[] = { "ramp", "over", "hold", "step", "spike", "for", NULL };

static gboolean
read_segment (const Reader *reader, json_object *segment, const char *where, GArray *points,
              GError **error)
{
  if (!json_object_is_type (segment, json_type_object))
    return fail (reader, error, where, "expected an object like {\"ramp\": \"2G\", \"over\": \"5m\"}, "
                 "{\"hold\": \"10m\"}, {\"step\": \"3G\"} or {\"spike\": \"1G\", \"for\": \"30s\"}, got %s",
                 json_type_phrase (segment));
  if (!check_keys (reader, segment, where, segment_keys, error))
    return FALSE;
  BallastSimPoint last = g_array_index (points, BallastSimPoint, points->len - 1);
  json_object *ramp = NULL, *over = NULL, *hold = NULL, *step = NULL, *spike = NULL, *length = NULL;
  json_object_object_get_ex (segment, "ramp", &ramp);
  json_object_object_get_ex (segment, "over", &over);
  json_object_object_get_ex (segment, "hold", &hold);
  json_object_object_get_ex (segment, "step", &step);
  json_object_object_get_ex (segment, "spike", &spike);
  json_object_object_get_ex (segment, "for", &length);
  guint kinds = (ramp != NULL) + (hold != NULL) + (step != NULL) + (spike != NULL);
  if (kinds != 1)
    return fail (reader, error, where, "a segment has exactly one of \"ramp\", \"hold\", \"step\" "
                 "or \"spike\" (it has %u)", kinds);
  if ((over != NULL && ramp == NULL) || (length != NULL && spike == NULL))
    return fail (reader, error, where, "\"over\" goes with \"ramp\", \"for\" with \"spike\"");

  g_autofree char *at = NULL;
  guint64 level;
  gint64 msec;
  if (ramp != NULL)
    {
      at = join_path (where, "ramp");
      if (!read_size (reader, ramp, at, &level, error))
        return FALSE;
      g_free (at);
      at = join_path (where, "over");
      if (over == NULL)
        return fail (reader, error, where, "\"ramp\" needs \"over\" (how long the ramp takes)");
      if (!read_duration (reader, over, at, &msec, error))
        return FALSE;
      BallastSimPoint point = { last.t_msec + msec, level };
      g_array_append_val (points, point);
    }
  else if (hold != NULL)
    {
      at = join_path (where, "hold");
      if (!read_duration (reader, hold, at, &msec, error))
        return FALSE;
      BallastSimPoint point = { last.t_msec + msec, last.kib };
      g_array_append_val (points, point);
    }
  else if (step != NULL)
    {
      at = join_path (where, "step");
      if (!read_size (reader, step, at, &level, error))
        return FALSE;
      BallastSimPoint point = { last.t_msec, level };
      g_array_append_val (points, point);
    }
  else
    {
      at = join_path (where, "spike");
      if (!read_size (reader, spike, at, &level, error))
        return FALSE;
      g_free (at);
      at = join_path (where, "for");
      if (length == NULL)
        return fail (reader, error, where, "\"spike\" needs \"for\" (how long the spike lasts)");
      if (!read_duration (reader, length, at, &msec, error))
        return FALSE;
      BallastSimPoint points_spike[] = {
        { last.t_msec, level }, { last.t_msec + msec, level }, { last.t_msec + msec, last.kib },
      };
      g_array_append_vals (points, points_spike, G_N_ELEMENTS (points_spike));
    }
  return TRUE;
}

static const char *const curve_keys[] = {
  "start", "segments", "csv", "repeat", "noise", "noise_every", "seed", NULL
};

/* A demand (or host "other") curve: a constant size, or an object with
 * segments or a CSV file, and optional repetition and noise. */
static gboolean
read_curve (const Reader *reader, json_object *value, const char *where, guint32 default_seed,
            BallastSimCurve *ret_curve, GError **error)
{
  BallastSimCurve curve = { .noise_period_msec = 30 * MSEC_PER_SEC, .noise_seed = default_seed };
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (BallastSimPoint));
  g_autofree char *at = NULL;

  if (!json_object_is_type (value, json_type_object))
    {
      BallastSimPoint point = { 0, 0 };
      if (!read_size (reader, value, where, &point.kib, error))
        return FALSE;
      g_array_append_val (points, point);
      curve.points = g_steal_pointer (&points);
      *ret_curve = curve;
      return TRUE;
    }
  if (!check_keys (reader, value, where, curve_keys, error))
    return FALSE;

  json_object *start = NULL, *segments = NULL, *csv = NULL, *member = NULL;
  json_object_object_get_ex (value, "start", &start);
  json_object_object_get_ex (value, "segments", &segments);
  json_object_object_get_ex (value, "csv", &csv);
  if ((segments != NULL) == (csv != NULL))
    return fail (reader, error, where, "a demand object has either \"segments\" or \"csv\"");
  if (csv != NULL)
    {
      const char *name;
      at = join_path (where, "csv");
      if (start != NULL)
        return fail (reader, error, where, "\"start\" goes with \"segments\"; a CSV starts at its first line");
      if (!read_string (reader, csv, at, &name, error))
        return FALSE;
      g_autofree char *path = g_path_is_absolute (name) ? g_strdup (name)
                                                         : g_build_filename (reader->base_dir, name, NULL);
      g_autofree char *text = NULL;
      g_autoptr(GError) local = NULL;
      if (!ballast_read_small_file (path, MAX_CSV_BYTES, &text, &local))
        return fail (reader, error, at, "cannot read the CSV: %s", local->message);
      g_clear_pointer (&points, g_array_unref);
      points = ballast_sim_csv_parse (text, path, &local);
      if (points == NULL)
        return fail (reader, error, at, "%s", local->message);
    }
  else
    {
      BallastSimPoint first = { 0, 0 };
      g_free (at);
      at = join_path (where, "start");
      if (start != NULL && !read_size (reader, start, at, &first.kib, error))
        return FALSE;
      g_array_append_val (points, first);
      if (!json_object_is_type (segments, json_type_array))
        {
          g_free (at);
          at = join_path (where, "segments");
          return fail (reader, error, at, "expected an array of segments, got %s", json_type_phrase (segments));
        }
      for (gsize i = 0; i < json_object_array_length (segments); i++)
        {
          g_autofree char *segment_at = g_strdup_printf ("%s.segments[%" G_GSIZE_FORMAT "]", where, i);
          if (!read_segment (reader, json_object_array_get_idx (segments, i), segment_at, points, error))
            return FALSE;
        }
    }

  if (json_object_object_get_ex (value, "repeat", &member))
    {
      gboolean repeat = FALSE;
      g_free (at);
      at = join_path (where, "repeat");
      if (!read_bool (reader, member, at, &repeat, error))
        return FALSE;
      if (repeat)
        {
          curve.period_msec = g_array_index (points, BallastSimPoint, points->len - 1).t_msec;
          if (curve.period_msec <= 0)
            return fail (reader, error, at, "nothing to repeat: the curve takes no time");
        }
    }
  if (json_object_object_get_ex (value, "noise", &member))
    {
      g_free (at);
      at = join_path (where, "noise");
      if (!read_size (reader, member, at, &curve.noise_kib, error))
        return FALSE;
    }
  if (json_object_object_get_ex (value, "noise_every", &member))
    {
      g_free (at);
      at = join_path (where, "noise_every");
      if (!read_duration (reader, member, at, &curve.noise_period_msec, error))
        return FALSE;
      if (curve.noise_period_msec <= 0)
        return fail (reader, error, at, "must be longer than 0");
    }
  if (json_object_object_get_ex (value, "seed", &member))
    {
      guint64 seed;
      g_free (at);
      at = join_path (where, "seed");
      if (!read_uint (reader, member, at, 0, G_MAXUINT32, &seed, error))
        return FALSE;
      curve.noise_seed = (guint32) seed;
    }
  curve.points = g_steal_pointer (&points);
  *ret_curve = curve;
  return TRUE;
}

/* ---- Guests ---------------------------------------------------------------- */

static const char *const guest_keys[] = {
  "name", "count", "max", "initial", "start", "stop", "stagger", "phase",
  "min", "shares", "headroom", "headroom_floor", "shrink_step", "grow_step", "exclude",
  "oom_margin", "free_page_reporting", "fixed", "actuator", "virtio_mem", "demand", NULL
};

static const char *const virtio_mem_keys[] = {
  "size", "block", "plugged", "unmovable", "unplug_rate", NULL
};

void
ballast_sim_scenario_free (BallastSimScenario *scenario)
{
  if (scenario == NULL)
    return;
  g_free (scenario->name);
  g_free (scenario->description);
  g_free (scenario->known_weakness);
  g_free (scenario->source);
  ballast_sim_curve_clear (&scenario->other);
  g_clear_pointer (&scenario->guests, g_ptr_array_unref);
  g_free (scenario);
}

void
ballast_sim_guest_free (BallastSimGuest *guest)
{
  if (guest == NULL)
    return;
  g_free (guest->name);
  ballast_sim_curve_clear (&guest->demand);
  g_clear_pointer (&guest->recorded_targets, g_array_unref);
  g_free (guest);
}

/* The member KEY of GUEST, else of DEFAULTS (may be NULL). RET_WHERE (freed
 * first) says which, for messages. */
static json_object *
lookup (json_object *guest, json_object *defaults, const char *key, const char *guest_where,
        char **ret_where)
{
  json_object *value = NULL;
  g_free (*ret_where);
  if (json_object_object_get_ex (guest, key, &value))
    {
      *ret_where = join_path (guest_where, key);
      return value;
    }
  if (defaults != NULL && json_object_object_get_ex (defaults, key, &value))
    {
      *ret_where = join_path ("defaults", key);
      return value;
    }
  *ret_where = NULL;
  return NULL;
}

static guint32
name_seed (const char *name)
{
  return g_str_hash (name);
}

/* A guest's "virtio_mem" object, for a guest whose <memory> is MAX_KIB.
 * The sizes must make a device libvirt would accept (lib/virtio-mem.h):
 * a power-of-two block, whole blocks, and boot memory left beside it. */
static gboolean
read_virtio_mem (const Reader *reader, json_object *object, const char *where, guint64 max_kib,
                 BallastSimVirtioMem *ret_device, GError **error)
{
  if (!json_object_is_type (object, json_type_object))
    return fail (reader, error, where, "expected an object with \"size\", got %s", json_type_phrase (object));
  if (!check_keys (reader, object, where, virtio_mem_keys, error))
    return FALSE;
  BallastSimVirtioMem device = { .block_kib = 2 * MIB_IN_KIB };
  json_object *value;
  g_autofree char *at = NULL;
#define MEMBER(key) (g_free (at), at = join_path (where, key), json_object_object_get_ex (object, key, &value))
  if (!MEMBER ("size"))
    return fail (reader, error, where, "missing \"size\" (the most the device can plug)");
  if (!read_size (reader, value, at, &device.size_kib, error))
    return FALSE;
  if (device.size_kib == 0 || device.size_kib >= max_kib)
    return fail (reader, error, at, "must be more than 0 and below the guest's \"max\" (its <memory>: "
                 "the boot memory and the device together)");
  if (MEMBER ("block") && !read_size (reader, value, at, &device.block_kib, error))
    return FALSE;
  if (device.block_kib == 0 || (device.block_kib & (device.block_kib - 1)) != 0)
    return fail (reader, error, at, "must be a power of two, as libvirt requires");
  if (device.size_kib % device.block_kib != 0)
    return fail (reader, error, where, "\"size\" is not a whole number of blocks");
  if (MEMBER ("plugged") && !read_size (reader, value, at, &device.plugged_kib, error))
    return FALSE;
  if (device.plugged_kib > device.size_kib || device.plugged_kib % device.block_kib != 0)
    return fail (reader, error, at, "must be a whole number of blocks, at most \"size\"");
  if (MEMBER ("unmovable") && !read_size (reader, value, at, &device.unmovable_kib, error))
    return FALSE;
  if (device.unmovable_kib > device.size_kib)
    return fail (reader, error, at, "is above \"size\"");
  if (MEMBER ("unplug_rate"))
    {
      if (!read_size (reader, value, at, &device.unplug_rate_kib_per_sec, error))
        return FALSE;
      if (device.unplug_rate_kib_per_sec == 0)
        return fail (reader, error, at, "must be more than 0 (it is per second)");
    }
#undef MEMBER
  *ret_device = device;
  return TRUE;
}

/* Read one entry of "guests" (with "count", several guests) into GUESTS. */
static gboolean
read_guest (const Reader *reader, json_object *object, json_object *defaults, const char *where,
            GPtrArray *guests, GError **error)
{
  if (!json_object_is_type (object, json_type_object))
    return fail (reader, error, where, "expected a guest object, got %s", json_type_phrase (object));
  if (!check_keys (reader, object, where, guest_keys, error))
    return FALSE;

  json_object *value;
  g_autofree char *at = NULL;
  const char *name = NULL;
#define LOOKUP(key) (value = lookup (object, defaults, key, where, &at))

  if (!json_object_object_get_ex (object, "name", &value))
    return fail (reader, error, where, "missing \"name\"");
  at = join_path (where, "name");
  if (!read_string (reader, value, at, &name, error))
    return FALSE;
  guint64 count = 1;
  if (json_object_object_get_ex (object, "count", &value))
    {
      g_free (at);
      at = join_path (where, "count");
      if (!read_uint (reader, value, at, 1, MAX_GUESTS, &count, error))
        return FALSE;
    }

  BallastSimGuest base = { .stop_msec = G_MAXINT64 };
  if (LOOKUP ("max") == NULL)
    return fail (reader, error, where, "missing \"max\" (the guest's <memory>)");
  if (!read_size (reader, value, at, &base.max_kib, error))
    return FALSE;
  if (base.max_kib == 0)
    return fail (reader, error, at, "must be more than 0");
  if (LOOKUP ("virtio_mem") != NULL
      && !read_virtio_mem (reader, value, at, base.max_kib, &base.virtio_mem, error))
    return FALSE;
  /* The balloon covers the boot memory only. */
  guint64 boot_kib = base.max_kib - base.virtio_mem.size_kib;
  base.initial_kib = boot_kib;
  if (LOOKUP ("initial") != NULL)
    {
      if (!read_size (reader, value, at, &base.initial_kib, error))
        return FALSE;
      if (base.initial_kib > boot_kib || base.initial_kib == 0)
        return fail (reader, error, at, base.virtio_mem.size_kib > 0
                     ? "must be more than 0 and at most the boot memory (\"max\" less \"virtio_mem.size\")"
                     : "must be more than 0 and at most \"max\"");
    }
  if (LOOKUP ("start") != NULL && !read_duration (reader, value, at, &base.start_msec, error))
    return FALSE;
  if (LOOKUP ("stop") != NULL)
    {
      if (!read_duration (reader, value, at, &base.stop_msec, error))
        return FALSE;
      if (base.stop_msec <= base.start_msec)
        return fail (reader, error, at, "must be after \"start\"");
    }
  gint64 stagger = 0, phase = 0;
  if (LOOKUP ("stagger") != NULL && !read_duration (reader, value, at, &stagger, error))
    return FALSE;
  if (LOOKUP ("phase") != NULL && !read_duration (reader, value, at, &phase, error))
    return FALSE;

  BallastTuningOverride *tuning = &base.tuning;
  if (LOOKUP ("min") != NULL)
    {
      if (!read_amount (reader, value, at, &tuning->values.min, error))
        return FALSE;
      if (ballast_amount_resolve_kib (&tuning->values.min, base.max_kib) > base.max_kib)
        return fail (reader, error, at, "is above \"max\"");
      tuning->set |= BALLAST_TUNING_MIN;
    }
  if (LOOKUP ("shares") != NULL)
    {
      guint64 shares;
      if (!read_uint (reader, value, at, 1, 1000000, &shares, error))
        return FALSE;
      tuning->values.shares = (guint) shares;
      tuning->set |= BALLAST_TUNING_SHARES;
    }
  if (LOOKUP ("headroom") != NULL)
    {
      guint64 percent;
      if (!read_uint (reader, value, at, 0, 1000, &percent, error))
        return FALSE;
      tuning->values.headroom_permille = (guint) percent * 10;
      tuning->set |= BALLAST_TUNING_HEADROOM_PERCENT;
    }
  if (LOOKUP ("headroom_floor") != NULL)
    {
      if (!read_size (reader, value, at, &tuning->values.headroom_floor_kib, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_HEADROOM_FLOOR;
    }
  if (LOOKUP ("shrink_step") != NULL)
    {
      if (!read_size (reader, value, at, &tuning->values.shrink_step_max_kib, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_SHRINK_STEP;
    }
  if (LOOKUP ("grow_step") != NULL)
    {
      if (!read_size (reader, value, at, &tuning->values.grow_step_max_kib, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_GROW_STEP;
    }
  if (LOOKUP ("exclude") != NULL)
    {
      if (!read_bool (reader, value, at, &tuning->values.exclude, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_EXCLUDE;
    }
  BallastAmount margin = { .kib = 128 * MIB_IN_KIB };
  if (LOOKUP ("oom_margin") != NULL && !read_amount (reader, value, at, &margin, error))
    return FALSE;
  base.oom_margin_kib = ballast_amount_resolve_kib (&margin, base.max_kib);
  if (LOOKUP ("free_page_reporting") != NULL
      && !read_bool (reader, value, at, &base.free_page_reporting, error))
    return FALSE;
  if (LOOKUP ("fixed") != NULL && !read_bool (reader, value, at, &base.fixed, error))
    return FALSE;
  if (LOOKUP ("actuator") != NULL)
    {
      const char *text;
      if (!read_string (reader, value, at, &text, error))
        return FALSE;
      if (!ballast_actuator_from_string (text, &tuning->values.actuator))
        return fail (reader, error, at, "unknown actuator '%s' (expected auto, balloon or virtio-mem)", text);
      tuning->set |= BALLAST_TUNING_ACTUATOR;
    }

  if (LOOKUP ("demand") == NULL)
    return fail (reader, error, where, "missing \"demand\" (a size, or an object with \"segments\" or \"csv\")");
  g_autofree char *demand_at = g_strdup (at);
  BallastSimCurve demand;
  if (!read_curve (reader, value, demand_at, name_seed (name), &demand, error))
    return FALSE;
  for (guint i = 0; i < demand.points->len; i++)
    {
      const BallastSimPoint *p = &g_array_index (demand.points, BallastSimPoint, i);
      if (p->kib > base.max_kib)
        {
          g_autofree char *level = ballast_size_format_kib (p->kib);
          g_autofree char *max = ballast_size_format_kib (base.max_kib);
          double at_sec = (double) p->t_msec / 1000;
          ballast_sim_curve_clear (&demand);
          return fail (reader, error, demand_at, "reaches %s at %.1f s, above \"max\" %s: a guest "
                       "cannot hold more than its maximum", level, at_sec, max);
        }
    }

  guint width = count >= 10000 ? 5 : count >= 1000 ? 4 : 3;
  for (guint64 i = 0; i < count; i++)
    {
      BallastSimGuest *guest = g_new0 (BallastSimGuest, 1);
      *guest = base;
      guest->name = count == 1 ? g_strdup (name)
                               : g_strdup_printf ("%s-%0*" G_GUINT64_FORMAT, name, (int) width, i + 1);
      guest->start_msec = base.start_msec + (gint64) i * stagger;
      if (guest->stop_msec != G_MAXINT64)
        guest->stop_msec = base.stop_msec + (gint64) i * stagger;
      ballast_sim_curve_copy (&demand, &guest->demand);
      guest->demand.offset_msec = (gint64) i * phase;
      guest->demand.noise_seed = demand.noise_seed + (guint32) i;
      g_ptr_array_add (guests, guest);
    }
  ballast_sim_curve_clear (&demand);
#undef LOOKUP
  return TRUE;
}

/* ---- The scenario ---------------------------------------------------------- */

static const char *const top_keys[] = {
  "name", "description", "known_weakness", "duration", "step", "cycle", "balloon_rate", "host", "defaults", "guests", NULL
};
static const char *const host_keys[] = { "memory", "budget", "oom_margin", "other", NULL };

static json_object *
parse_json_text (const char *text, const char *file_name, GError **error)
{
  g_autoptr(json_tokener) tokener = json_tokener_new ();
  gsize length = strlen (text);
  json_object *root = json_tokener_parse_ex (tokener, text, (int) MIN (length, (gsize) G_MAXINT));
  enum json_tokener_error status = json_tokener_get_error (tokener);
  gsize end = json_tokener_get_parse_end (tokener);
  if (root == NULL || status != json_tokener_success)
    {
      if (root != NULL)
        json_object_put (root);
      gsize offset = MIN (end, length);
      guint line = 1, column = 1;
      for (gsize i = 0; i < offset; i++)
        {
          if (text[i] == '\n')
            {
              line++;
              column = 1;
            }
          else
            column++;
        }
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %u column %u: not valid JSON: %s",
                   file_name, line, column,
                   status == json_tokener_continue ? "unexpected end of file"
                                                   : json_tokener_error_desc (status));
      return NULL;
    }
  for (gsize i = end; i < length; i++)
    if (!g_ascii_isspace (text[i]))
      {
        json_object_put (root);
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                     "%s: not valid JSON: text after the end of the top-level object", file_name);
        return NULL;
      }
  return root;
}


BallastSimScenario *
ballast_sim_scenario_parse (const char *text, const char *file_name, const char *base_dir,
                            GError **error)
{
  Reader reader_data = { .file = file_name, .base_dir = base_dir != NULL ? base_dir : "." };
  const Reader *reader = &reader_data;
  g_autoptr(json_object) root = parse_json_text (text, file_name, error);
  if (root == NULL)
    return NULL;
  if (!json_object_is_type (root, json_type_object))
    {
      fail (reader, error, "top level", "expected a JSON object, got %s", json_type_phrase (root));
      return NULL;
    }
  if (!check_keys (reader, root, "", top_keys, error))
    return NULL;

  g_autoptr(BallastSimScenario) scenario = ballast_sim_scenario_new ();
  scenario->source = g_strdup (file_name);
  json_object *value;
  const char *string;

  if (json_object_object_get_ex (root, "name", &value))
    {
      if (!read_string (reader, value, "name", &string, error))
        return NULL;
      scenario->name = g_strdup (string);
    }
  else
    {
      g_autofree char *base = g_path_get_basename (file_name);
      char *dot = strrchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
      scenario->name = g_strdup (base);
    }
  if (json_object_object_get_ex (root, "description", &value))
    {
      if (!read_string (reader, value, "description", &string, error))
        return NULL;
      scenario->description = g_strdup (string);
    }
  if (json_object_object_get_ex (root, "known_weakness", &value))
    {
      if (!read_string (reader, value, "known_weakness", &string, error))
        return NULL;
      scenario->known_weakness = g_strdup (string);
    }
  if (!json_object_object_get_ex (root, "duration", &value))
    {
      fail (reader, error, "top level", "missing \"duration\" (how long to simulate, e.g. \"1h\")");
      return NULL;
    }
  if (!read_duration (reader, value, "duration", &scenario->duration_msec, error))
    return NULL;
  if (json_object_object_get_ex (root, "step", &value)
      && !read_duration (reader, value, "step", &scenario->step_msec, error))
    return NULL;
  if (json_object_object_get_ex (root, "cycle", &value)
      && !read_duration (reader, value, "cycle", &scenario->cycle_msec, error))
    return NULL;
  if (scenario->step_msec < 10)
    {
      fail (reader, error, "step", "must be at least 10ms");
      return NULL;
    }
  if (scenario->cycle_msec < scenario->step_msec || scenario->cycle_msec % scenario->step_msec != 0)
    {
      fail (reader, error, "cycle", "must be a whole number of steps (step is %" G_GINT64_FORMAT " ms)",
            scenario->step_msec);
      return NULL;
    }
  if (scenario->duration_msec < scenario->cycle_msec)
    {
      fail (reader, error, "duration", "must be at least one cycle");
      return NULL;
    }
  if (scenario->duration_msec / scenario->step_msec > MAX_STEPS)
    {
      fail (reader, error, "duration", "too many steps (%" G_GINT64_FORMAT "); make \"step\" longer",
            scenario->duration_msec / scenario->step_msec);
      return NULL;
    }
  if (json_object_object_get_ex (root, "balloon_rate", &value))
    {
      if (!read_size (reader, value, "balloon_rate", &scenario->balloon_rate_kib_per_sec, error))
        return NULL;
      if (scenario->balloon_rate_kib_per_sec == 0)
        {
          fail (reader, error, "balloon_rate", "must be more than 0 (it is per second)");
          return NULL;
        }
    }

  if (!json_object_object_get_ex (root, "host", &value) || !json_object_is_type (value, json_type_object))
    {
      fail (reader, error, "host", value == NULL ? "missing (an object with \"budget\" or \"memory\")"
                                                 : "expected an object");
      return NULL;
    }
  json_object *host = value;
  if (!check_keys (reader, host, "host", host_keys, error))
    return NULL;
  gboolean has_memory = json_object_object_get_ex (host, "memory", &value);
  if (has_memory && !read_size (reader, value, "host.memory", &scenario->host_memory_kib, error))
    return NULL;
  if (json_object_object_get_ex (host, "budget", &value))
    {
      if (!read_size (reader, value, "host.budget", &scenario->budget_kib, error))
        return NULL;
      if (has_memory && scenario->budget_kib > scenario->host_memory_kib)
        {
          fail (reader, error, "host.budget", "is above host.memory");
          return NULL;
        }
    }
  else if (has_memory)
    scenario->budget_kib = scenario->host_memory_kib;
  if (!has_memory)
    scenario->host_memory_kib = scenario->budget_kib;
  if (scenario->budget_kib == 0)
    {
      fail (reader, error, "host", "needs \"budget\" or \"memory\", more than 0");
      return NULL;
    }
  if (json_object_object_get_ex (host, "oom_margin", &value)
      && !read_size (reader, value, "host.oom_margin", &scenario->host_oom_margin_kib, error))
    return NULL;
  if (json_object_object_get_ex (host, "other", &value))
    {
      if (!read_curve (reader, value, "host.other", 1, &scenario->other, error))
        return NULL;
      scenario->has_other = TRUE;
    }

  json_object *defaults = NULL;
  if (json_object_object_get_ex (root, "defaults", &defaults))
    {
      if (!json_object_is_type (defaults, json_type_object))
        {
          fail (reader, error, "defaults", "expected an object of guest fields, got %s",
                json_type_phrase (defaults));
          return NULL;
        }
      if (!check_keys (reader, defaults, "defaults", guest_keys, error))
        return NULL;
      if (json_object_object_get_ex (defaults, "name", NULL)
          || json_object_object_get_ex (defaults, "count", NULL))
        {
          fail (reader, error, "defaults", "\"name\" and \"count\" belong to each guest");
          return NULL;
        }
    }
  if (!json_object_object_get_ex (root, "guests", &value) || !json_object_is_type (value, json_type_array)
      || json_object_array_length (value) == 0)
    {
      fail (reader, error, "guests", "missing or empty (an array of guest objects)");
      return NULL;
    }
  for (gsize i = 0; i < json_object_array_length (value); i++)
    {
      g_autofree char *where = g_strdup_printf ("guests[%" G_GSIZE_FORMAT "]", i);
      if (!read_guest (reader, json_object_array_get_idx (value, i), defaults, where,
                       scenario->guests, error))
        return NULL;
      if (scenario->guests->len > MAX_GUESTS)
        {
          fail (reader, error, where, "more than %d guests in all", MAX_GUESTS);
          return NULL;
        }
    }
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < scenario->guests->len; i++)
    {
      BallastSimGuest *guest = scenario->guests->pdata[i];
      if (!g_hash_table_add (names, guest->name))
        {
          fail (reader, error, "guests", "two guests are named '%s'", guest->name);
          return NULL;
        }
    }
  return g_steal_pointer (&scenario);
}

BallastSimScenario *
ballast_sim_scenario_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, MAX_SCENARIO_BYTES, &text, error))
    return NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  return ballast_sim_scenario_parse (text, path, dir, error);
}

/* ---- Questions about a scenario ------------------------------------------------ */

guint64
ballast_sim_guest_least_kib (const BallastSimGuest *guest)
{
  const BallastSimVirtioMem *device = &guest->virtio_mem;
  guint64 unmovable = device->unmovable_kib == 0 ? 0
    : MIN ((device->unmovable_kib + device->block_kib - 1) / device->block_kib * device->block_kib,
           device->size_kib);
  /* A pinned guest holds at least its balloon at start, used or not. */
  return (guest->fixed ? guest->initial_kib : 0) + unmovable;
}

static gboolean
guest_running (const BallastSimGuest *guest, gint64 t_msec)
{
  return t_msec >= guest->start_msec && t_msec < guest->stop_msec;
}

guint64
ballast_sim_scenario_max_sum_kib (const BallastSimScenario *scenario, gint64 t_msec)
{
  guint64 sum = 0;
  for (guint i = 0; i < scenario->guests->len; i++)
    {
      const BallastSimGuest *guest = scenario->guests->pdata[i];
      if (guest_running (guest, t_msec))
        sum += guest->max_kib;
    }
  return sum;
}

gboolean
ballast_sim_scenario_fits (const BallastSimScenario *scenario, guint64 limit_kib,
                           guint64 per_guest_kib, guint64 *ret_worst_kib, gint64 *ret_worst_msec)
{
  guint64 worst = 0;
  gint64 worst_at = 0;
  for (gint64 t = 0; t < scenario->duration_msec; t += scenario->step_msec)
    {
      guint64 sum = scenario->has_other ? ballast_sim_curve_at_kib (&scenario->other, t) : 0;
      for (guint i = 0; i < scenario->guests->len; i++)
        {
          const BallastSimGuest *guest = scenario->guests->pdata[i];
          if (!guest_running (guest, t))
            continue;
          guint64 need = MIN (ballast_sim_curve_at_kib (&guest->demand, t - guest->start_msec) + per_guest_kib,
                              guest->max_kib);
          sum += MAX (need, ballast_sim_guest_least_kib (guest));
        }
      if (sum > limit_kib && sum - limit_kib > worst)
        {
          worst = sum - limit_kib;
          worst_at = t;
        }
    }
  if (ret_worst_kib != NULL)
    *ret_worst_kib = worst;
  if (ret_worst_msec != NULL)
    *ret_worst_msec = worst_at;
  return worst == 0;
}
