/* test_readme_keys: every key a scenario may hold is named in the README's scenario reference. The keys come
 * from the code, never from a list typed here: the RocketMQ sections' key tables (world_fields) and the keys
 * their readers take by hand (world_hand_keys), a distribution's keys (sim_dist_keys, sim_dist_suffix), and
 * for the objects read with a plain list (the top level, run, network and its links, disk, checks, metrics,
 * explore, controllers, each fault op, phold) the list the loader gives when it meets an unknown key. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/world/world.h"
#include "sim/dist.h"
#include "sim/lab/fields.h"
#include "sim/lab/runner.h"
#include "sim/lab/scenario.h"
#include "tests/harness.h"

/* The smallest RocketMQ scenario, with `extra` spliced into the top-level object. */
static const char *world_json(const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"run\": {\"trace\": \"off\"}, \"groups\": [{\"name\": \"broker-a\", \"replicas\": 2}]%s%s}",
             *extra ? ", " : "", extra);
    return buf;
}

/* The error a scenario gives with one --set (NULL: none), or "" when it loads. */
static const char *load_error(const char *text, const char *set)
{
    static char err[1024];
    char file[TH_TEMP_NAME];
    th_temp(file, text);
    struct scenario sc;
    struct conf c;
    const char *setv[] = {set};
    struct run_opts o = {.file = file, .sets = setv, .nsets = set ? 1 : 0, .sets_own = 1};   /* the bare error */
    int rc = scenario_load(&sc, &o, &c);
    unlink(file);
    snprintf(err, sizeof err, "%s", rc == 0 ? "" : c.err);
    scenario_free(&sc);
    return err;
}

/* The quoted names in err from the first `from` on, up to `to` (NULL: the end), into names; their count. The
 * list must be whole: conf_choices cuts a long one short with "...". */
#define MAX_NAMES 64
static int quoted_names(const char *err, const char *from, const char *to, char (*names)[64])
{
    const char *p = strstr(err, from);
    ck_assert_msg(p != NULL, "expected \"%s\" in \"%s\"", from, err);
    const char *end = to ? strstr(p, to) : p + strlen(p);
    ck_assert_msg(end != NULL, "expected \"%s\" in \"%s\"", to, err);
    ck_assert_msg(strstr(p, "...") == NULL || strstr(p, "...") > end, "the list is cut short: %s", p);
    int n = 0;
    for (p = strchr(p, '"'); p && p < end; p = strchr(p + 1, '"')) {
        const char *q = strchr(p + 1, '"');
        ck_assert_ptr_nonnull(q);
        ck_assert_int_lt(n, MAX_NAMES);
        snprintf(names[n++], sizeof names[0], "%.*s", (int)(q - p - 1), p + 1);
        p = q;
    }
    ck_assert_int_gt(n, 0);
    return n;
}

/* The README names key of object obj as `key`, `obj.key`, `obj.key[` or, an object through one of its own
 * keys, `obj.key.`; a top-level key (obj "") the same way without "obj.". */
static void assert_documented(const char *text, const char *obj, const char *key)
{
    char bare[128], full[192], array[192], inner[192];
    const char *dot = *obj ? "." : "";
    snprintf(bare, sizeof bare, "`%s`", key);
    snprintf(full, sizeof full, "`%s%s%s`", obj, dot, key);
    snprintf(array, sizeof array, "`%s%s%s[", obj, dot, key);
    snprintf(inner, sizeof inner, "`%s%s%s.", obj, dot, key);
    ck_assert_msg(strstr(text, bare) || strstr(text, full) || strstr(text, array) || strstr(text, inner),
                  "%s%s%s is a scenario key the README does not name", obj, dot, key);
}

/* Each key the loader lists when obj (reached by --set at `set`, in the scenario text) holds an unknown one. */
static int assert_listed_documented(const char *text, const char *obj, const char *scenario, const char *set)
{
    char names[MAX_NAMES][64];
    const char *err = load_error(scenario, set);
    int n = quoted_names(err, "expected one of: ", NULL, names);
    for (int i = 0; i < n; i++)
        assert_documented(text, obj, names[i]);
    return n;
}

