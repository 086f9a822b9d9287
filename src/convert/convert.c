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
} conv;

static void on_reader_progress(void *user, int64_t done, int64_t total)
{
    conv *c = user;
    if (c->opts->on_progress)
        c->opts->on_progress(c->opts->progress_user, c->phase, done, total);
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
    buzz_status st = buzz_buf_printf(b, &c->rejects_err, "%lld,", (long long)r->line);
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
    if (!o->header)
        o->header = u->header;
    if (!o->newline)
        o->newline = u->newline;
    if (!o->has_skip_lines && u->has_skip_lines) {
        o->has_skip_lines = true;
        o->skip_lines = u->skip_lines;
    }
}

static bool same_dialect(const buzz_csv_dialect *a, const buzz_csv_dialect *b)
{
    return a->encoding == b->encoding && a->delimiter == b->delimiter && a->quote == b->quote &&
           a->escape == b->escape && a->comment == b->comment && a->newline == b->newline &&
           a->has_header == b->has_header && a->skip_lines == b->skip_lines &&
           a->column_count == b->column_count &&
           a->trailing_empty_columns == b->trailing_empty_columns &&
           a->footer_lines == b->footer_lines && a->merge_delimiters == b->merge_delimiters;
}

/* Build the file's schema without inference: names from the header, every column text. */
static buzz_status plain_schema(buzz_csv_reader *rd, buzz_schema *out, buzz_error *err)
{
    const buzz_str *names;
    size_t n;
    buzz_csv_reader_columns(rd, &names, &n);
    memset(out, 0, sizeof *out);
    BUZZ_TRY(buzz_schema_init_columns(out, n, err));
    for (size_t i = 0; i < n; i++) {
        out->columns[i].description = buzz_strndup("", 0);
        if (!out->columns[i].description)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    }
    const buzz_csv_dialect *d = buzz_csv_reader_dialect(rd);
    BUZZ_TRY(buzz_schema_set_names(out, d->has_header ? names : NULL, err));
    out->context = buzz_strndup("", 0);
    out->source_name = buzz_strndup("", 0);
    if (!out->context || !out->source_name)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    out->has_dialect = true;
    out->dialect = *d;
    out->source_bytes = buzz_csv_reader_input_bytes(rd);
    out->row_count = -1;
    return BUZZ_OK;
}

