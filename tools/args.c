/* args.c - the argument parser of every `rootfeed` subcommand. Each command declares its
 * options in a table (long name, short letter, value placeholder, help line); the parser takes
 * `--opt VALUE`, `--opt=VALUE`, `-f`, `--` and positionals, refuses unknown options with the
 * closest names, and prints the command's help (from the same table) for -h/--help anywhere.
 * Numbers are strict: 10000000, 10_000_000 and 1e7 are ten million, "1.5" or "abc" are
 * errors naming the option; --entries ranges are checked against the table they select. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common/error.h"

static void verror(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, cmd ? "rootfeed %s: " : "rootfeed: ", cmd);
    vfprintf(stderr, fmt, ap);
}

int cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(cmd, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verror(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (rootfeed %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    return 2;
}

/* ---- help ---- */

static int opt_label(const cli_opt *o, char *buf, size_t cap)
{
    char letter[8] = "    ";
    if (o->letter)
        snprintf(letter, sizeof letter, "-%c, ", o->letter);
    return snprintf(buf, cap, "%s--%s%s%s", letter, o->name, o->meta ? " " : "", o->meta ? o->meta : "");
}

void cli_help(const cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: rootfeed %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->about);
    int width = 10;
    char label[128];
    for (const cli_opt *o = cmd->opts; o->name; o++) {
        int n = opt_label(o, label, sizeof label);
        width = n > width ? n : width;
    }
    fputs("\noptions:\n", out);
    for (const cli_opt *o = cmd->opts; o->name; o++) {
        opt_label(o, label, sizeof label);
        fprintf(out, "  %-*s  ", width, label);
        for (const char *h = o->help; *h; h++) {
            fputc(*h, out);
            if (*h == '\n')
                fprintf(out, "  %-*s  ", width, "");
        }
        fputc('\n', out);
    }
    fprintf(out, "  %-*s  %s\n", width, "-h, --help", "show this help");
}

/* ---- parsing ---- */

static int find_long(const cli_cmd *cmd, const char *s, size_t len)
{
    for (int k = 0; cmd->opts[k].name; k++)
        if (strlen(cmd->opts[k].name) == len && !strncmp(cmd->opts[k].name, s, len))
            return k;
    return -1;
}

static int find_short(const cli_cmd *cmd, char c)
{
    for (int k = 0; cmd->opts[k].name; k++)
        if (cmd->opts[k].letter == c)
            return k;
    return -1;
}

static int unknown_option(const cli_cmd *cmd, const char *s)
{
    const char *names[CLI_MAXOPTS];
    char dashed[CLI_MAXOPTS][64], hint[512];
    size_t n = 0;
    for (const cli_opt *o = cmd->opts; o->name && n < CLI_MAXOPTS; o++, n++) {
        snprintf(dashed[n], sizeof dashed[n], "--%s", o->name);
        names[n] = dashed[n];
    }
    cli_closest(s, names, n, hint, sizeof hint);
    return cli_usage_error(cmd->name, "unknown option '%s'%s", s, hint);
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

/* One option at argv[*i]; returns -1 or a usage error's exit status. */
static int take_option(const cli_cmd *cmd, int argc, char **argv, int *i, cli_args *a)
{
    const char *s = argv[*i], *inline_val = NULL;
    int k;
    if (s[1] == '-') {
        const char *eq = strchr(s, '=');
        k = find_long(cmd, s + 2, eq ? (size_t)(eq - s - 2) : strlen(s + 2));
        inline_val = eq ? eq + 1 : NULL;
    } else {
        k = s[2] ? -1 : find_short(cmd, s[1]);
    }
    if (k < 0)
        return unknown_option(cmd, s);
    const cli_opt *o = &cmd->opts[k];
    if (!o->meta) {
        if (inline_val)
            return cli_usage_error(cmd->name, "option --%s takes no value", o->name);
        a->val[k] = "1";
        return -1;
    }
    const char *v = inline_val ? inline_val : *i + 1 < argc ? argv[++*i] : NULL;
    if (!v)
        return cli_usage_error(cmd->name, "option --%s needs a value (%s)", o->name, o->meta);
    a->val[k] = v;
    a->seq_opt[a->nseq] = k;
    a->seq_val[a->nseq++] = v;
    return -1;
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    if (wants_help(argc, argv)) {
        cli_help(cmd, stdout);
        return 0;
    }
    a->pos = calloc((size_t)argc + 1, sizeof *a->pos);
    a->seq_opt = calloc((size_t)argc + 1, sizeof *a->seq_opt);
    a->seq_val = calloc((size_t)argc + 1, sizeof *a->seq_val);
    if (!a->pos || !a->seq_opt || !a->seq_val)
        return cli_error(cmd->name, "out of memory");
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || s[0] != '-' || !s[1]) {
            a->pos[a->npos++] = argv[i];
        } else if (!strcmp(s, "--")) {
            only_pos = 1;
        } else {
            int rc = take_option(cmd, argc, argv, &i, a);
            if (rc >= 0)
                return rc;
        }
    }
    if (a->npos < cmd->min_pos)
        return cli_usage_error(cmd->name, "missing arguments: rootfeed %s %s", cmd->name, cmd->usage);
    if (cmd->max_pos >= 0 && a->npos > cmd->max_pos)
        return cli_usage_error(cmd->name, "unexpected argument '%s'", a->pos[cmd->max_pos]);
    return -1;
}

