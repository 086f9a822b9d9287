/* buzz/query.h: untrusted SQL over Parquet datasets, run by DuckDB (1.4, C API) in a sandbox.
 *
 * An engine is one DuckDB in-memory instance over a fixed set of named Parquet datasets. Each
 * dataset is a view over its file, named from the dataset name (sanitized: ASCII letters, digits
 * and '_', lower case, unique; see buzz_query_engine_table_name); with exactly one dataset (or the
 * one buzz_query_options.data_alias picks) it is also the view `data`. Queries may join any of the
 * engine's datasets.
 *
 * The sandbox (docs/query.md lists every rule and how it is enforced):
 *   - one statement per request, and only a SELECT (WITH ... SELECT, FROM-first, VALUES,
 *     DESCRIBE/SUMMARIZE of a dataset): decided from DuckDB's parse tree (json_serialize_sql) and
 *     the prepared statement's type, never by matching text;
 *   - the query may read the datasets (and CTEs it defines) and nothing else: no other table or
 *     system view, no table function but range/generate_series/unnest/repeat/json_each/json_tree,
 *     no settings (current_setting, getenv, ...);
 *   - DuckDB itself is configured so that no file but the datasets can be opened
 *     (enable_external_access=false with allowed_paths), no extension installed or loaded, no
 *     persistent secret, HTTP file systems disabled, and the configuration locked;
 *   - a per-query timeout (a watchdog thread calls duckdb_interrupt), a memory limit
 *     (memory_limit; spilling only into a private directory, or none), a row cap and a byte cap
 *     on returned results (full results only through the streaming exports).
 * Refusals are BUZZ_ERR_ARG with a plain-language message naming what is not allowed, e.g.
 * "this query writes a file (COPY); only SELECT queries are allowed". A query stopped by the
 * timeout or a limit is BUZZ_ERR_LIMIT, one stopped by buzz_query_conn_cancel BUZZ_ERR_CANCELLED,
 * any other failure of a query (bad SQL, a failed cast, ...) BUZZ_ERR_VALUE with DuckDB's message.
 *
 * Threads: an engine is shared by every thread (open and close it from one). A connection is
 * used by one thread at a time (one per worker); buzz_query_conn_cancel may be called from any
 * thread at any time. Results and cursors belong to the connection's thread. Nothing here prints,
 * exits or reads the environment. Public types hide DuckDB entirely. */
#ifndef BUZZ_QUERY_H
#define BUZZ_QUERY_H

#include "buzz/parquet.h"
#include "buzz/types.h"
#include "buzz/util.h"

/* ---------------------------------------------------------------------------------------------
 * Engine. */
typedef struct buzz_query_dataset {
    const char *name; /* the dataset's name (e.g. a file stem); sanitized into a view name */
    const char *path; /* its Parquet file; must exist; no glob characters (* ? [) */
} buzz_query_dataset;

typedef struct buzz_query_options {
    size_t memory_limit_bytes;  /* DuckDB memory_limit; 0 = 1 GiB */
    unsigned threads;           /* DuckDB worker threads; 0 = online CPUs (at most 64) */
    int64_t timeout_ms;         /* default per-query timeout; 0 = 30000 */
    int64_t max_rows;           /* default row cap of a returned result; 0 = 1000 */
    const char *temp_directory; /* a private directory for DuckDB's spill files is made inside
                                   it (and removed at close); NULL = no spilling: a query that
                                   needs more than memory_limit_bytes fails */
    size_t max_temp_bytes;      /* spill space cap; 0 = 4 GiB (only with temp_directory) */
    size_t max_result_bytes;    /* cell text bytes of one returned result; 0 = 64 MiB */
    size_t data_alias;          /* 1-based index of the dataset that is also the view "data"
                                   (no other dataset is then named "data"); 0 = the only dataset
                                   when there is exactly one, else none */
} buzz_query_options;

typedef struct buzz_query_engine buzz_query_engine;
typedef struct buzz_query_conn buzz_query_conn;

/* Open an engine over `count` datasets (at least 1, at most 256). Validates the options (naming
 * the field), resolves each path (realpath) and checks it is a readable regular file, configures
 * and locks DuckDB, creates the views and starts the watchdog thread. *out is owned (close with
 * buzz_query_engine_close). Failures: BUZZ_ERR_ARG (bad options, a missing or unusable file),
 * BUZZ_ERR_IO (DuckDB cannot read a file as Parquet, the temp directory cannot be made),
 * BUZZ_ERR_NOMEM, BUZZ_ERR_INTERNAL (DuckDB refused a setting). */
