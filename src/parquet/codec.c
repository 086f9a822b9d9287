/* parquet/codec.c: page compression for the Parquet writer, one call per page body: UNCOMPRESSED
 * (a copy), SNAPPY (libsnappy's C API, raw snappy as Parquet wants, no framing), GZIP (zlib deflate
 * with the gzip wrapper, windowBits 15 + 16), ZSTD (one frame with the content size, at `level`)
 * and LZ4_RAW (the LZ4 block format without the frame format). Output is reserved at the codec's
 * worst-case bound and written in one step. zlib and zstd allocate through buzz_malloc (so memory
 * is counted and the OOM tests reach their failures); libsnappy allocates internally with C++ new
 * and LZ4_compress_default keeps its state on the stack. buzz__decompress exists for the tests and
 * the fuzz target, which round-trip every codec. writer.c is the caller. */
#include "parquet/parquet_internal.h"

#include <limits.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createCCtx_advanced: the codec allocates through us */
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* zlib counts in uInt: feed and drain at most this much per deflate/inflate call. */
#define ZLIB_STEP ((size_t)1 << 30)

static voidpf zalloc_fn(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return buzz_calloc(items, size);
}

static void zfree_fn(voidpf opaque, voidpf p)
{
    (void)opaque;
    buzz_free(p);
}

static void *zstd_alloc_fn(void *opaque, size_t size)
{
    (void)opaque;
    return buzz_malloc(size);
}

static void zstd_free_fn(void *opaque, void *p)
{
    (void)opaque;
    buzz_free(p);
}

static const char *codec_name(int codec)
{
    switch (codec) {
    case BUZZ__PQ_CODEC_UNCOMPRESSED:
        return "uncompressed";
    case BUZZ__PQ_CODEC_SNAPPY:
        return "snappy";
    case BUZZ__PQ_CODEC_GZIP:
        return "gzip";
    case BUZZ__PQ_CODEC_ZSTD:
        return "zstd";
    case BUZZ__PQ_CODEC_LZ4_RAW:
        return "lz4_raw";
    default:
        return NULL;
    }
}

static buzz_status unknown_codec(int codec, buzz_error *err)
{
    return buzz_error_set(err, BUZZ_ERR_ARG, "expected a Parquet codec (0, 1, 2, 6 or 7), got %d",
                          codec);
}

static buzz_status compress_snappy(const void *src, size_t n, buzz_buf *out, buzz_error *err)
{
    size_t cap = snappy_max_compressed_length(n);
    BUZZ_TRY(buzz_buf_reserve(out, cap, err));
    size_t len = cap;
    if (snappy_compress(src, n, (char *)out->data + out->len, &len) != SNAPPY_OK)
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "snappy failed to compress %zu bytes", n);
    out->len += len;
    return BUZZ_OK;
}

static buzz_status zlib_status(int rc, const char *what, buzz_error *err)
{
    if (rc == Z_MEM_ERROR)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory in zlib %s", what);
    return buzz_error_set(err, BUZZ_ERR_INTERNAL, "zlib %s failed (%d)", what, rc);
}

static buzz_status compress_gzip(int level, const void *src, size_t n, buzz_buf *out,
                                 buzz_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = zalloc_fn;
    z.zfree = zfree_fn;
    int rc = deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK)
        return zlib_status(rc, "deflateInit2", err);
    buzz_status st = BUZZ_OK;
    /* deflateBound covers the gzip header and trailer for a single deflate(Z_FINISH) over all of
     * src; inputs over ZLIB_STEP take several calls, each of which may add a few block bytes. */
    size_t cap = (size_t)deflateBound(&z, (uLong)n) + 64 * (n / ZLIB_STEP + 1);
    st = buzz_buf_reserve(out, cap, err);
    if (st)
        goto done;
    const uint8_t *in = src;
    size_t in_left = n;
    z.next_out = out->data + out->len;
    for (;;) {
        if (z.avail_in == 0 && in_left > 0) {
            size_t step = in_left < ZLIB_STEP ? in_left : ZLIB_STEP;
            z.next_in = (Bytef *)(uintptr_t)in; /* zlib does not write through next_in */
            z.avail_in = (uInt)step;
            in += step;
            in_left -= step;
        }
        size_t room = cap - (size_t)(z.next_out - (out->data + out->len));
        z.avail_out = (uInt)(room < ZLIB_STEP ? room : ZLIB_STEP);
        rc = deflate(&z, in_left == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_BUF_ERROR) { /* no progress: only when the output is full */
            st = buzz_error_set(err, BUZZ_ERR_INTERNAL,
                                "gzip output passed deflateBound for %zu bytes", n);
            goto done;
        }
        if (rc != Z_OK) {
            st = zlib_status(rc, "deflate", err);
            goto done;
        }
    }
    out->len = (size_t)(z.next_out - out->data);
