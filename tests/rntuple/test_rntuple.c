/* test_rntuple.c - unit tests of the RNTuple reader on the real files of
 * ../shared/data/external: checksum errors for a flipped bit in the anchor, an envelope and a
 * page (opened from an in-memory copy), range reads across cluster and cluster-group borders
 * that equal slices of a full read, extension columns reading as zeros before they exist,
 * files holding several RNTuples, and truncated files failing cleanly. Skips when the data
 * is absent unless ROOTFEED_REQUIRE_DATA=1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "rootfeed.h"
#include "rootfeed_writer.h"
#include "common/table.h"
#include "io/source.h"
#include "rntuple/rnt.h"
#include "tfile/tfile.h"

static char dir[1024];

#include "../common/check.h"

/* A whole file's bytes (NULL if it cannot be opened). */
static uint8_t *load_path(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)len);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

/* A file of the corpus. */
static uint8_t *load(const char *name, size_t *n)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return load_path(path, n);
}

/* Opens a file from memory and the named table in it. */
static rf_status open_mem(const uint8_t *b, size_t n, const char *obj, rf_file **f, rf_table **t, rf_error *err)
{
    rf_source *src;
    *t = NULL;
    rf_status s = rf_source_open_memory(b, n, "mem.root", &src, err);
    if (s == RF_OK)
        s = rf_file_open_source(src, f, err);
    if (s != RF_OK) {
        *f = NULL;
        return s;
    }
    return rf_table_open(*f, obj, t, err);
}

/* Flips one bit at `off` of a copy of a file's n bytes and expects opening `obj` and reading
 * every column - whole (step 0), or `step` entries at a time: parts of pages - to fail with
 * `want`, the message naming `needle`. */
static void flip_bytes_expect(const uint8_t *file, size_t n, const char *name, const char *obj, size_t off,
                              int64_t step, rf_status want, const char *needle)
{
    CHECK(off < n, "%s: offset %zu outside", name, off);
    if (off >= n)
        return;
    uint8_t *b = malloc(n);
    memcpy(b, file, n);
    b[off] ^= 0x10;
    rf_file *f;
    rf_table *t;
    rf_error err = {RF_OK, ""};
    rf_status s = open_mem(b, n, obj, &f, &t, &err);
    rf_column_data d;
    rf_column_data_init(&d);
    for (size_t c = 0; s == RF_OK && c < rf_table_ncolumns(t); c++) {
        int64_t all = rf_table_entries(t), w = step ? step : all ? all : 1;
        for (int64_t a = 0; s == RF_OK && !rf_table_column(t, c)->unsupported && (a < all || a == 0); a += w)
            s = rf_table_read(t, c, a, a + w < all ? a + w : all, &d, &err);
    }
    CHECK(s == want && strstr(err.msg, needle), "%s bit at %zu: got %s '%s', want %s naming '%s'", name, off,
          rf_status_name(s), err.msg, rf_status_name(want), needle);
    rf_column_data_free(&d);
    rf_table_close(t);
    rf_file_close(f);
    free(b);
}

/* flip_bytes_expect on a file of the corpus, reading whole columns. */
static void flip_expect(const char *name, const char *obj, size_t off, rf_status want, const char *needle)
{
    size_t n;
    uint8_t *b = load(name, &n);
    CHECK(b, "%s: cannot load", name);
    if (b)
        flip_bytes_expect(b, n, name, obj, off, 0, want, needle);
    free(b);
}

