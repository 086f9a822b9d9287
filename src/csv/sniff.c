/* csv/sniff.c: the dialect sniffer. Picks delimiter, quote, escape, record delimiter, comment byte,
 * preamble (skip_lines, Excel's "sep=" line), header, trailing empty columns and footer lines from
 * decoded samples of the input (the head; for seekable inputs also up to 4 middle samples and the
 * tail). It reads the samples with the reference tokenizer (buzz__csv_scan_scalar) on a scratch
 * copy, so every decision is made on exactly the records the reader will see later; reader.c calls
 * buzz__csv_sniff once per input and options override anything detected.
 *
 * Method. Each candidate (delimiter x quote x escape) tokenizes a bounded part of every sample; its
 * score is consistency^2 * (1 - 1/m) * typed * (1 - issues) * prior, where m is the modal field
 * count, consistency the share of records with m fields, typed the share of cells that look like a
 * value (empty, number, date, boolean, or text holding no other candidate delimiter) and issues the
 * share of records with quoting trouble (unterminated quote counts five times, a quote inside
 * quotes or a doubled one inside an unquoted field, a""b, a quarter). Titles and notes before the
 * table: m and consistency may be taken after up to 10 leading records (at most half of them all,
 * 2% per record skipped); the mode of the rest may differ from the mode of all only when the
 * skipped records are all narrower than it (three "key<TAB>value" lines above a two-row table). A
 * reading that splits every record alike (three or more, two fields or more) beats a better-scoring
 * one that skips leading records, unless that one scores more than twice as high. A single column
 * scores consistency^2 * 0.2 (as a two-column table with 63% agreement would; 1.25 times that when
 * 70% of its cells are numbers, dates or booleans: a column of "12,5" values), so a delimiter must
 * split records consistently to beat it; ':' is no candidate when most colons look like times (a
 * digit before, exactly two digits after) or JSON keys, nor ' ' when most spaces sit inside
 * date-times ("2024-01-02 13:45"); rare delimiters need two records. Space-aligned text (runs of
 * spaces as one separator, merge_delimiters) is tried when runs of spaces occur. Reading without
 * quotes, a record with a cell that opens with '"' and a later one that closes with it counts as an
 * issue (a quoted field cut apart); reading with quotes, so does a quoted value of several lines
 * that each hold the delimiter (records swallowed by a stray quote). A '#' comment byte is tried
 * too when a line starts with '#' (after any blanks), and kept only when skipping those lines
 * raises the score by 10% (they do not look like rows). With a comment byte (detected or forced)
 * that also stands mid-line, inline comments (the byte ends the record, the rest of the line is a
 * comment: "1;3 # note") are tried as well and kept only when they score strictly higher: they
 * restore field counts or remove stray quotes, while "red,#FF0000" ties and keeps its value. Rare
 * delimiters (: ^ ~) get a prior of 0.9, space 0.5 and only when at least 95% of the records agree
 * and a tenth of the cells are numbers, dates or booleans. The winner's dialect then reads up to
 * HEAD_MAX bytes of the head (and the other samples) for the structural properties:
 *  - preamble: the table starts at the first record whose field count is the table's (m, or m - k
 *    to m with k trailing empties) and that at least half of the next four records agree with; in a
 *    table of three or more columns a record with fewer than two non-empty cells is a padded title,
 *    unless the next record is data with some empty cells (then it is a sparse header). A header
 *    with one name more than the table, right above it, starts the table (columns m + 1, rows
 *    padded; or m when the extra name is an empty trailing one, "a,b,c," above "1,2,3", also
 *    above a single row, where the two counts tie);
 *    skip_lines counts the physical lines before it (blank lines, comment lines and a "sep=" line
 *    included). Lines end at the record newline byte: LF, or CR in CR mode.
 *  - header: per column of the body (records after the first, up to STORE_ROWS), a type is
 *    dominant when at least 70% of the non-empty cells are numbers, dates or booleans (50% and at
 *    least two cells when the column has fewer than 10). A first-row
 *    cell that is text in such a column votes "header", one of the column's type votes "no header",
 *    empty cells abstain; the majority wins. When no column votes, a first row with an empty,
 *    number, date or boolean cell, or with two equal cells, is data. A first row of distinct text
 *    cells is a header (real exports nearly always carry one; DuckDB, pandas and Polars assume
 *    it too) unless the body shows it is data: every body row copies it (two or more); or a name
 *    shows up again as a value of its column; or every column holds a value equal to its name up
 *    to digits and blanks ("line1" above "line2"). A body row copying the whole first row is a
 *    header repeated by a concatenated export and proves nothing, except in a single column, and
 *    a lone body row copying it proves nothing anywhere. A column the body
 *    leaves empty, or fills only with numbers, dates or booleans too few to type it, sets the first
 *    row apart: header, whatever the other evidence.
 *  - comments: '#' (or ';' when it is not the delimiter) is the comment byte when some record
 *    starts with it (after any spaces or tabs: the tokenizer skips indented comments too) and
 *    most such records have a field count other than the table's; inline comments then as above
 *    (the chosen dialect scored with and without them).
 *  - trailing empty columns: k > 0 when every record with m fields ends in at least k empty
 *    fields and the first row (header or not) has either m fields or exactly m - k.
 *  - footer: the last records of the tail (or of a complete head) whose field count is neither m
 *    nor m - k, below m - k and at most max(2, m / 2), and that start like words (a letter,
 *    non-ASCII text, '*', '(' or a quote; not a digit or sign) and whose first cell is not the
 *    first cell of a table record above (then it is a short row of data): at most 8 records, after
 *    at least one record that agrees. Above those (or at the end), at most 3 rows of totals: a
 *    record with the table's field count whose first non-empty cell, within its first 4, is a
 *    totals label ("Total", "TOTAL:", "Grand total (EUR)", "Summe", "Totaal"; not "Total Gym";
 *    ";;Total;213,00" too) that no table record above has in that column, with at least two
 *    records above. Notes padded to the table's width ("Exported by tool;;;;") count as notes
 *    (padded_note), and records of empty cells among or below the footer records go with them.
 *    footer_lines is the number of non-empty physical lines from the first such record to the
 *    end of the input. --footer N replaces the detection.
 *  - ragged rows (rows that leave out their trailing empty fields: Excel after line 16, report
 *    tools on every line): the header is the first head record with two values or more (after at
 *    most PREAMBLE_MAX records with one at most), its last field not empty and at least the modal
 *    field count wide; of the records below (head and other samples) at most 1% are wider, one or
 *    more as wide, two or more narrower and 90% of those end in a value; when the mode is the
 *    header's width, 10 records or more and a fifth of them narrower; the header rule calls it a
 *    header; not for space-aligned text or inline comments. Then the table starts at the header,
 *    is as wide (no trailing empty columns), narrower records belong to it (in_table) and a
 *    footer note must be one cell with a ':' or three words or more. In scoring, score_ragged
 *    gives a candidate that reads the samples so (three columns or more, ten records, half the
 *    narrower ones with two fields or more, a tenth of the cells values) the score of a table of
 *    the header's width with that consistency, times 0.9. --ragged forces it (as wide as the
 *    widest head record from the header on), --no-ragged turns it off. */
#include "csv_internal.h"

#include <inttypes.h>
#include <string.h>

#define SCORE_HEAD_BYTES (128u << 10) /* head bytes each candidate reads */
#define SCORE_OTHER_BYTES (32u << 10) /* bytes of each middle/tail sample each candidate reads */
#define SCORE_ROWS 1500               /* records per sample and candidate */
#define HEAD_MAX (2u << 20)           /* head bytes read with the chosen dialect */
#define OTHER_MAX (256u << 10)        /* bytes of each other sample read with the chosen dialect */
#define MAX_RECS 20000                /* records kept from the head */
#define TAIL_RECS 4000                /* records kept from the tail */
#define NCOLS 64                      /* cells examined per record */
#define STORE_ROWS 512                /* records whose cells are classified for the header */
#define ROW_CAP 256                   /* tokenizer batch */
#define HIST_SLOTS 256                /* distinct field counts tracked (power of two) */
#define MAX_FOOTER 8
#define MAX_TOTALS 3 /* rows of totals at the end of the table */
#define SINGLE_COLUMN_SCORE 0.2 /* about a two-column table with 63% agreement */
#define TYPED_COLUMN_BONUS 1.25 /* one column of values: like a two-column table with 71% */
#define FOOTER_BYTES (16u << 10) /* end of the input searched for footer lines */
#define FOOTER_RECS 8200         /* every record but the last takes 2 bytes or more */

enum { T_EMPTY = 0, T_BOOL, T_NUM, T_DATE, T_TEXT };

typedef struct cell_info {
    uint8_t type;           /* T_* */
    uint16_t len;           /* bytes, saturated */
    uint32_t hash;          /* FNV-1a of the value */
    uint32_t template_hash; /* FNV-1a of the value without blanks, each digit run as one '0' */
} cell_info;

/* A totals label may stand after this many empty cells at most (";;Total;213,00"). */
#define LABEL_COLS 4

typedef struct rec {
    int64_t line;            /* physical lines before the record, from the sample start */
    int64_t offset;          /* sample-relative byte offset */
    uint32_t nfields;        /* fields in the record */
    uint32_t trailing_empty; /* empty fields at its end */
    uint32_t nonempty;       /* non-empty cells among the first NCOLS */
    uint8_t lead;            /* first byte of the record */
    uint8_t lead_nonblank;   /* first byte after leading spaces and tabs (indented comments) */
    uint32_t first_hash;     /* FNV-1a of the first cell's value */
    uint32_t lead_hash[LABEL_COLS]; /* FNV-1a of the first LABEL_COLS cells (0: none) */
    uint8_t label_col;       /* the first non-empty cell among those, LABEL_COLS if none */
    uint8_t first_type;      /* classify() of the first cell */
    uint8_t first_words;     /* words (runs of non-blanks) in the first cell, saturated */
    bool first_colon;        /* the first cell holds a ':' ("Source: ...") */
    bool total_label;        /* that cell reads "Total", "Grand total:", "Summe", ... */
} rec;

typedef struct hist {
    uint32_t key[HIST_SLOTS];
    uint32_t count[HIST_SLOTS];
} hist;

/* One sample prepared for scanning. */
typedef struct sample {
    const uint8_t *p;
    size_t len;
    bool ends_input; /* the last record is complete (end of input) */
    bool drop_first; /* starts at an arbitrary byte: its first record may be off */
} sample;

/* Tokenizer with its caller-allocated outputs and a scratch copy of the sample being read. */
typedef struct scanner {
    buzz__csv_tok tok;
    buzz_csv_cell *cells;
    int64_t *offs, *lines;
    buzz_csv_extra *extras;
    uint8_t *scratch;
    size_t scratch_cap;
    int64_t issues[BUZZ_CSV_ISSUE_KIND_COUNT];
} scanner;

typedef void (*row_fn)(void *user, const buzz__csv_tok *t, size_t r, size_t nfields,
                       const uint8_t *orig);

/* ---------------------------------------------------------------------------------------------
 * Small helpers. */
static bool is_byte(int v)
{
    return v > 0 && v < 256;
}

static size_t bounded(size_t n, size_t max)
{
    return n < max ? n : max;
}

static bool is_nl(int c)
{
    return c == '\n' || c == '\r';
}

