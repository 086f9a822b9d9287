/* Numbers as people write them, booleans and null tokens.
 *
 * buzz_num_scan reads one value under one style (decimal mark + thousands separator) into a small
 * normalized ASCII form "[-]digits[.digits][e[+-]digits]" plus facts inference needs: digit counts,
 * whether a mark or grouping was written, a unit, leading zeros (identifiers such as 00501 or 007).
 * The conversions to int64 and decimal then work on the normalized digits with overflow-checked
 * integer arithmetic; doubles go through buzz_parse_double (correctly rounded).
 *
 * Grouping rules: the first group has 1-3 digits, every later group exactly 3, only in the integer
 * part; an exponent is not accepted together with grouping. Units: one of % $ € £ ¥, before the
 * digits (after an optional sign: "-$5", "$-5") or after them ("5 €", "12.5%"), with at most one
 * blank between. Accounting negatives: "(12.50)", "($12.50)". */
#include "buzz/types.h"

#include <stdio.h>
#include <string.h>

static const char *const unit_symbols[BUZZ_UNIT_COUNT] = {"", "%", "$", "\xE2\x82\xAC", "\xC2\xA3",
                                                          "\xC2\xA5"};

const char *buzz_unit_symbol(buzz_unit u)
{
    return (unsigned)u < BUZZ_UNIT_COUNT ? unit_symbols[u] : "";
}

const char *buzz_num_style_name(buzz_num_style s)
{
    static const char *const names[BUZZ_NUM_STYLE_COUNT] = {"1234.56", "1,234.56", "1234,56",
                                                             "1.234,56", "1 234,56"};
    return (unsigned)s < BUZZ_NUM_STYLE_COUNT ? names[s] : "?";
}

static inline bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* Length of a unit symbol at s (0 if none) and which unit. */
static size_t unit_at(const unsigned char *s, size_t len, buzz_unit *out)
{
    if (len >= 1) {
        if (s[0] == '%') {
            *out = BUZZ_UNIT_PERCENT;
            return 1;
        }
        if (s[0] == '$') {
            *out = BUZZ_UNIT_DOLLAR;
            return 1;
        }
    }
    if (len >= 3 && s[0] == 0xE2 && s[1] == 0x82 && s[2] == 0xAC) {
        *out = BUZZ_UNIT_EURO;
        return 3;
    }
    if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA3) {
        *out = BUZZ_UNIT_POUND;
        return 2;
    }
    if (len >= 2 && s[0] == 0xC2 && s[1] == 0xA5) {
        *out = BUZZ_UNIT_YEN;
        return 2;
    }
    return 0;
}

/* Same, for a symbol that ends at s + len. */
static size_t unit_before_end(const unsigned char *s, size_t len, buzz_unit *out)
{
    if (len >= 1 && (s[len - 1] == '%' || s[len - 1] == '$'))
        return unit_at(s + len - 1, 1, out);
    if (len >= 3 && unit_at(s + len - 3, 3, out) == 3)
        return 3;
    if (len >= 2 && unit_at(s + len - 2, 2, out) == 2)
        return 2;
    return 0;
}

/* A thousands separator for the style at p: its length in bytes, 0 if none. */
static size_t group_sep_at(buzz_num_style style, const unsigned char *p, const unsigned char *end)
{
    switch (style) {
    case BUZZ_NUM_DOT_GROUP_COMMA:
        return *p == ',' ? 1 : 0;
    case BUZZ_NUM_COMMA_GROUP_DOT:
        return *p == '.' ? 1 : 0;
    case BUZZ_NUM_COMMA_GROUP_SPACE:
        if (*p == ' ')
            return 1;
        if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0xA0) /* NBSP */
            return 2;
        if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xAF) /* narrow NBSP */
            return 3;
        return 0;
    default:
        return 0;
    }
}

static bool ieq(const unsigned char *s, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 32);
        if (c != (unsigned char)lit[i])
            return false;
    }
    return true;
}

