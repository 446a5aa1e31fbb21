/* The rgp command line: a sorted table of commands, each with its handler and
 * help text. `rgp help CMD` and `rgp CMD --help` print the same text.
 * Exit status: 0 ok, 1 user error, 2 internal error; `rgp run` passes on the
 * pipeline's own (3 under --strict, 130 or 143 after a signal, 141 for a broken pipe). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "aot.h"
#include "driver.h"
#include "pipeline_test.h"
#include "emit.h"
#include "fmt.h"
#include "graph.h"
#include "jit.h"
#include "lsp.h"
#include "journal_tool.h"
#include "run.h"
#include "version.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
    const char *summary;
    const char *help;
} command;

static int cmd_build(int argc, char **argv);
static int cmd_check(int argc, char **argv);
static int cmd_emit(int argc, char **argv);
static int cmd_fmt(int argc, char **argv);
static int cmd_graph(int argc, char **argv);
static int cmd_help(int argc, char **argv);
static int cmd_journal(int argc, char **argv);
static int cmd_lsp(int argc, char **argv);
static int cmd_run(int argc, char **argv);
static int cmd_test(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int wants_help(int argc, char **argv);

static const command commands[] = {
    {"build", cmd_build, "compile a pipeline into a standalone binary with cc -O2",
     "Usage: rgp build FILE.rgp [-o OUTPUT]\n\n"
     "Compiles the pipeline to C and builds it with the system C compiler (cc -O2,\n"
     "or $CC) into one standalone binary. OUTPUT defaults to the file's base name in\n"
     "the current directory. The binary takes NAME=PATH arguments to read a source\n"
     "from, or write a sink to, another path, --strict (exit status 3 when records\n"
     "were lost unintended), --stats[=SECONDS], --metrics HOST:PORT (serve\n"
     "/metrics and /health, docs/operations.md), and --help to list them and its\n"
     "exit statuses.\n"
     "Relative paths in the .rgp file resolve, when the binary runs, against the\n"
     "directory that holds the binary: move it together with its files. Relative\n"
     "paths given as NAME=PATH resolve against the current directory.\n"},
    {"check", cmd_check, "parse and type-check a pipeline; run nothing",
     "Usage: rgp check FILE.rgp [--json]\n\n"
     "Reports syntax and type errors as FILE:LINE:COL: error: MESSAGE with the source\n"
     "line and a caret under the spot. Prints nothing and exits 0 when the file is good.\n"
     "  --json  print the diagnostics to stdout as a JSON array of objects with file,\n"
     "          line, column, length, severity and message (for editors and CI)\n"},
    {"emit", cmd_emit, "print the generated C",
     "Usage: rgp emit FILE.rgp [--standalone] [--no-line]\n\n"
     "Prints the C that `rgp run` and `rgp build` compile: one struct per record type,\n"
     "one parser per schema, one loop per thread with the stages inlined.\n"
     "  --standalone  include the rgp runtime in the output, so `cc -pthread` builds it alone\n"
     "  --no-line     leave out the #line directives that point into the .rgp file\n"},
    {"fmt", cmd_fmt, "print pipelines in rgp's canonical layout, or check or rewrite them",
     "Usage: rgp fmt [--check | -w] FILE.rgp ...\n\n"
     "Prints each file in the canonical layout: its own line breaks (at most one blank\n"
     "line in a row), one space around operators and after ',' and ':', 4 spaces of\n"
     "indent per bracket left open at the end of a line and for a declaration's\n"
     "continuation lines, every comment kept. A file with syntax errors is reported\n"
     "as by `rgp check` and left as it is; the exit status is then 1.\n"
     "  --check  print no text; name each file not in the canonical layout on stderr\n"
     "           (FILE: not formatted) and exit 1 if there is one\n"
     "  -w       rewrite in place each file not in the canonical layout, through a\n"
     "           temporary file renamed over it; files already canonical are not touched\n"},
    {"graph", cmd_graph, "print the pipeline's threads and rings as Graphviz DOT",
     "Usage: rgp graph FILE.rgp\n\n"
     "Prints the plan as a Graphviz graph: sources, stages and sinks inside a box for\n"
     "the thread that runs them, and the rings between threads with their size, wait\n"
     "strategy and producers. Draw it with: rgp graph FILE.rgp | dot -Tsvg > plan.svg\n"},
    {"help", cmd_help, "show help for rgp or one command",
     "Usage: rgp help [COMMAND]\n"},
    {"journal", cmd_journal, "check, print or describe a journal directory",
     "Usage: rgp journal verify DIR\n"
     "       rgp journal dump DIR [--from OFFSET]\n"
     "       rgp journal info DIR\n\n"
     "verify  reads every frame of every segment and checks its CRC and offset; exit 0\n"
     "        when the journal is sound (a torn tail, which a writer cuts on open, is a\n"
     "        warning), 1 naming the first bad segment and byte\n"
     "dump    prints the records from OFFSET (default 0) as JSON lines, each with its\n"
     "        \"offset\" and its fields, decoded by the schema in the segment's header\n"
     "info    lists the segments with their offsets and sizes, the schema, the next\n"
     "        offset, the durable offset and each group's committed offset\n"
     "The file format is described in docs/durability.md.\n"},
    {"lsp", cmd_lsp, "serve the Language Server Protocol on stdin and stdout, for editors",
     "Usage: rgp lsp [--stdio]\n\n"
     "Speaks the Language Server Protocol (JSON-RPC 2.0, Content-Length framed) on\n"
     "stdin and stdout, for an editor to start. It checks each open .rgp file as you\n"
     "type, with the messages of `rgp check`, and answers hover (the type of a\n"
     "field, stream or expression), go to definition (streams, schemas, tables),\n"
     "completion (field names after '.' and in a stage's operators) and formatting\n"
     "(`rgp fmt`). Editor set-up is in docs/operations.md.\n\n"
     "Exit status: 0 after shutdown and exit; 1 when the input ends or exit comes\n"
     "without shutdown.\n"},
    {"run", cmd_run, "run a pipeline now: compiled by libtcc, or cc -O2's cached build",
     "Usage: rgp run [-O] FILE.rgp [NAME=PATH ...] [--stats[=SECONDS]] [--metrics HOST:PORT] [--[no-]progress]\n"
     "               [--strict] [--fresh] [--checkpoint DIR] [--help]\n\n"
     "Compiles the pipeline in memory with libtcc and runs it at once, and starts\n"
     "cc -O2 (or $CC) in the background, detached and nice'd, to build it as a shared\n"
     "object cached under $XDG_CACHE_HOME/rgp (or ~/.cache/rgp); once that is there,\n"
     "runs of the same program load the optimised object instead of compiling.\n"
     "RGP_NO_BACKGROUND_CC=1 starts no background cc; RGP_VERBOSE=1 says on stderr\n"
     "which way each run went. With -O the run waits for cc -O2 to build the cached\n"
     "object when it is not there yet, and never runs libtcc. NAME=PATH\n"
     "reads a source from, or writes a sink to, PATH instead of the path in the file\n"
     "(- means stdin or stdout). --help after the file lists the pipeline's sources\n"
     "and sinks. Output is byte-identical to a binary made by `rgp build`.\n"
     "Relative paths in the .rgp file resolve against the .rgp file's directory;\n"
     "relative paths given as NAME=PATH against the current directory.\n"
     "At exit one summary on stderr counts every record that did not reach a sink,\n"
     "by cause; --strict makes the causes the pipeline did not ask for (rejected\n"
     "rows, late records, drops by a slow-reader policy; the pipeline's --help lists\n"
     "them) an exit status of 3. --stats prints each ring reader's lag and each\n"
     "component's records in and out every SECONDS; --metrics HOST:PORT serves\n"
     "GET /metrics (Prometheus text format), GET /metrics.json, GET /health and a\n"
     "live status page at GET / while the pipeline runs. When stderr is a terminal\n"
     "and a source reads a regular file, one live line on stderr shows the percent\n"
     "read, records/s, MB/s and the ETA; --progress shows it on a terminal whatever\n"
     "the sources read, --no-progress never; it is never shown when stderr is not a\n"
     "terminal (docs/operations.md). A pipeline with options { checkpoint: \"DIR\" }\n"
     "resumes from DIR/checkpoint when it is there; --checkpoint DIR puts it in DIR\n"
     "instead, and --fresh starts from the beginning and replaces it\n"
     "(docs/durability.md).\n\n"
     "Exit status: 0 the pipeline ran; 1 a user error (a bad .rgp file, a missing\n"
     "input, an unwritable output); 2 an internal error in rgp; 3 with --strict,\n"
     "records lost unintended; 130 or 143 SIGINT or SIGTERM stopped the pipeline\n"
     "(also during the compile); 141 a sink's reader went away (| head). When more\n"
     "than one applies, the first of 1 or 2, 130/143, 141, 3 is the status.\n"},
    {"test", cmd_test, "run the test blocks of a pipeline file",
     "Usage: rgp test FILE.rgp [TESTS.rgp ...] [--json]\n\n"
     "Runs each test \"NAME\" { ... } block of the file, then those of the files of\n"
     "tests given after it, or else of FILE.test.rgp beside it when there is one\n"
     "(a file of tests holds only test blocks; rgp test FILE.test.rgp runs them\n"
     "against FILE.rgp). A test gives sources their\n"
     "input (input SOURCE = \"\"\"rows\"\"\", in the source's own format; sources it does\n"
     "not name read nothing) and runs the pipeline through libtcc, in a process of\n"
     "its own, with every sink writing to a temporary file. Then each expect SINK =\n"
     "\"\"\"text\"\"\" must equal what the sink wrote, byte for byte, and each expect\n"
     "count(SINK) == N (or !=, <, <=, >, >=) must hold for the records it wrote.\n"
     "A failure prints the test's FILE:LINE and a line diff (- expected, + written).\n"
     "  --json  print one JSON report on stdout: the file, each test's name, file, line,\n"
     "          passed, seconds and failures (line, message, expected, actual)\n\n"
     "Exit status: 0 every test passed (or there are none); 1 a test failed or the\n"
     "file has errors; 2 a test could not be run.\n"},
    {"version", cmd_version, "print rgp's version, its libtcc and the cc it will use",
     "Usage: rgp version   (or rgp --version)\n\n"
     "Prints rgp's version, the version of the libtcc linked into it (rgp run),\n"
     "and the C compiler that rgp build and rgp run -O will run ($CC, or cc),\n"
     "its path and the first line of its --version.\n"},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const command *find_command(const char *name)
{
    for (int i = 0; i < NCOMMANDS; i++) if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "rgp %s: a compiler and runtime for streaming pipelines\n\n"
               "Usage: rgp COMMAND [ARGS]\n\nCommands:\n", RGP_VERSION);
    for (int i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`rgp help COMMAND` or `rgp COMMAND --help` tells more. The .rgp language is\n"
               "described in docs/language.md.\n");
}

static int wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static int usage_error(const command *c, const char *fmt, const char *arg)
{
    fprintf(stderr, "rgp %s: error: ", c->name);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", c->help);
    return 1;
}

static int cmd_help(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(find_command("help")->help, stdout); return 0; }
    if (argc < 2) { usage(stdout); return 0; }
    const command *c = find_command(argv[1]);
    if (!c) return usage_error(find_command("help"), "unknown command '%s'", argv[1]);
    fputs(c->help, stdout);
    return 0;
}

static int cmd_journal(int argc, char **argv)
{
    const command *me = find_command("journal");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    return journal_tool(argc, argv, me->help);
}

static int cmd_lsp(int argc, char **argv)
{
    const command *me = find_command("lsp");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    for (int i = 1; i < argc; i++)   /* --stdio: what some editors pass; stdio is the only transport */
        if (strcmp(argv[i], "--stdio")) return usage_error(me, "unexpected argument '%s'", argv[i]);
    return lsp_serve(stdin, stdout);
}

