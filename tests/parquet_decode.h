/* tests/parquet_decode.h: independent decoders of the Parquet value encodings, written from
 * apache/parquet-format Encodings.md and not from src/parquet/encode.c: the RLE/bit-packed hybrid,
 * DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT and PLAIN. They read bits one at a time, so they share no
 * packing code with the encoder. They are strict: on top of what a reader needs they reject what
 * the spec says a writer should not produce (non-zero padding, run lengths outside [1, 2^31 - 1],
 * unused miniblock widths that are not 0, trailing bytes), so a round trip also checks the
 * encoder's choices. Used by tests/test_parquet_encode.c and fuzz/fuzz_parquet_encode.c.
 * Header-only test code; every function returns false on malformed input. */
#ifndef BUZZ_TESTS_PARQUET_DECODE_H
#define BUZZ_TESTS_PARQUET_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct pqd_reader {
    const uint8_t *p;
    size_t len, pos; /* bytes / next byte */
} pqd_reader;

static inline bool pqd_uvarint(pqd_reader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->len)
            return false;
        uint8_t b = r->p[r->pos++];
        if (shift == 63 && b > 1)
            return false; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static inline bool pqd_zigzag(pqd_reader *r, int64_t *out)
{
    uint64_t u;
    if (!pqd_uvarint(r, &u))
        return false;
    uint64_t x = (u >> 1) ^ (0 - (u & 1));
    memcpy(out, &x, sizeof x); /* two's complement reinterpretation */
    return true;
}

/* Bit i of a LSB-first bit stream. */
static inline unsigned pqd_bit(const uint8_t *p, uint64_t i)
{
    return (p[i / 8] >> (i % 8)) & 1u;
}

/* Value k (bit_width bits, 0-64) of a LSB-first packed run starting at p. */
static inline uint64_t pqd_unpack(const uint8_t *p, uint64_t k, unsigned bit_width)
{
    uint64_t v = 0;
    for (unsigned j = 0; j < bit_width; j++)
        v |= (uint64_t)pqd_bit(p, k * bit_width + j) << j;
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * RLE/bit-packed hybrid (no length prefix), n values of bit_width bits (0-32). Values decoded
 * past n are allowed only as the padding of the last bit-packed run (fewer than 8, all zero). */
typedef struct pqd_rle_stats {
    size_t rle_runs, bitpacked_runs;
    size_t rle_values, bitpacked_values; /* bitpacked_values includes padding */
} pqd_rle_stats;

static inline bool pqd_rle_decode(const uint8_t *p, size_t len, int bit_width, size_t n,
                                  uint32_t *out, pqd_rle_stats *stats)
{
    pqd_reader r = {p, len, 0};
    pqd_rle_stats st = {0, 0, 0, 0};
    size_t got = 0;
    size_t value_bytes = ((size_t)bit_width + 7) / 8;
    uint64_t limit = bit_width == 32 ? UINT32_MAX : ((uint64_t)1 << bit_width) - 1;
    if (bit_width < 0 || bit_width > 32)
        return false;
    while (r.pos < r.len) {
        uint64_t h;
        if (!pqd_uvarint(&r, &h))
            return false;
        if (got >= n)
            return false; /* a run after all values */
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > (uint64_t)INT32_MAX / 8)
                return false;
            uint64_t count = groups * 8;
            uint64_t bytes = groups * (uint64_t)bit_width;
            if (bytes > r.len - r.pos)
                return false;
            const uint8_t *body = r.p + r.pos;
            uint64_t real = count < n - got ? count : n - got;
            if (count - real >= 8 || (count > real && r.pos + bytes != r.len))
                return false; /* padding: fewer than 8 values, in the last run only */
            for (uint64_t k = 0; k < count; k++) {
                uint32_t v = (uint32_t)pqd_unpack(body, k, (unsigned)bit_width);
                if (k < real)
                    out[got++] = v;
                else if (v != 0)
                    return false; /* padding values are zero */
            }
            r.pos += (size_t)bytes;
            st.bitpacked_runs++;
            st.bitpacked_values += (size_t)count;
        } else {
            uint64_t count = h >> 1;
            if (count == 0 || count > INT32_MAX || value_bytes > r.len - r.pos)
                return false;
            uint64_t v = 0;
            for (size_t b = 0; b < value_bytes; b++)
                v |= (uint64_t)r.p[r.pos + b] << (8 * b);
            r.pos += value_bytes;
            if (v > limit || count > n - got)
                return false;
            for (uint64_t k = 0; k < count; k++)
                out[got++] = (uint32_t)v;
            st.rle_runs++;
            st.rle_values += (size_t)count;
        }
    }
    if (got != n)
        return false;
    if (stats)
        *stats = st;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * DELTA_BINARY_PACKED. Up to cap values into out; *out_n = the header's count. */
typedef struct pqd_delta_info {
    uint64_t block_size, miniblocks;
    size_t blocks;
    unsigned max_width;
} pqd_delta_info;

