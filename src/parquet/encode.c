/* parquet/encode.c: the value encodings of data pages (apache/parquet-format Encodings.md): the
 * RLE/bit-packed hybrid (definition levels, dictionary indices), PLAIN for every physical type,
 * DELTA_BINARY_PACKED for INT32/INT64 and BYTE_STREAM_SPLIT for fixed widths. Each function knows
 * its input size up front, reserves the output once per run or block and then writes with plain
 * stores, so nothing here allocates except buzz_buf growth. Fixed-width values of 2, 4 and 8 bytes
 * are numbers in host order (written little-endian); other widths are byte strings, written as they
 * are. writer.c and dict.c rely on these; tests/test_parquet_encode.c and fuzz_parquet_encode.c
 * decode every output with the independent decoders of tests/parquet_decode.h. */
#include "parquet/parquet_internal.h"

#include <string.h>

/* Values per bit-packed run at most: 63 groups of 8, so the run header is a single byte. */
#define MAX_LITERAL_GROUPS 63
/* Run lengths must be in [1, 2^31 - 1] (Encodings.md, RLE note 3). */
#define MAX_RUN_VALUES ((size_t)INT32_MAX)
/* DELTA_BINARY_PACKED layout. */
#define DELTA_BLOCK 128
#define DELTA_MINIBLOCKS 4
#define DELTA_MINI (DELTA_BLOCK / DELTA_MINIBLOCKS)

static inline bool host_is_little_endian(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return false;
#else
    return true;
#endif
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ULEB128; p holds 10 bytes. Kept here rather than shared with thrift.c so the encodings stand
 * alone. */
static inline size_t put_uvarint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* Two's complement reinterpretation without relying on implementation-defined conversions. */
static inline int64_t u64_as_i64(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static inline uint32_t low_mask32(int bit_width)
{
    return bit_width >= 32 ? UINT32_MAX : ((uint32_t)1 << bit_width) - 1;
}

int buzz__bit_width(uint32_t max)
{
    return max == 0 ? 0 : 32 - __builtin_clz(max);
}

/* ---------------------------------------------------------------------------------------------
 * RLE/bit-packed hybrid. One engine for both inputs: is_bits selects uint8_t 0/1 values (any
 * nonzero byte counts as 1) or uint32_t values; both callers pass a constant, so the compiler
 * specialises value_at. */

static inline uint32_t value_at(const void *values, bool is_bits, size_t i)
{
    if (is_bits)
        return ((const uint8_t *)values)[i] != 0;
    return ((const uint32_t *)values)[i];
}

static inline uint64_t load64(const uint8_t *p) /* little-endian */
{
    uint64_t v;
    memcpy(&v, p, 8);
    return host_is_little_endian() ? v : __builtin_bswap64(v);
}

/* Nonzero when some byte of w is zero (the classic bit trick, exact in this form). */
static inline uint64_t has_zero_byte(uint64_t w)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    return ~(((w & lo7) + lo7) | w | lo7);
}

/* 8 bytes, each counting as 0 or nonzero, to 8 bits LSB first (byte k -> bit k). */
static inline uint8_t gather_bits(const uint8_t *p)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t w = load64(p);
    uint64_t ones = ((((w & lo7) + lo7) | w) >> 7) & 0x0101010101010101ull; /* 0/1 bytes */
    /* Each byte k lands on bit 56 + k and no partial products overlap, so nothing carries. */
    return (uint8_t)((ones * 0x0102040810204080ull) >> 56);
}

/* Bit-pack count values starting at `start` into groups * bit_width bytes at p, LSB first; the
 * padding values past count are zeros. */
static inline void pack_literals(uint8_t *p, const void *values, bool is_bits, size_t start,
                                 size_t count, size_t groups, int bit_width)
{
    uint8_t *end = p + groups * (size_t)bit_width;
    if (is_bits) { /* width 1: a group of 8 is one byte */
        const uint8_t *v = (const uint8_t *)values + start;
        size_t k = 0;
        for (; k + 8 <= count; k += 8)
            *p++ = gather_bits(v + k);
        if (k < count) {
            unsigned b = 0;
            for (unsigned j = 0; k + j < count; j++)
                b |= (unsigned)(v[k + j] != 0) << j;
            *p++ = (uint8_t)b;
        }
        BUZZ_ASSERT(p == end);
        return;
    }
    uint32_t mask = low_mask32(bit_width);
    uint64_t acc = 0;
    unsigned nbits = 0; /* pending bits in acc, < 32 between values */
    for (size_t k = 0; k < count; k++) {
        uint32_t x = value_at(values, false, start + k);
        BUZZ_ASSERT((x & ~mask) == 0);
        acc |= (uint64_t)(x & mask) << nbits;
        nbits += (unsigned)bit_width;
        if (nbits >= 32) {
            put_le32(p, (uint32_t)acc);
            p += 4;
            acc >>= 32;
            nbits -= 32;
        }
    }
    while (nbits > 0) {
        *p++ = (uint8_t)acc;
        acc >>= 8;
        nbits = nbits > 8 ? nbits - 8 : 0;
    }
    memset(p, 0, (size_t)(end - p));
}

