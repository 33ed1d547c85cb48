/* parse.c - lexer and recursive-descent parser for filter/define expressions. It reads C++
 * expression syntax with C++ precedence, and hands every construct to the typed node
 * constructors of build.c; it also formats compile errors with the position and a caret line.
 * Nesting is limited (EX_MAX_DEPTH) so hostile input cannot exhaust the stack. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

enum { TK_END, TK_NUM, TK_IDENT, TK_PUNCT, TK_BAD };
/* Two-character punctuators, coded above the byte range. */
enum { PK_LE = 256, PK_GE, PK_EQ, PK_NE, PK_AND, PK_OR, PK_SHL, PK_SHR };

typedef struct tok {
    int kind;
    int punct;        /* TK_PUNCT: a character or a PK_ code */
    size_t pos, len;
    int ntype;        /* TK_NUM: ET_I64, ET_F32 or ET_F64 */
    int64_t i;
    double d;
    const char *bad;  /* TK_BAD: why */
} tok;

/* ---- errors --------------------------------------------------------------------------- */

static void echo_line(const char *text, size_t len, size_t pos, char *line, char *caret,
                      size_t cap)
{
    size_t start = 0, end = len;
    if (len > 100) {
        start = pos > 50 ? pos - 50 : 0;
        end = start + 100 < len ? start + 100 : len;
    }
    size_t k = 0, c = 0;
    if (start > 0) {
        memcpy(line, "...", 3);
        memcpy(caret, "   ", 3);
        k = c = 3;
    }
    for (size_t i = start; i < end && k + 4 < cap; i++) {
        unsigned char ch = (unsigned char)text[i];
        line[k++] = ch >= 32 && ch < 127 ? (char)ch : '?';
        if (i < pos)
            caret[c++] = ' ';
    }
    if (end < len && k + 4 < cap) {
        memcpy(line + k, "...", 3);
        k += 3;
    }
    line[k] = 0;
    caret[c++] = '^';
    caret[c] = 0;
}

rf_status rf_ex_fail_at(ex_parser *ps, rf_status code, size_t pos, const char *fmt, ...)
{
    if (ps->failed)
        return code;
    ps->failed = 1;
    ps->code = code;
    if (!ps->err)
        return code;
    char msg[256], line[120], caret[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos > ps->len)
        pos = ps->len;
    echo_line(ps->text, ps->len, pos, line, caret, sizeof line);
    char *colon = strstr(msg, ": ");
    size_t head = colon ? (size_t)(colon - msg) : strlen(msg);
    ps->err->code = code;
    snprintf(ps->err->msg, sizeof ps->err->msg, "%.*s at column %zu%s\n  %s\n  %s", (int)head, msg,
             pos + 1, msg + head, line, caret);
    return code;
}

/* ---- lexer ---------------------------------------------------------------------------- */

static int is_ident0(int c) { return isalpha(c) || c == '_'; }
static int is_ident1(int c) { return isalnum(c) || c == '_'; }

