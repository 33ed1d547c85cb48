/* cmd_load.c - `rootfeed load`: runs the loader over files for some epochs and prints what it
 * did (batches, rows, batches/s, MB/s, read amplification, peak memory against its bound, the
 * consumer's wait, shuffle quality): the quickest way to see what the loader makes of a
 * dataset. Batches are dropped as they come (a consumer that does nothing). Errors are one
 * line on stderr, "rootfeed load: ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "rootfeed.h"

#define MAXF 4096
#define MAXC 512

typedef struct load_opts {
    const char *files[MAXF], *objects[MAXF], *columns, *target, *weights, *sizes, *filters[32], *defines[32];
    size_t nfiles, nfilters, ndefines;
    int epochs, json, typed;
    rf_loader_options o;
} load_opts;

static int die(const char *msg, const char *a)
{
    fprintf(stderr, "rootfeed load: ");
    fprintf(stderr, msg, a);
    fputc('\n', stderr);
    return 1;
}

static const char *const MODES[] = {"native", "root638", "root640", "eager"};

static const cli_opt load_opt_table[] = {
    {"columns", 0, "LIST", "the columns to deliver, comma-separated; v:N cuts or pads the jagged\n"
                           "column v to N items"},
    {"target", 0, "LIST", "the columns that form y (the others of --columns form X)"},
    {"weights", 0, "LIST", "the columns that form w"},
    {"max-sizes", 0, "LIST", "v:N,...: items of jagged columns (as v:N in --columns)"},
    {"object", 0, "P", "the table in every file (also FILE:P); default: each file's only table"},
    {"filter", 0, "EXPR", "keep the entries where EXPR holds (RDataFrame syntax); repeatable"},
    {"define", 0, "NAME=EXPR", "add a computed column; repeatable"},
    {"mode", 0, "M", "native (default), root638, root640 or eager (ROOT's loaders)"},
    {"batch", 0, "N", "rows per batch (default 1024)"},
    {"chunk", 0, "N", "entries per chunk (default 500000)"},
    {"block", 0, "N", "entries per block (default 10000)"},
    {"batches-in-memory", 0, "N", "root640: batches per buffer (default 10)"},
    {"split", 0, "F", "fraction of the entries for validation, 0 <= F < 1 (default 0)"},
    {"epochs", 0, "N", "epochs to run (default 1)"},
    {"threads", 0, "N", "worker threads (default 0: all cores)"},
    {"seed", 0, "N", "shuffle seed (default 0: draw one and print it)"},
    {"rank", 0, "R", "this process's rank among --world (native mode)"},
    {"world", 0, "W", "number of ranks (default 1)"},
    {"pad", 0, NULL, "ranks: repeat rows to fill the last batch instead of dropping them"},
    {"typed", 0, NULL, "one tensor per column in its own dtype (default: X, y, w as float32)"},
    {"no-shuffle", 0, NULL, "deliver in file order"},
    {"keep-remainder", 0, NULL, "keep an epoch's last, short batch"},
    {"json", 0, NULL, "print one JSON line per epoch and part"},
    {0},
};

/* The whole-number options: name and where the value goes (int64 or int). */
static int numbers(const cli_args *c, load_opts *a)
{
    static const struct { const char *name; int64_t max; } num[] = {
        {"batch", INT64_MAX}, {"chunk", INT64_MAX}, {"block", INT64_MAX}, {"batches-in-memory", INT64_MAX},
        {"epochs", 1 << 30}, {"threads", 1 << 16}, {"seed", INT64_MAX}, {"rank", 1 << 30}, {"world", 1 << 30}};
    int64_t v[9];
    for (int i = 0; i < 9; i++) {
        const char *text = cli_get(c, num[i].name);
        if (text && cli_int("load", num[i].name, text, i == 8 ? 1 : 0, num[i].max, &v[i]))
            return 2;
        if (!text)
            v[i] = -1;
    }
    if (v[0] >= 0) a->o.batch_size = v[0];
    if (v[1] >= 0) a->o.chunk_size = v[1];
    if (v[2] >= 0) a->o.block_size = v[2];
    if (v[3] >= 0) a->o.batches_in_memory = v[3];
    if (v[4] >= 0) a->epochs = (int)v[4];
    if (v[5] >= 0) a->o.num_threads = (int)v[5];
    if (v[6] >= 0) a->o.seed = (uint64_t)v[6];
    if (v[7] >= 0) a->o.rank = (int)v[7];
    if (v[8] >= 0) a->o.world_size = (int)v[8];
    return 0;
}

