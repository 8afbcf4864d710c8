/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "policy-file.h"

#include "start-check.h"

#include "ballast-error.h"
#include "size-units.h"
#include "text-fields.h"
#include "xml-check.h"
#include "xml-schema.h"
#include "xml-util.h"

#include <string.h>

void
ballast_tuning_override_apply (const BallastTuningOverride *override, BallastGuestTuning *tuning)
{
  const BallastGuestTuning *v = &override->values;
  if (override->set & BALLAST_TUNING_MIN)
    tuning->min = v->min;
  if (override->set & BALLAST_TUNING_SHARES)
    tuning->shares = v->shares;
  if (override->set & BALLAST_TUNING_HEADROOM_PERCENT)
    tuning->headroom_permille = v->headroom_permille;
  if (override->set & BALLAST_TUNING_HEADROOM_FLOOR)
    tuning->headroom_floor_kib = v->headroom_floor_kib;
  if (override->set & BALLAST_TUNING_SHRINK_STEP)
    tuning->shrink_step_max_kib = v->shrink_step_max_kib;
  if (override->set & BALLAST_TUNING_GROW_STEP)
    tuning->grow_step_max_kib = v->grow_step_max_kib;
  if (override->set & BALLAST_TUNING_EXCLUDE)
    tuning->exclude = v->exclude;
  if (override->set & BALLAST_TUNING_ACTUATOR)
    tuning->actuator = v->actuator;
}

static void
match_rule_free (gpointer data)
{
  BallastMatchRule *rule = data;
  g_free (rule->pattern);
  g_clear_pointer (&rule->spec, g_pattern_spec_free);
  g_free (rule);
}

void
ballast_policy_file_free (BallastPolicyFile *file)
{
  if (file == NULL)
    return;
  g_free (file->source);
  g_free (file->cgroup_path);
  g_clear_pointer (&file->rules, g_ptr_array_unref);
  g_free (file);
}

BallastPolicyFile *
ballast_policy_file_new_default (void)
{
  BallastPolicyFile *file = g_new0 (BallastPolicyFile, 1);
  file->source = g_strdup ("built-in defaults");
  ballast_policy_init_defaults (&file->policy);
  file->overcommit = BALLAST_OVERCOMMIT_AUTO;
  file->budget = BALLAST_BUDGET_MEMINFO;
  file->tenancy = BALLAST_TENANCY_UNSET;
  file->ksm_mode = ballast_ksm_mode_default (file->tenancy);
  ballast_ksm_policy_init_defaults (&file->ksm);
  file->rules = g_ptr_array_new_with_free_func (match_rule_free);
  return file;
}

/* ---- What may be where: checked before the schema for clear errors ---- */

#define GUEST_TUNING_RULES(prefix) \
  { prefix "/min", BALLAST_XML_SIZE_OR_PERCENT, NULL }, \
  { prefix "/shares", BALLAST_XML_COUNT, NULL }, \
  { prefix "/headroom", BALLAST_XML_CONTAINER, "percent=percent1000" }, \
  { prefix "/headroom/floor", BALLAST_XML_SIZE, NULL }, \
  { prefix "/step", BALLAST_XML_CONTAINER, NULL }, \
  { prefix "/step/shrink", BALLAST_XML_SIZE, NULL }, \
  { prefix "/step/grow", BALLAST_XML_SIZE, NULL }, \
  { prefix "/exclude", BALLAST_XML_EMPTY, NULL }

