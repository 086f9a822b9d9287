/* csv/csv_internal.h: shared inside src/csv/ only. Three internal seams:
 *   1. the decoded byte stream (input.c, encoding.c): path/stdin/.gz/.zst in, UTF-8 out;
 *   2. the tokenizer state and kernels (scan_scalar.c is the specification; scan_avx2.c and
 *      scan_avx512.c meet its contract byte for byte);
 *   3. the sniffer (sniff.c), which picks a dialect from decoded samples.
 * reader.c ties them together with the chunk splitter and the worker threads. */
#ifndef BUZZ_CSV_INTERNAL_H
#define BUZZ_CSV_INTERNAL_H

#include "buzz/csv.h"

#define BUZZ__CSV_PAD 64 /* readable (and writable) bytes past the data of every chunk buffer */

/* =============================================================================================
 * 1. Decoded stream. */
typedef struct buzz__csv_stream buzz__csv_stream;

/* Open path ("-" = stdin). Compression is detected from magic bytes (gzip 1f 8b, zstd 28 b5 2f fd),
 * not the file name. Encoding: `forced` unless BUZZ_ENCODING_AUTO; else BOM (UTF-8, UTF-16 LE/BE),
 * else UTF-16 without BOM recognised by its NUL pattern, else UTF-8 when the first 1 MiB is valid
 * UTF-8 (or has at least as many valid multi-byte sequences as invalid ones), else Windows-1252.
 * A UTF-8 stream that meets invalid bytes after only ASCII switches to Windows-1252 from there
 * (the ASCII before reads the same in both); invalid bytes after real multi-byte UTF-8 become
 * U+FFFD and are counted. `name` is for messages (NULL = path).
 * *out is owned: buzz__csv_stream_close. Errors: BUZZ_ERR_IO (cannot open/read/decompress, with
 * strerror or the codec's message), BUZZ_ERR_NOMEM. */
buzz_status buzz__csv_stream_open(buzz__csv_stream **out, const char *path, const char *name,
                                  buzz_encoding forced, buzz_error *err);
/* The same, keeping a CRC-32 of the raw bytes (buzz__csv_source_checksum). */
buzz_status buzz__csv_stream_open_crc(buzz__csv_stream **out, const char *path, const char *name,
                                      buzz_encoding forced, bool keep_checksum, buzz_error *err);
/* Next decoded UTF-8 bytes, up to cap (cap >= 16). *out_len == 0 only at the end. Never returns a
 * partial UTF-8 sequence at the end of a call unless the input itself ends there. A smaller cap
 * works while the next character fits; otherwise BUZZ_ERR_ARG (never a 0 that looks like EOF). */
buzz_status buzz__csv_stream_read(buzz__csv_stream *s, uint8_t *buf, size_t cap, size_t *out_len,
                                  buzz_error *err);
buzz_encoding buzz__csv_stream_encoding(const buzz__csv_stream *s); /* after any fallback switch */
bool buzz__csv_stream_has_bom(const buzz__csv_stream *s);
buzz_compression buzz__csv_stream_compression(const buzz__csv_stream *s);
/* Regular, uncompressed file: samples can be taken anywhere. */
bool buzz__csv_stream_is_seekable(const buzz__csv_stream *s);
int64_t buzz__csv_stream_raw_size(const buzz__csv_stream *s);     /* file size; -1 unknown */
int64_t buzz__csv_stream_raw_consumed(const buzz__csv_stream *s); /* raw (file) bytes read so far */
struct buzz__csv_source *buzz__csv_stream_source(buzz__csv_stream *s);
/* Count and first offset (in decoded bytes) of invalid byte sequences replaced by U+FFFD. */
int64_t buzz__csv_stream_invalid_count(const buzz__csv_stream *s);
int64_t buzz__csv_stream_invalid_first_offset(const buzz__csv_stream *s); /* -1 = none */
/* Seekable streams only: decode up to cap bytes starting at the first character boundary at or
 * after raw_offset, without disturbing the sequential position. BUZZ_ERR_ARG if not seekable. */
buzz_status buzz__csv_stream_sample(buzz__csv_stream *s, int64_t raw_offset, uint8_t *buf,
                                    size_t cap, size_t *out_len, buzz_error *err);
void buzz__csv_stream_close(buzz__csv_stream *s); /* accepts NULL */

/* The byte source under the stream (input.c), used only by encoding.c: the raw bytes of a path or
 * stdin, inflated when they start with gzip or zstd magic. Open: *out is owned (source_close);
 * `name` as for the stream. Read fills up to cap bytes, fewer only at the end of the input.
 * Pread works on seekable sources only (BUZZ_ERR_ARG otherwise) and leaves the position alone.
 * Errors: BUZZ_ERR_IO (open, read or decompress, naming the input), BUZZ_ERR_NOMEM. */
