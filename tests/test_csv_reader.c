/* tests/test_csv_reader.c: the public reader end to end: files in, batches out. Thread counts,
 * kernels and chunk sizes must not change the output (chunks are cut at record ends even when
 * quoted fields with newlines cross them); line numbers, offsets and the irregularity report are
 * exact; --strict stops at the first irregular row; limits, cancellation and progress work. */
#include "test_support.h"

#include "buzz/csv.h"
#include "csv/csv_internal.h"

#include <stdatomic.h>

/* Render every row of path as "[a][b]|" (missing cells "~", extras "+raw") with line numbers
 * "@line" at each row start when with_lines. Returns an owned malloc'd string. */
/* A test-side string builder on plain malloc, so that the allocation-failure hook only hits the
 * reader. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sput(sbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* check_equal_everywhere also renders the reader's report. */
static bool render_report;

/* Speculative cuts (reader.c): the miss limit read_all sets (0: the reader's default), and what
 * the readings so far did: wrong guesses, chunks tokenized again, readings that fell back to the
 * tracker. */
static size_t spec_limit;
static size_t spec_misses, spec_fixes, spec_fallbacks;

/* read_all adds up the row counts rows_hook left in the states of the batches handed out. */
static long long hook_state_rows;

static char *read_all(const char *path, const buzz_csv_options *o, bool with_lines,
                      buzz_status *out_st, buzz_error *err)
{
    buzz_csv_reader *rd = NULL;
    sbuf out = {0};
    sput(&out, "", 0);
    buzz_status st = buzz_csv_reader_open(&rd, path, o, err);
    if (st == BUZZ_OK && spec_limit)
        buzz__csv_reader_set_spec_limit(rd, spec_limit);
    while (st == BUZZ_OK) {
        const buzz_csv_batch *b;
        st = buzz_csv_reader_next(rd, &b, err);
        if (st || !b)
            break;
        if (b->hook_state)
            hook_state_rows += (long long)*(const size_t *)b->hook_state;
        size_t x = 0;
        for (size_t r = 0; r < b->row_count; r++) {
            char tmp[32];
            if (with_lines) {
                snprintf(tmp, sizeof tmp, "@%lld", (long long)b->row_lines[r]);
                sput(&out, tmp, strlen(tmp));
            }
            for (size_t c = 0; c < b->column_count; c++) {
                buzz_csv_cell cell = buzz_csv_batch_cell(b, r, c);
                if (buzz_csv_cell_is_missing(cell)) {
                    sput(&out, "~", 1);
                    continue;
                }
                sput(&out, "[", 1);
                sput(&out, b->data + cell.offset,
                                                 buzz_csv_cell_len(cell));
                sput(&out, "]", 1);
            }
            if (x < b->extra_count && b->extras[x].row == r) {
                sput(&out, "+", 1);
                sput(&out, b->data + b->extras[x].offset,
                                                 b->extras[x].len);
                x++;
            }
            sput(&out, "|", 1);
        }
    }
    if (render_report && rd && st == BUZZ_OK) {
        /* The report too: every issue counted once, the same examples, wherever chunks end. */
        const buzz_csv_report *rep = buzz_csv_reader_report(rd);
        char tmp[400];
        snprintf(tmp, sizeof tmp, "\nrows %lld blank %lld comment %lld\n", (long long)rep->rows,
                 (long long)rep->blank_lines, (long long)rep->comment_lines);
        sput(&out, tmp, strlen(tmp));
        for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
            snprintf(tmp, sizeof tmp, "kind %d: %lld\n", k, (long long)rep->counts[k]);
            sput(&out, tmp, strlen(tmp));
            for (int e = 0; e < BUZZ_CSV_ISSUE_EXAMPLES && e < rep->counts[k]; e++) {
                const buzz_csv_issue *is = &rep->examples[k][e];
                snprintf(tmp, sizeof tmp, "  line %lld offset %lld: %s\n", (long long)is->line,
                         (long long)is->offset, is->message);
                sput(&out, tmp, strlen(tmp));
            }
        }
    }
    if (rd) {
        bool guessing;
        size_t misses, fixes;
        buzz__csv_reader_spec_stats(rd, &guessing, &misses, &fixes);
        spec_misses += misses;
        spec_fixes += fixes;
        spec_fallbacks += !guessing && misses > 0;
    }
    buzz_csv_reader_close(rd);
    *out_st = st;
    return out.p;
}

static void write_tmp(const char *name, const char *text, char *path, size_t cap)
{
    test_path(path, cap, name);
    test_write_file(path, text, strlen(text));
}