static const BallastXmlRule policy_rules[] = {
  { "policy", BALLAST_XML_CONTAINER, NULL },
  { "policy/overcommit", BALLAST_XML_EMPTY, "mode=auto|on|off max-ratio=ratio" },
  { "policy/host", BALLAST_XML_CONTAINER, NULL },
  { "policy/host/budget", BALLAST_XML_EMPTY, "source=meminfo|cgroup! path=string" },
  { "policy/host/reserve", BALLAST_XML_SIZE_OR_PERCENT, NULL },
  { "policy/host/band", BALLAST_XML_SIZE, NULL },
  { "policy/host/min-change", BALLAST_XML_SIZE, NULL },
  { "policy/host/emergency", BALLAST_XML_CONTAINER, "psi-percent=percent" },
  { "policy/host/emergency/headroom", BALLAST_XML_SIZE, NULL },
  { "policy/pressure", BALLAST_XML_CONTAINER, NULL },
  { "policy/pressure/swap-in", BALLAST_XML_SIZE, NULL },
  { "policy/pressure/major-faults", BALLAST_XML_UINT, NULL },
  { "policy/pressure/low-watermark", BALLAST_XML_SIZE, NULL },
  { "policy/pressure/grow", BALLAST_XML_SIZE, NULL },
  { "policy/pressure/lookahead", BALLAST_XML_UINT, NULL },
  { "policy/guests", BALLAST_XML_CONTAINER, "tenancy=single|multi" },
  { "policy/guests/shrink-per-cycle", BALLAST_XML_EMPTY, "percent=percent1!" },
  { "policy/guests/regrow-delay", BALLAST_XML_UINT, NULL },
  { "policy/guests/loan-time", BALLAST_XML_UINT, NULL },
  { "policy/guests/stuck-retry", BALLAST_XML_UINT, NULL },
  { "policy/guests/learned-headroom", BALLAST_XML_CONTAINER, NULL },
  { "policy/guests/learned-headroom/half-life", BALLAST_XML_UINT, NULL },
  { "policy/guests/learned-headroom/lead", BALLAST_XML_UINT, NULL },
  { "policy/guests/learned-headroom/jump", BALLAST_XML_SIZE, NULL },
  { "policy/guests/partial-stats", BALLAST_XML_EMPTY, "headroom-percent=percent100to1000!" },
  { "policy/guests/default", BALLAST_XML_CONTAINER, "actuator=auto|balloon|virtio-mem" },
  GUEST_TUNING_RULES ("policy/guests/default"),
  { "policy/guests/match", BALLAST_XML_CONTAINER, "name=string! actuator=auto|balloon|virtio-mem" },
  GUEST_TUNING_RULES ("policy/guests/match"),
  { "policy/ksm", BALLAST_XML_CONTAINER, "mode=auto|on|off merge-across-nodes=yes|no use-zero-pages=yes|no" },
  { "policy/ksm/start-below", BALLAST_XML_SIZE_OR_PERCENT, NULL },
  { "policy/ksm/stop-above", BALLAST_XML_SIZE_OR_PERCENT, NULL },
  { "policy/ksm/pages-to-scan", BALLAST_XML_CONTAINER, NULL },
  { "policy/ksm/pages-to-scan/min", BALLAST_XML_UINT, NULL },
  { "policy/ksm/pages-to-scan/max", BALLAST_XML_UINT, NULL },
  { "policy/ksm/sleep-millisecs", BALLAST_XML_UINT, "scale=host|none" },
  { "policy/ksm/cpu-budget", BALLAST_XML_EMPTY, "percent=percent1!" },
  { NULL },
};

static const BallastXmlRule tuning_rules[] = {
  { "tuning", BALLAST_XML_CONTAINER, "actuator=auto|balloon|virtio-mem" },
  { "tuning/min", BALLAST_XML_SIZE_OR_PERCENT, NULL },
  { "tuning/shares", BALLAST_XML_COUNT, NULL },
  { "tuning/headroom", BALLAST_XML_EMPTY, "percent=percent1000!" },
  { "tuning/exclude", BALLAST_XML_EMPTY, NULL },
  { NULL },
};

const BallastXmlRule *
ballast_policy_file_check_rules (void)
{
  return policy_rules;
}

const BallastXmlRule *
ballast_tuning_check_rules (void)
{
  return tuning_rules;
}

