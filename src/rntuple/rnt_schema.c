/* rnt_schema.c - maps the RNTuple field tree to rootfeed columns. Every numeric leaf field
 * becomes one column named by its field path (parent.child; item fields `_0` of collections,
 * arrays and wrappers left out; base classes `:_N` left out, with a `T::` prefix where two
 * members would otherwise share a name; tuple/pair members `_N` as `N`). Collections above a
 * leaf become jagged levels, repetitive fields (std::array, bitset) fixed inner dimensions.
 * RNTupleCardinality fields read the offsets of their collection. A std::string is a string
 * column: its index column is one more level, its char column the values. Variants and
 * streamer fields are listed as unsupported with the reason. Each column gets a read plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnt.h"
#include "../common/error.h"

/* ---- linking: children, column order, repetitions ---- */

static rf_status kids_link(rnt_desc *d, rf_error *err)
{
    for (uint32_t i = 0; i < d->nfields; i++) {
        uint32_t p = d->fields[i].parent;
        if (p == i)
            continue;
        RF_CHECK(p < i, err, RF_ERR_FORMAT, "RNTuple schema: field %u ('%s') has parent %u, not a lower id", i,
                 d->fields[i].name, p);
        rnt_field *pf = &d->fields[p];
        uint32_t *q = realloc(pf->kids, ((size_t)pf->nkids + 1) * sizeof *q);
        RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory");
        pf->kids = q;
        pf->kids[pf->nkids++] = i;
    }
    return RF_OK;
}

/* Orders a field's columns by representation (stable), and counts representations. */
static void cols_order(rnt_desc *d, rnt_field *fd)
{
    for (uint32_t i = 1; i < fd->ncols; i++)
        for (uint32_t j = i; j > 0 && d->cols[fd->cols[j - 1]].repr > d->cols[fd->cols[j]].repr; j--) {
            uint32_t t = fd->cols[j];
            fd->cols[j] = fd->cols[j - 1];
            fd->cols[j - 1] = t;
        }
    fd->nrepr = fd->ncols ? (uint32_t)d->cols[fd->cols[fd->ncols - 1]].repr + 1 : 0;
}

rf_status rnt_schema_link(rnt_desc *d, rf_error *err)
{
    RF_TRY(kids_link(d, err));
    for (uint32_t i = 0; i < d->nfields; i++) {
        rnt_field *fd = &d->fields[i];
        cols_order(d, fd);
        int top = fd->parent == i;
        const rnt_field *pf = &d->fields[fd->parent];
        int64_t rep = top ? 1 : pf->rep;
        if (fd->flags & RNT_FIELD_REPETITIVE) {
            RF_CHECK(fd->array_size > 0 && fd->array_size < ((uint64_t)1 << 31) &&
                         (uint64_t)rep * fd->array_size < ((uint64_t)1 << 40),
                     err, RF_ERR_FORMAT, "RNTuple schema: field '%s' has array size %llu", fd->name,
                     (unsigned long long)fd->array_size);
            rep *= (int64_t)fd->array_size;
        }
        fd->rep = rep;
        fd->in_collection = !top && (pf->in_collection || pf->role == RNT_ROLE_COLLECTION);
    }
    return RF_OK;
}

/* ---- type names ---- */

static int type_dtype(const char *t, rf_dtype *out)
{
    static const struct { const char *name; rf_dtype dt; } map[] = {
        {"bool", RF_BOOL}, {"Bool_t", RF_BOOL},
        {"char", RF_INT8}, {"std::int8_t", RF_INT8}, {"int8_t", RF_INT8}, {"signed char", RF_INT8},
        {"Char_t", RF_INT8},
        {"std::uint8_t", RF_UINT8}, {"uint8_t", RF_UINT8}, {"unsigned char", RF_UINT8},
        {"std::byte", RF_UINT8}, {"UChar_t", RF_UINT8},
        {"std::int16_t", RF_INT16}, {"int16_t", RF_INT16}, {"short", RF_INT16}, {"Short_t", RF_INT16},
        {"std::uint16_t", RF_UINT16}, {"uint16_t", RF_UINT16}, {"unsigned short", RF_UINT16},
        {"UShort_t", RF_UINT16},
        {"std::int32_t", RF_INT32}, {"int32_t", RF_INT32}, {"int", RF_INT32}, {"Int_t", RF_INT32},
        {"std::uint32_t", RF_UINT32}, {"uint32_t", RF_UINT32}, {"unsigned int", RF_UINT32},
        {"UInt_t", RF_UINT32},
        {"std::int64_t", RF_INT64}, {"int64_t", RF_INT64}, {"long", RF_INT64}, {"long long", RF_INT64},
        {"Long64_t", RF_INT64}, {"Long_t", RF_INT64},
        {"std::uint64_t", RF_UINT64}, {"uint64_t", RF_UINT64}, {"unsigned long", RF_UINT64},
        {"unsigned long long", RF_UINT64}, {"ULong64_t", RF_UINT64}, {"std::size_t", RF_UINT64},
        {"float", RF_FLOAT32}, {"Float_t", RF_FLOAT32}, {"Float16_t", RF_FLOAT32},
        {"double", RF_FLOAT64}, {"Double_t", RF_FLOAT64}, {"Double32_t", RF_FLOAT64},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(t, map[i].name)) {
            *out = map[i].dt;
            return 1;
        }
    return 0;
}