done:
    deflateEnd(&z);
    return st;
}

static buzz_status compress_zstd(int level, const void *src, size_t n, buzz_buf *out,
                                 buzz_error *err)
{
    size_t cap = ZSTD_compressBound(n);
    if (cap == 0 && n > 0)
        return buzz_error_set(err, BUZZ_ERR_LIMIT, "%zu bytes are too many for one zstd frame", n);
    BUZZ_TRY(buzz_buf_reserve(out, cap, err));
    ZSTD_customMem mem = {zstd_alloc_fn, zstd_free_fn, NULL};
    ZSTD_CCtx *cctx = ZSTD_createCCtx_advanced(mem);
    if (!cctx)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory creating a zstd context");
    size_t rc = ZSTD_compressCCtx(cctx, out->data + out->len, cap, src, n, level);
    ZSTD_freeCCtx(cctx);
    if (ZSTD_isError(rc)) {
        if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory in zstd compression");
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "zstd failed to compress %zu bytes: %s", n,
                              ZSTD_getErrorName(rc));
    }
    out->len += rc;
    return BUZZ_OK;
}

static buzz_status compress_lz4(const void *src, size_t n, buzz_buf *out, buzz_error *err)
{
    if (n > LZ4_MAX_INPUT_SIZE)
        return buzz_error_set(err, BUZZ_ERR_LIMIT,
                              "LZ4 compresses at most %d bytes at once, got %zu",
                              LZ4_MAX_INPUT_SIZE, n);
    int cap = LZ4_compressBound((int)n);
    BUZZ_TRY(buzz_buf_reserve(out, (size_t)cap, err));
    int len = LZ4_compress_default(src, (char *)out->data + out->len, (int)n, cap);
    if (len <= 0)
        return buzz_error_set(err, BUZZ_ERR_INTERNAL, "lz4 failed to compress %zu bytes", n);
    out->len += (size_t)len;
    return BUZZ_OK;
}

