/* The .rgp grammar, for lemon. Actions are one to three lines that call a
 * constructor from compiler/ast.c; the parser state rides in %extra_context. */
%name rgpParse
%token_prefix TK_
%token_type { token }
%extra_context { parse_state *ps }
%start_symbol program

%include {
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include "parse.h"
#define A_ (ps->arena)
}

%syntax_error {
    /* The tokens that could be shifted here; a state with a default reduction
     * accepts everything, and then the driver says "unexpected" instead. */
    int expected[8], n = 0;
    for (int i = 1; i < YYNTOKEN && n < 8; i++)
        if (yy_find_shift_action((YYCODETYPE)i, yypParser->yytos->stateno) < YY_ERROR_ACTION) expected[n++] = i;
    int decls_only = n > 0;   /* the declaration keywords: always listed */
    for (int k = 0; k < n; k++) decls_only &= parse_starts_decl(expected[k]);
    parse_syntax_error(ps, &yyminor, expected, n > 6 && !decls_only ? 0 : n);
}
%parse_failure { ps->failed = 1; }
%stack_overflow { parse_too_deep(ps); }
%stack_size PARSE_STACK_DEPTH

/* Declaration keywords first, so "expected ..." lists them in this order. */
%token SCHEMA SOURCE STAGE SINK ROUTE OPTIONS TABLE TEST.

/* Keywords of keyed blocks that are also common field names: where a name
 * fits and the keyword does not, the parser takes them as names. */
%fallback IDENT BY STATE EMIT LET GROUP DEDUP ON WINDOW EVERY ROUTE DELTA THROTTLE SAMPLE FROM LIMIT SORT TOP TABLE JOIN LATENESS TEST INPUT EXPECT FOR.

%left OR.
%left AND.
%right NOT.
%nonassoc EQ NE LT LE GT GE.
%left PLUS MINUS.
%left STAR SLASH PERCENT.
%right UMINUS.

/* program ::= decl* */
program ::= decls.
decls ::= .
decls ::= decls decl(D).                 { if (D) parse_add_decl(ps, D); }

%type decl { ast_decl * }
/* schema NAME { field: type, ... } */
decl(D) ::= SCHEMA IDENT(N) LBRACE fields(F) RBRACE.  { D = ast_decl_new(A_, D_SCHEMA, &N); D->fields = F; }
/* source NAME = ENDPOINT as FORMAT [with { ... }] */
decl(D) ::= SOURCE IDENT(N) ASSIGN spec(E) AS spec(F) with(W).  { D = ast_decl_new(A_, D_SOURCE, &N); D->endpoint = E; D->format = F; D->options = W; }
/* stage NAME = INPUT | op | op ... [with { ... }]   where INPUT is a stream or merge(a, b, ...) */
decl(D) ::= STAGE IDENT(N) ASSIGN spec(I) ops(O) with(W).  { D = ast_decl_new(A_, D_STAGE, &N); D->input_spec = I; D->ops = O; D->options = W; }
/* stage NAME = merge(a, b, ...) on TIME [lateness: N UNIT] | op ...: the inputs in event-time order */
decl(D) ::= STAGE IDENT(N) ASSIGN spec(I) ON IDENT(T) mlate(L) ops(O) with(W).  { D = ast_decl_new(A_, D_STAGE, &N); D->input_spec = I; D->merge_on = ast_ident(A_, &T); D->merge_lateness = L; D->ops = O; D->options = W; }
%type mlate { ast_arg * }
mlate(L) ::= .                           { L = NULL; }
/* a keyword of its own (a name elsewhere): after `on TIME` a name could not tell it from a `table` that follows */
mlate(L) ::= LATENESS(K) COLON INT(V) IDENT(U).  { L = ast_arg_new(A_, &K, ast_int(A_, &V)); L->unit = ast_name(A_, &U); L->unit_loc = ast_loc(&U); }
/* sink NAME = ENDPOINT as FORMAT <- INPUT [with { ... }] */
decl(D) ::= SINK IDENT(N) ASSIGN spec(E) AS spec(F) ARROW IDENT(I) with(W).  { D = ast_decl_new(A_, D_SINK, &N); D->endpoint = E; D->format = F; D->input = ast_name(A_, &I); D->input_loc = ast_loc(&I); D->options = W; }
/* a journal sink writes records, in no text format: sink j = journal("DIR") <- s */
decl(D) ::= SINK IDENT(N) ASSIGN spec(E) ARROW IDENT(I) with(W).  { D = ast_decl_new(A_, D_SINK, &N); D->endpoint = E; D->input = ast_name(A_, &I); D->input_loc = ast_loc(&I); D->options = W; }
/* route NAME = INPUT { BRANCH: COND, ..., default: BRANCH }: each record goes to the
 * first branch whose condition holds; each branch is a stream of its own */
