/* paths.c - rf_path_expand: the path specs users write for many inputs, as ROOT's TChain and
 * uproot take them, turned into (file, object) pairs. "f.root:tree" names an object; a glob
 * pattern ("data/run*.root:events") expands to its matches in sorted order; URLs
 * ("root://host:1094//eos/f.root:dir/tree", "https://host/f.root:tree") are split after their
 * host and port and never globbed; "file://" is a local path. A colon separates the object
 * only where the part before it can be the file: the whole spec naming an existing file wins,
 * then the rightmost colon whose left part exists or is a pattern, then the rightmost colon. */
#include "paths.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../common/error.h"
#include "rootfeed.h"

size_t rf_url_scheme_len(const char *spec)
{
    size_t i = 0;
    if (!((spec[0] >= 'a' && spec[0] <= 'z') || (spec[0] >= 'A' && spec[0] <= 'Z')))
        return 0;
    while (spec[i] && (strchr("+-.", spec[i]) || (spec[i] >= '0' && spec[i] <= '9') ||
                       (spec[i] >= 'a' && spec[i] <= 'z') || (spec[i] >= 'A' && spec[i] <= 'Z')))
        i++;
    return !strncmp(spec + i, "://", 3) ? i + 3 : 0;
}

size_t rf_path_body_start(const char *spec)
{
    size_t s = rf_url_scheme_len(spec);
    if (!s)
        return 0;
    const char *slash = strchr(spec + s, '/');
    return slash ? (size_t)(slash - spec) : strlen(spec);
}

long rf_path_colon(const char *spec, size_t from, int n)
{
    for (size_t i = strlen(spec); i > from; i--)
        if (spec[i - 1] == ':' && spec[i] != 0 && n-- == 0)
            return (long)(i - 1);
    return -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int has_magic(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

static rf_status add(rf_path_item **items, size_t *count, const char *path, size_t plen, const char *object,
                     int remote, rf_error *err)
{
    rf_path_item *n = realloc(*items, (*count + 1) * sizeof *n);
    RF_CHECK(n, err, RF_ERR_NOMEM, "out of memory");
    *items = n;
    rf_path_item *it = &n[*count];
    it->path = strndup(path, plen);
    it->object = object ? strdup(object) : NULL;
    it->remote = remote;
    if (!it->path || (object && !it->object)) {
        free(it->path), free(it->object);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    (*count)++;
    return RF_OK;
}

/* The colon that ends the file part of a local spec, or -1. */
static long local_split(const char *spec)
{
    if (exists(spec))
        return -1;
    for (int n = 0;; n++) {
        long c = rf_path_colon(spec, 0, n);
        if (c < 0)
            return rf_path_colon(spec, 0, 0);
        char *left = strndup(spec, (size_t)c);
        int ok = left && (exists(left) || has_magic(left));
        free(left);
        if (ok)
            return c;
    }
}

static rf_status expand_glob(const char *pattern, const char *object, rf_path_item **items, size_t *count,
                             rf_error *err)
{
    glob_t g;
    int r = glob(pattern, 0, NULL, &g);
    if (r == GLOB_NOMATCH)
        return rf_fail(err, RF_ERR_NO_FILE, "%s: no file matches the pattern", pattern);
    RF_CHECK(r == 0, err, r == GLOB_NOSPACE ? RF_ERR_NOMEM : RF_ERR_IO, "%s: cannot expand the pattern", pattern);
    rf_status s = RF_OK;
    for (size_t i = 0; i < g.gl_pathc && s == RF_OK; i++)
        s = add(items, count, g.gl_pathv[i], strlen(g.gl_pathv[i]), object, 0, err);
    globfree(&g);
    return s;
}

rf_status rf_path_expand(const char *spec, rf_path_item **items, size_t *count, rf_error *err)
{
    RF_CHECK(spec && *spec, err, RF_ERR_ARG, "empty path");
    if (!strncmp(spec, "file://", 7))
        spec += 7;
    if (rf_url_scheme_len(spec)) {
        long c = rf_path_colon(spec, rf_path_body_start(spec), 0);
        size_t plen = c < 0 ? strlen(spec) : (size_t)c;
        return add(items, count, spec, plen, c < 0 ? NULL : spec + c + 1, 1, err);
    }
    long c = local_split(spec);
    char *path = strndup(spec, c < 0 ? strlen(spec) : (size_t)c);
    RF_CHECK(path, err, RF_ERR_NOMEM, "out of memory");
    const char *object = c < 0 ? NULL : spec + c + 1;
    rf_status s = has_magic(path) && !exists(path) ? expand_glob(path, object, items, count, err)
                                                   : add(items, count, path, strlen(path), object, 0, err);
    free(path);
    return s;
}

void rf_path_items_free(rf_path_item *items, size_t count)
{
    for (size_t i = 0; items && i < count; i++) {
        free(items[i].path);
        free(items[i].object);
    }
    free(items);
}
