/* types/parse_datetime.c: the date/time/timestamp scanner used by type inference
 * (buzz_dt_scan_value, buzz_dt_days) and the strict explicit-format parser used by schema documents
 * (buzz_dt_format_init, buzz_dt_parse_format). Pure functions over pointer+length ASCII text: own
 * character classes, no locale, no libc time functions, no allocation, and no byte at or past
 * s[len] is ever read. Calendar arithmetic comes from datetime.c. Rules, decided here:
 *
 * Scanner. Letters (month names, AM/PM, T, Z, UTC, GMT) match in any ASCII case.
 *  - Numeric dates: three digit fields with one separator, '-', '/' or '.', used twice. A 4-digit
 *    first field is a year (YMD only; month and day then have 1-2 digits). A 4-digit last field
 *    is a year and the first two fields (1-2 digits each) are day/month in either order (DMY,
 *    MDY). With no 4-digit field, a 2-digit first field may be a year (YMD) and a 2-digit last
 *    field may be a year (DMY, MDY); the value gets BUZZ_DT_YEAR2. 3-digit and 5+-digit fields
 *    never match, nor do blanks as numeric separators ("12 01 2024"), nor "20240112".
 *  - Month names: English, 3-letter abbreviations, full names and "Sept", as a whole word.
 *    Shapes: day-name-year (DMY: "12-Jan-2024", "12 Jan 2024", "12 January, 2024"),
 *    name-day-year (MDY: "Jan 12, 2024", "January 12 2024", "Jan-12-24") and year-name-day
 *    (YMD: "2024-Jan-12"; the year then has 4 digits, so "24-Jan-12" is DMY). The separator is
 *    '-', '/', '.' or one space, the same twice; with spaces a ',' may follow the second field.
 *    A year after a name has 4 or 2 digits. orders then has exactly one bit. field[] keeps the
 *    written order with the name replaced by its month number, and a 2-digit year is kept as
 *    written (24, not 2024): buzz_dt_days applies the pivot. No weekday prefix ("Mon, ").
 *  - Valid dates: year 1-9999 (a 4-digit "0000" is refused), month 1-12, day within the month
 *    (leap years included). orders holds exactly the readings that are valid; none: no date.
 *  - Times: H:MM or HH:MM, optionally :SS, optionally .f with at least one digit (only after
 *    seconds). Minutes and seconds have exactly 2 digits. Fraction digits past the sixth must be
 *    zeros. Then optionally AM/PM, after one space or none, not followed by a letter; with it the
 *    hour must be 1-12 (12 AM is 0h, 12 PM is 12h). Hours 0-23, minutes and seconds 0-59.
 *    "24:00", "24:00:00" (and zero fractions) are the end of the day (time_us 86400000000), only
 *    as a whole TIME value and without AM/PM. A time alone has no zone ("13:45Z" is refused).
 *  - Timestamps: a date, then 'T' (BUZZ_DT_T_SEP) or one or more spaces, then a time, then
 *    optionally a zone after at most one space: Z, UTC, GMT, +hh:mm, +hhmm or +hh (or '-'),
 *    offsets up to 18:00 with minutes 0-59; "-00:00" is offset 0. The zone ends the value.
 *  - On false, *out is zeroed.
 *
 * Formats (buzz_dt_format_init). At most 63 bytes, at least one directive. Refused with
 * BUZZ_ERR_ARG: a '%' ending the format, an unknown directive, %j (named as unsupported), a field
 * given twice (%Y with %y, %m with %b, %H with %I, any directive repeated), %I without %p or %p
 * without %I, %f without %S, %S without %M, %M without an hour, %d without a month.
 * Matching (buzz_dt_parse_format) is strict and whole-value: %Y exactly 4 digits, %y exactly 2
 * (pivot 69), %m %d %H %I 1-2 digits (greedy), %M %S exactly 2, %f 1 or more digits (past the
 * sixth they must be zeros, else BUZZ_PARSE_PRECISION), %b and %B either form of the month name
 * (longest match), %p AM/PM any case, %z Z or z, +hh:mm, +hhmm or +hh. A run of spaces in the
 * format matches one or more blanks (space, tab); any other byte matches itself exactly.
 * Results by type: a field missing from the format defaults to its lowest value (month and day 1,
 * time 00:00:00), but DATE, TIMESTAMP and TIMESTAMP_TZ need a year and a month and TIME needs an
 * hour, else BUZZ_PARSE_INVALID.
 *  - DATE: with time directives in the format the value must be midnight (else
 *    BUZZ_PARSE_PRECISION: the time would be lost) and any offset must be zero (else INVALID).
 *  - TIME: a format with date directives or %z is INVALID (the date or zone would be lost);
 *    %H = 24 is accepted as 86400000000 when minutes, seconds and fraction are zero.
 *  - TIMESTAMP: any zone in the value, even Z, is INVALID. TIMESTAMP_TZ: no zone means UTC; the
 *    offset is subtracted and a result outside years 1-9999 is BUZZ_PARSE_OVERFLOW.
 *  - Out-of-range fields (month 13, day 32, hour 25, minute 60, an offset past 18:00) and
 *    impossible dates (2023-02-29) are INVALID; year 0000 is OVERFLOW. Other types are INVALID.
 *    Checks run in that order: shape, field ranges, year, calendar, lost digits. */
