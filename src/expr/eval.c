/* eval.c - compiling (parse, then list the nodes in post-order with their short-circuit
 * guards) and evaluating an expression over a chunk of decoded columns, one block of
 * EX_BLOCK entries at a time: inputs are sliced (jagged offsets rebased to 0, narrow integers
 * widened to int64), every node computes its block array, and the root's block is appended to
 * the output column. Input columns are checked (dtype, entry count, monotone offsets within
 * the values) before any value is read, so bad buffers give an error, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "../common/buffer.h"
#include "../common/error.h"
#include "../common/table.h"
#include "expr.h"

int rf_ex_reserve(void **p, size_t *cap, size_t bytes)
{
    return rf_grow(p, cap, bytes, RF_MAX_ALLOC, "expression buffer", NULL) == RF_OK;
}

/* ---- helpers for the node evaluators ---------------------------------------------------- */

const uint8_t *rf_ex_active(ex_node *nd, ex_ctx *c)
{
    if (!c->active && !nd->nguards)
        return NULL;
    uint8_t *m = c->gmask;
    if (c->active)
        memcpy(m, c->active + c->b0, (size_t)c->nb);
    else
        memset(m, 1, (size_t)c->nb);
    for (int g = 0; g < nd->nguards; g++) {
        const ex_val *v = &nd->guard[g]->v;
        const uint8_t *b = v->p;
        uint8_t want = nd->want[g];
        for (int64_t e = 0; e < c->nb; e++)
            m[e] &= b[v->scalar ? 0 : e] == want;
    }
    return m;
}

rf_status rf_ex_check_offsets(ex_node *nd, ex_ctx *c, const int64_t *o1, const int64_t *o2)
{
    if (o1 == o2 || !memcmp(o1, o2, (size_t)(c->nb + 1) * sizeof *o1))
        return RF_OK;
    int64_t e = 0;
    while (o1[e + 1] - o1[e] == o2[e + 1] - o2[e])
        e++;
    return rf_fail(c->err, RF_ERR_ARG,
                   "expression '%.200s' at column %d: vectors of different sizes in entry %lld "
                   "(%lld and %lld items)",
                   c->text, nd->pos + 1, (long long)(c->entry0 + e),
                   (long long)(o1[e + 1] - o1[e]), (long long)(o2[e + 1] - o2[e]));
}

/* Repeats each entry's flat value over the entry's items. */
#define EXPAND(T)                                                                              \
    do {                                                                                       \
        const T *s = src;                                                                      \
        T *d = dst;                                                                            \
        for (int64_t e = 0; e < nb; e++)                                                       \
            for (int64_t j = off[e]; j < off[e + 1]; j++)                                      \
                d[j] = s[e];                                                                   \
    } while (0)

static void expand(const void *src, size_t sz, const int64_t *off, int64_t nb, void *dst)
{
    if (sz == 1)
        EXPAND(uint8_t);
    else if (sz == 4)
        EXPAND(uint32_t);
    else
        EXPAND(uint64_t);
}

rf_status rf_ex_align(ex_node *nd, ex_ctx *c, const void **p, int *scal, int64_t *n,
                   const int64_t **off)
{
    const int64_t *o = NULL;
    int all_scalar = 1;
    for (int k = 0; k < nd->nargs; k++) {
        const ex_node *a = nd->arg[k];
        all_scalar &= a->v.scalar;
        p[k] = a->v.p;
        scal[k] = a->v.scalar;
        if (a->jagged && !o)
            o = a->v.off;
        else if (a->jagged)
            RF_TRY(rf_ex_check_offsets(nd, c, o, a->v.off));
    }
    *off = o;
    if (!o) {
        *n = all_scalar ? 1 : c->nb;
        return RF_OK;
    }
    *n = o[c->nb];
    for (int k = 0; k < nd->nargs; k++) {
        ex_node *a = nd->arg[k];
        if (a->jagged || a->v.scalar)
            continue;
        size_t sz = rf_ex_type_size(a->type);
        if (!rf_ex_reserve(&nd->bc[k], &nd->bccap[k], (size_t)(*n ? *n : 1) * sz))
            return rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
        expand(a->v.p, sz, o, c->nb, nd->bc[k]);
        p[k] = nd->bc[k];
    }
    return RF_OK;
}

/* ---- leaves ------------------------------------------------------------------------------ */

#define WIDEN(T)                                                                               \
    do {                                                                                       \
        const T *s = src;                                                                      \
        for (int64_t i = 0; i < count; i++)                                                    \
            o[i] = s[i];                                                                       \
    } while (0)

