/* ztauth check: decides requests described in JSON (cli.md) against a
 * policy set, one result object per line. Every request is checked before
 * any is decided, so a usage error (exit 2) prints no partial results.
 * Key sets for jwksUri (--jwks URI=PATH) and trust bundles (--trust-bundle
 * TD=PATH) come from files: the library never fetches, the host hands it
 * the documents. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "request.h"

enum {
  OPT_MESH = 256,
  OPT_TRUST_BUNDLE,
  OPT_JWKS,
  OPT_NOW,
  OPT_EXPLAIN,
  OPT_SWITCH, /* + the switch's index in cli_switches */
};

/* --jwks URI=PATH: the document is read while the options are parsed, so
 * a missing file is reported before anything else happens. */
typedef struct jwks_file {
  const char *uri, *path;
  size_t uri_len, len;
  char *text;
} jwks_file;

typedef struct check_opts {
  const char **paths; /* -p, in order */
  int npaths;
  jwks_file *jwks; /* --jwks, in order */
  int njwks;
  cli_bundle *bundles; /* --trust-bundle, in order */
  int nbundles;
  const char *mesh;
  const char *input;
  bool explain, has_now;
  bool many; /* REQUEST.json holds an array: name requests by index */
  int64_t now;
  bool has_switch[CLI_SWITCHES];
  uint64_t switches[CLI_SWITCHES];
} check_opts;

static int check_usage(void) {
  fprintf(stderr,
          "usage: ztauth check [-p PATH]... [--mesh PATH] [--now UNIX_SECONDS]"
          " [--explain]\n"
          "                    [--l4 envoy|ztunnel] [--request-principals "
          "string|split]\n"
          "                    [--trusted-proxies N] "
          "[--multiple-custom-providers]\n"
          "                    [--jwks URI=PATH]... [--jwt-clock-skew "
          "SECONDS]\n"
          "                    [--jwt-failure-status STATUS] "
          "[--trust-bundle TD=PATH]...\n"
          "                    [--svid-strict-eku] [--spiffe-lenient] "
          "REQUEST.json\n");
  return CLI_USAGE;
}

static bool add_jwks(check_opts *o, const char *arg) {
  jwks_file *f = &o->jwks[o->njwks];
  if (!cli_named_file("jwks", arg, true, &f->uri_len, &f->text, &f->len))
    return false;
  f->uri = arg;
  f->path = arg + f->uri_len + 1;
  for (int i = 0; i < o->njwks; i++) {
    if (o->jwks[i].uri_len == f->uri_len &&
        memcmp(o->jwks[i].uri, f->uri, f->uri_len) == 0) {
      fprintf(stderr, "ztauth: --jwks: %.*s given twice\n", (int)f->uri_len,
              f->uri);
      free(f->text);
      return false;
    }
  }
  o->njwks++;
  return true;
}

static bool parse_switch(check_opts *o, int index, const char *arg) {
  const cli_switch *s = &cli_switches[index];
  if (!arg) /* a flag without a value switches on */
    arg = "true";
  if (!cli_switch_value(s->id, arg, &o->switches[index])) {
    fprintf(stderr, "ztauth: --%s: expected %s, got \"%s\"\n", s->flag,
            s->values, arg);
    return false;
  }
  o->has_switch[index] = true;
  return true;
}

static bool parse_one(check_opts *o, int c, const char *arg) {
  switch (c) {
  case 'p':
    o->paths[o->npaths++] = arg;
    return true;
  case OPT_MESH:
    o->mesh = arg;
    return true;
  case OPT_TRUST_BUNDLE:
    return cli_bundle_add(o->bundles, &o->nbundles, arg);
  case OPT_JWKS:
    return add_jwks(o, arg);
  case OPT_NOW:
    o->has_now = true;
    return cli_parse_now(arg, &o->now);
  case OPT_EXPLAIN:
    o->explain = true;
    return true;
  default:
    if (c >= OPT_SWITCH && c < OPT_SWITCH + CLI_SWITCHES)
      return parse_switch(o, c - OPT_SWITCH, arg);
    return false;
  }
}

