/* ttree_columns.c - opening a TTree as an rf_table: each leaf-bearing branch becomes one
 * column (a leaf list one column per leaf), classified by leaf class, TLeafElement streamer
 * type or STL class name into an encoding (tt_encoding) with dtype, shape and jagged levels;
 * basket lists are validated here; cluster edges are the basket edges all columns share. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "ttree.h"

static const rf_table_ops ttree_ops = {"TTree", tt_read, tt_close, tt_block_end};

/* dtype of a plain TLeaf class (TLeafI, ...), or -1. */
static int leaf_class_dtype(const tt_leaf *l)
{
    const char *c = l->class_name + 5; /* after "TLeaf" */
    int u = l->is_unsigned;
    if (!strcmp(c, "O")) return RF_BOOL;
    if (!strcmp(c, "B")) return u ? RF_UINT8 : RF_INT8;
    if (!strcmp(c, "S")) return u ? RF_UINT16 : RF_INT16;
    if (!strcmp(c, "I")) return u ? RF_UINT32 : RF_INT32;
    if (!strcmp(c, "L") || !strcmp(c, "G")) return u ? RF_UINT64 : RF_INT64;
    if (!strcmp(c, "F") || !strcmp(c, "F16")) return RF_FLOAT32;
    if (!strcmp(c, "D") || !strcmp(c, "D32")) return RF_FLOAT64;
    return -1;
}

/* dtype of a streamer basic type code (TVirtualStreamerInfo::EReadWrite 1..19), or -1. */
static int streamer_dtype(int t)
{
    /* kCounter (6), the size of a variable array, is read as uint32 like uproot does. */
    static const signed char map[20] = {-1, RF_INT8, RF_INT16, RF_INT32, RF_INT64, RF_FLOAT32, RF_UINT32, -1,
        RF_FLOAT64, RF_FLOAT64, RF_INT8, RF_UINT8, RF_UINT16, RF_UINT32, RF_UINT64, RF_UINT32, RF_INT64,
        RF_UINT64, RF_BOOL, RF_FLOAT32};
    return t >= 0 && t < 20 ? map[t] : -1;
}

/* dtype of a C/ROOT type name ("float", "Int_t", "unsigned short", "int16_t"), or -1. */
int tt_typename_dtype(const char *s, size_t n)
{
    static const struct { const char *name; int dt; } names[] = {
        {"bool", RF_BOOL}, {"Bool_t", RF_BOOL}, {"char", RF_INT8}, {"Char_t", RF_INT8}, {"int8_t", RF_INT8},
        {"unsigned char", RF_UINT8}, {"UChar_t", RF_UINT8}, {"uint8_t", RF_UINT8},
        {"short", RF_INT16}, {"Short_t", RF_INT16}, {"int16_t", RF_INT16},
        {"unsigned short", RF_UINT16}, {"UShort_t", RF_UINT16}, {"uint16_t", RF_UINT16},
        {"int", RF_INT32}, {"Int_t", RF_INT32}, {"int32_t", RF_INT32},
        {"unsigned int", RF_UINT32}, {"UInt_t", RF_UINT32}, {"uint32_t", RF_UINT32},
        {"long", RF_INT64}, {"Long_t", RF_INT64}, {"long long", RF_INT64}, {"Long64_t", RF_INT64}, {"int64_t", RF_INT64},
        {"unsigned long", RF_UINT64}, {"ULong_t", RF_UINT64}, {"unsigned long long", RF_UINT64},
        {"ULong64_t", RF_UINT64}, {"uint64_t", RF_UINT64},
        {"float", RF_FLOAT32}, {"Float_t", RF_FLOAT32}, {"double", RF_FLOAT64}, {"Double_t", RF_FLOAT64},
    };
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n))
            return names[i].dt;
    return -1;
}

