/* bench/parquet_query.c: Parquet files written by Buzz against files DuckDB writes itself from the
 * same CSV: write time, file size, and DuckDB's query speed on each. Driven by bench/run (make
 * bench), which caches the data, writes the files, and keeps the table in bench/out/.
 *
 *   parquet_query write-buzz BUZZ CSV OUT CODEC   run `BUZZ convert CSV -o OUT --compression CODEC`
 *                                                 in a child process (its wall time and peak RSS)
 *   parquet_query write-duckdb CSV OUT CODEC      COPY (SELECT * FROM read_csv(CSV)) TO OUT
 *                                                 (FORMAT parquet, COMPRESSION CODEC); when CSV
 *                                                 ends in .parquet, read_parquet instead: DuckDB's
 *                                                 writer on Buzz's own column types ("rewrite")
 *   parquet_query queries BUZZ.parquet DUCK.parquet [RUNS]   the query set on both files (see
 *                                                 `queries`), best of RUNS (default 5)
 *   parquet_query columns BUZZ.parquet DUCK.parquet   per column: physical and logical type,
 *                                                 encodings, pages and compressed bytes of each
 *   parquet_query sql FILE QUERY                  run QUERY with view t over FILE, rows as text
 *
 * The write runs print "<engine> <seconds> <MB/s of input> <peak RSS MiB> <output bytes>". The
 * query run opens one in-memory DuckDB database per file (so no cache is shared between the two),
 * and per query a fresh connection to each; it runs the query once on each file as a warm-up,
 * renders both results as text and compares them, then times RUNS rounds (5 by default)
 * alternating the two files (so a slow spell of the shared machine hits both) and keeps the best
 * of each. A result that differs prints MISMATCH and makes the exit status 1. Numbers in results
 * may differ in form or in the last bits (Buzz writes DECIMAL where DuckDB infers DOUBLE:
 * "74600.70" against "74600.7", and floating sums depend on the summation order), so two cells
 * that both read as numbers count as equal within a relative 1e-9.
 *
 * The `columns` run walks every column chunk's page headers (Thrift compact) itself, since
 * parquet_metadata() reports chunks, not pages. */
#include <duckdb.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMED_RUNS 5 /* per query and file; `queries` takes another count as a fourth argument */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* A path as an SQL string literal body: single quotes doubled. False when it does not fit. */
static bool sql_literal(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = s; *p; p++) {
        if (o + 3 > cap)
            return false;
        if (*p == '\'')
            out[o++] = '\'';
        out[o++] = *p;
    }
    out[o] = 0;
    return true;
}

static bool valid_codec(const char *codec)
{
    return strcmp(codec, "snappy") == 0 || strcmp(codec, "zstd") == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Results as text. */

typedef struct text_result {
    size_t rows, cols;
    char **cells; /* rows * cols, row-major; NULL for SQL NULL; owned (text_result_free) */
} text_result;

static void text_result_free(text_result *t)
{
    if (t->cells) {
        for (size_t i = 0; i < t->rows * t->cols; i++)
            free(t->cells[i]);
        free(t->cells);
    }
    memset(t, 0, sizeof *t);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* Run query with every column cast to VARCHAR and keep all cells. 0 on success; 1 with the error
 * on stderr. */
static int query_text(duckdb_connection con, const char *query, text_result *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(query) + 64;
    char *sql = malloc(n);
    if (!sql)
        return 1;
    snprintf(sql, n, "SELECT COLUMNS(*)::VARCHAR FROM (%s)", query);
    duckdb_result res;
    int rc = 1;
    if (duckdb_query(con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "duckdb: %s\n  in: %s\n", duckdb_result_error(&res), query);
        duckdb_destroy_result(&res);
        free(sql);
        return 1;
    }
    free(sql);
    out->cols = (size_t)duckdb_column_count(&res);
    size_t cap = 0;
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(res);
        if (!chunk)
            break;
        size_t rows = (size_t)duckdb_data_chunk_get_size(chunk);
        if ((out->rows + rows) * out->cols > cap) {
            size_t want = cap ? cap : 64;
            while (want < (out->rows + rows) * out->cols)
                want *= 2;
            char **p = realloc(out->cells, want * sizeof *p);
            if (!p) {
                duckdb_destroy_data_chunk(&chunk);
                goto done;
            }
            out->cells = p;
            cap = want;
        }
        for (size_t c = 0; c < out->cols; c++) {
            duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, (idx_t)c);
            uint64_t *validity = duckdb_vector_get_validity(vec);
            duckdb_string_t *data = (duckdb_string_t *)duckdb_vector_get_data(vec);
            for (size_t r = 0; r < rows; r++) {
                char **cell = &out->cells[(out->rows + r) * out->cols + c];
                if (validity && !duckdb_validity_row_is_valid(validity, (idx_t)r))
                    *cell = NULL;
                else
                    *cell = dup_n(duckdb_string_t_data(&data[r]), duckdb_string_t_length(data[r]));
            }
        }
        out->rows += rows;
        duckdb_destroy_data_chunk(&chunk);
    }
    rc = 0;
done:
    duckdb_destroy_result(&res);
    if (rc)
        text_result_free(out);
    return rc;
}

