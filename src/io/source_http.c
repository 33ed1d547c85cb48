/* source_http.c - the HTTP(S) backend of remote files (remote.h) over libcurl. One engine
 * thread drives one curl multi handle for the whole process while any HTTP file is open:
 * its connection pool is shared by every file, so connections are reused per host (and
 * HTTP/2 multiplexes the requests of a host over one connection). A fetch becomes one GET
 * whose Range header lists its runs (adjacent ranges merged); a server that refuses
 * multi-range requests (answers 200, or ranges it did not cover) gets one request per run
 * from then on. Answers are parsed by http_parse.c and copied only when every range is
 * complete, so a failed or partial transfer never leaves wrong bytes behind.
 *
 * Failures: connection errors, stalls (no byte for timeout_ms), truncated bodies and HTTP
 * 408/429/5xx are retried up to `retries` times after 0.1, 0.2, 0.4 ... s (at most 5 s);
 * 404/410 are RF_ERR_NO_FILE, 401/403/407 and other answers RF_ERR_IO, each naming the URL.
 * Opening asks for the first block with a range request, which also gives the size.
 *
 * At most MAX_HOST_CONNECTIONS requests to one host are in flight: the engine holds the others
 * until one ends, so that a request's timeout runs only while it is being served (libcurl
 * would queue them for a connection with their clocks running). */
#include "remote.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../common/error.h"
#include "http_parse.h"

#define MAX_HOST_CONNECTIONS 8
#define BACKOFF_MS 100
#define BACKOFF_MAX_MS 5000

typedef struct http_file {
    char *url;
    size_t origin;           /* the length of the URL's scheme://host:port */
    uint64_t size;
    int retries;
    long timeout_ms;
    atomic_int single_range; /* the server did not take a multi-range request */
} http_file;

/* The requests of one fetch (more than one when its runs go one per request). */
typedef struct http_batch {
    remote_fetch *fetch;
    int pending;
} http_batch;

/* The first request of a file, made by open, which waits for it. */
typedef struct http_probe {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished;
    rf_status st;
    rf_error err;
    size_t head_len;
} http_probe;

typedef struct http_req {
    http_file *hf;
    http_batch *batch;   /* or probe */
    http_probe *probe;
    const rf_range *ranges; /* the ranges this request fills */
    size_t n;
    uint8_t *done;
    char *range;         /* the Range header's value */
    size_t nruns;
    CURL *easy;
    http_resp resp;
    uint8_t *body;
    size_t len, cap, limit;
    int ignored;         /* the server sent more than was asked (it ignored the ranges) */
    int attempt;
    curl_off_t seen;     /* bytes received when last seen progressing, */
    long active;         /* at this time (ms) */
    int stalled;
    struct timespec due; /* when a retry may start */
    char curl_err[CURL_ERROR_SIZE];
    struct http_req *next; /* in the queue, the waiting list or the running list */
} http_req;

static struct {
    pthread_mutex_t users_lock; /* engine start and stop */
    int users;
    pthread_t thread;
    pthread_mutex_t lock;       /* the lists below and stop */
    CURLM *multi;
    http_req *queue, *waiting;
    int stop;
    http_req *running;          /* transfers in the multi handle (the engine thread's own) */
    http_req *held;             /* requests waiting for a connection to their host (the same) */
} eng = {.users_lock = PTHREAD_MUTEX_INITIALIZER, .lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------------ requests */

static size_t on_header(char *p, size_t size, size_t n, void *u)
{
    http_header_line(&((http_req *)u)->resp, p, size * n);
    return size * n;
}

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
    http_req *r = u;
    n *= size;
    if (n > r->limit - r->len) {
        r->ignored = 1;
        return 0; /* (aborts the transfer) */
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + n)
            cap *= 2;
        cap = cap < r->limit ? cap : r->limit;
        uint8_t *b = realloc(r->body, cap);
        if (!b)
            return 0;
        r->body = b;
        r->cap = cap;
    }
    memcpy(r->body + r->len, p, n);
    r->len += n;
    return n;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec * 1000 + t.tv_nsec / 1000000);
}

/* Aborts a cancelled transfer, and one that received nothing for timeout_ms (curl's own
 * low-speed check averages over several seconds). */
static int on_progress(void *u, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)ultotal, (void)ulnow;
    http_req *r = u;
    long now = now_ms();
    if (dlnow != r->seen) {
        r->seen = dlnow;
        r->active = now;
    }
    r->stalled = now - r->active > r->hf->timeout_ms;
    return r->stalled || (r->batch && remote_cancelled(r->batch->fetch));
}

