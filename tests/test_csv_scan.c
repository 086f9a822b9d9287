/* tests/test_csv_scan.c: the tokenizer contract. Table-driven cases define the reading rules (see
 * src/csv/scan_scalar.c); every case runs on every kernel this CPU supports, with batch sizes from
 * 1 row up, and all must render identically. Also the boundary tracker: record ends it reports must
 * be exactly the tokenizer's. Last, a seeded randomized differential test holds every SIMD kernel
 * and tracker to the scalar ones on generated inputs and dialects. */
#include "test_support.h"

#include "csv_render.h"
#include "csv_scan_meta.h"

typedef struct scan_case {
    const char *in;
    size_t in_len;
    size_t ncols;
    const char *want;
    size_t want_len;
    const char *issues;
} scan_case;

/* String literal with its length (inputs and outputs may hold NUL bytes). */
#define S(x) x, sizeof(x) - 1

static const scan_case cases[] = {
    {S("a,b\nc,d\n"), 2, S("[a][b]|[c][d]|"), ""},
    {S("a,b\nc,d"), 2, S("[a][b]|[c][d]|"), ""},                 /* no final newline */
    {S("a,b\r\nc,d\r\n"), 2, S("[a][b]|[c][d]|"), ""},           /* CRLF */
    {S("a,\r\nb"), 2, S("[a][]|[b]~|"), "F"},                   /* style guide example */
    {S(""), 2, S(""), ""},                                      /* empty input */
    {S("\n\n\n"), 2, S(""), ""},                                /* only blank lines */
    {S("a,b\n\n\nc,d\n"), 2, S("[a][b]|[c][d]|"), ""},           /* blank lines skipped */
    {S("\"a,b\",c\n"), 2, S("{a,b}[c]|"), ""},
    {S("\"a\"\"b\",c\n"), 2, S("{a\"b}[c]|"), ""},               /* doubled quote */
    {S("\"\",x\n"), 2, S("{}[x]|"), ""},                         /* empty quoted is not blank */
    {S("\"\"\"\",x\n"), 2, S("{\"}[x]|"), ""},
    {S("\"multi\nline\",x\n"), 2, S("{multi\nline}[x]|"), ""},
    {S("\"multi\r\nline\",x\r\n"), 2, S("{multi\r\nline}[x]|"), ""},
    {S("\"a\"\r\n\"b\"\r\n"), 1, S("{a}|{b}|"), ""},             /* CR after closing quote */
    {S("ab\"c,d\n"), 2, S("[ab\"c][d]|"), "Q"},                 /* quote inside unquoted field */
    {S("5'10\",x\n"), 2, S("[5'10\"][x]|"), "Q"},
    /* A quote inside quotes that closes nothing is text; the field stays quoted. */
    {S("\"He said \"hi\" there\",x\n"), 2, S("{He said \"hi\" there}[x]|"), "A"},
    /* A quote never closed was no quote: read again from its field, unquoted to the end. */
    {S("\"abc\"def,g\nh,i\n"), 2, S("[\"abc\"def][g]|[h][i]|"), "U"},
    {S("\"onions\"  ,\",\"\n"), 2, S("{onions}{,}|"), ""},      /* blanks after the quote */
    {S("\"a\" \t\r\n\"b\"\t\n"), 1, S("{a}|{b}|"), ""},
    {S("\"a\" \"b\",x\n"), 2, S("{a\" \"b}[x]|"), "A"},
    {S("\"a\" b\",x\n"), 2, S("{a\" b}[x]|"), "A"},
    {S("\"x\"\r\"y\"\n"), 1, S("{x\"\r\"y}|"), "A"},        /* CR not before LF: text */
    {S("\"open,x\nmore\n"), 2, S("[\"open][x]|[more]~|"), "UF"}, /* unterminated at EOF */
    {S("a,\"x\"\"y\nb,\"c\n"), 2, S("[a][\"x\"\"y]|[b][\"c]|"), "U"}, /* quoting off after */
    {S("\"a\",\"b\n\"c,d\n"), 2, S("{a}[\"b]|[\"c][d]|"), "U"},
    {S("x\n\""), 1, S("[x]|[\"]|"), "U"},                      /* the quote is the last byte */
    {S("a\n"), 3, S("[a]~~|"), "F"},
    {S("a,b,c,d\n"), 2, S("[a][b]+c,d|"), "M"},
    {S("a,b,\"c,\"\"d\"\n"), 2, S("[a][b]+\"c,\"\"d\"|"), "M"}, /* extras kept raw */
    {S("a,b,,\n"), 2, S("[a][b]+,|"), "M"},                     /* empty extras reported by default */
    {S(",,\n"), 3, S("[][][]|"), ""},
    {S("a,\"\"\n"), 2, S("[a]{}|"), ""},
    {S("x\0y,z\n"), 2, S("[x\0y][z]|"), "N"},
    {S("\"a\nb\""), 1, S("{a\nb}|"), ""},
    {S("a,b\n\"c\""), 2, S("[a][b]|{c}~|"), "F"},
    {S("a,b\r\n\r\nc,d"), 2, S("[a][b]|[c][d]|"), ""},           /* CRLF blank line */
    {S("a\rb,c\n"), 2, S("[a\rb][c]|"), ""},                     /* bare CR is text in LF mode */
    {S("\"a\"\"\",b\n"), 2, S("{a\"}[b]|"), ""},
    {S("\"a\"\"\"\"\",b\n"), 2, S("{a\"\"}[b]|"), ""},
    /* Leading blanks: a quote after them still opens the field (the blanks are dropped). */
    {S("a, \"b, c\"\n"), 2, S("[a]{b, c}|"), ""},
    {S("a,\t\"x\"\n"), 2, S("[a]{x}|"), ""},
    {S("a, \t \"x\" ,y\n"), 3, S("[a]{x}[y]|"), ""},         /* blanks on both sides */
    {S(" \"a,b\",c\n"), 2, S("{a,b}[c]|"), ""},              /* at the start of a record */
    {S("x\n\t \"a\nb\"\n"), 1, S("[x]|{a\nb}|"), ""},
    {S("a, \"\"\n"), 2, S("[a]{}|"), ""},
    {S("a, \"b\"\"c\",d\n"), 3, S("[a]{b\"c}[d]|"), ""},
    {S("a, \"b"), 2, S("[a][ \"b]|"), "U"},                   /* unterminated: blanks kept */
    {S("a,  \"x\"y,z\n"), 2, S("[a][  \"x\"y]+z|"), "UM"},
    {S("a,  \"x\"\r\n"), 2, S("[a]{x}|"), ""},
    /* Blanks not followed by a quote stay in the unquoted value. */
    {S("a,  x\n"), 2, S("[a][  x]|"), ""},
    {S("a, x \n"), 2, S("[a][ x ]|"), ""},
    {S(" x\"y,z\n"), 2, S("[ x\"y][z]|"), "Q"},
    {S("a, \n"), 2, S("[a][ ]|"), ""},
    {S("a, "), 2, S("[a][ ]|"), ""},                          /* blanks at EOF */
    {S("a,\t\r\n"), 2, S("[a][\t]|"), ""},                  /* CR is no leading blank */
    {S("a, \r\"x\"\n"), 2, S("[a][ \r\"x\"]|"), "Q"},
    /* A line of only blanks is a value, not a blank line. */
    {S("   \n"), 2, S("[   ]~|"), "F"},
    {S("a,b\n \t \nc,d\n"), 2, S("[a][b]|[ \t ]~|[c][d]|"), "F"},
    {S("a,b\n  "), 2, S("[a][b]|[  ]~|"), "F"},
    {S("  \n"), 1, S("[  ]|"), ""},
    {S("\t\r\n"), 1, S("[\t]|"), ""},
    /* Extras keep their raw text, leading blanks included. */
    {S("a,b, \"c,d\", e\n"), 2, S("[a][b]+ \"c,d\", e|"), "M"},
    {S("a,b,\t\"c\"\n"), 2, S("[a][b]+\t\"c\"|"), "M"},
};

