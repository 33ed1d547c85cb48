/* inputs.c - the inputs of `rootfeed` commands: path specs expanded by rf_path_expand (so
 * the CLI and the library's dataset layer read "f.root:tree", patterns and URLs alike), tables
 * opened with errors that list the candidates or suggest close names, --columns with
 * wildcards, and several files of one schema opened as one dataset (rootfeed_dataset.h: a
 * chain, entries in file order). */
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* Expands the specs (paths, patterns, URLs). */
static int expand(const char *cmd, char *const *specs, int n, rf_path_item **items, size_t *count)
{
    *items = NULL;
    *count = 0;
    rf_error err;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        if (rf_path_expand(specs[i], items, count, &err) != RF_OK)
            rc = cli_error(cmd, "%s", err.msg);
    if (rc) {
        rf_path_items_free(*items, *count);
        *items = NULL;
        *count = 0;
    }
    return rc;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

int cli_inputs(const cli_args *a, int npos, int trailing_object, rf_path_item **items, size_t *n,
               const char **object)
{
    const char *s = trailing_object && npos >= 2 ? a->pos[npos - 1] : NULL;
    struct stat st;
    *object = cli_get(a, "object");
    *items = NULL;
    *n = 0;
    if (s && stat(s, &st) != 0 && !strpbrk(s, "*?[:") && !ends_with(s, ".root") && !ends_with(s, ".csv")) {
        if (*object)
            return cli_usage_error(a->cmd->name, "two objects given: '%s' and --object %s", s, *object);
        *object = s;
        npos--;
    }
    return expand(a->cmd->name, a->pos, npos, items, n);
}

/* The paths of the file's tables (every object's when tables is 0) into names/n. */
static int list_objects(rf_file *f, int tables, char ***names, size_t *n)
{
    rf_object_info *items;
    size_t count;
    *names = NULL;
    *n = 0;
    if (rf_file_list(f, &items, &count, NULL) != RF_OK)
        return -1;
    *names = calloc(count + 1, sizeof **names);
    for (size_t i = 0; *names && i < count; i++)
        if (items[i].is_table || !tables)
            (*names)[(*n)++] = strdup(items[i].path);
    rf_object_list_free(items, count);
    return *names ? 0 : -1;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int no_such_object(const char *cmd, rf_file *f, const char *path, const char *object, const rf_error *err)
{
    char **names, hint[600] = "";
    size_t n;
    if (strstr(err->msg, "not a TTree") || list_objects(f, 0, &names, &n) != 0)
        return cli_error(cmd, "%s", err->msg);
    cli_closest(object, (const char *const *)names, n, hint, sizeof hint);
    free_names(names, n);
    return cli_error(cmd, "%s: no object '%s'%s", path, object, hint);
}

/* The file's only table, or an error that lists them. */
static int only_table(const char *cmd, rf_file *f, const char *path, char **object)
{
    char **names;
    size_t n;
    if (list_objects(f, 1, &names, &n) != 0)
        return cli_error(cmd, "%s: cannot list the objects", path);
    int rc = 0;
    if (n == 1) {
        *object = names[0];
        names[0] = NULL;
    } else if (n == 0) {
        rc = cli_error(cmd, "%s: no TTree or RNTuple in the file", path);
    } else {
        char list[2048] = "";
        size_t len = 0;
        for (size_t i = 0; i < n && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
        rc = cli_error(cmd, "%s holds %zu tables (%s): name one with --object or as FILE:OBJECT", path, n, list);
    }
    free_names(names, n);
    return rc;
}

int cli_open_table(const char *cmd, const char *path, const char *object, rf_file **f, rf_table **t)
{
    rf_error err;
    *t = NULL;
    if (rf_file_open(path, f, &err) != RF_OK)
        return cli_error(cmd, "%s", err.msg);
    char *only = NULL;
    int rc = object ? 0 : only_table(cmd, *f, path, &only);
    rf_status s = rc ? RF_OK : rf_table_open(*f, object ? object : only, t, &err);
    if (s == RF_ERR_NOT_FOUND)
        rc = no_such_object(cmd, *f, path, object ? object : only, &err);
    else if (s != RF_OK)
        rc = cli_error(cmd, "%s", err.msg);
    free(only);
    if (rc) {
        rf_file_close(*f);
        *f = NULL;
    }
    return rc;
}

/* ---- columns ---- */

static int add_col(size_t *idx, size_t *n, size_t c)
{
    for (size_t i = 0; i < *n; i++)
        if (idx[i] == c)
            return 0;
    idx[(*n)++] = c;
    return 1;
}

int cli_select(const char *cmd, const char *const *names, size_t total, const char *list, const char *where,
               size_t **idx, size_t *n)
{
    *idx = malloc((total + 1) * sizeof **idx);
    *n = 0;
    if (!*idx)
        return cli_error(cmd, "out of memory");
    if (!list) {
        for (size_t i = 0; i < total; i++)
            (*idx)[(*n)++] = i;
        return 0;
    }
    char *copy = strdup(list), *save = NULL, hint[600];
    int rc = copy ? 0 : cli_error(cmd, "out of memory");
    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        int matched = 0, pattern = strpbrk(tok, "*?[") != NULL;
        for (size_t i = 0; i < total; i++)
            if (pattern ? fnmatch(tok, names[i], 0) == 0 : !strcmp(tok, names[i]))
                matched = 1, add_col(*idx, n, i);
        if (!matched && pattern)
            rc = cli_error(cmd, "%s: no column matches '%s'", where, tok);
        else if (!matched) {
            cli_closest(tok, names, total, hint, sizeof hint);
            rc = cli_error(cmd, "%s: no column '%s'%s", where, tok, hint);
        }
    }
    if (!rc && *n == 0)
        rc = cli_usage_error(cmd, "--columns '%s' names no column", list);
    free(copy);
    return rc;
}

int cli_columns(const char *cmd, const rf_table *t, const char *path, const char *list, size_t **idx, size_t *n)
{
    size_t total = rf_table_ncolumns(t);
    const char **names = malloc((total + 1) * sizeof *names);
    char where[1200];
    *idx = NULL;
    if (!names)
        return cli_error(cmd, "out of memory");
    for (size_t i = 0; i < total; i++)
        names[i] = rf_table_column(t, i)->name;
    snprintf(where, sizeof where, "%s: object '%s'", path, rf_table_name(t));
    int rc = cli_select(cmd, names, total, list, where, idx, n);
    free(names);
    return rc;
}

int cli_named(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; s && *s;) {
        const char *e = strchr(s, ',');
        size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k == n && !strncmp(s, name, n))
            return 1;
        s = e ? e + 1 : s + k;
    }
    return 0;
}

