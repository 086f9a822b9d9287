/* Whole-file type inference.
 *
 * Each column keeps the set of kinds its values still allow (boolean, number, date/time) and, per
 * kind, the facts that fix the final type: for numbers, per decimal style still possible, the most
 * integer and fraction digits, whether an exponent or infinity appeared and the integer range; for
 * dates, the day/month orders every value allows, which shapes appeared (date, time, date+time)
 * and whether zones were written. A value removes what it does not fit; nothing is ever decided
 * from a sample. The hot loop runs per column over the column-major cells of a batch; once a
 * column is text, only counts, the distinct-count sketch and examples are updated.
 *
 * Rules (docs/schema.md has the user-facing version):
 * - Null tokens and unquoted empty fields are NULL and say nothing about the type. An empty quoted
 *   field is an empty string: it is counted but does not make a column text.
 * - Values are trimmed of blanks before typing; text columns keep them as written.
 * - Identifiers stay text: leading zeros (007, 00501), more than 18 digits without grouping.
 * - Numbers: all integers -> INT32/INT64 by range; a fraction -> DECIMAL(p,s) from the most integer
 *   and fraction digits (p <= 38), else DOUBLE; an exponent or inf -> DOUBLE. One unit per column.
 * - Dates: DATE, with times -> TIMESTAMP (date-only values are midnight), all with zones ->
 *   TIMESTAMP_TZ; zones on some values only, or times mixed with dates -> VARCHAR. */
#include "buzz/types.h"

#include "infer_internal.h"

#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h> /* baseline on x86-64: no run-time check needed */
#endif

#define HLL_BITS 10
#define HLL_REGS (1u << HLL_BITS)
/* Seen-cache slots per column: 2^7 to 2^10, as many as fit SEEN_BUDGET slots per state (17 bytes
 * each), so few-column files remember more values and 1000-column ones stay at 2^7. */
#define SEEN_BITS_MIN 7
#define SEEN_BITS_MAX 10
#define SEEN_BUDGET 16384
#define SEEN_MAX_BYTES 16
#define SEEN_TRIAL 1024 /* misses before a column that hardly hits stops probing (per state) */

enum { K_BOOL = 1u << 0, K_NUM = 1u << 1, K_DT = 1u << 2, K_ALL = K_BOOL | K_NUM | K_DT };
enum { DT_DATE = 1u << 0, DT_TIME = 1u << 1, DT_STAMP = 1u << 2 };
#define DOT_STYLES ((1u << BUZZ_NUM_DOT) | (1u << BUZZ_NUM_DOT_GROUP_COMMA)) /* '.'-mark styles */

typedef struct num_stats {
    uint32_t max_int, max_frac;
    bool has_exp, has_inf, has_fraction, overflow; /* overflow: integral but beyond int64 */
    /* The integers' range, as far as it decides INT32 or INT64: integers of at most 9 digits
     * always fit INT32 and may be left out (plain_number does not compute their value). */
    int64_t min, max;
    bool has_range;
} num_stats;

typedef struct col_state {
    int64_t values, nulls, empty_strings;
    uint32_t kinds;
    uint32_t styles; /* bit per buzz_num_style still possible */
    buzz_unit unit;
    num_stats ns[BUZZ_NUM_STYLE_COUNT];
    /* Plain integers not yet added to ns (see num_update): their digits and range. */
    bool has_pending;
    uint32_t pending_digits;
    int64_t pending_min, pending_max;
    uint32_t dt_orders;
    uint32_t dt_shapes;
    bool dt_zoned, dt_naive; /* some date or timestamp had a zone / had none */
    char dt_sep; /* separator of the first date seen */
    size_t max_bytes;
    size_t example_count;
    uint8_t example_len[BUZZ_EXAMPLES_MAX]; /* strlen of each example */
    bool example_whole[BUZZ_EXAMPLES_MAX];  /* a whole value (not cut), trimmed text not empty */
    char examples[BUZZ_EXAMPLES_MAX][BUZZ_EXAMPLE_BYTES];
    uint8_t hll[HLL_REGS];
    /* Short values already counted into this state (see add_cell): a slot holds a value's bytes
     * as two words (see load_word) and its length (0 = empty slot). */
    bool seen_off; /* too few hits on this column: stop probing until reset */
    uint64_t seen_hits, seen_misses;
    unsigned seen_shift;      /* 64 - log2(slots) */
    uint8_t *seen_len;        /* [slots], in seen_mem */
    uint64_t (*seen_word)[2]; /* [slots], in seen_mem */
} col_state;

struct buzz_infer {
    size_t column_count;
    buzz_infer_options opts;
    buzz_null_tokens nulls;
    /* The null tokens again, grouped by length for null_match: tokens of length n are
     * null_word[null_begin[n] .. null_begin[n + 1]), each as its first 8 bytes (masked like a
     * cell's, see load_word) with null_index naming the token for the bytes past 8. */
    uint8_t null_begin[25];
    uint8_t null_index[BUZZ_NULL_TOKENS_MAX];
    uint64_t null_word[BUZZ_NULL_TOKENS_MAX];
    uint64_t null_first[4]; /* bit per byte value that starts some token: most cells start with
                               none of them (digits), and skip the token loop */
    uint64_t hash_seed[SEEN_MAX_BYTES + 1]; /* hash_bytes' first step for each short length */
    bool general_only; /* buzz__infer_general_only: no seen cache and no fast paths (for tests) */
    col_state *cols;
    void *seen_mem; /* every column's seen cache */
};

/* The first k (0-8) bytes at s as a word, the other bytes zero; s must have 8 readable bytes.
 * Native order, as hash_bytes reads its words. */
static inline uint64_t load_word(const char *s, size_t k)
{
    uint64_t w;
    memcpy(&w, s, 8);
    if (k >= 8)
        return w;
    if (k == 0)
        return 0;
    return w & (~0ull >> (64 - 8 * k));
}

/* 64 x 64 -> 128-bit multiply folded to 64 bits (as wyhash's "mum"): one multiply mixes a
 * whole word into the state, with full avalanche over the product. */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static const uint64_t HASH_P0 = 0xa0761d6478bd642full, HASH_P1 = 0xe7037ed1a0b428dbull,
                      HASH_P2 = 0x8ebc6af09c88c6e3ull;

/* The first k bytes (k 0-16) of a value as two words, masked as load_word does: the words at s
 * and s + 8 and-ed with keep_bytes[k + 8] and keep_bytes[k] (entry i keeps the first i - 8
 * bytes, 0 to 8). Branch-free, unlike two load_word calls. The SWAR readers below (swar_value,
 * plain_number, iso_date_words) read the first byte in the lowest bits, as little-endian machines
 * load it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "types/infer.c: the SWAR value readers assume a little-endian machine"
#endif
static const uint64_t keep_bytes[SEEN_MAX_BYTES + 9] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x00000000000000ffull, 0x000000000000ffffull, 0x0000000000ffffffull,
    0x00000000ffffffffull, 0x000000ffffffffffull, 0x0000ffffffffffffull,
    0x00ffffffffffffffull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull, ~0ull,
};

/* A value's words (len 0-16; 16 readable bytes at s), masked as above. */
static inline void short_words(const char *s, size_t len, uint64_t *w0, uint64_t *w1)
{
    memcpy(w0, s, 8);
    memcpy(w1, s + 8, 8);
    *w0 &= keep_bytes[len + 8];
    *w1 &= keep_bytes[len];
}

static void null_index_build(buzz_infer *inf)
{
    const buzz_null_tokens *t = &inf->nulls;
    size_t count = t->count < BUZZ_NULL_TOKENS_MAX ? t->count : BUZZ_NULL_TOKENS_MAX;
    size_t k = 0;
    for (size_t len = 0; len < 24; len++) {
        inf->null_begin[len] = (uint8_t)k;
        for (size_t i = 0; i < count; i++) {
            if (t->len[i] != len || len == 0)
                continue;
            char word[8] = {0};
            memcpy(word, t->token[i], len < 8 ? len : 8);
            inf->null_word[k] = load_word(word, len);
            unsigned char f = (unsigned char)word[0];
            inf->null_first[f >> 6] |= 1ull << (f & 63);
            inf->null_index[k] = (uint8_t)i;
            k++;
        }
    }
    inf->null_begin[24] = (uint8_t)k;
}

