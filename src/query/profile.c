/* query/profile.c: column profiles (buzz/profile.h). DuckDB computes everything over the dataset's
 * view, with SQL that Buzz writes itself (every identifier through buzz_query_quote_ident, every
 * value a number or a literal formatted here), run on the connection directly: it is trusted, so
 * it skips the sandbox check, but the whole profile runs armed on the engine's watchdog with one
 * time budget, so the timeout and buzz_query_conn_cancel stop it like any query. Per group of at
 * most BATCH_COLUMNS columns:
 *   1. stats: one aggregate scan (count, distinct: approx_count_distinct, or count(DISTINCT) for
 *      small tables, min/max, avg/stddev_samp, text lengths, finite min/max and the non-finite
 *      count of doubles, dates and timestamps);
 *   2. values, only for the columns that need it: one scan with histogram(col) for
 *      low-cardinality columns (the exact value counts: DuckDB sorts them by count and keeps the
 *      top ones; their number is the exact distinct count) and the binned histogram(col, bounds)
 *      for equi-width histograms, whose bounds are planned here from the stats' min/max;
 *   3. examples: the first SAMPLE_ROWS rows (a footer-and-first-pages read).
 * Before the groups: the column names and types (LIMIT 0) and the row count (Parquet metadata).
 * Bin bounds are aligned "nice" multiples (1, 2, 5 x 10^k of the column's unit); the histogram
 * aggregate puts a value in the first bin whose boundary is >= it, so the boundaries passed are
 * each bin's upper bound minus one unit (the previous double for doubles), which makes every bin
 * exactly lower <= v < upper. Values come back as DuckDB vectors and are rendered by render.c,
 * so they read exactly as query results do; bin bounds are rendered the same way from vectors
 * made here. */
#include "buzz/profile.h"

#include "query_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 300000
#define DEFAULT_TOP 20
#define DEFAULT_TOP_MAX_DISTINCT 1000
#define DEFAULT_BINS 20
#define DEFAULT_EXAMPLES 5
#define DEFAULT_EXACT_ROWS 100000
#define DEFAULT_VALUE_BYTES 200
#define BATCH_COLUMNS 64
#define SAMPLE_ROWS 2048
#define US_PER_DAY ((int64_t)86400000000)

/* How a column is profiled, from its DuckDB type. */
typedef enum pclass {
    PC_OTHER = 0, /* nested and unusual types: counts, distinct and examples of the text form */
    PC_BOOL,
    PC_INT, /* TINYINT..BIGINT, UTINYINT..UBIGINT, HUGEINT, UHUGEINT */
    PC_DECIMAL,
    PC_FLOAT, /* FLOAT, DOUBLE */
    PC_TEXT,  /* VARCHAR */
    PC_DATE,
    PC_TIME,
    PC_TIMESTAMP, /* TIMESTAMP, _S, _MS, _NS */
    PC_TIMESTAMP_TZ,
    PC_ORDERED, /* BLOB, UUID, ENUM, INTERVAL, TIME WITH TIME ZONE: min/max and top values */
} pclass;

/* The histogram's domain: the unit its bounds are counted in. */
typedef enum pdomain {
    DOM_NONE = 0,
    DOM_INT,    /* the integer itself */
    DOM_DEC,    /* the unscaled decimal */
    DOM_DATE,   /* days since 1970-01-01 */
    DOM_TIME,   /* microseconds since midnight */
    DOM_TS,     /* microseconds since 1970 (naive) */
    DOM_TSTZ,   /* microseconds since 1970 UTC */
    DOM_DOUBLE, /* a double */
} pdomain;

typedef struct pcol {
    buzz__qplan plan; /* the column's type */
    pclass cls;
    pdomain dom;
    char *q; /* the quoted identifier (owned) */
    /* Result columns of the stats statement (-1: not asked). */
    int i_count, i_distinct, i_min, i_max, i_mean, i_std, i_lmin, i_lmax, i_lavg;
    int i_dmin, i_dmax, i_nonfinite; /* finite min/max (the domain) and the non-finite count */
    int i_nan;
    int64_t nonnull;   /* non-null values (finite ones for DOM_DOUBLE after stats) */
    int64_t nan_count; /* doubles: NaN values (DuckDB 1.4's histogram() merges NaN into another
                          value's count, so they are left out of it and counted here) */
    bool has_dom;      /* dmin/dmax (or fmin/fmax) are known */
    buzz_i128 dmin, dmax;
    double fmin, fmax;
    /* The histogram plan: nb bins; bounds ib[0..nb] (integer domains) or fb[0..nb] (doubles). */
    size_t nb;
    buzz_i128 *ib;
    double *fb;
    bool want_top;
    /* Result columns of the values statement. */
    int i_card, i_top, i_hist;
} pcol;

typedef struct prof {
    buzz_query_conn *c;
    const char *view;
    buzz_profile_options o; /* effective */
    buzz_profile *p;
    pcol *cols;
    buzz_buf sql, inner;
    size_t items;   /* select-list items of the statement being built */
    bool exact_all; /* exact distinct counts for every column */
} prof;

/* ---------------------------------------------------------------------------------------------
 * Options. */
static buzz_status check_options(const buzz_profile_options *in, buzz_profile_options *o,
                                 buzz_error *err)
{
    memset(o, 0, sizeof *o);
    if (in)
        *o = *in;
    if (o->timeout_ms == 0)
        o->timeout_ms = DEFAULT_TIMEOUT_MS;
    if (o->timeout_ms < 0 || o->timeout_ms > 86400000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "timeout_ms must be between 1 and 86400000 (a day), got %lld",
                              (long long)o->timeout_ms);
    if (o->top_count == 0)
        o->top_count = DEFAULT_TOP;
    if (o->top_count > 1000)
        return buzz_error_set(err, BUZZ_ERR_ARG, "top_count must be between 1 and 1000, got %zu",
                              o->top_count);
    if (o->top_max_distinct == 0)
        o->top_max_distinct = DEFAULT_TOP_MAX_DISTINCT;
    if (o->top_max_distinct < 0 || o->top_max_distinct > 100000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "top_max_distinct must be between 1 and 100000, got %lld",
                              (long long)o->top_max_distinct);
    if (o->histogram_bins == 0)
        o->histogram_bins = DEFAULT_BINS;
    if (o->histogram_bins < 2 || o->histogram_bins > 1000)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "histogram_bins must be between 2 and 1000, got %zu",
                              o->histogram_bins);
    if (o->example_count == 0)
        o->example_count = DEFAULT_EXAMPLES;
    if (o->example_count > 100)
        return buzz_error_set(err, BUZZ_ERR_ARG, "example_count must be between 1 and 100, got %zu",
                              o->example_count);
    if (o->exact_distinct_rows == 0)
        o->exact_distinct_rows = DEFAULT_EXACT_ROWS;
    if (o->max_value_bytes == 0)
        o->max_value_bytes = DEFAULT_VALUE_BYTES;
    if (o->max_value_bytes < 16 || o->max_value_bytes > 65536)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "max_value_bytes must be between 16 and 65536, got %zu",
                              o->max_value_bytes);
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Types. */
static pclass class_of(duckdb_type id)
{
    switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
        return PC_BOOL;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
        return PC_INT;
    case DUCKDB_TYPE_DECIMAL:
        return PC_DECIMAL;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
        return PC_FLOAT;
    case DUCKDB_TYPE_VARCHAR:
        return PC_TEXT;
    case DUCKDB_TYPE_DATE:
        return PC_DATE;
    case DUCKDB_TYPE_TIME:
        return PC_TIME;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
        return PC_TIMESTAMP;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        return PC_TIMESTAMP_TZ;
    case DUCKDB_TYPE_BLOB:
    case DUCKDB_TYPE_UUID:
    case DUCKDB_TYPE_ENUM:
    case DUCKDB_TYPE_INTERVAL:
    case DUCKDB_TYPE_TIME_TZ:
        return PC_ORDERED;
    default:
        return PC_OTHER;
    }
}

