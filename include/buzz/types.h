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

#include "buzz/csv.h"
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
 * "decimal(p,s)" / "numeric(p,s)". Fills *out_precision and *out_scale for decimals (0 otherwise). */
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
 * correctly rounded subnormal or zero and BUZZ_PARSE_OK. A written "inf"/"infinity" is
 * BUZZ_PARSE_OK; "-nan" has its sign bit set (as glibc). On BUZZ_PARSE_INVALID *out is untouched. */
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


/* ---------------------------------------------------------------------------------------------
 * Numbers as people write them. A style fixes the decimal mark and the thousands separator; a value
 * is read under one style at a time (inference keeps every style that still fits a column). */
typedef enum buzz_num_style {
    BUZZ_NUM_DOT = 0,            /* 1234.56                              */
    BUZZ_NUM_DOT_GROUP_COMMA,    /* 1,234.56  (groups of three)          */
    BUZZ_NUM_COMMA,              /* 1234,56                              */
    BUZZ_NUM_COMMA_GROUP_DOT,    /* 1.234,56                             */
    BUZZ_NUM_COMMA_GROUP_SPACE,  /* 1 234,56  (space, NBSP or U+202F)    */
    BUZZ_NUM_STYLE_COUNT
} buzz_num_style;

/* A unit written with the number, kept in the column's metadata, never in the value. */
typedef enum buzz_unit {
    BUZZ_UNIT_NONE = 0,
    BUZZ_UNIT_PERCENT, /* 12.5% is stored as 12.5 with unit "%" */
    BUZZ_UNIT_DOLLAR,
    BUZZ_UNIT_EURO,
    BUZZ_UNIT_POUND,
    BUZZ_UNIT_YEN,
    BUZZ_UNIT_COUNT
} buzz_unit;

const char *buzz_unit_symbol(buzz_unit u); /* "", "%", "$", "€", "£", "¥" (UTF-8) */
const char *buzz_num_style_name(buzz_num_style s); /* "1234.56", "1,234.56", ... */

enum {
    BUZZ_NUM_NEG = 1u << 0,         /* a minus sign or accounting parentheses: (12.50) */
    BUZZ_NUM_POINT = 1u << 1,       /* a decimal mark was written */
    BUZZ_NUM_EXP = 1u << 2,         /* scientific notation */
    BUZZ_NUM_GROUPED = 1u << 3,     /* thousands separators were written */
    BUZZ_NUM_LEADING_ZERO = 1u << 4,/* 007, 00501: an identifier, not a number */
    BUZZ_NUM_INF = 1u << 5,         /* inf, infinity (any case, optional sign) */
};

#define BUZZ_NUM_TEXT_MAX 96 /* longer text is never read as a number (it stays text) */

typedef struct buzz_num {
    uint32_t flags;       /* BUZZ_NUM_* */
    buzz_unit unit;
    uint32_t int_digits;  /* integer digits, leading zeros excluded (0 for "0.5") */
    uint32_t frac_digits; /* digits after the decimal mark, as written */
    uint32_t norm_len;
    char norm[BUZZ_NUM_TEXT_MAX + 8]; /* ASCII "[-]digits[.digits][e[+-]digits]" or "[-]inf" */
} buzz_num;

/* Read s (already trimmed of blanks) as a number in the given style: optional sign (+/-), a unit
 * before or after ("$1,234.50", "-$5", "12.5%", "1 234,50 €"), accounting negatives "(12.50)",
 * digits with the style's marks, an optional exponent (only without grouping), or inf/infinity.
 * False when s is not a number in that style. NaN is not read here: it is a null token. */
bool buzz_num_scan(const char *s, size_t len, buzz_num_style style, buzz_num *out);
/* The scanned number as an int64: BUZZ_PARSE_INVALID for a fraction with non-zero digits or an
 * exponent that leaves one, infinity; BUZZ_PARSE_OVERFLOW outside int64. */
buzz_parse_result buzz_num_to_int64(const buzz_num *n, int64_t *out);
/* As an unscaled decimal with the given scale (0-38): BUZZ_PARSE_PRECISION when the value has
 * non-zero digits beyond the scale (never rounded), BUZZ_PARSE_OVERFLOW beyond `precision` digits. */
