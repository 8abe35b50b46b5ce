/* ztauth lint: every problem as FILE:LINE:COL: error: ..., exit 0/1/2. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct lint_out {
  bool verbose;
} lint_out;

static void on_report(void *ctx, const zt_diag *d) {
  const lint_out *o = ctx;
  if (d->severity == ZT_SEVERITY_NOTE && !o->verbose)
    return;
  cli_print_diag(stdout, d);
}

static int lint_usage(void) {
  fprintf(stderr, "usage: ztauth lint [--mesh PATH] [--verbose] PATH...\n");
  return CLI_USAGE;
}

int cmd_lint(int argc, char **argv) {
  static const struct option opts[] = {{"mesh", required_argument, NULL, 'm'},
                                       {"verbose", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *mesh = NULL;
  lint_out out = {false};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "m:vh", opts, NULL)) != -1) {
    if (c == 'm')
      mesh = optarg;
    else if (c == 'v')
      out.verbose = true;
    else
      return lint_usage();
  }
  if (optind >= argc)
    return lint_usage();
  zt_engine *engine;
  zt_loader *loader;
  zt_diag d;
  if (!cli_open(mesh, on_report, &out, &engine, &loader))
    return CLI_USAGE;
  for (int i = optind; i < argc; i++)
    (void)zt_loader_add_path(loader, argv[i], strlen(argv[i]), &d);
  int rc = zt_loader_validate(loader, &d);
  uint64_t errors = zt_loader_error_count(loader);
  fflush(stdout); /* the problems first, then the count */
  if (out.verbose || errors)
    fprintf(errors ? stderr : stdout, "%llu error%s\n",
            (unsigned long long)errors, errors == 1 ? "" : "s");
  zt_loader_free(loader);
  zt_engine_free(engine);
  return rc == ZT_OK ? CLI_OK : CLI_DENIED;
}
