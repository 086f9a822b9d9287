/* csv/scan_block.h: the 64-byte block logic shared by the SIMD kernels (scan_avx2.c,
 * scan_avx512.c), written once so that they cannot drift apart. Included only by those files, after
 * they define:
 *   BLOCK_TARGET        the function attribute naming their ISA (target("avx2,...")),
 *   BLOCK_INLINE        the same, always inlined (helpers must share the kernel's target),
 *   block_chars         their broadcast compare constants, set by chars_init(),
 *   BLOCK_SCAN_NAME     and BLOCK_TRACK_NAME, the exported kernel names;
 * and define classify() (declared here) after it: the raw masks of 64 bytes at p, bit i = p[i].
 *
 * A block takes the fast path only when quote parity (prefix XOR of the quote mask, by carry-less
 * multiply) gives exactly what scan_scalar.c's state machine would: every opening quote right
 * after a separator or a closing quote (a doubled ""), or at the block's first byte in FIELD_START,
 * every closing quote followed by a quote, delimiter, LF, CR LF or the end of the data, no escape
 * byte inside quotes, no comment byte at a record start (possibly after leading blanks; with
 * inline comments, no comment byte outside quotes at all), no NUL
 * (tokenizer only), LF mode, and a start state of FIELD_START, UNQUOTED, QUOTED or
 * QUOTE_IN_QUOTED. Leading blanks (spaces and tabs that are not the delimiter) keep the machine in
 * FIELD_START: the fast path tracks them with a blank mask only to leave that state at the block's
 * end and to find indented comments; an opening quote after blanks inside a block fails the
 * field-start test, so such blocks (rare: a, "b") go to the scalar path. A block entered in
 * FIELD_START after blanks of the previous block (field_start before the block) is exact: a quote
 * as its first byte opens the field there, any other byte continues the unquoted field from
 * field_start. Any other block goes byte by byte through buzz__csv_scan_bytes or
 * buzz__csv_track_scalar, which continue from the exact state this file leaves at every block
 * boundary; the next block tries the fast path again. Fast-path records end through the scalar
 * kernel's own buzz__csv_end_record, and fields through its buzz__csv_end_field except the two
 * common cells emit_block writes itself (see there). Dialects whose quote or comment byte is a
 * space or tab never take the fast path. */
#ifndef BUZZ_CSV_SCAN_BLOCK_H
#define BUZZ_CSV_SCAN_BLOCK_H

#include <immintrin.h>
#include <string.h>

/* Raw masks of one block, before any quote logic. Bits at or past the valid length are zero. */
typedef struct raw_masks {
    uint64_t q;   /* quote bytes (0 when the dialect has none) */
    uint64_t d;   /* delimiters */
    uint64_t l;   /* LF */
    uint64_t cr;  /* CR */
    uint64_t nul; /* NUL (tokenizer only) */
    uint64_t esc; /* escape bytes (has_escape only) */
    uint64_t com; /* comment bytes (has_comment only) */
    uint64_t b;   /* spaces and tabs that are not the delimiter (leading blanks) */
} raw_masks;

static BLOCK_INLINE void classify(const block_chars *c, const uint8_t *p, raw_masks *m);

/* What the fast path derives from a block it accepts. */
typedef struct block_res {
    uint64_t inq;    /* inside quotes by parity: opening quotes included, closing ones not */
    uint64_t sepout; /* delimiters and LFs outside quotes */
    uint64_t qclose; /* closing quotes */
    uint64_t lead;   /* leading blanks: runs of blanks right after a field start, outside quotes */
} block_res;