/* buzz_null_tokens_match for a trimmed cell (len > 0; 8 readable bytes at s). w is
 * load_word(s, len) when have_w, else it is loaded here. */
static inline bool null_match(const buzz_infer *inf, const char *s, size_t len, bool have_w,
                              uint64_t w)
{
    unsigned char f = (unsigned char)s[0];
    if (len >= 24 || !(inf->nulls.len_mask & (1u << len)) ||
        !(inf->null_first[f >> 6] & (1ull << (f & 63))))
        return false;
    if (!have_w)
        w = load_word(s, len);
    for (size_t k = inf->null_begin[len]; k < inf->null_begin[len + 1]; k++)
        if (inf->null_word[k] == w &&
            (len <= 8 || memcmp(inf->nulls.token[inf->null_index[k]] + 8, s + 8, len - 8) == 0))
            return true;
    return false;
}

static void col_init(col_state *c)
{
    unsigned shift = c->seen_shift;
    uint8_t *seen_len = c->seen_len;
    uint64_t(*seen_word)[2] = c->seen_word;
    memset(c, 0, sizeof *c);
    c->seen_shift = shift;
    c->seen_len = seen_len;
    c->seen_word = seen_word;
    memset(seen_len, 0, (size_t)1 << (64 - shift)); /* length 0: an empty slot */
    c->kinds = K_ALL;
    c->styles = (1u << BUZZ_NUM_STYLE_COUNT) - 1;
    c->dt_orders = (1u << BUZZ_DATE_ORDER_COUNT) - 1;
    for (int s = 0; s < BUZZ_NUM_STYLE_COUNT; s++) {
        c->ns[s].min = INT64_MAX;
        c->ns[s].max = INT64_MIN;
    }
}

buzz_status buzz_infer_new(buzz_infer **out, size_t column_count, const buzz_infer_options *opts,
                           buzz_error *err)
{
    *out = NULL;
    buzz_infer *inf = buzz_calloc(1, sizeof *inf);
    if (!inf)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory for type inference");
    if (opts)
        inf->opts = *opts;
    if (opts && opts->nulls)
        inf->nulls = *opts->nulls;
    else
        buzz_null_tokens_default(&inf->nulls);
    inf->opts.nulls = NULL;
    null_index_build(inf);
    for (size_t len = 0; len <= SEEN_MAX_BYTES; len++)
        inf->hash_seed[len] = mum(len ^ HASH_P0, HASH_P1);
    inf->column_count = column_count;
    unsigned bits = SEEN_BITS_MAX;
    while (bits > SEEN_BITS_MIN && ((size_t)1 << bits) * column_count > SEEN_BUDGET)
        bits--;
    size_t slots = (size_t)1 << bits;
    size_t per_col = sizeof(col_state) + slots * (2 * sizeof(uint64_t) + 1);
    if (column_count > SIZE_MAX / per_col) {
        buzz_infer_free(inf);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "too many columns for type inference: %zu",
                              column_count);
    }
    if (column_count > 0) {
        inf->cols = buzz_malloc(column_count * sizeof *inf->cols);
        inf->seen_mem = buzz_malloc(column_count * slots * (2 * sizeof(uint64_t) + 1));
        if (!inf->cols || !inf->seen_mem) {
            buzz_infer_free(inf);
            return buzz_error_set(err, BUZZ_ERR_NOMEM,
                                  "out of memory for type inference over %zu columns",
                                  column_count);
        }
    }
    uint64_t(*words)[2] = inf->seen_mem;
    uint8_t *lens = (uint8_t *)(words + column_count * slots);
    for (size_t i = 0; i < column_count; i++) {
        col_state *c = &inf->cols[i];
        c->seen_shift = 64 - bits;
        c->seen_word = words + i * slots;
        c->seen_len = lens + i * slots;
        col_init(c);
    }
    *out = inf;
    return BUZZ_OK;
}

buzz_status buzz__infer_new_like(buzz_infer **out, const buzz_infer *like, size_t column_count,
                                 buzz_error *err)
{
    buzz_infer_options o = like->opts;
    o.nulls = &like->nulls;
    BUZZ_TRY(buzz_infer_new(out, column_count, &o, err));
    (*out)->general_only = like->general_only;
    return BUZZ_OK;
}

void buzz__infer_general_only(buzz_infer *inf, bool on)
{
    inf->general_only = on;
}

void buzz_infer_reset(buzz_infer *inf)
{
    for (size_t i = 0; i < inf->column_count; i++)
        col_init(&inf->cols[i]);
}

void buzz_infer_free(buzz_infer *inf)
{
    if (!inf)
        return;
    buzz_free(inf->cols);
    buzz_free(inf->seen_mem);
    buzz_free(inf);
}

/* ---------------------------------------------------------------------------------------------
 * Distinct-count sketch: HyperLogLog with 2^10 registers over a 64-bit hash of the value text. */
/* A value's hash for the distinct-count sketch: 16 bytes per multiply, the tail loaded as whole
 * words and masked (cell bytes have 64 readable bytes past their end, buzz_csv_batch.data).
 * Three times cheaper than a mix per 8-byte word on long text, where this hash dominated the
 * inference of high-cardinality columns. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = mum(len ^ HASH_P0, HASH_P1);
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        uint64_t a, b;
        memcpy(&a, s + i, 8);
        memcpy(&b, s + i + 8, 8);
        h = mum(a ^ HASH_P1, b ^ HASH_P2 ^ h);
    }
    if (i < len) {
        size_t k = len - i; /* 1..15 */
        uint64_t a, b = 0;
        memcpy(&a, s + i, 8);
        if (k > 8) {
            memcpy(&b, s + i + 8, 8);
            b = load_word((const char *)&b, k - 8);
        } else {
            a = load_word((const char *)&a, k);
        }
        h = mum(a ^ HASH_P1, b ^ HASH_P2 ^ h);
    }
    return mum(h ^ HASH_P0, HASH_P2);
}

/* hash_bytes of a value of 1-16 bytes from its masked words (short_words): the same hash,
 * with the first step taken from a table and no branches. */
static inline uint64_t hash_short(const buzz_infer *inf, uint64_t w0, uint64_t w1, size_t len)
{
    uint64_t h = mum(w0 ^ HASH_P1, w1 ^ HASH_P2 ^ inf->hash_seed[len]);
    return mum(h ^ HASH_P0, HASH_P2);
}

static inline void hll_add(uint8_t *regs, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - HLL_BITS));
    uint64_t rest = (h << HLL_BITS) | (1ull << (HLL_BITS - 1));
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    uint8_t old = regs[idx];
    regs[idx] = rank > old ? rank : old; /* a store either way: no branch to mispredict */
}

static int64_t hll_estimate(const uint8_t *regs)
{
    double sum = 0;
    unsigned zeros = 0;
    for (unsigned i = 0; i < HLL_REGS; i++) {
        sum += ldexp(1.0, -(int)regs[i]);
        zeros += regs[i] == 0;
    }
    double m = HLL_REGS;
    double est = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (est <= 2.5 * m && zeros > 0)
        est = m * log(m / zeros); /* linear counting for small cardinalities */
    return (int64_t)(est + 0.5);
}

/* ---------------------------------------------------------------------------------------------
 * Per-value updates. */
