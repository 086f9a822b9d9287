/* The conversion: spill stdin if needed, pass 1 (inference), apply the user schema, pass 2 (parse
 * into typed batches and write), commit output and rejects atomically.
 *
 * Pass 2 opens the reader with the same options as pass 1: sniffing is deterministic, so it finds
 * the same dialect (checked, field by field), and the rows of both passes are the same rows. */
#include "buzz/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_out.h"

typedef struct conv {
    const buzz_convert_options *opts;
    buzz_convert_phase phase;
    buzz_atomic_file rejects_file;
    buzz_buf rejects_buf;
    buzz_status rejects_st;
    buzz_error rejects_err;
    int64_t rejects;
    size_t input_count;
    size_t current;                      /* the input being read */
    const char *current_name;            /* its name in messages */
    int64_t weight_done, weight_total;   /* several inputs: file sizes done and in all */
    int64_t current_weight;              /* the current input's size */
    int64_t rows_done;                   /* rows delivered in this pass */
} conv;

/* One input: the reader's figures as they are. Several: the inputs' file sizes weigh each one's
 * share, so the figures run from 0 to the sum of the sizes once per pass. */
static void on_reader_progress(void *user, int64_t done, int64_t total)
{
    conv *c = user;
    if (!c->opts->on_progress)
        return;
    if (c->input_count > 1) {
        int64_t mine = c->current_weight;
        int64_t part = total > 0 ? (int64_t)((double)mine * ((double)done / (double)total))
                                 : (done < mine ? done : mine);
        if (part > mine)
            part = mine;
        done = c->weight_done + part;
        total = c->weight_total;
    }
    buzz_convert_progress p = {c->phase, done, total, c->rows_done, c->current, c->input_count};
    c->opts->on_progress(c->opts->progress_user, &p);
}

/* The end of a pass: every byte and row done (the reader's last report comes before its last
 * batches are delivered). bytes: the last input's decoded bytes (one input). */
static void progress_pass_end(conv *c, int64_t bytes)
{
    if (!c->opts->on_progress)
        return;
    int64_t total = c->input_count > 1 ? c->weight_total : bytes;
    buzz_convert_progress p = {c->phase, total, total, c->rows_done, c->input_count - 1,
                               c->input_count};
    c->opts->on_progress(c->opts->progress_user, &p);
}

/* Pass 1's batch visitor: rows for the progress figures. */
static void count_rows(void *user, const buzz_csv_batch *b)
{
    conv *c = user;
    c->rows_done += (int64_t)b->row_count;
}

static bool on_reader_cancel(void *user)
{
    conv *c = user;
    return c->opts->is_cancelled && c->opts->is_cancelled(c->opts->cancel_user);
}

/* ---------------------------------------------------------------------------------------------
 * Rejects file: line,column,value,reason. */
