/* query/sandbox.c: the check every untrusted statement passes before it runs. Four gates, each
 * decided from DuckDB's own structures, never from the SQL text:
 *   1. duckdb_extract_statements must find exactly one statement (comments hide nothing: the
 *      parser skips them);
 *   2. DuckDB's parse tree, from json_serialize_sql(?) with the SQL bound as a parameter, must be
 *      a SELECT (the serializer accepts nothing else) and may only read the engine's datasets and
 *      the CTEs the query itself defines (with SQL scoping: a CTE is visible to later CTEs and to
 *      the main query, a recursive CTE to itself), call only the allowed table functions, and no
 *      function that reads settings, the environment or catalog internals;
 *   3. the prepared statement's type (duckdb_prepared_statement_type) must be SELECT;
 *   4. what DuckDB enforces itself (engine.c): no file but the datasets, no extension, locked
 *      configuration, whatever the query does at run time.
 * Gate 2 is what keeps table references and function calls inside the datasets; gate 4 would
 * still stop file and network access if gate 2 missed a path. */
#include "query_internal.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>

#define MAX_SQL_BYTES ((size_t)1 << 20)
#define MAX_CTE_DEPTH 256

/* Table functions a query may call: they compute rows from their arguments, read nothing. */
static const char *const allowed_table_functions[] = {
    "range", "generate_series", "unnest", "repeat", "json_each", "json_tree",
};

/* Scalar functions and macros that expose settings, the environment or catalog internals (view
 * definitions hold the datasets' absolute paths). Names starting with duckdb_ are refused too. */
static const char *const denied_functions[] = {
    "current_setting", "getenv", "pg_get_viewdef", "pg_get_constraintdef", "pg_get_expr",
};

typedef struct scope {
    const buzz_query_engine *engine;
    const char *ctes[MAX_CTE_DEPTH]; /* names visible here, innermost last (borrowed JSON) */
    size_t cte_count;
    buzz_error *err;
} scope;

static const char *str_field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* "data, sales" for messages. */
static void dataset_list(const buzz_query_engine *e, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    if (e->has_data_alias)
        n += (size_t)snprintf(out, cap, "data, ");
    for (size_t i = 0; i < e->table_count && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s%s", e->table_names[i],
                              i + 1 < e->table_count ? ", " : "");
}

static bool is_dataset(const buzz_query_engine *e, const char *name)
{
    if (e->has_data_alias && strcasecmp(name, "data") == 0)
        return true;
    for (size_t i = 0; i < e->table_count; i++)
        if (strcasecmp(name, e->table_names[i]) == 0)
            return true;
    return false;
}

static buzz_status check_table(scope *sc, json_t *ref)
{
    const char *cat = str_field(ref, "catalog_name"), *sch = str_field(ref, "schema_name");
    const char *name = str_field(ref, "table_name");
    bool unqualified = !*cat && !*sch;
    if (unqualified) {
        for (size_t i = sc->cte_count; i-- > 0;)
            if (strcasecmp(sc->ctes[i], name) == 0)
                return BUZZ_OK;
    }
    bool own_schema = (!*cat || strcasecmp(cat, "memory") == 0) &&
                      (!*sch || strcasecmp(sch, "main") == 0);
    if (own_schema && is_dataset(sc->engine, name))
        return BUZZ_OK;
    char list[300], quoted[64];
    dataset_list(sc->engine, list, sizeof list);
    buzz_quote_text(name, strlen(name), 40, quoted, sizeof quoted);
    if (strpbrk(name, "/.:\\"))
        return buzz_error_set(sc->err, BUZZ_ERR_ARG,
                              "this query reads the file \"%s\", which is not allowed; only the "
                              "datasets (%s) can be queried",
                              quoted, list);
    return buzz_error_set(sc->err, BUZZ_ERR_ARG,
                          "this query reads \"%s%s%s%s%s\", which is not one of the datasets (%s); "
                          "only the datasets can be queried",
                          cat, *cat ? "." : "", sch, *sch ? "." : "", quoted, list);
}