static void hist_add_n(hist *h, uint32_t k, uint32_t n)
{
    size_t i = (k * 2654435761u) & (HIST_SLOTS - 1);
    for (size_t probe = 0; probe < HIST_SLOTS; probe++) {
        if (h->count[i] == 0) {
            h->key[i] = k;
            h->count[i] = n;
            return;
        }
        if (h->key[i] == k) {
            h->count[i] += n;
            return;
        }
        i = (i + 1) & (HIST_SLOTS - 1);
    }
}

static void hist_add(hist *h, uint32_t k)
{
    hist_add_n(h, k, 1);
}

/* Modal key (ties: more fields win); 0 when empty. */
static uint32_t hist_mode(const hist *h, uint32_t *out_count, uint64_t *out_total)
{
    uint32_t best = 0, best_n = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < HIST_SLOTS; i++) {
        total += h->count[i];
        if (h->count[i] > best_n || (h->count[i] == best_n && h->count[i] && h->key[i] > best)) {
            best = h->key[i];
            best_n = h->count[i];
        }
    }
    if (out_count)
        *out_count = best_n;
    if (out_total)
        *out_total = total;
    return best;
}

/* Remove one occurrence of k (present). */
static void hist_remove(hist *h, uint32_t k)
{
    size_t i = (k * 2654435761u) & (HIST_SLOTS - 1);
    for (size_t probe = 0; probe < HIST_SLOTS; probe++) {
        if (h->count[i] && h->key[i] == k) {
            h->count[i]--;
            return;
        }
        i = (i + 1) & (HIST_SLOTS - 1);
    }
}

/* Titles and notes before the table: the field count of the table is the mode of the records
 * after up to PREAMBLE_MAX leading records of the head (first[0..nfirst), their field counts),
 * at most half of them all and leaving two. Each skipped record costs 2% of consistency (the
 * share of the remaining records with the mode), so a reading that needs a preamble loses ties
 * to one that reads every record alike. The mode of the remaining records may differ from the
 * mode of all when the skipped records are all shorter than it (titles and "key<TAB>value" notes
 * as many as the table's rows): a preamble is narrower than the table, never wider. Returns the
 * mode; *out_consist gets its consistency and *out_skip the records skipped. */
static uint32_t preamble_mode(const hist *h, const uint32_t *first, size_t nfirst,
                              double *out_consist, size_t *out_skip)
{
    uint32_t n_mode;
    uint64_t total;
    uint32_t m = hist_mode(h, &n_mode, &total);
    double consist = total ? (double)n_mode / (double)total : 0.0;
    size_t skip = 0;
    hist rest = *h;
    uint32_t widest = 0; /* field count of the widest skipped record */
    for (size_t sk = 1; sk <= nfirst && sk * 2 <= total && total - sk >= 2; sk++) {
        hist_remove(&rest, first[sk - 1]);
        widest = first[sk - 1] > widest ? first[sk - 1] : widest;
        uint32_t n_sk;
        uint32_t m_sk = hist_mode(&rest, &n_sk, NULL);
        if (m_sk != m && widest >= m_sk) {
            n_sk = 0; /* the all-records mode, counted among the rest, is the only choice */
            for (size_t i = 0; i < HIST_SLOTS; i++)
                n_sk = rest.count[i] && rest.key[i] == m ? rest.count[i] : n_sk;
            m_sk = m;
        }
        double c = (double)n_sk / (double)(total - sk) * (1.0 - 0.02 * (double)sk);
        if (c > consist) {
            consist = c;
            m = m_sk;
            skip = sk;
        }
    }
    *out_consist = consist;
    *out_skip = skip;
    return m;
}

static uint8_t lower_ascii(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static bool equals_ci(const uint8_t *p, size_t n, const char *word)
{
    size_t wn = strlen(word);
    if (n != wn)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower_ascii(p[i]) != (uint8_t)word[i])
            return false;
    return true;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* A number: sign, optional currency, digit groups split by '.' (and ',' unless ',' delimits),
 * optional exponent and percent sign. */
static bool is_number(const uint8_t *p, size_t n, uint8_t delim)
{
    size_t i = 0, digits = 0, dots = 0, commas = 0;
    if (i < n && (p[i] == '+' || p[i] == '-'))
        i++;
    if (i < n && p[i] == '$')
        i++;
    for (; i < n; i++) {
        uint8_t c = p[i];
        if (is_digit(c)) {
            digits++;
        } else if ((c == '.' || (c == ',' && delim != ',')) && i + 1 < n && is_digit(p[i + 1])) {
            dots += c == '.';
            commas += c == ',';
        } else {
            break;
        }
    }
    if (digits == 0 || (dots >= 2 && commas == 0))
        return false;
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (p[j] == '+' || p[j] == '-'))
            j++;
        if (j >= n || !is_digit(p[j]))
            return false;
        while (j < n && is_digit(p[j]))
            j++;
        i = j;
    }
    if (i < n && p[i] == '%')
        i++;
    return i == n;
}

