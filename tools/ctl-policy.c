/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policy and tuning commands: check a policy file without a daemon, reload
 * it in a running one, and read or write a domain's tuning in libvirt. */
#include "ballastctl.h"

#include "json-util.h"
#include "libvirt-util.h"
#include "policy-file.h"
#include "report-render.h"
#include "size-units.h"

#include <stdio.h>
#include <string.h>

/* ---- policy-check ---- */

static int
cmd_policy_check (Ctl *ctl, int argc, char **argv)
{
  const char *path = NULL;
  int status = ctl_parse_args ("policy-check", argc, argv, NULL, 0, &path, 1);
  if (status != EXIT_OK)
    return status;
  g_autoptr(GError) error = NULL;
  g_autoptr(BallastPolicyFile) file = ballast_policy_file_load (path, &error);
  if (ctl->json)
    {
      g_autoptr(json_object) result = json_object_new_object ();
      json_object_object_add (result, "file", json_object_new_string (path));
      json_object_object_add (result, "valid", json_object_new_boolean (file != NULL));
      json_object_object_add (result, "error", error != NULL ? json_object_new_string (error->message) : NULL);
      json_object_object_add (result, "match_rules",
                              file != NULL ? json_object_new_int ((int) file->rules->len) : NULL);
      printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE));
      return file != NULL ? EXIT_OK : EXIT_FAILED;
    }
  if (file == NULL)
    {
      g_printerr ("error: %s\n", error->message);
      return EXIT_FAILED;
    }
  printf ("%s: valid (%u match rule%s)\n", path, file->rules->len, file->rules->len == 1 ? "" : "s");
  return EXIT_OK;
}

/* ---- policy-reload ---- */

static char *
render_reloaded (json_object *result)
{
  json_object *source = NULL;
  json_object_object_get_ex (result, "source", &source);
  return g_strdup_printf ("policy reloaded from %s\n", source != NULL ? json_object_get_string (source) : "?");
}

static int
cmd_policy_reload (Ctl *ctl, int argc, char **argv)
{
  int status = ctl_parse_args ("policy-reload", argc, argv, NULL, 0, NULL, 0);
  if (status != EXIT_OK)
    return status;
  return ctl_call_and_print (ctl, "policy-reload", NULL, render_reloaded);
}

/* ---- domtune ---- */

static const char *
libvirt_uri (Ctl *ctl)
{
  if (ctl->uri != NULL)
    return ctl->uri;
  const char *env = g_getenv ("LIBVIRT_DEFAULT_URI");
  return env != NULL && *env != '\0' ? env : "qemu:///system";
}

/* Like virsh: a name, then a UUID. */
static virDomainPtr
lookup_domain (virConnectPtr conn, const char *name)
{
  virDomainPtr domain = virDomainLookupByName (conn, name);
  if (domain == NULL)
    domain = virDomainLookupByUUIDString (conn, name);
  return domain;
}

