/* rootfeed.c - the command-line tool: `ls` lists a file's objects, `show` a table's columns,
 * `dump` prints columns as JSON (also how the project is checked from outside), `load` runs
 * the ML loader over files and prints its figures. Every
 * failure is one line on stderr naming the file, object and offset, and a non-zero exit. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump_expr.h"
#include "json_out.h"
#include "rootfeed.h"

static int fail(const rf_error *err)
{
    fprintf(stderr, "rootfeed: %s\n", err->msg);
    return 1;
}

int rf_cmd_convert(int argc, char **argv); /* cmd_convert.c */
int rf_cmd_gen(int argc, char **argv);
int rf_cmd_load(int argc, char **argv); /* cmd_load.c */

static const char usage_text[] =
    "usage: rootfeed ls FILE\n"
    "       rootfeed show FILE OBJECT\n"
    "       rootfeed dump FILE OBJECT [--columns a,b] [--entries A:B] [--json]\n"
    "                     [--filter EXPR]... [--define NAME=EXPR]...\n"
    "       rootfeed convert IN.csv|IN.root OUT.root [--name NAME] [--format ttree|rntuple]\n"
    "                [--compression zstd:5] [--cluster-entries N] [--types a:float32,...]\n"
    "                [--object P] [--columns a,b] [--entries A:B]\n"
    "       rootfeed gen OUT.root [--entries N] [--schema x:float32,v:float32[var],a:int32[2][3]]\n"
    "       rootfeed load FILE... --columns a,b,v:3 [--target y] [--weights w] [--tree T]\n"
    "                [--filter EXPR]... [--define NAME=EXPR]... [--mode native|root638|root640|eager]\n"
    "                [--batch N] [--chunk N] [--block N] [--batches-in-memory N] [--split F]\n"
    "                [--epochs N] [--threads N] [--seed S] [--rank R --world W] [--pad] [--typed]\n"
    "                [--no-shuffle] [--keep-remainder] [--json]\n"
    "       rootfeed --version | --help\n";

/* A usage error: one line on stderr (the full text is under --help). */
static int usage(void)
{
    fputs("rootfeed: bad arguments (rootfeed --help lists the commands)\n", stderr);
    return 2;
}

static int cmd_ls(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    rf_error err = {0};
    rf_file *f;
    if (rf_file_open(argv[1], &f, &err))
        return fail(&err);
    rf_object_info *items;
    size_t n;
    if (rf_file_list(f, &items, &n, &err)) {
        rf_file_close(f);
        return fail(&err);
    }
    for (size_t i = 0; i < n; i++) {
        printf("%-40s %-20s", items[i].path, items[i].class_name);
        rf_table *t;
        if (items[i].is_table && rf_table_open(f, items[i].path, &t, &err) == RF_OK) {
            printf(" %12" PRId64 " entries %6zu columns", rf_table_entries(t), rf_table_ncolumns(t));
            rf_table_close(t);
        } else if (items[i].is_table)
            printf(" (cannot open: %s)", err.msg);
        printf("  %s\n", items[i].title);
    }
    rf_object_list_free(items, n);
    rf_file_close(f);
    return 0;
}

