/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

#include "policy-engine.h"

G_BEGIN_DECLS

/* `ballastd --record FILE`: one line per cycle in the trace format of
 * lib/trace-record.h (what the allocator saw and decided), for replay with
 * ballast-sim under another policy. Appends to FILE; a write that fails is
 * reported once and never stops a cycle. */
typedef struct _BallastTraceRecorder BallastTraceRecorder;

BallastTraceRecorder *ballast_trace_recorder_open (const char *path, GError **error);
void ballast_trace_recorder_close (BallastTraceRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastTraceRecorder, ballast_trace_recorder_close)

void ballast_trace_recorder_write (BallastTraceRecorder *recorder, guint64 cycle,
                                   const BallastHostInput *host, const BallastGuestInput *guests,
                                   gsize n_guests, const BallastPlan *plan, gboolean shrink_allowed);

G_END_DECLS
