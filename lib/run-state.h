/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "spike-history.h"

G_BEGIN_DECLS

/* What ballastd keeps about a running domain that libvirt does not, and
 * that a restarted ballastd must not lose: since when the guest's use has
 * been above its fair share (its loan clock, lib/loan-clock.h), and the
 * spikes it has shown (lib/spike-history.h: their peak and last onsets,
 * from which their period is read). It lives in the domain's live
 * metadata, in its own namespace beside the operator's tuning:
 *
 *   <state xmlns="urn:ballast:state:1">
 *     <over-fair-share-since>2026-11-26T14:00:00Z</over-fair-share-since>
 *     <spikes>
 *       <peak unit='KiB' at='2026-11-26T14:02:10Z'>2516582</peak>
 *       <onset at='2026-11-26T13:32:00Z'/>
 *       <onset at='2026-11-26T13:47:00Z'/>
 *       <onset at='2026-11-26T14:02:00Z'/>
 *     </spikes>
 *   </state>
 *
 * so that it ends with the domain's run (live metadata goes when the
 * domain stops) and travels with a migration. Either part may be absent;
 * with neither, there is no element. Times are wall-clock, whole seconds. */
#define BALLAST_RUN_STATE_NS "urn:ballast:state:1"
#define BALLAST_RUN_STATE_PREFIX "ballast-state"

typedef struct {
  gboolean over_fair_share;
  gint64 over_fair_share_since_usec;  /* wall clock, since the epoch */
  guint64 spike_peak_kib;             /* 0: no peak kept */
  gint64 spike_peak_usec;             /* wall clock: when use was there */
  guint n_spike_onsets;
  gint64 spike_onsets_usec[BALLAST_SPIKE_ONSETS]; /* wall clock, oldest first */
} BallastRunState;

/* Parse the element as libvirt returns it (serialized from the domain XML,
 * or virDomainGetMetadata()). Errors say what is wrong with which field
 * ("run state line 2: <over-fair-share-since>: 'yesterday' is not an ISO
 * 8601 time with a time zone"). More onsets than ballast keeps: the
 * latest are taken. */
gboolean ballast_run_state_parse (const char *xml, BallastRunState *ret_state, GError **error);

/* The element for STATE, without its namespace (libvirt adds it from the
 * URI given to virDomainSetMetadata()); NULL when STATE holds nothing. */
char *ballast_run_state_format (const BallastRunState *state);

G_END_DECLS