/* A date, time or timestamp made of digits and - / : . T Z + separators (AM/PM allowed). */
static bool is_date(const uint8_t *p, size_t n)
{
    size_t digits = 0, marks = 0, dots = 0;
    if (n >= 2 && (equals_ci(p + n - 2, 2, "am") || equals_ci(p + n - 2, 2, "pm")))
        n -= 2;
    if (n == 0 || !is_digit(p[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (is_digit(c))
            digits++;
        else if (c == '-' || c == '/' || c == ':')
            marks++;
        else if (c == '.')
            dots++;
        else if (c != ' ' && c != 'T' && c != 'Z' && c != '+')
            return false;
    }
    return digits >= 3 && (marks > 0 || dots >= 2);
}

static uint8_t classify(const uint8_t *p, size_t n, uint8_t delim)
{
    while (n > 0 && (p[0] == ' ' || p[0] == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0)
        return T_EMPTY;
    static const char *const nulls[] = {"na", "n/a", "null", "nan", "none", "-", "?", "nil"};
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(nulls); i++)
        if (equals_ci(p, n, nulls[i]))
            return T_EMPTY;
    if (equals_ci(p, n, "true") || equals_ci(p, n, "false") || equals_ci(p, n, "yes") ||
        equals_ci(p, n, "no"))
        return T_BOOL;
    if (is_number(p, n, delim))
        return T_NUM;
    if (is_date(p, n))
        return T_DATE;
    return T_TEXT;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The value with blanks left out and each run of digits as one '0': "line 12" and "line3" are
 * alike. */
static uint32_t template_hash(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\t' || (is_digit(c) && i > 0 && is_digit(p[i - 1])))
            continue;
        h = (h ^ (is_digit(c) ? '0' : c)) * 16777619u;
    }
    return h;
}

/* Unquoted text holding a byte some other dialect would split on (or a stray quote) is what a
 * wrong delimiter leaves in its cells. */
static bool is_dirty_text(const uint8_t *p, size_t n)
{
    /* A quote counts even without quoting: quoted fields split by a quote-less reading leave
     * their quotes in the cells. */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == ',' || c == ';' || c == '\t' || c == '|' || c == '^' || c == '~' || c == '"')
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Scanning a sample with the reference tokenizer. */
static buzz_status scanner_init(scanner *sc, size_t scratch_bytes, buzz_error *err)
{
    memset(sc, 0, sizeof *sc);
    sc->cells = buzz_malloc(sizeof(buzz_csv_cell) * NCOLS * ROW_CAP);
    sc->offs = buzz_malloc(sizeof(int64_t) * ROW_CAP);
    sc->lines = buzz_malloc(sizeof(int64_t) * ROW_CAP);
    sc->extras = buzz_malloc(sizeof(buzz_csv_extra) * ROW_CAP);
    sc->scratch_cap = scratch_bytes;
    sc->scratch = buzz_malloc(scratch_bytes + BUZZ__CSV_PAD);
    if (!sc->cells || !sc->offs || !sc->lines || !sc->extras || !sc->scratch)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory: sniffer needs %zu bytes",
                              scratch_bytes + sizeof(buzz_csv_cell) * NCOLS * ROW_CAP);
    return BUZZ_OK;
}

static void scanner_free(scanner *sc)
{
    buzz_free(sc->cells);
    buzz_free(sc->offs);
    buzz_free(sc->lines);
    buzz_free(sc->extras);
    buzz_free(sc->scratch);
    memset(sc, 0, sizeof *sc);
}

/* Fields of row r: extras say how many beyond NCOLS; otherwise the MISSING cells that pad a short
 * row form a suffix, found by binary search. */
static size_t row_fields(const buzz__csv_tok *t, size_t r, size_t *xi)
{
    if (*xi < t->extra_count && t->extras[*xi].row == r)
        return NCOLS + t->extras[(*xi)++].field_count;
    size_t lo = 1, hi = NCOLS; /* answer in [lo, hi]: cells [lo, answer) are present */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (buzz_csv_cell_is_missing(t->cells[mid * t->row_cap + r]))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Tokenize s with dialect d (column_count ignored), calling fn for each record, at most max_rows.
 * The scratch copy is unescaped in place by the tokenizer; `orig` passed to fn is the sample. */
static void scan_sample(scanner *sc, const buzz_csv_dialect *d, const sample *s, size_t max_rows,
                        row_fn fn, void *user)
{
    size_t len = s->len < sc->scratch_cap ? s->len : sc->scratch_cap;
    bool ends = s->ends_input && len == s->len;
    buzz__csv_tok *t = &sc->tok;
    buzz_csv_dialect dd = *d;
    dd.column_count = NCOLS;
    dd.trailing_empty_columns = 0;
    memset(sc->issues, 0, sizeof sc->issues);
    if (len == 0)
        return;
    memcpy(sc->scratch, s->p, len);
    memset(sc->scratch + len, 0, BUZZ__CSV_PAD);
    buzz__csv_tok_init(t, &dd);
    t->data = sc->scratch;
    t->cells = sc->cells;
    t->row_offsets = sc->offs;
    t->row_lines = sc->lines;
    t->row_cap = ROW_CAP;
    t->extras = sc->extras;
    size_t pos = 0, seen = 0;
    bool skip = s->drop_first;
    for (;;) {
        pos = buzz__csv_scan_scalar(t, pos, len);
        if (!t->is_full && ends) {
            size_t again = buzz__csv_scan_finish(t, len);
            if (again) {
                pos = again; /* a stray quote: read again unquoted, in the same batch */
                continue;
            }
        }
        bool full = t->is_full;
        size_t xi = 0;
        for (size_t r = 0; r < t->rows && seen < max_rows; r++) {
            size_t nf = row_fields(t, r, &xi);
            if (skip) {
                skip = false;
                continue;
            }
            fn(user, t, r, nf, s->p);
            seen++;
        }
        for (size_t k = 0; k < BUZZ_CSV_ISSUE_KIND_COUNT; k++)
            sc->issues[k] += t->issue_totals[k];
        if (!full || seen >= max_rows)
            break;
        buzz__csv_tok_reset_output(t);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Candidate scoring. */
#define PREAMBLE_MAX 10 /* leading head records a candidate may treat as preamble */

/* Ragged rows: the records below a header of w fields, tallied the same way by the scoring
 * (score_row, from the tokenizer's cells) and by the structure (detect_ragged, from recs). */
typedef struct rag_tally {
    uint64_t total, full, wider, narrower; /* records; as wide as the header, wider, narrower */
    uint64_t ends_value, split; /* narrower ones ending in a value; with 2 fields or more */
} rag_tally;

static void rag_add(rag_tally *k, uint32_t nf, uint32_t w, bool ends_value)
{
    k->total++;
    if (nf > w) {
        k->wider++;
    } else if (nf < w) {
        k->narrower++;
        k->ends_value += ends_value;
        k->split += nf >= 2;
    } else {
        k->full++;
    }
}

/* The shape both rules ask for: some records as wide as the header, hardly any (1%) wider, two or
 * more narrower and 90% of those ending in a value (a row cut before an empty field would not). */
static bool rag_shape(const rag_tally *k)
{
    return k->full > 0 && k->wider * 100 <= k->total && k->narrower >= 2 &&
           k->ends_value * 10 >= k->narrower * 9;
}

/* Space-aligned text and inline comments cut records short by design: never ragged. */
static bool rag_dialect(const buzz_csv_dialect *d)
{
    return d->delimiter != ' ' && !d->merge_delimiters && !d->has_inline_comments;
}

typedef struct score_acc {
    hist h;
    uint64_t cells, typed, valued; /* cells; cells that look like values; numbers/dates/booleans */
    uint8_t delim;
    bool in_head;                   /* records come from the head sample */
    uint32_t first[PREAMBLE_MAX];   /* field counts of the head's first records */
    size_t nfirst;
    uint64_t quoteish;              /* without quoting: records with a quoted field cut apart */
    uint64_t wrapped;               /* without quoting: cells that start and end with '"' */
    uint64_t paired;                /* unquoted cells whose quotes all come doubled (a""b) */
    /* Ragged rows (rows that leave out their trailing empty fields): the first head record with
     * two values or more, after only records with at most one (titles), is the header; rag_w is
     * its field count when its last field holds a value, else 0. The records after it: */
    bool rag_done;                  /* the header record was found, or cannot be */
    size_t rag_pre;                 /* records before it */
    uint32_t rag_w;
    rag_tally rag;
    /* Set by score_dialect: */
    bool is_perfect;                /* every record (three or more) has the same count, 2 or more */
    size_t skipped;                 /* leading records the score treats as preamble */
} score_acc;

/* Every quote byte in p[0, n) (at least one) is one of a pair "": an exporter that escapes quotes
 * in unquoted fields too, not a sign of the wrong quote byte. */
static bool quotes_paired(const uint8_t *p, size_t n, uint8_t quote)
{
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != quote)
            continue;
        if (i + 1 >= n || p[i + 1] != quote)
            return false;
        pairs++;
        i++;
    }
    return pairs > 0;
}

/* A quoted value holding several lines that each carry the delimiter is whole records swallowed
 * by a quote that never meant to open a field (a title like "Swing it" at the start of a TSV
 * field): two or more newlines, each followed on its line by a delimiter. */
static bool is_runaway(const uint8_t *p, size_t n, uint8_t delim)
{
    size_t lines = 0;
    const uint8_t *e = p + n;
    const uint8_t *nl = memchr(p, '\n', n);
    while (nl) {
        const uint8_t *next = memchr(nl + 1, '\n', (size_t)(e - nl - 1));
        const uint8_t *line_end = next ? next : e;
        if (!memchr(nl + 1, delim, (size_t)(line_end - nl - 1)))
            return false;
        lines++;
        nl = next;
    }
    return lines >= 2;
}

static void score_row(void *user, const buzz__csv_tok *t, size_t r, size_t nf, const uint8_t *orig)
{
    (void)orig;
    score_acc *a = user;
    hist_add(&a->h, (uint32_t)(nf > UINT32_MAX ? UINT32_MAX : nf));
    if (a->in_head && a->nfirst < PREAMBLE_MAX)
        a->first[a->nfirst++] = (uint32_t)(nf > UINT32_MAX ? UINT32_MAX : nf);
    size_t n = nf < NCOLS ? nf : NCOLS;
    bool quoteish = false, opened = false;
    size_t open_c = 0, nonempty = 0;
    /* A record wider than NCOLS: its last field is not examined, taken as a value. */
    bool ends_value = nf > NCOLS;
    for (size_t c = 0; c < n; c++) {
        buzz_csv_cell cell = t->cells[c * t->row_cap + r];
        const uint8_t *p = t->data + cell.offset;
        size_t len = buzz_csv_cell_len(cell);
        nonempty += len > 0 || buzz_csv_cell_is_quoted(cell);
        if (c + 1 == nf)
            ends_value = len > 0 || buzz_csv_cell_is_quoted(cell);
        uint8_t ty = classify(p, len, a->delim);
        a->cells++;
        a->valued += ty == T_NUM || ty == T_DATE || ty == T_BOOL;
        if (ty != T_TEXT || buzz_csv_cell_is_quoted(cell) || !is_dirty_text(p, len))
            a->typed++;
        /* A cell that opens with '"' and a later one that closes with it: a quoted field that a
         * quote-less reading cut apart at its delimiters. */
        if (!t->has_quote && len > 0 && p[len - 1] == '"' && opened && !(len == 1 && c == open_c))
            quoteish = true;
        if (!t->has_quote && len > 0 && p[0] == '"' && !opened) {
            opened = true;
            open_c = c;
        }
        if (buzz_csv_cell_is_quoted(cell) && len > 0 && is_runaway(p, len, a->delim))
            quoteish = true;
        a->wrapped += !t->has_quote && len >= 2 && p[0] == '"' && p[len - 1] == '"';
        a->paired += t->has_quote && !buzz_csv_cell_is_quoted(cell) && len >= 2 &&
                     quotes_paired(p, len, t->quote);
    }
    a->quoteish += quoteish;
    uint32_t nf32 = (uint32_t)(nf > UINT32_MAX ? UINT32_MAX : nf);
    if (!a->rag_done) {
        if (!a->in_head) {
            a->rag_done = true; /* the head holds no header record */
        } else if (nonempty >= 2) {
            a->rag_done = true;
            a->rag_w = ends_value ? nf32 : 0;
        } else if (++a->rag_pre > PREAMBLE_MAX) {
            a->rag_done = true;
        }
    } else if (a->rag_w) {
        rag_add(&a->rag, nf32, a->rag_w, ends_value);
    }
}

static double delim_prior(int d)
{
    switch (d) {
    case ',':
    case ';':
    case '\t':
    case '|':
        return 1.0;
    case ' ':
        return 0.5;
    default:
        return 0.9;
    }
}

/* The ragged reading of a candidate (see score_acc): a header of three fields or more above ten
 * records or more of the ragged shape (rag_shape), half of the narrower ones holding a delimiter
 * (a line of one field may as well be a note), and a tenth of the cells are numbers, dates or
 * booleans; not for the dialects rag_dialect rules out. Its consistency is the share of records
 * no wider than the header whose last field, when narrower, holds a value; it scores as a table
 * of rag_w columns with that consistency, times 0.9 (a consistent table of the same width wins).
 * 0 when not ragged. */
static double score_ragged(const score_acc *a, const buzz_csv_dialect *d, double typed,
                           double issues, double prior)
{
    const rag_tally *k = &a->rag;
    if (!rag_dialect(d) || a->rag_w < 3 || k->total < 10 || !rag_shape(k) ||
        k->split * 2 < k->narrower || a->valued * 10 < a->cells)
        return 0.0;
    double ok = (double)(k->total - k->wider - (k->narrower - k->ends_value));
    double consist = ok / (double)k->total;
    return consist * consist * (1.0 - 1.0 / a->rag_w) * typed * (1.0 - issues) * prior * 0.9;
}

/* A dialect's score without the ragged reading (see the file comment). */
static double score_plain(const score_acc *a, const buzz_csv_dialect *d, uint32_t m,
                          uint32_t n_mode, uint64_t total, double consist, double typed,
                          double issues, double prior, int64_t unterminated)
{
    if (m <= 1 && n_mode < total) {
        /* This delimiter splits some records: the one-column reading is scored through a
         * delimiter the samples lack (see choose_dialect), not through this one. */
        return 0.0;
    }
    if (m <= 1) {
        /* One column: plausible only when no delimiter splits the records consistently. It
         * scores like a two-column table with 63% agreement, so multi-column
         * candidates need real consistency to win (a column of "1,234.5" numbers, or of times
         * "12:30:00", is not a table). Unterminated quotes still count against it. */
        double uq = (double)(5 * unterminated) / (double)total;
        /* A column of values (70% numbers, dates or booleans: "12,5", "145,00", "5.25" under
         * "foo") is a real typed column, and more plausible than a split that cuts its values. */
        double typed_col = a->valued * 10 >= a->cells * 7 ? TYPED_COLUMN_BONUS : 1.0;
        return consist * consist * SINGLE_COLUMN_SCORE * typed_col * (1.0 - (uq > 1.0 ? 1.0 : uq));
    }
    /* Words of a text column split as consistently as a table does: space needs values too. */
    if (d->delimiter == ' ' && (consist < 0.95 || a->valued * 10 < a->cells))
        return 0.0;
    if (prior < 1.0 && total < 2)
        return 0.0; /* one record proves nothing about a rare delimiter */
    return consist * consist * (1.0 - 1.0 / m) * typed * (1.0 - issues) * prior;
}

/* Score of one dialect over all samples; *out_mode gets its modal field count (the header's
 * when the ragged reading scores higher). */
static double score_dialect(scanner *sc, const buzz_csv_dialect *d, const sample *smp, size_t nsmp,
                            uint32_t *out_mode, score_acc *a)
{
    memset(a, 0, sizeof *a);
    a->delim = (uint8_t)d->delimiter;
    double bad = 0;
    int64_t unterminated = 0;
    for (size_t i = 0; i < nsmp; i++) {
        sample s = smp[i];
        size_t cap = i == 0 ? SCORE_HEAD_BYTES : SCORE_OTHER_BYTES;
        if (s.len > cap) {
            s.len = cap;
            s.ends_input = false;
        }
        a->in_head = i == 0;
        scan_sample(sc, d, &s, SCORE_ROWS, score_row, a);
        /* A stray quote in an unquoted field hints at the wrong quote byte; an undoubled quote
         * inside quotes is the common export bug the reader repairs, so it weighs less. */
        bad += (double)sc->issues[BUZZ_CSV_QUOTE_IN_FIELD] +
               0.25 * (double)sc->issues[BUZZ_CSV_UNESCAPED_QUOTE];
        unterminated += sc->issues[BUZZ_CSV_UNTERMINATED_QUOTE];
    }
    /* A doubled quote inside an unquoted field (a""b) weighs like an undoubled one inside quotes. */
    double paired = 0.75 * (double)a->paired;
    bad = bad > paired ? bad - paired : 0.0;
    uint32_t n_mode;
    uint64_t total;
    hist_mode(&a->h, &n_mode, &total);
    if (total == 0) {
        *out_mode = 0;
        return 0.0;
    }
    /* Titles and notes before the table: the mode and consistency may start after a few leading
     * records, as the preamble rule will skip them later. */
    double consist;
    uint32_t m = preamble_mode(&a->h, a->first, a->nfirst, &consist, &a->skipped);
    a->is_perfect = n_mode == total && total >= 3 && m >= 2;
    *out_mode = m;
    double typed = a->cells ? (double)a->typed / (double)a->cells : 0.0;
    /* Reading without quotes, "a;b" split into '"a' and 'b"' is a quoted field cut apart. */
    double issues = (bad + 5.0 * (double)unterminated + (double)a->quoteish) / (double)total;
    if (issues > 1.0)
        issues = 1.0;
    double prior = delim_prior(d->delimiter);
    double ragged = score_ragged(a, d, typed, issues, prior);
    double plain = score_plain(a, d, m, n_mode, total, consist, typed, issues, prior,
                               unterminated);
    if (ragged > plain) {
        *out_mode = a->rag_w;
        a->skipped = a->rag_pre;
        return ragged;
    }
    return plain;
}

/* Bytes present anywhere in the scoring parts of the samples. */
static void byte_presence(const sample *smp, size_t nsmp, bool seen[256], bool *out_bs_quote,
                          bool *out_bs_apos, bool *out_time_colons, bool *out_hash_lines,
                          bool *out_datetime_spaces, size_t *out_double_spaces)
{
    *out_double_spaces = 0;
    size_t spaces = 0, datetime_spaces = 0;
    memset(seen, 0, 256);
    *out_bs_quote = *out_bs_apos = false;
    size_t colons = 0, digit_colons = 0;
    *out_hash_lines = false;
    for (size_t i = 0; i < nsmp; i++) {
        size_t cap = i == 0 ? SCORE_HEAD_BYTES : SCORE_OTHER_BYTES;
        size_t n = smp[i].len < cap ? smp[i].len : cap;
        const uint8_t *p = smp[i].p;
        for (size_t j = 0; j < n; j++) {
            seen[p[j]] = true;
            if (p[j] == '\\' && j + 1 < n) {
                *out_bs_quote |= p[j + 1] == '"';
                *out_bs_apos |= p[j + 1] == '\'';
            }
            if (p[j] == ' ') {
                spaces++;
                if (j + 1 < n && p[j + 1] == ' ')
                    (*out_double_spaces)++;
                /* The space of "2024-01-02 13:45": a digit before, a time after. */
                datetime_spaces += j > 0 && j + 3 < n && is_digit(p[j - 1]) &&
                                   is_digit(p[j + 1]) &&
                                   (p[j + 2] == ':' || (is_digit(p[j + 2]) && p[j + 3] == ':'));
            }
            if (p[j] == ':') {
                colons++;
                /* h:mm or hh:mm(:ss): one or two digits before, exactly two after; or a JSON
                 * key ("key": value). */
                digit_colons += (j > 0 && j + 3 < n && is_digit(p[j - 1]) && is_digit(p[j + 1]) &&
                                 is_digit(p[j + 2]) && !is_digit(p[j + 3])) ||
                                (j > 0 && p[j - 1] == '"');
            }
            if (p[j] == '#' && i == 0) {
                /* A '#' that starts a line, after any spaces or tabs (an indented comment). */
                size_t b = j;
                while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t'))
                    b--;
                *out_hash_lines |= b == 0 || p[b - 1] == '\n' || p[b - 1] == '\r';
            }
        }
    }
    *out_time_colons = colons > 0 && digit_colons * 2 >= colons;
    *out_datetime_spaces = spaces > 0 && datetime_spaces * 2 >= spaces;
}

/* The comment byte c stands somewhere other than at a line's start (after any blanks) in the
 * scoring parts of the samples: only then can inline comments read differently. */
static bool has_mid_line_byte(const sample *smp, size_t nsmp, uint8_t c)
{
    for (size_t i = 0; i < nsmp; i++) {
        size_t cap = i == 0 ? SCORE_HEAD_BYTES : SCORE_OTHER_BYTES;
        size_t n = smp[i].len < cap ? smp[i].len : cap;
        const uint8_t *p = smp[i].p;
        const uint8_t *q = n ? memchr(p, c, n) : NULL;
        while (q) {
            size_t b = (size_t)(q - p);
            while (b > 0 && (p[b - 1] == ' ' || p[b - 1] == '\t'))
                b--;
            if (b > 0 && !is_nl(p[b - 1]))
                return true;
            size_t j = (size_t)(q - p) + 1;
            q = j < n ? memchr(p + j, c, n - j) : NULL;
        }
    }
    return false;
}

/* Candidate lists for choose_dialect. */
typedef struct candidates {
    int delims[9], quotes[3];
    size_t nd, nq;
    bool bs_quote, bs_apos, hash_lines;
    int want_escape;
    int unseen; /* the delimiter absent from the samples that stands for one column; 0 = none */
} candidates;

/* Best delimiter x quote x escape for d's comment byte; returns its score, fills *best_d. */
static double best_dialect(scanner *sc, const buzz_csv_dialect *d, const candidates *k,
                           const sample *smp, size_t nsmp, buzz_csv_dialect *best_d)
{
    double best = 0.0, perfect = 0.0;
    bool best_skips = false;
    buzz_csv_dialect perfect_d = *best_d;
    score_acc a;
    for (size_t di = 0; di < k->nd; di++) {
        for (size_t qi = 0; qi < k->nq; qi++) {
            int q = k->quotes[qi];
            int escapes[2];
            size_t ne = 0;
            if (q == BUZZ_CSV_NONE) {
                escapes[ne++] = BUZZ_CSV_NONE;
            } else if (k->want_escape) {
                escapes[ne++] = k->want_escape;
            } else {
                escapes[ne++] = q;
                if ((q == '"' && k->bs_quote) || (q == '\'' && k->bs_apos))
                    escapes[ne++] = '\\';
            }
            for (size_t ei = 0; ei < ne; ei++) {
                int dl = k->delims[di], es = escapes[ei];
                if (q == dl || es == dl || (is_byte(q) && q == d->comment) || dl == d->comment ||
                    (is_byte(es) && es == d->comment))
                    continue;
                buzz_csv_dialect c = *d;
                c.delimiter = (char)dl;
                c.quote = q;
                c.escape = es;
                uint32_t m;
                double v = score_dialect(sc, &c, smp, nsmp, &m, &a);
                if (m <= 1 && dl != k->unseen && k->unseen)
                    v = 0.0; /* one column is read through the absent delimiter only */
                if (v > best + 1e-9) {
                    best = v;
                    best_skips = a.skipped > 0;
                    *best_d = c;
                }
                if (a.is_perfect && v > perfect + 1e-9) {
                    perfect = v;
                    perfect_d = c;
                }
            }
        }
    }
    /* A reading that splits every record alike beats one that must drop leading records as a
     * preamble, unless that one scores more than twice as high: "a;b" above "bla,bla;bla,bla" rows
     * is a ';' table whose values hold commas, not a ',' table under a title. */
    if (best_skips && perfect > 0.0 && perfect * 2.0 >= best) {
        best = perfect;
        *best_d = perfect_d;
    }
    return best;
}

/* With d's comment byte (d->comment set): the best dialect reading inline comments too, when that
 * is not fixed (want_inline == 0) and the byte stands mid-line somewhere. It replaces *io_best_d
 * only when it scores strictly higher than *io_best: the text after a mid-line comment byte is
 * dropped only when that makes the table more consistent or cleaner (it restores a record's field
 * count, or removes stray quotes), never on a tie ("red,#FF0000" keeps its color). */
static void try_inline(scanner *sc, const buzz_csv_dialect *d, const candidates *k,
                       int want_inline, const sample *smp, size_t nsmp,
                       buzz_csv_dialect *io_best_d, double *io_best)
{
    if (want_inline != 0 || d->comment == BUZZ_CSV_NONE ||
        !has_mid_line_byte(smp, nsmp, (uint8_t)d->comment))
        return;
    buzz_csv_dialect with = *d, with_best = *io_best_d;
    with.has_inline_comments = true;
    with_best.has_inline_comments = true;
    double v = best_dialect(sc, &with, k, smp, nsmp, &with_best);
    if (v > *io_best + 1e-9) {
        *io_best_d = with_best;
        *io_best = v;
    }
}

/* Choose delimiter, quote and escape (those not fixed: want_* == 0) by score, and the '#' comment
 * byte when not fixed (search_comment), and whether a comment byte also starts inline comments
 * (want_inline == 0; see try_inline). Ties keep the earlier candidate: ',' before rarer
 * delimiters, '"' before '\'' before none, doubling before backslash, no comment before '#', whole
 * comment lines before inline comments, so a sample without quotes reads as standard CSV. */
static void choose_dialect(scanner *sc, buzz_csv_dialect *d, int want_delim, int want_quote,
                           int want_escape, bool search_comment, int want_inline, int merge,
                           const sample *smp, size_t nsmp)
{
    static const int all_delims[] = {',', ';', '\t', '|', ':', '^', '~', ' '};
    candidates k;
    memset(&k, 0, sizeof k);
    bool seen[256], time_colons, datetime_spaces;
    size_t double_spaces;
    byte_presence(smp, nsmp, seen, &k.bs_quote, &k.bs_apos, &time_colons, &k.hash_lines,
                  &datetime_spaces, &double_spaces);
    if (time_colons)
        seen[':'] = false;
    if (datetime_spaces)
        seen[' '] = false;
    k.want_escape = want_escape;
    if (want_delim) {
        k.delims[k.nd++] = want_delim;
    } else {
        for (size_t i = 0; i < BUZZ_ARRAY_LEN(all_delims); i++)
            if (seen[all_delims[i]])
                k.delims[k.nd++] = all_delims[i];
        /* The one-column reading competes too, through the first delimiter the samples lack. */
        for (size_t i = 0; i < BUZZ_ARRAY_LEN(all_delims) - 1; i++) {
            if (!seen[all_delims[i]]) {
                k.delims[k.nd++] = all_delims[i];
                k.unseen = all_delims[i];
                break;
            }
        }
    }
    if (want_quote) {
        k.quotes[k.nq++] = want_quote;
    } else {
        /* Without any '"' in the samples, a tie between '"' (then meaningless) and '\'' goes to
         * '\'', so 'quoted' fields lose their quotes. */
        if (!seen['"'] && seen['\''])
            k.quotes[k.nq++] = '\'';
        k.quotes[k.nq++] = '"';
        if (seen['"'] && seen['\''])
            k.quotes[k.nq++] = '\'';
        if (!want_escape)
            k.quotes[k.nq++] = BUZZ_CSV_NONE;
    }
    buzz_csv_dialect best_d = *d;
    best_d.delimiter = (char)(want_delim ? want_delim : ',');
    best_d.quote = k.quotes[0];
    best_d.escape = k.quotes[0] == BUZZ_CSV_NONE ? BUZZ_CSV_NONE
                                                 : (want_escape ? want_escape : k.quotes[0]);
    double best = best_dialect(sc, d, &k, smp, nsmp, &best_d);
    try_inline(sc, d, &k, want_inline, smp, nsmp, &best_d, &best); /* a forced comment byte */
    if (search_comment && k.hash_lines && d->comment == BUZZ_CSV_NONE && want_delim != '#' &&
        want_quote != '#') {
        buzz_csv_dialect with = *d, with_best = best_d;
        with.comment = '#';
        with_best.comment = '#';
        double v = best_dialect(sc, &with, &k, smp, nsmp, &with_best);
        try_inline(sc, &with, &k, want_inline, smp, nsmp, &with_best, &v);
        /* Skipping '#' lines must pay off clearly: rows that merely start with '#' (ids, "#N/A")
         * read the same either way and must not be dropped as comments. */
        if (v > best * 1.1 + 1e-9) {
            best_d = with_best;
            best = v;
        }
    }
    /* Space-aligned text: runs of spaces as one separator, tried when runs of spaces occur (or
     * forced with merge_delimiters). The space rules of score_dialect apply to it. */
    if (merge != -1 && (want_delim == 0 || want_delim == ' ') && (double_spaces > 0 || merge == 1)) {
        candidates sk = k;
        sk.nd = 1;
        sk.delims[0] = ' ';
        sk.unseen = 0;
        buzz_csv_dialect with = *d, with_best = best_d;
        with.merge_delimiters = true;
        with_best.merge_delimiters = true;
        with_best.delimiter = ' ';
        double v = best_dialect(sc, &with, &sk, smp, nsmp, &with_best);
        if (v > best + 1e-9 || merge == 1)
            best_d = with_best;
    }
    *d = best_d;
}

/* ---------------------------------------------------------------------------------------------
 * Collecting the records of a sample read with the chosen dialect. */
typedef struct collect {
    rec *recs;
    size_t n, cap;
    cell_info *info; /* STORE_ROWS x NCOLS, or NULL */
    hist h;
    uint8_t delim;
    bool ragged; /* set by resolve_structure: shorter records belong to the table too */
} collect;

static uint32_t extras_trailing_empty(const buzz__csv_tok *t, size_t r, bool *out_all_empty)
{
    *out_all_empty = false;
    for (size_t i = 0; i < t->extra_count; i++) {
        const buzz_csv_extra *x = &t->extras[i];
        if (x->row != r)
            continue;
        const uint8_t *p = t->data + x->offset;
        size_t n = x->len, k = 0;
        while (k < n && p[n - 1 - k] == t->delim)
            k++;
        if (k == n && k + 1 == x->field_count) {
            *out_all_empty = true;
            return (uint32_t)x->field_count;
        }
        return (uint32_t)k;
    }
    return 0;
}

/* The words that open a row of totals in spreadsheet exports, lower case. */
static const char *const total_words[] = {
    "total",  "totals",   "grand total", "subtotal", "sub-total", "sub total", "sum",
    "summe",  "gesamt",   "gesamtsumme", "insgesamt", "totaal",   "totale",    "totaux",
    "somme",  "suma",     "summa",       "total general", "total g\xc3\xa9n\xc3\xa9ral",
};

/* The value is a totals label: one of total_words (any ASCII case), alone or followed by ':', '(',
 * '-' or '=' and anything ("Total", "TOTAL:", "Grand Total (EUR)"), after optional blanks. "Total
 * Gym", "Sum 41" or "Totally" are not. */
static bool is_total_label(const uint8_t *p, size_t n)
{
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0 || n > 64)
        return false;
    for (size_t w = 0; w < BUZZ_ARRAY_LEN(total_words); w++) {
        const char *k = total_words[w];
        size_t kn = strlen(k), i = 0;
        if (kn > n)
            continue;
        while (i < kn && (p[i] | (p[i] >= 'A' && p[i] <= 'Z' ? 0x20 : 0)) == (uint8_t)k[i])
            i++;
        if (i < kn)
            continue;
        while (i < n && p[i] == ' ')
            i++;
        if (i == n || p[i] == ':' || p[i] == '(' || p[i] == '-' || p[i] == '=')
            return true;
    }
    return false;
}

static void collect_row(void *user, const buzz__csv_tok *t, size_t r, size_t nf,
                        const uint8_t *orig)
{
    collect *c = user;
    uint32_t nf32 = nf > UINT32_MAX ? UINT32_MAX : (uint32_t)nf;
    hist_add(&c->h, nf32);
    if (c->n >= c->cap)
        return;
    rec *x = &c->recs[c->n];
    x->line = t->row_lines[r];
    x->offset = t->row_offsets[r];
    x->nfields = nf32;
    x->lead = orig[x->offset];
    x->lead_nonblank = x->lead;
    x->first_hash = fnv1a(t->data + t->cells[r].offset, buzz_csv_cell_len(t->cells[r]));
    {
        const uint8_t *p0 = t->data + t->cells[r].offset;
        size_t n0 = buzz_csv_cell_len(t->cells[r]), words = 0;
        x->first_type = classify(p0, n0, c->delim);
        x->first_colon = false;
        for (size_t k = 0; k < n0 && k < 256; k++) {
            bool blank = p0[k] == ' ' || p0[k] == '\t';
            words += !blank && (k == 0 || p0[k - 1] == ' ' || p0[k - 1] == '\t');
            x->first_colon |= p0[k] == ':';
        }
        x->first_words = (uint8_t)(words > 255 ? 255 : words);
    }
    x->label_col = LABEL_COLS;
    x->total_label = false;
    for (size_t j = 0; j < LABEL_COLS; j++) {
        x->lead_hash[j] = 0;
        if (j >= nf || j >= t->ncols)
            continue;
        buzz_csv_cell cj = t->cells[j * t->row_cap + r];
        size_t lj = buzz_csv_cell_len(cj);
        x->lead_hash[j] = fnv1a(t->data + cj.offset, lj);
        if (lj > 0 && x->label_col == LABEL_COLS) {
            x->label_col = (uint8_t)j;
            x->total_label = is_total_label(t->data + cj.offset, lj);
        }
    }
    if (x->lead == ' ' || x->lead == '\t') {
        /* The first cell of an unquoted record holds its leading blanks. */
        buzz_csv_cell c0 = t->cells[r];
        const uint8_t *p0 = t->data + c0.offset;
        size_t n0 = buzz_csv_cell_len(c0), i0 = 0;
        while (i0 < n0 && (p0[i0] == ' ' || p0[i0] == '\t'))
            i0++;
        x->lead_nonblank = buzz_csv_cell_is_quoted(c0) ? (uint8_t)t->quote : i0 < n0 ? p0[i0] : 0;
    }
    size_t n = nf < NCOLS ? nf : NCOLS;
    bool all_empty = true;
    uint32_t trailing = 0;
    if (nf > NCOLS)
        trailing = extras_trailing_empty(t, r, &all_empty);
    x->nonempty = 0;
    cell_info *info = c->info && c->n < STORE_ROWS ? &c->info[c->n * NCOLS] : NULL;
    for (size_t j = n; j-- > 0;) {
        buzz_csv_cell cell = t->cells[j * t->row_cap + r];
        const uint8_t *p = t->data + cell.offset;
        size_t len = buzz_csv_cell_len(cell);
        if (len > 0) {
            x->nonempty++;
            all_empty = false;
        } else if (all_empty) {
            trailing++;
        }
        if (info) {
            info[j].type = classify(p, len, c->delim);
            info[j].len = (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len);
            info[j].hash = fnv1a(p, len);
            info[j].template_hash = template_hash(p, len);
        }
    }
    x->trailing_empty = trailing;
    c->n++;
}

static buzz_status collect_init(collect *c, size_t cap, bool with_info, uint8_t delim,
                                buzz_error *err)
{
    memset(c, 0, sizeof *c);
    c->cap = cap;
    c->delim = delim;
    c->recs = buzz_malloc(sizeof(rec) * cap);
    if (with_info)
        c->info = buzz_malloc(sizeof(cell_info) * STORE_ROWS * NCOLS);
    if (!c->recs || (with_info && !c->info))
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory: sniffer record buffer");
    return BUZZ_OK;
}

static void collect_reset(collect *c)
{
    c->n = 0;
    memset(&c->h, 0, sizeof c->h);
}

static void collect_free(collect *c)
{
    buzz_free(c->recs);
    buzz_free(c->info);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------------------------------------
 * Newlines, the "sep=" line, and sample alignment. */
static buzz_newline detect_newline(const uint8_t *p, size_t n)
{
    size_t lf = 0, crlf = 0, cr = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            lf++;
        } else if (p[i] == '\r') {
            if (i + 1 < n && p[i + 1] == '\n')
                crlf++;
            else if (i + 1 < n)
                cr++;
        }
    }
    if (cr > lf)
        return BUZZ_NEWLINE_CR;
    if (lf > 0 && crlf * 2 > lf)
        return BUZZ_NEWLINE_CRLF;
    return BUZZ_NEWLINE_LF;
}