static void on_reject(void *user, const buzz_reject *r)
{
    conv *c = user;
    c->rejects++;
    if (!c->opts->rejects_path || c->rejects_st != BUZZ_OK)
        return;
    buzz_buf *b = &c->rejects_buf;
    buzz_status st = BUZZ_OK;
    if (c->input_count > 1) {
        st = buzz_csv_out_field(b, c->current_name, strlen(c->current_name), ',',
                                &c->rejects_err);
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(b, ',', &c->rejects_err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_printf(b, &c->rejects_err, "%lld,", (long long)r->line);
    if (st == BUZZ_OK)
        st = buzz_csv_out_field(b, r->column_name, strlen(r->column_name), ',', &c->rejects_err);
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(b, ',', &c->rejects_err);
    if (st == BUZZ_OK)
        st = buzz_csv_out_field(b, r->value ? r->value : "", r->value_len, ',', &c->rejects_err);
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(b, ',', &c->rejects_err);
    if (st == BUZZ_OK)
        st = buzz_csv_out_field(b, r->reason, strlen(r->reason), ',', &c->rejects_err);
    if (st == BUZZ_OK)
        st = buzz_buf_append(b, "\r\n", 2, &c->rejects_err);
    if (st == BUZZ_OK && b->len >= (1u << 20)) {
        st = buzz_atomic_file_write(&c->rejects_file, b->data, b->len, &c->rejects_err);
        buzz_buf_reset(b);
    }
    c->rejects_st = st;
}

/* ---------------------------------------------------------------------------------------------
 * Pass 2's batch hook: each CSV batch is parsed into a typed batch by the reader thread that
 * tokenized it, while its bytes are in cache. Rejects cannot be reported there (the line numbers
 * are not absolute yet, and the rejects file must stay in input order), so the hook only notes
 * which cells were rejected; the caller's thread reports them when the batch comes out. */
typedef struct deferred_reject {
    uint32_t row, column;
} deferred_reject;

typedef struct fill_state {
    buzz_typed_batch tb;
    deferred_reject *rejects;
    size_t reject_count, reject_cap;
    bool reject_nomem;
} fill_state;

static void defer_reject(void *user, const buzz_reject *r)
{
    fill_state *fs = user;
    if (fs->reject_count == fs->reject_cap) {
        size_t n = fs->reject_cap ? fs->reject_cap * 2 : 64;
        deferred_reject *p = buzz_realloc(fs->rejects, n * sizeof *p);
        if (!p) {
            fs->reject_nomem = true;
            return;
        }
        fs->rejects = p;
        fs->reject_cap = n;
    }
    fs->rejects[fs->reject_count++] = (deferred_reject){(uint32_t)r->row, (uint32_t)r->column};
}

static buzz_status fill_hook_run(void *user, const buzz_csv_dialect *dialect,
                                 const buzz_csv_batch *b, void **state, buzz_error *err)
{
    (void)dialect;
    const buzz_schema *sc = user;
    fill_state *fs = *state;
    if (!fs) {
        fs = buzz_calloc(1, sizeof *fs);
        if (!fs)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for a typed batch");
        *state = fs;
    }
    fs->reject_count = 0;
    fs->reject_nomem = false;
    BUZZ_TRY(buzz_typed_batch_fill(&fs->tb, b, sc, defer_reject, fs, err));
    if (fs->reject_nomem)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory listing rejected values");
    return BUZZ_OK;
}

static void fill_hook_free(void *user, void *state)
{
    (void)user;
    fill_state *fs = state;
    buzz_typed_batch_free(&fs->tb);
    buzz_free(fs->rejects);
    buzz_free(fs);
}

/* Report a batch's deferred rejects in order, with absolute lines and rows. The reason is
 * recomputed by parsing the cell again (rejects are rare; this keeps the hook's record small). */
static int cmp_deferred(const void *pa, const void *pb)
{
    const deferred_reject *a = pa, *b = pb;
    if (a->row != b->row)
        return a->row < b->row ? -1 : 1;
    return a->column < b->column ? -1 : a->column > b->column;
}

/* The fill visits rows in blocks, column by column: sorting gives the rejects file line order. */
static void report_rejects(conv *c, const buzz_schema *sc, const buzz_csv_batch *b,
                           fill_state *fs)
{
    if (fs->reject_count > 1)
        qsort(fs->rejects, fs->reject_count, sizeof *fs->rejects, cmp_deferred);
    buzz_null_tokens defaults;
    const buzz_null_tokens *nulls = &sc->nulls;
    if (!sc->has_nulls) {
        buzz_null_tokens_default(&defaults);
        nulls = &defaults;
    }
    for (size_t i = 0; i < fs->reject_count; i++) {
        const deferred_reject *dr = &fs->rejects[i];
        const buzz_column_def *d = &sc->columns[dr->column];
        buzz_csv_cell cell = b->cells[dr->column * b->row_stride + dr->row];
        const char *text = b->data + cell.offset;
        size_t len = cell.len_flags & BUZZ_CSV_CELL_LEN_MASK;
        buzz_value v;
        buzz_parse_result pr = buzz_value_parse(d, nulls, text, len,
                                                (cell.len_flags & BUZZ_CSV_CELL_QUOTED) != 0, &v);
        char why[160];
        buzz_reject rj = {
            .line = b->row_lines ? b->row_lines[dr->row] : 0,
            .row = b->first_row + (int64_t)dr->row,
            .column = dr->column,
            .column_name = d->name,
            .value = text,
            .value_len = len,
            .reason = buzz_parse_reason(d, pr, why, sizeof why),
        };
        on_reject(c, &rj);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The memory plan. What stays alive during pass 2, and what bounds it:
 *   reader: threads + 2 slots, each a chunk of input, the chunk's cell arrays (8 bytes per field,
 *     a field being at least 2 bytes with its delimiter: up to 4 bytes per chunk byte) and the
 *     chunk's typed batch (up to ~5 bytes per chunk byte: 16-byte decimals need 4 input bytes,
 *     4-byte ints 2, plus validity), so at most ~10 bytes per chunk byte per slot;
 *   writer: the encoded pages of the open row group (closed once they pass row_group_bytes), and
 *     per column one staged page (values, levels, offsets, assembly buffers: ~4x page_bytes) and
 *     one dictionary (values plus hash slots, 8 bytes per slot and at least 2 slots per value:
 *     up to 5x dictionary_bytes for 4-byte values). Pages and dictionaries get at least 4 KiB,
 *     and row groups give up 32 KiB per column for the 2,048-row pages (see below), which 1000
 *     columns fit in 128 MiB;
 *   fixed: code, libraries, stacks, the schema: counted as 32 MiB.
 * Pass 1 holds the same reader plus small inference states, so pass 2 is the peak. */
void buzz_convert_plan_memory(size_t memory_limit, unsigned threads, size_t columns,
                              buzz_convert_plan *out)
{
    size_t m = memory_limit ? memory_limit : BUZZ_CONVERT_DEFAULT_MEMORY;
    if (m < BUZZ_CONVERT_MIN_MEMORY)
        m = BUZZ_CONVERT_MIN_MEMORY;
    const size_t mib = (size_t)1 << 20;
    size_t avail = m - 32 * mib;
    size_t slots = (size_t)(threads ? threads : 1) + 2;
    size_t chunk = avail * 3 / 8 / (slots * 10);
    out->chunk_bytes = chunk < 256 * 1024 ? 256 * 1024 : chunk > 4 * mib ? 4 * mib : chunk;
    /* Pages end only on 2,048-row vectors (writer.c, PAGE_ROW_ALIGN), so a column stages about
     * 2,048 values whatever page_bytes says: some 32 KiB more per column at common widths than
     * page_bytes plans for. Wide tables pay for it with smaller row groups. */
    size_t align = (columns ? columns : 1) * (32 * 1024);
    size_t rg = avail / 4 > align + 4 * mib ? avail / 4 - align : 4 * mib;
    out->row_group_bytes = rg > 128 * mib ? 128 * mib : rg;
    size_t per_col = avail * 3 / 8 / (columns ? columns : 1);
    size_t page = per_col / 9; /* 4 staged pages and 5 dictionary sizes per column */
    out->page_bytes = page < 4 * 1024 ? 4 * 1024 : page > mib ? mib : page;
    size_t dict = per_col / 9;
    out->dictionary_bytes = dict < 4 * 1024 ? 4 * 1024 : dict > mib ? mib : dict;
}

/* ---------------------------------------------------------------------------------------------
 * Standard input spill. */
static buzz_status spill_stdin(const buzz_convert_options *opts, char *out_path, size_t cap,
                               buzz_error *err)
{
    const char *tmp_dir = opts->tmp_dir;
    const char *dir = tmp_dir ? tmp_dir : getenv("TMPDIR");
    if (!dir || !dir[0])
        dir = "/tmp";
    snprintf(out_path, cap, "%s/buzz-stdin-XXXXXX", dir);
    int fd = mkstemp(out_path);
    if (fd < 0)
        return buzz_error_set(err, BUZZ_ERR_IO,
                              "cannot create a temporary file in %s to hold standard input: %s",
                              dir, strerror(errno));
    size_t cap_buf = 1u << 20;
    char *buf = buzz_malloc(cap_buf);
    buzz_status st = buf ? BUZZ_OK : buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    while (st == BUZZ_OK) {
        size_t got;
        if (opts->is_cancelled && opts->is_cancelled(opts->cancel_user)) {
            st = buzz_error_set(err, BUZZ_ERR_CANCELLED, "the conversion was cancelled");
            break;
        }
        /* Small reads so that a cancellation is seen while a slow producer writes. */
        bool eof;
        st = buzz_read_some(0, buf, cap_buf, &got, &eof, "stdin", err);
        if (st != BUZZ_OK || eof)
            break;
        size_t off = 0;
        while (off < got) {
            ssize_t w = write(fd, buf + off, got - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                st = buzz_error_set(err, BUZZ_ERR_IO,
                                    "cannot write the standard input spill file %s: %s", out_path,
                                    strerror(errno));
                break;
            }
            off += (size_t)w;
        }
    }
    buzz_free(buf);
    if (close(fd) != 0 && st == BUZZ_OK)
        st = buzz_error_set(err, BUZZ_ERR_IO, "cannot write %s: %s", out_path, strerror(errno));
    if (st != BUZZ_OK)
        unlink(out_path);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * The pieces. */
static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++) {
        char a = s[n - k + i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (a != suffix[i])
            return false;
    }
    return true;
}

buzz_output_format buzz_output_format_of(const char *path)
{
    if (ends_with(path, ".csv"))
        return BUZZ_OUTPUT_CSV;
    if (ends_with(path, ".parquet") || ends_with(path, ".pq"))
        return BUZZ_OUTPUT_PARQUET;
    return BUZZ_OUTPUT_AUTO;
}

static bool schema_covers_all(const buzz_schema *user, size_t ncols)
{
    if (!user || user->column_count < ncols)
        return false;
    /* Every column must be named by position or name with a type or be excluded; check by
     * position only (names are resolved later). */
    bool *seen = buzz_calloc(ncols + 1, 1);
    if (!seen)
        return false;
    size_t hits = 0;
    for (size_t i = 0; i < user->column_count; i++) {
        const buzz_column_def *u = &user->columns[i];
        size_t p = u->position > 0 ? (size_t)u->position - 1 : i;
        if (p < ncols && !seen[p] && (u->has_user_type || (u->has_user_include && !u->include))) {
            seen[p] = true;
            hits++;
        }
    }
    buzz_free(seen);
    return hits == ncols;
}

static void merge_csv_options(buzz_csv_options *o, const buzz_schema *user)
{
    if (!user || !user->has_csv)
        return;
    const buzz_csv_options *u = &user->csv;
    if (!o->encoding)
        o->encoding = u->encoding;
    if (!o->delimiter) {
        o->delimiter = u->delimiter;
        if (!o->merge_delimiters)
            o->merge_delimiters = u->merge_delimiters;
    }
    if (!o->quote)
        o->quote = u->quote;
    if (!o->escape)
        o->escape = u->escape;
    if (!o->comment)
        o->comment = u->comment;
    if (!o->inline_comments)
        o->inline_comments = u->inline_comments;
    if (!o->ragged_rows)
        o->ragged_rows = u->ragged_rows;
    if (!o->header)
        o->header = u->header;
    if (!o->newline)
        o->newline = u->newline;
    if (!o->has_skip_lines && u->has_skip_lines) {
        o->has_skip_lines = true;
        o->skip_lines = u->skip_lines;
    }
    if (!o->has_footer_lines && u->has_footer_lines) {
        o->has_footer_lines = true;
        o->footer_lines = u->footer_lines;
    }
}

static bool same_dialect(const buzz_csv_dialect *a, const buzz_csv_dialect *b)
{
    return a->encoding == b->encoding && a->delimiter == b->delimiter && a->quote == b->quote &&
           a->escape == b->escape && a->comment == b->comment && a->newline == b->newline &&
           a->has_header == b->has_header && a->skip_lines == b->skip_lines &&
           a->column_count == b->column_count &&
           a->trailing_empty_columns == b->trailing_empty_columns &&
           a->footer_lines == b->footer_lines && a->merge_delimiters == b->merge_delimiters &&
           a->has_inline_comments == b->has_inline_comments && a->ragged_rows == b->ragged_rows &&
           a->skip_header_copies == b->skip_header_copies;
}

/* ---------------------------------------------------------------------------------------------
 * Several inputs. Each is sniffed on its own (its own dialect) and must hold the same columns as
 * the first, matched by name (ASCII case-insensitive; the names as Buzz normalizes them, so
 * headerless files match by position through column_N); the order may differ. Pass 1 folds every
 * input into one inference state (buzz_infer_merge_mapped), so the types fit every value of every
 * input. Pass 2 parses each input with a schema view in that input's column order and hands the
 * writer its typed batch with the columns put back in the first input's order. */
typedef struct conv_input {
    const char *path;          /* what to open (the spill file for stdin) */
    const char *name;          /* for messages: the caller's path, or "stdin" */
    buzz_csv_dialect dialect;  /* from pass 1, checked again in pass 2 */
    size_t *map;               /* reader column j -> output column map[j]; NULL = the same */
    size_t *inv;               /* output column i -> reader column inv[i]; NULL = the same */
    buzz_schema view;          /* pass 2: the output schema in this input's column order
                                  (columns owned, their contents borrowed from the output's) */
    int64_t weight;            /* file size, for progress over several inputs */
    int64_t *cuts;             /* where pass 1 cut its chunks (buzz_csv_reader_cuts): pass 2 cuts
                                  there instead of running the boundary tracker again */
    size_t cut_count;
    bool has_stamp;            /* a regular file: stamp is its state before pass 1 */
    struct stat stamp;
} conv_input;

/* Both passes must read the same bytes: a file that changes in between (a download or export
 * still being written, an editor saving) would be written with types and a row count that the
 * second reading does not match. Size, modification time, device and inode taken before pass 1
 * must be the same once pass 2 has read the file. */
static buzz_status check_unchanged(const conv_input *in, buzz_error *err)
{
    struct stat now;
    if (!in->has_stamp)
        return BUZZ_OK;
    if (stat(in->path, &now) != 0)
        return buzz_error_set(err, BUZZ_ERR_IO, "%.200s: cannot check the input after reading it: %s",
                              in->name, strerror(errno));
    if (now.st_size != in->stamp.st_size || now.st_ino != in->stamp.st_ino ||
        now.st_dev != in->stamp.st_dev || now.st_mtim.tv_sec != in->stamp.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != in->stamp.st_mtim.tv_nsec)
        return buzz_error_set(err, BUZZ_ERR_IO,
                              "%.200s changed while it was being converted (it was %lld bytes, "
                              "now %lld); nothing was written. Convert it again once it is complete",
                              in->name, (long long)in->stamp.st_size, (long long)now.st_size);
    return BUZZ_OK;
}

static void input_list_free(conv_input *in, size_t n)
{
    for (size_t k = 0; in && k < n; k++) {
        buzz_free(in[k].map);
        buzz_free(in[k].inv);
        buzz_free(in[k].view.columns);
        buzz_free(in[k].cuts);
    }
    buzz_free(in);
}

/* Append up to four names of `a` that `b` lacks to msg as "a", "b" (and N more). */
static void list_missing(const buzz_schema *a, const buzz_schema *b, char *msg, size_t cap)
{
    size_t len = strlen(msg), shown = 0, more = 0;
    for (size_t i = 0; i < a->column_count; i++) {
        bool found = false;
        for (size_t j = 0; j < b->column_count && !found; j++)
            found = strcasecmp(a->columns[i].name, b->columns[j].name) == 0;
        if (found)
            continue;
        if (shown == 4) {
            more++;
            continue;
        }
        if (len < cap)
            len += (size_t)snprintf(msg + len, cap - len, "%s\"%.60s\"", shown ? ", " : "",
                                    a->columns[i].name);
        shown++;
    }
    if (more && len < cap)
        snprintf(msg + len, cap - len, " and %zu more", more);
}

/* Match input k's column names (schema `names`, normalized) to the first input's (`first`). */
static buzz_status match_columns(conv_input *in, const buzz_schema *first, const conv_input *in0,
                                 const buzz_schema *names, size_t k, buzz_error *err)
{
    size_t n = first->column_count;
    char hint[160] = "";
    if (in->dialect.has_header != in0->dialect.has_header)
        snprintf(hint, sizeof hint, " (%s a header row and %s: give --header or --no-header)",
                 in0->dialect.has_header ? "the first input has" : "this input has",
                 in0->dialect.has_header ? "this one has none" : "the first has none");
    in->map = buzz_malloc((names->column_count ? names->column_count : 1) * sizeof *in->map);
    in->inv = buzz_malloc((n ? n : 1) * sizeof *in->inv);
    if (!in->map || !in->inv)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        in->inv[i] = SIZE_MAX;
    bool ok = names->column_count == n;
    for (size_t j = 0; ok && j < names->column_count; j++) {
        in->map[j] = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            if (in->inv[i] == SIZE_MAX &&
                strcasecmp(names->columns[j].name, first->columns[i].name) == 0) {
                in->map[j] = i;
                in->inv[i] = j;
                break;
            }
        }
        ok = in->map[j] != SIZE_MAX;
    }
    if (ok) {
        bool identity = true;
        for (size_t i = 0; i < n && identity; i++)
            identity = in->inv[i] == i;
        if (identity) {
            buzz_free(in->map);
            buzz_free(in->inv);
            in->map = in->inv = NULL;
        }
        return BUZZ_OK;
    }
    char missing[400] = "", extra[400] = "";
    list_missing(first, names, missing, sizeof missing);
    list_missing(names, first, extra, sizeof extra);
    return buzz_error_set(err, BUZZ_ERR_VALUE,
                          "input %zu (%.200s) does not have the columns of input 1 (%.200s): %zu "
                          "against %zu columns%s%s%s%s%s; inputs are matched by column name",
                          k + 1, in->name, in0->name, names->column_count, n,
                          missing[0] ? ", missing " : "", missing,
                          extra[0] ? ", not in the first input " : "", extra, hint);
}

/* Input k's schema view: the output's column definitions in the reader's column order. */
static buzz_status make_view(conv_input *in, const buzz_schema *sc, buzz_error *err)
{
    in->view = *sc;
    in->view.columns = NULL;
    if (!in->map)
        return BUZZ_OK;
    in->view.columns = buzz_malloc((sc->column_count ? sc->column_count : 1) *
                                   sizeof *in->view.columns);
    if (!in->view.columns)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < sc->column_count; j++)
        in->view.columns[j] = sc->columns[in->map[j]];
    return BUZZ_OK;
}

