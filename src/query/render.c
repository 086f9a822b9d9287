/* query/render.c: how Buzz reads DuckDB result vectors. A column plan (built once per result from
 * the logical types) says how each vector is laid out; the renderers turn one row of a vector
 * into text (the format of buzz_query_result_text, which follows DuckDB's own casts to VARCHAR for
 * every scalar type, so that results compare equal with DuckDB run directly) or into a JSON value,
 * recursing into LIST, ARRAY, STRUCT, MAP and UNION children. Everything is formatted here from
 * the raw values (integers, day and microsecond counts, unscaled decimals), never through a SQL
 * cast added to the user's query. Used by result.c (pages) and export.c (CSV, JSON, Parquet). */
#include "query_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------------
 * Plans. */
static char *dup_duck(char *s)
{
    /* DuckDB strings are freed with duckdb_free; keep our own copy so plans use buzz_free. */
    char *copy = s ? buzz_strndup(s, strlen(s)) : NULL;
    duckdb_free(s);
    return copy;
}

buzz_status buzz__qplan_build(buzz__qplan *p, duckdb_logical_type t, buzz_error *err)
{
    memset(p, 0, sizeof *p);
    p->id = duckdb_get_type_id(t);
    switch (p->id) {
    case DUCKDB_TYPE_DECIMAL:
        p->width = duckdb_decimal_width(t);
        p->scale = duckdb_decimal_scale(t);
        p->internal = duckdb_decimal_internal_type(t);
        return BUZZ_OK;
    case DUCKDB_TYPE_ENUM: {
        p->internal = duckdb_enum_internal_type(t);
        p->enum_count = duckdb_enum_dictionary_size(t);
        p->enum_labels = buzz_calloc(p->enum_count ? p->enum_count : 1, sizeof(char *));
        if (!p->enum_labels)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading an ENUM type");
        for (size_t i = 0; i < p->enum_count; i++) {
            p->enum_labels[i] = dup_duck(duckdb_enum_dictionary_value(t, i));
            if (!p->enum_labels[i])
                return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading an ENUM type");
        }
        return BUZZ_OK;
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
    case DUCKDB_TYPE_MAP: {
        /* A MAP is stored as a LIST of STRUCT(key, value): plan it that way. */
        duckdb_logical_type child;
        if (p->id == DUCKDB_TYPE_ARRAY) {
            p->array_size = duckdb_array_type_array_size(t);
            child = duckdb_array_type_child_type(t);
        } else if (p->id == DUCKDB_TYPE_LIST) {
            child = duckdb_list_type_child_type(t);
        } else {
            duckdb_logical_type kv[2] = {duckdb_map_type_key_type(t),
                                         duckdb_map_type_value_type(t)};
            const char *names[2] = {"key", "value"};
            child = duckdb_create_struct_type(kv, names, 2);
            duckdb_destroy_logical_type(&kv[0]);
            duckdb_destroy_logical_type(&kv[1]);
        }
        p->child_count = 1;
        p->children = buzz_calloc(1, sizeof *p->children);
        buzz_status st = p->children
                             ? buzz__qplan_build(&p->children[0], child, err)
                             : buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading a type");
        duckdb_destroy_logical_type(&child);
        return st;
    }
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_UNION: {
        bool is_union = p->id == DUCKDB_TYPE_UNION;
        p->child_count = is_union ? duckdb_union_type_member_count(t)
                                  : duckdb_struct_type_child_count(t);
        p->children = buzz_calloc(p->child_count ? p->child_count : 1, sizeof *p->children);
        p->child_names = buzz_calloc(p->child_count ? p->child_count : 1, sizeof(char *));
        if (!p->children || !p->child_names)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading a STRUCT type");
        for (size_t i = 0; i < p->child_count; i++) {
            duckdb_logical_type ct = is_union ? duckdb_union_type_member_type(t, i)
                                              : duckdb_struct_type_child_type(t, i);
            p->child_names[i] = dup_duck(is_union ? duckdb_union_type_member_name(t, i)
                                                  : duckdb_struct_type_child_name(t, i));
            buzz_status st = p->child_names[i] ? buzz__qplan_build(&p->children[i], ct, err)
                                               : buzz_error_set(err, BUZZ_ERR_NOMEM,
                                                                "out of memory reading a type");
            duckdb_destroy_logical_type(&ct);
            if (st)
                return st;
        }
        return BUZZ_OK;
    }
    default:
        return BUZZ_OK;
    }
}

void buzz__qplan_free(buzz__qplan *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->children && i < p->child_count; i++)
        buzz__qplan_free(&p->children[i]);
    for (size_t i = 0; p->child_names && i < p->child_count; i++)
        buzz_free(p->child_names[i]);
    for (size_t i = 0; p->enum_labels && i < p->enum_count; i++)
        buzz_free(p->enum_labels[i]);
    buzz_free(p->children);
    buzz_free(p->child_names);
    buzz_free(p->enum_labels);
    memset(p, 0, sizeof *p);
}