/* CLI_OK, or CLI_USAGE after printing the usage or the problem. */
static int parse_args(check_opts *o, int argc, char **argv) {
  static const struct option opts[] = {
      {"policy", required_argument, NULL, 'p'},
      {"mesh", required_argument, NULL, OPT_MESH},
      {"trust-bundle", required_argument, NULL, OPT_TRUST_BUNDLE},
      {"jwks", required_argument, NULL, OPT_JWKS},
      {"now", required_argument, NULL, OPT_NOW},
      {"explain", no_argument, NULL, OPT_EXPLAIN},
      {"l4", required_argument, NULL, OPT_SWITCH + 0},
      {"request-principals", required_argument, NULL, OPT_SWITCH + 1},
      {"trusted-proxies", required_argument, NULL, OPT_SWITCH + 2},
      {"multiple-custom-providers", no_argument, NULL, OPT_SWITCH + 3},
      {"jwt-clock-skew", required_argument, NULL, OPT_SWITCH + 4},
      {"jwt-failure-status", required_argument, NULL, OPT_SWITCH + 5},
      {"svid-strict-eku", no_argument, NULL, OPT_SWITCH + 6},
      {"spiffe-lenient", no_argument, NULL, OPT_SWITCH + 7},
      {NULL, 0, NULL, 0}};
  int c;
  o->paths = calloc((size_t)argc, sizeof(*o->paths));
  o->jwks = calloc((size_t)argc, sizeof(*o->jwks));
  o->bundles = calloc((size_t)argc, sizeof(*o->bundles));
  if (!o->paths || !o->jwks || !o->bundles)
    return CLI_USAGE;
  optind = 1;
  while ((c = getopt_long(argc, argv, "p:", opts, NULL)) != -1)
    if (!parse_one(o, c, optarg)) /* getopt named an unknown option */
      return c == '?' || c == ':' ? check_usage() : CLI_USAGE;
  if (optind != argc - 1)
    return check_usage();
  o->input = argv[optind];
  return CLI_OK;
}

/* --mesh first, so flags override what the mesh file says. */
static zt_config *configure(check_opts *o) {
  zt_config *cfg = cli_config(o->mesh);
  int rc = ZT_OK;
  for (int i = 0; cfg && rc == ZT_OK && i < CLI_SWITCHES; i++)
    if (o->has_switch[i])
      rc = zt_config_set_option(cfg, cli_switches[i].id, o->switches[i]);
  return cli_config_done(cfg, rc, o->has_now, &o->now);
}

static void on_report(void *ctx, const zt_diag *d) {
  if (d->severity == ZT_SEVERITY_NOTE)
    return;
  if (d->severity == ZT_SEVERITY_ERROR)
    ++*(int *)ctx;
  cli_print_diag(stderr, d);
}

/* Hands the engine the --jwks documents. An invalid one is a load error
 * naming its file. */
static bool supply_jwks(const check_opts *o, zt_engine *engine) {
  for (int i = 0; i < o->njwks; i++) {
    const jwks_file *f = &o->jwks[i];
    zt_diag d;
    if (zt_engine_set_jwks(engine, f->uri, f->uri_len, f->text, f->len, &d) !=
        ZT_OK) {
      /* The message names the URI ("jwks for URI: why"). */
      fprintf(stderr, "%s: error: %s\n", f->path, d.message);
      return false;
    }
  }
  return true;
}

/* A jwksUri without a document is no load error (Istio installs a key
 * nobody can sign with when istiod cannot fetch), but it is worth saying;
 * so is a document no policy asks for (a typo in the URI?). */
static void warn_jwks(const check_opts *o, const zt_snapshot *snap) {
  uint64_t n = zt_snapshot_jwks_count(snap);
  for (uint64_t i = 0; i < n; i++) {
    zt_jwks_info info;
    if (zt_snapshot_jwks(snap, i, &info) != ZT_OK || info.supplied)
      continue;
    fprintf(stderr,
            "ztauth: warning: jwksUri %.*s was not supplied with --jwks: "
            "tokens of issuers using it will fail with jwks_fetch_fail\n",
            (int)info.uri_len, info.uri);
  }
  for (int k = 0; k < o->njwks; k++) {
    const jwks_file *f = &o->jwks[k];
    bool used = false;
    for (uint64_t i = 0; i < n && !used; i++) {
      zt_jwks_info info;
      used = zt_snapshot_jwks(snap, i, &info) == ZT_OK &&
             info.uri_len == f->uri_len &&
             memcmp(info.uri, f->uri, f->uri_len) == 0;
    }
    if (!used)
      fprintf(stderr,
              "ztauth: warning: --jwks %.*s: no RequestAuthentication uses "
              "this jwksUri\n",
              (int)f->uri_len, f->uri);
  }
}

/* Loads the policies as a host does: all or nothing. */
static zt_engine *load(check_opts *o, zt_snapshot **snap) {
  zt_engine *engine;
  zt_loader *loader;
  zt_diag d;
  int errors = 0;
  zt_config *cfg = configure(o);
  bool opened =
      cfg && cli_open_config(cfg, on_report, &errors, &engine, &loader);
  zt_config_free(cfg);
  if (!opened)
    return NULL;
  if (!supply_jwks(o, engine) ||
      !cli_bundle_supply(engine, o->bundles, o->nbundles)) {
    zt_loader_free(loader);
    zt_engine_free(engine);
    return NULL;
  }
  for (int i = 0; i < o->npaths; i++)
    (void)zt_loader_add_path(loader, o->paths[i], strlen(o->paths[i]), &d);
  int rc = zt_engine_commit(engine, loader, &d);
  if (rc != ZT_OK && errors == 0)
    cli_print_diag(stderr, &d); /* a failure that was not reported */
  if (rc == ZT_OK)
    rc = zt_engine_acquire(engine, snap);
  zt_loader_free(loader);
  if (rc != ZT_OK) {
    fprintf(stderr, "ztauth: policies not loaded: %s\n", zt_strerror(rc));
    zt_engine_free(engine);
    return NULL;
  }
  warn_jwks(o, *snap);
  return engine;
}

