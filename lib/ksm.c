/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "ksm.h"

#include "ballast-error.h"
#include "text-fields.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

typedef enum {
  KIND_RUN,      /* 0, 1, 2, plus the transient offline bit 4 */
  KIND_UINT,     /* unsigned int in the kernel */
  KIND_U64,      /* unsigned long */
  KIND_S64,      /* long: general_profit can be negative */
  KIND_BOOL,     /* 0 or 1 */
  KIND_ADVISOR,  /* "[none] scan-time" */
} FieldKind;

typedef struct {
  const char *name;
  BallastKsmFile bit;
  FieldKind kind;
  gsize offset;
} KsmField;

#define FIELD(name, bit, kind, member) \
  { name, BALLAST_KSM_HAS_##bit, KIND_##kind, G_STRUCT_OFFSET (BallastKsmState, member) }

static const KsmField ksm_fields[] = {
  FIELD ("run", RUN, RUN, run),
  FIELD ("pages_to_scan", PAGES_TO_SCAN, UINT, pages_to_scan),
  FIELD ("sleep_millisecs", SLEEP_MILLISECS, UINT, sleep_millisecs),
  FIELD ("pages_shared", PAGES_SHARED, U64, pages_shared),
  FIELD ("pages_sharing", PAGES_SHARING, U64, pages_sharing),
  FIELD ("pages_unshared", PAGES_UNSHARED, U64, pages_unshared),
  FIELD ("pages_volatile", PAGES_VOLATILE, U64, pages_volatile),
  FIELD ("full_scans", FULL_SCANS, U64, full_scans),
  FIELD ("merge_across_nodes", MERGE_ACROSS_NODES, BOOL, merge_across_nodes),
  FIELD ("use_zero_pages", USE_ZERO_PAGES, BOOL, use_zero_pages),
  FIELD ("max_page_sharing", MAX_PAGE_SHARING, U64, max_page_sharing),
  FIELD ("stable_node_chains", STABLE_NODE_CHAINS, U64, stable_node_chains),
  FIELD ("stable_node_dups", STABLE_NODE_DUPS, U64, stable_node_dups),
  FIELD ("stable_node_chains_prune_millisecs", STABLE_NODE_CHAINS_PRUNE_MILLISECS, U64,
         stable_node_chains_prune_millisecs),
  FIELD ("general_profit", GENERAL_PROFIT, S64, general_profit_bytes),
  FIELD ("ksm_zero_pages", KSM_ZERO_PAGES, S64, ksm_zero_pages),
  FIELD ("pages_scanned", PAGES_SCANNED, U64, pages_scanned),
  FIELD ("pages_skipped", PAGES_SKIPPED, U64, pages_skipped),
  FIELD ("smart_scan", SMART_SCAN, BOOL, smart_scan),
  FIELD ("advisor_mode", ADVISOR_MODE, ADVISOR, advisor_mode),
  FIELD ("advisor_max_cpu", ADVISOR_MAX_CPU, U64, advisor_max_cpu),
  FIELD ("advisor_target_scan_time", ADVISOR_TARGET_SCAN_TIME, U64, advisor_target_scan_time),
  FIELD ("advisor_min_pages_to_scan", ADVISOR_MIN_PAGES_TO_SCAN, U64, advisor_min_pages_to_scan),
  FIELD ("advisor_max_pages_to_scan", ADVISOR_MAX_PAGES_TO_SCAN, U64, advisor_max_pages_to_scan),
};

#undef FIELD

static const KsmField *
find_field (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ksm_fields); i++)
    if (strcmp (ksm_fields[i].name, name) == 0)
      return &ksm_fields[i];
  return NULL;
}

/* "-12" or "12" into a gint64, strictly. */
static gboolean
parse_s64 (const char *text, gint64 *ret_value)
{
  gboolean negative = text[0] == '-';
  const char *digits = negative ? text + 1 : text;
  guint64 magnitude;
  if (!ballast_parse_u64 (digits, strlen (digits), &magnitude))
    return FALSE;
  if (!negative && magnitude > (guint64) G_MAXINT64)
    return FALSE;
  if (negative && magnitude > (guint64) G_MAXINT64 + 1)
    return FALSE;
  *ret_value = negative ? (gint64) (0 - magnitude) : (gint64) magnitude;
  return TRUE;
}

