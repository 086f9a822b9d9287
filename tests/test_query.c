/* tests/test_query.c: the query library (buzz/query.h). Every value's text equals DuckDB's own cast
 * to VARCHAR run directly (unsandboxed, same version) for scalar and nested types; typed access
 * and JSON; legitimate queries over datasets made by `buzz convert` (aggregates, windows, CTEs,
 * ILIKE, regexp, dates, a join of two datasets) equal DuckDB reading the same files; paging with
 * a cursor equals one run; exports (CSV, JSON, Parquet; to a path and to a callback) read back
 * equal; cancellation from another thread, the timeout, connections used on two threads at once;
 * the sandbox's refusals as statuses with their reasons; option and path validation; naming and
 * quoting; and an allocation-failure sweep over open + run + export. The end-to-end hostile suite
 * (80+ cases, canaries, no new files) is tests/e2e/query.sh. */
#include "test_support.h"

#include "buzz/query.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <duckdb.h>

/* ---------------------------------------------------------------------------------------------
 * Datasets. */
static void make_parquet(const char *name, const char *csv, char *out_path, size_t cap)
{
    char csv_path[600], cmd[2000];
    test_path(csv_path, sizeof csv_path, name);
    strncat(csv_path, ".csv", sizeof csv_path - strlen(csv_path) - 1);
    test_write_file(csv_path, csv, strlen(csv));
    test_path(out_path, cap, name);
    strncat(out_path, ".parquet", cap - strlen(out_path) - 1);
    const char *bin = getenv("BUZZ_BIN");
    if (bin && *bin) {
        snprintf(cmd, sizeof cmd, "'%s' convert '%s' -o '%s' -q", bin, csv_path, out_path);
        assert_int_equal(system(cmd), 0);
        return;
    }
    /* Without the CLI (a direct run of this binary), DuckDB writes the file. */
    duckdb_database db;
    duckdb_connection con;
    duckdb_result r;
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    snprintf(cmd, sizeof cmd, "COPY (FROM read_csv('%s')) TO '%s' (FORMAT parquet)", csv_path,
             out_path);
    assert_int_equal(duckdb_query(con, cmd, &r), DuckDBSuccess);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&con);
    duckdb_close(&db);
}

static char sales_path[600], regions_path[600];

static const char *sales_csv = "id,region,product,units,price,day,stamp\n"
                               "1,North,Apple,10,1.50,2024-01-05,2024-01-05T10:00:00\n"
                               "2,South,Banana,5,0.25,2024-01-06,2024-01-06T11:30:00\n"
                               "3,North,Cherry,7,3.00,2024-02-10,2024-02-10T08:15:30\n"
                               "4,East,apple pie,2,12.75,2024-02-11,2024-02-11T23:59:59\n"
                               "5,South,Apple,12,1.50,2024-03-01,2024-03-01T00:00:01\n"
                               "6,West,\"Date, dried\",,4.10,2024-03-15,\n";
static const char *regions_csv = "region,manager\nNorth,Ada\nSouth,Brian\nEast,Chen\n";

static int setup_datasets(void **state)
{
    (void)state;
    make_parquet("sales", sales_csv, sales_path, sizeof sales_path);
    make_parquet("regions", regions_csv, regions_path, sizeof regions_path);
    return 0;
}

static buzz_query_engine *open_engine(const buzz_query_options *o)
{
    buzz_query_dataset ds[2] = {{"sales", sales_path}, {"regions", regions_path}};
    buzz_query_options opts;
    memset(&opts, 0, sizeof opts);
    if (o)
        opts = *o;
    opts.threads = opts.threads ? opts.threads : 2;
    opts.data_alias = 1;
    buzz_query_engine *e = NULL;
    buzz_error err;
    if (buzz_query_engine_open(&e, ds, 2, &opts, &err) != BUZZ_OK)
        fail_msg("engine open: %s", err.message);
    return e;
}

/* DuckDB run directly: every cell as DuckDB's VARCHAR, rows joined with '\n', cells with '|',
 * NULL as "NULL". sql may use read_parquet on the files. */
static char *direct_text(const char *sql)
{
    duckdb_database db;
    duckdb_connection con;
    duckdb_result r;
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    assert_int_equal(duckdb_query(con, "SET TimeZone = 'UTC'", &r), DuckDBSuccess);
    duckdb_destroy_result(&r);
    size_t cap = strlen(sql) + 64;
    char *q = malloc(cap);
    snprintf(q, cap, "SELECT COLUMNS(*)::VARCHAR FROM (%s)", sql);
    if (duckdb_query(con, q, &r) != DuckDBSuccess)
        fail_msg("direct %s: %s", sql, duckdb_result_error(&r));
    free(q);
    buzz_buf b;
    buzz_buf_init(&b, 0);
    for (idx_t row = 0; row < duckdb_row_count(&r); row++) {
        for (idx_t c = 0; c < duckdb_column_count(&r); c++) {
            char *v = duckdb_value_varchar(&r, c, row);
            assert_int_equal(buzz_buf_printf(&b, NULL, "%s%s", c ? "|" : "", v ? v : "NULL"),
                             BUZZ_OK);
            duckdb_free(v);
        }
        assert_int_equal(buzz_buf_append_byte(&b, '\n', NULL), BUZZ_OK);
    }
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    duckdb_destroy_result(&r);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    char *out = strdup((const char *)b.data);
    buzz_buf_free(&b);
    return out;
}

static char *result_text(const buzz_query_result *r)
{
    buzz_buf b;
    buzz_buf_init(&b, 0);
    for (size_t row = 0; row < buzz_query_result_row_count(r); row++) {
        for (size_t c = 0; c < buzz_query_result_column_count(r); c++) {
            buzz_str t = buzz_query_result_text(r, row, c);
            if (c)
                assert_int_equal(buzz_buf_append_byte(&b, '|', NULL), BUZZ_OK);
            if (buzz_query_result_is_null(r, row, c))
                assert_int_equal(buzz_buf_append(&b, "NULL", 4, NULL), BUZZ_OK);
            else
                assert_int_equal(buzz_buf_append(&b, t.ptr, t.len, NULL), BUZZ_OK);
        }
        assert_int_equal(buzz_buf_append_byte(&b, '\n', NULL), BUZZ_OK);
    }
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    char *out = strdup((const char *)b.data);
    buzz_buf_free(&b);
    return out;
}

