/* buzz/types.h: column types, exact value parsers, whole-file type inference and the schema
 * document. The value parsers are pure functions over pointer+length text (no locale, no libc
 * strto*, no allocation): numbers with overflow checks, decimals in integer arithmetic, correctly
 * rounded doubles, and dates/times/timestamps with Buzz's own proleptic Gregorian arithmetic
 * (years 1-9999). Inference (buzz_infer_*) sees every value of every column, widens along the
 * lattice NULL -> BOOLEAN -> INTEGER -> DECIMAL -> DOUBLE -> VARCHAR (plus DATE, TIMESTAMP, TIME)
 * and never fails late. Thread-safety: parsers are reentrant; an inference state is used by one
 * thread at a time, and states filled by different threads are merged with buzz_infer_merge. */
#ifndef BUZZ_TYPES_H
#define BUZZ_TYPES_H

#include "buzz/util.h"

/* ---------------------------------------------------------------------------------------------
 * Column types. */
typedef enum buzz_type {
    BUZZ_TYPE_NULL = 0,     /* no value seen at all; written as a nullable VARCHAR */
    BUZZ_TYPE_BOOLEAN,
    BUZZ_TYPE_INT32,
    BUZZ_TYPE_INT64,
    BUZZ_TYPE_DECIMAL,      /* precision 1-38, scale 0-precision; exact */
    BUZZ_TYPE_DOUBLE,
    BUZZ_TYPE_DATE,         /* days since 1970-01-01 */
    BUZZ_TYPE_TIME,         /* microseconds since midnight */
    BUZZ_TYPE_TIMESTAMP,    /* microseconds since 1970-01-01 00:00, naive (no zone) */
    BUZZ_TYPE_TIMESTAMP_TZ, /* microseconds since 1970-01-01 00:00 UTC (offsets applied) */
    BUZZ_TYPE_VARCHAR,
    BUZZ_TYPE_COUNT
} buzz_type;

/* Static lower-case name ("boolean", "int32", "decimal", "timestamp_tz", ...). */
const char *buzz_type_name(buzz_type t);
/* Parse a type name as written in schema documents and on the command line: the names above plus
 * aliases (integer, bigint, int, text, string, float, real, datetime, timestamptz, bool) and
 * "decimal(p,s)" / "numeric(p,s)". Fills *out_precision/*out_scale for decimals (0 otherwise). */
BUZZ_NODISCARD buzz_status buzz_type_parse(const char *text, size_t len, buzz_type *out,
                                           int *out_precision, int *out_scale, buzz_error *err);

/* 128-bit signed integer for DECIMAL(p<=38) values (unscaled). */
__extension__ typedef __int128 buzz_i128;

/* ---------------------------------------------------------------------------------------------
 * Results of the value parsers. */
typedef enum buzz_parse_result {
    BUZZ_PARSE_OK = 0,
    BUZZ_PARSE_INVALID,  /* not a value of this type */
    BUZZ_PARSE_OVERFLOW, /* the right shape, but out of the type's range */
    BUZZ_PARSE_PRECISION /* would lose digits (more decimals than the scale, > 6 fraction digits) */
} buzz_parse_result;

/* ---------------------------------------------------------------------------------------------
 * Doubles. s is ASCII: optional sign, digits with an optional '.', optional exponent
 * ([eE][+-]?digits), or (any case) "inf", "infinity", "nan" with an optional sign. No spaces,
 * no grouping. The result is correctly rounded (round-half-even), like glibc's strtod in the C
 * locale: an Eisel-Lemire fast path, with an exact big-decimal fallback for the rare hard cases.
 * Overflow gives +-inf and BUZZ_PARSE_OVERFLOW (so inference can refuse it); underflow gives a
 * correctly rounded subnormal or zero and BUZZ_PARSE_OK. */
buzz_parse_result buzz_parse_double(const char *s, size_t len, double *out);

/* ---------------------------------------------------------------------------------------------
 * Dates, times and timestamps.
 *
 * buzz_dt_scan reads a value once, without deciding day/month order, and says what it could be:
 * a date ("2024-01-12", "12/01/2024", "1.2.24", "12-Jan-2024", "Jan 12, 2024", "12 January 2024"),
 * a time ("13:45", "13:45:30.25", "1:45 PM"), or a timestamp (a date, then 'T' or spaces, then a
 * time, then optionally "Z", "UTC", "GMT", "+hh:mm", "+hhmm" or "+hh"). Leading/trailing blanks are
 * not accepted (the caller trims). */
typedef enum buzz_date_order {
    BUZZ_DATE_YMD = 0,
    BUZZ_DATE_DMY,
    BUZZ_DATE_MDY,
    BUZZ_DATE_ORDER_COUNT
} buzz_date_order;

#define BUZZ_DATE_ORDER_BIT(o) (1u << (o))