/* advisor_mode: "[none] scan-time". One word in brackets is in force. */
static gboolean
parse_advisor (const char *text, BallastKsmAdvisor *ret_mode, char **ret_problem)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  const char *chosen = NULL;
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = words[i];
      gsize length = strlen (word);
      if (length == 0)
        continue;
      if (word[0] != '[')
        continue;
      if (length < 3 || word[length - 1] != ']' || chosen != NULL)
        {
          *ret_problem = g_strdup_printf ("expected one advisor in brackets, got '%.60s'", text);
          return FALSE;
        }
      chosen = word;
    }
  if (chosen == NULL)
    {
      *ret_problem = g_strdup_printf ("no advisor in brackets in '%.60s'", text);
      return FALSE;
    }
  if (strcmp (chosen, "[none]") == 0)
    *ret_mode = BALLAST_KSM_ADVISOR_NONE;
  else if (strcmp (chosen, "[scan-time]") == 0)
    *ret_mode = BALLAST_KSM_ADVISOR_SCAN_TIME;
  else
    /* A newer advisor: it owns pages_to_scan just as scan-time does. */
    *ret_mode = BALLAST_KSM_ADVISOR_OTHER;
  return TRUE;
}

/* Parse VALUE (one line, without its newline) for FIELD into STATE. On
 * failure RET_PROBLEM says what is wrong, without saying where. */
static gboolean
parse_value (const KsmField *field, const char *value, BallastKsmState *state, char **ret_problem)
{
  guint64 number = 0;
  gint64 signed_number = 0;
  gpointer member = G_STRUCT_MEMBER_P (state, field->offset);

  switch (field->kind)
    {
    case KIND_ADVISOR:
      if (!parse_advisor (value, (BallastKsmAdvisor *) member, ret_problem))
        return FALSE;
      break;
    case KIND_S64:
      if (!parse_s64 (value, &signed_number))
        {
          *ret_problem = g_strdup_printf ("expected a whole number, got '%.40s'", value);
          return FALSE;
        }
      if (field->bit == BALLAST_KSM_HAS_KSM_ZERO_PAGES)
        /* An atomic_long in the kernel, printed with %ld: a transient
         * negative is an accounting race, not a count. */
        *(guint64 *) member = (guint64) MAX (signed_number, 0);
      else
        *(gint64 *) member = signed_number;
      break;
    default:
      if (!ballast_parse_u64 (value, strlen (value), &number))
        {
          *ret_problem = g_strdup_printf ("expected an unsigned number, got '%.40s'", value);
          return FALSE;
        }
      switch (field->kind)
        {
        case KIND_RUN:
          /* KSM_RUN_STOP 0, _MERGE 1, _UNMERGE 2, | KSM_RUN_OFFLINE 4 while
           * memory is hot-removed; 3 cannot happen. */
          if (number > 6 || (number & 3) == 3)
            {
              *ret_problem = g_strdup_printf ("%" G_GUINT64_FORMAT " is not 0, 1 or 2", number);
              return FALSE;
            }
          state->run = (BallastKsmRun) (number & 3);
          state->run_offline = (number & 4) != 0;
          break;
        case KIND_UINT:
          if (number > G_MAXUINT)
            {
              *ret_problem = g_strdup_printf ("%" G_GUINT64_FORMAT " is larger than the kernel's "
                                              "unsigned int", number);
              return FALSE;
            }
          *(guint *) member = (guint) number;
          break;
        case KIND_BOOL:
          if (number > 1)
            {
              *ret_problem = g_strdup_printf ("%" G_GUINT64_FORMAT " is not 0 or 1", number);
              return FALSE;
            }
          *(gboolean *) member = number == 1;
          break;
        default:
          *(guint64 *) member = number;
          break;
        }
      break;
    }
  state->present |= field->bit;
  return TRUE;
}

/* One sysfs value: a single line with its newline (or none). Sets
 * RET_LINE to the line the problem is on. */
static gboolean
parse_file_text (const KsmField *field, const char *text, BallastKsmState *state,
                 guint *ret_line, char **ret_problem)
{
  const char *newline = strchr (text, '\n');
  *ret_line = 1;
  if (newline != NULL && newline[1] != '\0')
    {
      *ret_line = 2;
      *ret_problem = g_strdup_printf ("one value expected, found a second line '%.40s'", newline + 1);
      return FALSE;
    }
  g_autofree char *value = g_strndup (text, newline != NULL ? (gsize) (newline - text) : strlen (text));
  if (*value == '\0')
    {
      *ret_problem = g_strdup ("empty");
      return FALSE;
    }
  return parse_value (field, value, state, ret_problem);
}

