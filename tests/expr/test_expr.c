/* test_expr.c - unit tests of the expression layer on synthetic columns: every operator and
 * function against hand-computed values (NaN, C++ integer division and modulo of negatives,
 * empty vectors, out-of-range indices), type inference, compile errors with their position
 * and caret, and the filter/define plan. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed_expr.h"


#include "../common/check.h"

#define N 5
#define NAN_ (0.0 / 0.0)

/* ---- synthetic columns ---------------------------------------------------------------- */

static int32_t i32v[N] = {7, -7, 0, 3, -3};
static uint8_t u8v[N] = {255, 0, 1, 2, 3};
static float xv[N] = {1.5f, -2.25f, NAN, 0.0f, 4.0f};
static double dv[N] = {0.5, -1.0, 2.0, NAN, 1e300};
static uint8_t bv[N] = {1, 0, 1, 0, 1};
static int64_t jet_off[N + 1] = {0, 3, 3, 4, 6, 10};
static float jet_pt[10] = {50, 20, 35, 10, 31, 29, 100, 5, 60, 45};
static float jet_eta[10] = {0.5f, -1.0f, 2.0f, -0.3f, 1.0f, -2.0f, 0.1f, 0.2f, -0.3f, -0.4f};
static float jet_phi[10] = {0, 3, -3, 1, 0.5f, -0.5f, 2, -2, 0.1f, 0.2f};
static int32_t jet_id[10] = {1, 0, 1, 0, 1, 1, 0, 1, 1, 0};
static int64_t mu_off[N + 1] = {0, 1, 3, 3, 3, 6};
static float mu_pt[6] = {25, 40, 10, 7, 8, 9};
static float arr[3 * N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
static int64_t deep_off[N + 1] = {0, 0, 0, 0, 0, 0};

static rf_column_data cd[16];
static rf_expr_column cols[16];
static size_t ncols;

static void add_col(const char *name, rf_dtype t, void *values, int64_t nvalues, int64_t *off,
                    int64_t fixed)
{
    rf_column_data *d = &cd[ncols];
    memset(d, 0, sizeof *d);
    d->dtype = t;
    d->nlevels = off ? 1 : 0;
    d->nentries = N;
    d->nvalues = nvalues;
    d->values = values;
    d->offsets[0] = off;
    cols[ncols] = (rf_expr_column){name, t, off ? 1 : 0, fixed, d};
    ncols++;
}

static void setup(void)
{
    add_col("i32", RF_INT32, i32v, N, NULL, 0);
    add_col("u8", RF_UINT8, u8v, N, NULL, 0);
    add_col("x", RF_FLOAT32, xv, N, NULL, 0);
    add_col("d", RF_FLOAT64, dv, N, NULL, 0);
    add_col("b", RF_BOOL, bv, N, NULL, 0);
    add_col("Jet_pt", RF_FLOAT32, jet_pt, 10, jet_off, 0);
    add_col("Jet_eta", RF_FLOAT32, jet_eta, 10, jet_off, 0);
    add_col("Jet_phi", RF_FLOAT32, jet_phi, 10, jet_off, 0);
    add_col("Jet_id", RF_INT32, jet_id, 10, jet_off, 0);
    add_col("Mu_pt", RF_FLOAT32, mu_pt, 6, mu_off, 0);
    add_col("arr", RF_FLOAT32, arr, 3 * N, NULL, 3);
    add_col("deep", RF_FLOAT32, NULL, 0, deep_off, 0);
    cols[ncols - 1].nlevels = 2;
    add_col("Muons.pt", RF_FLOAT32, mu_pt, 6, mu_off, 0);
    add_col("Muons:pt", RF_FLOAT32, mu_pt, 6, mu_off, 0);
}

/* ---- evaluation helpers ----------------------------------------------------------------- */

static double get(const rf_column_data *d, int64_t i)
{
    switch (d->dtype) {
    case RF_BOOL: return ((const uint8_t *)d->values)[i];
    case RF_INT64: return (double)((const int64_t *)d->values)[i];
    case RF_FLOAT32: return ((const float *)d->values)[i];
    default: return ((const double *)d->values)[i];
    }
}

static int same(double a, double b, double tol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b || fabs(a - b) <= tol * (fabs(b) > 1 ? fabs(b) : 1);
}

static rf_expr_stats last_stats;

/* Compiles and evaluates text; returns status, fills out. */
static rf_status run(const char *text, rf_column_data *out, rf_error *err)
{
    rf_expr *e;
    rf_status s = rf_expr_compile(text, cols, ncols, &e, err);
    if (s)
        return s;
    s = rf_expr_eval(e, cols, ncols, 100, N, out, err);
    rf_expr_get_stats(e, &last_stats);
    rf_expr_free(e);
    return s;
}

/* Flat result check: dtype and the N values (NaN matches NaN). */
static void flat(const char *text, rf_dtype t, const double *want, double tol)
{
    rf_column_data out;
    rf_column_data_init(&out);
    rf_error err = {0};
    rf_status s = run(text, &out, &err);
    CHECK(s == RF_OK, "'%s': %s", text, err.msg);
    if (s == RF_OK) {
        CHECK(out.dtype == t && out.nlevels == 0, "'%s': dtype %s levels %d, want %s", text,
              rf_dtype_name(out.dtype), out.nlevels, rf_dtype_name(t));
        for (int i = 0; i < N; i++)
            CHECK(same(get(&out, i), want[i], tol), "'%s'[%d] = %.17g, want %.17g", text, i,
                  get(&out, i), want[i]);
    }
    rf_column_data_free(&out);
}

#define FLAT(text, t, ...)                                                                     \
    do {                                                                                       \
        const double w_[N] = {__VA_ARGS__};                                                    \
        flat(text, t, w_, 0);                                                                  \
    } while (0)
#define FLAT_TOL(text, t, tol, ...)                                                            \
    do {                                                                                       \
        const double w_[N] = {__VA_ARGS__};                                                    \
        flat(text, t, w_, tol);                                                                \
    } while (0)
/* A constant expression: every entry has the value v. */
#define SCALAR(text, t, v) FLAT(text, t, v, v, v, v, v)
#define SCALAR_TOL(text, t, v) FLAT_TOL(text, t, 1e-15, v, v, v, v, v)

/* Jagged result check: counts per entry and the flattened values. */
static void jag(const char *text, rf_dtype t, const int64_t *counts, const double *want)
{
    rf_column_data out;
    rf_column_data_init(&out);
    rf_error err = {0};
    rf_status s = run(text, &out, &err);
    CHECK(s == RF_OK, "'%s': %s", text, err.msg);
    if (s == RF_OK) {
        CHECK(out.dtype == t && out.nlevels == 1, "'%s': dtype %s levels %d, want %s jagged",
              text, rf_dtype_name(out.dtype), out.nlevels, rf_dtype_name(t));
        int64_t total = 0;
        for (int i = 0; i < N && out.nlevels == 1; i++) {
            CHECK(out.offsets[0][i + 1] - out.offsets[0][i] == counts[i],
                  "'%s': entry %d has %lld items, want %lld", text, i,
                  (long long)(out.offsets[0][i + 1] - out.offsets[0][i]), (long long)counts[i]);
            total += counts[i];
        }
        CHECK(out.nvalues == total, "'%s': %lld values, want %lld", text, (long long)out.nvalues,
              (long long)total);
        for (int64_t j = 0; j < total && j < out.nvalues; j++)
            CHECK(same(get(&out, j), want[j], 1e-6), "'%s' item %lld = %.9g, want %.9g", text,
                  (long long)j, get(&out, j), want[j]);
    }
    rf_column_data_free(&out);
}

#define JAG(text, t, C, ...)                                                                   \
    do {                                                                                       \
        const int64_t c_[N] = {C};                                                             \
        const double w_[] = {__VA_ARGS__, 0};                                                  \
        jag(text, t, c_, w_);                                                                  \
    } while (0)
#define COUNTS(a, b, c, d, e) a, b, c, d, e

/* Compile error check: status and substrings of the message. */
static void bad(const char *text, rf_status want, const char *sub1, const char *sub2)
{
    rf_expr *e = NULL;
    rf_error err = {0};
    rf_status s = rf_expr_compile(text, cols, ncols, &e, &err);
    CHECK(s == want, "'%s': status %s, want %s (%s)", text, rf_status_name(s),
          rf_status_name(want), err.msg);
    CHECK(!sub1 || strstr(err.msg, sub1), "'%s': message lacks '%s':\n%s", text, sub1, err.msg);
    CHECK(!sub2 || strstr(err.msg, sub2), "'%s': message lacks '%s':\n%s", text, sub2, err.msg);
    CHECK(e == NULL, "'%s': expression returned on error", text);
    rf_expr_free(e);
}

/* The caret line (the last) puts '^' under byte pos of the expression. */
static void caret(const char *text, int pos)
{
    rf_expr *e = NULL;
    rf_error err = {0};
    rf_expr_compile(text, cols, ncols, &e, &err);
    const char *last = strrchr(err.msg, '\n');
    int spaces = 0;
    while (last && last[1 + spaces] == ' ')
        spaces++;
    CHECK(last && last[1 + spaces] == '^' && spaces == 2 + pos, "'%s': caret at %d, want %d:\n%s",
          text, spaces - 2, pos, err.msg);
    rf_expr_free(e);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_arithmetic(void)
{
    FLAT("i32 + 1", RF_INT64, 8, -6, 1, 4, -2);
    FLAT("i32 - u8", RF_INT64, -248, -7, -1, 1, -6);
    FLAT("i32 * 3", RF_INT64, 21, -21, 0, 9, -9);
    FLAT("i32 / 2", RF_INT64, 3, -3, 0, 1, -1);
    FLAT("i32 % 3", RF_INT64, 1, -1, 0, 0, 0);
    FLAT("i32 % -4", RF_INT64, 3, -3, 0, 3, -3);
    SCALAR("-7 / 2", RF_INT64, -3);
    SCALAR("-7 % 2", RF_INT64, -1);
    SCALAR("7 % -2", RF_INT64, 1);
    FLAT("i32 / 0", RF_INT64, 0, 0, 0, 0, 0);
    FLAT("i32 % (u8 - u8)", RF_INT64, 0, 0, 0, 0, 0);
    SCALAR("(-9223372036854775807 - 1) / -1", RF_INT64, (double)INT64_MIN);
    SCALAR("9223372036854775807 + 1", RF_INT64, (double)INT64_MIN);
    FLAT("i32 * 2.5", RF_FLOAT64, 17.5, -17.5, 0, 7.5, -7.5);
    FLAT("x * 2", RF_FLOAT32, 3, -4.5, NAN_, 0, 8);
    FLAT("x / 0", RF_FLOAT32, INFINITY, -INFINITY, NAN_, NAN_, INFINITY);
    FLAT("x + d", RF_FLOAT64, 2, -3.25, NAN_, NAN_, 1e300);
    FLAT("x * 2.5f", RF_FLOAT32, 3.75, -5.625, NAN_, 0, 10);
    FLAT("b + b", RF_INT64, 2, 0, 2, 0, 2);
    FLAT("-b", RF_INT64, -1, 0, -1, 0, -1);
    FLAT("+b", RF_INT64, 1, 0, 1, 0, 1);
    FLAT("-x", RF_FLOAT32, -1.5, 2.25, NAN_, 0, -4);
    FLAT("-i32", RF_INT64, -7, 7, 0, -3, 3);
    SCALAR("1 + 2 * 3", RF_INT64, 7);
    SCALAR("(1 + 2) * 3", RF_INT64, 9);
    SCALAR("10 - 4 - 3", RF_INT64, 3);
    SCALAR("2 * -3", RF_INT64, -6);
    SCALAR("2.5", RF_FLOAT64, 2.5);
    SCALAR("2.5f", RF_FLOAT32, 2.5);
    SCALAR(".5e1", RF_FLOAT64, 5);
    SCALAR("1e3", RF_FLOAT64, 1000);
    SCALAR("0x1F", RF_INT64, 31);
    SCALAR("10u + 2L + 3ull", RF_INT64, 15);
    SCALAR("true + true", RF_INT64, 2);
    SCALAR("false", RF_BOOL, 0);
    SCALAR("7 / 2 * 2.0", RF_FLOAT64, 6);
}

static void test_compare_logic(void)
{
    FLAT("x > 1", RF_BOOL, 1, 0, 0, 0, 1);
    FLAT("x <= 0", RF_BOOL, 0, 1, 0, 1, 0);
    FLAT("x == x", RF_BOOL, 1, 1, 0, 1, 1);
    FLAT("x != x", RF_BOOL, 0, 0, 1, 0, 0);
    FLAT("x < d", RF_BOOL, 0, 1, 0, 0, 1);
    FLAT("d >= 0.5", RF_BOOL, 1, 0, 1, 0, 1);
    FLAT("i32 == 7 || i32 == -3", RF_BOOL, 1, 0, 0, 0, 1);
    FLAT("i32 > 0 && b", RF_BOOL, 1, 0, 0, 0, 0);
    FLAT("!b", RF_BOOL, 0, 1, 0, 1, 0);
    FLAT("!x", RF_BOOL, 0, 0, 0, 1, 0); /* NaN is true, so !NaN is false */
    FLAT("b == true", RF_BOOL, 1, 0, 1, 0, 1);
    FLAT("u8 > 200", RF_BOOL, 1, 0, 0, 0, 0);
    SCALAR("1 < 2 == 1", RF_BOOL, 1);
    SCALAR("!0 + 1", RF_INT64, 2);
    SCALAR("3 > 2 > 1", RF_BOOL, 0);
}

static void test_bits_ternary_casts(void)
{
    FLAT("i32 & 3", RF_INT64, 3, 1, 0, 3, 1);
    FLAT("i32 | 8", RF_INT64, 15, -7, 8, 11, -3);
    FLAT("i32 ^ 1", RF_INT64, 6, -8, 1, 2, -4);
    FLAT("~i32", RF_INT64, -8, 6, -1, -4, 2);
    FLAT("i32 >> 1", RF_INT64, 3, -4, 0, 1, -2);
    FLAT("i32 << 2", RF_INT64, 28, -28, 0, 12, -12);
    FLAT("b & b", RF_INT64, 1, 0, 1, 0, 1);
    SCALAR("1 << 64", RF_INT64, 0);
    SCALAR("-8 >> 70", RF_INT64, -1);
    SCALAR("1 << -1", RF_INT64, 0);
    SCALAR("1 | 2 & 3", RF_INT64, 3);
    SCALAR("2 + 3 << 1", RF_INT64, 10);
    SCALAR("6 ^ 3", RF_INT64, 5);
    FLAT("b ? i32 : -1", RF_INT64, 7, -1, 0, -1, -3);
    FLAT("b ? x : d", RF_FLOAT64, 1.5, -1, NAN_, NAN_, 4);
    FLAT("b ? true : false", RF_BOOL, 1, 0, 1, 0, 1);
    FLAT("i32 > 0 ? 1 : i32 < 0 ? -1 : 0", RF_INT64, 1, -1, 0, 1, -1);
    SCALAR("1 ? 2 : 0 ? 3 : 4", RF_INT64, 2);
    FLAT("(int)x", RF_INT64, 1, -2, (double)INT32_MIN, 0, 4);
    FLAT("(short)(x * 1e5f)", RF_INT64, INT16_MIN, INT16_MIN, INT16_MIN, 0, INT16_MIN);
    FLAT("(long long)d", RF_INT64, 0, -1, 2, (double)INT64_MIN, (double)INT64_MIN);
    FLAT("(float)d", RF_FLOAT32, 0.5, -1, 2, NAN_, INFINITY);
    FLAT("(bool)d", RF_BOOL, 1, 1, 1, 1, 1);
    FLAT("(bool)x", RF_BOOL, 1, 1, 1, 0, 1);
    FLAT("(double)i32 / 2", RF_FLOAT64, 3.5, -3.5, 0, 1.5, -1.5);
    FLAT("float(i32) / 2", RF_FLOAT32, 3.5, -3.5, 0, 1.5, -1.5);
    FLAT("static_cast<double>(i32) / 4", RF_FLOAT64, 1.75, -1.75, 0, 0.75, -0.75);
    FLAT("(unsigned char)(u8 + 1)", RF_INT64, 0, 1, 2, 3, 4);
    FLAT("(char)u8", RF_INT64, -1, 0, 1, 2, 3);
    FLAT("(Float_t)i32", RF_FLOAT32, 7, -7, 0, 3, -3);
    SCALAR("(int)3000000000", RF_INT64, -1294967296);
    SCALAR("(unsigned int)-1", RF_INT64, 4294967295.0);
    SCALAR("(short)70000", RF_INT64, 4464);
    SCALAR("(Int_t)2.9", RF_INT64, 2);
    SCALAR("(int)-2.9", RF_INT64, -2);
    FLAT("rdfentry_", RF_INT64, 100, 101, 102, 103, 104);
    FLAT("rdfentry_ % 2 == 0", RF_BOOL, 1, 0, 1, 0, 1);
}

static void test_math(void)
{
    const double pi = 3.14159265358979323846;
    SCALAR("sqrt(4.0)", RF_FLOAT64, 2);
    SCALAR("sqrt(4)", RF_FLOAT64, 2);
    SCALAR("sqrt(-1.0)", RF_FLOAT64, NAN_);
    FLAT_TOL("sqrt(x)", RF_FLOAT32, 1e-7, 1.2247449, NAN_, NAN_, 0, 2);
    FLAT_TOL("TMath::Sqrt(x)", RF_FLOAT64, 1e-15, sqrt(1.5), NAN_, NAN_, 0, 2);
    SCALAR("std::sqrt(9.f)", RF_FLOAT32, 3);
    SCALAR("exp(0.0)", RF_FLOAT64, 1);
    SCALAR("log(1.0)", RF_FLOAT64, 0);
    SCALAR("log(0.0)", RF_FLOAT64, -INFINITY);
    SCALAR("log(-1.0)", RF_FLOAT64, NAN_);
    SCALAR("log10(1000.0)", RF_FLOAT64, 3);
    SCALAR("TMath::Log10(100)", RF_FLOAT64, 2);
    SCALAR("pow(2, 10)", RF_FLOAT64, 1024);
    SCALAR("TMath::Power(2, 3)", RF_FLOAT64, 8);
    SCALAR("pow(2.f, 3.f)", RF_FLOAT32, 8);
    SCALAR("sin(0.0) + tan(0.0) + tanh(0.0) + sinh(0.0)", RF_FLOAT64, 0);
    SCALAR("cos(0.0) + cosh(0.0)", RF_FLOAT64, 2);
    SCALAR_TOL("asin(1.0)", RF_FLOAT64, pi / 2);
    SCALAR("acos(1.0)", RF_FLOAT64, 0);
    SCALAR_TOL("atan(1.0)", RF_FLOAT64, pi / 4);
    SCALAR_TOL("atan2(1.0, 1.0)", RF_FLOAT64, pi / 4);
    SCALAR_TOL("TMath::ATan2(-1, -1)", RF_FLOAT64, -3 * pi / 4);
    SCALAR_TOL("TMath::Sin(TMath::Pi() / 2)", RF_FLOAT64, 1);
    SCALAR("TMath::Cos(0) + TMath::CosH(0) + TMath::Exp(0)", RF_FLOAT64, 3);
    SCALAR("floor(-1.5)", RF_FLOAT64, -2);
    SCALAR("ceil(-1.5)", RF_FLOAT64, -1);
    SCALAR("round(2.5)", RF_FLOAT64, 3);
    SCALAR("round(-2.5)", RF_FLOAT64, -3);
    SCALAR("TMath::Nint(2.5)", RF_INT64, 2);
    SCALAR("TMath::Nint(3.5)", RF_INT64, 4);
    SCALAR("TMath::Floor(2.7f)", RF_FLOAT64, 2);
    SCALAR("min(3, 4)", RF_INT64, 3);
    SCALAR("max(2.5, 1)", RF_FLOAT64, 2.5);
    SCALAR("std::min(-1, 2)", RF_INT64, -1);
    SCALAR("TMath::Max(1.f, 2.f)", RF_FLOAT32, 2);
    SCALAR("TMath::Min(1, 2)", RF_INT64, 1);
    SCALAR("hypot(3.0, 4.0)", RF_FLOAT64, 5);
    SCALAR("TMath::Hypot(3, 4)", RF_FLOAT64, 5);
    SCALAR("fmod(-7.0, 2.0)", RF_FLOAT64, -1);
    SCALAR("abs(-3)", RF_INT64, 3);
    SCALAR("std::abs(-2.5)", RF_FLOAT64, 2.5);
    SCALAR("TMath::Abs(-2)", RF_INT64, 2);
    SCALAR("fabs(-3)", RF_FLOAT64, 3);
    SCALAR("TMath::Sq(3)", RF_INT64, 9);
    SCALAR_TOL("TMath::Pi()", RF_FLOAT64, pi);
    SCALAR_TOL("TMath::TwoPi() - 2 * M_PI", RF_FLOAT64, 0);
    SCALAR_TOL("TMath::E()", RF_FLOAT64, exp(1.0));
    FLAT("abs(x)", RF_FLOAT32, 1.5, 2.25, NAN_, 0, 4);
    FLAT("abs(i32)", RF_INT64, 7, 7, 0, 3, 3);
    /* std::max(a, b) = a < b ? b : a: NaN first stays, NaN second is dropped */
    FLAT("max(x, 0.f)", RF_FLOAT32, 1.5, 0, NAN_, 0, 4);
    FLAT("max(0.f, x)", RF_FLOAT32, 1.5, 0, 0, 0, 4);
    FLAT("min(x, 1.f)", RF_FLOAT32, 1, -2.25, NAN_, 0, 1);
    FLAT("fmax(x, 0.f)", RF_FLOAT32, 1.5, 0, 0, 0, 4);
    FLAT("fmin(x, 1.f)", RF_FLOAT32, 1, -2.25, 1, 0, 1);
    SCALAR("exp2(3.0) + log2(8.0) + cbrt(27.0)", RF_FLOAT64, 14);
    SCALAR("trunc(-2.7)", RF_FLOAT64, -2);
    SCALAR("expm1(0.0) + log1p(0.0)", RF_FLOAT64, 0);
    SCALAR("TMath::Log2(8) + TMath::Log(1) + TMath::Ceil(0.5f)", RF_FLOAT64, 4);
    SCALAR_TOL("TMath::ASin(1) + TMath::ACos(0) + 2 * TMath::ATan(1)", RF_FLOAT64, 1.5 * pi);
    SCALAR("TMath::Tan(0) + TMath::SinH(0) + TMath::TanH(0)", RF_FLOAT64, 0);
    SCALAR_TOL("TMath::PiOver2() + TMath::PiOver4()", RF_FLOAT64, 0.75 * pi);
    SCALAR("std::floor(2.5f) + std::pow(2.f, 2.f)", RF_FLOAT32, 6);
}

static void test_vectors(void)
{
    FLAT("Jet_pt[0]", RF_FLOAT32, 50, NAN_, 10, 31, 100);
    CHECK(last_stats.out_of_range == 1, "Jet_pt[0] out_of_range %lld",
          (long long)last_stats.out_of_range);
    FLAT("Jet_pt[1]", RF_FLOAT32, 20, NAN_, NAN_, 29, 5);
    CHECK(last_stats.out_of_range == 2, "Jet_pt[1] out_of_range %lld",
          (long long)last_stats.out_of_range);
    FLAT("Jet_pt[-1]", RF_FLOAT32, NAN_, NAN_, NAN_, NAN_, NAN_);
    CHECK(last_stats.out_of_range == 5, "out_of_range %lld", (long long)last_stats.out_of_range);
    FLAT("Jet_pt[i32 - 4]", RF_FLOAT32, NAN_, NAN_, NAN_, NAN_, NAN_);
    FLAT("Jet_pt[u8 - 1]", RF_FLOAT32, NAN_, NAN_, 10, 29, 60);
    FLAT("Jet_id[5]", RF_INT64, 0, 0, 0, 0, 0);
    FLAT("Jet_id[0]", RF_INT64, 1, 0, 0, 1, 0);
    FLAT_TOL("Jet_pt[1] / Jet_pt[0]", RF_FLOAT32, 1e-6, 0.4, NAN_, NAN_, 29.0f / 31.0f, 0.05f);
    FLAT("arr[1]", RF_FLOAT32, 1, 4, 7, 10, 13);
    FLAT("Sum(arr)", RF_FLOAT32, 3, 12, 21, 30, 39);
    /* short-circuits: the index is not evaluated where C++ would not evaluate it */
    FLAT("Jet_pt.size() > 1 && Jet_pt[1] > 25", RF_BOOL, 0, 0, 0, 1, 0);
    CHECK(last_stats.out_of_range == 0, "&& guard: out_of_range %lld",
          (long long)last_stats.out_of_range);
    FLAT("Jet_pt.size() < 2 || Jet_pt[1] > 25", RF_BOOL, 0, 1, 1, 1, 0);
    CHECK(last_stats.out_of_range == 0, "|| guard: out_of_range %lld",
          (long long)last_stats.out_of_range);
    FLAT("size(Jet_pt) >= 2 ? Jet_pt[1] : -1.f", RF_FLOAT32, 20, -1, -1, 29, 5);
    CHECK(last_stats.out_of_range == 0, "?: guard: out_of_range %lld",
          (long long)last_stats.out_of_range);

    JAG("Jet_pt * 2", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 100, 40, 70, 20, 62, 58, 200, 10, 120, 90);
    JAG("Jet_pt + i32", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 57, 27, 42, 10, 34, 32, 97, 2, 57, 42);
    JAG("i32 - Jet_id", RF_INT64, COUNTS(3, 0, 1, 2, 4), 6, 7, 6, 0, 2, 2, -3, -4, -4, -3);
    JAG("Jet_pt * Jet_eta", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 25, -20, 70, -3, 31, -58, 10, 1,
        -18, -18);
    JAG("Jet_pt > 30", RF_BOOL, COUNTS(3, 0, 1, 2, 4), 1, 0, 1, 0, 1, 0, 1, 0, 1, 1);
    JAG("Jet_pt > 30 && Jet_eta > 0", RF_BOOL, COUNTS(3, 0, 1, 2, 4), 1, 0, 1, 0, 1, 0, 1, 0, 0,
        0);
    JAG("!(Jet_id == 1)", RF_BOOL, COUNTS(3, 0, 1, 2, 4), 0, 1, 0, 1, 0, 0, 1, 0, 0, 1);
    JAG("abs(Jet_eta) < 0.45", RF_BOOL, COUNTS(3, 0, 1, 2, 4), 0, 0, 0, 1, 0, 0, 1, 1, 1, 1);
    JAG("sqrt(Jet_pt)", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), sqrtf(50), sqrtf(20), sqrtf(35),
        sqrtf(10), sqrtf(31), sqrtf(29), 10, sqrtf(5), sqrtf(60), sqrtf(45));
    JAG("Jet_pt[Jet_eta > 0]", RF_FLOAT32, COUNTS(2, 0, 0, 1, 2), 50, 35, 31, 100, 5);
    JAG("Jet_pt[Jet_id]", RF_FLOAT32, COUNTS(2, 0, 0, 2, 2), 50, 35, 31, 29, 5, 60);
    JAG("(float)Jet_id", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 1, 0, 1, 0, 1, 1, 0, 1, 1, 0);
    JAG("b ? Jet_pt : -Jet_pt", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 50, 20, 35, 10, -31, -29, 100,
        5, 60, 45);
    JAG("Where(Jet_eta > 0, Jet_pt, 0.f)", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 50, 0, 35, 0, 31, 0,
        100, 5, 0, 0);
    JAG("Take(Jet_pt, 2)", RF_FLOAT32, COUNTS(2, 0, 1, 2, 2), 50, 20, 10, 31, 29, 100, 5);
    CHECK(last_stats.out_of_range == 2, "Take(v, 2) out_of_range %lld",
          (long long)last_stats.out_of_range);
    JAG("Take(Jet_pt, -1)", RF_FLOAT32, COUNTS(1, 0, 1, 1, 1), 35, 10, 29, 45);
    JAG("Take(Jet_pt, Jet_id)", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 20, 50, 20, 10, 29, 29, 100, 5,
        5, 100);
    JAG("Take(Jet_id, Jet_id + 3)", RF_INT64, COUNTS(3, 0, 1, 2, 4), 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0);
    CHECK(last_stats.out_of_range == 8, "Take(v, idx) out_of_range %lld",
          (long long)last_stats.out_of_range);
    JAG("Mu_pt * 1.5", RF_FLOAT64, COUNTS(1, 2, 0, 0, 3), 37.5, 60, 15, 10.5, 12, 13.5);
}

static void test_reductions(void)
{
    FLAT("Sum(Jet_pt > 30)", RF_INT64, 2, 0, 0, 1, 3);
    FLAT("Sum(Jet_pt > 30) >= 2", RF_BOOL, 1, 0, 0, 0, 1);
    FLAT("Sum(Jet_pt)", RF_FLOAT32, 105, 0, 10, 60, 210);
    FLAT("Sum(Jet_id)", RF_INT64, 2, 0, 0, 2, 2);
    FLAT("Mean(Jet_pt)", RF_FLOAT64, 35, 0, 10, 30, 52.5);
    FLAT("Max(Jet_pt)", RF_FLOAT32, 50, NAN_, 10, 31, 100);
    CHECK(last_stats.empty_reduction == 1, "Max of empty counted %lld",
          (long long)last_stats.empty_reduction);
    FLAT("Min(Jet_pt)", RF_FLOAT32, 20, NAN_, 10, 29, 5);
    FLAT("Max(Jet_id)", RF_INT64, 1, 0, 0, 1, 1);
    FLAT("ArgMax(Jet_pt)", RF_INT64, 0, 0, 0, 0, 0);
    FLAT("ArgMin(Jet_pt)", RF_INT64, 1, 0, 0, 1, 1);
    FLAT("ArgMax(Jet_eta)", RF_INT64, 2, 0, 0, 0, 1);
    FLAT("Any(Jet_pt > 40)", RF_BOOL, 1, 0, 0, 0, 1);
    FLAT("All(Jet_pt > 4)", RF_BOOL, 1, 1, 1, 1, 1);
    FLAT("All(Jet_pt > 30)", RF_BOOL, 0, 1, 0, 0, 0);
    FLAT("Any(Jet_id)", RF_BOOL, 1, 0, 0, 1, 1);
    FLAT("Length(Jet_pt)", RF_INT64, 3, 0, 1, 2, 4);
    FLAT("Jet_pt.size()", RF_INT64, 3, 0, 1, 2, 4);
    FLAT("ROOT::VecOps::Sum(Jet_pt[Jet_eta > 0] > 30)", RF_INT64, 2, 0, 0, 1, 1);
    FLAT("Sum(Jet_pt * Jet_id) / Length(Jet_pt)", RF_FLOAT32, 85.0f / 3, NAN_, 0, 30, 16.25);
    FLAT("Mu_pt.size() + Jet_pt.size()", RF_INT64, 4, 2, 1, 2, 7);
}

static void test_physics(void)
{
    const double pi = 3.14159265358979323846;
    SCALAR("DeltaPhi(0.f, 1.f)", RF_FLOAT32, 1);
    SCALAR_TOL("DeltaPhi(3.0, -3.0)", RF_FLOAT64, 2 * pi - 6);
    SCALAR_TOL("DeltaPhi(-3.0, 3.0)", RF_FLOAT64, 6 - 2 * pi);
    SCALAR_TOL("DeltaR(0.0, 3.0, 0.0, 1.0)", RF_FLOAT64, sqrt(10.0));
    SCALAR_TOL("DeltaR(1.0, 1.0, 3.0, -3.0)", RF_FLOAT64, 2 * pi - 6);
    FLAT_TOL("InvariantMass(50.0, 0.0, 0.0, 0.0, 50.0, 0.0, M_PI, 0.0)", RF_FLOAT64, 1e-12, 100,
             100, 100, 100, 100);
    /* massless pair: m^2 = 2 pt1 pt2 (cosh(deta) - cos(dphi)) */
    double m = sqrt(2 * 10.0 * 20.0 * (cosh(0.0) - cos(pi)));
    FLAT_TOL("InvariantMass(10.0, 0.0, 0.0, 0.0, 20.0, 0.0, TMath::Pi(), 0.0)", RF_FLOAT64, 1e-12,
             m, m, m, m, m);
    JAG("DeltaPhi(Jet_phi, 0.f)", RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 0, -3, 3, -1, -0.5, 0.5, -2,
        2, -0.1, -0.2);
    /* InvariantMasses of equal-pt massless pairs back to back: 2 pt per item */
    JAG("InvariantMasses(Jet_pt, Jet_eta * 0.f, Jet_phi * 0.f, Jet_pt * 0.f, Jet_pt, "
        "Jet_eta * 0.f, Jet_phi * 0.f + 3.14159265f, Jet_pt * 0.f)",
        RF_FLOAT32, COUNTS(3, 0, 1, 2, 4), 100, 40, 70, 20, 62, 58, 200, 10, 120, 90);
    /* one massless particle: the vector's mass is 0; two back to back: 2 pt */
    FLAT_TOL("InvariantMass(Jet_pt, Jet_eta * 0.f, Jet_phi * 0.f, Jet_pt * 0.f)", RF_FLOAT32,
             1e-6, 0, 0, 0, 0, 0);
}

/* Names with '.' and ':' (PHYSLITE in TTree and RNTuple) are one column where the schema
 * has it; elsewhere '.' is a member call and ':' belongs to ?:. */
static void test_dotted_names(void)
{
    JAG("Muons.pt * 2", RF_FLOAT32, COUNTS(1, 2, 0, 0, 3), 50, 80, 20, 14, 16, 18);
    JAG("Muons:pt * 2", RF_FLOAT32, COUNTS(1, 2, 0, 0, 3), 50, 80, 20, 14, 16, 18);
    FLAT("Muons:pt.size() + Muons.pt.size()", RF_INT64, 2, 4, 0, 0, 6);
    FLAT("Muons:pt[Muons:pt > 8][0]", RF_FLOAT32, 25, 40, NAN_, NAN_, 9);
    FLAT("b ? Muons.pt.size():i32", RF_INT64, 1, -7, 0, 3, 3);
    FLAT("b?i32:u8", RF_INT64, 7, 0, 0, 2, -3);
    bad("Muons:eta", RF_ERR_NOT_FOUND, "unknown column 'Muons'", NULL);
}

static void test_errors(void)
{
    bad("i32 >= 2 && (Jet_pt[0] > 25", RF_ERR_ARG, "syntax error at column 28: expected ')'",
        "\n  i32 >= 2 && (Jet_pt[0] > 25\n  ");
    caret("i32 >= 2 && (Jet_pt[0] > 25", 27);
    caret("Jet_pt[0] > 25 && Sum(i32)", 18);
    caret("x + 1 +* 2", 7);
    bad("Jet_ptt > 1", RF_ERR_NOT_FOUND, "unknown column 'Jet_ptt' at column 1",
        "did you mean 'Jet_pt'");
    bad("x + nosuch * 2", RF_ERR_NOT_FOUND, "unknown column 'nosuch' at column 5", "\n      ^");
    bad("foo(1)", RF_ERR_NOT_FOUND, "unknown function 'foo' at column 1", NULL);
    bad("TMath::sqrt(2)", RF_ERR_NOT_FOUND, "unknown function", NULL);
    bad("Sum(1, 2)", RF_ERR_ARG, "wrong arguments", NULL);
    bad("x % 2", RF_ERR_ARG, "type mismatch at column 3", "'%'");
    bad("x & 1", RF_ERR_ARG, "type mismatch", NULL);
    bad("~d", RF_ERR_ARG, "type mismatch at column 1", NULL);
    bad("i32[0]", RF_ERR_ARG, "type mismatch", "vector");
    bad("Sum(i32)", RF_ERR_ARG, "type mismatch", NULL);
    bad("ROOT::VecOps::Sum(Jet_pt)[0]", RF_ERR_ARG, "type mismatch at column 26",
        "indexing needs a vector, got a flat float32");
    bad("foo::Sum(Jet_pt)", RF_ERR_NOT_FOUND, "unknown function 'foo::Sum'", NULL);
    bad("Jet_pt[1.5]", RF_ERR_ARG, "type mismatch at column 7", NULL);
    bad("x.foo()", RF_ERR_NOT_FOUND, "unknown method 'foo'", NULL);
    bad("1 +", RF_ERR_ARG, "syntax error at column 4", "found the end");
    bad("", RF_ERR_ARG, "syntax error at column 1", NULL);
    bad("1 2", RF_ERR_ARG, "syntax error at column 3", "unexpected '2'");
    bad("1.5.3", RF_ERR_ARG, "syntax error", NULL);
    bad("x @ 2", RF_ERR_ARG, "syntax error at column 3: unexpected character", NULL);
    bad("99999999999999999999", RF_ERR_ARG, "too large", NULL);
    bad("2f", RF_ERR_ARG, "malformed number", NULL);
    bad("(float x", RF_ERR_ARG, "syntax error", NULL);
    bad("a ? b", RF_ERR_NOT_FOUND, "unknown column 'a'", NULL);
    bad("i32 ? 1", RF_ERR_ARG, "expected ':'", NULL);
    bad("deep[0]", RF_ERR_UNSUPPORTED, "unsupported column 'deep'", NULL);
    bad("InvariantMass(x, x, x, x)", RF_ERR_ARG, "type mismatch", NULL);
    char deep[1200];
    memset(deep, '(', 600);
    strcpy(deep + 600, "1");
    bad(deep, RF_ERR_ARG, "nested too deeply", NULL);
    memset(deep, '-', 600);
    bad(deep, RF_ERR_ARG, "nested too deeply", NULL);
    char chain[8200];
    strcpy(chain, "1");
    for (int i = 0; i < 2000; i++)
        strcat(chain, "+x");
    bad(chain, RF_ERR_ARG, "nested too deeply", NULL);
    /* a long expression shows a window around the error */
    char longx[400];
    memset(longx, 0, sizeof longx);
    for (int i = 0; i < 60; i++)
        strcat(longx, "x + ");
    strcat(longx, "?");
    bad(longx, RF_ERR_ARG, "syntax error at column 241", "...");

    rf_column_data out;
    rf_column_data_init(&out);
    rf_error err = {0};
    rf_status s = run("Jet_pt + Mu_pt", &out, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "different sizes in entry 100"),
          "size mismatch: %s: %s", rf_status_name(s), err.msg);
    rf_column_data_free(&out);
}