decl(D) ::= ROUTE IDENT(N) ASSIGN IDENT(I) LBRACE items(B) RBRACE with(W).  { D = ast_decl_new(A_, D_ROUTE, &N); D->input = ast_name(A_, &I); D->input_loc = ast_loc(&I); D->branches = B; D->options = W; }
/* options { key: value, ... }: defaults for the whole pipeline */
decl(D) ::= OPTIONS(K) LBRACE optlist(L) RBRACE.  { D = ast_decl_new(A_, D_OPTIONS, &K); D->options = L; }

/* table NAME = ENDPOINT as FORMAT by KEY | by (KEY, ...): a lookup table, loaded before any stream starts */
decl(D) ::= TABLE IDENT(N) ASSIGN spec(E) AS spec(F) BY tkeys(K) with(W).  { D = ast_decl_new(A_, D_TABLE, &N); D->endpoint = E; D->format = F; D->keys = K; D->options = W; }
/* table NAME = stream STREAM by KEY | by (KEY, ...): each key's latest record of a stream */
decl(D) ::= TABLE IDENT(N) ASSIGN IDENT(S) IDENT(I) BY tkeys(K) with(W).  { D = ast_decl_new(A_, D_TABLE, &N); D->endpoint = ast_ident(A_, &S); D->input = ast_name(A_, &I); D->input_loc = ast_loc(&I); D->keys = K; D->options = W; }
%type tkeys { ast_arg * }
tkeys(L) ::= IDENT(N).                   { L = ast_arg_new(A_, NULL, ast_ident(A_, &N)); }
tkeys(L) ::= LPAREN keys(K) RPAREN.      { L = K; }

/* test "NAME" { input SOURCE = """rows""" expect SINK = """rows""" expect count(SINK) == N } */
decl(D) ::= TEST(K) STRING(N) LBRACE checks(L) RBRACE.  { D = ast_decl_new(A_, D_TEST, &K); D->title = ast_string(A_, &N); D->checks = L; }
%type checks { ast_check * }
checks(L) ::= .                          { L = NULL; }
checks(L) ::= checks(L) check(C).        { AST_APPEND(ast_check, L, C); }
%type check { ast_check * }
check(C) ::= INPUT(K) IDENT(N) ASSIGN text(T).   { C = ast_check_new(A_, CHECK_INPUT, &K, &N, T, NULL); }
check(C) ::= EXPECT(K) IDENT(N) ASSIGN text(T).  { C = ast_check_new(A_, CHECK_OUTPUT, &K, &N, T, NULL); }
check(C) ::= EXPECT(K) expr(E).                  { C = ast_check_new(A_, CHECK_CONDITION, &K, NULL, NULL, E); }
%type text { ast_expr * }
text(X) ::= TEXT(T).                     { X = ast_text(A_, &T); }
text(X) ::= STRING(T).                   { X = ast_string(A_, &T); }

%type with { ast_arg * }
with(W) ::= .                            { W = NULL; }
with(W) ::= WITH LBRACE optlist(L) RBRACE.  { W = L; }
%type optlist { ast_arg * }
optlist(L) ::= opt(A).                   { L = A; }
optlist(L) ::= optlist(L) COMMA opt(A).  { AST_APPEND(ast_arg, L, A); }
optlist(L) ::= optlist(L) COMMA.
%type opt { ast_arg * }
opt(A) ::= IDENT(N) COLON expr(E).       { A = ast_arg_new(A_, &N, E); }
/* NAME: N UNIT, a length of time: with { idle: 5 s } (as arg's sizes are held) */
opt(A) ::= IDENT(N) COLON INT(V) IDENT(U).  { A = ast_arg_new(A_, &N, ast_int(A_, &V)); A->unit = ast_name(A_, &U); A->unit_loc = ast_loc(&U); }

