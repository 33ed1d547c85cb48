/* rootfeed.c - the command-line tool: `ls` lists files' objects, `show` a table's columns,
 * `dump` prints entries (aligned, or JSON for programs), `convert` and `gen` write files,
 * `load` runs the ML loader (cmd_dump.c, cmd_convert.c, cmd_load.c). This file holds the command list, the top-level help and the
 * two listing commands. Every failure is one line on stderr naming the file, object and
 * offset; exit status 1 for errors, 2 for bad arguments. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table_out.h"

extern const cli_cmd cli_dump_cmd, cli_convert_cmd, cli_gen_cmd, cli_load_cmd; /* cmd_*.c */

/* ---- ls ---- */

static const cli_opt ls_opts[] = {
    {"long", 'l', NULL, "also list each table's columns: name, type as read, stored type"},
    {0},
};

/* The columns of a table, indented under its line. */
static void list_columns(const rf_table *t, const char *indent)
{
    text_table tt;
    tt_init(&tt, 3, 0, indent);
    for (size_t i = 0; i < rf_table_ncolumns(t); i++) {
        const rf_column_info *ci = rf_table_column(t, i);
        char shape[128];
        cli_shape_text(ci, shape, sizeof shape);
        tt_add(&tt, "%s", ci->name);
        tt_add(&tt, "%s", ci->unsupported ? "unsupported" : shape);
        tt_add(&tt, "%s", ci->type_name ? ci->type_name : "");
    }
    tt_print(&tt, stdout);
}

static int ls_file(const rf_path_item *it, int lng)
{
    rf_error err;
    rf_file *f;
    rf_table *t;
    if (it->object) { /* FILE:OBJECT lists that table's columns */
        if (cli_open_table("ls", it->path, it->object, &f, &t) != 0)
            return 1;
        list_columns(t, "");
        rf_table_close(t);
        rf_file_close(f);
        return 0;
    }
    rf_object_info *items;
    size_t n;
    if (rf_file_open(it->path, &f, &err) != RF_OK)
        return cli_error("ls", "%s", err.msg);
    if (rf_file_list(f, &items, &n, &err) != RF_OK) {
        rf_file_close(f);
        return cli_error("ls", "%s", err.msg);
    }
    rf_table **tables = calloc(n + 1, sizeof *tables);
    text_table tt;
    tt_init(&tt, 5, 1u << 2 | 1u << 3, "");
    for (size_t i = 0; tables && i < n; i++) {
        tt_add(&tt, "%s", items[i].path);
        tt_add(&tt, "%s", items[i].class_name);
        if (items[i].is_table && rf_table_open(f, items[i].path, &tables[i], &err) == RF_OK) {
            int64_t ne = rf_table_entries(tables[i]);
            size_t nc = rf_table_ncolumns(tables[i]);
            tt_add(&tt, "%" PRId64 " entr%s", ne, ne == 1 ? "y" : "ies");
            tt_add(&tt, "%zu column%s", nc, nc == 1 ? "" : "s");
            tt_add(&tt, "%s", items[i].title);
        } else {
            tt_add(&tt, "%s", "");
            tt_add(&tt, "%s", "");
            tt_add(&tt, "%s%s", items[i].is_table ? "cannot open: " : items[i].title, items[i].is_table ? err.msg : "");
        }
    }
    for (size_t i = 0; tables && i < n; i++) {
        tt_print_rows(&tt, stdout, i, i + 1);
        if (lng && tables[i])
            list_columns(tables[i], "    ");
        rf_table_close(tables[i]);
    }
    tt_free(&tt);
    free(tables);
    rf_object_list_free(items, n);
    rf_file_close(f);
    return 0;
}

static int run_ls(cli_args *a)
{
    rf_path_item *items;
    size_t n;
    const char *object;
    int rc = cli_inputs(a, a->npos, 0, &items, &n, &object);
    for (size_t i = 0; i < n; i++) {
        if (n > 1)
            printf("%s%s:\n", i ? "\n" : "", items[i].path);
        rc |= ls_file(&items[i], cli_get(a, "long") != NULL);
    }
    rf_path_items_free(items, n);
    return rc;
}

static const cli_cmd ls_cmd = {
    "ls", "list the objects of ROOT files (-l: with their columns)", "[options] INPUT...",
    "Lists every object of each file, directories included: path, class, and for tables (TTree,\n"
    "RNTuple) their entries, columns and title. INPUT is a path, a quoted glob pattern\n"
    "('data/*.root') or FILE:OBJECT, which lists that table's columns.",
    ls_opts, 1, -1, run_ls};

/* ---- show ---- */

static const cli_opt show_opts[] = {
    {"object", 0, "P", "the table (also FILE:P, or P after the files); needed when a file\n"
                      "holds several"},
    {"columns", 0, "LIST", "only these columns: comma-separated names or quoted wildcards\n"
                         "('Muon_*')"},
    {0},
};