static pdomain domain_of(pclass cls, duckdb_type id)
{
    switch (cls) {
    case PC_INT:
        return id == DUCKDB_TYPE_UHUGEINT ? DOM_DOUBLE : DOM_INT;
    case PC_DECIMAL:
        return DOM_DEC;
    case PC_FLOAT:
        return DOM_DOUBLE;
    case PC_DATE:
        return DOM_DATE;
    case PC_TIME:
        return DOM_TIME;
    case PC_TIMESTAMP:
        return DOM_TS;
    case PC_TIMESTAMP_TZ:
        return DOM_TSTZ;
    default:
        return DOM_NONE;
    }
}

/* Buzz's name of the type (docs/schema.md), "other" where Buzz has none. */
static buzz_status logical_type(const buzz__qplan *p, char **out, buzz_error *err)
{
    char tmp[48];
    const char *name = "other";
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN:
        name = buzz_type_name(BUZZ_TYPE_BOOLEAN);
        break;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
        name = buzz_type_name(BUZZ_TYPE_INT32);
        break;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
        name = buzz_type_name(BUZZ_TYPE_INT64);
        break;
    case DUCKDB_TYPE_DECIMAL:
        snprintf(tmp, sizeof tmp, "decimal(%u,%u)", p->width, p->scale);
        name = tmp;
        break;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
        name = buzz_type_name(BUZZ_TYPE_DOUBLE);
        break;
    case DUCKDB_TYPE_DATE:
        name = buzz_type_name(BUZZ_TYPE_DATE);
        break;
    case DUCKDB_TYPE_TIME:
        name = buzz_type_name(BUZZ_TYPE_TIME);
        break;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
        name = buzz_type_name(BUZZ_TYPE_TIMESTAMP);
        break;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        name = buzz_type_name(BUZZ_TYPE_TIMESTAMP_TZ);
        break;
    case DUCKDB_TYPE_VARCHAR:
        name = buzz_type_name(BUZZ_TYPE_VARCHAR);
        break;
    default:
        break;
    }
    *out = buzz_strndup(name, strlen(name));
    return *out ? BUZZ_OK : buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
}

static const char *kind_of(buzz_query_type t)
{
    switch (t) {
    case BUZZ_QUERY_BOOLEAN:
        return "boolean";
    case BUZZ_QUERY_INTEGER:
    case BUZZ_QUERY_HUGEINT:
    case BUZZ_QUERY_DECIMAL:
    case BUZZ_QUERY_DOUBLE:
        return "number";
    case BUZZ_QUERY_VARCHAR:
        return "text";
    case BUZZ_QUERY_DATE:
        return "date";
    case BUZZ_QUERY_TIME:
        return "time";
    case BUZZ_QUERY_TIMESTAMP:
    case BUZZ_QUERY_TIMESTAMP_TZ:
        return "timestamp";
    default:
        return "other";
    }
}

/* ---------------------------------------------------------------------------------------------
 * Freeing. */
static void value_free(buzz_profile_value *v)
{
    buzz_free((char *)v->text);
    buzz_free((char *)v->json);
    memset(v, 0, sizeof *v);
}

void buzz_profile_free(buzz_profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->columns && i < p->column_count; i++) {
        buzz_profile_column *c = &p->columns[i];
        buzz_free((char *)c->name);
        buzz_free((char *)c->duckdb_type);
        buzz_free((char *)c->logical_type);
        value_free(&c->min);
        value_free(&c->max);
        for (size_t k = 0; c->top && k < c->top_count; k++)
            value_free(&c->top[k].value);
        buzz_free(c->top);
        for (size_t k = 0; c->bins && k < c->bin_count; k++) {
            value_free(&c->bins[k].lower);
            value_free(&c->bins[k].upper);
        }
        buzz_free(c->bins);
        for (size_t k = 0; c->examples && k < c->example_count; k++)
            value_free(&c->examples[k]);
        buzz_free(c->examples);
    }
    buzz_free(p->columns);
    buzz_free(p);
}

static void pcols_free(pcol *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        buzz__qplan_free(&cols[i].plan);
        buzz_free(cols[i].q);
        buzz_free(cols[i].ib);
        buzz_free(cols[i].fb);
    }
    buzz_free(cols);
}

/* ---------------------------------------------------------------------------------------------
 * Running SQL. */
static buzz_status stop_error(const prof *pf, buzz_status why, buzz_error *err)
{
    if (why == BUZZ_ERR_LIMIT)
        return buzz_error_set(err, BUZZ_ERR_LIMIT,
                              "profiling took longer than its %.3g s time limit and was stopped",
                              (double)pf->o.timeout_ms / 1000);
    return buzz_error_set(err, BUZZ_ERR_CANCELLED, "profiling was cancelled");
}

/* Run pf->sql (NUL-terminated here). On success *res holds the result (destroy it); on failure
 * it is destroyed. */
static buzz_status run_sql(prof *pf, duckdb_result *res, buzz_error *err)
{
    buzz_status why = buzz__qconn_stop_reason(pf->c);
    if (why != BUZZ_OK)
        return stop_error(pf, why, err);
    BUZZ_TRY(buzz_buf_append_byte(&pf->sql, 0, err));
    if (duckdb_query(pf->c->dc, (const char *)pf->sql.data, res) == DuckDBSuccess)
        return BUZZ_OK;
    why = buzz__qconn_stop_reason(pf->c);
    buzz_status st;
    if (why != BUZZ_OK || duckdb_result_error_type(res) == DUCKDB_ERROR_INTERRUPT) {
        st = stop_error(pf, why ? why : BUZZ_ERR_CANCELLED, err);
    } else {
        buzz_error e;
        st = buzz__qerror(&e, BUZZ_OK, pf->o.timeout_ms, duckdb_result_error_type(res),
                          duckdb_result_error(res), pf->c->engine->opts.memory_limit_bytes);
        /* "the query failed: ..." reads oddly for SQL the user never wrote. */
        const char *m =
            strncmp(e.message, "the query failed: ", 18) == 0 ? e.message + 18 : e.message;
        st = buzz_error_set(err, st, "profiling %s failed: %s", pf->view, m);
    }
    duckdb_destroy_result(res);
    return st;
}

/* Start a select-list item: the separator, and its index into *out_idx. */
static buzz_status item_begin(prof *pf, buzz_buf *b, int *out_idx, buzz_error *err)
{
    if (pf->items > 0)
        BUZZ_TRY(buzz_buf_append(b, ", ", 2, err));
    *out_idx = (int)pf->items++;
    return BUZZ_OK;
}