void cli_args_free(cli_args *a)
{
    free(a->pos);
    free(a->seq_opt);
    free(a->seq_val);
}

const char *cli_get(const cli_args *a, const char *name)
{
    int k = find_long(a->cmd, name, strlen(name));
    return k >= 0 ? a->val[k] : NULL;
}

/* ---- numbers ---- */

int cli_parse_int(const char *s, int64_t *out)
{
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    char digits[64]; /* significant digits, leading zeros dropped */
    int nd = 0, frac = 0, dot = 0, seen = 0;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            seen = 1;
            frac += dot;
            if (nd == (int)sizeof digits)
                return -3;
            if (nd || *p != '0')
                digits[nd++] = *p;
        } else if (*p == '_' && seen && isdigit((unsigned char)p[-1]) && isdigit((unsigned char)p[1])) {
            continue;
        } else if (*p == '.' && !dot) {
            dot = 1;
        } else {
            break;
        }
    }
    if (!seen)
        return -1;
    long exp = 0;
    if (*p == 'e' || *p == 'E') {
        int sign = p[1] == '+' || p[1] == '-';
        if (!isdigit((unsigned char)p[1 + sign]))
            return -1;
        char *end;
        exp = strtol(p + 1, &end, 10);
        p = end;
        exp = exp > 100 ? 100 : exp < -100 ? -100 : exp;
    }
    if (*p)
        return -1;
    long shift = exp - frac;
    for (; shift < 0 && nd > 0; shift++, nd--)
        if (digits[nd - 1] != '0')
            return -2;
    uint64_t v = 0;
    for (int i = 0; i < nd; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -3;
        v = v * 10 + (uint64_t)(digits[i] - '0');
    }
    for (; shift > 0 && v; shift--) {
        if (v > UINT64_MAX / 10)
            return -3;
        v *= 10;
    }
    if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
        return -3;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int cli_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out)
{
    int r = cli_parse_int(text, out);
    if (r == -1)
        return cli_usage_error(cmd, "--%s '%s' is not a number (write e.g. 10000000, 10_000_000 or 1e7)", opt,
                               text);
    if (r == -2)
        return cli_usage_error(cmd, "--%s '%s' is not a whole number", opt, text);
    if (r == -3 || *out > max)
        return cli_usage_error(cmd, "--%s '%s' is too large (at most %" PRId64 ")", opt, text, max);
    if (*out < min)
        return cli_usage_error(cmd, "--%s '%s' is too small (at least %" PRId64 ")", opt, text, min);
    return 0;
}

int cli_range(const char *cmd, const char *text, int64_t total, const char *what, int64_t *first, int64_t *last)
{
    *first = 0;
    *last = total;
    if (!text)
        return 0;
    const char *colon = strchr(text, ':');
    char *a = colon ? strndup(text, (size_t)(colon - text)) : NULL;
    const char *b = colon ? colon + 1 : text;
    int bad = (colon && !a) || (a && *a && cli_parse_int(a, first) != 0) || (*b && cli_parse_int(b, last) != 0) ||
              (!colon && !*b);
    free(a);
    if (bad)
        return cli_usage_error(cmd, "--entries '%s' is not N, A:B, A: or :B with whole entry numbers", text);
    if (*first < 0 || *last < 0)
        return cli_error(cmd, "--entries '%s': entry numbers start at 0 (%s has %" PRId64 " entries: 0:%" PRId64 ")",
                         text, what, total, total);
    if (*first > *last)
        return cli_error(cmd, "--entries '%s': the start %" PRId64 " is after the end %" PRId64, text, *first, *last);
    if (*last > total)
        return cli_error(cmd, "--entries '%s' is out of range: %s has %" PRId64 " entries (valid: 0:%" PRId64 ")",
                         text, what, total, total);
    return 0;
}

/* ---- suggestions ---- */

/* Distance to a candidate, also to its last path component ("tree" is close to "dir/tree"). */
static size_t closeness(const char *name, const char *cand)
{
    size_t d = rf_edit_distance(name, strlen(name), cand);
    const char *slash = strrchr(cand, '/');
    size_t d2 = slash ? rf_edit_distance(name, strlen(name), slash + 1) : d;
    return d2 < d ? d2 : d;
}

void cli_closest(const char *name, const char *const *names, size_t n, char *out, size_t cap)
{
    size_t limit = strlen(name) / 3 > 1 ? strlen(name) / 3 : 1, best = (size_t)-1;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = closeness(name, names[i]);
        best = d < best ? d : best;
    }
    if (best > limit)
        return;
    const char *pick[3];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 3; i++)
        if (closeness(name, names[i]) == best)
            pick[k++] = names[i];
    size_t len = (size_t)snprintf(out, cap, "; did you mean ");
    for (size_t i = 0; i < k && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s'%s'", i == 0 ? "" : i + 1 == k ? " or " : ", ", pick[i]);
    if (len < cap)
        snprintf(out + len, cap - len, "?");
}