static inline bool is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* whole_ok: the value's trimmed text is not empty, so the same bytes are always a value. */
static void add_example(col_state *c, const char *s, size_t len, bool whole_ok)
{
    if (c->example_count >= BUZZ_EXAMPLES_MAX)
        return;
    size_t n = len < BUZZ_EXAMPLE_BYTES - 1 ? len : BUZZ_EXAMPLE_BYTES - 1;
    while (n > 0 && n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--; /* cut at a character boundary */
    for (size_t i = 0; i < c->example_count; i++)
        if (c->example_len[i] == n && memcmp(c->examples[i], s, n) == 0)
            return;
    memcpy(c->examples[c->example_count], s, n);
    c->examples[c->example_count][n] = '\0';
    c->example_len[c->example_count] = (uint8_t)n;
    c->example_whole[c->example_count] = whole_ok && n == len;
    c->example_count++;
}

static void num_stats_add(num_stats *ns, const buzz_num *n)
{
    if (n->int_digits > ns->max_int)
        ns->max_int = n->int_digits;
    if (n->frac_digits > ns->max_frac)
        ns->max_frac = n->frac_digits;
    if (n->flags & BUZZ_NUM_EXP)
        ns->has_exp = true;
    if (n->flags & BUZZ_NUM_INF) {
        ns->has_inf = true;
        return;
    }
    if (ns->has_fraction || ns->has_exp)
        return; /* no integer range needed any more */
    int64_t v;
    buzz_parse_result r = buzz_num_to_int64(n, &v);
    if (r == BUZZ_PARSE_OK) {
        if (n->frac_digits > 0)
            ns->has_fraction = true; /* 3.0: written as a decimal, kept a decimal */
        if (v < ns->min)
            ns->min = v;
        if (v > ns->max)
            ns->max = v;
        ns->has_range = true;
    } else if (r == BUZZ_PARSE_OVERFLOW) {
        ns->overflow = true;
    } else {
        ns->has_fraction = true;
    }
}

/* A number beyond the range of a double (1e400, or more than 308 integer digits): reading it as
 * DOUBLE would reject it (value.c), so it is no number for inference either. */
static bool num_beyond_double(const buzz_num *n)
{
    if (!(n->flags & BUZZ_NUM_EXP) && n->int_digits <= 308)
        return false;
    double d;
    return buzz_num_to_double(n, &d) == BUZZ_PARSE_OVERFLOW;
}

/* A number under one style: false if the column can no longer be numeric. */
static bool num_fact_ok(col_state *c, const buzz_num *n)
{
    if ((n->flags & BUZZ_NUM_LEADING_ZERO) || num_beyond_double(n))
        return false;
    if (n->int_digits > 18 && !(n->flags & (BUZZ_NUM_GROUPED | BUZZ_NUM_POINT | BUZZ_NUM_EXP)))
        return false; /* an account or card number */
    if (n->unit != BUZZ_UNIT_NONE) {
        if (c->unit == BUZZ_UNIT_NONE)
            c->unit = n->unit;
        else if (c->unit != n->unit)
            return false;
    }
    return true;
}

/* SWAR helpers for plain_int. A word holds up to 8 characters, the first in the lowest byte. */
#define SWAR_ONES 0x0101010101010101ull
/* Bytes of w (only those set in keep, 0x80 per byte) that are not ASCII digits. */
static inline uint64_t swar_nondigits(uint64_t w, uint64_t keep)
{
    /* A digit byte is 0x30-0x39: its high nibble is 3 and adding 6 keeps it 3. */
    uint64_t hi = (w & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull;
    uint64_t hi6 = ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull;
    uint64_t bad = hi | hi6; /* non-zero byte = not a digit (no carries cross bytes: see below) */
    /* Set the high bit of every non-zero byte. */
    bad = ((bad & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full) | bad;
    return bad & keep;
}

/* The value of n (1-8) ASCII digits loaded as a word (first digit in the lowest byte). */
static inline uint64_t swar_value(uint64_t w, size_t n)
{
    w -= 0x3030303030303030ull;
    w <<= 8 * (8 - n); /* right-align: the missing leading digits become zero bytes */
    w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFull;
    w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFull;
    return (w * 10000 + (w >> 32)) & 0xFFFFFFFFull;
}

/* Plain numbers are most numeric cells: [+-]digits (at most 16) and [+-]digits.digits (at most 16
 * characters after the sign). Read without a branch per digit (s has 64 readable bytes past
 * s + len, as batch cells do). Returns PLAIN_INT with *out_digits (0 for the value 0) and *out,
 * the value for integers of 10 digits or more and 0 for shorter ones, which always fit INT32 (see
 * num_stats); PLAIN_DECIMAL with *out_digits (integer digits, 0 for a lone 0) and *out_frac
 * (fraction digits); PLAIN_ID for identifiers with leading zeros (007, 00.5); PLAIN_NONE for
 * anything else (the general path decides). */
enum { PLAIN_NONE, PLAIN_INT, PLAIN_ID, PLAIN_DECIMAL };

/* Bit i set when byte i of the 16 bytes at d is not an ASCII digit. */
static inline uint32_t nondigit_mask16(const char *d)
{
#if defined(__SSE2__)
    __m128i v = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)d), _mm_set1_epi8('0'));
    __m128i nine = _mm_set1_epi8(9);
    __m128i is_digit = _mm_cmpeq_epi8(_mm_max_epu8(v, nine), nine); /* v <= 9, unsigned */
    return ~(uint32_t)_mm_movemask_epi8(is_digit) & 0xFFFFu;
#else
    uint64_t w0, w1;
    memcpy(&w0, d, 8);
    memcpy(&w1, d + 8, 8);
    uint64_t b0 = swar_nondigits(w0, 0x8080808080808080ull);
    uint64_t b1 = swar_nondigits(w1, 0x8080808080808080ull);
    uint32_t m = 0;
    for (int i = 0; i < 8; i++) {
        m |= (uint32_t)((b0 >> (8 * i + 7)) & 1) << i;
        m |= (uint32_t)((b1 >> (8 * i + 7)) & 1) << (i + 8);
    }
    return m;
#endif
}

static inline __attribute__((always_inline)) int plain_number(const char *s, size_t len,
                                                              int64_t *out, uint32_t *out_digits,
                                                              uint32_t *out_frac)
{
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    size_t n = len - i;
    if (n - 1 >= 16) /* none, or more characters than two words: the general path */
        return PLAIN_NONE;
    const char *d = s + i;
    uint32_t bad = nondigit_mask16(d) & ((1u << n) - 1);
    if (bad == 0) {
        if (n > 1 && d[0] == '0')
            return PLAIN_ID;
        *out_digits = (n == 1 && d[0] == '0') ? 0 : (uint32_t)n;
        *out = 0;
        if (n >= 10) {
            uint64_t w0, w1;
            memcpy(&w0, d, 8);
            memcpy(&w1, d + 8, 8);
            static const uint32_t pow10[9] = {1,      10,      100,      1000,     10000,
                                              100000, 1000000, 10000000, 100000000};
            uint64_t v = swar_value(w0, 8) * pow10[n - 8] + swar_value(w1, n - 8);
            *out = s[0] == '-' ? -(int64_t)v : (int64_t)v;
        }
        return PLAIN_INT;
    }
    /* Exactly one non-digit, and it is the '.' mark. */
    if (bad & (bad - 1))
        return PLAIN_NONE;
    size_t dot = (size_t)__builtin_ctz(bad);
    if (d[dot] != '.' || n == 1)
        return PLAIN_NONE;
    if (dot > 1 && d[0] == '0')
        return PLAIN_ID;
    *out_digits = (dot == 1 && d[0] == '0') ? 0 : (uint32_t)dot;
    *out_frac = (uint32_t)(n - dot - 1);
    return PLAIN_DECIMAL;
}

static void num_stats_add_int(num_stats *ns, int64_t v, uint32_t digits)
{
    if (digits > ns->max_int)
        ns->max_int = digits;
    if (ns->has_fraction || ns->has_exp)
        return;
    if (v < ns->min)
        ns->min = v;
    if (v > ns->max)
        ns->max = v;
    ns->has_range = true;
}

/* Plain integers read every style alike and never change styles, has_fraction or has_exp, so a
 * run of them adds to ns exactly as their digits and range taken together would: num_update
 * keeps them pending and adds them before anything else touches ns, and buzz_infer_add_batch
 * adds what is left before it returns. */
static void flush_pending(col_state *c)
{
    if (!c->has_pending)
        return;
    for (int st = 0; st < BUZZ_NUM_STYLE_COUNT; st++) {
        if (!(c->styles & (1u << st)))
            continue;
        num_stats_add_int(&c->ns[st], c->pending_min, c->pending_digits);
        num_stats_add_int(&c->ns[st], c->pending_max, c->pending_digits);
    }
    c->has_pending = false;
}

