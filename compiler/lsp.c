/* rgp lsp: the Language Server Protocol over stdio. Each open document is
 * compiled in process by the front end `rgp check` runs, with diagnostics
 * collected as JSON (diag's --json form) rather than printed. */
#include "lsp.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fmt.h"
#include "grammar.h"
#include "lex.h"
#include "lsp_json.h"
#include "lsp_query.h"
#include "parse.h"
#include "plan.h"

enum {
    MAX_HEADER = 1024,                 /* one header line */
    MAX_BODY = 64 << 20,               /* one message */
    /* JSON-RPC and LSP error codes */
    ERR_PARSE = -32700, ERR_INVALID_REQUEST = -32600, ERR_NO_METHOD = -32601, ERR_INVALID_PARAMS = -32602,
    ERR_NOT_INITIALIZED = -32002,
    /* DiagnosticSeverity */
    SEVERITY_ERROR = 1, SEVERITY_WARNING = 2,
};

typedef struct document {
    char *uri, *path, *dir;   /* path names it in messages; dir resolves its relative paths */
    lsp_unit *now;                /* the latest text */
    lsp_unit *good;               /* the latest text that compiled (may be now): completion reads it while the user types */
} document;

typedef struct server {
    FILE *in, *out, *null;    /* null: where fmt's messages go (diagnostics say the same) */
    document *docs;
    int ndocs, cap;
    bool initialized, shut_down, exited;
    bool gone;                /* the client stopped reading: writing failed */
    bool utf8;                /* positions count bytes (the client offered utf-8); else UTF-16 code lsp_units */
} server;

/* ---- compiling ---------------------------------------------------------- */

static lsp_unit *unit_compile(const document *d, const char *text, size_t len)
{
    lsp_unit *u = calloc(1, sizeof *u);
    char *out = NULL;
    size_t outlen = 0;
    FILE *m = open_memstream(&out, &outlen);
    if (!u || !(u->src = malloc(len + 1)) || !m) { fputs("rgp lsp: out of memory\n", stderr); exit(2); }
    memcpy(u->src, text, len);
    u->src[len] = '\0';
    u->len = len;
    fputc('[', m);
    diag_init(&u->diag, d->path, u->src, len, m);
    u->diag.json = true;
    u->ast = parse_program(&u->arena, &u->diag, u->src, len);
    if (u->ast) u->prog = sema_check(&u->arena, &u->diag, u->ast, d->path, d->dir);
    if (u->prog) plan_build(&u->arena, &u->diag, u->prog);   /* its messages are rgp check's too */
    if (u->diag.errors) u->prog = NULL;
    fputc(']', m);
    fclose(m);
    char err[128];
    u->diags = json_parse(out, outlen, err, sizeof err);
    if (!u->diags) fprintf(stderr, "rgp lsp: internal error: diagnostics are not JSON: %s\n", err);
    free(out);
    return u;
}

static void unit_free(lsp_unit *u)
{
    if (!u) return;
    arena_free(&u->arena);
    json_free(u->diags);
    free(u->src);
    free(u);
}

static void doc_update(document *d, lsp_unit *u)
{
    if (d->now && d->now != d->good) unit_free(d->now);
    d->now = u;
    if (u->prog) {
        if (d->good && d->good != u) unit_free(d->good);
        d->good = u;
    }
}

/* ---- positions: rgp counts 1-based lines and byte columns, LSP 0-based lines
 * and (unless the client takes utf-8) UTF-16 code lsp_units ---------------------- */

static const char *line_start(const lsp_unit *u, uint32_t line0)
{
    const char *p = u->src, *end = u->src + u->len;
    for (uint32_t l = 0; l < line0; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return NULL;
        p = nl + 1;
    }
    return p;
}

static bool utf8_lead(unsigned char c) { return (c & 0xc0) != 0x80; }

/* The LSP character of byte column col0 on line0. */
static uint32_t to_character(const server *s, const lsp_unit *u, uint32_t line0, uint32_t col0)
{
    const char *p = line_start(u, line0);
    if (s->utf8 || !p) return col0;
    uint32_t lsp_units = 0;
    for (uint32_t i = 0; i < col0 && p + i < u->src + u->len && p[i] != '\n'; i++) {
        unsigned char c = (unsigned char)p[i];
        if (utf8_lead(c)) lsp_units += c >= 0xf0 ? 2 : 1;   /* four-byte sequences are surrogate pairs */
    }
    return lsp_units;
}

