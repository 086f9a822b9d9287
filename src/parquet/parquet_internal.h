/* parquet/parquet_internal.h: the pieces of the Parquet writer, shared inside src/parquet/ only.
 *
 * - Thrift compact protocol encoder (thrift.c): field headers with delta field ids, zigzag varints,
 *   binary, lists, nested structs; a sticky error so callers write a whole structure and check once.
 * - Encodings (encode.c): RLE/bit-packed hybrid (definition levels, dictionary indices), PLAIN for
 *   every physical type, DELTA_BINARY_PACKED for INT32/INT64, BYTE_STREAM_SPLIT for fixed widths,
 *   and a dictionary builder (hash table over fixed-width values or byte strings).
 * - Codecs (codec.c): UNCOMPRESSED, SNAPPY (libsnappy C API), GZIP (zlib, gzip framing), ZSTD
 *   (level), LZ4_RAW (liblz4 block format).
 * - The writer (writer.c): pages, column chunks, statistics, page index, row groups, footer.
 * All output goes into buzz_buf buffers; nothing here does I/O except writer.c. */
#ifndef BUZZ_PARQUET_INTERNAL_H
#define BUZZ_PARQUET_INTERNAL_H

#include "buzz/util.h"

/* ---------------------------------------------------------------------------------------------
 * Parquet enums (values from parquet.thrift). */
enum {
    BUZZ__PQ_BOOLEAN = 0,
    BUZZ__PQ_INT32 = 1,
    BUZZ__PQ_INT64 = 2,
    BUZZ__PQ_INT96 = 3,
    BUZZ__PQ_FLOAT = 4,
    BUZZ__PQ_DOUBLE = 5,
    BUZZ__PQ_BYTE_ARRAY = 6,
    BUZZ__PQ_FIXED_LEN_BYTE_ARRAY = 7,
};
enum {
    BUZZ__PQ_ENC_PLAIN = 0,
    BUZZ__PQ_ENC_PLAIN_DICTIONARY = 2,
    BUZZ__PQ_ENC_RLE = 3,
    BUZZ__PQ_ENC_DELTA_BINARY_PACKED = 5,
    BUZZ__PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    BUZZ__PQ_ENC_DELTA_BYTE_ARRAY = 7,
    BUZZ__PQ_ENC_RLE_DICTIONARY = 8,
    BUZZ__PQ_ENC_BYTE_STREAM_SPLIT = 9,
};
enum {
    BUZZ__PQ_CODEC_UNCOMPRESSED = 0,
    BUZZ__PQ_CODEC_SNAPPY = 1,
    BUZZ__PQ_CODEC_GZIP = 2,
    BUZZ__PQ_CODEC_ZSTD = 6,
    BUZZ__PQ_CODEC_LZ4_RAW = 7,
};
enum {
    BUZZ__PQ_PAGE_DATA = 0,
    BUZZ__PQ_PAGE_DICTIONARY = 2,
    BUZZ__PQ_PAGE_DATA_V2 = 3,
};

/* ---------------------------------------------------------------------------------------------
 * Thrift compact protocol (https://github.com/apache/thrift/blob/master/doc/specs/
 * thrift-compact-protocol.md). Usage:
 *
 *   buzz__tw w; buzz__tw_init(&w, &buf, err);
 *   buzz__tw_struct_begin(&w);                 // top-level struct (no field header)
 *   buzz__tw_field_i32(&w, 1, version);
 *   buzz__tw_field_list_begin(&w, 2, BUZZ__TW_STRUCT, n);
 *   for (...) { buzz__tw_struct_begin(&w); ...fields...; buzz__tw_struct_end(&w); }
 *   buzz__tw_field_struct_begin(&w, 5);        // a struct-valued field: header + begin
 *   ...; buzz__tw_struct_end(&w);
 *   buzz__tw_struct_end(&w);                   // writes the stop byte
 *   if (buzz__tw_status(&w) != BUZZ_OK) ...
 *
 * Field ids must increase within a struct (the encoder uses the short delta form when the delta is
 * 1-15 and the long form otherwise). Nesting depth is at most BUZZ__TW_MAX_DEPTH. */
