/* query/export.c: streaming exports of a checked query (or a whole dataset) as CSV, JSON or
 * Parquet. Rows come chunk by chunk from a cursor (result.c) and leave through a sink at once:
 * memory holds one DuckDB chunk (2,048 rows) and 1 MiB of output, whatever the result's size.
 * COPY is never used: the sandboxed connection refuses it, and building COPY text around an
 * untrusted query would be string concatenation of SQL. Parquet goes through Buzz's own writer
 * (buzz/parquet.h): each chunk becomes a typed batch; column types map as query.h says. The
 * writer writes files (atomic, temp + rename), so a Parquet export to a callback is written to
 * the engine's private temp directory first and then streamed out. */
#include "query_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SINK_FLUSH_BYTES ((size_t)1 << 20)

typedef struct sink {
    buzz_query_write_fn write;
    void *user;
    buzz_buf buf;
} sink;

static buzz_status sink_flush(sink *s, buzz_error *err)
{
    if (s->buf.len == 0)
        return BUZZ_OK;
    buzz_status st = s->write(s->user, s->buf.data, s->buf.len, err);
    buzz_buf_reset(&s->buf);
    return st;
}

static buzz_status file_write(void *user, const void *data, size_t len, buzz_error *err)
{
    return buzz_atomic_file_write(user, data, len, err);
}

/* A field of CSV as `buzz convert` writes it: quoted when empty (so "" differs from NULL),
 * holding a comma, quote, CR or LF, or with a blank at either end. */
static buzz_status csv_field(buzz_buf *out, const char *p, size_t len, buzz_error *err)
{
    bool quote = len == 0 || p[0] == ' ' || p[0] == '\t' || p[len - 1] == ' ' ||
                 p[len - 1] == '\t';
    for (size_t i = 0; i < len && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
    if (!quote)
        return buzz_buf_append(out, p, len, err);
    BUZZ_TRY(buzz_buf_append_byte(out, '"', err));
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '"')
            continue;
        BUZZ_TRY(buzz_buf_append(out, p + run, i + 1 - run, err));
        BUZZ_TRY(buzz_buf_append_byte(out, '"', err));
        run = i + 1;
    }
    BUZZ_TRY(buzz_buf_append(out, p + run, len - run, err));
    return buzz_buf_append_byte(out, '"', err);
}

static buzz_status export_text(buzz_query_cursor *cur, buzz_query_format fmt, sink *s,
                               int64_t *out_rows, buzz_error *err)
{
    const buzz__qcolumns *cs = &cur->columns;
    buzz_buf cell;
    buzz_buf_init(&cell, 0);
    buzz_status st = BUZZ_OK;
    int64_t rows = 0;
    if (fmt == BUZZ_QUERY_FORMAT_CSV) {
        for (size_t c = 0; st == BUZZ_OK && c < cs->count; c++) {
            if (c)
                st = buzz_buf_append_byte(&s->buf, ',', err);
            if (st == BUZZ_OK)
                st = csv_field(&s->buf, cs->cols[c].name, strlen(cs->cols[c].name), err);
        }
        if (st == BUZZ_OK)
            st = buzz_buf_append(&s->buf, "\r\n", 2, err);
    } else {
        st = buzz_buf_append_byte(&s->buf, '[', err);
    }
    while (st == BUZZ_OK) {
        st = buzz__qcursor_next_chunk(cur, err);
        if (st || cur->is_done)
            break;
        for (idx_t r = 0; st == BUZZ_OK && r < cur->chunk_size; r++, rows++) {
            if (fmt == BUZZ_QUERY_FORMAT_JSON)
                st = buzz_buf_append(&s->buf, rows ? ",\n{" : "\n{", rows ? 3 : 2, err);
            for (size_t c = 0; st == BUZZ_OK && c < cs->count; c++) {
                duckdb_vector v = duckdb_data_chunk_get_vector(cur->chunk, c);
                const buzz__qplan *p = &cs->plans[c];
                if (fmt == BUZZ_QUERY_FORMAT_JSON) {
                    if (c)
                        st = buzz_buf_append_byte(&s->buf, ',', err);
                    if (st == BUZZ_OK)
                        st = buzz__json_string(&s->buf, cs->cols[c].name,
                                               strlen(cs->cols[c].name), err);
                    if (st == BUZZ_OK)
                        st = buzz_buf_append_byte(&s->buf, ':', err);
                    if (st == BUZZ_OK)
                        st = buzz__qrender_json(p, v, r, &s->buf, err);
                    continue;
                }
                if (c)
                    st = buzz_buf_append_byte(&s->buf, ',', err);
                if (st || !buzz__qvec_is_valid(v, r) || p->id == DUCKDB_TYPE_SQLNULL)
                    continue; /* NULL: an empty, unquoted field */
                buzz_buf_reset(&cell);
                st = buzz__qrender_text(p, v, r, false, &cell, err);
                if (st == BUZZ_OK)
                    st = csv_field(&s->buf, cell.data ? (const char *)cell.data : "", cell.len,
                                   err);
            }
            if (st == BUZZ_OK)
                st = fmt == BUZZ_QUERY_FORMAT_JSON ? buzz_buf_append_byte(&s->buf, '}', err)
                                                   : buzz_buf_append(&s->buf, "\r\n", 2, err);
            if (st == BUZZ_OK && s->buf.len >= SINK_FLUSH_BYTES)
                st = sink_flush(s, err);
        }
    }
    if (st == BUZZ_OK && fmt == BUZZ_QUERY_FORMAT_JSON)
        st = buzz_buf_append(&s->buf, rows ? "\n]\n" : "]\n", rows ? 3 : 2, err);
    if (st == BUZZ_OK)
        st = sink_flush(s, err);
    buzz_buf_free(&cell);
    *out_rows = rows;
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Parquet. */
static buzz_type parquet_type(const buzz__qplan *p, int *precision, int *scale)
{
    *precision = *scale = 0;
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN: return BUZZ_TYPE_BOOLEAN;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT: return BUZZ_TYPE_INT32;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER: return BUZZ_TYPE_INT64;
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT: *precision = 38; return BUZZ_TYPE_DECIMAL;
    case DUCKDB_TYPE_DECIMAL:
        *precision = p->width;
        *scale = p->scale;
        return BUZZ_TYPE_DECIMAL;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: return BUZZ_TYPE_DOUBLE;
    case DUCKDB_TYPE_DATE: return BUZZ_TYPE_DATE;
    case DUCKDB_TYPE_TIME: return BUZZ_TYPE_TIME;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: return BUZZ_TYPE_TIMESTAMP;
    case DUCKDB_TYPE_TIMESTAMP_TZ: return BUZZ_TYPE_TIMESTAMP_TZ;
    default: return BUZZ_TYPE_VARCHAR;
    }
}

