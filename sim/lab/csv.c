/* csv: writing a CSV field, reading CSV records from a file or from memory in either dialect. */
#include "sim/lab/csv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void csv_put_field(struct buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        buf_add(b, s);
        return;
    }
    buf_add(b, "\"");
    for (const char *p = s; *p; p++)
        buf_addn(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);   /* a quote is doubled */
    buf_add(b, "\"");
}

/* ---- sources ---- */

int csv_open(struct csv *c, const char *path, enum csv_dialect dialect)
{
    memset(c, 0, sizeof *c);
    c->strict = dialect == CSV_STRICT;
    c->f = fopen(path, "r");
    return c->f ? 0 : -1;
}

void csv_init_mem(struct csv *c, const char *mem, size_t len, enum csv_dialect dialect)
{
    memset(c, 0, sizeof *c);
    c->strict = dialect == CSV_STRICT;
    c->mem = mem;
    c->memlen = len;
}

void csv_close(struct csv *c)
{
    if (c->f)
        fclose(c->f);
    for (int i = 0; i < c->nhdr; i++)
        free(c->hdr[i]);
    free(c->hdr);
    free(c->buf);
    free(c->off);
    memset(c, 0, sizeof *c);
}

static int get(struct csv *c)
{
    if (c->f)
        return getc(c->f);
    return c->pos < c->memlen ? (unsigned char)c->mem[c->pos++] : EOF;
}

/* Gives back the byte get just returned (never EOF). */
static void unget(struct csv *c, int ch)
{
    if (c->f)
        ungetc(ch, c->f);
    else
        c->pos--;
}

/* ---- records ---- */

static int put(struct csv *c, char ch)
{
    if (c->len + 1 >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        char *nb = realloc(c->buf, cap);
        if (!nb)
            return -1;
        c->buf = nb;
        c->cap = cap;
    }
    c->buf[c->len++] = ch;
    return 0;
}

static int end_field(struct csv *c, size_t start)
{
    if (put(c, '\0') != 0)
        return -1;
    if (c->nf == c->offcap) {
        int cap = c->offcap ? c->offcap * 2 : 32;
        size_t *no = realloc(c->off, (size_t)cap * sizeof *no);
        if (!no)
            return -1;
        c->off = no;
        c->offcap = cap;
    }
    c->off[c->nf++] = start;
    return 0;
}

/* Reads one record's fields up to its line end (consumed) or, lenient, the end of the data. 0, or a CSV_*
 * error. */
static int read_record(struct csv *c, int ch)
{
    int quoted = 0, closed = 0;     /* closed: this field's quoted part has ended */
    size_t start = 0;
    for (;; ch = get(c)) {
        if (quoted) {
            if (ch == EOF) {
                if (c->strict)
                    return CSV_CUT;
                break;
            }
            if (ch == '"') {
                int next = get(c);
                if (next == '"') {
                    if (put(c, '"') != 0)
                        return CSV_OOM;
                    continue;
                }
                quoted = 0;
                closed = 1;
                if (next != EOF)
                    unget(c, next);
                continue;
            }
            if (put(c, (char)ch) != 0)
                return CSV_OOM;
            continue;
        }
        if (ch == EOF) {
            if (c->strict)
                return CSV_CUT;
            break;
        }
        if (ch == ',') {
            if (end_field(c, start) != 0)
                return CSV_OOM;
            start = c->len;
            closed = 0;
        } else if (ch == '\n') {
            /* Strict: a CR that ends an unquoted field is the CR of a CRLF. */
            if (c->strict && !closed && c->len > start && c->buf[c->len - 1] == '\r')
                c->len--;
            break;
        } else if (ch == '\r' && !c->strict) {
            continue;
        } else if (ch == '\r' && closed) {
            if (get(c) != '\n')
                return CSV_BAD;     /* after a quoted field, CR only as the start of CRLF */
            break;
        } else if (ch == '"' && c->len == start && !(c->strict && closed)) {
            quoted = 1;
        } else if (c->strict && (ch == '"' || closed)) {
            return CSV_BAD;         /* a quote inside an unquoted field, or text after a quoted one */
        } else if (put(c, (char)ch) != 0) {
            return CSV_OOM;
        }
    }
    return end_field(c, start) != 0 ? CSV_OOM : 0;
}

int csv_next(struct csv *c)
{
    for (;;) {
        c->len = 0;
        c->nf = 0;
        c->rec_start = c->pos;
        c->rec_len = 0;
        int ch = get(c);
        if (ch == EOF)
            return CSV_END;
        int rc = read_record(c, ch);
        if (rc != 0)
            return rc;
        if (!c->strict && c->nf == 1 && c->buf[c->off[0]] == '\0')
            continue;           /* a blank line */
        if (!c->f) {
            /* The record ends at pos, after its LF (or at the end of the data, lenient). */
            size_t end = c->pos > c->rec_start && c->mem[c->pos - 1] == '\n' ? c->pos - 1 : c->pos;
            c->rec_len = end - c->rec_start;
            if (end < c->pos && c->rec_len && c->mem[end - 1] == '\r')
                c->rec_len--;
        }
        return 1;
    }
}

int csv_read_header(struct csv *c)
{
    int r = csv_next(c);
    if (r <= 0)
        return r;
    c->hdr = calloc((size_t)c->nf + 1, sizeof *c->hdr);
    if (!c->hdr)
        return CSV_OOM;
    c->nhdr = c->nf;
    for (int i = 0; i < c->nf; i++)
        if (!(c->hdr[i] = strdup(csv_get(c, i))))
            return CSV_OOM;
    return 1;
}

int csv_col(const struct csv *c, const char *name)
{
    for (int i = 0; i < c->nhdr; i++)
        if (c->hdr[i] && strcasecmp(c->hdr[i], name) == 0)
            return i;
    return -1;
}

const char *csv_field(const struct csv *c, int i)
{
    if (i < 0 || i >= c->nf)
        return "";
    return c->buf + c->off[i];
}

const char *csv_get(struct csv *c, int i)
{
    if (i < 0 || i >= c->nf)
        return "";
    char *s = c->buf + c->off[i], *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

const char *csv_record_text(const struct csv *c, size_t *len)
{
    *len = c->rec_len;
    return c->mem ? c->mem + c->rec_start : "";
}
