/* safe_write.c - the writer's complete-or-nothing files (src/writer/safefile.c), through the
 * public API: a new file appears only at close; an aborted writer, a write that fails (the
 * file-size limit hit mid-write) and a process killed with SIGKILL leave an existing target
 * byte-identical and no temporary behind (named temporaries of dead processes are removed by
 * the next writer in that directory, those of live ones are not); a symbolic link is written
 * through; a target that is not a regular file is refused. Both kinds of temporary are
 * checked: unnamed (O_TMPFILE) and named (ROOTFEED_NAMED_TEMP=1). */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/check.h"
#include "rootfeed.h"

static const char old_bytes[] = "precious data that must survive\n";

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static int same_bytes(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && !memcmp(buf, text, n);
}

/* Number of entries of dir (without . and ..); the names starting with prefix in *with. */
static int count_entries(const char *dir, const char *prefix, int *with)
{
    DIR *d = opendir(dir);
    int n = 0;
    *with = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        *with += !strncmp(e->d_name, prefix, strlen(prefix));
    }
    if (d)
        closedir(d);
    return n;
}

/* Opens a writer on path with one int32 column and appends n entries. */
static rf_writer *start(const char *path, int64_t n, rf_error *err)
{
    rf_writer *w;
    if (rf_writer_open(path, "t", NULL, &w, err) != RF_OK)
        return NULL;
    rf_writer_column c = {.name = "x", .dtype = RF_INT32, .kind = RF_KIND_FLAT};
    rf_column_data d;
    rf_column_data_init(&d);
    d.dtype = RF_INT32;
    d.nentries = d.nvalues = n;
    d.values = calloc((size_t)n + 1, 4);
    for (int64_t i = 0; i < n; i++)
        ((int32_t *)d.values)[i] = (int32_t)(i * 7919);
    rf_status s = rf_writer_add_column(w, &c, err);
    if (s == RF_OK)
        s = rf_writer_append(w, &d, 1, err);
    free(d.values);
    if (s != RF_OK) {
        rf_writer_abort(w);
        return NULL;
    }
    return w;
}

static int64_t entries_of(const char *path)
{
    rf_file *f;
    rf_table *t;
    int64_t n = -1;
    if (rf_file_open(path, &f, NULL) != RF_OK)
        return -1;
    if (rf_table_open(f, "t", &t, NULL) == RF_OK) {
        n = rf_table_entries(t);
        rf_table_close(t);
    }
    rf_file_close(f);
    return n;
}

static void test_new_and_abort(const char *dir, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/new-%s.root", dir, mode);
    rf_error err;
    int tmp, before = count_entries(dir, ".rootfeed-tmp-", &tmp);
    rf_writer *w = start(path, 1000, &err);
    CHECK(w, "%s: open: %s", mode, err.msg);
    CHECK(access(path, F_OK) != 0, "%s: nothing under the target's name before close", mode);
    CHECK(rf_writer_close(w, &err) == RF_OK, "%s: close: %s", mode, err.msg);
    CHECK(entries_of(path) == 1000, "%s: the closed file reads back", mode);
    CHECK(count_entries(dir, ".rootfeed-tmp-", &tmp) == before + 1 && tmp == 0,
          "%s: only the target is new in the directory", mode);

    put(path, old_bytes);
    w = start(path, 5000, &err);
    CHECK(w && same_bytes(path, old_bytes), "%s: the old file is untouched while writing", mode);
    rf_writer_abort(w);
    CHECK(same_bytes(path, old_bytes), "%s: abort leaves the old file byte-identical", mode);
    CHECK(count_entries(dir, ".rootfeed-tmp-", &tmp) == before + 1 && tmp == 0,
          "%s: abort leaves no temporary", mode);

    w = start(path, 3000, &err);
    CHECK(w && rf_writer_close(w, &err) == RF_OK && entries_of(path) == 3000,
          "%s: close replaces an existing file", mode);
    unlink(path);
}

/* A child writes past RLIMIT_FSIZE: the write fails, the target keeps its bytes. */
static void test_failed_write(const char *dir, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fail-%s.root", dir, mode);
    put(path, old_bytes);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit lim = {200000, 200000};
        signal(SIGXFSZ, SIG_IGN);
        setrlimit(RLIMIT_FSIZE, &lim);
        rf_error err;
        rf_writer *w = start(path, 2000000, &err);
        _exit(w && rf_writer_close(w, &err) == RF_OK ? 0 : strstr(err.msg, "fail") ? 3 : 4);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "%s: a write over the size limit fails (status %d)", mode, st);
    int tmp;
    count_entries(dir, ".rootfeed-tmp-", &tmp);
    CHECK(same_bytes(path, old_bytes) && tmp == 0, "%s: a failed write leaves the old file and no temporary",
          mode);
    unlink(path);
}

