/* ttree_w.c - the TTree back end. Each declared column becomes one branch with one leaf
 * (`x/F`, `x[2][3]/F`, or `x[nx]/F` after a counter branch `nx/I` for a jagged column); a
 * nested jagged column becomes a TBranchElement of class vector<vector<float> > whose entries
 * are the serialized vectors (byte count, version, then each vector's size and elements) and
 * whose class gets a TStreamerInfo, as ROOT writes them. Each
 * cluster is cut per branch into baskets of about basket_bytes, written as TBasket records
 * (big-endian values, plus the entry-offset array for jagged branches); at close the TTree
 * record lists every branch with its basket offsets, sizes and first entries, and fAutoFlush
 * records the cluster size so that readers find the cluster edges. Two internal options
 * (writer_impl.h) write the tree as a TNtuple/TNtupleD and a float64 column as Double32_t. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "streamers.h"
#include "writer_impl.h"

typedef struct tbranch {
    int col;          /* writer column; for a counter, the jagged column it counts */
    int counter;      /* 1: this branch holds the item counts of column col */
    int count_branch; /* jagged data branch: index of its counter branch */
    int element;      /* nested jagged column: a TBranchElement of serialized vectors */
    char *cls;        /* element: its class name, "vector<vector<float> >" */
    char *name, *title, *leaf_title;
    int32_t *bytes;
    int64_t *entry, *seek;
    int nbaskets, cap;
    int64_t totbytes, zipbytes;
} tbranch;

typedef struct tstate {
    tbranch *br;
    int nbr;
    int64_t totbytes, zipbytes;
    wbuf scratch;
    wbuf ser;         /* element branch: the cluster's entries serialized */
    wbuf starts;      /* ... and where each entry starts in ser (int64, one more than entries) */
} tstate;

static const char letters[RF_DTYPE_COUNT] = {'O', 'B', 'b', 'S', 's', 'I', 'i', 'L', 'l', 'F', 'D'};
/* Element type names in ROOT's normalized class names (vector<ULong64_t>). */
static const char *const ctypes[RF_DTYPE_COUNT] = {"bool", "char", "unsigned char", "short", "unsigned short",
    "int", "unsigned int", "Long64_t", "ULong64_t", "float", "double"};
static const char *const leaf_classes[RF_DTYPE_COUNT] = {
    "TLeafO", "TLeafB", "TLeafB", "TLeafS", "TLeafS", "TLeafI", "TLeafI", "TLeafL", "TLeafL", "TLeafF", "TLeafD"};

static int name_taken(const rf_writer *w, const tstate *t, const char *s)
{
    for (size_t i = 0; i < w->ncols; i++)
        if (!strcmp(w->cols[i].name, s))
            return 1;
    for (int i = 0; i < t->nbr; i++)
        if (t->br[i].name && !strcmp(t->br[i].name, s))
            return 1;
    return 0;
}

static char *dims(const wcol *c, const char *count)
{
    char buf[256] = "";
    size_t n = 0;
    if (count)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[%s]", count);
    for (int d = 0; d < c->ndims && n < sizeof buf; d++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "[%lld]", (long long)c->shape[d]);
    char *s = malloc(strlen(c->name) + strlen(buf) + 1);
    if (s)
        sprintf(s, "%s%s", c->name, buf);
    return s;
}

/* ROOT's name of the class of a nested jagged column: "vector<vector<float> >". */
static char *vector_class(const wcol *c)
{
    size_t n = strlen(ctypes[c->dtype]) + 10 * (size_t)c->nlevels + 1;
    char *s = malloc(n);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int l = 0; l < c->nlevels; l++)
        strcat(s, "vector<");
    strcat(s, ctypes[c->dtype]);
    for (int l = 0; l < c->nlevels; l++)
        strcat(s, l ? " >" : ">");
    return s;
}

