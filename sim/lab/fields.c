/* fields: table-driven reading of a config section. */
#include <stdint.h>
#include <string.h>

#include "sim/lab/fields.h"
#include "sim/dist.h"

static double unit_factor(const char *key)
{
    size_t l = strlen(key);
    if (l > 3 && strcmp(key + l - 3, "_ns") == 0) return 1;
    if (l > 3 && strcmp(key + l - 3, "_us") == 0) return 1e3;
    if (l > 3 && strcmp(key + l - 3, "_ms") == 0) return 1e6;
    return 1e9;
}

int fields_read(struct conf *c, const cJSON *obj, const char *path, const struct field *t, int n, void *base,
                const char *const *extra)
{
    const char *keys[128];
    int nk = 0;
    char p[512];
    for (int i = 0; i < n && nk < 120; i++)
        keys[nk++] = t[i].key;
    for (int i = 0; extra && extra[i] && nk < 127; i++)
        keys[nk++] = extra[i];
    keys[nk] = NULL;
    if (!obj)
        return 0;
    if (conf_keys(c, obj, path, keys) < 0)
        return -1;
    for (int i = 0; i < n && !c->failed; i++) {
        const struct field *f = &t[i];
        char *at = (char *)base + f->off;
        if (!conf_child(obj, f->key))
            continue;
        switch (f->type) {
        case F_TIME: {
            double u = unit_factor(f->key);
            conf_time(c, obj, path, f->key, *(sim_time *)at, (sim_time)(f->min * u), (sim_time)(f->max * u),
                      (sim_time *)at);
            break;
        }
        case F_INT: {
            int64_t v;
            if (conf_int(c, obj, path, f->key, *(int *)at, (int64_t)f->min, (int64_t)f->max, &v) == 0)
                *(int *)at = (int)v;
            break;
        }
        case F_U64: {
            int64_t v;
            if (conf_int(c, obj, path, f->key, (int64_t)*(uint64_t *)at, (int64_t)f->min, (int64_t)f->max, &v) == 0)
                *(uint64_t *)at = (uint64_t)v;
            break;
        }
        case F_DOUBLE:
            conf_double(c, obj, path, f->key, *(double *)at, f->min, f->max, (double *)at);
            break;
        case F_BOOL:
            conf_bool(c, obj, path, f->key, *(int *)at, (int *)at);
            break;
        case F_ENUM:
            conf_enum(c, obj, path, f->key, f->choices, *(int *)at, (int *)at);
            break;
        case F_DIST_TIME:
        case F_DIST_BYTES: {
            struct sim_dist d;
            enum sim_unit u = f->type == F_DIST_TIME ? SIM_UNIT_TIME : SIM_UNIT_BYTES;
            double max = f->type == F_DIST_TIME ? f->max * 1e6 : f->max;
            if (sim_dist_parse(c, conf_child(obj, f->key), conf_path_key(p, sizeof p, path, f->key), u, max, &d) == 0) {
                sim_dist_free((struct sim_dist *)at);
                *(struct sim_dist *)at = d;
            }
            break;
        }
        }
    }
    return c->failed ? -1 : 0;
}
