/* tseries: a sampled time series kept in memory and written as CSV with a header row. */
#include "sim/tseries.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/out.h"

#define TSERIES_INITIAL_ROWS 64
#define TSERIES_INITIAL_LABELS 8

struct tseries {
    int ncols;
    char **names;           /* ncols numeric column names */
    char *label_name;       /* name of the leading text column; NULL when there is none */
    double *vals;           /* rows x ncols, row after row */
    uint32_t *row_label;    /* per row: 0 for no label, else 1 + index into labels */
    size_t rows, cap;       /* rows used and allocated in vals and row_label */
    int dropped;            /* a row was lost to out of memory */

    /* Interned labels: each distinct string stored once, found again through an open-addressing hash
     * table (FNV-1a, linear probing) whose slots hold 1 + index into labels, 0 when empty. */
    char **labels;
    size_t nlabels, labels_cap;
    uint32_t *slots;
    size_t nslots;          /* a power of two, kept at least twice nlabels so probes stay short */
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

struct tseries *tseries_new_labeled(const char *label_column, const char *const *columns, int ncols)
{
    struct tseries *ts;
    int i;

    if (ncols < 1)
        return NULL;
    ts = calloc(1, sizeof *ts);
    if (ts == NULL)
        return NULL;
    ts->names = calloc((size_t)ncols, sizeof *ts->names);
    if (ts->names == NULL)
        goto fail;
    /* Set before the names so tseries_free frees exactly what was copied if a copy fails. */
    ts->ncols = ncols;
    for (i = 0; i < ncols; i++) {
        ts->names[i] = dup_str(columns[i]);
        if (ts->names[i] == NULL)
            goto fail;
    }
    if (label_column != NULL) {
        ts->label_name = dup_str(label_column);
        if (ts->label_name == NULL)
            goto fail;
    }
    return ts;

fail:
    tseries_free(ts);
    return NULL;
}

struct tseries *tseries_new(const char *const *columns, int ncols)
{
    return tseries_new_labeled(NULL, columns, ncols);
}

static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Rebuilds the hash table with nslots slots. */
static int rehash(struct tseries *ts, size_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    size_t i, j;

    if (slots == NULL)
        return -1;
    for (i = 0; i < ts->nlabels; i++) {
        for (j = hash_str(ts->labels[i]) & (nslots - 1); slots[j] != 0; j = (j + 1) & (nslots - 1))
            ;
        slots[j] = (uint32_t)(i + 1);
    }
    free(ts->slots);
    ts->slots = slots;
    ts->nslots = nslots;
    return 0;
}

/* Returns 1 + the index of label in ts->labels, adding it if new; 0 when out of memory. */
static uint32_t intern(struct tseries *ts, const char *label)
{
    size_t j;
    char *copy;

    if (ts->nslots < 2 * (ts->nlabels + 1) && rehash(ts, ts->nslots ? 2 * ts->nslots : 16) != 0)
        return 0;
    for (j = hash_str(label) & (ts->nslots - 1); ts->slots[j] != 0; j = (j + 1) & (ts->nslots - 1))
        if (strcmp(ts->labels[ts->slots[j] - 1], label) == 0)
            return ts->slots[j];
    if (ts->nlabels == UINT32_MAX - 1)
        return 0;
    if (ts->nlabels == ts->labels_cap) {
        size_t cap = ts->labels_cap ? 2 * ts->labels_cap : TSERIES_INITIAL_LABELS;
        char **labels = realloc(ts->labels, cap * sizeof *labels);
        if (labels == NULL)
            return 0;
        ts->labels = labels;
        ts->labels_cap = cap;
    }
    copy = dup_str(label);
    if (copy == NULL)
        return 0;
    ts->labels[ts->nlabels++] = copy;
    ts->slots[j] = (uint32_t)ts->nlabels;
    return ts->slots[j];
}

/* Makes room for one more row. cap only grows once both arrays have grown, so a failure between the two
 * reallocs leaves a consistent (if roomier) table. */
static int grow(struct tseries *ts)
{
    size_t cap = ts->cap ? 2 * ts->cap : TSERIES_INITIAL_ROWS;
    double *vals;
    uint32_t *row_label;

    if (cap > SIZE_MAX / sizeof(double) / (size_t)ts->ncols)
        return -1;
    vals = realloc(ts->vals, cap * (size_t)ts->ncols * sizeof *vals);
    if (vals == NULL)
        return -1;
    ts->vals = vals;
    row_label = realloc(ts->row_label, cap * sizeof *row_label);
    if (row_label == NULL)
        return -1;
    ts->row_label = row_label;
    ts->cap = cap;
    return 0;
}

int tseries_row_labeled(struct tseries *ts, const char *label, const double *values)
{
    uint32_t id = 0;

    if (label != NULL && ts->label_name == NULL)
        goto drop;  /* a label with nowhere to go: a caller bug, reported like any lost row */
    if (label != NULL && (id = intern(ts, label)) == 0)
        goto drop;
    if (ts->rows == ts->cap && grow(ts) != 0)
        goto drop;
    memcpy(ts->vals + ts->rows * (size_t)ts->ncols, values, (size_t)ts->ncols * sizeof *values);
    ts->row_label[ts->rows++] = id;
    return 0;

drop:
    ts->dropped = 1;
    return -1;
}

int tseries_row(struct tseries *ts, const double *values)
{
    return tseries_row_labeled(ts, NULL, values);
}

/* Writes a text field, quoted the RFC 4180 way only when it needs to be. */
static void write_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_number(FILE *f, double v)
{
    char buf[OUT_NUM_MAX];
    size_t n = out_format_double(buf, v);

    if (n > 0)
        fwrite(buf, 1, n, f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    /* NaN: an empty field, which gnuplot and spreadsheets read as missing. */
}

int tseries_write_csv(const struct tseries *ts, FILE *f)
{
    size_t r;
    int c;

    if (ts->label_name != NULL) {
        write_text(f, ts->label_name);
        fputc(',', f);
    }
    for (c = 0; c < ts->ncols; c++) {
        if (c > 0)
            fputc(',', f);
        write_text(f, ts->names[c]);
    }
    fputc('\n', f);

    for (r = 0; r < ts->rows; r++) {
        const double *row = ts->vals + r * (size_t)ts->ncols;
        if (ts->label_name != NULL) {
            if (ts->row_label[r] != 0)
                write_text(f, ts->labels[ts->row_label[r] - 1]);
            fputc(',', f);
        }
        for (c = 0; c < ts->ncols; c++) {
            if (c > 0)
                fputc(',', f);
            write_number(f, row[c]);
        }
        fputc('\n', f);
    }
    /* stdio keeps the error flag, so one check at the end catches a failure of any write above. */
    return ferror(f) || ts->dropped ? -1 : 0;
}

int tseries_write_csv_long(const struct tseries *ts, FILE *f, int time_col)
{
    size_t r;
    int c;

    if (time_col < 0 || time_col >= ts->ncols)
        return -1;
    write_text(f, ts->names[time_col]);
    if (ts->label_name != NULL) {
        fputc(',', f);
        write_text(f, ts->label_name);
    }
    fputs(",metric,value\n", f);
    for (r = 0; r < ts->rows; r++) {
        const double *row = ts->vals + r * (size_t)ts->ncols;
        for (c = 0; c < ts->ncols; c++) {
            if (c == time_col || isnan(row[c]))
                continue;   /* a missing value is no row: pivoting back gives it as missing again */
            write_number(f, row[time_col]);
            fputc(',', f);
            if (ts->label_name != NULL) {
                if (ts->row_label[r] != 0)
                    write_text(f, ts->labels[ts->row_label[r] - 1]);
                fputc(',', f);
            }
            write_text(f, ts->names[c]);
            fputc(',', f);
            write_number(f, row[c]);
            fputc('\n', f);
        }
    }
    return ferror(f) || ts->dropped ? -1 : 0;
}

size_t tseries_rows(const struct tseries *ts)
{
    return ts->rows;
}

double tseries_get(const struct tseries *ts, size_t row, int col)
{
    return ts->vals[row * (size_t)ts->ncols + (size_t)col];
}

const char *tseries_label(const struct tseries *ts, size_t row)
{
    uint32_t id = ts->row_label[row];

    return id != 0 ? ts->labels[id - 1] : NULL;
}

void tseries_free(struct tseries *ts)
{
    size_t i;
    int c;

    if (ts == NULL)
        return;
    if (ts->names != NULL)
        for (c = 0; c < ts->ncols; c++)
            free(ts->names[c]);
    free(ts->names);
    free(ts->label_name);
    free(ts->vals);
    free(ts->row_label);
    for (i = 0; i < ts->nlabels; i++)
        free(ts->labels[i]);
    free(ts->labels);
    free(ts->slots);
    free(ts);
}
