/* colhash.c - hashes every column of one table through the public API only (rootfeed.h), for
 * the conformance test. `colhash [--chunks K] [--column NAME | --from I] [--as DTYPE] FILE
 * OBJECT` prints one JSON line describing the table (with all column names), then one JSON line
 * per column: its index, name, kind, dtype, shape, the reader's unsupported reason, the number
 * of values, the SHA-256 of the values as little-endian bytes in their dtype (bool as one
 * byte), and per jagged level the number of items and the SHA-256 of the per-item counts as
 * int64 LE. Each column is read in one rf_table_read over all entries, or with --chunks K in K
 * entry ranges whose counts and values are hashed as one stream (so the hashes must not
 * change). --as converts the values to another dtype before hashing (to tell a dtype mismatch
 * from a value mismatch); --from I starts at column index I (to go on after a column that
 * crashed). `colhash --list FILE` prints the objects of rf_file_list. Exit status: 0, or 2 when
 * the file or table won't open. */
#include "rootfeed.h"
#include "sha256.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFIRST 8

typedef struct options {
    int64_t chunks;
    const char *column; /* only this one, or NULL */
    size_t from;        /* first column index to read */
    int as_dtype;       /* -1, or the rf_dtype to convert values to */
    int list;
    const char *file;
    const char *object;
} options;

/* Everything gathered about one column while its pieces are read. */
typedef struct col_hash {
    sha256_ctx values;
    sha256_ctx levels[RF_MAX_LEVELS];
    int64_t level_items[RF_MAX_LEVELS];
    int64_t level_first[RF_MAX_LEVELS][NFIRST];
    int64_t nvalues;
    int64_t nentries;
    int64_t bad_bool;  /* bool bytes other than 0 and 1 */
    long double sum;
    int64_t nan_count;
    double first[NFIRST];
    int nfirst;
    char problem[RF_ERROR_MSG_SIZE + 64]; /* read error or broken offsets; "" when none */
} col_hash;

/* ---- JSON output ---- */

static void put_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void put_json_double(double v)
{
    if (isnan(v))
        fputs("\"nan\"", stdout);
    else if (isinf(v))
        fputs(v > 0 ? "\"inf\"" : "\"-inf\"", stdout);
    else
        printf("%.17g", v);
}

static void put_hex(sha256_ctx *c)
{
    char hex[65];
    sha256_final_hex(c, hex);
    printf("\"%s\"", hex);
}

/* ---- values: conversion, little-endian bytes, statistics ---- */