%type fields { ast_field * }
fields(L) ::= field(F).                  { L = F; }
fields(L) ::= fields(L) COMMA field(F).  { AST_APPEND(ast_field, L, F); }
fields(L) ::= fields(L) COMMA.           /* trailing comma */
%type field { ast_field * }
field(F) ::= IDENT(N) COLON IDENT(T).    { F = ast_field_new(A_, &N, &T); }
/* NAME: TYPE = DEFAULT: the value a JSON object without the member gets */
field(F) ::= IDENT(N) COLON IDENT(T) ASSIGN expr(E).  { F = ast_field_new(A_, &N, &T); F->init = E; }
/* NAME: TYPE from "a.b" [= DEFAULT]: a JSON member inside nested objects */
field(F) ::= IDENT(N) COLON IDENT(T) FROM STRING(P).  { F = ast_field_new(A_, &N, &T); F->path = ast_string(A_, &P); }
field(F) ::= IDENT(N) COLON IDENT(T) FROM STRING(P) ASSIGN expr(E).  { F = ast_field_new(A_, &N, &T); F->path = ast_string(A_, &P); F->init = E; }
/* NAME: map[K]V parses anywhere a field does, so that sema can say where maps may go */
field(F) ::= IDENT(N) COLON IDENT(T) LBRACKET IDENT(K) RBRACKET IDENT(V).  { F = ast_field_new(A_, &N, &T); ast_field_map(A_, F, &K, &V); }

/* spec ::= NAME | NAME ( args ): stdin, file("x.csv"), csv(Reading, header: true) */
%type spec { ast_expr * }
spec(E) ::= IDENT(N).                    { E = ast_ident(A_, &N); }
spec(E) ::= IDENT(N) LPAREN args(A) RPAREN(C).  { E = ast_call(A_, &N, A, &C); }

%type ops { ast_op * }
ops(L) ::= .                             { L = NULL; }
ops(L) ::= ops(L) PIPE op(O).            { AST_APPEND(ast_op, L, O); }
%type op { ast_op * }
op(O) ::= WHERE(K) expr(E).              { O = ast_where(A_, &K, E); }
op(O) ::= SELECT(K) LBRACE items(I) RBRACE.  { O = ast_select(A_, &K, I); }
/* by KEY, ... state { var: type = init, ... } { statements } */
op(O) ::= BY(K) keys(L) STATE LBRACE statevars(S) RBRACE LBRACE stmts(B) RBRACE.  { O = ast_keyed(A_, &K, L, S, B); }

/* group [by KEY, ...] { name: aggregate(expr), ... }: one record per key at the end of input */
op(O) ::= GROUP(K) BY keys(L) LBRACE items(I) RBRACE.  { O = ast_group(A_, &K, L, I); }
op(O) ::= GROUP(K) LBRACE items(I) RBRACE.  { O = ast_group(A_, &K, NULL, I); }

/* dedup by KEY, ... [on FIELD, ...]: drop a record equal (on those fields) to the last of its key */
/* ... within N UNIT [of TIME]: a repeat passes again once N UNIT have gone by since
 * its key last passed (event time TIME, or the clock) */
op(O) ::= DEDUP(K) BY keys(L) within(W).           { O = ast_dedup(A_, &K, L, NULL); ast_dedup_within(O, W); }
op(O) ::= DEDUP(K) BY keys(L) ON keys(F) within(W). { O = ast_dedup(A_, &K, L, F); ast_dedup_within(O, W); }
/* without by: like uniq, a record equal to the one before it is dropped */
op(O) ::= DEDUP(K) within(W).            { O = ast_dedup(A_, &K, NULL, NULL); ast_dedup_within(O, W); }
op(O) ::= DEDUP(K) ON keys(F) within(W). { O = ast_dedup(A_, &K, NULL, F); ast_dedup_within(O, W); }
%type within { ast_wmod * }
within(W) ::= .                          { W = NULL; }
within(W) ::= IDENT(K) INT(N) IDENT(U).  { W = ast_wmod_new(A_, &K, &N, &U, NULL); }
within(W) ::= IDENT(K) INT(N) IDENT(U) IDENT(OF) IDENT(T).  { W = ast_wmod_new(A_, &K, &N, &U, &T); W->next = ast_wmod_new(A_, &OF, NULL, NULL, NULL); }

