/* coldata.c - rf_column_data buffers: init, free, and the growth helpers the formats and
 * the layers above fill them with. */
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "error.h"
#include "table.h"

void rf_column_data_init(rf_column_data *d)
{
    memset(d, 0, sizeof *d);
}

void rf_column_data_free(rf_column_data *d)
{
    if (!d)
        return;
    free(d->values);
    for (int i = 0; i < RF_MAX_LEVELS; i++)
        free(d->offsets[i]);
    memset(d, 0, sizeof *d);
}

rf_status rf_coldata_reserve_values(rf_column_data *out, int64_t nvalues, rf_error *err)
{
    RF_CHECK(nvalues >= 0, err, RF_ERR_FORMAT, "negative value count");
    return rf_grow(&out->values, &out->values_cap, (uint64_t)nvalues * rf_dtype_size(out->dtype), RF_MAX_ALLOC,
                   "column buffer", err);
}

rf_status rf_coldata_reserve_offsets(rf_column_data *out, int level, int64_t n, rf_error *err)
{
    RF_CHECK(n >= 0, err, RF_ERR_FORMAT, "negative item count");
    size_t bytes = out->offsets_cap[level] * sizeof(int64_t);
    void *p = out->offsets[level];
    RF_TRY(rf_grow(&p, &bytes, (uint64_t)(n + 1) * sizeof(int64_t), RF_MAX_ALLOC, "offsets buffer", err));
    out->offsets[level] = p;
    out->offsets_cap[level] = bytes / sizeof(int64_t);
    return RF_OK;
}
