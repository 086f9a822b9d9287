/* The schema document: column names, types, formats, units, descriptions and dataset context as
 * JSON (jansson, kept inside this file). docs/schema.md is the user-facing description; the
 * writer and the reader here must stay in step with it. */
#include "buzz/types.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define SCHEMA_VERSION 1

static char *dup_str(const char *s)
{
    return buzz_strndup(s ? s : "", s ? strlen(s) : 0);
}

static void column_free(buzz_column_def *d)
{
    buzz_free(d->name);
    buzz_free(d->header);
    buzz_free(d->description);
    buzz_free(d->rename);
    memset(d, 0, sizeof *d);
}

void buzz_schema_free(buzz_schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->column_count; i++)
        column_free(&s->columns[i]);
    buzz_free(s->columns);
    buzz_free(s->context);
    buzz_free(s->source_name);
    memset(s, 0, sizeof *s);
}

buzz_status buzz_schema_init_columns(buzz_schema *s, size_t n, buzz_error *err)
{
    buzz_column_def *cols = n ? buzz_calloc(n, sizeof *cols) : NULL;
    if (n && !cols)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for %zu column definitions", n);
    for (size_t i = 0; i < n; i++) {
        cols[i].include = true;
        cols[i].type = BUZZ_TYPE_VARCHAR;
    }
    for (size_t i = 0; i < s->column_count; i++)
        column_free(&s->columns[i]);
    buzz_free(s->columns);
    s->columns = cols;
    s->column_count = n;
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Names. */
static bool name_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

static bool name_taken(const buzz_schema *s, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++)
        if (s->columns[i].name && name_ieq(s->columns[i].name, name))
            return true;
    return false;
}

static bool name_used_later(const buzz_str *names, size_t from, size_t n, const char *name)
{
    if (!names)
        return false;
    size_t len = strlen(name);
    for (size_t i = from; i < n; i++) {
        const char *p = names[i].ptr;
        size_t l = names[i].len;
        while (l > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            l--;
        }
        while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
            l--;
        if (l == len) {
            char tmp[256];
            if (l < sizeof tmp) {
                memcpy(tmp, p, l);
                tmp[l] = '\0';
                if (name_ieq(tmp, name))
                    return true;
            }
        }
    }
    return false;
}

buzz_status buzz_schema_set_names(buzz_schema *s, const buzz_str *names, buzz_error *err)
{
    for (size_t i = 0; i < s->column_count; i++) {
        buzz_free(s->columns[i].name);
        s->columns[i].name = NULL;
    }
    for (size_t i = 0; i < s->column_count; i++) {
        buzz_column_def *d = &s->columns[i];
        const char *p = names ? names[i].ptr : "";
        size_t l = names ? names[i].len : 0;
        buzz_free(d->header);
        d->header = buzz_strndup(p, l);
        while (l > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            l--;
        }
        while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t' || p[l - 1] == '\r' ||
                         p[l - 1] == '\n'))
            l--;
        char base[512];
        if (l == 0)
            snprintf(base, sizeof base, "column_%zu", i + 1);
        else {
            size_t n = l < sizeof base - 16 ? l : sizeof base - 16;
            while (n > 0 && n < l && ((unsigned char)p[n] & 0xC0) == 0x80)
                n--;
            memcpy(base, p, n);
            base[n] = '\0';
        }
        char cand[540];
        snprintf(cand, sizeof cand, "%s", base);
        bool generated = false;
        for (unsigned k = 2; name_taken(s, i, cand) ||
                             (generated && name_used_later(names, i + 1, s->column_count, cand));
             k++) {
            snprintf(cand, sizeof cand, "%s_%u", base, k);
            generated = true;
        }
        d->name = dup_str(cand);
        if (!d->header || !d->name)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for column names");
    }
    return BUZZ_OK;
}

