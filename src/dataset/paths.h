/* paths.h - the pure half of rf_path_expand (paths.c): where a path spec's file part ends
 * and its object part starts, without looking at the filesystem. Kept apart for the fuzzer. */
#ifndef RF_DATASET_PATHS_H
#define RF_DATASET_PATHS_H

#include <stddef.h>

/* Length of a URL's "scheme://" prefix ("root://", "https://", ...), 0 when spec is no URL. */
size_t rf_url_scheme_len(const char *spec);

/* Offset where the path part of spec starts: after "scheme://authority" for URLs (the
 * host[:port] of "root://host:1094//eos/f.root"), else 0. No object colon can come before. */
size_t rf_path_body_start(const char *spec);

/* The colons of spec at or after `from` that may separate the file from the object, right to
 * left: the n-th one (n = 0 is the last) as an offset, or -1 when there is none. A colon
 * followed by nothing is no separator. */
long rf_path_colon(const char *spec, size_t from, int n);

#endif