static int parse_args(const cli_args *c, const rf_path_item *items, size_t n, const char *object, load_opts *a)
{
    memset(a, 0, sizeof *a);
    rf_loader_options_init(&a->o);
    a->epochs = 1;
    if (n > MAXF)
        return cli_usage_error("load", "more than %d files", MAXF);
    for (size_t i = 0; i < n; i++) {
        a->files[a->nfiles] = items[i].path;
        a->objects[a->nfiles++] = items[i].object ? items[i].object : object;
    }
    a->columns = cli_get(c, "columns");
    if (!a->columns)
        return cli_usage_error("load", "--columns is needed");
    a->target = cli_get(c, "target");
    a->weights = cli_get(c, "weights");
    a->sizes = cli_get(c, "max-sizes");
    a->json = cli_get(c, "json") != NULL;
    a->typed = cli_get(c, "typed") != NULL;
    a->o.pad = cli_get(c, "pad") != NULL;
    a->o.shuffle = !cli_get(c, "no-shuffle");
    a->o.drop_remainder = !cli_get(c, "keep-remainder");
    for (int i = 0; i < c->nseq; i++) {
        const char *opt = c->cmd->opts[c->seq_opt[i]].name;
        if (!strcmp(opt, "filter") && a->nfilters < 32)
            a->filters[a->nfilters++] = c->seq_val[i];
        else if (!strcmp(opt, "define") && a->ndefines < 32)
            a->defines[a->ndefines++] = c->seq_val[i];
    }
    const char *v = cli_get(c, "split");
    char *end = NULL;
    double split = v ? strtod(v, &end) : 0;
    if (v && (end == v || *end || !(split >= 0 && split < 1)))
        return cli_usage_error("load", "--split '%s' is not a fraction 0 <= F < 1", v);
    a->o.validation_split = (float)split;
    if ((v = cli_get(c, "mode"))) {
        a->o.mode = (rf_loader_mode)-1;
        for (int m = 0; m < 4; m++)
            if (!strcmp(v, MODES[m]))
                a->o.mode = (rf_loader_mode)m;
        if ((int)a->o.mode < 0)
            return cli_usage_error("load", "--mode is native, root638, root640 or eager (not '%s')", v);
    }
    return numbers(c, a);
}

/* Splits a comma list into (name, max_size) columns; "v:3" sets max_size. */
static size_t split_cols(char *list, rf_loader_column *out, size_t cap)
{
    size_t n = 0;
    for (char *tok = strtok(list, ","); tok && n < cap; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        out[n].max_size = colon ? strtoll(colon + 1, NULL, 10) : 0;
        if (colon)
            *colon = 0;
        out[n++].name = tok;
    }
    return n;
}

/* Whether name is one of the comma-separated list's items. */
static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
            return 1;
    return 0;
}

/* max_size of a column from --max-sizes v:3,w:2 */
static int64_t max_size_of(const char *sizes, const char *name)
{
    if (!sizes)
        return 0;
    size_t n = strlen(name);
    for (const char *p = sizes; (p = strstr(p, name)); p += n)
        if ((p == sizes || p[-1] == ',') && p[n] == ':')
            return strtoll(p + n + 1, NULL, 10);
    return 0;
}