static void test_basic_and_header(void **state)
{
    (void)state;
    char path[600];
    write_tmp("basic.csv", "id,name\n1,\"a,b\"\n2,\"x\"\"y\"\n", path, sizeof path);
    buzz_error err;
    buzz_csv_reader *rd;
    assert_int_equal(buzz_csv_reader_open(&rd, path, NULL, &err), BUZZ_OK);
    const buzz_str *names;
    size_t n;
    buzz_csv_reader_columns(rd, &names, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(names[0].ptr, "id", 2);
    assert_memory_equal(names[1].ptr, "name", 4);
    const buzz_csv_dialect *d = buzz_csv_reader_dialect(rd);
    assert_int_equal(d->delimiter, ',');
    assert_true(d->has_header);
    buzz_csv_reader_close(rd);
    buzz_status st;
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    char *got = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_string_equal(got, "@2[1][a,b]|@3[2][x\"y]|");
    free(got);

    /* A header name ends at a NUL byte; cells keep theirs. */
    static const char nul_csv[] = "col1|col\0002\nval1|v\0002\n";
    test_path(path, sizeof path, "nul.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul_csv, 1, sizeof nul_csv - 1, f), sizeof nul_csv - 1);
    assert_int_equal(fclose(f), 0);
    o.delimiter = '|';
    o.header = 1;
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_OK);
    buzz_csv_reader_columns(rd, &names, &n);
    assert_int_equal(n, 2);
    assert_int_equal(names[1].len, 3);
    assert_memory_equal(names[1].ptr, "col", 4);
    const buzz_csv_batch *b;
    assert_int_equal(buzz_csv_reader_next(rd, &b, &err), BUZZ_OK);
    assert_non_null(b);
    assert_int_equal(buzz_csv_cell_len(buzz_csv_batch_cell(b, 0, 1)), 3);
    buzz_csv_reader_close(rd);
}

/* Rows every run of rows_hook saw, batches read again after a wrong guessed cut included. */
static atomic_llong hook_rows;

/* A hook that leaves each batch's row count in its state: with chunks tokenized again after a
 * wrong guessed cut the hook runs more often than batches are handed out, and only the states of
 * the batches handed out count (with two threads in CR mode the caller tokenizes and cuts every
 * chunk and a worker only runs the hook: reader.c, hook_on_workers). check_hook_states: three
 * workers guessing every cut read path with it; the rows the states hold add up to the rows of
 * `want` (a rendering with its report). */
static buzz_status rows_hook(void *user, const buzz_csv_dialect *d, const buzz_csv_batch *b,
                             void **state, buzz_error *err)
{
    (void)user;
    (void)d;
    (void)err;
    if (!*state)
        *state = malloc(sizeof(size_t));
    assert_non_null(*state);
    *(size_t *)*state = b->row_count;
    atomic_fetch_add(&hook_rows, (long long)b->row_count);
    return BUZZ_OK;
}

static void rows_hook_free(void *user, void *state)
{
    (void)user;
    free(state);
}

static void check_hook_states(const char *path, const char *want)
{
    const char *rows = strstr(want, "\nrows ");
    assert_non_null(rows);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 3;
    o.chunk_bytes = 4096;
    o.batch_hook = (buzz_csv_batch_hook){rows_hook, rows_hook_free, NULL};
    buzz_csv_reader *rd;
    buzz_error err;
    atomic_store(&hook_rows, 0);
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_OK);
    buzz__csv_reader_set_spec_limit(rd, SIZE_MAX);
    long long total = 0;
    const buzz_csv_batch *b;
    for (;;) {
        assert_int_equal(buzz_csv_reader_next(rd, &b, &err), BUZZ_OK);
        if (!b)
            break;
        assert_non_null(b->hook_state);
        assert_int_equal(*(size_t *)b->hook_state, b->row_count);
        total += (long long)b->row_count;
    }
    bool guessing;
    size_t misses, fixes;
    buzz__csv_reader_spec_stats(rd, &guessing, &misses, &fixes);
    assert_true(guessing && fixes > 0);
    assert_int_equal(total, atoll(rows + 6));
    assert_true(atomic_load(&hook_rows) > total); /* batches read from wrong starts too */
    buzz_csv_reader_close(rd);
}

/* The cuts a one-thread reading of path makes with chunk size `chunk` (owned; *n of them). */
static int64_t *cuts_of(const char *path, const buzz_csv_options *base, size_t chunk, size_t *n)
{
    buzz_csv_options o = *base;
    o.threads = 1;
    o.chunk_bytes = chunk;
    buzz_csv_reader *rd = NULL;
    buzz_error err;
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_OK);
    const buzz_csv_batch *b;
    do
        assert_int_equal(buzz_csv_reader_next(rd, &b, &err), BUZZ_OK);
    while (b);
    const int64_t *cuts;
    buzz_csv_reader_cuts(rd, &cuts, n);
    int64_t *copy = malloc((*n + 1) * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, cuts, *n * sizeof *copy);
    buzz_csv_reader_close(rd);
    return copy;
}