static void test_inputs_and_eval_errors(void)
{
    rf_expr *e;
    rf_error err = {0};
    rf_status s = rf_expr_compile("Jet_pt[Jet_eta > 0] + x + Jet_pt[0]", cols, ncols, &e, &err);
    CHECK(s == RF_OK, "compile: %s", err.msg);
    if (s)
        return;
    CHECK(rf_expr_ninputs(e) == 3, "ninputs %zu", rf_expr_ninputs(e));
    CHECK(!strcmp(rf_expr_input(e, 0), "Jet_pt") && !strcmp(rf_expr_input(e, 1), "Jet_eta") &&
              !strcmp(rf_expr_input(e, 2), "x"),
          "inputs");
    CHECK(rf_expr_dtype(e) == RF_FLOAT32 && rf_expr_nlevels(e) == 1, "type of result");
    rf_column_data out;
    rf_column_data_init(&out);
    s = rf_expr_eval(e, cols + 5, 2, 0, N, &out, &err);
    CHECK(s == RF_ERR_NOT_FOUND && strstr(err.msg, "'x' not given"), "missing input: %s", err.msg);
    /* corrupt offsets must give an error, not a crash */
    int64_t badoff[N + 1] = {0, 3, 2, 4, 6, 10};
    rf_expr_column c2[3] = {cols[5], cols[6], cols[2]};
    rf_column_data bd = cd[5];
    bd.offsets[0] = badoff;
    c2[0].data = &bd;
    s = rf_expr_eval(e, c2, 3, 0, N, &out, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "decrease"), "bad offsets: %s", err.msg);
    badoff[2] = 3;
    badoff[5] = 11;
    s = rf_expr_eval(e, c2, 3, 0, N, &out, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "holds 10 values"), "offsets past values: %s",
          err.msg);
    bd.offsets[0] = jet_off;
    bd.nentries = 4;
    s = rf_expr_eval(e, c2, 3, 0, N, &out, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "4 entries"), "entry count: %s", err.msg);
    rf_column_data_free(&out);
    rf_expr_free(e);
}