static const buzz_schema *input_schema(const conv_input *in, const buzz_schema *sc)
{
    return in->view.columns ? &in->view : sc;
}

static void merge_report(buzz_csv_report *into, const buzz_csv_report *from)
{
    for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        int64_t have = into->counts[k] < BUZZ_CSV_ISSUE_EXAMPLES ? into->counts[k]
                                                                  : BUZZ_CSV_ISSUE_EXAMPLES;
        for (int64_t e = 0; e < from->counts[k] && e < BUZZ_CSV_ISSUE_EXAMPLES &&
                            have < BUZZ_CSV_ISSUE_EXAMPLES;
             e++)
            into->examples[k][have++] = from->examples[k][e];
        into->counts[k] += from->counts[k];
    }
    into->rows += from->rows;
    into->blank_lines += from->blank_lines;
    into->comment_lines += from->comment_lines;
    into->bytes_read += from->bytes_read;
}

static buzz_status set_source_name(buzz_schema *sc, const conv_input *in, size_t n,
                                   buzz_error *err)
{
    buzz_buf b;
    buzz_buf_init(&b, 0);
    buzz_status st = BUZZ_OK;
    for (size_t k = 0; st == BUZZ_OK && k < n; k++) {
        if (k)
            st = buzz_buf_append(&b, ", ", 2, err);
        if (st == BUZZ_OK)
            st = buzz_buf_append(&b, in[k].name, strlen(in[k].name), err);
    }
    if (st == BUZZ_OK) {
        buzz_free(sc->source_name);
        sc->source_name = buzz_strndup(b.data ? (const char *)b.data : "", b.len);
        if (!sc->source_name)
            st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    }
    buzz_buf_free(&b);
    return st;
}

