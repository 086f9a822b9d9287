/* buzz/profile.h: column profiles of a Parquet dataset, computed by DuckDB over the file through a
 * query connection (buzz/query.h). A profile holds the row count and, per column: its types, null
 * count and share, distinct count (exact or approximate, flagged), min/max, mean and standard
 * deviation for numbers, length statistics for text, the most frequent values with their counts
 * for low-cardinality columns, an equi-width histogram for numbers, dates, times and timestamps,
 * and a few example values. It is what `buzz profile` prints, what `buzz convert --profile` writes
 * beside its output, and what the service, the ask prompts and the web UI read (as JSON:
 * buzz_profile_to_json, schema in docs/profile.md).
 *
 * Cost: a profile reads the data at most twice, whatever the column count: one aggregate scan
 * (counts, distinct counts, min/max, mean/stddev, lengths) and, for the columns that need one,
 * one scan for top values and histograms; plus metadata and the first rows (examples). Columns
 * are profiled in groups of at most 64 per statement, so wide files make more but smaller
 * statements. The SQL is Buzz's own (every identifier quoted); it runs on the connection outside
 * the sandbox check but under its watchdog: the whole profile has one time budget, and
 * buzz_query_conn_cancel stops it from any thread.
 *
 * Threads: buzz_profile_dataset uses its connection like any query (one thread at a time; cancel
 * from any thread). A finished profile is read-only: any thread may read it or format it. Nothing
 * here prints, exits or reads the environment. */
#ifndef BUZZ_PROFILE_H
#define BUZZ_PROFILE_H

#include "buzz/query.h"
#include "buzz/util.h"

#define BUZZ_PROFILE_VERSION 1 /* the "version" of buzz_profile_to_json's document */

typedef struct buzz_profile_options {
    int64_t timeout_ms;          /* budget of the whole profile; 0 = 300000 (5 minutes) */
    size_t top_count;            /* most frequent values kept per column; 0 = 20 (at most 1000) */
    int64_t top_max_distinct;    /* a column is low-cardinality (gets top values, with exact
                                    counts, and an exact distinct count) when it holds at most
                                    this many distinct non-null values; 0 = 1000 (at most
                                    100000) */
    size_t histogram_bins;       /* at most this many histogram bins; 0 = 20 (2 to 1000) */
    size_t example_count;        /* distinct example values per column; 0 = 5 (at most 100) */
    int64_t exact_distinct_rows; /* tables with at most this many rows get exact distinct counts
                                    for every column (count(DISTINCT)); 0 = 100000; negative =
                                    only low-cardinality columns are exact */
    size_t max_value_bytes;      /* text values (min, max, top values, examples) longer than this
                                    are cut at a UTF-8 character boundary and end with "…";
                                    0 = 200 (16 to 65536) */
    /* buzz_profile_file only (its own engine): */
    unsigned threads;          /* DuckDB threads; 0 = online CPUs (at most 64) */
    size_t memory_limit_bytes; /* DuckDB memory limit; 0 = 1 GiB */
} buzz_profile_options;

/* One value, rendered as DuckDB renders it (buzz_query_result_text) and as JSON
 * (buzz_query_result_append_json: numbers as JSON numbers, exact; booleans; dates, times and
 * timestamps as ISO 8601 strings; NaN/Infinity as strings; everything else as a string). */
typedef struct buzz_profile_value {
    const char *text; /* NUL-terminated; never NULL in a profile */
    const char *json; /* one JSON value; never NULL in a profile */
    bool is_cut;      /* the text was longer than max_value_bytes (text and json hold the start) */
} buzz_profile_value;

typedef struct buzz_profile_top {
    buzz_profile_value value;
    int64_t count; /* rows holding the value */
} buzz_profile_top;

/* A histogram bin holds the values v with lower <= v < upper. Bins are equi-width with a "nice"
 * width (1, 2 or 5 times a power of ten, in the column's unit: the last decimal digit for
 * decimals, days for dates, microseconds up to a second then seconds, minutes, hours and days for
 * times and timestamps), aligned to a multiple of the width, so the first lower bound is at or
 * below the minimum and the last upper bound above the maximum. Empty bins are kept. */
typedef struct buzz_profile_bin {
    buzz_profile_value lower, upper;
    int64_t count;
} buzz_profile_bin;

