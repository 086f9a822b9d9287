/* query/engine.c: the DuckDB instance behind a buzz_query_engine, and its sandbox configuration.
 * Opening an engine validates the options and the dataset files, makes the private spill
 * directory, opens an in-memory DuckDB with extensions off, then on a setup connection sets (in
 * this order, because each later step closes the door on the earlier ones) the allowed paths,
 * the temp directory, the disabled file systems, no persistent secrets, UTC, then
 * enable_external_access=false, creates one view per dataset, and locks the configuration; it
 * then reads the settings back to prove the lock holds. Also here: connections, the watchdog
 * thread that enforces timeouts with duckdb_interrupt, cancellation, the mapping of DuckDB
 * failures to plain-language errors, and the quoting helpers every SQL text Buzz writes goes
 * through. sandbox.c checks each statement; result.c and export.c run them. */
#include "query_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MEMORY_LIMIT ((size_t)1 << 30)
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_MAX_ROWS 1000
#define DEFAULT_MAX_RESULT_BYTES ((size_t)64 << 20)
#define DEFAULT_MAX_TEMP_BYTES ((size_t)4 << 30)
#define MAX_DATASETS 256

/* ---------------------------------------------------------------------------------------------
 * Names and quoting. */
void buzz_query_sanitize_name(const char *name, char *out, size_t out_cap)
{
    static const char *const reserved_prefix[] = {"duckdb_", "pg_", "sqlite_", "pragma_"};
    static const char *const reserved[] = {"information_schema", "main", "memory", "system",
                                           "temp"};
    char tmp[64];
    size_t n = 0;
    bool gap = false;
    for (const char *s = name ? name : ""; *s && n < 48; s++) {
        char c = *s;
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!keep) {
            gap = n > 0;
            continue;
        }
        if (gap && n < 47)
            tmp[n++] = '_';
        gap = false;
        tmp[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    tmp[n] = '\0';
    bool prefix = n > 0 && tmp[0] >= '0' && tmp[0] <= '9';
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(reserved_prefix); i++)
        prefix |= strncmp(tmp, reserved_prefix[i], strlen(reserved_prefix[i])) == 0;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(reserved); i++)
        prefix |= strcmp(tmp, reserved[i]) == 0;
    snprintf(out, out_cap, "%s%s", n == 0 ? "dataset" : prefix ? "t_" : "", tmp);
}

static buzz_status quote_with(buzz_buf *b, const char *text, char q, buzz_error *err)
{
    BUZZ_TRY(buzz_buf_append_byte(b, (uint8_t)q, err));
    for (const char *s = text; *s; s++) {
        if (*s == q)
            BUZZ_TRY(buzz_buf_append_byte(b, (uint8_t)q, err));
        BUZZ_TRY(buzz_buf_append_byte(b, (uint8_t)*s, err));
    }
    return buzz_buf_append_byte(b, (uint8_t)q, err);
}

buzz_status buzz_query_quote_ident(buzz_buf *b, const char *text, buzz_error *err)
{
    return quote_with(b, text, '"', err);
}

buzz_status buzz_query_quote_string(buzz_buf *b, const char *text, buzz_error *err)
{
    return quote_with(b, text, '\'', err);
}

const char *buzz_query_type_name(buzz_query_type t)
{
    static const char *const names[] = {
        "null", "boolean", "integer", "hugeint",   "decimal",      "double", "varchar",
        "date", "time",    "timestamp", "timestamp_tz", "blob", "other"};
    return (unsigned)t < BUZZ_ARRAY_LEN(names) ? names[t] : "other";
}

const char *buzz_query_format_name(buzz_query_format f)
{
    return f == BUZZ_QUERY_FORMAT_JSON      ? "json"
           : f == BUZZ_QUERY_FORMAT_PARQUET ? "parquet"
                                            : "csv";
}

/* ---------------------------------------------------------------------------------------------
 * Errors. */