static void test_checksums(void)
{
    const char *unc = "rntviewer-testfile-uncomp-single-rntuple-v1-0-0-0.root";
    flip_expect(unc, "Contributors", 254 + 100, RF_ERR_CHECKSUM, "header envelope at offset 254");
    flip_expect(unc, "Contributors", 1687 + 60, RF_ERR_CHECKSUM, "footer envelope at offset 1687");
    flip_expect("test_int_float_rntuple_v1-0-0-0.root", "ntuple", 844 + 48 + 20, RF_ERR_CHECKSUM,
                "anchor checksum mismatch");
    /* the first page of the first column of test_int_float */
    size_t n;
    uint8_t *b = load("test_int_float_rntuple_v1-0-0-0.root", &n);
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (!b || open_mem(b, n, "ntuple", &f, &t, &err) != RF_OK) {
        CHECK(0, "cannot open test_int_float: %s", b ? err.msg : "missing");
        free(b);
        return;
    }
    rnt_impl *im = t->impl;
    uint64_t off = im->d.pages[0].offset;
    rf_table_close(t);
    rf_file_close(f);
    free(b);
    char needle[64];
    snprintf(needle, sizeof needle, "page at offset %llu: checksum", (unsigned long long)off);
    flip_expect("test_int_float_rntuple_v1-0-0-0.root", "ntuple", (size_t)off + 3, RF_ERR_CHECKSUM, needle);
    flip_expect("test_int_float_rntuple_v1-0-0-0.root", "ntuple", (size_t)off + 3, RF_ERR_CHECKSUM, "one_integers");
}

static int same_slice(const rf_column_data *full, const rf_column_data *part, int64_t a, size_t esize, int64_t per)
{
    int64_t v0 = a, v1 = a + part->nentries;
    for (int l = 0; l < full->nlevels; l++) {
        int64_t base = full->offsets[l][v0];
        for (int64_t i = 0; i <= v1 - v0; i++)
            if (full->offsets[l][v0 + i] - base != part->offsets[l][i])
                return 0;
        v0 = base;
        v1 = full->offsets[l][v1];
    }
    return part->nvalues == (v1 - v0) * per &&
           !memcmp((const uint8_t *)full->values + (size_t)(v0 * per) * esize, part->values,
                   (size_t)part->nvalues * esize);
}

/* Reads every column whole and in ranges crossing cluster borders; compares the slices. */
static void ranges_check_path(const char *path, const char *name, const char *obj)
{
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, obj, &t, &err) != RF_OK) {
        CHECK(0, "%s", err.msg);
        return;
    }
    int64_t n = rf_table_entries(t);
    size_t ncl;
    const int64_t *cl = rf_table_clusters(t, &ncl);
    CHECK(ncl >= 1 && cl[0] == 0 && cl[ncl] == n, "%s: cluster boundaries", name);
    rf_column_data full, part;
    rf_column_data_init(&full);
    rf_column_data_init(&part);
    for (size_t c = 0; c < rf_table_ncolumns(t); c++) {
        const rf_column_info *ci = rf_table_column(t, c);
        if (ci->unsupported || rf_table_read(t, c, 0, n, &full, &err) != RF_OK)
            continue;
        int ok = 1;
        int64_t per = 1;
        for (int i = 0; i < ci->ndims; i++)
            per *= ci->shape[i];
        for (size_t k = 0; k < ncl && ok; k++) {
            int64_t a = cl[k] > 3 ? cl[k] - 3 : 0, b = cl[k + 1] + 2 < n ? cl[k + 1] + 2 : n;
            int64_t pairs[3][2] = {{a, b}, {cl[k], cl[k + 1]}, {(a + b) / 2, (a + b) / 2}};
            for (int p = 0; p < 3 && ok; p++) {
                rf_status s = rf_table_read(t, c, pairs[p][0], pairs[p][1], &part, &err);
                ok = s == RF_OK && same_slice(&full, &part, pairs[p][0], rf_dtype_size(ci->dtype), per);
            }
        }
        /* the whole column in steps of 37 entries: parts of pages, decoded from the cache */
        for (int64_t a = 0; a < n && ok; a += 37) {
            rf_status s = rf_table_read(t, c, a, a + 37 < n ? a + 37 : n, &part, &err);
            ok = s == RF_OK && same_slice(&full, &part, a, rf_dtype_size(ci->dtype), per);
        }
        CHECK(ok, "%s: column %s: a range read differs from the full read", name, ci->name);
    }
    rf_column_data_free(&full);
    rf_column_data_free(&part);
    rf_table_close(t);
    rf_file_close(f);
}

static void ranges_check(const char *name, const char *obj)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ranges_check_path(path, name, obj);
}

