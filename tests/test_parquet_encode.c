/* tests/test_parquet_encode.c: unit tests of src/parquet/encode.c, dict.c and codec.c. Every
 * encoding is decoded again by the independent, strict decoders of tests/parquet_decode.h over
 * random inputs of many sizes, bit widths and shapes (noise, runs, extremes), and checked byte for
 * byte against golden cases worked out from Encodings.md. The dictionary is checked against brute
 * force (dedup, first-seen order, PLAIN page), including validity skipping, the max_bytes "full"
 * contract and reset. Codecs round-trip random and compressible buffers. Out-of-memory and buffer
 * limit paths return BUZZ_ERR_NOMEM / BUZZ_ERR_LIMIT and leak nothing. */
#include "test_support.h"

#include "parquet/parquet_internal.h"
#include "parquet_decode.h"

#include <lz4.h>

/* ---------------------------------------------------------------------------------------------
 * Helpers. */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t rng_below(rng *r, size_t n)
{
    return (size_t)(rng_next(r) % n);
}

static const size_t sizes[] = {0, 1, 7, 8, 9, 127, 128, 129, 1000, 100000};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x ", p[i]);
}

static void expect_bytes(const buzz_buf *b, size_t from, const uint8_t *want, size_t want_len,
                         const char *what)
{
    char got_hex[512], want_hex[512];
    if (b->len - from == want_len && (want_len == 0 || memcmp(b->data + from, want, want_len) == 0))
        return;
    hex(b->data + from, b->len - from, got_hex, sizeof got_hex);
    hex(want, want_len, want_hex, sizeof want_hex);
    fail_msg("%s: got [%s], want [%s]", what, got_hex, want_hex);
}

static const uint8_t prefix[3] = {'p', 'r', 'e'}; /* encoders append: keep what was there */

static void buf_with_prefix(buzz_buf *b)
{
    buzz_buf_init(b, 0);
    assert_int_equal(buzz_buf_append(b, prefix, sizeof prefix, NULL), BUZZ_OK);
}

static void check_prefix(const buzz_buf *b, const char *what)
{
    if (b->len < sizeof prefix || memcmp(b->data, prefix, sizeof prefix) != 0)
        fail_msg("%s: the bytes already in the buffer changed", what);
}

/* ---------------------------------------------------------------------------------------------
 * Bit width. */

static void test_bit_width(void **state)
{
    (void)state;
    static const struct {
        uint32_t max;
        int want;
    } cases[] = {
        {0, 0},
        {1, 1},
        {2, 2},
        {3, 2},
        {4, 3},
        {7, 3},
        {8, 4},
        {255, 8},
        {256, 9},
        {65535, 16},
        {65536, 17},
        {0x7fffffff, 31},
        {0x80000000u, 32},
        {UINT32_MAX, 32},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        if (buzz__bit_width(cases[i].max) != cases[i].want)
            fail_msg("case %zu: bit width of %u is %d, want %d", i, cases[i].max,
                     buzz__bit_width(cases[i].max), cases[i].want);
    }
}

/* ---------------------------------------------------------------------------------------------
 * RLE/bit-packed hybrid. */

/* Encode, decode strictly, compare; returns the run statistics and the encoded size. */
static pqd_rle_stats rle_round_trip(const uint32_t *v, size_t n, int bw, const char *what,
                                    size_t *out_len)
{
    buzz_buf out;
    buf_with_prefix(&out);
    buzz_error err;
    if (buzz__rle_encode_u32(&out, v, n, bw, &err) != BUZZ_OK)
        fail_msg("%s n=%zu bw=%d: %s", what, n, bw, err.message);
    check_prefix(&out, what);
    uint32_t *got = xmalloc(n * sizeof *got);
    pqd_rle_stats st;
    if (!pqd_rle_decode(out.data + 3, out.len - 3, bw, n, got, &st))
        fail_msg("%s n=%zu bw=%d: the decoder rejects the output", what, n, bw);
    for (size_t i = 0; i < n; i++) {
        if (got[i] != v[i])
            fail_msg("%s n=%zu bw=%d: value %zu is %u, want %u", what, n, bw, i, got[i], v[i]);
    }
    if (out_len)
        *out_len = out.len - 3;
    free(got);
    buzz_buf_free(&out);
    return st;
}

static void test_rle_golden(void **state)
{
    (void)state;
    static const uint32_t seq8[] = {0, 1, 2, 3, 4, 5, 6, 7};
    static const uint32_t five8[] = {5, 5, 5, 5, 5, 5, 5, 5};
    static const uint32_t dead8[] = {0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef,
                                     0xdeadbeef, 0xdeadbeef, 0xdeadbeef, 0xdeadbeef};
    static const uint32_t nine10[] = {0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff,
                                      0x1ff, 0x1ff, 0x1ff, 0x1ff, 0x1ff};
    static const uint32_t one23[] = {1, 2, 3};
    static const uint32_t lit_then_run[] = {1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; /* 3 + 20 */
    static const uint32_t lit_short_run[] = {1, 2, 3, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0, 0, 0}; /* 3+12 */
    static const uint32_t run9_then_0[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
    static const uint32_t zeros10[10] = {0};
    static const struct {
        const uint32_t *v;
        size_t n;
        int bw;
        uint8_t want[8];
        size_t want_len;
        const char *what;
    } cases[] = {
        /* Encodings.md: 0..7 at width 3 bit-packed are 10001000 11000110 11111010. */
        {seq8, 8, 3, {0x03, 0x88, 0xc6, 0xfa}, 4, "spec example 0..7"},
        {five8, 8, 3, {0x10, 0x05}, 2, "RLE run of 8"},
        {dead8, 8, 32, {0x10, 0xef, 0xbe, 0xad, 0xde}, 5, "RLE value in 4 bytes"},
        {nine10, 10, 9, {0x14, 0xff, 0x01}, 3, "RLE value in 2 bytes"},
        {one23, 3, 2, {0x03, 0x39, 0x00}, 3, "padded last group"},
        /* 3 literals take 5 of the run to fill their group; 15 remain for the RLE run. */
        {lit_then_run, 23, 2, {0x03, 0x39, 0x00, 0x1e, 0x00}, 5, "borrow from the run"},
        /* Only 7 would remain: everything stays bit-packed (2 groups). */
        {lit_short_run, 15, 2, {0x05, 0x39, 0x00, 0x00, 0x00}, 5, "run too short after borrow"},
        /* At bit width 1 a run must reach 32 values (or the end) to be worth an RLE run: 9 ones
         * and a 0 stay bit-packed in 2 groups. */
        {run9_then_0, 10, 1, {0x05, 0xff, 0x01}, 3, "short run at width 1 stays packed"},
        {zeros10, 10, 0, {0x14}, 1, "bit width 0"},
        {zeros10, 0, 0, {0}, 0, "no values, width 0"},
        {seq8, 0, 5, {0}, 0, "no values"},
        {zeros10, 1, 3, {0x03, 0x00, 0x00, 0x00}, 4, "one value"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_buf out;
        buf_with_prefix(&out);
        assert_int_equal(buzz__rle_encode_u32(&out, cases[i].v, cases[i].n, cases[i].bw, NULL),
                         BUZZ_OK);
        char what[96];
        snprintf(what, sizeof what, "case %zu (%s)", i, cases[i].what);
        check_prefix(&out, what);
        expect_bytes(&out, 3, cases[i].want, cases[i].want_len, what);
        buzz_buf_free(&out);
        rle_round_trip(cases[i].v, cases[i].n, cases[i].bw, what, NULL);
    }

    /* 505 alternating bits: one full 63-group run (header 0x7f), then a padded group. */
    uint32_t alt[505];
    for (size_t i = 0; i < 505; i++)
        alt[i] = (uint32_t)(i & 1);
    buzz_buf out;
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__rle_encode_u32(&out, alt, 505, 1, NULL), BUZZ_OK);
    assert_int_equal(out.len, 1 + 63 + 1 + 1);
    assert_int_equal(out.data[0], 0x7f);
    for (size_t i = 1; i <= 63; i++)
        assert_int_equal(out.data[i], 0xaa);
    assert_int_equal(out.data[64], 0x03);
    assert_int_equal(out.data[65], 0x00);
    buzz_buf_free(&out);

    /* Bit width 0 past 2^31 - 1 values: split into runs of at most 2^31 - 1 (values not read). */
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__rle_encode_u32(&out, zeros10, (size_t)INT32_MAX + 10, 0, NULL), BUZZ_OK);
    static const uint8_t two_runs[] = {0xfe, 0xff, 0xff, 0xff, 0x0f, 0x14};
    expect_bytes(&out, 0, two_runs, sizeof two_runs, "runs split at 2^31 - 1");
    buzz_buf_free(&out);

    /* Bad widths. */
    buzz_error err;
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__rle_encode_u32(&out, seq8, 8, 33, &err), BUZZ_ERR_ARG);
    assert_int_equal(err.code, BUZZ_ERR_ARG);
    assert_int_equal(buzz__rle_encode_u32(&out, seq8, 8, -1, &err), BUZZ_ERR_ARG);
    assert_int_equal(out.len, 0);
    buzz_buf_free(&out);
}

