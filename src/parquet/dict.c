/* parquet/dict.c: the dictionary builder behind RLE_DICTIONARY pages. Distinct values are kept in
 * first-seen order in one growable array (fixed width: width bytes each; strings: their bytes back
 * to back plus an offsets array), and found again through an open-addressing hash table with
 * linear probing. A slot is one uint64_t: the high 32 bits of the value's hash (a tag that rejects
 * most mismatches without touching the values) and index + 1 (0 = empty). The table holds at
 * least twice as many slots as values and doubles when that would break, rehashing from the
 * values, so no hash is stored per value. Nothing is allocated per value: the arrays double too.
 * The PLAIN size of the dictionary page is tracked as values arrive, and a value that would take
 * it past max_bytes (or the index past INT32_MAX) makes the add stop with *out_full, which is how
 * writer.c decides to fall back to PLAIN. Tests: tests/test_parquet_encode.c. */
#include "parquet/parquet_internal.h"

#include <string.h>

#define FIRST_SLOTS 256                 /* table size at the first insertion */
#define MAX_ENTRIES ((size_t)INT32_MAX) /* Parquet readers hold dictionary indices in int32 */

struct buzz__dict {
    size_t width;              /* bytes per value: 4, 8 or 16; 0 = byte strings */
    size_t max_bytes;          /* bound on plain_bytes; SIZE_MAX for no bound */
    size_t count;              /* distinct values */
    size_t plain_bytes;        /* PLAIN size of the values: width each, or 4 + length each */
    uint64_t *slots;           /* slot_count slots: (hash >> 32) << 32 | (index + 1), 0 = empty */
    size_t slot_count;         /* a power of two, >= 2 * count; 0 before the first insertion */
    uint8_t *data;             /* fixed: count * width bytes; strings: their bytes back to back */
    size_t data_len, data_cap; /* bytes */
    size_t *offs;              /* strings: count + 1 offsets into data (offs[0] = 0) */
    size_t offs_cap;           /* entries */
};

static inline uint64_t mix64(uint64_t x) /* a 64-bit finaliser (multiply-xorshift) */
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t hash_fixed(const uint8_t *p, size_t width)
{
    if (width == 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        return mix64(v ^ 0x9e3779b97f4a7c15ull);
    }
    if (width == 8)
        return mix64(load64(p) ^ 0x9e3779b97f4a7c15ull);
    return mix64(load64(p) ^ mix64(load64(p + 8) + 0x9e3779b97f4a7c15ull));
}

/* Words of 8 bytes, then the tail without reading past the string (strings here have no padding
 * guarantee). The length goes in first, so "" and "\0" differ. */
static uint64_t hash_bytes(const uint8_t *p, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)len * 0xc2b2ae3d27d4eb4full);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        h ^= load64(p + i) * 0x87c37b91114253d5ull;
        h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937full;
    }
    if (i < len) {
        uint64_t w = 0;
        for (size_t k = 0; i + k < len; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        h ^= w * 0x87c37b91114253d5ull;
        h = ((h << 31) | (h >> 33)) * 0x4cf5ad432745937full;
    }
    return mix64(h);
}

static inline uint64_t make_slot(uint64_t hash, size_t index)
{
    return (hash & 0xffffffff00000000ull) | (uint64_t)(index + 1);
}

static inline uint64_t entry_hash(const buzz__dict *d, size_t i)
{
    if (d->width)
        return hash_fixed(d->data + i * d->width, d->width);
    return hash_bytes(d->data + d->offs[i], d->offs[i + 1] - d->offs[i]);
}

/* Double the table (or create it) and reinsert every value. */
static buzz_status grow_slots(buzz__dict *d, buzz_error *err)
{
    size_t count = d->slot_count ? d->slot_count * 2 : FIRST_SLOTS;
    if (count > SIZE_MAX / sizeof(uint64_t))
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "a dictionary of %zu values is too large",
                              d->count);
    uint64_t *slots = buzz_calloc(count, sizeof *slots);
    if (!slots)
        return buzz_error_set(err, BUZZ_ERR_NOMEM,
                              "out of memory growing a dictionary to %zu slots", count);
    size_t mask = count - 1;
    for (size_t i = 0; i < d->count; i++) {
        uint64_t h = entry_hash(d, i);
        size_t pos = (size_t)h & mask;
        while (slots[pos] != 0)
            pos = (pos + 1) & mask;
        slots[pos] = make_slot(h, i);
    }
    buzz_free(d->slots);
    d->slots = slots;
    d->slot_count = count;
    return BUZZ_OK;
}

/* Room for `extra` more bytes of values (doubling). */
static buzz_status reserve_data(buzz__dict *d, size_t extra, buzz_error *err)
{
    size_t need;
    if (__builtin_add_overflow(d->data_len, extra, &need))
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "dictionary values overflow a size");
    if (need <= d->data_cap && d->data)
        return BUZZ_OK; /* data is never NULL after the first value, even an empty string */
    size_t cap = d->data_cap ? d->data_cap : 4096;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    uint8_t *p = buzz_realloc(d->data, cap);
    if (!p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM,
                              "out of memory growing a dictionary to %zu bytes", cap);
    d->data = p;
    d->data_cap = cap;
    return BUZZ_OK;
}

