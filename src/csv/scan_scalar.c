/* csv/scan_scalar.c: the reference tokenizer. Its byte-at-a-time state machine *defines* how Buzz
 * reads CSV; the SIMD kernels (scan_avx2.c, scan_avx512.c) must produce identical batches for every
 * input, and fall back to buzz__csv_scan_bytes for any 64-byte block their fast path declines.
 * The same state machine without output (buzz__csv_track_scalar) finds record boundaries for the
 * chunk splitter in reader.c, so chunks always start at a record start.
 *
 * The rules, lenient like Python's csv module so that one broken field never shifts a million rows:
 *  - A quote opens a quoted field only at the start of a field, possibly after spaces and tabs
 *    (blanks; a blank that is the delimiter is a separator instead): in a, "b, c" the second field
 *    is the quoted value b, c and the blanks before the quote are dropped. A field whose blanks are
 *    followed by anything else is unquoted and keeps them ( x stays " x"; a line of only blanks is
 *    a non-empty value, not an empty line). A quote inside an unquoted field is text (issue
 *    QUOTE_IN_FIELD).
 *  - Inside quotes, "" is one quote; the escape byte (when distinct from the quote) makes the next
 *    byte literal; delimiters and newlines are text.
 *  - A quote inside quotes closes them when a delimiter or newline follows, possibly after spaces
 *    or tabs (dropped, as is the CR of a CRLF). Followed by anything else it is text and the field
 *    stays quoted (issue UNESCAPED_QUOTE): "say "hi" now" reads as say "hi" now, which is what
 *    broken exporters mean, and the damage stays inside the field.
 *  - Records end at LF (a CR right before it is dropped), or at CR in CR mode (an LF right after it
 *    is dropped). Empty lines are skipped and counted (in a one-column table an empty line is an
 *    empty value instead). Comment lines (comment byte at the start of a record, possibly after
 *    blanks: indented comments) are skipped and counted. With inline comments (the dialect's
 *    has_inline_comments), a comment byte outside quotes anywhere else also ends the current field
 *    and the record: "1,2 # note" is the record 1,"2 " and the rest of the line is skipped, as
 *    DuckDB, pandas and R read it. Inside quotes it is text.
 *  - With merge_delimiters (space-aligned text), a run of delimiters is one separator, and
 *    delimiters at the start or end of a record separate nothing.
 *  - Rows with too few fields are padded with MISSING cells; fields beyond the column count are kept
 *    as raw text in the batch's extras (unless they are empty trailing fields the dialect expects).
 *  - A quoted field still open at the end of the input was no quoted field: a stray quote at a
 *    field start ("Others" includes ..., with no quote later followed by a separator). The input is
 *    read again from that field, which keeps its quote as text, with quoting off to the end (issue
 *    UNTERMINATED_QUOTE), so one stray quote never swallows the rest of the file into a cell.
 * Cells are unquoted and unescaped in place, in the writable chunk buffer. */
#include "csv_internal.h"

#include <string.h>

void buzz__csv_tok_init(buzz__csv_tok *t, const buzz_csv_dialect *d)
{
    memset(t, 0, sizeof *t);
    t->delim = (uint8_t)d->delimiter;
    t->has_quote = d->quote != BUZZ_CSV_NONE;
    t->quote = t->has_quote ? (uint8_t)d->quote : 0;
    t->has_escape = d->escape != BUZZ_CSV_NONE && d->escape != d->quote;
    t->escape = t->has_escape ? (uint8_t)d->escape : 0;
    t->has_comment = d->comment != BUZZ_CSV_NONE;
    t->comment = t->has_comment ? (uint8_t)d->comment : 0;
    t->inline_comment = t->has_comment && d->has_inline_comments;
    t->cr_mode = d->newline == BUZZ_NEWLINE_CR;
    t->merge_delim = d->merge_delimiters;
    t->ncols = d->column_count ? d->column_count : 1;
    t->trailing_empty = d->trailing_empty_columns;
    t->ragged = d->ragged_rows;
    t->state = BUZZ__ST_FIELD_START;
    t->issue_mark_rec = SIZE_MAX;
}

