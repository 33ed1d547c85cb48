/* json_out.h - printing decoded columns as the JSON of `rootfeed dump --json`. */
#ifndef RF_JSON_OUT_H
#define RF_JSON_OUT_H

#include <stdio.h>

#include "rootfeed.h"

void json_string(FILE *out, const char *s);
/* Prints the values of d as a JSON array (floats round-trip, nan/inf as strings, bool 0/1),
 * restricted to the values selected by `keep` when it is not NULL. */
void json_values(FILE *out, const rf_column_data *d, int64_t from, int64_t to);
/* Prints {"dtype":..., "kind":..., "shape":..., "counts":..., "values":...} for a column. */
void json_column(FILE *out, const rf_column_info *ci, const rf_column_data *d, const unsigned char *keep);

#endif
