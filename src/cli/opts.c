/* cli/opts.c: parsing of the CSV reading options shared by the subcommands that read CSV (sniff,
 * and later convert): --encoding, --delimiter, --quote, --escape, --comment, --header/--no-header,
 * --skip, --threads, --simd, --strict. Values come as "--opt=value" or "--opt value". Also the
 * value parsers every subcommand uses (counts, seconds), and the DuckDB engine options of query and
 * profile (--memory-limit, --threads). */
#include "opts.h"

#include "buzz/query.h"

#include <string.h>

/* Parse a non-negative decimal integer; false on anything else (no sign, no spaces). */
bool buzz_cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* "5", "0.5", "2.25": seconds into milliseconds (1 ms to a day). */
bool buzz_cli_parse_seconds(const char *s, int64_t *out_ms)
{
    int64_t whole = 0, frac_ms = 0, scale = 100;
    const char *p = s;
    if (!*p)
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        whole = whole * 10 + (*p - '0');
        if (whole > 86400)
            return false;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac_ms += scale * (*p - '0');
    }
    if (*p || p == s)
        return false;
    int64_t ms = whole * 1000 + frac_ms;
    if (ms < 1 || ms > 86400000)
        return false;
    *out_ms = ms;
    return true;
}

/* A one-byte dialect character: a literal byte, or a name. allow_none: "none" gives
 * BUZZ_CSV_NONE. Returns 0 when the text is not acceptable. */
static int parse_char(const char *v, bool allow_none)
{
    static const struct {
        const char *name;
        int c;
    } names[] = {
        {"tab", '\t'},   {"\\t", '\t'},  {"comma", ','},    {"semicolon", ';'}, {"pipe", '|'},
        {"space", ' '},  {"colon", ':'}, {"dquote", '"'},   {"squote", '\''},   {"backslash", '\\'},
        {"hash", '#'},   {"whitespace", ' '},
    };
    if (allow_none && strcmp(v, "none") == 0)
        return BUZZ_CSV_NONE;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(names); i++)
        if (strcmp(v, names[i].name) == 0)
            return names[i].c;
    if (strlen(v) == 1 && (unsigned char)v[0] >= 0x20 && (unsigned char)v[0] < 0x7F)
        return (unsigned char)v[0];
    if (strlen(v) == 1 && v[0] == '\t')
        return '\t';
    return 0;
}

/* If argv[*i] is "--name" or "--name=value", set *value and advance *i past what was used.
 * Returns 1 when matched with a value, 0 when not this option, -1 when the value is missing. */
static int take_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *i += 1;
    *value = argv[*i];
    return 1;
}

