#include "lnl/manifest.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lnl_version.h"

/* ---- JSON output ---------------------------------------------------------- */

/* Returns the length of the valid UTF-8 sequence at text, or 0 when the
 * bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_sequence_length(const unsigned char *text)
{
    unsigned char c = text[0];
    size_t length;
    uint32_t code;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        length = 2;
        code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        length = 3;
        code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        length = 4;
        code = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xc0) != 0x80)
            return 0;
        code = (code << 6) | (text[i] & 0x3f);
    }
    if ((length == 3 && (code < 0x800 || (code >= 0xd800 && code <= 0xdfff))) ||
        (length == 4 && (code < 0x10000 || code > 0x10ffff)))
        return 0;
    return length;
}

void lnl_json_write_string(FILE *file, const char *text)
{
    if (text == NULL) {
        fputs("null", file);
        return;
    }
    fputc('"', file);
    const unsigned char *p = (const unsigned char *)text;
    while (*p != '\0') {
        if (*p == '"' || *p == '\\') {
            fputc('\\', file);
            fputc(*p++, file);
        } else if (*p == '\n') {
            fputs("\\n", file);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", file);
            p++;
        } else if (*p == '\r') {
            fputs("\\r", file);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(file, "\\u%04x", *p++);
        } else {
            size_t length = utf8_sequence_length(p);
            if (length == 0) {
                fputs("\\ufffd", file);
                p++;
            } else {
                fwrite(p, 1, length, file);
                p += length;
            }
        }
    }
    fputc('"', file);
}

void lnl_json_write_number(FILE *file, double value)
{
    if (isfinite(value))
        fprintf(file, "%.17g", value);
    else
        fputs("null", file);
}

/* ---- Writing the manifest ------------------------------------------------ */

/* The command line as a JSON array, copied so that the caller's argv may
 * go away, and the start time. */
static char *invocation_json;
static time_t invocation_start;
static bool invocation_set;

void lnl_manifest_set_invocation(int argc, char *const *argv)
{
    free(invocation_json);
    invocation_json = NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (stream != NULL) {
        fputc('[', stream);
        for (int i = 0; i < argc; i++) {
            if (i > 0)
                fputs(", ", stream);
            lnl_json_write_string(stream, argv[i]);
        }
        fputc(']', stream);
        if (fclose(stream) == 0)
            invocation_json = text;
        else
            free(text);
    }
    invocation_start = time(NULL);
    invocation_set = true;
}

static void write_time(FILE *file, time_t when)
{
    struct tm utc;
    char text[32];
    if (gmtime_r(&when, &utc) == NULL || strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
        fputs("null", file);
    else
        lnl_json_write_string(file, text);
}

/* Reads a whole file into a new NUL-terminated buffer, or returns NULL
 * with errno set. */
static char *read_text_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    while (text != NULL) {
        if (used + 1 >= capacity) {
            char *larger = realloc(text, 2 * capacity);
            if (larger == NULL) {
                free(text);
                text = NULL;
                errno = ENOMEM;
                break;
            }
            text = larger;
            capacity *= 2;
        }
        size_t n = fread(text + used, 1, capacity - 1 - used, file);
        used += n;
        if (n == 0)
            break;
    }
    if (text != NULL && ferror(file)) {
        free(text);
        text = NULL;
        errno = EIO;
    }
    fclose(file);
    if (text != NULL) {
        text[used] = '\0';
        if (length != NULL)
            *length = used;
    }
    return text;
}

