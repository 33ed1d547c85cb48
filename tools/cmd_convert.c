/* cmd_convert.c - `rootfeed convert` (CSV or ROOT in, TTree or RNTuple out) and `rootfeed gen`
 * (synthetic tables of any size for tests and benchmarks). Both drive the library's writer;
 * the CSV is read twice when a column's type must be inferred (int64 if every value is an
 * integer, else float64). Errors are one line on stderr, "rootfeed convert: ...". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfeed.h"
#include "rootfeed_writer.h"
#include "writer/csv.h"

#define BATCH 65536
#define MAXCOLS 4096

int rf_cmd_convert(int argc, char **argv);
int rf_cmd_gen(int argc, char **argv);

typedef struct opts {
    const char *in, *out, *name, *object, *columns, *types, *entries, *spec;
    rf_writer_options w;
    int64_t nentries;
    uint64_t seed;
} opts;

static int die(const char *cmd, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "rootfeed %s: ", cmd);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 1;
}

static int parse_opts(const char *cmd, int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    rf_writer_options_init(&o->w);
    o->nentries = 1000000;
    o->seed = 1;
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = a[0] == '-' && a[1] == '-';
        if (takes && !v)
            return die(cmd, "option %s needs a value%s", a, "");
        rf_error err = {0};
        if (!takes) {
            if (pos == 0 && !strcmp(cmd, "convert"))
                o->in = a;
            else if (!o->out)
                o->out = a;
            else
                return die(cmd, "unexpected argument '%s'%s", a, "");
            pos++;
            continue;
        }
        i++;
        if (!strcmp(a, "--name")) o->name = v;
        else if (!strcmp(a, "--object")) o->object = v;
        else if (!strcmp(a, "--columns")) o->columns = v;
        else if (!strcmp(a, "--types")) o->types = v;
        else if (!strcmp(a, "--entries")) { o->entries = v; o->nentries = atoll(v); }
        else if (!strcmp(a, "--schema")) o->spec = v;
        else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--cluster-entries")) o->w.cluster_entries = atoll(v);
        else if (!strcmp(a, "--basket-bytes")) o->w.basket_bytes = atoll(v);
        else if (!strcmp(a, "--title")) o->w.title = v;
        else if (!strcmp(a, "--format")) {
            if (strcmp(v, "ttree") && strcmp(v, "rntuple"))
                return die(cmd, "unknown format '%s' (ttree or rntuple)%s", v, "");
            o->w.format = !strcmp(v, "rntuple") ? RF_FORMAT_RNTUPLE : RF_FORMAT_TTREE;
        } else if (!strcmp(a, "--compression")) {
            if (rf_writer_parse_compression(v, &o->w.compression, &err) != RF_OK)
                return die(cmd, "%s%s", err.msg, "");
        } else
            return die(cmd, "unknown option %s%s", a, "");
    }
    if (!o->out || (!strcmp(cmd, "convert") && !o->in))
        return die(cmd, "missing %s (see rootfeed --help)%s", !strcmp(cmd, "convert") ? "IN and OUT" : "OUT", "");
    return 0;
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

/* ---- CSV ---------------------------------------------------------------------------- */

typedef struct csvin {
    FILE *f;
    char *line;
    size_t cap;
    long lineno;
    char *fields[MAXCOLS];
    long nf;
} csvin;

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
        c->nf = csv_split(c->line, (size_t)n, c->fields, MAXCOLS);
        return c->nf;
    }
}

