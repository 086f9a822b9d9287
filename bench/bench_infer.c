/* bench/bench_infer.c: the cost of whole-file type inference relative to tokenizing, and the
 * throughput of reading cells as each type. Driven by bench/run.
 *
 *   bench_infer read FILE THREADS    tokenize every row (the reader alone)
 *   bench_infer infer FILE THREADS   tokenize + infer every value (buzz_schema_infer)
 *   bench_infer parse                per type: buzz_value_parse over 4M generated cells
 *
 *   bench_infer cells FILE [MB]      inference alone: the first MB (default 12, to stay in
 *                                    cache) of FILE tokenized and kept in memory, then typed by
 *                                    buzz_infer_add_batch as the reader hook does (a state per
 *                                    batch, merged in order), in total and column by column
 *                                    (ns per cell)
 *
 * Environment: BENCH_CHUNK_KB sets the reader's chunk size for read/infer; BENCH_COL=N makes
 * cells time column N only, BENCH_COL=all the whole batch only; BENCH_REPS sets how many times
 * cells types its cells per timing (for profilers, which need few).
 *
 * read/infer print "<mode>-t<threads> <seconds> <MB/s> <peak RSS MiB> <rows>"; parse prints one
 * line per type: "<type> <M values/s> <MB/s>". */
#include "buzz/csv.h"
#include "buzz/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

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

static int run_file(const char *mode, const char *path, unsigned threads)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    if (getenv("BENCH_CHUNK_KB"))
        o.chunk_bytes = (size_t)atol(getenv("BENCH_CHUNK_KB")) << 10;
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    if (strcmp(mode, "infer") == 0)
        buzz_infer_hook(&io, &o.batch_hook);
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    double t0 = now_s();
    if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    int64_t rows = 0;
    if (strcmp(mode, "infer") == 0) {
        buzz_schema s;
        if (buzz_schema_infer(rd, &io, NULL, NULL, &s, &err) != BUZZ_OK) {
            fprintf(stderr, "infer: %s\n", err.message);
            return 1;
        }
        rows = s.row_count;
        buzz_schema_free(&s);
    } else {
        for (;;) {
            const buzz_csv_batch *b;
            if (buzz_csv_reader_next(rd, &b, &err) != BUZZ_OK) {
                fprintf(stderr, "read: %s\n", err.message);
                return 1;
            }
            if (!b)
                break;
            rows += (int64_t)b->row_count;
        }
    }
    double t = now_s() - t0;
    struct stat st;
    stat(path, &st);
    buzz_csv_reader_close(rd);
    printf("%s-t%u %.3f %.0f %.0f %lld\n", mode, threads, t, (double)st.st_size / 1e6 / t,
           peak_rss_mib(), (long long)rows);
    return 0;
}

typedef struct kept_batch {
    buzz_csv_batch b;
    char *data;
    buzz_csv_cell *cells;
} kept_batch;

static double infer_kept(const kept_batch *kb, size_t nb, size_t ncols, size_t col, int reps)
{
    buzz_infer *main_state = NULL, *scratch = NULL;
    buzz_error err;
    size_t n = col == SIZE_MAX ? ncols : 1;
    if (buzz_infer_new(&main_state, n, NULL, &err) != BUZZ_OK ||
        buzz_infer_new(&scratch, n, NULL, &err) != BUZZ_OK)
        exit(1);
    double t0 = now_s();
    for (size_t j = 0; j < (size_t)reps * nb; j++) {
        size_t i = j % nb;
        buzz_csv_batch v = kb[i].b;
        if (col != SIZE_MAX) {
            v.cells += col * v.row_stride;
            v.column_count = 1;
        }
        buzz_infer_reset(scratch);
        buzz_infer_add_batch(scratch, &v, 0, v.row_count);
        buzz_infer_merge(main_state, scratch);
    }
    double t = now_s() - t0;
    buzz_infer_free(scratch);
    buzz_infer_free(main_state);
    return t;
}

