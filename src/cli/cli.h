/* cli/cli.h: shared pieces of the `buzz` command line: exit codes, error printing, and the entry
 * points of each subcommand. Only cli/ prints or exits. */
#ifndef BUZZ_CLI_H
#define BUZZ_CLI_H

#include "buzz/util.h"

/* Exit codes, the same for every subcommand. */
enum {
    BUZZ_EXIT_OK = 0,       /* success */
    BUZZ_EXIT_DATA = 1,     /* bad input or data error */
    BUZZ_EXIT_USAGE = 2,    /* bad command line */
    BUZZ_EXIT_INTERNAL = 3, /* a Buzz bug or an environment failure (out of memory, ...) */
};

/* Map a status to an exit code. */
int buzz_cli_exit_code(buzz_status st);
/* Print "buzz <cmd>: <error>" on stderr; returns the exit code for err->code. */
int buzz_cli_report(const char *cmd, const buzz_error *err);
/* Print a usage error and a pointer to --help on stderr; returns BUZZ_EXIT_USAGE. */
int buzz_cli_usage_error(const char *cmd, const char *fmt, ...) BUZZ_PRINTF(2, 3);


int buzz_cli_sniff(int argc, char **argv);
int buzz_cli_convert(int argc, char **argv);
int buzz_cli_query(int argc, char **argv);
int buzz_cli_profile(int argc, char **argv);

#endif