/* Append an item made of the NULL-terminated list of pieces to pf->sql. */
static buzz_status add_item(prof *pf, int *out_idx, buzz_error *err, ...)
{
    BUZZ_TRY(item_begin(pf, &pf->sql, out_idx, err));
    va_list ap;
    va_start(ap, err);
    buzz_status st = BUZZ_OK;
    for (const char *s = va_arg(ap, const char *); s && st == BUZZ_OK; s = va_arg(ap, const char *))
        st = buzz_buf_append(&pf->sql, s, strlen(s), err);
    va_end(ap);
    return st;
}

/* Plans of every column of a result (owned, *out_n of them). */
static buzz_status result_plans(duckdb_result *res, buzz__qplan **out, size_t *out_n,
                                buzz_error *err)
{
    size_t n = (size_t)duckdb_column_count(res);
    *out_n = 0;
    *out = buzz_calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    *out_n = n;
    for (size_t i = 0; i < n; i++) {
        duckdb_logical_type t = duckdb_column_logical_type(res, i);
        buzz_status st = buzz__qplan_build(&(*out)[i], t, err);
        duckdb_destroy_logical_type(&t);
        if (st)
            return st;
    }
    return BUZZ_OK;
}

static void plans_free(buzz__qplan *plans, size_t n)
{
    for (size_t i = 0; plans && i < n; i++)
        buzz__qplan_free(&plans[i]);
    buzz_free(plans);
}

/* The single row of an aggregate result. */
static buzz_status one_row(duckdb_result *res, duckdb_data_chunk *out, buzz_error *err)
{
    *out = duckdb_fetch_chunk(*res);
    if (BUZZ_NEVER(!*out || duckdb_data_chunk_get_size(*out) != 1)) {
        if (*out)
            duckdb_destroy_data_chunk(out);
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "a profile aggregate returned no row");
    }
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Reading cells. */
static bool cell_int(const buzz__qplan *p, duckdb_vector v, idx_t row, int64_t *out)
{
    if (!buzz__qvec_is_valid(v, row))
        return false;
    buzz_query_value val;
    memset(&val, 0, sizeof val);
    buzz__qread_scalar(p, v, row, &val);
    if (!val.has_i128) {
        *out = val.v.i64;
        return true;
    }
    *out = val.v.i128 > INT64_MAX   ? INT64_MAX
           : val.v.i128 < INT64_MIN ? INT64_MIN
                                    : (int64_t)val.v.i128;
    return true;
}

static bool cell_double(duckdb_vector v, idx_t row, double *out)
{
    if (!buzz__qvec_is_valid(v, row))
        return false;
    *out = ((const double *)duckdb_vector_get_data(v))[row];
    return true;
}

/* The scalar of a valid cell in the column's domain. */
static void cell_domain(const pcol *pc, const buzz__qplan *p, duckdb_vector v, idx_t row,
                        buzz_i128 *out_i, double *out_f)
{
    buzz_query_value val;
    memset(&val, 0, sizeof val);
    buzz__qread_scalar(p, v, row, &val);
    if (pc->dom == DOM_DOUBLE) {
        *out_f = p->id == DUCKDB_TYPE_DOUBLE || p->id == DUCKDB_TYPE_FLOAT ? val.v.f64
                 : val.has_i128                                            ? (double)val.v.i128
                                                                           : (double)val.v.i64;
        return;
    }
    *out_i = val.has_i128 || p->id == DUCKDB_TYPE_DECIMAL ? val.v.i128 : (buzz_i128)val.v.i64;
}

/* Cut text to at most max bytes at a UTF-8 character boundary. */
static size_t utf8_cut(const uint8_t *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && (s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static buzz_status value_dup(buzz_profile_value *out, const buzz_buf *text, const buzz_buf *json,
                             buzz_error *err)
{
    out->text = buzz_strndup(text->data ? (const char *)text->data : "", text->len);
    out->json = buzz_strndup(json->data ? (const char *)json->data : "", json->len);
    if (!out->text || !out->json)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    return BUZZ_OK;
}

/* Render a valid cell as a profile value (owned strings in *out), cut past max_value_bytes. */
static buzz_status value_from(const prof *pf, const buzz__qplan *p, duckdb_vector v, idx_t row,
                              buzz_profile_value *out, buzz_error *err)
{
    buzz_buf text, json;
    buzz_buf_init(&text, 0);
    buzz_buf_init(&json, 0);
    buzz_status st = buzz__qrender_text(p, v, row, false, &text, err);
    if (st == BUZZ_OK)
        st = buzz__qrender_json(p, v, row, &json, err);
    if (st == BUZZ_OK && text.len > pf->o.max_value_bytes) {
        text.len = utf8_cut(text.data, text.len, pf->o.max_value_bytes);
        st = buzz_buf_append(&text, "\xE2\x80\xA6", 3, err);
        buzz_buf_reset(&json);
        if (st == BUZZ_OK)
            st = buzz__json_string(&json, (const char *)text.data, text.len, err);
        out->is_cut = true;
    }
    if (st == BUZZ_OK)
        st = value_dup(out, &text, &json, err);
    buzz_buf_free(&text);
    buzz_buf_free(&json);
    return st;
}

static buzz_status value_copy(buzz_profile_value *dst, const buzz_profile_value *src,
                              buzz_error *err)
{
    dst->is_cut = src->is_cut;
    dst->text = buzz_strndup(src->text, strlen(src->text));
    dst->json = buzz_strndup(src->json, strlen(src->json));
    if (!dst->text || !dst->json)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Columns and rows. */
static buzz_status load_columns(prof *pf, buzz_error *err)
{
    buzz_buf_reset(&pf->sql);
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "SELECT * FROM "));
    BUZZ_TRY(buzz_query_quote_ident(&pf->sql, pf->view, err));
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " LIMIT 0"));
    duckdb_result res;
    BUZZ_TRY(run_sql(pf, &res, err));
    size_t n = (size_t)duckdb_column_count(&res);
    buzz_profile *p = pf->p;
    buzz_status st = BUZZ_OK;
    p->columns = buzz_calloc(n ? n : 1, sizeof *p->columns);
    pf->cols = buzz_calloc(n ? n : 1, sizeof *pf->cols);
    if (!p->columns || !pf->cols)
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    else
        p->column_count = n;
    buzz_buf tmp;
    buzz_buf_init(&tmp, 0);
    for (size_t i = 0; st == BUZZ_OK && i < n; i++) {
        buzz_profile_column *col = &p->columns[i];
        pcol *pc = &pf->cols[i];
        duckdb_logical_type t = duckdb_column_logical_type(&res, i);
        st = buzz__qplan_build(&pc->plan, t, err);
        duckdb_destroy_logical_type(&t);
        const char *name = duckdb_column_name(&res, i);
        name = name ? name : "";
        col->name = buzz_strndup(name, strlen(name));
        if (st == BUZZ_OK && !col->name)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
        buzz_buf_reset(&tmp);
        if (st == BUZZ_OK)
            st = buzz__qplan_type_name(&pc->plan, &tmp, err);
        if (st == BUZZ_OK) {
            col->duckdb_type = buzz_strndup((const char *)tmp.data, tmp.len);
            if (!col->duckdb_type)
                st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
        }
        buzz_buf_reset(&tmp);
        if (st == BUZZ_OK)
            st = buzz_query_quote_ident(&tmp, name, err);
        if (st == BUZZ_OK) {
            pc->q = buzz_strndup((const char *)tmp.data, tmp.len);
            if (!pc->q)
                st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
        }
        char *lt = NULL;
        if (st == BUZZ_OK)
            st = logical_type(&pc->plan, &lt, err);
        col->logical_type = lt;
        col->type = buzz__qplan_query_type(&pc->plan);
        col->kind = kind_of(col->type);
        pc->cls = class_of(pc->plan.id);
        pc->dom = domain_of(pc->cls, pc->plan.id);
    }
    buzz_buf_free(&tmp);
    duckdb_destroy_result(&res);
    return st;
}