/* The Range header value of ranges[0..n) with adjacent ranges merged; NULL when out of memory. */
static char *range_header(const rf_range *ranges, size_t n, size_t *nruns)
{
    char *s = malloc(n * 42 + 1);
    if (!s)
        return NULL;
    size_t len = 0;
    *nruns = 0;
    for (size_t i = 0; i < n;) {
        uint64_t first = ranges[i].offset, end = first + ranges[i].size;
        while (++i < n && ranges[i].offset == end)
            end += ranges[i].size;
        len += (size_t)sprintf(s + len, "%s%llu-%llu", len ? "," : "", (unsigned long long)first,
                               (unsigned long long)end - 1);
        (*nruns)++;
    }
    return s;
}

static http_req *new_req(http_file *hf, http_batch *batch, const rf_range *ranges, size_t n)
{
    http_req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->hf = hf;
    r->batch = batch;
    r->ranges = ranges;
    r->n = n;
    r->done = malloc(n ? n : 1);
    r->range = range_header(ranges, n, &r->nruns);
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++)
        want += ranges[i].size;
    r->limit = (size_t)want + 256 * r->nruns + 4096; /* room for multipart headers */
    if (!r->done || !r->range) {
        free(r->done);
        free(r->range);
        free(r);
        return NULL;
    }
    return r;
}

static void free_req(http_req *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    free(r->body);
    free(r->done);
    free(r->range);
    free(r);
}

static CURL *make_easy(http_req *r)
{
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    const char *ca = getenv("CURL_CA_BUNDLE");
    if (!ca)
        ca = getenv("SSL_CERT_FILE");
    curl_easy_setopt(e, CURLOPT_URL, r->hf->url);
    curl_easy_setopt(e, CURLOPT_RANGE, r->range);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->hf->timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "rootfeed/" "0.1");
    if (ca)
        curl_easy_setopt(e, CURLOPT_CAINFO, ca);
    return e;
}

/* ------------------------------------------------------------------ the engine */

static void wake(void)
{
    if (eng.multi)
        curl_multi_wakeup(eng.multi);
}

static void enqueue(http_req *r)
{
    pthread_mutex_lock(&eng.lock);
    r->next = eng.queue;
    eng.queue = r;
    wake();
    pthread_mutex_unlock(&eng.lock);
}

static long ms_until(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000);
}

/* Ends a request: the probe's waiter or the batch learns the outcome. */
static void finish(http_req *r, rf_status st, const rf_error *err)
{
    if (r->probe) {
        http_probe *p = r->probe;
        pthread_mutex_lock(&p->lock);
        p->st = st;
        if (st)
            p->err = *err;
        p->finished = 1;
        pthread_cond_signal(&p->cond);
        pthread_mutex_unlock(&p->lock);
        return; /* (open frees the probe's request) */
    }
    http_batch *b = r->batch;
    if (st && !b->fetch->st) {
        b->fetch->st = st;
        b->fetch->err = *err;
    }
    free_req(r);
    if (--b->pending == 0) {
        remote_fetch_done(b->fetch);
        free(b);
    }
}

typedef enum { DONE, RETRY, SPLIT } verdict;

/* The answer to open's request for the first bytes: the size (from Content-Range, or the
 * whole body of a 200) and those bytes. */
static verdict judge_probe(http_req *r, rf_status *st, rf_error *err)
{
    const http_resp *h = &r->resp;
    uint8_t *head = r->ranges[0].dst;
    if (h->status == 200) {
        r->hf->size = r->len;
    } else if (h->has_range && h->first == 0 && h->total >= 0 && h->last - h->first + 1 == r->len) {
        r->hf->size = (uint64_t)h->total;
    } else {
        rf_fail(err, RF_ERR_IO, "%s: the answer to a range request gives no usable Content-Range", r->hf->url);
        return RETRY;
    }
    r->probe->head_len = r->len < r->ranges[0].size ? r->len : r->ranges[0].size;
    if (r->probe->head_len)
        memcpy(head, r->body, r->probe->head_len);
    *st = RF_OK;
    return DONE;
}

/* What a finished transfer means: its bytes copied out (DONE, RF_OK), an error to retry
 * (RETRY), a multi-range request to send again one run at a time (SPLIT), or a final error. */
