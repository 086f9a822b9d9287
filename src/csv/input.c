/* csv/input.c: byte sources under the decoded stream. A source is a regular file (read with large
 * pread()s, seekable), a pipe or stdin "-" (read(), not seekable), or either of those wrapped in
 * gzip (zlib inflate, every member of a multi-member file) or zstd (ZSTD_decompressStream, every
 * frame). Compression comes from the magic bytes, never the file name. All memory, the codecs'
 * included, goes through buzz_malloc, and every buffer is fixed-size, so memory stays bounded
 * whatever the input. encoding.c is the only user; it sees raw bytes and decodes them to UTF-8. */
#include "csv/csv_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDStream_advanced: the codec allocates through us */
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define IN_CAP ((size_t)256 << 10) /* compressed bytes read per refill */

struct buzz__csv_source {
    int fd;          /* -1 when closed */
    bool owns_fd;    /* false for stdin */
    bool is_regular; /* a regular file: pread() at `pos`, samples allowed if uncompressed */
    char *name;      /* owned; for messages */
    buzz_compression compression;
    int64_t size;     /* file size in bytes; -1 unknown */
    int64_t pos;      /* next file offset to read (regular files) */
    int64_t consumed; /* raw bytes read from the fd so far */
    bool has_crc;     /* keep crc over every raw byte read */
    uint32_t crc;
    uint8_t head[4];  /* a pipe's magic bytes, read before the codec was known */
    size_t head_pos, head_len;
    uint8_t *in; /* IN_CAP compressed bytes; owned; NULL when uncompressed */
    size_t in_pos, in_len;
    bool is_in_eof;     /* the fd reached its end */
    bool is_done;       /* the decompressed stream ended; reads return 0 */
    bool is_zlib_ready; /* inflateInit2 succeeded: inflateEnd is owed */
    bool is_member_end; /* the last inflate call ended a gzip member (or no byte came yet) */
    size_t zstd_hint;   /* last ZSTD_decompressStream result: 0 = between frames */
    z_stream z;
    ZSTD_DStream *zd; /* owned */
};

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

static buzz_status io_error(const buzz__csv_source *s, int e, const char *what, buzz_error *err)
{
    buzz_pos where = {s->name, 0, 0, -1};
    return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot %s the input: %s", what, strerror(e));
}

static buzz_status nomem(buzz_error *err)
{
    return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening the input");
}

/* Bytes straight from the fd (the compressed bytes when compressed), counted in `consumed`. */
static buzz_status fd_read(buzz__csv_source *s, uint8_t *buf, size_t cap, size_t *out_len,
                           buzz_error *err)
{
    buzz_status st;
    size_t got = 0;
    if (s->is_regular) {
        st = buzz_pread_full(s->fd, buf, cap, s->pos, &got, s->name, err);
        s->pos += (int64_t)got;
    } else {
        st = buzz_read_full(s->fd, buf, cap, &got, s->name, err);
    }
    if (st)
        return st;
    s->consumed += (int64_t)got;
    if (s->has_crc && got)
        s->crc = (uint32_t)crc32(s->crc, buf, (uInt)got);
    if (got < cap)
        s->is_in_eof = true;
    *out_len = got;
    return BUZZ_OK;
}

/* Make s->in hold unread compressed bytes unless the fd is at its end. */
static buzz_status refill_in(buzz__csv_source *s, buzz_error *err)
{
    if (s->in_pos < s->in_len || s->is_in_eof)
        return BUZZ_OK;
    s->in_pos = 0;
    s->in_len = 0;
    return fd_read(s, s->in, IN_CAP, &s->in_len, err);
}

static buzz_status codec_error(const buzz__csv_source *s, const char *codec, const char *detail,
                               buzz_error *err)
{
    buzz_pos where = {s->name, 0, 0, s->consumed};
    return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot decompress the %s input: %s", codec,
                         detail);
}

/* Inflate into buf until it is full or the last member ends. A member end followed by more bytes
 * starts the next member (gzip files may be concatenated, as `cat a.gz b.gz` makes them). */
