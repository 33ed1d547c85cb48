/* tfile.c - the TFile container: the file header, TKey headers, directory records and key
 * lists, lookup of "dir/sub/name;cycle", recursive listing, and reading a key's payload or
 * any (seek, nbytes) blob through the codec layer. Sizes from the file are checked against
 * the file size before they are used. */
#include "tfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/endian.h"
#include "../common/error.h"
#include "rbuf.h"

#define KEY_HEADER_MAX 4096 /* bytes read to parse one key header with its strings */

void rf_key_clear(rf_key *key)
{
    free(key->class_name);
    free(key->name);
    free(key->title);
    memset(key, 0, sizeof *key);
}

static rf_status key_parse_rb(rf_rbuf *b, rf_key *key)
{
    memset(key, 0, sizeof *key);
    key->nbytes = rb_i32(b);
    key->version = rb_i16(b);
    key->objlen = rb_i32(b);
    rb_u32(b); /* fDatime */
    key->keylen = rb_i16(b);
    key->cycle = rb_i16(b);
    int big = key->version > 1000;
    key->seek_key = big ? rb_i64(b) : rb_i32(b);
    key->seek_pdir = big ? rb_i64(b) : rb_i32(b);
    key->class_name = rb_string(b);
    key->name = rb_string(b);
    key->title = rb_string(b);
    if (b->bad || key->nbytes < 0 || key->objlen < 0 || key->keylen < 0) {
        rf_key_clear(key);
        return RF_ERR_FORMAT;
    }
    return RF_OK;
}

rf_status rf_key_parse(const uint8_t *p, size_t n, rf_key *key, size_t *used, rf_error *err)
{
    rf_rbuf b;
    rb_init(&b, p, n, 0);
    rf_status s = key_parse_rb(&b, key);
    *used = b.pos;
    RF_CHECK(s == RF_OK, err, s, "truncated or corrupt key header (%zu bytes available)", n);
    return RF_OK;
}

rf_status rf_key_read(rf_file *f, int64_t off, rf_key *key, rf_error *err)
{
    uint8_t buf[KEY_HEADER_MAX];
    RF_CHECK(off >= 0 && (uint64_t)off < f->src->size, err, RF_ERR_FORMAT,
             "%s: key offset %lld is outside the file (%llu bytes)", f->name, (long long)off,
             (unsigned long long)f->src->size);
    size_t n = f->src->size - (uint64_t)off < sizeof buf ? (size_t)(f->src->size - (uint64_t)off) : sizeof buf;
    RF_TRY(f->src->read_at(f->src, (uint64_t)off, buf, n, err));
    size_t used;
    if (rf_key_parse(buf, n, key, &used, err) != RF_OK)
        return rf_wrap(err, RF_ERR_FORMAT, "%s: key at offset %lld: ", f->name, (long long)off);
    if ((int64_t)key->nbytes > (int64_t)(f->src->size - (uint64_t)off) || key->keylen > key->nbytes ||
        (size_t)key->keylen < used) {
        rf_key_clear(key);
        return rf_fail(err, RF_ERR_FORMAT,
                       "%s: key at offset %lld: sizes out of range (nbytes %d, keylen %d, file %llu bytes)",
                       f->name, (long long)off, key->nbytes, key->keylen, (unsigned long long)f->src->size);
    }
    if (key->seek_key == 0)
        key->seek_key = off;
    return RF_OK;
}

/* Decompresses nbytes stored at seek into len bytes of dst: straight from a view of the
 * source when it has one (no copy of the compressed bytes), else from a copy. */
