/* tests/test_parquet_writer.c: Parquet files written by Buzz, read back by DuckDB (C API) and
 * compared value by value with the typed batches they were written from: every type, every codec,
 * dictionary on and off, several row groups and pages, the edge cases (zero rows, all-NULL column,
 * empty string vs NULL, decimal precision 9/18/38, dates before 1970 and after 2100, timestamps
 * with offsets, non-ASCII text, a 10 MB cell, 2,000 columns, dictionary overflow mid-chunk), the
 * statistics DuckDB reads from the footer, and the buzz.schema key-value metadata. The node readers
 * (parquet-wasm, hyparquet) check the same files in tests/e2e/parquet.sh. */
#include "test_support.h"

#include "buzz/parquet.h"
#include "buzz/types.h"

#include <duckdb.h>

/* ---------------------------------------------------------------------------------------------
 * Canonical text of values, the same on both sides. */
typedef struct table {
    size_t rows, cols, cap_rows;
    char **cells; /* rows * cols; NULL = NULL */
} table;

static void table_free(table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static void table_add_row(table *t, size_t cols)
{
    t->cols = cols;
    if (t->rows + 1 > t->cap_rows) { /* doubling: ASan's realloc always copies */
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 64;
        t->cells = realloc(t->cells, t->cap_rows * (cols ? cols : 1) * sizeof *t->cells);
        assert_non_null(t->cells);
    }
    memset(t->cells + t->rows * cols, 0, cols * sizeof *t->cells);
    t->rows++;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    if (n) /* s may be NULL for an empty value (a batch with no string bytes) */
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *typed_text(const buzz_column_def *d, const buzz_typed_column *tc, size_t r)
{
    if (!tc->is_valid[r])
        return NULL;
    char buf[64];
    size_t n;
    switch (tc->type) {
    case BUZZ_TYPE_VARCHAR: /* chars is NULL in a batch with no string bytes */
        return dup_n(tc->chars ? tc->chars + tc->offsets[r] : "",
                     tc->offsets[r + 1] - tc->offsets[r]);
    case BUZZ_TYPE_BOOLEAN:
        return dup_n(((uint8_t *)tc->values)[r] ? "true" : "false",
                     ((uint8_t *)tc->values)[r] ? 4 : 5);
    case BUZZ_TYPE_INT32: {
        int32_t v;
        memcpy(&v, (char *)tc->values + r * 4, 4);
        n = (size_t)snprintf(buf, sizeof buf, "%d", (int)v);
        break;
    }
    case BUZZ_TYPE_DATE: {
        int32_t v;
        memcpy(&v, (char *)tc->values + r * 4, 4);
        n = (size_t)snprintf(buf, sizeof buf, "%d", (int)v);
        break;
    }
    case BUZZ_TYPE_DECIMAL: {
        buzz_i128 v;
        memcpy(&v, (char *)tc->values + r * sizeof v, sizeof v);
        n = buzz_format_decimal(v, d->scale, buf);
        break;
    }
    case BUZZ_TYPE_DOUBLE: {
        double v;
        memcpy(&v, (char *)tc->values + r * 8, 8);
        n = buzz_format_double(v, buf);
        break;
    }
    default: {
        int64_t v;
        memcpy(&v, (char *)tc->values + r * 8, 8);
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)v);
        break;
    }
    }
    return dup_n(buf, n);
}