static buzz_status check_table_function(scope *sc, json_t *ref)
{
    json_t *fn = json_object_get(ref, "function");
    const char *name = str_field(fn, "function_name");
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(allowed_table_functions); i++)
        if (strcasecmp(name, allowed_table_functions[i]) == 0)
            return BUZZ_OK;
    char quoted[64], list[300];
    buzz_quote_text(name, strlen(name), 40, quoted, sizeof quoted);
    dataset_list(sc->engine, list, sizeof list);
    bool reads_files = strncasecmp(name, "read_", 5) == 0 || strncasecmp(name, "parquet_", 8) == 0 ||
                       strcasecmp(name, "glob") == 0 || strcasecmp(name, "sniff_csv") == 0 ||
                       strcasecmp(name, "parquet_scan") == 0;
    return buzz_error_set(sc->err, BUZZ_ERR_ARG,
                          "this query calls the table function %s()%s, which is not allowed; a "
                          "query may read the datasets (%s) and call range, generate_series, "
                          "unnest, repeat, json_each and json_tree",
                          quoted, reads_files ? " (it reads files)" : "", list);
}

static buzz_status check_function(scope *sc, json_t *expr)
{
    const char *name = str_field(expr, "function_name");
    bool denied = strncasecmp(name, "duckdb_", 7) == 0;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(denied_functions) && !denied; i++)
        denied = strcasecmp(name, denied_functions[i]) == 0;
    if (!denied)
        return BUZZ_OK;
    char quoted[64];
    buzz_quote_text(name, strlen(name), 40, quoted, sizeof quoted);
    return buzz_error_set(sc->err, BUZZ_ERR_ARG,
                          "this query calls %s(), which reads DuckDB's settings, the environment "
                          "or the catalog; it is not allowed",
                          quoted);
}

static buzz_status walk(scope *sc, json_t *node);

static buzz_status push_cte(scope *sc, const char *name)
{
    if (sc->cte_count == MAX_CTE_DEPTH)
        return buzz_error_set(sc->err, BUZZ_ERR_LIMIT,
                              "this query defines more than %d nested CTEs", MAX_CTE_DEPTH);
    sc->ctes[sc->cte_count++] = name;
    return BUZZ_OK;
}

/* A query node (SELECT_NODE, SET_OPERATION_NODE, RECURSIVE_CTE_NODE, ...) with its cte_map: each
 * CTE body is checked with only the CTEs before it in scope, then its name joins the scope of the
 * rest of the node. */
static buzz_status walk_object(scope *sc, json_t *obj)
{
    size_t mark = sc->cte_count;
    buzz_status st = BUZZ_OK;
    const char *type = str_field(obj, "type"), *cls = str_field(obj, "class");
    if (strcmp(type, "RECURSIVE_CTE_NODE") == 0)
        st = push_cte(sc, str_field(obj, "cte_name"));
    json_t *cte_map = json_object_get(obj, "cte_map");
    json_t *entries = json_is_object(cte_map) ? json_object_get(cte_map, "map") : NULL;
    size_t i;
    json_t *entry;
    json_array_foreach(entries, i, entry)
    {
        if (st)
            break;
        json_t *value = json_object_get(entry, "value");
        st = walk(sc, json_object_get(value, "query"));
        if (st == BUZZ_OK)
            st = push_cte(sc, str_field(entry, "key"));
    }
    if (st == BUZZ_OK && strcmp(type, "BASE_TABLE") == 0)
        st = check_table(sc, obj);
    if (st == BUZZ_OK && strcmp(type, "TABLE_FUNCTION") == 0)
        st = check_table_function(sc, obj);
    if (st == BUZZ_OK && strcmp(type, "SHOW_REF") == 0 && *str_field(obj, "table_name"))
        st = check_table(sc, obj); /* DESCRIBE/SUMMARIZE name */
    if (st == BUZZ_OK && (strcmp(cls, "FUNCTION") == 0 || strcmp(cls, "WINDOW") == 0))
        st = check_function(sc, obj);
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        if (st)
            break;
        if (strcmp(key, "cte_map") != 0)
            st = walk(sc, value);
    }
    sc->cte_count = mark;
    return st;
}

