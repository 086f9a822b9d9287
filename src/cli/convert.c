/* cli/convert.c: `buzz convert INPUT -o OUTPUT`. Runs the library conversion (buzz/convert.h) and
 * prints a summary on stderr (rows, columns and types, rejects, irregular rows, time, MB/s, output
 * size), or with --json the summary and the schema document as JSON on stdout. */
#include "cancel.h"
#include "cli.h"
#include "opts.h"

#include "buzz/convert.h"
#include "buzz/profile.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Ctrl-C and SIGTERM cancel the conversion: the library stops between chunks and removes its
 * temp files, so no partial output is ever left; a second signal ends the process at once. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    if (got_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    got_signal = sig;
}

static bool is_cancelled(void *user)
{
    (void)user;
    return got_signal != 0;
}

/* Progress: a bar on a terminal (percent, MB/s, rows/s, ETA), or JSON lines with
 * --progress=json, at most four times per second, and once at the end of each pass. Rates are
 * those of the current pass; the first pass (types) counts as 30% of the work, the second 70%
 * (what the two passes take on typical files). */
typedef enum { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_JSON, PROGRESS_OFF } progress_mode;

typedef struct progress {
    progress_mode mode;
    int64_t t0_ns, phase_t0_ns, last_ns;
    int phase;
    bool drew;
} progress;

#define INFER_SHARE 0.3

