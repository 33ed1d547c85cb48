/* tfile_w.c - the TFile container writer. The file is built front to back: a 100-byte header
 * and the root directory record at 100 (both rewritten at close), then every record at the
 * current end, then at close the StreamerInfo list, the root directory's key list and the
 * free-segment record. Keys are buffered and written with one write per megabytes, so that
 * thousands of small baskets cost few system calls. The bytes go to a temporary beside the
 * target (safefile.h) that only a successful tfw_close puts in place. */
#include "tfile_w.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../codec/codec.h"
#include "../common/endian.h"
#include "../common/error.h"
#include "safefile.h"
#include "streamers.h"
#include "wbuf.h"

#define BEGIN 100
#define BIG_LIMIT 2000000000ULL
#define ROOT_VERSION 63600
#define FLUSH_AT (4u << 20)

struct tfw {
    sf_file out;
    char *path, *name, *title;
    int setting;
    uint64_t end;        /* next free byte (fEND) */
    uint64_t flushed;    /* bytes of the file already written from pend */
    wbuf pend;           /* records not yet written, starting at offset flushed */
    wbuf keys;           /* key headers of the root directory's listed records */
    uint32_t nkeys;
    uint32_t datime;
    uint8_t uuid[16];
    uint32_t nbytes_name, dir_keylen;
    rf_codec *codec;
    uint8_t *zbuf;
    size_t zcap;
};

static uint32_t root_datime(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (uint32_t)(tm.tm_year + 1900 - 1995) << 26 | (uint32_t)(tm.tm_mon + 1) << 22 |
           (uint32_t)tm.tm_mday << 17 | (uint32_t)tm.tm_hour << 12 | (uint32_t)tm.tm_min << 6 |
           (uint32_t)tm.tm_sec;
}

size_t tfw_key_size(int big, const char *cls, const char *name, const char *title)
{
    return (big ? 34 : 26) + tstring_size(cls) + tstring_size(name) + tstring_size(title);
}

int tfw_next_big(const tfw *w) { return w->end > BIG_LIMIT; }
int tfw_setting(const tfw *w) { return w->setting; }
uint64_t tfw_end(const tfw *w) { return w->end; }

static rf_status write_all(tfw *w, const uint8_t *p, size_t n, uint64_t at, rf_error *err)
{
    while (n) {
        ssize_t k = pwrite(w->out.fd, p, n, (off_t)at);
        if (k < 0 && errno == EINTR)
            continue;
        RF_CHECK(k > 0, err, RF_ERR_IO, "%s: write of %zu bytes at offset %llu failed: %s", w->path, n,
                 (unsigned long long)at, strerror(errno));
        p += k, n -= (size_t)k, at += (uint64_t)k;
    }
    return RF_OK;
}

static rf_status flush_pending(tfw *w, rf_error *err)
{
    RF_CHECK(!w->pend.oom, err, RF_ERR_NOMEM, "%s: out of memory buffering records", w->path);
    RF_TRY(write_all(w, w->pend.p, w->pend.n, w->flushed, err));
    w->flushed += w->pend.n;
    w->pend.n = 0;
    return RF_OK;
}

/* Key header fields in order; seek and pdir take 8 bytes in the big layout. */
static void put_key(wbuf *b, int big, uint32_t nbytes, uint32_t objlen, uint32_t datime, uint32_t keylen,
                    int cycle, uint64_t seek, uint64_t pdir, const char *cls, const char *name,
                    const char *title)
{
    wb_be32(b, nbytes);
    wb_be16(b, big ? 1004 : 4);
    wb_be32(b, objlen);
    wb_be32(b, datime);
    wb_be16(b, (uint16_t)keylen);
    wb_be16(b, (uint16_t)cycle);
    if (big) {
        wb_be64(b, seek);
        wb_be64(b, pdir);
    } else {
        wb_be32(b, (uint32_t)seek);
        wb_be32(b, (uint32_t)pdir);
    }
    wb_tstring(b, cls);
    wb_tstring(b, name);
    wb_tstring(b, title);
}

const uint8_t *tfw_compress(tfw *w, int setting, const uint8_t *src, size_t n, size_t *stored)
{
    *stored = n;
    if (setting % 100 == 0 || n < 16)
        return src;
    if (w->zcap < n) {
        uint8_t *z = realloc(w->zbuf, n);
        if (!z)
            return src;
        w->zbuf = z, w->zcap = n;
    }
    size_t got = 0;
    if (rf_zip(w->codec, setting, src, n, w->zbuf, n, &got, NULL) != RF_OK)
        return src;
    *stored = got;
    return w->zbuf;
}

