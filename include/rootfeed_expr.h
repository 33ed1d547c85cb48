/*
 * rootfeed_expr.h - ROOT-style filter and define expressions, compiled once and evaluated over
 * whole decoded column arrays (no I/O, no JIT).
 *
 *   Filter: "nMuon >= 2 && Muon_pt[0] > 25"      Define: "Muon_pt[1] / Muon_pt[0]"
 *
 * Grammar (C++ precedence): numbers (2 is int64, 2.5 and 1e3 double, 2.5f float, 0x1F, true,
 * false, suffixes u/l/ul/ll, NAN and INFINITY as float), column names (also names with '.' or
 * ':' that the schema holds: PHYSLITE's "AnalysisMuonsAuxDyn.pt", in RNTuple
 * "AnalysisMuonsAuxDyn:pt"), rdfentry_ (the entry number), M_PI, parentheses,
 * ?:, || && | ^ &, == != < <= > >=, << >>, + - * / %, unary - + ! ~, C casts "(float)x",
 * functional casts "float(x)", static_cast<T>(x), v[i], v[mask], v.size(), and calls:
 *   math      abs fabs sqrt cbrt exp exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan
 *             sinh cosh tanh floor ceil round trunc (float in -> float out, as std::),
 *             pow atan2 hypot fmod fmin fmax min max; spelled plain, std::x, or TMath::X
 *             (TMath::Abs Sqrt Exp Log Log10 Log2 Power Sin Cos Tan ASin ACos ATan ATan2 SinH
 *             CosH TanH Floor Ceil Nint Min Max Hypot Sq, which compute in double except
 *             Abs/Min/Max) and TMath::Pi() TwoPi() PiOver2() PiOver4() E()
 *   vectors   (ROOT::VecOps, optionally prefixed) Sum Mean Max Min ArgMax ArgMin Any All
 *             Length size Take Where DeltaPhi DeltaR InvariantMass InvariantMasses
 *
 * Types: every value is bool, int64, float32 or float64, one per entry (flat) or a variable
 * number per entry (jagged, like RVec<T>). Integer columns of any width are read as int64
 * (uint64 above INT64_MAX wraps). C++ rules: bool becomes int in arithmetic; int op float is
 * float; anything with a double is double; float32 math stays float32 (sqrt(float) is float);
 * comparisons and && || ! give bool. Element-wise operations accept jagged operands with equal
 * lengths per entry and broadcast flat ones over the items of the entry. Masks v[m] keep the
 * items where m is true.
 *
 * Defined results where C++ has undefined behaviour (no crash, no trap):
 *   - int64 x / 0 = 0 and x % 0 = 0; INT64_MIN / -1 = INT64_MIN (wraps); + - * wrap.
 *   - x << n and x >> n with n outside [0, 63]: 0 (x >> n of a negative x: -1).
 *   - float to int conversion of NaN or out-of-range values: the target's minimum (INT64_MIN,
 *     INT32_MIN for (int), ...; 0 for unsigned targets), what x86 gives. Integer to narrower
 *     integer casts wrap.
 *   - v[i] with i outside [0, size): NaN for float results, 0 (false) for int/bool; counted in
 *     rf_expr_stats.out_of_range. Take(v, idx) likewise per item; Take(v, n) with |n| > size
 *     returns the whole vector and counts one out_of_range.
 *   - Max/Min of an empty vector: NaN or 0, counted in rf_expr_stats.empty_reduction.
 *     ArgMax/ArgMin of an empty vector: 0 (as std::distance in ROOT). Mean of empty: 0.
 *     Sum of empty: 0. Any of empty: false. All of empty: true.
 * Counting honours C++ short-circuits: an index in the right operand of && / || or in a branch
 * of ?: is only counted for entries where it would have been evaluated (flat conditions), and
 * rf_expr_plan counts only entries that passed the earlier filters.
 * Jagged operands of different lengths in one entry are an RF_ERR_ARG error (ROOT throws).
 * Columns with more than one jagged level, or jagged columns of fixed-size blocks, are
 * RF_ERR_UNSUPPORTED. Fixed-size array columns (float x[3]) act as vectors of that size.
 *
 * Compile errors carry the position: "syntax error at column 17: expected ')'" followed by two
 * more lines, the expression and a caret under the place (the message is multi-line).
 *
 * Threads: a compiled rf_expr or rf_expr_plan keeps evaluation buffers; one thread at a time.
 */
