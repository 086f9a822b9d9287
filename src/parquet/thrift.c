/* parquet/thrift.c: the Thrift compact protocol encoder behind every Parquet structure Buzz writes
 * (PageHeader, FileMetaData, ColumnIndex, OffsetIndex). It follows apache/thrift
 * doc/specs/thrift-compact-protocol.md: field headers with a 4-bit id delta or a zigzag i16 id,
 * zigzag varints for i16/i32/i64, varint-length binaries, list headers with the size in the high
 * nibble or a varint, and a stop byte per struct. Bytes go into a caller's buzz_buf; the first
 * failure (buffer limit, out of memory, or a Buzz bug such as out-of-order field ids) is sticky, so
 * writer.c emits a whole structure and checks buzz__tw_status() once. Relies on util only;
 * tests/test_parquet_thrift.c checks every rule byte for byte and reads the result back with an
 * independent decoder and with DuckDB. */
#include "parquet/parquet_internal.h"

#include <stdio.h>
#include <string.h>

/* Thrift readers take sizes and lengths as i32 (Java's int): 2^31 - 1 is the most they accept. */
#define THRIFT_MAX_SIZE ((size_t)INT32_MAX)

/* A field header is a type byte and up to 3 bytes of zigzag i16; a value adds up to 10. */
enum { SCRATCH_BYTES = 16 };

size_t buzz__uvarint_encode(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

void buzz__tw_init(buzz__tw *w, buzz_buf *out, buzz_error *err)
{
    memset(w, 0, sizeof *w); /* status BUZZ_OK, depth 0, no open struct */
    w->out = out;
    w->err = err;
}

buzz_status buzz__tw_status(const buzz__tw *w)
{
    return w->st;
}

/* A Buzz bug (never caused by user input): record it once, with what was expected and found. */
static void fail_internal(buzz__tw *w, const char *fmt, ...) BUZZ_PRINTF(2, 3);
static void fail_internal(buzz__tw *w, const char *fmt, ...)
{
    va_list ap;
    char msg[256];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    w->st = buzz_error_set(w->err, BUZZ_ERR_INTERNAL, "Thrift encoder: %s", msg);
}

static void put(buzz__tw *w, const void *p, size_t n)
{
    if (w->st != BUZZ_OK)
        return;
    /* buzz_buf fills w->err itself: BUZZ_ERR_LIMIT past out->max, BUZZ_ERR_NOMEM. */
    w->st = buzz_buf_append(w->out, p, n, w->err);
}

static void put_byte(buzz__tw *w, uint8_t b)
{
    if (w->st != BUZZ_OK)
        return;
    w->st = buzz_buf_append_byte(w->out, b, w->err);
}

void buzz__put_uvarint(buzz__tw *w, uint64_t v)
{
    uint8_t tmp[10];
    if (w->st != BUZZ_OK)
        return;
    put(w, tmp, buzz__uvarint_encode(tmp, v));
}

/* Field header for (fid, compact type) into out; returns its length, or 0 after recording a bug:
 * no open struct, or a field id not above the previous one in this struct. Ids strictly increase
 * in every struct Buzz writes, so the first id is >= 1 and a delta of 1-15 takes the short form
 * (delta << 4 | type); a larger delta takes the long form (type, then the id as zigzag varint). */
static size_t field_header(buzz__tw *w, int16_t fid, int type, uint8_t *out)
{
    if (w->depth <= 0) {
        fail_internal(w, "field %d written outside any struct (call struct_begin first)", fid);
        return 0;
    }
    int16_t *last = &w->last_fid[w->depth - 1];
    if (fid <= *last) {
        fail_internal(w,
                      "field id %d after field id %d in a struct at depth %d; field ids must "
                      "increase",
                      fid, *last, w->depth);
        return 0;
    }
    int delta = fid - *last;
    *last = fid;
    if (delta <= 15) {
        out[0] = (uint8_t)((delta << 4) | type);
        return 1;
    }
    out[0] = (uint8_t)type;
    return 1 + buzz__uvarint_encode(out + 1, buzz__zigzag64(fid));
}

/* One field whose value is a zigzag varint (i16, i32, i64): header and value in one append. */
static void field_zigzag(buzz__tw *w, int16_t fid, int type, int64_t v)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    size_t n = field_header(w, fid, type, tmp);
    if (n == 0)
        return;
    n += buzz__uvarint_encode(tmp + n, buzz__zigzag64(v));
    put(w, tmp, n);
}