gboolean
ballast_ksm_parse_file_value (const char *name, const char *text, BallastKsmState *state,
                              GError **error)
{
  const KsmField *field = find_field (name);
  if (field == NULL)
    return TRUE;
  guint line;
  g_autofree char *problem = NULL;
  if (!parse_file_text (field, text, state, &line, &problem))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %u: %s", name, line, problem);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_required (guint32 present, const char *what, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ksm_fields); i++)
    if ((ksm_fields[i].bit & BALLAST_KSM_REQUIRED_FILES) && !(present & ksm_fields[i].bit))
      {
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING, "%s: %s is missing", what,
                     ksm_fields[i].name);
        return FALSE;
      }
  return TRUE;
}

gboolean
ballast_ksm_parse_capture (const char *text, const char *what, BallastKsmState *ret_state,
                           GError **error)
{
  BallastKsmState state = { 0 };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      if (*line == '\0' || *line == '#')
        continue;
      const char *equals = strchr (line, '=');
      if (equals == NULL || equals == line)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "%s line %u: expected name=value, got '%.60s'", what, i + 1, line);
          return FALSE;
        }
      g_autofree char *name = g_strndup (line, (gsize) (equals - line));
      const KsmField *field = find_field (name);
      if (field == NULL)
        continue;
      if (state.present & field->bit)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %u: %s appears twice",
                       what, i + 1, name);
          return FALSE;
        }
      g_autofree char *problem = NULL;
      if (*(equals + 1) == '\0')
        problem = g_strdup ("empty");
      if (problem != NULL || !parse_value (field, equals + 1, &state, &problem))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %u: %s: %s", what,
                       i + 1, name, problem);
          return FALSE;
        }
    }
  if (!check_required (state.present, what, error))
    return FALSE;
  *ret_state = state;
  return TRUE;
}

char *
ballast_ksm_dir (const BallastPaths *paths)
{
  return g_build_filename (paths->sys_dir, "kernel", "mm", "ksm", NULL);
}

gboolean
ballast_ksm_read (const BallastPaths *paths, BallastKsmState *ret_state, GError **error)
{
  g_autofree char *dir = ballast_ksm_dir (paths);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                   "%s does not exist: the kernel has no KSM (CONFIG_KSM)", dir);
      return FALSE;
    }
  BallastKsmState state = { 0 };
  for (gsize i = 0; i < G_N_ELEMENTS (ksm_fields); i++)
    {
      const KsmField *field = &ksm_fields[i];
      g_autofree char *path = g_build_filename (dir, field->name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          if (field->bit & BALLAST_KSM_REQUIRED_FILES)
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                           "%s is missing: not a KSM sysfs directory this kernel would make", path);
              return FALSE;
            }
          continue;
        }
      g_autofree char *text = NULL;
      if (!ballast_read_small_file (path, 4096, &text, error))
        return FALSE;
      guint line;
      g_autofree char *problem = NULL;
      if (!parse_file_text (field, text, &state, &line, &problem))
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE, "%s line %u: %s", path, line,
                       problem);
          return FALSE;
        }
    }
  *ret_state = state;
  return TRUE;
}

guint64
ballast_ksm_saved_pages (const BallastKsmState *state)
{
  return state->pages_sharing + state->ksm_zero_pages;
}

guint64
ballast_ksm_rmap_items (const BallastKsmState *state)
{
  return state->pages_shared + state->pages_sharing + state->pages_unshared + state->pages_volatile;
}

/* ---- Writing ---- */

const char *
ballast_ksm_tunable_name (BallastKsmTunable tunable)
{
  switch (tunable)
    {
    case BALLAST_KSM_SET_RUN:
      return "run";
    case BALLAST_KSM_SET_PAGES_TO_SCAN:
      return "pages_to_scan";
    case BALLAST_KSM_SET_SLEEP_MILLISECS:
      return "sleep_millisecs";
    case BALLAST_KSM_SET_MERGE_ACROSS_NODES:
      return "merge_across_nodes";
    case BALLAST_KSM_SET_USE_ZERO_PAGES:
      return "use_zero_pages";
    default:
      return "?";
    }
}

