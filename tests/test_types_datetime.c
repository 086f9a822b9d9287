/* tests/test_types_datetime.c: unit and property tests of the date/time part of src/types
 * (datetime.c, parse_datetime.c): the scanner's shapes and day/month orders, the two-digit year
 * pivot, month names, zones, the civil-date arithmetic over all of years 1-9999 (against a naive
 * day counter and against libc's timegm/gmtime_r), ISO formatting (before 1970 and at the int64
 * limits), format -> scan round trips, and explicit formats. Each scanned value is copied into an
 * exact-size heap buffer so sanitizer builds catch any read past its end. */
#include "test_support.h"

#include <time.h>

#include "buzz/types.h"

#define US_PER_SECOND INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SECOND)
#define DAYS_0001 (-719162) /* 0001-01-01 */
#define DAYS_9999 2932896   /* 9999-12-31 */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static int64_t rand_range(int64_t lo, int64_t hi) /* inclusive */
{
    return lo + (int64_t)(next_rand() % (uint64_t)(hi - lo + 1));
}

/* Scan through an exact-size heap copy, so ASan sees any read at or past s[len]. */
static bool scan(const char *s, size_t len, buzz_dt_scan *out)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    bool ok = buzz_dt_scan_value(copy, len, out);
    free(copy);
    return ok;
}

static buzz_parse_result parse_fmt(const buzz_dt_format *f, buzz_type type, const char *s,
                                   int64_t *out)
{
    size_t len = strlen(s);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    buzz_parse_result r = buzz_dt_parse_format(f, type, copy, len, out);
    free(copy);
    return r;
}

/* Renders a scan as "ORDERS[sep]f0,f1,f2 HH:MM:SS.ffffff z+secs FLAGS" (parts present only when
 * they apply); flags: N month name, 2 two-digit year, P AM/PM, T 'T' separator. */
static void render_scan(const buzz_dt_scan *sc, char *out, size_t cap)
{
    static const char *order_names[] = {"YMD", "DMY", "MDY"};
    size_t n = 0;
    out[0] = '\0';
    if (sc->flags & BUZZ_DT_HAS_DATE) {
        for (int o = 0; o < BUZZ_DATE_ORDER_COUNT; o++) {
            if (sc->orders & BUZZ_DATE_ORDER_BIT(o))
                n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "|" : "", order_names[o]);
        }
        n += (size_t)snprintf(out + n, cap - n, "[%c]%d,%d,%d", sc->date_sep, (int)sc->field[0],
                              (int)sc->field[1], (int)sc->field[2]);
    }
    if (sc->flags & BUZZ_DT_HAS_TIME) {
        int64_t t = sc->time_us, s = t / US_PER_SECOND;
        n += (size_t)snprintf(out + n, cap - n, "%s%02d:%02d:%02d.%06d", n ? " " : "",
                              (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60),
                              (int)(t % US_PER_SECOND));
    }
    if (sc->flags & BUZZ_DT_HAS_OFFSET)
        n += (size_t)snprintf(out + n, cap - n, " z%+d", (int)sc->offset_s);
    const char *flag_letters = "NAPT";
    uint32_t flag_bits[] = {BUZZ_DT_MONTH_NAME, BUZZ_DT_YEAR2, BUZZ_DT_AMPM, BUZZ_DT_T_SEP};
    bool any = false;
    for (int i = 0; i < 4; i++) {
        if (!(sc->flags & flag_bits[i]))
            continue;
        if (!any)
            n += (size_t)snprintf(out + n, cap - n, " ");
        any = true;
        n += (size_t)snprintf(out + n, cap - n, "%c", i == 1 ? '2' : flag_letters[i]);
    }
}

/* Naive day counting, independent of the library: days since 1970-01-01. */
static bool naive_leap(int32_t y)
{
    return y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
}

static unsigned naive_month_len(int32_t y, unsigned m)
{
    static const unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && naive_leap(y) ? 29 : len[m - 1];
}

static int32_t naive_days(int32_t y, unsigned m, unsigned d)
{
    int32_t days = 0;
    for (int32_t k = 1970; k < y; k++)
        days += naive_leap(k) ? 366 : 365;
    for (int32_t k = y; k < 1970; k++)
        days -= naive_leap(k) ? 366 : 365;
    for (unsigned k = 1; k < m; k++)
        days += (int32_t)naive_month_len(y, k);
    return days + (int32_t)d - 1;
}

/* ---------------------------------------------------------------------------------------------
 * Scanner shapes. */
