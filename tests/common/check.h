/* check.h - the one assertion macro of the C test programs: CHECK(cond, fmt, ...) counts a
 * pass or prints "FAIL file:line: message" and counts a failure; check_summary() prints the
 * closing "N passed, N failed" line and returns the exit status; check_data() finds the
 * shared corpus or says why the tests that need it do not run. */
#ifndef RF_TEST_CHECK_H
#define RF_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                    \
    do {                                                    \
        if (cond) {                                         \
            check_passed++;                                 \
        } else {                                            \
            check_failed++;                                 \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);     \
            printf(__VA_ARGS__);                            \
            printf("\n");                                   \
        }                                                   \
    } while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}

/* Puts the corpus folder ($ROOTFEED_SHARED or ../shared, then /data/external) into dir and
 * returns 1 when dir/probe exists. Otherwise prints "skip: ..." and returns 0, or under
 * ROOTFEED_REQUIRE_DATA=1 prints "error: ..." and counts a failure (nothing may skip then). */
static inline int check_data(char *dir, size_t n, const char *probe)
{
    const char *shared = getenv("ROOTFEED_SHARED"), *req = getenv("ROOTFEED_REQUIRE_DATA");
    snprintf(dir, n, "%s/data/external", shared ? shared : "../shared");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, probe);
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        return 1;
    }
    int require = req && !strcmp(req, "1");
    printf("%s: %s not found (set ROOTFEED_SHARED)\n", require ? "error" : "skip", path);
    check_failed += require;
    return 0;
}

#endif