/* Number literal: decimal/hex integers and decimal floats with C suffixes. */
static void lex_number(const char *s, size_t len, size_t p, tok *t)
{
    size_t q = p;
    int hex = 0, isfloat = 0;
    if (q + 1 < len && s[q] == '0' && (s[q + 1] == 'x' || s[q + 1] == 'X')) {
        hex = 1;
        q += 2;
        while (q < len && isxdigit((unsigned char)s[q]))
            q++;
    } else {
        while (q < len && isdigit((unsigned char)s[q]))
            q++;
        if (q < len && s[q] == '.') {
            isfloat = 1;
            q++;
            while (q < len && isdigit((unsigned char)s[q]))
                q++;
        }
        if (q < len && (s[q] == 'e' || s[q] == 'E')) {
            size_t r = q + 1;
            if (r < len && (s[r] == '+' || s[r] == '-'))
                r++;
            if (r < len && isdigit((unsigned char)s[r])) {
                isfloat = 1;
                q = r;
                while (q < len && isdigit((unsigned char)s[q]))
                    q++;
            }
        }
    }
    size_t body = q;
    int fsuf = 0, usuf = 0, lsuf = 0;
    while (q < len && strchr("fFuUlL", s[q]) && s[q]) {
        if (s[q] == 'f' || s[q] == 'F')
            fsuf++;
        else if (s[q] == 'u' || s[q] == 'U')
            usuf++;
        else
            lsuf++;
        q++;
    }
    t->kind = TK_NUM;
    t->len = q - p;
    char buf[72];
    if (body - p >= sizeof buf || (hex && body - p == 2) || fsuf > 1 || usuf > 1 || lsuf > 2 ||
        (fsuf && (usuf || lsuf || !isfloat)) || (isfloat && (usuf || lsuf)) ||
        (q < len && is_ident1((unsigned char)s[q]))) {
        t->kind = TK_BAD;
        t->bad = "malformed number";
        if (q < len && is_ident1((unsigned char)s[q]))
            while (q < len && is_ident1((unsigned char)s[q]))
                q++;
        t->len = q - p;
        return;
    }
    memcpy(buf, s + p, body - p);
    buf[body - p] = 0;
    if (isfloat) {
        t->d = strtod(buf, NULL);
        t->ntype = fsuf ? ET_F32 : ET_F64;
        return;
    }
    errno = 0;
    unsigned long long v = strtoull(buf, NULL, hex ? 16 : 10);
    if (errno == ERANGE || (v > (unsigned long long)INT64_MAX && !hex && !usuf)) {
        t->kind = TK_BAD;
        t->bad = "integer literal too large";
        return;
    }
    t->ntype = ET_I64;
    t->i = (int64_t)v;
}

static const struct { const char *s; int code; } puncts2[] = {
    {"<=", PK_LE}, {">=", PK_GE}, {"==", PK_EQ}, {"!=", PK_NE}, {"&&", PK_AND},
    {"||", PK_OR}, {"<<", PK_SHL}, {">>", PK_SHR}};

/* Identifier with optional "::" scopes: "TMath::Sqrt", "ROOT::VecOps::Sum". */
static size_t lex_ident_end(const char *s, size_t len, size_t q)
{
    for (;;) {
        while (q < len && is_ident1((unsigned char)s[q]))
            q++;
        if (q + 2 < len && s[q] == ':' && s[q + 1] == ':' && is_ident0((unsigned char)s[q + 2]))
            q += 2;
        else
            return q;
    }
}

static void lex_at(const ex_parser *ps, size_t p, tok *t)
{
    const char *s = ps->text;
    size_t len = ps->len;
    memset(t, 0, sizeof *t);
    while (p < len && isspace((unsigned char)s[p]))
        p++;
    t->pos = p;
    if (p >= len) {
        t->kind = TK_END;
        return;
    }
    unsigned char c = (unsigned char)s[p];
    if (isdigit(c) || (c == '.' && p + 1 < len && isdigit((unsigned char)s[p + 1]))) {
        lex_number(s, len, p, t);
        return;
    }
    if (is_ident0(c)) {
        t->kind = TK_IDENT;
        t->len = lex_ident_end(s, len, p) - p;
        return;
    }
    for (size_t i = 0; i < sizeof puncts2 / sizeof puncts2[0]; i++)
        if (p + 1 < len && s[p] == puncts2[i].s[0] && s[p + 1] == puncts2[i].s[1]) {
            t->kind = TK_PUNCT;
            t->punct = puncts2[i].code;
            t->len = 2;
            return;
        }
    if (c && strchr("()[],.?:+-*/%!~&|^<>", c)) {
        t->kind = TK_PUNCT;
        t->punct = c;
        t->len = 1;
        return;
    }
    t->kind = TK_BAD;
    t->bad = "unexpected character";
    t->len = 1;
}

static tok peek(const ex_parser *ps)
{
    tok t;
    lex_at(ps, ps->pos, &t);
    return t;
}

