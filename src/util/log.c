/* util/log.c: leveled logging. Libraries call buzz_log; the level is checked before formatting; the
 * CLI or the server installs the sink (Redis serverLog). Default: nothing is printed. */
#include "buzz/util.h"

#include <stdio.h>
#include <time.h>

static buzz_log_sink g_sink;
static void *g_user;
static buzz_log_level g_min = BUZZ_LOG_OFF;

void buzz_log_set_sink(buzz_log_sink sink, void *user, buzz_log_level min_level)
{
    g_sink = sink;
    g_user = user;
    g_min = sink ? min_level : BUZZ_LOG_OFF;
}

bool buzz_log_enabled(buzz_log_level level)
{
    return g_sink && level >= g_min && level < BUZZ_LOG_OFF;
}

void buzz_log(buzz_log_level level, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (!buzz_log_enabled(level))
        return;
    char line[1024];
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s %s %s ", stamp, names[level], module);
    if (n > 0 && (size_t)n < sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    g_sink(level, module, line, g_user);
}