static void on_progress(void *user, const buzz_convert_progress *pr)
{
    progress *p = user;
    int64_t now = buzz_now_ns();
    if (p->phase != (int)pr->phase) {
        p->phase = (int)pr->phase;
        p->phase_t0_ns = now;
        p->last_ns = 0;
    }
    bool pass_end = pr->bytes_total >= 0 && pr->bytes_done >= pr->bytes_total;
    if (p->last_ns && now - p->last_ns < 250000000 && !pass_end)
        return;
    p->last_ns = now;
    double secs = (double)(now - p->t0_ns) / 1e9;
    double psecs = (double)(now - p->phase_t0_ns) / 1e9;
    double frac = pr->bytes_total > 0 ? (double)pr->bytes_done / (double)pr->bytes_total : -1;
    if (frac > 1)
        frac = 1;
    bool infer = pr->phase == BUZZ_PHASE_INFER;
    double overall = frac < 0 ? -1 : infer ? frac * INFER_SHARE : INFER_SHARE + frac * (1 - INFER_SHARE);
    double mbs = psecs > 0 ? (double)pr->bytes_done / 1e6 / psecs : 0;
    double rps = psecs > 0 ? (double)pr->rows_done / psecs : 0;
    /* What is left of this pass at its rate, plus the write pass after the types pass (about
     * (1 - share) / share times as long). */
    double eta = -1;
    if (frac > 0.005 && psecs > 0) {
        double left = psecs * (1 - frac) / frac;
        if (infer)
            left += psecs / frac * (1 - INFER_SHARE) / INFER_SHARE;
        eta = left;
    }
    const char *pname = infer ? "types" : "write";
    if (p->mode == PROGRESS_JSON) {
        fprintf(stderr,
                "{\"phase\":\"%s\",\"bytes_done\":%lld,\"bytes_total\":%lld,\"rows_done\":%lld,"
                "\"input\":%zu,\"inputs\":%zu,\"percent\":%.1f,\"mb_per_s\":%.1f,"
                "\"rows_per_s\":%.0f,\"eta_seconds\":%.1f,\"seconds\":%.2f}\n",
                pname, (long long)pr->bytes_done, (long long)pr->bytes_total,
                (long long)pr->rows_done, pr->input + 1, pr->input_count,
                overall < 0 ? -1.0 : overall * 100, mbs, rps, eta, secs);
        return;
    }
    char bar[31];
    int fill = overall < 0 ? 0 : (int)(overall * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    char rows[32];
    if (rps >= 1e6)
        snprintf(rows, sizeof rows, "%.1fM rows/s", rps / 1e6);
    else
        snprintf(rows, sizeof rows, "%.0fk rows/s", rps / 1e3);
    char inputs[64] = "";
    if (pr->input_count > 1)
        snprintf(inputs, sizeof inputs, " (input %zu of %zu)", pr->input + 1, pr->input_count);
    if (overall < 0)
        fprintf(stderr, "\r  %s%s: %lld MB, %.0f MB/s, %s   ", pname, inputs,
                (long long)(pr->bytes_done / 1000000), mbs, rows);
    else if (eta >= 0)
        fprintf(stderr, "\r  [%s] %3.0f%% %s%s, %.0f MB/s, %s, ETA %.0f s   ", bar, overall * 100,
                pname, inputs, mbs, rows, eta);
    else
        fprintf(stderr, "\r  [%s] %3.0f%% %s%s   ", bar, overall * 100, pname, inputs);
    p->drew = true;
}

/* --profile FILE: the column profiles of the finished Parquet output (buzz/profile.h), written
 * atomically. The output is already committed then; a failed or interrupted profile leaves it
 * and writes no profile. Ctrl-C and SIGTERM cancel DuckDB's work through cli/cancel.c's signal
 * thread. Returns 0, or the signal that stopped it as a negative number, or an exit code. */
typedef struct profile_run {
    const char *path;
    int64_t elapsed_ms;
    size_t columns;
} profile_run;

static int write_profile(const char *parquet, profile_run *pr)
{
    buzz_cli_cancel sig;
    buzz_cli_cancel_block(&sig);
    buzz_query_dataset ds = {"data", parquet};
    buzz_query_options qo;
    memset(&qo, 0, sizeof qo);
    qo.timeout_ms = 300000; /* the profile's own default budget */
    buzz_error err;
    buzz_query_engine *engine = NULL;
    buzz_query_conn *conn = NULL;
    buzz_profile *p = NULL;
    buzz_buf out;
    buzz_buf_init(&out, 0);
    int rc = BUZZ_EXIT_OK;
    buzz_status st = buzz_query_engine_open(&engine, &ds, 1, &qo, &err);
    if (st == BUZZ_OK)
        st = buzz_query_conn_open(engine, &conn, &err);
    if (st == BUZZ_OK) {
        buzz_cli_cancel_start(&sig, conn);
        st = buzz_profile_dataset(conn, 0, NULL, &p, &err);
        int got = buzz_cli_cancel_stop(&sig);
        if (got)
            rc = -got;
    }
    if (rc == BUZZ_EXIT_OK && st == BUZZ_OK)
        st = buzz_profile_to_json(p, &out, &err);
    if (rc == BUZZ_EXIT_OK && st == BUZZ_OK) {
        buzz_atomic_file f = {-1, NULL, NULL, false};
        st = buzz_atomic_file_open(&f, pr->path, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_write(&f, out.data, out.len, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_commit(&f, &err);
        buzz_atomic_file_abort(&f);
    }
    if (rc == BUZZ_EXIT_OK && st != BUZZ_OK) {
        fprintf(stderr, "buzz convert: %s was written, but not its profile: %s\n", parquet,
                err.message);
        rc = st == BUZZ_ERR_NOMEM || st == BUZZ_ERR_INTERNAL ? BUZZ_EXIT_INTERNAL
                                                             : BUZZ_EXIT_DATA;
    }
    if (p) {
        pr->elapsed_ms = p->elapsed_ms;
        pr->columns = p->column_count;
    }
    buzz_buf_free(&out);
    buzz_profile_free(p);
    buzz_query_conn_close(conn);
    buzz_query_engine_close(engine);
    buzz_cli_cancel_unblock(&sig);
    return rc;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: buzz convert INPUT... -o OUTPUT [options]\n\n"
            "Convert CSV into typed Parquet (or a clean, typed CSV). Every value of the input is read to\n"
            "decide each column's type, then every value is converted; values that do not fit a\n"
            "type given in --schema become empty (NULL) and are listed with --rejects.\n"
            "INPUT may be - for standard input, and may be .gz or .zst compressed. Several inputs\n"
            "go into one output, one after the other: each must have the same columns as the\n"
            "first, matched by name (in any order); the types fit the values of all of them.\n\n"
            "Options:\n"
            "  -o, --output FILE  output file; its extension picks the format: .parquet (typed,\n"
            "                     compressed) or .csv (RFC 4180, UTF-8, typed values in\n"
            "                     canonical form)\n"
            "  --compression C    Parquet codec: snappy (default), zstd, lz4, gzip, none;\n"
            "                     zstd:LEVEL (1-22) or gzip:LEVEL (1-9) set a level\n"
            "  --row-group-size N rows per Parquet row group (default %d)\n"
            "  --schema FILE      a schema document (docs/schema.md, e.g. edited output of\n"
            "                     `buzz sniff --json`): types, formats, names, descriptions\n"
            "  --memory-limit SIZE  peak memory to plan for, e.g. 128M or 1G (default 256M,\n"
            "                     at least 96M): sizes chunks, row groups, pages, dictionaries\n"
            "  --rejects FILE     write values that did not fit their type as CSV\n"
            "                     (line,column,value,reason; with several inputs file,line,...)\n"
            "  --profile FILE     also write the column profiles of the Parquet output\n"
            "                     (docs/profile.md: nulls, distinct counts, min/max, mean,\n"
            "                     top values, histograms) to FILE as JSON\n"
            "  --json             print the summary as JSON on stdout\n"
            "  -q, --quiet        no summary and no progress on stderr\n"
            "  --progress[=json]  show progress on stderr (default: a bar when stderr is a\n"
            "                     terminal); json: one JSON object per line\n"
            "  -h, --help         show this help\n\n%s\n%s",
            BUZZ_PARQUET_DEFAULT_ROW_GROUP_ROWS, buzz_cli_csv_options_help(),
            buzz_cli_type_options_help());
}

/* A size in bytes with an optional K, M, G or T suffix (powers of 1024; "MB", "MiB" too). */
static bool parse_size(const char *v, uint64_t *out)
{
    char digits[32];
    size_t n = 0;
    while (v[n] >= '0' && v[n] <= '9' && n < sizeof digits - 1) {
        digits[n] = v[n];
        n++;
    }
    digits[n] = 0;
    uint64_t x;
    if (n == 0 || !buzz_cli_parse_u64(digits, &x))
        return false;
    const char *u = v + n;
    unsigned shift = 0;
    switch (*u) {
    case 0: break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return false;
    }
    if (*u) {
        u++;
        if (strcmp(u, "") != 0 && strcmp(u, "B") != 0 && strcmp(u, "iB") != 0 &&
            strcmp(u, "b") != 0)
            return false;
    }
    if (shift && x > (UINT64_MAX >> shift))
        return false;
    *out = x << shift;
    return true;
}

static int parse_compression(const char *v, buzz_parquet_options *p)
{
    char name[32];
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);
    if (n >= sizeof name)
        return buzz_cli_usage_error("convert", "unknown compression \"%.40s\"", v);
    memcpy(name, v, n);
    name[n] = '\0';
    buzz_error err;
    if (buzz_parquet_codec_parse(name, &p->codec, &err) != BUZZ_OK)
        return buzz_cli_usage_error("convert", "--compression: %s", err.message);
    if (colon) {
        uint64_t level;
        int max = p->codec == BUZZ_PARQUET_ZSTD ? 22 : p->codec == BUZZ_PARQUET_GZIP ? 9 : 0;
        if (max == 0)
            return buzz_cli_usage_error("convert", "only zstd and gzip take a level");
        if (!buzz_cli_parse_u64(colon + 1, &level) || level < 1 || level > (uint64_t)max)
            return buzz_cli_usage_error("convert", "the %s level must be 1 to %d", name, max);
        p->level = (int)level;
    }
    return 0;
}

static char *read_text_file(const char *path, size_t *out_len, buzz_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        buzz_error_set(err, BUZZ_ERR_IO, "cannot open the schema file %.200s", path);
        return NULL;
    }
    buzz_buf b;
    buzz_buf_init(&b, 64u << 20);
    char chunk[65536];
    size_t n;
    buzz_status st = BUZZ_OK;
    while (st == BUZZ_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = buzz_buf_append(&b, chunk, n, err);
    fclose(f);
    if (st != BUZZ_OK) {
        buzz_buf_free(&b);
        return NULL;
    }
    char *text = buzz_strndup(b.data ? (const char *)b.data : "", b.len);
    *out_len = b.len;
    buzz_buf_free(&b);
    if (!text)
        buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory");
    return text;
}

static void print_summary(const buzz_convert_summary *s, const char *output)
{
    const buzz_schema *sc = &s->schema;
    double secs = (double)(s->infer_ns + s->write_ns) / 1e9;
    double mb = s->input_bytes > 0 ? (double)s->input_bytes / 1e6 : 0;
    size_t included = 0;
    for (size_t c = 0; c < sc->column_count; c++)
        included += sc->columns[c].include;
    fprintf(stderr, "buzz convert: %lld rows, %zu columns -> %s (%lld bytes)\n",
            (long long)s->rows, included, output, (long long)s->output_bytes);
    for (size_t c = 0; c < sc->column_count; c++) {
        const buzz_column_def *d = &sc->columns[c];
        if (!d->include)
            continue;
        char tt[32];
        fprintf(stderr, "  %-28.28s %s%s%s\n", d->name, buzz_column_type_text(d, tt, sizeof tt),
                d->unit ? " unit " : "", buzz_unit_symbol(d->unit));
    }
    if (s->input_count > 1) {
        for (size_t k = 0; k < s->input_count; k++)
            fprintf(stderr, "  input %s: %lld rows\n", s->inputs[k].path,
                    (long long)s->inputs[k].rows);
    }
    fprintf(stderr, "  rejected values: %lld\n", (long long)s->rejects);
    bool ragged = false;
    for (size_t k = 0; k < s->input_count; k++) {
        const buzz_convert_input *in = &s->inputs[k];
        ragged |= in->dialect.ragged_rows;
        /* Lines above the table are no rows: say so, they are not in the output (Excel's
         * "sep=;" line alone is not worth a line). */
        if (in->dialect.skip_lines > (in->dialect.has_sep_line ? 1 : 0))
            fprintf(stderr, "  skipped lines: %lld before the %s%s%s (titles, notes, blank lines%s;"
                            " --skip N sets the count)\n",
                    (long long)in->dialect.skip_lines, in->dialect.has_header ? "header" : "table",
                    s->input_count > 1 ? " of " : "", s->input_count > 1 ? in->path : "",
                    in->dialect.has_sep_line ? ", the sep= line" : "");
    }
    if (ragged)
        fprintf(stderr, "  ragged rows: rows that leave out trailing empty fields are padded with "
                        "NULL (--no-ragged reports them)\n");
    for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        if (!s->report.counts[k])
            continue;
        /* The first example comes from the first input that has one. */
        size_t from = 0;
        while (from + 1 < s->input_count && !s->inputs[from].report.counts[k])
            from++;
        const buzz_csv_issue *ex = &s->report.examples[k][0];
        fprintf(stderr, "  irregular: %lld %s, first at line %lld%s%s: %s\n",
                (long long)s->report.counts[k], buzz_csv_issue_kind_name((buzz_csv_issue_kind)k),
                (long long)ex->line, s->input_count > 1 ? " of " : "",
                s->input_count > 1 ? s->inputs[from].path : "", ex->message);
    }
    fprintf(stderr, "  time: %.2f s (types %.2f s, write %.2f s)", secs,
            (double)s->infer_ns / 1e9, (double)s->write_ns / 1e9);
    if (mb > 0 && secs > 0)
        fprintf(stderr, ", %.0f MB/s", mb / secs);
    fprintf(stderr, "\n");
}

