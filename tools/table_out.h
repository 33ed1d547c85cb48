/* table_out.h - aligned text tables for `rootfeed ls` and `show`: cells are added row by row,
 * columns are as wide as their widest cell (any name length), numbers aligned right. */
#ifndef RF_TABLE_OUT_H
#define RF_TABLE_OUT_H

#include <stdio.h>

typedef struct text_table {
    size_t ncols, ncells, cap;
    char **cells;       /* row-major */
    unsigned right;     /* bit c: column c is aligned right */
    const char *indent; /* printed before each row */
    size_t width[64];   /* of each column, measured at the first print */
    int measured;
} text_table;

void tt_init(text_table *t, size_t ncols, unsigned right, const char *indent);
/* Adds one cell (printf format); rows fill left to right. */
void tt_add(text_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints rows [from, to) aligned over all rows (no trailing spaces); add no cell after. */
void tt_print_rows(text_table *t, FILE *out, size_t from, size_t to);
/* Prints every row and frees the cells. */
void tt_print(text_table *t, FILE *out);
void tt_free(text_table *t);

#endif
