/* fuzz/fuzz_parquet.c: libFuzzer round trip of the Parquet writer (src/parquet/writer.c) through
 * DuckDB. The input picks a schema of 1-8 columns (BOOLEAN, INT32, INT64, DECIMAL(1-38,s), DOUBLE
 * with NaN/inf/-0.0/subnormals, DATE and TIMESTAMP[_TZ] in years 1-9999, TIME 0-24:00, VARCHAR of
 * valid UTF-8 from empty to about 1 KB, NUL and DEL included, a NULL-typed column, and now and
 * then an excluded column), a NULL pattern and a pool of repeated values per column, 0-5000 rows
 * cut into up to 8 typed batches, and the writer options (all five codecs and levels, page_bytes
 * 64-4096 or the default, small row_group_rows and row_group_bytes, no_dictionary, 1-4 threads).
 * Schemas either have no facts (every column OPTIONAL) or facts that make chosen columns REQUIRED
 * (value_count = row_count, no NULL generated). The first input bytes drive all of that and the
 * first values; past the end of the input a PRNG seeded with a hash of the input takes over.
 *
 * The typed batches and the schema are built by hand (buzz/types.h) and written to a per-process
 * temp file, then checked four ways; any difference prints the run's options and the first
 * difference, and aborts:
 * - the footer, page headers and page index, parsed here from parquet.thrift (DuckDB does not read
 *   the ColumnIndex): row counts, every page where the OffsetIndex says, each page's null flag,
 *   null count and min/max bounds, each chunk's null count and min/max (exact ones reached);
 * - with threads > 1, the same file written again with one thread must be byte-identical;
 * - DuckDB (one in-memory database per process, TimeZone UTC, one thread) reads every value back
 *   in native form: decimals unscaled with width/scale checked, doubles bit for bit except
 *   NaN == NaN (so -0.0 must stay -0.0), dates in days, times and timestamps in microseconds,
 *   strings byte for byte; plus the column types, count(*) and REQUIRED/OPTIONAL per column;
 * - filtered counts on a random column (IS NULL, IS NOT NULL, = a value that occurs, a range
 *   against it) that DuckDB answers after pruning row groups with the footer statistics, so a
 *   wrong min/max or null count shows up as a wrong count.
 * Buzz's own allocations must all be freed by the end of each input (buzz_mem_live_bytes).
 *
 * DuckDB (libduckdb.so) is not instrumented; it runs fine under -fsanitize=fuzzer,address,undefined
 * (see the Makefile rule). libFuzzer's per-input leak scan is turned off by default (see
 * LLVMFuzzerInitialize). Seeds: fuzz/seeds/fuzz_parquet/. */
#include "buzz/parquet.h"
#include "buzz/types.h"

#include <duckdb.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COLS 8
#define MAX_ROWS 5000
#define MAX_BATCHES 8
#define MAX_STR 1100 /* long enough that 5000 distinct strings overflow a 1 MiB dictionary */
#define POOL_MAX 32
#define LIT_MAX (MAX_STR * 16 + 64) /* a string literal with every byte a chr(0) */

static duckdb_database db;
static duckdb_connection con;
static uint64_t run_no;

/* ---------------------------------------------------------------------------------------------
 * The byte stream: input bytes first, then a PRNG (splitmix64) seeded from the input. */
typedef struct src {
    const uint8_t *p;
    size_t len, pos;
    uint64_t state;
} src;

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint8_t byte(src *s)
{
    if (s->pos < s->len)
        return s->p[s->pos++];
    return (uint8_t)mix(&s->state);
}

static uint64_t u64(src *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(s);
    return v;
}

static uint16_t u16(src *s)
{
    uint16_t hi = byte(s);
    return (uint16_t)(hi << 8 | byte(s));
}

/* Uniform-ish in [0, n) (n > 0). */
static uint64_t below(src *s, uint64_t n)
{
    return u64(s) % n;
}

/* ---------------------------------------------------------------------------------------------
 * The generated table. */
typedef struct column {
    buzz_type type; /* schema type (BUZZ_TYPE_NULL: all NULL, stored as VARCHAR) */
    int precision, scale;
    bool include, required;
    size_t width;    /* bytes per value in the typed column; 0 for strings */
    uint8_t *valid;  /* rows + 1 */
    uint8_t *values; /* (rows + 1) * width */
    uint32_t *offsets;
    char *chars;
    size_t chars_len, chars_cap;
    /* Generation parameters. */
    uint8_t null_mode, null_param, pool_prob, str_mode;
    bool is_seq; /* integer-like values in a run base + row * step (+ noise): what
                    DELTA_BINARY_PACKED is chosen for */
    buzz_i128 seq_base, seq_step;
    uint8_t seq_noise; /* noise amplitude: 0 = exact arithmetic sequence */
    size_t pool_count;
    buzz_i128 pool_num[POOL_MAX]; /* numbers as i128 (doubles by bits) */
    char pool_str[POOL_MAX][MAX_STR];
    size_t pool_len[POOL_MAX];
} column;

typedef struct run {
    size_t ncols, rows, nbatches;
    size_t cut[MAX_BATCHES + 1];
    bool facts; /* the schema carries inference facts (REQUIRED columns) */
    buzz_parquet_options po;
    column cols[MAX_COLS];
    char path[128];
} run;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static const char *type_text(const column *c, char *buf, size_t cap)
{
    if (c->type == BUZZ_TYPE_DECIMAL)
        snprintf(buf, cap, "decimal(%d,%d)", c->precision, c->scale);
    else
        snprintf(buf, cap, "%s", buzz_type_name(c->type));
    return buf;
}

static void describe(const run *r)
{
    fprintf(stderr,
            "fuzz_parquet: rows=%zu batches=%zu codec=%s level=%d page_bytes=%zu "
            "row_group_rows=%lld row_group_bytes=%zu no_dictionary=%d threads=%u facts=%d\n",
            r->rows, r->nbatches, buzz_parquet_codec_name(r->po.codec), r->po.level,
            r->po.page_bytes, (long long)r->po.row_group_rows, r->po.row_group_bytes,
            (int)r->po.no_dictionary, r->po.threads, (int)r->facts);
    for (size_t i = 0; i < r->ncols; i++) {
        const column *c = &r->cols[i];
        char tt[32];
        fprintf(stderr,
                "  c%zu %s include=%d required=%d null_mode=%u pool=%zu str_mode=%u seq=%d\n", i,
                type_text(c, tt, sizeof tt), (int)c->include, (int)c->required, c->null_mode,
                c->pool_count, c->str_mode, (int)c->is_seq);
    }
}

