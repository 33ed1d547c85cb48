/* cmd_load.c - `rootfeed load`: runs the loader over files for some epochs and prints what it
 * did (batches, rows, batches/s, MB/s, read amplification, peak memory against its bound, the
 * consumer's wait, shuffle quality): the quickest way to see what the loader makes of a
 * dataset. Batches are dropped as they come (a consumer that does nothing). Errors are one
 * line on stderr, "rootfeed load: ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rootfeed.h"

int rf_cmd_load(int argc, char **argv);

#define MAXF 4096
#define MAXC 512

typedef struct load_opts {
    const char *files[MAXF], *tree, *columns, *target, *weights, *sizes, *filters[32], *defines[32];
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

/* Option NAME VALUE pairs; numbers are checked to be whole. */
static int parse_num(const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end)
        return 0;
    *out = v;
    return 1;
}

static int parse_args(int argc, char **argv, load_opts *a)
{
    memset(a, 0, sizeof *a);
    rf_loader_options_init(&a->o);
    a->epochs = 1;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n = 0;
        if (k[0] != '-' || !k[1]) {
            if (a->nfiles == MAXF)
                return die("too many files (%s)", k);
            a->files[a->nfiles++] = k;
            continue;
        }
        if (!strcmp(k, "--no-shuffle")) { a->o.shuffle = 0; continue; }
        if (!strcmp(k, "--keep-remainder")) { a->o.drop_remainder = 0; continue; }
        if (!strcmp(k, "--json")) { a->json = 1; continue; }
        if (!strcmp(k, "--typed")) { a->typed = 1; continue; }
        if (!strcmp(k, "--pad")) { a->o.pad = 1; continue; }
        if (!v)
            return die("%s needs a value", k);
        i++;
        if (!strcmp(k, "--tree")) a->tree = v;
        else if (!strcmp(k, "--columns")) a->columns = v;
        else if (!strcmp(k, "--target")) a->target = v;
        else if (!strcmp(k, "--weights")) a->weights = v;
        else if (!strcmp(k, "--max-sizes")) a->sizes = v;
        else if (!strcmp(k, "--filter") && a->nfilters < 32) a->filters[a->nfilters++] = v;
        else if (!strcmp(k, "--define") && a->ndefines < 32) a->defines[a->ndefines++] = v;
        else if (!strcmp(k, "--split")) a->o.validation_split = strtof(v, NULL);
        else if (!strcmp(k, "--mode")) {
            a->o.mode = (rf_loader_mode)-1;
            for (int m = 0; m < 4; m++)
                if (!strcmp(v, MODES[m]))
                    a->o.mode = (rf_loader_mode)m;
            if ((int)a->o.mode < 0)
                return die("--mode is native, root638, root640 or eager (not %s)", v);
        } else if (!parse_num(v, &n) || n < 0) {
            return die("%s needs a number >= 0", k);
        } else if (!strcmp(k, "--batch")) a->o.batch_size = n;
        else if (!strcmp(k, "--chunk")) a->o.chunk_size = n;
        else if (!strcmp(k, "--block")) a->o.block_size = n;
        else if (!strcmp(k, "--batches-in-memory")) a->o.batches_in_memory = n;
        else if (!strcmp(k, "--epochs")) a->epochs = (int)n;
        else if (!strcmp(k, "--threads")) a->o.num_threads = (int)n;
        else if (!strcmp(k, "--seed")) a->o.seed = (uint64_t)n;
        else if (!strcmp(k, "--rank")) a->o.rank = (int)n;
        else if (!strcmp(k, "--world")) a->o.world_size = (int)n;
        else return die("unknown option %s", k);
    }
    if (!a->nfiles || !a->columns)
        return die("%s", "usage: rootfeed load FILE... --columns a,b [--target y] ... (rootfeed --help)");
    return 0;
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
    const char *objs[MAXF];
    for (size_t i = 0; i < a->nfiles; i++)
        objs[i] = a->tree;
    rf_dataset *ds;
    if (rf_dataset_open(a->files, a->tree ? objs : NULL, a->nfiles, &ds, err))
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

int rf_cmd_load(int argc, char **argv)
{
    static load_opts a;
    if (parse_args(argc, argv, &a))
        return 2;
    rf_error err = {0};
    rf_dataset *ds = open_dataset(&a, &err);
    if (!ds)
        return die("%s", err.msg);
    static rf_loader_column cols[4 * MAXC];
    rf_loader_tensor t[MAXC];
    char *buf = strdup(a.columns);
    a.o.tensors = t;
    a.o.ntensors = make_tensors(&a, ds, buf, cols, t);
    rf_loader *l;
    int rc = 0;
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
    return rc;
}
