/* dump_expr.c - `rootfeed dump --filter EXPR --define NAME=EXPR`: builds an expression plan
 * over the table's columns, decodes the columns it reads for the dumped range through the
 * public reader API, and evaluates it once over the whole range. The dump then prints only
 * the kept entries, with the defines as extra columns. */
#include "dump_expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table's readable columns as an expression schema. */
static rf_expr_column *table_schema(rf_table *t, size_t *n)
{
    size_t total = rf_table_ncolumns(t);
    rf_expr_column *s = calloc(total + 1, sizeof *s);
    *n = 0;
    for (size_t i = 0; s && i < total; i++) {
        const rf_column_info *ci = rf_table_column(t, i);
        if (!ci->unsupported)
            rf_expr_column_from_info(ci, &s[(*n)++]);
    }
    return s;
}

static rf_status add_steps(rf_expr_plan *p, const char *const *steps, const int *is_define,
                           size_t nsteps, rf_error *err)
{
    for (size_t i = 0; i < nsteps; i++) {
        rf_status s;
        if (!is_define[i]) {
            s = rf_expr_plan_filter(p, steps[i], err);
        } else {
            const char *eq = strchr(steps[i], '=');
            if (!eq) {
                snprintf(err->msg, sizeof err->msg, "--define '%.200s': expected NAME=EXPR",
                         steps[i]);
                return err->code = RF_ERR_ARG;
            }
            char *name = strndup(steps[i], (size_t)(eq - steps[i]));
            s = name ? rf_expr_plan_define(p, name, eq + 1, err) : RF_ERR_NOMEM;
            free(name);
        }
        if (s)
            return s;
    }
    return RF_OK;
}

/* Reads the plan's input columns for [first, last) into cd and describes them in cols. */
static rf_status read_inputs(rf_table *t, rf_expr_plan *p, int64_t first, int64_t last,
                             rf_column_data *cd, rf_expr_column *cols, rf_error *err)
{
    for (size_t i = 0; i < rf_expr_plan_ninputs(p); i++) {
        long c = rf_table_find_column(t, rf_expr_plan_input(p, i));
        if (c < 0) {
            snprintf(err->msg, sizeof err->msg, "no column '%s'", rf_expr_plan_input(p, i));
            return err->code = RF_ERR_NOT_FOUND;
        }
        rf_expr_column_from_info(rf_table_column(t, (size_t)c), &cols[i]);
        rf_status s = rf_table_read(t, (size_t)c, first, last, &cd[i], err);
        if (s)
            return s;
        cols[i].data = &cd[i];
    }
    return RF_OK;
}

static rf_status describe_defines(rf_cli_exprs *x)
{
    x->ndefines = rf_expr_plan_ndefines(x->plan);
    x->info = calloc(x->ndefines + 1, sizeof *x->info);
    x->data = calloc(x->ndefines + 1, sizeof *x->data);
    if (!x->info || !x->data)
        return RF_ERR_NOMEM;
    for (size_t i = 0; i < x->ndefines; i++) {
        const rf_expr *e = rf_expr_plan_define_expr(x->plan, i);
        rf_column_info *ci = &x->info[i];
        ci->name = rf_expr_plan_define_name(x->plan, i);
        ci->type_name = rf_expr_text(e);
        ci->dtype = rf_expr_dtype(e);
        ci->nlevels = rf_expr_nlevels(e);
        ci->kind = ci->nlevels ? RF_KIND_JAGGED : RF_KIND_FLAT;
        x->data[i] = rf_expr_plan_result(x->plan, i);
    }
    return RF_OK;
}

static rf_status run(rf_table *t, const char *const *steps, const int *is_define, size_t nsteps,
                     rf_cli_exprs *x, rf_error *err)
{
    size_t nschema;
    rf_expr_column *schema = table_schema(t, &nschema);
    rf_status s = schema ? rf_expr_plan_create(schema, nschema, &x->plan, err) : RF_ERR_NOMEM;
    free(schema);
    if (!s)
        s = add_steps(x->plan, steps, is_define, nsteps, err);
    if (s)
        return s;
    size_t nin = rf_expr_plan_ninputs(x->plan);
    int64_t n = x->last - x->first;
    rf_column_data *cd = calloc(nin + 1, sizeof *cd);
    rf_expr_column *cols = calloc(nin + 1, sizeof *cols);
    x->keep = malloc((size_t)n + 1);
    if (!cd || !cols || !x->keep)
        s = RF_ERR_NOMEM;
    if (!s)
        s = read_inputs(t, x->plan, x->first, x->last, cd, cols, err);
    if (!s)
        s = rf_expr_plan_eval(x->plan, cols, nin, x->first, n, x->keep, &x->nselected, err);
    if (!s)
        s = describe_defines(x);
    for (size_t i = 0; cd && i < nin; i++)
        rf_column_data_free(&cd[i]);
    free(cd);
    free(cols);
    if (!s)
        rf_expr_plan_get_stats(x->plan, &x->stats);
    return s;
}

rf_status rf_cli_apply_exprs(rf_table *t, const char *const *steps, const int *is_define,
                             size_t nsteps, int64_t first, int64_t last, rf_cli_exprs *out,
                             rf_error *err)
{
    memset(out, 0, sizeof *out);
    out->first = first;
    out->last = last;
    rf_status s = run(t, steps, is_define, nsteps, out, err);
    if (s == RF_ERR_NOMEM && !err->msg[0])
        snprintf(err->msg, sizeof err->msg, "out of memory");
    if (s) {
        char msg[RF_ERROR_MSG_SIZE];
        snprintf(msg, sizeof msg, "object '%.100s': %.400s", rf_table_name(t), err->msg);
        memcpy(err->msg, msg, sizeof msg);
        err->code = s;
        rf_cli_exprs_free(out);
    }
    return s;
}

void rf_cli_exprs_free(rf_cli_exprs *x)
{
    if (!x)
        return;
    rf_expr_plan_free(x->plan);
    free(x->keep);
    free(x->info);
    free(x->data);
    memset(x, 0, sizeof *x);
}