/* Branch name without trailing dimensions: "x[3][2]" -> "x". */
static char *column_name(const char *branch, const char *leaf)
{
    size_t n = strcspn(branch, "[");
    size_t m = leaf ? strcspn(leaf, "[") : 0;
    char *s = malloc(n + m + 2);
    if (!s)
        return NULL;
    memcpy(s, branch, n);
    s[n] = 0;
    if (leaf) {
        s[n] = '.';
        memcpy(s + n + 1, leaf, m);
        s[n + 1 + m] = 0;
    }
    return s;
}

/* Fixed dimensions from a leaf title or branch name "name[2][3]" (a [counter] dimension is
 * skipped); when they do not multiply to len, one dimension of len. Returns the count, 0 for
 * none. */
static int title_dims(const char *text, int32_t len, int64_t *shape)
{
    int nd = 0;
    const char *p = text;
    while ((p = strchr(p, '[')) && nd < RF_MAX_DIMS) {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end != p + 1 && *end == ']' && v > 0)
            shape[nd++] = v;
        p++;
    }
    int64_t prod = 1;
    for (int i = 0; i < nd; i++)
        prod *= shape[i];
    if (nd > 0 && prod == len)
        return nd;
    shape[0] = len;
    return len > 1;
}

/* Range [min,max(,nbits)] of a Float16_t/Double32_t leaf title; 0 when none. */
static int title_range(const char *title, double *min, double *max, int *nbits)
{
    const char *p = strrchr(title, '[');
    if (!p || !strchr(p, ','))
        return 0;
    *nbits = 32;
    int k = sscanf(p + 1, "%lf , %lf , %d", min, max, nbits);
    return k >= 2;
}

typedef struct {
    rf_table *t;
    tt_table *tt;
    size_t cap;
    rf_error *err;
} builder;

static rf_status add_column(builder *b, tt_branch *br, tt_leaf *leaf, const char *leafname, tt_column **out)
{
    rf_table *t = b->t;
    if (t->ncolumns == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 32;
        void *a = realloc(t->columns, cap * sizeof *t->columns);
        void *c = a ? realloc(b->tt->cols, cap * sizeof *b->tt->cols) : NULL;
        if (a)
            t->columns = a;
        if (c)
            b->tt->cols = c;
        RF_CHECK(a && c, b->err, RF_ERR_NOMEM, "out of memory");
        b->cap = cap;
    }
    rf_column_info *ci = &t->columns[t->ncolumns];
    tt_column *tc = &b->tt->cols[t->ncolumns];
    memset(ci, 0, sizeof *ci);
    memset(tc, 0, sizeof *tc);
    ci->name = column_name(br->name, leafname);
    RF_CHECK(ci->name, b->err, RF_ERR_NOMEM, "out of memory");
    t->ncolumns++;
    tc->branch = br;
    tc->leaf = leaf;
    tc->counter = -1;
    ci->type_name = leaf ? leaf->class_name : br->class_name;
    ci->compressed_bytes = br->zip_bytes;
    ci->uncompressed_bytes = br->tot_bytes;
    *out = tc;
    return RF_OK;
}

static void set_dtype(rf_column_info *ci, tt_column *tc, int dt)
{
    ci->dtype = (rf_dtype)dt;
    tc->src = (rf_dtype)dt;
}

/* Makes the column read serialized objects of the stored type `type` (tt_objtype): with a
 * 6-byte header per entry or not, one object per entry or (array) per item of a split
 * collection; of a map, its keys (pick 0) or its values (pick 1). */
static void set_object(rf_column_info *ci, tt_column *tc, const char *type, int header, int array, int pick)
{
    rf_dtype dt;
    rf_kind kind;
    if (!tt_objtype_parse(&tc->obj, type)) {
        ci->unsupported = "STL container of objects (not numbers or strings)";
        return;
    }
    tc->obj.header = header || tc->obj.node[0].kind == TT_TY_MAP; /* a map always has one */
    tc->obj.array = array;
    tc->obj.pick = pick;
    int levels = tt_objtype_levels(&tc->obj, &dt, &kind);
    if (levels > RF_MAX_LEVELS) {
        ci->unsupported = "containers nested deeper than RF_MAX_LEVELS";
        return;
    }
    set_dtype(ci, tc, dt);
    tc->enc = TT_OBJECT;
    ci->kind = kind;
    ci->nlevels = levels;
    ci->type_name = type;
}

