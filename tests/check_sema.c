/* Type checker tests: the types it infers, and the exact text of its errors. */
#include <check.h>
#include "check_util.h"

/* Compiles SCHEMA_R + "stage x = src | " + op + a sink, and returns the stage's output record. */
static const struct { const char *op; const char *field; type_id want; } infer_cases[] = {
    {"select { a: id + 1 }", "a", T_U32},
    {"select { a: id + small }", "a", T_I64},       /* u32 and i32 meet in i64 */
    {"select { a: small * 2 }", "a", T_I32},
    {"select { a: v + n }", "a", T_F64},
    {"select { a: t + 1000 }", "a", T_TIME},
    {"select { a: t - t }", "a", T_I64},
    {"select { a: 5 }", "a", T_I64},
    {"select { a: -5 }", "a", T_I64},
    {"select { a: min(id, 7) }", "a", T_U32},
    {"select { a: max(v, 1) }", "a", T_F64},
    {"select { a: abs(small) }", "a", T_I32},
    {"select { a: s == \"x\" }", "a", T_BOOL},
    {"select { a: s < s or not ok }", "a", T_BOOL},
    {"select { s }", "s", T_STR},
    {"select { a: big % 3 }", "a", T_U64},
    {"select { a: if ok { 1 } else { 2 } }", "a", T_I64},
    {"select { a: if ok { small } else { 2.5 } }", "a", T_F64},
    {"select { a: if ok { t } else { 0 } }", "a", T_TIME},
    {"select { a: sqrt(id) }", "a", T_F64},
    {"select { a: len(s) }", "a", T_I64},
    {"select { a: contains(s, \"x\") }", "a", T_BOOL},
    {"select { a: hash(s) }", "a", T_U64},
    {"select { a: i32(v) }", "a", T_I32},
    {"select { a: time(n) }", "a", T_TIME},
    {"select { a: upper(s) + \"!\" }", "a", T_STR},
    {"select { a: substr(s, 1, n) }", "a", T_STR},
    {"select { a: iso(t) }", "a", T_STR},
    {"select { a: part(s, \",\", 2) }", "a", T_STR},
    {"select { a: parse_i64(s, -1) }", "a", T_I64},
    {"select { a: parse_f64(s, 0) }", "a", T_F64},
    {"select { a: trunc(t, \"hour\") }", "a", T_TIME},
    {"group by s { a: count() }", "a", T_U64},
    {"window t every 5 m by s { a: avg(v) }", "window_end", T_TIME},
    {"group by s { a: sum(small) }", "a", T_I64},
    {"group by s { a: sum(id) }", "a", T_U64},
    {"group by s { a: sum(v) }", "a", T_F64},
    {"group { a: min(t) }", "a", T_TIME},
    {"group by s { a: last(ok) }", "a", T_BOOL},
    {"group by id { a: stddev(n) }", "a", T_F64},
};

START_TEST(test_infer)
{
    char src[1024], errs[2048];
    snprintf(src, sizeof src, SCHEMA_R "stage x = src | %s\nsink o = stdout as csv <- x\n", infer_cases[_i].op);
    compilation c;
    ck_assert_msg(compile_capture(&c, src, errs, sizeof errs) == 0, "%s: %s", infer_cases[_i].op, errs);
    rectype *r = c.prog->stages[0]->type;
    int k = rectype_find(r, infer_cases[_i].field);
    ck_assert_int_ge(k, 0);
    ck_assert_msg(r->fields[k].type == infer_cases[_i].want, "%s: got %s", infer_cases[_i].op, type_name(r->fields[k].type));
    driver_free(&c);
}
END_TEST