#include "buzz/types.h"

#include <stdio.h>
#include <string.h>

#define US_PER_SECOND INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SECOND)
#define MAX_OFFSET_S (18 * 3600)

/* ---------------------------------------------------------------------------------------------
 * ASCII classes. Callers bound every index by the length first. */
static inline bool is_digit(char c)
{
    return (unsigned)((unsigned char)c - '0') < 10u;
}

static inline bool is_alpha(char c)
{
    return (unsigned)(((unsigned char)c | 0x20) - 'a') < 26u;
}

/* True when c is the letter lower (a lower-case ASCII letter) in either case. */
static inline bool is_letter(char c, char lower)
{
    return ((unsigned char)c | 0x20) == (unsigned char)lower;
}

/* Reads the run of digits at s[*i..n), at most 5 (no field takes more, so a longer run is refused
 * by every caller through the count alone). Returns the digit count; *out gets their value. */
static inline size_t read_digits(const char *s, size_t n, size_t *i, uint32_t *out)
{
    size_t k = *i, end = n - *i > 5 ? *i + 5 : n;
    uint32_t v = 0;
    while (k < end && is_digit(s[k])) {
        v = v * 10 + (uint32_t)(s[k] - '0');
        k++;
    }
    size_t count = k - *i;
    if (k < n && k == end && is_digit(s[k]))
        count++; /* 6 or more digits: report "too long" */
    *i = k;
    *out = v;
    return count;
}

/* Exactly `want` digits at s[*i..n), not followed by another digit when `whole` is set. */
static bool read_fixed(const char *s, size_t n, size_t *i, size_t want, bool whole, uint32_t *out)
{
    if (n - *i < want)
        return false;
    uint32_t v = 0;
    for (size_t k = 0; k < want; k++) {
        char c = s[*i + k];
        if (!is_digit(c))
            return false;
        v = v * 10 + (uint32_t)(c - '0');
    }
    if (whole && *i + want < n && is_digit(s[*i + want]))
        return false;
    *i += want;
    *out = v;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Month names. */
static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

/* True when s[0..len) equals the lower-case word w (of length len) in any case. */
static bool equal_ci(const char *s, const char *w, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (!is_letter(s[k], w[k]))
            return false;
    }
    return true;
}

/* Month number (1-12) of exactly s[0..len), or 0. */
static unsigned month_of_word(const char *s, size_t len)
{
    if (len == 4 && equal_ci(s, "sept", 4))
        return 9;
    for (unsigned m = 0; m < 12; m++) {
        size_t full = strlen(month_names[m]);
        if ((len == 3 || len == full) && equal_ci(s, month_names[m], len))
            return m + 1;
    }
    return 0;
}

/* The month name that is the whole letter run at s[*i..n); 0 when none. */
static unsigned scan_month_word(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    while (k < n && k - *i < 10 && is_alpha(s[k]))
        k++;
    if (k < n && is_alpha(s[k]))
        return 0; /* more letters than any month name */
    unsigned m = month_of_word(s + *i, k - *i);
    if (m)
        *i = k;
    return m;
}

/* The longest month name that is a prefix of s[*i..n) (for %b/%B); 0 when none. */
static unsigned match_month_prefix(const char *s, size_t n, size_t *i)
{
    size_t avail = n - *i;
    unsigned best = 0;
    size_t best_len = 0;
    for (unsigned m = 0; m < 12; m++) {
        size_t full = strlen(month_names[m]);
        if (full > best_len && full <= avail && equal_ci(s + *i, month_names[m], full)) {
            best = m + 1;
            best_len = full;
        }
    }
    if (best_len < 4 && avail >= 4 && equal_ci(s + *i, "sept", 4)) {
        best = 9;
        best_len = 4;
    }
    for (unsigned m = 0; best_len < 3 && m < 12; m++) {
        if (avail >= 3 && equal_ci(s + *i, month_names[m], 3)) {
            best = m + 1;
            best_len = 3;
        }
    }
    *i += best_len;
    return best;
}

