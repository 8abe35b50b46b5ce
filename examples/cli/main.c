/* ztauth: load, lint, test and decide with Istio security policies from
 * the command line. The interface is fixed by cli.md. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out, "usage: ztauth <command> [options]\n"
               "\n"
               "commands:\n"
               "  check [-p PATH]... [--mesh PATH] [--now T] [--explain] "
               "REQUEST.json\n"
               "      decide requests (JSON; \"-\" = stdin), one result line "
               "each\n"
               "      more options: --l4 envoy|ztunnel, --request-principals "
               "string|split,\n"
               "      --trusted-proxies N, --multiple-custom-providers, "
               "--jwks URI=PATH,\n"
               "      --jwt-clock-skew SECONDS, --jwt-failure-status STATUS,\n"
               "      --trust-bundle TD=PATH, --svid-strict-eku, "
               "--spiffe-lenient\n"
               "  lint [--mesh PATH] [--verbose] PATH...\n"
               "      validate policy files or directories as Istio does\n"
               "  policies [--mesh PATH] -p PATH...\n"
               "      load policies and list what applies where\n"
               "  svid verify --trust-bundle TD=PATH... [--now T] "
               "[--role client|server] CHAIN\n"
               "      verify a certificate chain as an X.509-SVID\n"
               "  test FILE...\n"
               "      run policy test files (YAML), report TAP\n"
               "  version\n"
               "      print the library version\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "check") == 0)
    return cmd_check(argc - 1, argv + 1);
  if (strcmp(cmd, "test") == 0)
    return cmd_test(argc - 1, argv + 1);
  if (strcmp(cmd, "lint") == 0)
    return cmd_lint(argc - 1, argv + 1);
  if (strcmp(cmd, "policies") == 0)
    return cmd_policies(argc - 1, argv + 1);
  if (strcmp(cmd, "svid") == 0)
    return cmd_svid(argc - 1, argv + 1);
  if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
    printf("ztauth %s\n", zt_version());
    return CLI_OK;
  }
  if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
      strcmp(cmd, "-h") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  fprintf(stderr, "ztauth: unknown command \"%s\"\n", cmd);
  usage(stderr);
  return CLI_USAGE;
}
