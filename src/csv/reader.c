/* csv/reader.c: the public CSV reader. Opens the decoded stream (input.c, encoding.c), sniffs the
 * dialect from samples (sniff.c), reads the preamble and header, then runs the chunk pipeline:
 *
 *   caller thread (inside buzz_csv_reader_next):  read decoded bytes into a free slot's buffer,
 *       cut the chunk after the last record end (guessed, or found by the boundary tracker), move
 *       the partial record to the next slot, queue the chunk;
 *   worker threads (opts.threads, default all CPUs): tokenize a queued chunk into batches with the
 *       kernel picked at open (scan_scalar.c / scan_avx2.c / scan_avx512.c);
 *   caller thread: hand out the batches of the oldest chunk in input order, turning chunk-relative
 *       offsets and line numbers into absolute ones and raw issues into the report.
 *
 * Chunks start at record starts because the tracker runs the tokenizer's own state machine over
 * every byte in order, so the output is the same for any thread count and any kernel. Memory is
 * bounded by the slot count (threads + 2) times the chunk size (a chunk grows only to hold one
 * record longer than chunk_bytes, up to max_record_bytes), plus each slot's batch arrays, whose
 * cells are capped per batch.
 *
 * With threads == 1 everything runs in the caller's thread, and the tracker does not run: the
 * tokenizer reads all the bytes of a chunk and the chunk ends where the record still open at the
 * end starts (cut_by_tokenizer; tokenize_slot, cut_slot). That record's bytes move to the next
 * chunk as read, because the tokenizer unescapes a record's cells only at its end and takes back
 * the issues of the open record (buzz__csv_tok.unesc_cols, buzz__csv_tok_drop_open). The cuts are
 * the tracker's exactly, so the output is the same (in CR mode a CR ending the bytes read, which
 * may be half of a CR LF, waits for the next chunk, as the tracker holds it back).
 *
 * With worker threads and no known cuts the tracker does not run either, at first: the caller
 * cuts each chunk after the last LF it holds, a guess (slot.spec), and queues it at once, so the
 * chunk after it is tokenized from that guess at the same time. Whether the guess was right shows
 * when the chunk is tokenized: it must end exactly there, at a record start. Chunks are settled
 * in input order before they are handed out (settle_next): a wrong guess moves the start of the
 * record open there in front of the next chunk, whose unescaped bytes are first put back from
 * its undo log, and that chunk is tokenized again on the caller's thread. Every chunk handed out
 * was thus tokenized from a true record start, as a sequential reading does, and the output is
 * the same. After a wrong guess (multi-line quoted values put a chunk's last LF inside quotes),
 * with plain quoting the guess becomes the last LF after an even number of quotes in the chunk
 * (slot.by_parity). After SPEC_MISS_LIMIT wrong guesses of the best kind available the reader
 * settles what is in flight and the tracker cuts the rest. Not in CR mode (no LF to guess at).
 *
 * With two worker threads, a batch hook and CR records (a first reading with per-value work:
 * inference), the caller's thread tokenizes and cuts every chunk as with one thread, and one
 * worker only runs the hook (hook_on_workers): no tracker, and on two cores one tokenizing core
 * keeps pace with the hook on the other.
 *
 * With opts.known_cuts (the cuts of an earlier reading of the same input) and worker threads, a
 * slot is cut at the last known cut it holds instead of by the tracker, and tokenize_slot checks
 * that the chunk ends at a record start; a slot holding none is tracked from its start. */
#include "csv_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define HEAD_BYTES (2u << 20)       /* sniffed from the start of the input */
#define SAMPLE_BYTES (256u << 10)   /* each middle and tail sample */
#define DEFAULT_CHUNK (4u << 20)
#define DEFAULT_MAX_RECORD (256u << 20)
#define DEFAULT_MAX_COLUMNS 100000u
#define BATCH_CELLS (1u << 20)      /* cells per batch: bounds the cell arrays whatever the shape */
#define ISSUES_PER_BATCH (64 + BUZZ_CSV_ISSUE_KIND_COUNT * BUZZ_CSV_ISSUE_EXAMPLES) /* see add_issue */
#define MAX_THREADS 64
#define SPEC_MISS_LIMIT 4 /* wrong guessed cuts before the reader falls back to the tracker */

typedef struct chunk_batch {
    buzz_csv_cell *cells;
    int64_t *row_offsets, *row_lines;
    buzz_csv_extra *extras;
    buzz__csv_raw_issue *issues;
    size_t row_cap, rows, extra_count, issue_count;
    int64_t issue_totals[BUZZ_CSV_ISSUE_KIND_COUNT];
    int64_t blank_lines, comment_lines;
    size_t drop;      /* footer rows at the end of this batch (last chunk only) */
    /* Rows equal to the header, taken out of the batch (drop_repeated_headers): how many, and
     * the chunk-relative line and offset of the first few, for the report. */
    size_t hdr_count;
    int64_t hdr_line[BUZZ_CSV_ISSUE_EXAMPLES], hdr_offset[BUZZ_CSV_ISSUE_EXAMPLES];
    void *hook_state; /* the batch hook's storage for this batch */
} chunk_batch;

typedef enum slot_state { SLOT_FREE = 0, SLOT_QUEUED, SLOT_DONE } slot_state;

typedef struct slot {
    uint8_t *data; /* cap + BUZZ__CSV_PAD bytes */
    size_t cap, len;
    size_t chunk_len;    /* bytes of whole records (all of len for the last chunk) */
    bool is_last;        /* the input ends in this chunk */
    int64_t base_offset; /* decoded-stream offset of data[0] */
    chunk_batch *batches;
    size_t batch_count, batch_alloc;
    int64_t lines; /* newline bytes in the chunk */
    bool need_more; /* cut by the tokenizer: no record ends in the chunk yet, read more */
    bool cut_known; /* chunk_len is one of opts.known_cuts: tokenize_slot checks it */
    /* Speculative cuts (reader.spec): the caller cut this chunk after the last LF it holds
     * without knowing whether that LF ends a record (spec); tokenize_slot leaves in spec_end
     * where the record open at chunk_len starts (chunk_len: the guess was right) and the caller
     * applies it when it settles the chunk (settle_next), in input order. spec_start: the chunk
     * begins at the previous chunk's guess, so its start is not known to be a record start and
     * the bytes it unescapes are saved in undo. need_fix (caller): the guess before was wrong,
     * the bytes in reader.fix go in front of this chunk and it is tokenized again. settled
     * (caller): chunk_len is final. */
    bool spec, spec_start, need_fix, settled;
    bool by_parity; /* spec, and cut at the last LF after an even number of quotes */
    size_t spec_end;
    buzz__csv_undo undo;
    uint32_t *unesc_cols; /* the tokenizer's deferred unescapes (buzz__csv_tok.unesc_cols) */
    buzz_status status;
    buzz_error err;
    slot_state state; /* guarded by reader->lock when threads > 1 */
} slot;

struct buzz_csv_reader {
    buzz_csv_options opts;
    char *name; /* owned */
    buzz__csv_stream *stream;
    buzz_csv_dialect dialect;
    buzz_simd simd;
    buzz__csv_scan_fn scan;
    buzz__csv_track_fn track;
    buzz__csv_track tracker;
    /* tokenize_slot cuts each chunk itself, at the record still open at the end of the bytes read,
     * so the boundary tracker does not run (see fill_slot): with no worker threads, and with
     * hook_on_workers. */
    bool cut_by_tokenizer;
    /* The caller's thread tokenizes (and cuts) every chunk, one worker runs only the batch hook:
     * on two cores a first reading with per-value work (pass 1 of a conversion, inference) then
     * needs no tracker, and tokenizing on one core keeps pace with the hook on the other. */
    bool hook_on_workers;
    /* Worker threads without known cuts cut chunks by guess (slot.spec) instead of running the
     * boundary tracker, until SPEC_MISS_LIMIT guesses were wrong; then, once every chunk in
     * flight is settled (spec_drain), the tracker takes over from a record start
     * (track_restart). fix: the start of the record open at a wrong guess, for the next chunk. */
    bool spec, spec_drain, track_restart;
    /* After a wrong guess at the last LF, guesses take the last LF with an even count of quotes
     * before it in the chunk (guess_parity), where quoting is plain enough for parity to tell
     * (parity_ok: quotes, doubled or no escapes, no comments). Only wrong guesses of the best kind
     * available count towards the limit (spec_strikes). */
    bool parity_ok, guess_parity;
    buzz__csv_count_fn count;
    size_t spec_misses, spec_strikes, spec_miss_limit, spec_fixes;
    size_t next_settle; /* the oldest chunk in flight not yet settled */
    uint8_t *fix;
    size_t fix_len, fix_cap;
    size_t chunk_bytes, max_record_bytes;
    size_t batch_rows; /* rows per batch (plan_batch_rows) */
    /* Cuts made (buzz_csv_reader_cuts), and the next of opts.known_cuts to consider. */
    int64_t *cuts;
    size_t cut_count, cut_cap;
    size_t known_next;

