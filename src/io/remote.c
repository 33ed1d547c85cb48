/* remote.c - the block cache of remote files (see remote.h): the registry that shares one
 * cache per URL, reads and views that wait for their blocks, read-ahead and advice that
 * start fetches without waiting, eviction within the memory limit, and the completion of
 * fetches that backends report from their own threads. One mutex per file guards its blocks;
 * a condition variable wakes the readers when fetches finish. */
#include "remote.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error.h"
#include "source.h"

#define MAX_FETCH_BYTES ((size_t)16 << 20) /* one request carries at most this much */

enum { B_EMPTY, B_LOADING, B_READY, B_FAILED };

typedef struct rblock {
    uint8_t *data;
    uint64_t used; /* tick of the last use (LRU) */
    uint32_t pins; /* readers using the bytes: not evicted */
    uint8_t state;
} rblock;

struct remote_file {
    char *url;
    const remote_backend *be;
    void *impl;
    uint64_t size;
    size_t bsize, nblocks;
    rblock *blocks;
    size_t *resident; /* blocks holding memory (loading or ready) */
    size_t nresident, resident_cap, max_resident;
    int threads;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t tick;
    int refs, inflight;
    atomic_int closing;
    rf_error fail; /* the last failed fetch's error */
    remote_file *next;
};

/* A read into the caller's buffer: the fetches it waits for. */
typedef struct remote_job {
    int pending;
    rf_status st;
    rf_error err;
} remote_job;

typedef struct remote_source {
    rf_source base;
    remote_file *f;
    size_t pinned; /* block of the last view, SIZE_MAX: none */
    size_t next;   /* block after the last read (forward reads trigger read-ahead) */
} remote_source;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static remote_file *registry;
static _Atomic uint64_t counters[4];

void remote_count(uint64_t requests, uint64_t ranges, uint64_t bytes, uint64_t retries)
{
    counters[0] += requests;
    counters[1] += ranges;
    counters[2] += bytes;
    counters[3] += retries;
}

void remote_get_counters(remote_counters *out)
{
    *out = (remote_counters){counters[0], counters[1], counters[2], counters[3]};
}

int remote_cancelled(const remote_fetch *f) { return atomic_load(&f->file->closing); }

/* ------------------------------------------------------------------ memory */

static void drop_resident(remote_file *f, size_t k)
{
    rblock *b = &f->blocks[f->resident[k]];
    free(b->data);
    b->data = NULL;
    b->state = B_EMPTY;
    f->resident[k] = f->resident[--f->nresident];
}

/* Makes room for one more block: evicts the least recently used unpinned ready block when
 * the file is at its limit. Returns 0 when nothing can go (then only a waiting read may
 * exceed the limit). */
static int make_room(remote_file *f)
{
    if (f->nresident < f->max_resident)
        return 1;
    size_t victim = SIZE_MAX;
    for (size_t k = 0; k < f->nresident; k++) {
        rblock *b = &f->blocks[f->resident[k]];
        if (b->state == B_READY && !b->pins && (victim == SIZE_MAX || b->used < f->blocks[f->resident[victim]].used))
            victim = k;
    }
    if (victim == SIZE_MAX)
        return 0;
    drop_resident(f, victim);
    return 1;
}

static size_t block_len(const remote_file *f, size_t b)
{
    uint64_t start = (uint64_t)b * f->bsize;
    return f->size - start < f->bsize ? (size_t)(f->size - start) : f->bsize;
}

/* Gives block b memory and marks it loading; 0 when the limit forbids it (demand reads
 * may exceed the limit) or memory is short. */
static int claim(remote_file *f, size_t b, int demand)
{
    if (!make_room(f) && !demand)
        return 0;
    if (f->nresident == f->resident_cap) {
        size_t cap = f->resident_cap * 2;
        size_t *r = realloc(f->resident, cap * sizeof *r);
        if (!r)
            return 0;
        f->resident = r;
        f->resident_cap = cap;
    }
    rblock *bl = &f->blocks[b];
    if (!(bl->data = malloc(block_len(f, b))))
        return 0;
    bl->state = B_LOADING;
    bl->used = ++f->tick;
    f->resident[f->nresident++] = b;
    return 1;
}

/* ------------------------------------------------------------------ fetches */

