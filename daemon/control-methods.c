/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-methods.h"

#include "config.h"

#include "ballast-error.h"
#include "daemon-report.h"
#include "ksm-control.h"
#include "metrics.h"
#include "start-control.h"

typedef json_object *(*MethodHandler) (const BallastControlTarget *target,
                                       const BallastRequest *request,
                                       const char **ret_code, GError **error);

typedef struct {
  const char *name;
  gboolean changes_state;  /* needs a privileged peer */
  MethodHandler handler;
} Method;

static json_object *
fail_params (const char **ret_code, GError **error, GError *param_error)
{
  *ret_code = BALLAST_ERR_INVALID_PARAMS;
  g_propagate_error (error, param_error);
  return NULL;
}

static BallastDomain *
find_domain (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
             GError **error)
{
  const char *name = NULL;
  GError *param_error = NULL;
  if (!ballast_request_get_string (request, "domain", TRUE, &name, &param_error))
    {
      fail_params (ret_code, error, param_error);
      return NULL;
    }
  BallastRegistry *registry = target->view->registry;
  /* Like virsh: a name, else a UUID. */
  BallastDomain *domain = ballast_registry_lookup_name (registry, name);
  if (domain == NULL)
    domain = ballast_registry_lookup (registry, name);
  if (domain == NULL)
    {
      *ret_code = BALLAST_ERR_UNKNOWN_DOMAIN;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "failed to get domain '%s'", name);
    }
  return domain;
}

static json_object *
method_version (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
                GError **error)
{
  json_object *result = json_object_new_object ();
  json_object_object_add (result, "version", json_object_new_string (BALLAST_VERSION));
  json_object *methods = json_object_new_array ();
  for (const char *const *name = ballast_control_method_names (); *name != NULL; name++)
    json_object_array_add (methods, json_object_new_string (*name));
  json_object_object_add (result, "methods", methods);
  return result;
}

static json_object *
method_status (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
               GError **error)
{
  return ballast_daemon_status_json (target->view);
}

static json_object *
method_list (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
             GError **error)
{
  gboolean all = FALSE;
  GError *param_error = NULL;
  if (!ballast_request_get_bool (request, "all", &all, &param_error))
    return fail_params (ret_code, error, param_error);
  return ballast_daemon_list_json (target->view, all);
}

static json_object *
method_dominfo (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
                GError **error)
{
  BallastDomain *domain = find_domain (target, request, ret_code, error);
  return domain != NULL ? ballast_daemon_domain_json (target->view, domain) : NULL;
}

static json_object *
method_domhistory (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
                   GError **error)
{
  guint64 limit = 20;
  GError *param_error = NULL;
  if (!ballast_request_get_uint (request, "limit", 100000, &limit, &param_error))
    return fail_params (ret_code, error, param_error);
  BallastDomain *domain = find_domain (target, request, ret_code, error);
  return domain != NULL ? ballast_daemon_history_json (domain, (guint) limit) : NULL;
}

static json_object *
set_paused (const BallastControlTarget *target, gboolean paused)
{
  target->set_paused (paused, target->user_data);
  json_object *result = json_object_new_object ();
  json_object_object_add (result, "mode", json_object_new_string (target->view->mode));
  return result;
}

static json_object *
method_pause (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
              GError **error)
{
  return set_paused (target, TRUE);
}

static json_object *
method_resume (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
               GError **error)
{
  return set_paused (target, FALSE);
}

static json_object *
method_metrics (const BallastControlTarget *target, const BallastRequest *request, const char **ret_code,
                GError **error)
{
  g_autofree char *text = ballast_metrics_render (target->view);
  json_object *result = json_object_new_object ();
  json_object_object_add (result, "text", json_object_new_string (text));
  return result;
}

static json_object *
method_policy_reload (const BallastControlTarget *target, const BallastRequest *request,
                      const char **ret_code, GError **error)
{
  if (!target->reload_policy (target->user_data, error))
    {
      *ret_code = BALLAST_ERR_FAILED;
      return NULL;
    }
  json_object *result = json_object_new_object ();
  json_object_object_add (result, "source",
                          json_object_new_string (target->view->policy_file->source));
  return result;
}

static json_object *
method_ksm (const BallastControlTarget *target, const BallastRequest *request,
            const char **ret_code, GError **error)
{
  return ballast_ksm_method_status (target->view, request, ret_code, error);
}

static json_object *
method_admit (const BallastControlTarget *target, const BallastRequest *request,
              const char **ret_code, GError **error)
{
  return ballast_start_method_admit (target->view, request, ret_code, error);
}

static json_object *
method_ksm_set (const BallastControlTarget *target, const BallastRequest *request,
                const char **ret_code, GError **error)
{
  return ballast_ksm_method_set (target->view, request, ret_code, error);
}

static const Method methods[] = {
  { "version", FALSE, method_version },
  { "status", FALSE, method_status },
  { "list", FALSE, method_list },
  { "dominfo", FALSE, method_dominfo },
  { "domhistory", FALSE, method_domhistory },
  { "pause", TRUE, method_pause },
  { "resume", TRUE, method_resume },
  { "metrics", FALSE, method_metrics },
  { "policy-reload", TRUE, method_policy_reload },
  { "ksm", FALSE, method_ksm },
  { "ksm-set", TRUE, method_ksm_set },
  { "admit", FALSE, method_admit },
};

const char *const *
ballast_control_method_names (void)
{
  static const char *names[G_N_ELEMENTS (methods) + 1];
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    names[i] = methods[i].name;
  return names;
}

gboolean
ballast_control_method_changes_state (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_strcmp0 (methods[i].name, name) == 0)
      return methods[i].changes_state;
  return FALSE;
}

json_object *
ballast_control_dispatch (const BallastControlTarget *target, const BallastRequest *request,
                          const BallastPeer *peer, const char **ret_code, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      if (g_strcmp0 (methods[i].name, request->method) != 0)
        continue;
      if (methods[i].changes_state && !peer->privileged)
        {
          *ret_code = BALLAST_ERR_PERMISSION;
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                       "'%s' changes ballastd's state: only root or members of the 'ballast' group may call it",
                       request->method);
          return NULL;
        }
      return methods[i].handler (target, request, ret_code, error);
    }
  *ret_code = BALLAST_ERR_UNKNOWN_METHOD;
  /* Cut long names on a character boundary, not inside one. */
  g_autofree char *shown = g_utf8_substring (request->method, 0,
                                             MIN (g_utf8_strlen (request->method, -1), 64));
  g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID, "unknown method '%s'", shown);
  return NULL;
}