static size_t value_width(buzz_type t)
{
    switch (t) {
    case BUZZ_TYPE_BOOLEAN: return 1;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_DATE: return 4;
    case BUZZ_TYPE_DECIMAL: return sizeof(buzz_i128);
    case BUZZ_TYPE_VARCHAR: return 0;
    default: return 8;
    }
}

typedef struct pq_state {
    buzz_schema schema;
    buzz_typed_batch tb;
    buzz_buf *chars; /* one per column (VARCHAR columns) */
    size_t rows_cap;
} pq_state;

static void pq_free(pq_state *ps)
{
    for (size_t c = 0; ps->tb.columns && c < ps->tb.column_count; c++) {
        buzz_free(ps->tb.columns[c].is_valid);
        buzz_free(ps->tb.columns[c].values);
        buzz_free(ps->tb.columns[c].offsets);
        buzz_buf_free(&ps->chars[c]);
    }
    buzz_free(ps->tb.columns);
    buzz_free(ps->chars);
    buzz_schema_free(&ps->schema);
    memset(ps, 0, sizeof *ps);
}

static buzz_status pq_init(pq_state *ps, const buzz__qcolumns *cs, buzz_error *err)
{
    memset(ps, 0, sizeof *ps);
    size_t n = cs->count;
    ps->rows_cap = duckdb_vector_size();
    BUZZ_TRY(buzz_schema_init_columns(&ps->schema, n, err));
    ps->schema.row_count = -1; /* no inference facts: every column OPTIONAL */
    buzz_str *names = buzz_calloc(n ? n : 1, sizeof *names);
    ps->tb.columns = buzz_calloc(n ? n : 1, sizeof *ps->tb.columns);
    ps->chars = buzz_calloc(n ? n : 1, sizeof *ps->chars);
    if (!names || !ps->tb.columns || !ps->chars) {
        buzz_free(names);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory starting a Parquet export");
    }
    ps->tb.column_count = n;
    for (size_t c = 0; c < n; c++) {
        names[c].ptr = cs->cols[c].name;
        names[c].len = strlen(cs->cols[c].name);
    }
    /* Parquet needs distinct column names: the schema's rule gives name_2, name_3, ... */
    buzz_status st = buzz_schema_set_names(&ps->schema, names, err);
    buzz_free(names);
    for (size_t c = 0; st == BUZZ_OK && c < n; c++) {
        buzz_column_def *d = &ps->schema.columns[c];
        d->type = parquet_type(&cs->plans[c], &d->precision, &d->scale);
        buzz_typed_column *tc = &ps->tb.columns[c];
        tc->type = d->type;
        size_t w = value_width(d->type);
        buzz_buf_init(&ps->chars[c], UINT32_MAX);
        tc->is_valid = buzz_malloc(ps->rows_cap);
        tc->values = w ? buzz_malloc(ps->rows_cap * w) : NULL;
        tc->offsets = w ? NULL : buzz_malloc((ps->rows_cap + 1) * sizeof(uint32_t));
        if (!tc->is_valid || (w && !tc->values) || (!w && !tc->offsets))
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory starting a Parquet export");
    }
    return st;
}