/* Pages stored uncompressed, read in parts: served from the source's own bytes where its
 * views live until close (a mapped file, memory), from a copy where they do not (pread);
 * either way equal to a whole read, and checksummed (a flipped bit in a page fails a part
 * read). The file: rootfeed's writer, no compression, 256-byte pages, 3 clusters. */
static void test_stored_pages(void)
{
    char path[] = "/tmp/rootfeed-test-stored-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    close(fd);
    enum { N = 3000 };
    float *fv = malloc(N * sizeof *fv), *jv = malloc(3 * N * sizeof *jv);
    int64_t *iv = malloc(N * sizeof *iv), *off = malloc((N + 1) * sizeof *off);
    off[0] = 0;
    for (int64_t i = 0; i < N; i++) {
        fv[i] = (float)i * 0.37f - 100.0f;
        iv[i] = i * i - 7;
        off[i + 1] = off[i] + i % 4;
    }
    for (int64_t k = 0; k < off[N]; k++)
        jv[k] = (float)k * 1.5f;
    rf_writer_options o;
    rf_writer_options_init(&o);
    o.format = RF_FORMAT_RNTUPLE;
    o.compression = 0;
    o.basket_bytes = 256;
    o.cluster_entries = 1000;
    rf_writer *w = NULL;
    rf_error err;
    rf_writer_column cols[3] = {{.name = "f", .dtype = RF_FLOAT32, .kind = RF_KIND_FLAT},
                                {.name = "i", .dtype = RF_INT64, .kind = RF_KIND_FLAT},
                                {.name = "v", .dtype = RF_FLOAT32, .kind = RF_KIND_JAGGED, .nlevels = 1}};
    rf_column_data d[3] = {{0}};
    for (int c = 0; c < 3; c++)
        d[c].dtype = cols[c].dtype, d[c].nentries = N;
    d[0].values = fv, d[0].nvalues = N;
    d[1].values = iv, d[1].nvalues = N;
    d[2].values = jv, d[2].nvalues = off[N], d[2].nlevels = 1, d[2].offsets[0] = off;
    rf_status s = rf_writer_open(path, "t", &o, &w, &err);
    for (int c = 0; s == RF_OK && c < 3; c++)
        s = rf_writer_add_column(w, &cols[c], &err);
    if (s == RF_OK)
        s = rf_writer_append(w, d, 3, &err);
    if (s == RF_OK)
        s = rf_writer_close(w, &err);
    else if (w)
        rf_writer_abort(w);
    CHECK(s == RF_OK, "writing %s: %s", path, err.msg);
    free(fv), free(jv), free(iv), free(off);
    if (s != RF_OK) {
        remove(path);
        return;
    }
    ranges_check_path(path, "stored pages (mapped)", "t");
    setenv("ROOTFEED_IO", "pread", 1);
    ranges_check_path(path, "stored pages (pread)", "t");
    unsetenv("ROOTFEED_IO");
    /* a flipped bit in the last page: each page of the file is checked when read in parts */
    size_t n = 0;
    uint8_t *b = load_path(path, &n);
    rf_file *f;
    rf_table *t;
    if (b && open_mem(b, n, "t", &f, &t, &err) == RF_OK) {
        rnt_impl *im = t->impl;
        const rnt_page *pg = &im->d.pages[im->d.npages - 1];
        CHECK(pg->checksum && pg->size > 4, "the writer's pages carry checksums");
        uint64_t at = pg->offset;
        rf_table_close(t);
        rf_file_close(f);
        char needle[64];
        snprintf(needle, sizeof needle, "page at offset %llu: checksum", (unsigned long long)at);
        flip_bytes_expect(b, n, "stored pages", "t", (size_t)at + 2, 37, RF_ERR_CHECKSUM, needle);
    } else {
        CHECK(0, "opening the written file from memory: %s", b ? err.msg : "cannot read it");
    }
    free(b);
    remove(path);
}