static const char *simple_type_name(duckdb_type id)
{
    switch (id) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_TIMESTAMP_S: return "TIMESTAMP_S";
    case DUCKDB_TYPE_TIMESTAMP_MS: return "TIMESTAMP_MS";
    case DUCKDB_TYPE_TIMESTAMP_NS: return "TIMESTAMP_NS";
    case DUCKDB_TYPE_UUID: return "UUID";
    case DUCKDB_TYPE_BIT: return "BIT";
    case DUCKDB_TYPE_TIME_TZ: return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_BIGNUM: return "BIGNUM";
    case DUCKDB_TYPE_SQLNULL: return "\"NULL\"";
    case DUCKDB_TYPE_TIME_NS: return "TIME_NS";
    default: return NULL;
    }
}

buzz_status buzz__qplan_type_name(const buzz__qplan *p, buzz_buf *b, buzz_error *err)
{
    const char *simple = simple_type_name(p->id);
    if (simple)
        return buzz_buf_printf(b, err, "%s", simple);
    switch (p->id) {
    case DUCKDB_TYPE_DECIMAL:
        return buzz_buf_printf(b, err, "DECIMAL(%u,%u)", p->width, p->scale);
    case DUCKDB_TYPE_ENUM:
        BUZZ_TRY(buzz_buf_printf(b, err, "ENUM("));
        for (size_t i = 0; i < p->enum_count; i++) {
            BUZZ_TRY(buzz_buf_printf(b, err, i ? ", " : ""));
            BUZZ_TRY(buzz_query_quote_string(b, p->enum_labels[i], err));
        }
        return buzz_buf_printf(b, err, ")");
    case DUCKDB_TYPE_LIST:
        BUZZ_TRY(buzz__qplan_type_name(&p->children[0], b, err));
        return buzz_buf_printf(b, err, "[]");
    case DUCKDB_TYPE_ARRAY:
        BUZZ_TRY(buzz__qplan_type_name(&p->children[0], b, err));
        return buzz_buf_printf(b, err, "[%" PRIu64 "]", (uint64_t)p->array_size);
    case DUCKDB_TYPE_MAP:
        BUZZ_TRY(buzz_buf_printf(b, err, "MAP("));
        BUZZ_TRY(buzz__qplan_type_name(&p->children[0].children[0], b, err));
        BUZZ_TRY(buzz_buf_printf(b, err, ", "));
        BUZZ_TRY(buzz__qplan_type_name(&p->children[0].children[1], b, err));
        return buzz_buf_printf(b, err, ")");
    case DUCKDB_TYPE_STRUCT:
    case DUCKDB_TYPE_UNION:
        BUZZ_TRY(buzz_buf_printf(b, err, p->id == DUCKDB_TYPE_STRUCT ? "STRUCT(" : "UNION("));
        for (size_t i = 0; i < p->child_count; i++) {
            BUZZ_TRY(buzz_buf_printf(b, err, i ? ", " : ""));
            BUZZ_TRY(buzz_query_quote_ident(b, p->child_names[i], err));
            BUZZ_TRY(buzz_buf_printf(b, err, " "));
            BUZZ_TRY(buzz__qplan_type_name(&p->children[i], b, err));
        }
        return buzz_buf_printf(b, err, ")");
    default:
        return buzz_buf_printf(b, err, "UNKNOWN(%d)", (int)p->id);
    }
}