static void write_manifest_body(FILE *file, const char *dir, const lnl_config *config,
                                const char *config_text)
{
    fputs("{\n  \"format\": \"lnl-manifest-1\",\n  \"lnl_version\": ", file);
    lnl_json_write_string(file, LNL_VERSION);
    fputs(",\n  \"git_commit\": ", file);
    lnl_json_write_string(file, LNL_GIT_COMMIT);

    fputs(",\n  \"command_line\": ", file);
    fputs(invocation_json != NULL ? invocation_json : "null", file);
    char cwd[LNL_PATH_MAX];
    fputs(",\n  \"working_directory\": ", file);
    lnl_json_write_string(file, getcwd(cwd, sizeof cwd));

    fputs(",\n  \"start_time\": ", file);
    if (invocation_set)
        write_time(file, invocation_start);
    else
        fputs("null", file);
    fputs(",\n  \"end_time\": ", file);
    write_time(file, time(NULL));

    fputs(",\n  \"blas\": {\"library\": ", file);
    lnl_json_write_string(file, openblas_get_config());
    fprintf(file, ", \"threads\": %d}", openblas_get_num_threads());

    fputs(",\n  \"experiment\": ", file);
    lnl_json_write_string(file, config->name);
    fputs(",\n  \"config_path\": ", file);
    lnl_json_write_string(file, config->path);
    fputs(",\n  \"output\": ", file);
    lnl_json_write_string(file, dir);
    fprintf(file, ",\n  \"base_seed\": %llu,\n  \"seeds\": %d,\n  \"baseline\": ",
            (unsigned long long)config->base_seed, config->seeds);
    lnl_json_write_string(file, config->baseline);

    fputs(",\n  \"config_text\": ", file);
    char *text = config_text != NULL ? NULL : read_text_file(config->path, NULL);
    if (config_text != NULL) {
        lnl_json_write_string(file, config_text);
    } else if (text != NULL) {
        lnl_json_write_string(file, text);
        free(text);
    } else {
        char message[LNL_PATH_MAX + 128];
        snprintf(message, sizeof message, "cannot read %s: %s", config->path, strerror(errno));
        fputs("null,\n  \"config_error\": ", file);
        lnl_json_write_string(file, message);
    }
    fputs("\n}\n", file);
}

lnl_status lnl_manifest_write(const char *dir, const lnl_config *config, lnl_error *err)
{
    return lnl_manifest_write_text(dir, config, NULL, err);
}

lnl_status lnl_manifest_write_text(const char *dir, const lnl_config *config,
                                   const char *config_text, lnl_error *err)
{
    char path[LNL_PATH_MAX + 32], temp[LNL_PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    snprintf(temp, sizeof temp, "%s.tmp", path);
    FILE *file = fopen(temp, "w");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, temp, 0, "cannot write: %s", strerror(errno));

    write_manifest_body(file, dir, config, config_text);

    bool failed = ferror(file) != 0;
    failed |= fclose(file) != 0;
    if (failed || rename(temp, path) != 0) {
        remove(temp);
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "writing failed");
    }
    return LNL_OK;
}

/* ---- Reading one member ---------------------------------------------------- */

typedef struct json_reader {
    const char *p;
    bool failed;
} json_reader;