static const struct scan_case {
    const char *in;
    const char *want; /* render_scan output; NULL = refused */
} scan_cases[] = {
    /* ISO and other year-first dates: YMD only. */
    {"2024-01-12", "YMD[-]2024,1,12"},
    {"2024/1/2", "YMD[/]2024,1,2"},
    {"2024.01.12", "YMD[.]2024,1,12"},
    {"2024-1-2", "YMD[-]2024,1,2"},
    {"0001-01-01", "YMD[-]1,1,1"},
    {"9999-12-31", "YMD[-]9999,12,31"},
    {"2024-02-29", "YMD[-]2024,2,29"},
    {"2000-02-29", "YMD[-]2000,2,29"},
    {"2024-02-30", NULL},
    {"2023-02-29", NULL},
    {"1900-02-29", NULL},
    {"2024-04-31", NULL},
    {"2024-13-01", NULL},
    {"2024-00-10", NULL},
    {"2024-01-00", NULL},
    {"0000-01-01", NULL},
    {"10000-01-01", NULL},
    {"2024-001-02", NULL},
    {"2024-01-012", NULL},
    {"2024-01-2024", NULL},
    {"2024-01", NULL},
    {"2024-01-12-", NULL},
    {"2024-01/12", NULL},
    {"2024--01-12", NULL},
    /* Year last: DMY and/or MDY. */
    {"12/01/2024", "DMY|MDY[/]12,1,2024"},
    {"01/02/2024", "DMY|MDY[/]1,2,2024"},
    {"13/02/2024", "DMY[/]13,2,2024"},
    {"02/13/2024", "MDY[/]2,13,2024"},
    {"31.12.2024", "DMY[.]31,12,2024"},
    {"12-31-2024", "MDY[-]12,31,2024"},
    {"29/02/2024", "DMY[/]29,2,2024"},
    {"29/02/2023", NULL},
    {"13/13/2024", NULL},
    {"0/1/2024", NULL},
    {"1/0/2024", NULL},
    {"31/04/2024", NULL},
    {"123/1/2024", NULL},
    {"1/123/2024", NULL},
    {"1/2/024", NULL},
    {"1/2/0000", NULL},
    /* Two-digit years, first or last. */
    {"1.2.24", "DMY|MDY[.]1,2,24 2"},
    {"12-01-24", "YMD|DMY|MDY[-]12,1,24 2"},
    {"31-01-24", "YMD|DMY[-]31,1,24 2"},
    {"24-02-30", "DMY[-]24,2,30 2"},
    {"99-12-31", "YMD[-]99,12,31 2"},
    {"29/02/23", "YMD[/]29,2,23 2"},
    {"1/2/3", NULL},
    {"1/13/1", NULL},
    {"13/13/13", NULL},
    {"00-00-00", NULL},
    /* Month names. */
    {"12-Jan-2024", "DMY[-]12,1,2024 N"},
    {"12 Jan 2024", "DMY[ ]12,1,2024 N"},
    {"12 January 2024", "DMY[ ]12,1,2024 N"},
    {"12 january, 2024", "DMY[ ]12,1,2024 N"},
    {"12/Feb/2024", "DMY[/]12,2,2024 N"},
    {"12-JAN-24", "DMY[-]12,1,24 N2"},
    {"24-Jan-12", "DMY[-]24,1,12 N2"},
    {"5-sept-24", "DMY[-]5,9,24 N2"},
    {"5 SEP 2024", "DMY[ ]5,9,2024 N"},
    {"Jan 12, 2024", "MDY[ ]1,12,2024 N"},
    {"January 12 2024", "MDY[ ]1,12,2024 N"},
    {"Sept 5, 2024", "MDY[ ]9,5,2024 N"},
    {"May 1, 2024", "MDY[ ]5,1,2024 N"},
    {"DECEMBER 31, 9999", "MDY[ ]12,31,9999 N"},
    {"Jan-12-24", "MDY[-]1,12,24 N2"},
    {"Jan 12 24", "MDY[ ]1,12,24 N2"},
    {"2024-Jan-12", "YMD[-]2024,1,12 N"},
    {"2024 Jan 12", "YMD[ ]2024,1,12 N"},
    {"2024-February-29", "YMD[-]2024,2,29 N"},
    {"2023-Feb-29", NULL},
    {"31 Feb 2024", NULL},
    {"Feb 30, 2024", NULL},
    {"Janu 12, 2024", NULL},
    {"Januaryx 12 2024", NULL},
    {"Jan 12,2024", NULL},
    {"Jan  12, 2024", NULL},
    {"Jan 12, 024", NULL},
    {"12-Jan/2024", NULL},
    {"12 Jan-2024", NULL},
    {"Foo 12, 2024", NULL},
    {"Jan 2024", NULL},
    {"12 Jan", NULL},
    {"12 01 2024", NULL},
    {"24-Jan-2", NULL},
    {"123-Jan-2024", NULL},
    {"2024-Jan-123", NULL},
    /* Times. */
    {"13:45", "13:45:00.000000"},
    {"1:45", "01:45:00.000000"},
    {"00:00", "00:00:00.000000"},
    {"23:59:59", "23:59:59.000000"},
    {"13:45:30", "13:45:30.000000"},
    {"13:45:30.25", "13:45:30.250000"},
    {"13:45:30.123456", "13:45:30.123456"},
    {"13:45:30.1234560000", "13:45:30.123456"},
    {"13:45:30.1234567", NULL},
    {"13:45:30.", NULL},
    {"13:45.5", NULL},
    {"1:45 PM", "13:45:00.000000 P"},
    {"1:45PM", "13:45:00.000000 P"},
    {"1:45 pm", "13:45:00.000000 P"},
    {"1:45 am", "01:45:00.000000 P"},
    {"11:59:59 PM", "23:59:59.000000 P"},
    {"12:00 AM", "00:00:00.000000 P"},
    {"12:30 PM", "12:30:00.000000 P"},
    {"1:45:30.5 PM", "13:45:30.500000 P"},
    {"13:00 PM", NULL},
    {"0:30 AM", NULL},
    {"00:30 AM", NULL},
    {"1:45 PMX", NULL},
    {"1:45  PM", NULL},
    {"1:45 P", NULL},
    {"1:45 XM", NULL},
    {"24:00", "24:00:00.000000"},
    {"24:00:00", "24:00:00.000000"},
    {"24:00:00.000", "24:00:00.000000"},
    {"24:00:01", NULL},
    {"24:30", NULL},
    {"24:00:00.1", NULL},
    {"12:00 PM", "12:00:00.000000 P"},
    {"25:00", NULL},
    {"12:60", NULL},
    {"12:59:60", NULL},
    {"123:00", NULL},
    {"12:5", NULL},
    {"12:345", NULL},
    {"12:34:5", NULL},
    {"12:34:567", NULL},
    {"13:45Z", NULL},
    {"13:45+01:00", NULL},
    {"1:45 PM UTC", NULL},
    {"12:", NULL},
    {":45", NULL},
    /* Timestamps. */
    {"2024-01-12T13:45:30", "YMD[-]2024,1,12 13:45:30.000000 T"},
    {"2024-01-12 13:45:30", "YMD[-]2024,1,12 13:45:30.000000"},
    {"2024-01-12   13:45", "YMD[-]2024,1,12 13:45:00.000000"},
    {"2024-01-12t13:45z", "YMD[-]2024,1,12 13:45:00.000000 z+0 T"},
    {"2024-01-12T13:45:30Z", "YMD[-]2024,1,12 13:45:30.000000 z+0 T"},
    {"2024-01-12T13:45:30.123456Z", "YMD[-]2024,1,12 13:45:30.123456 z+0 T"},
    {"2024-01-12T13:45:30+01:00", "YMD[-]2024,1,12 13:45:30.000000 z+3600 T"},
    {"2024-01-12T13:45:30-05:00", "YMD[-]2024,1,12 13:45:30.000000 z-18000 T"},
    {"2024-01-12T13:45:30+0530", "YMD[-]2024,1,12 13:45:30.000000 z+19800 T"},
    {"2024-01-12T13:45:30+05", "YMD[-]2024,1,12 13:45:30.000000 z+18000 T"},
    {"2024-01-12T13:45:30-00:00", "YMD[-]2024,1,12 13:45:30.000000 z+0 T"},
    {"2024-01-12T13:45:30+18:00", "YMD[-]2024,1,12 13:45:30.000000 z+64800 T"},
    {"2024-01-12T13:45:30-18:00", "YMD[-]2024,1,12 13:45:30.000000 z-64800 T"},
    {"2024-01-12 13:45:30 UTC", "YMD[-]2024,1,12 13:45:30.000000 z+0"},
    {"2024-01-12 13:45:30UTC", "YMD[-]2024,1,12 13:45:30.000000 z+0"},
    {"2024-01-12 13:45:30 GMT", "YMD[-]2024,1,12 13:45:30.000000 z+0"},
    {"2024-01-12 13:45:30 +01:00", "YMD[-]2024,1,12 13:45:30.000000 z+3600"},
    {"2024-01-12 13:45:30 Z", "YMD[-]2024,1,12 13:45:30.000000 z+0"},
    {"1/2/2024 13:45", "DMY|MDY[/]1,2,2024 13:45:00.000000"},
    {"1/2/2024 1:45 PM", "DMY|MDY[/]1,2,2024 13:45:00.000000 P"},
    {"1/2/2024 1:45 PM UTC", "DMY|MDY[/]1,2,2024 13:45:00.000000 z+0 P"},
    {"12.01.2024 13:45", "DMY|MDY[.]12,1,2024 13:45:00.000000"},
    {"Jan 12, 2024 1:45 PM", "MDY[ ]1,12,2024 13:45:00.000000 NP"},
    {"12 Jan 2024 13:45:30 +0100", "DMY[ ]12,1,2024 13:45:30.000000 z+3600 N"},
    {"12-01-24 13:45", "YMD|DMY|MDY[-]12,1,24 13:45:00.000000 2"},
    {"2024-01-12T13:45:30+18:01", NULL},
    {"2024-01-12T13:45:30+19", NULL},
    {"2024-01-12T13:45:30+05:60", NULL},
    {"2024-01-12T13:45:30+5", NULL},
    {"2024-01-12T13:45:30+05:3", NULL},
    {"2024-01-12T13:45:30+053", NULL},
    {"2024-01-12T13:45:30+05:300", NULL},
    {"2024-01-12T13:45:30Z ", NULL},
    {"2024-01-12T13:45:30  Z", NULL},
    {"2024-01-12T13:45:30 EST", NULL},
    {"2024-01-12T13:45:30ZZ", NULL},
    {"2024-01-12T13:45:30+", NULL},
    {"2024-01-12T24:00", NULL},
    {"2024-01-12 24:00:00", NULL},
    {"2024-01-12T", NULL},
    {"2024-01-12 ", NULL},
    {"2024-01-12X13:45", NULL},
    {"2024-01-12T 13:45", NULL},
    {"2024-01-12T13:45:30.1234567Z", NULL},
    {"2024-02-30 13:45", NULL},
    {"2024-01-12 25:00", NULL},
    /* Neither. */
    {"", NULL},
    {" ", NULL},
    {" 2024-01-12", NULL},
    {"2024-01-12\n", NULL},
    {"abc", NULL},
    {"12", NULL},
    {"1.5", NULL},
    {"2024", NULL},
    {"20240112", NULL},
    {"-2024-01-12", NULL},
    {"+13:45", NULL},
    {"T13:45", NULL},
    {"Z", NULL},
};

