/* query/profile_json.c: a profile (buzz/profile.h) as the JSON document of docs/profile.md. Values
 * are already rendered as JSON by profile.c (exact numbers, ISO dates), so this file only lays
 * out the document: two-space indentation, one line per column field, one line per top value and
 * histogram bin, examples on one line, keys in a fixed order, every key always present (null
 * when it does not apply). Doubles are written in their shortest round-trip form; a non-finite
 * one as null. */
#include "buzz/profile.h"

#include "query_internal.h"

#include <math.h>
#include <string.h>

static buzz_status put_str(buzz_buf *b, const char *s, buzz_error *err)
{
    return buzz__json_string(b, s, strlen(s), err);
}

static buzz_status put_double(buzz_buf *b, bool has, double v, buzz_error *err)
{
    if (!has || !isfinite(v))
        return buzz_buf_append(b, "null", 4, err);
    char tmp[32];
    size_t n = buzz_format_double(v, tmp);
    return buzz_buf_append(b, tmp, n, err);
}

static buzz_status put_value(buzz_buf *b, bool has, const buzz_profile_value *v, buzz_error *err)
{
    if (!has)
        return buzz_buf_append(b, "null", 4, err);
    return buzz_buf_append(b, v->json, strlen(v->json), err);
}

/* `,\n      "key": ` (no comma before the first key of an object). */
static buzz_status key(buzz_buf *b, const char *k, bool first, buzz_error *err)
{
    return buzz_buf_printf(b, err, "%s\n      \"%s\": ", first ? "" : ",", k);
}

static buzz_status put_top(buzz_buf *b, const buzz_profile_column *c, buzz_error *err)
{
    if (!c->has_top)
        return buzz_buf_append(b, "null", 4, err);
    if (c->top_count == 0)
        return buzz_buf_append(b, "[]", 2, err);
    BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
    for (size_t k = 0; k < c->top_count; k++) {
        BUZZ_TRY(buzz_buf_printf(b, err, "%s\n        {\"value\": ", k ? "," : ""));
        BUZZ_TRY(put_value(b, true, &c->top[k].value, err));
        BUZZ_TRY(buzz_buf_printf(b, err, ", \"count\": %lld}", (long long)c->top[k].count));
    }
    return buzz_buf_append(b, "\n      ]", 8, err);
}

static buzz_status put_bins(buzz_buf *b, const buzz_profile_column *c, buzz_error *err)
{
    if (c->bin_count == 0)
        return buzz_buf_append(b, "null", 4, err);
    BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
    for (size_t k = 0; k < c->bin_count; k++) {
        const buzz_profile_bin *bin = &c->bins[k];
        BUZZ_TRY(buzz_buf_printf(b, err, "%s\n        {\"lower\": ", k ? "," : ""));
        BUZZ_TRY(put_value(b, true, &bin->lower, err));
        BUZZ_TRY(buzz_buf_printf(b, err, ", \"upper\": "));
        BUZZ_TRY(put_value(b, true, &bin->upper, err));
        BUZZ_TRY(buzz_buf_printf(b, err, ", \"count\": %lld}", (long long)bin->count));
    }
    return buzz_buf_append(b, "\n      ]", 8, err);
}

static buzz_status put_examples(buzz_buf *b, const buzz_profile_column *c, buzz_error *err)
{
    if (c->example_count == 0)
        return buzz_buf_append(b, "[]", 2, err);
    BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
    for (size_t k = 0; k < c->example_count; k++) {
        if (k)
            BUZZ_TRY(buzz_buf_append(b, ", ", 2, err));
        BUZZ_TRY(put_value(b, true, &c->examples[k], err));
    }
    return buzz_buf_append_byte(b, ']', err);
}

