/* buffer.c - bounded geometric growth of malloc'd buffers (see buffer.h). */
#include "buffer.h"

#include <stdlib.h>

#include "error.h"

rf_status rf_grow(void **p, size_t *cap, uint64_t need, uint64_t limit, const char *what, rf_error *err)
{
    if (need <= *cap)
        return RF_OK;
    RF_CHECK(need <= limit && need <= SIZE_MAX / 2, err, RF_ERR_NOMEM, "%s of %llu bytes is over the limit", what,
             (unsigned long long)need);
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n);
    RF_CHECK(q, err, RF_ERR_NOMEM, "out of memory for a %s of %zu bytes", what, n);
    *p = q;
    *cap = n;
    return RF_OK;
}