/* A plain integer kept pending (see flush_pending). */
static inline void add_pending(col_state *c, int64_t iv, uint32_t digits)
{
    if (BUZZ_UNLIKELY(!c->has_pending)) {
        c->has_pending = true;
        c->pending_digits = digits;
        c->pending_min = c->pending_max = iv;
        return;
    }
    c->pending_digits = digits > c->pending_digits ? digits : c->pending_digits;
    c->pending_min = iv < c->pending_min ? iv : c->pending_min;
    c->pending_max = iv > c->pending_max ? iv : c->pending_max;
}

/* The column's number styles are all '.'-mark ones (and some is left). */
static inline bool dot_styles_only(const col_state *c)
{
    return (c->styles & DOT_STYLES) && !(c->styles & ~DOT_STYLES);
}

/* A plain decimal (plain_number) in a column whose styles all use the '.' mark: what num_update
 * would do with it. False when some ','-mark style is still possible (num_update decides). */
static inline bool plain_decimal(col_state *c, uint32_t int_digits, uint32_t frac_digits)
{
    if (!dot_styles_only(c))
        return false;
    flush_pending(c);
    for (int st = BUZZ_NUM_DOT; st <= BUZZ_NUM_DOT_GROUP_COMMA; st++) {
        if (!(c->styles & (1u << st)))
            continue;
        num_stats *ns = &c->ns[st];
        ns->max_int = int_digits > ns->max_int ? int_digits : ns->max_int;
        ns->max_frac = frac_digits > ns->max_frac ? frac_digits : ns->max_frac;
        ns->has_fraction = true;
    }
    return true;
}

/* Numbers other than plain integers (type_value reads those itself). */
static BUZZ_NOINLINE void num_update(col_state *c, const char *s, size_t len)
{
    flush_pending(c);
    /* Plain decimals ([+-]digits.digits): the same reading in both '.'-mark styles. */
    if (c->styles & DOT_STYLES) {
        size_t i = (len > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
        size_t start = i;
        while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9)
            i++;
        size_t int_len = i - start;
        if (i < len && s[i] == '.' && int_len <= 38) {
            size_t dot = i++;
            while (i < len && (unsigned)((unsigned char)s[i] - '0') <= 9)
                i++;
            size_t frac_len = i - dot - 1;
            if (i == len && int_len + frac_len > 0) {
                if (int_len > 1 && s[start] == '0') {
                    c->kinds &= ~(uint32_t)K_NUM; /* 00.5: an identifier */
                    return;
                }
                uint32_t id = (int_len == 1 && s[start] == '0') ? 0 : (uint32_t)int_len;
                for (int st = BUZZ_NUM_DOT; st <= BUZZ_NUM_DOT_GROUP_COMMA; st++) {
                    if (!(c->styles & (1u << st)))
                        continue;
                    num_stats *ns = &c->ns[st];
                    if (id > ns->max_int)
                        ns->max_int = id;
                    if (frac_len > ns->max_frac)
                        ns->max_frac = (uint32_t)frac_len;
                    ns->has_fraction = true;
                }
                /* The ','-mark styles read it differently (or not at all). */
                uint32_t others = c->styles & ~DOT_STYLES;
                for (int st = BUZZ_NUM_COMMA; st < BUZZ_NUM_STYLE_COUNT; st++) {
                    if (!(others & (1u << st)))
                        continue;
                    buzz_num n;
                    if (!buzz_num_scan(s, len, (buzz_num_style)st, &n) ||
                        (n.flags & BUZZ_NUM_LEADING_ZERO))
                        c->styles &= ~(1u << st);
                    else
                        num_stats_add(&c->ns[st], &n);
                }
                return;
            }
        }
    }
    bool has_sep = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ',' || ch == '.' || ch == ' ' || ch >= 0x80) {
            has_sep = true;
            break;
        }
    }
    buzz_num n;
    if (!has_sep) {
        if (!buzz_num_scan(s, len, BUZZ_NUM_DOT, &n) || !num_fact_ok(c, &n)) {
            c->kinds &= ~(uint32_t)K_NUM;
            return;
        }
        for (int st = 0; st < BUZZ_NUM_STYLE_COUNT; st++)
            if (c->styles & (1u << st))
                num_stats_add(&c->ns[st], &n);
        return;
    }
    for (int st = 0; st < BUZZ_NUM_STYLE_COUNT; st++) {
        if (!(c->styles & (1u << st)))
            continue;
        if (!buzz_num_scan(s, len, (buzz_num_style)st, &n) ||
            (n.flags & BUZZ_NUM_LEADING_ZERO) || num_beyond_double(&n) ||
            (n.int_digits > 18 && !(n.flags & (BUZZ_NUM_GROUPED | BUZZ_NUM_POINT | BUZZ_NUM_EXP)))) {
            c->styles &= ~(1u << st);
            continue;
        }
        if (n.unit != BUZZ_UNIT_NONE) {
            if (c->unit == BUZZ_UNIT_NONE)
                c->unit = n.unit;
            else if (c->unit != n.unit) {
                c->styles = 0;
                break;
            }
        }
        num_stats_add(&c->ns[st], &n);
    }
    if (c->styles == 0)
        c->kinds &= ~(uint32_t)K_NUM;
}

/* A naive date (the shape DT_DATE, one separator, no zone) read in the orders `orders`: the
 * end of dt_update for it. */
static inline void dt_add_naive_date(col_state *c, char sep, uint32_t orders)
{
    c->dt_shapes |= DT_DATE;
    if (c->dt_shapes & DT_TIME) {
        c->kinds &= ~(uint32_t)K_DT;
        return;
    }
    if (c->dt_sep == 0)
        c->dt_sep = sep;
    c->dt_orders &= orders;
    if (c->dt_orders == 0) {
        c->kinds &= ~(uint32_t)K_DT;
        return;
    }
    c->dt_naive = true;
}

/* "YYYY-MM-DD" exactly, from its two words (masked or not: only the first 10 bytes are read), the
 * most common date by far: iso_date_words is dt_update without buzz_dt_scan_value, deciding as
 * it does (a valid date in years 1-9999, or not a date at all); false when the bytes have another
 * shape (iso_date_shape). */
static inline bool iso_date_shape(uint64_t w0, uint64_t w1)
{
    /* Bytes 4 and 7 are '-', bytes 0-3, 5-6 and 8-9 digits. */
    return (w0 & 0xFF0000FF00000000ull) == 0x2D00002D00000000ull &&
           !(swar_nondigits(w0, 0x0080800080808080ull) | swar_nondigits(w1, 0x8080ull));
}