void buzz__csv_tok_reset_output(buzz__csv_tok *t)
{
    t->rows = 0;
    t->extra_count = 0;
    t->issue_count = 0;
    memset(t->issue_totals, 0, sizeof t->issue_totals);
    t->blank_lines = 0;
    t->comment_lines = 0;
    t->is_full = false;
}

void buzz__csv_tok_drop_open(buzz__csv_tok *t)
{
    if (t->issue_mark_rec == t->rec_start) {
        t->issue_count = t->issue_mark_count;
        memcpy(t->issue_totals, t->issue_mark_totals, sizeof t->issue_totals);
    }
    t->issue_mark_rec = SIZE_MAX;
    t->unesc_count = 0;
}

static void add_issue(buzz__csv_tok *t, buzz_csv_issue_kind kind, uint32_t detail)
{
    if (t->issue_mark_rec != t->rec_start) {
        /* The first issue of this record. Batches start at record starts, so the mark is in the
         * batch that holds the record's issues. */
        t->issue_mark_rec = t->rec_start;
        t->issue_mark_count = t->issue_count;
        memcpy(t->issue_mark_totals, t->issue_totals, sizeof t->issue_totals);
    }
    t->issue_totals[kind]++;
    /* The list keeps issues in order while more than the examples of every kind would still
     * fit, then only the first examples of each kind, so a kind that comes late in a batch of
     * many issues of another still has its examples in the report. */
    const size_t reserve = (size_t)BUZZ_CSV_ISSUE_KIND_COUNT * BUZZ_CSV_ISSUE_EXAMPLES;
    if (t->issue_count + reserve < t->issue_cap ||
        (t->issue_totals[kind] <= BUZZ_CSV_ISSUE_EXAMPLES && t->issue_count < t->issue_cap)) {
        buzz__csv_raw_issue *is = &t->issues[t->issue_count++];
        is->kind = kind;
        is->row = (uint32_t)t->rows;
        is->rec_offset = (uint32_t)t->rec_start;
        is->field = (uint32_t)t->col;
        is->detail = detail;
    }
}

/* The undo log in 32-bit words: per cell unescaped, its offset, raw length, count of bytes taken
 * out, the quote and escape bytes, then the offset in the cell of each byte taken out (the first
 * of a doubled quote, or an escape byte: bit 31). So the log holds 4 bytes per "" or escape, not
 * the cell's text. */
#define UNDO_ESC 0x80000000u

static void undo_push(buzz__csv_undo *u, uint32_t word)
{
    if (u->lost)
        return;
    if (u->len + 4 > u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 4096;
        uint8_t *p = buzz_realloc(u->buf, cap);
        if (!p) {
            u->lost = true;
            return;
        }
        u->buf = p;
        u->cap = cap;
    }
    memcpy(u->buf + u->len, &word, 4);
    u->len += 4;
}

static uint32_t undo_word(const buzz__csv_undo *u, size_t at)
{
    uint32_t w;
    memcpy(&w, u->buf + at, 4);
    return w;
}

size_t buzz__csv_count_byte_scalar(const uint8_t *data, size_t n, uint8_t c)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += data[i] == c;
    return count;
}

void buzz__csv_undo_apply(buzz__csv_undo *u, uint8_t *data)
{
    for (size_t at = 0; at + 16 <= u->len;) {
        uint8_t *d = data + undo_word(u, at);
        size_t raw = undo_word(u, at + 4), count = undo_word(u, at + 8);
        uint32_t bytes = undo_word(u, at + 12);
        size_t first = at + 16, j = count, w = raw - count;
        /* Rebuild from the end: a byte's unescaped position is never after its raw one. */
        for (size_t i = raw; i-- > 0;) {
            uint32_t e = j > 0 ? undo_word(u, first + 4 * (j - 1)) : 0;
            if (j > 0 && (e & ~UNDO_ESC) == i) {
                d[i] = (uint8_t)((e & UNDO_ESC) ? bytes >> 8 : bytes);
                j--;
            } else {
                d[i] = d[--w];
            }
        }
        at = first + 4 * count;
    }
    u->len = 0;
}

