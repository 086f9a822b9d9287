/* tests/tools/duckdb_parquet_dump.c: the DuckDB side of the Parquet reader agreement check
 * (tests/e2e/parquet_lib.sh, compare_readers). Reads one Parquet file through DuckDB's C API,
 *     SELECT * FROM read_parquet(?, binary_as_string = false, hive_partitioning = false)
 * on an in-memory database with one thread and no extension auto-install, and prints the
 * canonical Parquet dump that tests/tools/parquet_read.mjs prints for parquet-wasm and hyparquet,
 * so that agreement of the three readers is a byte comparison. Values are taken raw from the data
 * chunks (integers, day counts, microsecond counts, decimal integers) and formatted here, never
 * through DuckDB's own casts to text, which depend on settings such as the time zone.
 *
 * Canonical dump (shared with parquet_read.mjs; both must stay identical). Every line ends with LF.
 *   One schema line per column, in file order: NAME TAB TYPE, TYPE one of boolean, int8, int16,
 *   int32, int64, float, double, decimal(P,S), date, time_us, timestamp_us, timestamp_us_utc,
 *   string, null. Any other column type is an error (exit 1), never a guess.
 *   Then one line per row, in file order, cells separated by TAB. A NULL cell is \N. Otherwise:
 *     boolean    true or false
 *     int*       decimal digits, '-' for negatives
 *     float,     nan (any NaN), inf, -inf, 0 or -0; otherwise the shortest P in 1..17 whose
 *     double     correctly rounded (ties to even) P-significant-digit decimal reads back as the
 *                same double (floats are widened to double first), trailing zeros dropped, laid
 *                out as JavaScript's Number.prototype.toString lays out those digits: with
 *                n = decimal exponent + 1 and k digits,
 *                k <= n <= 21: digits then n-k zeros ("120"); 0 < n <= 21: "12.5";
 *                -6 < n <= 0: "0.00125"; otherwise "1.25e+21", "1e-7".
 *     decimal    the exact unscaled integer with the point S digits from the right, at least one
 *                digit before it: "-12.50", "0.0000000001"; no point when S is 0
 *     date       YYYY-MM-DD from the days since 1970-01-01, proleptic Gregorian, astronomical
 *                years (0 = 1 BC), at least four year digits, '-' before negative years
 *                ("-0043-03-15" is 15 March 44 BC; "12345-01-01")
 *     time_us    HH:MM:SS.ffffff (always six fraction digits) for 0..86400000000 microseconds
 *                since midnight; anything else as invalid_time(N) with N the raw microsecond count
 *     timestamp  YYYY-MM-DD HH:MM:SS.ffffff from the microseconds since 1970-01-01 00:00:00,
 *                _utc types with a trailing Z; no time zone conversion
 *     string     the UTF-8 bytes, with backslash, TAB, LF and CR written \\, \t, \n, \r
 *                (tests/tools/dump_format.h), every other byte (NUL too) as itself; a string
 *                that is \N is written \\N; names are escaped the same way
 *     null       (the Parquet logical type NULL, UNKNOWN in the Thrift IDL) every cell \N
 *
 * Usage:
 *   duckdb_parquet_dump FILE                    print the dump of FILE
 *   duckdb_parquet_dump --write OUT CODEC SQL [OPTIONS]
 *   duckdb_parquet_dump --query SQL      (rows as TAB-separated text, for counts and sums)
 *       run COPY (SQL) TO 'OUT' (FORMAT parquet, COMPRESSION CODEC[, OPTIONS]) to make test files;
 *       CODEC is one word such as uncompressed, snappy, gzip, zstd, lz4_raw; OPTIONS is more COPY
 *       options verbatim (such as "ROW_GROUP_SIZE 1000, PARQUET_VERSION v2").
 * Exit 0 on success; 1 when DuckDB fails, a column type is outside the list above, or stdout cannot
 * be written (message on stderr); 2 on a usage error. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* the Makefile defines it too */
#endif
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* duckdb.h declares a few functions as f() instead of f(void), which the build's
 * -Wstrict-prototypes -Werror rejects; the header is third-party, so silence it here only. */
#define DUCKDB_API_NO_DEPRECATED
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "duckdb.h"
#pragma GCC diagnostic pop

#include "dump_format.h"

