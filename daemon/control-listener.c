/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "control-listener.h"

#include "ballast-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib-unix.h>
#include <grp.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Linux caps the backlog at net.core.somaxconn: 4096 since 5.4, 128
 * before. Either holds a burst of well-behaved clients (ballastctl opens
 * one connection per command) while the loop is busy with a cycle. */
#define LISTEN_BACKLOG SOMAXCONN
/* Connections accepted per turn of the main loop: a flood is drained at
 * this rate, and between two batches the loop serves everything else. */
#define ACCEPT_BATCH 64
/* Out of file descriptors and without a spare: stop accepting this long
 * (instead of spinning on a socket that stays readable). */
#define PAUSE_WHEN_OUT_OF_FDS_MSEC 250

struct _BallastListener {
  char *path;
  int fd;
  /* /dev/null, held to be given up when the process is out of file
   * descriptors: see shed_one_connection(). */
  int spare_fd;
  GSource *source;
  guint resume_source;
  uid_t own_uid;
  gboolean has_admin_gid;
  gid_t admin_gid;
  gboolean out_of_fds;   /* since the last connection accepted; logged once */
  BallastListenerCallbacks callbacks;
  gpointer user_data;
};

/* ---- Who is the peer ---- */

/* The groups the peer had when it connected (SO_PEERGROUPS, Linux 4.13),
 * not what the group database says now: no NSS lookup on the main loop
 * for each connection of a flood, and a process that dropped the group is
 * not taken for a member. */
static gboolean
peer_has_group (int fd, gid_t primary_gid, gid_t group)
{
  if (primary_gid == group)
    return TRUE;
  gid_t some[64];
  g_autofree gid_t *many = NULL;
  gid_t *groups = some;
  socklen_t length = sizeof some;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length) < 0)
    {
      /* ERANGE: more groups than fit; LENGTH now says how many. */
      if (errno != ERANGE)
        return FALSE;
      groups = many = g_malloc (length);
      if (getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, groups, &length) < 0)
        return FALSE;
    }
  for (gsize i = 0; i < length / sizeof (gid_t); i++)
    if (groups[i] == group)
      return TRUE;
  return FALSE;
}

static gboolean
identify_peer (const BallastListener *listener, int fd, BallastPeer *ret_peer)
{
  struct ucred ucred;
  socklen_t length = sizeof ucred;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &ucred, &length) < 0)
    {
      g_warning ("control socket: cannot read a peer's credentials, dropping it: %s",
                 g_strerror (errno));
      return FALSE;
    }
  ret_peer->uid = ucred.uid;
  ret_peer->pid = ucred.pid;
  ret_peer->privileged = ucred.uid == 0 || ucred.uid == listener->own_uid
                         || (listener->has_admin_gid
                             && peer_has_group (fd, ucred.gid, listener->admin_gid));
  return TRUE;
}

/* ---- Accepting ---- */

static gboolean on_ready (gint fd, GIOCondition condition, gpointer user_data);

static void
watch (BallastListener *listener)
{
  listener->source = g_unix_fd_source_new (listener->fd, G_IO_IN);
  g_source_set_callback (listener->source, G_SOURCE_FUNC (on_ready), listener, NULL);
  g_source_attach (listener->source, NULL);
}

static void
unwatch (BallastListener *listener)
{
  if (listener->source == NULL)
    return;
  g_source_destroy (listener->source);
  g_clear_pointer (&listener->source, g_source_unref);
}

static gboolean
on_resume (gpointer user_data)
{
  BallastListener *listener = user_data;
  listener->resume_source = 0;
  if (listener->spare_fd < 0)
    listener->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  watch (listener);
  return G_SOURCE_REMOVE;
}

/* Out of file descriptors, accept() fails and leaves the connection
 * queued, so the socket stays readable and the loop would spin on it. The
 * way out that libev and nginx take: give up the spare descriptor, accept
 * the connection with it and close it at once, then take the spare back.
 * Without a spare, accepting pauses for a moment. */
