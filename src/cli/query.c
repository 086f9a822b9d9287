/* cli/query.c: `buzz query FILE.parquet "SQL"`. Opens a query engine (buzz/query.h) over the file
 * (the view `data`, and a view named from its stem) and any --table NAME=FILE, runs one sandboxed
 * query and prints it as an aligned table sized to the terminal, CSV or JSON (at most --max-rows
 * rows, with a note when there are more), or streams the whole result to -o FILE atomically
 * (CSV, JSON or Parquet, from --format or the extension). Refused and failed queries exit 1 with
 * the reason on stderr and nothing on stdout; usage errors exit 2. Ctrl-C and SIGTERM cancel the
 * running query through a signal thread (buzz_query_conn_cancel must not run in a handler). */
#include "cancel.h"
#include "cli.h"
#include "opts.h"

#include "buzz/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_TABLES 64
#define MAX_CELL_CHARS 40
#define MIN_CELL_CHARS 6

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: buzz query FILE.parquet \"SQL\" [options]\n\n"
            "Run one SQL query (DuckDB's dialect) over a Parquet file, in a sandbox: one SELECT\n"
            "(WITH ... SELECT, DESCRIBE, SUMMARIZE) that reads only the given files, with a time\n"
            "limit and a row limit. FILE is the table `data`, and also a table named from its\n"
            "file name (sales.parquet: `sales`). See docs/query.md for what is refused and why.\n\n"
            "Options:\n"
            "  --table NAME=FILE  another Parquet file as table NAME, for joins (repeatable)\n"
            "  --format F         table (default on stdout), csv, json, or parquet (needs -o)\n"
            "  -o, --output FILE  write every row of the result to FILE (atomically); the format\n"
            "                     comes from --format or the extension .csv, .json, .parquet\n"
            "  --timeout SECONDS  stop the query after this long (default 30; decimals allowed)\n"
            "  --max-rows N       rows printed on stdout (default 1000; -o writes them all)\n"
            "  --memory-limit MB  DuckDB's memory limit in MiB (default 1024)\n"
            "  --threads N        DuckDB threads (default: all CPUs)\n"
            "  -h, --help         show this help\n\n"
            "Examples:\n"
            "  buzz query sales.parquet \"SELECT region, sum(revenue) FROM data GROUP BY 1\"\n"
            "  buzz query orders.parquet \"SELECT * FROM data JOIN c USING (customer_id)\" \\\n"
            "      --table c=customers.parquet -o joined.csv\n"
            "Exit codes: 0 ok, 1 refused or failed query (or unreadable file), 2 usage error,\n"
            "3 internal error, 130/143 stopped by Ctrl-C/SIGTERM.\n");
}

/* Query failures and refusals are the input's fault (exit 1); only our own are 3. */
static int report(const buzz_error *err)
{
    char msg[1024];
    fprintf(stderr, "buzz query: %s\n", buzz_error_format(err, msg, sizeof msg));
    return err->code == BUZZ_ERR_NOMEM || err->code == BUZZ_ERR_INTERNAL ? BUZZ_EXIT_INTERNAL
                                                                         : BUZZ_EXIT_DATA;
}

/* The file name without directories and extension, for the view name. */
static void file_stem(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        n = (size_t)(dot - base);
    snprintf(out, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), base);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m)
        return false;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if (c != suffix[i])
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * The aligned table. Widths count UTF-8 code points; control characters print as spaces. */
static size_t text_chars(buzz_str s)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.ptr[i] & 0xC0) != 0x80;
    return n;
}

/* Print at most `width` characters of s padded to width (right-aligned when right), cutting with
 * "…" when longer. */
static void put_cell(buzz_buf *o, buzz_str s, size_t width, bool right, buzz_error *err)
{
    size_t chars = text_chars(s);
    bool cut = chars > width;
    size_t keep = cut ? (width > 0 ? width - 1 : 0) : chars;
    size_t pad = cut ? 0 : width - chars;
    buzz_status st = BUZZ_OK;
    for (size_t i = 0; right && i < pad && st == BUZZ_OK; i++)
        st = buzz_buf_append_byte(o, ' ', err);
    size_t seen = 0;
    for (size_t i = 0; i < s.len && st == BUZZ_OK; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        bool starts = (c & 0xC0) != 0x80;
        if (starts && seen++ == keep)
            break;
        st = buzz_buf_append_byte(o, c < 0x20 || c == 0x7F ? ' ' : c, err);
    }
    if (cut && st == BUZZ_OK && width > 0)
        st = buzz_buf_append(o, "\xE2\x80\xA6", 3, err);
    for (size_t i = 0; !right && i < pad && st == BUZZ_OK; i++)
        st = buzz_buf_append_byte(o, ' ', err);
    (void)st; /* an unbounded buffer fails only on NOMEM, reported by the caller's last append */
}

