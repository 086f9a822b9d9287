/* util/file.c: durable file output and careful reads. Atomic files follow Redis rdbSave and SQLite
 * unixSync: write "<dest>.tmp.<pid>.<n>" beside the destination, fsync, rename over it, fsync the
 * directory; on any failure the temp file is unlinked. Reads loop over EINTR and short counts. */
#define _GNU_SOURCE
#include "buzz/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static atomic_uint tmp_counter;

buzz_status buzz_atomic_file_open(buzz_atomic_file *f, const char *dest_path, buzz_error *err)
{
    buzz_pos where = {dest_path, 0, 0, -1};
    f->fd = -1;
    f->is_committed = false;
    f->dest_path = NULL;
    f->tmp_path = NULL;
    size_t dlen = strlen(dest_path);
    f->dest_path = buzz_strndup(dest_path, dlen);
    f->tmp_path = buzz_malloc(dlen + 48);
    if (!f->dest_path || !f->tmp_path) {
        buzz_atomic_file_abort(f);
        return buzz_error_set(err, BUZZ_ERR_NOMEM, "out of memory opening an output file");
    }
    unsigned n = atomic_fetch_add(&tmp_counter, 1);
    snprintf(f->tmp_path, dlen + 48, "%s.tmp.%ld.%u", dest_path, (long)getpid(), n);
    f->fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        int e = errno;
        buzz_free(f->tmp_path);
        f->tmp_path = NULL; /* nothing to unlink */
        buzz_atomic_file_abort(f);
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot create the output file: %s",
                             strerror(e));
    }
    return BUZZ_OK;
}

buzz_status buzz_atomic_file_write(buzz_atomic_file *f, const void *p, size_t n, buzz_error *err)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(f->fd, b, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            buzz_pos where = {f->dest_path, 0, 0, -1};
            return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot write the output file: %s",
                                 strerror(errno));
        }
        b += w;
        n -= (size_t)w;
    }
    return BUZZ_OK;
}

static buzz_status fsync_dir(const char *path, buzz_error *err)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return BUZZ_OK; /* cannot name it; the rename itself is still atomic */
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return BUZZ_OK;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL && e != EROFS) {
        buzz_pos where = {dir, 0, 0, -1};
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot sync the output directory: %s",
                             strerror(e));
    }
    return BUZZ_OK;
}

buzz_status buzz_atomic_file_commit(buzz_atomic_file *f, buzz_error *err)
{
    buzz_pos where = {f->dest_path, 0, 0, -1};
    if (f->fd < 0)
        return buzz_error_set(err, BUZZ_ERR_ARG, "output file is not open");
    if (fsync(f->fd) != 0 && errno != EINVAL)
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot flush the output file to disk: %s",
                             strerror(errno));
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0)
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot close the output file: %s",
                             strerror(errno));
    if (rename(f->tmp_path, f->dest_path) != 0)
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot move the output file into place: %s",
                             strerror(errno));
    f->is_committed = true;
    return fsync_dir(f->dest_path, err);
}

void buzz_atomic_file_abort(buzz_atomic_file *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    if (f->tmp_path && !f->is_committed)
        unlink(f->tmp_path);
    buzz_free(f->tmp_path);
    buzz_free(f->dest_path);
    f->tmp_path = NULL;
    f->dest_path = NULL;
}

buzz_status buzz_pread_full(int fd, void *p, size_t n, int64_t offset, size_t *out_read,
                            const char *path, buzz_error *err)
{
    uint8_t *b = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)(offset + (int64_t)got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            buzz_pos where = {path, 0, 0, offset + (int64_t)got};
            return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot read the file: %s",
                                 strerror(errno));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *out_read = got;
    return BUZZ_OK;
}

buzz_status buzz_read_full(int fd, void *p, size_t n, size_t *out_read, const char *path,
                           buzz_error *err)
{
    uint8_t *b = p;
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            buzz_pos where = {path, 0, 0, -1};
            return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot read the input: %s",
                                 strerror(errno));
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    *out_read = got;
    return BUZZ_OK;
}

buzz_status buzz_read_some(int fd, void *p, size_t n, size_t *out_read, bool *out_eof,
                           const char *path, buzz_error *err)
{
    *out_read = 0;
    *out_eof = false;
    ssize_t r = read(fd, p, n);
    if (r < 0) {
        if (errno == EINTR)
            return BUZZ_OK;
        buzz_pos where = {path, 0, 0, -1};
        return buzz_error_at(err, BUZZ_ERR_IO, &where, "cannot read the input: %s",
                             strerror(errno));
    }
    *out_read = (size_t)r;
    *out_eof = r == 0;
    return BUZZ_OK;
}

int64_t buzz_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
