/* tests/test_profile.c: column profiles (buzz/profile.h). Exact values on a small dataset written
 * by DuckDB with known types (null counts and shares, distinct counts, min/max as text and JSON,
 * mean and standard deviation, text lengths, top values and their order, histogram bins and their
 * sums, examples), doubles with NaN and infinities, an all-NULL column, an empty table, booleans,
 * decimals, dates, times, timestamps with and without a zone, 38-digit decimals, UBIGINT, BLOB,
 * lists and structs, odd column names, cut long text, more columns than one statement takes, a
 * 2M-row dataset (approximate distinct counts, top values with exact counts, exact histograms), the
 * JSON document parsed back, the time budget and cancellation from another thread, option and
 * argument errors, profiles on two threads at once, and an allocation-failure sweep. The CLI
 * (`buzz profile`) is tested end to end by tests/e2e/profile.sh. */
#include "test_support.h"

#include "buzz/profile.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <duckdb.h>

/* ---------------------------------------------------------------------------------------------
 * Datasets, written by DuckDB (exact types) into the test's temp directory. */
static char known_path[600], types_path[600], odd_path[600], empty_path[600], wide_path[600],
    big_path[600], long_path[600], sweep_path[600];

static void duck_run(duckdb_connection con, const char *sql)
{
    duckdb_result r;
    if (duckdb_query(con, sql, &r) != DuckDBSuccess)
        fail_msg("%s: %s", sql, duckdb_result_error(&r));
    duckdb_destroy_result(&r);
}

static void write_parquet(duckdb_connection con, const char *name, const char *select,
                          char *out_path, size_t cap)
{
    test_path(out_path, cap, name);
    size_t n = strlen(select) + strlen(out_path) + 64;
    char *sql = malloc(n);
    assert_non_null(sql);
    snprintf(sql, n, "COPY (%s) TO '%s' (FORMAT parquet)", select, out_path);
    duck_run(con, sql);
    free(sql);
}

static const char *known_sql =
    "SELECT * FROM (VALUES "
    "(1, 'North', 'Apple', 10, 1.50::DECIMAL(4,2), DATE '2024-01-05', "
    "TIMESTAMP '2024-01-05 10:00:00', true, 0.5::DOUBLE, NULL::INTEGER), "
    "(2, 'South', 'Banana', 5, 0.25, DATE '2024-01-06', TIMESTAMP '2024-01-06 11:30:00', false, "
    "1.5, NULL), "
    "(3, 'North', 'Cherry', 7, 3.00, DATE '2024-02-10', TIMESTAMP '2024-02-10 08:15:30', true, "
    "'nan'::DOUBLE, NULL), "
    "(4, 'East', 'apple pie', 2, 12.75, DATE '2024-02-11', TIMESTAMP '2024-02-11 23:59:59', NULL, "
    "'inf'::DOUBLE, NULL), "
    "(5, 'South', 'Apple', 12, 1.50, DATE '2024-03-01', TIMESTAMP '2024-03-01 00:00:01', true, "
    "-2.25, NULL), "
    "(6, 'West', 'Date, dried', NULL, 4.10, DATE '2024-03-15', NULL, false, 0.5, NULL)"
    ") t(id, region, product, units, price, day, stamp, flag, ratio, nothing)";

static const char *types_sql =
    "SELECT * FROM (VALUES "
    "(1::TINYINT, 99999999999999999999999999999999999999::DECIMAL(38,0), "
    "18446744073709551615::UBIGINT, "
    "1.5::FLOAT, TIME '08:30:00', TIMESTAMPTZ '2024-01-01 10:00:00+00', "
    "TIMESTAMP_NS '2024-01-01 10:00:00.123456789', '\\xAA\\x01'::BLOB, [1, 2], {'a': 1, 'b': 'x'}, "
    "123456789012345.123::DECIMAL(18,3), 1::BIGINT), "
    "(2, -99999999999999999999999999999999999999::DECIMAL(38,0), 0, 2.5, TIME '17:45:30.5', "
    "TIMESTAMPTZ '2024-01-03 12:00:00+00', TIMESTAMP_NS '2024-01-02 10:00:00', 'ab'::BLOB, [3], "
    "{'a': 2, 'b': 'y'}, -5.5, 9223372036854775807::BIGINT), "
    "(3, 0, 42::UBIGINT, NULL, TIME '23:59:59', NULL, NULL, 'ab'::BLOB, NULL, NULL, 0, "
    "(-9223372036854775808)::BIGINT)"
    ") t(tiny, huge, ubig, flt, tm, tz, ns, bl, lst, st, dec18, bigext)";

