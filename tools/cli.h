/* cli.h - what the subcommands of the `rootfeed` command share: the one argument parser
 * (options declared in a table, from which --help is printed too), strict numbers and entry
 * ranges, "did you mean" suggestions, and the inputs (path specs expanded by the library's
 * rf_path_expand, tables opened with helpful errors, several files as one chain). Every
 * error is one line on stderr, "rootfeed CMD: ..."; exit status 1 for errors, 2 for bad
 * arguments. */
#ifndef RF_CLI_H
#define RF_CLI_H

#include <stdio.h>

#include "rootfeed.h"
#include "rootfeed_dataset.h"

/* ---- arguments (args.c) ---- */

typedef struct cli_opt {
    const char *name;  /* long name without the dashes: "entries" */
    char letter;       /* short form (-f), or 0 */
    const char *meta;  /* the value's placeholder ("A:B"); NULL for a flag */
    const char *help;  /* one line; more lines after '\n' */
} cli_opt;

struct cli_args;

typedef struct cli_cmd {
    const char *name;
    const char *summary; /* one line for `rootfeed --help` */
    const char *usage;  /* what follows "rootfeed NAME " */
    const char *about;  /* printed under the usage */
    const cli_opt *opts; /* ends with an entry whose name is NULL */
    int min_pos, max_pos; /* positional arguments (max -1: any number) */
    int (*run)(struct cli_args *a); /* returns the exit status */
} cli_cmd;

#define CLI_MAXOPTS 32

typedef struct cli_args {
    const cli_cmd *cmd;
    char **pos;
    int npos;
    const char *val[CLI_MAXOPTS]; /* last value of each option (flags: "1"), NULL if absent */
    int nseq;                     /* every value given, in command-line order */
    int *seq_opt;
    const char **seq_val;
} cli_args;

/* Parses argv[1..argc) of cmd. Returns -1 to go on, or the exit status when the command
 * must stop: 0 after printing --help, 2 after printing a usage error. */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a);
void cli_args_free(cli_args *a);
const char *cli_get(const cli_args *a, const char *name);
void cli_help(const cli_cmd *cmd, FILE *out);

/* "rootfeed CMD: message" on stderr; returns 1 (cli_usage_error: returns 2 and adds the
 * pointer to --help). */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whole numbers as users write them: 10000000, 10_000_000, 1e7, 2.5e6 (exact values only).
 * Returns 0, or -1 (not a number), -2 (not whole), -3 (beyond int64). */
int cli_parse_int(const char *s, int64_t *out);
/* The value of option --opt within [min, max]; prints the error and returns 2 otherwise. */
int cli_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out);
/* --entries: "N" (the first N), "A:B", "A:" or ":B", checked against total entries of
 * `what`; gives [first, last). Prints the error (with the valid range) and returns 1/2. */
int cli_range(const char *cmd, const char *text, int64_t total, const char *what, int64_t *first, int64_t *last);

/* Appends "; did you mean 'a' or 'b'?" for the names closest to name (case-insensitive edit
 * distance), or nothing when none is close. */
void cli_closest(const char *name, const char *const *names, size_t n, char *out, size_t cap);

/* ---- inputs (inputs.c) ---- */

/* The inputs named by the first npos positional arguments (paths, patterns, FILE:OBJECT,
 * URLs: remote ones are refused for now) and the object: --object, or with trailing_object a
 * last argument OBJECT (of two or more) that does not look like a file (not existing, no
 * pattern, colon or .root/.csv ending). Returns 0, or the exit status after the error. */
int cli_inputs(const cli_args *a, int npos, int trailing_object, rf_path_item **items, size_t *n,
               const char **object);
/* Opens path and the table object (NULL: the file's only table). Errors name the file, list
 * the tables when there are several, and suggest close names for an unknown object. */
int cli_open_table(const char *cmd, const char *path, const char *object, rf_file **f, rf_table **t);

/* Indices of the names chosen by --columns (names and wildcards, comma-separated; NULL: all),
 * in the order given, without repeats; `where` starts the error ("f.root: object 'events'"). */
int cli_select(const char *cmd, const char *const *names, size_t n, const char *list, const char *where,
               size_t **idx, size_t *nidx);
/* Whether list names name itself (not through a wildcard). */
int cli_named(const char *list, const char *name);
/* Column indices chosen by --columns (names and wildcards, comma-separated; NULL: all), in
 * the order given, without repeats. Prints the error (with suggestions) and returns 1. */
int cli_columns(const char *cmd, const rf_table *t, const char *path, const char *list, size_t **idx, size_t *n);

/* Opens the inputs as one dataset (TChain: entries in file order): each item's object, else
 * `object`, else each file's only table. A missing file or object is reported as by
 * cli_open_table, a schema mismatch as the dataset says it (the first differing file and
 * column). *cls: the first table's class ("TTree", "RNTuple"). */
int cli_dataset_open(const char *cmd, const rf_path_item *items, size_t n, const char *object, rf_dataset **ds,
                     const char **cls);
/* cli_columns over the dataset's columns. */
int cli_dataset_columns(const char *cmd, const rf_dataset *ds, const char *list, size_t **idx, size_t *n);
/* cli_range over the dataset's entries. */
int cli_dataset_range(const char *cmd, const rf_dataset *ds, const char *text, int64_t *first, int64_t *last);

/* The text of a column's type: "float32", "int32[var]", "float64[2][3]", "string[var]"
 * (vector<string>). */
void cli_shape_text(const rf_column_info *ci, char *buf, size_t cap);

#endif
