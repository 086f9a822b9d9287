/* tests/test_types_double.c: unit tests of buzz_parse_double (src/types/parse_double.c): a table of
 * hard cases with their exact expected bits (ties, subnormal and overflow edges, long and
 * degenerate inputs, inf/nan), exact midpoints between adjacent doubles built with a small bignum,
 * the rejected shapes, the no-read-past-len contract, sweeps over every power of ten the parser's
 * table covers, and a randomized differential test against glibc strtod (C locale) over several
 * million inputs of varied shapes. glibc strtod is called here only, as the reference.
 * BUZZ_DOUBLE_RANDOM_COUNT overrides the number of random inputs (default 2400000: about 4 s at
 * -O2 and 6 s under ASan+UBSan at -O1). */
#include "test_support.h"

#include <float.h>
#include <locale.h>
#include <math.h>

#include "buzz/types.h"

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* Parse s (NUL-terminated) twice: in place, and from an exact-size heap copy without a NUL so that
 * ASan catches any read of s[len]. Both must agree. */
static buzz_parse_result parse(const char *s, size_t len, double *out)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    double a = 42.0, b = 42.0;
    buzz_parse_result ra = buzz_parse_double(s, len, &a);
    buzz_parse_result rb = buzz_parse_double(copy, len, &b);
    free(copy);
    if (ra != rb || bits_of(a) != bits_of(b))
        fail_msg("\"%.60s\": in place and copied parses differ", s);
    *out = a;
    return ra;
}

static const char *result_name(buzz_parse_result r)
{
    static const char *names[] = {"OK", "INVALID", "OVERFLOW", "PRECISION"};
    return (unsigned)r < 4 ? names[r] : "?";
}

/* got/want compared bit for bit; NaN must be the quiet NaN with the same sign. */
static bool same_double(double got, double want)
{
    if (isnan(want))
        return bits_of(got) == (bits_of(want) & 0x8000000000000000ull) + 0x7FF8000000000000ull;
    return bits_of(got) == bits_of(want);
}

static void expect(const char *what, const char *s, double want, buzz_parse_result want_r)
{
    double got;
    buzz_parse_result r = parse(s, strlen(s), &got);
    if (r != want_r || !same_double(got, want))
        fail_msg("%s \"%.80s%s\": got %s %a, want %s %a", what, s, strlen(s) > 80 ? "..." : "",
                 result_name(r), got, result_name(want_r), want);
}

