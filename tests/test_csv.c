/* test_csv: the CSV reader in its two dialects, from memory and from a file, and the field writer. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/buf.h"
#include "sim/lab/csv.h"
#include "tests/harness.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The records of text, each as its fields joined by '|' and ended by ';', then the code that ended the
 * reading (e.g. "a|b;c;=0" or "a;=-2"). */
static void records(const char *text, enum csv_dialect d, char *out, size_t size)
{
    struct csv c;
    struct buf b;
    int r;
    buf_fixed(&b, out, size);
    csv_init_mem(&c, text, strlen(text), d);
    while ((r = csv_next(&c)) == 1) {
        for (int i = 0; i < c.nf; i++)
            buf_addf(&b, "%s%s", i ? "|" : "", csv_field(&c, i));
        buf_add(&b, ";");
    }
    buf_addf(&b, "=%d", r);
    csv_close(&c);
}

static const struct { const char *text, *lenient, *strict; } cases[] = {
    { "", "=0", "=0" },
    { "a,b\n1,2\n", "a|b;1|2;=0", "a|b;1|2;=0" },
    { "a,b\r\n1,2\r\n", "a|b;1|2;=0", "a|b;1|2;=0" },
    { "\"x,y\",\"say \"\"hi\"\"\"\n", "x,y|say \"hi\";=0", "x,y|say \"hi\";=0" },
    { "\"two\nlines\",z\n", "two\nlines|z;=0", "two\nlines|z;=0" },
    { "a\n\n\r\nb\n", "a;b;=0", "a;;;b;=0" },                  /* blank lines: skipped, or records */
    { "a,b", "a|b;=0", "=-2" },                                 /* no line end: fine, or cut short */
    { "a,\"b", "a|b;=0", "=-2" },                               /* inside quotes at the end */
    { "a,", "a|;=0", "=-2" },
    { "a\"b\n", "a\"b;=0", "=-3" },                             /* a quote inside an unquoted field */
    { "\"a\"b,c\n", "ab|c;=0", "=-3" },                         /* text after a closing quote */
    { "\"a\"\rb\n", "ab;=0", "=-3" },                           /* CR after a quote, not CRLF */
    { "a\rb,c\r\n", "ab|c;=0", "a\rb|c;=0" },                   /* CR is data in strict, but for CRLF */
    { "\"a\r\"\n", "a\r;=0", "a\r;=0" },                        /* CR inside quotes is kept */
    { "\"\",\"\"\n", "|;=0", "|;=0" },
    { " a , b \n", " a | b ;=0", " a | b ;=0" },                /* csv_field keeps blanks */
};

START_TEST(test_dialects)
{
    char got[256];
    records(cases[_i].text, CSV_LENIENT, got, sizeof got);
    ck_assert_msg(strcmp(got, cases[_i].lenient) == 0, "lenient [%s]: got %s, want %s", cases[_i].text, got,
                  cases[_i].lenient);
    records(cases[_i].text, CSV_STRICT, got, sizeof got);
    ck_assert_msg(strcmp(got, cases[_i].strict) == 0, "strict [%s]: got %s, want %s", cases[_i].text, got,
                  cases[_i].strict);
}
END_TEST

START_TEST(test_record_text)
{
    const char *text = "k,v\r\n\"a,b\",1\nx,\"\"\"\"\n";
    struct csv c;
    size_t len;
    const char *t;
    csv_init_mem(&c, text, strlen(text), CSV_STRICT);
    ck_assert_int_eq(csv_next(&c), 1);
    t = csv_record_text(&c, &len);
    ck_assert_uint_eq(len, 3);                  /* without its CRLF */
    ck_assert_int_eq(memcmp(t, "k,v", 3), 0);
    ck_assert_int_eq(csv_next(&c), 1);
    t = csv_record_text(&c, &len);
    ck_assert_uint_eq(len, 7);
    ck_assert_int_eq(memcmp(t, "\"a,b\",1", 7), 0);
    ck_assert_int_eq(csv_next(&c), 1);
    t = csv_record_text(&c, &len);
    ck_assert_uint_eq(len, 6);
    ck_assert_int_eq(memcmp(t, "x,\"\"\"\"", 6), 0);
    ck_assert_str_eq(csv_field(&c, 1), "\"");
    ck_assert_int_eq(csv_next(&c), CSV_END);
    csv_close(&c);
}
END_TEST

