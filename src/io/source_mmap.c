/* source_mmap.c - local files read through a memory mapping: views are pointers into the
 * page cache, so baskets and pages are decompressed straight from it into the caller's
 * buffer, with no kernel copy (pread's copy was 70 % of an uncompressed read). Views stay
 * valid until close and every call is thread-safe (source.h). Sources open on the same file
 * share one mapping (struct mapping), so its pages are faulted in and counted in RSS once.
 *
 * A file truncated by another process while mapped: touching a page past its new end raises
 * SIGBUS, which would kill the process. The handler installed here looks the fault address up
 * in a registry of our mappings; for one of ours it maps zero pages from the fault to the end
 * of that mapping (every page after a page past the end of file is past it too) and records
 * the offset in the mapping's slot, then returns: the faulting load is retried and reads
 * zeros, the decoder finishes its basket on them, and `check` reports RF_ERR_IO with the
 * offset. Faults outside our mappings go to the handler that was there before (or the
 * default action: the process dies as it would have without us).
 *   Why not a per-thread sigsetjmp guard with siglongjmp out of the handler: the jump would
 * leave the codec libraries in the middle of a call (liblzma allocates per call and would
 * leak, a zstd context would be left mid-frame), and every caller would have to run its
 * decoding in a callback with volatile locals. Zeros need no unwinding, work on any thread,
 * inside any library, and cost nothing on the hot path but one atomic load per check.
 *   What zeros cannot catch: the bytes between the new end of file and the end of its page
 * read as zeros without a fault (POSIX). A read that touches only those bytes, and no later
 * page, is caught only by the decoder's own checks (key headers, compressed-block framing,
 * checksums); an error then is turned into the truncation error by `check` (one fstat on
 * error paths only: fstat is 0.7 us here, longer than reading a small cached column). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/error.h"
#include "source.h"

/* Read-ahead advice at open: the kernel starts reading the whole file in the background
 * (0.13 ms per 100 MB when it is already cached), so that column reads, which jump between
 * the baskets of one branch, do not wait fault by fault on a cold file (cold reads of the
 * NanoAOD-like bench file: 0.24-0.32 s with it, 0.35-0.65 s without; noisy, a shared disk).
 * Past this size only the kernel's own read-ahead on faults: a job reading a few columns of
 * a big file should not pull in all of it. */
#define WILLNEED_MAX ((uint64_t)1 << 30)

/* Mappings the SIGBUS handler knows, read by it without locks. A slot's base is 0 when
 * free, 1 while being filled; len is written before base is published. */
#define MAX_MAPS 4096

typedef struct {
    uintptr_t base;
    size_t len;
    uint64_t fault; /* 0, or 1 + the offset of the first access found past the end of file */
} map_slot;

static map_slot slots[MAX_MAPS];
static size_t slots_used; /* high-water mark, so the handler scans only what was used */
static uintptr_t page_size;
static struct sigaction prev_action; /* the SIGBUS action before ours */
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

/* One mapping of a file, shared by every source open on it (the loader's workers each open
 * the file: one mapping keeps its pages counted once in the process's RSS and faulted in
 * once). Found again by device, inode, size and modification time, unless it saw a fault. */
typedef struct mapping {
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    int fd;
    const uint8_t *map;
    size_t len;
    map_slot *slot;
    int refs;
    struct mapping *next;
} mapping;

static mapping *mappings; /* under maps_lock */
static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    rf_source base;
    mapping *mp;
} map_source;

