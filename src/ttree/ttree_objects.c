/* ttree_objects.c - TTree branches that hold serialized objects rather than plain numbers:
 * std::vector, std::set and RVec of numbers or strings, nested to any depth (up to
 * RF_MAX_LEVELS), and strings (std::string, TString, char*). The stored type name
 * ("vector<vector<vector<unsigned long> > >") is parsed into a small type tree; decoding walks
 * each entry's bytes - for containers a 6-byte byte count and version, then each container's
 * i32 size and its elements (inner containers have no header); a string is a u8 length (255:
 * an i32 length follows) and its bytes - appending the size of every container and string to
 * its jagged level and the numbers or string bytes at the bottom to the values. Every size is
 * checked against the bytes left in the entry. */
#include <string.h>

#include "../common/endian.h"
#include "../common/error.h"
#include "ttree.h"

/* ---- type names ---- */

static const char *skip_space(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

/* Skips a template argument list tail ", allocator<...>" up to and including the closing '>'
 * of the current list; NULL when unbalanced. */
static const char *close_args(const char *s)
{
    int depth = 0;
    for (s = skip_space(s); *s; s++) {
        if (*s == '<')
            depth++;
        else if (*s == '>' && depth-- == 0)
            return s + 1;
    }
    return NULL;
}

static int new_node(tt_objtype *t, int kind)
{
    if (t->nnodes == TT_TYPE_NODES)
        return -1;
    t->node[t->nnodes].kind = (uint8_t)kind;
    return t->nnodes++;
}

/* Parses one type at *s into a node; returns its index or -1. */
static int parse_node(tt_objtype *t, const char **s)
{
    static const char *const seqs[] = {"vector<", "set<", "ROOT::VecOps::RVec<", "RVec<"};
    const char *p = skip_space(*s);
    if (!strncmp(p, "std::", 5))
        p += 5;
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        size_t n = strlen(seqs[i]);
        if (strncmp(p, seqs[i], n) != 0)
            continue;
        p += n;
        int id = new_node(t, TT_TY_VEC), elem = id < 0 ? -1 : parse_node(t, &p);
        if (elem < 0 || !(p = close_args(p)))
            return -1;
        t->node[id].a = (uint8_t)elem;
        *s = p;
        return id;
    }
    size_t n = strcspn(p, ",>");
    while (n && p[n - 1] == ' ')
        n--;
    if ((n == 6 && !strncmp(p, "string", 6)) || (n == 7 && !strncmp(p, "TString", 7))) {
        int id = new_node(t, TT_TY_STRING);
        *s = p + n;
        return id;
    }
    int dt = tt_typename_dtype(p, n);
    int id = dt < 0 ? -1 : new_node(t, TT_TY_NUM);
    if (id >= 0) {
        t->node[id].dtype = (uint8_t)dt;
        *s = p + n;
    }
    return id;
}

int tt_objtype_parse(tt_objtype *t, const char *name)
{
    memset(t, 0, sizeof *t);
    const char *p = name;
    return parse_node(t, &p) == 0 && *skip_space(p) == 0 && t->node[0].kind != TT_TY_NUM;
}

int tt_objtype_levels(const tt_objtype *t, rf_dtype *dt, rf_kind *kind)
{
    int levels = t->array, k = 0;
    while (t->node[k].kind == TT_TY_VEC) {
        levels++;
        k = t->node[k].a;
    }
    int text = t->node[k].kind == TT_TY_STRING;
    *dt = text ? RF_UINT8 : (rf_dtype)t->node[k].dtype;
    *kind = text ? RF_KIND_STRING : RF_KIND_JAGGED;
    return levels + text;
}

/* ---- decoding ---- */

typedef struct dec {
    const tt_column *tc;
    const uint8_t *p, *end;
    rf_column_data *out;
    int64_t *n;         /* items so far at each level (the reader's counters) */
    rf_error *err;
    rf_status s;        /* RF_OK until something fails */
} dec;

static int fail(dec *d, const char *what)
{
    if (d->s == RF_OK)
        d->s = rf_fail(d->err, RF_ERR_FORMAT, "%s", what);
    return -1;
}

static int push(dec *d, int level, int64_t count)
{
    rf_column_data *o = d->out;
    if ((d->s = rf_coldata_reserve_offsets(o, level, d->n[level] + 1, d->err)) != RF_OK)
        return -1;
    o->offsets[level][d->n[level] + 1] = o->offsets[level][d->n[level]] + count;
    d->n[level]++;
    return 0;
}

/* One string: its length to level `level`, its bytes to the values. */
static int read_string(dec *d, int level)
{
    if (d->p == d->end)
        return fail(d, "string length runs past the entry");
    int64_t len = *d->p++;
    if (len == 255) {
        if (d->end - d->p < 4)
            return fail(d, "string length runs past the entry");
        len = (int32_t)load_be32(d->p);
        d->p += 4;
    }
    if (len < 0 || len > d->end - d->p)
        return fail(d, "string is longer than the entry");
    if (push(d, level, len) < 0 || (d->s = tt_append_values(d->tc, d->out, d->p, len, d->err)) != RF_OK)
        return -1;
    d->p += len;
    return 0;
}

/* One container or string of type node k (without a header) whose size goes to level
 * `level`. */
static int read_node(dec *d, const tt_objtype *t, int k, int level)
{
    if (t->node[k].kind == TT_TY_STRING)
        return read_string(d, level);
    if (d->end - d->p < 4)
        return fail(d, "container size runs past the entry");
    int64_t count = (int32_t)load_be32(d->p);
    d->p += 4;
    if (count < 0 || count > d->end - d->p)
        return fail(d, "container size is negative or larger than the entry");
    if (push(d, level, count) < 0)
        return -1;
    int e = t->node[k].a;
    if (t->node[e].kind == TT_TY_NUM) { /* the innermost numbers: one conversion */
        int64_t size = (int64_t)rf_dtype_size((rf_dtype)t->node[e].dtype);
        if (count > (d->end - d->p) / size)
            return fail(d, "container values run past the entry");
        if ((d->s = tt_append_values(d->tc, d->out, d->p, count, d->err)) != RF_OK)
            return -1;
        d->p += count * size;
        return 0;
    }
    for (int64_t i = 0; i < count; i++)
        if (read_node(d, t, e, level + 1) < 0)
            return -1;
    return 0;
}

static int read_entry(dec *d, const tt_objtype *t)
{
    if (t->header) {
        if (d->end - d->p < 6 || !(load_be32(d->p) & 0x40000000u) ||
            (load_be32(d->p) & 0x3fffffffu) != (uint64_t)(d->end - d->p - 4))
            return fail(d, "object header (byte count and version) missing or inconsistent");
        d->p += 6;
    }
    if (!t->array)
        return read_node(d, t, 0, 0);
    int64_t items = 0;
    for (; d->p < d->end; items++)
        if (read_node(d, t, 0, 1) < 0)
            return -1;
    return push(d, 0, items);
}

rf_status tt_read_objects(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1, rf_column_data *out,
                          int64_t *n, rf_error *err)
{
    dec d = {tc, NULL, NULL, out, n, err, RF_OK};
    for (int64_t e = e0; e < e1; e++) {
        d.p = bk->data + bk->offsets[e];
        d.end = bk->data + bk->offsets[e + 1];
        if (read_entry(&d, &tc->obj) < 0 || (d.p != d.end && fail(&d, "bytes left after the object") < 0))
            return rf_wrap(err, d.s, "entry %lld of the basket (byte %lld): ", (long long)e,
                           (long long)(d.p - bk->data));
    }
    return RF_OK;
}