buzz_status buzz_convert(const buzz_convert_options *opts, buzz_convert_summary *out,
                         buzz_error *err)
{
    memset(out, 0, sizeof *out);
    out->input_bytes = -1;
    if (!opts->input || !opts->output)
        return buzz_error_set(err, BUZZ_ERR_ARG, "an input and an output path are needed");
    buzz_output_format fmt = opts->format;
    if (fmt == BUZZ_OUTPUT_AUTO) {
        if (ends_with(opts->output, ".csv"))
            fmt = BUZZ_OUTPUT_CSV;
        else if (ends_with(opts->output, ".parquet") || ends_with(opts->output, ".pq"))
            fmt = BUZZ_OUTPUT_PARQUET;
        else
            return buzz_error_set(err, BUZZ_ERR_ARG,
                                  "cannot tell the output format from \"%.200s\": name it "
                                  ".parquet or .csv",
                                  opts->output);
    }
    conv c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.rejects_file.fd = -1;
    buzz_buf_init(&c.rejects_buf, 0);
    char spill[1024] = "";
    const char *path = opts->input;
    buzz_csv_reader *rd = NULL;
    buzz_typed_batch tb;
    memset(&tb, 0, sizeof tb);
    buzz_csv_out *w = NULL;
    buzz_parquet_writer *pw = NULL;
    buzz_schema *sc = &out->schema;
    buzz_status st = BUZZ_OK;

    if (strcmp(path, "-") == 0) {
        st = spill_stdin(opts, spill, sizeof spill, err);
        if (st != BUZZ_OK)
            goto done;
        path = spill;
    }
    buzz_csv_options ro = opts->csv;
    merge_csv_options(&ro, opts->user_schema);
    ro.on_progress = on_reader_progress;
    ro.progress_user = &c;
    ro.is_cancelled = on_reader_cancel;
    ro.cancel_user = &c;
    if (!ro.source_name)
        ro.source_name = spill[0] ? "stdin" : opts->input;

    /* Pass 1. */
    int64_t t0 = buzz_now_ns();
    c.phase = BUZZ_PHASE_INFER;
    if ((st = buzz_csv_reader_open(&rd, path, &ro, err)) != BUZZ_OK)
        goto done;
    buzz_csv_dialect dialect1 = *buzz_csv_reader_dialect(rd);
    buzz_infer_options io = opts->infer;
    io.delimiter = dialect1.delimiter;
    if (opts->user_schema && opts->user_schema->has_nulls && !io.nulls)
        io.nulls = &opts->user_schema->nulls;
    if (opts->user_schema && opts->user_schema->has_date_order && !io.has_date_order) {
        io.has_date_order = true;
        io.date_order = opts->user_schema->date_order;
    }
    out->inferred = !schema_covers_all(opts->user_schema, dialect1.column_count);
    if (out->inferred)
        st = buzz_schema_infer(rd, &io, ro.threads ? ro.threads : buzz_cpu_count(), NULL, NULL,
                               sc, err);
    else
        st = plain_schema(rd, sc, err);
    if (st != BUZZ_OK)
        goto done;
    if (io.nulls && !sc->has_nulls) {
        sc->has_nulls = true;
        sc->nulls = *io.nulls;
    }
    buzz_free(sc->source_name);
    sc->source_name = buzz_strndup(spill[0] ? "stdin" : opts->input,
                                   strlen(spill[0] ? "stdin" : opts->input));
    if (!sc->source_name) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (opts->user_schema && (st = buzz_schema_apply(sc, opts->user_schema, err)) != BUZZ_OK)
        goto done;
    buzz_csv_reader_close(rd);
    rd = NULL;
    int64_t t1 = buzz_now_ns();
    out->infer_ns = t1 - t0;

    /* Pass 2. */
    c.phase = BUZZ_PHASE_WRITE;
    buzz_csv_options ro2 = ro;
    ro2.checksum = true; /* the source's CRC-32 goes into the output's metadata */
    if ((st = buzz_csv_reader_open(&rd, path, &ro2, err)) != BUZZ_OK)
        goto done;
    if (BUZZ_NEVER(!same_dialect(&dialect1, buzz_csv_reader_dialect(rd)))) {
        st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                            "the second reading of %.200s found a different dialect",
                            opts->input);
        goto done;
    }
    if (opts->rejects_path &&
        (st = buzz_atomic_file_open(&c.rejects_file, opts->rejects_path, err)) != BUZZ_OK)
        goto done;
    if (opts->rejects_path &&
        (st = buzz_buf_append(&c.rejects_buf, "line,column,value,reason\r\n", 26, err)) != BUZZ_OK)
        goto done;
    buzz_parquet_options po = opts->parquet;
    if (po.threads == 0)
        po.threads = ro.threads ? ro.threads : buzz_cpu_count();
    if (fmt == BUZZ_OUTPUT_PARQUET)
        st = buzz_parquet_writer_open(&pw, opts->output, sc, &po, err);
    else
        st = buzz_csv_out_open(&w, opts->output, sc, err);
    if (st != BUZZ_OK)
        goto done;
    int64_t rows = 0;
    unsigned threads = ro.threads ? ro.threads : buzz_cpu_count();
    for (;;) {
        const buzz_csv_batch *b;
        if ((st = buzz_csv_reader_next(rd, &b, err)) != BUZZ_OK)
            goto done;
        if (!b)
            break;
        if ((st = buzz_typed_batch_fill(&tb, b, sc, threads, on_reject, &c, err)) != BUZZ_OK)
            goto done;
        if (c.rejects_st != BUZZ_OK) {
            st = c.rejects_st;
            if (err)
                *err = c.rejects_err;
            goto done;
        }
        st = pw ? buzz_parquet_writer_write(pw, &tb, err) : buzz_csv_out_write(w, &tb, err);
        if (st != BUZZ_OK)
            goto done;
        rows += (int64_t)b->row_count;
    }
    out->report = *buzz_csv_reader_report(rd);
    out->input_bytes = buzz_csv_reader_input_bytes(rd);
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
    sc->has_source_crc32 = true;
    sc->source_crc32 = buzz_csv_reader_checksum(rd);
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
    out->rows = rows;
    out->rejects = c.rejects;
    sc->row_count = rows;
    out->write_ns = buzz_now_ns() - t1;
done:
    buzz_csv_out_close(w); /* removes the temp file unless committed */
    buzz_parquet_writer_close(pw);
    buzz_atomic_file_abort(&c.rejects_file);
    buzz_buf_free(&c.rejects_buf);
    buzz_typed_batch_free(&tb);
    buzz_csv_reader_close(rd);
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
}
