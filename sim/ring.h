/* ring: the growth of a ring buffer of power-of-two capacity, kept by its owner as an array, a head and a
 * count (slot i of the ring is array[(head + i) & (cap - 1)]). */
#ifndef SIM_RING_H
#define SIM_RING_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Doubles the ring held in array (to first slots when array is NULL): its count elements of size bytes,
 * oldest first, move to the start of a new array, which is returned, and head becomes 0; the old array is
 * freed. Returns NULL when memory is short, the ring left as it was. Growth only: called when the ring is
 * full, off the hot path. */
static inline void *sim_ring_grow(void *array, size_t size, uint32_t *cap, uint32_t *head, uint32_t count,
                                  uint32_t first)
{
    uint32_t ncap = *cap ? *cap * 2 : first;
    unsigned char *n = malloc((size_t)ncap * size);
    if (!n)
        return NULL;
    const unsigned char *o = array;
    for (uint32_t i = 0; i < count; i++)
        memcpy(n + (size_t)i * size, o + (size_t)((*head + i) & (*cap - 1)) * size, size);
    free(array);
    *cap = ncap;
    *head = 0;
    return n;
}

#endif
