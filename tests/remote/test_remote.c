/* test_remote.c - remote byte sources against real servers (started by servers.py): every
 * byte read over HTTP, HTTPS or XRootD equals the served file's, through reads of every
 * size, views, vectored reads and from several threads, with a cache small enough to evict;
 * the traffic counters show coalescing (scattered ranges in one request, adjacent ones as one
 * range) and the shared cache (a second source of a URL sends nothing); failures are clean
 * errors naming the URL (missing, denied, unauthenticated, a server error after retries).
 *
 * Usage: test_remote http | xrootd        (the servers' URLs come from servers.py)
 *        test_remote cat URL LOCAL RETRIES TIMEOUT_MS [THREADS]
 *            reads URL in scattered pieces through a small cache (with THREADS: in one
 *            read, of as many requests as THREADS allows at once) and compares with LOCAL;
 *            prints "ok REQUESTS RETRIES" or "error: MESSAGE" (the fault test drives it). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/remote.h"
#include "io/source.h"
#include "rootfeed_source.h"

typedef struct {
    uint8_t *data;
    size_t size;
} blob;

static blob load(const char *path)
{
    blob b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    fseek(f, 0, SEEK_END);
    b.size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    b.data = malloc(b.size ? b.size : 1);
    if (fread(b.data, 1, b.size, f) != b.size)
        b.size = 0;
    fclose(f);
    return b;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static rf_source_options small_cache(void)
{
    rf_source_options o;
    rf_source_options_init(&o);
    o.readahead = 64 << 10;       /* 64 KiB blocks */
    o.memory_limit = 512 << 10;   /* 8 blocks: reads evict */
    o.threads = 3;
    return o;
}

/* Random reads, views and vectored reads of src compared with want; returns the failures. */
static int scatter_reads(rf_source *src, const blob *want, uint64_t seed, int rounds)
{
    int bad = 0;
    uint64_t s = seed | 1;
    size_t max = want->size < 300000 ? want->size : 300000;
    uint8_t *buf = malloc(max + 1);
    rf_error err;
    for (int i = 0; i < rounds && want->size; i++) {
        size_t n = (size_t)(rnd(&s) % (i % 5 == 0 ? max + 1 : 5000));
        uint64_t off = rnd(&s) % (want->size - n + 1);
        if (i % 3 == 1) {
            const uint8_t *p;
            rf_status st = rf_source_read(src, off, buf, n, &err); /* (views: the formats use them) */
            if (st == RF_OK && src->view_at &&
                src->view_at(src, off, n, &p, NULL) == RF_OK)
                bad += n && memcmp(p, want->data + off, n) != 0;
            bad += st != RF_OK || memcmp(buf, want->data + off, n) != 0;
        } else if (i % 3 == 2) {
            rf_range r[4];
            size_t at = 0;
            for (int k = 0; k < 4; k++) {
                size_t len = (size_t)(rnd(&s) % (max / 4 + 1));
                r[k] = (rf_range){rnd(&s) % (want->size - len + 1), len, buf + at};
                at += len;
            }
            bad += rf_source_read_many(src, r, 4, &err) != RF_OK;
            for (int k = 0; k < 4; k++)
                bad += memcmp(r[k].dst, want->data + r[k].offset, r[k].size) != 0;
        } else {
            bad += rf_source_read(src, off, buf, n, &err) != RF_OK || memcmp(buf, want->data + off, n) != 0;
        }
        if (bad) {
            printf("  at round %d: %s\n", i, err.msg);
            break;
        }
    }
    free(buf);
    return bad;
}

/* base + "/" + rel: http://host:port/rel, root://host:port//rel (servers.py's bases). */
static void url_of(char *out, size_t n, const char *base, const char *rel)
{
    snprintf(out, n, "%s/%s", base, rel);
}

/* The bytes of several served files, read through small caches. */
static void check_contents(const char *base, const char *served)
{
    static const char *const files[] = {"bytes.bin", "external/uproot-HZZ.root",
                                        "external/nanoAOD_2015_CMS_Open_Data_ttbar.root", "empty.bin"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char url[1024], path[1024];
        url_of(url, sizeof url, base, files[i]);
        snprintf(path, sizeof path, "%s/%s", served, files[i]);
        blob want = load(path);
        rf_source_options o = small_cache();
        rf_source *src;
        rf_error err;
        CHECK(rf_source_open(url, &o, &src, &err) == RF_OK, "open %s: %s", url, err.msg);
        if (!src)
            continue;
        CHECK(rf_source_size(src) == want.size, "%s: size %llu, want %zu", url,
              (unsigned long long)rf_source_size(src), want.size);
        CHECK(scatter_reads(src, &want, 12345 + i, 200) == 0, "%s: reads equal the file", url);
        uint8_t *all = malloc(want.size + 1);
        CHECK(rf_source_read(src, 0, all, want.size, &err) == RF_OK && !memcmp(all, want.data, want.size),
              "%s: whole file in one read: %s", url, err.msg);
        CHECK(rf_source_read(src, want.size, all, 1, &err) == RF_ERR_IO && strstr(err.msg, url),
              "%s: a read past the end is an error naming the URL: %s", url, err.msg);
        free(all);
        rf_source_close(src);
        free(want.data);
    }
}