/* Read path as CSV, infer, write Parquet with po; fill *expected with the typed values. */
static void write_parquet(const char *csv_path, const char *pq_path, const buzz_parquet_options *po,
                          table *expected, buzz_schema *out_schema)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    if (buzz_csv_reader_open(&rd, csv_path, &o, &err) != BUZZ_OK)
        fail_msg("open: %s", err.message);
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    io.delimiter = buzz_csv_reader_dialect(rd)->delimiter;
    if (buzz_schema_infer(rd, &io, NULL, NULL, out_schema, &err) != BUZZ_OK)
        fail_msg("infer: %s", err.message);
    buzz_csv_reader_close(rd);
    assert_int_equal(buzz_csv_reader_open(&rd, csv_path, &o, &err), BUZZ_OK);
    buzz_parquet_writer *w = NULL;
    if (buzz_parquet_writer_open(&w, pq_path, out_schema, po, &err) != BUZZ_OK)
        fail_msg("writer open: %s", err.message);
    assert_int_equal(buzz_parquet_writer_set_metadata(w, "{\"test\": true}", &err), BUZZ_OK);
    buzz_typed_batch tb;
    memset(&tb, 0, sizeof tb);
    memset(expected, 0, sizeof *expected);
    for (;;) {
        const buzz_csv_batch *b;
        assert_int_equal(buzz_csv_reader_next(rd, &b, &err), BUZZ_OK);
        if (!b)
            break;
        assert_int_equal(buzz_typed_batch_fill(&tb, b, out_schema, NULL, NULL, &err), BUZZ_OK);
        if (buzz_parquet_writer_write(w, &tb, &err) != BUZZ_OK)
            fail_msg("write: %s", err.message);
        for (size_t r = 0; r < tb.row_count; r++) {
            table_add_row(expected, out_schema->column_count);
            for (size_t c = 0; c < out_schema->column_count; c++)
                expected->cells[(expected->rows - 1) * expected->cols + c] =
                    typed_text(&out_schema->columns[c], &tb.columns[c], r);
        }
    }
    expected->cols = out_schema->column_count;
    int64_t bytes = 0;
    if (buzz_parquet_writer_commit(w, &bytes, &err) != BUZZ_OK)
        fail_msg("commit: %s", err.message);
    assert_true(bytes > 12);
    buzz_parquet_writer_close(w);
    buzz_typed_batch_free(&tb);
    buzz_csv_reader_close(rd);
}

/* DuckDB's reading of the file in the same canonical text. */
static void duck_read(const char *pq_path, const buzz_schema *s, table *got, duckdb_connection con)
{
    char sql[1 << 16];
    size_t w = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (size_t c = 0; c < s->column_count; c++) {
        const buzz_column_def *d = &s->columns[c];
        char q[600];
        snprintf(q, sizeof q, "\"%s\"", d->name);
        const char *expr = "%s";
        switch (d->type) {
        case BUZZ_TYPE_DECIMAL:
            expr = "CAST(%s AS VARCHAR)";
            break;
        case BUZZ_TYPE_DATE:
            expr = "CAST(%s - DATE '1970-01-01' AS BIGINT)";
            break;
        case BUZZ_TYPE_TIMESTAMP:
        case BUZZ_TYPE_TIMESTAMP_TZ:
            expr = "epoch_us(%s)";
            break;
        default:
            break;
        }
        w += (size_t)snprintf(sql + w, sizeof sql - w, c ? ", " : "");
        w += (size_t)snprintf(sql + w, sizeof sql - w, expr, q);
    }
    snprintf(sql + w, sizeof sql - w, " FROM read_parquet('%s')", pq_path);
    duckdb_result res;
    if (duckdb_query(con, sql, &res) == DuckDBError)
        fail_msg("duckdb: %s (%s)", duckdb_result_error(&res), sql);
    memset(got, 0, sizeof *got);
    got->cols = s->column_count;
    idx_t rows = duckdb_row_count(&res);
    for (idx_t r = 0; r < rows; r++) {
        table_add_row(got, s->column_count);
        for (size_t c = 0; c < s->column_count; c++) {
            char **cell = &got->cells[(got->rows - 1) * got->cols + c];
            if (duckdb_value_is_null(&res, c, r))
                continue;
            char buf[64];
            const buzz_column_def *d = &s->columns[c];
            switch (d->type) {
            case BUZZ_TYPE_BOOLEAN:
                *cell = dup_n(duckdb_value_boolean(&res, c, r) ? "true" : "false",
                              duckdb_value_boolean(&res, c, r) ? 4 : 5);
                break;
            case BUZZ_TYPE_DOUBLE: {
                size_t n = buzz_format_double(duckdb_value_double(&res, c, r), buf);
                *cell = dup_n(buf, n);
                break;
            }
            case BUZZ_TYPE_TIME: {
                duckdb_time t = duckdb_value_time(&res, c, r);
                snprintf(buf, sizeof buf, "%lld", (long long)t.micros);
                *cell = dup_n(buf, strlen(buf));
                break;
            }
            case BUZZ_TYPE_INT32:
            case BUZZ_TYPE_INT64:
            case BUZZ_TYPE_DATE:
            case BUZZ_TYPE_TIMESTAMP:
            case BUZZ_TYPE_TIMESTAMP_TZ:
                snprintf(buf, sizeof buf, "%lld", (long long)duckdb_value_int64(&res, c, r));
                *cell = dup_n(buf, strlen(buf));
                break;
            default: {
                char *v = duckdb_value_varchar(&res, c, r);
                *cell = dup_n(v, strlen(v));
                duckdb_free(v);
                break;
            }
            }
        }
    }
    duckdb_destroy_result(&res);
}

