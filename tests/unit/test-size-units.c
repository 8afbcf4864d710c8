/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes as libvirt and operators write them: units, parsing, rounding,
 * formatting, and amounts ("1G" or "10%"). */
#include "ballast-error.h"
#include "size-units.h"

#include <string.h>

#define KIB G_GUINT64_CONSTANT (1024)
#define MIB (KIB * 1024)
#define GIB (MIB * 1024)
#define TIB (GIB * 1024)
#define PIB (TIB * 1024)

/* ---- ballast_unit_bytes ---- */

typedef struct {
  const char *unit;
  guint64 bytes;
} UnitCase;

static const UnitCase unit_cases[] = {
  { NULL, KIB }, { "", KIB },                     /* libvirt's default */
  { "b", 1 }, { "byte", 1 }, { "bytes", 1 }, { "B", 1 },
  { "k", KIB }, { "K", KIB }, { "KiB", KIB }, { "kib", KIB },
  { "KB", 1000 }, { "kB", 1000 },
  { "M", MIB }, { "MiB", MIB }, { "MB", 1000 * 1000 },
  { "G", GIB }, { "GiB", GIB }, { "GIB", GIB }, { "GB", G_GUINT64_CONSTANT (1000000000) },
  { "T", TIB }, { "TiB", TIB }, { "TB", G_GUINT64_CONSTANT (1000000000000) },
  { "P", PIB }, { "PiB", PIB }, { "PB", G_GUINT64_CONSTANT (1000000000000000) },
};

