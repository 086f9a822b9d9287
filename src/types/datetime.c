/* types/datetime.c: Buzz's civil-date arithmetic (proleptic Gregorian calendar) and the ISO 8601
 * formatting of DATE, TIME, TIMESTAMP and TIMESTAMP_TZ values. The day-number conversions follow
 * the era decomposition of Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms": a
 * 400-year era has exactly 146097 days, and counting years from March puts the leap day last, so
 * the day of the year maps to the month with one linear formula. Everything is computed in 64-bit
 * integers, so no input overflows; results are exact inverses for every int32 day number (years far
 * beyond 1-9999, which the parsers refuse anyway). Formatting floors negative microsecond values
 * (before 1970, or a negative TIME) toward minus infinity, so -1 us is 1969-12-31 23:59:59.999999.
 * Out-of-range values are printed without losing information rather than clamped: years outside
 * 0-9999 get a sign or more digits, and a TIME outside 00:00-24:00 prints its sign and all of its
 * hours ("-01:00:00", "25:00:00"). Used by parse_datetime.c, the converter and the writers; depends
 * on libc only. Reentrant, no allocation, no locale. */
#include "buzz/types.h"

#define US_PER_SECOND INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SECOND)
#define DAYS_PER_ERA 146097 /* days in 400 Gregorian years */
#define EPOCH_SHIFT 719468  /* days from 0000-03-01 to 1970-01-01 */

bool buzz_is_leap_year(int32_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned buzz_days_in_month(int32_t year, unsigned month)
{
    static const uint8_t lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && buzz_is_leap_year(year))
        return 29;
    return lengths[month - 1];
}

/* Floor division for a positive divisor (C division truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

int32_t buzz_days_from_civil(int32_t year, unsigned month, unsigned day)
{
    /* Years start on March 1, so February (and its leap day) ends the year. */
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400; /* 0-399 */
    int64_t m = (int64_t)month;
    int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)day - 1; /* 0-365 */
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return (int32_t)(era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT);
}

void buzz_civil_from_days(int32_t days, int32_t *out_year, unsigned *out_month, unsigned *out_day)
{
    int64_t z = (int64_t)days + EPOCH_SHIFT;
    int64_t era = floor_div(z, DAYS_PER_ERA);
    int64_t day_of_era = z - era * DAYS_PER_ERA; /* 0-146096 */
    /* The three corrections remove the leap days before day_of_era: every 4th year, except every
     * 100th, except the 400th (the era's last day). */
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t mp = (5 * day_of_year + 2) / 153; /* month counted from March, 0-11 */
    unsigned day = (unsigned)(day_of_year - (153 * mp + 2) / 5 + 1);
    unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = year_of_era + era * 400 + (month <= 2);
    *out_year = (int32_t)year;
    *out_month = month;
    *out_day = day;
}

/* Writes v in decimal with at least `width` digits; returns the length. */
static size_t put_uint(char *out, uint64_t v, size_t width)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static size_t put2(char *out, unsigned v)
{
    out[0] = (char)('0' + v / 10);
    out[1] = (char)('0' + v % 10);
    return 2;
}

/* "YYYY-MM-DD"; years outside 0-9999 keep all their digits and their sign. */
static size_t put_date(char *out, int32_t days)
{
    int32_t year;
    unsigned month, day;
    buzz_civil_from_days(days, &year, &month, &day);
    size_t n = 0;
    if (year < 0)
        out[n++] = '-';
    n += put_uint(out + n, year < 0 ? (uint64_t)(-(int64_t)year) : (uint64_t)year, 4);
    out[n++] = '-';
    n += put2(out + n, month);
    out[n++] = '-';
    n += put2(out + n, day);
    return n;
}

/* "HH:MM:SS[.ffffff]" for us >= 0, trailing fraction zeros trimmed; hours may exceed 23. */
static size_t put_clock(char *out, uint64_t us)
{
    uint64_t secs = us / (uint64_t)US_PER_SECOND;
    unsigned frac = (unsigned)(us % (uint64_t)US_PER_SECOND);
    size_t n = put_uint(out, secs / 3600, 2);
    out[n++] = ':';
    n += put2(out + n, (unsigned)(secs / 60 % 60));
    out[n++] = ':';
    n += put2(out + n, (unsigned)(secs % 60));
    if (frac) {
        out[n++] = '.';
        size_t digits = 6;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        n += put_uint(out + n, frac, digits);
    }
    return n;
}

size_t buzz_format_date(int32_t days, char *out)
{
    size_t n = put_date(out, days);
    out[n] = '\0';
    return n;
}

size_t buzz_format_time(int64_t us, char *out)
{
    size_t n = 0;
    uint64_t mag = (uint64_t)us;
    if (us < 0) {
        out[n++] = '-';
        mag = 0 - mag; /* two's-complement magnitude, also right for INT64_MIN */
    }
    n += put_clock(out + n, mag);
    out[n] = '\0';
    return n;
}

size_t buzz_format_timestamp(int64_t us, bool is_utc, char *out)
{
    /* Floored without computing days * US_PER_DAY, which overflows near INT64_MIN. */
    int64_t days = us / US_PER_DAY; /* |days| < 1.1e8: fits int32 */
    int64_t rest = us % US_PER_DAY;
    if (rest < 0) {
        rest += US_PER_DAY;
        days--;
    }
    size_t n = put_date(out, (int32_t)days);
    out[n++] = ' ';
    n += put_clock(out + n, (uint64_t)rest);
    if (is_utc)
        out[n++] = 'Z';
    out[n] = '\0';
    return n;
}
