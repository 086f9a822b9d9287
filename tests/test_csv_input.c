/* tests/test_csv_input.c: unit tests of the decoded stream (src/csv/input.c, src/csv/encoding.c):
 * encoding detection and transcoding to UTF-8 (BOMs, BOM-less UTF-16, the Windows-1252 fallback
 * and its lazy switch, U+FFFD counting), gzip and zstd sources with several members/frames, stdin
 * through a pipe, samples of seekable files, buffer-boundary crossings in a > 3 MiB input, chunk
 * caps from 16 bytes up, errors and every allocation failure. Also the public name helpers. */
#include "test_support.h"

#include <fcntl.h>
#include <zlib.h>
#include <zstd.h>

#include "csv/csv_internal.h"

#define MIB ((size_t)1 << 20)

/* A growable test buffer (plain malloc: the counting allocator is what the tests watch). */
typedef struct tbuf {
    uint8_t *p;
    size_t len, cap;
} tbuf;

static void tbuf_add(tbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void tbuf_byte(tbuf *b, uint8_t c)
{
    tbuf_add(b, &c, 1);
}

/* Strict UTF-8 check (Unicode Table 3-7), independent of the code under test. */
static bool valid_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (need >= n - i)
            return false; /* cut short */
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}

typedef struct read_result {
    buzz_status st;
    buzz_error err;
    tbuf out;
    buzz_encoding enc_open, enc_end; /* right after open, and after the last read */
    bool has_bom;
    buzz_compression compression;
    bool is_seekable;
    int64_t invalid_count, invalid_first;
    int64_t raw_size, raw_consumed;
} read_result;

/* Open path, read it all with reads of `cap` bytes (each must be whole UTF-8 characters), close. */
static read_result read_all(const char *path, buzz_encoding forced, size_t cap)
{
    read_result r;
    memset(&r, 0, sizeof r);
    buzz__csv_stream *s = NULL;
    r.st = buzz__csv_stream_open(&s, path, NULL, forced, &r.err);
    if (r.st)
        return r;
    r.enc_open = buzz__csv_stream_encoding(s);
    r.has_bom = buzz__csv_stream_has_bom(s);
    r.compression = buzz__csv_stream_compression(s);
    r.is_seekable = buzz__csv_stream_is_seekable(s);
    r.raw_size = buzz__csv_stream_raw_size(s);
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        size_t n = 0;
        r.st = buzz__csv_stream_read(s, buf, cap, &n, &r.err);
        if (r.st)
            break;
        if (n == 0)
            break;
        assert_true(n <= cap);
        if (!valid_utf8(buf, n))
            fail_msg("%s: read of cap %zu returned %zu bytes that are not whole UTF-8", path, cap,
                     n);
        tbuf_add(&r.out, buf, n);
    }
    free(buf);
    r.enc_end = buzz__csv_stream_encoding(s);
    r.invalid_count = buzz__csv_stream_invalid_count(s);
    r.invalid_first = buzz__csv_stream_invalid_first_offset(s);
    r.raw_consumed = buzz__csv_stream_raw_consumed(s);
    buzz__csv_stream_close(s);
    return r;
}

static void check_output(const char *what, const read_result *r, const void *want, size_t want_len)
{
    if (r->st != BUZZ_OK)
        fail_msg("%s: status %d (%s)", what, (int)r->st, r->err.message);
    if (r->out.len != want_len || (want_len && memcmp(r->out.p, want, want_len) != 0)) {
        size_t i = 0;
        while (i < r->out.len && i < want_len && r->out.p[i] == ((const uint8_t *)want)[i])
            i++;
        fail_msg("%s: got %zu bytes, want %zu; first difference at byte %zu", what, r->out.len,
                 want_len, i);
    }
}

/* ------------------------------------------------------------------------------------------- */

#define S(lit) lit, sizeof(lit) - 1

