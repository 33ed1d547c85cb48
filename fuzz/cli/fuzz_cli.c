/* fuzz_cli.c - the text parsers of the `rootfeed` command line: path specs (rf_path_expand:
 * the file/object split of local paths and URLs), whole numbers (cli_parse_int: 1e7,
 * 10_000_000) and the closest-name search. Invariants: a spec without pattern characters
 * gives one item whose path and object put back together are the spec; a number that parses
 * as plain digits equals strtoll's value. Pattern characters are replaced, so that no input
 * globs the filesystem. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void check_spec(const char *s)
{
    rf_path_item *items = NULL;
    size_t n = 0;
    rf_status st = rf_path_expand(s, &items, &n, NULL);
    const char *spec = strncmp(s, "file://", 7) ? s : s + 7;
    if (st == RF_OK) {
        size_t lp = strlen(items[0].path);
        int ok = n == 1 && !strncmp(items[0].path, spec, lp) &&
                 (items[0].object ? spec[lp] == ':' && !strcmp(spec + lp + 1, items[0].object) : !spec[lp]);
        if (!ok)
            abort();
    } else if (*spec && st != RF_ERR_NOMEM) {
        abort();
    }
    rf_path_items_free(items, n);
}

static void check_number(const char *s)
{
    int64_t v;
    int r = cli_parse_int(s, &v);
    size_t digits = strspn(s + (*s == '-'), "0123456789");
    if (r == 0 && digits && digits < 18 && !s[(*s == '-') + digits] && v != strtoll(s, NULL, 10))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    for (size_t i = 0; i < size; i++)
        s[i] = data[i] == 0 || strchr("*?[", data[i]) ? 'x' : (char)data[i];
    s[size] = 0;
    check_spec(s);
    check_number(s);
    const char *names[] = {"events", "one/two/tree", "Muon_Px", s};
    char hint[600];
    cli_closest(s, names, 4, hint, sizeof hint);
    free(s);
    return 0;
}