static buzz_status count_rows(prof *pf, buzz_error *err)
{
    buzz_buf_reset(&pf->sql);
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "SELECT count(*) FROM "));
    BUZZ_TRY(buzz_query_quote_ident(&pf->sql, pf->view, err));
    duckdb_result res;
    BUZZ_TRY(run_sql(pf, &res, err));
    duckdb_data_chunk ch = NULL;
    buzz_status st = one_row(&res, &ch, err);
    if (st == BUZZ_OK) {
        duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
        pf->p->rows =
            buzz__qvec_is_valid(v, 0) ? ((const int64_t *)duckdb_vector_get_data(v))[0] : 0;
        duckdb_destroy_data_chunk(&ch);
    }
    duckdb_destroy_result(&res);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * 1. Stats. */
/* The histogram's domain of types that hold infinities (and NaN): the finite values. */
static buzz_status finite_domain_items(prof *pf, pcol *pc, buzz_error *err)
{
    const char *q = pc->q;
    BUZZ_TRY(add_item(pf, &pc->i_dmin, err, "min(", q, ") FILTER (WHERE isfinite(", q, "))", NULL));
    return add_item(pf, &pc->i_dmax, err, "max(", q, ") FILTER (WHERE isfinite(", q, "))", NULL);
}

static buzz_status stats_items(prof *pf, pcol *pc, buzz_error *err)
{
    const char *q = pc->q;
    pc->i_count = pc->i_distinct = pc->i_min = pc->i_max = pc->i_mean = pc->i_std = -1;
    pc->i_lmin = pc->i_lmax = pc->i_lavg = pc->i_dmin = pc->i_dmax = pc->i_nonfinite = -1;
    pc->i_nan = -1;
    BUZZ_TRY(add_item(pf, &pc->i_count, err, "count(", q, ")", NULL));
    /* Equal values have equal text, so the text form counts other types' distinct values. */
    const char *pre = pc->cls == PC_OTHER ? "CAST(" : "",
               *post = pc->cls == PC_OTHER ? " AS VARCHAR)" : "";
    if (pf->exact_all)
        BUZZ_TRY(add_item(pf, &pc->i_distinct, err, "count(DISTINCT ", pre, q, post, ")", NULL));
    else
        BUZZ_TRY(
            add_item(pf, &pc->i_distinct, err, "approx_count_distinct(", pre, q, post, ")", NULL));
    if (pc->cls == PC_OTHER)
        return BUZZ_OK;
    BUZZ_TRY(add_item(pf, &pc->i_min, err, "min(", q, ")", NULL));
    BUZZ_TRY(add_item(pf, &pc->i_max, err, "max(", q, ")", NULL));
    switch (pc->cls) {
    case PC_INT:
    case PC_DECIMAL:
        BUZZ_TRY(add_item(pf, &pc->i_mean, err, "avg(CAST(", q, " AS DOUBLE))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_std, err, "stddev_samp(CAST(", q, " AS DOUBLE))", NULL));
        if (pc->dom == DOM_DOUBLE) {
            BUZZ_TRY(add_item(pf, &pc->i_dmin, err, "min(CAST(", q, " AS DOUBLE))", NULL));
            BUZZ_TRY(add_item(pf, &pc->i_dmax, err, "max(CAST(", q, " AS DOUBLE))", NULL));
        } else {
            pc->i_dmin = pc->i_min;
            pc->i_dmax = pc->i_max;
        }
        break;
    case PC_FLOAT:
        BUZZ_TRY(add_item(pf, &pc->i_mean, err, "avg(CAST(", q,
                          " AS DOUBLE)) FILTER (WHERE isfinite(", q, "))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_std, err, "stddev_samp(CAST(", q,
                          " AS DOUBLE)) FILTER (WHERE isfinite(", q, "))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_nonfinite, err, "count(*) FILTER (WHERE NOT isfinite(", q,
                          "))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_nan, err, "count(*) FILTER (WHERE isnan(", q, "))", NULL));
        BUZZ_TRY(finite_domain_items(pf, pc, err));
        break;
    case PC_DATE:
    case PC_TIMESTAMP:
    case PC_TIMESTAMP_TZ:
        BUZZ_TRY(finite_domain_items(pf, pc, err));
        break;
    case PC_TIME:
        pc->i_dmin = pc->i_min;
        pc->i_dmax = pc->i_max;
        break;
    case PC_TEXT:
        BUZZ_TRY(add_item(pf, &pc->i_lmin, err, "min(length(", q, "))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_lmax, err, "max(length(", q, "))", NULL));
        BUZZ_TRY(add_item(pf, &pc->i_lavg, err, "avg(length(", q, "))", NULL));
        break;
    default:
        break;
    }
    return BUZZ_OK;
}

static buzz_status stats_read(prof *pf, pcol *pc, buzz_profile_column *col,
                              const buzz__qplan *plans, duckdb_data_chunk ch, buzz_error *err)
{
    int64_t rows = pf->p->rows, n = 0;
#define VEC(i) duckdb_data_chunk_get_vector(ch, (idx_t)(i))
    if (!cell_int(&plans[pc->i_count], VEC(pc->i_count), 0, &pc->nonnull))
        pc->nonnull = 0;
    col->null_count = rows - pc->nonnull;
    col->null_share = rows > 0 ? (double)col->null_count / (double)rows : 0;
    col->distinct_count = cell_int(&plans[pc->i_distinct], VEC(pc->i_distinct), 0, &n) ? n : 0;
    col->is_distinct_exact = pf->exact_all || pc->nonnull == 0;
    if (pc->i_min >= 0 && buzz__qvec_is_valid(VEC(pc->i_min), 0)) {
        BUZZ_TRY(value_from(pf, &plans[pc->i_min], VEC(pc->i_min), 0, &col->min, err));
        BUZZ_TRY(value_from(pf, &plans[pc->i_max], VEC(pc->i_max), 0, &col->max, err));
        col->has_min_max = true;
    }
    col->has_mean =
        pc->i_mean >= 0 && cell_double(VEC(pc->i_mean), 0, &col->mean) && isfinite(col->mean);
    col->has_stddev =
        pc->i_std >= 0 && cell_double(VEC(pc->i_std), 0, &col->stddev) && isfinite(col->stddev);
    if (pc->i_nonfinite >= 0 && cell_int(&plans[pc->i_nonfinite], VEC(pc->i_nonfinite), 0, &n))
        col->nonfinite_count = n;
    if (pc->i_nan >= 0 && cell_int(&plans[pc->i_nan], VEC(pc->i_nan), 0, &n))
        pc->nan_count = n;
    if (pc->i_lmin >= 0 && cell_int(&plans[pc->i_lmin], VEC(pc->i_lmin), 0, &col->min_length)) {
        col->has_length = cell_int(&plans[pc->i_lmax], VEC(pc->i_lmax), 0, &col->max_length) &&
                          cell_double(VEC(pc->i_lavg), 0, &col->avg_length);
    }
    if (pc->i_dmin >= 0 && buzz__qvec_is_valid(VEC(pc->i_dmin), 0) &&
        buzz__qvec_is_valid(VEC(pc->i_dmax), 0)) {
        cell_domain(pc, &plans[pc->i_dmin], VEC(pc->i_dmin), 0, &pc->dmin, &pc->fmin);
        cell_domain(pc, &plans[pc->i_dmax], VEC(pc->i_dmax), 0, &pc->dmax, &pc->fmax);
        pc->has_dom = pc->dom != DOM_DOUBLE || (isfinite(pc->fmin) && isfinite(pc->fmax));
    }
#undef VEC
    /* Doubles: the histogram covers the finite values only. */
    if (pc->cls == PC_FLOAT)
        pc->nonnull -= col->nonfinite_count;
    pc->want_top = pc->cls != PC_OTHER && col->distinct_count <= pf->o.top_max_distinct;
    col->has_top = pc->want_top;
    return BUZZ_OK;
}

static buzz_status run_stats(prof *pf, size_t from, size_t to, buzz_error *err)
{
    buzz_buf_reset(&pf->sql);
    pf->items = 0;
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "SELECT "));
    for (size_t i = from; i < to; i++)
        BUZZ_TRY(stats_items(pf, &pf->cols[i], err));
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " FROM "));
    BUZZ_TRY(buzz_query_quote_ident(&pf->sql, pf->view, err));
    duckdb_result res;
    BUZZ_TRY(run_sql(pf, &res, err));
    pf->p->scan_count++;
    buzz__qplan *plans = NULL;
    size_t nplans = 0;
    duckdb_data_chunk ch = NULL;
    buzz_status st = result_plans(&res, &plans, &nplans, err);
    if (st == BUZZ_OK && BUZZ_NEVER(nplans != pf->items))
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                            "the profile statement has %zu columns, not %zu", nplans, pf->items);
    if (st == BUZZ_OK)
        st = one_row(&res, &ch, err);
    for (size_t i = from; st == BUZZ_OK && i < to; i++)
        st = stats_read(pf, &pf->cols[i], &pf->p->columns[i], plans, ch, err);
    if (ch)
        duckdb_destroy_data_chunk(&ch);
    plans_free(plans, nplans);
    duckdb_destroy_result(&res);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Histogram plans. */
static buzz_i128 floor_div(buzz_i128 a, buzz_i128 b)
{
    buzz_i128 q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static bool wide_enough(buzz_i128 c, buzz_i128 w, bool at_least)
{
    return at_least ? c >= w : c > w;
}

/* The smallest "nice" width above `w` (strictly) or, with at_least, at or above it: 1, 2, 5 x
 * 10^k of the domain's unit; for times and timestamps 1-2-5 microseconds below a second, then
 * 1, 2, 5, 10, 15, 30 seconds and minutes, 1, 2, 3, 6, 12 hours, then 1-2-5 x 10^k days. 0 when
 * nothing fits below 2^100. */
static buzz_i128 nice_width(pdomain dom, buzz_i128 w, bool at_least)
{
    static const int m[] = {1, 2, 5};
    static const int64_t clock_steps[] = {
        1000000,    2000000,    5000000,     10000000,    15000000,    30000000,
        60000000,   120000000,  300000000,   600000000,   900000000,   1800000000,
        3600000000, 7200000000, 10800000000, 21600000000, 43200000000,
    };
    bool clock = dom == DOM_TIME || dom == DOM_TS || dom == DOM_TSTZ;
    buzz_i128 unit = 1, limit = (buzz_i128)1 << 100;
    if (clock) {
        for (buzz_i128 p = 1; p < 1000000; p *= 10)
            for (size_t i = 0; i < BUZZ_ARRAY_LEN(m); i++)
                if (wide_enough(m[i] * p, w, at_least))
                    return m[i] * p;
        for (size_t k = 0; k < BUZZ_ARRAY_LEN(clock_steps); k++)
            if (wide_enough(clock_steps[k], w, at_least))
                return clock_steps[k];
        unit = US_PER_DAY;
    }
    for (buzz_i128 p = unit; p <= limit / 10; p *= 10)
        for (size_t i = 0; i < BUZZ_ARRAY_LEN(m); i++)
            if (wide_enough(m[i] * p, w, at_least))
                return m[i] * p;
    return 0;
}

/* Integer domains: n values from dmin to dmax in at most `bins` aligned bins. */
static buzz_status plan_int_bins(prof *pf, pcol *pc, buzz_error *err)
{
    buzz_i128 span, n;
    size_t bins = pf->o.histogram_bins;
    if (__builtin_sub_overflow(pc->dmax, pc->dmin, &span) || span > (buzz_i128)INT64_MAX * 1000 ||
        __builtin_add_overflow(span, 1, &n))
        return BUZZ_OK; /* too wide for 64-bit bins: no histogram */
    buzz_i128 raw = (n + (buzz_i128)bins - 1) / (buzz_i128)bins;
    buzz_i128 w = nice_width(pc->dom, raw, true), k0 = 0, k1 = 0;
    while (w > 0) {
        k0 = floor_div(pc->dmin, w);
        k1 = floor_div(pc->dmax, w);
        if (k1 - k0 + 1 <= (buzz_i128)bins)
            break;
        w = nice_width(pc->dom, w, false);
    }
    if (w <= 0)
        return BUZZ_OK;
    pc->nb = (size_t)(k1 - k0 + 1);
    pc->ib = buzz_calloc(pc->nb + 1, sizeof *pc->ib);
    if (!pc->ib) {
        pc->nb = 0;
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    }
    for (size_t i = 0; i <= pc->nb; i++)
        pc->ib[i] = (k0 + (buzz_i128)i) * w;
    return BUZZ_OK;
}

/* k * m * 10^e as the double nearest to that decimal (one rounding when |e| <= 22). */
static double scaled(int64_t k, int m, int e)
{
    static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double km = (double)(k * m);
    if (e >= 0 && e <= 22)
        return km * p10[e];
    if (e < 0 && e >= -22)
        return km / p10[-e];
    return km * pow(10, e);
}

static buzz_status plan_double_bins(prof *pf, pcol *pc, buzz_error *err)
{
    size_t bins = pf->o.histogram_bins;
    double lo = pc->fmin, hi = pc->fmax;
    pc->fb = buzz_calloc(bins + 2, sizeof *pc->fb);
    if (!pc->fb)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    if (lo == hi) {
        /* One value: one bin, lower = upper = the value (the one closed bin). */
        pc->nb = 1;
        pc->fb[0] = pc->fb[1] = lo;
        return BUZZ_OK;
    }
    double raw = hi / (double)bins - lo / (double)bins;
    int e = (int)floor(log10(raw));
    static const int m[] = {1, 2, 5, 10};
    for (int step = 0; step < 8; step++) {
        for (size_t i = 0; i < BUZZ_ARRAY_LEN(m); i++) {
            int mm = m[i] == 10 ? 1 : m[i], ee = m[i] == 10 ? e + 1 : e;
            double w = scaled(1, mm, ee);
            if (w < raw * (1 - 1e-12))
                continue;
            double k0 = floor(lo / w), k1 = floor(hi / w);
            if (fabs(k0) > 1e15 || fabs(k1) > 1e15 || k1 - k0 + 1 > (double)bins)
                continue;
            size_t nb = (size_t)(k1 - k0 + 1);
            for (size_t b = 0; b <= nb; b++)
                pc->fb[b] = scaled((int64_t)k0 + (int64_t)b, mm, ee);
            if (pc->fb[0] <= lo && pc->fb[nb] > hi) {
                pc->nb = nb;
                return BUZZ_OK;
            }
        }
        e++;
    }
    /* Unaligned: bins of the raw width from the minimum; the last upper bound just above max. */
    for (size_t b = 0; b < bins; b++)
        pc->fb[b] = lo + (double)b * raw;
    pc->fb[bins] = nextafter(hi, INFINITY);
    pc->nb = bins;
    return BUZZ_OK;
}

static buzz_status plan_bins(prof *pf, pcol *pc, buzz_error *err)
{
    if (pc->dom == DOM_NONE || !pc->has_dom || pc->nonnull <= 0)
        return BUZZ_OK;
    if (pc->dom == DOM_DOUBLE)
        return plan_double_bins(pf, pc, err);
    return plan_int_bins(pf, pc, err);
}

/* ---------------------------------------------------------------------------------------------
 * 2. Values: top values and histograms. */
static buzz_status int_literal(buzz_buf *b, const pcol *pc, buzz_i128 v, buzz_error *err)
{
    char num[48];
    switch (pc->dom) {
    case DOM_INT:
        buzz__format_i128(v, 0, num);
        return buzz_buf_printf(b, err, "'%s'", num);
    case DOM_DEC:
        buzz__format_i128(v, pc->plan.scale, num);
        return buzz_buf_printf(b, err, "'%s'", num);
    case DOM_DATE:
        return buzz_buf_printf(b, err, "DATE '1970-01-01' + CAST(%lld AS INTEGER)", (long long)v);
    case DOM_TIME:
        return buzz_buf_printf(b, err, "CAST(TIME '00:00:00' + to_microseconds(%lld) AS TIME)",
                               (long long)v);
    case DOM_TS:
        return buzz_buf_printf(b, err, "make_timestamp(CAST(%lld AS BIGINT))", (long long)v);
    case DOM_TSTZ:
        return buzz_buf_printf(b, err, "CAST(make_timestamp(CAST(%lld AS BIGINT)) AS TIMESTAMPTZ)",
                               (long long)v);
    default:
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "no literal for this histogram domain");
    }
}

/* histogram(expr, boundaries) for a column with nb >= 2 bins. */
static buzz_status hist_item(prof *pf, pcol *pc, const buzz_profile_column *col, int *out_idx,
                             buzz_error *err)
{
    buzz_buf *b = &pf->inner;
    BUZZ_TRY(item_begin(pf, b, out_idx, err));
    bool cast_double = pc->dom == DOM_DOUBLE && pc->plan.id != DUCKDB_TYPE_DOUBLE;
    bool cast_ts = pc->dom == DOM_TS && pc->plan.id != DUCKDB_TYPE_TIMESTAMP;
    const char *cast = cast_double ? " AS DOUBLE)" : cast_ts ? " AS TIMESTAMP)" : "";
    const char *open = *cast ? "CAST(" : "";
    BUZZ_TRY(buzz_buf_printf(b, err, "histogram(%s%s%s, ", open, pc->q, cast));
    bool typed_text = pc->dom == DOM_INT || pc->dom == DOM_DEC || pc->dom == DOM_DOUBLE;
    if (typed_text)
        BUZZ_TRY(buzz_buf_printf(b, err, "CAST("));
    BUZZ_TRY(buzz_buf_printf(b, err, "["));
    for (size_t i = 1; i < pc->nb; i++) {
        if (i > 1)
            BUZZ_TRY(buzz_buf_printf(b, err, ", "));
        if (pc->dom == DOM_DOUBLE) {
            /* The previous double: a value below the next lower bound lands here. */
            BUZZ_TRY(buzz_buf_printf(b, err, "'%.17g'", nextafter(pc->fb[i], -INFINITY)));
        } else {
            BUZZ_TRY(int_literal(b, pc, pc->ib[i] - 1, err));
        }
    }
    BUZZ_TRY(buzz_buf_printf(b, err, "]"));
    if (typed_text)
        BUZZ_TRY(buzz_buf_printf(b, err, " AS %s[])",
                                 pc->dom == DOM_DOUBLE ? "DOUBLE" : col->duckdb_type));
    BUZZ_TRY(buzz_buf_printf(b, err, ")"));
    if (pc->dom == DOM_DOUBLE || pc->dom == DOM_DATE || pc->dom == DOM_TS || pc->dom == DOM_TSTZ)
        BUZZ_TRY(buzz_buf_printf(b, err, " FILTER (WHERE isfinite(%s%s%s))", open, pc->q, cast));
    return buzz_buf_printf(b, err, " AS g%d", *out_idx);
}

/* Render the bin bounds from a vector of the domain's type and fill col->bins. counts[nb]. */
static buzz_status bins_fill(prof *pf, pcol *pc, buzz_profile_column *col, const uint64_t *counts,
                             buzz_error *err)
{
    duckdb_logical_type t = NULL;
    switch (pc->dom) {
    case DOM_INT:
        t = duckdb_create_logical_type(DUCKDB_TYPE_HUGEINT);
        break;
    case DOM_DEC:
        t = duckdb_create_decimal_type(38, pc->plan.scale);
        break;
    case DOM_DATE:
        t = duckdb_create_logical_type(DUCKDB_TYPE_DATE);
        break;
    case DOM_TIME:
        t = duckdb_create_logical_type(DUCKDB_TYPE_TIME);
        break;
    case DOM_TS:
        t = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
        break;
    case DOM_TSTZ:
        t = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ);
        break;
    default:
        t = duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
        break;
    }
    buzz__qplan plan;
    memset(&plan, 0, sizeof plan);
    duckdb_vector v = t ? duckdb_create_vector(t, pc->nb + 1) : NULL;
    buzz_status st = t && v ? buzz__qplan_build(&plan, t, err)
                            : buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    if (st == BUZZ_OK) {
        void *data = duckdb_vector_get_data(v);
        for (size_t i = 0; i <= pc->nb; i++) {
            if (pc->dom == DOM_INT || pc->dom == DOM_DEC) {
                duckdb_hugeint h;
                h.lower = (uint64_t)pc->ib[i];
                h.upper = (int64_t)(pc->ib[i] >> 64);
                memcpy((char *)data + i * sizeof h, &h, sizeof h);
            } else if (pc->dom == DOM_DATE) {
                int32_t d = (int32_t)pc->ib[i];
                memcpy((char *)data + i * sizeof d, &d, sizeof d);
            } else if (pc->dom == DOM_DOUBLE) {
                memcpy((char *)data + i * sizeof(double), &pc->fb[i], sizeof(double));
            } else {
                int64_t us = (int64_t)pc->ib[i];
                memcpy((char *)data + i * sizeof us, &us, sizeof us);
            }
        }
        col->bins = buzz_calloc(pc->nb, sizeof *col->bins);
        if (!col->bins)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
        else
            col->bin_count = pc->nb;
    }
    for (size_t i = 0; st == BUZZ_OK && i < pc->nb; i++) {
        col->bins[i].count = (int64_t)counts[i];
        st = value_from(pf, &plan, v, i, &col->bins[i].lower, err);
        if (st == BUZZ_OK)
            st = value_from(pf, &plan, v, i + 1, &col->bins[i].upper, err);
    }
    buzz__qplan_free(&plan);
    if (v)
        duckdb_destroy_vector(&v);
    if (t)
        duckdb_destroy_logical_type(&t);
    return st;
}

/* Outer select-list items of the values statement: their separator and index. */
static buzz_status outer_begin(prof *pf, size_t *outer, int *out_idx, buzz_error *err)
{
    if (*outer > 0)
        BUZZ_TRY(buzz_buf_append(&pf->sql, ", ", 2, err));
    *out_idx = (int)(*outer)++;
    return BUZZ_OK;
}

static buzz_status values_items(prof *pf, pcol *pc, const buzz_profile_column *col, size_t *outer,
                                buzz_error *err)
{
    pc->i_card = pc->i_top = pc->i_hist = -1;
    int h;
    if (pc->want_top && col->distinct_count > 0) {
        BUZZ_TRY(item_begin(pf, &pf->inner, &h, err));
        BUZZ_TRY(buzz_buf_printf(&pf->inner, err, "histogram(%s)", pc->q));
        if (pc->cls == PC_FLOAT)
            BUZZ_TRY(buzz_buf_printf(&pf->inner, err, " FILTER (WHERE NOT isnan(%s))", pc->q));
        BUZZ_TRY(buzz_buf_printf(&pf->inner, err, " AS h%d", h));
        BUZZ_TRY(outer_begin(pf, outer, &pc->i_card, err));
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "cardinality(h%d)", h));
        /* Sorted by (-count, value): most frequent first, ties by value. */
        BUZZ_TRY(outer_begin(pf, outer, &pc->i_top, err));
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err,
                                 "list_sort(list_transform(map_entries(h%d), lambda e: "
                                 "{'n': -CAST(e.value AS BIGINT), 'v': e.key}))[1:%zu]",
                                 h, pf->o.top_count));
    }
    if (pc->nb >= 2) {
        BUZZ_TRY(hist_item(pf, pc, col, &h, err));
        BUZZ_TRY(outer_begin(pf, outer, &pc->i_hist, err));
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "map_values(g%d)", h));
    }
    return BUZZ_OK;
}

