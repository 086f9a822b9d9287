/* csv/encoding.c: the decoded stream: detects the input's encoding and turns it into UTF-8, the
 * only encoding the rest of Buzz sees. It reads the byte source of input.c into one fixed 1 MiB
 * buffer and decodes straight into the caller's buffer, so memory is bounded whatever the input.
 * Detection (on the first 1 MiB): a BOM (UTF-8, UTF-16 LE/BE), else the NUL pattern of UTF-16
 * ASCII text, else UTF-8 when the bytes are valid UTF-8 (or hold at least as many valid multi-byte
 * sequences as invalid ones), else Windows-1252. A UTF-8 stream
 * without a BOM that meets invalid bytes while all it saw so far was ASCII switches to
 * Windows-1252 from that byte (the ASCII before reads the same either way); after real
 * multi-byte UTF-8 each invalid sequence (Unicode's "maximal subpart") becomes one U+FFFD,
 * counted. Windows-1252's five undefined bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D become the C1
 * controls U+0081, U+008D, U+008F, U+0090 and U+009D, as the WHATWG Encoding Standard and
 * Windows' own MultiByteToWideChar do, so every byte decodes and nothing is lost. The UTF-8 path
 * copies ASCII 32 and 8 bytes at a time with word operations: it runs on the critical path.
 * Also here: the public encoding/compression/newline/issue names of buzz/csv.h. */
#include "csv/csv_internal.h"

#include <string.h>

#define RAW_CAP ((size_t)1 << 20)     /* raw bytes buffered per refill; detection looks at these */
#define SAMPLE_CAP ((size_t)64 << 10) /* raw bytes per pread of a sample */
#define HIGH_BITS 0x8080808080808080ull
#define UTF16_SNIFF_BYTES 256 /* bytes examined for the NUL pattern of BOM-less UTF-16 */
#define DIRECT_MIN ((size_t)64 << 10) /* reads at least this big skip raw (read_direct) */

/* Decoder state that outlives one call. Partial characters are not kept here: the caller keeps
 * the undecoded tail of its raw buffer and offers it again with more bytes. */
typedef struct decoder {
    buzz_encoding enc;     /* UTF8, UTF16LE, UTF16BE or WINDOWS1252 */
    bool may_switch;       /* UTF-8 may still fall back to Windows-1252 (all ASCII so far) */
    int64_t out_total;     /* decoded bytes produced so far */
    int64_t invalid_count; /* sequences replaced by U+FFFD */
    int64_t invalid_first; /* decoded offset of the first U+FFFD; -1 = none */
} decoder;

/* One decode call's buffers. The kernels advance ip/op and stop when the input is used up, when
 * only a partial character is left and more input may come, or when the next character does not
 * fit (is_out_full). */
typedef struct cursor {
    const uint8_t *in;
    size_t in_len, ip;
    uint8_t *out;
    size_t out_cap, op;
    bool is_final; /* no input follows in[in_len - 1]: a partial character is invalid */
    bool is_out_full;
} cursor;

struct buzz__csv_stream {
    buzz__csv_source *src; /* owned */
    uint8_t *raw;          /* RAW_CAP bytes from the source; owned */
    size_t raw_pos, raw_len;
    bool is_src_eof; /* the source returned its last byte into raw */
    bool has_bom;
    int64_t data_start; /* raw offset of the first character (after the BOM) */
    decoder dec;
    buzz_status failed;  /* a read failed: every later read fails too */
    uint8_t *sample_raw; /* SAMPLE_CAP bytes, allocated by the first sample; owned */
};

