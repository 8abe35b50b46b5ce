/* The ztauth command: shared helpers of its subcommands. */
#ifndef ZTAUTH_CLI_H
#define ZTAUTH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ztauth.h"

#define CLI_OK 0
#define CLI_DENIED 1 /* also: invalid documents */
#define CLI_USAGE 2

/* Prints a diagnostic as FILE:LINE:COL: SEVERITY: [KIND NS/NAME: ]MESSAGE */
void cli_print_diag(FILE *out, const zt_diag *d);

/* Builds a configuration, applying --mesh PATH when given. Prints the
 * problem and returns NULL on failure. */
zt_config *cli_config(const char *mesh_path);

/* Creates an engine (with --mesh PATH applied when given) and a loader
 * reporting to fn. Prints the problem and returns false on failure. */
bool cli_open(const char *mesh_path, zt_report_fn fn, void *ctx,
              zt_engine **engine, zt_loader **loader);

/* The same, from a configuration the caller keeps (the engine copies it). */
bool cli_open_config(const zt_config *cfg, zt_report_fn fn, void *ctx,
                     zt_engine **engine, zt_loader **loader);

/* A compatibility switch or setting (ZT_OPT_*), as `check` flags and
 * `test` files name it. */
typedef struct cli_switch {
  uint32_t id;
  const char *flag;   /* --FLAG of `ztauth check` */
  const char *key;    /* key under `options:` in a test file */
  const char *values; /* the accepted values, for messages */
} cli_switch;

#define CLI_SWITCHES 6
extern const cli_switch cli_switches[CLI_SWITCHES];

/* Parses a switch's value ("ztunnel", "split", "3", "true", "120"). */
bool cli_switch_value(uint32_t id, const char *text, uint64_t *out);

/* Reads a whole file (or stdin for "-") into a NUL-terminated buffer. */
char *cli_read_file(const char *path, size_t *len);

int cmd_check(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_test(int argc, char **argv);

#endif
