/* JSON values for the language server's JSON-RPC messages: a strict reader
 * (RFC 8259, depth-limited, errors with the byte offset) and a writer. */
#ifndef RGP_LSP_JSON_H
#define RGP_LSP_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum json_kind { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } json_kind;

typedef struct json json;
struct json {
    json_kind kind;
    bool b;
    double num;
    char *str;           /* J_STRING: unescaped, NUL-terminated (an embedded \u0000 ends it early) */
    size_t len;          /* J_STRING: bytes; J_ARRAY, J_OBJECT: members */
    json *items;         /* J_ARRAY, J_OBJECT: the members in order */
    char **keys;         /* J_OBJECT: the key of each member */
};

#define JSON_MAX_DEPTH 64

/* Parses text[0..len). NULL on bad JSON, with a message in err naming the byte offset. */
json *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json *v);

/* Member `key` of an object, or NULL (also when v is NULL or not an object). */
const json *json_get(const json *v, const char *key);
/* v's string, or NULL when v is not a string. */
const char *json_str(const json *v);
/* v as an integer when it is a number with no fraction, else dflt. */
long long json_int(const json *v, long long dflt);

void json_write(FILE *out, const json *v);      /* compact */
void json_write_string(FILE *out, const char *s, size_t len);

#endif
