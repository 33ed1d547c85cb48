/* dump_expr.h - the --filter / --define options of `rootfeed dump`: evaluates them over the
 * dumped entry range and gives the selection mask and the defined columns. */
#ifndef RF_DUMP_EXPR_H
#define RF_DUMP_EXPR_H

#include "rootfeed_expr.h"

typedef struct rf_cli_exprs {
    rf_expr_plan *plan;
    int64_t first, last;          /* the entry range evaluated */
    unsigned char *keep;          /* last - first bytes: 1 where every --filter passes */
    int64_t nselected;
    size_t ndefines;
    rf_column_info *info;         /* per define: name, dtype, kind flat or jagged */
    const rf_column_data **data;  /* per define: values over all last - first entries */
    rf_expr_stats stats;          /* out_of_range, empty_reduction (see rootfeed_expr.h) */
} rf_cli_exprs;

/* steps[i] is a --filter expression, or a --define "NAME=EXPR" when is_define[i]; they run in
 * command-line order, so a filter may use an earlier define. Reads the columns the
 * expressions name, entries [first, last), through rf_table_read. On error err holds a
 * message (compile errors span three lines: message, expression, caret). */
rf_status rf_cli_apply_exprs(rf_table *t, const char *const *steps, const int *is_define,
                             size_t nsteps, int64_t first, int64_t last, rf_cli_exprs *out,
                             rf_error *err);
void rf_cli_exprs_free(rf_cli_exprs *x);

#endif