static int starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* ---- the walk ---- */

typedef struct emitted {
    uint32_t path[64];
    int depth;
    rf_column_info info;
    rnt_plan plan;
} emitted;

typedef struct walk {
    rnt_desc *d;
    emitted *out;
    size_t n, cap;
    uint32_t path[64];
    int depth;
    rnt_plan plan;      /* levels so far */
    int ndims;
    int64_t shape[RF_MAX_DIMS];
    int64_t per_item;
} walk;

static rf_status emit(walk *w, const char *unsupported, rf_dtype dt, rf_error *err)
{
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        emitted *q = realloc(w->out, nc * sizeof *q);
        RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for RNTuple columns");
        w->out = q;
        w->cap = nc;
    }
    emitted *e = &w->out[w->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->path, w->path, sizeof e->path);
    e->depth = w->depth;
    e->plan = w->plan;
    e->plan.per_item = w->per_item;
    e->plan.natural = dt;
    rf_column_info *ci = &e->info;
    ci->dtype = dt;
    ci->unsupported = unsupported;
    if (!unsupported) {
        ci->nlevels = w->plan.nlevels;
        ci->ndims = w->ndims;
        memcpy(ci->shape, w->shape, sizeof ci->shape);
        ci->kind = w->plan.value_col ? RF_KIND_STRING : ci->nlevels ? RF_KIND_JAGGED : ci->ndims ? RF_KIND_FIXED
                                                                                                  : RF_KIND_FLAT;
    }
    return RF_OK;
}

/* Checks that every column of every representation of the field has a known type. */
static int cols_known(const rnt_desc *d, const rnt_field *fd)
{
    for (uint32_t i = 0; i < fd->ncols; i++)
        if (!rnt_coltype_known(d->cols[fd->cols[i]].type, d->cols[fd->cols[i]].bits))
            return 0;
    return fd->nrepr > 0 && fd->ncols % fd->nrepr == 0;
}

static int is_index_type(uint16_t t)
{
    return t == 0x0E || t == 0x0F || t == 0x1A || t == 0x1B;
}

static rf_status visit(walk *w, uint32_t fid, rf_error *err);

static rf_status visit_kids(walk *w, const rnt_field *fd, rf_error *err)
{
    for (uint32_t i = 0; i < fd->nkids; i++)
        RF_TRY(visit(w, fd->kids[i], err));
    return RF_OK;
}

/* A std::string: an index column (where each string ends) and a char column. */
static rf_status visit_string(walk *w, uint32_t fid, rf_error *err)
{
    const rnt_field *fd = &w->d->fields[fid];
    uint32_t per = fd->nrepr ? fd->ncols / fd->nrepr : 0;
    if (per != 2 || !cols_known(w->d, fd) || !is_index_type(w->d->cols[fd->cols[0]].type) ||
        rf_dtype_size(rnt_coltype_natural(w->d->cols[fd->cols[1]].type)) != 1)
        return emit(w, "string with unexpected columns", RF_UINT8, err);
    if (w->ndims)
        return emit(w, "fixed-size array of strings", RF_UINT8, err);
    if (w->plan.nlevels == RF_MAX_LEVELS)
        return emit(w, "collections nested too deeply", RF_UINT8, err);
    w->plan.level_field[w->plan.nlevels++] = fid;
    w->plan.value_field = fid;
    w->plan.value_col = 1;
    w->plan.what = RNT_PLAN_VALUES;
    return emit(w, NULL, RF_UINT8, err);
}

