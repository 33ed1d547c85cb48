/* build.c - typed node constructors used by the parser. Each applies the C++ conversion rules
 * of its operator (bool -> int in arithmetic, int op float -> float, anything op double ->
 * double, conditions -> bool), inserting OP_CAST nodes so that evaluation kernels only ever
 * see operands of one type; rejects what C++ would reject (% or bit operations on floats,
 * indexing a flat value) with a positioned "type mismatch" error; and folds constant
 * subtrees by evaluating them once at compile time. */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "../common/error.h"

size_t rf_ex_type_size(int t)
{
    static const size_t sz[ET_COUNT] = {1, 8, 4, 8};
    return sz[t];
}

const char *rf_ex_type_name(int t)
{
    static const char *const names[ET_COUNT] = {"bool", "int64", "float32", "float64"};
    return names[t];
}

rf_dtype rf_ex_type_dtype(int t)
{
    static const rf_dtype d[ET_COUNT] = {RF_BOOL, RF_INT64, RF_FLOAT32, RF_FLOAT64};
    return d[t];
}

static const char *shape_name(const ex_node *a) { return a->jagged ? "vector of " : ""; }

ex_node *rf_ex_new(ex_parser *ps, int op, int type, int jagged, int pos)
{
    rf_expr *e = ps->e;
    if (ps->failed)
        return NULL;
    if (e->npool >= EX_MAX_NODES) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos, "syntax error: expression too large");
        return NULL;
    }
    if (e->npool == e->poolcap) {
        int cap = e->poolcap ? 2 * e->poolcap : 32;
        ex_node **p = realloc(e->pool, (size_t)cap * sizeof *p);
        if (!p) {
            rf_ex_fail_at(ps, RF_ERR_NOMEM, (size_t)pos, "out of memory");
            return NULL;
        }
        e->pool = p;
        e->poolcap = cap;
    }
    ex_node *nd = calloc(1, sizeof *nd);
    if (!nd) {
        rf_ex_fail_at(ps, RF_ERR_NOMEM, (size_t)pos, "out of memory");
        return NULL;
    }
    e->pool[e->npool++] = nd;
    nd->op = (uint8_t)op;
    nd->type = (uint8_t)type;
    nd->jagged = (uint8_t)jagged;
    nd->pos = pos;
    nd->input = -1;
    return nd;
}

static ex_node *mk_const(ex_parser *ps, int type, int pos)
{
    ex_node *nd = rf_ex_new(ps, OP_CONST, type, 0, pos);
    if (nd) {
        nd->v.p = &nd->k;
        nd->v.n = 1;
        nd->v.scalar = 1;
    }
    return nd;
}

ex_node *rf_ex_const_i(ex_parser *ps, int type, int64_t v, int pos)
{
    ex_node *nd = mk_const(ps, type, pos);
    if (nd && type == ET_BOOL)
        nd->k.b = v != 0;
    else if (nd)
        nd->k.i = v;
    return nd;
}

ex_node *rf_ex_const_d(ex_parser *ps, int type, double v, int pos)
{
    ex_node *nd = mk_const(ps, type, pos);
    if (nd && type == ET_F32)
        nd->k.f = (float)v;
    else if (nd)
        nd->k.d = v;
    return nd;
}

/* Sets nd's height from its arguments; fails beyond EX_MAX_HEIGHT. */
static ex_node *check_height(ex_parser *ps, ex_node *nd)
{
    int h = 0;
    for (int k = 0; k < nd->nargs; k++)
        if (nd->arg[k]->depth > h)
            h = nd->arg[k]->depth;
    nd->depth = h + 1;
    if (nd->depth <= EX_MAX_HEIGHT)
        return nd;
    rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)nd->pos, "syntax error: expression nested too deeply");
    return NULL;
}

/* Evaluates a node whose arguments are all constants, once, and turns it into a constant. */
static ex_node *fold(ex_parser *ps, ex_node *nd)
{
    if (nd)
        nd = check_height(ps, nd);
    if (!nd || nd->jagged || nd->op < OP_CAST || nd->op > OP_MASS2)
        return nd;
    for (int k = 0; k < nd->nargs; k++)
        if (nd->arg[k]->op != OP_CONST)
            return nd;
    ex_ctx c = {.err = ps->err, .text = ps->text, .nb = 1};
    if (rf_ex_eval_node(nd, &c) != RF_OK) {
        ps->failed = 1;
        ps->code = RF_ERR_NOMEM;
        return NULL;
    }
    memcpy(&nd->k, nd->v.p, rf_ex_type_size(nd->type));
    nd->op = OP_CONST;
    nd->nargs = 0;
    nd->v.p = &nd->k;
    nd->v.n = 1;
    nd->v.scalar = 1;
    return nd;
}