static rf_status unzip_blob(rf_file *f, int64_t seek, size_t nbytes, uint8_t *dst, size_t len, rf_error *err)
{
    const uint8_t *src;
    uint8_t *tmp = NULL;
    if (!f->src->view_at || f->src->view_at(f->src, (uint64_t)seek, nbytes, &src, NULL) != RF_OK) {
        RF_CHECK((tmp = malloc(nbytes ? nbytes : 1)), err, RF_ERR_NOMEM, "%s: out of memory for %zu bytes", f->name,
                 nbytes);
        rf_status s = f->src->read_at(f->src, (uint64_t)seek, tmp, nbytes, err);
        if (s != RF_OK) {
            free(tmp);
            return s;
        }
        src = tmp;
    }
    rf_status s = rf_source_check(f->src, rf_unzip(f->codec, src, nbytes, dst, len, err), err);
    free(tmp);
    if (s != RF_OK && s != RF_ERR_IO)
        rf_wrap(err, s, "%s: compressed data at offset %lld: ", f->name, (long long)seek);
    return s;
}

rf_status rf_tfile_read_blob(rf_file *f, int64_t seek, size_t nbytes, uint8_t *dst, size_t len, rf_error *err)
{
    RF_CHECK(seek >= 0 && (uint64_t)seek <= f->src->size && nbytes <= f->src->size - (uint64_t)seek, err,
             RF_ERR_FORMAT, "%s: %zu bytes at offset %lld run past the end of the file", f->name, nbytes,
             (long long)seek);
    if (nbytes == len)
        return f->src->read_at(f->src, (uint64_t)seek, dst, len, err);
    RF_CHECK(nbytes < len, err, RF_ERR_FORMAT,
             "%s: blob at offset %lld stores %zu bytes for %zu uncompressed", f->name, (long long)seek, nbytes, len);
    return unzip_blob(f, seek, nbytes, dst, len, err);
}

rf_status rf_key_read_payload(rf_file *f, const rf_key *key, uint8_t **out, size_t *len, rf_error *err)
{
    *out = NULL;
    size_t stored = (size_t)(key->nbytes - key->keylen);
    size_t n = key->objlen > (int32_t)stored ? (size_t)key->objlen : stored;
    RF_CHECK(n <= RF_MAX_OBJECT && (n <= stored || n / 2000 <= stored), err, RF_ERR_FORMAT,
             "%s: key '%s' at offset %lld claims %zu bytes from %zu stored", f->name, key->name,
             (long long)key->seek_key, n, stored);
    uint8_t *buf = malloc(n ? n : 1);
    RF_CHECK(buf, err, RF_ERR_NOMEM, "%s: out of memory for %zu bytes", f->name, n);
    rf_status s = rf_tfile_read_blob(f, key->seek_key + key->keylen, stored, buf, n, err);
    if (s != RF_OK) {
        free(buf);
        return rf_wrap(err, s, "object '%s': ", key->name);
    }
    *out = buf;
    *len = n;
    return RF_OK;
}

void rf_dir_clear(rf_dir *dir)
{
    for (size_t i = 0; i < dir->nkeys; i++)
        rf_key_clear(&dir->keys[i]);
    free(dir->keys);
    memset(dir, 0, sizeof *dir);
}

/* Parses the key list at seek_keys: a key header for the list itself, i32 n, n key headers. */
static rf_status load_key_list(rf_file *f, int64_t seek_keys, int32_t nbytes_keys, rf_dir *dir, rf_error *err)
{
    rf_key self;
    RF_TRY(rf_key_read(f, seek_keys, &self, err));
    /* The directory's fNbytesKeys covers the whole list; the list key's own fNbytes may not. */
    size_t n = (size_t)(nbytes_keys > self.nbytes ? nbytes_keys : self.nbytes);
    int16_t keylen = self.keylen;
    rf_key_clear(&self);
    RF_CHECK((uint64_t)n <= f->src->size - (uint64_t)seek_keys, err, RF_ERR_FORMAT,
             "%s: key list at offset %lld claims %zu bytes, past the end of the file", f->name,
             (long long)seek_keys, n);
    uint8_t *buf = malloc(n ? n : 1);
    RF_CHECK(buf, err, RF_ERR_NOMEM, "%s: out of memory", f->name);
    rf_status s = f->src->read_at(f->src, (uint64_t)seek_keys, buf, n, err);
    if (s != RF_OK) {
        free(buf);
        return s;
    }
    rf_rbuf b;
    rb_init(&b, buf, n, 0);
    b.pos = (size_t)keylen;
    int32_t nkeys = rb_i32(&b);
    s = RF_OK;
    if (b.bad || nkeys < 0 || (size_t)nkeys > n / 26) {
        s = rf_fail(err, RF_ERR_FORMAT, "%s: key list at offset %lld: bad key count %d", f->name,
                    (long long)seek_keys, nkeys);
    } else if (!(dir->keys = calloc((size_t)nkeys + 1, sizeof *dir->keys))) {
        s = rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", f->name);
    }
    for (int32_t i = 0; s == RF_OK && i < nkeys; i++) {
        if (key_parse_rb(&b, &dir->keys[i]) != RF_OK)
            s = rf_fail(err, RF_ERR_FORMAT, "%s: key list at offset %lld: entry %d truncated or corrupt",
                        f->name, (long long)seek_keys, i);
        else
            dir->nkeys++;
    }
    free(buf);
    return s;
}