static remote_fetch *new_fetch(remote_file *f, size_t n, remote_job *job)
{
    remote_fetch *x = calloc(1, sizeof *x + n * (sizeof(rf_range) + sizeof(size_t)));
    if (!x)
        return NULL;
    x->file = f;
    x->ranges = (rf_range *)(x + 1);
    x->blocks = (size_t *)(x->ranges + n);
    x->job = job;
    return x;
}

/* Gives back a claimed block that will not be fetched. */
static void unclaim(remote_file *f, size_t b)
{
    for (size_t k = 0; k < f->nresident; k++)
        if (f->resident[k] == b) {
            drop_resident(f, k);
            return;
        }
}

/* Cuts ranges (sorted; blk[i] the block of each, or blk NULL for a caller's buffer) into
 * fetches: up to f->threads of about equal bytes, none above MAX_FETCH_BYTES, pushed on
 * *list for submit_all. Out of memory: the blocks not planned are given back, RF_ERR_NOMEM. */
static rf_status plan(remote_file *f, const rf_range *r, const size_t *blk, size_t n, remote_job *job,
                      remote_fetch **list, rf_error *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += r[i].size;
    size_t groups = n < (size_t)f->threads ? n : (size_t)f->threads;
    uint64_t per = groups ? (total + groups - 1) / groups : 0;
    if (per > MAX_FETCH_BYTES)
        per = MAX_FETCH_BYTES;
    for (size_t i = 0; i < n;) {
        size_t k = i;
        uint64_t bytes = 0;
        while (k < n && (k == i || bytes + r[k].size <= per))
            bytes += r[k++].size;
        remote_fetch *x = new_fetch(f, k - i, job);
        if (!x) {
            for (size_t j = i; blk && j < n; j++)
                unclaim(f, blk[j]);
            return rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", f->url);
        }
        for (; i < k; i++) {
            x->ranges[x->n] = r[i];
            x->blocks[x->n++] = blk ? blk[i] : SIZE_MAX;
        }
        x->next = *list;
        *list = x;
        f->inflight++;
        if (job)
            job->pending++;
    }
    return RF_OK;
}

/* Plans the fetch of claimed blocks list[0..n) (ascending). */
static rf_status plan_blocks(remote_file *f, const size_t *list, size_t n, remote_fetch **out, rf_error *err)
{
    rf_range *r = malloc((n ? n : 1) * sizeof *r);
    if (!r) {
        for (size_t i = 0; i < n; i++)
            unclaim(f, list[i]);
        return rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", f->url);
    }
    for (size_t i = 0; i < n; i++)
        r[i] = (rf_range){(uint64_t)list[i] * f->bsize, block_len(f, list[i]), f->blocks[list[i]].data};
    rf_status st = plan(f, r, list, n, NULL, out, err);
    free(r);
    return st;
}

/* Hands planned fetches to the backend; called without the file's lock (a backend may
 * finish a fetch at once). */
static void submit_all(remote_file *f, remote_fetch *list)
{
    while (list) {
        remote_fetch *next = list->next;
        f->be->submit(f->impl, list);
        list = next;
    }
}

void remote_fetch_done(remote_fetch *x)
{
    remote_file *f = x->file;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < x->n; i++) {
        if (x->blocks[i] == SIZE_MAX)
            continue;
        if (x->st) {
            unclaim(f, x->blocks[i]);
            f->blocks[x->blocks[i]].state = B_FAILED;
        } else {
            f->blocks[x->blocks[i]].state = B_READY;
        }
    }
    if (x->st)
        f->fail = x->err;
    if (x->job) {
        x->job->pending--;
        if (x->st && !x->job->st) {
            x->job->st = x->st;
            x->job->err = x->err;
        }
    }
    f->inflight--;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
    free(x);
}

/* ------------------------------------------------------------------ reads */

static void pin(remote_file *f, size_t b0, size_t b1, int delta)
{
    for (size_t b = b0; b <= b1; b++) {
        f->blocks[b].pins += (uint32_t)delta;
        f->blocks[b].used = f->tick;
    }
}

static void unpin_view(remote_source *rs)
{
    if (rs->pinned != SIZE_MAX)
        pin(rs->f, rs->pinned, rs->pinned, -1);
    rs->pinned = SIZE_MAX;
}