/* "float32[var][3]"; strings: "string[var]" for vector<string>. */
static void shape_text(const rf_column_info *ci, char *buf, size_t cap)
{
    int text = ci->kind == RF_KIND_STRING;
    size_t n = (size_t)snprintf(buf, cap, "%s", text ? "string" : rf_dtype_name(ci->dtype));
    for (int l = text; l < ci->nlevels && n < cap; l++)
        n += (size_t)snprintf(buf + n, cap - n, "[var]");
    for (int i = 0; i < ci->ndims && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "[%" PRId64 "]", ci->shape[i]);
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 3)
        return usage();
    rf_error err = {0};
    rf_file *f;
    rf_table *t;
    if (rf_file_open(argv[1], &f, &err))
        return fail(&err);
    if (rf_table_open(f, argv[2], &t, &err)) {
        rf_file_close(f);
        return fail(&err);
    }
    size_t nclusters;
    rf_table_clusters(t, &nclusters);
    printf("%s: %s, %" PRId64 " entries, %zu columns, %zu clusters\n", argv[2], rf_table_class(t),
           rf_table_entries(t), rf_table_ncolumns(t), nclusters);
    printf("%-32s %-24s %-7s %-18s %12s %12s %8s\n", "name", "type", "kind", "dtype", "compressed",
           "uncompressed", "blocks");
    for (size_t i = 0; i < rf_table_ncolumns(t); i++) {
        const rf_column_info *ci = rf_table_column(t, i);
        char shape[64];
        shape_text(ci, shape, sizeof shape);
        printf("%-32s %-24s %-7s %-18s %12" PRId64 " %12" PRId64 " %8" PRId64, ci->name, ci->type_name,
               ci->unsupported ? "-" : rf_kind_name(ci->kind), ci->unsupported ? "-" : shape,
               ci->compressed_bytes, ci->uncompressed_bytes, ci->nblocks);
        if (ci->unsupported)
            printf("  unsupported: %s", ci->unsupported);
        putchar('\n');
    }
    rf_table_close(t);
    rf_file_close(f);
    return 0;
}

typedef struct {
    const char *file, *object, *columns, *entries;
    const char **steps; /* --filter / --define values in command-line order */
    int *is_define;
    size_t nsteps;
} dump_args;

static int parse_dump_args(int argc, char **argv, dump_args *a)
{
    memset(a, 0, sizeof *a);
    static const char *steps[256];
    static int is_define[256];
    if (argc > 256)
        return 0;
    a->steps = steps;
    a->is_define = is_define;
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            continue;
        if (!strcmp(argv[i], "--columns") && i + 1 < argc)
            a->columns = argv[++i];
        else if (!strcmp(argv[i], "--entries") && i + 1 < argc)
            a->entries = argv[++i];
        else if ((!strcmp(argv[i], "--filter") || !strcmp(argv[i], "--define")) && i + 1 < argc) {
            a->is_define[a->nsteps] = argv[i][2] == 'd';
            a->steps[a->nsteps++] = argv[++i];
        }
        else if (argv[i][0] == '-' && argv[i][1])
            return 0;
        else if (pos == 0)
            a->file = argv[i], pos++;
        else if (pos == 1)
            a->object = argv[i], pos++;
        else
            return 0;
    }
    return a->file && a->object;
}

/* "A:B", "A:", ":B" -> [first, last) clipped to the table; 0 on a malformed range. */
static int parse_range(const char *s, int64_t n, int64_t *first, int64_t *last)
{
    *first = 0;
    *last = n;
    if (!s)
        return 1;
    const char *colon = strchr(s, ':');
    if (!colon)
        return 0;
    char *end;
    if (colon != s) {
        *first = strtoll(s, &end, 10);
        if (end != colon)
            return 0;
    }
    if (colon[1]) {
        *last = strtoll(colon + 1, &end, 10);
        if (*end)
            return 0;
    }
    if (*first < 0)
        *first += n;
    if (*last < 0)
        *last += n;
    if (*first < 0)
        *first = 0;
    if (*last > n)
        *last = n;
    if (*last < *first)
        *last = *first;
    return 1;
}

/* Column indices to dump: all, or the comma-separated names (unknown name: error). */
static long *select_columns(rf_table *t, const char *file, const char *list, size_t *n, rf_error *err)
{
    size_t total = rf_table_ncolumns(t);
    long *idx = malloc((total + 1) * sizeof *idx);
    *n = 0;
    if (!idx)
        return NULL;
    if (!list) {
        for (size_t i = 0; i < total; i++)
            idx[(*n)++] = (long)i;
        return idx;
    }
    char *copy = strdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long c = rf_table_find_column(t, tok);
        if (c < 0) {
            snprintf(err->msg, sizeof err->msg, "%s: object '%s': no column '%s'", file, rf_table_name(t), tok);
            free(copy);
            free(idx);
            return NULL;
        }
        if (*n < total)
            idx[(*n)++] = c;
    }
    free(copy);
    return idx;
}