static void test_ranges(void)
{
    ranges_check("test_index_multicluster_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("test_multiple_cluster_groups_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("test_extension_columns_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root", "Events");
    ranges_check("test_stl_containers_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("uproot-written-rntuple-lzma.root", "ntuple");
    ranges_check("test_int_float_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("test_split_3e4_rntuple_v1-0-0-0.root", "ntuple");
    ranges_check("test_splitint_rntuple_v1-0-1-0.root", "ntuple");
}

/* Extension columns: fields added later read as zero / empty before they exist. */
static void test_extension(void)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/test_extension_columns_rntuple_v1-0-0-0.root", dir);
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK || rf_table_open(f, "ntuple", &t, &err) != RF_OK) {
        CHECK(0, "%s", err.msg);
        return;
    }
    size_t ncl;
    const int64_t *cl = rf_table_clusters(t, &ncl);
    CHECK(cl[1] == 350, "first cluster ends at %lld, expected 350", (long long)cl[1]);
    CHECK(ncl > 1, "expected several clusters, got %zu", ncl);
    rf_column_data d;
    rf_column_data_init(&d);
    long fc = rf_table_find_column(t, "float_field"), vc = rf_table_find_column(t, "intvec_field");
    CHECK(fc >= 0 && vc >= 0, "extension columns missing");
    /* float_field was added at entry 200, inside the first cluster (0-350) */
    if (fc >= 0 && rf_table_read(t, (size_t)fc, 0, 202, &d, &err) == RF_OK) {
        int zero = 1;
        for (int64_t i = 0; i < 200; i++)
            zero &= ((float *)d.values)[i] == 0.0f;
        CHECK(zero && d.nvalues == 202 && ((float *)d.values)[201] != 0.0f, "float_field not zero before entry 200");
    }
    if (vc >= 0 && rf_table_read(t, (size_t)vc, 0, 8, &d, &err) == RF_OK)
        CHECK(d.nvalues == 0 && d.offsets[0][8] == 0, "intvec_field not empty in the first entries");
    rf_column_data_free(&d);
    rf_table_close(t);
    rf_file_close(f);
}

static void test_several(void)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/rntviewer-testfile-multiple-rntuples-v1-0-0-0.root", dir);
    rf_file *f;
    rf_error err;
    if (rf_file_open(path, &f, &err) != RF_OK) {
        CHECK(0, "%s", err.msg);
        return;
    }
    const char *names[2] = {"A", "B"}, *cols[2] = {"f", "g"};
    for (int i = 0; i < 2; i++) {
        rf_table *t;
        rf_status s = rf_table_open(f, names[i], &t, &err);
        CHECK(s == RF_OK && !strcmp(rf_table_class(t), "RNTuple") && rf_table_entries(t) == 100 &&
                   rf_table_find_column(t, cols[i]) == 0,
               "RNTuple %s: %s", names[i], s ? err.msg : "wrong shape");
        rf_table_close(t);
    }
    rf_table *t;
    CHECK(rf_table_open(f, "C", &t, &err) == RF_ERR_NOT_FOUND, "missing RNTuple C found");
    rf_file_close(f);
}

/* Every prefix cut of a small file fails cleanly or reads (never crashes). */
static void test_truncated(void)
{
    size_t n;
    uint8_t *b = load("test_1jag_int_float_rntuple_v1-0-0-0.root", &n);
    if (!b) {
        CHECK(0, "missing file");
        return;
    }
    int bad = 0;
    for (size_t cut = 0; cut < n; cut += 7) {
        rf_file *f;
        rf_table *t;
        rf_error err;
        rf_status s = open_mem(b, cut, "ntuple", &f, &t, &err);
        rf_column_data d;
        rf_column_data_init(&d);
        for (size_t c = 0; s == RF_OK && c < rf_table_ncolumns(t); c++)
            rf_table_read(t, c, 0, rf_table_entries(t), &d, &err);
        bad += s == RF_OK && cut < n / 2;
        rf_column_data_free(&d);
        rf_table_close(t);
        rf_file_close(f);
    }
    CHECK(!bad, "%d truncated copies opened", bad);
    free(b);
}

int main(void)
{
    if (!check_data(dir, sizeof dir, "test_int_float_rntuple_v1-0-0-0.root"))
        return check_summary();
    test_checksums();
    test_ranges();
    test_stored_pages();
    test_extension();
    test_several();
    test_truncated();
    return check_summary();
}