/* Makes count values of dtype at src usable as the node's type; returns the pointer. */
static const void *load_values(ex_node *nd, ex_ctx *c, rf_dtype dt, const void *src, int64_t count)
{
    if (dt == RF_FLOAT32 || dt == RF_FLOAT64 || dt == RF_INT64 || dt == RF_UINT64)
        return src;
    if (!rf_ex_reserve(&nd->buf, &nd->cap, (size_t)(count ? count : 1) * 8)) {
        rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
        return NULL;
    }
    if (dt == RF_BOOL) {
        const uint8_t *s = src;
        uint8_t *o = nd->buf;
        for (int64_t i = 0; i < count; i++)
            o[i] = s[i] != 0;
        return o;
    }
    int64_t *o = nd->buf;
    switch (dt) {
    case RF_INT8: WIDEN(int8_t); break;
    case RF_UINT8: WIDEN(uint8_t); break;
    case RF_INT16: WIDEN(int16_t); break;
    case RF_UINT16: WIDEN(uint16_t); break;
    case RF_INT32: WIDEN(int32_t); break;
    default: WIDEN(uint32_t); break;
    }
    return o;
}

static rf_status eval_col(ex_node *nd, ex_ctx *c)
{
    const rf_expr_column *col = c->cols[nd->input];
    const rf_column_data *d = col->data;
    int64_t fixed = col->fixed > 1 ? col->fixed : 0, first = c->b0, count = c->nb;
    const int64_t *off = NULL;
    if (nd->jagged) {
        if (!rf_ex_reserve((void **)&nd->obuf, &nd->ocap, (size_t)(c->nb + 1) * sizeof(int64_t)))
            return rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
        const int64_t *o = col->nlevels ? d->offsets[0] + c->b0 : NULL;
        first = o ? o[0] : c->b0 * fixed;
        count = o ? o[c->nb] - first : c->nb * fixed;
        for (int64_t k = 0; k <= c->nb; k++)
            nd->obuf[k] = o ? o[k] - first : k * fixed;
        off = nd->obuf;
    }
    const char *src = (const char *)d->values + (size_t)first * rf_dtype_size(d->dtype);
    const void *p = count ? load_values(nd, c, d->dtype, src, count) : nd->buf;
    if (count && !p)
        return RF_ERR_NOMEM;
    nd->v = (ex_val){p, off, count, 0};
    return RF_OK;
}

static rf_status eval_entry(ex_node *nd, ex_ctx *c)
{
    if (!rf_ex_reserve(&nd->buf, &nd->cap, (size_t)c->nb * 8 + 8))
        return rf_fail(c->err, RF_ERR_NOMEM, "out of memory evaluating an expression");
    int64_t *o = nd->buf;
    for (int64_t k = 0; k < c->nb; k++)
        o[k] = c->entry0 + k;
    nd->v = (ex_val){o, NULL, c->nb, 0};
    return RF_OK;
}

rf_status rf_ex_eval_node(ex_node *nd, ex_ctx *c)
{
    switch (nd->op) {
    case OP_CONST: return RF_OK;
    case OP_COL: return eval_col(nd, c);
    case OP_ENTRY: return eval_entry(nd, c);
    default:
        return nd->op <= OP_MASS2 ? rf_ex_eval_elementwise(nd, c) : rf_ex_eval_vector(nd, c);
    }
}

/* ---- compile ----------------------------------------------------------------------------- */

static int counts_out_of_range(int op)
{
    return op == OP_INDEX || op == OP_TAKE_IDX || op == OP_TAKE_N || op == OP_MAX || op == OP_MIN;
}

/* Appends nd's subtree in post-order. g/want/ng: the flat conditions that must hold for nd
 * to be evaluated in C++ (right operands of && and ||, branches of ?:). Heights are bounded
 * by EX_MAX_HEIGHT, so the recursion is too. */
static void linearise(rf_expr *e, ex_node *nd, ex_node **g, uint8_t *want, int ng)
{
    if (nd->visited)
        return;
    nd->visited = 1;
    if (counts_out_of_range(nd->op)) {
        nd->nguards = ng;
        memcpy(nd->guard, g, (size_t)ng * sizeof *g);
        memcpy(nd->want, want, (size_t)ng);
    }
    for (int k = 0; k < nd->nargs; k++) {
        ex_node *a0 = nd->arg[0];
        int guard = k > 0 && !a0->jagged && a0->op != OP_CONST && ng < EX_MAX_GUARDS &&
                    (nd->op == OP_AND || nd->op == OP_OR || (nd->op == OP_SELECT && nd->fn));
        if (guard) {
            g[ng] = a0;
            want[ng] = nd->op == OP_AND || (nd->op == OP_SELECT && k == 1);
        }
        linearise(e, nd->arg[k], g, want, ng + guard);
    }
    e->order[e->norder++] = nd;
}

