/* fuzz_expr.c - fuzz target for the expression layer: the input is an expression text,
 * compiled against a fixed schema of flat and jagged columns of every value type; when it
 * compiles it is evaluated over a small synthetic chunk (short and empty vectors, NaN,
 * negative and huge integers) and, if flat, run as a plan filter. Any crash, sanitizer report
 * or leak is a bug; errors are expected. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed_expr.h"

#define NE 6

static int32_t i32v[NE] = {7, -7, 0, INT32_MIN, INT32_MAX, 2};
static uint64_t u64v[NE] = {0, 1, UINT64_MAX, 1ull << 63, 5, 64};
static float f32v[NE] = {1.5f, -0.0f, NAN, INFINITY, -1e30f, 3};
static double f64v[NE] = {0.5, -1.0, NAN, -INFINITY, 1e300, 0};
static uint8_t boolv[NE] = {1, 0, 1, 0, 1, 0};
static int64_t off_a[NE + 1] = {0, 3, 3, 4, 6, 6, 8};
static float va[8] = {50, 20, NAN, 10, -31, 29, 0, 1e9f};
static int16_t ia[8] = {1, 0, -1, 3, 2, 1, 0, -32768};
static int64_t off_b[NE + 1] = {0, 1, 2, 2, 2, 5, 5};
static double vb[5] = {25, 40, -10, 7, 8};
static float fixed3[3 * NE] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};

static void column(rf_expr_column *c, rf_column_data *d, const char *name, rf_dtype t,
                   void *values, int64_t nvalues, int64_t *off, int64_t fixed)
{
    memset(d, 0, sizeof *d);
    d->dtype = t;
    d->nlevels = off ? 1 : 0;
    d->nentries = NE;
    d->nvalues = nvalues;
    d->values = values;
    d->offsets[0] = off;
    *c = (rf_expr_column){name, t, off ? 1 : 0, fixed, d};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rf_expr_column cols[11];
    static rf_column_data cd[11];
    column(&cols[0], &cd[0], "i", RF_INT32, i32v, NE, NULL, 0);
    column(&cols[1], &cd[1], "u", RF_UINT64, u64v, NE, NULL, 0);
    column(&cols[2], &cd[2], "f", RF_FLOAT32, f32v, NE, NULL, 0);
    column(&cols[3], &cd[3], "d", RF_FLOAT64, f64v, NE, NULL, 0);
    column(&cols[4], &cd[4], "b", RF_BOOL, boolv, NE, NULL, 0);
    column(&cols[5], &cd[5], "Jet_pt", RF_FLOAT32, va, 8, off_a, 0);
    column(&cols[6], &cd[6], "Jet_id", RF_INT16, ia, 8, off_a, 0);
    column(&cols[7], &cd[7], "Mu_pt", RF_FLOAT64, vb, 5, off_b, 0);
    column(&cols[8], &cd[8], "arr", RF_FLOAT32, fixed3, 3 * NE, NULL, 3);
    column(&cols[9], &cd[9], "Mu.pt", RF_FLOAT64, vb, 5, off_b, 0);  /* PHYSLITE's spellings */
    column(&cols[10], &cd[10], "Mu:pt", RF_FLOAT64, vb, 5, off_b, 0);
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    rf_expr *e = NULL;
    rf_error err;
    if (rf_expr_compile(text, cols, 11, &e, &err) == RF_OK) {
        rf_column_data out;
        rf_column_data_init(&out);
        rf_expr_eval(e, cols, 11, 1000, NE, &out, &err);
        rf_column_data_free(&out);
        if (rf_expr_nlevels(e) == 0) {
            rf_expr_plan *p;
            uint8_t mask[NE];
            if (rf_expr_plan_create(cols, 11, &p, &err) == RF_OK) {
                if (rf_expr_plan_define(p, "def", text, &err) == RF_OK &&
                    rf_expr_plan_filter(p, "def == def || !(def == def)", &err) == RF_OK)
                    rf_expr_plan_eval(p, cols, 11, 0, NE, mask, NULL, &err);
                rf_expr_plan_free(p);
            }
        }
    }
    rf_expr_free(e);
    free(text);
    return 0;
}
