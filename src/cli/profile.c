/* cli/profile.c: `buzz profile FILE.parquet`. Opens a query engine (buzz/query.h) over the file,
 * profiles it (buzz/profile.h) and prints a readable summary: the file's facts, one aligned table
 * with a line per column, then per column its details (lengths, top values and histogram as small
 * tables with bars, examples); or, with --json, the JSON document of docs/profile.md. -o FILE
 * writes the same output to a file atomically (JSON when the name ends in .json). Ctrl-C and
 * SIGTERM cancel the profile through the signal thread of cli/cancel.c. Exit codes: 0 ok, 1 the
 * file cannot be read or the time limit ran out, 2 usage, 3 internal, 128 + the signal. */
#include "cancel.h"
#include "cli.h"
#include "opts.h"

#include "buzz/profile.h"

#include <stdio.h>
#include <string.h>

#define MAX_CELL_CHARS 22 /* cells of the overview are cut past this (…) */
#define MAX_VALUE_CHARS 40
#define BAR_CHARS 30

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: buzz profile FILE.parquet [options]\n\n"
            "Profile every column of a Parquet file with DuckDB: its type, nulls, distinct\n"
            "values, min and max, mean and standard deviation (numbers), lengths (text), the most\n"
            "frequent values (columns with at most 1000 distinct values), a histogram (numbers,\n"
            "dates, times, timestamps) and examples. Prints a summary, or with --json the JSON\n"
            "document that the service and `buzz convert --profile` use (docs/profile.md).\n\n"
            "Options:\n"
            "  --json             print the JSON document instead of the summary\n"
            "  -o, --output FILE  write the output to FILE (atomically); JSON when FILE ends in\n"
            "                     .json\n"
            "  --timeout SECONDS  stop after this long (default 300; decimals allowed)\n"
            "  --top N            most frequent values kept per column (default 20, at most 1000)\n"
            "  --bins N           histogram bins at most (default 20, 2 to 1000)\n"
            "  --memory-limit MB  DuckDB's memory limit in MiB (default 1024)\n"
            "  --threads N        DuckDB threads (default: all CPUs)\n"
            "  -h, --help         show this help\n\n"
            "Examples:\n"
            "  buzz profile sales.parquet\n"
            "  buzz profile sales.parquet --json -o sales.profile.json\n"
            "Exit codes: 0 ok, 1 unreadable file or time limit, 2 usage error, 3 internal error,\n"
            "130/143 stopped by Ctrl-C/SIGTERM.\n");
}

static int report(const buzz_error *err)
{
    char msg[1024];
    fprintf(stderr, "buzz profile: %s\n", buzz_error_format(err, msg, sizeof msg));
    return err->code == BUZZ_ERR_NOMEM || err->code == BUZZ_ERR_INTERNAL ? BUZZ_EXIT_INTERNAL
                                                                         : BUZZ_EXIT_DATA;
}

