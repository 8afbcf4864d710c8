/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pressure-watch.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/eventfd.h>
#include <sys/vfs.h>
#include <unistd.h>

/* "some 150000 2000000": wake when tasks stalled on memory for 150 ms
 * within any 2 s window: well before the allocator's 10% emergency PSI.
 * A 2 s window is what the kernel allows without CAP_SYS_RESOURCE. */
#define PSI_TRIGGER "some 150000 2000000"

typedef struct {
  BallastPressureWatch *watch;
  const char *source;  /* static name, for the callback */
  int fd;              /* the file (PSI) or the eventfd (v1) */
  int target_fd;       /* v1: the cgroup file the event is registered on */
  guint source_id;
} Notifier;

struct _BallastPressureWatch {
  BallastPressureCallback callback;
  gpointer user_data;
  char *cgroup_dir;
  Notifier *system_psi;
  Notifier *cgroup_psi;      /* v2 memory.pressure */
  Notifier *pressure_level;  /* v1 memory.pressure_level */
  Notifier *usage;           /* v1 memory.usage_in_bytes threshold */
  guint64 usage_threshold_kib;
};

static void
notifier_free (Notifier *notifier)
{
  if (notifier == NULL)
    return;
  if (notifier->source_id != 0)
    g_source_remove (notifier->source_id);
  if (notifier->fd >= 0)
    close (notifier->fd);
  if (notifier->target_fd >= 0)
    close (notifier->target_fd);
  g_free (notifier);
}

