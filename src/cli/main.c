/* cli/main.c: the `buzz` binary. Dispatches to one subcommand per file in cli/. Only subcommands that
 * exist are listed in the help. Exit codes: 0 ok, 1 bad input/data, 2 usage, 3 internal. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct subcommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} subcommand;

static const subcommand commands[] = {
    {"convert", "convert CSV files into typed, compressed Parquet (or clean CSV)", buzz_cli_convert},
    {"profile", "profile the columns of a Parquet file (types, nulls, values, histograms)",
     buzz_cli_profile},
    {"query", "run one sandboxed SQL query (DuckDB) over Parquet files", buzz_cli_query},
    {"sniff", "detect a CSV file's encoding, dialect, header and columns", buzz_cli_sniff},
    {NULL, NULL, NULL},
};

static void print_help(FILE *out)
{
    fprintf(out, "buzz %s: turn huge CSV files into typed Parquet and ask questions about them.\n\n"
                 "Usage: buzz <command> [options]\n\nCommands:\n",
            BUZZ_VERSION);
    for (size_t i = 0; commands[i].name; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nOptions:\n  -h, --help     show this help\n  --version      show the version\n\n"
                 "Run 'buzz <command> --help' for a command's options.\n"
                 "Exit codes: 0 ok, 1 bad input or data, 2 usage error, 3 internal error.\n");
}

int buzz_cli_exit_code(buzz_status st)
{
    switch (st) {
    case BUZZ_OK:
        return BUZZ_EXIT_OK;
    case BUZZ_ERR_PARSE:
    case BUZZ_ERR_VALUE:
    case BUZZ_ERR_LIMIT:
    case BUZZ_ERR_IO:
    case BUZZ_ERR_CANCELLED:
        return BUZZ_EXIT_DATA;
    case BUZZ_ERR_ARG:
        return BUZZ_EXIT_USAGE;
    case BUZZ_ERR_NOMEM:
    case BUZZ_ERR_INTERNAL:
        return BUZZ_EXIT_INTERNAL;
    }
    return BUZZ_EXIT_INTERNAL;
}

int buzz_cli_report(const char *cmd, const buzz_error *err)
{
    char msg[1024];
    fprintf(stderr, "buzz %s: %s\n", cmd, buzz_error_format(err, msg, sizeof msg));
    return buzz_cli_exit_code(err->code);
}

int buzz_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "buzz %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'buzz %s --help' for usage.\n", cmd);
    return BUZZ_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return BUZZ_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return BUZZ_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("buzz %s\n", BUZZ_VERSION);
        return BUZZ_EXIT_OK;
    }
    for (size_t i = 0; commands[i].name; i++) {
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "buzz: unknown command \"%.40s\"\n", cmd);
    print_help(stderr);
    return BUZZ_EXIT_USAGE;
}