/* The first line of a DuckDB message, without its "Xxx Error: " prefix when asked. */
static void first_line(const char *msg, char *out, size_t cap)
{
    const char *m = msg ? msg : "unknown error";
    size_t n = strcspn(m, "\n");
    while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\r'))
        n--;
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), m);
}

buzz_status buzz__qerror(buzz_error *err, buzz_status interrupt_reason, int64_t timeout_ms,
                         duckdb_error_type type, const char *msg, size_t memory_limit_bytes)
{
    char line[400];
    if (interrupt_reason == BUZZ_ERR_LIMIT)
        return buzz_error_set(err, BUZZ_ERR_LIMIT,
                              "the query ran longer than its %.3g s time limit and was stopped",
                              (double)timeout_ms / 1000);
    if (interrupt_reason == BUZZ_ERR_CANCELLED || type == DUCKDB_ERROR_INTERRUPT)
        return buzz_error_set(err, BUZZ_ERR_CANCELLED, "the query was cancelled");
    first_line(msg, line, sizeof line);
    if (type == DUCKDB_ERROR_OUT_OF_MEMORY)
        return buzz_error_set(err, BUZZ_ERR_LIMIT,
                              "the query needs more memory than its %zu MiB limit (%s)",
                              memory_limit_bytes >> 20, line);
    if (type == DUCKDB_ERROR_PERMISSION)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "this query reaches outside its datasets, which is not allowed (%s)",
                              line);
    return buzz_error_set(err, BUZZ_ERR_VALUE, "the query failed: %s", line);
}

/* ---------------------------------------------------------------------------------------------
 * Watchdog. */
/* DuckDB clears a connection's interrupt flag when the connection starts its next query, and a
 * call here may run several (the sandbox check, then the query), so an interrupt that lands
 * between two of them would be lost: a stopped connection is interrupted again every
 * REINTERRUPT_NS until its call disarms. */
#define REINTERRUPT_NS 20000000

static void *watchdog_main(void *arg)
{
    buzz_query_engine *e = arg;
    pthread_mutex_lock(&e->lock);
    while (!e->stopping) {
        int64_t now = buzz_now_ns(), next = INT64_MAX;
        for (buzz_query_conn *c = e->armed; c; c = c->next_armed) {
            if (!c->timed_out && !c->cancelled && c->deadline_ns <= now)
                c->timed_out = true;
            if (c->timed_out || c->cancelled) {
                /* duckdb_interrupt only sets a flag that the running query polls; it is safe
                 * from any thread and cheap enough to call under the lock. */
                duckdb_interrupt(c->dc);
                next = now + REINTERRUPT_NS < next ? now + REINTERRUPT_NS : next;
            } else if (c->deadline_ns < next) {
                next = c->deadline_ns;
            }
        }
        if (next == INT64_MAX) {
            pthread_cond_wait(&e->wake, &e->lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000), (long)(next % 1000000000)};
            pthread_cond_timedwait(&e->wake, &e->lock, &ts);
        }
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

void buzz__qconn_arm(buzz_query_conn *c, int64_t budget_ns)
{
    buzz_query_engine *e = c->engine;
    pthread_mutex_lock(&e->lock);
    int64_t now = buzz_now_ns();
    c->deadline_ns = budget_ns > INT64_MAX - now ? INT64_MAX : now + budget_ns;
    c->timed_out = false;
    c->cancelled = false;
    c->is_armed = true;
    c->next_armed = e->armed;
    e->armed = c;
    pthread_cond_signal(&e->wake);
    pthread_mutex_unlock(&e->lock);
}

buzz_status buzz__qconn_disarm(buzz_query_conn *c)
{
    buzz_query_engine *e = c->engine;
    pthread_mutex_lock(&e->lock);
    for (buzz_query_conn **p = &e->armed; *p; p = &(*p)->next_armed) {
        if (*p == c) {
            *p = c->next_armed;
            break;
        }
    }
    c->next_armed = NULL;
    c->is_armed = false;
    buzz_status why = c->timed_out ? BUZZ_ERR_LIMIT : c->cancelled ? BUZZ_ERR_CANCELLED : BUZZ_OK;
    pthread_mutex_unlock(&e->lock);
    return why;
}

buzz_status buzz__qconn_stop_reason(buzz_query_conn *c)
{
    buzz_query_engine *e = c->engine;
    pthread_mutex_lock(&e->lock);
    buzz_status why = c->timed_out ? BUZZ_ERR_LIMIT : c->cancelled ? BUZZ_ERR_CANCELLED : BUZZ_OK;
    pthread_mutex_unlock(&e->lock);
    return why;
}

void buzz_query_conn_cancel(buzz_query_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->engine->lock);
    if (c->is_armed && !c->timed_out && !c->cancelled) {
        c->cancelled = true;
        duckdb_interrupt(c->dc);
        pthread_cond_signal(&c->engine->wake); /* the watchdog repeats it until disarm */
    }
    pthread_mutex_unlock(&c->engine->lock);
}

