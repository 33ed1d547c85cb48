/* ttree_meta.c - streaming in a TTree object: the TTree header fields of every class version
 * from ROOT 5.23 (v16) to 6.38 (v20), its TBranch / TBranchElement tree, their leaves
 * (with fLeafCount back-references resolved), basket locations and embedded baskets. The
 * member lists are hard-coded like uproot's, so no streamer info is needed for this part. */
#include "ttree.h"

#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "../tfile/rbuf.h"

typedef struct {
    rf_rbuf *b;
    tt_tree *tree;
    rf_error *err;
} parser;

static tt_branch *parse_branch_object(parser *p, const char *cls, size_t end, tt_branch *parent);
static tt_leaf *parse_leaf_object(parser *p, const char *cls, size_t end);

static int push(void ***arr, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void *q = realloc(*arr, c * sizeof(void *));
        if (!q)
            return 0;
        *arr = q;
        *cap = c;
    }
    (*arr)[(*n)++] = item;
    return 1;
}

static void skip_frame(rf_rbuf *b)
{
    rf_frame f = rb_frame(b);
    if (!f.end)
        b->bad = 1;
    rb_frame_end(b, &f);
}

/* TIOFeatures: a version-0 frame with checksum and one byte; its frame end covers it. */
static void skip_iofeatures(rf_rbuf *b) { skip_frame(b); }

/* A leaf pointer (fLeafCount, or an element of fLeaves). */
static tt_leaf *read_leaf_pointer(parser *p)
{
    const char *cls;
    size_t end;
    uint32_t tag;
    void *obj;
    int r = rb_pointer(p->b, &cls, &end, &tag, &obj);
    if (r == 2)
        return obj;
    if (r != 1)
        return NULL;
    tt_leaf *leaf = parse_leaf_object(p, cls, end);
    rb_ref_set(p->b, tag, leaf);
    p->b->pos = end;
    return leaf;
}

static tt_leaf *parse_leaf_object(parser *p, const char *cls, size_t end)
{
    rf_rbuf *b = p->b;
    if (strncmp(cls, "TLeaf", 5) != 0) {
        b->pos = end;
        return NULL;
    }
    tt_leaf *leaf = calloc(1, sizeof *leaf);
    if (!leaf || !push((void ***)&p->tree->leaves_all, &p->tree->nleaves_all, &p->tree->cap_leaves_all, leaf)) {
        free(leaf);
        b->bad = 1;
        return NULL;
    }
    leaf->class_name = strdup(cls);
    leaf->elem_type = -1;
    rf_frame outer = rb_frame(b); /* TLeafX */
    rf_frame base = rb_frame(b);  /* TLeaf */
    rb_tnamed(b, &leaf->name, &leaf->title);
    leaf->len = rb_i32(b);
    leaf->len_type = rb_i32(b);
    leaf->offset = rb_i32(b);
    rb_u8(b); /* fIsRange */
    leaf->is_unsigned = rb_u8(b);
    leaf->count = read_leaf_pointer(p);
    rb_frame_end(b, &base);
    if (!strcmp(cls, "TLeafElement")) {
        rb_i32(b); /* fID */
        leaf->elem_type = rb_i32(b);
    }
    rb_frame_end(b, &outer);
    if (!leaf->class_name || !leaf->name || !leaf->title)
        b->bad = 1;
    return leaf;
}

