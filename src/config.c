/* Reading a config: lines, sections and keys, then validation.
 *
 * inih splits each line into key and value and strips inline comments. It
 * reads through config_reader, which hands it one line per call. Because
 * inih's handler gets no line number in Debian's build, this file counts
 * the lines itself. It rejects lines too long for inih's buffer, which inih
 * would split silently. It also parses section headers and keys from the
 * raw text, because inih truncates long names and ignores text after ']'.
 *
 * Reading stops at the first problem in the structure of the file (a
 * malformed line or header, an unknown or duplicate section). Then the
 * sections read so far are validated key by key in file order, and the
 * earlier of the two errors is reported.
 */
#include "lnl/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ini.h>

#include "config_schema.h"
#include "lnl/loss.h"

enum { QUOTE_MAX = 80 };  /* maximum bytes of a line quoted in a message */

typedef enum line_kind {
    LINE_BLANK,         /* empty or a comment */
    LINE_SECTION,
    LINE_KEY,
    LINE_CONTINUATION   /* indented text after a key, as inih's multi-line values */
} line_kind;

/* One key = value line with its continuation lines. */
typedef struct config_entry {
    char *key;
    char *value;              /* as inih passes it, continuation values appended after '\n' */
    char *raw_value;          /* the text after '=' as written, inline comments kept */
    long line;
    long continuation_line;   /* first continuation line, or 0 when none */
} config_entry;

typedef struct config_section {
    lnl_config_kind kind;
    char name[LNL_NAME_MAX];
    char label[LNL_NAME_MAX + 16];  /* "[data toy]", for messages */
    long line;
    void *spec;                     /* the struct of the section kind in the config */
    size_t first_entry;
    size_t n_entries;
} config_section;

typedef struct config_parser {
    const char *path;          /* path used in messages, or "" */
    FILE *file;                /* the input, either a file ... */
    const char *text;          /* ... or a string */
    char *raw;                 /* the current line without its line break */
    size_t raw_capacity;
    long line_number;
    bool has_content;          /* a line other than blanks and comments was read */
    line_kind kind;            /* of the current line */
    size_t key_start, key_length, value_start;  /* LINE_KEY: positions in raw */
    bool key_in_section;       /* a key was read since the last header, as inih's prev_name */
    lnl_config *config;
    config_section *sections;
    size_t n_sections, section_capacity;
    config_entry *entries;
    size_t n_entries, entry_capacity;
    lnl_error structure;       /* first error found while reading (LNL_OK when none) */
    lnl_error validation;      /* first error found while validating */
} config_parser;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static lnl_status fail(config_parser *p, lnl_error *target, long line, const char *format, ...)
{
    if (target->status != LNL_OK)
        return target->status;
    char message[LNL_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    return lnl_error_set(target, LNL_ERR_CONFIG, p->path, line, "%s", message);
}

static lnl_status fail_memory(config_parser *p, lnl_error *target)
{
    if (target->status == LNL_OK)
        lnl_error_set(target, LNL_ERR_NOMEM, p->path, p->line_number,
                      "out of memory while reading the config");
    return target->status;
}

static char *copy_text(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy != NULL) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

/* Trims spaces on both ends of text[0..*length) and returns the new start. */
static const char *trim(const char *text, size_t *length)
{
    while (*length > 0 && isspace((unsigned char)text[0])) {
        text++;
        (*length)--;
    }
    while (*length > 0 && isspace((unsigned char)text[*length - 1]))
        (*length)--;
    return text;
}

/* Finds the first of chars in s. Like inih's own scan, it stops early at
 * an inline comment, which is a ';' after a space. */
static const char *find_unquoted(const char *s, const char *chars)
{
    bool was_space = false;
    while (*s != '\0' && strchr(chars, *s) == NULL && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s) != 0;
        s++;
    }
    return s;
}

/* ---- lines ---------------------------------------------------------- */

static bool grow_raw(config_parser *p, size_t length)
{
    if (length + 1 <= p->raw_capacity)
        return true;
    size_t capacity = p->raw_capacity > 0 ? p->raw_capacity : 256;
    while (capacity < length + 1)
        capacity *= 2;
    char *raw = realloc(p->raw, capacity);
    if (raw == NULL)
        return false;
    p->raw = raw;
    p->raw_capacity = capacity;
    return true;
}

/* Reads the next line into p->raw without its line break. Returns its
 * length, or -1 at the end of the input or after an error. */
static long read_raw_line(config_parser *p)
{
    size_t length = 0;

    if (p->file != NULL) {
        errno = 0;
        ssize_t read = getline(&p->raw, &p->raw_capacity, p->file);
        if (read < 0) {
            if (ferror(p->file))
                lnl_error_set(&p->structure, LNL_ERR_IO, p->path, 0,
                              "cannot read the config file: %s",
                              errno == EISDIR ? "it is a directory" : "read error");
            return -1;
        }
        length = (size_t)read;
        if (strlen(p->raw) != length) {
            fail(p, &p->structure, p->line_number + 1,
                 "line contains a NUL byte; a config must be a text file");
            return -1;
        }
    } else {
        if (*p->text == '\0')
            return -1;
        length = strcspn(p->text, "\n");
        size_t consumed = length + (p->text[length] == '\n');
        if (!grow_raw(p, length)) {
            fail_memory(p, &p->structure);
            return -1;
        }
        memcpy(p->raw, p->text, length);
        p->raw[length] = '\0';
        p->text += consumed;
    }

    if (length > 0 && p->raw[length - 1] == '\n')
        p->raw[--length] = '\0';
    if (length > 0 && p->raw[length - 1] == '\r')
        p->raw[--length] = '\0';
    return (long)length;
}

/* ---- sections ------------------------------------------------------- */

static const char *kind_list = "[experiment], [data NAME], [noise NAME] or [method NAME]";

/* Adds the struct of a new section to the config, with its defaults, name
 * and header line. */
static void *add_spec(config_parser *p, lnl_config_kind kind, const char *name, long line)
{
    lnl_config *config = p->config;
    lnl_data_spec *data = &config->data[config->n_data];
    lnl_noise_spec *noise = &config->noise[config->n_noise];
    lnl_method_spec *method = &config->methods[config->n_methods];

    switch (kind) {
    case LNL_CONFIG_EXPERIMENT:
        return config;
    case LNL_CONFIG_DATA:
        lnl_config_defaults_data(data);
        snprintf(data->name, sizeof data->name, "%s", name);
        data->line = line;
        config->n_data++;
        return data;
    case LNL_CONFIG_NOISE:
        lnl_config_defaults_noise(noise);
        snprintf(noise->name, sizeof noise->name, "%s", name);
        noise->line = line;
        config->n_noise++;
        return noise;
    case LNL_CONFIG_METHOD:
        lnl_config_defaults_method(method);
        snprintf(method->name, sizeof method->name, "%s", name);
        method->line = line;
        config->n_methods++;
        return method;
    case LNL_CONFIG_KIND_COUNT:
        break;
    }
    return NULL;
}