/* Claims the empty blocks of [b0, b1] (demand) and, for a forward read, up to `threads`
 * blocks after b1 as read-ahead; plans their fetch. A failed block gives its error (and is
 * emptied so that the next read tries again). */
static rf_status request_blocks(remote_source *rs, size_t b0, size_t b1, int ahead, remote_fetch **list,
                                rf_error *err)
{
    remote_file *f = rs->f;
    size_t extra = ahead ? (size_t)f->threads : 0, n = 0;
    size_t *want = malloc((b1 - b0 + 1 + extra) * sizeof *want);
    RF_CHECK(want, err, RF_ERR_NOMEM, "%s: out of memory", f->url);
    rf_status st = RF_OK;
    for (size_t b = b0; b <= b1 && !st; b++) {
        rblock *bl = &f->blocks[b];
        if (bl->state == B_FAILED) {
            bl->state = B_EMPTY;
            if (err)
                *err = f->fail;
            st = f->fail.code ? f->fail.code : RF_ERR_IO;
        } else if (bl->state == B_EMPTY) {
            if (claim(f, b, 1))
                want[n++] = b;
            else
                st = rf_fail(err, RF_ERR_NOMEM, "%s: out of memory for block %zu", f->url, b);
        }
    }
    for (size_t b = b1 + 1; !st && b < f->nblocks && b <= b1 + extra; b++)
        if (f->blocks[b].state == B_EMPTY && claim(f, b, 0))
            want[n++] = b;
    rf_status ps = plan_blocks(f, want, n, list, err);
    free(want);
    return st ? st : ps;
}

static int all_ready(const remote_file *f, size_t b0, size_t b1)
{
    for (size_t b = b0; b <= b1; b++)
        if (f->blocks[b].state != B_READY)
            return 0;
    return 1;
}

/* With the lock held and [b0, b1] pinned: waits until those blocks are ready, fetching what
 * is missing. */
static rf_status wait_blocks(remote_source *rs, size_t b0, size_t b1, rf_error *err)
{
    remote_file *f = rs->f;
    int ahead = b0 + 1 >= rs->next && b0 <= rs->next;
    rs->next = b1 + 1;
    for (;;) {
        remote_fetch *list = NULL;
        rf_status st = request_blocks(rs, b0, b1, ahead, &list, err);
        ahead = 0;
        if (list) {
            pthread_mutex_unlock(&f->lock);
            submit_all(f, list);
            pthread_mutex_lock(&f->lock);
        }
        if (st)
            return st;
        if (all_ready(f, b0, b1))
            return RF_OK;
        pthread_cond_wait(&f->cond, &f->lock);
    }
}

/* A large read straight into buf: block-sized ranges fetched in parallel. */
static rf_status read_direct(remote_file *f, uint64_t offset, uint8_t *buf, size_t n, rf_error *err)
{
    size_t count = (n + f->bsize - 1) / f->bsize;
    rf_range *r = malloc(count * sizeof *r);
    RF_CHECK(r, err, RF_ERR_NOMEM, "%s: out of memory", f->url);
    for (size_t i = 0; i < count; i++) {
        size_t at = i * f->bsize;
        r[i] = (rf_range){offset + at, n - at < f->bsize ? n - at : f->bsize, buf + at};
    }
    remote_job job = {0};
    remote_fetch *list = NULL;
    pthread_mutex_lock(&f->lock);
    rf_status st = plan(f, r, NULL, count, &job, &list, err);
    pthread_mutex_unlock(&f->lock);
    free(r);
    submit_all(f, list);
    pthread_mutex_lock(&f->lock);
    while (job.pending)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    if (!st && job.st && err)
        *err = job.err;
    return st ? st : job.st;
}

static rf_status check_range(rf_source *s, uint64_t offset, size_t n, rf_error *err)
{
    RF_CHECK(offset <= s->size && n <= s->size - offset, err, RF_ERR_IO,
             "%s: read of %zu bytes at offset %llu runs past the end of the file (%llu bytes)", s->name, n,
             (unsigned long long)offset, (unsigned long long)s->size);
    return RF_OK;
}