static buzz_status pq_cell(pq_state *ps, size_t c, const buzz__qplan *p, duckdb_vector v, idx_t r,
                           const char *col_name, buzz_error *err)
{
    buzz_typed_column *tc = &ps->tb.columns[c];
    bool valid = buzz__qvec_is_valid(v, r) && p->id != DUCKDB_TYPE_SQLNULL;
    tc->is_valid[r] = valid;
    size_t w = value_width(tc->type);
    if (w == 0) {
        if (valid)
            BUZZ_TRY(buzz__qrender_text(p, v, r, false, &ps->chars[c], err));
        tc->offsets[r + 1] = (uint32_t)ps->chars[c].len;
        return BUZZ_OK;
    }
    char *slot = (char *)tc->values + r * w;
    memset(slot, 0, w);
    if (!valid) {
        tc->null_count++;
        return BUZZ_OK;
    }
    buzz_query_value val;
    memset(&val, 0, sizeof val);
    buzz__qread_scalar(p, v, r, &val);
    switch (tc->type) {
    case BUZZ_TYPE_BOOLEAN:
        slot[0] = (char)val.v.b;
        break;
    case BUZZ_TYPE_INT32: {
        int32_t x = (int32_t)val.v.i64; /* only types that fit 32 bits map here */
        memcpy(slot, &x, 4);
        break;
    }
    case BUZZ_TYPE_DATE: {
        int32_t x = (int32_t)val.v.i64;
        memcpy(slot, &x, 4);
        break;
    }
    case BUZZ_TYPE_DECIMAL: {
        static const buzz_i128 limit = (buzz_i128)10000000000000000000ull *
                                       (buzz_i128)10000000000000000000ull; /* 10^38 */
        bool fits = p->id == DUCKDB_TYPE_DECIMAL ||
                    (val.has_i128 && val.v.i128 < limit && val.v.i128 > -limit);
        if (!fits) {
            buzz_buf t;
            buzz_buf_init(&t, 0);
            buzz_status st = buzz__qrender_text(p, v, r, false, &t, err);
            if (st == BUZZ_OK)
                st = buzz_buf_append_byte(&t, 0, err);
            if (st == BUZZ_OK)
                st = buzz_error_set(err, BUZZ_ERR_VALUE,
                                    "the value %.60s in column \"%.60s\" has more than 38 digits, "
                                    "more than Parquet's DECIMAL holds; cast it to VARCHAR or "
                                    "DOUBLE in the query",
                                    (const char *)t.data, col_name);
            buzz_buf_free(&t);
            return st;
        }
        memcpy(slot, &val.v.i128, sizeof val.v.i128);
        break;
    }
    case BUZZ_TYPE_DOUBLE:
        memcpy(slot, &val.v.f64, 8);
        break;
    default:
        memcpy(slot, &val.v.i64, 8);
        break;
    }
    return BUZZ_OK;
}