/* TObjArray of branches or leaves: frame, TObject, name, n, lowBound, n pointers. */
static void parse_objarray(parser *p, tt_branch *owner, int leaves, tt_branch *parent)
{
    rf_rbuf *b = p->b;
    rf_frame f;
    int32_t n = rb_objarray_begin(b, &f);
    for (int32_t i = 0; i < n && !b->bad; i++) {
        if (leaves) {
            tt_leaf *leaf = read_leaf_pointer(p);
            if (leaf && owner && !push((void ***)&owner->leaves, &owner->nleaves, &(size_t){owner->nleaves}, leaf))
                b->bad = 1;
            if (leaf && owner)
                leaf->branch = owner;
            continue;
        }
        const char *cls;
        size_t end;
        uint32_t tag;
        void *obj;
        int r = rb_pointer(b, &cls, &end, &tag, &obj);
        if (r != 1)
            continue;
        tt_branch *br = parse_branch_object(p, cls, end, parent);
        b->pos = end;
        rb_ref_set(b, tag, br);
        if (!br)
            continue;
        tt_branch ***arr = parent ? &parent->branches : &p->tree->branches;
        size_t *cnt = parent ? &parent->nbranches : &p->tree->nbranches;
        size_t cap = *cnt;
        if (!push((void ***)arr, cnt, &cap, br))
            b->bad = 1;
    }
    rb_frame_end(b, &f);
}

/* The embedded TBasket objects of fBaskets (slots <= fWriteBasket that are not null). */
static void parse_embedded(parser *p, tt_branch *br, const char *cls, size_t end, int slot)
{
    rf_rbuf *b = p->b;
    if (strcmp(cls, "TBasket") != 0 || slot > br->write_basket)
        return;
    rf_key key;
    size_t used;
    if (rf_key_parse(b->data + b->pos, end - b->pos, &key, &used, NULL) != RF_OK) {
        b->bad = 1;
        return;
    }
    b->pos += used;
    tt_embedded e = {slot, NULL, key.keylen, 0, 0, NULL};
    rf_key_clear(&key);
    rb_i16(b); /* version */
    rb_i32(b); /* fBufferSize */
    int32_t nevbufsize = rb_i32(b);
    if (nevbufsize < 0)
        rb_u8(b);
    e.nevbuf = rb_i32(b);
    e.last = rb_i32(b);
    int flag = rb_u8(b);
    if (e.nevbuf < 0 || e.last < e.keylen || (size_t)e.last > end - b->pos) {
        b->bad = 1;
        return;
    }
    if (flag % 10 != 2 && e.nevbuf > 0) {
        int32_t n = rb_i32(b);
        if (n != e.nevbuf || !rb_has(b, (size_t)n * 4)) {
            b->bad = 1;
            return;
        }
        e.offsets = malloc((size_t)n * sizeof *e.offsets);
        for (int32_t i = 0; e.offsets && i < n; i++)
            e.offsets[i] = rb_i32(b);
        if (flag > 40)
            rb_skip(b, (size_t)rb_i32(b) * 4);
    }
    if ((flag == 1 || flag > 10) && rb_has(b, (size_t)e.last) && (e.buf = malloc((size_t)e.last + 1))) {
        memcpy(e.buf, b->data + b->pos, (size_t)e.last);
        b->pos += (size_t)e.last;
        void *q = realloc(br->embedded, (br->nembedded + 1) * sizeof *br->embedded);
        if (q) {
            br->embedded = q;
            br->embedded[br->nembedded++] = e;
            return;
        }
    }
    free(e.buf);
    free(e.offsets);
}

static void parse_baskets_array(parser *p, tt_branch *br)
{
    rf_rbuf *b = p->b;
    rf_frame f;
    int32_t n = rb_objarray_begin(b, &f);
    for (int32_t i = 0; i < n && !b->bad; i++) {
        const char *cls;
        size_t end;
        uint32_t tag;
        void *obj;
        if (rb_pointer(b, &cls, &end, &tag, &obj) == 1) {
            parse_embedded(p, br, cls, end, i);
            b->pos = end;
        }
    }
    rb_frame_end(b, &f);
}

/* Counted arrays fBasketBytes/fBasketEntry/fBasketSeek: a u8 flag then max_baskets values. */
static void *read_counted(rf_rbuf *b, int32_t n, int wide)
{
    rb_u8(b);
    if (n < 0 || !rb_has(b, (size_t)n * (wide ? 8 : 4)))
        return NULL;
    void *arr = calloc((size_t)n + 1, wide ? 8 : 4);
    for (int32_t i = 0; arr && i < n; i++) {
        if (wide)
            ((int64_t *)arr)[i] = rb_i64(b);
        else
            ((int32_t *)arr)[i] = rb_i32(b);
    }
    return arr;
}

