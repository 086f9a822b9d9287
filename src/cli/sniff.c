/* cli/sniff.c: `buzz sniff FILE [--json]`. Opens the file with the CSV reader, which detects the
 * encoding and dialect, reads the whole file once through type inference, then prints what was
 * found: encoding, dialect, header, skipped lines, columns with their types, null counts and
 * examples, the row count and the first rows. --json prints the schema document (docs/schema.md)
 * with the sniff details added (docs/sniff.md), so the output can be edited and fed back with
 * `buzz convert --schema`. */
#include "cli.h"
#include "opts.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define PREVIEW_DEFAULT 10

static void usage(FILE *out)
{
    fprintf(out, "Usage: buzz sniff FILE [--json] [--rows N] [CSV options]\n\n"
                 "Detect a CSV file's encoding, dialect, header and columns, and show its first\n"
                 "rows. FILE may be - for standard input, and may be .gz or .zst compressed.\n\n"
                 "Options:\n"
                 "  --json             print the result as JSON (schema in docs/sniff.md)\n"
                 "  --rows N           rows to show (default %d)\n"
                 "  -v, --verbose      also name the tokenizer kernel in use\n"
                 "  -h, --help         show this help\n\n%s\n%s",
            PREVIEW_DEFAULT, buzz_cli_csv_options_help(), buzz_cli_type_options_help());
}

typedef struct preview {
    size_t want;
    buzz_status st; /* first failure while copying */
    size_t rows, cols;
    char **cells; /* rows * cols, owned; NULL = missing */
    int64_t *lines;
} preview;

static void preview_free(preview *p)
{
    if (p->cells)
        for (size_t i = 0; i < p->rows * p->cols; i++)
            buzz_free(p->cells[i]);
    buzz_free(p->cells);
    buzz_free(p->lines);
}

/* Printable form of a char option for text output. */
static const char *char_name(int c, char *buf, size_t cap)
{
    if (c == BUZZ_CSV_NONE)
        return "none";
    if (c == '\t')
        return "tab";
    if (c == ' ')
        return "space";
    snprintf(buf, cap, "'%c'", c);
    return buf;
}

static json_t *char_json(int c)
{
    if (c == BUZZ_CSV_NONE)
        return json_null();
    char s[2] = {(char)c, 0};
    return json_string(s);
}

