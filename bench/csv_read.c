/* bench/csv_read.c: CSV reading throughput, Buzz against DuckDB, one measurement per process so
 * that peak RSS belongs to one engine, and the deterministic data generators of every benchmark.
 * Driven by bench/run (make bench), which prints the tables.
 *
 *   csv_read gen FILE MB              write a deterministic EV-registration-like CSV of about MB
 *                                     megabytes (20 mixed columns, some quoted with commas/quotes)
 *   csv_read gen-rows FILE ROWS       the same table in the convert benchmark's shape, ROWS rows:
 *                                     one row in ten registered out of state with a leading-zero
 *                                     postal code and empty district and utility, a Y/N flag
 *                                     instead of Base MSRP, several models per make, notes with
 *                                     commas
 *   csv_read gen-wide FILE ROWS       200 columns cycling through ten kinds (ints, ids, decimals,
 *                                     doubles, dates, timestamps, booleans, categories, zero-padded
 *                                     codes, mostly empty text)
 *   csv_read gen-text FILE ROWS       string-heavy rows: long quoted text with commas, doubled
 *                                     quotes and embedded newlines, quoted tag lists, timestamps
 *   csv_read buzz FILE THREADS SIMD   tokenize every row with Buzz's reader
 *   csv_read track FILE SIMD          run only the record-boundary tracker kernel over the file
 *   csv_read duckdb-count FILE THREADS   SELECT count(*) FROM read_csv(FILE)
 *   csv_read duckdb-scan FILE THREADS    a full scan touching every column as text
 *
 * Each run prints one line: "<engine> <seconds> <MB/s> <peak RSS MiB> <rows> [note]". The buzz runs
 * include everything the reader does: reading the file, the sequential boundary tracker, and the
 * tokenizer threads; "track" runs only the tracker kernel over the file (read() included; the
 * note gives the kernel alone). Every generator starts from the same seed, so a file depends only
 * on its mode and size: `gen` output is byte-identical to what earlier versions wrote (the query
 * benchmark's needles, e.g. the VIN of row 550000, depend on it). */
#include "buzz/csv.h"
#include "csv/csv_internal.h"