static void test_encodings(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *in;
        size_t in_len;
        buzz_encoding forced;
        const char *want;
        size_t want_len;
        buzz_encoding want_enc; /* after reading everything */
        bool want_bom;
        int64_t want_invalid, want_first; /* count, first decoded offset */
    } cases[] = {
        {"utf-8", S("a,b\n1,2\n"), BUZZ_ENCODING_AUTO, S("a,b\n1,2\n"), BUZZ_ENCODING_UTF8, false,
         0, -1},
        {"utf-8 multibyte", S("caf\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80\n"), BUZZ_ENCODING_AUTO,
         S("caf\xC3\xA9,\xE2\x82\xAC,\xF0\x9F\x98\x80\n"), BUZZ_ENCODING_UTF8, false, 0, -1},
        {"utf-8 bom", S("\xEF\xBB\xBF" "a,\xC3\xA9\n"), BUZZ_ENCODING_AUTO, S("a,\xC3\xA9\n"),
         BUZZ_ENCODING_UTF8, true, 0, -1},
        {"utf-8 bom only", S("\xEF\xBB\xBF"), BUZZ_ENCODING_AUTO, S(""), BUZZ_ENCODING_UTF8, true,
         0, -1},
        {"utf-16le bom", S("\xFF\xFE" "a\0,\0\xE9\0\n\0"), BUZZ_ENCODING_AUTO, S("a,\xC3\xA9\n"),
         BUZZ_ENCODING_UTF16LE, true, 0, -1},
        {"utf-16be bom", S("\xFE\xFF" "\0a\0,\0\xE9\0\n"), BUZZ_ENCODING_AUTO, S("a,\xC3\xA9\n"),
         BUZZ_ENCODING_UTF16BE, true, 0, -1},
        {"utf-16le no bom", S("i\0d\0,\0n\0\n\0" "1\0,\0x\0\n\0"), BUZZ_ENCODING_AUTO,
         S("id,n\n1,x\n"), BUZZ_ENCODING_UTF16LE, false, 0, -1},
        {"utf-16be no bom", S("\0i\0d\0,\0n\0\n" "\0" "1\0,\0x\0\n"), BUZZ_ENCODING_AUTO,
         S("id,n\n1,x\n"), BUZZ_ENCODING_UTF16BE, false, 0, -1},
        {"utf-16le pair", S("\xFF\xFE" "\x3D\xD8\x00\xDE" "a\0"), BUZZ_ENCODING_AUTO,
         S("\xF0\x9F\x98\x80" "a"), BUZZ_ENCODING_UTF16LE, true, 0, -1},
        {"utf-16be pair", S("\xFE\xFF" "\xD8\x3D\xDE\x00" "\0a"), BUZZ_ENCODING_AUTO,
         S("\xF0\x9F\x98\x80" "a"), BUZZ_ENCODING_UTF16BE, true, 0, -1},
        {"utf-16le 3-byte", S("\xFF\xFE" "\xAC\x20" "-\0\x2D\x4E"), BUZZ_ENCODING_AUTO,
         S("\xE2\x82\xAC-\xE4\xB8\xAD"), BUZZ_ENCODING_UTF16LE, true, 0, -1},
        {"utf-16le unpaired high", S("\xFF\xFE" "\x3D\xD8" "a\0"), BUZZ_ENCODING_AUTO,
         S("\xEF\xBF\xBD" "a"), BUZZ_ENCODING_UTF16LE, true, 1, 0},
        {"utf-16le unpaired low", S("\xFF\xFE" "a\0\x00\xDE" "b\0"), BUZZ_ENCODING_AUTO,
         S("a\xEF\xBF\xBD" "b"), BUZZ_ENCODING_UTF16LE, true, 1, 1},
        {"utf-16le high at end", S("\xFF\xFE" "a\0\x3D\xD8"), BUZZ_ENCODING_AUTO,
         S("a\xEF\xBF\xBD"), BUZZ_ENCODING_UTF16LE, true, 1, 1},
        {"utf-16le two highs", S("\xFF\xFE" "\x3D\xD8\x3D\xD8\x00\xDE"), BUZZ_ENCODING_AUTO,
         S("\xEF\xBF\xBD\xF0\x9F\x98\x80"), BUZZ_ENCODING_UTF16LE, true, 1, 0},
        {"utf-16le odd byte", S("\xFF\xFE" "a\0b"), BUZZ_ENCODING_AUTO, S("a\xEF\xBF\xBD"),
         BUZZ_ENCODING_UTF16LE, true, 1, 1},
        {"utf-16be odd byte", S("\xFE\xFF" "\0ab"), BUZZ_ENCODING_AUTO, S("a\xEF\xBF\xBD"),
         BUZZ_ENCODING_UTF16BE, true, 1, 1},
        {"utf-16le nul", S("\xFF\xFE" "a\0\0\0"), BUZZ_ENCODING_AUTO, S("a\0"),
         BUZZ_ENCODING_UTF16LE, true, 0, -1},
        {"cp1252", S("caf\xE9,\x80" "5\n"), BUZZ_ENCODING_AUTO, S("caf\xC3\xA9,\xE2\x82\xAC" "5\n"),
         BUZZ_ENCODING_WINDOWS1252, false, 0, -1},
        {"cp1252 quotes", S("\x93hi\x94 \x96 \x85"), BUZZ_ENCODING_AUTO,
         S("\xE2\x80\x9Chi\xE2\x80\x9D \xE2\x80\x93 \xE2\x80\xA6"), BUZZ_ENCODING_WINDOWS1252,
         false, 0, -1},
        {"cp1252 undefined bytes", S("\x81\x8D\x8F\x90\x9D"), BUZZ_ENCODING_AUTO,
         S("\xC2\x81\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D"), BUZZ_ENCODING_WINDOWS1252, false, 0, -1},
        {"mixed: utf-8 then invalid", S("\xC3\xA9,\xFF\n"), BUZZ_ENCODING_AUTO,
         S("\xC3\xA9,\xEF\xBF\xBD\n"), BUZZ_ENCODING_UTF8, false, 1, 3},
        {"more invalid than utf-8 is cp1252", S("\xC3\xA9 \xE9 \xE9"), BUZZ_ENCODING_AUTO,
         S("\xC3\x83\xC2\xA9 \xC3\xA9 \xC3\xA9"), BUZZ_ENCODING_WINDOWS1252, false, 0, -1},
        {"invalid before utf-8", S("\xFF\xC3\xA9\xC3\xA9"), BUZZ_ENCODING_AUTO,
         S("\xEF\xBF\xBD\xC3\xA9\xC3\xA9"), BUZZ_ENCODING_UTF8, false, 1, 0},
        {"utf-8 bom then invalid", S("\xEF\xBB\xBF" "ab\xE9"), BUZZ_ENCODING_AUTO,
         S("ab\xEF\xBF\xBD"), BUZZ_ENCODING_UTF8, true, 1, 2},
        {"utf-8 truncated at end", S("\xC3\xA9\xE2\x82"), BUZZ_ENCODING_UTF8,
         S("\xC3\xA9\xEF\xBF\xBD"), BUZZ_ENCODING_UTF8, false, 1, 2},
        {"utf-8 maximal subpart", S("\xC3\xA9\xE2\x82" "a"), BUZZ_ENCODING_UTF8,
         S("\xC3\xA9\xEF\xBF\xBD" "a"), BUZZ_ENCODING_UTF8, false, 1, 2},
        {"utf-8 overlong", S("\xC0\x80"), BUZZ_ENCODING_UTF8, S("\xEF\xBF\xBD\xEF\xBF\xBD"),
         BUZZ_ENCODING_UTF8, false, 2, 0},
        {"utf-8 overlong 3", S("\xE0\x80\x80"), BUZZ_ENCODING_UTF8,
         S("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"), BUZZ_ENCODING_UTF8, false, 3, 0},
        {"utf-8 surrogate", S("x\xED\xA0\x80"), BUZZ_ENCODING_UTF8,
         S("x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"), BUZZ_ENCODING_UTF8, false, 3, 1},
        {"utf-8 above U+10FFFF", S("\xF4\x90\x80\x80"), BUZZ_ENCODING_UTF8,
         S("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"), BUZZ_ENCODING_UTF8, false, 4, 0},
        {"utf-8 max", S("\xF4\x8F\xBF\xBF\xEF\xBF\xBF"), BUZZ_ENCODING_UTF8,
         S("\xF4\x8F\xBF\xBF\xEF\xBF\xBF"), BUZZ_ENCODING_UTF8, false, 0, -1},
        {"forced utf-8 keeps ascii rule off", S("ab\xE9"), BUZZ_ENCODING_UTF8, S("ab\xEF\xBF\xBD"),
         BUZZ_ENCODING_UTF8, false, 1, 2},
        {"forced cp1252 on utf-8", S("\xC3\xA9"), BUZZ_ENCODING_WINDOWS1252,
         S("\xC3\x83\xC2\xA9"), BUZZ_ENCODING_WINDOWS1252, false, 0, -1},
        {"forced cp1252 keeps bom bytes", S("\xEF\xBB\xBF" "a"), BUZZ_ENCODING_WINDOWS1252,
         S("\xC3\xAF\xC2\xBB\xC2\xBF" "a"), BUZZ_ENCODING_WINDOWS1252, false, 0, -1},
        {"forced utf-16le", S("ab"), BUZZ_ENCODING_UTF16LE, S("\xE6\x89\xA1"),
         BUZZ_ENCODING_UTF16LE, false, 0, -1},
        {"forced utf-16le drops bom", S("\xFF\xFE" "a\0"), BUZZ_ENCODING_UTF16LE, S("a"),
         BUZZ_ENCODING_UTF16LE, true, 0, -1},
        {"forced utf-16be", S("\0a\0b"), BUZZ_ENCODING_UTF16BE, S("ab"), BUZZ_ENCODING_UTF16BE,
         false, 0, -1},
        {"forced utf-8 drops bom", S("\xEF\xBB\xBF" "a"), BUZZ_ENCODING_UTF8, S("a"),
         BUZZ_ENCODING_UTF8, true, 0, -1},
        {"empty", S(""), BUZZ_ENCODING_AUTO, S(""), BUZZ_ENCODING_UTF8, false, 0, -1},
        {"one byte", S("a"), BUZZ_ENCODING_AUTO, S("a"), BUZZ_ENCODING_UTF8, false, 0, -1},
        {"one byte e9", S("\xE9"), BUZZ_ENCODING_AUTO, S("\xC3\xA9"), BUZZ_ENCODING_WINDOWS1252,
         false, 0, -1},
        {"one byte ff", S("\xFF"), BUZZ_ENCODING_AUTO, S("\xC3\xBF"), BUZZ_ENCODING_WINDOWS1252,
         false, 0, -1},
        {"one byte forced utf-16", S("a"), BUZZ_ENCODING_UTF16LE, S("\xEF\xBF\xBD"),
         BUZZ_ENCODING_UTF16LE, false, 1, 0},
        {"short nul pattern is utf-8", S("a\0b\0"), BUZZ_ENCODING_AUTO, S("a\0b\0"),
         BUZZ_ENCODING_UTF8, false, 0, -1},
    };
    static const size_t caps[] = {16, 17, 4096};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        char path[600];
        char file[64];
        snprintf(file, sizeof file, "enc-%zu.csv", i);
        test_path(path, sizeof path, file);
        test_write_file(path, cases[i].in, cases[i].in_len);
        for (size_t c = 0; c < BUZZ_ARRAY_LEN(caps); c++) {
            char what[128];
            snprintf(what, sizeof what, "case %zu (%s), cap %zu", i, cases[i].name, caps[c]);
            read_result r = read_all(path, cases[i].forced, caps[c]);
            check_output(what, &r, cases[i].want, cases[i].want_len);
            if (r.enc_end != cases[i].want_enc)
                fail_msg("%s: encoding %s, want %s", what, buzz_encoding_name(r.enc_end),
                         buzz_encoding_name(cases[i].want_enc));
            if (r.has_bom != cases[i].want_bom)
                fail_msg("%s: has_bom %d", what, r.has_bom);
            if (r.invalid_count != cases[i].want_invalid || r.invalid_first != cases[i].want_first)
                fail_msg("%s: invalid %lld at %lld, want %lld at %lld", what,
                         (long long)r.invalid_count, (long long)r.invalid_first,
                         (long long)cases[i].want_invalid, (long long)cases[i].want_first);
            assert_int_equal(r.compression, BUZZ_COMPRESSION_NONE);
            assert_true(r.is_seekable);
            assert_int_equal(r.raw_size, (int64_t)cases[i].in_len);
            assert_int_equal(r.raw_consumed, (int64_t)cases[i].in_len);
            free(r.out.p);
        }
    }
}

