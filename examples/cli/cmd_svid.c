/* ztauth svid verify: checks one certificate chain as an X.509-SVID
 * against trust bundles (cli.md) and prints one JSON object. The engine
 * holds only the bundles: no policy is involved. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "value.h"

enum {
  OPT_TRUST_BUNDLE = 256,
  OPT_NOW,
  OPT_ROLE,
  OPT_STRICT_EKU,
  OPT_LENIENT,
  OPT_HELP,
};

typedef struct svid_opts {
  cli_bundle *bundles; /* --trust-bundle, in order */
  int nbundles;
  bool has_now, strict_eku, lenient;
  int64_t now;
  uint32_t role; /* ZT_ROLE_* */
  const char *chain;
} svid_opts;

static int svid_usage(FILE *out) {
  fprintf(out,
          "usage: ztauth svid verify --trust-bundle TD=PATH... [--now T]\n"
          "                          [--role client|server] [--strict-eku]\n"
          "                          [--spiffe-lenient] CHAIN.pem\n"
          "  CHAIN.pem: PEM or DER, leaf first (\"-\" = stdin). Prints\n"
          "  {\"valid\": BOOL, \"spiffe_id\": ID|null, \"error\": TOKEN|null}"
          "\n  (and \"message\" when invalid); exit 0 valid, 1 invalid, 2 "
          "usage.\n");
  return out == stdout ? CLI_OK : CLI_USAGE;
}

static bool parse_role(const char *arg, uint32_t *role) {
  if (strcmp(arg, "client") == 0 || strcmp(arg, "server") == 0) {
    *role = arg[0] == 's' ? ZT_ROLE_SERVER : ZT_ROLE_CLIENT;
    return true;
  }
  fprintf(stderr, "ztauth: --role: expected client|server, got \"%s\"\n", arg);
  return false;
}

static bool parse_one(svid_opts *o, int c, const char *arg) {
  switch (c) {
  case OPT_TRUST_BUNDLE:
    return cli_bundle_add(o->bundles, &o->nbundles, arg);
  case OPT_NOW:
    o->has_now = true;
    return cli_parse_now(arg, &o->now);
  case OPT_ROLE:
    return parse_role(arg, &o->role);
  case OPT_STRICT_EKU:
    o->strict_eku = true;
    return true;
  case OPT_LENIENT:
    o->lenient = true;
    return true;
  default:
    return false;
  }
}

/* CLI_OK to go on; otherwise the exit status (usage printed or not). */
static int parse_args(svid_opts *o, int argc, char **argv) {
  static const struct option opts[] = {
      {"trust-bundle", required_argument, NULL, OPT_TRUST_BUNDLE},
      {"now", required_argument, NULL, OPT_NOW},
      {"role", required_argument, NULL, OPT_ROLE},
      {"strict-eku", no_argument, NULL, OPT_STRICT_EKU},
      {"spiffe-lenient", no_argument, NULL, OPT_LENIENT},
      {"help", no_argument, NULL, OPT_HELP},
      {NULL, 0, NULL, 0}};
  o->bundles = calloc((size_t)argc, sizeof(*o->bundles));
  if (!o->bundles)
    return CLI_USAGE;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h' || c == OPT_HELP) {
      svid_usage(stdout);
      return -1;
    }
    if (!parse_one(o, c, optarg)) /* getopt named an unknown option */
      return c == '?' || c == ':' ? svid_usage(stderr) : CLI_USAGE;
  }
  if (optind != argc - 1)
    return svid_usage(stderr);
  if (o->nbundles == 0) {
    fprintf(stderr, "ztauth: svid verify: at least one --trust-bundle "
                    "TD=PATH is required\n");
    return CLI_USAGE;
  }
  o->chain = argv[optind];
  return CLI_OK;
}

static zt_config *configure(svid_opts *o) {
  zt_config *cfg = NULL;
  int rc = zt_config_new(&cfg, NULL);
  if (rc == ZT_OK)
    rc = zt_config_set_option(cfg, ZT_OPT_SVID_STRICT_EKU, o->strict_eku);
  if (rc == ZT_OK)
    rc = zt_config_set_option(cfg, ZT_OPT_SPIFFE_LENIENT, o->lenient);
  return cli_config_done(cfg, rc, o->has_now, &o->now);
}