/* Unescape the quoted content data[s, e) in place: "" becomes ", escape+x becomes x, a lone quote
 * (not doubled) stays. Returns the new length. Scanning left to right pairs quotes exactly as the
 * state machine did: a quote followed by a quote is one literal quote, any other quote is text. */
static size_t unescape(buzz__csv_tok *t, size_t s, size_t e)
{
    uint8_t *d = t->data;
    size_t r = s, w = s;
    buzz__csv_undo *u = t->undo;
    size_t count_at = 0;
    if (u) {
        undo_push(u, (uint32_t)s);
        undo_push(u, (uint32_t)(e - s));
        count_at = u->len;
        undo_push(u, 0);
        undo_push(u, (uint32_t)t->quote | (uint32_t)t->escape << 8);
    }
    while (r < e) {
        uint8_t c = d[r];
        bool pair = c == t->quote && r + 1 < e && d[r + 1] == t->quote;
        bool esc = t->has_escape && c == t->escape && r + 1 < e;
        if (pair || esc) {
            if (u)
                undo_push(u, (uint32_t)(r - s) | (pair ? 0 : UNDO_ESC));
            d[w++] = d[r + 1];
            r += 2;
        } else {
            d[w++] = c;
            r++;
        }
    }
    if (u && !u->lost) {
        uint32_t taken = (uint32_t)(r - w);
        memcpy(u->buf + count_at, &taken, 4);
    }
    return w - s;
}

static bool needs_unescape(const buzz__csv_tok *t, size_t s, size_t e)
{
    const uint8_t *d = t->data;
    if (e <= s)
        return false;
    if (memchr(d + s, t->quote, e - s))
        return true;
    return t->has_escape && memchr(d + s, t->escape, e - s) != NULL;
}

/* A cell of column t->col over data[s, e) that needs unescaping: at once (returns the new
 * length), or by end_record when the caller defers it (returns e - s, the raw length). */
static size_t defer_unescape(buzz__csv_tok *t, size_t s, size_t e)
{
    if (!t->unesc_cols)
        return unescape(t, s, e);
    t->unesc_cols[t->unesc_count++] = (uint32_t)t->col;
    return e - s;
}

/* end_record: unescape the deferred cells of row r. */
static BUZZ_NOINLINE void apply_unescapes(buzz__csv_tok *t, size_t r)
{
    for (size_t i = 0; i < t->unesc_count; i++) {
        buzz_csv_cell *cell = &t->cells[t->unesc_cols[i] * t->row_cap + r];
        size_t off = cell->offset, raw = cell->len_flags & BUZZ_CSV_CELL_LEN_MASK;
        cell->len_flags = (uint32_t)unescape(t, off, off + raw) |
                          (cell->len_flags & ~BUZZ_CSV_CELL_LEN_MASK);
    }
    t->unesc_count = 0;
}

/* Spaces and tabs that may precede a field's opening quote (or a record's comment byte) without
 * making the field unquoted. Unlike is_blank, never CR: "\r\"x\"" is an unquoted value. */
static inline bool is_lead_blank(uint8_t c, uint8_t delim)
{
    return (c == ' ' || c == '\t') && c != delim;
}

/* Where the raw text of the field whose field_start is s begins: a quoted field's field_start is
 * its opening quote, after any leading blanks, and raw text (extras) keeps those. The blanks follow
 * a delimiter, which is no blank, so the walk stops there; only used for the first extra field,
 * which always has a delimiter before it. */
static size_t raw_field_start(const buzz__csv_tok *t, size_t s, buzz__csv_state st)
{
    if (st == BUZZ__ST_FIELD_START || st == BUZZ__ST_UNQUOTED)
        return s;
    while (s > t->rec_start && is_lead_blank(t->data[s - 1], t->delim))
        s--;
    return s;
}

/* The current field ends at `e` (offset of its separator, or the end of the input). `at_nl`: the
 * separator is a record-ending newline, so a CR right before it belongs to the line ending. */