enum { PAT_NOISE, PAT_RUNS, PAT_MIXED, PAT_CONST, PAT_789, PAT_FEW, PAT_COUNT };
static const char *const pat_names[] = {"noise",    "runs",       "mixed",
                                        "constant", "runs 7/8/9", "few values"};

static void fill_u32(rng *r, uint32_t *v, size_t n, int bw, int pattern)
{
    uint32_t mask = bw == 32 ? UINT32_MAX : (uint32_t)((1ull << bw) - 1);
    uint32_t c = (uint32_t)rng_next(r) & mask;
    size_t i = 0;
    while (i < n) {
        size_t len = 1;
        uint32_t x = (uint32_t)rng_next(r) & mask;
        switch (pattern) {
        case PAT_NOISE:
            break;
        case PAT_RUNS:
            len = 1 + rng_below(r, 40);
            break;
        case PAT_MIXED:
            len = rng_below(r, 2) ? 1 + rng_below(r, 20) : 8 + rng_below(r, 100);
            if (len < 8) { /* a stretch of noise */
                for (size_t k = 0; k < len && i < n; k++)
                    v[i++] = (uint32_t)rng_next(r) & mask;
                continue;
            }
            break;
        case PAT_CONST:
            x = c;
            len = n;
            break;
        case PAT_789:
            len = 7 + (i / 7) % 3;
            x = (uint32_t)(i / 7) & mask;
            break;
        default:
            x = (uint32_t)rng_below(r, 5) & mask;
            break;
        }
        for (size_t k = 0; k < len && i < n; k++)
            v[i++] = x;
    }
}

static void test_rle_round_trip(void **state)
{
    (void)state;
    rng r = {42};
    uint32_t *v = xmalloc(100000 * sizeof *v);
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (int bw = 0; bw <= 32; bw++) {
            for (int pat = 0; pat < PAT_COUNT; pat++) {
                fill_u32(&r, v, n, bw, pat);
                size_t len;
                pqd_rle_stats st = rle_round_trip(v, n, bw, pat_names[pat], &len);
                if (bw == 0 && (st.bitpacked_runs != 0 || st.rle_runs != (n > 0)))
                    fail_msg("width 0, n=%zu: %zu RLE and %zu bit-packed runs, want one RLE run", n,
                             st.rle_runs, st.bitpacked_runs);
                if (pat == PAT_CONST && n >= 8 && (st.rle_runs != 1 || st.bitpacked_runs != 0))
                    fail_msg("constant, n=%zu bw=%d: %zu RLE and %zu bit-packed runs", n, bw,
                             st.rle_runs, st.bitpacked_runs);
                /* Never much worse than plain bit-packing: a bit-packed header per 504 values,
                 * and per RLE run (which replaces 8+ values) at most 5 + 4 bytes. */
                size_t bound = (n + 7) / 8 * (size_t)bw + n / 504 + 2 + st.rle_runs * 9;
                if (len > bound)
                    fail_msg("%s n=%zu bw=%d: %zu bytes, bound %zu", pat_names[pat], n, bw, len,
                             bound);
                /* Runs of 8+ after 7 or fewer borrowed values: 16+ equal values always RLE. */
                if (pat == PAT_RUNS && n == 100000 && bw >= 2 && st.rle_values == 0)
                    fail_msg("runs n=%zu bw=%d: no RLE run at all", n, bw);
            }
        }
    }
    free(v);
}

static void test_rle_bits(void **state)
{
    (void)state;
    /* Eight 1s, then 0, 1: too short for an RLE run at width 1, so two bit-packed groups. */
    static const uint8_t bits[] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1};
    static const uint8_t want[] = {0x05, 0xff, 0x02};
    buzz_buf out;
    buf_with_prefix(&out);
    assert_int_equal(buzz__rle_encode_bits(&out, bits, BUZZ_ARRAY_LEN(bits), NULL), BUZZ_OK);
    check_prefix(&out, "bits");
    expect_bytes(&out, 3, want, sizeof want, "bits golden");
    buzz_buf_free(&out);

    rng r = {7};
    uint8_t *v = xmalloc(100000);
    uint32_t *wide = xmalloc(100000 * sizeof *wide);
    uint32_t *got = xmalloc(100000 * sizeof *got);
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (int pat = 0; pat < 4; pat++) {
            /* 0: noise, 1: mostly valid, 2: long runs, 3: all valid. */
            uint8_t cur = 1;
            for (size_t i = 0; i < n; i++) {
                switch (pat) {
                case 0:
                    v[i] = (uint8_t)(rng_next(&r) & 1);
                    break;
                case 1:
                    v[i] = rng_below(&r, 50) != 0;
                    break;
                case 2:
                    if (rng_below(&r, 30) == 0)
                        cur ^= 1;
                    v[i] = cur;
                    break;
                default:
                    v[i] = 1;
                    break;
                }
                wide[i] = v[i];
            }
            buzz_buf_init(&out, 0);
            assert_int_equal(buzz__rle_encode_bits(&out, v, n, NULL), BUZZ_OK);
            if (!pqd_rle_decode(out.data, out.len, 1, n, got, NULL))
                fail_msg("bits pattern %d n=%zu: the decoder rejects the output", pat, n);
            for (size_t i = 0; i < n; i++) {
                if (got[i] != v[i])
                    fail_msg("bits pattern %d n=%zu: value %zu differs", pat, n, i);
            }
            /* The byte and uint32_t entry points make the same stream. */
            buzz_buf same;
            buzz_buf_init(&same, 0);
            assert_int_equal(buzz__rle_encode_u32(&same, wide, n, 1, NULL), BUZZ_OK);
            if (same.len != out.len || (n && memcmp(same.data, out.data, out.len) != 0))
                fail_msg("bits pattern %d n=%zu: bits and u32 width 1 differ", pat, n);
            buzz_buf_free(&same);
            buzz_buf_free(&out);
        }
    }
    /* Any nonzero byte is a 1. */
    static const uint8_t loose[] = {0, 2, 255, 0, 1, 9, 0, 0, 7};
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__rle_encode_bits(&out, loose, BUZZ_ARRAY_LEN(loose), NULL), BUZZ_OK);
    assert_true(pqd_rle_decode(out.data, out.len, 1, BUZZ_ARRAY_LEN(loose), got, NULL));
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(loose); i++)
        assert_int_equal(got[i], loose[i] != 0);
    buzz_buf_free(&out);
    /* 32 different nonzero bytes are a run of 32 1s (the shortest RLE run at width 1). */
    static const uint8_t loose_run[] = {3, 1, 7, 255, 1, 1, 2, 9, 3, 1, 7, 255, 1, 1, 2, 9, 3,
                                        1, 7, 255, 1, 1, 2, 9, 3, 1, 7, 255, 1, 1, 2, 9, 0};
    static const uint8_t loose_want[] = {0x40, 0x01, 0x03, 0x00};
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__rle_encode_bits(&out, loose_run, BUZZ_ARRAY_LEN(loose_run), NULL),
                     BUZZ_OK);
    expect_bytes(&out, 0, loose_want, sizeof loose_want, "nonzero bytes run");
    buzz_buf_reset(&out);
    assert_int_equal(buzz__plain_booleans(&out, loose_run, BUZZ_ARRAY_LEN(loose_run), NULL),
                     BUZZ_OK);
    static const uint8_t loose_plain[] = {0xff, 0xff, 0xff, 0xff, 0x00};
    expect_bytes(&out, 0, loose_plain, sizeof loose_plain, "nonzero bytes are true");
    buzz_buf_free(&out);
    free(v);
    free(wide);
    free(got);
}