static tok next(ex_parser *ps)
{
    tok t = peek(ps);
    ps->pos = t.pos + t.len;
    return t;
}

static int is_punct(const tok *t, int c) { return t->kind == TK_PUNCT && t->punct == c; }

static int tok_is(const ex_parser *ps, const tok *t, const char *word)
{
    return t->kind == TK_IDENT && t->len == strlen(word) &&
           !memcmp(ps->text + t->pos, word, t->len);
}

static ex_node *syntax(ex_parser *ps, const tok *t, const char *expected)
{
    if (t->kind == TK_BAD)
        rf_ex_fail_at(ps, RF_ERR_ARG, t->pos, "syntax error: %s", t->bad);
    else if (t->kind == TK_END)
        rf_ex_fail_at(ps, RF_ERR_ARG, t->pos, "syntax error: expected %s, found the end", expected);
    else
        rf_ex_fail_at(ps, RF_ERR_ARG, t->pos, "syntax error: expected %s, found '%.*s'", expected,
                   (int)(t->len > 40 ? 40 : t->len), ps->text + t->pos);
    return NULL;
}

static int expect(ex_parser *ps, int c, const char *what)
{
    tok t = next(ps);
    if (is_punct(&t, c))
        return 1;
    syntax(ps, &t, what);
    return 0;
}

/* ---- type names (casts) --------------------------------------------------------------- */

static const struct { const char *name; int type, wrap; } typedefs[] = {
    {"Float_t", ET_F32, 0},      {"Double_t", ET_F64, 0},     {"Double32_t", ET_F64, 0},
    {"Float16_t", ET_F32, 0},    {"Bool_t", ET_BOOL, 0},      {"Char_t", ET_I64, W_S8},
    {"UChar_t", ET_I64, W_U8},   {"Short_t", ET_I64, W_S16},  {"UShort_t", ET_I64, W_U16},
    {"Int_t", ET_I64, W_S32},    {"UInt_t", ET_I64, W_U32},   {"Long_t", ET_I64, 0},
    {"ULong_t", ET_I64, 0},      {"Long64_t", ET_I64, 0},     {"ULong64_t", ET_I64, 0},
    {"int8_t", ET_I64, W_S8},    {"uint8_t", ET_I64, W_U8},   {"int16_t", ET_I64, W_S16},
    {"uint16_t", ET_I64, W_U16}, {"int32_t", ET_I64, W_S32},  {"uint32_t", ET_I64, W_U32},
    {"int64_t", ET_I64, 0},      {"uint64_t", ET_I64, 0},     {"size_t", ET_I64, 0},
    {"std::size_t", ET_I64, 0},  {"float", ET_F32, 0},        {"double", ET_F64, 0},
    {"bool", ET_BOOL, 0}};

static const char *const cwords[] = {"unsigned", "signed", "int", "long", "short", "char"};

static int is_cword(const ex_parser *ps, const tok *t)
{
    for (size_t i = 0; i < sizeof cwords / sizeof cwords[0]; i++)
        if (tok_is(ps, t, cwords[i]))
            return 1;
    return 0;
}

static int lookup_typedef(const ex_parser *ps, const tok *t)
{
    for (size_t i = 0; i < sizeof typedefs / sizeof typedefs[0]; i++)
        if (tok_is(ps, t, typedefs[i].name))
            return (int)i;
    return -1;
}

static int is_type_start(const ex_parser *ps, const tok *t)
{
    return t->kind == TK_IDENT && (lookup_typedef(ps, t) >= 0 || is_cword(ps, t));
}

