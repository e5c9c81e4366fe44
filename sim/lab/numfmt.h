/* numfmt: numbers as people read them in printed tables: fixed point, the integer part grouped by thousands
 * with commas (23,100), never an exponent (not 2.31e+04), never "-0". */
#ifndef SIM_LAB_NUMFMT_H
#define SIM_LAB_NUMFMT_H

#include <stddef.h>

/* Decimals for a figure of the size of ref (its absolute value): 0 from 1000, 1 from 1 (and for 0), 2 from
 * 0.1, else 3. */
int numfmt_decimals(double ref);

/* v with that many decimals into b; "-" for NaN or an infinity. Returns b. */
char *numfmt(char *b, size_t n, double v, int decimals);

#endif