static rf_status visit_leaf(walk *w, uint32_t fid, rf_error *err)
{
    const rnt_field *fd = &w->d->fields[fid];
    uint32_t per = fd->nrepr ? fd->ncols / fd->nrepr : 0;
    if (!strcmp(fd->type, "std::string"))
        return visit_string(w, fid, err);
    if (per != 1 || !cols_known(w->d, fd))
        return emit(w, "column type not supported", RF_UINT8, err);
    const rnt_column *c0 = &w->d->cols[fd->cols[0]];
    rf_dtype dt;
    if (!type_dtype(fd->type, &dt))
        dt = rnt_coltype_natural(c0->type);
    w->plan.value_field = fid;
    w->plan.what = RNT_PLAN_VALUES;
    return emit(w, NULL, dt, err);
}

static rf_status visit_cardinality(walk *w, uint32_t fid, rf_error *err)
{
    const rnt_field *fd = &w->d->fields[fid];
    if (fd->ncols < 1 || !is_index_type(w->d->cols[fd->cols[0]].type) || w->plan.nlevels || w->ndims)
        return emit(w, "cardinality field not supported here", RF_INT64, err);
    w->plan.value_field = fid;
    w->plan.what = RNT_PLAN_CARDINALITY;
    return emit(w, NULL, RF_INT64, err);
}

static rf_status visit_collection(walk *w, uint32_t fid, rf_error *err)
{
    const rnt_field *fd = &w->d->fields[fid];
    if (fd->ncols < 1 || !cols_known(w->d, fd) || !is_index_type(w->d->cols[fd->cols[0]].type))
        return emit(w, "collection without an index column", RF_UINT8, err);
    if (w->ndims)
        return emit(w, "fixed-size array of collections", RF_UINT8, err);
    if (w->plan.nlevels == RF_MAX_LEVELS)
        return emit(w, "collections nested too deeply", RF_UINT8, err);
    w->plan.level_field[w->plan.nlevels++] = fid;
    return visit_kids(w, fd, err);
}

static rf_status visit_field(walk *w, uint32_t fid, rf_error *err)
{
    const rnt_field *fd = &w->d->fields[fid];
    if (fd->role == RNT_ROLE_VARIANT)
        return emit(w, "variant", RF_UINT8, err);
    if (fd->role == RNT_ROLE_STREAMER)
        return emit(w, "streamer", RF_UINT8, err);
    if (starts(fd->type, "ROOT::RNTupleCardinality<"))
        return visit_cardinality(w, fid, err);
    if (fd->role == RNT_ROLE_COLLECTION)
        return visit_collection(w, fid, err);
    if (fd->flags & RNT_FIELD_REPETITIVE) {
        if (w->ndims == RF_MAX_DIMS)
            return emit(w, "too many array dimensions", RF_UINT8, err);
        w->shape[w->ndims++] = (int64_t)fd->array_size;
        w->per_item *= (int64_t)fd->array_size;
    }
    if (fd->role == RNT_ROLE_RECORD || (fd->ncols == 0 && fd->nkids))
        return visit_kids(w, fd, err);
    if (fd->ncols == 0)
        return RF_OK; /* an empty class */
    return visit_leaf(w, fid, err);
}

/* Visits a field with the walk state saved and restored around it. */
static rf_status visit(walk *w, uint32_t fid, rf_error *err)
{
    RF_CHECK(w->depth < 64, err, RF_ERR_UNSUPPORTED, "RNTuple schema nested more than 64 fields deep");
    rnt_plan plan = w->plan;
    int ndims = w->ndims;
    int64_t per = w->per_item;
    w->path[w->depth++] = fid;
    rf_status s = visit_field(w, fid, err);
    w->depth--;
    w->plan = plan;
    w->ndims = ndims;
    w->per_item = per;
    return s;
}

/* ---- names ---- */

static int is_base(const rnt_field *fd)
{
    return fd->name[0] == ':';
}

/* The name part a field adds below its parent ("" for item and base-class fields). */
static const char *name_part(const rnt_desc *d, uint32_t fid)
{
    const rnt_field *fd = &d->fields[fid];
    if (fd->parent == fid)
        return fd->name;
    const rnt_field *pf = &d->fields[fd->parent];
    if (is_base(fd))
        return "";
    if (!strcmp(fd->name, "_0") && (pf->role == RNT_ROLE_COLLECTION || (pf->flags & RNT_FIELD_REPETITIVE) ||
                                    (pf->role == RNT_ROLE_LEAF && pf->nkids == 1)))
        return "";
    if ((starts(pf->type, "std::tuple<") || starts(pf->type, "std::pair<")) && fd->name[0] == '_')
        return fd->name + 1;
    return fd->name;
}