static buzz_status top_read(prof *pf, pcol *pc, buzz_profile_column *col, const buzz__qplan *plan,
                            duckdb_vector v, buzz_error *err)
{
    duckdb_list_entry e = ((const duckdb_list_entry *)duckdb_vector_get_data(v))[0];
    duckdb_vector st_vec = duckdb_list_vector_get_child(v);
    duckdb_vector n_vec = duckdb_struct_vector_get_child(st_vec, 0);
    duckdb_vector v_vec = duckdb_struct_vector_get_child(st_vec, 1);
    const buzz__qplan *vp = &plan->children[0].children[1];
    if (e.length == 0)
        return BUZZ_OK;
    col->top = buzz_calloc((size_t)e.length, sizeof *col->top);
    if (!col->top)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    int64_t covered = 0;
    for (idx_t k = 0; k < e.length; k++) {
        idx_t at = e.offset + k;
        if (!buzz__qvec_is_valid(v_vec, at))
            continue; /* histogram() skips NULLs; never expected */
        buzz_profile_top *t = &col->top[col->top_count];
        t->count = -((const int64_t *)duckdb_vector_get_data(n_vec))[at];
        col->top_count++;
        BUZZ_TRY(value_from(pf, vp, v_vec, at, &t->value, err));
        covered += t->count;
    }
    col->top_other_count = pc->nonnull + col->nonfinite_count - covered;
    return BUZZ_OK;
}