/* Every combination of threads, kernels and chunk sizes reads path as the scalar kernel on one
 * thread does, with the options of base; so do two threads cutting chunks at the record starts
 * of an earlier reading (known_cuts), with that reading's chunk size or another one (then most
 * slots hold no known cut, or several). Returns the rendering (owned). */
static char *check_equal_everywhere(const char *path, const buzz_csv_options *base)
{
    buzz_csv_options o = *base;
    o.threads = 1;
    o.simd = BUZZ_SIMD_SCALAR;
    buzz_status st;
    buzz_error err;
    render_report = true;
    char *want = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_true(strlen(want) > 100000);
    const buzz_simd kernels[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    const unsigned threads[] = {1, 2, 3};
    const size_t chunks[] = {0, 4096, 100003};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(kernels); k++) {
        if (!buzz_simd_supported(kernels[k]))
            continue;
        for (size_t t = 0; t < BUZZ_ARRAY_LEN(threads); t++) {
            for (size_t c = 0; c < BUZZ_ARRAY_LEN(chunks); c++) {
                /* With workers, also guessing every cut (no fall back to the tracker). */
                for (int g = 0; g < (threads[t] > 1 ? 2 : 1); g++) {
                    o.simd = kernels[k];
                    o.threads = threads[t];
                    o.chunk_bytes = chunks[c];
                    spec_limit = g ? SIZE_MAX : 0;
                    char *got = read_all(path, &o, true, &st, &err);
                    spec_limit = 0;
                    assert_int_equal(st, BUZZ_OK);
                    if (strcmp(got, want) != 0)
                        fail_msg("%s: %s, %u threads, chunk %zu%s: output differs", path,
                                 buzz_simd_name(kernels[k]), threads[t], chunks[c],
                                 g ? ", guessed cuts" : "");
                    free(got);
                }
            }
        }
    }
    size_t n_small, n_large;
    int64_t *small = cuts_of(path, base, 4096, &n_small);
    int64_t *large = cuts_of(path, base, 100003, &n_large);
    assert_true(n_small > n_large && n_large > 0);
    const struct {
        size_t chunk;
        const int64_t *cuts;
        size_t n;
    } known[] = {{4096, small, n_small}, {100003, large, n_large}, {4096, large, n_large},
                 {100003, small, n_small}};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(known); i++) {
        o.simd = BUZZ_SIMD_AUTO;
        o.threads = 2;
        o.chunk_bytes = known[i].chunk;
        o.known_cuts = known[i].cuts;
        o.known_cut_count = known[i].n;
        char *got = read_all(path, &o, true, &st, &err);
        assert_int_equal(st, BUZZ_OK);
        if (strcmp(got, want) != 0)
            fail_msg("%s: known cuts %zu, chunk %zu: output differs", path, i, known[i].chunk);
        free(got);
    }
    free(small);
    free(large);
    o.known_cuts = NULL;
    o.known_cut_count = 0;
    const size_t hook_chunks[] = {4096, 100003};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(hook_chunks); i++) {
        o.threads = 2;
        o.chunk_bytes = hook_chunks[i];
        o.batch_hook = (buzz_csv_batch_hook){rows_hook, rows_hook_free, NULL};
        atomic_store(&hook_rows, 0);
        hook_state_rows = 0;
        char *got = read_all(path, &o, true, &st, &err);
        assert_int_equal(st, BUZZ_OK);
        if (strcmp(got, want) != 0)
            fail_msg("%s: hook on the workers, chunk %zu: output differs", path, hook_chunks[i]);
        const char *rows = strstr(got, "\nrows ");
        assert_non_null(rows);
        /* Every batch handed out was hooked once; a chunk read again after a wrong guess
         * runs the hook again on its batches. */
        assert_int_equal(hook_state_rows, atoll(rows + 6));
        assert_true(atomic_load(&hook_rows) >= hook_state_rows);
        free(got);
        o.batch_hook = (buzz_csv_batch_hook){0};
    }
    render_report = false;
    return want;
}

/* A generated file with quoted newlines, doubled quotes and irregular rows: every combination of
 * threads, kernels and chunk sizes reads it identically. */
