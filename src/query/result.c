/* query/result.c: running a checked query and holding its rows. A cursor owns DuckDB's streaming
 * result (duckdb_execute_prepared_streaming + duckdb_fetch_chunk), so a page continues where the
 * previous one stopped and nothing is ever computed twice; every call that makes DuckDB work runs
 * under the engine's watchdog with what is left of the query's time budget. A result page is an
 * owned copy (cells row-major, their text in one bounded buffer), independent of DuckDB's chunks,
 * so it outlives the cursor and the connection. buzz_query_run is a cursor that keeps the first
 * page and counts the rest. */
#include "query_internal.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Columns. */
static void columns_free(buzz__qcolumns *cs)
{
    for (size_t i = 0; cs->plans && i < cs->count; i++)
        buzz__qplan_free(&cs->plans[i]);
    buzz_free(cs->plans);
    buzz_free(cs->cols);
    buzz_buf_free(&cs->text);
    memset(cs, 0, sizeof *cs);
}

static buzz_status columns_from_result(buzz__qcolumns *cs, duckdb_result *res, buzz_error *err)
{
    memset(cs, 0, sizeof *cs);
    buzz_buf_init(&cs->text, 0);
    size_t n = (size_t)duckdb_column_count(res);
    cs->cols = buzz_calloc(n ? n : 1, sizeof *cs->cols);
    cs->plans = buzz_calloc(n ? n : 1, sizeof *cs->plans);
    size_t *offs = buzz_calloc(n ? 2 * n : 1, sizeof *offs);
    buzz_status st = BUZZ_OK;
    if (!cs->cols || !cs->plans || !offs)
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the result's columns");
    cs->count = st == BUZZ_OK ? n : 0;
    for (size_t i = 0; st == BUZZ_OK && i < n; i++) {
        duckdb_logical_type t = duckdb_column_logical_type(res, i);
        st = buzz__qplan_build(&cs->plans[i], t, err);
        duckdb_destroy_logical_type(&t);
        const char *name = duckdb_column_name(res, i);
        offs[2 * i] = cs->text.len;
        if (st == BUZZ_OK)
            st = buzz_buf_append(&cs->text, name ? name : "", name ? strlen(name) + 1 : 1, err);
        offs[2 * i + 1] = cs->text.len;
        if (st == BUZZ_OK)
            st = buzz__qplan_type_name(&cs->plans[i], &cs->text, err);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(&cs->text, 0, err);
        buzz__qplan *p = &cs->plans[i];
        cs->cols[i].type = buzz__qplan_query_type(p);
        cs->cols[i].precision = p->id == DUCKDB_TYPE_DECIMAL ? p->width : 0;
        cs->cols[i].scale = p->id == DUCKDB_TYPE_DECIMAL ? p->scale : 0;
    }
    for (size_t i = 0; st == BUZZ_OK && i < n; i++) {
        cs->cols[i].name = (const char *)cs->text.data + offs[2 * i];
        cs->cols[i].type_name = (const char *)cs->text.data + offs[2 * i + 1];
    }
    buzz_free(offs);
    return st;
}