/* Each case: the stage's ops and the first line of the expected diagnostic. */
static const struct { const char *op; const char *want; } error_cases[] = {
    {"where v", "t.rgp:3:23: error: 'where' needs a bool condition, found f64"},
    {"where vv > 1.0", "t.rgp:3:23: error: unknown field 'vv' in record R (did you mean 'v'?); its fields are: id, v, n, s, t, ok, small, big"},
    {"where id > -1", "t.rgp:3:28: error: integer literal out of range for u32"},
    {"where small > 3000000000", "t.rgp:3:31: error: integer literal out of range for i32"},
    {"where n + big > 0", "t.rgp:3:25: error: no integer type holds both i64 and u64 for '+'"},
    {"where s > 1", "t.rgp:3:25: error: cannot compare str with integer literal"},
    {"where ok and 1", "t.rgp:3:26: error: 'and' needs bool operands, found bool and integer literal"},
    {"where -id > 0", "t.rgp:3:23: error: cannot negate a value of type u32"},
    {"where not v", "t.rgp:3:23: error: 'not' needs a bool, found f64"},
    {"select { a: v % 2.0 }", "t.rgp:3:31: error: '%' needs integer operands, found f64 and f64"},
    {"select { a: s - s }", "t.rgp:3:31: error: cannot apply '-' to str and str"},
    {"select { a: t * 2 }", "t.rgp:3:31: error: cannot apply '*' to time and integer literal (time takes + and - with integer milliseconds)"},
    {"select { a: mx(v, 1) }", "t.rgp:3:29: error: unknown function 'mx' (did you mean 'max'?)"},
    {"select { a: min(v) }", "t.rgp:3:29: error: 'min' takes 2 arguments, found 1"},
    {"select { a: abs(s) }", "t.rgp:3:33: error: 'abs' needs a number, found str"},
    {"select { a: id, a: v }", "t.rgp:3:33: error: field 'a' appears twice in this select"},
    {"select { a: if ok { 1 } else { s } }", "t.rgp:3:29: error: the branches of 'if' differ: integer literal and str"},
    {"select { a: if v { 1 } else { 2 } }", "t.rgp:3:32: error: 'if' needs a bool condition, found f64"},
    {"select { a: sqrt(s) }", "t.rgp:3:34: error: 'sqrt' needs a number, found str"},
    {"select { a: len(v) }", "t.rgp:3:33: error: 'len' needs a str, found f64"},
    {"select { a: i64(s) }", "t.rgp:3:33: error: 'i64' needs a number, bool or time, found str"},
    {"select { a: trunc(t, \"week\") }", "t.rgp:3:38: error: 'trunc' needs a unit: \"millisecond\", \"second\", \"minute\", \"hour\" or \"day\", found another str"},
    {"select { a: substr(s, v, 1) }", "t.rgp:3:39: error: 'substr' needs an integer, found f64"},
    {"select { a: parse_i64(s, 0.5) }", "t.rgp:3:42: error: 'parse_i64' needs an integer to use when the text is not one, found f64"},
    {"select { a: iso(n) }", "t.rgp:3:33: error: 'iso' needs a time, found i64"},
    {"select { a: s + 1 }", "t.rgp:3:31: error: cannot apply '+' to str and integer literal"},
    {"select { a: lem(s) }", "t.rgp:3:29: error: unknown function 'lem' (did you mean 'len'?)"},
    {"select { a: 99999999999999999999 }", "t.rgp:3:29: error: integer literal too large (the largest is 18446744073709551615)"},
};

START_TEST(test_errors)
{
    char src[1024], errs[2048];
    snprintf(src, sizeof src, SCHEMA_R "stage x = src | %s\nsink o = stdout as csv <- x\n", error_cases[_i].op);
    compilation c;
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    ck_assert_msg(strncmp(errs, error_cases[_i].want, strlen(error_cases[_i].want)) == 0 &&
                  errs[strlen(error_cases[_i].want)] == '\n',
                  "%s:\n got: %s\nwant: %s", error_cases[_i].op, errs, error_cases[_i].want);
    driver_free(&c);
}
END_TEST

START_TEST(test_several_errors_one_run)
{
    char errs[4096];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, SCHEMA_R
        "stage x = src | where vv > 1.0 | select { a: s + 1, b: nope }\n"
        "sink o = stdout as csv <- x\n", errs, sizeof errs), 1);
    ck_assert_int_eq(c.diag.errors, 3);
    driver_free(&c);
}
END_TEST