/* delta by KEY, ... [state { ... }] { statements }: keyed state that also sees
 * prev.FIELD, the key's previous record (has_prev is false on the first) */
op(O) ::= DELTA(K) BY keys(L) LBRACE stmts(B) RBRACE.  { O = ast_keyed(A_, &K, L, NULL, B); O->kind = OP_DELTA; }
op(O) ::= DELTA(K) BY keys(L) STATE LBRACE statevars(S) RBRACE LBRACE stmts(B) RBRACE.  { O = ast_keyed(A_, &K, L, S, B); O->kind = OP_DELTA; }

/* window TIME every N UNIT [slide N UNIT] ...    tumbling or sliding
 * window TIME gap N UNIT ...                     sessions
 * window count N ...                             every N records of a key
 * then [lateness N UNIT] [late STREAM] [by KEY, ...] { aggregates } */
op(O) ::= WINDOW(K) IDENT(T) EVERY INT(N) IDENT(U) wmods(M) optby(L) LBRACE items(I) RBRACE.  { O = ast_window(A_, &K, W_TUMBLING, &T, &N, &U, M, L, I); }
op(O) ::= WINDOW(K) IDENT(T) IDENT(G) INT(N) IDENT(U) wmods(M) optby(L) LBRACE items(I) RBRACE.  { O = ast_window(A_, &K, W_SESSION, &T, &N, &U, M, L, I); O->word = ast_name(A_, &G); O->word_loc = ast_loc(&G); }
op(O) ::= WINDOW(K) IDENT(C) INT(N) wmods(M) optby(L) LBRACE items(I) RBRACE.  { O = ast_window(A_, &K, W_COUNT, NULL, &N, NULL, M, L, I); O->word = ast_name(A_, &C); O->word_loc = ast_loc(&C); }
%type wmods { ast_wmod * }
wmods(L) ::= .                           { L = NULL; }
wmods(L) ::= wmods(L) IDENT(W) INT(N) IDENT(U).  { AST_APPEND(ast_wmod, L, ast_wmod_new(A_, &W, &N, &U, NULL)); }
wmods(L) ::= wmods(L) IDENT(W) IDENT(S).  { AST_APPEND(ast_wmod, L, ast_wmod_new(A_, &W, NULL, NULL, &S)); }
%type optby { ast_arg * }
optby(L) ::= .                           { L = NULL; }
optby(L) ::= BY keys(K).                 { L = K; }

/* throttle N every M UNIT [by KEY, ...] [on TIME]: at most N records per key per span */
op(O) ::= THROTTLE(K) INT(N) EVERY INT(M) IDENT(U) optby(L) opton(T).  { O = ast_throttle(A_, &K, &N, &M, &U, L, T); }
%type opton { ast_expr * }
opton(E) ::= .                           { E = NULL; }
opton(E) ::= ON IDENT(T).                { E = ast_ident(A_, &T); }

/* sample every N: the 1st, N+1st, ... record; sample F [seed S]: a fraction F, seeded */
op(O) ::= SAMPLE(K) EVERY INT(N).        { O = ast_sample(A_, &K, &N, NULL, NULL, NULL); }
op(O) ::= SAMPLE(K) FLOAT(F).            { O = ast_sample(A_, &K, NULL, &F, NULL, NULL); }
op(O) ::= SAMPLE(K) FLOAT(F) IDENT(W) INT(S).  { O = ast_sample(A_, &K, NULL, &F, &W, &S); }

/* limit N: after a group or window, the first N records of each set they send */
op(O) ::= LIMIT(K) INT(N).               { O = ast_limit(A_, &K, &N); }

