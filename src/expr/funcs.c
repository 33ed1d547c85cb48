/* funcs.c - the function names an expression may call, in the spellings ROOT users write
 * (plain C, std::, TMath::, ROOT::VecOps::), and the typing of each call: argument counts,
 * which arguments must be vectors, result types following the C++ overloads (std::sqrt of a
 * float is a float, TMath::Sqrt computes in double, Sum of a float vector is a float). */
#include <string.h>

#include "expr.h"

enum { NS_STD = 1, NS_TMATH = 2, NS_VECOPS = 4 };
enum { K_MATH1, K_ABS, K_FABS, K_MATH2, K_MINMAX, K_CONST, K_SQ, K_NINT, K_RED, K_LEN, K_TAKE,
       K_WHERE, K_DPHI, K_DR, K_MASS, K_MASSES };
#define F_DOUBLE 1 /* computes in double whatever the argument type (TMath) */

typedef struct fn_def {
    const char *name;
    uint8_t ns, kind, flags;
    int8_t nmin, nmax;
    int id;
    double value;
} fn_def;

#define STDV (NS_STD | NS_VECOPS)
static const fn_def fns[] = {
    {"sqrt", STDV, K_MATH1, 0, 1, 1, M1_SQRT, 0}, {"cbrt", STDV, K_MATH1, 0, 1, 1, M1_CBRT, 0},
    {"exp", STDV, K_MATH1, 0, 1, 1, M1_EXP, 0},   {"exp2", STDV, K_MATH1, 0, 1, 1, M1_EXP2, 0},
    {"expm1", STDV, K_MATH1, 0, 1, 1, M1_EXPM1, 0}, {"log", STDV, K_MATH1, 0, 1, 1, M1_LOG, 0},
    {"log2", STDV, K_MATH1, 0, 1, 1, M1_LOG2, 0}, {"log10", STDV, K_MATH1, 0, 1, 1, M1_LOG10, 0},
    {"log1p", STDV, K_MATH1, 0, 1, 1, M1_LOG1P, 0}, {"sin", STDV, K_MATH1, 0, 1, 1, M1_SIN, 0},
    {"cos", STDV, K_MATH1, 0, 1, 1, M1_COS, 0},   {"tan", STDV, K_MATH1, 0, 1, 1, M1_TAN, 0},
    {"asin", STDV, K_MATH1, 0, 1, 1, M1_ASIN, 0}, {"acos", STDV, K_MATH1, 0, 1, 1, M1_ACOS, 0},
    {"atan", STDV, K_MATH1, 0, 1, 1, M1_ATAN, 0}, {"sinh", STDV, K_MATH1, 0, 1, 1, M1_SINH, 0},
    {"cosh", STDV, K_MATH1, 0, 1, 1, M1_COSH, 0}, {"tanh", STDV, K_MATH1, 0, 1, 1, M1_TANH, 0},
    {"floor", STDV, K_MATH1, 0, 1, 1, M1_FLOOR, 0}, {"ceil", STDV, K_MATH1, 0, 1, 1, M1_CEIL, 0},
    {"round", STDV, K_MATH1, 0, 1, 1, M1_ROUND, 0}, {"trunc", STDV, K_MATH1, 0, 1, 1, M1_TRUNC, 0},
    {"abs", STDV, K_ABS, 0, 1, 1, 0, 0},          {"fabs", STDV, K_FABS, 0, 1, 1, 0, 0},
    {"pow", STDV, K_MATH2, 0, 2, 2, M2_POW, 0},   {"atan2", STDV, K_MATH2, 0, 2, 2, M2_ATAN2, 0},
    {"hypot", STDV, K_MATH2, 0, 2, 2, M2_HYPOT, 0}, {"fmod", STDV, K_MATH2, 0, 2, 2, M2_FMOD, 0},
    {"fmin", STDV, K_MATH2, 0, 2, 2, M2_FMIN, 0}, {"fmax", STDV, K_MATH2, 0, 2, 2, M2_FMAX, 0},
    {"min", NS_STD, K_MINMAX, 0, 2, 2, M2_MIN, 0}, {"max", NS_STD, K_MINMAX, 0, 2, 2, M2_MAX, 0},
    /* TMath */
    {"Abs", NS_TMATH, K_ABS, 0, 1, 1, 0, 0},
    {"Sqrt", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_SQRT, 0},
    {"Exp", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_EXP, 0},
    {"Log", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_LOG, 0},
    {"Log2", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_LOG2, 0},
    {"Log10", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_LOG10, 0},
    {"Sin", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_SIN, 0},
    {"Cos", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_COS, 0},
    {"Tan", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_TAN, 0},
    {"ASin", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_ASIN, 0},
    {"ACos", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_ACOS, 0},
    {"ATan", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_ATAN, 0},
    {"SinH", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_SINH, 0},
    {"CosH", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_COSH, 0},
    {"TanH", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_TANH, 0},
    {"Floor", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_FLOOR, 0},
    {"Ceil", NS_TMATH, K_MATH1, F_DOUBLE, 1, 1, M1_CEIL, 0},
    {"Nint", NS_TMATH, K_NINT, 0, 1, 1, 0, 0},
    {"Sq", NS_TMATH, K_SQ, 0, 1, 1, 0, 0},
    {"Power", NS_TMATH, K_MATH2, F_DOUBLE, 2, 2, M2_POW, 0},
    {"ATan2", NS_TMATH, K_MATH2, F_DOUBLE, 2, 2, M2_ATAN2, 0},
    {"Hypot", NS_TMATH, K_MATH2, F_DOUBLE, 2, 2, M2_HYPOT, 0},
    {"Min", NS_TMATH, K_MINMAX, 0, 2, 2, M2_MIN, 0},
    {"Max", NS_TMATH, K_MINMAX, 0, 2, 2, M2_MAX, 0},
    {"Pi", NS_TMATH, K_CONST, 0, 0, 0, 0, 3.14159265358979323846},
    {"TwoPi", NS_TMATH, K_CONST, 0, 0, 0, 0, 6.28318530717958647692},
    {"PiOver2", NS_TMATH, K_CONST, 0, 0, 0, 0, 1.57079632679489661923},
    {"PiOver4", NS_TMATH, K_CONST, 0, 0, 0, 0, 0.78539816339744830962},
    {"E", NS_TMATH, K_CONST, 0, 0, 0, 0, 2.71828182845904523536},
    /* ROOT::VecOps */
    {"Sum", NS_VECOPS, K_RED, 0, 1, 1, OP_SUM, 0},
    {"Mean", NS_VECOPS, K_RED, 0, 1, 1, OP_MEAN, 0},
    {"Max", NS_VECOPS, K_MINMAX, 0, 1, 2, M2_MAX, 0},
    {"Min", NS_VECOPS, K_MINMAX, 0, 1, 2, M2_MIN, 0},
    {"ArgMax", NS_VECOPS, K_RED, 0, 1, 1, OP_ARGMAX, 0},
    {"ArgMin", NS_VECOPS, K_RED, 0, 1, 1, OP_ARGMIN, 0},
    {"Any", NS_VECOPS, K_RED, 0, 1, 1, OP_ANY, 0},
    {"All", NS_VECOPS, K_RED, 0, 1, 1, OP_ALL, 0},
    {"Length", NS_VECOPS, K_LEN, 0, 1, 1, 0, 0},
    {"size", NS_STD | NS_VECOPS, K_LEN, 0, 1, 1, 0, 0},
    {"Take", NS_VECOPS, K_TAKE, 0, 2, 2, 0, 0},
    {"Where", NS_VECOPS, K_WHERE, 0, 3, 3, 0, 0},
    {"DeltaPhi", NS_VECOPS, K_DPHI, 0, 2, 3, 0, 0},
    {"DeltaR", NS_VECOPS, K_DR, 0, 4, 5, 0, 0},
    {"InvariantMass", NS_VECOPS, K_MASS, 0, 4, 8, 0, 0},
    {"InvariantMasses", NS_VECOPS, K_MASSES, 0, 8, 8, 0, 0},
};

