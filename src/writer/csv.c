/* csv.c - the CSV field splitter, number parser and type inference of `rootfeed convert`
 * (see csv.h). Kept in the library so that the fuzz target exercises the same code. */
#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copies one quoted field starting after its opening quote; returns the index after it. */
static long unquote(char *line, size_t len, size_t i, char **field)
{
    size_t w = i;
    *field = line + i;
    for (;;) {
        if (i >= len)
            return -1;
        if (line[i] == '"') {
            if (i + 1 < len && line[i + 1] == '"') {
                line[w++] = '"';
                i += 2;
                continue;
            }
            line[w] = 0;
            return (long)i + 1;
        }
        line[w++] = line[i++];
    }
}

long csv_split(char *line, size_t len, char **fields, size_t max)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t n = 0, i = 0;
    for (;;) {
        char *f;
        if (i < len && line[i] == '"') {
            long j = unquote(line, len, i + 1, &f);
            if (j < 0 || ((size_t)j < len && line[j] != ','))
                return -1;
            i = (size_t)j;
        } else {
            f = line + i;
            while (i < len && line[i] != ',')
                i++;
        }
        int more = i < len;
        line[i] = 0; /* the comma, or the end: len < the buffer's size (the caller's newline) */
        if (n < max)
            fields[n] = f;
        n++;
        if (!more)
            break;
        i++;
    }
    return (long)n;
}

static const char *trim(const char *s, char *buf, size_t cap)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return buf;
}

static int parse_int(const char *s, rf_dtype t, void *out)
{
    static const int64_t lo[] = {0, INT8_MIN, 0, INT16_MIN, 0, INT32_MIN, 0, INT64_MIN};
    static const uint64_t hi[] = {1, INT8_MAX, UINT8_MAX, INT16_MAX, UINT16_MAX, INT32_MAX, UINT32_MAX, INT64_MAX, UINT64_MAX};
    char *end;
    errno = 0;
    int neg = s[0] == '-';
    if (t == RF_UINT64 || (!neg && t != RF_INT64)) {
        if (neg)
            return -1;
        uint64_t v = strtoull(s, &end, 10);
        if (end == s || *end || errno || v > hi[t])
            return -1;
        memcpy(out, &v, rf_dtype_size(t)); /* little-endian host: low bytes first */
        return 0;
    }
    int64_t v = strtoll(s, &end, 10);
    if (end == s || *end || errno || v < lo[t] || (v > 0 && (uint64_t)v > hi[t]))
        return -1;
    memcpy(out, &v, rf_dtype_size(t));
    return 0;
}

int csv_parse(const char *field, rf_dtype t, void *out)
{
    char buf[128];
    const char *s = trim(field, buf, sizeof buf);
    if (strlen(field) >= sizeof buf)
        return -1;
    char *end;
    if (t == RF_FLOAT32 || t == RF_FLOAT64) {
        double v = NAN;
        if (*s) {
            v = strtod(s, &end);
            if (end == s || *end)
                return -1;
        }
        if (t == RF_FLOAT32) {
            float f = (float)v;
            memcpy(out, &f, 4);
        } else {
            memcpy(out, &v, 8);
        }
        return 0;
    }
    if (t == RF_BOOL) {
        uint8_t b;
        if (!strcmp(s, "1") || !strcasecmp(s, "true"))
            b = 1;
        else if (!strcmp(s, "0") || !strcasecmp(s, "false"))
            b = 0;
        else
            return -1;
        memcpy(out, &b, 1);
        return 0;
    }
    if (!*s || (unsigned)t >= RF_DTYPE_COUNT)
        return -1;
    return parse_int(s, t, out);
}

void csv_infer(const char *s, rf_dtype *t)
{
    int64_t v;
    if (*t == RF_INT64 && csv_parse(s, RF_INT64, &v) != 0)
        *t = RF_FLOAT64;
}