const char *buzz_column_type_text(const buzz_column_def *d, char *out, size_t out_cap)
{
    if (d->type == BUZZ_TYPE_DECIMAL)
        snprintf(out, out_cap, "decimal(%d,%d)", d->precision, d->scale);
    else
        snprintf(out, out_cap, "%s", buzz_type_name(d->type));
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Writing. */
static const char *mark_decimal(buzz_num_style s)
{
    return (s == BUZZ_NUM_DOT || s == BUZZ_NUM_DOT_GROUP_COMMA) ? "." : ",";
}

static const char *mark_group(buzz_num_style s)
{
    switch (s) {
    case BUZZ_NUM_DOT_GROUP_COMMA:
        return ",";
    case BUZZ_NUM_COMMA_GROUP_DOT:
        return ".";
    case BUZZ_NUM_COMMA_GROUP_SPACE:
        return " ";
    default:
        return "";
    }
}

static bool is_number_type(buzz_type t)
{
    return t == BUZZ_TYPE_INT32 || t == BUZZ_TYPE_INT64 || t == BUZZ_TYPE_DECIMAL ||
           t == BUZZ_TYPE_DOUBLE;
}

static bool is_date_type(buzz_type t)
{
    return t == BUZZ_TYPE_DATE || t == BUZZ_TYPE_TIMESTAMP || t == BUZZ_TYPE_TIMESTAMP_TZ;
}

static json_t *str_or_null(int c)
{
    if (c == BUZZ_CSV_NONE)
        return json_null();
    char b[2] = {(char)c, 0};
    return json_string(b);
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
    return v ? json_object_set_new(obj, key, v) : -1;
}

buzz_status buzz_schema_to_json(const buzz_schema *s, unsigned flags, char **out_json,
                                buzz_error *err)
{
    bool with_stats = (flags & BUZZ_SCHEMA_JSON_STATS) != 0;
    *out_json = NULL;
    json_t *root = json_object();
    int bad = root ? 0 : 1;
    if (!bad) {
        bad |= set_new(root, "buzz_schema", json_integer(SCHEMA_VERSION));
        json_t *src = json_object();
        bad |= set_new(root, "source", src);
        if (src) {
            bad |= set_new(src, "name", json_string(s->source_name ? s->source_name : ""));
            bad |= set_new(src, "bytes", s->source_bytes >= 0 ? json_integer(s->source_bytes)
                                                              : json_null());
            bad |= set_new(src, "rows", s->row_count >= 0 ? json_integer(s->row_count)
                                                          : json_null());
            if (s->has_source_crc32) {
                char hex[16];
                snprintf(hex, sizeof hex, "%08x", (unsigned)s->source_crc32);
                bad |= set_new(src, "crc32", json_string(hex));
            }
            if (s->has_rejects)
                bad |= set_new(src, "rejects", json_integer(s->reject_count));
            bad |= set_new(src, "buzz_version", json_string(BUZZ_VERSION));
        }
        bad |= set_new(root, "context", json_string(s->context ? s->context : ""));
        if (s->has_dialect) {
            const buzz_csv_dialect *d = &s->dialect;
            json_t *csv = json_object();
            bad |= set_new(root, "csv", csv);
            if (csv) {
                char delim[2] = {d->delimiter, 0};
                bad |= set_new(csv, "encoding", json_string(buzz_encoding_name(d->encoding)));
                bad |= set_new(csv, "delimiter",
                               d->merge_delimiters ? json_string("whitespace")
                                                   : json_string(delim));
                bad |= set_new(csv, "quote", str_or_null(d->quote));
                bad |= set_new(csv, "escape", str_or_null(d->escape));
                bad |= set_new(csv, "comment", str_or_null(d->comment));
                if (d->comment != BUZZ_CSV_NONE)
                    bad |= set_new(csv, "inline_comments", json_boolean(d->has_inline_comments));
                bad |= set_new(csv, "newline", json_string(buzz_newline_name(d->newline)));
                bad |= set_new(csv, "header", json_boolean(d->has_header));
                bad |= set_new(csv, "skip_lines", json_integer(d->skip_lines));
                bad |= set_new(csv, "footer_lines", json_integer(d->footer_lines));
                bad |= set_new(csv, "ragged_rows", json_boolean(d->ragged_rows));
            }
        }
        if (s->has_date_order)
            bad |= set_new(root, "date_order", json_string(buzz_date_order_name(s->date_order)));
        if (s->has_nulls) {
            json_t *arr = json_array();
            bad |= set_new(root, "nulls", arr);
            for (size_t i = 0; arr && i < s->nulls.count; i++)
                bad |= json_array_append_new(arr, json_stringn(s->nulls.token[i], s->nulls.len[i]));
        }
        json_t *cols = json_array();
        bad |= set_new(root, "columns", cols);
        for (size_t i = 0; cols && i < s->column_count; i++) {
            const buzz_column_def *d = &s->columns[i];
            json_t *c = json_object();
            if (!c || json_array_append_new(cols, c) != 0) {
                bad = 1;
                break;
            }
            char tt[32];
            bad |= set_new(c, "position", json_integer((json_int_t)i + 1));
            bad |= set_new(c, "name", json_string(d->name ? d->name : ""));
            bad |= set_new(c, "header", json_string(d->header ? d->header : ""));
            bad |= set_new(c, "type", json_string(buzz_column_type_text(d, tt, sizeof tt)));
            if (d->has_format)
                bad |= set_new(c, "format", json_string(d->format.text));
            else if (is_date_type(d->type))
                bad |= set_new(c, "format", json_string(buzz_date_order_name(d->date_order)));
            if (is_number_type(d->type)) {
                bad |= set_new(c, "decimal_mark", json_string(mark_decimal(d->num_style)));
                bad |= set_new(c, "group_mark", json_string(mark_group(d->num_style)));
                bad |= set_new(c, "unit", json_string(buzz_unit_symbol(d->unit)));
            }
            if (d->type == BUZZ_TYPE_BOOLEAN && d->bool_digits)
                bad |= set_new(c, "bool_digits", json_true());
            bad |= set_new(c, "include", json_boolean(d->include));
            bad |= set_new(c, "description", json_string(d->description ? d->description : ""));
            if (with_stats) {
                json_t *st = json_object();
                bad |= set_new(c, "stats", st);
                if (st) {
                    bad |= set_new(st, "values", json_integer(d->value_count));
                    bad |= set_new(st, "nulls", json_integer(d->null_count));
                    bad |= set_new(st, "empty_strings", json_integer(d->empty_string_count));
                    bad |= set_new(st, "distinct_estimate", json_integer(d->distinct_estimate));
                    bad |= set_new(st, "max_bytes", json_integer((json_int_t)d->max_bytes));
                    json_t *ex = json_array();
                    bad |= set_new(st, "examples", ex);
                    for (size_t e = 0; ex && e < d->example_count; e++)
                        bad |= json_array_append_new(ex, json_string(d->examples[e]));
                }
            }
        }
    }
    size_t jf = JSON_PRESERVE_ORDER |
                ((flags & BUZZ_SCHEMA_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2));
    char *text = bad ? NULL : json_dumps(root, jf);
    json_decref(root);
    if (!text)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory writing the schema document");
    *out_json = buzz_strndup(text, strlen(text));
    free(text);
    if (!*out_json)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory writing the schema document");
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Reading. */
static buzz_status field_error(buzz_error *err, const char *source, const char *where,
                               const char *what)
{
    buzz_status st = buzz_error_set(err, BUZZ_ERR_PARSE, "%s: %s", where, what);
    if (err && source)
        snprintf(err->source, sizeof err->source, "%s", source);
    return st;
}

static buzz_status get_char_opt(json_t *csv, const char *key, int *out, const char *source,
                                buzz_error *err)
{
    json_t *v = json_object_get(csv, key);
    if (!v)
        return BUZZ_OK;
    if (json_is_null(v)) {
        *out = BUZZ_CSV_NONE;
        return BUZZ_OK;
    }
    if (!json_is_string(v) || json_string_length(v) != 1) {
        char where[64];
        snprintf(where, sizeof where, "csv.%s", key);
        return field_error(err, source, where, "expected a one-character string or null");
    }
    *out = (unsigned char)json_string_value(v)[0];
    return BUZZ_OK;
}

static buzz_status parse_column(json_t *c, size_t i, buzz_column_def *d, const char *source,
                                buzz_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "columns[%zu]", i);
    if (!json_is_object(c))
        return field_error(err, source, where, "expected an object");
    d->include = true;
    d->type = BUZZ_TYPE_VARCHAR;
    json_t *v = json_object_get(c, "position");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return field_error(err, source, where, "\"position\" must be a number from 1");
        d->position = json_integer_value(v);
    }
    v = json_object_get(c, "name");
    if (v) {
        if (!json_is_string(v))
            return field_error(err, source, where, "\"name\" must be a string");
        d->name = dup_str(json_string_value(v));
    }
    if (!d->position && (!d->name || !d->name[0]))
        return field_error(err, source, where, "a column needs a \"name\" or a \"position\"");
    v = json_object_get(c, "rename");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return field_error(err, source, where, "\"rename\" must be a non-empty string");
        d->rename = dup_str(json_string_value(v));
    }
    v = json_object_get(c, "type");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return field_error(err, source, where, "\"type\" must be a string");
        buzz_error e2;
        if (buzz_type_parse(json_string_value(v), json_string_length(v), &d->type, &d->precision,
                            &d->scale, &e2) != BUZZ_OK)
            return field_error(err, source, where, e2.message);
        d->has_user_type = true;
    }
    v = json_object_get(c, "format");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return field_error(err, source, where, "\"format\" must be a string");
        const char *f = json_string_value(v);
        buzz_date_order o;
        if (buzz_date_order_parse(f, &o, NULL) == BUZZ_OK) {
            d->date_order = o;
        } else {
            buzz_error e2;
            if (buzz_dt_format_init(&d->format, f, &e2) != BUZZ_OK)
                return field_error(err, source, where, e2.message);
            d->has_format = true;
        }
        d->has_user_format = true;
    }
    json_t *dm = json_object_get(c, "decimal_mark");
    json_t *gm = json_object_get(c, "group_mark");
    if ((dm && !json_is_null(dm)) || (gm && !json_is_null(gm))) {
        const char *dec = dm && json_is_string(dm) ? json_string_value(dm) : ".";
        const char *grp = gm && json_is_string(gm) ? json_string_value(gm) : "";
        if (strcmp(dec, ".") == 0 && strcmp(grp, "") == 0)
            d->num_style = BUZZ_NUM_DOT;
        else if (strcmp(dec, ".") == 0 && strcmp(grp, ",") == 0)
            d->num_style = BUZZ_NUM_DOT_GROUP_COMMA;
        else if (strcmp(dec, ",") == 0 && strcmp(grp, "") == 0)
            d->num_style = BUZZ_NUM_COMMA;
        else if (strcmp(dec, ",") == 0 && strcmp(grp, ".") == 0)
            d->num_style = BUZZ_NUM_COMMA_GROUP_DOT;
        else if (strcmp(dec, ",") == 0 && strcmp(grp, " ") == 0)
            d->num_style = BUZZ_NUM_COMMA_GROUP_SPACE;
        else
            return field_error(err, source, where,
                               "\"decimal_mark\"/\"group_mark\" must be \".\" with \"\" or \",\", "
                               "or \",\" with \"\", \".\" or \" \"");
        d->has_user_marks = true;
    }
    v = json_object_get(c, "unit");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return field_error(err, source, where, "\"unit\" must be a string");
        bool found = false;
        for (int u = 0; u < BUZZ_UNIT_COUNT; u++)
            if (strcmp(json_string_value(v), buzz_unit_symbol((buzz_unit)u)) == 0) {
                d->unit = (buzz_unit)u;
                found = true;
            }
        if (!found)
            return field_error(err, source, where,
                               "\"unit\" must be one of \"\", \"%\", \"$\", \"€\", \"£\", \"¥\"");
        d->has_user_unit = true;
    }
    v = json_object_get(c, "bool_digits");
    if (v && json_is_boolean(v))
        d->bool_digits = json_is_true(v);
    v = json_object_get(c, "include");
    if (v) {
        if (!json_is_boolean(v))
            return field_error(err, source, where, "\"include\" must be true or false");
        d->include = json_is_true(v);
        d->has_user_include = true;
    }
    v = json_object_get(c, "description");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v))
            return field_error(err, source, where, "\"description\" must be a string");
        d->description = dup_str(json_string_value(v));
    }
    if (!d->description)
        d->description = dup_str("");
    v = json_object_get(c, "header");
    d->header = dup_str(v && json_is_string(v) ? json_string_value(v) : "");
    if (!d->name)
        d->name = dup_str("");
    if (!d->name || !d->header || !d->description)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the schema");
    return BUZZ_OK;
}