buzz_parse_result buzz_num_to_decimal(const buzz_num *n, int precision, int scale, buzz_i128 *out);
/* As a double, correctly rounded (through buzz_parse_double). */
buzz_parse_result buzz_num_to_double(const buzz_num *n, double *out);

/* Decimal formatting: unscaled value v with scale s as text ("-12.50"); returns the length.
 * out must hold 42 bytes. */
size_t buzz_format_decimal(buzz_i128 v, int scale, char *out);
/* Double formatting: shortest text that reads back to the same double ("0.1", "1e+300", "inf",
 * "-inf", "nan"). out must hold 32 bytes. */
size_t buzz_format_double(double v, char *out);

/* ---------------------------------------------------------------------------------------------
 * Booleans and null tokens. */
/* true/false, t/f, yes/no, y/n in any case; with allow_digits also 1/0. */
bool buzz_parse_bool(const char *s, size_t len, bool allow_digits, bool *out);

/* A set of null tokens. The default set is "" (an unquoted empty field), NULL, null, Null, NA,
 * N/A, n/a, #N/A, -, None, nan, NaN, NAN. An empty *quoted* field is never null: it is an empty
 * string (in a typed column, where an empty string has no meaning, it is stored as NULL). */
#define BUZZ_NULL_TOKENS_MAX 32
typedef struct buzz_null_tokens {
    size_t count;
    char token[BUZZ_NULL_TOKENS_MAX][24];
    uint8_t len[BUZZ_NULL_TOKENS_MAX];
    uint32_t len_mask; /* bit i set when some token has length i (i < 24): a fast reject */
} buzz_null_tokens;

void buzz_null_tokens_default(buzz_null_tokens *t);
void buzz_null_tokens_clear(buzz_null_tokens *t); /* empty set: only the unquoted empty field */
/* Add one token (at most 23 bytes): BUZZ_ERR_LIMIT when the set is full or the token too long. */
BUZZ_NODISCARD buzz_status buzz_null_tokens_add(buzz_null_tokens *t, const char *s, size_t len,
                                                buzz_error *err);
static inline bool buzz_null_tokens_match(const buzz_null_tokens *t, const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (len >= 24 || !(t->len_mask & (1u << len)))
        return false;
    for (size_t i = 0; i < t->count; i++)
        if (t->len[i] == len && t->token[i][0] == s[0] &&
            __builtin_memcmp(t->token[i], s, len) == 0)
            return true;
    return false;
}


/* ---------------------------------------------------------------------------------------------
 * Column definitions: what inference decides, what a schema document says, what the parse stage
 * follows. One struct for all three so a user can edit what Buzz inferred and feed it back. */
#define BUZZ_EXAMPLES_MAX 3
#define BUZZ_EXAMPLE_BYTES 64

typedef struct buzz_column_def {
    /* Identity. name is the output name (trimmed, unique, never empty); header is the original
     * header text ("" without a header). Owned (buzz_malloc), freed by buzz_schema_free. */
    char *name;
    char *header;
    char *description;      /* free text from the user; "" if none */
    char *rename;           /* user documents only: the new output name; NULL if none */
    int64_t position;       /* user documents only: 1-based position given, 0 if none */
    bool include;           /* false: the column is left out of the output */
    /* Type and how values are read. */
    buzz_type type;
    int precision, scale;   /* DECIMAL only */
    bool is_user_type;      /* the type was given by the user: values that do not fit are
                               rejected (NULL + a reject record), never silently lost */
    buzz_num_style num_style;
    buzz_unit unit;
    buzz_date_order date_order;
    bool has_format;        /* an explicit strptime-like format overrides date_order */
    bool has_user_format;   /* user documents: what was given (type, format, marks, unit, include) */
    bool has_user_type, has_user_marks, has_user_unit, has_user_include;
    buzz_dt_format format;
    bool bool_digits;       /* 0/1 are booleans (only when the user says so) */
    /* Facts from inference (zero when the column came only from a schema document). */
    int64_t value_count;    /* non-null values */
    int64_t null_count;
    int64_t empty_string_count; /* empty quoted fields */
    int64_t distinct_estimate;  /* HyperLogLog estimate over non-null values */
    size_t max_bytes;           /* longest value in bytes */
    size_t example_count;
    char examples[BUZZ_EXAMPLES_MAX][BUZZ_EXAMPLE_BYTES]; /* first distinct values, NUL-terminated,
                                                            cut at a UTF-8 boundary */
} buzz_column_def;

