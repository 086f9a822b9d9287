/* tests/test_support.h: helpers shared by the cmocka test files: cmocka includes in the right order,
 * temp directories, file helpers and locating the external CSV corpus. Header-only, test code only. */
#ifndef BUZZ_TEST_SUPPORT_H
#define BUZZ_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buzz/util.h"

/* A fresh temp directory per test binary, removed by the runner's own temp root. */
static inline const char *test_tmpdir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *root = getenv("BUZZ_TEST_TMP");
        snprintf(dir, sizeof dir, "%s/buzz-test-XXXXXX", root && root[0] ? root : "/tmp");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "cannot create a temp directory\n");
            abort();
        }
    }
    return dir;
}

static inline void test_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", test_tmpdir(), name);
}

static inline void test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Whole file into an owned malloc'd buffer (test inputs are small); NULL when missing. */
static inline char *test_read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    assert_non_null(p);
    size_t got = fread(p, 1, (size_t)n, f);
    fclose(f);
    p[got] = '\0';
    if (out_len)
        *out_len = got;
    return p;
}

/* The external DuckDB CSV corpus, read in place. NULL when it cannot be found. */
static inline const char *test_corpus_dir(void)
{
    static char dir[1024];
    struct stat st;
    const char *env = getenv("BUZZ_CORPUS_DIR");
    if (env && stat(env, &st) == 0)
        return env;
    const char *candidates[] = {"../shared/corpus/duckdb-csv", "/work/shared/corpus/duckdb-csv"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (!realpath(candidates[i], dir))
                continue;
            return dir;
        }
    }
    return NULL;
}

#endif