rf_status rf_dir_load(rf_file *f, int64_t seek_dir, rf_dir *dir, rf_error *err)
{
    uint8_t rec[64];
    memset(dir, 0, sizeof *dir);
    RF_CHECK(seek_dir > 0 && (uint64_t)seek_dir < f->src->size, err, RF_ERR_FORMAT,
             "%s: directory record offset %lld outside the file", f->name, (long long)seek_dir);
    size_t n = f->src->size - (uint64_t)seek_dir < sizeof rec ? (size_t)(f->src->size - (uint64_t)seek_dir) : sizeof rec;
    RF_TRY(f->src->read_at(f->src, (uint64_t)seek_dir, rec, n, err));
    rf_rbuf b;
    rb_init(&b, rec, n, 0);
    int16_t version = rb_i16(&b);
    rb_skip(&b, 8); /* DatimeC, DatimeM */
    int32_t nbytes_keys = rb_i32(&b);
    rb_i32(&b); /* NbytesName */
    int big = version > 1000;
    rb_skip(&b, big ? 16 : 8); /* SeekDir, SeekParent */
    int64_t seek_keys = big ? rb_i64(&b) : rb_i32(&b);
    RF_CHECK(!b.bad, err, RF_ERR_FORMAT, "%s: directory record at offset %lld truncated", f->name,
             (long long)seek_dir);
    dir->seek_keys = seek_keys;
    if (seek_keys == 0)
        return RF_OK; /* an empty directory */
    rf_status s = load_key_list(f, seek_keys, nbytes_keys, dir, err);
    if (s != RF_OK)
        rf_dir_clear(dir);
    return s;
}

static rf_status parse_header(rf_file *f, rf_error *err)
{
    uint8_t h[64];
    RF_CHECK(f->src->size >= 64, err, RF_ERR_FORMAT, "%s: not a ROOT file (only %llu bytes)", f->name,
             (unsigned long long)f->src->size);
    RF_TRY(f->src->read_at(f->src, 0, h, sizeof h, err));
    RF_CHECK(!memcmp(h, "root", 4), err, RF_ERR_FORMAT, "%s: not a ROOT file (no 'root' magic at offset 0)",
             f->name);
    int32_t v = (int32_t)load_be32(h + 4);
    f->big = v >= 1000000;
    f->version = f->big ? v - 1000000 : v;
    f->begin = (int32_t)load_be32(h + 8);
    if (f->big) {
        f->end = (int64_t)load_be64(h + 12);
        f->compress = (int32_t)load_be32(h + 41);
        f->seek_info = (int64_t)load_be64(h + 45);
        f->nbytes_info = (int32_t)load_be32(h + 53);
    } else {
        f->end = (int32_t)load_be32(h + 12);
        f->compress = (int32_t)load_be32(h + 33);
        f->seek_info = (int32_t)load_be32(h + 37);
        f->nbytes_info = (int32_t)load_be32(h + 41);
    }
    RF_CHECK(f->end >= f->begin && (uint64_t)f->end <= f->src->size, err, RF_ERR_FORMAT,
             "%s: file truncated or corrupt: the header says it ends at byte %lld, it has %llu bytes", f->name,
             (long long)f->end, (unsigned long long)f->src->size);
    int32_t nbytes_name = (int32_t)load_be32(h + (f->big ? 36 : 28));
    RF_CHECK(f->begin >= 64 && (uint64_t)f->begin < f->src->size && nbytes_name > 0 &&
             (uint64_t)nbytes_name < f->src->size - (uint64_t)f->begin, err, RF_ERR_FORMAT,
             "%s: file header corrupt (fBEGIN %lld, fNbytesName %d)", f->name, (long long)f->begin, nbytes_name);
    if (rf_dir_load(f, f->begin + nbytes_name, &f->root, err) != RF_OK)
        return rf_wrap(err, err ? err->code : RF_ERR_FORMAT, "top directory: ");
    return RF_OK;
}