/* Format keyword for a date/timestamp column read flexibly in an order: "ymd", "dmy", "mdy". */
const char *buzz_date_order_name(buzz_date_order o);
BUZZ_NODISCARD buzz_status buzz_date_order_parse(const char *text, buzz_date_order *out,
                                                 buzz_error *err);

/* ---------------------------------------------------------------------------------------------
 * Whole-file inference. Feed every batch of the file (buzz_infer_add_batch), possibly from several
 * threads with one state each and buzz_infer_merge in input order, then buzz_infer_finish. */
typedef struct buzz_infer_options {
    const buzz_null_tokens *nulls; /* NULL = the default set */
    bool has_date_order;        /* use date_order for ambiguous columns          --date-order */
    buzz_date_order date_order; /* else Buzz's rule: an order every value allows; when several
                                   do, DMY for '.' dates, else MDY (YMD only when it is the sole
                                   order left) */
    char delimiter;   /* the CSV delimiter: in ';' files a decimal comma is preferred */
    bool bool_digits; /* read 0/1 as booleans */
} buzz_infer_options;

typedef struct buzz_infer buzz_infer;

BUZZ_NODISCARD buzz_status buzz_infer_new(buzz_infer **out, size_t column_count,
                                          const buzz_infer_options *opts, buzz_error *err);
void buzz_infer_free(buzz_infer *inf);
/* Look at rows [row_begin, row_end) of a batch (all of its columns up to the state's count). */
void buzz_infer_add_batch(buzz_infer *inf, const buzz_csv_batch *batch, size_t row_begin,
                          size_t row_end);
/* Fold `from` into `into` as if from's values came after into's. Same column count. */
void buzz_infer_merge(buzz_infer *into, const buzz_infer *from);
/* The same with columns remapped: column i of `from` goes to column map[i] of `into` (SIZE_MAX or
 * any index past into's columns: skipped). For inputs whose columns come in another order. */
void buzz_infer_merge_mapped(buzz_infer *into, const buzz_infer *from, const size_t *map);
/* Forget everything seen (keep options and memory). */
void buzz_infer_reset(buzz_infer *inf);
/* Decide column c's definition (type, format, facts) into *out; names are left to the caller. */
void buzz_infer_column(const buzz_infer *inf, size_t c, buzz_column_def *out);


/* ---------------------------------------------------------------------------------------------
 * The schema document (docs/schema.md): what `buzz sniff --json` prints and what
 * `buzz convert --schema FILE`, the service and the web UI read. */
typedef struct buzz_schema {
    size_t column_count;
    buzz_column_def *columns; /* owned */
    char *context;            /* dataset-level free text from the user; owned, "" if none */
    char *source_name;        /* owned; "" if unknown */
    int64_t source_bytes;     /* -1 = unknown */
    bool has_source_crc32;    /* CRC-32 of the source's bytes (as stored: compressed for .gz) */
    uint32_t source_crc32;
    int64_t row_count;        /* data rows; -1 = unknown */
    int64_t reject_count;     /* values rejected by a conversion; -1 = not converted (0 when zeroed:
                                 written only by a conversion, see has_rejects) */
    bool has_rejects;
    bool has_dialect;         /* written documents: the "csv" section, how the file was read */
    buzz_csv_dialect dialect;
    bool has_csv;             /* read documents: the "csv" section as reader options (what it
                                 leaves out stays 0 = detect) */
    buzz_csv_options csv;
    bool has_nulls;           /* a "nulls" list was given (else the default set applies) */
    buzz_null_tokens nulls;
    bool has_date_order;      /* a dataset-level "date_order" for ambiguous columns */
    buzz_date_order date_order;
} buzz_schema;

/* A zeroed schema is empty and valid. */
void buzz_schema_free(buzz_schema *s);
/* Allocate n zeroed column definitions (include = true, names ""). */
BUZZ_NODISCARD buzz_status buzz_schema_init_columns(buzz_schema *s, size_t n, buzz_error *err);
/* Name the columns from header fields: trimmed; blank names become column_N (N 1-based position);
 * duplicates become name_2, name_3, ... (case-insensitive, never colliding with another name).
 * The original text goes to header. names may be NULL (no header). */
