/* csv_w.c - the CSV back end of the writer (RF_FORMAT_CSV): a header row with the column
 * names, then one row per entry. A fixed-size column spreads over one CSV column per value,
 * named NAME_i (NAME_i_j for two dimensions, ...); jagged columns have no place in a table of
 * one value per cell and are refused. Numbers are written in their shortest form that reads
 * back as the same value (nan, inf and -inf spelled so), bools as 0/1. The file is written
 * through safefile.h like the ROOT formats: it appears at the path only when closed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/error.h"
#include "safefile.h"
#include "writer_impl.h"

#define CSV_FLUSH (1u << 20)

typedef struct cstate {
    sf_file out;
    wbuf text; /* rows not yet written */
} cstate;

static rf_status write_text(rf_writer *w, cstate *c, rf_error *err)
{
    RF_CHECK(!c->text.oom, err, RF_ERR_NOMEM, "%s: out of memory", w->path);
    for (size_t at = 0; at < c->text.n;) {
        ssize_t k = write(c->out.fd, c->text.p + at, c->text.n - at);
        RF_CHECK(k > 0, err, RF_ERR_IO, "%s: write failed: %s", w->path, strerror(errno));
        at += (size_t)k;
    }
    c->text.n = 0;
    return RF_OK;
}

rf_status rf_csv_writer_open(rf_writer *w, rf_error *err)
{
    cstate *c = calloc(1, sizeof *c);
    RF_CHECK(c, err, RF_ERR_NOMEM, "out of memory");
    c->out.fd = -1;
    w->impl = c;
    return sf_open(w->path, &c->out, err);
}

static void put_text(wbuf *b, const char *s)
{
    wb_bytes(b, s, strlen(s));
}

/* A header cell: quoted when it holds a comma, a quote or a line break. */
static void put_name(wbuf *b, const char *name, const char *suffix)
{
    int quote = strpbrk(name, ",\"\r\n") != NULL;
    if (quote)
        wb_u8(b, '"');
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            wb_u8(b, '"');
        wb_u8(b, (uint8_t)*p);
    }
    put_text(b, suffix);
    if (quote)
        wb_u8(b, '"');
}

static rf_status csv_begin(rf_writer *w, rf_error *err)
{
    cstate *c = w->impl;
    for (size_t i = 0; i < w->ncols; i++) {
        const wcol *k = &w->cols[i];
        RF_CHECK(k->kind != RF_KIND_JAGGED, err, RF_ERR_UNSUPPORTED,
                 "%s: column '%s' is jagged: a CSV file holds one value per cell", w->path, k->name);
        for (size_t v = 0; v < k->item; v++) {
            size_t idx[RF_MAX_DIMS], rest = v, n = 0;
            for (int d = k->ndims - 1; d >= 0; d--) { /* last dimension fastest */
                idx[d] = rest % (size_t)k->shape[d];
                rest /= (size_t)k->shape[d];
            }
            char suffix[RF_MAX_DIMS * 24] = "";
            for (int d = 0; d < k->ndims; d++)
                n += (size_t)snprintf(suffix + n, sizeof suffix - n, "_%zu", idx[d]);
            if (i || v)
                wb_u8(&c->text, ',');
            put_name(&c->text, k->name, suffix);
        }
    }
    wb_u8(&c->text, '\n');
    return RF_OK;
}

/* The shortest text that reads back as the same value. */
static void put_real(wbuf *b, double d, int f32)
{
    char s[40];
    if (isnan(d) || isinf(d)) {
        put_text(b, isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
        return;
    }
    for (int p = f32 ? 6 : 15; p <= (f32 ? 9 : 17); p++) {
        snprintf(s, sizeof s, "%.*g", p, d);
        if (f32 ? strtof(s, NULL) == (float)d : strtod(s, NULL) == d)
            break;
    }
    put_text(b, s);
}

static void put_value(wbuf *b, rf_dtype t, const uint8_t *p)
{
    char s[32];
    switch (t) {
    case RF_BOOL: put_text(b, *p ? "1" : "0"); return;
    case RF_INT8: snprintf(s, sizeof s, "%d", *(const int8_t *)p); break;
    case RF_UINT8: snprintf(s, sizeof s, "%u", *p); break;
    case RF_INT16: { int16_t v; memcpy(&v, p, 2); snprintf(s, sizeof s, "%d", v); break; }
    case RF_UINT16: { uint16_t v; memcpy(&v, p, 2); snprintf(s, sizeof s, "%u", v); break; }
    case RF_INT32: { int32_t v; memcpy(&v, p, 4); snprintf(s, sizeof s, "%ld", (long)v); break; }
    case RF_UINT32: { uint32_t v; memcpy(&v, p, 4); snprintf(s, sizeof s, "%lu", (unsigned long)v); break; }
    case RF_INT64: { int64_t v; memcpy(&v, p, 8); snprintf(s, sizeof s, "%lld", (long long)v); break; }
    case RF_UINT64: { uint64_t v; memcpy(&v, p, 8); snprintf(s, sizeof s, "%llu", (unsigned long long)v); break; }
    case RF_FLOAT32: { float v; memcpy(&v, p, 4); put_real(b, v, 1); return; }
    default: { double v; memcpy(&v, p, 8); put_real(b, v, 0); return; }
    }
    put_text(b, s);
}

static rf_status csv_flush(rf_writer *w, rf_error *err)
{
    cstate *c = w->impl;
    for (int64_t e = 0; e < w->staged; e++) {
        for (size_t i = 0; i < w->ncols; i++) {
            const wcol *k = &w->cols[i];
            const uint8_t *p = k->vals.p + (size_t)e * k->item * k->esize;
            for (size_t v = 0; v < k->item; v++) {
                if (i || v)
                    wb_u8(&c->text, ',');
                put_value(&c->text, k->dtype, p + v * k->esize);
            }
        }
        wb_u8(&c->text, '\n');
        if (c->text.n >= CSV_FLUSH)
            RF_TRY(write_text(w, c, err));
    }
    return RF_OK;
}

static rf_status csv_finish(rf_writer *w, rf_error *err)
{
    cstate *c = w->impl;
    RF_TRY(write_text(w, c, err));
    return sf_commit(&c->out, err);
}

static void csv_release(rf_writer *w)
{
    cstate *c = w->impl;
    if (!c)
        return;
    sf_abort(&c->out);
    wb_free(&c->text);
    free(c);
    w->impl = NULL;
}

const wbackend rf_csv_backend = {csv_begin, csv_flush, csv_finish, csv_release};