static int csv_types(const char *cmd, const opts *o, char **names, long nc, rf_dtype *types, int *given)
{
    for (long i = 0; i < nc; i++)
        types[i] = RF_INT64, given[i] = 0;
    for (const char *s = o->types; s && *s;) {
        const char *comma = strchr(s, ','), *end = comma ? comma : s + strlen(s), *colon = memchr(s, ':', (size_t)(end - s));
        long k = -1;
        for (long i = 0; colon && i < nc; i++)
            if (strlen(names[i]) == (size_t)(colon - s) && !strncmp(names[i], s, (size_t)(colon - s)))
                k = i;
        if (k < 0 || parse_dtype(colon + 1, (size_t)(end - colon - 1), &types[k]) != 0)
            return die(cmd, "bad --types entry near '%s' (name:dtype with a CSV column name, dtype %s)", s,
                       "bool, int8..int64, uint8..uint64, float32, float64");
        given[k] = 1;
        s = comma ? comma + 1 : end;
    }
    return 0;
}

static int csv_infer_pass(const char *cmd, const opts *o, csvin *c, long nc, rf_dtype *types, const int *given)
{
    long r;
    while ((r = csv_next(c)) != -2) {
        if (r != nc) {
            char where[64];
            snprintf(where, sizeof where, "%ld", c->lineno);
            return die(cmd, "%s line %s: wrong number of fields (or a bad quote)", o->in, where);
        }
        for (long i = 0; i < nc; i++)
            if (!given[i])
                csv_infer(c->fields[i], &types[i]);
    }
    return 0;
}

static int csv_load_batch(const char *cmd, const opts *o, csvin *c, long nc, rf_column_data *d, char **names,
                          int64_t *n, int *eof)
{
    *n = 0;
    while (*n < BATCH) {
        long r = csv_next(c);
        if (r == -2) {
            *eof = 1;
            break;
        }
        char where[64];
        snprintf(where, sizeof where, "%ld", c->lineno);
        if (r != nc)
            return die(cmd, "%s line %s: wrong number of fields (or a bad quote)", o->in, where);
        for (long i = 0; i < nc; i++) {
            size_t es = rf_dtype_size(d[i].dtype);
            if (csv_parse(c->fields[i], d[i].dtype, (uint8_t *)d[i].values + (size_t)*n * es) != 0) {
                fprintf(stderr, "rootfeed convert: %s line %s, column '%s': cannot read '%s' as %s\n", o->in, where,
                        names[i], c->fields[i], rf_dtype_name(d[i].dtype));
                return 1;
            }
        }
        (*n)++;
    }
    for (long i = 0; i < nc; i++)
        d[i].nentries = d[i].nvalues = *n;
    return 0;
}

static int write_rows(const char *cmd, const opts *o, csvin *c, rf_writer *w, long nc, const rf_dtype *types,
                      char **names)
{
    rf_column_data *d = calloc((size_t)nc, sizeof *d);
    int rc = d ? 0 : die(cmd, "out of memory%s%s", "", "");
    for (long i = 0; i < nc && !rc; i++) {
        d[i].dtype = types[i];
        d[i].values = malloc(BATCH * 8);
        if (!d[i].values)
            rc = die(cmd, "out of memory%s%s", "", "");
    }
    int eof = 0;
    rf_error err = {0};
    while (!rc && !eof) {
        int64_t n;
        rc = csv_load_batch(cmd, o, c, nc, d, names, &n, &eof);
        if (!rc && n && rf_writer_append(w, d, (size_t)nc, &err) != RF_OK)
            rc = die(cmd, "%s%s", err.msg, "");
    }
    for (long i = 0; d && i < nc; i++)
        free(d[i].values);
    free(d);
    return rc;
}

