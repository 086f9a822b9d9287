/* buzz/csv.h: reading CSV files of any size. Opens a path, "-" (stdin), or a .gz/.zst file
 * (detected by magic bytes), detects the encoding (UTF-8 with or without BOM, UTF-16 LE/BE with BOM,
 * Windows-1252 fallback) and the dialect (delimiter, quote, escape, record delimiter, header,
 * preamble lines, comments, trailing empty columns, footer lines) from samples spread over the file,
 * then yields batches of rows in column-oriented form, tokenized in parallel by N threads with a SIMD
 * kernel picked at run time. Output is identical for every thread count and kernel.
 *
 * Thread-safety: a reader is used by one thread at a time; it runs its own worker threads inside.
 * Memory: bounded by about (threads + 3) * chunk_bytes plus the cell arrays of the batches in flight,
 * whatever the input size. Nothing here prints or exits. */
#ifndef BUZZ_CSV_H
#define BUZZ_CSV_H

#include "buzz/util.h"

#define BUZZ_CSV_NONE (-1) /* for quote/escape/comment: the dialect has none */

typedef enum buzz_encoding {
    BUZZ_ENCODING_AUTO = 0,
    BUZZ_ENCODING_UTF8,        /* with or without a BOM (the BOM is dropped) */
    BUZZ_ENCODING_UTF16LE,     /* converted to UTF-8 */
    BUZZ_ENCODING_UTF16BE,     /* converted to UTF-8 */
    BUZZ_ENCODING_WINDOWS1252, /* converted to UTF-8; also used for ISO-8859-1 / latin1 */
} buzz_encoding;

typedef enum buzz_compression {
    BUZZ_COMPRESSION_NONE = 0,
    BUZZ_COMPRESSION_GZIP,
    BUZZ_COMPRESSION_ZSTD,
} buzz_compression;

typedef enum buzz_newline {
    BUZZ_NEWLINE_AUTO = 0,
    BUZZ_NEWLINE_LF,   /* records end at LF; a CR right before the LF is dropped */
    BUZZ_NEWLINE_CRLF, /* read exactly like LF; reported so tools can write the same */
    BUZZ_NEWLINE_CR,   /* records end at CR (old Mac); an LF right after it is dropped */
} buzz_newline;

struct buzz_csv_dialect;
struct buzz_csv_batch;

/* Work done on each batch by the thread that tokenized it (a reader worker; the caller's thread
 * when threads == 1), right after tokenizing, while the chunk's bytes are still in cache: the way
 * to spread per-value work (type inference, parsing) over the reader's threads.
 *
 * run is called once per batch, and again when the reader tokenizes a chunk again (a guessed
 * chunk start was wrong; its first batches are never handed out): only what run left for the
 * batches handed out counts, so it must not add to totals of its own. Batches of different
 * chunks run concurrently and in any order.
 * The batch holds its final rows (footer rows are already excluded), first_row is 0, row_lines and
 * row_offsets are still relative to the chunk, and hook_state is NULL. `state` points at the
 * hook's own pointer for this batch's storage: NULL the first time, then whatever the hook left
 * there (reuse it: storage is recycled as chunks are consumed). The consumer finds it again as
 * buzz_csv_batch.hook_state of the same batch, valid until its next call to buzz_csv_reader_next.
 * An error fails the reading at this batch, in input order. free_state is called at close for
 * every non-NULL state. Both run with no reader lock held. */
typedef struct buzz_csv_batch_hook {
    buzz_status (*run)(void *user, const struct buzz_csv_dialect *dialect,
                       const struct buzz_csv_batch *b, void **state, buzz_error *err);
    void (*free_state)(void *user, void *state);
    void *user;
} buzz_csv_batch_hook;