/* Scattered blocks go in one request (multi-range / vector read), adjacent ones as one range;
 * a second source of the URL reuses the first one's cache. */
static void check_coalescing(const char *base, const char *served, const char *rel, uint64_t want_requests,
                             uint64_t want_ranges)
{
    char url[1024], path[1024];
    url_of(url, sizeof url, base, rel);
    snprintf(path, sizeof path, "%s/bytes.bin", served);
    blob want = load(path);
    rf_source_options o = small_cache();
    o.threads = 1;
    o.memory_limit = 64 << 20;
    rf_source *a, *b;
    rf_error err;
    CHECK(rf_source_open(url, &o, &a, &err) == RF_OK, "open %s: %s", url, err.msg);
    if (!a)
        return;
    remote_counters c0, c1, c2, c3;
    remote_get_counters(&c0);
    const size_t K = 64 << 10;
    rf_range r[3] = {{2 * K + 5, 100, NULL}, {9 * K, 2 * K, NULL}, {20 * K + 7, 3, NULL}};
    CHECK(rf_source_advise(a, r, 3, &err) == RF_OK, "advise: %s", err.msg);
    uint8_t buf[3 * 65536];
    int same = 1;
    for (int i = 0; i < 3; i++) {
        r[i].dst = buf;
        same &= rf_source_read(a, r[i].offset, buf, r[i].size, &err) == RF_OK &&
                !memcmp(buf, want.data + r[i].offset, r[i].size);
    }
    remote_get_counters(&c1);
    CHECK(same, "%s: scattered ranges read back equal", url);
    CHECK(c1.requests - c0.requests == want_requests && c1.ranges - c0.ranges == want_ranges,
          "%s: 3 scattered blocks in %llu request(s) (want %llu), %llu ranges (want %llu)", url,
          (unsigned long long)(c1.requests - c0.requests), (unsigned long long)want_requests,
          (unsigned long long)(c1.ranges - c0.ranges), (unsigned long long)want_ranges);
    /* (backwards: reads going forward would fetch the next block ahead, a request racing the counts) */
    rf_range adj[3] = {{32 * K, K, buf + 2 * K}, {31 * K, K, buf + K}, {30 * K, K, buf}};
    CHECK(rf_source_read_many(a, adj, 3, &err) == RF_OK && !memcmp(buf, want.data + 30 * K, 3 * K),
          "%s: adjacent ranges read back equal: %s", url, err.msg);
    remote_get_counters(&c2);
    CHECK(c2.requests - c1.requests == 1 && c2.ranges - c1.ranges == 1,
          "%s: 3 adjacent blocks: %llu request(s), %llu range(s) (want 1, 1)", url,
          (unsigned long long)(c2.requests - c1.requests), (unsigned long long)(c2.ranges - c1.ranges));
    CHECK(rf_source_open(url, &o, &b, &err) == RF_OK, "second open: %s", err.msg);
    if (b) {
        same = rf_source_read(b, 30 * K + 1, buf, 1000, &err) == RF_OK && !memcmp(buf, want.data + 30 * K + 1, 1000);
        remote_get_counters(&c3);
        CHECK(same && c3.requests == c2.requests, "%s: a second source shares the cache (%llu new requests)", url,
              (unsigned long long)(c3.requests - c2.requests));
        rf_source_close(b);
    }
    rf_source_close(a);
    free(want.data);
}

typedef struct {
    const char *url;
    const blob *want;
    int seed, bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    rf_source_options o = small_cache();
    rf_source *src;
    rf_error err;
    if (rf_source_open(w->url, &o, &src, &err) != RF_OK) {
        printf("  thread open: %s\n", err.msg);
        w->bad = 1;
        return NULL;
    }
    w->bad = scatter_reads(src, w->want, (uint64_t)w->seed * 7919, 150);
    rf_source_close(src);
    return NULL;
}

static void check_threads(const char *base, const char *served)
{
    char url[1024], path[1024];
    url_of(url, sizeof url, base, "external/uproot-HZZ.root");
    snprintf(path, sizeof path, "%s/external/uproot-HZZ.root", served);
    blob want = load(path);
    worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){url, &want, i + 1, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        bad += w[i].bad;
    }
    CHECK(bad == 0, "%s: 4 threads, one source each, read equal bytes", url);
    free(want.data);
}

