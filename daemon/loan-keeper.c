/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "loan-keeper.h"

#include "domain-registry.h"

#include <libvirt/virterror.h>

void
ballast_loan_keeper_restore (BallastDomain *domain, gint64 now_usec, gint64 wall_usec)
{
  if (domain->loan.state_read || domain->observed.config == NULL || !domain->active)
    return;
  domain->loan.state_read = TRUE;
  if (domain->observed.config->loan_state_xml == NULL)
    return;
  /* Whatever is there and not taken is rewritten (or removed) by the
   * first write: no clock has this start. */
  domain->loan.state = (BallastLoanClock) { .over = TRUE, .since_usec = G_MININT64 };
  if (domain->observed.config->loan_state_in_definition)
    {
      g_warning ("%s: ignoring its loan state metadata, its loan clock starts afresh: its "
                 "persistent definition has it too (copied from a live definition?), so it "
                 "cannot be told from one of an earlier run; remove that copy with 'virsh "
                 "metadata %s " BALLAST_LOAN_STATE_NS " --config --remove'",
                 domain->name, domain->name);
      return;
    }
  g_autoptr(GError) error = NULL;
  gint64 since_wall_usec = 0;
  if (!ballast_loan_state_parse (domain->observed.config->loan_state_xml, &since_wall_usec, &error))
    {
      g_warning ("%s: ignoring its loan state metadata, its loan clock starts afresh: %s",
                 domain->name, error->message);
      return;
    }
  /* A time ahead of ours (another host's clock, after a migration) counts
   * as now. */
  gint64 over_usec = MAX (wall_usec - since_wall_usec, 0);
  domain->loan.clock = (BallastLoanClock) { .over = TRUE, .since_usec = now_usec - over_usec };
  domain->loan.state = domain->loan.clock;
  g_message ("%s: used more than its fair share for %" G_GINT64_FORMAT " s before this start "
             "of ballastd (from its loan state metadata)",
             domain->name, over_usec / G_USEC_PER_SEC);
}

BallastApplyItem *
ballast_loan_keeper_write (BallastDomain *domain, gint64 now_usec, gint64 wall_usec)
{
  const BallastLoanClock *clock = &domain->loan.clock;
  if (clock->over == domain->loan.state.over
      && (!clock->over || clock->since_usec == domain->loan.state.since_usec))
    return NULL;
  if (!clock->over)
    return ballast_apply_item_new_loan_state (domain->domain, domain->uuid, NULL, 0);
  g_autofree char *xml = ballast_loan_state_format (wall_usec - (now_usec - clock->since_usec));
  return ballast_apply_item_new_loan_state (domain->domain, domain->uuid, xml, clock->since_usec);
}

gboolean
ballast_loan_keeper_written (BallastDomain *domain, const BallastApplyItem *item)
{
  switch (item->outcome)
    {
    case BALLAST_APPLY_OK:
      domain->loan.state = (BallastLoanClock) { .over = item->loan_state_xml != NULL,
                                                .since_usec = item->loan_since_usec };
      g_clear_pointer (&domain->loan.state_error, g_free);
      return TRUE;
    case BALLAST_APPLY_GONE:
      /* Stopped: its live metadata went with the run. */
      return TRUE;
    case BALLAST_APPLY_FAILED:
    default:
      if (item->error_code == VIR_ERR_NO_SUPPORT || item->error_code == VIR_ERR_ARGUMENT_UNSUPPORTED)
        {
          g_warning ("cannot keep loan clocks in the domains' metadata (%s): a restart of "
                     "ballastd will start them afresh", item->error);
          return FALSE;
        }
      /* Tried again next cycle; said once per reason. */
      if (g_strcmp0 (domain->loan.state_error, item->error) != 0)
        g_warning ("%s: cannot write its loan state metadata: %s", domain->name, item->error);
      g_free (domain->loan.state_error);
      domain->loan.state_error = g_strdup (item->error);
      return TRUE;
    }
}

void
ballast_loan_keeper_forget_run (BallastDomain *domain)
{
  domain->loan.clock = (BallastLoanClock) { 0 };
  domain->loan.state_read = FALSE;
  domain->loan.state = (BallastLoanClock) { 0 };
}