/* Reads a type name at the cursor ("float", "unsigned long long", "Int_t"). */
static int parse_type(ex_parser *ps, int *type, int *wrap)
{
    tok t = peek(ps);
    int td = lookup_typedef(ps, &t);
    if (td >= 0) {
        next(ps);
        *type = typedefs[td].type;
        *wrap = typedefs[td].wrap;
        return 1;
    }
    int uns = 0, nlong = 0, nshort = 0, nchar = 0, n = 0;
    while (t.kind == TK_IDENT && is_cword(ps, &t)) {
        uns |= tok_is(ps, &t, "unsigned");
        nlong += tok_is(ps, &t, "long");
        nshort += tok_is(ps, &t, "short");
        nchar += tok_is(ps, &t, "char");
        next(ps);
        n++;
        t = peek(ps);
    }
    if (!n) {
        syntax(ps, &t, "a type name");
        return 0;
    }
    *type = ET_I64;
    *wrap = nlong ? W_NONE : nchar ? (uns ? W_U8 : W_S8) : nshort ? (uns ? W_U16 : W_S16)
                                                               : (uns ? W_U32 : W_S32);
    return 1;
}

/* ---- grammar -------------------------------------------------------------------------- */

static ex_node *parse_expr(ex_parser *ps);
static ex_node *parse_unary(ex_parser *ps);

static int enter(ex_parser *ps)
{
    if (++ps->depth <= EX_MAX_DEPTH)
        return 1;
    rf_ex_fail_at(ps, RF_ERR_ARG, ps->pos, "syntax error: expression nested too deeply");
    return 0;
}

static int parse_args(ex_parser *ps, ex_node **args, int *nargs)
{
    tok t = peek(ps);
    *nargs = 0;
    if (is_punct(&t, ')')) {
        next(ps);
        return 1;
    }
    for (;;) {
        if (*nargs == EX_MAX_ARGS) {
            rf_ex_fail_at(ps, RF_ERR_ARG, peek(ps).pos, "syntax error: more than %d arguments",
                       EX_MAX_ARGS);
            return 0;
        }
        args[(*nargs)++] = parse_expr(ps);
        if (ps->failed)
            return 0;
        t = next(ps);
        if (is_punct(&t, ')'))
            return 1;
        if (!is_punct(&t, ',')) {
            syntax(ps, &t, "',' or ')'");
            return 0;
        }
    }
}

/* static_cast<T>(x) */
static ex_node *parse_static_cast(ex_parser *ps, size_t pos)
{
    int type, wrap;
    if (!expect(ps, '<', "'<'") || !parse_type(ps, &type, &wrap) || !expect(ps, '>', "'>'") ||
        !expect(ps, '(', "'('"))
        return NULL;
    ex_node *a = parse_expr(ps);
    if (!a || !expect(ps, ')', "')'"))
        return NULL;
    return rf_ex_cast(ps, a, type, wrap, (int)pos);
}

/* A name not followed by '(': a constant, rdfentry_, or a column ("a.b" and "a:b" join when
 * the schema has such a column: PHYSLITE's "Muons.pt", in RNTuple "Muons:pt"). */
static ex_node *parse_name(ex_parser *ps, tok t)
{
    const char *s = ps->text + t.pos;
    int pos = (int)t.pos;
    if (tok_is(ps, &t, "true") || tok_is(ps, &t, "false"))
        return rf_ex_const_i(ps, ET_BOOL, *s == 't', pos);
    if (tok_is(ps, &t, "M_PI"))
        return rf_ex_const_d(ps, ET_F64, 3.14159265358979323846, pos);
    if (tok_is(ps, &t, "NAN") || tok_is(ps, &t, "INFINITY")) /* the C macros are floats */
        return rf_ex_const_d(ps, ET_F32, *s == 'N' ? NAN : INFINITY, pos);
    if (tok_is(ps, &t, "rdfentry_"))
        return rf_ex_new(ps, OP_ENTRY, ET_I64, 0, pos);
    if (tok_is(ps, &t, "rdfslot_"))
        return rf_ex_const_i(ps, ET_I64, 0, pos);
    size_t len = t.len;
    for (;;) {
        tok dot = peek(ps);
        if (!(is_punct(&dot, '.') || is_punct(&dot, ':')) || dot.pos != t.pos + len)
            break;
        tok id;
        lex_at(ps, dot.pos + 1, &id);
        if (id.kind != TK_IDENT || id.pos != dot.pos + 1)
            break;
        size_t nlen = id.pos + id.len - t.pos;
        int found = 0;
        for (size_t i = 0; i < ps->nschema && !found; i++)
            found = strlen(ps->schema[i].name) == nlen && !memcmp(ps->schema[i].name, s, nlen);
        if (!found)
            break;
        len = nlen;
        ps->pos = t.pos + len;
    }
    return rf_ex_column(ps, s, len, pos);
}