static verdict judge(http_req *r, CURLcode rc, rf_status *st, rf_error *err)
{
    const char *url = r->hf->url;
    int code = r->resp.status;
    *st = RF_ERR_IO;
    if (rc == CURLE_WRITE_ERROR && r->ignored) {
        if (r->nruns > 1)
            return SPLIT;
        rf_fail(err, RF_ERR_IO, "%s: the server ignores range requests (it sent more than the %zu bytes asked)",
                url, r->limit);
        return DONE;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK && r->stalled) {
        rf_fail(err, RF_ERR_IO, "%s: no data for %ld ms", url, r->hf->timeout_ms);
        return RETRY;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        rf_fail(err, RF_ERR_IO, "%s: read cancelled (file closed)", url);
        return DONE;
    }
    if (rc != CURLE_OK) {
        rf_fail(err, RF_ERR_IO, "%s: %s", url, r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
        return rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT ||
                       rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_TOO_MANY_REDIRECTS || rc == CURLE_OUT_OF_MEMORY
                   ? DONE : RETRY;
    }
    if (code == 404 || code == 410) {
        *st = rf_fail(err, RF_ERR_NO_FILE, "%s: no such file (HTTP %d)", url, code);
        return DONE;
    }
    if (code == 401 || code == 407) {
        rf_fail(err, RF_ERR_IO, "%s: authentication required (HTTP %d)", url, code);
        return DONE;
    }
    if (code == 403) {
        rf_fail(err, RF_ERR_IO, "%s: access denied (HTTP 403)", url);
        return DONE;
    }
    if (code == 408 || code == 429 || code >= 500) {
        rf_fail(err, RF_ERR_IO, "%s: server error (HTTP %d)", url, code);
        return RETRY;
    }
    if (code == 416 && r->probe && r->resp.has_range == 0 && r->resp.total == 0) {
        r->hf->size = 0; /* an empty file */
        *st = RF_OK;
        return DONE;
    }
    if (code != 200 && code != 206) {
        rf_fail(err, RF_ERR_IO, "%s: unexpected answer HTTP %d to a range request", url, code);
        return DONE;
    }
    if (r->probe)
        return judge_probe(r, st, err);
    int64_t total;
    if (http_fill(&r->resp, r->body, r->len, r->ranges, r->n, r->done, &total, url, err))
        return RETRY;
    if (r->hf->size != UINT64_MAX && total >= 0 && (uint64_t)total != r->hf->size) {
        rf_fail(err, RF_ERR_IO, "%s: the file changed on the server (%lld bytes, %llu when opened)", url,
                (long long)total, (unsigned long long)r->hf->size);
        return DONE;
    }
    if (r->hf->size == UINT64_MAX && total >= 0)
        r->hf->size = (uint64_t)total;
    for (size_t i = 0; i < r->n; i++)
        if (!r->done[i]) {
            rf_fail(err, RF_ERR_IO, "%s: the answer lacks bytes %llu-%llu", url,
                    (unsigned long long)r->ranges[i].offset,
                    (unsigned long long)(r->ranges[i].offset + r->ranges[i].size - 1));
            return r->nruns > 1 ? SPLIT : RETRY;
        }
    *st = RF_OK;
    return DONE;
}

/* Sends the runs of a refused multi-range request one per request (r becomes the first). */
static void split(http_req *r)
{
    atomic_store(&r->hf->single_range, 1);
    size_t i = 1;
    while (i < r->n && r->ranges[i].offset == r->ranges[i - 1].offset + r->ranges[i - 1].size)
        i++;
    http_req *rest = new_req(r->hf, r->batch, r->ranges + i, r->n - i);
    rf_error err;
    if (!rest) {
        finish(r, rf_fail(&err, RF_ERR_NOMEM, "%s: out of memory", r->hf->url), &err);
        return;
    }
    r->batch->pending++;
    r->n = i;
    free(r->range);
    r->range = range_header(r->ranges, r->n, &r->nruns);
    if (!r->range) {
        finish(r, rf_fail(&err, RF_ERR_NOMEM, "%s: out of memory", r->hf->url), &err);
        r = NULL;
    }
    if (r)
        enqueue(r);
    if (rest->nruns > 1)
        split(rest);
    else
        enqueue(rest);
}

static void reset_transfer(http_req *r)
{
    curl_easy_cleanup(r->easy);
    r->easy = NULL;
    r->len = 0;
    r->ignored = 0;
    r->seen = 0;
    r->stalled = 0;
    r->curl_err[0] = 0;
    http_resp_reset(&r->resp);
}

static void completed(http_req *r, CURLcode rc)
{
    rf_status st;
    rf_error err = {0};
    verdict v = judge(r, rc, &st, &err);
    remote_count(1, r->nruns, r->len, 0);
    if (v == RETRY && r->batch && remote_cancelled(r->batch->fetch))
        v = DONE;
    if (v == RETRY && r->attempt < r->hf->retries) {
        long ms = BACKOFF_MS << (r->attempt < 6 ? r->attempt : 6);
        r->attempt++;
        reset_transfer(r);
        clock_gettime(CLOCK_MONOTONIC, &r->due);
        r->due.tv_sec += (ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS) / 1000;
        r->due.tv_nsec += (ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS) % 1000 * 1000000;
        if (r->due.tv_nsec >= 1000000000) {
            r->due.tv_sec++;
            r->due.tv_nsec -= 1000000000;
        }
        remote_count(0, 0, 0, 1);
        pthread_mutex_lock(&eng.lock);
        r->next = eng.waiting;
        eng.waiting = r;
        pthread_mutex_unlock(&eng.lock);
        return;
    }
    if (v == SPLIT) {
        reset_transfer(r);
        split(r);
        return;
    }
    if (v == RETRY && r->attempt)
        rf_wrap(&err, err.code, "after %d attempts: ", r->attempt + 1);
    finish(r, st, &err);
}

/* The transfers running to the host of hf. */
static int running_to(const http_file *hf)
{
    int n = 0;
    for (const http_req *r = eng.running; r; r = r->next)
        n += r->hf->origin == hf->origin && !strncasecmp(r->hf->url, hf->url, hf->origin);
    return n;
}

/* Starts the transfers of held requests, then of queued ones and of retries that are due, as
 * far as their hosts' connections allow; the others are held, in that order. */
static void start_ready(void)
{
    http_req **tail = &eng.held;
    while (*tail)
        tail = &(*tail)->next;
    pthread_mutex_lock(&eng.lock);
    http_req *fifo = NULL;
    for (http_req *r = eng.queue, *next; r; r = next) { /* (the queue is newest first) */
        next = r->next;
        r->next = fifo;
        fifo = r;
    }
    eng.queue = NULL;
    for (*tail = fifo; *tail;)
        tail = &(*tail)->next;
    for (http_req **p = &eng.waiting; *p;) {
        if (ms_until(&(*p)->due) <= 0) {
            http_req *r = *p;
            *p = r->next;
            r->next = NULL;
            *tail = r;
            tail = &r->next;
        } else {
            p = &(*p)->next;
        }
    }
    pthread_mutex_unlock(&eng.lock);
    for (http_req **p = &eng.held; *p;) {
        http_req *r = *p;
        if (running_to(r->hf) >= MAX_HOST_CONNECTIONS) {
            p = &r->next;
            continue;
        }
        *p = r->next;
        rf_error err;
        r->active = now_ms();
        if (!(r->easy = make_easy(r)) || curl_multi_add_handle(eng.multi, r->easy) != CURLM_OK) {
            finish(r, rf_fail(&err, RF_ERR_IO, "%s: cannot start a transfer", r->hf->url), &err);
        } else {
            r->next = eng.running;
            eng.running = r;
        }
    }
}

/* Takes r out of the multi handle and the running list. */
static void remove_transfer(http_req *r)
{
    http_req **p = &eng.running;
    while (*p != r)
        p = &(*p)->next;
    *p = r->next;
    curl_multi_remove_handle(eng.multi, r->easy);
}

/* Ends as stalled the transfers that saw nothing for timeout_ms and more. The progress
 * callback does so first, while libcurl calls it: this catches a transfer libcurl parked
 * where it calls nothing (libcurl 7.88 keeps a transfer waiting for a connection in a list
 * it never polls, and a retry after a refused connection once waited there for good). */
static void end_stalled(void)
{
    long now = now_ms();
    for (http_req *r = eng.running, *next; r; r = next) {
        next = r->next;
        if (now - r->active > r->hf->timeout_ms + 1000) {
            remove_transfer(r); /* (may call the progress callback) */
            r->stalled = 1;
            completed(r, CURLE_ABORTED_BY_CALLBACK);
        }
    }
}

/* How long the engine may sleep: until the next retry is due, at most 1 s; 0 when requests
 * are queued or the engine must stop. */
static int idle_ms(void)
{
    long wait = 1000;
    pthread_mutex_lock(&eng.lock);
    for (http_req *r = eng.waiting; r; r = r->next) {
        long ms = ms_until(&r->due);
        wait = ms < wait ? ms : wait;
    }
    if (eng.queue || eng.stop)
        wait = 0;
    pthread_mutex_unlock(&eng.lock);
    return (int)(wait > 0 ? wait : 0);
}

static void *engine_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&eng.lock);
        int stop = eng.stop;
        pthread_mutex_unlock(&eng.lock);
        if (stop)
            return NULL;
        int running, left;
        curl_multi_perform(eng.multi, &running);
        CURLMsg *m;
        while ((m = curl_multi_info_read(eng.multi, &left)))
            if (m->msg == CURLMSG_DONE) {
                http_req *r;
                CURLcode rc = m->data.result;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
                remove_transfer(r);
                completed(r, rc);
            }
        end_stalled();
        start_ready(); /* (a transfer added makes the poll return at once) */
        curl_multi_poll(eng.multi, NULL, 0, idle_ms(), NULL);
    }
}

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static rf_status engine_acquire(rf_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    pthread_mutex_lock(&eng.users_lock);
    rf_status st = RF_OK;
    if (eng.users == 0) {
        if (!(eng.multi = curl_multi_init())) {
            st = rf_fail(err, RF_ERR_IO, "libcurl cannot start");
        } else {
            /* (the engine's own limit counts by the URL opened; this one, redirects too) */
            curl_multi_setopt(eng.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_HOST_CONNECTIONS);
            eng.stop = 0;
            if (pthread_create(&eng.thread, NULL, engine_main, NULL) != 0) {
                curl_multi_cleanup(eng.multi);
                eng.multi = NULL;
                st = rf_fail(err, RF_ERR_IO, "cannot start the HTTP thread");
            }
        }
    }
    eng.users += st == RF_OK;
    pthread_mutex_unlock(&eng.users_lock);
    return st;
}