/* The byte column (0-based) of an LSP character on line0. */
static uint32_t to_column(const server *s, const lsp_unit *u, uint32_t line0, uint32_t character)
{
    const char *p = line_start(u, line0);
    if (s->utf8 || !p) return character;
    uint32_t i = 0, lsp_units = 0;
    const char *end = u->src + u->len;
    while (p + i < end && p[i] != '\n' && lsp_units < character) {
        unsigned char c = (unsigned char)p[i++];
        lsp_units += c >= 0xf0 ? 2 : 1;
        while (p + i < end && !utf8_lead((unsigned char)p[i])) i++;
    }
    return i;
}

static void write_position(FILE *o, const server *s, const lsp_unit *u, uint32_t line0, uint32_t col0)
{
    fprintf(o, "{\"line\":%u,\"character\":%u}", line0, to_character(s, u, line0, col0));
}

/* an rgp location as an LSP range: one line, at least one character wide */
static void write_range(FILE *o, const server *s, const lsp_unit *u, srcloc at)
{
    uint32_t line0 = at.line ? at.line - 1 : 0, col0 = at.col ? at.col - 1 : 0;
    fputs("{\"start\":", o);
    write_position(o, s, u, line0, col0);
    fputs(",\"end\":", o);
    write_position(o, s, u, line0, col0 + (at.len ? at.len : 1));
    fputc('}', o);
}

/* ---- documents ---------------------------------------------------------- */

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1; }

/* file:///a/b%20c.rgp → /a/b c.rgp; any other URI names itself */
static char *uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7)) return strdup(uri);
    const char *p = uri + 7;
    char *path = malloc(strlen(p) + 1), *o = path;
    if (!path) return NULL;
    for (; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) { *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2])); p += 2; }
        else *o++ = *p;
    }
    *o = '\0';
    return path;
}

static document *find_doc(server *s, const char *uri)
{
    for (int i = 0; i < s->ndocs; i++) if (!strcmp(s->docs[i].uri, uri)) return &s->docs[i];
    return NULL;
}

static document *open_doc(server *s, const char *uri)
{
    document *d = find_doc(s, uri);
    if (d) return d;
    if (s->ndocs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->docs = realloc(s->docs, (size_t)s->cap * sizeof *s->docs);
        if (!s->docs) { fputs("rgp lsp: out of memory\n", stderr); exit(2); }
    }
    d = &s->docs[s->ndocs++];
    memset(d, 0, sizeof *d);
    d->uri = strdup(uri);
    d->path = uri_path(uri);
    const char *slash = d->path ? strrchr(d->path, '/') : NULL;
    d->dir = slash && d->path[0] == '/' ? strndup(d->path, slash == d->path ? 1 : (size_t)(slash - d->path)) : strdup(".");
    if (!d->uri || !d->path || !d->dir) { fputs("rgp lsp: out of memory\n", stderr); exit(2); }
    return d;
}

static void close_doc(server *s, document *d)
{
    if (d->now != d->good) unit_free(d->now);
    unit_free(d->good);
    free(d->uri);
    free(d->path);
    free(d->dir);
    *d = s->docs[--s->ndocs];
}

/* ---- the wire ----------------------------------------------------------- */

/* One message's body, or NULL at the end of input. *bad is set when the headers
 * were wrong (then NULL too, and reading goes on with the next message). */
static char *read_message(server *s, size_t *len, bool *bad)
{
    char line[MAX_HEADER];
    long long length = -1;
    bool any = false;
    *bad = false;
    for (;;) {
        if (!fgets(line, sizeof line, s->in)) { *bad = any; return NULL; }
        any = true;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') *bad = true;   /* over-long: its rest is read as more lines */
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n == 0) break;
        if (!strncasecmp(line, "Content-Length:", 15)) {
            char *end;
            length = strtoll(line + 15, &end, 10);
            while (*end == ' ' || *end == '\t') end++;
            if (*end || length < 0) *bad = true;
        }
    }
    if (*bad || length < 0 || length > MAX_BODY) { *bad = true; return NULL; }
    char *body = malloc((size_t)length + 1);
    if (!body) { *bad = true; return NULL; }
    if (fread(body, 1, (size_t)length, s->in) != (size_t)length) { free(body); return NULL; }
    body[length] = '\0';
    *len = (size_t)length;
    return body;
}

static void send_text(server *s, const char *body, size_t len)
{
    fprintf(s->out, "Content-Length: %zu\r\n\r\n", len);
    fwrite(body, 1, len, s->out);
    if (fflush(s->out) != 0) s->gone = true;
}