/* ---- Reading elements (checked above, and by the schema) ---- */

typedef struct {
  const char *what;   /* file name for messages */
  const char *ns;     /* the namespace of the elements read */
} Reader;

static xmlNode *
child (const Reader *reader, xmlNode *node, const char *name)
{
  return ballast_xml_child (node, name, reader->ns);
}

static gboolean
read_size (const Reader *reader, xmlNode *node, guint64 *ret_kib, GError **error)
{
  return ballast_xml_size_kib (node, reader->what, ret_kib, error);
}

static guint
read_uint_attr (xmlNode *node, const char *name)
{
  g_autofree char *text = ballast_xml_attr (node, name);
  guint64 value = 0;
  if (text != NULL)
    ballast_parse_u64 (text, strlen (text), &value);
  return (guint) MIN (value, G_MAXUINT);
}

static guint64
read_uint_text (xmlNode *node)
{
  g_autofree char *text = ballast_xml_text (node);
  guint64 value = 0;
  ballast_parse_u64 (text, strlen (text), &value);
  return value;
}

/* <x>SECONDS</x>, at most LIMIT (LIMIT_TEXT says it in words). */
static gboolean
read_seconds (const Reader *reader, xmlNode *node, guint64 limit, const char *limit_text,
              guint *ret_seconds, GError **error)
{
  guint64 seconds = read_uint_text (node);
  if (seconds > limit)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "%s line %ld: <%s>: %" G_GUINT64_FORMAT " s is more than %s",
                   reader->what, xmlGetLineNo (node), (const char *) node->name, seconds, limit_text);
      return FALSE;
    }
  *ret_seconds = (guint) seconds;
  return TRUE;
}

/* <x unit='MiB'>512</x> or <x percent='25'/> */
static gboolean
read_amount (const Reader *reader, xmlNode *node, BallastAmount *ret_amount, GError **error)
{
  g_autofree char *percent = ballast_xml_attr (node, "percent");
  if (percent != NULL)
    {
      *ret_amount = (BallastAmount) { .is_relative = TRUE,
                                      .permille = read_uint_attr (node, "percent") * 10 };
      return TRUE;
    }
  *ret_amount = (BallastAmount) { 0 };
  return read_size (reader, node, &ret_amount->kib, error);
}

static gboolean
read_tuning (const Reader *reader, xmlNode *node, BallastTuningOverride *ret_override,
             GError **error)
{
  BallastTuningOverride override = { 0 };
  BallastGuestTuning *v = &override.values;
  xmlNode *element;

  if ((element = child (reader, node, "min")) != NULL)
    {
      if (!read_amount (reader, element, &v->min, error))
        return FALSE;
      override.set |= BALLAST_TUNING_MIN;
    }
  if ((element = child (reader, node, "shares")) != NULL)
    {
      v->shares = (guint) read_uint_text (element);
      override.set |= BALLAST_TUNING_SHARES;
    }
  if ((element = child (reader, node, "headroom")) != NULL)
    {
      g_autofree char *percent = ballast_xml_attr (element, "percent");
      if (percent != NULL)
        {
          v->headroom_permille = read_uint_attr (element, "percent") * 10;
          override.set |= BALLAST_TUNING_HEADROOM_PERCENT;
        }
      xmlNode *floor = child (reader, element, "floor");
      if (floor != NULL)
        {
          if (!read_size (reader, floor, &v->headroom_floor_kib, error))
            return FALSE;
          override.set |= BALLAST_TUNING_HEADROOM_FLOOR;
        }
    }
  if ((element = child (reader, node, "step")) != NULL)
    {
      xmlNode *shrink = child (reader, element, "shrink");
      xmlNode *grow = child (reader, element, "grow");
      if (shrink != NULL)
        {
          if (!read_size (reader, shrink, &v->shrink_step_max_kib, error))
            return FALSE;
          override.set |= BALLAST_TUNING_SHRINK_STEP;
        }
      if (grow != NULL)
        {
          if (!read_size (reader, grow, &v->grow_step_max_kib, error))
            return FALSE;
          override.set |= BALLAST_TUNING_GROW_STEP;
        }
    }
  if (child (reader, node, "exclude") != NULL)
    {
      v->exclude = TRUE;
      override.set |= BALLAST_TUNING_EXCLUDE;
    }
  /* An attribute of the element itself (<tuning actuator=...>, <default
   * actuator=...>): the check rules let through only the three names. */
  g_autofree char *actuator = ballast_xml_attr (node, "actuator");
  if (actuator != NULL && ballast_actuator_from_string (actuator, &v->actuator))
    override.set |= BALLAST_TUNING_ACTUATOR;
  *ret_override = override;
  return TRUE;
}