static BallastKsmFile
tunable_file (BallastKsmTunable tunable)
{
  switch (tunable)
    {
    case BALLAST_KSM_SET_RUN:
      return BALLAST_KSM_HAS_RUN;
    case BALLAST_KSM_SET_PAGES_TO_SCAN:
      return BALLAST_KSM_HAS_PAGES_TO_SCAN;
    case BALLAST_KSM_SET_SLEEP_MILLISECS:
      return BALLAST_KSM_HAS_SLEEP_MILLISECS;
    case BALLAST_KSM_SET_MERGE_ACROSS_NODES:
      return BALLAST_KSM_HAS_MERGE_ACROSS_NODES;
    case BALLAST_KSM_SET_USE_ZERO_PAGES:
      return BALLAST_KSM_HAS_USE_ZERO_PAGES;
    default:
      return 0;
    }
}

static guint64
current_value (const BallastKsmState *state, BallastKsmTunable tunable)
{
  switch (tunable)
    {
    case BALLAST_KSM_SET_RUN:
      return state->run;
    case BALLAST_KSM_SET_PAGES_TO_SCAN:
      return state->pages_to_scan;
    case BALLAST_KSM_SET_SLEEP_MILLISECS:
      return state->sleep_millisecs;
    case BALLAST_KSM_SET_MERGE_ACROSS_NODES:
      return state->merge_across_nodes ? 1 : 0;
    case BALLAST_KSM_SET_USE_ZERO_PAGES:
      return state->use_zero_pages ? 1 : 0;
    default:
      return 0;
    }
}

static guint64
wanted_value (const BallastKsmTunables *wanted, BallastKsmTunable tunable)
{
  switch (tunable)
    {
    case BALLAST_KSM_SET_RUN:
      return wanted->run;
    case BALLAST_KSM_SET_PAGES_TO_SCAN:
      return wanted->pages_to_scan;
    case BALLAST_KSM_SET_SLEEP_MILLISECS:
      return wanted->sleep_millisecs;
    case BALLAST_KSM_SET_MERGE_ACROSS_NODES:
      return wanted->merge_across_nodes ? 1 : 0;
    case BALLAST_KSM_SET_USE_ZERO_PAGES:
      return wanted->use_zero_pages ? 1 : 0;
    default:
      return 0;
    }
}

static gboolean
differs (const BallastKsmState *current, const BallastKsmTunables *wanted, BallastKsmTunable tunable)
{
  return (wanted->set & tunable) && wanted_value (wanted, tunable) != current_value (current, tunable);
}

static void
add_write (BallastKsmWritePlan *plan, BallastKsmTunable tunable, guint64 old_value,
           guint64 new_value)
{
  BallastKsmWrite write = { .tunable = tunable, .old_value = old_value, .new_value = new_value };
  g_array_append_val (plan->writes, write);
}

static void
add_if_differs (BallastKsmWritePlan *plan, const BallastKsmState *current,
                const BallastKsmTunables *wanted, BallastKsmTunable tunable)
{
  if (differs (current, wanted, tunable))
    add_write (plan, tunable, current_value (current, tunable), wanted_value (wanted, tunable));
}

void
ballast_ksm_write_plan_free (BallastKsmWritePlan *plan)
{
  if (plan == NULL)
    return;
  g_clear_pointer (&plan->writes, g_array_unref);
  g_free (plan);
}