ex_node *rf_ex_cast(ex_parser *ps, ex_node *a, int type, int wrap, int pos)
{
    if (!a || ps->failed)
        return NULL;
    if (a->type == type && (wrap == W_NONE || type != ET_I64))
        return a;
    ex_node *nd = rf_ex_new(ps, OP_CAST, type, a->jagged, pos);
    if (!nd)
        return NULL;
    nd->fn = type == ET_I64 ? wrap : W_NONE;
    nd->nargs = 1;
    nd->arg[0] = a;
    return fold(ps, nd);
}

static int promote(int t) { return t == ET_BOOL ? ET_I64 : t; }
static int common(int a, int b) { return promote(a) > promote(b) ? promote(a) : promote(b); }
static int is_int(int t) { return t == ET_BOOL || t == ET_I64; }

ex_node *rf_ex_node_n(ex_parser *ps, int op, int type, int arg_type, ex_node **args, int nargs,
                   int pos)
{
    return rf_ex_node_fn(ps, op, 0, type, arg_type, args, nargs, pos);
}

ex_node *rf_ex_node_fn(ex_parser *ps, int op, int fn, int type, int arg_type, ex_node **args,
                    int nargs, int pos)
{
    int jagged = 0;
    for (int k = 0; k < nargs; k++) {
        if (!args[k])
            return NULL;
        jagged |= args[k]->jagged;
    }
    ex_node *nd = rf_ex_new(ps, op, type, jagged, pos);
    if (!nd)
        return NULL;
    nd->nargs = (uint8_t)nargs;
    nd->fn = fn;
    for (int k = 0; k < nargs; k++)
        if (!(nd->arg[k] = arg_type < 0 ? args[k] : rf_ex_cast(ps, args[k], arg_type, 0, pos)))
            return NULL;
    return fold(ps, nd);
}

ex_node *rf_ex_unary(ex_parser *ps, int op, ex_node *a, int pos)
{
    if (!a)
        return NULL;
    if (op == OP_NOT)
        return rf_ex_node_n(ps, op, ET_BOOL, ET_BOOL, &a, 1, pos);
    if (op == OP_BNOT && !is_int(a->type)) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos,
                   "type mismatch: operator '~' needs an integer operand, got %s%s",
                   shape_name(a), rf_ex_type_name(a->type));
        return NULL;
    }
    return rf_ex_node_n(ps, op, promote(a->type), promote(a->type), &a, 1, pos);
}

static const char *op_text(int op)
{
    static const char *const t[] = {"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=",
                                    "&&", "||", "&", "|", "^", "<<", ">>"};
    return t[op - OP_ADD];
}

ex_node *rf_ex_binary(ex_parser *ps, int op, ex_node *a, ex_node *b, int pos)
{
    if (!a || !b)
        return NULL;
    ex_node *args[2] = {a, b};
    int t = common(a->type, b->type);
    if (op == OP_AND || op == OP_OR)
        return rf_ex_node_n(ps, op, ET_BOOL, ET_BOOL, args, 2, pos);
    if (op >= OP_EQ && op <= OP_GE)
        return rf_ex_node_n(ps, op, ET_BOOL, t, args, 2, pos);
    if ((op == OP_MOD || op >= OP_BAND) && !(is_int(a->type) && is_int(b->type))) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos,
                   "type mismatch: operator '%s' needs integer operands, got %s%s and %s%s",
                   op_text(op), shape_name(a), rf_ex_type_name(a->type), shape_name(b),
                   rf_ex_type_name(b->type));
        return NULL;
    }
    return rf_ex_node_n(ps, op, t, t, args, 2, pos);
}

ex_node *rf_ex_select(ex_parser *ps, ex_node *c, ex_node *a, ex_node *b, int pos)
{
    if (!c || !a || !b)
        return NULL;
    int t = a->type == ET_BOOL && b->type == ET_BOOL ? ET_BOOL : common(a->type, b->type);
    ex_node *args[3] = {rf_ex_cast(ps, c, ET_BOOL, 0, pos), rf_ex_cast(ps, a, t, 0, pos),
                        rf_ex_cast(ps, b, t, 0, pos)};
    ex_node *nd = rf_ex_node_n(ps, OP_SELECT, t, -1, args, 3, pos);
    if (nd && nd->op == OP_SELECT && !args[0]->jagged && args[0]->op != OP_CONST)
        nd->fn = 1; /* a flat condition: the branches are guarded by it */
    return nd;
}

static ex_node *need_vector(ex_parser *ps, ex_node *v, const char *what, int pos)
{
    if (!v || v->jagged)
        return v;
    rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos, "type mismatch: %s needs a vector, got a flat %s",
               what, rf_ex_type_name(v->type));
    return NULL;
}

