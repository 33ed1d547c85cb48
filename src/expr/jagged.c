/* jagged.c - operations on vectors (ROOT::VecOps semantics) over one block: v[i], v[mask],
 * Take, and the reductions Sum, Mean, Max, Min, ArgMax, ArgMin, Any, All, size and the
 * four-vector InvariantMass. A block's vector is an item array with offsets from 0; values
 * are copied as bits where the type does not matter. Out-of-range reads give NaN or 0 and are
 * counted for the entries that are active (see rf_ex_active). */
#include <math.h>
#include <string.h>

#include "../common/error.h"
#include "expr.h"

static uint64_t default_bits(int type)
{
    return type == ET_F32 ? 0x7fc00000u : type == ET_F64 ? 0x7ff8000000000000u : 0;
}

static int reserve(ex_node *nd, ex_ctx *c, int64_t n, int64_t noff)
{
    if (!rf_ex_reserve(&nd->buf, &nd->cap, (size_t)(n ? n : 1) * rf_ex_type_size(nd->type)) ||
        (noff && !rf_ex_reserve((void **)&nd->obuf, &nd->ocap, (size_t)noff * sizeof(int64_t)))) {
        rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
        return 0;
    }
    return 1;
}

#define BY_SIZE(sz, MACRO)                                                                     \
    do {                                                                                       \
        if ((sz) == 1)                                                                         \
            MACRO(uint8_t);                                                                    \
        else if ((sz) == 4)                                                                    \
            MACRO(uint32_t);                                                                   \
        else                                                                                   \
            MACRO(uint64_t);                                                                   \
    } while (0)

/* v[i]: flat result. */
#define INDEX_LOOP(T)                                                                          \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        T *o = nd->buf, dflt = (T)dbits;                                                       \
        for (int64_t e = 0; e < nb; e++) {                                                     \
            int64_t len = off[e + 1] - off[e], k = idx[si ? 0 : e];                            \
            if ((uint64_t)k < (uint64_t)len) {                                                 \
                o[e] = a[off[e] + k];                                                          \
            } else {                                                                           \
                o[e] = dflt;                                                                   \
                bad += !act || act[e];                                                         \
            }                                                                                  \
        }                                                                                      \
    } while (0)

static rf_status eval_index(ex_node *nd, ex_ctx *c)
{
    const ex_val *v = &nd->arg[0]->v;
    const int64_t *off = v->off, *idx = nd->arg[1]->v.p;
    int si = nd->arg[1]->v.scalar;
    int64_t nb = c->nb, bad = 0;
    uint64_t dbits = default_bits(nd->type);
    if (!reserve(nd, c, nb, 0))
        return RF_ERR_NOMEM;
    const uint8_t *act = rf_ex_active(nd, c);
    BY_SIZE(rf_ex_type_size(nd->type), INDEX_LOOP);
    c->st->out_of_range += bad;
    nd->v = (ex_val){nd->buf, NULL, nb, 0};
    return RF_OK;
}

/* v[mask]: keeps the items where mask is true. */
#define MASK_LOOP(T)                                                                           \
    do {                                                                                       \
        const T *a = p[0];                                                                     \
        T *o = nd->buf;                                                                        \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            for (int64_t j = off[e]; j < off[e + 1]; j++) {                                    \
                o[k] = a[j];                                                                   \
                k += m[j];                                                                     \
            }                                                                                  \
            no[e + 1] = k;                                                                     \
        }                                                                                      \
    } while (0)

static rf_status eval_mask(ex_node *nd, ex_ctx *c)
{
    const void *p[EX_MAX_ARGS];
    int s[EX_MAX_ARGS];
    int64_t n, k = 0;
    const int64_t *off;
    RF_TRY(rf_ex_align(nd, c, p, s, &n, &off));
    if (!reserve(nd, c, n, c->nb + 1))
        return RF_ERR_NOMEM;
    const uint8_t *m = p[1];
    int64_t *no = nd->obuf;
    no[0] = 0;
    BY_SIZE(rf_ex_type_size(nd->type), MASK_LOOP);
    nd->v = (ex_val){nd->buf, no, k, 0};
    return RF_OK;
}