/* Every byte 0x80..0xFF against Python's cp1252 table, with the five undefined bytes as C1. */
static void test_cp1252_table(void **state)
{
    (void)state;
    static const char want[] =
        "\xE2\x82\xAC\xC2\x81\xE2\x80\x9A\xC6\x92\xE2\x80\x9E\xE2\x80\xA6\xE2\x80\xA0\xE2\x80\xA1"
        "\xCB\x86\xE2\x80\xB0\xC5\xA0\xE2\x80\xB9\xC5\x92\xC2\x8D\xC5\xBD\xC2\x8F\xC2\x90\xE2\x80"
        "\x98\xE2\x80\x99\xE2\x80\x9C\xE2\x80\x9D\xE2\x80\xA2\xE2\x80\x93\xE2\x80\x94\xCB\x9C\xE2"
        "\x84\xA2\xC5\xA1\xE2\x80\xBA\xC5\x93\xC2\x9D\xC5\xBE\xC5\xB8\xC2\xA0\xC2\xA1\xC2\xA2\xC2"
        "\xA3\xC2\xA4\xC2\xA5\xC2\xA6\xC2\xA7\xC2\xA8\xC2\xA9\xC2\xAA\xC2\xAB\xC2\xAC\xC2\xAD\xC2"
        "\xAE\xC2\xAF\xC2\xB0\xC2\xB1\xC2\xB2\xC2\xB3\xC2\xB4\xC2\xB5\xC2\xB6\xC2\xB7\xC2\xB8\xC2"
        "\xB9\xC2\xBA\xC2\xBB\xC2\xBC\xC2\xBD\xC2\xBE\xC2\xBF\xC3\x80\xC3\x81\xC3\x82\xC3\x83\xC3"
        "\x84\xC3\x85\xC3\x86\xC3\x87\xC3\x88\xC3\x89\xC3\x8A\xC3\x8B\xC3\x8C\xC3\x8D\xC3\x8E\xC3"
        "\x8F\xC3\x90\xC3\x91\xC3\x92\xC3\x93\xC3\x94\xC3\x95\xC3\x96\xC3\x97\xC3\x98\xC3\x99\xC3"
        "\x9A\xC3\x9B\xC3\x9C\xC3\x9D\xC3\x9E\xC3\x9F\xC3\xA0\xC3\xA1\xC3\xA2\xC3\xA3\xC3\xA4\xC3"
        "\xA5\xC3\xA6\xC3\xA7\xC3\xA8\xC3\xA9\xC3\xAA\xC3\xAB\xC3\xAC\xC3\xAD\xC3\xAE\xC3\xAF\xC3"
        "\xB0\xC3\xB1\xC3\xB2\xC3\xB3\xC3\xB4\xC3\xB5\xC3\xB6\xC3\xB7\xC3\xB8\xC3\xB9\xC3\xBA\xC3"
        "\xBB\xC3\xBC\xC3\xBD\xC3\xBE\xC3\xBF";
    uint8_t in[128];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(0x80 + i);
    char path[600];
    test_path(path, sizeof path, "cp1252-table.csv");
    test_write_file(path, in, sizeof in);
    static const buzz_encoding modes[] = {BUZZ_ENCODING_AUTO, BUZZ_ENCODING_WINDOWS1252};
    for (size_t m = 0; m < BUZZ_ARRAY_LEN(modes); m++) {
        read_result r = read_all(path, modes[m], 16);
        check_output(buzz_encoding_name(modes[m]), &r, want, sizeof want - 1);
        assert_int_equal(r.enc_end, BUZZ_ENCODING_WINDOWS1252);
        free(r.out.p);
    }
}

/* Invalid bytes after a long ASCII prefix (past the 1 MiB detection window): Windows-1252 from
 * there; after real UTF-8, U+FFFD. */
static void test_lazy_switch(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *head; /* before the ASCII run */
        const char *tail; /* after it */
        const char *want_head, *want_tail;
        buzz_encoding want_enc;
        int64_t want_invalid;
    } cases[] = {
        {"ascii then cp1252", "id,name\n", "\xE9t\xE9,\x80\n", "id,name\n",
         "\xC3\xA9t\xC3\xA9,\xE2\x82\xAC\n", BUZZ_ENCODING_WINDOWS1252, 0},
        {"utf-8 then invalid", "id,n\xC3\xA9\n", "\xE9t\xE9\n", "id,n\xC3\xA9\n",
         "\xEF\xBF\xBDt\xEF\xBF\xBD\n", BUZZ_ENCODING_UTF8, 2},
        {"ascii then utf-8 then invalid", "id\n", "\xC3\xA9\xE9\n", "id\n",
         "\xC3\xA9\xEF\xBF\xBD\n", BUZZ_ENCODING_UTF8, 1},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        tbuf in = {0}, want = {0};
        tbuf_add(&in, cases[i].head, strlen(cases[i].head));
        tbuf_add(&want, cases[i].want_head, strlen(cases[i].want_head));
        static const char line[] = "12345,abcdefghij,some ascii text here\n";
        while (in.len < 2 * MIB + 7) {
            tbuf_add(&in, line, sizeof line - 1);
            tbuf_add(&want, line, sizeof line - 1);
        }
        int64_t first = (int64_t)want.len;
        tbuf_add(&in, cases[i].tail, strlen(cases[i].tail));
        tbuf_add(&want, cases[i].want_tail, strlen(cases[i].want_tail));
        if (i == 2)
            first += 2; /* after the é */
        char path[600];
        test_path(path, sizeof path, "lazy.csv");
        test_write_file(path, in.p, in.len);
        static const size_t caps[] = {16, 1000, 3 * MIB};
        for (size_t c = 0; c < BUZZ_ARRAY_LEN(caps); c++) {
            char what[128];
            snprintf(what, sizeof what, "case %zu (%s), cap %zu", i, cases[i].name, caps[c]);
            read_result r = read_all(path, BUZZ_ENCODING_AUTO, caps[c]);
            check_output(what, &r, want.p, want.len);
            assert_int_equal(r.enc_open, BUZZ_ENCODING_UTF8);
            if (r.enc_end != cases[i].want_enc)
                fail_msg("%s: encoding %s", what, buzz_encoding_name(r.enc_end));
            assert_int_equal(r.invalid_count, cases[i].want_invalid);
            assert_int_equal(r.invalid_first, cases[i].want_invalid ? first : -1);
            free(r.out.p);
        }
        free(in.p);
        free(want.p);
    }
}