/* Bit-packed runs for values [start, start + count). count is a multiple of 8 unless these are the
 * last values of the stream (the final group is then padded). */
static buzz_status put_literals(buzz_buf *out, const void *values, bool is_bits, size_t start,
                                size_t count, int bit_width, buzz_error *err)
{
    while (count > 0) {
        size_t chunk = count < MAX_LITERAL_GROUPS * 8 ? count : MAX_LITERAL_GROUPS * 8;
        size_t groups = (chunk + 7) / 8;
        BUZZ_TRY(buzz_buf_reserve(out, 1 + groups * (size_t)bit_width, err));
        uint8_t *p = out->data + out->len;
        *p++ = (uint8_t)(groups << 1 | 1); /* groups <= 63: a one-byte varint */
        pack_literals(p, values, is_bits, start, chunk, groups, bit_width);
        out->len += 1 + groups * (size_t)bit_width;
        start += chunk;
        count -= chunk;
    }
    return BUZZ_OK;
}

/* RLE runs of count copies of v, each at most MAX_RUN_VALUES long. */
static buzz_status put_repeat(buzz_buf *out, uint32_t v, size_t count, int bit_width,
                              buzz_error *err)
{
    size_t value_bytes = ((size_t)bit_width + 7) / 8;
    BUZZ_ASSERT((v & ~low_mask32(bit_width)) == 0);
    v &= low_mask32(bit_width);
    while (count > 0) {
        size_t run = count < MAX_RUN_VALUES ? count : MAX_RUN_VALUES;
        BUZZ_TRY(buzz_buf_reserve(out, 10 + value_bytes, err));
        uint8_t *p = out->data + out->len;
        size_t len = put_uvarint(p, (uint64_t)run << 1);
        for (size_t b = 0; b < value_bytes; b++)
            p[len++] = (uint8_t)(v >> (8 * b));
        out->len += len;
        count -= run;
    }
    return BUZZ_OK;
}

/* Whether the 8 values at g are equal (bytes: all zero or all nonzero). */
static inline bool group_is_uniform(const void *values, bool is_bits, size_t g)
{
    if (is_bits) {
        uint64_t w = load64((const uint8_t *)values + g);
        return w == 0 || has_zero_byte(w) == 0;
    }
    const uint32_t *v = (const uint32_t *)values + g;
    uint32_t diff = 0;
    for (size_t k = 1; k < 8; k++)
        diff |= v[k] ^ v[0];
    return diff == 0;
}

/* The first index from j on whose value is not v. */
static inline size_t run_end(const void *values, bool is_bits, size_t j, size_t n, uint32_t v)
{
    if (is_bits) {
        const uint8_t *b = values;
        while (j + 8 <= n) {
            uint64_t w = load64(b + j);
            if (v ? has_zero_byte(w) != 0 : w != 0)
                break;
            j += 8;
        }
    }
    while (j < n && value_at(values, is_bits, j) == v)
        j++;
    return j;
}

/* The run choice. Bit-packed groups may only be padded at the very end of the stream, so groups
 * stay aligned to the first value after the last RLE run; an RLE run starts where a whole aligned
 * group is equal values and takes the run from there to its end (the run's earlier values, at
 * most 7, finish the preceding bit-packed group). So a run of 8 or more equal values becomes RLE
 * whenever 8 or more remain after that alignment, and runs of 15 or more always do. Scanning
 * whole groups keeps noise cheap: one 8-value test per group. */
static inline buzz_status rle_hybrid(buzz_buf *out, const void *values, bool is_bits, size_t n,
                                     int bit_width, buzz_error *err)
{
    if (bit_width == 0)
        return put_repeat(out, 0, n, 0, err);
    /* An RLE run costs its header and value bytes plus a new bit-packed header after it; below
     * this length packing the values is smaller (at bit width 1: 32 values, not 8). */
    size_t value_bytes = ((size_t)bit_width + 7) / 8;
    size_t min_run = (8 * (3 + value_bytes) + (size_t)bit_width - 1) / (size_t)bit_width;
    if (min_run < 8)
        min_run = 8;
    size_t lit = 0; /* first value not yet written */
    size_t g = 0;   /* next group to test, aligned to lit */
    while (g + 8 <= n) {
        if (!group_is_uniform(values, is_bits, g)) {
            g += 8;
            continue;
        }
        uint32_t v = value_at(values, is_bits, g);
        size_t j = run_end(values, is_bits, g + 8, n, v);
        if (j - g < min_run && j < n) {
            g += 8; /* too short to pay for itself (a run reaching the end always pays) */
            continue;
        }
        BUZZ_TRY(put_literals(out, values, is_bits, lit, g - lit, bit_width, err));
        BUZZ_TRY(put_repeat(out, v, j - g, bit_width, err));
        lit = g = j;
    }
    return put_literals(out, values, is_bits, lit, n - lit, bit_width, err);
}

