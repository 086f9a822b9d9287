/* fuzz/fuzz_csv.c: libFuzzer target for the CSV tokenizer and the splitter's boundary tracker.
 * Byte 0 of the input picks the dialect (delimiter, quote, escape, comment, newline), byte 1 the
 * column count, tolerated trailing empty columns, merged delimiters, inline comments and the batch
 * size; the rest is the CSV. Every
 * kernel this CPU runs must render exactly as the scalar one (cells, issues, row offsets and lines,
 * the state after each call, with the scan also fed in pieces), and every tracker must report the
 * scalar tracker's boundaries and end state over range splits derived from the input. And the
 * reader's single-thread cut (check_open_cut): an input cut at a random byte, read as two chunks
 * with the open record moved to the second, must read as the whole input; the same cut just after
 * an LF (the reader's guessed cuts), and a chunk read from any byte with the undo log on must give
 * back its bytes (check_guess). Any difference aborts. Seeds: fuzz/seeds/fuzz_csv/. */
#include "../tests/csv_scan_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const buzz_simd all_kernels[] = {BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};

static buzz_csv_dialect pick_dialect(uint8_t b0, uint8_t b1)
{
    static const int delims[] = {',', ';', '\t', '|'};
    static const int quotes[] = {'"', '\'', BUZZ_CSV_NONE, '"'};
    buzz_csv_dialect d = render_dialect(1 + (b1 & 7));
    d.delimiter = delims[b0 & 3];
    d.quote = quotes[(b0 >> 2) & 3];
    unsigned e = (b0 >> 4) & 3;
    d.escape = e == 1 ? '\\' : e == 2 ? BUZZ_CSV_NONE : d.quote;
    d.comment = (b0 >> 6) & 1 ? '#' : BUZZ_CSV_NONE;
    d.newline = (b0 >> 7) & 1 ? BUZZ_NEWLINE_CR : BUZZ_NEWLINE_LF;
    d.trailing_empty_columns = (b1 >> 3) & 3;
    d.merge_delimiters = (b1 >> 5) & 1;
    d.has_inline_comments = d.comment != BUZZ_CSV_NONE && ((b1 >> 6) & 1); /* shares a cap bit */
    d.ragged_rows = (b1 >> 7) & 1; /* shares a cap bit too */
    return d;
}

typedef struct split_rng {
    uint64_t s;
} split_rng;

static uint64_t split_next(split_rng *r) /* xorshift64* */
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1Dull;
}

/* Ascending cuts in (0, len], the last == len, sizes from 1 byte to a few blocks. */
static size_t make_cuts(split_rng *r, size_t len, size_t *cuts, size_t cap)
{
    size_t n = 0;
    for (size_t p = 0; p < len && n + 1 < cap;) {
        uint64_t x = split_next(r);
        size_t step = (x & 3) == 0 ? 64 * (1 + ((x >> 2) & 3)) : 1 + (size_t)((x >> 8) % 150);
        p += step;
        if (p < len)
            cuts[n++] = p;
    }
    cuts[n++] = len;
    return n;
}

static void mismatch(const char *what, buzz_simd k)
{
    fprintf(stderr, "fuzz_csv: %s differs from scalar on %s\n", what, buzz_simd_name(k));
    abort();
}

static bool same_buf(const buzz_buf *a, const buzz_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void check_render(const uint8_t *csv, size_t len, const buzz_csv_dialect *d, size_t cap)
{
    render_out want;
    bool want_ok = render_tokenize((const char *)csv, len, d, buzz__csv_scan_scalar, cap, &want);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(all_kernels); i++) {
        buzz__csv_scan_fn fn = buzz__csv_pick_scan(all_kernels[i]);
        if (!fn)
            continue;
        render_out got;
        bool ok = render_tokenize((const char *)csv, len, d, fn, cap, &got);
        if (ok != want_ok || !same_buf(&got.text, &want.text) ||
            !same_buf(&got.issues, &want.issues) ||
            got.blank_lines != want.blank_lines || got.comment_lines != want.comment_lines)
            mismatch("render", all_kernels[i]);
        render_free(&got);
    }
    render_free(&want);
}

