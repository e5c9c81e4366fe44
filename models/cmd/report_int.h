/* report_int: what the files of index.html share: the page being written and HTML text and number helpers. */
#ifndef MODELS_REPORT_INT_H
#define MODELS_REPORT_INT_H

#include <stddef.h>
#include <stdio.h>
#include <cJSON.h>

/* The page being written. */
struct page {
    FILE *f;
    const char *dir;
    int status;                /* 0, or 2 when an input could not be read */
};

/* Text with & < > " ' escaped (fit for element content and quoted attributes). NULL writes nothing. */
void h_text(FILE *f, const char *s);
/* printf, then the result escaped as h_text does. */
void h_textf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A relative link to a file of the folder: the name percent-encoded, then escaped. */
void h_href(FILE *f, const char *name);

/* A number as people read it: decimals after the point, thousands separated by commas ("432,824.3");
 * "–" for NaN. buf holds at least 64 bytes. Returns buf. */
char *h_num(char *buf, double v, int decimals);
/* A cell <td>...</td> holding h_num(v * scale, decimals) and unit ("" for none) unless v is NaN. */
void h_cell(FILE *f, double v, double scale, int decimals, const char *unit);
/* A mean and its 95% CI: "12.3 ± 1.2" (half the CI's width), scaled, and unit; "–" for no mean. */
void h_ci(FILE *f, double mean, double lo, double hi, double scale, int decimals, const char *unit);
/* h_ci in a <td> cell. */
void h_cell_ci(FILE *f, double mean, double lo, double hi, double scale, int decimals, const char *unit);

/* A number member of a JSON object, NaN when missing, null or not a number. */
double j_num(const cJSON *o, const char *key);
/* A string member, or NULL. */
const char *j_str(const cJSON *o, const char *key);
/* dir/name parsed, or NULL (with the problem printed and p->status 2 when the file is there but bad). */
cJSON *j_load(struct page *p, const char *name);

/* Whether dir/name is a regular file. */
int p_has(const struct page *p, const char *name);

/* The sections: report_run.c (metrics.json), report_many.c (compare, sweep). Each returns 1 when it wrote
 * its section, 0 when the folder has nothing for it. */
int report_run(struct page *p);
int report_compare(struct page *p);
int report_sweep(struct page *p);

#endif
