/* bench/rss_run.c: runs one command in a child process and prints its wall time and peak RSS, so
 * that every engine of a benchmark (Buzz's CLI, DuckDB's C API program, Polars under Node.js) is
 * measured the same way, from outside, with nothing of the measuring process in the numbers.
 *
 *   rss_run LOG COMMAND [ARG...]
 *
 * The child's stdout and stderr go to LOG (truncated first), so this program's stdout holds only
 * the measurement: one line "<seconds> <peak RSS MiB>". Seconds are wall time from just before
 * fork to the end of wait4 (process start-up, library loading and exit included: what a user of
 * each tool waits for). Peak RSS is the child's ru_maxrss from wait4, i.e. the largest resident
 * set of that one process over its life (every thread included; the engines measured here start
 * no further processes). Exit status 0 when the child exited 0; otherwise 1, with the reason on
 * stderr and the measurement line not printed, so a failed run is never mistaken for a timing.
 * The environment is passed on unchanged (bench/run sets POLARS_MAX_THREADS this way). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: rss_run LOG COMMAND [ARG...]\n");
        return 2;
    }
    const char *log_path = argv[1];
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        fprintf(stderr, "rss_run: %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rss_run: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        /* dup2 clears O_CLOEXEC on the copies, so the log stays open across exec. */
        if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
            _exit(127);
        execvp(argv[2], &argv[2]);
        fprintf(stderr, "rss_run: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    close(log_fd);
    int status = 0;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    double dt = now_s() - t0;
    if (got < 0) {
        fprintf(stderr, "rss_run: wait4: %s\n", strerror(errno));
        return 1;
    }
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "rss_run: %s killed by signal %d (%s); output in %s\n", argv[2],
                WTERMSIG(status), strsignal(WTERMSIG(status)), log_path);
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "rss_run: %s exited with status %d; output in %s\n", argv[2],
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, log_path);
        return 1;
    }
    /* ru_maxrss is in KiB on Linux. */
    printf("%.3f %.1f\n", dt, (double)ru.ru_maxrss / 1024.0);
    return 0;
}