static gboolean
on_psi (int fd, GIOCondition condition, gpointer user_data)
{
  Notifier *notifier = user_data;
  if (condition & (G_IO_ERR | G_IO_NVAL))
    {
      /* The cgroup went away, or the kernel dropped the trigger. */
      g_debug ("pressure notifications from %s stopped", notifier->source);
      notifier->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  notifier->watch->callback (notifier->source, notifier->watch->user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_eventfd (int fd, GIOCondition condition, gpointer user_data)
{
  Notifier *notifier = user_data;
  guint64 count;
  if (read (fd, &count, sizeof count) != sizeof count && errno != EAGAIN)
    {
      notifier->source_id = 0;
      return G_SOURCE_REMOVE;
    }
  notifier->watch->callback (notifier->source, notifier->watch->user_data);
  return G_SOURCE_CONTINUE;
}

/* Triggers are written into kernel files: never into a plain file of a
 * test tree (BALLAST_PROC_DIR), which the write would corrupt. */
static gboolean
is_kernel_file (int fd)
{
  struct statfs fs;
  if (fstatfs (fd, &fs) < 0)
    return FALSE;
  return fs.f_type == PROC_SUPER_MAGIC || fs.f_type == CGROUP_SUPER_MAGIC
         || fs.f_type == CGROUP2_SUPER_MAGIC;
}

/* A PSI trigger: write the trigger to the pressure file and poll it for
 * POLLPRI (Documentation/accounting/psi.rst). */
static Notifier *
psi_trigger_new (BallastPressureWatch *watch, const char *path, const char *source)
{
  int fd = open (path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      g_debug ("no PSI trigger on %s: %s", path, g_strerror (errno));
      return NULL;
    }
  if (!is_kernel_file (fd))
    {
      g_debug ("no PSI trigger on %s: not a kernel pressure file", path);
      close (fd);
      return NULL;
    }
  if (write (fd, PSI_TRIGGER, strlen (PSI_TRIGGER) + 1) < 0)
    {
      g_debug ("no PSI trigger on %s: %s", path, g_strerror (errno));
      close (fd);
      return NULL;
    }
  Notifier *notifier = g_new0 (Notifier, 1);
  notifier->watch = watch;
  notifier->source = source;
  notifier->fd = fd;
  notifier->target_fd = -1;
  notifier->source_id = g_unix_fd_add (fd, G_IO_PRI | G_IO_ERR, on_psi, notifier);
  return notifier;
}

/* cgroup v1 notifications: an eventfd registered through
 * cgroup.event_control against FILE with ARGUMENT
 * (Documentation/admin-guide/cgroup-v1/memory.rst, section 9/11). */
static Notifier *
cgroup_v1_event_new (BallastPressureWatch *watch, const char *file, const char *argument,
                     const char *source)
{
  g_autofree char *target_path = g_build_filename (watch->cgroup_dir, file, NULL);
  g_autofree char *control_path = g_build_filename (watch->cgroup_dir, "cgroup.event_control", NULL);
  g_autofree char *line = NULL;
  int target_fd = open (target_path, O_RDONLY | O_CLOEXEC);
  int control_fd = open (control_path, O_WRONLY | O_CLOEXEC);
  int event_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (target_fd < 0 || control_fd < 0 || event_fd < 0)
    goto fail;
  if (!is_kernel_file (control_fd))
    {
      errno = ENOTSUP;
      goto fail;
    }
  line = g_strdup_printf ("%d %d %s", event_fd, target_fd, argument);
  if (write (control_fd, line, strlen (line)) < 0)
    goto fail;
  close (control_fd);

  Notifier *notifier = g_new0 (Notifier, 1);
  notifier->watch = watch;
  notifier->source = source;
  notifier->fd = event_fd;
  notifier->target_fd = target_fd;
  notifier->source_id = g_unix_fd_add (event_fd, G_IO_IN, on_eventfd, notifier);
  return notifier;

fail:;
  int saved_errno = errno;
  g_debug ("no %s notification on %s: %s", source, target_path, g_strerror (saved_errno));
  if (target_fd >= 0)
    close (target_fd);
  if (control_fd >= 0)
    close (control_fd);
  if (event_fd >= 0)
    close (event_fd);
  return NULL;
}

BallastPressureWatch *
ballast_pressure_watch_new (const BallastPaths *paths, const char *cgroup_dir,
                            BallastCgroupVersion cgroup_version,
                            BallastPressureCallback callback, gpointer user_data)
{
  BallastPressureWatch *watch = g_new0 (BallastPressureWatch, 1);
  watch->callback = callback;
  watch->user_data = user_data;
  watch->cgroup_dir = g_strdup (cgroup_dir);

  g_autofree char *system_path = g_build_filename (paths->proc_dir, "pressure", "memory", NULL);
  watch->system_psi = psi_trigger_new (watch, system_path, "host PSI");
  if (cgroup_dir != NULL && cgroup_version == BALLAST_CGROUP_V2)
    {
      g_autofree char *path = g_build_filename (cgroup_dir, "memory.pressure", NULL);
      watch->cgroup_psi = psi_trigger_new (watch, path, "cgroup PSI");
    }
  else if (cgroup_dir != NULL)
    watch->pressure_level = cgroup_v1_event_new (watch, "memory.pressure_level", "medium",
                                                 "cgroup pressure level");
  return watch;
}

void
ballast_pressure_watch_set_usage_threshold (BallastPressureWatch *watch, guint64 usage_kib)
{
  if (watch->cgroup_dir == NULL || watch->cgroup_psi != NULL
      || usage_kib == watch->usage_threshold_kib)
    return;
  g_clear_pointer (&watch->usage, notifier_free);
  watch->usage_threshold_kib = usage_kib;
  if (usage_kib == 0)
    return;
  g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, usage_kib * 1024);
  watch->usage = cgroup_v1_event_new (watch, "memory.usage_in_bytes", bytes, "cgroup usage threshold");
}

char *
ballast_pressure_watch_describe (BallastPressureWatch *watch)
{
  GString *text = g_string_new (NULL);
  const Notifier *notifiers[] = { watch->system_psi, watch->cgroup_psi, watch->pressure_level, watch->usage };
  for (gsize i = 0; i < G_N_ELEMENTS (notifiers); i++)
    if (notifiers[i] != NULL)
      g_string_append_printf (text, "%s%s", text->len > 0 ? ", " : "", notifiers[i]->source);
  if (text->len == 0)
    g_string_append (text, "none");
  return g_string_free (text, FALSE);
}

void
ballast_pressure_watch_free (BallastPressureWatch *watch)
{
  if (watch == NULL)
    return;
  notifier_free (watch->system_psi);
  notifier_free (watch->cgroup_psi);
  notifier_free (watch->pressure_level);
  notifier_free (watch->usage);
  g_free (watch->cgroup_dir);
  g_free (watch);
}