static int convert_csv(const opts *o)
{
    const char *cmd = "convert";
    if (!o->name)
        return die(cmd, "--name NAME is needed for CSV input%s%s", "", "");
    csvin c = {0};
    c.f = fopen(o->in, "r");
    if (!c.f)
        return die(cmd, "cannot open %s%s", o->in, "");
    int rc = 0;
    long nc = csv_next(&c);
    char **names = NULL;
    rf_dtype *types = NULL;
    int *given = NULL;
    rf_writer *w = NULL;
    if (nc <= 0 || nc > MAXCOLS)
        rc = die(cmd, "%s: no header row with column names%s", o->in, "");
    if (!rc) {
        names = calloc((size_t)nc, sizeof *names);
        types = calloc((size_t)nc, sizeof *types);
        given = calloc((size_t)nc, sizeof *given);
        for (long i = 0; names && i < nc; i++)
            names[i] = strdup(c.fields[i]);
        rc = names && types && given ? csv_types(cmd, o, names, nc, types, given) : die(cmd, "out of memory%s%s", "", "");
    }
    long data_at = ftell(c.f), header_line = c.lineno;
    if (!rc)
        rc = csv_infer_pass(cmd, o, &c, nc, types, given);
    rf_error err = {0};
    if (!rc && (fseek(c.f, data_at, SEEK_SET) != 0 || rf_writer_open(o->out, o->name, &o->w, &w, &err) != RF_OK))
        rc = die(cmd, "%s%s", err.msg[0] ? err.msg : "cannot rewind the CSV input", "");
    c.lineno = header_line;
    for (long i = 0; !rc && i < nc; i++) {
        rf_writer_column col = {names[i], types[i], RF_KIND_FLAT, 0, {0}, 0};
        if (rf_writer_add_column(w, &col, &err) != RF_OK)
            rc = die(cmd, "%s%s", err.msg, "");
    }
    if (!rc)
        rc = write_rows(cmd, o, &c, w, nc, types, names);
    if (!rc && rf_writer_close(w, &err) != RF_OK)
        rc = die(cmd, "%s%s", err.msg, "");
    else if (rc)
        rf_writer_abort(w);
    for (long i = 0; names && i < nc; i++)
        free(names[i]);
    free(names), free(types), free(given), free(c.line);
    fclose(c.f);
    return rc;
}

/* ---- ROOT to ROOT ------------------------------------------------------------------- */

static int wanted(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; s && *s;) {
        const char *e = strchr(s, ',');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k == n && !strncmp(s, name, n))
            return 1;
        s = e ? e + 1 : s + k;
    }
    return 0;
}

static int first_table(rf_file *f, char **path)
{
    rf_object_info *items;
    size_t n;
    rf_error err;
    if (rf_file_list(f, &items, &n, &err) != RF_OK)
        return -1;
    for (size_t i = 0; i < n && !*path; i++)
        if (items[i].is_table)
            *path = strdup(items[i].path);
    rf_object_list_free(items, n);
    return *path ? 0 : -1;
}

static int pick_columns(const opts *o, rf_table *t, rf_writer *w, size_t *sel, size_t *ns)
{
    rf_error err = {0};
    *ns = 0;
    for (size_t i = 0; i < rf_table_ncolumns(t); i++) {
        const rf_column_info *ci = rf_table_column(t, i);
        if (o->columns && !wanted(o->columns, ci->name))
            continue;
        const char *why = ci->unsupported ? ci->unsupported
                          : ci->kind == RF_KIND_STRING ? "strings are not written yet"
                          : ci->nlevels > 1 && ci->ndims ? "nested jagged with an inner shape" : NULL;
        if (why) {
            if (o->columns)
                return die("convert", "column '%s' cannot be converted (%s)", ci->name, why);
            fprintf(stderr, "rootfeed convert: skipping column '%s' (%s)\n", ci->name, why);
            continue;
        }
        rf_writer_column col = {ci->name, ci->dtype, ci->kind, ci->ndims, {0}, ci->nlevels};
        memcpy(col.shape, ci->shape, sizeof col.shape);
        if (rf_writer_add_column(w, &col, &err) != RF_OK)
            return die("convert", "%s%s", err.msg, "");
        sel[(*ns)++] = i;
    }
    if (*ns == 0)
        return die("convert", "no columns to convert%s%s", "", "");
    return 0;
}