/* Namespace of a qualified name: NS_* mask it may come from (0: unknown); *base gets the
 * last component. Plain names may come from anywhere. */
static int split_ns(const char *name, size_t len, const char **base, size_t *blen)
{
    const char *last = name;
    for (size_t i = 0; i + 1 < len; i++)
        if (name[i] == ':' && name[i + 1] == ':')
            last = name + i + 2;
    *base = last;
    *blen = len - (size_t)(last - name);
    size_t plen = last == name ? 0 : (size_t)(last - name) - 2;
    static const struct { const char *p; int ns; } tab[] = {
        {"std", NS_STD}, {"TMath", NS_TMATH}, {"ROOT::VecOps", NS_VECOPS},
        {"ROOT", NS_VECOPS}, {"VecOps", NS_VECOPS}};
    if (!plen)
        return NS_STD | NS_TMATH | NS_VECOPS;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i].p) == plen && !memcmp(tab[i].p, name, plen))
            return tab[i].ns;
    return 0;
}

/* Finds the entry for name allowing nargs, or one with the name (for an arity message). */
static const fn_def *lookup(const char *name, size_t len, int nargs, int *arity_ok)
{
    const char *base;
    size_t blen;
    int ns = split_ns(name, len, &base, &blen);
    const fn_def *named = NULL;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        const fn_def *f = &fns[i];
        if (!(f->ns & ns) || strlen(f->name) != blen || memcmp(f->name, base, blen))
            continue;
        named = f;
        if (nargs >= f->nmin && nargs <= f->nmax) {
            *arity_ok = 1;
            return f;
        }
    }
    *arity_ok = 0;
    return named;
}