static void assert_tables_equal(const table *a, const table *b, const char *label)
{
    if (a->rows != b->rows)
        fail_msg("%s: %zu rows written, DuckDB read %zu", label, a->rows, b->rows);
    for (size_t i = 0; i < a->rows * a->cols; i++) {
        const char *x = a->cells[i], *y = b->cells[i];
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
            fail_msg("%s: row %zu column %zu: wrote %s, DuckDB read %s", label, i / a->cols,
                     i % a->cols, x ? x : "NULL", y ? y : "NULL");
    }
}

static duckdb_database db;
static duckdb_connection con;

static int setup(void **state)
{
    (void)state;
    if (duckdb_open(NULL, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError)
        return -1;
    duckdb_result r;
    duckdb_query(con, "SET TimeZone='UTC'", &r);
    duckdb_destroy_result(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return 0;
}

static void roundtrip_text(const char *name, const char *csv, size_t len,
                           const buzz_parquet_options *po, buzz_schema *out_schema)
{
    char in[900], out[900], base[128];
    snprintf(base, sizeof base, "%s.csv", name);
    test_path(in, sizeof in, base);
    test_write_file(in, csv, len);
    snprintf(out, sizeof out, "%s/%s.parquet", test_tmpdir(), name);
    table want, got;
    buzz_schema s;
    write_parquet(in, out, po, &want, &s);
    duck_read(out, &s, &got, con);
    assert_tables_equal(&want, &got, name);
    table_free(&want);
    table_free(&got);
    if (out_schema)
        *out_schema = s;
    else
        buzz_schema_free(&s);
}

static const char *MIXED =
    "id,zip,price,share,when,stamp,flag,note,amount,t,big,ratio\n"
    "1,02134,\"$1,234.50\",12.5%,01/02/2024,2024-01-12T10:00:00Z,yes,hello,\"1,234,567\",13:45,"
    "12345678901234567890.123456789,1.5e3\n"
    "2,10001,$3,3%,13/02/2024,2024-01-12T10:00:00+02:00,no,\"a, \"\"quoted\"\" note\",12,"
    "09:05:30.25,-0.000000001,-inf\n"
    "3,,,,,,,,,,,\n"
    "4,99501,-$5.25,0.5%,31/12/1999,2024-03-01 08:30:00.25-05:00,Y,\xc3\xa9t\xc3\xa9 \xe2\x82\xac,"
    "\"-7\",1:45 PM,1,0.1\n";

static void test_types_and_codecs(void **state)
{
    (void)state;
    static const buzz_parquet_codec codecs[] = {BUZZ_PARQUET_SNAPPY, BUZZ_PARQUET_UNCOMPRESSED,
                                                BUZZ_PARQUET_GZIP, BUZZ_PARQUET_ZSTD,
                                                BUZZ_PARQUET_LZ4_RAW};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(codecs); k++) {
        for (int dict = 0; dict < 2; dict++) {
            buzz_parquet_options po;
            memset(&po, 0, sizeof po);
            po.codec = codecs[k];
            po.no_dictionary = dict == 1;
            char name[64];
            snprintf(name, sizeof name, "mixed-%s-%d", buzz_parquet_codec_name(codecs[k]), dict);
            buzz_schema s;
            roundtrip_text(name, MIXED, strlen(MIXED), &po, &s);
            /* The inferred types are the ones this test means to cover. */
            char tt[32];
            assert_string_equal(buzz_column_type_text(&s.columns[2], tt, sizeof tt),
                                "decimal(6,2)");
            assert_int_equal(s.columns[5].type, BUZZ_TYPE_TIMESTAMP_TZ);
            assert_int_equal(s.columns[9].type, BUZZ_TYPE_TIME);
            assert_string_equal(buzz_column_type_text(&s.columns[10], tt, sizeof tt),
                                "decimal(29,9)");
            assert_int_equal(s.columns[11].type, BUZZ_TYPE_DOUBLE);
            buzz_schema_free(&s);
        }
    }
}

static void test_edge_cases(void **state)
{
    (void)state;
    buzz_parquet_options po;
    memset(&po, 0, sizeof po);
    /* Zero rows. */
    roundtrip_text("zero-rows", "a,b,c\n", 6, &po, NULL);
    /* All-NULL column, empty string vs NULL. */
    const char *nulls = "a,b,c\n,\"\",1\nNULL,x,2\n,,3\n";
    roundtrip_text("nulls", nulls, strlen(nulls), &po, NULL);
    /* Decimal precision limits. */
    const char *dec = "p9,p18,p38\n1234567.89,123456789012345.678,1234567890123456789012345678."
                      "0123456789\n-9999999.99,-999999999999999.999,-9999999999999999999999999999."
                      "9999999999\n0.01,0.001,0.0000000001\n";
    buzz_schema s;
    roundtrip_text("decimals", dec, strlen(dec), &po, &s);
    char tt[32];
    assert_string_equal(buzz_column_type_text(&s.columns[0], tt, sizeof tt), "decimal(9,2)");
    assert_string_equal(buzz_column_type_text(&s.columns[1], tt, sizeof tt), "decimal(18,3)");
    assert_string_equal(buzz_column_type_text(&s.columns[2], tt, sizeof tt), "decimal(38,10)");
    buzz_schema_free(&s);
    /* Dates before 1970 and after 2100, timestamps with offsets. */
    const char *dates = "d,ts\n0001-01-01,1900-02-28T23:59:59.999999+14:00\n"
                        "1969-12-31,1969-12-31T23:59:59-01:00\n2100-03-01,2100-03-01T00:00:00Z\n"
                        "9999-12-31,9999-12-31T10:00:00+09:30\n";
    roundtrip_text("dates", dates, strlen(dates), &po, NULL);
    /* Non-ASCII text. */
    const char *text = "t\n\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n\xf0\x9f\x90\x9d buzz\n"
                       "caf\xc3\xa9\n\n";
    roundtrip_text("unicode", text, strlen(text), &po, NULL);
}

/* Regression (found by fuzz/fuzz_parquet.c): a VARCHAR column whose first pages hold only empty
 * strings stages no bytes, so its value buffer was never allocated and the writer handed the
 * dictionary a NULL chars pointer, which it offsets (NULL + 0: undefined behaviour, and UBSan
 * in `make asan` stops on it). Dictionary on and off, one page and many. */
static void test_empty_strings_only(void **state)
{
    (void)state;
    size_t rows = 3000;
    size_t cap = 16 + rows * 8;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t w = (size_t)snprintf(csv, cap, "s,n\n");
    for (size_t r = 0; r < rows; r++)
        w += (size_t)snprintf(csv + w, cap - w, "\"\",%zu\n", r % 10);
    for (int k = 0; k < 4; k++) {
        buzz_parquet_options po;
        memset(&po, 0, sizeof po);
        po.no_dictionary = k & 1;
        po.page_bytes = k & 2 ? 64 : 0; /* many pages */
        char name[64];
        snprintf(name, sizeof name, "empty-strings-%d", k);
        buzz_schema s;
        roundtrip_text(name, csv, w, &po, &s);
        assert_int_equal(s.columns[0].type, BUZZ_TYPE_VARCHAR);
        buzz_schema_free(&s);
    }
    free(csv);
}

/* Many rows: several row groups and pages, a dictionary that overflows mid-chunk. */
static void test_row_groups_and_dictionary_overflow(void **state)
{
    (void)state;
    size_t rows = 300000;
    size_t cap = rows * 64;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t w = (size_t)snprintf(csv, cap, "n,cat,uniq,maybe\n");
    for (size_t r = 0; r < rows; r++) {
        /* cat: 5 values for the first 150k rows, then all distinct (the dictionary overflows). */
        if (r < rows / 2)
            w += (size_t)snprintf(csv + w, cap - w, "%zu,cat%zu,u%zu,%s\n", r, r % 5, r * 7919,
                                  r % 3 ? "" : "x");
        else
            w += (size_t)snprintf(csv + w, cap - w, "%zu,distinct value number %zu,u%zu,%s\n", r,
                                  r, r * 7919, r % 3 ? "" : "x");
    }
    buzz_parquet_options po;
    memset(&po, 0, sizeof po);
    po.row_group_rows = 100000;
    po.page_bytes = 64 << 10;
    roundtrip_text("many", csv, w, &po, NULL);
    /* DuckDB sees three row groups and several pages' worth of statistics. */
    char sql[900];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT row_group_id), min(stats_min_value), max(stats_max_value) "
             "FROM parquet_metadata('%s/many.parquet') WHERE path_in_schema = 'n'",
             test_tmpdir());
    duckdb_result res;
    assert_int_equal(duckdb_query(con, sql, &res), DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), 3);
    duckdb_destroy_result(&res);
    /* A selective filter answers right (the page index and statistics are used or ignored, but
     * never wrong). */
    snprintf(sql, sizeof sql,
             "SELECT count(*), sum(n) FROM read_parquet('%s/many.parquet') WHERE n BETWEEN 123456 "
             "AND 123465",
             test_tmpdir());
    assert_int_equal(duckdb_query(con, sql, &res), DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), 10);
    assert_int_equal(duckdb_value_int64(&res, 1, 0), 1234605);
    duckdb_destroy_result(&res);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM read_parquet('%s/many.parquet') WHERE cat = 'cat3'",
             test_tmpdir());
    assert_int_equal(duckdb_query(con, sql, &res), DuckDBSuccess);
    assert_int_equal(duckdb_value_int64(&res, 0, 0), 30000);
    duckdb_destroy_result(&res);
    free(csv);
}