START_TEST(section_keys_documented)
{
    static const char *const sections[] = {"broker", "producers", "consumers", "operator", "nameservers"};
    char *text = th_read("README.md");   /* the tests run from the repository's root */
    int checked = 0;
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        const struct field *t;
        int n = world_fields(sections[s], &t);
        ck_assert_int_gt(n, 0);
        for (int i = 0; i < n; i++, checked++)
            assert_documented(text, sections[s], t[i].key);
    }
    ck_assert_int_gt(checked, 100);
    /* What their readers take by hand: a group's name, replicas, preferred leader, election priorities; count. */
    static const char *const hand[] = {"groups", "nameservers", "producers", "consumers"};
    for (size_t h = 0; h < sizeof hand / sizeof hand[0]; h++) {
        const char *const *k = world_hand_keys(hand[h]);
        ck_assert_ptr_nonnull(k[0]);
        for (; *k; k++)
            assert_documented(text, hand[h], *k);
    }
    free(text);
}
END_TEST

START_TEST(object_keys_documented)
{
    static const char *const objects[] = {"run", "network", "disk", "checks", "metrics", "explore", "controllers"};
    char *text = th_read("README.md");
    char set[96];
    for (size_t o = 0; o < sizeof objects / sizeof objects[0]; o++) {
        snprintf(set, sizeof set, "%s.zz_unknown=1", objects[o]);
        assert_listed_documented(text, objects[o], world_json(""), set);
    }
    /* The top level (every world's sections), a path of network.links, and PHOLD's section. */
    ck_assert_int_gt(assert_listed_documented(text, "", world_json(""), "zz_unknown=1"), 10);
    assert_listed_documented(text, "network.links", world_json(""), "network.links=[{\"zz_unknown\": 1}]");
    assert_listed_documented(text, "phold", "{\"run\": {\"trace\": \"off\"}, \"phold\": {\"zz_unknown\": 1}}", NULL);
    free(text);
}
END_TEST

/* Each fault op (the engine's and the world's, as the loader lists them for an unknown op) and each op's keys
 * (as it lists them for an unknown key of that op). */
START_TEST(fault_keys_documented)
{
    char *text = th_read("README.md");
    char ops[MAX_NAMES][64], fault[256];
    int nops = quoted_names(load_error(world_json("\"faults\": [{\"at_ms\": 1, \"op\": \"zz_unknown\"}]"), NULL),
                            "expected ", ", got", ops);
    ck_assert_int_ge(nops, 10);
    for (int i = 0; i < nops; i++) {
        assert_documented(text, "faults", ops[i]);
        snprintf(fault, sizeof fault, "\"faults\": [{\"at_ms\": 1, \"op\": \"%.63s\", \"zz_unknown\": 1}]", ops[i]);
        assert_listed_documented(text, "faults", world_json(fault), NULL);
    }
    free(text);
}
END_TEST

/* A distribution's key is a parameter and a unit suffix: the README writes each parameter with _ms, as its
 * examples do, and names every suffix a duration or a size may end in. */
START_TEST(dist_keys_documented)
{
    char *text = th_read("README.md");
    char names[MAX_NAMES][SIM_DIST_KEY_MAX];
    int n = sim_dist_keys(SIM_UNIT_TIME, names, MAX_NAMES);
    ck_assert_int_le(n, MAX_NAMES);
    ck_assert_int_gt(n, 10);
    for (int i = 0; i < n; i++)
        assert_documented(text, "", names[i]);
    static const enum sim_unit units[] = {SIM_UNIT_TIME, SIM_UNIT_BYTES};
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        const char *s;
        for (int i = 0; (s = sim_dist_suffix(units[u], i)) != NULL; i++)
            assert_documented(text, "", s);
    }
    free(text);
}
END_TEST

static Suite *readme_keys_suite(void)
{
    Suite *s = suite_create("readme_keys");
    TCase *t = tcase_create("readme_keys");
    tcase_add_test(t, section_keys_documented);
    tcase_add_test(t, object_keys_documented);
    tcase_add_test(t, fault_keys_documented);
    tcase_add_test(t, dist_keys_documented);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return th_run_suite(readme_keys_suite());
}