/* The dialect allows the fast path at all: LF mode and special bytes that cannot collide. */
static BLOCK_INLINE bool fast_dialect(uint8_t delim, uint8_t quote, uint8_t escape, uint8_t comment,
                                      bool has_quote, bool has_escape, bool has_comment,
                                      bool cr_mode)
{
    if (cr_mode || delim == '\n' || delim == '\r' || delim == 0)
        return false;
    if (has_quote && (quote == '\n' || quote == '\r' || quote == 0 || quote == delim))
        return false;
    if (has_escape && (escape == '\n' || escape == '\r' || escape == 0 || escape == delim ||
                       (has_quote && escape == quote)))
        return false;
    if (has_comment && (comment == '\n' || comment == '\r' || comment == 0 || comment == delim ||
                        (has_quote && comment == quote)))
        return false;
    /* A blank quote or comment byte would take precedence over the leading-blank rule. */
    if ((has_quote && (quote == ' ' || quote == '\t')) ||
        (has_comment && (comment == ' ' || comment == '\t')))
        return false;
    return true;
}

static BLOCK_INLINE bool is_fast_state(buzz__csv_state st)
{
    return st == BUZZ__ST_FIELD_START || st == BUZZ__ST_UNQUOTED || st == BUZZ__ST_QUOTED ||
           st == BUZZ__ST_QUOTE_IN_QUOTED;
}

static BLOCK_INLINE uint64_t low_bits(size_t n) /* bits [0, n), n <= 64 */
{
    return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static BLOCK_INLINE uint64_t prefix_xor(uint64_t x)
{
    __m128i v = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0);
    return (uint64_t)_mm_cvtsi128_si64(v);
}

/* The raw masks of d[blk, blk + n), n in 1..64. A partial block is copied first, so nothing past
 * the data is read and the garbage in the padding can never matter. */
static BLOCK_INLINE void load_masks(const block_chars *c, const uint8_t *d, size_t blk, size_t n,
                                    raw_masks *m)
{
    if (BUZZ_LIKELY(n == 64)) {
        classify(c, d + blk, m);
        return;
    }
    uint8_t tmp[64];
    memcpy(tmp, d + blk, n);
    memset(tmp + n, 0, 64 - n);
    classify(c, tmp, m);
    uint64_t v = low_bits(n);
    m->q &= v;
    m->d &= v;
    m->l &= v;
    m->cr &= v;
    m->nul &= v;
    m->esc &= v;
    m->com &= v;
    m->b &= v;
}

/* The bits of each run of ones in b that starts at a bit of `start`; a run reaching bit 63 loses
 * only its carry. Runs begin right after a non-blank byte (or at bit 0), and start bits sit at run
 * beginnings, so one add clears exactly those runs and sets the bit after each. */
static BLOCK_INLINE uint64_t runs_from(uint64_t b, uint64_t start)
{
    return b & ~(b + (start & b));
}

/* Decide whether parity semantics equal the state machine on d[blk, blk + n) entered in state st
 * (a fast state). `rec_start`: a comment byte at the block's first byte, or after blanks from
 * there, would start a comment line. `inline_comment`: any comment byte outside quotes ends a
 * record (the scalar path reads those blocks).
 * d[blk + n] and d[blk + n + 1] are peeked when below `end` (a closing quote may be followed by a
 * separator, or CR LF, in the next block); at `end` the end of the data is acceptable. Written
 * without data-dependent branches: on real data the block kinds alternate unpredictably. */
