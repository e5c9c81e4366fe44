/* csv: CSV files (RFC 4180) as the experiment commands write and read them: a field quoted for writing. */
#ifndef SIM_LAB_CSV_H
#define SIM_LAB_CSV_H

#include "sim/buf.h"

/* Appends s as one CSV field: quoted, with quotes doubled, when it holds ',', '"', CR or LF; else bare. */
void csv_put_field(struct buf *b, const char *s);

#endif