static void test_equal_across_threads_kernels_chunks(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "gen.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "a,b,c,d\n");
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 60000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (x % 8) {
        case 0:
            fprintf(f, "%d,\"multi\nline %d\",\"q\"\"uote\",%llu\n", i, i, (unsigned long long)x);
            break;
        case 1:
            fprintf(f, "%d,short\n", i); /* too few */
            break;
        case 2:
            fprintf(f, "%d,b,c,d,extra,%d\n", i, i); /* too many */
            break;
        case 3:
            fprintf(f, "\"%d\",\"\",,\"x,y\"\r\n", i);
            break;
        case 4:
            /* Issues inside the record (a quote in an unquoted field, an undoubled quote inside
             * quotes), wherever a chunk ends. */
            fprintf(f, "%d,ab\"c,\"say \"hi\" now\",\"x\"\"y\"\n", i);
            break;
        case 5:
            if ((x >> 20) % 40 == 0) {
                /* A record longer than the smallest chunk: doubled quotes and line breaks in a
                 * 10 KB value, after an issue in its first field. */
                fprintf(f, "%d,x\"y,\"", i);
                for (int k = 0; k < 500; k++)
                    fprintf(f, "%s", k % 7 == 0 ? "a \"\"long\"\"\nvalue " : "0123456789abcdefgh ");
                fprintf(f, "\",%d\n", i);
                break;
            }
            /* fall through */
        default:
            fprintf(f, "%d,plain text %d,%llu,%d.5\n", i, i, (unsigned long long)(x % 1000), i);
            break;
        }
    }
    /* A stray quote never closed: the last chunk reads the tail again without quoting. */
    fprintf(f, "60000,\"stray \"quote\" never closed,x,y\n60001,z\"w\n");
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    spec_misses = spec_fixes = spec_fallbacks = 0;
    char *got = check_equal_everywhere(path, &o);
    /* The multi-line values make guessed cuts wrong often: chunks were tokenized again, and
     * readings fell back to the tracker. */
    assert_true(spec_fixes > 100);
    assert_true(spec_misses >= spec_fixes);
    assert_true(spec_fallbacks > 0);
    check_hook_states(path, got);
    assert_non_null(strstr(got, "[60000][\"stray \"quote\" never closed][x][y]|@"));
    assert_non_null(strstr(got, "[60001][z\"w]~~|"));
    free(got);
}

/* Inline comments whose text holds quotes (which must open nothing, or a chunk would be cut inside
 * a record), comment lines, and '#' inside quoted multi-line values: the same everywhere, and read
 * as comments. */
static void test_inline_comments_everywhere(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "inline.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "# generated\na,b,c\n");
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 60000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (x % 6) {
        case 0:
            fprintf(f, "%d,v%d,w # it's \"open\n", i, i);
            break;
        case 1:
            fprintf(f, "  # a comment line, \"quoted\n");
            break;
        case 2:
            fprintf(f, "%d,\"#multi\nline #%d\",\"x\"# \"\r\n", i, i);
            break;
        case 3:
            /* Too few after the cut; a tracker that took the quote for one would then see the
             * next record's quoted ",\n" as a record end. */
            fprintf(f, "%d,%d#,\"cut\n%d,\",\nz\",2\n", i, i, i);
            break;
        default:
            fprintf(f, "%d,plain,%llu\n", i, (unsigned long long)(x % 1000));
            break;
        }
    }
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.comment = '#';
    o.inline_comments = 1;
    o.delimiter = ',';
    char *got = check_equal_everywhere(path, &o);
    assert_null(strstr(got, "open"));
    assert_null(strstr(got, "cut"));
    assert_null(strstr(got, "comment line"));
    assert_non_null(strstr(got, "[#multi\nline #"));
    free(got);
}

/* CR-only line ends (old Mac exports) with some CR LF among them, which end one record each, and
 * quoted values holding CRs: chunks cut right after a CR must not split a CR LF. The same
 * everywhere, with every CR LF one record end. */
static void test_cr_mode_everywhere(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "cr.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "a,b,c\r");
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 80000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const char *end = x % 10 < 3 ? "\r\n" : "\r";
        switch (x % 5) {
        case 0:
            fprintf(f, "%d,\"two\rlines\",\"q\"\"\"%s", i, end);
            break;
        case 1:
            fprintf(f, "%d,short%s", i, end);
            break;
        default:
            fprintf(f, "%d,plain %d,%llu%s", i, i, (unsigned long long)(x % 1000), end);
            break;
        }
    }
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    char *got = check_equal_everywhere(path, &o);
    assert_non_null(strstr(got, "[two\rlines][q\"]"));
    assert_null(strstr(got, "[\n")); /* no value starts with an LF: each CR LF ended a record */
    free(got);
}

/* Cuts that are no record starts (another file's, or shifted): reading fails with BUZZ_ERR_IO
 * naming the change, never returns rows split wrongly. */