/* Windows-1252 0x80..0x9F (0xA0..0xFF equal their code points, as in ISO-8859-1). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t utf8_len(uint32_t cp)
{
    if (cp < 0x80)
        return 1;
    if (cp < 0x800)
        return 2;
    if (cp < 0x10000)
        return 3;
    return 4;
}

/* Write cp (a scalar value, not a surrogate) as UTF-8; the caller checked there is room. */
static size_t put_utf8(uint8_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (uint8_t)(0xC0 | (cp >> 6));
        p[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (uint8_t)(0xE0 | (cp >> 12));
        p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        p[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (uint8_t)(0xF0 | (cp >> 18));
    p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    p[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Copy the leading ASCII bytes of in[0, n) to out; return how many. 32 bytes per step while the
 * text is ASCII, then 8, then single bytes up to the first byte >= 0x80. */
static inline size_t copy_ascii(const uint8_t *in, uint8_t *out, size_t n)
{
    size_t i = 0;
    while (i + 32 <= n) {
        uint64_t a, b, c, d;
        memcpy(&a, in + i, 8);
        memcpy(&b, in + i + 8, 8);
        memcpy(&c, in + i + 16, 8);
        memcpy(&d, in + i + 24, 8);
        if ((a | b | c | d) & HIGH_BITS)
            break;
        memcpy(out + i, in + i, 32);
        i += 32;
    }
    while (i + 8 <= n) {
        uint64_t a;
        memcpy(&a, in + i, 8);
        if (a & HIGH_BITS)
            break;
        memcpy(out + i, &a, 8);
        i += 8;
    }
    while (i < n && in[i] < 0x80) {
        out[i] = in[i];
        i++;
    }
    return i;
}

/* As copy_ascii without the copy: the length of the ASCII prefix. */
static size_t skip_ascii(const uint8_t *in, size_t n)
{
    size_t i = 0;
    while (i + 32 <= n) {
        uint64_t a, b, c, d;
        memcpy(&a, in + i, 8);
        memcpy(&b, in + i + 8, 8);
        memcpy(&c, in + i + 16, 8);
        memcpy(&d, in + i + 24, 8);
        if ((a | b | c | d) & HIGH_BITS)
            break;
        i += 32;
    }
    while (i < n && in[i] < 0x80)
        i++;
    return i;
}

/* Classify the UTF-8 sequence starting with the non-ASCII byte p[0] (avail >= 1 bytes readable).
 * Returns 1 when it is valid (*out_len bytes), 0 when invalid (*out_len = its maximal subpart:
 * the lead byte and the continuation bytes that were still acceptable), -1 when the bytes so far
 * are a valid prefix, the input ends and more may come. Ranges per Unicode Table 3-7: no
 * overlongs, no surrogates, nothing above U+10FFFF. */
static int utf8_seq(const uint8_t *p, size_t avail, bool is_final, size_t *out_len)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        *out_len = 1;
        return 0;
    }
    for (size_t k = 1; k < need; k++) {
        if (k >= avail) {
            *out_len = k;
            return is_final ? 0 : -1;
        }
        if (p[k] < lo || p[k] > hi) {
            *out_len = k;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    *out_len = need;
    return 1;
}

/* Emit U+FFFD for `len` bad input bytes, or report the output full. */
static bool put_replacement(decoder *d, cursor *c, size_t len)
{
    if (c->out_cap - c->op < 3) {
        c->is_out_full = true;
        return false;
    }
    if (d->invalid_count == 0)
        d->invalid_first = d->out_total + (int64_t)c->op;
    d->invalid_count++;
    c->op += put_utf8(c->out + c->op, 0xFFFD);
    c->ip += len;
    return true;
}

/* After a multi-byte character: text that mixes ASCII with short sequences (accented Latin,
 * Cyrillic, CJK) goes faster byte by byte than through copy_ascii's failing word steps. Copies
 * ASCII and the common valid 2- and 3-byte sequences (those without Table 3-7's special second-
 * byte ranges); returns to the caller at anything else, near either buffer's end, or after 16
 * ASCII bytes in a row, when word steps pay again. */
static inline void copy_mixed(cursor *c)
{
    const uint8_t *in = c->in;
    uint8_t *out = c->out;
    size_t ip = c->ip, op = c->op, ascii_run = 0;
    while (ip + 4 <= c->in_len && op + 4 <= c->out_cap && ascii_run < 16) {
        uint8_t b = in[ip];
        if (b < 0x80) {
            out[op++] = b;
            ip++;
            ascii_run++;
            continue;
        }
        ascii_run = 0;
        if (b >= 0xC2 && b <= 0xDF && (in[ip + 1] & 0xC0) == 0x80) {
            out[op] = b;
            out[op + 1] = in[ip + 1];
            ip += 2;
            op += 2;
            continue;
        }
        if (b >= 0xE1 && b <= 0xEF && b != 0xED && (in[ip + 1] & 0xC0) == 0x80 &&
            (in[ip + 2] & 0xC0) == 0x80) {
            out[op] = b;
            out[op + 1] = in[ip + 1];
            out[op + 2] = in[ip + 2];
            ip += 3;
            op += 3;
            continue;
        }
        break;
    }
    c->ip = ip;
    c->op = op;
}

static void decode_utf8(decoder *d, cursor *c)
{
    while (c->ip < c->in_len) {
        size_t n = min_size(c->in_len - c->ip, c->out_cap - c->op);
        size_t k = copy_ascii(c->in + c->ip, c->out + c->op, n);
        c->ip += k;
        c->op += k;
        if (c->ip == c->in_len)
            return;
        if (c->op == c->out_cap) {
            c->is_out_full = true;
            return;
        }
        size_t len;
        int r = utf8_seq(c->in + c->ip, c->in_len - c->ip, c->is_final, &len);
        if (r < 0)
            return; /* a partial character: wait for the rest */
        if (r > 0) {
            if (c->out_cap - c->op < len) {
                c->is_out_full = true;
                return;
            }
            memcpy(c->out + c->op, c->in + c->ip, len);
            c->ip += len;
            c->op += len;
            d->may_switch = false;
            copy_mixed(c);
            continue;
        }
        if (d->may_switch) {
            /* Everything so far was ASCII, which Windows-1252 reads the same: go on in it. */
            d->enc = BUZZ_ENCODING_WINDOWS1252;
            d->may_switch = false;
            return;
        }
        if (!put_replacement(d, c, len))
            return;
    }
}

static void decode_cp1252(cursor *c)
{
    while (c->ip < c->in_len) {
        size_t n = min_size(c->in_len - c->ip, c->out_cap - c->op);
        size_t k = copy_ascii(c->in + c->ip, c->out + c->op, n);
        c->ip += k;
        c->op += k;
        if (c->ip == c->in_len)
            return;
        if (c->op == c->out_cap) {
            c->is_out_full = true;
            return;
        }
        uint8_t b = c->in[c->ip];
        uint32_t cp = b >= 0xA0 ? b : cp1252_high[b - 0x80];
        if (c->out_cap - c->op < utf8_len(cp)) {
            c->is_out_full = true;
            return;
        }
        c->op += put_utf8(c->out + c->op, cp);
        c->ip++;
    }
}

static uint32_t utf16_unit(const uint8_t *p, bool is_be)
{
    return is_be ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

/* Four UTF-16 code units that are all ASCII, copied as four bytes; false when they are not. */
static inline bool copy_utf16_ascii4(const uint8_t *p, bool is_be, uint8_t *out)
{
    const uint8_t *lo = p + (is_be ? 1 : 0);
    const uint8_t *hi = p + (is_be ? 0 : 1);
    if ((hi[0] | hi[2] | hi[4] | hi[6]) != 0 || ((lo[0] | lo[2] | lo[4] | lo[6]) & 0x80) != 0)
        return false;
    out[0] = lo[0];
    out[1] = lo[2];
    out[2] = lo[4];
    out[3] = lo[6];
    return true;
}

static void decode_utf16(decoder *d, cursor *c)
{
    bool is_be = d->enc == BUZZ_ENCODING_UTF16BE;
    while (c->in_len - c->ip >= 2) {
        const uint8_t *p = c->in + c->ip;
        size_t room = c->out_cap - c->op;
        if (c->in_len - c->ip >= 8 && room >= 4 && copy_utf16_ascii4(p, is_be, c->out + c->op)) {
            c->ip += 8;
            c->op += 4;
            continue;
        }
        uint32_t u = utf16_unit(p, is_be);
        if (u < 0xD800 || u > 0xDFFF) {
            if (room < utf8_len(u)) {
                c->is_out_full = true;
                return;
            }
            c->op += put_utf8(c->out + c->op, u);
            c->ip += 2;
            continue;
        }
        if (u <= 0xDBFF) {
            if (c->in_len - c->ip < 4 && !c->is_final)
                return; /* a high surrogate whose partner may still come */
            uint32_t u2 = c->in_len - c->ip >= 4 ? utf16_unit(p + 2, is_be) : 0;
            if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
                if (room < 4) {
                    c->is_out_full = true;
                    return;
                }
                c->op += put_utf8(c->out + c->op, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
                c->ip += 4;
                continue;
            }
        }
        /* An unpaired surrogate: one U+FFFD, then go on with the next unit. */
        if (!put_replacement(d, c, 2))
            return;
    }
    if (c->ip < c->in_len && c->is_final)
        (void)put_replacement(d, c, 1); /* an odd trailing byte */
}

/* Decode in[0, in_len) into out[0, out_cap) as far as both allow. Returns bytes written; sets
 * *out_used (input bytes consumed) and *out_full (stopped because the next character did not
 * fit). When neither all input was consumed nor out_full, what is left (at most 3 bytes) is a
 * partial character and is_final was false. */
static size_t decode(decoder *d, const uint8_t *in, size_t in_len, bool is_final, uint8_t *out,
                     size_t out_cap, size_t *out_used, bool *out_full)
{
    cursor c = {in, in_len, 0, out, out_cap, 0, is_final, false};
    for (;;) {
        buzz_encoding before = d->enc;
        if (d->enc == BUZZ_ENCODING_UTF16LE || d->enc == BUZZ_ENCODING_UTF16BE)
            decode_utf16(d, &c);
        else if (d->enc == BUZZ_ENCODING_WINDOWS1252)
            decode_cp1252(&c);
        else
            decode_utf8(d, &c);
        if (d->enc == before)
            break; /* else UTF-8 fell back to Windows-1252 at c.ip: go on from there */
    }
    d->out_total += (int64_t)c.op;
    *out_used = c.ip;
    *out_full = c.is_out_full;
    return c.op;
}

/* Whether the head p[0, n) reads as UTF-8: no invalid sequence, or at least as many valid
 * multi-byte sequences as invalid ones (a UTF-8 file with a few damaged bytes; Windows-1252 text
 * almost never forms a valid multi-byte sequence by chance, and usually has many invalid ones).
 * A partial character at the end is fine unless is_all. *out_is_ascii: nothing but ASCII. */
static bool looks_utf8(const uint8_t *p, size_t n, bool is_all, bool *out_is_ascii)
{
    size_t i = 0;
    int64_t valid = 0, invalid = 0;
    for (;;) {
        i += skip_ascii(p + i, n - i);
        if (i == n)
            break;
        size_t len;
        int r = utf8_seq(p + i, n - i, is_all, &len);
        if (r < 0)
            break;
        if (r > 0)
            valid++;
        else
            invalid++;
        i += len;
    }
    *out_is_ascii = valid == 0 && invalid == 0 && i == n;
    return invalid == 0 || valid >= invalid;
}

/* BOM-less UTF-16 holding mostly ASCII shows a NUL in every other byte. LE when at least 3/4 of the
 * first code units (at least 4 of them, within UTF16_SNIFF_BYTES) are "nonzero byte, zero byte";
 * BE for "zero, nonzero". Returns AUTO when neither. */
static buzz_encoding utf16_by_nuls(const uint8_t *p, size_t n)
{
    size_t units = min_size(n, UTF16_SNIFF_BYTES) / 2;
    size_t le = 0, be = 0;
    for (size_t i = 0; i < units; i++) {
        uint8_t a = p[2 * i], b = p[2 * i + 1];
        le += a != 0 && b == 0;
        be += a == 0 && b != 0;
    }
    if (units < 4)
        return BUZZ_ENCODING_AUTO;
    if (le * 4 >= units * 3)
        return BUZZ_ENCODING_UTF16LE;
    if (be * 4 >= units * 3)
        return BUZZ_ENCODING_UTF16BE;
    return BUZZ_ENCODING_AUTO;
}

/* Pick the encoding of the head p[0, n) (is_all: the whole input) and the BOM length to skip. A
 * forced encoding still drops its own BOM. *out_may_switch: a guessed UTF-8 whose head is all
 * ASCII, which may still turn out to be Windows-1252 further on. */
static buzz_encoding detect(const uint8_t *p, size_t n, bool is_all, buzz_encoding forced,
                            size_t *out_bom_bytes, bool *out_may_switch)
{
    *out_may_switch = false;
    bool has_utf8_bom = n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF;
    bool has_le_bom = n >= 2 && p[0] == 0xFF && p[1] == 0xFE;
    bool has_be_bom = n >= 2 && p[0] == 0xFE && p[1] == 0xFF;
    buzz_encoding e = forced;
    if (e == BUZZ_ENCODING_AUTO) {
        if (has_utf8_bom)
            e = BUZZ_ENCODING_UTF8;
        else if (has_le_bom)
            e = BUZZ_ENCODING_UTF16LE;
        else if (has_be_bom)
            e = BUZZ_ENCODING_UTF16BE;
        else
            e = utf16_by_nuls(p, n);
    }
    if (e == BUZZ_ENCODING_AUTO) {
        bool is_ascii = false;
        e = looks_utf8(p, n, is_all, &is_ascii) ? BUZZ_ENCODING_UTF8 : BUZZ_ENCODING_WINDOWS1252;
        *out_may_switch = is_ascii;
    }
    *out_bom_bytes = 0;
    if (e == BUZZ_ENCODING_UTF8 && has_utf8_bom)
        *out_bom_bytes = 3;
    else if ((e == BUZZ_ENCODING_UTF16LE && has_le_bom) ||
             (e == BUZZ_ENCODING_UTF16BE && has_be_bom))
        *out_bom_bytes = 2;
    return e;
}

/* Move the undecoded tail to the front of raw and read up to `want` more bytes after it (at
 * most what raw holds). */
static buzz_status refill_some(buzz__csv_stream *s, size_t want, buzz_error *err)
{
    size_t tail = s->raw_len - s->raw_pos;
    BUZZ_ASSERT(tail <= 3);
    memmove(s->raw, s->raw + s->raw_pos, tail);
    s->raw_pos = 0;
    s->raw_len = tail;
    want = min_size(want, RAW_CAP - tail);
    size_t got = 0;
    buzz_status st = buzz__csv_source_read(s->src, s->raw + tail, want, &got, err);
    if (st)
        return st;
    s->raw_len += got;
    if (got < want)
        s->is_src_eof = true;
    return BUZZ_OK;
}

static buzz_status refill(buzz__csv_stream *s, buzz_error *err)
{
    return refill_some(s, RAW_CAP, err);
}

buzz_status buzz__csv_stream_open_crc(buzz__csv_stream **out, const char *path, const char *name,
                                  buzz_encoding forced, bool keep_checksum, buzz_error *err)
{
    *out = NULL;
    if ((unsigned)forced > BUZZ_ENCODING_WINDOWS1252)
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "--encoding must be auto, utf-8, utf-16le, utf-16be or "
                              "windows-1252, got %d",
                              (int)forced);
    buzz__csv_stream *s = buzz_calloc(1, sizeof *s);
    if (!s)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the input");
    buzz_status st = buzz__csv_source_open(&s->src, path, name, keep_checksum, err);
    if (st)
        goto done;
    s->raw = buzz_malloc(RAW_CAP);
    if (!s->raw) {
        st = buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the input");
        goto done;
    }
    st = refill(s, err);
    if (st)
        goto done;
    size_t bom = 0;
    /* A BOM or a forced encoding is a declaration, and a head with multi-byte UTF-8 is evidence:
     * only UTF-8 guessed from pure ASCII may fall back to Windows-1252. */
    s->dec.enc = detect(s->raw, s->raw_len, s->is_src_eof, forced, &bom, &s->dec.may_switch);
    s->raw_pos = bom;
    s->data_start = (int64_t)bom;
    s->has_bom = bom > 0;
    s->dec.invalid_first = -1;
done:
    if (st) {
        buzz__csv_stream_close(s);
        return st;
    }
    *out = s;
    return BUZZ_OK;
}

/* The length of the prefix of p[0, n) that UTF-8 decoding copies unchanged: up to the first
 * invalid sequence or a character cut by the end (decode_utf8 decides those). */
static size_t utf8_unchanged(decoder *d, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        i += skip_ascii(p + i, n - i);
        if (i == n)
            return n;
        size_t len;
        if (utf8_seq(p + i, n - i, false, &len) <= 0)
            return i;
        d->may_switch = false;
        i += len;
    }
}

/* With raw empty and the stream in UTF-8, read straight into buf[*n, cap) and check it in place,
 * skipping the copy through raw (the common case: a big read of valid UTF-8). The bytes from the
 * first one that decoding would change (an invalid sequence, or a character cut by the end of the
 * read) go to raw for decode, as a refill would have put them there. */
static buzz_status read_direct(buzz__csv_stream *s, uint8_t *buf, size_t cap, size_t *n,
                               buzz_error *err)
{
    size_t want = min_size(cap - *n, RAW_CAP), got = 0;
    BUZZ_TRY(buzz__csv_source_read(s->src, buf + *n, want, &got, err));
    if (got < want)
        s->is_src_eof = true;
    size_t ok = utf8_unchanged(&s->dec, buf + *n, got);
    memcpy(s->raw, buf + *n + ok, got - ok);
    s->raw_pos = 0;
    s->raw_len = got - ok;
    s->dec.out_total += (int64_t)ok;
    *n += ok;
    return BUZZ_OK;
}

static buzz_status too_small(size_t cap, buzz_error *err)
{
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "a stream read of %zu bytes cannot hold the next character: pass at "
                          "least 16 bytes",
                          cap);
}

buzz_status buzz__csv_stream_read(buzz__csv_stream *s, uint8_t *buf, size_t cap, size_t *out_len,
                                  buzz_error *err)
{
    *out_len = 0;
    if (s->failed) {
        buzz_pos where = {buzz__csv_source_name(s->src), 0, 0, -1};
        return buzz_error_at(err, s->failed, &where,
                             "cannot read the input: an earlier read already failed");
    }
    size_t n = 0;
    for (;;) {
        size_t used;
        bool is_full;
        n += decode(&s->dec, s->raw + s->raw_pos, s->raw_len - s->raw_pos, s->is_src_eof, buf + n,
                    cap - n, &used, &is_full);
        s->raw_pos += used;
        if (is_full || s->is_src_eof)
            break;
        buzz_status st;
        if (s->raw_pos < s->raw_len || s->dec.enc != BUZZ_ENCODING_UTF8)
            st = refill(s, err);
        else if (cap - n >= DIRECT_MIN)
            st = read_direct(s, buf, cap, &n, err);
        else /* little room left: buffer little, so the next big read goes direct again */
            st = refill_some(s, DIRECT_MIN, err);
        if (st) {
            s->failed = st;
            return st;
        }
    }
    /* Zero bytes would read as the end of the input: refuse instead. */
    if (n == 0 && !(s->is_src_eof && s->raw_pos == s->raw_len))
        return too_small(cap, err);
    *out_len = n;
    return BUZZ_OK;
}

/* Bytes to skip at the start of a sample so it begins on a character: UTF-8 continuation bytes
 * (at most 3), or the low half of a surrogate pair. */
static size_t align_sample(buzz_encoding enc, const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (enc == BUZZ_ENCODING_UTF8) {
        while (i < n && i < 3 && (p[i] & 0xC0) == 0x80)
            i++;
    } else if (enc == BUZZ_ENCODING_UTF16LE || enc == BUZZ_ENCODING_UTF16BE) {
        if (n >= 2) {
            uint32_t u = utf16_unit(p, enc == BUZZ_ENCODING_UTF16BE);
            if (u >= 0xDC00 && u <= 0xDFFF)
                i = 2;
        }
    }
    return i;
}

buzz_status buzz__csv_stream_sample(buzz__csv_stream *s, int64_t raw_offset, uint8_t *buf,
                                    size_t cap, size_t *out_len, buzz_error *err)
{
    *out_len = 0;
    if (!buzz__csv_source_is_seekable(s->src))
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "cannot sample %s: only an uncompressed regular file is seekable",
                              buzz__csv_source_name(s->src));
    if (!s->sample_raw) {
        s->sample_raw = buzz_malloc(SAMPLE_CAP);
        if (!s->sample_raw)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory sampling the input");
    }
    int64_t pos = raw_offset > s->data_start ? raw_offset : s->data_start;
    /* A private decoder: same encoding and fallback rule; the stream's counts stay as they are. */
    decoder d = s->dec;
    d.out_total = 0;
    d.invalid_count = 0;
    d.invalid_first = -1;
    if (d.enc == BUZZ_ENCODING_UTF16LE || d.enc == BUZZ_ENCODING_UTF16BE)
        pos += (pos - s->data_start) & 1; /* units start an even distance after the BOM */
    bool is_aligned = false;
    size_t n = 0;
    for (;;) {
        size_t got = 0;
        buzz_status st = buzz__csv_source_pread(s->src, pos, s->sample_raw, SAMPLE_CAP, &got, err);
        if (st)
            return st;
        bool is_final = got < SAMPLE_CAP;
        size_t skip = 0;
        if (!is_aligned) {
            skip = align_sample(d.enc, s->sample_raw, got);
            is_aligned = true;
        }
        size_t used;
        bool is_full;
        n += decode(&d, s->sample_raw + skip, got - skip, is_final, buf + n, cap - n, &used,
                    &is_full);
        pos += (int64_t)(skip + used);
        if (is_full || is_final) {
            if (n == 0 && is_full)
                return too_small(cap, err);
            break;
        }
    }
    *out_len = n;
    return BUZZ_OK;
}

buzz_encoding buzz__csv_stream_encoding(const buzz__csv_stream *s)
{
    return s->dec.enc;
}

bool buzz__csv_stream_has_bom(const buzz__csv_stream *s)
{
    return s->has_bom;
}

buzz_compression buzz__csv_stream_compression(const buzz__csv_stream *s)
{
    return buzz__csv_source_compression(s->src);
}

bool buzz__csv_stream_is_seekable(const buzz__csv_stream *s)
{
    return buzz__csv_source_is_seekable(s->src);
}

int64_t buzz__csv_stream_raw_size(const buzz__csv_stream *s)
{
    return buzz__csv_source_size(s->src);
}

buzz__csv_source *buzz__csv_stream_source(buzz__csv_stream *s)
{
    return s->src;
}

int64_t buzz__csv_stream_raw_consumed(const buzz__csv_stream *s)
{
    return buzz__csv_source_consumed(s->src);
}

int64_t buzz__csv_stream_invalid_count(const buzz__csv_stream *s)
{
    return s->dec.invalid_count;
}

int64_t buzz__csv_stream_invalid_first_offset(const buzz__csv_stream *s)
{
    return s->dec.invalid_first;
}

void buzz__csv_stream_close(buzz__csv_stream *s)
{
    if (!s)
        return;
    buzz__csv_source_close(s->src);
    buzz_free(s->raw);
    buzz_free(s->sample_raw);
    buzz_free(s);
}

/* ---------------------------------------------------------------------------------------------
 * Names. */

const char *buzz_encoding_name(buzz_encoding e)
{
    switch (e) {
    case BUZZ_ENCODING_AUTO:
        return "auto";
    case BUZZ_ENCODING_UTF8:
        return "utf-8";
    case BUZZ_ENCODING_UTF16LE:
        return "utf-16le";
    case BUZZ_ENCODING_UTF16BE:
        return "utf-16be";
    case BUZZ_ENCODING_WINDOWS1252:
        return "windows-1252";
    }
    return "unknown";
}

const char *buzz_compression_name(buzz_compression c)
{
    switch (c) {
    case BUZZ_COMPRESSION_NONE:
        return "none";
    case BUZZ_COMPRESSION_GZIP:
        return "gzip";
    case BUZZ_COMPRESSION_ZSTD:
        return "zstd";
    }
    return "unknown";
}

const char *buzz_newline_name(buzz_newline n)
{
    switch (n) {
    case BUZZ_NEWLINE_AUTO:
        return "auto";
    case BUZZ_NEWLINE_LF:
        return "lf";
    case BUZZ_NEWLINE_CRLF:
        return "crlf";
    case BUZZ_NEWLINE_CR:
        return "cr";
    }
    return "unknown";
}

const char *buzz_csv_issue_kind_name(buzz_csv_issue_kind kind)
{
    switch (kind) {
    case BUZZ_CSV_TOO_FEW_FIELDS:
        return "row with too few fields";
    case BUZZ_CSV_TOO_MANY_FIELDS:
        return "row with too many fields";
    case BUZZ_CSV_UNTERMINATED_QUOTE:
        return "quoted field not closed before the end of the input";
    case BUZZ_CSV_UNESCAPED_QUOTE:
        return "quote inside a quoted field that is not doubled";
    case BUZZ_CSV_QUOTE_IN_FIELD:
        return "quote inside an unquoted field";
    case BUZZ_CSV_INVALID_BYTES:
        return "bytes not valid in the encoding";
    case BUZZ_CSV_NUL_BYTES:
        return "NUL bytes in a field";
    case BUZZ_CSV_FOOTER_LINES:
        return "footer lines after the table";
    case BUZZ_CSV_REPEATED_HEADER:
        return "repeated header rows";
    case BUZZ_CSV_ISSUE_KIND_COUNT:
        break;
    }
    return "unknown issue";
}

/* ASCII-only, case-insensitive equality: names are ASCII, and the C library's tolower depends on
 * the locale. */
static bool name_equals(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

buzz_status buzz_encoding_parse(const char *name, buzz_encoding *out, buzz_error *err)
{
    static const struct {
        const char *name;
        buzz_encoding e;
    } names[] = {
        {"auto", BUZZ_ENCODING_AUTO},           {"utf-8", BUZZ_ENCODING_UTF8},
        {"utf8", BUZZ_ENCODING_UTF8},           {"utf-16le", BUZZ_ENCODING_UTF16LE},
        {"utf16le", BUZZ_ENCODING_UTF16LE},     {"utf-16be", BUZZ_ENCODING_UTF16BE},
        {"utf16be", BUZZ_ENCODING_UTF16BE},     {"windows-1252", BUZZ_ENCODING_WINDOWS1252},
        {"cp1252", BUZZ_ENCODING_WINDOWS1252},  {"latin1", BUZZ_ENCODING_WINDOWS1252},
        {"latin-1", BUZZ_ENCODING_WINDOWS1252}, {"iso-8859-1", BUZZ_ENCODING_WINDOWS1252},
    };
    if (!name)
        return buzz_error_set(err, BUZZ_ERR_ARG, "expected an encoding name, got none");
    for (size_t i = 0; i < BUZZ_ARRAY_LEN(names); i++) {
        if (name_equals(name, names[i].name)) {
            *out = names[i].e;
            return BUZZ_OK;
        }
    }
    char quoted[200];
    buzz_quote_text(name, strlen(name), 40, quoted, sizeof quoted);
    return buzz_error_set(err, BUZZ_ERR_ARG,
                          "expected an encoding (auto, utf-8, utf-16le, utf-16be, windows-1252; "
                          "also utf8, cp1252, latin1, iso-8859-1), found \"%s\"",
                          quoted);
}

buzz_status buzz__csv_stream_open(buzz__csv_stream **out, const char *path, const char *name,
                                  buzz_encoding forced, buzz_error *err)
{
    return buzz__csv_stream_open_crc(out, path, name, forced, false, err);
}