/* A child killed with SIGKILL mid-write; then the next writer in the directory. */
static void test_killed(const char *dir, int named)
{
    char path[4096], other[4096];
    snprintf(path, sizeof path, "%s/killed.root", dir);
    snprintf(other, sizeof other, "%s/other.root", dir);
    put(path, old_bytes);
    pid_t pid = fork();
    if (pid == 0) {
        rf_writer *w = start(path, 300000, NULL);
        (void)w;
        raise(SIGKILL);
        _exit(0);
    }
    int st = 0, tmp;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed child");
    count_entries(dir, ".rootfeed-tmp-", &tmp);
    CHECK(same_bytes(path, old_bytes), "kill -9 leaves the old file byte-identical");
    CHECK(tmp == named, "kill -9 leaves %d temporaries (%d)", named, tmp);
    rf_error err;
    rf_writer *w = start(other, 10, &err);
    count_entries(dir, ".rootfeed-tmp-", &tmp);
    CHECK(w && tmp == named, "the next writer's own temporary is the only one (%d)", tmp);
    rf_writer_abort(w);
    count_entries(dir, ".rootfeed-tmp-", &tmp);
    CHECK(tmp == 0, "no temporary left after the next writer (%d)", tmp);
    unlink(path);
}

/* A live process's named temporary is not removed by another writer. */
static void test_live_owner(const char *dir)
{
    char path[4096], other[4096];
    snprintf(path, sizeof path, "%s/live.root", dir);
    snprintf(other, sizeof other, "%s/other2.root", dir);
    int go[2], ready[2];
    if (pipe(go) || pipe(ready))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        rf_writer *w = start(path, 1000, NULL);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(w && rf_writer_close(w, NULL) == RF_OK ? 0 : 1);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1, "child started");
    rf_writer *w = start(other, 10, NULL);
    rf_writer_abort(w);
    CHECK(write(go[1], "g", 1) == 1, "child told to finish");
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && entries_of(path) == 1000,
          "a live writer's temporary survives another writer's cleanup");
    close(go[0]), close(go[1]), close(ready[0]), close(ready[1]);
    unlink(path);
}

static void test_symlink(const char *dir)
{
    char real[4096], link[4096];
    snprintf(real, sizeof real, "%s/real.root", dir);
    snprintf(link, sizeof link, "%s/link.root", dir);
    put(real, old_bytes);
    unlink(link);
    CHECK(symlink("real.root", link) == 0, "symlink");
    rf_error err;
    rf_writer *w = start(link, 100, &err);
    CHECK(w && rf_writer_close(w, &err) == RF_OK, "write through a link: %s", err.msg);
    struct stat st;
    CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the link stays a link");
    CHECK(entries_of(real) == 100, "the file the link points to is replaced");
    unlink(link), unlink(real);
}

static void test_not_regular(void)
{
    rf_error err;
    rf_writer *w;
    CHECK(rf_writer_open("/dev/null", "t", NULL, &w, &err) != RF_OK && strstr(err.msg, "not a regular file"),
          "/dev/null is refused: %s", err.msg);
    CHECK(rf_writer_open("/no/such/dir/x.root", "t", NULL, &w, &err) != RF_OK &&
              strstr(err.msg, "/no/such/dir/x.root"), "a missing directory is an error naming the path: %s",
          err.msg);
}

int main(void)
{
    char dir[] = "/tmp/rootfeed-safe-XXXXXX";
    const char *tmpdir = getenv("TMPDIR");
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/rootfeed-safe-XXXXXX", tmpdir ? tmpdir : "/tmp");
    char *d = mkdtemp(tmpdir ? buf : dir);
    if (!d) {
        printf("cannot make a temporary directory\n");
        return 1;
    }
    for (int named = 0; named < 2; named++) {
        setenv("ROOTFEED_NAMED_TEMP", named ? "1" : "0", 1);
        const char *mode = named ? "named" : "unnamed";
        test_new_and_abort(d, mode);
        test_failed_write(d, mode);
        test_killed(d, named);
    }
    test_live_owner(d);
    test_symlink(d);
    test_not_regular();
    int tmp;
    CHECK(count_entries(d, "", &tmp) == 0, "the directory is empty at the end");
    rmdir(d);
    return check_summary();
}