rf_status tfw_write(tfw *w, const tfw_rec *r, const uint8_t *payload, size_t len, tfw_key *out,
                    rf_error *err)
{
    int big = r->big || tfw_next_big(w);
    int setting = r->setting < 0 ? w->setting : r->setting;
    size_t keylen = tfw_key_size(big, r->cls, r->name, r->title) + r->ntail, stored;
    RF_CHECK(len < 0x7FFFFFFF - keylen && keylen < 0x7FFF, err, RF_ERR_ARG,
             "%s: record '%s' of %zu bytes is too large for a TKey", w->path, r->name, len);
    const uint8_t *body = tfw_compress(w, setting, payload, len, &stored);
    uint32_t nbytes = (uint32_t)(keylen + stored);
    size_t key_at = w->pend.n;
    put_key(&w->pend, big, nbytes, (uint32_t)len, w->datime, (uint32_t)keylen, r->cycle, w->end, BEGIN,
            r->cls, r->name, r->title);
    wb_bytes(&w->pend, r->tail, r->ntail);
    if (r->listed && !w->pend.oom) {
        wb_bytes(&w->keys, w->pend.p + key_at, keylen);
        w->nkeys++;
    }
    if (out)
        *out = (tfw_key){w->end, nbytes, (uint32_t)len, (uint32_t)keylen};
    w->end += nbytes;
    if (stored >= FLUSH_AT) {
        RF_TRY(flush_pending(w, err));
        RF_TRY(write_all(w, body, stored, w->flushed, err));
        w->flushed += stored;
        return RF_OK;
    }
    wb_bytes(&w->pend, body, stored);
    return w->pend.n >= FLUSH_AT ? flush_pending(w, err) : RF_OK;
}

/* The 60 bytes of a TDirectoryFile after its name and title. */
static void put_dir(wbuf *b, const tfw *w, uint32_t nbytes_keys, uint64_t seek_keys)
{
    int big = seek_keys > BIG_LIMIT;
    size_t at = b->n;
    wb_be16(b, big ? 1005 : 5);
    wb_be32(b, w->datime);
    wb_be32(b, w->datime);
    wb_be32(b, nbytes_keys);
    wb_be32(b, w->nbytes_name);
    if (big) {
        wb_be64(b, BEGIN), wb_be64(b, 0), wb_be64(b, seek_keys);
    } else {
        wb_be32(b, BEGIN), wb_be32(b, 0), wb_be32(b, (uint32_t)seek_keys);
    }
    wb_be16(b, 1);
    wb_bytes(b, w->uuid, 16);
    wb_zero(b, 60 - (b->n - at));
}

/* The TFile key at 100: name and title again, then the directory. */
static void put_dir_record(wbuf *b, const tfw *w, uint32_t nbytes_keys, uint64_t seek_keys)
{
    uint32_t objlen = (uint32_t)(tstring_size(w->name) + tstring_size(w->title) + 60);
    put_key(b, 0, w->dir_keylen + objlen, objlen, w->datime, w->dir_keylen, 1, BEGIN, 0, "TFile", w->name,
            w->title);
    wb_tstring(b, w->name);
    wb_tstring(b, w->title);
    put_dir(b, w, nbytes_keys, seek_keys);
}