/* How one column is printed: the DuckDB type, and for decimals the storage type and scale. */
typedef struct column_kind {
    duckdb_type id;       /* DUCKDB_TYPE_* of the column */
    duckdb_type storage;  /* for DECIMAL: SMALLINT, INTEGER, BIGINT or HUGEINT */
    uint8_t width, scale; /* for DECIMAL: precision and scale */
    bool is_null_type;    /* the Parquet logical type is NULL: printed as null, whatever id says */
} column_kind;

/* Escape one cell or name as dump_format.h says and write it to out. */
static void put_escaped(FILE *out, const char *s, size_t len)
{
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        const char *esc = dump_escape(s[i]);
        if (!esc)
            continue;
        fwrite(s + run, 1, i - run, out);
        fputs(esc, out);
        run = i + 1;
    }
    fwrite(s + run, 1, len - run, out);
}

/* The canonical type name of a column, or NULL when the type is outside the vocabulary. Writes
 * decimals as decimal(P,S) into buf. */
static const char *type_name(const column_kind *k, char *buf, size_t cap)
{
    if (k->is_null_type)
        return "null";
    switch (k->id) {
    case DUCKDB_TYPE_BOOLEAN:
        return "boolean";
    case DUCKDB_TYPE_TINYINT:
        return "int8";
    case DUCKDB_TYPE_SMALLINT:
        return "int16";
    case DUCKDB_TYPE_INTEGER:
        return "int32";
    case DUCKDB_TYPE_BIGINT:
        return "int64";
    case DUCKDB_TYPE_FLOAT:
        return "float";
    case DUCKDB_TYPE_DOUBLE:
        return "double";
    case DUCKDB_TYPE_DECIMAL:
        snprintf(buf, cap, "decimal(%u,%u)", (unsigned)k->width, (unsigned)k->scale);
        return buf;
    case DUCKDB_TYPE_DATE:
        return "date";
    case DUCKDB_TYPE_TIME:
        return "time_us";
    case DUCKDB_TYPE_TIMESTAMP:
        return "timestamp_us";
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        return "timestamp_us_utc";
    case DUCKDB_TYPE_VARCHAR:
        return "string";
    case DUCKDB_TYPE_SQLNULL:
        return "null";
    default:
        return NULL;
    }
}

