/* json_out.c - JSON printing for `rootfeed dump`: strings with escapes, numbers with
 * round-trip precision (9 significant digits for float32, 17 for float64), non-finite values
 * as "nan"/"inf"/"-inf", booleans as 0/1, jagged columns as per-level counts, and string
 * columns as JSON strings (their outer levels as counts). An entry mask (from --filter) drops
 * whole entries with all their nested items. */
#include "json_out.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 when there is none. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf ? 2 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* n bytes as a JSON string: UTF-8 kept, quotes, backslashes and control characters escaped,
 * bytes that are not UTF-8 written as the code point of the same value (\u00XX). */
static void json_bytes(FILE *out, const unsigned char *p, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        size_t len = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 1;
        if (p[i] == '"' || p[i] == '\\')
            fprintf(out, "\\%c", p[i]);
        else if (p[i] < 0x20 || len == 0)
            fprintf(out, "\\u%04x", p[i]);
        else
            fwrite(p + i, 1, len, out);
        i += len ? len : 1;
    }
    fputc('"', out);
}

void json_string(FILE *out, const char *s)
{
    json_bytes(out, (const unsigned char *)s, strlen(s));
}

static void json_number(FILE *out, rf_dtype t, const void *base, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * rf_dtype_size(t);
    double d;
    switch (t) {
    case RF_BOOL: fprintf(out, "%d", *(const uint8_t *)p != 0); return;
    case RF_INT8: fprintf(out, "%d", *(const int8_t *)p); return;
    case RF_UINT8: fprintf(out, "%u", *(const uint8_t *)p); return;
    case RF_INT16: { int16_t v; memcpy(&v, p, 2); fprintf(out, "%d", v); return; }
    case RF_UINT16: { uint16_t v; memcpy(&v, p, 2); fprintf(out, "%u", v); return; }
    case RF_INT32: { int32_t v; memcpy(&v, p, 4); fprintf(out, "%" PRId32, v); return; }
    case RF_UINT32: { uint32_t v; memcpy(&v, p, 4); fprintf(out, "%" PRIu32, v); return; }
    case RF_INT64: { int64_t v; memcpy(&v, p, 8); fprintf(out, "%" PRId64, v); return; }
    case RF_UINT64: { uint64_t v; memcpy(&v, p, 8); fprintf(out, "%" PRIu64, v); return; }
    case RF_FLOAT32: { float v; memcpy(&v, p, 4); d = v; break; }
    default: memcpy(&d, p, 8); break;
    }
    if (isnan(d))
        fputs("\"nan\"", out);
    else if (isinf(d))
        fputs(d > 0 ? "\"inf\"" : "\"-inf\"", out);
    else
        fprintf(out, t == RF_FLOAT32 ? "%.9g" : "%.17g", d);
}

void json_values(FILE *out, const rf_column_data *d, int64_t from, int64_t to)
{
    for (int64_t i = from; i < to; i++) {
        if (i > from)
            fputc(',', out);
        json_number(out, d->dtype, d->values, i);
    }
}

/* Item range at `level` covered by entries [e0, e1). */
static void item_range(const rf_column_data *d, int level, int64_t e0, int64_t e1, int64_t *i0, int64_t *i1)
{
    *i0 = e0;
    *i1 = e1;
    for (int l = 0; l < level; l++) {
        *i0 = d->offsets[l][*i0];
        *i1 = d->offsets[l][*i1];
    }
}

void json_column(FILE *out, const rf_column_info *ci, const rf_column_data *d, const unsigned char *keep)
{
    fprintf(out, "{\"dtype\": \"%s\", \"kind\": \"%s\"", rf_dtype_name(ci->dtype), rf_kind_name(ci->kind));
    int64_t inner = 1;
    if (ci->ndims > 0 && (ci->kind == RF_KIND_FIXED || ci->kind == RF_KIND_JAGGED)) {
        fputs(", \"shape\": [", out);
        for (int i = 0; i < ci->ndims; i++) {
            fprintf(out, i ? ", %" PRId64 : "%" PRId64, ci->shape[i]);
            inner *= ci->shape[i];
        }
        fputc(']', out);
    }
    int text = ci->kind == RF_KIND_STRING, lists = d->nlevels - text; /* levels printed as counts */
    if (lists > 0) {
        fputs(", \"counts\": [", out);
        for (int l = 0; l < lists; l++) {
            fputs(l ? ", [" : "[", out);
            int first = 1;
            for (int64_t e = 0; e < d->nentries; e++) {
                if (keep && !keep[e])
                    continue;
                int64_t i0, i1;
                item_range(d, l, e, e + 1, &i0, &i1);
                for (int64_t i = i0; i < i1; i++) {
                    fprintf(out, first ? "%" PRId64 : ",%" PRId64, d->offsets[l][i + 1] - d->offsets[l][i]);
                    first = 0;
                }
            }
            fputc(']', out);
        }
        fputc(']', out);
    }
    fputs(", \"values\": [", out);
    int first = 1;
    for (int64_t e = 0; e < d->nentries; e++) {
        if (keep && !keep[e])
            continue;
        int64_t i0, i1;
        item_range(d, d->nlevels - text, e, e + 1, &i0, &i1);
        for (int64_t i = i0; text && i < i1; i++) { /* the strings of the entry */
            const int64_t *o = d->offsets[d->nlevels - 1];
            fputs(first ? "" : ",", out);
            json_bytes(out, (const unsigned char *)d->values + o[i], (size_t)(o[i + 1] - o[i]));
            first = 0;
        }
        if (i1 > i0 && !text) {
            if (!first)
                fputc(',', out);
            json_values(out, d, i0 * inner, i1 * inner);
            first = 0;
        }
    }
    fputs("]}", out);
}