static int cmd_version(int argc, char **argv)
{
    if (wants_help(argc, argv)) { fputs(find_command("version")->help, stdout); return 0; }
    version_print(stdout, RGP_VERSION);
    return 0;
}

/* The arguments of check: one .rgp file, and --json. */
static int file_and_json(const command *me, int argc, char **argv, const char **file, bool *json)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) *json = true;
        else if (argv[i][0] == '-') return usage_error(me, "unknown option '%s'", argv[i]);
        else if (*file) return usage_error(me, "expected one .rgp file, found another: '%s'", argv[i]);
        else *file = argv[i];
    }
    return *file ? 0 : usage_error(me, "expected one .rgp file%s", "");
}

static int cmd_check(int argc, char **argv)
{
    const command *me = find_command("check");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    bool json = false;
    const char *file = NULL;
    if (file_and_json(me, argc, argv, &file, &json) != 0) return 1;
    compilation c;
    if (json) fputs("[", stdout);
    int rc = driver_compile_as(&c, file, json ? stdout : stderr, json);
    if (json) fputs("]\n", stdout);
    driver_free(&c);
    return rc;
}

static int cmd_emit(int argc, char **argv)
{
    const command *me = find_command("emit");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    emit_options o = {.line_directives = true};
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--standalone")) o.standalone = true;
        else if (!strcmp(argv[i], "--no-line")) o.line_directives = false;
        else if (argv[i][0] == '-') return usage_error(me, "unknown option '%s'", argv[i]);
        else if (file) return usage_error(me, "expected one .rgp file, found another: '%s'", argv[i]);
        else file = argv[i];
    }
    if (!file) return usage_error(me, "expected a .rgp file%s", "");
    compilation c;
    int rc = driver_compile(&c, file, stderr);
    if (rc == 0) {
        const char *c_name;
        char *text = emit_program(c.plan, &o, &c_name);
        fputs(text, stdout);
        free(text);
        if (fflush(stdout) != 0) { fprintf(stderr, "rgp emit: error: cannot write the output\n"); rc = 1; }
    }
    driver_free(&c);
    return rc;
}

