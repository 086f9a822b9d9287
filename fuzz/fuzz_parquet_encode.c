/* fuzz/fuzz_parquet_encode.c: libFuzzer target for the Parquet value encodings, the dictionary
 * builder and the page codecs (src/parquet/encode.c, dict.c, codec.c). Byte 0 of the input picks
 * the operation, byte 1 its parameter (bit width, value width, separator, codec); the rest becomes
 * values through a small token language that makes runs, noise and int64 extremes likely. Every
 * encoding is decoded by the strict decoders of tests/parquet_decode.h and must give the values
 * back; the dictionary must map every value to an equal entry in first-seen order and honour its
 * byte bound; every codec must round-trip, and decompressing the raw input (hostile data) must fail
 * cleanly or produce exactly the requested size. Any difference aborts. Seeds:
 * fuzz/seeds/fuzz_parquet_encode/. */
#include "../tests/parquet_decode.h"
#include "parquet/parquet_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES ((size_t)1 << 17)

static void mismatch(const char *what)
{
    fprintf(stderr, "fuzz_parquet_encode: %s\n", what);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void ok(buzz_status st, const char *what)
{
    if (st != BUZZ_OK)
        mismatch(what);
}

typedef struct src {
    const uint8_t *p;
    size_t len, pos;
} src;

static bool more(const src *s)
{
    return s->pos < s->len;
}

static uint8_t byte(src *s)
{
    return s->pos < s->len ? s->p[s->pos++] : 0;
}

static uint64_t word(src *s, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < bytes; b++)
        v |= (uint64_t)byte(s) << (8 * b);
    return v;
}

/* Tokens: t < 0x40 repeats the previous value t + 1 times, else a new value from 4 bytes. */
static size_t make_u32(src *s, int bw, uint32_t *v)
{
    uint32_t mask = bw >= 32 ? UINT32_MAX : (uint32_t)((1ull << bw) - 1);
    uint32_t prev = 0;
    size_t n = 0;
    while (more(s) && n < MAX_VALUES) {
        uint8_t t = byte(s);
        size_t count = 1;
        if (t < 0x40)
            count = (size_t)t + 1;
        else
            prev = (uint32_t)word(s, 4) & mask;
        for (size_t k = 0; k < count && n < MAX_VALUES; k++)
            v[n++] = prev;
    }
    return n;
}

/* Tokens by the low 2 bits: a new 8-byte value, previous + small delta, an extreme, a repeat. */
static size_t make_i64(src *s, int64_t *v)
{
    static const int64_t edges[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1};
    uint64_t prev = 0;
    size_t n = 0;
    while (more(s) && n < MAX_VALUES) {
        uint8_t t = byte(s);
        size_t count = 1;
        switch (t & 3) {
        case 0:
            prev = word(s, 8);
            break;
        case 1:
            prev += (uint64_t)(int64_t)(int8_t)byte(s);
            break;
        case 2:
            prev = (uint64_t)edges[(t >> 2) % BUZZ_ARRAY_LEN(edges)];
            break;
        default:
            count = (size_t)(t >> 2) + 1;
            break;
        }
        for (size_t k = 0; k < count && n < MAX_VALUES; k++)
            memcpy(&v[n++], &prev, sizeof prev);
    }
    return n;
}

static void check_rle(src *s, uint8_t param)
{
    int bw = param % 33;
    uint32_t *v = xmalloc(MAX_VALUES * sizeof *v);
    uint32_t *got = xmalloc(MAX_VALUES * sizeof *got);
    size_t n = make_u32(s, bw, v);
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__rle_encode_u32(&out, v, n, bw, NULL), "rle encode failed");
    pqd_rle_stats st;
    if (!pqd_rle_decode(out.data, out.len, bw, n, got, &st) ||
        (n && memcmp(got, v, n * sizeof *v) != 0))
        mismatch("rle round trip");
    if (bw == 0 && (st.bitpacked_runs != 0 || st.rle_runs != (n > 0)))
        mismatch("rle width 0 is not a single run");
    /* The byte entry point agrees with the uint32_t one at width 1. */
    if (bw == 1) {
        uint8_t *bits = xmalloc(n);
        for (size_t i = 0; i < n; i++)
            bits[i] = (uint8_t)v[i];
        buzz_buf b;
        buzz_buf_init(&b, 0);
        ok(buzz__rle_encode_bits(&b, bits, n, NULL), "rle bits encode failed");
        if (b.len != out.len || (n && memcmp(b.data, out.data, b.len) != 0))
            mismatch("rle bits differ from u32 width 1");
        buzz_buf_free(&b);
        free(bits);
    }
    buzz_buf_free(&out);
    free(v);
    free(got);
}

