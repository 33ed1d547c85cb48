/* ttree_objects.c - TTree branches that hold serialized objects rather than plain numbers:
 * std::vector, std::set and RVec of numbers or strings, nested to any depth (up to
 * RF_MAX_LEVELS), strings (std::string, TString, char*), and std::map, read as two columns:
 * its keys (.first) and its values (.second). The stored type name
 * ("vector<vector<vector<unsigned long> > >") is parsed into a small type tree; decoding walks
 * each entry's bytes - for containers a 6-byte byte count and version, then each container's
 * i32 size and its elements (inner containers have no header); a string is a u8 length (255:
 * an i32 length follows) and its bytes; a map, streamed member-wise as ROOT does, is its
 * pair's version, then per map its size, all keys, all values (each member but numbers and
 * TStrings behind a byte count) - appending the size of every container and string to its
 * jagged level and the numbers or string bytes at the bottom to the values. Every size is
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

/* The length of the name among names (each with its '<') that p starts with, or 0. */
static size_t template_name(const char *p, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strncmp(p, names[i], strlen(names[i])))
            return strlen(names[i]);
    return 0;
}

/* Parses one type at *s into a node; returns its index or -1. */
static int parse_node(tt_objtype *t, const char **s)
{
    static const char *const seqs[] = {"vector<", "set<", "ROOT::VecOps::RVec<", "RVec<"};
    static const char *const maps[] = {"map<", "unordered_map<", "multimap<"};
    const char *p = skip_space(*s);
    if (!strncmp(p, "std::", 5))
        p += 5;
    size_t seq = template_name(p, seqs, 4), map = template_name(p, maps, 3);
    if (seq || map) { /* container<a> or map<a, b> */
        p += seq + map;
        int id = new_node(t, map ? TT_TY_MAP : TT_TY_VEC), a = id < 0 ? -1 : parse_node(t, &p), b = 0;
        if (a >= 0 && map) {
            p = skip_space(p);
            b = *p == ',' ? (p++, parse_node(t, &p)) : -1;
        }
        if (a < 0 || b < 0 || !(p = close_args(p)))
            return -1;
        t->node[id].a = (uint8_t)a;
        t->node[id].b = (uint8_t)b;
        *s = p;
        return id;
    }
    size_t n = strcspn(p, ",>");
    while (n && p[n - 1] == ' ')
        n--;
    if ((n == 6 && !strncmp(p, "string", 6)) || (n == 7 && !strncmp(p, "TString", 7))) {
        int id = new_node(t, TT_TY_STRING);
        if (id >= 0)
            t->node[id].dtype = n == 7; /* TString */
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
    if (parse_node(t, &p) != 0 || *skip_space(p) != 0 || t->node[0].kind == TT_TY_NUM)
        return 0;
    for (int k = 1; k < t->nnodes; k++)
        if (t->node[k].kind == TT_TY_MAP)
            return 0; /* maps inside containers or maps are not read */
    return 1;
}

int tt_objtype_levels(const tt_objtype *t, rf_dtype *dt, rf_kind *kind)
{
    int levels = t->array, k = 0;
    if (t->node[0].kind == TT_TY_MAP) {
        levels++;
        k = t->pick ? t->node[0].b : t->node[0].a;
    }
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

static int fail_as(dec *d, rf_status s, const char *what)
{
    if (d->s == RF_OK)
        d->s = rf_fail(d->err, s, "%s", what);
    return -1;
}

static int fail(dec *d, const char *what) { return fail_as(d, RF_ERR_FORMAT, what); }

static int push(dec *d, int level, int64_t count)
{
    rf_column_data *o = d->out;
    if ((d->s = rf_coldata_reserve_offsets(o, level, d->n[level] + 1, d->err)) != RF_OK)
        return -1;
    o->offsets[level][d->n[level] + 1] = o->offsets[level][d->n[level]] + count;
    d->n[level]++;
    return 0;
}

/* The length of the string at d->p (u8, or 255 then i32), which it moves past; -1 on failure. */
static int64_t string_length(dec *d)
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
    return len;
}

/* One string: its length to level `level`, its bytes to the values. */
static int read_string(dec *d, int level)
{
    int64_t len = string_length(d);
    if (len < 0 || push(d, level, len) < 0 ||
        (d->s = tt_append_values(d->tc, d->out, d->p, len, d->err)) != RF_OK)
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

/* One member (key or value) of count map entries, streamed member-wise: numbers as they are,
 * TStrings one after the other, anything else behind one byte count. Kept (appended at level
 * `level`) or skipped. */
static int read_member(dec *d, const tt_objtype *t, int k, int64_t count, int level, int keep)
{
    int kind = t->node[k].kind;
    if (kind == TT_TY_NUM) {
        int64_t size = (int64_t)rf_dtype_size((rf_dtype)t->node[k].dtype);
        if (count > (d->end - d->p) / size)
            return fail(d, "map keys or values run past the entry");
        if (keep && (d->s = tt_append_values(d->tc, d->out, d->p, count, d->err)) != RF_OK)
            return -1;
        d->p += count * size;
        return 0;
    }
    const uint8_t *stop = NULL;
    if (!(kind == TT_TY_STRING && t->node[k].dtype)) { /* all but TStrings have a byte count */
        uint64_t bc = d->end - d->p >= 6 ? load_be32(d->p) : 0;
        if (!(bc & 0x40000000u) || (bc & 0x3fffffffu) + 4 > (uint64_t)(d->end - d->p))
            return fail(d, "map member header (byte count and version) missing or too long");
        stop = d->p + 4 + (bc & 0x3fffffffu);
        d->p += 6;
        if (!keep) {
            d->p = stop;
            return 0;
        }
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t len = keep ? 0 : string_length(d); /* skipping TStrings */
        if (len < 0 || (keep && read_node(d, t, k, level) < 0))
            return -1;
        d->p += len;
    }
    return stop && d->p != stop ? fail(d, "map member bytes disagree with its byte count") : 0;
}

/* One map: its size to level `level`, then its keys and values (the column keeps one). */
static int read_map(dec *d, const tt_objtype *t, int level)
{
    if (d->end - d->p < 4)
        return fail(d, "map size runs past the entry");
    int64_t count = (int32_t)load_be32(d->p);
    d->p += 4;
    if (count < 0 || count > d->end - d->p)
        return fail(d, "map size is negative or larger than the entry");
    if (push(d, level, count) < 0 || read_member(d, t, t->node[0].a, count, level + 1, t->pick == 0) < 0)
        return -1;
    return read_member(d, t, t->node[0].b, count, level + 1, t->pick == 1);
}

/* A map's header goes on with the version of its pair class (0 then a checksum for a pair). */
static int read_pair_version(dec *d, const uint8_t *head)
{
    if (!(load_be16(head + 4) & 0x4000))
        return fail_as(d, RF_ERR_UNSUPPORTED, "std::map streamed object-wise (only member-wise maps are read)");
    if (d->end - d->p < 2)
        return fail(d, "map pair version runs past the entry");
    int zero = load_be16(d->p) == 0;
    d->p += 2;
    if (zero && d->end - d->p < 4)
        return fail(d, "map pair checksum runs past the entry");
    d->p += zero ? 4 : 0;
    return 0;
}

/* The object (or objects, for an array) at level `level`. */
static int read_object(dec *d, const tt_objtype *t, int level)
{
    return t->node[0].kind == TT_TY_MAP ? read_map(d, t, level) : read_node(d, t, 0, level);
}

static int read_entry(dec *d, const tt_objtype *t)
{
    const uint8_t *head = d->p;
    if (t->header) {
        if (d->end - d->p < 6 || !(load_be32(d->p) & 0x40000000u) ||
            (load_be32(d->p) & 0x3fffffffu) != (uint64_t)(d->end - d->p - 4))
            return fail(d, "object header (byte count and version) missing or inconsistent");
        d->p += 6;
    }
    if (t->node[0].kind == TT_TY_MAP && read_pair_version(d, head) < 0)
        return -1;
    if (!t->array)
        return read_object(d, t, 0);
    int64_t items = 0;
    for (; d->p < d->end; items++)
        if (read_object(d, t, 1) < 0)
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