static bool is_numeric(buzz_query_type t)
{
    return t == BUZZ_QUERY_INTEGER || t == BUZZ_QUERY_HUGEINT || t == BUZZ_QUERY_DECIMAL ||
           t == BUZZ_QUERY_DOUBLE;
}

static size_t terminal_width(void)
{
    struct winsize ws;
    if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    uint64_t n;
    if (cols && buzz_cli_parse_u64(cols, &n) && n >= 20 && n <= 10000)
        return (size_t)n;
    return 120;
}

static buzz_status format_table(const buzz_query_result *r, buzz_buf *o, buzz_error *err)
{
    size_t ncol = buzz_query_result_column_count(r), rows = buzz_query_result_row_count(r);
    size_t *w = buzz_calloc(ncol ? ncol : 1, sizeof *w);
    if (!w)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory printing the table");
    static const buzz_str null_text = {"NULL", 4};
    for (size_t c = 0; c < ncol; c++) {
        buzz_str name = {buzz_query_result_column(r, c)->name,
                         strlen(buzz_query_result_column(r, c)->name)};
        w[c] = text_chars(name);
        for (size_t i = 0; i < rows; i++) {
            buzz_str t = buzz_query_result_is_null(r, i, c) ? null_text
                                                            : buzz_query_result_text(r, i, c);
            size_t n = text_chars(t);
            w[c] = n > w[c] ? n : w[c];
        }
        if (w[c] > MAX_CELL_CHARS)
            w[c] = MAX_CELL_CHARS;
        if (w[c] < 1)
            w[c] = 1;
    }
    /* Fit the terminal: shrink the widest column one character at a time down to a minimum,
     * then leave out columns from the right and say so. */
    size_t width = terminal_width(), shown = ncol;
    for (;;) {
        size_t total = 0, widest = 0;
        for (size_t c = 0; c < shown; c++) {
            total += w[c] + (c ? 3 : 0);
            widest = w[c] > w[widest] ? c : widest;
        }
        if (total <= width || shown == 0)
            break;
        if (w[widest] > MIN_CELL_CHARS)
            w[widest]--;
        else
            shown--;
    }
    if (shown == 0 && ncol > 0)
        shown = 1;
    buzz_status st = BUZZ_OK;
    for (size_t c = 0; c < shown; c++) {
        const buzz_query_column *col = buzz_query_result_column(r, c);
        buzz_str name = {col->name, strlen(col->name)};
        if (c)
            st = buzz_buf_append(o, " | ", 3, err);
        put_cell(o, name, w[c], is_numeric(col->type), err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(o, '\n', err);
    for (size_t c = 0; c < shown && st == BUZZ_OK; c++) {
        if (c)
            st = buzz_buf_append(o, "-+-", 3, err);
        for (size_t k = 0; k < w[c] && st == BUZZ_OK; k++)
            st = buzz_buf_append_byte(o, '-', err);
    }
    if (st == BUZZ_OK)
        st = buzz_buf_append_byte(o, '\n', err);
    for (size_t i = 0; i < rows && st == BUZZ_OK; i++) {
        for (size_t c = 0; c < shown && st == BUZZ_OK; c++) {
            bool is_null = buzz_query_result_is_null(r, i, c);
            if (c)
                st = buzz_buf_append(o, " | ", 3, err);
            put_cell(o, is_null ? null_text : buzz_query_result_text(r, i, c), w[c],
                     is_numeric(buzz_query_result_column(r, c)->type), err);
        }
        if (st == BUZZ_OK)
            st = buzz_buf_append_byte(o, '\n', err);
    }
    int64_t total = buzz_query_result_total_rows(r);
    if (st == BUZZ_OK) {
        if (!buzz_query_result_is_truncated(r))
            st = buzz_buf_printf(o, err, "(%zu row%s", rows, rows == 1 ? "" : "s");
        else if (total >= 0)
            st = buzz_buf_printf(o, err, "(%zu of %lld rows shown; --max-rows or -o for more",
                                 rows, (long long)total);
        else
            st = buzz_buf_printf(o, err, "(first %zu rows shown; there are more", rows);
        if (st == BUZZ_OK && shown < ncol)
            st = buzz_buf_printf(o, err, "; %zu of %zu columns fit the width", shown, ncol);
        if (st == BUZZ_OK)
            st = buzz_buf_printf(o, err, ")\n");
    }
    buzz_free(w);
    return st;
}

static int write_stdout(const buzz_buf *b)
{
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
        fprintf(stderr, "buzz query: cannot write to standard output\n");
        return BUZZ_EXIT_DATA;
    }
    return fflush(stdout) == 0 ? BUZZ_EXIT_OK : BUZZ_EXIT_DATA;
}

typedef struct query_args {
    const char *file, *sql, *output, *format;
    buzz_query_dataset tables[MAX_TABLES + 1];
    char names[MAX_TABLES + 1][256];
    size_t table_count;
    int64_t timeout_ms, max_rows;
    buzz_query_options o;
} query_args;

static int parse_args(int argc, char **argv, query_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v = NULL;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        static const char *const valued[] = {"--table",    "--format",   "--output",
                                             "--timeout",  "--max-rows", "--memory-limit",
                                             "--threads",  "-o"};
        const char *opt = NULL;
        for (size_t k = 0; k < BUZZ_ARRAY_LEN(valued) && !opt; k++) {
            size_t n = strlen(valued[k]);
            if (strncmp(arg, valued[k], n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
                opt = valued[k];
                v = arg[n] == '=' ? arg + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            }
        }
        if (opt && !v)
            return buzz_cli_usage_error("query", "%s needs a value", opt);
        uint64_t n = 0;
        if (!opt) {
            if (arg[0] == '-' && arg[1] != '\0')
                return buzz_cli_usage_error("query", "unknown option \"%.40s\"", arg);
            if (!a->file)
                a->file = arg;
            else if (!a->sql)
                a->sql = arg;
            else
                return buzz_cli_usage_error("query",
                                            "one FILE and one SQL query are expected; found "
                                            "\"%.40s\" too (quote the SQL)",
                                            arg);
        } else if (strcmp(opt, "--table") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || !eq[1])
                return buzz_cli_usage_error("query", "--table expects NAME=FILE, found \"%.60s\"",
                                            v);
            if (a->table_count == MAX_TABLES)
                return buzz_cli_usage_error("query", "at most %d --table options", MAX_TABLES);
            size_t k = ++a->table_count;
            snprintf(a->names[k], sizeof a->names[k], "%.*s", (int)(eq - v), v);
            a->tables[k].name = a->names[k];
            a->tables[k].path = eq + 1;
        } else if (strcmp(opt, "--format") == 0) {
            a->format = v;
        } else if (strcmp(opt, "--output") == 0 || strcmp(opt, "-o") == 0) {
            a->output = v;
        } else if (strcmp(opt, "--timeout") == 0) {
            if (!buzz_cli_parse_seconds(v, &a->timeout_ms))
                return buzz_cli_usage_error(
                    "query", "--timeout expects seconds between 0.001 and 86400, found \"%.40s\"",
                    v);
        } else if (strcmp(opt, "--max-rows") == 0) {
            if (!buzz_cli_parse_u64(v, &n) || n < 1 || n > 100000000)
                return buzz_cli_usage_error(
                    "query", "--max-rows expects a number from 1 to 100000000, found \"%.40s\"", v);
            a->max_rows = (int64_t)n;
        } else {
            int m = buzz_cli_parse_engine_option("query", opt, v, &a->o);
            if (m < 0)
                return -m;
        }
    }
    if (!a->file)
        return buzz_cli_usage_error("query", "missing FILE.parquet");
    if (!a->sql)
        return buzz_cli_usage_error("query", "missing the SQL query (one quoted argument)");
    return 0;
}