static buzz_status walk(scope *sc, json_t *node)
{
    if (json_is_object(node))
        return walk_object(sc, node);
    if (json_is_array(node)) {
        size_t i;
        json_t *v;
        json_array_foreach(node, i, v)
        {
            buzz_status st = walk(sc, v);
            if (st)
                return st;
        }
    }
    return BUZZ_OK;
}

/* What a non-SELECT statement does, for the refusal. */
static const char *statement_kind(duckdb_statement_type t)
{
    switch (t) {
    case DUCKDB_STATEMENT_TYPE_INSERT: return "changes data (INSERT)";
    case DUCKDB_STATEMENT_TYPE_UPDATE: return "changes data (UPDATE)";
    case DUCKDB_STATEMENT_TYPE_DELETE: return "deletes data (DELETE)";
    case DUCKDB_STATEMENT_TYPE_EXPLAIN: return "asks for a query plan (EXPLAIN)";
    case DUCKDB_STATEMENT_TYPE_PREPARE: return "prepares a statement (PREPARE)";
    case DUCKDB_STATEMENT_TYPE_EXECUTE: return "runs a prepared statement (EXECUTE)";
    case DUCKDB_STATEMENT_TYPE_CREATE: return "creates an object (CREATE)";
    case DUCKDB_STATEMENT_TYPE_CREATE_FUNC: return "creates a function (CREATE MACRO)";
    case DUCKDB_STATEMENT_TYPE_ALTER: return "changes an object (ALTER)";
    case DUCKDB_STATEMENT_TYPE_DROP: return "drops an object (DROP)";
    case DUCKDB_STATEMENT_TYPE_TRANSACTION: return "controls a transaction (BEGIN/COMMIT)";
    case DUCKDB_STATEMENT_TYPE_COPY: return "writes or reads a file (COPY)";
    case DUCKDB_STATEMENT_TYPE_EXPORT: return "writes files (EXPORT DATABASE)";
    case DUCKDB_STATEMENT_TYPE_ANALYZE: return "runs maintenance (ANALYZE)";
    case DUCKDB_STATEMENT_TYPE_VACUUM: return "runs maintenance (VACUUM)";
    case DUCKDB_STATEMENT_TYPE_VARIABLE_SET: return "sets a variable (SET VARIABLE)";
    case DUCKDB_STATEMENT_TYPE_SET: return "changes a setting (SET/RESET/USE)";
    case DUCKDB_STATEMENT_TYPE_PRAGMA: return "runs a PRAGMA";
    case DUCKDB_STATEMENT_TYPE_CALL: return "calls a function with CALL (or CHECKPOINT)";
    case DUCKDB_STATEMENT_TYPE_LOAD: return "installs or loads an extension (INSTALL/LOAD)";
    case DUCKDB_STATEMENT_TYPE_ATTACH: return "attaches a database (ATTACH)";
    case DUCKDB_STATEMENT_TYPE_DETACH: return "detaches a database (DETACH)";
    case DUCKDB_STATEMENT_TYPE_MULTI: return "expands into several statements (PIVOT)";
    case DUCKDB_STATEMENT_TYPE_EXTENSION: return "runs an extension statement";
    default: return "is not a SELECT";
    }
}

static buzz_status refuse_type(buzz_error *err, duckdb_statement_type t)
{
    return buzz_error_set(err, BUZZ_ERR_ARG, "this query %s; only SELECT queries are allowed",
                          statement_kind(t));
}

/* The statement type its first keyword names (after blanks and comments), for the message when
 * DuckDB cannot even bind it (COPY to a path the sandbox hides, INSERT into a view); SELECT when
 * the keyword names none of these (WITH, FROM, a typo: DuckDB's own reason is shown then). */
