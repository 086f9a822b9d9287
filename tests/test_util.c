/* tests/test_util.c: unit tests of src/util: error formatting and quoting, the counting allocator and
 * its failure hook, bounded buffers, CPU/SIMD names, atomic files. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>

static void test_error_format(void **state)
{
    (void)state;
    static const struct {
        const char *source;
        int64_t line, column;
        const char *msg, *want;
    } cases[] = {
        {"orders.csv", 1042, 7, "expected a date", "orders.csv:1042:7: expected a date"},
        {"orders.csv", 3, 0, "bad", "orders.csv:3: bad"},
        {NULL, 0, 0, "plain", "plain"},
        {"f.csv", 0, 0, "no line", "f.csv: no line"},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_error err;
        buzz_pos where = {cases[i].source, cases[i].line, cases[i].column, 10};
        assert_int_equal(buzz_error_at(&err, BUZZ_ERR_PARSE, &where, "%s", cases[i].msg),
                         BUZZ_ERR_PARSE);
        char out[256];
        buzz_error_format(&err, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
    }
    /* NULL err is allowed and the code is still returned. */
    assert_int_equal(buzz_error_set(NULL, BUZZ_ERR_IO, "x"), BUZZ_ERR_IO);
    for (int s = BUZZ_OK; s <= BUZZ_ERR_INTERNAL; s++)
        assert_non_null(buzz_status_name((buzz_status)s));
}

static void test_quote_text(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len, max;
        const char *want;
    } cases[] = {
        {"hello", 5, 40, "hello"},
        {"a\x01" "b", 3, 40, "a\\x01b"},
        {"caf\xc3\xa9", 5, 40, "caf\xc3\xa9"},
        {"bad\xff", 4, 40, "bad\\xff"},
        {"0123456789", 10, 4, "0123..."},
        {"\xc3", 1, 40, "\\xc3"},
        {"", 0, 40, ""},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        char out[128];
        buzz_quote_text(cases[i].in, cases[i].len, cases[i].max, out, sizeof out);
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, out, cases[i].want);
    }
    char tiny[8];
    buzz_quote_text("abcdefghijkl", 12, 100, tiny, sizeof tiny);
    assert_string_equal(tiny, "abcd...");
}

static void test_mem_counts_and_fails(void **state)
{
    (void)state;
    size_t before = buzz_mem_live_bytes();
    void *p = buzz_malloc(1000);
    assert_non_null(p);
    assert_int_equal(buzz_mem_live_bytes(), before + 1000);
    p = buzz_realloc(p, 5000);
    assert_non_null(p);
    assert_int_equal(buzz_mem_live_bytes(), before + 5000);
    assert_true(buzz_mem_peak_bytes() >= before + 5000);
    buzz_free(p);
    assert_int_equal(buzz_mem_live_bytes(), before);
    buzz_free(NULL);

    buzz_mem_fail_after(2);
    void *a = buzz_malloc(10);
    void *b = buzz_malloc(10);
    void *c = buzz_malloc(10);
    buzz_mem_fail_after(0);
    assert_non_null(a);
    assert_null(b);
    assert_null(c);
    buzz_free(a);
    assert_null(buzz_calloc(SIZE_MAX / 2, 4));
    char *d = buzz_strndup("abcdef", 3);
    assert_string_equal(d, "abc");
    buzz_free(d);
}

static void test_buf(void **state)
{
    (void)state;
    buzz_buf b;
    buzz_error err;
    buzz_buf_init(&b, 10);
    assert_int_equal(buzz_buf_append(&b, "hello", 5, &err), BUZZ_OK);
    assert_int_equal(buzz_buf_append_byte(&b, '!', &err), BUZZ_OK);
    assert_int_equal(b.len, 6);
    assert_memory_equal(b.data, "hello!", 6);
    assert_int_equal(buzz_buf_append(&b, "12345", 5, &err), BUZZ_ERR_LIMIT);
    assert_non_null(strstr(err.message, "10 bytes"));
    assert_int_equal(b.len, 6);
    buzz_buf_reset(&b);
    assert_int_equal(buzz_buf_printf(&b, &err, "%d-%s", 42, "x"), BUZZ_OK);
    assert_memory_equal(b.data, "42-x", 4);
    buzz_buf_free(&b);
    buzz_buf_free(&b); /* double free of a freed struct is fine */

    buzz_buf_init(&b, 0);
    char big[1000];
    memset(big, 'z', sizeof big);
    assert_int_equal(buzz_buf_printf(&b, &err, "%.*s", 900, big), BUZZ_OK);
    assert_int_equal(b.len, 900);
    buzz_buf_free(&b);

    /* Out of memory is reported, not fatal, and leaves the buffer usable. */
    buzz_buf_init(&b, 0);
    buzz_mem_fail_after(1);
    assert_int_equal(buzz_buf_append(&b, "x", 1, &err), BUZZ_ERR_NOMEM);
    buzz_mem_fail_after(0);
    assert_int_equal(buzz_buf_append(&b, "x", 1, &err), BUZZ_OK);
    buzz_buf_free(&b);
}