bool buzz_num_scan(const char *text, size_t len, buzz_num_style style, buzz_num *out)
{
    const unsigned char *s = (const unsigned char *)text;
    const unsigned char *end = s + len;
    if (len == 0 || len > BUZZ_NUM_TEXT_MAX)
        return false;
    out->flags = 0;
    out->unit = BUZZ_UNIT_NONE;
    out->int_digits = out->frac_digits = 0;
    char *w = out->norm;
    bool neg = false, paren = false;
    buzz_unit unit = BUZZ_UNIT_NONE;

    /* Accounting parentheses around everything. */
    if (s[0] == '(') {
        if (end[-1] != ')' || len < 3)
            return false;
        paren = neg = true;
        s++;
        end--;
    }
    /* Unit before the sign ("$-5") or sign before the unit ("-$5"). */
    size_t u = unit_at(s, (size_t)(end - s), &unit);
    if (u > 0 && unit != BUZZ_UNIT_PERCENT) {
        s += u;
        if (s < end && *s == ' ')
            s++;
    } else {
        unit = BUZZ_UNIT_NONE;
    }
    if (s < end && (*s == '-' || *s == '+')) {
        if (paren)
            return false;
        neg = *s == '-';
        s++;
    }
    if (unit == BUZZ_UNIT_NONE) {
        u = unit_at(s, (size_t)(end - s), &unit);
        if (u > 0 && unit != BUZZ_UNIT_PERCENT) {
            s += u;
            if (s < end && *s == ' ')
                s++;
        } else {
            unit = BUZZ_UNIT_NONE;
        }
    }
    /* Unit after the digits. */
    if (unit == BUZZ_UNIT_NONE) {
        u = unit_before_end(s, (size_t)(end - s), &unit);
        if (u > 0) {
            end -= u;
            if (end > s && end[-1] == ' ')
                end--;
        }
    }
    if (s >= end)
        return false;

    /* inf / infinity */
    if (!is_digit(*s) && *s != '.' && *s != ',') {
        if (ieq(s, (size_t)(end - s), "inf") || ieq(s, (size_t)(end - s), "infinity")) {
            if (neg)
                *w++ = '-';
            memcpy(w, "inf", 3);
            w += 3;
            out->flags = BUZZ_NUM_INF | (neg ? BUZZ_NUM_NEG : 0);
            out->unit = unit;
            out->norm_len = (uint32_t)(w - out->norm);
            *w = '\0';
            return true;
        }
        return false;
    }

    char mark = (style == BUZZ_NUM_DOT || style == BUZZ_NUM_DOT_GROUP_COMMA) ? '.' : ',';
    if (neg)
        *w++ = '-';
    /* Integer part, with optional grouping. */
    const unsigned char *int_start = s;
    size_t group_len = 0; /* digits in the current group */
    bool grouped = false;
    while (s < end) {
        if (is_digit(*s)) {
            *w++ = (char)*s++;
            group_len++;
            continue;
        }
        size_t g = group_sep_at(style, s, end);
        if (g == 0)
            break;
        /* A separator needs 1-3 digits before it (first group) or exactly 3, then 3 after. */
        if (group_len == 0 || group_len > 3 || (grouped && group_len != 3))
            return false;
        const unsigned char *q = s + g;
        if (end - q < 3 || !is_digit(q[0]) || !is_digit(q[1]) || !is_digit(q[2]))
            return false;
        grouped = true;
        group_len = 0;
        s = q;
    }
    if (grouped && group_len != 3)
        return false;
    size_t int_written = (size_t)(w - out->norm) - (neg ? 1 : 0);
    if (int_written > 0 && out->norm[neg ? 1 : 0] == '0' && int_written > 1)
        out->flags |= BUZZ_NUM_LEADING_ZERO;
    /* Significant integer digits. */
    {
        const char *d = out->norm + (neg ? 1 : 0);
        size_t k = 0;
        while (k < int_written && d[k] == '0')
            k++;
        out->int_digits = (uint32_t)(int_written - k);
    }
    (void)int_start;
    /* Fraction. */
    if (s < end && *s == (unsigned char)mark) {
        s++;
        out->flags |= BUZZ_NUM_POINT;
        *w++ = '.';
        const unsigned char *f = s;
        while (s < end && is_digit(*s))
            *w++ = (char)*s++;
        out->frac_digits = (uint32_t)(s - f);
    }
    if (int_written == 0 && out->frac_digits == 0)
        return false;
    /* Exponent. */
    if (s < end && (*s == 'e' || *s == 'E')) {
        if (grouped)
            return false;
        s++;
        *w++ = 'e';
        if (s < end && (*s == '+' || *s == '-'))
            *w++ = (char)*s++;
        if (s >= end || !is_digit(*s))
            return false;
        while (s < end && is_digit(*s))
            *w++ = (char)*s++;
        out->flags |= BUZZ_NUM_EXP;
    }
    if (s != end)
        return false;
    if (grouped)
        out->flags |= BUZZ_NUM_GROUPED;
    if (neg)
        out->flags |= BUZZ_NUM_NEG;
    out->unit = unit;
    out->norm_len = (uint32_t)(w - out->norm);
    *w = '\0';
    return true;
}

/* Digits of the normalized form: integer part, fraction part, decimal exponent. */
typedef struct num_parts {
    const char *ip;
    size_t ip_len;
    const char *fp;
    size_t fp_len;
    int64_t exp10;
    bool neg;
} num_parts;