static void test_known_cuts_mismatch(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "cuts.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "a,b,c\n");
    for (int i = 0; i < 20000; i++)
        fprintf(f, "%d,\"text, %d\",%d.5\n", i, i, i);
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    size_t n;
    int64_t *cuts = cuts_of(path, &o, 8192, &n);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++)
        cuts[i] += 3; /* inside a record */
    o.threads = 2;
    o.chunk_bytes = 8192;
    o.known_cuts = cuts;
    o.known_cut_count = n;
    buzz_status st;
    buzz_error err;
    char *got = read_all(path, &o, false, &st, &err);
    assert_int_equal(st, BUZZ_ERR_IO);
    assert_non_null(strstr(err.message, "changed since it was first read"));
    free(got);
    free(cuts);
}

static void test_report_and_strict(void **state)
{
    (void)state;
    char path[600];
    write_tmp("irregular.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n\"x\"y\",2,3\n10,11,12\n", path,
              sizeof path);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.header = 1;
    o.delimiter = ',';
    o.quote = '"';
    buzz_status st;
    buzz_error err;
    buzz_csv_reader *rd;
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_OK);
    const buzz_csv_batch *b;
    size_t rows = 0;
    while (buzz_csv_reader_next(rd, &b, &err) == BUZZ_OK && b)
        rows += b->row_count;
    assert_int_equal(rows, 5);
    const buzz_csv_report *rep = buzz_csv_reader_report(rd);
    assert_int_equal(rep->rows, 5);
    assert_int_equal(rep->counts[BUZZ_CSV_TOO_FEW_FIELDS], 1);
    assert_int_equal(rep->examples[BUZZ_CSV_TOO_FEW_FIELDS][0].line, 3);
    assert_int_equal(rep->counts[BUZZ_CSV_TOO_MANY_FIELDS], 1);
    assert_int_equal(rep->examples[BUZZ_CSV_TOO_MANY_FIELDS][0].line, 4);
    assert_int_equal(rep->examples[BUZZ_CSV_TOO_MANY_FIELDS][0].offset, 16);
    assert_int_equal(rep->counts[BUZZ_CSV_UNESCAPED_QUOTE], 1);
    assert_non_null(strstr(rep->examples[BUZZ_CSV_TOO_FEW_FIELDS][0].message, "expected 3"));
    buzz_csv_reader_close(rd);

    o.strict = true;
    char *got = read_all(path, &o, false, &st, &err);
    free(got);
    assert_int_equal(st, BUZZ_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.source, path);
    assert_non_null(strstr(err.message, "expected 3 fields, found 2"));
}

/* A ragged table (rows leave out their trailing empty fields, as Excel writes them after the 16th
 * line): detected, short rows padded with NULL and not reported, a wider row still reported, the
 * same for every thread count, kernel and chunk size; with --no-ragged the short rows are
 * reported again, and with --ragged a table the sniffer would not call ragged reads so too. */
static void test_ragged_rows(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "ragged.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "id,name,city,amount,note\r\n");
    size_t shorter = 0;
    for (int i = 1; i <= 6000; i++) {
        if (i <= 15 || i % 7 == 0) {
            fprintf(f, "%d,n%d,%s,%d.25,%s\r\n", i, i, i % 3 ? "Oslo" : "", i, i % 7 ? "" : "late");
        } else if (i % 3 == 0) {
            fprintf(f, "%d,n%d\r\n", i, i);
            shorter++;
        } else {
            fprintf(f, "%d,n%d,Oslo,%d.25\r\n", i, i, i);
            shorter++;
        }
    }
    fprintf(f, "6001,n6001,Rome,1.25,x,extra\r\n");
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    render_report = true;
    char *got = check_equal_everywhere(path, &o);
    assert_non_null(strstr(got, "\nrows 6001 "));
    assert_non_null(strstr(got, "[16][n16][Oslo][16.25]~|"));
    assert_non_null(strstr(got, "[18][n18]~~~|"));
    assert_non_null(strstr(got, "\nkind 0: 0\n"));
    assert_non_null(strstr(got, "\nkind 1: 1\n"));
    free(got);
    buzz_status st;
    buzz_error err;
    buzz_csv_dialect d;
    buzz_csv_reader *rd;
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_OK);
    d = *buzz_csv_reader_dialect(rd);
    buzz_csv_reader_close(rd);
    assert_true(d.ragged_rows);
    assert_true(d.has_header);
    assert_int_equal(d.column_count, 5);
    render_report = true; /* check_equal_everywhere turned it off */
    o.ragged_rows = -1;
    got = read_all(path, &o, false, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    /* Without it the table is misread (the mode, 4 fields, wins; before this option existed the
     * header and the 15 full rows were skipped as a preamble), and short rows are reported. */
    assert_null(strstr(got, "\nkind 0: 0\n"));
    assert_true(shorter > 0);
    free(got);
    /* Forced, on broken rows the sniffer keeps reporting: padded, not reported. */
    write_tmp("broken.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n9,1,2\n", path, sizeof path);
    o.ragged_rows = 0;
    got = read_all(path, &o, false, &st, &err);
    assert_non_null(strstr(got, "\nkind 0: 1\n"));
    free(got);
    o.ragged_rows = 1;
    got = read_all(path, &o, false, &st, &err);
    assert_non_null(strstr(got, "[4][5]~|"));
    assert_non_null(strstr(got, "\nkind 0: 0\n"));
    free(got);
    render_report = false;
}