/* Shortest round-trip digits of a finite non-zero double, laid out as the header comment says. */
static void put_double(FILE *out, double x)
{
    if (isnan(x)) {
        fputs("nan", out);
        return;
    }
    if (isinf(x)) {
        fputs(x > 0 ? "inf" : "-inf", out);
        return;
    }
    if (x == 0) {
        fputs(signbit(x) ? "-0" : "0", out);
        return;
    }
    /* glibc's printf rounds exactly (ties to even) and strtod reads exactly, so the first
     * precision that reads back is the shortest correctly rounded one; parquet_read.mjs runs the
     * same search with exact BigInt rounding and Number(). */
    char sci[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(sci, sizeof sci, "%.*e", p - 1, x);
        if (strtod(sci, NULL) == x)
            break;
    }
    /* sci is [-]d[.ddd]e(+|-)XX: collect the digits and the exponent. */
    char digits[24];
    size_t k = 0;
    const char *s = sci;
    if (*s == '-') {
        fputc('-', out);
        s++;
    }
    for (; *s != 'e'; s++) {
        if (*s != '.' && k < sizeof digits - 1)
            digits[k++] = *s;
    }
    s++;
    int exp_sign = *s == '-' ? -1 : 1;
    int exp10 = 0;
    for (s++; *s >= '0' && *s <= '9'; s++)
        exp10 = exp10 * 10 + (*s - '0');
    exp10 *= exp_sign;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';

    int n = exp10 + 1; /* digits before the decimal point */
    int kk = (int)k;
    if (kk <= n && n <= 21) {
        fputs(digits, out);
        for (int i = kk; i < n; i++)
            fputc('0', out);
    } else if (0 < n && n <= 21) {
        fprintf(out, "%.*s.%s", n, digits, digits + n);
    } else if (-6 < n && n <= 0) {
        fputs("0.", out);
        for (int i = n; i < 0; i++)
            fputc('0', out);
        fputs(digits, out);
    } else {
        fputc(digits[0], out);
        if (k > 1)
            fprintf(out, ".%s", digits + 1);
        fprintf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
}

/* Decimal text of a 128-bit two's complement integer (upper:lower) with the point scale digits
 * from the right. */
static void put_decimal(FILE *out, int64_t upper, uint64_t lower, unsigned scale)
{
    bool neg = upper < 0;
    uint64_t hi = (uint64_t)upper;
    uint64_t lo = lower;
    if (neg) {
        lo = ~lo + 1;
        hi = ~hi + (lo == 0 ? 1 : 0);
    }
    /* Long division of the magnitude, as four 32-bit limbs, by ten. */
    uint32_t limb[4] = {(uint32_t)(hi >> 32), (uint32_t)hi, (uint32_t)(lo >> 32), (uint32_t)lo};
    char rev[48]; /* digits, least significant first; 2^127 has 39 */
    size_t n = 0;
    do {
        uint64_t rem = 0;
        bool any = false;
        for (int i = 0; i < 4; i++) {
            uint64_t cur = (rem << 32) | limb[i];
            limb[i] = (uint32_t)(cur / 10);
            rem = cur % 10;
            any = any || limb[i] != 0;
        }
        rev[n++] = (char)('0' + rem);
        if (!any)
            break;
    } while (n < sizeof rev);
    while (n <= scale && n < sizeof rev)
        rev[n++] = '0'; /* at least one digit before the point */
    if (neg)
        fputc('-', out);
    for (size_t i = n; i-- > 0;) {
        fputc(rev[i], out);
        if (i == scale && i != 0)
            fputc('.', out);
    }
}

/* Floor division, for dates and timestamps before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* YYYY-MM-DD of a day count since 1970-01-01 (H. Hinnant's civil_from_days; parquet_read.mjs
 * runs the same arithmetic). */
static void put_date(FILE *out, int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    if (y < 0)
        fprintf(out, "-%04" PRId64, -y);
    else
        fprintf(out, "%04" PRId64, y);
    fprintf(out, "-%02" PRId64 "-%02" PRId64, m, d);
}

/* HH:MM:SS.ffffff of microseconds since midnight, 0 <= us <= 24 h. */
static void put_clock(FILE *out, int64_t us)
{
    fprintf(out, "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64, us / 3600000000,
            us / 60000000 % 60, us / 1000000 % 60, us % 1000000);
}

static void put_timestamp(FILE *out, int64_t us, bool utc)
{
    int64_t days = floor_div(us, 86400000000);
    put_date(out, days);
    fputc(' ', out);
    put_clock(out, us - days * 86400000000);
    if (utc)
        fputc('Z', out);
}

/* Write the cell of row r of vec (not NULL) as the header comment says. */
static void put_cell(FILE *out, const column_kind *k, duckdb_vector vec, idx_t r)
{
    void *data = duckdb_vector_get_data(vec);
    switch (k->id) {
    case DUCKDB_TYPE_BOOLEAN:
        fputs(((const bool *)data)[r] ? "true" : "false", out);
        break;
    case DUCKDB_TYPE_TINYINT:
        fprintf(out, "%d", (int)((const int8_t *)data)[r]);
        break;
    case DUCKDB_TYPE_SMALLINT:
        fprintf(out, "%d", (int)((const int16_t *)data)[r]);
        break;
    case DUCKDB_TYPE_INTEGER:
        fprintf(out, "%" PRId32, ((const int32_t *)data)[r]);
        break;
    case DUCKDB_TYPE_BIGINT:
        fprintf(out, "%" PRId64, ((const int64_t *)data)[r]);
        break;
    case DUCKDB_TYPE_FLOAT:
        put_double(out, (double)((const float *)data)[r]);
        break;
    case DUCKDB_TYPE_DOUBLE:
        put_double(out, ((const double *)data)[r]);
        break;
    case DUCKDB_TYPE_DECIMAL: {
        int64_t v = 0;
        switch (k->storage) {
        case DUCKDB_TYPE_SMALLINT:
            v = ((const int16_t *)data)[r];
            break;
        case DUCKDB_TYPE_INTEGER:
            v = ((const int32_t *)data)[r];
            break;
        case DUCKDB_TYPE_BIGINT:
            v = ((const int64_t *)data)[r];
            break;
        default: { /* HUGEINT, checked when the column was set up */
            duckdb_hugeint h = ((const duckdb_hugeint *)data)[r];
            put_decimal(out, h.upper, h.lower, k->scale);
            return;
        }
        }
        put_decimal(out, v < 0 ? -1 : 0, (uint64_t)v, k->scale);
        break;
    }
    case DUCKDB_TYPE_DATE:
        put_date(out, ((const duckdb_date *)data)[r].days);
        break;
    case DUCKDB_TYPE_TIME: {
        int64_t us = ((const duckdb_time *)data)[r].micros;
        if (us < 0 || us > 86400000000)
            fprintf(out, "invalid_time(%" PRId64 ")", us);
        else
            put_clock(out, us);
        break;
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        put_timestamp(out, ((const duckdb_timestamp *)data)[r].micros,
                      k->id == DUCKDB_TYPE_TIMESTAMP_TZ);
        break;
    case DUCKDB_TYPE_VARCHAR: {
        duckdb_string_t *str = &((duckdb_string_t *)data)[r];
        put_escaped(out, duckdb_string_t_data(str), duckdb_string_t_length(*str));
        break;
    }
    default: /* SQLNULL: every cell is NULL, handled by the caller */
        fputs("\\N", out);
        break;
    }
}

/* Print the rows of one chunk. */
static void dump_chunk(FILE *out, duckdb_data_chunk chunk, const column_kind *kinds,
                       idx_t column_count)
{
    idx_t rows = duckdb_data_chunk_get_size(chunk);
    for (idx_t r = 0; r < rows; r++) {
        for (idx_t c = 0; c < column_count; c++) {
            duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
            uint64_t *validity = duckdb_vector_get_validity(vec);
            if (c > 0)
                fputc('\t', out);
            /* A non-NULL cell in a null column is printed as its DuckDB value: a disagreement. */
            if (kinds[c].id == DUCKDB_TYPE_SQLNULL ||
                (validity != NULL && !duckdb_validity_row_is_valid(validity, r))) {
                fputs("\\N", out);
                continue;
            }
            put_cell(out, &kinds[c], vec, r);
        }
        fputc('\n', out);
    }
}

/* Fill kinds[c] from the result's column types and print the schema lines; false (message on
 * stderr) when a type is outside the vocabulary. */
static bool dump_schema(FILE *out, duckdb_result *result, column_kind *kinds, idx_t column_count,
                        const char *path)
{
    for (idx_t c = 0; c < column_count; c++) {
        duckdb_logical_type type = duckdb_column_logical_type(result, c);
        column_kind *k = &kinds[c];
        k->id = duckdb_get_type_id(type);
        if (k->id == DUCKDB_TYPE_DECIMAL) {
            k->storage = duckdb_decimal_internal_type(type);
            k->width = duckdb_decimal_width(type);
            k->scale = duckdb_decimal_scale(type);
        }
        duckdb_destroy_logical_type(&type);
        char buf[32];
        const char *name = type_name(k, buf, sizeof buf);
        bool storage_ok = k->id != DUCKDB_TYPE_DECIMAL || k->storage == DUCKDB_TYPE_SMALLINT ||
                          k->storage == DUCKDB_TYPE_INTEGER || k->storage == DUCKDB_TYPE_BIGINT ||
                          k->storage == DUCKDB_TYPE_HUGEINT;
        const char *col = duckdb_column_name(result, c);
        if (name == NULL || !storage_ok) {
            fprintf(stderr,
                    "duckdb_parquet_dump: %s: column \"%s\" has DuckDB type id %d, which is not "
                    "in the canonical vocabulary\n",
                    path, col, (int)k->id);
            return false;
        }
        put_escaped(out, col, strlen(col));
        fprintf(out, "\t%s\n", name);
    }
    return true;
}

/* Open an in-memory database with one thread and no extension auto-install. */
static bool open_db(duckdb_database *db, duckdb_connection *con)
{
    duckdb_config config = NULL;
    char *open_err = NULL;
    bool ok = false;
    if (duckdb_create_config(&config) == DuckDBError ||
        duckdb_set_config(config, "threads", "1") == DuckDBError ||
        duckdb_set_config(config, "autoinstall_known_extensions", "false") == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: cannot configure DuckDB\n");
        goto done;
    }
    if (duckdb_open_ext(NULL, db, config, &open_err) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: cannot open DuckDB: %s\n",
                open_err ? open_err : "unknown error");
        goto done;
    }
    if (duckdb_connect(*db, con) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: cannot connect to DuckDB\n");
        goto done;
    }
    ok = true;
done:
    if (open_err != NULL)
        duckdb_free(open_err);
    duckdb_destroy_config(&config);
    return ok;
}

/* --write: COPY (sql) TO 'out_path' (FORMAT parquet, COMPRESSION codec[, options]). */
static int write_parquet(duckdb_connection con, const char *out_path, const char *codec,
                         const char *sql, const char *options)
{
    for (const char *p = codec; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_')) {
            fprintf(stderr, "duckdb_parquet_dump: codec must be one word, got \"%s\"\n", codec);
            return 2;
        }
    }
    char *query = NULL;
    size_t query_len = 0;
    FILE *q = open_memstream(&query, &query_len);
    if (q == NULL) {
        fprintf(stderr, "duckdb_parquet_dump: out of memory\n");
        return 1;
    }
    fprintf(q, "COPY (%s) TO '", sql);
    for (const char *p = out_path; *p; p++) {
        if (*p == '\'')
            fputc('\'', q); /* SQL string literal: a quote is doubled */
        fputc(*p, q);
    }
    fprintf(q, "' (FORMAT parquet, COMPRESSION %s%s%s)", codec, options[0] ? ", " : "", options);
    if (fclose(q) != 0) {
        free(query);
        fprintf(stderr, "duckdb_parquet_dump: out of memory\n");
        return 1;
    }
    duckdb_result result;
    int rc = 0;
    if (duckdb_query(con, query, &result) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: cannot write %s: %s\n", out_path,
                duckdb_result_error(&result));
        rc = 1;
    }
    duckdb_destroy_result(&result);
    free(query);
    return rc;
}

