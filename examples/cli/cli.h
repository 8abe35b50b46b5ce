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

#define CLI_SWITCHES 8
extern const cli_switch cli_switches[CLI_SWITCHES];

/* Parses a switch's value ("ztunnel", "split", "3", "true", "120"). */
bool cli_switch_value(uint32_t id, const char *text, uint64_t *out);

/* Reads a whole file (or stdin for "-") into a NUL-terminated buffer. */
char *cli_read_file(const char *path, size_t *len);

/* path as seen from the directory of file (path itself when absolute or
 * when file has no directory part); the caller frees it. */
char *cli_path_beside(const char *file, const char *path);

/* --now UNIX_SECONDS; false after printing the problem. */
bool cli_parse_now(const char *arg, int64_t *now);

/* Completes a configuration that setting options left with status rc:
 * with --now (has_now), a clock that always reads *now (which must outlive
 * the engine). Returns cfg, or NULL after printing the error and freeing
 * cfg. cfg may be NULL (already reported): NULL. */
zt_config *cli_config_done(zt_config *cfg, int rc, bool has_now, int64_t *now);

/* NAME=PATH, the file read at once so that a script gets its mistakes
 * reported first; the name ends at the first '=' (at the last with
 * last_eq: a URI may hold '=' in its query). Sets *name_len and *text
 * (the caller frees it); false after printing the problem. */
bool cli_named_file(const char *opt, const char *arg, bool last_eq,
                    size_t *name_len, char **text, size_t *len);

/* --trust-bundle TD=PATH: the trust domain and its document (PEM roots or
 * a SPIFFE bundle: the library tells them apart). */
typedef struct cli_bundle {
  const char *td; /* td_len bytes of the argument */
  size_t td_len;
  const char *path;
  char *text;
  size_t len;
} cli_bundle;

/* Reads the bundle of one --trust-bundle argument into set[*n] and counts
 * it; the same trust domain twice is a usage error. false after printing
 * the problem. set has room for every argument. */
bool cli_bundle_add(cli_bundle *set, int *n, const char *arg);

/* Hands the bundles to the engine before policies load. A document the
 * library refuses is printed as PATH: error: MESSAGE; returns false. */
bool cli_bundle_supply(zt_engine *engine, const cli_bundle *set, int n);

void cli_bundle_free(cli_bundle *set, int n);

int cmd_check(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_svid(int argc, char **argv);

#endif