/* ---- datasets ---- */

void cli_shape_text(const rf_column_info *ci, char *buf, size_t cap)
{
    int text = ci->kind == RF_KIND_STRING;
    size_t n = (size_t)snprintf(buf, cap, "%s", text ? "string" : rf_dtype_name(ci->dtype));
    for (int l = text; l < ci->nlevels && n < cap; l++)
        n += (size_t)snprintf(buf + n, cap - n, "[var]");
    for (int i = 0; i < ci->ndims && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "[%" PRId64 "]", ci->shape[i]);
}

int cli_dataset_open(const char *cmd, const rf_path_item *items, size_t n, const char *object, rf_dataset **ds,
                     const char **cls)
{
    rf_file *f;
    rf_table *t;
    if (cli_open_table(cmd, items[0].path, items[0].object ? items[0].object : object, &f, &t) != 0)
        return 1;
    *cls = rf_table_class(t);
    rf_table_close(t);
    rf_file_close(f);
    const char **paths = calloc(n + 1, sizeof *paths), **objects = calloc(n + 1, sizeof *objects);
    if (!paths || !objects) {
        free(paths), free(objects);
        return cli_error(cmd, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        paths[i] = items[i].path;
        objects[i] = items[i].object ? items[i].object : object;
    }
    rf_error err;
    int rc = rf_dataset_open(paths, objects, n, ds, &err) == RF_OK ? 0 : -1;
    for (size_t i = 1; rc < 0 && i < n; i++) /* a file or object not there: say it as for one file */
        if (cli_open_table(cmd, paths[i], objects[i], &f, &t) != 0)
            rc = 1;
        else
            rf_table_close(t), rf_file_close(f);
    free(paths), free(objects);
    return rc < 0 ? cli_error(cmd, "%s", err.msg) : rc;
}

int cli_dataset_columns(const char *cmd, const rf_dataset *ds, const char *list, size_t **idx, size_t *n)
{
    size_t total = rf_dataset_ncolumns(ds);
    const char **names = malloc((total + 1) * sizeof *names);
    char where[1200];
    *idx = NULL;
    if (!names)
        return cli_error(cmd, "out of memory");
    for (size_t i = 0; i < total; i++)
        names[i] = rf_dataset_column(ds, i)->name;
    snprintf(where, sizeof where, "%s: object '%s'", rf_dataset_file_path(ds, 0), rf_dataset_file_object(ds, 0));
    int rc = cli_select(cmd, names, total, list, where, idx, n);
    free(names);
    return rc;
}

int cli_dataset_range(const char *cmd, const rf_dataset *ds, const char *text, int64_t *first, int64_t *last)
{
    char what[600];
    if (rf_dataset_nfiles(ds) > 1)
        snprintf(what, sizeof what, "the chain of %zu files", rf_dataset_nfiles(ds));
    else
        snprintf(what, sizeof what, "'%.500s'", rf_dataset_file_object(ds, 0));
    return cli_range(cmd, text, rf_dataset_entries(ds), what, first, last);
}