/* Options for buzz_csv_reader_open. A zeroed struct means: detect everything, all defaults. */
typedef struct buzz_csv_options {
    buzz_encoding encoding;  /* 0 = detect                                    --encoding */
    int delimiter;           /* 0 = detect; else the byte                      --delimiter */
    int quote;               /* 0 = detect; BUZZ_CSV_NONE = no quoting         --quote */
    int escape;              /* 0 = detect; BUZZ_CSV_NONE = doubled quotes only --escape */
    int comment;             /* 0 = detect; BUZZ_CSV_NONE = no comment lines   --comment */
    int header;              /* 0 = detect; 1 = first row is a header; -1 = no header */
    buzz_newline newline;    /* 0 = detect */
    bool has_skip_lines;     /* use skip_lines instead of detecting the preamble  --skip */
    int64_t skip_lines;      /* lines before the table (titles, notes, "sep=;") */
    bool has_footer_lines;   /* use footer_lines instead of detecting the footer  --footer */
    int64_t footer_lines;    /* non-empty lines at the end skipped (totals, notes); 0 = none */
    unsigned threads;        /* tokenizer threads; 0 = online CPUs, at most 64  --threads */
    buzz_simd simd;          /* kernel; 0 = best the CPU runs                   --simd */
    size_t chunk_bytes;      /* bytes per parallel chunk; 0 = 4 MiB */
    size_t max_record_bytes; /* longest record accepted; 0 = 256 MiB */
    size_t max_columns;      /* widest table accepted; 0 = 100000 */
    bool strict;             /* any irregularity is an error                    --strict */
    const char *source_name; /* name used in messages; NULL = the path ("stdin" for "-") */
    /* Progress: called from the caller's thread inside buzz_csv_reader_next, at most once per
     * chunk. bytes_total is -1 when unknown (stdin, compressed input). NULL = none. */
    void (*on_progress)(void *user, int64_t bytes_done, int64_t bytes_total);
    void *progress_user;
    /* Cancellation: polled between chunks, from the reader's threads. When it returns true,
     * buzz_csv_reader_next fails with BUZZ_ERR_CANCELLED. NULL = never. */
    bool (*is_cancelled)(void *user);
    void *cancel_user;
    int merge_delimiters; /* 0 = detect; 1 = runs of the delimiter are one separator and
                             leading/trailing ones none (space-aligned text); -1 = never
                             --delimiter whitespace */
    bool checksum;        /* keep a CRC-32 of the raw input bytes (buzz_csv_reader_checksum);
                             costs about 0.3 s per GB on the reading thread */
    buzz_csv_batch_hook batch_hook; /* per-batch work on the reader's threads; zeroed = none */
    int inline_comments;  /* with a comment byte in effect: 0 = detect; 1 = an unquoted comment
                             byte inside a record also ends it, the rest of its line is a
                             comment (DuckDB, pandas, R); -1 = only whole lines are comments */
    /* Record starts found by an earlier reading of the same input with the same options
     * (buzz_csv_reader_cuts), ascending; borrowed until close. With worker threads, chunks are
     * cut there instead of by the boundary tracker (a second pass then skips that work), and
     * each such chunk is checked to end at a record start: one that does not fails with
     * BUZZ_ERR_IO (the input is not the one read before). NULL = none. */
    const int64_t *known_cuts;
    size_t known_cut_count;
    int ragged_rows;      /* 0 = detect; 1 = rows may leave out their trailing empty fields
                             (Excel after its 16th line, report tools on every line): short rows
                             are padded with NULL and not irregular; -1 = never  --ragged */
} buzz_csv_options;

/* The dialect in use: every field resolved (nothing left to detect). */
typedef struct buzz_csv_dialect {
    buzz_encoding encoding;
    bool has_bom;
    buzz_compression compression;
    char delimiter;
    int quote;               /* byte, or BUZZ_CSV_NONE */
    int escape;              /* byte (== quote means doubling), or BUZZ_CSV_NONE */
    int comment;             /* byte, or BUZZ_CSV_NONE */
    buzz_newline newline;    /* never AUTO */
    bool has_header;
    bool has_sep_line;       /* an Excel "sep=;" first line was found (and is skipped) */
    int64_t skip_lines;      /* lines skipped before the header or first row, sep= line included */
    size_t column_count;     /* columns of the table */
    size_t trailing_empty_columns; /* empty fields after the last column that every row carries
                                      (Excel's ",,,,"): dropped, not irregular */
    int64_t footer_lines;    /* non-empty lines at the end (totals, notes), skipped and reported;
                                only detected for seekable inputs, given by --footer for any */
    bool merge_delimiters;   /* space-aligned text: a run of delimiters is one separator */
    bool has_inline_comments; /* with a comment byte: an unquoted comment byte inside a record
                                 ends its last field and the record; the rest of the line is a
                                 comment ("1,2 # note" reads as 1,2). Else only lines starting
                                 with it (after spaces/tabs) are comments */
    size_t header_trailing_empty; /* how many of the trailing_empty_columns the header row
                                     carries too ("a,b," above "1,2,"; 0 for "a,b" above "1,2,"
                                     or without a header). Informational: both are dropped */
    bool ragged_rows;        /* rows may leave out trailing empty fields: a short row is padded
                                with NULL and is no irregularity (too-many fields still are) */
    bool skip_header_copies; /* rows equal to the header in every column are skipped and
                                reported (BUZZ_CSV_REPEATED_HEADER): set when the header names
                                a column of numbers, dates or booleans (a copy of it is then no
                                row; in a table of text it may be one), with two columns or more */
} buzz_csv_dialect;

