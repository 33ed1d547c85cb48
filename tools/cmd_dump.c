/* cmd_dump.c - `rootfeed dump`: the entries of one table, or of the same table in several
 * files (a dataset: one chain, entries in file order), as an aligned text table (one row per
 * entry, like rootprint and uproot-browser) or, with --json, as the JSON that programs and the
 * project's tests read. --filter/--define are the dataset's steps; the chosen columns and the
 * defines are read over the range, then printed. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json_out.h"

static const cli_opt dump_opts[] = {
    {"object", 0, "P", "the table (also FILE:P, or P after the files); needed when a file\n"
                      "holds several"},
    {"columns", 0, "LIST", "comma-separated names or quoted wildcards ('Muon_*'); default: all"},
    {"entries", 0, "RANGE", "N (the first N), A:B, A: or :B: entry numbers of the whole chain"},
    {"filter", 0, "EXPR", "keep the entries where EXPR holds (RDataFrame syntax: \"nMuon >= 2 &&\n"
                          "Muon_pt[0] > 25\"); repeatable, all must hold"},
    {"define", 0, "NAME=EXPR", "add a computed column (\"r=Muon_pt[1]/Muon_pt[0]\"); repeatable, in order\n"
                               "with the filters"},
    {"json", 0, NULL, "print JSON: {\"object\", \"class\", \"entries\", \"columns\": {NAME: {\"dtype\",\n"
                      "\"kind\", \"shape\", \"counts\", \"values\"}}, \"unsupported\": {NAME: why}}"},
    {0},
};

#define CELL_MAX 40 /* table cells longer than this end in "..." */

typedef struct dump_state {
    rf_dataset *ds;
    const char *cls;          /* "TTree" or "RNTuple" */
    int64_t first, last;
    size_t ncols;             /* the chosen columns, then the defines */
    size_t *col;              /* their dataset indices */
    size_t nchosen;           /* how many of them are chosen table columns */
    rf_column_data *data;     /* their values over [first, last) */
    const char **why;         /* why a chosen column is not read, or NULL */
    unsigned char *keep;      /* with filters: 1 for each entry of the range that passes */
    int64_t nselected;
    rf_expr_stats stats;
} dump_state;

static const rf_column_info *info(const dump_state *s, size_t k)
{
    return rf_dataset_column(s->ds, s->col[k]);
}

/* ---- reading ---- */

/* --filter and --define in command-line order; each define joins the printed columns. */
static int add_steps(const cli_args *a, dump_state *s)
{
    rf_error err;
    for (int i = 0; i < a->nseq; i++) {
        const char *opt = a->cmd->opts[a->seq_opt[i]].name, *v = a->seq_val[i], *eq = strchr(v, '=');
        rf_status st = RF_OK;
        if (!strcmp(opt, "filter")) {
            st = rf_dataset_filter(s->ds, v, &err);
        } else if (!strcmp(opt, "define")) {
            if (!eq || eq == v)
                return cli_usage_error("dump", "--define '%s' is not NAME=EXPR", v);
            char *name = strndup(v, (size_t)(eq - v));
            st = name ? rf_dataset_define(s->ds, name, eq + 1, &err) : RF_ERR_NOMEM;
            long c = st == RF_OK ? rf_dataset_find_column(s->ds, name) : -1;
            free(name);
            if (c >= 0)
                s->col[s->ncols++] = (size_t)c;
        }
        if (st != RF_OK)
            return cli_error("dump", "%s", st == RF_ERR_NOMEM ? "out of memory" : err.msg);
    }
    return 0;
}