/* Offset just past the newline ending the line that starts at pos, or n when it has none. */
static size_t next_line(const uint8_t *p, size_t n, size_t pos, bool cr_mode)
{
    const uint8_t nl = cr_mode ? '\r' : '\n';
    const uint8_t *q = pos < n ? memchr(p + pos, nl, n - pos) : NULL;
    if (!q)
        return n;
    size_t i = (size_t)(q - p) + 1;
    if (cr_mode && i < n && p[i] == '\n')
        i++;
    return i;
}

/* Excel's first line "sep=X" (also quoted, "sep=X"): returns X, or 0. */
static int parse_sep_line(const uint8_t *p, size_t n)
{
    size_t i = 0;
    bool quoted = n > 0 && p[0] == '"';
    i += quoted;
    if (n < i + 5 || !equals_ci(p + i, 4, "sep="))
        return 0;
    uint8_t c = p[i + 4];
    i += 5;
    if (quoted) {
        if (i >= n || p[i] != '"')
            return 0;
        i++;
    }
    if (c == 0 || is_nl(c) || (c == '"' && !quoted))
        return 0;
    if (i < n && !is_nl(p[i]))
        return 0;
    return c;
}

/* A sample that starts at an arbitrary byte: drop up to the first newline. */
static sample align_sample(const uint8_t *p, size_t n, size_t cap, bool cr_mode, bool ends)
{
    sample s = {0};
    if (!p || n == 0)
        return s;
    size_t start = next_line(p, n, 0, cr_mode);
    if (start >= n)
        return s;
    s.p = p + start;
    s.len = n - start;
    s.ends_input = ends;
    if (s.len > cap) {
        s.len = cap;
        s.ends_input = false;
    }
    s.drop_first = true;
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Option validation. */
static buzz_status check_char(const char *flag, int v, bool none_ok, buzz_error *err)
{
    if (v == 0 || (none_ok && v == BUZZ_CSV_NONE))
        return BUZZ_OK;
    if (!is_byte(v))
        return buzz_error_set(err, BUZZ_ERR_ARG, "%s must be a single byte%s, got %d", flag,
                              none_ok ? " or none" : "", v);
    if (is_nl(v))
        return buzz_error_set(err, BUZZ_ERR_ARG, "%s cannot be a newline character", flag);
    return BUZZ_OK;
}

static buzz_status validate(const buzz_csv_options *o, buzz_error *err)
{
    BUZZ_TRY(check_char("--delimiter", o->delimiter, false, err));
    BUZZ_TRY(check_char("--quote", o->quote, true, err));
    BUZZ_TRY(check_char("--escape", o->escape, true, err));
    BUZZ_TRY(check_char("--comment", o->comment, true, err));
    if (is_byte(o->delimiter) && o->delimiter == o->quote)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--delimiter and --quote must differ, both are '%c'", o->delimiter);
    if (is_byte(o->delimiter) && o->delimiter == o->escape)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--delimiter and --escape must differ, both are '%c'", o->delimiter);
    if (is_byte(o->delimiter) && o->delimiter == o->comment)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--delimiter and --comment must differ, both are '%c'", o->delimiter);
    if (is_byte(o->quote) && o->quote == o->comment)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--quote and --comment must differ, both are '%c'",
                              o->quote);
    if (is_byte(o->escape) && o->quote == BUZZ_CSV_NONE)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--escape '%c' needs a quote character, but --quote is none",
                              o->escape);
    if (is_byte(o->escape) && o->escape == o->comment)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--escape and --comment must differ, both are '%c'", o->escape);
    if (o->inline_comments < -1 || o->inline_comments > 1)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "inline comments must be 1 (yes), -1 (no) or 0 (detect), got %d",
                              o->inline_comments);
    if (o->ragged_rows < -1 || o->ragged_rows > 1)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "ragged rows must be 1 (yes), -1 (no) or 0 (detect), got %d",
                              o->ragged_rows);
    if (o->header < -1 || o->header > 1)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--header must be 1 (yes), -1 (no) or 0 (detect), got %d", o->header);
    if ((int)o->newline < BUZZ_NEWLINE_AUTO || (int)o->newline > BUZZ_NEWLINE_CR)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--newline must be auto, lf, crlf or cr, got %d",
                              (int)o->newline);
    if (o->has_skip_lines && o->skip_lines < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--skip must be 0 or more lines, got %" PRId64,
                              o->skip_lines);
    if (o->has_footer_lines && o->footer_lines < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "--footer must be 0 or more lines, got %" PRId64,
                              o->footer_lines);
    return BUZZ_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Structure: table start, trailing empty columns, header, comments, footer. */
