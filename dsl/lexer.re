/* The .rgp lexer, compiled by re2c. Mostly one-line rules; positions and
 * error text are plain C outside the re2c block. Comments run from '#' to end of line. */
#include <stdio.h>
#include <string.h>
#include "lex.h"
#include "grammar.h"

void lex_init(lexer *L, const char *src, size_t len, diag *d)
{
    L->src = L->cur = L->line_start = src;
    L->end = src + len;
    L->line = 1;
    L->d = d;
}

static token make(lexer *L, int kind, const char *start)
{
    token t = {kind, start, (uint32_t)(L->cur - start), L->line, (uint32_t)(start - L->line_start) + 1};
    return t;
}

static token fail(lexer *L, const char *start, const char *msg)
{
    token t = make(L, TK_LEX_ERROR, start);
    if (t.len == 0) t.len = 1;
    unsigned char c = (unsigned char)*start;
    if (msg)
        diag_error(L->d, (srcloc){t.line, t.col, t.len}, "%s", msg);
    else if (c >= 0x21 && c < 0x7f)
        diag_error(L->d, (srcloc){t.line, t.col, 1}, "unexpected character '%c'", c);
    else
        diag_error(L->d, (srcloc){t.line, t.col, 1}, "unexpected byte 0x%02x", c);
    return t;
}

/* A text block, """ to """ over any number of lines, as test blocks hold
 * inputs and expected outputs: raw bytes, no escapes. The token starts at
 * the opening quotes; the lines it spans are counted. */
static token text_block(lexer *L, const char *start)
{
    token t = make(L, TK_TEXT, start);
    uint32_t line = L->line;
    const char *line_start = L->line_start;
    for (const char *q = L->cur; q + 2 < L->end; q++) {
        if (*q == 0) break;
        if (*q == '\n') line++, line_start = q + 1;
        if (q[0] == '"' && q[1] == '"' && q[2] == '"') {
            L->cur = q + 3;
            L->line = line;
            L->line_start = line_start;
            t.len = (uint32_t)(L->cur - start);
            return t;
        }
    }
    L->cur = start + 3;
    return fail(L, start, "unterminated text block: it opens with \"\"\" and must close with \"\"\"");
}

token lex_next(lexer *L)
{
    const char *YYMARKER;
    for (;;) {
        const char *start = L->cur;
#define YYCURSOR L->cur
        /*!re2c
        re2c:define:YYCTYPE = "unsigned char";
        re2c:yyfill:enable = 0;
        re2c:flags:utf-8 = 0;

        digits = [0-9]+;
        exp    = [eE] [+-]? digits;
        ident  = [a-zA-Z_] [a-zA-Z0-9_]*;
        strch  = [^"\\\n\x00] | "\\" [\\"ntr];

        "\x00"     { if (start >= L->end) { L->cur = start; return make(L, TK_EOF, start); }
                     return fail(L, start, NULL); }
        [ \t\r]+   { continue; }
        "\n"       { L->line++; L->line_start = L->cur; continue; }
        "#" [^\n\x00]* { continue; }

        "schema"   { return make(L, TK_SCHEMA, start); }
        "source"   { return make(L, TK_SOURCE, start); }
        "stage"    { return make(L, TK_STAGE, start); }
        "sink"     { return make(L, TK_SINK, start); }
        "with"     { return make(L, TK_WITH, start); }
        "if"       { return make(L, TK_IF, start); }
        "by"       { return make(L, TK_BY, start); }
        "state"    { return make(L, TK_STATE, start); }
        "emit"     { return make(L, TK_EMIT, start); }
        "let"      { return make(L, TK_LET, start); }
        "group"    { return make(L, TK_GROUP, start); }
        "dedup"    { return make(L, TK_DEDUP, start); }
        "on"       { return make(L, TK_ON, start); }
        "window"   { return make(L, TK_WINDOW, start); }
        "every"    { return make(L, TK_EVERY, start); }
        "route"    { return make(L, TK_ROUTE, start); }
        "delta"    { return make(L, TK_DELTA, start); }
        "throttle" { return make(L, TK_THROTTLE, start); }
        "sample"   { return make(L, TK_SAMPLE, start); }
        "limit"    { return make(L, TK_LIMIT, start); }
        "sort"     { return make(L, TK_SORT, start); }
        "top"      { return make(L, TK_TOP, start); }
        "table"    { return make(L, TK_TABLE, start); }
        "join"     { return make(L, TK_JOIN, start); }
        "for"      { return make(L, TK_FOR, start); }
        "lateness" { return make(L, TK_LATENESS, start); }
        "else"     { return make(L, TK_ELSE, start); }
        "options"  { return make(L, TK_OPTIONS, start); }
        "test"     { return make(L, TK_TEST, start); }
        "input"    { return make(L, TK_INPUT, start); }
        "expect"   { return make(L, TK_EXPECT, start); }
        "as"       { return make(L, TK_AS, start); }
        "from"     { return make(L, TK_FROM, start); }
        "where"    { return make(L, TK_WHERE, start); }
        "select"   { return make(L, TK_SELECT, start); }
        "and"      { return make(L, TK_AND, start); }
        "or"       { return make(L, TK_OR, start); }
        "not"      { return make(L, TK_NOT, start); }
        "true"     { return make(L, TK_TRUE, start); }
        "false"    { return make(L, TK_FALSE, start); }
        ident      { return make(L, TK_IDENT, start); }

        digits     { return make(L, TK_INT, start); }
        digits "." digits exp? | digits exp { return make(L, TK_FLOAT, start); }
        digits [a-zA-Z_] [a-zA-Z0-9_]* { return fail(L, start, "malformed number"); }
        "\"\"\""   { return text_block(L, start); }
        "\"" strch* "\"" { return make(L, TK_STRING, start); }
        "\"" strch* "\\" [^\\"ntr\n\x00]? { return fail(L, L->cur - 2 < start ? start : L->cur - 2,
                                             "unknown escape in string (use \\\\, \\\", \\n, \\t or \\r)"); }
        "\"" strch*  { return fail(L, start, "unterminated string (a string must close on the line it opens)"); }

        "{"  { return make(L, TK_LBRACE, start); }
        "}"  { return make(L, TK_RBRACE, start); }
        "("  { return make(L, TK_LPAREN, start); }
        "["  { return make(L, TK_LBRACKET, start); }
        "]"  { return make(L, TK_RBRACKET, start); }
        ")"  { return make(L, TK_RPAREN, start); }
        ","  { return make(L, TK_COMMA, start); }
        "."  { return make(L, TK_DOT, start); }
        ":"  { return make(L, TK_COLON, start); }
        "="  { return make(L, TK_ASSIGN, start); }
        "|"  { return make(L, TK_PIPE, start); }
        "<-" { return make(L, TK_ARROW, start); }
        "==" { return make(L, TK_EQ, start); }
        "!=" { return make(L, TK_NE, start); }
        "<"  { return make(L, TK_LT, start); }
        "<=" { return make(L, TK_LE, start); }
        ">"  { return make(L, TK_GT, start); }
        ">=" { return make(L, TK_GE, start); }
        "+=" { return make(L, TK_PLUSEQ, start); }
        "-=" { return make(L, TK_MINUSEQ, start); }
        "*=" { return make(L, TK_STAREQ, start); }
        "+"  { return make(L, TK_PLUS, start); }
        "-"  { return make(L, TK_MINUS, start); }
        "*"  { return make(L, TK_STAR, start); }
        "/"  { return make(L, TK_SLASH, start); }
        "%"  { return make(L, TK_PERCENT, start); }
        *    { return fail(L, start, NULL); }
        */
#undef YYCURSOR
    }
}