static int setup(void **state)
{
    (void)state;
    duckdb_database db;
    duckdb_connection con;
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    duck_run(con, "SET TimeZone = 'UTC'");
    write_parquet(con, "known.parquet", known_sql, known_path, sizeof known_path);
    write_parquet(con, "types.parquet", types_sql, types_path, sizeof types_path);
    write_parquet(con, "odd.parquet",
                  "SELECT 1 AS \"we\"\"ird name\", 'x' AS \"sp ace\", 3 AS \"select\", "
                  "4 AS \"'quoted'\", 5 AS \"Ünïcode\"",
                  odd_path, sizeof odd_path);
    write_parquet(con, "empty.parquet",
                  "SELECT 1::INTEGER AS a, 'x' AS b, 1.5::DOUBLE AS c, DATE '2024-01-01' AS d "
                  "WHERE false",
                  empty_path, sizeof empty_path);
    /* 70 columns: two statements' worth (64 per statement). */
    char wide[4096];
    size_t n = (size_t)snprintf(wide, sizeof wide, "SELECT ");
    for (int i = 0; i < 70; i++)
        n +=
            (size_t)snprintf(wide + n, sizeof wide - n, "%srange + %d AS c%d", i ? ", " : "", i, i);
    snprintf(wide + n, sizeof wide - n, " FROM range(100)");
    write_parquet(con, "wide.parquet", wide, wide_path, sizeof wide_path);
    /* Long text: 300 x 'é' (600 bytes) and a short value. */
    write_parquet(con, "long.parquet",
                  "SELECT * FROM (VALUES (repeat('é', 300)), ('short')) t(txt)", long_path,
                  sizeof long_path);
    /* Four columns of the known dataset for the allocation sweep (each step profiles it). */
    char sweep[2048];
    snprintf(sweep, sizeof sweep, "SELECT id, region, day, ratio FROM (%s)", known_sql);
    write_parquet(con, "sweep.parquet", sweep, sweep_path, sizeof sweep_path);
    write_parquet(con, "big.parquet",
                  "SELECT range AS id, (range % 500)::VARCHAR AS cat, "
                  "(range % 7)::DOUBLE / 4 AS q, hash(range)::VARCHAR AS h FROM range(2000000)",
                  big_path, sizeof big_path);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Helpers. */
static buzz_profile *profile_ok(const char *path, const buzz_profile_options *o)
{
    buzz_profile_options opts;
    memset(&opts, 0, sizeof opts);
    if (o)
        opts = *o;
    opts.threads = opts.threads ? opts.threads : 2;
    buzz_profile *p = NULL;
    buzz_error err;
    if (buzz_profile_file(path, &opts, &p, &err) != BUZZ_OK)
        fail_msg("profile %s: %s", path, err.message);
    assert_non_null(p);
    return p;
}

static const buzz_profile_column *column(const buzz_profile *p, const char *name)
{
    for (size_t i = 0; i < p->column_count; i++)
        if (strcmp(p->columns[i].name, name) == 0)
            return &p->columns[i];
    fail_msg("no column \"%s\"", name);
    return NULL;
}

/* "text=json" for a value: both forms are checked. */
static void value_is(const char *what, const buzz_profile_value *v, const char *text,
                     const char *json)
{
    if (strcmp(v->text, text) != 0 || strcmp(v->json, json) != 0)
        fail_msg("%s is %s (JSON %s), want %s (JSON %s)", what, v->text, v->json, text, json);
}

/* Top values as "text:count|...". */
static void top_is(const buzz_profile_column *c, const char *want)
{
    char got[2048];
    size_t n = 0;
    got[0] = '\0';
    if (!c->has_top)
        snprintf(got, sizeof got, "none");
    for (size_t k = 0; c->has_top && k < c->top_count; k++)
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s:%lld", k ? "|" : "",
                              c->top[k].value.text, (long long)c->top[k].count);
    if (strcmp(got, want) != 0)
        fail_msg("column %s: top values %s, want %s", c->name, got, want);
}

/* Bins as "lower..upper:count|..."; also checks that the counts sum to `total`. */
static void bins_are(const buzz_profile_column *c, const char *want, int64_t total)
{
    char got[4096];
    size_t n = 0;
    int64_t sum = 0;
    got[0] = '\0';
    if (c->bin_count == 0)
        snprintf(got, sizeof got, "none");
    for (size_t k = 0; k < c->bin_count; k++) {
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s..%s:%lld", k ? "|" : "",
                              c->bins[k].lower.text, c->bins[k].upper.text,
                              (long long)c->bins[k].count);
        sum += c->bins[k].count;
    }
    if (want && strcmp(got, want) != 0)
        fail_msg("column %s: bins %s, want %s", c->name, got, want);
    if (c->bin_count > 0 && sum != total)
        fail_msg("column %s: bins sum to %lld, want %lld", c->name, (long long)sum,
                 (long long)total);
}

static void examples_are(const buzz_profile_column *c, const char *want)
{
    char got[2048];
    size_t n = 0;
    got[0] = '\0';
    for (size_t k = 0; k < c->example_count; k++)
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", k ? "|" : "", c->examples[k].text);
    if (strcmp(got, want) != 0)
        fail_msg("column %s: examples %s, want %s", c->name, got, want);
}

static void near(const char *what, double got, double want)
{
    if (fabs(got - want) > 1e-12 * (fabs(want) > 1 ? fabs(want) : 1))
        fail_msg("%s is %.17g, want %.17g", what, got, want);
}

/* ---------------------------------------------------------------------------------------------
 * Exact values on the known dataset. */