static buzz_status put_column(buzz_buf *b, const buzz_profile_column *c, buzz_error *err)
{
    BUZZ_TRY(buzz_buf_append(b, "    {", 5, err));
    BUZZ_TRY(key(b, "name", true, err));
    BUZZ_TRY(put_str(b, c->name, err));
    BUZZ_TRY(key(b, "type", false, err));
    BUZZ_TRY(put_str(b, c->logical_type, err));
    BUZZ_TRY(key(b, "duckdb_type", false, err));
    BUZZ_TRY(put_str(b, c->duckdb_type, err));
    BUZZ_TRY(key(b, "kind", false, err));
    BUZZ_TRY(put_str(b, c->kind, err));
    BUZZ_TRY(key(b, "null_count", false, err));
    BUZZ_TRY(buzz_buf_printf(b, err, "%lld", (long long)c->null_count));
    BUZZ_TRY(key(b, "null_share", false, err));
    BUZZ_TRY(put_double(b, true, c->null_share, err));
    BUZZ_TRY(key(b, "distinct_count", false, err));
    BUZZ_TRY(buzz_buf_printf(b, err, "%lld", (long long)c->distinct_count));
    BUZZ_TRY(key(b, "distinct_exact", false, err));
    BUZZ_TRY(buzz_buf_printf(b, err, "%s", c->is_distinct_exact ? "true" : "false"));
    BUZZ_TRY(key(b, "min", false, err));
    BUZZ_TRY(put_value(b, c->has_min_max, &c->min, err));
    BUZZ_TRY(key(b, "max", false, err));
    BUZZ_TRY(put_value(b, c->has_min_max, &c->max, err));
    BUZZ_TRY(key(b, "mean", false, err));
    BUZZ_TRY(put_double(b, c->has_mean, c->mean, err));
    BUZZ_TRY(key(b, "stddev", false, err));
    BUZZ_TRY(put_double(b, c->has_stddev, c->stddev, err));
    BUZZ_TRY(key(b, "nonfinite_count", false, err));
    BUZZ_TRY(buzz_buf_printf(b, err, "%lld", (long long)c->nonfinite_count));
    BUZZ_TRY(key(b, "length", false, err));
    if (c->has_length) {
        BUZZ_TRY(buzz_buf_printf(b, err, "{\"min\": %lld, \"max\": %lld, \"avg\": ",
                                 (long long)c->min_length, (long long)c->max_length));
        BUZZ_TRY(put_double(b, true, c->avg_length, err));
        BUZZ_TRY(buzz_buf_append_byte(b, '}', err));
    } else {
        BUZZ_TRY(buzz_buf_append(b, "null", 4, err));
    }
    BUZZ_TRY(key(b, "top", false, err));
    BUZZ_TRY(put_top(b, c, err));
    BUZZ_TRY(key(b, "top_other_count", false, err));
    if (c->has_top)
        BUZZ_TRY(buzz_buf_printf(b, err, "%lld", (long long)c->top_other_count));
    else
        BUZZ_TRY(buzz_buf_append(b, "null", 4, err));
    BUZZ_TRY(key(b, "histogram", false, err));
    BUZZ_TRY(put_bins(b, c, err));
    BUZZ_TRY(key(b, "examples", false, err));
    BUZZ_TRY(put_examples(b, c, err));
    return buzz_buf_append(b, "\n    }", 6, err);
}

buzz_status buzz_profile_to_json(const buzz_profile *p, buzz_buf *b, buzz_error *err)
{
    BUZZ_TRY(buzz_buf_printf(b, err,
                             "{\n  \"version\": %d,\n  \"rows\": %lld,\n  \"column_count\": %zu,\n"
                             "  \"elapsed_ms\": %lld,\n  \"columns\": [",
                             p->version, (long long)p->rows, p->column_count,
                             (long long)p->elapsed_ms));
    for (size_t i = 0; i < p->column_count; i++) {
        BUZZ_TRY(buzz_buf_append(b, i ? ",\n" : "\n", i ? 2 : 1, err));
        BUZZ_TRY(put_column(b, &p->columns[i], err));
    }
    return buzz_buf_printf(b, err, "%s]\n}\n", p->column_count ? "\n  " : "");
}
