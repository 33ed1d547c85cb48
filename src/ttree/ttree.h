/* ttree.h - the TTree model rootfeed keeps after parsing: branches, leaves, basket locations
 * and embedded baskets (ttree_meta.c), and how each column is decoded (ttree_read.c). */
#ifndef RF_TTREE_H
#define RF_TTREE_H

#include <stdint.h>

#include "../common/table.h"
#include "../tfile/tfile.h"

typedef struct tt_branch tt_branch;

typedef struct tt_leaf {
    char *name, *title, *class_name;
    int32_t len, len_type, offset;
    int is_unsigned;
    int elem_type;            /* TLeafElement fType (streamer type), else -1 */
    struct tt_leaf *count;    /* fLeafCount, or NULL */
    tt_branch *branch;
} tt_leaf;

/* A basket serialized inside the TBranch object (file closed without flushing). */
typedef struct tt_embedded {
    int slot;
    uint8_t *buf;     /* fLast bytes, starting with a copy of the key */
    int32_t keylen, last, nevbuf;
    int32_t *offsets; /* fNevBuf entry offsets (key-relative), or NULL */
} tt_embedded;

struct tt_branch {
    char *name, *title, *class_name; /* class of the branch object: TBranch, TBranchElement */
    char *elem_class;                /* TBranchElement fClassName */
    char *parent_class;              /* TBranchElement fParentName */
    int32_t id, type, streamer_type; /* TBranchElement fID, fType, fStreamerType */
    int32_t entry_offset_len, write_basket, max_baskets;
    int external;                    /* fFileName set: baskets live in another file */
    int64_t entries, first_entry, entry_number;
    int64_t tot_bytes, zip_bytes;
    size_t nbranches, nleaves, nembedded;
    tt_branch **branches;
    tt_leaf **leaves;
    tt_embedded *embedded;
    int32_t *basket_bytes; /* [max_baskets] */
    int64_t *basket_entry; /* [max_baskets] */
    int64_t *basket_seek;  /* [max_baskets] */
    tt_branch *parent;
};

typedef struct tt_tree {
    int version;
    int64_t entries, auto_flush;
    size_t nbranches;
    tt_branch **branches;
    /* every leaf ever parsed (owned here, so back-references can point anywhere) */
    size_t nleaves_all, cap_leaves_all;
    tt_leaf **leaves_all;
    size_t nbranches_all, cap_branches_all;
    tt_branch **branches_all;
    /* streamer-info element types, looked up for STL members of split classes */
    size_t nstl;
    struct tt_stl_elem { char *class_name, *member, *type_name; int ctype; } *stl;
} tt_tree;

/* How a column's entries are laid out in its baskets. */
enum tt_encoding {
    TT_FIXED,  /* every entry `stride` bytes; `count` values at byte `offset` (flat, T[N], leaf lists) */
    TT_JAGGED, /* T[n]: entry = `header` bytes then values; sizes from offsets or the counter */
    TT_OBJECT  /* serialized STL containers, described by the column's tt_objtype (ttree_objects.c) */
};

/* The stored type of a branch of serialized objects as a tree of nodes (node 0: the object):
 * a container (vector, set, RVec) with its element node a, a std::map (only as node 0,
 * streamed member-wise) with key node a and value node b, a string (std::string, char*;
 * dtype 1: a TString, which has no header as a map member) or a number of dtype `dtype`. */
enum { TT_TY_NUM, TT_TY_VEC, TT_TY_STRING, TT_TY_MAP };
#define TT_TYPE_NODES 16
typedef struct tt_objtype {
    struct { uint8_t kind, dtype, a, b; } node[TT_TYPE_NODES];
    int nnodes;
    int header; /* each entry opens with a byte count and a class version (6 bytes) */
    int array;  /* member of a split collection: an entry holds one object per item, back to back */
    int pick;   /* a map's column: 0 its keys (NAME.first), 1 its values (NAME.second) */
} tt_objtype;

typedef struct tt_basket_ref {
    int64_t first, last; /* entries [first, last) */
    int64_t seek;        /* key offset, or 0 for an embedded basket */
    int32_t bytes;
    const tt_embedded *embedded;
} tt_basket_ref;