void rf_expr_free(rf_expr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->npool; i++) {
        ex_node *nd = e->pool[i];
        free(nd->buf);
        free(nd->obuf);
        for (int k = 0; k < EX_MAX_ARGS; k++)
            free(nd->bc[k]);
        free(nd);
    }
    for (int i = 0; i < e->ninputs; i++)
        free(e->inputs[i].name);
    free(e->inputs);
    free(e->pool);
    free(e->order);
    free(e->gmask);
    free(e->text);
    free(e);
}

rf_status rf_expr_compile(const char *text, const rf_expr_column *schema, size_t ncols,
                          rf_expr **out, rf_error *err)
{
    *out = NULL;
    RF_CHECK(text && (schema || !ncols), err, RF_ERR_ARG, "rf_expr_compile: NULL argument");
    for (size_t i = 0; i < ncols; i++)
        RF_CHECK(schema[i].name, err, RF_ERR_ARG, "rf_expr_compile: column %zu has no name", i);
    size_t len = strlen(text);
    RF_CHECK(len <= EX_MAX_TEXT, err, RF_ERR_ARG, "expression of %zu bytes is too long", len);
    rf_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->text = strdup(text)) || !(e->gmask = malloc(EX_BLOCK))) {
        rf_expr_free(e);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory compiling an expression");
    }
    ex_parser ps = {.text = e->text, .len = len, .schema = schema, .nschema = ncols, .e = e,
                    .err = err};
    ex_node *root = rf_ex_parse(&ps);
    if (root && !(e->order = malloc((size_t)e->npool * sizeof *e->order)))
        root = NULL, ps.code = rf_fail(err, RF_ERR_NOMEM, "out of memory compiling an expression");
    if (!root) {
        rf_expr_free(e);
        return ps.code ? ps.code : RF_ERR_ARG;
    }
    ex_node *g[EX_MAX_GUARDS];
    uint8_t want[EX_MAX_GUARDS];
    linearise(e, root, g, want, 0);
    *out = e;
    return RF_OK;
}

/* ---- evaluate ---------------------------------------------------------------------------- */

static const ex_node *root_of(const rf_expr *e) { return e->order[e->norder - 1]; }

rf_dtype rf_expr_dtype(const rf_expr *e) { return rf_ex_type_dtype(root_of(e)->type); }
int rf_expr_nlevels(const rf_expr *e) { return root_of(e)->jagged; }
const char *rf_expr_text(const rf_expr *e) { return e->text; }
size_t rf_expr_ninputs(const rf_expr *e) { return (size_t)e->ninputs; }
const char *rf_expr_input(const rf_expr *e, size_t i)
{
    return i < (size_t)e->ninputs ? e->inputs[i].name : NULL;
}
void rf_expr_get_stats(const rf_expr *e, rf_expr_stats *st) { *st = e->stats; }

void rf_expr_column_from_info(const rf_column_info *info, rf_expr_column *c)
{
    int64_t fixed = 1;
    for (int d = 0; d < info->ndims && d < RF_MAX_DIMS; d++)
        fixed *= info->shape[d];
    int nlevels = info->kind == RF_KIND_JAGGED ? info->nlevels : info->kind == RF_KIND_STRING ? -1 : 0;
    *c = (rf_expr_column){info->name, info->dtype, nlevels, info->ndims ? fixed : 0, NULL};
}

/* Checks one input's buffers against what the expression needs. */
static rf_status check_input(const rf_expr *e, const ex_input *in, const rf_expr_column *col,
                             int64_t n, rf_error *err)
{
    const rf_column_data *d = col->data;
    const char *t = e->text;
    RF_CHECK(d, err, RF_ERR_ARG, "expression '%.200s': column '%s' has no data", t, in->name);
    int64_t fixed = col->fixed > 1 ? col->fixed : 0, want = in->fixed > 1 ? in->fixed : 0;
    RF_CHECK(d->dtype == in->dtype && d->nlevels == in->nlevels && fixed == want, err,
             RF_ERR_ARG, "expression '%.200s': column '%s' is %s with %d levels, compiled for %s "
             "with %d", t, in->name, rf_dtype_name(d->dtype), d->nlevels,
             rf_dtype_name(in->dtype), in->nlevels);
    RF_CHECK(d->nentries == n, err, RF_ERR_ARG,
             "expression '%.200s': column '%s' holds %lld entries, expected %lld", t, in->name,
             (long long)d->nentries, (long long)n);
    int64_t need = n * (in->fixed > 1 ? in->fixed : 1);
    if (in->nlevels == 1) {
        const int64_t *o = d->offsets[0];
        RF_CHECK(o && o[0] == 0, err, RF_ERR_ARG,
                 "expression '%.200s': column '%s' offsets do not start at 0", t, in->name);
        for (int64_t i = 0; i < n; i++)
            RF_CHECK(o[i + 1] >= o[i], err, RF_ERR_ARG,
                     "expression '%.200s': column '%s' offsets decrease at entry %lld", t,
                     in->name, (long long)i);
        need = o[n];
    }
    RF_CHECK(d->nvalues >= need && (d->values || !need), err, RF_ERR_ARG,
             "expression '%.200s': column '%s' holds %lld values, its offsets need %lld", t,
             in->name, (long long)d->nvalues, (long long)need);
    return RF_OK;
}

