/* test_paths.c - rf_path_expand (src/dataset/paths.c) on the specs users write: plain paths,
 * "file:object", objects in directories, glob patterns (sorted matches, no match is
 * RF_ERR_NO_FILE), directories whose names hold a colon, URLs with ports and objects (never
 * split inside the host part), file:// paths, and items appended across calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/check.h"
#include "rootfeed.h"

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* want: "path|object|remote" per item, ';'-separated ("-" for no object). */
static void expect(const char *spec, const char *want)
{
    rf_path_item *items = NULL;
    size_t n = 0;
    rf_error err = {0};
    rf_status s = rf_path_expand(spec, &items, &n, &err);
    char got[2048] = "";
    for (size_t i = 0; s == RF_OK && i < n; i++) {
        size_t k = strlen(got);
        snprintf(got + k, sizeof got - k, "%s%s|%s|%d", i ? ";" : "", items[i].path,
                 items[i].object ? items[i].object : "-", items[i].remote);
    }
    CHECK(s == RF_OK && !strcmp(got, want), "'%s': expected '%s', got '%s' (%s)", spec, want, got, err.msg);
    rf_path_items_free(items, n);
}

static void expect_error(const char *spec, rf_status code, const char *must)
{
    rf_path_item *items = NULL;
    size_t n = 0;
    rf_error err = {0};
    rf_status s = rf_path_expand(spec, &items, &n, &err);
    CHECK(s == code && n == 0 && strstr(err.msg, must), "'%s': expected %s naming '%s', got %s '%s'", spec,
          rf_status_name(code), must, rf_status_name(s), err.msg);
    rf_path_items_free(items, n);
}

int main(void)
{
    char dir[] = "/tmp/rootfeed-paths-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return 1;
    touch("b.root"), touch("a.root"), touch("c.root");
    mkdir("run:1", 0755), mkdir("sub", 0755);
    touch("run:1/x.root"), touch("sub/d.root");

    expect("a.root", "a.root|-|0");
    expect("a.root:events", "a.root|events|0");
    expect("a.root:dir/sub/tree;2", "a.root|dir/sub/tree;2|0");
    expect("*.root:events", "a.root|events|0;b.root|events|0;c.root|events|0");
    expect("[ab].root", "a.root|-|0;b.root|-|0");
    expect("*/*.root:t", "run:1/x.root|t|0;sub/d.root|t|0");
    expect("missing.root", "missing.root|-|0");
    expect("missing.root:t", "missing.root|t|0");
    expect("run:1/x.root", "run:1/x.root|-|0");
    expect("run:1/x.root:t", "run:1/x.root|t|0");
    expect("run:1/*.root:t", "run:1/x.root|t|0");
    expect("root://host//eos/f.root:tree", "root://host//eos/f.root|tree|1");
    expect("root://host:1094//eos/f.root", "root://host:1094//eos/f.root|-|1");
    expect("root://host:1094//eos/f*.root:dir/t", "root://host:1094//eos/f*.root|dir/t|1");
    expect("https://host:8080/data/f.root:events", "https://host:8080/data/f.root|events|1");
    expect("https://host/f.root", "https://host/f.root|-|1");
    expect("http://host:80", "http://host:80|-|1");
    char abs[4200];
    snprintf(abs, sizeof abs, "file://%s/a.root:t", dir);
    char want[4200];
    snprintf(want, sizeof want, "%s/a.root|t|0", dir);
    expect(abs, want);

    expect_error("nomatch*.root", RF_ERR_NO_FILE, "nomatch*.root");
    expect_error("nomatch*.root:t", RF_ERR_NO_FILE, "nomatch*.root");
    expect_error("", RF_ERR_ARG, "empty");

    rf_path_item *items = NULL;
    size_t n = 0;
    CHECK(rf_path_expand("a.root", &items, &n, NULL) == RF_OK && rf_path_expand("c.root:t", &items, &n, NULL) ==
          RF_OK && n == 2 && !strcmp(items[1].path, "c.root") && !strcmp(items[0].path, "a.root"),
          "items are appended across calls");
    rf_path_items_free(items, n);

    unlink("run:1/x.root"), unlink("sub/d.root"), rmdir("run:1"), rmdir("sub");
    unlink("a.root"), unlink("b.root"), unlink("c.root");
    if (chdir("/") == 0)
        rmdir(dir);
    return check_summary();
}
