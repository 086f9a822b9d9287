/* tests/test_parquet_thrift.c: unit tests of the Thrift compact protocol encoder (src/parquet/
 * thrift.c). Byte-exact tables for every field type in the short and long header forms, zigzag and
 * varint edge values, binaries, lists of each element type and size form, nested structs, bool
 * fields and bool list elements, and every error path (sticky status, buffer limit, out of memory).
 * A small compact-protocol decoder written here, independent of the encoder, renders what was
 * written as text, so a realistic FileMetaData/ColumnIndex round trip is checked field by field;
 * finally a hand-assembled Parquet file whose PageHeader and FileMetaData come from the encoder is
 * read back by DuckDB. */
#include "test_support.h"

#include <inttypes.h>

#include <duckdb.h>

#include "parquet/parquet_internal.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers: hex strings and byte comparison. */

/* "15 0a 00" -> bytes; spaces are ignored. Returns the byte count (fails the test on bad input). */
static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
    const char *start = s;
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v = 0;
        if (*s == ' ')
            continue;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            fail_msg("bad hex digit '%c'", *s);
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap)
            fail_msg("hex string longer than %zu bytes", cap);
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    if (hi >= 0)
        fail_msg("odd number of hex digits in \"%s\"", start);
    return n;
}

static void to_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 4 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, i ? " %02x" : "%02x", p[i]);
}

static void expect_hex(const char *name, const uint8_t *got, size_t got_len, const char *want_hex)
{
    uint8_t want[256];
    size_t want_len = parse_hex(want_hex, want, sizeof want);
    if (got_len != want_len || (want_len && memcmp(got, want, want_len) != 0)) {
        char g[1024];
        to_hex(got, got_len, g, sizeof g);
        fail_msg("%s: got [%s], want [%s]", name, g, want_hex);
    }
}

/* ---------------------------------------------------------------------------------------------
 * A test-only compact protocol decoder. It renders a struct as text, e.g.
 *   {1:2 2:list<struct>[{4:"schema" 5:1}] 3:i64(3) 7:true}
 * i32 values are bare numbers; i8/i16/i64/double are tagged; binaries are quoted with \xNN for
 * bytes outside printable ASCII and for '"' and '\'. It is also a strictness check of the encoder:
 * it rejects non-canonical encodings (long field form where the short one fits, long list form
 * for sizes under 15, over-long varints), field ids that do not increase, bool list elements other
 * than 1/2, and trailing bytes. */
typedef struct dec {
    const uint8_t *p;
    size_t n, pos;
    int depth;
    char *out; /* malloc'd rendering */
    size_t len, cap;
    char why[200]; /* first error; "" = none */
} dec;