    buzz_str *names; /* column_count entries, each owned */
    /* Rows equal to the header row are copies of it (files exported in parts and joined) and are
     * skipped: set when the dialect says so (skip_header_copies) and the header has two names or
     * more, all of its fields present, no extra field, and no NUL byte cut a name. */
    bool drop_headers;

    /* Bytes read for sniffing, fed to the pipeline before the stream's next bytes. */
    uint8_t *head;
    size_t head_len, head_pos;
    bool stream_eof;

    slot *slots;
    size_t slot_count;
    size_t next_fill;   /* slot index to fill next (ring) */
    size_t next_out;    /* slot index to consume next */
    size_t in_flight;   /* queued or done, not yet consumed */
    size_t out_batch;   /* next batch of slots[next_out] to hand out */
    bool input_done;    /* the last chunk has been queued */
    int64_t fill_offset; /* decoded offset of the next byte to read */
    int64_t base_line;  /* lines before slots[next_out] */

    buzz_csv_batch cur;
    buzz_csv_report report;
    int64_t rows_out;
    bool failed, finished;

    /* Worker pool (threads > 1). */
    unsigned threads;
    pthread_t *workers;
    size_t worker_count;
    pthread_mutex_t lock; /* guards slot.state, queue, closing */
    pthread_cond_t work_cv, done_cv;
    size_t *queue; /* ring of slot indices, slot_count entries */
    size_t q_head, q_count;
    bool closing;
    bool has_pool;
};

void buzz__csv_reader_set_spec_limit(buzz_csv_reader *r, size_t misses)
{
    r->spec_miss_limit = misses;
    if (misses == 0)
        r->spec = false;
}

void buzz__csv_reader_spec_stats(const buzz_csv_reader *r, bool *out_guessing, size_t *out_misses,
                                 size_t *out_fixes)
{
    *out_guessing = r->spec;
    *out_misses = r->spec_misses;
    *out_fixes = r->spec_fixes;
}

uint32_t buzz_csv_reader_checksum(const buzz_csv_reader *r)
{
    return r->stream ? buzz__csv_source_checksum(buzz__csv_stream_source(r->stream)) : 0;
}

const char *buzz_csv_reader_kernel(const buzz_csv_reader *r)
{
    return buzz_simd_name(r->simd);
}

const buzz_csv_options *buzz_csv_reader_options(const buzz_csv_reader *r)
{
    return &r->opts;
}

const buzz_csv_dialect *buzz_csv_reader_dialect(const buzz_csv_reader *r)
{
    return &r->dialect;
}

const buzz_csv_report *buzz_csv_reader_report(const buzz_csv_reader *r)
{
    return &r->report;
}

int64_t buzz_csv_reader_input_bytes(const buzz_csv_reader *r)
{
    return buzz__csv_stream_raw_size(r->stream);
}

void buzz_csv_reader_columns(const buzz_csv_reader *r, const buzz_str **out_names,
                             size_t *out_count)
{
    *out_names = r->names;
    *out_count = r->dialect.column_count;
}

/* ---------------------------------------------------------------------------------------------
 * Batches and tokenizing. */
static void batch_free(const buzz_csv_reader *r, chunk_batch *b)
{
    if (b->hook_state && r->opts.batch_hook.free_state)
        r->opts.batch_hook.free_state(r->opts.batch_hook.user, b->hook_state);
    buzz_free(b->cells);
    buzz_free(b->row_offsets);
    buzz_free(b->row_lines);
    buzz_free(b->extras);
    buzz_free(b->issues);
    memset(b, 0, sizeof *b);
}

static buzz_status batch_alloc(const buzz_csv_reader *r, chunk_batch *b, size_t ncols,
                               size_t row_cap, buzz_error *err)
{
    if (b->cells && b->row_cap == row_cap)
        return BUZZ_OK;
    batch_free(r, b);
    b->row_cap = row_cap;
    b->cells = buzz_malloc(ncols * row_cap * sizeof *b->cells);
    b->row_offsets = buzz_malloc(row_cap * sizeof *b->row_offsets);
    b->row_lines = buzz_malloc(row_cap * sizeof *b->row_lines);
    b->extras = buzz_malloc(row_cap * sizeof *b->extras);
    b->issues = buzz_malloc(ISSUES_PER_BATCH * sizeof *b->issues);
    if (!b->cells || !b->row_offsets || !b->row_lines || !b->extras || !b->issues) {
        batch_free(r, b);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory allocating a batch of %zu rows",
                              row_cap);
    }
    return BUZZ_OK;
}

/* Rows per batch: BATCH_CELLS cells at most, and about twice the rows a chunk holds at the head's
 * line length (each batch's cell arrays are allocated whole, so a wide table read in small chunks
 * would otherwise hold 8 MiB of cells per slot for a few hundred rows). A chunk with more rows
 * (short lines further on) just fills several batches. When the head is the whole input, its line
 * count bounds the rows. */
static size_t plan_batch_rows(const buzz_csv_reader *r)
{
    size_t ncols = r->dialect.column_count ? r->dialect.column_count : 1;
    size_t rows = BATCH_CELLS / ncols;
    if (rows == 0)
        rows = 1;
    const uint8_t nl = r->dialect.newline == BUZZ_NEWLINE_CR ? '\r' : '\n';
    const uint8_t *p = r->head + r->head_pos, *end = r->head + r->head_len;
    size_t lines = 0;
    while (p < end && (p = memchr(p, nl, (size_t)(end - p))) != NULL) {
        lines++;
        p++;
    }
    size_t bytes = r->head_len - r->head_pos;
    size_t want;
    if (r->stream_eof)
        want = lines + 2; /* the whole input: every line a row at most, plus an unended one */
    else if (lines == 0)
        want = rows; /* no line end in 2 MiB: nothing to go by */
    else
        want = r->chunk_bytes / (bytes / lines + 1) * 2 + 64;
    return want < rows ? want : rows;
}

/* Row i of batch b copies the header: each cell with the same bytes (none missing) and no extra
 * field. The first cell's length and first byte rule out nearly every row, inline. */
static bool header_copy_rest(const buzz_csv_reader *r, const slot *s, const chunk_batch *b,
                             size_t i);

static inline bool is_header_copy(const buzz_csv_reader *r, const slot *s, const chunk_batch *b,
                                  size_t i)
{
    buzz_csv_cell c0 = b->cells[i];
    size_t len = buzz_csv_cell_len(c0);
    return len == r->names[0].len &&
           (len == 0 || s->data[c0.offset] == (uint8_t)r->names[0].ptr[0]) &&
           header_copy_rest(r, s, b, i);
}

static BUZZ_NOINLINE bool header_copy_rest(const buzz_csv_reader *r, const slot *s,
                                           const chunk_batch *b, size_t i)
{
    for (size_t c = 0; c < r->dialect.column_count; c++) {
        buzz_csv_cell cell = b->cells[c * b->row_cap + i];
        size_t len = buzz_csv_cell_len(cell);
        if (len != r->names[c].len || buzz_csv_cell_is_missing(cell) ||
            (len && memcmp(s->data + cell.offset, r->names[c].ptr, len) != 0))
            return false;
    }
    for (size_t x = 0; x < b->extra_count && b->extras[x].row <= i; x++)
        if (b->extras[x].row == i)
            return false;
    return true;
}

/* Take the rows that copy the header out of batch b (drop_headers): the rows after each move up,
 * with their extras and listed issues; an issue listed on a dropped row goes with it. Runs on the
 * thread that tokenized the chunk, before the footer is marked and the hook runs, so that every
 * reading (any chunking, any thread count) hands out the same rows. A batch without a copy is
 * only looked at. */
