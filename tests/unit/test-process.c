/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/stat (ksmd's CPU time), finding a process by name, and the
 * pid files libvirt writes for running guests. */
#include "ballast-error.h"
#include "process.h"

#include "scratch-tree.h"

#include <unistd.h>

static const BallastProcStat sentinel = { .pid = 99, .comm = "sentinel", .state = 'X',
                                          .utime_ticks = 1, .stime_ticks = 2 };

static void
assert_untouched (const BallastProcStat *stat)
{
  g_assert_cmpint (stat->pid, ==, sentinel.pid);
  g_assert_cmpstr (stat->comm, ==, sentinel.comm);
  g_assert_cmpint (stat->state, ==, sentinel.state);
  g_assert_cmpuint (stat->utime_ticks, ==, sentinel.utime_ticks);
  g_assert_cmpuint (stat->stime_ticks, ==, sentinel.stime_ticks);
}

/* The real capture of ksmd on the Debian 12 test host (an idle ksmd). */
static void
test_parse_capture (void)
{
  g_autofree char *text = scratch_load_fixture ("host/proc-ksmd-stat.txt");
  BallastProcStat stat = sentinel;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_proc_stat_parse (text, &stat, &error));
  g_assert_no_error (error);
  g_assert_cmpint (stat.pid, ==, 37);
  g_assert_cmpstr (stat.comm, ==, "ksmd");
  g_assert_cmpint (stat.state, ==, 'S');
  g_assert_cmpuint (stat.utime_ticks, ==, 0);
  g_assert_cmpuint (stat.stime_ticks, ==, 0);
}

static void
test_parse_variants (void)
{
  static const struct {
    const char *text;
    int pid;
    const char *comm;
    char state;
    guint64 utime, stime;
  } cases[] = {
    /* A name with spaces and parentheses: the fields start after the
     * LAST ')'. Fields 14 and 15 are 7 and 9. */
    { "123 (a) b) (c) R 1 2 3 4 5 6 7 8 9 10 7 9 0 0 20 0\n", 123, "a) b) (c", 'R', 7, 9 },
    { "4242 (qemu-system-x86) S 1 4241 4241 0 -1 138412288 160873 0 12 0 5230 2311 0 0 20 0 5 0",
      4242, "qemu-system-x86", 'S', 5230, 2311 },
    /* An empty name, exactly 13 fields after it, no newline. */
    { "7 () Z 0 0 0 0 0 0 0 0 0 0 1 2", 7, "", 'Z', 1, 2 },
    /* A name like a stat line itself, as a process may choose. */
    { "8 (1 (x) S 1 1 1) D 1 1 1 1 1 1 1 1 1 1 11 22 33\n", 8, "1 (x) S 1 1 1", 'D', 11, 22 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastProcStat stat = sentinel;
      g_autoptr(GError) error = NULL;
      g_test_message ("case %" G_GSIZE_FORMAT, i);
      g_assert_true (ballast_proc_stat_parse (cases[i].text, &stat, &error));
      g_assert_no_error (error);
      g_assert_cmpint (stat.pid, ==, cases[i].pid);
      g_assert_cmpstr (stat.comm, ==, cases[i].comm);
      g_assert_cmpint (stat.state, ==, cases[i].state);
      g_assert_cmpuint (stat.utime_ticks, ==, cases[i].utime);
      g_assert_cmpuint (stat.stime_ticks, ==, cases[i].stime);
    }

  /* A name longer than the buffer is cut, not overflowed. */
  g_autofree char *long_name = g_strnfill (200, 'k');
  g_autofree char *text = g_strdup_printf ("9 (%s) S 0 0 0 0 0 0 0 0 0 0 3 4\n", long_name);
  BallastProcStat stat;
  g_assert_true (ballast_proc_stat_parse (text, &stat, NULL));
  g_assert_cmpuint (strlen (stat.comm), ==, sizeof stat.comm - 1);
  g_assert_cmpuint (stat.stime_ticks, ==, 4);
}

static void
test_parse_hostile (void)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "", "stat line 1: expected 'PID (NAME) STATE ...'" },
    { "37 ksmd S 2 0 0\n", "stat line 1: expected 'PID (NAME) STATE ...', got '37 ksmd S 2 0 0'" },
    { "(ksmd) S 2\n", "stat line 1: expected 'PID (NAME)" },
    { "0 (init) S 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: expected 'PID (NAME)" },
    { "99999999999 (x) S 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: expected 'PID (NAME)" },
    { "-1 (x) S 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: expected 'PID (NAME)" },
    { "37(ksmd) S 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: expected 'PID (NAME)" },
    { "37 ) ksmd ( S 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: expected 'PID (NAME)" },
    { "37 (ksmd) S 2 0 0 0 -1 2097216 0 0\n", "stat line 1: 9 fields after the name 'ksmd', expected at least 13" },
    { "37 (ksmd)\n", "stat line 1: 0 fields after the name 'ksmd'" },
    { "37 (ksmd) SS 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: state 'SS' is not one letter" },
    { "37 (ksmd) 5 0 0 0 0 0 0 0 0 0 0 1 2\n", "stat line 1: state '5' is not one letter" },
    { "37 (ksmd) S 0 0 0 0 0 0 0 0 0 0 -1 2\n", "stat line 1: utime '-1' and stime '2' must be unsigned numbers" },
    { "37 (ksmd) S 0 0 0 0 0 0 0 0 0 0 1 99999999999999999999\n", "stat line 1: utime '1' and stime" },
    { "37 (ksmd) S 0 0 0 0 0 0 0 0 0 0 1 2\n38 (x) S\n", "stat line 2: one line expected" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastProcStat stat = sentinel;
      g_autoptr(GError) error = NULL;
      g_assert_false (ballast_proc_stat_parse (cases[i].text, &stat, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %" G_GSIZE_FORMAT ": '%s' does not start with '%s'", i, error->message,
                 cases[i].message);
      assert_untouched (&stat);
    }
}