static void test_known_values(void **state)
{
    (void)state;
    buzz_profile *p = profile_ok(known_path, NULL);
    assert_int_equal(p->version, BUZZ_PROFILE_VERSION);
    assert_int_equal(p->rows, 6);
    assert_int_equal(p->column_count, 10);
    assert_int_equal(p->scan_count, 2); /* stats, then top values + histograms */

    static const struct {
        const char *name, *logical, *duckdb, *kind;
        int64_t nulls, distinct;
        const char *min, *min_json, *max, *max_json;
        double mean, stddev; /* NAN: none */
        const char *top, *bins, *examples;
    } cases[] = {
        {"id", "int32", "INTEGER", "number", 0, 6, "1", "1", "6", "6", 3.5, 1.8708286933869707,
         "1:1|2:1|3:1|4:1|5:1|6:1", "1..2:1|2..3:1|3..4:1|4..5:1|5..6:1|6..7:1", "1|2|3|4|5"},
        {"region", "varchar", "VARCHAR", "text", 0, 4, "East", "\"East\"", "West", "\"West\"", NAN,
         NAN, "North:2|South:2|East:1|West:1", "none", "North|South|East|West"},
        /* Byte order: upper case before lower case. */
        {"product", "varchar", "VARCHAR", "text", 0, 5, "Apple", "\"Apple\"", "apple pie",
         "\"apple pie\"", NAN, NAN, "Apple:2|Banana:1|Cherry:1|Date, dried:1|apple pie:1", "none",
         "Apple|Banana|Cherry|apple pie|Date, dried"},
        {"units", "int32", "INTEGER", "number", 1, 5, "2", "2", "12", "12", 7.2, 3.9623225512317903,
         "2:1|5:1|7:1|10:1|12:1",
         "2..3:1|3..4:0|4..5:0|5..6:1|6..7:0|7..8:1|8..9:0|9..10:0|10..11:1|11..12:0|12..13:1",
         "10|5|7|2|12"},
        /* 0.25..12.75: 1,251 hundredths in 20 bins -> width 63, nice 1.00: 13 aligned bins. */
        {"price", "decimal(4,2)", "DECIMAL(4,2)", "number", 0, 5, "0.25", "0.25", "12.75", "12.75",
         3.85, 4.5607017003965522, "1.50:2|0.25:1|3.00:1|4.10:1|12.75:1",
         "0.00..1.00:1|1.00..2.00:2|2.00..3.00:0|3.00..4.00:1|4.00..5.00:1|5.00..6.00:0|"
         "6.00..7.00:0|7.00..8.00:0|8.00..9.00:0|9.00..10.00:0|10.00..11.00:0|11.00..12.00:0|"
         "12.00..13.00:1",
         "1.50|0.25|3.00|12.75|4.10"},
        /* 71 days in 20 bins -> 4, nice 5 days, aligned on multiples of 5 days since 1970. */
        {"day", "date", "DATE", "date", 0, 6, "2024-01-05", "\"2024-01-05\"", "2024-03-15",
         "\"2024-03-15\"", NAN, NAN,
         "2024-01-05:1|2024-01-06:1|2024-02-10:1|2024-02-11:1|2024-03-01:1|2024-03-15:1",
         "2024-01-03..2024-01-08:2|2024-01-08..2024-01-13:0|2024-01-13..2024-01-18:0|"
         "2024-01-18..2024-01-23:0|2024-01-23..2024-01-28:0|2024-01-28..2024-02-02:0|"
         "2024-02-02..2024-02-07:0|2024-02-07..2024-02-12:2|2024-02-12..2024-02-17:0|"
         "2024-02-17..2024-02-22:0|2024-02-22..2024-02-27:0|2024-02-27..2024-03-03:1|"
         "2024-03-03..2024-03-08:0|2024-03-08..2024-03-13:0|2024-03-13..2024-03-18:1",
         "2024-01-05|2024-01-06|2024-02-10|2024-02-11|2024-03-01"},
        {"stamp", "timestamp", "TIMESTAMP", "timestamp", 1, 5, "2024-01-05 10:00:00",
         "\"2024-01-05T10:00:00\"", "2024-03-01 00:00:01", "\"2024-03-01T00:00:01\"", NAN, NAN,
         "2024-01-05 10:00:00:1|2024-01-06 11:30:00:1|2024-02-10 08:15:30:1|"
         "2024-02-11 23:59:59:1|2024-03-01 00:00:01:1",
         NULL,
         "2024-01-05 10:00:00|2024-01-06 11:30:00|2024-02-10 08:15:30|"
         "2024-02-11 23:59:59|2024-03-01 00:00:01"},
        {"flag", "boolean", "BOOLEAN", "boolean", 1, 2, "false", "false", "true", "true", NAN, NAN,
         "true:3|false:2", "none", "true|false"},
        /* DuckDB orders NaN above everything: it is the max. NaN is not a top value. */
        {"ratio", "double", "DOUBLE", "number", 0, 5, "-2.25", "-2.25", "nan", "\"NaN\"", 0.0625,
         1.6121285101794254, "0.5:2|-2.25:1|1.5:1|inf:1", NULL, "0.5|1.5|nan|inf|-2.25"},
        {"nothing", "int32", "INTEGER", "number", 6, 0, NULL, NULL, NULL, NULL, NAN, NAN, "",
         "none", ""},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        const buzz_profile_column *c = column(p, cases[i].name);
        if (strcmp(c->logical_type, cases[i].logical) != 0 ||
            strcmp(c->duckdb_type, cases[i].duckdb) != 0 || strcmp(c->kind, cases[i].kind) != 0)
            fail_msg("%s: types %s/%s/%s", c->name, c->logical_type, c->duckdb_type, c->kind);
        if (c->null_count != cases[i].nulls || c->distinct_count != cases[i].distinct ||
            !c->is_distinct_exact)
            fail_msg("%s: nulls %lld, distinct %lld (exact %d)", c->name, (long long)c->null_count,
                     (long long)c->distinct_count, c->is_distinct_exact);
        near("null share", c->null_share, (double)cases[i].nulls / 6);
        if (cases[i].min) {
            assert_true(c->has_min_max);
            value_is("min", &c->min, cases[i].min, cases[i].min_json);
            value_is("max", &c->max, cases[i].max, cases[i].max_json);
        } else {
            assert_false(c->has_min_max);
        }
        assert_int_equal(c->has_mean, !isnan(cases[i].mean));
        if (c->has_mean) {
            near("mean", c->mean, cases[i].mean);
            assert_true(c->has_stddev);
            near("stddev", c->stddev, cases[i].stddev);
        }
        top_is(c, cases[i].top);
        int64_t finite = 6 - c->null_count - c->nonfinite_count;
        bins_are(c, cases[i].bins, finite);
        examples_are(c, cases[i].examples);
        int64_t in_top = 0;
        for (size_t k = 0; k < c->top_count; k++)
            in_top += c->top[k].count;
        assert_int_equal(in_top + c->top_other_count, 6 - c->null_count);
    }
    /* Text lengths in characters. */
    const buzz_profile_column *region = column(p, "region"), *product = column(p, "product");
    assert_true(region->has_length && product->has_length);
    assert_int_equal(region->min_length, 4);
    assert_int_equal(region->max_length, 5);
    near("avg length", region->avg_length, 28.0 / 6);
    assert_int_equal(product->min_length, 5);
    assert_int_equal(product->max_length, 11);
    near("avg length", product->avg_length, 7);
    assert_false(column(p, "id")->has_length);
    /* Doubles: two non-finite values, in neither the mean nor the histogram; NaN is the rest of
     * the top list. Bins: -2.25..1.5 in 20 -> 0.1875, nice 0.2, aligned: -2.4 to 1.6. */
    const buzz_profile_column *ratio = column(p, "ratio");
    assert_int_equal(ratio->nonfinite_count, 2);
    assert_int_equal(ratio->top_other_count, 1);
    assert_int_equal(ratio->bin_count, 20);
    value_is("first bound", &ratio->bins[0].lower, "-2.4", "-2.4");
    value_is("a bound", &ratio->bins[2].lower, "-2.0", "-2.0");
    value_is("a bound", &ratio->bins[14].lower, "0.4", "0.4");
    value_is("last bound", &ratio->bins[19].upper, "1.6", "1.6");
    assert_int_equal(ratio->bins[0].count, 1);
    assert_int_equal(ratio->bins[14].count, 2);
    assert_int_equal(ratio->bins[19].count, 1);
    /* Timestamps: 55.6 days in 20 bins -> 2.8 days, nice 5 days from midnight. */
    const buzz_profile_column *stamp = column(p, "stamp");
    assert_int_equal(stamp->bin_count, 12);
    value_is("first bound", &stamp->bins[0].lower, "2024-01-03 00:00:00",
             "\"2024-01-03T00:00:00\"");
    value_is("last bound", &stamp->bins[11].upper, "2024-03-03 00:00:00",
             "\"2024-03-03T00:00:00\"");
    assert_int_equal(stamp->bins[0].count, 2);
    assert_int_equal(stamp->bins[7].count, 2);
    assert_int_equal(stamp->bins[11].count, 1);
    /* All NULL: nothing but counts. */
    const buzz_profile_column *nothing = column(p, "nothing");
    assert_true(nothing->has_top);
    assert_int_equal(nothing->top_count, 0);
    assert_int_equal(nothing->top_other_count, 0);
    near("share", nothing->null_share, 1);
    buzz_profile_free(p);
}