/* TBranch members after TNamed and TAttFill, for versions 10 to 13. */
static void parse_tbranch_body(parser *p, tt_branch *br, int version)
{
    rf_rbuf *b = p->b;
    rb_i32(b); /* fCompress */
    rb_i32(b); /* fBasketSize */
    br->entry_offset_len = rb_i32(b);
    br->write_basket = rb_i32(b);
    br->entry_number = rb_i64(b);
    if (version >= 13)
        skip_iofeatures(b);
    rb_i32(b); /* fOffset */
    br->max_baskets = rb_i32(b);
    rb_i32(b); /* fSplitLevel */
    br->entries = rb_i64(b);
    if (version >= 11)
        br->first_entry = rb_i64(b);
    br->tot_bytes = rb_i64(b);
    br->zip_bytes = rb_i64(b);
    parse_objarray(p, NULL, 0, br);
    parse_objarray(p, br, 1, NULL);
    if (br->write_basket < 0 || br->max_baskets < br->write_basket || (size_t)br->max_baskets > b->len) {
        b->bad = 1;
        return;
    }
    parse_baskets_array(p, br);
    br->basket_bytes = read_counted(b, br->max_baskets, 0);
    br->basket_entry = read_counted(b, br->max_baskets, 1);
    br->basket_seek = read_counted(b, br->max_baskets, 1);
    if (!br->basket_bytes || !br->basket_entry || !br->basket_seek)
        b->bad = 1;
    char *file_name = rb_string(b);
    br->external = file_name && *file_name;
    free(file_name);
}

static void parse_tbranch(parser *p, tt_branch *br)
{
    rf_rbuf *b = p->b;
    rf_frame f = rb_frame(b);
    if (f.version < 10 || f.version > 13) {
        b->bad = 1;
        return;
    }
    rb_tnamed(b, &br->name, &br->title);
    skip_frame(b); /* TAttFill */
    parse_tbranch_body(p, br, f.version);
    rb_frame_end(b, &f);
}

static void parse_tbranch_element(parser *p, tt_branch *br)
{
    rf_rbuf *b = p->b;
    rf_frame f = rb_frame(b);
    parse_tbranch(p, br);
    br->elem_class = rb_string(b);
    br->parent_class = rb_string(b);
    free(rb_string(b)); /* fClonesName */
    rb_u32(b);          /* fCheckSum */
    if (f.version >= 10)
        rb_i16(b);
    else
        rb_i32(b); /* fClassVersion */
    br->id = rb_i32(b);
    br->type = rb_i32(b);
    br->streamer_type = rb_i32(b);
    rb_frame_end(b, &f); /* fMaximum, fBranchCount(2) are not needed */
}

static tt_branch *parse_branch_object(parser *p, const char *cls, size_t end, tt_branch *parent)
{
    int element = !strcmp(cls, "TBranchElement") || !strcmp(cls, "TBranchObject") || !strcmp(cls, "TBranchSTL");
    if (strcmp(cls, "TBranch") != 0 && !element)
        return NULL; /* TBranchRef and friends carry no columns */
    tt_branch *br = calloc(1, sizeof *br);
    if (!br || !push((void ***)&p->tree->branches_all, &p->tree->nbranches_all, &p->tree->cap_branches_all, br)) {
        free(br);
        p->b->bad = 1;
        return NULL;
    }
    br->class_name = strdup(cls);
    br->parent = parent;
    br->id = -1;
    if (!strcmp(cls, "TBranchElement"))
        parse_tbranch_element(p, br);
    else if (element) { /* TBranchObject: TBranch + fClassName */
        rf_frame f = rb_frame(p->b);
        parse_tbranch(p, br);
        br->elem_class = rb_string(p->b);
        rb_frame_end(p->b, &f);
    } else
        parse_tbranch(p, br);
    if (p->b->pos > end || !br->class_name)
        p->b->bad = 1;
    return br;
}