/* Take(v, indices): v's items at the given indices, per entry. */
#define TAKE_IDX_LOOP(T)                                                                       \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        T *o = nd->buf, dflt = (T)dbits;                                                       \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            int64_t len = voff[e + 1] - voff[e];                                               \
            for (int64_t j = ioff[e]; j < ioff[e + 1]; j++) {                                  \
                if ((uint64_t)idx[j] < (uint64_t)len) {                                        \
                    o[j] = a[voff[e] + idx[j]];                                                \
                } else {                                                                       \
                    o[j] = dflt;                                                               \
                    bad += !act || act[e];                                                     \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    } while (0)

static rf_status eval_take_idx(ex_node *nd, ex_ctx *c)
{
    const ex_val *v = &nd->arg[0]->v, *iv = &nd->arg[1]->v;
    const int64_t *voff = v->off, *ioff = iv->off, *idx = iv->p;
    int64_t bad = 0;
    uint64_t dbits = default_bits(nd->type);
    if (!reserve(nd, c, iv->n, 0))
        return RF_ERR_NOMEM;
    const uint8_t *act = rf_ex_active(nd, c);
    BY_SIZE(rf_ex_type_size(nd->type), TAKE_IDX_LOOP);
    c->st->out_of_range += bad;
    nd->v = (ex_val){nd->buf, ioff, iv->n, 0};
    return RF_OK;
}

/* Take(v, n): the first n items (n < 0: the last -n); |n| > size takes all and counts. */
#define TAKE_N_LOOP(T)                                                                         \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        T *o = nd->buf;                                                                        \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            int64_t len = off[e + 1] - off[e], want = cnt[sn ? 0 : e];                         \
            uint64_t absn = want < 0 ? 0 - (uint64_t)want : (uint64_t)want;                    \
            if (absn > (uint64_t)len) {                                                        \
                absn = (uint64_t)len;                                                          \
                bad += !act || act[e];                                                         \
            }                                                                                  \
            int64_t from = want < 0 ? off[e + 1] - (int64_t)absn : off[e];                     \
            for (int64_t j = 0; j < (int64_t)absn; j++)                                        \
                o[k++] = a[from + j];                                                          \
            no[e + 1] = k;                                                                     \
        }                                                                                      \
    } while (0)

static rf_status eval_take_n(ex_node *nd, ex_ctx *c)
{
    const ex_val *v = &nd->arg[0]->v;
    const int64_t *off = v->off, *cnt = nd->arg[1]->v.p;
    int sn = nd->arg[1]->v.scalar;
    int64_t bad = 0, k = 0;
    if (!reserve(nd, c, v->n, c->nb + 1))
        return RF_ERR_NOMEM;
    const uint8_t *act = rf_ex_active(nd, c);
    int64_t *no = nd->obuf;
    no[0] = 0;
    BY_SIZE(rf_ex_type_size(nd->type), TAKE_N_LOOP);
    c->st->out_of_range += bad;
    nd->v = (ex_val){nd->buf, no, k, 0};
    return RF_OK;
}

/* ---- reductions ------------------------------------------------------------------------- */

#define SUM_LOOP(T, ACC, ADD)                                                                  \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        T *o = nd->buf;                                                                        \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            ACC s = 0;                                                                         \
            for (int64_t j = off[e]; j < off[e + 1]; j++)                                      \
                s = ADD;                                                                       \
            o[e] = (T)s;                                                                       \
        }                                                                                      \
    } while (0)

/* Running totals of integer or bool items (wrapping), so that an entry's sum is the
 * difference of two totals: no inner loop over each entry's few items. Returns NULL on
 * allocation failure. */
static const uint64_t *running_totals(ex_node *nd, ex_ctx *c, const ex_val *v, int type)
{
    if (!rf_ex_reserve(&nd->bc[0], &nd->bccap[0], (size_t)(v->n + 1) * sizeof(uint64_t))) {
        rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
        return NULL;
    }
    uint64_t *cum = nd->bc[0], acc = 0;
    cum[0] = 0;
    if (type == ET_BOOL) {
        const uint8_t *a = v->p;
        for (int64_t j = 0; j < v->n; j++)
            cum[j + 1] = acc += a[j];
    } else {
        const int64_t *a = v->p;
        for (int64_t j = 0; j < v->n; j++)
            cum[j + 1] = acc += (uint64_t)a[j];
    }
    return cum;
}

static rf_status eval_count(ex_node *nd, ex_ctx *c, const ex_val *v, const int64_t *off)
{
    const uint64_t *cum = running_totals(nd, c, v, nd->arg[0]->type);
    if (!cum)
        return RF_ERR_NOMEM;
    if (nd->op == OP_SUM) {
        int64_t *o = nd->buf;
        for (int64_t e = 0; e < c->nb; e++)
            o[e] = (int64_t)(cum[off[e + 1]] - cum[off[e]]);
    } else {
        uint8_t *o = nd->buf;
        int all = nd->op == OP_ALL;
        for (int64_t e = 0; e < c->nb; e++) {
            uint64_t k = cum[off[e + 1]] - cum[off[e]];
            o[e] = all ? k == (uint64_t)(off[e + 1] - off[e]) : k != 0;
        }
    }
    return RF_OK;
}

static void eval_sum(ex_node *nd, ex_ctx *c, const ex_val *v, const int64_t *off)
{
    if (nd->type == ET_F32)
        SUM_LOOP(float, float, s + a[j]);
    else
        SUM_LOOP(double, double, s + a[j]);
}

#define MEAN_LOOP(T)                                                                           \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            double s = 0;                                                                      \
            for (int64_t j = off[e]; j < off[e + 1]; j++)                                      \
                s += (double)a[j];                                                             \
            o[e] = off[e + 1] > off[e] ? s / (double)(off[e + 1] - off[e]) : 0.0;              \
        }                                                                                      \
    } while (0)

static void eval_mean(ex_node *nd, ex_ctx *c, const ex_val *v, const int64_t *off)
{
    double *o = nd->buf;
    int t = nd->arg[0]->type;
    if (t == ET_I64)
        MEAN_LOOP(int64_t);
    else if (t == ET_F32)
        MEAN_LOOP(float);
    else
        MEAN_LOOP(double);
}