static gboolean
read_host (const Reader *reader, xmlNode *host, BallastPolicyFile *file, GError **error)
{
  BallastPolicy *policy = &file->policy;
  xmlNode *element;

  if ((element = child (reader, host, "budget")) != NULL)
    {
      g_autofree char *source = ballast_xml_attr (element, "source");
      file->budget_set = TRUE;
      file->budget = g_strcmp0 (source, "cgroup") == 0 ? BALLAST_BUDGET_CGROUP : BALLAST_BUDGET_MEMINFO;
      file->cgroup_path = ballast_xml_attr (element, "path");
    }
  if ((element = child (reader, host, "reserve")) != NULL)
    {
      if (!read_amount (reader, element, &policy->reserve, error))
        return FALSE;
      /* An explicit reserve is taken as given, without the 1 GiB floor. */
      policy->reserve_floor_kib = 0;
    }
  if ((element = child (reader, host, "band")) != NULL
      && !read_size (reader, element, &policy->band_kib, error))
    return FALSE;
  if ((element = child (reader, host, "min-change")) != NULL
      && !read_size (reader, element, &policy->min_change_kib, error))
    return FALSE;
  if ((element = child (reader, host, "emergency")) != NULL)
    {
      g_autofree char *psi = ballast_xml_attr (element, "psi-percent");
      if (psi != NULL)
        policy->psi_emergency_centipct = read_uint_attr (element, "psi-percent") * 100;
      xmlNode *headroom = child (reader, element, "headroom");
      if (headroom != NULL && !read_size (reader, headroom, &policy->emergency_headroom_kib, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
read_pressure (const Reader *reader, xmlNode *pressure, BallastPolicy *policy, GError **error)
{
  xmlNode *element;
  if ((element = child (reader, pressure, "swap-in")) != NULL
      && !read_size (reader, element, &policy->swap_in_threshold_kib_per_sec, error))
    return FALSE;
  if ((element = child (reader, pressure, "major-faults")) != NULL)
    policy->major_fault_threshold_per_sec = read_uint_text (element);
  if ((element = child (reader, pressure, "low-watermark")) != NULL
      && !read_size (reader, element, &policy->low_watermark_kib, error))
    return FALSE;
  if ((element = child (reader, pressure, "grow")) != NULL
      && !read_size (reader, element, &policy->pressure_grow_kib, error))
    return FALSE;
  if ((element = child (reader, pressure, "lookahead")) != NULL
      && !read_seconds (reader, element, 3600, "an hour", &policy->growth_lookahead_sec, error))
    return FALSE;
  return TRUE;
}

static gboolean
read_guests (const Reader *reader, xmlNode *guests, BallastPolicyFile *file, GError **error)
{
  xmlNode *element;
  if ((element = child (reader, guests, "shrink-per-cycle")) != NULL)
    file->policy.shrink_fraction_permille = read_uint_attr (element, "percent") * 10;
  if ((element = child (reader, guests, "regrow-delay")) != NULL
      && !read_seconds (reader, element, 86400, "a day", &file->policy.regrow_delay_sec, error))
    return FALSE;
  if ((element = child (reader, guests, "loan-time")) != NULL
      && !read_seconds (reader, element, 86400, "a day", &file->policy.loan_time_sec, error))
    return FALSE;
  if ((element = child (reader, guests, "stuck-retry")) != NULL)
    {
      if (!read_seconds (reader, element, 3600, "an hour", &file->policy.stuck_retry_sec, error))
        return FALSE;
      if (file->policy.stuck_retry_sec == 0)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "%s line %ld: <stuck-retry>: 0 s would ask a stuck balloon again at "
                       "once, every time (1 to 3600 s)", reader->what, xmlGetLineNo (element));
          return FALSE;
        }
    }
  if ((element = child (reader, guests, "learned-headroom")) != NULL)
    {
      xmlNode *knob;
      if ((knob = child (reader, element, "half-life")) != NULL
          && !read_seconds (reader, knob, 7 * 86400, "a week", &file->policy.spikes.half_life_sec, error))
        return FALSE;
      if ((knob = child (reader, element, "lead")) != NULL
          && !read_seconds (reader, knob, 3600, "an hour", &file->policy.spikes.lead_sec, error))
        return FALSE;
      if ((knob = child (reader, element, "jump")) != NULL
          && !read_size (reader, knob, &file->policy.spikes.jump_kib, error))
        return FALSE;
      if (file->policy.spikes.jump_kib == 0)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "%s line %ld: <jump>: 0 would read every sample as a spike",
                       reader->what, xmlGetLineNo (knob));
          return FALSE;
        }
    }
  if ((element = child (reader, guests, "partial-stats")) != NULL)
    file->policy.partial_stats_headroom_percent = (guint) read_uint_attr (element, "headroom-percent");
  if ((element = child (reader, guests, "default")) != NULL)
    {
      BallastTuningOverride defaults;
      if (!read_tuning (reader, element, &defaults, error))
        return FALSE;
      ballast_tuning_override_apply (&defaults, &file->policy.guest_defaults);
    }
  for (xmlNode *node = guests->children; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "match") != 0)
        continue;
      BallastMatchRule *rule = g_new0 (BallastMatchRule, 1);
      rule->pattern = ballast_xml_attr (node, "name");
      rule->line = (guint) xmlGetLineNo (node);
      rule->spec = g_pattern_spec_new (rule->pattern);
      g_ptr_array_add (file->rules, rule);
      if (!read_tuning (reader, node, &rule->tuning, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- Page sharing: <ksm>, and <guests tenancy> that decides its default ---- */

static gboolean
ksm_fail (const Reader *reader, xmlNode *node, GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
ksm_fail (const Reader *reader, xmlNode *node, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "%s line %ld: %s", reader->what,
               xmlGetLineNo (node), message);
  return FALSE;
}

static BallastKsmKnob
read_knob (xmlNode *node, const char *name)
{
  g_autofree char *value = ballast_xml_attr (node, name);
  return value == NULL ? BALLAST_KSM_KNOB_UNSET
         : strcmp (value, "yes") == 0 ? BALLAST_KSM_KNOB_YES : BALLAST_KSM_KNOB_NO;
}

#define KSM_PAGES_TO_SCAN_LIMIT 100000
#define KSM_SLEEP_LIMIT_MSEC 60000

static gboolean
read_ksm (const Reader *reader, xmlNode *root, BallastPolicyFile *file, GError **error)
{
  xmlNode *guests = child (reader, root, "guests");
  g_autofree char *tenancy = guests != NULL ? ballast_xml_attr (guests, "tenancy") : NULL;
  file->tenancy = g_strcmp0 (tenancy, "single") == 0 ? BALLAST_TENANCY_SINGLE
                  : g_strcmp0 (tenancy, "multi") == 0 ? BALLAST_TENANCY_MULTI
                  : BALLAST_TENANCY_UNSET;
  file->ksm_mode = ballast_ksm_mode_default (file->tenancy);

  xmlNode *ksm = child (reader, root, "ksm");
  if (ksm == NULL)
    return TRUE;
  BallastKsmPolicy *policy = &file->ksm;
  g_autofree char *mode = ballast_xml_attr (ksm, "mode");
  if (mode != NULL)
    file->ksm_set = ballast_ksm_mode_parse (mode, &file->ksm_mode, NULL);
  if (file->tenancy == BALLAST_TENANCY_MULTI && file->ksm_mode != BALLAST_KSM_MODE_OFF)
    return ksm_fail (reader, ksm, error,
                     "<ksm mode='%s'> with <guests tenancy='multi'> (line %ld): merged pages "
                     "let guests of different tenants learn about each other's memory through "
                     "timing; use mode='off', or tenancy='single' if the guests trust each other",
                     mode, xmlGetLineNo (guests));
  policy->merge_across_nodes = read_knob (ksm, "merge-across-nodes");
  policy->use_zero_pages = read_knob (ksm, "use-zero-pages");

  xmlNode *start = child (reader, ksm, "start-below");
  xmlNode *stop = child (reader, ksm, "stop-above");
  if (start != NULL && !read_amount (reader, start, &policy->start_below, error))
    return FALSE;
  if (stop != NULL && !read_amount (reader, stop, &policy->stop_above, error))
    return FALSE;
  const BallastAmount *a = &policy->start_below, *b = &policy->stop_above;
  if (a->is_relative == b->is_relative
      && (a->is_relative ? b->permille <= a->permille : b->kib <= a->kib))
    return ksm_fail (reader, stop != NULL ? stop : start, error,
                     "<stop-above> is not above <start-below>: ksmd would be stopped and "
                     "started in turn; leave a gap between the two");

  xmlNode *pages = child (reader, ksm, "pages-to-scan");
  if (pages != NULL)
    {
      xmlNode *min = child (reader, pages, "min");
      xmlNode *max = child (reader, pages, "max");
      if (min != NULL)
        policy->pages_to_scan_min = (guint) read_uint_text (min);
      if (max != NULL)
        policy->pages_to_scan_max = (guint) read_uint_text (max);
      xmlNode *bad = policy->pages_to_scan_min < 1 || policy->pages_to_scan_min > KSM_PAGES_TO_SCAN_LIMIT
                     ? min : policy->pages_to_scan_max < 1 || policy->pages_to_scan_max > KSM_PAGES_TO_SCAN_LIMIT
                     ? max : NULL;
      if (bad != NULL)
        return ksm_fail (reader, bad, error, "<%s>%u</%s> in <pages-to-scan>: expected 1 to %u pages",
                         bad->name, bad == min ? policy->pages_to_scan_min : policy->pages_to_scan_max,
                         bad->name, KSM_PAGES_TO_SCAN_LIMIT);
      if (policy->pages_to_scan_min > policy->pages_to_scan_max)
        return ksm_fail (reader, min != NULL ? min : max, error,
                         "<pages-to-scan>: <min> %u is above <max> %u",
                         policy->pages_to_scan_min, policy->pages_to_scan_max);
    }
  xmlNode *sleep = child (reader, ksm, "sleep-millisecs");
  if (sleep != NULL)
    {
      g_autofree char *scale = ballast_xml_attr (sleep, "scale");
      guint64 msec = read_uint_text (sleep);
      if (msec < 1 || msec > KSM_SLEEP_LIMIT_MSEC)
        return ksm_fail (reader, sleep, error,
                         "<sleep-millisecs>%" G_GUINT64_FORMAT "</sleep-millisecs>: expected "
                         "1 to %u", msec, KSM_SLEEP_LIMIT_MSEC);
      policy->sleep_millisecs = (guint) msec;
      policy->sleep_scaled = g_strcmp0 (scale, "none") != 0;
    }
  xmlNode *cpu = child (reader, ksm, "cpu-budget");
  if (cpu != NULL)
    policy->cpu_budget_permille = read_uint_attr (cpu, "percent") * 10;
  return TRUE;
}

/* Rules the schema cannot express. */
static gboolean
check_consistency (const Reader *reader, xmlNode *root, BallastPolicyFile *file, GError **error)
{
  for (guint i = 0; i < file->rules->len; i++)
    for (guint j = 0; j < i; j++)
      {
        const BallastMatchRule *a = file->rules->pdata[j];
        const BallastMatchRule *b = file->rules->pdata[i];
        if (strcmp (a->pattern, b->pattern) == 0)
          {
            g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                         "%s line %u: <match name='%s'> repeats the rule of line %u, which "
                         "always wins: this one would never apply", reader->what, b->line,
                         b->pattern, a->line);
            return FALSE;
          }
      }
  const BallastPolicy *policy = &file->policy;
  if (policy->band_kib < policy->min_change_kib)
    {
      xmlNode *host = child (reader, root, "host");
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "%s line %ld: <band> (%" G_GUINT64_FORMAT " KiB) is smaller than <min-change> "
                   "(%" G_GUINT64_FORMAT " KiB): a deficit inside the band could never be acted on",
                   reader->what, host != NULL ? xmlGetLineNo (host) : 0L,
                   policy->band_kib, policy->min_change_kib);
      return FALSE;
    }
  return TRUE;
}