static int copy_entries(rf_table *t, rf_writer *w, const size_t *sel, size_t ns, int64_t a, int64_t b)
{
    rf_column_data *d = calloc(ns, sizeof *d);
    if (!d)
        return die("convert", "out of memory%s%s", "", "");
    rf_error err = {0};
    int rc = 0;
    for (int64_t e = a; e < b && !rc; e += BATCH) {
        int64_t m = b - e < BATCH ? b - e : BATCH;
        for (size_t i = 0; i < ns && !rc; i++)
            if (rf_table_read(t, sel[i], e, e + m, &d[i], &err) != RF_OK)
                rc = die("convert", "%s%s", err.msg, "");
        if (!rc && rf_writer_append(w, d, ns, &err) != RF_OK)
            rc = die("convert", "%s%s", err.msg, "");
    }
    for (size_t i = 0; i < ns; i++)
        rf_column_data_free(&d[i]);
    free(d);
    return rc;
}

static int convert_root(const opts *o)
{
    rf_error err = {0};
    rf_file *f;
    if (rf_file_open(o->in, &f, &err) != RF_OK)
        return die("convert", "%s%s", err.msg, "");
    char *path = o->object ? strdup(o->object) : NULL;
    rf_table *t = NULL;
    rf_writer *w = NULL;
    size_t *sel = NULL, ns = 0;
    int rc = 0;
    if (!path && first_table(f, &path) != 0)
        rc = die("convert", "%s: no TTree or RNTuple in the file%s", o->in, "");
    if (!rc && rf_table_open(f, path, &t, &err) != RF_OK)
        rc = die("convert", "%s%s", err.msg, "");
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *name = o->name ? o->name : slash ? slash + 1 : path;
    if (!rc && rf_writer_open(o->out, name, &o->w, &w, &err) != RF_OK)
        rc = die("convert", "%s%s", err.msg, "");
    if (!rc && !(sel = malloc((rf_table_ncolumns(t) + 1) * sizeof *sel)))
        rc = die("convert", "out of memory%s%s", "", "");
    if (!rc)
        rc = pick_columns(o, t, w, sel, &ns);
    int64_t a = 0, b = t ? rf_table_entries(t) : 0;
    if (!rc && o->entries) {
        char *colon;
        a = strtoll(o->entries, &colon, 10);
        if (*colon == ':' && colon[1])
            b = strtoll(colon + 1, NULL, 10) < b ? strtoll(colon + 1, NULL, 10) : b;
        if (*colon != ':' || a < 0 || a > b)
            rc = die("convert", "bad --entries '%s' (A:B, or A: for the rest)%s", o->entries, "");
    }
    if (!rc)
        rc = copy_entries(t, w, sel, ns, a, b);
    if (!rc && rf_writer_close(w, &err) != RF_OK)
        rc = die("convert", "%s%s", err.msg, "");
    else if (rc)
        rf_writer_abort(w);
    free(sel), free(path);
    rf_table_close(t);
    rf_file_close(f);
    return rc;
}

int rf_cmd_convert(int argc, char **argv)
{
    opts o;
    if (parse_opts("convert", argc, argv, &o))
        return 2;
    size_t n = strlen(o.in);
    int csv = !(n > 5 && !strcmp(o.in + n - 5, ".root"));
    return csv ? convert_csv(&o) : convert_root(&o);
}

/* ---- gen ---------------------------------------------------------------------------- */

typedef struct gcol {
    rf_writer_column def;
    char name[64];
    int jagged_max;
} gcol;