/* Two-digit years: 00-68 are 2000-2068, 69-99 are 1969-1999 (the POSIX strptime %y rule). */
#define BUZZ_DT_PIVOT_YEAR 69

enum {
    BUZZ_DT_HAS_DATE = 1u << 0,
    BUZZ_DT_HAS_TIME = 1u << 1,
    BUZZ_DT_HAS_OFFSET = 1u << 2, /* an explicit zone: Z, UTC, GMT or a numeric offset */
    BUZZ_DT_MONTH_NAME = 1u << 3, /* the month was written as a name (Jan, January) */
    BUZZ_DT_YEAR2 = 1u << 4,      /* a two-digit year */
    BUZZ_DT_AMPM = 1u << 5,       /* a 12-hour clock with AM/PM */
    BUZZ_DT_T_SEP = 1u << 6,      /* date and time separated by 'T' (else blanks) */
};

typedef struct buzz_dt_scan {
    uint32_t flags;       /* BUZZ_DT_* */
    uint32_t orders;      /* BUZZ_DATE_ORDER_BIT set of the orders that give a valid calendar date
                             (checked with month lengths and leap years); 0 without a date */
    char date_sep;        /* '-', '/', '.', ' ' (month-name forms), or 0 without a date */
    int32_t field[3];     /* date fields in written order; a month name becomes its number */
    int64_t time_us;      /* microseconds since midnight (AM/PM applied); 0 without a time */
    int32_t offset_s;     /* zone offset east of UTC in seconds; 0 without one */
} buzz_dt_scan;

/* Returns true and fills *out when s has one of the shapes above; false otherwise. A value with more
 * than 6 fraction digits in its seconds (beyond microseconds) is refused unless the extra digits are
 * zeros, so no digit is ever lost. Hours 0-23 (24:00:00 accepted as end of day only for TIME),
 * minutes/seconds 0-59 (a leap second :60 is refused). */
bool buzz_dt_scan_value(const char *s, size_t len, buzz_dt_scan *out);

/* The date of a scanned value read in the given order, as days since 1970-01-01. False when the
 * order is not in sc->orders. Two-digit years follow BUZZ_DT_PIVOT_YEAR. */
bool buzz_dt_days(const buzz_dt_scan *sc, buzz_date_order order, int32_t *out_days);

/* Civil-date arithmetic, proleptic Gregorian. days_from_civil is valid for years 1-9999 (and beyond,
 * but the parsers refuse them); civil_from_days is its exact inverse. */
int32_t buzz_days_from_civil(int32_t year, unsigned month, unsigned day);
void buzz_civil_from_days(int32_t days, int32_t *out_year, unsigned *out_month, unsigned *out_day);
bool buzz_is_leap_year(int32_t year);
unsigned buzz_days_in_month(int32_t year, unsigned month); /* month 1-12 */

/* Explicit formats from a schema document, strptime-like but locale-free and strict (the whole value
 * must match): %Y (4-digit year), %y (2-digit, pivot above), %m, %d (1 or 2 digits), %b/%B (month
 * name, short or long, any case), %H, %I (12-hour, needs %p), %M, %S, %f (1-6 fraction digits),
 * %p (AM/PM any case), %z (Z, +hh:mm, +hhmm, +hh), %j is not supported, %% is '%', any other byte
 * matches itself, and a space matches one or more blanks. */
typedef struct buzz_dt_format {
    char text[64]; /* the format as given */
} buzz_dt_format;
/* Check a format: BUZZ_ERR_ARG naming the unknown or misplaced directive. */
BUZZ_NODISCARD buzz_status buzz_dt_format_init(buzz_dt_format *f, const char *text,
                                               buzz_error *err);
/* Parse s with the format into the requested type: BUZZ_TYPE_DATE (days), BUZZ_TYPE_TIME (us),
 * BUZZ_TYPE_TIMESTAMP (us, naive; an offset in the value is refused) or BUZZ_TYPE_TIMESTAMP_TZ (us
 * UTC; a value without an offset is taken as UTC). */
buzz_parse_result buzz_dt_parse_format(const buzz_dt_format *f, buzz_type type, const char *s,
                                       size_t len, int64_t *out);

/* Format values the way Buzz writes them in CSV output and in messages (ISO 8601):
 * "2024-01-12", "13:45:30.25", "2024-01-12 13:45:30", "2024-01-12 12:45:30Z" (TZ, always UTC).
 * Fraction digits are printed only when non-zero, trailing zeros trimmed. Returns the length
 * written (without NUL); out must hold BUZZ_DT_FORMAT_MAX bytes. */
#define BUZZ_DT_FORMAT_MAX 40
size_t buzz_format_date(int32_t days, char *out);
size_t buzz_format_time(int64_t us, char *out);
size_t buzz_format_timestamp(int64_t us, bool is_utc, char *out);

#endif /* BUZZ_TYPES_H */