static int print_json(const buzz_convert_summary *s, const char *output, const profile_run *pr)
{
    char *doc = NULL;
    buzz_error err;
    if (buzz_schema_to_json(&s->schema, BUZZ_SCHEMA_JSON_STATS, &doc, &err) != BUZZ_OK)
        return buzz_cli_report("convert", &err);
    json_error_t je;
    json_t *schema = json_loads(doc, 0, &je);
    buzz_free(doc);
    if (!schema)
        return BUZZ_EXIT_INTERNAL;
    json_t *root = json_object();
    json_object_set_new(root, "output", json_string(output));
    json_object_set_new(root, "rows", json_integer(s->rows));
    json_object_set_new(root, "rejects", json_integer(s->rejects));
    json_object_set_new(root, "input_bytes",
                        s->input_bytes >= 0 ? json_integer(s->input_bytes) : json_null());
    json_object_set_new(root, "output_bytes", json_integer(s->output_bytes));
    json_object_set_new(root, "infer_ms", json_integer(s->infer_ns / 1000000));
    json_object_set_new(root, "write_ms", json_integer(s->write_ns / 1000000));
    json_object_set_new(root, "inferred", json_boolean(s->inferred));
    json_t *irr = json_object();
    for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++)
        json_object_set_new(irr, buzz_cli_issue_key((buzz_csv_issue_kind)k),
                            json_integer(s->report.counts[k]));
    json_object_set_new(root, "irregular", irr);
    json_t *inputs = json_array();
    for (size_t i = 0; i < s->input_count; i++) {
        const buzz_convert_input *in = &s->inputs[i];
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(in->path));
        json_object_set_new(o, "rows", json_integer(in->rows));
        json_object_set_new(o, "input_bytes",
                            in->input_bytes >= 0 ? json_integer(in->input_bytes) : json_null());
        json_t *ir = json_object();
        for (int k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++)
            json_object_set_new(ir, buzz_cli_issue_key((buzz_csv_issue_kind)k),
                                json_integer(in->report.counts[k]));
        json_object_set_new(o, "irregular", ir);
        json_object_set_new(o, "skip_lines", json_integer(in->dialect.skip_lines));
        json_object_set_new(o, "footer_lines", json_integer(in->dialect.footer_lines));
        json_object_set_new(o, "ragged_rows", json_boolean(in->dialect.ragged_rows));
        json_array_append_new(inputs, o);
    }
    json_object_set_new(root, "inputs", inputs);
    if (pr->path) {
        json_t *po = json_object();
        json_object_set_new(po, "path", json_string(pr->path));
        json_object_set_new(po, "ms", json_integer(pr->elapsed_ms));
        json_object_set_new(root, "profile", po);
    }
    json_object_set_new(root, "schema", schema);
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    printf("\n");
    json_decref(root);
    return rc == 0 ? BUZZ_EXIT_OK : BUZZ_EXIT_INTERNAL;
}