static void check_bits(src *s)
{
    uint8_t *v = xmalloc(MAX_VALUES);
    uint32_t *got = xmalloc(MAX_VALUES * sizeof *got);
    size_t n = 0;
    while (more(s) && n < MAX_VALUES) {
        uint8_t t = byte(s);
        for (size_t k = 0; k <= (size_t)(t >> 1) && n < MAX_VALUES; k++)
            v[n++] = (uint8_t)(t & 1);
    }
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__rle_encode_bits(&out, v, n, NULL), "bits encode failed");
    if (!pqd_rle_decode(out.data, out.len, 1, n, got, NULL))
        mismatch("bits rejected by the decoder");
    for (size_t i = 0; i < n; i++) {
        if (got[i] != v[i])
            mismatch("bits round trip");
    }
    buzz_buf_reset(&out);
    ok(buzz__plain_booleans(&out, v, n, NULL), "booleans encode failed");
    uint8_t *back = xmalloc(MAX_VALUES);
    if (!pqd_plain_booleans(out.data, out.len, n, back) || (n && memcmp(back, v, n) != 0))
        mismatch("plain booleans round trip");
    free(back);
    buzz_buf_free(&out);
    free(v);
    free(got);
}

static void check_delta(src *s)
{
    int64_t *v = xmalloc(MAX_VALUES * sizeof *v);
    int64_t *got = xmalloc(MAX_VALUES * sizeof *got);
    size_t n = make_i64(s, v);
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__delta_binary_packed(&out, v, n, NULL), "delta encode failed");
    size_t got_n = 0;
    if (!pqd_delta_decode(out.data, out.len, got, MAX_VALUES, &got_n, NULL) || got_n != n ||
        (n && memcmp(got, v, n * sizeof *v) != 0))
        mismatch("delta round trip");
    /* The same values through BYTE_STREAM_SPLIT and PLAIN. */
    buzz_buf_reset(&out);
    ok(buzz__byte_stream_split(&out, v, n, 8, NULL), "bss encode failed");
    if (!pqd_bss_decode(out.data, out.len, 8, n, (uint8_t *)got) ||
        (n && memcmp(got, v, n * sizeof *v) != 0))
        mismatch("bss int64 round trip");
    buzz_buf_reset(&out);
    ok(buzz__plain_fixed(&out, v, n, 8, NULL), "plain encode failed");
    if (!pqd_plain_fixed(out.data, out.len, 8, n, got) || (n && memcmp(got, v, n * sizeof *v) != 0))
        mismatch("plain int64 round trip");
    buzz_buf_free(&out);
    free(v);
    free(got);
}

static void check_fixed_bytes(src *s, uint8_t param)
{
    size_t width = 1 + param % 16;
    size_t n = (s->len - s->pos) / width;
    const uint8_t *v = s->p + s->pos;
    uint8_t *got = xmalloc(n * width);
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__byte_stream_split(&out, v, n, width, NULL), "bss encode failed");
    if (!pqd_bss_decode(out.data, out.len, width, n, got) || (n && memcmp(got, v, n * width)))
        mismatch("bss round trip");
    buzz_buf_reset(&out);
    ok(buzz__plain_fixed(&out, v, n, width, NULL), "plain fixed encode failed");
    if (!pqd_plain_fixed(out.data, out.len, width, n, got) || (n && memcmp(got, v, n * width)))
        mismatch("plain fixed round trip");
    buzz_buf_free(&out);
    free(got);
}