static size_t count_kind(const config_parser *p, lnl_config_kind kind)
{
    size_t count = 0;
    for (size_t i = 0; i < p->n_sections; i++)
        count += p->sections[i].kind == kind;
    return count;
}

/* Checks a header "[kind name]" (text between the brackets, trimmed) and
 * opens its section. */
static bool open_section(config_parser *p, const char *inside, size_t length)
{
    long line = p->line_number;
    char header[LNL_NAME_MAX * 2];
    if (length >= sizeof header) {
        fail(p, &p->structure, line, "section header [%.*s...] is too long", QUOTE_MAX, inside);
        return false;
    }
    memcpy(header, inside, length);
    header[length] = '\0';
    if (length == 0) {
        fail(p, &p->structure, line, "empty section header []; expected %s", kind_list);
        return false;
    }

    /* the kind word, then the name after spaces */
    size_t word_length = strcspn(header, " \t");
    char *name = header + word_length;
    while (isspace((unsigned char)*name))
        name++;
    header[word_length] = '\0';

    lnl_config_kind kind;
    if (!lnl_config_kind_find(header, &kind)) {
        lnl_config_suggestion suggestion;
        lnl_config_suggestion_init(&suggestion, header);
        for (int i = 0; i < LNL_CONFIG_KIND_COUNT; i++)
            lnl_config_suggestion_offer(&suggestion, lnl_config_kind_word((lnl_config_kind)i));
        const char *space = name[0] != '\0' ? " " : "";
        if (suggestion.best != NULL)
            fail(p, &p->structure, line, "unknown section [%s%s%s]; did you mean [%s%s%s]?",
                 header, space, name, suggestion.best, space, name);
        else
            fail(p, &p->structure, line, "unknown section [%s%s%s]; expected %s", header,
                 space, name, kind_list);
        return false;
    }

    if (kind == LNL_CONFIG_EXPERIMENT && name[0] != '\0') {
        fail(p, &p->structure, line,
             "section [experiment] takes no name; remove \"%s\" from the header", name);
        return false;
    }
    if (kind != LNL_CONFIG_EXPERIMENT && name[0] == '\0') {
        fail(p, &p->structure, line, "section [%s] needs a name, as in [%s NAME]", header,
             header);
        return false;
    }
    if (kind != LNL_CONFIG_EXPERIMENT && !lnl_config_name_valid(name)) {
        fail(p, &p->structure, line,
             "invalid section name \"%s\" in [%s %s]: use only letters, digits, '_', '.' and "
             "'-'",
             name, header, name);
        return false;
    }
    if (strlen(name) >= LNL_NAME_MAX) {
        fail(p, &p->structure, line,
             "section name \"%s\" in [%s] is too long (at most %d characters)", name, header,
             LNL_NAME_MAX - 1);
        return false;
    }

    for (size_t i = 0; i < p->n_sections; i++) {
        const config_section *other = &p->sections[i];
        if (other->kind == kind && strcmp(other->name, name) == 0) {
            fail(p, &p->structure, line, "duplicate section %s (first on line %ld)",
                 other->label, other->line);
            return false;
        }
    }
    if (count_kind(p, kind) >= LNL_MAX_SECTIONS) {
        fail(p, &p->structure, line, "too many [%s] sections (at most %d)", header,
             LNL_MAX_SECTIONS);
        return false;
    }

    if (p->n_sections == p->section_capacity) {
        size_t capacity = p->section_capacity > 0 ? 2 * p->section_capacity : 8;
        config_section *sections = realloc(p->sections, capacity * sizeof *sections);
        if (sections == NULL) {
            fail_memory(p, &p->structure);
            return false;
        }
        p->sections = sections;
        p->section_capacity = capacity;
    }
    config_section *section = &p->sections[p->n_sections++];
    memset(section, 0, sizeof *section);
    section->kind = kind;
    snprintf(section->name, sizeof section->name, "%s", name);
    if (kind == LNL_CONFIG_EXPERIMENT)
        snprintf(section->label, sizeof section->label, "[experiment]");
    else
        snprintf(section->label, sizeof section->label, "[%s %s]", lnl_config_kind_word(kind),
                 section->name);
    section->line = line;
    section->spec = add_spec(p, kind, section->name, line);
    section->first_entry = p->n_entries;
    return true;
}

/* Parses the header line whose '[' is at start. */
static bool read_header(config_parser *p, const char *start)
{
    long line = p->line_number;
    const char *end = find_unquoted(start + 1, "]");
    if (*end != ']') {
        fail(p, &p->structure, line, "section header %.*s has no closing ']'", QUOTE_MAX,
             start);
        return false;
    }
    const char *after = end + 1;
    while (isspace((unsigned char)*after))
        after++;
    if (*after != '\0' && *after != ';' && *after != '#') {
        fail(p, &p->structure, line,
             "unexpected text \"%.*s\" after section header; put a comment after ';' or '#'",
             QUOTE_MAX, after);
        return false;
    }

    size_t length = (size_t)(end - (start + 1));
    const char *inside = trim(start + 1, &length);
    return open_section(p, inside, length);
}

/* Sorts the current line into blank, header, key or continuation, as inih
 * will, and checks headers and key lines. */
static bool classify_line(config_parser *p)
{
    const char *line = p->raw;
    const char *start = line;
    while (isspace((unsigned char)*start))
        start++;

    if (*start == '\0' || *start == ';' || *start == '#') {
        p->kind = LINE_BLANK;
        return true;
    }
    p->has_content = true;
    if (p->key_in_section && start > line) {
        p->kind = LINE_CONTINUATION;
        return true;
    }
    if (*start == '[') {
        p->kind = LINE_SECTION;
        p->key_in_section = false;
        return read_header(p, start);
    }

    p->kind = LINE_KEY;
    const char *separator = find_unquoted(start, "=:");
    if (*separator != '=' && *separator != ':') {
        fail(p, &p->structure, p->line_number,
             "expected \"key = value\" or a [section] header, found \"%.*s\"", QUOTE_MAX,
             start);
        return false;
    }
    size_t key_length = (size_t)(separator - start);
    trim(start, &key_length);
    if (key_length == 0) {
        fail(p, &p->structure, p->line_number, "missing key name before '%c'", *separator);
        return false;
    }
    if (p->n_sections == 0) {
        fail(p, &p->structure, p->line_number,
             "key \"%.*s\" is outside any section; put it under a header such as %s",
             (int)(key_length < QUOTE_MAX ? key_length : QUOTE_MAX), start, kind_list);
        return false;
    }
    p->key_start = (size_t)(start - line);
    p->key_length = key_length;
    p->value_start = (size_t)(separator + 1 - line);
    p->key_in_section = true;
    return true;
}

