/* tfile_w.h - writing the TFile container: header, root directory, records (TKey + payload,
 * compressed with the file's setting when that pays), the StreamerInfo record, the key list
 * and the free-segment record. Records are appended in order; a key whose offset passes
 * 2000000000 gets 64-bit seeks (key version 1004), and the header and directory switch to
 * their large layouts at close when needed. */
#ifndef RF_WRITER_TFILE_W_H
#define RF_WRITER_TFILE_W_H

#include <stddef.h>
#include <stdint.h>

#include "rootfeed.h"

typedef struct tfw tfw;

typedef struct tfw_rec {
    const char *cls, *name, *title;
    int cycle;
    int big;                /* force the 64-bit key layout (TBasket keys always use it) */
    int setting;            /* compression setting for the payload: -1 = the file's, 0 = raw */
    const uint8_t *tail;    /* bytes that belong to the key after its strings (basket header) */
    size_t ntail;
    int listed;             /* add the key to the root directory's key list */
} tfw_rec;

typedef struct tfw_key {
    uint64_t seek;      /* offset of the record */
    uint32_t nbytes;    /* key + stored payload */
    uint32_t objlen;    /* uncompressed payload */
    uint32_t keylen;
} tfw_key;

rf_status tfw_open(const char *path, const char *title, int setting, tfw **out, rf_error *err);
/* Appends a record; out (may be NULL) receives where it went. */
rf_status tfw_write(tfw *w, const tfw_rec *r, const uint8_t *payload, size_t len, tfw_key *out,
                    rf_error *err);
/* Appends raw bytes that are part of no record (they must follow a key written with room for
 * them, e.g. RNTuple pages inside an RBlob); returns their offset. */
uint64_t tfw_end(const tfw *w);
/* Length of a key header with these strings (64-bit layout if big). */
size_t tfw_key_size(int big, const char *cls, const char *name, const char *title);
/* Whether the next record will get a 64-bit key. */
int tfw_next_big(const tfw *w);
int tfw_setting(const tfw *w);
/* Compresses src with setting into the writer's scratch; returns the stored bytes (src itself
 * when compression does not pay) and their length. */
const uint8_t *tfw_compress(tfw *w, int setting, const uint8_t *src, size_t n, size_t *stored);

/* Writes the streamer infos of these classes, the key list, the free list, the directory and
 * the header, then closes the file. Always frees w. */
rf_status tfw_close(tfw *w, const char *const *classes, size_t nclasses, rf_error *err);
void tfw_abort(tfw *w);

#endif