static bool ends_with_json(const char *s)
{
    size_t n = strlen(s);
    if (n < 5)
        return false;
    const char *e = s + n - 5;
    for (size_t i = 0; i < 5; i++) {
        char c = e[i] >= 'A' && e[i] <= 'Z' ? (char)(e[i] + 32) : e[i];
        if (c != ".json"[i])
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Aligned tables: cells are UTF-8 text; widths count code points; control characters print as
 * spaces; a cell longer than its column's cap is cut with "…". */
typedef struct table {
    size_t cols;
    size_t rows;
    size_t cap_rows;
    char **cells;     /* rows * cols, owned */
    size_t *width;    /* per column */
    bool *right;      /* per column: right-aligned (numbers) */
    size_t max_chars; /* cap of every cell */
} table;

static size_t chars_of(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static buzz_status table_init(table *t, size_t cols, size_t max_chars, buzz_error *err)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->max_chars = max_chars;
    t->width = buzz_calloc(cols, sizeof *t->width);
    t->right = buzz_calloc(cols, sizeof *t->right);
    if (!t->width || !t->right)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory printing the profile");
    return BUZZ_OK;
}

static void table_free(table *t)
{
    for (size_t i = 0; t->cells && i < t->rows * t->cols; i++)
        buzz_free(t->cells[i]);
    buzz_free(t->cells);
    buzz_free(t->width);
    buzz_free(t->right);
    memset(t, 0, sizeof *t);
}

/* Add a row of t->cols cells (NULL = empty). */
static buzz_status table_row(table *t, const char *const *cells, buzz_error *err)
{
    if (t->rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        char **grown = buzz_realloc(t->cells, cap * t->cols * sizeof *grown);
        if (!grown)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory printing the profile");
        t->cells = grown;
        t->cap_rows = cap;
    }
    char **row = t->cells + t->rows * t->cols;
    for (size_t c = 0; c < t->cols; c++)
        row[c] = NULL;
    t->rows++;
    for (size_t c = 0; c < t->cols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        row[c] = buzz_strndup(s, strlen(s));
        if (!row[c])
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory printing the profile");
        size_t w = chars_of(s, strlen(s));
        w = w > t->max_chars ? t->max_chars : w;
        t->width[c] = w > t->width[c] ? w : t->width[c];
    }
    return BUZZ_OK;
}

static buzz_status put_cell(buzz_buf *o, const char *s, size_t width, bool right, buzz_error *err)
{
    size_t len = strlen(s), chars = chars_of(s, len);
    bool cut = chars > width;
    size_t keep = cut ? (width > 0 ? width - 1 : 0) : chars;
    size_t pad = cut ? 0 : width - chars;
    for (size_t i = 0; right && i < pad; i++)
        BUZZ_TRY(buzz_buf_append_byte(o, ' ', err));
    size_t seen = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80 && seen++ == keep)
            break;
        BUZZ_TRY(buzz_buf_append_byte(o, c < 0x20 || c == 0x7F ? ' ' : c, err));
    }
    if (cut && width > 0)
        BUZZ_TRY(buzz_buf_append(o, "\xE2\x80\xA6", 3, err));
    for (size_t i = 0; !right && i < pad; i++)
        BUZZ_TRY(buzz_buf_append_byte(o, ' ', err));
    return BUZZ_OK;
}

static buzz_status table_print(const table *t, const char *indent, buzz_buf *o, buzz_error *err)
{
    for (size_t r = 0; r < t->rows; r++) {
        BUZZ_TRY(buzz_buf_printf(o, err, "%s", indent));
        /* The last column is not padded (no trailing blanks). */
        size_t last = t->cols;
        while (last > 0 && !*t->cells[r * t->cols + last - 1])
            last--;
        for (size_t c = 0; c < last; c++) {
            if (c)
                BUZZ_TRY(buzz_buf_append(o, "  ", 2, err));
            const char *s = t->cells[r * t->cols + c];
            size_t w = t->width[c], n = chars_of(s, strlen(s));
            if (c + 1 == last && !t->right[c] && n < w)
                w = n;
            BUZZ_TRY(put_cell(o, s, w, t->right[c], err));
        }
        BUZZ_TRY(buzz_buf_append_byte(o, '\n', err));
    }
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * The summary. */
static void fmt_count(char *out, size_t cap, int64_t n)
{
    /* 1234567 -> "1,234,567" */
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)(n < 0 ? -n : n));
    size_t o = 0;
    if (n < 0 && o + 1 < cap)
        out[o++] = '-';
    for (int i = 0; i < len && o + 2 < cap; i++) {
        out[o++] = digits[i];
        if ((len - i - 1) % 3 == 0 && i + 1 < len)
            out[o++] = ',';
    }
    out[o] = '\0';
}

static void fmt_share(char *out, size_t cap, double share)
{
    if (share > 0 && share < 0.001)
        snprintf(out, cap, "<0.1%%");
    else
        snprintf(out, cap, "%.1f%%", share * 100);
}

static buzz_status bar(buzz_buf *o, int64_t count, int64_t max, buzz_error *err)
{
    size_t n = max > 0 ? (size_t)((double)count / (double)max * BAR_CHARS + 0.5) : 0;
    if (n == 0 && count > 0)
        n = 1;
    buzz_buf_reset(o);
    for (size_t i = 0; i < n; i++)
        BUZZ_TRY(buzz_buf_append(o, "\xE2\x96\x88", 3, err)); /* █ */
    return buzz_buf_append_byte(o, 0, err);
}

