/* cli/opts.h: command-line parsing shared by the subcommands. */
#ifndef BUZZ_CLI_OPTS_H
#define BUZZ_CLI_OPTS_H

#include "buzz/csv.h"
#include "buzz/types.h"
#include "cli.h"

/* If argv[*i] is a CSV reading option, apply it to o (advancing *i past a separate value) and
 * return 1; 0 if it is not one; a negative exit code (already printed) on a bad value. */
int buzz_cli_parse_csv_option(const char *cmd, int argc, char **argv, int *i,
                              buzz_csv_options *o);
const char *buzz_cli_csv_options_help(void);
/* JSON key of an irregularity kind ("too_few_fields", ...), shared by sniff and convert. */
const char *buzz_cli_issue_key(buzz_csv_issue_kind k);

/* Typing options: --null TOKEN (repeatable; replaces the default set), --date-order ymd|dmy|mdy,
 * --bool-digits. nulls must be initialised by buzz_cli_type_options_init. */
typedef struct buzz_cli_type_options {
    bool has_nulls;
    buzz_null_tokens nulls;
    buzz_infer_options infer;
} buzz_cli_type_options;
void buzz_cli_type_options_init(buzz_cli_type_options *t);
int buzz_cli_parse_type_option(const char *cmd, int argc, char **argv, int *i,
                               buzz_cli_type_options *t);
/* Point t->infer.nulls at t->nulls when --null was given (call after parsing). */
void buzz_cli_type_options_finish(buzz_cli_type_options *t, const buzz_csv_options *o);
const char *buzz_cli_type_options_help(void);
bool buzz_cli_parse_u64(const char *s, uint64_t *out);
/* Seconds as "5", "0.5", "2.25" (at most three decimals count) into milliseconds, 1 ms to a day;
 * false on anything else. */
bool buzz_cli_parse_seconds(const char *s, int64_t *out_ms);
/* The DuckDB engine options that `query` and `profile` share: --memory-limit MiB (16 to 2^30) and
 * --threads N (1 to 64), with their value v. Returns 1 when opt is one of them and was stored in
 * *qo, 0 when it is not, or a usage error's exit code (negated). */
struct buzz_query_options;
int buzz_cli_parse_engine_option(const char *cmd, const char *opt, const char *v,
                                 struct buzz_query_options *qo);

#endif