static bool dec_fail(dec *d, const char *fmt, ...) BUZZ_PRINTF(2, 3);
static bool dec_fail(dec *d, const char *fmt, ...)
{
    if (!d->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        int k = snprintf(d->why, sizeof d->why, "at byte %zu: ", d->pos);
        vsnprintf(d->why + k, sizeof d->why - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return false;
}

static void emit(dec *d, const char *fmt, ...) BUZZ_PRINTF(2, 3);
static void emit(dec *d, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(d->out + d->len, d->cap - d->len, fmt, ap);
        va_end(ap);
        assert_true(k >= 0);
        if (d->len + (size_t)k < d->cap) {
            d->len += (size_t)k;
            return;
        }
        d->cap = d->cap * 2 + (size_t)k;
        d->out = realloc(d->out, d->cap);
        assert_non_null(d->out);
    }
}

static bool rd_byte(dec *d, uint8_t *b)
{
    if (d->pos >= d->n)
        return dec_fail(d, "unexpected end of input");
    *b = d->p[d->pos++];
    return true;
}

static bool rd_uvarint(dec *d, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        uint8_t b = 0;
        if (!rd_byte(d, &b))
            return false;
        if (i == 9 && b > 1)
            return dec_fail(d, "varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return dec_fail(d, "non-minimal varint");
            *out = v;
            return true;
        }
    }
    return dec_fail(d, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A zigzag varint that must fit `bits` (16, 32 or 64) signed bits. */
static bool rd_int(dec *d, int bits, int64_t *out)
{
    uint64_t u;
    if (!rd_uvarint(d, &u))
        return false;
    int64_t v = unzigzag(u);
    if (bits < 64 && (v < -(INT64_C(1) << (bits - 1)) || v >= (INT64_C(1) << (bits - 1))))
        return dec_fail(d, "value %" PRId64 " does not fit i%d", v, bits);
    *out = v;
    return true;
}

static const char *type_name(int t)
{
    switch (t) {
    case 1:
    case 2:
        return "bool";
    case 3:
        return "i8";
    case 4:
        return "i16";
    case 5:
        return "i32";
    case 6:
        return "i64";
    case 7:
        return "dbl";
    case 8:
        return "bin";
    case 9:
        return "list";
    case 10:
        return "set";
    case 11:
        return "map";
    case 12:
        return "struct";
    default:
        return "?";
    }
}

static bool dec_struct(dec *d);
static bool dec_list(dec *d);

static bool dec_binary(dec *d)
{
    uint64_t len;
    if (!rd_uvarint(d, &len))
        return false;
    if (len > d->n - d->pos)
        return dec_fail(d, "binary of %" PRIu64 " bytes runs past the end", len);
    emit(d, "\"");
    for (size_t i = 0; i < len; i++) {
        uint8_t c = d->p[d->pos + i];
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
            emit(d, "\\x%02x", c);
        else
            emit(d, "%c", c);
    }
    emit(d, "\"");
    d->pos += len;
    return true;
}

/* A value of compact type t (not a bool field, whose value is in its header). */
static bool dec_value(dec *d, int t)
{
    int64_t v;
    uint8_t b = 0;
    switch (t) {
    case 3:
        if (!rd_byte(d, &b))
            return false;
        emit(d, "i8(%d)", (int8_t)b);
        return true;
    case 4:
        if (!rd_int(d, 16, &v))
            return false;
        emit(d, "i16(%" PRId64 ")", v);
        return true;
    case 5:
        if (!rd_int(d, 32, &v))
            return false;
        emit(d, "%" PRId64, v);
        return true;
    case 6:
        if (!rd_int(d, 64, &v))
            return false;
        emit(d, "i64(%" PRId64 ")", v);
        return true;
    case 7: {
        if (d->n - d->pos < 8)
            return dec_fail(d, "double runs past the end");
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits |= (uint64_t)d->p[d->pos + (size_t)i] << (8 * i);
        double x;
        memcpy(&x, &bits, sizeof x);
        d->pos += 8;
        emit(d, "dbl(%.17g)", x);
        return true;
    }
    case 8:
        return dec_binary(d);
    case 9:
        return dec_list(d);
    case 12:
        return dec_struct(d);
    default:
        return dec_fail(d, "unsupported or unknown type %d", t);
    }
}

static bool dec_list(dec *d)
{
    uint8_t h = 0;
    if (!rd_byte(d, &h))
        return false;
    uint64_t size = h >> 4;
    int et = h & 0x0F;
    if (size == 15) {
        if (!rd_uvarint(d, &size))
            return false;
        if (size < 15)
            return dec_fail(d, "long list header for %" PRIu64 " elements", size);
    }
    if (size > (uint64_t)INT32_MAX || size > d->n - d->pos)
        return dec_fail(d, "list of %" PRIu64 " elements cannot fit", size);
    emit(d, "list<%s>[", type_name(et));
    for (uint64_t i = 0; i < size; i++) {
        if (i)
            emit(d, ",");
        if (et == 1 || et == 2) {
            uint8_t b = 0;
            if (!rd_byte(d, &b))
                return false;
            if (b != 1 && b != 2)
                return dec_fail(d, "bool list element %u (want 1 or 2)", b);
            emit(d, "%s", b == 1 ? "true" : "false");
        } else if (!dec_value(d, et)) {
            return false;
        }
    }
    emit(d, "]");
    return true;
}

static bool dec_struct(dec *d)
{
    if (++d->depth > 64)
        return dec_fail(d, "structs nested too deep");
    emit(d, "{");
    int last = 0;
    for (;;) {
        uint8_t h = 0;
        if (!rd_byte(d, &h))
            return false;
        if (h == 0)
            break;
        int t = h & 0x0F, delta = h >> 4;
        int64_t fid;
        if (t == 0)
            return dec_fail(d, "stop type with a field delta");
        if (delta) {
            fid = last + delta;
        } else {
            if (!rd_int(d, 16, &fid))
                return false;
            if (fid > last && fid - last <= 15)
                return dec_fail(d, "long field header for delta %" PRId64, fid - last);
        }
        if (fid <= last)
            return dec_fail(d, "field id %" PRId64 " after %d", fid, last);
        emit(d, last ? " %" PRId64 ":" : "%" PRId64 ":", fid);
        last = (int)fid;
        if (t == 1 || t == 2)
            emit(d, "%s", t == 1 ? "true" : "false");
        else if (!dec_value(d, t))
            return false;
    }
    emit(d, "}");
    d->depth--;
    return true;
}

/* Render n bytes holding one struct: an owned malloc'd rendering, or "DECODE ERROR ...". */
static char *decode(const uint8_t *p, size_t n)
{
    dec d = {.p = p, .n = n};
    d.cap = 256;
    d.out = malloc(d.cap);
    assert_non_null(d.out);
    d.out[0] = '\0';
    if (dec_struct(&d) && d.pos != n)
        dec_fail(&d, "%zu trailing bytes", n - d.pos);
    if (d.why[0]) {
        char partial[256];
        snprintf(partial, sizeof partial, "%s", d.out);
        d.len = 0;
        emit(&d, "DECODE ERROR %s (after \"%s\")", d.why, partial);
    }
    return d.out;
}

static void expect_decode(const char *name, const buzz_buf *b, const char *want)
{
    char *got = decode(b->data, b->len);
    if (strcmp(got, want) != 0) {
        fail_msg("%s:\n got  %s\n want %s", name, got, want);
    }
    free(got);
}

/* The decoder must itself reject what it claims to reject, or the round trips prove little. */
static void test_decoder_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *hex, *why;
    } cases[] = {
        {"15 02", "unexpected end"},                 /* no stop byte */
        {"05 02 02 00", "long field header"},        /* id 1 in the long form */
        {"25 02 05 02 02 00", "field id 1 after 2"}, /* long form going backwards */
        {"15 80 00 00", "non-minimal varint"},
        {"19 f5 05 00 00 00 00 00 00", "long list header"},
        {"19 21 01 00 00", "bool list element 0"},
        {"11 00 00", "trailing bytes"},
        {"18 05 61 00", "runs past the end"},
        {"1d 00", "unknown type 13"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        uint8_t bytes[64];
        size_t n = parse_hex(cases[i].hex, bytes, sizeof bytes);
        char *got = decode(bytes, n);
        if (!strstr(got, "DECODE ERROR") || !strstr(got, cases[i].why))
            fail_msg("case %zu (%s): got \"%s\", want an error with \"%s\"", i, cases[i].hex, got,
                     cases[i].why);
        free(got);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Varints and zigzag. */
static void test_uvarint(void **state)
{
    (void)state;
    static const struct {
        uint64_t v;
        const char *hex;
    } cases[] = {
        {0, "00"},
        {1, "01"},
        {127, "7f"},
        {128, "80 01"},
        {300, "ac 02"},
        {16383, "ff 7f"},
        {16384, "80 80 01"},
        {50399, "df 89 03"}, /* the spec's worked example */
        {(UINT64_C(1) << 21) - 1, "ff ff 7f"},
        {UINT64_C(1) << 21, "80 80 80 01"},
        {UINT32_MAX, "ff ff ff ff 0f"},
        {UINT64_C(1) << 32, "80 80 80 80 10"},
        {(UINT64_C(1) << 63) - 1, "ff ff ff ff ff ff ff ff 7f"},
        {UINT64_C(1) << 63, "80 80 80 80 80 80 80 80 80 01"},
        {UINT64_MAX, "ff ff ff ff ff ff ff ff ff 01"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        char name[64];
        snprintf(name, sizeof name, "uvarint case %zu (%" PRIu64 ")", i, cases[i].v);
        uint8_t out[10];
        size_t n = buzz__uvarint_encode(out, cases[i].v);
        expect_hex(name, out, n, cases[i].hex);

        /* The buffered form writes the same bytes. */
        buzz_buf b;
        buzz_buf_init(&b, 0);
        buzz__tw w;
        buzz__tw_init(&w, &b, NULL);
        buzz__put_uvarint(&w, cases[i].v);
        assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
        expect_hex(name, b.data, b.len, cases[i].hex);
        buzz_buf_free(&b);
    }
}

static void test_zigzag(void **state)
{
    (void)state;
    static const struct {
        int64_t v;
        uint64_t want;
    } cases[] = {
        {0, 0},
        {-1, 1},
        {1, 2},
        {-2, 3},
        {2, 4},
        {63, 126},
        {-64, 127},
        {64, 128},
        {INT16_MAX, 65534},
        {INT16_MIN, 65535},
        {INT32_MAX, UINT64_C(0xFFFFFFFE)},
        {INT32_MIN, UINT64_C(0xFFFFFFFF)},
        {INT64_MAX, UINT64_MAX - 1},
        {INT64_MIN, UINT64_MAX},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        if (buzz__zigzag64(cases[i].v) != cases[i].want)
            fail_msg("case %zu: zigzag(%" PRId64 ") = %" PRIu64 ", want %" PRIu64, i, cases[i].v,
                     buzz__zigzag64(cases[i].v), cases[i].want);
        if (unzigzag(cases[i].want) != cases[i].v)
            fail_msg("case %zu: the test decoder's unzigzag is wrong", i);
    }
}

/* ---------------------------------------------------------------------------------------------
 * One field per case, inside a struct: `want` is the whole struct, stop byte included. A case
 * with prev_fid writes field_i8(prev_fid, 0) first, to set up a delta. */
enum { K_BOOL, K_I8, K_I16, K_I32, K_I64, K_BIN, K_STR, K_STRUCT, K_LIST0 };

static void test_fields(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int kind;
        int16_t prev_fid, fid;
        int64_t v;
        const char *s;
        size_t s_len;
        const char *want;
    } cases[] = {
        /* bool: the value is the type nibble, 1 = true, 2 = false; no value byte. */
        {"bool true, fid 1", K_BOOL, 0, 1, 1, NULL, 0, "11 00"},
        {"bool false, fid 1", K_BOOL, 0, 1, 0, NULL, 0, "12 00"},
        {"bool true, fid 15 (largest short delta)", K_BOOL, 0, 15, 1, NULL, 0, "f1 00"},
        {"bool true, fid 16 (long form)", K_BOOL, 0, 16, 1, NULL, 0, "01 20 00"},
        {"bool false, fid 300 (long form)", K_BOOL, 0, 300, 0, NULL, 0, "02 d8 04 00"},
        {"bool true, 1 -> 16 (delta 15)", K_BOOL, 1, 16, 1, NULL, 0, "13 00 f1 00"},
        {"bool false, 1 -> 17 (delta 16)", K_BOOL, 1, 17, 0, NULL, 0, "13 00 02 22 00"},
        /* i8: one raw byte. */
        {"i8 -1", K_I8, 0, 1, -1, NULL, 0, "13 ff 00"},
        {"i8 127", K_I8, 0, 2, 127, NULL, 0, "23 7f 00"},
        {"i8 -128", K_I8, 0, 3, -128, NULL, 0, "33 80 00"},
        {"i8 0, fid 20", K_I8, 0, 20, 0, NULL, 0, "03 28 00 00"},
        /* i16: zigzag varint. */
        {"i16 0", K_I16, 0, 1, 0, NULL, 0, "14 00 00"},
        {"i16 -1", K_I16, 0, 1, -1, NULL, 0, "14 01 00"},
        {"i16 1", K_I16, 0, 1, 1, NULL, 0, "14 02 00"},
        {"i16 INT16_MAX", K_I16, 0, 1, INT16_MAX, NULL, 0, "14 fe ff 03 00"},
        {"i16 INT16_MIN", K_I16, 0, 1, INT16_MIN, NULL, 0, "14 ff ff 03 00"},
        {"i16 7, fid INT16_MAX", K_I16, 0, INT16_MAX, 7, NULL, 0, "04 fe ff 03 0e 00"},
        /* i32: zigzag varint, 1-5 bytes. */
        {"i32 0", K_I32, 0, 1, 0, NULL, 0, "15 00 00"},
        {"i32 63", K_I32, 0, 1, 63, NULL, 0, "15 7e 00"},
        {"i32 64 (zigzag 128)", K_I32, 0, 1, 64, NULL, 0, "15 80 01 00"},
        {"i32 -64 (zigzag 127)", K_I32, 0, 1, -64, NULL, 0, "15 7f 00"},
        {"i32 -65 (zigzag 129)", K_I32, 0, 1, -65, NULL, 0, "15 81 01 00"},
        {"i32 8191 (zigzag 16382)", K_I32, 0, 1, 8191, NULL, 0, "15 fe 7f 00"},
        {"i32 8192 (zigzag 16384)", K_I32, 0, 1, 8192, NULL, 0, "15 80 80 01 00"},
        {"i32 INT32_MAX", K_I32, 0, 1, INT32_MAX, NULL, 0, "15 fe ff ff ff 0f 00"},
        {"i32 INT32_MIN", K_I32, 0, 1, INT32_MIN, NULL, 0, "15 ff ff ff ff 0f 00"},
        {"i32 -1, fid 16", K_I32, 0, 16, -1, NULL, 0, "05 20 01 00"},
        {"i32 5, 2 -> 100", K_I32, 2, 100, 5, NULL, 0, "23 00 05 c8 01 0a 00"},
        /* i64: zigzag varint, 1-10 bytes. */
        {"i64 0", K_I64, 0, 1, 0, NULL, 0, "16 00 00"},
        {"i64 -1", K_I64, 0, 1, -1, NULL, 0, "16 01 00"},
        {"i64 2^31", K_I64, 0, 1, INT64_C(1) << 31, NULL, 0, "16 80 80 80 80 10 00"},
        {"i64 2^62 (zigzag 2^63)", K_I64, 0, 1, INT64_C(1) << 62, NULL, 0,
         "16 80 80 80 80 80 80 80 80 80 01 00"},
        {"i64 -2^62 (zigzag 2^63 - 1)", K_I64, 0, 1, -(INT64_C(1) << 62), NULL, 0,
         "16 ff ff ff ff ff ff ff ff 7f 00"},
        {"i64 INT64_MAX", K_I64, 0, 1, INT64_MAX, NULL, 0, "16 fe ff ff ff ff ff ff ff ff 01 00"},
        {"i64 INT64_MIN", K_I64, 0, 1, INT64_MIN, NULL, 0, "16 ff ff ff ff ff ff ff ff ff 01 00"},
        {"i64 3, fid 9 -> 25", K_I64, 9, 25, 3, NULL, 0, "93 00 06 32 06 00"},
        /* binary: varint length, then the bytes. */
        {"binary empty", K_BIN, 0, 1, 0, "", 0, "18 00 00"},
        {"binary NULL, 0 bytes", K_BIN, 0, 1, 0, NULL, 0, "18 00 00"},
        {"binary abc", K_BIN, 0, 1, 0, "abc", 3, "18 03 61 62 63 00"},
        {"binary with NUL", K_BIN, 0, 1, 0, "a\0b", 3, "18 03 61 00 62 00"},
        {"binary x, fid 16", K_BIN, 0, 16, 0, "x", 1, "08 20 01 78 00"},
        {"string empty", K_STR, 0, 4, 0, "", 0, "48 00 00"},
        {"string UTF-8", K_STR, 0, 4, 0, "h\xc3\xa9llo", 0, "48 06 68 c3 a9 6c 6c 6f 00"},
        /* struct-valued field: header, the inner stop byte, the outer stop byte. */
        {"empty struct, fid 5", K_STRUCT, 0, 5, 0, NULL, 0, "5c 00 00"},
        {"empty struct, fid 16", K_STRUCT, 0, 16, 0, NULL, 0, "0c 20 00 00"},
        {"empty list<i32>, fid 2", K_LIST0, 0, 2, 0, NULL, 0, "29 05 00"},
        {"empty list<i32>, fid 40", K_LIST0, 0, 40, 0, NULL, 0, "09 50 05 00"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_buf b;
        buzz_error err;
        buzz__tw w;
        buzz_buf_init(&b, 0);
        buzz__tw_init(&w, &b, &err);
        buzz__tw_struct_begin(&w);
        if (cases[i].prev_fid)
            buzz__tw_field_i8(&w, cases[i].prev_fid, 0);
        int16_t fid = cases[i].fid;
        int64_t v = cases[i].v;
        switch (cases[i].kind) {
        case K_BOOL:
            buzz__tw_field_bool(&w, fid, v != 0);
            break;
        case K_I8:
            buzz__tw_field_i8(&w, fid, (int8_t)v);
            break;
        case K_I16:
            buzz__tw_field_i16(&w, fid, (int16_t)v);
            break;
        case K_I32:
            buzz__tw_field_i32(&w, fid, (int32_t)v);
            break;
        case K_I64:
            buzz__tw_field_i64(&w, fid, v);
            break;
        case K_BIN:
            buzz__tw_field_binary(&w, fid, cases[i].s, cases[i].s_len);
            break;
        case K_STR:
            buzz__tw_field_string(&w, fid, cases[i].s);
            break;
        case K_STRUCT:
            buzz__tw_field_struct_begin(&w, fid);
            buzz__tw_struct_end(&w);
            break;
        case K_LIST0:
            buzz__tw_field_list_begin(&w, fid, BUZZ__TW_I32, 0);
            break;
        default:
            fail();
        }
        buzz__tw_struct_end(&w);
        if (buzz__tw_status(&w) != BUZZ_OK)
            fail_msg("%s: status %d (%s)", cases[i].name, buzz__tw_status(&w), err.message);
        assert_int_equal(w.depth, 0);
        expect_hex(cases[i].name, b.data, b.len, cases[i].want);
        /* The independent decoder reads every case back without complaint. */
        char *got = decode(b.data, b.len);
        if (strstr(got, "DECODE ERROR"))
            fail_msg("%s: %s", cases[i].name, got);
        free(got);
        buzz_buf_free(&b);
    }
}

static void test_long_binary(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *len_hex; /* varint of len */
    } cases[] = {
        {127, "7f"}, {128, "80 01"}, {16383, "ff 7f"}, {16384, "80 80 01"}, {1000000, "c0 84 3d"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        size_t n = cases[i].len;
        uint8_t *payload = malloc(n);
        assert_non_null(payload);
        for (size_t k = 0; k < n; k++)
            payload[k] = (uint8_t)(k * 31 + 7);
        uint8_t prefix[8];
        size_t np = parse_hex(cases[i].len_hex, prefix + 1, sizeof prefix - 1) + 1;
        prefix[0] = 0x18;

        for (int as_elem = 0; as_elem < 2; as_elem++) {
            buzz_buf b;
            buzz__tw w;
            buzz_buf_init(&b, 0);
            buzz__tw_init(&w, &b, NULL);
            buzz__tw_struct_begin(&w);
            if (as_elem) {
                buzz__tw_field_list_begin(&w, 1, BUZZ__TW_BINARY, 1);
                buzz__tw_elem_binary(&w, payload, n);
            } else {
                buzz__tw_field_binary(&w, 1, payload, n);
            }
            buzz__tw_struct_end(&w);
            assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
            /* field header (and list header), varint length, the bytes, the stop byte */
            size_t off = as_elem ? 2 : 1;
            assert_int_equal(b.len, off + (np - 1) + n + 1);
            if (as_elem) {
                assert_int_equal(b.data[0], 0x19);
                assert_int_equal(b.data[1], 0x18);
            } else {
                assert_int_equal(b.data[0], 0x18);
            }
            if (memcmp(b.data + off, prefix + 1, np - 1) != 0)
                fail_msg("case %zu: wrong length varint for %zu bytes", i, n);
            assert_memory_equal(b.data + off + np - 1, payload, n);
            assert_int_equal(b.data[b.len - 1], 0x00);
            buzz_buf_free(&b);
        }
        free(payload);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Lists. */
static void test_list_bytes(void **state)
{
    (void)state;
    buzz_buf b;
    buzz__tw w;
    buzz_error err;
    static const char *const want[] = {
        "19 35 02 01 d8 04 00",                   /* list<i32>[1,-1,300] */
        "19 31 01 02 01 00",                      /* list<bool>[true,false,true] */
        "19 16 ff ff ff ff ff ff ff ff ff 01 00", /* list<i64>[INT64_MIN] */
        "19 28 00 02 61 62 00",                   /* list<binary>["","ab"] */
        "19 2c 15 0a 00 00 00",                   /* list<struct>[{1:5},{}] */
        "19 f1 0f 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 00", /* 15 x true */
        "19 e1 02 02 02 02 02 02 02 02 02 02 02 02 02 02 00",       /* 14 x false */
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(want); i++) {
        buzz_buf_init(&b, 0);
        buzz__tw_init(&w, &b, &err);
        buzz__tw_struct_begin(&w);
        switch (i) {
        case 0:
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_I32, 3);
            buzz__tw_elem_i32(&w, 1);
            buzz__tw_elem_i32(&w, -1);
            buzz__tw_elem_i32(&w, 300);
            break;
        case 1:
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_BOOL, 3);
            buzz__tw_elem_bool(&w, true);
            buzz__tw_elem_bool(&w, false);
            buzz__tw_elem_bool(&w, true);
            break;
        case 2:
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_I64, 1);
            buzz__tw_elem_i64(&w, INT64_MIN);
            break;
        case 3:
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_BINARY, 2);
            buzz__tw_elem_binary(&w, NULL, 0);
            buzz__tw_elem_binary(&w, "ab", 2);
            break;
        case 4:
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_STRUCT, 2);
            buzz__tw_struct_begin(&w);
            buzz__tw_field_i32(&w, 1, 5);
            buzz__tw_struct_end(&w);
            buzz__tw_struct_begin(&w);
            buzz__tw_struct_end(&w);
            break;
        case 5:
        case 6: {
            size_t n = i == 5 ? 15 : 14;
            buzz__tw_field_list_begin(&w, 1, BUZZ__TW_BOOL, n);
            for (size_t k = 0; k < n; k++)
                buzz__tw_elem_bool(&w, i == 5);
            break;
        }
        }
        buzz__tw_struct_end(&w);
        assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
        char name[32];
        snprintf(name, sizeof name, "list case %zu", i);
        expect_hex(name, b.data, b.len, want[i]);
        buzz_buf_free(&b);
    }

    /* The header of an empty list for every element type: size 0 in the high nibble. */
    static const struct {
        int type;
        const char *hex, *text;
    } empty[] = {
        {BUZZ__TW_BOOL, "19 01 00", "{1:list<bool>[]}"},
        {BUZZ__TW_BYTE, "19 03 00", "{1:list<i8>[]}"},
        {BUZZ__TW_I16, "19 04 00", "{1:list<i16>[]}"},
        {BUZZ__TW_I32, "19 05 00", "{1:list<i32>[]}"},
        {BUZZ__TW_I64, "19 06 00", "{1:list<i64>[]}"},
        {BUZZ__TW_DOUBLE, "19 07 00", "{1:list<dbl>[]}"},
        {BUZZ__TW_BINARY, "19 08 00", "{1:list<bin>[]}"},
        {BUZZ__TW_LIST, "19 09 00", "{1:list<list>[]}"},
        {BUZZ__TW_STRUCT, "19 0c 00", "{1:list<struct>[]}"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(empty); i++) {
        buzz_buf_init(&b, 0);
        buzz__tw_init(&w, &b, &err);
        buzz__tw_struct_begin(&w);
        buzz__tw_field_list_begin(&w, 1, empty[i].type, 0);
        buzz__tw_struct_end(&w);
        assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
        expect_hex(empty[i].text, b.data, b.len, empty[i].hex);
        expect_decode(empty[i].text, &b, empty[i].text);
        buzz_buf_free(&b);
    }
}

static void write_elem(buzz__tw *w, int type, size_t i)
{
    char s[32];
    switch (type) {
    case BUZZ__TW_BOOL:
        buzz__tw_elem_bool(w, i % 3 == 0);
        break;
    case BUZZ__TW_I32:
        buzz__tw_elem_i32(w, i == 0   ? INT32_MIN
                             : i == 1 ? INT32_MAX
                                      : (int32_t)(i * i) * (i % 2 ? -1 : 1));
        break;
    case BUZZ__TW_I64:
        buzz__tw_elem_i64(w, i == 0   ? INT64_MIN
                             : i == 1 ? INT64_MAX
                                      : ((int64_t)i << (i % 50)) * (i % 2 ? -1 : 1));
        break;
    case BUZZ__TW_BINARY:
        if (i == 0) {
            buzz__tw_elem_binary(w, "", 0);
        } else {
            int k = snprintf(s, sizeof s, "b%zu", i);
            buzz__tw_elem_binary(w, s, (size_t)k);
        }
        break;
    case BUZZ__TW_STRUCT:
        buzz__tw_struct_begin(w);
        buzz__tw_field_i32(w, 1, (int32_t)i);
        if (i % 2)
            buzz__tw_field_bool(w, 2, true);
        if (i % 5 == 0)
            buzz__tw_field_i64(w, 20, -(int64_t)i); /* long form inside a list element */
        buzz__tw_struct_end(w);
        break;
    default:
        fail();
    }
}

/* The decoder's rendering of element i, written independently of write_elem's encoding. */
static void render_elem(buzz_buf *out, int type, size_t i)
{
    buzz_status st = BUZZ_OK;
    switch (type) {
    case BUZZ__TW_BOOL:
        st = buzz_buf_printf(out, NULL, "%s", i % 3 == 0 ? "true" : "false");
        break;
    case BUZZ__TW_I32:
        if (i < 2)
            st = buzz_buf_printf(out, NULL, "%" PRId32, i == 0 ? INT32_MIN : INT32_MAX);
        else
            st = buzz_buf_printf(out, NULL, "%s%zu", i % 2 ? "-" : "", i * i);
        break;
    case BUZZ__TW_I64:
        if (i < 2)
            st = buzz_buf_printf(out, NULL, "i64(%" PRId64 ")", i == 0 ? INT64_MIN : INT64_MAX);
        else
            st = buzz_buf_printf(out, NULL, "i64(%s%" PRIu64 ")", i % 2 ? "-" : "",
                                 (uint64_t)i << (i % 50));
        break;
    case BUZZ__TW_BINARY:
        st =
            i == 0 ? buzz_buf_printf(out, NULL, "\"\"") : buzz_buf_printf(out, NULL, "\"b%zu\"", i);
        break;
    case BUZZ__TW_STRUCT:
        st = buzz_buf_printf(out, NULL, "{1:%zu%s", i, i % 2 ? " 2:true" : "");
        if (!st && i % 5 == 0)
            st = buzz_buf_printf(out, NULL, " 20:i64(%" PRId64 ")", -(int64_t)i);
        if (!st)
            st = buzz_buf_printf(out, NULL, "}");
        break;
    default:
        fail();
    }
    assert_int_equal(st, BUZZ_OK);
}

static void test_list_sizes(void **state)
{
    (void)state;
    static const int types[] = {BUZZ__TW_BOOL, BUZZ__TW_I32, BUZZ__TW_I64, BUZZ__TW_BINARY,
                                BUZZ__TW_STRUCT};
    static const char *const names[] = {"bool", "i32", "i64", "bin", "struct"};
    static const struct {
        size_t n;
        const char *size_hex; /* "" = size in the header's high nibble */
    } sizes[] = {
        {0, ""},    {1, ""},     {14, ""},       {15, "0f"},
        {16, "10"}, {127, "7f"}, {128, "80 01"}, {1000, "e8 07"},
    };
    for (size_t t = 0; t < BUZZ_ARRAY_LEN(types); t++) {
        for (size_t s = 0; s < BUZZ_ARRAY_LEN(sizes); s++) {
            size_t n = sizes[s].n;
            char name[64];
            snprintf(name, sizeof name, "list<%s> of %zu", names[t], n);
            buzz_buf b;
            buzz__tw w;
            buzz_buf_init(&b, 0);
            buzz__tw_init(&w, &b, NULL);
            buzz__tw_struct_begin(&w);
            buzz__tw_field_list_begin(&w, 1, types[t], n);
            for (size_t i = 0; i < n; i++)
                write_elem(&w, types[t], i);
            buzz__tw_field_i32(&w, 2, 7); /* the list leaves the struct's field ids alone */
            buzz__tw_struct_end(&w);
            assert_int_equal(buzz__tw_status(&w), BUZZ_OK);

            /* Field header, then list header: short form (n << 4 | type) below 15, else
             * 0xF0 | type and the size as a varint. */
            char hdr[32];
            if (n < 15)
                snprintf(hdr, sizeof hdr, "19 %02zx", n << 4 | (size_t)types[t]);
            else
                snprintf(hdr, sizeof hdr, "19 f%x %s", (unsigned)types[t], sizes[s].size_hex);
            uint8_t hb[8];
            size_t hn = parse_hex(hdr, hb, sizeof hb);
            assert_true(b.len >= hn);
            expect_hex(name, b.data, hn, hdr);

            buzz_buf want;
            buzz_buf_init(&want, 0);
            assert_int_equal(buzz_buf_printf(&want, NULL, "{1:list<%s>[", names[t]), BUZZ_OK);
            for (size_t i = 0; i < n; i++) {
                if (i)
                    assert_int_equal(buzz_buf_append_byte(&want, ',', NULL), BUZZ_OK);
                render_elem(&want, types[t], i);
            }
            assert_int_equal(buzz_buf_printf(&want, NULL, "] 2:7}"), BUZZ_OK);
            assert_int_equal(buzz_buf_append_byte(&want, 0, NULL), BUZZ_OK);
            expect_decode(name, &b, (const char *)want.data);
            buzz_buf_free(&want);
            buzz_buf_free(&b);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Nested structs: each struct counts field ids from 0, and the outer count resumes after it. */
static void test_nested(void **state)
{
    (void)state;
    buzz_buf b;
    buzz__tw w;
    buzz_error err;
    buzz_buf_init(&b, 0);
    buzz__tw_init(&w, &b, &err);
    buzz__tw_struct_begin(&w);
    buzz__tw_field_i32(&w, 1, 1);
    buzz__tw_field_struct_begin(&w, 2);
    buzz__tw_field_i32(&w, 1, 2); /* delta 1 from 0, not -1 from 2 */
    buzz__tw_field_struct_begin(&w, 20);
    buzz__tw_field_bool(&w, 1, true);
    buzz__tw_struct_end(&w);
    buzz__tw_field_i64(&w, 21, -3); /* delta 1 from the restored 20 */
    buzz__tw_struct_end(&w);
    buzz__tw_field_i32(&w, 3, 4); /* delta 1 from the restored 2 */
    buzz__tw_field_list_begin(&w, 4, BUZZ__TW_STRUCT, 2);
    buzz__tw_struct_begin(&w);
    buzz__tw_field_i32(&w, 1, 5);
    buzz__tw_struct_end(&w);
    buzz__tw_struct_begin(&w);
    buzz__tw_field_i32(&w, 2, 6);
    buzz__tw_struct_end(&w);
    buzz__tw_field_i32(&w, 5, 7); /* delta 1 from the list's field id 4 */
    buzz__tw_struct_end(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    assert_int_equal(w.depth, 0);
    expect_hex("nested", b.data, b.len,
               "15 02 1c 15 04 0c 28 11 00 16 05 00 15 08 19 2c 15 0a 00 25 0c 00 15 0e 00");
    expect_decode("nested", &b,
                  "{1:1 2:{1:2 20:{1:true} 21:i64(-3)} 3:4 4:list<struct>[{1:5},{2:6}] 5:7}");
    buzz_buf_free(&b);

    /* Exactly BUZZ__TW_MAX_DEPTH frames fit: the top level and 15 nested struct fields. */
    buzz_buf_init(&b, 0);
    buzz__tw_init(&w, &b, &err);
    buzz__tw_struct_begin(&w);
    for (int i = 1; i < BUZZ__TW_MAX_DEPTH; i++)
        buzz__tw_field_struct_begin(&w, 1);
    assert_int_equal(w.depth, BUZZ__TW_MAX_DEPTH);
    for (int i = 0; i < BUZZ__TW_MAX_DEPTH; i++)
        buzz__tw_struct_end(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    assert_int_equal(b.len, 2 * BUZZ__TW_MAX_DEPTH - 1);
    for (int i = 0; i < BUZZ__TW_MAX_DEPTH - 1; i++)
        assert_int_equal(b.data[i], 0x1c);
    for (size_t i = BUZZ__TW_MAX_DEPTH - 1; i < b.len; i++)
        assert_int_equal(b.data[i], 0x00);
    char *got = decode(b.data, b.len);
    assert_null(strstr(got, "DECODE ERROR"));
    free(got);

    /* A writer can emit several top-level structs into one buffer (page header, then another). */
    buzz__tw_struct_begin(&w);
    buzz__tw_field_i32(&w, 1, 1);
    buzz__tw_struct_end(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    expect_hex("second top-level struct", b.data + 2 * BUZZ__TW_MAX_DEPTH - 1,
               b.len - (2 * BUZZ__TW_MAX_DEPTH - 1), "15 02 00");
    buzz_buf_free(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Errors: a Buzz bug gives BUZZ_ERR_INTERNAL with a message; a size past what readers accept gives
 * BUZZ_ERR_LIMIT. The first failure is sticky and every later call does nothing. */
static void sc_decreasing(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_i32(w, 5, 1);
    buzz__tw_field_i32(w, 3, 1);
}
static void sc_equal(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_i32(w, 2, 1);
    buzz__tw_field_bool(w, 2, true);
}
static void sc_zero(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_i64(w, 0, 1);
}
static void sc_negative(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_binary(w, -1, "x", 1);
}
static void sc_nested_decreasing(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_struct_begin(w, 4);
    buzz__tw_field_i32(w, 9, 1);
    buzz__tw_struct_end(w);
    buzz__tw_field_struct_begin(w, 4); /* the outer frame remembers 4 */
}
static void sc_depth_begin(buzz__tw *w)
{
    for (int i = 0; i <= BUZZ__TW_MAX_DEPTH; i++)
        buzz__tw_struct_begin(w);
}
static void sc_depth_field(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    for (int i = 0; i < BUZZ__TW_MAX_DEPTH; i++)
        buzz__tw_field_struct_begin(w, 1);
}
static void sc_end_underflow(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
}
static void sc_outside(buzz__tw *w)
{
    buzz__tw_field_i32(w, 1, 1);
}
static void sc_bad_elem_type(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, 13, 1);
}
static void sc_elem_type_zero(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, 0, 0);
}
static void sc_null_binary(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_binary(w, 1, NULL, 3);
}
static void sc_null_elem_binary(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, BUZZ__TW_BINARY, 1);
    buzz__tw_elem_binary(w, NULL, 3);
}
static void sc_null_string(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_string(w, 1, NULL);
}
static void sc_huge_list(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, BUZZ__TW_I32, (size_t)INT32_MAX + 1);
}
static void sc_huge_binary(buzz__tw *w)
{
    static const char x = 'x'; /* never read: the length is refused first */
    buzz__tw_struct_begin(w);
    buzz__tw_field_binary(w, 1, &x, (size_t)INT32_MAX + 1);
}
static void sc_huge_elem_binary(buzz__tw *w)
{
    static const char x = 'x';
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, BUZZ__TW_BINARY, 1);
    buzz__tw_elem_binary(w, &x, (size_t)INT32_MAX + 1);
}

/* Every entry point, after a failure: none may write, move the depth or change the status. */
static void call_everything(buzz__tw *w)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_bool(w, 100, true);
    buzz__tw_field_i8(w, 101, 1);
    buzz__tw_field_i16(w, 102, 1);
    buzz__tw_field_i32(w, 103, 1);
    buzz__tw_field_i64(w, 104, 1);
    buzz__tw_field_binary(w, 105, "a", 1);
    buzz__tw_field_string(w, 106, "a");
    buzz__tw_field_struct_begin(w, 107);
    buzz__tw_struct_end(w);
    buzz__tw_field_list_begin(w, 108, BUZZ__TW_I32, 1);
    buzz__tw_elem_bool(w, true);
    buzz__tw_elem_i32(w, 1);
    buzz__tw_elem_i64(w, 1);
    buzz__tw_elem_binary(w, "a", 1);
    buzz__put_uvarint(w, 1);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*run)(buzz__tw *w);
        buzz_status want;
        const char *msg;      /* substring of err.message */
        const char *want_hex; /* what was written before the failure */
    } cases[] = {
        {"decreasing field id", sc_decreasing, BUZZ_ERR_INTERNAL,
         "field id 3 after field id 5 in a struct at depth 1", "55 02"},
        {"repeated field id", sc_equal, BUZZ_ERR_INTERNAL, "field id 2 after field id 2", "25 02"},
        {"field id 0", sc_zero, BUZZ_ERR_INTERNAL, "field id 0 after field id 0", ""},
        {"negative field id", sc_negative, BUZZ_ERR_INTERNAL, "field id -1 after field id 0", ""},
        {"decreasing after a nested struct", sc_nested_decreasing, BUZZ_ERR_INTERNAL,
         "field id 4 after field id 4 in a struct at depth 1", "4c 95 02 00"},
        {"depth overflow (struct_begin)", sc_depth_begin, BUZZ_ERR_INTERNAL,
         "nested deeper than 16 levels", ""},
        {"depth overflow (field_struct_begin)", sc_depth_field, BUZZ_ERR_INTERNAL,
         "nested deeper than 16 levels", "1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c 1c"},
        {"struct_end without begin", sc_end_underflow, BUZZ_ERR_INTERNAL,
         "struct_end without a matching struct_begin", "00"},
        {"field outside a struct", sc_outside, BUZZ_ERR_INTERNAL, "outside any struct", ""},
        {"bad list element type", sc_bad_elem_type, BUZZ_ERR_INTERNAL,
         "13 is not a list element type", ""},
        {"list element type 0", sc_elem_type_zero, BUZZ_ERR_INTERNAL,
         "0 is not a list element type", ""},
        {"NULL binary data", sc_null_binary, BUZZ_ERR_INTERNAL, "NULL data", ""},
        {"NULL list element data", sc_null_elem_binary, BUZZ_ERR_INTERNAL, "NULL data", "19 18"},
        {"NULL string", sc_null_string, BUZZ_ERR_INTERNAL, "NULL string", ""},
        {"list over INT32_MAX", sc_huge_list, BUZZ_ERR_LIMIT, "2147483648 elements", ""},
        {"binary over INT32_MAX", sc_huge_binary, BUZZ_ERR_LIMIT, "2147483648 bytes", ""},
        {"list binary over INT32_MAX", sc_huge_elem_binary, BUZZ_ERR_LIMIT, "2147483648 bytes",
         "19 18"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        for (int with_err = 0; with_err < 2; with_err++) {
            buzz_buf b;
            buzz__tw w;
            buzz_error err;
            memset(&err, 0, sizeof err);
            buzz_buf_init(&b, 0);
            buzz__tw_init(&w, &b, with_err ? &err : NULL);
            cases[i].run(&w);
            if (buzz__tw_status(&w) != cases[i].want)
                fail_msg("%s: status %d, want %d", cases[i].name, buzz__tw_status(&w),
                         cases[i].want);
            expect_hex(cases[i].name, b.data, b.len, cases[i].want_hex);
            if (with_err) {
                assert_int_equal(err.code, cases[i].want);
                if (!strstr(err.message, cases[i].msg))
                    fail_msg("%s: message \"%s\" lacks \"%s\"", cases[i].name, err.message,
                             cases[i].msg);
            }
            /* Sticky: nothing more is written, the depth stays, the first message stays. */
            char first[sizeof err.message];
            snprintf(first, sizeof first, "%s", err.message);
            size_t len = b.len;
            int depth = w.depth;
            call_everything(&w);
            assert_int_equal(buzz__tw_status(&w), cases[i].want);
            assert_int_equal(b.len, len);
            assert_int_equal(w.depth, depth);
            if (with_err)
                assert_string_equal(err.message, first);
            buzz_buf_free(&b);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * A realistic FileMetaData (three columns, logical types, statistics, key/value metadata, column
 * orders) and a ColumnIndex/OffsetIndex, written the way writer.c writes them. */
static const char fmd_created_by[] = "buzz version 0.1.0";

static void write_schema_elem(buzz__tw *w, int type, int rep, const char *name, int converted)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_i32(w, 1, type);
    buzz__tw_field_i32(w, 3, rep);
    buzz__tw_field_string(w, 4, name);
    if (converted >= 0)
        buzz__tw_field_i32(w, 6, converted);
    buzz__tw_field_struct_begin(w, 10); /* LogicalType union */
}

static void write_column_chunk(buzz__tw *w, int64_t file_offset, int type, const int *encs,
                               size_t n_encs, const char *path, int codec, int64_t unc,
                               int64_t comp, int64_t data_off, int64_t dict_off)
{
    buzz__tw_struct_begin(w);
    buzz__tw_field_i64(w, 2, file_offset);
    buzz__tw_field_struct_begin(w, 3);
    buzz__tw_field_i32(w, 1, type);
    buzz__tw_field_list_begin(w, 2, BUZZ__TW_I32, n_encs);
    for (size_t i = 0; i < n_encs; i++)
        buzz__tw_elem_i32(w, encs[i]);
    buzz__tw_field_list_begin(w, 3, BUZZ__TW_BINARY, 1);
    buzz__tw_elem_binary(w, path, strlen(path));
    buzz__tw_field_i32(w, 4, codec);
    buzz__tw_field_i64(w, 5, INT64_C(3000000000));
    buzz__tw_field_i64(w, 6, unc);
    buzz__tw_field_i64(w, 7, comp);
    buzz__tw_field_i64(w, 9, data_off);
    if (dict_off >= 0)
        buzz__tw_field_i64(w, 11, dict_off);
}

static void write_statistics(buzz__tw *w, int64_t nulls, const void *max, size_t max_len,
                             const void *min, size_t min_len, bool max_exact, bool min_exact)
{
    buzz__tw_field_struct_begin(w, 12);
    buzz__tw_field_i64(w, 3, nulls);
    buzz__tw_field_binary(w, 5, max, max_len);
    buzz__tw_field_binary(w, 6, min, min_len);
    buzz__tw_field_bool(w, 7, max_exact);
    buzz__tw_field_bool(w, 8, min_exact);
    buzz__tw_struct_end(w);
}

static void write_file_metadata(buzz__tw *w, const uint8_t *blob, size_t blob_len)
{
    static const int enc_id[] = {BUZZ__PQ_ENC_PLAIN, BUZZ__PQ_ENC_RLE};
    static const int enc_name[] = {BUZZ__PQ_ENC_RLE_DICTIONARY, BUZZ__PQ_ENC_PLAIN,
                                   BUZZ__PQ_ENC_RLE};
    static const int enc_ts[] = {BUZZ__PQ_ENC_DELTA_BINARY_PACKED};
    static const uint8_t max_id[] = {0xff, 0xff, 0xff, 0x7f}, min_id[] = {0x00, 0x00, 0x00, 0x80};

    buzz__tw_struct_begin(w);
    buzz__tw_field_i32(w, 1, 2);
    buzz__tw_field_list_begin(w, 2, BUZZ__TW_STRUCT, 4);
    buzz__tw_struct_begin(w); /* root */
    buzz__tw_field_string(w, 4, "schema");
    buzz__tw_field_i32(w, 5, 3);
    buzz__tw_struct_end(w);
    write_schema_elem(w, BUZZ__PQ_INT32, 0, "id", -1);
    buzz__tw_field_struct_begin(w, 10); /* INTEGER: IntType */
    buzz__tw_field_i8(w, 1, 32);
    buzz__tw_field_bool(w, 2, true);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    write_schema_elem(w, BUZZ__PQ_BYTE_ARRAY, 1, "name", 0);
    buzz__tw_field_struct_begin(w, 1); /* STRING: StringType {} */
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    write_schema_elem(w, BUZZ__PQ_INT64, 1, "ts", 10);
    buzz__tw_field_struct_begin(w, 8); /* TIMESTAMP */
    buzz__tw_field_bool(w, 1, true);
    buzz__tw_field_struct_begin(w, 2); /* TimeUnit */
    buzz__tw_field_struct_begin(w, 2); /* MICROS {} */
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_field_i64(w, 3, INT64_C(3000000000));
    buzz__tw_field_list_begin(w, 4, BUZZ__TW_STRUCT, 1);
    buzz__tw_struct_begin(w); /* RowGroup */
    buzz__tw_field_list_begin(w, 1, BUZZ__TW_STRUCT, 3);
    write_column_chunk(w, 4, BUZZ__PQ_INT32, enc_id, 2, "id", BUZZ__PQ_CODEC_SNAPPY, 1200, 1100, 4,
                       -1);
    write_statistics(w, 0, max_id, 4, min_id, 4, true, false);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    write_column_chunk(w, 1104, BUZZ__PQ_BYTE_ARRAY, enc_name, 3, "name", BUZZ__PQ_CODEC_ZSTD,
                       50000, 20000, 1300, 1104);
    write_statistics(w, 17, "zebra", 5, "", 0, false, true);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    write_column_chunk(w, 21104, BUZZ__PQ_INT64, enc_ts, 1, "ts", BUZZ__PQ_CODEC_UNCOMPRESSED, 8, 8,
                       21104, -1);
    buzz__tw_struct_end(w);
    buzz__tw_struct_end(w);
    buzz__tw_field_i64(w, 2, 71208);
    buzz__tw_field_i64(w, 3, INT64_C(3000000000));
    buzz__tw_field_i64(w, 5, 4);
    buzz__tw_field_i64(w, 6, 21112);
    buzz__tw_field_i16(w, 7, 0);
    buzz__tw_struct_end(w);
    buzz__tw_field_list_begin(w, 5, BUZZ__TW_STRUCT, 2);
    buzz__tw_struct_begin(w);
    buzz__tw_field_string(w, 1, "ARROW:schema");
    buzz__tw_field_binary(w, 2, blob, blob_len);
    buzz__tw_struct_end(w);
    buzz__tw_struct_begin(w);
    buzz__tw_field_string(w, 1, "buzz.version");
    buzz__tw_field_string(w, 2, "0.1.0");
    buzz__tw_struct_end(w);
    buzz__tw_field_string(w, 6, fmd_created_by);
    buzz__tw_field_list_begin(w, 7, BUZZ__TW_STRUCT, 3);
    for (int i = 0; i < 3; i++) {
        buzz__tw_struct_begin(w);
        buzz__tw_field_struct_begin(w, 1); /* TYPE_ORDER */
        buzz__tw_struct_end(w);
        buzz__tw_struct_end(w);
    }
    buzz__tw_struct_end(w);
}

static const char fmd_want[] =
    "{1:2"
    " 2:list<struct>["
    "{4:\"schema\" 5:3},"
    "{1:1 3:0 4:\"id\" 10:{10:{1:i8(32) 2:true}}},"
    "{1:6 3:1 4:\"name\" 6:0 10:{1:{}}},"
    "{1:2 3:1 4:\"ts\" 6:10 10:{8:{1:true 2:{2:{}}}}}]"
    " 3:i64(3000000000)"
    " 4:list<struct>[{1:list<struct>["
    "{2:i64(4) 3:{1:1 2:list<i32>[0,3] 3:list<bin>[\"id\"] 4:1 5:i64(3000000000) 6:i64(1200)"
    " 7:i64(1100) 9:i64(4) 12:{3:i64(0) 5:\"\\xff\\xff\\xff\\x7f\" 6:\"\\x00\\x00\\x00\\x80\""
    " 7:true 8:false}}},"
    "{2:i64(1104) 3:{1:6 2:list<i32>[8,0,3] 3:list<bin>[\"name\"] 4:6 5:i64(3000000000)"
    " 6:i64(50000) 7:i64(20000) 9:i64(1300) 11:i64(1104) 12:{3:i64(17) 5:\"zebra\" 6:\"\""
    " 7:false 8:true}}},"
    "{2:i64(21104) 3:{1:2 2:list<i32>[5] 3:list<bin>[\"ts\"] 4:0 5:i64(3000000000) 6:i64(8)"
    " 7:i64(8) 9:i64(21104)}}]"
    " 2:i64(71208) 3:i64(3000000000) 5:i64(4) 6:i64(21112) 7:i16(0)}]"
    " 5:list<struct>[{1:\"ARROW:schema\" 2:\"\\x00\\x01\\xfe\\xff\\x22\\x5caz\"},"
    "{1:\"buzz.version\" 2:\"0.1.0\"}]"
    " 6:\"buzz version 0.1.0\""
    " 7:list<struct>[{1:{}},{1:{}},{1:{}}]}";

static const uint8_t fmd_blob[] = {0x00, 0x01, 0xfe, 0xff, '"', '\\', 'a', 'z'};

static void test_roundtrip_file_metadata(void **state)
{
    (void)state;
    buzz_buf b;
    buzz__tw w;
    buzz_error err;
    buzz_buf_init(&b, 0);
    buzz__tw_init(&w, &b, &err);
    write_file_metadata(&w, fmd_blob, sizeof fmd_blob);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    assert_int_equal(w.depth, 0);
    expect_decode("FileMetaData", &b, fmd_want);
    buzz_buf_free(&b);
}

static void write_column_index(buzz__tw *w)
{
    static const bool null_pages[] = {false, true, false};
    static const char *const mins[] = {"a", "", "m"}, *const maxs[] = {"k", "", "z"};
    static const int64_t nulls[] = {0, 100, 3};
    buzz__tw_struct_begin(w);
    buzz__tw_field_list_begin(w, 1, BUZZ__TW_BOOL, 3);
    for (size_t i = 0; i < 3; i++)
        buzz__tw_elem_bool(w, null_pages[i]);
    buzz__tw_field_list_begin(w, 2, BUZZ__TW_BINARY, 3);
    for (size_t i = 0; i < 3; i++)
        buzz__tw_elem_binary(w, mins[i], strlen(mins[i]));
    buzz__tw_field_list_begin(w, 3, BUZZ__TW_BINARY, 3);
    for (size_t i = 0; i < 3; i++)
        buzz__tw_elem_binary(w, maxs[i], strlen(maxs[i]));
    buzz__tw_field_i32(w, 4, 1); /* ASCENDING */
    buzz__tw_field_list_begin(w, 5, BUZZ__TW_I64, 3);
    for (size_t i = 0; i < 3; i++)
        buzz__tw_elem_i64(w, nulls[i]);
    buzz__tw_struct_end(w);
}

static void test_roundtrip_page_index(void **state)
{
    (void)state;
    buzz_buf b;
    buzz__tw w;
    buzz_buf_init(&b, 0);
    buzz__tw_init(&w, &b, NULL);
    write_column_index(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    /* null_pages: element type 1, elements 2 (false) / 1 (true). */
    expect_hex("ColumnIndex", b.data, b.len,
               "19 31 02 01 02 19 38 01 61 00 01 6d 19 38 01 6b 00 01 7a 15 02 19 36 00 c8 01 06 "
               "00");
    expect_decode("ColumnIndex", &b,
                  "{1:list<bool>[false,true,false] 2:list<bin>[\"a\",\"\",\"m\"]"
                  " 3:list<bin>[\"k\",\"\",\"z\"] 4:1 5:list<i64>[i64(0),i64(100),i64(3)]}");
    buzz_buf_free(&b);

    buzz_buf_init(&b, 0);
    buzz__tw_init(&w, &b, NULL);
    buzz__tw_struct_begin(&w); /* OffsetIndex */
    buzz__tw_field_list_begin(&w, 1, BUZZ__TW_STRUCT, 2);
    for (int p = 0; p < 2; p++) {
        buzz__tw_struct_begin(&w);
        buzz__tw_field_i64(&w, 1, p ? 124 : 4);
        buzz__tw_field_i32(&w, 2, p ? 98 : 120);
        buzz__tw_field_i64(&w, 3, p ? 1000 : 0);
        buzz__tw_struct_end(&w);
    }
    buzz__tw_struct_end(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    expect_decode("OffsetIndex", &b,
                  "{1:list<struct>[{1:i64(4) 2:120 3:i64(0)},{1:i64(124) 2:98 3:i64(1000)}]}");
    buzz_buf_free(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Resource failures: the buffer's maximum gives BUZZ_ERR_LIMIT, allocation failure BUZZ_ERR_NOMEM;
 * either way the bytes written are a prefix of the full encoding and nothing leaks. */
static void test_buffer_limit(void **state)
{
    (void)state;
    buzz_buf full;
    buzz__tw w;
    buzz_buf_init(&full, 0);
    buzz__tw_init(&w, &full, NULL);
    write_file_metadata(&w, fmd_blob, sizeof fmd_blob);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);

    for (size_t max = 1; max <= full.len; max++) {
        buzz_buf b;
        buzz_error err;
        buzz_buf_init(&b, max);
        buzz__tw_init(&w, &b, &err);
        write_file_metadata(&w, fmd_blob, sizeof fmd_blob);
        if (max == full.len) {
            assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
            assert_int_equal(b.len, full.len);
        } else {
            if (buzz__tw_status(&w) != BUZZ_ERR_LIMIT)
                fail_msg("max %zu: status %d, want BUZZ_ERR_LIMIT", max, buzz__tw_status(&w));
            char want[64];
            snprintf(want, sizeof want, "limit of %zu bytes", max);
            assert_non_null(strstr(err.message, want));
            assert_true(b.len <= max);
        }
        if (b.len)
            assert_memory_equal(b.data, full.data, b.len);
        buzz_buf_free(&b);
    }
    buzz_buf_free(&full);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    enum { BLOB = 20000 }; /* big enough for several buffer doublings */
    uint8_t *blob = malloc(BLOB);
    assert_non_null(blob);
    for (size_t i = 0; i < BLOB; i++)
        blob[i] = (uint8_t)i;
    size_t live = buzz_mem_live_bytes();
    int failures = 0;
    for (int64_t nth = 1;; nth++) {
        buzz_buf b;
        buzz__tw w;
        buzz_error err;
        buzz_buf_init(&b, 0);
        buzz__tw_init(&w, &b, &err);
        buzz_mem_fail_after(nth);
        write_file_metadata(&w, blob, BLOB);
        buzz_mem_fail_after(0);
        buzz_status st = buzz__tw_status(&w);
        if (st == BUZZ_OK) {
            assert_true(b.len > BLOB);
            buzz_buf_free(&b);
            break;
        }
        if (st != BUZZ_ERR_NOMEM)
            fail_msg("allocation %" PRId64 " failed: status %d, want BUZZ_ERR_NOMEM", nth, st);
        assert_int_equal(err.code, BUZZ_ERR_NOMEM);
        assert_non_null(strstr(err.message, "out of memory"));
        failures++;
        buzz_buf_free(&b);
        assert_int_equal(buzz_mem_live_bytes(), live);
        assert_true(nth < 100);
    }
    assert_true(failures >= 3);
    assert_int_equal(buzz_mem_live_bytes(), live);
    free(blob);
}

/* ---------------------------------------------------------------------------------------------
 * DuckDB reads a Parquet file whose PageHeader and FileMetaData come from the encoder: magic, one
 * PLAIN uncompressed v1 data page of INT32 values 1,2,3 (REQUIRED, so no levels), the footer, its
 * 4-byte length, magic. Variants add a LogicalType INTEGER (an i8 and a bool field two structs
 * deep), a ConvertedType, Statistics with both exactness bools, RowGroup offsets and an i16
 * ordinal, and key/value metadata on the column and the file; DuckDB reports each one back. */
typedef struct pq_variant {
    const char *name;
    int int_bits;         /* LogicalType INTEGER bitWidth; 0 = no logical type */
    bool int_signed;      /* LogicalType INTEGER isSigned */
    int converted;        /* SchemaElement.converted_type; -1 = none */
    bool with_extras;     /* Statistics, RowGroup offsets, key/value metadata */
    bool max_exact;       /* Statistics.is_max_value_exact */
    bool min_exact;       /* Statistics.is_min_value_exact */
    const char *typeof_x; /* what DuckDB's typeof(x) must say */
    const char *logical;  /* what parquet_schema() says of x's logical type */
} pq_variant;

static void put_le32(buzz_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    assert_int_equal(buzz_buf_append(b, p, 4, NULL), BUZZ_OK);
}

static void build_parquet(buzz_buf *file, const pq_variant *v)
{
    buzz__tw w;
    buzz_error err;
    assert_int_equal(buzz_buf_append(file, "PAR1", 4, NULL), BUZZ_OK);
    const int64_t page_offset = (int64_t)file->len;

    buzz_buf body;
    buzz_buf_init(&body, 0);
    for (uint32_t x = 1; x <= 3; x++)
        put_le32(&body, x);

    buzz__tw_init(&w, file, &err);
    buzz__tw_struct_begin(&w); /* PageHeader */
    buzz__tw_field_i32(&w, 1, BUZZ__PQ_PAGE_DATA);
    buzz__tw_field_i32(&w, 2, (int32_t)body.len);
    buzz__tw_field_i32(&w, 3, (int32_t)body.len);
    buzz__tw_field_struct_begin(&w, 5); /* DataPageHeader */
    buzz__tw_field_i32(&w, 1, 3);
    buzz__tw_field_i32(&w, 2, BUZZ__PQ_ENC_PLAIN);
    buzz__tw_field_i32(&w, 3, BUZZ__PQ_ENC_RLE);
    buzz__tw_field_i32(&w, 4, BUZZ__PQ_ENC_RLE);
    buzz__tw_struct_end(&w);
    buzz__tw_struct_end(&w);
    assert_int_equal(buzz__tw_status(&w), BUZZ_OK);
    assert_int_equal(buzz_buf_append(file, body.data, body.len, NULL), BUZZ_OK);
    const int64_t chunk_bytes = (int64_t)file->len - page_offset;
    buzz_buf_free(&body);

    const size_t footer_start = file->len;
    static const int encs[] = {BUZZ__PQ_ENC_PLAIN, BUZZ__PQ_ENC_RLE};
    static const uint8_t min_x[] = {1, 0, 0, 0}, max_x[] = {3, 0, 0, 0};
    buzz__tw_init(&w, file, &err);
    buzz__tw_struct_begin(&w); /* FileMetaData */
    buzz__tw_field_i32(&w, 1, 1);
    buzz__tw_field_list_begin(&w, 2, BUZZ__TW_STRUCT, 2);
    buzz__tw_struct_begin(&w);
    buzz__tw_field_string(&w, 4, "schema");
    buzz__tw_field_i32(&w, 5, 1);
    buzz__tw_struct_end(&w);
    buzz__tw_struct_begin(&w);
    buzz__tw_field_i32(&w, 1, BUZZ__PQ_INT32);
    buzz__tw_field_i32(&w, 3, 0); /* REQUIRED */
    buzz__tw_field_string(&w, 4, "x");
    if (v->converted >= 0)
        buzz__tw_field_i32(&w, 6, v->converted);
    if (v->int_bits) {
        buzz__tw_field_struct_begin(&w, 10); /* LogicalType */
        buzz__tw_field_struct_begin(&w, 10); /* INTEGER: IntType */
        buzz__tw_field_i8(&w, 1, (int8_t)v->int_bits);
        buzz__tw_field_bool(&w, 2, v->int_signed);
        buzz__tw_struct_end(&w);
        buzz__tw_struct_end(&w);
    }
    buzz__tw_struct_end(&w);
    buzz__tw_field_i64(&w, 3, 3);
    buzz__tw_field_list_begin(&w, 4, BUZZ__TW_STRUCT, 1);
    buzz__tw_struct_begin(&w); /* RowGroup */
    buzz__tw_field_list_begin(&w, 1, BUZZ__TW_STRUCT, 1);
    buzz__tw_struct_begin(&w); /* ColumnChunk */
    buzz__tw_field_i64(&w, 2, page_offset);
    buzz__tw_field_struct_begin(&w, 3); /* ColumnMetaData */
    buzz__tw_field_i32(&w, 1, BUZZ__PQ_INT32);
    buzz__tw_field_list_begin(&w, 2, BUZZ__TW_I32, 2);
    for (size_t i = 0; i < 2; i++)
        buzz__tw_elem_i32(&w, encs[i]);
    buzz__tw_field_list_begin(&w, 3, BUZZ__TW_BINARY, 1);
    buzz__tw_elem_binary(&w, "x", 1);
    buzz__tw_field_i32(&w, 4, BUZZ__PQ_CODEC_UNCOMPRESSED);
    buzz__tw_field_i64(&w, 5, 3);
    buzz__tw_field_i64(&w, 6, chunk_bytes);
    buzz__tw_field_i64(&w, 7, chunk_bytes);
    if (v->with_extras) {
        buzz__tw_field_list_begin(&w, 8, BUZZ__TW_STRUCT, 1); /* column key_value_metadata */
        buzz__tw_struct_begin(&w);
        buzz__tw_field_string(&w, 1, "col.k");
        buzz__tw_field_string(&w, 2, "col.v");
        buzz__tw_struct_end(&w);
    }
    buzz__tw_field_i64(&w, 9, page_offset);
    if (v->with_extras)
        write_statistics(&w, 0, max_x, 4, min_x, 4, v->max_exact, v->min_exact);
    buzz__tw_struct_end(&w);
    buzz__tw_struct_end(&w);
    buzz__tw_field_i64(&w, 2, chunk_bytes);
    buzz__tw_field_i64(&w, 3, 3);
    if (v->with_extras) {
        buzz__tw_field_i64(&w, 5, page_offset);
        buzz__tw_field_i64(&w, 6, chunk_bytes);
        buzz__tw_field_i16(&w, 7, 0);
    }
    buzz__tw_struct_end(&w);
    if (v->with_extras) {
        buzz__tw_field_list_begin(&w, 5, BUZZ__TW_STRUCT, 2);
        buzz__tw_struct_begin(&w);
        buzz__tw_field_string(&w, 1, "buzz.k1");
        buzz__tw_field_string(&w, 2, "v1");
        buzz__tw_struct_end(&w);
        buzz__tw_struct_begin(&w);
        buzz__tw_field_string(&w, 1, "buzz.k2");
        buzz__tw_field_string(&w, 2, "a longer value with UTF-8: \xc3\xa9");
        buzz__tw_struct_end(&w);
    }
    buzz__tw_field_string(&w, 6, "buzz thrift test");
    buzz__tw_struct_end(&w);
    if (buzz__tw_status(&w) != BUZZ_OK)
        fail_msg("%s: %s", v->name, err.message);
    /* The test decoder agrees with what DuckDB is about to read. */
    char *got = decode(file->data + footer_start, file->len - footer_start);
    char want[160];
    if (v->with_extras)
        snprintf(want, sizeof want,
                 " 2:i64(%" PRId64 ") 3:i64(3) 5:i64(%" PRId64 ") 6:i64(%" PRId64 ") 7:i16(0)}]",
                 chunk_bytes, page_offset, chunk_bytes);
    else
        snprintf(want, sizeof want, " 2:i64(%" PRId64 ") 3:i64(3)}]", chunk_bytes);
    if (strstr(got, "DECODE ERROR") || !strstr(got, want))
        fail_msg("%s: footer decodes to %s, want it to contain %s", v->name, got, want);
    free(got);
    put_le32(file, (uint32_t)(file->len - footer_start));
    assert_int_equal(buzz_buf_append(file, "PAR1", 4, NULL), BUZZ_OK);
}

/* All rows of a query as "a|b\n" lines (NULL as "NULL"), into out. */
static void duck_rows(duckdb_connection con, const char *sql, char *out, size_t cap)
{
    duckdb_result res;
    if (duckdb_query(con, sql, &res) == DuckDBError) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", duckdb_result_error(&res));
        duckdb_destroy_result(&res);
        fail_msg("duckdb: %s (%s)", msg, sql);
    }
    size_t k = 0;
    out[0] = '\0';
    idx_t rows = duckdb_row_count(&res), cols = duckdb_column_count(&res);
    for (idx_t r = 0; r < rows; r++) {
        for (idx_t c = 0; c < cols; c++) {
            char *s = duckdb_value_is_null(&res, c, r) ? NULL : duckdb_value_varchar(&res, c, r);
            k += (size_t)snprintf(out + k, cap - k, "%s%s", c ? "|" : "", s ? s : "NULL");
            duckdb_free(s);
            assert_true(k < cap);
        }
        k += (size_t)snprintf(out + k, cap - k, "\n");
        assert_true(k < cap);
    }
    duckdb_destroy_result(&res);
}

static void expect_duck(duckdb_connection con, const char *variant, const char *fmt,
                        const char *path, const char *want)
{
    char sql[1024], got[2048];
    snprintf(sql, sizeof sql, fmt, path);
    duck_rows(con, sql, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: %s\n got  %s\n want %s", variant, sql, got, want);
}

static void test_duckdb_reads_file(void **state)
{
    (void)state;
    /* DuckDB prints IntType.bitWidth (an i8) as a raw char: 32 is ' ', 16 is \x10, 8 is \x08.
     * DuckDB 1.4 picks narrow integer types from converted_type (UINT_16 = 12, INT_8 = 15). */
    static const pq_variant variants[] = {
        {"minimal", 0, false, -1, false, false, false, "INTEGER", "NULL"},
        {"INT(32, signed)", 32, true, -1, true, true, false, "INTEGER",
         "IntType(bitWidth= , isSigned=1)"},
        {"INT(16, unsigned), UINT_16", 16, false, 12, true, false, true, "USMALLINT",
         "IntType(bitWidth=\x10, isSigned=0)"},
        {"INT(8, signed), INT_8", 8, true, 15, true, true, true, "TINYINT",
         "IntType(bitWidth=\x08, isSigned=1)"},
    };
    duckdb_database db;
    duckdb_connection con;
    assert_int_equal(duckdb_open(NULL, &db), DuckDBSuccess);
    assert_int_equal(duckdb_connect(db, &con), DuckDBSuccess);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(variants); i++) {
        const pq_variant *v = &variants[i];
        buzz_buf file;
        buzz_buf_init(&file, 0);
        build_parquet(&file, v);
        char path[600], name[32];
        snprintf(name, sizeof name, "thrift_%zu.parquet", i);
        test_path(path, sizeof path, name);
        test_write_file(path, file.data, file.len);
        buzz_buf_free(&file);

        expect_duck(con, v->name, "SELECT sum(x)::BIGINT, count(*) FROM read_parquet('%s')", path,
                    "6|3\n");
        expect_duck(con, v->name, "SELECT list(x ORDER BY x)::VARCHAR FROM read_parquet('%s')",
                    path, "[1, 2, 3]\n");
        char want[64];
        snprintf(want, sizeof want, "%s\n", v->typeof_x);
        expect_duck(con, v->name, "SELECT DISTINCT typeof(x) FROM read_parquet('%s')", path, want);
        expect_duck(con, v->name,
                    "SELECT created_by, num_rows, num_row_groups, format_version "
                    "FROM parquet_file_metadata('%s')",
                    path, "buzz thrift test|3|1|1\n");
        expect_duck(con, v->name,
                    "SELECT path_in_schema, type, num_values, encodings, compression, "
                    "data_page_offset, total_compressed_size = total_uncompressed_size "
                    "FROM parquet_metadata('%s')",
                    path, "x|INT32|3|PLAIN, RLE|UNCOMPRESSED|4|true\n");
        snprintf(want, sizeof want, "x|INT32|REQUIRED|%s\n", v->logical);
        expect_duck(con, v->name,
                    "SELECT name, type, repetition_type, logical_type FROM parquet_schema('%s') "
                    "WHERE name = 'x'",
                    path, want);
        if (v->with_extras) {
            snprintf(want, sizeof want, "1|3|0|%s|%s\n", v->min_exact ? "true" : "false",
                     v->max_exact ? "true" : "false");
            expect_duck(con, v->name,
                        "SELECT stats_min_value, stats_max_value, stats_null_count, min_is_exact, "
                        "max_is_exact FROM parquet_metadata('%s')",
                        path, want);
            /* DuckDB 1.4.4 shows ColumnChunk.file_offset only when RowGroup.file_offset is set,
             * and reports RowGroup.total_compressed_size as whether it is set (1), not its
             * value; test_parquet_thrift's own decoder checks the values in the footer. */
            expect_duck(con, v->name,
                        "SELECT file_offset = data_page_offset, "
                        "row_group_compressed_bytes IS NOT NULL, "
                        "key_value_metadata::VARCHAR FROM parquet_metadata('%s')",
                        path, "true|true|{col.k=col.v}\n");
            expect_duck(con, v->name,
                        "SELECT decode(key), decode(value) FROM parquet_kv_metadata('%s') "
                        "ORDER BY key",
                        path, "buzz.k1|v1\nbuzz.k2|a longer value with UTF-8: \xc3\xa9\n");
        }
    }
    duckdb_disconnect(&con);
    duckdb_close(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decoder_rejects),
        cmocka_unit_test(test_uvarint),
        cmocka_unit_test(test_zigzag),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_long_binary),
        cmocka_unit_test(test_list_bytes),
        cmocka_unit_test(test_list_sizes),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_roundtrip_file_metadata),
        cmocka_unit_test(test_roundtrip_page_index),
        cmocka_unit_test(test_buffer_limit),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_duckdb_reads_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