/* ---------------------------------------------------------------------------------------------
 * PLAIN. */

static void test_plain(void **state)
{
    (void)state;
    buzz_buf out;
    /* Booleans, LSB first, zero padding. */
    static const uint8_t b9[] = {1, 0, 1, 1, 0, 0, 0, 0, 1};
    static const uint8_t b9_want[] = {0x0d, 0x01};
    buf_with_prefix(&out);
    assert_int_equal(buzz__plain_booleans(&out, b9, 9, NULL), BUZZ_OK);
    check_prefix(&out, "booleans");
    expect_bytes(&out, 3, b9_want, sizeof b9_want, "booleans golden");
    buzz_buf_free(&out);
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__plain_booleans(&out, b9, 0, NULL), BUZZ_OK);
    assert_int_equal(out.len, 0);

    rng r = {99};
    uint8_t *v = xmalloc(100000 * 16);
    uint8_t *got = xmalloc(100000 * 16);
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (size_t i = 0; i < n; i++)
            v[i] = (uint8_t)(rng_next(&r) % 3 != 0);
        buzz_buf_reset(&out);
        assert_int_equal(buzz__plain_booleans(&out, v, n, NULL), BUZZ_OK);
        if (!pqd_plain_booleans(out.data, out.len, n, got) || (n && memcmp(got, v, n) != 0))
            fail_msg("booleans n=%zu differ", n);
        static const size_t widths[] = {4, 8, 12, 16, 1, 2};
        for (size_t w = 0; w < BUZZ_ARRAY_LEN(widths); w++) {
            size_t width = widths[w];
            for (size_t i = 0; i < n * width; i++)
                v[i] = (uint8_t)rng_next(&r);
            buzz_buf_reset(&out);
            assert_int_equal(buzz__plain_fixed(&out, v, n, width, NULL), BUZZ_OK);
            if (!pqd_plain_fixed(out.data, out.len, width, n, got) ||
                (n && memcmp(got, v, n * width) != 0))
                fail_msg("fixed width %zu n=%zu differ", width, n);
        }
    }
    buzz_buf_free(&out);

    /* Little-endian numbers. */
    static const int32_t i32[] = {1, -2, 0x12345678};
    static const uint8_t i32_want[] = {1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x78, 0x56, 0x34, 0x12};
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__plain_fixed(&out, i32, 3, 4, NULL), BUZZ_OK);
    expect_bytes(&out, 0, i32_want, sizeof i32_want, "int32 little-endian");
    buzz_buf_reset(&out);
    static const double d1[] = {1.0};
    static const uint8_t d1_want[] = {0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
    assert_int_equal(buzz__plain_fixed(&out, d1, 1, 8, NULL), BUZZ_OK);
    expect_bytes(&out, 0, d1_want, sizeof d1_want, "double 1.0");
    buzz_buf_free(&out);

    /* Byte arrays: empty strings, NUL bytes; offsets need not start at 0. */
    static const char chars[] = "xxab\0cdefg";
    static const uint32_t offs[] = {2, 4, 4, 6, 9};
    static const uint8_t ba_want[] = {2, 0, 0, 0,   'a', 'b', 0, 0, 0,   0,   2,  0,
                                      0, 0, 0, 'c', 3,   0,   0, 0, 'd', 'e', 'f'};
    buf_with_prefix(&out);
    assert_int_equal(buzz__plain_byte_array(&out, chars, offs, 4, NULL), BUZZ_OK);
    check_prefix(&out, "byte arrays");
    expect_bytes(&out, 3, ba_want, sizeof ba_want, "byte arrays golden");
    buzz_buf_free(&out);

    /* Offsets that go back (a caller bug) are refused before anything is written. */
    static const uint32_t back_offs[] = {0, 5, 2, 6};
    buzz_error err;
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__plain_byte_array(&out, chars, back_offs, 3, &err), BUZZ_ERR_INTERNAL);
    assert_int_equal(out.len, 0);
    buzz_buf_free(&out);

    /* Random strings round trip. */
    size_t n = 5000;
    char *text = xmalloc(n * 40);
    uint32_t *o = xmalloc((n + 1) * sizeof *o);
    uint32_t *o2 = xmalloc((n + 1) * sizeof *o2);
    o[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = rng_below(&r, 40);
        for (size_t k = 0; k < len; k++)
            text[o[i] + k] = (char)rng_next(&r);
        o[i + 1] = o[i] + (uint32_t)len;
    }
    buzz_buf_init(&out, 0);
    assert_int_equal(buzz__plain_byte_array(&out, text, o, n, NULL), BUZZ_OK);
    assert_int_equal(out.len, 4 * n + o[n]);
    char *back = xmalloc(n * 40);
    assert_true(pqd_plain_byte_array(out.data, out.len, n, back, n * 40, o2));
    assert_memory_equal(o, o2, (n + 1) * sizeof *o);
    assert_memory_equal(text, back, o[n]);
    buzz_buf_reset(&out);
    assert_int_equal(buzz__plain_byte_array(&out, text, o, 0, NULL), BUZZ_OK);
    assert_int_equal(out.len, 0);
    buzz_buf_free(&out);
    free(text);
    free(o);
    free(o2);
    free(back);
    free(v);
    free(got);
}

/* ---------------------------------------------------------------------------------------------
 * DELTA_BINARY_PACKED. */