static inline bool iso_date_words(col_state *c, uint64_t w0, uint64_t w1)
{
    if (!iso_date_shape(w0, w1))
        return false;
#define DIGIT(w, k) ((uint32_t)(((w) >> (8 * (k))) & 0xFF) - '0')
    uint32_t year = DIGIT(w0, 0) * 1000 + DIGIT(w0, 1) * 100 + DIGIT(w0, 2) * 10 + DIGIT(w0, 3);
    uint32_t month = DIGIT(w0, 5) * 10 + DIGIT(w0, 6);
    uint32_t day = DIGIT(w1, 0) * 10 + DIGIT(w1, 1);
#undef DIGIT
    static const uint8_t days_in[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool ok = year >= 1 && month - 1 < 12 && day - 1 < days_in[month < 13 ? month : 0];
    if (ok && month == 2 && day == 29)
        ok = (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    if (!ok) {
        c->kinds &= ~(uint32_t)K_DT; /* 2024-02-30: not a date, and no other shape reads it */
        return true;
    }
    dt_add_naive_date(c, '-', BUZZ_DATE_ORDER_BIT(BUZZ_DATE_YMD));
    return true;
}

/* iso_date_words for a value at s (16 readable bytes). */
static inline bool iso_date_update(col_state *c, const char *s)
{
    uint64_t w0, w1;
    memcpy(&w0, s, 8);
    memcpy(&w1, s + 8, 8);
    return iso_date_words(c, w0, w1);
}

static void dt_update(col_state *c, const char *s, size_t len)
{
    buzz_dt_scan sc;
    if (!buzz_dt_scan_value(s, len, &sc)) {
        c->kinds &= ~(uint32_t)K_DT;
        return;
    }
    uint32_t shape;
    if ((sc.flags & BUZZ_DT_HAS_DATE) && (sc.flags & BUZZ_DT_HAS_TIME))
        shape = DT_STAMP;
    else if (sc.flags & BUZZ_DT_HAS_DATE)
        shape = DT_DATE;
    else
        shape = DT_TIME;
    c->dt_shapes |= shape;
    if ((c->dt_shapes & DT_TIME) && (c->dt_shapes & (DT_DATE | DT_STAMP))) {
        c->kinds &= ~(uint32_t)K_DT;
        return;
    }
    if ((sc.flags & BUZZ_DT_HAS_DATE) && (sc.flags & BUZZ_DT_HAS_OFFSET) && sc.offset_s != 0) {
        /* The offset must not move the instant out of years 1-9999 (as value.c checks). */
        const int64_t day_us = INT64_C(86400000000);
        const int64_t lo = (int64_t)buzz_days_from_civil(1, 1, 1) * day_us;
        const int64_t hi = ((int64_t)buzz_days_from_civil(9999, 12, 31) + 1) * day_us;
        for (int o = 0; o < BUZZ_DATE_ORDER_COUNT; o++) {
            int32_t days;
            if (!(sc.orders & BUZZ_DATE_ORDER_BIT(o)) || !buzz_dt_days(&sc, (buzz_date_order)o, &days))
                continue;
            int64_t us = (int64_t)days * day_us + sc.time_us - (int64_t)sc.offset_s * 1000000;
            if (us < lo || us >= hi)
                sc.orders &= ~BUZZ_DATE_ORDER_BIT(o);
        }
    }
    if (sc.flags & BUZZ_DT_HAS_DATE) {
        if (c->dt_sep == 0)
            c->dt_sep = sc.date_sep;
        c->dt_orders &= sc.orders;
        if (c->dt_orders == 0) {
            c->kinds &= ~(uint32_t)K_DT;
            return;
        }
    }
    if (shape != DT_TIME) {
        if (sc.flags & BUZZ_DT_HAS_OFFSET)
            c->dt_zoned = true;
        else
            c->dt_naive = true;
    }
}

/* Typing of a trimmed, non-null value (tl > 0). */
static inline void type_value(const buzz_infer *inf, col_state *c, const char *t, size_t tl)
{
    uint32_t k = c->kinds;
    if (k == 0)
        return;
    if (k & K_BOOL) {
        bool b;
        if (!buzz_parse_bool(t, tl, inf->opts.bool_digits, &b))
            c->kinds &= ~(uint32_t)K_BOOL;
    }
    if (k & K_NUM) {
        int64_t iv;
        uint32_t digits, frac;
        int pn = BUZZ_LIKELY(!inf->general_only) ? plain_number(t, tl, &iv, &digits, &frac)
                                                 : PLAIN_NONE;
        if (BUZZ_LIKELY(pn == PLAIN_INT)) {
            add_pending(c, iv, digits);
            if (k == K_NUM)
                return;
            goto dt;
        }
        if (pn == PLAIN_ID) {
            c->kinds &= ~(uint32_t)K_NUM;
            goto dt;
        }
        if (pn == PLAIN_DECIMAL && plain_decimal(c, digits, frac)) {
            if (k == K_NUM)
                return;
            goto dt;
        }
        unsigned char f = (unsigned char)t[0];
        /* Cheap rejection: a number starts with a digit, sign, mark, '(' or a currency symbol. */
        if ((f >= '0' && f <= '9') || f == '-' || f == '+' || f == '.' || f == ',' || f == '(' ||
            f == '$' || f >= 0x80 || f == 'i' || f == 'I')
            num_update(c, t, tl);
        else
            c->kinds &= ~(uint32_t)K_NUM;
    }
dt:
    if (k & K_DT) {
        unsigned char f = (unsigned char)t[0];
        if (tl == 10 && !inf->general_only && iso_date_update(c, t))
            return;
        if ((f >= '0' && f <= '9') || (f | 0x20) >= 'a')
            dt_update(c, t, tl);
        else
            c->kinds &= ~(uint32_t)K_DT;
    }
}

/* Blanks trimmed off both ends of s (len > 0). */
static inline const char *trim(const char *s, size_t len, size_t *out_len)
{
    if (BUZZ_LIKELY(!is_blank((unsigned char)s[0]) && !is_blank((unsigned char)s[len - 1]))) {
        *out_len = len;
        return s;
    }
    while (len > 0 && is_blank((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_blank((unsigned char)s[len - 1]))
        len--;
    *out_len = len;
    return s;
}

/* Counts a value that is no null token into *values and *max_bytes (the state's own or a run's),
 * the distinct sketch and the examples. */
static inline void count_value(const buzz_infer *inf, col_state *c, const char *s, size_t len,
                               bool short_value, uint64_t w0, uint64_t w1, bool whole_ok,
                               int64_t *values, size_t *max_bytes)
{
    (*values)++;
    *max_bytes = len > *max_bytes ? len : *max_bytes;
    hll_add(c->hll, short_value ? hash_short(inf, w0, w1, len) : hash_bytes(s, len));
    if (BUZZ_UNLIKELY(c->example_count < BUZZ_EXAMPLES_MAX))
        add_example(c, s, len, whole_ok);
}

/* One cell (s has 64 readable bytes past s + len). Returns true when it was counted as a value
 * whose trimmed text is not empty: only such values may go in the seen cache. A short_value has
 * 1-16 bytes, and w0 and w1 are its masked words (short_words). */
static inline __attribute__((always_inline)) bool add_value(const buzz_infer *inf, col_state *c,
                                                            const char *s, size_t len, bool quoted,
                                                            bool short_value, uint64_t w0,
                                                            uint64_t w1)
{
    if (len == 0) {
        if (quoted)
            c->empty_strings++;
        else
            c->nulls++;
        return false;
    }
    /* Trim blanks for typing and null tokens. */
    size_t tl;
    const char *t = trim(s, len, &tl);
    if (tl == 0 ? !quoted : null_match(inf, t, tl, short_value && t == s, w0)) {
        c->nulls++;
        return false;
    }
    count_value(inf, c, s, len, short_value, w0, w1, tl > 0, &c->values, &c->max_bytes);
    if (tl == 0) { /* a quoted run of blanks: text */
        c->kinds = 0;
        return false;
    }
    type_value(inf, c, t, tl);
    return true;
}

/* The seen cache. Most columns repeat a few short values (codes, names, years). Once a value was
 * counted into a state, counting the same bytes again changes nothing but the value count: it is
 * no null (null-ness depends on the bytes alone when the trimmed text is not empty), max_bytes,
 * the HyperLogLog registers (max of the same rank) and the examples already hold it, and number
 * and boolean and date typing only narrow by what the value allows (dt_zoned and dt_naive say
 * whether some value was zoned or naive, which the value's first sighting already said), so typing
 * it again is a no-op too. Merging into a state only widens what its cache entries stand for, and
 * a reset empties the cache with the rest. A direct-mapped table of values up to 16 bytes,
 * compared in full; a column that hardly ever hits stops probing. */
static inline size_t seen_slot(uint64_t w0, uint64_t w1, size_t len, unsigned shift)
{
    uint64_t x = w0 ^ ((w1 << 29) | (w1 >> 35)) ^ len;
    return (size_t)((x * 0x9E3779B97F4A7C15ull) >> shift);
}

static inline void seen_remember(col_state *c, size_t slot, size_t len, uint64_t w0, uint64_t w1)
{
    c->seen_len[slot] = (uint8_t)len;
    c->seen_word[slot][0] = w0;
    c->seen_word[slot][1] = w1;
}

/* Count a miss; true when the column has stopped probing its cache (seen_off) because of it.
 * extra_hits: hits a run has counted but not yet added to seen_hits. */
static inline bool seen_missed(col_state *c, uint64_t extra_hits)
{
    if (++c->seen_misses >= SEEN_TRIAL && c->seen_misses / 8 > c->seen_hits + extra_hits)
        c->seen_off = true;
    return c->seen_off;
}

/* s (with 64 readable bytes past s + len) equals example e (len < BUZZ_EXAMPLE_BYTES). */
static inline bool is_example(const col_state *c, size_t e, const char *s, size_t len)
{
    const char *x = c->examples[e];
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        if (load_word(x + i, 8) != load_word(s + i, 8))
            return false;
    return i == len || load_word(x + i, len - i) == load_word(s + i, len - i);
}

/* A value of more than SEEN_MAX_BYTES bytes in a text column that probes its cache: the same
 * shortcut against the whole examples, which are values counted into this state (or into one
 * merged into it). */
static inline bool is_whole_example(const col_state *c, const char *s, size_t len)
{
    if (len >= BUZZ_EXAMPLE_BYTES)
        return false;
    for (size_t e = 0; e < c->example_count; e++)
        if (c->example_whole[e] && c->example_len[e] == len && is_example(c, e, s, len))
            return true;
    return false;
}

/* A cell of 0 or more than SEEN_MAX_BYTES bytes. */
static BUZZ_NOINLINE void add_long_cell(const buzz_infer *inf, col_state *c, const char *s,
                                        size_t len, bool quoted)
{
    if (inf->general_only) {
        add_value(inf, c, s, len, quoted, false, 0, 0);
        return;
    }
    if (len != 0 && !c->seen_off && c->kinds == 0 && is_whole_example(c, s, len)) {
        c->seen_hits++;
        c->values++;
        return;
    }
    add_value(inf, c, s, len, quoted, false, 0, 0);
    if (len != 0 && !c->seen_off)
        seen_missed(c, 0);
}

static inline void add_cell(const buzz_infer *inf, col_state *c, const char *s, size_t len,
                            bool quoted)
{
    if (BUZZ_UNLIKELY(len - 1 >= SEEN_MAX_BYTES || inf->general_only)) {
        add_long_cell(inf, c, s, len, quoted);
        return;
    }
    uint64_t w0, w1;
    short_words(s, len, &w0, &w1);
    if (c->seen_off) {
        add_value(inf, c, s, len, quoted, true, w0, w1);
        return;
    }
    size_t slot = seen_slot(w0, w1, len, c->seen_shift);
    if (c->seen_len[slot] == len && c->seen_word[slot][0] == w0 && c->seen_word[slot][1] == w1) {
        c->seen_hits++;
        c->values++;
        return;
    }
    if (add_value(inf, c, s, len, quoted, true, w0, w1))
        seen_remember(c, slot, len, w0, w1);
    seen_missed(c, 0);
}

/* Rows go in blocks: every column of a block of rows, then the next block. The block's cell bytes
 * (a few tens of KB) stay in cache while each column walks over them; walking a whole batch per
 * column would stream the batch through memory once per column. */
#define ROW_BLOCK 256
/* Cells ahead whose first bytes are fetched while typing the current one. */
#define PF_DIST 16

/* ---------------------------------------------------------------------------------------------
 * Runs: loops specialised for the common states of a column, each taking cells from r on while
 * they are of the kind it handles and returning the first cell it does not take (add_cell takes
 * that one, which may change the column's state, then the next run is chosen). A run keeps its
 * counts in locals (run_counts) and updates the state exactly as add_cell would for the cells it
 * took. */
typedef struct run_ctx {
    const buzz_infer *inf;
    col_state *c;
    const char *data;
    const buzz_csv_cell *cells;
    size_t end;
} run_ctx;

typedef struct run_counts {
    int64_t values, nulls, empties, hits;
    size_t max_bytes;
} run_counts;

static inline run_counts run_begin(const col_state *c)
{
    return (run_counts){0, 0, 0, 0, c->max_bytes};
}

static inline void run_end(col_state *c, const run_counts *k)
{
    c->values += k->values;
    c->nulls += k->nulls;
    c->empty_strings += k->empties;
    c->seen_hits += k->hits;
    c->max_bytes = k->max_bytes;
}

/* Cell r of the run's column: its length, with its bytes at *s; 0 for a missing or empty cell,
 * which it counts as add_value does (NULL, or an empty string when quoted). */
static inline size_t run_cell(const run_ctx *x, size_t r, const char **s, run_counts *k)
{
    if (r + PF_DIST < x->end)
        __builtin_prefetch(x->data + x->cells[r + PF_DIST].offset);
    uint32_t lf = x->cells[r].len_flags;
    size_t len = lf & BUZZ_CSV_CELL_LEN_MASK;
    if ((lf & BUZZ_CSV_CELL_MISSING) || len == 0) {
        if (lf & BUZZ_CSV_CELL_MISSING || !(lf & BUZZ_CSV_CELL_QUOTED))
            k->nulls++;
        else
            k->empties++;
        return 0;
    }
    *s = x->data + x->cells[r].offset;
    return len;
}

/* Blanks at either end: add_value trims, the runs leave such cells to it. */
static inline bool has_edge_blank(const char *s, size_t len)
{
    return is_blank((unsigned char)s[0]) || is_blank((unsigned char)s[len - 1]);
}

/* add_value for a cell without blanks at either end, up to its typing: false when it is a null
 * token (counted). */
static inline __attribute__((always_inline)) bool run_value(const run_ctx *x, const char *s,
                                                            size_t len, bool short_value,
                                                            uint64_t w0, uint64_t w1, run_counts *k)
{
    if (null_match(x->inf, s, len, short_value, w0)) {
        k->nulls++;
        return false;
    }
    count_value(x->inf, x->c, s, len, short_value, w0, w1, true, &k->values, &k->max_bytes);
    return true;
}

/* A text column that no longer probes its cache. */
static size_t run_text(const run_ctx *x, size_t r)
{
    run_counts k = run_begin(x->c);
    for (; r < x->end; r++) {
        const char *s;
        size_t len = run_cell(x, r, &s, &k);
        if (len == 0)
            continue;
        if (has_edge_blank(s, len))
            break;
        uint64_t w0 = 0, w1 = 0;
        bool short_value = len <= SEEN_MAX_BYTES;
        if (short_value)
            short_words(s, len, &w0, &w1);
        run_value(x, s, len, short_value, w0, w1, &k);
    }
    run_end(x->c, &k);
    return r;
}

/* The plain integers of a run (run_int, run_seen): their range and most digits, added to the
 * column's pending integers when the run ends, as type_value would have added each. */
typedef struct int_range {
    int64_t lo, hi;
    uint32_t digits_max;
    bool any;
} int_range;

static inline int_range int_range_begin(void)
{
    return (int_range){INT64_MAX, INT64_MIN, 0, false};
}

static inline void int_range_end(col_state *c, const int_range *a)
{
    if (a->any) {
        add_pending(c, a->lo, a->digits_max);
        add_pending(c, a->hi, a->digits_max);
    }
}

/* In a number-only column without fractions, a short cell s (1-16 bytes, no blanks at its ends,
 * words w0 and w1): -1 when it is no plain integer (add_cell decides), 0 when it is a null token
 * (--null 0, say), 1 when it was counted as a value. */
static inline __attribute__((always_inline)) int int_cell(const run_ctx *x, const char *s,
                                                          size_t len, uint64_t w0, uint64_t w1,
                                                          int_range *a, run_counts *k)
{
    int64_t iv;
    uint32_t digits, frac;
    if (plain_number(s, len, &iv, &digits, &frac) != PLAIN_INT)
        return -1;
    if (!run_value(x, s, len, true, w0, w1, k))
        return 0;
    a->any = true;
    a->digits_max = digits > a->digits_max ? digits : a->digits_max;
    a->lo = iv < a->lo ? iv : a->lo;
    a->hi = iv > a->hi ? iv : a->hi;
    return 1;
}

/* A number-only column whose values so far are all integers (run_int, and misses in run_seen). */
static inline bool is_int_column(const col_state *c)
{
    return c->kinds == K_NUM && !c->ns[BUZZ_NUM_DOT].has_fraction &&
           !c->ns[BUZZ_NUM_DOT_GROUP_COMMA].has_fraction;
}

/* A number-only column that no longer probes its cache, while its values are plain integers
 * (kept pending as type_value keeps them). */
static size_t run_int(const run_ctx *x, size_t r)
{
    run_counts k = run_begin(x->c);
    int_range a = int_range_begin();
    for (; r < x->end; r++) {
        const char *s;
        size_t len = run_cell(x, r, &s, &k);
        if (len == 0)
            continue;
        if (len > SEEN_MAX_BYTES || has_edge_blank(s, len))
            break; /* another kind of value: add_cell decides */
        uint64_t w0, w1;
        short_words(s, len, &w0, &w1);
        if (int_cell(x, s, len, w0, w1, &a, &k) < 0)
            break;
    }
    run_end(x->c, &k);
    int_range_end(x->c, &a);
    return r;
}

/* A miss of run_seen: short cell s (words w0 and w1, cache slot slot) of a text column or a column
 * of integers, counted and remembered as add_cell would (into mk and a; hits is the run's hit count
 * so far). -1 when the cell is not one the run takes (add_cell decides), 1 when the column stopped
 * probing its cache (the cell is taken: the next run is chosen), 0 to go on. Out of line, so the
 * hit loop keeps its registers. */
static BUZZ_NOINLINE int seen_miss(const run_ctx *x, const char *s, size_t len, uint64_t w0,
                                   uint64_t w1, size_t slot, int64_t hits, run_counts *mk,
                                   int_range *a)
{
    col_state *c = x->c;
    if (has_edge_blank(s, len))
        return -1;
    int took;
    if (c->kinds == 0)
        took = run_value(x, s, len, true, w0, w1, mk);
    else if (is_int_column(c))
        took = int_cell(x, s, len, w0, w1, a, mk);
    else
        return -1;
    if (took < 0)
        return -1;
    if (took)
        seen_remember(c, slot, len, w0, w1);
    return seen_missed(c, (uint64_t)hits) ? 1 : 0;
}

/* A column probing its seen cache: hits, empty or missing cells, and in a text column or a
 * column of integers also the misses (seen_miss). */
static size_t run_seen(const run_ctx *x, size_t r)
{
    col_state *c = x->c;
    run_counts k = run_begin(c), mk = run_begin(c); /* hits and blanks; misses */
    int_range a = int_range_begin();
    bool text = c->kinds == 0;
    for (; r < x->end; r++) {
        const char *s;
        size_t len = run_cell(x, r, &s, &k);
        if (len == 0)
            continue;
        if (len <= SEEN_MAX_BYTES) {
            uint64_t w0, w1;
            short_words(s, len, &w0, &w1);
            size_t slot = seen_slot(w0, w1, len, c->seen_shift);
            if (BUZZ_UNLIKELY(c->seen_len[slot] != len || c->seen_word[slot][0] != w0 ||
                              c->seen_word[slot][1] != w1)) {
                int m = seen_miss(x, s, len, w0, w1, slot, k.hits, &mk, &a);
                if (m < 0)
                    break;
                if (m > 0) {
                    r++;
                    break;
                }
                continue;
            }
        } else if (!text || !is_whole_example(c, s, len)) {
            break;
        }
        k.values++;
        k.hits++;
    }
    /* Only misses change max_bytes: mk's is the one to keep, so it goes last. */
    run_end(c, &k);
    run_end(c, &mk);
    int_range_end(c, &a);
    return r;
}

/* A number-only column whose styles all use the '.' mark and that already holds a fraction,
 * no longer probing its cache, while its values are plain decimals (as plain_decimal adds). */
static size_t run_decimal(const run_ctx *x, size_t r)
{
    run_counts k = run_begin(x->c);
    uint32_t int_max = 0, frac_max = 0;
    bool any = false;
    for (; r < x->end; r++) {
        const char *s;
        size_t len = run_cell(x, r, &s, &k);
        if (len == 0)
            continue;
        int64_t iv;
        uint32_t digits, frac;
        if (len > SEEN_MAX_BYTES || has_edge_blank(s, len) ||
            plain_number(s, len, &iv, &digits, &frac) != PLAIN_DECIMAL)
            break;
        uint64_t w0, w1;
        short_words(s, len, &w0, &w1);
        if (!run_value(x, s, len, true, w0, w1, &k))
            continue;
        any = true;
        int_max = digits > int_max ? digits : int_max;
        frac_max = frac > frac_max ? frac : frac_max;
    }
    run_end(x->c, &k);
    if (any)
        plain_decimal(x->c, int_max, frac_max);
    return r;
}

/* A date-only column of ISO dates that no longer probes its cache. */
static size_t run_iso_date(const run_ctx *x, size_t r)
{
    col_state *c = x->c;
    run_counts k = run_begin(c);
    for (; r < x->end; r++) {
        const char *s;
        size_t len = run_cell(x, r, &s, &k);
        if (len == 0)
            continue;
        if (len != 10)
            break;
        uint64_t w0, w1;
        short_words(s, len, &w0, &w1);
        if (!iso_date_shape(w0, w1))
            break;
        if (!run_value(x, s, len, true, w0, w1, &k))
            continue;
        iso_date_words(c, w0, w1);
        if (c->kinds != K_DT) { /* not a valid date: the column is text now */
            r++;
            break;
        }
    }
    run_end(c, &k);
    return r;
}

/* The run for the column's state, from cell r; returns the first cell it did not take. */
static size_t run_cells(const run_ctx *x, size_t r)
{
    const col_state *c = x->c;
    if (!c->seen_off)
        return run_seen(x, r);
    if (c->kinds == 0)
        return run_text(x, r);
    if (is_int_column(c))
        return run_int(x, r);
    if (c->kinds == K_NUM)
        return dot_styles_only(c) ? run_decimal(x, r) : r;
    if (c->kinds == K_DT)
        return run_iso_date(x, r);
    return r;
}

void buzz_infer_add_batch(buzz_infer *inf, const buzz_csv_batch *batch, size_t row_begin,
                          size_t row_end)
{
    size_t ncols = inf->column_count < batch->column_count ? inf->column_count : batch->column_count;
    if (row_end > batch->row_count)
        row_end = batch->row_count;
    const char *data = batch->data;
    for (size_t r0 = row_begin; r0 < row_end; r0 += ROW_BLOCK) {
        size_t r1 = r0 + ROW_BLOCK < row_end ? r0 + ROW_BLOCK : row_end;
        for (size_t col = 0; col < ncols; col++) {
            col_state *c = &inf->cols[col];
            const buzz_csv_cell *cells = batch->cells + col * batch->row_stride;
            run_ctx x = {inf, c, data, cells, r1};
            for (size_t r = r0; r < r1; r++) {
                if (BUZZ_LIKELY(!inf->general_only)) {
                    r = run_cells(&x, r);
                    if (r >= r1)
                        break;
                }
                if (r + PF_DIST < r1)
                    __builtin_prefetch(data + cells[r + PF_DIST].offset);
                buzz_csv_cell cell = cells[r];
                if (cell.len_flags & BUZZ_CSV_CELL_MISSING) {
                    c->nulls++;
                    continue;
                }
                add_cell(inf, c, data + cell.offset, cell.len_flags & BUZZ_CSV_CELL_LEN_MASK,
                         (cell.len_flags & BUZZ_CSV_CELL_QUOTED) != 0);
            }
        }
    }
    for (size_t col = 0; col < ncols; col++)
        flush_pending(&inf->cols[col]);
}

static void col_merge(col_state *a, const col_state *b)
{
    a->values += b->values;
    a->nulls += b->nulls;
    a->empty_strings += b->empty_strings;
    if (b->values > 0) {
        a->kinds &= b->kinds;
        a->styles &= b->styles;
        if (a->styles == 0) /* as num_update: no style reads every value */
            a->kinds &= ~(uint32_t)K_NUM;
        if (a->unit == BUZZ_UNIT_NONE)
            a->unit = b->unit;
        else if (b->unit != BUZZ_UNIT_NONE && b->unit != a->unit)
            a->kinds &= ~(uint32_t)K_NUM;
        for (int s = 0; s < BUZZ_NUM_STYLE_COUNT; s++) {
            num_stats *x = &a->ns[s];
            const num_stats *y = &b->ns[s];
            if (y->max_int > x->max_int)
                x->max_int = y->max_int;
            if (y->max_frac > x->max_frac)
                x->max_frac = y->max_frac;
            x->has_exp |= y->has_exp;
            x->has_inf |= y->has_inf;
            x->has_fraction |= y->has_fraction;
            x->overflow |= y->overflow;
            if (y->has_range) {
                if (y->min < x->min)
                    x->min = y->min;
                if (y->max > x->max)
                    x->max = y->max;
                x->has_range = true;
            }
        }
        a->dt_shapes |= b->dt_shapes;
        if ((a->dt_shapes & DT_TIME) && (a->dt_shapes & (DT_DATE | DT_STAMP)))
            a->kinds &= ~(uint32_t)K_DT;
        a->dt_orders &= b->dt_orders;
        if (a->dt_orders == 0)
            a->kinds &= ~(uint32_t)K_DT;
        if (a->dt_sep == 0)
            a->dt_sep = b->dt_sep;
        a->dt_zoned |= b->dt_zoned;
        a->dt_naive |= b->dt_naive;
    }
    if (b->max_bytes > a->max_bytes)
        a->max_bytes = b->max_bytes;
    for (size_t e = 0; e < b->example_count; e++)
        add_example(a, b->examples[e], b->example_len[e], b->example_whole[e]);
    for (unsigned r = 0; r < HLL_REGS; r++)
        if (b->hll[r] > a->hll[r])
            a->hll[r] = b->hll[r];
}

void buzz_infer_merge(buzz_infer *into, const buzz_infer *from)
{
    size_t n = into->column_count < from->column_count ? into->column_count : from->column_count;
    for (size_t i = 0; i < n; i++)
        col_merge(&into->cols[i], &from->cols[i]);
}

void buzz_infer_merge_mapped(buzz_infer *into, const buzz_infer *from, const size_t *map)
{
    for (size_t i = 0; i < from->column_count; i++)
        if (map[i] < into->column_count)
            col_merge(&into->cols[map[i]], &from->cols[i]);
}

/* ---------------------------------------------------------------------------------------------
 * Decisions. */
static const buzz_num_style prefer_dot[] = {BUZZ_NUM_DOT, BUZZ_NUM_DOT_GROUP_COMMA, BUZZ_NUM_COMMA,
                                            BUZZ_NUM_COMMA_GROUP_DOT, BUZZ_NUM_COMMA_GROUP_SPACE};
static const buzz_num_style prefer_comma[] = {BUZZ_NUM_COMMA, BUZZ_NUM_COMMA_GROUP_DOT,
                                              BUZZ_NUM_COMMA_GROUP_SPACE, BUZZ_NUM_DOT,
                                              BUZZ_NUM_DOT_GROUP_COMMA};

static void decide_number(const buzz_infer *inf, const col_state *c, buzz_column_def *d)
{
    const buzz_num_style *order = inf->opts.delimiter == ';' ? prefer_comma : prefer_dot;
    buzz_num_style st = BUZZ_NUM_DOT;
    for (int i = 0; i < BUZZ_NUM_STYLE_COUNT; i++) {
        if (c->styles & (1u << order[i])) {
            st = order[i];
            break;
        }
    }
    const num_stats *ns = &c->ns[st];
    d->num_style = st;
    d->unit = c->unit;
    if (ns->has_exp || ns->has_inf) {
        d->type = BUZZ_TYPE_DOUBLE;
        return;
    }
    if (!ns->has_fraction && !ns->overflow) {
        d->type = (ns->min >= INT32_MIN && ns->max <= INT32_MAX) ? BUZZ_TYPE_INT32
                                                                 : BUZZ_TYPE_INT64;
        return;
    }
    uint32_t ip = ns->max_int > 0 ? ns->max_int : 1;
    if (ip + ns->max_frac <= 38) {
        d->type = BUZZ_TYPE_DECIMAL;
        d->precision = (int)(ip + ns->max_frac);
        d->scale = (int)ns->max_frac;
        return;
    }
    d->type = BUZZ_TYPE_DOUBLE;
}

static void decide_datetime(const buzz_infer *inf, const col_state *c, buzz_column_def *d)
{
    if (c->dt_shapes == DT_TIME) {
        d->type = BUZZ_TYPE_TIME;
        return;
    }
    if (c->dt_zoned && c->dt_naive) {
        d->type = BUZZ_TYPE_VARCHAR;
        return;
    }
    if (c->dt_shapes & DT_STAMP)
        d->type = c->dt_zoned ? BUZZ_TYPE_TIMESTAMP_TZ : BUZZ_TYPE_TIMESTAMP;
    else
        d->type = BUZZ_TYPE_DATE;
    uint32_t m = c->dt_orders;
    if (inf->opts.has_date_order && (m & BUZZ_DATE_ORDER_BIT(inf->opts.date_order)))
        d->date_order = inf->opts.date_order;
    else if ((m & BUZZ_DATE_ORDER_BIT(BUZZ_DATE_DMY)) && (m & BUZZ_DATE_ORDER_BIT(BUZZ_DATE_MDY)))
        d->date_order = c->dt_sep == '.' ? BUZZ_DATE_DMY : BUZZ_DATE_MDY;
    else if (m & BUZZ_DATE_ORDER_BIT(BUZZ_DATE_MDY))
        d->date_order = BUZZ_DATE_MDY;
    else if (m & BUZZ_DATE_ORDER_BIT(BUZZ_DATE_DMY))
        d->date_order = BUZZ_DATE_DMY;
    else
        d->date_order = BUZZ_DATE_YMD;
}

void buzz_infer_column(const buzz_infer *inf, size_t i, buzz_column_def *d)
{
    const col_state *c = &inf->cols[i];
    d->include = true;
    d->is_user_type = false;
    d->precision = d->scale = 0;
    d->num_style = BUZZ_NUM_DOT;
    d->unit = BUZZ_UNIT_NONE;
    d->date_order = BUZZ_DATE_YMD;
    d->has_format = false;
    d->bool_digits = inf->opts.bool_digits;
    d->value_count = c->values;
    d->null_count = c->nulls;
    d->empty_string_count = c->empty_strings;
    d->distinct_estimate = c->values > 0 ? hll_estimate(c->hll) : 0;
    if (d->distinct_estimate > c->values)
        d->distinct_estimate = c->values;
    if (c->values > 0 && d->distinct_estimate < 1)
        d->distinct_estimate = 1;
    d->max_bytes = c->max_bytes;
    d->example_count = c->example_count;
    memcpy(d->examples, c->examples, sizeof d->examples);
    if (c->values == 0) {
        d->type = c->empty_strings > 0 ? BUZZ_TYPE_VARCHAR : BUZZ_TYPE_NULL;
        return;
    }
    if (c->kinds & K_BOOL)
        d->type = BUZZ_TYPE_BOOLEAN;
    else if (c->kinds & K_NUM)
        decide_number(inf, c, d);
    else if (c->kinds & K_DT)
        decide_datetime(inf, c, d);
    else
        d->type = BUZZ_TYPE_VARCHAR;
}

const char *buzz_date_order_name(buzz_date_order o)
{
    static const char *const names[BUZZ_DATE_ORDER_COUNT] = {"ymd", "dmy", "mdy"};
    return (unsigned)o < BUZZ_DATE_ORDER_COUNT ? names[o] : "?";
}

buzz_status buzz_date_order_parse(const char *text, buzz_date_order *out, buzz_error *err)
{
    for (int o = 0; o < BUZZ_DATE_ORDER_COUNT; o++) {
        const char *n = buzz_date_order_name((buzz_date_order)o);
        size_t k = 0;
        while (text[k] && n[k] && (text[k] | 0x20) == n[k])
            k++;
        if (text[k] == '\0' && n[k] == '\0') {
            *out = (buzz_date_order)o;
            return BUZZ_OK;
        }
    }
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "unknown date order '%.40s' (expected ymd, dmy or mdy)", text);
}
