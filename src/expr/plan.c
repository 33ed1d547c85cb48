/* plan.c - a chain of filters and defines (df.Filter(...).Define(...)) over one schema.
 * Steps compile against the schema plus the defines before them; evaluation runs them in
 * order over the chunk: a define's values become a column the later steps read, a filter
 * clears mask entries. Every step sees all n entries (vectorised), but out-of-range reads
 * are only counted for entries that passed the filters before the step. */
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "expr.h"

typedef struct plan_step {
    int is_filter;
    char *name;             /* define name */
    rf_expr *e;
    rf_column_data out;
} plan_step;

struct rf_expr_plan {
    rf_expr_column *schema; /* source columns, then one per define (names owned) */
    size_t nsource, nschema;
    plan_step *steps;
    size_t nsteps;
    char **inputs;          /* source columns read by the steps */
    size_t ninputs;
    size_t *define_step;    /* step index of define i */
    size_t ndefines;
    rf_expr_column *cols;   /* evaluation scratch: given columns + defines */
    size_t colscap;
    rf_expr_stats stats;
};

void rf_expr_plan_free(rf_expr_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nschema; i++)
        free((char *)p->schema[i].name);
    for (size_t i = 0; i < p->nsteps; i++) {
        rf_expr_free(p->steps[i].e);
        rf_column_data_free(&p->steps[i].out);
    }
    for (size_t i = 0; i < p->ninputs; i++)
        free(p->inputs[i]);
    free(p->schema);
    free(p->steps);
    free(p->inputs);
    free(p->define_step);
    free(p->cols);
    free(p);
}

rf_status rf_expr_plan_create(const rf_expr_column *schema, size_t ncols, rf_expr_plan **out,
                              rf_error *err)
{
    *out = NULL;
    RF_CHECK(schema || !ncols, err, RF_ERR_ARG, "rf_expr_plan_create: NULL schema");
    rf_expr_plan *p = calloc(1, sizeof *p);
    if (p)
        p->schema = calloc(ncols ? ncols : 1, sizeof *p->schema);
    if (!p || !p->schema) {
        rf_expr_plan_free(p);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory for an expression plan");
    }
    for (size_t i = 0; i < ncols; i++) {
        p->schema[i] = schema[i];
        p->schema[i].data = NULL;
        p->schema[i].name = schema[i].name ? strdup(schema[i].name) : NULL;
        p->nschema = i + 1;
        if (!p->schema[i].name) {
            rf_expr_plan_free(p);
            return rf_fail(err, schema[i].name ? RF_ERR_NOMEM : RF_ERR_ARG,
                           "rf_expr_plan_create: column %zu has no name (or out of memory)", i);
        }
    }
    p->nsource = ncols;
    *out = p;
    return RF_OK;
}

static int is_source(const rf_expr_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nsource; i++)
        if (!strcmp(p->schema[i].name, name))
            return 1;
    return 0;
}

/* Records the source columns e reads. */
static rf_status note_inputs(rf_expr_plan *p, const rf_expr *e, rf_error *err)
{
    for (size_t i = 0; i < rf_expr_ninputs(e); i++) {
        const char *name = rf_expr_input(e, i);
        int seen = !is_source(p, name);
        for (size_t j = 0; j < p->ninputs && !seen; j++)
            seen = !strcmp(p->inputs[j], name);
        if (seen)
            continue;
        char **in = realloc(p->inputs, (p->ninputs + 1) * sizeof *in);
        if (in)
            p->inputs = in;
        if (!in || !(in[p->ninputs] = strdup(name)))
            return rf_fail(err, RF_ERR_NOMEM, "out of memory for an expression plan");
        p->ninputs++;
    }
    return RF_OK;
}

static rf_status add_step(rf_expr_plan *p, int is_filter, const char *name, const char *text,
                          rf_error *err)
{
    rf_expr *e;
    RF_TRY(rf_expr_compile(text, p->schema, p->nschema, &e, err));
    rf_status s = RF_OK;
    if (is_filter && rf_expr_nlevels(e))
        s = rf_fail(err, RF_ERR_ARG, "filter '%.200s' gives a vector of %s, not one value per "
                    "entry (use Any(...), All(...) or Sum(...))", text,
                    rf_dtype_name(rf_expr_dtype(e)));
    plan_step *st = s ? NULL : realloc(p->steps, (p->nsteps + 1) * sizeof *st);
    if (st)
        p->steps = st;
    else if (!s)
        s = rf_fail(err, RF_ERR_NOMEM, "out of memory for an expression plan");
    if (!s)
        s = note_inputs(p, e, err);
    if (s) {
        rf_expr_free(e);
        return s;
    }
    st = &p->steps[p->nsteps++];
    memset(st, 0, sizeof *st);
    st->is_filter = is_filter;
    st->name = (char *)name;
    st->e = e;
    return RF_OK;
}

rf_status rf_expr_plan_filter(rf_expr_plan *p, const char *text, rf_error *err)
{
    RF_CHECK(p && text, err, RF_ERR_ARG, "rf_expr_plan_filter: NULL argument");
    return add_step(p, 1, NULL, text, err);
}

