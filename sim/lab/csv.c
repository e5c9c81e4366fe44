/* csv: writing and reading CSV fields and records. */
#include "sim/lab/csv.h"

#include <string.h>

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
