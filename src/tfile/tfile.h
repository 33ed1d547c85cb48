/* tfile.h - the ROOT container: file header, TKey, directories, lookup by path, and reading
 * an object's (decompressed) payload. Formats build on this; it never decodes columns. */
#ifndef RF_TFILE_H
#define RF_TFILE_H

#include <stdint.h>

#include "rootfeed.h"
#include "../codec/codec.h"
#include "../io/source.h"

typedef struct rf_key {
    int32_t nbytes;   /* key + stored payload */
    int16_t version;  /* > 1000: 64-bit seeks */
    int32_t objlen;   /* uncompressed payload length */
    int16_t keylen;
    int16_t cycle;
    int64_t seek_key; /* file offset of the key */
    int64_t seek_pdir;
    char *class_name, *name, *title; /* owned; freed by rf_key_clear */
} rf_key;

typedef struct rf_dir rf_dir;
struct rf_dir {
    int64_t seek_keys;
    size_t nkeys;
    rf_key *keys;      /* as listed, every cycle */
};

struct rf_file {
    rf_source *src;
    char *name;
    int32_t version;   /* ROOT version, e.g. 62004 */
    int big;           /* 64-bit header */
    int64_t begin, end, seek_info;
    int32_t nbytes_info;
    int32_t compress;  /* fCompress, intent only */
    rf_dir root;
    rf_codec *codec;
};

/* rf_file_open_source (a file over an existing source) is public: rootfeed_source.h. */

/* Parses a TKey header at file offset off (reads at most max bytes of it). */
rf_status rf_key_read(rf_file *f, int64_t off, rf_key *key, rf_error *err);
/* Parses a TKey header from memory; *used receives the header's parsed length. */
rf_status rf_key_parse(const uint8_t *p, size_t n, rf_key *key, size_t *used, rf_error *err);
void rf_key_clear(rf_key *key);

/* Finds "dir/sub/name" or "name;cycle" (highest cycle without one); key is a copy the
 * caller clears. Not found: RF_ERR_NOT_FOUND naming the path. */
rf_status rf_tfile_find_key(rf_file *f, const char *path, rf_key *key, rf_error *err);

/* Reads the key's payload, decompressed: *out (malloc'd, caller frees) of key->objlen bytes
 * (or nbytes - keylen when stored raw). */
rf_status rf_key_read_payload(rf_file *f, const rf_key *key, uint8_t **out, size_t *len, rf_error *err);

/* Reads `nbytes` stored bytes at file offset `seek` and decompresses them into `len` bytes
 * of dst (a plain copy when nbytes == len). For RNTuple envelopes and pages and for baskets. */
rf_status rf_tfile_read_blob(rf_file *f, int64_t seek, size_t nbytes, uint8_t *dst, size_t len,
                             rf_error *err);

/* Loads the key list of the directory whose record is at file offset `seek_dir`. */
rf_status rf_dir_load(rf_file *f, int64_t seek_dir, rf_dir *dir, rf_error *err);
void rf_dir_clear(rf_dir *dir);

#endif