BUZZ_NODISCARD buzz_status buzz_query_engine_open(buzz_query_engine **out,
                                                  const buzz_query_dataset *datasets, size_t count,
                                                  const buzz_query_options *opts, buzz_error *err);
/* Stop the watchdog, close DuckDB, remove the private temp directory. Every connection must be
 * closed first. Accepts NULL. */
void buzz_query_engine_close(buzz_query_engine *e);
/* Datasets in the order given; the view name of dataset i (borrowed until close); the alias
 * "data" is not listed. Thread-safe (read-only after open). */
size_t buzz_query_engine_table_count(const buzz_query_engine *e);
const char *buzz_query_engine_table_name(const buzz_query_engine *e, size_t i);
/* The effective defaults after open (zeros replaced). */
const buzz_query_options *buzz_query_engine_options(const buzz_query_engine *e);

/* A connection for one worker thread. Thread-safe (any thread may open one). *out is owned. */
BUZZ_NODISCARD buzz_status buzz_query_conn_open(buzz_query_engine *e, buzz_query_conn **out,
                                                buzz_error *err);
/* Close (an open cursor on it must be closed first). Accepts NULL. */
void buzz_query_conn_close(buzz_query_conn *c);
/* Stop what the connection is running now (the call in progress returns BUZZ_ERR_CANCELLED).
 * Does nothing when it is idle; the next query runs normally. Safe from any thread, including a
 * signal-handling thread (not from a signal handler itself). */
void buzz_query_conn_cancel(buzz_query_conn *c);

/* ---------------------------------------------------------------------------------------------
 * Columns and values. */
typedef enum buzz_query_type {
    BUZZ_QUERY_NULL = 0,     /* the type of a bare NULL literal: every value is NULL */
    BUZZ_QUERY_BOOLEAN,      /* v.b */
    BUZZ_QUERY_INTEGER,      /* TINYINT..BIGINT, UTINYINT..UINTEGER: v.i64 */
    BUZZ_QUERY_HUGEINT,      /* UBIGINT, HUGEINT, UHUGEINT: v.i128 when has_i128, text always */
    BUZZ_QUERY_DECIMAL,      /* v.i128 unscaled; the column's scale */
    BUZZ_QUERY_DOUBLE,       /* FLOAT, DOUBLE: v.f64 */
    BUZZ_QUERY_VARCHAR,      /* text is the UTF-8 value */
    BUZZ_QUERY_DATE,         /* v.i64 = days since 1970-01-01 */
    BUZZ_QUERY_TIME,         /* v.i64 = microseconds since midnight */
    BUZZ_QUERY_TIMESTAMP,    /* TIMESTAMP, _S, _MS, _NS: v.i64 = microseconds since 1970 (naive) */
    BUZZ_QUERY_TIMESTAMP_TZ, /* v.i64 = microseconds since 1970-01-01 UTC */
    BUZZ_QUERY_BLOB,         /* text as DuckDB writes it: \xFF for bytes outside printable ASCII */
    BUZZ_QUERY_OTHER,        /* everything else (INTERVAL, UUID, ENUM, LIST, STRUCT, MAP, ...):
                                text only */
} buzz_query_type;

/* "boolean", "integer", ... Static, never NULL. */
const char *buzz_query_type_name(buzz_query_type t);

typedef struct buzz_query_column {
    const char *name;      /* as DuckDB names it (may repeat, may be empty) */
    const char *type_name; /* DuckDB's type: "INTEGER", "DECIMAL(18,2)", "VARCHAR[]",
                              "STRUCT(a INTEGER, b VARCHAR)", ... */
    buzz_query_type type;
    int precision, scale;  /* DECIMAL only */
} buzz_query_column;

typedef struct buzz_query_value {
    bool is_null;
    buzz_query_type type;
    bool has_i128; /* HUGEINT: v.i128 holds the value (false only for a UHUGEINT above 2^127-1) */
    union {
        bool b;
        int64_t i64;
        buzz_i128 i128;
        double f64;
    } v;
    buzz_str text; /* the value as text (buzz_query_result_text); empty for NULL */
} buzz_query_value;

/* ---------------------------------------------------------------------------------------------
 * Running a query. */
typedef struct buzz_query_run_options {
    int64_t timeout_ms; /* 0 = the engine's default */
    int64_t max_rows;   /* rows kept in the result; 0 = the engine's default */
    bool skip_count;    /* do not run the query to its end to count every row (total_rows is
                           then -1 when truncated) */
} buzz_query_run_options;

