/* error.h - filling rf_error. Parsers return rf_status and write one line into the caller's
 * rf_error; outer layers prepend where they were ("file.root: tree 'events': ") so the
 * message reads from the outside in. RF_CHECK keeps parsing code linear. */
#ifndef RF_ERROR_H
#define RF_ERROR_H

#include "rootfeed.h"

#if defined(__GNUC__)
#define RF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RF_PRINTF(a, b)
#endif

/* Sets err (if not NULL) to code and the formatted message; returns code. */
rf_status rf_fail(rf_error *err, rf_status code, const char *fmt, ...) RF_PRINTF(3, 4);
/* Prepends a formatted context to err's message; returns err's code (RF_OK if err is NULL). */
rf_status rf_wrap(rf_error *err, rf_status code, const char *fmt, ...) RF_PRINTF(3, 4);

#define RF_CHECK(cond, err, code, ...) \
    do { if (!(cond)) return rf_fail((err), (code), __VA_ARGS__); } while (0)
#define RF_TRY(expr) \
    do { rf_status rf_try_s_ = (expr); if (rf_try_s_ != RF_OK) return rf_try_s_; } while (0)

/* Upper bound for a caller's column buffer. */
#define RF_MAX_ALLOC ((uint64_t)1 << 34)
/* Upper bound for one object of a file (key payload, basket, envelope, page): ROOT's own
 * maximum key size is 1 GiB, so larger claims are corrupt and never allocated. */
#define RF_MAX_OBJECT ((uint64_t)1 << 30)

/* Edit distance between a[0, la) and b, ignoring case, for "did you mean" hints;
 * (size_t)-1 when either is longer than 256 characters. */
size_t rf_edit_distance(const char *a, size_t la, const char *b);

#endif