static const struct { const char *src; const char *want; } decl_cases[] = {
    {SCHEMA_R "sink o = stdout as csv <- hot\n", "t.rgp:3:27: error: unknown stream 'hot'"},
    {SCHEMA_R "sink o = stdout as csv <- srx\n", "t.rgp:3:27: error: unknown stream 'srx' (did you mean 'src'?)"},
    {SCHEMA_R "sink o = stdout as csv <- x\nstage x = src\n", "t.rgp:3:27: error: 'x' is declared later, at line 4; declare a stream before reading it"},
    {SCHEMA_R "stage src = src\nsink o = stdout as csv <- src\n", "t.rgp:3:7: error: 'src' is already declared as a source at line 2"},
    {"schema R { a: int }\n", "t.rgp:1:15: error: unknown type 'int' (did you mean 'i64'?); types are bool, i32, i64, u32, u64, f64, str, time"},
    {"schema R { a: u32, a: u32 }\n", "t.rgp:1:20: error: field 'a' is declared twice in schema R"},
    {"schema R { a: u32 }\nsource s = stdin as csv(Q)\n", "t.rgp:2:25: error: unknown schema 'Q'"},
    {"source s = stdin as lines(L)\nschema L { text: str }\n", "t.rgp:1:27: error: schema 'L' is declared later, at line 2; declare it before the source that reads it"},
    {"schema R { a: u32 }\nsource s = stdin as csv(R, heder: true)\n", "t.rgp:2:28: error: unknown csv option 'heder' (did you mean 'header'?); options are header, delimiter and max_row"},
    {"schema R { a: u32 }\nsource s = stdin as lines(R)\n", "t.rgp:2:27: error: lines(R) needs a schema of one str field, such as: schema Line { text: str }"},
    {"schema R { a: u32 }\nsource s = stdout as csv(R)\n", "t.rgp:2:12: error: expected stdin, file(\"path\"), journal(\"DIR\"), udp(\"HOST:PORT\"), tcp(\"HOST:PORT\") or nats(\"nats://HOST:PORT\", ...) for the input of 's'"},
    {SCHEMA_R "sink o = stdout as xml <- src\n", "t.rgp:3:20: error: expected csv, csv(header: ..., delimiter: ...) or jsonl as the format of sink 'o'"},
    {"schema R { a: u32 }\nsource s = file(\"d/a\") as csv(R)\nsink o = file(\"d/./a\") as csv <- s\n", "t.rgp:3:6: error: sink 'o' would overwrite \"d/./a\", which source 's' (line 2) reads; give the sink another file"},
    {"schema R { a: u32 }\nsource s = stdin as csv(R)\nsource t = stdin as csv(R)\nsink o = stdout as csv <- s\nsink p = stdout as csv <- t\n", "t.rgp:3:8: error: sources 's' and 't' both read stdin; only one source can"},
    {SCHEMA_R, "t.rgp:1:1: error: the pipeline has no sink; add one such as: sink out = stdout as csv <- STREAM"},
    {SCHEMA_R "sink o = stdout as csv <- src\nsink q = stdout as csv <- o\n", "t.rgp:4:27: error: 'o' is a sink; only sources and stages can be read"},
    {SCHEMA_R "sink o = stdout as csv <- src with { ring: 8 }\n", "t.rgp:3:38: error: no option 'ring' for sink 'o'; sink 'o' takes: policy, cpu, thread"},
    {SCHEMA_R "sink o = stdout as csv <- src with { colour: 1 }\n", "t.rgp:3:38: error: unknown option 'colour' for sink 'o'; sink 'o' takes: policy, cpu, thread"},
    {SCHEMA_R "stage x = src with { ring: 100 }\nsink o = stdout as csv <- x\n", "t.rgp:3:28: error: 'ring' must be a power of two, such as 128"},
    {SCHEMA_R "stage x = src with { wait: fast }\nsink o = stdout as csv <- x\n", "t.rgp:3:28: error: 'wait' takes spin, yield, blocking or adaptive"},
    {SCHEMA_R "sink o = stdout as csv <- src with { policy: drop_some }\n", "t.rgp:3:46: error: 'policy' takes block, drop_oldest, drop_newest, drop_oldest(N) or drop_newest(N)"},
    {SCHEMA_R "sink o = stdout as csv <- src with { cpu: 5000 }\n", "t.rgp:3:43: error: 'cpu' takes an integer from 0 to 1023"},
    {SCHEMA_R "sink o = stdout as csv <- src with { cpu: 1, cpu: 0 }\n", "t.rgp:3:46: error: option 'cpu' is given twice"},
    {"schema R { a: u32 }\nsource s = stdin as csv(R) with { idle: 5 weeks }\nsink o = stdout as csv <- s\n", "t.rgp:2:43: error: 'idle' takes a unit: ms, s, m, h or d"},
    {"schema R { a: u32 }\nsource s = stdin as csv(R) with { idle: 0 s }\nsink o = stdout as csv <- s\n", "t.rgp:2:41: error: 'idle' is from 1 ms to 365 days"},
    {"schema R { a: u32 }\nsource s = stdin as csv(R) with { idle: 5 }\nsink o = stdout as csv <- s\n", "t.rgp:2:41: error: 'idle' takes a length of time, as in idle: 5 s"},
    {SCHEMA_R "sink o = stdout as csv <- src with { idle: 5 s }\n", "t.rgp:3:38: error: no option 'idle' for sink 'o'; sink 'o' takes: policy, cpu, thread"},
    {"options { ring: 8 }\noptions { wait: spin }\n" SCHEMA_R "sink o = stdout as csv <- src\n", "t.rgp:2:1: error: a second options block; the first is at line 1"},
    {"options { policy: block }\n" SCHEMA_R "sink o = stdout as csv <- src\n", "t.rgp:1:11: error: no option 'policy' for options; options takes: ring, wait, threads, metrics, checkpoint, every"},
    {SCHEMA_R "stage m = merge(src)\nsink o = stdout as csv <- m\n", "t.rgp:3:11: error: expected a stream name or merge(a, b, ...) as the input of stage 'm'"},
    {SCHEMA_R "stage m = merge(src, src)\nsink o = stdout as csv <- m\n", "t.rgp:3:22: error: 'src' is merged twice"},
    {SCHEMA_R "sink o = stdout as csv <- src with { policy: drop_oldest(10000) }\n", "t.rgp:3:46: error: drop_oldest(10000) allows more lag than ring 'src' holds (4096 slots)"},
    {SCHEMA_R "sink o = stdout as csv <- src with { policy: drop_newest(1000) }\n", "t.rgp:3:46: error: drop_newest(N) needs N to be a power of two"},
    {SCHEMA_R "route r = src { a: ok }\nsink o = stdout as csv <- a\n", "t.rgp:3:7: error: route 'r' needs a default branch for the records no condition takes: end it with default: NAME"},
    {SCHEMA_R "route r = src { default: b, a: ok }\nsink o = stdout as csv <- a\n", "t.rgp:3:29: error: the default branch comes last: no record would reach 'a' after it"},
    {SCHEMA_R "route r = src { a: v, default: b }\nsink o = stdout as csv <- a\n", "t.rgp:3:20: error: a route's condition must be bool, found f64"},
    {SCHEMA_R "route r = src { a, default: b }\nsink o = stdout as csv <- a\n", "t.rgp:3:17: error: branch 'a' needs a condition: a: COND (or default: a for the rest)"},
    {SCHEMA_R "route r = src { a: ok, default: b }\nsink o = stdout as csv <- r\n", "t.rgp:4:27: error: 'r' is a route; read one of its branches: a, b"},
    {SCHEMA_R "route r = src { src: ok, default: b }\nsink o = stdout as csv <- b\n", "t.rgp:3:17: error: 'src' is already declared as a source at line 2"},
    {SCHEMA_R "table t = stdin as csv(R) by id\nsink o = stdout as csv <- src\n", "t.rgp:3:11: error: a table is read whole from a file before the streams start: write file(\"PATH\") as the input of table 't'"},
    {SCHEMA_R "table t = file(\"t\") as lines(R) by id\nsink o = stdout as csv <- src\n", "t.rgp:3:24: error: expected csv(Schema, header: true|false) or jsonl(Schema) as the format of table 't', not lines"},
    {SCHEMA_R "table t = file(\"t\") as xml by id\nsink o = stdout as csv <- src\n", "t.rgp:3:24: error: expected csv(Schema, header: true|false) or jsonl(Schema) as the format of table 't'"},
    {SCHEMA_R "table t = file(\"t\") as csv(R) by (id, n, id)\nsink o = stdout as csv <- src\n", "t.rgp:3:42: error: key 'id' appears twice in table 't'"},
    {SCHEMA_R "table src = file(\"t\") as csv(R) by id\nsink o = stdout as csv <- src\n", "t.rgp:3:7: error: 'src' is already declared as a source at line 2"},
    {SCHEMA_R "table t = file(\"t\") as csv(R) by id\nsink o = stdout as csv <- t\n", "t.rgp:4:27: error: 't' is a table, not a stream; join it in a stage, as in: stage x = STREAM | join t on KEY"},
    {SCHEMA_R "stage x = src | join t on id\ntable t = file(\"t\") as csv(R) by id\nsink o = stdout as csv <- x\n", "t.rgp:3:22: error: table 't' is declared later, at line 4; declare it before the stage that joins it"},
};