static duckdb_statement_type leading_kind(const char *sql)
{
    static const struct {
        const char *word;
        duckdb_statement_type type;
    } words[] = {
        {"COPY", DUCKDB_STATEMENT_TYPE_COPY},        {"INSERT", DUCKDB_STATEMENT_TYPE_INSERT},
        {"UPDATE", DUCKDB_STATEMENT_TYPE_UPDATE},    {"DELETE", DUCKDB_STATEMENT_TYPE_DELETE},
        {"EXPORT", DUCKDB_STATEMENT_TYPE_EXPORT},    {"CREATE", DUCKDB_STATEMENT_TYPE_CREATE},
        {"DROP", DUCKDB_STATEMENT_TYPE_DROP},        {"ALTER", DUCKDB_STATEMENT_TYPE_ALTER},
        {"ATTACH", DUCKDB_STATEMENT_TYPE_ATTACH},    {"DETACH", DUCKDB_STATEMENT_TYPE_DETACH},
        {"INSTALL", DUCKDB_STATEMENT_TYPE_LOAD},     {"LOAD", DUCKDB_STATEMENT_TYPE_LOAD},
        {"SET", DUCKDB_STATEMENT_TYPE_SET},          {"RESET", DUCKDB_STATEMENT_TYPE_SET},
        {"USE", DUCKDB_STATEMENT_TYPE_SET},          {"PRAGMA", DUCKDB_STATEMENT_TYPE_PRAGMA},
        {"CALL", DUCKDB_STATEMENT_TYPE_CALL},        {"CHECKPOINT", DUCKDB_STATEMENT_TYPE_CALL},
        {"VACUUM", DUCKDB_STATEMENT_TYPE_VACUUM},    {"ANALYZE", DUCKDB_STATEMENT_TYPE_ANALYZE},
        {"BEGIN", DUCKDB_STATEMENT_TYPE_TRANSACTION}, {"COMMIT", DUCKDB_STATEMENT_TYPE_TRANSACTION},
        {"ROLLBACK", DUCKDB_STATEMENT_TYPE_TRANSACTION}, {"EXPLAIN", DUCKDB_STATEMENT_TYPE_EXPLAIN},
        {"PREPARE", DUCKDB_STATEMENT_TYPE_PREPARE},  {"EXECUTE", DUCKDB_STATEMENT_TYPE_EXECUTE},
    };
    const char *p = sql;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e)
                return DUCKDB_STATEMENT_TYPE_SELECT;
            p = e + 2;
        } else {
            break;
        }
    }
    size_t n = 0;
    while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z'))
        n++;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(words); i++)
        if (strlen(words[i].word) == n && strncasecmp(p, words[i].word, n) == 0)
            return words[i].type;
    return DUCKDB_STATEMENT_TYPE_SELECT;
}

/* A statement the serializer rejected: not a SELECT, or a SELECT it cannot express. Preparing it
 * binds without running, which tells its type for the message (never executed); when it does not
 * bind, its first keyword does, or else DuckDB's reason is shown. */
static buzz_status refuse_unserializable(buzz_query_conn *c, const char *sql,
                                         duckdb_extracted_statements ex, const char *why,
                                         buzz_error *err)
{
    duckdb_prepared_statement p = NULL;
    buzz_status st;
    if (duckdb_prepare_extracted_statement(c->dc, ex, 0, &p) == DuckDBSuccess) {
        duckdb_statement_type t = duckdb_prepared_statement_type(p);
        if (t == DUCKDB_STATEMENT_TYPE_SELECT)
            st = buzz_error_set(err, BUZZ_ERR_ARG,
                                "this query is not a plain SELECT (DuckDB turns PRAGMA and similar "
                                "statements into one; its check says: %.200s); only SELECT "
                                "queries are allowed",
                                why);
        else
            st = refuse_type(err, t);
    } else if (leading_kind(sql) != DUCKDB_STATEMENT_TYPE_SELECT) {
        st = refuse_type(err, leading_kind(sql));
    } else {
        char line[300];
        const char *m = duckdb_prepare_error(p);
        snprintf(line, sizeof line, "%.*s", (int)strcspn(m ? m : "", "\n"), m ? m : "");
        st = buzz_error_set(err, BUZZ_ERR_ARG,
                            "this query is not a SELECT (DuckDB: %s); only SELECT queries are "
                            "allowed",
                            line);
    }
    duckdb_destroy_prepare(&p);
    return st;
}

