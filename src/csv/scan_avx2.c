/* csv/scan_avx2.c: AVX2 kernel of the CSV tokenizer and of the splitter's boundary tracker. Turns
 * each 64-byte block into quote, delimiter, newline, CR, NUL, escape, comment and blank (space or
 * tab) masks (two 32-byte compares and movemasks per byte class); scan_block.h turns those into
 * field boundaries, the quote state crossing blocks through a prefix-XOR carry, and hands any block
 * whose bytes the parity rule would misread to the scalar state machine (scan_scalar.c). Output
 * must equal scan_scalar.c's for every input (test_csv_scan and fuzz_csv compare them). Compiled
 * with function target attributes only, never -mavx2; dispatch.c picks it after buzz_cpu_has_avx2()
 * said yes (AVX2, BMI1/2, PCLMUL). x86-64 only. */
#include "csv_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define BLOCK_TARGET __attribute__((target("avx2,bmi,bmi2,pclmul,popcnt")))
#define BLOCK_INLINE inline __attribute__((always_inline)) BLOCK_TARGET
#define BLOCK_SCAN_NAME buzz__csv_scan_avx2
#define BLOCK_TRACK_NAME buzz__csv_track_avx2

typedef struct block_chars {
    __m256i quote, delim, lf, cr, zero, escape, comment, space, tab;
    bool has_quote, has_escape, has_comment, want_nul;
} block_chars;

static BLOCK_INLINE void chars_init(block_chars *c, uint8_t delim, uint8_t quote, uint8_t escape,
                                    uint8_t comment, bool has_quote, bool has_escape,
                                    bool has_comment, bool want_nul)
{
    c->quote = _mm256_set1_epi8((char)quote);
    c->delim = _mm256_set1_epi8((char)delim);
    c->lf = _mm256_set1_epi8('\n');
    c->cr = _mm256_set1_epi8('\r');
    c->zero = _mm256_setzero_si256();
    c->escape = _mm256_set1_epi8((char)escape);
    c->comment = _mm256_set1_epi8((char)comment);
    c->space = _mm256_set1_epi8(' ');
    c->tab = _mm256_set1_epi8('\t');
    c->has_quote = has_quote;
    c->has_escape = has_escape;
    c->has_comment = has_comment;
    c->want_nul = want_nul;
}

#include "scan_block.h"

static BLOCK_INLINE uint64_t eq_mask(__m256i lo, __m256i hi, __m256i v)
{
    uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v));
    uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v));
    return (uint64_t)a | (uint64_t)b << 32;
}

static BLOCK_INLINE void classify(const block_chars *c, const uint8_t *p, raw_masks *m)
{
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    m->q = c->has_quote ? eq_mask(lo, hi, c->quote) : 0;
    m->d = eq_mask(lo, hi, c->delim);
    m->l = eq_mask(lo, hi, c->lf);
    m->cr = eq_mask(lo, hi, c->cr);
    m->nul = c->want_nul ? eq_mask(lo, hi, c->zero) : 0;
    m->esc = c->has_escape ? eq_mask(lo, hi, c->escape) : 0;
    m->com = c->has_comment ? eq_mask(lo, hi, c->comment) : 0;
    /* One movemask for both blanks: (space | tab) compares, then the delimiter taken out. */
    __m256i blo = _mm256_or_si256(_mm256_cmpeq_epi8(lo, c->space), _mm256_cmpeq_epi8(lo, c->tab));
    __m256i bhi = _mm256_or_si256(_mm256_cmpeq_epi8(hi, c->space), _mm256_cmpeq_epi8(hi, c->tab));
    uint64_t b = (uint64_t)(uint32_t)_mm256_movemask_epi8(blo) |
                 (uint64_t)(uint32_t)_mm256_movemask_epi8(bhi) << 32;
    m->b = b & ~m->d;
}

BLOCK_TARGET size_t buzz__csv_count_byte_avx2(const uint8_t *data, size_t n, uint8_t c)
{
    const __m256i want = _mm256_set1_epi8((char)c);
    size_t count = 0, i = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)(data + i));
        __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(data + i + 32));
        count += (size_t)_mm_popcnt_u64(eq_mask(lo, hi, want));
    }
    for (; i < n; i++)
        count += data[i] == c;
    return count;
}

#endif /* __x86_64__ */