#include <duckdb.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* xorshift64: fast, deterministic and the same on every machine, which is all a data generator
 * needs (the C library's rand is banned and differs between libcs). */
#define GEN_SEED 0x9E3779B97F4A7C15ull
static uint64_t rng = GEN_SEED;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Opens a generator's output with a large buffer and restarts the random sequence, so a file
 * depends only on its mode and size. NULL (message on stderr) when the file cannot be created. */
static FILE *gen_open(const char *path)
{
    rng = GEN_SEED;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

/* Write errors are sticky in the FILE, so the row loops do not check each fprintf; a short disk
 * shows up here, and bench/run keeps only files that were completed (it renames them after). */
static int gen_close(FILE *f, const char *path, int64_t rows)
{
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0)
        bad = true;
    if (bad) {
        fprintf(stderr, "%s: write failed\n", path);
        return 1;
    }
    printf("generated %s: %lld rows, %lld bytes\n", path, (long long)rows,
           (long long)file_size(path));
    return 0;
}

static const char *const ev_makes[] = {"TESLA", "NISSAN", "CHEVROLET",  "FORD", "BMW",
                                       "KIA",   "TOYOTA", "VOLKSWAGEN", "JEEP", "HYUNDAI"};
static const char *const ev_models[] = {"MODEL 3",  "LEAF", "BOLT EV",     "MUSTANG MACH-E",
                                        "I3",       "NIRO", "PRIUS PRIME", "ID.4",
                                        "WRANGLER", "KONA"};
static const char *const ev_counties[] = {"King",   "Snohomish", "Pierce",  "Clark",  "Thurston",
                                          "Kitsap", "Spokane",   "Whatcom", "Benton", "Skagit"};
static const char *const ev_cities[] = {"Seattle", "Bellevue",  "Redmond", "Kirkland", "Tacoma",
                                        "Olympia", "Vancouver", "Bothell", "Renton",   "Everett"};
static const char *const ev_types[] = {"Battery Electric Vehicle (BEV)",
                                       "Plug-in Hybrid Electric Vehicle (PHEV)"};
static const char *const ev_cafv[] = {
    "Clean Alternative Fuel Vehicle Eligible",
    "Eligibility unknown as battery range has not been researched",
    "Not eligible due to low battery range"};
static const char ev_vin_chars[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/* One row of the original shape (`gen FILE MB`). It must keep drawing exactly one random number
 * per row and printing exactly these bytes: cached files and the query benchmark depend on it. */
static void ev_row_classic(FILE *f, int64_t row)
{
    uint64_t r = next_rand();
    char vin[11];
    for (int i = 0; i < 10; i++)
        vin[i] = ev_vin_chars[(r >> (i * 5)) % 33];
    vin[10] = 0;
    int m = (int)(r % 10);
    int c = (int)((r >> 8) % 10);
    int year = 2011 + (int)((r >> 16) % 14);
    fprintf(f,
            "%s,%s,%s,WA,%05u,%d,%s,%s,%s,\"%s\",%u,%u,%u,%llu,\"POINT (-122.%04u 47.%04u)\","
            "\"PUGET SOUND ENERGY INC||CITY OF TACOMA - (WA)\",%llu,%d-%02d-%02d,%u.%02u,%s\n",
            vin, ev_counties[c], ev_cities[(c + m) % 10],
            (unsigned)(980 + (r >> 20) % 20) * 100 % 99999, year, ev_makes[m], ev_models[m],
            ev_types[(r >> 24) & 1], ev_cafv[(r >> 25) % 3], (unsigned)((r >> 28) % 340),
            (r >> 40) % 5 == 0 ? (unsigned)(30000 + (r >> 32) % 90000) : 0u,
            (unsigned)((r >> 36) % 49 + 1), (unsigned long long)(100000000 + row),
            (unsigned)((r >> 12) % 10000), (unsigned)((r >> 44) % 10000),
            (unsigned long long)(53033000000ull + (r >> 30) % 1000000), year,
            (int)((r >> 50) % 12) + 1, (int)((r >> 54) % 28) + 1,
            (unsigned)(20000 + (r >> 33) % 80000), (unsigned)((r >> 3) % 100),
            (r >> 58) % 4 == 0 ? "\"said \"\"ok\"\", then left\"" : "");
}

/* Registrations outside Washington (the real WA export carries some). Their New England and New
 * Jersey ZIP codes start with 0, which separates a converter that keeps postal codes as text from
 * one that reads them as integers and loses the zero. Census tracts are state FIPS + 9 digits, as
 * integers (Connecticut's 09 becomes a 10-digit 9xxxxxxxxx, as in the real export). */
static const struct {
    const char *state, *county, *city;
    unsigned zip;         /* lowest ZIP code used; up to 39 above it */
    unsigned tract_state; /* FIPS state code, the census tract's leading digits */
    unsigned lon, lat;    /* whole degrees west and north */
} ev_away[] = {
    {"MA", "Middlesex", "Cambridge", 2138, 25, 71, 42},
    {"MA", "Suffolk", "Boston", 2108, 25, 71, 42},
    {"CT", "Fairfield", "Stamford", 6901, 9, 73, 41},
    {"NJ", "Hudson", "Hoboken", 7030, 34, 74, 40},
    {"NH", "Hillsborough", "Nashua", 3060, 33, 71, 42},
    {"VT", "Chittenden", "Burlington", 5401, 50, 73, 44},
    {"ME", "Cumberland", "Portland", 4101, 23, 70, 43},
    {"RI", "Providence", "Providence", 2903, 44, 71, 41},
};
/* Three models per make, so models repeat without being a function of the make. */
static const char *const ev_models3[][3] = {
    {"MODEL 3", "MODEL Y", "MODEL S"},
    {"LEAF", "ARIYA", "LEAF PLUS"},
    {"BOLT EV", "BOLT EUV", "VOLT"},
    {"MUSTANG MACH-E", "F-150", "ESCAPE PHEV"},
    {"I3", "IX", "X5"},
    {"NIRO", "EV6", "SOUL EV"},
    {"PRIUS PRIME", "RAV4 PRIME", "BZ4X"},
    {"ID.4", "E-GOLF", "ID. BUZZ"},
    {"WRANGLER", "GRAND CHEROKEE", "COMPASS"},
    {"KONA", "IONIQ 5", "IONIQ 6"},
};
static const char *const ev_utilities[] = {
    "\"PUGET SOUND ENERGY INC||CITY OF TACOMA - (WA)\"", "\"PUGET SOUND ENERGY INC\"",
    "\"CITY OF SEATTLE - (WA)|CITY OF TACOMA - (WA)\"",
    "\"BONNEVILLE POWER ADMINISTRATION||AVISTA CORP||INLAND POWER & LIGHT COMPANY\""};
static const char *const ev_notes[] = {"\"said \"\"ok\"\", then left\"",
                                       "\"leased, returned early\"", "\"battery replaced (2023)\"",
                                       "\"dealer note: \"\"as is\"\", no warranty\""};

/* One row of the convert benchmark's shape (`gen-rows`): the classic row's columns with the
 * features issue #7 asks for (leading-zero postal codes, a Y/N flag, empty cells in typed
 * columns, repeated makes/models). Two random numbers per row: r keeps the classic meaning of
 * each bit range, s drives the new fields. */
static void ev_row_convert(FILE *f, int64_t row)
{
    uint64_t r = next_rand();
    uint64_t s = next_rand();
    char vin[11];
    for (int i = 0; i < 10; i++)
        vin[i] = ev_vin_chars[(r >> (i * 5)) % 33];
    vin[10] = 0;
    int m = (int)(r % 10);
    int c = (int)((r >> 8) % 10);
    int year = 2011 + (int)((r >> 16) % 14);
    bool away = s % 10 == 0;
    size_t a = (size_t)((s >> 4) % (sizeof ev_away / sizeof ev_away[0]));
    const char *fleet = (s >> 20) % 8 == 0 ? "Y" : "N";
    const char *note = (s >> 12) % 4 == 0 ? ev_notes[(s >> 14) % 4] : "";
    if (away) {
        /* Empty district and utility: unquoted empty cells, NULL in a typed reading. */
        fprintf(f,
                "%s,%s,%s,%s,%05u,%d,%s,%s,%s,\"%s\",%u,%s,,%llu,\"POINT (-%u.%04u %u.%04u)\",,"
                "%llu,%d-%02d-%02d,%u.%02u,%s\n",
                vin, ev_away[a].county, ev_away[a].city, ev_away[a].state,
                ev_away[a].zip + (unsigned)((s >> 24) % 40), year, ev_makes[m],
                ev_models3[m][(s >> 8) % 3], ev_types[(r >> 24) & 1], ev_cafv[(r >> 25) % 3],
                (unsigned)((r >> 28) % 340), fleet, (unsigned long long)(100000000 + row),
                ev_away[a].lon, (unsigned)((r >> 12) % 10000), ev_away[a].lat,
                (unsigned)((r >> 44) % 10000),
                (unsigned long long)ev_away[a].tract_state * 1000000000ull + (r >> 30) % 1000000000,
                year, (int)((r >> 50) % 12) + 1, (int)((r >> 54) % 28) + 1,
                (unsigned)(20000 + (r >> 33) % 80000), (unsigned)((r >> 3) % 100), note);
        return;
    }
    fprintf(f,
            "%s,%s,%s,WA,%05u,%d,%s,%s,%s,\"%s\",%u,%s,%u,%llu,\"POINT (-122.%04u 47.%04u)\",%s,"
            "%llu,%d-%02d-%02d,%u.%02u,%s\n",
            vin, ev_counties[c], ev_cities[(c + m) % 10], (unsigned)(98001 + (s >> 24) % 1400),
            year, ev_makes[m], ev_models3[m][(s >> 8) % 3], ev_types[(r >> 24) & 1],
            ev_cafv[(r >> 25) % 3], (unsigned)((r >> 28) % 340), fleet,
            (unsigned)((r >> 36) % 49 + 1), (unsigned long long)(100000000 + row),
            (unsigned)((r >> 12) % 10000), (unsigned)((r >> 44) % 10000),
            ev_utilities[(s >> 32) % 4], (unsigned long long)(53033000000ull + (r >> 30) % 1000000),
            year, (int)((r >> 50) % 12) + 1, (int)((r >> 54) % 28) + 1,
            (unsigned)(20000 + (r >> 33) % 80000), (unsigned)((r >> 3) % 100), note);
}

/* The EV table: until the file reaches max_bytes (when > 0) or has max_rows rows. */
static int gen_ev(const char *path, int64_t max_bytes, int64_t max_rows, bool convert_shape)
{
    FILE *f = gen_open(path);
    if (!f)
        return 1;
    fprintf(f,
            "VIN (1-10),County,City,State,Postal Code,Model Year,Make,Model,Electric Vehicle "
            "Type,CAFV Eligibility,Electric Range,%s,Legislative District,DOL Vehicle "
            "ID,Vehicle Location,Electric Utility,2020 Census Tract,Registration Date,Price,"
            "Notes\n",
            convert_shape ? "Commercial Fleet" : "Base MSRP");
    int64_t row = 0;
    while (max_bytes > 0 ? ftell(f) < max_bytes : row < max_rows) {
        if (convert_shape)
            ev_row_convert(f, row);
        else
            ev_row_classic(f, row);
        row++;
    }
    return gen_close(f, path, row);
}

static const char *const words[] = {
    "data",    "value",  "export", "column",  "engine",  "vehicle", "battery", "range",
    "charge",  "county", "city",   "report",  "quality", "review",  "update",  "record",
    "format",  "table",  "number", "station", "market",  "energy",  "summary", "account",
    "invoice", "order",  "return", "service", "network", "signal",  "model",   "history"};
#define WORD_COUNT (sizeof words / sizeof words[0])

/* 200 columns: ten kinds in turn, 20 columns of each. Wide rows stress per-column state (one
 * staging page, dictionary and inference state per column) rather than per-byte work. */
#define WIDE_COLUMNS 200
static int gen_wide(const char *path, int64_t rows)
{
    static const char *const kinds[] = {"int",  "id",   "decimal",  "double", "date",
                                        "time", "flag", "category", "code",   "sparse"};
    FILE *f = gen_open(path);
    if (!f)
        return 1;
    for (int col = 0; col < WIDE_COLUMNS; col++)
        fprintf(f, "%sc%03d_%s", col ? "," : "", col + 1, kinds[col % 10]);
    fputc('\n', f);
    for (int64_t row = 0; row < rows; row++) {
        for (int col = 0; col < WIDE_COLUMNS; col++) {
            uint64_t r = next_rand();
            if (col)
                fputc(',', f);
            switch (col % 10) {
            case 0: /* small integer */
                fprintf(f, "%u", (unsigned)(r % 1000));
                break;
            case 1: /* unique, increasing 64-bit id */
                fprintf(f, "%llu",
                        (unsigned long long)(1000000000000ull + row * WIDE_COLUMNS + col));
                break;
            case 2: /* signed decimal with two places */
                fprintf(f, "%s%u.%02u", (r & 1) ? "-" : "", (unsigned)((r >> 1) % 50000),
                        (unsigned)((r >> 20) % 100));
                break;
            case 3: /* double in scientific notation */
                fprintf(f, "%u.%04ue%d", (unsigned)(r % 9 + 1), (unsigned)((r >> 8) % 10000),
                        (int)((r >> 24) % 17) - 8);
                break;
            case 4: /* ISO date */
                fprintf(f, "%d-%02d-%02d", 2000 + (int)(r % 30), (int)((r >> 8) % 12) + 1,
                        (int)((r >> 16) % 28) + 1);
                break;
            case 5: /* timestamp to the second */
                fprintf(f, "%d-%02d-%02d %02d:%02d:%02d", 2000 + (int)(r % 30),
                        (int)((r >> 8) % 12) + 1, (int)((r >> 16) % 28) + 1, (int)((r >> 24) % 24),
                        (int)((r >> 32) % 60), (int)((r >> 40) % 60));
                break;
            case 6: /* boolean */
                fputs((r & 1) ? "true" : "false", f);
                break;
            case 7: /* low-cardinality category */
                fputs(words[r % 16], f);
                break;
            case 8: /* zero-padded code: one in ten starts with 0 */
                fprintf(f, "%06u", (unsigned)(r % 1000000));
                break;
            default: /* mostly empty text */
                if (r % 10 == 0)
                    fprintf(f, "%s %s", words[(r >> 8) % WORD_COUNT],
                            words[(r >> 16) % WORD_COUNT]);
                break;
            }
        }
        fputc('\n', f);
    }
    return gen_close(f, path, rows);
}

/* One quoted field of n_words words: sentences of 5-15 words, a comma after some words, a phrase
 * in doubled quotes now and then, and line breaks (single, or a blank line between paragraphs)
 * inside the field, so records span lines and quotes must be tracked across them. */
static void text_field(FILE *f, int n_words)
{
    fputc('"', f);
    int in_sentence = 0, sentence_len = 5;
    for (int w = 0; w < n_words; w++) {
        uint64_t r = next_rand();
        if (in_sentence == 0)
            sentence_len = 5 + (int)(r % 11);
        const char *word = words[(r >> 8) % WORD_COUNT];
        bool quoted = (r >> 16) % 20 == 0;
        if (in_sentence == 0)
            fprintf(f, "%s%c%s%s", quoted ? "\"\"" : "", word[0] - 'a' + 'A', word + 1,
                    quoted ? "\"\"" : "");
        else
            fprintf(f, "%s%s%s", quoted ? "\"\"" : "", word, quoted ? "\"\"" : "");
        in_sentence++;
        if (in_sentence >= sentence_len || w + 1 == n_words) {
            in_sentence = 0;
            fputc('.', f);
            if (w + 1 == n_words)
                break;
            unsigned brk = (unsigned)((r >> 24) % 10);
            fputs(brk == 0 ? "\n\n" : brk == 1 ? "\n" : " ", f);
        } else {
            fputs((r >> 32) % 7 == 0 ? ", " : " ", f);
        }
    }
    fputc('"', f);
}

/* String-heavy rows: a long quoted body (20-400 words) with commas, doubled quotes and newlines,
 * a quoted title that may hold a comma, a quoted comma-separated tag list (sometimes empty). */
static int gen_text(const char *path, int64_t rows)
{
    static const char *const first[] = {"Ana",    "Ben",   "Chloé",  "Dmitri",
                                        "Eun-ji", "Farah", "Gustav", "Hana"};
    static const char *const last[] = {"Okafor",  "Lindqvist", "García", "Nakamura",
                                       "O'Brien", "Kowalski",  "Haddad", "Nguyen"};
    FILE *f = gen_open(path);
    if (!f)
        return 1;
    fputs("id,posted_at,author,title,body,tags,rating,url\n", f);
    for (int64_t row = 0; row < rows; row++) {
        uint64_t r = next_rand();
        fprintf(f, "%lld,2024-%02d-%02d %02d:%02d:%02d,%s %s,", (long long)(row + 1),
                (int)(r % 12) + 1, (int)((r >> 4) % 28) + 1, (int)((r >> 12) % 24),
                (int)((r >> 20) % 60), (int)((r >> 26) % 60), first[(r >> 32) % 8],
                last[(r >> 35) % 8]);
        text_field(f, 4 + (int)((r >> 38) % 6));
        fputc(',', f);
        text_field(f, 20 + (int)((r >> 44) % 381));
        fputc(',', f);
        int tags = (int)((r >> 53) % 5);
        if (tags > 0) {
            fputc('"', f);
            for (int t = 0; t < tags; t++)
                fprintf(f, "%s%s", t ? "," : "", words[(next_rand() >> 8) % WORD_COUNT]);
            fputc('"', f);
        }
        fprintf(f, ",%u.%u,https://example.org/posts/%lld-%s\n", (unsigned)((r >> 56) % 5 + 1),
                (unsigned)((r >> 59) % 10), (long long)(row + 1), words[(r >> 8) % WORD_COUNT]);
    }
    return gen_close(f, path, rows);
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
        return gen_ev(argv[2], atoll(argv[3]) * 1000000, 0, false);
    if (argc >= 4 && strcmp(argv[1], "gen-rows") == 0)
        return gen_ev(argv[2], 0, atoll(argv[3]), true);
    if (argc >= 4 && strcmp(argv[1], "gen-wide") == 0)
        return gen_wide(argv[2], atoll(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "gen-text") == 0)
        return gen_text(argv[2], atoll(argv[3]));
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