buzz_status buzz_convert(const buzz_convert_options *opts, buzz_convert_summary *out,
                         buzz_error *err)
{
    memset(out, 0, sizeof *out);
    out->input_bytes = -1;
    const char *const *paths = opts->inputs;
    size_t n_in = opts->input_count;
    if (!paths || n_in == 0) {
        paths = &opts->input;
        n_in = opts->input ? 1 : 0;
    }
    if (n_in == 0 || !opts->output)
        return buzz_error_set(err, BUZZ_ERR_ARG, "an input and an output path are needed");
    size_t stdin_uses = 0;
    for (size_t k = 0; k < n_in; k++) {
        if (!paths[k])
            return buzz_error_set(err, BUZZ_ERR_ARG, "input %zu has no path", k + 1);
        stdin_uses += strcmp(paths[k], "-") == 0;
    }
    if (stdin_uses > 1)
        return buzz_error_set(err, BUZZ_ERR_ARG, "standard input (-) can be read only once");
    buzz_output_format fmt = opts->format;
    if (fmt == BUZZ_OUTPUT_AUTO) {
        fmt = buzz_output_format_of(opts->output);
        if (fmt == BUZZ_OUTPUT_AUTO)
            return buzz_error_set(err, BUZZ_ERR_ARG,
                                  "cannot tell the output format from \"%.200s\": name it "
                                  ".parquet or .csv",
                                  opts->output);
    }
    conv c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.input_count = n_in;
    c.rejects_file.fd = -1;
    buzz_buf_init(&c.rejects_buf, 0);
    char spill[1024] = "";
    buzz_csv_reader *rd = NULL;
    buzz_typed_batch tb;
    memset(&tb, 0, sizeof tb);
    buzz_typed_column *perm = NULL;
    buzz_csv_out *w = NULL;
    buzz_parquet_writer *pw = NULL;
    buzz_infer *state = NULL;
    buzz_schema names;
    memset(&names, 0, sizeof names);
    buzz_schema *sc = &out->schema;
    buzz_status st = BUZZ_OK;
    conv_input *in = buzz_calloc(n_in, sizeof *in);
    out->inputs = buzz_calloc(n_in, sizeof *out->inputs);
    if (!in || !out->inputs) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
        goto done;
    }
    out->input_count = n_in;
    for (size_t k = 0; k < n_in; k++) {
        in[k].path = paths[k];
        in[k].name = paths[k];
        out->inputs[k].path = paths[k];
        out->inputs[k].input_bytes = -1;
        if (strcmp(paths[k], "-") == 0) {
            if ((st = spill_stdin(opts, spill, sizeof spill, err)) != BUZZ_OK)
                goto done;
            in[k].path = spill;
            in[k].name = "stdin";
        }
        struct stat sb;
        memset(&sb, 0, sizeof sb);
        bool ok = stat(in[k].path, &sb) == 0;
        in[k].weight = ok && sb.st_size > 0 ? (int64_t)sb.st_size : 1;
        in[k].has_stamp = ok && S_ISREG(sb.st_mode);
        in[k].stamp = sb;
        c.weight_total += in[k].weight;
    }
    if (opts->memory_limit && opts->memory_limit < BUZZ_CONVERT_MIN_MEMORY) {
        st = buzz_error_set(err, BUZZ_ERR_ARG, "a memory limit of at least %zu MiB is needed",
                            BUZZ_CONVERT_MIN_MEMORY >> 20);
        goto done;
    }
    buzz_csv_options ro = opts->csv;
    merge_csv_options(&ro, opts->user_schema);
    unsigned threads = ro.threads ? ro.threads : buzz_cpu_count();
    buzz_convert_plan plan;
    buzz_convert_plan_memory(opts->memory_limit, threads, 1, &plan);
    if (!ro.chunk_bytes)
        ro.chunk_bytes = plan.chunk_bytes;
    ro.on_progress = on_reader_progress;
    ro.progress_user = &c;
    ro.is_cancelled = on_reader_cancel;
    ro.cancel_user = &c;

    /* Pass 1: the values are typed on the reader's threads (buzz_infer_hook), merged in order,
     * input after input. */
    int64_t t0 = buzz_now_ns();
    c.phase = BUZZ_PHASE_INFER;
    buzz_infer_options io = opts->infer;
    if (opts->user_schema && opts->user_schema->has_nulls && !io.nulls)
        io.nulls = &opts->user_schema->nulls;
    if (opts->user_schema && opts->user_schema->has_date_order && !io.has_date_order) {
        io.has_date_order = true;
        io.date_order = opts->user_schema->date_order;
    }
    int64_t rows1 = 0, source_bytes = 0;
    for (size_t k = 0; k < n_in; k++) {
        c.current = k;
        c.current_name = in[k].name;
        c.current_weight = in[k].weight;
        buzz_csv_options ro1 = ro;
        if (!ro1.source_name || n_in > 1)
            ro1.source_name = in[k].name;
        buzz_infer_hook(&io, &ro1.batch_hook); /* idle when no batch is read (user types only) */
        if ((st = buzz_csv_reader_open(&rd, in[k].path, &ro1, err)) != BUZZ_OK)
            goto done;
        in[k].dialect = *buzz_csv_reader_dialect(rd);
        const buzz_str *hdr;
        size_t ncols;
        buzz_csv_reader_columns(rd, &hdr, &ncols);
        if (k == 0) {
            out->inferred = !schema_covers_all(opts->user_schema, ncols);
            if (out->inferred) {
                buzz_infer_options o = io;
                if (!o.delimiter)
                    o.delimiter = in[0].dialect.delimiter;
                if ((st = buzz_infer_new(&state, ncols, &o, err)) != BUZZ_OK)
                    goto done;
            }
        }
        buzz_schema_free(&names);
        if ((st = buzz_schema_from_infer(&names, NULL, ncols,
                                         in[k].dialect.has_header ? hdr : NULL, NULL, NULL,
                                         err)) != BUZZ_OK)
            goto done;
        if (k == 0) {
            /* The output is named after the first input's header. */
            *sc = names;
            memset(&names, 0, sizeof names);
        } else if ((st = match_columns(&in[k], sc, &in[0], &names, k, err)) != BUZZ_OK) {
            goto done;
        }
        int64_t rows = 0;
        if (state && (st = buzz_infer_reader(rd, state, in[k].map, count_rows, &c, &rows, err)) !=
                         BUZZ_OK)
            goto done;
        rows1 += rows;
        if (state) {
            const int64_t *cuts;
            size_t ncuts;
            buzz_csv_reader_cuts(rd, &cuts, &ncuts);
            if (ncuts) {
                in[k].cuts = buzz_malloc(ncuts * sizeof *cuts);
                if (!in[k].cuts) {
                    st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
                    goto done;
                }
                memcpy(in[k].cuts, cuts, ncuts * sizeof *cuts);
                in[k].cut_count = ncuts;
            }
        }
        int64_t bytes = buzz_csv_reader_input_bytes(rd);
        source_bytes = source_bytes < 0 || bytes < 0 ? -1 : source_bytes + bytes;
        buzz_csv_reader_close(rd);
        rd = NULL;
        c.weight_done += in[k].weight;
        if (k + 1 == n_in && state)
            progress_pass_end(&c, bytes);
    }
    /* The output schema: the first input's names, the types of every input's values. */
    for (size_t i = 0; state && i < sc->column_count; i++)
        buzz_infer_column(state, i, &sc->columns[i]);
    sc->has_dialect = true;
    sc->dialect = in[0].dialect;
    if (io.nulls) {
        sc->has_nulls = true;
        sc->nulls = *io.nulls;
    }
    if (io.has_date_order) {
        sc->has_date_order = true;
        sc->date_order = io.date_order;
    }
    sc->row_count = out->inferred ? rows1 : -1;
    sc->source_bytes = source_bytes;
    if ((st = set_source_name(sc, in, n_in, err)) != BUZZ_OK)
        goto done;
    if (opts->user_schema && (st = buzz_schema_apply(sc, opts->user_schema, err)) != BUZZ_OK)
        goto done;
    int64_t t1 = buzz_now_ns();
    out->infer_ns = t1 - t0;

    /* Pass 2. */
    c.phase = BUZZ_PHASE_WRITE;
    c.weight_done = 0;
    c.rows_done = 0;
    if (opts->rejects_path &&
        (st = buzz_atomic_file_open(&c.rejects_file, opts->rejects_path, err)) != BUZZ_OK)
        goto done;
    if (opts->rejects_path) {
        const char *head = n_in > 1 ? "file,line,column,value,reason\r\n"
                                    : "line,column,value,reason\r\n";
        if ((st = buzz_buf_append(&c.rejects_buf, head, strlen(head), err)) != BUZZ_OK)
            goto done;
    }
    buzz_parquet_options po = opts->parquet;
    if (po.threads == 0)
        po.threads = threads;
    buzz_convert_plan_memory(opts->memory_limit, threads, sc->column_count, &plan);
    if (!po.row_group_bytes)
        po.row_group_bytes = plan.row_group_bytes;
    if (!po.page_bytes)
        po.page_bytes = plan.page_bytes;
    if (!po.dictionary_bytes)
        po.dictionary_bytes = plan.dictionary_bytes;
    if (fmt == BUZZ_OUTPUT_PARQUET)
        st = buzz_parquet_writer_open(&pw, opts->output, sc, &po, err);
    else
        st = buzz_csv_out_open(&w, opts->output, sc, err);
    if (st != BUZZ_OK)
        goto done;
    perm = buzz_calloc(sc->column_count ? sc->column_count : 1, sizeof *perm);
    if (!perm) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
        goto done;
    }
    int64_t rows = 0;
    for (size_t k = 0; k < n_in; k++) {
        c.current = k;
        c.current_name = in[k].name;
        c.current_weight = in[k].weight;
        if ((st = make_view(&in[k], sc, err)) != BUZZ_OK)
            goto done;
        const buzz_schema *isc = input_schema(&in[k], sc);
        buzz_csv_options ro2 = ro;
        if (!ro2.source_name || n_in > 1)
            ro2.source_name = in[k].name;
        ro2.checksum = n_in == 1; /* the source's CRC-32 goes into the output's metadata */
        ro2.batch_hook = (buzz_csv_batch_hook){fill_hook_run, fill_hook_free, (void *)isc};
        ro2.known_cuts = in[k].cuts;
        ro2.known_cut_count = in[k].cut_count;
        if ((st = buzz_csv_reader_open(&rd, in[k].path, &ro2, err)) != BUZZ_OK)
            goto done;
        if (BUZZ_NEVER(!same_dialect(&in[k].dialect, buzz_csv_reader_dialect(rd)))) {
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                                "the second reading of %.200s found a different dialect",
                                in[k].name);
            goto done;
        }
        int64_t in_rows = 0;
        for (;;) {
            const buzz_csv_batch *b;
            if ((st = buzz_csv_reader_next(rd, &b, err)) != BUZZ_OK)
                goto done;
            if (!b)
                break;
            buzz_typed_batch *ready = &tb;
            if (b->hook_state) {
                fill_state *fs = b->hook_state;
                report_rejects(&c, isc, b, fs);
                ready = &fs->tb;
            } else if ((st = buzz_typed_batch_fill(&tb, b, isc, on_reject, &c, err)) != BUZZ_OK) {
                goto done;
            }
            if (c.rejects_st != BUZZ_OK) {
                st = c.rejects_st;
                if (err)
                    *err = c.rejects_err;
                goto done;
            }
            buzz_typed_batch view = *ready;
            if (in[k].inv) {
                for (size_t i = 0; i < sc->column_count; i++)
                    perm[i] = ready->columns[in[k].inv[i]];
                view.columns = perm;
            }
            view.first_row = rows;
            st = pw ? buzz_parquet_writer_write(pw, &view, err) : buzz_csv_out_write(w, &view, err);
            if (st != BUZZ_OK)
                goto done;
            rows += (int64_t)b->row_count;
            in_rows += (int64_t)b->row_count;
            c.rows_done = rows;
        }
        buzz_convert_input *oi = &out->inputs[k];
        oi->rows = in_rows;
        oi->dialect = in[k].dialect;
        oi->report = *buzz_csv_reader_report(rd);
        oi->input_bytes = buzz_csv_reader_input_bytes(rd);
        merge_report(&out->report, &oi->report);
        out->input_bytes = k == 0 ? oi->input_bytes
                           : out->input_bytes < 0 || oi->input_bytes < 0
                               ? -1
                               : out->input_bytes + oi->input_bytes;
        if (n_in == 1) {
            sc->has_source_crc32 = true;
            sc->source_crc32 = buzz_csv_reader_checksum(rd);
        }
        buzz_csv_reader_close(rd);
        rd = NULL;
        if ((st = check_unchanged(&in[k], err)) != BUZZ_OK)
            goto done;
        c.weight_done += in[k].weight;
        if (k + 1 == n_in)
            progress_pass_end(&c, oi->input_bytes);
    }
    if (opts->rejects_path) {
        if ((st = buzz_atomic_file_write(&c.rejects_file, c.rejects_buf.data, c.rejects_buf.len,
                                         err)) != BUZZ_OK)
            goto done;
    }
    out->rows = rows;
    out->rejects = c.rejects;
    sc->row_count = rows;
    sc->has_rejects = true;
    sc->reject_count = c.rejects;
    if (pw) {
        char *json = NULL;
        st = buzz_schema_to_json(sc, BUZZ_SCHEMA_JSON_STATS | BUZZ_SCHEMA_JSON_COMPACT, &json, err);
        if (st != BUZZ_OK)
            goto done;
        st = buzz_parquet_writer_set_metadata(pw, json, err);
        buzz_free(json);
        if (st == BUZZ_OK)
            st = buzz_parquet_writer_commit(pw, &out->output_bytes, err);
    } else {
        st = buzz_csv_out_commit(w, &out->output_bytes, err);
    }
    if (st != BUZZ_OK)
        goto done;
    if (opts->rejects_path && (st = buzz_atomic_file_commit(&c.rejects_file, err)) != BUZZ_OK)
        goto done;
    out->write_ns = buzz_now_ns() - t1;
done:
    buzz_csv_out_close(w); /* removes the temp file unless committed */
    buzz_parquet_writer_close(pw);
    buzz_atomic_file_abort(&c.rejects_file);
    buzz_buf_free(&c.rejects_buf);
    buzz_typed_batch_free(&tb);
    buzz_free(perm);
    buzz_csv_reader_close(rd);
    buzz_infer_free(state);
    buzz_schema_free(&names);
    input_list_free(in, n_in);
    if (spill[0])
        unlink(spill);
    if (st != BUZZ_OK)
        buzz_convert_summary_free(out);
    return st;
}

void buzz_convert_summary_free(buzz_convert_summary *s)
{
    if (!s)
        return;
    buzz_schema_free(&s->schema);
    buzz_free(s->inputs);
    s->inputs = NULL;
    s->input_count = 0;
}