static void
test_unit_bytes (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (unit_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 0;
      g_test_message ("unit '%s'", unit_cases[i].unit ? unit_cases[i].unit : "(null)");
      g_assert_true (ballast_unit_bytes (unit_cases[i].unit, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, unit_cases[i].bytes);
    }
}

static void
test_unit_bytes_unknown (void)
{
  const char *const bad[] = { "E", "EiB", "kibibytes", "KiBB", " KiB", "Ki B", "%", "1" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 4242;
      g_assert_false (ballast_unit_bytes (bad[i], &bytes, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
      g_autofree char *quoted = g_strdup_printf ("unknown unit '%s'", bad[i]);
      g_assert_nonnull (strstr (error->message, quoted));
      g_assert_cmpuint (bytes, ==, 4242);
    }
}

/* ---- ballast_size_to_kib ---- */

typedef struct {
  guint64 value;
  const char *unit;
  guint64 kib;
} ToKibCase;

static const ToKibCase to_kib_cases[] = {
  /* Binary units: exact. */
  { 524288, NULL, 524288 }, { 524288, "KiB", 524288 }, { 7, "k", 7 },
  { 512, "M", 512 * KIB }, { 2, "GiB", 2 * MIB }, { 3, "T", 3 * GIB }, { 1, "PiB", TIB },
  /* Bytes: rounded up to whole KiB, like libvirt. */
  { 0, "b", 0 }, { 1, "b", 1 }, { 1023, "bytes", 1 }, { 1024, "bytes", 1 },
  { 1025, "byte", 2 }, { 1073741825, "bytes", 1048577 },
  /* Decimal units: multiplied first, then rounded up. */
  { 1, "KB", 1 }, { 1024, "KB", 1000 }, { 1025, "KB", 1001 },
  { 1, "MB", 977 },              /* 976.5625 */
  { 1, "GB", 976563 },           /* 976562.5 */
  { 1, "TB", 976562500 },        /* exact */
  { 1, "PB", G_GUINT64_CONSTANT (976562500000) },
  /* The largest that fit. */
  { G_MAXUINT64 / 1024, "KiB", G_MAXUINT64 / 1024 },
  { G_MAXUINT64 / 1024, "MiB", G_MAXUINT64 / 1024 * 1024 },
};

static void
test_to_kib (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (to_kib_cases); i++)
    {
      const ToKibCase *c = &to_kib_cases[i];
      g_autoptr(GError) error = NULL;
      guint64 kib = 0;
      g_test_message ("%" G_GUINT64_FORMAT " %s", c->value, c->unit ? c->unit : "(null)");
      g_assert_true (ballast_size_to_kib (c->value, c->unit, &kib, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (kib, ==, c->kib);
    }
}

static void
test_to_kib_overflow (void)
{
  static const struct {
    guint64 value;
    const char *unit;
  } cases[] = {
    { G_MAXUINT64 / 1024 + 1, "MiB" }, { G_MAXUINT64 / MIB + 1, "GiB" },
    { G_MAXUINT64, "G" }, { G_MAXUINT64 / 1000 + 1, "KB" }, { 99999999999, "TiB" },
    { 16777216, "PiB" },       /* 2^64 KiB */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 kib = 4242;
      g_test_message ("%" G_GUINT64_FORMAT " %s", cases[i].value, cases[i].unit);
      g_assert_false (ballast_size_to_kib (cases[i].value, cases[i].unit, &kib, &error));
      g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
      g_assert_nonnull (strstr (error->message, "too large"));
      g_assert_cmpuint (kib, ==, 4242);
    }
}

static void
test_to_kib_bad_unit (void)
{
  g_autoptr(GError) error = NULL;
  guint64 kib;
  g_assert_false (ballast_size_to_kib (1, "furlongs", &kib, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "'furlongs'"));
}

/* Byte and decimal units near the top of the range: the value fits, and so
 * does the result in KiB, but "value * unit + 1023" wraps before the division
 * that rounds up. */
static void
test_to_kib_rounding_near_max (void)
{
  static const struct {
    guint64 value;
    const char *unit;
    guint64 kib; /* ceil (value * unit / 1024) */
  } cases[] = {
    { G_MAXUINT64, "b", G_GUINT64_CONSTANT (18014398509481984) },
    { G_MAXUINT64 - 1022, "bytes", G_GUINT64_CONSTANT (18014398509481984) },
    { G_MAXUINT64 / 1000, "KB", G_GUINT64_CONSTANT (18014398509481984) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 kib = 0;
      gboolean ok = ballast_size_to_kib (cases[i].value, cases[i].unit, &kib, &error);
      /* Either the exact answer or a range error is acceptable; a small
       * wrong number is not. */
      if (ok && kib != cases[i].kib)
        {
          g_test_fail_printf ("%s", "lib/size-units.c ballast_size_to_kib(): rounding up "
                             "'value * bytes_per_unit + KIB - 1' overflows for byte/decimal "
                             "units near G_MAXUINT64 and returns a tiny size");
          g_test_message ("%" G_GUINT64_FORMAT " %s gave %" G_GUINT64_FORMAT " KiB, expected %"
                          G_GUINT64_FORMAT " KiB or a range error",
                          cases[i].value, cases[i].unit, kib, cases[i].kib);
          return;
        }
      if (!ok)
        g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_RANGE);
    }
}

/* ---- ballast_size_parse_kib ---- */

typedef struct {
  const char *text;
  const char *default_unit;
  guint64 kib;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "512M", NULL, 512 * KIB },
  { "1.5G", NULL, 1536 * KIB },
  { "2 GiB", NULL, 2 * MIB },
  { "1048576", NULL, 1048576 },           /* bare numbers are KiB, as in virsh */
  { "1KB", NULL, 1 },                     /* 1000 bytes, rounded up */
  { "10MB", NULL, 9766 },                 /* 9765.625 */
  { "0.001G", NULL, 1049 },               /* 1073741.824 bytes = 1048.58 KiB */
  { "0", NULL, 0 },
  { "0G", NULL, 0 },
  { "  64 MiB  ", NULL, 64 * KIB },       /* surrounding blanks */
  { "1.25T", NULL, 1280 * MIB },
  { "0.5k", NULL, 1 },                    /* 512 bytes */
  { "3b", NULL, 1 },
  { "100", "MiB", 100 * KIB },            /* the caller's default unit */
  { "100", "b", 1 },
  { "1.5", "GiB", 1536 * KIB },
  { "100 KiB", "GiB", 100 },              /* an explicit unit beats the default */
  { "17179869183G", NULL, G_GUINT64_CONSTANT (17179869183) * MIB },
};

static void
test_parse (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *c = &parse_cases[i];
      g_autoptr(GError) error = NULL;
      guint64 kib = 4242;
      g_test_message ("'%s' (default %s)", c->text, c->default_unit ? c->default_unit : "KiB");
      g_assert_true (ballast_size_parse_kib (c->text, c->default_unit, &kib, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (kib, ==, c->kib);
    }
}

typedef struct {
  const char *text;
  int code;
  const char *message_part;
} BadCase;

static const BadCase parse_bad_cases[] = {
  { "abc", BALLAST_ERROR_PARSE, "'abc' is not a size" },
  { "-1", BALLAST_ERROR_PARSE, "'-1' is not a size" },
  { "+1G", BALLAST_ERROR_PARSE, "'+1G'" },
  { "", BALLAST_ERROR_PARSE, "is not a size" },
  { "   ", BALLAST_ERROR_PARSE, "is not a size" },
  { "G", BALLAST_ERROR_PARSE, "'G' is not a size" },
  { "1.2345G", BALLAST_ERROR_PARSE, "more than 3 decimal places" },
  { "1,5G", BALLAST_ERROR_PARSE, "unknown unit ',5G'" },
  { "1.5.5G", BALLAST_ERROR_PARSE, "'1.5.5G'" },
  { "1e3", BALLAST_ERROR_PARSE, "unknown unit 'e3'" },
  { "0x10", BALLAST_ERROR_PARSE, "unknown unit 'x10'" },
  { "12 furlongs", BALLAST_ERROR_PARSE, "size '12 furlongs': unknown unit 'furlongs'" },
  { "5 G B", BALLAST_ERROR_PARSE, "unknown unit 'G B'" },
  { "1 EiB", BALLAST_ERROR_PARSE, "unknown unit 'EiB'" },
  { "99999999999999999999", BALLAST_ERROR_RANGE, "size '99999999999999999999' is too large" },
  { "18446744073709551615", BALLAST_ERROR_RANGE, "too large" },  /* fits u64, not in bytes */
  { "17179869184G", BALLAST_ERROR_RANGE, "too large" },          /* 2^64 bytes */
  { "16384P", BALLAST_ERROR_RANGE, "too large" },
  { "18446744073709551615.999 b", BALLAST_ERROR_RANGE, "too large" },
};

static void
test_parse_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_bad_cases); i++)
    {
      const BadCase *c = &parse_bad_cases[i];
      g_autoptr(GError) error = NULL;
      guint64 kib = 4242;
      g_test_message ("'%s'", c->text);
      g_assert_false (ballast_size_parse_kib (c->text, NULL, &kib, &error));
      g_assert_error (error, BALLAST_ERROR, c->code);
      g_assert_nonnull (strstr (error->message, c->message_part));
      g_assert_cmpuint (kib, ==, 4242);
    }
}

static void
test_parse_null (void)
{
  g_autoptr(GError) error = NULL;
  guint64 kib;
  g_assert_false (ballast_size_parse_kib (NULL, NULL, &kib, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_MISSING);
}

static void
test_parse_bad_default_unit (void)
{
  g_autoptr(GError) error = NULL;
  guint64 kib;
  g_assert_false (ballast_size_parse_kib ("5", "parsecs", &kib, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "'parsecs'"));
}

/* Every fraction with three decimals, in every unit, against exact rational
 * arithmetic: ceil ((whole * 1000 + thousandths) * unit / (1000 * 1024)). */
static void
test_parse_fractions_exhaustive (void)
{
  static const char *const units[] = { "K", "M", "G", "T", "P", "KB", "MB", "GB", "TB", "PB" };
  static const guint64 wholes[] = { 0, 1, 3, 1023 };
  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    {
      guint64 unit_bytes;
      g_assert_true (ballast_unit_bytes (units[u], &unit_bytes, NULL));
      for (gsize w = 0; w < G_N_ELEMENTS (wholes); w++)
        for (guint thousandths = 0; thousandths < 1000; thousandths++)
          {
            char text[64];
            g_snprintf (text, sizeof text, "%" G_GUINT64_FORMAT ".%03u%s", wholes[w],
                        thousandths, units[u]);
            unsigned __int128 milli_bytes = (unsigned __int128) wholes[w] * unit_bytes * 1000
                                            + (unsigned __int128) unit_bytes * thousandths;
            guint64 expected = (guint64) ((milli_bytes + 1024000 - 1) / 1024000);
            guint64 kib = 0;
            g_autoptr(GError) error = NULL;
            if (!ballast_size_parse_kib (text, NULL, &kib, &error) || kib != expected)
              g_error ("'%s': got %" G_GUINT64_FORMAT " KiB (%s), expected %" G_GUINT64_FORMAT,
                       text, kib, error ? error->message : "ok", expected);
          }
    }
}

/* ---- ballast_size_format_kib ---- */

typedef struct {
  guint64 kib;
  const char *text;
} FormatCase;

static const FormatCase format_cases[] = {
  { 0, "0 KiB" },
  { 1, "1 KiB" },
  { 100, "100 KiB" },
  { 1023, "1023 KiB" },
  { 1024, "1.0 MiB" },
  { 1536, "1.5 MiB" },
  { 524288, "512.0 MiB" },
  { 1572864, "1.5 GiB" },
  { 24684096, "23.5 GiB" },          /* the fixture host's MemTotal */
  { 1075, "1.0 MiB" },               /* 1.0498 */
  { 1076, "1.1 MiB" },               /* 1.0508: halves round up */
  { 1996, "1.9 MiB" },               /* 1.9492 */
  { 1997, "2.0 MiB" },               /* 1.9502: .95 rounds up into the next whole */
  { 10188, "9.9 MiB" },             /* 9.9492 */
  { 10189, "10.0 MiB" },             /* 9.9502 */
  { MIB, "1.0 GiB" },
  { TIB, "1.0 PiB" },
  { PIB, "1.0 EiB" },
  { G_MAXUINT64, "16384.0 EiB" },    /* EiB is the largest unit */
};

static void
test_format (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_cases); i++)
    {
      g_autofree char *text = ballast_size_format_kib (format_cases[i].kib);
      g_test_message ("%" G_GUINT64_FORMAT " KiB", format_cases[i].kib);
      g_assert_cmpstr (text, ==, format_cases[i].text);
    }
}