/* inih's reader callback: hands over one line per call (like fgets), with
 * the line counted, checked and classified first. Returns NULL at the end
 * of the input and after the first error, which ends the parse. */
static char *config_reader(char *buffer, int size, void *stream)
{
    config_parser *p = stream;
    if (p->structure.status != LNL_OK)
        return NULL;

    p->kind = LINE_BLANK;
    long length = read_raw_line(p);
    if (length < 0)
        return NULL;
    p->line_number++;

    /* a UTF-8 byte order mark */
    if (p->line_number == 1 && length >= 3 && memcmp(p->raw, "\xEF\xBB\xBF", 3) == 0) {
        memmove(p->raw, p->raw + 3, (size_t)length - 2);
        length -= 3;
    }

    /* the line, '\n' and the terminating NUL must fit */
    if (length + 2 > size) {
        fail(p, &p->structure, p->line_number, "line too long (over %d bytes)", size - 2);
        return NULL;
    }
    if (!classify_line(p))
        return NULL;

    memcpy(buffer, p->raw, (size_t)length);
    buffer[length] = '\n';
    buffer[length + 1] = '\0';
    return buffer;
}

/* ---- entries -------------------------------------------------------- */

/* Appends a line to text after a '\n', or without one while text is empty,
 * as after "rates =" with the list on the next lines. */
static bool append_line(char **text, const char *line, size_t length)
{
    size_t old_length = strlen(*text);
    size_t start = old_length > 0 ? old_length + 1 : 0;
    char *joined = realloc(*text, start + length + 1);
    if (joined == NULL)
        return false;
    if (old_length > 0)
        joined[old_length] = '\n';
    memcpy(joined + start, line, length);
    joined[start + length] = '\0';
    *text = joined;
    return true;
}

static bool add_entry(config_parser *p, const char *value)
{
    if (p->n_entries == p->entry_capacity) {
        size_t capacity = p->entry_capacity > 0 ? 2 * p->entry_capacity : 32;
        config_entry *entries = realloc(p->entries, capacity * sizeof *entries);
        if (entries == NULL)
            return false;
        p->entries = entries;
        p->entry_capacity = capacity;
    }

    size_t raw_length = strlen(p->raw + p->value_start);
    const char *raw_value = trim(p->raw + p->value_start, &raw_length);
    config_entry entry = {
        .key = copy_text(p->raw + p->key_start, p->key_length),
        .value = copy_text(value, strlen(value)),
        .raw_value = copy_text(raw_value, raw_length),
        .line = p->line_number,
        .continuation_line = 0,
    };
    if (entry.key == NULL || entry.value == NULL || entry.raw_value == NULL) {
        free(entry.key);
        free(entry.value);
        free(entry.raw_value);
        return false;
    }
    p->entries[p->n_entries++] = entry;
    p->sections[p->n_sections - 1].n_entries++;
    return true;
}

/* Appends a continuation line to the last entry. inih (Debian's 55) passes
 * it with any inline comment, so the comment is cut here. */
static bool continue_entry(config_parser *p)
{
    config_entry *entry = &p->entries[p->n_entries - 1];
    size_t raw_length = strlen(p->raw);
    const char *raw_value = trim(p->raw, &raw_length);
    size_t value_length = (size_t)(find_unquoted(raw_value, "") - raw_value);
    const char *value = trim(raw_value, &value_length);
    if (!append_line(&entry->value, value, value_length) ||
        !append_line(&entry->raw_value, raw_value, raw_length))
        return false;
    if (entry->continuation_line == 0)
        entry->continuation_line = p->line_number;
    return true;
}

/* inih's handler: called for each key line and continuation line of the
 * line that config_reader just returned. The section and the key come from
 * the raw line, since inih truncates long names. */
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    config_parser *p = user;
    (void)section;

    bool stored = false;
    if (p->kind == LINE_CONTINUATION) {
        stored = continue_entry(p);
    } else if (p->kind == LINE_KEY &&
               strncmp(name, p->raw + p->key_start, strlen(name)) == 0) {
        stored = add_entry(p, value);
    } else {
        fail(p, &p->structure, p->line_number, "cannot parse line \"%.*s\"", QUOTE_MAX,
             p->raw);
        return 0;
    }
    if (!stored) {
        fail_memory(p, &p->structure);
        return 0;
    }
    return 1;
}

/* ---- validation ----------------------------------------------------- */

static const config_entry *find_entry(const config_parser *p, const config_section *section,
                                      const char *key)
{
    for (size_t i = 0; i < section->n_entries; i++) {
        const config_entry *entry = &p->entries[section->first_entry + i];
        if (strcmp(entry->key, key) == 0)
            return entry;
    }
    return NULL;
}