static void text_is(const buzz_query_result *r, size_t row, size_t col, const char *want)
{
    buzz_str t = buzz_query_result_text(r, row, col);
    if (t.len != strlen(want) || memcmp(t.ptr, want, t.len) != 0)
        fail_msg("cell (%zu, %zu) is \"%.*s\", want \"%s\"", row, col, (int)t.len,
                 t.ptr ? t.ptr : "", want);
}

static buzz_query_result *run_ok(buzz_query_conn *c, const char *sql)
{
    buzz_query_result *r = NULL;
    buzz_error err;
    if (buzz_query_run(c, sql, NULL, &r, &err) != BUZZ_OK)
        fail_msg("%s: %s", sql, err.message);
    return r;
}

/* Replace "FROM data"/"JOIN regions"-style names by read_parquet of the files for DuckDB. */
static char *direct_sql(const char *sql)
{
    buzz_buf b;
    buzz_buf_init(&b, 0);
    for (const char *p = sql; *p;) {
        if (strncmp(p, "@sales", 6) == 0 || strncmp(p, "@regions", 8) == 0) {
            bool s = p[1] == 's';
            assert_int_equal(buzz_buf_printf(&b, NULL, "read_parquet('%s')",
                                             s ? sales_path : regions_path),
                             BUZZ_OK);
            p += s ? 6 : 8;
        } else {
            assert_int_equal(buzz_buf_append_byte(&b, (uint8_t)*p++, NULL), BUZZ_OK);
        }
    }
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    char *out = strdup((const char *)b.data);
    buzz_buf_free(&b);
    return out;
}

static char *sandbox_sql(const char *sql)
{
    buzz_buf b;
    buzz_buf_init(&b, 0);
    for (const char *p = sql; *p; p++)
        if (*p != '@')
            assert_int_equal(buzz_buf_append_byte(&b, (uint8_t)*p, NULL), BUZZ_OK);
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    char *out = strdup((const char *)b.data);
    buzz_buf_free(&b);
    return out;
}

/* ---------------------------------------------------------------------------------------------
 * Text of values equals DuckDB's. */