/* ------------------------------------------------------------------------------------------- */

typedef enum gen_kind { GEN_UTF8, GEN_UTF16LE, GEN_UTF16BE, GEN_CP1252 } gen_kind;

static void put_cp(tbuf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tbuf_add(b, u, n);
}

static void put_unit16(tbuf *b, uint32_t u, bool is_be)
{
    tbuf_byte(b, (uint8_t)(is_be ? u >> 8 : u & 0xFF));
    tbuf_byte(b, (uint8_t)(is_be ? u & 0xFF : u >> 8));
}

/* A pseudo-random text of at least min_out decoded bytes: `in` in the given encoding, `want` its
 * UTF-8. Characters of every length, so plenty of them straddle the internal buffer edges. */
static void generate(gen_kind kind, size_t min_out, tbuf *in, tbuf *want)
{
    static const uint32_t pool[] = {'a', 'b', ',', '\n', '"', '7', 0xE9, 0x20AC, 0x4E2D,
                                    0x1F600, 0x10FFFF, 0xFFFD, 0x7FF, 0x800};
    static const uint32_t pool1252[] = {'a', ',', '\n', 0xE9, 0x20AC, 0x178, 0xFF, 0x81, 0xA0};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    if (kind == GEN_UTF16LE)
        put_unit16(in, 0xFEFF, false);
    if (kind == GEN_UTF16BE)
        put_unit16(in, 0xFEFF, true);
    while (want->len < min_out) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t r = (uint32_t)(x >> 33);
        /* Runs of ASCII between non-ASCII characters, so both fast and slow paths run. */
        size_t run = (r >> 8) % 50;
        for (size_t k = 0; k < run; k++) {
            uint8_t c = (uint8_t)('a' + (k * 7 + r) % 26);
            tbuf_byte(want, c);
            if (kind == GEN_UTF8 || kind == GEN_CP1252)
                tbuf_byte(in, c);
            else
                put_unit16(in, c, kind == GEN_UTF16BE);
        }
        if (kind == GEN_CP1252) {
            size_t j = r % BUZZ_ARRAY_LEN(pool1252);
            uint32_t cp = pool1252[j];
            static const uint8_t bytes1252[] = {'a', ',', '\n', 0xE9, 0x80, 0x9F, 0xFF, 0x81, 0xA0};
            tbuf_byte(in, bytes1252[j]);
            put_cp(want, cp);
            continue;
        }
        uint32_t cp = pool[r % BUZZ_ARRAY_LEN(pool)];
        put_cp(want, cp);
        if (kind == GEN_UTF8) {
            put_cp(in, cp);
        } else if (cp >= 0x10000) {
            put_unit16(in, 0xD800 + ((cp - 0x10000) >> 10), kind == GEN_UTF16BE);
            put_unit16(in, 0xDC00 + ((cp - 0x10000) & 0x3FF), kind == GEN_UTF16BE);
        } else {
            put_unit16(in, cp, kind == GEN_UTF16BE);
        }
    }
}

/* > 3 MiB in each encoding, read with small and large caps: identical to the expected UTF-8. */
static void test_big_files(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        gen_kind kind;
        buzz_encoding want_enc;
    } cases[] = {
        {"utf-8", GEN_UTF8, BUZZ_ENCODING_UTF8},
        {"utf-16le", GEN_UTF16LE, BUZZ_ENCODING_UTF16LE},
        {"utf-16be", GEN_UTF16BE, BUZZ_ENCODING_UTF16BE},
        {"windows-1252", GEN_CP1252, BUZZ_ENCODING_WINDOWS1252},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        tbuf in = {0}, want = {0};
        generate(cases[i].kind, 3 * MIB + 12345, &in, &want);
        char path[600];
        test_path(path, sizeof path, "big.csv");
        test_write_file(path, in.p, in.len);
        static const size_t caps[] = {16, 4093, MIB + 1, 8 * MIB};
        for (size_t c = 0; c < BUZZ_ARRAY_LEN(caps); c++) {
            if (caps[c] == 16 && cases[i].kind != GEN_UTF8)
                continue; /* one tiny-cap pass is enough; it is slow under ASan */
            char what[128];
            snprintf(what, sizeof what, "case %zu (%s), cap %zu", i, cases[i].name, caps[c]);
            read_result r = read_all(path, BUZZ_ENCODING_AUTO, caps[c]);
            check_output(what, &r, want.p, want.len);
            if (r.enc_end != cases[i].want_enc)
                fail_msg("%s: encoding %s", what, buzz_encoding_name(r.enc_end));
            assert_int_equal(r.invalid_count, 0);
            assert_int_equal(r.raw_consumed, (int64_t)in.len);
            free(r.out.p);
        }
        free(in.p);
        free(want.p);
    }
}

/* Reads of 64 KiB or more take UTF-8 straight into the caller's buffer and check it in place
 * (read_direct); smaller reads decode through the stream's own buffer. Both must give the same
 * bytes and counts: files past the 1 MiB detection window with multi-byte characters (cut by
 * every read boundary, as reads land at random places), invalid sequences after real UTF-8
 * (U+FFFD), and ASCII that turns out to be Windows-1252. */