static BLOCK_INLINE bool analyse(const raw_masks *m, const uint8_t *d, size_t blk, size_t n,
                                 size_t end, uint8_t delim, uint8_t quote, buzz__csv_state st,
                                 bool rec_start, bool inline_comment, block_res *r)
{
    uint64_t sep = m->d | m->l;
    uint64_t sq = sep | m->q;
    uint64_t inq = prefix_xor(m->q) ^ (st == BUZZ__ST_QUOTED ? ~0ull : 0);
    uint64_t qopen = m->q & inq;
    uint64_t qclose = m->q & ~inq;
    /* An opening quote needs a field start: a separator or a closing quote before it (it is
     * outside quotes, so its predecessor is too), or the block start in FIELD_START (or right
     * after a closing quote that ended the previous block). */
    uint64_t open_ok =
        (sq << 1) | (uint64_t)(st == BUZZ__ST_FIELD_START || st == BUZZ__ST_QUOTE_IN_QUOTED);
    /* Bits of the byte after each position (sq_next), a CR after it (cr_next) and an LF two after
     * (l2_next); past the block they come from the peeked bytes or the end of the data. */
    uint64_t sq_next = sq >> 1, cr_next = m->cr >> 1, l2_next = m->l >> 2;
    if (n < 64) {
        uint64_t eod = 1ull << n;
        sq_next |= eod >> 1;
        l2_next |= eod >> 2;
    } else {
        size_t a = blk + 64;
        uint8_t c0 = a < end ? d[a] : 0;
        bool c0_sq = a >= end || c0 == delim || c0 == '\n' || (c0 == quote && quote != 0);
        bool c1_ok = a + 1 >= end || d[a + 1] == '\n';
        sq_next |= (uint64_t)c0_sq << 63;
        cr_next |= (uint64_t)(a < end && c0 == '\r') << 63;
        l2_next |= (uint64_t)(a < end && c0 == '\n') << 62 | (uint64_t)c1_ok << 63;
    }
    uint64_t bad = (qopen & ~open_ok) | (qclose & ~(sq_next | (cr_next & l2_next)));
    /* The previous block ended with a closing quote: its follower is this block's first byte. */
    bool first_ok = (sq & 1) || ((m->cr & 1) && (n == 1 || (m->l & 2)));
    bad |= (uint64_t)(st == BUZZ__ST_QUOTE_IN_QUOTED && !first_ok);
    bad |= m->nul | (m->esc & inq);
    /* Comment bytes at a record start, or right after leading blanks there (indented). */
    uint64_t rec = ((m->l & ~inq) << 1) | (uint64_t)rec_start;
    uint64_t rec_blanks = runs_from(m->b, rec);
    bad |= m->com & ~inq & (rec | (rec_blanks << 1) | (0 - (uint64_t)inline_comment));
    r->inq = inq;
    r->sepout = sep & ~inq;
    r->qclose = qclose;
    /* Field starts outside quotes: after each separator, and the block start in FIELD_START. A
     * quote is no blank, so these runs stay outside quotes. */
    r->lead = runs_from(m->b, (r->sepout << 1) | (uint64_t)(st == BUZZ__ST_FIELD_START));
    return bad == 0;
}

/* The state the machine is in after the block's last byte (bit `last`) of an accepted block. The
 * byte's classes below exclude each other, so the state is their weighted sum (FIELD_START = 0:
 * after a separator, or after only leading blanks since one). */
static BLOCK_INLINE buzz__csv_state end_state(const raw_masks *m, const block_res *r, unsigned last,
                                              buzz__csv_state st)
{
    unsigned in = (unsigned)(r->inq >> last) & 1;
    unsigned qc = (unsigned)(r->qclose >> last) & 1;
    unsigned sp = (unsigned)(r->sepout >> last) & 1;
    /* CR right after a closing quote: the machine is past the quote, before the LF. */
    unsigned prev_close =
        last ? (unsigned)(r->qclose >> (last - 1)) & 1 : (unsigned)(st == BUZZ__ST_QUOTE_IN_QUOTED);
    unsigned aq = (unsigned)(m->cr >> last) & 1 & prev_close;
    unsigned lb = (unsigned)(r->lead >> last) & 1; /* only leading blanks since a field start */
    unsigned un = !(in | qc | sp | aq | lb);
    return (buzz__csv_state)(in * BUZZ__ST_QUOTED + qc * BUZZ__ST_QUOTE_IN_QUOTED +
                             aq * BUZZ__ST_AFTER_QUOTE + un * BUZZ__ST_UNQUOTED);
}

/* ---------------------------------------------------------------------------------------------
 * Tokenizer. */

/* The quotes among this block's first `upto` bytes that follow the opening quote of the quoted
 * field starting at fs; for a field opened in an earlier block, ~0 (unknown) unless
 * t->clean_quoted vouches that the earlier blocks held none. */
