/* kernels.c - element-wise evaluation: casts, unary and binary operators, math functions,
 * ?: / Where, and the physics helpers, each a tight loop over one block's arrays of one type.
 * The operators have separate vector-vector, vector-scalar and scalar-vector loops so that
 * comparisons against constants (the common filter) auto-vectorise. Integer arithmetic wraps
 * (computed in uint64) and integer division by zero gives 0: no C undefined behaviour. This
 * file is the measured hot path of filters (bench/expr). */
#include <math.h>
#include <string.h>

#include "../common/error.h"
#include "expr.h"

#define AT(p, s, i) ((p)[(s) ? 0 : (i)])

static inline int64_t f2i(double x)
{
    return x >= -9223372036854775808.0 && x < 9223372036854775808.0 ? (int64_t)x : INT64_MIN;
}

static inline int64_t wrap_add(int64_t x, int64_t y)
{
    return (int64_t)((uint64_t)x + (uint64_t)y);
}
static inline int64_t wrap_sub(int64_t x, int64_t y)
{
    return (int64_t)((uint64_t)x - (uint64_t)y);
}
static inline int64_t wrap_mul(int64_t x, int64_t y)
{
    return (int64_t)((uint64_t)x * (uint64_t)y);
}
static inline int64_t idiv(int64_t x, int64_t y)
{
    return y == 0 ? 0 : y == -1 ? (int64_t)(0 - (uint64_t)x) : x / y;
}
static inline int64_t imod(int64_t x, int64_t y) { return y == 0 || y == -1 ? 0 : x % y; }
static inline int64_t ishl(int64_t x, int64_t y)
{
    return (uint64_t)y > 63 ? 0 : (int64_t)((uint64_t)x << y);
}
static inline int64_t ishr(int64_t x, int64_t y)
{
    return (uint64_t)y > 63 ? (x < 0 ? -1 : 0) : (x < 0 ? ~(~x >> y) : x >> y);
}

/* ---- binary operators ------------------------------------------------------------------ */

typedef void (*bin_fn)(const void *, int, const void *, int, void *, int64_t);

#define BIN(NAME, T, R, EXPR)                                                                  \
    static void NAME(const void *pa, int sa, const void *pb, int sb, void *po, int64_t n)      \
    {                                                                                          \
        const T *restrict a = pa;                                                              \
        const T *restrict b = pb;                                                              \
        R *restrict o = po;                                                                    \
        if (sa && sb) {                                                                        \
            T x = a[0], y = b[0];                                                              \
            o[0] = (R)(EXPR);                                                                  \
        } else if (sb) {                                                                       \
            const T y = b[0];                                                                  \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = a[i];                                                                    \
                o[i] = (R)(EXPR);                                                              \
            }                                                                                  \
        } else if (sa) {                                                                       \
            const T x = a[0];                                                                  \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T y = b[i];                                                                    \
                o[i] = (R)(EXPR);                                                              \
            }                                                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = a[i], y = b[i];                                                          \
                o[i] = (R)(EXPR);                                                              \
            }                                                                                  \
        }                                                                                      \
    }