static void check_meta(const uint8_t *csv, size_t len, const buzz_csv_dialect *d, size_t cap,
                       const size_t *cuts, size_t ncuts)
{
    buzz_buf want;
    bool want_ok = meta_tokenize(csv, len, d, buzz__csv_scan_scalar, cap, cuts, ncuts, &want);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(all_kernels); i++) {
        buzz__csv_scan_fn fn = buzz__csv_pick_scan(all_kernels[i]);
        if (!fn)
            continue;
        buzz_buf got;
        bool ok = meta_tokenize(csv, len, d, fn, cap, cuts, ncuts, &got);
        if (ok != want_ok || got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
            mismatch("row offsets, lines, issues or state", all_kernels[i]);
        buzz_buf_free(&got);
    }
    buzz_buf_free(&want);
}

static void check_track(const uint8_t *csv, size_t len, const buzz_csv_dialect *d,
                        const size_t *cuts, size_t ncuts)
{
    uint8_t *data = malloc(len + BUZZ__CSV_PAD);
    if (!data)
        abort();
    memcpy(data, csv, len);
    memset(data + len, 'P', BUZZ__CSV_PAD);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(all_kernels); i++) {
        buzz__csv_track_fn fn = buzz__csv_pick_track(all_kernels[i]);
        if (!fn)
            continue;
        buzz__csv_track want, got;
        buzz__csv_track_init(&want, d);
        buzz__csv_track_init(&got, d);
        size_t p = 0;
        for (size_t c = 0; c < ncuts; c++) {
            size_t wb = buzz__csv_track_scalar(&want, data, p, cuts[c]);
            size_t gb = fn(&got, data, p, cuts[c]);
            if (wb != gb || want.state != got.state ||
                want.at_record_start != got.at_record_start || want.pending_cr != got.pending_cr)
                mismatch("tracker", all_kernels[i]);
            p = cuts[c];
        }
    }
    free(data);
}

/* The reader's single-thread cut (reader.c, cut_by_tokenizer): the bytes end at `at` (a CR ending
 * them in CR mode waits for the next chunk); the chunk ends where the record still open there
 * starts, whose bytes must still be as read; the next chunk starts with them. Both chunks
 * together must read as the whole input in one chunk, and the cut must be the boundary tracker's. */
static void check_open_cut(const uint8_t *csv, size_t len, const buzz_csv_dialect *d, size_t cap,
                           size_t at)
{
    if (at == 0 || at >= len)
        return;
    const uint8_t nl = d->newline == BUZZ_NEWLINE_CR ? '\r' : '\n';
    size_t end = at - (size_t)(d->newline == BUZZ_NEWLINE_CR && csv[at - 1] == '\r');
    /* Every issue listed, unescaping deferred as in the reader: the readings must list the same. */
    const size_t issue_cap = 4 * len + 16;
    render_out whole;
    render_init(&whole);
    render_mode wm = {.issue_cap = issue_cap, .defer = true};
    if (!render_chunk(csv, len, d, buzz__csv_scan_scalar, cap, &wm, &whole))
        mismatch("one-chunk reading", BUZZ_SIMD_SCALAR);
    static const buzz_simd kernels[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(kernels); i++) {
        buzz__csv_scan_fn fn = buzz__csv_pick_scan(kernels[i]);
        if (!fn)
            continue;
        render_out got;
        render_init(&got);
        render_mode om = {.issue_cap = issue_cap, .defer = true, .open_end = true};
        if (!render_chunk(csv, end, d, fn, cap, &om, &got) || om.cut > end)
            mismatch("open-ended chunk", kernels[i]);
        size_t cut = om.cut;
        int64_t lines = om.lines;
        uint8_t *data = om.data;
        if (memcmp(data + cut, csv + cut, end - cut) != 0)
            mismatch("bytes of the open record", kernels[i]);
        int64_t nls = 0;
        for (size_t k = 0; k < cut; k++)
            nls += csv[k] == nl;
        if (lines != nls)
            mismatch("line count at the cut", kernels[i]);
        buzz__csv_track tr;
        buzz__csv_track_init(&tr, d);
        if (buzz__csv_track_scalar(&tr, csv, 0, at) != cut)
            mismatch("cut against the tracker's boundary", kernels[i]);
        /* The next chunk: the open record's bytes from this chunk, then the rest. */
        uint8_t *next = malloc(len - cut + 1);
        if (!next)
            abort();
        memcpy(next, data + cut, end - cut);
        memcpy(next + (end - cut), csv + end, len - end);
        free(data);
        render_mode nm = {.issue_cap = issue_cap, .defer = true};
        if (!render_chunk(next, len - cut, d, fn, cap, &nm, &got))
            mismatch("chunk after the cut", kernels[i]);
        free(next);
        if (!same_buf(&got.text, &whole.text) || !same_buf(&got.issues, &whole.issues) ||
            got.blank_lines != whole.blank_lines || got.comment_lines != whole.comment_lines)
            mismatch("two chunks cut at an open record", kernels[i]);
        render_free(&got);
    }
    render_free(&whole);
}

