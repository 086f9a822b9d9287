/* tests/tools/duckdb_csv_dump.c: the reference side of the corpus agreement test
 * (tests/e2e/corpus.sh). Reads one CSV file with DuckDB's automatic dialect detection, every
 * column as text:
 *     SELECT * FROM read_csv(?, all_varchar = true, hive_partitioning = false)
 * with the path bound as a prepared statement parameter (hive partitioning is off so that
 * "key=value" folders in the corpus do not add columns), on an in-memory database with one thread
 * and no extension auto-install. It writes a normalized dump that tests/tools/buzz_csv_dump.c
 * produces from Buzz's reader in exactly the same format, so that agreement is a byte comparison.
 *
 * Dump format (shared with buzz_csv_dump; both must stay identical):
 *     columns N              line 1: column count
 *     rows M                 line 2: data row count (header excluded)
 *     <name of column 0>     N lines: one column name per line
 *     ...
 *     <cell>\t<cell>...      M lines: one row per line, cells separated by TAB
 * Inside names and cells, backslash is written \\, TAB \t, LF \n and CR \r; every other byte is
 * copied unchanged. NULL is written as the empty string (Buzz cells are text, and the comparison
 * treats NULL and empty as equal). Every line ends with LF.
 *
 * Usage: duckdb_csv_dump FILE. Exit 0 with the dump on stdout; 1 when DuckDB cannot read the file
 * (its error on stderr: the corpus test then leaves the file out of the agreement figure) or stdout
 * cannot be written; 2 on a usage error. DuckDB may read *, ? and [ in the path as a glob when no
 * file has that exact name. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* open_memstream; the Makefile defines it too */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* duckdb.h declares a few functions as f() instead of f(void), which the build's
 * -Wstrict-prototypes -Werror rejects; the header is third-party, so silence it here only. */
#define DUCKDB_API_NO_DEPRECATED
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "duckdb.h"
#pragma GCC diagnostic pop

#include "dump_format.h"

/* Escape one cell or name as the format above says and append it to out. */
static void put_escaped(FILE *out, const char *s, size_t len)
{
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len; i++) {
        const char *esc = dump_escape(s[i]);
        if (!esc)
            continue;
        fwrite(s + run, 1, i - run, out);
        fputs(esc, out);
        run = i + 1;
    }
    fwrite(s + run, 1, len - run, out);
}

/* Append the rows of one chunk to out; returns false (message on stderr) on an unexpected type. */
static bool dump_chunk(FILE *out, duckdb_data_chunk chunk, idx_t column_count)
{
    idx_t rows = duckdb_data_chunk_get_size(chunk);
    for (idx_t c = 0; c < column_count; c++) {
        duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
        duckdb_logical_type type = duckdb_vector_get_column_type(vec);
        duckdb_type id = duckdb_get_type_id(type);
        duckdb_destroy_logical_type(&type);
        if (id != DUCKDB_TYPE_VARCHAR) {
            fprintf(stderr, "duckdb_csv_dump: column %llu has type id %d, expected VARCHAR\n",
                    (unsigned long long)c, (int)id);
            return false;
        }
    }
    for (idx_t r = 0; r < rows; r++) {
        for (idx_t c = 0; c < column_count; c++) {
            duckdb_vector vec = duckdb_data_chunk_get_vector(chunk, c);
            uint64_t *validity = duckdb_vector_get_validity(vec);
            duckdb_string_t *data = (duckdb_string_t *)duckdb_vector_get_data(vec);
            if (c > 0)
                fputc('\t', out);
            if (validity != NULL && !duckdb_validity_row_is_valid(validity, r))
                continue; /* NULL: the empty string */
            put_escaped(out, duckdb_string_t_data(&data[r]), duckdb_string_t_length(data[r]));
        }
        fputc('\n', out);
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: duckdb_csv_dump FILE\n");
        return 2;
    }
    const char *path = argv[1];
    int rc = 1;
    char *open_err = NULL;
    duckdb_config config = NULL;
    duckdb_database db = NULL;
    duckdb_connection con = NULL;
    duckdb_prepared_statement stmt = NULL;
    duckdb_result result;
    bool has_result = false;
    char *body = NULL; /* the row lines, buffered because the row count comes first */
    size_t body_len = 0;
    FILE *rows_out = NULL;
    uint64_t row_count = 0;

    if (duckdb_create_config(&config) == DuckDBError ||
        duckdb_set_config(config, "threads", "1") == DuckDBError ||
        duckdb_set_config(config, "autoinstall_known_extensions", "false") == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: cannot configure DuckDB\n");
        goto done;
    }
    if (duckdb_open_ext(NULL, &db, config, &open_err) == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: cannot open DuckDB: %s\n",
                open_err ? open_err : "unknown error");
        goto done;
    }
    if (duckdb_connect(db, &con) == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: cannot connect to DuckDB\n");
        goto done;
    }
    static const char query[] =
        "SELECT * FROM read_csv(?, all_varchar = true, hive_partitioning = false)";
    if (duckdb_prepare(con, query, &stmt) == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: %s: %s\n", path, duckdb_prepare_error(stmt));
        goto done;
    }
    if (duckdb_bind_varchar(stmt, 1, path) == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: %s: cannot bind the path\n", path);
        goto done;
    }
    has_result = true; /* the result must be destroyed even when execution fails */
    if (duckdb_execute_prepared(stmt, &result) == DuckDBError) {
        fprintf(stderr, "duckdb_csv_dump: %s: %s\n", path, duckdb_result_error(&result));
        goto done;
    }

    idx_t column_count = duckdb_column_count(&result);
    rows_out = open_memstream(&body, &body_len);
    if (rows_out == NULL) {
        fprintf(stderr, "duckdb_csv_dump: out of memory\n");
        goto done;
    }
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
        if (chunk == NULL)
            break;
        row_count += duckdb_data_chunk_get_size(chunk);
        bool ok = dump_chunk(rows_out, chunk, column_count);
        duckdb_destroy_data_chunk(&chunk);
        if (!ok)
            goto done;
    }
    /* A materialized result can still carry an error raised while chunks were produced. */
    if (duckdb_result_error(&result) != NULL) {
        fprintf(stderr, "duckdb_csv_dump: %s: %s\n", path, duckdb_result_error(&result));
        goto done;
    }
    if (fclose(rows_out) != 0) {
        rows_out = NULL;
        fprintf(stderr, "duckdb_csv_dump: out of memory\n");
        goto done;
    }
    rows_out = NULL;

    printf("columns %llu\nrows %llu\n", (unsigned long long)column_count,
           (unsigned long long)row_count);
    for (idx_t c = 0; c < column_count; c++) {
        const char *name = duckdb_column_name(&result, c);
        put_escaped(stdout, name, strlen(name));
        fputc('\n', stdout);
    }
    fwrite(body, 1, body_len, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "duckdb_csv_dump: cannot write the dump to stdout\n");
        goto done;
    }
    rc = 0;

done:
    if (rows_out != NULL)
        fclose(rows_out);
    free(body);
    if (has_result)
        duckdb_destroy_result(&result);
    duckdb_destroy_prepare(&stmt);
    duckdb_disconnect(&con);
    duckdb_close(&db);
    if (open_err != NULL)
        duckdb_free(open_err);
    duckdb_destroy_config(&config);
    return rc;
}
