/* fuzz/fuzz_datetime.c: libFuzzer target for the date/time scanner and the explicit-format parser
 * (src/types/parse_datetime.c, datetime.c). The whole input is scanned as one value; when it scans,
 * every order in the mask must give a day in years 1-9999, that day formatted and scanned again
 * must give it back (likewise times and timestamps), and the strptime-like format that spells the
 * value's shape must agree with the mask exactly. Then byte 0 splits the input: its low two bits
 * pick DATE, TIME, TIMESTAMP or TIMESTAMP_TZ, its high six bits a format length; that many bytes
 * (cut at a NUL) are a format for buzz_dt_format_init and the rest is parsed with it. Results must
 * stay in range and format without trouble. Values are copied to exact-size buffers so ASan
 * catches any read past their end. Any violation aborts. Seeds: fuzz/seeds/fuzz_datetime/. */
#include "buzz/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_SECOND INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SECOND)
#define DAYS_0001 (-719162)
#define DAYS_9999 2932896

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_datetime: %s\n", what);
        abort();
    }
}

static bool scan_copy(const char *s, size_t len, buzz_dt_scan *out)
{
    char *copy = malloc(len ? len : 1);
    check(copy != NULL, "out of memory");
    memcpy(copy, s, len);
    bool ok = buzz_dt_scan_value(copy, len, out);
    free(copy);
    return ok;
}

/* The format spelling a scanned numeric or "12-Jan-2024"-style date in one order; false when the
 * shape has no single spelling (space-separated name forms may carry a comma). */
static bool date_format(const buzz_dt_scan *sc, buzz_date_order order, char *fmt, size_t cap)
{
    if (sc->date_sep == ' ')
        return false;
    const char *year = (sc->flags & BUZZ_DT_YEAR2) ? "%y" : "%Y";
    const char *month = (sc->flags & BUZZ_DT_MONTH_NAME) ? "%b" : "%m";
    const char *a = year, *b = month, *c = "%d";
    if (order == BUZZ_DATE_DMY) {
        a = "%d";
        c = year;
    } else if (order == BUZZ_DATE_MDY) {
        a = month;
        b = "%d";
        c = year;
    }
    snprintf(fmt, cap, "%s%c%s%c%s", a, sc->date_sep, b, sc->date_sep, c);
    return true;
}

static void check_date(const char *s, size_t len, const buzz_dt_scan *sc, int32_t *out_first)
{
    bool have_first = false;
    for (int o = 0; o < BUZZ_DATE_ORDER_COUNT; o++) {
        bool in_mask = (sc->orders & BUZZ_DATE_ORDER_BIT(o)) != 0;
        int32_t days = 0;
        check(buzz_dt_days(sc, (buzz_date_order)o, &days) == in_mask, "buzz_dt_days vs mask");
        char fmt[32];
        bool pure_date = !(sc->flags & BUZZ_DT_HAS_TIME);
        if (pure_date && date_format(sc, (buzz_date_order)o, fmt, sizeof fmt)) {
            buzz_dt_format f;
            int64_t v = 0;
            check(buzz_dt_format_init(&f, fmt, NULL) == BUZZ_OK, "derived format refused");
            buzz_parse_result r = buzz_dt_parse_format(&f, BUZZ_TYPE_DATE, s, len, &v);
            /* With a name the scanner picks one reading ("12-Jan-24" is DMY, never YMD), so
             * there the mask need only be a subset of what the formats accept. */
            bool is_named = (sc->flags & BUZZ_DT_MONTH_NAME) != 0;
            check((r == BUZZ_PARSE_OK) == in_mask || (is_named && !in_mask),
                  "format parser disagrees with the mask");
            check(!in_mask || v == days, "format parser gives another day");
        }
        if (!in_mask)
            continue;
        check(days >= DAYS_0001 && days <= DAYS_9999, "day out of range");
        char text[BUZZ_DT_FORMAT_MAX];
        buzz_dt_scan again;
        int32_t back;
        size_t n = buzz_format_date(days, text);
        check(scan_copy(text, n, &again), "formatted date does not scan");
        check(again.orders == BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD), "formatted date not YMD");
        check(buzz_dt_days(&again, BUZZ_DATE_YMD, &back) && back == days, "date round trip");
        if (!have_first)
            *out_first = days;
        have_first = true;
    }
}

