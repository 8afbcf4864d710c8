/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trace-recorder.h"

#include "ballast-error.h"
#include "trace-record.h"

#include <errno.h>
#include <stdio.h>

struct _BallastTraceRecorder {
  char *path;
  FILE *file;
  gboolean failing; /* said once until a write works again */
};

BallastTraceRecorder *
ballast_trace_recorder_open (const char *path, GError **error)
{
  FILE *file = fopen (path, "ae");
  if (file == NULL)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot open the trace file %s: %s",
                   path, g_strerror (saved_errno));
      return NULL;
    }
  BallastTraceRecorder *recorder = g_new0 (BallastTraceRecorder, 1);
  recorder->path = g_strdup (path);
  recorder->file = file;
  g_message ("recording every cycle to %s", path);
  return recorder;
}

void
ballast_trace_recorder_close (BallastTraceRecorder *recorder)
{
  if (recorder == NULL)
    return;
  fclose (recorder->file);
  g_free (recorder->path);
  g_free (recorder);
}

void
ballast_trace_recorder_write (BallastTraceRecorder *recorder, guint64 cycle,
                              const BallastHostInput *host, const BallastGuestInput *guests,
                              gsize n_guests, const BallastPlan *plan, gboolean shrink_allowed)
{
  g_autoptr(BallastTraceRecord) record = ballast_trace_record_new (g_get_real_time (), cycle, host,
                                                                   guests, n_guests, plan,
                                                                   shrink_allowed);
  g_autofree char *line = ballast_trace_record_format (record);
  /* One whole line per write, flushed: a reader tailing the file, or a
   * crash, never sees half a cycle. */
  if (fprintf (recorder->file, "%s\n", line) < 0 || fflush (recorder->file) != 0)
    {
      int saved_errno = errno;
      if (!recorder->failing)
        g_warning ("cannot write the trace file %s: %s (recording goes on trying)",
                   recorder->path, g_strerror (saved_errno));
      recorder->failing = TRUE;
      clearerr (recorder->file);
      return;
    }
  if (recorder->failing)
    g_message ("trace file %s written again", recorder->path);
  recorder->failing = FALSE;
}