static void show_table(const rf_table *t, const char *path, const size_t *cols, size_t ncols)
{
    size_t nclusters;
    rf_table_clusters(t, &nclusters);
    int64_t ne = rf_table_entries(t);
    size_t nc = rf_table_ncolumns(t);
    printf("%s:%s: %s, %" PRId64 " entr%s, %zu column%s, %zu cluster%s\n", path, rf_table_name(t), rf_table_class(t),
           ne, ne == 1 ? "y" : "ies", nc, nc == 1 ? "" : "s", nclusters, nclusters == 1 ? "" : "s");
    text_table tt;
    tt_init(&tt, 8, 0x70, "");
    const char *head[] = {"name", "type", "kind", "dtype", "compressed", "uncompressed", "blocks", ""};
    for (int i = 0; i < 8; i++)
        tt_add(&tt, "%s", head[i]);
    for (size_t k = 0; k < ncols; k++) {
        const rf_column_info *ci = rf_table_column(t, cols[k]);
        char shape[128];
        cli_shape_text(ci, shape, sizeof shape);
        tt_add(&tt, "%s", ci->name);
        tt_add(&tt, "%s", ci->type_name ? ci->type_name : "");
        tt_add(&tt, "%s", ci->unsupported ? "-" : rf_kind_name(ci->kind));
        tt_add(&tt, "%s", ci->unsupported ? "-" : shape);
        tt_add(&tt, "%" PRId64, ci->compressed_bytes);
        tt_add(&tt, "%" PRId64, ci->uncompressed_bytes);
        tt_add(&tt, "%" PRId64, ci->nblocks);
        tt_add(&tt, "%s%s", ci->unsupported ? "unsupported: " : "", ci->unsupported ? ci->unsupported : "");
    }
    tt_print(&tt, stdout);
}

static int run_show(cli_args *a)
{
    const char *object;
    rf_path_item *items;
    size_t n;
    int rc = cli_inputs(a, a->npos, 1, &items, &n, &object);
    if (rc)
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        rf_file *f;
        rf_table *t;
        size_t *cols = NULL, ncols;
        rc = cli_open_table("show", items[i].path, items[i].object ? items[i].object : object, &f, &t);
        if (!rc && !(rc = cli_columns("show", t, items[i].path, cli_get(a, "columns"), &cols, &ncols))) {
            if (i)
                putchar('\n');
            show_table(t, items[i].path, cols, ncols);
        }
        free(cols);
        rf_table_close(t);
        rf_file_close(f);
    }
    rf_path_items_free(items, n);
    return rc;
}

static const cli_cmd show_cmd = {
    "show", "describe tables: columns, types, shapes, bytes, baskets/pages", "[options] INPUT... [OBJECT]",
    "Describes a table of each file: its class, entries, columns and clusters, then per column\n"
    "the stored type, kind (flat, fixed, jagged), dtype with shape ([var] per jagged level,\n"
    "[n] per fixed dimension), compressed and uncompressed bytes on disk (baskets embedded in\n"
    "a TTree record count their bytes and their share of the record's compressed size) and\n"
    "the number of TTree baskets or RNTuple pages. Without OBJECT, the file's only table.",
    show_opts, 1, -1, run_show};

/* ---- help and dispatch ---- */

static int run_help(cli_args *a);

static const cli_cmd help_cmd = {
    "help", "show this help, or a command's (rootfeed help dump)", "[COMMAND]",
    "Shows the list of commands, or the help of one.", (const cli_opt[]){{0}}, 0, 1, run_help};

static const cli_cmd *const commands[] = {&ls_cmd,          &show_cmd,    &cli_dump_cmd, &cli_convert_cmd,
                                          &cli_gen_cmd,     &cli_load_cmd, &help_cmd};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void top_help(FILE *out)
{
    fprintf(out, "rootfeed %s - read, inspect, convert and generate ROOT files (TTree, RNTuple) without ROOT\n\n"
                 "usage: rootfeed COMMAND [options] [arguments]\n\ncommands:\n",
            RF_VERSION_STRING);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nInputs are paths, quoted glob patterns ('data/*.root') or FILE:OBJECT (f.root:events,\n"
          "f.root:dir/tree); files with the same schema are read as one chain, entries in file\n"
          "order. 'rootfeed COMMAND --help' lists a command's options. rootfeed --version prints\n"
          "the version. Exit status: 0 success, 1 error, 2 bad arguments.\n",
          out);
}

static const cli_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i]->name, name))
            return commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    char hint[256];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i]->name;
    cli_closest(name, names, NCOMMANDS, hint, sizeof hint);
    return cli_usage_error(NULL, "unknown command '%s'%s", name, hint);
}

static int run_help(cli_args *a)
{
    if (a->npos == 0) {
        top_help(stdout);
        return 0;
    }
    const cli_cmd *c = find_command(a->pos[0]);
    if (!c)
        return unknown_command(a->pos[0]);
    cli_help(c, stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        top_help(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rootfeed %s\n", RF_VERSION_STRING);
        return 0;
    }
    const cli_cmd *c = find_command(argv[1]);
    if (!c)
        return argv[1][0] == '-' ? cli_usage_error(NULL, "unknown option '%s'", argv[1]) : unknown_command(argv[1]);
    cli_args a;
    int rc = cli_parse(c, argc - 1, argv + 1, &a);
    if (rc < 0)
        rc = c->run(&a);
    cli_args_free(&a);
    return rc;
}