/* ---------------------------------------------------------------------------------------------
 * Calendar checks. */
static int32_t pivot_year(uint32_t yy)
{
    return (int32_t)(yy < BUZZ_DT_PIVOT_YEAR ? 2000 + yy : 1900 + yy);
}

/* Inlined here (not buzz_days_in_month) because every scanned date passes through it. */
static inline bool valid_date(int32_t year, uint32_t month, uint32_t day)
{
    static const uint8_t lengths[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return false;
    if (day <= lengths[month])
        return true;
    bool is_leap = (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    return month == 2 && day == 29 && is_leap;
}

/* The year of field value v: as written (4 digits) or through the pivot (2 digits). */
static int32_t year_of(uint32_t v, bool is_year2)
{
    return is_year2 ? pivot_year(v) : (int32_t)v;
}

static inline bool is_date_sep(char c)
{
    return c == '-' || c == '/' || c == '.' || c == ' ';
}

/* After the second field of a space-separated date an optional ',' then the separator again. */
static bool skip_second_sep(const char *s, size_t n, size_t *i, char sep)
{
    if (sep == ' ' && *i < n && s[*i] == ',')
        (*i)++;
    if (*i >= n || s[*i] != sep)
        return false;
    (*i)++;
    return true;
}

/* A year after a month name: 4 digits (1-9999) or 2 (pivot). */
static bool read_name_year(const char *s, size_t n, size_t *i, uint32_t *year, bool *is_year2)
{
    size_t len = read_digits(s, n, i, year);
    if (len != 2 && len != 4)
        return false;
    *is_year2 = len == 2;
    return true;
}

static void set_date(buzz_dt_scan *out, char sep, uint32_t a, uint32_t b, uint32_t c,
                     uint32_t orders, uint32_t flags)
{
    out->flags |= BUZZ_DT_HAS_DATE | flags;
    out->orders = orders;
    out->date_sep = sep;
    out->field[0] = (int32_t)a;
    out->field[1] = (int32_t)b;
    out->field[2] = (int32_t)c;
}

/* "Jan 12, 2024", "January 12 2024", "Jan-12-24": name, day, year. */
static bool scan_date_name_first(const char *s, size_t n, size_t *pos, buzz_dt_scan *out)
{
    size_t i = 0;
    unsigned month = scan_month_word(s, n, &i);
    if (!month || i >= n || !is_date_sep(s[i]))
        return false;
    char sep = s[i++];
    uint32_t day, year;
    bool is_year2;
    size_t day_len = read_digits(s, n, &i, &day);
    if (day_len < 1 || day_len > 2 || !skip_second_sep(s, n, &i, sep) ||
        !read_name_year(s, n, &i, &year, &is_year2))
        return false;
    if (!valid_date(year_of(year, is_year2), month, day))
        return false;
    set_date(out, sep, month, day, year, BUZZ_DATE_ORDER_BIT(BUZZ_DATE_MDY),
             BUZZ_DT_MONTH_NAME | (is_year2 ? BUZZ_DT_YEAR2 : 0));
    *pos = i;
    return true;
}

/* "12-Jan-2024", "12 January, 2024", "2024-Jan-12": first field a (a_len digits) already read,
 * *i at the name. */
static bool scan_date_name_second(const char *s, size_t n, size_t *pos, char sep, uint32_t a,
                                  size_t a_len, buzz_dt_scan *out)
{
    size_t i = *pos;
    unsigned month = scan_month_word(s, n, &i);
    if (!month || !skip_second_sep(s, n, &i, sep))
        return false;
    uint32_t c;
    if (a_len == 4) {
        size_t c_len = read_digits(s, n, &i, &c);
        if (c_len < 1 || c_len > 2 || !valid_date((int32_t)a, month, c))
            return false;
        set_date(out, sep, a, month, c, BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD), BUZZ_DT_MONTH_NAME);
        *pos = i;
        return true;
    }
    bool is_year2;
    if (a_len > 2 || !read_name_year(s, n, &i, &c, &is_year2))
        return false;
    if (!valid_date(year_of(c, is_year2), month, a))
        return false;
    set_date(out, sep, a, month, c, BUZZ_DATE_ORDER_BIT(BUZZ_DATE_DMY),
             BUZZ_DT_MONTH_NAME | (is_year2 ? BUZZ_DT_YEAR2 : 0));
    *pos = i;
    return true;
}

/* Orders of the numeric date a sep b sep c (lengths a_len, c_len; b has 1-2 digits) that give a
 * valid date; *is_year2 says the year has 2 digits. */
static uint32_t numeric_orders(uint32_t a, size_t a_len, uint32_t b, uint32_t c, size_t c_len,
                               bool *is_year2)
{
    uint32_t orders = 0;
    *is_year2 = false;
    if (a_len == 4) {
        if (c_len <= 2 && valid_date((int32_t)a, b, c))
            orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD);
        return orders;
    }
    if (c_len == 4) {
        if (valid_date((int32_t)c, b, a))
            orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_DMY);
        if (valid_date((int32_t)c, a, b))
            orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_MDY);
        return orders;
    }
    if (c_len > 2)
        return 0;
    *is_year2 = true;
    if (a_len == 2 && valid_date(pivot_year(a), b, c))
        orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD);
    if (c_len == 2 && valid_date(pivot_year(c), b, a))
        orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_DMY);
    if (c_len == 2 && valid_date(pivot_year(c), a, b))
        orders |= BUZZ_DATE_ORDER_BIT(BUZZ_DATE_MDY);
    return orders;
}