static void test_direct_reads(void **state)
{
    (void)state;
    static const char *const kinds[] = {"utf-8 with invalid bytes", "ascii then windows-1252",
                                        "valid utf-8", "ascii, then utf-8 with invalid bytes"};
    uint64_t seed = 0x5EED0D1CEC0FFEEull;
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(kinds); k++) {
        tbuf in = {0};
        static const uint8_t multi[][4] = {
            {0xC3, 0xA9}, {0xE2, 0x82, 0xAC}, {0xF0, 0x9F, 0x98, 0x80}};
        bool ascii_head = k == 1 || k == 3; /* the detection window is ASCII */
        while (in.len < 3 * MIB + 777) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned pick = (unsigned)(seed >> 33) % 1000;
            bool past_window = in.len > MIB + 4096;
            if (k == 3 && in.len == MIB + 4096) /* its first non-ASCII: valid UTF-8 */
                tbuf_add(&in, multi[1], 3);
            if (pick < 3 && (!ascii_head || past_window)) { /* a multi-byte character */
                size_t m = (seed >> 20) % 3;
                tbuf_add(&in, multi[m], m + 2);
            } else if (pick == 3 && k != 2 && past_window) { /* an invalid byte or a cut sequence */
                static const uint8_t bad[][2] = {{0xFF, 0}, {0xC3, 0x41}, {0xE2, 0x82}, {0x80, 0}};
                size_t b = (seed >> 24) % 4;
                tbuf_add(&in, bad[b], bad[b][1] ? 2 : 1);
            } else if (pick < 60) {
                tbuf_byte(&in, '\n');
            } else {
                tbuf_byte(&in, (uint8_t)('a' + pick % 26));
            }
        }
        if (k == 0) { /* real UTF-8 in the detection window, so invalid bytes become U+FFFD */
            static const uint8_t e[] = {0xC3, 0xA9};
            memcpy(in.p + 10, e, 2);
        }
        char path[600];
        test_path(path, sizeof path, "direct.csv");
        test_write_file(path, in.p, in.len);
        read_result ref = read_all(path, BUZZ_ENCODING_AUTO, 4093); /* never direct */
        assert_int_equal(ref.st, BUZZ_OK);
        static const size_t caps[] = {64 << 10, (64 << 10) + 3, MIB - 1, MIB + 1, 3 * MIB, 8 * MIB};
        for (size_t c = 0; c < BUZZ_ARRAY_LEN(caps); c++) {
            char what[128];
            snprintf(what, sizeof what, "%s, cap %zu", kinds[k], caps[c]);
            read_result r = read_all(path, BUZZ_ENCODING_AUTO, caps[c]);
            check_output(what, &r, ref.out.p, ref.out.len);
            assert_int_equal(r.enc_end, ref.enc_end);
            assert_int_equal(r.invalid_count, ref.invalid_count);
            assert_int_equal(r.invalid_first, ref.invalid_first);
            assert_int_equal(r.raw_consumed, (int64_t)in.len);
            free(r.out.p);
        }
        static const buzz_encoding want_end[] = {BUZZ_ENCODING_UTF8, BUZZ_ENCODING_WINDOWS1252,
                                                 BUZZ_ENCODING_UTF8, BUZZ_ENCODING_UTF8};
        assert_int_equal(ref.enc_end, want_end[k]);
        if (k == 0 || k == 3)
            assert_true(ref.invalid_count > 100);
        else
            assert_int_equal(ref.invalid_count, 0);
        free(ref.out.p);
        free(in.p);
    }
}

/* ------------------------------------------------------------------------------------------- */

static void write_gzip(const char *path, const char *mode, const void *p, size_t n)
{
    gzFile g = gzopen(path, mode);
    assert_non_null(g);
    if (n)
        assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
    assert_int_equal(gzclose(g), Z_OK);
}

static void write_zstd_frames(const char *path, const tbuf *parts, size_t count)
{
    tbuf all = {0};
    for (size_t i = 0; i < count; i++) {
        size_t bound = ZSTD_compressBound(parts[i].len);
        uint8_t *z = malloc(bound);
        assert_non_null(z);
        size_t zn = ZSTD_compress(z, bound, parts[i].p, parts[i].len, 3);
        assert_false(ZSTD_isError(zn));
        tbuf_add(&all, z, zn);
        free(z);
    }
    test_write_file(path, all.p, all.len);
    free(all.p);
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return (int64_t)sb.st_size;
}

static void test_gzip(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "in.csv.gz");
    static const char *const cases[][2] = {
        {"a,b\n1,2\n", NULL},
        {"id,name\n", "1,caf\xC3\xA9\n"}, /* two members */
        {"", "x\n"},                       /* an empty member first */
        {"\xEF\xBB\xBF" "a\n", ""},        /* a BOM, then an empty member */
        {"", NULL},                        /* one empty member */
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        write_gzip(path, "wb", cases[i][0], strlen(cases[i][0]));
        tbuf want = {0};
        tbuf_add(&want, cases[i][0], strlen(cases[i][0]));
        if (cases[i][1]) {
            write_gzip(path, "ab", cases[i][1], strlen(cases[i][1]));
            tbuf_add(&want, cases[i][1], strlen(cases[i][1]));
        }
        size_t skip = want.len >= 3 && memcmp(want.p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        char what[64];
        snprintf(what, sizeof what, "gzip case %zu", i);
        read_result r = read_all(path, BUZZ_ENCODING_AUTO, 16);
        check_output(what, &r, want.p + skip, want.len - skip);
        assert_int_equal(r.compression, BUZZ_COMPRESSION_GZIP);
        assert_false(r.is_seekable);
        assert_int_equal(r.raw_size, file_size(path));
        assert_int_equal(r.raw_consumed, file_size(path));
        free(r.out.p);
        free(want.p);
    }

    /* Big UTF-16 in two members: crosses the compressed and decoded buffer edges. */
    tbuf in = {0}, want = {0};
    generate(GEN_UTF16LE, 3 * MIB, &in, &want);
    size_t half = in.len / 2 + 1; /* odd: the member edge splits a code unit */
    write_gzip(path, "wb1", in.p, half);
    write_gzip(path, "ab1", in.p + half, in.len - half);
    read_result r = read_all(path, BUZZ_ENCODING_AUTO, 65536);
    check_output("big gzip", &r, want.p, want.len);
    assert_int_equal(r.enc_end, BUZZ_ENCODING_UTF16LE);
    free(r.out.p);

    /* Truncated and corrupt files fail with BUZZ_ERR_IO naming the file. */
    size_t zlen = 0;
    char *z = test_read_file(path, &zlen);
    assert_non_null(z);
    static const struct {
        const char *name;
        size_t keep;      /* bytes of the file kept; 0 = all */
        size_t flip;      /* byte to corrupt; 0 = none */
        bool has_garbage; /* bytes that are no gzip member follow */
    } bad[] = {
        {"truncated", 5000, 0, false},
        {"header only", 10, 0, false},
        {"corrupt", 0, 200, false},
        {"trailing garbage", 0, 0, true},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(bad); i++) {
        tbuf b = {0};
        tbuf_add(&b, z, bad[i].keep ? bad[i].keep : zlen);
        if (bad[i].flip)
            b.p[bad[i].flip] ^= 0x55;
        if (bad[i].has_garbage)
            tbuf_add(&b, "garbage!", 8);
        char bpath[600];
        test_path(bpath, sizeof bpath, "bad.csv.gz");
        test_write_file(bpath, b.p, b.len);
        read_result br = read_all(bpath, BUZZ_ENCODING_AUTO, 4096);
        if (br.st != BUZZ_ERR_IO)
            fail_msg("gzip %s: status %d, want BUZZ_ERR_IO", bad[i].name, (int)br.st);
        assert_string_equal(br.err.source, bpath);
        assert_non_null(strstr(br.err.message, "gzip"));
        free(br.out.p);
        free(b.p);
    }
    free(z);
    free(in.p);
    free(want.p);
}