/* ---------------------------------------------------------------------------------------------
 * Other types. */
static void test_other_types(void **state)
{
    (void)state;
    buzz_profile *p = profile_ok(types_path, NULL);
    assert_int_equal(p->rows, 3);
    const buzz_profile_column *c = column(p, "tiny");
    assert_string_equal(c->logical_type, "int32");
    assert_string_equal(c->duckdb_type, "TINYINT");
    bins_are(c, "1..2:1|2..3:1|3..4:1", 3);

    /* 38 digits: exact text and JSON numbers; too wide for a histogram (the span overflows
     * 128 bits). (DuckDB writes HUGEINT to Parquet as DOUBLE, so that type never comes back.) */
    c = column(p, "huge");
    assert_string_equal(c->logical_type, "decimal(38,0)");
    assert_string_equal(c->kind, "number");
    value_is("min", &c->min, "-99999999999999999999999999999999999999",
             "-99999999999999999999999999999999999999");
    value_is("max", &c->max, "99999999999999999999999999999999999999",
             "99999999999999999999999999999999999999");
    assert_int_equal(c->bin_count, 0);
    assert_true(c->has_mean);
    c = column(p, "ubig");
    value_is("max", &c->max, "18446744073709551615", "18446744073709551615");
    assert_true(c->bin_count > 0);
    bins_are(c, NULL, 3);
    c = column(p, "bigext");
    assert_string_equal(c->logical_type, "int64");
    value_is("min", &c->min, "-9223372036854775808", "-9223372036854775808");
    bins_are(c, NULL, 3);

    c = column(p, "flt");
    assert_string_equal(c->duckdb_type, "FLOAT");
    assert_string_equal(c->logical_type, "double");
    near("mean", c->mean, 2.0);
    bins_are(c, NULL, 2);

    /* Times: 08:30 to 23:59:59 in 20 -> 46.5 min, nice 1 h aligned on the hour. */
    c = column(p, "tm");
    assert_string_equal(c->kind, "time");
    value_is("max", &c->max, "23:59:59", "\"23:59:59\"");
    assert_int_equal(c->bin_count, 16);
    value_is("lower", &c->bins[0].lower, "08:00:00", "\"08:00:00\"");
    value_is("upper", &c->bins[15].upper, "24:00:00", "\"24:00:00\"");
    bins_are(c, NULL, 3);

    /* TIMESTAMPTZ: UTC, "+00" as text and "Z" in JSON. 2 days in 20 -> 2.4 h, nice 3 h. */
    c = column(p, "tz");
    assert_string_equal(c->logical_type, "timestamp_tz");
    value_is("min", &c->min, "2024-01-01 10:00:00+00", "\"2024-01-01T10:00:00Z\"");
    value_is("lower", &c->bins[0].lower, "2024-01-01 09:00:00+00", "\"2024-01-01T09:00:00Z\"");
    bins_are(c, NULL, 2);
    c = column(p, "ns");
    assert_string_equal(c->logical_type, "timestamp");
    value_is("min", &c->min, "2024-01-01 10:00:00.123456789", "\"2024-01-01T10:00:00.123456789\"");
    bins_are(c, NULL, 2);

    c = column(p, "dec18");
    assert_string_equal(c->logical_type, "decimal(18,3)");
    value_is("max", &c->max, "123456789012345.123", "123456789012345.123");
    bins_are(c, NULL, 3);

    /* BLOB: ordered, low-cardinality, no histogram. */
    c = column(p, "bl");
    assert_string_equal(c->kind, "other");
    top_is(c, "ab:2|\\xAA\\x01:1");
    assert_int_equal(c->bin_count, 0);

    /* Nested: counts, distinct text forms and examples only. */
    c = column(p, "lst");
    assert_string_equal(c->duckdb_type, "INTEGER[]");
    assert_int_equal(c->null_count, 1);
    assert_int_equal(c->distinct_count, 2);
    assert_false(c->has_min_max);
    assert_false(c->has_top);
    examples_are(c, "[1, 2]|[3]");
    c = column(p, "st");
    examples_are(c, "{'a': 1, 'b': x}|{'a': 2, 'b': y}");
    buzz_profile_free(p);
}

