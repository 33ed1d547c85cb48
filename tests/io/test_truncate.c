/* test_truncate.c - a file that shrinks under an open rf_file gives RF_ERR_IO naming the file
 * and the offset, never a crash (SIGBUS on the mapping): truncated before a read, in the
 * middle of reading by another thread and by another process, at a page boundary and inside
 * a page, TTree and RNTuple, compressed and stored, mapped and with ROOTFEED_IO=pread. Also:
 * a SIGBUS outside rootfeed's mappings still reaches the handler that was installed before,
 * and rootfeed's handler comes back when the action was reset to the default since. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/check.h"
#include "rootfeed.h"
#include "rootfeed_writer.h"

#define ENTRIES 200000
static char dir[4096];

/* Writes a table of ENTRIES entries: x = i/2 (float), n = i (int32), y = i/4 (double) and a
 * jagged v with i % 4 items of value i. */
static int write_table(const char *path, rf_format format, int compression)
{
    rf_writer_options opt;
    rf_writer_options_init(&opt);
    opt.format = format;
    opt.compression = compression;
    rf_writer *w;
    rf_error err;
    if (rf_writer_open(path, "t", &opt, &w, &err) != RF_OK) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    const char *names[4] = {"x", "n", "y", "v"};
    rf_dtype dt[4] = {RF_FLOAT32, RF_INT32, RF_FLOAT64, RF_FLOAT32};
    rf_column_data c[4];
    for (int k = 0; k < 4; k++) {
        rf_writer_column col = {.name = names[k], .dtype = dt[k], .kind = k == 3 ? RF_KIND_JAGGED : RF_KIND_FLAT};
        rf_writer_add_column(w, &col, NULL);
        rf_column_data_init(&c[k]);
        c[k].dtype = dt[k];
        c[k].nlevels = k == 3;
        c[k].nentries = ENTRIES;
        c[k].values = malloc((size_t)ENTRIES * 8 * (k == 3 ? 4 : 1));
    }
    c[3].offsets[0] = malloc((ENTRIES + 1) * sizeof(int64_t));
    c[3].offsets[0][0] = 0;
    for (int64_t i = 0; i < ENTRIES; i++) {
        ((float *)c[0].values)[i] = (float)i * 0.5f;
        ((int32_t *)c[1].values)[i] = (int32_t)i;
        ((double *)c[2].values)[i] = (double)i * 0.25;
        int64_t o = c[3].offsets[0][i];
        for (int j = 0; j < i % 4; j++)
            ((float *)c[3].values)[o + j] = (float)i;
        c[3].offsets[0][i + 1] = o + i % 4;
    }
    for (int k = 0; k < 3; k++)
        c[k].nvalues = ENTRIES;
    c[3].nvalues = c[3].offsets[0][ENTRIES];
    rf_status s = rf_writer_append(w, c, 4, &err);
    for (int k = 0; k < 4; k++)
        rf_column_data_free(&c[k]);
    if (s != RF_OK || rf_writer_close(w, &err) != RF_OK) {
        printf("writer: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* Reads every column in full and checks the values of x; returns the first error. */
static rf_status read_all(rf_table *t, rf_error *err)
{
    rf_column_data d;
    rf_column_data_init(&d);
    rf_status s = RF_OK;
    for (size_t c = 0; c < rf_table_ncolumns(t) && s == RF_OK; c++) {
        if (rf_table_column(t, c)->unsupported)
            continue;
        s = rf_table_read(t, c, 0, rf_table_entries(t), &d, err);
        if (s == RF_OK && !strcmp(rf_table_column(t, c)->name, "x"))
            for (int64_t i = 0; i < ENTRIES; i += 997)
                if (((float *)d.values)[i] != (float)i * 0.5f) {
                    err->code = s = RF_ERR_FORMAT;
                    snprintf(err->msg, sizeof err->msg, "wrong value of x at entry %lld", (long long)i);
                    break;
                }
    }
    rf_column_data_free(&d);
    return s;
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static int truncate_to(const char *path, uint64_t size)
{
    int fd = open(path, O_WRONLY);
    int r = fd >= 0 ? ftruncate(fd, (off_t)size) : -1;
    if (fd >= 0)
        close(fd);
    return r;
}

/* Opens path's table "t"; 0 on failure (counted). */
static int open_table(const char *path, rf_file **f, rf_table **t)
{
    rf_error err;
    rf_status s = rf_file_open(path, f, &err);
    if (s == RF_OK && (s = rf_table_open(*f, "t", t, &err)) != RF_OK)
        rf_file_close(*f);
    CHECK(s == RF_OK, "%s: open: %s", path, err.msg);
    return s == RF_OK;
}

/* The error of a read of a truncated file: RF_ERR_IO, naming the file and an offset. */
static void check_io_error(rf_status s, const rf_error *err, const char *path, const char *what)
{
    CHECK(s == RF_ERR_IO, "%s: %s: expected RF_ERR_IO, got %s: %s", path, what, rf_status_name(s),
          s ? err->msg : "");
    CHECK(s != RF_OK && strstr(err->msg, path) && strstr(err->msg, "offset"),
          "%s: %s: message should name the file and the offset: %s", path, what, err->msg);
}

/* Truncated after open, before the first read: at a page boundary and inside a page. */
static void truncated_before_read(const char *path, uint64_t cut)
{
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (!open_table(path, &f, &t))
        return;
    CHECK(truncate_to(path, cut) == 0, "%s: truncate: %s", path, strerror(errno));
    rf_status s = read_all(t, &err);
    check_io_error(s, &err, path, "read after truncation");
    s = read_all(t, &err); /* still an error, also for bytes before the cut */
    CHECK(s == RF_ERR_IO, "%s: second read: expected RF_ERR_IO, got %s", path, rf_status_name(s));
    rf_table_close(t);
    rf_file_close(f);
}

/* Truncated between opening the file and opening the table (metadata through read_at). */
static void truncated_before_table(const char *path, uint64_t size)
{
    rf_file *f;
    rf_table *t = NULL;
    rf_error err;
    CHECK(rf_file_open(path, &f, &err) == RF_OK, "%s: %s", path, err.msg);
    CHECK(truncate_to(path, size / 3) == 0, "%s: truncate", path);
    rf_status s = rf_table_open(f, "t", &t, &err);
    CHECK(s == RF_ERR_IO, "%s: table open after truncation: expected RF_ERR_IO, got %s: %s", path,
          rf_status_name(s), s ? err.msg : "");
    rf_table_close(t);
    rf_file_close(f);
}

typedef struct {
    const char *path;
    uint64_t cut;
    int delay_ms;
} cutter;

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *cut_later(void *p)
{
    cutter *c = p;
    sleep_ms(c->delay_ms);
    truncate_to(c->path, c->cut);
    return NULL;
}

/* Reads the table over and over (correct values each time) until a read fails; the file is
 * truncated meanwhile by a thread (process 0) or by a child process (process 1). */
static void truncated_while_reading(const char *path, uint64_t size, int process)
{
    rf_file *f;
    rf_table *t;
    rf_error err;
    if (!open_table(path, &f, &t))
        return;
    cutter c = {path, size / 4, 30};
    pthread_t th;
    pid_t child = -1;
    if (process) {
        child = fork();
        if (child == 0) {
            cut_later(&c);
            _exit(0);
        }
    } else
        pthread_create(&th, NULL, cut_later, &c);
    rf_status s = RF_OK;
    int passes = 0;
    double t0 = (double)time(NULL);
    while (s == RF_OK && (double)time(NULL) - t0 < 10) {
        s = read_all(t, &err);
        passes += s == RF_OK;
    }
    if (process)
        waitpid(child, NULL, 0);
    else
        pthread_join(th, NULL);
    check_io_error(s, &err, path, process ? "truncated by another process" : "truncated by another thread");
    printf("%s: %d correct passes, then: %s\n", path, passes, s ? err.msg : "no error");
    rf_table_close(t);
    rf_file_close(f);
}

/* The test's own SIGBUS handler, to check that faults rootfeed does not own reach it. */
static sigjmp_buf foreign_jb;
static volatile int foreign_faults;

static void foreign_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    foreign_faults++;
    siglongjmp(foreign_jb, 1);
}

static void install_foreign(void)
{
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = foreign_handler;
    act.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&act.sa_mask);
    sigaction(SIGBUS, &act, NULL);
}

/* Touches a page past the end of a file mapped by the test itself (not by rootfeed): the
 * SIGBUS must reach foreign_handler. */
static void foreign_fault(const char *tag)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/rf_truncate_%d_foreign.bin", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    long page = sysconf(_SC_PAGESIZE);
    CHECK(fd >= 0 && ftruncate(fd, 2 * page) == 0, "%s: create", path);
    volatile uint8_t *m = mmap(NULL, (size_t)(2 * page), PROT_READ, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED && ftruncate(fd, page) == 0, "%s: map", path);
    int before = foreign_faults;
    if (!sigsetjmp(foreign_jb, 1))
        (void)m[page]; /* past the end: SIGBUS */
    CHECK(foreign_faults == before + 1, "%s: a fault outside rootfeed's mappings did not reach the earlier handler",
          tag);
    munmap((void *)m, (size_t)(2 * page));
    close(fd);
    unlink(path);
}

/* One file: written, read intact, then truncated in each way (rewritten in between). */
static void run_file(rf_format format, int compression, const char *mode)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/rf_truncate_%d_%s_%d_%s.root", dir, (int)getpid(),
             format == RF_FORMAT_TTREE ? "ttree" : "rntuple", compression, mode);
    if (strcmp(mode, "mmap"))
        setenv("ROOTFEED_IO", mode, 1);
    else
        unsetenv("ROOTFEED_IO");
    long page = sysconf(_SC_PAGESIZE);
    for (int step = 0; step < 5; step++) {
        if (write_table(path, format, compression)) {
            CHECK(0, "%s: could not write", path);
            break;
        }
        uint64_t size = file_size(path);
        rf_file *f;
        rf_table *t;
        rf_error err;
        if (step == 0 && open_table(path, &f, &t)) { /* intact: reads and values are right */
            rf_status s = read_all(t, &err);
            CHECK(s == RF_OK, "%s: intact read: %s", path, err.msg);
            rf_table_close(t);
            rf_file_close(f);
        }
        if (step == 0)
            truncated_before_read(path, size / 2 / (uint64_t)page * (uint64_t)page);
        else if (step == 1)
            truncated_before_read(path, size / 2 + 123); /* inside a page */
        else if (step == 2)
            truncated_before_table(path, size);
        else
            truncated_while_reading(path, size, step == 4);
    }
    unlink(path);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s", tmp && *tmp ? tmp : "/tmp");
    install_foreign(); /* before rootfeed's handler exists: rootfeed must chain to it */
    run_file(RF_FORMAT_TTREE, 0, "mmap");
    foreign_fault("handler installed before rootfeed's");
    run_file(RF_FORMAT_TTREE, 505, "mmap");
    run_file(RF_FORMAT_RNTUPLE, 505, "mmap");
    run_file(RF_FORMAT_RNTUPLE, 0, "mmap");
    signal(SIGBUS, SIG_DFL); /* as faulthandler.disable() does: the next open installs it again */
    run_file(RF_FORMAT_TTREE, 404, "mmap");
    run_file(RF_FORMAT_TTREE, 0, "pread"); /* stored: bigger than pread's read-ahead window */
    run_file(RF_FORMAT_RNTUPLE, 0, "pread");
    return check_summary();
}