/* Room for one more string offset (count + 2 entries). */
static buzz_status reserve_offs(buzz__dict *d, buzz_error *err)
{
    if (d->count + 2 <= d->offs_cap)
        return BUZZ_OK;
    size_t cap = d->offs_cap ? d->offs_cap * 2 : 1024;
    if (cap > SIZE_MAX / sizeof(size_t))
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "a dictionary of %zu values is too large",
                              d->count);
    size_t *p = buzz_realloc(d->offs, cap * sizeof *p);
    if (!p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM,
                              "out of memory growing a dictionary to %zu strings", cap);
    if (!d->offs)
        p[0] = 0;
    d->offs = p;
    d->offs_cap = cap;
    return BUZZ_OK;
}

buzz_status buzz__dict_new(buzz__dict **out, size_t width, size_t max_bytes, buzz_error *err)
{
    *out = NULL;
    if (width != 0 && width != 4 && width != 8 && width != 16)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "dictionary values must be 4, 8 or 16 bytes or strings, got %zu",
                              width);
    buzz__dict *d = buzz_calloc(1, sizeof *d);
    if (!d)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory creating a dictionary");
    d->width = width;
    d->max_bytes = max_bytes ? max_bytes : SIZE_MAX;
    *out = d;
    return BUZZ_OK;
}

void buzz__dict_free(buzz__dict *d)
{
    if (!d)
        return;
    buzz_free(d->slots);
    buzz_free(d->data);
    buzz_free(d->offs);
    buzz_free(d);
}

void buzz__dict_reset(buzz__dict *d)
{
    if (d->slots)
        memset(d->slots, 0, d->slot_count * sizeof *d->slots);
    d->count = 0;
    d->plain_bytes = 0;
    d->data_len = 0;
}

size_t buzz__dict_count(const buzz__dict *d)
{
    return d->count;
}

size_t buzz__dict_plain_bytes(const buzz__dict *d)
{
    return d->plain_bytes;
}

/* Whether one more value of `plain` PLAIN bytes fits; false means the dictionary is full. */
static inline bool fits(const buzz__dict *d, size_t plain)
{
    return d->count < MAX_ENTRIES && plain <= d->max_bytes &&
           d->plain_bytes <= d->max_bytes - plain;
}

/* Make the table big enough for one more value: at least 2 slots per value. */
static inline buzz_status room_for_one(buzz__dict *d, buzz_error *err)
{
    if ((d->count + 1) * 2 > d->slot_count)
        return grow_slots(d, err);
    return BUZZ_OK;
}

/* Find or insert one fixed-width value. width is a constant in each caller's copy (inlined). */
static inline buzz_status lookup_fixed(buzz__dict *d, const uint8_t *v, size_t width,
                                       uint32_t *out_index, bool *out_full, buzz_error *err)
{
    uint64_t h = hash_fixed(v, width);
    uint64_t tag = h & 0xffffffff00000000ull;
    size_t mask = d->slot_count - 1;
    size_t pos = (size_t)h & mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (s == 0)
            break;
        if ((s & 0xffffffff00000000ull) == tag) {
            size_t idx = (size_t)(s & 0xffffffffu) - 1;
            if (memcmp(d->data + idx * width, v, width) == 0) {
                *out_index = (uint32_t)idx;
                return BUZZ_OK;
            }
        }
        pos = (pos + 1) & mask;
    }
    if (!fits(d, width)) {
        *out_full = true;
        return BUZZ_OK;
    }
    if ((d->count + 1) * 2 > d->slot_count) {
        BUZZ_TRY(grow_slots(d, err));
        mask = d->slot_count - 1;
        pos = (size_t)h & mask;
        while (d->slots[pos] != 0)
            pos = (pos + 1) & mask;
    }
    BUZZ_TRY(reserve_data(d, width, err));
    memcpy(d->data + d->data_len, v, width);
    d->data_len += width;
    d->slots[pos] = make_slot(h, d->count);
    *out_index = (uint32_t)d->count;
    d->count++;
    d->plain_bytes += width;
    return BUZZ_OK;
}

static inline buzz_status add_fixed_w(buzz__dict *d, const uint8_t *values, const uint8_t *valid,
                                      size_t n, size_t width, uint32_t *indices, size_t *out_added,
                                      bool *out_full, buzz_error *err)
{
    size_t k = 0; /* indices written */
    size_t i = 0;
    buzz_status st = BUZZ_OK;
    for (; i < n; i++) {
        if (valid && !valid[i])
            continue;
        uint32_t idx = 0;
        st = lookup_fixed(d, values + i * width, width, &idx, out_full, err);
        if (st || *out_full)
            break;
        indices[k++] = idx;
    }
    *out_added = i;
    return st;
}