BallastPolicyFile *
ballast_policy_file_parse (const char *text, const char *file_name, GError **error)
{
  g_autoptr(xmlDoc) doc = ballast_xml_parse (text, file_name, error);
  if (doc == NULL)
    return NULL;
  xmlNode *root = xmlDocGetRootElement (doc);
  if (!ballast_xml_check (root, policy_rules, BALLAST_POLICY_NS, file_name, error)
      || !ballast_xml_validate (doc, "policy.rng", file_name, error))
    return NULL;

  g_autoptr(BallastPolicyFile) file = ballast_policy_file_new_default ();
  g_free (file->source);
  file->source = g_strdup (file_name);
  Reader reader = { .what = file_name, .ns = BALLAST_POLICY_NS };
  xmlNode *element;

  if ((element = child (&reader, root, "overcommit")) != NULL)
    {
      g_autofree char *mode = ballast_xml_attr (element, "mode");
      g_autofree char *max_ratio = ballast_xml_attr (element, "max-ratio");
      if (mode != NULL)
        file->overcommit_set = ballast_overcommit_mode_parse (mode, &file->overcommit, NULL);
      if (max_ratio != NULL
          && !ballast_ratio_parse_permille (max_ratio, &file->overcommit_max_ratio_permille, NULL))
        file->overcommit_max_ratio_permille = 0; /* the check before said why */
    }
  if ((element = child (&reader, root, "host")) != NULL
      && !read_host (&reader, element, file, error))
    return NULL;
  if ((element = child (&reader, root, "pressure")) != NULL
      && !read_pressure (&reader, element, &file->policy, error))
    return NULL;
  if ((element = child (&reader, root, "guests")) != NULL
      && !read_guests (&reader, element, file, error))
    return NULL;
  if (!read_ksm (&reader, root, file, error))
    return NULL;
  if (!check_consistency (&reader, root, file, error))
    return NULL;
  return g_steal_pointer (&file);
}