static bool fits(const rec *r, uint32_t m, uint32_t cols)
{
    return r->nfields == m || r->nfields == cols;
}

/* A record of the table: one that fits, or in a ragged table one narrower than it. */
static bool in_table(const collect *c, const rec *r, uint32_t m, uint32_t cols)
{
    return fits(r, m, cols) || (c->ragged && r->nfields < cols);
}

/* First record of the table (see the file comment); 0 when none qualifies. */
static size_t table_start(const collect *c, uint32_t m, uint32_t cols)
{
    size_t limit = c->n < 200 ? c->n : 200;
    if (limit > c->n / 2 + 1)
        limit = c->n / 2 + 1;
    for (size_t i = 0; i < limit; i++) {
        const rec *r = &c->recs[i];
        /* It may name only some of the trailing empty columns (m - k to m fields). */
        if (r->nfields < cols || r->nfields > m)
            continue;
        /* An Excel title padded to the table width ("Report,,,,"), unless what follows is data
         * with some empty cells: then the sparse line is a header naming few columns. */
        if (cols >= 3 && r->nonempty < 2 &&
            !(i + 1 < c->n && c->recs[i + 1].nonempty >= 2 && c->recs[i + 1].nonempty < cols))
            continue;
        size_t seen = 0, agree = 0;
        for (size_t j = i + 1; j < c->n && seen < 4; j++, seen++)
            agree += fits(&c->recs[j], m, cols);
        if (agree * 2 >= seen)
            return i;
    }
    return 0;
}