/* Rounding that carries into 1024 of a unit should move to the next unit. */
static void
test_format_carry_into_next_unit (void)
{
  g_autofree char *text = ballast_size_format_kib (1023 * KIB + 1000); /* 1023.98 MiB */
  if (g_strcmp0 (text, "1.0 GiB") != 0)
    {
      g_test_fail_printf ("%s", "lib/size-units.c ballast_size_format_kib(): rounding that carries "
                         "to 1024 stays in the smaller unit (cosmetic)");
      g_test_message ("1048552 KiB formats as '%s', expected '1.0 GiB'", text);
      return;
    }
}

/* ---- Amounts and percentages ---- */

static void
test_amount_parse (void)
{
  static const struct {
    const char *text;
    gboolean is_relative;
    guint64 kib;
    guint permille;
    const char *formatted;
  } cases[] = {
    { "10%", TRUE, 0, 100, "10%" },
    { "0%", TRUE, 0, 0, "0%" },
    { "100%", TRUE, 0, 1000, "100%" },
    { "1G", FALSE, MIB, 0, "1.0 GiB" },
    { "512MiB", FALSE, 512 * KIB, 0, "512.0 MiB" },
    { "2048", FALSE, 2048, 0, "2.0 MiB" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastAmount amount = { 0 };
      g_autoptr(GError) error = NULL;
      g_test_message ("'%s'", cases[i].text);
      g_assert_true (ballast_amount_parse (cases[i].text, &amount, &error));
      g_assert_no_error (error);
      g_assert_cmpint (amount.is_relative, ==, cases[i].is_relative);
      g_assert_cmpuint (amount.kib, ==, cases[i].kib);
      g_assert_cmpuint (amount.permille, ==, cases[i].permille);
      g_autofree char *formatted = ballast_amount_format (&amount);
      g_assert_cmpstr (formatted, ==, cases[i].formatted);
    }
}

static void
test_amount_parse_bad (void)
{
  static const BadCase cases[] = {
    { "101%", BALLAST_ERROR_RANGE, "'101%' is above 100%" },
    { "1000000000000000000000%", BALLAST_ERROR_RANGE, "above 100%" },
    { "10 %", BALLAST_ERROR_PARSE, "'10 %' is not a whole percentage" },
    { "10.5%", BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "-10%", BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "%", BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "10%%", BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "1G%", BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "abc", BALLAST_ERROR_PARSE, "'abc' is not a size" },
    { "", BALLAST_ERROR_PARSE, "is not a size" },
    { "1.2345G", BALLAST_ERROR_PARSE, "decimal places" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BallastAmount amount = { .kib = 4242 };
      g_autoptr(GError) error = NULL;
      g_test_message ("'%s'", cases[i].text);
      g_assert_false (ballast_amount_parse (cases[i].text, &amount, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      g_assert_cmpuint (amount.kib, ==, 4242);
    }
}

static void
test_amount_resolve (void)
{
  BallastAmount ten_percent = { .is_relative = TRUE, .permille = 100 };
  BallastAmount all = { .is_relative = TRUE, .permille = 1000 };
  BallastAmount absolute = { .is_relative = FALSE, .kib = 2 * MIB };

  g_assert_cmpuint (ballast_amount_resolve_kib (&ten_percent, 1000), ==, 100);
  g_assert_cmpuint (ballast_amount_resolve_kib (&ten_percent, 24684096), ==, 2468409); /* floor */
  g_assert_cmpuint (ballast_amount_resolve_kib (&ten_percent, 0), ==, 0);
  g_assert_cmpuint (ballast_amount_resolve_kib (&all, G_MAXUINT64), ==, G_MAXUINT64);
  g_assert_cmpuint (ballast_amount_resolve_kib (&ten_percent, G_MAXUINT64), ==,
                    G_MAXUINT64 / 10);
  g_assert_cmpuint (ballast_amount_resolve_kib (&absolute, 1), ==, 2 * MIB);
}

static void
test_percent_parse (void)
{
  static const struct {
    const char *text;
    guint max_percent;
    guint permille;
  } cases[] = {
    { "25", 100, 250 }, { "25%", 100, 250 }, { "0", 100, 0 }, { "100%", 100, 1000 },
    { "007", 100, 70 }, { "150%", 200, 1500 }, { "0%", 0, 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint permille = 4242;
      g_autoptr(GError) error = NULL;
      g_assert_true (ballast_percent_parse_permille (cases[i].text, cases[i].max_percent,
                                                     &permille, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (permille, ==, cases[i].permille);
    }
}

static void
test_percent_parse_bad (void)
{
  static const struct {
    const char *text;
    guint max_percent;
    int code;
    const char *message_part;
  } cases[] = {
    { "101", 100, BALLAST_ERROR_RANGE, "'101' is above 100%" },
    { "51%", 50, BALLAST_ERROR_RANGE, "above 50%" },
    { "1%", 0, BALLAST_ERROR_RANGE, "above 0%" },
    { "99999999999999999999999999", 100, BALLAST_ERROR_RANGE, "above 100%" },
    { "", 100, BALLAST_ERROR_PARSE, "'' is not a whole percentage" },
    { "%", 100, BALLAST_ERROR_PARSE, "not a whole percentage" },
    { "-5", 100, BALLAST_ERROR_PARSE, "'-5'" },
    { " 5", 100, BALLAST_ERROR_PARSE, "' 5'" },
    { "5 ", 100, BALLAST_ERROR_PARSE, "'5 '" },
    { "5.5", 100, BALLAST_ERROR_PARSE, "'5.5'" },
    { "5%x", 100, BALLAST_ERROR_PARSE, "'5%x'" },
    { "ten", 100, BALLAST_ERROR_PARSE, "'ten'" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint permille = 4242;
      g_autoptr(GError) error = NULL;
      g_test_message ("'%s' max %u", cases[i].text, cases[i].max_percent);
      g_assert_false (ballast_percent_parse_permille (cases[i].text, cases[i].max_percent,
                                                      &permille, &error));
      g_assert_error (error, BALLAST_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].message_part));
      g_assert_cmpuint (permille, ==, 4242);
    }

  g_autoptr(GError) error = NULL;
  guint permille;
  g_assert_false (ballast_percent_parse_permille (NULL, 100, &permille, &error));
  g_assert_error (error, BALLAST_ERROR, BALLAST_ERROR_PARSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/size-units/unit-bytes/known", test_unit_bytes);
  g_test_add_func ("/size-units/unit-bytes/unknown", test_unit_bytes_unknown);
  g_test_add_func ("/size-units/to-kib/units", test_to_kib);
  g_test_add_func ("/size-units/to-kib/overflow", test_to_kib_overflow);
  g_test_add_func ("/size-units/to-kib/bad-unit", test_to_kib_bad_unit);
  g_test_add_func ("/size-units/to-kib/rounding-near-max", test_to_kib_rounding_near_max);
  g_test_add_func ("/size-units/parse/valid", test_parse);
  g_test_add_func ("/size-units/parse/invalid", test_parse_bad);
  g_test_add_func ("/size-units/parse/null", test_parse_null);
  g_test_add_func ("/size-units/parse/bad-default-unit", test_parse_bad_default_unit);
  g_test_add_func ("/size-units/parse/fractions-exhaustive", test_parse_fractions_exhaustive);
  g_test_add_func ("/size-units/format/values", test_format);
  g_test_add_func ("/size-units/format/carry-into-next-unit", test_format_carry_into_next_unit);
  g_test_add_func ("/size-units/amount/parse", test_amount_parse);
  g_test_add_func ("/size-units/amount/parse-invalid", test_amount_parse_bad);
  g_test_add_func ("/size-units/amount/resolve", test_amount_resolve);
  g_test_add_func ("/size-units/percent/parse", test_percent_parse);
  g_test_add_func ("/size-units/percent/parse-invalid", test_percent_parse_bad);
  return g_test_run ();
}