/* ---------------------------------------------------------------------------------------------
 * Opening. */
static buzz_status check_options(const buzz_query_options *in, size_t count,
                                 buzz_query_options *o, buzz_error *err)
{
    memset(o, 0, sizeof *o);
    if (in)
        *o = *in;
    if (count < 1 || count > MAX_DATASETS)
        return buzz_error_set(err, BUZZ_ERR_ARG, "an engine needs 1 to %d datasets, got %zu",
                              MAX_DATASETS, count);
    if (o->memory_limit_bytes == 0)
        o->memory_limit_bytes = DEFAULT_MEMORY_LIMIT;
    if (o->memory_limit_bytes < ((size_t)16 << 20))
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "memory_limit_bytes must be at least 16 MiB, got %zu bytes",
                              o->memory_limit_bytes);
    if (o->threads == 0)
        o->threads = buzz_cpu_count() < 64 ? buzz_cpu_count() : 64;
    if (o->threads > 64)
        return buzz_error_set(err, BUZZ_ERR_ARG, "threads must be between 1 and 64, got %u",
                              o->threads);
    if (o->timeout_ms == 0)
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (o->timeout_ms < 0 || o->timeout_ms > 86400000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "timeout_ms must be between 1 and 86400000 (a day), got %lld",
                              (long long)o->timeout_ms);
    if (o->max_rows == 0)
        o->max_rows = DEFAULT_MAX_ROWS;
    if (o->max_rows < 0 || o->max_rows > 100000000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "max_rows must be between 1 and 100000000, got %lld",
                              (long long)o->max_rows);
    if (o->max_result_bytes == 0)
        o->max_result_bytes = DEFAULT_MAX_RESULT_BYTES;
    if (o->max_result_bytes > UINT32_MAX)
        return buzz_error_set(err, BUZZ_ERR_ARG, "max_result_bytes must be below 4 GiB");
    if (o->max_temp_bytes == 0)
        o->max_temp_bytes = DEFAULT_MAX_TEMP_BYTES;
    if (o->data_alias > count)
        return buzz_error_set(err, BUZZ_ERR_ARG, "data_alias must be 0 to %zu, got %zu", count,
                              o->data_alias);
    return BUZZ_OK;
}

