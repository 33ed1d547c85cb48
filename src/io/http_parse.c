/* http_parse.c - reading HTTP range answers: header lines (status, Content-Length,
 * Content-Range, the multipart boundary) and the body of a multipart/byteranges answer, whose
 * parts are located by their Content-Range lengths rather than by searching for the boundary
 * (data may contain it). Every length is checked against the bytes present: a short or
 * garbled answer is an error, never bytes copied from the wrong place. */
#include "http_parse.h"

#include <ctype.h>
#include <string.h>

#include "../common/error.h"

void http_resp_reset(http_resp *r)
{
    memset(r, 0, sizeof *r);
    r->length = -1;
    r->total = -1;
}

/* Case-insensitive prefix test. */
static int starts(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
            return 0;
    return 1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* A decimal number of at most 19 digits at *s; advances past it. */
static int number(const char **s, const char *end, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    while (p < end && isdigit((unsigned char)*p) && p - *s < 19)
        x = x * 10 + (uint64_t)(*p++ - '0');
    if (p == *s || (p < end && isdigit((unsigned char)*p)))
        return -1;
    *s = p;
    *v = x;
    return 0;
}

int http_parse_content_range(const char *v, size_t n, uint64_t *first, uint64_t *last, int64_t *total)
{
    trim(&v, &n);
    const char *end = v + n;
    if (!starts(v, n, "bytes "))
        return -1;
    v += 6;
    while (v < end && *v == ' ')
        v++;
    uint64_t t = 0;
    if (number(&v, end, first) || v >= end || *v++ != '-' || number(&v, end, last) || v >= end || *v++ != '/')
        return -1;
    if (v < end && *v == '*' && v + 1 == end)
        *total = -1;
    else if (number(&v, end, &t) || v != end)
        return -1;
    else
        *total = (int64_t)t;
    return *first <= *last && (*total < 0 || *last < (uint64_t)*total) ? 0 : -1;
}

/* Content-Type: multipart/byteranges; boundary=xyz (the boundary may be quoted). */
static void content_type(http_resp *r, const char *v, size_t n)
{
    trim(&v, &n);
    if (!starts(v, n, "multipart/byteranges"))
        return;
    for (size_t i = 0; i + 9 <= n; i++) {
        if (!starts(v + i, n - i, "boundary="))
            continue;
        const char *b = v + i + 9;
        size_t k = n - i - 9;
        if (k && *b == '"') {
            b++;
            const char *q = memchr(b, '"', k - 1);
            k = q ? (size_t)(q - b) : 0;
        } else {
            const char *q = memchr(b, ';', k);
            if (q)
                k = (size_t)(q - b);
            trim(&b, &k);
        }
        if (k == 0 || k >= sizeof r->boundary) {
            r->bad = 1;
            return;
        }
        memcpy(r->boundary, b, k);
        r->boundary[k] = 0;
        r->multipart = 1;
        return;
    }
    r->bad = 1;
}

void http_header_line(http_resp *r, const char *line, size_t n)
{
    if (starts(line, n, "HTTP/")) {
        const char *sp = memchr(line, ' ', n);
        http_resp_reset(r);
        uint64_t code = 0;
        const char *p = sp ? sp + 1 : line + n;
        if (!sp || number(&p, line + n, &code) || code > 999)
            r->bad = 1;
        r->status = (int)code;
    } else if (starts(line, n, "content-length:")) {
        const char *v = line + 15;
        size_t k = n - 15;
        trim(&v, &k);
        uint64_t len;
        if (number(&v, v + k, &len) == 0 && (int64_t)len >= 0)
            r->length = (int64_t)len;
    } else if (starts(line, n, "content-range:")) {
        const char *v = line + 14;
        size_t k = n - 14;
        trim(&v, &k);
        uint64_t total;
        r->has_range = http_parse_content_range(v, k, &r->first, &r->last, &r->total) == 0;
        if (!r->has_range && starts(v, k, "bytes */")) { /* the answer to an unsatisfiable range */
            const char *t = v + 8;
            if (number(&t, v + k, &total) == 0 && t == v + k)
                r->total = (int64_t)total;
            else
                r->bad = 1;
        } else {
            r->bad |= !r->has_range;
        }
    } else if (starts(line, n, "content-type:")) {
        content_type(r, line + 13, n - 13);
    }
}

/* Copies part [first, last] (data) into every range it holds whole. */
static void take_part(uint64_t first, uint64_t last, const uint8_t *data, const rf_range *ranges, size_t n,
                      uint8_t *done)
{
    for (size_t i = 0; i < n; i++) {
        const rf_range *g = &ranges[i];
        if (done[i] || g->offset < first || g->offset > last || g->size > last - g->offset + 1)
            continue;
        if (g->size)
            memcpy(g->dst, data + (g->offset - first), g->size);
        done[i] = 1;
    }
}

/* One line of a part's header block at *p (ending in LF); advances past it. */
static int next_line(const uint8_t **p, const uint8_t *end, const char **line, size_t *n)
{
    const uint8_t *lf = memchr(*p, '\n', (size_t)(end - *p));
    if (!lf)
        return -1;
    *line = (const char *)*p;
    *n = (size_t)(lf - *p);
    *p = lf + 1;
    return 0;
}

/* Walks a multipart/byteranges body: delimiter, part headers, Content-Range-sized data. */
static rf_status take_multipart(const http_resp *r, const uint8_t *body, size_t len, const rf_range *ranges,
                                size_t n, uint8_t *done, int64_t *total, const char *url, rf_error *err)
{
    const uint8_t *p = body, *end = body + len;
    size_t blen = strlen(r->boundary);
    for (int part = 0;; part++) {
        /* skip the CRLF ending the previous data (or a preamble) up to "--boundary" */
        while (p < end && (*p == '\r' || *p == '\n'))
            p++;
        RF_CHECK((size_t)(end - p) >= blen + 2 && p[0] == '-' && p[1] == '-' && !memcmp(p + 2, r->boundary, blen),
                 err, RF_ERR_IO, "%s: multipart answer: boundary missing at byte %zu", url, (size_t)(p - body));
        p += blen + 2;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return RF_OK;
        uint64_t first = 0, last = 0;
        int64_t tot = -1;
        int have = 0;
        for (;;) {
            const char *line;
            size_t k;
            RF_CHECK(next_line(&p, end, &line, &k) == 0, err, RF_ERR_IO,
                     "%s: multipart answer: part %d headers cut short", url, part);
            if (k && line[k - 1] == '\r')
                k--;
            if (k == 0 && have)
                break;
            if (starts(line, k, "content-range:")) {
                RF_CHECK(http_parse_content_range(line + 14, k - 14, &first, &last, &tot) == 0, err, RF_ERR_IO,
                         "%s: multipart answer: part %d: bad Content-Range", url, part);
                have = 1;
            }
        }
        RF_CHECK(last - first < (uint64_t)(end - p), err, RF_ERR_IO,
                 "%s: multipart answer: part %d (bytes %llu-%llu) cut short", url, part, (unsigned long long)first,
                 (unsigned long long)last);
        take_part(first, last, p, ranges, n, done);
        p += last - first + 1;
        if (tot >= 0)
            *total = tot;
    }
}

rf_status http_fill(const http_resp *r, const uint8_t *body, size_t len, const rf_range *ranges, size_t n,
                    uint8_t *done, int64_t *total, const char *url, rf_error *err)
{
    memset(done, 0, n);
    *total = -1;
    if (r->status == 200) {
        *total = (int64_t)len;
        if (len)
            take_part(0, len - 1, body, ranges, n, done);
        else
            for (size_t i = 0; i < n; i++)
                done[i] = ranges[i].size == 0 && ranges[i].offset == 0;
        return RF_OK;
    }
    RF_CHECK(r->status == 206, err, RF_ERR_IO, "%s: HTTP %d where 206 was expected", url, r->status);
    if (r->multipart)
        return take_multipart(r, body, len, ranges, n, done, total, url, err);
    RF_CHECK(r->has_range, err, RF_ERR_IO, "%s: HTTP 206 without a Content-Range", url);
    RF_CHECK(r->last - r->first + 1 == len, err, RF_ERR_IO,
             "%s: HTTP 206 for bytes %llu-%llu carries %zu bytes", url, (unsigned long long)r->first,
             (unsigned long long)r->last, len);
    *total = r->total;
    take_part(r->first, r->last, body, ranges, n, done);
    return RF_OK;
}
