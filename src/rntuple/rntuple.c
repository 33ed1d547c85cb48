/* rntuple.c - opens an RNTuple (format 1.0) as an rf_table: finds the ROOT::RNTuple key,
 * parses and checks its anchor, reads the header and footer envelopes (and through the footer
 * every page list), links and maps the schema to columns, and fills the common table fields
 * (entries, columns, cluster boundaries). Reading goes through rnt_read; close frees it all. */
#include <stdlib.h>
#include <string.h>

#include "rnt.h"
#include "../common/error.h"

static void rnt_close(rf_table *t);

static const rf_table_ops rnt_ops = {"RNTuple", rnt_read, rnt_close, rnt_block_end};

static void impl_free(rnt_impl *im)
{
    if (!im)
        return;
    for (uint32_t i = 0; im->cache && i < im->d.ncols; i++)
        free(im->cache[i].buf);
    free(im->cache);
    rnt_desc_free(&im->d);
    free(im->plans), free(im->raw), free(im->page), free(im->nat), free(im->idx);
    free(im);
}

static void rnt_close(rf_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncolumns; i++)
        free((char *)t->columns[i].name);
    free(t->columns);
    free(t->clusters);
    free(t->name);
    impl_free(t->impl);
    free(t);
}

static rf_status read_anchor(rf_file *f, const char *path, rnt_anchor *a, rf_error *err)
{
    rf_key key;
    RF_TRY(rf_tfile_find_key(f, path, &key, err));
    rf_status s = RF_OK;
    if (strcmp(key.class_name, "ROOT::RNTuple"))
        s = rf_fail(err, RF_ERR_NOT_FOUND, "object is a %s, not a ROOT::RNTuple", key.class_name);
    uint8_t *payload = NULL;
    size_t len = 0;
    if (s == RF_OK)
        s = rf_key_read_payload(f, &key, &payload, &len, err);
    if (s == RF_OK)
        s = rnt_anchor_parse(payload, len, a, err);
    if (s != RF_OK && s != RF_ERR_IO)
        rf_wrap(err, s, "anchor (key at offset %lld): ", (long long)key.seek_key);
    free(payload);
    rf_key_clear(&key);
    return s;
}

static rf_status check_blob(const rnt_anchor *a, uint64_t nbytes, const char *what, rf_error *err)
{
    RF_CHECK(a->max_key_size == 0 || nbytes <= a->max_key_size, err, RF_ERR_UNSUPPORTED,
             "%s of %llu bytes spans several keys (max key size %llu)", what, (unsigned long long)nbytes,
             (unsigned long long)a->max_key_size);
    return RF_OK;
}

static rf_status read_meta(rf_file *f, const rnt_anchor *a, rnt_desc *d, rf_error *err)
{
    uint8_t *buf;
    rnt_cur body;
    uint64_t xx;
    RF_TRY(check_blob(a, a->nbytes_header, "header", err));
    RF_TRY(check_blob(a, a->nbytes_footer, "footer", err));
    RF_TRY(rnt_envelope_read(f, a->seek_header, a->nbytes_header, a->len_header, RNT_ENV_HEADER, &buf, &body,
                             &d->header_xxh3, err));
    rf_status s = rnt_header_parse(d, &body, err);
    free(buf);
    RF_TRY(s);
    RF_TRY(rnt_envelope_read(f, a->seek_footer, a->nbytes_footer, a->len_footer, RNT_ENV_FOOTER, &buf, &body, &xx,
                             err));
    s = rnt_footer_parse(f, d, &body, err);
    free(buf);
    return s;
}

static rf_status fill_table(rf_table *t, rnt_impl *im, rf_error *err)
{
    rnt_desc *d = &im->d;
    t->entries = d->entries;
    t->nclusters = d->nclusters;
    t->clusters = malloc(((size_t)d->nclusters + 1) * sizeof *t->clusters);
    RF_CHECK(t->clusters, err, RF_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < d->nclusters; i++)
        t->clusters[i] = d->clusters[i].first_entry;
    t->clusters[d->nclusters] = d->entries;
    RF_TRY(rnt_schema_link(d, err));
    RF_TRY(rnt_mark_shared(d, err));
    return rnt_schema_map(d, t, &im->plans, err);
}

static rf_status open_into(rf_file *f, const char *path, rf_table *t, rf_error *err)
{
    rnt_anchor a;
    RF_TRY(read_anchor(f, path, &a, err));
    rnt_impl *im = calloc(1, sizeof *im);
    RF_CHECK(im, err, RF_ERR_NOMEM, "out of memory");
    t->impl = im;
    RF_TRY(read_meta(f, &a, &im->d, err));
    return fill_table(t, im, err);
}

static rf_status rnt_open(rf_file *f, const char *path, rf_table **out, rf_error *err)
{
    *out = NULL;
    rf_table *t = calloc(1, sizeof *t);
    char *name = strdup(path);
    if (!t || !name) {
        free(t), free(name);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    t->ops = &rnt_ops;
    t->file = f;
    t->name = name;
    rf_status s = open_into(f, path, t, err);
    if (s != RF_OK) {
        if (s != RF_ERR_NOT_FOUND)
            rf_wrap(err, s, "%s: RNTuple '%s': ", f->name, path);
        rnt_close(t);
        return s;
    }
    *out = t;
    return RF_OK;
}

const rf_table_format rf_rntuple_format = {{"ROOT::RNTuple", NULL}, rnt_open};