static void test_zstd(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "in.csv.zst");
    tbuf parts[2] = {{0}, {0}};
    tbuf_add(&parts[0], S("a,b\n"));
    tbuf_add(&parts[1], S("\xE9t\xE9\n")); /* cp1252 in the second frame */
    write_zstd_frames(path, parts, 2);
    read_result r = read_all(path, BUZZ_ENCODING_AUTO, 16);
    check_output("two frames", &r, S("a,b\n\xC3\xA9t\xC3\xA9\n"));
    assert_int_equal(r.compression, BUZZ_COMPRESSION_ZSTD);
    assert_false(r.is_seekable);
    assert_int_equal(r.raw_consumed, file_size(path));
    free(r.out.p);
    free(parts[0].p);
    free(parts[1].p);

    /* Big UTF-8 split into two frames mid-character. */
    tbuf in = {0}, want = {0};
    generate(GEN_UTF8, 3 * MIB, &in, &want);
    tbuf big[2] = {{0}, {0}};
    size_t cut = in.len / 3;
    while ((in.p[cut] & 0xC0) != 0x80)
        cut++;
    tbuf_add(&big[0], in.p, cut);
    tbuf_add(&big[1], in.p + cut, in.len - cut);
    write_zstd_frames(path, big, 2);
    r = read_all(path, BUZZ_ENCODING_AUTO, 100003);
    check_output("big zstd", &r, want.p, want.len);
    free(r.out.p);

    /* Truncated: BUZZ_ERR_IO. */
    size_t zlen = 0;
    char *z = test_read_file(path, &zlen);
    assert_non_null(z);
    test_write_file(path, z, zlen / 2);
    r = read_all(path, BUZZ_ENCODING_AUTO, 4096);
    assert_int_equal(r.st, BUZZ_ERR_IO);
    assert_string_equal(r.err.source, path);
    assert_non_null(strstr(r.err.message, "zstd"));
    free(r.out.p);
    test_write_file(path, "\x28\xb5\x2f\xfd", 4); /* magic only */
    r = read_all(path, BUZZ_ENCODING_AUTO, 4096);
    assert_int_equal(r.st, BUZZ_ERR_IO);
    free(r.out.p);
    free(z);
    free(big[0].p);
    free(big[1].p);
    free(in.p);
    free(want.p);
}

/* ------------------------------------------------------------------------------------------- */

/* Put `data` behind fd 0 through a pipe (small enough for the pipe buffer), read "-". */
static read_result read_stdin(const void *data, size_t n, buzz__csv_stream **keep_open)
{
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, n), (ssize_t)n);
    close(fds[1]);
    assert_true(dup2(fds[0], STDIN_FILENO) >= 0);
    close(fds[0]);
    read_result r;
    if (keep_open) {
        memset(&r, 0, sizeof r);
        r.st = buzz__csv_stream_open(keep_open, "-", NULL, BUZZ_ENCODING_AUTO, &r.err);
    } else {
        r = read_all("-", BUZZ_ENCODING_AUTO, 16);
    }
    assert_true(dup2(saved, STDIN_FILENO) >= 0);
    close(saved);
    return r;
}

static void test_stdin(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *in;
        size_t len;
        const char *want;
        size_t want_len;
    } cases[] = {
        {"utf-8", S("a,b\n\xC3\xA9\n"), S("a,b\n\xC3\xA9\n")},
        {"cp1252", S("a\xE9"), S("a\xC3\xA9")},
        {"three bytes", S("abc"), S("abc")},
        {"one gzip byte", S("\x1f"), S("\x1f")},
        {"empty", S(""), S("")},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        read_result r = read_stdin(cases[i].in, cases[i].len, NULL);
        char what[64];
        snprintf(what, sizeof what, "stdin case %zu (%s)", i, cases[i].name);
        check_output(what, &r, cases[i].want, cases[i].want_len);
        assert_false(r.is_seekable);
        assert_int_equal(r.raw_size, -1);
        assert_int_equal(r.raw_consumed, (int64_t)cases[i].len);
        free(r.out.p);
    }

    /* gzip through the pipe. */
    char path[600];
    test_path(path, sizeof path, "stdin.gz");
    write_gzip(path, "wb", S("x,y\n1,2\n"));
    write_gzip(path, "ab", S("3,4\n"));
    size_t zlen = 0;
    char *z = test_read_file(path, &zlen);
    assert_non_null(z);
    read_result r = read_stdin(z, zlen, NULL);
    check_output("stdin gzip", &r, S("x,y\n1,2\n3,4\n"));
    assert_int_equal(r.compression, BUZZ_COMPRESSION_GZIP);
    free(r.out.p);
    free(z);

    /* A pipe cannot be sampled. */
    buzz__csv_stream *s = NULL;
    r = read_stdin(S("a,b\n"), &s);
    assert_int_equal(r.st, BUZZ_OK);
    uint8_t buf[64];
    size_t n = 99;
    buzz_error err;
    assert_int_equal(buzz__csv_stream_sample(s, 0, buf, sizeof buf, &n, &err), BUZZ_ERR_ARG);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.message, "stdin"));
    assert_int_equal(buzz__csv_stream_read(s, buf, sizeof buf, &n, &err), BUZZ_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "a,b\n", 4);
    buzz__csv_stream_close(s);
}

/* ------------------------------------------------------------------------------------------- */

/* Whether buf[0, n) occurs in text at a character start, and either fills the sample buffer to
 * within one character (cap) or reaches the end of the text. */
static bool occurs_at_boundary(const tbuf *text, const uint8_t *buf, size_t n, size_t cap)
{
    for (size_t at = 0; at + n <= text->len; at++) {
        bool is_start = (text->p[at] & 0xC0) != 0x80;
        bool is_long_enough = n + 4 > cap || at + n == text->len;
        if (is_start && is_long_enough && memcmp(text->p + at, buf, n) == 0)
            return true;
    }
    return false;
}

/* A sample from any offset starts at the first character boundary at or after it (after the BOM)
 * and holds the same text a sequential read gives from there; the sequential position and the
 * invalid counts stay as they were. */
