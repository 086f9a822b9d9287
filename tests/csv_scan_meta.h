/* tests/csv_scan_meta.h: what csv_render.h leaves out, for the kernel-versus-scalar comparisons of
 * test_csv_scan.c and fuzz/fuzz_csv.c: row offsets and line numbers, issue details, extras
 * bookkeeping, the offsets each scan call returned and the tokenizer state after each call, all as
 * text, so two kernels compare with one memcmp. The scan may be fed in pieces (each call ends at a
 * given cut, as when a caller hands over data as it arrives). Header-only, test code only. */
#ifndef BUZZ_TEST_CSV_SCAN_META_H
#define BUZZ_TEST_CSV_SCAN_META_H

#include "csv_render.h"

#include <stdio.h>

static void meta_printf(buzz_buf *b, const char *fmt, ...) BUZZ_PRINTF(2, 3);
static void meta_printf(buzz_buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        abort();
    rput(b, tmp, (size_t)n);
}

static void meta_batch(const buzz__csv_tok *t, buzz_buf *out)
{
    for (size_t r = 0; r < t->rows; r++)
        meta_printf(out, "r%lld:%lld;", (long long)t->row_offsets[r], (long long)t->row_lines[r]);
    for (size_t i = 0; i < t->issue_count; i++) {
        const buzz__csv_raw_issue *is = &t->issues[i];
        meta_printf(out, "i%d:%u:%u:%u:%u;", (int)is->kind, is->row, is->rec_offset, is->field,
                    is->detail);
    }
    for (size_t k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++)
        meta_printf(out, "%lld,", (long long)t->issue_totals[k]);
    for (size_t x = 0; x < t->extra_count; x++)
        meta_printf(out, "x%zu:%zu:%u:%u;", (size_t)t->extras[x].row,
                    (size_t)t->extras[x].field_count, (unsigned)t->extras[x].offset,
                    (unsigned)t->extras[x].len);
    meta_printf(out, "b%lld c%lld\n", (long long)t->blank_lines, (long long)t->comment_lines);
}

/* The scan's visible state after a call (close_pos only where the machine defines it). */
static void meta_state(const buzz__csv_tok *t, size_t next, buzz_buf *out)
{
    bool has_close = t->state == BUZZ__ST_QUOTE_IN_QUOTED || t->state == BUZZ__ST_AFTER_QUOTE;
    meta_printf(out, "@%zu s%d col%zu fs%zu cp%zu rs%zu ln%lld rl%lld q%d n%d xf%zu full%d\n", next,
                (int)t->state, t->col, t->field_start, has_close ? t->close_pos : 0, t->rec_start,
                (long long)t->line, (long long)t->rec_line, t->quote_in_field, t->has_nul,
                t->extra_fields, t->is_full);
}

/* Tokenize input[0, len) with `scan`, each call ending at the next of cuts[0..ncuts) (ascending,
 * the last == len; NULL = one call to len), batches of row_cap rows, into out (initialised here;
 * free with buzz_buf_free). Returns false if the kernel misbehaved. */
static bool meta_tokenize(const uint8_t *input, size_t len, const buzz_csv_dialect *d,
                          buzz__csv_scan_fn scan, size_t row_cap, const size_t *cuts, size_t ncuts,
                          buzz_buf *out)
{
    buzz_buf_init(out, 0);
    buzz__csv_tok t;
    uint8_t *data = test_tok_new(&t, input, len, d, row_cap, 16, false);
    size_t pos = 0, cut = 0;
    bool ok = true;
    buzz__csv_tok_reset_output(&t);
    for (size_t guard = 0;; guard++) {
        while (cuts && cut < ncuts && cuts[cut] <= pos)
            cut++;
        size_t stop = cuts && cut < ncuts ? cuts[cut] : len;
        size_t next = scan(&t, pos, stop);
        meta_state(&t, next, out);
        if (next < pos || next > stop || guard > 2 * len + ncuts + 4 ||
            (next < stop && !t.is_full)) {
            ok = false;
            break;
        }
        pos = next;
        if (t.is_full) {
            meta_batch(&t, out);
            buzz__csv_tok_reset_output(&t);
            continue;
        }
        if (pos == len) {
            size_t again = buzz__csv_scan_finish(&t, len);
            meta_printf(out, "finish %zu\n", again);
            if (again) { /* a stray quote: scan again from there, same batch */
                if (again > len) {
                    ok = false;
                    break;
                }
                pos = again;
                continue;
            }
            meta_batch(&t, out);
            break;
        }
    }
    test_tok_free(&t);
    free(data);
    return ok;
}

#endif