void buzz__csv_end_field(buzz__csv_tok *t, size_t e, bool at_nl)
{
    uint8_t *d = t->data;
    size_t s = t->field_start;
    buzz__csv_state st = t->state;
    if (at_nl && !t->cr_mode && e > s && d[e - 1] == '\r')
        e--; /* the CR of a CRLF: at_nl means any quotes are closed, so it is not text */
    if (t->col >= t->ncols) {
        t->quote_in_field = false;
        if (t->col == t->ncols)
            t->extra_start = raw_field_start(t, s, st);
        t->extra_end = e; /* the record's newline (and a CRLF's CR) is not part of the text */
        t->extra_fields++;
        if (e > s)
            t->extra_nonempty = true;
        return;
    }
    uint32_t flags = 0;
    size_t off = s, len;
    switch (st) {
    case BUZZ__ST_QUOTE_IN_QUOTED:
    case BUZZ__ST_AFTER_QUOTE: {
        /* Closed at close_pos; anything between it and e is spaces/tabs/CR, dropped. */
        size_t close = t->close_pos;
        flags = BUZZ_CSV_CELL_QUOTED;
        off = s + 1;
        len = close - off;
        if (needs_unescape(t, off, close))
            len = defer_unescape(t, off, close);
        if (t->quote_in_field)
            add_issue(t, BUZZ_CSV_UNESCAPED_QUOTE, 0);
        break;
    }
    case BUZZ__ST_QUOTED:
    case BUZZ__ST_ESCAPE:
        /* Unterminated at the end of the input: everything after the quote is the value. Not
         * reached through buzz__csv_scan_finish, which reads such a field again unquoted. */
        flags = BUZZ_CSV_CELL_QUOTED;
        off = s + 1;
        len = e - off;
        if (needs_unescape(t, off, e))
            len = defer_unescape(t, off, e);
        if (t->quote_in_field)
            add_issue(t, BUZZ_CSV_UNESCAPED_QUOTE, 0);
        add_issue(t, BUZZ_CSV_UNTERMINATED_QUOTE, 0);
        break;
    default:
        len = e - s;
        if (t->quote_in_field)
            add_issue(t, BUZZ_CSV_QUOTE_IN_FIELD, 0);
        break;
    }
    t->quote_in_field = false;
    buzz_csv_cell *cell = &t->cells[t->col * t->row_cap + t->rows];
    cell->offset = (uint32_t)off;
    cell->len_flags = (uint32_t)len | flags;
}

/* The record that started at rec_start ends; `next` is the offset of the next record. Call after
 * buzz__csv_end_field for its last field. */
void buzz__csv_end_record(buzz__csv_tok *t, size_t next)
{
    size_t r = t->rows;
    if (BUZZ_UNLIKELY(t->unesc_count))
        apply_unescapes(t, r);
    /* An empty line is no row of a multi-column table; in a one-column table it is an empty
     * value (DuckDB reads it the same way). */
    bool blank = t->col == 0 && t->ncols > 1 &&
                 (t->cells[r].len_flags & (BUZZ_CSV_CELL_LEN_MASK | BUZZ_CSV_CELL_QUOTED)) == 0;
    if (t->has_nul) {
        add_issue(t, BUZZ_CSV_NUL_BYTES, 0);
        t->has_nul = false;
    }
    if (blank) {
        t->blank_lines++;
    } else {
        if (t->col + 1 < t->ncols) {
            if (!t->ragged)
                add_issue(t, BUZZ_CSV_TOO_FEW_FIELDS, (uint32_t)(t->col + 1));
            for (size_t c = t->col + 1; c < t->ncols; c++) {
                buzz_csv_cell *cell = &t->cells[c * t->row_cap + r];
                cell->offset = (uint32_t)t->rec_start;
                cell->len_flags = BUZZ_CSV_CELL_MISSING;
            }
        }
        if (t->extra_fields > 0 && (t->extra_nonempty || t->extra_fields > t->trailing_empty)) {
            add_issue(t, BUZZ_CSV_TOO_MANY_FIELDS, (uint32_t)(t->col + 1));
            buzz_csv_extra *x = &t->extras[t->extra_count++];
            x->row = r;
            x->field_count = t->extra_fields;
            x->offset = (uint32_t)t->extra_start;
            x->len = (uint32_t)(t->extra_end - t->extra_start);
        }
        t->row_offsets[r] = (int64_t)t->rec_start;
        t->row_lines[r] = t->rec_line;
        t->rows = r + 1;
        if (t->rows == t->row_cap)
            t->is_full = true;
    }
    t->col = 0;
    t->extra_fields = 0;
    t->extra_nonempty = false;
    t->rec_start = next;
    t->rec_line = t->line;
    t->field_start = next;
    t->state = BUZZ__ST_FIELD_START;
}