static BLOCK_INLINE uint64_t quotes_after_open(const buzz__csv_tok *t, const raw_masks *m,
                                               size_t blk, size_t fs, size_t upto)
{
    if (fs >= blk)
        return m->q & low_bits(upto) & ~low_bits(fs - blk + 1);
    return t->clean_quoted == fs + 1 ? m->q & low_bits(upto) : ~0ull;
}

/* Emit every field and record of an accepted block; returns 0, or the offset after the record that
 * filled the batch (never 0: a record end is past at least its newline). The common cells (an
 * in-range unquoted field; a quoted one with no quote inside, begun in this block or in earlier
 * ones that t->clean_quoted vouches for) are the same stores buzz__csv_end_field would make, kept
 * in locals; every other field goes through it, with t's state written back first. Each LF gets the
 * machine's line count (every LF counts, quoted ones too) before buzz__csv_end_record. */
static BLOCK_INLINE size_t emit_block(buzz__csv_tok *t, const raw_masks *m, const block_res *r,
                                      size_t blk, size_t n, buzz__csv_state st)
{
    const uint8_t *d = t->data;
    const uint8_t quote = t->quote;
    const bool has_quote = t->has_quote;
    const size_t ncols = t->ncols, stride = t->row_cap;
    uint64_t sep = r->sepout;
    int64_t line0 = t->line;
    size_t col = t->col, fs = t->field_start;
    /* A quote as the first byte in FIELD_START opens the field there, also after leading blanks in
     * the previous block (field_start at the first blank), as the machine moves field_start. */
    fs = st == BUZZ__ST_FIELD_START && (m->q & 1) ? blk : fs;
    buzz_csv_cell *row = t->cells + t->rows;
    while (sep) {
        unsigned b = (unsigned)__builtin_ctzll(sep);
        sep &= sep - 1;
        size_t p = blk + b;
        bool nl = (m->l >> b) & 1;
        bool quoted = has_quote && d[fs] == quote;
        size_t e = p - (size_t)(nl && p > fs && d[p - 1] == '\r'); /* drop the CR of CR LF */
        if (quoted) {
            /* Closed right before the separator (or its CR LF): a fast block has no other form. */
            size_t close = e - 1;
            /* Quotes between the opening and the closing one. */
            uint64_t inner = quotes_after_open(t, m, blk, fs, close - blk);
            if (BUZZ_LIKELY(col < ncols && inner == 0)) {
                row[col * stride].offset = (uint32_t)(fs + 1);
                row[col * stride].len_flags = (uint32_t)(close - fs - 1) | BUZZ_CSV_CELL_QUOTED;
            } else {
                t->col = col;
                t->field_start = fs;
                t->state = BUZZ__ST_QUOTE_IN_QUOTED;
                t->close_pos = close;
                buzz__csv_end_field(t, p, nl);
            }
        } else if (BUZZ_LIKELY(col < ncols && !t->quote_in_field)) {
            row[col * stride].offset = (uint32_t)fs;
            row[col * stride].len_flags = (uint32_t)(e - fs);
        } else {
            t->col = col;
            t->field_start = fs;
            t->state = BUZZ__ST_UNQUOTED;
            buzz__csv_end_field(t, p, nl);
        }
        if (!nl) {
            col++;
            fs = p + 1;
            continue;
        }
        t->col = col;
        t->field_start = fs;
        t->line = line0 + __builtin_popcountll(m->l & (~0ull >> (63 - b)));
        buzz__csv_end_record(t, p + 1);
        if (t->is_full)
            return p + 1;
        col = 0;
        fs = p + 1;
        row = t->cells + t->rows;
    }
    t->col = col;
    t->field_start = fs;
    t->line = line0 + __builtin_popcountll(m->l);
    unsigned last = (unsigned)(n - 1);
    buzz__csv_state es = end_state(m, r, last, st);
    /* A quoted field still open: clean while no quote follows its opening one. */
    bool clean =
        es == BUZZ__ST_QUOTED && d[fs] == quote && quotes_after_open(t, m, blk, fs, n) == 0;
    t->clean_quoted = clean ? fs + 1 : 0;
    if (es == BUZZ__ST_QUOTE_IN_QUOTED)
        t->close_pos = blk + last;
    else if (es == BUZZ__ST_AFTER_QUOTE && last > 0)
        t->close_pos = blk + last - 1;
    t->state = es;
    return 0;
}