enum {
    BUZZ__TW_BOOL = 1, /* compact type ids */
    BUZZ__TW_BYTE = 3,
    BUZZ__TW_I16 = 4,
    BUZZ__TW_I32 = 5,
    BUZZ__TW_I64 = 6,
    BUZZ__TW_DOUBLE = 7,
    BUZZ__TW_BINARY = 8,
    BUZZ__TW_LIST = 9,
    BUZZ__TW_STRUCT = 12,
};
#define BUZZ__TW_MAX_DEPTH 16

typedef struct buzz__tw {
    buzz_buf *out;
    buzz_error *err;
    buzz_status st; /* sticky: the first failure; later calls do nothing */
    int depth;
    int16_t last_fid[BUZZ__TW_MAX_DEPTH];
} buzz__tw;

void buzz__tw_init(buzz__tw *w, buzz_buf *out, buzz_error *err);
buzz_status buzz__tw_status(const buzz__tw *w);
void buzz__tw_struct_begin(buzz__tw *w); /* a struct value: pushes a field-id frame */
void buzz__tw_struct_end(buzz__tw *w);   /* stop byte, pops the frame */
void buzz__tw_field_bool(buzz__tw *w, int16_t fid, bool v);
void buzz__tw_field_i8(buzz__tw *w, int16_t fid, int8_t v);
void buzz__tw_field_i16(buzz__tw *w, int16_t fid, int16_t v);
void buzz__tw_field_i32(buzz__tw *w, int16_t fid, int32_t v);
void buzz__tw_field_i64(buzz__tw *w, int16_t fid, int64_t v);
void buzz__tw_field_binary(buzz__tw *w, int16_t fid, const void *p, size_t n);
void buzz__tw_field_string(buzz__tw *w, int16_t fid, const char *s); /* NUL-terminated */
void buzz__tw_field_struct_begin(buzz__tw *w, int16_t fid);           /* then struct_end */
void buzz__tw_field_list_begin(buzz__tw *w, int16_t fid, int elem_type, size_t count);
/* List elements (after field_list_begin): */
void buzz__tw_elem_bool(buzz__tw *w, bool v);
void buzz__tw_elem_i32(buzz__tw *w, int32_t v);
void buzz__tw_elem_i64(buzz__tw *w, int64_t v);
void buzz__tw_elem_binary(buzz__tw *w, const void *p, size_t n);
/* Raw helpers, also used by the encodings. */
void buzz__put_uvarint(buzz__tw *w, uint64_t v);
size_t buzz__uvarint_encode(uint8_t *out, uint64_t v); /* out holds 10 bytes; returns length */
static inline uint64_t buzz__zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* ---------------------------------------------------------------------------------------------
 * Encodings. Every function appends to out and returns BUZZ_OK, BUZZ_ERR_NOMEM or BUZZ_ERR_LIMIT
 * (out's maximum). */

/* RLE/bit-packed hybrid of n values of bit_width bits (0-32), without the 4-byte length prefix
 * (data page v1 definition levels need the prefix: the caller writes it). Runs of 8+ equal values
 * become RLE runs, the rest bit-packed groups of 8 (padded with zeros). bit_width 0 writes one RLE
 * run (or nothing for n == 0). */
BUZZ_NODISCARD buzz_status buzz__rle_encode_u32(buzz_buf *out, const uint32_t *values, size_t n,
                                               int bit_width, buzz_error *err);
/* The same for byte values 0/1 (definition levels from validity bytes), bit width 1. */
BUZZ_NODISCARD buzz_status buzz__rle_encode_bits(buzz_buf *out, const uint8_t *values, size_t n,
                                                buzz_error *err);
/* Bits needed for values 0..max (0 for max == 0). */
int buzz__bit_width(uint32_t max);

/* PLAIN. Fixed widths: the values little-endian (width 1 = BOOLEAN is bit-packed, LSB first).
 * Byte arrays: 4-byte little-endian length then the bytes, for each value. FIXED_LEN_BYTE_ARRAY:
 * the bytes. */
BUZZ_NODISCARD buzz_status buzz__plain_booleans(buzz_buf *out, const uint8_t *values, size_t n,
                                               buzz_error *err);
BUZZ_NODISCARD buzz_status buzz__plain_fixed(buzz_buf *out, const void *values, size_t n,
                                            size_t width, buzz_error *err);
BUZZ_NODISCARD buzz_status buzz__plain_byte_array(buzz_buf *out, const char *chars,
                                                 const uint32_t *offsets, size_t n,
                                                 buzz_error *err);

/* DELTA_BINARY_PACKED (block 128, 4 miniblocks of 32) over int64 values (INT32 columns pass them
 * widened; the encoding is the same). */
BUZZ_NODISCARD buzz_status buzz__delta_binary_packed(buzz_buf *out, const int64_t *values,
                                                    size_t n, buzz_error *err);
/* BYTE_STREAM_SPLIT: byte k of every value, for k = 0..width-1. */
BUZZ_NODISCARD buzz_status buzz__byte_stream_split(buzz_buf *out, const void *values, size_t n,
                                                  size_t width, buzz_error *err);

/* Dictionary builder: distinct values in first-seen order and an index per value added. Fixed
 * width (4, 8 or 16 bytes) or byte strings (width 0). Memory: the distinct values plus a hash table
 * of 2x their count; `max_bytes` bounds the dictionary's PLAIN size (add fails softly with
 * *out_full = true when a new value would pass it, so the caller falls back to PLAIN). */
typedef struct buzz__dict buzz__dict;
BUZZ_NODISCARD buzz_status buzz__dict_new(buzz__dict **out, size_t width, size_t max_bytes,
                                         buzz_error *err);
void buzz__dict_free(buzz__dict *d);
void buzz__dict_reset(buzz__dict *d); /* empty, keep memory (a new column chunk) */
/* Add n fixed-width values (skip those with valid[i] == 0, when valid is not NULL); write the index
 * of each added value into indices (one per valid value, in order). *out_added = values consumed
 * (all n unless the dictionary became full: then indices holds those before the first that did
 * not fit, and *out_full is true). */
BUZZ_NODISCARD buzz_status buzz__dict_add_fixed(buzz__dict *d, const void *values,
                                               const uint8_t *valid, size_t n, uint32_t *indices,
                                               size_t *out_added, bool *out_full,
                                               buzz_error *err);
BUZZ_NODISCARD buzz_status buzz__dict_add_strings(buzz__dict *d, const char *chars,
                                                 const uint32_t *offsets, const uint8_t *valid,
                                                 size_t n, uint32_t *indices, size_t *out_added,
                                                 bool *out_full, buzz_error *err);
size_t buzz__dict_count(const buzz__dict *d);
size_t buzz__dict_plain_bytes(const buzz__dict *d); /* size of the PLAIN dictionary page body */
/* The dictionary page body: the distinct values PLAIN-encoded in index order. */
BUZZ_NODISCARD buzz_status buzz__dict_write_plain(const buzz__dict *d, buzz_buf *out,
                                                 buzz_error *err);
/* Value i of a fixed-width dictionary / string dictionary (borrowed). */
const void *buzz__dict_fixed_value(const buzz__dict *d, uint32_t i);
buzz_str buzz__dict_string_value(const buzz__dict *d, uint32_t i);

/* ---------------------------------------------------------------------------------------------
 * Codecs. */
/* Compress n bytes from src, appending to out. level is used by ZSTD (1-22; 0 = 3) and GZIP (1-9;
 * 0 = 6). BUZZ_ERR_ARG for an unknown codec. */
BUZZ_NODISCARD buzz_status buzz__compress(int codec, int level, const void *src, size_t n,
                                         buzz_buf *out, buzz_error *err);
/* Decompress (for tests and the fuzz target): exactly n_out bytes are expected. */
BUZZ_NODISCARD buzz_status buzz__decompress(int codec, const void *src, size_t n, void *dst,
                                           size_t n_out, buzz_error *err);

#endif /* BUZZ_PARQUET_INTERNAL_H */
