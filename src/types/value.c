/* One cell read as its column's type, the reason a value does not fit, and the canonical text of
 * a typed value (used by the CSV output of `buzz convert` and in messages). */
#include "buzz/types.h"

#include <stdio.h>
#include <string.h>

static inline bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* Plain [+-]digits (at most 19, no leading zero, within int64) and [+-]digits.digits: most
 * numeric cells. Read directly; everything else goes through buzz_num_scan (which also reports
 * overflow). Returns true when it handled the value. */
static bool parse_plain(const buzz_column_def *d, const char *t, size_t tl, buzz_value *out,
                        buzz_parse_result *res)
{
    size_t i = 0;
    bool neg = false;
    if (tl > 0 && (t[0] == '-' || t[0] == '+')) {
        neg = t[0] == '-';
        i = 1;
    }
    size_t start = i;
    uint64_t v = 0;
    /* 19 digits fit in uint64 (below 1.9e19); the int64 check is below. */
    while (i < tl && (unsigned)((unsigned char)t[i] - '0') <= 9 && i - start < 19)
        v = v * 10 + (unsigned)((unsigned char)t[i++] - '0');
    size_t int_len = i - start;
    if (int_len == 0 || (int_len > 1 && t[start] == '0') || v > (uint64_t)INT64_MAX + neg)
        return false;
    if (i == tl) {
        int64_t x = neg ? -(int64_t)(v - 1) - 1 : (int64_t)v; /* INT64_MIN has no positive twin */
        switch (d->type) {
        case BUZZ_TYPE_INT32:
            if (x < INT32_MIN || x > INT32_MAX) {
                *res = BUZZ_PARSE_OVERFLOW;
                return true;
            }
            out->v.i32 = (int32_t)x;
            *res = BUZZ_PARSE_OK;
            return true;
        case BUZZ_TYPE_INT64:
            out->v.i64 = x;
            *res = BUZZ_PARSE_OK;
            return true;
        case BUZZ_TYPE_DECIMAL: {
            if ((int)int_len > d->precision - d->scale)
                return false; /* let the general path report it */
            buzz_i128 q = (buzz_i128)x;
            for (int k = 0; k < d->scale; k++)
                q *= 10;
            out->v.dec = q;
            *res = BUZZ_PARSE_OK;
            return true;
        }
        default:
            return false;
        }
    }
    /* digits '.' digits, for DECIMAL in the '.'-mark styles. */
    if (d->type != BUZZ_TYPE_DECIMAL || t[i] != '.' ||
        !(d->num_style == BUZZ_NUM_DOT || d->num_style == BUZZ_NUM_DOT_GROUP_COMMA))
        return false;
    size_t f0 = ++i;
    __extension__ unsigned __int128 q = v;
    while (i < tl && (unsigned)((unsigned char)t[i] - '0') <= 9 && (int)(i - f0) < d->scale)
        q = q * 10 + (unsigned)((unsigned char)t[i++] - '0');
    if (i != tl || (int)int_len > d->precision - d->scale)
        return false; /* more fraction digits than the scale, or junk: the general path decides */
    for (int k = (int)(i - f0); k < d->scale; k++)
        q *= 10;
    out->v.dec = neg ? -(buzz_i128)q : (buzz_i128)q;
    *res = BUZZ_PARSE_OK;
    return true;
}

static buzz_parse_result parse_number(const buzz_column_def *d, const char *t, size_t tl,
                                      buzz_value *out)
{
    buzz_parse_result fast;
    if (parse_plain(d, t, tl, out, &fast))
        return fast;
    /* Plain [+-]digits[.digits][e[+-]digits] in a '.'-mark DOUBLE column without a unit: the
     * double the general path would read from the same digits (its normalized text is this one),
     * without building that text. Anything else (grouping, units, inf, out of range) goes on. */
    if (tl > 0 && d->type == BUZZ_TYPE_DOUBLE && d->unit == BUZZ_UNIT_NONE &&
        (d->num_style == BUZZ_NUM_DOT || d->num_style == BUZZ_NUM_DOT_GROUP_COMMA)) {
        unsigned char f = (unsigned char)t[tl > 1 && (t[0] == '-' || t[0] == '+')];
        if (((unsigned)(f - '0') <= 9 || f == '.') &&
            buzz_parse_double(t, tl, &out->v.f64) == BUZZ_PARSE_OK)
            return BUZZ_PARSE_OK;
    }
    buzz_num n;
    if (!buzz_num_scan(t, tl, d->num_style, &n))
        return BUZZ_PARSE_INVALID;
    if (d->unit != BUZZ_UNIT_NONE && n.unit != BUZZ_UNIT_NONE && n.unit != d->unit)
        return BUZZ_PARSE_INVALID;
    if (d->unit == BUZZ_UNIT_NONE && n.unit != BUZZ_UNIT_NONE && d->is_user_type)
        return BUZZ_PARSE_INVALID;
    switch (d->type) {
    case BUZZ_TYPE_INT32: {
        int64_t v;
        buzz_parse_result r = buzz_num_to_int64(&n, &v);
        if (r != BUZZ_PARSE_OK)
            return r;
        if (v < INT32_MIN || v > INT32_MAX)
            return BUZZ_PARSE_OVERFLOW;
        out->v.i32 = (int32_t)v;
        return BUZZ_PARSE_OK;
    }
    case BUZZ_TYPE_INT64:
        return buzz_num_to_int64(&n, &out->v.i64);
    case BUZZ_TYPE_DECIMAL:
        return buzz_num_to_decimal(&n, d->precision, d->scale, &out->v.dec);
    default: {
        buzz_parse_result r = buzz_num_to_double(&n, &out->v.f64);
        return r == BUZZ_PARSE_OVERFLOW ? BUZZ_PARSE_OVERFLOW : r;
    }
    }
}