static void
shed_one_connection (BallastListener *listener)
{
  if (!listener->out_of_fds)
    {
      struct rlimit limit = { 0 };
      getrlimit (RLIMIT_NOFILE, &limit);
      g_warning ("control socket: out of file descriptors (limit %llu), turning connections away",
                 (unsigned long long) limit.rlim_cur);
      listener->out_of_fds = TRUE;
    }
  int fd = -1;
  if (listener->spare_fd >= 0)
    {
      close (listener->spare_fd);
      fd = accept4 (listener->fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        {
          close (fd);
          listener->callbacks.lost (TRUE, listener->user_data);
        }
      listener->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    }
  if (fd < 0 || listener->spare_fd < 0)
    {
      unwatch (listener);
      listener->resume_source = g_timeout_add (PAUSE_WHEN_OUT_OF_FDS_MSEC, on_resume, listener);
    }
}

static void
hand_over (BallastListener *listener, int fd)
{
  BallastPeer peer = { 0 };
  listener->out_of_fds = FALSE;
  if (!identify_peer (listener, fd, &peer))
    {
      close (fd);
      listener->callbacks.lost (FALSE, listener->user_data);
      return;
    }
  listener->callbacks.accepted (fd, &peer, listener->user_data);
}

static gboolean
on_ready (gint listen_fd, GIOCondition condition, gpointer user_data)
{
  BallastListener *listener = user_data;
  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0)
        {
          hand_over (listener, fd);
          continue;
        }
      switch (errno)
        {
        case EINTR:
        case ECONNABORTED: /* the peer left while queued */
          continue;
        case EAGAIN:
          return G_SOURCE_CONTINUE; /* drained */
        case EMFILE:
        case ENFILE:
          shed_one_connection (listener);
          /* The source may be gone (paused): not a moment longer here. */
          return G_SOURCE_CONTINUE;
        default:
          g_warning ("control socket: accept: %s", g_strerror (errno));
          return G_SOURCE_CONTINUE;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* ---- Setup ---- */

/* A socket file left by a ballastd that died is removed; one that answers
 * belongs to a running ballastd, and we must not steal it. */
static gboolean
clear_stale_socket (const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autoptr(GSocketClient) probe = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) connection =
    g_socket_client_connect (probe, G_SOCKET_CONNECTABLE (address), NULL, NULL);
  if (connection != NULL)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO,
                   "another ballastd is already listening on %s", path);
      return FALSE;
    }
  if (unlink (path) < 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot remove stale socket %s: %s",
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static int
listen_on (const char *path, GError **error)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof address.sun_path)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "cannot listen on %s: the path is longer than %zu bytes", path,
                   sizeof address.sun_path - 1);
      return -1;
    }
  g_strlcpy (address.sun_path, path, sizeof address.sun_path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &address, sizeof address) < 0
      || listen (fd, LISTEN_BACKLOG) < 0)
    {
      int saved_errno = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot listen on %s: %s", path,
                   g_strerror (saved_errno));
      return -1;
    }
  /* Anyone may connect and read; writes are checked per request. */
  chmod (path, 0666);
  return fd;
}

static gboolean
lookup_group (const char *name, gid_t *ret_gid)
{
  if (name == NULL)
    return FALSE;
  struct group *group = getgrnam (name);
  if (group == NULL)
    {
      g_message ("control socket: there is no group '%s': only root and ballastd's own user may change things",
                 name);
      return FALSE;
    }
  *ret_gid = group->gr_gid;
  return TRUE;
}

BallastListener *
ballast_listener_new (const char *path, const char *admin_group,
                      const BallastListenerCallbacks *callbacks, gpointer user_data,
                      GError **error)
{
  g_autofree char *directory = g_path_get_dirname (path);
  if (g_mkdir_with_parents (directory, 0755) < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot create %s: %s", directory,
                   g_strerror (saved_errno));
      return NULL;
    }
  if (!clear_stale_socket (path, error))
    return NULL;
  int fd = listen_on (path, error);
  if (fd < 0)
    return NULL;

  BallastListener *listener = g_new0 (BallastListener, 1);
  listener->path = g_strdup (path);
  listener->fd = fd;
  listener->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  listener->own_uid = geteuid ();
  listener->has_admin_gid = lookup_group (admin_group, &listener->admin_gid);
  listener->callbacks = *callbacks;
  listener->user_data = user_data;
  watch (listener);
  return listener;
}

void
ballast_listener_free (BallastListener *listener)
{
  if (listener == NULL)
    return;
  unwatch (listener);
  g_clear_handle_id (&listener->resume_source, g_source_remove);
  close (listener->fd);
  if (listener->spare_fd >= 0)
    close (listener->spare_fd);
  unlink (listener->path);
  g_free (listener->path);
  g_free (listener);
}