/* Split the rest at `sep` into strings (offsets has room for len + 2 entries). */
static size_t split(const src *s, uint8_t sep, uint32_t *offs)
{
    size_t n = 0;
    offs[0] = (uint32_t)s->pos;
    for (size_t i = s->pos; i < s->len; i++) {
        if (s->p[i] == sep)
            offs[++n] = (uint32_t)i; /* the separator starts the next string */
    }
    offs[++n] = (uint32_t)s->len;
    return n;
}

static void check_strings(src *s, uint8_t param)
{
    size_t cap = s->len + 2;
    uint32_t *offs = xmalloc(cap * sizeof *offs);
    size_t n = split(s, param, offs);
    const char *chars = (const char *)s->p;
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__plain_byte_array(&out, chars, offs, n, NULL), "plain byte array encode failed");
    char *back = xmalloc(s->len);
    uint32_t *bo = xmalloc(cap * sizeof *bo);
    if (!pqd_plain_byte_array(out.data, out.len, n, back, s->len, bo))
        mismatch("plain byte array rejected");
    for (size_t i = 0; i < n; i++) {
        size_t len = offs[i + 1] - offs[i];
        if (bo[i + 1] - bo[i] != len || (len && memcmp(back + bo[i], chars + offs[i], len)))
            mismatch("plain byte array round trip");
    }
    /* The dictionary, with a byte bound from the parameter and NULLs by string length. */
    size_t max_bytes = param & 1 ? (size_t)(param >> 1) * 3 : 0;
    uint8_t *valid = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        valid[i] = !(param & 2) || (offs[i + 1] - offs[i]) % 3 != 1;
    buzz__dict *d;
    ok(buzz__dict_new(&d, 0, max_bytes, NULL), "dict new failed");
    uint32_t *idx = xmalloc(cap * sizeof *idx);
    size_t added = 0;
    bool full = false;
    ok(buzz__dict_add_strings(d, chars, offs, valid, n, idx, &added, &full, NULL),
       "dict add failed");
    if (added > n || (added < n) != full ||
        buzz__dict_plain_bytes(d) > (max_bytes ? max_bytes : SIZE_MAX))
        mismatch("dict added/full");
    size_t k = 0, plain = 0;
    uint32_t next = 0;
    for (size_t i = 0; i < added; i++) {
        if (!valid[i])
            continue;
        uint32_t ix = idx[k++];
        if (ix > next || ix >= buzz__dict_count(d))
            mismatch("dict index order");
        if (ix == next) {
            next++;
            plain += 4 + (offs[i + 1] - offs[i]);
        }
        buzz_str e = buzz__dict_string_value(d, ix);
        if (e.len != offs[i + 1] - offs[i] || (e.len && memcmp(e.ptr, chars + offs[i], e.len)))
            mismatch("dict value");
    }
    if (next != buzz__dict_count(d) || plain != buzz__dict_plain_bytes(d))
        mismatch("dict count or plain bytes");
    if (full) { /* the value that stopped it is new and does not fit */
        size_t len = offs[added + 1] - offs[added];
        if (!valid[added] || plain + 4 + len <= max_bytes)
            mismatch("dict full too early");
    }
    buzz_buf_reset(&out);
    ok(buzz__dict_write_plain(d, &out, NULL), "dict page failed");
    if (out.len != plain)
        mismatch("dict page size");
    buzz__dict_free(d);
    free(idx);
    free(valid);
    free(back);
    free(bo);
    free(offs);
    buzz_buf_free(&out);
}

