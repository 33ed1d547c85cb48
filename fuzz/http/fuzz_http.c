/* fuzz_http.c - fuzz target for the HTTP answer parsers (src/io/http_parse.c): the input is
 * a response's header lines (LF-separated, up to an empty line) and then its body; its first
 * byte picks three ranges to fill. Every header goes through http_header_line and the
 * Content-Range parser; the body through http_fill, whose filled ranges must lie inside
 * their buffers (ASan checks) and hold bytes of the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned pick = data[0];
    data++, size--;
    http_resp r;
    http_resp_reset(&r);
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *lf = memchr(data + pos, '\n', size - pos);
        size_t n = lf ? (size_t)(lf - (data + pos)) : size - pos;
        char *line = malloc(n + 1); /* exact-size copies: ASan sees any overread */
        memcpy(line, data + pos, n);
        uint64_t a, b;
        int64_t t;
        http_parse_content_range(line, n, &a, &b, &t);
        http_header_line(&r, line, n);
        free(line);
        pos += n + 1;
        if (n == 0 || (n == 1 && data[pos - 2] == '\r'))
            break;
    }
    size_t len = pos < size ? size - pos : 0;
    uint8_t *body = malloc(len ? len : 1);
    memcpy(body, data + (size - len), len);
    uint8_t bufs[3][64];
    rf_range ranges[3];
    for (int i = 0; i < 3; i++)
        ranges[i] = (rf_range){(uint64_t)((pick >> (2 * i)) & 3) * 40 + (uint64_t)i * 7, 1 + (size_t)(pick % 50),
                               bufs[i]};
    uint8_t done[3];
    int64_t total;
    rf_error err;
    if (http_fill(&r, body, len, ranges, 3, done, &total, "http://fuzz/", &err) == RF_OK)
        for (int i = 0; i < 3; i++)
            if (done[i] && ranges[i].size && !memchr(body, bufs[i][0], len))
                abort(); /* filled with bytes that are not the body's */
    free(body);
    return 0;
}