/* Copy names and types (not the plans) for a result that outlives its cursor. */
static buzz_status columns_copy(buzz__qcolumns *dst, const buzz__qcolumns *src, buzz_error *err)
{
    memset(dst, 0, sizeof *dst);
    buzz_buf_init(&dst->text, 0);
    size_t n = src->count;
    dst->cols = buzz_calloc(n ? n : 1, sizeof *dst->cols);
    size_t *offs = buzz_calloc(n ? 2 * n : 1, sizeof *offs);
    buzz_status st = BUZZ_OK;
    if (!dst->cols || !offs)
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory copying the result's columns");
    dst->count = st == BUZZ_OK ? n : 0;
    for (size_t i = 0; st == BUZZ_OK && i < n; i++) {
        dst->cols[i] = src->cols[i];
        offs[2 * i] = dst->text.len;
        st = buzz_buf_append(&dst->text, src->cols[i].name, strlen(src->cols[i].name) + 1, err);
        offs[2 * i + 1] = dst->text.len;
        if (st == BUZZ_OK)
            st = buzz_buf_append(&dst->text, src->cols[i].type_name,
                                 strlen(src->cols[i].type_name) + 1, err);
    }
    /* Pointers only once the buffer stopped growing. */
    for (size_t i = 0; st == BUZZ_OK && i < n; i++) {
        dst->cols[i].name = (const char *)dst->text.data + offs[2 * i];
        dst->cols[i].type_name = (const char *)dst->text.data + offs[2 * i + 1];
    }
    buzz_free(offs);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Cursors. */
static buzz_status fail_cursor(buzz_query_cursor *cur, buzz_status st)
{
    cur->is_failed = true;
    return st;
}

buzz_status buzz_query_cursor_open(buzz_query_conn *c, const char *sql,
                                   const buzz_query_run_options *opts, buzz_query_cursor **out,
                                   buzz_error *err)
{
    *out = NULL;
    if (c->cursor)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "this connection has an open cursor; close it before the next query");
    int64_t timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : c->engine->opts.timeout_ms;
    if (timeout_ms < 0 || timeout_ms > 86400000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "the timeout must be between 1 ms and a day, got %lld ms",
                              (long long)timeout_ms);
    buzz_query_cursor *cur = buzz_calloc(1, sizeof *cur);
    if (!cur)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory starting a query");
    cur->conn = c;
    cur->timeout_ms = timeout_ms;
    cur->budget_ns = timeout_ms * 1000000;
    int64_t t0 = buzz_now_ns();
    buzz__qconn_arm(c, cur->budget_ns);
    buzz_status st = buzz__qsandbox_prepare(c, sql, &cur->prep, err);
    if (st == BUZZ_OK) {
        if (duckdb_execute_prepared_streaming(cur->prep, &cur->res) != DuckDBSuccess)
            st = buzz__qerror(err, BUZZ_OK, timeout_ms, duckdb_result_error_type(&cur->res),
                              duckdb_result_error(&cur->res), c->engine->opts.memory_limit_bytes);
        cur->has_res = true; /* destroyed in close, failed or not */
    }
    buzz_status why = buzz__qconn_disarm(c);
    int64_t spent = buzz_now_ns() - t0;
    cur->elapsed_ns += spent;
    cur->budget_ns -= spent;
    if (why != BUZZ_OK) /* stopped, even if DuckDB finished first: the budget is gone */
        st = buzz__qerror(err, why, timeout_ms, DUCKDB_ERROR_INVALID, NULL, 0);
    if (st == BUZZ_OK)
        st = columns_from_result(&cur->columns, &cur->res, err);
    if (st != BUZZ_OK) {
        buzz_query_cursor_close(cur);
        return st;
    }
    c->cursor = cur;
    *out = cur;
    return BUZZ_OK;
}

buzz_status buzz__qcursor_next_chunk(buzz_query_cursor *cur, buzz_error *err)
{
    if (cur->chunk)
        duckdb_destroy_data_chunk(&cur->chunk);
    cur->chunk = NULL;
    cur->chunk_pos = cur->chunk_size = 0;
    if (cur->is_done)
        return BUZZ_OK;
    if (cur->budget_ns <= 0) {
        cur->is_timed_out = true;
        return fail_cursor(cur, buzz__qerror(err, BUZZ_ERR_LIMIT, cur->timeout_ms,
                                             DUCKDB_ERROR_INVALID, NULL, 0));
    }
    buzz_query_conn *c = cur->conn;
    int64_t t0 = buzz_now_ns();
    buzz__qconn_arm(c, cur->budget_ns);
    duckdb_data_chunk ch = duckdb_fetch_chunk(cur->res);
    buzz_status why = buzz__qconn_disarm(c);
    int64_t spent = buzz_now_ns() - t0;
    cur->elapsed_ns += spent;
    cur->budget_ns -= spent;
    const char *msg = ch ? NULL : duckdb_result_error(&cur->res);
    if (why != BUZZ_OK || msg) {
        if (ch)
            duckdb_destroy_data_chunk(&ch);
        cur->is_timed_out = why == BUZZ_ERR_LIMIT;
        return fail_cursor(cur, buzz__qerror(err, why, cur->timeout_ms,
                                             duckdb_result_error_type(&cur->res), msg,
                                             c->engine->opts.memory_limit_bytes));
    }
    if (!ch) {
        cur->is_done = true;
        return BUZZ_OK;
    }
    cur->chunk = ch;
    cur->chunk_size = duckdb_data_chunk_get_size(ch);
    return BUZZ_OK;
}