/* The tree holds the query's numeric literals and DuckDB's own positions, which may not fit
 * jansson's integers (18446744073709551615 for "no position", a HUGEINT's lower half) or be no
 * JSON at all (1e400 is written Infinity). The check never looks at numbers, so every number or
 * bare word outside a string becomes 0 before parsing (true/false/null are kept). */
static buzz_status neutralize_numbers(const char *in, size_t len, buzz_buf *out, buzz_error *err)
{
    bool in_string = false;
    for (size_t i = 0; i < len;) {
        char c = in[i];
        if (in_string) {
            size_t n = c == '\\' && i + 1 < len ? 2 : 1;
            in_string = c != '"';
            BUZZ_TRY(buzz_buf_append(out, in + i, n, err));
            i += n;
            continue;
        }
        bool word = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!word) {
            in_string = c == '"';
            BUZZ_TRY(buzz_buf_append_byte(out, (uint8_t)c, err));
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && ((in[j] >= '0' && in[j] <= '9') || in[j] == '-' || in[j] == '+' ||
                           in[j] == '.' || (in[j] >= 'A' && in[j] <= 'Z') ||
                           (in[j] >= 'a' && in[j] <= 'z')))
            j++;
        bool literal = (j - i == 4 && (!memcmp(in + i, "true", 4) || !memcmp(in + i, "null", 4))) ||
                       (j - i == 5 && !memcmp(in + i, "false", 5));
        if (literal)
            BUZZ_TRY(buzz_buf_append(out, in + i, j - i, err));
        else
            BUZZ_TRY(buzz_buf_append_byte(out, '0', err));
        i = j;
    }
    return BUZZ_OK;
}

/* The parse tree of sql as JSON (owned by *out, json_decref). */
static buzz_status parse_tree(buzz_query_conn *c, const char *sql, json_t **out, buzz_error *err)
{
    *out = NULL;
    duckdb_prepared_statement p = NULL;
    duckdb_result r;
    memset(&r, 0, sizeof r);
    buzz_status st = BUZZ_OK;
    if (duckdb_prepare(c->dc, "SELECT json_serialize_sql(?::VARCHAR)", &p) != DuckDBSuccess)
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                            "cannot prepare the SQL check (json_serialize_sql): %.200s",
                            duckdb_prepare_error(p));
    else if (duckdb_bind_varchar(p, 1, sql) != DuckDBSuccess)
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot bind the query to the SQL check");
    else if (duckdb_execute_prepared(p, &r) != DuckDBSuccess)
        st = buzz__qerror(err, BUZZ_OK, 0, duckdb_result_error_type(&r), duckdb_result_error(&r),
                          c->engine->opts.memory_limit_bytes);
    duckdb_data_chunk ch = st == BUZZ_OK ? duckdb_fetch_chunk(r) : NULL;
    if (st == BUZZ_OK && (!ch || duckdb_data_chunk_get_size(ch) != 1))
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL, "the SQL check returned no parse tree");
    if (st == BUZZ_OK) {
        duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
        duckdb_string_t *s = (duckdb_string_t *)duckdb_vector_get_data(v);
        json_error_t je;
        buzz_buf clean;
        buzz_buf_init(&clean, 0);
        st = neutralize_numbers(duckdb_string_t_data(s), duckdb_string_t_length(*s), &clean, err);
        if (st == BUZZ_OK) {
            *out = json_loadb(clean.data ? (const char *)clean.data : "", clean.len, 0, &je);
            if (!*out)
                st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                                    "the SQL check returned bad JSON: %s", je.text);
        }
        buzz_buf_free(&clean);
    }
    if (ch)
        duckdb_destroy_data_chunk(&ch);
    duckdb_destroy_result(&r);
    duckdb_destroy_prepare(&p);
    return st;
}