/* Plain TLeaf of a TBranch (also each leaf of a leaf list). */
static void classify_plain_leaf(rf_column_info *ci, tt_column *tc, tt_leaf *l)
{
    int dt = leaf_class_dtype(l);
    if (!strcmp(l->class_name, "TLeafC") && !l->count) { /* char*: a length-prefixed string */
        set_object(ci, tc, "string", 0, 0, 0);
        ci->type_name = l->class_name;
        return;
    }
    if (dt < 0) {
        ci->unsupported = "leaf class not supported";
        return;
    }
    set_dtype(ci, tc, dt);
    double min = 0, max = 0;
    int nbits = 0;
    int special = !strcmp(l->class_name, "TLeafF16") || !strcmp(l->class_name, "TLeafD32");
    if (special && title_range(l->title, &min, &max, &nbits)) {
        if (max <= min || nbits < 2 || nbits > 32) {
            ci->unsupported = "Float16_t/Double32_t with a truncated-mantissa range";
            return;
        }
        tc->packed = 1;
        tc->pmin = min;
        tc->pfactor = nbits == 32 ? 4294967295.0 / (max - min) : ldexp(1.0, nbits) / (max - min);
        tc->src = RF_UINT32;
    } else if (special && dt == RF_FLOAT64) {
        tc->d32_float = 1;
        tc->src = RF_FLOAT32;
    } else if (special) {
        ci->unsupported = "Float16_t without a range";
        return;
    }
    tc->count = l->len > 0 ? l->len : 1;
    ci->ndims = title_dims(l->title, l->len, ci->shape);
    if (l->count) {
        tc->enc = TT_JAGGED;
        ci->kind = RF_KIND_JAGGED;
        ci->nlevels = 1;
        return;
    }
    tc->enc = TT_FIXED;
    if (ci->ndims > 0)
        ci->kind = RF_KIND_FIXED;
}

/* A branch of serialized STL containers or strings: a top-level one (its class is the type)
 * or a kSTL / TString member of a split class or collection (the type of a kSTL member from
 * the streamer info). Returns 0 when the branch is none of these. */
static int classify_object(builder *b, rf_column_info *ci, tt_column *tc, tt_branch *br, int st)
{
    const char *type = NULL;
    int header = 1; /* containers, and std::string members, have one; bare strings do not */
    if (br->id < 0 && br->elem_class && tt_objtype_parse(&tc->obj, br->elem_class)) {
        type = br->elem_class;
        header = tc->obj.node[0].kind != TT_TY_STRING;
    } else if (st == 300 || st == 500 || st == 365) {
        type = tt_stl_member_type(&b->tt->tree, br);
    } else if (st == 65) {
        type = "TString";
        header = 0;
    }
    if (!type)
        return 0;
    set_object(ci, tc, type, header, br->type == 31 || br->type == 41, 0);
    return 1;
}

/* A std::map branch, whose column reads the keys (NAME.first): adds NAME.second, the values. */
static rf_status add_map_values(builder *b, tt_branch *br, tt_leaf *l)
{
    size_t i = b->t->ncolumns - 1;
    rf_column_info *ci = &b->t->columns[i];
    free((char *)ci->name);
    ci->name = column_name(br->name, "first");
    RF_CHECK(ci->name, b->err, RF_ERR_NOMEM, "out of memory");
    tt_column *tc;
    RF_TRY(add_column(b, br, l, "second", &tc));
    const tt_column *keys = &b->tt->cols[i];
    set_object(&b->t->columns[i + 1], tc, b->t->columns[i].type_name, keys->obj.header, keys->obj.array, 1);
    return RF_OK;
}