/* {"jsonrpc": "2.0", "id": ID, MEMBER: VALUE}, VALUE being JSON text */
static void send_reply(server *s, const json *id, const char *member, const char *value, size_t len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (!m) return;
    fputs("{\"jsonrpc\":\"2.0\",\"id\":", m);
    if (id) json_write(m, id);
    else fputs("null", m);
    fprintf(m, ",\"%s\":", member);
    fwrite(value, 1, len, m);
    fputc('}', m);
    fclose(m);
    send_text(s, text, n);
    free(text);
}

static void send_error(server *s, const json *id, int code, const char *message)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (!m) return;
    fprintf(m, "{\"code\":%d,\"message\":", code);
    json_write_string(m, message, strlen(message));
    fputc('}', m);
    fclose(m);
    send_reply(s, id, "error", text, n);
    free(text);
}

/* ---- diagnostics -------------------------------------------------------- */

static void publish(server *s, const document *d, bool empty)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (!m) return;
    fputs("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":", m);
    json_write_string(m, d->uri, strlen(d->uri));
    fputs(",\"diagnostics\":[", m);
    const json *all = empty || !d->now ? NULL : d->now->diags;
    for (size_t i = 0; all && i < all->len; i++) {
        const json *g = &all->items[i];
        srcloc at = {(uint32_t)json_int(json_get(g, "line"), 0), (uint32_t)json_int(json_get(g, "column"), 0),
                     (uint32_t)json_int(json_get(g, "length"), 0)};
        const char *msg = json_str(json_get(g, "message")), *sev = json_str(json_get(g, "severity"));
        fprintf(m, "%s{\"range\":", i ? "," : "");
        write_range(m, s, d->now, at);
        fprintf(m, ",\"severity\":%d,\"source\":\"rgp\",\"message\":",
                sev && !strcmp(sev, "warning") ? SEVERITY_WARNING : SEVERITY_ERROR);
        json_write_string(m, msg ? msg : "", msg ? strlen(msg) : 0);
        fputc('}', m);
    }
    fputs("]}}", m);
    fclose(m);
    send_text(s, text, n);
    free(text);
}

/* ---- methods ------------------------------------------------------------ */

/* A handler writes its result as JSON to o, or returns an error code and sets *msg. */
typedef int (*handler)(server *s, const json *params, FILE *o, const char **msg);

static int no_result(FILE *o) { fputs("null", o); return 0; }

static int m_initialize(server *s, const json *params, FILE *o, const char **msg)
{
    const json *enc = json_get(json_get(json_get(params, "capabilities"), "general"), "positionEncodings");
    for (size_t i = 0; enc && enc->kind == J_ARRAY && i < enc->len; i++) {
        const char *e = json_str(&enc->items[i]);
        if (e && !strcmp(e, "utf-8")) s->utf8 = true;
    }
    s->initialized = true;
    fprintf(o, "{\"capabilities\":{\"positionEncoding\":\"%s\","
               "\"textDocumentSync\":{\"openClose\":true,\"change\":1},"
               "\"hoverProvider\":true,\"definitionProvider\":true,"
               "\"completionProvider\":{\"triggerCharacters\":[\".\"]},"
               "\"documentFormattingProvider\":true},"
               "\"serverInfo\":{\"name\":\"rgp\",\"version\":\"%s\"}}",
            s->utf8 ? "utf-8" : "utf-16", RGP_VERSION);
    return 0;
}

static int m_initialized(server *s, const json *params, FILE *o, const char **msg) { return no_result(o); }

static int m_shutdown(server *s, const json *params, FILE *o, const char **msg)
{
    s->shut_down = true;
    return no_result(o);
}

static int m_exit(server *s, const json *params, FILE *o, const char **msg)
{
    s->exited = true;
    return no_result(o);
}

static const char *param_uri(const json *params) { return json_str(json_get(json_get(params, "textDocument"), "uri")); }

static void set_text(server *s, document *d, const json *text)
{
    doc_update(d, unit_compile(d, text->str, text->len));
    publish(s, d, false);
}

static int m_did_open(server *s, const json *params, FILE *o, const char **msg)
{
    const char *uri = param_uri(params);
    const json *text = json_get(json_get(params, "textDocument"), "text");
    if (!uri || !json_str(text)) { *msg = "didOpen needs textDocument.uri and textDocument.text"; return ERR_INVALID_PARAMS; }
    set_text(s, open_doc(s, uri), text);
    return no_result(o);
}

