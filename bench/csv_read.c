/* bench/csv_read.c: CSV reading throughput, Buzz against DuckDB, one measurement per process so
 * that peak RSS belongs to one engine. Driven by bench/run (make bench), which prints the table.
 *
 *   csv_read gen FILE MB              write a deterministic EV-registration-like CSV of about MB
 *                                     megabytes (20 mixed columns, some quoted with commas/quotes)
 *   csv_read buzz FILE THREADS SIMD   tokenize every row with Buzz's reader
 *   csv_read track FILE SIMD          run only the record-boundary tracker kernel over the file
 *   csv_read duckdb-count FILE THREADS   SELECT count(*) FROM read_csv(FILE)
 *   csv_read duckdb-scan FILE THREADS    a full scan touching every column as text
 *
 * Each run prints one line: "<engine> <seconds> <MB/s> <peak RSS MiB> <rows> [note]". The buzz runs
 * include everything the reader does: reading the file, the sequential boundary tracker, and the
 * tokenizer threads; "track" runs only the tracker kernel over the file (read() included; the
 * note gives the kernel alone). */
#include "buzz/csv.h"
#include "csv/csv_internal.h"

#include <duckdb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static double now_s(void)
{
    return (double)buzz_now_ns() / 1e9;
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

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int gen(const char *path, int64_t mb)
{
    static const char *makes[] = {"TESLA", "NISSAN", "CHEVROLET", "FORD", "BMW", "KIA", "TOYOTA",
                                  "VOLKSWAGEN", "JEEP", "HYUNDAI"};
    static const char *models[] = {"MODEL 3", "LEAF", "BOLT EV", "MUSTANG MACH-E", "I3", "NIRO",
                                   "PRIUS PRIME", "ID.4", "WRANGLER", "KONA"};
    static const char *counties[] = {"King", "Snohomish", "Pierce", "Clark", "Thurston", "Kitsap",
                                     "Spokane", "Whatcom", "Benton", "Skagit"};
    static const char *cities[] = {"Seattle", "Bellevue", "Redmond", "Kirkland", "Tacoma",
                                   "Olympia", "Vancouver", "Bothell", "Renton", "Everett"};
    static const char *types[] = {"Battery Electric Vehicle (BEV)",
                                  "Plug-in Hybrid Electric Vehicle (PHEV)"};
    static const char *cafv[] = {"Clean Alternative Fuel Vehicle Eligible",
                                 "Eligibility unknown as battery range has not been researched",
                                 "Not eligible due to low battery range"};
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 1;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fprintf(f, "VIN (1-10),County,City,State,Postal Code,Model Year,Make,Model,Electric Vehicle "
               "Type,CAFV Eligibility,Electric Range,Base MSRP,Legislative District,DOL Vehicle "
               "ID,Vehicle Location,Electric Utility,2020 Census Tract,Registration Date,Price,"
               "Notes\n");
    int64_t want = mb * 1000000;
    int64_t row = 0;
    while (ftell(f) < want) {
        uint64_t r = next_rand();
        char vin[11];
        static const char an[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        for (int i = 0; i < 10; i++)
            vin[i] = an[(r >> (i * 5)) % 33];
        vin[10] = 0;
        int m = (int)(r % 10);
        int c = (int)((r >> 8) % 10);
        int year = 2011 + (int)((r >> 16) % 14);
        fprintf(f, "%s,%s,%s,WA,%05u,%d,%s,%s,%s,\"%s\",%u,%u,%u,%llu,\"POINT (-122.%04u 47.%04u)\","
                   "\"PUGET SOUND ENERGY INC||CITY OF TACOMA - (WA)\",%llu,%d-%02d-%02d,%u.%02u,%s\n",
                vin, counties[c], cities[(c + m) % 10], (unsigned)(980 + (r >> 20) % 20) * 100 % 99999,
                year, makes[m], models[m], types[(r >> 24) & 1], cafv[(r >> 25) % 3],
                (unsigned)((r >> 28) % 340), (r >> 40) % 5 == 0 ? (unsigned)(30000 + (r >> 32) % 90000) : 0u,
                (unsigned)((r >> 36) % 49 + 1), (unsigned long long)(100000000 + row),
                (unsigned)((r >> 12) % 10000), (unsigned)((r >> 44) % 10000),
                (unsigned long long)(53033000000ull + (r >> 30) % 1000000), year, (int)((r >> 50) % 12) + 1,
                (int)((r >> 54) % 28) + 1, (unsigned)(20000 + (r >> 33) % 80000), (unsigned)((r >> 3) % 100),
                (r >> 58) % 4 == 0 ? "\"said \"\"ok\"\", then left\"" : "");
        row++;
    }
    fclose(f);
    printf("generated %s: %lld rows, %lld bytes\n", path, (long long)row, (long long)file_size(path));
    return 0;
}

static int run_buzz(const char *path, unsigned threads, const char *simd_name)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    buzz_error err;
    if (buzz_simd_parse(simd_name, &o.simd, &err) != BUZZ_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    double t0 = now_s();
    buzz_csv_reader *rd;
    if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    int64_t rows = 0;
    uint64_t bytes = 0;
    const buzz_csv_batch *b;
    for (;;) {
        if (buzz_csv_reader_next(rd, &b, &err) != BUZZ_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        if (!b)
            break;
        rows += (int64_t)b->row_count;
        /* Touch one column so the batch is really consumed. */
        for (size_t r = 0; r < b->row_count; r++)
            bytes += buzz_csv_cell_len(buzz_csv_batch_cell(b, r, 0));
    }
    char kernel[16];
    snprintf(kernel, sizeof kernel, "%s", buzz_csv_reader_kernel(rd));
    buzz_csv_reader_close(rd);
    double dt = now_s() - t0;
    double mb = (double)file_size(path) / 1e6;
    printf("buzz-%s-t%u %.3f %.1f %.1f %lld\n", kernel, threads, dt, mb / dt, peak_rss_mib(),
           (long long)rows);
    (void)bytes;
    return 0;
}

static int run_track(const char *path, const char *simd_name)
{
    buzz_simd simd;
    buzz_error err;
    if (buzz_simd_parse(simd_name, &simd, &err) != BUZZ_OK || !buzz__csv_pick_track(simd)) {
        fprintf(stderr, "unknown or unsupported kernel %s\n", simd_name);
        return 2;
    }
    buzz__csv_track_fn track = buzz__csv_pick_track(simd);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    size_t cap = 8u << 20;
    uint8_t *buf = malloc(cap + BUZZ__CSV_PAD);
    buzz_csv_dialect d;
    memset(&d, 0, sizeof d);
    d.delimiter = ',';
    d.quote = '"';
    d.escape = '"';
    d.comment = BUZZ_CSV_NONE;
    d.newline = BUZZ_NEWLINE_LF;
    buzz__csv_track k;
    buzz__csv_track_init(&k, &d);
    double t0 = now_s();
    double in_kernel = 0;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n <= 0)
            break;
        memset(buf + n, 0, BUZZ__CSV_PAD);
        double k0 = now_s();
        (void)track(&k, buf, 0, (size_t)n);
        in_kernel += now_s() - k0;
    }
    close(fd);
    free(buf);
    double dt = now_s() - t0;
    double mb = (double)file_size(path) / 1e6;
    printf("track-%s %.3f %.1f %.1f - kernel-only:%.0fMB/s\n", simd_name, dt, mb / dt,
           peak_rss_mib(), mb / in_kernel);
    return 0;
}

static int run_duckdb(const char *path, const char *mode, unsigned threads)
{
    duckdb_database db;
    duckdb_connection con;
    if (duckdb_open(NULL, &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
        fprintf(stderr, "cannot open DuckDB\n");
        return 1;
    }
    char sql[4096];
    snprintf(sql, sizeof sql, "SET threads=%u", threads);
    duckdb_result res;
    duckdb_query(con, sql, &res);
    duckdb_destroy_result(&res);
    /* The path is a literal: escape single quotes. */
    char lit[2048];
    size_t o = 0;
    for (const char *p = path; *p && o + 2 < sizeof lit; p++) {
        if (*p == '\'')
            lit[o++] = '\'';
        lit[o++] = *p;
    }
    lit[o] = 0;
    if (strcmp(mode, "count") == 0) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM read_csv('%s')", lit);
    } else {
        /* Every column as text, every value touched. */
        snprintf(sql, sizeof sql,
                 "SELECT count(*), sum(length(COLUMNS(*))) FROM read_csv('%s', all_varchar=true)",
                 lit);
    }
    double t0 = now_s();
    if (duckdb_query(con, sql, &res) != DuckDBSuccess) {
        fprintf(stderr, "duckdb: %s\n", duckdb_result_error(&res));
        return 1;
    }
    int64_t rows = duckdb_value_int64(&res, 0, 0);
    double dt = now_s() - t0;
    duckdb_destroy_result(&res);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    double mb = (double)file_size(path) / 1e6;
    printf("duckdb-%s-t%u %.3f %.1f %.1f %lld\n", mode, threads, dt, mb / dt, peak_rss_mib(),
           (long long)rows);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2], atoll(argv[3]));
    if (argc >= 5 && strcmp(argv[1], "buzz") == 0)
        return run_buzz(argv[2], (unsigned)atoi(argv[3]), argv[4]);
    if (argc >= 4 && strcmp(argv[1], "track") == 0)
        return run_track(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "duckdb-count") == 0)
        return run_duckdb(argv[2], "count", (unsigned)atoi(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "duckdb-scan") == 0)
        return run_duckdb(argv[2], "scan", (unsigned)atoi(argv[3]));
    fprintf(stderr, "usage: see the comment at the top of bench/csv_read.c\n");
    return 2;
}
