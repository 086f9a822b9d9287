/* cli/cancel.h: Ctrl-C and SIGTERM for the subcommands that run DuckDB work on a query connection
 * (query, profile). buzz_query_conn_cancel must not run inside a signal handler, so SIGINT and
 * SIGTERM are blocked in the main thread before the engine starts (DuckDB's threads inherit the
 * mask) and a thread of our own takes them with sigwait and cancels the connection. */
#ifndef BUZZ_CLI_CANCEL_H
#define BUZZ_CLI_CANCEL_H

#include "buzz/query.h"

#include <pthread.h>
#include <signal.h>

typedef struct buzz_cli_cancel {
    sigset_t old_mask;
    buzz_query_conn *conn;
    volatile sig_atomic_t got; /* the signal that arrived; 0 = none */
    pthread_t thread;
    bool has_thread;
} buzz_cli_cancel;

/* Block SIGINT, SIGTERM and SIGUSR1 (the thread's own stop signal) in the calling thread. Call
 * before opening the engine. */
void buzz_cli_cancel_block(buzz_cli_cancel *s);
/* Start the thread that cancels conn on SIGINT/SIGTERM (without it, the signals stay blocked
 * until buzz_cli_cancel_unblock). */
void buzz_cli_cancel_start(buzz_cli_cancel *s, buzz_query_conn *conn);
/* Stop and join the thread; returns the signal that arrived (0 = none). */
int buzz_cli_cancel_stop(buzz_cli_cancel *s);
/* Restore the mask saved by buzz_cli_cancel_block (after closing the engine). */
void buzz_cli_cancel_unblock(buzz_cli_cancel *s);

#endif