static pqd_delta_info delta_round_trip(const int64_t *v, size_t n, const char *what)
{
    buzz_buf out;
    buf_with_prefix(&out);
    buzz_error err;
    if (buzz__delta_binary_packed(&out, v, n, &err) != BUZZ_OK)
        fail_msg("%s n=%zu: %s", what, n, err.message);
    check_prefix(&out, what);
    int64_t *got = xmalloc(n * sizeof *got);
    size_t got_n = 0;
    pqd_delta_info info;
    if (!pqd_delta_decode(out.data + 3, out.len - 3, got, n, &got_n, &info))
        fail_msg("%s n=%zu: the decoder rejects the output", what, n);
    if (got_n != n || info.block_size != 128 || info.miniblocks != 4)
        fail_msg("%s n=%zu: header says %zu values, block %zu, %zu miniblocks", what, n, got_n,
                 (size_t)info.block_size, (size_t)info.miniblocks);
    if (info.blocks != (n > 1 ? (n - 1 + 127) / 128 : 0))
        fail_msg("%s n=%zu: %zu blocks", what, n, info.blocks);
    for (size_t i = 0; i < n; i++) {
        if (got[i] != v[i])
            fail_msg("%s n=%zu: value %zu is %lld, want %lld", what, n, i, (long long)got[i],
                     (long long)v[i]);
    }
    free(got);
    buzz_buf_free(&out);
    return info;
}

static void test_delta_golden(void **state)
{
    (void)state;
    static const int64_t ex1[] = {1, 2, 3, 4, 5};
    static const int64_t ex2[] = {7, 5, 3, 1, 2, 3, 4, 5};
    static const int64_t one[] = {42};
    static const int64_t neg[] = {-1, -1};
    static const struct {
        const int64_t *v;
        size_t n;
        uint8_t want[24];
        size_t want_len;
        const char *what;
    } cases[] = {
        /* Encodings.md example 1 with this writer's block (128) and miniblocks (4): deltas all
         * 1, so min delta 1 (zigzag 2) and width 0 everywhere, no miniblock bodies. */
        {ex1, 5, {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0}, 10, "spec example 1"},
        /* Example 2: min delta -2 (zigzag 3), relative deltas 0,0,0,3,3,3,3 on 2 bits; the first
         * miniblock is padded to 32 values (8 bytes), the other three are unused. */
        {ex2,
         8,
         {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0, 0, 0},
         18,
         "spec example 2"},
        {one, 0, {0x80, 0x01, 0x04, 0x00, 0x00}, 5, "no values"},
        {one, 1, {0x80, 0x01, 0x04, 0x01, 0x54}, 5, "one value: header only"},
        {neg, 2, {0x80, 0x01, 0x04, 0x02, 0x01, 0x00, 0, 0, 0, 0}, 10, "delta 0"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_buf out;
        buf_with_prefix(&out);
        assert_int_equal(buzz__delta_binary_packed(&out, cases[i].v, cases[i].n, NULL), BUZZ_OK);
        char what[96];
        snprintf(what, sizeof what, "case %zu (%s)", i, cases[i].what);
        check_prefix(&out, what);
        expect_bytes(&out, 3, cases[i].want, cases[i].want_len, what);
        buzz_buf_free(&out);
        delta_round_trip(cases[i].v, cases[i].n, what);
    }
    /* Deltas INT64_MIN and INT64_MAX: relative deltas 0 and 2^64 - 1 need all 64 bits. */
    static const int64_t wide[] = {0, INT64_MIN, -1};
    pqd_delta_info info = delta_round_trip(wide, 3, "64-bit width");
    assert_int_equal(info.max_width, 64);
}

enum { DP_RANDOM, DP_SMALL, DP_ASCENDING, DP_CONST, DP_EXTREMES, DP_EDGES, DP_INT32, DP_WALK };
static const char *const delta_names[] = {
    "random 64-bit", "small",       "ascending",      "constant", "INT64_MIN/MAX alternating",
    "edge values",   "int32 range", "walk with jumps"};

static void fill_i64(rng *r, int64_t *v, size_t n, int pattern)
{
    static const int64_t edges[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1};
    int64_t acc = (int64_t)(rng_next(r) >> 20);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = rng_next(r);
        switch (pattern) {
        case DP_RANDOM:
            memcpy(&v[i], &x, sizeof x);
            break;
        case DP_SMALL:
            v[i] = (int64_t)(x % 2001) - 1000;
            break;
        case DP_ASCENDING:
            acc += (int64_t)(x % 1000000);
            v[i] = acc;
            break;
        case DP_CONST:
            v[i] = acc;
            break;
        case DP_EXTREMES:
            v[i] = i % 2 ? INT64_MAX : INT64_MIN;
            break;
        case DP_EDGES:
            v[i] = edges[x % BUZZ_ARRAY_LEN(edges)];
            break;
        case DP_INT32:
            v[i] = (int32_t)(uint32_t)x;
            break;
        default:
            if (x % 97 == 0)
                acc = (int64_t)(rng_next(r) >> 1);
            else
                acc += (int64_t)(x % 21) - 10;
            v[i] = acc;
            break;
        }
    }
}

static void test_delta_round_trip(void **state)
{
    (void)state;
    rng r = {2024};
    int64_t *v = xmalloc(100000 * sizeof *v);
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        for (int pat = 0; pat < (int)BUZZ_ARRAY_LEN(delta_names); pat++) {
            size_t n = sizes[s];
            fill_i64(&r, v, n, pat);
            pqd_delta_info info = delta_round_trip(v, n, delta_names[pat]);
            if (pat == DP_CONST && info.max_width != 0)
                fail_msg("constant n=%zu: width %u, want 0", n, info.max_width);
            if (pat == DP_SMALL && info.max_width > 12)
                fail_msg("small n=%zu: width %u, want at most 12", n, info.max_width);
            if (pat == DP_INT32 && info.max_width > 33)
                fail_msg("int32 n=%zu: width %u", n, info.max_width);
        }
    }
    /* Every block length and every position of the last value in a miniblock. */
    for (size_t n = 0; n < 300; n++) {
        fill_i64(&r, v, n, DP_WALK);
        delta_round_trip(v, n, "all small sizes");
    }
    free(v);
}

/* ---------------------------------------------------------------------------------------------
 * BYTE_STREAM_SPLIT. */

static void test_byte_stream_split(void **state)
{
    (void)state;
    static const uint8_t three[] = {0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x11,
                                    0x22, 0x33, 0xa3, 0xb4, 0xc5, 0xd6};
    static const uint8_t want[] = {0xaa, 0x00, 0xa3, 0xbb, 0x11, 0xb4,
                                   0xcc, 0x22, 0xc5, 0xdd, 0x33, 0xd6};
    buzz_buf out;
    buf_with_prefix(&out);
    assert_int_equal(buzz__byte_stream_split(&out, three, 3, 4, NULL), BUZZ_OK);
    check_prefix(&out, "byte stream split");
    expect_bytes(&out, 3, want, sizeof want, "Encodings.md example");
    buzz_buf_free(&out);

    rng r = {5};
    uint8_t *v = xmalloc(100000 * 16);
    uint8_t *got = xmalloc(100000 * 16);
    static const size_t widths[] = {4, 8, 16, 2, 12, 1, 3};
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (size_t w = 0; w < BUZZ_ARRAY_LEN(widths); w++) {
            size_t width = widths[w];
            for (size_t i = 0; i < n * width; i++)
                v[i] = (uint8_t)rng_next(&r);
            buzz_buf_init(&out, 0);
            assert_int_equal(buzz__byte_stream_split(&out, v, n, width, NULL), BUZZ_OK);
            if (!pqd_bss_decode(out.data, out.len, width, n, got) ||
                (n && memcmp(got, v, n * width) != 0))
                fail_msg("width %zu n=%zu differ", width, n);
            buzz_buf_free(&out);
        }
    }
    free(v);
    free(got);
}