/* TTree members up to fBranches, by class version (16: ROOT 5.23 ... 20: ROOT 6.x). */
static void parse_tree_header(rf_rbuf *b, tt_tree *tree, int v)
{
    skip_frame(b); /* TNamed */
    skip_frame(b); /* TAttLine */
    skip_frame(b); /* TAttFill */
    skip_frame(b); /* TAttMarker */
    tree->entries = rb_i64(b);
    rb_skip(b, 8 * 3); /* fTotBytes, fZipBytes, fSavedBytes */
    if (v >= 18)
        rb_i64(b); /* fFlushedBytes */
    rb_skip(b, 8 + 4 * 3); /* fWeight, fTimerInterval, fScanField, fUpdate */
    if (v >= 17)
        rb_i32(b); /* fDefaultEntryOffsetLen */
    int32_t nranges = v >= 19 ? rb_i32(b) : 0;
    rb_skip(b, 8 * 4); /* fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave */
    tree->auto_flush = v >= 18 ? rb_i64(b) : 0;
    rb_i64(b); /* fEstimate */
    if (v >= 19) {
        if (nranges < 0 || (size_t)nranges > b->len / 16)
            b->bad = 1;
        rb_u8(b);
        rb_skip(b, (size_t)(nranges > 0 ? nranges : 0) * 8); /* fClusterRangeEnd */
        rb_u8(b);
        rb_skip(b, (size_t)(nranges > 0 ? nranges : 0) * 8); /* fClusterSize */
    }
    if (v >= 20)
        skip_iofeatures(b);
}

rf_status tt_tree_parse(const uint8_t *buf, size_t len, int64_t ref_origin, int ntuple, tt_tree *tree,
                        rf_error *err)
{
    memset(tree, 0, sizeof *tree);
    rf_rbuf b;
    rb_init(&b, buf, len, ref_origin);
    parser p = {&b, tree, err};
    if (ntuple)
        rb_frame(&b); /* TNtuple(D) wraps the TTree */
    rf_frame f = rb_frame(&b);
    tree->version = f.version;
    if (f.version < 16 || f.version > 20) {
        rb_free(&b);
        return rf_fail(err, f.version ? RF_ERR_UNSUPPORTED : RF_ERR_FORMAT, "TTree class version %d is not supported (16 to 20 are)", f.version);
    }
    parse_tree_header(&b, tree, f.version);
    parse_objarray(&p, NULL, 0, NULL);
    int bad = b.bad;
    size_t pos = b.pos;
    rb_free(&b);
    RF_CHECK(!bad && tree->entries >= 0, err, RF_ERR_FORMAT,
             "TTree object corrupt or truncated near byte %zu of %zu", pos, len);
    return RF_OK;
}

static void branch_free(tt_branch *br)
{
    free(br->name);
    free(br->title);
    free(br->class_name);
    free(br->elem_class);
    free(br->parent_class);
    free(br->branches);
    free(br->leaves);
    for (size_t i = 0; i < br->nembedded; i++) {
        free(br->embedded[i].buf);
        free(br->embedded[i].offsets);
    }
    free(br->embedded);
    free(br->basket_bytes);
    free(br->basket_entry);
    free(br->basket_seek);
    free(br);
}

void tt_tree_free(tt_tree *tree)
{
    for (size_t i = 0; i < tree->nbranches_all; i++)
        branch_free(tree->branches_all[i]);
    for (size_t i = 0; i < tree->nleaves_all; i++) {
        tt_leaf *l = tree->leaves_all[i];
        free(l->name);
        free(l->title);
        free(l->class_name);
        free(l);
    }
    for (size_t i = 0; i < tree->nstl; i++) {
        free(tree->stl[i].class_name);
        free(tree->stl[i].member);
        free(tree->stl[i].type_name);
    }
    free(tree->stl);
    free(tree->branches_all);
    free(tree->leaves_all);
    free(tree->branches);
    memset(tree, 0, sizeof *tree);
}