static void test_table(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        double want;
        buzz_parse_result r;
    } cases[] = {
        {"0", 0.0, BUZZ_PARSE_OK},
        {"-0", -0.0, BUZZ_PARSE_OK},
        {"+0", 0.0, BUZZ_PARSE_OK},
        {"-0.0e0", -0.0, BUZZ_PARSE_OK},
        {"-0.000e-999", -0.0, BUZZ_PARSE_OK},
        {"0e999999999999", 0.0, BUZZ_PARSE_OK},
        {"-000000000000000000000000000000000000000", -0.0, BUZZ_PARSE_OK},
        {".0", 0.0, BUZZ_PARSE_OK},
        {"0.", 0.0, BUZZ_PARSE_OK},
        {"1", 1.0, BUZZ_PARSE_OK},
        {"-1", -1.0, BUZZ_PARSE_OK},
        {"+1.5", 1.5, BUZZ_PARSE_OK},
        {".5", 0.5, BUZZ_PARSE_OK},
        {"5.", 5.0, BUZZ_PARSE_OK},
        {"1e0", 1.0, BUZZ_PARSE_OK},
        {"1E+2", 100.0, BUZZ_PARSE_OK},
        {"1e-2", 0x1.47ae147ae147bp-7, BUZZ_PARSE_OK},
        {"0.1", 0x1.999999999999ap-4, BUZZ_PARSE_OK},
        {"1234.56", 0x1.34a3d70a3d70ap+10, BUZZ_PARSE_OK},
        {"007", 7.0, BUZZ_PARSE_OK},
        {"1e+00000000000000000000000000001", 10.0, BUZZ_PARSE_OK},
        /* Around 2^53: ties go to the even mantissa. */
        {"9007199254740992", 0x1p53, BUZZ_PARSE_OK},
        {"9007199254740993", 0x1p53, BUZZ_PARSE_OK},
        {"9007199254740994", 0x1.0000000000001p53, BUZZ_PARSE_OK},
        {"9007199254740995", 0x1.0000000000002p53, BUZZ_PARSE_OK},
        {"9007199254740993.0000000000000000001", 0x1.0000000000001p53, BUZZ_PARSE_OK},
        {"9007199254740992.9999999999999999999", 0x1p53, BUZZ_PARSE_OK},
        {"900719925474099.3e1", 0x1p53, BUZZ_PARSE_OK},
        /* 1 + 2^-53 exactly, and just below and above it. */
        {"1.00000000000000011102230246251565404236316680908203125", 1.0, BUZZ_PARSE_OK},
        {"1.00000000000000011102230246251565404236316680908203124", 1.0, BUZZ_PARSE_OK},
        {"1.00000000000000011102230246251565404236316680908203126", 0x1.0000000000001p0,
         BUZZ_PARSE_OK},
        {"1e23", 0x1.52d02c7e14af6p+76, BUZZ_PARSE_OK},
        {"1e22", 0x1.0f0cf064dd592p+73, BUZZ_PARSE_OK},
        {"123456789012345678901234567890", 0x1.8ee90ff6c373ep+96, BUZZ_PARSE_OK},
        {"18446744073709551615", 0x1p64, BUZZ_PARSE_OK},
        {"18446744073709551616", 0x1p64, BUZZ_PARSE_OK},
        /* Normal/subnormal boundary and the smallest subnormals. */
        {"2.2250738585072014e-308", 0x1p-1022, BUZZ_PARSE_OK},
        {"2.2250738585072012e-308", 0x1p-1022, BUZZ_PARSE_OK},
        {"2.2250738585072011e-308", 0x0.fffffffffffffp-1022, BUZZ_PARSE_OK},
        {"4.9406564584124654e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        {"5e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        {"3e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        {"2.4703282292062328e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK}, /* above half */
        {"2.4703282292062327e-324", 0.0, BUZZ_PARSE_OK},                     /* below half */
        {"-2.4703282292062327e-324", -0.0, BUZZ_PARSE_OK},
        {"7.4109846876186982e-324", 0x0.0000000000002p-1022, BUZZ_PARSE_OK},
        {"1e-324", 0.0, BUZZ_PARSE_OK},
        {"-1e-400", -0.0, BUZZ_PARSE_OK},
        {"1e-999999999999", 0.0, BUZZ_PARSE_OK},
        /* The top of the range. */
        {"1.7976931348623157e308", DBL_MAX, BUZZ_PARSE_OK},
        {"1.7976931348623158e308", DBL_MAX, BUZZ_PARSE_OK},
        {"-1.7976931348623158e308", -DBL_MAX, BUZZ_PARSE_OK},
        {"1.7976931348623159e308", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"-1.7976931348623159e308", -INFINITY, BUZZ_PARSE_OVERFLOW},
        {"1e308", 0x1.1ccf385ebc8ap+1023, BUZZ_PARSE_OK},
        {"1e309", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"1e999999999999", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"-1e999999999999", -INFINITY, BUZZ_PARSE_OVERFLOW},
        {"0.000000000000000000000000000001e400", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"0.0001e4", 1.0, BUZZ_PARSE_OK},
        {"1000000000000000000000000000000e-29", 10.0, BUZZ_PARSE_OK},
        /* Literals (not overflow). */
        {"inf", INFINITY, BUZZ_PARSE_OK},
        {"+INF", INFINITY, BUZZ_PARSE_OK},
        {"-Inf", -INFINITY, BUZZ_PARSE_OK},
        {"infinity", INFINITY, BUZZ_PARSE_OK},
        {"-InFiNiTy", -INFINITY, BUZZ_PARSE_OK},
        {"nan", NAN, BUZZ_PARSE_OK},
        {"NAN", NAN, BUZZ_PARSE_OK},
        {"+NaN", NAN, BUZZ_PARSE_OK},
        {"-nan", -NAN, BUZZ_PARSE_OK},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        expect(what, cases[i].in, cases[i].want, cases[i].r);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    static const char *cases[] = {
        "",
        "+",
        "-",
        ".",
        "+.",
        "-.",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "1e-",
        "1E",
        "1 ",
        " 1",
        "1\t",
        "1,000",
        "1_000",
        "1'000",
        "0x1p3",
        "0x10",
        "0X1.8P1",
        "1.2.3",
        "1e5.5",
        "1e5e5",
        "--1",
        "+-1",
        "-+1",
        "1..2",
        "1d5",
        "1f",
        "1.0f",
        "1e+-5",
        "in",
        "infin",
        "infinit",
        "infinityy",
        "infinty",
        "nan(123)",
        "nana",
        "na",
        "-",
        "+inf ",
        " nan",
        "-in",
        "i",
        "e",
        "E10",
        "1e 5",
        "1 e5",
        "- 1",
        "\xd9\xa1",
        "1\xff",
        "\xef\xbc\x91",
        "١",
        "1e10000000000000000000x",
        "0.5.",
        "12a",
        "a12",
        "++1",
        "1-",
        "1+",
        "1e5-",
        ".-1",
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        double got = 42.0;
        buzz_parse_result r = parse(cases[i], strlen(cases[i]), &got);
        if (r != BUZZ_PARSE_INVALID)
            fail_msg("case %zu \"%s\": got %s %a, want INVALID", i, cases[i], result_name(r), got);
        if (got != 42.0)
            fail_msg("case %zu \"%s\": *out written on INVALID", i, cases[i]);
    }
    /* Embedded NUL bytes are not the end of the text. */
    static const struct {
        const char *in;
        size_t len;
    } nul_cases[] = {{"1\0", 2},
                     {"\0", 1},
                     {"1\0"
                      "5",
                      3},
                     {"inf\0", 4},
                     {"1e\0"
                      "5",
                      4}};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(nul_cases); i++) {
        double got;
        if (parse(nul_cases[i].in, nul_cases[i].len, &got) != BUZZ_PARSE_INVALID)
            fail_msg("NUL case %zu accepted", i);
    }
    double got;
    assert_int_equal(buzz_parse_double(NULL, 0, &got), BUZZ_PARSE_INVALID);
}