static void engine_release(void)
{
    pthread_mutex_lock(&eng.users_lock);
    if (--eng.users == 0) {
        pthread_mutex_lock(&eng.lock);
        eng.stop = 1;
        wake();
        pthread_mutex_unlock(&eng.lock);
        pthread_join(eng.thread, NULL);
        curl_multi_cleanup(eng.multi);
        eng.multi = NULL;
    }
    pthread_mutex_unlock(&eng.users_lock);
}

/* ------------------------------------------------------------------ the backend */

static void http_submit(void *impl, remote_fetch *f)
{
    http_file *hf = impl;
    http_batch *b = calloc(1, sizeof *b);
    http_req *r = b ? new_req(hf, b, f->ranges, f->n) : NULL;
    if (!r) {
        free(b);
        f->st = rf_fail(&f->err, RF_ERR_NOMEM, "%s: out of memory", hf->url);
        remote_fetch_done(f);
        return;
    }
    b->fetch = f;
    b->pending = 1;
    if (r->nruns > 1 && atomic_load(&hf->single_range))
        split(r);
    else
        enqueue(r);
}

static void http_close(void *impl)
{
    http_file *hf = impl;
    free(hf->url);
    free(hf);
    engine_release();
}

/* Asks for the first head_cap bytes: the answer gives them and the file's size. */
static rf_status http_open(const char *url, const rf_source_options *opt, void **impl, uint64_t *size,
                           uint8_t *head, size_t head_cap, size_t *head_len, rf_error *err)
{
    http_file *hf = calloc(1, sizeof *hf);
    char *u = strdup(url);
    if (!hf || !u) {
        free(hf);
        free(u);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    hf->url = u;
    const char *host = strstr(u, "://");
    host = host ? host + 3 : u;
    hf->origin = (size_t)(host + strcspn(host, "/?#") - u);
    hf->size = UINT64_MAX;
    hf->retries = opt->retries > 0 ? opt->retries : 0;
    hf->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 30000;
    rf_status st = engine_acquire(err);
    if (st) {
        free(hf->url);
        free(hf);
        return st;
    }
    http_probe p = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    rf_range first = {0, head_cap, head};
    http_req *r = new_req(hf, NULL, &first, 1);
    if (!r) {
        http_close(hf);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    r->probe = &p;
    enqueue(r);
    pthread_mutex_lock(&p.lock);
    while (!p.finished)
        pthread_cond_wait(&p.cond, &p.lock);
    pthread_mutex_unlock(&p.lock);
    free_req(r);
    if (p.st) {
        if (err)
            *err = p.err;
        http_close(hf);
        return p.st;
    }
    *impl = hf;
    *size = hf->size;
    *head_len = p.head_len;
    return RF_OK;
}

const remote_backend remote_http = {"HTTP", http_open, http_submit, http_close};