/* ---------------------------------------------------------------------------------------------
 * Dictionary. */

/* Check a fixed-width dictionary against the n values it was fed (valid may be NULL): every index
 * names an equal value, indices appear in first-seen order, and no two entries are equal. */
static void check_dict_fixed(const buzz__dict *d, const uint8_t *values, const uint8_t *valid,
                             size_t n, size_t width, const uint32_t *indices, const char *what)
{
    size_t k = 0;
    uint32_t next = 0;
    size_t count = buzz__dict_count(d);
    for (size_t i = 0; i < n; i++) {
        if (valid && !valid[i])
            continue;
        uint32_t idx = indices[k++];
        if (idx > next || idx >= count)
            fail_msg("%s: value %zu has index %u, next new index is %u", what, i, idx, next);
        if (idx == next)
            next++;
        if (memcmp(buzz__dict_fixed_value(d, idx), values + i * width, width) != 0)
            fail_msg("%s: value %zu does not match entry %u", what, i, idx);
    }
    if (next != count)
        fail_msg("%s: %zu entries, %u referenced", what, count, next);
    assert_int_equal(buzz__dict_plain_bytes(d), count * width);
    /* No duplicates: sort copies of the entries. */
    uint8_t *e = xmalloc(count * width);
    for (uint32_t i = 0; i < count; i++)
        memcpy(e + i * width, buzz__dict_fixed_value(d, i), width);
    buzz_buf page;
    buzz_buf_init(&page, 0);
    assert_int_equal(buzz__dict_write_plain(d, &page, NULL), BUZZ_OK);
    uint8_t *plain = xmalloc(count * width);
    if (!pqd_plain_fixed(page.data, page.len, width, count, plain) ||
        (count && memcmp(plain, e, count * width) != 0))
        fail_msg("%s: the PLAIN dictionary page differs from the entries", what);
    buzz_buf_free(&page);
    free(plain);
    /* Pairwise via a simple hash set would repeat the code under test; sort instead. */
    for (size_t i = 1; i < count; i++) { /* insertion sort on small counts, qsort-free */
        if (count > 5000)
            break;
        for (size_t j = i; j > 0 && memcmp(e + (j - 1) * width, e + j * width, width) > 0; j--) {
            uint8_t tmp[16];
            memcpy(tmp, e + j * width, width);
            memcpy(e + j * width, e + (j - 1) * width, width);
            memcpy(e + (j - 1) * width, tmp, width);
        }
    }
    for (size_t i = 1; i < count && count <= 5000; i++) {
        if (memcmp(e + (i - 1) * width, e + i * width, width) == 0)
            fail_msg("%s: duplicate entries", what);
    }
    free(e);
}

static void test_dict_fixed(void **state)
{
    (void)state;
    rng r = {11};
    static const size_t widths[] = {4, 8, 16};
    size_t nmax = 100000;
    uint8_t *v = xmalloc(nmax * 16);
    uint8_t *valid = xmalloc(nmax);
    uint32_t *idx = xmalloc(nmax * sizeof *idx);
    for (size_t w = 0; w < BUZZ_ARRAY_LEN(widths); w++) {
        size_t width = widths[w];
        for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
            size_t n = sizes[s];
            for (int pat = 0; pat < 3; pat++) {
                /* 0: ~50 distinct (differing in any byte); 1: all distinct; 2: with NULLs. */
                size_t distinct = pat == 1 ? n + 1 : 50;
                uint8_t pool[50][16];
                for (size_t p = 0; p < 50; p++) {
                    memset(pool[p], 0xab, 16);
                    pool[p][p % width] = (uint8_t)p; /* neighbours differ in one byte only */
                }
                for (size_t i = 0; i < n; i++) {
                    if (pat == 1) {
                        for (size_t b = 0; b < width; b++)
                            v[i * width + b] = (uint8_t)rng_next(&r);
                        uint32_t u = (uint32_t)i; /* the last 4 bytes make it unique */
                        memcpy(v + i * width + width - 4, &u, 4);
                    } else {
                        memcpy(v + i * width, pool[rng_below(&r, distinct)], width);
                    }
                    valid[i] = pat != 2 || rng_below(&r, 4) != 0;
                }
                buzz__dict *d;
                assert_int_equal(buzz__dict_new(&d, width, 0, NULL), BUZZ_OK);
                /* Feed in chunks of varying size. */
                size_t done = 0, k = 0;
                while (done < n) {
                    size_t chunk = 1 + rng_below(&r, 3000);
                    if (chunk > n - done)
                        chunk = n - done;
                    size_t added = 0;
                    bool full = true;
                    assert_int_equal(buzz__dict_add_fixed(d, v + done * width,
                                                          pat == 2 ? valid + done : NULL, chunk,
                                                          idx + k, &added, &full, NULL),
                                     BUZZ_OK);
                    assert_false(full);
                    assert_int_equal(added, chunk);
                    for (size_t i = done; i < done + chunk; i++)
                        k += pat != 2 || valid[i];
                    done += chunk;
                }
                char what[80];
                snprintf(what, sizeof what, "width %zu n=%zu pattern %d", width, n, pat);
                check_dict_fixed(d, v, pat == 2 ? valid : NULL, n, width, idx, what);
                if (pat == 1 && buzz__dict_count(d) != n)
                    fail_msg("%s: %zu entries for %zu distinct values", what, buzz__dict_count(d),
                             n);
                /* Reset: empty, then the same input gives the same indices again. */
                buzz__dict_reset(d);
                assert_int_equal(buzz__dict_count(d), 0);
                assert_int_equal(buzz__dict_plain_bytes(d), 0);
                uint32_t *idx2 = xmalloc(nmax * sizeof *idx2);
                size_t added = 0;
                bool full = true;
                assert_int_equal(buzz__dict_add_fixed(d, v, pat == 2 ? valid : NULL, n, idx2,
                                                      &added, &full, NULL),
                                 BUZZ_OK);
                assert_int_equal(added, n);
                assert_false(full);
                if (k && memcmp(idx, idx2, k * sizeof *idx) != 0)
                    fail_msg("%s: indices differ after reset", what);
                free(idx2);
                buzz__dict_free(d);
            }
        }
    }
    free(v);
    free(valid);
    free(idx);
}

