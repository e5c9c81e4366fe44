/* sha256: the SHA-256 digest of bytes, as lower-case hex (what `sha256sum` prints). */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256_hex(const void *data, size_t len, char out[65]);

#endif