static void check_dict_fixed(src *s, uint8_t param)
{
    static const size_t widths[] = {4, 8, 16};
    size_t width = widths[param % 3];
    size_t pool_n = 1 + (param >> 2) % 32;
    uint8_t pool[32][16];
    for (size_t p = 0; p < pool_n; p++) { /* pool values differ in few bytes */
        for (size_t b = 0; b < width; b++)
            pool[p][b] = (uint8_t)(b == p % width ? p : byte(s));
    }
    size_t n = s->len - s->pos;
    uint8_t *v = xmalloc(n * width);
    uint8_t *valid = xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = s->p[s->pos + i];
        memcpy(v + i * width, pool[(b & 0x7f) % pool_n], width);
        valid[i] = !(param & 2) || !(b & 0x80);
    }
    size_t max_bytes = param & 0x80 ? width * (1 + (param >> 3) % 8) : 0;
    buzz__dict *d;
    ok(buzz__dict_new(&d, width, max_bytes, NULL), "dict new failed");
    uint32_t *idx = xmalloc(n * sizeof *idx);
    size_t added = 0;
    bool full = false;
    ok(buzz__dict_add_fixed(d, v, valid, n, idx, &added, &full, NULL), "dict add failed");
    if (added > n || (added < n) != full)
        mismatch("dict fixed added/full");
    size_t k = 0;
    uint32_t next = 0;
    for (size_t i = 0; i < added; i++) {
        if (!valid[i])
            continue;
        uint32_t ix = idx[k++];
        if (ix > next || ix >= buzz__dict_count(d))
            mismatch("dict fixed index order");
        next += ix == next;
        if (memcmp(buzz__dict_fixed_value(d, ix), v + i * width, width) != 0)
            mismatch("dict fixed value");
    }
    if (next != buzz__dict_count(d) || buzz__dict_plain_bytes(d) != next * width || next > pool_n ||
        (max_bytes && next * width > max_bytes))
        mismatch("dict fixed count");
    if (full && (!valid[added] || (next + 1) * width <= max_bytes))
        mismatch("dict fixed full too early");
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__dict_write_plain(d, &out, NULL), "dict page failed");
    if (out.len != next * width)
        mismatch("dict fixed page size");
    for (uint32_t i = 0; i < next; i++) {
        if (memcmp(out.data + i * width, buzz__dict_fixed_value(d, i), width) != 0)
            mismatch("dict fixed page");
    }
    buzz_buf_free(&out);
    buzz__dict_free(d);
    free(idx);
    free(valid);
    free(v);
}

static void check_codecs(src *s, uint8_t param)
{
    static const int codecs[] = {BUZZ__PQ_CODEC_UNCOMPRESSED, BUZZ__PQ_CODEC_SNAPPY,
                                 BUZZ__PQ_CODEC_GZIP, BUZZ__PQ_CODEC_ZSTD, BUZZ__PQ_CODEC_LZ4_RAW};
    int codec = codecs[param % BUZZ_ARRAY_LEN(codecs)];
    int level = (param >> 3) % 10; /* 0-9: valid for gzip and zstd */
    const uint8_t *data = s->p + s->pos;
    size_t n = s->len - s->pos;
    buzz_buf out;
    buzz_buf_init(&out, 0);
    ok(buzz__compress(codec, level, data, n, &out, NULL), "compress failed");
    uint8_t *back = xmalloc(n + 64);
    ok(buzz__decompress(codec, out.data, out.len, back, n, NULL), "decompress failed");
    if (n && memcmp(back, data, n) != 0)
        mismatch("codec round trip");
    if (buzz__decompress(codec, out.data, out.len, back, n + 1, NULL) != BUZZ_ERR_PARSE)
        mismatch("codec accepted a wrong size");
    buzz_buf_free(&out);
    /* The raw input as compressed data: an error or exactly the size asked for. */
    size_t want = n < 64 ? n : 64;
    buzz_status st = buzz__decompress(codec, data, n, back, want, NULL);
    if (st != BUZZ_OK && st != BUZZ_ERR_PARSE)
        mismatch("hostile input: unexpected status");
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size < 2)
        return 0;
    src s = {in, size, 2};
    switch (in[0] % 8) {
    case 0:
        check_rle(&s, in[1]);
        break;
    case 1:
        check_bits(&s);
        break;
    case 2:
        check_delta(&s);
        break;
    case 3:
        check_fixed_bytes(&s, in[1]);
        break;
    case 4:
        check_strings(&s, in[1]);
        break;
    case 5:
        check_dict_fixed(&s, in[1]);
        break;
    default:
        check_codecs(&s, in[1]);
        break;
    }
    return 0;
}