static int m_did_change(server *s, const json *params, FILE *o, const char **msg)
{
    const char *uri = param_uri(params);
    const json *changes = json_get(params, "contentChanges");
    const json *last = changes && changes->kind == J_ARRAY && changes->len ? &changes->items[changes->len - 1] : NULL;
    const json *text = json_get(last, "text");
    if (!uri || !json_str(text)) { *msg = "didChange needs textDocument.uri and contentChanges[].text"; return ERR_INVALID_PARAMS; }
    if (json_get(last, "range")) { *msg = "rgp lsp takes whole texts (textDocumentSync: full), not ranges"; return ERR_INVALID_PARAMS; }
    document *d = find_doc(s, uri);
    if (!d) { *msg = "didChange for a document that is not open"; return ERR_INVALID_PARAMS; }
    set_text(s, d, text);
    return no_result(o);
}

static int m_did_close(server *s, const json *params, FILE *o, const char **msg)
{
    const char *uri = param_uri(params);
    document *d = uri ? find_doc(s, uri) : NULL;
    if (!d) { *msg = "didClose for a document that is not open"; return ERR_INVALID_PARAMS; }
    publish(s, d, true);
    close_doc(s, d);
    return no_result(o);
}

/* The document and 1-based line and byte column of params' textDocument and position. */
static document *position_of(server *s, const json *params, uint32_t *line, uint32_t *col, const char **msg)
{
    const char *uri = param_uri(params);
    const json *pos = json_get(params, "position");
    long long l = json_int(json_get(pos, "line"), -1), c = json_int(json_get(pos, "character"), -1);
    if (!uri || l < 0 || c < 0 || l > UINT32_MAX - 1 || c > UINT32_MAX - 1) { *msg = "expected textDocument.uri and position {line, character}"; return NULL; }
    document *d = find_doc(s, uri);
    if (!d) { *msg = "the document is not open"; return NULL; }
    *line = (uint32_t)l + 1;
    *col = to_column(s, d->now, (uint32_t)l, (uint32_t)c) + 1;
    return d;
}

static int m_hover(server *s, const json *params, FILE *o, const char **msg)
{
    uint32_t line, col;
    document *d = position_of(s, params, &line, &col, msg);
    if (!d) return ERR_INVALID_PARAMS;
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    bool found = m && lsp_hover(d->now, line, col, m);
    if (m) fclose(m);
    if (found) {
        fputs("{\"contents\":{\"kind\":\"plaintext\",\"value\":", o);
        json_write_string(o, text, n);
        fputs("}}", o);
    } else {
        fputs("null", o);
    }
    free(text);
    return 0;
}

static int m_definition(server *s, const json *params, FILE *o, const char **msg)
{
    uint32_t line, col;
    document *d = position_of(s, params, &line, &col, msg);
    if (!d) return ERR_INVALID_PARAMS;
    const lsp_unit *u = d->now->ast ? d->now : d->good;   /* a syntax error: the last text that parsed */
    srcloc at;
    if (!u || !lsp_definition(d->now, u, line, col, &at)) return no_result(o);
    fputs("{\"uri\":", o);
    json_write_string(o, d->uri, strlen(d->uri));
    fputs(",\"range\":", o);
    write_range(o, s, u, at);
    fputc('}', o);
    return 0;
}

static int m_completion(server *s, const json *params, FILE *o, const char **msg)
{
    uint32_t line, col;
    document *d = position_of(s, params, &line, &col, msg);
    if (!d) return ERR_INVALID_PARAMS;
    lsp_complete(d->now, d->good, line, col, o);
    return 0;
}