static int read_range(dump_state *s)
{
    rf_dataset_reader *r;
    rf_error err;
    int64_t n = s->last - s->first;
    s->data = calloc(s->ncols + 1, sizeof *s->data);
    s->why = calloc(s->ncols + 1, sizeof *s->why);
    s->keep = malloc((size_t)n + 1);
    if (!s->data || !s->why || !s->keep)
        return cli_error("dump", "out of memory");
    if (rf_dataset_reader_new(s->ds, &r, &err) != RF_OK)
        return cli_error("dump", "%s", err.msg);
    int rc = 0;
    if (rf_dataset_has_filter(s->ds) && rf_dataset_select(r, s->first, s->last, s->keep, &s->nselected, &err))
        rc = cli_error("dump", "%s", err.msg);
    for (size_t k = 0; k < s->ncols && !rc; k++) {
        s->why[k] = info(s, k)->unsupported;
        if (!s->why[k] && rf_dataset_read(r, s->col[k], s->first, s->last, &s->data[k], &err) != RF_OK)
            rc = cli_error("dump", "%s", err.msg);
    }
    rf_dataset_reader_stats(r, &s->stats);
    rf_dataset_reader_free(r);
    return rc;
}

/* ---- JSON ---- */

static void print_json(const dump_state *s)
{
    int filtered = rf_dataset_has_filter(s->ds), defined = s->ncols > s->nchosen;
    const unsigned char *keep = filtered ? s->keep : NULL;
    printf("{\"object\": ");
    json_string(stdout, rf_dataset_file_object(s->ds, 0));
    printf(", \"class\": \"%s\", \"entries\": %" PRId64 ", \"columns\": {", s->cls,
           filtered ? s->nselected : s->last - s->first);
    int printed = 0;
    for (size_t k = 0; k < s->ncols; k++) {
        if (s->why[k])
            continue;
        printf(printed++ ? ", " : "");
        json_string(stdout, info(s, k)->name);
        fputs(": ", stdout);
        json_column(stdout, info(s, k), &s->data[k], keep);
    }
    printf("}, \"unsupported\": {");
    printed = 0;
    for (size_t k = 0; k < s->ncols; k++) {
        if (!s->why[k])
            continue;
        printf(printed++ ? ", " : "");
        json_string(stdout, info(s, k)->name);
        fputs(": ", stdout);
        json_string(stdout, s->why[k]);
    }
    printf("}");
    if (filtered || defined)
        printf(", \"expr\": {\"selected\": %" PRId64 ", \"out_of_range\": %" PRId64 ", \"empty_reduction\": %" PRId64
               "}", filtered ? s->nselected : s->last - s->first, s->stats.out_of_range, s->stats.empty_reduction);
    printf("}\n");
}

/* ---- the text table ---- */

typedef struct cell {
    char buf[CELL_MAX + 64];
    size_t n;
} cell;

static void put(cell *c, const char *s)
{
    size_t k = strlen(s);
    if (c->n + k >= sizeof c->buf)
        k = sizeof c->buf - 1 - c->n;
    memcpy(c->buf + c->n, s, k);
    c->n += k;
    c->buf[c->n] = 0;
}

/* The shortest text that reads back as the same value. */
static void put_number(cell *c, rf_dtype t, const void *base, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * rf_dtype_size(t);
    char s[48];
    double d;
    switch (t) {
    case RF_BOOL: put(c, *(const uint8_t *)p ? "true" : "false"); return;
    case RF_INT8: snprintf(s, sizeof s, "%d", *(const int8_t *)p); break;
    case RF_UINT8: snprintf(s, sizeof s, "%u", *(const uint8_t *)p); break;
    case RF_INT16: { int16_t v; memcpy(&v, p, 2); snprintf(s, sizeof s, "%d", v); break; }
    case RF_UINT16: { uint16_t v; memcpy(&v, p, 2); snprintf(s, sizeof s, "%u", v); break; }
    case RF_INT32: { int32_t v; memcpy(&v, p, 4); snprintf(s, sizeof s, "%" PRId32, v); break; }
    case RF_UINT32: { uint32_t v; memcpy(&v, p, 4); snprintf(s, sizeof s, "%" PRIu32, v); break; }
    case RF_INT64: { int64_t v; memcpy(&v, p, 8); snprintf(s, sizeof s, "%" PRId64, v); break; }
    case RF_UINT64: { uint64_t v; memcpy(&v, p, 8); snprintf(s, sizeof s, "%" PRIu64, v); break; }
    case RF_FLOAT32: { float v; memcpy(&v, p, 4); d = v; goto real; }
    default: memcpy(&d, p, 8); goto real;
    }
    put(c, s);
    return;
real:
    if (isnan(d) || isinf(d)) {
        put(c, isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
        return;
    }
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (t == RF_FLOAT32 ? strtof(s, NULL) == (float)d : strtod(s, NULL) == d)
            break;
    }
    int exp10 = d != 0 ? (int)floor(log10(fabs(d))) : 0;
    if (strchr(s, 'e') && exp10 >= -4 && exp10 < 16) /* 10, not 1e+01 */
        snprintf(s, sizeof s, "%.*f", prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, d);
    put(c, s);
}