static gboolean
parse_tuning_options (const CommandOption *options, BallastTuningOverride *tuning, GError **error)
{
  /* options: 0 min, 1 shares, 2 headroom, 3 exclude, 4 include, 9 actuator */
  if (options[0].present)
    {
      if (!ballast_amount_parse (options[0].value, &tuning->values.min, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_MIN;
    }
  if (options[1].present)
    {
      guint64 shares;
      if (!g_ascii_string_to_unsigned (options[1].value, 10, 1, 1000000, &shares, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--shares '%s' is not a whole number from 1 to 1000000", options[1].value);
          return FALSE;
        }
      tuning->values.shares = (guint) shares;
      tuning->set |= BALLAST_TUNING_SHARES;
    }
  if (options[2].present)
    {
      if (!ballast_percent_parse_permille (options[2].value, 1000, &tuning->values.headroom_permille, error))
        return FALSE;
      tuning->set |= BALLAST_TUNING_HEADROOM_PERCENT;
    }
  if (options[3].present && options[4].present)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--exclude and --include contradict each other");
      return FALSE;
    }
  if (options[3].present)
    {
      tuning->values.exclude = TRUE;
      tuning->set |= BALLAST_TUNING_EXCLUDE;
    }
  if (options[4].present)
    {
      tuning->values.exclude = FALSE;
      tuning->set &= ~BALLAST_TUNING_EXCLUDE;
    }
  if (options[9].present)
    {
      if (!ballast_actuator_from_string (options[9].value, &tuning->values.actuator))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--actuator '%s' is not one of auto, balloon, virtio-mem", options[9].value);
          return FALSE;
        }
      tuning->set |= BALLAST_TUNING_ACTUATOR;
    }
  return TRUE;
}

static json_object *
tuning_json (const char *domain, const BallastTuningOverride *tuning)
{
  json_object *result = json_object_new_object ();
  const BallastGuestTuning *v = &tuning->values;
  json_object_object_add (result, "domain", json_object_new_string (domain));
  if (tuning->set & BALLAST_TUNING_MIN)
    {
      if (v->min.is_relative)
        json_object_object_add (result, "min_percent", json_object_new_int ((int) v->min.permille / 10));
      else
        json_object_object_add (result, "min_kib", ballast_json_kib (v->min.kib));
    }
  if (tuning->set & BALLAST_TUNING_SHARES)
    json_object_object_add (result, "shares", json_object_new_int ((int) v->shares));
  if (tuning->set & BALLAST_TUNING_HEADROOM_PERCENT)
    json_object_object_add (result, "headroom_percent", json_object_new_int ((int) v->headroom_permille / 10));
  json_object_object_add (result, "exclude",
                          json_object_new_boolean ((tuning->set & BALLAST_TUNING_EXCLUDE) && v->exclude));
  if (tuning->set & BALLAST_TUNING_ACTUATOR)
    json_object_object_add (result, "actuator", json_object_new_string (ballast_actuator_to_string (v->actuator)));
  return result;
}

static void
print_tuning (const char *domain, const BallastTuningOverride *tuning)
{
  const BallastGuestTuning *v = &tuning->values;
  if (tuning->set == 0)
    {
      printf ("%s has no ballast tuning: the policy applies\n", domain);
      return;
    }
  if (tuning->set & BALLAST_TUNING_MIN)
    {
      g_autofree char *min = ballast_amount_format (&v->min);
      printf ("%-17s%s\n", "min:", min);
    }
  if (tuning->set & BALLAST_TUNING_SHARES)
    printf ("%-17s%u\n", "shares:", v->shares);
  if (tuning->set & BALLAST_TUNING_HEADROOM_PERCENT)
    printf ("%-17s%u%%\n", "headroom:", v->headroom_permille / 10);
  printf ("%-17s%s\n", "exclude:", (tuning->set & BALLAST_TUNING_EXCLUDE) && v->exclude ? "yes" : "no");
  if (tuning->set & BALLAST_TUNING_ACTUATOR)
    printf ("%-17s%s\n", "actuator:", ballast_actuator_to_string (v->actuator));
}

static int
cmd_domtune (Ctl *ctl, int argc, char **argv)
{
  const char *name = NULL;
  CommandOption options[] = {
    { "min", TRUE }, { "shares", TRUE }, { "headroom", TRUE }, { "exclude" }, { "include" },
    { "clear" }, { "config" }, { "live" }, { "current" }, { "actuator", TRUE },
  };
  int status = ctl_parse_args ("domtune", argc, argv, options, G_N_ELEMENTS (options), &name, 1);
  if (status != EXIT_OK)
    return status;
  gboolean config = options[6].present, live = options[7].present, current = options[8].present;
  if (current && (config || live))
    return ctl_usage_error ("domtune", "--current cannot be combined with --config or --live");
  unsigned int flags = (config ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
  gboolean changing = FALSE;
  for (gsize i = 0; i <= 5; i++)
    changing |= options[i].present;
  changing |= options[9].present;

  g_autoptr(GError) error = NULL;
  BallastTuningOverride changes = { 0 };
  if (!parse_tuning_options (options, &changes, &error))
    return ctl_usage_error ("domtune", "%s", error->message);

  ballast_libvirt_init ();
  const char *uri = libvirt_uri (ctl);
  g_autoptr(virConnect) conn = virConnectOpen (uri);
  if (conn == NULL)
    {
      g_printerr ("error: cannot connect to %s: %s\n", uri, virGetLastErrorMessage ());
      return EXIT_FAILED;
    }
  g_autoptr(virDomain) domain = lookup_domain (conn, name);
  if (domain == NULL)
    {
      g_printerr ("error: failed to get domain '%s'\n", name);
      return EXIT_UNKNOWN_DOMAIN;
    }

  /* Read what is there, so unchanged fields are kept. Reading with both
   * LIVE and CONFIG is not allowed: read the live one then. */
  unsigned int read_flags = flags == (VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_AFFECT_LIVE)
                              ? VIR_DOMAIN_AFFECT_LIVE : flags;
  BallastTuningOverride tuning = { 0 };
  g_autofree char *existing = virDomainGetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT,
                                                    BALLAST_TUNING_NS, read_flags);
  if (existing != NULL && !ballast_tuning_parse (existing, &tuning, &error))
    {
      if (!options[5].present)
        {
          g_printerr ("error: the domain's ballast tuning is invalid (use --clear to replace it): %s\n",
                      error->message);
          return EXIT_FAILED;
        }
      g_clear_error (&error);
    }

  if (changing)
    {
      if (options[5].present)
        tuning = (BallastTuningOverride) { 0 };
      if (options[4].present)
        tuning.set &= ~BALLAST_TUNING_EXCLUDE;
      ballast_tuning_override_apply (&changes, &tuning.values);
      tuning.set |= changes.set;
      g_autofree char *xml = tuning.set != 0 ? ballast_tuning_format (&tuning) : NULL;
      if (virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, xml,
                                xml != NULL ? "ballast" : NULL, BALLAST_TUNING_NS, flags) < 0)
        {
          g_printerr ("error: cannot set the tuning of '%s': %s\n", name, virGetLastErrorMessage ());
          return EXIT_FAILED;
        }
    }

  if (ctl->json)
    {
      g_autoptr(json_object) result = tuning_json (name, &tuning);
      printf ("%s\n", json_object_to_json_string_ext (result, JSON_C_TO_STRING_PRETTY));
    }
  else if (changing)
    printf ("Tuning of %s updated\n", name);
  else
    print_tuning (name, &tuning);
  return EXIT_OK;
}

const Command ctl_policy_check_command = {
  "policy-check", "policy-check FILE", "validate a policy file (no daemon needed)", cmd_policy_check
};
const Command ctl_policy_reload_command = {
  "policy-reload", "policy-reload", "make ballastd reread its policy (a bad one is refused, the old one kept)",
  cmd_policy_reload
};
const Command ctl_domtune_command = {
  "domtune",
  "domtune DOMAIN [--min SIZE|PCT%] [--shares N] [--headroom PCT] [--exclude|--include] [--actuator auto|balloon|virtio-mem] [--clear] [--config] [--live] [--current]",
  "show or set a domain's ballast tuning in its libvirt metadata", cmd_domtune
};