static buzz_simd kernels[4];
static size_t kernel_count;

static int setup_kernels(void **state)
{
    (void)state;
    const buzz_simd all[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(all); i++)
        if (buzz_simd_supported(all[i]) && buzz__csv_pick_scan(all[i]))
            kernels[kernel_count++] = all[i];
    return 0;
}

static void check_case(const char *in, size_t len, const buzz_csv_dialect *d, const char *want,
                       size_t want_len, const char *want_issues, const char *label)
{
    static const size_t caps[] = {1, 2, 3, 1000};
    for (size_t k = 0; k < kernel_count; k++) {
        for (size_t c = 0; c < BUZZ_ARRAY_LEN(caps); c++) {
            render_out out;
            bool ok = render_tokenize(in, len, d, buzz__csv_pick_scan(kernels[k]), caps[c], &out);
            if (!ok)
                fail_msg("%s (%s, cap %zu): kernel stopped early", label,
                         buzz_simd_name(kernels[k]), caps[c]);
            if (out.text.len - 1 != want_len || memcmp(out.text.data, want, want_len) != 0)
                fail_msg("%s (%s, cap %zu): got %s, want %s", label, buzz_simd_name(kernels[k]),
                         caps[c], (const char *)out.text.data, want);
            if (want_issues && strcmp((const char *)out.issues.data, want_issues) != 0)
                fail_msg("%s (%s, cap %zu): issues %s, want %s", label,
                         buzz_simd_name(kernels[k]), caps[c], (const char *)out.issues.data,
                         want_issues);
            render_free(&out);
        }
    }
}

/* check_case for NUL-free input and output. */
static void check_str(const buzz_csv_dialect *d, const char *in, const char *want,
                      const char *want_issues, const char *label)
{
    check_case(in, strlen(in), d, want, strlen(want), want_issues, label);
}

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(cases); i++) {
        buzz_csv_dialect d = render_dialect(cases[i].ncols);
        char label[64];
        snprintf(label, sizeof label, "case %zu", i);
        check_case(cases[i].in, cases[i].in_len, &d, cases[i].want, cases[i].want_len,
                   cases[i].issues, label);
    }
}