START_TEST(test_header_and_columns)
{
    const char *text = "\n  Group , t_ms,\"lag bytes\"\n*,1,2\nb,3\n";
    struct csv c;
    csv_init_mem(&c, text, strlen(text), CSV_LENIENT);
    ck_assert_int_eq(csv_read_header(&c), 1);
    ck_assert_int_eq(c.nhdr, 3);
    ck_assert_int_eq(csv_col(&c, "group"), 0);  /* blanks dropped, case ignored */
    ck_assert_int_eq(csv_col(&c, "T_MS"), 1);
    ck_assert_int_eq(csv_col(&c, "lag bytes"), 2);
    ck_assert_int_eq(csv_col(&c, "missing"), -1);
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_str_eq(csv_get(&c, 0), "*");
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_str_eq(csv_get(&c, 1), "3");
    ck_assert_str_eq(csv_get(&c, 2), "");      /* a short row */
    ck_assert_str_eq(csv_get(&c, -1), "");
    ck_assert_int_eq(csv_next(&c), CSV_END);
    csv_close(&c);

    csv_init_mem(&c, "\n\r\n", 3, CSV_LENIENT);
    ck_assert_int_eq(csv_read_header(&c), CSV_END);
    csv_close(&c);
}
END_TEST

START_TEST(test_file_source)
{
    char path[] = "/tmp/test_csv_XXXXXX";
    const char *text = "a,b\r\n\"1\",\" 2 \"\n\n3,4";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    struct csv c;
    ck_assert_int_eq(csv_open(&c, path, CSV_LENIENT), 0);
    ck_assert_int_eq(csv_read_header(&c), 1);
    ck_assert_int_eq(csv_col(&c, "b"), 1);
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_str_eq(csv_field(&c, 1), " 2 ");
    ck_assert_str_eq(csv_get(&c, 1), "2");
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_str_eq(csv_field(&c, 0), "3");
    ck_assert_int_eq(csv_next(&c), CSV_END);
    csv_close(&c);

    ck_assert_int_eq(csv_open(&c, path, CSV_STRICT), 0);
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_int_eq(csv_next(&c), 1);          /* the blank line */
    ck_assert_int_eq(c.nf, 1);
    ck_assert_int_eq(csv_next(&c), CSV_CUT);    /* "3,4" has no line end */
    csv_close(&c);
    unlink(path);

    ck_assert_int_eq(csv_open(&c, path, CSV_LENIENT), -1);
    csv_close(&c);
}
END_TEST

/* What csv_put_field writes, the strict reader reads back as it was. */
START_TEST(test_round_trip)
{
    static const char *const fields[] = {"", "plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "\"", " x "};
    struct buf b = {0};
    struct csv c;
    for (int i = 0; i < N(fields); i++) {
        csv_put_field(&b, fields[i]);
        buf_add(&b, i + 1 < N(fields) ? "," : "\n");
    }
    csv_init_mem(&c, b.s, b.len, CSV_STRICT);
    ck_assert_int_eq(csv_next(&c), 1);
    ck_assert_int_eq(c.nf, N(fields));
    for (int i = 0; i < N(fields); i++)
        ck_assert_str_eq(csv_field(&c, i), fields[i]);
    ck_assert_int_eq(csv_next(&c), CSV_END);
    csv_close(&c);
    buf_free(&b);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("csv");
    tcase_add_loop_test(tc, test_dialects, 0, N(cases));
    tcase_add_test(tc, test_record_text);
    tcase_add_test(tc, test_header_and_columns);
    tcase_add_test(tc, test_file_source);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return th_run_suite(csv_suite());
}
