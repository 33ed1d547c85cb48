/* buffer.h - growing malloc'd buffers, bounded: the one place that turns a size (often taken
 * from a file) into an allocation. */
#ifndef RF_BUFFER_H
#define RF_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"

/* Ensures *p (of *cap bytes) holds at least `need` bytes, growing geometrically; sizes over
 * `limit` fail with RF_ERR_NOMEM naming `what`. The contents are kept. */
rf_status rf_grow(void **p, size_t *cap, uint64_t need, uint64_t limit, const char *what, rf_error *err);

#endif