static const char *input_name(const check_opts *o) {
  return strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
}

static value *read_requests(const check_opts *o, vpool *p) {
  size_t len;
  char *text = cli_read_file(o->input, &len);
  if (!text) {
    fprintf(stderr, "%s: error: %s\n", input_name(o), strerror(errno));
    return NULL;
  }
  /* jwt_claims point into the text: it must live as long as the tree. */
  char *kept = vpool_strdup(p, text, len);
  free(text);
  char err[256];
  uint32_t line, col;
  value *v = json_parse(p, kept, len, &line, &col, err, sizeof(err));
  if (!v)
    fprintf(stderr, "%s:%u:%u: error: %s\n", input_name(o), line, col, err);
  return v;
}

/* Builds every request first; reports each problem with its position. */
static cli_request **build_all(const check_opts *o, vpool *p, const value *in,
                               size_t *n) {
  bool many = o->many;
  *n = many ? in->n : 1;
  cli_request **reqs = vpool_alloc(p, (*n + 1) * sizeof(*reqs));
  bool ok = true;
  for (size_t i = 0; i < *n; i++) {
    const value *v = many ? in->items[i] : in;
    cli_error e;
    reqs[i] = cli_request_build(p, v, NULL, &e);
    if (reqs[i])
      continue;
    ok = false;
    /* "request: ..." names the request itself: say which one. */
    const char *msg = e.msg;
    bool self = strncmp(msg, "request: ", 9) == 0;
    fprintf(stderr, "%s:%u:%u: error: ", input_name(o), e.line, e.col);
    if (many)
      fprintf(stderr, "request[%zu]: ", i);
    fprintf(stderr, "%s\n", many && self ? msg + 9 : msg);
  }
  return ok ? reqs : NULL;
}

static bool print_result(const value *result) {
  vbuf line = {0};
  value_write(&line, result, true);
  vbuf_add(&line, "\n", 1);
  bool ok = fwrite(line.p, 1, line.len, stdout) == line.len;
  vbuf_free(&line);
  return ok;
}

/* The library reads attributes only when a policy needs them, so a typo
 * such as an IP "10.0.0.300" shows only as this reason: point at it. */
static void warn_malformed(const check_opts *o, const value *result, size_t i) {
  const value *reason = value_get(result, "reason");
  if (!reason || strcmp(reason->s, zt_reason_name(ZT_REASON_INVALID_ARGUMENT)))
    return;
  fprintf(stderr, "%s: warning: ", input_name(o));
  if (o->many)
    fprintf(stderr, "request[%zu]: ", i);
  fprintf(stderr,
          "the library found the request malformed (%s); --explain "
          "may say more\n",
          reason->s);
}

static int decide_all(const check_opts *o, vpool *p, cli_request **reqs,
                      size_t n, const zt_snapshot *snap) {
  bool denied = false;
  for (size_t i = 0; i < n; i++) {
    reqs[i]->trace = o->explain ? value_new(p, V_ARRAY) : NULL;
    value *result = cli_request_decide(reqs[i], snap);
    if (o->explain)
      value_set(p, result, "explain", reqs[i]->trace);
    denied |= cli_result_denied(result);
    warn_malformed(o, result, i);
    if (!print_result(result))
      break;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "ztauth: writing the results: %s\n", strerror(errno));
    return CLI_USAGE;
  }
  return denied ? CLI_DENIED : CLI_OK;
}

static int run(check_opts *o) {
  vpool *p = vpool_new();
  zt_snapshot *snap = NULL;
  zt_engine *engine = NULL;
  size_t n = 0;
  int rc = CLI_USAGE;
  value *in = read_requests(o, p);
  if (in) {
    o->many = in->kind == V_ARRAY;
    engine = load(o, &snap);
  }
  cli_request **reqs = engine ? build_all(o, p, in, &n) : NULL;
  if (reqs)
    rc = decide_all(o, p, reqs, n, snap);
  zt_snapshot_release(snap);
  zt_engine_free(engine);
  vpool_free(p);
  return rc;
}

int cmd_check(int argc, char **argv) {
  check_opts o;
  memset(&o, 0, sizeof(o));
  int rc = parse_args(&o, argc, argv);
  if (rc == CLI_OK)
    rc = run(&o);
  for (int i = 0; i < o.njwks; i++)
    free(o.jwks[i].text);
  cli_bundle_free(o.bundles, o.nbundles);
  free(o.bundles);
  free(o.jwks);
  free(o.paths);
  return rc;
}
