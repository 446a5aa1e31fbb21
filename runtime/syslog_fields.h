/* syslog_fields.h - the one table of what syslog(SCHEMA) can fill (issue 12
 * item 4): each part of a message, the schema field name that reads it and
 * the kinds of type it may have. Read by the parser (runtime/syslog.h), by
 * sema to check a schema and by the emitter to fill one. No dependencies. */
#ifndef RGP_SYSLOG_FIELDS_H
#define RGP_SYSLOG_FIELDS_H

/* the kinds of field type a part may fill */
enum { RGP_SYSLOG_K_STR = 1, RGP_SYSLOG_K_INT = 2, RGP_SYSLOG_K_TIME = 4 };

/*  id        field name   kinds                                    what it is */
#define RGP_SYSLOG_FIELDS(X)                                                                                     \
    X(TS,       "ts",       RGP_SYSLOG_K_TIME,                    "TIMESTAMP, epoch ms")                      \
    X(HOST,     "host",     RGP_SYSLOG_K_STR,                     "HOSTNAME")                                 \
    X(APP,      "app",      RGP_SYSLOG_K_STR,                     "APP-NAME (RFC 3164: the TAG)")             \
    X(PID,      "pid",      RGP_SYSLOG_K_STR | RGP_SYSLOG_K_INT,  "PROCID (RFC 3164: the [PID] of the TAG)")  \
    X(MSGID,    "msgid",    RGP_SYSLOG_K_STR,                     "MSGID (RFC 5424 only)")                    \
    X(SEVERITY, "severity", RGP_SYSLOG_K_INT | RGP_SYSLOG_K_STR,  "PRI % 8, or its name (err, info, ...)")    \
    X(FACILITY, "facility", RGP_SYSLOG_K_INT | RGP_SYSLOG_K_STR,  "PRI / 8, or its name (daemon, local0, ...)") \
    X(SD,       "sd",       RGP_SYSLOG_K_STR,                     "STRUCTURED-DATA as text (RFC 5424 only)")  \
    X(MESSAGE,  "message",  RGP_SYSLOG_K_STR,                     "MSG")

typedef enum rgp_syslog_part {
#define X(id, name, kinds, what) RGP_SYSLOG_##id,
    RGP_SYSLOG_FIELDS(X)
#undef X
    RGP_SYSLOG_NPARTS
} rgp_syslog_part;

#endif