buzz_query_type buzz__qplan_query_type(const buzz__qplan *p)
{
    switch (p->id) {
    case DUCKDB_TYPE_SQLNULL: return BUZZ_QUERY_NULL;
    case DUCKDB_TYPE_BOOLEAN: return BUZZ_QUERY_BOOLEAN;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER: return BUZZ_QUERY_INTEGER;
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT: return BUZZ_QUERY_HUGEINT;
    case DUCKDB_TYPE_DECIMAL: return BUZZ_QUERY_DECIMAL;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: return BUZZ_QUERY_DOUBLE;
    case DUCKDB_TYPE_VARCHAR: return BUZZ_QUERY_VARCHAR;
    case DUCKDB_TYPE_DATE: return BUZZ_QUERY_DATE;
    case DUCKDB_TYPE_TIME: return BUZZ_QUERY_TIME;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS: return BUZZ_QUERY_TIMESTAMP;
    case DUCKDB_TYPE_TIMESTAMP_TZ: return BUZZ_QUERY_TIMESTAMP_TZ;
    case DUCKDB_TYPE_BLOB: return BUZZ_QUERY_BLOB;
    default: return BUZZ_QUERY_OTHER;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Raw values. */
bool buzz__qvec_is_valid(duckdb_vector v, idx_t row)
{
    uint64_t *validity = duckdb_vector_get_validity(v);
    return validity == NULL || duckdb_validity_row_is_valid(validity, row);
}

static duckdb_string_t *str_at(duckdb_vector v, idx_t row)
{
    return (duckdb_string_t *)duckdb_vector_get_data(v) + row;
}

static buzz_str string_of(duckdb_vector v, idx_t row)
{
    duckdb_string_t *s = str_at(v, row);
    buzz_str out = {duckdb_string_t_data(s), duckdb_string_t_length(*s)};
    return out;
}

static buzz_i128 hugeint_of(const void *data, idx_t row)
{
    duckdb_hugeint h;
    memcpy(&h, (const char *)data + row * sizeof h, sizeof h);
    return (buzz_i128)(((unsigned __int128)(uint64_t)h.upper << 64) | h.lower);
}

static unsigned __int128 uhugeint_of(const void *data, idx_t row)
{
    duckdb_uhugeint h;
    memcpy(&h, (const char *)data + row * sizeof h, sizeof h);
    return ((unsigned __int128)h.upper << 64) | h.lower;
}

/* A signed integer column of any width as int64 (false for types that do not fit). */
static bool int64_of(duckdb_type id, const void *data, idx_t row, int64_t *out)
{
    switch (id) {
    case DUCKDB_TYPE_TINYINT: *out = ((const int8_t *)data)[row]; return true;
    case DUCKDB_TYPE_SMALLINT: *out = ((const int16_t *)data)[row]; return true;
    case DUCKDB_TYPE_INTEGER: *out = ((const int32_t *)data)[row]; return true;
    case DUCKDB_TYPE_BIGINT: *out = ((const int64_t *)data)[row]; return true;
    case DUCKDB_TYPE_UTINYINT: *out = ((const uint8_t *)data)[row]; return true;
    case DUCKDB_TYPE_USMALLINT: *out = ((const uint16_t *)data)[row]; return true;
    case DUCKDB_TYPE_UINTEGER: *out = ((const uint32_t *)data)[row]; return true;
    default: return false;
    }
}

static buzz_i128 decimal_of(const buzz__qplan *p, const void *data, idx_t row)
{
    int64_t v = 0;
    if (p->internal == DUCKDB_TYPE_HUGEINT)
        return hugeint_of(data, row);
    (void)int64_of(p->internal, data, row, &v);
    return v;
}

/* Microseconds of a TIMESTAMP* value (NS truncated toward minus infinity; infinities kept). */
static int64_t timestamp_us(duckdb_type id, int64_t raw)
{
    if (raw == INT64_MAX || raw == -INT64_MAX)
        return raw;
    switch (id) {
    case DUCKDB_TYPE_TIMESTAMP_S: return raw > INT64_MAX / 1000000 ? INT64_MAX
                                      : raw < -INT64_MAX / 1000000 ? -INT64_MAX
                                                                   : raw * 1000000;
    case DUCKDB_TYPE_TIMESTAMP_MS: return raw > INT64_MAX / 1000 ? INT64_MAX
                                       : raw < -INT64_MAX / 1000 ? -INT64_MAX
                                                                 : raw * 1000;
    case DUCKDB_TYPE_TIMESTAMP_NS: return raw >= 0 ? raw / 1000 : -((-raw + 999) / 1000);
    default: return raw;
    }
}

void buzz__qread_scalar(const buzz__qplan *p, duckdb_vector v, idx_t row, buzz_query_value *out)
{
    const void *data = duckdb_vector_get_data(v);
    out->has_i128 = false;
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN:
        out->v.b = ((const bool *)data)[row];
        break;
    case DUCKDB_TYPE_UBIGINT:
        out->v.i128 = (buzz_i128)((const uint64_t *)data)[row];
        out->has_i128 = true;
        break;
    case DUCKDB_TYPE_HUGEINT:
        out->v.i128 = hugeint_of(data, row);
        out->has_i128 = true;
        break;
    case DUCKDB_TYPE_UHUGEINT: {
        unsigned __int128 u = uhugeint_of(data, row);
        out->has_i128 = u >> 127 == 0;
        out->v.i128 = out->has_i128 ? (buzz_i128)u : 0;
        break;
    }
    case DUCKDB_TYPE_DECIMAL:
        out->v.i128 = decimal_of(p, data, row);
        break;
    case DUCKDB_TYPE_FLOAT:
        out->v.f64 = ((const float *)data)[row];
        break;
    case DUCKDB_TYPE_DOUBLE:
        out->v.f64 = ((const double *)data)[row];
        break;
    case DUCKDB_TYPE_DATE:
        out->v.i64 = ((const int32_t *)data)[row];
        break;
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        out->v.i64 = ((const int64_t *)data)[row];
        break;
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
        out->v.i64 = timestamp_us(p->id, ((const int64_t *)data)[row]);
        break;
    default:
        if (!int64_of(p->id, data, row, &out->v.i64))
            memset(&out->v, 0, sizeof out->v);
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Scalar text. */
size_t buzz__format_i128(buzz_i128 v, int scale, char *out)
{
    char digits[48];
    size_t n = 0;
    bool neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while ((int)n <= scale) /* at least one digit before the point */
        digits[n++] = '0';
    size_t len = 0;
    if (neg)
        out[len++] = '-';
    for (size_t i = n; i-- > 0;) {
        out[len++] = digits[i];
        if (scale > 0 && i == (size_t)scale)
            out[len++] = '.';
    }
    out[len] = '\0';
    return len;
}

static size_t format_u128(unsigned __int128 u, char *out)
{
    char digits[48];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days), for the
 * whole int32 range DuckDB allows. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* DuckDB writes year 0 and before as "0001-12-31 (BC)" (1 BC is year 0). */
static size_t format_date(int64_t days, char *out, size_t cap, bool *out_bc)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    *out_bc = y <= 0;
    if (y <= 0)
        y = 1 - y;
    return (size_t)snprintf(out, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

/* HH:MM:SS with the fraction (digits = 6 or 9) trimmed of trailing zeros. */
static size_t format_clock(int64_t units, int digits, char *out, size_t cap)
{
    int64_t per_sec = digits == 9 ? 1000000000 : 1000000;
    int64_t secs = units / per_sec, frac = units % per_sec;
    size_t n = (size_t)snprintf(out, cap, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
                                (long long)(secs / 60 % 60), (long long)(secs % 60));
    if (frac) {
        char f[16];
        snprintf(f, sizeof f, "%0*lld", digits, (long long)frac);
        int len = digits;
        while (len > 0 && f[len - 1] == '0')
            len--;
        n += (size_t)snprintf(out + n, cap - n, ".%.*s", len, f);
    }
    return n;
}

/* A timestamp in `digits` fraction digits (6: micros, 9: nanos) since 1970. */
static size_t format_timestamp(int64_t v, int digits, bool iso_t, char *out, size_t cap)
{
    if (v == INT64_MAX)
        return (size_t)snprintf(out, cap, "infinity");
    if (v == -INT64_MAX)
        return (size_t)snprintf(out, cap, "-infinity");
    int64_t per_day = digits == 9 ? 86400000000000LL : 86400000000LL;
    int64_t days = v / per_day, rem = v % per_day;
    if (rem < 0) {
        rem += per_day;
        days--;
    }
    bool bc;
    size_t n = format_date(days, out, cap, &bc);
    n += (size_t)snprintf(out + n, cap - n, "%c", iso_t ? 'T' : ' ');
    n += format_clock(rem, digits, out + n, cap - n);
    if (bc)
        n += (size_t)snprintf(out + n, cap - n, " (BC)");
    return n;
}

/* Shortest round-trip digits of a double (or of a float when is_float), laid out as DuckDB does
 * (fmt's "{}"): fixed notation with at least one fraction digit for decimal exponents -5 < e <
 * 16, else d.ddde+XX. */
static size_t format_float(double v, bool is_float, char *out, size_t cap)
{
    if (isnan(v))
        return (size_t)snprintf(out, cap, "nan");
    if (isinf(v))
        return (size_t)snprintf(out, cap, v < 0 ? "-inf" : "inf");
    if (v == 0)
        return (size_t)snprintf(out, cap, signbit(v) ? "-0.0" : "0.0");
    char e[40];
    int max_p = is_float ? 9 : 17;
    for (int p = 1; p <= max_p; p++) {
        int len = snprintf(e, sizeof e, "%.*e", p - 1, v);
        double back;
        if (buzz_parse_double(e, (size_t)len, &back) != BUZZ_PARSE_OK)
            continue;
        if (is_float ? (float)back == (float)v : back == v)
            break;
    }
    /* e is "-d.ddde+XX": collect the digits and the exponent. */
    char digits[24];
    size_t nd = 0;
    const char *s = e;
    bool neg = *s == '-';
    if (neg)
        s++;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[nd++] = *s;
    int exp10 = 0, esign = 1;
    if (*s == 'e') {
        s++;
        if (*s == '-' || *s == '+')
            esign = *s++ == '-' ? -1 : 1;
        for (; *s >= '0' && *s <= '9'; s++)
            exp10 = exp10 * 10 + (*s - '0');
    }
    exp10 *= esign;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t n = 0;
    if (neg)
        out[n++] = '-';
    if (exp10 < -4 || exp10 >= 16) {
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            for (size_t i = 1; i < nd; i++)
                out[n++] = digits[i];
        }
        n += (size_t)snprintf(out + n, cap - n, "e%c%02d", exp10 < 0 ? '-' : '+',
                              exp10 < 0 ? -exp10 : exp10);
        return n;
    }
    if (exp10 < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = -1; i > exp10; i--)
            out[n++] = '0';
        for (size_t i = 0; i < nd; i++)
            out[n++] = digits[i];
    } else {
        for (int i = 0; i <= exp10; i++)
            out[n++] = (size_t)i < nd ? digits[i] : '0';
        out[n++] = '.';
        if ((size_t)exp10 + 1 >= nd)
            out[n++] = '0';
        for (size_t i = (size_t)exp10 + 1; i < nd; i++)
            out[n++] = digits[i];
    }
    out[n] = '\0';
    return n;
}

static buzz_status append_interval(buzz_buf *b, const duckdb_interval *iv, buzz_error *err)
{
    size_t start = b->len;
    int32_t years = iv->months / 12, months = iv->months % 12;
    if (years)
        BUZZ_TRY(buzz_buf_printf(b, err, "%d year%s", years, years == 1 || years == -1 ? "" : "s"));
    if (months)
        BUZZ_TRY(buzz_buf_printf(b, err, "%s%d month%s", b->len > start ? " " : "", months,
                                 months == 1 || months == -1 ? "" : "s"));
    if (iv->days)
        BUZZ_TRY(buzz_buf_printf(b, err, "%s%d day%s", b->len > start ? " " : "", iv->days,
                                 iv->days == 1 || iv->days == -1 ? "" : "s"));
    if (iv->micros || b->len == start) {
        char clock[48];
        int64_t us = iv->micros;
        bool neg = us < 0;
        /* -INT64_MIN overflows; DuckDB intervals keep micros above it. */
        format_clock(neg ? -(us == INT64_MIN ? us + 1 : us) : us, 6, clock, sizeof clock);
        BUZZ_TRY(buzz_buf_printf(b, err, "%s%s%s", b->len > start ? " " : "", neg ? "-" : "",
                                 clock));
    }
    return BUZZ_OK;
}

static buzz_status append_blob(buzz_buf *b, buzz_str s, buzz_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'' && c != '"') {
            BUZZ_TRY(buzz_buf_append_byte(b, c, err));
        } else {
            char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
            BUZZ_TRY(buzz_buf_append(b, esc, 4, err));
        }
    }
    return BUZZ_OK;
}