int buzz_cli_parse_csv_option(const char *cmd, int argc, char **argv, int *i,
                              buzz_csv_options *o)
{
    const char *a = argv[*i];
    const char *v = NULL;
    int m;
    if (strcmp(a, "--strict") == 0) {
        o->strict = true;
        return 1;
    }
    /* Properties detected unless forced on (1) or off (-1). */
    const struct {
        const char *on, *off;
        int *field;
    } forced[] = {{"--header", "--no-header", &o->header},
                  {"--inline-comments", "--no-inline-comments", &o->inline_comments},
                  {"--ragged", "--no-ragged", &o->ragged_rows}};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(forced); k++) {
        if (strcmp(a, forced[k].on) == 0 || strcmp(a, forced[k].off) == 0) {
            *forced[k].field = strcmp(a, forced[k].on) == 0 ? 1 : -1;
            return 1;
        }
    }
    static const char *char_opts[] = {"--delimiter", "--quote", "--escape", "--comment"};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(char_opts); k++) {
        m = take_value(argc, argv, i, char_opts[k], &v);
        if (m == 0)
            continue;
        if (m < 0)
            return -buzz_cli_usage_error(cmd, "%s needs a value", char_opts[k]);
        int c = parse_char(v, k > 0);
        if (c == 0)
            return -buzz_cli_usage_error(cmd,
                                         "%s expects one character or a name like tab, "
                                         "semicolon, pipe%s; found \"%.40s\"",
                                         char_opts[k], k > 0 ? ", none" : "", v);
        if (k == 0 && strcmp(v, "whitespace") == 0)
            o->merge_delimiters = 1; /* space-aligned columns: runs of spaces are one */
        if (k == 0)
            o->delimiter = c;
        else if (k == 1)
            o->quote = c;
        else if (k == 2)
            o->escape = c;
        else
            o->comment = c;
        return 1;
    }
    m = take_value(argc, argv, i, "--encoding", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--encoding needs a value");
    if (m > 0) {
        buzz_error err;
        if (buzz_encoding_parse(v, &o->encoding, &err) != BUZZ_OK)
            return -buzz_cli_usage_error(cmd, "--encoding: %s", err.message);
        return 1;
    }
    m = take_value(argc, argv, i, "--skip", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--skip needs a number of lines");
    if (m > 0) {
        uint64_t n;
        if (!buzz_cli_parse_u64(v, &n) || n > INT64_MAX)
            return -buzz_cli_usage_error(cmd, "--skip expects a number of lines, found \"%.40s\"",
                                         v);
        o->has_skip_lines = true;
        o->skip_lines = (int64_t)n;
        return 1;
    }
    m = take_value(argc, argv, i, "--footer", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--footer needs a number of lines");
    if (m > 0) {
        uint64_t n;
        if (!buzz_cli_parse_u64(v, &n) || n > INT64_MAX)
            return -buzz_cli_usage_error(cmd,
                                         "--footer expects a number of lines, found \"%.40s\"", v);
        o->has_footer_lines = true;
        o->footer_lines = (int64_t)n;
        return 1;
    }
    m = take_value(argc, argv, i, "--threads", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--threads needs a number");
    if (m > 0) {
        uint64_t n;
        if (!buzz_cli_parse_u64(v, &n) || n < 1 || n > 64)
            return -buzz_cli_usage_error(cmd, "--threads must be between 1 and 64, got \"%.40s\"",
                                         v);
        o->threads = (unsigned)n;
        return 1;
    }
    m = take_value(argc, argv, i, "--simd", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--simd needs a kernel name");
    if (m > 0) {
        buzz_error err;
        if (buzz_simd_parse(v, &o->simd, &err) != BUZZ_OK)
            return -buzz_cli_usage_error(cmd, "--simd: %s", err.message);
        if (!buzz_simd_supported(o->simd))
            return -buzz_cli_usage_error(cmd, "--simd=%s is not supported by this CPU", v);
        return 1;
    }
    return 0;
}

const char *buzz_cli_csv_options_help(void)
{
    return "CSV reading options (everything is detected when not given):\n"
           "  --encoding NAME    utf-8, utf-16le, utf-16be, windows-1252 (latin1)\n"
           "  --delimiter C      field delimiter: one character, or tab, semicolon, pipe, space;\n"
           "                     whitespace: space-aligned columns (runs of spaces are one)\n"
           "  --quote C          quote character, or none\n"
           "  --escape C         escape inside quotes (e.g. backslash), or none (doubled quotes)\n"
           "  --comment C        lines starting with C are comments, or none\n"
           "  --inline-comments  also an unquoted C inside a line ends the record there\n"
           "                     (--no-inline-comments: never; default: detected)\n"
           "  --header           the first row is a header\n"
           "  --no-header        there is no header row\n"
           "  --skip N           skip N lines before the table (titles, notes)\n"
           "  --footer N         skip the last N non-empty lines (totals, notes); 0 keeps all\n"
           "  --ragged           rows may leave out trailing empty fields (short rows are\n"
           "                     padded with NULL, not reported); --no-ragged: never;\n"
           "                     default: detected\n"
           "  --threads N        tokenizer threads (default: all CPUs)\n"
           "  --simd NAME        tokenizer kernel: auto, scalar, avx2, avx512\n"
           "  --strict           stop at the first irregular row instead of reporting it\n";
}

void buzz_cli_type_options_init(buzz_cli_type_options *t)
{
    memset(t, 0, sizeof *t);
    buzz_null_tokens_clear(&t->nulls);
}

int buzz_cli_parse_type_option(const char *cmd, int argc, char **argv, int *i,
                               buzz_cli_type_options *t)
{
    const char *v = NULL;
    if (strcmp(argv[*i], "--bool-digits") == 0) {
        t->infer.bool_digits = true;
        return 1;
    }
    int m = take_value(argc, argv, i, "--null", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--null needs a token (use --null '' for none)");
    if (m > 0) {
        buzz_error err;
        t->has_nulls = true;
        if (buzz_null_tokens_add(&t->nulls, v, strlen(v), &err) != BUZZ_OK)
            return -buzz_cli_usage_error(cmd, "--null: %s", err.message);
        return 1;
    }
    m = take_value(argc, argv, i, "--date-order", &v);
    if (m < 0)
        return -buzz_cli_usage_error(cmd, "--date-order needs ymd, dmy or mdy");
    if (m > 0) {
        buzz_error err;
        if (buzz_date_order_parse(v, &t->infer.date_order, &err) != BUZZ_OK)
            return -buzz_cli_usage_error(cmd, "--date-order: %s", err.message);
        t->infer.has_date_order = true;
        return 1;
    }
    return 0;
}

void buzz_cli_type_options_finish(buzz_cli_type_options *t, const buzz_csv_options *o)
{
    t->infer.nulls = t->has_nulls ? &t->nulls : NULL;
    (void)o;
}

const char *buzz_cli_type_options_help(void)
{
    return "Typing options:\n"
           "  --null TOKEN       text that means NULL (repeatable; replaces the default set:\n"
           "                     NULL null Null NA N/A n/a #N/A - None nan NaN NAN)\n"
           "  --date-order O     ymd, dmy or mdy for dates that could be either (default:\n"
           "                     dmy for dates written with '.', else mdy)\n"
           "  --bool-digits      read columns of only 0 and 1 as booleans\n";
}

const char *buzz_cli_issue_key(buzz_csv_issue_kind k)
{
    static const char *const keys[BUZZ_CSV_ISSUE_KIND_COUNT] = {
        "too_few_fields", "too_many_fields", "unterminated_quote", "unescaped_quote",
        "quote_in_field", "invalid_bytes",   "nul_bytes",          "footer_lines",
        "repeated_header"};
    return (unsigned)k < BUZZ_CSV_ISSUE_KIND_COUNT ? keys[k] : "?";
}

int buzz_cli_parse_engine_option(const char *cmd, const char *opt, const char *v,
                                 buzz_query_options *qo)
{
    uint64_t n = 0;
    if (strcmp(opt, "--memory-limit") == 0) {
        if (!buzz_cli_parse_u64(v, &n) || n < 16 || n > ((uint64_t)1 << 30))
            return -buzz_cli_usage_error(
                cmd, "--memory-limit expects MiB (at least 16), found \"%.40s\"", v);
        qo->memory_limit_bytes = (size_t)n << 20;
        return 1;
    }
    if (strcmp(opt, "--threads") == 0) {
        if (!buzz_cli_parse_u64(v, &n) || n < 1 || n > 64)
            return -buzz_cli_usage_error(cmd, "--threads must be between 1 and 64, got \"%.40s\"",
                                         v);
        qo->threads = (unsigned)n;
        return 1;
    }
    return 0;
}