typedef struct buzz_query_result buzz_query_result;

/* Check and run one untrusted query; keep its first max_rows rows and count the rest (the query
 * runs to its end within the timeout unless skip_count). opts may be NULL. *out is owned (free
 * with buzz_query_result_free); on failure *out is NULL, err says why (statuses above) and no
 * row is returned. sql must be NUL-terminated UTF-8. */
BUZZ_NODISCARD buzz_status buzz_query_run(buzz_query_conn *c, const char *sql,
                                          const buzz_query_run_options *opts,
                                          buzz_query_result **out, buzz_error *err);
void buzz_query_result_free(buzz_query_result *r); /* accepts NULL */

size_t buzz_query_result_column_count(const buzz_query_result *r);
const buzz_query_column *buzz_query_result_column(const buzz_query_result *r, size_t col);
size_t buzz_query_result_row_count(const buzz_query_result *r); /* rows held */
int64_t buzz_query_result_first_row(const buzz_query_result *r); /* 0-based row of row 0 */
/* Every row the query produces (-1 = not counted: skip_count, or counting the rows past the page
 * did not finish within the timeout), whether the query produces more rows than the result holds
 * (true when not counted), and the time spent in check, prepare, run and count, in milliseconds. */
int64_t buzz_query_result_total_rows(const buzz_query_result *r);
bool buzz_query_result_is_truncated(const buzz_query_result *r);
int64_t buzz_query_result_elapsed_ms(const buzz_query_result *r);
/* Cell (row, col): typed value, borrowed text valid until the result is freed. */
void buzz_query_result_value(const buzz_query_result *r, size_t row, size_t col,
                             buzz_query_value *out);
/* The cell as text, as DuckDB writes it: "true", "-12.50", "2024-01-12 10:00:00",
 * "2024-01-12 10:00:00+00" (TIMESTAMPTZ, always UTC), "[1, 2]", "{'a': 1}", "\xFF" for blob
 * bytes. {NULL, 0} for NULL. Borrowed until the result is freed. */
buzz_str buzz_query_result_text(const buzz_query_result *r, size_t row, size_t col);
bool buzz_query_result_is_null(const buzz_query_result *r, size_t row, size_t col);
/* Append the cell as a JSON value to b: numbers as JSON numbers (integers, decimals and
 * hugeints exact), booleans, null, strings escaped, dates and times as ISO 8601 strings
 * ("2024-01-12T10:00:00Z" for TIMESTAMPTZ), NaN/Infinity as strings, lists as arrays, structs
 * as objects, maps as arrays of {"key","value"}. BUZZ_ERR_LIMIT/NOMEM from the buffer. */