START_TEST(test_decl_errors)
{
    char errs[2048];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, decl_cases[_i].src, errs, sizeof errs), 1);
    ck_assert_msg(strncmp(errs, decl_cases[_i].want, strlen(decl_cases[_i].want)) == 0 &&
                  errs[strlen(decl_cases[_i].want)] == '\n', "\n got: %s\nwant: %s", errs, decl_cases[_i].want);
    driver_free(&c);
}
END_TEST

/* keyed blocks: the exact text of their errors */
static const struct { const char *op; const char *want; } keyed_cases[] = {
    {"by id state { c: u64 = 0 } { v = 1.0 emit { id } }", "t.rgp:3:46: error: 'v' is a field of the record, which a block cannot change; state variables and lets can be"},
    {"by id state { c: u64 = 0 } { c += 1 }", "t.rgp:3:17: error: this block never emits a record; add emit { ... }"},
    {"by id state { c: u64 = 0 } { emit { id } emit { c } }", "t.rgp:3:65: error: every emit of a block makes the same record: this is field 1, 'c: u64'; the emit at line 3 has 'id: u32'"},
    {"by id state { c: u64 = 0 } { emit { id } emit { id, c } }", "t.rgp:3:69: error: every emit of a block makes the same record: this emit has more fields than the one at line 3 (1)"},
    {"by id state { c: u64 = id } { emit { id } }", "t.rgp:3:40: error: a state variable starts from a literal value, such as 0, 0.0, \"\" or false"},
    {"by id state { v: u64 = 0 } { emit { id } }", "t.rgp:3:31: error: 'v' is a field of the record; pick another name"},
    {"by id state { c: u64 = 0 } { let c = 1 emit { id } }", "t.rgp:3:50: error: 'c' is a state variable; pick another name"},
    {"by id state { c: i32 = 0 } { c = big emit { id } }", "t.rgp:3:50: error: cannot store u64 in 'c', which is i32"},
    {"by id state { c: u64 = -1 } { emit { id } }", "t.rgp:3:40: error: integer literal out of range for u64"},
    {"by idd state { c: u64 = 0 } { emit { id } }", "t.rgp:3:20: error: unknown field 'idd' in record R (did you mean 'id'?); its fields are: id, v, n, s, t, ok, small, big"},
    {"by id state { c: u64 = 0 } { emit { id, o: {} } }", "t.rgp:3:60: error: object 'o' is empty; an object holds one field or more, as in o: { id: device_id }"},
    {"by id state { c: u64 = 0 } { emit { o: { c, c: v } } }", "t.rgp:3:61: error: key 'c' appears twice in object 'o'"},
    {"by id state { c: u64 = 0 } { emit { id, o: { c } } emit { id, o: { v } } }", "t.rgp:3:84: error: every emit of a block makes the same record: this is field 2, 'o.v: f64'; the emit at line 3 has 'o.c: u64'"},
    {"by id state { c: u64 = 0 } { if c > 0 { let x = 1 } emit { id, x } }", "t.rgp:3:80: error: unknown field 'x' in record R (did you mean 'v'?); its fields are: id, v, n, s, t, ok, small, big"},
};

