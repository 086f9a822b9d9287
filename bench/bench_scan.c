/* bench/bench_scan.c: hand-run throughput check of the CSV tokenizer and boundary tracker kernels
 * (scalar, AVX2, AVX-512) on generated in-memory data, so kernel changes can state before/after
 * numbers (STYLE.md section 13). Not a test: it asserts nothing about time. Usage:
 *   bench_scan [MB=500] [kernel]     (kernel: scalar, avx2 or avx512; default all)
 * For each data shape (20 mixed columns, 20 unquoted columns, 20 quoted columns) it prints MB/s per
 * kernel for the tokenizer (batches of 16384 rows over one chunk) and the tracker (1 MiB ranges).
 * Inputs under 256 MB are run repeatedly (cache-resident figures); 500 MB shows memory-bound ones.
 */
#include "csv/csv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void) /* xorshift64 */
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t put(uint8_t *d, size_t n, const char *s)
{
    size_t l = strlen(s);
    memcpy(d + n, s, l);
    return n + l;
}

/* shape 0: mixed (ints, decimals, dates, words, quoted text with commas and ""), 1: no quotes,
 * 2: every field quoted. */
static size_t gen(uint8_t *d, size_t cap, int shape)
{
    static const char *words[] = {"alpha",   "beta", "gamma", "delta", "Smith",
                                  "Johnson", "N/A",  "red",   "x",     ""};
    size_t n = 0;
    char tmp[96];
    while (n + 1024 < cap) {
        for (int c = 0; c < 20; c++) {
            if (c)
                d[n++] = ',';
            uint64_t r = next_rand();
            int kind = shape == 2 ? 3 + (int)(r % 2) : c % 6;
            if (shape == 1 && kind >= 3)
                kind = 2;
            switch (kind) {
            case 0:
                snprintf(tmp, sizeof tmp, "%u", (unsigned)(r % 1000000));
                break;
            case 1:
                snprintf(tmp, sizeof tmp, "%u.%02u", (unsigned)(r % 10000),
                         (unsigned)(r >> 40) % 100);
                break;
            case 2:
                snprintf(tmp, sizeof tmp, "2024-%02u-%02u", 1 + (unsigned)(r % 12),
                         1 + (unsigned)(r >> 20) % 28);
                break;
            case 3:
                snprintf(tmp, sizeof tmp, "\"%s, %s\"", words[r % 10], words[(r >> 8) % 10]);
                break;
            case 4:
                snprintf(tmp, sizeof tmp, "\"%s %s\"", words[r % 10], words[(r >> 8) % 10]);
                break;
            default:
                snprintf(tmp, sizeof tmp, (r >> 30) % 50 ? "%s" : "\"say \"\"%s\"\"\"",
                         words[r % 10]);
                break;
            }
            n = put(d, n, tmp);
        }
        d[n++] = '\n';
    }
    return n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double bench_tok(buzz__csv_scan_fn fn, const uint8_t *src, uint8_t *work, size_t len,
                        size_t *out_rows)
{
    buzz_csv_dialect dl;
    memset(&dl, 0, sizeof dl);
    dl.delimiter = ',';
    dl.quote = '"';
    dl.escape = '"';
    dl.comment = BUZZ_CSV_NONE;
    dl.newline = BUZZ_NEWLINE_LF;
    dl.column_count = 20;
    buzz__csv_tok t;
    buzz_csv_cell *cells = calloc(20 * 16384, sizeof *cells);
    int64_t *offsets = calloc(16384, sizeof *offsets), *lines = calloc(16384, sizeof *lines);
    buzz_csv_extra *extras = calloc(16384, sizeof *extras);
    buzz__csv_raw_issue *issues = calloc(64, sizeof *issues);
    if (!cells || !offsets || !lines || !extras || !issues)
        abort();
    size_t reps = len < (256u << 20) ? (256u << 20) / len + 1 : 1; /* small inputs: stay in cache */
    size_t rows = 0;
    double dt = 0;
    for (size_t r = 0; r < reps + 1; r++) {
        memcpy(work, src, len); /* the tokenizer unescapes in place */
        buzz__csv_tok_init(&t, &dl);
        t.data = work;
        t.row_cap = 16384;
        t.cells = cells;
        t.row_offsets = offsets;
        t.row_lines = lines;
        t.extras = extras;
        t.issue_cap = 64;
        t.issues = issues;
        size_t pos = 0;
        double t0 = now_s();
        while (pos < len) {
            buzz__csv_tok_reset_output(&t);
            pos = fn(&t, pos, len);
            if (r == 0)
                rows += t.rows;
        }
        if (r > 0) /* the first run only warms the cell arrays up */
            dt += now_s() - t0;
    }
    *out_rows = rows;
    free(cells);
    free(offsets);
    free(lines);
    free(extras);
    free(issues);
    return (double)len * (double)reps / dt / 1e6;
}

static double bench_track(buzz__csv_track_fn fn, const uint8_t *src, size_t len, size_t *out_last)
{
    buzz_csv_dialect dl;
    memset(&dl, 0, sizeof dl);
    dl.delimiter = ',';
    dl.quote = '"';
    dl.escape = '"';
    dl.comment = BUZZ_CSV_NONE;
    dl.newline = BUZZ_NEWLINE_LF;
    buzz__csv_track k;
    buzz__csv_track_init(&k, &dl);
    size_t last = 0;
    size_t reps = len < (256u << 20) ? (256u << 20) / len + 1 : 1; /* small inputs: stay in cache */
    double t0 = now_s();
    for (size_t r = 0; r < reps; r++) {
        for (size_t p = 0; p < len; p += 1u << 20) {
            size_t e = p + (1u << 20) < len ? p + (1u << 20) : len;
            size_t b = fn(&k, src, p, e);
            if (b)
                last = b;
        }
    }
    double dt = now_s() - t0;
    *out_last = last;
    return (double)len * (double)reps / dt / 1e6;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 500;
    size_t cap = mb ? mb << 20 : 256u << 10; /* 0: 256 KiB, L2-resident */
    uint8_t *src = malloc(cap + BUZZ__CSV_PAD), *work = malloc(cap + BUZZ__CSV_PAD);
    if (!src || !work)
        return 1;
    static const char *shapes[] = {"mixed 20 cols", "unquoted 20 cols", "quoted 20 cols"};
    const buzz_simd kernels[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    for (int s = 0; s < 3; s++) {
        size_t len = gen(src, cap, s);
        memset(src + len, 0, BUZZ__CSV_PAD);
        memset(work + len, 0, BUZZ__CSV_PAD);
        printf("%s: %.0f MB\n", shapes[s], (double)len / 1e6);
        for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
            buzz__csv_scan_fn sf = buzz__csv_pick_scan(kernels[k]);
            buzz__csv_track_fn tf = buzz__csv_pick_track(kernels[k]);
            if (!sf || !tf || (argc > 2 && strcmp(argv[2], buzz_simd_name(kernels[k])) != 0))
                continue;
            size_t rows, last;
            double tok = bench_tok(sf, src, work, len, &rows);
            double trk = bench_track(tf, src, len, &last);
            printf("  %-7s tokenizer %7.0f MB/s (%zu rows)   tracker %7.0f MB/s (last %zu)\n",
                   buzz_simd_name(kernels[k]), tok, rows, trk, last);
        }
    }
    free(src);
    free(work);
    return 0;
}