static buzz_status read_gzip(buzz__csv_source *s, uint8_t *buf, size_t cap, size_t *out_len,
                             buzz_error *err)
{
    size_t n = 0;
    while (n < cap && !s->is_done) {
        buzz_status st = refill_in(s, err);
        if (st)
            return st;
        if (s->in_pos == s->in_len) {
            if (!s->is_member_end)
                return codec_error(s, "gzip", "the file is truncated", err);
            s->is_done = true;
            break;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)(s->in_len - s->in_pos);
        size_t room = cap - n;
        s->z.next_out = buf + n;
        s->z.avail_out = room > UINT32_MAX ? UINT32_MAX : (uInt)room;
        uInt avail_in = s->z.avail_in, avail_out = s->z.avail_out;
        int rc = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_len - s->z.avail_in;
        n += avail_out - s->z.avail_out;
        if (rc == Z_STREAM_END) {
            s->is_member_end = true;
            if (inflateReset(&s->z) != Z_OK)
                return codec_error(s, "gzip", "the decoder cannot restart", err);
            continue;
        }
        if (rc == Z_MEM_ERROR)
            return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory decompressing the input");
        bool has_moved = avail_in != s->z.avail_in || avail_out != s->z.avail_out;
        if (rc == Z_BUF_ERROR && !has_moved)
            return codec_error(s, "gzip", "the decoder made no progress", err); /* never loop */
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            const char *msg = s->z.msg ? s->z.msg : "corrupt data";
            return codec_error(s, "gzip", msg, err);
        }
        if (has_moved)
            s->is_member_end = false;
    }
    *out_len = n;
    return BUZZ_OK;
}

/* Decompress into buf until it is full or the input ends; frames follow each other freely. */
static buzz_status read_zstd(buzz__csv_source *s, uint8_t *buf, size_t cap, size_t *out_len,
                             buzz_error *err)
{
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos < cap && !s->is_done) {
        buzz_status st = refill_in(s, err);
        if (st)
            return st;
        if (s->in_pos == s->in_len && s->zstd_hint == 0) {
            s->is_done = true;
            break;
        }
        ZSTD_inBuffer in = {s->in, s->in_len, s->in_pos};
        size_t before = out.pos, in_before = in.pos;
        size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
        s->in_pos = in.pos;
        if (ZSTD_isError(rc)) {
            if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation)
                return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory decompressing the input");
            return codec_error(s, "zstd", ZSTD_getErrorName(rc), err);
        }
        s->zstd_hint = rc;
        /* No progress and the frame is not over: with no input left to come, truncated. */
        if (out.pos == before && in.pos == in_before && rc != 0) {
            if (s->in_pos == s->in_len && s->is_in_eof)
                return codec_error(s, "zstd", "the file is truncated", err);
            if (s->in_pos < s->in_len)
                return codec_error(s, "zstd", "the decoder made no progress", err);
        }
    }
    *out_len = out.pos;
    return BUZZ_OK;
}

/* Read the first four bytes, pick the codec and set it up. */
static buzz_status detect_compression(buzz__csv_source *s, buzz_error *err)
{
    uint8_t magic[4] = {0};
    size_t got = 0;
    buzz_status st;
    if (s->is_regular) {
        st = buzz_pread_full(s->fd, magic, sizeof magic, 0, &got, s->name, err);
    } else {
        /* A pipe cannot be re-read: keep the bytes for whoever reads first. */
        st = fd_read(s, s->head, sizeof s->head, &got, err);
        s->head_len = got;
        memcpy(magic, s->head, got);
    }
    if (st)
        return st;
    bool is_gzip = got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    bool is_zstd =
        got >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    if (!is_gzip && !is_zstd)
        return BUZZ_OK;
    s->in = buzz_malloc(IN_CAP);
    if (!s->in)
        return nomem(err);
    memcpy(s->in, s->head, s->head_len);
    s->in_len = s->head_len;
    s->head_len = 0;
    if (is_gzip) {
        s->compression = BUZZ_COMPRESSION_GZIP;
        s->z.zalloc = zalloc_fn;
        s->z.zfree = zfree_fn;
        s->z.opaque = NULL;
        s->z.next_in = NULL;
        s->z.avail_in = 0;
        int rc = inflateInit2(&s->z, 15 + 32); /* 32: accept the gzip (and zlib) header */
        if (rc == Z_MEM_ERROR)
            return nomem(err);
        if (rc != Z_OK)
            return codec_error(s, "gzip", "the decoder cannot start", err);
        s->is_zlib_ready = true;
        s->is_member_end = true; /* nothing decoded yet: an empty remainder is not truncation */
    } else {
        s->compression = BUZZ_COMPRESSION_ZSTD;
        ZSTD_customMem mem = {zstd_alloc_fn, zstd_free_fn, NULL};
        s->zd = ZSTD_createDStream_advanced(mem);
        if (!s->zd)
            return nomem(err);
    }
    return BUZZ_OK;
}

