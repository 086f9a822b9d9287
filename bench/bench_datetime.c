/* bench/bench_datetime.c: hand-run throughput check of the date/time scanner
 * (buzz_dt_scan_value + buzz_dt_days, src/types/parse_datetime.c) on generated in-memory values, so
 * parser changes can state before/after numbers (STYLE.md section 13). Not a test: it asserts
 * nothing about time. Usage:
 *   bench_datetime [values=10000000]
 * Shapes: ISO dates ("2024-01-12"), ISO timestamps with fractions and offsets
 * ("2024-01-12T13:45:30.123+05:30", "...Z"), and US m/d/Y dates ("1/2/2024", both orders valid
 * for most). For each it prints MB/s and millions of values per second for scan + days (+ the
 * UTC microseconds for timestamps), best of 3 runs over the whole set. */
#include "buzz/types.h"

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

typedef struct value_set {
    char *text;
    size_t *offsets; /* count + 1 entries: value i is text[offsets[i]..offsets[i+1]) */
    size_t count, bytes;
} value_set;

/* shape 0: ISO date, 1: ISO timestamp with fraction and offset, 2: m/d/Y. */
static void gen(value_set *vs, size_t count, int shape)
{
    vs->text = malloc(count * 40);
    vs->offsets = malloc((count + 1) * sizeof *vs->offsets);
    if (!vs->text || !vs->offsets)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t r = next_rand();
        unsigned y = 1900 + (unsigned)(r % 200), m = 1 + (unsigned)(r >> 8) % 12;
        unsigned d = 1 + (unsigned)(r >> 16) % 28;
        vs->offsets[i] = n;
        int w;
        if (shape == 0) {
            w = snprintf(vs->text + n, 40, "%04u-%02u-%02u", y, m, d);
        } else if (shape == 1) {
            unsigned hh = (unsigned)(r >> 24) % 24, mi = (unsigned)(r >> 32) % 60;
            unsigned ss = (unsigned)(r >> 40) % 60, ms = (unsigned)(r >> 46) % 1000;
            int off = (int)((r >> 56) % 27) - 13;
            if (off == 0) {
                w = snprintf(vs->text + n, 40, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d, hh,
                             mi, ss, ms);
            } else {
                w = snprintf(vs->text + n, 40, "%04u-%02u-%02uT%02u:%02u:%02u.%03u%c%02d:%s", y, m,
                             d, hh, mi, ss, ms, off < 0 ? '-' : '+', abs(off),
                             off % 4 ? "00" : "30");
            }
        } else {
            w = snprintf(vs->text + n, 40, "%u/%u/%04u", m, d, y);
        }
        n += (size_t)w;
    }
    vs->offsets[count] = n;
    vs->count = count;
    vs->bytes = n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One pass: scan every value and compute its day (and UTC microseconds); returns a checksum. */
static int64_t run(const value_set *vs, buzz_date_order order, size_t *out_refused)
{
    int64_t sum = 0;
    size_t refused = 0;
    for (size_t i = 0; i < vs->count; i++) {
        buzz_dt_scan sc;
        int32_t days;
        const char *s = vs->text + vs->offsets[i];
        size_t len = vs->offsets[i + 1] - vs->offsets[i];
        if (!buzz_dt_scan_value(s, len, &sc) || !buzz_dt_days(&sc, order, &days)) {
            refused++;
            continue;
        }
        sum += (int64_t)days * INT64_C(86400000000) + sc.time_us - sc.offset_s * INT64_C(1000000);
    }
    *out_refused = refused;
    return sum;
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000;
    if (count == 0)
        count = 1;
    static const char *names[] = {"ISO dates", "ISO timestamps with offsets", "m/d/Y dates"};
    static const buzz_date_order orders[] = {BUZZ_DATE_YMD, BUZZ_DATE_YMD, BUZZ_DATE_MDY};
    for (int shape = 0; shape < 3; shape++) {
        value_set vs;
        gen(&vs, count, shape);
        double best = 1e30;
        int64_t sum = 0;
        size_t refused = 0;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_s();
            sum = run(&vs, orders[shape], &refused);
            double dt = now_s() - t0;
            if (dt < best)
                best = dt;
        }
        printf("%-28s %zu values, %.0f MB: %7.0f MB/s %7.1f M values/s  (refused %zu, sum %lld)\n",
               names[shape], vs.count, (double)vs.bytes / 1e6, (double)vs.bytes / best / 1e6,
               (double)vs.count / best / 1e6, refused, (long long)sum);
        free(vs.text);
        free(vs.offsets);
    }
    return 0;
}