#define BIN3(NAME, EXPR_I, EXPR_F)                                                             \
    BIN(NAME##_i, int64_t, int64_t, EXPR_I)                                                    \
    BIN(NAME##_f, float, float, EXPR_F)                                                        \
    BIN(NAME##_d, double, double, EXPR_F)
#define CMP3(NAME, EXPR)                                                                       \
    BIN(NAME##_i, int64_t, uint8_t, EXPR)                                                      \
    BIN(NAME##_f, float, uint8_t, EXPR)                                                        \
    BIN(NAME##_d, double, uint8_t, EXPR)

BIN3(add, wrap_add(x, y), x + y)
BIN3(sub, wrap_sub(x, y), x - y)
BIN3(mul, wrap_mul(x, y), x * y)
BIN3(dv, idiv(x, y), x / y)
BIN(mod_i, int64_t, int64_t, imod(x, y))
CMP3(eq, x == y)
CMP3(ne, x != y)
CMP3(lt, x < y)
CMP3(le, x <= y)
CMP3(gt, x > y)
CMP3(ge, x >= y)
BIN(and_b, uint8_t, uint8_t, x & y)
BIN(or_b, uint8_t, uint8_t, x | y)
BIN(band_i, int64_t, int64_t, x & y)
BIN(bor_i, int64_t, int64_t, x | y)
BIN(bxor_i, int64_t, int64_t, x ^ y)
BIN(shl_i, int64_t, int64_t, ishl(x, y))
BIN(shr_i, int64_t, int64_t, ishr(x, y))

#define ROW3(N) {NULL, N##_i, N##_f, N##_d}
static const bin_fn bin_tab[OP_SHR - OP_ADD + 1][ET_COUNT] = {
    ROW3(add), ROW3(sub), ROW3(mul), ROW3(dv), {NULL, mod_i, NULL, NULL},
    ROW3(eq), ROW3(ne), ROW3(lt), ROW3(le), ROW3(gt), ROW3(ge),
    {and_b, NULL, NULL, NULL}, {or_b, NULL, NULL, NULL}, {NULL, band_i, NULL, NULL},
    {NULL, bor_i, NULL, NULL}, {NULL, bxor_i, NULL, NULL}, {NULL, shl_i, NULL, NULL},
    {NULL, shr_i, NULL, NULL}};

/* ---- casts and unary operators --------------------------------------------------------- */

#define UN(NAME, T, R, EXPR)                                                                   \
    static void NAME(const void *pa, void *po, int64_t n)                                      \
    {                                                                                          \
        const T *restrict a = pa;                                                              \
        R *restrict o = po;                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T x = a[i];                                                                        \
            o[i] = (R)(EXPR);                                                                  \
        }                                                                                      \
    }
typedef void (*un_fn)(const void *, void *, int64_t);

UN(b2i, uint8_t, int64_t, x)
UN(b2f, uint8_t, float, x)
UN(b2d, uint8_t, double, x)
UN(i2b, int64_t, uint8_t, x != 0)
UN(i2f, int64_t, float, x)
UN(i2d, int64_t, double, x)
UN(f2b, float, uint8_t, x != 0)
UN(f2i_, float, int64_t, f2i(x))
UN(f2d, float, double, x)
UN(d2b, double, uint8_t, x != 0)
UN(d2i, double, int64_t, f2i(x))
UN(d2f, double, float, x)
static const un_fn cast_tab[ET_COUNT][ET_COUNT] = {
    {NULL, b2i, b2f, b2d}, {i2b, NULL, i2f, i2d}, {f2b, f2i_, NULL, f2d}, {d2b, d2i, d2f, NULL}};

UN(neg_i, int64_t, int64_t, (int64_t)(0 - (uint64_t)x))
UN(neg_f, float, float, -x)
UN(neg_d, double, double, -x)
UN(not_b, uint8_t, uint8_t, x ^ 1)
UN(bnot_i, int64_t, int64_t, ~x)
UN(abs_i, int64_t, int64_t, x < 0 ? (int64_t)(0 - (uint64_t)x) : x)
UN(abs_f, float, float, fabsf(x))
UN(abs_d, double, double, fabs(x))

/* Float to a narrow integer: out of the target's range gives its minimum (0 if unsigned), as
 * x86's conversion does; in range, the value. */
static void saturate_ints(int64_t *o, int64_t n, int w)
{
    static const int64_t lo[] = {0, INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0};
    static const int64_t hi[] = {0, INT8_MAX, UINT8_MAX, INT16_MAX, UINT16_MAX, INT32_MAX,
                                 UINT32_MAX};
    for (int64_t i = 0; i < n; i++)
        if (o[i] < lo[w] || o[i] > hi[w])
            o[i] = lo[w];
}

static void wrap_ints(int64_t *o, int64_t n, int w)
{
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)o[i];
        switch (w) {
        case W_S8: o[i] = (int8_t)(uint8_t)u; break;
        case W_U8: o[i] = (uint8_t)u; break;
        case W_S16: o[i] = (int16_t)(uint16_t)u; break;
        case W_U16: o[i] = (uint16_t)u; break;
        case W_S32: o[i] = (int32_t)(uint32_t)u; break;
        default: o[i] = (uint32_t)u; break;
        }
    }
}

static void eval_cast(ex_node *nd, const void *a, int64_t n)
{
    int from = nd->arg[0]->type;
    if (from == nd->type)
        memmove(nd->buf, a, (size_t)n * rf_ex_type_size(from));
    else
        cast_tab[from][nd->type](a, nd->buf, n);
    if (nd->fn != W_NONE && (from == ET_F32 || from == ET_F64))
        saturate_ints(nd->buf, n, nd->fn);
    else if (nd->fn != W_NONE)
        wrap_ints(nd->buf, n, nd->fn);
}

static void eval_unary(ex_node *nd, const void *a, int64_t n)
{
    static const un_fn neg[ET_COUNT] = {NULL, neg_i, neg_f, neg_d};
    static const un_fn abs_[ET_COUNT] = {NULL, abs_i, abs_f, abs_d};
    un_fn f = nd->op == OP_NEG ? neg[nd->type] : nd->op == OP_ABS ? abs_[nd->type]
            : nd->op == OP_NOT ? not_b : bnot_i;
    f(a, nd->buf, n);
}

/* ---- math functions -------------------------------------------------------------------- */

static void eval_math1(ex_node *nd, const void *pa, int64_t n)
{
    static double (*const fd[M1_COUNT])(double) = {
        sqrt, cbrt, exp, exp2, expm1, log, log2, log10, log1p, sin, cos, tan, asin, acos, atan,
        sinh, cosh, tanh, floor, ceil, round, trunc, rint};
    static float (*const ff[M1_COUNT])(float) = {
        sqrtf, cbrtf, expf, exp2f, expm1f, logf, log2f, log10f, log1pf, sinf, cosf, tanf, asinf,
        acosf, atanf, sinhf, coshf, tanhf, floorf, ceilf, roundf, truncf, rintf};
    if (nd->type == ET_F32) {
        const float *a = pa;
        float *o = nd->buf;
        float (*f)(float) = ff[nd->fn];
        for (int64_t i = 0; i < n; i++)
            o[i] = f(a[i]);
    } else {
        const double *a = pa;
        double *o = nd->buf;
        double (*f)(double) = fd[nd->fn];
        for (int64_t i = 0; i < n; i++)
            o[i] = f(a[i]);
    }
}

#define MATH2_LOOP(T, EXPR)                                                                    \
    do {                                                                                       \
        const T *a = p[0], *b = p[1];                                                          \
        T *o = nd->buf;                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T x = AT(a, s[0], i), y = AT(b, s[1], i);                                          \
            o[i] = (EXPR);                                                                     \
        }                                                                                      \
    } while (0)

/* std::min / std::max: min(a, b) = b < a ? b : a, max(a, b) = a < b ? b : a (NaN as C++). */
static void eval_math2_int(ex_node *nd, const void **p, const int *s, int64_t n)
{
    if (nd->fn == M2_MIN)
        MATH2_LOOP(int64_t, y < x ? y : x);
    else
        MATH2_LOOP(int64_t, x < y ? y : x);
}

static void eval_math2_f(ex_node *nd, const void **p, const int *s, int64_t n)
{
    switch (nd->fn) {
    case M2_POW: MATH2_LOOP(float, powf(x, y)); break;
    case M2_ATAN2: MATH2_LOOP(float, atan2f(x, y)); break;
    case M2_HYPOT: MATH2_LOOP(float, hypotf(x, y)); break;
    case M2_FMOD: MATH2_LOOP(float, fmodf(x, y)); break;
    case M2_FMIN: MATH2_LOOP(float, fminf(x, y)); break;
    case M2_FMAX: MATH2_LOOP(float, fmaxf(x, y)); break;
    case M2_MIN: MATH2_LOOP(float, y < x ? y : x); break;
    default: MATH2_LOOP(float, x < y ? y : x); break;
    }
}

static void eval_math2_d(ex_node *nd, const void **p, const int *s, int64_t n)
{
    switch (nd->fn) {
    case M2_POW: MATH2_LOOP(double, pow(x, y)); break;
    case M2_ATAN2: MATH2_LOOP(double, atan2(x, y)); break;
    case M2_HYPOT: MATH2_LOOP(double, hypot(x, y)); break;
    case M2_FMOD: MATH2_LOOP(double, fmod(x, y)); break;
    case M2_FMIN: MATH2_LOOP(double, fmin(x, y)); break;
    case M2_FMAX: MATH2_LOOP(double, fmax(x, y)); break;
    case M2_MIN: MATH2_LOOP(double, y < x ? y : x); break;
    default: MATH2_LOOP(double, x < y ? y : x); break;
    }
}

/* c ? a : b over values of 1, 4 or 8 bytes (copied as bits). */
#define SELECT_LOOP(T)                                                                         \
    do {                                                                                       \
        const T *a = p[1], *b = p[2];                                                          \
        T *o = nd->buf;                                                                        \
        for (int64_t i = 0; i < n; i++)                                                        \
            o[i] = AT(c, s[0], i) ? AT(a, s[1], i) : AT(b, s[2], i);                           \
    } while (0)

static void eval_select(ex_node *nd, const void **p, const int *s, int64_t n)
{
    const uint8_t *c = p[0];
    size_t sz = rf_ex_type_size(nd->type);
    if (sz == 1)
        SELECT_LOOP(uint8_t);
    else if (sz == 4)
        SELECT_LOOP(uint32_t);
    else
        SELECT_LOOP(uint64_t);
}

/* ---- physics helpers (ROOT::VecOps, same arithmetic as ROOT's templates) ---------------- */

/* DeltaPhi(v1, v2, c): fmod(v2 - v1, 2c) brought into [-c, c]; the difference is taken in
 * the argument type, the rest in double, as ROOT's template does for T = float. */
static inline double dphi(double diff, double c)
{
    double r = fmod(diff, 2.0 * c);
    if (r < -c)
        r += 2.0 * c;
    else if (r > c)
        r -= 2.0 * c;
    return r;
}

#define PHYS_LOOP(T, BODY)                                                                     \
    do {                                                                                       \
        T *o = nd->buf;                                                                        \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T v[EX_MAX_ARGS];                                                                  \
            for (int k = 0; k < nd->nargs; k++)                                                \
                v[k] = AT((const T *)p[k], s[k], i);                                           \
            BODY;                                                                              \
        }                                                                                      \
    } while (0)

/* One particle's (x, y, z, e) from (pt, eta, phi, m) and the pair's mass, in type T. */
#define PAIR_MASS(T, COS, SIN, SINH, SQRT)                                                     \
    T x1 = v[0] * COS(v[2]), y1 = v[0] * SIN(v[2]), z1 = v[0] * SINH(v[1]);                    \
    T e1 = SQRT(x1 * x1 + y1 * y1 + z1 * z1 + v[3] * v[3]);                                    \
    T x2 = v[4] * COS(v[6]), y2 = v[4] * SIN(v[6]), z2 = v[4] * SINH(v[5]);                    \
    T e2 = SQRT(x2 * x2 + y2 * y2 + z2 * z2 + v[7] * v[7]);                                    \
    T e = e1 + e2, x = x1 + x2, y = y1 + y2, z = z1 + z2;                                      \
    o[i] = SQRT(e * e - x * x - y * y - z * z)

static void eval_physics(ex_node *nd, const void **p, const int *s, int64_t n)
{
    if (nd->type == ET_F32) {
        if (nd->op == OP_DPHI)
            PHYS_LOOP(float, o[i] = (float)dphi((float)(v[1] - v[0]), v[2]));
        else if (nd->op == OP_DR)
            PHYS_LOOP(float, float dp = (float)dphi((float)(v[3] - v[2]), v[4]);
                      float de = v[0] - v[1]; o[i] = sqrtf(de * de + dp * dp));
        else
            PHYS_LOOP(float, PAIR_MASS(float, cosf, sinf, sinhf, sqrtf));
    } else {
        if (nd->op == OP_DPHI)
            PHYS_LOOP(double, o[i] = dphi(v[1] - v[0], v[2]));
        else if (nd->op == OP_DR)
            PHYS_LOOP(double, double dp = dphi(v[3] - v[2], v[4]); double de = v[0] - v[1];
                      o[i] = sqrt(de * de + dp * dp));
        else
            PHYS_LOOP(double, PAIR_MASS(double, cos, sin, sinh, sqrt));
    }
}

/* ---- dispatch --------------------------------------------------------------------------- */

rf_status rf_ex_eval_elementwise(ex_node *nd, ex_ctx *c)
{
    const void *p[EX_MAX_ARGS];
    int s[EX_MAX_ARGS];
    int64_t n;
    const int64_t *off;
    RF_TRY(rf_ex_align(nd, c, p, s, &n, &off));
    if (!rf_ex_reserve(&nd->buf, &nd->cap, (size_t)(n ? n : 1) * rf_ex_type_size(nd->type)))
        return rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
    int at = nd->nargs ? nd->arg[0]->type : nd->type;
    switch (nd->op) {
    case OP_CAST: eval_cast(nd, p[0], n); break;
    case OP_NEG: case OP_NOT: case OP_BNOT: case OP_ABS: eval_unary(nd, p[0], n); break;
    case OP_MATH1: eval_math1(nd, p[0], n); break;
    case OP_MATH2:
        if (nd->type == ET_I64)
            eval_math2_int(nd, p, s, n);
        else if (nd->type == ET_F32)
            eval_math2_f(nd, p, s, n);
        else
            eval_math2_d(nd, p, s, n);
        break;
    case OP_SELECT: eval_select(nd, p, s, n); break;
    case OP_DPHI: case OP_DR: case OP_MASS2: eval_physics(nd, p, s, n); break;
    default: bin_tab[nd->op - OP_ADD][at](p[0], s[0], p[1], s[1], nd->buf, n); break;
    }
    int scalar = 1;
    for (int k = 0; k < nd->nargs; k++)
        scalar &= s[k];
    nd->v = (ex_val){nd->buf, off, n, scalar};
    return RF_OK;
}