static int cmd_fmt(int argc, char **argv)
{
    const command *me = find_command("fmt");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    fmt_mode mode = FMT_PRINT;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-') { nfiles++; continue; }
        fmt_mode m = !strcmp(argv[i], "--check") ? FMT_CHECK : !strcmp(argv[i], "-w") ? FMT_WRITE : FMT_PRINT;
        if (m == FMT_PRINT) return usage_error(me, "unknown option '%s'", argv[i]);
        if (mode != FMT_PRINT && mode != m) return usage_error(me, "expected --check or -w, not both%s", "");
        mode = m;
    }
    if (nfiles == 0) return usage_error(me, "expected a .rgp file%s", "");
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        int r = argv[i][0] == '-' ? 0 : fmt_file(argv[i], mode);
        if (r > rc) rc = r;
    }
    if (fflush(stdout) != 0) { fprintf(stderr, "rgp fmt: error: cannot write the output\n"); rc = rc > 1 ? rc : 1; }
    return rc;
}

static int cmd_graph(int argc, char **argv)
{
    const command *me = find_command("graph");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    if (argc != 2) return usage_error(me, "expected one .rgp file%s", "");
    compilation c;
    int rc = driver_compile(&c, argv[1], stderr);
    if (rc == 0) graph_write(stdout, c.plan);
    driver_free(&c);
    return rc;
}