static ex_node *parse_primary(ex_parser *ps)
{
    tok t = next(ps);
    if (t.kind == TK_NUM) {
        if (t.ntype == ET_I64)
            return rf_ex_const_i(ps, ET_I64, t.i, (int)t.pos);
        return rf_ex_const_d(ps, t.ntype, t.d, (int)t.pos);
    }
    if (is_punct(&t, '(')) {
        ex_node *a = parse_expr(ps);
        return a && expect(ps, ')', "')'") ? a : NULL;
    }
    if (t.kind != TK_IDENT)
        return syntax(ps, &t, "a number, a name or '('");
    if (tok_is(ps, &t, "static_cast"))
        return parse_static_cast(ps, t.pos);
    tok after = peek(ps);
    if (is_type_start(ps, &t) && is_punct(&after, '(')) { /* functional cast: float(x) */
        int type, wrap;
        ps->pos = t.pos;
        parse_type(ps, &type, &wrap);
        next(ps);
        ex_node *a = parse_expr(ps);
        return a && expect(ps, ')', "')'") ? rf_ex_cast(ps, a, type, wrap, (int)t.pos) : NULL;
    }
    if (is_punct(&after, '(')) {
        next(ps);
        ex_node *args[EX_MAX_ARGS];
        int nargs;
        if (!parse_args(ps, args, &nargs))
            return NULL;
        return rf_ex_call(ps, ps->text + t.pos, t.len, args, nargs, (int)t.pos);
    }
    return parse_name(ps, t);
}

static ex_node *parse_postfix(ex_parser *ps)
{
    ex_node *a = parse_primary(ps);
    while (a) {
        tok t = peek(ps);
        if (is_punct(&t, '[')) {
            next(ps);
            ex_node *i = parse_expr(ps);
            if (!i || !expect(ps, ']', "']'"))
                return NULL;
            a = rf_ex_subscript(ps, a, i, (int)t.pos);
        } else if (is_punct(&t, '.')) {
            next(ps);
            tok m = next(ps);
            if (!tok_is(ps, &m, "size"))
                return m.kind == TK_IDENT
                           ? (rf_ex_fail_at(ps, RF_ERR_NOT_FOUND, m.pos, "unknown method '%.*s'",
                                         (int)(m.len > 40 ? 40 : m.len), ps->text + m.pos),
                              NULL)
                           : syntax(ps, &m, "a method name");
            if (!expect(ps, '(', "'('") || !expect(ps, ')', "')'"))
                return NULL;
            a = rf_ex_size(ps, a, (int)t.pos);
        } else {
            break;
        }
    }
    return a;
}

static ex_node *parse_unary_op(ex_parser *ps, tok t)
{
    ex_node *a = parse_unary(ps);
    if (!a)
        return NULL;
    int pos = (int)t.pos;
    switch (t.punct) {
    case '-': return rf_ex_unary(ps, OP_NEG, a, pos);
    case '!': return rf_ex_unary(ps, OP_NOT, a, pos);
    case '~': return rf_ex_unary(ps, OP_BNOT, a, pos);
    default: return a->type == ET_BOOL ? rf_ex_cast(ps, a, ET_I64, 0, pos) : a; /* unary + */
    }
}