/* Only the first len bytes count: a prefix of a longer text parses as that prefix. */
static void test_prefixes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len;
        double want;
        buzz_parse_result r;
    } cases[] = {
        {"123456", 3, 123.0, BUZZ_PARSE_OK},
        {"1e5", 2, 0.0, BUZZ_PARSE_INVALID},
        {"1.5x", 3, 1.5, BUZZ_PARSE_OK},
        {"-inf", 3, 0.0, BUZZ_PARSE_INVALID},
        {"infinity", 3, INFINITY, BUZZ_PARSE_OK},
        {"1e308", 4, 1e30, BUZZ_PARSE_OK},
        {"2.5e-3,7", 6, 2.5e-3, BUZZ_PARSE_OK},
        {"0.1234567890123456789012", 20, 0.123456789012345678, BUZZ_PARSE_OK},
        {"-7\n", 2, -7.0, BUZZ_PARSE_OK},
        {"5e-324 ", 6, 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        double got = 0.0;
        buzz_parse_result r = parse(cases[i].text, cases[i].len, &got);
        if (r != cases[i].r || (r == BUZZ_PARSE_OK && !same_double(got, cases[i].want)))
            fail_msg("case %zu \"%.*s\": got %s %a, want %s %a", i, (int)cases[i].len,
                     cases[i].text, result_name(r), got, result_name(cases[i].r), cases[i].want);
    }
}

/* The reference: glibc strtod on a NUL-terminated string that must be consumed whole. */
static bool reference(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *end == '\0' && end != s;
}

static bool is_literal(const char *s)
{
    return strpbrk(s, "iInN") != NULL;
}