static rf_status add_element_branch(tstate *t, const wcol *c, int col, rf_error *err)
{
    tbranch *b = &t->br[t->nbr++];
    memset(b, 0, sizeof *b);
    b->col = col, b->element = 1;
    b->name = strdup(c->name);
    b->title = strdup(c->name);
    b->leaf_title = strdup(c->name);
    b->cls = vector_class(c);
    RF_CHECK(b->name && b->title && b->leaf_title && b->cls, err, RF_ERR_NOMEM, "out of memory");
    return RF_OK;
}

static rf_status add_branch(tstate *t, const wcol *c, int col, int counter, const char *cname, rf_error *err)
{
    if (!counter && c->nlevels > 1)
        return add_element_branch(t, c, col, err);
    tbranch *b = &t->br[t->nbr];
    memset(b, 0, sizeof *b);
    b->col = col, b->counter = counter;
    if (counter) {
        b->name = strdup(cname);
        b->leaf_title = strdup(cname);
    } else {
        b->name = strdup(c->name);
        b->leaf_title = dims(c, c->kind == RF_KIND_JAGGED ? cname : NULL);
        b->count_branch = c->kind == RF_KIND_JAGGED ? t->nbr - 1 : -1;
    }
    char letter = counter ? 'I' : c->double32 ? 'd' : letters[c->dtype];
    b->title = b->leaf_title ? malloc(strlen(b->leaf_title) + 3) : NULL;
    t->nbr++;
    RF_CHECK(b->name && b->title, err, RF_ERR_NOMEM, "out of memory");
    sprintf(b->title, "%s/%c", b->leaf_title, letter);
    return RF_OK;
}

rf_status wr_tree_class(rf_writer *w, const char *cls, rf_error *err)
{
    RF_CHECK(w->opt.format == RF_FORMAT_TTREE && !w->begun, err, RF_ERR_ARG,
             "%s: the tree class is set on a TTree writer before the first append", w->path);
    RF_CHECK(!strcmp(cls, "TNtuple") || !strcmp(cls, "TNtupleD"), err, RF_ERR_ARG,
             "%s: tree class '%s' is not TNtuple or TNtupleD", w->path, cls);
    w->tree_class = !strcmp(cls, "TNtuple") ? "TNtuple" : "TNtupleD";
    return RF_OK;
}

rf_status wr_double32(rf_writer *w, const char *column, rf_error *err)
{
    RF_CHECK(w->opt.format == RF_FORMAT_TTREE && !w->begun, err, RF_ERR_ARG,
             "%s: Double32_t is set on a TTree writer before the first append", w->path);
    for (size_t i = 0; i < w->ncols; i++)
        if (!strcmp(w->cols[i].name, column)) {
            RF_CHECK(w->cols[i].dtype == RF_FLOAT64, err, RF_ERR_ARG,
                     "%s: column '%s' is not float64 and cannot be Double32_t", w->path, column);
            w->cols[i].double32 = 1;
            return RF_OK;
        }
    return rf_fail(err, RF_ERR_ARG, "%s: no column '%s' to store as Double32_t", w->path, column);
}

/* A TNtuple(D) holds flat columns of its one type, one TBranch each. */
static rf_status check_ntuple(const rf_writer *w, rf_error *err)
{
    rf_dtype want = !strcmp(w->tree_class, "TNtuple") ? RF_FLOAT32 : RF_FLOAT64;
    for (size_t i = 0; i < w->ncols; i++)
        RF_CHECK(w->cols[i].kind == RF_KIND_FLAT && w->cols[i].dtype == want && !w->cols[i].double32, err,
                 RF_ERR_ARG, "%s: column '%s' of a %s must be flat %s", w->path, w->cols[i].name,
                 w->tree_class, rf_dtype_name(want));
    return RF_OK;
}