buzz_status buzz__rle_encode_u32(buzz_buf *out, const uint32_t *values, size_t n, int bit_width,
                                 buzz_error *err)
{
    if (bit_width < 0 || bit_width > 32)
        return buzz_error_set(err, BUZZ_ERR_ARG, "RLE bit width must be 0-32, got %d", bit_width);
    return rle_hybrid(out, values, false, n, bit_width, err);
}

buzz_status buzz__rle_encode_bits(buzz_buf *out, const uint8_t *values, size_t n, buzz_error *err)
{
    return rle_hybrid(out, values, true, n, 1, err);
}

/* ---------------------------------------------------------------------------------------------
 * PLAIN. */

buzz_status buzz__plain_booleans(buzz_buf *out, const uint8_t *values, size_t n, buzz_error *err)
{
    size_t bytes = n / 8 + (n % 8 != 0);
    if (bytes == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_reserve(out, bytes, err));
    uint8_t *p = out->data + out->len;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        *p++ = gather_bits(values + i);
    if (i < n) {
        unsigned b = 0;
        for (unsigned k = 0; i + k < n; k++)
            b |= (unsigned)(values[i + k] != 0) << k;
        *p = (uint8_t)b;
    }
    out->len += bytes;
    return BUZZ_OK;
}

static buzz_status total_bytes(size_t n, size_t width, size_t *out_bytes, buzz_error *err)
{
    if (__builtin_mul_overflow(n, width, out_bytes))
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "%zu values of %zu bytes overflow a size", n,
                              width);
    return BUZZ_OK;
}

buzz_status buzz__plain_fixed(buzz_buf *out, const void *values, size_t n, size_t width,
                              buzz_error *err)
{
    size_t bytes;
    BUZZ_TRY(total_bytes(n, width, &bytes, err));
    if (bytes == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_reserve(out, bytes, err));
    uint8_t *p = out->data + out->len;
    if (host_is_little_endian() || (width != 2 && width != 4 && width != 8)) {
        memcpy(p, values, bytes);
    } else {
        const uint8_t *s = values;
        for (size_t i = 0; i < bytes; i += width) {
            for (size_t k = 0; k < width; k++)
                p[i + k] = s[i + width - 1 - k];
        }
    }
    out->len += bytes;
    return BUZZ_OK;
}

buzz_status buzz__plain_byte_array(buzz_buf *out, const char *chars, const uint32_t *offsets,
                                   size_t n, buzz_error *err)
{
    if (n == 0)
        return BUZZ_OK;
    if (BUZZ_NEVER(offsets[n] < offsets[0]))
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "string offsets decrease");
    size_t bytes;
    BUZZ_TRY(total_bytes(n, 4, &bytes, err));
    if (__builtin_add_overflow(bytes, (size_t)(offsets[n] - offsets[0]), &bytes))
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "%zu strings overflow a size", n);
    BUZZ_TRY(buzz_buf_reserve(out, bytes, err));
    uint8_t *p = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        if (BUZZ_UNLIKELY(offsets[i + 1] < offsets[i])) /* would write past the reservation */
            return buzz_error_set(err, BUZZ_ERR_INTERNAL, "string offsets decrease at %zu", i);
        uint32_t len = offsets[i + 1] - offsets[i];
        put_le32(p, len);
        if (len)
            memcpy(p + 4, chars + offsets[i], len);
        p += 4 + (size_t)len;
    }
    out->len += bytes;
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * DELTA_BINARY_PACKED. */

/* Bit-pack DELTA_MINI values of bit_width bits (1-64) LSB first: 4 * bit_width bytes. */
static void pack_miniblock(uint8_t *p, const uint64_t *v, int bit_width)
{
    uint64_t acc = 0;
    unsigned nbits = 0; /* pending bits in acc, < 64 */
    unsigned w = (unsigned)bit_width;
    for (size_t k = 0; k < DELTA_MINI; k++) {
        uint64_t x = v[k];
        acc |= x << nbits;
        if (nbits + w >= 64) {
            put_le64(p, acc);
            p += 8;
            unsigned used = 64 - nbits; /* bits of x now written, 1..64 */
            acc = used < 64 ? x >> used : 0;
            nbits = nbits + w - 64;
        } else {
            nbits += w;
        }
    }
    /* 32 values of w bits are 4w bytes: what is left is a whole number of bytes. */
    for (; nbits > 0; nbits -= 8) {
        *p++ = (uint8_t)acc;
        acc >>= 8;
    }
}