BUZZ_NODISCARD buzz_status buzz_schema_set_names(buzz_schema *s, const buzz_str *names,
                                                 buzz_error *err);
/* The document as JSON text (owned, buzz_free). Flags: BUZZ_SCHEMA_JSON_STATS adds inference facts
 * per column; BUZZ_SCHEMA_JSON_COMPACT writes it on one line (for Parquet metadata). */
#define BUZZ_SCHEMA_JSON_STATS 1u
#define BUZZ_SCHEMA_JSON_COMPACT 2u
BUZZ_NODISCARD buzz_status buzz_schema_to_json(const buzz_schema *s, unsigned flags,
                                               char **out_json, buzz_error *err);
/* Read a schema document. Errors name the JSON line/column or the field and what was expected.
 * Columns may leave out anything but a name or a position. */
BUZZ_NODISCARD buzz_status buzz_schema_parse_json(const char *text, size_t len,
                                                  const char *source_name, buzz_schema *out,
                                                  buzz_error *err);
/* Apply a user document to the file's schema: each user column is matched by position, or by name
 * (the file's column name or its header text, case-sensitive first, then case-insensitive); its
 * type (marked is_user_type), format, unit, marks, include flag, rename and description replace the
 * file's. Context, nulls and date order carry over. A user column matching nothing is an error
 * naming it. */
BUZZ_NODISCARD buzz_status buzz_schema_apply(buzz_schema *file, const buzz_schema *user,
                                             buzz_error *err);
/* "decimal(10,2)", "int64", ... into out (at least 24 bytes); returns out. */
const char *buzz_column_type_text(const buzz_column_def *d, char *out, size_t out_cap);


/* ---------------------------------------------------------------------------------------------
 * Reading one cell as its column's type. */
typedef struct buzz_value {
    bool is_null;
    union {
        bool b;
        int32_t i32;
        int64_t i64;     /* INT64; TIME, TIMESTAMP, TIMESTAMP_TZ in microseconds */
        buzz_i128 dec;   /* DECIMAL, unscaled */
        double f64;
        int32_t days;    /* DATE */
    } v;
    const char *text;    /* VARCHAR (and NULL-type columns): the cell as written */
    size_t text_len;
} buzz_value;

/* Parse a cell (quoted: it was a quoted field) for column d. Null tokens and unquoted empty fields
 * give is_null; an empty quoted field is "" for VARCHAR and NULL otherwise. Values are trimmed of
 * blanks except for VARCHAR. A value that does not fit gives is_null and a non-OK result, for the
 * caller to reject (with buzz_parse_reason). */
buzz_parse_result buzz_value_parse(const buzz_column_def *d, const buzz_null_tokens *nulls,
                                   const char *s, size_t len, bool quoted, buzz_value *out);
/* Why a value did not fit, in plain words ("not a whole number", "out of range for int32", ...),
 * into out (at least 96 bytes). */
const char *buzz_parse_reason(const buzz_column_def *d, buzz_parse_result r, char *out,
                              size_t out_cap);
/* Format a parsed value as text the way Buzz writes CSV output (ISO dates, '.' decimal mark, no
 * grouping or units, "true"/"false"); VARCHAR values are copied. Returns the length; the output
 * goes to *buf (at least 64 bytes) except for VARCHAR, where *out_text points at the value. */
size_t buzz_value_format(const buzz_column_def *d, const buzz_value *v, char *buf,
                         const char **out_text);


/* ---------------------------------------------------------------------------------------------
 * One whole pass over an open reader: every value of every batch goes through inference,
 * each batch optionally shown to on_batch first (e.g. to keep a preview). Fills *out: columns
 * named from the header, inferred definitions, dialect, row count and source size. The reader is
 * then at its end. The result is identical for every thread count and kernel.
 *
 * For speed, open the reader with the hook from buzz_infer_hook (same options): the batches are
 * then typed on the reader's worker threads while they tokenize, and this pass only merges them
 * in order. Without it, typing runs on the caller's thread. A zero infer delimiter means the
 * dialect's. */
typedef void (*buzz_batch_visitor)(void *user, const buzz_csv_batch *batch);
BUZZ_NODISCARD buzz_status buzz_schema_infer(buzz_csv_reader *rd, const buzz_infer_options *opts,
                                             buzz_batch_visitor on_batch, void *user,
                                             buzz_schema *out, buzz_error *err);
