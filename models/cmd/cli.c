/* cli: getopt_long over a command's option table, with mqsim's one-line errors, and the help it is written from. */
#include "models/cmd/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_opt help_opt = {OPT_HELP, "help", NULL, "this help"};

static size_t count_opts(const struct cli_cmd *cmd)
{
    size_t n = 0;
    while (cmd->opts && cmd->opts[n].name)
        n++;
    return n;
}

const struct cli_cmd *cli_find(const char *name)
{
    for (size_t i = 0; cli_cmds[i]; i++)
        if (strcmp(cli_cmds[i]->name, name) == 0)
            return cli_cmds[i];
    return NULL;
}

int cli_fail(const struct cli_parse *p, const char *fmt, ...)
{
    va_list ap;
    fputs(p->prefix, stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

int cli_begin(struct cli_parse *p, const struct cli_cmd *cmd, const char *prefix, int argc, char **argv)
{
    size_t n = count_opts(cmd);
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->prefix = prefix;
    p->argc = argc + 1;
    p->argv = calloc((size_t)argc + 2, sizeof *p->argv);
    p->lopts = calloc(n + 2, sizeof *p->lopts);
    if (!p->argv || !p->lopts) {
        fprintf(stderr, "mqsim: out of memory\n");
        cli_end(p);
        return -1;
    }
    p->argv[0] = (char *)cmd->name;
    for (int i = 0; i < argc; i++)
        p->argv[i + 1] = argv[i];
    /* "-": operands come back in order, whatever POSIXLY_CORRECT says; ":": a missing value is told apart. */
    size_t k = 0;
    p->shorts[k++] = '-';
    p->shorts[k++] = ':';
    for (size_t i = 0; i <= n; i++) {
        const struct cli_opt *o = i < n ? &cmd->opts[i] : &help_opt;
        p->lopts[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->id};
        if (o->id < 128 && k + 3 < sizeof p->shorts) {
            p->shorts[k++] = (char)o->id;
            if (o->arg)
                p->shorts[k++] = ':';
        }
    }
    p->shorts[k] = '\0';
    optind = 0;     /* glibc: start afresh (a test may parse several command lines in one process) */
    opterr = 0;
    return 0;
}

void cli_end(struct cli_parse *p)
{
    free(p->argv);
    free(p->lopts);
    p->argv = NULL;
    p->lopts = NULL;
}

/* The option an unknown, ambiguous or value-less long option was meant to be, said in one line. */
static int long_error(struct cli_parse *p, const char *arg, int missing)
{
    const char *eq = strchr(arg, '=');
    int len = eq ? (int)(eq - arg) : (int)strlen(arg);
    const char *name = arg + 2;
    int nlen = len - 2, matches = 0, exact = -1;
    char list[256] = "";
    for (int i = 0; p->lopts[i].name; i++)
        if (strncmp(p->lopts[i].name, name, (size_t)nlen) == 0) {
            if ((int)strlen(p->lopts[i].name) == nlen)
                exact = i;
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s--%s", matches ? ", " : "", p->lopts[i].name);
            matches++;
        }
    if (missing)
        return cli_fail(p, "option \"%.*s\" needs a value", len, arg), CLI_ERROR;
    if (exact < 0 && matches == 1)
        for (int i = 0; p->lopts[i].name; i++)
            if (strncmp(p->lopts[i].name, name, (size_t)nlen) == 0)
                exact = i;
    if (exact >= 0 && eq && p->lopts[exact].has_arg == no_argument)
        return cli_fail(p, "option \"--%s\" takes no value, got \"%s\"", p->lopts[exact].name, arg), CLI_ERROR;
    if (matches > 1 && exact < 0)
        return cli_fail(p, "option \"%.*s\" is ambiguous: %s", len, arg, list), CLI_ERROR;
    return cli_fail(p, "unknown option \"%.*s\" (mqsim help %s lists the options)", len, arg, p->cmd->name),
           CLI_ERROR;
}

int cli_next(struct cli_parse *p, const char **val)
{
    *val = NULL;
    if (p->done) {
        /* After "--": the rest are operands. */
        if (optind < p->argc) {
            *val = p->argv[optind++];
            return CLI_OPERAND;
        }
        return CLI_END;
    }
    int before = optind ? optind : 1;
    int c = getopt_long(p->argc, p->argv, p->shorts, p->lopts, NULL);
    if (c == -1) {
        p->done = 1;
        return cli_next(p, val);
    }
    if (c == 1) {
        *val = optarg;
        return CLI_OPERAND;
    }
    if (c == '?' || c == ':') {
        /* The word getopt stopped at: the one before optind, unless a short option cluster goes on. */
        int at = optind > before ? optind - 1 : before;
        const char *arg = at < p->argc ? p->argv[at] : "";
        if (c == ':' && optopt && optopt < 128 && strncmp(arg, "--", 2) != 0)
            return cli_fail(p, "option \"-%c\" needs a value", optopt), CLI_ERROR;
        if (strncmp(arg, "--", 2) == 0)
            return long_error(p, arg, c == ':');
        return cli_fail(p, "unknown option \"-%c\" (mqsim help %s lists the options)", optopt ? optopt : '?',
                        p->cmd->name),
               CLI_ERROR;
    }
    if (optarg && !*optarg)
        for (int i = 0; p->lopts[i].name; i++)
            if (p->lopts[i].val == c)   /* an empty value ("--out=", --out ''): none given */
                return cli_fail(p, "option \"--%s\" needs a value, got an empty one", p->lopts[i].name), CLI_ERROR;
    *val = optarg;
    return c;
}

/* ---- help ---- */

static void help_line(const struct cli_opt *o, FILE *f)
{
    char head[64];
    if (o->id < 128)
        snprintf(head, sizeof head, "-%c, --%s%s%s", o->id, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    else
        snprintf(head, sizeof head, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(f, "  %-25s", head);
    if (strlen(head) > 24)
        fprintf(f, "\n  %-25s", "");
    for (const char *s = o->help; *s; s++) {
        fputc(*s, f);
        if (*s == '\n')
            fprintf(f, "  %-25s", "");
    }
    fputc('\n', f);
}

static void usage_line(const struct cli_cmd *cmd, FILE *f, const char *lead)
{
    if (strcmp(cmd->name, "run") == 0)
        fprintf(f, "%smqsim [run] %s\n", lead, cmd->synopsis);
    else
        fprintf(f, "%smqsim %s %s\n", lead, cmd->name, cmd->synopsis);
}

void cli_help(const struct cli_cmd *cmd, FILE *f)
{
    usage_line(cmd, f, "usage: ");
    fprintf(f, "\n%s\n\noptions:\n", cmd->about);
    for (size_t i = 0; i < count_opts(cmd); i++)
        help_line(&cmd->opts[i], f);
    help_line(&help_opt, f);
    fprintf(f, "\nOptions take their value as --opt VALUE or --opt=VALUE (-o DIR or -oDIR); \"--\" ends the options.\n");
}

void cli_usage_all(FILE *f)
{
    for (size_t i = 0; cli_cmds[i]; i++)
        usage_line(cli_cmds[i], f, i == 0 ? "usage: " : "       ");
    fprintf(f, "       mqsim help [COMMAND] | mqsim COMMAND --help | mqsim --version\n");
}