static lnl_status fail_validation(config_parser *p, long line, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static lnl_status fail_validation(config_parser *p, long line, const char *format, ...)
{
    if (p->validation.status != LNL_OK)
        return p->validation.status;
    char message[LNL_ERROR_MESSAGE_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    return lnl_error_set(&p->validation, LNL_ERR_CONFIG, p->path, line, "%s", message);
}

/* Returns the source bit of a [data] section from its first `source`
 * entry, or LNL_SOURCE_BIT_ALL while the source is missing or invalid. */
static unsigned section_sources(const config_parser *p, const config_section *section)
{
    const config_entry *entry = find_entry(p, section, "source");
    const lnl_config_key *key = lnl_config_key_find(LNL_CONFIG_DATA, "source",
                                                    LNL_SOURCE_BIT_ALL);
    if (entry == NULL)
        return LNL_SOURCE_BIT_ALL;
    for (size_t i = 0; key->choices[i] != NULL; i++) {
        if (strcmp(entry->value, key->choices[i]) == 0)
            return 1u << i;
    }
    return LNL_SOURCE_BIT_ALL;
}

static const char *source_names(unsigned sources, char *out, size_t size)
{
    const lnl_config_key *key = lnl_config_key_find(LNL_CONFIG_DATA, "source",
                                                    LNL_SOURCE_BIT_ALL);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; key->choices[i] != NULL && used < size; i++) {
        if ((sources & (1u << i)) == 0)
            continue;
        int written = snprintf(out + used, size - used, "%s%s", used > 0 ? " or " : "",
                               key->choices[i]);
        if (written < 0)
            break;
        used += (size_t)written;
    }
    return out;
}

static lnl_status unknown_key(config_parser *p, const config_section *section,
                              const config_entry *entry, unsigned sources)
{
    /* a key of other sources: several rows may share its name */
    unsigned readers = 0;
    for (size_t i = 0; section->kind == LNL_CONFIG_DATA && i < lnl_config_key_count(); i++) {
        const lnl_config_key *key = lnl_config_key_at(i);
        if (key->kind == LNL_CONFIG_DATA && strcmp(key->name, entry->key) == 0)
            readers |= key->sources;
    }
    if (readers != 0) {
        char source[64], reader_names[64];
        return fail_validation(p, entry->line,
                               "key \"%s\" does not apply to source = %s in %s; it applies "
                               "only to source = %s",
                               entry->key, source_names(sources, source, sizeof source),
                               section->label,
                               source_names(readers, reader_names, sizeof reader_names));
    }

    lnl_config_suggestion suggestion;
    lnl_config_suggestion_init(&suggestion, entry->key);
    for (size_t i = 0; i < lnl_config_key_count(); i++) {
        const lnl_config_key *key = lnl_config_key_at(i);
        if (key->kind == section->kind &&
            (section->kind != LNL_CONFIG_DATA || (key->sources & sources) != 0))
            lnl_config_suggestion_offer(&suggestion, key->name);
    }
    if (suggestion.best != NULL)
        return fail_validation(p, entry->line, "unknown key \"%.*s\" in %s; did you mean \"%s\"?",
                               QUOTE_MAX, entry->key, section->label, suggestion.best);
    return fail_validation(p, entry->line, "unknown key \"%.*s\" in %s", QUOTE_MAX, entry->key,
                           section->label);
}

/* Checks and stores every key of a section, in file order. */
static lnl_status validate_entries(config_parser *p, const config_section *section)
{
    unsigned sources = LNL_SOURCE_BIT_ALL;
    if (section->kind == LNL_CONFIG_DATA)
        sources = section_sources(p, section);

    for (size_t i = 0; i < section->n_entries; i++) {
        const config_entry *entry = &p->entries[section->first_entry + i];

        for (size_t j = 0; j < i; j++) {
            const config_entry *earlier = &p->entries[section->first_entry + j];
            if (strcmp(earlier->key, entry->key) == 0)
                return fail_validation(p, entry->line,
                                       "duplicate key \"%.*s\" in %s (first set on line %ld)",
                                       QUOTE_MAX, entry->key, section->label, earlier->line);
        }

        const lnl_config_key *key = lnl_config_key_find(section->kind, entry->key, sources);
        if (key == NULL)
            return unknown_key(p, section, entry, sources);

        if (entry->continuation_line != 0 && !lnl_config_key_spans_lines(key))
            return fail_validation(
                p, entry->continuation_line,
                "unexpected indented line after key \"%s\" in %s: only rates, weights, "
                "matrix, pairs and mapping values continue on indented lines; remove the "
                "indentation",
                key->name, section->label);

        const char *value = key->type == LNL_TYPE_MATRIX ? entry->raw_value : entry->value;
        if (value[0] == '\0') {
            char expected[512];
            lnl_config_key_expected(key, expected, sizeof expected);
            return fail_validation(p, entry->line, "empty value for %s in %s: expected %s",
                                   key->name, section->label, expected);
        }

        char message[LNL_ERROR_MESSAGE_MAX];
        lnl_status status = lnl_config_value_store(key, value, section->spec, section->label,
                                                   message, sizeof message);
        if (status != LNL_OK) {
            if (p->validation.status == LNL_OK)
                lnl_error_set(&p->validation, status, p->path, entry->line, "%s", message);
            return status;
        }
    }
    return LNL_OK;
}

static lnl_status check_data(config_parser *p, const config_section *section)
{
    lnl_data_spec *spec = section->spec;
    if (find_entry(p, section, "source") == NULL)
        return fail_validation(p, section->line,
                               "missing key \"source\" in %s; expected make_classification, "
                               "csv or libsvm",
                               section->label);
    if (spec->source != LNL_SOURCE_MAKE_CLASSIFICATION) {
        if (find_entry(p, section, "path") == NULL)
            return fail_validation(p, section->line,
                                   "missing key \"path\" in %s: source = %s reads a file",
                                   section->label,
                                   spec->source == LNL_SOURCE_CSV ? "csv" : "libsvm");
        return LNL_OK;
    }

    const lnl_make_classification_params *generator = &spec->generator;
    const config_entry *weights = find_entry(p, section, "weights");
    if (weights != NULL && generator->n_weights != generator->n_classes &&
        generator->n_weights + 1 != generator->n_classes)
        return fail_validation(p, weights->line,
                               "invalid weights in %s: %zu values for n_classes = %zu; give "
                               "n_classes or n_classes - 1 values",
                               section->label, generator->n_weights, generator->n_classes);

    lnl_error check;
    lnl_error_clear(&check);
    if (lnl_make_classification_check(generator, &check) != LNL_OK)
        return fail_validation(p, section->line, "invalid make_classification parameters in %s: %s",
                               section->label, check.message);
    return LNL_OK;
}

/* The noise keys that only one type reads, and the word of that type. */
static const struct {
    const char *key;
    lnl_noise_type type;
    const char *type_word;
} noise_type_keys[] = {
    {"pairs", LNL_NOISE_CLASS_CONDITIONAL, "class_conditional"},
    {"positive", LNL_NOISE_CLASS_CONDITIONAL, "class_conditional"},
    {"mapping", LNL_NOISE_ASYMMETRIC, "asymmetric"},
};

/* Checks the keys of class_conditional and asymmetric noise: each only
 * with its type, and pairs or mapping present when the type needs it. */
static lnl_status check_noise_type_keys(config_parser *p, const config_section *section)
{
    const lnl_noise_spec *spec = section->spec;
    for (size_t i = 0; i < sizeof noise_type_keys / sizeof noise_type_keys[0]; i++) {
        const config_entry *entry = find_entry(p, section, noise_type_keys[i].key);
        if (entry != NULL && spec->type != noise_type_keys[i].type)
            return fail_validation(p, entry->line,
                                   "key \"%s\" does not apply to this type in %s; it applies "
                                   "only to type = %s",
                                   entry->key, section->label, noise_type_keys[i].type_word);
    }
    if (spec->type == LNL_NOISE_CLASS_CONDITIONAL && find_entry(p, section, "pairs") == NULL)
        return fail_validation(p, section->line,
                               "missing key \"pairs\" in %s: type = class_conditional needs "
                               "one, such as pairs = 0.2/0.2, 0.3/0.1",
                               section->label);
    if (spec->type == LNL_NOISE_ASYMMETRIC && find_entry(p, section, "mapping") == NULL)
        return fail_validation(p, section->line,
                               "missing key \"mapping\" in %s: type = asymmetric needs one, "
                               "such as mapping = 3 -> 8, 7 -> 1",
                               section->label);
    return LNL_OK;
}

static lnl_status check_noise(config_parser *p, const config_section *section)
{
    lnl_noise_spec *spec = section->spec;
    const config_entry *rates = find_entry(p, section, "rates");
    const config_entry *matrix = find_entry(p, section, "matrix");

    if (find_entry(p, section, "type") == NULL)
        return fail_validation(p, section->line,
                               "missing key \"type\" in %s; expected symmetric, pair, matrix, "
                               "class_conditional or asymmetric",
                               section->label);
    if (check_noise_type_keys(p, section) != LNL_OK)
        return p->validation.status;
    if (spec->type == LNL_NOISE_CLASS_CONDITIONAL) {
        if (rates != NULL)
            return fail_validation(p, rates->line,
                                   "key \"rates\" does not apply to type = class_conditional in "
                                   "%s: pairs sets the rates; remove rates",
                                   section->label);
        if (matrix != NULL)
            return fail_validation(p, matrix->line,
                                   "key \"matrix\" does not apply to type = class_conditional "
                                   "in %s; set type = matrix or remove it",
                                   section->label);
        return LNL_OK;
    }
    if (spec->type == LNL_NOISE_MATRIX) {
        if (rates != NULL)
            return fail_validation(p, rates->line,
                                   "key \"rates\" does not apply to type = matrix in %s: the "
                                   "matrix sets the noise; remove rates",
                                   section->label);
        if (matrix == NULL)
            return fail_validation(p, section->line,
                                   "missing key \"matrix\" in %s: type = matrix needs one",
                                   section->label);
        spec->n_rates = 1;
        spec->rates[0] = 1.0;
        return LNL_OK;
    }

    if (matrix != NULL)
        return fail_validation(p, matrix->line,
                               "key \"matrix\" does not apply to type = %s in %s; set type = "
                               "matrix or remove it",
                               lnl_config_key_find(LNL_CONFIG_NOISE, "type", 0)
                                   ->choices[spec->type],
                               section->label);
    if (rates == NULL)
        return fail_validation(p, section->line, "missing key \"rates\" in %s", section->label);
    return LNL_OK;
}

static long key_line(const config_parser *p, const void *spec, const char *key);

/* The loss parameter keys of [method] and the bits of the losses that read them. */
static const struct {
    const char *key;
    unsigned bit;
} loss_parameter_keys[] = {
    {"alpha", LNL_LOSS_PARAM_ALPHA}, {"beta", LNL_LOSS_PARAM_BETA},
    {"A", LNL_LOSS_PARAM_A},         {"q", LNL_LOSS_PARAM_Q},
    {"truncation", LNL_LOSS_PARAM_TRUNCATION}, {"epsilon", LNL_LOSS_PARAM_EPSILON},
};

/* The keys that only optimizer = sgd and adam read. */
static const char *const first_order_keys[] = {"epochs", "batch_size", "lr", "momentum",
                                               "weight_decay"};

/* Writes the names of the losses that read a parameter, as "a, b or c". */
static const char *loss_names(unsigned bit, char *out, size_t size)
{
    size_t count = 0, total = 0, used = 0;
    for (size_t i = 0; i < lnl_loss_count(); i++)
        total += (lnl_loss_at(i)->parameters & bit) != 0;
    out[0] = '\0';
    for (size_t i = 0; i < lnl_loss_count() && used < size; i++) {
        const lnl_loss_info *info = lnl_loss_at(i);
        if ((info->parameters & bit) == 0)
            continue;
        count++;
        const char *separator = ", ";
        if (count == 1)
            separator = "";
        else if (count == total)
            separator = " or ";
        int written = snprintf(out + used, size - used, "%s%s", separator, info->name);
        if (written < 0)
            break;
        used += (size_t)written;
    }
    return out;
}

/* Rejects loss parameters that the section's loss does not read and the
 * keys of other optimizers, then checks the loss parameters against the
 * domains that depend on the loss (bootstrap's beta <= 1, alpha and beta
 * not both 0), all at the line of the key. */
static lnl_status check_method(config_parser *p, const config_section *section)
{
    const lnl_method_spec *spec = section->spec;
    const lnl_loss_info *info = lnl_loss_lookup(spec->loss);
    if (info == NULL)
        return fail_validation(p, section->line, "unknown loss \"%s\" in %s", spec->loss,
                               section->label);

    for (size_t i = 0; i < sizeof loss_parameter_keys / sizeof loss_parameter_keys[0]; i++) {
        const config_entry *entry = find_entry(p, section, loss_parameter_keys[i].key);
        if (entry == NULL || (info->parameters & loss_parameter_keys[i].bit) != 0)
            continue;
        char readers[256];
        return fail_validation(p, entry->line,
                               "key \"%s\" does not apply to loss = %s in %s; it applies only "
                               "to loss = %s",
                               entry->key, info->name, section->label,
                               loss_names(loss_parameter_keys[i].bit, readers, sizeof readers));
    }

    bool first_order = strcmp(spec->optimizer, "lbfgs") != 0;
    for (size_t i = 0; !first_order && i < sizeof first_order_keys / sizeof first_order_keys[0];
         i++) {
        const config_entry *entry = find_entry(p, section, first_order_keys[i]);
        if (entry != NULL)
            return fail_validation(p, entry->line,
                                   "key \"%s\" does not apply to optimizer = lbfgs in %s; it "
                                   "applies only to optimizer = sgd or adam",
                                   entry->key, section->label);
    }
    const config_entry *max_iter = find_entry(p, section, "max_iter");
    if (first_order && spec->init != LNL_INIT_CE && max_iter != NULL)
        return fail_validation(p, max_iter->line,
                               "key \"max_iter\" does not apply to optimizer = %s in %s: it "
                               "counts L-BFGS iterations, which run only with optimizer = "
                               "lbfgs or init = ce; set epochs instead",
                               spec->optimizer, section->label);

    lnl_loss_params params;
    lnl_loss_defaults(info, 2, &params);
    params.alpha = spec->has_alpha ? spec->alpha : params.alpha;
    params.beta = spec->has_beta ? spec->beta : params.beta;
    params.A = spec->has_A ? spec->A : params.A;
    params.q = spec->has_q ? spec->q : params.q;
    params.truncation = spec->has_truncation ? spec->truncation : params.truncation;
    params.epsilon = spec->has_epsilon ? spec->epsilon : params.epsilon;

    const char *parameter = NULL;
    lnl_error check;
    lnl_error_clear(&check);
    if (lnl_loss_check_params(info, &params, &parameter, &check) == LNL_OK)
        return LNL_OK;

    /* alpha and beta both 0 points at the later of the two keys. */
    long line = parameter != NULL ? key_line(p, spec, parameter) : 0;
    if (parameter != NULL && strcmp(parameter, "beta") == 0 && key_line(p, spec, "alpha") > line)
        line = key_line(p, spec, "alpha");
    return fail_validation(p, line != 0 ? line : section->line, "%s: %s", section->label,
                           check.message);
}

/* Checks the loss-correction keys of a method: transition is required by
 * and only allowed with losses that read T, anchor_percentile and holdout
 * apply only to transition = anchor, and folds only to confident. */
static lnl_status check_transition_keys(config_parser *p, const config_section *section)
{
    const lnl_method_spec *spec = section->spec;
    const lnl_loss_info *info = lnl_loss_lookup(spec->loss);
    if (info == NULL)
        return LNL_OK;
    bool reads_transition =
        (info->parameters & (LNL_LOSS_PARAM_TRANSITION | LNL_LOSS_PARAM_TRANSITION_INVERSE)) != 0;
    const config_entry *transition = find_entry(p, section, "transition");

    if (reads_transition && transition == NULL)
        return fail_validation(p, section->line,
                               "missing key \"transition\" in %s: loss = %s needs a transition "
                               "matrix; set transition = known, anchor, confident or a file path",
                               section->label, info->name);
    if (spec->forget_rate_auto && transition == NULL)
        return fail_validation(p, key_line(p, spec, "forget_rate"),
                               "missing key \"transition\" in %s: forget_rate = auto estimates "
                               "the noise rate from a transition matrix; set transition = known, "
                               "anchor, confident or a file path",
                               section->label);
    if (!reads_transition && !spec->forget_rate_auto && transition != NULL)
        return fail_validation(p, transition->line,
                               "key \"transition\" does not apply to loss = %s in %s; it "
                               "applies only to loss = forward, backward or unbiased, or with "
                               "forget_rate = auto",
                               info->name, section->label);

    static const struct {
        const char *key;
        lnl_transition_source source;
        const char *word;
    } estimator_keys[] = {{"anchor_percentile", LNL_TRANSITION_ANCHOR, "anchor"},
                          {"holdout", LNL_TRANSITION_ANCHOR, "anchor"},
                          {"folds", LNL_TRANSITION_CONFIDENT, "confident"}};
    for (size_t i = 0; i < sizeof estimator_keys / sizeof estimator_keys[0]; i++) {
        const config_entry *entry = find_entry(p, section, estimator_keys[i].key);
        bool confident_filter = estimator_keys[i].source == LNL_TRANSITION_CONFIDENT &&
                                spec->filter == LNL_FILTER_CONFIDENT;
        if (entry != NULL && spec->transition != estimator_keys[i].source && !confident_filter)
            return fail_validation(p, entry->line,
                                   "key \"%s\" does not apply to this transition in %s; it "
                                   "applies only to transition = %s%s",
                                   entry->key, section->label, estimator_keys[i].word,
                                   estimator_keys[i].source == LNL_TRANSITION_CONFIDENT
                                       ? " or filter = confident"
                                       : "");
    }
    return LNL_OK;
}

/* The forms of sample selection, as bits for the keys that each one reads. */
enum {
    SELECTION_NONE = 1u << 0,        /* filter = none */
    SELECTION_RETRAIN = 1u << 1,     /* small_loss with schedule = none */
    SELECTION_GRADUAL = 1u << 2,     /* small_loss with schedule = gradual */
    SELECTION_COTEACHING = 1u << 3,
    SELECTION_CONFIDENT = 1u << 4
};

static unsigned selection_form(const lnl_method_spec *spec)
{
    switch (spec->filter) {
    case LNL_FILTER_NONE: return SELECTION_NONE;
    case LNL_FILTER_SMALL_LOSS:
        return spec->schedule == LNL_SCHEDULE_GRADUAL ? SELECTION_GRADUAL : SELECTION_RETRAIN;
    case LNL_FILTER_COTEACHING: return SELECTION_COTEACHING;
    case LNL_FILTER_CONFIDENT: return SELECTION_CONFIDENT;
    }
    return SELECTION_NONE;
}

static const char *selection_words(unsigned form)
{
    switch (form) {
    case SELECTION_RETRAIN: return "filter = small_loss with schedule = none";
    case SELECTION_GRADUAL: return "filter = small_loss with schedule = gradual";
    case SELECTION_COTEACHING: return "filter = coteaching";
    case SELECTION_CONFIDENT: return "filter = confident";
    default: return "filter = none";
    }
}

/* Checks the sample-selection keys of a method: each key only with the
 * filters that read it, forget_rate required by the small-loss filters,
 * and the mini-batch ones with optimizer = sgd or adam and no init = ce. */
static lnl_status check_selection_keys(config_parser *p, const config_section *section)
{
    static const struct {
        const char *key;
        unsigned forms;
        const char *readers;
    } selection_keys[] = {
        {"schedule", SELECTION_RETRAIN | SELECTION_GRADUAL, "filter = small_loss"},
        {"forget_rate", SELECTION_RETRAIN | SELECTION_GRADUAL | SELECTION_COTEACHING,
         "filter = small_loss or coteaching"},
        {"num_gradual", SELECTION_GRADUAL | SELECTION_COTEACHING,
         "schedule = gradual or filter = coteaching"},
        {"exponent", SELECTION_GRADUAL | SELECTION_COTEACHING,
         "schedule = gradual or filter = coteaching"},
        {"rounds", SELECTION_RETRAIN, "filter = small_loss with schedule = none"},
        {"per_class", SELECTION_RETRAIN, "filter = small_loss with schedule = none"},
        {"reweight", SELECTION_CONFIDENT, "filter = confident"},
    };
    const lnl_method_spec *spec = section->spec;
    unsigned form = selection_form(spec);
    for (size_t i = 0; i < sizeof selection_keys / sizeof selection_keys[0]; i++) {
        const config_entry *entry = find_entry(p, section, selection_keys[i].key);
        if (entry != NULL && (selection_keys[i].forms & form) == 0)
            return fail_validation(p, entry->line,
                                   "key \"%s\" does not apply to %s in %s; it applies only to "
                                   "%s",
                                   entry->key, selection_words(form), section->label,
                                   selection_keys[i].readers);
    }

    bool small_loss = (form & (SELECTION_RETRAIN | SELECTION_GRADUAL | SELECTION_COTEACHING)) != 0;
    if (small_loss && find_entry(p, section, "forget_rate") == NULL)
        return fail_validation(p, section->line,
                               "missing key \"forget_rate\" in %s: %s needs the fraction of "
                               "samples to drop; set a number in [0, 1) or auto",
                               section->label, selection_words(form));

    bool mini_batch = (form & (SELECTION_GRADUAL | SELECTION_COTEACHING)) != 0;
    long filter_line = key_line(p, spec, form == SELECTION_GRADUAL ? "schedule" : "filter");
    if (mini_batch && strcmp(spec->optimizer, "lbfgs") == 0) {
        long line = key_line(p, spec, "optimizer");
        return fail_validation(p, line != 0 ? line : filter_line,
                               "%s in %s selects samples per mini-batch and needs optimizer = "
                               "sgd or adam",
                               selection_words(form), section->label);
    }
    if (mini_batch && spec->init == LNL_INIT_CE)
        return fail_validation(p, key_line(p, spec, "init"),
                               "key \"init\" does not apply to %s in %s, which starts from "
                               "random weights",
                               selection_words(form), section->label);
    return LNL_OK;
}

/* The checks of a section that need all of its keys. */
static lnl_status check_section(config_parser *p, const config_section *section)
{
    switch (section->kind) {
    case LNL_CONFIG_DATA:
        return check_data(p, section);
    case LNL_CONFIG_NOISE:
        return check_noise(p, section);
    case LNL_CONFIG_METHOD:
        if (check_method(p, section) != LNL_OK)
            return p->validation.status;
        if (check_selection_keys(p, section) != LNL_OK)
            return p->validation.status;
        return check_transition_keys(p, section);
    case LNL_CONFIG_EXPERIMENT:
    case LNL_CONFIG_KIND_COUNT:
        break;
    }
    return LNL_OK;
}

static const config_section *find_section(const config_parser *p, const void *spec)
{
    for (size_t i = 0; i < p->n_sections; i++) {
        if (p->sections[i].spec == spec)
            return &p->sections[i];
    }
    return NULL;
}

/* The line of key in the section of spec; 0 when the key is not set. */
static long key_line(const config_parser *p, const void *spec, const char *key)
{
    const config_section *section = find_section(p, spec);
    const config_entry *entry = section != NULL ? find_entry(p, section, key) : NULL;
    return entry != NULL ? entry->line : 0;
}

/* Writes the experiment name: the config file's base name without .ini. */
static void default_name(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    size_t length = strlen(base);
    if (length >= 4 && strcmp(base + length - 4, ".ini") == 0)
        length -= 4;
    if (length == 0)
        snprintf(out, size, "experiment");
    else
        snprintf(out, size, "%.*s", (int)(length < size ? length : size - 1), base);
}

_Static_assert(LNL_MAX_SECTIONS <= 64, "data_mask has one bit per [data] section");

/* Fills each noise section's data_mask from its `data` key: every data
 * section when the key is not given, else the listed ones, which must
 * exist and appear once. */
static lnl_status resolve_noise_data(config_parser *p)
{
    lnl_config *config = p->config;
    for (size_t n = 0; n < config->n_noise; n++) {
        lnl_noise_spec *noise = &config->noise[n];
        if (noise->data[0] == '\0') {
            noise->data_mask = config->n_data == 64 ? UINT64_MAX
                                                    : (UINT64_C(1) << config->n_data) - 1;
            continue;
        }

        long line = key_line(p, noise, "data");
        noise->data_mask = 0;
        char names[sizeof noise->data];
        snprintf(names, sizeof names, "%s", noise->data);
        char *state = NULL;
        for (char *name = strtok_r(names, ",", &state); name != NULL;
             name = strtok_r(NULL, ",", &state)) {
            size_t length = strlen(name);
            const char *trimmed = trim(name, &length);
            size_t d = 0;
            while (d < config->n_data && (strlen(config->data[d].name) != length ||
                                          strncmp(config->data[d].name, trimmed, length) != 0))
                d++;
            if (d == config->n_data)
                return fail_validation(p, line,
                                       "invalid value for data in [noise %s]: there is no "
                                       "section [data %.*s]",
                                       noise->name, (int)length, trimmed);
            if (noise->data_mask & (UINT64_C(1) << d))
                return fail_validation(p, line, "data in [noise %s] lists [data %s] twice",
                                       noise->name, config->data[d].name);
            noise->data_mask |= UINT64_C(1) << d;
        }
        if (noise->data_mask == 0)
            return fail_validation(p, line, "data in [noise %s] names no [data] section",
                                   noise->name);
    }
    return LNL_OK;
}

bool lnl_config_noise_applies(const lnl_config *config, size_t noise, size_t data)
{
    return noise < config->n_noise && data < config->n_data &&
           (config->noise[noise].data_mask & (UINT64_C(1) << data)) != 0;
}

/* Checks across sections and fills the defaults that depend on others. */
static lnl_status check_config(config_parser *p)
{
    lnl_config *config = p->config;

    if (!p->has_content)
        return fail_validation(p, 0,
                               "the config is empty; it needs at least one [data NAME], "
                               "[noise NAME] and [method NAME] section");
    static const struct {
        lnl_config_kind kind;
        const char *header;
    } required[] = {{LNL_CONFIG_DATA, "[data NAME]"},
                    {LNL_CONFIG_NOISE, "[noise NAME]"},
                    {LNL_CONFIG_METHOD, "[method NAME]"}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (count_kind(p, required[i].kind) == 0)
            return fail_validation(p, 0, "missing section %s; a config needs at least one",
                                   required[i].header);
    }

    if (resolve_noise_data(p) != LNL_OK)
        return p->validation.status;

    if (config->name[0] == '\0')
        default_name(p->path, config->name, sizeof config->name);
    if (config->output[0] == '\0')
        snprintf(config->output, sizeof config->output, "results/%s", config->name);

    if (config->baseline[0] == '\0') {
        snprintf(config->baseline, sizeof config->baseline, "%s", config->methods[0].name);
    } else {
        bool found = false;
        lnl_config_suggestion suggestion;
        lnl_config_suggestion_init(&suggestion, config->baseline);
        for (size_t i = 0; i < config->n_methods && !found; i++) {
            found = strcmp(config->methods[i].name, config->baseline) == 0;
            lnl_config_suggestion_offer(&suggestion, config->methods[i].name);
        }
        if (!found) {
            char hint[LNL_NAME_MAX + 32] = "";
            if (suggestion.best != NULL)
                snprintf(hint, sizeof hint, "; did you mean \"%s\"?", suggestion.best);
            return fail_validation(p, key_line(p, config, "baseline"),
                                   "invalid value \"%s\" for baseline in [experiment]: there "
                                   "is no section [method %s]%s",
                                   config->baseline, config->baseline, hint);
        }
    }

    /* per-section rng defaults, then numpy's 32-bit seeds */
    bool numpy = config->rng == LNL_RNG_NUMPY;
    for (size_t i = 0; i < config->n_data; i++) {
        lnl_data_spec *data = &config->data[i];
        if (key_line(p, data, "rng") == 0)
            data->rng = config->rng;
        numpy = numpy || data->rng == LNL_RNG_NUMPY;
        if (data->rng == LNL_RNG_NUMPY && data->has_random_state &&
            data->random_state > UINT32_MAX)
            return fail_validation(p, key_line(p, data, "random_state"),
                                   "invalid value \"%" PRIu64 "\" for random_state in [data %s]: "
                                   "with rng = numpy it must be below 2^32",
                                   data->random_state, data->name);
    }
    for (size_t i = 0; i < config->n_noise; i++) {
        lnl_noise_spec *noise = &config->noise[i];
        if (key_line(p, noise, "rng") == 0)
            noise->rng = config->rng;
        numpy = numpy || noise->rng == LNL_RNG_NUMPY;
        if (noise->rng == LNL_RNG_NUMPY && noise->has_seed && noise->seed > UINT32_MAX)
            return fail_validation(p, key_line(p, noise, "seed"),
                                   "invalid value \"%" PRIu64 "\" for seed in [noise %s]: with "
                                   "rng = numpy it must be below 2^32",
                                   noise->seed, noise->name);
    }
    /* numpy streams are seeded with base_seed + r for run r */
    if (numpy && config->base_seed > UINT32_MAX - (uint64_t)(config->seeds - 1))
        return fail_validation(p, key_line(p, config, "base_seed"),
                               "invalid value \"%" PRIu64 "\" for base_seed in [experiment]: "
                               "with rng = numpy, base_seed + seeds - 1 must be below 2^32",
                               config->base_seed);

    /* every noise and method meets every data set: compare with the class
     * count of the generated ones, the only count known before loading */
    for (size_t i = 0; i < config->n_data; i++) {
        const lnl_data_spec *data = &config->data[i];
        if (data->source != LNL_SOURCE_MAKE_CLASSIFICATION)
            continue;
        size_t classes = data->generator.n_classes;
        for (size_t j = 0; j < config->n_noise; j++) {
            const lnl_noise_spec *noise = &config->noise[j];
            if (!lnl_config_noise_applies(config, j, i))
                continue;
            if (noise->type == LNL_NOISE_MATRIX && noise->matrix_order != classes)
                return fail_validation(p, key_line(p, noise, "matrix"),
                                       "matrix in [noise %s] is %zu x %zu, but [data %s] has "
                                       "n_classes = %zu; every noise section applies to every "
                                       "data section",
                                       noise->name, noise->matrix_order, noise->matrix_order,
                                       data->name, classes);
            if (noise->type == LNL_NOISE_CLASS_CONDITIONAL && classes != 2)
                return fail_validation(p, key_line(p, noise, "type"),
                                       "type = class_conditional in [noise %s] needs 2 classes, "
                                       "but [data %s] has n_classes = %zu; use asymmetric or "
                                       "matrix noise",
                                       noise->name, data->name, classes);
        }
        for (size_t j = 0; j < config->n_methods; j++) {
            const lnl_method_spec *method = &config->methods[j];
            if (method->model == LNL_MODEL_BINARY && classes != 2)
                return fail_validation(p, key_line(p, method, "model"),
                                       "model = binary in [method %s] needs 2 classes, but "
                                       "[data %s] has n_classes = %zu; use auto or softmax",
                                       method->name, data->name, classes);
            if (strcmp(method->loss, "unbiased") == 0 && classes != 2)
                return fail_validation(p, key_line(p, method, "loss"),
                                       "loss = unbiased in [method %s] needs 2 classes, but "
                                       "[data %s] has n_classes = %zu; use loss = backward, its "
                                       "multiclass form",
                                       method->name, data->name, classes);
        }
    }
    return LNL_OK;
}

/* ---- reading -------------------------------------------------------- */

static void parser_free(config_parser *p)
{
    for (size_t i = 0; i < p->n_entries; i++) {
        free(p->entries[i].key);
        free(p->entries[i].value);
        free(p->entries[i].raw_value);
    }
    free(p->entries);
    free(p->sections);
    free(p->raw);
}

/* Reads the parser's input, a file or a text set by the caller, into a new config. */
static lnl_status parse(config_parser *p, lnl_config **out, lnl_error *err)
{
    lnl_status status = LNL_OK;
    lnl_error_clear(&p->structure);
    lnl_error_clear(&p->validation);

    p->config = calloc(1, sizeof *p->config);
    if (p->config == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, p->path, 0,
                               "out of memory while reading the config");
        goto cleanup;
    }
    snprintf(p->config->path, sizeof p->config->path, "%s", p->path);
    lnl_config_defaults_experiment(p->config);

    int result = ini_parse_stream(config_reader, p, config_handler, p);
    if (result == -2)
        fail_memory(p, &p->structure);
    else if (result > 0)
        fail(p, &p->structure, result, "cannot parse line %d", result);

    /* When reading stopped early, the last section may lack keys that come
     * later, unless the stop was at a header, which ends that section. */
    bool complete = p->structure.status == LNL_OK;
    bool last_complete = complete || p->kind == LINE_SECTION;
    for (size_t i = 0; i < p->n_sections && p->validation.status == LNL_OK; i++) {
        const config_section *section = &p->sections[i];
        if (validate_entries(p, section) != LNL_OK)
            break;
        if (last_complete || i + 1 < p->n_sections)
            check_section(p, section);
    }
    if (p->validation.status == LNL_OK && complete)
        check_config(p);

    const lnl_error *first = p->validation.status != LNL_OK ? &p->validation : &p->structure;
    if (first->status != LNL_OK) {
        status = first->status;
        if (err != NULL)
            *err = *first;
        goto cleanup;
    }
    for (size_t d = 0; d < p->config->n_data; d++)
        p->config->data[d].path_line = key_line(p, &p->config->data[d], "path");
    *out = p->config;
    p->config = NULL;

cleanup:
    lnl_config_destroy(p->config);
    parser_free(p);
    return status;
}