static int m_formatting(server *s, const json *params, FILE *o, const char **msg)
{
    const char *uri = param_uri(params);
    document *d = uri ? find_doc(s, uri) : NULL;
    if (!d) { *msg = "expected textDocument.uri of an open document"; return ERR_INVALID_PARAMS; }
    const lsp_unit *u = d->now;
    char *text = NULL;
    if (fmt_text(d->path, u->src, u->len, s->null, &text) != 0) return no_result(o);   /* syntax errors: diagnostics say so */
    if (!strcmp(text, u->src)) {
        fputs("[]", o);
    } else {   /* one edit: the whole text */
        uint32_t last = 0;
        const char *last_start = u->src;
        for (const char *p = u->src; (p = memchr(p, '\n', u->len - (size_t)(p - u->src))) != NULL; p++) last++, last_start = p + 1;
        fputs("[{\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":", o);
        write_position(o, s, u, last, (uint32_t)(u->src + u->len - last_start));
        fputs("},\"newText\":", o);
        json_write_string(o, text, strlen(text));
        fputs("}]", o);
    }
    free(text);
    return 0;
}

/* sorted by name */
static const struct method { const char *name; handler run; } methods[] = {
    {"exit", m_exit},
    {"initialize", m_initialize},
    {"initialized", m_initialized},
    {"shutdown", m_shutdown},
    {"textDocument/completion", m_completion},
    {"textDocument/definition", m_definition},
    {"textDocument/didChange", m_did_change},
    {"textDocument/didClose", m_did_close},
    {"textDocument/didOpen", m_did_open},
    {"textDocument/formatting", m_formatting},
    {"textDocument/hover", m_hover},
};

static const struct method *find_method(const char *name)
{
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) if (!strcmp(methods[i].name, name)) return &methods[i];
    return NULL;
}

static void dispatch(server *s, const json *msg)
{
    const json *id = json_get(msg, "id");
    const char *method = json_str(json_get(msg, "method"));
    const char *version = json_str(json_get(msg, "jsonrpc"));
    if (msg->kind != J_OBJECT || !version || strcmp(version, "2.0") || !method ||
        (id && id->kind != J_NUMBER && id->kind != J_STRING)) {
        if (msg->kind == J_OBJECT && !method && (json_get(msg, "result") || json_get(msg, "error"))) return;   /* a reply: rgp sends no requests */
        send_error(s, id && (id->kind == J_NUMBER || id->kind == J_STRING) ? id : NULL, ERR_INVALID_REQUEST,
                   "expected a JSON-RPC 2.0 request: {\"jsonrpc\": \"2.0\", \"id\": N, \"method\": \"...\", \"params\": {...}}");
        return;
    }
    const struct method *m = find_method(method);
    char reason[256];
    if (!m) {
        snprintf(reason, sizeof reason, "unknown method '%.200s'", method);
        if (id) send_error(s, id, ERR_NO_METHOD, reason);   /* an unknown notification ($/cancelRequest, ...) is ignored */
        return;
    }
    if (m->run == m_exit) { s->exited = true; return; }
    if (!s->initialized && m->run != m_initialize) {
        if (id) send_error(s, id, ERR_NOT_INITIALIZED, "the server is not initialized: send initialize first");
        return;
    }
    if (s->shut_down) {
        if (id) send_error(s, id, ERR_INVALID_REQUEST, "the server is shut down: only exit is accepted");
        return;
    }
    if (m->run == m_initialize && s->initialized) {
        if (id) send_error(s, id, ERR_INVALID_REQUEST, "initialize was already sent");
        return;
    }
    char *result = NULL;
    size_t n = 0;
    FILE *o = open_memstream(&result, &n);
    if (!o) { if (id) send_error(s, id, ERR_INVALID_REQUEST, "out of memory"); return; }
    const char *why = NULL;
    int code = m->run(s, json_get(msg, "params"), o, &why);
    fclose(o);
    if (id && code) send_error(s, id, code, why ? why : "failed");
    else if (id) send_reply(s, id, "result", result, n);
    free(result);
}

int lsp_serve(FILE *in, FILE *out)
{
    server s = {.in = in, .out = out, .null = fopen("/dev/null", "w")};
    if (!s.null) { fputs("rgp lsp: error: cannot open /dev/null\n", stderr); return 1; }
    signal(SIGPIPE, SIG_IGN);   /* a client that goes away ends the loop through a failed write */
    while (!s.exited && !s.gone) {
        size_t len = 0;
        bool bad;
        char *body = read_message(&s, &len, &bad);
        if (!body) {
            if (bad) { send_error(&s, NULL, ERR_PARSE, "bad message header: expected Content-Length: N, a blank line, and N bytes"); continue; }
            break;   /* end of input */
        }
        char err[160];
        json *msg = json_parse(body, len, err, sizeof err);
        if (!msg) send_error(&s, NULL, ERR_PARSE, err);
        else dispatch(&s, msg);
        json_free(msg);
        free(body);
    }
    while (s.ndocs) close_doc(&s, &s.docs[s.ndocs - 1]);
    free(s.docs);
    fclose(s.null);
    return s.exited && s.shut_down ? 0 : 1;
}