/* Values [v, v + prod(shape[dim..])) as nested lists. */
static void put_block(cell *c, const rf_column_info *ci, const rf_column_data *d, int dim, int64_t v)
{
    if (dim == ci->ndims) {
        put_number(c, d->dtype, d->values, v);
        return;
    }
    int64_t inner = 1;
    for (int i = dim + 1; i < ci->ndims; i++)
        inner *= ci->shape[i];
    put(c, "[");
    for (int64_t i = 0; i < ci->shape[dim] && c->n < CELL_MAX; i++) {
        put(c, i ? ", " : "");
        put_block(c, ci, d, dim + 1, v + i * inner);
    }
    put(c, "]");
}

/* String i of a string column (the bytes between offsets at its last level), quoted; control
 * characters as '?'. */
static void put_text(cell *c, const rf_column_data *d, int64_t i)
{
    const int64_t *o = d->offsets[d->nlevels - 1];
    put(c, "\"");
    for (int64_t k = o[i]; k < o[i + 1] && c->n < CELL_MAX; k++) {
        char ch[2] = {(char)((const unsigned char *)d->values)[k], 0};
        put(c, (unsigned char)ch[0] < 0x20 ? "?" : ch);
    }
    put(c, "\"");
}

/* Item i of jagged level `level` (level == nlevels: an innermost item, a block). */
static void put_item(cell *c, const rf_column_info *ci, const rf_column_data *d, int level, int64_t i)
{
    if (ci->kind == RF_KIND_STRING && level == d->nlevels - 1) {
        put_text(c, d, i);
        return;
    }
    if (level >= d->nlevels || level >= RF_MAX_LEVELS) {
        int64_t inner = 1;
        for (int k = 0; k < ci->ndims; k++)
            inner *= ci->shape[k];
        put_block(c, ci, d, 0, i * inner);
        return;
    }
    put(c, "[");
    for (int64_t j = d->offsets[level][i]; j < d->offsets[level][i + 1] && c->n < CELL_MAX; j++) {
        put(c, j > d->offsets[level][i] ? ", " : "");
        put_item(c, ci, d, level + 1, j);
    }
    put(c, "]");
}

static void format_cell(cell *c, const rf_column_info *ci, const rf_column_data *d, int64_t e)
{
    c->n = 0;
    c->buf[0] = 0;
    put_item(c, ci, d, 0, e);
    if (c->n > CELL_MAX)
        strcpy(c->buf + CELL_MAX - 3, "...");
}

typedef struct shown {
    const rf_column_info *ci;
    const rf_column_data *d;
    int width;
} shown;

static void print_row(const dump_state *s, const shown *cols, size_t n, int ewidth, int64_t e, cell *c)
{
    printf("%*" PRId64, ewidth, s->first + e);
    for (size_t k = 0; k < n; k++) {
        format_cell(c, cols[k].ci, cols[k].d, e);
        printf(k + 1 < n ? "  %*s" : "  %*s\n", cols[k].width, c->buf);
    }
    if (n == 0)
        putchar('\n');
}