lnl_status lnl_config_read(const char *path, lnl_config **out, lnl_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_config_read: path and out must not be NULL");

    FILE *file = fopen(path, "r");
    if (file == NULL) {
        char reason[128];
        if (strerror_r(errno, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", errno);
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot open the config file: %s",
                             reason);
    }
    struct stat info;
    if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
        fclose(file);
        return lnl_error_set(err, LNL_ERR_IO, path, 0,
                             "cannot read the config file: it is a directory");
    }

    config_parser parser;
    memset(&parser, 0, sizeof parser);
    parser.path = path;
    parser.file = file;
    lnl_status status = parse(&parser, out, err);
    fclose(file);
    return status;
}

lnl_status lnl_config_parse_string(const char *text, const char *path, lnl_config **out,
                                   lnl_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (text == NULL || out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "lnl_config_parse_string: text and out must not be NULL");

    config_parser parser;
    memset(&parser, 0, sizeof parser);
    parser.path = path != NULL ? path : "";
    parser.text = text;
    return parse(&parser, out, err);
}

void lnl_config_destroy(lnl_config *config)
{
    if (config == NULL)
        return;
    for (size_t i = 0; i < config->n_noise; i++) {
        free(config->noise[i].matrix);
        free(config->noise[i].mappings);
    }
    free(config);
}
