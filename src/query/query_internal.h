/* query/query_internal.h: shared inside src/query/ only. The engine, connection, cursor and
 * result structs, the column plan that says how to read a DuckDB vector (built once per result
 * from its logical types), the renderers (text and JSON) and the sandbox check. Only this folder
 * includes duckdb.h; the public header hides it. */
#ifndef BUZZ_QUERY_INTERNAL_H
#define BUZZ_QUERY_INTERNAL_H

#include "buzz/query.h"

#include <pthread.h>
#include <stdatomic.h>

#include <duckdb.h>

/* ---------------------------------------------------------------------------------------------
 * Column plans: one node per vector (a column, or a child of a LIST/ARRAY/STRUCT/MAP/UNION). */
typedef struct buzz__qplan {
    duckdb_type id;       /* DUCKDB_TYPE_* */
    duckdb_type internal; /* DECIMAL and ENUM: the physical storage type */
    uint8_t width, scale; /* DECIMAL */
    idx_t array_size;     /* ARRAY */
    size_t child_count;   /* LIST/ARRAY/MAP: 1 (MAP: its STRUCT(key, value)); STRUCT, UNION */
    struct buzz__qplan *children; /* owned */
    char **child_names;   /* STRUCT and UNION member names, owned */
    char **enum_labels;   /* ENUM dictionary, owned */
    size_t enum_count;
} buzz__qplan;

/* Build the plan of a logical type (not consumed). */
BUZZ_NODISCARD buzz_status buzz__qplan_build(buzz__qplan *p, duckdb_logical_type t,
                                             buzz_error *err);
void buzz__qplan_free(buzz__qplan *p); /* accepts a zeroed plan */
/* DuckDB's spelling of the type ("DECIMAL(18,2)", "INTEGER[]", ...) appended to b. */
BUZZ_NODISCARD buzz_status buzz__qplan_type_name(const buzz__qplan *p, buzz_buf *b,
                                                 buzz_error *err);
buzz_query_type buzz__qplan_query_type(const buzz__qplan *p);
/* LIST, ARRAY, STRUCT, MAP or UNION: its JSON form is not derived from its text. */
bool buzz__qplan_is_nested(const buzz__qplan *p);

/* Row `row` of vector v (read with plan p) is valid (not NULL). */
bool buzz__qvec_is_valid(duckdb_vector v, idx_t row);
/* Append row `row` of v as text (buzz_query_result_text's format). nested: inside a LIST/STRUCT
 * (strings are quoted where DuckDB quotes them). The row must be valid. */
BUZZ_NODISCARD buzz_status buzz__qrender_text(const buzz__qplan *p, duckdb_vector v, idx_t row,
                                              bool nested, buzz_buf *b, buzz_error *err);
/* Append row `row` of v as a JSON value (null when not valid). */
BUZZ_NODISCARD buzz_status buzz__qrender_json(const buzz__qplan *p, duckdb_vector v, idx_t row,
                                              buzz_buf *b, buzz_error *err);
/* Append text as a JSON string (escaped; invalid UTF-8 bytes become U+FFFD). */
BUZZ_NODISCARD buzz_status buzz__json_string(buzz_buf *b, const char *s, size_t len,
                                             buzz_error *err);
/* The scalar payload of a valid top-level cell (INTEGER, HUGEINT, DECIMAL, DOUBLE, BOOLEAN, DATE,
 * TIME, TIMESTAMP*, all others leave *out zeroed). */
void buzz__qread_scalar(const buzz__qplan *p, duckdb_vector v, idx_t row, buzz_query_value *out);
/* An unscaled 128-bit value as decimal digits with `scale` digits after the point (42 bytes). */
size_t buzz__format_i128(buzz_i128 v, int scale, char *out);

/* ---------------------------------------------------------------------------------------------
 * Engine and connections. */
struct buzz_query_engine {
    duckdb_database db;
    buzz_query_options opts;  /* effective values; read-only after open */
    char *temp_dir;           /* the private spill directory (owned) or NULL */
    size_t table_count;
    char **table_names;       /* sanitized, unique view names (owned); read-only after open */
    char **table_paths;       /* resolved absolute paths (owned) */
    bool has_data_alias;      /* dataset data_alias is also the view "data" */
    size_t data_alias;        /* index of that dataset (SIZE_MAX: none) */