/* Smallest trailing-empty count over records with m fields from `from` on; *io_rows counts them. */
static uint32_t min_trailing(const collect *c, size_t from, uint32_t m, uint32_t k, size_t *io_rows)
{
    for (size_t i = from; i < c->n; i++) {
        const rec *r = &c->recs[i];
        if (r->nfields != m)
            continue;
        (*io_rows)++;
        if (r->trailing_empty < k)
            k = r->trailing_empty;
    }
    return k;
}

typedef struct col_stats {
    uint32_t nonempty, num, date, boolean;
} col_stats;

static void column_stats(const collect *c, size_t r0, size_t j, uint32_t m, uint32_t cols,
                         col_stats *st)
{
    memset(st, 0, sizeof *st);
    size_t end = c->n < STORE_ROWS ? c->n : STORE_ROWS;
    for (size_t i = r0 + 1; i < end; i++) {
        if (!in_table(c, &c->recs[i], m, cols) || j >= c->recs[i].nfields)
            continue;
        const cell_info *ci = &c->info[i * NCOLS + j];
        if (ci->type == T_EMPTY)
            continue;
        st->nonempty++;
        st->num += ci->type == T_NUM;
        st->date += ci->type == T_DATE;
        st->boolean += ci->type == T_BOOL;
    }
}

/* The column's dominant non-text type (T_NUM, T_DATE, T_BOOL), or T_TEXT. */
static uint8_t dominant_type(const col_stats *st)
{
    if (st->nonempty == 0)
        return T_TEXT;
    /* 70% of the cells; in a small body (under 10 cells) one odd value weighs too much, so half
     * of them (and at least two) decide. */
    uint32_t need10 = st->nonempty < 10 ? 5 : 7;
    uint32_t min_cells = st->nonempty < 10 ? 2 : 1;
    if (st->num * 10 >= st->nonempty * need10 && st->num >= min_cells)
        return T_NUM;
    if (st->date * 10 >= st->nonempty * need10 && st->date >= min_cells)
        return T_DATE;
    if (st->boolean * 10 >= st->nonempty * need10 && st->boolean >= min_cells)
        return T_BOOL;
    if ((st->num + st->date) * 10 >= st->nonempty * need10 && st->num + st->date >= min_cells)
        return T_DATE; /* mixed numbers and dates: still not text */
    return T_TEXT;
}

static bool same_cell(const cell_info *a, const cell_info *b)
{
    return a->hash == b->hash && a->len == b->len;
}

/* Evidence that an all-text first row h (n cells) is data, not a header: the body rows (those that
 * fit the table, up to STORE_ROWS) are all copies of it, two or more; or a name shows up again as
 * a value of its column; or every column holds a value that equals its name up to digits and
 * blanks (the template: "line1" above "line2", "{"duck": 1}" above "{"duck": 2}", "[10.0.0.1]"
 * above "[10.0.0.2]"). A body row that copies the whole first row is a header repeated by a
 * concatenated export, so it proves nothing, except in a single column, where a repeated header
 * cannot be told from a repeated value; but a lone body row that copies it proves nothing in any
 * table ("bar,baz" twice: a header and its copy as likely as two equal rows). */
static bool first_row_is_data(const collect *c, size_t r0, size_t n, uint32_t m, uint32_t cols)
{
    const cell_info *h = &c->info[r0 * NCOLS];
    size_t end = c->n < STORE_ROWS ? c->n : STORE_ROWS;
    size_t body = 0;
    for (size_t i = r0 + 1; i < end; i++)
        body += in_table(c, &c->recs[i], m, cols);
    size_t rows = 0, copies = 0;
    uint64_t body_cols = 0, template_cols = 0; /* bit j: column j has a value / a template match */
    for (size_t i = r0 + 1; i < end; i++) {
        const rec *r = &c->recs[i];
        if (!in_table(c, r, m, cols))
            continue;
        const cell_info *ci = &c->info[i * NCOLS];
        size_t have = r->nfields < n ? r->nfields : n;
        bool copy = r->nfields == c->recs[r0].nfields;
        for (size_t j = 0; j < have && copy; j++)
            copy = same_cell(&ci[j], &h[j]);
        rows++;
        copies += copy;
        if (copy && (n > 1 || body < 2))
            continue;
        for (size_t j = 0; j < have; j++) {
            if (ci[j].type == T_EMPTY)
                continue;
            if (same_cell(&ci[j], &h[j]))
                return true;
            body_cols |= (uint64_t)1 << j;
            if (ci[j].template_hash == h[j].template_hash)
                template_cols |= (uint64_t)1 << j;
        }
    }
    if (rows >= 2 && copies == rows)
        return true;
    return body_cols != 0 && template_cols == body_cols;
}

/* Header rule: see the file comment. *out_typed (may be NULL) gets the number of typed columns
 * whose first cell is text (the votes for a header). */
static bool detect_header(const collect *c, size_t r0, uint32_t m, uint32_t cols,
                          size_t *out_typed)
{
    if (out_typed)
        *out_typed = 0;
    if (r0 >= c->n || r0 >= STORE_ROWS || cols == 0)
        return false;
    size_t n = cols < NCOLS ? cols : NCOLS;
    if (c->recs[r0].nfields < n)
        n = c->recs[r0].nfields;
    const cell_info *h = &c->info[r0 * NCOLS];
    size_t yes = 0, no = 0;
    bool all_text = true, distinct = true, has_body = false, set_apart = false;
    for (size_t j = 0; j < n; j++) {
        col_stats st;
        column_stats(c, r0, j, m, cols, &st);
        has_body |= st.nonempty > 0;
        /* A name above a column the body leaves empty, or fills with values only (too few to
         * make it a typed column), sets the first row apart. */
        set_apart |= st.nonempty == st.num + st.date + st.boolean;
        all_text &= h[j].type == T_TEXT;
        for (size_t i = 0; i < j; i++)
            distinct &= !same_cell(&h[i], &h[j]);
        uint8_t dom = dominant_type(&st);
        if (dom == T_TEXT)
            continue;
        if (h[j].type == T_TEXT)
            yes++;
        else if (h[j].type == dom || (dom == T_DATE && h[j].type == T_NUM))
            no++;
    }
    if (out_typed)
        *out_typed = yes;
    if (yes + no > 0)
        return yes > no;
    /* No typed column decides. Real exports nearly always carry a header, so an all-text first row
     * of distinct names is one unless the body shows it is data. */
    if (!all_text || !distinct)
        return false;
    return !has_body || set_apart || !first_row_is_data(c, r0, n, m, cols);
}

/* '#' or ';' when records starting with it mostly disagree with the table's field count. */
static int detect_comment(const collect *c, uint32_t m, int delim, int quote)
{
    static const int cands[] = {'#', ';'};
    for (size_t k = 0; k < BUZZ_ARRAY_LEN(cands); k++) {
        int cc = cands[k];
        if (cc == delim || cc == quote)
            continue;
        size_t starts = 0, bad = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (c->recs[i].lead_nonblank != cc)
                continue;
            starts++;
            bad += c->recs[i].nfields != m;
        }
        if (starts > 0 && bad * 2 > starts && starts * 2 < c->n)
            return cc;
    }
    return BUZZ_CSV_NONE;
}

/* Non-empty physical lines in p[from, n). */
static int64_t count_lines(const uint8_t *p, size_t n, size_t from, bool cr_mode)
{
    int64_t lines = 0;
    size_t pos = from;
    while (pos < n) {
        size_t next = next_line(p, n, pos, cr_mode);
        size_t e = next;
        while (e > pos && is_nl(p[e - 1]))
            e--;
        lines += e > pos;
        pos = next;
    }
    return lines;
}

/* The first cell of record `at` is also the first cell of a table record before it: a short row
 * of data ("oogie boogie,bla" below "oogie boogie,3,..."), not a footer. */
static bool first_cell_in_table(const collect *c, size_t at, uint32_t m, uint32_t cols)
{
    for (size_t i = 0; i < at; i++)
        if (in_table(c, &c->recs[i], m, cols) && c->recs[i].first_hash == c->recs[at].first_hash)
            return true;
    return false;
}

/* The totals label of record `at` (its first non-empty cell, label_col) is also the cell in that
 * column of a table record before it: a value of the column ("Total" as a kind of entry), not a
 * row of totals. */