ex_node *rf_ex_subscript(ex_parser *ps, ex_node *v, ex_node *i, int pos)
{
    if (!need_vector(ps, v, "indexing", pos) || !i)
        return NULL;
    if (!is_int(i->type)) {
        rf_ex_fail_at(ps, RF_ERR_ARG, (size_t)pos,
                   "type mismatch: an index must be an integer or a mask, got %s%s",
                   shape_name(i), rf_ex_type_name(i->type));
        return NULL;
    }
    ex_node *args[2] = {v, rf_ex_cast(ps, i, i->jagged ? ET_BOOL : ET_I64, 0, pos)};
    if (i->jagged)
        return rf_ex_node_n(ps, OP_MASK, v->type, -1, args, 2, pos);
    ex_node *nd = rf_ex_node_n(ps, OP_INDEX, v->type, -1, args, 2, pos);
    if (nd)
        nd->jagged = 0;
    return nd;
}

ex_node *rf_ex_size(ex_parser *ps, ex_node *v, int pos)
{
    if (!need_vector(ps, v, "size()", pos))
        return NULL;
    ex_node *nd = rf_ex_node_n(ps, OP_LEN, ET_I64, -1, &v, 1, pos);
    if (nd)
        nd->jagged = 0;
    return nd;
}

static ex_node *unknown_column(ex_parser *ps, const char *name, size_t len, int pos)
{
    size_t best = 99, bi = 0;
    for (size_t i = 0; i < ps->nschema; i++) {
        size_t d = rf_edit_distance(name, len, ps->schema[i].name);
        if (d < best)
            best = d, bi = i;
    }
    int shown = (int)(len > 60 ? 60 : len);
    if (best <= 2 && best < len)
        rf_ex_fail_at(ps, RF_ERR_NOT_FOUND, (size_t)pos,
                      "unknown column '%.*s': did you mean '%s'?",
                   shown, name, ps->schema[bi].name);
    else
        rf_ex_fail_at(ps, RF_ERR_NOT_FOUND, (size_t)pos, "unknown column '%.*s'", shown, name);
    return NULL;
}

static int add_input(ex_parser *ps, const rf_expr_column *c, int pos)
{
    rf_expr *e = ps->e;
    for (int i = 0; i < e->ninputs; i++)
        if (!strcmp(e->inputs[i].name, c->name))
            return i;
    ex_input *in = realloc(e->inputs, (size_t)(e->ninputs + 1) * sizeof *in);
    char *name = in ? strdup(c->name) : NULL;
    if (in)
        e->inputs = in;
    if (!name) {
        rf_ex_fail_at(ps, RF_ERR_NOMEM, (size_t)pos, "out of memory");
        return -1;
    }
    in[e->ninputs] = (ex_input){name, c->dtype, c->nlevels, c->fixed};
    return e->ninputs++;
}

static int dtype_type(rf_dtype d)
{
    return d == RF_BOOL ? ET_BOOL : d == RF_FLOAT32 ? ET_F32 : d == RF_FLOAT64 ? ET_F64 : ET_I64;
}

ex_node *rf_ex_column(ex_parser *ps, const char *name, size_t len, int pos)
{
    const rf_expr_column *c = NULL;
    for (size_t i = 0; i < ps->nschema && !c; i++)
        if (strlen(ps->schema[i].name) == len && !memcmp(ps->schema[i].name, name, len))
            c = &ps->schema[i];
    if (!c)
        return unknown_column(ps, name, len, pos);
    if (c->nlevels == -1) {
        rf_ex_fail_at(ps, RF_ERR_UNSUPPORTED, (size_t)pos, "column '%s' holds strings (expressions read numbers)",
                      c->name);
        return NULL;
    }
    if ((unsigned)c->dtype >= RF_DTYPE_COUNT || c->nlevels < 0 || c->nlevels > 1 ||
        (c->nlevels == 1 && c->fixed > 1) || c->fixed < 0) {
        rf_ex_fail_at(ps, RF_ERR_UNSUPPORTED, (size_t)pos,
                   "unsupported column '%s': %d jagged levels of %s blocks of %lld (expressions "
                   "read flat, fixed-size and one-level jagged columns)",
                   c->name, c->nlevels, rf_dtype_name(c->dtype), (long long)c->fixed);
        return NULL;
    }
    int input = add_input(ps, c, pos);
    ex_node *nd = input < 0 ? NULL
                            : rf_ex_new(ps, OP_COL, dtype_type(c->dtype),
                                        c->nlevels == 1 || c->fixed > 1, pos);
    if (nd)
        nd->input = input;
    return nd;
}
