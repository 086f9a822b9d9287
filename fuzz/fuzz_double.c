/* fuzz/fuzz_double.c: libFuzzer target for buzz_parse_double. Each input is checked twice: as raw
 * bytes, and mapped byte by byte onto a number alphabet (mostly digits, with '.', 'e', signs) so
 * that most mapped inputs are numbers worth rounding. The harness decides the grammar itself
 * (optional sign; digits with an optional '.', at least one digit; optional [eE][+-]?digits; or
 * any-case inf/infinity/nan): a grammatical input must parse to the bits glibc strtod gives on a
 * NUL-terminated copy (C locale), with BUZZ_PARSE_OVERFLOW exactly when strtod overflowed to
 * infinity; anything else must be BUZZ_PARSE_INVALID. The parser reads from an exact-size heap
 * copy, so ASan reports any read past len. Any difference aborts. Seeds: fuzz/seeds/fuzz_double/.
 */
#include "buzz/types.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool equal_nocase(const uint8_t *p, size_t n, const char *word)
{
    if (n != strlen(word))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i] >= 'A' && p[i] <= 'Z' ? (uint8_t)(p[i] + 32) : p[i];
        if (c != (uint8_t)word[i])
            return false;
    }
    return true;
}

/* 0: not in the grammar, 1: a number, 2: an inf/nan literal. */
static int classify(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    if (equal_nocase(p + i, n - i, "inf") || equal_nocase(p + i, n - i, "infinity") ||
        equal_nocase(p + i, n - i, "nan"))
        return 2;
    size_t digits = 0;
    for (; i < n && is_digit(p[i]); i++)
        digits++;
    if (i < n && p[i] == '.') {
        for (i++; i < n && is_digit(p[i]); i++)
            digits++;
    }
    if (digits == 0)
        return 0;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t exp_digits = 0;
        for (; i < n && is_digit(p[i]); i++)
            exp_digits++;
        if (exp_digits == 0)
            return 0;
    }
    return i == n ? 1 : 0;
}

static void fail(const char *what, const uint8_t *p, size_t n, double got, double want)
{
    fprintf(stderr, "fuzz_double: %s on \"%.*s\" (%zu bytes): got %a, strtod %a\n", what,
            (int)(n < 200 ? n : 200), (const char *)p, n, got, want);
    abort();
}

static void check(const uint8_t *p, size_t n)
{
    char *exact = malloc(n ? n : 1); /* no NUL: a read of p[n] is a heap overflow */
    char *z = malloc(n + 1);
    if (!exact || !z)
        abort();
    if (n)
        memcpy(exact, p, n);
    memcpy(z, p, n);
    z[n] = '\0';
    double got = 42.0;
    buzz_parse_result r = buzz_parse_double(exact, n, &got);
    int kind = classify(p, n);
    if (kind == 0) {
        if (r != BUZZ_PARSE_INVALID || got != 42.0)
            fail("accepted outside the grammar", p, n, got, 0.0);
    } else {
        char *end;
        double want = strtod(z, &end);
        if (end != z + n)
            fail("strtod stopped early (harness grammar bug)", p, n, got, want);
        buzz_parse_result want_r = kind == 1 && isinf(want) ? BUZZ_PARSE_OVERFLOW : BUZZ_PARSE_OK;
        uint64_t gb, wb;
        memcpy(&gb, &got, sizeof gb);
        memcpy(&wb, &want, sizeof wb);
        if (r != want_r)
            fail("wrong result code", p, n, got, want);
        if (gb != wb)
            fail("different bits", p, n, got, want);
    }
    free(exact);
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static const char alphabet[] = "01234567890123456789000999..eE+-";
    check(in, size);
    uint8_t *mapped = malloc(size ? size : 1);
    if (!mapped)
        abort();
    for (size_t i = 0; i < size; i++)
        mapped[i] = (uint8_t)alphabet[in[i] % (sizeof alphabet - 1)];
    /* A leading byte above 0xF0 keeps the first mapped byte a digit: more inputs stay numbers. */
    if (size && in[0] >= 0xF0)
        mapped[0] = (uint8_t)('1' + in[0] % 9);
    check(mapped, size);
    free(mapped);
    return 0;
}