static void
test_ticks (void)
{
  g_assert_cmpuint (ballast_proc_ticks_to_usec (4321, 100), ==, 43210000);
  g_assert_cmpuint (ballast_proc_ticks_to_usec (1, 100), ==, 10000);
  g_assert_cmpuint (ballast_proc_ticks_to_usec (1, 250), ==, 4000);
  g_assert_cmpuint (ballast_proc_ticks_to_usec (1, 300), ==, 3333);
  /* No overflow for a ksmd that ran for centuries. */
  g_assert_cmpuint (ballast_proc_ticks_to_usec (G_GUINT64_CONSTANT (1) << 40, 100), ==,
                    (G_GUINT64_CONSTANT (1) << 40) * 10000);
  /* A nonsense clock rate falls back to Linux's USER_HZ. */
  g_assert_cmpuint (ballast_proc_ticks_to_usec (5, 0), ==, 50000);
  g_assert_cmpuint (ballast_proc_ticks_to_usec (5, -1), ==, 50000);
}

static void
test_read_tree (void)
{
  g_autofree char *root = scratch_fixture_path ("trees/ksm-6.x");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  g_autoptr(GError) error = NULL;

  pid_t pid = 0;
  g_assert_true (ballast_proc_find_by_comm (paths, "ksmd", &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, ==, 37);
  /* Two QEMU processes: the lowest pid, whatever order readdir gives. */
  g_assert_true (ballast_proc_find_by_comm (paths, "qemu-system-x86", &pid, NULL));
  g_assert_cmpint (pid, ==, 4242);
  g_assert_false (ballast_proc_find_by_comm (paths, "ksmtuned", &pid, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_assert_cmpint (pid, ==, 4242);
  g_clear_error (&error);

  BallastProcStat stat;
  g_assert_true (ballast_proc_stat_read (paths, 37, &stat, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stat.stime_ticks, ==, 4321);

  guint64 cpu_usec = 0;
  g_assert_true (ballast_proc_cpu_usec_read (paths, 37, "ksmd", &cpu_usec, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cpu_usec, ==, ballast_proc_ticks_to_usec (4321, sysconf (_SC_CLK_TCK)));
  g_assert_cmpuint (cpu_usec, >, 0);
  /* QEMU's: user + system. */
  g_assert_true (ballast_proc_cpu_usec_read (paths, 4242, NULL, &cpu_usec, NULL));
  g_assert_cmpuint (cpu_usec, ==, ballast_proc_ticks_to_usec (5230 + 2311, sysconf (_SC_CLK_TCK)));

  /* A kept pid that now names another process, and one that is gone. */
  g_assert_false (ballast_proc_cpu_usec_read (paths, 1, "ksmd", &cpu_usec, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_assert_cmpstr (error->message, ==, "process 1 is now 'init', not ksmd");
  g_clear_error (&error);
  g_assert_false (ballast_proc_cpu_usec_read (paths, 31337, "ksmd", &cpu_usec, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_clear_error (&error);

  /* No /proc at all. */
  g_autoptr(BallastPaths) nowhere = ballast_paths_new_rooted ("/nonexistent-ballast-root");
  g_assert_false (ballast_proc_find_by_comm (nowhere, "ksmd", &pid, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_IO);
}

static void
test_read_hostile (void)
{
  g_autofree char *root = scratch_tree_new ("ksm-6.x");
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted (root);
  scratch_write (root, "proc/37/stat", "37 (ksmd) S 2 0 0\n", -1);
  BallastProcStat stat;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_proc_stat_read (paths, 37, &stat, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_autofree char *path = g_build_filename (root, "proc/37/stat", NULL);
  scratch_assert_mentions (error->message, (const char *const[]) { path, "stat line 1", NULL });
  g_clear_error (&error);

  /* Directories that are not pids, unreadable comm files: skipped. */
  scratch_write (root, "proc/self/comm", "ksmd\n", -1);
  scratch_write (root, "proc/0/comm", "ksmd\n", -1);
  g_autofree char *dir_comm = g_build_filename (root, "proc/12/comm", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir_comm, 0755), ==, 0);
  pid_t pid = 0;
  g_assert_true (ballast_proc_find_by_comm (paths, "ksmd", &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, ==, 37);
  scratch_remove_tree (root);
}

/* Only reads: this host's ksmd, when it has KSM. */
static void
test_real_ksmd (void)
{
  if (!g_file_test ("/sys/kernel/mm/ksm/run", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this kernel has no KSM, hence no ksmd");
      return;
    }
  g_autoptr(BallastPaths) paths = ballast_paths_new_rooted ("/");
  pid_t pid = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_proc_find_by_comm (paths, "ksmd", &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 1);
  guint64 cpu_usec = G_MAXUINT64;
  g_assert_true (ballast_proc_cpu_usec_read (paths, pid, "ksmd", &cpu_usec, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cpu_usec, <, G_MAXUINT64);
}

static void
test_pid_file (void)
{
  g_autofree char *run_dir = scratch_fixture_path ("trees/ksm-6.x/run/libvirt/qemu");
  pid_t pid = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (ballast_pid_file_read (run_dir, "guest1", &pid, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pid, ==, 4242);
  g_assert_true (ballast_pid_file_read (run_dir, "private", &pid, NULL));
  g_assert_cmpint (pid, ==, 4243);

  g_assert_false (ballast_pid_file_read (run_dir, "stopped-guest", &pid, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
  g_clear_error (&error);

  /* Names that would leave the directory. */
  const char *const bad_names[] = { "", ".", "..", "../../etc/passwd", "a/b" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_assert_false (ballast_pid_file_read (run_dir, bad_names[i], &pid, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_cmpint (pid, ==, 4243);
}

static void
test_pid_file_contents (void)
{
  static const struct {
    const char *contents;
    int pid;      /* 0: must fail */
  } cases[] = {
    { "4242", 4242 },
    { "4242\n", 4242 },
    { "4194304", 4194304 },
    { "4194305", 0 },
    { "0", 0 },
    { "-1", 0 },
    { "", 0 },
    { "\n", 0 },
    { "12 34", 0 },
    { "4242\n\n", 0 },
    { " 4242", 0 },
    { "0x10", 0 },
    { "99999999999999999999999", 0 },
  };
  char *dir = g_dir_make_tmp ("ballast-pid-XXXXXX", NULL);
  g_assert_nonnull (dir);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      scratch_write (dir, "guest.pid", cases[i].contents, -1);
      pid_t pid = 77;
      g_autoptr(GError) error = NULL;
      gboolean ok = ballast_pid_file_read (dir, "guest", &pid, &error);
      g_test_message ("case %" G_GSIZE_FORMAT ": '%s'", i, cases[i].contents);
      if (cases[i].pid != 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (pid, ==, cases[i].pid);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
          scratch_assert_mentions (error->message, (const char *const[]) { "guest.pid line 1", NULL });
          g_assert_cmpint (pid, ==, 77);
        }
    }
  /* Far too big to be a pid file. */
  g_autofree char *big = g_strnfill (1000, '7');
  scratch_write (dir, "guest.pid", big, -1);
  pid_t pid;
  g_autoptr(GError) error = NULL;
  g_assert_false (ballast_pid_file_read (dir, "guest", &pid, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
  scratch_remove_tree (dir);
  g_free (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/process/parse-capture", test_parse_capture);
  g_test_add_func ("/process/parse-variants", test_parse_variants);
  g_test_add_func ("/process/parse-hostile", test_parse_hostile);
  g_test_add_func ("/process/ticks", test_ticks);
  g_test_add_func ("/process/read-tree", test_read_tree);
  g_test_add_func ("/process/read-hostile", test_read_hostile);
  g_test_add_func ("/process/real-ksmd-read-only", test_real_ksmd);
  g_test_add_func ("/process/pid-file", test_pid_file);
  g_test_add_func ("/process/pid-file-contents", test_pid_file_contents);
  return g_test_run ();
}