/* The two digits at p as a number, or -1. */
static inline int two_digits(const char *p)
{
    unsigned hi = (unsigned)((unsigned char)p[0] - '0'), lo = (unsigned)((unsigned char)p[1] - '0');
    return hi < 10 && lo < 10 ? (int)(hi * 10 + lo) : -1;
}

/* A date at the start of s; on success *pos is just past it. */
static bool scan_date(const char *s, size_t n, size_t *pos, buzz_dt_scan *out)
{
    /* Fast path for "YYYY-MM-DD", the most common shape by far. It decides the same as the
     * general path below would: a valid date, or a refusal. */
    if (n >= 10 && s[4] == '-' && s[7] == '-' && (n == 10 || !is_digit(s[10]))) {
        int yh = two_digits(s), yl = two_digits(s + 2), m = two_digits(s + 5);
        int d = two_digits(s + 8);
        if ((yh | yl | m | d) >= 0) {
            uint32_t year = (uint32_t)(yh * 100 + yl);
            if (!valid_date((int32_t)year, (uint32_t)m, (uint32_t)d))
                return false;
            set_date(out, '-', year, (uint32_t)m, (uint32_t)d, BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD),
                     0);
            *pos = 10;
            return true;
        }
    }
    if (is_alpha(s[0]))
        return scan_date_name_first(s, n, pos, out);
    size_t i = 0;
    uint32_t a, b, c;
    size_t a_len = read_digits(s, n, &i, &a);
    if (a_len == 0 || a_len == 3 || a_len > 4 || i >= n || !is_date_sep(s[i]))
        return false;
    char sep = s[i++];
    if (i < n && is_alpha(s[i])) {
        *pos = i;
        return scan_date_name_second(s, n, pos, sep, a, a_len, out);
    }
    if (sep == ' ')
        return false; /* "12 01 2024" is too much like space-aligned numbers */
    size_t b_len = read_digits(s, n, &i, &b);
    if (b_len < 1 || b_len > 2 || i >= n || s[i] != sep)
        return false;
    i++;
    size_t c_len = read_digits(s, n, &i, &c);
    if (c_len == 0 || c_len == 3 || c_len > 4)
        return false;
    bool is_year2;
    uint32_t orders = numeric_orders(a, a_len, b, c, c_len, &is_year2);
    if (!orders)
        return false;
    set_date(out, sep, a, b, c, orders, is_year2 ? BUZZ_DT_YEAR2 : 0);
    *pos = i;
    return true;
}

/* Fraction digits at s[*i..n) (at least one) as microseconds; false when a digit past the sixth
 * is not zero (it would be lost) or there is no digit. */
static bool read_fraction(const char *s, size_t n, size_t *i, uint32_t *out_us, bool *is_lost)
{
    size_t k = *i;
    uint32_t us = 0;
    unsigned digits = 0;
    *is_lost = false;
    for (; k < n && is_digit(s[k]); k++) {
        if (digits < 6) {
            us = us * 10 + (uint32_t)(s[k] - '0');
            digits++;
        } else if (s[k] != '0') {
            *is_lost = true;
        }
    }
    if (k == *i)
        return false;
    for (; digits < 6; digits++)
        us *= 10;
    *i = k;
    *out_us = us;
    return true;
}

