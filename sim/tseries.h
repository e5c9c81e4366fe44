/* tseries: a sampled time series kept in memory and written as CSV with a header row. */
#ifndef SIM_TSERIES_H
#define SIM_TSERIES_H

#include <stddef.h>
#include <stdio.h>

struct tseries;

/* A table with ncols numeric columns named columns[0..ncols-1] (names are copied). Returns NULL when out
 * of memory or ncols < 1. */
struct tseries *tseries_new(const char *const *columns, int ncols);

/* The same with a leading text column named label_column (e.g. "group") before the numeric ones. Labels
 * repeat from row to row, so each distinct label is stored once. label_column NULL is tseries_new. */
struct tseries *tseries_new_labeled(const char *label_column, const char *const *columns, int ncols);

/* Appends a row of ncols values; NaN means "no value". Storage doubles as it grows, so appending is
 * amortised O(1) with no allocation per row. Returns 0, or -1 when out of memory, in which case the row
 * is dropped and tseries_write_csv fails too, so an incomplete table is never written as if whole. */
int tseries_row(struct tseries *ts, const double *values);

/* Appends a row to a labeled table; label is copied (once per distinct label). A NULL label is written
 * as an empty field. Returns 0 or -1 as above; a label given to a table without a label column is a
 * caller bug, and the row is dropped the same way. */
int tseries_row_labeled(struct tseries *ts, const char *label, const double *values);

/* Writes the header and all rows. Numbers are formatted by out_format_double (integral values as
 * integers, others "%.6f" trimmed); NaN is an empty field, infinities "inf" and "-inf". Labels and
 * column names are quoted as CSV requires when they hold a comma, quote or line break.
 * Returns 0, or -1 on a write error (ferror) or an earlier dropped row. */
int tseries_write_csv(const struct tseries *ts, FILE *f);

/* The same table in long ("tidy") form: the header "<time>,<label>,metric,value" (no label field in a table
 * without a label column), then one row per row and numeric column other than time_col, in row then column
 * order: the row's time, its label, the column's name, the value. A NaN value gives no row. Numbers and text as
 * tseries_write_csv writes them. Returns 0, or -1 on a write error, an earlier dropped row or a time_col out of
 * range. */
int tseries_write_csv_long(const struct tseries *ts, FILE *f, int time_col);

size_t tseries_rows(const struct tseries *ts);
/* The value at row, numeric column col (0-based, not counting the label column). */
double tseries_get(const struct tseries *ts, size_t row, int col);
/* The label of row, or NULL when the table has no label column or the row's label was NULL. */
const char *tseries_label(const struct tseries *ts, size_t row);

/* Frees ts and everything it owns. NULL is fine. */
void tseries_free(struct tseries *ts);

#endif