    /* The watchdog: one thread that interrupts connections whose deadline has passed. */
    pthread_t watchdog;
    bool watchdog_started;
    pthread_mutex_t lock;     /* guards the fields below and every conn's armed/deadline fields */
    pthread_cond_t wake;
    bool stopping;
    struct buzz_query_conn *armed; /* list of connections with a running call */
    atomic_int conn_count;
};

struct buzz_query_conn {
    buzz_query_engine *engine;      /* borrowed; read-only */
    duckdb_connection dc;
    struct buzz_query_cursor *cursor; /* the open cursor, if any (connection's thread only) */
    /* Guarded by engine->lock: */
    bool is_armed;                  /* a call is running DuckDB work on this connection */
    int64_t deadline_ns;            /* buzz_now_ns() value at which the watchdog interrupts */
    bool timed_out, cancelled;      /* why it was interrupted (reset when armed) */
    struct buzz_query_conn *next_armed;
};

/* Arm the watchdog for up to budget_ns from now; disarm returns what stopped the call
 * (0, BUZZ_ERR_LIMIT for the timeout, BUZZ_ERR_CANCELLED). */
void buzz__qconn_arm(buzz_query_conn *c, int64_t budget_ns);
buzz_status buzz__qconn_disarm(buzz_query_conn *c);
/* What has stopped the armed call so far (the same values as disarm), without disarming: for a
 * call that runs several statements under one arm (profile.c), so that a cancel or the deadline
 * arriving between two statements is not lost. */
buzz_status buzz__qconn_stop_reason(buzz_query_conn *c);

/* Turn a DuckDB failure into a buzz error. interrupt_reason is what disarm returned; timeout_ms
 * is the budget (for the message); msg DuckDB's text; what is "run"/"read" for the message. */
buzz_status buzz__qerror(buzz_error *err, buzz_status interrupt_reason, int64_t timeout_ms,
                         duckdb_error_type type, const char *msg, size_t memory_limit_bytes);

/* Check one untrusted statement and prepare it (sandbox.c). On success *out is a prepared
 * SELECT (destroy with duckdb_destroy_prepare). Refusals: BUZZ_ERR_ARG with the reason. */
BUZZ_NODISCARD buzz_status buzz__qsandbox_prepare(buzz_query_conn *c, const char *sql,
                                                  duckdb_prepared_statement *out,
                                                  buzz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Results and cursors. */
typedef struct buzz__qcolumns {
    size_t count;
    buzz_query_column *cols; /* names and type names point into text */
    buzz__qplan *plans;
    buzz_buf text;
} buzz__qcolumns;

typedef struct buzz__qcell {
    uint64_t off;     /* text bytes in result->text; JSON follows for OTHER cells */
    uint32_t len, json_len;
    bool is_null, has_i128;
    union {
        bool b;
        int64_t i64;
        buzz_i128 i128;
        double f64;
    } v;
} buzz__qcell;

struct buzz_query_result {
    buzz__qcolumns columns; /* an owned copy (results outlive their cursor) */
    size_t row_count, row_cap;
    buzz__qcell *cells;     /* row_count * columns.count, row-major */
    buzz_buf text;
    int64_t first_row, total_rows, elapsed_ms;
    bool is_truncated;
};

struct buzz_query_cursor {
    buzz_query_conn *conn;
    duckdb_prepared_statement prep;
    duckdb_result res;
    bool has_res;
    buzz__qcolumns columns;
    duckdb_data_chunk chunk; /* the current chunk, rows [chunk_pos, chunk_size) not consumed */
    idx_t chunk_pos, chunk_size;
    int64_t position;        /* rows consumed */
    int64_t budget_ns;       /* time left for DuckDB work */
    int64_t timeout_ms;
    int64_t elapsed_ns;
    bool is_done, is_failed;
    bool is_timed_out;       /* the last failure was the time budget running out */
};

/* Pull the next chunk into cur (NULL chunk at the end) under the watchdog. */
BUZZ_NODISCARD buzz_status buzz__qcursor_next_chunk(buzz_query_cursor *cur, buzz_error *err);

#endif /* BUZZ_QUERY_INTERNAL_H */