buzz_status buzz__compress(int codec, int level, const void *src, size_t n, buzz_buf *out,
                           buzz_error *err)
{
    static const uint8_t empty[1] = {0};
    if (n == 0 || !src)
        src = empty; /* the libraries want a valid pointer even for 0 bytes */
    switch (codec) {
    case BUZZ__PQ_CODEC_UNCOMPRESSED:
        return buzz_buf_append(out, src, n, err);
    case BUZZ__PQ_CODEC_SNAPPY:
        return compress_snappy(src, n, out, err);
    case BUZZ__PQ_CODEC_GZIP:
        if (level < 0 || level > 9)
            return buzz_error_set(err, BUZZ_ERR_ARG, "gzip level must be 1-9, got %d", level);
        return compress_gzip(level ? level : 6, src, n, out, err);
    case BUZZ__PQ_CODEC_ZSTD:
        if (level < 0 || level > 22)
            return buzz_error_set(err, BUZZ_ERR_ARG, "zstd level must be 1-22, got %d", level);
        return compress_zstd(level ? level : 3, src, n, out, err);
    case BUZZ__PQ_CODEC_LZ4_RAW:
        return compress_lz4(src, n, out, err);
    default:
        return unknown_codec(codec, err);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Decompression: the input is untrusted (fuzz), so every failure is BUZZ_ERR_PARSE. */

static buzz_status corrupt(int codec, size_t n, size_t n_out, const char *why, buzz_error *err)
{
    return buzz_error_set(err, BUZZ_ERR_PARSE,
                          "%s data of %zu bytes does not decompress to %zu: %s", codec_name(codec),
                          n, n_out, why);
}

static buzz_status decompress_gzip(const void *src, size_t n, uint8_t *dst, size_t n_out,
                                   buzz_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    z.zalloc = zalloc_fn;
    z.zfree = zfree_fn;
    int rc = inflateInit2(&z, 15 + 16);
    if (rc != Z_OK)
        return zlib_status(rc, "inflateInit2", err);
    buzz_status st = BUZZ_OK;
    const uint8_t *in = src;
    size_t in_left = n, out_left = n_out;
    z.next_out = dst;
    for (;;) {
        if (z.avail_in == 0 && in_left > 0) {
            size_t step = in_left < ZLIB_STEP ? in_left : ZLIB_STEP;
            z.next_in = (Bytef *)(uintptr_t)in;
            z.avail_in = (uInt)step;
            in += step;
            in_left -= step;
        }
        if (z.avail_out == 0 && out_left > 0) {
            size_t step = out_left < ZLIB_STEP ? out_left : ZLIB_STEP;
            z.avail_out = (uInt)step;
            out_left -= step;
        }
        uInt had_in = z.avail_in, had_out = z.avail_out;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            break;
        if (rc == Z_MEM_ERROR) {
            st = zlib_status(rc, "inflate", err);
            goto done;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            st = corrupt(BUZZ__PQ_CODEC_GZIP, n, n_out, z.msg ? z.msg : "bad data", err);
            goto done;
        }
        if (z.avail_in == had_in && z.avail_out == had_out) {
            st = corrupt(BUZZ__PQ_CODEC_GZIP, n, n_out,
                         z.avail_out ? "truncated" : "more output than expected", err);
            goto done;
        }
    }
    if (z.avail_in != 0 || in_left != 0)
        st = corrupt(BUZZ__PQ_CODEC_GZIP, n, n_out, "bytes after the gzip member", err);
    else if (z.total_out != n_out)
        st = corrupt(BUZZ__PQ_CODEC_GZIP, n, n_out, "short output", err);
done:
    inflateEnd(&z);
    return st;
}

static buzz_status decompress_zstd(const void *src, size_t n, void *dst, size_t n_out,
                                   buzz_error *err)
{
    ZSTD_customMem mem = {zstd_alloc_fn, zstd_free_fn, NULL};
    ZSTD_DCtx *dctx = ZSTD_createDCtx_advanced(mem);
    if (!dctx)
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory creating a zstd context");
    size_t rc = ZSTD_decompressDCtx(dctx, dst, n_out, src, n);
    ZSTD_freeDCtx(dctx);
    if (ZSTD_isError(rc)) {
        if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory in zstd decompression");
        return corrupt(BUZZ__PQ_CODEC_ZSTD, n, n_out, ZSTD_getErrorName(rc), err);
    }
    if (rc != n_out)
        return corrupt(BUZZ__PQ_CODEC_ZSTD, n, n_out, "short output", err);
    return BUZZ_OK;
}

buzz_status buzz__decompress(int codec, const void *src, size_t n, void *dst, size_t n_out,
                             buzz_error *err)
{
    static const uint8_t empty_in[1] = {0};
    uint8_t empty_out[1];
    if (n == 0 || !src)
        src = empty_in;
    if (n_out == 0 || !dst)
        dst = empty_out;
    switch (codec) {
    case BUZZ__PQ_CODEC_UNCOMPRESSED:
        if (n != n_out)
            return corrupt(codec, n, n_out, "sizes differ", err);
        if (n)
            memcpy(dst, src, n);
        return BUZZ_OK;
    case BUZZ__PQ_CODEC_SNAPPY: {
        size_t len = 0;
        if (snappy_uncompressed_length(src, n, &len) != SNAPPY_OK)
            return corrupt(codec, n, n_out, "bad length header", err);
        if (len != n_out)
            return corrupt(codec, n, n_out, "the header gives another size", err);
        if (snappy_uncompress(src, n, dst, &len) != SNAPPY_OK || len != n_out)
            return corrupt(codec, n, n_out, "bad data", err);
        return BUZZ_OK;
    }
    case BUZZ__PQ_CODEC_GZIP:
        return decompress_gzip(src, n, dst, n_out, err);
    case BUZZ__PQ_CODEC_ZSTD:
        return decompress_zstd(src, n, dst, n_out, err);
    case BUZZ__PQ_CODEC_LZ4_RAW: {
        if (n > INT_MAX || n_out > INT_MAX)
            return buzz_error_set(err, BUZZ_ERR_LIMIT, "LZ4 blocks are at most %d bytes", INT_MAX);
        int len = LZ4_decompress_safe(src, dst, (int)n, (int)n_out);
        if (len < 0 || (size_t)len != n_out)
            return corrupt(codec, n, n_out, "bad data", err);
        return BUZZ_OK;
    }
    default:
        return unknown_codec(codec, err);
    }
}
