/* sha256_test.c - checks the test SHA-256 against FIPS 180-4 / NIST vectors ("", "abc", the
 * 448-bit message, one million 'a') and that feeding the bytes in odd pieces gives the same
 * digest as one call. */
#include "sha256.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void expect(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0) {
        passed++;
    } else {
        failed++;
        printf("FAIL %s: got %s, expected %s\n", what, got, want);
    }
}

static void test_vectors(void)
{
    char hex[65];
    sha256_hex("", 0, hex);
    expect("empty", hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    expect("abc", hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(m, strlen(m), hex);
    expect("448-bit", hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_pieces(void)
{
    static char a[1000000];
    memset(a, 'a', sizeof a);
    char whole[65], parts[65];
    sha256_hex(a, sizeof a, whole);
    expect("million a", whole,
           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    sha256_ctx c;
    sha256_init(&c);
    size_t off = 0, step = 1;
    while (off < sizeof a) {
        size_t n = step < sizeof a - off ? step : sizeof a - off;
        sha256_update(&c, a + off, n);
        off += n;
        step = step * 3 % 257 + 1;
    }
    sha256_final_hex(&c, parts);
    expect("million a in pieces", parts, whole);
}

int main(void)
{
    test_vectors();
    test_pieces();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