int buzz_cli_convert(int argc, char **argv)
{
    buzz_convert_options o;
    memset(&o, 0, sizeof o);
    buzz_cli_type_options to;
    buzz_cli_type_options_init(&to);
    const char *schema_path = NULL;
    bool json = false, quiet = false;
    progress prog = {PROGRESS_AUTO, 0, 0, 0, -1, false};
    size_t n_inputs = 0;
    profile_run prof = {NULL, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return BUZZ_EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        if (strcmp(a, "--progress") == 0) {
            prog.mode = PROGRESS_BAR;
            continue;
        }
        if (strcmp(a, "--progress=json") == 0) {
            prog.mode = PROGRESS_JSON;
            continue;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
            continue;
        }
        const char **slot = NULL;
        const char *name = NULL;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            slot = &o.output;
            name = "--output";
        } else if (strcmp(a, "--schema") == 0) {
            slot = &schema_path;
            name = "--schema";
        } else if (strcmp(a, "--profile") == 0) {
            slot = &prof.path;
            name = "--profile";
        } else if (strcmp(a, "--rejects") == 0) {
            slot = &o.rejects_path;
            name = "--rejects";
        } else if (strcmp(a, "--compression") == 0 || strncmp(a, "--compression=", 14) == 0) {
            const char *v = a[13] == '=' ? a + 14 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return buzz_cli_usage_error("convert", "--compression needs a codec");
            int rc = parse_compression(v, &o.parquet);
            if (rc)
                return rc;
            continue;
        } else if (strcmp(a, "--row-group-size") == 0 || strncmp(a, "--row-group-size=", 17) == 0) {
            const char *v = a[16] == '=' ? a + 17 : (i + 1 < argc ? argv[++i] : NULL);
            uint64_t rows;
            if (!v || !buzz_cli_parse_u64(v, &rows) || rows < 1 || rows > ((uint64_t)1 << 40))
                return buzz_cli_usage_error("convert", "--row-group-size expects a number of rows");
            o.parquet.row_group_rows = (int64_t)rows;
            continue;
        } else if (strcmp(a, "--memory-limit") == 0 || strncmp(a, "--memory-limit=", 15) == 0) {
            const char *v = a[14] == '=' ? a + 15 : (i + 1 < argc ? argv[++i] : NULL);
            uint64_t bytes;
            if (!v || !parse_size(v, &bytes))
                return buzz_cli_usage_error("convert", "--memory-limit expects a size such as "
                                                       "512M or 2G");
            if (bytes < BUZZ_CONVERT_MIN_MEMORY)
                return buzz_cli_usage_error("convert", "--memory-limit must be at least %zuM",
                                            BUZZ_CONVERT_MIN_MEMORY >> 20);
            o.memory_limit = (size_t)bytes;
            continue;
        } else if (strncmp(a, "--output=", 9) == 0) {
            o.output = a + 9;
            continue;
        } else if (strncmp(a, "--schema=", 9) == 0) {
            schema_path = a + 9;
            continue;
        } else if (strncmp(a, "--profile=", 10) == 0) {
            prof.path = a + 10;
            continue;
        } else if (strncmp(a, "--rejects=", 10) == 0) {
            o.rejects_path = a + 10;
            continue;
        }
        if (slot) {
            if (i + 1 >= argc)
                return buzz_cli_usage_error("convert", "%s needs a file name", name);
            *slot = argv[++i];
            continue;
        }
        int m = buzz_cli_parse_csv_option("convert", argc, argv, &i, &o.csv);
        if (m < 0)
            return -m;
        if (m > 0)
            continue;
        m = buzz_cli_parse_type_option("convert", argc, argv, &i, &to);
        if (m < 0)
            return -m;
        if (m > 0)
            continue;
        if (a[0] == '-' && a[1] != '\0')
            return buzz_cli_usage_error("convert", "unknown option \"%.40s\"", a);
        argv[n_inputs++] = argv[i]; /* inputs are gathered at the front of argv */
    }
    if (n_inputs == 0)
        return buzz_cli_usage_error("convert", "missing INPUT");
    o.inputs = (const char *const *)argv;
    o.input_count = n_inputs;
    o.input = argv[0];
    if (!o.output)
        return buzz_cli_usage_error("convert", "missing -o OUTPUT");
    if (prof.path) {
        if (buzz_output_format_of(o.output) != BUZZ_OUTPUT_PARQUET)
            return buzz_cli_usage_error("convert", "--profile needs a .parquet output (the "
                                                   "profiles are computed from it)");
    }
    buzz_cli_type_options_finish(&to, &o.csv);
    o.infer = to.infer;
    buzz_error err;
    buzz_schema user;
    memset(&user, 0, sizeof user);
    if (schema_path) {
        size_t len = 0;
        char *text = read_text_file(schema_path, &len, &err);
        if (!text)
            return buzz_cli_report("convert", &err);
        buzz_status st = buzz_schema_parse_json(text, len, schema_path, &user, &err);
        buzz_free(text);
        if (st != BUZZ_OK)
            return buzz_cli_report("convert", &err);
        o.user_schema = &user;
    }
    if (prog.mode == PROGRESS_AUTO)
        prog.mode = (!quiet && isatty(2)) ? PROGRESS_BAR : PROGRESS_OFF;
    if (quiet && prog.mode == PROGRESS_BAR)
        prog.mode = PROGRESS_OFF;
    if (prog.mode != PROGRESS_OFF) {
        prog.t0_ns = buzz_now_ns();
        o.on_progress = on_progress;
        o.progress_user = &prog;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.is_cancelled = is_cancelled;
    buzz_convert_summary sum;
    buzz_status st = buzz_convert(&o, &sum, &err);
    if (prog.drew)
        fprintf(stderr, "\r%100s\r", "");
    if (st == BUZZ_ERR_CANCELLED && got_signal) {
        buzz_schema_free(&user);
        fprintf(stderr, "buzz convert: stopped by %s; no output was written\n",
                got_signal == SIGINT ? "Ctrl-C" : "SIGTERM");
        return 128 + got_signal;
    }
    buzz_schema_free(&user);
    if (st != BUZZ_OK)
        return buzz_cli_report("convert", &err);
    int rc = BUZZ_EXIT_OK;
    if (prof.path) {
        if (prog.mode == PROGRESS_BAR)
            fprintf(stderr, "  profiling the columns...");
        rc = write_profile(o.output, &prof);
        if (prog.mode == PROGRESS_BAR)
            fprintf(stderr, "\r%40s\r", "");
        if (rc < 0) {
            fprintf(stderr, "buzz convert: stopped by %s while profiling; %s was written, its "
                            "profile was not\n",
                    -rc == SIGINT ? "Ctrl-C" : "SIGTERM", o.output);
            buzz_convert_summary_free(&sum);
            return 128 - rc;
        }
        if (rc != BUZZ_EXIT_OK) {
            buzz_convert_summary_free(&sum);
            return rc;
        }
    }
    if (json)
        rc = print_json(&sum, o.output, &prof);
    else if (!quiet)
        print_summary(&sum, o.output);
    if (prof.path && !json && !quiet)
        fprintf(stderr, "  profile: %zu columns in %.2f s -> %s\n", prof.columns,
                (double)prof.elapsed_ms / 1000, prof.path);
    buzz_convert_summary_free(&sum);
    return rc;
}