static void test_scan_shapes(void **state)
{
    (void)state;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(scan_cases); i++) {
        const struct scan_case *c = &scan_cases[i];
        buzz_dt_scan sc;
        bool ok = scan(c->in, strlen(c->in), &sc);
        char got[160];
        render_scan(&sc, got, sizeof got);
        if (ok != (c->want != NULL) || (ok && strcmp(got, c->want) != 0))
            fail_msg("case %zu \"%s\": got %s \"%s\", want %s", i, c->in, ok ? "ok" : "refused",
                     got, c->want ? c->want : "refused");
        if (!ok) {
            buzz_dt_scan zero;
            memset(&zero, 0, sizeof zero);
            if (memcmp(&sc, &zero, sizeof sc) != 0)
                fail_msg("case %zu \"%s\": refused but *out not zeroed", i, c->in);
            continue;
        }
        /* A date has orders; no date has neither orders nor a separator. */
        bool has_date = (sc.flags & BUZZ_DT_HAS_DATE) != 0;
        if (has_date != (sc.orders != 0) || has_date != (sc.date_sep != 0))
            fail_msg("case %zu \"%s\": HAS_DATE and orders disagree", i, c->in);
        /* Every order in the mask gives a day in years 1-9999; no other order does. */
        for (int o = 0; o < BUZZ_DATE_ORDER_COUNT; o++) {
            int32_t days = INT32_MIN;
            bool in_mask = (sc.orders & BUZZ_DATE_ORDER_BIT(o)) != 0;
            if (buzz_dt_days(&sc, (buzz_date_order)o, &days) != in_mask)
                fail_msg("case %zu \"%s\": buzz_dt_days(order %d) disagrees with the mask", i,
                         c->in, o);
            if (in_mask && (days < DAYS_0001 || days > DAYS_9999))
                fail_msg("case %zu \"%s\": days %d out of range", i, c->in, (int)days);
        }
    }
}