static void test_odd_names_empty_wide_long(void **state)
{
    (void)state;
    buzz_profile *p = profile_ok(odd_path, NULL);
    static const char *const names[] = {"we\"ird name", "sp ace", "select", "'quoted'", "Ünïcode"};
    assert_int_equal(p->column_count, BUZZ_ARRAY_LEN(names));
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(names); i++) {
        assert_string_equal(p->columns[i].name, names[i]);
        assert_int_equal(p->columns[i].null_count, 0);
        assert_int_equal(p->columns[i].distinct_count, 1);
        assert_true(p->columns[i].has_min_max);
    }
    value_is("max", &column(p, "sp ace")->max, "x", "\"x\"");
    bins_are(column(p, "we\"ird name"), "1..2:1", 1);
    buzz_profile_free(p);

    p = profile_ok(empty_path, NULL);
    assert_int_equal(p->rows, 0);
    assert_int_equal(p->column_count, 4);
    for (size_t i = 0; i < p->column_count; i++) {
        const buzz_profile_column *c = &p->columns[i];
        assert_int_equal(c->null_count, 0);
        assert_int_equal(c->distinct_count, 0);
        assert_true(c->is_distinct_exact);
        assert_false(c->has_min_max);
        assert_false(c->has_mean);
        assert_false(c->has_length);
        assert_true(c->has_top);
        assert_int_equal(c->top_count, 0);
        assert_int_equal(c->bin_count, 0);
        assert_int_equal(c->example_count, 0);
        near("share", c->null_share, 0);
    }
    buzz_profile_free(p);

    /* More columns than one statement holds: two groups, two scans each. */
    p = profile_ok(wide_path, NULL);
    assert_int_equal(p->column_count, 70);
    assert_int_equal(p->scan_count, 4);
    const buzz_profile_column *c = column(p, "c69");
    value_is("min", &c->min, "69", "69");
    value_is("max", &c->max, "168", "168");
    near("mean", c->mean, 118.5);
    bins_are(c, NULL, 100);
    /* 69..168 in 20: width 5 from 65 would take 21 bins, so width 10 from 60: 11 bins. */
    assert_int_equal(c->bin_count, 11);
    value_is("lower", &c->bins[0].lower, "60", "60");
    buzz_profile_free(p);

    /* Long text is cut at a character boundary, with "…" after it. */
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    o.max_value_bytes = 21; /* 10.5 two-byte characters: cut after 10 */
    p = profile_ok(long_path, &o);
    c = column(p, "txt");
    assert_true(c->max.is_cut);
    char want[64] = "";
    for (int i = 0; i < 10; i++)
        strcat(want, "é");
    strcat(want, "…");
    char want_json[80];
    snprintf(want_json, sizeof want_json, "\"%s\"", want);
    value_is("max", &c->max, want, want_json);
    assert_false(c->min.is_cut);
    assert_int_equal(c->max_length, 300);
    assert_true(c->examples[0].is_cut);
    buzz_profile_free(p);
}

