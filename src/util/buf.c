/* util/buf.c: buzz_buf, the bounded growable byte buffer (curl's dynbuf with its size cap). Used for
 * output assembly, unescaped cells and messages; growth past `max` is an error naming the limit. */
#include "buzz/util.h"

#include <stdio.h>
#include <string.h>

void buzz_buf_init(buzz_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : SIZE_MAX;
}

void buzz_buf_free(buzz_buf *b)
{
    buzz_free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buzz_buf_reset(buzz_buf *b)
{
    b->len = 0;
}

buzz_status buzz_buf_reserve(buzz_buf *b, size_t extra, buzz_error *err)
{
    size_t need;
    if (__builtin_add_overflow(b->len, extra, &need) || need > b->max)
        return buzz_error_set(err, BUZZ_ERR_LIMIT,
                              "buffer would grow past its limit of %zu bytes", b->max);
    if (need <= b->cap)
        return BUZZ_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    if (cap > b->max)
        cap = b->max;
    uint8_t *p = buzz_realloc(b->data, cap);
    if (!p)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory growing a buffer to %zu bytes",
                              cap);
    b->data = p;
    b->cap = cap;
    return BUZZ_OK;
}

buzz_status buzz_buf_append(buzz_buf *b, const void *p, size_t n, buzz_error *err)
{
    if (n == 0)
        return BUZZ_OK;
    BUZZ_TRY(buzz_buf_reserve(b, n, err));
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return BUZZ_OK;
}

buzz_status buzz_buf_append_byte(buzz_buf *b, uint8_t c, buzz_error *err)
{
    if (b->len < b->cap) {
        b->data[b->len++] = c;
        return BUZZ_OK;
    }
    return buzz_buf_append(b, &c, 1, err);
}

buzz_status buzz_buf_printf(buzz_buf *b, buzz_error *err, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "bad format string");
    if ((size_t)n < sizeof small)
        return buzz_buf_append(b, small, (size_t)n, err);
    BUZZ_TRY(buzz_buf_reserve(b, (size_t)n + 1, err));
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return BUZZ_OK;
}