static void test_big_cell_and_wide(void **state)
{
    (void)state;
    /* A 10 MB string cell. */
    size_t big = 10u << 20;
    char *csv = malloc(big + 64);
    assert_non_null(csv);
    size_t w = (size_t)snprintf(csv, 64, "k,v\n1,");
    for (size_t i = 0; i < big; i++)
        csv[w + i] = (char)('a' + i % 26);
    w += big;
    w += (size_t)snprintf(csv + w, 64, "\n2,short\n");
    buzz_parquet_options po;
    memset(&po, 0, sizeof po);
    roundtrip_text("bigcell", csv, w, &po, NULL);
    free(csv);
    /* 2,000 columns. */
    size_t cols = 2000;
    size_t cap = cols * 16 * 4;
    csv = malloc(cap);
    assert_non_null(csv);
    w = 0;
    for (int line = 0; line < 4; line++)
        for (size_t c = 0; c < cols; c++)
            w += (size_t)snprintf(csv + w, cap - w, line == 0 ? "c%zu%s" : "%zu%s",
                                  line == 0 ? c : c * (size_t)line, c + 1 < cols ? "," : "\n");
    roundtrip_text("wide", csv, w, &po, NULL);
    free(csv);
}

static void test_metadata_and_required(void **state)
{
    (void)state;
    buzz_parquet_options po;
    memset(&po, 0, sizeof po);
    const char *csv = "a,b\n1,x\n2,\n";
    roundtrip_text("meta", csv, strlen(csv), &po, NULL);
    char sql[900];
    snprintf(sql, sizeof sql,
             "SELECT decode(value) FROM parquet_kv_metadata('%s/meta.parquet') "
             "WHERE decode(key) = 'buzz.schema'",
             test_tmpdir());
    duckdb_result res;
    assert_int_equal(duckdb_query(con, sql, &res), DuckDBSuccess);
    char *v = duckdb_value_varchar(&res, 0, 0);
    assert_string_equal(v, "{\"test\": true}");
    duckdb_free(v);
    duckdb_destroy_result(&res);
    /* a has no NULLs: REQUIRED; b has one: OPTIONAL. */
    snprintf(sql, sizeof sql,
             "SELECT name, repetition_type FROM parquet_schema('%s/meta.parquet') "
             "WHERE name IN ('a','b') ORDER BY name",
             test_tmpdir());
    assert_int_equal(duckdb_query(con, sql, &res), DuckDBSuccess);
    char *r0 = duckdb_value_varchar(&res, 1, 0), *r1 = duckdb_value_varchar(&res, 1, 1);
    assert_string_equal(r0, "REQUIRED");
    assert_string_equal(r1, "OPTIONAL");
    duckdb_free(r0);
    duckdb_free(r1);
    duckdb_destroy_result(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_codecs),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_empty_strings_only),
        cmocka_unit_test(test_row_groups_and_dictionary_overflow),
        cmocka_unit_test(test_big_cell_and_wide),
        cmocka_unit_test(test_metadata_and_required),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