static int run_cells(const char *path, size_t mb)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    kept_batch *kb = NULL;
    size_t nb = 0, bytes = 0, cells = 0, ncols = 0;
    const buzz_str *names;
    buzz_csv_reader_columns(rd, &names, &ncols);
    while (bytes < mb * 1000000) {
        const buzz_csv_batch *b;
        if (buzz_csv_reader_next(rd, &b, &err) != BUZZ_OK) {
            fprintf(stderr, "read: %s\n", err.message);
            return 1;
        }
        if (!b)
            break;
        size_t end = 0;
        for (size_t c = 0; c < b->column_count; c++)
            for (size_t r = 0; r < b->row_count; r++) {
                buzz_csv_cell x = buzz_csv_batch_cell(b, r, c);
                size_t e = x.offset + (x.len_flags & BUZZ_CSV_CELL_LEN_MASK);
                if (e > end)
                    end = e;
            }
        kb = realloc(kb, (nb + 1) * sizeof *kb);
        kept_batch *k = &kb[nb++];
        k->data = malloc(end + 64);
        k->cells = malloc(b->row_count * b->column_count * sizeof *k->cells);
        if (!kb || !k->data || !k->cells)
            return 1;
        memcpy(k->data, b->data, end + 64);
        for (size_t c = 0; c < b->column_count; c++)
            memcpy(k->cells + c * b->row_count, b->cells + c * b->row_stride,
                   b->row_count * sizeof *k->cells);
        k->b = *b;
        k->b.data = k->data;
        k->b.cells = k->cells;
        k->b.row_stride = b->row_count;
        k->b.extras = NULL;
        k->b.extra_count = 0;
        bytes += end;
        cells += b->row_count * b->column_count;
    }
    int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS"))
                                    : (int)(200 / (bytes / 1000000 + 1)) + 1;
    double best = 1e9;
    const char *only = getenv("BENCH_COL"); /* a column number, or "all" for the whole only */
    bool all_only = only && strcmp(only, "all") == 0;
    for (int rep = 0; rep < (only && !all_only ? 0 : 5); rep++) {
        double t = infer_kept(kb, nb, ncols, SIZE_MAX, reps) / reps;
        if (t < best)
            best = t;
    }
    printf("cells-all %.3f s %.0f MB/s %.2f ns/cell (%zu cells, %.0f MB)\n", best,
           (double)bytes / 1e6 / best, best * 1e9 / (double)cells, cells, (double)bytes / 1e6);
    for (size_t c = 0; c < ncols && !all_only; c++) {
        if (only && (size_t)atoi(only) != c)
            continue;
        double bc = 1e9;
        for (int rep = 0; rep < 3; rep++) {
            double t = infer_kept(kb, nb, ncols, c, reps) / reps;
            if (t < bc)
                bc = t;
        }
        printf("  col %2zu %6.2f ns/cell  %.*s\n", c, bc * 1e9 * (double)ncols / (double)cells,
               (int)names[c].len, names[c].ptr);
    }
    for (size_t i = 0; i < nb; i++) {
        free(kb[i].data);
        free(kb[i].cells);
    }
    free(kb);
    buzz_csv_reader_close(rd);
    return 0;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define CELLS 4000000

typedef struct gen_case {
    const char *name;
    buzz_type type;
    int precision, scale;
    buzz_date_order order;
} gen_case;

static size_t gen_value(const gen_case *g, char *out)
{
    uint64_t r = next_rand();
    switch (g->type) {
    case BUZZ_TYPE_BOOLEAN:
        return (size_t)sprintf(out, "%s", r & 1 ? "true" : "false");
    case BUZZ_TYPE_INT32:
        return (size_t)sprintf(out, "%d", (int)(r % 2000000) - 1000000);
    case BUZZ_TYPE_INT64:
        return (size_t)sprintf(out, "%lld", (long long)(r >> 2) - (1ll << 61));
    case BUZZ_TYPE_DECIMAL:
        return (size_t)sprintf(out, "%lld.%02d", (long long)(r % 100000), (int)((r >> 20) % 100));
    case BUZZ_TYPE_DOUBLE:
        return (size_t)sprintf(out, "%.*g", (int)(r % 12) + 5,
                               (double)(r >> 11) / (double)(1ull << 40) * 1000.0);
    case BUZZ_TYPE_DATE:
        if (g->order == BUZZ_DATE_YMD)
            return (size_t)sprintf(out, "%04d-%02d-%02d", 1950 + (int)(r % 100),
                                   1 + (int)((r >> 8) % 12), 1 + (int)((r >> 16) % 28));
        return (size_t)sprintf(out, "%d/%d/%04d", 1 + (int)((r >> 8) % 12),
                               1 + (int)((r >> 16) % 28), 1950 + (int)(r % 100));
    case BUZZ_TYPE_TIMESTAMP_TZ:
        return (size_t)sprintf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+02:00",
                               1950 + (int)(r % 100), 1 + (int)((r >> 8) % 12),
                               1 + (int)((r >> 16) % 28), (int)((r >> 24) % 24),
                               (int)((r >> 32) % 60), (int)((r >> 40) % 60),
                               (int)((r >> 48) % 1000));
    case BUZZ_TYPE_TIMESTAMP:
        return (size_t)sprintf(out, "%d/%d/%04d %d:%02d", 1 + (int)((r >> 8) % 12),
                               1 + (int)((r >> 16) % 28), 1950 + (int)(r % 100),
                               (int)((r >> 24) % 24), (int)((r >> 32) % 60));
    default:
        return (size_t)sprintf(out, "Some text %llu", (unsigned long long)(r % 100000));
    }
}