static void test_value_text_matches_duckdb(void **state)
{
    (void)state;
    static const char *const exprs[] = {
        "true, false, NULL::BOOLEAN",
        "(-128)::TINYINT, 32767::SMALLINT, (-2147483648)::INTEGER, 9223372036854775807::BIGINT",
        "255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER, 18446744073709551615::UBIGINT",
        "(-170141183460469231731687303715884105727)::HUGEINT, "
        "340282366920938463463374607431768211455::UHUGEINT",
        "1.50::DECIMAL(4,2), -0.001::DECIMAL(9,3), 123456789012345.678::DECIMAL(18,3), "
        "-12345678901234567890123456789.123456789::DECIMAL(38,9), 0::DECIMAL(5,2)",
        "1.0::DOUBLE, 0.1::DOUBLE, 1e15::DOUBLE, 1e16::DOUBLE, 1e-4::DOUBLE, 1e-5::DOUBLE, "
        "123456789.125::DOUBLE, (1/3)::DOUBLE, -2.5e-300::DOUBLE, 'inf'::DOUBLE, '-inf'::DOUBLE, "
        "'nan'::DOUBLE",
        "0.1::FLOAT, 1.0::FLOAT, 3.4e38::FLOAT, 1e-7::FLOAT, 16777217::FLOAT, -0.5::FLOAT",
        "'', 'plain', 'with, comma', 'quote''s', 'tab\there', 'é €'",
        "DATE '2024-01-12', DATE '1969-12-31', DATE '0044-03-15', (DATE '0001-01-01' - 1), "
        "DATE '9999-12-31', 'infinity'::DATE, '-infinity'::DATE",
        "TIME '09:05:30.25', TIME '00:00:00', TIME '23:59:59.999999'",
        "TIMESTAMP '2024-01-12 10:00:00', TIMESTAMP '2024-01-12 10:00:00.5', "
        "TIMESTAMP '1900-02-28 23:59:59.000001', TIMESTAMP '1969-12-31 23:59:59.999999', "
        "'infinity'::TIMESTAMP",
        "TIMESTAMPTZ '2024-01-12 10:00:00+02', TIMESTAMPTZ '1960-06-01 00:00:00Z'",
        "TIMESTAMP_S '2024-01-01 00:00:01', TIMESTAMP_MS '2024-01-01 00:00:01.5', "
        "TIMESTAMP_NS '2024-01-01 00:00:00.123456789'",
        "INTERVAL 1 YEAR + INTERVAL 2 MONTH + INTERVAL 3 DAY + INTERVAL 4 HOUR + INTERVAL 5 MINUTE "
        "+ INTERVAL '6.7' SECOND, INTERVAL 0 DAY, -INTERVAL 25 HOUR, INTERVAL 14 MONTH, "
        "-INTERVAL 14 MONTH, INTERVAL 1 DAY - INTERVAL 1 HOUR",
        "'\\xAA\\x00ab'::BLOB, 'a\"b'::BLOB",
        "'a1b2c3d4-0000-4000-8000-123456789abc'::UUID, '00000000-0000-0000-0000-000000000000'::UUID",
        "'x'::ENUM('x', 'y'), TIMETZ '10:00:00+05:30', TIMETZ '10:00:00-08'",
        "'101'::BIT, '00000001111'::BIT, 0::BIGNUM, (-1)::BIGNUM, 255::BIGNUM, 256::BIGNUM, "
        "(-123456789012345678901234567890)::BIGNUM",
        "[1, 2, NULL], ['a', 'b c', 'NULL', '', ' x'], [[1, 2], [3]], []::INTEGER[]",
        "{'a': 1, 'b': 'x y', 'c': [1, 2]}, {'k': NULL}, [{'x': 'y'}]",
        "MAP {'k': 1, 'j': NULL}, MAP {'a': [1]}, array_value(1, 2, 3)",
        "[DATE '2024-01-01'], [TIME '10:00:00'], ['a,b', 'x''y']",
        "union_value(num := 2)",
    };
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(exprs); i++) {
        char sql[2048];
        snprintf(sql, sizeof sql, "SELECT %s", exprs[i]);
        buzz_query_result *r = run_ok(c, sql);
        char *got = result_text(r), *want = direct_text(sql);
        if (strcmp(got, want) != 0)
            fail_msg("case %zu (%s):\n got  %s want %s", i, exprs[i], got, want);
        free(got);
        free(want);
        buzz_query_result_free(r);
    }
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* Typed values, type names and JSON. */
static void test_typed_values_and_json(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_result *r = run_ok(
        c, "SELECT 42::SMALLINT AS i, 18446744073709551615::UBIGINT AS u, 12.50::DECIMAL(9,2) AS d, "
           "0.5::DOUBLE AS f, 'nan'::DOUBLE AS n, 'a\"\\\n' AS s, DATE '2024-01-12' AS day, "
           "TIMESTAMP '2024-01-12 10:00:00' AS ts, TIMESTAMPTZ '2024-01-12 10:00:00+02' AS tz, "
           "true AS b, NULL AS nothing, [1, NULL] AS l, {'a': 'x'} AS st, MAP {1: 'one'} AS m, "
           "TIME '01:02:03' AS t, '\\xFF'::BLOB AS bl, 340282366920938463463374607431768211455::UHUGEINT AS uh");
    static const struct {
        const char *type_name;
        buzz_query_type type;
        const char *json;
    } want[] = {
        {"SMALLINT", BUZZ_QUERY_INTEGER, "42"},
        {"UBIGINT", BUZZ_QUERY_HUGEINT, "18446744073709551615"},
        {"DECIMAL(9,2)", BUZZ_QUERY_DECIMAL, "12.50"},
        {"DOUBLE", BUZZ_QUERY_DOUBLE, "0.5"},
        {"DOUBLE", BUZZ_QUERY_DOUBLE, "\"NaN\""},
        {"VARCHAR", BUZZ_QUERY_VARCHAR, "\"a\\\"\\\\\\n\""},
        {"DATE", BUZZ_QUERY_DATE, "\"2024-01-12\""},
        {"TIMESTAMP", BUZZ_QUERY_TIMESTAMP, "\"2024-01-12T10:00:00\""},
        {"TIMESTAMP WITH TIME ZONE", BUZZ_QUERY_TIMESTAMP_TZ, "\"2024-01-12T08:00:00Z\""},
        {"BOOLEAN", BUZZ_QUERY_BOOLEAN, "true"},
        {"INTEGER", BUZZ_QUERY_INTEGER, "null"}, /* DuckDB types a bare NULL column INTEGER */
        {"INTEGER[]", BUZZ_QUERY_OTHER, "[1,null]"},
        {"STRUCT(\"a\" VARCHAR)", BUZZ_QUERY_OTHER, "{\"a\":\"x\"}"},
        {"MAP(INTEGER, VARCHAR)", BUZZ_QUERY_OTHER, "[{\"key\":1,\"value\":\"one\"}]"},
        {"TIME", BUZZ_QUERY_TIME, "\"01:02:03\""},
        {"BLOB", BUZZ_QUERY_BLOB, "\"\\\\xFF\""},
        {"UHUGEINT", BUZZ_QUERY_HUGEINT, "340282366920938463463374607431768211455"},
    };
    assert_int_equal(buzz_query_result_column_count(r), BUZZ_ARRAY_LEN(want));
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(want); i++) {
        const buzz_query_column *col = buzz_query_result_column(r, i);
        buzz_buf b;
        buzz_buf_init(&b, 0);
        assert_int_equal(buzz_query_result_append_json(r, 0, i, &b, NULL), BUZZ_OK);
        assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
        if (strcmp(col->type_name, want[i].type_name) != 0 || col->type != want[i].type ||
            strcmp((const char *)b.data, want[i].json) != 0)
            fail_msg("column %zu (%s): type %s/%s, json %s; want %s/%s, %s", i, col->name,
                     col->type_name, buzz_query_type_name(col->type), (const char *)b.data,
                     want[i].type_name, buzz_query_type_name(want[i].type), want[i].json);
        buzz_buf_free(&b);
    }
    buzz_query_value v;
    buzz_query_result_value(r, 0, 0, &v);
    assert_false(v.is_null);
    assert_int_equal(v.v.i64, 42);
    buzz_query_result_value(r, 0, 1, &v);
    assert_true(v.has_i128);
    assert_true(v.v.i128 == (buzz_i128)UINT64_MAX);
    buzz_query_result_value(r, 0, 2, &v);
    assert_true(v.v.i128 == 1250);
    assert_int_equal(buzz_query_result_column(r, 2)->precision, 9);
    assert_int_equal(buzz_query_result_column(r, 2)->scale, 2);
    buzz_query_result_value(r, 0, 3, &v);
    assert_true(v.v.f64 == 0.5);
    buzz_query_result_value(r, 0, 6, &v);
    assert_int_equal(v.v.i64, 19734); /* days since 1970 */
    buzz_query_result_value(r, 0, 8, &v);
    assert_int_equal(v.v.i64, 1705046400000000LL); /* UTC microseconds */
    buzz_query_result_value(r, 0, 9, &v);
    assert_true(v.v.b);
    buzz_query_result_value(r, 0, 10, &v);
    assert_true(v.is_null);
    assert_null(buzz_query_result_text(r, 0, 10).ptr);
    buzz_query_result_value(r, 0, 16, &v);
    assert_false(v.has_i128); /* above 2^127 - 1 */
    assert_int_equal(buzz_query_result_total_rows(r), 1);
    assert_false(buzz_query_result_is_truncated(r));
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Legitimate queries over the datasets equal DuckDB reading the files directly. In the SQL,
 * @sales / @regions are the datasets (read_parquet for DuckDB, the views for Buzz). */
