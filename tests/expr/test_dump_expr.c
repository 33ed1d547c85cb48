/* test_dump_expr.c - the `rootfeed dump --filter/--define` glue (tools/dump_expr.c) on
 * uproot-HZZ.root: steps run in command-line order, the mask and the defined columns match
 * the decoded columns, and errors name the object and keep the caret. Skips without
 * ../shared unless ROOTFEED_REQUIRE_DATA=1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_expr.h"

#include "../common/check.h"

static void run_checks(rf_table *t)
{
    const char *steps[] = {"NMuon >= 1", "lead=Muon_Px[0] * 2", "lead > 0", "pos=Muon_Px[Muon_Px > 0]"};
    int is_define[] = {0, 1, 0, 1};
    rf_cli_exprs x;
    rf_error err = {0};
    rf_status s = rf_cli_apply_exprs(t, steps, is_define, 4, 100, 300, &x, &err);
    CHECK(s == RF_OK, "apply: %s", err.msg);
    if (s)
        return;
    rf_column_data nm, px;
    rf_column_data_init(&nm);
    rf_column_data_init(&px);
    rf_table_read(t, (size_t)rf_table_find_column(t, "NMuon"), 100, 300, &nm, &err);
    rf_table_read(t, (size_t)rf_table_find_column(t, "Muon_Px"), 100, 300, &px, &err);
    const int32_t *n = nm.values;
    const float *v = px.values;
    const int64_t *o = px.offsets[0];
    int64_t sel = 0, bad = -1, posbad = -1;
    for (int64_t i = 0; i < 200; i++) {
        int keep = n[i] >= 1 && v[o[i]] * 2 > 0;
        sel += keep;
        if (x.keep[i] != keep && bad < 0)
            bad = i;
        if (keep && ((const float *)x.data[0]->values)[i] != v[o[i]] * 2 && bad < 0)
            bad = i;
        int64_t c = 0;
        for (int64_t j = o[i]; j < o[i + 1]; j++)
            c += v[j] > 0;
        if (x.data[1]->offsets[0][i + 1] - x.data[1]->offsets[0][i] != c && posbad < 0)
            posbad = i;
    }
    CHECK(bad < 0 && sel == x.nselected && sel > 0, "mask/define differ at %lld (%lld vs %lld)",
          (long long)bad, (long long)sel, (long long)x.nselected);
    CHECK(posbad < 0, "jagged define counts differ at %lld", (long long)posbad);
    CHECK(x.ndefines == 2 && !strcmp(x.info[0].name, "lead") && x.info[0].dtype == RF_FLOAT32 &&
              x.info[0].kind == RF_KIND_FLAT && x.info[1].kind == RF_KIND_JAGGED &&
              x.info[1].nlevels == 1,
          "define descriptions");
    CHECK(x.stats.out_of_range == 0, "out_of_range %lld (the first filter guards [0])",
          (long long)x.stats.out_of_range);
    rf_cli_exprs_free(&x);
    rf_column_data_free(&nm);
    rf_column_data_free(&px);

    const char *badsteps[] = {"NMuon >= 2 && (Muon_Px[0] > 25"};
    int zero = 0;
    s = rf_cli_apply_exprs(t, badsteps, &zero, 1, 0, 10, &x, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "object 'events': syntax error at column 31") &&
              strstr(err.msg, "\n" "                                " "^"),
          "error message:\n%s", err.msg);
    const char *nodef[] = {"noequals"};
    int one = 1;
    s = rf_cli_apply_exprs(t, nodef, &one, 1, 0, 10, &x, &err);
    CHECK(s == RF_ERR_ARG && strstr(err.msg, "expected NAME=EXPR"), "define syntax: %s", err.msg);
}

int main(void)
{
    char dir[2048], path[4096];
    if (!check_data(dir, sizeof dir, "uproot-HZZ.root"))
        return check_failed ? check_summary() : 77;
    snprintf(path, sizeof path, "%s/uproot-HZZ.root", dir);
    rf_file *f;
    rf_table *t;
    rf_error err = {0};
    if (rf_file_open(path, &f, &err)) {
        CHECK(0, "%s", err.msg);
        return check_summary();
    }
    if (rf_table_open(f, "events", &t, &err) == RF_OK) {
        run_checks(t);
        rf_table_close(t);
    } else {
        CHECK(0, "%s", err.msg);
    }
    rf_file_close(f);
    return check_summary();
}
