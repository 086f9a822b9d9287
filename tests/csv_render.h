/* tests/csv_render.h: renders the tokenizer's output as text, so tests compare kernels and thread
 * counts with one strcmp. Format per row: cells "[text]" (unquoted), "{text}" (quoted), "~"
 * (missing), then "+<raw extras>" when the row has extra fields, then "|". Issues: one letter each
 * in file order (F few, M many, U unterminated, A after quote, Q quote in field, N NUL). Used by
 * test_csv_scan.c and the CSV fuzz target. */
#ifndef BUZZ_TEST_CSV_RENDER_H
#define BUZZ_TEST_CSV_RENDER_H

#include "csv/csv_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct render_out {
    buzz_buf text;   /* rows as described above */
    buzz_buf issues; /* one letter per issue */
    int64_t blank_lines, comment_lines;
} render_out;

/* Test-only append: out of memory in a test is a test failure, not a path under test. */
static void rput(buzz_buf *b, const void *p, size_t n)
{
    if (buzz_buf_append(b, p, n, NULL) != BUZZ_OK)
        abort();
}

static const char render_issue_letter[BUZZ_CSV_ISSUE_KIND_COUNT] = "FMUAQINT";

static void render_batch(const buzz__csv_tok *t, render_out *out)
{
    size_t x = 0;
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            buzz_csv_cell cell = t->cells[c * t->row_cap + r];
            if (cell.len_flags & BUZZ_CSV_CELL_MISSING) {
                rput(&out->text, "~", 1);
                continue;
            }
            bool q = (cell.len_flags & BUZZ_CSV_CELL_QUOTED) != 0;
            rput(&out->text, q ? "{" : "[", 1);
            rput(&out->text, t->data + cell.offset, buzz_csv_cell_len(cell));
            rput(&out->text, q ? "}" : "]", 1);
        }
        if (x < t->extra_count && t->extras[x].row == r) {
            rput(&out->text, "+", 1);
            rput(&out->text, t->data + t->extras[x].offset, t->extras[x].len);
            x++;
        }
        rput(&out->text, "|", 1);
    }
    for (size_t i = 0; i < t->issue_count; i++)
        rput(&out->issues, &render_issue_letter[t->issues[i].kind], 1);
    out->blank_lines += t->blank_lines;
    out->comment_lines += t->comment_lines;
}

/* Set up t for dialect d over a copy of input[0, len) (returned: free it after test_tok_free)
 * padded with 'P' (padding must never matter), with outputs for row_cap rows and issue_cap
 * issues; defer: unescaping waits for each record's end, as in the reader (t->unesc_cols). Out of
 * memory aborts: it is a test failure, not a path under test. */
static uint8_t *test_tok_new(buzz__csv_tok *t, const void *input, size_t len,
                             const buzz_csv_dialect *d, size_t row_cap, size_t issue_cap,
                             bool defer)
{
    buzz__csv_tok_init(t, d);
    uint8_t *data = malloc(len + BUZZ__CSV_PAD);
    if (!data)
        abort();
    memcpy(data, input, len);
    memset(data + len, 'P', BUZZ__CSV_PAD);
    t->data = data;
    t->row_cap = row_cap;
    t->cells = calloc(t->ncols * row_cap, sizeof *t->cells);
    t->row_offsets = calloc(row_cap, sizeof *t->row_offsets);
    t->row_lines = calloc(row_cap, sizeof *t->row_lines);
    t->extras = calloc(row_cap, sizeof *t->extras);
    t->issue_cap = issue_cap;
    t->issues = calloc(issue_cap, sizeof *t->issues);
    t->unesc_cols = defer ? calloc(t->ncols, sizeof *t->unesc_cols) : NULL;
    if (!t->cells || !t->row_offsets || !t->row_lines || !t->extras || !t->issues ||
        (defer && !t->unesc_cols))
        abort();
    return data;
}

/* The outputs of test_tok_new (not the data copy). */
static void test_tok_free(buzz__csv_tok *t)
{
    free(t->cells);
    free(t->row_offsets);
    free(t->row_lines);
    free(t->extras);
    free(t->issues);
    free(t->unesc_cols);
}