static void test_legit_queries_match_duckdb(void **state)
{
    (void)state;
    static const char *const queries[] = {
        "SELECT * FROM @sales ORDER BY id",
        "SELECT region, count(*), sum(units), avg(price), min(day), max(stamp) FROM @sales GROUP "
        "BY region ORDER BY region",
        "SELECT id, sum(units) OVER (PARTITION BY region ORDER BY id) AS running, "
        "rank() OVER (ORDER BY price DESC, id) AS r, lag(product) OVER (ORDER BY id) AS prev "
        "FROM @sales ORDER BY id",
        "WITH big AS (SELECT * FROM @sales WHERE units > 5), agg AS (SELECT region, sum(units) u "
        "FROM big GROUP BY region) SELECT * FROM agg ORDER BY u DESC",
        "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 10) "
        "SELECT sum(i) FROM r",
        "SELECT id, product FROM @sales WHERE product ILIKE 'apple%' ORDER BY id",
        "SELECT id, regexp_replace(product, '[aeiou]', '_', 'g'), regexp_extract(product, "
        "'^(.)', 1) FROM @sales WHERE regexp_matches(product, '^[A-C]') ORDER BY id",
        "SELECT date_trunc('month', day), strftime(day, '%d/%m/%Y'), day + INTERVAL 1 DAY, "
        "datediff('day', DATE '2024-01-01', day), extract(hour FROM stamp), "
        "stamp - INTERVAL 90 MINUTE FROM @sales ORDER BY id",
        "SELECT s.id, s.region, r.manager FROM @sales s JOIN @regions r ON s.region = r.region "
        "ORDER BY s.id",
        "SELECT s.id, r.manager FROM @sales s LEFT JOIN @regions r USING (region) ORDER BY s.id",
        "SELECT region, list(product ORDER BY id) FROM @sales GROUP BY region ORDER BY region",
        "SELECT id, price * units AS total, round(price / 3, 4), units IS NULL FROM @sales "
        "ORDER BY id",
        "SELECT count(*) FROM @sales, range(1000)",
        "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(x, y) ORDER BY x",
        "SELECT * FROM @sales QUALIFY row_number() OVER (PARTITION BY region ORDER BY id) = 1 "
        "ORDER BY id",
    };
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(queries); i++) {
        char *ours = sandbox_sql(queries[i]), *theirs = direct_sql(queries[i]);
        buzz_query_result *r = run_ok(c, ours);
        char *got = result_text(r), *want = direct_text(theirs);
        if (strcmp(got, want) != 0)
            fail_msg("query %zu (%s):\n got\n%s want\n%s", i, ours, got, want);
        free(got);
        free(want);
        free(ours);
        free(theirs);
        buzz_query_result_free(r);
    }
    /* `data` is the first dataset, `sales` its own name. */
    buzz_query_result *r = run_ok(c, "SELECT (SELECT count(*) FROM data) = (SELECT count(*) FROM "
                                     "main.sales) AND (SELECT count(*) FROM memory.main.regions) = 3");
    text_is(r, 0, 0, "true");
    buzz_query_result_free(r);
    r = run_ok(c, "DESCRIBE data");
    assert_int_equal(buzz_query_result_row_count(r), 7);
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Row cap, true count, paging. */
static void test_row_cap_and_paging(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_run_options ro = {0, 100, false};
    buzz_query_result *r = NULL;
    assert_int_equal(buzz_query_run(c, "SELECT range AS n FROM range(10000)", &ro, &r, NULL),
                     BUZZ_OK);
    assert_int_equal(buzz_query_result_row_count(r), 100);
    assert_int_equal(buzz_query_result_total_rows(r), 10000);
    assert_true(buzz_query_result_is_truncated(r));
    buzz_query_result_free(r);
    ro.skip_count = true;
    assert_int_equal(buzz_query_run(c, "SELECT range AS n FROM range(10000)", &ro, &r, NULL),
                     BUZZ_OK);
    assert_int_equal(buzz_query_result_total_rows(r), -1);
    assert_true(buzz_query_result_is_truncated(r));
    buzz_query_result_free(r);
    /* Exactly max_rows rows: not truncated, count known. */
    ro.skip_count = false;
    assert_int_equal(buzz_query_run(c, "SELECT * FROM range(100)", &ro, &r, NULL), BUZZ_OK);
    assert_false(buzz_query_result_is_truncated(r));
    assert_int_equal(buzz_query_result_total_rows(r), 100);
    buzz_query_result_free(r);

    /* Cursor pages of 3000 (crossing DuckDB's 2048-row chunks), a skip, and the end. */
    buzz_query_cursor *cur = NULL;
    assert_int_equal(buzz_query_cursor_open(c, "SELECT range * 2 AS n FROM range(10000)", NULL,
                                            &cur, NULL),
                     BUZZ_OK);
    assert_int_equal(buzz_query_cursor_column_count(cur), 1);
    assert_string_equal(buzz_query_cursor_column(cur, 0)->name, "n");
    /* The connection is busy while a cursor is open. */
    buzz_error err;
    assert_int_equal(buzz_query_run(c, "SELECT 1", NULL, &r, &err), BUZZ_ERR_ARG);
    int64_t expect = 0, skipped = 0;
    for (int page = 0; page < 2; page++) {
        assert_int_equal(buzz_query_cursor_fetch(cur, 3000, &r, NULL), BUZZ_OK);
        assert_int_equal(buzz_query_result_first_row(r), expect);
        assert_int_equal(buzz_query_result_row_count(r), 3000);
        assert_true(buzz_query_result_is_truncated(r));
        for (size_t i = 0; i < 3000; i++) {
            buzz_query_value v;
            buzz_query_result_value(r, i, 0, &v);
            if (v.v.i64 != (expect + (int64_t)i) * 2)
                fail_msg("page %d row %zu: %lld", page, i, (long long)v.v.i64);
        }
        expect += 3000;
        buzz_query_result_free(r);
    }
    assert_int_equal(buzz_query_cursor_skip(cur, 2500, &skipped, NULL), BUZZ_OK);
    assert_int_equal(skipped, 2500);
    assert_int_equal(buzz_query_cursor_position(cur), 8500);
    assert_int_equal(buzz_query_cursor_fetch(cur, 3000, &r, NULL), BUZZ_OK);
    assert_int_equal(buzz_query_result_row_count(r), 1500);
    assert_false(buzz_query_result_is_truncated(r));
    assert_int_equal(buzz_query_result_total_rows(r), 10000);
    buzz_query_value v;
    buzz_query_result_value(r, 0, 0, &v);
    assert_int_equal(v.v.i64, 17000);
    buzz_query_result_free(r);
    assert_true(buzz_query_cursor_is_done(cur));
    assert_int_equal(buzz_query_cursor_fetch(cur, 10, &r, NULL), BUZZ_OK);
    assert_int_equal(buzz_query_result_row_count(r), 0);
    buzz_query_result_free(r);
    buzz_query_cursor_close(cur);
    /* The result outlives the cursor and connection. */
    assert_int_equal(buzz_query_cursor_open(c, "SELECT 'kept' AS k", NULL, &cur, NULL), BUZZ_OK);
    assert_int_equal(buzz_query_cursor_fetch(cur, 0, &r, NULL), BUZZ_OK);
    buzz_query_cursor_close(cur);
    buzz_query_conn_close(c);
    assert_string_equal(buzz_query_result_column(r, 0)->name, "k");
    assert_int_equal(buzz_query_result_text(r, 0, 0).len, 4);
    buzz_query_result_free(r);
    buzz_query_engine_close(e);
}

