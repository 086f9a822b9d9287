/* cli/cancel.c: the signal thread of cli/cancel.h. SIGUSR1 ends it when the command is done. */
#include "cancel.h"

#include <string.h>

static void *signal_main(void *arg)
{
    buzz_cli_cancel *s = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    int sig = 0;
    if (sigwait(&set, &sig) == 0 && sig != SIGUSR1) {
        s->got = sig;
        buzz_query_conn_cancel(s->conn);
    }
    return NULL;
}

void buzz_cli_cancel_block(buzz_cli_cancel *s)
{
    memset(s, 0, sizeof *s);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, &s->old_mask);
}

void buzz_cli_cancel_start(buzz_cli_cancel *s, buzz_query_conn *conn)
{
    s->conn = conn;
    s->got = 0;
    s->has_thread = pthread_create(&s->thread, NULL, signal_main, s) == 0;
}

int buzz_cli_cancel_stop(buzz_cli_cancel *s)
{
    if (s->has_thread) {
        pthread_kill(s->thread, SIGUSR1);
        pthread_join(s->thread, NULL);
        s->has_thread = false;
    }
    return s->got;
}

void buzz_cli_cancel_unblock(buzz_cli_cancel *s)
{
    pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
}