static const struct { const char *op; const char *want; } group_cases[] = {
    {"group by id { m: median(v) }", "t.rgp:3:34: error: expected an aggregate: count(), sum, avg, min, max, first, last, var, stddev, p50, p90, p95, p99 or p999 of a value"},
    {"group by id { m: avgg(v) }", "t.rgp:3:34: error: expected an aggregate: count(), sum, avg, min, max, first, last, var, stddev, p50, p90, p95, p99 or p999 of a value (did you mean 'avg'?)"},
    {"group by id { m: count(v) }", "t.rgp:3:34: error: 'count' takes 0 arguments, found 1"},
    {"group by id { m: avg(s) }", "t.rgp:3:38: error: 'avg' needs a number, found str"},
    {"group by id { m: max(ok) }", "t.rgp:3:38: error: 'max' needs a number, time or str, found bool"},
    {"group by id { id: count() }", "t.rgp:3:31: error: field 'id' appears twice in this group"},
    {"group by id, id { c: count() }", "t.rgp:3:30: error: key 'id' is named twice"},
    {"by id, s, id state { c: u64 = 0 } { emit { id } }", "t.rgp:3:27: error: key 'id' is named twice"},
    {"dedup by s, s", "t.rgp:3:29: error: key 's' is named twice"},
    {"throttle 1 every 1 s by id, id", "t.rgp:3:45: error: key 'id' is named twice"},
    {"window t every 1 s by s, s { c: count() }", "t.rgp:3:42: error: key 's' is named twice"},
    {"window n every 1 s { c: count() }", "t.rgp:3:24: error: a window needs a time field, and 'n' is i64"},
    {"window t every 1 week { c: count() }", "t.rgp:3:34: error: a window's length takes a unit: ms, s, m, h or d"},
    {"window t every 0 s { c: count() }", "t.rgp:3:32: error: a window's length is from 1 ms to 365 days"},
    {"dedup by id on vv", "t.rgp:3:32: error: unknown field 'vv' in record R (did you mean 'v'?); its fields are: id, v, n, s, t, ok, small, big"},
    {"group by nope { m: count() }", "t.rgp:3:26: error: unknown field 'nope' in record R; its fields are: id, v, n, s, t, ok, small, big"},
    {"delta by id { if prev.vv > 1.0 { emit { id } } }", "t.rgp:3:34: error: unknown field 'vv' in prev, a record R (did you mean 'v'?); its fields are: id, v, n, s, t, ok, small, big"},
    {"delta by id { emit { id, x: prev } }", "t.rgp:3:45: error: 'prev' is the key's previous record: read its fields, as in prev.id"},
    {"by id state { c: u64 = 0 } { emit { id, p: prev.v } }", "t.rgp:3:60: error: 'prev.v': only prev.FIELD, in a delta block, reads a field through a dot"},
    {"window t every 10 s slide 3 s { c: count() }", "t.rgp:3:43: error: a window's slide must divide its length (10000 ms) evenly"},
    {"window t gap 10 s slide 5 s { c: count() }", "t.rgp:3:35: error: only 'every' windows slide: window TIME every N UNIT slide M UNIT"},
    {"window count 10 lateness 5 s { c: count() }", "t.rgp:3:33: error: count windows have no late records; 'lateness' needs event time"},
    {"window now every 1 s late l { c: count() }", "t.rgp:3:38: error: processing-time windows have no late records; 'late' needs event time"},
    {"window t every 1 s colour 5 s { c: count() }", "t.rgp:3:36: error: expected a window option: slide N UNIT, lateness N UNIT, ahead N UNIT or late STREAM"},
    {"window count 10 ahead 1 h { c: count() }", "t.rgp:3:33: error: count windows have no late records; 'ahead' needs event time"},
    {"window now every 1 s ahead 1 h { c: count() }", "t.rgp:3:38: error: processing-time windows have no late records; 'ahead' needs event time"},
    {"window t every 1 s ahead 0 s { c: count() }", "t.rgp:3:42: error: a window's 'ahead' bound is from 1 ms to 365 days"},
    {"window t every 1 s ahead 1 h ahead 2 h { c: count() }", "t.rgp:3:46: error: a second 'ahead' for this window; the first is at column 36"},
    {"window t every 1 s lateness 1 s lateness 2 s { c: count() }", "t.rgp:3:49: error: a second 'lateness' for this window; the first is at column 36"},
    {"window t size 1 s { c: count() }", "t.rgp:3:26: error: expected 'every' or 'gap' after the time field: window TIME every N UNIT, window TIME gap N UNIT or window count N"},
    {"window t every 1 s late src { c: count() }", "t.rgp:3:41: error: 'src' is already declared as a source at line 2"},
    {"window t every 2 s slide 1 ms { c: count() }", "t.rgp:3:42: error: a record would fall in 2000 windows; a slide makes at most 1024 windows overlap"},
    {"throttle 0 every 1 s", "t.rgp:3:26: error: throttle lets from 1 to 4294967295 records through per span"},
    {"throttle 5 every 1 week", "t.rgp:3:36: error: a throttle's span takes a unit: ms, s, m, h or d"},
    {"throttle 5 every 1 s by id on n", "t.rgp:3:47: error: 'on' needs a time field, and 'n' is i64"},
    {"sample 0.0", "t.rgp:3:24: error: a sampled fraction lies above 0 and at most 1, such as 0.1"},
    {"sample 0.5 sed 3", "t.rgp:3:28: error: expected 'seed' after the fraction, as in: sample 0.1 seed 42"},
    {"sample every 0", "t.rgp:3:30: error: sample every N needs N of 1 or more"},
    {"dedup by id within 5 weeks", "t.rgp:3:38: error: a dedup's span takes a unit: ms, s, m, h or d"},
    {"dedup by id on v within 5 s of s", "t.rgp:3:48: error: 'of' needs a time field, and 's' is str"},
    {"dedup by id on v during 5 s", "t.rgp:3:34: error: expected 'within N UNIT' after a dedup, as in: dedup by host on status within 5 m"},
};