static rf_status remote_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    remote_source *rs = (remote_source *)s;
    remote_file *f = rs->f;
    RF_TRY(check_range(s, offset, n, err));
    pthread_mutex_lock(&f->lock);
    unpin_view(rs);
    pthread_mutex_unlock(&f->lock);
    if (n == 0)
        return RF_OK;
    if (n > f->max_resident * f->bsize / 4)
        return read_direct(f, offset, buf, n, err);
    size_t b0 = (size_t)(offset / f->bsize), b1 = (size_t)((offset + n - 1) / f->bsize);
    pthread_mutex_lock(&f->lock);
    f->tick++;
    pin(f, b0, b1, 1);
    rf_status st = wait_blocks(rs, b0, b1, err);
    for (size_t b = b0; !st && b <= b1; b++) {
        uint64_t start = (uint64_t)b * f->bsize;
        uint64_t from = offset > start ? offset : start;
        uint64_t to = offset + n < start + f->bsize ? offset + n : start + f->bsize;
        memcpy((uint8_t *)buf + (from - offset), f->blocks[b].data + (from - start), (size_t)(to - from));
    }
    pin(f, b0, b1, -1);
    pthread_mutex_unlock(&f->lock);
    return st;
}

static rf_status remote_view_at(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err)
{
    remote_source *rs = (remote_source *)s;
    remote_file *f = rs->f;
    RF_TRY(check_range(s, offset, n, err));
    size_t b = (size_t)(offset / f->bsize);
    RF_CHECK(n && (offset + n - 1) / f->bsize == b, err, RF_ERR_UNSUPPORTED,
             "%s: %zu bytes at %llu cross a cache block", s->name, n, (unsigned long long)offset);
    pthread_mutex_lock(&f->lock);
    unpin_view(rs);
    f->tick++;
    pin(f, b, b, 1);
    rf_status st = wait_blocks(rs, b, b, err);
    if (st)
        pin(f, b, b, -1);
    else {
        rs->pinned = b;
        *p = f->blocks[b].data + (offset - (uint64_t)b * f->bsize);
    }
    pthread_mutex_unlock(&f->lock);
    return st;
}

/* Starts fetching the blocks of ranges that are not cached, while memory allows. */
static rf_status remote_advise(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    remote_file *f = ((remote_source *)s)->f;
    size_t cap = 64, count = 0;
    size_t *want = malloc(cap * sizeof *want);
    RF_CHECK(want, err, RF_ERR_NOMEM, "%s: out of memory", f->url);
    pthread_mutex_lock(&f->lock);
    f->tick++;
    int room = 1;
    for (size_t i = 0; i < n && room; i++) {
        if (!ranges[i].size || ranges[i].offset >= f->size)
            continue;
        uint64_t end = ranges[i].offset + ranges[i].size;
        size_t b1 = (size_t)(((end < f->size ? end : f->size) - 1) / f->bsize);
        for (size_t b = (size_t)(ranges[i].offset / f->bsize); b <= b1 && room; b++) {
            rblock *bl = &f->blocks[b];
            bl->used = f->tick;
            if (bl->state != B_EMPTY && bl->state != B_FAILED)
                continue;
            if (count == cap) {
                size_t *w = realloc(want, 2 * cap * sizeof *w);
                if (!(room = w != NULL))
                    break;
                want = w;
                cap *= 2;
            }
            if ((room = claim(f, b, 0)))
                want[count++] = b;
        }
    }
    /* ranges may come in any order: fetches want ascending blocks */
    for (size_t i = 1; i < count; i++)
        for (size_t j = i; j > 0 && want[j - 1] > want[j]; j--) {
            size_t t = want[j];
            want[j] = want[j - 1];
            want[j - 1] = t;
        }
    remote_fetch *list = NULL;
    rf_status st = plan_blocks(f, want, count, &list, err);
    pthread_mutex_unlock(&f->lock);
    free(want);
    submit_all(f, list);
    return st;
}

static rf_status remote_read_many(rf_source *s, const rf_range *ranges, size_t n, rf_error *err)
{
    for (size_t i = 0; i < n; i++)
        RF_TRY(check_range(s, ranges[i].offset, ranges[i].size, err));
    RF_TRY(remote_advise(s, ranges, n, err));
    return rf_source_read_many_loop(s, ranges, n, err);
}

/* ------------------------------------------------------------------ open and close */