/* Kinds of irregularity. Each is counted; the first examples keep line, offset and a message. */
typedef enum buzz_csv_issue_kind {
    BUZZ_CSV_TOO_FEW_FIELDS = 0, /* row padded with NULLs */
    BUZZ_CSV_TOO_MANY_FIELDS,    /* extra fields kept in the batch's extras, never shifted */
    BUZZ_CSV_UNTERMINATED_QUOTE, /* a quote opening a field is never closed: from that field
                                    on, the input is read as text without quoting */
    BUZZ_CSV_UNESCAPED_QUOTE,    /* "say "hi" now": a quote inside quotes that is not doubled,
                                    kept as text */
    BUZZ_CSV_QUOTE_IN_FIELD,     /* ab"c: a quote inside an unquoted field, kept as text */
    BUZZ_CSV_INVALID_BYTES,      /* bytes not valid in the encoding, replaced by U+FFFD */
    BUZZ_CSV_NUL_BYTES,          /* NUL bytes inside fields, kept */
    BUZZ_CSV_FOOTER_LINES,       /* trailing non-table lines skipped */
    BUZZ_CSV_REPEATED_HEADER,    /* a row equal to the header in every column (files exported
                                    in parts and joined), skipped */
    BUZZ_CSV_ISSUE_KIND_COUNT
} buzz_csv_issue_kind;

/* Static plain-English name of a kind ("row with too few fields", ...). */
const char *buzz_csv_issue_kind_name(buzz_csv_issue_kind kind);

#define BUZZ_CSV_ISSUE_EXAMPLES 5

typedef struct buzz_csv_issue {
    buzz_csv_issue_kind kind;
    int64_t line;       /* 1-based line of the record's first byte in the decoded input */
    int64_t offset;     /* byte offset of the record in the decoded input */
    char message[160];  /* what was expected and what was found */
} buzz_csv_issue;

typedef struct buzz_csv_report {
    int64_t counts[BUZZ_CSV_ISSUE_KIND_COUNT];
    buzz_csv_issue examples[BUZZ_CSV_ISSUE_KIND_COUNT][BUZZ_CSV_ISSUE_EXAMPLES];
    int64_t rows;         /* data rows delivered (header excluded) */
    int64_t blank_lines;  /* empty lines skipped */
    int64_t comment_lines;
    int64_t bytes_read;   /* decoded bytes consumed so far */
} buzz_csv_report;

/* A cell: a view into the batch's data. Length and flags share one word. */
typedef struct buzz_csv_cell {
    uint32_t offset;    /* into buzz_csv_batch.data */
    uint32_t len_flags; /* low 30 bits: length in bytes; flags above */
} buzz_csv_cell;

#define BUZZ_CSV_CELL_QUOTED 0x80000000u  /* the field was quoted ("" is an empty string) */
#define BUZZ_CSV_CELL_MISSING 0x40000000u /* the row had too few fields: NULL */
#define BUZZ_CSV_CELL_LEN_MASK 0x3FFFFFFFu

static inline size_t buzz_csv_cell_len(buzz_csv_cell c)
{
    return c.len_flags & BUZZ_CSV_CELL_LEN_MASK;
}
static inline bool buzz_csv_cell_is_quoted(buzz_csv_cell c)
{
    return (c.len_flags & BUZZ_CSV_CELL_QUOTED) != 0;
}
static inline bool buzz_csv_cell_is_missing(buzz_csv_cell c)
{
    return (c.len_flags & BUZZ_CSV_CELL_MISSING) != 0;
}

/* Fields beyond column_count in one row: kept as the raw text from the first extra field to the end
 * of the record (after unquoting of the fields themselves is NOT applied). */
typedef struct buzz_csv_extra {
    size_t row;            /* row index in the batch */
    size_t field_count;    /* how many extra fields */
    uint32_t offset, len;  /* raw text in buzz_csv_batch.data */
} buzz_csv_extra;

/* A batch of rows, column-oriented. Borrowed: valid until the next buzz_csv_reader_next or close. */
typedef struct buzz_csv_batch {
    size_t row_count;
    size_t column_count;
    int64_t first_row;            /* 0-based index of row 0 among all data rows of the input */
    const char *data;             /* cell bytes (unquoted and unescaped), 64 readable bytes past */
    const buzz_csv_cell *cells;   /* column-major: cell (r, c) is cells[c * row_stride + r] */
    size_t row_stride;
    const int64_t *row_lines;     /* 1-based source line of each row's first byte */
    const int64_t *row_offsets;   /* byte offset of each row in the decoded input */
    const buzz_csv_extra *extras; /* rows with too many fields, in row order */
    size_t extra_count;
    void *hook_state;             /* what the batch hook left for this batch (NULL without one) */
} buzz_csv_batch;