static rf_dataset *open_dataset(const load_opts *a, rf_error *err)
{
    rf_dataset *ds;
    if (rf_dataset_open(a->files, a->objects, a->nfiles, &ds, err))
        return NULL;
    for (size_t i = 0; i < a->ndefines; i++) {
        char name[256];
        const char *eq = strchr(a->defines[i], '=');
        size_t k = eq ? (size_t)(eq - a->defines[i]) : 0;
        if (!eq || k >= sizeof name) {
            snprintf(err->msg, sizeof err->msg, "--define takes NAME=EXPR (got %s)", a->defines[i]);
            rf_dataset_free(ds);
            return NULL;
        }
        memcpy(name, a->defines[i], k);
        name[k] = 0;
        if (rf_dataset_define(ds, name, eq + 1, err)) {
            rf_dataset_free(ds);
            return NULL;
        }
    }
    for (size_t i = 0; i < a->nfilters; i++)
        if (rf_dataset_filter(ds, a->filters[i], err)) {
            rf_dataset_free(ds);
            return NULL;
        }
    return ds;
}

/* ROOT's layout (X features, y targets, w weights; float32) or one typed tensor per column. */
static size_t make_tensors(load_opts *a, const rf_dataset *ds, char *buf, rf_loader_column *cols,
                           rf_loader_tensor *t)
{
    size_t n = split_cols(buf, cols, MAXC), nt = 0, nf = 0;
    rf_loader_column *feat = cols + MAXC, *targ = cols + 2 * MAXC, *wt = cols + 3 * MAXC;
    size_t ntarg = 0, nw = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].max_size)
            cols[i].max_size = max_size_of(a->sizes, cols[i].name);
        int is_t = in_list(a->target, cols[i].name), is_w = in_list(a->weights, cols[i].name);
        if (a->typed) {
            long c = rf_dataset_find_column(ds, cols[i].name);
            rf_dtype d = c >= 0 ? rf_dataset_column(ds, (size_t)c)->dtype : RF_FLOAT32;
            t[nt++] = (rf_loader_tensor){cols[i].name, d, &cols[i], 1, 0};
        } else if (is_w) {
            wt[nw++] = cols[i];
        } else if (is_t) {
            targ[ntarg++] = cols[i];
        } else {
            feat[nf++] = cols[i];
        }
    }
    if (!a->typed) {
        if (nf)
            t[nt++] = (rf_loader_tensor){"X", RF_FLOAT32, feat, nf, 0};
        if (ntarg)
            t[nt++] = (rf_loader_tensor){"y", RF_FLOAT32, targ, ntarg, 0};
        if (nw)
            t[nt++] = (rf_loader_tensor){"w", RF_FLOAT32, wt, nw, 0};
    }
    return nt;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_epoch(const load_opts *a, const rf_loader *l, rf_part part, int epoch, int64_t nb,
                        int64_t rows, double dt, const rf_loader_stats *s0, const rf_loader_stats *s)
{
    double mb = (double)(s->bytes_delivered - s0->bytes_delivered) / 1e6;
    const char *pn = part ? "validation" : "training";
    if (a->json) {
        printf("{\"part\": \"%s\", \"epoch\": %d, \"batches\": %lld, \"rows\": %lld, \"seconds\": %.6f, "
               "\"batches_per_s\": %.1f, \"mb_per_s\": %.1f, \"read_amplification\": %.4f, "
               "\"peak_buffer_bytes\": %lld, \"buffer_bound_bytes\": %lld, \"wait_seconds\": %.6f, "
               "\"decode_seconds\": %.6f, \"bytes_copied\": %lld, \"rows_dropped\": %lld, "
               "\"rows_repeated\": %lld, \"shuffle_quality\": %.4f, \"seed\": %llu}\n",
               pn, epoch, (long long)nb, (long long)rows, dt, (double)nb / dt, mb / dt,
               s->read_amplification, (long long)s->peak_buffer_bytes, (long long)s->buffer_bound_bytes,
               s->wait_seconds - s0->wait_seconds, s->decode_seconds - s0->decode_seconds,
               (long long)(s->bytes_copied - s0->bytes_copied), (long long)s->rows_dropped,
               (long long)s->rows_repeated, s->shuffle_quality, (unsigned long long)rf_loader_seed(l));
        return;
    }
    printf("%-10s epoch %d: %lld batches, %lld rows in %.3f s: %.0f batches/s, %.1f MB/s; read "
           "amplification %.2f; peak buffers %.1f MB (bound %.1f MB); waited %.3f s; shuffle "
           "quality %.3f\n", pn, epoch, (long long)nb, (long long)rows, dt, (double)nb / dt, mb / dt,
           s->read_amplification, (double)s->peak_buffer_bytes / 1e6, (double)s->buffer_bound_bytes / 1e6,
           s->wait_seconds - s0->wait_seconds, s->shuffle_quality);
}