#ifndef ROOTFEED_EXPR_H
#define ROOTFEED_EXPR_H

#include "rootfeed.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A column an expression may name. At compile time only name, dtype, nlevels and fixed are
 * read; at evaluation data must hold the chunk's entries (data->nentries == n). */
typedef struct rf_expr_column {
    const char *name;
    rf_dtype dtype;
    int nlevels;                /* 0: one value (or a fixed block) per entry; 1: jagged; -1:
                                   strings, which expressions do not read */
    int64_t fixed;              /* values per entry of a fixed-size array column; 0 or 1: none */
    const rf_column_data *data; /* evaluation input; ignored by compile */
} rf_expr_column;

/* Fills c (data = NULL) from a table column's description. */
void rf_expr_column_from_info(const rf_column_info *info, rf_expr_column *c);

typedef struct rf_expr_stats {
    int64_t entries;         /* entries evaluated */
    int64_t selected;        /* rf_expr_plan: entries that passed every filter */
    int64_t out_of_range;    /* v[i] / Take outside the vector (see above) */
    int64_t empty_reduction; /* Max/Min of an empty vector */
} rf_expr_stats;

typedef struct rf_expr rf_expr;

/* Parses and type-checks text against the available columns. */
rf_status rf_expr_compile(const char *text, const rf_expr_column *schema, size_t ncols,
                          rf_expr **out, rf_error *err);
void rf_expr_free(rf_expr *e);

rf_dtype rf_expr_dtype(const rf_expr *e); /* RF_BOOL, RF_INT64, RF_FLOAT32 or RF_FLOAT64 */
int rf_expr_nlevels(const rf_expr *e);    /* 0 flat, 1 jagged */
const char *rf_expr_text(const rf_expr *e);
/* The columns the expression reads (names as in the schema), without duplicates. */
size_t rf_expr_ninputs(const rf_expr *e);
const char *rf_expr_input(const rf_expr *e, size_t i);

/* Evaluates entries 0..n-1 of the given columns (entry numbers first_entry.. for rdfentry_)
 * into out, whose buffers are grown and reused like rf_table_read's. Every input column must
 * be among cols with the dtype and nlevels it had at compile time. */
rf_status rf_expr_eval(rf_expr *e, const rf_expr_column *cols, size_t ncols,
                       int64_t first_entry, int64_t n, rf_column_data *out, rf_error *err);
/* Counters accumulated over every evaluation since compile. */
void rf_expr_get_stats(const rf_expr *e, rf_expr_stats *st);

/* A chain of filters and defines, as df.Filter(...).Define(...): each step may name the
 * schema's columns and the earlier defines. Evaluation gives a selection mask over the chunk
 * and every define's values over all n entries of the chunk (select them with the mask). */
typedef struct rf_expr_plan rf_expr_plan;

rf_status rf_expr_plan_create(const rf_expr_column *schema, size_t ncols, rf_expr_plan **out,
                              rf_error *err);
void rf_expr_plan_free(rf_expr_plan *p);
rf_status rf_expr_plan_filter(rf_expr_plan *p, const char *text, rf_error *err);
rf_status rf_expr_plan_define(rf_expr_plan *p, const char *name, const char *text, rf_error *err);

/* Schema columns that the steps read (what the loader must decode). */
size_t rf_expr_plan_ninputs(const rf_expr_plan *p);
const char *rf_expr_plan_input(const rf_expr_plan *p, size_t i);
size_t rf_expr_plan_ndefines(const rf_expr_plan *p);
const char *rf_expr_plan_define_name(const rf_expr_plan *p, size_t i);
const rf_expr *rf_expr_plan_define_expr(const rf_expr_plan *p, size_t i);

/* Runs every step over the chunk. mask (n bytes) receives 1 for entries passing all filters;
 * *nselected (if not NULL) their count. */
rf_status rf_expr_plan_eval(rf_expr_plan *p, const rf_expr_column *cols, size_t ncols,
                            int64_t first_entry, int64_t n, uint8_t *mask, int64_t *nselected,
                            rf_error *err);
/* Values of define i from the last evaluation (n entries), owned by the plan. */
const rf_column_data *rf_expr_plan_result(const rf_expr_plan *p, size_t i);
void rf_expr_plan_get_stats(const rf_expr_plan *p, rf_expr_stats *st);

#ifdef __cplusplus
}
#endif
#endif
