/* mexpr: a sweep's metric expressions, read out of a run's metrics.json. The whole language:
 *
 *     sum := product ( ('+' | '-') product )*        product := unary ( ('*' | '/') unary )*
 *     unary := '-' unary | NUMBER | PATH | '(' sum ')'
 *     PATH := NAME ( '.' NAME | '[' DIGITS ']' )*      NAME := [A-Za-z_][A-Za-z0-9_]*
 *     NUMBER := DIGITS ( '.' DIGITS )? ( [eE] [+-]? DIGITS )?   (or '.' DIGITS ...)
 *
 * '*' and '/' bind tighter than '+' and '-', each left to right ("a - b - c" is "(a - b) - c"), e.g.
 * "messages.acked_lost", "100 * groups[0].reads.slave / (groups[0].reads.master + groups[0].reads.slave)".
 * Spaces may stand between tokens, not inside a path or a number; parentheses and signs nest 64 deep. */
#ifndef MODELS_MEXPR_H
#define MODELS_MEXPR_H

#include <stddef.h>
#include <cJSON.h>

struct mexpr;

/* Parses text. Returns the expression, or NULL with a one-line message in err naming the expression and the
 * column (no file or JSON path: the caller adds them), e.g.
 * `in "a.b ^ 2": unexpected "^" at column 5: expected an operator (+ - * /) or the end`. */
struct mexpr *mexpr_parse(const char *text, char *err, size_t errsz);

/* The value on metrics.json's tree; NaN when a path's value or one on the way is null (a run without a
 * failover), when a path is absent or not a number, or for a division by zero, and NaN in any operand makes
 * the whole NaN.
 * With err non-NULL, an absent path or a value that is neither a number nor null is also described there
 * (e.g. `groups[0].reads.slav: no key "slav" here (keys: master, slave)`), and err stays "" otherwise: a
 * caller checks the first run this way, since every run of a sweep has the same keys. */
double mexpr_eval(const struct mexpr *e, const cJSON *root, char *err, size_t errsz);

/* Checks e's paths on the metrics.json of a run at its start (scenario_metrics before running), as far as that
 * fixes them: a path that goes on under null, an empty object or an empty array there (a failover, the
 * statuses, the violations: filled as the run goes) is taken; otherwise what mexpr_eval would describe in err
 * on a run's metrics.json is described the same way. Returns 0, or -1 with err set (errsz > 0). */
int mexpr_check_start(const struct mexpr *e, const cJSON *start, char *err, size_t errsz);

void mexpr_free(struct mexpr *e);

#endif