static void check_time(const char *s, size_t len, const buzz_dt_scan *sc)
{
    check(sc->time_us >= 0 && sc->time_us <= US_PER_DAY, "time out of range");
    char text[BUZZ_DT_FORMAT_MAX];
    buzz_dt_scan again;
    size_t n = buzz_format_time(sc->time_us, text);
    check(scan_copy(text, n, &again) && again.time_us == sc->time_us, "time round trip");
    if (sc->flags & BUZZ_DT_AMPM)
        return;
    /* Without AM/PM the value's own shape is one format: %H:%M[:%S[.%f]]. */
    size_t colons = 0;
    bool has_frac = false;
    for (size_t i = 0; i < len; i++) {
        colons += s[i] == ':';
        has_frac |= s[i] == '.';
    }
    char fmt[32];
    snprintf(fmt, sizeof fmt, "%%H:%%M%s%s", colons > 1 ? ":%S" : "", has_frac ? ".%f" : "");
    buzz_dt_format f;
    int64_t v = -1;
    check(buzz_dt_format_init(&f, fmt, NULL) == BUZZ_OK, "derived time format refused");
    check(buzz_dt_parse_format(&f, BUZZ_TYPE_TIME, s, len, &v) == BUZZ_PARSE_OK && v == sc->time_us,
          "format parser disagrees on a time");
}

static void check_scan(const char *s, size_t len)
{
    buzz_dt_scan sc;
    if (!scan_copy(s, len, &sc))
        return;
    bool has_date = (sc.flags & BUZZ_DT_HAS_DATE) != 0, has_time = (sc.flags & BUZZ_DT_HAS_TIME);
    check(has_date || has_time, "scan without date or time");
    check(has_date == (sc.orders != 0), "HAS_DATE vs orders");
    check(sc.offset_s >= -18 * 3600 && sc.offset_s <= 18 * 3600, "offset out of range");
    check(!(sc.flags & BUZZ_DT_HAS_OFFSET) || (has_date && has_time), "zone without timestamp");
    int32_t days = 0;
    if (has_date)
        check_date(s, len, &sc, &days);
    if (!has_date) {
        check_time(s, len, &sc);
        return;
    }
    if (!has_time)
        return;
    check(sc.time_us >= 0 && sc.time_us < US_PER_DAY, "timestamp time out of range");
    bool is_utc = (sc.flags & BUZZ_DT_HAS_OFFSET) != 0;
    int64_t us = (int64_t)days * US_PER_DAY + sc.time_us;
    char text[BUZZ_DT_FORMAT_MAX];
    buzz_dt_scan again;
    int32_t back;
    size_t n = buzz_format_timestamp(us, is_utc, text);
    check(scan_copy(text, n, &again) && buzz_dt_days(&again, BUZZ_DATE_YMD, &back),
          "formatted timestamp does not scan");
    check((int64_t)back * US_PER_DAY + again.time_us == us, "timestamp round trip");
    check(((again.flags & BUZZ_DT_HAS_OFFSET) != 0) == is_utc && again.offset_s == 0,
          "timestamp zone round trip");
}

static void check_format(const uint8_t *data, size_t size)
{
    static const buzz_type types[] = {BUZZ_TYPE_DATE, BUZZ_TYPE_TIME, BUZZ_TYPE_TIMESTAMP,
                                      BUZZ_TYPE_TIMESTAMP_TZ};
    buzz_type type = types[data[0] & 3];
    size_t flen = data[0] >> 2;
    if (flen > size - 1)
        flen = size - 1;
    char text[64];
    memcpy(text, data + 1, flen);
    text[flen] = '\0'; /* a NUL inside cuts the format there */
    buzz_dt_format f;
    buzz_error err;
    buzz_status st = buzz_dt_format_init(&f, text, &err);
    if (st != BUZZ_OK) {
        check(st == BUZZ_ERR_ARG && err.code == BUZZ_ERR_ARG && err.message[0], "format error");
        return;
    }
    size_t vlen = size - 1 - flen;
    char *value = malloc(vlen ? vlen : 1);
    check(value != NULL, "out of memory");
    memcpy(value, data + 1 + flen, vlen);
    int64_t v = 0;
    buzz_parse_result r = buzz_dt_parse_format(&f, type, value, vlen, &v);
    free(value);
    check(r <= BUZZ_PARSE_PRECISION, "parse result");
    if (r != BUZZ_PARSE_OK)
        return;
    char out[BUZZ_DT_FORMAT_MAX];
    if (type == BUZZ_TYPE_DATE) {
        check(v >= DAYS_0001 && v <= DAYS_9999, "parsed date out of range");
        buzz_format_date((int32_t)v, out);
    } else if (type == BUZZ_TYPE_TIME) {
        check(v >= 0 && v <= US_PER_DAY, "parsed time out of range");
        buzz_format_time(v, out);
    } else {
        check(v >= DAYS_0001 * US_PER_DAY && v < (DAYS_9999 + 1) * US_PER_DAY,
              "parsed timestamp out of range");
        buzz_format_timestamp(v, type == BUZZ_TYPE_TIMESTAMP_TZ, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_scan((const char *)data, size);
    if (size > 0)
        check_format(data, size);
    return 0;
}