static rf_status tt_begin(rf_writer *w, rf_error *err)
{
    if (w->tree_class)
        RF_TRY(check_ntuple(w, err));
    tstate *t = calloc(1, sizeof *t);
    RF_CHECK(t, err, RF_ERR_NOMEM, "out of memory");
    w->impl = t;
    t->br = calloc(2 * w->ncols + 1, sizeof *t->br);
    RF_CHECK(t->br, err, RF_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < w->ncols; i++) {
        const wcol *c = &w->cols[i];
        char cname[300] = "";
        if (c->nlevels == 1) {
            snprintf(cname, sizeof cname, "n%s", c->name);
            while (name_taken(w, t, cname) && strlen(cname) < sizeof cname - 2)
                strcat(cname, "_");
            RF_TRY(add_branch(t, c, (int)i, 1, cname, err));
        }
        RF_TRY(add_branch(t, c, (int)i, 0, cname, err));
    }
    return RF_OK;
}

static rf_status grow_baskets(tbranch *b, rf_error *err)
{
    if (b->nbaskets + 1 < b->cap)
        return RF_OK;
    int cap = b->cap ? 2 * b->cap : 16;
    int32_t *by = realloc(b->bytes, (size_t)cap * sizeof *by);
    if (by)
        b->bytes = by;
    int64_t *en = realloc(b->entry, (size_t)cap * sizeof *en);
    if (en)
        b->entry = en;
    int64_t *se = realloc(b->seek, (size_t)cap * sizeof *se);
    if (se)
        b->seek = se;
    RF_CHECK(by && en && se, err, RF_ERR_NOMEM, "out of memory");
    b->cap = cap;
    return RF_OK;
}

/* Appends n values of size es from src as big-endian. */
static void put_be(wbuf *o, const uint8_t *src, size_t n, size_t es)
{
    uint8_t *d = n ? wb_grow(o, n * es) : NULL;
    if (!d)
        return;
    o->n += n * es;
    if (es == 1) {
        memcpy(d, src, n);
    } else if (es == 2) {
        for (size_t i = 0; i < n; i++)
            store_be16(d + 2 * i, load_le16(src + 2 * i));
    } else if (es == 4) {
        for (size_t i = 0; i < n; i++)
            store_be32(d + 4 * i, load_le32(src + 4 * i));
    } else {
        for (size_t i = 0; i < n; i++)
            store_be64(d + 8 * i, load_le64(src + 8 * i));
    }
}

/* Appends n float64 values from src as big-endian float32 (Double32_t without a range). */
static void put_d32(wbuf *o, const uint8_t *src, size_t n)
{
    uint8_t *d = n ? wb_grow(o, n * 4) : NULL;
    if (!d)
        return;
    o->n += n * 4;
    for (size_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, src + 8 * i, 8);
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        store_be32(d + 4 * i, u);
    }
}

/* Appends the vector of level l whose size is the next count of that level, and everything
 * inside it, as ROOT serializes nested vectors: i32 size, then the elements (numbers
 * big-endian, inner vectors without a header). pos[l] is the next count of level l,
 * pos[nlevels] the next value. */
static void put_vectors(wbuf *o, const wcol *c, int l, int64_t *pos)
{
    int64_t n = ((const int64_t *)c->counts[l].p)[pos[l]++];
    wb_be32(o, (uint32_t)n);
    if (l + 1 >= c->nlevels || l + 1 == RF_MAX_LEVELS) {
        put_be(o, c->vals.p + (size_t)pos[l + 1] * c->esize, (size_t)n, c->esize);
        pos[l + 1] += n;
        return;
    }
    for (int64_t i = 0; i < n; i++)
        put_vectors(o, c, l + 1, pos);
}

/* Serializes every staged entry of nested jagged column c into t->ser (byte count, version 9
 * - TStreamerInfo's, which ROOT writes there - then the outer vector), t->starts[e] being
 * where entry e starts. */