static bool label_in_table(const collect *c, size_t at, uint32_t m, uint32_t cols)
{
    const rec *x = &c->recs[at];
    for (size_t i = 0; i < at; i++)
        if (in_table(c, &c->recs[i], m, cols) &&
            c->recs[i].lead_hash[x->label_col] == x->lead_hash[x->label_col])
            return true;
    return false;
}

/* A note padded to the table's width, as Excel writes every row ("Exported by tool;;;;"): only
 * the first cell is set, it reads like words and starts no table record above, and no table
 * record above has a single value (so this shape is not one of the table's rows), and it has a
 * ':' or three words or more; two are enough when the first column above is nearly all numbers,
 * dates or booleans (90% of its rows but one, the header). "z;" under "2.5;y" stays a row. */
static bool padded_note(const collect *c, size_t at, uint32_t m, uint32_t cols, bool wordy)
{
    const rec *r = &c->recs[at];
    if (!wordy || r->nfields < 2 || r->nonempty != 1 || r->trailing_empty + 1 < r->nfields ||
        first_cell_in_table(c, at, m, cols))
        return false;
    size_t rows = 0, typed = 0;
    for (size_t i = 0; i < at; i++) {
        const rec *q = &c->recs[i];
        if (!in_table(c, q, m, cols))
            continue;
        if (q->nonempty == 1)
            return false;
        rows++;
        typed += q->first_type == T_NUM || q->first_type == T_DATE || q->first_type == T_BOOL;
    }
    if (rows < 2)
        return false;
    bool typed_column = typed * 10 >= (rows - 1) * 9;
    return r->first_colon || r->first_words >= (typed_column ? 2 : 3);
}

/* Every cell of the record is empty (",,,,"; a blank line is no record). */
static bool empty_row(const rec *r)
{
    return r->nonempty == 0 && r->trailing_empty >= r->nfields;
}

/* Footer lines at the end of the tail sample (see the file comment). */
static int64_t detect_footer(const collect *c, const sample *s, uint32_t m, uint32_t cols,
                             bool cr_mode)
{
    if (m < 2 || c->n < 2 || c->n >= c->cap || !s->ends_input || s->len > FOOTER_BYTES)
        return 0;
    /* i walks up from the end; top is the first footer record found so far. Rows of empty cells
     * (Excel's ";;;;") between footer records, or below them, go with the footer. */
    size_t i = c->n, top = c->n, count = 0;
    while (i > 0 && count <= MAX_FOOTER) {
        const rec *r = &c->recs[i - 1];
        if (empty_row(r)) {
            i--;
            continue;
        }
        uint32_t most = m / 2 > 2 ? m / 2 : 2;
        /* A footer reads like words ("Total", "Generated by"): a short row that starts with a
         * digit or a sign is data with missing fields, kept and reported, never dropped. */
        bool wordy = (r->lead >= 'A' && r->lead <= 'Z') || (r->lead >= 'a' && r->lead <= 'z') ||
                     r->lead >= 0x80 || r->lead == '*' || r->lead == '(' || r->lead == '"';
        bool note = !fits(r, m, cols) && r->nfields <= most && r->nfields < cols && wordy &&
                    !first_cell_in_table(c, i - 1, m, cols);
        /* In a ragged table a short record is a row; a note is one cell of words, with a ':' or
         * three words or more ("Generated by report tool"). */
        if (c->ragged)
            note = note && r->nfields == 1 && (r->first_colon || r->first_words >= 3);
        if (!note && !padded_note(c, i - 1, m, cols, wordy))
            break;
        i--;
        count++;
        top = i;
    }
    if (count > MAX_FOOTER)
        return 0;
    /* Rows of totals just above: a full row whose first cell is a totals label that no table row
     * above starts with ("Total;;;;1234,50" under the orders), with two records above it. */
    for (size_t totals = 0; totals < MAX_TOTALS && i > 2;) {
        const rec *r = &c->recs[i - 1];
        if (empty_row(r)) {
            i--;
            continue;
        }
        if (!in_table(c, r, m, cols) || !r->total_label || label_in_table(c, i - 1, m, cols))
            break;
        i--;
        count++;
        totals++;
        top = i;
    }
    if (count == 0 || top == 0)
        return 0;
    return count_lines(s->p, s->len, (size_t)c->recs[top].offset, cr_mode);
}

/* ---------------------------------------------------------------------------------------------
 * The sniffer. */
typedef struct sniff_ctx {
    scanner sc;
    collect head, other, foot;
    sample smp[6]; /* head, up to 4 middle samples, tail */
    size_t nsmp;
    sample foot_smp;
    int64_t base_lines; /* lines before smp[0] (sep line or forced skip) */
} sniff_ctx;

static void ctx_free(sniff_ctx *x)
{
    scanner_free(&x->sc);
    collect_free(&x->head);
    collect_free(&x->other);
    collect_free(&x->foot);
}

/* Where the table's lines begin: after a forced skip, or after a "sep=" line. Sets the head sample,
 * base_lines and the sep-line fields of d. */
static void prepare_head(sniff_ctx *x, const buzz__csv_samples *s, const buzz_csv_options *o,
                         buzz_csv_dialect *d, int *io_delim)
{
    const uint8_t *p = s->head;
    size_t n = p ? s->head_len : 0;
    bool cr_mode = d->newline == BUZZ_NEWLINE_CR;
    int sep = parse_sep_line(p, n);
    size_t start = 0;
    if (o->has_skip_lines) {
        for (int64_t i = 0; i < o->skip_lines && start < n; i++)
            start = next_line(p, n, start, cr_mode);
        x->base_lines = o->skip_lines;
        d->has_sep_line = sep != 0 && o->skip_lines >= 1;
    } else if (sep) {
        start = next_line(p, n, 0, cr_mode);
        x->base_lines = 1;
        d->has_sep_line = true;
    }
    if (d->has_sep_line && !*io_delim && sep != o->quote && sep != o->escape && sep != o->comment)
        *io_delim = sep;
    sample *h = &x->smp[0];
    h->p = p ? p + start : NULL;
    h->len = n - start;
    h->ends_input = s->head_is_all;
    if (h->len > HEAD_MAX) {
        h->len = HEAD_MAX;
        h->ends_input = false;
    }
    x->nsmp = 1;
}

static void prepare_others(sniff_ctx *x, const buzz__csv_samples *s, bool cr_mode)
{
    const sample *h = &x->smp[0];
    if (s->head_is_all) {
        /* The footer search looks at the end of the head, which is the end of the input. */
        if (h->len <= FOOTER_BYTES) {
            x->foot_smp = *h;
            x->foot_smp.ends_input = h->ends_input;
        } else {
            x->foot_smp = align_sample(h->p + h->len - FOOTER_BYTES, FOOTER_BYTES, FOOTER_BYTES,
                                       cr_mode, h->ends_input);
        }
        return;
    }
    size_t mids = s->mid_count < 4 ? s->mid_count : 4;
    for (size_t i = 0; i < mids; i++) {
        sample m = align_sample(s->mid[i], s->mid_len[i], OTHER_MAX, cr_mode, false);
        if (m.len)
            x->smp[x->nsmp++] = m;
    }
    if (s->tail && s->tail_len) {
        sample t = align_sample(s->tail, s->tail_len, OTHER_MAX, cr_mode, true);
        if (t.len && s->tail_len > OTHER_MAX)
            t = align_sample(s->tail + s->tail_len - OTHER_MAX, OTHER_MAX, OTHER_MAX, cr_mode,
                             true);
        if (t.len)
            x->smp[x->nsmp++] = t;
        size_t fl = s->tail_len < FOOTER_BYTES ? s->tail_len : FOOTER_BYTES;
        x->foot_smp = align_sample(s->tail + s->tail_len - fl, fl, FOOTER_BYTES, cr_mode, true);
    }
}

/* Records from `from` on all have m - 1 fields. */
static bool all_one_narrower(const collect *c, size_t from, uint32_t m)
{
    for (size_t i = from; i < c->n; i++)
        if (c->recs[i].nfields + 1 != m)
            return false;
    return true;
}

/* A first record one empty trailing name wider than every record below it ("id,name,lat,lon,"
 * above "1,name,0,0"). With many rows the field count's mode is already the rows' count; this
 * settles the tie of a single row the same way, so the header rule keeps the first record as the
 * header without its empty name. */
static bool narrower_below_first(const sniff_ctx *x, uint32_t m)
{
    if (x->head.n < 2 || m < 2)
        return false;
    const rec *f = &x->head.recs[0];
    return f->nfields == m && f->trailing_empty == 1 && f->nonempty == m - 1 &&
           all_one_narrower(&x->head, 1, m) && all_one_narrower(&x->other, 0, m);
}

/* Ragged rows (see the file comment): the index of the header record in the head and its field
 * count in *out_w, or SIZE_MAX. Forced (ragged_rows == 1), the table is as wide as the widest head
 * record from there. */
static size_t detect_ragged(sniff_ctx *x, const buzz_csv_options *o, const buzz_csv_dialect *d,
                            uint32_t m, uint32_t *out_w)
{
    collect *h = &x->head;
    if (o->ragged_rows == -1 || (h->n == 0 && o->ragged_rows == 0))
        return SIZE_MAX;
    size_t at = SIZE_MAX;
    size_t limit = o->has_skip_lines ? 1 : bounded(h->n, PREAMBLE_MAX + 1);
    for (size_t i = 0; i < limit && at == SIZE_MAX; i++)
        if (h->recs[i].nonempty >= 2)
            at = i;
    if (o->ragged_rows == 1) {
        if (at == SIZE_MAX)
            at = 0;
        uint32_t w = 0;
        for (size_t i = at; i < h->n; i++)
            w = h->recs[i].nfields > w ? h->recs[i].nfields : w;
        *out_w = w;
        return at;
    }
    if (at == SIZE_MAX || !rag_dialect(d))
        return SIZE_MAX;
    const rec *hd = &h->recs[at];
    uint32_t w = hd->nfields;
    if (w < 2 || w < m || hd->trailing_empty > 0)
        return SIZE_MAX;
    rag_tally k = {0};
    for (size_t pass = 0; pass < 2; pass++) {
        const collect *c = pass == 0 ? h : &x->other;
        for (size_t i = pass == 0 ? at + 1 : 0; i < c->n; i++) {
            const rec *r = &c->recs[i];
            rag_add(&k, r->nfields, w, r->trailing_empty == 0 && r->nonempty > 0);
        }
    }
    if (k.total < 3 || !rag_shape(&k))
        return SIZE_MAX;
    /* Most rows full: the short ones must be a habit of the exporter, not a few broken rows. */
    if (m == w && (k.total < 10 || k.narrower * 5 < k.total))
        return SIZE_MAX;
    /* The exporters that trim rows write a header; without one, short rows are broken rows. */
    bool header = o->header == 1;
    if (o->header == 0) {
        h->ragged = true;
        header = detect_header(h, at, w, w, NULL);
        h->ragged = false;
    }
    if (!header)
        return SIZE_MAX;
    *out_w = w;
    return at;
}