static void expect_error(const char *base, const char *rel, rf_status code, const char *words, int retries)
{
    char url[1024];
    url_of(url, sizeof url, base, rel);
    rf_source_options o;
    rf_source_options_init(&o);
    o.retries = retries;
    rf_source *src = NULL;
    rf_error err = {0};
    rf_status st = rf_source_open(url, &o, &src, &err);
    CHECK(st == code && strstr(err.msg, url) && strstr(err.msg, words), "%s: %s (%s), want %s with '%s'", url,
          rf_status_name(st), err.msg, rf_status_name(code), words);
    rf_source_close(src);
}

static void check_http(const char *served)
{
    const char *http = getenv("ROOTFEED_HTTP"), *https = getenv("ROOTFEED_HTTPS");
    CHECK(http && https, "ROOTFEED_HTTP and ROOTFEED_HTTPS set (run under servers.py --http)");
    if (!http || !https)
        return;
    check_contents(http, served);
    check_contents(https, served);
    check_coalescing(http, served, "bytes.bin", 1, 3);
    check_coalescing(https, served, "bytes.bin", 1, 3);
    /* a server that refuses multi-range requests: one request refused, then one per range */
    check_coalescing(http, served, "single/bytes.bin", 4, 6);
    check_coalescing(http, served, "moved/bytes.bin", 1, 3); /* redirected */
    check_threads(http, served);
    check_threads(https, served);
    expect_error(http, "missing/x.root", RF_ERR_NO_FILE, "no such file (HTTP 404)", 5);
    expect_error(http, "secret/x.root", RF_ERR_IO, "access denied (HTTP 403)", 5);
    expect_error(http, "login/x.root", RF_ERR_IO, "authentication required (HTTP 401)", 5);
    remote_counters c0, c1;
    remote_get_counters(&c0);
    expect_error(http, "broken/x.root", RF_ERR_IO, "after 3 attempts: ", 2);
    remote_get_counters(&c1);
    CHECK(c1.retries - c0.retries == 2, "HTTP 503: retried twice (%llu)", (unsigned long long)(c1.retries - c0.retries));
}

static void check_xrootd(const char *served)
{
    const char *xrd = getenv("ROOTFEED_XROOTD");
    CHECK(xrd != NULL, "ROOTFEED_XROOTD set (run under servers.py --xrootd)");
    if (!xrd)
        return;
    check_contents(xrd, served);
    check_coalescing(xrd, served, "bytes.bin", 1, 3); /* (a vector read of 3 chunks) */
    check_threads(xrd, served);
    expect_error(xrd, "missing.root", RF_ERR_NO_FILE, "no such file", 2);
}

/* The fault test's client: "ok REQUESTS RETRIES" when every byte matches. threads > 0:
 * the whole file in one read, which goes out as `threads` or more requests at once. */
static int cat(const char *url, const char *local, int retries, int timeout_ms, int threads)
{
    blob want = load(local);
    rf_source_options o = small_cache();
    o.retries = retries;
    o.timeout_ms = timeout_ms;
    o.threads = threads > 0 ? threads : o.threads;
    rf_source *src;
    rf_error err;
    if (rf_source_open(url, &o, &src, &err) != RF_OK) {
        printf("error: %s\n", err.msg);
        free(want.data);
        return 1;
    }
    uint8_t *buf = malloc(want.size + 1);
    uint64_t s = 99;
    rf_status st = RF_OK;
    if (threads > 0) /* a read this large goes straight to buf */
        st = rf_source_read(src, 0, buf, want.size, &err);
    for (size_t off = 0; threads <= 0 && off < want.size && !st;) { /* forward in uneven pieces */
        size_t n = 1 + (size_t)(rnd(&s) % 100000);
        n = n < want.size - off ? n : want.size - off;
        st = rf_source_read(src, off, buf + off, n, &err);
        off += n;
    }
    uint64_t size = rf_source_size(src);
    rf_source_close(src);
    remote_counters c;
    remote_get_counters(&c);
    if (st)
        printf("error: %s\n", err.msg);
    else if (size != want.size || memcmp(buf, want.data, want.size))
        printf("CORRUPT: bytes differ from %s\n", local);
    else
        printf("ok %llu %llu\n", (unsigned long long)c.requests, (unsigned long long)c.retries);
    free(buf);
    free(want.data);
    return st != RF_OK;
}

int main(int argc, char **argv)
{
    if ((argc == 6 || argc == 7) && !strcmp(argv[1], "cat"))
        return cat(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), argc == 7 ? atoi(argv[6]) : 0);
    const char *served = getenv("ROOTFEED_SERVED");
    if (argc != 2 || !served) {
        fprintf(stderr, "usage: servers.py ... -- test_remote http|xrootd\n");
        return 2;
    }
    if (!strcmp(argv[1], "http"))
        check_http(served);
    else
        check_xrootd(served);
    return check_summary();
}