static int parse_spec(const char *spec, gcol *g, int max)
{
    int n = 0;
    for (const char *s = spec; *s && n < max; n++) {
        const char *end = strchr(s, ','), *colon = strchr(s, ':');
        if (!end)
            end = s + strlen(s);
        if (!colon || colon > end || colon - s >= 63)
            return -1;
        gcol *c = &g[n];
        memset(c, 0, sizeof *c);
        memcpy(c->name, s, (size_t)(colon - s));
        c->def.name = c->name;
        const char *br = memchr(colon, '[', (size_t)(end - colon));
        const char *tend = br ? br : end;
        if (parse_dtype(colon + 1, (size_t)(tend - colon - 1), &c->def.dtype) != 0)
            return -1;
        c->def.kind = RF_KIND_FLAT;
        for (const char *p = br; p && p < end && *p == '['; p = strchr(p, ']') + 1) {
            if (!strncmp(p, "[var]", 5) && p == br) {
                c->def.kind = RF_KIND_JAGGED;
                c->jagged_max = 10;
            } else if (c->def.ndims < RF_MAX_DIMS && atoll(p + 1) > 0) {
                c->def.shape[c->def.ndims++] = atoll(p + 1);
                if (c->def.kind == RF_KIND_FLAT)
                    c->def.kind = RF_KIND_FIXED;
            } else {
                return -1;
            }
            if (!strchr(p, ']'))
                return -1;
        }
        s = *end ? end + 1 : end;
    }
    return n;
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

static void gen_batch(const gcol *c, int col, uint64_t seed, int64_t e0, int64_t n, rf_column_data *d)
{
    size_t per = 1, es = rf_dtype_size(c->def.dtype);
    for (int i = 0; i < c->def.ndims; i++)
        per *= (size_t)c->def.shape[i];
    d->dtype = c->def.dtype;
    d->nentries = n;
    int64_t items = n;
    if (c->def.kind == RF_KIND_JAGGED) {
        d->nlevels = 1;
        d->offsets[0] = realloc(d->offsets[0], (size_t)(n + 1) * 8);
        d->offsets[0][0] = 0;
        for (int64_t e = 0; e < n; e++)
            d->offsets[0][e + 1] = d->offsets[0][e] + (int64_t)(mix(seed ^ (uint64_t)(e0 + e) * 131 ^ (uint64_t)col) % (uint64_t)(c->jagged_max + 1));
        items = d->offsets[0][n];
    }
    d->nvalues = items * (int64_t)per;
    d->values = realloc(d->values, (size_t)d->nvalues * es + 8);
    uint64_t base = mix(seed + (uint64_t)col * 0x1234567ULL) ^ (uint64_t)e0 * 0x9E3779B97F4A7C15ULL;
    for (int64_t i = 0; i < d->nvalues; i++)
        gen_value(c->def.dtype, mix(base + (uint64_t)i), (uint8_t *)d->values + (size_t)i * es);
}

int rf_cmd_gen(int argc, char **argv)
{
    opts o;
    if (parse_opts("gen", argc, argv, &o))
        return 2;
    gcol cols[256];
    const char *spec = o.spec ? o.spec : "x:float32,y:float32,z:float64,n:int32,flag:bool,v:float32[var],a:float32[3]";
    int nc = parse_spec(spec, cols, 256);
    if (nc <= 0)
        return die("gen", "bad --schema '%s' (name:dtype[dims],... with dims like [3], [2][3], [var]) %s", spec, "");
    rf_error err = {0};
    rf_writer *w;
    if (rf_writer_open(o.out, o.name ? o.name : "events", &o.w, &w, &err) != RF_OK)
        return die("gen", "%s%s", err.msg, "");
    int rc = 0;
    for (int i = 0; i < nc && !rc; i++)
        if (rf_writer_add_column(w, &cols[i].def, &err) != RF_OK)
            rc = die("gen", "%s%s", err.msg, "");
    rf_column_data d[256];
    memset(d, 0, sizeof d);
    for (int64_t e = 0; e < o.nentries && !rc; e += BATCH) {
        int64_t m = o.nentries - e < BATCH ? o.nentries - e : BATCH;
        for (int i = 0; i < nc; i++)
            gen_batch(&cols[i], i, o.seed, e, m, &d[i]);
        if (rf_writer_append(w, d, (size_t)nc, &err) != RF_OK)
            rc = die("gen", "%s%s", err.msg, "");
    }
    for (int i = 0; i < nc; i++)
        rf_column_data_free(&d[i]);
    if (!rc && rf_writer_close(w, &err) != RF_OK)
        return die("gen", "%s%s", err.msg, "");
    if (rc)
        rf_writer_abort(w);
    return rc;
}