static rf_status serialize_cluster(rf_writer *w, const wcol *c, rf_error *err)
{
    tstate *t = w->impl;
    int64_t pos[RF_MAX_LEVELS + 1] = {0};
    t->ser.n = t->starts.n = 0;
    for (int64_t e = 0; e < w->staged; e++) {
        wb_le64(&t->starts, (uint64_t)t->ser.n);
        size_t head = wb_object_begin(&t->ser, 9);
        put_vectors(&t->ser, c, 0, pos);
        wb_frame_end(&t->ser, head);
    }
    wb_le64(&t->starts, (uint64_t)t->ser.n);
    RF_CHECK(!t->ser.oom && !t->starts.oom && t->ser.n < INT32_MAX, err, RF_ERR_NOMEM,
             "out of memory serializing column '%s' (or a cluster of it over 2 GiB)", c->name);
    return RF_OK;
}

/* Bytes of entry e of branch b's data (without its entry-offset word). */
static size_t entry_data(const rf_writer *w, const tbranch *b, int64_t e)
{
    const wcol *c = &w->cols[b->col];
    if (b->counter)
        return 4;
    if (b->element) {
        const int64_t *st = (const int64_t *)((const tstate *)w->impl)->starts.p;
        return (size_t)(st[e + 1] - st[e]);
    }
    size_t es = c->double32 ? 4 : c->esize;
    if (c->kind == RF_KIND_JAGGED)
        return (size_t)((const int64_t *)c->counts[0].p)[e] * c->item * es;
    return c->item * es;
}

/* Writes one basket of entries [e0, e1) of the cluster for branch b; i0 is the first item of
 * entry e0 for a jagged branch. */
static rf_status write_basket(rf_writer *w, tbranch *b, int64_t e0, int64_t e1, int64_t i0, rf_error *err)
{
    tstate *t = w->impl;
    const wcol *c = &w->cols[b->col];
    const int64_t *cnt = (const int64_t *)c->counts[0].p;
    wbuf *o = &t->scratch;
    o->n = 0;
    int nev = (int)(e1 - e0), jag = !b->counter && c->kind == RF_KIND_JAGGED;
    size_t keylen = tfw_key_size(1, "TBasket", b->name, w->name) + 19;
    if (b->counter) {
        for (int64_t e = e0; e < e1; e++)
            wb_be32(o, (uint32_t)cnt[e]);
    } else if (b->element) {
        const int64_t *st = (const int64_t *)t->starts.p;
        wb_bytes(o, t->ser.p + st[e0], (size_t)(st[e1] - st[e0]));
    } else {
        int64_t i1 = e1;
        if (!jag)
            i0 = e0;
        else {
            i1 = i0;
            for (int64_t e = e0; e < e1; e++)
                i1 += cnt[e];
        }
        const uint8_t *src = c->vals.p + (size_t)i0 * c->item * c->esize;
        if (c->double32)
            put_d32(o, src, (size_t)(i1 - i0) * c->item);
        else
            put_be(o, src, (size_t)(i1 - i0) * c->item, c->esize);
    }
    uint32_t datalen = (uint32_t)o->n;
    if (jag) {
        size_t pos = keylen;
        wb_be32(o, (uint32_t)nev + 1);
        for (int64_t e = e0; e < e1; e++) {
            wb_be32(o, (uint32_t)pos);
            pos += entry_data(w, b, e);
        }
        wb_be32(o, 0);
    }
    RF_CHECK(!o->oom, err, RF_ERR_NOMEM, "out of memory building a basket of '%s'", b->name);
    uint8_t head[19];
    store_be16(head, 3);
    store_be32(head + 2, (uint32_t)(keylen + o->n));                       /* fBufferSize */
    store_be32(head + 6, jag ? (uint32_t)nev + 1 : (uint32_t)(datalen / (nev ? nev : 1))); /* fNevBufSize */
    store_be32(head + 10, (uint32_t)nev);
    store_be32(head + 14, (uint32_t)(keylen + datalen));                   /* fLast */
    head[18] = 0;
    RF_TRY(grow_baskets(b, err));
    tfw_rec r = {"TBasket", b->name, w->name, (uint16_t)b->nbaskets, 1, -1, head, 19, 0};
    tfw_key k;
    RF_TRY(tfw_write(w->file, &r, o->p, o->n, &k, err));
    b->bytes[b->nbaskets] = (int32_t)k.nbytes;
    b->entry[b->nbaskets] = w->entries + e0;
    b->seek[b->nbaskets] = (int64_t)k.seek;
    b->nbaskets++;
    b->totbytes += k.keylen + k.objlen;
    b->zipbytes += k.nbytes;
    return RF_OK;
}