static void test_result_byte_cap(void **state)
{
    (void)state;
    buzz_query_options o;
    memset(&o, 0, sizeof o);
    o.max_result_bytes = 1 << 20;
    buzz_query_engine *e = open_engine(&o);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_result *r = NULL;
    buzz_error err;
    assert_int_equal(buzz_query_run(c, "SELECT repeat('x', 10000) FROM range(200)", NULL, &r, &err),
                     BUZZ_ERR_LIMIT);
    assert_null(r);
    assert_non_null(strstr(err.message, "1 MiB"));
    r = run_ok(c, "SELECT 1"); /* the connection still works */
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Exports. */
typedef struct collect {
    buzz_buf b;
    int calls;
} collect;

static buzz_status collect_write(void *user, const void *data, size_t len, buzz_error *err)
{
    collect *c = user;
    c->calls++;
    return buzz_buf_append(&c->b, data, len, err);
}

static buzz_status refuse_write(void *user, const void *data, size_t len, buzz_error *err)
{
    (void)user;
    (void)data;
    (void)len;
    return buzz_error_set(err, BUZZ_ERR_IO, "the client went away");
}

static void test_exports(void **state)
{
    (void)state;
    char tmp[600];
    test_path(tmp, sizeof tmp, "qtmp");
    mkdir(tmp, 0700);
    buzz_query_options o;
    memset(&o, 0, sizeof o);
    o.temp_directory = tmp;
    buzz_query_engine *e = open_engine(&o);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_export_options eo;
    memset(&eo, 0, sizeof eo);
    /* CSV to a callback: header, quoting, NULL vs empty string. */
    collect col = {{0}, 0};
    buzz_buf_init(&col.b, 0);
    int64_t rows = 0;
    assert_int_equal(buzz_query_export_write(c,
                                             "SELECT id, product, units, '' AS e FROM data "
                                             "WHERE id IN (1, 6) ORDER BY id",
                                             &eo, collect_write, &col, &rows, NULL),
                     BUZZ_OK);
    assert_int_equal(rows, 2);
    assert_int_equal(buzz_buf_append_byte(&col.b, 0, NULL), BUZZ_OK);
    assert_string_equal((const char *)col.b.data,
                        "id,product,units,e\r\n1,Apple,10,\"\"\r\n6,\"Date, dried\",,\"\"\r\n");
    /* JSON. */
    buzz_buf_reset(&col.b);
    eo.format = BUZZ_QUERY_FORMAT_JSON;
    assert_int_equal(buzz_query_export_write(c, "SELECT id, units FROM data WHERE id > 4 ORDER BY id",
                                             &eo, collect_write, &col, &rows, NULL),
                     BUZZ_OK);
    assert_int_equal(buzz_buf_append_byte(&col.b, 0, NULL), BUZZ_OK);
    assert_string_equal((const char *)col.b.data,
                        "[\n{\"id\":5,\"units\":12},\n{\"id\":6,\"units\":null}\n]\n");
    /* A large CSV export reaches the callback in several pieces, never whole. */
    buzz_buf_reset(&col.b);
    col.calls = 0;
    eo.format = BUZZ_QUERY_FORMAT_CSV;
    assert_int_equal(buzz_query_export_write(c, "SELECT range, 'row ' || range FROM range(300000)",
                                             &eo, collect_write, &col, &rows, NULL),
                     BUZZ_OK);
    assert_int_equal(rows, 300000);
    assert_true(col.calls > 3);
    /* A failing callback stops the export with its status. */
    buzz_error err;
    assert_int_equal(buzz_query_export_write(c, "SELECT * FROM range(10)", &eo, refuse_write, NULL,
                                             &rows, &err),
                     BUZZ_ERR_IO);
    assert_string_equal(err.message, "the client went away");

    /* Parquet to a path and to a callback; both read back by DuckDB equal the query. */
    static const char *pq_sql =
        "SELECT id, region, units, price, day, stamp, id::TINYINT AS t, id::UBIGINT AS ub, "
        "id::HUGEINT * 1000000000000000000000 AS h, price::FLOAT AS f, stamp::TIMESTAMP_NS AS ns, "
        "stamp::TIMESTAMPTZ AS tz, [id, units] AS l, true AS b, NULL AS nothing, id AS id "
        "FROM data ORDER BY id";
    char pq_path[700], pq2_path[700];
    test_path(pq_path, sizeof pq_path, "export.parquet");
    test_path(pq2_path, sizeof pq2_path, "export2.parquet");
    eo.format = BUZZ_QUERY_FORMAT_PARQUET;
    assert_int_equal(buzz_query_export_path(c, pq_sql, &eo, pq_path, &rows, NULL), BUZZ_OK);
    assert_int_equal(rows, 6);
    buzz_buf_reset(&col.b);
    assert_int_equal(buzz_query_export_write(c, pq_sql, &eo, collect_write, &col, &rows, NULL),
                     BUZZ_OK);
    test_write_file(pq2_path, col.b.data, col.b.len);
    char q[2000];
    snprintf(q, sizeof q,
             "SELECT id, region, units, price, day, stamp, t, ub, h, f, ns, tz, l, b, nothing, "
             "id_2 FROM read_parquet('%s') ORDER BY id",
             pq_path);
    char *got = direct_text(q);
    snprintf(q, sizeof q, "%s", pq_sql);
    char *want_sql = direct_sql("SELECT id, region, units, price, day, stamp, id::TINYINT AS t, "
                                "id::UBIGINT AS ub, id::HUGEINT * 1000000000000000000000 AS h, "
                                "price::FLOAT::DOUBLE AS f, stamp AS ns, "
                                "stamp::TIMESTAMPTZ AS tz, [id, units]::VARCHAR AS l, true AS b, "
                                "NULL AS nothing, id AS id_2 FROM @sales ORDER BY id");
    char *want = direct_text(want_sql);
    if (strcmp(got, want) != 0)
        fail_msg("parquet export:\n got\n%s want\n%s", got, want);
    free(got);
    snprintf(q, sizeof q,
             "SELECT id, region, units, price, day, stamp, t, ub, h, f, ns, tz, l, b, nothing, "
             "id_2 FROM read_parquet('%s') ORDER BY id",
             pq2_path);
    got = direct_text(q);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(want_sql);
    /* A value Parquet's DECIMAL(38) cannot hold fails, and leaves no file. */
    char bad_path[700];
    test_path(bad_path, sizeof bad_path, "bad.parquet");
    assert_int_equal(buzz_query_export_path(c,
                                            "SELECT 340282366920938463463374607431768211455::"
                                            "UHUGEINT AS u",
                                            &eo, bad_path, &rows, &err),
                     BUZZ_ERR_VALUE);
    assert_non_null(strstr(err.message, "38 digits"));
    struct stat sb;
    assert_int_not_equal(stat(bad_path, &sb), 0);
    /* A whole dataset. */
    char ds_path[700];
    test_path(ds_path, sizeof ds_path, "regions_copy.csv");
    eo.format = BUZZ_QUERY_FORMAT_CSV;
    assert_int_equal(buzz_query_export_dataset(c, 1, &eo, ds_path, &rows, NULL), BUZZ_OK);
    assert_int_equal(rows, 3);
    size_t len = 0;
    char *text = test_read_file(ds_path, &len);
    assert_string_equal(text, "region,manager\r\nNorth,Ada\r\nSouth,Brian\r\nEast,Chen\r\n");
    free(text);
    assert_int_equal(buzz_query_export_dataset(c, 2, &eo, ds_path, &rows, &err), BUZZ_ERR_ARG);
    /* Refused queries export nothing. */
    assert_int_equal(buzz_query_export_path(c, "COPY data TO 'x.csv'", &eo, bad_path, &rows, &err),
                     BUZZ_ERR_ARG);
    assert_int_not_equal(stat(bad_path, &sb), 0);
    buzz_buf_free(&col.b);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
    /* The private spill directory is gone with the engine; the parent stays, empty. */
    assert_int_equal(rmdir(tmp), 0);
}

/* Formatting a held result as CSV and JSON gives what the exports write. */
static void test_result_format(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    const char *sql = "SELECT id, product, [id] AS l FROM data ORDER BY id";
    buzz_query_result *r = run_ok(c, sql);
    for (int f = 0; f < 2; f++) {
        buzz_buf held, streamed;
        buzz_buf_init(&held, 0);
        buzz_buf_init(&streamed, 0);
        collect col = {streamed, 0};
        buzz_query_export_options eo = {(buzz_query_format)f, 0, NULL};
        assert_int_equal(buzz_query_result_format(r, (buzz_query_format)f, &held, NULL), BUZZ_OK);
        assert_int_equal(buzz_query_export_write(c, sql, &eo, collect_write, &col, NULL, NULL),
                         BUZZ_OK);
        assert_int_equal(held.len, col.b.len);
        assert_memory_equal(held.data, col.b.data, held.len);
        buzz_buf_free(&held);
        buzz_buf_free(&col.b);
    }
    buzz_buf b;
    buzz_buf_init(&b, 0);
    assert_int_equal(buzz_query_result_format(r, BUZZ_QUERY_FORMAT_PARQUET, &b, NULL),
                     BUZZ_ERR_ARG);
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Timeouts, cancellation, threads. */
static const char *endless = "SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b";

static void test_timeout(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_run_options ro = {300, 0, false};
    buzz_query_result *r = NULL;
    buzz_error err;
    assert_int_equal(buzz_query_run(c, endless, &ro, &r, &err), BUZZ_ERR_LIMIT);
    assert_non_null(strstr(err.message, "time limit"));
    /* A page found in time is returned even when counting the rest runs out of time. */
    ro.max_rows = 5;
    assert_int_equal(buzz_query_run(c, "SELECT range FROM range(1000000000000)", &ro, &r, NULL),
                     BUZZ_OK);
    assert_int_equal(buzz_query_result_row_count(r), 5);
    assert_int_equal(buzz_query_result_total_rows(r), -1);
    assert_true(buzz_query_result_is_truncated(r));
    buzz_query_result_free(r);
    /* The connection is usable right after. */
    r = run_ok(c, "SELECT 7");
    text_is(r, 0, 0, "7");
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

typedef struct cancel_ctx {
    buzz_query_conn *conn;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool started;
    buzz_status st;
    buzz_error err;
    atomic_bool finished;
} cancel_ctx;

static void *run_endless(void *arg)
{
    cancel_ctx *x = arg;
    pthread_mutex_lock(&x->lock);
    x->started = true;
    pthread_cond_signal(&x->cond);
    pthread_mutex_unlock(&x->lock);
    buzz_query_result *r = NULL;
    x->st = buzz_query_run(x->conn, endless, NULL, &r, &x->err);
    buzz_query_result_free(r);
    atomic_store(&x->finished, true);
    return NULL;
}

static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    cancel_ctx x;
    memset(&x, 0, sizeof x);
    pthread_mutex_init(&x.lock, NULL);
    pthread_cond_init(&x.cond, NULL);
    assert_int_equal(buzz_query_conn_open(e, &x.conn, NULL), BUZZ_OK);
    buzz_query_conn_cancel(x.conn); /* idle: no effect on the next query */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_endless, &x), 0);
    pthread_mutex_lock(&x.lock);
    while (!x.started)
        pthread_cond_wait(&x.cond, &x.lock);
    pthread_mutex_unlock(&x.lock);
    /* Cancel until the query is stopped: the first calls may come before it is armed. */
    int64_t t0 = buzz_now_ns();
    for (;;) {
        buzz_query_conn_cancel(x.conn);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        if (atomic_load(&x.finished))
            break;
        if (buzz_now_ns() - t0 > 20000000000LL)
            fail_msg("the query did not stop after cancel");
    }
    pthread_join(th, NULL);
    assert_int_equal(x.st, BUZZ_ERR_CANCELLED);
    assert_string_equal(x.err.message, "the query was cancelled");
    buzz_query_result *r = run_ok(x.conn, "SELECT 1");
    buzz_query_result_free(r);
    buzz_query_conn_close(x.conn);
    buzz_query_engine_close(e);
    pthread_mutex_destroy(&x.lock);
    pthread_cond_destroy(&x.cond);
}