/* One differential comparison; returns false (and prints up to 20 of them) on a mismatch. */
static bool compare_one(const char *s, size_t *printed)
{
    double want, got;
    if (!reference(s, &want)) {
        if ((*printed)++ < 20)
            fprintf(stderr, "generator bug: strtod refuses \"%.100s\"\n", s);
        return false;
    }
    buzz_parse_result want_r = isinf(want) && !is_literal(s) ? BUZZ_PARSE_OVERFLOW : BUZZ_PARSE_OK;
    buzz_parse_result r = buzz_parse_double(s, strlen(s), &got);
    if (r == want_r && same_double(got, want))
        return true;
    if ((*printed)++ < 20)
        fprintf(stderr, "mismatch \"%.120s%s\": got %s %a, strtod %a\n", s,
                strlen(s) > 120 ? "..." : "", result_name(r), got, want);
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Exact decimals of m * 2^e built with a small bignum: midpoints between adjacent doubles. */

/* Decimal digits of m * base^k (base 2 or 5), most significant first, NUL-terminated. */
static void big_digits(uint64_t m, unsigned base, unsigned k, char *out, size_t cap)
{
    uint8_t d[1400]; /* little-endian digits; 5^1100 * 2^64 has under 790 */
    size_t n = 0;
    for (; m; m /= 10)
        d[n++] = (uint8_t)(m % 10);
    for (unsigned i = 0; i < k; i++) {
        unsigned carry = 0;
        for (size_t j = 0; j < n; j++) {
            unsigned v = d[j] * base + carry;
            d[j] = (uint8_t)(v % 10);
            carry = v / 10;
        }
        for (; carry; carry /= 10)
            d[n++] = (uint8_t)(carry % 10);
        assert_true(n < sizeof d);
    }
    assert_true(n < cap);
    for (size_t j = 0; j < n; j++)
        out[j] = (char)('0' + d[n - 1 - j]);
    out[n] = '\0';
}

/* The exact decimal text of m * 2^e: "<digits>" or "<digits>e-<k>". */
static void exact_text(uint64_t m, int e, char *out, size_t cap)
{
    if (e >= 0) {
        big_digits(m, 2, (unsigned)e, out, cap);
    } else {
        big_digits(m, 5, (unsigned)-e, out, cap - 16);
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "e-%d", -e);
    }
}

/* Rewrite "<digits>[e<exp>]" (an integer mantissa) as the same value plus (+1) or minus (-1)
 * 10^-30 units of its last digit: "<digits>.000...1" or "<digits - 1>.999...9". */
static void nudge(const char *in, int dir, char *out, size_t cap)
{
    const char *e = strchr(in, 'e');
    size_t n = e ? (size_t)(e - in) : strlen(in);
    assert_true(n + 64 < cap);
    memcpy(out, in, n);
    if (dir < 0) { /* decrement the integer; a leading zero left behind is fine */
        size_t i = n;
        while (i > 0 && out[i - 1] == '0')
            out[--i] = '9';
        assert_true(i > 0);
        out[i - 1]--;
    }
    snprintf(out + n, cap - n, "%s%s",
             dir > 0 ? ".000000000000000000000000000001" : ".999999999999999999999999999999",
             e ? e : "");
}

static void test_exact_midpoints(void **state)
{
    (void)state;
    /* m * 2^e is the midpoint; below/tie/above give the doubles listed. */
    static const struct {
        uint64_t m;
        int e;
        double below, tie, above;
        buzz_parse_result above_r;
    } cases[] = {
        {(1ull << 53) + 1, -53, 1.0, 1.0, 0x1.0000000000001p0, BUZZ_PARSE_OK},
        {(1ull << 53) + 3, -53, 0x1.0000000000001p0, 0x1.0000000000002p0, 0x1.0000000000002p0,
         BUZZ_PARSE_OK},
        {(1ull << 53) + 1, 0, 0x1p53, 0x1p53, 0x1.0000000000001p53, BUZZ_PARSE_OK},
        {(1ull << 53) + 1, 100, 0x1p153, 0x1p153, 0x1.0000000000001p153, BUZZ_PARSE_OK},
        {(1ull << 53) + 1, -1000, 0x1p-947, 0x1p-947, 0x1.0000000000001p-947, BUZZ_PARSE_OK},
        {(1ull << 53) + 1, -1075, 0x1p-1022, 0x1p-1022, 0x1.0000000000001p-1022, BUZZ_PARSE_OK},
        {1, -1075, 0.0, 0.0, 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        {3, -1075, 0x0.0000000000001p-1022, 0x0.0000000000002p-1022, 0x0.0000000000002p-1022,
         BUZZ_PARSE_OK},
        {5, -1075, 0x0.0000000000002p-1022, 0x0.0000000000002p-1022, 0x0.0000000000003p-1022,
         BUZZ_PARSE_OK},
        {(1ull << 53) - 1, -1075, 0x0.fffffffffffffp-1022, 0x1p-1022, 0x1p-1022, BUZZ_PARSE_OK},
        {(1ull << 54) - 1, 970, DBL_MAX, INFINITY, INFINITY, BUZZ_PARSE_OVERFLOW},
        {(1ull << 54) - 3, 970, 0x1.ffffffffffffep1023, 0x1.ffffffffffffep1023, DBL_MAX,
         BUZZ_PARSE_OK},
    };
    char tie[2048], text[2200];
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        exact_text(cases[i].m, cases[i].e, tie, sizeof tie);
        char what[48];
        snprintf(what, sizeof what, "midpoint %zu tie", i);
        expect(what, tie, cases[i].tie, isinf(cases[i].tie) ? BUZZ_PARSE_OVERFLOW : BUZZ_PARSE_OK);
        nudge(tie, -1, text, sizeof text);
        snprintf(what, sizeof what, "midpoint %zu below", i);
        expect(what, text, cases[i].below, BUZZ_PARSE_OK);
        nudge(tie, 1, text, sizeof text);
        snprintf(what, sizeof what, "midpoint %zu above", i);
        expect(what, text, cases[i].above, cases[i].above_r);
        /* Trailing zeros keep the tie a tie; one more digit far out breaks it upwards. */
        char *e = strchr(tie, 'e');
        snprintf(text, sizeof text, "%.*s.%0900d%s", e ? (int)(e - tie) : (int)strlen(tie), tie, 0,
                 e ? e : "");
        snprintf(what, sizeof what, "midpoint %zu tie+zeros", i);
        expect(what, text, cases[i].tie, isinf(cases[i].tie) ? BUZZ_PARSE_OVERFLOW : BUZZ_PARSE_OK);
        snprintf(text, sizeof text, "%.*s.%0900d1%s", e ? (int)(e - tie) : (int)strlen(tie), tie, 0,
                 e ? e : "");
        snprintf(what, sizeof what, "midpoint %zu tie+zeros+1", i);
        expect(what, text, cases[i].above, cases[i].above_r);
    }
}