/* rgp run: a SIGINT or SIGTERM during the compile stays pending until the
 * pipeline's signal thread takes it, and then stops the pipeline cleanly
 * (130 or 143) before it has read anything; it must not kill rgp midway. */
static void block_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int cmd_run(int argc, char **argv)
{
    const command *me = find_command("run");
    bool optimize = argc >= 2 && !strcmp(argv[1], "-O");
    if (optimize) argv++, argc--;   /* rgp run -O FILE ... */
    if (argc < 2 || (argv[1][0] == '-' && argv[1][1])) {
        if (argc >= 2 && wants_help(2, argv)) { fputs(me->help, stdout); return 0; }
        return usage_error(me, "expected a .rgp file first%s", "");
    }
    block_stop_signals();
    compilation c;
    int rc = driver_compile(&c, argv[1], stderr);
    if (rc == 0) {
        emit_options o = {.line_directives = true, .standalone = true};
        const char *c_name;
        char *text = emit_program(c.plan, &o, &c_name);
        /* the pipeline sees its own name first, then the NAME=PATH arguments */
        argv[1] = (char *)c.prog->name;
        fflush(stdout);
        rc = run_program(text, c_name, optimize, argc - 1, argv + 1);
        free(text);
    }
    driver_free(&c);
    return rc;
}

