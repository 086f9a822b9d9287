/* bench/query_bench.c: typical queries and a column profile through Buzz's query library
 * (buzz/query.h, buzz/profile.h) on one Parquet file, as the service will run them: one engine,
 * one connection, every query through buzz_query_run (sandbox check, prepare, run, the first
 * 1,000 rows kept and the rest counted). Driven by bench/run (BENCH_ONLY=query), which makes the
 * 10M-row EV dataset with `csv_read gen-rows` and `buzz convert` and caches it in bench/data/.
 *
 *   query_bench latency FILE [RUNS]   every query of the set once as a warm-up, then RUNS rounds
 *                                     (default 30), each round running every query once in the
 *                                     same order (a slow spell of the shared machine hits all of
 *                                     them); per query: p50, p99, min and max wall milliseconds
 *                                     and the rows of its result
 *   query_bench profile FILE [RUNS]   buzz_profile_dataset RUNS times (default 3): each run's
 *                                     seconds, then min / median / max, statements that scanned,
 *                                     rows and columns
 *   query_bench sql FILE QUERY        one query through the library, its first rows as text
 *
 * Percentiles are nearest-rank over the RUNS timings (p99 of 30 runs is the slowest one; of 100,
 * the second slowest). DuckDB threads: BENCH_QUERY_THREADS (default 2). The engine's timeout is
 * raised to 10 minutes so that no run is cut short. Each latency line reads
 * "<name> <p50 ms> <p99 ms> <min ms> <max ms> <rows>"; the profile prints
 * "profile <min s> <median s> <max s> <scans> <rows> <columns>" last. The process's peak RSS
 * ends both ("rss <MiB>"). */
#include "buzz/profile.h"
#include "buzz/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The query set: what people and the ask prompts typically run on a table like this one. */
static const struct {
    const char *name, *sql;
} queries[] = {
    {"count", "SELECT count(*) FROM data"},
    {"group-agg", "SELECT \"Make\", count(*) AS n, avg(\"Price\") AS avg_price, "
                  "max(\"Electric Range\") AS max_range FROM data GROUP BY 1 ORDER BY n DESC"},
    {"filter-top", "SELECT \"VIN (1-10)\", \"Make\", \"Model\", \"Price\" FROM data "
                   "WHERE \"Model Year\" >= 2020 AND \"State\" = 'WA' "
                   "ORDER BY \"Price\" DESC, \"DOL Vehicle ID\" LIMIT 10"},
    {"distinct", "SELECT count(DISTINCT \"Postal Code\") FROM data"},
    {"month", "SELECT date_trunc('month', \"Registration Date\") AS month, count(*) AS n, "
              "sum(\"Price\") AS total FROM data GROUP BY 1 ORDER BY 1"},
    {"window", "SELECT \"County\", \"Make\", n, rank() OVER (PARTITION BY \"County\" ORDER BY n DESC) "
               "AS r FROM (SELECT \"County\", \"Make\", count(*) AS n FROM data GROUP BY 1, 2) "
               "QUALIFY r <= 3 ORDER BY 1, 4, 2"},
    {"self-join", "SELECT a.\"County\", count(*) AS above_avg FROM data a JOIN (SELECT \"County\", "
                  "avg(\"Price\") AS p FROM data GROUP BY 1) b ON a.\"County\" = b.\"County\" "
                  "WHERE a.\"Price\" > b.p GROUP BY 1 ORDER BY 1"},
    {"ilike", "SELECT \"Make\", count(*) FROM data WHERE \"Model\" ILIKE '%mach%' "
              "OR \"Notes\" ILIKE '%warranty%' GROUP BY 1 ORDER BY 1"},
    {"preview", "SELECT * FROM data LIMIT 100"},
};

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least p% of the values at or below it. */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return sorted[rank - 1];
}

typedef struct bench {
    buzz_query_engine *engine;
    buzz_query_conn *conn;
} bench;

static int open_bench(bench *b, const char *path)
{
    buzz_query_dataset ds = {"ev", path};
    buzz_query_options o;
    memset(&o, 0, sizeof o);
    const char *t = getenv("BENCH_QUERY_THREADS");
    o.threads = t && *t ? (unsigned)strtoul(t, NULL, 10) : 2;
    o.timeout_ms = 600000;
    buzz_error err;
    if (buzz_query_engine_open(&b->engine, &ds, 1, &o, &err) != BUZZ_OK ||
        buzz_query_conn_open(b->engine, &b->conn, &err) != BUZZ_OK) {
        fprintf(stderr, "query_bench: %s\n", err.message);
        buzz_query_engine_close(b->engine);
        return 1;
    }
    return 0;
}

static void close_bench(bench *b)
{
    buzz_query_conn_close(b->conn);
    buzz_query_engine_close(b->engine);
}

/* One query; its wall time in ms and its row count. */
static int run_one(bench *b, const char *sql, double *out_ms, int64_t *out_rows)
{
    buzz_query_result *r = NULL;
    buzz_error err;
    int64_t t0 = buzz_now_ns();
    buzz_status st = buzz_query_run(b->conn, sql, NULL, &r, &err);
    *out_ms = (double)(buzz_now_ns() - t0) / 1e6;
    if (st != BUZZ_OK) {
        fprintf(stderr, "query_bench: %s: %s\n", sql, err.message);
        return 1;
    }
    *out_rows = buzz_query_result_total_rows(r);
    buzz_query_result_free(r);
    return 0;
}