static const char *cell(const text_result *t, size_t r, size_t c)
{
    return t->cells[r * t->cols + c];
}

/* The whole cell as a number; false when it is not one. Reads DuckDB's own rendering of a result,
 * never the benchmark's input, so strtod's locale dependence does not matter ("C" locale). */
static bool as_number(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *end == 0 && errno == 0;
}

static bool same_cell(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    if (strcmp(a, b) == 0)
        return true;
    double x, y;
    if (!as_number(a, &x) || !as_number(b, &y))
        return false;
    return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
}

/* 0 when equal; else prints the first difference and returns 1. */
static int compare_results(const char *name, const text_result *a, const text_result *b)
{
    if (a->rows != b->rows || a->cols != b->cols) {
        printf("MISMATCH %s: buzz gives %zu rows x %zu columns, duckdb %zu x %zu\n", name, a->rows,
               a->cols, b->rows, b->cols);
        return 1;
    }
    for (size_t r = 0; r < a->rows; r++) {
        for (size_t c = 0; c < a->cols; c++) {
            if (same_cell(cell(a, r, c), cell(b, r, c)))
                continue;
            printf("MISMATCH %s: row %zu column %zu: buzz \"%.60s\", duckdb \"%.60s\"\n", name,
                   r + 1, c + 1, cell(a, r, c) ? cell(a, r, c) : "NULL",
                   cell(b, r, c) ? cell(b, r, c) : "NULL");
            return 1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Writing. */

static int write_buzz(const char *buzz, const char *csv, const char *out, const char *codec)
{
    if (!valid_codec(codec)) {
        fprintf(stderr, "codec must be snappy or zstd, got %s\n", codec);
        return 2;
    }
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        char *argv[] = {(char *)buzz,    "convert",     (char *)csv, "-o", (char *)out,
                        "--compression", (char *)codec, "-q",        NULL};
        execv(buzz, argv);
        perror(buzz);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    double dt = now_s() - t0;
    if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s convert failed (status %d)\n", buzz, status);
        return 1;
    }
    double mb = (double)file_size(csv) / 1e6;
    printf("buzz-write-%s %.3f %.1f %.1f %lld\n", codec, dt, mb / dt, (double)ru.ru_maxrss / 1024.0,
           (long long)file_size(out));
    return 0;
}

static int write_duckdb(const char *csv, const char *out, const char *codec)
{
    if (!valid_codec(codec)) {
        fprintf(stderr, "codec must be snappy or zstd, got %s\n", codec);
        return 2;
    }
    char lcsv[2048], lout[2048], sql[4608];
    if (!sql_literal(csv, lcsv, sizeof lcsv) || !sql_literal(out, lout, sizeof lout)) {
        fprintf(stderr, "path too long\n");
        return 2;
    }
    /* A Parquet source is a rewrite: DuckDB's writer on exactly Buzz's column types. */
    size_t len = strlen(csv);
    bool rewrite = len > 8 && strcmp(csv + len - 8, ".parquet") == 0;
    snprintf(sql, sizeof sql,
             "COPY (SELECT * FROM %s('%s')) TO '%s' (FORMAT parquet, COMPRESSION %s)",
             rewrite ? "read_parquet" : "read_csv", lcsv, lout, codec);
    duckdb_database db;
    duckdb_connection con;
    if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
        fprintf(stderr, "cannot open DuckDB\n");
        return 1;
    }
    duckdb_result res;
    double t0 = now_s();
    if (duckdb_query(con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "duckdb: %s\n", duckdb_result_error(&res));
        return 1;
    }
    double dt = now_s() - t0;
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    double mb = (double)file_size(csv) / 1e6;
    printf("duckdb-%s-%s %.3f %.1f %.1f %lld\n", rewrite ? "rewrite" : "write", codec, dt, mb / dt,
           peak_rss_mib(), (long long)file_size(out));
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Queries. Column names are the CSV header's, which both writers keep; every query is valid on
 * both files although several types differ (bench/README.md: Buzz INT32/DECIMAL(7,2) where DuckDB
 * infers BIGINT/DOUBLE). Results are ordered so that text comparison is meaningful. The data come
 * from `csv_read gen`: "DOL Vehicle ID" is 100000000 + row (sorted, so min/max statistics prune
 * row groups), "Model Year" is uniform over 2011-2024, and 'JGHA5754NX' is the VIN of row 550000
 * (present from BENCH_PQ_MB=150 up). */

static const struct {
    const char *name;
    const char *sql;
} queries[] = {
    {"count", "SELECT count(*) FROM t"},
    {"sum-avg", "SELECT sum(\"Price\"), avg(\"Electric Range\"), sum(\"Base MSRP\") FROM t"},
    {"id-range", "SELECT count(*), sum(\"Electric Range\") FROM t "
                 "WHERE \"DOL Vehicle ID\" BETWEEN 100600000 AND 100600999"},
    {"year-eq", "SELECT count(*), max(\"Price\") FROM t WHERE \"Model Year\" = 2019"},
    {"vin-lookup", "SELECT * FROM t WHERE \"VIN (1-10)\" = 'JGHA5754NX'"},
    {"date-range", "SELECT count(*) FROM t "
                   "WHERE \"Registration Date\" BETWEEN DATE '2020-03-01' AND DATE '2020-03-31'"},
    {"group-make", "SELECT \"Make\", count(*) FROM t GROUP BY 1 ORDER BY 1"},
    {"group-2", "SELECT \"County\", \"Model Year\", count(*), avg(\"Price\") FROM t "
                "GROUP BY 1, 2 ORDER BY 1, 2"},
    {"distinct-vin", "SELECT count(DISTINCT \"VIN (1-10)\") FROM t"},
    {"ilike", "SELECT count(*) FROM t WHERE \"Model\" ILIKE '%mach%'"},
    {"contains", "SELECT count(*) FROM t WHERE contains(\"Notes\", 'ok')"},
    {"like-prefix", "SELECT \"City\", count(*) FROM t WHERE \"CAFV Eligibility\" LIKE 'Elig%' "
                    "GROUP BY 1 ORDER BY 1"},
    {"star-limit", "SELECT * FROM t LIMIT 100"},
    {"top-10", "SELECT \"DOL Vehicle ID\", \"Price\", \"Make\", \"Model\" FROM t "
               "ORDER BY \"Price\" DESC, \"DOL Vehicle ID\" LIMIT 10"},
};
#define QUERY_COUNT (sizeof queries / sizeof queries[0])

typedef struct side {
    const char *path;
    duckdb_database db;
} side;

static int open_side(side *s, const char *path)
{
    char lit[2048], sql[2200];
    s->path = path;
    if (!sql_literal(path, lit, sizeof lit)) {
        fprintf(stderr, "path too long\n");
        return 1;
    }
    if (duckdb_open(NULL, &s->db) != DuckDBSuccess) {
        fprintf(stderr, "cannot open DuckDB\n");
        return 1;
    }
    duckdb_connection con;
    if (duckdb_connect(s->db, &con) != DuckDBSuccess)
        return 1;
    /* A view in the database (not a temporary one) so every later connection sees it. */
    snprintf(sql, sizeof sql, "CREATE VIEW t AS SELECT * FROM read_parquet('%s')", lit);
    duckdb_result res;
    int rc = duckdb_query(con, sql, &res) == DuckDBSuccess ? 0 : 1;
    if (rc)
        fprintf(stderr, "duckdb: %s\n", duckdb_result_error(&res));
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    return rc;
}

/* Seconds for one run of sql, result materialized and freed; negative on error. */
static double time_query(duckdb_connection con, const char *sql)
{
    duckdb_result res;
    double t0 = now_s();
    duckdb_state st = duckdb_query(con, sql, &res);
    duckdb_destroy_result(&res);
    double dt = now_s() - t0;
    return st == DuckDBSuccess ? dt : -1.0;
}

static int run_queries(const char *buzz_path, const char *duck_path, int runs)
{
    side s[2] = {{0}, {0}}; /* 0 = Buzz, 1 = DuckDB */
    if (open_side(&s[0], buzz_path) || open_side(&s[1], duck_path))
        return 1;
    int mismatches = 0;
    double log_sum = 0;
    printf("%-13s %10s %10s %7s %6s  %s\n", "query", "buzz ms", "duckdb ms", "ratio", "rows",
           "check");
    for (size_t q = 0; q < QUERY_COUNT; q++) {
        duckdb_connection con[2];
        text_result out[2];
        double best[2];
        for (int i = 0; i < 2; i++) {
            if (duckdb_connect(s[i].db, &con[i]) != DuckDBSuccess)
                return 1;
            if (time_query(con[i], queries[q].sql) < 0 ||
                query_text(con[i], queries[q].sql, &out[i]))
                return 1;
            best[i] = INFINITY;
        }
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < 2; i++) {
                double dt = time_query(con[i], queries[q].sql);
                if (dt < 0)
                    return 1;
                if (dt < best[i])
                    best[i] = dt;
            }
        }
        int bad = compare_results(queries[q].name, &out[0], &out[1]);
        mismatches += bad;
        double ratio = best[0] / best[1];
        log_sum += log(ratio);
        printf("%-13s %10.2f %10.2f %7.2f %6zu  %s\n", queries[q].name, best[0] * 1e3,
               best[1] * 1e3, ratio, out[0].rows, bad ? "MISMATCH" : "ok");
        fflush(stdout);
        for (int i = 0; i < 2; i++) {
            text_result_free(&out[i]);
            duckdb_disconnect(&con[i]);
        }
    }
    printf("geometric mean of ratios (buzz/duckdb): %.3f\n", exp(log_sum / (double)QUERY_COUNT));
    if (mismatches)
        printf("MISMATCH: %d of %zu queries give different results on the two files\n", mismatches,
               QUERY_COUNT);
    for (int i = 0; i < 2; i++)
        duckdb_close(&s[i].db);
    return mismatches ? 1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Pages: a walk over one column chunk's page headers (Thrift compact protocol). */

typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
} rd;

