/* The ".csv" output: typed batches to canonical RFC 4180 text, through a 1 MiB buffer into an
 * atomic file. */
#include "csv_out.h"

#include <stdio.h>
#include <string.h>

#define FLUSH_BYTES (1u << 20)

struct buzz_csv_out {
    buzz_atomic_file file;
    buzz_buf buf;
    const buzz_schema *schema;
    int64_t bytes;
};

buzz_status buzz_csv_out_field(buzz_buf *b, const char *s, size_t len, char delim,
                               buzz_error *err)
{
    bool quote = len == 0 || s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
                 s[len - 1] == '\t';
    for (size_t i = 0; i < len && !quote; i++) {
        char c = s[i];
        quote = c == delim || c == '"' || c == '\r' || c == '\n';
    }
    if (!quote)
        return buzz_buf_append(b, s, len, err);
    BUZZ_TRY(buzz_buf_reserve(b, len + 2, err));
    BUZZ_TRY(buzz_buf_append_byte(b, '"', err));
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') {
            BUZZ_TRY(buzz_buf_append(b, s + start, i + 1 - start, err));
            BUZZ_TRY(buzz_buf_append_byte(b, '"', err));
            start = i + 1;
        }
    }
    BUZZ_TRY(buzz_buf_append(b, s + start, len - start, err));
    return buzz_buf_append_byte(b, '"', err);
}

static buzz_status flush(buzz_csv_out *w, buzz_error *err)
{
    if (w->buf.len == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_atomic_file_write(&w->file, w->buf.data, w->buf.len, err));
    w->bytes += (int64_t)w->buf.len;
    buzz_buf_reset(&w->buf);
    return BUZZ_OK;
}

buzz_status buzz_csv_out_open(buzz_csv_out **out, const char *path, const buzz_schema *schema,
                              buzz_error *err)
{
    *out = NULL;
    buzz_csv_out *w = buzz_calloc(1, sizeof *w);
    if (!w)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    w->file.fd = -1;
    w->schema = schema;
    buzz_buf_init(&w->buf, 0);
    buzz_status st = buzz_atomic_file_open(&w->file, path, err);
    bool first = true;
    for (size_t c = 0; st == BUZZ_OK && c < schema->column_count; c++) {
        const buzz_column_def *d = &schema->columns[c];
        if (!d->include)
            continue;
        if (!first)
            st = buzz_buf_append_byte(&w->buf, ',', err);
        first = false;
        if (st == BUZZ_OK)
            st = buzz_csv_out_field(&w->buf, d->name, strlen(d->name), ',', err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append(&w->buf, "\r\n", 2, err);
    if (st != BUZZ_OK) {
        buzz_csv_out_close(w);
        return st;
    }
    *out = w;
    return BUZZ_OK;
}

static buzz_status put_value(buzz_buf *b, const buzz_column_def *d, const buzz_typed_column *tc,
                             size_t r, buzz_error *err)
{
    if (!tc->is_valid[r])
        return BUZZ_OK;
    char tmp[64];
    size_t n;
    switch (tc->type) {
    case BUZZ_TYPE_VARCHAR:
        return buzz_csv_out_field(b, tc->chars + tc->offsets[r], tc->offsets[r + 1] - tc->offsets[r],
                                  ',', err);
    case BUZZ_TYPE_BOOLEAN:
        return ((const uint8_t *)tc->values)[r] ? buzz_buf_append(b, "true", 4, err)
                                                : buzz_buf_append(b, "false", 5, err);
    case BUZZ_TYPE_INT32: {
        int32_t v;
        memcpy(&v, (const char *)tc->values + r * 4, 4);
        n = (size_t)snprintf(tmp, sizeof tmp, "%d", (int)v);
        break;
    }
    case BUZZ_TYPE_DATE: {
        int32_t v;
        memcpy(&v, (const char *)tc->values + r * 4, 4);
        n = buzz_format_date(v, tmp);
        break;
    }
    case BUZZ_TYPE_DECIMAL: {
        buzz_i128 v;
        memcpy(&v, (const char *)tc->values + r * sizeof v, sizeof v);
        n = buzz_format_decimal(v, d->scale, tmp);
        break;
    }
    case BUZZ_TYPE_DOUBLE: {
        double v;
        memcpy(&v, (const char *)tc->values + r * 8, 8);
        n = buzz_format_double(v, tmp);
        break;
    }
    default: {
        int64_t v;
        memcpy(&v, (const char *)tc->values + r * 8, 8);
        if (tc->type == BUZZ_TYPE_INT64)
            n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v);
        else if (tc->type == BUZZ_TYPE_TIME)
            n = buzz_format_time(v, tmp);
        else
            n = buzz_format_timestamp(v, tc->type == BUZZ_TYPE_TIMESTAMP_TZ, tmp);
        break;
    }
    }
    return buzz_buf_append(b, tmp, n, err);
}

buzz_status buzz_csv_out_write(buzz_csv_out *w, const buzz_typed_batch *tb, buzz_error *err)
{
    const buzz_schema *s = w->schema;
    for (size_t r = 0; r < tb->row_count; r++) {
        bool first = true;
        for (size_t c = 0; c < s->column_count; c++) {
            if (!s->columns[c].include)
                continue;
            if (!first)
                BUZZ_TRY(buzz_buf_append_byte(&w->buf, ',', err));
            first = false;
            BUZZ_TRY(put_value(&w->buf, &s->columns[c], &tb->columns[c], r, err));
        }
        BUZZ_TRY(buzz_buf_append(&w->buf, "\r\n", 2, err));
        if (w->buf.len >= FLUSH_BYTES)
            BUZZ_TRY(flush(w, err));
    }
    return BUZZ_OK;
}

buzz_status buzz_csv_out_commit(buzz_csv_out *w, int64_t *out_bytes, buzz_error *err)
{
    BUZZ_TRY(flush(w, err));
    BUZZ_TRY(buzz_atomic_file_commit(&w->file, err));
    *out_bytes = w->bytes;
    return BUZZ_OK;
}

void buzz_csv_out_close(buzz_csv_out *w)
{
    if (!w)
        return;
    buzz_atomic_file_abort(&w->file);
    buzz_buf_free(&w->buf);
    buzz_free(w);
}