typedef struct tt_column {
    tt_branch *branch;
    tt_leaf *leaf;
    enum tt_encoding enc;
    rf_dtype src;          /* stored element type (big-endian) */
    int packed;            /* range-packed Float16_t/Double32_t: stored as u32 */
    int d32_float;         /* Double32_t without range: stored as float32 */
    double pmin, pfactor;  /* packed: value = u / pfactor + pmin */
    int32_t stride, offset, count, header;
    long counter;          /* column index of the counter (for baskets without offsets), or -1 */
    tt_objtype obj;        /* TT_OBJECT: what each entry holds */
    size_t nbaskets;
    tt_basket_ref *baskets;
    int stream;            /* the current read's output is large: convert with streaming stores */
} tt_column;

/* A basket decompressed: entry data and entry offsets (relative to data), n + 1 of them. */
typedef struct tt_basket {
    long index;            /* which basket of the column is cached, -1 none */
    uint8_t *buf;
    size_t cap;
    const uint8_t *data;
    size_t len;
    int32_t *offsets;      /* NULL when the basket has none */
    size_t offsets_cap;
    int64_t nentries;
} tt_basket;

/* Item counts of a counter column over table entries [first, last), for T[n] baskets:
 * off[i] = the items of entries first .. first+i-1 (ttree_read.c). The branches of one
 * collection (Jet_pt, Jet_eta, ...) share them. */
typedef struct tt_counts {
    int used;
    long col;
    int64_t first, last;
    int64_t *off;
    size_t cap;            /* bytes */
} tt_counts;
#define TT_COUNT_SLOTS 8

typedef struct tt_table {
    tt_tree tree;
    tt_column *cols;
    tt_basket *cache;      /* one cached basket per column */
    uint8_t *scratch;      /* compressed bytes (when the source has no view) */
    size_t scratch_cap;
    uint8_t *unpacked;     /* a decompressed basket read whole, not cached */
    size_t unpacked_cap;
    tt_counts counts[TT_COUNT_SLOTS]; /* recent counter ranges, reused round robin */
    unsigned counts_next;
    rf_column_data cnt;    /* a counter's values, read into counts[] */
} tt_table;

/* Parses a stored type name ("vector<vector<float> >", "vector<string>", "TString",
 * "map<string,vector<int> >") into t; 0 when rootfeed cannot read it as a column. In
 * ttree_objects.c, like the two below. */
int tt_objtype_parse(tt_objtype *t, const char *name);
/* The jagged levels of the column that reads t (a string's bytes are one; a map's entries one,
 * then those of its key or value as t->pick says), its dtype and kind. */
int tt_objtype_levels(const tt_objtype *t, rf_dtype *dt, rf_kind *kind);
/* Decodes entries [e0, e1) of a TT_OBJECT basket; n[l] counts the items of level l so far. */
rf_status tt_read_objects(const tt_column *tc, const tt_basket *bk, int64_t e0, int64_t e1, rf_column_data *out,
                          int64_t *n, rf_error *err);
/* Appends n big-endian values of the column's stored type at src to out (ttree_read.c). */
rf_status tt_append_values(const tt_column *tc, rf_column_data *out, const uint8_t *src, int64_t n, rf_error *err);

/* Builds t->columns (rf_column_info) and the tt_column plans; in ttree_columns.c. */
rf_status tt_build_columns(rf_table *t, tt_table *tt, rf_error *err);
/* Reads entries [first,last) of column col; in ttree_read.c. */
rf_status tt_read(rf_table *t, size_t col, int64_t first, int64_t last, rf_column_data *out, rf_error *err);
void tt_close(rf_table *t);
int64_t tt_block_end(const rf_table *t, size_t col, int64_t entry);
/* The STL type name ("vector<short>") of a split-class member branch, from the streamer
 * info, or NULL; in ttree_streamers.c. */
const char *tt_stl_member_type(const tt_tree *tree, const tt_branch *br);
/* dtype of a C/ROOT type name, or -1. */
int tt_typename_dtype(const char *s, size_t n);

/* Parses the TTree object payload (key already read); ref_origin = keylen + 2. */
rf_status tt_tree_parse(const uint8_t *buf, size_t len, int64_t ref_origin, int ntuple, tt_tree *tree,
                        rf_error *err);
void tt_tree_free(tt_tree *tree);
/* Reads the file's TStreamerInfo list and records the STL members' type names. */
rf_status tt_streamer_stl(rf_file *f, tt_tree *tree, rf_error *err);

#endif