/* A state variable that only ever changes (x = x + 1 included) is dead weight. */
START_TEST(test_unused_state_warning)
{
    char errs[2048];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, SCHEMA_R "stage x = src | by id state { a: u64 = 0, b: f64 = 0.0, c: u64 = 0 } {\n"
                                         "    a += 1\n    b = b + v\n    c = a\n    emit { id, c }\n}\n"
                                         "sink o = stdout as csv <- x\n", errs, sizeof errs), 0);
    ck_assert_msg(strstr(errs, "t.rgp:3:43: warning: state variable 'b' is never read: it only changes\n") != NULL, "%s", errs);
    ck_assert_msg(strstr(errs, "'a'") == NULL && strstr(errs, "'c'") == NULL, "%s", errs);
    driver_free(&c);
}
END_TEST

START_TEST(test_group_errors)
{
    char src[1024], errs[4096];
    snprintf(src, sizeof src, SCHEMA_R "stage x = src | %s\nsink o = stdout as csv <- x\n", group_cases[_i].op);
    compilation c;
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    ck_assert_msg(strncmp(errs, group_cases[_i].want, strlen(group_cases[_i].want)) == 0 && errs[strlen(group_cases[_i].want)] == '\n',
                  "%s:\n got: %s\nwant: %s", group_cases[_i].op, errs, group_cases[_i].want);
    driver_free(&c);
}
END_TEST