static void test_dialects(void **state)
{
    (void)state;
    buzz_csv_dialect d = render_dialect(2);
    d.delimiter = ';';
    check_case("a;b\n\"x;y\";z\n", 12, &d, "[a][b]|{x;y}[z]|", strlen("[a][b]|{x;y}[z]|"), "", "semicolon");
    d.delimiter = '\t';
    check_case("a\tb,c\n", 6, &d, "[a][b,c]|", strlen("[a][b,c]|"), "", "tab");
    d = render_dialect(2);
    d.quote = BUZZ_CSV_NONE;
    d.escape = BUZZ_CSV_NONE;
    check_case("\"a,b\n", 5, &d, "[\"a][b]|", strlen("[\"a][b]|"), "", "no quoting");
    d = render_dialect(2);
    d.escape = '\\';
    check_case("\"a\\\"b\",c\n", 9, &d, "{a\"b}[c]|", strlen("{a\"b}[c]|"), "", "backslash escape");
    check_case("\"a\\\\\",c\n", 8, &d, "{a\\}[c]|", strlen("{a\\}[c]|"), "", "escaped backslash");
    check_case("a\\b,c\n", 6, &d, "[a\\b][c]|", strlen("[a\\b][c]|"), "", "backslash outside quotes is text");
    d = render_dialect(2);
    d.quote = '\'';
    d.escape = '\'';
    check_case("'a,b',c\n", 8, &d, "{a,b}[c]|", strlen("{a,b}[c]|"), "", "single quote");
    d = render_dialect(2);
    d.newline = BUZZ_NEWLINE_CR;
    check_case("a,b\rc,d\r", 8, &d, "[a][b]|[c][d]|", strlen("[a][b]|[c][d]|"), "", "CR mode");
    check_case("a,b\r\nc,d\r\n", 10, &d, "[a][b]|[c][d]|", strlen("[a][b]|[c][d]|"), "", "CR mode with CRLF");
    d = render_dialect(2);
    d.comment = '#';
    check_case("#note,x\na,b\n# c\nc,d\n", 20, &d, "[a][b]|[c][d]|", strlen("[a][b]|[c][d]|"), "", "comments");
    check_case("a,#b\n", 5, &d, "[a][#b]|", strlen("[a][#b]|"), "", "comment byte mid-record");
    check_str(&d, "  # comment\na,b\n", "[a][b]|", "", "indented comment");
    check_str(&d, "a,b\n\t#x,\"y\n \t#\nc,d", "[a][b]|[c][d]|", "",
              "indented comments, one with a quote");
    check_str(&d, "a, #b\n", "[a][ #b]|", "", "blanks then # mid-record");
    check_str(&d, " x#,y\n", "[ x#][y]|", "", "# after a non-blank");
    check_str(&d, "  #", "", "", "indented comment at EOF");
    /* Inline comments: an unquoted comment byte ends the field and the record. */
    d.has_inline_comments = true;
    static const struct {
        const char *in, *want, *issues;
        size_t ncols;
        char delim;
        bool merge, cr;
    } inl[] = {
        {"a,b#x\n", "[a][b]|", "", 2, ',', false, false},
        {"1,3#5,7\n6,7\n", "[1][3]|[6][7]|", "", 2, ',', false, false},
        {"a,#\n", "[a][]|", "", 2, ',', false, false},
        {"a, #x\n", "[a][ ]|", "", 2, ',', false, false},
        {"a,b   #c\n", "[a][b   ]|", "", 2, ',', false, false},
        {"\"x#y\",z#w\n", "{x#y}[z]|", "", 2, ',', false, false},
        {"\"x\"#c,2\n", "{x}~|", "F", 2, ',', false, false},
        {"\"y\" \t#c\n", "{y}~|", "F", 2, ',', false, false},
        {"#full\n  #ind\na#b\n", "[a]~|", "F", 2, ',', false, false},
        {"a,b,c#d\n", "[a][b]+c|", "M", 2, ',', false, false},
        {"a,b#c\"d\ne,f\n", "[a][b]|[e][f]|", "", 2, ',', false, false},
        {"a,b#c", "[a][b]|", "", 2, ',', false, false},
        {"a,b#c\r\n", "[a][b]|", "", 2, ',', false, false},
        {"a,\"b#c", "[a][\"b]|", "U", 2, ',', false, false}, /* unquoted, then a comment */
        {"ab\"c#d,e\n", "[ab\"c]~|", "QF", 2, ',', false, false},
        {"a;b#c;d\n", "[a][b]|", "", 2, ';', false, false},
        {"a,b#c\rd,e\r\n", "[a][b]|[d][e]|", "", 2, ',', false, true},
        {"a  b  # note\n", "[a][b]~|", "F", 3, ' ', true, false},
        {"   # c\nx y z#\n", "[x][y][z]|", "", 3, ' ', true, false},
        {"x#y\n#z\nw\n", "[x]|[w]|", "", 1, ',', false, false},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(inl); i++) {
        buzz_csv_dialect di = render_dialect(inl[i].ncols);
        di.comment = '#';
        di.has_inline_comments = true;
        di.delimiter = inl[i].delim;
        di.merge_delimiters = inl[i].merge;
        di.newline = inl[i].cr ? BUZZ_NEWLINE_CR : BUZZ_NEWLINE_LF;
        char label[64];
        snprintf(label, sizeof label, "inline comment case %zu", i);
        check_str(&di, inl[i].in, inl[i].want, inl[i].issues, label);
    }
    d.has_inline_comments = false;
    d = render_dialect(3);
    d.delimiter = ' ';
    check_str(&d, "a \"b c\" d\n", "[a]{b c}[d]|", "", "space delimiter with quotes");
    check_str(&d, "a  \"b\"\n", "[a][]{b}|", "", "space delimiter: two separators");
    check_str(&d, "a \t\"b\" c\n", "[a]{b}[c]|", "", "space delimiter, tab blank");
    d.delimiter = '\t';
    check_str(&d, "a\t \"b\"\tc\n", "[a]{b}[c]|", "", "tab delimiter, space blank");
    check_str(&d, "a\t\t\"b\"\n", "[a][]{b}|", "", "tab delimiter: two separators");
    check_str(&d, "a\t \tb\n", "[a][ ][b]|", "", "tab delimiter, blank field");
    d = render_dialect(2);
    d.newline = BUZZ_NEWLINE_CR;
    check_str(&d, "a, \"b\rc\"\r d,\t\"e\"\r", "[a]{b\rc}|[ d]{e}|", "",
              "CR mode with leading blanks");
    d = render_dialect(2);
    d.escape = '\\';
    check_str(&d, "a, \"b\\\"c\"\n", "[a]{b\"c}|", "", "blanks, quote and escape");
    d = render_dialect(3);
    d.delimiter = ' ';
    d.merge_delimiters = true;
    check_case("name   age  city\n  Bob    42   Paris  \nAl 7 \"New York\"\n", 55, &d,
               "[name][age][city]|[Bob][42][Paris]|[Al][7]{New York}|",
               strlen("[name][age][city]|[Bob][42][Paris]|[Al][7]{New York}|"), "",
               "space-aligned");
    check_case("a  b\n   \nc d e f", 16, &d, "[a][b]~|[c][d][e]+f|",
               strlen("[a][b]~|[c][d][e]+f|"), "FM", "space-aligned irregular rows");
    check_case("x y z   ", 8, &d, "[x][y][z]|", strlen("[x][y][z]|"), "",
               "space-aligned trailing run at EOF");
    d = render_dialect(2);
    d.trailing_empty_columns = 2;
    check_case("a,b,,\nc,d,\n", 11, &d, "[a][b]|[c][d]|", strlen("[a][b]|[c][d]|"), "", "trailing empty columns");
    check_case("a,b,,x\n", 7, &d, "[a][b]+,x|", strlen("[a][b]+,x|"), "M", "non-empty trailing field");
}