static rf_status tt_flush(rf_writer *w, rf_error *err)
{
    tstate *t = w->impl;
    size_t cap = (size_t)w->opt.basket_bytes;
    for (int i = 0; i < t->nbr; i++) {
        tbranch *b = &t->br[i];
        const wcol *c = &w->cols[b->col];
        const int64_t *cnt = (const int64_t *)c->counts[0].p;
        int jag = !b->counter && c->kind == RF_KIND_JAGGED;
        if (b->element)
            RF_TRY(serialize_cluster(w, c, err));
        int64_t e0 = 0, i0 = 0, items = 0;
        size_t fill = 0;
        for (int64_t e = 0; e < w->staged; e++) {
            size_t n = entry_data(w, b, e) + (jag ? 4 : 0);
            if (e > e0 && fill + n > cap) {
                RF_TRY(write_basket(w, b, e0, e, i0, err));
                e0 = e, fill = 0, i0 = items;
            }
            fill += n;
            items += jag ? cnt[e] : 0;
        }
        RF_TRY(write_basket(w, b, e0, w->staged, i0, err));
    }
    return RF_OK;
}

static void put_iofeatures(wbuf *o)
{
    static const uint8_t f[11] = {0x40, 0, 0, 7, 0, 0, 0x1a, 0xa1, 0x2f, 0x10, 0};
    wb_bytes(o, f, sizeof f);
}

static void put_empty_objarray(wbuf *o)
{
    size_t a = wb_object_begin(o, 3);
    om_tobject(o, 0);
    wb_tstring(o, "");
    wb_be32(o, 0);
    wb_be32(o, 0);
    wb_frame_end(o, a);
}

/* fMinimum / fMaximum in the leaf class's own width (Double32_t without a range: float). */
static void put_minmax(wbuf *o, rf_dtype d, int d32, int64_t max)
{
    size_t es = rf_dtype_size(d);
    if (d == RF_FLOAT32 || d32) {
        wb_be32(o, 0), wb_be32(o, 0);
    } else if (d == RF_FLOAT64) {
        wb_be64(o, 0), wb_be64(o, 0);
    } else if (es == 1) {
        wb_u8(o, 0), wb_u8(o, 0);
    } else if (es == 2) {
        wb_be16(o, 0), wb_be16(o, 0);
    } else if (es == 4) {
        wb_be32(o, 0), wb_be32(o, (uint32_t)max);
    } else {
        wb_be64(o, 0), wb_be64(o, (uint64_t)max);
    }
}

