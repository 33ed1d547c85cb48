/* error.c - status names, dtype/kind tables and the rf_error formatting helpers. */
#include "error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rf_status_name(rf_status s)
{
    static const char *const names[] = {"ok", "I/O error", "format error", "checksum error",
                                        "not found", "unsupported", "bad argument", "out of memory",
                                        "no such file", "interrupted"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown error";
}

rf_status rf_fail(rf_error *err, rf_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

rf_status rf_wrap(rf_error *err, rf_status code, const char *fmt, ...)
{
    if (!err)
        return code;
    char prefix[RF_ERROR_MSG_SIZE], old[RF_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix), m = strnlen(old, sizeof old - 1);
    if (n > sizeof err->msg - 1)
        n = sizeof err->msg - 1;
    if (m > sizeof err->msg - 1 - n)
        m = sizeof err->msg - 1 - n;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = 0;
    err->code = code;
    return code;
}

size_t rf_dtype_size(rf_dtype t)
{
    static const unsigned char sizes[RF_DTYPE_COUNT] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
    return (unsigned)t < RF_DTYPE_COUNT ? sizes[t] : 0;
}

const char *rf_dtype_name(rf_dtype t)
{
    static const char *const names[RF_DTYPE_COUNT] = {"bool", "int8", "uint8", "int16", "uint16",
        "int32", "uint32", "int64", "uint64", "float32", "float64"};
    return (unsigned)t < RF_DTYPE_COUNT ? names[t] : "?";
}

const char *rf_kind_name(rf_kind k)
{
    static const char *const names[] = {"flat", "fixed", "jagged", "string"};
    return (unsigned)k < 4 ? names[k] : "?";
}

size_t rf_edit_distance(const char *a, size_t la, const char *b)
{
    size_t lb = strlen(b), row[257];
    if (la > 256 || lb > 256)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t sub = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            size_t best = up + 1 < row[j - 1] + 1 ? up + 1 : row[j - 1] + 1;
            row[j] = sub < best ? sub : best;
            diag = up;
        }
    }
    return row[lb];
}