static buzz_parse_result parse_datetime(const buzz_column_def *d, const char *t, size_t tl,
                                        buzz_value *out)
{
    if (d->has_format) {
        int64_t v;
        buzz_parse_result r = buzz_dt_parse_format(&d->format, d->type, t, tl, &v);
        if (r != BUZZ_PARSE_OK)
            return r;
        if (d->type == BUZZ_TYPE_DATE)
            out->v.days = (int32_t)v;
        else
            out->v.i64 = v;
        return BUZZ_PARSE_OK;
    }
    buzz_dt_scan sc;
    if (!buzz_dt_scan_value(t, tl, &sc))
        return BUZZ_PARSE_INVALID;
    bool has_date = (sc.flags & BUZZ_DT_HAS_DATE) != 0;
    bool has_time = (sc.flags & BUZZ_DT_HAS_TIME) != 0;
    bool has_zone = (sc.flags & BUZZ_DT_HAS_OFFSET) != 0;
    if (d->type == BUZZ_TYPE_TIME) {
        if (has_date || !has_time)
            return BUZZ_PARSE_INVALID;
        out->v.i64 = sc.time_us;
        return BUZZ_PARSE_OK;
    }
    if (!has_date)
        return BUZZ_PARSE_INVALID;
    int32_t days;
    if (!buzz_dt_days(&sc, d->date_order, &days))
        return BUZZ_PARSE_INVALID;
    if (d->type == BUZZ_TYPE_DATE) {
        if (has_time)
            return BUZZ_PARSE_INVALID;
        out->v.days = days;
        return BUZZ_PARSE_OK;
    }
    if (d->type == BUZZ_TYPE_TIMESTAMP && has_zone)
        return BUZZ_PARSE_INVALID;
    if (sc.time_us >= INT64_C(86400000000))
        return BUZZ_PARSE_INVALID;
    int64_t us = (int64_t)days * INT64_C(86400000000) + sc.time_us - (int64_t)sc.offset_s * 1000000;
    /* An offset can move a timestamp out of years 1-9999 (0001-01-01T00:00+01:00). */
    const int64_t lo = (int64_t)buzz_days_from_civil(1, 1, 1) * INT64_C(86400000000);
    const int64_t hi = ((int64_t)buzz_days_from_civil(9999, 12, 31) + 1) * INT64_C(86400000000);
    if (us < lo || us >= hi)
        return BUZZ_PARSE_OVERFLOW;
    out->v.i64 = us;
    return BUZZ_PARSE_OK;
}

buzz_parse_result buzz_value_parse(const buzz_column_def *d, const buzz_null_tokens *nulls,
                                   const char *s, size_t len, bool quoted, buzz_value *out)
{
    out->is_null = false;
    out->text = s;
    out->text_len = len;
    const char *t = s;
    size_t tl = len;
    while (tl > 0 && is_blank((unsigned char)t[0])) {
        t++;
        tl--;
    }
    while (tl > 0 && is_blank((unsigned char)t[tl - 1]))
        tl--;
    if (len == 0 && quoted) {
        out->is_null = d->type != BUZZ_TYPE_VARCHAR;
        return BUZZ_PARSE_OK;
    }
    if (tl == 0 ? !quoted : buzz_null_tokens_match(nulls, t, tl)) {
        out->is_null = true;
        return BUZZ_PARSE_OK;
    }
    buzz_parse_result r;
    switch (d->type) {
    case BUZZ_TYPE_NULL:
    case BUZZ_TYPE_VARCHAR:
        return BUZZ_PARSE_OK;
    case BUZZ_TYPE_BOOLEAN:
        r = buzz_parse_bool(t, tl, d->bool_digits, &out->v.b) ? BUZZ_PARSE_OK
                                                               : BUZZ_PARSE_INVALID;
        break;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_INT64:
    case BUZZ_TYPE_DECIMAL:
    case BUZZ_TYPE_DOUBLE:
        r = parse_number(d, t, tl, out);
        break;
    default:
        r = parse_datetime(d, t, tl, out);
        break;
    }
    if (r != BUZZ_PARSE_OK)
        out->is_null = true;
    return r;
}