BallastPolicyFile *
ballast_policy_file_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  if (!ballast_read_small_file (path, 4 * 1024 * 1024, &text, error))
    return NULL;
  return ballast_policy_file_parse (text, path, error);
}

const BallastMatchRule *
ballast_policy_file_match (const BallastPolicyFile *file, const char *name)
{
  for (guint i = 0; i < file->rules->len; i++)
    {
      const BallastMatchRule *rule = file->rules->pdata[i];
      if (g_pattern_spec_match_string (rule->spec, name))
        return rule;
    }
  return NULL;
}

void
ballast_policy_file_resolve (const BallastPolicyFile *file, const BallastDomainConfig *config,
                             const BallastTuningOverride *metadata, BallastGuestTuning *ret_tuning,
                             char **ret_source)
{
  BallastGuestTuning tuning = file->policy.guest_defaults;
  g_autoptr(GString) source = g_string_new ("default");
  const BallastMatchRule *rule = ballast_policy_file_match (file, config->name);
  if (rule != NULL)
    {
      ballast_tuning_override_apply (&rule->tuning, &tuning);
      g_string_append_printf (source, ", match '%s' (line %u)", rule->pattern, rule->line);
    }
  if (metadata != NULL && metadata->set != 0)
    {
      ballast_tuning_override_apply (metadata, &tuning);
      g_string_append (source, ", domain metadata");
    }
  if (config->min_guarantee_kib > 0)
    {
      guint64 min_kib = ballast_amount_resolve_kib (&tuning.min, config->max_kib);
      if (config->min_guarantee_kib > min_kib)
        g_string_append (source, ", memtune min_guarantee");
      tuning.min = (BallastAmount) { .kib = MAX (min_kib, config->min_guarantee_kib) };
    }
  *ret_tuning = tuning;
  if (ret_source != NULL)
    *ret_source = g_string_free (g_steal_pointer (&source), FALSE);
}