/* " AM", "PM", "am" at s[*i..n): returns 0 for none, 1 AM, 2 PM; the letters must not run on. */
static int scan_ampm(const char *s, size_t n, size_t *i)
{
    size_t k = *i;
    if (k < n && s[k] == ' ')
        k++;
    if (n - k < 2 || !is_letter(s[k + 1], 'm') || (k + 2 < n && is_alpha(s[k + 2])))
        return 0;
    int which = is_letter(s[k], 'a') ? 1 : is_letter(s[k], 'p') ? 2 : 0;
    if (which)
        *i = k + 2;
    return which;
}

/* Hour 1-12 with AM/PM to 0-23; UINT32_MAX when out of range. */
static uint32_t hour_from_12(uint32_t hour, int ampm)
{
    if (hour < 1 || hour > 12)
        return UINT32_MAX;
    if (hour == 12)
        hour = 0;
    return ampm == 2 ? hour + 12 : hour;
}

/* A time at s[*pos..n); on success *pos is just past it (and its AM/PM). */
static bool scan_time(const char *s, size_t n, size_t *pos, bool allow_24, buzz_dt_scan *out)
{
    size_t i = *pos;
    uint32_t hour, minute, second = 0, us = 0;
    int hh = n - i >= 3 && s[i + 2] == ':' ? two_digits(s + i) : -1;
    if (hh >= 0) {
        hour = (uint32_t)hh; /* fast path for "HH:" */
        i += 3;
    } else {
        size_t hour_len = read_digits(s, n, &i, &hour);
        if (hour_len < 1 || hour_len > 2 || i >= n || s[i] != ':')
            return false;
        i++;
    }
    if (!read_fixed(s, n, &i, 2, true, &minute))
        return false;
    if (i < n && s[i] == ':') {
        i++;
        if (!read_fixed(s, n, &i, 2, true, &second))
            return false;
        bool is_lost;
        if (i < n && s[i] == '.') {
            i++;
            if (!read_fraction(s, n, &i, &us, &is_lost) || is_lost)
                return false;
        }
    }
    int ampm = scan_ampm(s, n, &i);
    if (ampm) {
        hour = hour_from_12(hour, ampm);
        out->flags |= BUZZ_DT_AMPM;
    }
    if (minute > 59 || second > 59)
        return false;
    bool is_end_of_day = allow_24 && !ampm && hour == 24 && minute == 0 && second == 0 && us == 0;
    if (hour > 23 && !is_end_of_day)
        return false;
    out->flags |= BUZZ_DT_HAS_TIME;
    out->time_us = ((int64_t)hour * 3600 + minute * 60 + second) * US_PER_SECOND + us;
    *pos = i;
    return true;
}

/* A numeric offset "+hh", "+hhmm" or "+hh:mm" at s[*i..n) ('+' or '-' first). */
static bool read_offset(const char *s, size_t n, size_t *i, int32_t *out_s)
{
    size_t k = *i;
    int sign = s[k] == '-' ? -1 : 1;
    uint32_t hh, mm = 0;
    k++;
    if (!read_fixed(s, n, &k, 2, false, &hh))
        return false;
    if (k < n) {
        size_t save = k;
        if (s[k] == ':')
            k++;
        if (!read_fixed(s, n, &k, 2, false, &mm)) {
            k = save; /* "+05" alone: what follows is not minutes */
            mm = 0;
        }
    }
    if (mm > 59 || hh * 3600 + mm * 60 > MAX_OFFSET_S)
        return false;
    *i = k;
    *out_s = sign * (int32_t)(hh * 3600 + mm * 60);
    return true;
}

/* The zone that ends s, from *i: at most one space, then Z, UTC, GMT or a numeric offset. */
static bool scan_zone(const char *s, size_t n, size_t i, int32_t *out_s)
{
    if (s[i] == ' ')
        i++;
    if (i >= n)
        return false;
    *out_s = 0;
    if (n - i == 1 && is_letter(s[i], 'z'))
        return true;
    if (n - i == 3 && (equal_ci(s + i, "utc", 3) || equal_ci(s + i, "gmt", 3)))
        return true;
    if (s[i] != '+' && s[i] != '-')
        return false;
    return read_offset(s, n, &i, out_s) && i == n;
}

bool buzz_dt_scan_value(const char *s, size_t len, buzz_dt_scan *out)
{
    memset(out, 0, sizeof *out);
    if (len == 0)
        return false;
    size_t i = 0;
    if (scan_date(s, len, &i, out)) {
        if (i == len)
            return true;
        if (is_letter(s[i], 't')) {
            out->flags |= BUZZ_DT_T_SEP;
            i++;
        } else if (s[i] == ' ') {
            while (i < len && s[i] == ' ')
                i++;
        } else {
            goto refuse;
        }
        if (!scan_time(s, len, &i, false, out))
            goto refuse;
        if (i < len) {
            if (!scan_zone(s, len, i, &out->offset_s))
                goto refuse;
            out->flags |= BUZZ_DT_HAS_OFFSET;
        }
        return true;
    }
    memset(out, 0, sizeof *out);
    i = 0;
    if (scan_time(s, len, &i, true, out) && i == len)
        return true;
refuse:
    memset(out, 0, sizeof *out);
    return false;
}