typedef struct worker {
    buzz_query_engine *e;
    int id;
    char *text;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    buzz_query_conn *c = NULL;
    if (buzz_query_conn_open(w->e, &c, NULL) != BUZZ_OK)
        return NULL;
    buzz_buf acc;
    buzz_buf_init(&acc, 0);
    for (int i = 0; i < 20; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT region, sum(units) + %d FROM data GROUP BY region ORDER BY region", w->id);
        buzz_query_result *r = NULL;
        if (buzz_query_run(c, sql, NULL, &r, NULL) != BUZZ_OK)
            break;
        if (i == 0) {
            char *t = result_text(r);
            if (buzz_buf_append(&acc, t, strlen(t) + 1, NULL) != BUZZ_OK)
                buzz_buf_reset(&acc);
            free(t);
        }
        buzz_query_result_free(r);
    }
    buzz_query_conn_close(c);
    w->text = acc.data ? strdup((const char *)acc.data) : NULL;
    buzz_buf_free(&acc);
    return NULL;
}

static void test_connections_on_threads(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(NULL);
    worker w[3] = {{e, 0, NULL}, {e, 100, NULL}, {e, 0, NULL}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_non_null(w[0].text);
    assert_non_null(w[1].text);
    assert_string_equal(w[0].text, w[2].text);
    assert_string_equal(w[0].text, "East|2\nNorth|17\nSouth|17\nWest|NULL\n");
    assert_string_equal(w[1].text, "East|102\nNorth|117\nSouth|117\nWest|NULL\n");
    for (int i = 0; i < 3; i++)
        free(w[i].text);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Sandbox refusals as library statuses (the e2e suite checks the CLI side and the canaries). */
static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *sql;
        buzz_status st;
        const char *fragment;
    } cases[] = {
        {"", BUZZ_ERR_ARG, "empty"},
        {"   ", BUZZ_ERR_ARG, "no statement"},
        {"SELECT 1; SELECT 2", BUZZ_ERR_ARG, "2 statements"},
        {"SELEC 1", BUZZ_ERR_VALUE, "not valid SQL"},
        {"SELECT * FROM read_csv('/etc/passwd')", BUZZ_ERR_ARG, "read_csv() (it reads files)"},
        {"SELECT * FROM '/etc/passwd'", BUZZ_ERR_ARG, "the file \"/etc/passwd\""},
        {"SELECT * FROM duckdb_settings()", BUZZ_ERR_ARG, "duckdb_settings"},
        {"SELECT current_setting('threads')", BUZZ_ERR_ARG, "current_setting()"},
        {"SELECT * FROM pg_settings", BUZZ_ERR_ARG, "not one of the datasets (data, sales, regions)"},
        {"CREATE TABLE t AS SELECT 1", BUZZ_ERR_ARG, "creates an object (CREATE)"},
        {"SET threads = 1", BUZZ_ERR_ARG, "changes a setting"},
        {"ATTACH ':memory:' AS m", BUZZ_ERR_ARG, "attaches a database (ATTACH)"},
        {"INSTALL httpfs", BUZZ_ERR_ARG, "(INSTALL/LOAD)"},
        {"EXPLAIN SELECT 1", BUZZ_ERR_ARG, "(EXPLAIN)"},
        {"COPY data TO 'x.csv'", BUZZ_ERR_ARG, "writes or reads a file (COPY)"},
        {"  -- note\n /* c */ copy data TO '/tmp/x.csv'", BUZZ_ERR_ARG, "(COPY)"},
        {"INSERT INTO data VALUES (1)", BUZZ_ERR_ARG, "changes data (INSERT)"},
        {"EXPORT DATABASE '/tmp/exp'", BUZZ_ERR_ARG, "writes files (EXPORT DATABASE)"},
        {"DELETE FROM data", BUZZ_ERR_ARG, "(DELETE)"},
        {"DROP VIEW data", BUZZ_ERR_ARG, "drops an object (DROP)"},
        {"SELECT $1", BUZZ_ERR_ARG, "parameter"},
        {"SELECT nosuchcolumn FROM data", BUZZ_ERR_VALUE, "nosuchcolumn"},
        {"SELECT 1 / 0::INTEGER, 'x'::INTEGER", BUZZ_ERR_VALUE, "Conversion Error"},
        {"WITH data AS (SELECT * FROM duckdb_views()) SELECT * FROM data", BUZZ_ERR_ARG,
         "duckdb_views"},
        {"WITH x AS (SELECT 1) SELECT * FROM x, y", BUZZ_ERR_ARG, "\"y\""},
        {"SELECT TIME_NS '10:00:00.123456789'", BUZZ_ERR_VALUE, "cast it to VARCHAR"},
    };
    buzz_query_engine *e = open_engine(NULL);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_query_result *r = (buzz_query_result *)&cases; /* must be reset to NULL */
        buzz_error err;
        memset(&err, 0, sizeof err);
        buzz_status st = buzz_query_run(c, cases[i].sql, NULL, &r, &err);
        if (st != cases[i].st || r != NULL || !strstr(err.message, cases[i].fragment))
            fail_msg("case %zu (%s): status %s, message \"%s\"; want %s with \"%s\"", i,
                     cases[i].sql, buzz_status_name(st), err.message,
                     buzz_status_name(cases[i].st), cases[i].fragment);
    }
    /* A long query is refused before DuckDB parses it. */
    size_t big = (1u << 20) + 10;
    char *sql = malloc(big + 1);
    memset(sql, ' ', big);
    memcpy(sql, "SELECT 1", 8);
    sql[big] = '\0';
    buzz_query_result *r = NULL;
    assert_int_equal(buzz_query_run(c, sql, NULL, &r, NULL), BUZZ_ERR_ARG);
    free(sql);
    /* CTE names are scoped: one defined later does not cover an earlier reference. */
    buzz_error err;
    assert_int_equal(buzz_query_run(c, "WITH a AS (SELECT * FROM pg_settings), pg_settings AS "
                                       "(SELECT 1) SELECT * FROM a",
                                    NULL, &r, &err),
                     BUZZ_ERR_ARG);
    r = run_ok(c, "WITH pg_settings AS (SELECT 1 AS x) SELECT x FROM pg_settings");
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Options, paths, names, quoting. */
static void test_open_errors(void **state)
{
    (void)state;
    char missing[600], glob_path[600], not_pq[600];
    test_path(missing, sizeof missing, "missing.parquet");
    test_path(glob_path, sizeof glob_path, "a*b.parquet");
    test_path(not_pq, sizeof not_pq, "not.parquet");
    test_write_file(glob_path, "x", 1);
    test_write_file(not_pq, "not parquet at all", 18);
    static const struct {
        int which; /* 0 sales, 1 missing, 2 glob, 3 not parquet */
        buzz_query_options o;
        buzz_status st;
        const char *fragment;
    } cases[] = {
        {1, {0}, BUZZ_ERR_ARG, "cannot open the dataset file"},
        {2, {0}, BUZZ_ERR_ARG, "*, ? or ["},
        {3, {0}, BUZZ_ERR_IO, "as Parquet"},
        {0, {.threads = 65}, BUZZ_ERR_ARG, "threads must be between 1 and 64"},
        {0, {.memory_limit_bytes = 1000}, BUZZ_ERR_ARG, "at least 16 MiB"},
        {0, {.timeout_ms = -1}, BUZZ_ERR_ARG, "timeout_ms"},
        {0, {.max_rows = -5}, BUZZ_ERR_ARG, "max_rows"},
        {0, {.data_alias = 3}, BUZZ_ERR_ARG, "data_alias"},
        {0, {.temp_directory = "/nonexistent/dir"}, BUZZ_ERR_IO, "spill"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        const char *paths[] = {sales_path, missing, glob_path, not_pq};
        buzz_query_dataset ds = {"x", paths[cases[i].which]};
        buzz_query_engine *e = (buzz_query_engine *)&cases;
        buzz_error err;
        memset(&err, 0, sizeof err);
        buzz_status st = buzz_query_engine_open(&e, &ds, 1, &cases[i].o, &err);
        if (st != cases[i].st || e != NULL || !strstr(err.message, cases[i].fragment))
            fail_msg("case %zu: %s \"%s\"", i, buzz_status_name(st), err.message);
    }
    buzz_query_engine *e = NULL;
    buzz_query_dataset ds = {"x", sales_path};
    assert_int_equal(buzz_query_engine_open(&e, &ds, 0, NULL, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz_query_engine_open(&e, NULL, 1, NULL, NULL), BUZZ_ERR_ARG);
}

static void test_names_and_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } names[] = {
        {"Sales 2024.csv", "sales_2024_csv"},
        {"  --weird--  name!! ", "weird_name"},
        {"2024 orders", "t_2024_orders"},
        {"pg_settings", "t_pg_settings"},
        {"duckdb_tables", "t_duckdb_tables"},
        {"main", "t_main"},
        {"", "dataset"},
        {"€€€", "dataset"},
        {"Ümlaut", "mlaut"},
        {"a\"b", "a_b"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(names); i++) {
        char out[64];
        buzz_query_sanitize_name(names[i].in, out, sizeof out);
        if (strcmp(out, names[i].want) != 0)
            fail_msg("name %zu (%s): %s, want %s", i, names[i].in, out, names[i].want);
    }
    buzz_buf b;
    buzz_buf_init(&b, 0);
    assert_int_equal(buzz_query_quote_ident(&b, "a\"b", NULL), BUZZ_OK);
    assert_int_equal(buzz_query_quote_string(&b, "it's", NULL), BUZZ_OK);
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    assert_string_equal((const char *)b.data, "\"a\"\"b\"'it''s'");
    buzz_buf_free(&b);

    /* Same-named datasets become unique views; "data" is kept for the alias; a path with a
     * quote is quoted, not broken. */
    char odd[600];
    test_path(odd, sizeof odd, "it's \"odd\".parquet");
    size_t len = 0;
    char *bytes = test_read_file(sales_path, &len);
    test_write_file(odd, bytes, len);
    free(bytes);
    buzz_query_dataset ds[4] = {{"Sales", sales_path}, {"sales", odd}, {"data", regions_path},
                                {"SALES!", sales_path}};
    buzz_query_options o;
    memset(&o, 0, sizeof o);
    o.data_alias = 2;
    o.threads = 1;
    buzz_query_engine *e = NULL;
    buzz_error err;
    if (buzz_query_engine_open(&e, ds, 4, &o, &err) != BUZZ_OK)
        fail_msg("open: %s", err.message);
    assert_int_equal(buzz_query_engine_table_count(e), 4);
    assert_string_equal(buzz_query_engine_table_name(e, 0), "sales");
    assert_string_equal(buzz_query_engine_table_name(e, 1), "sales_2");
    assert_string_equal(buzz_query_engine_table_name(e, 2), "data_2");
    assert_string_equal(buzz_query_engine_table_name(e, 3), "sales_3");
    assert_null(buzz_query_engine_table_name(e, 4));
    assert_int_equal(buzz_query_engine_options(e)->max_rows, 1000);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_query_result *r = run_ok(c, "SELECT (SELECT count(*) FROM data), (SELECT count(*) FROM "
                                     "sales_2), (SELECT count(*) FROM data_2)");
    char *t = result_text(r);
    assert_string_equal(t, "6|6|3\n");
    free(t);
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

/* ---------------------------------------------------------------------------------------------
 * Allocation failures: every failing allocation gives BUZZ_ERR_NOMEM (or an error DuckDB's own
 * path reports) and leaks nothing of Buzz's. */
static void test_allocation_failures(void **state)
{
    (void)state;
    size_t base = buzz_mem_live_bytes();
    bool done = false;
    for (int64_t nth = 1; !done && nth < 5000; nth++) {
        buzz_query_dataset ds = {"sales", sales_path};
        buzz_query_options o;
        memset(&o, 0, sizeof o);
        o.threads = 1;
        buzz_query_engine *e = NULL;
        buzz_query_conn *c = NULL;
        buzz_query_result *r = NULL;
        buzz_buf out;
        buzz_buf_init(&out, 0);
        buzz_mem_fail_after(nth);
        buzz_status st = buzz_query_engine_open(&e, &ds, 1, &o, NULL);
        if (st == BUZZ_OK)
            st = buzz_query_conn_open(e, &c, NULL);
        if (st == BUZZ_OK)
            st = buzz_query_run(c, "SELECT region, [id] AS l, {'a': product} AS s FROM data "
                                   "ORDER BY id",
                                NULL, &r, NULL);
        if (st == BUZZ_OK)
            st = buzz_query_result_format(r, BUZZ_QUERY_FORMAT_JSON, &out, NULL);
        buzz_mem_fail_after(0);
        if (st != BUZZ_OK && st != BUZZ_ERR_NOMEM && st != BUZZ_ERR_INTERNAL)
            fail_msg("allocation %lld: status %s", (long long)nth, buzz_status_name(st));
        done = st == BUZZ_OK;
        buzz_buf_free(&out);
        buzz_query_result_free(r);
        buzz_query_conn_close(c);
        buzz_query_engine_close(e);
        if (buzz_mem_live_bytes() != base)
            fail_msg("allocation %lld: %zu bytes leaked", (long long)nth,
                     buzz_mem_live_bytes() - base);
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_text_matches_duckdb),
        cmocka_unit_test(test_typed_values_and_json),
        cmocka_unit_test(test_legit_queries_match_duckdb),
        cmocka_unit_test(test_row_cap_and_paging),
        cmocka_unit_test(test_result_byte_cap),
        cmocka_unit_test(test_exports),
        cmocka_unit_test(test_result_format),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_connections_on_threads),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_names_and_quoting),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup_datasets, NULL);
}