/* Files exported in parts and joined repeat their header: rows equal to the header in every
 * column are skipped and reported (line and offset of each), the same for every thread count,
 * kernel and chunk size, and the extras and issues of the rows after them stay with their rows.
 * A row that differs in one cell, has an extra field, stands in a one-column table or in a table
 * of text only (a copy of the header may be a row there) is data;
 * without a header nothing is skipped; --strict stops at the first copy. */
static void test_repeated_header(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "joined.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "\"id\",amount,\"note\"\n");
    for (int part = 0; part < 4; part++) {
        if (part)
            fprintf(f, part == 2 ? "\"id\",\"amount\",note\n" : "id,amount,note\n");
        for (int i = 0; i < 2000; i++) {
            int k = part * 2000 + i;
            if (k == 4100)
                fprintf(f, "%d,%d.5,x,extra\n", k, i); /* an extra field after a copy */
            else if (k == 4200)
                fprintf(f, "%d,\"a\"b\",x\n", k); /* a quote issue after a copy */
            else
                fprintf(f, "%d,%d.5,n%d\n", k, i, k % 7);
        }
    }
    fprintf(f, "id,amount,other\nid,amount,note,more\n");
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    char *got = check_equal_everywhere(path, &o);
    assert_non_null(strstr(got, "\nrows 8002 "));
    assert_non_null(strstr(got, "\nkind 8: 3\n"));
    assert_non_null(strstr(got, "  line 2002 offset "));
    assert_non_null(strstr(got, "  line 4003 offset "));
    assert_non_null(strstr(got, "  line 6004 offset "));
    assert_null(strstr(got, "[id][amount][note]|"));
    assert_non_null(strstr(got, "@4104[4100][100.5][x]+extra|@4105[4101]"));
    assert_non_null(strstr(got, "[id][amount][other]|"));
    assert_non_null(strstr(got, "[id][amount][note]+more|"));
    assert_non_null(strstr(got, "\nkind 1: 2\n"));
    assert_non_null(strstr(got, "\nkind 3: 1\n  line 4204 "));
    free(got);

    buzz_status st;
    buzz_error err;
    render_report = true;
    o.header = -1;
    got = read_all(path, &o, false, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_non_null(strstr(got, "\nkind 8: 0\n"));
    assert_non_null(strstr(got, "\nrows 8006 "));
    free(got);
    o.header = 0;
    o.strict = true;
    o.delimiter = ',';
    write_tmp("joined_strict.csv", "a,b\n1,2\na,b\n3,4\n", path, sizeof path);
    got = read_all(path, &o, false, &st, &err);
    free(got);
    assert_int_equal(st, BUZZ_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "copy of the header row"));
    o.strict = false;
    write_tmp("joined_text.csv", "name,city\nann,Oslo\nname,city\nbob,Rome\n", path, sizeof path);
    o.header = 0;
    got = read_all(path, &o, false, &st, &err);
    assert_non_null(strstr(got, "[ann][Oslo]|[name][city]|[bob][Rome]|"));
    assert_non_null(strstr(got, "\nkind 8: 0\n"));
    free(got);
    write_tmp("joined_one.csv", "name\nann\nname\nbob\n", path, sizeof path);
    o.header = 1;
    got = read_all(path, &o, false, &st, &err);
    assert_non_null(strstr(got, "[ann]|[name]|[bob]|"));
    assert_non_null(strstr(got, "\nkind 8: 0\n"));
    free(got);
    render_report = false;
}

/* Footer lines (a total and a note after a blank line) read the same whatever the chunk size
 * and thread count, also when a cut falls inside the footer so that the last chunk holds only
 * part of it (reader.c, spill_footer): the same rows, the same report, and a batch hook that
 * sees exactly the rows handed out. */
