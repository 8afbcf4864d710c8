/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "start-control.h"

#include "ballast-error.h"
#include "job-watch.h"
#include "json-util.h"
#include "start-check.h"

/* What a running DOMAIN cannot be taken below. */
static guint64
running_floor_kib (const BallastDomain *domain)
{
  const BallastDomainConfig *config = domain->observed.config;
  guint64 holds = ballast_domain_current_kib (domain);
  if (config != NULL)
    holds = ballast_domain_config_guest_kib (config, holds);
  if (ballast_job_watch_active (domain))
    return holds + ballast_job_watch_domain_arriving_kib (domain);
  gboolean movable = domain->classification.status == BALLAST_GUEST_MANAGED
                     || domain->classification.status == BALLAST_GUEST_PARTIAL_STATS;
  if (movable && domain->balloon.has_decision)
    return MIN (domain->balloon.decision.floor_kib, holds);
  return holds;
}

/* What the new guest CONFIG counts with: its min, or all it starts with
 * when ballast cannot take from it. */
static guint64
new_guest_min_kib (const BallastDaemonView *view, const BallastDomainConfig *config, char **ret_why)
{
  guint64 starts_with = ballast_domain_config_guest_kib (config, config->current_kib);
  const char *whole = ballast_domain_config_unmanaged_reason (config);
  if (whole == NULL)
    whole = ballast_domain_config_fixed_reason (config);
  if (whole != NULL)
    {
      *ret_why = g_strdup_printf ("all it starts with: %s", whole);
      return starts_with;
    }
  BallastTuningOverride metadata = { 0 };
  if (config->tuning_xml != NULL && !ballast_tuning_parse (config->tuning_xml, &metadata, NULL))
    metadata.set = 0;
  BallastGuestTuning tuning;
  g_autofree char *source = NULL;
  ballast_policy_file_resolve (view->policy_file, config, &metadata, &tuning, &source);
  guint64 min = MIN (ballast_amount_resolve_kib (&tuning.min, config->max_kib), config->max_kib);
  *ret_why = g_strdup_printf ("its min (%s)", source);
  return MAX (min, ballast_domain_config_least_guest_kib (config));
}

json_object *
ballast_start_method_admit (const BallastDaemonView *view, const BallastRequest *request,
                            const char **ret_code, GError **error)
{
  const char *xml = NULL;
  GError *param_error = NULL;
  if (!ballast_request_get_string (request, "xml", TRUE, &xml, &param_error))
    {
      *ret_code = BALLAST_ERR_INVALID_PARAMS;
      g_propagate_error (error, param_error);
      return NULL;
    }
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(BallastDomainConfig) config = ballast_domain_config_parse (xml, &parse_error);
  if (config == NULL)
    {
      *ret_code = BALLAST_ERR_INVALID_PARAMS;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "the domain XML: %s", parse_error->message);
      return NULL;
    }
  if (view->host == NULL)
    {
      *ret_code = BALLAST_ERR_FAILED;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "the host's memory is not known: %s",
                   view->host_error != NULL ? view->host_error : "not read yet");
      return NULL;
    }

  g_autoptr(GPtrArray) domains = ballast_registry_list_sorted (view->registry);
  g_autoptr(GArray) running = g_array_new (FALSE, TRUE, sizeof (BallastStartCheckGuest));
  for (guint i = 0; i < domains->len; i++)
    {
      const BallastDomain *domain = domains->pdata[i];
      /* Itself, if libvirt already runs it. */
      if (!domain->active || g_strcmp0 (domain->uuid, config->uuid) == 0)
        continue;
      const BallastDomainConfig *known = domain->observed.config;
      BallastStartCheckGuest guest = {
        .floor_kib = running_floor_kib (domain),
        .max_kib = known != NULL ? known->max_kib : ballast_domain_current_kib (domain),
      };
      g_array_append_val (running, guest);
    }
  guint64 budget = view->host->budget_total_kib;
  BallastStartCheckHost host = {
    .budget_kib = budget,
    .reserve_kib = ballast_policy_reserve_kib (view->policy, budget),
    .max_ratio_permille = view->policy_file->overcommit_max_ratio_permille,
  };
  g_autofree char *min_why = NULL;
  guint64 min = new_guest_min_kib (view, config, &min_why);
  const char *name = config->name != NULL ? config->name : "the guest";
  g_autoptr(BallastStartCheck) check = ballast_start_check (&host, (const BallastStartCheckGuest *) running->data,
                                                            running->len, name, min, config->max_kib);
  if (check->admit)
    g_info ("admit %s: %s; counted with %s", name, check->reason, min_why);
  else
    g_message ("admit %s: %s; counted with %s", name, check->reason, min_why);

  json_object *result = json_object_new_object ();
  ballast_json_add_string (result, "domain", name);
  ballast_json_add_bool (result, "admit", check->admit);
  g_autofree char *reason = g_strdup_printf ("%s (%s counted with %s)", check->reason, name, min_why);
  ballast_json_add_string (result, "reason", reason);
  ballast_json_add_figure (result, "floors_kib", ballast_figure_kib (check->floors_kib));
  ballast_json_add_figure (result, "room_kib", ballast_figure_kib (check->room_kib));
  ballast_json_add_figure (result, "maxima_kib", ballast_figure_kib (check->maxima_kib));
  ballast_json_add_figure (result, "ratio_permille", ballast_figure (check->ratio_permille));
  ballast_json_add_figure (result, "max_ratio_permille",
                           host.max_ratio_permille > 0 ? ballast_figure (host.max_ratio_permille)
                                                       : BALLAST_FIGURE_UNKNOWN);
  return result;
}