static bool split_parts(const buzz_num *n, num_parts *p)
{
    const char *s = n->norm;
    const char *end = s + n->norm_len;
    p->neg = false;
    p->exp10 = 0;
    if (n->flags & BUZZ_NUM_INF)
        return false;
    if (s < end && *s == '-') {
        p->neg = true;
        s++;
    }
    p->ip = s;
    while (s < end && is_digit((unsigned char)*s))
        s++;
    p->ip_len = (size_t)(s - p->ip);
    p->fp = s;
    p->fp_len = 0;
    if (s < end && *s == '.') {
        s++;
        p->fp = s;
        while (s < end && is_digit((unsigned char)*s))
            s++;
        p->fp_len = (size_t)(s - p->fp);
    }
    if (s < end && *s == 'e') {
        s++;
        bool eneg = false;
        if (*s == '+' || *s == '-')
            eneg = *s++ == '-';
        int64_t e = 0;
        while (s < end) {
            if (e < 100000)
                e = e * 10 + (*s - '0');
            s++;
        }
        p->exp10 = eneg ? -e : e;
    }
    return true;
}

/* Accumulate the digits of value * 10^scale into an unsigned 128-bit magnitude. Returns
 * PRECISION when a non-zero digit falls below the scale, OVERFLOW beyond max_digits digits. */
static buzz_parse_result digits_scaled(const num_parts *p, int64_t scale, unsigned max_digits,
                                       unsigned __int128 *out)
{
    __extension__ typedef unsigned __int128 u128;
    u128 v = 0;
    unsigned sig = 0; /* significant digits accumulated */
    /* Digit i of the concatenated ip+fp has weight 10^(ip_len - 1 - i + exp10) before scaling;
     * after scaling, digits with index < ip_len + exp10 + scale are kept. */
    int64_t total = (int64_t)(p->ip_len + p->fp_len);
    int64_t keep = (int64_t)p->ip_len + p->exp10 + scale; /* digits at or above unit weight */
    for (int64_t i = 0; i < total; i++) {
        char c = i < (int64_t)p->ip_len ? p->ip[i] : p->fp[i - (int64_t)p->ip_len];
        unsigned d = (unsigned)(c - '0');
        if (i >= keep) {
            if (d != 0)
                return BUZZ_PARSE_PRECISION;
            continue;
        }
        if (v == 0 && d == 0)
            continue;
        if (++sig > max_digits)
            return BUZZ_PARSE_OVERFLOW;
        v = v * 10 + d;
    }
    /* Trailing zeros implied by a positive exponent beyond the written digits. */
    for (int64_t i = total; i < keep; i++) {
        if (v == 0)
            break;
        if (++sig > max_digits)
            return BUZZ_PARSE_OVERFLOW;
        v *= 10;
    }
    *out = v;
    return BUZZ_PARSE_OK;
}

buzz_parse_result buzz_num_to_int64(const buzz_num *n, int64_t *out)
{
    num_parts p;
    if (!split_parts(n, &p))
        return BUZZ_PARSE_INVALID;
    if (p.exp10 > 40)
        return BUZZ_PARSE_OVERFLOW;
    __extension__ unsigned __int128 v;
    buzz_parse_result r = digits_scaled(&p, 0, 20, &v);
    if (r == BUZZ_PARSE_PRECISION)
        return BUZZ_PARSE_INVALID;
    if (r != BUZZ_PARSE_OK)
        return r;
    if (p.neg) {
        if (v > (unsigned __int128)INT64_MAX + 1)
            return BUZZ_PARSE_OVERFLOW;
        *out = v == (unsigned __int128)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (unsigned __int128)INT64_MAX)
            return BUZZ_PARSE_OVERFLOW;
        *out = (int64_t)v;
    }
    return BUZZ_PARSE_OK;
}

buzz_parse_result buzz_num_to_decimal(const buzz_num *n, int precision, int scale, buzz_i128 *out)
{
    num_parts p;
    if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
        return BUZZ_PARSE_INVALID;
    if (!split_parts(n, &p))
        return BUZZ_PARSE_INVALID;
    if (p.exp10 > 80)
        return BUZZ_PARSE_OVERFLOW;
    if (p.exp10 < -80) {
        /* Every digit sits far below any scale: only zero fits. */
        for (size_t i = 0; i < p.ip_len; i++)
            if (p.ip[i] != '0')
                return BUZZ_PARSE_PRECISION;
        for (size_t i = 0; i < p.fp_len; i++)
            if (p.fp[i] != '0')
                return BUZZ_PARSE_PRECISION;
        *out = 0;
        return BUZZ_PARSE_OK;
    }
    __extension__ unsigned __int128 v;
    buzz_parse_result r = digits_scaled(&p, scale, (unsigned)precision, &v);
    if (r != BUZZ_PARSE_OK)
        return r;
    *out = p.neg ? -(buzz_i128)v : (buzz_i128)v;
    return BUZZ_PARSE_OK;
}