/* Display names for diagnostics, one per token kind the grammar declares. */
#define RGP_TOKEN_NAMES(X) \
    X(SCHEMA, "'schema'") X(SOURCE, "'source'") X(STAGE, "'stage'") X(SINK, "'sink'") \
    X(WITH, "'with'") X(OPTIONS, "'options'") X(IF, "'if'") X(ELSE, "'else'") \
    X(BY, "'by'") X(STATE, "'state'") X(EMIT, "'emit'") X(LET, "'let'") X(PLUSEQ, "'+='") X(MINUSEQ, "'-='") \
    X(STAREQ, "'*='") X(GROUP, "'group'") X(DEDUP, "'dedup'") X(ON, "'on'") \
    X(WINDOW, "'window'") X(EVERY, "'every'") X(ROUTE, "'route'") X(DELTA, "'delta'") \
    X(THROTTLE, "'throttle'") X(SAMPLE, "'sample'") X(LIMIT, "'limit'") X(SORT, "'sort'") X(TOP, "'top'") X(TABLE, "'table'") X(JOIN, "'join'") X(FOR, "'for'") X(LATENESS, "'lateness'") X(DOT, "'.'") \
    X(AS, "'as'") X(WHERE, "'where'") X(SELECT, "'select'") X(AND, "'and'") X(OR, "'or'") \
    X(NOT, "'not'") X(TRUE, "'true'") X(FALSE, "'false'") X(IDENT, "a name") \
    X(INT, "an integer") X(FLOAT, "a number") X(STRING, "a string") X(TEXT, "a text block") \
    X(TEST, "'test'") X(INPUT, "'input'") X(EXPECT, "'expect'") \
    X(LBRACE, "'{'") X(RBRACE, "'}'") X(LPAREN, "'('") X(RPAREN, "')'") X(LBRACKET, "'['") X(RBRACKET, "']'") X(COMMA, "','") \
    X(COLON, "':'") X(ASSIGN, "'='") X(PIPE, "'|'") X(ARROW, "'<-'") X(EQ, "'=='") \
    X(NE, "'!='") X(LT, "'<'") X(LE, "'<='") X(GT, "'>'") X(GE, "'>='") X(PLUS, "'+'") \
    X(MINUS, "'-'") X(STAR, "'*'") X(SLASH, "'/'") X(PERCENT, "'%'") X(UMINUS, "'-'")

const char *lex_token_name(int kind)
{
    switch (kind) {
    case TK_EOF: return "end of file";
#define X(tk, text) case TK_##tk: return text;
    RGP_TOKEN_NAMES(X)
#undef X
    }
    return "a token";
}