/* Spaces and tabs (and the CR of a CRLF in LF mode) may sit between a closing quote and the
 * separator. The caller has ruled out the delimiter and the newline byte. */
static inline bool is_blank(const buzz__csv_tok *t, uint8_t c)
{
    return c == ' ' || c == '\t' || (c == '\r' && !t->cr_mode);
}

/* After a record-ending newline at nl_pos: in CR mode an LF right after the CR is part of it. */
static size_t after_newline(const buzz__csv_tok *t, size_t nl_pos, size_t end)
{
    size_t next = nl_pos + 1;
    if (t->cr_mode && next < end && t->data[next] == '\n')
        next++;
    return next;
}

/* An inline comment byte at pos ends the current field (at pos: blanks before it stay in the
 * value, as DuckDB keeps them) and the record, which ends at the line's newline. In space-aligned
 * text, delimiters right before it end no field, as at a newline. */
static void start_inline_comment(buzz__csv_tok *t, size_t pos)
{
    if (t->merge_delim && t->state == BUZZ__ST_FIELD_START && t->col > 0 && t->field_start == pos)
        t->col--;
    else
        buzz__csv_end_field(t, pos, false);
    t->state = BUZZ__ST_INLINE_COMMENT;
}

size_t buzz__csv_scan_bytes(buzz__csv_tok *t, size_t pos, size_t end)
{
    uint8_t *d = t->data;
    const uint8_t nl = t->cr_mode ? '\r' : '\n';
    const uint8_t delim = t->delim;
    const uint8_t quote = t->quote;
    const bool has_quote = t->has_quote;
    /* Where an unquoted field stops besides the delimiter: the comment byte when it may end a
     * record mid-line (else the delimiter again, so the loop below tests nothing new). */
    const uint8_t cstop = t->inline_comment ? t->comment : delim;
    while (pos < end) {
        uint8_t c = d[pos];
        switch (t->state) {
        case BUZZ__ST_FIELD_START:
            /* field_start stays at the field's first byte across leading blanks, so an unquoted
             * field keeps them; a quote after them moves it to the quote, which end_field skips. */
            if (has_quote && c == quote) {
                t->field_start = pos;
                t->state = BUZZ__ST_QUOTED;
                pos++;
                break;
            }
            if (t->has_comment && c == t->comment && t->col == 0 &&
                (t->field_start == t->rec_start ||
                 (t->inline_comment && t->merge_delim && t->field_start == pos))) {
                /* A comment line: at the record start, after blanks (or, space-aligned, after
                 * the delimiters that precede the first field). */
                t->state = BUZZ__ST_COMMENT;
                pos++;
                break;
            }
            if (t->inline_comment && c == t->comment) {
                start_inline_comment(t, pos);
                pos++;
                break;
            }
            if (is_lead_blank(c, delim)) {
                pos++;
                break;
            }
            if (t->merge_delim && c == delim) {
                /* Space-aligned text: a run of delimiters is one separator, and the ones that
                 * start a record separate nothing. */
                pos++;
                t->field_start = pos;
                break;
            }
            if (t->merge_delim && c == nl && t->col > 0 && t->field_start == pos) {
                /* Delimiters at the end of a record end no field either. */
                t->col--;
                t->line++;
                pos = after_newline(t, pos, end);
                buzz__csv_end_record(t, pos);
                if (t->is_full)
                    return pos;
                break;
            }
            t->state = BUZZ__ST_UNQUOTED;
            break; /* the byte is handled as the first of an unquoted field */
        case BUZZ__ST_UNQUOTED:
            while (pos < end && d[pos] != delim && d[pos] != nl && d[pos] != quote && d[pos] != 0 &&
                   d[pos] != cstop)
                pos++;
            if (pos >= end)
                break;
            c = d[pos];
            if (c == delim) {
                buzz__csv_end_field(t, pos, false);
                t->col++;
                pos++;
                t->field_start = pos;
                t->state = BUZZ__ST_FIELD_START;
            } else if (c == nl) {
                t->line++;
                buzz__csv_end_field(t, pos, true);
                pos = after_newline(t, pos, end);
                buzz__csv_end_record(t, pos);
                if (t->is_full)
                    return pos;
            } else if (c == 0) {
                t->has_nul = true;
                pos++;
            } else if (t->inline_comment && c == t->comment) {
                start_inline_comment(t, pos);
                pos++;
            } else {
                /* A quote (quote byte may be 0 only when has_quote is false, caught above). */
                if (has_quote)
                    t->quote_in_field = true;
                pos++;
            }
            break;
        case BUZZ__ST_QUOTED:
            while (pos < end && d[pos] != quote && d[pos] != nl && d[pos] != 0 &&
                   !(t->has_escape && d[pos] == t->escape))
                pos++;
            if (pos >= end)
                break;
            c = d[pos];
            if (c == quote) {
                t->close_pos = pos;
                t->state = BUZZ__ST_QUOTE_IN_QUOTED;
            } else if (c == nl) {
                t->line++;
            } else if (c == 0) {
                t->has_nul = true;
            } else {
                t->state = BUZZ__ST_ESCAPE;
            }
            pos++;
            break;
        case BUZZ__ST_ESCAPE:
            if (c == nl)
                t->line++;
            else if (c == 0)
                t->has_nul = true;
            t->state = BUZZ__ST_QUOTED;
            pos++;
            break;
        case BUZZ__ST_QUOTE_IN_QUOTED:
        case BUZZ__ST_AFTER_QUOTE:
            if (c == quote) {
                if (t->state == BUZZ__ST_QUOTE_IN_QUOTED) {
                    t->state = BUZZ__ST_QUOTED; /* "" */
                } else {
                    /* "a" "...: the earlier quote and the spaces were text. */
                    t->quote_in_field = true;
                    t->close_pos = pos;
                    t->state = BUZZ__ST_QUOTE_IN_QUOTED;
                }
                pos++;
            } else if (c == delim) {
                buzz__csv_end_field(t, pos, false); /* a quoted field, closed at close_pos */
                t->col++;
                pos++;
                t->field_start = pos;
                t->state = BUZZ__ST_FIELD_START;
            } else if (c == nl) {
                t->line++;
                buzz__csv_end_field(t, pos, true);
                pos = after_newline(t, pos, end);
                buzz__csv_end_record(t, pos);
                if (t->is_full)
                    return pos;
            } else if (t->inline_comment && c == t->comment) {
                start_inline_comment(t, pos); /* a quoted field, closed at close_pos */
                pos++;
            } else if (is_blank(t, c)) {
                t->state = BUZZ__ST_AFTER_QUOTE;
                pos++;
            } else {
                /* Not a closing quote after all: text, and the field is still quoted. The byte
                 * is read again in QUOTED. */
                t->quote_in_field = true;
                t->state = BUZZ__ST_QUOTED;
            }
            break;
        case BUZZ__ST_COMMENT: {
            const uint8_t *p = memchr(d + pos, nl, end - pos);
            if (!p) {
                pos = end;
                break;
            }
            t->line++;
            pos = after_newline(t, (size_t)(p - d), end);
            t->comment_lines++;
            t->rec_start = pos;
            t->rec_line = t->line;
            t->field_start = pos;
            t->state = BUZZ__ST_FIELD_START;
            break;
        }
        case BUZZ__ST_INLINE_COMMENT: {
            const uint8_t *p = memchr(d + pos, nl, end - pos);
            if (!p) {
                pos = end;
                break;
            }
            t->line++;
            pos = after_newline(t, (size_t)(p - d), end);
            buzz__csv_end_record(t, pos); /* its fields ended at the comment byte */
            if (t->is_full)
                return pos;
            break;
        }
        }
    }
    return pos;
}