/* One block of m (1..DELTA_BLOCK) values following prev: min delta, 4 widths, the miniblocks that
 * hold values (unused miniblocks of the last block get width 0 and no body, as the spec says).
 * Deltas wrap in uint64_t, so INT64_MIN after INT64_MAX is fine and the reader's wrapping sum
 * restores the values. */
static buzz_status delta_block(buzz_buf *out, const int64_t *values, size_t m, uint64_t prev,
                               buzz_error *err)
{
    uint64_t d[DELTA_BLOCK];
    int64_t min = INT64_MAX;
    for (size_t k = 0; k < m; k++) {
        uint64_t cur = (uint64_t)values[k];
        d[k] = cur - prev;
        prev = cur;
        int64_t s = u64_as_i64(d[k]);
        if (s < min)
            min = s;
    }
    uint64_t umin = (uint64_t)min;
    for (size_t k = 0; k < m; k++)
        d[k] -= umin;
    for (size_t k = m; k < DELTA_BLOCK; k++)
        d[k] = 0;
    uint8_t widths[DELTA_MINIBLOCKS];
    size_t body = 0;
    for (size_t b = 0; b < DELTA_MINIBLOCKS; b++) {
        uint64_t any = 0;
        for (size_t k = b * DELTA_MINI; k < (b + 1) * DELTA_MINI; k++)
            any |= d[k];
        widths[b] = (uint8_t)(any ? 64 - __builtin_clzll(any) : 0);
        if (b * DELTA_MINI < m)
            body += (size_t)widths[b] * (DELTA_MINI / 8);
    }
    BUZZ_TRY(buzz_buf_reserve(out, 10 + DELTA_MINIBLOCKS + body, err));
    uint8_t *p = out->data + out->len;
    p += put_uvarint(p, buzz__zigzag64(min));
    memcpy(p, widths, DELTA_MINIBLOCKS);
    p += DELTA_MINIBLOCKS;
    for (size_t b = 0; b < DELTA_MINIBLOCKS && b * DELTA_MINI < m; b++) {
        if (widths[b] == 0)
            continue;
        pack_miniblock(p, d + b * DELTA_MINI, widths[b]);
        p += (size_t)widths[b] * (DELTA_MINI / 8);
    }
    out->len = (size_t)(p - out->data);
    return BUZZ_OK;
}

/* Deltas are 64-bit. For an INT32 column (values passed widened) that is the same stream as a
 * 32-bit encoder's as long as neighbouring values differ by less than 2^31; a larger jump gives a
 * min delta or a miniblock width beyond 32 bits, which the spec forbids for INT32 and readers such
 * as Arrow reject. Callers must not use this encoding for such INT32 data (a 32-bit variant would
 * wrap each delta to int32 before taking the minimum). */
buzz_status buzz__delta_binary_packed(buzz_buf *out, const int64_t *values, size_t n,
                                      buzz_error *err)
{
    BUZZ_TRY(buzz_buf_reserve(out, 40, err));
    uint8_t *p = out->data + out->len;
    p += put_uvarint(p, DELTA_BLOCK);
    p += put_uvarint(p, DELTA_MINIBLOCKS);
    p += put_uvarint(p, (uint64_t)n);
    p += put_uvarint(p, buzz__zigzag64(n > 0 ? values[0] : 0));
    out->len = (size_t)(p - out->data);
    for (size_t i = 1; i < n; i += DELTA_BLOCK) {
        size_t m = n - i < DELTA_BLOCK ? n - i : DELTA_BLOCK;
        BUZZ_TRY(delta_block(out, values + i, m, (uint64_t)values[i - 1], err));
    }
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * BYTE_STREAM_SPLIT. The constant-width calls below let the compiler unroll the inner loop. */

static inline void split_streams(uint8_t *dst, const uint8_t *src, size_t n, size_t width,
                                 bool swap)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = src + i * width;
        for (size_t k = 0; k < width; k++)
            dst[k * n + i] = v[swap ? width - 1 - k : k];
    }
}

buzz_status buzz__byte_stream_split(buzz_buf *out, const void *values, size_t n, size_t width,
                                    buzz_error *err)
{
    size_t bytes;
    BUZZ_TRY(total_bytes(n, width, &bytes, err));
    if (bytes == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_reserve(out, bytes, err));
    uint8_t *dst = out->data + out->len;
    bool swap = !host_is_little_endian() && (width == 2 || width == 4 || width == 8);
    if (width == 4 && !swap)
        split_streams(dst, values, n, 4, false);
    else if (width == 8 && !swap)
        split_streams(dst, values, n, 8, false);
    else
        split_streams(dst, values, n, width, swap);
    out->len += bytes;
    return BUZZ_OK;
}