/* sort by FIELD [desc], ...: after a group or window, each set they send in order */
op(O) ::= SORT(K) BY sortkeys(L).        { O = ast_sort(A_, &K, L); }
/* top N by FIELD [desc], ...: sort by them, then limit N, holding at most 2N records */
op(O) ::= TOP(K) INT(N) BY sortkeys(L).  { O = ast_sort(A_, &K, L); O->limit = strtoull(ast_name(A_, &N), NULL, 10); O->word_loc = ast_loc(&N); O->word = "top"; }
/* join TABLE on KEY | on (KEY, ...) [or default]: each record with its table row (inner),
 * or with the table's defaults where it has none (left) */
op(O) ::= JOIN(K) IDENT(T) ON tkeys(L).  { O = ast_join(A_, &K, &T, L, NULL); }
op(O) ::= JOIN(K) IDENT(T) ON tkeys(L) OR IDENT(D).  { O = ast_join(A_, &K, &T, L, &D); }
%type sortkeys { ast_arg * }
sortkeys(L) ::= sortkey(A).              { L = A; }
sortkeys(L) ::= sortkeys(L) COMMA sortkey(A).  { AST_APPEND(ast_arg, L, A); }
%type sortkey { ast_arg * }
sortkey(A) ::= IDENT(N).                 { A = ast_arg_new(A_, NULL, ast_ident(A_, &N)); }
sortkey(A) ::= IDENT(N) IDENT(D).        { A = ast_arg_new(A_, NULL, ast_ident(A_, &N)); ast_sort_order(A_, A, &D); }

%type keys { ast_arg * }
keys(L) ::= IDENT(N).                    { L = ast_arg_new(A_, NULL, ast_ident(A_, &N)); }
keys(L) ::= keys(L) COMMA IDENT(N).      { AST_APPEND(ast_arg, L, ast_arg_new(A_, NULL, ast_ident(A_, &N))); }
%type statevars { ast_field * }
statevars(L) ::= statevar(F).            { L = F; }
statevars(L) ::= statevars(L) COMMA statevar(F).  { AST_APPEND(ast_field, L, F); }
statevars(L) ::= statevars(L) COMMA.
%type statevar { ast_field * }
statevar(F) ::= IDENT(N) COLON IDENT(T) ASSIGN expr(E).  { F = ast_field_new(A_, &N, &T); F->init = E; }
/* NAME: map[KEY_TYPE]VALUE_TYPE, a sorted map, empty for a new key */
statevar(F) ::= IDENT(N) COLON IDENT(T) LBRACKET IDENT(K) RBRACKET IDENT(V).  { F = ast_field_new(A_, &N, &T); ast_field_map(A_, F, &K, &V); }