void buzz__tw_struct_begin(buzz__tw *w)
{
    if (w->st != BUZZ_OK)
        return;
    if (w->depth >= BUZZ__TW_MAX_DEPTH) {
        fail_internal(w, "structs nested deeper than %d levels", BUZZ__TW_MAX_DEPTH);
        return;
    }
    /* A nested struct counts its field ids from 0 again; the outer frame resumes on struct_end. */
    w->last_fid[w->depth++] = 0;
}

void buzz__tw_struct_end(buzz__tw *w)
{
    if (w->st != BUZZ_OK)
        return;
    if (w->depth <= 0) {
        fail_internal(w, "struct_end without a matching struct_begin");
        return;
    }
    put_byte(w, 0x00); /* stop field */
    w->depth--;
}

void buzz__tw_field_bool(buzz__tw *w, int16_t fid, bool v)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    /* A bool field has no value bytes: the type nibble is 1 (BOOLEAN_TRUE) or 2 (BOOLEAN_FALSE). */
    size_t n = field_header(w, fid, v ? 1 : 2, tmp);
    if (n)
        put(w, tmp, n);
}

void buzz__tw_field_i8(buzz__tw *w, int16_t fid, int8_t v)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    size_t n = field_header(w, fid, BUZZ__TW_BYTE, tmp);
    if (n == 0)
        return;
    tmp[n++] = (uint8_t)v; /* i8 is one raw byte, two's complement, not zigzag */
    put(w, tmp, n);
}

void buzz__tw_field_i16(buzz__tw *w, int16_t fid, int16_t v)
{
    field_zigzag(w, fid, BUZZ__TW_I16, v);
}

void buzz__tw_field_i32(buzz__tw *w, int16_t fid, int32_t v)
{
    field_zigzag(w, fid, BUZZ__TW_I32, v);
}

void buzz__tw_field_i64(buzz__tw *w, int16_t fid, int64_t v)
{
    field_zigzag(w, fid, BUZZ__TW_I64, v);
}

/* Binary body: varint length (not zigzag), then the bytes. */
static void binary_body(buzz__tw *w, uint8_t *tmp, size_t n_hdr, const void *p, size_t n)
{
    if (n > THRIFT_MAX_SIZE) {
        w->st = buzz_error_set(w->err, BUZZ_ERR_LIMIT,
                               "a Thrift binary of %zu bytes is longer than readers accept "
                               "(2147483647 bytes)",
                               n);
        return;
    }
    n_hdr += buzz__uvarint_encode(tmp + n_hdr, n);
    put(w, tmp, n_hdr);
    if (n)
        put(w, p, n);
}

void buzz__tw_field_binary(buzz__tw *w, int16_t fid, const void *p, size_t n)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    if (p == NULL && n != 0) {
        fail_internal(w, "field %d: NULL data for a binary of %zu bytes", fid, n);
        return;
    }
    size_t h = field_header(w, fid, BUZZ__TW_BINARY, tmp);
    if (h)
        binary_body(w, tmp, h, p, n);
}

void buzz__tw_field_string(buzz__tw *w, int16_t fid, const char *s)
{
    if (w->st != BUZZ_OK)
        return;
    if (s == NULL) {
        fail_internal(w, "field %d: NULL string", fid);
        return;
    }
    buzz__tw_field_binary(w, fid, s, strlen(s));
}