buzz_status buzz_schema_parse_json(const char *text, size_t len, const char *source,
                                   buzz_schema *out, buzz_error *err)
{
    memset(out, 0, sizeof *out);
    out->source_bytes = -1;
    out->row_count = -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        buzz_status st = buzz_error_set(err, BUZZ_ERR_PARSE, "not valid JSON: %s", je.text);
        if (err) {
            err->line = je.line > 0 ? je.line : 0;
            err->column = je.column > 0 ? je.column : 0;
            if (source)
                snprintf(err->source, sizeof err->source, "%s", source);
        }
        return st;
    }
    buzz_status st = BUZZ_OK;
    if (!json_is_object(root)) {
        st = field_error(err, source, "document", "expected a JSON object with \"columns\"");
        goto done;
    }
    json_t *ver = json_object_get(root, "buzz_schema");
    if (ver && (!json_is_integer(ver) || json_integer_value(ver) != SCHEMA_VERSION)) {
        st = field_error(err, source, "buzz_schema", "this Buzz reads schema version 1");
        goto done;
    }
    json_t *v = json_object_get(root, "context");
    out->context = dup_str(v && json_is_string(v) ? json_string_value(v) : "");
    json_t *src = json_object_get(root, "source");
    v = src ? json_object_get(src, "name") : NULL;
    out->source_name = dup_str(v && json_is_string(v) ? json_string_value(v) : "");
    if (!out->context || !out->source_name) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the schema");
        goto done;
    }
    v = json_object_get(root, "date_order");
    if (v && !json_is_null(v)) {
        buzz_error e2;
        if (!json_is_string(v) ||
            buzz_date_order_parse(json_string_value(v), &out->date_order, &e2) != BUZZ_OK) {
            st = field_error(err, source, "date_order", "expected \"ymd\", \"dmy\" or \"mdy\"");
            goto done;
        }
        out->has_date_order = true;
    }
    v = json_object_get(root, "nulls");
    if (v && !json_is_null(v)) {
        if (!json_is_array(v)) {
            st = field_error(err, source, "nulls", "expected an array of strings");
            goto done;
        }
        buzz_null_tokens_clear(&out->nulls);
        out->has_nulls = true;
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *t = json_array_get(v, i);
            buzz_error e2;
            if (!json_is_string(t)) {
                st = field_error(err, source, "nulls", "expected an array of strings");
                goto done;
            }
            if (buzz_null_tokens_add(&out->nulls, json_string_value(t), json_string_length(t),
                                     &e2) != BUZZ_OK) {
                st = field_error(err, source, "nulls", e2.message);
                goto done;
            }
        }
    }
    json_t *csv = json_object_get(root, "csv");
    if (csv && json_is_object(csv)) {
        buzz_csv_options *o = &out->csv;
        out->has_csv = true;
        json_t *dl = json_object_get(csv, "delimiter");
        if (dl && json_is_string(dl)) {
            if (strcmp(json_string_value(dl), "whitespace") == 0) {
                o->delimiter = ' ';
                o->merge_delimiters = 1;
            } else if (json_string_length(dl) == 1) {
                o->delimiter = (unsigned char)json_string_value(dl)[0];
                o->merge_delimiters = -1;
            } else {
                st = field_error(err, source, "csv.delimiter",
                                 "expected one character or \"whitespace\"");
                goto done;
            }
        }
        if ((st = get_char_opt(csv, "quote", &o->quote, source, err)) != BUZZ_OK ||
            (st = get_char_opt(csv, "escape", &o->escape, source, err)) != BUZZ_OK ||
            (st = get_char_opt(csv, "comment", &o->comment, source, err)) != BUZZ_OK)
            goto done;
        json_t *h = json_object_get(csv, "header");
        if (h && json_is_boolean(h))
            o->header = json_is_true(h) ? 1 : -1;
        json_t *rr = json_object_get(csv, "ragged_rows");
        if (rr && !json_is_null(rr)) {
            if (!json_is_boolean(rr)) {
                st = field_error(err, source, "csv.ragged_rows", "expected true or false");
                goto done;
            }
            o->ragged_rows = json_is_true(rr) ? 1 : -1;
        }
        json_t *ic = json_object_get(csv, "inline_comments");
        if (ic && json_is_boolean(ic))
            o->inline_comments = json_is_true(ic) ? 1 : -1;
        json_t *sk = json_object_get(csv, "skip_lines");
        if (sk && !json_is_null(sk)) {
            if (!json_is_integer(sk) || json_integer_value(sk) < 0) {
                st = field_error(err, source, "csv.skip_lines",
                                 "expected a number of lines, 0 or more");
                goto done;
            }
            o->has_skip_lines = true;
            o->skip_lines = json_integer_value(sk);
        }
        json_t *fl = json_object_get(csv, "footer_lines");
        if (fl && !json_is_null(fl)) {
            if (!json_is_integer(fl) || json_integer_value(fl) < 0) {
                st = field_error(err, source, "csv.footer_lines",
                                 "expected a number of lines, 0 or more");
                goto done;
            }
            o->has_footer_lines = true;
            o->footer_lines = json_integer_value(fl);
        }
        json_t *enc = json_object_get(csv, "encoding");
        if (enc && json_is_string(enc) &&
            buzz_encoding_parse(json_string_value(enc), &o->encoding, NULL) != BUZZ_OK) {
            st = field_error(err, source, "csv.encoding", "unknown encoding");
            goto done;
        }
        json_t *nl = json_object_get(csv, "newline");
        if (nl && json_is_string(nl)) {
            const char *t = json_string_value(nl);
            o->newline = strcmp(t, "lf") == 0     ? BUZZ_NEWLINE_LF
                         : strcmp(t, "crlf") == 0 ? BUZZ_NEWLINE_CRLF
                         : strcmp(t, "cr") == 0   ? BUZZ_NEWLINE_CR
                                                  : BUZZ_NEWLINE_AUTO;
        }
    }
    json_t *cols = json_object_get(root, "columns");
    if (cols && !json_is_array(cols)) {
        st = field_error(err, source, "columns", "expected an array of column objects");
        goto done;
    }
    size_t n = cols ? json_array_size(cols) : 0;
    if ((st = buzz_schema_init_columns(out, n, err)) != BUZZ_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        if ((st = parse_column(json_array_get(cols, i), i, &out->columns[i], source, err)) !=
            BUZZ_OK)
            goto done;
done:
    json_decref(root);
    if (st != BUZZ_OK)
        buzz_schema_free(out);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Applying a user document. */
static buzz_status set_owned(char **dst, const char *src, buzz_error *err)
{
    char *c = dup_str(src);
    if (!c)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory applying the schema");
    buzz_free(*dst);
    *dst = c;
    return BUZZ_OK;
}

buzz_status buzz_schema_apply(buzz_schema *file, const buzz_schema *user, buzz_error *err)
{
    if (user->context && user->context[0])
        BUZZ_TRY(set_owned(&file->context, user->context, err));
    if (user->has_nulls) {
        file->has_nulls = true;
        file->nulls = user->nulls;
    }
    if (user->has_date_order) {
        file->has_date_order = true;
        file->date_order = user->date_order;
    }
    for (size_t i = 0; i < user->column_count; i++) {
        const buzz_column_def *u = &user->columns[i];
        size_t hit = SIZE_MAX;
        if (u->position > 0) {
            if ((uint64_t)u->position > file->column_count)
                return buzz_error_set(err, BUZZ_ERR_ARG,
                                      "the schema names column %lld, but the file has %zu columns",
                                      (long long)u->position, file->column_count);
            hit = (size_t)u->position - 1;
        } else {
            for (size_t k = 0; k < file->column_count && hit == SIZE_MAX; k++)
                if (strcmp(file->columns[k].name, u->name) == 0 ||
                    (file->columns[k].header && strcmp(file->columns[k].header, u->name) == 0))
                    hit = k;
            for (size_t k = 0; k < file->column_count && hit == SIZE_MAX; k++)
                if (name_ieq(file->columns[k].name, u->name))
                    hit = k;
        }
        if (hit == SIZE_MAX) {
            char shown[80];
            return buzz_error_set(err, BUZZ_ERR_ARG,
                                  "the schema describes a column \"%s\" that the file does not "
                                  "have",
                                  buzz_quote_text(u->name, strlen(u->name), 60, shown,
                                                  sizeof shown));
        }
        buzz_column_def *d = &file->columns[hit];
        if (u->has_user_type) {
            d->type = u->type;
            d->precision = u->precision;
            d->scale = u->scale;
            d->is_user_type = true;
            d->bool_digits = u->bool_digits || u->type == BUZZ_TYPE_BOOLEAN;
        }
        if (u->has_user_format) {
            d->has_format = u->has_format;
            d->format = u->format;
            d->date_order = u->date_order;
        }
        if (u->has_user_marks)
            d->num_style = u->num_style;
        if (u->has_user_unit)
            d->unit = u->unit;
        if (u->has_user_include)
            d->include = u->include;
        if (u->description && u->description[0])
            BUZZ_TRY(set_owned(&d->description, u->description, err));
        if (u->rename)
            BUZZ_TRY(set_owned(&d->name, u->rename, err));
        else if (u->position > 0 && u->name[0] && strcmp(u->name, d->name) != 0)
            BUZZ_TRY(set_owned(&d->name, u->name, err));
    }
    /* Renames must keep names unique. */
    for (size_t i = 0; i < file->column_count; i++)
        for (size_t k = i + 1; k < file->column_count; k++)
            if (name_ieq(file->columns[i].name, file->columns[k].name))
                return buzz_error_set(err, BUZZ_ERR_ARG,
                                      "two columns would both be named \"%.60s\"",
                                      file->columns[k].name);
    return BUZZ_OK;
}