static bool same_track_state(const buzz__csv_track *a, const buzz__csv_track *b)
{
    return a->state == b->state && a->at_record_start == b->at_record_start &&
           a->pending_cr == b->pending_cr;
}

/* The tracker must report exactly the record starts the tokenizer sees (row ends, plus the ends of
 * comment and blank lines, which are record starts too), whatever the range sizes. */
static void test_tracker(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int comment;
        buzz_newline nl;
        const char *want;
        bool inline_comments;
    } tcases[] = {
        {"a,b\nc,d\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "4,8,", false},
        {"\"x\ny\",z\nq,r\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "8,12,", false},
        {"ab\"c,d\ne,f\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "7,11,", false},
        {"\"abc\"def\ng\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "", false}, /* the quote stays open */
        {"\"abc\"  ,x\ng\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "10,12,", false},
        {"#c\"x\na,b\n", '#', BUZZ_NEWLINE_LF, "5,9,", false},
        {"\"a\"\"\nb\"\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "8,", false},
        {"a\r\nb\r\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "3,6,", false},
        {"a\r\nb\rc\r", BUZZ_CSV_NONE, BUZZ_NEWLINE_CR, "3,5,", false},
        {"\"a\rb\"\rc", BUZZ_CSV_NONE, BUZZ_NEWLINE_CR, "6,", false},
        /* Leading blanks: a quote after them opens the field, so its LF is no record end. */
        {"a, \"b\nc\"\nd\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "9,11,", false},
        {" \"a\nb\",c\nd\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "9,11,", false},
        {"\t\"a\nb\"\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "7,", false},
        {" x\"\ny\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "4,6,", false},     /* not followed by a quote */
        {"   \n\t\na\n", BUZZ_CSV_NONE, BUZZ_NEWLINE_LF, "4,6,8,", false}, /* lines of only blanks */
        {"  #c,\"x\nd\n", '#', BUZZ_NEWLINE_LF, "8,10,", false},            /* indented comment */
        {"a, #c,\"x\nd\"\n", '#', BUZZ_NEWLINE_LF, "12,", false},          /* # mid-record is text */
        {" \"a\rb\"\rc", BUZZ_CSV_NONE, BUZZ_NEWLINE_CR, "7,", false},
        /* Inline comments: the quotes after the comment byte open nothing. */
        {"a,b #c,\"x\nd\n", '#', BUZZ_NEWLINE_LF, "10,12,", true},
        {"\"q\"#\"\nr\n", '#', BUZZ_NEWLINE_LF, "6,8,", true},
        {"a#\"b\nc\"\n", '#', BUZZ_NEWLINE_LF, "5,8,", true},
        {"a, #\"b\rc\rd", '#', BUZZ_NEWLINE_CR, "7,9,", true},
    };
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(tcases); i++) {
        buzz_csv_dialect d = render_dialect(2);
        d.comment = tcases[i].comment;
        d.newline = tcases[i].nl;
        d.has_inline_comments = tcases[i].inline_comments;
        const uint8_t *in = (const uint8_t *)tcases[i].in;
        size_t len = strlen(tcases[i].in);
        for (size_t step = 1; step <= len; step++) {
            buzz__csv_track k;
            buzz__csv_track_init(&k, &d);
            char got[64] = "";
            buzz__csv_track kk[4];
            for (size_t j = 0; j < kernel_count; j++)
                buzz__csv_track_init(&kk[j], &d);
            for (size_t p = 0; p < len; p += step) {
                size_t e = p + step < len ? p + step : len;
                size_t b = buzz__csv_track_scalar(&k, in, p, e);
                if (b)
                    snprintf(got + strlen(got), sizeof got - strlen(got), "%zu,", b);
                /* Every kernel's tracker agrees range by range (the data has no padding, so only
                 * the scalar kernel's byte reads are safe past a short range: copy it). */
                uint8_t buf[64 + BUZZ__CSV_PAD];
                memcpy(buf, in, len);
                memset(buf + len, 'P', BUZZ__CSV_PAD);
                for (size_t j = 0; j < kernel_count; j++) {
                    size_t bj = buzz__csv_pick_track(kernels[j])(&kk[j], buf, p, e);
                    if (bj != b || !same_track_state(&kk[j], &k))
                        fail_msg("tracker case %zu step %zu (%s): range [%zu, %zu) got %zu, "
                                 "want %zu",
                                 i, step, buzz_simd_name(kernels[j]), p, e, bj, b);
                }
            }
            /* The ranges report only the last boundary of each: compare the final one, and all of
             * them when stepping one byte at a time. */
            const char *want = tcases[i].want;
            if (step == 1 && strcmp(got, want) != 0)
                fail_msg("tracker case %zu: got %s, want %s", i, got, want);
            const char *last_want = want;
            for (const char *c = want; *c; c++)
                if (*c == ',' && c[1])
                    last_want = c + 1;
            const char *last_got = got;
            for (const char *c = got; *c; c++)
                if (*c == ',' && c[1])
                    last_got = c + 1;
            if (step > 1 && strcmp(last_got, last_want) != 0 && k.pending_cr == false)
                fail_msg("tracker case %zu step %zu: last %s, want %s", i, step, last_got,
                         last_want);
        }
    }
}

/* Leading blanks around 64-byte block edges: the blanks end (the next byte, a quote, a comment
 * byte, a letter or the LF, sits) at offsets around 64 and 128, after 1 to 70 blanks, in the middle
 * of a record and at its start. Every kernel must read them as the scalar one, the trackers must
 * report the record ends (quoted values hold an LF that is no record end), and indented comments
 * must be counted. */
typedef struct edge_case {
    char in[512];
    char want[512];
    size_t ends[4]; /* record ends the tracker reports (offset after the LF) */
    size_t end_count;
    int64_t comments;
} edge_case;

static void edge_put(char *buf, size_t *len, const char *s, size_t n)
{
    assert_true(*len + n < 512);
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = 0;
}

static void edge_blanks(char *buf, size_t *len, size_t nb)
{
    for (size_t i = 0; i < nb; i++)
        edge_put(buf, len, i % 3 == 1 ? "\t" : " ", 1);
}

/* kind 0: mid-record quote, 1: mid-record letter, 2: quote at a record start, 3: indented comment,
 * 4: a line of only blanks, 5: an inline comment after blanks mid-record. `at`: offset of the byte
 * after the blanks. False if it cannot fit. */
static bool edge_build(edge_case *c, unsigned kind, size_t at, size_t nb)
{
    size_t n = 0, w = 0;
    memset(c, 0, sizeof *c);
    bool mid = kind < 2 || kind == 5;
    size_t head = mid ? 2 : 6; /* "p," or "p,1,2\n" minus the padding */
    if (at < nb + head)
        return false;
    size_t pad = at - nb - head + 1;
    char p[300];
    memset(p, 'p', pad);
    edge_put(c->in, &n, p, pad);
    edge_put(c->want, &w, "[", 1);
    edge_put(c->want, &w, p, pad);
    edge_put(c->want, &w, "]", 1);
    if (mid) {
        edge_put(c->in, &n, ",", 1);
    } else {
        edge_put(c->in, &n, ",1,2\n", 5);
        edge_put(c->want, &w, "[1][2]|", 7);
        c->ends[c->end_count++] = n;
    }
    size_t b0 = n;
    edge_blanks(c->in, &n, nb);
    assert_int_equal(n, at);
    switch (kind) {
    case 0:
        edge_put(c->in, &n, "\"q\nr\",z\n", 8);
        edge_put(c->want, &w, "{q\nr}[z]|", 9);
        break;
    case 1:
        edge_put(c->in, &n, "xy,z\n", 5);
        edge_put(c->want, &w, "[", 1);
        edge_put(c->want, &w, c->in + b0, nb + 2);
        edge_put(c->want, &w, "][z]|", 5);
        break;
    case 2:
        edge_put(c->in, &n, "\"q\nr\",s,t\n", 10);
        edge_put(c->want, &w, "{q\nr}[s][t]|", 12);
        break;
    case 3:
        edge_put(c->in, &n, "#c,\"x\n", 6);
        c->comments = 1;
        break;
    case 5:
        edge_put(c->in, &n, "#c,\"x\n", 6);
        edge_put(c->want, &w, "[", 1);
        edge_put(c->want, &w, c->in + b0, nb);
        edge_put(c->want, &w, "]~|", 3);
        break;
    default:
        edge_put(c->in, &n, "\n", 1);
        edge_put(c->want, &w, "[", 1);
        edge_put(c->want, &w, c->in + b0, nb);
        edge_put(c->want, &w, "]~~|", 4);
        break;
    }
    c->ends[c->end_count++] = n;
    edge_put(c->in, &n, "a,b,c\n", 6);
    edge_put(c->want, &w, "[a][b][c]|", 10);
    c->ends[c->end_count++] = n;
    return true;
}

static void check_edge_track(const edge_case *c, const buzz_csv_dialect *d, const char *label)
{
    size_t len = strlen(c->in);
    uint8_t data[512 + BUZZ__CSV_PAD];
    memcpy(data, c->in, len);
    memset(data + len, 'P', BUZZ__CSV_PAD);
    /* Byte by byte, the scalar tracker reports every record end. */
    buzz__csv_track k;
    buzz__csv_track_init(&k, d);
    size_t got = 0;
    for (size_t p = 0; p < len; p++) {
        size_t b = buzz__csv_track_scalar(&k, data, p, p + 1);
        if (b) {
            if (got >= c->end_count || b != c->ends[got])
                fail_msg("%s: tracker reported %zu as record end %zu", label, b, got);
            got++;
        }
    }
    if (got != c->end_count)
        fail_msg("%s: tracker reported %zu record ends, want %zu", label, got, c->end_count);
    /* Every kernel's tracker, over ranges split at each offset, ends like the scalar one. */
    for (size_t kk = 0; kk < kernel_count; kk++) {
        buzz__csv_track_fn fn = buzz__csv_pick_track(kernels[kk]);
        for (size_t cut = 0; cut <= len; cut += 1 + (cut > 70 && cut < 120) * 7) {
            buzz__csv_track want, have;
            buzz__csv_track_init(&want, d);
            buzz__csv_track_init(&have, d);
            size_t wb = buzz__csv_track_scalar(&want, data, 0, cut);
            size_t hb = fn(&have, data, 0, cut);
            size_t wb2 = buzz__csv_track_scalar(&want, data, cut, len);
            size_t hb2 = fn(&have, data, cut, len);
            if (wb != hb || wb2 != hb2 || !same_track_state(&want, &have) ||
                (cut < len && wb2 != len))
                fail_msg("%s (%s tracker, cut %zu): got %zu,%zu, want %zu,%zu", label,
                         buzz_simd_name(kernels[kk]), cut, hb, hb2, wb, wb2);
        }
    }
}

static void test_blank_block_edges(void **state)
{
    (void)state;
    static const size_t ats[] = {62, 63, 64, 65, 66, 126, 127, 128, 129, 130};
    static const size_t nbs[] = {1, 2, 3, 63, 64, 70};
    edge_case c;
    /* Kind 3 runs with and without inline comments (the same reading), kind 5 with them. */
    for (unsigned run = 0; run < 7; run++) {
        unsigned kind = run < 6 ? run : 3;
        for (size_t a = 0; a < BUZZ_ARRAY_LEN(ats); a++) {
            for (size_t b = 0; b < BUZZ_ARRAY_LEN(nbs); b++) {
                if (!edge_build(&c, kind, ats[a], nbs[b]))
                    continue;
                buzz_csv_dialect d = render_dialect(3);
                if (kind == 3 || kind == 5)
                    d.comment = '#';
                d.has_inline_comments = kind == 5 || run == 6;
                char label[96];
                snprintf(label, sizeof label,
                         "block edge kind %u%s, next byte at %zu, %zu blanks", kind,
                         d.has_inline_comments ? " (inline comments)" : "", ats[a], nbs[b]);
                check_case(c.in, strlen(c.in), &d, c.want, strlen(c.want),
                           kind == 4 || kind == 5 ? "F" : "", label);
                for (size_t k = 0; k < kernel_count; k++) {
                    render_out out;
                    assert_true(render_tokenize(c.in, strlen(c.in), &d,
                                                buzz__csv_pick_scan(kernels[k]), 1000, &out));
                    if (out.comment_lines != c.comments || out.blank_lines != 0)
                        fail_msg("%s (%s): %lld comment and %lld blank lines", label,
                                 buzz_simd_name(kernels[k]), (long long)out.comment_lines,
                                 (long long)out.blank_lines);
                    render_free(&out);
                }
                check_edge_track(&c, &d, label);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Randomized differential test: every SIMD kernel against the scalar one, on inputs built to hit
 * the fast path (well-formed records, long fields crossing 64-byte blocks) and the fallback (random
 * bytes from a small, hostile alphabet), under random dialects. Fixed seed, so failures replay. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void) /* xorshift64* */
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static size_t rng_below(size_t n) /* uniform enough in [0, n), n > 0 */
{
    return (size_t)(rng_next() >> 11) % n;
}

static uint8_t random_byte(void)
{
    static const struct {
        uint8_t c;
        unsigned weight;
    } alphabet[] = {
        {'a', 30},  {'b', 10}, {',', 12}, {';', 6}, {'"', 10}, {'\'', 4},
        {'\n', 10}, {'\r', 3}, {'\\', 3}, {'#', 3}, {'\0', 1}, {'x', 8},
        {' ', 8},   {'\t', 4},
    };
    unsigned total = 0;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(alphabet); i++)
        total += alphabet[i].weight;
    unsigned r = (unsigned)rng_below(total);
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(alphabet); i++) {
        if (r < alphabet[i].weight)
            return alphabet[i].c;
        r -= alphabet[i].weight;
    }
    return 'a';
}

typedef struct gen_buf {
    uint8_t data[1024];
    size_t len, max;
} gen_buf;

static void gen_put(gen_buf *g, uint8_t c)
{
    if (g->len < g->max)
        g->data[g->len++] = c;
}

/* Spaces and tabs, mostly spaces. */
static void gen_blanks(gen_buf *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gen_put(g, rng_below(4) ? ' ' : '\t');
}

/* Mostly well-formed records for dialect d, with a few stray bytes and leading blanks. */
static void gen_records(gen_buf *g, const buzz_csv_dialect *d)
{
    uint8_t q = d->quote == BUZZ_CSV_NONE ? '"' : (uint8_t)d->quote;
    uint8_t nl = d->newline == BUZZ_NEWLINE_CR ? '\r' : '\n';
    unsigned stray = (unsigned)rng_below(4); /* 0: clean */
    unsigned blanks = (unsigned)rng_below(3); /* leading blanks: 0 none, 1 a few, 2 often */
    while (g->len < g->max) {
        size_t fields = 1 + rng_below(d->column_count + 2);
        if (d->comment != BUZZ_CSV_NONE && rng_below(12) == 0) {
            if (blanks && rng_below(2))
                gen_blanks(g, 1 + rng_below(4)); /* indented comment */
            gen_put(g, (uint8_t)d->comment);
            gen_put(g, 'c');
            gen_put(g, q);
        }
        for (size_t f = 0; f < fields && g->len < g->max; f++) {
            if (f)
                gen_put(g, (uint8_t)d->delimiter);
            if (blanks && rng_below(6) < blanks * 2)
                gen_blanks(g, rng_below(8) == 0 ? rng_below(80) : 1 + rng_below(3));
            unsigned kind = (unsigned)rng_below(10);
            size_t n = rng_below(rng_below(8) == 0 ? 150 : 12);
            if (kind < 4 || d->quote == BUZZ_CSV_NONE) {
                for (size_t i = 0; i < n; i++)
                    gen_put(g, (uint8_t)('a' + rng_below(3)));
            } else {
                gen_put(g, q);
                for (size_t i = 0; i < n; i++) {
                    unsigned r = (unsigned)rng_below(16);
                    if (r == 0) {
                        gen_put(g, q);
                        gen_put(g, q);
                    } else if (r == 1) {
                        gen_put(g, (uint8_t)d->delimiter);
                    } else if (r == 2) {
                        gen_put(g, '\n');
                    } else if (r == 3) {
                        gen_put(g, '\r');
                    } else if (r == 4 && d->escape != BUZZ_CSV_NONE && d->escape != d->quote) {
                        gen_put(g, (uint8_t)d->escape);
                        gen_put(g, (uint8_t)(rng_below(2) ? q : 'e'));
                    } else {
                        gen_put(g, (uint8_t)('a' + rng_below(3)));
                    }
                }
                gen_put(g, q);
                if (rng_below(16) == 0)
                    gen_put(g, '\r'); /* CR after the closing quote, then maybe not an LF */
            }
            if (stray && rng_below(30) < stray)
                gen_put(g, random_byte());
        }
        if (d->has_inline_comments && rng_below(6) == 0) {
            if (rng_below(2))
                gen_blanks(g, 1 + rng_below(3));
            gen_put(g, (uint8_t)d->comment); /* an inline comment, with bytes that mean nothing */
            gen_put(g, q);
            gen_put(g, (uint8_t)d->delimiter);
            gen_put(g, 'c');
        }
        if (nl == '\n' && rng_below(4) == 0)
            gen_put(g, '\r');
        gen_put(g, nl);
        if (nl == '\r' && rng_below(3) == 0)
            gen_put(g, '\n');
        if (rng_below(20) == 0)
            gen_put(g, nl); /* blank line */
    }
}

static void gen_input(gen_buf *g, const buzz_csv_dialect *d)
{
    g->len = 0;
    g->max = rng_below(8) == 0 ? rng_below(16) : rng_below(601);
    switch (rng_below(4)) {
    case 0:
        while (g->len < g->max)
            gen_put(g, random_byte());
        break;
    case 1: /* random bytes with long runs, so fields and quotes cross blocks */
        while (g->len < g->max) {
            uint8_t c = random_byte();
            size_t run = rng_below(4) == 0 ? rng_below(130) : 1;
            for (size_t i = 0; i < run; i++)
                gen_put(g, c == '\0' || c == '\n' ? 'r' : c);
            gen_put(g, random_byte());
        }
        break;
    default:
        gen_records(g, d);
        break;
    }
}

static buzz_csv_dialect random_dialect(void)
{
    buzz_csv_dialect d = render_dialect(1 + rng_below(5));
    static const int delims[] = {',', ',', ',', ';', ';', ' ', '\t'};
    d.delimiter = delims[rng_below(BUZZ_ARRAY_LEN(delims))];
    static const int quotes[] = {'"', '"', '\'', BUZZ_CSV_NONE};
    d.quote = quotes[rng_below(4)];
    unsigned e = (unsigned)rng_below(4);
    d.escape = e < 2 ? d.quote : e == 2 ? '\\' : BUZZ_CSV_NONE;
    d.comment = rng_below(3) == 0 ? '#' : BUZZ_CSV_NONE;
    d.has_inline_comments = d.comment != BUZZ_CSV_NONE && rng_below(2) == 0;
    d.newline = rng_below(5) == 0 ? BUZZ_NEWLINE_CR : BUZZ_NEWLINE_LF;
    d.trailing_empty_columns = rng_below(3);
    d.merge_delimiters = rng_below(6) == 0;
    return d;
}

static void dump_input(const uint8_t *in, size_t len, const buzz_csv_dialect *d)
{
    fprintf(stderr,
            "dialect: delim %d quote %d escape %d comment %d inline %d newline %d ncols %zu "
            "trailing %zu\ninput (%zu bytes):",
            d->delimiter, d->quote, d->escape, d->comment, d->has_inline_comments,
            (int)d->newline, d->column_count, d->trailing_empty_columns, len);
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02x", in[i]);
    fprintf(stderr, "\n");
}

static void check_random_tokenize(const uint8_t *in, size_t len, const buzz_csv_dialect *d,
                                  size_t iter)
{
    static const size_t caps[] = {1, 2, 7, 1000};
    size_t cap = caps[rng_below(BUZZ_ARRAY_LEN(caps))];
    render_out want;
    bool want_ok = render_tokenize((const char *)in, len, d, buzz__csv_scan_scalar, cap, &want);
    for (size_t k = 0; k < kernel_count; k++) {
        if (kernels[k] == BUZZ_SIMD_SCALAR)
            continue;
        render_out got;
        bool ok =
            render_tokenize((const char *)in, len, d, buzz__csv_pick_scan(kernels[k]), cap, &got);
        bool same = ok == want_ok && got.text.len == want.text.len &&
                    memcmp(got.text.data, want.text.data, want.text.len) == 0 &&
                    strcmp((const char *)got.issues.data, (const char *)want.issues.data) == 0 &&
                    got.blank_lines == want.blank_lines && got.comment_lines == want.comment_lines;
        if (!same) {
            dump_input(in, len, d);
            fail_msg("random %zu (%s, cap %zu): got %s / %s, want %s / %s", iter,
                     buzz_simd_name(kernels[k]), cap, (const char *)got.text.data,
                     (const char *)got.issues.data, (const char *)want.text.data,
                     (const char *)want.issues.data);
        }
        render_free(&got);
    }
    render_free(&want);

    /* Row offsets, lines, issue details and the state after each call, the scan fed in pieces. */
    size_t cuts[16];
    size_t ncuts = 0;
    for (size_t p = 0; p < len && ncuts + 1 < BUZZ_ARRAY_LEN(cuts);) {
        p += 1 + rng_below(rng_below(2) ? 64 : 300);
        if (p < len)
            cuts[ncuts++] = p;
    }
    cuts[ncuts++] = len;
    size_t mcap = caps[rng_below(BUZZ_ARRAY_LEN(caps))];
    buzz_buf mwant;
    bool mwant_ok = meta_tokenize(in, len, d, buzz__csv_scan_scalar, mcap, cuts, ncuts, &mwant);
    for (size_t k = 0; k < kernel_count; k++) {
        if (kernels[k] == BUZZ_SIMD_SCALAR)
            continue;
        buzz_buf mgot;
        bool ok =
            meta_tokenize(in, len, d, buzz__csv_pick_scan(kernels[k]), mcap, cuts, ncuts, &mgot);
        if (ok != mwant_ok || mgot.len != mwant.len || memcmp(mgot.data, mwant.data, mgot.len)) {
            dump_input(in, len, d);
            rput(&mgot, "", 1);
            rput(&mwant, "", 1);
            fail_msg("random %zu (%s, cap %zu, %zu pieces): got\n%s\nwant\n%s", iter,
                     buzz_simd_name(kernels[k]), mcap, ncuts, (const char *)mgot.data,
                     (const char *)mwant.data);
        }
        buzz_buf_free(&mgot);
    }
    buzz_buf_free(&mwant);
}

static bool same_track(const buzz__csv_track *a, const buzz__csv_track *b)
{
    return a->state == b->state && a->at_record_start == b->at_record_start &&
           a->pending_cr == b->pending_cr;
}

static void check_random_track(const uint8_t *in, size_t len, const buzz_csv_dialect *d,
                               size_t iter)
{
    uint8_t *data = malloc(len + BUZZ__CSV_PAD);
    assert_non_null(data);
    memcpy(data, in, len);
    memset(data + len, 'P', BUZZ__CSV_PAD);
    size_t cuts[64];
    size_t ncuts = 0;
    for (size_t p = 0; p < len && ncuts < BUZZ_ARRAY_LEN(cuts);) {
        size_t step = rng_below(3) == 0 ? 64 * (1 + rng_below(3)) : 1 + rng_below(200);
        p = p + step < len ? p + step : len;
        cuts[ncuts++] = p;
    }
    for (size_t k = 0; k < kernel_count; k++) {
        if (kernels[k] == BUZZ_SIMD_SCALAR)
            continue;
        buzz__csv_track_fn fn = buzz__csv_pick_track(kernels[k]);
        buzz__csv_track want, got;
        buzz__csv_track_init(&want, d);
        buzz__csv_track_init(&got, d);
        size_t p = 0;
        for (size_t c = 0; c < ncuts; c++) {
            size_t wb = buzz__csv_track_scalar(&want, data, p, cuts[c]);
            size_t gb = fn(&got, data, p, cuts[c]);
            if (wb != gb || !same_track(&want, &got)) {
                dump_input(in, len, d);
                fail_msg("random %zu (%s tracker): range [%zu, %zu): got %zu state %d/%d/%d, "
                         "want %zu state %d/%d/%d",
                         iter, buzz_simd_name(kernels[k]), p, cuts[c], gb, (int)got.state,
                         got.at_record_start, got.pending_cr, wb, (int)want.state,
                         want.at_record_start, want.pending_cr);
            }
            p = cuts[c];
        }
    }
    free(data);
}

/* The undo log (reader.c's guessed cuts): chunks full of doubled quotes and escapes, read from
 * every start byte (most of them wrong starts, as after a wrong guess) by every kernel, with and
 * without deferred unescaping, give back exactly the bytes they were given once the log is
 * applied; and the log was not empty (cells were unescaped in place). */
static void test_undo_log(void **state)
{
    (void)state;
    static const char *inputs[] = {
        "a,b\n\"x\"\"y\",\"\"\"\"\n\"say \"\"hi\"\"\nnow\",\"q\"\"\"\n1,\"\"\"a,b\"\"\"\n",
        "a,b\n\"x\\\"y\",\"\\\\\"\n\"p\\\"\"\"q\",\"\\n\\\"\"\n",
    };
    for (size_t in = 0; in < BUZZ_ARRAY_LEN(inputs); in++) {
        buzz_csv_dialect d = render_dialect(2);
        d.escape = in == 1 ? '\\' : '"';
        /* A longer input, so that the SIMD kernels take whole blocks too. */
        char text[4096] = "";
        for (int k = 0; k < 12; k++)
            strcat(text, inputs[in]);
        size_t len = strlen(text);
        size_t unescaped = 0;
        for (size_t k = 0; k < kernel_count; k++) {
            buzz__csv_scan_fn fn = buzz__csv_pick_scan(kernels[k]);
            for (size_t from = 0; from < len; from++) {
                for (int defer = 0; defer < 2; defer++) {
                    render_out out;
                    render_init(&out);
                    render_mode m = {.issue_cap = 16, .defer = defer, .open_end = true,
                                     .undo = true};
                    assert_true(render_chunk(text + from, len - from, &d, fn, 5, &m, &out));
                    assert_memory_equal(m.data, text + from, len - from);
                    unescaped += m.undo_words;
                    free(m.data);
                    render_free(&out);
                }
            }
        }
        assert_true(unescaped > 0);
    }
}

/* The byte count behind guessed cuts by quote parity: every kernel counts as a plain loop, at
 * every length and alignment. */
static void test_count_byte(void **state)
{
    (void)state;
    uint8_t data[700];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (x & 3) == 0 ? '"' : (uint8_t)(x >> 8);
    }
    static const buzz_simd all[] = {BUZZ_SIMD_SCALAR, BUZZ_SIMD_AVX2, BUZZ_SIMD_AVX512};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(all); k++) {
        buzz__csv_count_fn fn = buzz__csv_pick_count(all[k]);
        if (!buzz_simd_supported(all[k])) {
            assert_null(fn);
            continue;
        }
        assert_non_null(fn);
        for (size_t from = 0; from < 70; from++) {
            for (size_t n = 0; from + n <= sizeof data; n += 1 + n / 8) {
                size_t want = 0;
                for (size_t i = 0; i < n; i++)
                    want += data[from + i] == '"';
                assert_int_equal(fn(data + from, n, '"'), want);
            }
        }
    }
}

static void test_random_differential(void **state)
{
    (void)state;
    gen_buf g;
    for (size_t iter = 0; iter < 20000; iter++) {
        buzz_csv_dialect d = random_dialect();
        gen_input(&g, &d);
        check_random_tokenize(g.data, g.len, &d, iter);
        check_random_track(g.data, g.len, &d, iter);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_dialects),
        cmocka_unit_test(test_tracker),
        cmocka_unit_test(test_blank_block_edges),
        cmocka_unit_test(test_undo_log),
        cmocka_unit_test(test_count_byte),
        cmocka_unit_test(test_random_differential),
    };
    return cmocka_run_group_tests(tests, setup_kernels, NULL);
}