%type stmts { ast_stmt * }
stmts(L) ::= .                           { L = NULL; }
stmts(L) ::= stmts(L) stmt(S).           { AST_APPEND(ast_stmt, L, S); }
%type stmt { ast_stmt * }
stmt(S) ::= ifstmt(X).                   { S = X; }
stmt(S) ::= EMIT(K) LBRACE items(I) RBRACE.  { S = ast_stmt_new(A_, S_EMIT, &K); S->items = I; }
stmt(S) ::= LET(K) IDENT(N) ASSIGN expr(E).  { S = ast_stmt_new(A_, S_LET, &K); S->name = ast_name(A_, &N); S->name_loc = ast_loc(&N); S->value = E; }
stmt(S) ::= IDENT(N) ASSIGN(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_ADD, true, E); }
stmt(S) ::= IDENT(N) PLUSEQ(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_ADD, false, E); }
stmt(S) ::= IDENT(N) MINUSEQ(K) expr(E). { S = ast_assign(A_, &N, &K, BIN_SUB, false, E); }
stmt(S) ::= IDENT(N) STAREQ(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_MUL, false, E); }
/* MAP[KEY] = V, += V, -= V, *= V: one key's value */
stmt(S) ::= IDENT(N) LBRACKET expr(I) RBRACKET ASSIGN(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_ADD, true, E); S->index = I; }
stmt(S) ::= IDENT(N) LBRACKET expr(I) RBRACKET PLUSEQ(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_ADD, false, E); S->index = I; }
stmt(S) ::= IDENT(N) LBRACKET expr(I) RBRACKET MINUSEQ(K) expr(E). { S = ast_assign(A_, &N, &K, BIN_SUB, false, E); S->index = I; }
stmt(S) ::= IDENT(N) LBRACKET expr(I) RBRACKET STAREQ(K) expr(E).  { S = ast_assign(A_, &N, &K, BIN_MUL, false, E); S->index = I; }
/* delete(MAP, KEY): a call as a statement */
stmt(S) ::= IDENT(N) LPAREN args(A) RPAREN(C).  { S = ast_stmt_new(A_, S_CALL, &N); S->value = ast_call(A_, &N, A, &C); }
/* for KEY, VALUE in MAP [desc] limit N { statements }: the first N entries in key order */
stmt(S) ::= FOR(K) IDENT(A) COMMA IDENT(B) IDENT(W) IDENT(M) LIMIT INT(N) LBRACE stmts(T) RBRACE.  { S = ast_for(A_, &K, &A, &B, &W, &M, NULL, &N, T); }
stmt(S) ::= FOR(K) IDENT(A) COMMA IDENT(B) IDENT(W) IDENT(M) IDENT(D) LIMIT INT(N) LBRACE stmts(T) RBRACE.  { S = ast_for(A_, &K, &A, &B, &W, &M, &D, &N, T); }
/* without limit N: parsed so that sema can say a for needs one */
stmt(S) ::= FOR(K) IDENT(A) COMMA IDENT(B) IDENT(W) IDENT(M) LBRACE(L) stmts(T) RBRACE.  { S = ast_for(A_, &K, &A, &B, &W, &M, NULL, &L, T); S->limit_missing = true; }
stmt(S) ::= FOR(K) IDENT(A) COMMA IDENT(B) IDENT(W) IDENT(M) IDENT(D) LBRACE(L) stmts(T) RBRACE.  { S = ast_for(A_, &K, &A, &B, &W, &M, &D, &L, T); S->limit_missing = true; }
%type ifstmt { ast_stmt * }
ifstmt(S) ::= IF(K) expr(C) LBRACE stmts(T) RBRACE.  { S = ast_stmt_new(A_, S_IF, &K); S->value = C; S->then = T; }
ifstmt(S) ::= IF(K) expr(C) LBRACE stmts(T) RBRACE ELSE LBRACE stmts(E) RBRACE.  { S = ast_stmt_new(A_, S_IF, &K); S->value = C; S->then = T; S->otherwise = E; }
ifstmt(S) ::= IF(K) expr(C) LBRACE stmts(T) RBRACE ELSE ifstmt(E).  { S = ast_stmt_new(A_, S_IF, &K); S->value = C; S->then = T; S->otherwise = E; }

/* select items: NAME (copy the field) or NAME: EXPR */
%type items { ast_item * }
items(L) ::= item(I).                    { L = I; }
items(L) ::= items(L) COMMA item(I).     { AST_APPEND(ast_item, L, I); }
items(L) ::= items(L) COMMA.
%type item { ast_item * }
item(I) ::= IDENT(N).                    { I = ast_item_new(A_, &N, NULL); }
item(I) ::= IDENT(N) COLON expr(E).      { I = ast_item_new(A_, &N, E); }
/* NAME: { items }, a nested object (select and emit); {} parses so that sema can say it is empty */
item(I) ::= IDENT(N) COLON LBRACE(B) items(M) RBRACE.  { I = ast_item_object(A_, &N, &B, M); }
item(I) ::= IDENT(N) COLON LBRACE(B) RBRACE.  { I = ast_item_object(A_, &N, &B, NULL); }

%type args { ast_arg * }
args(L) ::= .                            { L = NULL; }
args(L) ::= arglist(A).                  { L = A; }
%type arglist { ast_arg * }
arglist(L) ::= arg(A).                   { L = A; }
arglist(L) ::= arglist(L) COMMA arg(A).  { AST_APPEND(ast_arg, L, A); }
%type arg { ast_arg * }
arg(A) ::= expr(E).                      { A = ast_arg_new(A_, NULL, E); }
arg(A) ::= IDENT(N) COLON expr(E).       { A = ast_arg_new(A_, &N, E); }
/* NAME: N UNIT, a size: csv(Row, max_row: 4 MiB) */
arg(A) ::= IDENT(N) COLON INT(V) IDENT(U).  { A = ast_arg_new(A_, &N, ast_int(A_, &V)); A->unit = ast_name(A_, &U); A->unit_loc = ast_loc(&U); }