rf_status rf_file_open_source(rf_source *src, rf_file **out, rf_error *err)
{
    *out = NULL;
    rf_file *f = calloc(1, sizeof *f);
    if (!f || !(f->name = strdup(src->name)) || !(f->codec = rf_codec_new())) {
        if (f)
            free(f->name);
        free(f);
        rf_source_close(src);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    f->src = src;
    rf_status s = parse_header(f, err);
    if (s != RF_OK) {
        rf_file_close(f);
        return s;
    }
    *out = f;
    return RF_OK;
}

rf_status rf_file_open(const char *path, rf_file **out, rf_error *err)
{
    *out = NULL;
    RF_CHECK(path, err, RF_ERR_ARG, "rf_file_open: NULL path");
    return rf_file_open_with(path, NULL, out, err);
}

rf_status rf_file_open_with(const char *path, const rf_source_options *opt, rf_file **out,
                            rf_error *err)
{
    RF_CHECK(out, err, RF_ERR_ARG, "rf_file_open: NULL output");
    *out = NULL;
    RF_CHECK(path, err, RF_ERR_ARG, "rf_file_open: NULL path");
    rf_source *src;
    RF_TRY(rf_source_open(path, opt, &src, err));
    return rf_file_open_source(src, out, err);
}

void rf_file_close(rf_file *f)
{
    if (!f)
        return;
    rf_dir_clear(&f->root);
    rf_codec_free(f->codec);
    rf_source_close(f->src);
    free(f->name);
    free(f);
}

const char *rf_file_name(const rf_file *f) { return f->name; }

static int is_dir_class(const char *c)
{
    return !strcmp(c, "TDirectory") || !strcmp(c, "TDirectoryFile");
}

/* The key named `name` with the given cycle (or the highest when cycle < 0). */
static const rf_key *dir_find(const rf_dir *dir, const char *name, size_t len, int cycle)
{
    const rf_key *best = NULL;
    for (size_t i = 0; i < dir->nkeys; i++) {
        const rf_key *k = &dir->keys[i];
        if (strlen(k->name) != len || memcmp(k->name, name, len))
            continue;
        if (cycle >= 0 ? k->cycle == cycle : (!best || k->cycle > best->cycle))
            best = k;
    }
    return best;
}

static rf_status key_copy(const rf_key *src, rf_key *dst, rf_error *err)
{
    *dst = *src;
    dst->class_name = strdup(src->class_name);
    dst->name = strdup(src->name);
    dst->title = strdup(src->title);
    if (!dst->class_name || !dst->name || !dst->title) {
        rf_key_clear(dst);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    return RF_OK;
}

/* Loads the subdirectory whose key is k (its record is the key's uncompressed payload). */
static rf_status subdir_load(rf_file *f, const rf_key *k, rf_dir *sub, rf_error *err)
{
    return rf_dir_load(f, k->seek_key + k->keylen, sub, err);
}

rf_status rf_tfile_find_key(rf_file *f, const char *path, rf_key *key, rf_error *err)
{
    memset(key, 0, sizeof *key);
    RF_CHECK(path && *path, err, RF_ERR_ARG, "%s: empty object path", f->name);
    const rf_dir *dir = &f->root;
    rf_dir sub = {0};
    const char *p = path;
    while (*p == '/')
        p++;
    rf_status s = RF_OK;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        const char *semi = memchr(p, ';', len);
        int cycle = semi ? atoi(semi + 1) : -1;
        const rf_key *k = dir_find(dir, p, semi ? (size_t)(semi - p) : len, cycle);
        if (!k) {
            s = rf_fail(err, RF_ERR_NOT_FOUND, "%s: no object '%s' (looking for '%.*s')", f->name, path, (int)len, p);
            break;
        }
        if (!slash) {
            s = key_copy(k, key, err);
            break;
        }
        if (!is_dir_class(k->class_name)) {
            s = rf_fail(err, RF_ERR_NOT_FOUND, "%s: '%.*s' in path '%s' is a %s, not a directory", f->name,
                        (int)len, p, path, k->class_name);
            break;
        }
        rf_dir next;
        if ((s = subdir_load(f, k, &next, err)) != RF_OK)
            break;
        rf_dir_clear(&sub);
        sub = next;
        dir = &sub;
        p = slash + 1;
    }
    rf_dir_clear(&sub);
    return s;
}

typedef struct {
    rf_object_info *items;
    size_t n, cap;
} obj_list;

static rf_status list_add(obj_list *l, const char *prefix, const rf_key *k, rf_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        void *p = realloc(l->items, cap * sizeof *l->items);
        RF_CHECK(p, err, RF_ERR_NOMEM, "out of memory");
        l->items = p;
        l->cap = cap;
    }
    rf_object_info *o = &l->items[l->n];
    size_t plen = strlen(prefix), nlen = strlen(k->name);
    o->path = malloc(plen + nlen + 1);
    o->class_name = strdup(k->class_name);
    o->title = strdup(k->title);
    if (!o->path || !o->class_name || !o->title) {
        free(o->path);
        free(o->class_name);
        free(o->title);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    memcpy(o->path, prefix, plen);
    memcpy(o->path + plen, k->name, nlen + 1);
    o->cycle = k->cycle;
    const char *c = k->class_name;
    o->is_table = !strcmp(c, "TTree") || !strcmp(c, "TNtuple") || !strcmp(c, "TNtupleD") ||
                  !strcmp(c, "ROOT::RNTuple");
    l->n++;
    return RF_OK;
}

static rf_status list_dir(rf_file *f, const rf_dir *dir, const char *prefix, int depth, obj_list *l, rf_error *err)
{
    RF_CHECK(depth < 64, err, RF_ERR_FORMAT, "%s: directories nested too deeply at '%s'", f->name, prefix);
    for (size_t i = 0; i < dir->nkeys; i++) {
        const rf_key *k = &dir->keys[i];
        if (dir_find(dir, k->name, strlen(k->name), -1) != k)
            continue; /* a lower cycle */
        RF_TRY(list_add(l, prefix, k, err));
        if (!is_dir_class(k->class_name))
            continue;
        rf_dir sub;
        RF_TRY(subdir_load(f, k, &sub, err));
        char path[1024];
        snprintf(path, sizeof path, "%s%s/", prefix, k->name);
        rf_status s = list_dir(f, &sub, path, depth + 1, l, err);
        rf_dir_clear(&sub);
        RF_TRY(s);
    }
    return RF_OK;
}

rf_status rf_file_list(rf_file *f, rf_object_info **items, size_t *count, rf_error *err)
{
    obj_list l = {0};
    rf_status s = list_dir(f, &f->root, "", 0, &l, err);
    if (s != RF_OK) {
        rf_object_list_free(l.items, l.n);
        l.items = NULL;
        l.n = 0;
    }
    *items = l.items;
    *count = l.n;
    return s;
}

void rf_object_list_free(rf_object_info *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(items[i].path);
        free(items[i].class_name);
        free(items[i].title);
    }
    free(items);
}