/* The output format: --format, else the -o extension, else a table on stdout. */
static int pick_format(const query_args *a, bool *out_table, buzz_query_format *out_fmt)
{
    *out_table = false;
    const char *f = a->format;
    if (!f && a->output) {
        f = ends_with(a->output, ".csv")       ? "csv"
            : ends_with(a->output, ".json")    ? "json"
            : ends_with(a->output, ".parquet") ? "parquet"
                                               : NULL;
        if (!f)
            return buzz_cli_usage_error("query",
                                        "cannot tell the format of \"%.60s\" from its extension; "
                                        "use .csv, .json or .parquet, or --format",
                                        a->output);
    }
    if (!f || strcmp(f, "table") == 0) {
        *out_table = true;
        return 0;
    }
    if (strcmp(f, "csv") == 0)
        *out_fmt = BUZZ_QUERY_FORMAT_CSV;
    else if (strcmp(f, "json") == 0)
        *out_fmt = BUZZ_QUERY_FORMAT_JSON;
    else if (strcmp(f, "parquet") == 0)
        *out_fmt = BUZZ_QUERY_FORMAT_PARQUET;
    else
        return buzz_cli_usage_error("query",
                                    "--format expects table, csv, json or parquet, found \"%.40s\"",
                                    f);
    if (*out_fmt == BUZZ_QUERY_FORMAT_PARQUET && !a->output)
        return buzz_cli_usage_error("query", "--format parquet needs -o FILE (Parquet is binary)");
    return 0;
}

/* Run the query and print or write it; the engine and connection are open. */
/* A signal that arrives before the connection runs anything cancels nothing (the call starts
 * afterwards), so sig->got is checked before each step that produces output: a stopped query
 * writes nothing. */