static int run_parse(void)
{
    static const gen_case cases[] = {
        {"boolean", BUZZ_TYPE_BOOLEAN, 0, 0, 0},
        {"int32", BUZZ_TYPE_INT32, 0, 0, 0},
        {"int64", BUZZ_TYPE_INT64, 0, 0, 0},
        {"decimal(7,2)", BUZZ_TYPE_DECIMAL, 7, 2, 0},
        {"double", BUZZ_TYPE_DOUBLE, 0, 0, 0},
        {"date-iso", BUZZ_TYPE_DATE, 0, 0, BUZZ_DATE_YMD},
        {"date-m/d/y", BUZZ_TYPE_DATE, 0, 0, BUZZ_DATE_MDY},
        {"timestamp-iso-tz", BUZZ_TYPE_TIMESTAMP_TZ, 0, 0, BUZZ_DATE_YMD},
        {"timestamp-excel", BUZZ_TYPE_TIMESTAMP, 0, 0, BUZZ_DATE_MDY},
        {"varchar", BUZZ_TYPE_VARCHAR, 0, 0, 0},
    };
    char *data = malloc((size_t)CELLS * 40);
    uint32_t *off = malloc(((size_t)CELLS + 1) * sizeof *off);
    if (!data || !off)
        return 1;
    buzz_null_tokens nulls;
    buzz_null_tokens_default(&nulls);
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(cases); k++) {
        const gen_case *g = &cases[k];
        size_t w = 0;
        for (size_t i = 0; i < CELLS; i++) {
            off[i] = (uint32_t)w;
            w += gen_value(g, data + w);
        }
        off[CELLS] = (uint32_t)w;
        buzz_column_def d;
        memset(&d, 0, sizeof d);
        d.type = g->type;
        d.precision = g->precision;
        d.scale = g->scale;
        d.date_order = g->order;
        d.name = (char *)g->name;
        double best = 1e9;
        uint64_t sink = 0;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_s();
            for (size_t i = 0; i < CELLS; i++) {
                buzz_value v;
                if (buzz_value_parse(&d, &nulls, data + off[i], off[i + 1] - off[i], false, &v) !=
                    BUZZ_PARSE_OK) {
                    fprintf(stderr, "%s: cannot parse '%.*s'\n", g->name,
                            (int)(off[i + 1] - off[i]), data + off[i]);
                    return 1;
                }
                sink += (uint64_t)v.v.i64 + v.is_null;
            }
            double t = now_s() - t0;
            if (t < best)
                best = t;
        }
        printf("%-18s %8.1f %8.0f   (checksum %llu)\n", g->name, CELLS / best / 1e6,
               (double)w / best / 1e6, (unsigned long long)(sink & 0xffff));
    }
    free(data);
    free(off);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "parse") == 0)
        return run_parse();
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "cells") == 0)
        return run_cells(argv[2], argc == 4 ? (size_t)atol(argv[3]) : 12);
    if (argc == 4 && (strcmp(argv[1], "read") == 0 || strcmp(argv[1], "infer") == 0))
        return run_file(argv[1], argv[2], (unsigned)atoi(argv[3]));
    fprintf(stderr, "usage: bench_infer read|infer FILE THREADS | bench_infer cells FILE [MB] | bench_infer parse\n");
    return 2;
}