buzz_status buzz__dict_add_fixed(buzz__dict *d, const void *values, const uint8_t *valid, size_t n,
                                 uint32_t *indices, size_t *out_added, bool *out_full,
                                 buzz_error *err)
{
    *out_added = 0;
    *out_full = false;
    if (BUZZ_NEVER(d->width == 0))
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "fixed-width add to a string dictionary");
    if (n == 0)
        return BUZZ_OK;
    if (d->slot_count == 0)
        BUZZ_TRY(room_for_one(d, err));
    const uint8_t *v = values;
    switch (d->width) {
    case 4:
        return add_fixed_w(d, v, valid, n, 4, indices, out_added, out_full, err);
    case 8:
        return add_fixed_w(d, v, valid, n, 8, indices, out_added, out_full, err);
    default:
        return add_fixed_w(d, v, valid, n, 16, indices, out_added, out_full, err);
    }
}

static buzz_status lookup_string(buzz__dict *d, const uint8_t *v, size_t len, uint32_t *out_index,
                                 bool *out_full, buzz_error *err)
{
    uint64_t h = hash_bytes(v, len);
    uint64_t tag = h & 0xffffffff00000000ull;
    size_t mask = d->slot_count - 1;
    size_t pos = (size_t)h & mask;
    for (;;) {
        uint64_t s = d->slots[pos];
        if (s == 0)
            break;
        if ((s & 0xffffffff00000000ull) == tag) {
            size_t idx = (size_t)(s & 0xffffffffu) - 1;
            size_t off = d->offs[idx];
            if (d->offs[idx + 1] - off == len && (len == 0 || memcmp(d->data + off, v, len) == 0)) {
                *out_index = (uint32_t)idx;
                return BUZZ_OK;
            }
        }
        pos = (pos + 1) & mask;
    }
    if (len > SIZE_MAX - 4 || !fits(d, 4 + len)) {
        *out_full = true;
        return BUZZ_OK;
    }
    if ((d->count + 1) * 2 > d->slot_count) {
        BUZZ_TRY(grow_slots(d, err));
        mask = d->slot_count - 1;
        pos = (size_t)h & mask;
        while (d->slots[pos] != 0)
            pos = (pos + 1) & mask;
    }
    BUZZ_TRY(reserve_offs(d, err));
    BUZZ_TRY(reserve_data(d, len, err));
    if (len)
        memcpy(d->data + d->data_len, v, len);
    d->data_len += len;
    d->offs[d->count + 1] = d->data_len;
    d->slots[pos] = make_slot(h, d->count);
    *out_index = (uint32_t)d->count;
    d->count++;
    d->plain_bytes += 4 + len;
    return BUZZ_OK;
}

buzz_status buzz__dict_add_strings(buzz__dict *d, const char *chars, const uint32_t *offsets,
                                   const uint8_t *valid, size_t n, uint32_t *indices,
                                   size_t *out_added, bool *out_full, buzz_error *err)
{
    *out_added = 0;
    *out_full = false;
    if (BUZZ_NEVER(d->width != 0))
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "string add to a fixed-width dictionary");
    if (n == 0)
        return BUZZ_OK;
    if (d->slot_count == 0)
        BUZZ_TRY(room_for_one(d, err));
    BUZZ_TRY(reserve_offs(d, err)); /* offs[0] exists from here on */
    size_t k = 0;
    size_t i = 0;
    buzz_status st = BUZZ_OK;
    for (; i < n; i++) {
        if (valid && !valid[i])
            continue;
        if (BUZZ_UNLIKELY(offsets[i + 1] < offsets[i])) {
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "string offsets decrease at %zu", i);
            break;
        }
        uint32_t idx = 0;
        st = lookup_string(d, (const uint8_t *)chars + offsets[i], offsets[i + 1] - offsets[i],
                           &idx, out_full, err);
        if (st || *out_full)
            break;
        indices[k++] = idx;
    }
    *out_added = i;
    return st;
}

buzz_status buzz__dict_write_plain(const buzz__dict *d, buzz_buf *out, buzz_error *err)
{
    if (d->width)
        return buzz__plain_fixed(out, d->data, d->count, d->width, err);
    if (d->count == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_reserve(out, d->plain_bytes, err));
    uint8_t *p = out->data + out->len;
    for (size_t i = 0; i < d->count; i++) {
        size_t len = d->offs[i + 1] - d->offs[i];
        p[0] = (uint8_t)len;
        p[1] = (uint8_t)(len >> 8);
        p[2] = (uint8_t)(len >> 16);
        p[3] = (uint8_t)(len >> 24);
        if (len)
            memcpy(p + 4, d->data + d->offs[i], len);
        p += 4 + len;
    }
    out->len += d->plain_bytes;
    return BUZZ_OK;
}

const void *buzz__dict_fixed_value(const buzz__dict *d, uint32_t i)
{
    BUZZ_ASSERT(d->width != 0 && i < d->count);
    return d->data + (size_t)i * d->width;
}

buzz_str buzz__dict_string_value(const buzz__dict *d, uint32_t i)
{
    BUZZ_ASSERT(d->width == 0 && i < d->count);
    buzz_str s = {(const char *)d->data + d->offs[i], d->offs[i + 1] - d->offs[i]};
    return s;
}
