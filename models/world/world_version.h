/* world_version: a scenario's "version" and the RocketMQ defaults that differ by release (world_version.c). */
#ifndef MODELS_WORLD_VERSION_H
#define MODELS_WORLD_VERSION_H

#include <cJSON.h>

#include "models/broker/broker_cfg.h"
#include "sim/conf.h"

enum world_version { WORLD_V44, WORLD_V49, WORLD_V53, WORLD_VERSIONS };

/* One key of the profiles: its section and name as a scenario writes them, its value per release as JSON
 * text (NULL: resolved per group, as note says), and where each value comes from. */
struct version_key {
    const char *section, *key;
    const char *value[WORLD_VERSIONS];
    const char *source;
    const char *note;
};

/* The profile table: *t and its length. */
int world_version_keys(const struct version_key **t);
/* "4.4", "4.9", "5.3". */
const char *world_version_name(int v);
/* world_version_read, world_version_resolve and world_version_run_info are declared in world.h. */

#endif