static buzz_status hist_read(prof *pf, pcol *pc, buzz_profile_column *col, duckdb_vector v,
                             buzz_error *err)
{
    duckdb_list_entry e = ((const duckdb_list_entry *)duckdb_vector_get_data(v))[0];
    if (BUZZ_NEVER(e.length != pc->nb))
        return buzz_error_set(err, BUZZ_ERR_INTERNAL,
                              "the histogram of \"%.100s\" has %llu bins, not %zu", col->name,
                              (unsigned long long)e.length, pc->nb);
    duckdb_vector child = duckdb_list_vector_get_child(v);
    const uint64_t *counts = (const uint64_t *)duckdb_vector_get_data(child) + e.offset;
    return bins_fill(pf, pc, col, counts, err);
}

/* Histograms of one bin need no scan: every (finite) value is in it. */
static buzz_status single_bin(prof *pf, pcol *pc, buzz_profile_column *col, buzz_error *err)
{
    uint64_t count = (uint64_t)pc->nonnull;
    return bins_fill(pf, pc, col, &count, err);
}

static buzz_status run_values(prof *pf, size_t from, size_t to, buzz_error *err)
{
    buzz_buf_reset(&pf->sql);
    buzz_buf_reset(&pf->inner);
    pf->items = 0;
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "SELECT "));
    /* Outer items are numbered by `outer`, inner ones (the aggregates) by pf->items. */
    size_t outer = 0;
    for (size_t i = from; i < to; i++) {
        pcol *pc = &pf->cols[i];
        buzz_profile_column *col = &pf->p->columns[i];
        BUZZ_TRY(plan_bins(pf, pc, err));
        if (pc->nb == 1)
            BUZZ_TRY(single_bin(pf, pc, col, err));
        BUZZ_TRY(values_items(pf, pc, col, &outer, err));
    }
    if (outer == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " FROM (SELECT "));
    BUZZ_TRY(buzz_buf_append(&pf->sql, pf->inner.data, pf->inner.len, err));
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " FROM "));
    BUZZ_TRY(buzz_query_quote_ident(&pf->sql, pf->view, err));
    BUZZ_TRY(buzz_buf_printf(&pf->sql, err, ")"));
    duckdb_result res;
    BUZZ_TRY(run_sql(pf, &res, err));
    pf->p->scan_count++;
    buzz__qplan *plans = NULL;
    size_t nplans = 0;
    duckdb_data_chunk ch = NULL;
    buzz_status st = result_plans(&res, &plans, &nplans, err);
    if (st == BUZZ_OK && BUZZ_NEVER(nplans != outer))
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                            "the profile statement has %zu columns, not %zu", nplans, outer);
    if (st == BUZZ_OK)
        st = one_row(&res, &ch, err);
    for (size_t i = from; st == BUZZ_OK && i < to; i++) {
        pcol *pc = &pf->cols[i];
        buzz_profile_column *col = &pf->p->columns[i];
        if (pc->i_card >= 0) {
            int64_t card = 0;
            duckdb_vector cv = duckdb_data_chunk_get_vector(ch, (idx_t)pc->i_card);
            if (cell_int(&plans[pc->i_card], cv, 0, &card)) {
                col->distinct_count = card + (pc->nan_count > 0);
                col->is_distinct_exact = true;
            }
            st = top_read(pf, pc, col, &plans[pc->i_top],
                          duckdb_data_chunk_get_vector(ch, (idx_t)pc->i_top), err);
        }
        if (st == BUZZ_OK && pc->i_hist >= 0)
            st = hist_read(pf, pc, col, duckdb_data_chunk_get_vector(ch, (idx_t)pc->i_hist), err);
    }
    if (ch)
        duckdb_destroy_data_chunk(&ch);
    plans_free(plans, nplans);
    duckdb_destroy_result(&res);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * 3. Examples. */