BallastKsmWritePlan *
ballast_ksm_plan_writes (const BallastKsmState *current, const BallastKsmTunables *wanted,
                         GError **error)
{
  static const BallastKsmTunable all[] = {
    BALLAST_KSM_SET_RUN, BALLAST_KSM_SET_PAGES_TO_SCAN, BALLAST_KSM_SET_SLEEP_MILLISECS,
    BALLAST_KSM_SET_MERGE_ACROSS_NODES, BALLAST_KSM_SET_USE_ZERO_PAGES,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
    if ((wanted->set & all[i]) && !(current->present & tunable_file (all[i])))
      {
        g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_UNSUPPORTED,
                     "cannot set KSM %s: this kernel has no such file", ballast_ksm_tunable_name (all[i]));
        return NULL;
      }
  if ((wanted->set & BALLAST_KSM_SET_RUN) && wanted->run > BALLAST_KSM_RUN_UNMERGE)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "KSM run must be 0, 1 or 2, not %u", (guint) wanted->run);
      return NULL;
    }
  if (differs (current, wanted, BALLAST_KSM_SET_PAGES_TO_SCAN)
      && (current->present & BALLAST_KSM_HAS_ADVISOR_MODE)
      && current->advisor_mode != BALLAST_KSM_ADVISOR_NONE)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "cannot set KSM pages_to_scan: the kernel's scan-time advisor sets it "
                   "(advisor_mode is not none)");
      return NULL;
    }
  gboolean change_nodes = differs (current, wanted, BALLAST_KSM_SET_MERGE_ACROSS_NODES);
  if (change_nodes && !(wanted->set & BALLAST_KSM_SET_RUN))
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_INVALID,
                   "changing KSM merge_across_nodes needs an unmerge (run=2) first: say which "
                   "run to restore afterwards");
      return NULL;
    }

  g_autoptr(BallastKsmWritePlan) plan = g_new0 (BallastKsmWritePlan, 1);
  plan->writes = g_array_new (FALSE, FALSE, sizeof (BallastKsmWrite));

  /* Unmerge first unless ksmd is stopped with nothing merged: while it runs
   * it may merge between our read and our write, and the kernel answers
   * EBUSY to a merge_across_nodes write while any page is shared. */
  gboolean merged = current->pages_shared > 0 || current->pages_sharing > 0;
  if (change_nodes && (merged || current->run == BALLAST_KSM_RUN_MERGE))
    {
      /* Also when run already reads 2 but pages are still shared: the last
       * unmerge was interrupted (a signal, or no memory); try again. */
      add_write (plan, BALLAST_KSM_SET_RUN, current->run, BALLAST_KSM_RUN_UNMERGE);
      add_if_differs (plan, current, wanted, BALLAST_KSM_SET_PAGES_TO_SCAN);
      add_if_differs (plan, current, wanted, BALLAST_KSM_SET_SLEEP_MILLISECS);
      add_if_differs (plan, current, wanted, BALLAST_KSM_SET_USE_ZERO_PAGES);
      plan->pending_unmerge = TRUE;
      plan->blocking = TRUE;
      return g_steal_pointer (&plan);
    }

  add_if_differs (plan, current, wanted, BALLAST_KSM_SET_MERGE_ACROSS_NODES);
  add_if_differs (plan, current, wanted, BALLAST_KSM_SET_PAGES_TO_SCAN);
  add_if_differs (plan, current, wanted, BALLAST_KSM_SET_SLEEP_MILLISECS);
  add_if_differs (plan, current, wanted, BALLAST_KSM_SET_USE_ZERO_PAGES);
  /* run last, so ksmd starts with the new settings. */
  add_if_differs (plan, current, wanted, BALLAST_KSM_SET_RUN);
  if ((wanted->set & BALLAST_KSM_SET_RUN) && wanted->run == BALLAST_KSM_RUN_UNMERGE)
    {
      /* run reads 2 with pages still merged: the last unmerge was cut
       * short (a signal, or no memory); writing 2 again resumes it. */
      if (current->run == BALLAST_KSM_RUN_UNMERGE && merged)
        add_write (plan, BALLAST_KSM_SET_RUN, current->run, BALLAST_KSM_RUN_UNMERGE);
      plan->blocking = current->run != BALLAST_KSM_RUN_UNMERGE || merged;
    }
  return g_steal_pointer (&plan);
}

char *
ballast_ksm_write_describe (const BallastKsmWrite *write)
{
  return g_strdup_printf ("%s %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT,
                          ballast_ksm_tunable_name (write->tunable), write->old_value,
                          write->new_value);
}