static buzz_status overview(const buzz_profile *p, buzz_buf *o, buzz_error *err)
{
    static const char *const head[] = {"#",   "column", "type", "nulls", "distinct",
                                       "min", "max",    "mean", "stddev"};
    table t;
    buzz_status st = table_init(&t, BUZZ_ARRAY_LEN(head), MAX_CELL_CHARS, err);
    if (st == BUZZ_OK)
        st = table_row(&t, head, err);
    t.right[0] = t.right[3] = t.right[4] = t.right[7] = t.right[8] = true;
    for (size_t i = 0; st == BUZZ_OK && i < p->column_count; i++) {
        const buzz_profile_column *c = &p->columns[i];
        char num[24], count[32], nulls[64], share[16], distinct[48], mean[32], sd[32];
        snprintf(num, sizeof num, "%zu", i + 1);
        fmt_count(count, sizeof count, c->null_count);
        fmt_share(share, sizeof share, c->null_share);
        snprintf(nulls, sizeof nulls, "%s%s%s", count, c->null_count > 0 ? " " : "",
                 c->null_count > 0 ? share : "");
        fmt_count(distinct + 1, sizeof distinct - 1, c->distinct_count);
        distinct[0] = '~'; /* approximate */
        mean[0] = sd[0] = '\0';
        if (c->has_mean)
            snprintf(mean, sizeof mean, "%.6g", c->mean);
        if (c->has_stddev)
            snprintf(sd, sizeof sd, "%.6g", c->stddev);
        const char *row[] = {num,
                             c->name,
                             c->logical_type,
                             nulls,
                             c->is_distinct_exact ? distinct + 1 : distinct,
                             c->has_min_max ? c->min.text : "",
                             c->has_min_max ? c->max.text : "",
                             mean,
                             sd};
        st = table_row(&t, row, err);
    }
    if (st == BUZZ_OK)
        st = table_print(&t, "", o, err);
    table_free(&t);
    return st;
}