bool buzz_dt_days(const buzz_dt_scan *sc, buzz_date_order order, int32_t *out_days)
{
    if ((unsigned)order >= BUZZ_DATE_ORDER_COUNT || !(sc->orders & BUZZ_DATE_ORDER_BIT(order)))
        return false;
    int32_t y, m, d;
    switch (order) {
    case BUZZ_DATE_YMD:
        y = sc->field[0];
        m = sc->field[1];
        d = sc->field[2];
        break;
    case BUZZ_DATE_DMY:
        y = sc->field[2];
        m = sc->field[1];
        d = sc->field[0];
        break;
    default:
        y = sc->field[2];
        m = sc->field[0];
        d = sc->field[1];
        break;
    }
    bool is_year2 = (sc->flags & BUZZ_DT_YEAR2) != 0;
    if (y < 0 || m < 0 || d < 0 || (is_year2 && y > 99))
        return false;
    int32_t year = year_of((uint32_t)y, is_year2);
    /* Re-checked so a hand-filled scan can never produce a day outside years 1-9999. */
    if (!valid_date(year, (uint32_t)m, (uint32_t)d))
        return false;
    *out_days = buzz_days_from_civil(year, (unsigned)m, (unsigned)d);
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Explicit formats. */

/* One bit per field a directive fills. */
enum {
    F_YEAR4 = 1u << 0,
    F_YEAR2 = 1u << 1,
    F_MONTH = 1u << 2,
    F_MONTH_NAME = 1u << 3,
    F_DAY = 1u << 4,
    F_HOUR24 = 1u << 5,
    F_HOUR12 = 1u << 6,
    F_MINUTE = 1u << 7,
    F_SECOND = 1u << 8,
    F_FRAC = 1u << 9,
    F_AMPM = 1u << 10,
    F_ZONE = 1u << 11,
};
#define F_YEAR (F_YEAR4 | F_YEAR2)
#define F_ANY_MONTH (F_MONTH | F_MONTH_NAME)
#define F_HOUR (F_HOUR24 | F_HOUR12)
#define F_DATE_PART (F_YEAR | F_ANY_MONTH | F_DAY)
#define DIRECTIVES "%Y %y %m %d %b %B %H %I %M %S %f %p %z or %%"

static unsigned directive_bit(char c)
{
    switch (c) {
    case 'Y':
        return F_YEAR4;
    case 'y':
        return F_YEAR2;
    case 'm':
        return F_MONTH;
    case 'b':
    case 'B':
        return F_MONTH_NAME;
    case 'd':
        return F_DAY;
    case 'H':
        return F_HOUR24;
    case 'I':
        return F_HOUR12;
    case 'M':
        return F_MINUTE;
    case 'S':
        return F_SECOND;
    case 'f':
        return F_FRAC;
    case 'p':
        return F_AMPM;
    case 'z':
        return F_ZONE;
    default:
        return 0;
    }
}

/* The bits that fill the same field as `bit` (a field is given once). */
static unsigned same_field(unsigned bit)
{
    if (bit & F_YEAR)
        return F_YEAR;
    if (bit & F_ANY_MONTH)
        return F_ANY_MONTH;
    if (bit & F_HOUR)
        return F_HOUR;
    return bit;
}

static buzz_status format_error(buzz_error *err, const char *text, size_t len, const char *what)
{
    if (!err)
        return BUZZ_ERR_ARG;
    char quoted[300];
    buzz_quote_text(text, len, 63, quoted, sizeof quoted);
    return buzz_error_set(err, BUZZ_ERR_ARG, "date/time format \"%s\": %s", quoted, what);
}

/* A directive's problem: what is wrong with "%c" at text[at] (the '%'). */
static buzz_status directive_error(buzz_error *err, const char *text, size_t len, size_t at,
                                   const char *why)
{
    if (!err)
        return BUZZ_ERR_ARG;
    char name[16], what[200];
    buzz_quote_text(text + at, 2, 2, name, sizeof name);
    snprintf(what, sizeof what, "directive \"%s\" %s", name, why);
    return format_error(err, text, len, what);
}

/* Validates text[0..len) and returns the directive bits in *out_bits. BUZZ_ERR_ARG (err filled
 * when not NULL) names the first problem. */
static buzz_status check_format(const char *text, size_t len, unsigned *out_bits, buzz_error *err)
{
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != '%')
            continue;
        if (i + 1 == len)
            return format_error(err, text, len, "ends with a lone '%' (write %% for a '%')");
        char c = text[++i];
        if (c == '%')
            continue;
        unsigned bit = directive_bit(c);
        if (c == 'j')
            return directive_error(err, text, len, i - 1, "(day of the year) is not supported");
        if (!bit)
            return directive_error(err, text, len, i - 1, "is unknown (expected " DIRECTIVES ")");
        if (bits & same_field(bit))
            return directive_error(err, text, len, i - 1, "gives a field a second time");
        bits |= bit;
    }
    if (!bits)
        return format_error(err, text, len, "has no directive (such as %Y or %H)");
    if ((bits & F_HOUR12) && !(bits & F_AMPM))
        return format_error(err, text, len, "%I (12-hour clock) needs %p (AM/PM)");
    if ((bits & F_AMPM) && !(bits & F_HOUR12))
        return format_error(err, text, len, "%p (AM/PM) needs %I (12-hour clock), not %H");
    if ((bits & F_FRAC) && !(bits & F_SECOND))
        return format_error(err, text, len, "%f (fraction of a second) needs %S");
    if ((bits & F_SECOND) && !(bits & F_MINUTE))
        return format_error(err, text, len, "%S needs %M");
    if ((bits & F_MINUTE) && !(bits & F_HOUR))
        return format_error(err, text, len, "%M needs %H or %I");
    if ((bits & F_DAY) && !(bits & F_ANY_MONTH))
        return format_error(err, text, len, "%d needs a month (%m, %b or %B)");
    *out_bits = bits;
    return BUZZ_OK;
}

