/* expr.h - internals of the expression layer.
 *
 * Design: the parser (parse.c) builds a typed tree of ex_node through the constructors of
 * build.c, which apply the C++ conversion rules (inserting OP_CAST nodes), resolve functions
 * (funcs.c) and fold constant subtrees. Compilation ends by listing the reachable nodes in
 * post-order. Evaluation (eval.c) walks that list once per block of EX_BLOCK entries: every
 * node computes its whole result array for the block from its arguments' arrays, with tight
 * per-type loops (kernels.c for element-wise work, jagged.c for indexing, masks and
 * reductions). Nothing is interpreted per row. A jagged value is an item array plus n+1
 * offsets starting at 0; constants are scalars that the loops broadcast. */
#ifndef RF_EXPR_INTERNAL_H
#define RF_EXPR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed_expr.h"

#define EX_BLOCK 2048     /* entries per evaluation block (keeps temporaries in cache) */
#define EX_MAX_ARGS 8
#define EX_MAX_GUARDS 16
#define EX_MAX_DEPTH 200  /* parser nesting limit */
#define EX_MAX_NODES 20000
#define EX_MAX_HEIGHT 1000 /* tree height limit */
#define EX_MAX_TEXT 65536

/* Value types. */
enum { ET_BOOL, ET_I64, ET_F32, ET_F64, ET_COUNT };

enum ex_op {
    OP_CONST, OP_COL, OP_ENTRY,
    /* element-wise (same shape in and out, broadcasting flat over jagged) */
    OP_CAST, OP_NEG, OP_NOT, OP_BNOT, OP_ABS, OP_MATH1,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR, OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR,
    OP_MATH2, OP_SELECT, OP_DPHI, OP_DR, OP_MASS2,
    /* vector operations */
    OP_INDEX, OP_MASK, OP_TAKE_IDX, OP_TAKE_N,
    OP_SUM, OP_MEAN, OP_MAX, OP_MIN, OP_ARGMAX, OP_ARGMIN, OP_ANY, OP_ALL, OP_LEN, OP_MASS4
};

/* Unary math functions (OP_MATH1 fn). */
enum { M1_SQRT, M1_CBRT, M1_EXP, M1_EXP2, M1_EXPM1, M1_LOG, M1_LOG2, M1_LOG10, M1_LOG1P,
       M1_SIN, M1_COS, M1_TAN, M1_ASIN, M1_ACOS, M1_ATAN, M1_SINH, M1_COSH, M1_TANH,
       M1_FLOOR, M1_CEIL, M1_ROUND, M1_TRUNC, M1_RINT, M1_COUNT };
/* Binary math functions (OP_MATH2 fn). */
enum { M2_POW, M2_ATAN2, M2_HYPOT, M2_FMOD, M2_FMIN, M2_FMAX, M2_MIN, M2_MAX, M2_COUNT };

/* Integer narrowing applied after a cast to int64 (OP_CAST fn). */
enum { W_NONE, W_S8, W_U8, W_S16, W_U16, W_S32, W_U32 };

/* The result of a node for the current block. */
typedef struct ex_val {
    const void *p;       /* values */
    const int64_t *off;  /* jagged: block entries + 1 offsets from 0 */
    int64_t n;           /* number of values (1 when scalar) */
    int scalar;          /* one value for everything (a constant) */
} ex_val;

typedef struct ex_node ex_node;
struct ex_node {
    uint8_t op, type, jagged, nargs;
    int fn;               /* function / cast detail */
    int pos;              /* byte offset in the text, for errors */
    int input;            /* OP_COL: index into the expression's inputs */
    int visited;
    int depth;            /* height of the subtree (bounded, so walks cannot overflow) */
    ex_node *arg[EX_MAX_ARGS];
    union { uint8_t b; int64_t i; float f; double d; } k; /* OP_CONST */
    ex_val v;
    void *buf;            /* result values */
    size_t cap;
    int64_t *obuf;        /* result offsets when the node makes new ones */
    size_t ocap;
    void *bc[EX_MAX_ARGS]; /* flat arguments repeated over the items of a jagged result */
    size_t bccap[EX_MAX_ARGS];
    int nguards;          /* flat conditions under which this node counts (short-circuit) */
    ex_node *guard[EX_MAX_GUARDS];
    uint8_t want[EX_MAX_GUARDS];
};

typedef struct ex_input {
    char *name;
    rf_dtype dtype;
    int nlevels;
    int64_t fixed;
} ex_input;