/* Column count, table start, header and footer once m, cols and the table start r0 are known. */
static void resolve_rest(sniff_ctx *x, const buzz_csv_options *o, buzz_csv_dialect *d,
                         uint32_t m, uint32_t cols, size_t r0)
{
    d->column_count = cols;
    d->trailing_empty_columns = 0;
    if (!o->has_skip_lines)
        d->skip_lines = x->base_lines + (r0 < x->head.n ? x->head.recs[r0].line : 0);
    else
        d->skip_lines = o->skip_lines;
    size_t typed = 0;
    bool detected = detect_header(&x->head, r0, m, cols, &typed);
    d->has_header = o->header ? o->header == 1 : detected;
    /* Copies of a header that names typed columns are no rows (files joined from parts); in a
     * table of text they cannot be told from data, and stay rows. */
    d->skip_header_copies = d->has_header && typed > 0;
    d->header_trailing_empty = 0;
    d->footer_lines = o->has_footer_lines ? o->footer_lines
                                          : detect_footer(&x->foot, &x->foot_smp, m, cols,
                                                          d->newline == BUZZ_NEWLINE_CR);
}

/* Column count, trailing empty columns, table start, header and footer, from the collected
 * records of the chosen dialect. */
static void resolve_structure(sniff_ctx *x, const buzz_csv_options *o, buzz_csv_dialect *d)
{
    hist all = x->head.h;
    for (size_t i = 0; i < HIST_SLOTS; i++)
        if (x->other.h.count[i])
            hist_add_n(&all, x->other.h.key[i], x->other.h.count[i]);
    /* The table's field count, after a preamble as in score_dialect (none when forced). */
    uint32_t first[PREAMBLE_MAX] = {0};
    size_t nfirst = o->has_skip_lines ? 0 : bounded(x->head.n, PREAMBLE_MAX);
    for (size_t i = 0; i < nfirst; i++)
        first[i] = x->head.recs[i].nfields;
    double consist;
    size_t skipped;
    uint32_t m = preamble_mode(&all, first, nfirst, &consist, &skipped);
    uint32_t rag_w = 0;
    size_t rag_at = detect_ragged(x, o, d, m, &rag_w);
    if (rag_at != SIZE_MAX) {
        /* A ragged table: the header record starts it, as wide as the widest row, and rows only
         * ever leave fields out (no trailing empty columns to drop). */
        x->head.ragged = x->other.ragged = x->foot.ragged = true;
        d->ragged_rows = true;
        resolve_rest(x, o, d, rag_w, rag_w, rag_at);
        return;
    }
    d->ragged_rows = false;
    if (!o->has_skip_lines && narrower_below_first(x, m))
        m--;
    size_t rows = 0;
    uint32_t k = m > 0 ? m - 1 : 0;
    k = min_trailing(&x->head, 0, m, k, &rows);
    k = min_trailing(&x->other, 0, m, k, &rows);
    if (rows < 2)
        k = 0;
    size_t r0 = o->has_skip_lines ? 0 : table_start(&x->head, m, m - k);
    if (k > 0) {
        /* Only the rows from the table start count; the first row fixes k when it is shorter. */
        size_t body_rows = 0;
        uint32_t kb = min_trailing(&x->head, r0, m, m - 1, &body_rows);
        kb = min_trailing(&x->other, 0, m, kb, &body_rows);
        k = kb;
        if (r0 < x->head.n && x->head.recs[r0].nfields < m) {
            uint32_t kh = m - x->head.recs[r0].nfields;
            k = kh <= kb ? kh : 0;
        }
        if (body_rows < 2)
            k = 0;
    }
    uint32_t cols = m - k;
    if (!o->has_skip_lines && k == 0 && r0 > 0 && r0 < x->head.n) {
        /* A header with one name more than the rows carry ("one,two,three,four" above 3-field
         * rows) right above the table: it is the header, and the rows are padded with NULL. When
         * that name is an empty trailing one ("a,b,c," above "1,2,3"), it is the header of the
         * rows as they are, and the empty name is dropped. */
        const rec *h = &x->head.recs[r0 - 1];
        bool adjacent = h->nfields == m + 1 && m + 1 <= NCOLS &&
                        h->line + 1 == x->head.recs[r0].line;
        if (adjacent && h->nonempty == h->nfields) {
            r0--;
            cols = m + 1;
        } else if (adjacent && h->nonempty == m && h->trailing_empty == 1) {
            r0--;
        }
    }
    resolve_rest(x, o, d, m, cols, r0);
    d->trailing_empty_columns = k;
    if (d->has_header && k > 0 && r0 < x->head.n && x->head.recs[r0].nfields > cols) {
        size_t extra = x->head.recs[r0].nfields - cols;
        d->header_trailing_empty = extra < k ? extra : k;
    }
}

/* The fallback dialect (nothing scored) may clash with a forced byte; the forced one stays. */
static void fix_conflicts(buzz_csv_dialect *d, const buzz_csv_options *o, int want_delim)
{
    static const char safe[] = {',', ';', '\t', '|', '^'};
    int dl = (uint8_t)d->delimiter;
    if (is_byte(d->quote) && (d->quote == dl || d->quote == d->comment) && !o->quote)
        d->quote = BUZZ_CSV_NONE;
    if (is_byte(d->escape) && (d->escape == dl || d->escape == d->comment) && !o->escape)
        d->escape = d->quote;
    if (d->quote == BUZZ_CSV_NONE)
        d->escape = BUZZ_CSV_NONE;
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(safe) && !want_delim; i++) {
        dl = (uint8_t)d->delimiter;
        if (dl != d->quote && dl != d->escape && dl != d->comment)
            break;
        d->delimiter = safe[i];
    }
}

/* The whole head read without quoting has the chosen dialect's modal field count in at least 98%
 * of its records, and few of its cells (under 20%) are wrapped in quotes (a quoted file cut short
 * in its last field keeps its quoting). */
static bool quoteless_fits(sniff_ctx *x, const buzz_csv_dialect *d)
{
    uint32_t m = hist_mode(&x->head.h, NULL, NULL);
    buzz_csv_dialect dn = *d;
    dn.quote = BUZZ_CSV_NONE;
    dn.escape = BUZZ_CSV_NONE;
    score_acc acc;
    memset(&acc, 0, sizeof acc);
    acc.delim = (uint8_t)dn.delimiter;
    scan_sample(&x->sc, &dn, &x->smp[0], MAX_RECS, score_row, &acc);
    uint32_t n_mode;
    uint64_t total;
    uint32_t mn = hist_mode(&acc.h, &n_mode, &total);
    return total > 0 && mn == m && (uint64_t)n_mode * 50 >= total * 49 &&
           acc.wrapped * 5 < acc.cells;
}

static buzz_status sniff_run(sniff_ctx *x, const buzz__csv_samples *s, const buzz_csv_options *o,
                             buzz_csv_dialect *d, buzz_error *err)
{
    const uint8_t *hp = s->head;
    size_t hn = hp ? s->head_len : 0;
    d->newline = o->newline ? o->newline : detect_newline(hp, hn < HEAD_MAX ? hn : HEAD_MAX);
    bool cr_mode = d->newline == BUZZ_NEWLINE_CR;
    int want_delim = o->delimiter;
    prepare_head(x, s, o, d, &want_delim);
    prepare_others(x, s, cr_mode);
    size_t scratch = x->smp[0].len;
    for (size_t i = 1; i < x->nsmp; i++)
        scratch = x->smp[i].len > scratch ? x->smp[i].len : scratch;
    scratch = x->foot_smp.len > scratch ? x->foot_smp.len : scratch;
    BUZZ_TRY(scanner_init(&x->sc, scratch + 1, err));
    d->comment = o->comment ? o->comment : BUZZ_CSV_NONE;
    d->has_inline_comments = o->inline_comments == 1;
    choose_dialect(&x->sc, d, want_delim, o->quote, o->escape, o->comment == 0,
                   o->inline_comments, o->merge_delimiters, x->smp, x->nsmp);
    fix_conflicts(d, o, want_delim);

    /* Every record but the last holds a byte and a newline: that bounds the record buffers. */
    size_t others = 0;
    for (size_t i = 1; i < x->nsmp; i++)
        others += x->smp[i].len / 2 + 2;
    uint8_t dl = (uint8_t)d->delimiter;
    BUZZ_TRY(collect_init(&x->head, bounded(x->smp[0].len / 2 + 2, MAX_RECS), true, dl, err));
    BUZZ_TRY(collect_init(&x->other, bounded(others, TAIL_RECS * 5), false, dl, err));
    BUZZ_TRY(collect_init(&x->foot, bounded(x->foot_smp.len / 2 + 2, FOOTER_RECS), false, dl, err));
    scan_sample(&x->sc, d, &x->smp[0], MAX_RECS, collect_row, &x->head);
    if (!o->quote && !o->escape && d->quote != BUZZ_CSV_NONE &&
        x->sc.issues[BUZZ_CSV_UNTERMINATED_QUOTE] > 0 && quoteless_fits(x, d)) {
        /* A quote left open to the end of the head, where reading without quotes gives the same
         * consistent table: the quote byte was text (titles like "Swing it" in a TSV). */
        d->quote = BUZZ_CSV_NONE;
        d->escape = BUZZ_CSV_NONE;
        collect_reset(&x->head);
        scan_sample(&x->sc, d, &x->smp[0], MAX_RECS, collect_row, &x->head);
    }
    if (!o->comment && d->comment == BUZZ_CSV_NONE) {
        uint32_t m = hist_mode(&x->head.h, NULL, NULL);
        d->comment = detect_comment(&x->head, m, (uint8_t)d->delimiter, d->quote);
        if (d->comment != BUZZ_CSV_NONE && o->inline_comments == 0 &&
            has_mid_line_byte(x->smp, x->nsmp, (uint8_t)d->comment)) {
            /* Inline comments only when they score strictly higher (see try_inline). */
            buzz_csv_dialect with = *d;
            with.has_inline_comments = true;
            score_acc acc;
            uint32_t mm;
            double v_lines = score_dialect(&x->sc, d, x->smp, x->nsmp, &mm, &acc);
            double v_inline = score_dialect(&x->sc, &with, x->smp, x->nsmp, &mm, &acc);
            d->has_inline_comments = v_inline > v_lines + 1e-9;
        }
        if (d->comment != BUZZ_CSV_NONE) {
            collect_reset(&x->head);
            scan_sample(&x->sc, d, &x->smp[0], MAX_RECS, collect_row, &x->head);
        }
    }
    for (size_t i = 1; i < x->nsmp; i++)
        scan_sample(&x->sc, d, &x->smp[i], TAIL_RECS, collect_row, &x->other);
    scan_sample(&x->sc, d, &x->foot_smp, FOOTER_RECS, collect_row, &x->foot);
    resolve_structure(x, o, d);
    if (d->comment == BUZZ_CSV_NONE)
        d->has_inline_comments = false;
    return BUZZ_OK;
}

buzz_status buzz__csv_sniff(const buzz__csv_samples *s, const buzz_csv_options *opts,
                            buzz_csv_dialect *out, buzz_error *err)
{
    static const buzz_csv_options defaults;
    if (!s || !out)
        return buzz_error_set(err, BUZZ_ERR_ARG, "sniffer needs samples and an output dialect");
    const buzz_csv_options *o = opts ? opts : &defaults;
    BUZZ_TRY(validate(o, err));
    buzz_csv_dialect d = {0};
    d.encoding = out->encoding;
    d.has_bom = out->has_bom;
    d.compression = out->compression;
    sniff_ctx x;
    memset(&x, 0, sizeof x);
    buzz_status st = sniff_run(&x, s, o, &d, err);
    ctx_free(&x);
    if (st)
        return st;
    *out = d;
    return BUZZ_OK;
}