static void make_uuid(uint8_t *u)
{
    uint64_t a = (uint64_t)time(NULL) * 6364136223846793005ULL ^ (uint64_t)getpid() << 32;
    uint64_t s = a ^ (uint64_t)(uintptr_t)u;
    for (int i = 0; i < 16; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = (uint8_t)(s >> 56);
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

rf_status tfw_open(const char *path, const char *title, int setting, tfw **out, rf_error *err)
{
    *out = NULL;
    tfw *w = calloc(1, sizeof *w);
    RF_CHECK(w, err, RF_ERR_NOMEM, "%s: out of memory", path);
    w->out.fd = -1;
    w->path = strdup(path);
    w->name = strdup(base_name(path));
    w->title = strdup(title ? title : "");
    w->codec = rf_codec_new();
    if (!w->path || !w->name || !w->title || !w->codec) {
        tfw_abort(w);
        return rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", path);
    }
    rf_status s = sf_open(path, &w->out, err);
    if (s != RF_OK) {
        tfw_abort(w);
        return s;
    }
    w->setting = setting;
    w->datime = root_datime();
    make_uuid(w->uuid);
    w->dir_keylen = (uint32_t)tfw_key_size(0, "TFile", w->name, w->title);
    w->nbytes_name = w->dir_keylen + (uint32_t)(tstring_size(w->name) + tstring_size(w->title));
    wb_zero(&w->pend, BEGIN);
    put_dir_record(&w->pend, w, 0, 0);
    w->end = w->pend.n;
    *out = w;
    return RF_OK;
}

void tfw_abort(tfw *w)
{
    if (!w)
        return;
    sf_abort(&w->out);
    wb_free(&w->pend);
    wb_free(&w->keys);
    rf_codec_free(w->codec);
    free(w->zbuf);
    free(w->path);
    free(w->name);
    free(w->title);
    free(w);
}

static void put_header(wbuf *b, const tfw *w, uint64_t seek_free, uint32_t nbytes_free,
                       const tfw_key *info)
{
    int big = w->end > BIG_LIMIT;
    wb_bytes(b, "root", 4);
    wb_be32(b, big ? 1000000 + ROOT_VERSION : ROOT_VERSION);
    wb_be32(b, BEGIN);
    if (big) {
        wb_be64(b, w->end), wb_be64(b, seek_free);
    } else {
        wb_be32(b, (uint32_t)w->end), wb_be32(b, (uint32_t)seek_free);
    }
    wb_be32(b, nbytes_free);
    wb_be32(b, 1);
    wb_be32(b, w->nbytes_name);
    wb_u8(b, big ? 8 : 4);
    wb_be32(b, (uint32_t)w->setting);
    if (big)
        wb_be64(b, info->seek);
    else
        wb_be32(b, (uint32_t)info->seek);
    wb_be32(b, info->nbytes);
    wb_be16(b, 1);
    wb_bytes(b, w->uuid, 16);
}

static rf_status write_streamers(tfw *w, const char *const *classes, size_t n, tfw_key *info,
                                 rf_error *err)
{
    tfw_rec r = {"TList", "StreamerInfo", "Doubly linked list", 1, 0, -1, NULL, 0, 0};
    wbuf b = {0};
    size_t keylen = tfw_key_size(tfw_next_big(w), r.cls, r.name, r.title);
    si_build(&b, keylen, classes, n);
    RF_CHECK(!b.oom, err, RF_ERR_NOMEM, "%s: out of memory building streamer infos", w->path);
    rf_status s = tfw_write(w, &r, b.p, b.n, info, err);
    wb_free(&b);
    return s;
}

static rf_status write_tail(tfw *w, const char *const *classes, size_t n, rf_error *err)
{
    tfw_key info, keys, freek;
    RF_TRY(write_streamers(w, classes, n, &info, err));
    wbuf kl = {0};
    wb_be32(&kl, w->nkeys);
    wb_bytes(&kl, w->keys.p, w->keys.n);
    RF_CHECK(!kl.oom && !w->keys.oom, err, RF_ERR_NOMEM, "%s: out of memory", w->path);
    tfw_rec r = {"TFile", w->name, w->title, 1, 0, 0, NULL, 0, 0};
    rf_status s = tfw_write(w, &r, kl.p, kl.n, &keys, err);
    wb_free(&kl);
    RF_TRY(s);
    /* The free list names [fEND, limit] where fEND is after the free record itself. */
    int big = tfw_next_big(w);
    uint64_t end_after = w->end + tfw_key_size(big, "TFile", w->name, w->title) + (big ? 18 : 10);
    wbuf fl = {0};
    wb_be16(&fl, big ? 1001 : 1);
    if (big) {
        wb_be64(&fl, end_after), wb_be64(&fl, end_after + 1000000000ULL);
    } else {
        wb_be32(&fl, (uint32_t)end_after), wb_be32(&fl, (uint32_t)BIG_LIMIT);
    }
    r.big = big;
    s = tfw_write(w, &r, fl.p, fl.n, &freek, err);
    wb_free(&fl);
    RF_TRY(s);
    RF_TRY(flush_pending(w, err));
    wbuf head = {0};
    put_header(&head, w, freek.seek, freek.nbytes, &info);
    wb_zero(&head, BEGIN - head.n);
    put_dir_record(&head, w, keys.nbytes, keys.seek);
    RF_CHECK(!head.oom, err, RF_ERR_NOMEM, "%s: out of memory", w->path);
    s = write_all(w, head.p, head.n, 0, err);
    wb_free(&head);
    return s;
}

rf_status tfw_close(tfw *w, const char *const *classes, size_t nclasses, rf_error *err)
{
    rf_status s = write_tail(w, classes, nclasses, err);
    if (s == RF_OK)
        s = sf_commit(&w->out, err);
    tfw_abort(w);
    return s;
}
