/* csv_test.c - the CSV splitter, number parser and type inference used by `rootfeed convert`,
 * checked value by value on quoting, CRLF, ranges of every integer type, bools and floats. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "writer/csv.h"

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static void split_case(const char *text, long want_n, const char *const *want)
{
    char line[256], *f[16];
    snprintf(line, sizeof line, "%s", text);
    long n = csv_split(line, strlen(line), f, 16);
    int ok = n == want_n;
    for (long i = 0; ok && i < n; i++)
        ok = !strcmp(f[i], want[i]);
    CHECK(ok, "split '%s': %ld fields", text, n);
}

static void parse_ok(const char *s, rf_dtype t, double want)
{
    uint8_t buf[8] = {0};
    int r = csv_parse(s, t, buf);
    double got = 0;
    switch (t) {
    case RF_BOOL: case RF_UINT8: got = buf[0]; break;
    case RF_INT8: got = (int8_t)buf[0]; break;
    case RF_INT16: { int16_t v; memcpy(&v, buf, 2); got = v; break; }
    case RF_UINT16: { uint16_t v; memcpy(&v, buf, 2); got = v; break; }
    case RF_INT32: { int32_t v; memcpy(&v, buf, 4); got = v; break; }
    case RF_UINT32: { uint32_t v; memcpy(&v, buf, 4); got = v; break; }
    case RF_INT64: { int64_t v; memcpy(&v, buf, 8); got = (double)v; break; }
    case RF_UINT64: { uint64_t v; memcpy(&v, buf, 8); got = (double)v; break; }
    case RF_FLOAT32: { float v; memcpy(&v, buf, 4); got = v; break; }
    default: memcpy(&got, buf, 8);
    }
    CHECK(r == 0 && (got == want || (isnan(got) && isnan(want))), "parse '%s' as %s: r=%d got %g want %g", s,
          rf_dtype_name(t), r, got, want);
}

static void parse_bad(const char *s, rf_dtype t)
{
    uint8_t buf[8];
    CHECK(csv_parse(s, t, buf) != 0, "parse '%s' as %s should fail", s, rf_dtype_name(t));
}

int main(void)
{
    split_case("a,b,c", 3, (const char *const[]){"a", "b", "c"});
    split_case("1,,3\r", 3, (const char *const[]){"1", "", "3"});
    split_case("\"x,y\",\"say \"\"hi\"\"\",z", 3, (const char *const[]){"x,y", "say \"hi\"", "z"});
    split_case("", 1, (const char *const[]){""});
    split_case("\"open,1", -1, NULL);
    split_case("\"a\"b,1", -1, NULL);
    parse_ok("1", RF_BOOL, 1), parse_ok("false", RF_BOOL, 0), parse_bad("2", RF_BOOL);
    parse_ok("-128", RF_INT8, -128), parse_bad("-129", RF_INT8), parse_ok("255", RF_UINT8, 255);
    parse_bad("256", RF_UINT8), parse_bad("-1", RF_UINT8), parse_ok(" 12 ", RF_INT16, 12);
    parse_ok("65535", RF_UINT16, 65535), parse_bad("70000", RF_INT16);
    parse_ok("-2147483648", RF_INT32, -2147483648.0), parse_bad("2147483648", RF_INT32);
    parse_ok("4294967295", RF_UINT32, 4294967295.0), parse_ok("-9223372036854775808", RF_INT64, -9223372036854775808.0);
    parse_bad("9223372036854775808", RF_INT64), parse_ok("18446744073709551615", RF_UINT64, 18446744073709551615.0);
    parse_bad("1.5", RF_INT32), parse_bad("", RF_INT32), parse_bad("0x10", RF_INT32), parse_bad("abc", RF_FLOAT64);
    parse_ok("1.5", RF_FLOAT32, 1.5), parse_ok("-2e3", RF_FLOAT64, -2000), parse_ok("", RF_FLOAT64, NAN);
    parse_ok("inf", RF_FLOAT64, INFINITY), parse_ok("nan", RF_FLOAT32, NAN);
    rf_dtype t = RF_INT64;
    csv_infer("12", &t), csv_infer("-3", &t);
    CHECK(t == RF_INT64, "integers infer int64");
    csv_infer("2.5", &t);
    CHECK(t == RF_FLOAT64, "a decimal widens to float64");
    t = RF_INT64;
    csv_infer("", &t);
    CHECK(t == RF_FLOAT64, "an empty field widens to float64");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