/* The pass itself, into a caller's state: every batch of rd is typed (on the reader's threads when
 * it was opened with buzz_infer_hook) and folded into `into` in input order, column i of the
 * reader going to column map[i] of `into` (map NULL: the same column; see
 * buzz_infer_merge_mapped). Several readers fed one after the other into one state give the types
 * of their concatenation. *out_rows (may be NULL) = data rows read. */
BUZZ_NODISCARD buzz_status buzz_infer_reader(buzz_csv_reader *rd, buzz_infer *into,
                                             const size_t *map, buzz_batch_visitor on_batch,
                                             void *user, int64_t *out_rows, buzz_error *err);
/* A schema from an inference state (NULL: every column left untyped, for a user schema to type):
 * ncols columns with inferred definitions, named from names (NULL = no header: column_N), the
 * dialect (may be NULL), the options' nulls and date order; row_count and source_bytes -1. */
BUZZ_NODISCARD buzz_status buzz_schema_from_infer(buzz_schema *out, const buzz_infer *inf,
                                                  size_t ncols, const buzz_str *names,
                                                  const buzz_csv_dialect *dialect,
                                                  const buzz_infer_options *opts,
                                                  buzz_error *err);
/* Fill *out with the reader batch hook that types batches for buzz_schema_infer. `opts` (NULL =
 * defaults) must stay valid while the reader is open. */
void buzz_infer_hook(const buzz_infer_options *opts, buzz_csv_batch_hook *out);


/* ---------------------------------------------------------------------------------------------
 * Typed column batches: a CSV batch parsed into one array per column, the form the Parquet writer
 * and the CSV output consume. Memory is owned by the batch and reused across fills. */
typedef struct buzz_typed_column {
    buzz_type type;          /* storage type (a NULL-type column is stored as VARCHAR) */
    size_t null_count;
    uint8_t *is_valid;       /* row_count bytes: 1 = value, 0 = NULL */
    /* Values, one per row (NULL rows hold zero): uint8_t for BOOLEAN, int32_t for INT32 and DATE,
     * int64_t for INT64, TIME and TIMESTAMPs, double for DOUBLE, buzz_i128 for DECIMAL. */
    void *values;
    /* VARCHAR: row i is chars[offsets[i] .. offsets[i+1]) (offsets has row_count + 1 entries). */
    uint32_t *offsets;
    char *chars;
    size_t values_cap, chars_cap, rows_cap; /* internal */
} buzz_typed_column;

/* One value that did not fit its column's (user-given) type: stored as NULL and reported. */
typedef struct buzz_reject {
    int64_t line;        /* 1-based source line of the row */
    int64_t row;         /* 0-based data row index in the input */
    size_t column;       /* 0-based column index in the file */
    const char *column_name;
    const char *value;   /* the cell as written (borrowed for the call) */
    size_t value_len;
    const char *reason;  /* plain words (borrowed for the call) */
} buzz_reject;
typedef void (*buzz_reject_fn)(void *user, const buzz_reject *r);

typedef struct buzz_typed_batch {
    size_t row_count;
    size_t column_count;        /* columns of the schema (excluded ones stay empty) */
    buzz_typed_column *columns;
    int64_t first_row;
    int64_t reject_count;       /* in this batch */
} buzz_typed_batch;

void buzz_typed_batch_free(buzz_typed_batch *tb); /* accepts a zeroed struct */
/* Parse every included column of `in` according to `schema` into tb (reallocating as needed), on
 * the caller's thread (to spread the work, call it from a reader batch hook: see
 * buzz_csv_batch_hook). Rows go in blocks of 1024, every column of a block before the next, so
 * on_reject (may be NULL) sees the rejects of a block column by column, each column's in row
 * order. Rejected values become NULL. Fails only with BUZZ_ERR_NOMEM or BUZZ_ERR_LIMIT (a text
 * column over 4 GiB in one batch). */
BUZZ_NODISCARD buzz_status buzz_typed_batch_fill(buzz_typed_batch *tb, const buzz_csv_batch *in,
                                                 const buzz_schema *schema,
                                                 buzz_reject_fn on_reject, void *user,
                                                 buzz_error *err);

#endif /* BUZZ_TYPES_H */
