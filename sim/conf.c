/* conf: strict reading of JSON configuration, every error naming the file and the JSON path: errors, paths
 * and descriptions in messages, and reading a file. The --set overrides are in conf_set.c, the checking of
 * keys in conf_keys.c, the typed getters in conf_get.c. */
#include "sim/conf.h"
#include "sim/sha256.h"
#include "sim/conf_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/buf.h"

/* A scenario is a few kilobytes; anything this big is a mistake (a trace or a binary given by accident), and
 * reading it whole would only waste memory before failing. */
#define CONF_MAX_FILE ((size_t)64 * 1024 * 1024)

/* ---- Messages ---------------------------------------------------------------------------------------------- */

const char *conf_fmt_num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (isinf(v))
        snprintf(buf, size, v < 0 ? "-inf" : "inf");
    else if (v == trunc(v) && fabs(v) <= CONF_EXACT_INT)
        snprintf(buf, size, "%.0f", v);
    else {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%.15g", v);
        if (strtod(tmp, NULL) != v)
            snprintf(tmp, sizeof tmp, "%.17g", v);
        snprintf(buf, size, "%s", tmp);
    }
    return buf;
}

void conf_choices(struct buf *b, const char *const *list, const char *last_sep)
{
    size_t count = 0;
    while (list[count] != NULL)
        count++;
    size_t start = b->len;
    for (size_t i = 0; i < count; i++) {
        if (b->len - start > 512) {
            buf_addf(b, ", ...");
            return;
        }
        if (i > 0)
            buf_addf(b, "%s", i + 1 == count ? last_sep : ", ");
        buf_quote(b, list[i], CONF_KEY_MAX);
    }
}

/* ---- Errors -------------------------------------------------------------------------------------------------- */

void conf_init(struct conf *c, const char *file)
{
    c->file = file;
    c->failed = 0;
    c->err[0] = '\0';
    c->err_path[0] = '\0';
    c->sha256[0] = '\0';
}

/* The contract is one line a problem; a file name or a --set argument may still hold a control character. */
static void one_line(char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

int conf_vfail(struct conf *c, const char *path, const char *fmt, va_list ap)
{
    if (c->failed)
        return -1;
    c->failed = 1;
    snprintf(c->err_path, sizeof c->err_path, "%s", path != NULL ? path : "");

    struct buf b;
    buf_fixed(&b, c->err, sizeof c->err);
    buf_addf(&b, "%s: ", c->file != NULL ? c->file : "<input>");
    if (path != NULL)       /* NULL: an error about the file itself, which has no JSON path */
        buf_addf(&b, "%s: ", path);
    buf_vaddf(&b, fmt, ap);
    one_line(c->err);
    return -1;
}

void conf_append(struct conf *c, const char *fmt, ...)
{
    size_t l = strlen(c->err);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + l, sizeof c->err - l, fmt, ap);
    va_end(ap);
    one_line(c->err + l);
}

