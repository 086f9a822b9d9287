/* fuzz/fuzz_encoding.c: libFuzzer target of the decoded stream (src/csv/input.c, encoding.c).
 * The input is written to a temp file (the stream opens paths) and read with every forced
 * encoding and with detection, in odd-sized chunks (caps 16..4096 drawn from the input), then read
 * again with a fixed cap. It aborts when a chunk is not whole, valid UTF-8, when the two reads
 * differ, when a call fails with a status other than BUZZ_ERR_IO (bad gzip/zstd data), when the
 * invalid counters disagree, or when a sample of the seekable file is not valid UTF-8. */
#include "csv/csv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_MAX ((size_t)4 << 20) /* decoded bytes compared per pass (gzip/zstd expand a lot) */

static uint8_t first_out[OUT_MAX + 4096];

static void check(bool ok, const char *what, buzz_encoding enc)
{
    if (!ok) {
        fprintf(stderr, "fuzz_encoding: %s (encoding %s)\n", what, buzz_encoding_name(enc));
        abort();
    }
}

/* Strict UTF-8 (Unicode Table 3-7), written apart from the code under test. */
static bool whole_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
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
            return false;
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

static uint32_t next_rand(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* One pass over the file. cap_seed 0 = fixed cap 4096; else caps drawn from it. The first pass
 * (ref NULL) fills first_out; the second compares with it: byte for byte as far as the first got,
 * and in length when the first pass ended cleanly (ref->st == BUZZ_OK). */
typedef struct pass_result {
    buzz_status st;
    size_t len; /* decoded bytes read (at most OUT_MAX + one chunk) */
} pass_result;

static pass_result pass(const char *path, buzz_encoding enc, uint32_t cap_seed,
                        const pass_result *ref)
{
    static uint8_t buf[4096];
    buzz__csv_stream *s = NULL;
    buzz_error err;
    size_t total = 0;
    buzz_status st = buzz__csv_stream_open(&s, path, NULL, enc, &err);
    check(st == BUZZ_OK || st == BUZZ_ERR_IO, "open failed with an undefined status", enc);
    while (st == BUZZ_OK && total < OUT_MAX) {
        size_t cap = cap_seed ? 16 + next_rand(&cap_seed) % (sizeof buf - 15) : sizeof buf;
        size_t n = 0;
        st = buzz__csv_stream_read(s, buf, cap, &n, &err);
        check(st == BUZZ_OK || st == BUZZ_ERR_IO, "read failed with an undefined status", enc);
        if (st || n == 0)
            break;
        check(n <= cap, "read past cap", enc);
        check(whole_utf8(buf, n), "a read returned bytes that are not whole UTF-8", enc);
        if (ref) {
            size_t same = total < ref->len ? ref->len - total : 0;
            same = same < n ? same : n;
            check(memcmp(first_out + total, buf, same) == 0, "reads with different caps disagree",
                  enc);
            check(ref->st != BUZZ_OK || same == n, "the second read got more bytes", enc);
        } else {
            memcpy(first_out + total, buf, n);
        }
        total += n;
    }
    if (st == BUZZ_OK && s) {
        int64_t count = buzz__csv_stream_invalid_count(s);
        int64_t first = buzz__csv_stream_invalid_first_offset(s);
        check((count == 0) == (first == -1), "invalid count and first offset disagree", enc);
        check(first < (int64_t)total || total >= OUT_MAX, "invalid offset past the output", enc);
        if (buzz__csv_stream_encoding(s) == BUZZ_ENCODING_WINDOWS1252 &&
            enc == BUZZ_ENCODING_WINDOWS1252)
            check(count == 0, "windows-1252 reported invalid bytes", enc);
        if (buzz__csv_stream_is_seekable(s)) {
            int64_t size = buzz__csv_stream_raw_size(s);
            for (int k = 0; k < 3; k++) {
                int64_t off = size > 0 ? (int64_t)(next_rand(&cap_seed) % (uint32_t)size) : 0;
                size_t cap = 16 + next_rand(&cap_seed) % (sizeof buf - 15);
                size_t n = 0;
                buzz_status sst = buzz__csv_stream_sample(s, off, buf, cap, &n, &err);
                check(sst == BUZZ_OK, "sample failed", enc);
                check(n <= cap && whole_utf8(buf, n), "a sample is not whole UTF-8", enc);
            }
        }
    }
    buzz__csv_stream_close(s);
    if (ref && ref->st == BUZZ_OK && st == BUZZ_OK && total < OUT_MAX)
        check(total == ref->len, "reads with different caps differ in length", enc);
    pass_result r = {st, total};
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/buzz-fuzz-encoding-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            abort();
        done += (size_t)w;
    }
    close(fd);
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size; i++)
        seed = (seed ^ data[i]) * 16777619u;
    seed |= 1;
    static const buzz_encoding encs[] = {BUZZ_ENCODING_AUTO, BUZZ_ENCODING_UTF8,
                                         BUZZ_ENCODING_UTF16LE, BUZZ_ENCODING_UTF16BE,
                                         BUZZ_ENCODING_WINDOWS1252};
    for (size_t e = 0; e < sizeof encs / sizeof encs[0]; e++) {
        pass_result first = pass(path, encs[e], seed + (uint32_t)e, NULL);
        pass_result second = pass(path, encs[e], 0, &first);
        check(first.st == second.st || first.len >= OUT_MAX || second.len >= OUT_MAX,
              "the two passes ended with different statuses", encs[e]);
    }
    unlink(path);
    return 0;
}