/* DuckDB reads a column whose Parquet logical type is NULL (UNKNOWN in the Thrift IDL, written by
 * arrow-rs for Arrow's Null type) as an INTEGER column; the file's type is null, so look the
 * logical types up in parquet_schema() and mark such columns. The rows of parquet_schema() are the
 * root then the leaves in column order; the marks are applied only when every leaf matches a
 * result column by position and name (a flat schema). Returns false (message on stderr) when
 * DuckDB fails. */
static bool mark_null_columns(duckdb_connection con, const char *path, duckdb_result *data,
                              column_kind *kinds, idx_t column_count)
{
    bool ok = false;
    duckdb_prepared_statement stmt = NULL;
    duckdb_result result;
    bool has_result = false;
    bool *is_null = calloc(column_count ? column_count : 1, sizeof *is_null);
    idx_t row = 0;       /* parquet_schema() row number, 0 = the root */
    bool is_flat = true; /* every leaf so far matched its result column */
    static const char query[] = "SELECT name, logical_type FROM parquet_schema(?)";
    if (is_null == NULL) {
        fprintf(stderr, "duckdb_parquet_dump: out of memory\n");
        goto done;
    }
    if (duckdb_prepare(con, query, &stmt) == DuckDBError ||
        duckdb_bind_varchar(stmt, 1, path) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s: %s\n", path, duckdb_prepare_error(stmt));
        goto done;
    }
    has_result = true;
    if (duckdb_execute_prepared(stmt, &result) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s: %s\n", path, duckdb_result_error(&result));
        goto done;
    }
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
        if (chunk == NULL)
            break;
        duckdb_vector names = duckdb_data_chunk_get_vector(chunk, 0);
        duckdb_vector types = duckdb_data_chunk_get_vector(chunk, 1);
        duckdb_string_t *name_data = (duckdb_string_t *)duckdb_vector_get_data(names);
        duckdb_string_t *type_data = (duckdb_string_t *)duckdb_vector_get_data(types);
        uint64_t *type_valid = duckdb_vector_get_validity(types);
        idx_t rows = duckdb_data_chunk_get_size(chunk);
        for (idx_t r = 0; r < rows; r++, row++) {
            if (row == 0)
                continue;
            if (row > column_count) {
                is_flat = false;
                break;
            }
            const char *want = duckdb_column_name(data, row - 1);
            const char *name = duckdb_string_t_data(&name_data[r]);
            uint32_t name_len = duckdb_string_t_length(name_data[r]);
            if (strlen(want) != name_len || memcmp(want, name, name_len) != 0)
                is_flat = false;
            if (type_valid != NULL && !duckdb_validity_row_is_valid(type_valid, r))
                continue;
            static const char null_type[] = "NullType";
            if (duckdb_string_t_length(type_data[r]) >= sizeof null_type - 1 &&
                memcmp(duckdb_string_t_data(&type_data[r]), null_type, sizeof null_type - 1) == 0)
                is_null[row - 1] = true;
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    if (is_flat && row == column_count + 1) {
        for (idx_t c = 0; c < column_count; c++)
            kinds[c].is_null_type = is_null[c];
    }
    ok = true;
done:
    free(is_null);
    if (has_result)
        duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&stmt);
    return ok;
}