static void print_table(const dump_state *s)
{
    size_t n = 0;
    shown *cols = calloc(s->ncols + 1, sizeof *cols);
    const unsigned char *keep = rf_dataset_has_filter(s->ds) ? s->keep : NULL;
    cell c;
    if (!cols)
        return;
    for (size_t k = 0; k < s->ncols; k++)
        if (!s->why[k])
            cols[n++] = (shown){info(s, k), &s->data[k], 0};
    char last[32];
    int ewidth = snprintf(last, sizeof last, "%" PRId64, s->last > 0 ? s->last - 1 : 0);
    ewidth = ewidth < 5 ? 5 : ewidth;
    for (size_t k = 0; k < n; k++) {
        cols[k].width = (int)strlen(cols[k].ci->name);
        for (int64_t e = 0; e < s->last - s->first; e++) {
            if (keep && !keep[e])
                continue;
            format_cell(&c, cols[k].ci, cols[k].d, e);
            cols[k].width = (int)c.n > cols[k].width ? (int)c.n : cols[k].width;
        }
    }
    printf("%*s", ewidth, "entry");
    for (size_t k = 0; k < n; k++)
        printf("  %*s", cols[k].width, cols[k].ci->name);
    putchar('\n');
    for (int64_t e = 0; e < s->last - s->first; e++)
        if (!keep || keep[e])
            print_row(s, cols, n, ewidth, e, &c);
    free(cols);
}

/* Table mode names the columns it leaves out on stderr (JSON lists them under "unsupported"). */
static void note_unsupported(const dump_state *s)
{
    size_t n = 0;
    for (size_t k = 0; k < s->ncols; k++)
        n += s->why[k] != NULL;
    if (!n)
        return;
    fprintf(stderr, "rootfeed dump: %zu column%s not shown:", n, n == 1 ? "" : "s");
    for (size_t k = 0, i = 0; k < s->ncols; k++)
        if (s->why[k])
            fprintf(stderr, "%s %s (%s)", i++ ? "," : "", info(s, k)->name, s->why[k]);
    fputc('\n', stderr);
}

/* ---- the command ---- */

static void free_state(dump_state *s)
{
    for (size_t k = 0; s->data && k < s->ncols; k++)
        rf_column_data_free(&s->data[k]);
    free(s->data), free(s->why), free(s->keep), free(s->col);
    rf_dataset_free(s->ds);
}

static int run_dump(cli_args *a)
{
    dump_state s;
    memset(&s, 0, sizeof s);
    const char *object;
    rf_path_item *items;
    size_t n;
    int rc = cli_inputs(a, a->npos, 1, &items, &n, &object);
    if (rc)
        return rc;
    rc = cli_dataset_open("dump", items, n, object, &s.ds, &s.cls);
    rf_path_items_free(items, n);
    size_t *chosen = NULL;
    if (!rc)
        rc = cli_dataset_columns("dump", s.ds, cli_get(a, "columns"), &chosen, &s.nchosen);
    if (!rc && !(s.col = calloc(s.nchosen + (size_t)a->nseq + 1, sizeof *s.col)))
        rc = cli_error("dump", "out of memory");
    if (!rc) {
        memcpy(s.col, chosen, s.nchosen * sizeof *chosen);
        s.ncols = s.nchosen;
        rc = cli_dataset_range("dump", s.ds, cli_get(a, "entries"), &s.first, &s.last);
    }
    free(chosen);
    if (!rc)
        rc = add_steps(a, &s);
    if (!rc)
        rc = read_range(&s);
    if (!rc) {
        static char outbuf[1 << 16];
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
        if (cli_get(a, "json")) {
            print_json(&s);
        } else {
            print_table(&s);
            note_unsupported(&s);
        }
        fflush(stdout);
    }
    free_state(&s);
    return rc;
}

const cli_cmd cli_dump_cmd = {
    "dump", "print entries as an aligned table (one row per entry) or JSON (--json)",
    "[options] INPUT... [OBJECT]",
    "Prints the entries of a table: one row per entry, one column per chosen column (jagged\n"
    "and fixed-size values as [a, b, ...], strings quoted, cells longer than 40 characters cut\n"
    "with \"...\", floats in their shortest exact form), or all values as JSON with --json\n"
    "(floats with round-trip precision, nan/inf as strings, bool as 0/1, strings as strings).\n"
    "Several files with the same schema are one chain: entries in file order, numbered across\n"
    "the files.",
    dump_opts, 1, -1, run_dump};