static void skip_space(json_reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(json_reader *r, uint32_t *code)
{
    *code = 0;
    for (int i = 0; i < 4; i++) {
        int v = hex_value(r->p[i]);
        if (v < 0)
            return false;
        *code = (*code << 4) | (uint32_t)v;
    }
    r->p += 4;
    return true;
}

/* Appends one code point as UTF-8 to out[*used], keeping room for a NUL.
 * Returns false when it does not fit. */
static bool put_code_point(uint32_t code, char *out, size_t size, size_t *used)
{
    unsigned char bytes[4];
    size_t n;
    if (code < 0x80) {
        bytes[0] = (unsigned char)code;
        n = 1;
    } else if (code < 0x800) {
        bytes[0] = (unsigned char)(0xc0 | (code >> 6));
        bytes[1] = (unsigned char)(0x80 | (code & 0x3f));
        n = 2;
    } else if (code < 0x10000) {
        bytes[0] = (unsigned char)(0xe0 | (code >> 12));
        bytes[1] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
        bytes[2] = (unsigned char)(0x80 | (code & 0x3f));
        n = 3;
    } else {
        bytes[0] = (unsigned char)(0xf0 | (code >> 18));
        bytes[1] = (unsigned char)(0x80 | ((code >> 12) & 0x3f));
        bytes[2] = (unsigned char)(0x80 | ((code >> 6) & 0x3f));
        bytes[3] = (unsigned char)(0x80 | (code & 0x3f));
        n = 4;
    }
    if (out == NULL)
        return true;
    if (*used + n >= size)
        return false;
    memcpy(out + *used, bytes, n);
    *used += n;
    return true;
}

/* Reads a JSON string at r->p (at its opening quote) into out, which may
 * be NULL to skip it. Sets *truncated when out is too small. */
static void read_string(json_reader *r, char *out, size_t size, bool *truncated)
{
    size_t used = 0;
    if (*r->p != '"') {
        r->failed = true;
        return;
    }
    r->p++;
    while (!r->failed && *r->p != '"') {
        uint32_t code;
        if (*r->p == '\0' || (unsigned char)*r->p < 0x20) {
            r->failed = true;
            break;
        }
        if (*r->p != '\\') {
            code = (unsigned char)*r->p++;
            if (out != NULL) {
                if (used + 1 >= size)
                    *truncated = true;
                else
                    out[used++] = (char)code;
            }
            continue;
        }
        r->p++;
        char escape = *r->p++;
        switch (escape) {
        case '"': code = '"'; break;
        case '\\': code = '\\'; break;
        case '/': code = '/'; break;
        case 'b': code = '\b'; break;
        case 'f': code = '\f'; break;
        case 'n': code = '\n'; break;
        case 'r': code = '\r'; break;
        case 't': code = '\t'; break;
        case 'u': {
            if (!read_hex4(r, &code)) {
                r->failed = true;
                continue;
            }
            uint32_t low;
            if (code >= 0xd800 && code <= 0xdbff && r->p[0] == '\\' && r->p[1] == 'u') {
                r->p += 2;
                if (!read_hex4(r, &low) || low < 0xdc00 || low > 0xdfff) {
                    r->failed = true;
                    continue;
                }
                code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            } else if (code >= 0xd800 && code <= 0xdfff) {
                code = 0xfffd;
            }
            break;
        }
        default:
            r->failed = true;
            continue;
        }
        if (!put_code_point(code, out, size, &used))
            *truncated = true;
    }
    if (!r->failed)
        r->p++;
    if (out != NULL && size > 0)
        out[used] = '\0';
}

/* Skips one JSON value of any kind. Numbers and literals are skipped by
 * their characters without checking their syntax. */
static void skip_value(json_reader *r)
{
    bool truncated = false;
    skip_space(r);
    if (*r->p == '"') {
        read_string(r, NULL, 0, &truncated);
        return;
    }
    if (*r->p == '{' || *r->p == '[') {
        char close = *r->p == '{' ? '}' : ']';
        r->p++;
        skip_space(r);
        if (*r->p == close) {
            r->p++;
            return;
        }
        for (;;) {
            if (close == '}') {
                skip_space(r);
                read_string(r, NULL, 0, &truncated);
                skip_space(r);
                if (r->failed || *r->p != ':') {
                    r->failed = true;
                    return;
                }
                r->p++;
            }
            skip_value(r);
            skip_space(r);
            if (r->failed)
                return;
            if (*r->p == ',') {
                r->p++;
                continue;
            }
            if (*r->p == close) {
                r->p++;
                return;
            }
            r->failed = true;
            return;
        }
    }
    const char *start = r->p;
    while (*r->p != '\0' && strchr("+-.0123456789eEtruefalsn", *r->p) != NULL)
        r->p++;
    if (r->p == start)
        r->failed = true;
}

lnl_status lnl_manifest_read_string(const char *dir, const char *key, char *out, size_t size,
                                    bool *found, lnl_error *err)
{
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    *found = false;
    if (size > 0)
        out[0] = '\0';
    char *text = read_text_file(path, NULL);
    if (text == NULL) {
        if (errno == ENOENT)
            return LNL_OK;
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot read: %s", strerror(errno));
    }

    json_reader r = {text, false};
    lnl_status status = LNL_OK;
    char name[256];
    bool truncated = false;
    skip_space(&r);
    if (*r.p != '{') {
        status = lnl_error_set(err, LNL_ERR_DATA, path, 0, "not a JSON object");
        goto cleanup;
    }
    r.p++;
    skip_space(&r);
    if (*r.p == '}')
        goto cleanup;
    while (!r.failed) {
        skip_space(&r);
        bool long_name = false;
        read_string(&r, name, sizeof name, &long_name);
        skip_space(&r);
        if (r.failed || *r.p != ':')
            break;
        r.p++;
        skip_space(&r);
        if (!long_name && strcmp(name, key) == 0 && *r.p == '"') {
            read_string(&r, out, size, &truncated);
            if (!r.failed && truncated) {
                status = lnl_error_set(err, LNL_ERR_DATA, path, 0,
                                       "the value of \"%s\" is longer than %zu bytes", key,
                                       size > 0 ? size - 1 : 0);
                goto cleanup;
            }
            *found = !r.failed;
            break;
        }
        skip_value(&r);
        skip_space(&r);
        if (*r.p == ',') {
            r.p++;
            continue;
        }
        if (*r.p != '}')
            r.failed = true;
        break;
    }
    if (r.failed) {
        *found = false;
        if (size > 0)
            out[0] = '\0';
        status = lnl_error_set(err, LNL_ERR_DATA, path, 0, "invalid JSON near byte %ld",
                               (long)(r.p - text));
    }

cleanup:
    free(text);
    return status;
}