static buzz_status export_parquet_file(buzz_query_cursor *cur, const char *path,
                                       const buzz_parquet_options *po, int64_t *out_rows,
                                       buzz_error *err)
{
    pq_state ps;
    buzz_parquet_writer *w = NULL;
    buzz_parquet_options defaults;
    memset(&defaults, 0, sizeof defaults);
    buzz_status st = pq_init(&ps, &cur->columns, err);
    if (st == BUZZ_OK)
        st = buzz_parquet_writer_open(&w, path, &ps.schema, po ? po : &defaults, err);
    int64_t rows = 0;
    while (st == BUZZ_OK) {
        st = buzz__qcursor_next_chunk(cur, err);
        if (st || cur->is_done)
            break;
        idx_t n = cur->chunk_size;
        if (BUZZ_NEVER(n > ps.rows_cap)) {
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "a DuckDB chunk is larger than its "
                                                        "vector size");
            break;
        }
        ps.tb.row_count = n;
        ps.tb.first_row = rows;
        for (size_t c = 0; st == BUZZ_OK && c < ps.tb.column_count; c++) {
            buzz_typed_column *tc = &ps.tb.columns[c];
            tc->null_count = 0;
            buzz_buf_reset(&ps.chars[c]);
            if (tc->offsets)
                tc->offsets[0] = 0;
            duckdb_vector v = duckdb_data_chunk_get_vector(cur->chunk, c);
            for (idx_t r = 0; st == BUZZ_OK && r < n; r++)
                st = pq_cell(&ps, c, &cur->columns.plans[c], v, r, cur->columns.cols[c].name,
                             err);
            if (tc->offsets) {
                tc->chars = (char *)ps.chars[c].data;
                for (idx_t r = 0; r < n; r++)
                    tc->null_count += !tc->is_valid[r];
            }
        }
        if (st == BUZZ_OK)
            st = buzz_parquet_writer_write(w, &ps.tb, err);
        rows += (int64_t)n;
    }
    int64_t bytes = 0;
    if (st == BUZZ_OK)
        st = buzz_parquet_writer_commit(w, &bytes, err);
    buzz_parquet_writer_close(w); /* removes the temp file unless committed */
    pq_free(&ps);
    *out_rows = rows;
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Entry points. */
static buzz_status check_export_options(const buzz_query_export_options *opts,
                                        buzz_query_run_options *ro, buzz_error *err)
{
    memset(ro, 0, sizeof *ro);
    if (!opts)
        return BUZZ_OK;
    if ((unsigned)opts->format > BUZZ_QUERY_FORMAT_PARQUET)
        return buzz_error_set(err, BUZZ_ERR_ARG, "unknown export format %d", (int)opts->format);
    ro->timeout_ms = opts->timeout_ms;
    return BUZZ_OK;
}

buzz_status buzz_query_export_path(buzz_query_conn *c, const char *sql,
                                   const buzz_query_export_options *opts, const char *path,
                                   int64_t *out_rows, buzz_error *err)
{
    int64_t rows = 0;
    if (out_rows)
        *out_rows = 0;
    buzz_query_run_options ro;
    BUZZ_TRY(check_export_options(opts, &ro, err));
    buzz_query_format fmt = opts ? opts->format : BUZZ_QUERY_FORMAT_CSV;
    buzz_query_cursor *cur = NULL;
    BUZZ_TRY(buzz_query_cursor_open(c, sql, &ro, &cur, err));
    buzz_status st;
    if (fmt == BUZZ_QUERY_FORMAT_PARQUET) {
        st = export_parquet_file(cur, path, opts ? opts->parquet : NULL, &rows, err);
    } else {
        buzz_atomic_file f = {-1, NULL, NULL, false};
        sink s = {file_write, &f, {0}};
        buzz_buf_init(&s.buf, 0);
        st = buzz_atomic_file_open(&f, path, err);
        if (st == BUZZ_OK)
            st = export_text(cur, fmt, &s, &rows, err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_commit(&f, err);
        buzz_atomic_file_abort(&f);
        buzz_buf_free(&s.buf);
    }
    buzz_query_cursor_close(cur);
    if (st == BUZZ_OK && out_rows)
        *out_rows = rows;
    return st;
}

static atomic_uint export_counter;

/* Stream a finished file to the callback in 1 MiB reads. */
static buzz_status stream_file(const char *path, buzz_query_write_fn write, void *user,
                               buzz_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return buzz_error_set(err, BUZZ_ERR_IO, "cannot reopen the Parquet export: %s",
                              strerror(errno));
    uint8_t *chunk = buzz_malloc(SINK_FLUSH_BYTES);
    buzz_status st = chunk ? BUZZ_OK
                           : buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory streaming Parquet");
    while (st == BUZZ_OK) {
        size_t got = 0;
        st = buzz_read_full(fd, chunk, SINK_FLUSH_BYTES, &got, path, err);
        if (st || got == 0)
            break;
        st = write(user, chunk, got, err);
    }
    buzz_free(chunk);
    close(fd);
    return st;
}

buzz_status buzz_query_export_write(buzz_query_conn *c, const char *sql,
                                    const buzz_query_export_options *opts,
                                    buzz_query_write_fn write, void *user, int64_t *out_rows,
                                    buzz_error *err)
{
    int64_t rows = 0;
    if (out_rows)
        *out_rows = 0;
    buzz_query_run_options ro;
    BUZZ_TRY(check_export_options(opts, &ro, err));
    buzz_query_format fmt = opts ? opts->format : BUZZ_QUERY_FORMAT_CSV;
    const char *tmp_dir = c->engine->temp_dir;
    if (fmt == BUZZ_QUERY_FORMAT_PARQUET && !tmp_dir)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "a Parquet export to a callback needs the engine's temp_directory");
    buzz_query_cursor *cur = NULL;
    BUZZ_TRY(buzz_query_cursor_open(c, sql, &ro, &cur, err));
    buzz_status st;
    if (fmt == BUZZ_QUERY_FORMAT_PARQUET) {
        char path[4200];
        snprintf(path, sizeof path, "%s/export-%ld-%u.parquet", tmp_dir, (long)getpid(),
                 atomic_fetch_add(&export_counter, 1));
        st = export_parquet_file(cur, path, opts->parquet, &rows, err);
        if (st == BUZZ_OK)
            st = stream_file(path, write, user, err);
        unlink(path);
    } else {
        sink s = {write, user, {0}};
        buzz_buf_init(&s.buf, 0);
        st = export_text(cur, fmt, &s, &rows, err);
        buzz_buf_free(&s.buf);
    }
    buzz_query_cursor_close(cur);
    if (st == BUZZ_OK && out_rows)
        *out_rows = rows;
    return st;
}

