/* bench/bench_double.c: hand-run throughput check of buzz_parse_double against glibc strtod (C
 * locale) on generated in-memory CSV-like numbers, so parser changes can state before/after numbers
 * (STYLE.md section 13). Not a test: it asserts nothing about time, though it does count values on
 * which the two disagree (must be 0). Usage:
 *   bench_double [millions=10]
 * Shapes: prices (1-6 integer digits, 2 decimals, some negative), measurements (a random double of
 * ordinary size printed with 6-17 significant digits, some in exponent form), integers (1-10
 * digits), and an even mix of the three. Each number is a NUL-terminated cell in one buffer (strtod
 * needs the NUL; buzz_parse_double gets the length). Best of 3 runs; prints MB/s and M values/s. */
#include "buzz/types.h"

#include <locale.h>
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

typedef struct cells {
    char *text;     /* NUL-terminated cells back to back */
    size_t *offset; /* start of each cell in text */
    size_t *len;    /* bytes of each cell, without the NUL */
    size_t count;   /* cells */
    size_t bytes;   /* sum of len */
} cells;

static int gen_one(int shape, char *out, size_t cap)
{
    uint64_t r = next_rand();
    switch (shape) {
    case 0: { /* price */
        static const unsigned scale[] = {10, 100, 1000, 10000, 100000, 1000000};
        unsigned whole = (unsigned)(r % scale[(r >> 20) % 6]);
        return snprintf(out, cap, "%s%u.%02u", (r >> 40) % 10 == 0 ? "-" : "", whole,
                        (unsigned)((r >> 48) % 100));
    }
    case 1: { /* measurement: sign, mantissa, exponent of an ordinary double */
        uint64_t b = (r & 0x800FFFFFFFFFFFFFull) | (uint64_t)(1023 - 30 + next_rand() % 60) << 52;
        double d;
        memcpy(&d, &b, sizeof d);
        int digits = 6 + (int)(next_rand() % 12);
        return snprintf(out, cap, next_rand() % 4 ? "%.*g" : "%.*e", digits, d);
    }
    default: { /* integer */
        static const uint64_t scale[] = {10, 100, 1000, 100000, 10000000, 10000000000ull};
        return snprintf(out, cap, "%llu", (unsigned long long)(r % scale[(r >> 56) % 6]));
    }
    }
}

/* shape 0-2 as above, 3 = mixed */
static void gen(cells *c, size_t n, int shape)
{
    size_t cap = n * 32;
    c->text = malloc(cap);
    c->offset = malloc(n * sizeof *c->offset);
    c->len = malloc(n * sizeof *c->len);
    if (!c->text || !c->offset || !c->len)
        abort();
    size_t pos = 0;
    c->bytes = 0;
    for (size_t i = 0; i < n; i++) {
        int s = shape == 3 ? (int)(next_rand() % 3) : shape;
        int k = gen_one(s, c->text + pos, 32);
        if (k <= 0 || k >= 32)
            abort();
        c->offset[i] = pos;
        c->len[i] = (size_t)k;
        pos += (size_t)k + 1;
        c->bytes += (size_t)k;
    }
    c->count = n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double run_buzz(const cells *c, double *sum)
{
    double t0 = now_s(), acc = 0;
    for (size_t i = 0; i < c->count; i++) {
        double d;
        if (buzz_parse_double(c->text + c->offset[i], c->len[i], &d) == BUZZ_PARSE_OK)
            acc += d;
    }
    *sum = acc;
    return now_s() - t0;
}

static double run_strtod(const cells *c, double *sum)
{
    double t0 = now_s(), acc = 0;
    for (size_t i = 0; i < c->count; i++)
        acc += strtod(c->text + c->offset[i], NULL);
    *sum = acc;
    return now_s() - t0;
}

static size_t count_disagreements(const cells *c)
{
    size_t bad = 0;
    for (size_t i = 0; i < c->count; i++) {
        double a = 0, b = strtod(c->text + c->offset[i], NULL);
        (void)buzz_parse_double(c->text + c->offset[i], c->len[i], &a);
        bad += memcmp(&a, &b, sizeof a) != 0;
    }
    return bad;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    size_t millions = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10;
    size_t n = (millions ? millions : 1) * 1000000;
    static const char *names[] = {"prices", "measurements", "integers", "mixed"};
    printf("%zu values per shape, best of 3\n", n);
    printf("%-13s %6s %10s %12s %12s %14s %8s\n", "shape", "B/val", "buzz MB/s", "buzz Mval/s",
           "strtod MB/s", "strtod Mval/s", "speedup");
    for (int s = 0; s < 4; s++) {
        cells c;
        gen(&c, n, s);
        double best_b = 1e30, best_s = 1e30, sum_b = 0, sum_s = 0;
        for (int rep = 0; rep < 3; rep++) {
            double tb = run_buzz(&c, &sum_b), ts = run_strtod(&c, &sum_s);
            best_b = tb < best_b ? tb : best_b;
            best_s = ts < best_s ? ts : best_s;
        }
        size_t bad = count_disagreements(&c);
        printf("%-13s %6.1f %10.0f %12.1f %12.0f %14.1f %7.2fx\n", names[s],
               (double)c.bytes / (double)n, (double)c.bytes / best_b / 1e6,
               (double)n / best_b / 1e6, (double)c.bytes / best_s / 1e6, (double)n / best_s / 1e6,
               best_s / best_b);
        if (bad || sum_b != sum_s)
            printf("  %zu values differ from strtod\n", bad);
        free(c.text);
        free(c.offset);
        free(c.len);
    }
    return 0;
}
