/* safefile.c - complete-or-nothing file writes (see safefile.h). The temporary lives in the
 * target's directory so that the final rename stays on one filesystem. An unnamed O_TMPFILE
 * temporary vanishes by itself when its process dies; it gets a name (linkat through
 * /proc/self/fd) only at commit, just before the rename. A named temporary carries its
 * process id and is locked (flock) while its process lives: the next sf_open in that directory
 * removes those whose process is gone and whose lock is free. */
#define _GNU_SOURCE
#include "safefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/error.h"

#define PREFIX ".rootfeed-tmp-"

/* The directory part of path ("." when there is none); malloc'ed. */
static char *dir_of(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    return strndup(path, (size_t)(s - path));
}

/* Removes the named temporaries of dead processes from dir. */
static void clean_stale(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        long pid = strtol(e->d_name + strlen(PREFIX), NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

/* A fresh temporary name beside target: PREFIX PID-N-BASENAME (BASENAME cut to fit). */
static char *temp_name(const char *target)
{
    static unsigned counter;
    char *dir = dir_of(target), *name = NULL;
    const char *base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
    size_t n = dir ? strlen(dir) + strlen(base) + 64 : 0;
    if (dir && (name = malloc(n)))
        snprintf(name, n, "%s/" PREFIX "%ld-%u-%.180s", dir, (long)getpid(), counter++, base);
    free(dir);
    return name;
}

static rf_status open_named(sf_file *f, rf_error *err)
{
    for (int tries = 0; tries < 100; tries++) {
        free(f->temp);
        f->temp = temp_name(f->target);
        RF_CHECK(f->temp, err, RF_ERR_NOMEM, "out of memory");
        f->fd = open(f->temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd >= 0)
            return RF_OK;
        if (errno != EEXIST)
            break;
    }
    return rf_fail(err, RF_ERR_IO, "%s: cannot create a temporary file beside it: %s", f->target, strerror(errno));
}

static int named_forced(void)
{
    const char *v = getenv("ROOTFEED_NAMED_TEMP");
    return v && !strcmp(v, "1");
}

/* The file to replace: path, or what the symbolic link path points to. */
static char *resolve(const char *path)
{
    struct stat st;
    char *real = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : NULL;
    return real ? real : strdup(path);
}

rf_status sf_open(const char *path, sf_file *f, rf_error *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->target = resolve(path);
    RF_CHECK(f->target, err, RF_ERR_NOMEM, "out of memory");
    struct stat st;
    int exists = stat(f->target, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        sf_abort(f);
        return rf_fail(err, RF_ERR_IO, "%s: not a regular file (rootfeed replaces regular files only)", path);
    }
    char *dir = dir_of(f->target);
    if (!dir) {
        sf_abort(f);
        return rf_fail(err, RF_ERR_NOMEM, "out of memory");
    }
    clean_stale(dir);
    if (!named_forced() && access("/proc/self/fd", X_OK) == 0)
        f->fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    free(dir);
    rf_status s = f->fd >= 0 ? RF_OK : open_named(f, err);
    if (s != RF_OK) {
        sf_abort(f);
        return s;
    }
    flock(f->fd, LOCK_EX | LOCK_NB);
    if (exists)
        fchmod(f->fd, st.st_mode & 07777);
    return RF_OK;
}

/* Gives the unnamed temporary a name (so that rename can put it in place). */
static rf_status link_unnamed(sf_file *f, rf_error *err)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
    for (int tries = 0; tries < 100; tries++) {
        f->temp = temp_name(f->target);
        RF_CHECK(f->temp, err, RF_ERR_NOMEM, "out of memory");
        if (linkat(AT_FDCWD, proc, AT_FDCWD, f->temp, AT_SYMLINK_FOLLOW) == 0)
            return RF_OK;
        free(f->temp);
        f->temp = NULL;
        if (errno != EEXIST)
            break;
    }
    return rf_fail(err, RF_ERR_IO, "%s: cannot name the finished temporary file: %s", f->target, strerror(errno));
}

static void sync_dir(const char *target)
{
    char *dir = dir_of(target);
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

rf_status sf_commit(sf_file *f, rf_error *err)
{
    rf_status s = RF_OK;
    if (fsync(f->fd) != 0)
        s = rf_fail(err, RF_ERR_IO, "%s: writing to disk failed: %s", f->target, strerror(errno));
    if (s == RF_OK && !f->temp)
        s = link_unnamed(f, err);
    if (s == RF_OK && rename(f->temp, f->target) != 0)
        s = rf_fail(err, RF_ERR_IO, "%s: cannot put the new file in place: %s", f->target, strerror(errno));
    if (s != RF_OK) {
        sf_abort(f);
        return s;
    }
    free(f->temp);
    f->temp = NULL;
    sync_dir(f->target);
    if (close(f->fd) != 0)
        s = rf_fail(err, RF_ERR_IO, "%s: close failed: %s", f->target, strerror(errno));
    f->fd = -1;
    sf_abort(f);
    return s;
}

void sf_abort(sf_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->temp)
        unlink(f->temp);
    free(f->temp);
    free(f->target);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}