static int run_query(const query_args *a, buzz_query_conn *conn, bool table,
                     buzz_query_format fmt, const buzz_cli_cancel *sig)
{
    buzz_error err;
    buzz_status st;
    if (sig->got)
        return BUZZ_EXIT_DATA;
    if (a->output && !table) {
        buzz_query_export_options eo;
        memset(&eo, 0, sizeof eo);
        eo.format = fmt;
        eo.timeout_ms = a->timeout_ms;
        int64_t rows = 0;
        st = buzz_query_export_path(conn, a->sql, &eo, a->output, &rows, &err);
        if (st != BUZZ_OK)
            return sig->got ? BUZZ_EXIT_DATA : report(&err);
        fprintf(stderr, "buzz query: %lld row%s -> %s\n", (long long)rows, rows == 1 ? "" : "s",
                a->output);
        return BUZZ_EXIT_OK;
    }
    buzz_query_run_options ro;
    memset(&ro, 0, sizeof ro);
    ro.timeout_ms = a->timeout_ms;
    ro.max_rows = a->max_rows;
    buzz_query_result *r = NULL;
    st = buzz_query_run(conn, a->sql, &ro, &r, &err);
    if (st != BUZZ_OK)
        return sig->got ? BUZZ_EXIT_DATA : report(&err);
    if (sig->got) {
        buzz_query_result_free(r);
        return BUZZ_EXIT_DATA;
    }
    buzz_buf out;
    buzz_buf_init(&out, 0);
    st = table ? format_table(r, &out, &err) : buzz_query_result_format(r, fmt, &out, &err);
    int rc = BUZZ_EXIT_OK;
    if (st != BUZZ_OK) {
        rc = report(&err);
    } else if (a->output) {
        buzz_atomic_file f = {-1, NULL, NULL, false};
        st = buzz_atomic_file_open(&f, a->output, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_write(&f, out.data, out.len, &err);
        if (st == BUZZ_OK)
            st = buzz_atomic_file_commit(&f, &err);
        buzz_atomic_file_abort(&f);
        rc = st == BUZZ_OK ? BUZZ_EXIT_OK : report(&err);
    } else {
        rc = write_stdout(&out);
        if (rc == BUZZ_EXIT_OK && !table && buzz_query_result_is_truncated(r)) {
            int64_t total = buzz_query_result_total_rows(r);
            if (total >= 0)
                fprintf(stderr, "buzz query: %zu of %lld rows printed (--max-rows; -o writes all)\n",
                        buzz_query_result_row_count(r), (long long)total);
            else
                fprintf(stderr, "buzz query: the first %zu rows printed; there are more\n",
                        buzz_query_result_row_count(r));
        }
    }
    buzz_buf_free(&out);
    buzz_query_result_free(r);
    return rc;
}

int buzz_cli_query(int argc, char **argv)
{
    query_args *a = buzz_calloc(1, sizeof *a);
    if (!a) {
        fprintf(stderr, "buzz query: out of memory\n");
        return BUZZ_EXIT_INTERNAL;
    }
    int rc = parse_args(argc, argv, a);
    bool table = true;
    buzz_query_format fmt = BUZZ_QUERY_FORMAT_CSV;
    if (rc == 0)
        rc = pick_format(a, &table, &fmt);
    if (rc != 0) {
        buzz_free(a);
        return rc < 0 ? BUZZ_EXIT_OK : rc;
    }
    file_stem(a->file, a->names[0], sizeof a->names[0]);
    a->tables[0].name = a->names[0];
    a->tables[0].path = a->file;
    a->o.data_alias = 1; /* FILE is `data`, whatever --table adds */
    a->o.timeout_ms = a->timeout_ms;
    a->o.max_rows = a->max_rows;

    buzz_cli_cancel sig;
    buzz_cli_cancel_block(&sig);

    buzz_error err;
    buzz_query_engine *engine = NULL;
    buzz_query_conn *conn = NULL;
    buzz_status st = buzz_query_engine_open(&engine, a->tables, a->table_count + 1, &a->o, &err);
    if (st == BUZZ_OK)
        st = buzz_query_conn_open(engine, &conn, &err);
    if (st != BUZZ_OK) {
        rc = report(&err);
    } else {
        buzz_cli_cancel_start(&sig, conn);
        rc = run_query(a, conn, table, fmt, &sig);
        int got = buzz_cli_cancel_stop(&sig);
        if (got) {
            fprintf(stderr, "buzz query: stopped by %s\n", got == SIGINT ? "Ctrl-C" : "SIGTERM");
            rc = 128 + got;
        }
    }
    buzz_query_conn_close(conn);
    buzz_query_engine_close(engine);
    buzz_cli_cancel_unblock(&sig);
    buzz_free(a);
    return rc;
}
