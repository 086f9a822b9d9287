/* csv/scan_avx512.c: AVX-512 (F + BW) kernel of the CSV tokenizer and of the splitter's boundary
 * tracker. One 64-byte load per block and one mask compare (_mm512_cmpeq_epi8_mask) per byte class
 * give the quote, delimiter, newline, CR, NUL, escape, comment and blank (space or tab) masks
 * directly; scan_block.h, shared with scan_avx2.c, turns those into field boundaries (quote state
 * carried across blocks by prefix XOR) and hands any block whose bytes the parity rule would
 * misread to the scalar state machine (scan_scalar.c). Output must equal scan_scalar.c's for every
 * input (test_csv_scan and fuzz_csv compare them). Compiled with function target attributes only;
 * dispatch.c picks it after buzz_cpu_has_avx512() said yes. x86-64 only. */
#include "csv_internal.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define BLOCK_TARGET __attribute__((target("avx512f,avx512bw,bmi,bmi2,pclmul,popcnt")))
#define BLOCK_INLINE inline __attribute__((always_inline)) BLOCK_TARGET
#define BLOCK_SCAN_NAME buzz__csv_scan_avx512
#define BLOCK_TRACK_NAME buzz__csv_track_avx512

typedef struct block_chars {
    __m512i quote, delim, lf, cr, zero, escape, comment, space, tab;
    bool has_quote, has_escape, has_comment, want_nul;
} block_chars;

static BLOCK_INLINE void chars_init(block_chars *c, uint8_t delim, uint8_t quote, uint8_t escape,
                                    uint8_t comment, bool has_quote, bool has_escape,
                                    bool has_comment, bool want_nul)
{
    c->quote = _mm512_set1_epi8((char)quote);
    c->delim = _mm512_set1_epi8((char)delim);
    c->lf = _mm512_set1_epi8('\n');
    c->cr = _mm512_set1_epi8('\r');
    c->zero = _mm512_setzero_si512();
    c->escape = _mm512_set1_epi8((char)escape);
    c->comment = _mm512_set1_epi8((char)comment);
    c->space = _mm512_set1_epi8(' ');
    c->tab = _mm512_set1_epi8('\t');
    c->has_quote = has_quote;
    c->has_escape = has_escape;
    c->has_comment = has_comment;
    c->want_nul = want_nul;
}

#include "scan_block.h"

static BLOCK_INLINE void classify(const block_chars *c, const uint8_t *p, raw_masks *m)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    m->q = c->has_quote ? (uint64_t)_mm512_cmpeq_epi8_mask(v, c->quote) : 0;
    m->d = (uint64_t)_mm512_cmpeq_epi8_mask(v, c->delim);
    m->l = (uint64_t)_mm512_cmpeq_epi8_mask(v, c->lf);
    m->cr = (uint64_t)_mm512_cmpeq_epi8_mask(v, c->cr);
    m->nul = c->want_nul ? (uint64_t)_mm512_cmpeq_epi8_mask(v, c->zero) : 0;
    m->esc = c->has_escape ? (uint64_t)_mm512_cmpeq_epi8_mask(v, c->escape) : 0;
    m->com = c->has_comment ? (uint64_t)_mm512_cmpeq_epi8_mask(v, c->comment) : 0;
    uint64_t b =
        (uint64_t)_mm512_cmpeq_epi8_mask(v, c->space) | (uint64_t)_mm512_cmpeq_epi8_mask(v, c->tab);
    m->b = b & ~m->d; /* a blank delimiter is a separator */
}

#endif /* __x86_64__ */
