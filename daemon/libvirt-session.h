/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

G_BEGIN_DECLS

/* The connection to libvirtd: opened off the main thread, kept alive with
 * libvirt's keepalive, watched with a close callback, and reopened with
 * capped exponential backoff when it goes away. Losing libvirtd is an event
 * to survive: the daemon keeps running and says so. */

typedef enum {
  BALLAST_SESSION_DISCONNECTED,
  BALLAST_SESSION_CONNECTING,
  BALLAST_SESSION_CONNECTED,
} BallastSessionState;

typedef enum {
  BALLAST_DOMAIN_EVENT_LIFECYCLE,      /* started, stopped, defined, undefined, ... */
  BALLAST_DOMAIN_EVENT_BALLOON_CHANGE, /* the balloon moved; VALUE is the new size in KiB */
  BALLAST_DOMAIN_EVENT_METADATA_CHANGE,
  BALLAST_DOMAIN_EVENT_DEVICE_CHANGE,
  BALLAST_DOMAIN_EVENT_JOB,            /* a job began (VALUE: its BallastJob) or
                                        * ended (BALLAST_JOB_NONE) */
} BallastDomainEventKind;

typedef struct {
  /* The connection is up and events are registered. */
  void (*connected) (gpointer user_data);
  /* The connection went away (or an attempt failed); WHY says how. */
  void (*disconnected) (const char *why, gpointer user_data);
  /* A domain event; VALUE depends on KIND (lifecycle: the event type). */
  void (*domain_event) (const char *uuid, const char *name, BallastDomainEventKind kind,
                        guint64 value, gpointer user_data);
} BallastSessionCallbacks;

typedef struct _BallastSession BallastSession;

BallastSession *ballast_session_new (const char *uri, const BallastSessionCallbacks *callbacks,
                                     gpointer user_data);
void ballast_session_free (BallastSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BallastSession, ballast_session_free)

/* Start connecting; with RETRY FALSE a failed first attempt is reported
 * through disconnected() and not retried (for --once). */
void ballast_session_start (BallastSession *session, gboolean retry);

/* The open connection (borrowed), or NULL when not connected. */
virConnectPtr ballast_session_get_connection (BallastSession *session);

BallastSessionState ballast_session_get_state (BallastSession *session);
const char *ballast_session_state_to_string (BallastSessionState state);
const char *ballast_session_get_uri (BallastSession *session);
/* Why the last attempt failed or the connection was lost; NULL if never. */
const char *ballast_session_get_last_error (BallastSession *session);
guint ballast_session_get_reconnects (BallastSession *session);
/* Seconds until the next attempt while disconnected, else 0. */
guint ballast_session_get_retry_in_sec (BallastSession *session);

/* A call found the connection dead before libvirt's close callback said so. */
void ballast_session_report_lost (BallastSession *session, const char *why);

G_END_DECLS