BLOCK_TARGET size_t BLOCK_SCAN_NAME(buzz__csv_tok *t, size_t pos, size_t end)
{
    /* Space-aligned text (merged delimiter runs) has no fast path: the scalar loop reads it. */
    if (t->merge_delim ||
        !fast_dialect(t->delim, t->quote, t->escape, t->comment, t->has_quote, t->has_escape,
                      t->has_comment, t->cr_mode))
        return buzz__csv_scan_bytes(t, pos, end);
    block_chars c;
    chars_init(&c, t->delim, t->quote, t->escape, t->comment, t->has_quote, t->has_escape,
               t->has_comment, true);
    const uint8_t *d = t->data;
    while (pos < end) {
        size_t n = end - pos < 64 ? end - pos : 64;
        buzz__csv_state st = t->state;
        if (BUZZ_LIKELY(is_fast_state(st))) {
            raw_masks m;
            block_res r;
            load_masks(&c, d, pos, n, &m);
            bool rec_start =
                st == BUZZ__ST_FIELD_START && t->col == 0 && t->field_start == t->rec_start;
            if (analyse(&m, d, pos, n, end, t->delim, t->quote, st, rec_start, t->inline_comment,
                        &r)) {
                size_t stop = emit_block(t, &m, &r, pos, n, st);
                if (stop)
                    return stop;
                pos += n;
                continue;
            }
        }
        t->clean_quoted = 0; /* the scalar machine does not keep it */
        size_t next = buzz__csv_scan_bytes(t, pos, pos + n);
        if (t->is_full)
            return next;
        pos += n;
    }
    return pos;
}

/* ---------------------------------------------------------------------------------------------
 * Boundary tracker: the same blocks without output. */
BLOCK_TARGET size_t BLOCK_TRACK_NAME(buzz__csv_track *k, const uint8_t *d, size_t pos, size_t end)
{
    if (!fast_dialect(k->delim, k->quote, k->escape, k->comment, k->has_quote, k->has_escape,
                      k->has_comment, k->cr_mode))
        return buzz__csv_track_scalar(k, d, pos, end);
    block_chars c;
    chars_init(&c, k->delim, k->quote, k->escape, k->comment, k->has_quote, k->has_escape,
               k->has_comment, false);
    size_t last = 0;
    while (pos < end) {
        size_t n = end - pos < 64 ? end - pos : 64;
        buzz__csv_state st = k->state;
        if (BUZZ_LIKELY(is_fast_state(st))) {
            raw_masks m;
            block_res r;
            load_masks(&c, d, pos, n, &m);
            bool rec_start = st == BUZZ__ST_FIELD_START && k->at_record_start;
            if (analyse(&m, d, pos, n, end, k->delim, k->quote, st, rec_start, k->inline_comment,
                        &r)) {
                uint64_t lout = r.sepout & m.l;
                /* Fields opened or delimiters passed clear at_record_start, as in the machine;
                 * a record end sets it. Branch-free: blocks with and without LFs alternate. */
                uint64_t clears = (r.sepout & m.d) | (m.q & r.inq);
                unsigned hi = 63u - (unsigned)__builtin_clzll(lout | 1);
                uint64_t top = (1ull << hi) & (0 - (uint64_t)(lout != 0));
                uint64_t after = ~((top << 1) - 1) | (0 - (uint64_t)(lout == 0));
                bool ars = lout ? true : k->at_record_start;
                k->at_record_start = ars && (clears & after) == 0;
                last = lout ? pos + hi + 1 : last;
                k->state = end_state(&m, &r, (unsigned)(n - 1), st);
                pos += n;
                continue;
            }
        }
        size_t b = buzz__csv_track_scalar(k, d, pos, pos + n);
        if (b)
            last = b;
        pos += n;
    }
    return last;
}

#endif /* BUZZ_CSV_SCAN_BLOCK_H */
