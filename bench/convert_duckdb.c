/* bench/convert_duckdb.c: DuckDB's side of the convert benchmark (bench/run, section convert):
 * DuckDB as a peer converter, the export of the flights table to CSV, and the check that Buzz's
 * Parquet holds the same rows and values that DuckDB reads from the CSV.
 *
 *   convert_duckdb convert CSV OUT THREADS   SET threads=THREADS; COPY (SELECT * FROM
 *                                            read_csv('CSV')) TO 'OUT' (FORMAT parquet,
 *                                            COMPRESSION snappy): DuckDB's defaults otherwise
 *   convert_duckdb export PARQUET CSV        COPY the Parquet file to CSV with a header (how the
 *                                            vega-datasets flights table becomes an input)
 *   convert_duckdb rows PARQUET              print the file's row count
 *   convert_duckdb check CSV PARQUET         compare PARQUET with DuckDB's reading of CSV (below)
 *
 * bench/run times `convert` from outside (bench/rss_run), so this program prints nothing the
 * timing depends on; it reports its own query time on stdout for the log only.
 *
 * The check. Both sides are scanned side by side with a POSITIONAL JOIN (row i of the Parquet
 * file against row i of DuckDB's CSV reading; DuckDB streams it in one pass, without sorting or
 * hashing, and both scans keep file order), and one aggregate query counts, per column, the rows
 * whose values differ. The two readers may type a column differently, so each pair of types is
 * compared in a form both share:
 *   - both numeric (any integer, DECIMAL, FLOAT, DOUBLE): numerically, DuckDB's own promotion
 *     (DECIMAL(7,2) 74600.70 equals DOUBLE 74600.7; exact, since both sides are correctly rounded);
 *   - both DATE or TIMESTAMP (any precision or zone, in UTC): as TIMESTAMP;
 *   - BOOLEAN against text: the text's y/yes/t/true/1 and n/no/f/false/0 (any case, trimmed) as
 *     true/false, anything else as itself, so it differs;
 *   - the same type: directly;
 *   - anything else: as VARCHAR text. For such a pair the report also counts the differing rows
 *     whose two values are equal as numbers (e.g. "01234" against 1234: a reader dropped the
 *     leading zero), which is usually the reason.
 * NULL equals NULL. The first line printed is "values: same ..." or "values: differ ...",
 * followed by one line per differing column (types, count, the first differing row, 1-based
 * and not counting the header, with both values) and one line listing the columns whose types
 * differ although the values agree. Exit status: 0 same, 3 differ, 1 error (message on stderr), 2
 * usage. */
#include <duckdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------------------------------------
 * A growable string for building SQL. Allocation failure ends the program: this is a benchmark
 * tool, and an SQL text of a few hundred KiB failing to allocate leaves nothing to report. */

typedef struct sbuf {
    char *ptr;
    size_t len, cap;
} sbuf;

static void sb_vadd(sbuf *b, const char *fmt, va_list ap)
{
    for (;;) {
        va_list ap2;
        va_copy(ap2, ap);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->ptr ? b->ptr + b->len : NULL, room, fmt, ap2);
        va_end(ap2);
        if (n < 0) {
            fprintf(stderr, "convert_duckdb: bad format\n");
            exit(1);
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t want = b->cap ? b->cap * 2 : 4096;
        while (want - b->len <= (size_t)n)
            want *= 2;
        char *p = realloc(b->ptr, want);
        if (!p) {
            fprintf(stderr, "convert_duckdb: out of memory\n");
            exit(1);
        }
        b->ptr = p;
        b->cap = want;
    }
}

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, fmt, ap);
    va_end(ap);
}

/* s with every `q` doubled: the body of an SQL string literal ('...') or identifier ("..."). */
static void sb_quoted(sbuf *b, const char *s, char q)
{
    sb_add(b, "%c", q);
    for (const char *p = s; *p; p++) {
        if (*p == q)
            sb_add(b, "%c", q);
        sb_add(b, "%c", *p);
    }
    sb_add(b, "%c", q);
}