static inline buzz_csv_cell buzz_csv_batch_cell(const buzz_csv_batch *b, size_t row, size_t col)
{
    return b->cells[col * b->row_stride + row];
}

typedef struct buzz_csv_reader buzz_csv_reader;

/* Open path ("-" = standard input) for reading, sniff its encoding and dialect (options override
 * any detected property), and read the header. On success *out is owned: close it with
 * buzz_csv_reader_close. Fails with BUZZ_ERR_IO (cannot open/read), BUZZ_ERR_ARG (bad option,
 * naming it), BUZZ_ERR_PARSE (not CSV-like text at all, e.g. binary), BUZZ_ERR_NOMEM. */
BUZZ_NODISCARD buzz_status buzz_csv_reader_open(buzz_csv_reader **out, const char *path,
                                                const buzz_csv_options *opts, buzz_error *err);

/* Resolved dialect. Borrowed, valid until close. */
const buzz_csv_dialect *buzz_csv_reader_dialect(const buzz_csv_reader *r);
/* The options the reader was opened with (the batch hook in use, for instance). */
const buzz_csv_options *buzz_csv_reader_options(const buzz_csv_reader *r);

/* Column names: the header's fields (unquoted, as in the file, each cut at its first NUL byte;
 * blank or missing names are "") or all "" without a header. *out_names is borrowed until close;
 * count is the column count. */
void buzz_csv_reader_columns(const buzz_csv_reader *r, const buzz_str **out_names,
                             size_t *out_count);

/* Next batch in input order. *out_batch is NULL at the end of the input. With strict, the first
 * irregularity fails with BUZZ_ERR_PARSE at its line. Other failures: BUZZ_ERR_IO, BUZZ_ERR_LIMIT
 * (record longer than max_record_bytes), BUZZ_ERR_CANCELLED, BUZZ_ERR_NOMEM. After a failure the
 * reader can only be closed. */
BUZZ_NODISCARD buzz_status buzz_csv_reader_next(buzz_csv_reader *r,
                                                const buzz_csv_batch **out_batch,
                                                buzz_error *err);

/* Irregularities and counts so far (complete once next returned the end). Borrowed until close. */
const buzz_csv_report *buzz_csv_reader_report(const buzz_csv_reader *r);

/* Name of the tokenizer kernel in use ("scalar", "avx2", "avx512"). */
const char *buzz_csv_reader_kernel(const buzz_csv_reader *r);

/* Input size in bytes when known (regular files, compressed size for .gz/.zst), else -1. */
int64_t buzz_csv_reader_input_bytes(const buzz_csv_reader *r);

/* CRC-32 (the zlib / ISO-HDLC polynomial that `crc32` tools and Python's zlib.crc32 compute) of
 * the raw input bytes read so far: the file's bytes, compressed ones for .gz/.zst. Complete once
 * next returned the end. 0 when the checksum option was not set. */
uint32_t buzz_csv_reader_checksum(const buzz_csv_reader *r);

/* Where this reading cut its chunks so far: decoded offsets of record starts, ascending, one per
 * chunk but the last (complete once next returned the end). Borrowed until close; pass them as
 * known_cuts to read the same input again without the boundary tracker. */
void buzz_csv_reader_cuts(const buzz_csv_reader *r, const int64_t **out_cuts, size_t *out_count);

/* Stop worker threads and free everything. Accepts NULL. */
void buzz_csv_reader_close(buzz_csv_reader *r);

/* Names for messages and JSON. */
const char *buzz_encoding_name(buzz_encoding e);       /* "utf-8", "utf-16le", "windows-1252" */
const char *buzz_compression_name(buzz_compression c); /* "none", "gzip", "zstd" */
const char *buzz_newline_name(buzz_newline n);         /* "lf", "crlf", "cr" */
/* Parse an encoding name (utf-8, utf8, utf-16le, utf-16be, windows-1252, cp1252, latin1,
 * iso-8859-1); BUZZ_ERR_ARG naming the accepted values otherwise. */
BUZZ_NODISCARD buzz_status buzz_encoding_parse(const char *name, buzz_encoding *out,
                                               buzz_error *err);

#endif /* BUZZ_CSV_H */