static void fail(const run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void fail(const run *r, const char *fmt, ...)
{
    describe(r);
    fprintf(stderr, "fuzz_parquet: ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

/* ---------------------------------------------------------------------------------------------
 * Value generators. Each returns its value as an i128 (doubles as their bits). */
static const int32_t DAY_MIN = -719162; /* 0001-01-01 */
static const int32_t DAY_MAX = 2932896; /* 9999-12-31 */
#define US_PER_DAY 86400000000ll

static buzz_i128 pow10_i128(int p)
{
    buzz_i128 v = 1;
    for (int i = 0; i < p; i++)
        v *= 10;
    return v;
}

static int64_t gen_i64_like(src *s, int64_t lo, int64_t hi)
{
    /* Extremes, small values and uniform values in [lo, hi]. */
    uint64_t span = (uint64_t)hi - (uint64_t)lo;
    switch (byte(s) % 12) {
    case 0:
        return lo;
    case 1:
        return hi;
    case 2:
        return lo <= 0 && hi >= 0 ? 0 : lo;
    case 3:
        return lo <= -1 && hi >= -1 ? -1 : hi;
    case 4:
    case 5: {
        int64_t v = (int8_t)byte(s);
        return v < lo ? lo : v > hi ? hi : v;
    }
    case 6: {
        int64_t v = (int16_t)u16(s);
        return v < lo ? lo : v > hi ? hi : v;
    }
    default:
        if (span == UINT64_MAX)
            return (int64_t)u64(s);
        return (int64_t)((uint64_t)lo + below(s, span + 1));
    }
}

static buzz_i128 gen_decimal(src *s, int precision)
{
    buzz_i128 bound = pow10_i128(precision) - 1;
    __extension__ unsigned __int128 u = ((unsigned __int128)u64(s) << 64) | u64(s);
    switch (byte(s) % 10) {
    case 0:
        return bound;
    case 1:
        return -bound;
    case 2:
        return 0;
    case 3:
        return (byte(s) & 1) ? 1 : -1;
    case 4: {
        buzz_i128 v = (int8_t)byte(s);
        return v > bound ? bound : v < -bound ? -bound : v;
    }
    case 5: {
        /* A random number of digits. */
        int k = 1 + (int)(byte(s) % (unsigned)precision);
        buzz_i128 m = (buzz_i128)(u % (unsigned __int128)pow10_i128(k));
        return (byte(s) & 1) ? -m : m;
    }
    default: {
        buzz_i128 m = (buzz_i128)(u % (unsigned __int128)(bound + 1));
        return (byte(s) & 1) ? -m : m;
    }
    }
}

static uint64_t gen_double_bits(src *s)
{
    double d;
    uint64_t b;
    switch (byte(s) % 20) {
    case 0:
        return 0x7FF8000000000000ull; /* NaN */
    case 1:
        return 0xFFF8000000000000ull; /* -NaN */
    case 2:                           /* NaN with a payload, either sign */
        b = u64(s) | 0x7FF0000000000000ull;
        return (b & 0x000FFFFFFFFFFFFFull) ? b : b | 1;
    case 3:
        return 0x7FF0000000000000ull; /* inf */
    case 4:
        return 0xFFF0000000000000ull; /* -inf */
    case 5:
        return 0; /* 0.0 */
    case 6:
        return 0x8000000000000000ull; /* -0.0 */
    case 7:
        return (byte(s) & 1) ? 0x8000000000000001ull : 1; /* smallest subnormals */
    case 8:                                               /* any subnormal */
        return u64(s) & 0x800FFFFFFFFFFFFFull;
    case 9:
        return (byte(s) & 1) ? 0xFFEFFFFFFFFFFFFFull : 0x7FEFFFFFFFFFFFFFull; /* +-DBL_MAX */
    case 10:
        return (byte(s) & 1) ? 0x8010000000000000ull : 0x0010000000000000ull; /* +-DBL_MIN */
    case 11:
    case 12:
        d = (double)(int8_t)byte(s);
        break;
    case 13:
    case 14:
        d = (double)(int16_t)u16(s) / 8.0;
        break;
    default:
        return u64(s); /* anything, NaNs included */
    }
    memcpy(&b, &d, 8);
    return b;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One code point for an alphabet: 0 ASCII letters, 1 printable ASCII with '~' and DEL, 2 any
 * ASCII (NUL and controls too), 3 any code point, 4 only bytes >= 0x7F (DEL and multi-byte),
 * 5 a mix near the statistics' edges ('~', DEL, U+0080, U+07FF, U+FFFF, U+10FFFF). */
static uint32_t gen_cp(src *s, unsigned alphabet)
{
    static const uint32_t edge[] = {0x7E,     0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000,
                                    0x10FFFF, 'a',  'z',  0,     0xE9,  0xD7FF, 0xE000};
    uint32_t cp;
    switch (alphabet) {
    case 0:
        return 'a' + byte(s) % 26;
    case 1:
        return 0x20 + byte(s) % 0x60; /* 0x20-0x7F */
    case 2:
        return byte(s) & 0x7F;
    case 3:
        switch (byte(s) % 4) {
        case 0:
            return byte(s) & 0x7F;
        case 1:
            return 0x80 + (uint32_t)below(s, 0x800 - 0x80);
        case 2:
            cp = 0x800 + (uint32_t)below(s, 0x10000 - 0x800);
            return cp >= 0xD800 && cp <= 0xDFFF ? cp - 0x800 : cp; /* no surrogates */
        default:
            return 0x10000 + (uint32_t)below(s, 0x110000 - 0x10000);
        }
    case 4:
        if (byte(s) % 4 == 0)
            return 0x7F;
        cp = 0x80 + (uint32_t)below(s, 0x110000 - 0x80);
        return cp >= 0xD800 && cp <= 0xDFFF ? cp + 0x800 : cp;
    default:
        return edge[byte(s) % (sizeof edge / sizeof edge[0])];
    }
}

/* A string of valid UTF-8 into out (MAX_STR bytes); mode picks length class and alphabet. */
static size_t gen_string(src *s, uint8_t mode, char *out)
{
    size_t target;
    unsigned len_class = (mode >> 3) % 8;
    if (len_class == 7)
        len_class = byte(s) % 7; /* mixed lengths */
    switch (len_class) {
    case 0:
        target = 0;
        break;
    case 1:
        target = 1 + byte(s) % 8;
        break;
    case 2:
        target = 8 + byte(s) % 57; /* up to 64 */
        break;
    case 3:
        target = 62 + byte(s) % 5; /* 62-66: around the 64-byte statistics cut */
        break;
    case 4:
        target = 65 + (size_t)below(s, 320 - 65);
        break;
    case 5:
        target = byte(s) % 4 == 0 ? 0 : 1 + byte(s) % 4;
        break;
    default:
        target = (size_t)below(s, MAX_STR - 8);
        break;
    }
    unsigned alphabet = mode % 8;
    if (alphabet >= 6)
        alphabet = byte(s) % 6;
    size_t n = 0;
    /* A long run of one byte first now and then: "~~~~...", DEL DEL ... make cut_max search. */
    if (target > 0 && byte(s) % 4 == 0) {
        static const char fills[] = {'~', 0x7F, 'a', ' '};
        char fill = fills[byte(s) % 4];
        size_t fill_len = (size_t)below(s, target + 1);
        memset(out, fill, fill_len);
        n = fill_len;
    }
    while (n < target) {
        char tmp[4];
        size_t k = put_utf8(tmp, gen_cp(s, alphabet));
        if (n + k > MAX_STR - 4)
            break;
        memcpy(out + n, tmp, k);
        n += k;
    }
    return n;
}

static buzz_i128 gen_number(src *s, const column *c)
{
    switch (c->type) {
    case BUZZ_TYPE_BOOLEAN:
        return byte(s) & 1;
    case BUZZ_TYPE_INT32:
        return gen_i64_like(s, INT32_MIN, INT32_MAX);
    case BUZZ_TYPE_INT64:
        if (byte(s) % 4 == 0)
            return gen_i64_like(s, INT32_MIN, INT32_MAX);
        return gen_i64_like(s, INT64_MIN, INT64_MAX);
    case BUZZ_TYPE_DECIMAL:
        return gen_decimal(s, c->precision);
    case BUZZ_TYPE_DOUBLE:
        return (buzz_i128)gen_double_bits(s);
    case BUZZ_TYPE_DATE:
        return gen_i64_like(s, DAY_MIN, DAY_MAX);
    case BUZZ_TYPE_TIME:
        return gen_i64_like(s, 0, US_PER_DAY);
    default:
        /* Timestamps: a quarter of them on whole seconds. */
        if (byte(s) % 4 == 0)
            return (buzz_i128)gen_i64_like(s, DAY_MIN * 86400ll, DAY_MAX * 86400ll + 86399) *
                   1000000;
        return gen_i64_like(s, DAY_MIN * US_PER_DAY, (DAY_MAX + 1ll) * US_PER_DAY - 1);
    }
}

/* Row r of a sequence column: base + r * step + noise, kept inside the type's range (INT64 and
 * doubles wrap or round as they will; others are clamped, which makes runs of equal values at the
 * ends). */
static buzz_i128 seq_value(src *s, const column *c, size_t r)
{
    buzz_i128 noise = c->seq_noise ? (buzz_i128)(int8_t)byte(s) % (c->seq_noise + 1) : 0;
    buzz_i128 lo, hi;
    switch (c->type) {
    case BUZZ_TYPE_INT32:
        lo = INT32_MIN;
        hi = INT32_MAX;
        break;
    case BUZZ_TYPE_INT64: {
        __extension__ unsigned __int128 u = (unsigned __int128)c->seq_base +
                                            (unsigned __int128)c->seq_step * r +
                                            (unsigned __int128)noise;
        return (int64_t)(uint64_t)u; /* wraps: deltas overflow int64 */
    }
    case BUZZ_TYPE_DECIMAL:
        hi = pow10_i128(c->precision) - 1;
        lo = -hi;
        break;
    case BUZZ_TYPE_DOUBLE: {
        uint64_t bits = (uint64_t)c->seq_base;
        double d;
        memcpy(&d, &bits, 8);
        if (d != d || isinf(d))
            d = 0;
        d += (double)(int64_t)c->seq_step * (double)r / 8.0 + (double)(int64_t)noise;
        memcpy(&bits, &d, 8);
        return (buzz_i128)bits;
    }
    case BUZZ_TYPE_DATE:
        lo = DAY_MIN;
        hi = DAY_MAX;
        break;
    case BUZZ_TYPE_TIME:
        lo = 0;
        hi = US_PER_DAY;
        break;
    default:
        lo = (buzz_i128)DAY_MIN * US_PER_DAY;
        hi = ((buzz_i128)DAY_MAX + 1) * US_PER_DAY - 1;
        break;
    }
    /* |step| < 2^63 and r <= 5000: no i128 overflow. */
    buzz_i128 v = c->seq_base + c->seq_step * (buzz_i128)r + noise;
    return v < lo ? lo : v > hi ? hi : v;
}

static void store_number(column *c, size_t r, buzz_i128 v)
{
    uint8_t *p = c->values + r * c->width;
    switch (c->width) {
    case 1: {
        uint8_t b = (uint8_t)v;
        memcpy(p, &b, 1);
        break;
    }
    case 4: {
        int32_t x = (int32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    case 8: {
        uint64_t x = (uint64_t)v;
        memcpy(p, &x, 8);
        break;
    }
    default:
        memcpy(p, &v, 16);
        break;
    }
}

static buzz_i128 load_number(const column *c, size_t r)
{
    const uint8_t *p = c->values + r * c->width;
    switch (c->width) {
    case 1:
        return p[0];
    case 4: {
        int32_t x;
        memcpy(&x, p, 4);
        return x;
    }
    case 8: {
        int64_t x;
        memcpy(&x, p, 8);
        return c->type == BUZZ_TYPE_DOUBLE ? (buzz_i128)(uint64_t)x : x;
    }
    default: {
        buzz_i128 x;
        memcpy(&x, p, 16);
        return x;
    }
    }
}

static void append_chars(column *c, const char *p, size_t n)
{
    if (c->chars_len + n > c->chars_cap) {
        size_t cap = c->chars_cap ? c->chars_cap : 4096;
        while (cap < c->chars_len + n)
            cap *= 2;
        char *q = realloc(c->chars, cap);
        if (!q)
            abort();
        c->chars = q;
        c->chars_cap = cap;
    }
    if (n)
        memcpy(c->chars + c->chars_len, p, n);
    c->chars_len += n;
}

static bool gen_valid(src *s, column *c, size_t r, bool *in_run, size_t *run_left)
{
    if (c->required)
        return true;
    switch (c->null_mode) {
    case 1:
        return false;
    case 2:
        return byte(s) >= c->null_param;
    case 3: /* alternating runs */
        if (*run_left == 0) {
            *in_run = !*in_run;
            *run_left = 1 + (size_t)below(s, (size_t)1 << (c->null_param % 13));
        }
        (*run_left)--;
        return !*in_run;
    case 4: /* every k-th row */
        return r % (1 + c->null_param % 17) != 0;
    case 5: /* a NULL prefix (whole NULL pages) */
        return r >= (size_t)c->null_param * 20;
    case 6: /* rare NULLs */
        return byte(s) != 0 || byte(s) % 2;
    default:
        return true;
    }
}

static void gen_column(src *s, column *c, size_t rows)
{
    c->valid = xmalloc(rows + 1);
    c->values = NULL;
    c->offsets = NULL;
    c->chars = NULL;
    c->chars_len = c->chars_cap = 0;
    if (c->width)
        c->values = calloc(rows + 1, c->width);
    else
        c->offsets = xmalloc((rows + 1) * sizeof *c->offsets);
    if (c->width && !c->values)
        abort();
    if (c->is_seq) {
        c->seq_base = gen_number(s, c);
        switch (byte(s) % 4) {
        case 0:
            c->seq_step = (int8_t)byte(s); /* small steps, either way, or 0 */
            break;
        case 1:
            c->seq_step = (buzz_i128)(int16_t)u16(s) * 1000;
            break;
        case 2:
            c->seq_step = 1;
            break;
        default: { /* huge steps: deltas near the type's width */
            int64_t big = (int64_t)u64(s);
            c->seq_step = (buzz_i128)big >> (byte(s) % 40);
            break;
        }
        }
    }
    /* A pool of values repeated often (dictionaries, equal min/max, runs). */
    for (size_t i = 0; i < c->pool_count; i++) {
        if (c->width)
            c->pool_num[i] = gen_number(s, c);
        else
            c->pool_len[i] = gen_string(s, c->str_mode, c->pool_str[i]);
    }
    bool in_run = false;
    size_t run_left = 0;
    for (size_t r = 0; r < rows; r++) {
        bool v = c->type != BUZZ_TYPE_NULL && gen_valid(s, c, r, &in_run, &run_left);
        c->valid[r] = v;
        if (!c->width)
            c->offsets[r] = (uint32_t)c->chars_len;
        if (!v)
            continue; /* NULL rows hold zero (calloc) or an empty string */
        bool from_pool = c->pool_count > 0 && byte(s) < c->pool_prob;
        size_t k = from_pool ? (size_t)below(s, c->pool_count) : 0;
        if (c->width) {
            buzz_i128 x;
            if (from_pool)
                x = c->pool_num[k];
            else if (c->is_seq)
                x = seq_value(s, c, r);
            else
                x = gen_number(s, c);
            store_number(c, r, x);
        } else if (from_pool) {
            append_chars(c, c->pool_str[k], c->pool_len[k]);
        } else {
            char tmp[MAX_STR];
            size_t n = gen_string(s, c->str_mode, tmp);
            append_chars(c, tmp, n);
        }
    }
    if (!c->width)
        c->offsets[rows] = (uint32_t)c->chars_len;
    if (!c->width && !c->chars)
        c->chars = xmalloc(1); /* no bytes at all: still a valid pointer */
}

static void free_run(run *r)
{
    for (size_t i = 0; i < r->ncols; i++) {
        free(r->cols[i].valid);
        free(r->cols[i].values);
        free(r->cols[i].offsets);
        free(r->cols[i].chars);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Decoding the input into a run. */
static void plan(src *s, run *r)
{
    static const buzz_type types[] = {
        BUZZ_TYPE_BOOLEAN,      BUZZ_TYPE_INT32,   BUZZ_TYPE_INT64,   BUZZ_TYPE_DECIMAL,
        BUZZ_TYPE_DOUBLE,       BUZZ_TYPE_DATE,    BUZZ_TYPE_TIME,    BUZZ_TYPE_TIMESTAMP,
        BUZZ_TYPE_TIMESTAMP_TZ, BUZZ_TYPE_VARCHAR, BUZZ_TYPE_VARCHAR, BUZZ_TYPE_DECIMAL,
        BUZZ_TYPE_DOUBLE,       BUZZ_TYPE_NULL};
    memset(r, 0, sizeof *r);
    r->ncols = 1 + byte(s) % MAX_COLS;
    uint8_t o = byte(s);
    r->po.codec = (buzz_parquet_codec)(o % 5);
    r->po.no_dictionary = (o >> 3) & 1;
    r->facts = (o >> 4) & 1;
    uint8_t lv = byte(s);
    if (r->po.codec == BUZZ_PARQUET_ZSTD)
        r->po.level = lv % 20;
    else if (r->po.codec == BUZZ_PARQUET_GZIP)
        r->po.level = lv % 10;
    uint16_t pb = u16(s);
    r->po.page_bytes = pb % 16 == 0 ? 0 : 64 + pb % 4033;
    uint16_t rg = u16(s);
    r->po.row_group_rows = rg % 8 == 0 ? 0 : 1 + rg % 6000;
    uint16_t rgb = u16(s);
    r->po.row_group_bytes = rgb % 4 == 0 ? (size_t)(256 + rgb % 65536) : 0;
    uint8_t th = byte(s);
    r->po.threads = th % 4 == 0 ? 1 + (th >> 2) % 4 : 0; /* 0 = 1; else 1-4 */
    r->rows = u16(s) % (MAX_ROWS + 1);
    r->nbatches = 1 + byte(s) % MAX_BATCHES;
    r->cut[0] = 0;
    r->cut[r->nbatches] = r->rows;
    for (size_t b = 1; b < r->nbatches; b++)
        r->cut[b] = (size_t)below(s, r->rows + 1);
    for (size_t b = 1; b < r->nbatches; b++) /* sort the cuts (batches may be empty) */
        for (size_t k = b; k > 1 && r->cut[k - 1] > r->cut[k]; k--) {
            size_t t = r->cut[k];
            r->cut[k] = r->cut[k - 1];
            r->cut[k - 1] = t;
        }
    bool any_included = false;
    for (size_t i = 0; i < r->ncols; i++) {
        column *c = &r->cols[i];
        c->type = types[byte(s) % (sizeof types / sizeof types[0])];
        uint8_t p = byte(s), sc = byte(s);
        if (c->type == BUZZ_TYPE_DECIMAL) {
            c->precision = 1 + p % 38;
            c->scale = sc % (c->precision + 1);
        }
        uint8_t f = byte(s);
        c->include = f % 16 != 0;
        c->required = r->facts && (f & 0x10) && c->type != BUZZ_TYPE_NULL;
        c->null_mode = (uint8_t)((f >> 5) % 8);
        c->null_param = byte(s);
        uint8_t pm = byte(s);
        c->pool_count = pm % 4 == 0 ? 0 : 1 + (pm >> 2) % POOL_MAX;
        c->pool_prob = byte(s);
        c->str_mode = byte(s);
        uint8_t q = byte(s);
        c->is_seq = q % 4 == 0 && c->type != BUZZ_TYPE_BOOLEAN && c->type != BUZZ_TYPE_VARCHAR &&
                    c->type != BUZZ_TYPE_NULL;
        c->seq_noise = (q >> 2) % 4 == 0 ? (uint8_t)(q >> 4) : 0;
        switch (c->type) {
        case BUZZ_TYPE_BOOLEAN:
            c->width = 1;
            break;
        case BUZZ_TYPE_INT32:
        case BUZZ_TYPE_DATE:
            c->width = 4;
            break;
        case BUZZ_TYPE_DECIMAL:
            c->width = 16;
            break;
        case BUZZ_TYPE_VARCHAR:
        case BUZZ_TYPE_NULL:
            c->width = 0;
            break;
        default:
            c->width = 8;
            break;
        }
        any_included |= c->include;
    }
    if (!any_included)
        r->cols[0].include = true;
}

/* ---------------------------------------------------------------------------------------------
 * Writing. */
static void build_schema(const run *r, buzz_schema *s)
{
    memset(s, 0, sizeof *s);
    buzz_error err;
    if (buzz_schema_init_columns(s, r->ncols, &err) != BUZZ_OK)
        abort();
    char names[MAX_COLS][8];
    buzz_str ns[MAX_COLS];
    for (size_t i = 0; i < r->ncols; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        ns[i].ptr = names[i];
        ns[i].len = strlen(names[i]);
    }
    if (buzz_schema_set_names(s, ns, &err) != BUZZ_OK)
        abort();
    s->source_bytes = -1;
    s->reject_count = -1;
    /* Without facts the row count is unknown and every column is OPTIONAL; with facts, a column
     * whose counts add up to the row count with no NULL is REQUIRED (the others get no counts). */
    s->row_count = r->facts ? (int64_t)r->rows : -1;
    for (size_t i = 0; i < r->ncols; i++) {
        const column *c = &r->cols[i];
        buzz_column_def *d = &s->columns[i];
        d->type = c->type;
        d->precision = c->precision;
        d->scale = c->scale;
        d->include = c->include;
        if (c->required) {
            d->value_count = (int64_t)r->rows;
            d->null_count = 0;
        }
    }
}

static void write_file(const run *r, const buzz_schema *s, const char *path,
                       const buzz_parquet_options *po)
{
    buzz_error err;
    buzz_parquet_writer *w = NULL;
    if (buzz_parquet_writer_open(&w, path, s, po, &err) != BUZZ_OK)
        fail(r, "writer open: %s", err.message);
    buzz_typed_column tcs[MAX_COLS];
    for (size_t b = 0; b < r->nbatches; b++) {
        size_t from = r->cut[b], n = r->cut[b + 1] - r->cut[b];
        memset(tcs, 0, sizeof tcs);
        for (size_t i = 0; i < r->ncols; i++) {
            const column *c = &r->cols[i];
            buzz_typed_column *tc = &tcs[i];
            tc->type = c->type == BUZZ_TYPE_NULL ? BUZZ_TYPE_VARCHAR : c->type;
            tc->is_valid = c->valid + from;
            for (size_t k = 0; k < n; k++)
                tc->null_count += !c->valid[from + k];
            if (c->width) {
                tc->values = c->values + from * c->width;
            } else {
                /* Offsets stay absolute into the whole chars buffer: row i of the batch is
                 * chars[offsets[i] .. offsets[i+1]), as types.h documents. */
                tc->offsets = c->offsets + from;
                /* No string bytes at all: NULL, as buzz_typed_batch_fill leaves it. */
                tc->chars = c->chars_len ? c->chars : NULL;
            }
        }
        buzz_typed_batch tb;
        memset(&tb, 0, sizeof tb);
        tb.row_count = n;
        tb.column_count = r->ncols;
        tb.columns = tcs;
        tb.first_row = (int64_t)from;
        if (buzz_parquet_writer_write(w, &tb, &err) != BUZZ_OK)
            fail(r, "writer write: %s", err.message);
    }
    if (buzz_parquet_writer_set_metadata(w, "{\"fuzz\": true}", &err) != BUZZ_OK)
        fail(r, "set_metadata: %s", err.message);
    int64_t bytes = 0;
    if (buzz_parquet_writer_commit(w, &bytes, &err) != BUZZ_OK)
        fail(r, "writer commit: %s", err.message);
    buzz_parquet_writer_close(w);
}

static uint8_t *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    size_t cap = 1 << 16, len = 0;
    uint8_t *p = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            uint8_t *q = realloc(p, cap);
            if (!q)
                abort();
            p = q;
        }
        size_t k = fread(p + len, 1, cap - len, f);
        if (k == 0)
            break;
        len += k;
    }
    fclose(f);
    *out_len = len;
    return p;
}

/* The file must not depend on the thread count: write it again with one thread and compare. */
static void check_threads(const run *r, const buzz_schema *s, const uint8_t *a, size_t n0)
{
    if (r->po.threads <= 1)
        return;
    char path1[160];
    snprintf(path1, sizeof path1, "%s.t1", r->path);
    buzz_parquet_options po = r->po;
    po.threads = 1;
    write_file(r, s, path1, &po);
    size_t n1;
    uint8_t *b = slurp(path1, &n1);
    unlink(path1);
    if (n0 != n1 || memcmp(a, b, n0) != 0) {
        size_t at = 0;
        while (at < n0 && at < n1 && a[at] == b[at])
            at++;
        fail(r, "threads=%u wrote %zu bytes, threads=1 %zu bytes; first difference at byte %zu",
             r->po.threads, n0, n1, at);
    }
    free(b);
}

/* ---------------------------------------------------------------------------------------------
 * Reading back. */
static void fmt_value(const column *c, buzz_i128 v, const char *str, size_t len, char *out,
                      size_t cap)
{
    if (!c->width) {
        size_t w = 0;
        w += (size_t)snprintf(out, cap, "(%zu bytes) \"", len);
        for (size_t i = 0; i < len && w + 8 < cap; i++) {
            unsigned char ch = (unsigned char)str[i];
            if (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\')
                out[w++] = (char)ch;
            else
                w += (size_t)snprintf(out + w, cap - w, "\\x%02X", ch);
        }
        snprintf(out + w, cap - w, "\"");
        return;
    }
    if (c->type == BUZZ_TYPE_DOUBLE) {
        uint64_t bits = (uint64_t)v;
        double d;
        memcpy(&d, &bits, 8);
        snprintf(out, cap, "%.17g (bits %016llx)", d, (unsigned long long)bits);
        return;
    }
    char dec[48];
    buzz_format_decimal(v, c->type == BUZZ_TYPE_DECIMAL ? c->scale : 0, dec);
    snprintf(out, cap, "%s", dec);
}

static void check_column_type(const run *r, const column *c, duckdb_result *res, idx_t k,
                              duckdb_type *out_internal)
{
    static const duckdb_type want[BUZZ_TYPE_COUNT] = {
        [BUZZ_TYPE_NULL] = DUCKDB_TYPE_VARCHAR,
        [BUZZ_TYPE_BOOLEAN] = DUCKDB_TYPE_BOOLEAN,
        [BUZZ_TYPE_INT32] = DUCKDB_TYPE_INTEGER,
        [BUZZ_TYPE_INT64] = DUCKDB_TYPE_BIGINT,
        [BUZZ_TYPE_DECIMAL] = DUCKDB_TYPE_DECIMAL,
        [BUZZ_TYPE_DOUBLE] = DUCKDB_TYPE_DOUBLE,
        [BUZZ_TYPE_DATE] = DUCKDB_TYPE_DATE,
        [BUZZ_TYPE_TIME] = DUCKDB_TYPE_TIME,
        [BUZZ_TYPE_TIMESTAMP] = DUCKDB_TYPE_TIMESTAMP,
        [BUZZ_TYPE_TIMESTAMP_TZ] = DUCKDB_TYPE_TIMESTAMP_TZ,
        [BUZZ_TYPE_VARCHAR] = DUCKDB_TYPE_VARCHAR,
    };
    char tt[32], got[64];
    duckdb_type t = duckdb_column_type(res, k);
    if (t != want[c->type]) {
        snprintf(got, sizeof got, "duckdb type %d", (int)t);
        fail(r, "column type: wrote %s, DuckDB read %s", type_text(c, tt, sizeof tt), got);
    }
    *out_internal = t;
    if (t != DUCKDB_TYPE_DECIMAL)
        return;
    duckdb_logical_type lt = duckdb_column_logical_type(res, k);
    int width = duckdb_decimal_width(lt), scale = duckdb_decimal_scale(lt);
    *out_internal = duckdb_decimal_internal_type(lt);
    duckdb_destroy_logical_type(&lt);
    if (width != c->precision || scale != c->scale) {
        snprintf(got, sizeof got, "decimal(%d,%d)", width, scale);
        fail(r, "column type: wrote %s, DuckDB read %s", type_text(c, tt, sizeof tt), got);
    }
}

/* One value of a DuckDB vector as an i128 (doubles as bits; decimals unscaled). */
static buzz_i128 duck_number(const column *c, duckdb_type internal, const void *data, idx_t i)
{
    const char *p = data;
    switch (internal) {
    case DUCKDB_TYPE_BOOLEAN: {
        bool b;
        memcpy(&b, p + i, 1);
        return b;
    }
    case DUCKDB_TYPE_SMALLINT: {
        int16_t x;
        memcpy(&x, p + i * 2, 2);
        return x;
    }
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_DATE: {
        int32_t x;
        memcpy(&x, p + i * 4, 4);
        return x;
    }
    case DUCKDB_TYPE_HUGEINT: {
        duckdb_hugeint h;
        memcpy(&h, p + i * sizeof h, sizeof h);
        __extension__ unsigned __int128 u = ((unsigned __int128)(uint64_t)h.upper << 64) | h.lower;
        return (buzz_i128)u;
    }
    default: { /* BIGINT, DOUBLE, TIME, TIMESTAMP, TIMESTAMP_TZ: 8 bytes */
        int64_t x;
        memcpy(&x, p + i * 8, 8);
        return c->type == BUZZ_TYPE_DOUBLE ? (buzz_i128)(uint64_t)x : x;
    }
    }
}

static bool is_nan_bits(buzz_i128 v)
{
    uint64_t b = (uint64_t)v;
    return (b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0x000FFFFFFFFFFFFFull);
}

static bool same_value(const column *c, buzz_i128 a, buzz_i128 b)
{
    if (c->type == BUZZ_TYPE_DOUBLE && is_nan_bits(a) && is_nan_bits(b))
        return true;
    return a == b; /* doubles bitwise: -0.0 must stay -0.0 */
}

static duckdb_result query(const run *r, const char *sql)
{
    duckdb_result res;
    if (duckdb_query(con, sql, &res) == DuckDBError) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", duckdb_result_error(&res));
        duckdb_destroy_result(&res);
        fail(r, "DuckDB refused the file: %s (%s)", msg, sql);
    }
    return res;
}

static void read_back(const run *r)
{
    char sql[1024];
    size_t w = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    size_t idx[MAX_COLS], n_inc = 0;
    for (size_t i = 0; i < r->ncols; i++) {
        if (!r->cols[i].include)
            continue;
        w += (size_t)snprintf(sql + w, sizeof sql - w, "%s\"c%zu\"", n_inc ? ", " : "", i);
        idx[n_inc++] = i;
    }
    snprintf(sql + w, sizeof sql - w, " FROM read_parquet('%s')", r->path);
    duckdb_result res = query(r, sql);
    char a[900], b[900];
    if (duckdb_column_count(&res) != n_inc) {
        snprintf(a, sizeof a, "%zu", n_inc);
        snprintf(b, sizeof b, "%llu", (unsigned long long)duckdb_column_count(&res));
        fail(r, "column count: wrote %s, DuckDB read %s", a, b);
    }
    duckdb_type internal[MAX_COLS];
    for (size_t k = 0; k < n_inc; k++)
        check_column_type(r, &r->cols[idx[k]], &res, k, &internal[k]);
    size_t row = 0;
    for (;;) {
        duckdb_data_chunk ch = duckdb_fetch_chunk(res);
        if (!ch)
            break;
        size_t n = (size_t)duckdb_data_chunk_get_size(ch);
        if (row + n > r->rows) {
            snprintf(a, sizeof a, "%zu", r->rows);
            snprintf(b, sizeof b, "at least %zu", row + n);
            fail(r, "row count: wrote %s, DuckDB read %s", a, b);
        }
        for (size_t k = 0; k < n_inc; k++) {
            const column *c = &r->cols[idx[k]];
            duckdb_vector vec = duckdb_data_chunk_get_vector(ch, k);
            uint64_t *validity = duckdb_vector_get_validity(vec);
            const void *data = duckdb_vector_get_data(vec);
            for (size_t i = 0; i < n; i++) {
                size_t rr = row + i;
                bool dv = validity == NULL || duckdb_validity_row_is_valid(validity, i);
                bool wv = c->valid[rr] != 0;
                buzz_i128 want = 0, got = 0;
                const char *ws = NULL, *gs = NULL;
                size_t wl = 0, gl = 0;
                bool same = dv == wv;
                if (same && wv) {
                    if (c->width) {
                        want = load_number(c, rr);
                        got = duck_number(c, internal[k], data, i);
                        same = same_value(c, want, got);
                    } else {
                        ws = c->chars + c->offsets[rr];
                        wl = c->offsets[rr + 1] - c->offsets[rr];
                        duckdb_string_t st;
                        memcpy(&st, (const char *)data + i * sizeof st, sizeof st);
                        gl = duckdb_string_t_length(st);
                        gs = duckdb_string_t_data((duckdb_string_t *)data + i);
                        same = gl == wl && (wl == 0 || memcmp(ws, gs, wl) == 0);
                    }
                }
                if (!same) {
                    char wt[700], gt[700];
                    if (wv)
                        fmt_value(c, want, ws, wl, wt, sizeof wt);
                    else
                        snprintf(wt, sizeof wt, "NULL");
                    if (dv)
                        fmt_value(c, got, gs, gl, gt, sizeof gt);
                    else
                        snprintf(gt, sizeof gt, "NULL");
                    snprintf(a, sizeof a, "row %zu column c%zu: wrote %s", rr, idx[k], wt);
                    fail(r, "%s, DuckDB read %s", a, gt);
                }
            }
        }
        duckdb_destroy_data_chunk(&ch);
        row += n;
    }
    duckdb_destroy_result(&res);
    if (row != r->rows) {
        snprintf(a, sizeof a, "%zu", r->rows);
        snprintf(b, sizeof b, "%zu", row);
        fail(r, "row count: wrote %s, DuckDB read %s", a, b);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Filtered counts: DuckDB may skip row groups from the footer statistics, so a wrong min, max or
 * null count undercounts. Values compare the way DuckDB does: NaN equals NaN and is above
 * everything, -0.0 equals 0.0, strings byte by byte. */
static int cmp_values(const column *c, size_t r1, size_t r2)
{
    if (!c->width) {
        const char *p = c->chars + c->offsets[r1], *q = c->chars + c->offsets[r2];
        size_t n1 = c->offsets[r1 + 1] - c->offsets[r1], n2 = c->offsets[r2 + 1] - c->offsets[r2];
        size_t n = n1 < n2 ? n1 : n2;
        int k = n ? memcmp(p, q, n) : 0;
        if (k)
            return k < 0 ? -1 : 1;
        return n1 < n2 ? -1 : n1 > n2 ? 1 : 0;
    }
    buzz_i128 a = load_number(c, r1), b = load_number(c, r2);
    if (c->type == BUZZ_TYPE_DOUBLE) {
        bool na = is_nan_bits(a), nb = is_nan_bits(b);
        if (na || nb)
            return na && nb ? 0 : na ? 1 : -1;
        uint64_t ba = (uint64_t)a, bb = (uint64_t)b;
        double x, y;
        memcpy(&x, &ba, 8);
        memcpy(&y, &bb, 8);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

/* SQL literal for row rr of c, typed like the column. */
static void literal(const column *c, size_t rr, char *out, size_t cap)
{
    buzz_i128 v = c->width ? load_number(c, rr) : 0;
    char t[64];
    switch (c->type) {
    case BUZZ_TYPE_BOOLEAN:
        snprintf(out, cap, "%s", v ? "true" : "false");
        return;
    case BUZZ_TYPE_INT32:
        snprintf(out, cap, "CAST('%d' AS INTEGER)", (int)v);
        return;
    case BUZZ_TYPE_INT64:
        snprintf(out, cap, "CAST('%lld' AS BIGINT)", (long long)v);
        return;
    case BUZZ_TYPE_DECIMAL:
        buzz_format_decimal(v, c->scale, t);
        snprintf(out, cap, "CAST('%s' AS DECIMAL(%d,%d))", t, c->precision, c->scale);
        return;
    case BUZZ_TYPE_DOUBLE: {
        uint64_t bits = (uint64_t)v;
        double d;
        memcpy(&d, &bits, 8);
        if (d != d)
            snprintf(t, sizeof t, "nan");
        else if (isinf(d))
            snprintf(t, sizeof t, "%sinf", d < 0 ? "-" : "");
        else
            snprintf(t, sizeof t, "%.17g", d);
        snprintf(out, cap, "CAST('%s' AS DOUBLE)", t);
        return;
    }
    case BUZZ_TYPE_DATE:
        buzz_format_date((int32_t)v, t);
        snprintf(out, cap, "CAST('%s' AS DATE)", t);
        return;
    case BUZZ_TYPE_TIME:
        buzz_format_time((int64_t)v, t);
        snprintf(out, cap, "CAST('%s' AS TIME)", t);
        return;
    case BUZZ_TYPE_TIMESTAMP:
    case BUZZ_TYPE_TIMESTAMP_TZ:
        buzz_format_timestamp((int64_t)v, c->type == BUZZ_TYPE_TIMESTAMP_TZ, t);
        snprintf(out, cap, "CAST('%s' AS %s)", t,
                 c->type == BUZZ_TYPE_TIMESTAMP_TZ ? "TIMESTAMPTZ" : "TIMESTAMP");
        return;
    default: {
        /* A string literal: quotes doubled, NUL bytes as chr(0) (the SQL text is a C string). */
        const char *p = c->chars + c->offsets[rr];
        size_t n = c->offsets[rr + 1] - c->offsets[rr], w = 0;
        out[w++] = '\'';
        if (cap < 3 + n * 16)
            abort(); /* LIT_MAX is too small: a harness bug */
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '\'') {
                out[w++] = '\'';
                out[w++] = '\'';
            } else if (p[i] == '\0') {
                w += (size_t)snprintf(out + w, cap - w, "' || chr(0) || '");
            } else {
                out[w++] = p[i];
            }
        }
        out[w++] = '\'';
        out[w] = '\0';
        return;
    }
    }
}

static int64_t count_where(const run *r, const char *where)
{
    static char sql[LIT_MAX + 512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_parquet('%s')%s%s", r->path,
             where[0] ? " WHERE " : "", where);
    duckdb_result res = query(r, sql);
    int64_t n = duckdb_value_int64(&res, 0, 0);
    duckdb_destroy_result(&res);
    return n;
}

static void expect_count(const run *r, const char *where, int64_t want)
{
    int64_t got = count_where(r, where);
    if (got != want) {
        char a[64], b[4096];
        snprintf(a, sizeof a, "%lld", (long long)want);
        snprintf(b, sizeof b, "%lld (WHERE %.3000s)", (long long)got, where); /* cut if long */
        fail(r, "count: true count %s, DuckDB counted %s", a, b);
    }
}

static void check_counts(src *s, const run *r)
{
    expect_count(r, "", (int64_t)r->rows);
    size_t inc[MAX_COLS], n_inc = 0;
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].include)
            inc[n_inc++] = i;
    size_t ci = inc[below(s, n_inc)];
    const column *c = &r->cols[ci];
    static char where[LIT_MAX + 256];
    int64_t nulls = 0;
    for (size_t k = 0; k < r->rows; k++)
        nulls += !c->valid[k];
    snprintf(where, sizeof where, "\"c%zu\" IS NULL", ci);
    expect_count(r, where, nulls);
    snprintf(where, sizeof where, "\"c%zu\" IS NOT NULL", ci);
    expect_count(r, where, (int64_t)r->rows - nulls);
    if (nulls == (int64_t)r->rows)
        return;
    /* A value that occurs. */
    size_t at = (size_t)below(s, r->rows);
    while (!c->valid[at])
        at = (at + 1) % r->rows;
    /* NaN: the writer leaves NaNs out of min/max, as parquet.thrift says ("NaNs should not be
     * written to min or max statistics fields"; "when looking for NaN values, min and max should
     * be ignored"), but DuckDB (1.4) trusts those bounds under its own order, where NaN = NaN and
     * NaN is above everything: `c > 5` skips a row group holding {1, NaN}, and `c <= max` is
     * folded to true, so NaN rows pass it (DuckDB's own writer leaves min/max out of chunks with
     * NaN). Buzz never writes NaN through a conversion (NaN is a null token, docs/schema.md), so
     * a column holding NaN gets only the NULL counts here; check_footer still holds its
     * statistics to the spec. */
    /* With the writer leaving min/max out wherever a NaN is, DuckDB has no bounds to misuse, so
     * a column holding NaN gets the same questions as any other. */
    static char lit[LIT_MAX];
    literal(c, at, lit, sizeof lit);
    static const char *const ops[] = {"=", "<", "<=", ">", ">="};
    int64_t cnt[5] = {0};
    for (size_t k = 0; k < r->rows; k++) {
        if (!c->valid[k])
            continue;
        int x = cmp_values(c, k, at);
        cnt[0] += x == 0;
        cnt[1] += x < 0;
        cnt[2] += x <= 0;
        cnt[3] += x > 0;
        cnt[4] += x >= 0;
    }
    snprintf(where, sizeof where, "\"c%zu\" = %s", ci, lit);
    expect_count(r, where, cnt[0]);
    size_t op = 1 + (size_t)below(s, 4);
    snprintf(where, sizeof where, "\"c%zu\" %s %s", ci, ops[op], lit);
    expect_count(r, where, cnt[op]);
}

/* REQUIRED exactly where the schema's facts allow it. */
static void check_repetition(const run *r)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT name, repetition_type FROM parquet_schema('%s') WHERE name <> 'schema' "
             "ORDER BY name",
             r->path);
    duckdb_result res = query(r, sql);
    idx_t n = duckdb_row_count(&res);
    size_t k = 0;
    for (size_t i = 0; i < r->ncols; i++) {
        const column *c = &r->cols[i];
        if (!c->include)
            continue;
        char want_name[8];
        snprintf(want_name, sizeof want_name, "c%zu", i);
        if (k >= n)
            fail(r, "parquet_schema: no column %s", want_name);
        char *name = duckdb_value_varchar(&res, 0, k);
        char *rep = duckdb_value_varchar(&res, 1, k);
        bool required = c->required || (r->facts && r->rows == 0 && c->type != BUZZ_TYPE_NULL);
        const char *want = required ? "REQUIRED" : "OPTIONAL";
        bool ok = name && rep && strcmp(name, want_name) == 0 && strcmp(rep, want) == 0;
        char got[128];
        snprintf(got, sizeof got, "%s %s", name ? name : "?", rep ? rep : "?");
        duckdb_free(name);
        duckdb_free(rep);
        if (!ok) {
            char w[64];
            snprintf(w, sizeof w, "%s %s", want_name, want);
            fail(r, "parquet_schema: want %s, got %s", w, got);
        }
        k++;
    }
    duckdb_destroy_result(&res);
}

/* ---------------------------------------------------------------------------------------------
 * The footer, read independently (Thrift compact protocol, from apache/parquet-format's
 * parquet.thrift, not from src/parquet/thrift.c). DuckDB reads the row-group statistics but not
 * the ColumnIndex, so the page index is checked here against the generated values: every page's
 * location, header and row count (OffsetIndex), its null flag, null count and min/max bounds
 * (ColumnIndex), and every chunk's statistics (null count; min/max bounds, equal to the true
 * min/max when marked exact; never NaN). */
typedef struct tr {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} tr;

enum {
    T_STOP = 0,
    T_TRUE = 1,
    T_FALSE = 2,
    T_BYTE = 3,
    T_I16 = 4,
    T_I32 = 5,
    T_I64 = 6,
    T_DOUBLE = 7,
    T_BINARY = 8,
    T_LIST = 9,
    T_SET = 10,
    T_MAP = 11,
    T_STRUCT = 12
};

static uint8_t tr_byte(tr *t)
{
    if (t->pos >= t->len) {
        t->bad = true;
        return 0;
    }
    return t->p[t->pos++];
}

static uint64_t tr_varint(tr *t)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && !t->bad; shift += 7) {
        uint8_t b = tr_byte(t);
        if (shift < 64)
            v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    t->bad = true;
    return 0;
}

static int64_t tr_zigzag(tr *t)
{
    uint64_t u = tr_varint(t);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A binary value: a view into the buffer. */
static const uint8_t *tr_binary(tr *t, size_t *out_len)
{
    uint64_t n = tr_varint(t);
    if (t->bad || n > t->len - t->pos) {
        t->bad = true;
        *out_len = 0;
        return NULL;
    }
    const uint8_t *p = t->p + t->pos;
    t->pos += (size_t)n;
    *out_len = (size_t)n;
    return p;
}

/* Next field of a struct: false at STOP (or on damage). *last is the previous field id. */
static bool tr_field(tr *t, int *last, int *out_id, int *out_type)
{
    uint8_t b = tr_byte(t);
    if (t->bad || b == 0)
        return false;
    int delta = b >> 4;
    *out_type = b & 0x0F;
    *out_id = delta ? *last + delta : (int)tr_zigzag(t);
    *last = *out_id;
    return !t->bad;
}

static void tr_list(tr *t, int *out_type, size_t *out_count)
{
    uint8_t b = tr_byte(t);
    *out_type = b & 0x0F;
    size_t n = b >> 4;
    if (n == 15)
        n = (size_t)tr_varint(t);
    if (n > t->len)
        t->bad = true; /* more elements than bytes */
    *out_count = t->bad ? 0 : n;
}

static void tr_skip(tr *t, int type, int depth);

static void tr_skip_struct(tr *t, int depth)
{
    int last = 0, id, type;
    while (tr_field(t, &last, &id, &type))
        tr_skip(t, type, depth + 1);
}

static void tr_skip(tr *t, int type, int depth)
{
    size_t n;
    int et;
    if (depth > 32) {
        t->bad = true;
        return;
    }
    switch (type) {
    case T_TRUE:
    case T_FALSE:
        return; /* in a field header; list elements are read as bytes below */
    case T_BYTE:
        tr_byte(t);
        return;
    case T_I16:
    case T_I32:
    case T_I64:
        tr_varint(t);
        return;
    case T_DOUBLE:
        for (int i = 0; i < 8; i++)
            tr_byte(t);
        return;
    case T_BINARY:
        tr_binary(t, &n);
        return;
    case T_LIST:
    case T_SET:
        tr_list(t, &et, &n);
        for (size_t i = 0; i < n && !t->bad; i++) {
            if (et == T_TRUE || et == T_FALSE)
                tr_byte(t);
            else
                tr_skip(t, et, depth + 1);
        }
        return;
    case T_STRUCT:
        tr_skip_struct(t, depth);
        return;
    default: /* maps are not used by Parquet footers written here */
        t->bad = true;
        return;
    }
}

static bool tr_bool_field(int type)
{
    return type == T_TRUE;
}

typedef struct stats_view {
    bool has_null_count, has_min, has_max, has_min_exact, has_max_exact;
    int64_t null_count;
    const uint8_t *min, *max;
    size_t min_len, max_len;
    bool min_exact, max_exact;
} stats_view;

typedef struct chunk_view {
    int64_t num_values, data_page_offset, dict_page_offset, total_compressed;
    bool has_dict;
    stats_view st;
    int64_t oi_offset, ci_offset;
    int32_t oi_len, ci_len;
    bool has_oi, has_ci;
} chunk_view;

static void read_stats(tr *t, stats_view *sv)
{
    int last = 0, id, type;
    while (tr_field(t, &last, &id, &type)) {
        if (id == 3 && type == T_I64) {
            sv->has_null_count = true;
            sv->null_count = tr_zigzag(t);
        } else if (id == 5 && type == T_BINARY) {
            sv->has_max = true;
            sv->max = tr_binary(t, &sv->max_len);
        } else if (id == 6 && type == T_BINARY) {
            sv->has_min = true;
            sv->min = tr_binary(t, &sv->min_len);
        } else if (id == 7 && (type == T_TRUE || type == T_FALSE)) {
            sv->has_max_exact = true;
            sv->max_exact = tr_bool_field(type);
        } else if (id == 8 && (type == T_TRUE || type == T_FALSE)) {
            sv->has_min_exact = true;
            sv->min_exact = tr_bool_field(type);
        } else {
            tr_skip(t, type, 0);
        }
    }
}

static void read_column_meta(tr *t, chunk_view *cv)
{
    int last = 0, id, type;
    while (tr_field(t, &last, &id, &type)) {
        if (id == 5 && type == T_I64)
            cv->num_values = tr_zigzag(t);
        else if (id == 7 && type == T_I64)
            cv->total_compressed = tr_zigzag(t);
        else if (id == 9 && type == T_I64)
            cv->data_page_offset = tr_zigzag(t);
        else if (id == 11 && type == T_I64) {
            cv->has_dict = true;
            cv->dict_page_offset = tr_zigzag(t);
        } else if (id == 12 && type == T_STRUCT)
            read_stats(t, &cv->st);
        else
            tr_skip(t, type, 0);
    }
}

static void read_column_chunk(tr *t, chunk_view *cv)
{
    memset(cv, 0, sizeof *cv);
    int last = 0, id, type;
    while (tr_field(t, &last, &id, &type)) {
        if (id == 3 && type == T_STRUCT)
            read_column_meta(t, cv);
        else if (id == 4 && type == T_I64) {
            cv->has_oi = true;
            cv->oi_offset = tr_zigzag(t);
        } else if (id == 5 && type == T_I32)
            cv->oi_len = (int32_t)tr_zigzag(t);
        else if (id == 6 && type == T_I64) {
            cv->has_ci = true;
            cv->ci_offset = tr_zigzag(t);
        } else if (id == 7 && type == T_I32)
            cv->ci_len = (int32_t)tr_zigzag(t);
        else
            tr_skip(t, type, 0);
    }
}

/* A page header at off: its type, compressed size, num_values (data pages) and header length. */
static bool read_page_header(const uint8_t *file, size_t file_len, int64_t off, int *out_type,
                             int64_t *out_compressed, int64_t *out_values, size_t *out_header_len)
{
    if (off < 4 || (uint64_t)off >= file_len)
        return false;
    tr t = {file + off, file_len - (size_t)off, 0, false};
    int last = 0, id, type;
    *out_type = -1;
    *out_compressed = -1;
    *out_values = -1;
    while (tr_field(&t, &last, &id, &type)) {
        if (id == 1 && type == T_I32)
            *out_type = (int)tr_zigzag(&t);
        else if (id == 3 && type == T_I32)
            *out_compressed = tr_zigzag(&t);
        else if ((id == 5 || id == 7) && type == T_STRUCT) {
            int l2 = 0, id2, ty2;
            while (tr_field(&t, &l2, &id2, &ty2)) {
                if (id2 == 1 && ty2 == T_I32)
                    *out_values = tr_zigzag(&t);
                else
                    tr_skip(&t, ty2, 0);
            }
        } else
            tr_skip(&t, type, 0);
    }
    *out_header_len = t.pos;
    return !t.bad;
}

/* Bytes of one PLAIN value of c's physical type (0 for byte arrays). */
static size_t plain_width(const column *c)
{
    switch (c->type) {
    case BUZZ_TYPE_BOOLEAN:
        return 1;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_DATE:
        return 4;
    case BUZZ_TYPE_DECIMAL:
        return c->precision <= 9 ? 4 : c->precision <= 18 ? 8 : 16;
    case BUZZ_TYPE_VARCHAR:
    case BUZZ_TYPE_NULL:
        return 0;
    default:
        return 8;
    }
}

/* The plain bytes of a statistics bound, compared with row rr of c in the column's sort order:
 * <0 when the bound is below the value. NaN never reaches here. */
static int cmp_bound(const column *c, const uint8_t *b, size_t blen, size_t rr, bool *ok)
{
    *ok = true;
    if (!c->width) {
        const char *v = c->chars + c->offsets[rr];
        size_t vl = c->offsets[rr + 1] - c->offsets[rr], n = blen < vl ? blen : vl;
        int k = n ? memcmp(b, v, n) : 0;
        if (k)
            return k < 0 ? -1 : 1;
        return blen < vl ? -1 : blen > vl ? 1 : 0;
    }
    buzz_i128 v = load_number(c, rr), x = 0;
    size_t want = plain_width(c);
    if (blen != want) {
        *ok = false;
        return 0;
    }
    if (want == 16) { /* FIXED_LEN_BYTE_ARRAY decimal: big-endian two's complement */
        __extension__ unsigned __int128 u = 0;
        for (size_t i = 0; i < 16; i++)
            u = u << 8 | b[i];
        x = (buzz_i128)u;
    } else {
        uint64_t u = 0;
        for (size_t i = want; i-- > 0;)
            u = u << 8 | b[i];
        if (want == 1)
            x = (buzz_i128)u;
        else if (want == 4)
            x = (int32_t)(uint32_t)u;
        else if (c->type == BUZZ_TYPE_DOUBLE)
            x = (buzz_i128)u;
        else
            x = (int64_t)u;
    }
    if (c->type == BUZZ_TYPE_DOUBLE) {
        uint64_t bx = (uint64_t)x, bv = (uint64_t)v;
        double dx, dv;
        memcpy(&dx, &bx, 8);
        memcpy(&dv, &bv, 8);
        if (dx != dx) {
            *ok = false; /* a NaN bound */
            return 0;
        }
        return dx < dv ? -1 : dx > dv ? 1 : 0; /* -0.0 == 0.0, as the spec's zero rules allow */
    }
    return x < v ? -1 : x > v ? 1 : 0;
}

static bool value_counts_in_bounds(const column *c, size_t rr)
{
    return !(c->type == BUZZ_TYPE_DOUBLE && is_nan_bits(load_number(c, rr)));
}

/* min/max of rows [from, to) of c must hold every non-NaN value; exact ones must be reached. */
static void check_bounds(const run *r, const column *c, size_t ci, const char *what, size_t from,
                         size_t to, const uint8_t *mn, size_t mn_len, bool min_exact,
                         const uint8_t *mx, size_t mx_len, bool max_exact)
{
    bool hit_min = false, hit_max = false, any = false;
    for (size_t k = from; k < to; k++) {
        if (!c->valid[k] || !value_counts_in_bounds(c, k))
            continue;
        any = true;
        bool ok1, ok2;
        int a = cmp_bound(c, mn, mn_len, k, &ok1), b = cmp_bound(c, mx, mx_len, k, &ok2);
        if (!ok1 || !ok2)
            fail(r, "%s of c%zu (rows %zu-%zu): a min/max of the wrong size or NaN", what, ci, from,
                 to);
        if (a > 0 || b < 0) {
            char v[700];
            fmt_value(c, load_number(c, k), c->width ? NULL : c->chars + c->offsets[k],
                      c->width ? 0 : c->offsets[k + 1] - c->offsets[k], v, sizeof v);
            fail(r, "%s of c%zu (rows %zu-%zu): row %zu = %s is %s the %s", what, ci, from, to, k,
                 v, a > 0 ? "below" : "above", a > 0 ? "min" : "max");
        }
        hit_min |= a == 0;
        hit_max |= b == 0;
    }
    if (any && ((min_exact && !hit_min) || (max_exact && !hit_max)))
        fail(r, "%s of c%zu (rows %zu-%zu): an exact %s that no value has", what, ci, from, to,
             min_exact && !hit_min ? "min" : "max");
}

/* Rows [from, to) of c have values but no min/max can be written for them: only NaNs, or a
 * string max over 64 bytes with no byte below 0x7F in its first 64 (no cut can bound it). */
static bool no_bounds_possible(const column *c, size_t from, size_t to)
{
    size_t best = SIZE_MAX, values = 0, nans = 0;
    for (size_t k = from; k < to; k++) {
        if (!c->valid[k])
            continue;
        values++;
        if (c->width) {
            nans += !value_counts_in_bounds(c, k);
            continue;
        }
        if (best == SIZE_MAX || cmp_values(c, k, best) > 0)
            best = k;
    }
    if (c->width)
        return nans > 0; /* the writer leaves min/max out wherever a NaN is (as DuckDB does) */
    if (best == SIZE_MAX || c->offsets[best + 1] - c->offsets[best] <= 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if ((uint8_t)c->chars[c->offsets[best] + i] < 0x7F)
            return false;
    return true;
}

static struct {
    int64_t first_rows[MAX_ROWS + 2];
    uint8_t null_page[MAX_ROWS + 1];
    const uint8_t *mins[MAX_ROWS + 1], *maxs[MAX_ROWS + 1];
    size_t min_lens[MAX_ROWS + 1], max_lens[MAX_ROWS + 1];
    int64_t null_counts[MAX_ROWS + 1];
} scratch; /* page index entries of one chunk (pages <= rows) */

static void check_chunk(const run *r, const uint8_t *file, size_t file_len, const chunk_view *cv,
                        size_t ci, size_t rg_first, size_t rg_rows)
{
    const column *c = &r->cols[ci];
    size_t to = rg_first + rg_rows;
    size_t nulls = 0, values = 0, nan_values = 0;
    for (size_t k = rg_first; k < to; k++) {
        nulls += !c->valid[k];
        if (c->valid[k]) {
            values++;
            nan_values += !value_counts_in_bounds(c, k);
        }
    }
    if (cv->num_values != (int64_t)rg_rows)
        fail(r, "chunk c%zu at row %zu: num_values %lld, the row group has %zu rows", ci, rg_first,
             (long long)cv->num_values, rg_rows);
    const stats_view *sv = &cv->st;
    if (!sv->has_null_count || sv->null_count != (int64_t)nulls)
        fail(r, "chunk c%zu at row %zu: statistics null_count %lld, true %zu", ci, rg_first,
             sv->has_null_count ? (long long)sv->null_count : -1ll, nulls);
    if (sv->has_min != sv->has_max)
        fail(r, "chunk c%zu at row %zu: a min without a max", ci, rg_first);
    if (sv->has_min)
        check_bounds(r, c, ci, "chunk statistics", rg_first, to, sv->min, sv->min_len,
                     !sv->has_min_exact || sv->min_exact, sv->max, sv->max_len,
                     !sv->has_max_exact || sv->max_exact);
    else if (values > nan_values && !no_bounds_possible(c, rg_first, to))
        fail(r, "chunk c%zu at row %zu: no min/max for %zu values", ci, rg_first, values);
    if (c->width && sv->has_min &&
        ((sv->has_min_exact && !sv->min_exact) || (sv->has_max_exact && !sv->max_exact)))
        fail(r, "chunk c%zu at row %zu: inexact min/max for a fixed-width type", ci, rg_first);

    /* OffsetIndex: pages in order, back to back, each header where it says, rows adding up. */
    if (!cv->has_oi || cv->oi_len <= 0 || cv->oi_offset < 4 ||
        (uint64_t)cv->oi_offset + (uint64_t)cv->oi_len > file_len)
        fail(r, "chunk c%zu at row %zu: no usable offset index", ci, rg_first);
    int64_t chunk_start = cv->has_dict ? cv->dict_page_offset : cv->data_page_offset;
    int64_t chunk_end = chunk_start + cv->total_compressed;
    if (cv->has_dict) {
        int pt;
        int64_t comp, nv;
        size_t hl;
        if (!read_page_header(file, file_len, cv->dict_page_offset, &pt, &comp, &nv, &hl) ||
            pt != 2 || cv->dict_page_offset + (int64_t)hl + comp != cv->data_page_offset)
            fail(r, "chunk c%zu at row %zu: the dictionary page does not end where data starts", ci,
                 rg_first);
    }
    tr t = {file + cv->oi_offset, (size_t)cv->oi_len, 0, false};
    int last = 0, id, type;
    int64_t *first_rows = scratch.first_rows;
    size_t pages = 0;
    int64_t expect_off = cv->data_page_offset, prev_nv = -1;
    while (tr_field(&t, &last, &id, &type)) {
        if (id != 1 || type != T_LIST) {
            tr_skip(&t, type, 0);
            continue;
        }
        int et;
        size_t n;
        tr_list(&t, &et, &n);
        if (et != T_STRUCT || n == 0 || n > rg_rows)
            fail(r, "chunk c%zu at row %zu: %zu page locations for %zu rows", ci, rg_first, n,
                 rg_rows);
        for (size_t p = 0; p < n && !t.bad; p++) {
            int l2 = 0, id2, ty2;
            int64_t off = -1, size = -1, first = -1;
            while (tr_field(&t, &l2, &id2, &ty2)) {
                if (id2 == 1 && ty2 == T_I64)
                    off = tr_zigzag(&t);
                else if (id2 == 2 && ty2 == T_I32)
                    size = tr_zigzag(&t);
                else if (id2 == 3 && ty2 == T_I64)
                    first = tr_zigzag(&t);
                else
                    tr_skip(&t, ty2, 0);
            }
            int pt;
            int64_t comp = 0, nv = 0;
            size_t hl;
            if (off != expect_off || size <= 0 ||
                !read_page_header(file, file_len, off, &pt, &comp, &nv, &hl) || pt != 0 ||
                (int64_t)hl + comp != size)
                fail(r, "chunk c%zu at row %zu: page %zu is not where the offset index says", ci,
                     rg_first, p);
            if ((p == 0 && first != 0) || (p > 0 && first <= first_rows[p - 1]) ||
                first >= (int64_t)rg_rows)
                fail(r, "chunk c%zu at row %zu: page %zu first_row_index %lld", ci, rg_first, p,
                     (long long)first);
            if (p > 0 && prev_nv != first - first_rows[p - 1])
                fail(r, "chunk c%zu at row %zu: page %zu holds %lld rows, the index says %lld", ci,
                     rg_first, p - 1, (long long)prev_nv, (long long)(first - first_rows[p - 1]));
            first_rows[p] = first;
            prev_nv = nv;
            expect_off = off + size;
            pages = p + 1;
        }
    }
    if (t.bad || pages == 0)
        fail(r, "chunk c%zu at row %zu: a damaged offset index", ci, rg_first);
    if (expect_off != chunk_end)
        fail(r, "chunk c%zu at row %zu: pages end at %lld, the chunk at %lld", ci, rg_first,
             (long long)expect_off, (long long)chunk_end);
    if (prev_nv != (int64_t)rg_rows - first_rows[pages - 1])
        fail(r, "chunk c%zu at row %zu: the last page holds %lld rows, the index says %lld", ci,
             rg_first, (long long)prev_nv, (long long)((int64_t)rg_rows - first_rows[pages - 1]));
    first_rows[pages] = (int64_t)rg_rows;

    /* ColumnIndex: one entry per page. */
    if (!cv->has_ci) {
        /* Allowed only where some page has values but no bounds: only NaNs, or strings whose
         * max cannot be cut to 64 bytes. */
        bool excused = false;
        for (size_t p = 0; p < pages && !excused; p++)
            excused = no_bounds_possible(c, rg_first + (size_t)first_rows[p],
                                         rg_first + (size_t)first_rows[p + 1]);
        if (!excused)
            fail(r, "chunk c%zu at row %zu: no column index", ci, rg_first);
        return;
    }
    if (cv->ci_len <= 0 || cv->ci_offset < 4 ||
        (uint64_t)cv->ci_offset + (uint64_t)cv->ci_len > file_len)
        fail(r, "chunk c%zu at row %zu: column index out of the file", ci, rg_first);
    tr u = {file + cv->ci_offset, (size_t)cv->ci_len, 0, false};
    last = 0;
    size_t n_null = 0, n_min = 0, n_max = 0, n_cnt = 0;
    uint8_t *null_page = scratch.null_page;
    const uint8_t **mins = scratch.mins, **maxs = scratch.maxs;
    size_t *min_lens = scratch.min_lens, *max_lens = scratch.max_lens;
    int64_t *null_counts = scratch.null_counts;
    while (tr_field(&u, &last, &id, &type)) {
        int et;
        size_t n;
        if (type != T_LIST) {
            tr_skip(&u, type, 0);
            continue;
        }
        tr_list(&u, &et, &n);
        if (n != pages)
            fail(r, "chunk c%zu at row %zu: column index field %d has %zu entries for %zu pages",
                 ci, rg_first, id, n, pages);
        for (size_t p = 0; p < n && !u.bad; p++) {
            if (id == 1) {
                uint8_t b = tr_byte(&u);
                if (b != 1 && b != 2 && b != 0)
                    u.bad = true;
                null_page[p] = b == 1;
                n_null = n;
            } else if (id == 2) {
                mins[p] = tr_binary(&u, &min_lens[p]);
                n_min = n;
            } else if (id == 3) {
                maxs[p] = tr_binary(&u, &max_lens[p]);
                n_max = n;
            } else if (id == 5) {
                null_counts[p] = tr_zigzag(&u);
                n_cnt = n;
            } else if (et == T_TRUE || et == T_FALSE) {
                tr_byte(&u);
            } else {
                tr_skip(&u, et, 0);
            }
        }
    }
    if (u.bad || n_null != pages || n_min != pages || n_max != pages || n_cnt != pages)
        fail(r, "chunk c%zu at row %zu: a damaged or incomplete column index", ci, rg_first);
    for (size_t p = 0; p < pages; p++) {
        size_t from = rg_first + (size_t)first_rows[p], pto = rg_first + (size_t)first_rows[p + 1];
        size_t pn = 0, pv = 0;
        for (size_t k = from; k < pto; k++) {
            pn += !c->valid[k];
            pv += c->valid[k];
        }
        if (null_counts[p] != (int64_t)pn || null_page[p] != (pv == 0))
            fail(r,
                 "page %zu of c%zu (rows %zu-%zu): null_count %lld null_page %d, true %zu "
                 "NULLs of %zu",
                 p, ci, from, pto, (long long)null_counts[p], (int)null_page[p], pn, pto - from);
        if (null_page[p])
            continue;
        /* Page bounds may be cut (strings), never exact-flagged: check they bound only. */
        check_bounds(r, c, ci, "page index", from, pto, mins[p], min_lens[p], false, maxs[p],
                     max_lens[p], false);
    }
}

static void check_footer(const run *r, const uint8_t *file, size_t len)
{
    if (len < 12 || memcmp(file, "PAR1", 4) != 0 || memcmp(file + len - 4, "PAR1", 4) != 0)
        fail(r, "footer: no PAR1 magic (%zu bytes)", len);
    size_t flen = (size_t)file[len - 8] | (size_t)file[len - 7] << 8 | (size_t)file[len - 6] << 16 |
                  (size_t)file[len - 5] << 24;
    if (flen > len - 12)
        fail(r, "footer: length %zu in a %zu-byte file", flen, len);
    tr t = {file + len - 8 - flen, flen, 0, false};
    size_t inc[MAX_COLS], n_inc = 0;
    for (size_t i = 0; i < r->ncols; i++)
        if (r->cols[i].include)
            inc[n_inc++] = i;
    int last = 0, id, type;
    int64_t num_rows = -1;
    size_t rg_first = 0;
    while (tr_field(&t, &last, &id, &type)) {
        if (id == 3 && type == T_I64) {
            num_rows = tr_zigzag(&t);
            continue;
        }
        if (id != 4 || type != T_LIST) {
            tr_skip(&t, type, 0);
            continue;
        }
        int et;
        size_t n;
        tr_list(&t, &et, &n);
        for (size_t g = 0; g < n && !t.bad; g++) {
            /* A RowGroup: its num_rows (field 3) follows its columns (field 1), so the chunks
             * are parsed into views first and checked once the row count is known. */
            chunk_view cvs[MAX_COLS];
            size_t nc = 0;
            int64_t rg_rows = -1;
            int l2 = 0, id2, ty2;
            while (tr_field(&t, &l2, &id2, &ty2)) {
                if (id2 == 1 && ty2 == T_LIST) {
                    int et2;
                    size_t m;
                    tr_list(&t, &et2, &m);
                    if (m != n_inc)
                        fail(r, "footer: row group %zu has %zu columns, want %zu", g, m, n_inc);
                    for (size_t k = 0; k < m && !t.bad; k++)
                        read_column_chunk(&t, &cvs[k]);
                    nc = m;
                } else if (id2 == 3 && ty2 == T_I64) {
                    rg_rows = tr_zigzag(&t);
                } else {
                    tr_skip(&t, ty2, 0);
                }
            }
            if (t.bad || rg_rows <= 0 || rg_first + (size_t)rg_rows > r->rows || nc != n_inc)
                fail(r, "footer: row group %zu: %lld rows from row %zu", g, (long long)rg_rows,
                     rg_first);
            if (r->po.row_group_rows > 0 && rg_rows > r->po.row_group_rows)
                fail(r, "footer: row group %zu has %lld rows, over row_group_rows", g,
                     (long long)rg_rows);
            for (size_t k = 0; k < nc; k++)
                check_chunk(r, file, len, &cvs[k], inc[k], rg_first, (size_t)rg_rows);
            rg_first += (size_t)rg_rows;
        }
    }
    if (t.bad)
        fail(r, "footer: damaged Thrift");
    if (num_rows != (int64_t)r->rows || rg_first != r->rows)
        fail(r, "footer: num_rows %lld, row groups hold %zu, wrote %zu", (long long)num_rows,
             rg_first, r->rows);
}

/* ---------------------------------------------------------------------------------------------
 * libFuzzer entry points. */
static void close_db(void)
{
    duckdb_disconnect(&con);
    duckdb_close(&db);
}

/* libFuzzer's per-input leak check (-detect_leaks=1, its default) runs a full LeakSanitizer
 * scan whenever an input ends with more mallocs than frees. DuckDB keeps caches across queries,
 * so that happens on most inputs and the scan of its heap made runs about 3x slower. Unless the
 * command line says otherwise, the target turns it off (libFuzzer reads its flags after this
 * hook) and checks leaks itself: every byte Buzz allocates through buzz_malloc for an input must
 * be freed by its end (buzz_mem_live_bytes), which covers the writer and the schema. */
static char **fuzz_argv;
/* The writer fsyncs the file and its directory at commit; on tmpfs that costs nothing, on /tmp
 * (a disk here) it was half of each run's wall time. */
static const char *tmp_dir = "/tmp";

static void default_no_leak_scan(int *argc, char ***argv)
{
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-detect_leaks=", 14) == 0)
            return;
    fuzz_argv = xmalloc(((size_t)*argc + 2) * sizeof *fuzz_argv);
    fuzz_argv[0] = (*argv)[0];
    fuzz_argv[1] = (char *)"-detect_leaks=0";
    for (int i = 1; i < *argc; i++)
        fuzz_argv[i + 1] = (*argv)[i];
    fuzz_argv[*argc + 1] = NULL;
    *argc += 1;
    *argv = fuzz_argv;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    default_no_leak_scan(argc, argv);
    if (access("/dev/shm", W_OK | X_OK) == 0)
        tmp_dir = "/dev/shm";
    if (duckdb_open(NULL, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) {
        fprintf(stderr, "fuzz_parquet: cannot open DuckDB\n");
        abort();
    }
    /* One thread keeps row order and the run cheap; no cache may serve an older file of the same
     * name (each input also gets a fresh name). */
    static const char *const setup[] = {
        "SET TimeZone='UTC'", "SET threads=1", "SET enable_external_file_cache=false",
        "SET parquet_metadata_cache=false", "SET enable_object_cache=false"};
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++) {
        duckdb_result res;
        if (duckdb_query(con, setup[i], &res) == DuckDBError) {
            fprintf(stderr, "fuzz_parquet: %s: %s\n", setup[i], duckdb_result_error(&res));
            abort();
        }
        duckdb_destroy_result(&res);
    }
    atexit(close_db);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    src s = {data, size, 0, 0x243F6A8885A308D3ull};
    for (size_t i = 0; i < size; i++) /* FNV-1a: the PRNG's seed */
        s.state = (s.state ^ data[i]) * 0x100000001B3ull;
    static run r; /* about 300 KiB with its string pools: off the stack */
    plan(&s, &r);
    for (size_t i = 0; i < r.ncols; i++)
        gen_column(&s, &r.cols[i], r.rows);
    snprintf(r.path, sizeof r.path, "%s/fuzz_parquet.%d.%llu.parquet", tmp_dir, (int)getpid(),
             (unsigned long long)run_no++);
    size_t live = buzz_mem_live_bytes();
    buzz_schema schema;
    build_schema(&r, &schema);
    write_file(&r, &schema, r.path, &r.po);
    size_t file_len;
    uint8_t *file = slurp(r.path, &file_len);
    check_footer(&r, file, file_len);
    check_threads(&r, &schema, file, file_len);
    free(file);
    read_back(&r);
    check_counts(&s, &r);
    check_repetition(&r);
    unlink(r.path);
    buzz_schema_free(&schema);
    /* Everything Buzz allocated for this input is released (see LLVMFuzzerInitialize). */
    if (buzz_mem_live_bytes() != live)
        fail(&r, "Buzz leaked %zu bytes", buzz_mem_live_bytes() - live);
    free_run(&r);
    return 0;
}