/* file with its ending `from` replaced by `to` (sensors.rgp to sensors.test.rgp,
 * and back); NULL when file does not end in from, or is only that. */
static char *swap_ending(const char *file, const char *from, const char *to)
{
    size_t n = strlen(file), f = strlen(from), t = strlen(to);
    if (n <= f || strcmp(file + n - f, from)) return NULL;
    char *out = malloc(n - f + t + 1);
    if (out) snprintf(out, n - f + t + 1, "%.*s%s", (int)(n - f), file, to);
    return out;
}

static int cmd_test(int argc, char **argv)
{
    const command *me = find_command("test");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    bool json = false;
    const char *file = NULL;
    const char **extra = calloc((size_t)argc + 1, sizeof *extra);
    int nextra = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (argv[i][0] == '-') { free(extra); return usage_error(me, "unknown option '%s'", argv[i]); }
        else if (!file) file = argv[i];
        else extra[nextra++] = argv[i];
    }
    if (!file) { free(extra); return usage_error(me, "expected a .rgp file%s", ""); }
    char *owner = nextra == 0 ? swap_ending(file, ".test.rgp", ".rgp") : NULL, *beside = NULL;
    if (owner && access(owner, F_OK) == 0) {   /* rgp test sensors.test.rgp */
        extra[nextra++] = file;
        file = owner;
    } else if (nextra == 0 && (beside = swap_ending(file, ".rgp", ".test.rgp")) && access(beside, F_OK) == 0) {
        extra[nextra++] = beside;
    }
    compilation c;
    int rc = driver_compile(&c, file, stderr);
    for (int i = 0; i < nextra && rc == 0; i++) rc = pipeline_tests_load(&c.arena, c.prog, extra[i], stderr);
    if (rc == 0) {
        emit_options o = {.line_directives = true, .standalone = true};
        const char *c_name;
        char *text = emit_program(c.plan, &o, &c_name);
        rc = pipeline_tests_run(c.prog, text, c_name, json, stdout);
        free(text);
    }
    driver_free(&c);
    free(owner), free(beside), free(extra);
    return rc;
}

static char *default_output(const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    size_t n = strlen(base);
    if (n > 4 && !strcmp(base + n - 4, ".rgp")) n -= 4;
    char *out = malloc(n + 3);
    if (out) snprintf(out, n + 3, "./%.*s", (int)n, base);
    return out;
}

static int cmd_build(int argc, char **argv)
{
    const command *me = find_command("build");
    if (wants_help(argc, argv)) { fputs(me->help, stdout); return 0; }
    const char *file = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (++i == argc) return usage_error(me, "'-o' needs an output path%s", "");
            out = argv[i];
        } else if (argv[i][0] == '-') {
            return usage_error(me, "unknown option '%s'", argv[i]);
        } else if (file) {
            return usage_error(me, "expected one .rgp file, found another: '%s'", argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!file) return usage_error(me, "expected a .rgp file%s", "");
    compilation c;
    int rc = driver_compile(&c, file, stderr);
    if (rc == 0) {
        char *def = out ? NULL : default_output(file);
        emit_options o = {.line_directives = true, .standalone = true};
        const char *c_name;
        char *text = emit_program(c.plan, &o, &c_name);
        rc = aot_build(text, c_name, out ? out : def, false);
        free(text);
        free(def);
    }
    driver_free(&c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return 1; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { usage(stdout); return 0; }
    if (!strcmp(argv[1], "--version")) return cmd_version(argc - 1, argv + 1);
    const command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "rgp: error: unknown command '%s'\n\n", argv[1]);
        usage(stderr);
        return 1;
    }
    return c->run(argc - 1, argv + 1);
}