buzz_parse_result buzz_num_to_double(const buzz_num *n, double *out)
{
    return buzz_parse_double(n->norm, n->norm_len, out);
}

size_t buzz_format_decimal(buzz_i128 v, int scale, char *out)
{
    __extension__ typedef unsigned __int128 u128;
    char tmp[48];
    size_t n = 0;
    bool neg = v < 0;
    u128 m = neg ? (u128)0 - (u128)v : (u128)v;
    do {
        tmp[n++] = (char)('0' + (unsigned)(m % 10));
        m /= 10;
    } while (m != 0);
    while (n <= (size_t)scale)
        tmp[n++] = '0';
    size_t w = 0;
    if (neg)
        out[w++] = '-';
    for (size_t i = n; i-- > 0;) {
        out[w++] = tmp[i];
        if (scale > 0 && i == (size_t)scale)
            out[w++] = '.';
    }
    out[w] = '\0';
    return w;
}

size_t buzz_format_double(double v, char *out)
{
    if (v != v) {
        memcpy(out, "nan", 4);
        return 3;
    }
    if (v == __builtin_inf() || v == -__builtin_inf()) {
        const char *t = v > 0 ? "inf" : "-inf";
        size_t n = strlen(t);
        memcpy(out, t, n + 1);
        return n;
    }
    /* Shortest of %.15g..%.17g that reads back exactly (snprintf runs in the C locale: Buzz never
     * calls setlocale). */
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(out, 32, "%.*g", prec, v);
        double back;
        if (n > 0 && n < 32 && buzz_parse_double(out, (size_t)n, &back) == BUZZ_PARSE_OK &&
            back == v)
            return (size_t)n;
    }
    int n = snprintf(out, 32, "%.17g", v);
    return n > 0 ? (size_t)n : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Booleans and null tokens. */
bool buzz_parse_bool(const char *text, size_t len, bool allow_digits, bool *out)
{
    const unsigned char *s = (const unsigned char *)text;
    if (len == 1) {
        unsigned char c = (unsigned char)(s[0] | 0x20);
        if (c == 't' || c == 'y') {
            *out = true;
            return true;
        }
        if (c == 'f' || c == 'n') {
            *out = false;
            return true;
        }
        if (allow_digits && (s[0] == '0' || s[0] == '1')) {
            *out = s[0] == '1';
            return true;
        }
        return false;
    }
    if (ieq(s, len, "true") || ieq(s, len, "yes")) {
        *out = true;
        return true;
    }
    if (ieq(s, len, "false") || ieq(s, len, "no")) {
        *out = false;
        return true;
    }
    return false;
}

void buzz_null_tokens_clear(buzz_null_tokens *t)
{
    memset(t, 0, sizeof *t);
    t->len_mask = 1u; /* the empty field */
}

buzz_status buzz_null_tokens_add(buzz_null_tokens *t, const char *s, size_t len, buzz_error *err)
{
    if (len == 0)
        return BUZZ_OK; /* the unquoted empty field is always null */
    if (len >= sizeof t->token[0])
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "null token is longer than %zu bytes",
                              sizeof t->token[0] - 1);
    for (size_t i = 0; i < t->count; i++)
        if (t->len[i] == len && memcmp(t->token[i], s, len) == 0)
            return BUZZ_OK;
    if (t->count >= BUZZ_NULL_TOKENS_MAX)
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "at most %d null tokens can be given",
                              BUZZ_NULL_TOKENS_MAX);
    memcpy(t->token[t->count], s, len);
    t->token[t->count][len] = '\0';
    t->len[t->count] = (uint8_t)len;
    t->len_mask |= 1u << len;
    t->count++;
    return BUZZ_OK;
}

void buzz_null_tokens_default(buzz_null_tokens *t)
{
    static const char *const defaults[] = {"NULL", "null", "Null", "NA",  "N/A", "n/a", "#N/A",
                                           "-",    "None", "nan",  "NaN", "NAN"};
    buzz_null_tokens_clear(t);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(defaults); i++) {
        buzz_status st = buzz_null_tokens_add(t, defaults[i], strlen(defaults[i]), NULL);
        BUZZ_ASSERT(st == BUZZ_OK);
        (void)st;
    }
}