static buzz_status append_uuid(buzz_buf *b, buzz_i128 h, buzz_error *err)
{
    /* DuckDB stores a UUID as a HUGEINT with the top bit flipped, so that they sort as text. */
    unsigned __int128 u = (unsigned __int128)h ^ ((unsigned __int128)1 << 127);
    char out[37];
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (int nib = 31; nib >= 0; nib--) {
        out[n++] = hex[(unsigned)(u >> (nib * 4)) & 15];
        if (nib == 24 || nib == 20 || nib == 16 || nib == 12)
            out[n++] = '-';
    }
    return buzz_buf_append(b, out, n, err);
}

static buzz_status append_bit(buzz_buf *b, buzz_str s, buzz_error *err)
{
    /* Byte 0 counts the padding bits at the start of byte 1; bits are most significant first. */
    if (s.len < 1)
        return BUZZ_OK;
    unsigned pad = (unsigned char)s.ptr[0];
    for (size_t i = 1; i < s.len; i++)
        for (int bit = 7; bit >= 0; bit--) {
            if (i == 1 && (unsigned)(7 - bit) < pad)
                continue;
            BUZZ_TRY(buzz_buf_append_byte(b, ((unsigned char)s.ptr[i] >> bit) & 1 ? '1' : '0',
                                          err));
        }
    return BUZZ_OK;
}