/* Print the dump of the Parquet file at path; returns the exit status. */
static int dump_parquet(duckdb_connection con, const char *path)
{
    int rc = 1;
    duckdb_prepared_statement stmt = NULL;
    duckdb_result result;
    bool has_result = false;
    column_kind *kinds = NULL;
    static const char query[] =
        "SELECT * FROM read_parquet(?, binary_as_string = false, hive_partitioning = false)";
    if (duckdb_prepare(con, query, &stmt) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s: %s\n", path, duckdb_prepare_error(stmt));
        goto done;
    }
    if (duckdb_bind_varchar(stmt, 1, path) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s: cannot bind the path\n", path);
        goto done;
    }
    has_result = true; /* the result must be destroyed even when execution fails */
    if (duckdb_execute_prepared(stmt, &result) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s: %s\n", path, duckdb_result_error(&result));
        goto done;
    }
    idx_t column_count = duckdb_column_count(&result);
    kinds = calloc(column_count ? column_count : 1, sizeof *kinds);
    if (kinds == NULL) {
        fprintf(stderr, "duckdb_parquet_dump: out of memory\n");
        goto done;
    }
    if (!mark_null_columns(con, path, &result, kinds, column_count))
        goto done;
    if (!dump_schema(stdout, &result, kinds, column_count, path))
        goto done;
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
        if (chunk == NULL)
            break;
        dump_chunk(stdout, chunk, kinds, column_count);
        duckdb_destroy_data_chunk(&chunk);
    }
    /* A materialized result can still carry an error raised while chunks were produced. */
    if (duckdb_result_error(&result) != NULL) {
        fprintf(stderr, "duckdb_parquet_dump: %s: %s\n", path, duckdb_result_error(&result));
        goto done;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "duckdb_parquet_dump: cannot write the dump to stdout\n");
        goto done;
    }
    rc = 0;
