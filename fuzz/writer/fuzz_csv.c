/* fuzz_csv.c - the CSV reader of `rootfeed convert`: every line of the input is split into
 * fields, each field inferred and parsed as every dtype. Nothing may read past the line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writer/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t at = 0; at < size;) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
        char *line = malloc(len + 1); /* csv_split may write the terminator at line[len] */
        if (!line)
            return 0;
        memcpy(line, data + at, len);
        line[len] = 0;
        char *fields[64];
        long n = csv_split(line, len, fields, 64);
        for (long i = 0; i < n && i < 64; i++) {
            rf_dtype t = RF_INT64;
            csv_infer(fields[i], &t);
            uint64_t out;
            for (int d = 0; d < RF_DTYPE_COUNT; d++)
                csv_parse(fields[i], (rf_dtype)d, &out);
        }
        free(line);
        at += len + 1;
    }
    return 0;
}