/* Terminal-safe rendering of a cell: control characters shown as escapes, cut at max bytes. */
static void print_cell(const char *s, size_t width)
{
    char out[256];
    if (!s) {
        printf("%-*s", (int)width, "");
        return;
    }
    buzz_quote_text(s, strlen(s), width > 40 ? 40 : width, out, sizeof out);
    /* Pad by characters, not bytes, so that non-ASCII text keeps the columns aligned. */
    size_t chars = 0;
    for (const char *p = out; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    printf("%s%*s", out, chars < width ? (int)(width - chars) : 0, "");
}

static int print_text(const char *path, buzz_csv_reader *rd, const preview *pv,
                      const buzz_schema *sc, bool verbose)
{
    const buzz_csv_dialect *d = buzz_csv_reader_dialect(rd);
    const buzz_str *names;
    size_t ncols;
    buzz_csv_reader_columns(rd, &names, &ncols);
    char b1[8], b2[8], b3[8];
    int64_t size = buzz_csv_reader_input_bytes(rd);
    printf("file:          %s", path);
    if (size >= 0)
        printf(" (%lld bytes)", (long long)size);
    printf("\nencoding:      %s%s\n", buzz_encoding_name(d->encoding), d->has_bom ? " (BOM)" : "");
    if (d->compression != BUZZ_COMPRESSION_NONE)
        printf("compression:   %s\n", buzz_compression_name(d->compression));
    printf("delimiter:     %s%s\n", char_name(d->delimiter, b1, sizeof b1),
           d->merge_delimiters ? " (aligned columns: a run counts as one)" : "");
    printf("quote:         %s\n", char_name(d->quote, b2, sizeof b2));
    printf("escape:        %s\n", d->escape == d->quote && d->quote != BUZZ_CSV_NONE
                                      ? "doubled quote"
                                      : char_name(d->escape, b3, sizeof b3));
    if (d->comment != BUZZ_CSV_NONE)
        printf("comment:       %s%s\n", char_name(d->comment, b1, sizeof b1),
               d->has_inline_comments ? " (also inside lines)" : " (whole lines)");
    printf("newline:       %s\n", buzz_newline_name(d->newline));
    printf("header:        %s\n", d->has_header ? "yes" : "no");
    printf("skipped lines: %lld%s\n", (long long)d->skip_lines,
           d->has_sep_line ? " (including a sep= line)" : "");
    if (d->trailing_empty_columns)
        printf("trailing empty columns: %zu (dropped)\n", d->trailing_empty_columns);
    if (d->footer_lines)
        printf("footer lines:  %lld (skipped)\n", (long long)d->footer_lines);
    if (d->ragged_rows)
        printf("ragged rows:   yes (rows leave out trailing empty fields; padded with NULL)\n");
    printf("rows:          %lld\n", (long long)sc->row_count);
    if (verbose)
        printf("kernel:        %s\n", buzz_csv_reader_kernel(rd));
    printf("columns:       %zu\n", ncols);
    (void)names;
    for (size_t c = 0; c < ncols; c++) {
        const buzz_column_def *cd = &sc->columns[c];
        char q[128], tt[32], ex[160];
        buzz_quote_text(cd->name, strlen(cd->name), 40, q, sizeof q);
        buzz_column_type_text(cd, tt, sizeof tt);
        size_t w = 0;
        ex[0] = '\0';
        for (size_t e = 0; e < cd->example_count && w + 4 < sizeof ex; e++) {
            char one[64];
            buzz_quote_text(cd->examples[e], strlen(cd->examples[e]), 24, one, sizeof one);
            int n = snprintf(ex + w, sizeof ex - w, "%s%s", e ? " | " : "", one);
            if (n < 0 || (size_t)n >= sizeof ex - w)
                break;
            w += (size_t)n;
        }
        char extra[64] = "";
        if (cd->type == BUZZ_TYPE_DATE || cd->type == BUZZ_TYPE_TIMESTAMP ||
            cd->type == BUZZ_TYPE_TIMESTAMP_TZ)
            snprintf(extra, sizeof extra, " %s", buzz_date_order_name(cd->date_order));
        else if (cd->unit != BUZZ_UNIT_NONE ||
                 (cd->num_style != BUZZ_NUM_DOT &&
                  (cd->type == BUZZ_TYPE_DECIMAL || cd->type == BUZZ_TYPE_DOUBLE ||
                   cd->num_style == BUZZ_NUM_DOT_GROUP_COMMA ||
                   cd->num_style == BUZZ_NUM_COMMA_GROUP_DOT ||
                   cd->num_style == BUZZ_NUM_COMMA_GROUP_SPACE)))
            snprintf(extra, sizeof extra, " %s%s%s", buzz_num_style_name(cd->num_style),
                     cd->unit ? " " : "", buzz_unit_symbol(cd->unit));
        printf("  %4zu  %-24s %-14s%-10s nulls %-8lld e.g. %s\n", c + 1, q, tt, extra,
               (long long)cd->null_count, ex);
    }
    if (pv->rows) {
        printf("first rows:\n");
        size_t show = ncols < 12 ? ncols : 12;
        for (size_t r = 0; r < pv->rows; r++) {
            printf("  %6lld ", (long long)pv->lines[r]);
            for (size_t c = 0; c < show; c++) {
                printf("| ");
                print_cell(pv->cells[r * pv->cols + c], 14);
                printf(" ");
            }
            printf("%s\n", show < ncols ? "| ..." : "|");
        }
    }
    const buzz_csv_report *rep = buzz_csv_reader_report(rd);
    for (size_t k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        if (!rep->counts[k])
            continue;
        printf("irregular:     %lld %s", (long long)rep->counts[k],
               buzz_csv_issue_kind_name((buzz_csv_issue_kind)k));
        const buzz_csv_issue *ex = &rep->examples[k][0];
        if (ex->line > 0)
            printf(", first at line %lld: %s", (long long)ex->line, ex->message);
        printf("\n");
    }
    return BUZZ_EXIT_OK;
}

static int print_json(const char *path, buzz_csv_reader *rd, const preview *pv,
                      const buzz_schema *sc)
{
    const buzz_csv_dialect *d = buzz_csv_reader_dialect(rd);
    char *doc = NULL;
    buzz_error err;
    if (buzz_schema_to_json(sc, BUZZ_SCHEMA_JSON_STATS, &doc, &err) != BUZZ_OK)
        return buzz_cli_report("sniff", &err);
    json_error_t je;
    json_t *root = json_loads(doc, 0, &je);
    buzz_free(doc);
    if (!root) {
        fprintf(stderr, "buzz sniff: internal error: schema document is not JSON: %s\n", je.text);
        return BUZZ_EXIT_INTERNAL;
    }
    json_t *src = json_object_get(root, "source");
    json_object_set_new(src, "path", json_string(path));
    json_object_set_new(src, "compression", json_string(buzz_compression_name(d->compression)));
    json_object_set_new(src, "encoding", json_string(buzz_encoding_name(d->encoding)));
    json_object_set_new(src, "bom", json_boolean(d->has_bom));
    json_t *dj = json_object();
    char delim[2] = {d->delimiter, 0};
    json_object_set_new(dj, "delimiter", json_string(delim));
    json_object_set_new(dj, "merge_delimiters", json_boolean(d->merge_delimiters));
    json_object_set_new(dj, "quote", char_json(d->quote));
    json_object_set_new(dj, "escape", char_json(d->escape));
    json_object_set_new(dj, "comment", char_json(d->comment));
    json_object_set_new(dj, "inline_comments", json_boolean(d->has_inline_comments));
    json_object_set_new(dj, "newline", json_string(buzz_newline_name(d->newline)));
    json_object_set_new(dj, "header", json_boolean(d->has_header));
    json_object_set_new(dj, "sep_line", json_boolean(d->has_sep_line));
    json_object_set_new(dj, "skip_lines", json_integer(d->skip_lines));
    json_object_set_new(dj, "trailing_empty_columns", json_integer((json_int_t)d->trailing_empty_columns));
    json_object_set_new(dj, "footer_lines", json_integer(d->footer_lines));
    json_object_set_new(dj, "ragged_rows", json_boolean(d->ragged_rows));
    json_object_set_new(dj, "skip_header_copies", json_boolean(d->skip_header_copies));
    json_object_set_new(root, "dialect", dj);
    json_t *cols = json_object_get(root, "columns");
    for (size_t c = 0; c < json_array_size(cols); c++)
        json_object_set_new(json_array_get(cols, c), "index", json_integer((json_int_t)c));
    int64_t rows = sc->row_count;
    bool exact = true;
    json_t *rj = json_object();
    json_object_set_new(rj, "count", json_integer(rows));
    json_object_set_new(rj, "exact", json_boolean(exact));
    json_object_set_new(root, "rows", rj);
    json_t *prev = json_array();
    for (size_t r = 0; r < pv->rows; r++) {
        json_t *row = json_array();
        for (size_t c = 0; c < pv->cols; c++) {
            const char *v = pv->cells[r * pv->cols + c];
            json_array_append_new(row, v ? json_string(v) : json_null());
        }
        json_array_append_new(prev, row);
    }
    json_object_set_new(root, "preview", prev);
    const buzz_csv_report *rep = buzz_csv_reader_report(rd);
    json_t *iss = json_object();
    for (size_t k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++) {
        json_t *kj = json_object();
        json_object_set_new(kj, "count", json_integer(rep->counts[k]));
        json_t *ex = json_array();
        int64_t n = rep->counts[k] < BUZZ_CSV_ISSUE_EXAMPLES ? rep->counts[k]
                                                             : BUZZ_CSV_ISSUE_EXAMPLES;
        for (int64_t i = 0; i < n; i++) {
            const buzz_csv_issue *e = &rep->examples[k][i];
            json_t *ej = json_object();
            json_object_set_new(ej, "line", e->line > 0 ? json_integer(e->line) : json_null());
            json_object_set_new(ej, "offset", json_integer(e->offset));
            json_object_set_new(ej, "message", json_string(e->message));
            json_array_append_new(ex, ej);
        }
        json_object_set_new(kj, "examples", ex);
        json_object_set_new(iss, buzz_cli_issue_key((buzz_csv_issue_kind)k), kj);
    }
    json_object_set_new(root, "irregular", iss);
    json_object_set_new(root, "irregular_complete", json_boolean(exact));
    json_object_set_new(root, "kernel", json_string(buzz_csv_reader_kernel(rd)));
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    printf("\n");
    json_decref(root);
    return rc == 0 ? BUZZ_EXIT_OK : BUZZ_EXIT_INTERNAL;
}

/* Visitor of the inference pass: keep the first pv->want rows. */
static void keep_preview(void *user, const buzz_csv_batch *b)
{
    preview *pv = user;
    for (size_t r = 0; r < b->row_count && pv->rows < pv->want && pv->st == BUZZ_OK; r++) {
        for (size_t c = 0; c < pv->cols && c < b->column_count; c++) {
            buzz_csv_cell cell = buzz_csv_batch_cell(b, r, c);
            if (buzz_csv_cell_is_missing(cell))
                continue;
            char *v = buzz_strndup(b->data + cell.offset, buzz_csv_cell_len(cell));
            if (!v) {
                pv->st = BUZZ_ERR_NOMEM;
                return;
            }
            pv->cells[pv->rows * pv->cols + c] = v;
        }
        pv->lines[pv->rows] = b->row_lines[r];
        pv->rows++;
    }
}

int buzz_cli_sniff(int argc, char **argv)
{
    buzz_csv_options o;
    memset(&o, 0, sizeof o);
    const char *path = NULL;
    bool json = false, verbose = false;
    buzz_cli_type_options to;
    buzz_cli_type_options_init(&to);
    uint64_t want = PREVIEW_DEFAULT;
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
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = true;
            continue;
        }
        if (strncmp(a, "--rows", 6) == 0 && (a[6] == '=' || a[6] == 0)) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !buzz_cli_parse_u64(v, &want) || want > 100000)
                return buzz_cli_usage_error("sniff", "--rows expects a number up to 100000");
            continue;
        }
        int m = buzz_cli_parse_csv_option("sniff", argc, argv, &i, &o);
        if (m < 0)
            return -m;
        if (m > 0)
            continue;
        m = buzz_cli_parse_type_option("sniff", argc, argv, &i, &to);
        if (m < 0)
            return -m;
        if (m > 0)
            continue;
        if (a[0] == '-' && a[1] != '\0')
            return buzz_cli_usage_error("sniff", "unknown option \"%.40s\"", a);
        if (path)
            return buzz_cli_usage_error("sniff", "only one FILE can be sniffed at a time");
        path = a;
    }
    if (!path)
        return buzz_cli_usage_error("sniff", "missing FILE");
    buzz_error err;
    buzz_csv_reader *rd = NULL;
    preview pv;
    memset(&pv, 0, sizeof pv);
    buzz_schema sc;
    memset(&sc, 0, sizeof sc);
    buzz_cli_type_options_finish(&to, &o);
    buzz_infer_hook(&to.infer, &o.batch_hook); /* values are typed on the reader's threads */
    buzz_status st = buzz_csv_reader_open(&rd, path, &o, &err);
    int rc;
    if (st) {
        rc = buzz_cli_report("sniff", &err);
        goto done;
    }
    {
        const buzz_str *names;
        buzz_csv_reader_columns(rd, &names, &pv.cols);
    }
    pv.want = (size_t)want;
    pv.cells = buzz_calloc(pv.want * pv.cols + 1, sizeof *pv.cells);
    pv.lines = buzz_calloc(pv.want + 1, sizeof *pv.lines);
    if (!pv.cells || !pv.lines) {
        buzz_error_set(&err, BUZZ_ERR_NOMEM, "out of memory for the preview");
        rc = buzz_cli_report("sniff", &err);
        goto done;
    }
    st = buzz_schema_infer(rd, &to.infer, keep_preview, &pv, &sc, &err);
    if (st == BUZZ_OK && pv.st != BUZZ_OK)
        st = buzz_error_set(&err, pv.st, "out of memory for the preview");
    if (st) {
        rc = buzz_cli_report("sniff", &err);
        goto done;
    }
    buzz_free(sc.source_name);
    sc.source_name = buzz_strndup(path, strlen(path));
    rc = json ? print_json(path, rd, &pv, &sc) : print_text(path, rd, &pv, &sc, verbose);
done:
    buzz_schema_free(&sc);
    preview_free(&pv);
    buzz_csv_reader_close(rd);
    return rc;
}