/* Builds e's name; `branch` >= 0 is the path position of a base-class field through which a
 * conflicting twin is reached, whose type then prefixes the next name part. */
static rf_status build_name(const rnt_desc *d, emitted *e, int branch, rf_error *err)
{
    char buf[2048];
    size_t len = 0;
    int prefixed = branch < 0;
    buf[0] = 0;
    for (int i = 0; i < e->depth; i++) {
        const char *part = name_part(d, e->path[i]);
        if (!*part)
            continue;
        const char *pre = "", *sep = "";
        if (!prefixed && i > branch) {
            pre = d->fields[e->path[branch]].type;
            sep = "::";
            prefixed = 1;
        }
        int k = snprintf(buf + len, sizeof buf - len, "%s%s%s%s", len ? "." : "", pre, sep, part);
        RF_CHECK(k >= 0 && (size_t)k < sizeof buf - len, err, RF_ERR_UNSUPPORTED, "RNTuple field path too long");
        len += (size_t)k;
        e->info.type_name = d->fields[e->path[i]].type;
    }
    free((char *)e->info.name);
    e->info.name = strdup(buf);
    RF_CHECK(e->info.name, err, RF_ERR_NOMEM, "out of memory");
    return RF_OK;
}

static int common_prefix(const emitted *a, const emitted *b)
{
    int k = 0;
    while (k < a->depth && k < b->depth && a->path[k] == b->path[k])
        k++;
    return k;
}

/* Renames columns that share a name: each twin reached through a base-class field gets the
 * type of the first field below the deepest shared one as a prefix. */
static rf_status resolve_twins(const rnt_desc *d, emitted *e, size_t n, rf_error *err)
{
    int *branch = malloc((n ? n : 1) * sizeof *branch);
    RF_CHECK(branch, err, RF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        branch[i] = -1;
        for (size_t j = 0; j < n; j++) {
            if (j == i || strcmp(e[i].info.name, e[j].info.name))
                continue;
            int k = common_prefix(&e[i], &e[j]);
            if (k < e[i].depth && is_base(&d->fields[e[i].path[k]]) && (branch[i] < 0 || k < branch[i]))
                branch[i] = k;
        }
    }
    rf_status s = RF_OK;
    for (size_t i = 0; i < n && s == RF_OK; i++)
        if (branch[i] >= 0)
            s = build_name(d, &e[i], branch[i], err);
    free(branch);
    return s;
}

/* ---- entry point ---- */

static void walk_free(walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        free((char *)w->out[i].info.name);
    free(w->out);
}

static rf_status walk_all(walk *w, rf_error *err)
{
    rnt_desc *d = w->d;
    for (uint32_t i = 0; i < d->nfields; i++) {
        if (d->fields[i].parent != i)
            continue;
        size_t n0 = w->n;
        w->per_item = 1;
        RF_TRY(visit(w, i, err));
        for (size_t k = n0; k < w->n; k++)
            RF_TRY(build_name(d, &w->out[k], -1, err));
        if (w->n > n0)
            RF_TRY(resolve_twins(d, w->out + n0, w->n - n0, err));
    }
    return RF_OK;
}

rf_status rnt_schema_map(rnt_desc *d, rf_table *t, rnt_plan **plans, rf_error *err)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.d = d;
    rf_status s = walk_all(&w, err);
    size_t n = w.n;
    rf_column_info *ci = s == RF_OK ? calloc(n ? n : 1, sizeof *ci) : NULL;
    rnt_plan *pl = s == RF_OK ? calloc(n ? n : 1, sizeof *pl) : NULL;
    if (s == RF_OK && (!ci || !pl))
        s = rf_fail(err, RF_ERR_NOMEM, "out of memory for RNTuple columns");
    if (s != RF_OK) {
        free(ci), free(pl);
        walk_free(&w);
        return s;
    }
    for (size_t i = 0; i < n; i++) {
        ci[i] = w.out[i].info;
        pl[i] = w.out[i].plan;
        if (!ci[i].unsupported)
            rnt_plan_sizes(d, &pl[i], &ci[i]);
    }
    free(w.out);
    t->columns = ci;
    t->ncolumns = n;
    *plans = pl;
    return RF_OK;
}