/* TLeafElement of a split class member or a top-level STL/object branch. */
static void classify_element(builder *b, rf_column_info *ci, tt_column *tc, tt_branch *br, tt_leaf *l)
{
    int st = l ? l->elem_type : -1;
    int dt = -1;
    if (classify_object(b, ci, tc, br, st))
        return;
    int base = st >= 40 && st < 60 ? st - 40 : st >= 20 && st < 40 ? st - 20 : st;
    if (base == 9) {
        ci->unsupported = "Double32_t member of a split class";
        return;
    }
    if ((dt = streamer_dtype(base)) < 0 || base == 7) {
        ci->unsupported = br->elem_class ? "object or string member" : "unknown streamer type";
        return;
    }
    if (l->is_unsigned && (dt == RF_INT8 || dt == RF_INT16 || dt == RF_INT32 || dt == RF_INT64))
        dt++; /* kCounter and friends of unsigned members: the leaf knows */
    set_dtype(ci, tc, dt);
    tc->count = l->len > 0 ? l->len : 1;
    if (br->type == 31 || br->type == 41 || st >= 40) { /* member of a split collection, or T* x //[n] */
        tc->enc = TT_JAGGED;
        tc->header = st >= 40 ? 1 : 0;
        ci->kind = RF_KIND_JAGGED;
        ci->nlevels = 1;
        if (st < 20 || st >= 40)
            tc->count = 1;
        else /* T x[N] in each item: items of fixed shape, dimensions from the branch name */
            ci->ndims = title_dims(br->name, tc->count, ci->shape);
        return;
    }
    tc->enc = TT_FIXED;
    if (st >= 20 && tc->count > 1) {
        ci->kind = RF_KIND_FIXED;
        ci->ndims = title_dims(br->name, tc->count, ci->shape);
    }
}

/* Validates and lists the branch's baskets: stored ones and embedded ones. */
static rf_status collect_baskets(builder *b, tt_column *tc, int64_t entries)
{
    tt_branch *br = tc->branch;
    size_t n = (size_t)br->write_basket + br->nembedded;
    tc->baskets = calloc(n + 1, sizeof *tc->baskets);
    RF_CHECK(tc->baskets, b->err, RF_ERR_NOMEM, "out of memory");
    int64_t prev = 0;
    for (int32_t i = 0; i < br->write_basket; i++) {
        if (br->basket_seek[i] == 0)
            continue;
        int64_t first = br->basket_entry[i];
        int64_t last = i + 1 < br->max_baskets ? br->basket_entry[i + 1] : br->entry_number;
        if (i + 1 == br->write_basket && !br->nembedded && last < first)
            last = br->entry_number;
        RF_CHECK(first >= prev && last >= first && last <= entries + br->first_entry, b->err, RF_ERR_FORMAT,
                 "branch '%s': basket %d entries [%lld, %lld) are not increasing or exceed %lld", br->name, i,
                 (long long)first, (long long)last, (long long)entries);
        tc->baskets[tc->nbaskets++] = (tt_basket_ref){first, last, br->basket_seek[i], br->basket_bytes[i], NULL};
        prev = last;
    }
    for (size_t k = 0; k < br->nembedded; k++) {
        const tt_embedded *e = &br->embedded[k];
        int64_t first = br->basket_entry[e->slot];
        int64_t last = first + e->nevbuf;
        RF_CHECK(first >= prev && last <= entries + br->first_entry, b->err, RF_ERR_FORMAT,
                 "branch '%s': embedded basket %d entries [%lld, %lld) out of order", br->name, e->slot,
                 (long long)first, (long long)last);
        tc->baskets[tc->nbaskets++] = (tt_basket_ref){first, last, 0, 0, e};
        prev = last;
    }
    return RF_OK;
}

static rf_status add_branch_columns(builder *b, tt_branch *br);

static rf_status add_leaf_list(builder *b, tt_branch *br)
{
    int32_t stride = 0;
    for (size_t i = 0; i < br->nleaves; i++)
        stride += br->leaves[i]->len * br->leaves[i]->len_type;
    int32_t offset = 0;
    for (size_t i = 0; i < br->nleaves; i++) {
        tt_leaf *l = br->leaves[i];
        tt_column *tc;
        RF_TRY(add_column(b, br, l, l->name, &tc));
        rf_column_info *ci = &b->t->columns[b->t->ncolumns - 1];
        classify_plain_leaf(ci, tc, l);
        if (!ci->unsupported && (tc->enc != TT_FIXED || tc->packed || tc->d32_float))
            ci->unsupported = "variable-size leaf in a leaf list";
        tc->stride = stride;
        tc->offset = offset;
        offset += l->len * l->len_type;
    }
    return RF_OK;
}

