/* tests/test_types_infer.c: numbers as people write them (styles, units, identifiers), booleans and
 * null tokens, whole-file inference from CSV text to column types (the deciding value anywhere,
 * thread counts not changing the result), column naming, the schema document (write, read,
 * apply) and reading cells as a forced type with the reason for each reject. */
#include "test_support.h"

#include "buzz/csv.h"
#include "buzz/types.h"
#include "infer_batches.h"

/* ---------------------------------------------------------------------------------------------
 * Numbers. */
typedef struct num_case {
    const char *text;
    buzz_num_style style;
    bool ok;
    const char *norm;  /* expected normalized form when ok */
    uint32_t flags;    /* flags that must be set */
    buzz_unit unit;
} num_case;

static void test_num_scan(void **state)
{
    (void)state;
    static const num_case cases[] = {
        {"0", BUZZ_NUM_DOT, true, "0", 0, BUZZ_UNIT_NONE},
        {"-12", BUZZ_NUM_DOT, true, "-12", BUZZ_NUM_NEG, BUZZ_UNIT_NONE},
        {"+12", BUZZ_NUM_DOT, true, "12", 0, BUZZ_UNIT_NONE},
        {"3.25", BUZZ_NUM_DOT, true, "3.25", BUZZ_NUM_POINT, BUZZ_UNIT_NONE},
        {".5", BUZZ_NUM_DOT, true, ".5", BUZZ_NUM_POINT, BUZZ_UNIT_NONE},
        {"5.", BUZZ_NUM_DOT, true, "5.", BUZZ_NUM_POINT, BUZZ_UNIT_NONE},
        {"1e5", BUZZ_NUM_DOT, true, "1e5", BUZZ_NUM_EXP, BUZZ_UNIT_NONE},
        {"-1.5E-3", BUZZ_NUM_DOT, true, "-1.5e-3", BUZZ_NUM_EXP | BUZZ_NUM_NEG, BUZZ_UNIT_NONE},
        {"1,234,567", BUZZ_NUM_DOT_GROUP_COMMA, true, "1234567", BUZZ_NUM_GROUPED, BUZZ_UNIT_NONE},
        {"1,234.50", BUZZ_NUM_DOT_GROUP_COMMA, true, "1234.50", BUZZ_NUM_GROUPED, BUZZ_UNIT_NONE},
        {"1,234", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1,23", BUZZ_NUM_DOT_GROUP_COMMA, false, NULL, 0, BUZZ_UNIT_NONE},
        {"12,345,67", BUZZ_NUM_DOT_GROUP_COMMA, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1234,567", BUZZ_NUM_DOT_GROUP_COMMA, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1,234e5", BUZZ_NUM_DOT_GROUP_COMMA, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1.234,56", BUZZ_NUM_COMMA_GROUP_DOT, true, "1234.56", BUZZ_NUM_GROUPED, BUZZ_UNIT_NONE},
        {"12,5", BUZZ_NUM_COMMA, true, "12.5", BUZZ_NUM_POINT, BUZZ_UNIT_NONE},
        {"1 234,5", BUZZ_NUM_COMMA_GROUP_SPACE, true, "1234.5", BUZZ_NUM_GROUPED, BUZZ_UNIT_NONE},
        {"1\xC2\xA0" "234,5", BUZZ_NUM_COMMA_GROUP_SPACE, true, "1234.5", BUZZ_NUM_GROUPED,
         BUZZ_UNIT_NONE},
        {"$1,234.50", BUZZ_NUM_DOT_GROUP_COMMA, true, "1234.50", 0, BUZZ_UNIT_DOLLAR},
        {"-$5", BUZZ_NUM_DOT, true, "-5", BUZZ_NUM_NEG, BUZZ_UNIT_DOLLAR},
        {"$-5", BUZZ_NUM_DOT, true, "-5", BUZZ_NUM_NEG, BUZZ_UNIT_DOLLAR},
        {"($12.50)", BUZZ_NUM_DOT, true, "-12.50", BUZZ_NUM_NEG, BUZZ_UNIT_DOLLAR},
        {"(12.50)", BUZZ_NUM_DOT, true, "-12.50", BUZZ_NUM_NEG, BUZZ_UNIT_NONE},
        {"12.5%", BUZZ_NUM_DOT, true, "12.5", 0, BUZZ_UNIT_PERCENT},
        {"12,5 %", BUZZ_NUM_COMMA, true, "12.5", 0, BUZZ_UNIT_PERCENT},
        {"1.234,50 \xE2\x82\xAC", BUZZ_NUM_COMMA_GROUP_DOT, true, "1234.50", 0, BUZZ_UNIT_EURO},
        {"\xC2\xA3" "3", BUZZ_NUM_DOT, true, "3", 0, BUZZ_UNIT_POUND},
        {"00501", BUZZ_NUM_DOT, true, "00501", BUZZ_NUM_LEADING_ZERO, BUZZ_UNIT_NONE},
        {"-inf", BUZZ_NUM_DOT, true, "-inf", BUZZ_NUM_INF | BUZZ_NUM_NEG, BUZZ_UNIT_NONE},
        {"Infinity", BUZZ_NUM_DOT, true, "inf", BUZZ_NUM_INF, BUZZ_UNIT_NONE},
        {"nan", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"-", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {".", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1e", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"12a", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"1.2.3", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"(-5)", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"$", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"5$%", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
        {"555-123-4567", BUZZ_NUM_DOT, false, NULL, 0, BUZZ_UNIT_NONE},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        const num_case *c = &cases[i];
        buzz_num n;
        bool ok = buzz_num_scan(c->text, strlen(c->text), c->style, &n);
        if (ok != c->ok)
            fail_msg("'%s' style %d: scan %d, expected %d", c->text, c->style, ok, c->ok);
        if (!ok)
            continue;
        if (strcmp(n.norm, c->norm) != 0)
            fail_msg("'%s': normalized '%s', expected '%s'", c->text, n.norm, c->norm);
        if ((n.flags & c->flags) != c->flags)
            fail_msg("'%s': flags %x lack %x", c->text, n.flags, c->flags);
        if (n.unit != c->unit)
            fail_msg("'%s': unit %d, expected %d", c->text, n.unit, c->unit);
    }
}

static void test_num_convert(void **state)
{
    (void)state;
    buzz_num n;
    int64_t v;
    assert_true(buzz_num_scan("9223372036854775807", 19, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_OK);
    assert_true(v == INT64_MAX);
    assert_true(buzz_num_scan("-9223372036854775808", 20, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_OK);
    assert_true(v == INT64_MIN);
    assert_true(buzz_num_scan("9223372036854775808", 19, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_OVERFLOW);
    assert_true(buzz_num_scan("3.0", 3, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_OK);
    assert_int_equal(v, 3);
    assert_true(buzz_num_scan("3.5", 3, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_INVALID);
    assert_true(buzz_num_scan("1.5e3", 5, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_int64(&n, &v), BUZZ_PARSE_OK);
    assert_int_equal(v, 1500);

    buzz_i128 d;
    char text[48];
    assert_true(buzz_num_scan("-1,234.5", 8, BUZZ_NUM_DOT_GROUP_COMMA, &n));
    assert_int_equal(buzz_num_to_decimal(&n, 10, 2, &d), BUZZ_PARSE_OK);
    buzz_format_decimal(d, 2, text);
    assert_string_equal(text, "-1234.50");
    assert_int_equal(buzz_num_to_decimal(&n, 10, 0, &d), BUZZ_PARSE_PRECISION);
    assert_int_equal(buzz_num_to_decimal(&n, 4, 1, &d), BUZZ_PARSE_OVERFLOW);
    const char *big = "12345678901234567890123456789012345678"; /* 38 digits */
    assert_true(buzz_num_scan(big, strlen(big), BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_decimal(&n, 38, 0, &d), BUZZ_PARSE_OK);
    buzz_format_decimal(d, 0, text);
    assert_string_equal(text, big);
    assert_true(buzz_num_scan("0.05", 4, BUZZ_NUM_DOT, &n));
    assert_int_equal(buzz_num_to_decimal(&n, 3, 3, &d), BUZZ_PARSE_OK);
    buzz_format_decimal(d, 3, text);
    assert_string_equal(text, "0.050");
    buzz_format_decimal(-5, 3, text);
    assert_string_equal(text, "-0.005");
    double x;
    assert_true(buzz_num_scan("1.234,5", 7, BUZZ_NUM_COMMA_GROUP_DOT, &n));
    assert_int_equal(buzz_num_to_double(&n, &x), BUZZ_PARSE_OK);
    assert_true(x == 1234.5);
    char dt[32];
    buzz_format_double(0.1, dt);
    assert_string_equal(dt, "0.1");
    buzz_format_double(1.0 / 3.0, dt);
    assert_string_equal(dt, "0.3333333333333333");
}

static void test_bool_and_nulls(void **state)
{
    (void)state;
    bool b;
    const char *yes[] = {"true", "TRUE", "True", "t", "T", "yes", "YES", "y", "Y"};
    const char *no[] = {"false", "FALSE", "f", "F", "no", "No", "n", "N"};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(yes); i++) {
        assert_true(buzz_parse_bool(yes[i], strlen(yes[i]), false, &b));
        assert_true(b);
    }
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(no); i++) {
        assert_true(buzz_parse_bool(no[i], strlen(no[i]), false, &b));
        assert_false(b);
    }
    assert_false(buzz_parse_bool("1", 1, false, &b));
    assert_true(buzz_parse_bool("1", 1, true, &b));
    assert_true(b);
    assert_false(buzz_parse_bool("yess", 4, false, &b));
    buzz_null_tokens t;
    buzz_null_tokens_default(&t);
    const char *nulls[] = {"", "NULL", "null", "NA", "N/A", "n/a", "#N/A", "-", "None", "nan"};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(nulls); i++)
        assert_true(buzz_null_tokens_match(&t, nulls[i], strlen(nulls[i])));
    assert_false(buzz_null_tokens_match(&t, "none0", 5));
    assert_false(buzz_null_tokens_match(&t, "0", 1));
    buzz_null_tokens_clear(&t);
    assert_false(buzz_null_tokens_match(&t, "NULL", 4));
    assert_int_equal(buzz_null_tokens_add(&t, "missing", 7, NULL), BUZZ_OK);
    assert_true(buzz_null_tokens_match(&t, "missing", 7));
    assert_int_equal(buzz_null_tokens_add(&t, "0123456789012345678901234", 25, NULL),
                     BUZZ_ERR_LIMIT);
}

/* ---------------------------------------------------------------------------------------------
 * Inference from CSV text. */
static void infer_text(const char *csv, size_t len, const buzz_infer_options *io, unsigned threads,
                       buzz_schema *out)
{
    char path[600];
    static int seq;
    char name[64];
    snprintf(name, sizeof name, "infer-%d.csv", seq++);
    test_path(path, sizeof path, name);
    test_write_file(path, csv, len);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    buzz_infer_options opts;
    if (io)
        opts = *io;
    else
        memset(&opts, 0, sizeof opts);
    /* With threads, batches are typed on the reader's workers (the hook) and merged in order;
     * with one, on this thread: both must give the same schema. */
    if (threads > 1) {
        o.chunk_bytes = 4096;
        buzz_infer_hook(&opts, &o.batch_hook);
    }
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK)
        fail_msg("open: %s", err.message);
    if (buzz_schema_infer(rd, &opts, NULL, NULL, out, &err) != BUZZ_OK)
        fail_msg("infer: %s", err.message);
    buzz_csv_reader_close(rd);
}

typedef struct infer_case {
    const char *csv;
    const char *types; /* expected "type|type|..." with date orders as type/order */
} infer_case;

static void describe(const buzz_schema *s, char *out, size_t cap)
{
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->column_count; i++) {
        const buzz_column_def *d = &s->columns[i];
        char tt[32];
        buzz_column_type_text(d, tt, sizeof tt);
        w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? "|" : "", tt);
        if (d->type == BUZZ_TYPE_DATE || d->type == BUZZ_TYPE_TIMESTAMP ||
            d->type == BUZZ_TYPE_TIMESTAMP_TZ)
            w += (size_t)snprintf(out + w, cap - w, "/%s", buzz_date_order_name(d->date_order));
        if (d->unit != BUZZ_UNIT_NONE)
            w += (size_t)snprintf(out + w, cap - w, "[%s]", buzz_unit_symbol(d->unit));
        if (d->num_style != BUZZ_NUM_DOT)
            w += (size_t)snprintf(out + w, cap - w, "{%s}", buzz_num_style_name(d->num_style));
    }
}

static void test_infer_cases(void **state)
{
    (void)state;
    static const infer_case cases[] = {
        {"a,b,c\n1,x,true\n2,y,false\n", "int32|varchar|boolean"},
        {"a,b\n1,2\n3000000000,-4\n", "int64|int32"},
        {"a,b\n1,1\n3.5,2\n", "decimal(2,1)|int32"},
        {"a\n1.25\n-100.5\n", "decimal(5,2)"},
        {"a\n1\n1e3\n", "double"},
        {"a\n1.5\ninf\n", "double"},
        {"a,b,c\n1e308,1e400,1e-400\n2,-1.5e400,3\n", "double|varchar|double"},
        {"a\n00501\n12345\n", "varchar"},
        {"a\n007\n", "varchar"},
        {"a\n1234567890123456789\n", "varchar"},
        {"a\n123456789012345678\n", "int64"},
        {"zip,n\n02134,1\n10001,2\n", "varchar|int32"},
        {"a\nyes\nno\nY\nN\n", "boolean"},
        {"a\n0\n1\n", "int32"},
        {"a,b\nNULL,1\nNA,\n-,N/A\n", "null|int32"},
        {"a\n\"\"\n\"\"\n", "varchar"},
        {"a\n\"\"\n5\n", "int32"},
        {"a\n2024-01-12\n1999-12-31\n", "date/ymd"},
        {"a\n01/02/2024\n13/02/2024\n", "date/dmy"},
        {"a\n01/02/2024\n02/13/2024\n", "date/mdy"},
        {"a\n01/02/2024\n03/04/2024\n", "date/mdy"},
        {"a\n01.02.2024\n03.04.2024\n", "date/dmy"},
        {"a\n12-Jan-2024\n3-Feb-2024\n", "date/dmy"},
        {"a\n\"Jan 12, 2024\"\n\"Feb 3, 2024\"\n", "date/mdy"},
        {"a\n2024-01-12T10:00:00\n2024-01-13 11:30:00.5\n", "timestamp/ymd"},
        {"a\n2024-01-12\n2024-01-13 11:30\n", "timestamp/ymd"},
        {"a\n2024-01-12T10:00:00Z\n2024-01-12T10:00:00+02:00\n", "timestamp_tz/ymd"},
        {"a\n2024-01-12T10:00:00Z\n2024-01-12T10:00:00\n", "varchar"},
        {"a\n1/2/2024 13:45\n1/3/2024 9:05\n", "timestamp/mdy"},
        {"a\n13:45\n09:05:30\n1:45 PM\n", "time"},
        {"a\n13:45\n2024-01-12\n", "varchar"},
        {"a\n2024-01-12\n01/13/2024\n", "varchar"},
        {"a\n2024-02-30\n", "varchar"},
        {"p\n\"$1,234.50\"\n$5\n", "decimal(6,2)[$]{1,234.56}"},
        {"p\n12.5%\n3%\n", "decimal(3,1)[%]"},
        {"p\n$5\n\xE2\x82\xAC" "5\n", "varchar"},
        {"n\n\"1,234,567\"\n\"12\"\n", "int32{1,234.56}"},
        {"a;b\n1,5;x\n2,25;y\n", "decimal(3,2){1234,56}|varchar"},
        {"a;b\n1.234,5;x\n12,25;y\n", "decimal(6,2){1.234,56}|varchar"},
        {"a,b\n\" 12 \",x\n 13 ,y\n", "int32|varchar"},
        {"a\n555-123-4567\n555-987-6543\n", "varchar"},
        {"a\n+1\n-2\n", "int32"},
        /* Plain integers are read 8 digits at a time: every length around the word edges. */
        {"a\n12345678\n-87654321\n", "int32"},
        {"a\n123456789\n+987654321\n", "int32"},
        {"a\n2147483648\n", "int64"},
        {"a\n-2147483648\n", "int32"},
        {"a\n1234567890123456\n-9999999999999999\n", "int64"},
        {"a\n12345678901234567\n-99999999999999999\n", "int64"},
        {"a\n000000001\n", "varchar"},
        {"a\n0000000000000001\n", "varchar"},
        {"a\n00000000000000001\n", "varchar"},
        {"a\n-0\n0\n", "int32"},
        {"a\n1234567x\n", "varchar"},
        {"a\n12345678:\n", "varchar"},
        {"a\n123456789012345/\n", "varchar"},
        {"a\n1234567890123456/\n", "varchar"},
        {"a\n1\n-\n+\n", "varchar"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_schema s;
        infer_text(cases[i].csv, strlen(cases[i].csv), NULL, 1, &s);
        char got[512];
        describe(&s, got, sizeof got);
        if (strcmp(got, cases[i].types) != 0)
            fail_msg("case %zu (%s): got %s, expected %s", i, cases[i].csv, got, cases[i].types);
        buzz_schema_free(&s);
    }
}

/* Random plain integers of every length (the SWAR reader's word edges): the column is int32
 * exactly when every value is in int32's range, and one identifier with a leading zero makes it
 * text. */
static void test_plain_int_property(void **state)
{
    (void)state;
    uint64_t x = 0x243F6A8885A308D3ull;
    for (int trial = 0; trial < 400; trial++) {
        char csv[512];
        size_t w = (size_t)snprintf(csv, sizeof csv, "a\n");
        bool fits32 = true, zero_id = false;
        for (int k = 0; k < 4; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            int digits = 1 + (int)(x % 18);
            int64_t v = (int64_t)((x >> 8) % 1000000000000000000ull);
            int64_t p = 1;
            for (int d = 0; d < digits; d++)
                p *= 10;
            v %= p;
            if (k == 3 && x % 3 == 0) /* near the int32 edge */
                v = 2147483640 + (int64_t)((x >> 40) % 16);
            bool neg = (x >> 20) & 1;
            int64_t sv = neg ? -v : v;
            if (sv < INT32_MIN || sv > INT32_MAX)
                fits32 = false;
            const char *sign = neg ? "-" : ((x >> 21) & 1) ? "+" : "";
            if (trial % 10 == 9 && k == 1) {
                w += (size_t)snprintf(csv + w, sizeof csv - w, "%s0%lld\n", sign, (long long)v);
                zero_id = true;
            } else {
                w += (size_t)snprintf(csv + w, sizeof csv - w, "%s%lld\n", sign, (long long)v);
            }
        }
        buzz_schema s;
        infer_text(csv, w, NULL, 1, &s);
        char got[64];
        describe(&s, got, sizeof got);
        const char *want = zero_id ? "varchar" : fits32 ? "int32" : "int64";
        if (strcmp(got, want) != 0)
            fail_msg("trial %d (%s): got %s, expected %s", trial, csv, got, want);
        buzz_schema_free(&s);
    }
}

static void test_infer_options(void **state)
{
    (void)state;
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    io.has_date_order = true;
    io.date_order = BUZZ_DATE_DMY;
    buzz_schema s;
    char got[256];
    infer_text("a\n01/02/2024\n03/04/2024\n", 24, &io, 1, &s);
    describe(&s, got, sizeof got);
    assert_string_equal(got, "date/dmy");
    buzz_schema_free(&s);
    /* The option only decides ambiguous columns. */
    infer_text("a\n01/02/2024\n02/13/2024\n", 24, &io, 1, &s);
    describe(&s, got, sizeof got);
    assert_string_equal(got, "date/mdy");
    buzz_schema_free(&s);
    memset(&io, 0, sizeof io);
    io.bool_digits = true;
    infer_text("a\n0\n1\n", 6, &io, 1, &s);
    describe(&s, got, sizeof got);
    assert_string_equal(got, "boolean");
    buzz_schema_free(&s);
    buzz_null_tokens t;
    buzz_null_tokens_clear(&t);
    assert_int_equal(buzz_null_tokens_add(&t, "?", 1, NULL), BUZZ_OK);
    memset(&io, 0, sizeof io);
    io.nulls = &t;
    infer_text("a,b\n?,NULL\n5,NULL\n", 18, &io, 1, &s);
    describe(&s, got, sizeof got);
    assert_string_equal(got, "int32|varchar");
    assert_int_equal(s.columns[0].null_count, 1);
    assert_int_equal(s.columns[1].null_count, 0);
    buzz_schema_free(&s);
}

/* The state's size follows the column count (the seen cache gets fewer slots per column as
 * columns grow): a count whose memory cannot even be computed is an error, not a wrapped size. */
static void test_infer_state_sizes(void **state)
{
    (void)state;
    static const size_t counts[] = {0, 1, 16, 17, 20, 127, 128, 129, 5000};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(counts); i++) {
        buzz_infer *inf = NULL;
        buzz_error err;
        assert_int_equal(buzz_infer_new(&inf, counts[i], NULL, &err), BUZZ_OK);
        buzz_infer_reset(inf);
        buzz_infer_free(inf);
    }
    buzz_infer *inf = NULL;
    buzz_error err;
    assert_int_equal(buzz_infer_new(&inf, SIZE_MAX / 64, NULL, &err), BUZZ_ERR_NOMEM);
    assert_null(inf);
    assert_non_null(strstr(err.message, "too many columns"));
}

/* A generated file where the value that decides each column's type is in the last row; the
 * schema must be the same for 1 and 2 threads (examples and counts included). */
static void test_infer_last_row_decides(void **state)
{
    (void)state;
    const size_t rows = 300000;
    size_t cap = rows * 64 + 256;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t w = (size_t)snprintf(csv, cap, "id,amount,flag,day,code,big\n");
    for (size_t r = 0; r < rows - 1; r++)
        w += (size_t)snprintf(csv + w, cap - w, "%zu,%zu,%s,%02zu/%02zu/2023,%zu,%zu\n", r,
                              r % 1000, r % 2 ? "yes" : "no", r % 12 + 1, r % 12 + 1, 10000 + r,
                              r);
    w += (size_t)snprintf(csv + w, cap - w, "%zu,3.5,maybe,25/12/2023,0123,99999999999\n",
                          rows - 1);
    buzz_schema s1, s2, s3;
    infer_text(csv, w, NULL, 1, &s1);
    infer_text(csv, w, NULL, 2, &s2); /* the caller tokenizes, two workers type (the hook) */
    infer_text(csv, w, NULL, 3, &s3); /* the tracker cuts, three workers tokenize and type */
    char got[256];
    describe(&s1, got, sizeof got);
    assert_string_equal(got, "int32|decimal(4,1)|varchar|date/dmy|varchar|int64");
    assert_int_equal(s1.row_count, (int64_t)rows);
    char *j1, *j2;
    assert_int_equal(buzz_schema_to_json(&s1, BUZZ_SCHEMA_JSON_STATS, &j1, NULL), BUZZ_OK);
    assert_int_equal(buzz_schema_to_json(&s2, BUZZ_SCHEMA_JSON_STATS, &j2, NULL), BUZZ_OK);
    assert_string_equal(j1, j2);
    char *j3;
    assert_int_equal(buzz_schema_to_json(&s3, BUZZ_SCHEMA_JSON_STATS, &j3, NULL), BUZZ_OK);
    assert_string_equal(j1, j3);
    buzz_free(j3);
    buzz_schema_free(&s3);
    /* Distinct estimate of a unique column is within 5%. */
    int64_t de = s1.columns[0].distinct_estimate;
    assert_true(de > (int64_t)(rows * 95 / 100) && de <= (int64_t)rows);
    assert_true(s1.columns[2].distinct_estimate >= 2 && s1.columns[2].distinct_estimate <= 4);
    buzz_free(j1);
    buzz_free(j2);
    buzz_schema_free(&s1);
    buzz_schema_free(&s2);
    free(csv);
}

/* A column whose values fit number styles that no single style reads ('.' decimals early, ','
 * decimals in a later chunk) is text, whether the chunks are typed in one state or merged from
 * several (a merge once kept it numeric with no style left, so its values were rejected). Also
 * buzz_infer_merge_mapped puts each column where the map says. */
static void test_infer_merge_styles(void **state)
{
    (void)state;
    size_t cap = 200000;
    char *csv = malloc(cap);
    assert_non_null(csv);
    size_t w = (size_t)snprintf(csv, cap, "x,y\n");
    for (int r = 0; r < 2000; r++)
        w += (size_t)snprintf(csv + w, cap - w, "1.5,%d\n", r);
    for (int r = 0; r < 2000; r++)
        w += (size_t)snprintf(csv + w, cap - w, "\"3,25\",%d\n", r);
    buzz_schema s1, s2;
    infer_text(csv, w, NULL, 1, &s1);
    infer_text(csv, w, NULL, 2, &s2);
    char got[256];
    describe(&s1, got, sizeof got);
    assert_string_equal(got, "varchar|int32");
    describe(&s2, got, sizeof got);
    assert_string_equal(got, "varchar|int32");
    buzz_schema_free(&s1);
    buzz_schema_free(&s2);
    free(csv);

    /* Mapped merge: a reader with columns (y, x) folded into a state of (x, y). */
    char path[600];
    const char *text = "y,x\n7,a\n8,b\n";
    test_path(path, sizeof path, "mapped.csv");
    test_write_file(path, text, strlen(text));
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK)
        fail_msg("open: %s", err.message);
    buzz_infer *inf = NULL;
    assert_int_equal(buzz_infer_new(&inf, 2, NULL, &err), BUZZ_OK);
    const size_t map[] = {1, 0};
    int64_t rows = 0;
    assert_int_equal(buzz_infer_reader(rd, inf, map, NULL, NULL, &rows, &err), BUZZ_OK);
    assert_int_equal(rows, 2);
    buzz_column_def d;
    memset(&d, 0, sizeof d);
    buzz_infer_column(inf, 0, &d);
    assert_int_equal(d.type, BUZZ_TYPE_VARCHAR);
    buzz_infer_column(inf, 1, &d);
    assert_int_equal(d.type, BUZZ_TYPE_INT32);
    buzz_infer_free(inf);
    buzz_csv_reader_close(rd);

    /* Two inputs folded into one state, as `buzz convert a.csv b.csv` does: '.' decimals in a ','
     * file, then ',' decimals in a ';' file. No style reads both: text. */
    const char *files[2][2] = {{"styles_a.csv", "x\n1.5\n2.25\n"},
                               {"styles_b.csv", "x\n3,25\n4,5\n"}};
    buzz_infer_options io;
    memset(&io, 0, sizeof io);
    io.delimiter = ',';
    assert_int_equal(buzz_infer_new(&inf, 1, &io, &err), BUZZ_OK);
    for (int f = 0; f < 2; f++) {
        test_path(path, sizeof path, files[f][0]);
        test_write_file(path, files[f][1], strlen(files[f][1]));
        memset(&o, 0, sizeof o);
        o.delimiter = f ? ';' : ',';
        buzz_infer_hook(&io, &o.batch_hook);
        if (buzz_csv_reader_open(&rd, path, &o, &err) != BUZZ_OK)
            fail_msg("open: %s", err.message);
        assert_int_equal(buzz_infer_reader(rd, inf, NULL, NULL, NULL, NULL, &err), BUZZ_OK);
        buzz_csv_reader_close(rd);
    }
    buzz_infer_column(inf, 0, &d);
    assert_int_equal(d.type, BUZZ_TYPE_VARCHAR);
    buzz_infer_free(inf);
}

/* ---------------------------------------------------------------------------------------------
 * Names and the schema document. */
static void test_names(void **state)
{
    (void)state;
    buzz_schema s;
    memset(&s, 0, sizeof s);
    assert_int_equal(buzz_schema_init_columns(&s, 6, NULL), BUZZ_OK);
    buzz_str names[6] = {{" id ", 4}, {"", 0}, {"Name", 4}, {"name", 4}, {"name_2", 6}, {"  ", 2}};
    assert_int_equal(buzz_schema_set_names(&s, names, NULL), BUZZ_OK);
    assert_string_equal(s.columns[0].name, "id");
    assert_string_equal(s.columns[0].header, " id ");
    assert_string_equal(s.columns[1].name, "column_2");
    assert_string_equal(s.columns[2].name, "Name");
    assert_string_equal(s.columns[3].name, "name_3"); /* name_2 is a later header */
    assert_string_equal(s.columns[4].name, "name_2");
    assert_string_equal(s.columns[5].name, "column_6");
    assert_int_equal(buzz_schema_set_names(&s, NULL, NULL), BUZZ_OK);
    assert_string_equal(s.columns[3].name, "column_4");
    buzz_schema_free(&s);
}

static void test_schema_roundtrip(void **state)
{
    (void)state;
    const char *csv = "id,price,when,note\n1,\"$1,234.50\",01/02/2024,x\n2,$3,13/02/2024,\n";
    buzz_schema s;
    infer_text(csv, strlen(csv), NULL, 1, &s);
    char *json;
    assert_int_equal(buzz_schema_to_json(&s, BUZZ_SCHEMA_JSON_STATS, &json, NULL), BUZZ_OK);
    assert_non_null(strstr(json, "\"type\": \"decimal(6,2)\""));
    assert_non_null(strstr(json, "\"format\": \"dmy\""));
    assert_non_null(strstr(json, "\"unit\": \"$\""));
    /* Reading our own output back and applying it changes nothing but marks the types as given. */
    buzz_schema u;
    buzz_error err;
    if (buzz_schema_parse_json(json, strlen(json), "s.json", &u, &err) != BUZZ_OK)
        fail_msg("parse: %s", err.message);
    assert_int_equal(u.column_count, 4);
    assert_true(u.has_csv);
    assert_int_equal(u.csv.delimiter, ',');
    assert_int_equal(u.csv.header, 1);
    assert_true(u.csv.has_skip_lines && u.csv.skip_lines == 0);
    assert_true(u.csv.has_footer_lines && u.csv.footer_lines == 0);
    assert_int_equal(u.csv.ragged_rows, -1); /* written false: read back as "never" */
    buzz_schema f;
    infer_text(csv, strlen(csv), NULL, 1, &f);
    assert_int_equal(buzz_schema_apply(&f, &u, &err), BUZZ_OK);
    char a[256], b[256];
    describe(&s, a, sizeof a);
    describe(&f, b, sizeof b);
    assert_string_equal(a, b);
    assert_true(f.columns[1].is_user_type);
    buzz_free(json);
    buzz_schema_free(&u);
    buzz_schema_free(&f);

    /* A user document: by name and by position, rename, exclude, describe, strict format. */
    const char *doc = "{\"context\": \"Sales export\", \"columns\": ["
                      "{\"name\": \"price\", \"type\": \"double\", \"description\": \"Net\"},"
                      "{\"position\": 3, \"type\": \"date\", \"format\": \"%d/%m/%Y\","
                      " \"rename\": \"day\"},"
                      "{\"name\": \"NOTE\", \"include\": false}]}";
    assert_int_equal(buzz_schema_parse_json(doc, strlen(doc), "u.json", &u, &err), BUZZ_OK);
    infer_text(csv, strlen(csv), NULL, 1, &f);
    if (buzz_schema_apply(&f, &u, &err) != BUZZ_OK)
        fail_msg("apply: %s", err.message);
    assert_string_equal(f.context, "Sales export");
    assert_int_equal(f.columns[1].type, BUZZ_TYPE_DOUBLE);
    assert_string_equal(f.columns[1].description, "Net");
    assert_string_equal(f.columns[2].name, "day");
    assert_true(f.columns[2].has_format);
    assert_false(f.columns[3].include);
    buzz_schema_free(&u);
    buzz_schema_free(&f);
    /* The csv object's line counts; a negative count or a string is refused. */
    const char *lines = "{\"csv\": {\"skip_lines\": 3, \"footer_lines\": 2, \"ragged_rows\": true},"
                        " \"columns\": []}";
    assert_int_equal(buzz_schema_parse_json(lines, strlen(lines), "l.json", &u, &err), BUZZ_OK);
    assert_true(u.csv.has_skip_lines && u.csv.skip_lines == 3);
    assert_true(u.csv.has_footer_lines && u.csv.footer_lines == 2);
    assert_int_equal(u.csv.ragged_rows, 1);
    buzz_schema_free(&u);
    lines = "{\"csv\": {\"ragged_rows\": 1}, \"columns\": []}";
    assert_int_equal(buzz_schema_parse_json(lines, strlen(lines), "l.json", &u, &err),
                     BUZZ_ERR_PARSE);
    assert_non_null(strstr(err.message, "csv.ragged_rows"));
    lines = "{\"csv\": {\"footer_lines\": -1}, \"columns\": []}";
    assert_int_equal(buzz_schema_parse_json(lines, strlen(lines), "l.json", &u, &err),
                     BUZZ_ERR_PARSE);
    assert_non_null(strstr(err.message, "csv.footer_lines"));
    lines = "{\"csv\": {\"skip_lines\": \"2\"}, \"columns\": []}";
    assert_int_equal(buzz_schema_parse_json(lines, strlen(lines), "l.json", &u, &err),
                     BUZZ_ERR_PARSE);
    assert_non_null(strstr(err.message, "csv.skip_lines"));

    /* Errors name what is wrong. */
    const char *bad[] = {
        "{\"columns\": [{\"name\": \"x\", \"type\": \"integr\"}]}",
        "{\"columns\": [{\"type\": \"int32\"}]}",
        "{\"columns\": [{\"name\": \"id\", \"format\": \"%Q\"}]}",
        "{\"columns\": [{\"name\": \"id\", \"include\": \"no\"}]}",
        "{\"columns\": 5}",
        "{\"buzz_schema\": 7}",
        "{\"columns\": [}",
        "[1,2]",
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(bad); i++) {
        buzz_status st = buzz_schema_parse_json(bad[i], strlen(bad[i]), "bad.json", &u, &err);
        if (st == BUZZ_OK)
            fail_msg("accepted bad document %s", bad[i]);
        assert_true(strlen(err.message) > 10);
    }
    const char *missing = "{\"columns\": [{\"name\": \"nope\", \"type\": \"int32\"}]}";
    assert_int_equal(buzz_schema_parse_json(missing, strlen(missing), "m.json", &u, &err),
                     BUZZ_OK);
    infer_text(csv, strlen(csv), NULL, 1, &f);
    assert_int_equal(buzz_schema_apply(&f, &u, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "nope"));
    buzz_schema_free(&u);
    buzz_schema_free(&f);
    buzz_schema_free(&s);
}

/* ---------------------------------------------------------------------------------------------
 * Reading cells as a column's type. */
static void test_value_parse(void **state)
{
    (void)state;
    buzz_null_tokens nt;
    buzz_null_tokens_default(&nt);
    buzz_column_def d;
    memset(&d, 0, sizeof d);
    buzz_value v;
    char buf[64], why[128];
    const char *t;

    d.type = BUZZ_TYPE_INT32;
    d.is_user_type = true;
    assert_int_equal(buzz_value_parse(&d, &nt, " 42 ", 4, false, &v), BUZZ_PARSE_OK);
    assert_false(v.is_null);
    assert_int_equal(v.v.i32, 42);
    assert_int_equal(buzz_value_parse(&d, &nt, "3000000000", 10, false, &v), BUZZ_PARSE_OVERFLOW);
    assert_true(v.is_null);
    assert_non_null(strstr(buzz_parse_reason(&d, BUZZ_PARSE_OVERFLOW, why, sizeof why),
                           "out of range"));
    assert_int_equal(buzz_value_parse(&d, &nt, "abc", 3, false, &v), BUZZ_PARSE_INVALID);
    assert_int_equal(buzz_value_parse(&d, &nt, "NA", 2, false, &v), BUZZ_PARSE_OK);
    assert_true(v.is_null);
    assert_int_equal(buzz_value_parse(&d, &nt, "", 0, true, &v), BUZZ_PARSE_OK);
    assert_true(v.is_null);
    assert_int_equal(buzz_value_parse(&d, &nt, "-2147483648", 11, false, &v), BUZZ_PARSE_OK);
    assert_int_equal(v.v.i32, INT32_MIN);
    assert_int_equal(buzz_value_parse(&d, &nt, "2147483648", 10, false, &v), BUZZ_PARSE_OVERFLOW);

    /* INT64 at its edges: 19 digits take the direct path, beyond int64 the general one. */
    static const struct {
        const char *text;
        buzz_parse_result res;
        int64_t value;
    } i64[] = {
        {"9223372036854775807", BUZZ_PARSE_OK, INT64_MAX},
        {"+9223372036854775807", BUZZ_PARSE_OK, INT64_MAX},
        {"-9223372036854775808", BUZZ_PARSE_OK, INT64_MIN},
        {"-9223372036854775807", BUZZ_PARSE_OK, -INT64_MAX},
        {"1000000000000000000", BUZZ_PARSE_OK, INT64_C(1000000000000000000)},
        {"-1234567890123456789", BUZZ_PARSE_OK, -INT64_C(1234567890123456789)},
        {"999999999999999999", BUZZ_PARSE_OK, INT64_C(999999999999999999)},
        {"9223372036854775808", BUZZ_PARSE_OVERFLOW, 0},
        {"-9223372036854775809", BUZZ_PARSE_OVERFLOW, 0},
        {"9999999999999999999", BUZZ_PARSE_OVERFLOW, 0},
        {"12345678901234567890", BUZZ_PARSE_OVERFLOW, 0},
        {"0123456789012345678", BUZZ_PARSE_OK, INT64_C(123456789012345678)},
    };
    d.type = BUZZ_TYPE_INT64;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(i64); i++) {
        buzz_parse_result r = buzz_value_parse(&d, &nt, i64[i].text, strlen(i64[i].text), false, &v);
        if (r != i64[i].res || (r == BUZZ_PARSE_OK && v.v.i64 != i64[i].value))
            fail_msg("INT64 '%s': result %d, value %lld", i64[i].text, (int)r,
                     (long long)v.v.i64);
    }
    /* 19 integer digits into a wide decimal, with and without a fraction. */
    d.type = BUZZ_TYPE_DECIMAL;
    d.precision = 38;
    d.scale = 2;
    assert_int_equal(buzz_value_parse(&d, &nt, "-9223372036854775808.5", 22, false, &v),
                     BUZZ_PARSE_OK);
    assert_true(v.v.dec == -(buzz_i128)INT64_C(922337203685477580) * 1000 - 850);
    assert_int_equal(buzz_value_parse(&d, &nt, "1234567890123456789", 19, false, &v),
                     BUZZ_PARSE_OK);
    assert_true(v.v.dec == (buzz_i128)INT64_C(1234567890123456789) * 100);
    d.precision = 0;
    d.scale = 0;

    d.type = BUZZ_TYPE_VARCHAR;
    assert_int_equal(buzz_value_parse(&d, &nt, "", 0, true, &v), BUZZ_PARSE_OK);
    assert_false(v.is_null);
    assert_int_equal(buzz_value_format(&d, &v, buf, &t), 0);
    assert_int_equal(buzz_value_parse(&d, &nt, " x ", 3, false, &v), BUZZ_PARSE_OK);
    assert_int_equal(buzz_value_format(&d, &v, buf, &t), 3);
    assert_memory_equal(t, " x ", 3);

    d.type = BUZZ_TYPE_DECIMAL;
    d.precision = 6;
    d.scale = 2;
    d.num_style = BUZZ_NUM_DOT_GROUP_COMMA;
    assert_int_equal(buzz_value_parse(&d, &nt, "1,234.5", 7, false, &v), BUZZ_PARSE_OK);
    buzz_value_format(&d, &v, buf, &t);
    assert_string_equal(t, "1234.50");
    assert_int_equal(buzz_value_parse(&d, &nt, "1.234", 5, false, &v), BUZZ_PARSE_PRECISION);
    assert_non_null(strstr(buzz_parse_reason(&d, BUZZ_PARSE_PRECISION, why, sizeof why),
                           "never rounded"));

    d.type = BUZZ_TYPE_BOOLEAN;
    d.bool_digits = true;
    assert_int_equal(buzz_value_parse(&d, &nt, "1", 1, false, &v), BUZZ_PARSE_OK);
    buzz_value_format(&d, &v, buf, &t);
    assert_string_equal(t, "true");
    assert_int_equal(buzz_value_parse(&d, &nt, "2", 1, false, &v), BUZZ_PARSE_INVALID);

    d.type = BUZZ_TYPE_DATE;
    d.date_order = BUZZ_DATE_DMY;
    assert_int_equal(buzz_value_parse(&d, &nt, "13/02/2024", 10, false, &v), BUZZ_PARSE_OK);
    buzz_value_format(&d, &v, buf, &t);
    assert_string_equal(t, "2024-02-13");
    assert_int_equal(buzz_value_parse(&d, &nt, "02/13/2024", 10, false, &v), BUZZ_PARSE_INVALID);

    d.type = BUZZ_TYPE_TIMESTAMP_TZ;
    d.date_order = BUZZ_DATE_YMD;
    assert_int_equal(buzz_value_parse(&d, &nt, "2024-01-12T10:00:00+02:00", 25, false, &v),
                     BUZZ_PARSE_OK);
    buzz_value_format(&d, &v, buf, &t);
    assert_string_equal(t, "2024-01-12 08:00:00Z");

    d.type = BUZZ_TYPE_DOUBLE;
    d.num_style = BUZZ_NUM_DOT;
    /* Plain digits read directly, the rest through the general scanner: the same doubles. */
    static const struct {
        const char *text;
        buzz_num_style style;
        buzz_parse_result res;
        double value;
    } dbl[] = {
        {"1.5", BUZZ_NUM_DOT, BUZZ_PARSE_OK, 1.5},
        {"-2.5e3", BUZZ_NUM_DOT, BUZZ_PARSE_OK, -2500.0},
        {"+.5", BUZZ_NUM_DOT, BUZZ_PARSE_OK, 0.5},
        {"0.1", BUZZ_NUM_DOT, BUZZ_PARSE_OK, 0.1},
        {"1,234.5", BUZZ_NUM_DOT_GROUP_COMMA, BUZZ_PARSE_OK, 1234.5},
        {"1,234.5", BUZZ_NUM_DOT, BUZZ_PARSE_INVALID, 0},
        {"1.5.2", BUZZ_NUM_DOT, BUZZ_PARSE_INVALID, 0},
        {"-", BUZZ_NUM_DOT, BUZZ_PARSE_OK, 0},     /* a null token */
        {"  ", BUZZ_NUM_DOT, BUZZ_PARSE_INVALID, 0}, /* quoted blanks: text, no number */
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(dbl); i++) {
        d.num_style = dbl[i].style;
        bool quoted = dbl[i].text[0] == ' ';
        buzz_parse_result r =
            buzz_value_parse(&d, &nt, dbl[i].text, strlen(dbl[i].text), quoted, &v);
        if (r != dbl[i].res || (r == BUZZ_PARSE_OK && !v.is_null && v.v.f64 != dbl[i].value))
            fail_msg("DOUBLE '%s': result %d, value %.17g", dbl[i].text, (int)r, v.v.f64);
    }
    d.num_style = BUZZ_NUM_DOT;
    assert_int_equal(buzz_value_parse(&d, &nt, "1e400", 5, false, &v), BUZZ_PARSE_OVERFLOW);
    assert_int_equal(buzz_value_parse(&d, &nt, "-inf", 4, false, &v), BUZZ_PARSE_OK);
    buzz_value_format(&d, &v, buf, &t);
    assert_string_equal(t, "-inf");
}

/* Property: random typed values printed in canonical form (and in other styles) parse back to
 * the same value. */
static void test_roundtrip_property(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    buzz_null_tokens nt;
    buzz_null_tokens_default(&nt);
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* int64 */
        int64_t v = (int64_t)x >> (x % 60);
        char text[64];
        int n = snprintf(text, sizeof text, "%lld", (long long)v);
        buzz_num num;
        int64_t back;
        assert_true(buzz_num_scan(text, (size_t)n, BUZZ_NUM_DOT, &num));
        assert_int_equal(buzz_num_to_int64(&num, &back), BUZZ_PARSE_OK);
        assert_true(back == v);
        /* decimal(18, s) in every style, with grouping */
        int scale = (int)(x >> 60) % 8;
        buzz_i128 q = (buzz_i128)((int64_t)(x >> 8) % 100000000000000ll);
        char dec[48];
        size_t dl = buzz_format_decimal(q, scale, dec);
        buzz_i128 qb;
        assert_true(buzz_num_scan(dec, dl, BUZZ_NUM_DOT, &num));
        assert_int_equal(buzz_num_to_decimal(&num, 18, scale, &qb), BUZZ_PARSE_OK);
        assert_true(qb == q);
        /* The same value written 1.234.567,89 style. */
        char grouped[64];
        size_t gw = 0, k = 0;
        if (dec[0] == '-')
            grouped[gw++] = dec[k++];
        size_t int_end = k;
        while (int_end < dl && dec[int_end] != '.')
            int_end++;
        for (size_t j = k; j < int_end; j++) {
            grouped[gw++] = dec[j];
            size_t left = int_end - j - 1;
            if (left > 0 && left % 3 == 0)
                grouped[gw++] = '.';
        }
        if (int_end < dl) {
            grouped[gw++] = ',';
            memcpy(grouped + gw, dec + int_end + 1, dl - int_end - 1);
            gw += dl - int_end - 1;
        }
        assert_true(buzz_num_scan(grouped, gw, BUZZ_NUM_COMMA_GROUP_DOT, &num));
        assert_int_equal(buzz_num_to_decimal(&num, 18, scale, &qb), BUZZ_PARSE_OK);
        assert_true(qb == q);
        /* double: shortest text reads back exactly */
        uint64_t bits = x;
        double d;
        memcpy(&d, &bits, 8);
        if (d == d && d - d == 0) {
            char dt[32];
            size_t tl = buzz_format_double(d, dt);
            double db;
            assert_int_equal(buzz_parse_double(dt, tl, &db), BUZZ_PARSE_OK);
            assert_true(memcmp(&db, &d, 8) == 0);
        }
        /* dates and timestamps through the cell parser */
        buzz_column_def cd;
        memset(&cd, 0, sizeof cd);
        cd.type = BUZZ_TYPE_TIMESTAMP;
        int64_t lo = (int64_t)buzz_days_from_civil(1, 1, 1) * 86400000000ll;
        int64_t hi = (int64_t)buzz_days_from_civil(9999, 12, 31) * 86400000000ll;
        int64_t us = lo + (int64_t)(x % (uint64_t)(hi - lo));
        char ts[BUZZ_DT_FORMAT_MAX];
        size_t tsl = buzz_format_timestamp(us, false, ts);
        buzz_value val;
        assert_int_equal(buzz_value_parse(&cd, &nt, ts, tsl, false, &val), BUZZ_PARSE_OK);
        assert_true(val.v.i64 == us);
    }
}

static void test_type_names(void **state)
{
    (void)state;
    buzz_type t;
    int p, s;
    assert_int_equal(buzz_type_parse("BIGINT", 6, &t, &p, &s, NULL), BUZZ_OK);
    assert_int_equal(t, BUZZ_TYPE_INT64);
    assert_int_equal(buzz_type_parse("decimal(10, 2)", 14, &t, &p, &s, NULL), BUZZ_OK);
    assert_int_equal(t, BUZZ_TYPE_DECIMAL);
    assert_int_equal(p, 10);
    assert_int_equal(s, 2);
    assert_int_equal(buzz_type_parse("decimal(39,2)", 13, &t, &p, &s, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz_type_parse("decimal(5,6)", 12, &t, &p, &s, NULL), BUZZ_ERR_ARG);
    assert_int_equal(buzz_type_parse("int128", 6, &t, &p, &s, NULL), BUZZ_ERR_ARG);
    for (int i = 0; i < BUZZ_TYPE_COUNT; i++) {
        const char *n = buzz_type_name((buzz_type)i);
        if (i == BUZZ_TYPE_DECIMAL)
            continue;
        assert_int_equal(buzz_type_parse(n, strlen(n), &t, &p, &s, NULL), BUZZ_OK);
        assert_int_equal(t, i);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The seen cache, the short-value hash and the fast paths for plain numbers and ISO dates must
 * decide exactly what the general scanners decide: random columns mixing every shape (with
 * repeats, so the cache hits, and the deciding value anywhere) are typed both ways and the whole
 * schema documents, statistics included, must be equal. */
static uint64_t fp_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* A value of a family: 0 integers, 1 decimals, 2 ISO dates, 3 anything. Edge values (leading
 * zeros, lone marks, invalid dates, other shapes) only when `edge`. */
static int fp_int_digits = 18; /* integers have 1 to this many digits */

static size_t fp_value(uint64_t *x, int family, bool edge, char *out, size_t cap)
{
    uint64_t r = fp_next(x);
    const char *sign = r % 7 == 0 ? "-" : r % 11 == 0 ? "+" : "";
    unsigned long long a = (r >> 8) % 1000000000ull, b = (r >> 40) % 100000ull;
    switch (family) {
    case 0: { /* integers, some with leading zeros, some long */
        int digits = 1 + (int)((r >> 4) % (unsigned)fp_int_digits);
        char d[24];
        for (int i = 0; i < digits; i++)
            d[i] = (char)('0' + fp_next(x) % 10);
        d[digits] = '\0';
        if (!edge && d[0] == '0' && digits > 1)
            d[0] = '1';
        return (size_t)snprintf(out, cap, "%s%s", sign, d);
    }
    case 1: { /* decimals: 1.5, .5, 5., 00.5, 0.0, lone '.', long fractions */
        switch (edge ? (r >> 50) % 9 : 5 + (r >> 50) % 4) { /* 5-8 without edges */
        case 0:
            return (size_t)snprintf(out, cap, "%s.%llu", sign, b);
        case 1:
            return (size_t)snprintf(out, cap, "%s%llu.", sign, a % 1000);
        case 2:
            return (size_t)snprintf(out, cap, "%s0%llu.%llu", sign, a % 100, b % 100);
        case 3:
            return (size_t)snprintf(out, cap, "%s.", sign);
        case 4: /* past 16 characters (the general path) */
            return (size_t)snprintf(out, cap, "%s%llu.%llu%llu", sign, a, b, a);
        case 5: { /* 1-8 fraction digits, any integer part up to 7 digits */
            static const unsigned long long p10[8] = {1,      10,      100,      1000,
                                                      10000,  100000,  1000000,  10000000};
            int fw = 1 + (int)((r >> 3) % 8);
            return (size_t)snprintf(out, cap, "%s%llu.%0*llu", sign, a % p10[(r >> 58) % 8], fw,
                                    (a ^ b) % p10[fw - 1 < 7 ? fw : 7]);
        }
        default:
            return (size_t)snprintf(out, cap, "%s%llu.%02llu", sign, a % 100000, b % 100);
        }
    }
    case 2: { /* ISO dates, valid and not (month 0/13, day 0/31 in 30-day months, 02-29) */
        unsigned y = (unsigned)((r >> 8) % 10000), m = (unsigned)((r >> 24) % 14),
                 d = (unsigned)((r >> 32) % 33);
        if (!edge) {
            y = 1900 + y % 200;
            m = 1 + m % 12;
            d = 1 + d % 28;
            return (size_t)snprintf(out, cap, "%04u-%02u-%02u", y, m, d);
        }
        if ((r >> 45) % 3 == 0) {
            y = 1900 + y % 200;
            m = 1 + m % 12;
            d = 1 + d % 28;
        }
        if ((r >> 50) % 13 == 0)
            return (size_t)snprintf(out, cap, "%04u/%02u/%02u", y, m, d);
        if ((r >> 50) % 13 == 1)
            return (size_t)snprintf(out, cap, "%04u-%02u-%02uT10:00", y, m, d);
        if ((r >> 50) % 13 == 2)
            return (size_t)snprintf(out, cap, "%04u-%02u-%02u%c", y, m, d, (char)('0' + b % 10));
        return (size_t)snprintf(out, cap, "%04u-%02u-%02u", y, m, d);
    }
    default: { /* everything else a column meets */
        static const char *const other[] = {
            "12/01/2024", "1/2/24 13:45", "2024-01-12 13:45:00", "2024-01-12T10:00:00Z",
            "2024-01-12T10:00:00+02:00", "13:45", "1:45 PM", "12-Jan-2024", "Jan 12, 2024",
            "NA", "", "null", "-", "abc", "true", "no", "1,5", "1.234,56", "1,234.5", "$5",
            "12.5%", "1e5", "-inf", "(12)", " 42 ", "\" \"", "\"\"", "007", "2024-02-29",
            "2023-02-29", "0000-01-01", "9999-12-31", "99999999999999999999", "-0", "0",
            "-1", "9.99", "2000-01-01"};
        return (size_t)snprintf(out, cap, "%s", other[r % (sizeof other / sizeof other[0])]);
    }
    }
}

static void test_fast_paths_match_general(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t cap = 1 << 20;
    char *csv = malloc(cap);
    assert_non_null(csv);
    char path[600];
    test_path(path, sizeof path, "fast-paths.csv");
    for (int trial = 0; trial < 120; trial++) {
        enum { COLS = 8, POOL = 6 };
        char delim = trial % 3 == 2 ? ';' : ',';
        /* Every fourth trial long and mostly unique, so columns stop probing the seen cache
         * (after 1024 misses) and the runs for text, integers, decimals and dates take over. */
        bool long_trial = trial % 4 == 1;
        int family[COLS];
        unsigned foreign[COLS]; /* per mille of values from any family */
        unsigned edge[COLS];    /* per mille of edge values of the column's family */
        char pool[COLS][POOL][48];
        size_t w = 0;
        for (int c = 0; c < COLS; c++) {
            family[c] = (int)(fp_next(&x) % (long_trial ? 3 : 4));
            foreign[c] = (unsigned[]){0, 0, 0, 2, 10, 80}[fp_next(&x) % (long_trial ? 4 : 6)];
            edge[c] = (unsigned[]){0, 0, 1, 5, 30, 300}[fp_next(&x) % (long_trial ? 4 : 6)];
            for (int k = 0; k < POOL; k++)
                fp_value(&x, family[c], fp_next(&x) % 1000 < edge[c], pool[c][k],
                         sizeof pool[c][k]);
            w += (size_t)snprintf(csv + w, cap - w, "%sc%d", c ? (delim == ';' ? ";" : ",") : "",
                                  c);
        }
        csv[w++] = '\n';
        fp_int_digits = long_trial ? 9 : 18; /* INT32 until the late decider below */
        int rows = long_trial ? 5000 + (int)(fp_next(&x) % 3000) : 50 + (int)(fp_next(&x) % 400);
        unsigned pool_share = long_trial ? 20 : 550; /* per mille of values from the pool */
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < COLS; c++) {
                char v[48];
                uint64_t pick = fp_next(&x) % 1000;
                if (pick < foreign[c])
                    fp_value(&x, (int)(pick % 4), true, v, sizeof v);
                else if (pick < foreign[c] + pool_share)
                    snprintf(v, sizeof v, "%s", pool[c][pick % POOL]);
                else
                    fp_value(&x, family[c], fp_next(&x) % 1000 < edge[c], v, sizeof v);
                /* Late in a long trial (after the cache stopped), a value that widens the
                 * column: past int32, one more fraction digit than any before, an invalid date. */
                if (long_trial && r == rows - 3 && family[c] == 0)
                    snprintf(v, sizeof v, "%s", (x >> 9) & 1 ? "3000000000" : "-3000000000");
                if (long_trial && r == rows - 3 && family[c] == 1)
                    snprintf(v, sizeof v, "%s", (x >> 9) & 1 ? "0.123456789" : "-7.000000001");
                if (long_trial && r == rows - 3 && family[c] == 2 && (x >> 9) % 3 == 0)
                    snprintf(v, sizeof v, "2023-02-29"); /* not a date: the column is text */
                bool quote = strchr(v, delim) != NULL && v[0] != '"';
                if (c)
                    csv[w++] = delim;
                w += (size_t)snprintf(csv + w, cap - w, quote ? "\"%s\"" : "%s", v);
            }
            csv[w++] = '\n';
        }
        test_write_file(path, csv, w);
        /* Some trials with null tokens that look like values of every family. */
        buzz_null_tokens nulls;
        buzz_null_tokens_default(&nulls);
        if (trial % 3 == 1) {
            static const char *const extra[] = {"0", "-1", "9.99", "2000-01-01", "abc"};
            for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
                assert_int_equal(buzz_null_tokens_add(&nulls, extra[k], strlen(extra[k]), NULL),
                                 BUZZ_OK);
        }
        buzz_schema fast, general;
        /* Long trials in batches of thousands of rows: the cache is per batch state. */
        size_t chunk = long_trial ? 4 << 20 : 2048;
        if (!infer_batches(path, false, &nulls, chunk, &fast) ||
            !infer_batches(path, true, &nulls, chunk, &general))
            fail_msg("trial %d: inference failed", trial);
        char *jf = NULL, *jg = NULL;
        assert_int_equal(buzz_schema_to_json(&fast, BUZZ_SCHEMA_JSON_STATS, &jf, NULL), BUZZ_OK);
        assert_int_equal(buzz_schema_to_json(&general, BUZZ_SCHEMA_JSON_STATS, &jg, NULL),
                         BUZZ_OK);
        if (getenv("FP_SHOW"))
            for (int c = 0; c < COLS; c++)
                fprintf(stderr, "%d/%s ", family[c], buzz_type_name(fast.columns[c].type));
        if (strcmp(jf, jg) != 0) {
            test_write_file("/tmp/buzz-fast-paths-fail.csv", csv, w);
            fail_msg("trial %d: the fast paths decide differently (input kept in "
                     "/tmp/buzz-fast-paths-fail.csv)\nfast:\n%s\ngeneral:\n%s",
                     trial, jf, jg);
        }
        buzz_free(jf);
        buzz_free(jg);
        buzz_schema_free(&fast);
        buzz_schema_free(&general);
    }
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num_scan),         cmocka_unit_test(test_num_convert),
        cmocka_unit_test(test_bool_and_nulls),   cmocka_unit_test(test_infer_cases),
        cmocka_unit_test(test_plain_int_property),
        cmocka_unit_test(test_infer_options),    cmocka_unit_test(test_infer_last_row_decides),
        cmocka_unit_test(test_infer_state_sizes),
        cmocka_unit_test(test_infer_merge_styles),
        cmocka_unit_test(test_names),            cmocka_unit_test(test_schema_roundtrip),
        cmocka_unit_test(test_value_parse),      cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_roundtrip_property),
        cmocka_unit_test(test_fast_paths_match_general),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