static void test_dict_full(void **state)
{
    (void)state;
    /* Room for 10 int32 values (40 PLAIN bytes). */
    int32_t v[16];
    for (int i = 0; i < 16; i++)
        v[i] = i < 12 ? i : 3; /* 0..11, then repeats of 3 */
    uint8_t valid[16];
    memset(valid, 1, sizeof valid);
    valid[2] = 0; /* value 2 skipped: the 11th distinct value is 11 at position 11 */
    buzz__dict *d;
    assert_int_equal(buzz__dict_new(&d, 4, 40, NULL), BUZZ_OK);
    uint32_t idx[16];
    size_t added = 0;
    bool full = false;
    assert_int_equal(buzz__dict_add_fixed(d, v, valid, 16, idx, &added, &full, NULL), BUZZ_OK);
    assert_true(full);
    assert_int_equal(added, 11);
    assert_int_equal(buzz__dict_count(d), 10);
    assert_int_equal(buzz__dict_plain_bytes(d), 40);
    static const uint32_t want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_memory_equal(idx, want, sizeof want);
    /* Known values still go in; a new one still does not. */
    static const int32_t again[] = {3, 0, 2};
    assert_int_equal(buzz__dict_add_fixed(d, again, NULL, 2, idx, &added, &full, NULL), BUZZ_OK);
    assert_false(full);
    assert_int_equal(added, 2);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 0);
    assert_int_equal(buzz__dict_add_fixed(d, again, NULL, 3, idx, &added, &full, NULL), BUZZ_OK);
    assert_true(full);
    assert_int_equal(added, 2);
    /* Reset makes room again. */
    buzz__dict_reset(d);
    assert_int_equal(buzz__dict_add_fixed(d, v, NULL, 10, idx, &added, &full, NULL), BUZZ_OK);
    assert_false(full);
    assert_int_equal(added, 10);
    buzz__dict_free(d);

    /* Strings: 4 + length each. "abc" and "" use 11 bytes; "x" would make 16. */
    static const char chars[] = "abcx";
    static const uint32_t offs[] = {0, 3, 3, 3, 4, 4};
    buzz__dict *s;
    assert_int_equal(buzz__dict_new(&s, 0, 11, NULL), BUZZ_OK);
    assert_int_equal(buzz__dict_add_strings(s, chars, offs, NULL, 5, idx, &added, &full, NULL),
                     BUZZ_OK);
    assert_true(full);
    assert_int_equal(added, 3); /* "abc", "", "" */
    assert_int_equal(idx[0], 0);
    assert_int_equal(idx[1], 1);
    assert_int_equal(idx[2], 1);
    assert_int_equal(buzz__dict_plain_bytes(s), 11);
    buzz__dict_free(s);

    /* Offsets that go back are refused. */
    static const uint32_t back_offs[] = {0, 3, 1, 4};
    assert_int_equal(buzz__dict_new(&s, 0, 0, NULL), BUZZ_OK);
    buzz_error err;
    assert_int_equal(buzz__dict_add_strings(s, chars, back_offs, NULL, 3, idx, &added, &full, &err),
                     BUZZ_ERR_INTERNAL);
    assert_int_equal(added, 1);
    buzz__dict_free(s);

    /* Bad widths; free accepts NULL. */
    assert_int_equal(buzz__dict_new(&d, 3, 0, &err), BUZZ_ERR_ARG);
    assert_null(d);
    assert_int_equal(buzz__dict_new(&d, 12, 0, &err), BUZZ_ERR_ARG);
    buzz__dict_free(NULL);
}

static void test_dict_strings(void **state)
{
    (void)state;
    rng r = {13};
    size_t nmax = 100000;
    char *chars = xmalloc(nmax * 24);
    uint32_t *offs = xmalloc((nmax + 1) * sizeof *offs);
    uint8_t *valid = xmalloc(nmax);
    uint32_t *idx = xmalloc(nmax * sizeof *idx);
    /* A pool with "", "\0", "\0\0", "a", "a\0", prefixes of one another and long strings. */
    char pool[64][24];
    size_t pool_len[64];
    for (size_t p = 0; p < 64; p++) {
        pool_len[p] = p < 8 ? p / 2 : rng_below(&r, 24);
        for (size_t k = 0; k < pool_len[p]; k++)
            pool[p][k] = p < 8 ? (char)(p % 2 ? 0 : 'a' + k) : (char)(rng_below(&r, 3) + 'a');
    }
    for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s];
        for (int pat = 0; pat < 3; pat++) {
            offs[0] = 0;
            for (size_t i = 0; i < n; i++) {
                size_t len;
                if (pat == 1) { /* all distinct: the position in decimal, NUL-padded */
                    len = (size_t)snprintf(chars + offs[i], 24, "%zu", i) + i % 3;
                    memset(chars + offs[i] + len - i % 3, 0, i % 3);
                } else {
                    size_t p = rng_below(&r, 64);
                    len = pool_len[p];
                    memcpy(chars + offs[i], pool[p], len);
                }
                offs[i + 1] = offs[i] + (uint32_t)len;
                valid[i] = pat != 2 || rng_below(&r, 3) != 0;
            }
            const uint8_t *vd = pat == 2 ? valid : NULL;
            buzz__dict *d;
            assert_int_equal(buzz__dict_new(&d, 0, 0, NULL), BUZZ_OK);
            size_t added = 0;
            bool full = true;
            size_t half = n / 2;
            assert_int_equal(
                buzz__dict_add_strings(d, chars, offs, vd, half, idx, &added, &full, NULL),
                BUZZ_OK);
            assert_int_equal(added, half);
            size_t k = 0;
            for (size_t i = 0; i < half; i++)
                k += !vd || vd[i];
            assert_int_equal(buzz__dict_add_strings(d, chars, offs + half, vd ? vd + half : NULL,
                                                    n - half, idx + k, &added, &full, NULL),
                             BUZZ_OK);
            assert_int_equal(added, n - half);
            assert_false(full);
            /* Check indices against the values, first-seen order and the page. */
            size_t count = buzz__dict_count(d);
            uint32_t next = 0;
            k = 0;
            for (size_t i = 0; i < n; i++) {
                if (vd && !vd[i])
                    continue;
                uint32_t ix = idx[k++];
                if (ix > next)
                    fail_msg("strings n=%zu pattern %d: index %u before %u", n, pat, ix, next);
                if (ix == next)
                    next++;
                buzz_str e = buzz__dict_string_value(d, ix);
                if (e.len != offs[i + 1] - offs[i] ||
                    (e.len && memcmp(e.ptr, chars + offs[i], e.len) != 0))
                    fail_msg("strings n=%zu pattern %d: value %zu does not match entry %u", n, pat,
                             i, ix);
            }
            assert_int_equal(next, count);
            if (pat == 1)
                assert_int_equal(count, n);
            size_t plain = 0;
            for (uint32_t i = 0; i < count; i++) {
                buzz_str e = buzz__dict_string_value(d, i);
                plain += 4 + e.len;
                for (uint32_t j = 0; j < i && count <= 200; j++) {
                    buzz_str f = buzz__dict_string_value(d, j);
                    if (f.len == e.len && (e.len == 0 || memcmp(f.ptr, e.ptr, e.len) == 0))
                        fail_msg("strings n=%zu pattern %d: entries %u and %u equal", n, pat, j, i);
                }
            }
            assert_int_equal(buzz__dict_plain_bytes(d), plain);
            buzz_buf page;
            buf_with_prefix(&page);
            assert_int_equal(buzz__dict_write_plain(d, &page, NULL), BUZZ_OK);
            check_prefix(&page, "string page");
            assert_int_equal(page.len - 3, plain);
            char *back = xmalloc(plain + 1);
            uint32_t *bo = xmalloc((count + 1) * sizeof *bo);
            assert_true(
                pqd_plain_byte_array(page.data + 3, page.len - 3, count, back, plain + 1, bo));
            for (uint32_t i = 0; i < count; i++) {
                buzz_str e = buzz__dict_string_value(d, i);
                assert_int_equal(e.len, bo[i + 1] - bo[i]);
                if (e.len)
                    assert_memory_equal(e.ptr, back + bo[i], e.len);
            }
            free(back);
            free(bo);
            buzz_buf_free(&page);
            buzz__dict_reset(d);
            assert_int_equal(buzz__dict_count(d), 0);
            assert_int_equal(buzz__dict_add_strings(d, chars, offs, NULL, n < 3 ? n : 3, idx,
                                                    &added, &full, NULL),
                             BUZZ_OK);
            if (n > 0)
                assert_int_equal(idx[0], 0);
            buzz__dict_free(d);
        }
    }
    free(chars);
    free(offs);
    free(valid);
    free(idx);
}