static void test_plan(void)
{
    rf_expr_plan *p;
    rf_error err = {0};
    rf_status s = rf_expr_plan_create(cols, ncols, &p, &err);
    CHECK(s == RF_OK, "plan: %s", err.msg);
    if (s)
        return;
    s = rf_expr_plan_filter(p, "Jet_pt.size() >= 2", &err);
    CHECK(s == RF_OK, "filter: %s", err.msg);
    s = rf_expr_plan_define(p, "ptratio", "Jet_pt[1] / Jet_pt[0]", &err);
    CHECK(s == RF_OK, "define: %s", err.msg);
    s = rf_expr_plan_define(p, "r2", "ptratio * 2", &err);
    CHECK(s == RF_OK, "define on define: %s", err.msg);
    s = rf_expr_plan_define(p, "good", "Jet_pt[Jet_eta > 0]", &err);
    CHECK(s == RF_OK, "jagged define: %s", err.msg);
    s = rf_expr_plan_filter(p, "r2 > 0.5 && Length(good) > 0", &err);
    CHECK(s == RF_OK, "filter on defines: %s", err.msg);
    s = rf_expr_plan_filter(p, "Jet_pt > 3", &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "Any("), "vector filter refused: %s", err.msg);
    s = rf_expr_plan_define(p, "x", "1", &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "already exists"), "duplicate define: %s", err.msg);
    s = rf_expr_plan_define(p, "bad", "nosuch + 1", &err);
    CHECK(s == RF_ERR_NOT_FOUND && strstr(err.msg, "define 'bad': unknown column 'nosuch'"),
          "define error prefix: %s", err.msg);
    CHECK(rf_expr_plan_ninputs(p) == 2 && !strcmp(rf_expr_plan_input(p, 0), "Jet_pt") &&
              !strcmp(rf_expr_plan_input(p, 1), "Jet_eta"),
          "plan inputs (%zu)", rf_expr_plan_ninputs(p));
    CHECK(rf_expr_plan_ndefines(p) == 3 && !strcmp(rf_expr_plan_define_name(p, 1), "r2"),
          "plan defines");
    uint8_t mask[N];
    int64_t nsel = -1;
    s = rf_expr_plan_eval(p, cols, ncols, 0, N, mask, &nsel, &err);
    CHECK(s == RF_OK, "plan eval: %s", err.msg);
    CHECK(nsel == 2 && mask[0] == 1 && mask[1] == 0 && mask[2] == 0 && mask[3] == 1 && mask[4] == 0,
          "mask %d%d%d%d%d selected %lld", mask[0], mask[1], mask[2], mask[3], mask[4],
          (long long)nsel);
    const rf_column_data *r = rf_expr_plan_result(p, 1);
    CHECK(r && r->dtype == RF_FLOAT32 && r->nentries == N && same(get(r, 0), 0.8, 1e-6) &&
              same(get(r, 4), 0.1, 1e-6),
          "define values");
    const rf_column_data *g = rf_expr_plan_result(p, 2);
    CHECK(g && g->nlevels == 1 && g->offsets[0][N] == 5, "jagged define values");
    rf_expr_stats st;
    rf_expr_plan_get_stats(p, &st);
    CHECK(st.out_of_range == 0 && st.entries == N && st.selected == 2,
          "plan stats: out_of_range %lld (entries failing the filter are not counted)",
          (long long)st.out_of_range);
    rf_expr_plan_free(p);
}

