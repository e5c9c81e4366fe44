/* numfmt: fixed-point numbers with thousands grouped, for the tables compare and sweep print. */
#include "sim/lab/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int numfmt_decimals(double ref)
{
    double a = fabs(ref);
    return a >= 1000 ? 0 : a >= 1 || a == 0 || isnan(a) ? 1 : a >= 0.1 ? 2 : 3;
}

char *numfmt(char *b, size_t n, double v, int decimals)
{
    char raw[400], out[560];
    if (n == 0)
        return b;
    if (!isfinite(v) || fabs(v) >= 1e300) {
        snprintf(b, n, "-");
        return b;
    }
    snprintf(raw, sizeof raw, "%.*f", decimals, v + 0.0);   /* + 0.0: no "-0" from -0.0 */
    const char *s = raw;
    size_t k = 0;
    if (*s == '-') {
        /* A value that rounds to zero prints without its sign. */
        int zero = 1;
        for (const char *p = s + 1; *p; p++)
            zero &= *p == '0' || *p == '.';
        if (!zero)
            out[k++] = '-';
        s++;
    }
    size_t digits = strcspn(s, ".");
    for (size_t i = 0; i < digits; i++) {
        if (i > 0 && (digits - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = s[i];
    }
    snprintf(out + k, sizeof out - k, "%s", s + digits);
    snprintf(b, n, "%s", out);
    return b;
}