static void put_leaf(rf_writer *w, wbuf *o, objmap *m, const tbranch *b, uint32_t *refs, int ib)
{
    const wcol *c = &w->cols[b->col];
    rf_dtype d = b->counter ? RF_INT32 : c->dtype;
    int d32 = !b->counter && c->double32;
    const char *cls = b->element ? "TLeafElement" : d32 ? "TLeafD32" : leaf_classes[d];
    size_t slot = om_slot_begin(o, m, cls, &refs[ib]);
    size_t obj = wb_object_begin(o, 1);
    size_t leaf = wb_object_begin(o, 2);
    om_tnamed(o, b->counter ? b->name : c->name, b->leaf_title, 0);
    wb_be32(o, b->counter || b->element ? 1 : (uint32_t)c->item); /* fLen */
    wb_be32(o, b->element ? 0 : (uint32_t)rf_dtype_size(d));      /* fLenType */
    wb_be32(o, 0);                                               /* fOffset */
    wb_u8(o, (uint8_t)b->counter);                               /* fIsRange */
    wb_u8(o, !b->element && (d == RF_UINT8 || d == RF_UINT16 || d == RF_UINT32 || d == RF_UINT64));
    wb_be32(o, c->nlevels == 1 && !b->counter ? refs[b->count_branch] : 0); /* fLeafCount */
    wb_frame_end(o, leaf);
    if (b->element)
        wb_be32(o, (uint32_t)-1), wb_be32(o, (uint32_t)-1); /* fID, fType: the whole object */
    else
        put_minmax(o, d, d32, b->counter ? c->max_count : 0);
    wb_frame_end(o, obj);
    wb_frame_end(o, slot);
}

static void put_counted(wbuf *o, const void *v, int n, int maxb, size_t es)
{
    wb_u8(o, 1);
    for (int i = 0; i < maxb; i++) {
        uint64_t x = 0;
        if (i < n)
            x = es == 4 ? (uint64_t)(uint32_t)((const int32_t *)v)[i] : (uint64_t)((const int64_t *)v)[i];
        if (es == 4)
            wb_be32(o, (uint32_t)x);
        else
            wb_be64(o, x);
    }
}

static void put_branch(rf_writer *w, wbuf *o, objmap *m, tbranch *b, uint32_t *refs, int ib)
{
    int64_t n = w->entries;
    int maxb = b->nbaskets + 1 < 10 ? 10 : b->nbaskets + 1;
    int jag = !b->counter && w->cols[b->col].kind == RF_KIND_JAGGED;
    b->entry[b->nbaskets] = n; /* the terminator; grow_baskets keeps a spare slot */
    size_t slot = om_slot_begin(o, m, b->element ? "TBranchElement" : "TBranch", NULL);
    size_t element = b->element ? wb_object_begin(o, 10) : 0;
    size_t obj = wb_object_begin(o, 13);
    om_tnamed(o, b->name, b->title, 0x00400000u);
    size_t fill = wb_object_begin(o, 2);
    wb_be16(o, 0), wb_be16(o, 1001);
    wb_frame_end(o, fill);
    wb_be32(o, (uint32_t)w->opt.compression);
    wb_be32(o, (uint32_t)w->opt.basket_bytes);
    wb_be32(o, jag ? 1000 : 0);            /* fEntryOffsetLen */
    wb_be32(o, (uint32_t)b->nbaskets);     /* fWriteBasket */
    wb_be64(o, (uint64_t)n);               /* fEntryNumber */
    put_iofeatures(o);
    wb_be32(o, 0);                         /* fOffset */
    wb_be32(o, (uint32_t)maxb);
    wb_be32(o, b->element ? 99 : 0);       /* fSplitLevel */
    wb_be64(o, (uint64_t)n), wb_be64(o, 0);
    wb_be64(o, (uint64_t)b->totbytes), wb_be64(o, (uint64_t)b->zipbytes);
    put_empty_objarray(o);                 /* fBranches */
    size_t leaves = wb_object_begin(o, 3);
    om_tobject(o, 0);
    wb_tstring(o, "");
    wb_be32(o, 1), wb_be32(o, 0);
    put_leaf(w, o, m, b, refs, ib);
    wb_frame_end(o, leaves);
    size_t baskets = wb_object_begin(o, 3);  /* fBaskets: fWriteBasket + 1 null slots */
    om_tobject(o, 0);
    wb_tstring(o, "");
    wb_be32(o, (uint32_t)b->nbaskets + 1), wb_be32(o, 0);
    wb_zero(o, 4 * ((size_t)b->nbaskets + 1));
    wb_frame_end(o, baskets);
    put_counted(o, b->bytes, b->nbaskets, maxb, 4);
    put_counted(o, b->entry, b->nbaskets + 1, maxb, 8);
    put_counted(o, b->seek, b->nbaskets, maxb, 8);
    wb_tstring(o, "");
    wb_frame_end(o, obj);
    if (b->element) {
        wb_tstring(o, b->cls), wb_tstring(o, ""), wb_tstring(o, ""); /* fClassName, fParentName, fClonesName */
        wb_be32(o, si_name_checksum(b->cls));
        wb_be16(o, 6);                                    /* fClassVersion: std::vector's */
        wb_be32(o, (uint32_t)-1);                         /* fID: the whole object */
        wb_be32(o, 0);                                    /* fType */
        wb_be32(o, (uint32_t)-1);                         /* fStreamerType */
        wb_be32(o, 0);                                    /* fMaximum */
        wb_be32(o, 0), wb_be32(o, 0);                     /* fBranchCount, fBranchCount2 */
        wb_frame_end(o, element);
    }
    wb_frame_end(o, slot);
}

