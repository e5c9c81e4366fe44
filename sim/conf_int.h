/* conf_int: what the files of the conf module share: message limits, number and list formatting, errors. */
#ifndef SIM_CONF_INT_H
#define SIM_CONF_INT_H

#include <stdarg.h>
#include <stddef.h>

struct buf;
struct conf;

/* Strings quoted in messages are cut after this many bytes so that one bad value cannot fill the message. */
#define CONF_QUOTE_MAX 40

/* Longest key considered for "did you mean": the edit distance table lives on the stack. Keys in lists of
 * choices are quoted up to this length. */
#define CONF_KEY_MAX 64

/* Beyond 2^53 a JSON number (held as a double by cJSON) no longer holds every integer, so the value the user
 * wrote may not be the value we read. */
#define CONF_EXACT_INT 9007199254740992.0

/* conf_fail with a va_list. */
int conf_vfail(struct conf *c, const char *path, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Writes a double the way a user would write it: integers without exponent or decimals while they are exact,
 * otherwise the shortest of %.15g/%.17g that reads back as the same double. Returns buf. */
const char *conf_fmt_num(char *buf, size_t size, double v);

/* Appends a NULL-terminated list of choices as "a", "b" or "c" (last_sep " or ") or "a", "b", "c" (", "),
 * ending with ", ..." when the list would make the message too long. */
void conf_choices(struct buf *b, const char *const *list, const char *last_sep);

#endif