buzz_status buzz_dt_format_init(buzz_dt_format *f, const char *text, buzz_error *err)
{
    if (!f || !text)
        return buzz_error_set(err, BUZZ_ERR_ARG, "date/time format: NULL argument");
    memset(f, 0, sizeof *f);
    size_t len = strnlen(text, sizeof f->text);
    if (len == sizeof f->text)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "date/time format is too long: at most %zu bytes, found %zu",
                              sizeof f->text - 1, strlen(text));
    if (len == 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "date/time format is empty");
    unsigned bits;
    buzz_status st = check_format(text, len, &bits, err);
    if (st)
        return st;
    memcpy(f->text, text, len);
    return BUZZ_OK;
}

/* Fields matched from a value; defaults are the lowest values. */
typedef struct dt_parts {
    uint32_t year, month, day;
    uint32_t hour, minute, second, us;
    int ampm; /* 0 none, 1 AM, 2 PM */
    int32_t offset_s;
    bool has_offset;
    bool is_lost; /* %f had a non-zero digit past the sixth */
} dt_parts;

/* 1 or 2 digits, greedy. */
static bool read_upto2(const char *s, size_t n, size_t *i, uint32_t *out)
{
    if (*i >= n || !is_digit(s[*i]))
        return false;
    uint32_t v = (uint32_t)(s[(*i)++] - '0');
    if (*i < n && is_digit(s[*i]))
        v = v * 10 + (uint32_t)(s[(*i)++] - '0');
    *out = v;
    return true;
}

static bool match_ampm(const char *s, size_t n, size_t *i, int *out)
{
    if (n - *i < 2 || !is_letter(s[*i + 1], 'm'))
        return false;
    *out = is_letter(s[*i], 'a') ? 1 : is_letter(s[*i], 'p') ? 2 : 0;
    if (!*out)
        return false;
    *i += 2;
    return true;
}

static bool match_zone(const char *s, size_t n, size_t *i, dt_parts *p)
{
    if (*i >= n)
        return false;
    p->has_offset = true;
    p->offset_s = 0;
    if (is_letter(s[*i], 'z')) {
        (*i)++;
        return true;
    }
    if (s[*i] != '+' && s[*i] != '-')
        return false;
    return read_offset(s, n, i, &p->offset_s);
}