/* Strings that differ only in length, NUL bytes or order: exact indices. */
static void test_dict_tricky_strings(void **state)
{
    (void)state;
    static const char chars[] = {'a', 0, 'a', 0, 0, 0, 'a', 'a', 'a'};
    static const uint32_t offs[] = {0, 0, 1, 2, 3, 4, 4, 5, 7, 9, 9};
    /* values: "", "a", "\0", "a", "\0", "", "\0", "\0a", "aa", "" */
    buzz__dict *d;
    assert_int_equal(buzz__dict_new(&d, 0, 0, NULL), BUZZ_OK);
    uint32_t idx[10];
    size_t added;
    bool full;
    assert_int_equal(buzz__dict_add_strings(d, chars, offs, NULL, 10, idx, &added, &full, NULL),
                     BUZZ_OK);
    static const uint32_t want[] = {0, 1, 2, 1, 2, 0, 2, 3, 4, 0};
    assert_memory_equal(idx, want, sizeof want);
    assert_int_equal(buzz__dict_count(d), 5);
    assert_int_equal(buzz__dict_plain_bytes(d), 5 * 4 + 0 + 1 + 1 + 2 + 2);
    buzz__dict_free(d);
}

/* ---------------------------------------------------------------------------------------------
 * Codecs. */

static const int codecs[] = {BUZZ__PQ_CODEC_UNCOMPRESSED, BUZZ__PQ_CODEC_SNAPPY,
                             BUZZ__PQ_CODEC_GZIP, BUZZ__PQ_CODEC_ZSTD, BUZZ__PQ_CODEC_LZ4_RAW};

static void codec_round_trip(int codec, int level, const uint8_t *src, size_t n, const char *what,
                             size_t *out_len)
{
    buzz_buf out;
    buf_with_prefix(&out);
    buzz_error err;
    if (buzz__compress(codec, level, src, n, &out, &err) != BUZZ_OK)
        fail_msg("%s: codec %d level %d n=%zu: %s", what, codec, level, n, err.message);
    check_prefix(&out, what);
    const uint8_t *c = out.data + 3;
    size_t clen = out.len - 3;
    if (codec == BUZZ__PQ_CODEC_GZIP && (clen < 18 || c[0] != 0x1f || c[1] != 0x8b || c[2] != 8))
        fail_msg("%s: gzip output does not start with 1f 8b 08", what);
    if (codec == BUZZ__PQ_CODEC_ZSTD &&
        (clen < 4 || c[0] != 0x28 || c[1] != 0xb5 || c[2] != 0x2f || c[3] != 0xfd))
        fail_msg("%s: zstd output does not start with the frame magic", what);
    if (codec == BUZZ__PQ_CODEC_SNAPPY) { /* raw snappy: the uncompressed length first */
        pqd_reader r = {c, clen, 0};
        uint64_t len;
        if (!pqd_uvarint(&r, &len) || len != n)
            fail_msg("%s: snappy length header is not %zu", what, n);
    }
    if (codec == BUZZ__PQ_CODEC_LZ4_RAW) { /* a bare block, readable by the block decoder */
        uint8_t *direct = xmalloc(n);
        assert_int_equal(LZ4_decompress_safe((const char *)c, (char *)direct, (int)clen, (int)n),
                         (int)n);
        if (n)
            assert_memory_equal(direct, src, n);
        free(direct);
    }
    uint8_t *back = xmalloc(n);
    if (buzz__decompress(codec, c, clen, back, n, &err) != BUZZ_OK)
        fail_msg("%s: codec %d n=%zu does not decompress: %s", what, codec, n, err.message);
    if (n && memcmp(back, src, n) != 0)
        fail_msg("%s: codec %d n=%zu round trip differs", what, codec, n);
    /* The wrong expected size is an error, never an overflow. */
    if (n > 0) {
        assert_int_equal(buzz__decompress(codec, c, clen, back, n - 1, &err), BUZZ_ERR_PARSE);
        assert_int_equal(err.code, BUZZ_ERR_PARSE);
    }
    uint8_t *bigger = xmalloc(n + 1);
    assert_int_equal(buzz__decompress(codec, c, clen, bigger, n + 1, NULL), BUZZ_ERR_PARSE);
    /* A truncated stream is an error. */
    if (clen > 1 && codec != BUZZ__PQ_CODEC_UNCOMPRESSED)
        assert_int_equal(buzz__decompress(codec, c, clen - 1, back, n, NULL), BUZZ_ERR_PARSE);
    free(bigger);
    free(back);
    if (out_len)
        *out_len = clen;
    buzz_buf_free(&out);
}