/* Make sure rows are available (or the end is known). */
static buzz_status ensure_rows(buzz_query_cursor *cur, buzz_error *err)
{
    while (!cur->is_done && cur->chunk_pos >= cur->chunk_size) {
        buzz_status st = buzz__qcursor_next_chunk(cur, err);
        if (st)
            return st;
    }
    return BUZZ_OK;
}

static buzz_status result_new(buzz_query_cursor *cur, buzz_query_result **out, buzz_error *err)
{
    buzz_query_result *r = buzz_calloc(1, sizeof *r);
    if (!r)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory holding a result");
    buzz_buf_init(&r->text, cur->conn->engine->opts.max_result_bytes);
    buzz_status st = columns_copy(&r->columns, &cur->columns, err);
    if (st) {
        buzz_query_result_free(r);
        return st;
    }
    r->first_row = cur->position;
    r->total_rows = -1;
    *out = r;
    return BUZZ_OK;
}

static buzz_status add_row(buzz_query_result *r, buzz_query_cursor *cur, buzz_error *err)
{
    size_t ncol = cur->columns.count;
    if (r->row_count == r->row_cap) {
        size_t cap = r->row_cap ? r->row_cap * 2 : 64;
        size_t bytes;
        if (__builtin_mul_overflow(cap, (ncol ? ncol : 1) * sizeof(buzz__qcell), &bytes))
            return buzz_error_set(err, BUZZ_ERR_LIMIT, "the result is too large to hold");
        buzz__qcell *cells = buzz_realloc(r->cells, bytes);
        if (!cells)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory holding a result");
        r->cells = cells;
        r->row_cap = cap;
    }
    buzz__qcell *row = r->cells + r->row_count * ncol;
    idx_t i = cur->chunk_pos;
    for (size_t col = 0; col < ncol; col++) {
        const buzz__qplan *p = &cur->columns.plans[col];
        duckdb_vector v = duckdb_data_chunk_get_vector(cur->chunk, col);
        buzz__qcell *cell = &row[col];
        memset(cell, 0, sizeof *cell);
        cell->off = r->text.len;
        if (!buzz__qvec_is_valid(v, i) || p->id == DUCKDB_TYPE_SQLNULL) {
            cell->is_null = true;
            continue;
        }
        buzz_query_value val;
        memset(&val, 0, sizeof val);
        buzz__qread_scalar(p, v, i, &val);
        cell->has_i128 = val.has_i128;
        memcpy(&cell->v, &val.v, sizeof cell->v);
        buzz_status st = buzz__qrender_text(p, v, i, false, &r->text, err);
        size_t text_end = r->text.len;
        if (st == BUZZ_OK && buzz__qplan_query_type(p) == BUZZ_QUERY_OTHER)
            st = buzz__qrender_json(p, v, i, &r->text, err);
        if (st == BUZZ_ERR_LIMIT)
            return buzz_error_set(err, BUZZ_ERR_LIMIT,
                                  "the result holds more than %zu MiB of text, the limit for a "
                                  "returned result; ask for fewer rows or columns, or export it",
                                  cur->conn->engine->opts.max_result_bytes >> 20);
        if (st)
            return st;
        cell->len = (uint32_t)(text_end - cell->off);
        cell->json_len = (uint32_t)(r->text.len - text_end);
    }
    r->row_count++;
    cur->chunk_pos++;
    cur->position++;
    return BUZZ_OK;
}

buzz_status buzz_query_cursor_fetch(buzz_query_cursor *cur, int64_t max_rows,
                                    buzz_query_result **out, buzz_error *err)
{
    *out = NULL;
    if (cur->is_failed)
        return buzz_error_set(err, BUZZ_ERR_ARG, "the cursor failed earlier; close it");
    if (max_rows == 0)
        max_rows = cur->conn->engine->opts.max_rows;
    if (max_rows < 0 || max_rows > 100000000)
        return buzz_error_set(err, BUZZ_ERR_ARG, "max_rows must be between 1 and 100000000");
    buzz_query_result *r = NULL;
    int64_t t0 = cur->elapsed_ns;
    buzz_status st = result_new(cur, &r, err);
    while (st == BUZZ_OK && (int64_t)r->row_count < max_rows) {
        st = ensure_rows(cur, err);
        if (st || cur->is_done)
            break;
        st = add_row(r, cur, err);
    }
    /* Look one chunk ahead, so a page that ends exactly at the end says so. */
    if (st == BUZZ_OK)
        st = ensure_rows(cur, err);
    if (st != BUZZ_OK) {
        cur->is_failed = true;
        buzz_query_result_free(r);
        return st;
    }
    r->is_truncated = !cur->is_done;
    r->total_rows = cur->is_done ? cur->position : -1;
    r->elapsed_ms = (cur->elapsed_ns - t0) / 1000000;
    *out = r;
    return BUZZ_OK;
}