/* Long and degenerate inputs: thousands of digits, huge exponents, long exponent digit strings. */
static void test_long_inputs(void **state)
{
    (void)state;
    size_t cap = 210000;
    char *s = malloc(cap);
    assert_non_null(s);
    static const struct {
        const char *head;
        char fill;
        size_t fill_count;
        const char *tail;
        double want;
        buzz_parse_result r;
    } cases[] = {
        {"1", '0', 1000, "e-1000", 1.0, BUZZ_PARSE_OK},
        {"0.", '0', 399, "1e400", 1.0, BUZZ_PARSE_OK},
        {"0.", '0', 5000, "1e5001", 1.0, BUZZ_PARSE_OK},
        {"-0.", '0', 100000, "1e100001", -1.0, BUZZ_PARSE_OK},
        {"", '9', 100000, "e-100000", 1.0, BUZZ_PARSE_OK},
        {"", '9', 100000, "", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"0.", '9', 100000, "", 1.0, BUZZ_PARSE_OK},
        {"0.", '0', 100000, "1", 0.0, BUZZ_PARSE_OK},
        {"1", '0', 100000, "e-99999999999999999999", 0.0, BUZZ_PARSE_OK},
        {"1", '0', 100000, "e-100308", 1e-308, BUZZ_PARSE_OK},
        {"1e", '0', 1000, "5", 1e5, BUZZ_PARSE_OK},
        {"1e-", '9', 1000, "", 0.0, BUZZ_PARSE_OK},
        {"1e+", '9', 1000, "", INFINITY, BUZZ_PARSE_OVERFLOW},
        {"0e", '9', 1000, "", 0.0, BUZZ_PARSE_OK},
        {"4.", '0', 3000, "1e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        /* 2^-1075 (half the smallest subnormal) cut after 75-76 digits, rounded up and down. */
        {"2.4703282292062327208828439643411068618252990130716238221279284125033775364", '0', 3000,
         "e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        {"2.47032822920623272088284396434110686182529901307162382212792841250337753635", '0', 3000,
         "e-324", 0.0, BUZZ_PARSE_OK},
        {"2.47032822920623272088284396434110686182529901307162382212792841250337753635", '9', 3000,
         "e-324", 0x0.0000000000001p-1022, BUZZ_PARSE_OK},
        /* The midpoint of DBL_MAX and 2^1024 cut after 75 digits: below it either way. */
        {"1.7976931348623158079372897140530341507993413271003782693617377898044496829", '0', 3000,
         "e308", DBL_MAX, BUZZ_PARSE_OK},
        {"1.7976931348623158079372897140530341507993413271003782693617377898044496829", '9', 3000,
         "e308", INFINITY, BUZZ_PARSE_OVERFLOW},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        size_t h = strlen(cases[i].head), t = strlen(cases[i].tail);
        assert_true(h + cases[i].fill_count + t < cap);
        memcpy(s, cases[i].head, h);
        memset(s + h, cases[i].fill, cases[i].fill_count);
        memcpy(s + h + cases[i].fill_count, cases[i].tail, t + 1);
        char what[32];
        snprintf(what, sizeof what, "long case %zu", i);
        expect(what, s, cases[i].want, cases[i].r);
        size_t printed = 0;
        if (!compare_one(s, &printed))
            fail_msg("long case %zu differs from strtod", i);
    }
    /* 10000 pseudo-random digits at many scales, against strtod. */
    uint64_t x = 12345;
    size_t printed = 0, bad = 0;
    for (int e = -10400; e <= -9600; e += 7) {
        size_t n = 0;
        for (int k = 0; k < 10000; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            s[n++] = (char)('0' + (x >> 60) % 10);
        }
        snprintf(s + n, cap - n, "e%d", e);
        bad += !compare_one(s, &printed);
    }
    free(s);
    if (bad)
        fail_msg("%zu long random inputs differ from strtod", bad);
}

/* Every power of ten the Eisel-Lemire table covers (and beyond), with mantissas at the edges of
 * each path: below/at/above 2^53, 19 and 20 digits, all nines, and a few hard mantissas. */
static void test_sweep(void **state)
{
    (void)state;
    static const char *mantissas[] = {
        "1",
        "2",
        "5",
        "9",
        "4503599627370496",
        "9007199254740991",
        "9007199254740992",
        "9007199254740993",
        "9007199254740994",
        "9007199254740995",
        "12345678901234567",
        "99999999999999999",
        "999999999999999999",
        "9999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999",
        "17976931348623157",
        "22250738585072014",
        "49406564584124654",
        "24703282292062327",
        "24703282292062328",
        "7205759403792793",
        "72057594037927933",
        "1.0000000000000002220446049250313",
        "4.35",
        "0.000000000000000000000000000000123",
    };
    char s[128];
    size_t printed = 0, bad = 0, count = 0;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(mantissas); i++) {
        for (int e = -380; e <= 340; e++) {
            snprintf(s, sizeof s, "-%se%d", mantissas[i], e);
            bad += !compare_one(s + 1, &printed);
            bad += !compare_one(s, &printed);
            count += 2;
        }
    }
    if (bad)
        fail_msg("%zu of %zu sweep inputs differ from strtod", bad, count);
}

