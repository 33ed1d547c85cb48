/* table_out.c - aligned text tables (see table_out.h). */
#include "table_out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void tt_init(text_table *t, size_t ncols, unsigned right, const char *indent)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->right = right;
    t->indent = indent ? indent : "";
}

void tt_add(text_table *t, const char *fmt, ...)
{
    if (t->ncells == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **c = realloc(t->cells, cap * sizeof *c);
        if (!c)
            return;
        t->cells = c;
        t->cap = cap;
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    t->cells[t->ncells++] = s;
}

void tt_print_rows(text_table *t, FILE *out, size_t from, size_t to)
{
    size_t *width = t->width, nc = t->ncols < 64 ? t->ncols : 64;
    for (size_t i = 0; !t->measured && i < t->ncells; i++) {
        size_t n = t->cells[i] ? strlen(t->cells[i]) : 0;
        if (i % t->ncols < nc && n > width[i % t->ncols])
            width[i % t->ncols] = n;
    }
    t->measured = 1;
    for (size_t row = from * t->ncols; row < to * t->ncols && row < t->ncells; row += t->ncols) {
        size_t end = row + t->ncols < t->ncells ? row + t->ncols : t->ncells, last = row;
        for (size_t i = row; i < end; i++)
            if (t->cells[i] && t->cells[i][0])
                last = i;
        fputs(t->indent, out);
        for (size_t i = row; i <= last; i++) {
            size_t c = i - row;
            const char *s = t->cells[i] ? t->cells[i] : "";
            int w = c < nc ? (int)width[c] : 0;
            if (c < nc && (t->right >> c & 1))
                fprintf(out, "%*s", w, s);
            else if (i == last)
                fputs(s, out);
            else
                fprintf(out, "%-*s", w, s);
            if (i < last)
                fputs("  ", out);
        }
        fputc('\n', out);
    }
}

void tt_free(text_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->ncells = t->cap = 0;
}

void tt_print(text_table *t, FILE *out)
{
    tt_print_rows(t, out, 0, t->ncells / (t->ncols ? t->ncols : 1) + 1);
    tt_free(t);
}