buzz_status buzz_query_cursor_skip(buzz_query_cursor *cur, int64_t rows, int64_t *out_skipped,
                                   buzz_error *err)
{
    int64_t skipped = 0;
    if (out_skipped)
        *out_skipped = 0;
    if (cur->is_failed)
        return buzz_error_set(err, BUZZ_ERR_ARG, "the cursor failed earlier; close it");
    while (skipped < rows) {
        buzz_status st = ensure_rows(cur, err);
        if (st)
            return st;
        if (cur->is_done)
            break;
        idx_t avail = cur->chunk_size - cur->chunk_pos;
        idx_t take = (int64_t)avail < rows - skipped ? avail : (idx_t)(rows - skipped);
        cur->chunk_pos += take;
        cur->position += (int64_t)take;
        skipped += (int64_t)take;
    }
    if (out_skipped)
        *out_skipped = skipped;
    return BUZZ_OK;
}

int64_t buzz_query_cursor_position(const buzz_query_cursor *cur)
{
    return cur->position;
}

bool buzz_query_cursor_is_done(const buzz_query_cursor *cur)
{
    return cur->is_done && cur->chunk_pos >= cur->chunk_size;
}

size_t buzz_query_cursor_column_count(const buzz_query_cursor *cur)
{
    return cur->columns.count;
}

const buzz_query_column *buzz_query_cursor_column(const buzz_query_cursor *cur, size_t col)
{
    return col < cur->columns.count ? &cur->columns.cols[col] : NULL;
}

void buzz_query_cursor_close(buzz_query_cursor *cur)
{
    if (!cur)
        return;
    if (cur->chunk)
        duckdb_destroy_data_chunk(&cur->chunk);
    if (cur->has_res)
        duckdb_destroy_result(&cur->res);
    duckdb_destroy_prepare(&cur->prep);
    columns_free(&cur->columns);
    if (cur->conn->cursor == cur)
        cur->conn->cursor = NULL;
    buzz_free(cur);
}

/* ---------------------------------------------------------------------------------------------
 * One-shot runs. */
