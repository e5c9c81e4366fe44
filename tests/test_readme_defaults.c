/* test_readme_defaults: the default the README's scenario reference gives each key of the RocketMQ sections
 * (nameservers, groups[] and broker, producers, consumers) is the value a scenario that leaves the key out runs
 * with. The keys and their values come from the code (world_fields, a scenario of one classic group without a
 * "version"); the README row is the key's row in its section's table, whose default cell starts with the value
 * (a number, true or false, or a `name`), and may go on with the profiles' values or a note. A cell that starts
 * otherwise (a formula, "none") is not compared; the test counts what it compared, so that a table that stops
 * being read shows. The same for the "Version profiles" table against the profiles the code applies. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/world/world.h"
#include "models/world/world_version.h"
#include "sim/lab/fields.h"
#include "tests/harness.h"

/* The README's part from heading to the next "### " heading, as a NUL-terminated copy. */
static char *section(const char *readme, const char *heading)
{
    const char *at = strstr(readme, heading);
    ck_assert_msg(at != NULL, "README has no \"%s\"", heading);
    const char *end = strstr(at + strlen(heading), "\n### ");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    char *s = malloc(n + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, at, n);
    s[n] = 0;
    return s;
}

/* The first row of a table in text whose key column names `key` (exact: followed by nothing but the next key;
 * else a note such as " (broker)" may follow), key's position among the column's keys in *index, their number in
 * *count. Returns where the row's second cell starts, or NULL when there is no such row. */
static const char *find_row(const char *text, const char *key, int exact, int *index, int *count)
{
    char name[160];
    snprintf(name, sizeof name, "`%s`", key);
    for (const char *row = strstr(text, "\n| `"); row; row = strstr(row + 1, "\n| `")) {
        const char *keys = row + 3, *bar = strstr(keys, " | ");
        if (!bar)
            return NULL;
        const char *at = strstr(keys, name);
        if (!at || at > bar || (exact && at[strlen(name)] != ',' && at + strlen(name) != bar))
            continue;
        *index = 0;
        *count = 1;
        for (const char *k = keys; k < bar; k++)
            if (k[0] == ',' && k[1] == ' ' && k[2] == '`') {
                ++*count;
                *index += k < at;
            }
        return bar + 3;
    }
    return NULL;
}

/* The default cell of key's row in text, into cell; 0 when there is no such row. A row may name several keys
 * ("| `a`, `b` | 300, 1000 | ..."): key's part of the cell is then taken, when the cell's values up to a
 * "; " or " (" are as many as the keys. */
static int cell_of(const char *text, const char *key, char *cell, size_t size)
{
    int index, count;
    const char *v = find_row(text, key, 1, &index, &count);
    if (!v)
        return 0;
    const char *end = strstr(v, " |");
    char whole[512];
    snprintf(whole, sizeof whole, "%.*s", (int)(end ? (size_t)(end - v) : strlen(v)), v);
    if (count == 1) {
        snprintf(cell, size, "%s", whole);
        return 1;
    }
    whole[strcspn(whole, ";(")] = 0;   /* the values, before a profile's or a note */
    char *part = whole, *next;
    for (int i = 0; part; i++, part = next) {
        next = strstr(part, ", ");
        if (next) {
            *next = 0;
            next += 2;
        }
        if (i == index && (next != NULL) == (i < count - 1)) {
            snprintf(cell, size, "%s", part);
            cell[strcspn(cell, " ")] = 0;
            return 1;
        }
    }
    return 0;
}

/* Whether what follows a cell's leading value leaves it the default: the cell's end, "; " or " (" (a profile's
 * value, a note). "true with ..., else false" or "16 + 2 x ..." are conditions and formulas, not compared. */
static int ends_value(const char *rest)
{
    return *rest == 0 || *rest == ';' || strncmp(rest, " (", 2) == 0;
}

/* The cell's leading value as the code would print it into out: a number, true/false, or a `name` (the
 * backquotes, and the JSON quotes inside them, dropped); 0 when the cell does not start with one. */
