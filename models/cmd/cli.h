/* cli: the options of every mqsim command, parsed the getopt_long way (--seed=3 and --seed 3, short forms, -- ends
 * the options), and the help of each command written from the same table, so that help lists every option. */
#ifndef MODELS_CLI_H
#define MODELS_CLI_H

#include <getopt.h>
#include <stdio.h>

/* Option ids: the short letter where there is one, else a number above any character. */
enum {
    OPT_HELP = 'h', OPT_OUT = 'o', OPT_SET = 's', OPT_QUIET = 'q', OPT_JOBS = 'j', OPT_RUNS = 'n',
    OPT_SEED = 256, OPT_TRACE, OPT_TIMELINE, OPT_SEED_START, OPT_PLOT, OPT_LIST, OPT_COLLECT,
    OPT_LPS, OPT_POPULATION, OPT_REMOTE, OPT_LOOKAHEAD, OPT_MEAN, OPT_END, OPT_JSON,
};

struct cli_opt {
    int id;                 /* OPT_*; a short form when it is a letter */
    const char *name;       /* the long name, without "--" */
    const char *arg;        /* the value's name in the help ("N", "DIR"); NULL: the option takes no value */
    const char *help;       /* what it does; may hold newlines */
};

struct cli_cmd {
    const char *name;       /* "compare"; "run" for `mqsim SCENARIO.json` */
    const char *synopsis;   /* the words after "mqsim NAME": operands and the options that matter most */
    const char *about;      /* a paragraph: what the command does and writes */
    const struct cli_opt *opts;     /* ends with {0}; --help is added to every command */
};

/* The commands, in the order the general help lists them; NULL-terminated. */
extern const struct cli_cmd *const cli_cmds[];

/* The command named name ("run" too), or NULL. */
const struct cli_cmd *cli_find(const char *name);

/* What cli_next returns besides an option id. */
#define CLI_END 0           /* no more arguments */
#define CLI_OPERAND 1       /* an operand (a file, a folder) in *val, in the order given */
#define CLI_ERROR (-1)      /* a mistake, said on stderr in one line; the command exits 2 */

struct cli_parse {
    const struct cli_cmd *cmd;
    const char *prefix;     /* "mqsim: " or "mqsim: compare: ": the start of every error line */
    int argc, done;
    char **argv;            /* a copy with the command's name in front, which getopt_long permutes */
    struct option *lopts;
    char shorts[64];
};

/* Starts parsing argv (the words after the command's name). Returns 0, or -1 when out of memory (said). */
int cli_begin(struct cli_parse *p, const struct cli_cmd *cmd, const char *prefix, int argc, char **argv);
/* The next option (its id, with its value in *val or NULL), operand (CLI_OPERAND), CLI_END or CLI_ERROR.
 * --help / -h comes back as OPT_HELP: the command then prints cli_help and exits 0. */
int cli_next(struct cli_parse *p, const char **val);
void cli_end(struct cli_parse *p);

/* Prints "PREFIX" + the formatted message + "\n" on stderr; returns 2 (bad usage). */
int cli_fail(const struct cli_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The help of one command: its usage, what it does, every option. */
void cli_help(const struct cli_cmd *cmd, FILE *f);
/* The usage lines of every command, "usage: mqsim ..." first. */
void cli_usage_all(FILE *f);

#endif