static gboolean
write_value (const char *path, guint64 value, GError **error)
{
  char text[32];
  int length = g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT "\n", value);
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot open %s to write %" G_GUINT64_FORMAT
                   ": %s", path, value, g_strerror (saved_errno));
      return FALSE;
    }
  /* sysfs takes a value in one write, and answers a refusal (EINVAL,
   * EBUSY) from write(2) itself. */
  ssize_t written;
  do
    written = write (fd, text, (size_t) length);
  while (written < 0 && errno == EINTR);
  int write_errno = errno;
  if (written != length)
    {
      close (fd);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot write %" G_GUINT64_FORMAT
                   " to %s: %s%s", value, path,
                   written < 0 ? g_strerror (write_errno) : "short write",
                   written < 0 && write_errno == EBUSY && g_str_has_suffix (path, "merge_across_nodes")
                   ? " (pages are still merged: unmerge with run=2 first)" : "");
      return FALSE;
    }
  if (close (fd) < 0)
    {
      int close_errno = errno;
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_IO, "cannot write %" G_GUINT64_FORMAT
                   " to %s: %s", value, path, g_strerror (close_errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
ballast_ksm_apply (const BallastPaths *paths, const BallastKsmWritePlan *plan, guint *ret_done,
                   GError **error)
{
  g_autofree char *dir = ballast_ksm_dir (paths);
  guint done = 0;
  gboolean ok = TRUE;
  for (guint i = 0; i < plan->writes->len; i++)
    {
      const BallastKsmWrite *w = &g_array_index (plan->writes, BallastKsmWrite, i);
      g_autofree char *path = g_build_filename (dir, ballast_ksm_tunable_name (w->tunable), NULL);
      if (!write_value (path, w->new_value, error))
        {
          ok = FALSE;
          break;
        }
      done++;
    }
  if (ret_done != NULL)
    *ret_done = done;
  return ok;
}

gboolean
ballast_ksm_write (const BallastPaths *paths, const BallastKsmState *current,
                   const BallastKsmTunables *wanted, GPtrArray **ret_changed,
                   gboolean *ret_pending, GError **error)
{
  g_autoptr(BallastKsmWritePlan) plan = ballast_ksm_plan_writes (current, wanted, error);
  if (plan == NULL)
    return FALSE;
  guint done = 0;
  gboolean ok = ballast_ksm_apply (paths, plan, &done, error);
  if (ret_changed != NULL)
    {
      GPtrArray *changed = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < done; i++)
        g_ptr_array_add (changed, ballast_ksm_write_describe (&g_array_index (plan->writes,
                                                                              BallastKsmWrite, i)));
      *ret_changed = changed;
    }
  if (ret_pending != NULL)
    *ret_pending = plan->pending_unmerge;
  return ok;
}

/* ---- libvirt's node memory parameters ---- */

typedef struct {
  const char *param;
  BallastKsmFile bit;
  int type;
} LibvirtField;

static const LibvirtField libvirt_fields[] = {
  { VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN, BALLAST_KSM_HAS_PAGES_TO_SCAN, VIR_TYPED_PARAM_UINT },
  { VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS, BALLAST_KSM_HAS_SLEEP_MILLISECS, VIR_TYPED_PARAM_UINT },
  { VIR_NODE_MEMORY_SHARED_PAGES_SHARED, BALLAST_KSM_HAS_PAGES_SHARED, VIR_TYPED_PARAM_ULLONG },
  { VIR_NODE_MEMORY_SHARED_PAGES_SHARING, BALLAST_KSM_HAS_PAGES_SHARING, VIR_TYPED_PARAM_ULLONG },
  { VIR_NODE_MEMORY_SHARED_PAGES_UNSHARED, BALLAST_KSM_HAS_PAGES_UNSHARED, VIR_TYPED_PARAM_ULLONG },
  { VIR_NODE_MEMORY_SHARED_PAGES_VOLATILE, BALLAST_KSM_HAS_PAGES_VOLATILE, VIR_TYPED_PARAM_ULLONG },
  { VIR_NODE_MEMORY_SHARED_FULL_SCANS, BALLAST_KSM_HAS_FULL_SCANS, VIR_TYPED_PARAM_ULLONG },
  { VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES, BALLAST_KSM_HAS_MERGE_ACROSS_NODES, VIR_TYPED_PARAM_UINT },
};

gboolean
ballast_ksm_state_from_libvirt (const virTypedParameter *params, int n_params,
                                BallastKsmState *ret_state, GError **error)
{
  BallastKsmState state = { 0 };
  for (int i = 0; i < n_params; i++)
    {
      const virTypedParameter *param = &params[i];
      const LibvirtField *field = NULL;
      for (gsize j = 0; j < G_N_ELEMENTS (libvirt_fields); j++)
        if (strncmp (param->field, libvirt_fields[j].param, VIR_TYPED_PARAM_FIELD_LENGTH) == 0)
          field = &libvirt_fields[j];
      if (field == NULL)
        continue;
      if (param->type != field->type)
        {
          g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE,
                       "node memory parameter %s: type %d, expected %s", field->param, param->type,
                       field->type == VIR_TYPED_PARAM_UINT ? "unsigned int" : "unsigned long long");
          return FALSE;
        }
      guint64 value = field->type == VIR_TYPED_PARAM_UINT ? param->value.ui : param->value.ul;
      switch (field->bit)
        {
        case BALLAST_KSM_HAS_PAGES_TO_SCAN:
          state.pages_to_scan = (guint) value;
          break;
        case BALLAST_KSM_HAS_SLEEP_MILLISECS:
          state.sleep_millisecs = (guint) value;
          break;
        case BALLAST_KSM_HAS_PAGES_SHARED:
          state.pages_shared = value;
          break;
        case BALLAST_KSM_HAS_PAGES_SHARING:
          state.pages_sharing = value;
          break;
        case BALLAST_KSM_HAS_PAGES_UNSHARED:
          state.pages_unshared = value;
          break;
        case BALLAST_KSM_HAS_PAGES_VOLATILE:
          state.pages_volatile = value;
          break;
        case BALLAST_KSM_HAS_FULL_SCANS:
          state.full_scans = value;
          break;
        case BALLAST_KSM_HAS_MERGE_ACROSS_NODES:
          if (value > 1)
            {
              g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE,
                           "node memory parameter %s: %" G_GUINT64_FORMAT " is not 0 or 1",
                           field->param, value);
              return FALSE;
            }
          state.merge_across_nodes = value == 1;
          break;
        default:
          break;
        }
      state.present |= field->bit;
    }
  const guint32 needed = BALLAST_KSM_REQUIRED_FILES & ~BALLAST_KSM_HAS_RUN;
  if ((state.present & needed) != needed)
    {
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING,
                   "node memory parameters: the shm_* KSM figures are incomplete "
                   "(the host has no KSM, or libvirt is too old)");
      return FALSE;
    }
  *ret_state = state;
  return TRUE;
}

