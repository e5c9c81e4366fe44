/* csv: CSV (RFC 4180: fields in double quotes, "" for a quote inside them, LF or CRLF line ends) as the
 * experiment commands write and read it: a field quoted for writing, and a reader of a record at a time. */
#ifndef SIM_LAB_CSV_H
#define SIM_LAB_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "sim/buf.h"

/* Appends s as one CSV field: quoted, with quotes doubled, when it holds ',', '"', CR or LF; else bare. */
void csv_put_field(struct buf *b, const char *s);

/* How forgiving the reader is. */
enum csv_dialect {
    /* Files another tool may have written or edited (what `mqsim plot` reads): a quote opens a quoted part
     * only at the start of a field and is an ordinary character elsewhere; text may follow a closing quote;
     * CR is dropped outside quotes; blank lines are skipped; the last record needs no line end. */
    CSV_LENIENT,
    /* Files mqsim wrote and reads back exactly (a sweep's results.csv): a quote inside an unquoted field, or
     * anything but ',' or the line end after a quoted one, is malformed; CR is data except right before LF;
     * a blank line is a record of one empty field; a record without its line end was cut short. */
    CSV_STRICT
};

/* csv_next's results besides 1 (a record). */
#define CSV_END 0           /* no more records */
#define CSV_OOM (-1)        /* out of memory */
#define CSV_CUT (-2)        /* strict: the data ends inside a record (an append interrupted by a crash) */
#define CSV_BAD (-3)        /* strict: malformed */

/* A reader. Its fields are public for reading: nf fields in the current record; the header's nhdr names. */
struct csv {
    FILE *f;                    /* the source: a file (csv_open), or */
    const char *mem;            /* bytes in memory (csv_init_mem) */
    size_t memlen, pos;
    size_t rec_start, rec_len;  /* memory: the current record's bytes, without its line end */
    int strict;
    char *buf;                  /* the current record's fields, each NUL-terminated */
    size_t len, cap;
    size_t *off;                /* where each field starts in buf */
    int nf, offcap;
    char **hdr;                 /* the header's fields, copied by csv_read_header */
    int nhdr;
};

/* Opens path for reading. 0, or -1 with errno set and c zeroed (csv_close is safe either way). */
int csv_open(struct csv *c, const char *path, enum csv_dialect dialect);
/* Reads the len bytes at mem, which are not copied and must outlive c. */
void csv_init_mem(struct csv *c, const char *mem, size_t len, enum csv_dialect dialect);
void csv_close(struct csv *c);

/* Reads the next record: 1, or CSV_END, CSV_OOM, CSV_CUT or CSV_BAD (the last two strict only). */
int csv_next(struct csv *c);
/* Reads the next record as the header and keeps its fields, surrounding blanks dropped, for csv_col:
 * 1, or what csv_next returned (CSV_END: there is no record at all). */
int csv_read_header(struct csv *c);
/* The index of the header column called name (ASCII case-insensitive), or -1. */
int csv_col(const struct csv *c, const char *name);

/* Field i of the current record as read; "" when the record is shorter or i < 0. */
const char *csv_field(const struct csv *c, int i);
/* The same with surrounding blanks (spaces, tabs) dropped. */
const char *csv_get(struct csv *c, int i);
/* A memory source's current record as it stands in the data, without its line end (LF or CRLF): *len bytes
 * from the pointer returned, not NUL-terminated. */
const char *csv_record_text(const struct csv *c, size_t *len);

#endif