buzz_status buzz__qsandbox_prepare(buzz_query_conn *c, const char *sql,
                                   duckdb_prepared_statement *out, buzz_error *err)
{
    *out = NULL;
    if (!sql || !*sql)
        return buzz_error_set(err, BUZZ_ERR_ARG, "the query is empty");
    size_t len = strlen(sql);
    if (len > MAX_SQL_BYTES)
        return buzz_error_set(err, BUZZ_ERR_ARG, "the query is %zu bytes long; at most %zu are "
                                                 "allowed",
                              len, MAX_SQL_BYTES);
    duckdb_extracted_statements ex = NULL;
    idx_t n = duckdb_extract_statements(c->dc, sql, &ex);
    buzz_status st = BUZZ_OK;
    json_t *tree = NULL;
    if (n == 0) {
        const char *m = ex ? duckdb_extract_statements_error(ex) : NULL;
        char line[400];
        snprintf(line, sizeof line, "%.*s", (int)strcspn(m ? m : "", "\n"), m ? m : "");
        st = *line ? buzz_error_set(err, BUZZ_ERR_VALUE, "the query is not valid SQL: %s", line)
                   : buzz_error_set(err, BUZZ_ERR_ARG, "the query holds no statement");
    } else if (n > 1) {
        st = buzz_error_set(err, BUZZ_ERR_ARG,
                            "this request holds %llu statements; only one SELECT query is "
                            "allowed per request",
                            (unsigned long long)n);
    }
    if (st == BUZZ_OK)
        st = parse_tree(c, sql, &tree, err);
    if (st == BUZZ_OK) {
        json_t *stmts = json_object_get(tree, "statements");
        if (json_is_true(json_object_get(tree, "error")))
            st = refuse_unserializable(c, sql, ex, str_field(tree, "error_message"), err);
        else if (!json_is_array(stmts) || json_array_size(stmts) != 1)
            st = buzz_error_set(err, BUZZ_ERR_ARG,
                                "this request holds %zu statements; only one SELECT query is "
                                "allowed per request",
                                json_is_array(stmts) ? json_array_size(stmts) : (size_t)0);
        else {
            scope sc;
            sc.engine = c->engine;
            sc.cte_count = 0;
            sc.err = err;
            st = walk(&sc, json_array_get(stmts, 0));
        }
    }
    json_decref(tree);
    duckdb_prepared_statement p = NULL;
    if (st == BUZZ_OK && duckdb_prepare_extracted_statement(c->dc, ex, 0, &p) != DuckDBSuccess) {
        /* The C API gives no error type for a failed prepare; a permission failure still names
         * what DuckDB refused to open. */
        const char *m = duckdb_prepare_error(p);
        bool permission = m && strncmp(m, "Permission Error", 16) == 0;
        st = buzz__qerror(err, BUZZ_OK, 0,
                          permission ? DUCKDB_ERROR_PERMISSION : DUCKDB_ERROR_INVALID, m,
                          c->engine->opts.memory_limit_bytes);
    }
    if (st == BUZZ_OK && duckdb_prepared_statement_type(p) != DUCKDB_STATEMENT_TYPE_SELECT)
        st = refuse_type(err, duckdb_prepared_statement_type(p));
    if (st == BUZZ_OK && duckdb_nparams(p) > 0)
        st = buzz_error_set(err, BUZZ_ERR_ARG,
                            "this query has %llu parameter(s) ($1, ?); write the values into it",
                            (unsigned long long)duckdb_nparams(p));
    if (st == BUZZ_OK)
        *out = p;
    else
        duckdb_destroy_prepare(&p);
    duckdb_destroy_extracted(&ex);
    return st;
}
