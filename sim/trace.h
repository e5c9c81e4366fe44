/* trace: a buffered JSON Lines event trace, one event per line, cheap enough to leave on. */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/time.h"

/* How much is traced. Each level includes the ones before it. */
enum trace_level { TRACE_OFF, TRACE_EVENTS, TRACE_FULL };

/* One trace writer. Fields are private except err, which callers may read after trace_flush fails. */
struct trace {
    enum trace_level level;
    FILE *f;
    char *buf;      /* events are assembled here and fwritten in large chunks */
    size_t len;     /* bytes used in buf */
    size_t cap;     /* size of buf */
    int err;        /* errno of the first failure (0: none); once set, everything else is dropped */
};

/* Parses "off", "events" or "full". Returns the enum trace_level, or -1 for anything else. */
int trace_level_parse(const char *s);

/* Prepares tr to write to f at the given level, allocating its buffer (the only allocation it makes).
 * f may be NULL only when level is TRACE_OFF; a NULL f turns tracing off. If the buffer cannot be
 * allocated, tracing is off and tr->err is ENOMEM, so the next trace_flush reports it. */
void trace_init(struct trace *tr, enum trace_level level, FILE *f);

/* Whether events of level lvl are written. Check this before computing anything only the trace needs:
 *     if (trace_on(tr, TRACE_EVENTS)) { trace_begin(...); trace_int(...); trace_end(tr); } */
static inline int trace_on(const struct trace *tr, enum trace_level lvl)
{
    return tr->level >= lvl;
}

/* Starts the event line {"t_ms":T,"node":NODE,"ev":EV. node and ev are JSON-escaped. t_ms is the time in
 * milliseconds with 3 to 6 decimals (12.345, 12.345678, 0.000, -1.500). Every trace_begin is followed by
 * field calls and exactly one trace_end. All calls below are no-ops while tracing is off. */
void trace_begin(struct trace *tr, sim_time t, const char *node, const char *ev);

/* Field calls append ,"key":VALUE. key is a trusted identifier and is not escaped. */
void trace_int(struct trace *tr, const char *key, int64_t v);
void trace_uint(struct trace *tr, const char *key, uint64_t v);
/* s is JSON-escaped (quote, backslash, control characters as \u00XX); other bytes, including UTF-8, are
 * copied as they are. A NULL s is written as null. */
void trace_str(struct trace *tr, const char *key, const char *s);
/* Formatted as out_format_double: integral values as integers, others "%.6f" trimmed; NaN and
 * infinities as null (JSON has no spelling for them). */
void trace_double(struct trace *tr, const char *key, double v);
void trace_bool(struct trace *tr, const char *key, int v);
/* A time in milliseconds, in the same format as t_ms. */
void trace_time_ms(struct trace *tr, const char *key, sim_time t);

/* Ends the line with "}\n". */
void trace_end(struct trace *tr);

/* Writes everything buffered to the FILE and fflushes it. Returns 0, or -1 if any write so far failed
 * (tr->err holds the errno). Call before committing or closing the FILE. */
int trace_flush(struct trace *tr);

/* Frees the buffer; anything not flushed is discarded. Does not close the FILE. tr is left off. */
void trace_free(struct trace *tr);

#endif