static void test_sample(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        gen_kind kind;
        size_t bom;
    } cases[] = {
        {"utf-8", GEN_UTF8, 0},
        {"utf-8 bom", GEN_UTF8, 3},
        {"utf-16le", GEN_UTF16LE, 2},
        {"utf-16be", GEN_UTF16BE, 2},
        {"windows-1252", GEN_CP1252, 0},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        tbuf in = {0}, want = {0};
        if (cases[i].bom == 3 && cases[i].kind == GEN_UTF8)
            tbuf_add(&in, "\xEF\xBB\xBF", 3);
        generate(cases[i].kind, 3000, &in, &want);
        char path[600];
        test_path(path, sizeof path, "sample.csv");
        test_write_file(path, in.p, in.len);
        buzz__csv_stream *s = NULL;
        buzz_error err;
        assert_int_equal(buzz__csv_stream_open(&s, path, NULL, BUZZ_ENCODING_AUTO, &err),
                         BUZZ_OK);
        assert_true(buzz__csv_stream_is_seekable(s));
        /* Start a sequential read, then sample all over the file. */
        uint8_t seq[64];
        size_t seq_len = 0;
        assert_int_equal(buzz__csv_stream_read(s, seq, sizeof seq, &seq_len, &err), BUZZ_OK);
        for (int64_t off = 0; off < (int64_t)in.len + 8; off += (off < 40 ? 1 : 97)) {
            uint8_t buf[80];
            size_t n = 0;
            assert_int_equal(buzz__csv_stream_sample(s, off, buf, sizeof buf, &n, &err), BUZZ_OK);
            assert_true(valid_utf8(buf, n));
            if (off >= (int64_t)in.len) {
                assert_int_equal(n, 0);
                continue;
            }
            /* The sample text must occur in the expected output at a character start, and reach
             * the end of the text or fill the buffer to within one character. */
            assert_true(n > 0 || off >= (int64_t)in.len - 4);
            if (!occurs_at_boundary(&want, buf, n, sizeof buf))
                fail_msg("case %zu (%s): sample at %lld (%zu bytes) not in the text", i,
                         cases[i].name, (long long)off, n);
            if (off <= (int64_t)cases[i].bom)
                assert_memory_equal(buf, want.p, n); /* at or before the BOM: the first char */
        }
        /* The sequential read goes on where it was. */
        tbuf got = {0};
        tbuf_add(&got, seq, seq_len);
        for (;;) {
            uint8_t buf[333];
            size_t n = 0;
            assert_int_equal(buzz__csv_stream_read(s, buf, sizeof buf, &n, &err), BUZZ_OK);
            if (n == 0)
                break;
            tbuf_add(&got, buf, n);
        }
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.p, want.p, want.len);
        assert_int_equal(buzz__csv_stream_invalid_count(s), 0);
        buzz__csv_stream_close(s);
        free(got.p);
        free(in.p);
        free(want.p);
    }

    /* Exact boundaries in UTF-8 "aé€😀b": offsets inside a character move to the next one. */
    static const char text[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "b";
    static const struct {
        int64_t off;
        size_t want_at; /* offset in text where the sample starts */
    } offs[] = {{0, 0}, {1, 1}, {2, 3}, {3, 3}, {4, 6}, {5, 6}, {6, 6}, {7, 10}, {9, 10},
                {10, 10}, {11, 11}};
    char path[600];
    test_path(path, sizeof path, "sample-exact.csv");
    test_write_file(path, text, sizeof text - 1);
    buzz__csv_stream *s = NULL;
    buzz_error err;
    assert_int_equal(buzz__csv_stream_open(&s, path, NULL, BUZZ_ENCODING_AUTO, &err), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(offs); i++) {
        uint8_t buf[32];
        size_t n = 0;
        assert_int_equal(buzz__csv_stream_sample(s, offs[i].off, buf, sizeof buf, &n, &err),
                         BUZZ_OK);
        size_t want_n = sizeof text - 1 - offs[i].want_at;
        if (n != want_n || memcmp(buf, text + offs[i].want_at, n) != 0)
            fail_msg("exact offset %lld: got %zu bytes, want %zu", (long long)offs[i].off, n,
                     want_n);
    }
    /* The smallest cap takes the whole short text. */
    uint8_t small[16];
    size_t n = 0;
    assert_int_equal(buzz__csv_stream_sample(s, 0, small, sizeof small, &n, &err), BUZZ_OK);
    assert_int_equal(n, sizeof text - 1);
    buzz__csv_stream_close(s);

    /* UTF-16LE with BOM: odd offsets round up to a unit, low surrogates are skipped. */
    static const char text16[] = "\xFF\xFE" "a\0\x3D\xD8\x00\xDE" "b\0";
    static const struct {
        int64_t off;
        const char *want;
    } offs16[] = {{0, "a\xF0\x9F\x98\x80" "b"}, {1, "a\xF0\x9F\x98\x80" "b"},
                  {2, "a\xF0\x9F\x98\x80" "b"}, {3, "\xF0\x9F\x98\x80" "b"},
                  {4, "\xF0\x9F\x98\x80" "b"},  {5, "b"}, {6, "b"}, {7, "b"}, {8, "b"},
                  {9, ""}, {10, ""}};
    test_write_file(path, text16, sizeof text16 - 1);
    assert_int_equal(buzz__csv_stream_open(&s, path, NULL, BUZZ_ENCODING_AUTO, &err), BUZZ_OK);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(offs16); i++) {
        uint8_t buf[32];
        assert_int_equal(buzz__csv_stream_sample(s, offs16[i].off, buf, sizeof buf, &n, &err),
                         BUZZ_OK);
        if (n != strlen(offs16[i].want) || memcmp(buf, offs16[i].want, n) != 0)
            fail_msg("utf-16 offset %lld: got %zu bytes", (long long)offs16[i].off, n);
    }
    assert_int_equal(buzz__csv_stream_sample(s, 4, small, 3, &n, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "at least 16"));
    assert_int_equal(buzz__csv_stream_sample(s, 4, small, 4, &n, &err), BUZZ_OK);
    assert_int_equal(n, 4);
    assert_int_equal(buzz__csv_stream_sample(s, 0, small, 1, &n, &err), BUZZ_OK);
    assert_int_equal(n, 1);
    buzz__csv_stream_close(s);

    /* Compressed files are not seekable. */
    test_path(path, sizeof path, "sample.gz");
    write_gzip(path, "wb", S("a,b\n"));
    assert_int_equal(buzz__csv_stream_open(&s, path, NULL, BUZZ_ENCODING_AUTO, &err), BUZZ_OK);
    assert_int_equal(buzz__csv_stream_sample(s, 0, small, sizeof small, &n, &err), BUZZ_ERR_ARG);
    buzz__csv_stream_close(s);
}