static bool match_directive(char d, const char *s, size_t n, size_t *i, dt_parts *p)
{
    switch (d) {
    case 'Y':
        return read_fixed(s, n, i, 4, false, &p->year);
    case 'y':
        return read_fixed(s, n, i, 2, false, &p->year);
    case 'm':
        return read_upto2(s, n, i, &p->month);
    case 'd':
        return read_upto2(s, n, i, &p->day);
    case 'H':
    case 'I':
        return read_upto2(s, n, i, &p->hour);
    case 'M':
        return read_fixed(s, n, i, 2, false, &p->minute);
    case 'S':
        return read_fixed(s, n, i, 2, false, &p->second);
    case 'f':
        return read_fraction(s, n, i, &p->us, &p->is_lost);
    case 'b':
    case 'B':
        p->month = match_month_prefix(s, n, i);
        return p->month != 0;
    case 'p':
        return match_ampm(s, n, i, &p->ampm);
    case 'z':
        return match_zone(s, n, i, p);
    default:
        return false;
    }
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Walks a checked format over the whole value. */
static bool match_format(const char *fmt, size_t flen, const char *s, size_t n, dt_parts *p)
{
    size_t i = 0;
    for (size_t k = 0; k < flen;) {
        char fc = fmt[k];
        if (fc == ' ') {
            while (k < flen && fmt[k] == ' ')
                k++;
            if (i >= n || !is_blank(s[i]))
                return false;
            while (i < n && is_blank(s[i]))
                i++;
            continue;
        }
        if (fc == '%' && fmt[k + 1] != '%') {
            if (!match_directive(fmt[k + 1], s, n, &i, p))
                return false;
            k += 2;
            continue;
        }
        if (i >= n || s[i] != fc)
            return false;
        i++;
        k += fc == '%' ? 2 : 1;
    }
    return i == n;
}

/* Microseconds of years 1-9999: [first, last). */
#define MIN_TIMESTAMP_US (INT64_C(-719162) * US_PER_DAY)
#define END_TIMESTAMP_US (INT64_C(2932897) * US_PER_DAY)

buzz_parse_result buzz_dt_parse_format(const buzz_dt_format *f, buzz_type type, const char *s,
                                       size_t len, int64_t *out)
{
    if (!f || !out)
        return BUZZ_PARSE_INVALID;
    size_t flen = strnlen(f->text, sizeof f->text);
    unsigned bits;
    if (flen == sizeof f->text || flen == 0 || check_format(f->text, flen, &bits, NULL))
        return BUZZ_PARSE_INVALID;
    dt_parts p;
    memset(&p, 0, sizeof p);
    p.month = 1;
    p.day = 1;
    if (!match_format(f->text, flen, s, len, &p))
        return BUZZ_PARSE_INVALID;
    if (p.ampm)
        p.hour = hour_from_12(p.hour, p.ampm);
    if (p.hour > 24 || p.minute > 59 || p.second > 59)
        return BUZZ_PARSE_INVALID;
    if (p.hour == 24 && (type != BUZZ_TYPE_TIME || p.minute || p.second || p.us))
        return BUZZ_PARSE_INVALID;
    int64_t tod = ((int64_t)p.hour * 3600 + p.minute * 60 + p.second) * US_PER_SECOND + p.us;
    if (type == BUZZ_TYPE_TIME) {
        if ((bits & (F_DATE_PART | F_ZONE)) || !(bits & F_HOUR))
            return BUZZ_PARSE_INVALID;
        if (p.is_lost)
            return BUZZ_PARSE_PRECISION;
        *out = tod;
        return BUZZ_PARSE_OK;
    }
    if (type != BUZZ_TYPE_DATE && type != BUZZ_TYPE_TIMESTAMP && type != BUZZ_TYPE_TIMESTAMP_TZ)
        return BUZZ_PARSE_INVALID;
    if (!(bits & F_YEAR) || !(bits & F_ANY_MONTH))
        return BUZZ_PARSE_INVALID;
    if ((type == BUZZ_TYPE_TIMESTAMP && p.has_offset) || (type == BUZZ_TYPE_DATE && p.offset_s))
        return BUZZ_PARSE_INVALID;
    int32_t year = year_of(p.year, (bits & F_YEAR2) != 0);
    if (year == 0)
        return BUZZ_PARSE_OVERFLOW;
    if (!valid_date(year, p.month, p.day))
        return BUZZ_PARSE_INVALID;
    if (p.is_lost || (type == BUZZ_TYPE_DATE && tod != 0))
        return BUZZ_PARSE_PRECISION;
    int32_t days = buzz_days_from_civil(year, p.month, p.day);
    if (type == BUZZ_TYPE_DATE) {
        *out = days;
        return BUZZ_PARSE_OK;
    }
    int64_t us = (int64_t)days * US_PER_DAY + tod - (int64_t)p.offset_s * US_PER_SECOND;
    if (us < MIN_TIMESTAMP_US || us >= END_TIMESTAMP_US)
        return BUZZ_PARSE_OVERFLOW;
    *out = us;
    return BUZZ_PARSE_OK;
}