/* ---------------------------------------------------------------------------------------------
 * Randomized differential test. */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r) /* xorshift64* */
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

static unsigned rng_below(rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

static double random_double(rng *r)
{
    uint64_t b = rng_next(r);
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* A random finite double of "ordinary" size, roughly 1e-30 to 1e30. */
static double ordinary_double(rng *r)
{
    uint64_t b = (rng_next(r) & 0x800FFFFFFFFFFFFFull) | (uint64_t)(1023 - 100 + rng_below(r, 200))
                                                             << 52;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* 1-40 random digits, a random '.' (or none), a random exponent in [-350, 350] (or none). */
static void random_digits(rng *r, char *out, size_t cap, int exp_range)
{
    size_t n = 0;
    unsigned sign = rng_below(r, 4);
    if (sign == 0)
        out[n++] = '-';
    else if (sign == 1)
        out[n++] = '+';
    unsigned nd = 1 + rng_below(r, 40);
    unsigned dot = rng_below(r, nd + 3); /* > nd: no '.' */
    unsigned zeros = rng_below(r, 4) == 0 ? rng_below(r, 25) : 0;
    for (unsigned k = 0; k < nd; k++) {
        if (k == dot)
            out[n++] = '.';
        unsigned dig = k < zeros ? 0 : rng_below(r, 10);
        if (rng_below(r, 8) == 0) /* runs of 0 and 9 make carries and near-ties */
            dig = rng_below(r, 2) ? 0 : 9;
        out[n++] = (char)('0' + dig);
    }
    if (dot == nd)
        out[n++] = '.';
    if (rng_below(r, 5) != 0) {
        int e = (int)rng_below(r, 2u * (unsigned)exp_range + 1) - exp_range;
        const char *forms[] = {"e%d", "E%d", "e+%d", "e%03d"};
        const char *f = forms[rng_below(r, 4)];
        if (e < 0 && f[1] == '+')
            f = "e%d";
        snprintf(out + n, cap - n, f, e);
    } else {
        out[n] = '\0';
    }
}

/* Near a midpoint between adjacent doubles: the midpoint (exact in x87 long double) printed with
 * 16-40 significant digits, or exactly (up to 767 digits) and then nudged or cut. */
static bool near_halfway(rng *r, char *out, size_t cap)
{
#if LDBL_MANT_DIG >= 64
    double d = rng_below(r, 4) == 0 ? random_double(r) : ordinary_double(r);
    double next = nextafter(d, INFINITY);
    if (!isfinite(d) || !isfinite(next))
        return false;
    long double mid = ((long double)d + (long double)next) / 2;
    if (rng_below(r, 16) != 0) {
        snprintf(out, cap, "%.*Le", 15 + (int)rng_below(r, 26), mid);
        return true;
    }
    char exact[1100];
    snprintf(exact, sizeof exact, "%.780Le", mid); /* glibc prints long doubles exactly */
    char *e = strchr(exact, 'e');
    size_t n = (size_t)(e - exact);
    while (exact[n - 1] == '0')
        n--;
    unsigned how = rng_below(r, 4);
    if (how == 1 && n > 18) /* cut: at or just below the midpoint */
        n = 18 + rng_below(r, (unsigned)(n - 17));
    snprintf(out, cap, "%.*s%s%s", (int)n, exact, how == 2 ? "0000000000000000000001" : "", e);
    return true;
#else
    (void)r;
    (void)out;
    (void)cap;
    return false;
#endif
}

/* Clinger and Eisel-Lemire edges: mantissas near 2^53 and 10^19, exponents near 22 and 37. */
static void edge_shape(rng *r, char *out, size_t cap)
{
    static const uint64_t bases[] = {1ull << 53, 10000000000000000000ull, 1ull << 63,
                                     999999999999999ull, 1};
    uint64_t w = bases[rng_below(r, 5)] + rng_below(r, 64) - 32;
    static const int exps[] = {-22, 22, 37, -23, 23, 38, 308, -324, -342, -343, 309, 0};
    int e = exps[rng_below(r, 12)] + (int)rng_below(r, 5) - 2;
    snprintf(out, cap, "%llue%d", (unsigned long long)w, e);
}

static void test_random_vs_strtod(void **state)
{
    (void)state;
    size_t count = 2400000;
    const char *env = getenv("BUZZ_DOUBLE_RANDOM_COUNT");
    if (env && env[0])
        count = (size_t)strtoull(env, NULL, 10);
    rng r = {0x9E3779B97F4A7C15ull};
    char s[1200];
    size_t printed = 0, bad = 0, compared = 0;
    static const char *fmts[] = {"%.17g", "%.16g", "%.15g", "%.25g"};
    for (size_t i = 0; i < count; i++) {
        switch (i % 8) {
        case 0:
        case 1:
        case 2: /* random bit patterns, including subnormals, inf and nan */
            snprintf(s, sizeof s, fmts[i % 4 == 3 ? 3 : rng_below(&r, 4)], random_double(&r));
            break;
        case 3: /* ordinary magnitudes, 1-17 significant digits */
            snprintf(s, sizeof s, "%.*g", 1 + (int)rng_below(&r, 17), ordinary_double(&r));
            break;
        case 4:
            random_digits(&r, s, sizeof s, 350);
            break;
        case 5:
            random_digits(&r, s, sizeof s, 30);
            break;
        case 6:
            if (!near_halfway(&r, s, sizeof s))
                random_digits(&r, s, sizeof s, 350);
            break;
        default:
            edge_shape(&r, s, sizeof s);
            break;
        }
        bad += !compare_one(s, &printed);
        compared++;
    }
    print_message("buzz_parse_double: %zu random inputs compared with strtod, %zu differ\n",
                  compared, bad);
    if (bad)
        fail_msg("%zu of %zu random inputs differ from strtod", bad, compared);
}

int main(void)
{
    setlocale(LC_ALL, "C"); /* strtod, the reference, is locale-dependent */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_exact_midpoints),
        cmocka_unit_test(test_long_inputs),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_random_vs_strtod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