static void put_tree_head(rf_writer *w, wbuf *o, const tstate *t)
{
    om_tnamed(o, w->name, w->opt.title, 0x8);
    size_t a = wb_object_begin(o, 2);
    wb_be16(o, 602), wb_be16(o, 1), wb_be16(o, 1);
    wb_frame_end(o, a);
    a = wb_object_begin(o, 2);
    wb_be16(o, 0), wb_be16(o, 1001);
    wb_frame_end(o, a);
    a = wb_object_begin(o, 3);
    wb_be16(o, 1), wb_be16(o, 1), wb_be32(o, 0x3f800000u);
    wb_frame_end(o, a);
    wb_be64(o, (uint64_t)w->entries);
    wb_be64(o, (uint64_t)t->totbytes), wb_be64(o, (uint64_t)t->zipbytes);
    wb_be64(o, 0);                                   /* fSavedBytes */
    wb_be64(o, (uint64_t)t->zipbytes);               /* fFlushedBytes */
    wb_be64(o, 0x3ff0000000000000ULL);               /* fWeight 1.0 */
    wb_be32(o, 0), wb_be32(o, 25), wb_be32(o, 0);    /* fTimerInterval, fScanField, fUpdate */
    wb_be32(o, 1000);                                /* fDefaultEntryOffsetLen */
    wb_be32(o, 0);                                   /* fNClusterRange */
    wb_be64(o, 1000000000000ULL), wb_be64(o, 1000000000000ULL);
    wb_be64(o, 0);                                   /* fMaxVirtualSize */
    wb_be64(o, (uint64_t)-300000000LL);              /* fAutoSave */
    int64_t flush = w->opt.cluster_entries > 0 ? w->opt.cluster_entries : w->cluster_target;
    wb_be64(o, (uint64_t)(flush > 0 ? flush : -30000000LL)); /* fAutoFlush */
    wb_be64(o, 1000000);                             /* fEstimate */
    wb_u8(o, 0), wb_u8(o, 0);                        /* fClusterRangeEnd, fClusterSize */
    put_iofeatures(o);
}