static int cmd_dump(int argc, char **argv)
{
    dump_args a;
    if (!parse_dump_args(argc, argv, &a))
        return usage();
    rf_error err = {0};
    rf_file *f;
    rf_table *t;
    if (rf_file_open(a.file, &f, &err))
        return fail(&err);
    if (rf_table_open(f, a.object, &t, &err)) {
        rf_file_close(f);
        return fail(&err);
    }
    int64_t first, last;
    size_t ncols = 0;
    long *cols = NULL;
    int rc = 0;
    if (!parse_range(a.entries, rf_table_entries(t), &first, &last)) {
        snprintf(err.msg, sizeof err.msg, "%s: bad --entries '%s' (expected A:B)", a.file, a.entries);
        rc = fail(&err);
    } else if (!(cols = select_columns(t, a.file, a.columns, &ncols, &err)))
        rc = fail(&err);
    rf_cli_exprs ex;
    memset(&ex, 0, sizeof ex);
    if (!rc && a.nsteps &&
        rf_cli_apply_exprs(t, a.steps, a.is_define, a.nsteps, first, last, &ex, &err))
        rc = fail(&err);
    if (rc) {
        free(cols);
        rf_table_close(t);
        rf_file_close(f);
        return rc;
    }
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    printf("{\"object\": ");
    json_string(stdout, a.object);
    printf(", \"class\": \"%s\", \"entries\": %" PRId64 ", \"columns\": {", rf_table_class(t), a.nsteps ? ex.nselected : last - first);
    rf_column_data d;
    rf_column_data_init(&d);
    char **why = calloc(ncols + 1, sizeof *why);
    int printed = 0;
    for (size_t i = 0; i < ncols; i++) {
        const rf_column_info *ci = rf_table_column(t, (size_t)cols[i]);
        if (ci->unsupported || rf_table_read(t, (size_t)cols[i], first, last, &d, &err) != RF_OK) {
            why[i] = strdup(ci->unsupported ? ci->unsupported : err.msg);
            continue;
        }
        printf(printed++ ? ", " : "");
        json_string(stdout, ci->name);
        fputs(": ", stdout);
        json_column(stdout, ci, &d, ex.keep);
    }
    for (size_t i = 0; i < ex.ndefines; i++) {
        printf(printed++ ? ", " : "");
        json_string(stdout, ex.info[i].name);
        fputs(": ", stdout);
        json_column(stdout, &ex.info[i], ex.data[i], ex.keep);
    }
    printf("}, \"unsupported\": {");
    printed = 0;
    for (size_t i = 0; i < ncols; i++) {
        if (!why[i])
            continue;
        printf(printed++ ? ", " : "");
        json_string(stdout, rf_table_column(t, (size_t)cols[i])->name);
        fputs(": ", stdout);
        json_string(stdout, why[i]);
        free(why[i]);
    }
    printf("}");
    if (a.nsteps)
        printf(", \"expr\": {\"selected\": %" PRId64 ", \"out_of_range\": %" PRId64
               ", \"empty_reduction\": %" PRId64 "}", ex.nselected, ex.stats.out_of_range,
               ex.stats.empty_reduction);
    printf("}\n");
    rf_cli_exprs_free(&ex);
    fflush(stdout);
    free(why);
    free(cols);
    rf_column_data_free(&d);
    rf_table_close(t);
    rf_file_close(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("rootfeed %s\n", RF_VERSION_STRING);
        return 0;
    }
    if (!strcmp(cmd, "ls"))
        return cmd_ls(argc - 1, argv + 1);
    if (!strcmp(cmd, "show"))
        return cmd_show(argc - 1, argv + 1);
    if (!strcmp(cmd, "dump"))
        return cmd_dump(argc - 1, argv + 1);
    if (!strcmp(cmd, "convert"))
        return rf_cmd_convert(argc - 1, argv + 1);
    if (!strcmp(cmd, "gen"))
        return rf_cmd_gen(argc - 1, argv + 1);
    if (!strcmp(cmd, "load"))
        return rf_cmd_load(argc - 1, argv + 1);
    return usage();
}