static rf_status add_branch_columns(builder *b, tt_branch *br)
{
    for (size_t i = 0; i < br->nbranches; i++)
        RF_TRY(add_branch_columns(b, br->branches[i]));
    if (br->nbranches > 0 || br->nleaves == 0)
        return RF_OK; /* split parents hold no data of their own */
    if (!strcmp(br->class_name, "TBranch") && br->nleaves > 1)
        return add_leaf_list(b, br);
    tt_leaf *l = br->leaves[0];
    tt_column *tc;
    RF_TRY(add_column(b, br, l, NULL, &tc));
    rf_column_info *ci = &b->t->columns[b->t->ncolumns - 1];
    if (!strcmp(l->class_name, "TLeafElement"))
        classify_element(b, ci, tc, br, l);
    else if (!strcmp(br->class_name, "TBranch"))
        classify_plain_leaf(ci, tc, l);
    else
        ci->unsupported = "object branch";
    if (tc->enc == TT_FIXED)
        tc->stride = tc->count * (int32_t)rf_dtype_size(tc->src);
    if (br->external)
        ci->unsupported = "baskets stored in another file (fFileName)";
    if (tc->enc == TT_OBJECT && tc->obj.node[0].kind == TT_TY_MAP && !br->external)
        return add_map_values(b, br, l);
    return RF_OK;
}

/* The counter column of a T[n] leaf (for baskets written without entry offsets). */
static void link_counters(rf_table *t, tt_table *tt)
{
    for (size_t i = 0; i < t->ncolumns; i++) {
        tt_leaf *cl = tt->cols[i].leaf ? tt->cols[i].leaf->count : NULL;
        if (!cl || tt->cols[i].enc != TT_JAGGED)
            continue;
        for (size_t j = 0; j < t->ncolumns; j++)
            if (tt->cols[j].leaf == cl && tt->cols[j].enc == TT_FIXED && !t->columns[j].unsupported)
                tt->cols[i].counter = (long)j;
    }
}

/* Cluster edges: basket starts shared by every readable column. Every column's basket starts
 * are in entry order (collect_baskets checks it) and the candidates come in entry order, so
 * one cursor per column walks its baskets once: linear in the baskets, where a search per
 * candidate took seconds on files of thousands of branches and baskets. */