static int valid_name(const char *s)
{
    if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

rf_status rf_expr_plan_define(rf_expr_plan *p, const char *name, const char *text, rf_error *err)
{
    RF_CHECK(p && name && text, err, RF_ERR_ARG, "rf_expr_plan_define: NULL argument");
    RF_CHECK(valid_name(name), err, RF_ERR_ARG, "define name '%.100s' is not an identifier", name);
    for (size_t i = 0; i < p->nschema; i++)
        RF_CHECK(strcmp(p->schema[i].name, name), err, RF_ERR_ARG,
                 "define '%.100s': a column of that name already exists", name);
    rf_expr_column *sc = realloc(p->schema, (p->nschema + 1) * sizeof *sc);
    size_t *ds = sc ? realloc(p->define_step, (p->ndefines + 1) * sizeof *ds) : NULL;
    char *copy = ds ? strdup(name) : NULL;
    if (sc)
        p->schema = sc;
    if (ds)
        p->define_step = ds;
    if (!copy)
        return rf_fail(err, RF_ERR_NOMEM, "out of memory for an expression plan");
    rf_status s = add_step(p, 0, copy, text, err);
    if (s) {
        free(copy);
        return rf_wrap(err, s, "define '%.100s': ", name);
    }
    const rf_expr *e = p->steps[p->nsteps - 1].e;
    p->schema[p->nschema++] = (rf_expr_column){copy, rf_expr_dtype(e), rf_expr_nlevels(e), 0,
                                               NULL};
    p->define_step[p->ndefines++] = p->nsteps - 1;
    return RF_OK;
}

size_t rf_expr_plan_ninputs(const rf_expr_plan *p) { return p->ninputs; }
const char *rf_expr_plan_input(const rf_expr_plan *p, size_t i)
{
    return i < p->ninputs ? p->inputs[i] : NULL;
}
size_t rf_expr_plan_ndefines(const rf_expr_plan *p) { return p->ndefines; }
const char *rf_expr_plan_define_name(const rf_expr_plan *p, size_t i)
{
    return i < p->ndefines ? p->steps[p->define_step[i]].name : NULL;
}
const rf_expr *rf_expr_plan_define_expr(const rf_expr_plan *p, size_t i)
{
    return i < p->ndefines ? p->steps[p->define_step[i]].e : NULL;
}
const rf_column_data *rf_expr_plan_result(const rf_expr_plan *p, size_t i)
{
    return i < p->ndefines ? &p->steps[p->define_step[i]].out : NULL;
}
void rf_expr_plan_get_stats(const rf_expr_plan *p, rf_expr_stats *st)
{
    *st = p->stats;
}

/* The defines (whose data is the plan's own) followed by the given columns: a given column
 * that happens to share a define's name cannot shadow it. */
static rf_status eval_columns(rf_expr_plan *p, const rf_expr_column *cols, size_t ncols,
                              rf_error *err)
{
    size_t need = ncols + p->ndefines;
    if (need > p->colscap) {
        rf_expr_column *c = realloc(p->cols, need * sizeof *c);
        if (!c)
            return rf_fail(err, RF_ERR_NOMEM, "out of memory for an expression plan");
        p->cols = c;
        p->colscap = need;
    }
    for (size_t i = 0; i < p->ndefines; i++) {
        plan_step *st = &p->steps[p->define_step[i]];
        p->cols[i] = (rf_expr_column){st->name, rf_expr_dtype(st->e), rf_expr_nlevels(st->e), 0,
                                      &st->out};
    }
    if (ncols)
        memcpy(p->cols + p->ndefines, cols, ncols * sizeof *cols);
    return RF_OK;
}

/* Clears mask entries where a filter's value is false (C++: nonzero is true, NaN too). */
static void and_filter(uint8_t *mask, const rf_column_data *r, int64_t n)
{
    if (r->dtype == RF_BOOL) {
        const uint8_t *v = r->values;
        for (int64_t i = 0; i < n; i++)
            mask[i] &= v[i] != 0;
    } else if (r->dtype == RF_INT64) {
        const int64_t *v = r->values;
        for (int64_t i = 0; i < n; i++)
            mask[i] &= v[i] != 0;
    } else if (r->dtype == RF_FLOAT32) {
        const float *v = r->values;
        for (int64_t i = 0; i < n; i++)
            mask[i] &= v[i] != 0;
    } else {
        const double *v = r->values;
        for (int64_t i = 0; i < n; i++)
            mask[i] &= v[i] != 0;
    }
}

rf_status rf_expr_plan_eval(rf_expr_plan *p, const rf_expr_column *cols, size_t ncols,
                            int64_t first_entry, int64_t n, uint8_t *mask, int64_t *nselected,
                            rf_error *err)
{
    RF_CHECK(p && mask && n >= 0 && (cols || !ncols), err, RF_ERR_ARG,
             "rf_expr_plan_eval: bad argument");
    RF_TRY(eval_columns(p, cols, ncols, err));
    memset(mask, 1, (size_t)n);
    for (size_t i = 0; i < p->nsteps; i++) {
        plan_step *st = &p->steps[i];
        rf_expr_stats before = st->e->stats;
        RF_TRY(rf_expr_eval_active(st->e, p->cols, ncols + p->ndefines, first_entry, n, mask,
                                   &st->out, err));
        p->stats.out_of_range += st->e->stats.out_of_range - before.out_of_range;
        p->stats.empty_reduction += st->e->stats.empty_reduction - before.empty_reduction;
        if (st->is_filter)
            and_filter(mask, &st->out, n);
    }
    int64_t sel = 0;
    for (int64_t i = 0; i < n; i++)
        sel += mask[i];
    p->stats.entries += n;
    p->stats.selected += sel;
    if (nselected)
        *nselected = sel;
    return RF_OK;
}
