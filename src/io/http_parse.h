/* http_parse.h - the parts of an HTTP response a range reader needs: the status, the length,
 * the Content-Range of a single-range answer, and the body of a multipart/byteranges answer
 * (RFC 9110 14.6) cut into its parts. Pure functions over bytes (fuzzed by fuzz/http). */
#ifndef RF_HTTP_PARSE_H
#define RF_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"
#include "rootfeed_source.h"

typedef struct http_resp {
    int status;           /* of the last status line (a redirect or 100 resets the fields) */
    int64_t length;       /* Content-Length, -1 when absent */
    int has_range;        /* a Content-Range "bytes first-last/total" was given */
    uint64_t first, last; /* its inclusive byte range */
    int64_t total;        /* its total length, -1 for "*" */
    int multipart;        /* Content-Type multipart/byteranges with a boundary */
    char boundary[71];    /* RFC 2046: at most 70 characters */
    int bad;              /* a Content-Range or Content-Type that does not parse */
} http_resp;

void http_resp_reset(http_resp *r);
/* Takes one header line as libcurl hands it (the status line or "Name: value", with or
 * without CRLF). Malformed range or type fields set r->bad. */
void http_header_line(http_resp *r, const char *line, size_t n);
/* Parses "bytes first-last/total" (total may be "*"); 0 on success. */
int http_parse_content_range(const char *v, size_t n, uint64_t *first, uint64_t *last, int64_t *total);

/* Copies the bytes of a successful answer (body of len bytes) into the ranges it covers:
 * ranges[i] is filled and done[i] set when one part of the answer holds all of it. A 206
 * answer is either one part (its Content-Range) or multipart/byteranges; a 200 answer is the
 * whole file from offset 0. *total receives the file length the answer states (-1 unknown).
 * A body that does not parse is RF_ERR_IO naming url. */
rf_status http_fill(const http_resp *r, const uint8_t *body, size_t len, const rf_range *ranges,
                    size_t n, uint8_t *done, int64_t *total, const char *url, rf_error *err);

#endif