static int latency(const char *path, int runs)
{
    bench b;
    memset(&b, 0, sizeof b);
    if (open_bench(&b, path))
        return 1;
    size_t nq = sizeof queries / sizeof queries[0];
    double *ms = calloc(nq * (size_t)runs, sizeof *ms);
    int64_t *rows = calloc(nq, sizeof *rows);
    int rc = ms && rows ? 0 : 1;
    for (size_t q = 0; rc == 0 && q < nq; q++) {
        double warm;
        rc = run_one(&b, queries[q].sql, &warm, &rows[q]);
    }
    for (int r = 0; rc == 0 && r < runs; r++) {
        for (size_t q = 0; rc == 0 && q < nq; q++) {
            int64_t n;
            rc = run_one(&b, queries[q].sql, &ms[q * (size_t)runs + (size_t)r], &n);
            if (rc == 0 && n != rows[q]) {
                fprintf(stderr, "query_bench: %s gave %lld rows, then %lld\n", queries[q].name,
                        (long long)rows[q], (long long)n);
                rc = 1;
            }
        }
    }
    for (size_t q = 0; rc == 0 && q < nq; q++) {
        double *v = ms + q * (size_t)runs;
        qsort(v, (size_t)runs, sizeof *v, cmp_double);
        printf("%-10s %9.2f %9.2f %9.2f %9.2f %8lld\n", queries[q].name,
               percentile(v, (size_t)runs, 50), percentile(v, (size_t)runs, 99), v[0],
               v[runs - 1], (long long)rows[q]);
    }
    if (rc == 0)
        printf("rss %.0f\n", peak_rss_mib());
    free(ms);
    free(rows);
    close_bench(&b);
    return rc;
}

static int profile(const char *path, int runs)
{
    bench b;
    memset(&b, 0, sizeof b);
    if (open_bench(&b, path))
        return 1;
    double *s = calloc((size_t)runs, sizeof *s);
    int rc = s ? 0 : 1;
    buzz_profile_options o;
    memset(&o, 0, sizeof o);
    int64_t scans = 0, nrows = 0;
    size_t ncols = 0;
    for (int r = 0; rc == 0 && r < runs; r++) {
        buzz_profile *p = NULL;
        buzz_error err;
        int64_t t0 = buzz_now_ns();
        if (buzz_profile_dataset(b.conn, 0, &o, &p, &err) != BUZZ_OK) {
            fprintf(stderr, "query_bench: profile: %s\n", err.message);
            rc = 1;
            break;
        }
        s[r] = (double)(buzz_now_ns() - t0) / 1e9;
        scans = p->scan_count;
        nrows = p->rows;
        ncols = p->column_count;
        printf("profile-run %d %.3f\n", r + 1, s[r]);
        fflush(stdout);
        buzz_profile_free(p);
    }
    if (rc == 0) {
        qsort(s, (size_t)runs, sizeof *s, cmp_double);
        printf("profile %.3f %.3f %.3f %lld %lld %zu\n", s[0], s[runs / 2], s[runs - 1],
               (long long)scans, (long long)nrows, ncols);
        printf("rss %.0f\n", peak_rss_mib());
    }
    free(s);
    close_bench(&b);
    return rc;
}

static int sql_run(const char *path, const char *sql)
{
    bench b;
    memset(&b, 0, sizeof b);
    if (open_bench(&b, path))
        return 1;
    buzz_query_run_options ro = {0, 20, false};
    buzz_query_result *r = NULL;
    buzz_error err;
    int rc = 0;
    if (buzz_query_run(b.conn, sql, &ro, &r, &err) != BUZZ_OK) {
        fprintf(stderr, "query_bench: %s\n", err.message);
        rc = 1;
    } else {
        buzz_buf out;
        buzz_buf_init(&out, 0);
        if (buzz_query_result_format(r, BUZZ_QUERY_FORMAT_CSV, &out, &err) == BUZZ_OK)
            fwrite(out.data, 1, out.len, stdout);
        printf("(%lld rows, %lld ms)\n", (long long)buzz_query_result_total_rows(r),
               (long long)buzz_query_result_elapsed_ms(r));
        buzz_buf_free(&out);
    }
    buzz_query_result_free(r);
    close_bench(&b);
    return rc;
}

int main(int argc, char **argv)
{
    int runs = argc >= 4 ? atoi(argv[3]) : 0;
    if (argc >= 3 && strcmp(argv[1], "latency") == 0)
        return latency(argv[2], runs > 0 ? runs : 30);
    if (argc >= 3 && strcmp(argv[1], "profile") == 0)
        return profile(argv[2], runs > 0 ? runs : 3);
    if (argc >= 4 && strcmp(argv[1], "sql") == 0)
        return sql_run(argv[2], argv[3]);
    fprintf(stderr, "usage: see the comment at the top of bench/query_bench.c\n");
    return 2;
}
