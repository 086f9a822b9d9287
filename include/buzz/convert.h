/* buzz/convert.h: one or more CSV files in, one typed output file out. The conversion makes two passes over
 * the input: the first reads every value to infer the column types (buzz_schema_infer), the second
 * parses every value as its column's type and writes the output. Standard input is first spilled
 * to a temporary file so it can be read twice; compressed inputs are decompressed twice. When a
 * user schema gives the type of every included column, the first pass is skipped.
 *
 * Outputs: ".parquet" (typed, compressed; buzz/parquet.h) or ".csv" (a clean RFC 4180 UTF-8 CSV
 * with the typed values in canonical form: ISO dates, '.' decimal mark, no grouping or units,
 * "true"/"false"). The Parquet footer carries the schema document as "buzz.schema". The output and the rejects file appear
 * atomically (temp file, fsync, rename); on any failure or cancellation nothing is left behind.
 *
 * Thread-safety: a conversion runs on the caller's thread (plus the reader's worker threads); any
 * number of conversions may run at once in one process. Nothing here prints or exits. */
#ifndef BUZZ_CONVERT_H
#define BUZZ_CONVERT_H

#include "buzz/csv.h"
#include "buzz/parquet.h"
#include "buzz/types.h"
#include "buzz/util.h"

typedef enum buzz_output_format {
    BUZZ_OUTPUT_AUTO = 0, /* from the output path's extension */
    BUZZ_OUTPUT_CSV,
    BUZZ_OUTPUT_PARQUET,
} buzz_output_format;

/* The format an output path names: ".csv" or ".parquet"/".pq" (any case); BUZZ_OUTPUT_AUTO when
 * it names neither. */
buzz_output_format buzz_output_format_of(const char *path);

typedef enum buzz_convert_phase {
    BUZZ_PHASE_INFER = 0, /* first pass: reading every value for the types */
    BUZZ_PHASE_WRITE,     /* second pass: parsing and writing */
} buzz_convert_phase;

/* Where a conversion is. Both passes read the whole input, so a pass's share of the work is
 * bytes_done / bytes_total; the first pass is about a third of the time, the second the rest. */
typedef struct buzz_convert_progress {
    buzz_convert_phase phase;
    int64_t bytes_done;  /* decoded bytes read in this pass (several inputs: file bytes, each
                            input weighted by its size), never decreasing within a pass */
    int64_t bytes_total; /* -1 when unknown (standard input spilled is known; gzip is not) */
    int64_t rows_done;   /* data rows delivered in this pass so far */
    size_t input;        /* 0-based index of the input being read */
    size_t input_count;
} buzz_convert_progress;

typedef struct buzz_convert_options {
    const char *input;            /* path, "-" for standard input (when inputs is NULL) */
    /* Several inputs into one output (input is then not used): each is sniffed on its own and
     * must hold the same columns as the first, matched by name (ASCII case-insensitive, in any
     * order; the output keeps the first input's order and names). Types are inferred over all of
     * them. "-" may appear once. */
    const char *const *inputs;
    size_t input_count;
    const char *output;           /* path of the output file */
    buzz_output_format format;
    const char *rejects_path;     /* CSV of rejected values (line,column,value,reason); NULL = none */
    const buzz_schema *user_schema; /* a schema document to apply; NULL = infer everything */
    buzz_csv_options csv;         /* reading options (progress/cancel fields are set by convert) */
    buzz_infer_options infer;     /* typing options (delimiter is set from the dialect) */
    buzz_parquet_options parquet; /* codec, row groups... (metadata_json is set by convert) */
    const char *tmp_dir;          /* for the stdin spill; NULL = $TMPDIR or /tmp */
    /* Memory budget of the conversion in bytes; 0 = BUZZ_CONVERT_DEFAULT_MEMORY. It sizes the
     * reader's chunks and the writer's row groups, pages and dictionaries (buzz_convert_plan), so
     * the peak stays below it whatever the input's size and width. Fields of `csv` and `parquet`
     * that the caller set explicitly win. At least BUZZ_CONVERT_MIN_MEMORY. */
    size_t memory_limit;
    /* Progress, from the caller's thread, a few times per input chunk (see
     * buzz_convert_progress). NULL = none. */
    void (*on_progress)(void *user, const struct buzz_convert_progress *progress);
    void *progress_user;
    bool (*is_cancelled)(void *user); /* polled between chunks; NULL = never */
    void *cancel_user;
} buzz_convert_options;

#define BUZZ_CONVERT_DEFAULT_MEMORY ((size_t)256 << 20)
#define BUZZ_CONVERT_MIN_MEMORY ((size_t)96 << 20)

/* How a memory budget is spent, for `threads` reader threads and `columns` output columns. */
typedef struct buzz_convert_plan {
    size_t chunk_bytes;      /* reader chunk; threads + 2 chunks are in flight */
    size_t row_group_bytes;  /* encoded bytes buffered before a row group is written */
    size_t page_bytes;       /* per column page */
    size_t dictionary_bytes; /* per column dictionary */
} buzz_convert_plan;
void buzz_convert_plan_memory(size_t memory_limit, unsigned threads, size_t columns,
                              buzz_convert_plan *out);

/* What one input gave. */
typedef struct buzz_convert_input {
    const char *path;             /* as given in the options (borrowed) */
    int64_t rows;
    int64_t input_bytes;          /* decoded bytes read; -1 when unknown */
    buzz_csv_dialect dialect;
    buzz_csv_report report;       /* its irregular rows (lines are this input's) */
} buzz_convert_input;

typedef struct buzz_convert_summary {
    buzz_schema schema;           /* the columns as written (owned; buzz_convert_summary_free) */
    int64_t rows;
    int64_t rejects;              /* values that did not fit a user-given type (stored as NULL) */
    buzz_csv_report report;       /* irregular rows of the second pass (all inputs: counts
                                     summed, the first examples in input order) */
    buzz_convert_input *inputs;   /* per input, in order (owned) */
    size_t input_count;
    int64_t input_bytes;          /* -1 when unknown */
    int64_t output_bytes;
    int64_t infer_ns, write_ns;   /* wall time of each pass */
    bool inferred;                /* false when the user schema made the first pass unnecessary */
} buzz_convert_summary;

BUZZ_NODISCARD buzz_status buzz_convert(const buzz_convert_options *opts,
                                        buzz_convert_summary *out, buzz_error *err);
void buzz_convert_summary_free(buzz_convert_summary *s);

#endif /* BUZZ_CONVERT_H */