/* Float type of a math call: float32 only if every argument is float32 (and not TMath). */
static int float_type(ex_node **args, int nargs, int flags)
{
    if (flags & F_DOUBLE)
        return ET_F64;
    for (int k = 0; k < nargs; k++)
        if (args[k]->type != ET_F32)
            return ET_F64;
    return ET_F32;
}

static ex_node *type_error(ex_parser *ps, const fn_def *f, ex_node *a, const char *need, int pos)
{
    rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos, "type mismatch: %s needs %s, got a %s %s", f->name,
               need, a->jagged ? "vector of" : "flat", rf_ex_type_name(a->type));
    return NULL;
}

static ex_node *call_vector(ex_parser *ps, const fn_def *f, ex_node **a, int nargs, int pos)
{
    if (!a[0]->jagged)
        return type_error(ps, f, a[0], "a vector", pos);
    ex_node *nd;
    if (f->kind == K_LEN)
        nd = rf_ex_node_n(ps, OP_LEN, ET_I64, -1, a, 1, pos);
    else if (f->kind == K_MINMAX) {
        int t = a[0]->type == ET_BOOL ? ET_I64 : a[0]->type;
        nd = rf_ex_node_n(ps, f->id == M2_MAX ? OP_MAX : OP_MIN, t, t, a, 1, pos);
    } else {
        int op = f->id, t = a[0]->type == ET_BOOL ? ET_I64 : a[0]->type, at = t;
        if (op == OP_ANY || op == OP_ALL)
            t = at = ET_BOOL;
        else if (op == OP_SUM && a[0]->type == ET_BOOL)
            at = ET_BOOL; /* counted directly, no widening */
        else if (op == OP_MEAN)
            t = ET_F64;
        else if (op == OP_ARGMAX || op == OP_ARGMIN)
            t = ET_I64;
        nd = rf_ex_node_n(ps, op, t, at, a, nargs, pos);
    }
    if (nd)
        nd->jagged = 0;
    return nd;
}

static ex_node *call_take(ex_parser *ps, const fn_def *f, ex_node **a, int pos)
{
    if (!a[0]->jagged)
        return type_error(ps, f, a[0], "a vector", pos);
    if (a[1]->type != ET_I64 && a[1]->type != ET_BOOL)
        return type_error(ps, f, a[1], "integer indices or an integer count", pos);
    ex_node *args[2] = {a[0], rf_ex_cast(ps, a[1], ET_I64, 0, pos)};
    ex_node *nd = rf_ex_node_n(ps, a[1]->jagged ? OP_TAKE_IDX : OP_TAKE_N, a[0]->type, -1, args, 2,
                            pos);
    return nd;
}