buzz_status buzz_query_run(buzz_query_conn *c, const char *sql, const buzz_query_run_options *opts,
                           buzz_query_result **out, buzz_error *err)
{
    *out = NULL;
    buzz_query_cursor *cur = NULL;
    buzz_status st = buzz_query_cursor_open(c, sql, opts, &cur, err);
    if (st)
        return st;
    int64_t max_rows = opts && opts->max_rows ? opts->max_rows : c->engine->opts.max_rows;
    buzz_query_result *r = NULL;
    st = buzz_query_cursor_fetch(cur, max_rows, &r, err);
    if (st == BUZZ_OK && !cur->is_done && !(opts && opts->skip_count)) {
        /* Count the rest without keeping it. Running out of time here still returns the page
         * (total unknown); a cancel or a failure is the query's failure. */
        buzz_error count_err;
        int64_t ignored;
        buzz_status cs = buzz_query_cursor_skip(cur, INT64_MAX, &ignored, &count_err);
        if (cs == BUZZ_OK) {
            r->total_rows = cur->position;
            r->is_truncated = r->total_rows > (int64_t)r->row_count;
        } else if (!cur->is_timed_out) {
            if (err)
                *err = count_err;
            st = cs;
        }
    }
    if (r)
        r->elapsed_ms = cur->elapsed_ns / 1000000;
    buzz_query_cursor_close(cur);
    if (st != BUZZ_OK) {
        buzz_query_result_free(r);
        return st;
    }
    *out = r;
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Result access. */
void buzz_query_result_free(buzz_query_result *r)
{
    if (!r)
        return;
    columns_free(&r->columns);
    buzz_free(r->cells);
    buzz_buf_free(&r->text);
    buzz_free(r);
}

size_t buzz_query_result_column_count(const buzz_query_result *r)
{
    return r->columns.count;
}

const buzz_query_column *buzz_query_result_column(const buzz_query_result *r, size_t col)
{
    return col < r->columns.count ? &r->columns.cols[col] : NULL;
}

size_t buzz_query_result_row_count(const buzz_query_result *r)
{
    return r->row_count;
}

int64_t buzz_query_result_first_row(const buzz_query_result *r)
{
    return r->first_row;
}

int64_t buzz_query_result_total_rows(const buzz_query_result *r)
{
    return r->total_rows;
}

bool buzz_query_result_is_truncated(const buzz_query_result *r)
{
    return r->is_truncated;
}

int64_t buzz_query_result_elapsed_ms(const buzz_query_result *r)
{
    return r->elapsed_ms;
}

static const buzz__qcell *cell_at(const buzz_query_result *r, size_t row, size_t col)
{
    BUZZ_ASSERT(row < r->row_count && col < r->columns.count);
    return &r->cells[row * r->columns.count + col];
}

bool buzz_query_result_is_null(const buzz_query_result *r, size_t row, size_t col)
{
    return cell_at(r, row, col)->is_null;
}

buzz_str buzz_query_result_text(const buzz_query_result *r, size_t row, size_t col)
{
    const buzz__qcell *c = cell_at(r, row, col);
    buzz_str s = {NULL, 0};
    if (c->is_null)
        return s;
    s.ptr = r->text.data ? (const char *)r->text.data + c->off : "";
    s.len = c->len;
    return s;
}

void buzz_query_result_value(const buzz_query_result *r, size_t row, size_t col,
                             buzz_query_value *out)
{
    const buzz__qcell *c = cell_at(r, row, col);
    memset(out, 0, sizeof *out);
    out->type = r->columns.cols[col].type;
    out->is_null = c->is_null;
    if (c->is_null)
        return;
    out->has_i128 = c->has_i128;
    memcpy(&out->v, &c->v, sizeof out->v);
    out->text = buzz_query_result_text(r, row, col);
}

buzz_status buzz_query_result_append_json(const buzz_query_result *r, size_t row, size_t col,
                                          buzz_buf *b, buzz_error *err)
{
    const buzz__qcell *c = cell_at(r, row, col);
    if (c->is_null)
        return buzz_buf_append(b, "null", 4, err);
    buzz_str t = buzz_query_result_text(r, row, col);
    switch (r->columns.cols[col].type) {
    case BUZZ_QUERY_BOOLEAN:
    case BUZZ_QUERY_INTEGER:
    case BUZZ_QUERY_HUGEINT:
    case BUZZ_QUERY_DECIMAL:
        return buzz_buf_append(b, t.ptr, t.len, err);
    case BUZZ_QUERY_DOUBLE:
        if (c->v.f64 != c->v.f64)
            return buzz_buf_append(b, "\"NaN\"", 5, err);
        if (c->v.f64 > 1.7976931348623157e308 || c->v.f64 < -1.7976931348623157e308)
            return buzz_buf_printf(b, err, "\"%sInfinity\"", c->v.f64 < 0 ? "-" : "");
        return buzz_buf_append(b, t.ptr, t.len, err);
    case BUZZ_QUERY_OTHER:
        return buzz_buf_append(b, r->text.data + c->off + c->len, c->json_len, err);
    case BUZZ_QUERY_TIMESTAMP:
    case BUZZ_QUERY_TIMESTAMP_TZ: {
        /* ISO 8601: 'T' between date and time, 'Z' for UTC ("2024-01-12T08:00:00Z"). */
        char iso[96];
        size_t n = t.len < sizeof iso - 2 ? t.len : sizeof iso - 2;
        memcpy(iso, t.ptr, n);
        if (n > 10 && iso[10] == ' ' && iso[4] == '-')
            iso[10] = 'T';
        if (r->columns.cols[col].type == BUZZ_QUERY_TIMESTAMP_TZ && n > 3 &&
            memcmp(iso + n - 3, "+00", 3) == 0) {
            n -= 3;
            iso[n++] = 'Z';
        }
        return buzz__json_string(b, iso, n, err);
    }
    default:
        return buzz__json_string(b, t.ptr, t.len, err);
    }
}