buzz_status buzz_query_export_dataset(buzz_query_conn *c, size_t dataset,
                                      const buzz_query_export_options *opts, const char *path,
                                      int64_t *out_rows, buzz_error *err)
{
    if (dataset >= c->engine->table_count)
        return buzz_error_set(err, BUZZ_ERR_ARG, "no dataset %zu (the engine has %zu)", dataset,
                              c->engine->table_count);
    buzz_buf sql;
    buzz_buf_init(&sql, 0);
    buzz_status st = buzz_buf_printf(&sql, err, "SELECT * FROM ");
    if (st == BUZZ_OK)
        st = buzz_query_quote_ident(&sql, c->engine->table_names[dataset], err);
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(&sql, 0, err);
    if (st == BUZZ_OK)
        st = buzz_query_export_path(c, (const char *)sql.data, opts, path, out_rows, err);
    buzz_buf_free(&sql);
    return st;
}

buzz_status buzz_query_result_format(const buzz_query_result *r, buzz_query_format fmt,
                                     buzz_buf *b, buzz_error *err)
{
    size_t ncol = buzz_query_result_column_count(r);
    if (fmt == BUZZ_QUERY_FORMAT_PARQUET)
        return buzz_error_set(err, BUZZ_ERR_ARG, "a held result is formatted as CSV or JSON only");
    if (fmt == BUZZ_QUERY_FORMAT_CSV) {
        for (size_t c = 0; c < ncol; c++) {
            const char *name = buzz_query_result_column(r, c)->name;
            if (c)
                BUZZ_TRY(buzz_buf_append_byte(b, ',', err));
            BUZZ_TRY(csv_field(b, name, strlen(name), err));
        }
        BUZZ_TRY(buzz_buf_append(b, "\r\n", 2, err));
    } else {
        BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
    }
    size_t rows = buzz_query_result_row_count(r);
    for (size_t row = 0; row < rows; row++) {
        if (fmt == BUZZ_QUERY_FORMAT_JSON)
            BUZZ_TRY(buzz_buf_append(b, row ? ",\n{" : "\n{", row ? 3 : 2, err));
        for (size_t c = 0; c < ncol; c++) {
            if (c)
                BUZZ_TRY(buzz_buf_append_byte(b, ',', err));
            if (fmt == BUZZ_QUERY_FORMAT_JSON) {
                const char *name = buzz_query_result_column(r, c)->name;
                BUZZ_TRY(buzz__json_string(b, name, strlen(name), err));
                BUZZ_TRY(buzz_buf_append_byte(b, ':', err));
                BUZZ_TRY(buzz_query_result_append_json(r, row, c, b, err));
            } else if (!buzz_query_result_is_null(r, row, c)) {
                buzz_str t = buzz_query_result_text(r, row, c);
                BUZZ_TRY(csv_field(b, t.ptr, t.len, err));
            }
        }
        if (fmt == BUZZ_QUERY_FORMAT_JSON)
            BUZZ_TRY(buzz_buf_append_byte(b, '}', err));
        else
            BUZZ_TRY(buzz_buf_append(b, "\r\n", 2, err));
    }
    if (fmt == BUZZ_QUERY_FORMAT_JSON)
        BUZZ_TRY(buzz_buf_append(b, rows ? "\n]\n" : "]\n", rows ? 3 : 2, err));
    return BUZZ_OK;
}