/* DeltaPhi(phi1, phi2[, c]), DeltaR(eta1, eta2, phi1, phi2[, c]), InvariantMass(es). */
static ex_node *call_physics(ex_parser *ps, const fn_def *f, ex_node **a, int nargs, int pos)
{
    int t = float_type(a, nargs, 0);
    ex_node *args[EX_MAX_ARGS];
    memcpy(args, a, (size_t)nargs * sizeof *a);
    if (f->kind == K_DPHI || f->kind == K_DR) {
        int full = f->kind == K_DPHI ? 3 : 5;
        if (nargs < full)
            args[nargs++] = rf_ex_const_d(ps, ET_F64, 3.14159265358979323846, pos);
        return rf_ex_node_n(ps, f->kind == K_DPHI ? OP_DPHI : OP_DR, t, t, args, nargs, pos);
    }
    if (nargs == 8)
        return rf_ex_node_n(ps, OP_MASS2, t, t, args, 8, pos);
    if (nargs != 4) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos,
                   "wrong arguments: InvariantMass takes 4 vectors (pt, eta, phi, mass) or 8 "
                   "values, got %d", nargs);
        return NULL;
    }
    for (int k = 0; k < 4; k++)
        if (!a[k]->jagged)
            return type_error(ps, f, a[k], "vectors", pos);
    ex_node *nd = rf_ex_node_n(ps, OP_MASS4, t, t, args, 4, pos);
    if (nd)
        nd->jagged = 0;
    return nd;
}

static ex_node *call_math(ex_parser *ps, const fn_def *f, ex_node **a, int nargs, int pos)
{
    ex_node *nd;
    switch (f->kind) {
    case K_MATH1: {
        int t = float_type(a, 1, f->flags);
        nd = rf_ex_node_fn(ps, OP_MATH1, f->id, t, t, a, 1, pos);
        break;
    }
    case K_FABS: {
        int t = float_type(a, 1, 0);
        nd = rf_ex_node_n(ps, OP_ABS, t, t, a, 1, pos);
        break;
    }
    case K_ABS: {
        int t = a[0]->type == ET_BOOL ? ET_I64 : a[0]->type;
        nd = rf_ex_node_n(ps, OP_ABS, t, t, a, 1, pos);
        break;
    }
    case K_SQ:
        return rf_ex_binary(ps, OP_MUL, a[0], a[0], pos);
    case K_NINT: {
        ex_node *r = rf_ex_node_fn(ps, OP_MATH1, M1_RINT, ET_F64, ET_F64, a, 1, pos);
        return rf_ex_cast(ps, r, ET_I64, W_S32, pos);
    }
    default: { /* K_MATH2, K_MINMAX with 2 args */
        int t;
        if (f->kind == K_MINMAX)
            t = a[0]->type > a[1]->type ? a[0]->type : a[1]->type;
        else
            t = float_type(a, 2, f->flags);
        if (t == ET_BOOL)
            t = ET_I64;
        nd = rf_ex_node_fn(ps, OP_MATH2, f->id, t, t, a, 2, pos);
        break;
    }
    }
    (void)nargs;
    return nd;
}

ex_node *rf_ex_call(ex_parser *ps, const char *name, size_t len, ex_node **args, int nargs, int pos)
{
    for (int k = 0; k < nargs; k++)
        if (!args[k])
            return NULL;
    int arity_ok;
    const fn_def *f = lookup(name, len, nargs, &arity_ok);
    int shown = (int)(len > 60 ? 60 : len);
    if (!f) {
        rf_ex_fail_at(ps, RF_ERR_NOT_FOUND, (size_t)pos, "unknown function '%.*s'", shown, name);
        return NULL;
    }
    if (!arity_ok) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos, "wrong arguments: '%.*s' takes %d to %d, got %d",
                   shown, name, f->nmin, f->nmax, nargs);
        return NULL;
    }
    switch (f->kind) {
    case K_CONST:
        return rf_ex_const_d(ps, ET_F64, f->value, pos);
    case K_RED:
    case K_LEN:
        return call_vector(ps, f, args, nargs, pos);
    case K_MINMAX:
        return nargs == 1 ? call_vector(ps, f, args, nargs, pos) : call_math(ps, f, args, 2, pos);
    case K_TAKE:
        return call_take(ps, f, args, pos);
    case K_WHERE:
        return rf_ex_select(ps, args[0], args[1], args[2], pos);
    case K_DPHI:
    case K_DR:
    case K_MASS:
    case K_MASSES:
        return call_physics(ps, f, args, nargs, pos);
    default:
        return call_math(ps, f, args, nargs, pos);
    }
}