static int leading_value(const char *cell, char *out, size_t size)
{
    size_t n = 0;
    if (cell[0] == '`') {
        const char *end = strchr(cell + 1, '`');
        if (!end || !ends_value(end + 1))
            return 0;
        const char *v = cell + 1;
        n = (size_t)(end - v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v++;
            n -= 2;
        }
        snprintf(out, size, "%.*s", (int)n, v);
        return 1;
    }
    while (cell[n] && (cell[n] == '-' || cell[n] == '.' || cell[n] == ',' || (cell[n] >= '0' && cell[n] <= '9')))
        n++;
    if (n > 0 && ends_value(cell + n)) {
        size_t k = 0;
        for (size_t i = 0; i < n && k + 1 < size; i++)
            if (cell[i] != ',')   /* 10,000 */
                out[k++] = cell[i];
        out[k] = 0;
        return 1;
    }
    static const char *const words[] = {"true", "false"};
    for (int i = 0; i < 2; i++)
        if (strncmp(cell, words[i], strlen(words[i])) == 0 && ends_value(cell + strlen(words[i]))) {
            snprintf(out, size, "%s", words[i]);
            return 1;
        }
    return 0;
}

/* The field's value in base, as the README writes it: a time in the unit of its key's suffix. */
static void value_text(const struct field *f, const char *base, char *out, size_t size)
{
    const void *at = base + f->off;
    switch (f->type) {
    case F_TIME: {
        size_t kl = strlen(f->key);
        double unit = kl > 3 && strcmp(f->key + kl - 3, "_us") == 0   ? (double)SIM_US
                      : kl > 2 && strcmp(f->key + kl - 2, "_s") == 0 ? (double)SIM_S
                                                                      : (double)SIM_MS;
        snprintf(out, size, "%.15g", (double)*(const sim_time *)at / unit);
        break;
    }
    case F_INT:
        snprintf(out, size, "%d", *(const int *)at);
        break;
    case F_BOOL:
        snprintf(out, size, "%s", *(const int *)at ? "true" : "false");
        break;
    case F_ENUM:
        snprintf(out, size, "%s", f->choices[*(const int *)at]);
        break;
    case F_U64:
        snprintf(out, size, "%llu", (unsigned long long)*(const uint64_t *)at);
        break;
    case F_DOUBLE:
        snprintf(out, size, "%.15g", *(const double *)at);
        break;
    default:
        snprintf(out, size, "?");
    }
}

/* Whether the README's value and the code's agree: as numbers when both are, else as text. */
static int same(const char *doc, const char *code)
{
    char *e1, *e2;
    double a = strtod(doc, &e1), b = strtod(code, &e2);
    if (*doc && *code && !*e1 && !*e2)
        return fabs(a - b) <= 1e-9 * fabs(b);
    return strcmp(doc, code) == 0;
}

static const struct {
    const char *section, *heading;
} sections[] = {
    {"nameservers", "### nameservers"},
    {"broker", "### groups[] (and `broker`"},
    {"producers", "### producers"},
    {"consumers", "### consumers"},
    {"broker", "### controllers"},   /* the broker's controller-mode keys */
};