typedef struct buzz__csv_source buzz__csv_source;
buzz_status buzz__csv_source_open(buzz__csv_source **out, const char *path, const char *name,
                                  bool keep_checksum, buzz_error *err);
buzz_status buzz__csv_source_read(buzz__csv_source *s, uint8_t *buf, size_t cap, size_t *out_len,
                                  buzz_error *err);
buzz_status buzz__csv_source_pread(buzz__csv_source *s, int64_t offset, uint8_t *buf, size_t cap,
                                   size_t *out_len, buzz_error *err);
buzz_compression buzz__csv_source_compression(const buzz__csv_source *s);
bool buzz__csv_source_is_seekable(const buzz__csv_source *s);
int64_t buzz__csv_source_size(const buzz__csv_source *s);     /* file size; -1 unknown */
int64_t buzz__csv_source_consumed(const buzz__csv_source *s); /* raw bytes read from the fd */
uint32_t buzz__csv_source_checksum(const buzz__csv_source *s);
const char *buzz__csv_source_name(const buzz__csv_source *s); /* borrowed until close */
void buzz__csv_source_close(buzz__csv_source *s);             /* accepts NULL */

/* =============================================================================================
 * 2. Tokenizer. One chunk buffer holds whole records (the splitter cuts only at record ends, so
 * every chunk starts in state FIELD_START); the last chunk of the input may end mid-record. */
typedef enum buzz__csv_state {
    BUZZ__ST_FIELD_START = 0, /* at a field's start, or after only spaces/tabs (leading blanks)
                               * since field_start (the record start when col == 0) */
    BUZZ__ST_UNQUOTED,        /* inside an unquoted field */
    BUZZ__ST_QUOTED,          /* inside quotes */
    BUZZ__ST_QUOTE_IN_QUOTED, /* just saw a quote inside quotes: closing, or first of "" */
    BUZZ__ST_AFTER_QUOTE,     /* after a closing quote, only spaces/tabs (CR in LF mode) so far */
    BUZZ__ST_ESCAPE,          /* just saw the escape byte inside quotes */
    BUZZ__ST_COMMENT,         /* inside a comment line */
    BUZZ__ST_INLINE_COMMENT,  /* after an inline comment byte (has_inline_comments): the record's
                               * fields have ended; the rest of the line is skipped and the
                               * record ends at its newline */
} buzz__csv_state;

/* A raw irregularity found by a kernel: chunk-relative, turned into line numbers in file order. */
typedef struct buzz__csv_raw_issue {
    buzz_csv_issue_kind kind;
    uint32_t row;        /* row index in the batch (or rows at the time for skipped records) */
    uint32_t rec_offset; /* chunk-relative offset of the record start */
    uint32_t field;      /* 0-based field index in the record */
    uint32_t detail;     /* kind-specific: field count found, ... */
} buzz__csv_raw_issue;

/* Where a tokenizing notes what it unescapes in place, so that the bytes can be put back
 * (buzz__csv_undo_apply) when the chunk turns out to have been read from a wrong start (the
 * reader's guessed cuts): per cell the positions of the bytes taken out (scan_scalar.c, 4 bytes
 * per doubled quote or escape). */
typedef struct buzz__csv_undo {
    uint8_t *buf;
    size_t len, cap;
    bool lost; /* out of memory while saving: the bytes cannot be put back */
} buzz__csv_undo;

/* Put back every cell saved in u into data (the cells of one tokenizing never overlap, so the
 * order does not matter), and empty u. */
void buzz__csv_undo_apply(buzz__csv_undo *u, uint8_t *data);

