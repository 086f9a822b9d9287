/* util/error.c: the buzz_error contract (nanoarrow's ArrowError: written only on failure, may be NULL),
 * message formatting for the CLI and the HTTP API, and quoting of input text for messages. Used by
 * every module; depends on libc only. */
#include "buzz/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void vset(buzz_error *err, buzz_status code, const buzz_pos *where, const char *fmt,
                 va_list ap)
{
    err->code = code;
    err->source[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->offset = -1;
    if (where) {
        if (where->source)
            snprintf(err->source, sizeof err->source, "%s", where->source);
        err->line = where->line;
        err->column = where->column;
        err->offset = where->offset;
    }
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

buzz_status buzz_error_set(buzz_error *err, buzz_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vset(err, code, NULL, fmt, ap);
        va_end(ap);
    }
    return code;
}

buzz_status buzz_error_at(buzz_error *err, buzz_status code, const buzz_pos *where,
                          const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vset(err, code, where, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *buzz_status_name(buzz_status st)
{
    switch (st) {
    case BUZZ_OK:
        return "ok";
    case BUZZ_ERR_ARG:
        return "invalid argument";
    case BUZZ_ERR_NOMEM:
        return "out of memory";
    case BUZZ_ERR_IO:
        return "input/output error";
    case BUZZ_ERR_PARSE:
        return "malformed input";
    case BUZZ_ERR_VALUE:
        return "value does not fit its type";
    case BUZZ_ERR_LIMIT:
        return "limit exceeded";
    case BUZZ_ERR_CANCELLED:
        return "cancelled";
    case BUZZ_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown error";
}

char *buzz_error_format(const buzz_error *err, char *out, size_t out_cap)
{
    size_t n = 0;
    out[0] = '\0';
    if (err->source[0])
        n = (size_t)snprintf(out, out_cap, "%s:", err->source);
    if (n < out_cap && err->line > 0) {
        n += (size_t)snprintf(out + n, out_cap - n, "%lld:", (long long)err->line);
        if (n < out_cap && err->column > 0)
            n += (size_t)snprintf(out + n, out_cap - n, "%lld:", (long long)err->column);
    }
    if (n < out_cap)
        snprintf(out + n, out_cap - n, "%s%s", n ? " " : "",
                 err->message[0] ? err->message : buzz_status_name(err->code));
    return out;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes are not valid UTF-8. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

char *buzz_quote_text(const char *text, size_t len, size_t max_bytes, char *out, size_t out_cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)text;
    size_t o = 0, i = 0;
    bool cut = false;
    /* Reserve room for the "..." marker and the NUL. */
    if (out_cap < 5) {
        out[0] = '\0';
        return out;
    }
    size_t limit = out_cap - 4;
    while (i < len) {
        if (i >= max_bytes) {
            cut = true;
            break;
        }
        size_t n = utf8_len(p + i, len - i);
        if (n == 1 && p[i] >= 0x20 && p[i] != 0x7F) {
            if (o + 1 > limit) {
                cut = true;
                break;
            }
            out[o++] = (char)p[i];
        } else if (n > 1) {
            if (o + n > limit) {
                cut = true;
                break;
            }
            memcpy(out + o, p + i, n);
            o += n;
        } else {
            if (o + 4 > limit) {
                cut = true;
                break;
            }
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
            n = 1;
        }
        i += n;
    }
    if (cut) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

void buzz__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "buzz: internal assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

bool buzz__never(bool cond, const char *expr, const char *file, int line)
{
#ifdef BUZZ_DEBUG
    if (cond)
        buzz__assert_fail(expr, file, line);
#else
    (void)expr;
    (void)file;
    (void)line;
#endif
    return cond;
}