static void test_codecs(void **state)
{
    (void)state;
    rng r = {77};
    size_t big = (size_t)1 << 20;
    uint8_t *noise = xmalloc(big);
    uint8_t *text = xmalloc(big);
    for (size_t i = 0; i < big; i++)
        noise[i] = (uint8_t)rng_next(&r);
    static const char *const words[] = {"alpha,", "beta,", "2024-03-01,", "17.5\n", "NULL,"};
    for (size_t i = 0; i < big;) {
        const char *w = words[rng_below(&r, BUZZ_ARRAY_LEN(words))];
        for (size_t k = 0; w[k] && i < big; k++)
            text[i++] = (uint8_t)w[k];
    }
    static const size_t csizes[] = {0, 1, 1000, (size_t)1 << 20};
    for (size_t c = 0; c < BUZZ_ARRAY_LEN(codecs); c++) {
        for (size_t s = 0; s < BUZZ_ARRAY_LEN(csizes); s++) {
            size_t n = csizes[s];
            codec_round_trip(codecs[c], 0, noise, n, "noise", NULL);
            size_t clen;
            codec_round_trip(codecs[c], 0, text, n, "text", &clen);
            if (n == big && codecs[c] != BUZZ__PQ_CODEC_UNCOMPRESSED && clen * 2 > n)
                fail_msg("codec %d: text compresses only to %zu of %zu bytes", codecs[c], clen, n);
        }
    }
    /* Levels. */
    static const int gzip_levels[] = {1, 6, 9};
    static const int zstd_levels[] = {1, 3, 9, 22};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(gzip_levels); i++)
        codec_round_trip(BUZZ__PQ_CODEC_GZIP, gzip_levels[i], text, 100000, "gzip level", NULL);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(zstd_levels); i++)
        codec_round_trip(BUZZ__PQ_CODEC_ZSTD, zstd_levels[i], text, 100000, "zstd level", NULL);
    /* The NULL pointer with 0 bytes is fine. */
    buzz_buf out;
    buzz_buf_init(&out, 0);
    for (size_t c = 0; c < BUZZ_ARRAY_LEN(codecs); c++) {
        buzz_buf_reset(&out);
        assert_int_equal(buzz__compress(codecs[c], 0, NULL, 0, &out, NULL), BUZZ_OK);
        assert_int_equal(buzz__decompress(codecs[c], out.data, out.len, NULL, 0, NULL), BUZZ_OK);
    }
    /* Unknown codecs and levels. */
    static const int unknown[] = {3, 4, 5, 8, -1, 99};
    buzz_error err;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(unknown); i++) {
        assert_int_equal(buzz__compress(unknown[i], 0, text, 10, &out, &err), BUZZ_ERR_ARG);
        assert_int_equal(err.code, BUZZ_ERR_ARG);
        assert_int_equal(buzz__decompress(unknown[i], text, 10, noise, 10, &err), BUZZ_ERR_ARG);
    }
    assert_int_equal(buzz__compress(BUZZ__PQ_CODEC_GZIP, 10, text, 10, &out, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz__compress(BUZZ__PQ_CODEC_GZIP, -1, text, 10, &out, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz__compress(BUZZ__PQ_CODEC_ZSTD, 23, text, 10, &out, NULL), BUZZ_ERR_ARG);
    /* Garbage never decompresses to the expected size silently. */
    for (size_t c = 1; c < BUZZ_ARRAY_LEN(codecs); c++) {
        buzz_status st = buzz__decompress(codecs[c], noise, 1000, text, 5000, &err);
        assert_int_equal(st, BUZZ_ERR_PARSE);
    }
    buzz_buf_free(&out);
    free(noise);
    free(text);
}

/* ---------------------------------------------------------------------------------------------
 * Out of memory and buffer limits. */

typedef buzz_status (*op_fn)(buzz_buf *out, buzz_error *err);

static uint32_t op_u32[20000];
static int64_t op_i64[20000];
static uint8_t op_bytes[20000];
static uint32_t op_offs[20001];

static void op_fill(void)
{
    rng r = {3};
    for (size_t i = 0; i < 20000; i++) {
        op_u32[i] = (uint32_t)(i % 3 ? rng_next(&r) & 0xfff : 5);
        op_i64[i] = (int64_t)rng_next(&r);
        op_bytes[i] = (uint8_t)("abcdefgh"[rng_below(&r, 8)]);
    }
    for (size_t i = 0; i <= 20000; i++)
        op_offs[i] = (uint32_t)(i / 4 * 4); /* strings of 0 or 4 bytes, mostly distinct */
}

static buzz_status op_rle(buzz_buf *out, buzz_error *err)
{
    return buzz__rle_encode_u32(out, op_u32, 20000, 12, err);
}

static buzz_status op_bits(buzz_buf *out, buzz_error *err)
{
    return buzz__rle_encode_bits(out, op_bytes, 20000, err);
}

static buzz_status op_delta(buzz_buf *out, buzz_error *err)
{
    return buzz__delta_binary_packed(out, op_i64, 20000, err);
}

static buzz_status op_bss(buzz_buf *out, buzz_error *err)
{
    return buzz__byte_stream_split(out, op_i64, 20000, 8, err);
}

static buzz_status op_plain(buzz_buf *out, buzz_error *err)
{
    buzz_status st = buzz__plain_fixed(out, op_i64, 20000, 8, err);
    if (st == BUZZ_OK)
        st = buzz__plain_booleans(out, op_bytes, 20000, err);
    if (st == BUZZ_OK)
        st = buzz__plain_byte_array(out, (const char *)op_bytes, op_offs, 4000, err);
    return st;
}

static buzz_status op_dict(buzz_buf *out, buzz_error *err, size_t width)
{
    buzz__dict *d = NULL;
    uint32_t *idx = malloc(20000 * sizeof *idx);
    assert_non_null(idx);
    size_t added;
    bool full;
    buzz_status st = buzz__dict_new(&d, width, 0, err);
    if (st == BUZZ_OK && width)
        st = buzz__dict_add_fixed(d, op_u32, NULL, 20000 / (width / 4), idx, &added, &full, err);
    if (st == BUZZ_OK && !width)
        st = buzz__dict_add_strings(d, (const char *)op_bytes, op_offs, NULL, 4000, idx, &added,
                                    &full, err);
    if (st == BUZZ_OK)
        st = buzz__dict_write_plain(d, out, err);
    buzz__dict_free(d);
    free(idx);
    return st;
}

static buzz_status op_dict4(buzz_buf *out, buzz_error *err)
{
    return op_dict(out, err, 4);
}

static buzz_status op_dict16(buzz_buf *out, buzz_error *err)
{
    return op_dict(out, err, 16);
}

static buzz_status op_dict_str(buzz_buf *out, buzz_error *err)
{
    return op_dict(out, err, 0);
}

static buzz_status op_codecs(buzz_buf *out, buzz_error *err)
{
    for (size_t c = 0; c < BUZZ_ARRAY_LEN(codecs); c++) {
        size_t at = out->len;
        BUZZ_TRY(buzz__compress(codecs[c], 0, op_bytes, sizeof op_bytes, out, err));
        uint8_t *back = malloc(sizeof op_bytes);
        assert_non_null(back);
        buzz_status st =
            buzz__decompress(codecs[c], out->data + at, out->len - at, back, sizeof op_bytes, err);
        if (st == BUZZ_OK)
            assert_memory_equal(back, op_bytes, sizeof op_bytes);
        free(back);
        BUZZ_TRY(st);
    }
    return BUZZ_OK;
}

static const struct {
    const char *name;
    op_fn fn;
} ops[] = {
    {"rle", op_rle},       {"bits", op_bits},
    {"delta", op_delta},   {"bss", op_bss},
    {"plain", op_plain},   {"dict4", op_dict4},
    {"dict16", op_dict16}, {"dict strings", op_dict_str},
    {"codecs", op_codecs},
};

static void test_oom(void **state)
{
    (void)state;
    op_fill();
    for (size_t o = 0; o < BUZZ_ARRAY_LEN(ops); o++) {
        buzz_buf want;
        buzz_buf_init(&want, 0);
        assert_int_equal(ops[o].fn(&want, NULL), BUZZ_OK);
        bool ok = false;
        for (int64_t k = 1; k < 1000 && !ok; k++) {
            size_t live = buzz_mem_live_bytes();
            buzz_buf out;
            buzz_buf_init(&out, 0);
            buzz_error err;
            buzz_mem_fail_after(k);
            buzz_status st = ops[o].fn(&out, &err);
            buzz_mem_fail_after(0);
            if (st == BUZZ_OK) {
                ok = true;
                if (out.len != want.len || memcmp(out.data, want.data, out.len) != 0)
                    fail_msg("%s: output after %lld failed allocations differs", ops[o].name,
                             (long long)k);
            } else if (st != BUZZ_ERR_NOMEM || err.code != BUZZ_ERR_NOMEM) {
                fail_msg("%s: allocation %lld failed with status %d, want NOMEM", ops[o].name,
                         (long long)k, (int)st);
            }
            buzz_buf_free(&out);
            if (buzz_mem_live_bytes() != live)
                fail_msg("%s: allocation %lld failed and %zu bytes leaked", ops[o].name,
                         (long long)k, buzz_mem_live_bytes() - live);
        }
        if (!ok)
            fail_msg("%s never succeeded", ops[o].name);
        /* A buffer maximum below the output: BUZZ_ERR_LIMIT, whatever was written stays within. */
        for (size_t max = 1; max < want.len; max = max * 3 + 1) {
            buzz_buf small;
            buzz_buf_init(&small, max);
            buzz_error err;
            buzz_status st = ops[o].fn(&small, &err);
            if (st != BUZZ_ERR_LIMIT || err.code != BUZZ_ERR_LIMIT || small.len > max)
                fail_msg("%s: max %zu gave status %d, want LIMIT", ops[o].name, max, (int)st);
            buzz_buf_free(&small);
        }
        buzz_buf_free(&want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bit_width),
        cmocka_unit_test(test_rle_golden),
        cmocka_unit_test(test_rle_round_trip),
        cmocka_unit_test(test_rle_bits),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_delta_golden),
        cmocka_unit_test(test_delta_round_trip),
        cmocka_unit_test(test_byte_stream_split),
        cmocka_unit_test(test_dict_fixed),
        cmocka_unit_test(test_dict_full),
        cmocka_unit_test(test_dict_strings),
        cmocka_unit_test(test_dict_tricky_strings),
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