/* One epoch of one part; prints its line. */
static int run_epoch(const load_opts *a, rf_loader *l, rf_part part, int epoch)
{
    rf_error err = {0};
    rf_loader_stats s0, s1;
    rf_loader_get_stats(l, &s0);
    double t0 = now();
    int64_t nb = 0, rows = 0;
    if (rf_loader_start(l, part, epoch, 0, &err))
        return die("%s", err.msg);
    for (rf_batch *b;;) {
        if (rf_loader_next(l, &b, &err))
            return die("%s", err.msg);
        if (!b)
            break;
        nb++;
        rows += rf_batch_rows(b);
        rf_batch_release(b);
    }
    double dt = now() - t0;
    rf_loader_get_stats(l, &s1);
    print_epoch(a, l, part, epoch, nb, rows, dt > 0 ? dt : 1e-9, &s0, &s1);
    return 0;
}

static int run_load(cli_args *c)
{
    static load_opts a;
    rf_path_item *items;
    size_t n;
    const char *object;
    int rc = cli_inputs(c, c->npos, 0, &items, &n, &object);
    if (!rc)
        rc = parse_args(c, items, n, object, &a);
    rf_error err = {0};
    rf_dataset *ds = rc ? NULL : open_dataset(&a, &err);
    if (!rc && !ds)
        rc = die("%s", err.msg);
    if (rc) {
        rf_path_items_free(items, n);
        return rc;
    }
    static rf_loader_column cols[4 * MAXC];
    rf_loader_tensor t[MAXC];
    char *buf = strdup(a.columns);
    a.o.tensors = t;
    a.o.ntensors = make_tensors(&a, ds, buf, cols, t);
    rf_loader *l;
    double t0 = now();
    if (rf_loader_open(&ds, 1, &a.o, &l, &err)) {
        rc = die("%s", err.msg);
    } else {
        if (!a.json)
            printf("%zu file(s), %lld entries: %lld training, %lld validation (opened in %.3f s, seed %llu)\n",
                   a.nfiles, (long long)rf_dataset_entries(ds), (long long)rf_loader_entries(l, RF_PART_TRAIN),
                   (long long)rf_loader_entries(l, RF_PART_VALIDATION), now() - t0,
                   (unsigned long long)rf_loader_seed(l));
        for (int e = 0; e < a.epochs && !rc; e++) {
            rc = run_epoch(&a, l, RF_PART_TRAIN, e);
            if (!rc && rf_loader_entries(l, RF_PART_VALIDATION) > 0)
                rc = run_epoch(&a, l, RF_PART_VALIDATION, e);
        }
        rf_loader_free(l);
    }
    free(buf);
    rf_dataset_free(ds);
    rf_path_items_free(items, n);
    return rc;
}

const cli_cmd cli_load_cmd = {
    "load", "run the ML loader over files for some epochs and print its figures", "[options] INPUT...",
    "Runs the loader (rootfeed_loader.h) over the inputs as one dataset and prints per epoch and\n"
    "part (training, validation) the batches, rows, batches/s, MB/s, read amplification, peak\n"
    "buffer memory against its bound, the time waited and the shuffle quality. Batches are\n"
    "dropped as they come (a consumer that does nothing). Jagged columns need a size (v:N).",
    load_opt_table, 1, -1, run_load};