static bool has_example(const buzz_profile_column *col, const char *text)
{
    for (size_t k = 0; k < col->example_count; k++)
        if (strcmp(col->examples[k].text, text) == 0)
            return true;
    return false;
}

/* Keep v (moved in) unless it is already an example. */
static void example_add(buzz_profile_column *col, buzz_profile_value *v)
{
    if (!has_example(col, v->text)) {
        col->examples[col->example_count++] = *v;
        memset(v, 0, sizeof *v);
    }
    value_free(v);
}

static buzz_status examples_from_chunk(prof *pf, size_t from, size_t to, const buzz__qplan *plans,
                                       duckdb_data_chunk ch, buzz_error *err)
{
    idx_t rows = duckdb_data_chunk_get_size(ch);
    for (size_t i = from; i < to; i++) {
        buzz_profile_column *col = &pf->p->columns[i];
        duckdb_vector v = duckdb_data_chunk_get_vector(ch, (idx_t)(i - from));
        for (idx_t r = 0; r < rows && col->example_count < pf->o.example_count; r++) {
            if (!buzz__qvec_is_valid(v, r))
                continue;
            buzz_profile_value val;
            memset(&val, 0, sizeof val);
            buzz_status st = value_from(pf, &plans[i - from], v, r, &val, err);
            if (st == BUZZ_OK)
                example_add(col, &val);
            value_free(&val);
            if (st)
                return st;
        }
    }
    return BUZZ_OK;
}