/* std::max_element / min_element: the first best item, compared with '<' as C++ does. */
#define BEST_LOOP(T, BETTER, ARG)                                                              \
    do {                                                                                       \
        const T *a = v->p;                                                                     \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            int64_t best = off[e];                                                             \
            for (int64_t j = off[e] + 1; j < off[e + 1]; j++)                                  \
                if (BETTER)                                                                    \
                    best = j;                                                                  \
            if (ARG) {                                                                         \
                ((int64_t *)nd->buf)[e] = best - off[e];                                       \
            } else if (off[e + 1] > off[e]) {                                                  \
                ((T *)nd->buf)[e] = a[best];                                                   \
            } else {                                                                           \
                ((T *)nd->buf)[e] = (T)dflt;                                                   \
                empty += !act || act[e];                                                       \
            }                                                                                  \
        }                                                                                      \
    } while (0)

#define BEST_TYPED(T)                                                                          \
    do {                                                                                       \
        if (max)                                                                               \
            BEST_LOOP(T, a[best] < a[j], arg);                                                 \
        else                                                                                   \
            BEST_LOOP(T, a[j] < a[best], arg);                                                 \
    } while (0)

static void eval_best(ex_node *nd, ex_ctx *c, const ex_val *v, const int64_t *off)
{
    int max = nd->op == OP_MAX || nd->op == OP_ARGMAX;
    int arg = nd->op == OP_ARGMAX || nd->op == OP_ARGMIN;
    int t = nd->arg[0]->type;
    double dflt = t == ET_I64 ? 0.0 : NAN;
    int64_t empty = 0;
    const uint8_t *act = arg ? NULL : rf_ex_active(nd, c);
    if (t == ET_I64)
        BEST_TYPED(int64_t);
    else if (t == ET_F32)
        BEST_TYPED(float);
    else
        BEST_TYPED(double);
    c->st->empty_reduction += empty;
}

/* InvariantMass(pt, eta, phi, mass): mass of the sum of a vector's four-vectors, summed in
 * the argument type as ROOT's template. */
#define MASS4_LOOP(T, COS, SIN, SINH, SQRT)                                                    \
    do {                                                                                       \
        const T *pt = p[0], *eta = p[1], *phi = p[2], *m = p[3];                               \
        T *o = nd->buf;                                                                        \
        for (int64_t e = 0; e < c->nb; e++) {                                                  \
            T xs = 0, ys = 0, zs = 0, es = 0;                                                  \
            for (int64_t j = off[e]; j < off[e + 1]; j++) {                                    \
                T x = pt[j] * COS(phi[j]), y = pt[j] * SIN(phi[j]), z = pt[j] * SINH(eta[j]);  \
                xs += x;                                                                       \
                ys += y;                                                                       \
                zs += z;                                                                       \
                es += SQRT(x * x + y * y + z * z + m[j] * m[j]);                               \
            }                                                                                  \
            o[e] = SQRT(es * es - xs * xs - ys * ys - zs * zs);                                \
        }                                                                                      \
    } while (0)

static rf_status eval_mass4(ex_node *nd, ex_ctx *c)
{
    const void *p[4];
    const int64_t *off = nd->arg[0]->v.off;
    for (int k = 0; k < 4; k++) {
        RF_TRY(rf_ex_check_offsets(nd, c, off, nd->arg[k]->v.off));
        p[k] = nd->arg[k]->v.p;
    }
    if (nd->type == ET_F32)
        MASS4_LOOP(float, cosf, sinf, sinhf, sqrtf);
    else
        MASS4_LOOP(double, cos, sin, sinh, sqrt);
    return RF_OK;
}

static rf_status eval_reduction(ex_node *nd, ex_ctx *c)
{
    const ex_val *v = &nd->arg[0]->v;
    const int64_t *off = v->off;
    if (!reserve(nd, c, c->nb, 0))
        return RF_ERR_NOMEM;
    nd->v = (ex_val){nd->buf, NULL, c->nb, 0};
    switch (nd->op) {
    case OP_SUM:
        if (nd->type == ET_I64)
            return eval_count(nd, c, v, off);
        eval_sum(nd, c, v, off);
        break;
    case OP_MEAN: eval_mean(nd, c, v, off); break;
    case OP_ANY: case OP_ALL: return eval_count(nd, c, v, off);
    case OP_MASS4: return eval_mass4(nd, c);
    case OP_LEN:
        for (int64_t e = 0; e < c->nb; e++)
            ((int64_t *)nd->buf)[e] = off[e + 1] - off[e];
        break;
    default: eval_best(nd, c, v, off); break;
    }
    return RF_OK;
}

rf_status rf_ex_eval_vector(ex_node *nd, ex_ctx *c)
{
    switch (nd->op) {
    case OP_INDEX: return eval_index(nd, c);
    case OP_MASK: return eval_mask(nd, c);
    case OP_TAKE_IDX: return eval_take_idx(nd, c);
    case OP_TAKE_N: return eval_take_n(nd, c);
    default: return eval_reduction(nd, c);
    }
}