/* Resolve and check a dataset file; *out owned. */
static buzz_status resolve_path(const char *path, char **out, buzz_error *err)
{
    buzz_pos where = {path, 0, 0, -1};
    if (!path || !*path)
        return buzz_error_set(err, BUZZ_ERR_ARG, "a dataset has no file path");
    char *real = realpath(path, NULL);
    if (!real)
        return buzz_error_at(err, BUZZ_ERR_ARG, &where, "cannot open the dataset file: %s",
                             strerror(errno));
    buzz_status st = BUZZ_OK;
    struct stat sb;
    int fd = -1;
    if (strpbrk(real, "*?[")) {
        /* DuckDB expands these in read_parquet paths: the view would read other files. */
        st = buzz_error_at(err, BUZZ_ERR_ARG, &where,
                           "a dataset path may not contain *, ? or [ (DuckDB reads them as a "
                           "pattern)");
    } else if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = buzz_error_at(err, BUZZ_ERR_ARG, &where, "the dataset is not a regular file");
    } else if ((fd = open(real, O_RDONLY | O_CLOEXEC)) < 0) {
        st = buzz_error_at(err, BUZZ_ERR_ARG, &where, "cannot read the dataset file: %s",
                           strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (st == BUZZ_OK) {
        *out = buzz_strndup(real, strlen(real));
        if (!*out)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the engine");
    }
    free(real); /* from realpath(), which allocates with malloc */
    return st;
}

static bool name_taken(buzz_query_engine *e, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(e->table_names[i], name) == 0)
            return true;
    return false;
}

static buzz_status name_tables(buzz_query_engine *e, const buzz_query_dataset *ds, size_t count,
                               buzz_error *err)
{
    /* The dataset that is also "data" (-1: none); "data" is kept for it alone. */
    size_t alias = e->opts.data_alias ? e->opts.data_alias - 1 : count == 1 ? 0 : SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        char base[64], name[80];
        buzz_query_sanitize_name(ds[i].name, base, sizeof base);
        snprintf(name, sizeof name, "%s", base);
        /* Names are lower case, so equal text is the only clash DuckDB's folding could see. */
        for (unsigned k = 2;
             name_taken(e, i, name) || (alias != SIZE_MAX && i != alias && !strcmp(name, "data"));
             k++)
            snprintf(name, sizeof name, "%s_%u", base, k);
        e->table_names[i] = buzz_strndup(name, strlen(name));
        if (!e->table_names[i])
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the engine");
    }
    /* An alias dataset named "data" needs no second view. */
    e->data_alias = alias;
    e->has_data_alias = alias != SIZE_MAX && strcmp(e->table_names[alias], "data") != 0;
    return BUZZ_OK;
}

static buzz_status run_setup(duckdb_connection con, const char *sql, const char *what,
                             buzz_status fail_code, buzz_error *err)
{
    duckdb_result r;
    if (duckdb_query(con, sql, &r) == DuckDBSuccess) {
        duckdb_destroy_result(&r);
        return BUZZ_OK;
    }
    char line[400];
    first_line(duckdb_result_error(&r), line, sizeof line);
    duckdb_destroy_result(&r);
    return buzz_error_set(err, fail_code, "%s: %s", what, line);
}

/* Read a setting back after the lock: the sandbox is only trusted once DuckDB says so. */
static buzz_status expect_setting(duckdb_connection con, const char *name, const char *want,
                                  buzz_error *err)
{
    duckdb_prepared_statement p = NULL;
    duckdb_result r;
    buzz_status st = BUZZ_OK;
    if (duckdb_prepare(con, "SELECT current_setting(?)::VARCHAR", &p) != DuckDBSuccess ||
        duckdb_bind_varchar(p, 1, name) != DuckDBSuccess) {
        duckdb_destroy_prepare(&p);
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot read the setting %s back", name);
    }
    if (duckdb_execute_prepared(p, &r) != DuckDBSuccess) {
        duckdb_destroy_result(&r);
        duckdb_destroy_prepare(&p);
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot read the setting %s back", name);
    }
    duckdb_data_chunk ch = duckdb_fetch_chunk(r);
    bool ok = false;
    if (ch && duckdb_data_chunk_get_size(ch) == 1) {
        duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
        if (buzz__qvec_is_valid(v, 0)) {
            duckdb_string_t *s = (duckdb_string_t *)duckdb_vector_get_data(v);
            uint32_t len = duckdb_string_t_length(*s);
            ok = len == strlen(want) && memcmp(duckdb_string_t_data(s), want, len) == 0;
        }
    }
    if (ch)
        duckdb_destroy_data_chunk(&ch);
    duckdb_destroy_result(&r);
    duckdb_destroy_prepare(&p);
    if (!ok)
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                            "DuckDB did not keep the sandbox setting %s = %s", name, want);
    return st;
}

