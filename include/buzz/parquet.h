/* buzz/parquet.h: Buzz's own Parquet writer (from the apache/parquet-format specification).
 * It takes a buzz_schema and typed column batches (buzz/types.h) and streams a Parquet file:
 * pages are encoded and compressed as they fill, each column's pages for the current row group are
 * kept (encoded and compressed) until the row group is complete, then the row group is written;
 * the footer (schema, row groups, statistics, page index, key-value metadata) goes last. Memory is
 * bounded by one row group of encoded pages plus one page of values per column, never by the file.
 *
 * Mapping of Buzz types: BOOLEAN -> BOOLEAN; INT32 -> INT32 (INT(32,signed)); INT64 -> INT64;
 * DECIMAL(p,s) -> INT32 (p <= 9), INT64 (p <= 18) or FIXED_LEN_BYTE_ARRAY(16) (p <= 38) with
 * DECIMAL(p,s); DOUBLE -> DOUBLE; DATE -> INT32 DATE; TIME -> INT64 TIME(MICROS, not UTC);
 * TIMESTAMP -> INT64 TIMESTAMP(MICROS, isAdjustedToUTC=false); TIMESTAMP_TZ -> INT64
 * TIMESTAMP(MICROS, true); VARCHAR and NULL-typed columns -> BYTE_ARRAY STRING.
 * Columns are REQUIRED when the schema's facts show no NULL can occur, else OPTIONAL.
 *
 * The output is an atomic file: a temp file until commit (fsync, rename); closing without a
 * commit removes it. A writer is used by one thread at a time. Nothing here prints or exits. */
#ifndef BUZZ_PARQUET_H
#define BUZZ_PARQUET_H

#include "buzz/types.h"
#include "buzz/util.h"

typedef enum buzz_parquet_codec {
    BUZZ_PARQUET_SNAPPY = 0, /* the default */
    BUZZ_PARQUET_UNCOMPRESSED,
    BUZZ_PARQUET_GZIP,
    BUZZ_PARQUET_ZSTD,
    BUZZ_PARQUET_LZ4_RAW,
} buzz_parquet_codec;

/* "snappy", "none", "gzip", "zstd", "lz4"; parse accepts "uncompressed" and "lz4_raw" too. */
const char *buzz_parquet_codec_name(buzz_parquet_codec c);
BUZZ_NODISCARD buzz_status buzz_parquet_codec_parse(const char *name, buzz_parquet_codec *out,
                                                    buzz_error *err);

typedef struct buzz_parquet_options {
    buzz_parquet_codec codec;
    int level;                 /* ZSTD 1-22, GZIP 1-9; 0 = the codec's default */
    int64_t row_group_rows;    /* rows per row group; 0 = BUZZ_PARQUET_DEFAULT_ROW_GROUP_ROWS */
    size_t row_group_bytes;    /* encoded bytes that close a row group early; 0 = 128 MiB */
    size_t page_bytes;         /* target uncompressed data page size; 0 = 1 MiB */
    bool no_dictionary;        /* PLAIN only (no RLE_DICTIONARY) */
    size_t dictionary_bytes;   /* a column chunk's dictionary stops growing (the column falls back
                                  to PLAIN) past this many value bytes; 0 = 1 MiB */
    unsigned threads;          /* columns encoded and compressed in parallel; 0 = 1. The file is
                                  identical for every thread count. */
    const char *metadata_json; /* value of the "buzz.schema" key-value metadata; NULL = none */
} buzz_parquet_options;

#define BUZZ_PARQUET_DEFAULT_ROW_GROUP_ROWS 122880

typedef struct buzz_parquet_writer buzz_parquet_writer;

/* Open path for writing the included columns of schema. The schema is borrowed until close. */
BUZZ_NODISCARD buzz_status buzz_parquet_writer_open(buzz_parquet_writer **out, const char *path,
                                                    const buzz_schema *schema,
                                                    const buzz_parquet_options *opts,
                                                    buzz_error *err);
/* Append a typed batch (filled with the same schema). */
BUZZ_NODISCARD buzz_status buzz_parquet_writer_write(buzz_parquet_writer *w,
                                                     const buzz_typed_batch *tb, buzz_error *err);
/* Set (or replace) the "buzz.schema" key-value metadata written in the footer at commit; the text
 * is copied. Lets the caller record facts known only at the end (row count, rejects). */
BUZZ_NODISCARD buzz_status buzz_parquet_writer_set_metadata(buzz_parquet_writer *w,
                                                            const char *json, buzz_error *err);
/* Write the last row group and the footer, fsync, rename into place; *out_bytes = file size. */
BUZZ_NODISCARD buzz_status buzz_parquet_writer_commit(buzz_parquet_writer *w, int64_t *out_bytes,
                                                      buzz_error *err);
/* Free; removes the temp file unless committed. Accepts NULL. */
void buzz_parquet_writer_close(buzz_parquet_writer *w);

#endif /* BUZZ_PARQUET_H */