buzz_status buzz__csv_source_open(buzz__csv_source **out, const char *path, const char *name,
                                  bool keep_checksum, buzz_error *err)
{
    *out = NULL;
    if (!path)
        return buzz_error_set(err, BUZZ_ERR_ARG, "expected an input path, got none");
    bool is_stdin = strcmp(path, "-") == 0;
    if (!name)
        name = is_stdin ? "stdin" : path;
    buzz_status st = BUZZ_OK;
    buzz__csv_source *s = buzz_calloc(1, sizeof *s);
    if (!s)
        return nomem(err);
    s->fd = -1;
    s->size = -1;
    s->has_crc = keep_checksum;
    s->name = buzz_strndup(name, strlen(name));
    if (!s->name) {
        st = nomem(err);
        goto done;
    }
    if (is_stdin) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            st = io_error(s, errno, "open", err);
            goto done;
        }
        s->owns_fd = true;
    }
    struct stat sb;
    if (fstat(s->fd, &sb) != 0) {
        st = io_error(s, errno, "open", err);
        goto done;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = io_error(s, EISDIR, "open", err);
        goto done;
    }
    if (S_ISREG(sb.st_mode)) {
        s->size = (int64_t)sb.st_size;
        /* stdin redirected from a file may sit at any offset: read it like a pipe. */
        s->is_regular = !is_stdin;
    }
    st = detect_compression(s, err);
done:
    if (st) {
        buzz__csv_source_close(s);
        return st;
    }
    *out = s;
    return BUZZ_OK;
}

buzz_status buzz__csv_source_read(buzz__csv_source *s, uint8_t *buf, size_t cap, size_t *out_len,
                                  buzz_error *err)
{
    *out_len = 0;
    if (s->compression == BUZZ_COMPRESSION_GZIP)
        return read_gzip(s, buf, cap, out_len, err);
    if (s->compression == BUZZ_COMPRESSION_ZSTD)
        return read_zstd(s, buf, cap, out_len, err);
    /* Uncompressed: hand out the magic bytes a pipe left in `head`, then read straight into buf. */
    size_t n = s->head_len - s->head_pos;
    if (n > cap)
        n = cap;
    if (n) {
        memcpy(buf, s->head + s->head_pos, n);
        s->head_pos += n;
    }
    if (n < cap && !s->is_in_eof) {
        size_t got = 0;
        buzz_status st = fd_read(s, buf + n, cap - n, &got, err);
        if (st)
            return st;
        n += got;
    }
    *out_len = n;
    return BUZZ_OK;
}

buzz_status buzz__csv_source_pread(buzz__csv_source *s, int64_t offset, uint8_t *buf, size_t cap,
                                   size_t *out_len, buzz_error *err)
{
    *out_len = 0;
    if (!buzz__csv_source_is_seekable(s))
        return buzz_error_set(err, BUZZ_ERR_ARG,
                              "cannot sample %s: only an uncompressed regular file is seekable",
                              s->name);
    if (offset < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "sample offset must be >= 0, got %lld",
                              (long long)offset);
    return buzz_pread_full(s->fd, buf, cap, offset, out_len, s->name, err);
}

buzz_compression buzz__csv_source_compression(const buzz__csv_source *s)
{
    return s->compression;
}

bool buzz__csv_source_is_seekable(const buzz__csv_source *s)
{
    return s->is_regular && s->compression == BUZZ_COMPRESSION_NONE;
}

int64_t buzz__csv_source_size(const buzz__csv_source *s)
{
    return s->size;
}

uint32_t buzz__csv_source_checksum(const buzz__csv_source *s)
{
    return s->has_crc ? s->crc : 0;
}

int64_t buzz__csv_source_consumed(const buzz__csv_source *s)
{
    return s->consumed;
}

const char *buzz__csv_source_name(const buzz__csv_source *s)
{
    return s->name;
}

void buzz__csv_source_close(buzz__csv_source *s)
{
    if (!s)
        return;
    if (s->is_zlib_ready)
        inflateEnd(&s->z);
    ZSTD_freeDStream(s->zd);
    if (s->owns_fd && s->fd >= 0)
        close(s->fd);
    buzz_free(s->in);
    buzz_free(s->name);
    buzz_free(s);
}