START_TEST(documented_defaults_are_the_code_s)
{
    char *readme = th_read("README.md");
    struct conf c;
    conf_init(&c, "t.json");
    cJSON *root = cJSON_Parse("{\"groups\": [{\"name\": \"a\"}]}");
    struct world_cfg wc;
    ck_assert_msg(world_cfg_read(&c, root, &wc) == 0, "%s", c.err);
    cJSON_Delete(root);
    const char *bases[] = {(const char *)&wc.ns, (const char *)&wc.groups[0].broker, (const char *)&wc.producer,
                           (const char *)&wc.consumer, (const char *)&wc.groups[0].broker};
    int compared = 0, wrong = 0;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        char *text = section(readme, sections[s].heading);
        const struct field *t;
        int n = world_fields(sections[s].section, &t);
        for (int i = 0; i < n; i++) {
            char cell[512], doc[64], code[64];
            if (!cell_of(text, t[i].key, cell, sizeof cell) || !leading_value(cell, doc, sizeof doc))
                continue;   /* not in this table, or a cell that starts with a formula or a condition */
            value_text(&t[i], bases[s], code, sizeof code);
            compared++;
            if (!same(doc, code)) {
                fprintf(stderr, "README %s.%s: default %s, the code's %s\n", sections[s].section, t[i].key, doc,
                        code);
                wrong++;
            }
        }
        free(text);
    }
    fprintf(stderr, "test_readme_defaults: %d defaults compared\n", compared);
    ck_assert_int_eq(wrong, 0);
    ck_assert_int_ge(compared, 170);   /* 178 when written */
    world_cfg_free(&wc);
    free(readme);
}
END_TEST

/* The row of the version profiles' table that names `name` (see find_row), its three release cells into
 * cells; 0 when there is none. */
static int profile_row(const char *text, const char *name, char cells[WORLD_VERSIONS][256], int *index, int *count)
{
    const char *v = find_row(text, name, 0, index, count);
    if (!v)
        return 0;
    for (int i = 0; i < WORLD_VERSIONS; i++) {
        const char *end = strstr(v, " | ");
        if (!end)
            return 0;
        snprintf(cells[i], sizeof cells[i], "%.*s", (int)(end - v), v);
        v = end + 3;
    }
    return 1;
}

/* The profile table: each key's value in each release, as the README's "Version profiles" table gives it, is
 * the table the code applies (world_version_keys; a value resolved per group, NULL there, is not compared). A
 * cell holds one value for all the keys of its row, or one each ("10000, 0"); after it may come a note. */
START_TEST(version_table_is_the_code_s)
{
    char *readme = th_read("README.md");
    char *text = section(readme, "### Version profiles");
    const struct version_key *t;
    int n = world_version_keys(&t), compared = 0;
    for (int i = 0; i < n; i++) {
        char name[128], cells[WORLD_VERSIONS][256];
        int index, count;
        snprintf(name, sizeof name, "%s.%s", t[i].section, t[i].key);
        if (!profile_row(text, strcmp(t[i].section, "broker") == 0 ? t[i].key : name, cells, &index, &count))
            ck_abort_msg("README's version profiles have no row for %s", name);
        for (int v = 0; v < WORLD_VERSIONS; v++) {
            if (!t[i].value[v])
                continue;
            char *cell = cells[v], doc[64], code[64];
            cell[strcspn(cell, ";(")] = 0;
            char *part = cell;
            for (int k = 0; k < index && strstr(part, ", "); k++)   /* one each; else one for all the row's keys */
                part = strstr(part, ", ") + 2;
            char one[128];
            snprintf(one, sizeof one, "%.*s", (int)strcspn(part, ","), part);
            size_t l = strlen(one);
            while (l > 0 && one[l - 1] == ' ')
                one[--l] = 0;
            ck_assert_msg(leading_value(one, doc, sizeof doc), "%s in %s: \"%s\"", name, world_version_name(v), one);
            snprintf(code, sizeof code, "%s", t[i].value[v]);
            if (code[0] == '"') {   /* JSON text: a string's quotes */
                memmove(code, code + 1, strlen(code));
                code[strcspn(code, "\"")] = 0;
            }
            ck_assert_msg(same(doc, code), "README's %s in %s: %s, the code's %s", name, world_version_name(v), doc,
                          code);
            compared++;
        }
    }
    fprintf(stderr, "test_readme_defaults: %d profile values compared\n", compared);
    free(text);
    free(readme);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("readme_defaults");
    TCase *t = tcase_create("defaults");
    tcase_add_test(t, documented_defaults_are_the_code_s);
    tcase_add_test(t, version_table_is_the_code_s);
    suite_add_tcase(s, t);
    return th_run_suite(s);
}