static ex_node *parse_unary_inner(ex_parser *ps)
{
    tok t = peek(ps);
    if (t.kind == TK_PUNCT && strchr("-+!~", t.punct < 256 ? t.punct : 'x')) {
        next(ps);
        return parse_unary_op(ps, t);
    }
    if (is_punct(&t, '(')) { /* C cast "(float)x"? */
        tok u;
        lex_at(ps, t.pos + 1, &u);
        if (is_type_start(ps, &u)) {
            size_t save = ps->pos;
            ps->pos = t.pos + 1;
            int type, wrap;
            tok close;
            if (!parse_type(ps, &type, &wrap))
                return NULL;
            close = peek(ps);
            if (is_punct(&close, ')')) {
                next(ps);
                ex_node *a = parse_unary(ps);
                return a ? rf_ex_cast(ps, a, type, wrap, (int)t.pos) : NULL;
            }
            if (!is_punct(&close, '('))
                return syntax(ps, &close, "')' after the type of a cast");
            ps->pos = save; /* "(float(x) ...)": a functional cast inside parentheses */
        }
    }
    return parse_postfix(ps);
}

static ex_node *parse_unary(ex_parser *ps)
{
    if (!enter(ps))
        return NULL;
    ex_node *a = parse_unary_inner(ps);
    ps->depth--;
    return a;
}

/* Binding strength of a binary operator token (0: not one) and its node op. */
static int binop(const tok *t, int *op)
{
    if (t->kind != TK_PUNCT)
        return 0;
    static const struct { int p, prec, op; } tab[] = {
        {PK_OR, 1, OP_OR},  {PK_AND, 2, OP_AND}, {'|', 3, OP_BOR},  {'^', 4, OP_BXOR},
        {'&', 5, OP_BAND},  {PK_EQ, 6, OP_EQ},   {PK_NE, 6, OP_NE}, {'<', 7, OP_LT},
        {PK_LE, 7, OP_LE},  {'>', 7, OP_GT},     {PK_GE, 7, OP_GE}, {PK_SHL, 8, OP_SHL},
        {PK_SHR, 8, OP_SHR}, {'+', 9, OP_ADD},   {'-', 9, OP_SUB},  {'*', 10, OP_MUL},
        {'/', 10, OP_DIV},  {'%', 10, OP_MOD}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].p == t->punct) {
            *op = tab[i].op;
            return tab[i].prec;
        }
    return 0;
}

static ex_node *parse_binary(ex_parser *ps, int minprec)
{
    ex_node *a = parse_unary(ps);
    while (a) {
        tok t = peek(ps);
        int op, prec = binop(&t, &op);
        if (!prec || prec < minprec)
            break;
        next(ps);
        if (!enter(ps))
            return NULL;
        ex_node *b = parse_binary(ps, prec + 1);
        ps->depth--;
        if (!b)
            return NULL;
        a = rf_ex_binary(ps, op, a, b, (int)t.pos);
    }
    return a;
}

static ex_node *parse_expr(ex_parser *ps)
{
    if (!enter(ps))
        return NULL;
    ex_node *c = parse_binary(ps, 1);
    tok t = peek(ps);
    if (c && is_punct(&t, '?')) {
        next(ps);
        ex_node *a = parse_expr(ps);
        ex_node *b = a && expect(ps, ':', "':'") ? parse_expr(ps) : NULL;
        c = b ? rf_ex_select(ps, c, a, b, (int)t.pos) : NULL;
    }
    ps->depth--;
    return c;
}

ex_node *rf_ex_parse(ex_parser *ps)
{
    ex_node *root = parse_expr(ps);
    if (!root)
        return NULL;
    tok t = peek(ps);
    if (t.kind != TK_END)
        return t.kind == TK_BAD ? syntax(ps, &t, "")
                                : (rf_ex_fail_at(ps, RF_ERR_ARG, t.pos,
                                              "syntax error: unexpected '%.*s'",
                                              (int)(t.len > 40 ? 40 : t.len), ps->text + t.pos),
                                   NULL);
    return root;
}