BUZZ_NODISCARD buzz_status buzz_query_result_append_json(const buzz_query_result *r, size_t row,
                                                         size_t col, buzz_buf *b,
                                                         buzz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Paging: a cursor keeps DuckDB's streaming result, so each page continues where the last one
 * stopped (nothing runs twice). A connection has at most one open cursor, and runs nothing else
 * while it is open (BUZZ_ERR_ARG). The timeout counts the time spent inside open/fetch/skip
 * calls, summed over the cursor's life; idle time between calls does not count. */
typedef struct buzz_query_cursor buzz_query_cursor;

/* Check the query and start it (as buzz_query_run; max_rows and skip_count are not used). */
BUZZ_NODISCARD buzz_status buzz_query_cursor_open(buzz_query_conn *c, const char *sql,
                                                  const buzz_query_run_options *opts,
                                                  buzz_query_cursor **out, buzz_error *err);
/* The next up to max_rows rows (0 = the engine's default) as a result (owned) whose first_row is
 * the cursor's position; empty once the query is done. total_rows is known (and truncated
 * false) once a fetch reached the end, else -1 and truncated true. */
BUZZ_NODISCARD buzz_status buzz_query_cursor_fetch(buzz_query_cursor *cur, int64_t max_rows,
                                                   buzz_query_result **out, buzz_error *err);
/* Move past up to `rows` rows without keeping them; *out_skipped (may be NULL) says how many. */
BUZZ_NODISCARD buzz_status buzz_query_cursor_skip(buzz_query_cursor *cur, int64_t rows,
                                                  int64_t *out_skipped, buzz_error *err);
int64_t buzz_query_cursor_position(const buzz_query_cursor *cur); /* rows consumed so far */
bool buzz_query_cursor_is_done(const buzz_query_cursor *cur);
size_t buzz_query_cursor_column_count(const buzz_query_cursor *cur);
const buzz_query_column *buzz_query_cursor_column(const buzz_query_cursor *cur, size_t col);
/* After a failed fetch or skip the cursor can only be closed. Accepts NULL. */
void buzz_query_cursor_close(buzz_query_cursor *cur);

/* ---------------------------------------------------------------------------------------------
 * Streaming export: every row of a query (or a whole dataset), chunk by chunk, never held in
 * memory. CSV: RFC 4180 like `buzz convert` writes it (header line, CRLF line ends, a field quoted
 * when it holds a comma, quote, CR or LF or starts/ends with a blank, an empty string as "" and
 * NULL as an empty field), values as buzz_query_result_text writes them. JSON: one array of objects
 * (as buzz_query_result_append_json). Parquet: Buzz's writer (buzz/parquet.h); columns map to
 * its types (integers to INT32/INT64, UBIGINT/HUGEINT to DECIMAL(38,0) (a larger value fails),
 * FLOAT to DOUBLE, TIMESTAMP_S/MS/NS to microseconds, every other type to its text). */
typedef enum buzz_query_format {
    BUZZ_QUERY_FORMAT_CSV = 0,
    BUZZ_QUERY_FORMAT_JSON,
    BUZZ_QUERY_FORMAT_PARQUET,
} buzz_query_format;

/* "csv", "json", "parquet". Static, never NULL. */
const char *buzz_query_format_name(buzz_query_format f);

typedef struct buzz_query_export_options {
    buzz_query_format format;
    int64_t timeout_ms;                  /* 0 = the engine's default */
    const buzz_parquet_options *parquet; /* NULL = defaults (snappy) */
} buzz_query_export_options;

/* Called with consecutive output bytes; a non-OK return stops the export with that status. */
typedef buzz_status (*buzz_query_write_fn)(void *user, const void *data, size_t len,
                                           buzz_error *err);

/* Run the (checked) query and write all its rows to path atomically (temp file + rename: on any
 * failure nothing appears). *out_rows (may be NULL) = rows written. */
BUZZ_NODISCARD buzz_status buzz_query_export_path(buzz_query_conn *c, const char *sql,
                                                  const buzz_query_export_options *opts,
                                                  const char *path, int64_t *out_rows,
                                                  buzz_error *err);
/* The same to a callback. Bytes already delivered stay delivered on failure. Parquet goes
 * through a temp file in the engine's private temp directory (the writer writes files), so it
 * needs buzz_query_options.temp_directory (else BUZZ_ERR_ARG). */
BUZZ_NODISCARD buzz_status buzz_query_export_write(buzz_query_conn *c, const char *sql,
                                                   const buzz_query_export_options *opts,
                                                   buzz_query_write_fn write, void *user,
                                                   int64_t *out_rows, buzz_error *err);
/* Export a whole dataset (index into the engine's datasets) to a path, as above. */
BUZZ_NODISCARD buzz_status buzz_query_export_dataset(buzz_query_conn *c, size_t dataset,
                                                     const buzz_query_export_options *opts,
                                                     const char *path, int64_t *out_rows,
                                                     buzz_error *err);

/* Append a held result (its rows only) to b as CSV or JSON, in the exports' formats (Parquet:
 * BUZZ_ERR_ARG). BUZZ_ERR_LIMIT/NOMEM from the buffer. */
BUZZ_NODISCARD buzz_status buzz_query_result_format(const buzz_query_result *r,
                                                    buzz_query_format fmt, buzz_buf *b,
                                                    buzz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Helpers shared with the CLI and the service. */
/* Sanitize a dataset name into a view name into out (at least 64 bytes): ASCII letters and digits
 * lower-cased, every other run of bytes one '_', trimmed of '_', at most 48 bytes, "t_" before a
 * leading digit or a name DuckDB reserves (duckdb_*, pg_*, sqlite_*, pragma_*, information_schema,
 * main, memory, system, temp), "dataset" when nothing is left. Not unique by itself. */
void buzz_query_sanitize_name(const char *name, char *out, size_t out_cap);
/* Append text as a quoted SQL identifier ("a""b") or string literal ('it''s') to b. */
BUZZ_NODISCARD buzz_status buzz_query_quote_ident(buzz_buf *b, const char *text, buzz_error *err);
BUZZ_NODISCARD buzz_status buzz_query_quote_string(buzz_buf *b, const char *text,
                                                   buzz_error *err);

#endif /* BUZZ_QUERY_H */