typedef struct buzz_profile_column {
    const char *name;         /* as DuckDB names it */
    const char *duckdb_type;  /* "INTEGER", "DECIMAL(7,2)", "TIMESTAMP WITH TIME ZONE", ... */
    const char *logical_type; /* Buzz's type name (docs/schema.md): "boolean", "int32", "int64",
                                 "decimal(7,2)", "double", "date", "time", "timestamp",
                                 "timestamp_tz", "varchar"; "other" for types Buzz does not
                                 write (UBIGINT, HUGEINT, BLOB, LIST, ...) */
    buzz_query_type type;     /* the query layer's class of the type */
    const char *kind;         /* "number", "text", "boolean", "date", "time", "timestamp" or
                                 "other" (static) */

    int64_t null_count;
    double null_share;      /* null_count / rows; 0 for an empty table */
    int64_t distinct_count; /* distinct non-null values */
    bool is_distinct_exact; /* exact (low-cardinality, or a small table), else DuckDB's
                               approx_count_distinct (HyperLogLog: a few percent off at a million
                               distinct values, up to about 20% at ten million) */

    bool has_min_max; /* false when every value is NULL, or for nested and unknown types */
    buzz_profile_value min, max;

    bool has_mean;           /* numbers with at least one finite value */
    double mean;             /* of the finite values */
    bool has_stddev;         /* numbers with at least two finite values */
    double stddev;           /* sample standard deviation (stddev_samp) of the finite values */
    int64_t nonfinite_count; /* DOUBLE/FLOAT: NaN and infinities (in min/max, not in the mean,
                                the standard deviation or the histogram); 0 for other types */

    bool has_length;                /* VARCHAR with at least one value */
    int64_t min_length, max_length; /* in characters (Unicode code points) */
    double avg_length;

    bool has_top; /* low-cardinality: top holds the most frequent values */
    size_t top_count;
    buzz_profile_top *top;   /* by count, highest first; ties by value, ascending (DuckDB's
                                order); NaN is never listed (DuckDB 1.4's histogram() miscounts
                                it) */
    int64_t top_other_count; /* non-null rows whose value is not in top (NaN rows included) */

    size_t bin_count;       /* 0: no histogram (not a number, date, time or timestamp, or no
                               finite value) */
    buzz_profile_bin *bins; /* counts sum to the non-null (finite) values */

    size_t example_count; /* distinct non-null values, in the order of the first rows, then
                             from the top values and min/max when the first rows have fewer */
    buzz_profile_value *examples;
} buzz_profile_column;

/* A profile. Owned by the caller (buzz_profile_free); every pointer inside is owned by it and
 * valid until then. */
typedef struct buzz_profile {
    int version; /* BUZZ_PROFILE_VERSION */
    int64_t rows;
    size_t column_count;
    buzz_profile_column *columns;
    int64_t elapsed_ms; /* wall time of the computation */
    int64_t scan_count; /* statements that read column data (for the record) */
} buzz_profile;

/* Profile dataset `dataset` (an index into the engine's datasets) on connection c. opts may be
 * NULL (defaults). *out is owned (buzz_profile_free); on failure *out is NULL. Failures:
 * BUZZ_ERR_ARG (bad options, an index past the datasets, a cursor open on c), BUZZ_ERR_LIMIT (the
 * time budget ran out, or DuckDB's memory limit), BUZZ_ERR_CANCELLED (buzz_query_conn_cancel),
 * BUZZ_ERR_VALUE/BUZZ_ERR_IO (DuckDB could not read the data), BUZZ_ERR_NOMEM. The connection
 * is usable afterwards either way. */
BUZZ_NODISCARD buzz_status buzz_profile_dataset(buzz_query_conn *c, size_t dataset,
                                                const buzz_profile_options *opts,
                                                buzz_profile **out, buzz_error *err);
/* The same for one Parquet file, on an engine of its own (opened with opts' threads and memory
 * limit, closed before returning). Not cancellable but by its time budget (use an engine and
 * buzz_profile_dataset for that). Failures as above and as buzz_query_engine_open's (BUZZ_ERR_ARG
 * for a missing file, BUZZ_ERR_IO for a file that is not Parquet). Thread-safe. */
BUZZ_NODISCARD buzz_status buzz_profile_file(const char *parquet_path,
                                             const buzz_profile_options *opts, buzz_profile **out,
                                             buzz_error *err);
/* Accepts NULL. */
void buzz_profile_free(buzz_profile *p);

/* Append the profile as a JSON document (docs/profile.md; indented, ending with a newline) to b.
 * BUZZ_ERR_LIMIT/NOMEM from the buffer. */
BUZZ_NODISCARD buzz_status buzz_profile_to_json(const buzz_profile *p, buzz_buf *b,
                                                buzz_error *err);

#endif /* BUZZ_PROFILE_H */