static rf_status find_clusters(rf_table *t, tt_table *tt, rf_error *err)
{
    long ref = -1;
    for (size_t i = 0; i < t->ncolumns && ref < 0; i++)
        if (!t->columns[i].unsupported)
            ref = (long)i;
    size_t cap = ref >= 0 ? tt->cols[ref].nbaskets + 2 : 2;
    t->clusters = malloc(cap * sizeof *t->clusters);
    size_t *at = calloc(t->ncolumns + 1, sizeof *at);
    if (!t->clusters || !at) {
        free(at);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    size_t n = 0;
    t->clusters[n++] = 0;
    for (size_t k = 1; ref >= 0 && k < tt->cols[ref].nbaskets; k++) {
        int64_t e = tt->cols[ref].baskets[k].first;
        int shared = e > t->clusters[n - 1] && e < t->entries;
        for (size_t c = 0; shared && c < t->ncolumns; c++) {
            const tt_column *tc = &tt->cols[c];
            if (t->columns[c].unsupported)
                continue;
            while (at[c] < tc->nbaskets && tc->baskets[at[c]].first < e)
                at[c]++;
            shared = at[c] < tc->nbaskets && tc->baskets[at[c]].first == e;
        }
        if (shared)
            t->clusters[n++] = e;
    }
    free(at);
    if (t->entries > 0)
        t->clusters[n++] = t->entries;
    t->nclusters = n - 1;
    return RF_OK;
}

static rf_status build(rf_table *t, tt_table *tt, rf_error *err)
{
    builder b = {t, tt, 0, err};
    for (size_t i = 0; i < tt->tree.nbranches; i++)
        RF_TRY(add_branch_columns(&b, tt->tree.branches[i]));
    for (size_t i = 0; i < t->ncolumns; i++) {
        RF_TRY(collect_baskets(&b, &tt->cols[i], t->entries));
        t->columns[i].nblocks = (int64_t)tt->cols[i].nbaskets;
    }
    link_counters(t, tt);
    tt->cache = calloc(t->ncolumns + 1, sizeof *tt->cache);
    RF_CHECK(tt->cache, err, RF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < t->ncolumns; i++)
        tt->cache[i].index = -1;
    return find_clusters(t, tt, err);
}

/* Baskets embedded in the TTree record are not counted in fTotBytes/fZipBytes: add their
 * data bytes, and their share of the record's compressed size. */
static void count_embedded(rf_table *t, tt_table *tt, const rf_key *key)
{
    double ratio = key->objlen > 0 ? (double)(key->nbytes - key->keylen) / key->objlen : 1.0;
    for (size_t i = 0; i < t->ncolumns; i++) {
        const tt_branch *br = tt->cols[i].branch;
        for (size_t k = 0; br && k < br->nembedded; k++) {
            int64_t n = br->embedded[k].last - br->embedded[k].keylen;
            t->columns[i].uncompressed_bytes += n;
            t->columns[i].compressed_bytes += (int64_t)(n * ratio + 0.5);
        }
    }
}

static rf_status tt_open(rf_file *f, const char *path, rf_table **out, rf_error *err)
{
    *out = NULL;
    rf_key key;
    RF_TRY(rf_tfile_find_key(f, path, &key, err));
    uint8_t *buf = NULL;
    size_t len = 0;
    rf_status s = rf_key_read_payload(f, &key, &buf, &len, err);
    rf_table *t = calloc(1, sizeof *t);
    tt_table *tt = calloc(1, sizeof *tt);
    if (s == RF_OK && (!t || !tt || !(t->name = strdup(path))))
        s = rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (s == RF_OK) {
        t->ops = &ttree_ops;
        t->file = f;
        t->impl = tt;
        int ntuple = !strcmp(key.class_name, "TNtuple") || !strcmp(key.class_name, "TNtupleD");
        s = tt_tree_parse(buf, len, key.keylen + 2, ntuple, &tt->tree, err);
        if (s == RF_OK) {
            t->entries = tt->tree.entries;
            s = tt_streamer_stl(f, &tt->tree, err);
        }
        if (s == RF_OK)
            s = build(t, tt, err);
        if (s == RF_OK)
            count_embedded(t, tt, &key);
        if (s != RF_OK)
            rf_wrap(err, s, "%s: tree '%s' (key at offset %lld): ", f->name, path, (long long)key.seek_key);
    }
    free(buf);
    rf_key_clear(&key);
    if (s != RF_OK) {
        if (t && t->ops)
            tt_close(t);
        else {
            free(t);
            free(tt);
        }
        return s;
    }
    *out = t;
    return RF_OK;
}

void tt_close(rf_table *t)
{
    tt_table *tt = t->impl;
    for (size_t i = 0; i < t->ncolumns; i++) {
        free((char *)t->columns[i].name);
        free(tt->cols[i].baskets);
        if (tt->cache) {
            free(tt->cache[i].buf);
            free(tt->cache[i].offsets);
        }
    }
    tt_tree_free(&tt->tree);
    free(tt->cols);
    free(tt->cache);
    free(tt->scratch);
    free(tt->unpacked);
    for (int i = 0; i < TT_COUNT_SLOTS; i++)
        free(tt->counts[i].off);
    rf_column_data_free(&tt->cnt);
    free(t->columns);
    free(t->clusters);
    free(t->name);
    free(tt);
    free(t);
}

const rf_table_format rf_ttree_format = {{"TTree", "TNtuple", "TNtupleD", NULL}, tt_open};