typedef struct buzz__csv_tok {
    /* Dialect, read-only during a scan. */
    uint8_t delim, quote, escape, comment;
    bool has_quote;   /* quote != NONE */
    bool has_escape;  /* an escape byte distinct from the quote */
    bool has_comment; /* comment lines are skipped */
    bool inline_comment; /* has_comment, and an unquoted comment byte inside a record ends it */
    bool cr_mode;     /* records end at CR (BUZZ_NEWLINE_CR); else at LF */
    bool merge_delim; /* runs of the delimiter are one separator (space-aligned text) */
    size_t ncols;
    size_t trailing_empty; /* extra empty fields tolerated without an issue */
    bool ragged;           /* short records are padded without an issue (ragged_rows) */

    /* Chunk data: writable (cells are unescaped in place), BUZZ__CSV_PAD bytes past len. */
    uint8_t *data;

    /* Output, caller-allocated: cells[col * row_cap + row], row_cap rows at most. */
    buzz_csv_cell *cells;
    int64_t *row_offsets; /* chunk-relative record start */
    int64_t *row_lines;   /* chunk-relative line: newline bytes before the record start */
    size_t row_cap;
    size_t rows;
    buzz_csv_extra *extras; /* capacity row_cap */
    size_t extra_count;
    buzz__csv_raw_issue *issues; /* capacity issue_cap; further issues counted only */
    size_t issue_cap, issue_count;
    int64_t issue_totals[BUZZ_CSV_ISSUE_KIND_COUNT];
    int64_t blank_lines, comment_lines;

    /* Scan state, carried across blocks and calls. */
    buzz__csv_state state;
    size_t col;          /* field index within the record */
    size_t field_start;  /* offset of the current field's first byte (its opening quote, after
                          * any leading blanks, if quoted) */
    size_t close_pos;    /* offset of the closing quote of the current quoted field */
    size_t clean_quoted; /* 1 + field_start when the current field is quoted and the SIMD blocks
                          * so far saw no quote in it after the opening one; else 0 */
    size_t rec_start;    /* offset of the current record */
    int64_t line;        /* newline bytes seen in this chunk so far */
    int64_t rec_line;    /* line at rec_start */
    bool quote_in_field; /* a quote was seen inside the current unquoted field */
    bool has_nul;        /* a NUL byte in the current record (reported once per record) */
    size_t extra_start;  /* offset of the first field beyond ncols in this record */
    size_t extra_end;    /* offset just past the last extra field's text */
    size_t extra_fields; /* fields beyond ncols in this record */
    bool extra_nonempty; /* one of them is not empty */
    bool is_full;        /* the batch reached row_cap; the scan stopped at a record end */

    /* An open record leaves the data as read (the reader's single-thread path cuts a chunk at
     * the record still open at its end and tokenizes that record again in the next chunk):
     * - unesc_cols (caller-allocated, ncols entries, or NULL to unescape at once): the columns
     *   whose cells end_field left raw, unescaped by end_record; unesc_count of them so far.
     * - issue_mark_rec: rec_start of the record whose first issue was counted last (SIZE_MAX:
     *   none), with issue_count and issue_totals as they were right before it, so that the
     *   issues of an open record can be taken back (buzz__csv_tok_drop_open). */
    uint32_t *unesc_cols;
    size_t unesc_count;
    buzz__csv_undo *undo; /* NULL, or where every unescaping in place is noted */
    size_t issue_mark_rec, issue_mark_count;
    int64_t issue_mark_totals[BUZZ_CSV_ISSUE_KIND_COUNT];
} buzz__csv_tok;

/* Set up t for dialect d (column_count, trailing_empty_columns included) and reset the state. */
void buzz__csv_tok_init(buzz__csv_tok *t, const buzz_csv_dialect *d);
/* Start a new batch: clear outputs, keep the state (which must be FIELD_START at a record start). */
void buzz__csv_tok_reset_output(buzz__csv_tok *t);
/* The scan stopped inside the record at t->rec_start: take back the issues counted for it, so
 * that the batch holds exactly the records before rec_start. Its bytes are as read when
 * t->unesc_cols was set (see there); its cells past t->rows are never read. */
void buzz__csv_tok_drop_open(buzz__csv_tok *t);

/* A kernel tokenizes data[pos, end) from t's current state and returns the offset it reached:
 * `end`, or the end of the record that filled the batch (t->is_full set). */
typedef size_t (*buzz__csv_scan_fn)(buzz__csv_tok *t, size_t pos, size_t end);
size_t buzz__csv_scan_scalar(buzz__csv_tok *t, size_t pos, size_t end);
size_t buzz__csv_scan_avx2(buzz__csv_tok *t, size_t pos, size_t end);
size_t buzz__csv_scan_avx512(buzz__csv_tok *t, size_t pos, size_t end);
/* End of input: close the open record (missing final newline) and return 0. `end` is the data
 * length. Needs one free row (call when !is_full). A quoted field still open is read again as
 * unquoted text with quoting off to the end: then nothing is closed and the return value (never
 * 0) is where the caller scans data[ret, end) again (without resetting the batch: the record is
 * still open) before calling this again. */
size_t buzz__csv_scan_finish(buzz__csv_tok *t, size_t end);

/* The scalar state machine's byte loop, used by SIMD kernels for blocks their fast path declines.
 * Processes data[pos, end) exactly as buzz__csv_scan_scalar; stops early only when the batch fills.*/