/* How render_chunk reads: issue_cap issues listed per batch; defer: unescaping waits for record
 * ends (the reader's way); open_end: the bytes end inside the input, as a chunk the reader cuts
 * itself (no finish, the open record dropped), and then cut/lines/data get where the open record
 * starts, the newline bytes before it and the tokenized bytes (owned by the caller); clean: the
 * scan ended in the state of a record start, exactly at the end (the reader's test of a guessed
 * cut). undo: the tokenizer's undo log is on and applied at the end, so data holds the bytes as
 * given again (undo_words: how much the log held). */
typedef struct render_mode {
    size_t issue_cap;
    bool defer, open_end, undo;
    size_t cut;
    int64_t lines;
    uint8_t *data;
    bool clean;
    size_t undo_words; /* with undo: the size of the log before it was applied */
} render_mode;

/* Tokenize input[0, len) as one chunk with kernel `scan`, batches of at most row_cap rows,
 * appending to out. Returns false if the kernel misbehaved. */
static bool render_chunk(const void *input, size_t len, const buzz_csv_dialect *d,
                         buzz__csv_scan_fn scan, size_t row_cap, render_mode *m, render_out *out)
{
    buzz__csv_tok t;
    uint8_t *data = test_tok_new(&t, input, len, d, row_cap, m->issue_cap, m->defer);
    buzz__csv_undo undo = {0};
    if (m->undo)
        t.undo = &undo;
    size_t pos = 0;
    bool ok = true, reset = true;
    for (size_t guard = 0;; guard++) {
        if (reset)
            buzz__csv_tok_reset_output(&t);
        reset = true;
        size_t next = scan(&t, pos, len);
        if (next < pos || next > len || guard > len + 4) {
            ok = false;
            break;
        }
        pos = next;
        if (pos == len && !t.is_full) {
            if (m->open_end) {
                buzz__csv_tok_drop_open(&t);
            } else {
                size_t again = buzz__csv_scan_finish(&t, len);
                if (again) { /* a stray quote: scan again from there, same batch */
                    if (again > len) {
                        ok = false;
                        break;
                    }
                    pos = again;
                    reset = false;
                    continue;
                }
            }
            render_batch(&t, out);
            break;
        }
        render_batch(&t, out);
        if (!t.is_full) {
            ok = false; /* stopped early without a full batch */
            break;
        }
        if (pos == len && m->open_end)
            break; /* full right at the end: no record is open */
        /* A full batch at the very end: finish in a fresh batch. */
    }
    if (m->undo) {
        if (undo.lost)
            abort();
        m->undo_words = undo.len / 4;
        buzz__csv_undo_apply(&undo, data);
        buzz_free(undo.buf);
    }
    m->clean = t.state == BUZZ__ST_FIELD_START && t.col == 0 && t.rec_start == len;
    if (m->open_end) {
        m->cut = t.rec_start;
        m->lines = t.rec_line;
        m->data = data;
    } else {
        free(data);
    }
    test_tok_free(&t);
    return ok;
}

static void render_init(render_out *out)
{
    buzz_buf_init(&out->text, 0);
    buzz_buf_init(&out->issues, 0);
    out->blank_lines = out->comment_lines = 0;
}

/* Tokenize input[0, len) as one chunk with kernel `scan`, batches of at most row_cap rows, into
 * out (initialised here; free with render_free). Returns false if the kernel misbehaved. */
static bool render_tokenize(const char *input, size_t len, const buzz_csv_dialect *d,
                            buzz__csv_scan_fn scan, size_t row_cap, render_out *out)
{
    render_init(out);
    render_mode m = {.issue_cap = 64};
    bool ok = render_chunk(input, len, d, scan, row_cap, &m, out);
    rput(&out->text, &(uint8_t){0}, 1);
    rput(&out->issues, &(uint8_t){0}, 1);
    return ok;
}

static void render_free(render_out *out)
{
    buzz_buf_free(&out->text);
    buzz_buf_free(&out->issues);
}

/* A default dialect: comma, double quote, doubled-quote escape, LF, ncols columns. */
static buzz_csv_dialect render_dialect(size_t ncols)
{
    buzz_csv_dialect d;
    memset(&d, 0, sizeof d);
    d.encoding = BUZZ_ENCODING_UTF8;
    d.delimiter = ',';
    d.quote = '"';
    d.escape = '"';
    d.comment = BUZZ_CSV_NONE;
    d.newline = BUZZ_NEWLINE_LF;
    d.column_count = ncols;
    return d;
}

#endif