static uint8_t rd_byte(rd *r)
{
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

static uint64_t rd_varint(rd *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && !r->bad; shift += 7) {
        uint8_t b = rd_byte(r);
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static int64_t rd_zigzag(rd *r)
{
    uint64_t v = rd_varint(r);
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static void skip_value(rd *r, int type, int depth);

static void skip_struct(rd *r, int depth)
{
    while (!r->bad) {
        uint8_t h = rd_byte(r);
        if (h == 0)
            return;
        if ((h >> 4) == 0)
            (void)rd_zigzag(r);
        skip_value(r, h & 0x0f, depth + 1);
    }
}

static void skip_value(rd *r, int type, int depth)
{
    if (depth > 32) {
        r->bad = true;
        return;
    }
    switch (type) {
    case 1: /* bool true/false: in the field header */
    case 2:
        return;
    case 3:
        (void)rd_byte(r);
        return;
    case 4:
    case 5:
    case 6:
        (void)rd_varint(r);
        return;
    case 7:
        for (int i = 0; i < 8; i++)
            (void)rd_byte(r);
        return;
    case 8: {
        uint64_t n = rd_varint(r);
        if (n > (uint64_t)(r->end - r->p))
            r->bad = true;
        else
            r->p += n;
        return;
    }
    case 9:
    case 10: {
        uint8_t h = rd_byte(r);
        uint64_t n = h >> 4;
        if (n == 15)
            n = rd_varint(r);
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            if ((h & 0x0f) == 1 || (h & 0x0f) == 2)
                (void)rd_byte(r); /* list booleans take a byte each */
            else
                skip_value(r, h & 0x0f, depth + 1);
        }
        return;
    }
    case 11: {
        uint64_t n = rd_varint(r);
        uint8_t kv = n ? rd_byte(r) : 0;
        for (uint64_t i = 0; i < n && !r->bad; i++) {
            skip_value(r, kv >> 4, depth + 1);
            skip_value(r, kv & 0x0f, depth + 1);
        }
        return;
    }
    case 12:
        skip_struct(r, depth);
        return;
    default:
        r->bad = true;
    }
}

typedef struct page_info {
    int type;                         /* 0 data v1, 2 dictionary, 3 data v2 */
    int64_t compressed, uncompressed; /* body bytes */
    int64_t values;
    int encoding;
} page_info;

/* The encoding and value count of a (data, dictionary or v2 data) page header struct. */
static void read_page_sub(rd *r, int enc_field, page_info *pi)
{
    int16_t fid = 0;
    while (!r->bad) {
        uint8_t h = rd_byte(r);
        if (h == 0)
            return;
        fid = (h >> 4) ? (int16_t)(fid + (h >> 4)) : (int16_t)rd_zigzag(r);
        int type = h & 0x0f;
        if (type == 5 && fid == 1)
            pi->values = rd_zigzag(r);
        else if (type == 5 && fid == enc_field)
            pi->encoding = (int)rd_zigzag(r);
        else
            skip_value(r, type, 1);
    }
}

/* One PageHeader; header bytes consumed from r. */
static bool read_page_header(rd *r, page_info *pi)
{
    memset(pi, 0, sizeof *pi);
    pi->type = -1;
    pi->encoding = -1;
    int16_t fid = 0;
    while (!r->bad) {
        uint8_t h = rd_byte(r);
        if (h == 0)
            return !r->bad;
        fid = (h >> 4) ? (int16_t)(fid + (h >> 4)) : (int16_t)rd_zigzag(r);
        int type = h & 0x0f;
        if (type == 5 && fid == 1)
            pi->type = (int)rd_zigzag(r);
        else if (type == 5 && fid == 2)
            pi->uncompressed = rd_zigzag(r);
        else if (type == 5 && fid == 3)
            pi->compressed = rd_zigzag(r);
        else if (type == 12 && fid == 5)
            read_page_sub(r, 2, pi);
        else if (type == 12 && fid == 7)
            read_page_sub(r, 2, pi);
        else if (type == 12 && fid == 8)
            read_page_sub(r, 4, pi);
        else
            skip_value(r, type, 1);
    }
    return false;
}

static const char *encoding_name(int e)
{
    switch (e) {
    case 0:
        return "PLAIN";
    case 2:
        return "PLAIN_DICT";
    case 3:
        return "RLE";
    case 5:
        return "DELTA_BINARY_PACKED";
    case 6:
        return "DELTA_LENGTH_BYTE_ARRAY";
    case 7:
        return "DELTA_BYTE_ARRAY";
    case 8:
        return "RLE_DICT";
    case 9:
        return "BYTE_STREAM_SPLIT";
    default:
        return "?";
    }
}

typedef struct col_stats {
    char name[128];
    char phys[32], logical[64];
    int64_t bytes;     /* total_compressed_size over row groups (headers included) */
    int64_t raw_bytes; /* total_uncompressed_size */
    int64_t dict_pages, dict_bytes, dict_values;
    int64_t data_pages, data_bytes;
    int64_t v2_pages;
    int64_t enc_pages[10];                /* data pages per value encoding */
    int64_t page_rows_min, page_rows_max; /* values per data page */
    int64_t chunks;
    bool walk_failed;
} col_stats;

/* Walk the pages of one column chunk of length len at offset start. */
static void walk_chunk(int fd, int64_t start, int64_t len, col_stats *cs)
{
    uint8_t *buf = malloc((size_t)len);
    if (!buf || pread(fd, buf, (size_t)len, (off_t)start) != (ssize_t)len) {
        free(buf);
        cs->walk_failed = true;
        return;
    }
    rd r = {buf, buf + len, false};
    while (r.p < r.end) {
        page_info pi;
        if (!read_page_header(&r, &pi) || pi.compressed < 0 ||
            pi.compressed > (int64_t)(r.end - r.p)) {
            cs->walk_failed = true;
            break;
        }
        r.p += pi.compressed;
        if (pi.type == 2) {
            cs->dict_pages++;
            cs->dict_bytes += pi.compressed;
            cs->dict_values += pi.values;
        } else if (pi.type == 0 || pi.type == 3) {
            cs->data_pages++;
            cs->data_bytes += pi.compressed;
            cs->v2_pages += pi.type == 3;
            if (cs->page_rows_min == 0 || pi.values < cs->page_rows_min)
                cs->page_rows_min = pi.values;
            if (pi.values > cs->page_rows_max)
                cs->page_rows_max = pi.values;
            if (pi.encoding >= 0 && pi.encoding < 10)
                cs->enc_pages[pi.encoding]++;
        }
    }
    free(buf);
}

static int64_t num_or(const char *s, int64_t dflt)
{
    if (!s || !*s)
        return dflt;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end == 0 ? (int64_t)v : dflt;
}

/* Per-column statistics of one file; *out owned (free()). */
static int file_columns(duckdb_connection con, const char *path, col_stats **out, size_t *out_count,
                        int64_t *out_row_groups)
{
    char lit[2048], sql[4608];
    if (!sql_literal(path, lit, sizeof lit))
        return 1;
    snprintf(sql, sizeof sql,
             "SELECT m.column_id, m.path_in_schema, m.type, coalesce(s.converted_type || CASE WHEN "
             "s.converted_type = 'DECIMAL' THEN '(' || s.precision || ',' || s.scale || ')' ELSE "
             "'' END, s.logical_type::VARCHAR, ''), m.dictionary_page_offset, m.data_page_offset, "
             "m.total_compressed_size, m.total_uncompressed_size, m.row_group_id "
             "FROM parquet_metadata('%s') m "
             "LEFT JOIN (SELECT name, logical_type, converted_type, precision, scale "
             "FROM parquet_schema('%s')) s "
             "ON s.name = m.path_in_schema ORDER BY m.row_group_id, m.column_id",
             lit, lit);
    text_result t;
    if (query_text(con, sql, &t))
        return 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(path);
        text_result_free(&t);
        return 1;
    }
    size_t ncols = 0;
    int64_t rgs = 0;
    for (size_t r = 0; r < t.rows; r++) {
        size_t id = (size_t)num_or(cell(&t, r, 0), 0);
        if (id + 1 > ncols)
            ncols = id + 1;
        int64_t rg = num_or(cell(&t, r, 8), 0);
        if (rg + 1 > rgs)
            rgs = rg + 1;
    }
    col_stats *cs = calloc(ncols ? ncols : 1, sizeof *cs);
    if (!cs) {
        close(fd);
        text_result_free(&t);
        return 1;
    }
    for (size_t r = 0; r < t.rows; r++) {
        col_stats *c = &cs[num_or(cell(&t, r, 0), 0)];
        snprintf(c->name, sizeof c->name, "%s", cell(&t, r, 1) ? cell(&t, r, 1) : "");
        snprintf(c->phys, sizeof c->phys, "%s", cell(&t, r, 2) ? cell(&t, r, 2) : "");
        snprintf(c->logical, sizeof c->logical, "%s", cell(&t, r, 3) ? cell(&t, r, 3) : "");
        int64_t dict = num_or(cell(&t, r, 4), 0);
        int64_t data = num_or(cell(&t, r, 5), 0);
        int64_t len = num_or(cell(&t, r, 6), 0);
        c->bytes += len;
        c->raw_bytes += num_or(cell(&t, r, 7), 0);
        c->chunks++;
        int64_t start = dict > 0 && dict < data ? dict : data;
        walk_chunk(fd, start, len, c);
    }
    close(fd);
    text_result_free(&t);
    *out = cs;
    *out_count = ncols;
    *out_row_groups = rgs;
    return 0;
}

/* One file's side of a column: types, pages, encodings. */
static void describe(const col_stats *c, char *buf, size_t cap)
{
    if (!c) {
        snprintf(buf, cap, "(no such column)");
        return;
    }
    char enc[160];
    size_t o = 0;
    enc[0] = 0;
    for (int e = 0; e < 10; e++) {
        if (!c->enc_pages[e])
            continue;
        int n = snprintf(enc + o, sizeof enc - o, " %s:%lld", encoding_name(e),
                         (long long)c->enc_pages[e]);
        if (n < 0 || (size_t)n >= sizeof enc - o)
            break;
        o += (size_t)n;
    }
    int n = snprintf(
        buf, cap, "%s %s; dict %lld pages %.1f KB; %lld data pages%s of %lld-%lld rows:%s%s",
        c->phys, c->logical, (long long)c->dict_pages, (double)c->dict_bytes / 1e3,
        (long long)c->data_pages, c->v2_pages ? " (v2)" : "", (long long)c->page_rows_min,
        (long long)c->page_rows_max, enc, c->walk_failed ? " (page walk failed)" : "");
    if (n < 0 || (size_t)n >= cap)
        buf[cap - 2] = '+'; /* cut */
}

static int run_columns(const char *buzz_path, const char *duck_path)
{
    duckdb_database db;
    duckdb_connection con;
    if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess)
        return 1;
    col_stats *cs[2];
    size_t n[2];
    int64_t rgs[2];
    if (file_columns(con, buzz_path, &cs[0], &n[0], &rgs[0]) ||
        file_columns(con, duck_path, &cs[1], &n[1], &rgs[1]))
        return 1;
    printf("row groups: buzz %lld, duckdb %lld\n", (long long)rgs[0], (long long)rgs[1]);
    printf("%-24s %9s %9s %6s\n", "column", "buzz KB", "duckdb KB", "ratio");
    int64_t tot[2] = {0, 0};
    for (size_t i = 0; i < n[0]; i++) {
        const col_stats *b = &cs[0][i];
        const col_stats *d = NULL;
        for (size_t j = 0; j < n[1]; j++) {
            if (strcmp(cs[1][j].name, b->name) == 0)
                d = &cs[1][j];
        }
        tot[0] += b->bytes;
        tot[1] += d ? d->bytes : 0;
        char desc[2][320];
        describe(b, desc[0], sizeof desc[0]);
        describe(d, desc[1], sizeof desc[1]);
        printf("%-24.24s %9.1f %9.1f %6.2f\n    buzz:   %s\n    duckdb: %s\n", b->name,
               (double)b->bytes / 1e3, d ? (double)d->bytes / 1e3 : 0.0,
               d && d->bytes ? (double)b->bytes / (double)d->bytes : 0.0, desc[0], desc[1]);
    }
    printf("%-24s %9.1f %9.1f %6.2f  (column chunks only: no footer, page index, bloom filters)\n",
           "total", (double)tot[0] / 1e3, (double)tot[1] / 1e3,
           tot[1] ? (double)tot[0] / (double)tot[1] : 0.0);
    free(cs[0]);
    free(cs[1]);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Ad hoc SQL, for looking into the files by hand. */

static int run_sql(const char *path, const char *query)
{
    side s = {0};
    if (open_side(&s, path))
        return 1;
    duckdb_connection con;
    if (duckdb_connect(s.db, &con) != DuckDBSuccess)
        return 1;
    text_result t;
    if (query_text(con, query, &t))
        return 1;
    for (size_t r = 0; r < t.rows; r++) {
        for (size_t c = 0; c < t.cols; c++)
            printf("%s%s", c ? "\t" : "", cell(&t, r, c) ? cell(&t, r, c) : "NULL");
        printf("\n");
    }
    text_result_free(&t);
    duckdb_disconnect(&con);
    duckdb_close(&s.db);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "write-buzz") == 0)
        return write_buzz(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 5 && strcmp(argv[1], "write-duckdb") == 0)
        return write_duckdb(argv[2], argv[3], argv[4]);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "queries") == 0) {
        int64_t runs = argc == 5 ? num_or(argv[4], 0) : TIMED_RUNS;
        if (runs < 1 || runs > 1000) {
            fprintf(stderr, "RUNS must be 1 to 1000, got %s\n", argv[4]);
            return 2;
        }
        return run_queries(argv[2], argv[3], (int)runs);
    }
    if (argc == 4 && strcmp(argv[1], "columns") == 0)
        return run_columns(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "sql") == 0)
        return run_sql(argv[2], argv[3]);
    fprintf(stderr, "usage: see the comment at the top of bench/parquet_query.c\n");
    return 2;
}