static void test_simd_names(void **state)
{
    (void)state;
    buzz_simd s;
    const char *names[] = {"auto", "scalar", "avx2", "avx512"};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(names); i++) {
        assert_int_equal(buzz_simd_parse(names[i], &s, NULL), BUZZ_OK);
        assert_string_equal(buzz_simd_name(s), names[i]);
    }
    buzz_error err;
    assert_int_equal(buzz_simd_parse("neon9", &s, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "neon9"));
    assert_true(buzz_simd_supported(BUZZ_SIMD_SCALAR));
    assert_true(buzz_simd_supported(buzz_simd_best()));
    if (buzz_cpu_has_avx512())
        assert_true(buzz_cpu_has_avx2());
    assert_true(buzz_cpu_count() >= 1);
}

static void test_atomic_file(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "atomic.out");
    buzz_error err;
    buzz_atomic_file f;
    assert_int_equal(buzz_atomic_file_open(&f, path, &err), BUZZ_OK);
    assert_int_equal(buzz_atomic_file_write(&f, "abc", 3, &err), BUZZ_OK);
    /* Before commit, the destination does not exist. */
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(buzz_atomic_file_commit(&f, &err), BUZZ_OK);
    buzz_atomic_file_abort(&f);
    size_t n;
    char *got = test_read_file(path, &n);
    assert_non_null(got);
    assert_int_equal(n, 3);
    free(got);

    /* An aborted file leaves nothing behind, and the old destination stays intact. */
    assert_int_equal(buzz_atomic_file_open(&f, path, &err), BUZZ_OK);
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s", f.tmp_path);
    assert_int_equal(buzz_atomic_file_write(&f, "zzzzzz", 6, &err), BUZZ_OK);
    buzz_atomic_file_abort(&f);
    assert_int_equal(access(tmp, F_OK), -1);
    got = test_read_file(path, &n);
    assert_int_equal(n, 3);
    free(got);

    /* An unwritable directory gives a clear IO error naming the file. */
    assert_int_equal(buzz_atomic_file_open(&f, "/nonexistent-dir/x.parquet", &err), BUZZ_ERR_IO);
    assert_string_equal(err.source, "/nonexistent-dir/x.parquet");
    assert_non_null(strstr(err.message, "cannot create"));
}

static void test_read_helpers(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "read.bin");
    test_write_file(path, "0123456789", 10);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    char buf[16];
    size_t got;
    assert_int_equal(buzz_pread_full(fd, buf, 4, 3, &got, path, NULL), BUZZ_OK);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "3456", 4);
    assert_int_equal(buzz_pread_full(fd, buf, 16, 8, &got, path, NULL), BUZZ_OK);
    assert_int_equal(got, 2);
    assert_int_equal(buzz_read_full(fd, buf, 16, &got, path, NULL), BUZZ_OK);
    assert_int_equal(got, 10);
    close(fd);
    buzz_error err;
    assert_int_equal(buzz_read_full(-1, buf, 4, &got, "bad-fd", &err), BUZZ_ERR_IO);
    assert_true(buzz_now_ns() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_format), cmocka_unit_test(test_quote_text),
        cmocka_unit_test(test_mem_counts_and_fails), cmocka_unit_test(test_buf),
        cmocka_unit_test(test_simd_names), cmocka_unit_test(test_atomic_file),
        cmocka_unit_test(test_read_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
