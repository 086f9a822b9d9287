/* Type names: the spelling used in schema documents, summaries and messages, and its parser. */
#include "buzz/types.h"

#include <string.h>

static const char *const type_names[BUZZ_TYPE_COUNT] = {
    "null", "boolean", "int32", "int64", "decimal", "double",
    "date", "time",    "timestamp", "timestamp_tz", "varchar",
};

const char *buzz_type_name(buzz_type t)
{
    return (unsigned)t < BUZZ_TYPE_COUNT ? type_names[t] : "?";
}

static bool name_eq(const char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != lit[i])
            return false;
    }
    return true;
}

static const struct {
    const char *name;
    buzz_type type;
} aliases[] = {
    {"null", BUZZ_TYPE_NULL},
    {"boolean", BUZZ_TYPE_BOOLEAN},
    {"bool", BUZZ_TYPE_BOOLEAN},
    {"int32", BUZZ_TYPE_INT32},
    {"int", BUZZ_TYPE_INT32},
    {"integer", BUZZ_TYPE_INT32},
    {"int64", BUZZ_TYPE_INT64},
    {"bigint", BUZZ_TYPE_INT64},
    {"long", BUZZ_TYPE_INT64},
    {"double", BUZZ_TYPE_DOUBLE},
    {"float", BUZZ_TYPE_DOUBLE},
    {"real", BUZZ_TYPE_DOUBLE},
    {"float64", BUZZ_TYPE_DOUBLE},
    {"date", BUZZ_TYPE_DATE},
    {"time", BUZZ_TYPE_TIME},
    {"timestamp", BUZZ_TYPE_TIMESTAMP},
    {"datetime", BUZZ_TYPE_TIMESTAMP},
    {"timestamp_tz", BUZZ_TYPE_TIMESTAMP_TZ},
    {"timestamptz", BUZZ_TYPE_TIMESTAMP_TZ},
    {"varchar", BUZZ_TYPE_VARCHAR},
    {"text", BUZZ_TYPE_VARCHAR},
    {"string", BUZZ_TYPE_VARCHAR},
};

static bool parse_small_int(const char **p, const char *end, int *out)
{
    const char *s = *p;
    while (s < end && *s == ' ')
        s++;
    int v = 0, n = 0;
    while (s < end && *s >= '0' && *s <= '9' && n < 3) {
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    while (s < end && *s == ' ')
        s++;
    if (n == 0)
        return false;
    *out = v;
    *p = s;
    return true;
}

buzz_status buzz_type_parse(const char *text, size_t len, buzz_type *out, int *out_precision,
                            int *out_scale, buzz_error *err)
{
    *out_precision = *out_scale = 0;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(aliases); i++) {
        if (name_eq(text, len, aliases[i].name)) {
            *out = aliases[i].type;
            return BUZZ_OK;
        }
    }
    const char *open = memchr(text, '(', len);
    if (open && (name_eq(text, (size_t)(open - text), "decimal") ||
                 name_eq(text, (size_t)(open - text), "numeric"))) {
        const char *p = open + 1, *end = text + len;
        int prec = 0, scale = 0;
        if (!parse_small_int(&p, end, &prec))
            goto bad_decimal;
        if (p < end && *p == ',') {
            p++;
            if (!parse_small_int(&p, end, &scale))
                goto bad_decimal;
        }
        if (p + 1 != end || *p != ')')
            goto bad_decimal;
        if (prec < 1 || prec > 38 || scale > prec)
            return buzz_error_set(err, BUZZ_ERR_ARG,
                                  "decimal precision must be 1 to 38 and the scale at most the "
                                  "precision, not (%d,%d)",
                                  prec, scale);
        *out = BUZZ_TYPE_DECIMAL;
        *out_precision = prec;
        *out_scale = scale;
        return BUZZ_OK;
    }
    if (name_eq(text, len, "decimal") || name_eq(text, len, "numeric")) {
        *out = BUZZ_TYPE_DECIMAL;
        *out_precision = 18;
        *out_scale = 3;
        return BUZZ_OK;
    }
    char shown[80];
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "unknown type '%s' (expected boolean, int32, int64, decimal(p,s), double, "
                          "date, time, timestamp, timestamp_tz or varchar)",
                          buzz_quote_text(text, len, 40, shown, sizeof shown));
bad_decimal:
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "a decimal type is written decimal(precision,scale), e.g. decimal(10,2)");
}
