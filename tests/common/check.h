/* check.h - the one assertion macro of the C test programs: CHECK(cond, fmt, ...) counts a
 * pass or prints "FAIL file:line: message" and counts a failure; check_summary() prints the
 * closing "N passed, N failed" line and returns the exit status. */
#ifndef RF_TEST_CHECK_H
#define RF_TEST_CHECK_H

#include <stdio.h>

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

#endif