static void build_tree(rf_writer *w, wbuf *o, size_t keylen)
{
    tstate *t = w->impl;
    objmap m = {.keylen = keylen};
    uint32_t *refs = calloc((size_t)t->nbr + 1, sizeof *refs);
    if (!refs) {
        o->oom = 1;
        return;
    }
    for (int i = 0; i < t->nbr; i++)
        t->totbytes += t->br[i].totbytes, t->zipbytes += t->br[i].zipbytes;
    size_t ntuple = w->tree_class ? wb_object_begin(o, !strcmp(w->tree_class, "TNtuple") ? 2 : 1) : 0;
    size_t tree = wb_object_begin(o, 20);
    put_tree_head(w, o, t);
    size_t br = wb_object_begin(o, 3);
    om_tobject(o, 0x00004000u);
    wb_tstring(o, "");
    wb_be32(o, (uint32_t)t->nbr), wb_be32(o, 0);
    for (int i = 0; i < t->nbr; i++)
        put_branch(w, o, &m, &t->br[i], refs, i);
    wb_frame_end(o, br);
    size_t lv = wb_object_begin(o, 3);
    om_tobject(o, 0);
    wb_tstring(o, "");
    wb_be32(o, (uint32_t)t->nbr), wb_be32(o, 0);
    for (int i = 0; i < t->nbr; i++)
        wb_be32(o, refs[i]);
    wb_frame_end(o, lv);
    wb_be32(o, 0);           /* fAliases */
    wb_be32(o, 0);           /* fIndexValues (TArrayD, empty) */
    wb_be32(o, 0);           /* fIndex (TArrayI, empty) */
    wb_zero(o, 16);          /* fTreeIndex, fFriends, fUserInfo, fBranchRef */
    wb_frame_end(o, tree);
    if (w->tree_class) {
        wb_be32(o, (uint32_t)w->ncols); /* fNvar */
        wb_frame_end(o, ntuple);
    }
    free(refs);
}

static rf_status tt_finish(rf_writer *w, rf_error *err)
{
    tstate *t = w->impl;
    for (int i = 0; i < t->nbr; i++)
        RF_TRY(grow_baskets(&t->br[i], err));
    tfw_rec r = {w->tree_class ? w->tree_class : "TTree", w->name, w->opt.title, 1, 0, -1, NULL, 0, 1};
    size_t keylen = tfw_key_size(tfw_next_big(w->file), r.cls, r.name, r.title);
    wbuf o = {0};
    build_tree(w, &o, keylen);
    RF_CHECK(!o.oom, err, RF_ERR_NOMEM, "out of memory building the tree record");
    rf_status s = tfw_write(w->file, &r, o.p, o.n, NULL, err);
    wb_free(&o);
    const char **classes = malloc((4 + RF_DTYPE_COUNT + 3 * (size_t)t->nbr) * sizeof *classes);
    RF_CHECK(classes || s != RF_OK, err, RF_ERR_NOMEM, "out of memory");
    if (s != RF_OK) {
        free(classes);
        return s;
    }
    size_t nc = 0;
    classes[nc++] = "TTree", classes[nc++] = "TLeafI";
    for (int d = 0; d < RF_DTYPE_COUNT; d++)
        for (size_t i = 0; i < w->ncols; i++)
            if (w->cols[i].dtype == (rf_dtype)d && !w->cols[i].double32 && w->cols[i].nlevels < 2) {
                classes[nc++] = leaf_classes[d];
                break;
            }
    for (size_t i = 0; i < w->ncols; i++)
        if (w->cols[i].double32) {
            classes[nc++] = "TLeafD32";
            break;
        }
    if (w->tree_class)
        classes[nc++] = w->tree_class;
    for (int i = 0; i < t->nbr; i++) /* repeated names are listed once */
        if (t->br[i].element)
            classes[nc++] = "TBranchElement", classes[nc++] = "TLeafElement", classes[nc++] = t->br[i].cls;
    tfw *f = w->file;
    w->file = NULL;
    s = tfw_close(f, classes, nc, err);
    free(classes);
    return s;
}

static void tt_release(rf_writer *w)
{
    tstate *t = w->impl;
    if (!t)
        return;
    for (int i = 0; i < t->nbr; i++) {
        free(t->br[i].name), free(t->br[i].title), free(t->br[i].leaf_title), free(t->br[i].cls);
        free(t->br[i].bytes), free(t->br[i].entry), free(t->br[i].seek);
    }
    free(t->br);
    wb_free(&t->scratch), wb_free(&t->ser), wb_free(&t->starts);
    free(t);
    w->impl = NULL;
}

const wbackend rf_ttree_backend = {tt_begin, tt_flush, tt_finish, tt_release};