size_t buzz__csv_scan_scalar(buzz__csv_tok *t, size_t pos, size_t end)
{
    return buzz__csv_scan_bytes(t, pos, end);
}

/* The quoted field at field_start is still open at the end of the input: it was a stray quote.
 * Report it, turn quoting off for the rest of the input, and continue the field as unquoted text
 * from its first byte (leading blanks included, the quote kept), with the line count as it was at
 * the quote. Returns where to scan again: right after the quote. */
static size_t reopen_unquoted(buzz__csv_tok *t)
{
    const uint8_t nl = t->cr_mode ? '\r' : '\n';
    size_t q = t->field_start;
    if (t->unesc_count)
        apply_unescapes(t, t->rows); /* earlier fields of the record, while quoting is on */
    add_issue(t, BUZZ_CSV_UNTERMINATED_QUOTE, 0);
    int64_t line = t->rec_line;
    for (size_t i = t->rec_start; i < q; i++)
        line += t->data[i] == nl;
    t->line = line;
    t->field_start = raw_field_start(t, q, BUZZ__ST_QUOTED);
    t->state = BUZZ__ST_UNQUOTED;
    t->quote_in_field = false;
    t->has_quote = false;
    t->quote = 0;
    t->has_escape = false;
    t->escape = 0;
    return q + 1;
}