/* When the first rows hold fewer distinct values: the top values, then min and max. */
static buzz_status examples_fill(prof *pf, buzz_profile_column *col, buzz_error *err)
{
    for (size_t k = 0; k < col->top_count && col->example_count < pf->o.example_count; k++) {
        buzz_profile_value v;
        memset(&v, 0, sizeof v);
        buzz_status st = value_copy(&v, &col->top[k].value, err);
        if (st == BUZZ_OK)
            example_add(col, &v);
        value_free(&v);
        if (st)
            return st;
    }
    const buzz_profile_value *ends[2] = {&col->min, &col->max};
    for (size_t k = 0; k < 2 && col->has_min_max && col->example_count < pf->o.example_count; k++) {
        buzz_profile_value v;
        memset(&v, 0, sizeof v);
        buzz_status st = value_copy(&v, ends[k], err);
        if (st == BUZZ_OK)
            example_add(col, &v);
        value_free(&v);
        if (st)
            return st;
    }
    return BUZZ_OK;
}

static buzz_status run_examples(prof *pf, size_t from, size_t to, buzz_error *err)
{
    for (size_t i = from; i < to; i++) {
        buzz_profile_column *col = &pf->p->columns[i];
        col->examples = buzz_calloc(pf->o.example_count, sizeof *col->examples);
        if (!col->examples)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    }
    if (pf->p->rows > 0) {
        buzz_buf_reset(&pf->sql);
        pf->items = 0;
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err, "SELECT "));
        for (size_t i = from; i < to; i++) {
            int idx;
            bool as_text = pf->cols[i].cls == PC_OTHER;
            BUZZ_TRY(add_item(pf, &idx, err, as_text ? "CAST(" : "", pf->cols[i].q,
                              as_text ? " AS VARCHAR)" : "", NULL));
        }
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " FROM "));
        BUZZ_TRY(buzz_query_quote_ident(&pf->sql, pf->view, err));
        BUZZ_TRY(buzz_buf_printf(&pf->sql, err, " LIMIT %d", SAMPLE_ROWS));
        duckdb_result res;
        BUZZ_TRY(run_sql(pf, &res, err));
        buzz__qplan *plans = NULL;
        size_t nplans = 0;
        buzz_status st = result_plans(&res, &plans, &nplans, err);
        for (;;) {
            if (st != BUZZ_OK)
                break;
            duckdb_data_chunk ch = duckdb_fetch_chunk(res);
            if (!ch)
                break;
            st = examples_from_chunk(pf, from, to, plans, ch, err);
            duckdb_destroy_data_chunk(&ch);
        }
        plans_free(plans, nplans);
        duckdb_destroy_result(&res);
        if (st)
            return st;
    }
    for (size_t i = from; i < to; i++)
        BUZZ_TRY(examples_fill(pf, &pf->p->columns[i], err));
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Entry points. */
static buzz_status profile_all(prof *pf, buzz_error *err)
{
    BUZZ_TRY(load_columns(pf, err));
    BUZZ_TRY(count_rows(pf, err));
    pf->exact_all = pf->o.exact_distinct_rows >= 0 && pf->p->rows <= pf->o.exact_distinct_rows;
    for (size_t from = 0; from < pf->p->column_count; from += BATCH_COLUMNS) {
        size_t to =
            from + BATCH_COLUMNS < pf->p->column_count ? from + BATCH_COLUMNS : pf->p->column_count;
        BUZZ_TRY(run_stats(pf, from, to, err));
        BUZZ_TRY(run_values(pf, from, to, err));
        BUZZ_TRY(run_examples(pf, from, to, err));
    }
    return BUZZ_OK;
}

buzz_status buzz_profile_dataset(buzz_query_conn *c, size_t dataset,
                                 const buzz_profile_options *opts, buzz_profile **out,
                                 buzz_error *err)
{
    *out = NULL;
    prof pf;
    memset(&pf, 0, sizeof pf);
    BUZZ_TRY(check_options(opts, &pf.o, err));
    if (c->cursor)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "this connection has an open cursor; close it before profiling");
    if (dataset >= c->engine->table_count)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "the engine has %zu datasets; there is no dataset %zu",
                              c->engine->table_count, dataset);
    pf.c = c;
    pf.view = c->engine->table_names[dataset];
    buzz_buf_init(&pf.sql, 0);
    buzz_buf_init(&pf.inner, 0);
    pf.p = buzz_calloc(1, sizeof *pf.p);
    if (!pf.p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory profiling");
    pf.p->version = BUZZ_PROFILE_VERSION;
    int64_t t0 = buzz_now_ns();
    buzz__qconn_arm(c, pf.o.timeout_ms * 1000000);
    buzz_status st = profile_all(&pf, err);
    buzz_status why = buzz__qconn_disarm(c);
    if (st == BUZZ_OK && why != BUZZ_OK)
        st = stop_error(&pf, why, err); /* stopped, even if DuckDB finished first */
    pf.p->elapsed_ms = (buzz_now_ns() - t0) / 1000000;
    pcols_free(pf.cols, pf.p->column_count);
    buzz_buf_free(&pf.sql);
    buzz_buf_free(&pf.inner);
    if (st != BUZZ_OK) {
        buzz_profile_free(pf.p);
        return st;
    }
    *out = pf.p;
    return BUZZ_OK;
}

buzz_status buzz_profile_file(const char *parquet_path, const buzz_profile_options *opts,
                              buzz_profile **out, buzz_error *err)
{
    *out = NULL;
    buzz_profile_options o;
    BUZZ_TRY(check_options(opts, &o, err));
    buzz_query_dataset ds = {"data", parquet_path};
    buzz_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.threads = o.threads;
    qo.memory_limit_bytes = o.memory_limit_bytes;
    qo.timeout_ms = o.timeout_ms;
    buzz_query_engine *e = NULL;
    buzz_query_conn *c = NULL;
    buzz_status st = buzz_query_engine_open(&e, &ds, 1, &qo, err);
    if (st == BUZZ_OK)
        st = buzz_query_conn_open(e, &c, err);
    if (st == BUZZ_OK)
        st = buzz_profile_dataset(c, 0, &o, out, err);
    buzz_query_conn_close(c);
    buzz_query_engine_close(e);
    return st;
}