/* Everything that needs SQL on the setup connection; see the file comment for the order. */
static buzz_status configure(buzz_query_engine *e, duckdb_connection con, buzz_error *err)
{
    buzz_buf sql;
    buzz_buf_init(&sql, 0);
    buzz_status st = buzz_buf_printf(&sql, err, "SET GLOBAL allowed_paths = [");
    for (size_t i = 0; st == BUZZ_OK && i < e->table_count; i++) {
        st = buzz_buf_printf(&sql, err, i ? ", " : "");
        if (st == BUZZ_OK)
            st = buzz_query_quote_string(&sql, e->table_paths[i], err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append(&sql, "]", 2, err); /* with the NUL */
    if (st == BUZZ_OK)
        st = run_setup(con, (const char *)sql.data, "cannot set allowed_paths", BUZZ_ERR_INTERNAL,
                       err);
    buzz_buf_reset(&sql);
    if (st == BUZZ_OK) {
        st = buzz_buf_printf(&sql, err, "SET GLOBAL temp_directory = ");
        if (st == BUZZ_OK)
            st = buzz_query_quote_string(&sql, e->temp_dir ? e->temp_dir : "", err);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(&sql, 0, err);
        if (st == BUZZ_OK)
            st = run_setup(con, (const char *)sql.data, "cannot set temp_directory",
                           BUZZ_ERR_INTERNAL, err);
    }
    buzz_buf_reset(&sql);
    if (st == BUZZ_OK && e->temp_dir) {
        st = buzz_buf_printf(&sql, err, "SET GLOBAL max_temp_directory_size = '%zu bytes'",
                             e->opts.max_temp_bytes);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(&sql, 0, err);
        if (st == BUZZ_OK)
            st = run_setup(con, (const char *)sql.data, "cannot set max_temp_directory_size",
                           BUZZ_ERR_INTERNAL, err);
    }
    static const char *const fixed[] = {
        /* No remote file system even if one were ever loaded (httpfs is not: extensions are
         * off), no secrets read from or written to ~/.duckdb, one time zone for every text. */
        "SET GLOBAL disabled_filesystems = 'HTTPFileSystem'",
        "SET GLOBAL allow_persistent_secrets = false",
        "SET GLOBAL TimeZone = 'UTC'",
        "SET GLOBAL enable_external_access = false",
    };
    for (size_t i = 0; st == BUZZ_OK && i < BUZZ_ARRAY_LEN(fixed); i++)
        st = run_setup(con, fixed[i], "cannot configure the sandbox", BUZZ_ERR_INTERNAL, err);
    for (size_t i = 0; st == BUZZ_OK && i < e->table_count + e->has_data_alias; i++) {
        const char *view = i < e->table_count ? e->table_names[i] : "data";
        const char *path = e->table_paths[i < e->table_count ? i : e->data_alias];
        buzz_buf_reset(&sql);
        st = buzz_buf_printf(&sql, err, "CREATE VIEW ");
        if (st == BUZZ_OK)
            st = buzz_query_quote_ident(&sql, view, err);
        if (st == BUZZ_OK)
            st = buzz_buf_printf(&sql, err, " AS SELECT * FROM read_parquet(");
        if (st == BUZZ_OK)
            st = buzz_query_quote_string(&sql, path, err);
        if (st == BUZZ_OK)
            st = buzz_buf_append(&sql, ")", 2, err);
        if (st == BUZZ_OK) {
            char what[600];
            snprintf(what, sizeof what, "cannot read %.500s as Parquet", path);
            st = run_setup(con, (const char *)sql.data, what, BUZZ_ERR_IO, err);
        }
    }
    buzz_buf_free(&sql);
    if (st == BUZZ_OK)
        st = run_setup(con, "SET GLOBAL lock_configuration = true",
                       "cannot lock the configuration", BUZZ_ERR_INTERNAL, err);
    if (st == BUZZ_OK)
        st = expect_setting(con, "enable_external_access", "false", err);
    if (st == BUZZ_OK)
        st = expect_setting(con, "lock_configuration", "true", err);
    if (st == BUZZ_OK)
        st = expect_setting(con, "autoload_known_extensions", "false", err);
    if (st == BUZZ_OK)
        st = expect_setting(con, "autoinstall_known_extensions", "false", err);
    return st;
}

static buzz_status open_db(buzz_query_engine *e, buzz_error *err)
{
    duckdb_config cfg = NULL;
    if (duckdb_create_config(&cfg) != DuckDBSuccess)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "cannot create a DuckDB configuration");
    char threads[16], mem[32];
    snprintf(threads, sizeof threads, "%u", e->opts.threads);
    snprintf(mem, sizeof mem, "%zu bytes", e->opts.memory_limit_bytes);
    const char *kv[][2] = {
        {"threads", threads},
        {"memory_limit", mem},
        {"autoinstall_known_extensions", "false"},
        {"autoload_known_extensions", "false"},
        {"allow_community_extensions", "false"},
        {"allow_unsigned_extensions", "false"},
    };
    buzz_status st = BUZZ_OK;
    for (size_t i = 0; st == BUZZ_OK && i < BUZZ_ARRAY_LEN(kv); i++)
        if (duckdb_set_config(cfg, kv[i][0], kv[i][1]) != DuckDBSuccess)
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "DuckDB refused the setting %s = %s",
                                kv[i][0], kv[i][1]);
    char *open_err = NULL;
    if (st == BUZZ_OK && duckdb_open_ext(NULL, &e->db, cfg, &open_err) != DuckDBSuccess) {
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot start DuckDB: %.400s",
                            open_err ? open_err : "unknown error");
        e->db = NULL;
    }
    if (open_err)
        duckdb_free(open_err);
    duckdb_destroy_config(&cfg);
    return st;
}