static int host_is_little(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static int is_float(rf_dtype t) { return t == RF_FLOAT32 || t == RF_FLOAT64; }
static int is_signed(rf_dtype t)
{
    return t == RF_INT8 || t == RF_INT16 || t == RF_INT32 || t == RF_INT64;
}

static double get_double(const void *p, rf_dtype t)
{
    switch (t) {
    case RF_BOOL: return *(const uint8_t *)p;
    case RF_INT8: return *(const int8_t *)p;
    case RF_UINT8: return *(const uint8_t *)p;
    case RF_INT16: return *(const int16_t *)p;
    case RF_UINT16: return *(const uint16_t *)p;
    case RF_INT32: return *(const int32_t *)p;
    case RF_UINT32: return *(const uint32_t *)p;
    case RF_INT64: return (double)*(const int64_t *)p;
    case RF_UINT64: return (double)*(const uint64_t *)p;
    case RF_FLOAT32: return *(const float *)p;
    default: return *(const double *)p;
    }
}

static int64_t get_int(const void *p, rf_dtype t)
{
    switch (t) {
    case RF_INT64: return *(const int64_t *)p;
    case RF_UINT64: return (int64_t)*(const uint64_t *)p;
    default: return (int64_t)get_double(p, t);
    }
}

/* Stores value p (type from) at q as type to, the way a C cast would. */
static void convert_one(const void *p, rf_dtype from, void *q, rf_dtype to)
{
    double d = get_double(p, from);
    int64_t i = !is_float(from) ? get_int(p, from) : fabs(d) < 9.2e18 ? (int64_t)d : 0;
    switch (to) {
    case RF_BOOL: *(uint8_t *)q = is_float(from) ? d != 0 : i != 0; break;
    case RF_INT8: *(int8_t *)q = (int8_t)i; break;
    case RF_UINT8: *(uint8_t *)q = (uint8_t)i; break;
    case RF_INT16: *(int16_t *)q = (int16_t)i; break;
    case RF_UINT16: *(uint16_t *)q = (uint16_t)i; break;
    case RF_INT32: *(int32_t *)q = (int32_t)i; break;
    case RF_UINT32: *(uint32_t *)q = (uint32_t)i; break;
    case RF_INT64: *(int64_t *)q = i; break;
    case RF_UINT64: *(uint64_t *)q = (uint64_t)i; break;
    case RF_FLOAT32: *(float *)q = (float)d; break;
    default: *(double *)q = d; break;
    }
}

/* Hashes n values of type t (after conversion to type h, when h != t) as LE bytes. */
static void hash_values(col_hash *ch, const void *vals, int64_t n, rf_dtype t, rf_dtype h)
{
    enum { BATCH = 8192 };
    static uint8_t buf[BATCH * 8];
    size_t ts = rf_dtype_size(t), hs = rf_dtype_size(h);
    int swap = !host_is_little() && hs > 1;
    if (h == t && !swap) {
        sha256_update(&ch->values, vals, (size_t)n * ts);
        return;
    }
    const uint8_t *p = vals;
    for (int64_t done = 0; done < n;) {
        int64_t m = n - done < BATCH ? n - done : BATCH;
        for (int64_t i = 0; i < m; i++) {
            uint8_t *q = buf + (size_t)i * hs;
            convert_one(p + (size_t)(done + i) * ts, t, q, h);
            for (size_t a = 0, b = hs - 1; swap && a < b; a++, b--) {
                uint8_t x = q[a];
                q[a] = q[b];
                q[b] = x;
            }
        }
        sha256_update(&ch->values, buf, (size_t)m * hs);
        done += m;
    }
}

static void stat_values(col_hash *ch, const void *vals, int64_t n, rf_dtype t)
{
    size_t ts = rf_dtype_size(t);
    const uint8_t *p = vals;
    for (int64_t i = 0; i < n; i++, p += ts) {
        double d = get_double(p, t);
        if (ch->nfirst < NFIRST)
            ch->first[ch->nfirst++] = d;
        if (t == RF_BOOL && *p > 1)
            ch->bad_bool++;
        if (isnan(d))
            ch->nan_count++;
        else if (is_float(t))
            ch->sum += d;
        else
            ch->sum += is_signed(t) ? (long double)get_int(p, t) : (long double)(uint64_t)get_int(p, t);
    }
}

/* ---- offsets ---- */

static void hash_counts(sha256_ctx *c, const int64_t *off, int64_t n)
{
    enum { BATCH = 4096 };
    uint8_t buf[BATCH * 8];
    for (int64_t done = 0; done < n;) {
        int64_t m = n - done < BATCH ? n - done : BATCH;
        for (int64_t i = 0; i < m; i++) {
            uint64_t v = (uint64_t)(off[done + i + 1] - off[done + i]);
            for (int b = 0; b < 8; b++)
                buf[8 * i + b] = (uint8_t)(v >> (8 * b));
        }
        sha256_update(c, buf, (size_t)m * 8);
        done += m;
    }
}

static int64_t inner_size(const rf_column_info *ci)
{
    int64_t s = 1;
    for (int i = 0; i < ci->ndims; i++)
        s *= ci->shape[i];
    return s;
}

/* Checks d against the column's description and the entry range; writes why not into why. */
static int check_piece(const rf_column_info *ci, const rf_column_data *d, int64_t nentries,
                       char *why, size_t why_size)
{
    if (d->dtype != ci->dtype || d->nlevels != ci->nlevels) {
        snprintf(why, why_size, "data dtype/nlevels %s/%d differ from column info %s/%d",
                 rf_dtype_name(d->dtype), d->nlevels, rf_dtype_name(ci->dtype), ci->nlevels);
        return 0;
    }
    if (d->nentries != nentries) {
        snprintf(why, why_size, "read gave %" PRId64 " entries, asked %" PRId64, d->nentries,
                 nentries);
        return 0;
    }
    int64_t n = nentries;
    for (int l = 0; l < d->nlevels; l++) {
        const int64_t *o = d->offsets[l];
        if (o == NULL || o[0] != 0) {
            snprintf(why, why_size, "level %d offsets do not start at 0", l);
            return 0;
        }
        for (int64_t i = 0; i < n; i++) {
            if (o[i + 1] < o[i]) {
                snprintf(why, why_size, "level %d offsets decrease at item %" PRId64, l, i);
                return 0;
            }
        }
        n = o[n];
    }
    if (d->nvalues != n * inner_size(ci)) {
        snprintf(why, why_size, "nvalues %" PRId64 " but offsets/shape say %" PRId64,
                 d->nvalues, n * inner_size(ci));
        return 0;
    }
    return 1;
}

static void absorb_piece(col_hash *ch, const rf_column_info *ci, const rf_column_data *d,
                         rf_dtype hash_dtype)
{
    int64_t n = d->nentries;
    for (int l = 0; l < d->nlevels; l++) {
        const int64_t *o = d->offsets[l];
        for (int64_t i = 0; i < n && ch->level_items[l] + i < NFIRST; i++)
            ch->level_first[l][ch->level_items[l] + i] = o[i + 1] - o[i];
        hash_counts(&ch->levels[l], o, n);
        ch->level_items[l] += n;
        n = o[n];
    }
    hash_values(ch, d->values, d->nvalues, ci->dtype, hash_dtype);
    stat_values(ch, d->values, d->nvalues, ci->dtype);
    ch->nvalues += d->nvalues;
    ch->nentries += d->nentries;
}

/* Reads column col in opt->chunks entry ranges into ch. */
static void hash_column(rf_table *t, size_t col, const options *opt, col_hash *ch)
{
    const rf_column_info *ci = rf_table_column(t, col);
    rf_dtype hash_dtype = opt->as_dtype >= 0 ? (rf_dtype)opt->as_dtype : ci->dtype;
    int64_t total = rf_table_entries(t);
    rf_column_data d;
    rf_column_data_init(&d);
    for (int64_t k = 0; k < opt->chunks; k++) {
        int64_t a = total * k / opt->chunks, b = total * (k + 1) / opt->chunks;
        if (a == b && !(k == 0 && total == 0))
            continue;
        rf_error err = {0};
        rf_status s = rf_table_read(t, col, a, b, &d, &err);
        if (s != RF_OK) {
            snprintf(ch->problem, sizeof ch->problem, "read [%" PRId64 ",%" PRId64 "): %s: %s",
                     a, b, rf_status_name(s), err.msg);
            break;
        }
        char why[256];
        if (!check_piece(ci, &d, b - a, why, sizeof why)) {
            snprintf(ch->problem, sizeof ch->problem, "read [%" PRId64 ",%" PRId64 "): %s", a,
                     b, why);
            break;
        }
        absorb_piece(ch, ci, &d, hash_dtype);
    }
    rf_column_data_free(&d);
}

static void print_column(rf_table *t, size_t col, const options *opt)
{
    const rf_column_info *ci = rf_table_column(t, col);
    printf("{\"index\": %zu, \"name\": ", col);
    put_json_string(ci->name ? ci->name : "");
    printf(", \"type_name\": ");
    put_json_string(ci->type_name ? ci->type_name : "");
    printf(", \"kind\": \"%s\", \"dtype\": \"%s\", \"nlevels\": %d, \"shape\": [",
           rf_kind_name(ci->kind), rf_dtype_name(ci->dtype), ci->nlevels);
    for (int i = 0; i < ci->ndims && i < RF_MAX_DIMS; i++)
        printf("%s%" PRId64, i ? ", " : "", ci->shape[i]);
    printf("]");
    if (ci->unsupported) {
        printf(", \"unsupported\": ");
        put_json_string(ci->unsupported);
        printf("}\n");
        fflush(stdout);
        return;
    }
    col_hash *ch = calloc(1, sizeof *ch);
    if (ch == NULL) {
        printf(", \"error\": \"out of memory in colhash\"}\n");
        return;
    }
    sha256_init(&ch->values);
    for (int l = 0; l < RF_MAX_LEVELS; l++)
        sha256_init(&ch->levels[l]);
    hash_column(t, col, opt, ch);
    if (ch->problem[0]) {
        printf(", \"error\": ");
        put_json_string(ch->problem);
        printf("}\n");
        fflush(stdout);
        free(ch);
        return;
    }
    if (opt->as_dtype >= 0)
        printf(", \"hashed_as\": \"%s\"", rf_dtype_name((rf_dtype)opt->as_dtype));
    printf(", \"entries\": %" PRId64 ", \"count\": %" PRId64 ", \"sha256\": ", ch->nentries,
           ch->nvalues);
    put_hex(&ch->values);
    printf(", \"nan_count\": %" PRId64 ", \"bad_bool\": %" PRId64 ", \"sum\": ", ch->nan_count,
           ch->bad_bool);
    put_json_double((double)ch->sum);
    printf(", \"first\": [");
    for (int i = 0; i < ch->nfirst; i++) {
        if (i)
            printf(", ");
        put_json_double(ch->first[i]);
    }
    printf("], \"levels\": [");
    for (int l = 0; l < ci->nlevels && l < RF_MAX_LEVELS; l++) {
        printf("%s{\"items\": %" PRId64 ", \"sha256\": ", l ? ", " : "", ch->level_items[l]);
        put_hex(&ch->levels[l]);
        printf(", \"first\": [");
        for (int64_t i = 0; i < ch->level_items[l] && i < NFIRST; i++)
            printf("%s%" PRId64, i ? ", " : "", ch->level_first[l][i]);
        printf("]}");
    }
    printf("]}\n");
    fflush(stdout);
    free(ch);
}

/* ---- driver ---- */

static int open_error(const char *what, const rf_error *err)
{
    printf("{\"open_error\": ");
    char msg[RF_ERROR_MSG_SIZE + 128];
    snprintf(msg, sizeof msg, "%s: %s: %s", what, rf_status_name(err->code), err->msg);
    put_json_string(msg);
    printf("}\n");
    return 2;
}

static int list_objects(rf_file *f)
{
    rf_object_info *items = NULL;
    size_t n = 0;
    rf_error err = {0};
    if (rf_file_list(f, &items, &n, &err) != RF_OK)
        return open_error("rf_file_list", &err);
    for (size_t i = 0; i < n; i++) {
        printf("{\"path\": ");
        put_json_string(items[i].path ? items[i].path : "");
        printf(", \"class\": ");
        put_json_string(items[i].class_name ? items[i].class_name : "");
        printf(", \"cycle\": %d, \"is_table\": %d}\n", items[i].cycle, items[i].is_table);
    }
    rf_object_list_free(items, n);
    return 0;
}

static int hash_table(rf_file *f, const options *opt)
{
    rf_table *t = NULL;
    rf_error err = {0};
    if (rf_table_open(f, opt->object, &t, &err) != RF_OK)
        return open_error("rf_table_open", &err);
    printf("{\"object\": ");
    put_json_string(opt->object);
    printf(", \"class\": ");
    put_json_string(rf_table_class(t) ? rf_table_class(t) : "");
    printf(", \"entries\": %" PRId64 ", \"ncolumns\": %zu, \"names\": [", rf_table_entries(t),
           rf_table_ncolumns(t));
    for (size_t i = 0; i < rf_table_ncolumns(t); i++) {
        const char *name = rf_table_column(t, i)->name;
        if (i)
            printf(", ");
        put_json_string(name ? name : "");
    }
    printf("]}\n");
    fflush(stdout);
    if (opt->column) {
        long c = rf_table_find_column(t, opt->column);
        if (c < 0) {
            printf("{\"name\": ");
            put_json_string(opt->column);
            printf(", \"error\": \"no such column (rf_table_find_column)\"}\n");
        } else {
            print_column(t, (size_t)c, opt);
        }
    } else {
        for (size_t i = opt->from; i < rf_table_ncolumns(t); i++)
            print_column(t, i, opt);
    }
    rf_table_close(t);
    return 0;
}

static int parse_dtype(const char *s)
{
    for (int t = 0; t < RF_DTYPE_COUNT; t++)
        if (strcmp(rf_dtype_name((rf_dtype)t), s) == 0)
            return t;
    return -1;
}

static int usage(void)
{
    fprintf(stderr, "usage: colhash [--chunks K] [--column NAME | --from I] [--as DTYPE] FILE OBJECT\n"
                    "       colhash --list FILE\n");
    return 64;
}

static int parse_args(int argc, char **argv, options *opt)
{
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            opt->list = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--chunks") == 0) {
            opt->chunks = strtoll(argv[++i], NULL, 10);
            if (opt->chunks < 1)
                return 0;
        } else if (i + 1 < argc && strcmp(argv[i], "--from") == 0) {
            long long from = strtoll(argv[++i], NULL, 10);
            if (from < 0)
                return 0;
            opt->from = (size_t)from;
        } else if (i + 1 < argc && strcmp(argv[i], "--column") == 0) {
            opt->column = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--as") == 0) {
            opt->as_dtype = parse_dtype(argv[++i]);
            if (opt->as_dtype < 0)
                return 0;
        } else if (pos == 0) {
            opt->file = argv[i];
            pos++;
        } else if (pos == 1) {
            opt->object = argv[i];
            pos++;
        } else {
            return 0;
        }
    }
    return opt->file != NULL && (opt->list || opt->object != NULL);
}

int main(int argc, char **argv)
{
    options opt = {.chunks = 1, .as_dtype = -1};
    if (!parse_args(argc, argv, &opt))
        return usage();
    rf_file *f = NULL;
    rf_error err = {0};
    if (rf_file_open(opt.file, &f, &err) != RF_OK)
        return open_error("rf_file_open", &err);
    int rc = opt.list ? list_objects(f) : hash_table(f, &opt);
    rf_file_close(f);
    return rc;
}