void buzz__tw_field_struct_begin(buzz__tw *w, int16_t fid)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    /* Checked before the header so a failed call leaves no dangling header byte behind. */
    if (w->depth >= BUZZ__TW_MAX_DEPTH) {
        fail_internal(w, "structs nested deeper than %d levels", BUZZ__TW_MAX_DEPTH);
        return;
    }
    size_t n = field_header(w, fid, BUZZ__TW_STRUCT, tmp);
    if (n == 0)
        return;
    put(w, tmp, n);
    buzz__tw_struct_begin(w);
}

static bool is_elem_type(int t)
{
    switch (t) {
    case BUZZ__TW_BOOL:
    case BUZZ__TW_BYTE:
    case BUZZ__TW_I16:
    case BUZZ__TW_I32:
    case BUZZ__TW_I64:
    case BUZZ__TW_DOUBLE:
    case BUZZ__TW_BINARY:
    case BUZZ__TW_LIST:
    case BUZZ__TW_STRUCT:
        return true;
    default:
        return false;
    }
}

void buzz__tw_field_list_begin(buzz__tw *w, int16_t fid, int elem_type, size_t count)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    if (!is_elem_type(elem_type)) {
        fail_internal(w, "field %d: %d is not a list element type", fid, elem_type);
        return;
    }
    if (count > THRIFT_MAX_SIZE) {
        w->st = buzz_error_set(w->err, BUZZ_ERR_LIMIT,
                               "a Thrift list of %zu elements is longer than readers accept "
                               "(2147483647 elements)",
                               count);
        return;
    }
    size_t n = field_header(w, fid, BUZZ__TW_LIST, tmp);
    if (n == 0)
        return;
    /* A bool list's element type is 1, as Java and C++ Thrift (parquet-mr, Arrow C++, DuckDB)
     * write it; the spec lets readers take 1 or 2, and every reader checked accepts both. */
    if (count <= 14) {
        tmp[n++] = (uint8_t)((count << 4) | (size_t)elem_type);
    } else {
        tmp[n++] = (uint8_t)(0xF0 | elem_type);
        n += buzz__uvarint_encode(tmp + n, count); /* unsigned varint, not zigzag */
    }
    put(w, tmp, n);
}

/* Bool list elements are one byte each: 1 for true and 2 for false (the compact types
 * BOOLEAN_TRUE/BOOLEAN_FALSE), never 0/1.
 * - Spec: thrift-compact-protocol.md, "Boolean encoding": "true as 1 and false as 2". Until
 *   apache/thrift commit 2c29c566 (Dec 2024, "Fix documentation to match implementation") it said
 *   0 for false, which no mainstream implementation did.
 * - Writers: Java TCompactProtocol.writeBool (parquet-mr), C++ TCompactProtocol.tcc (Arrow C++ and
 *   DuckDB's vendored copy), Apache Thrift's Go and Rust libraries and arrow-rs's parquet_thrift.rs
 *   all write 1/2.
 * - Readers: Java, C++, Go, DuckDB and hyparquet take byte == 1 as true, anything else as false.
 *   Rust thrift before 0.22 (the crate older arrow-rs releases use) accepts only 1 and 2 and
 *   rejects 0 as a protocol error; Rust thrift 0.22+ and arrow-rs's parquet_thrift.rs take 0 or 2
 *   as false.
 * So 1/2 is the one encoding every reader takes, which matters for ColumnIndex.null_pages. */
void buzz__tw_elem_bool(buzz__tw *w, bool v)
{
    put_byte(w, v ? 1 : 2);
}

void buzz__tw_elem_i32(buzz__tw *w, int32_t v)
{
    buzz__put_uvarint(w, buzz__zigzag64(v));
}

void buzz__tw_elem_i64(buzz__tw *w, int64_t v)
{
    buzz__put_uvarint(w, buzz__zigzag64(v));
}

void buzz__tw_elem_binary(buzz__tw *w, const void *p, size_t n)
{
    uint8_t tmp[SCRATCH_BYTES];
    if (w->st != BUZZ_OK)
        return;
    if (p == NULL && n != 0) {
        fail_internal(w, "list element: NULL data for a binary of %zu bytes", n);
        return;
    }
    binary_body(w, tmp, 0, p, n);
}
