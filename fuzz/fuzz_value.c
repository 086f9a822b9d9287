/* fuzz/fuzz_value.c: libFuzzer target for the number, boolean and cell parsers and the schema
 * document reader. The first byte picks what the rest is fed to:
 *   0: buzz_num_scan under every style; a number that converts to int64 must convert to the same
 *      decimal at scale 0 and (below 2^53) to the same double; decimal text re-scans to itself.
 *   1: buzz_schema_parse_json on arbitrary bytes; an accepted document must write and re-read.
 *   2: buzz_value_parse for a column definition taken from the next bytes; never crashes, and an
 *      accepted value formats to text that parses back to the same value. */
#include "buzz/types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_value: %s\n", what);
        abort();
    }
}

static void numbers(const char *s, size_t len)
{
    for (int st = 0; st < BUZZ_NUM_STYLE_COUNT; st++) {
        buzz_num n;
        if (!buzz_num_scan(s, len, (buzz_num_style)st, &n))
            continue;
        check(n.norm_len <= BUZZ_NUM_TEXT_MAX + 4, "normalized form too long");
        int64_t v;
        buzz_i128 d;
        double x;
        buzz_parse_result ri = buzz_num_to_int64(&n, &v);
        buzz_parse_result rd = buzz_num_to_decimal(&n, 38, 0, &d);
        buzz_parse_result rf = buzz_num_to_double(&n, &x);
        check(rf == BUZZ_PARSE_OK || rf == BUZZ_PARSE_OVERFLOW, "a scanned number is not a double");
        if (ri == BUZZ_PARSE_OK) {
            check(rd == BUZZ_PARSE_OK && d == (buzz_i128)v, "int64 and decimal disagree");
            if (v > -(INT64_C(1) << 53) && v < (INT64_C(1) << 53))
                check(x == (double)v, "int64 and double disagree");
        }
        if (st == BUZZ_NUM_DOT || st == BUZZ_NUM_DOT_GROUP_COMMA) {
            /* A DOUBLE cell of this style reads as the number's double (value.c's direct path
             * for plain digits must agree with the normalized text's). */
            buzz_column_def cd;
            memset(&cd, 0, sizeof cd);
            cd.type = BUZZ_TYPE_DOUBLE;
            cd.num_style = (buzz_num_style)st;
            cd.unit = n.unit;
            buzz_null_tokens none = {0};
            buzz_value val;
            buzz_parse_result rv = buzz_value_parse(&cd, &none, s, len, false, &val);
            if (rf == BUZZ_PARSE_OK && rv == BUZZ_PARSE_OK && !val.is_null)
                check(memcmp(&val.v.f64, &x, sizeof x) == 0, "a DOUBLE cell reads another double");
        }
        if (rd == BUZZ_PARSE_OK) {
            char text[48];
            size_t tl = buzz_format_decimal(d, 0, text);
            buzz_num m;
            buzz_i128 back;
            check(buzz_num_scan(text, tl, BUZZ_NUM_DOT, &m), "decimal text does not re-scan");
            check(buzz_num_to_decimal(&m, 38, 0, &back) == BUZZ_PARSE_OK && back == d,
                  "decimal text re-scans differently");
        }
    }
    bool b;
    (void)buzz_parse_bool(s, len, true, &b);
}

static void schema_doc(const char *s, size_t len)
{
    buzz_schema sc;
    if (buzz_schema_parse_json(s, len, "fuzz.json", &sc, NULL) != BUZZ_OK)
        return;
    char *json = NULL;
    check(buzz_schema_to_json(&sc, BUZZ_SCHEMA_JSON_STATS, &json, NULL) == BUZZ_OK, "accepted document does not write");
    buzz_schema again;
    check(buzz_schema_parse_json(json, strlen(json), "again.json", &again, NULL) == BUZZ_OK,
          "written document does not read back");
    check(again.column_count == sc.column_count, "column count changed");
    buzz_schema_free(&again);
    buzz_free(json);
    buzz_schema_free(&sc);
}

static void cell(const uint8_t *p, size_t len)
{
    if (len < 4)
        return;
    buzz_column_def d;
    memset(&d, 0, sizeof d);
    d.type = (buzz_type)(p[0] % BUZZ_TYPE_COUNT);
    d.precision = 1 + p[1] % 38;
    d.scale = p[1] / 38 % (d.precision + 1);
    d.num_style = (buzz_num_style)(p[2] % BUZZ_NUM_STYLE_COUNT);
    d.date_order = (buzz_date_order)(p[3] % BUZZ_DATE_ORDER_COUNT);
    d.bool_digits = p[3] & 0x80;
    d.is_user_type = p[3] & 0x40;
    d.name = (char *)"c";
    buzz_null_tokens nt;
    buzz_null_tokens_default(&nt);
    buzz_value v;
    const char *s = (const char *)p + 4;
    size_t n = len - 4;
    buzz_parse_result r = buzz_value_parse(&d, &nt, s, n, p[2] & 0x80, &v);
    char why[160];
    (void)buzz_parse_reason(&d, r, why, sizeof why);
    if (r != BUZZ_PARSE_OK || v.is_null || d.type == BUZZ_TYPE_VARCHAR || d.type == BUZZ_TYPE_NULL)
        return;
    /* Canonical text reads back as the same value (in the canonical style and order). */
    char buf[64];
    const char *t;
    size_t tl = buzz_value_format(&d, &v, buf, &t);
    buzz_column_def canon = d;
    canon.num_style = BUZZ_NUM_DOT;
    canon.date_order = BUZZ_DATE_YMD;
    canon.unit = BUZZ_UNIT_NONE;
    canon.is_user_type = false;
    buzz_value w;
    check(buzz_value_parse(&canon, &nt, t, tl, false, &w) == BUZZ_PARSE_OK && !w.is_null,
          "canonical text does not parse back");
    char buf2[64];
    const char *t2;
    size_t tl2 = buzz_value_format(&canon, &w, buf2, &t2);
    check(tl == tl2 && memcmp(t, t2, tl) == 0, "canonical text changes on a round trip");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        numbers((const char *)data + 1, size - 1);
        break;
    case 1:
        schema_doc((const char *)data + 1, size - 1);
        break;
    default:
        cell(data + 1, size - 1);
        break;
    }
    return 0;
}