gboolean
ballast_ksm_tunables_to_libvirt (const BallastKsmState *current, const BallastKsmTunables *wanted,
                                 virTypedParameterPtr *ret_params, int *ret_n_params,
                                 GPtrArray **ret_skipped, GError **error)
{
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  virTypedParameterPtr params = NULL;
  int n_params = 0, max_params = 0;
  gboolean ok = TRUE;

  if (wanted->set & BALLAST_KSM_SET_RUN)
    g_ptr_array_add (skipped, g_strdup_printf ("run %u: libvirt cannot start or stop ksmd",
                                               (guint) wanted->run));
  if (differs (current, wanted, BALLAST_KSM_SET_USE_ZERO_PAGES))
    g_ptr_array_add (skipped, g_strdup ("use_zero_pages: libvirt has no such parameter"));
  if (differs (current, wanted, BALLAST_KSM_SET_PAGES_TO_SCAN))
    ok = virTypedParamsAddUInt (&params, &n_params, &max_params,
                                VIR_NODE_MEMORY_SHARED_PAGES_TO_SCAN, wanted->pages_to_scan) == 0;
  if (ok && differs (current, wanted, BALLAST_KSM_SET_SLEEP_MILLISECS))
    ok = virTypedParamsAddUInt (&params, &n_params, &max_params,
                                VIR_NODE_MEMORY_SHARED_SLEEP_MILLISECS, wanted->sleep_millisecs) == 0;
  if (ok && differs (current, wanted, BALLAST_KSM_SET_MERGE_ACROSS_NODES))
    {
      if (!(current->present & BALLAST_KSM_HAS_MERGE_ACROSS_NODES))
        g_ptr_array_add (skipped, g_strdup ("merge_across_nodes: the host does not offer it "
                                            "(not a NUMA kernel)"));
      else if (current->pages_shared > 0 || current->pages_sharing > 0)
        g_ptr_array_add (skipped, g_strdup ("merge_across_nodes: pages are merged, and libvirt "
                                            "cannot unmerge them (run=2) first"));
      else
        ok = virTypedParamsAddUInt (&params, &n_params, &max_params,
                                    VIR_NODE_MEMORY_SHARED_MERGE_ACROSS_NODES,
                                    wanted->merge_across_nodes ? 1 : 0) == 0;
    }
  if (!ok)
    {
      virTypedParamsFree (params, n_params);
      g_set_error (error, BALLAST_ERROR, BALLAST_ERROR_LIBVIRT,
                   "cannot build node memory parameters");
      return FALSE;
    }
  *ret_params = params;
  *ret_n_params = n_params;
  if (ret_skipped != NULL)
    *ret_skipped = g_steal_pointer (&skipped);
  return TRUE;
}