/* buzz_dt_days per order, and the two-digit year pivot. */
static void test_scan_days(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        buzz_date_order order;
        int32_t y;
        unsigned m, d; /* y == 0: the order must be refused */
    } cases[] = {
        {"2024-01-12", BUZZ_DATE_YMD, 2024, 1, 12},
        {"2024-01-12", BUZZ_DATE_DMY, 0, 0, 0},
        {"12/01/2024", BUZZ_DATE_DMY, 2024, 1, 12},
        {"12/01/2024", BUZZ_DATE_MDY, 2024, 12, 1},
        {"12/01/2024", BUZZ_DATE_YMD, 0, 0, 0},
        {"13/02/2024", BUZZ_DATE_DMY, 2024, 2, 13},
        {"13/02/2024", BUZZ_DATE_MDY, 0, 0, 0},
        {"1/2/68", BUZZ_DATE_DMY, 2068, 2, 1},
        {"1/2/69", BUZZ_DATE_DMY, 1969, 2, 1},
        {"1/2/00", BUZZ_DATE_MDY, 2000, 1, 2},
        {"1/2/99", BUZZ_DATE_MDY, 1999, 1, 2},
        {"68-01-02", BUZZ_DATE_YMD, 2068, 1, 2},
        {"69-01-02", BUZZ_DATE_YMD, 1969, 1, 2},
        {"12-01-24", BUZZ_DATE_YMD, 2012, 1, 24},
        {"12-01-24", BUZZ_DATE_DMY, 2024, 1, 12},
        {"12-01-24", BUZZ_DATE_MDY, 2024, 12, 1},
        {"0024-01-02", BUZZ_DATE_YMD, 24, 1, 2},
        {"12-Jan-69", BUZZ_DATE_DMY, 1969, 1, 12},
        {"Jan 12, 68", BUZZ_DATE_MDY, 2068, 1, 12},
        {"Jan 12, 0068", BUZZ_DATE_MDY, 68, 1, 12},
        {"1969-12-31", BUZZ_DATE_YMD, 1969, 12, 31},
        {"0001-01-01", BUZZ_DATE_YMD, 1, 1, 1},
        {"9999-12-31 23:59:59.999999", BUZZ_DATE_YMD, 9999, 12, 31},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_dt_scan sc;
        if (!scan(cases[i].in, strlen(cases[i].in), &sc))
            fail_msg("case %zu \"%s\": refused", i, cases[i].in);
        int32_t days;
        bool ok = buzz_dt_days(&sc, cases[i].order, &days);
        if (ok != (cases[i].y != 0))
            fail_msg("case %zu \"%s\": order %d ok=%d", i, cases[i].in, (int)cases[i].order, ok);
        if (ok && days != naive_days(cases[i].y, cases[i].m, cases[i].d))
            fail_msg("case %zu \"%s\": days %d, want %d", i, cases[i].in, (int)days,
                     (int)naive_days(cases[i].y, cases[i].m, cases[i].d));
    }
    /* Bad orders and hand-filled scans are refused, never turned into a day. */
    buzz_dt_scan sc;
    assert_true(scan("2024-01-12", 10, &sc));
    int32_t days = 0;
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_ORDER_COUNT, &days));
    assert_false(buzz_dt_days(&sc, (buzz_date_order)-1, &days));
    sc.field[2] = 40;
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_YMD, &days));
    sc.field[2] = -1;
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_YMD, &days));
    memset(&sc, 0, sizeof sc);
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_YMD, &days));
    sc.orders = 7;
    sc.flags = BUZZ_DT_YEAR2;
    sc.field[0] = 1;
    sc.field[1] = 1;
    sc.field[2] = 1000;
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_YMD, &days)); /* day 1000 */
    assert_false(buzz_dt_days(&sc, BUZZ_DATE_DMY, &days)); /* a "two-digit" year 1000 */
    sc.field[0] = 5;
    sc.field[2] = 1;
    assert_true(buzz_dt_days(&sc, BUZZ_DATE_DMY, &days)); /* 5 Jan 2001 */
    assert_int_equal(days, naive_days(2001, 1, 5));
}

/* ---------------------------------------------------------------------------------------------
 * Civil arithmetic. */
static void test_civil_full_range(void **state)
{
    (void)state;
    int32_t expect = DAYS_0001;
    for (int32_t y = 1; y <= 9999; y++) {
        assert_int_equal(buzz_is_leap_year(y), naive_leap(y));
        for (unsigned m = 1; m <= 12; m++) {
            unsigned len = naive_month_len(y, m);
            if (buzz_days_in_month(y, m) != len)
                fail_msg("days_in_month(%d, %u) = %u", (int)y, m, buzz_days_in_month(y, m));
            for (unsigned d = 1; d <= len; d++, expect++) {
                int32_t days = buzz_days_from_civil(y, m, d);
                if (days != expect)
                    fail_msg("days_from_civil(%d-%u-%u) = %d, want %d", (int)y, m, d, (int)days,
                             (int)expect);
                int32_t gy;
                unsigned gm, gd;
                buzz_civil_from_days(days, &gy, &gm, &gd);
                if (gy != y || gm != m || gd != d)
                    fail_msg("civil_from_days(%d) = %d-%u-%u, want %d-%u-%u", (int)days, (int)gy,
                             gm, gd, (int)y, m, d);
            }
        }
    }
    assert_int_equal(expect - 1, DAYS_9999);
    assert_int_equal(buzz_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(buzz_days_in_month(2024, 0), 0);
    assert_int_equal(buzz_days_in_month(2024, 13), 0);
    /* Far outside 1-9999 the two functions are still exact inverses. */
    static const int32_t far[] = {INT32_MIN, INT32_MIN + 1, -800000000,    -719163,  -1,
                                  2932897,   100000000,     INT32_MAX - 1, INT32_MAX};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(far); i++) {
        int32_t y;
        unsigned m, d;
        buzz_civil_from_days(far[i], &y, &m, &d);
        assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        assert_int_equal(buzz_days_from_civil(y, m, d), far[i]);
    }
}