static void sb_free(sbuf *b)
{
    free(b->ptr);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------------------------------------
 * DuckDB helpers. */

typedef struct db {
    duckdb_database db;
    duckdb_connection con;
} db;

static int db_open(db *d)
{
    memset(d, 0, sizeof *d);
    if (duckdb_open(NULL, &d->db) != DuckDBSuccess ||
        duckdb_connect(d->db, &d->con) != DuckDBSuccess) {
        fprintf(stderr, "convert_duckdb: cannot open an in-memory DuckDB database\n");
        return 1;
    }
    return 0;
}

static void db_close(db *d)
{
    duckdb_disconnect(&d->con);
    duckdb_close(&d->db);
}

/* Runs sql; on success res holds the result (caller destroys it). 1 with the error on stderr. */
static int db_query(db *d, const char *sql, duckdb_result *res)
{
    if (duckdb_query(d->con, sql, res) != DuckDBSuccess) {
        fprintf(stderr, "duckdb: %s\n  in: %.300s\n", duckdb_result_error(res), sql);
        duckdb_destroy_result(res);
        return 1;
    }
    return 0;
}

static int db_exec(db *d, const char *sql)
{
    duckdb_result res;
    if (db_query(d, sql, &res))
        return 1;
    duckdb_destroy_result(&res);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * convert, export, rows. */

static int run_convert(const char *csv, const char *out, const char *threads)
{
    char *end;
    long n = strtol(threads, &end, 10);
    if (*end || n < 1 || n > 256) {
        fprintf(stderr, "convert_duckdb: THREADS must be 1-256, got %s\n", threads);
        return 2;
    }
    db d;
    if (db_open(&d))
        return 1;
    sbuf sql = {0};
    sb_add(&sql, "SET threads=%ld", n);
    int rc = db_exec(&d, sql.ptr);
    sql.len = 0;
    sb_add(&sql, "COPY (SELECT * FROM read_csv(");
    sb_quoted(&sql, csv, '\'');
    sb_add(&sql, ")) TO ");
    sb_quoted(&sql, out, '\'');
    sb_add(&sql, " (FORMAT parquet, COMPRESSION snappy)");
    double t0 = now_s();
    if (!rc)
        rc = db_exec(&d, sql.ptr);
    if (!rc)
        printf("duckdb convert: %.3f s in the COPY\n", now_s() - t0);
    sb_free(&sql);
    db_close(&d);
    return rc;
}

static int run_export(const char *parquet, const char *csv)
{
    db d;
    if (db_open(&d))
        return 1;
    sbuf sql = {0};
    sb_add(&sql, "COPY (SELECT * FROM read_parquet(");
    sb_quoted(&sql, parquet, '\'');
    sb_add(&sql, ")) TO ");
    sb_quoted(&sql, csv, '\'');
    sb_add(&sql, " (FORMAT csv, HEADER true)");
    int rc = db_exec(&d, sql.ptr);
    sb_free(&sql);
    db_close(&d);
    return rc;
}

static int run_rows(const char *parquet)
{
    db d;
    if (db_open(&d))
        return 1;
    sbuf sql = {0};
    sb_add(&sql, "SELECT count(*) FROM read_parquet(");
    sb_quoted(&sql, parquet, '\'');
    sb_add(&sql, ")");
    duckdb_result res;
    int rc = db_query(&d, sql.ptr, &res);
    if (!rc) {
        printf("%lld\n", (long long)duckdb_value_int64(&res, 0, 0));
        duckdb_destroy_result(&res);
    }
    sb_free(&sql);
    db_close(&d);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * check. */

typedef enum kind { K_INT, K_DECIMAL, K_FLOAT, K_BOOL, K_TIMESTAMP, K_TEXT, K_OTHER } kind;

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The comparison class of a DuckDB type name as DESCRIBE prints it. DATE counts as a timestamp
 * (midnight) so that a DATE read on one side meets a TIMESTAMP on the other. */
static kind kind_of(const char *t)
{
    static const char *const ints[] = {"TINYINT",  "SMALLINT",  "INTEGER",  "BIGINT",  "HUGEINT",
                                       "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(t, ints[i]) == 0)
            return K_INT;
    if (starts_with(t, "DECIMAL"))
        return K_DECIMAL;
    if (strcmp(t, "FLOAT") == 0 || strcmp(t, "DOUBLE") == 0)
        return K_FLOAT;
    if (strcmp(t, "BOOLEAN") == 0)
        return K_BOOL;
    if (strcmp(t, "DATE") == 0 || starts_with(t, "TIMESTAMP"))
        return K_TIMESTAMP;
    if (strcmp(t, "VARCHAR") == 0)
        return K_TEXT;
    return K_OTHER;
}

static bool is_numeric(kind k)
{
    return k == K_INT || k == K_DECIMAL || k == K_FLOAT;
}

typedef struct column {
    char *name;
    char *type;
} column;

typedef struct schema {
    size_t count;
    column *cols; /* owned; names and types owned */
} schema;

static void schema_free(schema *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->cols[i].name);
        free(s->cols[i].type);
    }
    free(s->cols);
    memset(s, 0, sizeof *s);
}

/* DESCRIBE of `SELECT * FROM <from>`: names and types in order. */
static int describe(db *d, const char *from, schema *out)
{
    memset(out, 0, sizeof *out);
    sbuf sql = {0};
    sb_add(&sql, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s)", from);
    duckdb_result res;
    int rc = db_query(d, sql.ptr, &res);
    sb_free(&sql);
    if (rc)
        return 1;
    idx_t n = duckdb_row_count(&res);
    out->cols = calloc(n ? n : 1, sizeof *out->cols);
    if (!out->cols) {
        duckdb_destroy_result(&res);
        return 1;
    }
    for (idx_t i = 0; i < n; i++) {
        out->cols[i].name = duckdb_value_varchar(&res, 0, i);
        out->cols[i].type = duckdb_value_varchar(&res, 1, i);
        out->count++;
    }
    duckdb_destroy_result(&res);
    return 0;
}

/* Text meaning true/false as 'true'/'false', anything else unchanged. */
static void sb_text_as_bool(sbuf *b, const char *col)
{
    sb_add(b,
           "CASE WHEN lower(trim(%s)) IN ('y','yes','t','true','1') THEN 'true' "
           "WHEN lower(trim(%s)) IN ('n','no','f','false','0') THEN 'false' ELSE %s END",
           col, col, col);
}

/* The SQL condition "column i agrees" for the pair of kinds (see the header comment). Sets
 * *as_text when the pair is compared as text (the numeric-equality count then applies). */
static void sb_agree(sbuf *b, size_t i, kind kb, kind kc, bool same_type, bool *as_text)
{
    *as_text = false;
    if ((is_numeric(kb) && is_numeric(kc)) || same_type) {
        sb_add(b, "(b%zu IS NOT DISTINCT FROM c%zu)", i, i);
    } else if (kb == K_TIMESTAMP && kc == K_TIMESTAMP) {
        sb_add(b, "(b%zu::TIMESTAMP IS NOT DISTINCT FROM c%zu::TIMESTAMP)", i, i);
    } else if (kb == K_BOOL && kc == K_TEXT) {
        char col[32];
        snprintf(col, sizeof col, "c%zu", i);
        sb_add(b, "(b%zu::VARCHAR IS NOT DISTINCT FROM ", i);
        sb_text_as_bool(b, col);
        sb_add(b, ")");
    } else if (kb == K_TEXT && kc == K_BOOL) {
        char col[32];
        snprintf(col, sizeof col, "b%zu", i);
        sb_add(b, "(");
        sb_text_as_bool(b, col);
        sb_add(b, " IS NOT DISTINCT FROM c%zu::VARCHAR)", i);
    } else {
        *as_text = true;
        sb_add(b, "(b%zu::VARCHAR IS NOT DISTINCT FROM c%zu::VARCHAR)", i, i);
    }
}

/* A side of the join: every column renamed to <prefix><i> (so no name, however odd, needs
 * quoting later and both sides can hold the same names), plus a marker that is NULL exactly on
 * the rows the POSITIONAL JOIN pads when one side is shorter, and the Parquet file's own row
 * number (0-based) on the Buzz side. */
static void sb_side(sbuf *b, const schema *s, char prefix, const char *from, bool row_number)
{
    sb_add(b, "(SELECT true AS %c_present", prefix);
    if (row_number)
        sb_add(b, ", file_row_number AS %c_row", prefix);
    for (size_t i = 0; i < s->count; i++) {
        sb_add(b, ", ");
        sb_quoted(b, s->cols[i].name, '"');
        sb_add(b, " AS %c%zu", prefix, i);
    }
    sb_add(b, " FROM %s) %c", from, prefix);
}

static int run_check(const char *csv, const char *parquet)
{
    int rc = 1;
    db d;
    if (db_open(&d))
        return 1;
    sbuf from_b = {0}, from_c = {0}, sql = {0}, join = {0};
    schema sb = {0}, sc = {0};
    duckdb_result res, ex;
    bool have_res = false, have_ex = false;
    size_t n = 0;
    bool *as_text = NULL;   /* per column: compared as text */
    char **agree = NULL;    /* per column: the SQL condition "column i agrees"; owned */
    int64_t *differ = NULL; /* per column: rows that differ */
    /* Timestamps with a zone must compare in one fixed zone, not the machine's. */
    if (db_exec(&d, "SET TimeZone='UTC'"))
        goto done;
    sb_add(&from_b, "read_parquet(");
    sb_quoted(&from_b, parquet, '\'');
    sb_add(&from_b, ")");
    sb_add(&from_c, "read_csv(");
    sb_quoted(&from_c, csv, '\'');
    sb_add(&from_c, ")");
    if (describe(&d, from_b.ptr, &sb) || describe(&d, from_c.ptr, &sc))
        goto done;
    if (sb.count != sc.count) {
        printf("values: differ: Buzz's file has %zu columns, DuckDB reads %zu from the CSV\n",
               sb.count, sc.count);
        rc = 3;
        goto done;
    }
    /* file_row_number would collide with a data column of that name; then no row numbers. */
    bool row_numbers = true;
    for (size_t i = 0; i < sb.count; i++)
        if (strcmp(sb.cols[i].name, "file_row_number") == 0)
            row_numbers = false;
    from_b.len = 0;
    sb_add(&from_b, "read_parquet(");
    sb_quoted(&from_b, parquet, '\'');
    sb_add(&from_b, "%s)", row_numbers ? ", file_row_number=true" : "");

    /* Query 1, per column i four result columns from 2 + 4i: rows that differ, of those the
     * ones equal as numbers (text comparisons only, else 0), NULL on Buzz's side only, NULL on
     * DuckDB's side only. Counting is cheap; rendering values as text for examples is not (every
     * value of every column would be cast), so examples come from a second pass over the
     * differing columns only. */
    n = sb.count;
    as_text = calloc(n ? n : 1, sizeof *as_text);
    agree = calloc(n ? n : 1, sizeof *agree);
    differ = calloc(n ? n : 1, sizeof *differ);
    if (!as_text || !agree || !differ)
        goto done;
    sb_add(&join, "\nFROM ");
    sb_side(&join, &sb, 'b', from_b.ptr, row_numbers);
    sb_add(&join, "\nPOSITIONAL JOIN ");
    sb_side(&join, &sc, 'c', from_c.ptr, false);
    sb_add(&sql, "SELECT count(b_present), count(c_present)");
    for (size_t i = 0; i < n; i++) {
        kind kb = kind_of(sb.cols[i].type), kc = kind_of(sc.cols[i].type);
        bool same_type = strcmp(sb.cols[i].type, sc.cols[i].type) == 0;
        sbuf a = {0};
        sb_agree(&a, i, kb, kc, same_type, &as_text[i]);
        agree[i] = a.ptr; /* owned; freed at check_done */
        sb_add(&sql, ",\n count_if(NOT %s)", agree[i]);
        if (as_text[i])
            sb_add(&sql,
                   ", count_if(NOT %s AND TRY_CAST(b%zu AS DOUBLE) = "
                   "TRY_CAST(c%zu AS DOUBLE))",
                   agree[i], i, i);
        else
            sb_add(&sql, ", 0");
        sb_add(&sql, ", count_if(b%zu IS NULL AND c%zu IS NOT NULL)", i, i);
        sb_add(&sql, ", count_if(b%zu IS NOT NULL AND c%zu IS NULL)", i, i);
    }
    sb_add(&sql, "%s", join.ptr);
    if (db_query(&d, sql.ptr, &res))
        goto done;
    have_res = true;
    int64_t rows_b = duckdb_value_int64(&res, 0, 0), rows_c = duckdb_value_int64(&res, 1, 0);
    size_t bad_cols = 0;
    for (size_t i = 0; i < n; i++) {
        differ[i] = duckdb_value_int64(&res, (idx_t)(2 + 4 * i), 0);
        if (differ[i])
            bad_cols++;
    }

    /* Query 2: the first differing row of each differing column, [row, Buzz, DuckDB] as text. */
    if (bad_cols) {
        sql.len = 0;
        sb_add(&sql, "SELECT 0");
        /* Rows padded by the join (one side shorter) have no Buzz row number; they sort last. */
        const char *row = row_numbers ? "coalesce(b_row, 9223372036854775806)" : "0";
        for (size_t i = 0; i < n; i++) {
            if (!differ[i])
                continue;
            sb_add(&sql, ",\n arg_min(concat(");
            if (row_numbers)
                sb_add(&sql, "'row ', coalesce((b_row + 1)::VARCHAR, '(missing in Buzz)'), ': '");
            else
                sb_add(&sql, "'e.g. '");
            sb_add(&sql,
                   ", 'Buzz ', coalesce('\"' || b%zu::VARCHAR || '\"', 'NULL'), ', DuckDB ', "
                   "coalesce('\"' || c%zu::VARCHAR || '\"', 'NULL')), %s) FILTER (WHERE NOT %s)",
                   i, i, row, agree[i]);
        }
        sb_add(&sql, "%s", join.ptr);
        if (db_query(&d, sql.ptr, &ex))
            goto done;
        have_ex = true;
    }

    bool bad_rows = rows_b != rows_c;
    if (!bad_rows && bad_cols == 0)
        printf("values: same (%zu columns, %lld rows)\n", n, (long long)rows_b);
    else
        printf("values: differ in %zu of %zu columns%s (Buzz %lld rows, DuckDB %lld)\n", bad_cols,
               n, bad_rows ? " and in the row count" : "", (long long)rows_b, (long long)rows_c);
    idx_t ex_col = 1;
    for (size_t i = 0; i < n; i++) {
        if (differ[i] == 0)
            continue;
        idx_t base = (idx_t)(2 + 4 * i);
        int64_t num_equal = duckdb_value_int64(&res, base + 1, 0);
        int64_t null_b = duckdb_value_int64(&res, base + 2, 0);
        int64_t null_c = duckdb_value_int64(&res, base + 3, 0);
        char *first = duckdb_value_varchar(&ex, ex_col++, 0);
        printf("  column %zu \"%s\": Buzz %s, DuckDB %s%s: %lld rows differ", i + 1,
               sb.cols[i].name, sb.cols[i].type, sc.cols[i].type,
               as_text[i] ? " (compared as text)" : "", (long long)differ[i]);
        if (num_equal)
            printf(", %lld of them equal as numbers (leading zeros or number format)",
                   (long long)num_equal);
        if (null_b)
            printf(", %lld NULL in Buzz only", (long long)null_b);
        if (null_c)
            printf(", %lld NULL in DuckDB only", (long long)null_c);
        /* Cut, so that one long text value cannot flood the report. */
        printf("; first at %.300s\n", first ? first : "?");
        duckdb_free(first);
    }
    bool any_type = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sb.cols[i].type, sc.cols[i].type) == 0 || differ[i] != 0)
            continue;
        printf("%s \"%s\" %s/%s",
               any_type ? "," : "  same values, other types (Buzz/DuckDB):", sb.cols[i].name,
               sb.cols[i].type, sc.cols[i].type);
        any_type = true;
    }
    if (any_type)
        printf("\n");
    for (size_t i = 0; i < n; i++)
        if (strcmp(sb.cols[i].name, sc.cols[i].name) != 0)
            printf("  column %zu is named \"%s\" by Buzz, \"%s\" by DuckDB\n", i + 1,
                   sb.cols[i].name, sc.cols[i].name);
    rc = bad_rows || bad_cols ? 3 : 0;
done:
    if (have_ex)
        duckdb_destroy_result(&ex);
    for (size_t i = 0; agree && i < n; i++)
        free(agree[i]);
    free(agree);
    free(as_text);
    free(differ);
    sb_free(&join);
    if (have_res)
        duckdb_destroy_result(&res);
    schema_free(&sb);
    schema_free(&sc);
    sb_free(&from_b);
    sb_free(&from_c);
    sb_free(&sql);
    db_close(&d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "convert") == 0)
        return run_convert(argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "export") == 0)
        return run_export(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "rows") == 0)
        return run_rows(argv[2]);
    if (argc == 4 && strcmp(argv[1], "check") == 0)
        return run_check(argv[2], argv[3]);
    fprintf(stderr, "usage: see the comment at the top of bench/convert_duckdb.c\n");
    return 2;
}