/* An engine holding the bundles, and its snapshot; NULL after printing. */
static zt_engine *open_engine(svid_opts *o, zt_snapshot **snap) {
  zt_engine *engine = NULL;
  zt_diag d;
  zt_config *cfg = configure(o);
  int rc = cfg ? zt_engine_new(&engine, cfg, &d) : ZT_ENOMEM;
  zt_config_free(cfg);
  if (rc != ZT_OK) {
    if (cfg)
      fprintf(stderr, "ztauth: %s\n", zt_strerror(rc));
    return NULL;
  }
  if (!cli_bundle_supply(engine, o->bundles, o->nbundles)) {
    zt_engine_free(engine);
    return NULL;
  }
  rc = zt_engine_acquire(engine, snap);
  if (rc != ZT_OK) {
    fprintf(stderr, "ztauth: %s\n", zt_strerror(rc));
    zt_engine_free(engine);
    return NULL;
  }
  return engine;
}

/* {"valid", "spiffe_id", "error"} and, when invalid, "message". An
 * invalid result always names an error, even a library failure. */
static bool print_result(const zt_svid *svid, bool valid) {
  vpool *p = vpool_new();
  value *o = value_new(p, V_OBJECT);
  const char *error = svid->error_name && svid->error_name[0] ? svid->error_name
                                                              : "svid_internal";
  const char *message = svid->message && svid->message[0]
                            ? svid->message
                            : "the library could not verify the chain";
  value_set(p, o, "valid", value_bool(p, valid));
  value_set(p, o, "spiffe_id",
            valid ? value_str(p, svid->spiffe_id, svid->spiffe_id_len)
                  : value_new(p, V_NULL));
  value_set(p, o, "error", valid ? value_new(p, V_NULL) : value_cstr(p, error));
  if (!valid)
    value_set(p, o, "message", value_cstr(p, message));
  vbuf line = {0};
  value_write(&line, o, true);
  vbuf_add(&line, "\n", 1);
  bool ok =
      fwrite(line.p, 1, line.len, stdout) == line.len && fflush(stdout) == 0;
  vbuf_free(&line);
  vpool_free(p);
  if (!ok)
    fprintf(stderr, "ztauth: writing the result: %s\n", strerror(errno));
  return ok;
}

static int verify(svid_opts *o) {
  size_t len = 0;
  char *chain = cli_read_file(o->chain, &len);
  if (!chain) {
    fprintf(stderr, "%s: error: %s\n",
            strcmp(o->chain, "-") == 0 ? "<stdin>" : o->chain, strerror(errno));
    return CLI_USAGE;
  }
  zt_snapshot *snap = NULL;
  zt_engine *engine = open_engine(o, &snap);
  int rc = CLI_USAGE;
  if (engine) {
    zt_svid svid;
    memset(&svid, 0, sizeof(svid));
    bool valid = zt_svid_verify(snap, chain, len, o->role, &svid) == ZT_OK &&
                 svid.error == ZT_SVID_OK;
    rc = !print_result(&svid, valid) ? CLI_USAGE : valid ? CLI_OK : CLI_DENIED;
  }
  zt_snapshot_release(snap);
  zt_engine_free(engine);
  free(chain);
  return rc;
}

int cmd_svid(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "verify") != 0) {
    if (argc >= 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
      return svid_usage(stdout);
    if (argc >= 2)
      fprintf(stderr, "ztauth: svid: unknown command \"%s\"\n", argv[1]);
    return svid_usage(stderr);
  }
  svid_opts o;
  memset(&o, 0, sizeof(o));
  o.role = ZT_ROLE_CLIENT;
  int rc = parse_args(&o, argc - 1, argv + 1);
  if (rc == CLI_OK)
    rc = verify(&o);
  else if (rc < 0) /* --help */
    rc = CLI_OK;
  cli_bundle_free(o.bundles, o.nbundles);
  free(o.bundles);
  return rc;
}