%type expr { ast_expr * }
expr(E) ::= INT(T).                      { E = ast_int(A_, &T); }
expr(E) ::= FLOAT(T).                    { E = ast_float(A_, &T); }
expr(E) ::= STRING(T).                   { E = ast_string(A_, &T); }
expr(E) ::= TRUE(T).                     { E = ast_bool(A_, &T, true); }
expr(E) ::= FALSE(T).                    { E = ast_bool(A_, &T, false); }
expr(E) ::= IDENT(T).                    { E = ast_ident(A_, &T); }
expr(E) ::= IDENT(N) LPAREN args(A) RPAREN(C).  { E = ast_call(A_, &N, A, &C); }
/* MAP[KEY]: the key's value, the value type's zero when it is missing */
expr(E) ::= IDENT(N) LBRACKET expr(K) RBRACKET(C).  { E = ast_index(A_, &N, K, &C); }
/* prev.FIELD in a delta block, TABLE.FIELD after a join, OBJECT.FIELD (a.b.c) after a nested select */
expr(E) ::= dotted(X).                   { E = X; }
%type dotted { ast_expr * }
dotted(E) ::= IDENT(Q) DOT IDENT(N).     { E = ast_ident(A_, &N); E->qual = ast_name(A_, &Q); E->loc = ast_span(ast_loc(&Q), E->loc); }
dotted(E) ::= dotted(L) DOT IDENT(N).    { E = ast_qualify(A_, L, &N); }
expr(E) ::= ifexpr(X).                  { E = X; }
/* if COND { A } else { B }, or else if ... : a value, both branches of one type */
%type ifexpr { ast_expr * }
ifexpr(E) ::= IF(K) expr(C) LBRACE expr(A) RBRACE ELSE LBRACE expr(B) RBRACE.  { E = ast_if(A_, &K, C, A, B); }
ifexpr(E) ::= IF(K) expr(C) LBRACE expr(A) RBRACE ELSE ifexpr(B).  { E = ast_if(A_, &K, C, A, B); }
expr(E) ::= LPAREN expr(X) RPAREN.             { E = X; }
expr(E) ::= MINUS(O) expr(X). [UMINUS]   { E = ast_unary(A_, &O, UN_NEG, X); }
expr(E) ::= NOT(O) expr(X).              { E = ast_unary(A_, &O, UN_NOT, X); }
expr(E) ::= expr(L) OR(O) expr(R).       { E = ast_binary(A_, &O, BIN_OR, L, R); }
expr(E) ::= expr(L) AND(O) expr(R).      { E = ast_binary(A_, &O, BIN_AND, L, R); }
expr(E) ::= expr(L) EQ(O) expr(R).       { E = ast_binary(A_, &O, BIN_EQ, L, R); }
expr(E) ::= expr(L) NE(O) expr(R).       { E = ast_binary(A_, &O, BIN_NE, L, R); }
expr(E) ::= expr(L) LT(O) expr(R).       { E = ast_binary(A_, &O, BIN_LT, L, R); }
expr(E) ::= expr(L) LE(O) expr(R).       { E = ast_binary(A_, &O, BIN_LE, L, R); }
expr(E) ::= expr(L) GT(O) expr(R).       { E = ast_binary(A_, &O, BIN_GT, L, R); }
expr(E) ::= expr(L) GE(O) expr(R).       { E = ast_binary(A_, &O, BIN_GE, L, R); }
expr(E) ::= expr(L) PLUS(O) expr(R).     { E = ast_binary(A_, &O, BIN_ADD, L, R); }
expr(E) ::= expr(L) MINUS(O) expr(R).    { E = ast_binary(A_, &O, BIN_SUB, L, R); }
expr(E) ::= expr(L) STAR(O) expr(R).     { E = ast_binary(A_, &O, BIN_MUL, L, R); }
expr(E) ::= expr(L) SLASH(O) expr(R).    { E = ast_binary(A_, &O, BIN_DIV, L, R); }
expr(E) ::= expr(L) PERCENT(O) expr(R).  { E = ast_binary(A_, &O, BIN_MOD, L, R); }