static void test_footer_across_chunks(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "footer.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "id,name,amount\n");
    for (int i = 0; i < 400; i++)
        fprintf(f, "%d,name %d,%d.50\n", i, i, (i * 37) % 1000);
    fprintf(f, "Total,,199800.00\n\nTotal rows: 400\nGenerated by the export tool, all rights "
               "reserved\n");
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    buzz_status st;
    buzz_error err;
    render_report = true;
    /* --footer 0 keeps every line as a row; --footer 5 drops two rows of data too. */
    o.has_footer_lines = true;
    char *all = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_non_null(strstr(all, "\nrows 403 "));
    assert_non_null(strstr(all, "[Total][][199800.00]"));
    free(all);
    o.footer_lines = 5;
    all = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_non_null(strstr(all, "\nrows 398 "));
    free(all);
    o.has_footer_lines = false;
    o.footer_lines = 0;
    /* Detected: the totals row and the two notes, each reported with its text. */
    char *want = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_non_null(strstr(want, "\nrows 400 "));
    assert_null(strstr(want, "[Total"));
    assert_non_null(strstr(want, "skipped: \"Total,,199800.00\"\n"));
    assert_non_null(strstr(want, "skipped: \"Total rows: 400\"\n"));
    assert_non_null(strstr(want, "skipped: \"Generated by the export tool, all rights reserved\"\n"));
    o.batch_hook = (buzz_csv_batch_hook){rows_hook, rows_hook_free, NULL};
    /* From 66 bytes: with 64 or 65 byte chunks and one thread (three slots) the footer's three
     * rows lie in more chunks than are in flight when the input ends (spill_footer). */
    const unsigned threads[] = {1, 2, 3};
    for (size_t t = 0; t < BUZZ_ARRAY_LEN(threads); t++) {
        for (size_t chunk = 66; chunk < 1400; chunk += 5) {
            o.threads = threads[t];
            o.chunk_bytes = chunk;
            hook_state_rows = 0;
            char *got = read_all(path, &o, true, &st, &err);
            assert_int_equal(st, BUZZ_OK);
            if (strcmp(got, want) != 0) {
                size_t k = 0;
                while (got[k] == want[k])
                    k++;
                fail_msg("%u threads, chunk %zu: output differs at %zu:\n got %.300s\nwant %.300s",
                         threads[t], chunk, k, got + (k > 100 ? k - 100 : 0),
                         want + (k > 100 ? k - 100 : 0));
            }
            assert_int_equal(hook_state_rows, 400);
            free(got);
        }
    }
    render_report = false;
    free(want);
}

/* Multi-line quoted values (blank lines inside, doubled quotes) often put a chunk's last LF
 * inside quotes, so guesses at the last LF go wrong; after the first wrong one the reader guesses
 * by quote parity and stays right: still guessing at the end, a handful of wrong guesses, and the
 * same output as one thread. */
static void test_guess_by_parity(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "posts.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "id,title,body\n");
    for (int i = 0; i < 3000; i++) {
        /* Lines of varying count and length, so that chunk ends fall anywhere in a record. */
        fprintf(f, "%d,\"Post %d, \"\"quoted\"\"\",\"first line", i, i);
        for (int k = 0; k < i % 5; k++)
            fprintf(f, "\n%.*s", (i * 7 + k * 13) % 40, "line text, with a comma and more words.");
        fprintf(f, "\n\nlast line of post %d\n\"\n", i);
    }
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    buzz_status st;
    buzz_error err;
    char *want = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    o.threads = 2;
    o.chunk_bytes = 4096;
    spec_misses = spec_fixes = spec_fallbacks = 0;
    char *got = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_string_equal(got, want);
    assert_int_equal(spec_fallbacks, 0);
    assert_true(spec_misses >= 1 && spec_misses <= 4);
    free(got);
    free(want);
}

static void test_preamble_and_skip(void **state)
{
    (void)state;
    char path[600];
    write_tmp("skip.csv", "Report title\nGenerated today\nx;y\n1;2\n3;4\n", path, sizeof path);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.has_skip_lines = true;
    o.skip_lines = 2;
    o.delimiter = ';';
    o.header = 1;
    buzz_status st;
    buzz_error err;
    char *got = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_string_equal(got, "@4[1][2]|@5[3][4]|");
    free(got);
    o.header = -1;
    o.skip_lines = 3;
    got = read_all(path, &o, true, &st, &err);
    assert_string_equal(got, "@4[1][2]|@5[3][4]|");
    free(got);
}

static void test_limits_and_errors(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "long.csv");
    FILE *f = fopen(path, "wb");
    fprintf(f, "a,b\n1,\"");
    for (int i = 0; i < 300000; i++)
        fputc('x', f);
    fprintf(f, "\"\n2,3\n");
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.header = 1;
    o.delimiter = ',';
    o.chunk_bytes = 4096;
    o.max_record_bytes = 100000;
    buzz_status st;
    buzz_error err;
    char *got = read_all(path, &o, false, &st, &err);
    free(got);
    assert_int_equal(st, BUZZ_ERR_LIMIT);
    assert_non_null(strstr(err.message, "longer than"));
    /* With room, the long field is read whole across many chunk sizes. */
    o.max_record_bytes = 0;
    got = read_all(path, &o, false, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    assert_int_equal(strlen(got), 300000 + strlen("[1][]|[2][3]|"));
    free(got);

    buzz_csv_reader *rd;
    assert_int_equal(buzz_csv_reader_open(&rd, "/nonexistent/file.csv", NULL, &err), BUZZ_ERR_IO);
    assert_null(rd);
    memset(&o, 0, sizeof o);
    o.threads = 1000;
    assert_int_equal(buzz_csv_reader_open(&rd, path, &o, &err), BUZZ_ERR_ARG);
    assert_non_null(strstr(err.message, "--threads"));
}