/* BIGNUM: a 3-byte header (bit 23 set for non-negative values, low bits the byte count), then
 * the magnitude big-endian; a negative value has every byte inverted. Printed in base 10 by
 * repeated division of the base-256 digits by 10^9. */
static buzz_status append_bignum(buzz_buf *b, buzz_str s, buzz_error *err)
{
    if (s.len < 4)
        return buzz_buf_append_byte(b, '0', err);
    bool neg = ((unsigned char)s.ptr[0] & 0x80) == 0;
    size_t n = s.len - 3;
    uint8_t *mag = buzz_malloc(n);
    char *dec = buzz_malloc(n * 3 + 16);
    if (!mag || !dec) {
        buzz_free(mag);
        buzz_free(dec);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory formatting a BIGNUM");
    }
    for (size_t i = 0; i < n; i++)
        mag[i] = neg ? (uint8_t)~(unsigned char)s.ptr[3 + i] : (uint8_t)s.ptr[3 + i];
    size_t dn = 0, first = 0;
    for (;;) {
        while (first < n && mag[first] == 0)
            first++;
        if (first == n)
            break;
        uint64_t rem = 0;
        for (size_t i = first; i < n; i++) {
            uint64_t cur = (rem << 8) | mag[i];
            mag[i] = (uint8_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        bool more = false;
        for (size_t i = first; i < n && !more; i++)
            more = mag[i] != 0;
        for (int k = 0; k < 9 && (more || rem); k++) {
            dec[dn++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    buzz_status st = BUZZ_OK;
    if (dn == 0)
        dec[dn++] = '0';
    if (neg && !(dn == 1 && dec[0] == '0'))
        st = buzz_buf_append_byte(b, '-', err);
    for (size_t i = dn; st == BUZZ_OK && i-- > 0;)
        st = buzz_buf_append_byte(b, (uint8_t)dec[i], err);
    buzz_free(mag);
    buzz_free(dec);
    return st;
}

static buzz_status append_time_tz(buzz_buf *b, uint64_t bits, buzz_error *err)
{
    /* dtime_tz_t: micros in the top 40 bits, (15:59:59 - offset seconds) in the low 24. */
    int64_t micros = (int64_t)(bits >> 24);
    int32_t offset = 16 * 60 * 60 - 1 - (int32_t)(bits & 0xFFFFFF);
    char clock[48];
    format_clock(micros, 6, clock, sizeof clock);
    int32_t a = offset < 0 ? -offset : offset;
    BUZZ_TRY(buzz_buf_printf(b, err, "%s%c%02d", clock, offset < 0 ? '-' : '+', a / 3600));
    if (a % 3600)
        BUZZ_TRY(buzz_buf_printf(b, err, ":%02d", a / 60 % 60));
    if (a % 60)
        BUZZ_TRY(buzz_buf_printf(b, err, ":%02d", a % 60));
    return BUZZ_OK;
}

static bool is_nested(duckdb_type id)
{
    return id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY || id == DUCKDB_TYPE_STRUCT ||
           id == DUCKDB_TYPE_MAP || id == DUCKDB_TYPE_UNION;
}

/* Text of a scalar (non-nested) value; iso_t writes timestamps with 'T' and TIMESTAMPTZ with 'Z'
 * (the JSON form). */
static buzz_status scalar_text(const buzz__qplan *p, duckdb_vector v, idx_t row, bool iso_t,
                               buzz_buf *b, buzz_error *err)
{
    const void *data = duckdb_vector_get_data(v);
    char tmp[96];
    size_t n;
    int64_t i64;
    if (int64_of(p->id, data, row, &i64))
        return buzz_buf_printf(b, err, "%lld", (long long)i64);
    switch (p->id) {
    case DUCKDB_TYPE_SQLNULL:
        return buzz_buf_append(b, "NULL", 4, err);
    case DUCKDB_TYPE_BOOLEAN:
        return buzz_buf_printf(b, err, "%s", ((const bool *)data)[row] ? "true" : "false");
    case DUCKDB_TYPE_UBIGINT:
        return buzz_buf_printf(b, err, "%llu", (unsigned long long)((const uint64_t *)data)[row]);
    case DUCKDB_TYPE_HUGEINT:
        n = buzz__format_i128(hugeint_of(data, row), 0, tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_UHUGEINT:
        n = format_u128(uhugeint_of(data, row), tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_DECIMAL:
        n = buzz__format_i128(decimal_of(p, data, row), p->scale, tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_FLOAT:
        n = format_float(((const float *)data)[row], true, tmp, sizeof tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_DOUBLE:
        n = format_float(((const double *)data)[row], false, tmp, sizeof tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_DATE: {
        int32_t d = ((const int32_t *)data)[row];
        if (d == INT32_MAX || d == -INT32_MAX)
            return buzz_buf_printf(b, err, "%sinfinity", d < 0 ? "-" : "");
        bool bc;
        n = format_date(d, tmp, sizeof tmp, &bc);
        return buzz_buf_printf(b, err, "%.*s%s", (int)n, tmp, bc ? " (BC)" : "");
    }
    case DUCKDB_TYPE_TIME:
        n = format_clock(((const int64_t *)data)[row], 6, tmp, sizeof tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_TIME_NS:
        n = format_clock(((const int64_t *)data)[row], 9, tmp, sizeof tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        n = format_timestamp(timestamp_us(p->id, ((const int64_t *)data)[row]), 6, iso_t, tmp,
                             sizeof tmp);
        BUZZ_TRY(buzz_buf_append(b, tmp, n, err));
        if (p->id == DUCKDB_TYPE_TIMESTAMP_TZ && tmp[0] != 'i' && tmp[0] != '-')
            return buzz_buf_printf(b, err, "%s", iso_t ? "Z" : "+00");
        return BUZZ_OK;
    case DUCKDB_TYPE_TIMESTAMP_NS:
        n = format_timestamp(((const int64_t *)data)[row], 9, iso_t, tmp, sizeof tmp);
        return buzz_buf_append(b, tmp, n, err);
    case DUCKDB_TYPE_INTERVAL: {
        duckdb_interval iv;
        memcpy(&iv, (const char *)data + row * sizeof iv, sizeof iv);
        return append_interval(b, &iv, err);
    }
    case DUCKDB_TYPE_VARCHAR: {
        buzz_str s = string_of(v, row);
        return buzz_buf_append(b, s.ptr, s.len, err);
    }
    case DUCKDB_TYPE_BLOB:
        return append_blob(b, string_of(v, row), err);
    case DUCKDB_TYPE_BIT:
        return append_bit(b, string_of(v, row), err);
    case DUCKDB_TYPE_BIGNUM:
        return append_bignum(b, string_of(v, row), err);
    case DUCKDB_TYPE_UUID:
        return append_uuid(b, hugeint_of(data, row), err);
    case DUCKDB_TYPE_TIME_TZ:
        return append_time_tz(b, ((const uint64_t *)data)[row], err);
    case DUCKDB_TYPE_ENUM: {
        uint64_t idx = p->internal == DUCKDB_TYPE_UTINYINT    ? ((const uint8_t *)data)[row]
                       : p->internal == DUCKDB_TYPE_USMALLINT ? ((const uint16_t *)data)[row]
                                                              : ((const uint32_t *)data)[row];
        const char *label = idx < p->enum_count ? p->enum_labels[idx] : "";
        return buzz_buf_append(b, label, strlen(label), err);
    }
    default:
        /* TIME_NS and a few internal types reach the C API as INVALID in DuckDB 1.4. */
        return buzz_error_set(err, BUZZ_ERR_VALUE,
                              "a result column has a type Buzz cannot read (DuckDB type id %d); "
                              "cast it to VARCHAR in the query",
                              (int)p->id);
    }
}

/* Inside lists and structs DuckDB quotes a value's text when it could be misread: empty, "NULL",
 * blanks at either end, or one of the characters that delimit nested values. */
static bool nested_needs_quotes(const char *s, size_t len)
{
    if (len == 0 || (len == 4 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'u' &&
                     (s[2] | 0x20) == 'l' && (s[3] | 0x20) == 'l'))
        return true;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
        return true;
    for (size_t i = 0; i < len; i++)
        if (strchr("[]{}(),:'\"\n\r", s[i]) && s[i] != '\0')
            return true;
    return false;
}

static buzz_status append_nested_quoted(buzz_buf *b, size_t start, buzz_error *err)
{
    /* The value's text is at b[start..len): rewrite it quoted, with ' and \ escaped. */
    size_t len = b->len - start;
    if (!nested_needs_quotes((const char *)b->data + start, len))
        return BUZZ_OK;
    char *copy = buzz_strndup((const char *)b->data + start, len);
    if (!copy)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory formatting a value");
    b->len = start;
    buzz_status st = buzz_buf_append_byte(b, '\'', err);
    for (size_t i = 0; st == BUZZ_OK && i < len; i++) {
        if (copy[i] == '\'' || copy[i] == '\\')
            st = buzz_buf_append_byte(b, '\\', err);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(b, (uint8_t)copy[i], err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(b, '\'', err);
    buzz_free(copy);
    return st;
}

/* Child element (or NULL) of a nested value as text. */
static buzz_status child_text(const buzz__qplan *p, duckdb_vector v, idx_t row, buzz_buf *b,
                              buzz_error *err)
{
    if (!buzz__qvec_is_valid(v, row))
        return buzz_buf_append(b, "NULL", 4, err);
    return buzz__qrender_text(p, v, row, true, b, err);
}

/* The elements of row `row` of a LIST, MAP or ARRAY vector: [*off, *off + *len) of the child. */
static duckdb_vector list_span(const buzz__qplan *p, duckdb_vector v, idx_t row, idx_t *off,
                               idx_t *len)
{
    if (p->id == DUCKDB_TYPE_ARRAY) {
        *off = row * p->array_size;
        *len = p->array_size;
        return duckdb_array_vector_get_child(v);
    }
    duckdb_list_entry e = ((const duckdb_list_entry *)duckdb_vector_get_data(v))[row];
    *off = e.offset;
    *len = e.length;
    return duckdb_list_vector_get_child(v);
}

buzz_status buzz__qrender_text(const buzz__qplan *p, duckdb_vector v, idx_t row, bool nested,
                               buzz_buf *b, buzz_error *err)
{
    switch (p->id) {
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
    case DUCKDB_TYPE_MAP: {
        idx_t off, len;
        duckdb_vector child = list_span(p, v, row, &off, &len);
        bool is_map = p->id == DUCKDB_TYPE_MAP;
        BUZZ_TRY(buzz_buf_append_byte(b, is_map ? '{' : '[', err));
        for (idx_t i = 0; i < len; i++) {
            if (i)
                BUZZ_TRY(buzz_buf_append(b, ", ", 2, err));
            if (!is_map) {
                BUZZ_TRY(child_text(&p->children[0], child, off + i, b, err));
                continue;
            }
            const buzz__qplan *kv = &p->children[0];
            BUZZ_TRY(child_text(&kv->children[0], duckdb_struct_vector_get_child(child, 0),
                                off + i, b, err));
            BUZZ_TRY(buzz_buf_append_byte(b, '=', err));
            BUZZ_TRY(child_text(&kv->children[1], duckdb_struct_vector_get_child(child, 1),
                                off + i, b, err));
        }
        return buzz_buf_append_byte(b, is_map ? '}' : ']', err);
    }
    case DUCKDB_TYPE_STRUCT:
        BUZZ_TRY(buzz_buf_append_byte(b, '{', err));
        for (size_t i = 0; i < p->child_count; i++) {
            if (i)
                BUZZ_TRY(buzz_buf_append(b, ", ", 2, err));
            BUZZ_TRY(buzz_buf_append_byte(b, '\'', err));
            for (const char *k = p->child_names[i]; *k; k++) {
                if (*k == '\'' || *k == '\\')
                    BUZZ_TRY(buzz_buf_append_byte(b, '\\', err));
                BUZZ_TRY(buzz_buf_append_byte(b, (uint8_t)*k, err));
            }
            BUZZ_TRY(buzz_buf_append(b, "': ", 3, err));
            BUZZ_TRY(child_text(&p->children[i], duckdb_struct_vector_get_child(v, i), row, b,
                                err));
        }
        return buzz_buf_append_byte(b, '}', err);
    case DUCKDB_TYPE_UNION: {
        /* Child 0 of the union's struct vector is the tag; member i is child i + 1. */
        duckdb_vector tags = duckdb_struct_vector_get_child(v, 0);
        uint8_t tag = ((const uint8_t *)duckdb_vector_get_data(tags))[row];
        if (tag >= p->child_count)
            return buzz_buf_append(b, "NULL", 4, err);
        duckdb_vector member = duckdb_struct_vector_get_child(v, (idx_t)tag + 1);
        if (!buzz__qvec_is_valid(member, row))
            return buzz_buf_append(b, "NULL", 4, err);
        return buzz__qrender_text(&p->children[tag], member, row, nested, b, err);
    }
    default: {
        size_t start = b->len;
        BUZZ_TRY(scalar_text(p, v, row, false, b, err));
        return nested ? append_nested_quoted(b, start, err) : BUZZ_OK;
    }
    }
}

/* ---------------------------------------------------------------------------------------------
 * JSON. */
/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when the bytes are not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && c < 0xC2))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3) {
        unsigned cp = ((c & 15u) << 12) | ((s[1] & 63u) << 6) | (s[2] & 63u);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
    }
    if (len == 4) {
        unsigned cp = ((c & 7u) << 18) | ((s[1] & 63u) << 12);
        if (cp < 0x10000 || cp > 0x10FFFF)
            return 0;
    }
    return len;
}

buzz_status buzz__json_string(buzz_buf *b, const char *s, size_t len, buzz_error *err)
{
    const unsigned char *u = (const unsigned char *)s;
    BUZZ_TRY(buzz_buf_append_byte(b, '"', err));
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        size_t seq = c >= 0x20 && c != '"' && c != '\\' ? utf8_seq(u + i, len - i) : 0;
        if (seq) {
            i += seq;
            continue;
        }
        BUZZ_TRY(buzz_buf_append(b, u + run, i - run, err));
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            BUZZ_TRY(buzz_buf_append(b, esc, 2, err));
        } else if (c == '\n') {
            BUZZ_TRY(buzz_buf_append(b, "\\n", 2, err));
        } else if (c == '\r') {
            BUZZ_TRY(buzz_buf_append(b, "\\r", 2, err));
        } else if (c == '\t') {
            BUZZ_TRY(buzz_buf_append(b, "\\t", 2, err));
        } else if (c < 0x20) {
            BUZZ_TRY(buzz_buf_printf(b, err, "\\u%04x", c));
        } else {
            BUZZ_TRY(buzz_buf_append(b, "\xEF\xBF\xBD", 3, err)); /* U+FFFD for a bad byte */
        }
        i++;
        run = i;
    }
    BUZZ_TRY(buzz_buf_append(b, u + run, len - run, err));
    return buzz_buf_append_byte(b, '"', err);
}

/* Append the scalar's text then turn it into a JSON string in place. */
static buzz_status scalar_json_string(const buzz__qplan *p, duckdb_vector v, idx_t row,
                                      buzz_buf *b, buzz_error *err)
{
    buzz_buf tmp;
    buzz_buf_init(&tmp, 0);
    buzz_status st = scalar_text(p, v, row, true, &tmp, err);
    if (st == BUZZ_OK)
        st = buzz__json_string(b, tmp.data ? (const char *)tmp.data : "", tmp.len, err);
    buzz_buf_free(&tmp);
    return st;
}

buzz_status buzz__qrender_json(const buzz__qplan *p, duckdb_vector v, idx_t row, buzz_buf *b,
                               buzz_error *err)
{
    if (!buzz__qvec_is_valid(v, row) || p->id == DUCKDB_TYPE_SQLNULL)
        return buzz_buf_append(b, "null", 4, err);
    switch (p->id) {
    case DUCKDB_TYPE_BOOLEAN:
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
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_BIGNUM:
        /* Exact digits: JSON numbers have no precision limit; readers that need one choose. */
        return scalar_text(p, v, row, false, b, err);
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: {
        double d = p->id == DUCKDB_TYPE_FLOAT
                       ? ((const float *)duckdb_vector_get_data(v))[row]
                       : ((const double *)duckdb_vector_get_data(v))[row];
        if (isnan(d))
            return buzz_buf_append(b, "\"NaN\"", 5, err);
        if (isinf(d))
            return buzz_buf_printf(b, err, "\"%sInfinity\"", d < 0 ? "-" : "");
        return scalar_text(p, v, row, false, b, err);
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
        idx_t off, len;
        duckdb_vector child = list_span(p, v, row, &off, &len);
        BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
        for (idx_t i = 0; i < len; i++) {
            if (i)
                BUZZ_TRY(buzz_buf_append_byte(b, ',', err));
            BUZZ_TRY(buzz__qrender_json(&p->children[0], child, off + i, b, err));
        }
        return buzz_buf_append_byte(b, ']', err);
    }
    case DUCKDB_TYPE_MAP: {
        /* Keys may be of any type, so a map is an array of {"key": k, "value": v}. */
        duckdb_list_entry e = ((const duckdb_list_entry *)duckdb_vector_get_data(v))[row];
        duckdb_vector kv = duckdb_list_vector_get_child(v);
        const buzz__qplan *kp = &p->children[0];
        BUZZ_TRY(buzz_buf_append_byte(b, '[', err));
        for (idx_t i = 0; i < e.length; i++) {
            BUZZ_TRY(buzz_buf_append(b, i ? ",{\"key\":" : "{\"key\":", i ? 8 : 7, err));
            BUZZ_TRY(buzz__qrender_json(&kp->children[0], duckdb_struct_vector_get_child(kv, 0),
                                        e.offset + i, b, err));
            BUZZ_TRY(buzz_buf_append(b, ",\"value\":", 9, err));
            BUZZ_TRY(buzz__qrender_json(&kp->children[1], duckdb_struct_vector_get_child(kv, 1),
                                        e.offset + i, b, err));
            BUZZ_TRY(buzz_buf_append_byte(b, '}', err));
        }
        return buzz_buf_append_byte(b, ']', err);
    }
    case DUCKDB_TYPE_STRUCT:
        BUZZ_TRY(buzz_buf_append_byte(b, '{', err));
        for (size_t i = 0; i < p->child_count; i++) {
            if (i)
                BUZZ_TRY(buzz_buf_append_byte(b, ',', err));
            BUZZ_TRY(buzz__json_string(b, p->child_names[i], strlen(p->child_names[i]), err));
            BUZZ_TRY(buzz_buf_append_byte(b, ':', err));
            BUZZ_TRY(buzz__qrender_json(&p->children[i], duckdb_struct_vector_get_child(v, i), row,
                                        b, err));
        }
        return buzz_buf_append_byte(b, '}', err);
    case DUCKDB_TYPE_UNION: {
        duckdb_vector tags = duckdb_struct_vector_get_child(v, 0);
        uint8_t tag = ((const uint8_t *)duckdb_vector_get_data(tags))[row];
        if (tag >= p->child_count)
            return buzz_buf_append(b, "null", 4, err);
        return buzz__qrender_json(&p->children[tag],
                                  duckdb_struct_vector_get_child(v, (idx_t)tag + 1), row, b, err);
    }
    default:
        return scalar_json_string(p, v, row, b, err);
    }
}

bool buzz__qplan_is_nested(const buzz__qplan *p)
{
    return is_nested(p->id);
}