static void drop_repeated_headers(const buzz_csv_reader *r, const slot *s, chunk_batch *b)
{
    b->hdr_count = 0;
    if (!r->drop_headers)
        return;
    size_t first = 0;
    while (first < b->rows && !is_header_copy(r, s, b, first))
        first++;
    if (first == b->rows)
        return;
    size_t ncols = r->dialect.column_count, cap = b->row_cap;
    size_t dropped = 0, xr = 0, ir = 0;
    while (xr < b->extra_count && b->extras[xr].row < first)
        xr++;
    while (ir < b->issue_count && b->issues[ir].row < first)
        ir++;
    size_t xw = xr, iw = ir;
    for (size_t i = first; i < b->rows; i++) {
        if (is_header_copy(r, s, b, i)) {
            if (b->hdr_count < BUZZ_CSV_ISSUE_EXAMPLES) {
                b->hdr_line[b->hdr_count] = b->row_lines[i];
                b->hdr_offset[b->hdr_count] = b->row_offsets[i];
            }
            b->hdr_count++;
            dropped++;
            for (; ir < b->issue_count && b->issues[ir].row == i; ir++)
                b->issue_totals[b->issues[ir].kind]--;
            continue;
        }
        size_t to = i - dropped;
        for (size_t c = 0; c < ncols; c++)
            b->cells[c * cap + to] = b->cells[c * cap + i];
        b->row_offsets[to] = b->row_offsets[i];
        b->row_lines[to] = b->row_lines[i];
        if (xr < b->extra_count && b->extras[xr].row == i) {
            b->extras[xw] = b->extras[xr++];
            b->extras[xw++].row = to;
        }
        for (; ir < b->issue_count && b->issues[ir].row <= i; ir++) {
            b->issues[iw] = b->issues[ir];
            b->issues[iw++].row -= dropped;
        }
    }
    for (; ir < b->issue_count; ir++) { /* issues of the record left open, if any */
        b->issues[iw] = b->issues[ir];
        b->issues[iw++].row -= dropped;
    }
    b->rows -= dropped;
    b->extra_count = xw;
    b->issue_count = iw;
}

/* Footer rows are the last rows of the input, all in its last chunk: mark how many each batch
 * drops, counting back from the end. */
static void mark_footer(const buzz_csv_reader *r, slot *s)
{
    for (size_t i = 0; i < s->batch_count; i++)
        s->batches[i].drop = 0;
    if (!s->is_last || r->dialect.footer_lines <= 0)
        return;
    size_t want = (size_t)r->dialect.footer_lines;
    for (size_t i = s->batch_count; i-- > 0 && want > 0;) {
        chunk_batch *b = &s->batches[i];
        b->drop = want < b->rows ? want : b->rows;
        want -= b->drop;
    }
}

/* The view of batch b that the batch hook and the consumer see: rows without the footer, extras
 * of those rows only. Offsets and lines are as they are now (chunk-relative before publish). */
static void batch_view(const buzz_csv_reader *r, const slot *s, const chunk_batch *b,
                       buzz_csv_batch *out)
{
    size_t rows = b->rows - b->drop;
    size_t extras = b->extra_count;
    while (extras > 0 && b->extras[extras - 1].row >= rows)
        extras--;
    memset(out, 0, sizeof *out);
    out->row_count = rows;
    out->column_count = r->dialect.column_count;
    out->data = (const char *)s->data;
    out->cells = b->cells;
    out->row_stride = b->row_cap;
    out->row_lines = b->row_lines;
    out->row_offsets = b->row_offsets;
    out->extras = b->extras;
    out->extra_count = extras;
}

static void run_hook_batch(const buzz_csv_reader *r, slot *s, chunk_batch *b)
{
    const buzz_csv_batch_hook *h = &r->opts.batch_hook;
    buzz_csv_batch v;
    batch_view(r, s, b, &v);
    if (v.row_count == 0 && v.extra_count == 0)
        return; /* never handed out */
    s->status = h->run(h->user, &r->dialect, &v, &b->hook_state, &s->err);
}

static void run_hook(const buzz_csv_reader *r, slot *s)
{
    if (!r->opts.batch_hook.run)
        return;
    for (size_t i = 0; i < s->batch_count && s->status == BUZZ_OK; i++)
        run_hook_batch(r, s, &s->batches[i]);
}

/* Tokenize one chunk into its slot's batches. Runs on a worker thread (or the caller's). */
static void tokenize_slot(const buzz_csv_reader *r, slot *s)
{
    buzz__csv_tok t;
    buzz__csv_tok_init(&t, &r->dialect);
    t.data = s->data;
    size_t row_cap = r->batch_rows;
    size_t pos = 0;
    /* Cut here: the bytes end inside a record (or at the end of one), which the next chunk
     * starts with. */
    bool open_end = (r->cut_by_tokenizer || s->spec) && !s->is_last;
    s->batch_count = 0;
    s->need_more = false;
    s->status = BUZZ_OK;
    if (r->opts.is_cancelled && r->opts.is_cancelled(r->opts.cancel_user)) {
        s->status = buzz_error_set(&s->err, BUZZ_ERR_CANCELLED, "reading was cancelled");
        return;
    }
    if (!s->unesc_cols) {
        s->unesc_cols = buzz_malloc(t.ncols * sizeof *s->unesc_cols);
        if (!s->unesc_cols) {
            s->status = buzz_error_set(&s->err, BUZZ_ERR_NOMEM, "out of memory");
            return;
        }
    }
    /* Unescaping waits for each record's end, so an open record keeps its bytes as read. */
    t.unesc_cols = s->unesc_cols;
    s->undo.len = 0;
    s->undo.lost = false;
    if (s->spec_start)
        t.undo = &s->undo;
    for (;;) {
        if (s->batch_count == s->batch_alloc) {
            size_t n = s->batch_alloc ? s->batch_alloc * 2 : 2;
            chunk_batch *nb = buzz_realloc(s->batches, n * sizeof *nb);
            if (!nb) {
                s->status = buzz_error_set(&s->err, BUZZ_ERR_NOMEM, "out of memory");
                return;
            }
            memset(nb + s->batch_alloc, 0, (n - s->batch_alloc) * sizeof *nb);
            s->batches = nb;
            s->batch_alloc = n;
        }
        chunk_batch *b = &s->batches[s->batch_count];
        s->status = batch_alloc(r, b, t.ncols, row_cap, &s->err);
        if (s->status)
            return;
        t.cells = b->cells;
        t.row_offsets = b->row_offsets;
        t.row_lines = b->row_lines;
        t.extras = b->extras;
        t.issues = b->issues;
        t.row_cap = row_cap;
        t.issue_cap = ISSUES_PER_BATCH;
        buzz__csv_tok_reset_output(&t);
        pos = r->scan(&t, pos, s->chunk_len);
        while (pos >= s->chunk_len && !t.is_full && s->is_last) {
            /* End of input; a stray quote left open makes the tail read again unquoted. */
            size_t again = buzz__csv_scan_finish(&t, s->chunk_len);
            if (again == 0)
                break;
            pos = r->scan(&t, again, s->chunk_len);
        }
        bool done = pos >= s->chunk_len && !t.is_full;
        if (done && open_end)
            buzz__csv_tok_drop_open(&t); /* the open record belongs to the next chunk */
        b->rows = t.rows;
        b->extra_count = t.extra_count;
        b->issue_count = t.issue_count;
        memcpy(b->issue_totals, t.issue_totals, sizeof b->issue_totals);
        b->blank_lines = t.blank_lines;
        b->comment_lines = t.comment_lines;
        drop_repeated_headers(r, s, b);
        s->batch_count++;
        if (done)
            break;
        if (pos >= s->chunk_len && s->is_last) {
            /* The batch filled exactly at the end: a final empty batch closes any open record. */
            continue;
        }
        if (pos >= s->chunk_len)
            break;
    }
    s->lines = t.line;
    if (s->cut_known && !s->is_last && s->status == BUZZ_OK &&
        !(t.state == BUZZ__ST_FIELD_START && t.col == 0 && t.rec_start == s->chunk_len)) {
        buzz_pos where = {r->name, 0, 0, s->base_offset + (int64_t)s->chunk_len};
        s->status = buzz_error_at(&s->err, BUZZ_ERR_IO, &where,
                                  "the input changed since it was first read: no record starts "
                                  "where the first reading found one");
        return;
    }
    if (open_end && s->spec) {
        /* The caller reads chunk_len and len (for the next chunk's carry) while this runs: the
         * cut is applied by settle_next. */
        bool clean = t.state == BUZZ__ST_FIELD_START && t.col == 0 && t.rec_start == s->chunk_len;
        s->spec_end = clean ? s->chunk_len : t.rec_start;
        if (!clean)
            s->lines = t.rec_line;
    } else if (open_end) {
        if (t.rec_start == 0) {
            s->need_more = true; /* one record longer than the bytes read: see cut_slot */
            return;
        }
        s->chunk_len = t.rec_start;
        s->lines = t.rec_line;
    }
    mark_footer(r, s);
    if (!r->hook_on_workers)
        run_hook(r, s); /* else a worker runs it (worker_main) */
}

/* ---------------------------------------------------------------------------------------------
 * Worker pool. */
