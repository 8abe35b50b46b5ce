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

/* Reads a whole file (or stdin for "-") into a NUL-terminated buffer. */
char *cli_read_file(const char *path, size_t *len);

int cmd_lint(int argc, char **argv);
int cmd_policies(int argc, char **argv);

#endif