done:
    free(kinds);
    if (has_result)
        duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&stmt);
    return rc;
}

/* --query: run SQL and print each row's values as text, TAB-separated (NULL as \N). For checks
 * on files too big to dump (counts, sums, metadata). */
static int run_query(duckdb_connection con, const char *sql)
{
    char *wrapped = NULL;
    size_t wlen = 0;
    FILE *q = open_memstream(&wrapped, &wlen);
    if (!q)
        return 1;
    fprintf(q, "SELECT COLUMNS(*)::VARCHAR FROM (%s)", sql);
    fclose(q);
    duckdb_result res;
    if (duckdb_query(con, wrapped, &res) == DuckDBError) {
        fprintf(stderr, "duckdb_parquet_dump: %s\n", duckdb_result_error(&res));
        duckdb_destroy_result(&res);
        free(wrapped);
        return 1;
    }
    free(wrapped);
    idx_t cols = duckdb_column_count(&res);
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
        if (!chunk)
            break;
        idx_t rows = duckdb_data_chunk_get_size(chunk);
        for (idx_t r = 0; r < rows; r++) {
            for (idx_t c = 0; c < cols; c++) {
                duckdb_vector v = duckdb_data_chunk_get_vector(chunk, c);
                uint64_t *valid = duckdb_vector_get_validity(v);
                if (c)
                    fputc('\t', stdout);
                if (valid && !duckdb_validity_row_is_valid(valid, r)) {
                    fputs("\\N", stdout);
                    continue;
                }
                duckdb_string_t *strs = (duckdb_string_t *)duckdb_vector_get_data(v);
                fwrite(duckdb_string_t_data(&strs[r]), 1, duckdb_string_t_length(strs[r]), stdout);
            }
            fputc('\n', stdout);
        }
        duckdb_destroy_data_chunk(&chunk);
    }
    duckdb_destroy_result(&res);
    return 0;
}

int main(int argc, char **argv)
{
    bool is_write = argc >= 2 && strcmp(argv[1], "--write") == 0;
    bool is_query = argc >= 2 && strcmp(argv[1], "--query") == 0;
    if (is_write ? (argc != 5 && argc != 6)
                 : is_query ? argc != 3 : (argc != 2 || argv[1][0] == '\0')) {
        fprintf(stderr, "usage: duckdb_parquet_dump FILE\n"
                        "       duckdb_parquet_dump --write OUT CODEC SQL [OPTIONS]\n"
                        "       duckdb_parquet_dump --query SQL\n");
        return 2;
    }
    duckdb_database db = NULL;
    duckdb_connection con = NULL;
    int rc = 1;
    if (open_db(&db, &con)) {
        if (is_write)
            rc = write_parquet(con, argv[2], argv[3], argv[4], argc == 6 ? argv[5] : "");
        else if (is_query)
            rc = run_query(con, argv[2]);
        else
            rc = dump_parquet(con, argv[1]);
    }
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return rc;
}