/* ---- Domain metadata ---- */

/* virDomainGetMetadata() hands back the element without its namespace;
 * give unqualified elements the tuning namespace so one schema fits both. */
static void
qualify (xmlNode *node, xmlNs *ns)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (node->ns == NULL)
        xmlSetNs (node, ns);
      qualify (node->children, ns);
    }
}

gboolean
ballast_tuning_parse (const char *xml, BallastTuningOverride *ret_override, GError **error)
{
  g_autoptr(xmlDoc) doc = ballast_xml_parse (xml, "tuning metadata", error);
  if (doc == NULL)
    return FALSE;
  xmlNode *root = xmlDocGetRootElement (doc);
  if (root->ns == NULL)
    qualify (root, xmlNewNs (root, (const xmlChar *) BALLAST_TUNING_NS, (const xmlChar *) "ballast"));
  if (!ballast_xml_check (root, tuning_rules, BALLAST_TUNING_NS, "tuning metadata", error)
      || !ballast_xml_validate (doc, "tuning.rng", "tuning metadata", error))
    return FALSE;
  Reader reader = { .what = "tuning metadata", .ns = BALLAST_TUNING_NS };
  return read_tuning (&reader, root, ret_override, error);
}

char *
ballast_tuning_format (const BallastTuningOverride *override)
{
  const BallastGuestTuning *v = &override->values;
  GString *xml = g_string_new ("<tuning");
  if (override->set & BALLAST_TUNING_ACTUATOR)
    g_string_append_printf (xml, " actuator='%s'", ballast_actuator_to_string (v->actuator));
  g_string_append_c (xml, '>');
  if (override->set & BALLAST_TUNING_MIN)
    {
      if (v->min.is_relative)
        g_string_append_printf (xml, "<min percent='%u'/>", v->min.permille / 10);
      else
        g_string_append_printf (xml, "<min unit='KiB'>%" G_GUINT64_FORMAT "</min>", v->min.kib);
    }
  if (override->set & BALLAST_TUNING_SHARES)
    g_string_append_printf (xml, "<shares>%u</shares>", v->shares);
  if (override->set & BALLAST_TUNING_HEADROOM_PERCENT)
    g_string_append_printf (xml, "<headroom percent='%u'/>", v->headroom_permille / 10);
  if (override->set & BALLAST_TUNING_EXCLUDE && v->exclude)
    g_string_append (xml, "<exclude/>");
  g_string_append (xml, "</tuning>");
  return g_string_free (xml, FALSE);
}
