/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>


G_BEGIN_DECLS

/* The listening end of ballastd's control socket: the socket file (mode
 * 0666: anyone may connect and read), a listen backlog sized for bursts,
 * and an accept loop on the main loop that drains the queue promptly and
 * says who each peer is.
 *
 * Why drain: once the kernel's accept queue is full it refuses connect()
 * (EAGAIN) before ballastd can see who is asking, so a local user who
 * floods the socket would turn root away too. Every pending connection is
 * therefore accepted, identified with SO_PEERCRED and handed on; the
 * owner decides whether to keep it (control-server.c). Accepting goes in
 * batches, so that a flood cannot keep the loop from its timers, libvirt
 * events and clients. */

typedef struct _BallastListener BallastListener;

/* Who is asking. */
typedef struct {
  guint32 uid;
  gint32 pid;
  gboolean privileged; /* may call methods that change things */
} BallastPeer;

typedef struct {
  /* A new connection: FD (non-blocking, close-on-exec) is the callee's. */
  void (*accepted) (int fd, const BallastPeer *peer, gpointer user_data);
  /* A connection closed before anyone saw it: no file descriptor was free
   * for it (OUT_OF_FDS), or its credentials could not be read. */
  void (*lost) (gboolean out_of_fds, gpointer user_data);
} BallastListenerCallbacks;

/* Listen on PATH (a stale socket file of a dead ballastd is replaced; a
 * live one is an error). Peers are privileged when they are root, have
 * ballastd's own uid, or have ADMIN_GROUP (NULL: none) among their groups
 * when they connect; the group is looked up once, here. */
BallastListener *ballast_listener_new (const char *path, const char *admin_group,
                                       const BallastListenerCallbacks *callbacks,
                                       gpointer user_data, GError **error);
/* Stops listening and removes the socket file. */
void ballast_listener_free (BallastListener *listener);

G_END_DECLS