static inline bool pqd_delta_decode(const uint8_t *p, size_t len, int64_t *out, size_t cap,
                                    size_t *out_n, pqd_delta_info *info)
{
    pqd_reader r = {p, len, 0};
    pqd_delta_info inf = {0, 0, 0, 0};
    uint64_t total;
    int64_t first;
    if (!pqd_uvarint(&r, &inf.block_size) || !pqd_uvarint(&r, &inf.miniblocks) ||
        !pqd_uvarint(&r, &total) || !pqd_zigzag(&r, &first))
        return false;
    if (inf.block_size == 0 || inf.block_size % 128 != 0 || inf.block_size > 1u << 20 ||
        inf.miniblocks == 0 || inf.block_size % inf.miniblocks != 0 ||
        (inf.block_size / inf.miniblocks) % 32 != 0 || total > cap)
        return false;
    uint64_t per_mini = inf.block_size / inf.miniblocks;
    size_t got = 0;
    if (total > 0)
        out[got++] = first;
    else if (first != 0)
        return false;
    uint64_t prev = (uint64_t)first;
    uint8_t widths[64];
    if (inf.miniblocks > sizeof widths)
        return false;
    while (got < total) {
        int64_t min_delta;
        if (!pqd_zigzag(&r, &min_delta))
            return false;
        if (inf.miniblocks > r.len - r.pos)
            return false;
        memcpy(widths, r.p + r.pos, (size_t)inf.miniblocks);
        r.pos += (size_t)inf.miniblocks;
        inf.blocks++;
        for (uint64_t m = 0; m < inf.miniblocks; m++) {
            if (got >= total) {
                if (widths[m] != 0)
                    return false; /* unused miniblocks: width 0, no body */
                continue;
            }
            unsigned w = widths[m];
            if (w > 64)
                return false;
            if (w > inf.max_width)
                inf.max_width = w;
            uint64_t bytes = per_mini * w / 8;
            if (bytes > r.len - r.pos)
                return false;
            const uint8_t *body = r.p + r.pos;
            for (uint64_t k = 0; k < per_mini; k++) {
                uint64_t v = pqd_unpack(body, k, w);
                if (got < total) {
                    prev += (uint64_t)min_delta + v; /* wrapping, as the spec says */
                    memcpy(&out[got++], &prev, sizeof prev);
                } else if (v != 0) {
                    return false; /* padding of the last miniblock should be zero */
                }
            }
            r.pos += (size_t)bytes;
        }
    }
    if (r.pos != r.len)
        return false;
    *out_n = (size_t)total;
    if (info)
        *info = inf;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * BYTE_STREAM_SPLIT: len must be n * width. */
static inline bool pqd_bss_decode(const uint8_t *p, size_t len, size_t width, size_t n,
                                  uint8_t *out)
{
    if (width == 0 || len / width != n || len % width != 0)
        return false;
    for (size_t k = 0; k < width; k++) {
        for (size_t i = 0; i < n; i++)
            out[i * width + k] = p[k * n + i];
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * PLAIN. */
static inline bool pqd_plain_booleans(const uint8_t *p, size_t len, size_t n, uint8_t *out)
{
    if (len != (n + 7) / 8)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (uint8_t)pqd_bit(p, i);
    for (size_t i = n; i < len * 8; i++) {
        if (pqd_bit(p, i))
            return false; /* padding bits zero */
    }
    return true;
}

/* n little-endian values of width bytes into host-order bytes (width 4 and 8: numbers). */
static inline bool pqd_plain_fixed(const uint8_t *p, size_t len, size_t width, size_t n, void *out)
{
    if (width == 0 || len != n * width)
        return false;
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) {
        if (width == 4) {
            uint32_t v = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                         (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
            memcpy(o + 4 * i, &v, 4);
        } else if (width == 8) {
            uint64_t v = 0;
            for (unsigned b = 0; b < 8; b++)
                v |= (uint64_t)p[8 * i + b] << (8 * b);
            memcpy(o + 8 * i, &v, 8);
        } else {
            memcpy(o + width * i, p + width * i, width);
        }
    }
    return true;
}

/* Byte arrays: up to n values; their bytes go into chars (cap bytes), offsets gets n + 1 entries.
 */
static inline bool pqd_plain_byte_array(const uint8_t *p, size_t len, size_t n, char *chars,
                                        size_t cap, uint32_t *offsets)
{
    size_t pos = 0, used = 0;
    offsets[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 4)
            return false;
        uint32_t l = (uint32_t)p[pos] | (uint32_t)p[pos + 1] << 8 | (uint32_t)p[pos + 2] << 16 |
                     (uint32_t)p[pos + 3] << 24;
        pos += 4;
        if (l > len - pos || l > cap - used)
            return false;
        memcpy(chars + used, p + pos, l);
        pos += l;
        used += l;
        offsets[i + 1] = (uint32_t)used;
    }
    return pos == len;
}

#endif /* BUZZ_TESTS_PARQUET_DECODE_H */
