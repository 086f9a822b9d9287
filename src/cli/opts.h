/* cli/opts.h: command-line parsing shared by the subcommands. */
#ifndef BUZZ_CLI_OPTS_H
#define BUZZ_CLI_OPTS_H

#include "buzz/csv.h"
#include "cli.h"

/* If argv[*i] is a CSV reading option, apply it to o (advancing *i past a separate value) and
 * return 1; 0 if it is not one; a negative exit code (already printed) on a bad value. */
int buzz_cli_parse_csv_option(const char *cmd, int argc, char **argv, int *i,
                              buzz_csv_options *o);
const char *buzz_cli_csv_options_help(void);
bool buzz_cli_parse_u64(const char *s, uint64_t *out);

#endif