const char *buzz_parse_reason(const buzz_column_def *d, buzz_parse_result r, char *out,
                              size_t out_cap)
{
    char tt[32];
    buzz_column_type_text(d, tt, sizeof tt);
    switch (d->type) {
    case BUZZ_TYPE_BOOLEAN:
        snprintf(out, out_cap, "not a boolean (expected true/false, yes/no, t/f, y/n%s)",
                 d->bool_digits ? ", 1/0" : "");
        break;
    case BUZZ_TYPE_INT32:
    case BUZZ_TYPE_INT64:
        snprintf(out, out_cap, r == BUZZ_PARSE_OVERFLOW ? "out of range for %s"
                                                        : "not a whole number (%s)",
                 tt);
        break;
    case BUZZ_TYPE_DECIMAL:
        if (r == BUZZ_PARSE_PRECISION)
            snprintf(out, out_cap, "more than %d decimal places for %s (never rounded)", d->scale,
                     tt);
        else if (r == BUZZ_PARSE_OVERFLOW)
            snprintf(out, out_cap, "too many digits for %s", tt);
        else
            snprintf(out, out_cap, "not a number with decimal mark '%s' (%s)",
                     (d->num_style == BUZZ_NUM_DOT || d->num_style == BUZZ_NUM_DOT_GROUP_COMMA)
                         ? "."
                         : ",",
                     tt);
        break;
    case BUZZ_TYPE_DOUBLE:
        snprintf(out, out_cap, r == BUZZ_PARSE_OVERFLOW ? "beyond the range of a double"
                                                        : "not a number");
        break;
    case BUZZ_TYPE_DATE:
    case BUZZ_TYPE_TIMESTAMP:
    case BUZZ_TYPE_TIMESTAMP_TZ:
        if (d->has_format)
            snprintf(out, out_cap, "does not match the format %s for %s", d->format.text, tt);
        else if (r == BUZZ_PARSE_PRECISION)
            snprintf(out, out_cap, "more than 6 fraction digits for %s", tt);
        else
            snprintf(out, out_cap, "not a valid %s in %s order%s", tt,
                     buzz_date_order_name(d->date_order),
                     d->type == BUZZ_TYPE_TIMESTAMP ? " without a zone" : "");
        break;
    case BUZZ_TYPE_TIME:
        snprintf(out, out_cap, "not a time of day (HH:MM[:SS[.ffffff]] [AM/PM])");
        break;
    default:
        snprintf(out, out_cap, "not a value of type %s", tt);
        break;
    }
    return out;
}

size_t buzz_value_format(const buzz_column_def *d, const buzz_value *v, char *buf,
                         const char **out_text)
{
    *out_text = buf;
    if (v->is_null) {
        buf[0] = '\0';
        return 0;
    }
    switch (d->type) {
    case BUZZ_TYPE_BOOLEAN:
        return (size_t)snprintf(buf, 64, "%s", v->v.b ? "true" : "false");
    case BUZZ_TYPE_INT32:
        return (size_t)snprintf(buf, 64, "%d", (int)v->v.i32);
    case BUZZ_TYPE_INT64:
        return (size_t)snprintf(buf, 64, "%lld", (long long)v->v.i64);
    case BUZZ_TYPE_DECIMAL:
        return buzz_format_decimal(v->v.dec, d->scale, buf);
    case BUZZ_TYPE_DOUBLE:
        return buzz_format_double(v->v.f64, buf);
    case BUZZ_TYPE_DATE:
        return buzz_format_date(v->v.days, buf);
    case BUZZ_TYPE_TIME:
        return buzz_format_time(v->v.i64, buf);
    case BUZZ_TYPE_TIMESTAMP:
        return buzz_format_timestamp(v->v.i64, false, buf);
    case BUZZ_TYPE_TIMESTAMP_TZ:
        return buzz_format_timestamp(v->v.i64, true, buf);
    default:
        *out_text = v->text;
        return v->text_len;
    }
}