static bool cancel_now(void *user)
{
    int *calls = user;
    return ++*calls > 2;
}

static void on_progress(void *user, int64_t done, int64_t total)
{
    int64_t *last = user;
    assert_true(done >= *last);
    assert_true(total < 0 || done <= total);
    *last = done;
}

static void test_cancel_and_progress(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "cancel.csv");
    FILE *f = fopen(path, "wb");
    fprintf(f, "a,b\n");
    for (int i = 0; i < 200000; i++)
        fprintf(f, "%d,%d\n", i, i * 2);
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.chunk_bytes = 65536;
    int calls = 0;
    o.is_cancelled = cancel_now;
    o.cancel_user = &calls;
    buzz_status st;
    buzz_error err;
    char *got = read_all(path, &o, false, &st, &err);
    free(got);
    assert_int_equal(st, BUZZ_ERR_CANCELLED);

    memset(&o, 0, sizeof o);
    o.chunk_bytes = 65536;
    int64_t last = 0;
    o.on_progress = on_progress;
    o.progress_user = &last;
    got = read_all(path, &o, false, &st, &err);
    free(got);
    assert_int_equal(st, BUZZ_OK);
    struct stat sb;
    stat(path, &sb);
    assert_int_equal(last, sb.st_size);
}

/* Fail the n-th allocation, for n = 1, 2, ... until the reading succeeds: every failed reading
 * returns out of memory and leaks nothing, and the one that succeeds renders `want`. */
static void check_oom(const char *path, const buzz_csv_options *o, bool with_lines,
                      const char *want)
{
    size_t before = buzz_mem_live_bytes();
    for (int64_t n = 1; n < 20000; n++) {
        buzz_status st;
        buzz_error err;
        buzz_mem_fail_after(n);
        char *got = read_all(path, o, with_lines, &st, &err);
        buzz_mem_fail_after(0);
        assert_int_equal(buzz_mem_live_bytes(), before);
        if (st == BUZZ_OK) {
            assert_string_equal(got, want);
            free(got);
            return;
        }
        free(got);
        if (st != BUZZ_ERR_NOMEM)
            fail_msg("allocation %lld: status %s, want out of memory", (long long)n,
                     buzz_status_name(st));
    }
    fail_msg("never succeeded");
}

static void test_oom(void **state)
{
    (void)state;
    char path[600];
    write_tmp("oom.csv", "a,b\n1,2\n3,4\n", path, sizeof path);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 2;
    check_oom(path, &o, false, "[1][2]|[3][4]|");
}

/* Out of memory anywhere while cuts are guessed, guesses are wrong and chunks are read again
 * (the undo log, the start of the open record carried to the next chunk). */
static void test_oom_guessed_cuts(void **state)
{
    (void)state;
    char path[600];
    test_path(path, sizeof path, "oom_spec.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "a,b\n");
    for (int i = 0; i < 60; i++)
        fprintf(f, i % 3 ? "%d,\"x\"\"y\nz\"\n" : "%d,plain\n", i);
    fclose(f);
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.chunk_bytes = 64;
    buzz_status st;
    buzz_error err;
    char *want = read_all(path, &o, true, &st, &err);
    assert_int_equal(st, BUZZ_OK);
    o.threads = 2;
    spec_limit = SIZE_MAX;
    spec_fixes = 0;
    check_oom(path, &o, true, want);
    spec_limit = 0;
    assert_true(spec_fixes > 0);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_and_header),
        cmocka_unit_test(test_equal_across_threads_kernels_chunks),
        cmocka_unit_test(test_cr_mode_everywhere),
        cmocka_unit_test(test_known_cuts_mismatch),
        cmocka_unit_test(test_inline_comments_everywhere),
        cmocka_unit_test(test_report_and_strict), cmocka_unit_test(test_ragged_rows), cmocka_unit_test(test_repeated_header),
        cmocka_unit_test(test_preamble_and_skip),
        cmocka_unit_test(test_footer_across_chunks),
        cmocka_unit_test(test_guess_by_parity),
        cmocka_unit_test(test_limits_and_errors),
        cmocka_unit_test(test_cancel_and_progress),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_oom_guessed_cuts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