/* A fault we do not own: pass it to the previous handler, or take the default action. */
static void chain(int sig, siginfo_t *si, void *uc)
{
    struct sigaction p = prev_action;
    int info = (p.sa_flags & SA_SIGINFO) != 0;
    if (info ? p.sa_sigaction != NULL : (p.sa_handler != SIG_DFL && p.sa_handler != SIG_IGN)) {
        if (info)
            p.sa_sigaction(sig, si, uc);
        else
            p.sa_handler(sig);
        return;
    }
    if (!info && p.sa_handler == SIG_IGN && si->si_code <= 0)
        return; /* an ignored kill() */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    if (si->si_code <= 0)
        raise(sig); /* sent, not a fault: deliver it again (pending until we return) */
    /* a fault: returning retries the access, which now gets the default action */
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    size_t used = __atomic_load_n(&slots_used, __ATOMIC_ACQUIRE);
    for (size_t i = 0; si->si_code > 0 && i < used; i++) {
        uintptr_t b = __atomic_load_n(&slots[i].base, __ATOMIC_ACQUIRE);
        if (b <= 1 || a < b || a - b >= slots[i].len)
            continue;
        uintptr_t from = a & ~(page_size - 1), to = (b + slots[i].len + page_size - 1) & ~(page_size - 1);
        if (mmap((void *)from, to - from, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
            break;
        uint64_t none = 0;
        __atomic_compare_exchange_n(&slots[i].fault, &none, (uint64_t)(a - b) + 1, 0, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED);
        return;
    }
    chain(sig, si, uc);
}

/* Installs the handler on the first mapping, and again when the action was reset to the
 * default or to ignore since. A handler someone installs after ours stays (it sees our
 * faults first, and keeps the protection only if it chains to ours, as ours chains): taking
 * its place again could make two handlers that chain to each other loop forever. */
static void install_handler(void)
{
    pthread_mutex_lock(&install_lock);
    struct sigaction cur, act;
    static int installed;
    if (sigaction(SIGBUS, NULL, &cur) == 0 &&
        (!installed || (!(cur.sa_flags & SA_SIGINFO) && (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN)))) {
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        prev_action = cur;
        memset(&act, 0, sizeof act);
        act.sa_sigaction = on_sigbus;
        act.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&act.sa_mask);
        installed = sigaction(SIGBUS, &act, NULL) == 0;
    }
    pthread_mutex_unlock(&install_lock);
}

/* A free registry slot for a mapping, or NULL when all are taken. */
static map_slot *slot_claim(const uint8_t *map, size_t len)
{
    for (size_t i = 0; i < MAX_MAPS; i++) {
        uintptr_t none = 0;
        if (!__atomic_compare_exchange_n(&slots[i].base, &none, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            continue;
        slots[i].len = len;
        __atomic_store_n(&slots[i].fault, 0, __ATOMIC_RELAXED);
        size_t used = __atomic_load_n(&slots_used, __ATOMIC_RELAXED);
        while (used < i + 1 && !__atomic_compare_exchange_n(&slots_used, &used, i + 1, 0, __ATOMIC_RELEASE,
                                                            __ATOMIC_RELAXED))
            ;
        __atomic_store_n(&slots[i].base, (uintptr_t)map, __ATOMIC_RELEASE);
        return &slots[i];
    }
    return NULL;
}

static rf_status map_check(rf_source *s, rf_status st, rf_error *err)
{
    mapping *m = ((map_source *)s)->mp;
    uint64_t fault = __atomic_load_n(&m->slot->fault, __ATOMIC_ACQUIRE);
    if (!fault && st == RF_OK)
        return RF_OK;
    struct stat sb;
    uint64_t now = fstat(m->fd, &sb) == 0 ? (uint64_t)sb.st_size : s->size;
    if (!fault && now >= s->size)
        return st; /* an error of the data, not of the file */
    return rf_fail(err, RF_ERR_IO,
                   "%s: read failed at offset %llu: the file was truncated while it was read (%llu bytes when "
                   "opened, %llu now)", s->name, (unsigned long long)(fault ? fault - 1 : now),
                   (unsigned long long)s->size, (unsigned long long)now);
}

static rf_status map_range(rf_source *s, uint64_t offset, size_t n, rf_error *err)
{
    RF_CHECK(offset <= s->size && n <= s->size - offset, err, RF_ERR_IO,
             "%s: read of %zu bytes at offset %llu runs past the end of the file (%llu bytes)", s->name, n,
             (unsigned long long)offset, (unsigned long long)s->size);
    return RF_OK;
}

static rf_status map_view_at(rf_source *s, uint64_t offset, size_t n, const uint8_t **p, rf_error *err)
{
    RF_TRY(map_range(s, offset, n, err));
    *p = ((map_source *)s)->mp->map + offset;
    return RF_OK;
}

static rf_status map_read_at(rf_source *s, uint64_t offset, void *buf, size_t n, rf_error *err)
{
    RF_TRY(map_range(s, offset, n, err));
    if (n)
        memcpy(buf, ((map_source *)s)->mp->map + offset, n);
    return map_check(s, RF_OK, err);
}

static void map_close(rf_source *s)
{
    mapping *m = ((map_source *)s)->mp;
    free(s->name);
    free(s);
    pthread_mutex_lock(&maps_lock);
    int last = --m->refs == 0;
    if (last) {
        mapping **p = &mappings;
        while (*p != m)
            p = &(*p)->next;
        *p = m->next;
    }
    pthread_mutex_unlock(&maps_lock);
    if (!last)
        return;
    __atomic_store_n(&m->slot->base, 0, __ATOMIC_RELEASE);
    munmap((void *)m->map, m->len);
    close(m->fd);
    free(m);
}

/* Maps fd at an address aligned to 2 MiB, so that the kernel can map the page cache's 2 MiB
 * folios (which read-ahead creates) with one page-table entry each instead of 512: mapping
 * and unmapping an 80 MB file then costs a few hundred faults, not twenty thousand. */
static void *map_aligned(int fd, size_t size)
{
    const size_t align = (size_t)2 << 20;
    if (size < align)
        return mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    uint8_t *r = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED)
        return mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    uint8_t *a = (uint8_t *)(((uintptr_t)r + align - 1) & ~(uintptr_t)(align - 1));
    void *m = mmap(a, size, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    if (m == MAP_FAILED) {
        munmap(r, size + align);
        return m;
    }
    size_t end = ((uintptr_t)a + size + page_size - 1) & ~(uintptr_t)(page_size - 1);
    if (a > r)
        munmap(r, (size_t)(a - r));
    if ((uintptr_t)r + size + align > end)
        munmap((void *)end, (uintptr_t)r + size + align - end);
    return m;
}

/* A new mapping of the open file fd (st: its fstat), with one reference; RF_ERR_UNSUPPORTED
 * when it cannot be mapped. */
static rf_status map_fd(int fd, const char *path, const struct stat *st, mapping **out, rf_error *err)
{
    uint64_t size = (uint64_t)st->st_size;
    RF_CHECK(size > 0 && size <= SIZE_MAX, err, RF_ERR_UNSUPPORTED, "%s: cannot map %llu bytes", path,
             (unsigned long long)size);
    void *map = map_aligned(fd, (size_t)size);
    RF_CHECK(map != MAP_FAILED, err, RF_ERR_UNSUPPORTED, "%s: cannot map: %s", path, strerror(errno));
    if (size <= WILLNEED_MAX)
        madvise(map, (size_t)size, MADV_WILLNEED);
    mapping *m = calloc(1, sizeof *m);
    map_slot *slot = m ? slot_claim(map, (size_t)size) : NULL;
    if (!slot) {
        free(m);
        munmap(map, (size_t)size);
        return rf_fail(err, RF_ERR_UNSUPPORTED, "%s: no memory or registry slot for a mapping", path);
    }
    *m = (mapping){.dev = st->st_dev, .ino = st->st_ino, .mtime = st->st_mtim, .fd = fd, .map = map,
                   .len = (size_t)size, .slot = slot, .refs = 1};
    *out = m;
    return RF_OK;
}

/* Whether m maps the file of st as it is now (and saw no truncation). */
static int same_file(const mapping *m, const struct stat *st)
{
    return m->dev == st->st_dev && m->ino == st->st_ino && m->len == (uint64_t)st->st_size &&
           m->mtime.tv_sec == st->st_mtim.tv_sec && m->mtime.tv_nsec == st->st_mtim.tv_nsec &&
           !__atomic_load_n(&m->slot->fault, __ATOMIC_ACQUIRE);
}

rf_status rf_source_open_mapped(const char *path, rf_source **out, rf_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    RF_CHECK(fd >= 0, err, errno == ENOENT || errno == ENOTDIR ? RF_ERR_NO_FILE : RF_ERR_IO,
             "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rf_fail(err, RF_ERR_IO, "%s: not a regular file", path);
    }
    map_source *src = calloc(1, sizeof *src);
    char *name = strdup(path);
    if (!src || !name) {
        free(src);
        free(name);
        close(fd);
        return rf_fail(err, RF_ERR_NOMEM, "%s: out of memory", path);
    }
    install_handler();
    pthread_mutex_lock(&maps_lock);
    mapping *m = mappings;
    while (m && !same_file(m, &st))
        m = m->next;
    rf_status s = RF_OK;
    if (m) {
        m->refs++;
        close(fd);
    } else if ((s = map_fd(fd, path, &st, &m, err)) == RF_OK) {
        m->next = mappings;
        mappings = m;
    }
    pthread_mutex_unlock(&maps_lock);
    if (s) {
        free(src);
        free(name);
        close(fd);
        return s;
    }
    src->mp = m;
    src->base = (rf_source){.read_at = map_read_at, .read_many = rf_source_read_many_loop, .close = map_close,
                            .view_at = map_view_at, .check = map_check, .size = m->len, .name = name,
                            .stable_views = 1};
    *out = &src->base;
    return RF_OK;
}
