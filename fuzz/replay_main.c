/* replay_main.c - runs a fuzz target's LLVMFuzzerTestOneInput over files and folders given
 * on the command line (seed corpus and kept crashers), so every test run replays them. A
 * missing path is skipped with a message unless ROOTFEED_REQUIRE_DATA=1. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    size_t got = buf ? fread(buf, 1, (size_t)(n > 0 ? n : 0), f) : 0;
    fclose(f);
    if (buf)
        LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 1;
}

static long run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return run_file(path);
    DIR *d = opendir(path);
    long n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        long k = run_path(sub);
        n += k > 0 ? k : 0;
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    const char *req = getenv("ROOTFEED_REQUIRE_DATA");
    int require = req && !strcmp(req, "1");
    long total = 0;
    for (int i = 1; i < argc; i++) {
        long n = run_path(argv[i]);
        if (n < 0) {
            fprintf(stderr, "%s: %s missing\n", require ? "error" : "skip", argv[i]);
            if (require)
                return 1;
            continue;
        }
        total += n;
    }
    printf("replayed %ld inputs\n", total);
    return 0;
}