int conf_fail(struct conf *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_vfail(c, path, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- Paths and descriptions ------------------------------------------------------------------------------- */

/* A key that can be written after a dot and still be read back unambiguously; others use ["..."]. */
static int is_plain_key(const char *key)
{
    if (*key == '\0')
        return 0;
    for (const char *p = key; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return 0;
    return 1;
}

/* Starts buf with parent. memmove and the length check make buf == parent (appending in place) safe too. */
static void path_start(struct buf *b, char *buf, size_t size, const char *parent)
{
    if (parent == NULL)
        parent = "$";
    size_t n = strlen(parent);
    if (n >= size)
        n = size - 1;
    memmove(buf, parent, n);
    buf[n] = '\0';
    buf_fixed(b, buf + n, size - n);   /* appends go after parent, within size */
}

const char *conf_path_key(char *buf, size_t size, const char *parent, const char *key)
{
    if (size == 0)
        return buf;
    struct buf b;
    path_start(&b, buf, size, parent);
    if (is_plain_key(key))
        buf_addf(&b, ".%s", key);
    else {
        buf_addc(&b, '[');
        buf_quote(&b, key, CONF_KEY_MAX);
        buf_addc(&b, ']');
    }
    return buf;
}

const char *conf_path_index(char *buf, size_t size, const char *parent, int index)
{
    if (size == 0)
        return buf;
    struct buf b;
    path_start(&b, buf, size, parent);
    buf_addf(&b, "[%d]", index);
    return buf;
}

const char *conf_describe(const cJSON *v, char *buf, size_t size)
{
    struct buf b;
    char num[64];
    buf_fixed(&b, buf, size);
    if (v == NULL)
        buf_addf(&b, "nothing");
    else if (cJSON_IsString(v)) {
        buf_addf(&b, "string ");
        buf_quote(&b, v->valuestring != NULL ? v->valuestring : "", CONF_QUOTE_MAX);
    } else if (cJSON_IsNumber(v))
        buf_addf(&b, "number %s", conf_fmt_num(num, sizeof num, v->valuedouble));
    else if (cJSON_IsTrue(v))
        buf_addf(&b, "true");
    else if (cJSON_IsFalse(v))
        buf_addf(&b, "false");
    else if (cJSON_IsNull(v))
        buf_addf(&b, "null");
    else if (cJSON_IsObject(v))
        buf_addf(&b, "an object");
    else if (cJSON_IsArray(v))
        buf_addf(&b, cJSON_GetArraySize(v) ? "an array" : "an empty array");
    else
        buf_addf(&b, "an invalid value");
    return buf;
}

/* ---- Parsing ------------------------------------------------------------------------------------------------- */

/* Parses text[0..len), which must have a NUL at text[len] (cJSON's "null terminated" check looks for it). */
static cJSON *parse_buffer(struct conf *c, const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len) {
        conf_fail(c, "$", "empty document, expected a JSON object");
        return NULL;
    }

    /* cJSON stops at a NUL byte and would take what follows for the end of the text; a NUL inside the file is
     * an error like any other stray byte. */
    const char *nul = memchr(text, '\0', len);
    const char *end = NULL;
    cJSON *root = NULL;
    if (nul == NULL)
        root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    else
        end = nul;
    if (root == NULL) {
        /* The position from return_parse_end, not cJSON_GetErrorPtr(): that one is a global shared by threads. */
        size_t pos = end != NULL && end >= text && end <= text + len ? (size_t)(end - text) : len;
        long line = 1, col = 1;
        for (size_t k = 0; k < pos; k++) {
            if (text[k] == '\n') {
                line++;
                col = 1;
            } else if (((unsigned char)text[k] & 0xC0) != 0x80) {  /* count characters, not UTF-8 bytes */
                col++;
            }
        }
        /* No "unexpected end of file" guess: cJSON also points past the end for a trailing comma. */
        conf_fail(c, "$", "invalid JSON at line %ld, column %ld%s", line, col, nul != NULL ? " (NUL byte)" : "");
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        char d[96];
        conf_fail(c, "$", "expected an object, got %s", conf_describe(root, d, sizeof d));
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

cJSON *conf_parse(struct conf *c, const char *text, size_t len)
{
    if (c->failed)
        return NULL;
    /* text need not be NUL-terminated (a fuzzer's buffer), so parse a terminated copy. */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        conf_fail(c, NULL, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    sha256_hex(copy, len, c->sha256);
    cJSON *root = parse_buffer(c, copy, len);
    free(copy);
    return root;
}

cJSON *conf_load_file(struct conf *c, const char *file)
{
    if (c->failed)
        return NULL;
    if (c->file == NULL)
        c->file = file;

    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        conf_fail(c, "$", "cannot open: %s", strerror(errno));
        return NULL;
    }

    /* Read in growing chunks rather than trusting the size from stat: the file may be a pipe or /dev/stdin.
     * We read at most one byte past the limit, which is enough to know it is exceeded. */
    cJSON *root = NULL;
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    if (buf == NULL) {
        conf_fail(c, NULL, "out of memory");
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > CONF_MAX_FILE)
                break;
            size_t ncap = cap * 2 > CONF_MAX_FILE ? CONF_MAX_FILE + 1 : cap * 2;
            char *nbuf = realloc(buf, ncap + 1);
            if (nbuf == NULL) {
                conf_fail(c, NULL, "out of memory");
                goto done;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                conf_fail(c, "$", "cannot read: %s", strerror(errno));
                goto done;
            }
            break;
        }
    }
    if (len > CONF_MAX_FILE) {
        conf_fail(c, "$", "too large (more than 64 MiB)");
        goto done;
    }
    buf[len] = '\0';
    sha256_hex(buf, len, c->sha256);
    root = parse_buffer(c, buf, len);
done:
    free(buf);
    fclose(f);
    return root;
}

