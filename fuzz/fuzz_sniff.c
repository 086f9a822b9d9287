/* fuzz/fuzz_sniff.c: libFuzzer target for the dialect sniffer (src/csv/sniff.c). The first bytes
 * choose options (each property forced or detected, some invalid on purpose) and how the rest is
 * cut into head, middle and tail samples, as the reader takes them from a seekable file. The
 * sniffer must never crash, read outside its samples or leak; on success the dialect must be
 * resolved and self-consistent, and invalid options must fail with BUZZ_ERR_ARG. */
#include "csv/csv_internal.h"

#include <stdlib.h>
#include <string.h>

static const int bytes_pool[] = {0,    ',', ';',           '\t', '|', '"', '\'',
                                 '\\', '#', BUZZ_CSV_NONE, '\n', ':', ' ', 0xFF};

static int pick(uint8_t b)
{
    return bytes_pool[b % (sizeof bytes_pool / sizeof bytes_pool[0])];
}

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    uint8_t flags = data[0];
    if (flags & 1)
        o.delimiter = pick(data[1]);
    if (flags & 2)
        o.quote = pick(data[2]);
    if (flags & 4)
        o.escape = pick(data[3]);
    if (flags & 8) {
        o.comment = pick(data[4]);
        o.inline_comments = (int)(data[4] >> 6) - 1; /* -1, 0, 1, or 2 (invalid) */
    }
    if (flags & 16)
        o.header = (int)(data[5] % 4) - 1;
    static const int ragged[] = {0, 1, -1, 0};
    o.ragged_rows = ragged[data[5] >> 2 & 3];
    if (flags & 32)
        o.newline = (buzz_newline)(data[5] >> 4 & 3);
    if (flags & 64) {
        o.has_skip_lines = true;
        o.skip_lines = (int64_t)(data[6] % 5) - (data[6] == 255);
    }
    bool sampled = (flags & 128) != 0;
    uint8_t cut = data[7];
    const uint8_t *in = data + 8;
    size_t n = size - 8;

    /* Copies, so that reads past a sample's end are caught by ASan. */
    uint8_t *buf = malloc(n ? n : 1);
    check(buf != NULL);
    memcpy(buf, in, n);
    buzz__csv_samples s;
    memset(&s, 0, sizeof s);
    s.head = buf;
    s.head_len = n;
    s.head_is_all = true;
    uint8_t *parts[5] = {0};
    if (sampled && n > 8) {
        size_t head_len = n * (cut % 8 + 1) / 10;
        s.head_len = head_len;
        s.head_is_all = false;
        size_t mids = cut >> 5 & 3;
        for (size_t i = 0; i < mids + 1 && i < 5; i++) {
            size_t off = n * (i + 1) / (mids + 3) + i;
            size_t len = off < n ? (n - off) / 2 + 1 : 0;
            if (off >= n)
                break;
            parts[i] = malloc(len);
            check(parts[i] != NULL);
            memcpy(parts[i], in + off, len);
            if (i < mids) {
                s.mid[s.mid_count] = parts[i];
                s.mid_len[s.mid_count++] = len;
            }
        }
        size_t tl = n / 3 + 1;
        parts[4] = malloc(tl);
        check(parts[4] != NULL);
        memcpy(parts[4], in + n - tl, tl);
        s.tail = parts[4];
        s.tail_len = tl;
    }
    buzz_csv_dialect d;
    memset(&d, 0, sizeof d);
    buzz_error err;
    buzz_status st = buzz__csv_sniff(&s, &o, &d, &err);
    if (st == BUZZ_OK) {
        int dl = (uint8_t)d.delimiter;
        check(dl != 0 && dl != '\n' && dl != '\r');
        check(d.quote == BUZZ_CSV_NONE || (d.quote > 0 && d.quote < 256 && d.quote != dl));
        check(d.quote != BUZZ_CSV_NONE || d.escape == BUZZ_CSV_NONE);
        check(d.escape == BUZZ_CSV_NONE || d.escape != dl);
        check(d.comment == BUZZ_CSV_NONE || (d.comment != dl && d.comment != d.quote));
        check(d.newline >= BUZZ_NEWLINE_LF && d.newline <= BUZZ_NEWLINE_CR);
        check(d.skip_lines >= 0 && d.footer_lines >= 0);
        check(!o.delimiter || dl == o.delimiter);
        check(!o.quote || d.quote == o.quote);
        check(!o.comment || d.comment == o.comment);
        check(d.comment != BUZZ_CSV_NONE || !d.has_inline_comments);
        check(!o.inline_comments || d.comment == BUZZ_CSV_NONE ||
              d.has_inline_comments == (o.inline_comments == 1));
        check(!o.header || d.has_header == (o.header == 1));
        check(!o.ragged_rows || d.ragged_rows == (o.ragged_rows == 1));
        check(!d.ragged_rows || d.trailing_empty_columns == 0);
        check(!d.skip_header_copies || d.has_header);
        check(!o.newline || d.newline == o.newline);
        check(!o.has_skip_lines || d.skip_lines == o.skip_lines);
    } else {
        check(st == BUZZ_ERR_ARG);
    }
    for (size_t i = 0; i < 5; i++)
        free(parts[i]);
    free(buf);
    return 0;
}