/* ---------------------------------------------------------------------------------------------
 * A larger dataset: approximate distinct counts, exact top counts, exact histograms. */
static void test_big_dataset(void **state)
{
    (void)state;
    buzz_profile *p = profile_ok(big_path, NULL);
    assert_int_equal(p->rows, 2000000);
    const buzz_profile_column *id = column(p, "id");
    assert_false(id->is_distinct_exact);
    /* DuckDB's HyperLogLog estimate: within 25% here. */
    assert_true(id->distinct_count > 1500000 && id->distinct_count < 2500000);
    assert_false(id->has_top);
    near("mean", id->mean, 999999.5);
    bins_are(id, NULL, 2000000);
    assert_int_equal(id->bin_count, 20);
    for (size_t k = 0; k < id->bin_count; k++)
        assert_int_equal(id->bins[k].count, 100000);
    value_is("upper", &id->bins[19].upper, "2000000", "2000000");
    examples_are(id, "0|1|2|3|4");

    const buzz_profile_column *cat = column(p, "cat");
    assert_true(cat->is_distinct_exact); /* from the exact value counts */
    assert_int_equal(cat->distinct_count, 500);
    assert_int_equal(cat->top_count, 20);
    /* Every value 4,000 times: ties in DuckDB's text order. */
    top_is(cat, "0:4000|1:4000|10:4000|100:4000|101:4000|102:4000|103:4000|104:4000|105:4000|"
                "106:4000|107:4000|108:4000|109:4000|11:4000|110:4000|111:4000|112:4000|113:4000|"
                "114:4000|115:4000");
    assert_int_equal(cat->top_other_count, 2000000 - 20 * 4000);

    const buzz_profile_column *q = column(p, "q");
    assert_int_equal(q->distinct_count, 7);
    bins_are(q, NULL, 2000000);
    /* 0..1.5 in 20 -> 0.075, nice 0.1: 16 bins, one value every 0.25. */
    assert_int_equal(q->bin_count, 16);
    const buzz_profile_column *h = column(p, "h");
    assert_false(h->has_top);
    assert_false(h->is_distinct_exact);
    buzz_profile_free(p);

    /* Exact distinct counts on request. */
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    o.exact_distinct_rows = 2000000;
    p = profile_ok(big_path, &o);
    assert_true(column(p, "id")->is_distinct_exact);
    assert_int_equal(column(p, "id")->distinct_count, 2000000);
    assert_int_equal(column(p, "h")->distinct_count, 2000000);
    buzz_profile_free(p);
}

/* ---------------------------------------------------------------------------------------------
 * JSON. */
static void test_json(void **state)
{
    (void)state;
    buzz_profile *p = profile_ok(known_path, NULL);
    buzz_buf b;
    buzz_buf_init(&b, 0);
    assert_int_equal(buzz_profile_to_json(p, &b, NULL), BUZZ_OK);
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)b.data, b.len, 0, &jerr);
    if (!doc)
        fail_msg("JSON line %d: %s\n%.*s", jerr.line, jerr.text, (int)b.len, (const char *)b.data);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(doc, "rows")), 6);
    assert_true(json_is_integer(json_object_get(doc, "elapsed_ms")));
    json_t *cols = json_object_get(doc, "columns");
    assert_int_equal(json_array_size(cols), 10);
    static const char *const keys[] = {"name",
                                       "type",
                                       "duckdb_type",
                                       "kind",
                                       "null_count",
                                       "null_share",
                                       "distinct_count",
                                       "distinct_exact",
                                       "min",
                                       "max",
                                       "mean",
                                       "stddev",
                                       "nonfinite_count",
                                       "length",
                                       "top",
                                       "top_other_count",
                                       "histogram",
                                       "examples"};
    size_t i;
    json_t *c;
    json_array_foreach(cols, i, c)
    {
        assert_int_equal(json_object_size(c), BUZZ_ARRAY_LEN(keys));
        for (size_t k = 0; k < BUZZ_ARRAY_LEN(keys); k++)
            if (!json_object_get(c, keys[k]))
                fail_msg("column %zu has no \"%s\"", i, keys[k]);
    }
    json_t *price = json_array_get(cols, 4), *day = json_array_get(cols, 5);
    json_t *flag = json_array_get(cols, 7), *region = json_array_get(cols, 1);
    assert_string_equal(json_string_value(json_object_get(price, "name")), "price");
    near("price min", json_number_value(json_object_get(price, "min")), 0.25);
    assert_true(json_is_string(json_object_get(day, "min")));
    assert_true(json_is_boolean(json_object_get(flag, "max")));
    assert_true(json_is_null(json_object_get(region, "histogram")));
    assert_true(json_is_null(json_object_get(region, "mean")));
    json_t *len = json_object_get(region, "length");
    assert_int_equal(json_integer_value(json_object_get(len, "max")), 5);
    json_t *top = json_array_get(json_object_get(region, "top"), 0);
    assert_string_equal(json_string_value(json_object_get(top, "value")), "North");
    assert_int_equal(json_integer_value(json_object_get(top, "count")), 2);
    json_t *bin = json_array_get(json_object_get(price, "histogram"), 1);
    near("bin lower", json_number_value(json_object_get(bin, "lower")), 1.0);
    assert_int_equal(json_integer_value(json_object_get(bin, "count")), 2);
    /* NaN is a string; an all-NULL column's min is null and its top an empty list. */
    json_t *ratio = json_array_get(cols, 8), *nothing = json_array_get(cols, 9);
    assert_string_equal(json_string_value(json_object_get(ratio, "max")), "NaN");
    assert_true(json_is_null(json_object_get(nothing, "min")));
    assert_int_equal(json_array_size(json_object_get(nothing, "top")), 0);
    assert_true(json_is_array(json_object_get(nothing, "top")));
    json_decref(doc);
    /* A full buffer is a LIMIT error, nothing else. */
    buzz_buf small;
    buzz_buf_init(&small, 100);
    buzz_error err;
    assert_int_equal(buzz_profile_to_json(p, &small, &err), BUZZ_ERR_LIMIT);
    buzz_buf_free(&small);
    buzz_buf_free(&b);
    buzz_profile_free(p);
}