/* The reader's guessed cuts (reader.c, settle_next): a chunk read from any start, with the undo
 * log on, gives back exactly the bytes it was given once the log is applied (a chunk read from a
 * wrong guess is read again from its original bytes); and a chunk that ends in the state of a
 * record start exactly at its end (a right guess) ends where the tracker, from the same start,
 * finds a record end (check_open_cut checks that the next chunk may start there afresh). */
static void check_guess(const uint8_t *csv, size_t len, const buzz_csv_dialect *d, size_t cap,
                        size_t from)
{
    static const buzz_simd kernels[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(kernels); i++) {
        buzz__csv_scan_fn fn = buzz__csv_pick_scan(kernels[i]);
        if (!fn)
            continue;
        for (int defer = 0; defer < 2; defer++) {
            render_out got;
            render_init(&got);
            render_mode m = {.issue_cap = 16, .defer = defer, .open_end = true, .undo = true};
            if (!render_chunk(csv + from, len - from, d, fn, cap, &m, &got))
                mismatch("chunk from a guessed start", kernels[i]);
            if (memcmp(m.data, csv + from, len - from) != 0)
                mismatch("bytes put back from the undo log", kernels[i]);
            buzz__csv_track tr;
            buzz__csv_track_init(&tr, d);
            if (m.clean && d->newline != BUZZ_NEWLINE_CR && len > from &&
                buzz__csv_track_scalar(&tr, csv + from, 0, len - from) != len - from)
                mismatch("a clean end where the tracker finds no record end", kernels[i]);
            free(m.data);
            render_free(&got);
        }
    }
}

/* The position just past the last LF before `at` (0 when there is none). */
static size_t after_lf(const uint8_t *csv, size_t at)
{
    while (at > 0 && csv[at - 1] != '\n')
        at--;
    return at;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    static const size_t caps[] = {1, 2, 3, 7, 16, 64, 1000, 1000};
    if (size < 2)
        return 0;
    buzz_csv_dialect d = pick_dialect(in[0], in[1]);
    size_t cap = caps[(in[1] >> 5) & 7];
    const uint8_t *csv = in + 2;
    size_t len = size - 2;

    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a: the splits follow the input */
    for (size_t i = 0; i < size; i++)
        h = (h ^ in[i]) * 0x100000001b3ull;
    split_rng r = {h | 1};
    size_t cuts[64];

    check_render(csv, len, &d, cap);
    size_t ncuts = make_cuts(&r, len, cuts, BUZZ_ARRAY_LEN(cuts));
    check_meta(csv, len, &d, cap, cuts, ncuts);
    ncuts = make_cuts(&r, len, cuts, BUZZ_ARRAY_LEN(cuts));
    check_track(csv, len, &d, cuts, ncuts);
    if (len > 1) {
        check_open_cut(csv, len, &d, cap, 1 + (size_t)(split_next(&r) % (len - 1)));
        check_open_cut(csv, len, &d, cap, 1 + (size_t)(split_next(&r) % (len - 1)));
        /* The reader's guesses: cuts just after an LF, chunks from any byte. */
        if (d.newline != BUZZ_NEWLINE_CR)
            check_open_cut(csv, len, &d, cap, after_lf(csv, 1 + (size_t)(split_next(&r) % len)));
        check_guess(csv, len, &d, cap, (size_t)(split_next(&r) % len));
    }
    return 0;
}