static buzz_status top_table(const buzz_profile_column *c, int64_t non_null, buzz_buf *o,
                             buzz_error *err)
{
    table t;
    buzz_buf b;
    buzz_buf_init(&b, 0);
    buzz_status st = table_init(&t, 4, MAX_VALUE_CHARS, err);
    t.right[1] = t.right[2] = true;
    int64_t max = c->top_count ? c->top[0].count : 0;
    for (size_t k = 0; st == BUZZ_OK && k < c->top_count; k++) {
        char count[32], share[16];
        fmt_count(count, sizeof count, c->top[k].count);
        fmt_share(share, sizeof share,
                  non_null > 0 ? (double)c->top[k].count / (double)non_null : 0);
        st = bar(&b, c->top[k].count, max, err);
        const char *row[] = {c->top[k].value.text, count, share, (const char *)b.data};
        if (st == BUZZ_OK)
            st = table_row(&t, row, err);
    }
    if (st == BUZZ_OK && c->top_other_count > 0) {
        char count[32], share[16];
        fmt_count(count, sizeof count, c->top_other_count);
        fmt_share(share, sizeof share, (double)c->top_other_count / (double)non_null);
        const char *row[] = {"(others)", count, share, NULL};
        st = table_row(&t, row, err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_printf(o, err, "  top values:\n");
    if (st == BUZZ_OK)
        st = table_print(&t, "    ", o, err);
    table_free(&t);
    buzz_buf_free(&b);
    return st;
}

static buzz_status histogram_table(const buzz_profile_column *c, buzz_buf *o, buzz_error *err)
{
    table t;
    buzz_buf b;
    buzz_buf_init(&b, 0);
    buzz_status st = table_init(&t, 4, MAX_VALUE_CHARS, err);
    t.right[2] = true;
    int64_t max = 0;
    for (size_t k = 0; k < c->bin_count; k++)
        max = c->bins[k].count > max ? c->bins[k].count : max;
    for (size_t k = 0; st == BUZZ_OK && k < c->bin_count; k++) {
        char count[32], upper[MAX_VALUE_CHARS * 4 + 8];
        fmt_count(count, sizeof count, c->bins[k].count);
        /* [lower, upper): the one-value bin of a constant double is [v, v]. */
        bool closed = strcmp(c->bins[k].lower.text, c->bins[k].upper.text) == 0;
        snprintf(upper, sizeof upper, "%.*s%s", MAX_VALUE_CHARS * 4, c->bins[k].upper.text,
                 closed ? "]" : ")");
        char lower[MAX_VALUE_CHARS * 4 + 8];
        snprintf(lower, sizeof lower, "[%.*s,", MAX_VALUE_CHARS * 4, c->bins[k].lower.text);
        st = bar(&b, c->bins[k].count, max, err);
        const char *row[] = {lower, upper, count, (const char *)b.data};
        if (st == BUZZ_OK)
            st = table_row(&t, row, err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_printf(o, err, "  histogram:\n");
    if (st == BUZZ_OK)
        st = table_print(&t, "    ", o, err);
    table_free(&t);
    buzz_buf_free(&b);
    return st;
}

static buzz_status details(const buzz_profile *p, const buzz_profile_column *c, size_t i,
                           buzz_buf *o, buzz_error *err)
{
    int64_t non_null = p->rows - c->null_count;
    char nulls[32], share[16], distinct[32];
    fmt_count(nulls, sizeof nulls, c->null_count);
    fmt_share(share, sizeof share, c->null_share);
    fmt_count(distinct, sizeof distinct, c->distinct_count);
    BUZZ_TRY(buzz_buf_printf(o, err, "\n%zu. %s (%s; DuckDB %s)\n", i + 1, c->name, c->logical_type,
                             c->duckdb_type));
    BUZZ_TRY(buzz_buf_printf(o, err, "  nulls %s", nulls));
    if (c->null_count > 0)
        BUZZ_TRY(buzz_buf_printf(o, err, " (%s)", share));
    BUZZ_TRY(
        buzz_buf_printf(o, err, ", distinct %s%s", c->is_distinct_exact ? "" : "about ", distinct));
    if (c->nonfinite_count > 0) {
        char n[32];
        fmt_count(n, sizeof n, c->nonfinite_count);
        BUZZ_TRY(buzz_buf_printf(o, err, ", NaN or infinite %s", n));
    }
    if (c->has_length)
        BUZZ_TRY(buzz_buf_printf(o, err, ", length %lld to %lld characters (mean %.1f)",
                                 (long long)c->min_length, (long long)c->max_length,
                                 c->avg_length));
    BUZZ_TRY(buzz_buf_append_byte(o, '\n', err));
    if (c->has_top && c->top_count > 0)
        BUZZ_TRY(top_table(c, non_null, o, err));
    if (c->bin_count > 0)
        BUZZ_TRY(histogram_table(c, o, err));
    if (c->example_count > 0) {
        BUZZ_TRY(buzz_buf_printf(o, err, "  examples: "));
        for (size_t k = 0; k < c->example_count; k++) {
            const char *s = c->examples[k].text;
            size_t n = chars_of(s, strlen(s));
            if (k)
                BUZZ_TRY(buzz_buf_append(o, " | ", 3, err));
            BUZZ_TRY(put_cell(o, s, n < MAX_VALUE_CHARS ? n : MAX_VALUE_CHARS, false, err));
        }
        BUZZ_TRY(buzz_buf_append_byte(o, '\n', err));
    }
    return BUZZ_OK;
}

static buzz_status summary(const char *file, const buzz_profile *p, buzz_buf *o, buzz_error *err)
{
    char rows[32];
    fmt_count(rows, sizeof rows, p->rows);
    BUZZ_TRY(buzz_buf_printf(o, err,
                             "file:     %s\nrows:     %s\ncolumns:  %zu\ntime:     %.2f s "
                             "(%lld scan%s of the data)\n\n",
                             file, rows, p->column_count, (double)p->elapsed_ms / 1000,
                             (long long)p->scan_count, p->scan_count == 1 ? "" : "s"));
    BUZZ_TRY(overview(p, o, err));
    for (size_t i = 0; i < p->column_count; i++)
        BUZZ_TRY(details(p, &p->columns[i], i, o, err));
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Arguments and running. */
typedef struct profile_args {
    const char *file, *output;
    bool json;
    buzz_profile_options po;
    buzz_query_options qo;
} profile_args;

static int parse_args(int argc, char **argv, profile_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--json") == 0) {
            a->json = true;
            continue;
        }
        static const char *const valued[] = {"--output",       "--timeout", "--top", "--bins",
                                             "--memory-limit", "--threads", "-o"};
        const char *opt = NULL, *v = NULL;
        for (size_t k = 0; k < BUZZ_ARRAY_LEN(valued) && !opt; k++) {
            size_t n = strlen(valued[k]);
            if (strncmp(arg, valued[k], n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
                opt = valued[k];
                v = arg[n] == '=' ? arg + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            }
        }
        if (opt && !v)
            return buzz_cli_usage_error("profile", "%s needs a value", opt);
        uint64_t n = 0;
        if (!opt) {
            if (arg[0] == '-' && arg[1] != '\0')
                return buzz_cli_usage_error("profile", "unknown option \"%.40s\"", arg);
            if (a->file)
                return buzz_cli_usage_error("profile",
                                            "one FILE.parquet is expected; found "
                                            "\"%.40s\" too",
                                            arg);
            a->file = arg;
        } else if (strcmp(opt, "--output") == 0 || strcmp(opt, "-o") == 0) {
            a->output = v;
        } else if (strcmp(opt, "--timeout") == 0) {
            if (!buzz_cli_parse_seconds(v, &a->po.timeout_ms))
                return buzz_cli_usage_error(
                    "profile", "--timeout expects seconds between 0.001 and 86400, found \"%.40s\"",
                    v);
        } else if (strcmp(opt, "--top") == 0) {
            if (!buzz_cli_parse_u64(v, &n) || n < 1 || n > 1000)
                return buzz_cli_usage_error(
                    "profile", "--top expects a number from 1 to 1000, found \"%.40s\"", v);
            a->po.top_count = (size_t)n;
        } else if (strcmp(opt, "--bins") == 0) {
            if (!buzz_cli_parse_u64(v, &n) || n < 2 || n > 1000)
                return buzz_cli_usage_error(
                    "profile", "--bins expects a number from 2 to 1000, found \"%.40s\"", v);
            a->po.histogram_bins = (size_t)n;
        } else {
            int m = buzz_cli_parse_engine_option("profile", opt, v, &a->qo);
            if (m < 0)
                return -m;
        }
    }
    if (!a->file)
        return buzz_cli_usage_error("profile", "missing FILE.parquet");
    if (a->output && ends_with_json(a->output))
        a->json = true;
    return 0;
}

static int write_out(const profile_args *a, const buzz_buf *out)
{
    buzz_error err;
    if (a->output) {
        buzz_atomic_file f = {-1, NULL, NULL, false};
        buzz_status st = buzz_atomic_file_open(&f, a->output, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_write(&f, out->data, out->len, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_commit(&f, &err);
        buzz_atomic_file_abort(&f);
        return st == BUZZ_OK ? BUZZ_EXIT_OK : report(&err);
    }
    if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
        fprintf(stderr, "buzz profile: cannot write to standard output\n");
        return BUZZ_EXIT_DATA;
    }
    return fflush(stdout) == 0 ? BUZZ_EXIT_OK : BUZZ_EXIT_DATA;
}

static int run_profile(const profile_args *a, buzz_query_conn *conn, const buzz_cli_cancel *sig)
{
    buzz_error err;
    buzz_profile *p = NULL;
    buzz_status st = buzz_profile_dataset(conn, 0, &a->po, &p, &err);
    if (st == BUZZ_OK && sig->got) {
        /* The signal came before the profile was armed (so nothing was cancelled): still
         * nothing is written. */
        buzz_profile_free(p);
        return BUZZ_EXIT_DATA;
    }
    if (st != BUZZ_OK)
        return sig->got ? BUZZ_EXIT_DATA : report(&err);
    buzz_buf out;
    buzz_buf_init(&out, 0);
    st = a->json ? buzz_profile_to_json(p, &out, &err) : summary(a->file, p, &out, &err);
    int rc = st == BUZZ_OK ? write_out(a, &out) : report(&err);
    if (rc == BUZZ_EXIT_OK && a->output)
        fprintf(stderr, "buzz profile: %zu columns, %lld rows in %.2f s -> %s\n", p->column_count,
                (long long)p->rows, (double)p->elapsed_ms / 1000, a->output);
    buzz_buf_free(&out);
    buzz_profile_free(p);
    return rc;
}

int buzz_cli_profile(int argc, char **argv)
{
    profile_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc < 0 ? BUZZ_EXIT_OK : rc;
    buzz_query_dataset ds = {"data", a.file};
    a.qo.timeout_ms = a.po.timeout_ms;
    buzz_cli_cancel sig;
    buzz_cli_cancel_block(&sig);
    buzz_error err;
    buzz_query_engine *engine = NULL;
    buzz_query_conn *conn = NULL;
    buzz_status st = buzz_query_engine_open(&engine, &ds, 1, &a.qo, &err);
    if (st == BUZZ_OK)
        st = buzz_query_conn_open(engine, &conn, &err);
    if (st != BUZZ_OK) {
        rc = report(&err);
    } else {
        buzz_cli_cancel_start(&sig, conn);
        rc = run_profile(&a, conn, &sig);
        int got = buzz_cli_cancel_stop(&sig);
        if (got) {
            fprintf(stderr, "buzz profile: stopped by %s\n", got == SIGINT ? "Ctrl-C" : "SIGTERM");
            rc = 128 + got;
        }
    }
    buzz_query_conn_close(conn);
    buzz_query_engine_close(engine);
    buzz_cli_cancel_unblock(&sig);
    return rc;
}