/* Many entries: several blocks, with jagged values crossing block edges. */
static void test_blocks(void)
{
    enum { M = 10000 };
    int64_t *off = malloc((M + 1) * sizeof *off);
    float *v = malloc(3 * M * sizeof *v);
    int32_t *cnt = malloc(M * sizeof *cnt);
    int64_t k = 0;
    off[0] = 0;
    for (int i = 0; i < M; i++) {
        cnt[i] = i % 4;
        for (int j = 0; j < cnt[i]; j++)
            v[k++] = (float)(i + j);
        off[i + 1] = k;
    }
    rf_column_data dc = {.dtype = RF_INT32, .nentries = M, .nvalues = M, .values = cnt};
    rf_column_data dvv = {.dtype = RF_FLOAT32, .nlevels = 1, .nentries = M, .nvalues = k,
                          .values = v};
    dvv.offsets[0] = off;
    rf_expr_column c[2] = {{"n", RF_INT32, 0, 0, &dc}, {"v", RF_FLOAT32, 1, 0, &dvv}};
    rf_expr *e;
    rf_error err = {0};
    rf_column_data out;
    rf_column_data_init(&out);
    rf_status s = rf_expr_compile("v[v > 5000] * 2 + n", c, 2, &e, &err);
    if (s == RF_OK)
        s = rf_expr_eval(e, c, 2, 0, M, &out, &err);
    CHECK(s == RF_OK, "blocks: %s", err.msg);
    int ok = s == RF_OK && out.nentries == M;
    int64_t q = 0;
    for (int i = 0; ok && i < M; i++) {
        for (int j = 0; j < cnt[i]; j++)
            if (i + j > 5000)
                ok &= ((float *)out.values)[q++] == (float)(i + j) * 2 + (float)cnt[i];
        ok &= out.offsets[0][i + 1] == q;
    }
    CHECK(ok && out.nvalues == q, "blocked jagged values");
    rf_expr_free(e);
    s = rf_expr_compile("Sum(v) + rdfentry_", c, 2, &e, &err);
    if (s == RF_OK)
        s = rf_expr_eval(e, c, 2, 7, M, &out, &err);
    ok = s == RF_OK;
    for (int i = 0; ok && i < M; i++) {
        float sum = 0;
        for (int j = 0; j < cnt[i]; j++)
            sum += (float)(i + j);
        ok &= ((float *)out.values)[i] == sum + (float)(i + 7);
    }
    CHECK(ok, "blocked reductions: %s", err.msg);
    rf_expr_free(e);
    rf_column_data_free(&out);
    free(off);
    free(v);
    free(cnt);
}

int main(void)
{
    setup();
    test_arithmetic();
    test_compare_logic();
    test_bits_ternary_casts();
    test_math();
    test_vectors();
    test_reductions();
    test_physics();
    test_dotted_names();
    test_errors();
    test_inputs_and_eval_errors();
    test_plan();
    test_blocks();
    return check_summary();
}
