/* cmd_convert.c - `rootfeed convert` (ROOT files, one or a chain, or a CSV file, to a TTree,
 * an RNTuple or CSV) and `rootfeed gen` (synthetic tables of any size for tests and
 * benchmarks). Both drive the library's writer, which puts the output in place only when it
 * is complete; before anything is written, an existing output needs -f and an output that is
 * one of the inputs (any path or link to the same file) is refused. A CSV input is read twice:
 * once to infer the column types (int64 if every value is an integer, else float64) and count
 * the rows, once to write. A progress line goes to stderr when it is a terminal. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rootfeed_writer.h"
#include "writer/csv.h"

#define BATCH 65536
#define MAXCOLS 4096

static const char dtypes_text[] = "bool, int8..int64, uint8..uint64, float32, float64";

/* ---- progress ---- */

typedef struct progress {
    const char *cmd;
    int on, shown;
    double t0, last, delay;
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* On when stderr is a terminal; the line appears once a run takes longer than a second
 * (ROOTFEED_PROGRESS_DELAY seconds: the tests set 0). */
static void progress_init(progress *p, const char *cmd)
{
    const char *d = getenv("ROOTFEED_PROGRESS_DELAY");
    *p = (progress){cmd, isatty(2), 0, now(), 0, d ? atof(d) : 1.0};
}

static void progress_show(progress *p, int64_t done, int64_t total)
{
    double t = now();
    if (!p->on || t - p->t0 < p->delay || (p->shown && t - p->last < 0.2))
        return;
    p->last = t;
    p->shown = 1;
    fprintf(stderr, "\rrootfeed %s: %" PRId64 " of %" PRId64 " entries (%d%%), %.0f s", p->cmd, done, total,
            total ? (int)(100 * done / total) : 100, t - p->t0);
}

static void progress_end(progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
}

/* ---- writer options shared by convert and gen ---- */

typedef struct wsetup {
    rf_writer_options w;
    const char *out;
} wsetup;

static const char *extension(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path, *dot = strrchr(base, '.');
    return dot ? dot : "";
}

/* Format (from --format or the output's extension), compression, cluster and basket sizes. */
static int writer_options(const cli_args *a, const char *out, wsetup *ws)
{
    const char *cmd = a->cmd->name, *fmt = cli_get(a, "format"), *ext = extension(out), *v;
    rf_writer_options_init(&ws->w);
    ws->out = out;
    int csv_ext = !strcmp(ext, ".csv"), root_ext = !strcmp(ext, ".root");
    if (fmt && strcmp(fmt, "ttree") && strcmp(fmt, "rntuple") && strcmp(fmt, "csv"))
        return cli_usage_error(cmd, "unknown --format '%s' (ttree, rntuple or csv)", fmt);
    if (!fmt && !csv_ext && !root_ext)
        return cli_usage_error(cmd, "cannot tell the format of '%s' from its extension: name it .root or .csv, or "
                               "give --format ttree|rntuple|csv", out);
    if (fmt && ((csv_ext && strcmp(fmt, "csv")) || (root_ext && !strcmp(fmt, "csv"))))
        return cli_usage_error(cmd, "--format %s does not match the extension of '%s'", fmt, out);
    ws->w.format = (fmt ? !strcmp(fmt, "csv") : csv_ext) ? RF_FORMAT_CSV
                   : fmt && !strcmp(fmt, "rntuple")     ? RF_FORMAT_RNTUPLE
                                                        : RF_FORMAT_TTREE;
    rf_error err;
    if ((v = cli_get(a, "compression"))) {
        if (ws->w.format == RF_FORMAT_CSV)
            return cli_usage_error(cmd, "--compression does not apply to CSV output");
        if (rf_writer_parse_compression(v, &ws->w.compression, &err) != RF_OK)
            return cli_usage_error(cmd, "--compression: %s", err.msg);
    }
    int64_t n;
    if ((v = cli_get(a, "cluster-entries"))) {
        if (cli_int(cmd, "cluster-entries", v, 1, INT64_MAX, &n))
            return 2;
        ws->w.cluster_entries = n;
    }
    if ((v = cli_get(a, "basket-bytes"))) {
        if (cli_int(cmd, "basket-bytes", v, 64, 1 << 30, &n))
            return 2;
        ws->w.basket_bytes = n;
    }
    if ((v = cli_get(a, "title")))
        ws->w.title = v;
    return 0;
}

/* Refuses to replace an existing output without --force, or to write onto an input. */
static int check_output(const cli_args *a, const char *out, const rf_path_item *in, size_t nin)
{
    const char *cmd = a->cmd->name;
    struct stat so, si;
    if (stat(out, &so) != 0)
        return 0;
    if (S_ISDIR(so.st_mode))
        return cli_error(cmd, "%s is a directory: name the output file", out);
    for (size_t i = 0; i < nin; i++)
        if (stat(in[i].path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return cli_error(cmd, "%s is the input %s (the same file): write to another file", out, in[i].path);
    if (!cli_get(a, "force"))
        return cli_error(cmd, "%s exists: add -f (--force) to replace it", out);
    return 0;
}

static int open_writer(const char *cmd, const wsetup *ws, const char *name, rf_writer **w)
{
    rf_error err;
    if (rf_writer_open(ws->out, name, &ws->w, w, &err) != RF_OK)
        return cli_error(cmd, "%s", err.msg);
    return 0;
}

static int close_writer(const char *cmd, rf_writer *w, int rc)
{
    rf_error err;
    if (rc) {
        rf_writer_abort(w);
        return rc;
    }
    return rf_writer_close(w, &err) == RF_OK ? 0 : cli_error(cmd, "%s", err.msg);
}

static int parse_dtype(const char *s, size_t n, rf_dtype *t)
{
    for (int d = 0; d < RF_DTYPE_COUNT; d++)
        if (strlen(rf_dtype_name((rf_dtype)d)) == n && !strncmp(rf_dtype_name((rf_dtype)d), s, n)) {
            *t = (rf_dtype)d;
            return 0;
        }
    return -1;
}

/* ---- convert: CSV input ---- */

typedef struct csvin {
    const char *path;
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
    char *fields[MAXCOLS];
} csvin;

/* The next non-empty line split into fields: their number, -1 for a bad quote, -2 at the end. */
static long csv_next(csvin *c)
{
    for (;;) {
        ssize_t n = getline(&c->line, &c->cap, c->f);
        if (n < 0)
            return -2;
        c->lineno++;
        if (n > 0 && c->line[n - 1] == '\n')
            c->line[--n] = 0;
        if (n == 0 || (n == 1 && c->line[0] == '\r'))
            continue;
        return csv_split(c->line, (size_t)n, c->fields, MAXCOLS);
    }
}

typedef struct csvcols {
    long n;              /* columns of the file */
    char **names;
    rf_dtype *types;
    int *given;          /* type given by --types */
    size_t *sel, nsel;   /* the columns chosen by --columns */
} csvcols;

static int csv_types(const char *types, csvcols *k)
{
    for (long i = 0; i < k->n; i++)
        k->types[i] = RF_INT64, k->given[i] = 0;
    for (const char *s = types; s && *s;) {
        const char *comma = strchr(s, ','), *end = comma ? comma : s + strlen(s);
        const char *colon = memchr(s, ':', (size_t)(end - s));
        long c = -1;
        for (long i = 0; colon && i < k->n; i++)
            if (strlen(k->names[i]) == (size_t)(colon - s) && !strncmp(k->names[i], s, (size_t)(colon - s)))
                c = i;
        if (c < 0 || parse_dtype(colon + 1, (size_t)(end - colon - 1), &k->types[c]) != 0)
            return cli_usage_error("convert", "--types entry '%.*s' is not NAME:DTYPE with a CSV column name and a "
                                   "dtype (%s)", (int)(end - s), s, dtypes_text);
        k->given[c] = 1;
        s = comma ? comma + 1 : end;
    }
    return 0;
}

static int bad_row(const csvin *c)
{
    return cli_error("convert", "%s line %ld: wrong number of fields (or a bad quote)", c->path, c->lineno);
}

/* First pass: infers the types not given and counts the rows. */
static int csv_infer_pass(csvin *c, csvcols *k, int64_t *rows)
{
    long r;
    *rows = 0;
    while ((r = csv_next(c)) != -2) {
        if (r != k->n)
            return bad_row(c);
        for (long i = 0; i < k->n; i++)
            if (!k->given[i])
                csv_infer(c->fields[i], &k->types[i]);
        ++*rows;
    }
    return 0;
}

/* Reads up to BATCH rows of [*row, last) into d (the chosen columns). */
static int csv_load_batch(csvin *c, const csvcols *k, rf_column_data *d, int64_t *row, int64_t first, int64_t last,
                          int64_t *n)
{
    *n = 0;
    while (*n < BATCH && *row < last) {
        if (csv_next(c) != k->n)
            return bad_row(c);
        if ((*row)++ < first)
            continue;
        for (size_t j = 0; j < k->nsel; j++) {
            size_t i = k->sel[j], es = rf_dtype_size(d[j].dtype);
            if (csv_parse(c->fields[i], d[j].dtype, (uint8_t *)d[j].values + (size_t)*n * es) != 0)
                return cli_error("convert", "%s line %ld, column '%s': cannot read '%s' as %s", c->path, c->lineno,
                                 k->names[i], c->fields[i], rf_dtype_name(d[j].dtype));
        }
        (*n)++;
    }
    for (size_t j = 0; j < k->nsel; j++)
        d[j].nentries = d[j].nvalues = *n;
    return 0;
}

static int csv_write_rows(csvin *c, const csvcols *k, rf_writer *w, int64_t first, int64_t last)
{
    rf_column_data *d = calloc(k->nsel + 1, sizeof *d);
    int rc = d ? 0 : cli_error("convert", "out of memory");
    for (size_t j = 0; j < k->nsel && !rc; j++) {
        d[j].dtype = k->types[k->sel[j]];
        if (!(d[j].values = malloc(BATCH * 8)))
            rc = cli_error("convert", "out of memory");
    }
    progress pg;
    progress_init(&pg, "convert");
    rf_error err;
    for (int64_t row = 0, n = 1; !rc && row < last && n > 0;) {
        rc = csv_load_batch(c, k, d, &row, first, last, &n);
        if (!rc && n && rf_writer_append(w, d, k->nsel, &err) != RF_OK)
            rc = cli_error("convert", "%s", err.msg);
        progress_show(&pg, row - first, last - first);
    }
    progress_end(&pg);
    for (size_t j = 0; d && j < k->nsel; j++)
        free(d[j].values);
    free(d);
    return rc;
}

static void free_csvcols(csvcols *k)
{
    for (long i = 0; k->names && i < k->n; i++)
        free(k->names[i]);
    free(k->names), free(k->types), free(k->given), free(k->sel);
}

static int csv_header(const cli_args *a, csvin *c, csvcols *k)
{
    k->n = csv_next(c);
    if (k->n <= 0 || k->n > MAXCOLS)
        return cli_error("convert", "%s: no header row with column names", c->path);
    k->names = calloc((size_t)k->n, sizeof *k->names);
    k->types = calloc((size_t)k->n, sizeof *k->types);
    k->given = calloc((size_t)k->n, sizeof *k->given);
    for (long i = 0; k->names && i < k->n; i++)
        k->names[i] = strdup(c->fields[i]);
    if (!k->names || !k->types || !k->given)
        return cli_error("convert", "out of memory");
    return csv_types(cli_get(a, "types"), k) ||
           cli_select("convert", (const char *const *)k->names, (size_t)k->n, cli_get(a, "columns"), c->path, &k->sel,
                      &k->nsel);
}

static int convert_csv(const cli_args *a, const char *path, const wsetup *ws)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char stem[256];
    snprintf(stem, sizeof stem, "%.*s", (int)(strlen(base) - strlen(extension(base))), base);
    const char *name = cli_get(a, "name") ? cli_get(a, "name") : stem;
    csvin c = {path, fopen(path, "r"), NULL, 0, 0, {0}};
    if (!c.f)
        return cli_error("convert", "%s: cannot open: %s", path, strerror(errno));
    csvcols k = {0};
    rf_writer *w = NULL;
    int64_t rows = 0, first = 0, last = 0;
    int rc = csv_header(a, &c, &k);
    long data_at = ftell(c.f), header_line = c.lineno;
    if (!rc)
        rc = csv_infer_pass(&c, &k, &rows);
    if (!rc)
        rc = cli_range("convert", cli_get(a, "entries"), rows, path, &first, &last);
    if (!rc && fseek(c.f, data_at, SEEK_SET) != 0)
        rc = cli_error("convert", "%s: cannot read it a second time", path);
    c.lineno = header_line;
    if (!rc)
        rc = open_writer("convert", ws, name, &w);
    rf_error err;
    for (size_t j = 0; j < k.nsel && !rc; j++) {
        rf_writer_column col = {.name = k.names[k.sel[j]], .dtype = k.types[k.sel[j]], .kind = RF_KIND_FLAT};
        if (rf_writer_add_column(w, &col, &err) != RF_OK)
            rc = cli_error("convert", "%s", err.msg);
    }
    if (!rc)
        rc = csv_write_rows(&c, &k, w, first, last);
    if (w)
        rc = close_writer("convert", w, rc);
    free_csvcols(&k);
    free(c.line);
    fclose(c.f);
    return rc;
}

/* ---- convert: ROOT input ---- */

/* Why column ci cannot go to the output format, or NULL. */
static const char *cannot_write(const rf_column_info *ci, rf_format fmt)
{
    if (ci->unsupported)
        return ci->unsupported;
    if (ci->kind == RF_KIND_STRING)
        return "strings are not written yet";
    if (ci->nlevels > 1 && ci->ndims)
        return "nested jagged with an inner shape";
    if (fmt == RF_FORMAT_CSV && ci->nlevels)
        return "jagged: CSV holds one value per cell";
    return NULL;
}

/* Declares the chosen columns the output can hold; a column named in --columns that it
 * cannot hold is an error, others are skipped with one note. Keeps the declared ones in idx. */
static int declare_columns(const cli_args *a, const rf_dataset *ds, rf_writer *w, rf_format fmt, size_t *idx,
                           size_t *n)
{
    const char *list = cli_get(a, "columns");
    char note[1024] = "";
    size_t nskip = 0, len = 0, kept = 0;
    rf_error err;
    for (size_t k = 0; k < *n; k++) {
        const rf_column_info *ci = rf_dataset_column(ds, idx[k]);
        const char *why = cannot_write(ci, fmt);
        if (why && cli_named(list, ci->name))
            return cli_error("convert", "column '%s' cannot be converted: %s", ci->name, why);
        if (why) {
            if (len < sizeof note)
                len += (size_t)snprintf(note + len, sizeof note - len, "%s %s (%s)", nskip ? "," : "", ci->name, why);
            nskip++;
            continue;
        }
        rf_writer_column col = {.name = ci->name, .dtype = ci->dtype, .kind = ci->kind, .ndims = ci->ndims,
                                .nlevels = ci->nlevels};
        memcpy(col.shape, ci->shape, sizeof col.shape);
        if (rf_writer_add_column(w, &col, &err) != RF_OK)
            return cli_error("convert", "%s", err.msg);
        idx[kept++] = idx[k];
    }
    *n = kept;
    if (nskip)
        fprintf(stderr, "rootfeed convert: skipping %zu column%s:%s\n", nskip, nskip == 1 ? "" : "s", note);
    return kept ? 0 : cli_error("convert", "no columns to convert");
}

static int copy_range(rf_dataset *ds, const size_t *idx, size_t n, int64_t first, int64_t last, rf_writer *w)
{
    rf_column_data *d = calloc(n + 1, sizeof *d);
    rf_dataset_reader *r = NULL;
    rf_error err;
    if (!d)
        return cli_error("convert", "out of memory");
    int rc = rf_dataset_reader_new(ds, &r, &err) == RF_OK ? 0 : cli_error("convert", "%s", err.msg);
    progress pg;
    progress_init(&pg, "convert");
    for (int64_t e = first; e < last && !rc; e += BATCH) {
        int64_t m = last - e < BATCH ? last - e : BATCH;
        for (size_t i = 0; i < n && !rc; i++)
            if (rf_dataset_read(r, idx[i], e, e + m, &d[i], &err) != RF_OK)
                rc = cli_error("convert", "%s", err.msg);
        if (!rc && rf_writer_append(w, d, n, &err) != RF_OK)
            rc = cli_error("convert", "%s", err.msg);
        progress_show(&pg, e + m - first, last - first);
    }
    progress_end(&pg);
    for (size_t i = 0; i < n; i++)
        rf_column_data_free(&d[i]);
    free(d);
    rf_dataset_reader_free(r);
    return rc;
}

static int convert_root(const cli_args *a, const rf_path_item *items, size_t n, const char *object,
                        const wsetup *ws)
{
    rf_dataset *ds;
    const char *cls;
    int rc = cli_dataset_open("convert", items, n, object, &ds, &cls);
    if (rc)
        return rc;
    int64_t first, last;
    size_t *idx = NULL, nidx = 0;
    rc = cli_dataset_columns("convert", ds, cli_get(a, "columns"), &idx, &nidx);
    if (!rc)
        rc = cli_dataset_range("convert", ds, cli_get(a, "entries"), &first, &last);
    const char *table = rf_dataset_file_object(ds, 0), *slash = strrchr(table, '/'), *name = cli_get(a, "name");
    rf_writer *w = NULL;
    if (!rc)
        rc = open_writer("convert", ws, name ? name : slash ? slash + 1 : table, &w);
    if (!rc)
        rc = declare_columns(a, ds, w, ws->w.format, idx, &nidx);
    if (!rc)
        rc = copy_range(ds, idx, nidx, first, last, w);
    if (w)
        rc = close_writer("convert", w, rc);
    free(idx);
    rf_dataset_free(ds);
    return rc;
}

static int run_convert(cli_args *a)
{
    const char *out = a->pos[a->npos - 1];
    wsetup ws;
    int rc = writer_options(a, out, &ws);
    rf_path_item *items = NULL;
    size_t n = 0;
    const char *object;
    if (!rc)
        rc = cli_inputs(a, a->npos - 1, 0, &items, &n, &object);
    size_t ncsv = 0;
    for (size_t i = 0; i < n; i++)
        ncsv += !strcmp(extension(items[i].path), ".csv");
    if (!rc && ncsv && n > 1)
        rc = cli_usage_error("convert", "give one CSV input at a time (or ROOT files, which form a chain)");
    if (!rc)
        rc = check_output(a, out, items, n);
    if (!rc)
        rc = ncsv ? convert_csv(a, items[0].path, &ws) : convert_root(a, items, n, object, &ws);
    rf_path_items_free(items, n);
    return rc;
}

#define WRITER_OPTS                                                                                               \
    {"format", 0, "F", "ttree, rntuple or csv (default: csv for a .csv output, else ttree)"},                    \
    {"name", 0, "NAME", "the output table's name (convert: the input table's, or the CSV\n"         \
                        "file's name without .csv; gen: events)"},                                                  \
    {"title", 0, "TEXT", "the output table's title"},                                                             \
    {"compression", 0, "C", "zstd:5, zlib:6, lz4:4, lzma:7, none or a ROOT setting (505); default:\n"            \
                            "zlib:1 for TTree, zstd:5 for RNTuple"},                                              \
    {"cluster-entries", 0, "N", "entries per cluster (default: about 30 MB (TTree) or 100 MiB (RNTuple)\n"        \
                                "of data per cluster)"},                                                          \
    {"basket-bytes", 0, "N", "bytes per TTree basket or RNTuple page (default 32000 / 1 MiB)"},                   \
    {"force", 'f', NULL, "replace OUTPUT if it exists"}

static const cli_opt convert_opts[] = {
    {"object", 0, "P", "the table to convert (also INPUT:P); needed when a file holds\n"
                      "several"},
    {"columns", 0, "LIST", "comma-separated names or quoted wildcards ('Muon_*'); default: all"},
    {"entries", 0, "RANGE", "N (the first N), A:B, A: or :B: entry numbers of the whole chain"},
    {"types", 0, "LIST", "CSV input: NAME:DTYPE,... (dtypes: bool, int8..int64, uint8..uint64,\n"
                         "float32, float64); other columns are int64 or float64 as inferred"},
    WRITER_OPTS,
    {0},
};

const cli_cmd cli_convert_cmd = {
    "convert", "convert ROOT or CSV files to a TTree, an RNTuple or CSV", "[options] INPUT... OUTPUT",
    "Writes the chosen columns and entries of a table - of one file, of a chain of files with\n"
    "the same schema (entries in file order), or of a CSV file (one input, header row of\n"
    "names) - to OUTPUT: a TTree (default), an RNTuple (--format rntuple) or CSV (a .csv\n"
    "OUTPUT or --format csv). The output holds exactly the chosen columns, except that a TTree\n"
    "needs a counter branch per jagged column (x[nx]/F after nx/I, named nNAME), as ROOT writes\n"
    "them. CSV holds one value per cell: a fixed-size column x[2] becomes x_0, x_1; jagged\n"
    "columns are skipped (an error when named in --columns). OUTPUT appears only when it is\n"
    "complete (a failed or killed run leaves an existing file as it was); an existing OUTPUT\n"
    "is replaced only with -f, and never when it is one of the inputs.",
    convert_opts, 2, -1, run_convert};

/* ---- gen ---- */

typedef struct gcol {
    rf_writer_column def;
    char name[64];
    int jagged_max;
} gcol;

/* One "name:dtype[dims]" of --schema (ending at end); 0 or -1. */
static int parse_gcol(const char *s, const char *end, gcol *c)
{
    const char *colon = memchr(s, ':', (size_t)(end - s));
    if (!colon || colon == s || colon - s >= 63)
        return -1;
    memset(c, 0, sizeof *c);
    memcpy(c->name, s, (size_t)(colon - s));
    c->def.name = c->name;
    const char *br = memchr(colon, '[', (size_t)(end - colon)), *tend = br ? br : end;
    if (parse_dtype(colon + 1, (size_t)(tend - colon - 1), &c->def.dtype) != 0)
        return -1;
    c->def.kind = RF_KIND_FLAT;
    for (const char *p = br; p && p < end;) {
        const char *close = memchr(p, ']', (size_t)(end - p));
        char dim[32];
        int64_t n;
        if (*p != '[' || !close || close - p - 1 >= (long)sizeof dim)
            return -1;
        memcpy(dim, p + 1, (size_t)(close - p - 1));
        dim[close - p - 1] = 0;
        if (!strcmp(dim, "var") && p == br) {
            c->def.kind = RF_KIND_JAGGED;
            c->jagged_max = 10;
        } else if (c->def.ndims < RF_MAX_DIMS && cli_parse_int(dim, &n) == 0 && n > 0 && n <= 1 << 20) {
            c->def.shape[c->def.ndims++] = n;
            c->def.kind = c->def.kind == RF_KIND_FLAT ? RF_KIND_FIXED : c->def.kind;
        } else {
            return -1;
        }
        p = close + 1;
    }
    return 0;
}

static int parse_schema(const char *spec, gcol *g, int max, int *count)
{
    int n = 0;
    for (const char *s = spec; *s; *count = ++n) {
        const char *end = strchr(s, ',') ? strchr(s, ',') : s + strlen(s);
        if (n == max)
            return cli_usage_error("gen", "--schema has more than %d columns", max);
        if (parse_gcol(s, end, &g[n]) != 0)
            return cli_usage_error("gen", "--schema entry '%.*s' is not NAME:DTYPE with optional dimensions [3], "
                                   "[2][3] or [var] first (dtypes: %s)", (int)(end - s), s, dtypes_text);
        s = *end ? end + 1 : end;
    }
    return n ? 0 : cli_usage_error("gen", "--schema names no column");
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Physics-like values: floats near a Gaussian (sum of three uniforms), small integers. */
static void gen_value(rf_dtype t, uint64_t h, void *dst)
{
    double g = ((double)(h & 0xFFFFF) + (double)((h >> 20) & 0xFFFFF) + (double)((h >> 40) & 0xFFFFF)) /
               (double)0x100000 - 1.5;
    int64_t k = (int64_t)(g * 40);
    switch (t) {
    case RF_FLOAT32: { float f = (float)(50 + 20 * g); memcpy(dst, &f, 4); break; }
    case RF_FLOAT64: { double d = 50 + 20 * g; memcpy(dst, &d, 8); break; }
    case RF_BOOL: *(uint8_t *)dst = (h >> 61) & 1; break;
    default: memcpy(dst, &k, rf_dtype_size(t)); break;
    }
}

static int gen_batch(const gcol *c, int col, uint64_t seed, int64_t e0, int64_t n, rf_column_data *d)
{
    size_t per = 1, es = rf_dtype_size(c->def.dtype);
    for (int i = 0; i < c->def.ndims; i++)
        per *= (size_t)c->def.shape[i];
    d->dtype = c->def.dtype;
    d->nentries = n;
    int64_t items = n;
    if (c->def.kind == RF_KIND_JAGGED) {
        d->nlevels = 1;
        int64_t *o = realloc(d->offsets[0], (size_t)(n + 1) * 8);
        if (!o)
            return -1;
        d->offsets[0] = o;
        o[0] = 0;
        for (int64_t e = 0; e < n; e++)
            o[e + 1] = o[e] + (int64_t)(mix(seed ^ (uint64_t)(e0 + e) * 131 ^ (uint64_t)col) %
                                        (uint64_t)(c->jagged_max + 1));
        items = o[n];
    }
    d->nvalues = items * (int64_t)per;
    void *v = realloc(d->values, (size_t)d->nvalues * es + 8);
    if (!v)
        return -1;
    d->values = v;
    uint64_t base = mix(seed + (uint64_t)col * 0x1234567ULL) ^ (uint64_t)e0 * 0x9E3779B97F4A7C15ULL;
    for (int64_t i = 0; i < d->nvalues; i++)
        gen_value(c->def.dtype, mix(base + (uint64_t)i), (uint8_t *)d->values + (size_t)i * es);
    return 0;
}

static int gen_rows(rf_writer *w, const gcol *cols, int nc, uint64_t seed, int64_t entries)
{
    rf_column_data d[256];
    memset(d, 0, sizeof d);
    rf_error err;
    progress pg;
    progress_init(&pg, "gen");
    int rc = 0;
    for (int64_t e = 0; e < entries && !rc; e += BATCH) {
        int64_t m = entries - e < BATCH ? entries - e : BATCH;
        for (int i = 0; i < nc && !rc; i++)
            if (gen_batch(&cols[i], i, seed, e, m, &d[i]) != 0)
                rc = cli_error("gen", "out of memory");
        if (!rc && rf_writer_append(w, d, (size_t)nc, &err) != RF_OK)
            rc = cli_error("gen", "%s", err.msg);
        progress_show(&pg, e + m, entries);
    }
    progress_end(&pg);
    for (int i = 0; i < nc; i++)
        rf_column_data_free(&d[i]);
    return rc;
}

static int run_gen(cli_args *a)
{
    const char *out = a->pos[0], *v;
    wsetup ws;
    int64_t entries = 1000000, seed = 1;
    gcol cols[256];
    int nc = 0;
    const char *spec = cli_get(a, "schema");
    spec = spec ? spec : "x:float32,y:float32,z:float64,n:int32,flag:bool,v:float32[var],a:float32[3]";
    int rc = writer_options(a, out, &ws);
    if (!rc && (v = cli_get(a, "entries")))
        rc = cli_int("gen", "entries", v, 0, (int64_t)1 << 40, &entries);
    if (!rc && (v = cli_get(a, "seed")))
        rc = cli_int("gen", "seed", v, 0, INT64_MAX, &seed);
    if (!rc)
        rc = parse_schema(spec, cols, 256, &nc);
    if (!rc)
        rc = check_output(a, out, NULL, 0);
    rf_writer *w = NULL;
    if (!rc)
        rc = open_writer("gen", &ws, cli_get(a, "name") ? cli_get(a, "name") : "events", &w);
    rf_error err;
    for (int i = 0; i < nc && !rc; i++)
        if (rf_writer_add_column(w, &cols[i].def, &err) != RF_OK)
            rc = cli_error("gen", "%s", err.msg);
    if (!rc)
        rc = gen_rows(w, cols, nc, (uint64_t)seed, entries);
    return w ? close_writer("gen", w, rc) : rc;
}

static const cli_opt gen_opts[] = {
    {"entries", 0, "N", "entries to write (default 1000000; 10_000_000 and 1e7 work too)"},
    {"schema", 0, "LIST", "columns NAME:DTYPE with optional dimensions: x:float32,v:float32[var],\n"
                          "a:int32[2][3] (default x:float32,y:float32,z:float64,n:int32,flag:bool,\n"
                          "v:float32[var],a:float32[3]); [var] holds 0 to 10 items"},
    {"seed", 0, "N", "seed of the values (default 1): the same seed writes the same values"},
    WRITER_OPTS,
    {0},
};

const cli_cmd cli_gen_cmd = {
    "gen", "write a synthetic table of any size (tests, benchmarks)", "[options] OUTPUT",
    "Writes a table 'events' (--name) of synthetic, physics-like values: floats near a\n"
    "Gaussian around 50, small integers, random bools, 0 to 10 items per jagged entry. The\n"
    "values are a function of the seed, the column and the entry number only.",
    gen_opts, 1, 1, run_gen};