/* ------------------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    char missing[600];
    test_path(missing, sizeof missing, "no-such-file.csv");
    buzz__csv_stream *s = (buzz__csv_stream *)&s;
    buzz_error err;
    assert_int_equal(buzz__csv_stream_open(&s, missing, NULL, BUZZ_ENCODING_AUTO, &err),
                     BUZZ_ERR_IO);
    assert_null(s);
    assert_string_equal(err.source, missing);
    assert_string_equal(err.message, "cannot open the input: No such file or directory");

    /* The display name replaces the path in messages. */
    assert_int_equal(buzz__csv_stream_open(&s, missing, "orders.csv", BUZZ_ENCODING_AUTO, &err),
                     BUZZ_ERR_IO);
    assert_string_equal(err.source, "orders.csv");

    assert_int_equal(buzz__csv_stream_open(&s, test_tmpdir(), NULL, BUZZ_ENCODING_AUTO, &err),
                     BUZZ_ERR_IO);
    assert_string_equal(err.message, "cannot open the input: Is a directory");

    char path[600];
    test_path(path, sizeof path, "err.csv");
    test_write_file(path, "\xC3\xA9\n", 3);
    assert_int_equal(buzz__csv_stream_open(&s, NULL, NULL, BUZZ_ENCODING_AUTO, &err),
                     BUZZ_ERR_ARG);
    assert_int_equal(buzz__csv_stream_open(&s, path, NULL, (buzz_encoding)42, &err),
                     BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "42"));

    assert_int_equal(buzz__csv_stream_open(&s, path, NULL, BUZZ_ENCODING_AUTO, &err), BUZZ_OK);
    uint8_t buf[16];
    size_t n = 7;
    /* A cap too small for the next character fails; one that fits it works. */
    assert_int_equal(buzz__csv_stream_read(s, buf, 1, &n, &err), BUZZ_ERR_ARG);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.message, "at least 16"));
    assert_int_equal(buzz__csv_stream_read(s, buf, 2, &n, NULL), BUZZ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(buzz__csv_stream_read(s, buf, 1, &n, NULL), BUZZ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(buzz__csv_stream_read(s, buf, 16, &n, NULL), BUZZ_OK);
    assert_int_equal(n, 0);
    assert_int_equal(buzz__csv_stream_read(s, buf, 16, &n, NULL), BUZZ_OK); /* stays at the end */
    assert_int_equal(n, 0);
    assert_int_equal(buzz__csv_stream_sample(s, -5, buf, sizeof buf, &n, NULL), BUZZ_OK);
    assert_int_equal(n, 3); /* before the start: from the first character */
    buzz__csv_stream_close(s);
    buzz__csv_stream_close(NULL);
}

/* Fail allocation 1, 2, 3, ... of open + read (+ sample) until it succeeds: each failure is
 * BUZZ_ERR_NOMEM and leaks nothing. */
static void test_oom(void **state)
{
    (void)state;
    char plain[600], gz[600], zst[600];
    test_path(plain, sizeof plain, "oom.csv");
    test_path(gz, sizeof gz, "oom.csv.gz");
    test_path(zst, sizeof zst, "oom.csv.zst");
    static const char text[] = "\xFF\xFE" "a\0,\0b\0\n\0";
    test_write_file(plain, text, sizeof text - 1);
    write_gzip(gz, "wb", text, sizeof text - 1);
    write_gzip(gz, "ab", text, 2);
    tbuf part = {0};
    tbuf_add(&part, text, sizeof text - 1);
    write_zstd_frames(zst, &part, 1);
    free(part.p);
    const char *paths[] = {plain, gz, zst};
    for (size_t p = 0; p < BUZZ_ARRAY_LEN(paths); p++) {
        bool is_done = false;
        for (int64_t nth = 1; nth < 200 && !is_done; nth++) {
            size_t live = buzz_mem_live_bytes();
            buzz_mem_fail_after(nth);
            buzz__csv_stream *s = NULL;
            buzz_error err;
            buzz_status st = buzz__csv_stream_open(&s, paths[p], NULL, BUZZ_ENCODING_AUTO, &err);
            uint8_t buf[64];
            size_t n = 0, total = 0;
            while (st == BUZZ_OK) {
                st = buzz__csv_stream_read(s, buf, sizeof buf, &n, &err);
                if (st || n == 0)
                    break;
                total += n;
            }
            if (st == BUZZ_OK && buzz__csv_stream_is_seekable(s))
                st = buzz__csv_stream_sample(s, 3, buf, sizeof buf, &n, &err);
            buzz__csv_stream_close(s);
            buzz_mem_fail_after(0);
            if (st == BUZZ_OK) {
                is_done = true;
                assert_true(total > 0);
            } else if (st != BUZZ_ERR_NOMEM) {
                fail_msg("%s, failing allocation %lld: status %d (%s)", paths[p], (long long)nth,
                         (int)st, err.message);
            }
            if (buzz_mem_live_bytes() != live)
                fail_msg("%s, failing allocation %lld: leaked %zu bytes", paths[p],
                         (long long)nth, buzz_mem_live_bytes() - live);
        }
        assert_true(is_done);
    }
}

/* ------------------------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
    static const struct {
        buzz_encoding e;
        const char *name;
    } enc[] = {{BUZZ_ENCODING_AUTO, "auto"},
               {BUZZ_ENCODING_UTF8, "utf-8"},
               {BUZZ_ENCODING_UTF16LE, "utf-16le"},
               {BUZZ_ENCODING_UTF16BE, "utf-16be"},
               {BUZZ_ENCODING_WINDOWS1252, "windows-1252"},
               {(buzz_encoding)99, "unknown"}};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(enc); i++)
        assert_string_equal(buzz_encoding_name(enc[i].e), enc[i].name);
    assert_string_equal(buzz_compression_name(BUZZ_COMPRESSION_NONE), "none");
    assert_string_equal(buzz_compression_name(BUZZ_COMPRESSION_GZIP), "gzip");
    assert_string_equal(buzz_compression_name(BUZZ_COMPRESSION_ZSTD), "zstd");
    assert_string_equal(buzz_compression_name((buzz_compression)9), "unknown");
    assert_string_equal(buzz_newline_name(BUZZ_NEWLINE_AUTO), "auto");
    assert_string_equal(buzz_newline_name(BUZZ_NEWLINE_LF), "lf");
    assert_string_equal(buzz_newline_name(BUZZ_NEWLINE_CRLF), "crlf");
    assert_string_equal(buzz_newline_name(BUZZ_NEWLINE_CR), "cr");
    assert_string_equal(buzz_newline_name((buzz_newline)9), "unknown");

    static const struct {
        const char *in;
        buzz_status st;
        buzz_encoding want;
    } parse[] = {
        {"utf-8", BUZZ_OK, BUZZ_ENCODING_UTF8},
        {"UTF-8", BUZZ_OK, BUZZ_ENCODING_UTF8},
        {"utf8", BUZZ_OK, BUZZ_ENCODING_UTF8},
        {"utf-16le", BUZZ_OK, BUZZ_ENCODING_UTF16LE},
        {"UTF-16BE", BUZZ_OK, BUZZ_ENCODING_UTF16BE},
        {"windows-1252", BUZZ_OK, BUZZ_ENCODING_WINDOWS1252},
        {"cp1252", BUZZ_OK, BUZZ_ENCODING_WINDOWS1252},
        {"Latin1", BUZZ_OK, BUZZ_ENCODING_WINDOWS1252},
        {"iso-8859-1", BUZZ_OK, BUZZ_ENCODING_WINDOWS1252},
        {"auto", BUZZ_OK, BUZZ_ENCODING_AUTO},
        {"utf-32", BUZZ_ERR_ARG, BUZZ_ENCODING_AUTO},
        {"", BUZZ_ERR_ARG, BUZZ_ENCODING_AUTO},
        {"utf-8 ", BUZZ_ERR_ARG, BUZZ_ENCODING_AUTO},
        {"\xff\x01", BUZZ_ERR_ARG, BUZZ_ENCODING_AUTO},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(parse); i++) {
        buzz_encoding e = (buzz_encoding)77;
        buzz_error err;
        buzz_status st = buzz_encoding_parse(parse[i].in, &e, &err);
        if (st != parse[i].st)
            fail_msg("parse case %zu (%s): status %d", i, parse[i].in, (int)st);
        if (st == BUZZ_OK && e != parse[i].want)
            fail_msg("parse case %zu (%s): got %d", i, parse[i].in, (int)e);
        if (st != BUZZ_OK) {
            assert_int_equal(e, 77); /* untouched on failure */
            assert_non_null(strstr(err.message, "utf-16le"));
        }
    }
    buzz_error err;
    buzz_encoding e;
    assert_int_equal(buzz_encoding_parse("utf-32", &e, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "found \"utf-32\""));
    assert_int_equal(buzz_encoding_parse(NULL, &e, NULL), BUZZ_ERR_ARG);

    for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        const char *name = buzz_csv_issue_kind_name((buzz_csv_issue_kind)k);
        assert_non_null(name);
        assert_string_not_equal(name, "unknown issue");
        for (int j = 0; j < k; j++)
            assert_string_not_equal(name, buzz_csv_issue_kind_name((buzz_csv_issue_kind)j));
    }
    assert_string_equal(buzz_csv_issue_kind_name(BUZZ_CSV_TOO_FEW_FIELDS),
                        "row with too few fields");
    assert_string_equal(buzz_csv_issue_kind_name(BUZZ_CSV_ISSUE_KIND_COUNT), "unknown issue");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),    cmocka_unit_test(test_cp1252_table),
        cmocka_unit_test(test_lazy_switch),  cmocka_unit_test(test_big_files),
        cmocka_unit_test(test_direct_reads), cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_zstd),         cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_sample),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_oom),          cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