START_TEST(test_keyed_errors)
{
    char src[1024], errs[4096];
    snprintf(src, sizeof src, SCHEMA_R "stage x = src | %s\nsink o = stdout as csv <- x\n", keyed_cases[_i].op);
    compilation c;
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    ck_assert_msg(strncmp(errs, keyed_cases[_i].want, strlen(keyed_cases[_i].want)) == 0 && errs[strlen(keyed_cases[_i].want)] == '\n',
                  "%s:\n got: %s\nwant: %s", keyed_cases[_i].op, errs, keyed_cases[_i].want);
    driver_free(&c);
}
END_TEST

START_TEST(test_keyed_in_merge)
{
    char errs[4096];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, SCHEMA_R "source b = file(\"b\") as csv(R)\n"
        "stage m = merge(src, b) | by id state { c: u64 = 0 } { emit { id } }\nsink o = stdout as csv <- m\n", errs, sizeof errs), 1);
    ck_assert_msg(strstr(errs, "keyed state in a merge would be split between its inputs' threads; keep it in a stage that reads 'm'"), "got: %s", errs);
    driver_free(&c);
}
END_TEST

/* Every operator with state, in a merge: one error, once, calling it by its own name. */
static const struct { const char *op, *word; } merge_cases[] = {
    {"by id state { c: u64 = 0 } { emit { id } }", "keyed state"},
    {"delta by id { emit { id } }", "delta"},
    {"group by id { c: count() }", "group"},
    {"window t every 10 s { c: count() }", "window"},
    {"window count 5 by id { c: count() }", "window"},
    {"dedup by id", "dedup"},
    {"throttle 1 every 1 s", "throttle"},
    {"sample every 2", "sample"},
};

START_TEST(test_stateful_in_merge_once)
{
    char src[1024], errs[4096], want[256];
    snprintf(src, sizeof src, SCHEMA_R "source b = file(\"b\") as csv(R)\nstage m = merge(src, b) | %s\nsink o = stdout as csv <- m\n",
             merge_cases[_i].op);
    snprintf(want, sizeof want, "t.rgp:4:27: error: %s in a merge would be split between its inputs' threads; "
             "keep it in a stage that reads 'm'\n", merge_cases[_i].word);
    compilation c;
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    ck_assert_msg(strncmp(errs, want, strlen(want)) == 0, "%s:\n got: %s\nwant: %s", merge_cases[_i].op, errs, want);
    ck_assert_msg(!strstr(errs + strlen(want), "error:"), "%s: reported more than once:\n%s", merge_cases[_i].op, errs);
    driver_free(&c);
}
END_TEST