static buzz_status make_temp_dir(buzz_query_engine *e, buzz_error *err)
{
    const char *parent = e->opts.temp_directory;
    buzz_pos where = {parent, 0, 0, -1};
    size_t cap = strlen(parent) + 32;
    e->temp_dir = buzz_malloc(cap);
    if (!e->temp_dir)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the engine");
    snprintf(e->temp_dir, cap, "%s/buzz-query-XXXXXX", parent);
    if (!mkdtemp(e->temp_dir)) {
        int saved = errno;
        buzz_free(e->temp_dir);
        e->temp_dir = NULL;
        return buzz_error_at(err, BUZZ_ERR_IO, &where,
                             "cannot create a private directory for spill files: %s",
                             strerror(saved));
    }
    char *real = realpath(e->temp_dir, NULL);
    if (real) {
        char *copy = buzz_strndup(real, strlen(real));
        free(real);
        if (copy) {
            buzz_free(e->temp_dir);
            e->temp_dir = copy;
        }
    }
    return BUZZ_OK;
}

buzz_status buzz_query_engine_open(buzz_query_engine **out, const buzz_query_dataset *datasets,
                                   size_t count, const buzz_query_options *opts, buzz_error *err)
{
    *out = NULL;
    buzz_query_engine *e = buzz_calloc(1, sizeof *e);
    if (!e)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the engine");
    pthread_mutex_init(&e->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines come from buzz_now_ns */
    pthread_cond_init(&e->wake, &ca);
    pthread_condattr_destroy(&ca);
    buzz_status st = check_options(opts, count, &e->opts, err);
    if (st == BUZZ_OK && !datasets)
        st = buzz_error_set(err, BUZZ_ERR_ARG, "no datasets given");
    if (st == BUZZ_OK) {
        e->table_names = buzz_calloc(count, sizeof(char *));
        e->table_paths = buzz_calloc(count, sizeof(char *));
        e->table_count = count;
        if (!e->table_names || !e->table_paths) {
            e->table_count = 0;
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the engine");
        }
    }
    for (size_t i = 0; st == BUZZ_OK && i < count; i++)
        st = resolve_path(datasets[i].path, &e->table_paths[i], err);
    if (st == BUZZ_OK)
        st = name_tables(e, datasets, count, err);
    if (st == BUZZ_OK && e->opts.temp_directory)
        st = make_temp_dir(e, err);
    if (st == BUZZ_OK)
        st = open_db(e, err);
    if (st == BUZZ_OK) {
        duckdb_connection con = NULL;
        if (duckdb_connect(e->db, &con) != DuckDBSuccess)
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot connect to DuckDB");
        else
            st = configure(e, con, err);
        if (con)
            duckdb_disconnect(&con);
    }
    if (st == BUZZ_OK) {
        if (pthread_create(&e->watchdog, NULL, watchdog_main, e) != 0)
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot start the query watchdog thread");
        else
            e->watchdog_started = true;
    }
    /* The options struct the caller gave may not outlive the call. */
    e->opts.temp_directory = e->temp_dir;
    if (st != BUZZ_OK) {
        buzz_query_engine_close(e);
        return st;
    }
    *out = e;
    return BUZZ_OK;
}

void buzz_query_engine_close(buzz_query_engine *e)
{
    if (!e)
        return;
    BUZZ_ASSERT(atomic_load(&e->conn_count) == 0);
    if (e->watchdog_started) {
        pthread_mutex_lock(&e->lock);
        e->stopping = true;
        pthread_cond_signal(&e->wake);
        pthread_mutex_unlock(&e->lock);
        pthread_join(e->watchdog, NULL);
    }
    if (e->db)
        duckdb_close(&e->db);
    if (e->temp_dir) {
        /* DuckDB removes its own spill files at close; only the directory is left. */
        rmdir(e->temp_dir);
        buzz_free(e->temp_dir);
    }
    for (size_t i = 0; i < e->table_count; i++) {
        buzz_free(e->table_names[i]);
        buzz_free(e->table_paths[i]);
    }
    buzz_free(e->table_names);
    buzz_free(e->table_paths);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    buzz_free(e);
}

size_t buzz_query_engine_table_count(const buzz_query_engine *e)
{
    return e->table_count;
}

const char *buzz_query_engine_table_name(const buzz_query_engine *e, size_t i)
{
    return i < e->table_count ? e->table_names[i] : NULL;
}

const buzz_query_options *buzz_query_engine_options(const buzz_query_engine *e)
{
    return &e->opts;
}

buzz_status buzz_query_conn_open(buzz_query_engine *e, buzz_query_conn **out, buzz_error *err)
{
    *out = NULL;
    buzz_query_conn *c = buzz_calloc(1, sizeof *c);
    if (!c)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening a query connection");
    c->engine = e;
    if (duckdb_connect(e->db, &c->dc) != DuckDBSuccess) {
        buzz_free(c);
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot open a DuckDB connection");
    }
    atomic_fetch_add(&e->conn_count, 1);
    *out = c;
    return BUZZ_OK;
}

void buzz_query_conn_close(buzz_query_conn *c)
{
    if (!c)
        return;
    BUZZ_ASSERT(c->cursor == NULL);
    BUZZ_ASSERT(!c->is_armed);
    duckdb_disconnect(&c->dc);
    atomic_fetch_sub(&c->engine->conn_count, 1);
    buzz_free(c);
}