/* ---------------------------------------------------------------------------------------------
 * Time budget, cancellation, errors, threads. */
static buzz_query_engine *open_engine(const char *path)
{
    buzz_query_dataset ds = {"data", path};
    buzz_query_options o;
    memset(&o, 0, sizeof o);
    o.threads = 2;
    buzz_query_engine *e = NULL;
    buzz_error err;
    if (buzz_query_engine_open(&e, &ds, 1, &o, &err) != BUZZ_OK)
        fail_msg("engine: %s", err.message);
    return e;
}

static void test_timeout(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(big_path);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    o.timeout_ms = 50;
    o.exact_distinct_rows = 2000000;      /* exact distinct counts of 2M strings: seconds */
    buzz_profile *p = (buzz_profile *)&o; /* must be reset to NULL */
    buzz_error err;
    int64_t t0 = buzz_now_ns();
    assert_int_equal(buzz_profile_dataset(c, 0, &o, &p, &err), BUZZ_ERR_LIMIT);
    assert_null(p);
    assert_string_equal(err.message,
                        "profiling took longer than its 0.05 s time limit and was stopped");
    assert_true(buzz_now_ns() - t0 < 5000000000LL);
    /* The connection works afterwards. */
    buzz_query_result *r = NULL;
    assert_int_equal(buzz_query_run(c, "SELECT count(*) FROM data", NULL, &r, NULL), BUZZ_OK);
    buzz_query_result_free(r);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

typedef struct cancel_ctx {
    buzz_query_conn *conn;
    atomic_bool started, finished;
    buzz_status st;
    buzz_error err;
} cancel_ctx;

static void *profile_main(void *arg)
{
    cancel_ctx *x = arg;
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    o.exact_distinct_rows = 2000000;
    atomic_store(&x->started, true);
    buzz_profile *p = NULL;
    x->st = buzz_profile_dataset(x->conn, 0, &o, &p, &x->err);
    buzz_profile_free(p);
    atomic_store(&x->finished, true);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(big_path);
    cancel_ctx x;
    memset(&x, 0, sizeof x);
    assert_int_equal(buzz_query_conn_open(e, &x.conn, NULL), BUZZ_OK);
    buzz_query_conn_cancel(x.conn); /* idle: nothing happens */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, profile_main, &x), 0);
    while (!atomic_load(&x.started)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    /* Cancel until it stops: the first calls may come before the profile is armed. */
    int64_t t0 = buzz_now_ns();
    while (!atomic_load(&x.finished)) {
        buzz_query_conn_cancel(x.conn);
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        if (buzz_now_ns() - t0 > 30000000000LL)
            fail_msg("the profile did not stop after cancel");
    }
    pthread_join(th, NULL);
    assert_int_equal(x.st, BUZZ_ERR_CANCELLED);
    assert_string_equal(x.err.message, "profiling was cancelled");
    /* The connection works afterwards, for queries and profiles. */
    buzz_query_result *r = NULL;
    assert_int_equal(buzz_query_run(x.conn, "SELECT 1", NULL, &r, NULL), BUZZ_OK);
    buzz_query_result_free(r);
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    o.example_count = 1;
    buzz_profile *p = NULL;
    assert_int_equal(buzz_profile_dataset(x.conn, 0, &o, &p, NULL), BUZZ_OK);
    assert_int_equal(p->rows, 2000000);
    assert_int_equal(p->columns[0].example_count, 1);
    buzz_profile_free(p);
    buzz_query_conn_close(x.conn);
    buzz_query_engine_close(e);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        buzz_profile_options o;
        const char *fragment;
    } bad[] = {
        {{.timeout_ms = -1}, "timeout_ms"},
        {{.top_count = 1001}, "top_count"},
        {{.top_max_distinct = 100001}, "top_max_distinct"},
        {{.histogram_bins = 1}, "histogram_bins"},
        {{.example_count = 101}, "example_count"},
        {{.max_value_bytes = 8}, "max_value_bytes"},
    };
    buzz_query_engine *e = open_engine(known_path);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(bad); i++) {
        buzz_profile *p = NULL;
        buzz_error err;
        assert_int_equal(buzz_profile_dataset(c, 0, &bad[i].o, &p, &err), BUZZ_ERR_ARG);
        assert_null(p);
        if (!strstr(err.message, bad[i].fragment))
            fail_msg("case %zu: \"%s\" lacks %s", i, err.message, bad[i].fragment);
        assert_int_equal(buzz_profile_file(known_path, &bad[i].o, &p, &err), BUZZ_ERR_ARG);
    }
    buzz_profile *p = NULL;
    buzz_error err;
    assert_int_equal(buzz_profile_dataset(c, 1, NULL, &p, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "no dataset 1"));
    /* A connection with an open cursor runs nothing else. */
    buzz_query_cursor *cur = NULL;
    assert_int_equal(buzz_query_cursor_open(c, "SELECT * FROM data", NULL, &cur, NULL), BUZZ_OK);
    assert_int_equal(buzz_profile_dataset(c, 0, NULL, &p, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "cursor"));
    buzz_query_cursor_close(cur);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
    /* Files: missing, not Parquet. */
    char path[600];
    test_path(path, sizeof path, "missing.parquet");
    assert_int_equal(buzz_profile_file(path, NULL, &p, &err), BUZZ_ERR_ARG);
    test_path(path, sizeof path, "not.parquet");
    test_write_file(path, "a,b\n1,2\n", 8);
    assert_int_equal(buzz_profile_file(path, NULL, &p, &err), BUZZ_ERR_IO);
    assert_null(p);
}