/* A field named twice in a window or group: one error, in the operator's own words. */
static const struct { const char *op, *want; } twice_cases[] = {
    {"window t every 10 s { a: count(), a: count() }", "t.rgp:3:51: error: field 'a' appears twice in this window"},
    {"window count 5 by id { id: count() }", "t.rgp:3:40: error: field 'id' appears twice in this window"},
    {"window t every 10 s { window_start: count() }", "t.rgp:3:39: error: field 'window_start' appears twice in this window"},
    {"group by id { a: count(), a: sum(v) }", "t.rgp:3:43: error: field 'a' appears twice in this group"},
};

START_TEST(test_field_twice_once)
{
    char src[1024], errs[4096];
    snprintf(src, sizeof src, SCHEMA_R "stage x = src | %s\nsink o = stdout as csv <- x\n", twice_cases[_i].op);
    compilation c;
    ck_assert_int_eq(compile_capture(&c, src, errs, sizeof errs), 1);
    size_t n = strlen(twice_cases[_i].want);
    ck_assert_msg(strncmp(errs, twice_cases[_i].want, n) == 0 && errs[n] == '\n', "%s:\n got: %s\nwant: %s",
                  twice_cases[_i].op, errs, twice_cases[_i].want);
    ck_assert_msg(!strstr(errs + n, "error:"), "%s: reported more than once:\n%s", twice_cases[_i].op, errs);
    driver_free(&c);
}
END_TEST

START_TEST(test_state_named_field_ok)
{
    /* `state`, `by`, `emit` and `let` are keywords only where they start keyed syntax */
    char errs[2048];
    compilation c;
    ck_assert_msg(compile_capture(&c, "schema E { state: str, by: i64, emit: bool, let: f64 }\nsource s = stdin as csv(E)\n"
        "stage t = s | where emit and by > 0 | select { state, let }\nsink o = stdout as csv <- t\n", errs, sizeof errs) == 0, "%s", errs);
    driver_free(&c);
}
END_TEST

START_TEST(test_unused_stage_warns)
{
    char errs[2048];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, SCHEMA_R "stage idle = src | where ok\nsink o = stdout as csv <- src\n",
                                     errs, sizeof errs), 0);
    ck_assert_msg(strstr(errs, "t.rgp:3:7: warning: stage 'idle' is never read") == errs, "got: %s", errs);
    driver_free(&c);
}
END_TEST

START_TEST(test_unused_table_warns)
{
    char errs[2048];
    compilation c;
    ck_assert_int_eq(compile_capture(&c, SCHEMA_R "table users = file(\"u.csv\") as csv(R, header: true) by id\nsink o = stdout as csv <- src\n",
                                     errs, sizeof errs), 0);
    ck_assert_msg(strstr(errs, "t.rgp:3:7: warning: table 'users' is never joined") == errs, "got: %s", errs);
    driver_free(&c);
}
END_TEST

Suite *sema_suite(void)
{
    Suite *s = suite_create("sema");
    TCase *tc = tcase_create("types");
    tcase_add_loop_test(tc, test_infer, 0, sizeof infer_cases / sizeof infer_cases[0]);
    tcase_add_loop_test(tc, test_errors, 0, sizeof error_cases / sizeof error_cases[0]);
    tcase_add_test(tc, test_several_errors_one_run);
    tcase_add_test(tc, test_unused_state_warning);
    tcase_add_test(tc, test_unused_table_warns);
    tcase_add_loop_test(tc, test_decl_errors, 0, sizeof decl_cases / sizeof decl_cases[0]);
    tcase_add_test(tc, test_unused_stage_warns);
    tcase_add_loop_test(tc, test_keyed_errors, 0, sizeof keyed_cases / sizeof keyed_cases[0]);
    tcase_add_test(tc, test_keyed_in_merge);
    tcase_add_loop_test(tc, test_stateful_in_merge_once, 0, sizeof merge_cases / sizeof merge_cases[0]);
    tcase_add_loop_test(tc, test_field_twice_once, 0, sizeof twice_cases / sizeof twice_cases[0]);
    tcase_add_loop_test(tc, test_group_errors, 0, sizeof group_cases / sizeof group_cases[0]);
    tcase_add_test(tc, test_state_named_field_ok);
    suite_add_tcase(s, tc);
    return s;
}