struct rf_expr {
    char *text;
    ex_node **pool;       /* every node made while compiling */
    int npool, poolcap;
    ex_node **order;      /* reachable nodes in post-order; the last is the root */
    int norder;
    ex_input *inputs;
    int ninputs;
    rf_expr_stats stats;
    uint8_t *gmask;       /* scratch: guard mask of one block */
    size_t gcap;
};

/* Evaluation state of one block. */
typedef struct ex_ctx {
    rf_error *err;
    const char *text;
    int64_t entry0;           /* entry number of the block's first entry (rdfentry_) */
    int64_t b0;               /* block start within the chunk */
    int64_t nb;               /* entries in the block */
    const uint8_t *active;    /* chunk-level active mask (plan filters) or NULL */
    const rf_expr_column **cols; /* resolved inputs */
    uint8_t *gmask;
    rf_expr_stats *st;
} ex_ctx;

/* Parser state shared with build.c. */
typedef struct ex_parser {
    const char *text;
    size_t len;
    size_t pos;           /* lexer cursor */
    int depth;
    const rf_expr_column *schema;
    size_t nschema;
    rf_expr *e;
    rf_error *err;
    int failed;
    rf_status code;       /* of the first error */
} ex_parser;

size_t rf_ex_type_size(int t);
const char *rf_ex_type_name(int t);
rf_dtype rf_ex_type_dtype(int t);

/* parse.c */
/* Sets the compile error (first one wins): fmt reads "what: detail" or "what"; " at column N"
 * goes after "what" and the expression with a caret under pos follows. Returns code. */
rf_status rf_ex_fail_at(ex_parser *ps, rf_status code, size_t pos, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
ex_node *rf_ex_parse(ex_parser *ps);

/* build.c: node constructors; NULL after setting an error in ps. */
ex_node *rf_ex_new(ex_parser *ps, int op, int type, int jagged, int pos);
ex_node *rf_ex_const_i(ex_parser *ps, int type, int64_t v, int pos);
ex_node *rf_ex_const_d(ex_parser *ps, int type, double v, int pos);
ex_node *rf_ex_column(ex_parser *ps, const char *name, size_t len, int pos);
/* A node of op over args converted to arg_type (-1: as they are); jagged if any arg is;
 * folded when every arg is a constant. */
ex_node *rf_ex_node_n(ex_parser *ps, int op, int type, int arg_type, ex_node **args, int nargs,
                   int pos);
ex_node *rf_ex_node_fn(ex_parser *ps, int op, int fn, int type, int arg_type, ex_node **args,
                    int nargs, int pos);
ex_node *rf_ex_cast(ex_parser *ps, ex_node *a, int type, int wrap, int pos);
ex_node *rf_ex_unary(ex_parser *ps, int op, ex_node *a, int pos);
ex_node *rf_ex_binary(ex_parser *ps, int op, ex_node *a, ex_node *b, int pos);
ex_node *rf_ex_select(ex_parser *ps, ex_node *c, ex_node *a, ex_node *b, int pos);
ex_node *rf_ex_subscript(ex_parser *ps, ex_node *v, ex_node *i, int pos);
ex_node *rf_ex_size(ex_parser *ps, ex_node *v, int pos);
/* funcs.c */
ex_node *rf_ex_call(ex_parser *ps, const char *name, size_t len, ex_node **args, int nargs,
                    int pos);

/* eval.c */
rf_status rf_ex_eval_node(ex_node *nd, ex_ctx *c);
int rf_ex_reserve(void **p, size_t *cap, size_t bytes);
const uint8_t *rf_ex_active(ex_node *nd, ex_ctx *c);
/* RF_OK if two jagged operands of nd have the same item counts in every entry of the block. */
rf_status rf_ex_check_offsets(ex_node *nd, ex_ctx *c, const int64_t *o1, const int64_t *o2);
rf_status rf_ex_align(ex_node *nd, ex_ctx *c, const void **p, int *scal, int64_t *n,
                   const int64_t **off);
rf_status rf_expr_eval_active(rf_expr *e, const rf_expr_column *cols, size_t ncols,
                              int64_t first_entry, int64_t n, const uint8_t *active,
                              rf_column_data *out, rf_error *err);

/* kernels.c: element-wise nodes (args aligned by rf_ex_align). */
rf_status rf_ex_eval_elementwise(ex_node *nd, ex_ctx *c);
/* jagged.c: vector nodes. */
rf_status rf_ex_eval_vector(ex_node *nd, ex_ctx *c);

#endif