static void free_file(remote_file *f)
{
    atomic_store(&f->closing, 1);
    pthread_mutex_lock(&f->lock);
    while (f->inflight)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
    if (f->impl)
        f->be->close(f->impl);
    for (size_t k = 0; k < f->nresident; k++)
        free(f->blocks[f->resident[k]].data);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f->resident);
    free(f->blocks);
    free(f->url);
    free(f);
}

static void release_file(remote_file *f)
{
    pthread_mutex_lock(&registry_lock);
    int last = --f->refs == 0;
    if (last)
        for (remote_file **p = &registry; *p; p = &(*p)->next)
            if (*p == f) {
                *p = f->next;
                break;
            }
    pthread_mutex_unlock(&registry_lock);
    if (last)
        free_file(f);
}

static void remote_close(rf_source *s)
{
    remote_source *rs = (remote_source *)s;
    pthread_mutex_lock(&rs->f->lock);
    unpin_view(rs);
    pthread_mutex_unlock(&rs->f->lock);
    release_file(rs->f);
    free(s->name);
    free(rs);
}

static size_t clamp(size_t v, size_t lo, size_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A new file object: the backend opens the URL; its first bytes become block 0. */
static rf_status new_file(const remote_backend *be, const char *url, const rf_source_options *o, remote_file **out,
                          rf_error *err)
{
    remote_file *f = calloc(1, sizeof *f);
    RF_CHECK(f, err, RF_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->be = be;
    f->refs = 1;
    f->bsize = clamp(o->readahead, (size_t)64 << 10, (size_t)8 << 20);
    f->threads = (int)clamp(o->threads > 0 ? (size_t)o->threads : 1, 1, 64);
    f->max_resident = clamp(o->memory_limit / f->bsize, 4, SIZE_MAX / 2);
    f->resident_cap = 16;
    f->url = strdup(url);
    f->resident = malloc(f->resident_cap * sizeof *f->resident);
    uint8_t *head = malloc(f->bsize);
    size_t head_len = 0;
    rf_status st = f->url && f->resident && head ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "out of memory");
    if (!st)
        st = be->open(url, o, &f->impl, &f->size, head, f->bsize, &head_len, err);
    if (!st) {
        f->nblocks = (size_t)((f->size + f->bsize - 1) / f->bsize);
        f->blocks = calloc(f->nblocks ? f->nblocks : 1, sizeof *f->blocks);
        st = f->blocks ? RF_OK : rf_fail(err, RF_ERR_NOMEM, "%s: out of memory for %zu blocks", url, f->nblocks);
    }
    if (!st && f->nblocks && head_len == block_len(f, 0)) {
        f->blocks[0] = (rblock){.data = head, .state = B_READY};
        f->resident[f->nresident++] = 0;
        head = NULL;
    }
    free(head);
    if (st) {
        free_file(f);
        return st;
    }
    *out = f;
    return RF_OK;
}

/* The registry's file for (be, url) with one more reference, or NULL. */
static remote_file *find_file(const remote_backend *be, const char *url)
{
    for (remote_file *f = registry; f; f = f->next)
        if (f->be == be && !strcmp(f->url, url)) {
            f->refs++;
            return f;
        }
    return NULL;
}

rf_status remote_open(const remote_backend *be, const char *url, const rf_source_options *opt, rf_source **out,
                      rf_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&registry_lock);
    remote_file *f = find_file(be, url);
    pthread_mutex_unlock(&registry_lock);
    if (!f) {
        remote_file *mine = NULL;
        RF_TRY(new_file(be, url, opt, &mine, err));
        pthread_mutex_lock(&registry_lock);
        f = find_file(be, url); /* another thread may have opened it meanwhile */
        if (!f) {
            f = mine;
            f->next = registry;
            registry = f;
            mine = NULL;
        }
        pthread_mutex_unlock(&registry_lock);
        if (mine)
            free_file(mine);
    }
    remote_source *rs = calloc(1, sizeof *rs);
    char *name = strdup(url);
    if (!rs || !name) {
        free(rs);
        free(name);
        release_file(f);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    rs->f = f;
    rs->pinned = SIZE_MAX;
    rs->base = (rf_source){.read_at = remote_read_at, .read_many = remote_read_many, .close = remote_close,
                           .view_at = remote_view_at, .advise = remote_advise, .size = f->size, .name = name};
    *out = &rs->base;
    return RF_OK;
}
