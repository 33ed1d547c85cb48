/* safefile.h - writing a file so that it appears complete or not at all. The bytes go to a
 * temporary in the target's directory: an unnamed one (O_TMPFILE) where the filesystem allows,
 * else a named one ".rootfeed-tmp-PID-N-BASENAME". sf_commit flushes it to disk and puts it in
 * place with one rename; sf_abort (or a crash, or kill -9) leaves the target untouched. Named
 * temporaries whose process is gone (killed before it could clean up) are removed by the next
 * sf_open in that directory. A target that is a symbolic link is written through the link.
 *
 * ROOTFEED_NAMED_TEMP=1 in the environment forces named temporaries (tests of the cleanup). */
#ifndef RF_WRITER_SAFEFILE_H
#define RF_WRITER_SAFEFILE_H

#include "rootfeed.h"

typedef struct sf_file {
    int fd;        /* write here (pwrite at any offset is fine) */
    char *target;  /* the file sf_commit replaces (symbolic links resolved) */
    char *temp;    /* the named temporary, or NULL for an unnamed one */
} sf_file;

/* Creates the temporary for path; f->fd is open for writing. */
rf_status sf_open(const char *path, sf_file *f, rf_error *err);
/* fsync, put the temporary in place of the target, fsync the directory; closes f. */
rf_status sf_commit(sf_file *f, rf_error *err);
/* Closes f and removes its temporary; the target keeps its old bytes. Accepts a closed f. */
void sf_abort(sf_file *f);

#endif