static rf_status resolve_inputs(const rf_expr *e, const rf_expr_column *cols, size_t ncols,
                                int64_t n, const rf_expr_column **res, rf_error *err)
{
    for (int i = 0; i < e->ninputs; i++) {
        res[i] = NULL;
        for (size_t j = 0; j < ncols && !res[i]; j++)
            if (cols[j].name && !strcmp(cols[j].name, e->inputs[i].name))
                res[i] = &cols[j];
        RF_CHECK(res[i], err, RF_ERR_NOT_FOUND, "expression '%.200s': column '%s' not given",
                 e->text, e->inputs[i].name);
        RF_TRY(check_input(e, &e->inputs[i], res[i], n, err));
    }
    return RF_OK;
}

static rf_status prepare_output(const ex_node *root, int64_t n, rf_column_data *out,
                                rf_error *err)
{
    out->dtype = rf_ex_type_dtype(root->type);
    out->nlevels = root->jagged;
    out->nentries = n;
    out->nvalues = root->jagged ? 0 : n;
    if (root->jagged) {
        RF_TRY(rf_coldata_reserve_offsets(out, 0, n, err));
        out->offsets[0][0] = 0;
        return RF_OK;
    }
    return rf_coldata_reserve_values(out, n, err);
}

static rf_status append_block(const ex_node *root, const ex_ctx *c, rf_column_data *out,
                              rf_error *err)
{
    size_t sz = rf_ex_type_size(root->type);
    const ex_val *v = &root->v;
    if (!root->jagged) {
        char *dst = (char *)out->values + (size_t)c->b0 * sz;
        if (v->scalar)
            for (int64_t k = 0; k < c->nb; k++)
                memcpy(dst + (size_t)k * sz, v->p, sz);
        else
            memcpy(dst, v->p, (size_t)c->nb * sz);
        return RF_OK;
    }
    int64_t base = out->offsets[0][c->b0];
    RF_TRY(rf_coldata_reserve_values(out, base + v->n, err));
    if (v->n)
        memcpy((char *)out->values + (size_t)base * sz, v->p, (size_t)v->n * sz);
    for (int64_t k = 1; k <= c->nb; k++)
        out->offsets[0][c->b0 + k] = base + v->off[k];
    out->nvalues = base + v->n;
    return RF_OK;
}

rf_status rf_expr_eval_active(rf_expr *e, const rf_expr_column *cols, size_t ncols,
                              int64_t first_entry, int64_t n, const uint8_t *active,
                              rf_column_data *out, rf_error *err)
{
    RF_CHECK(e && out && n >= 0 && (cols || !ncols), err, RF_ERR_ARG,
             "rf_expr_eval: bad argument");
    const rf_expr_column *stack_res[16], **res = stack_res;
    if (e->ninputs > 16 && !(res = malloc((size_t)e->ninputs * sizeof *res)))
        return rf_fail(err, RF_ERR_NOMEM, "out of memory evaluating an expression");
    rf_status s = resolve_inputs(e, cols, ncols, n, res, err);
    const ex_node *root = root_of(e);
    if (s == RF_OK)
        s = prepare_output(root, n, out, err);
    for (int64_t b0 = 0; s == RF_OK && b0 < n; b0 += EX_BLOCK) {
        ex_ctx c = {err, e->text, first_entry + b0, b0, n - b0 < EX_BLOCK ? n - b0 : EX_BLOCK,
                    active, res, e->gmask, &e->stats};
        for (int i = 0; s == RF_OK && i < e->norder; i++)
            s = rf_ex_eval_node(e->order[i], &c);
        if (s == RF_OK)
            s = append_block(root, &c, out, err);
    }
    if (s == RF_OK)
        e->stats.entries += n;
    if (res != stack_res)
        free(res);
    return s;
}

rf_status rf_expr_eval(rf_expr *e, const rf_expr_column *cols, size_t ncols,
                       int64_t first_entry, int64_t n, rf_column_data *out, rf_error *err)
{
    return rf_expr_eval_active(e, cols, ncols, first_entry, n, NULL, out, err);
}