size_t buzz__csv_scan_bytes(buzz__csv_tok *t, size_t pos, size_t end);

/* Output steps shared by every kernel so that they cannot disagree. end_field: the current field
 * (t->field_start, state t->state, closing quote t->close_pos) ends at offset e, whose byte is a
 * delimiter or, when at_nl, the record-ending newline (or e is the end of the input). end_record:
 * after end_field of the last field; `next` is the offset of the next record. Both leave
 * t->state/col/field_start for the caller to advance, except end_record, which resets them for
 * the next record. */
void buzz__csv_end_field(buzz__csv_tok *t, size_t e, bool at_nl);
void buzz__csv_end_record(buzz__csv_tok *t, size_t next);

/* Record-boundary tracking for the splitter: the same state machine without output. */
typedef struct buzz__csv_track {
    uint8_t delim, quote, escape, comment;
    bool has_quote, has_escape, has_comment, cr_mode;
    bool inline_comment; /* as in buzz__csv_tok */
    buzz__csv_state state;
    bool at_record_start; /* FIELD_START at field 0 (possibly after leading blanks) */
    bool pending_cr;      /* CR mode: the last range ended with a record-ending CR */
} buzz__csv_track;

void buzz__csv_track_init(buzz__csv_track *k, const buzz_csv_dialect *d);
/* Advance over data[pos, end); return 1 + the offset of the last record-ending newline in the
 * range (the start of the next record), or 0 when the range holds no record end. In CR mode a CR
 * at the very end of the range is reported by the next call (an LF may follow it). */
typedef size_t (*buzz__csv_track_fn)(buzz__csv_track *k, const uint8_t *data, size_t pos,
                                     size_t end);
size_t buzz__csv_track_scalar(buzz__csv_track *k, const uint8_t *data, size_t pos, size_t end);
size_t buzz__csv_track_avx2(buzz__csv_track *k, const uint8_t *data, size_t pos, size_t end);
size_t buzz__csv_track_avx512(buzz__csv_track *k, const uint8_t *data, size_t pos, size_t end);

/* How often byte c occurs in data[0, n): the quote parity of the reader's guessed cuts. */
typedef size_t (*buzz__csv_count_fn)(const uint8_t *data, size_t n, uint8_t c);
size_t buzz__csv_count_byte_scalar(const uint8_t *data, size_t n, uint8_t c);
size_t buzz__csv_count_byte_avx2(const uint8_t *data, size_t n, uint8_t c);

/* Kernel pick: NULL when the CPU cannot run `want`. The count has no AVX-512 kernel of its own
 * (it is bound by memory): AVX-512 machines get the AVX2 one. */
buzz__csv_scan_fn buzz__csv_pick_scan(buzz_simd want);
buzz__csv_track_fn buzz__csv_pick_track(buzz_simd want);
buzz__csv_count_fn buzz__csv_pick_count(buzz_simd want);

/* =============================================================================================
 * 3. Sniffer. Works on decoded samples: the head of the input (always) and, for seekable inputs,
 * samples from the middle and the end (each starting at an arbitrary byte: the sniffer finds a
 * plausible record start itself). Options override detected properties. */
typedef struct buzz__csv_samples {
    const uint8_t *head; /* from the first byte (after the BOM) */
    size_t head_len;
    bool head_is_all;    /* the head is the whole input */
    const uint8_t *mid[4];
    size_t mid_len[4];
    size_t mid_count;
    const uint8_t *tail; /* the last bytes of the input; NULL if unknown */
    size_t tail_len;
} buzz__csv_samples;

/* Fill *out (every field resolved except encoding/has_bom/compression, left as found) from the
 * samples and options. Errors: BUZZ_ERR_ARG for contradictory options (e.g. delimiter == quote),
 * naming them. Never fails on odd data: it picks the most consistent dialect. */
buzz_status buzz__csv_sniff(const buzz__csv_samples *s, const buzz_csv_options *opts,
                            buzz_csv_dialect *out, buzz_error *err);

/* =============================================================================================
 * Reader internals for tests. Speculative cuts (reader.c): the reader guesses chunk cuts until
 * `misses` guesses were wrong (default 4; 0: never guess, SIZE_MAX: never fall back to the
 * tracker). Call before the first buzz_csv_reader_next. Stats: whether it still guesses, the
 * wrong guesses, the chunks tokenized again. */
void buzz__csv_reader_set_spec_limit(buzz_csv_reader *r, size_t misses);
void buzz__csv_reader_spec_stats(const buzz_csv_reader *r, bool *out_guessing, size_t *out_misses,
                                 size_t *out_fixes);

#endif /* BUZZ_CSV_INTERNAL_H */