size_t buzz__csv_scan_finish(buzz__csv_tok *t, size_t end)
{
    if (t->state == BUZZ__ST_QUOTED || t->state == BUZZ__ST_ESCAPE)
        return reopen_unquoted(t);
    if (t->state == BUZZ__ST_INLINE_COMMENT) {
        buzz__csv_end_record(t, end);
        return 0;
    }
    if (t->state == BUZZ__ST_COMMENT) {
        t->comment_lines++;
        t->state = BUZZ__ST_FIELD_START;
        t->rec_start = t->field_start = end;
        return 0;
    }
    if (t->state == BUZZ__ST_FIELD_START && t->col == 0 && t->rec_start >= end)
        return 0; /* nothing pending */
    if (t->merge_delim && t->state == BUZZ__ST_FIELD_START && t->col > 0 && t->field_start >= end) {
        t->col--; /* trailing delimiters of a space-aligned record */
        buzz__csv_end_record(t, end);
        return 0;
    }
    buzz__csv_end_field(t, end, false);
    buzz__csv_end_record(t, end);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Boundary tracking: the state machine above with every output removed. */
void buzz__csv_track_init(buzz__csv_track *k, const buzz_csv_dialect *d)
{
    memset(k, 0, sizeof *k);
    k->delim = (uint8_t)d->delimiter;
    k->has_quote = d->quote != BUZZ_CSV_NONE;
    k->quote = k->has_quote ? (uint8_t)d->quote : 0;
    k->has_escape = d->escape != BUZZ_CSV_NONE && d->escape != d->quote;
    k->escape = k->has_escape ? (uint8_t)d->escape : 0;
    k->has_comment = d->comment != BUZZ_CSV_NONE;
    k->comment = k->has_comment ? (uint8_t)d->comment : 0;
    k->inline_comment = k->has_comment && d->has_inline_comments;
    k->cr_mode = d->newline == BUZZ_NEWLINE_CR;
    k->state = BUZZ__ST_FIELD_START;
    k->at_record_start = true;
}

size_t buzz__csv_track_scalar(buzz__csv_track *k, const uint8_t *d, size_t pos, size_t end)
{
    const uint8_t nl = k->cr_mode ? '\r' : '\n';
    const uint8_t cstop = k->inline_comment ? k->comment : k->delim; /* as in scan_bytes */
    size_t last = 0;
    if (k->pending_cr && pos < end) {
        /* The previous range ended with a record-ending CR; an LF here belongs to it. */
        k->pending_cr = false;
        if (d[pos] == '\n')
            pos++;
        last = pos;
    }
    while (pos < end) {
        uint8_t c = d[pos];
        switch (k->state) {
        case BUZZ__ST_FIELD_START:
            if (k->has_quote && c == k->quote) {
                k->state = BUZZ__ST_QUOTED;
                k->at_record_start = false;
                pos++;
                break;
            }
            /* A comment line, or an inline comment: either way the line ends the record. */
            if (k->has_comment && c == k->comment && (k->at_record_start || k->inline_comment)) {
                k->state = BUZZ__ST_COMMENT;
                k->at_record_start = false;
                pos++;
                break;
            }
            if (is_lead_blank(c, k->delim)) {
                pos++; /* still FIELD_START, and still at the record start if it was */
                break;
            }
            k->state = BUZZ__ST_UNQUOTED;
            break;
        case BUZZ__ST_UNQUOTED:
            while (pos < end && d[pos] != k->delim && d[pos] != nl && d[pos] != cstop)
                pos++;
            if (pos >= end)
                break;
            if (d[pos] == k->delim) {
                k->at_record_start = false;
                k->state = BUZZ__ST_FIELD_START;
                pos++;
                break;
            }
            if (d[pos] != nl) { /* an inline comment byte */
                k->at_record_start = false;
                k->state = BUZZ__ST_COMMENT;
                pos++;
                break;
            }
            goto record_end;
        case BUZZ__ST_QUOTED:
            while (pos < end && d[pos] != k->quote && !(k->has_escape && d[pos] == k->escape))
                pos++;
            if (pos >= end)
                break;
            k->state = d[pos] == k->quote ? BUZZ__ST_QUOTE_IN_QUOTED : BUZZ__ST_ESCAPE;
            pos++;
            break;
        case BUZZ__ST_ESCAPE:
            k->state = BUZZ__ST_QUOTED;
            pos++;
            break;
        case BUZZ__ST_QUOTE_IN_QUOTED:
        case BUZZ__ST_AFTER_QUOTE:
            if (c == k->quote) {
                k->state = k->state == BUZZ__ST_QUOTE_IN_QUOTED ? BUZZ__ST_QUOTED
                                                                : BUZZ__ST_QUOTE_IN_QUOTED;
                pos++;
            } else if (c == k->delim) {
                k->state = BUZZ__ST_FIELD_START;
                pos++;
            } else if (c == nl) {
                goto record_end;
            } else if (k->inline_comment && c == k->comment) {
                k->state = BUZZ__ST_COMMENT;
                pos++;
            } else if (c == ' ' || c == '\t' || (c == '\r' && !k->cr_mode)) {
                k->state = BUZZ__ST_AFTER_QUOTE;
                pos++;
            } else {
                k->state = BUZZ__ST_QUOTED;
            }
            break;
        case BUZZ__ST_COMMENT:
        case BUZZ__ST_INLINE_COMMENT: { /* the tracker uses COMMENT for both */
            const uint8_t *p = memchr(d + pos, nl, end - pos);
            if (!p) {
                pos = end;
                break;
            }
            pos = (size_t)(p - d);
            goto record_end;
        }
        }
        continue;
    record_end:
        /* d[pos] is the record-ending newline. In CR mode, a CR at the very end of the range is no
         * boundary yet: the LF that may follow belongs to it. */
        if (k->cr_mode) {
            if (pos + 1 >= end) {
                k->pending_cr = true;
                k->state = BUZZ__ST_FIELD_START;
                k->at_record_start = true;
                return last;
            }
            if (d[pos + 1] == '\n')
                pos++;
        }
        pos++;
        last = pos;
        k->state = BUZZ__ST_FIELD_START;
        k->at_record_start = true;
    }
    return last;
}