/* libc as an independent check where its time_t covers the dates. */
static void test_civil_vs_libc(void **state)
{
    (void)state;
    for (int32_t y = 1902; y <= 2037; y++) {
        for (unsigned m = 1; m <= 12; m++) {
            for (unsigned d = 1; d <= naive_month_len(y, m); d++) {
                struct tm tm;
                memset(&tm, 0, sizeof tm);
                tm.tm_year = y - 1900;
                tm.tm_mon = (int)m - 1;
                tm.tm_mday = (int)d;
                time_t t = timegm(&tm);
                int32_t days = buzz_days_from_civil(y, m, d);
                if ((int64_t)t != (int64_t)days * 86400)
                    fail_msg("%d-%u-%u: timegm %lld, buzz %d days", (int)y, m, d, (long long)t,
                             (int)days);
            }
        }
    }
    /* Random instants: gmtime_r's fields against buzz_format_timestamp's text. */
    for (int i = 0; i < 200000; i++) {
        int64_t secs = rand_range(-2145916800, 2145916799); /* 1902-2037 */
        int64_t us = secs * US_PER_SECOND + rand_range(0, 999999) * (i % 2);
        time_t t = (time_t)secs;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char want[64], got[BUZZ_DT_FORMAT_MAX], frac[16] = "";
        int f = (int)(us - secs * US_PER_SECOND);
        if (f) {
            snprintf(frac, sizeof frac, ".%06d", f);
            for (size_t k = strlen(frac); frac[k - 1] == '0'; k--)
                frac[k - 1] = '\0';
        }
        snprintf(want, sizeof want, "%04d-%02d-%02d %02d:%02d:%02d%sZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
        size_t n = buzz_format_timestamp(us, true, got);
        if (strcmp(got, want) != 0 || n != strlen(want))
            fail_msg("%lld us: got %s, want %s", (long long)us, got, want);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Formatting. */
static void test_format(void **state)
{
    (void)state;
    static const struct {
        int32_t days;
        const char *want;
    } dates[] = {
        {0, "1970-01-01"},
        {-1, "1969-12-31"},
        {19734, "2024-01-12"},
        {DAYS_0001, "0001-01-01"},
        {DAYS_9999, "9999-12-31"},
        {DAYS_0001 - 1, "0000-12-31"},
        {DAYS_0001 - 367, "-0001-12-31"},
        {DAYS_9999 + 1, "10000-01-01"},
        {-700000, "0053-06-19"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(dates); i++) {
        char got[BUZZ_DT_FORMAT_MAX];
        size_t n = buzz_format_date(dates[i].days, got);
        if (strcmp(got, dates[i].want) != 0 || n != strlen(got))
            fail_msg("date %d: got %s, want %s", (int)dates[i].days, got, dates[i].want);
    }
    static const struct {
        int64_t us;
        const char *want;
    } times[] = {
        {0, "00:00:00"},
        {1, "00:00:00.000001"},
        {INT64_C(45296250000), "12:34:56.25"},
        {INT64_C(49530123456), "13:45:30.123456"},
        {INT64_C(49530100000), "13:45:30.1"},
        {US_PER_DAY - 1, "23:59:59.999999"},
        {US_PER_DAY, "24:00:00"},
        {US_PER_DAY + 3600 * US_PER_SECOND, "25:00:00"},
        {-1, "-00:00:00.000001"},
        {-3600 * US_PER_SECOND, "-01:00:00"},
        {INT64_MAX, "2562047788:00:54.775807"},
        {INT64_MIN, "-2562047788:00:54.775808"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(times); i++) {
        char got[BUZZ_DT_FORMAT_MAX];
        size_t n = buzz_format_time(times[i].us, got);
        if (strcmp(got, times[i].want) != 0 || n != strlen(got))
            fail_msg("time %lld: got %s, want %s", (long long)times[i].us, got, times[i].want);
    }
    static const struct {
        int64_t us;
        bool is_utc;
        const char *want;
    } stamps[] = {
        {0, false, "1970-01-01 00:00:00"},
        {0, true, "1970-01-01 00:00:00Z"},
        {-1, false, "1969-12-31 23:59:59.999999"},
        {-US_PER_DAY, false, "1969-12-31 00:00:00"},
        {-US_PER_DAY - 1, true, "1969-12-30 23:59:59.999999Z"},
        {INT64_C(1705067130250000), false, "2024-01-12 13:45:30.25"},
        {INT64_C(1705063530000000), true, "2024-01-12 12:45:30Z"},
        {DAYS_0001 * US_PER_DAY, false, "0001-01-01 00:00:00"},
        {(DAYS_9999 + 1) * US_PER_DAY - 1, true, "9999-12-31 23:59:59.999999Z"},
        {INT64_MAX, true, "294247-01-10 04:00:54.775807Z"},
        {INT64_MIN, true, "-290308-12-21 19:59:05.224192Z"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(stamps); i++) {
        char got[BUZZ_DT_FORMAT_MAX];
        size_t n = buzz_format_timestamp(stamps[i].us, stamps[i].is_utc, got);
        if (strcmp(got, stamps[i].want) != 0 || n != strlen(got))
            fail_msg("timestamp %lld: got %s, want %s", (long long)stamps[i].us, got,
                     stamps[i].want);
        assert_true(n < BUZZ_DT_FORMAT_MAX);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Round trips: format -> scan -> the same value, across the whole range. */
static void test_round_trips(void **state)
{
    (void)state;
    static const char *const names[] = {"Jan", "February", "mar",  "APRIL", "May", "June",
                                        "Jul", "August",   "Sept", "oct",   "Nov", "December"};
    char text[128];
    buzz_dt_scan sc;
    int32_t got_days;
    for (int i = 0; i < 200000; i++) {
        int32_t days = (int32_t)rand_range(DAYS_0001, DAYS_9999);
        if (i % 4 == 0)
            days = (int32_t)rand_range(-25000, 60000); /* 1901-2134: around the pivots */
        size_t n = buzz_format_date(days, text);
        if (!scan(text, n, &sc) || sc.orders != BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD) ||
            !buzz_dt_days(&sc, BUZZ_DATE_YMD, &got_days) || got_days != days)
            fail_msg("date %d: \"%s\" does not scan back", (int)days, text);

        /* The same date in other shapes. */
        int32_t y;
        unsigned m, d;
        buzz_civil_from_days(days, &y, &m, &d);
        static const struct {
            const char *fmt; /* arguments: day, month, year or a name */
            buzz_date_order order;
            int kind; /* 0 d,m,y; 1 m,d,y; 2 d,name,y; 3 name,d,y; 4 y,name,d */
        } shapes[] = {
            {"%u/%u/%04d", BUZZ_DATE_DMY, 0},   {"%02u.%02u.%04d", BUZZ_DATE_DMY, 0},
            {"%u-%u-%04d", BUZZ_DATE_MDY, 1},   {"%u-%s-%04d", BUZZ_DATE_DMY, 2},
            {"%u %s %04d", BUZZ_DATE_DMY, 2},   {"%s %u, %04d", BUZZ_DATE_MDY, 3},
            {"%04d-%s-%02u", BUZZ_DATE_YMD, 4},
        };
        int k = (int)(next_rand() % BUZZ_ARRAY_LEN(shapes));
        const char *name = names[m - 1];
        switch (shapes[k].kind) {
        case 0:
            snprintf(text, sizeof text, shapes[k].fmt, d, m, (int)y);
            break;
        case 1:
            snprintf(text, sizeof text, shapes[k].fmt, m, d, (int)y);
            break;
        case 2:
            snprintf(text, sizeof text, shapes[k].fmt, d, name, (int)y);
            break;
        case 3:
            snprintf(text, sizeof text, shapes[k].fmt, name, d, (int)y);
            break;
        default:
            snprintf(text, sizeof text, shapes[k].fmt, (int)y, name, d);
            break;
        }
        if (!scan(text, strlen(text), &sc) || !buzz_dt_days(&sc, shapes[k].order, &got_days) ||
            got_days != days)
            fail_msg("date %d: \"%s\" does not scan back", (int)days, text);
        /* Two-digit years within the pivot window. */
        if (y >= 1969 && y <= 2068) {
            snprintf(text, sizeof text, "%u/%u/%02d", d, m, (int)(y % 100));
            if (!scan(text, strlen(text), &sc) || !(sc.flags & BUZZ_DT_YEAR2) ||
                !buzz_dt_days(&sc, BUZZ_DATE_DMY, &got_days) || got_days != days)
                fail_msg("date %d: \"%s\" does not scan back", (int)days, text);
        }
    }
    for (int i = 0; i < 200000; i++) {
        int64_t us = rand_range(0, US_PER_DAY);
        if (i % 3 == 0)
            us -= us % US_PER_SECOND; /* whole seconds too */
        size_t n = buzz_format_time(us, text);
        if (!scan(text, n, &sc) || sc.flags != BUZZ_DT_HAS_TIME || sc.time_us != us)
            fail_msg("time %lld: \"%s\" does not scan back", (long long)us, text);
    }
    for (int i = 0; i < 200000; i++) {
        int64_t us = rand_range(DAYS_0001 * US_PER_DAY, (DAYS_9999 + 1) * US_PER_DAY - 1);
        if (i % 4 == 0)
            us = rand_range(-100 * 365 * US_PER_DAY, 200 * 365 * US_PER_DAY);
        bool is_utc = i % 2;
        size_t n = buzz_format_timestamp(us, is_utc, text);
        if (!scan(text, n, &sc) || !buzz_dt_days(&sc, BUZZ_DATE_YMD, &got_days) ||
            (int64_t)got_days * US_PER_DAY + sc.time_us != us ||
            ((sc.flags & BUZZ_DT_HAS_OFFSET) != 0) != is_utc)
            fail_msg("timestamp %lld: \"%s\" does not scan back", (long long)us, text);
        /* The same instant written with an offset. */
        int32_t off = (int32_t)rand_range(-18 * 60, 18 * 60) * 60;
        int64_t local = us + off * US_PER_SECOND;
        if (local < DAYS_0001 * US_PER_DAY || local >= (DAYS_9999 + 1) * US_PER_DAY)
            continue;
        n = buzz_format_timestamp(local, false, text);
        int32_t a = off < 0 ? -off : off;
        snprintf(text + n, sizeof text - n, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
                 (int)(a / 60 % 60));
        text[10] = 'T';
        if (!scan(text, strlen(text), &sc) || !buzz_dt_days(&sc, BUZZ_DATE_YMD, &got_days) ||
            (int64_t)got_days * US_PER_DAY + sc.time_us - sc.offset_s * US_PER_SECOND != us)
            fail_msg("timestamp %lld: \"%s\" does not scan back", (long long)us, text);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Explicit formats. */
static void test_format_init(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want; /* NULL = accepted; else a part of the message */
    } cases[] = {
        {"%Y-%m-%d", NULL},
        {"%d/%m/%Y %I:%M %p", NULL},
        {"%Y-%m-%dT%H:%M:%S.%f%z", NULL},
        {"%%%Y-%m", NULL},
        {"%H", NULL},
        {"%b %Y", NULL},
        {"%B %d, %Y", NULL},
        {"%y%m%d", NULL},
        {"%Y-%q-%d", "directive \"%q\" is unknown"},
        {"%Y-%m-%d %j", "\"%j\" (day of the year) is not supported"},
        {"%Y-%m-%d%", "lone '%'"},
        {"%Y %Y", "\"%Y\" gives a field a second time"},
        {"%Y %y", "\"%y\" gives a field a second time"},
        {"%m %b %Y", "\"%b\" gives a field a second time"},
        {"%b %B %Y", "\"%B\" gives a field a second time"},
        {"%H %I %p", "\"%I\" gives a field a second time"},
        {"%I:%M", "%I (12-hour clock) needs %p"},
        {"%H:%M %p", "%p (AM/PM) needs %I"},
        {"%M", "%M needs %H or %I"},
        {"%H:%S", "%S needs %M"},
        {"%H:%M:%f", "%f (fraction of a second) needs %S"},
        {"%d %Y", "%d needs a month"},
        {"", "empty"},
        {"abc", "no directive"},
        {"%\xff", "directive \"%\\xff\" is unknown"},
        {"%E", "\"%E\" is unknown"},
        {"%Y-%m-%d                                                      x", NULL}, /* 63 bytes */
        {"%Y-%m-%d                                                       x", "too long"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_dt_format f;
        buzz_error err;
        memset(&err, 0, sizeof err);
        buzz_status st = buzz_dt_format_init(&f, cases[i].text, &err);
        if ((st == BUZZ_OK) != (cases[i].want == NULL))
            fail_msg("case %zu \"%s\": status %d, message \"%s\"", i, cases[i].text, (int)st,
                     err.message);
        if (st == BUZZ_OK) {
            assert_string_equal(f.text, cases[i].text);
            continue;
        }
        assert_int_equal(st, BUZZ_ERR_ARG);
        assert_int_equal(err.code, BUZZ_ERR_ARG);
        if (!strstr(err.message, cases[i].want))
            fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, cases[i].text, err.message,
                     cases[i].want);
        /* A refused format parses nothing. */
        int64_t v;
        assert_int_equal(buzz_dt_parse_format(&f, BUZZ_TYPE_DATE, "2024-01-12", 10, &v),
                         BUZZ_PARSE_INVALID);
        assert_int_equal(buzz_dt_format_init(&f, cases[i].text, NULL), BUZZ_ERR_ARG);
    }
    buzz_dt_format f;
    assert_int_equal(buzz_dt_format_init(&f, NULL, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz_dt_format_init(NULL, "%Y", NULL), BUZZ_ERR_ARG);
    memset(&f, 0, sizeof f);
    int64_t v;
    assert_int_equal(buzz_dt_parse_format(&f, BUZZ_TYPE_DATE, "", 0, &v), BUZZ_PARSE_INVALID);
    memset(f.text, 'x', sizeof f.text); /* not NUL-terminated: refused, never over-read */
    assert_int_equal(buzz_dt_parse_format(&f, BUZZ_TYPE_DATE, "x", 1, &v), BUZZ_PARSE_INVALID);
}

#define D BUZZ_TYPE_DATE
#define T BUZZ_TYPE_TIME
#define TS BUZZ_TYPE_TIMESTAMP
#define TZ BUZZ_TYPE_TIMESTAMP_TZ
#define OK BUZZ_PARSE_OK
#define BAD BUZZ_PARSE_INVALID
#define OVER BUZZ_PARSE_OVERFLOW
#define LOST BUZZ_PARSE_PRECISION

static void test_parse_format(void **state)
{
    (void)state;
    static const struct {
        const char *fmt;
        buzz_type type;
        const char *in;
        buzz_parse_result want;
        const char *value; /* formatted result when OK */
    } cases[] = {
        {"%Y-%m-%d", D, "2024-01-12", OK, "2024-01-12"},
        {"%Y-%m-%d", D, "2024-1-2", OK, "2024-01-02"},
        {"%Y-%m-%d", D, "0001-01-01", OK, "0001-01-01"},
        {"%Y-%m-%d", D, "9999-12-31", OK, "9999-12-31"},
        {"%Y-%m-%d", D, "2024-02-29", OK, "2024-02-29"},
        {"%Y-%m-%d", D, "2023-02-29", BAD, NULL},
        {"%Y-%m-%d", D, "2024-02-30", BAD, NULL},
        {"%Y-%m-%d", D, "2024-13-01", BAD, NULL},
        {"%Y-%m-%d", D, "2024-00-01", BAD, NULL},
        {"%Y-%m-%d", D, "2024-01-00", BAD, NULL},
        {"%Y-%m-%d", D, "0000-01-01", OVER, NULL},
        {"%Y-%m-%d", D, "24-01-12", BAD, NULL},
        {"%Y-%m-%d", D, "2024-01-12 ", BAD, NULL},
        {"%Y-%m-%d", D, "2024-01-12x", BAD, NULL},
        {"%Y-%m-%d", D, "2024-001-12", BAD, NULL},
        {"%Y-%m-%d", D, "", BAD, NULL},
        {"%d/%m/%Y", D, "12/01/2024", OK, "2024-01-12"},
        {"%m/%d/%Y", D, "12/01/2024", OK, "2024-12-01"},
        {"%m/%d/%Y", D, "13/01/2024", BAD, NULL},
        {"%d.%m.%y", D, "1.2.24", OK, "2024-02-01"},
        {"%d.%m.%y", D, "1.2.68", OK, "2068-02-01"},
        {"%d.%m.%y", D, "1.2.69", OK, "1969-02-01"},
        {"%d.%m.%y", D, "1.2.2024", BAD, NULL},
        {"%Y%m%d", D, "20240112", OK, "2024-01-12"},
        {"%y%m%d", D, "240112", OK, "2024-01-12"},
        {"%d %b %Y", D, "12 Jan 2024", OK, "2024-01-12"},
        {"%d %b %Y", D, "12   JANUARY 2024", OK, "2024-01-12"},
        {"%d %b %Y", D, "12\tsept 2024", OK, "2024-09-12"},
        {"%d %b %Y", D, "12 Mayday 2024", BAD, NULL},
        {"%d %b %Y", D, "12Jan 2024", BAD, NULL},
        {"%d %b %Y", D, "12 Jnu 2024", BAD, NULL},
        {"%B %d, %Y", D, "January 12, 2024", OK, "2024-01-12"},
        {"%B %d, %Y", D, "Jan 12, 2024", OK, "2024-01-12"},
        {"%b%d %Y", D, "Sept5 2024", OK, "2024-09-05"},
        {"%b%d %Y", D, "September5 2024", OK, "2024-09-05"},
        {"%b-%y", D, "Mar-24", OK, "2024-03-01"},
        {"%Y-%m", D, "2024-03", OK, "2024-03-01"},
        {"%Y", D, "2024", BAD, NULL},
        {"%%%Y-%m", D, "%2024-01", OK, "2024-01-01"},
        {"%%%Y-%m", D, "2024-01", BAD, NULL},
        {"%Y-%m-%d %H:%M:%S", D, "2024-01-12 00:00:00", OK, "2024-01-12"},
        {"%Y-%m-%d %H:%M:%S", D, "2024-01-12 13:45:00", LOST, NULL},
        {"%Y-%m-%d %I:%M %p", D, "2024-01-12 12:00 AM", OK, "2024-01-12"},
        {"%Y-%m-%d%z", D, "2024-01-12Z", OK, "2024-01-12"},
        {"%Y-%m-%d%z", D, "2024-01-12+01:00", BAD, NULL},
        {"%Y-%m-%d %H:%M:%S", TS, "2024-01-12 13:45:30", OK, "2024-01-12 13:45:30"},
        {"%Y-%m-%d %H:%M:%S", TS, "2024-01-12 24:00:00", BAD, NULL},
        {"%Y-%m-%d %H:%M:%S", TS, "2024-01-12 13:45:60", BAD, NULL},
        {"%Y-%m-%d %H:%M:%S", T, "2024-01-12 13:45:30", BAD, NULL},
        {"%Y-%m-%d %H:%M:%S", TZ, "2024-01-12 13:45:30", OK, "2024-01-12 13:45:30Z"},
        {"%Y-%m-%d", TS, "2024-01-12", OK, "2024-01-12 00:00:00"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30+01:00", OK, "2024-01-12 12:45:30Z"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30Z", OK, "2024-01-12 13:45:30Z"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30-0530", OK, "2024-01-12 19:15:30Z"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30+05", OK, "2024-01-12 08:45:30Z"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T01:00:00+02:00", OK, "2024-01-11 23:00:00Z"},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30+19:00", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30+05:60", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S%z", TZ, "2024-01-12T13:45:30 UTC", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S%z", TS, "2024-01-12T13:45:30Z", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S%z", TS, "2024-01-12T13:45:30+01:00", BAD, NULL},
        {"%Y-%m-%dT%H:%M:%S.%f%z", TZ, "2024-01-12T13:45:30.123456789Z", LOST, NULL},
        {"%Y-%m-%dT%H:%M:%S.%f%z", TZ, "2024-01-12T13:45:30.123000000Z", OK,
         "2024-01-12 13:45:30.123Z"},
        {"%Y-%m-%dT%H:%M:%S.%f%z", TZ, "2024-01-12T13:45:30.Z", BAD, NULL},
        {"%Y-%m-%d %H:%M%z", TZ, "0001-01-01 00:00+01:00", OVER, NULL},
        {"%Y-%m-%d %H:%M%z", TZ, "0001-01-01 01:00+01:00", OK, "0001-01-01 00:00:00Z"},
        {"%Y-%m-%d %H:%M%z", TZ, "9999-12-31 23:30-01:00", OVER, NULL},
        {"%Y-%m-%d %H:%M%z", TZ, "9999-12-31 23:30+01:00", OK, "9999-12-31 22:30:00Z"},
        {"%Y-%m-%d %H:%M%z", TZ, "1969-12-31 23:59-00:01", OK, "1970-01-01 00:00:00Z"},
        {"%H:%M", T, "13:45", OK, "13:45:00"},
        {"%H:%M", T, "9:05", OK, "09:05:00"},
        {"%H:%M", T, "24:00", OK, "24:00:00"},
        {"%H:%M", T, "24:01", BAD, NULL},
        {"%H:%M", T, "25:00", BAD, NULL},
        {"%H:%M", T, "12:60", BAD, NULL},
        {"%H:%M", T, "12:5", BAD, NULL},
        {"%H:%M", T, "123:00", BAD, NULL},
        {"%H:%M", TS, "13:45", BAD, NULL},
        {"%H:%M", D, "13:45", BAD, NULL},
        {"%H:%M%z", T, "13:45Z", BAD, NULL},
        {"%H:%M:%S.%f", T, "13:45:30.5", OK, "13:45:30.5"},
        {"%H:%M:%S.%f", T, "13:45:30.000001", OK, "13:45:30.000001"},
        {"%H:%M:%S.%f", T, "13:45:30.1234567", LOST, NULL},
        {"%H:%M:%S.%f", T, "13:45:30.1234560", OK, "13:45:30.123456"},
        {"%H:%M:%S.%f", T, "24:00:00.0", OK, "24:00:00"},
        {"%H:%M:%S.%f", T, "24:00:00.5", BAD, NULL},
        {"%I:%M %p", T, "1:45 PM", OK, "13:45:00"},
        {"%I:%M %p", T, "1:45 pm", OK, "13:45:00"},
        {"%I:%M %p", T, "12:00 am", OK, "00:00:00"},
        {"%I:%M %p", T, "12:30 PM", OK, "12:30:00"},
        {"%I:%M %p", T, "13:00 PM", BAD, NULL},
        {"%I:%M %p", T, "0:30 AM", BAD, NULL},
        {"%I:%M %p", T, "1:45 XM", BAD, NULL},
        {"%I:%M %p", T, "1:45", BAD, NULL},
        {"%I:%M%p", T, "1:45pm", OK, "13:45:00"},
        {"%H", T, "7", OK, "07:00:00"},
        {"%d/%m/%Y %I:%M %p", TS, "1/2/2024 1:45 PM", OK, "2024-02-01 13:45:00"},
        {"%d/%m/%Y %I:%M %p", TS, "1/2/2024 12:05 AM", OK, "2024-02-01 00:05:00"},
        {"%Y-%m-%d", BUZZ_TYPE_BOOLEAN, "2024-01-12", BAD, NULL},
        {"%Y-%m-%d", BUZZ_TYPE_VARCHAR, "2024-01-12", BAD, NULL},
        {"%Y-%m-%d", T, "2024-01-12", BAD, NULL},
        {"%Y-%m-%d", D, "\xff\xfe", BAD, NULL},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_dt_format f;
        if (buzz_dt_format_init(&f, cases[i].fmt, NULL) != BUZZ_OK)
            fail_msg("case %zu: format \"%s\" refused", i, cases[i].fmt);
        int64_t v = -12345;
        buzz_parse_result r = parse_fmt(&f, cases[i].type, cases[i].in, &v);
        if (r != cases[i].want)
            fail_msg("case %zu \"%s\" with \"%s\": result %d, want %d", i, cases[i].in,
                     cases[i].fmt, (int)r, (int)cases[i].want);
        if (r != OK)
            continue;
        char got[BUZZ_DT_FORMAT_MAX];
        if (cases[i].type == D)
            buzz_format_date((int32_t)v, got);
        else if (cases[i].type == T)
            buzz_format_time(v, got);
        else
            buzz_format_timestamp(v, cases[i].type == TZ, got);
        if (strcmp(got, cases[i].value) != 0)
            fail_msg("case %zu \"%s\" with \"%s\": got %s, want %s", i, cases[i].in, cases[i].fmt,
                     got, cases[i].value);
    }
}

/* Formats against the scanner: random timestamps written by format, read back by format. */
static void test_parse_format_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    buzz_dt_format iso, dmy, named, tz;
    assert_int_equal(buzz_dt_format_init(&iso, "%Y-%m-%d %H:%M:%S.%f", NULL), BUZZ_OK);
    assert_int_equal(buzz_dt_format_init(&dmy, "%d/%m/%Y %I:%M:%S %p", NULL), BUZZ_OK);
    assert_int_equal(buzz_dt_format_init(&named, "%B %d, %Y", NULL), BUZZ_OK);
    assert_int_equal(buzz_dt_format_init(&tz, "%Y-%m-%dT%H:%M:%S%z", NULL), BUZZ_OK);
    for (int i = 0; i < 100000; i++) {
        int64_t secs = rand_range((int64_t)DAYS_0001 * 86400, (int64_t)(DAYS_9999 + 1) * 86400 - 1);
        int64_t us = secs * US_PER_SECOND + rand_range(0, 999999);
        int64_t days = secs / 86400 - (secs % 86400 < 0);
        int64_t tod_s = secs - days * 86400;
        int32_t y;
        unsigned m, d;
        buzz_civil_from_days((int32_t)days, &y, &m, &d);
        unsigned hh = (unsigned)(tod_s / 3600), mi = (unsigned)(tod_s / 60 % 60);
        unsigned ss = (unsigned)(tod_s % 60);
        char text[96];
        int64_t v;
        snprintf(text, sizeof text, "%04d-%02u-%02u %02u:%02u:%02u.%06d", (int)y, m, d, hh, mi, ss,
                 (int)(us - secs * US_PER_SECOND));
        if (parse_fmt(&iso, TS, text, &v) != OK || v != us)
            fail_msg("\"%s\" does not parse back to %lld", text, (long long)us);
        unsigned h12 = hh % 12 ? hh % 12 : 12;
        snprintf(text, sizeof text, "%u/%u/%04d %u:%02u:%02u %s", d, m, (int)y, h12, mi, ss,
                 hh < 12 ? "AM" : "pm");
        if (parse_fmt(&dmy, TS, text, &v) != OK || v != secs * US_PER_SECOND)
            fail_msg("\"%s\" does not parse back", text);
        snprintf(text, sizeof text, "%s %u, %04d", names[m - 1], d, (int)y);
        if (parse_fmt(&named, D, text, &v) != OK || v != days)
            fail_msg("\"%s\" does not parse back", text);
        int off = (int)rand_range(-18, 18) * 3600;
        int64_t local = secs + off;
        if (local < (int64_t)DAYS_0001 * 86400 || local >= (int64_t)(DAYS_9999 + 1) * 86400)
            continue;
        size_t n = buzz_format_timestamp(local * US_PER_SECOND, false, text);
        text[10] = 'T';
        snprintf(text + n, sizeof text - n, "%c%02d", off < 0 ? '-' : '+', abs(off) / 3600);
        if (parse_fmt(&tz, TZ, text, &v) != OK || v != secs * US_PER_SECOND)
            fail_msg("\"%s\" does not parse back to %lld", text, (long long)secs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_shapes),
        cmocka_unit_test(test_scan_days),
        cmocka_unit_test(test_civil_full_range),
        cmocka_unit_test(test_civil_vs_libc),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_format_init),
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_parse_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