static void *worker_main(void *arg)
{
    buzz_csv_reader *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->q_count == 0 && !r->closing)
            pthread_cond_wait(&r->work_cv, &r->lock);
        if (r->closing)
            break;
        size_t idx = r->queue[r->q_head];
        r->q_head = (r->q_head + 1) % r->slot_count;
        r->q_count--;
        pthread_mutex_unlock(&r->lock);
        if (r->hook_on_workers)
            run_hook(r, &r->slots[idx]); /* tokenized and cut by the caller */
        else
            tokenize_slot(r, &r->slots[idx]);
        pthread_mutex_lock(&r->lock);
        r->slots[idx].state = SLOT_DONE;
        pthread_cond_broadcast(&r->done_cv);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void submit(buzz_csv_reader *r, size_t idx)
{
    if (!r->has_pool) {
        tokenize_slot(r, &r->slots[idx]);
        r->slots[idx].state = SLOT_DONE;
        return;
    }
    pthread_mutex_lock(&r->lock);
    r->slots[idx].state = SLOT_QUEUED;
    r->queue[(r->q_head + r->q_count) % r->slot_count] = idx;
    r->q_count++;
    pthread_cond_signal(&r->work_cv);
    pthread_mutex_unlock(&r->lock);
}

static void wait_done(buzz_csv_reader *r, size_t idx)
{
    if (!r->has_pool)
        return;
    pthread_mutex_lock(&r->lock);
    while (r->slots[idx].state != SLOT_DONE)
        pthread_cond_wait(&r->done_cv, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

static buzz_status start_pool(buzz_csv_reader *r, buzz_error *err)
{
    if (r->threads <= 1)
        return BUZZ_OK;
    if (pthread_mutex_init(&r->lock, NULL) != 0)
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot create a mutex");
    pthread_cond_init(&r->work_cv, NULL);
    pthread_cond_init(&r->done_cv, NULL);
    r->has_pool = true;
    r->queue = buzz_calloc(r->slot_count, sizeof *r->queue);
    r->workers = buzz_calloc(r->threads, sizeof *r->workers);
    if (!r->queue || !r->workers)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory starting worker threads");
    /* With the hook on the workers the caller's thread is busy too (it tokenizes): one worker
     * fewer, so the threads do not outnumber the cores. */
    unsigned count = r->hook_on_workers ? r->threads - 1 : r->threads;
    for (unsigned i = 0; i < count; i++) {
        if (pthread_create(&r->workers[i], NULL, worker_main, r) != 0)
            return buzz_error_set(err, BUZZ_ERR_INTERNAL, "cannot start a worker thread");
        r->worker_count++;
    }
    return BUZZ_OK;
}

static void stop_pool(buzz_csv_reader *r)
{
    if (!r->has_pool)
        return;
    pthread_mutex_lock(&r->lock);
    r->closing = true;
    pthread_cond_broadcast(&r->work_cv);
    pthread_mutex_unlock(&r->lock);
    for (size_t i = 0; i < r->worker_count; i++)
        pthread_join(r->workers[i], NULL);
    pthread_cond_destroy(&r->work_cv);
    pthread_cond_destroy(&r->done_cv);
    pthread_mutex_destroy(&r->lock);
    buzz_free(r->workers);
    buzz_free(r->queue);
    r->has_pool = false;
}

/* ---------------------------------------------------------------------------------------------
 * Filling chunks (caller thread). */

/* Next decoded bytes: first what is left of the head, then the stream. */
static buzz_status pull(buzz_csv_reader *r, uint8_t *dst, size_t cap, size_t *out_len,
                        buzz_error *err)
{
    if (r->head_pos < r->head_len) {
        size_t n = r->head_len - r->head_pos;
        if (n > cap)
            n = cap;
        memcpy(dst, r->head + r->head_pos, n);
        r->head_pos += n;
        *out_len = n;
        return BUZZ_OK;
    }
    if (r->stream_eof) {
        *out_len = 0;
        return BUZZ_OK;
    }
    BUZZ_TRY(buzz__csv_stream_read(r->stream, dst, cap, out_len, err));
    if (*out_len == 0)
        r->stream_eof = true;
    return BUZZ_OK;
}

static buzz_status slot_reserve(slot *s, size_t need, buzz_error *err)
{
    if (need <= s->cap)
        return BUZZ_OK;
    uint8_t *p = buzz_realloc(s->data, need + BUZZ__CSV_PAD);
    if (!p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory growing a chunk to %zu bytes",
                              need);
    s->data = p;
    s->cap = need;
    return BUZZ_OK;
}

/* Read into s after its len until it is full (fewer than 16 bytes left: the stream returns whole
 * characters only, and that is its minimum read) or the input ends (*at_eof). */
static buzz_status read_into(buzz_csv_reader *r, slot *s, bool *at_eof, buzz_error *err)
{
    *at_eof = false;
    while (s->cap - s->len >= 16) {
        size_t got;
        BUZZ_TRY(pull(r, s->data + s->len, s->cap - s->len, &got, err));
        if (got == 0) {
            *at_eof = true;
            break;
        }
        s->len += got;
        r->fill_offset += (int64_t)got;
    }
    memset(s->data + s->len, 0, BUZZ__CSV_PAD);
    return BUZZ_OK;
}

/* One record longer than the buffer: grow within max_record_bytes. */
static buzz_status grow_slot(buzz_csv_reader *r, slot *s, buzz_error *err)
{
    if (s->cap >= r->max_record_bytes) {
        buzz_pos where = {r->name, 0, 0, s->base_offset};
        return buzz_error_at(err, BUZZ_ERR_LIMIT, &where,
                             "a record is longer than the limit of %zu bytes (is a quote left "
                             "open?)",
                             r->max_record_bytes);
    }
    size_t grow = s->cap * 2 < r->max_record_bytes ? s->cap * 2 : r->max_record_bytes;
    return slot_reserve(s, grow, err);
}

/* cut_by_tokenizer: the bytes of s that tokenize_slot reads, all but a CR that ends them in CR
 * mode (it may be the first half of a CR LF, which ends one record: it goes to the next chunk,
 * as the tracker holds it back). */
static size_t open_chunk_len(const buzz_csv_reader *r, const slot *s)
{
    bool cr_last = r->dialect.newline == BUZZ_NEWLINE_CR && s->len > 0 &&
                   s->data[s->len - 1] == '\r';
    return s->len - (size_t)(cr_last && !s->is_last);
}

/* Fill slot `idx`: carry over the previous chunk's partial record, read up to chunk_bytes, and
 * cut after the last record end, found by the boundary tracker; when cut_by_tokenizer, only read
 * (chunk_len is all of len until tokenize_slot cuts). */
static buzz_status fill_slot(buzz_csv_reader *r, size_t idx, const uint8_t *carry,
                             size_t carry_len, buzz_error *err)
{
    slot *s = &r->slots[idx];
    size_t target = r->chunk_bytes;
    if (carry_len >= target)
        target = carry_len + r->chunk_bytes;
    BUZZ_TRY(slot_reserve(s, target, err));
    if (carry_len)
        memmove(s->data, carry, carry_len);
    s->len = carry_len;
    s->base_offset = r->fill_offset - (int64_t)carry_len;
    s->is_last = false;
    s->cut_known = false;
    s->spec = false;
    s->need_fix = false;
    s->by_parity = false;
    if (r->spec) {
        /* Cut after the last LF (with guess_parity: the last one after an even number of
         * quotes), guessing that it ends a record; settle_next finds out. */
        bool at_eof;
        BUZZ_TRY(read_into(r, s, &at_eof, err));
        s->is_last = at_eof;
        s->chunk_len = s->len;
        if (!at_eof) {
            s->spec = true;
            s->by_parity = r->guess_parity;
            const uint8_t q = (uint8_t)r->dialect.quote;
            size_t quotes = s->by_parity ? r->count(s->data, s->len, q) : 0;
            for (size_t i = s->len; i > 0; i--) {
                uint8_t c = s->data[i - 1];
                if (c == '\n' && quotes % 2 == 0) {
                    s->chunk_len = i;
                    break;
                }
                quotes -= s->by_parity && c == q; /* now the quotes before i - 1 */
            }
        }
        return BUZZ_OK;
    }
    size_t boundary = 0;
    bool known = r->opts.known_cuts && r->opts.known_cut_count && !r->cut_by_tokenizer;
    /* The tracker has already seen the carry, except right after speculative cuts: then it
     * starts afresh at the slot's start, a record start. */
    size_t track_from = SIZE_MAX;
    if (r->track_restart) {
        buzz__csv_track_init(&r->tracker, &r->dialect);
        r->track_restart = false;
        track_from = 0;
    }
    for (;;) {
        size_t scanned = track_from != SIZE_MAX ? track_from : s->len;
        track_from = SIZE_MAX;
        bool at_eof;
        BUZZ_TRY(read_into(r, s, &at_eof, err));
        if (known && !at_eof) {
            /* The last known record start in the slot; without one, the tracker from the slot's
             * start, which is a record start (its state from earlier slots is stale). */
            const int64_t *kc = r->opts.known_cuts;
            size_t n = r->opts.known_cut_count, i = r->known_next;
            int64_t end = s->base_offset + (int64_t)s->len;
            while (i < n && kc[i] <= s->base_offset)
                i++;
            size_t last = SIZE_MAX;
            for (; i < n && kc[i] <= end; i++)
                last = i;
            r->known_next = i;
            if (last != SIZE_MAX) {
                s->cut_known = true;
                s->chunk_len = (size_t)(kc[last] - s->base_offset);
                return BUZZ_OK;
            }
            if (scanned == carry_len) {
                buzz__csv_track_init(&r->tracker, &r->dialect);
                scanned = 0;
            }
        }
        if (s->len > scanned && !r->cut_by_tokenizer) {
            size_t b = r->track(&r->tracker, s->data, scanned, s->len);
            if (b)
                boundary = b;
        }
        if (at_eof || r->cut_by_tokenizer) {
            /* End of input: everything is the last chunk. */
            s->is_last = at_eof;
            s->chunk_len = r->cut_by_tokenizer ? open_chunk_len(r, s) : s->len;
            return BUZZ_OK;
        }
        if (boundary)
            break;
        BUZZ_TRY(grow_slot(r, s, err));
    }
    s->chunk_len = boundary;
    return BUZZ_OK;
}

/* cut_by_tokenizer: tokenize the filled slot `idx`, which cuts it; while no record ends in it,
 * grow it, read more and tokenize it again (its bytes are still as read: nothing of an open
 * record is unescaped). */
static buzz_status cut_slot(buzz_csv_reader *r, size_t idx, buzz_error *err)
{
    slot *s = &r->slots[idx];
    for (;;) {
        tokenize_slot(r, s);
        if (!s->need_more)
            break;
        BUZZ_TRY(grow_slot(r, s, err));
        bool at_eof;
        BUZZ_TRY(read_into(r, s, &at_eof, err));
        s->is_last = at_eof;
        s->chunk_len = open_chunk_len(r, s);
    }
    if (!r->hook_on_workers)
        s->state = SLOT_DONE; /* else submit queues it for the hook */
    return BUZZ_OK;
}

static buzz_status record_cut(buzz_csv_reader *r, int64_t at, buzz_error *err)
{
    if (r->cut_count == r->cut_cap) {
        size_t n = r->cut_cap ? r->cut_cap * 2 : 64;
        int64_t *p = buzz_realloc(r->cuts, n * sizeof *p);
        if (!p)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
        r->cuts = p;
        r->cut_cap = n;
    }
    r->cuts[r->cut_count++] = at;
    return BUZZ_OK;
}

void buzz_csv_reader_cuts(const buzz_csv_reader *r, const int64_t **out_cuts, size_t *out_count)
{
    *out_cuts = r->cuts;
    *out_count = r->cut_count;
}

/* ---------------------------------------------------------------------------------------------
 * Speculative cuts (caller thread). A chunk's guessed cut is right when its tokenizing, from a
 * record start, ends exactly there at a record start; the next chunk, tokenized from that guess
 * meanwhile, is then exactly what a sequential reading gives. Chunks are settled in input order,
 * before they are handed out. */

/* Is the slot after idx in flight (filled after idx, not yet consumed)? */
static bool next_in_flight(const buzz_csv_reader *r, size_t idx)
{
    size_t rel = (idx + r->slot_count - r->next_out) % r->slot_count;
    return rel + 1 < r->in_flight;
}

/* The guess before slot s was wrong: put back the bytes its tokenizing unescaped, put the start
 * of the open record (r->fix) in front of it and tokenize it again, here. */
static buzz_status fix_slot(buzz_csv_reader *r, slot *s, buzz_error *err)
{
    if (s->undo.lost)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading a chunk again");
    buzz__csv_undo_apply(&s->undo, s->data);
    size_t p = r->fix_len;
    if (p >= r->max_record_bytes) {
        buzz_pos where = {r->name, 0, 0, s->base_offset - (int64_t)p};
        return buzz_error_at(err, BUZZ_ERR_LIMIT, &where,
                             "a record is longer than the limit of %zu bytes (is a quote left "
                             "open?)",
                             r->max_record_bytes);
    }
    BUZZ_TRY(slot_reserve(s, s->len + p, err));
    memmove(s->data + p, s->data, s->len);
    memcpy(s->data, r->fix, p);
    s->len += p;
    s->chunk_len += p;
    s->base_offset -= (int64_t)p;
    memset(s->data + s->len, 0, BUZZ__CSV_PAD);
    s->spec_start = false;
    s->need_fix = false;
    r->fix_len = 0;
    r->spec_fixes++;
    tokenize_slot(r, s);
    return BUZZ_OK;
}

/* Settle the oldest unsettled chunk in flight: wait for its tokenizing, tokenize it again if the
 * guess before it was wrong, then apply its own cut; when that guess was wrong, the open record's
 * bytes go to the next chunk (r->fix when it is already filled, else with its carry). */
static buzz_status settle_next(buzz_csv_reader *r, buzz_error *err)
{
    size_t idx = r->next_settle;
    slot *s = &r->slots[idx];
    r->next_settle = (idx + 1) % r->slot_count;
    if (s->settled)
        return BUZZ_OK;
    wait_done(r, idx);
    if (s->need_fix)
        BUZZ_TRY(fix_slot(r, s, err));
    s->settled = true;
    if (s->status != BUZZ_OK || !s->spec)
        return BUZZ_OK; /* the error is handed out in order; the last chunk has no cut */
    if (s->spec_end != s->chunk_len) {
        r->spec_misses++;
        bool strike = s->by_parity || !r->parity_ok;
        r->guess_parity = r->parity_ok;
        if (strike && ++r->spec_strikes >= r->spec_miss_limit && r->spec) {
            r->spec = false;
            r->spec_drain = true;
        }
        if (next_in_flight(r, idx)) {
            size_t n = s->len - s->spec_end;
            if (n > r->fix_cap) {
                uint8_t *p = buzz_realloc(r->fix, n);
                if (!p)
                    return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
                r->fix = p;
                r->fix_cap = n;
            }
            memcpy(r->fix, s->data + s->spec_end, n);
            r->fix_len = n;
            r->slots[(idx + 1) % r->slot_count].need_fix = true;
        }
        s->chunk_len = s->spec_end;
    }
    return record_cut(r, s->base_offset + (int64_t)s->chunk_len, err);
}

/* Settle every chunk up to slot idx, and wait for it. */
static buzz_status settle_upto(buzz_csv_reader *r, size_t idx, buzz_error *err)
{
    while (!r->slots[idx].settled)
        BUZZ_TRY(settle_next(r, err));
    wait_done(r, idx);
    return BUZZ_OK;
}

/* Footer rows are marked in the last chunk when it is tokenized (mark_footer). When a cut fell
 * inside the footer, the last chunk holds fewer rows than the footer, and the rest are the last
 * rows of the chunks before it: before the oldest chunk (slots[next_out]) is handed out, once the
 * input is all queued, count the rows of the chunks after it, mark its own footer rows, and run
 * the batch hook again on each batch whose rows changed, so that it sees what the consumer gets.
 * (A footer longer than the rows of every chunk in flight stays partly unrecognized. The sniffer
 * finds footers only within the last 16 KiB, so that takes chunks smaller than that; the default
 * is 4 MiB and only tests set smaller ones.) */
static buzz_status spill_footer(buzz_csv_reader *r, buzz_error *err)
{
    slot *s = &r->slots[r->next_out];
    if (r->dialect.footer_lines <= 0 || !r->input_done || s->is_last)
        return BUZZ_OK;
    size_t after = 0, want = (size_t)r->dialect.footer_lines;
    for (size_t k = 1; k < r->in_flight && after < want; k++) {
        size_t idx = (r->next_out + k) % r->slot_count;
        BUZZ_TRY(settle_upto(r, idx, err));
        if (r->slots[idx].status != BUZZ_OK)
            return BUZZ_OK; /* that error is handed out in its turn */
        for (size_t i = 0; i < r->slots[idx].batch_count; i++)
            after += r->slots[idx].batches[i].rows;
    }
    if (after >= want)
        return BUZZ_OK;
    want -= after;
    for (size_t i = s->batch_count; i-- > 0 && want > 0 && s->status == BUZZ_OK;) {
        chunk_batch *b = &s->batches[i];
        size_t drop = want < b->rows ? want : b->rows;
        want -= drop;
        if (drop == b->drop)
            continue;
        b->drop = drop;
        if (r->opts.batch_hook.run)
            run_hook_batch(r, s, b);
    }
    return BUZZ_OK;
}

/* Queue chunks until every slot is busy or the input is exhausted. */
static buzz_status fill_pipeline(buzz_csv_reader *r, buzz_error *err)
{
    while (!r->input_done && r->in_flight < r->slot_count) {
        if (r->opts.is_cancelled && r->opts.is_cancelled(r->opts.cancel_user))
            return buzz_error_set(err, BUZZ_ERR_CANCELLED, "reading was cancelled");
        if (r->spec_drain) {
            /* Falling back to the tracker: it needs the exact start of the next chunk. */
            if (r->in_flight > 0)
                BUZZ_TRY(settle_upto(r, (r->next_fill + r->slot_count - 1) % r->slot_count,
                                     err));
            r->spec_drain = false;
            r->track_restart = true;
        }
        size_t idx = r->next_fill;
        /* The partial record at the end of the previous chunk moves to this one. */
        const uint8_t *carry = NULL;
        size_t carry_len = 0;
        size_t prev = (idx + r->slot_count - 1) % r->slot_count;
        slot *ps = &r->slots[prev];
        if (ps->len > ps->chunk_len) {
            carry = ps->data + ps->chunk_len;
            carry_len = ps->len - ps->chunk_len;
        }
        /* The carry lives in the previous slot, which a worker may be tokenizing right now:
         * tokenizing touches only data[0, chunk_len), and the carry is past it. */
        /* Speculative: the previous chunk's cut is a guess until it is settled. */
        r->slots[idx].spec_start = !ps->settled;
        r->slots[idx].settled = false;
        BUZZ_TRY(fill_slot(r, idx, carry, carry_len, err));
        if (carry_len)
            ps->len = ps->chunk_len;
        if (!r->slots[idx].spec && !r->slots[idx].spec_start)
            r->slots[idx].settled = true;
        if (r->cut_by_tokenizer)
            BUZZ_TRY(cut_slot(r, idx, err));
        r->input_done = r->slots[idx].is_last;
        if (!r->input_done && !r->slots[idx].spec) /* else when settled */
            BUZZ_TRY(record_cut(r, r->slots[idx].base_offset + (int64_t)r->slots[idx].chunk_len,
                                err));
        r->next_fill = (idx + 1) % r->slot_count;
        r->in_flight++;
        if (!r->cut_by_tokenizer || r->hook_on_workers)
            submit(r, idx);
        if (r->opts.on_progress)
            r->opts.on_progress(r->opts.progress_user, buzz__csv_stream_raw_consumed(r->stream),
                                buzz__csv_stream_raw_size(r->stream));
    }
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Reporting. */
static void record_issue(buzz_csv_reader *r, buzz_csv_issue_kind kind, int64_t line,
                         int64_t offset, const char *msg)
{
    int64_t n = r->report.counts[kind]++;
    if (n < BUZZ_CSV_ISSUE_EXAMPLES) {
        buzz_csv_issue *is = &r->report.examples[kind][n];
        is->kind = kind;
        is->line = line;
        is->offset = offset;
        snprintf(is->message, sizeof is->message, "%s", msg);
    }
}

static void describe(const buzz_csv_reader *r, const buzz__csv_raw_issue *is, char *msg,
                     size_t cap)
{
    size_t ncols = r->dialect.column_count;
    switch (is->kind) {
    case BUZZ_CSV_TOO_FEW_FIELDS:
        snprintf(msg, cap, "expected %zu fields, found %u; the missing ones are empty (NULL)",
                 ncols, is->detail);
        break;
    case BUZZ_CSV_TOO_MANY_FIELDS:
        snprintf(msg, cap, "expected %zu fields, found %u; the extra fields are kept apart",
                 ncols, is->detail);
        break;
    case BUZZ_CSV_UNTERMINATED_QUOTE:
        snprintf(msg, cap, "the quote opened in field %u is never closed; read from there as text "
                 "without quoting", is->field + 1);
        break;
    case BUZZ_CSV_UNESCAPED_QUOTE:
        snprintf(msg, cap, "a quote inside quoted field %u is not doubled; kept as text",
                 is->field + 1);
        break;
    case BUZZ_CSV_QUOTE_IN_FIELD:
        snprintf(msg, cap, "a quote inside unquoted field %u; kept as text", is->field + 1);
        break;
    case BUZZ_CSV_NUL_BYTES:
        snprintf(msg, cap, "NUL bytes inside the record; kept");
        break;
    default:
        snprintf(msg, cap, "%s", buzz_csv_issue_kind_name(is->kind));
        break;
    }
}

/* The text of footer row i for its message: its cells joined by the delimiter, cut at cap - 1
 * bytes (an ellipsis marks the cut), control bytes and quotes shown as '?'. */
static void footer_text(const buzz_csv_reader *r, const slot *s, const chunk_batch *b, size_t i,
                        char *out, size_t cap)
{
    size_t n = 0, cols = r->dialect.column_count, last = cols;
    while (last > 0 && buzz_csv_cell_len(b->cells[(last - 1) * b->row_cap + i]) == 0)
        last--;
    bool cut = false;
    for (size_t j = 0; j < last && !cut; j++) {
        buzz_csv_cell c = b->cells[j * b->row_cap + i];
        const uint8_t *p = s->data + c.offset;
        size_t len = buzz_csv_cell_len(c);
        for (size_t k = 0; k <= len && !cut; k++) {
            uint8_t ch = k < len ? p[k] : (uint8_t)r->dialect.delimiter;
            if (k == len && j + 1 == last)
                break;
            if (n + 4 >= cap) {
                cut = true;
                break;
            }
            out[n++] = ch < 0x20 || ch == 0x7f || ch == '"' ? '?' : (char)ch;
        }
    }
    if (cut) {
        /* Drop the last character, which may be cut, before the ellipsis. */
        while (n > 0 && ((uint8_t)out[n - 1] & 0xC0) == 0x80)
            n--;
        if (n > 0 && (uint8_t)out[n - 1] >= 0xC0)
            n--;
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = 0;
}

/* Make batch b of slot s the current batch: absolute offsets and lines, issues into the report. */
static buzz_status publish(buzz_csv_reader *r, slot *s, chunk_batch *b, buzz_error *err)
{
    size_t rows = b->rows - b->drop;
    for (size_t i = 0; i < b->rows; i++) {
        b->row_offsets[i] += s->base_offset;
        b->row_lines[i] += r->base_line + 1;
    }
    for (size_t i = 0; i < b->issue_count; i++) {
        const buzz__csv_raw_issue *is = &b->issues[i];
        if (is->row >= rows)
            continue; /* a footer row: reported as such below */
        char msg[160];
        describe(r, is, msg, sizeof msg);
        int64_t line = b->row_lines[is->row];
        int64_t off = s->base_offset + is->rec_offset;
        if (r->opts.strict) {
            buzz_pos where = {r->name, line, 0, off};
            return buzz_error_at(err, BUZZ_ERR_PARSE, &where, "%s (--strict)", msg);
        }
        record_issue(r, is->kind, line, off, msg);
    }
    /* Issues beyond the examples kept per batch are counted without detail. */
    for (size_t k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        int64_t listed = 0;
        for (size_t i = 0; i < b->issue_count; i++)
            if (b->issues[i].kind == k)
                listed++;
        if (b->issue_totals[k] > listed)
            r->report.counts[k] += b->issue_totals[k] - listed;
    }
    /* Copies of the header taken out by drop_repeated_headers: the first few with their lines. */
    size_t hdr_listed = b->hdr_count < BUZZ_CSV_ISSUE_EXAMPLES ? b->hdr_count
                                                               : BUZZ_CSV_ISSUE_EXAMPLES;
    for (size_t i = 0; i < hdr_listed; i++) {
        const char *msg = "a copy of the header row (files exported in parts and joined) is "
                          "skipped";
        int64_t line = b->hdr_line[i] + r->base_line + 1, off = b->hdr_offset[i] + s->base_offset;
        if (r->opts.strict) {
            buzz_pos where = {r->name, line, 0, off};
            return buzz_error_at(err, BUZZ_ERR_PARSE, &where, "%s (--strict)", msg);
        }
        record_issue(r, BUZZ_CSV_REPEATED_HEADER, line, off, msg);
    }
    r->report.counts[BUZZ_CSV_REPEATED_HEADER] += (int64_t)(b->hdr_count - hdr_listed);
    for (size_t i = rows; i < b->rows; i++) {
        char msg[160], text[72];
        footer_text(r, s, b, i, text, sizeof text);
        snprintf(msg, sizeof msg, "a line after the table (a total or a note) is skipped: \"%s\"",
                 text);
        if (r->opts.strict) {
            buzz_pos where = {r->name, b->row_lines[i], 0, b->row_offsets[i]};
            return buzz_error_at(err, BUZZ_ERR_PARSE, &where, "%s (--strict)", msg);
        }
        record_issue(r, BUZZ_CSV_FOOTER_LINES, b->row_lines[i], b->row_offsets[i], msg);
    }
    r->report.blank_lines += b->blank_lines;
    r->report.comment_lines += b->comment_lines;
    batch_view(r, s, b, &r->cur);
    r->cur.first_row = r->rows_out;
    r->cur.hook_state = b->hook_state;
    r->rows_out += (int64_t)rows;
    r->report.rows = r->rows_out;
    return BUZZ_OK;
}

static void finish_report(buzz_csv_reader *r)
{
    int64_t invalid = buzz__csv_stream_invalid_count(r->stream);
    if (invalid > 0 && r->report.counts[BUZZ_CSV_INVALID_BYTES] == 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%lld byte sequences are not valid %s; replaced by U+FFFD",
                 (long long)invalid, buzz_encoding_name(buzz__csv_stream_encoding(r->stream)));
        record_issue(r, BUZZ_CSV_INVALID_BYTES, 0, buzz__csv_stream_invalid_first_offset(r->stream),
                     msg);
        r->report.counts[BUZZ_CSV_INVALID_BYTES] = invalid;
    }
    r->dialect.encoding = buzz__csv_stream_encoding(r->stream);
}

buzz_status buzz_csv_reader_next(buzz_csv_reader *r, const buzz_csv_batch **out_batch,
                                 buzz_error *err)
{
    *out_batch = NULL;
    if (r->failed)
        return buzz_error_set(err, BUZZ_ERR_ARG, "the reader already failed; close it");
    if (r->finished)
        return BUZZ_OK;
    buzz_status st;
    for (;;) {
        st = fill_pipeline(r, err);
        if (st)
            goto fail;
        if (r->in_flight == 0) {
            r->finished = true;
            finish_report(r);
            r->report.bytes_read = r->fill_offset;
            return BUZZ_OK;
        }
        slot *s = &r->slots[r->next_out];
        st = settle_upto(r, r->next_out, err);
        if (st == BUZZ_OK && r->out_batch == 0 && s->status == BUZZ_OK)
            st = spill_footer(r, err);
        if (st)
            goto fail;
        if (s->status) {
            st = s->status;
            if (err)
                *err = s->err;
            goto fail;
        }
        if (r->out_batch < s->batch_count) {
            chunk_batch *b = &s->batches[r->out_batch];
            r->out_batch++;
            st = publish(r, s, b, err);
            if (st)
                goto fail;
            r->report.bytes_read = r->fill_offset;
            if (r->cur.row_count == 0 && r->cur.extra_count == 0)
                continue; /* an all-blank batch: nothing to hand out */
            *out_batch = &r->cur;
            return BUZZ_OK;
        }
        /* This chunk is consumed: its lines move the base, its slot becomes free. */
        r->base_line += s->lines;
        s->state = SLOT_FREE;
        r->out_batch = 0;
        r->next_out = (r->next_out + 1) % r->slot_count;
        r->in_flight--;
    }
fail:
    r->failed = true;
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Open: stream, samples, sniff, preamble, header. */
static buzz_status read_head(buzz_csv_reader *r, buzz_error *err)
{
    r->head = buzz_malloc(HEAD_BYTES + BUZZ__CSV_PAD);
    if (!r->head)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the input's start");
    while (HEAD_BYTES - r->head_len >= 16) { /* the stream's minimum read */
        size_t got;
        BUZZ_TRY(buzz__csv_stream_read(r->stream, r->head + r->head_len, HEAD_BYTES - r->head_len,
                                       &got, err));
        if (got == 0) {
            r->stream_eof = true;
            break;
        }
        r->head_len += got;
    }
    memset(r->head + r->head_len, 0, BUZZ__CSV_PAD);
    return BUZZ_OK;
}

static buzz_status sniff(buzz_csv_reader *r, buzz_error *err)
{
    buzz__csv_samples smp;
    memset(&smp, 0, sizeof smp);
    smp.head = r->head;
    smp.head_len = r->head_len;
    smp.head_is_all = r->stream_eof;
    uint8_t *bufs[5] = {0};
    buzz_status st = BUZZ_OK;
    if (!r->stream_eof && buzz__csv_stream_is_seekable(r->stream)) {
        int64_t size = buzz__csv_stream_raw_size(r->stream);
        for (size_t i = 0; i < 5 && size > (int64_t)HEAD_BYTES; i++) {
            bufs[i] = buzz_malloc(SAMPLE_BYTES);
            if (!bufs[i]) {
                st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory sampling the input");
                goto done;
            }
            int64_t at = i < 4 ? size * (int64_t)(i + 1) / 5 : size - (int64_t)SAMPLE_BYTES;
            if (at < (int64_t)HEAD_BYTES)
                at = HEAD_BYTES;
            size_t got = 0;
            st = buzz__csv_stream_sample(r->stream, at, bufs[i], SAMPLE_BYTES, &got, err);
            if (st)
                goto done;
            if (i < 4) {
                smp.mid[smp.mid_count] = bufs[i];
                smp.mid_len[smp.mid_count++] = got;
            } else {
                smp.tail = bufs[i];
                smp.tail_len = got;
            }
        }
    }
    st = buzz__csv_sniff(&smp, &r->opts, &r->dialect, err);
done:
    for (size_t i = 0; i < 5; i++)
        buzz_free(bufs[i]);
    return st;
}

/* Skip the preamble lines and read the header record from the head buffer. */
static buzz_status read_preamble_and_header(buzz_csv_reader *r, buzz_error *err)
{
    const uint8_t nl = r->dialect.newline == BUZZ_NEWLINE_CR ? '\r' : '\n';
    size_t pos = 0;
    int64_t lines = 0;
    while (lines < r->dialect.skip_lines && pos < r->head_len) {
        const uint8_t *p = memchr(r->head + pos, nl, r->head_len - pos);
        if (!p) {
            if (!r->stream_eof) {
                buzz_pos where = {r->name, lines + 1, 0, (int64_t)pos};
                return buzz_error_at(err, BUZZ_ERR_LIMIT, &where,
                                     "the lines to skip before the table are longer than %u bytes",
                                     HEAD_BYTES);
            }
            pos = r->head_len;
            break;
        }
        pos = (size_t)(p - r->head) + 1;
        if (nl == '\r' && pos < r->head_len && r->head[pos] == '\n')
            pos++;
        lines++;
    }
    r->base_line = lines;
    size_t ncols = r->dialect.column_count ? r->dialect.column_count : 1;
    r->names = buzz_calloc(ncols, sizeof *r->names);
    if (!r->names)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the header");
    for (size_t c = 0; c < ncols; c++) {
        r->names[c].ptr = buzz_strndup("", 0);
        if (!r->names[c].ptr)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the header");
    }
    if (r->dialect.has_header && pos < r->head_len) {
        buzz__csv_tok t;
        buzz__csv_tok_init(&t, &r->dialect);
        /* The header is tokenized in a copy: unescaping in place must not touch the data bytes
         * that the pipeline reads from the head later. */
        size_t avail = r->head_len - pos;
        uint8_t *copy = buzz_malloc(avail + BUZZ__CSV_PAD);
        buzz_csv_cell *cells = buzz_calloc(ncols, sizeof *cells);
        int64_t off = 0, line = 0;
        buzz_csv_extra extra;
        buzz__csv_raw_issue issues[4];
        buzz_status st = BUZZ_OK;
        if (!copy || !cells) {
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the header");
            goto hdone;
        }
        memcpy(copy, r->head + pos, avail);
        memset(copy + avail, 0, BUZZ__CSV_PAD);
        t.data = copy;
        t.cells = cells;
        t.row_offsets = &off;
        t.row_lines = &line;
        t.extras = &extra;
        t.issues = issues;
        t.issue_cap = 4;
        t.row_cap = 1;
        size_t used = buzz__csv_scan_scalar(&t, 0, avail);
        while (!t.is_full && r->stream_eof) {
            size_t again = buzz__csv_scan_finish(&t, avail); /* as in tokenize_slot */
            if (again == 0) {
                used = avail;
                break;
            }
            used = buzz__csv_scan_scalar(&t, again, avail);
        }
        if (!t.is_full && !r->stream_eof) {
            buzz_pos where = {r->name, lines + 1, 0, (int64_t)pos};
            st = buzz_error_at(err, BUZZ_ERR_LIMIT, &where, "the header row is longer than %u bytes",
                               HEAD_BYTES);
            goto hdone;
        }
        if (t.rows == 1) {
            size_t named = 0;
            bool whole = ncols >= 2 && t.extra_count == 0;
            for (size_t c = 0; c < ncols; c++) {
                if (cells[c].len_flags & BUZZ_CSV_CELL_MISSING) {
                    whole = false;
                    continue;
                }
                /* A name ends at a NUL byte: what follows is binary junk (a misread UTF-16 or
                 * binary header), and names are C strings everywhere downstream (schema,
                 * Parquet), as in DuckDB. Cells keep their NUL bytes. */
                const uint8_t *p = copy + cells[c].offset;
                size_t n = buzz_csv_cell_len(cells[c]);
                const uint8_t *nul = n ? memchr(p, 0, n) : NULL;
                if (nul) {
                    n = (size_t)(nul - p);
                    whole = false;
                }
                named += n > 0;
                char *name = buzz_strndup((const char *)p, n);
                if (!name) {
                    st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory reading the header");
                    goto hdone;
                }
                buzz_free((void *)r->names[c].ptr);
                r->names[c].ptr = name;
                r->names[c].len = n;
            }
            /* In one column a copy of the header cannot be told from a repeated value. */
            r->drop_headers = whole && named >= 2 && r->dialect.skip_header_copies;
        }
        pos += used;
        r->base_line += t.line;
    hdone:
        buzz_free(copy);
        buzz_free(cells);
        if (st)
            return st;
    }
    r->head_pos = pos;
    r->fill_offset = (int64_t)pos;
    r->batch_rows = plan_batch_rows(r);
    return BUZZ_OK;
}

static buzz_status check_options(const buzz_csv_options *o, buzz_error *err)
{
    if (o->threads > MAX_THREADS)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--threads must be between 1 and %d, got %u",
                              MAX_THREADS, o->threads);
    if (o->simd != BUZZ_SIMD_AUTO && !buzz_simd_supported(o->simd))
        return buzz_error_set(err, BUZZ_ERR_ARG, "--simd=%s is not supported by this CPU",
                              buzz_simd_name(o->simd));
    if (o->has_skip_lines && o->skip_lines < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--skip must be 0 or more, got %lld",
                              (long long)o->skip_lines);
    if (o->has_footer_lines && o->footer_lines < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--footer must be 0 or more, got %lld",
                              (long long)o->footer_lines);
    if (o->chunk_bytes && o->chunk_bytes < 64)
        return buzz_error_set(err, BUZZ_ERR_ARG, "chunk size must be at least 64 bytes, got %zu",
                              o->chunk_bytes);
    return BUZZ_OK;
}

buzz_status buzz_csv_reader_open(buzz_csv_reader **out, const char *path,
                                 const buzz_csv_options *opts, buzz_error *err)
{
    *out = NULL;
    buzz_csv_options zero;
    if (!opts) {
        memset(&zero, 0, sizeof zero);
        opts = &zero;
    }
    BUZZ_TRY(check_options(opts, err));
    buzz_csv_reader *r = buzz_calloc(1, sizeof *r);
    if (!r)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening a CSV reader");
    buzz_status st;
    r->opts = *opts;
    const char *name = opts->source_name ? opts->source_name
                                         : (strcmp(path, "-") == 0 ? "stdin" : path);
    r->name = buzz_strndup(name, strlen(name));
    if (!r->name) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening a CSV reader");
        goto fail;
    }
    r->opts.source_name = r->name;
    r->chunk_bytes = opts->chunk_bytes ? opts->chunk_bytes : DEFAULT_CHUNK;
    r->max_record_bytes = opts->max_record_bytes ? opts->max_record_bytes : DEFAULT_MAX_RECORD;
    if (r->max_record_bytes < r->chunk_bytes)
        r->max_record_bytes = r->chunk_bytes;
    if (r->max_record_bytes > BUZZ_CSV_CELL_LEN_MASK)
        r->max_record_bytes = BUZZ_CSV_CELL_LEN_MASK; /* cell lengths are 30 bits */
    r->simd = opts->simd == BUZZ_SIMD_AUTO ? buzz_simd_best() : opts->simd;
    r->scan = buzz__csv_pick_scan(r->simd);
    r->track = buzz__csv_pick_track(r->simd);
    if (!r->scan || !r->track) {
        st = buzz_error_set(err, BUZZ_ERR_ARG, "--simd=%s is not supported by this CPU",
                            buzz_simd_name(r->simd));
        goto fail;
    }
    st = buzz__csv_stream_open_crc(&r->stream, path, r->name, opts->encoding, opts->checksum, err);
    if (st)
        goto fail;
    st = read_head(r, err);
    if (st)
        goto fail;
    st = sniff(r, err);
    if (st)
        goto fail;
    r->dialect.encoding = buzz__csv_stream_encoding(r->stream);
    r->dialect.has_bom = buzz__csv_stream_has_bom(r->stream);
    r->dialect.compression = buzz__csv_stream_compression(r->stream);
    size_t max_cols = opts->max_columns ? opts->max_columns : DEFAULT_MAX_COLUMNS;
    if (r->dialect.column_count > max_cols) {
        buzz_pos where = {r->name, 0, 0, -1};
        st = buzz_error_at(err, BUZZ_ERR_LIMIT, &where,
                           "the table has %zu columns, more than the limit of %zu",
                           r->dialect.column_count, max_cols);
        goto fail;
    }
    if (r->dialect.column_count == 0)
        r->dialect.column_count = 1;
    st = read_preamble_and_header(r, err);
    if (st)
        goto fail;
    buzz__csv_track_init(&r->tracker, &r->dialect);
    r->threads = opts->threads ? opts->threads : buzz_cpu_count();
    if (r->threads > MAX_THREADS)
        r->threads = MAX_THREADS;
    r->slot_count = r->threads + 2;
    r->slots = buzz_calloc(r->slot_count, sizeof *r->slots);
    if (!r->slots) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening a CSV reader");
        goto fail;
    }
    for (size_t i = 0; i < r->slot_count; i++)
        r->slots[i].settled = true; /* the first chunk starts at a record start */
    /* Two threads at most: beyond that, tokenizing on one core would hold the workers back more
     * than the tracker does. Not for a second reading (known cuts need no tracker anyway), and
     * only in CR mode: elsewhere guessed cuts (r->spec) let both workers tokenize and type,
     * as fast or faster (pass 1 of the 1.1 GB file: medians of alternating runs 1.41 -> 1.16 s
     * in one spell of the test VM, 1.30 -> 1.31 s in another; bench/README.md, session 9). */
    r->hook_on_workers = r->threads == 2 && opts->batch_hook.run &&
                         !(opts->known_cuts && opts->known_cut_count) &&
                         r->dialect.newline == BUZZ_NEWLINE_CR;
    st = start_pool(r, err);
    if (st)
        goto fail;
    r->cut_by_tokenizer = !r->has_pool || r->hook_on_workers;
    r->spec_miss_limit = SPEC_MISS_LIMIT;
    /* Guessed cuts need a newline byte that ends records wherever quotes do not say otherwise:
     * LF (CR LF ends at its LF too), not CR. */
    r->spec = r->has_pool && !r->cut_by_tokenizer && !(opts->known_cuts && opts->known_cut_count) &&
              r->dialect.newline != BUZZ_NEWLINE_CR;
    r->parity_ok = r->dialect.quote != BUZZ_CSV_NONE && r->dialect.comment == BUZZ_CSV_NONE &&
                   (r->dialect.escape == r->dialect.quote || r->dialect.escape == BUZZ_CSV_NONE);
    r->count = buzz__csv_pick_count(r->simd);
    if (!r->count)
        r->parity_ok = false;
    *out = r;
    return BUZZ_OK;
fail:
    buzz_csv_reader_close(r);
    return st;
}

void buzz_csv_reader_close(buzz_csv_reader *r)
{
    if (!r)
        return;
    /* Workers may still be tokenizing queued chunks: stop them before freeing the slots. */
    if (r->has_pool) {
        for (size_t i = 0; i < r->slot_count; i++)
            if (r->slots[i].state == SLOT_QUEUED)
                wait_done(r, i);
        stop_pool(r);
    }
    if (r->slots) {
        for (size_t i = 0; i < r->slot_count; i++) {
            slot *s = &r->slots[i];
            for (size_t b = 0; b < s->batch_alloc; b++)
                batch_free(r, &s->batches[b]);
            buzz_free(s->batches);
            buzz_free(s->data);
            buzz_free(s->unesc_cols);
            buzz_free(s->undo.buf);
        }
        buzz_free(r->slots);
    }
    if (r->names) {
        for (size_t c = 0; c < r->dialect.column_count; c++)
            buzz_free((void *)r->names[c].ptr);
        buzz_free(r->names);
    }
    buzz_free(r->head);
    buzz_free(r->cuts);
    buzz_free(r->fix);
    buzz__csv_stream_close(r->stream);
    buzz_free(r->name);
    buzz_free(r);
}