/* The profile's JSON without its timing. */
static char *json_of(const buzz_profile *p)
{
    buzz_profile copy = *p;
    copy.elapsed_ms = 0;
    buzz_buf b;
    buzz_buf_init(&b, 0);
    assert_int_equal(buzz_profile_to_json(&copy, &b, NULL), BUZZ_OK);
    assert_int_equal(buzz_buf_append_byte(&b, 0, NULL), BUZZ_OK);
    char *s = strdup((const char *)b.data);
    buzz_buf_free(&b);
    return s;
}

typedef struct worker {
    buzz_query_engine *e;
    char *json;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    buzz_query_conn *c = NULL;
    if (buzz_query_conn_open(w->e, &c, NULL) != BUZZ_OK)
        return NULL;
    for (int i = 0; i < 5; i++) {
        buzz_profile *p = NULL;
        if (buzz_profile_dataset(c, 0, NULL, &p, NULL) != BUZZ_OK)
            break;
        free(w->json);
        w->json = json_of(p);
        buzz_profile_free(p);
    }
    buzz_query_conn_close(c);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(known_path);
    worker w[2] = {{e, NULL}, {e, NULL}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    buzz_profile *p = profile_ok(known_path, NULL);
    char *want = json_of(p);
    buzz_profile_free(p);
    assert_non_null(w[0].json);
    assert_non_null(w[1].json);
    assert_string_equal(w[0].json, want);
    assert_string_equal(w[1].json, want);
    free(want);
    free(w[0].json);
    free(w[1].json);
    buzz_query_engine_close(e);
}

/* Every failing allocation gives BUZZ_ERR_NOMEM and leaks nothing. */
static void test_allocation_failures(void **state)
{
    (void)state;
    buzz_query_engine *e = open_engine(sweep_path);
    buzz_query_conn *c = NULL;
    assert_int_equal(buzz_query_conn_open(e, &c, NULL), BUZZ_OK);
    size_t base = buzz_mem_live_bytes();
    bool done = false;
    int64_t nth;
    for (nth = 1; !done && nth < 20000; nth++) {
        buzz_profile *p = NULL;
        buzz_buf out;
        buzz_buf_init(&out, 0);
        buzz_error err;
        buzz_mem_fail_after(nth);
        buzz_status st = buzz_profile_dataset(c, 0, NULL, &p, &err);
        if (st == BUZZ_OK)
            st = buzz_profile_to_json(p, &out, &err);
        buzz_mem_fail_after(0);
        if (st != BUZZ_OK && st != BUZZ_ERR_NOMEM)
            fail_msg("allocation %lld: %s: %s", (long long)nth, buzz_status_name(st), err.message);
        done = st == BUZZ_OK;
        buzz_buf_free(&out);
        buzz_profile_free(p);
        if (buzz_mem_live_bytes() != base)
            fail_msg("allocation %lld: %zu bytes leaked", (long long)nth,
                     buzz_mem_live_bytes() - base);
    }
    assert_true(done);
    assert_true(nth > 100);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_other_types),
        cmocka_unit_test(test_odd_names_empty_wide_long),
        cmocka_unit_test(test_big_dataset),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
