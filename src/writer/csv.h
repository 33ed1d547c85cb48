/* csv.h - reading numeric CSV for `rootfeed convert`: splitting one line into fields (commas,
 * double-quoted fields with "" escapes, optional trailing CR), parsing a field as a dtype
 * with range checks, and inferring a column's type (int64 when every value is an integer,
 * otherwise float64). All functions work on caller memory and never read past the line. */
#ifndef RF_WRITER_CSV_H
#define RF_WRITER_CSV_H

#include <stddef.h>

#include "rootfeed.h"

/* Splits line[0, len) in place into at most max fields (NUL-terminated, unquoted). Returns
 * the number of fields, or -1 for a quote that is not closed or text after a closing quote. */
long csv_split(char *line, size_t len, char **fields, size_t max);

/* Parses s as dtype t into out (rf_dtype_size(t) bytes). Integers must be whole and in range,
 * bools are 0/1/true/false, floats anything strtod takes ("nan", "inf" too); an empty field is
 * NaN for floats and an error otherwise. Returns 0 on success, -1 if s does not parse. */
int csv_parse(const char *s, rf_dtype t, void *out);

/* Inference state for one column: starts at RF_INT64 and widens to RF_FLOAT64. */
void csv_infer(const char *s, rf_dtype *t);

#endif
