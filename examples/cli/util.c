#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *severity_name(int s) {
  return s == ZT_SEVERITY_ERROR     ? "error"
         : s == ZT_SEVERITY_WARNING ? "warning"
                                    : "note";
}

void cli_print_diag(FILE *out, const zt_diag *d) {
  if (d->file[0])
    fprintf(out, "%s:", d->file);
  if (d->line)
    fprintf(out, "%u:%u:", d->line, d->column);
  fprintf(out, "%s%s: ", d->file[0] || d->line ? " " : "",
          severity_name(d->severity));
  if (d->kind[0] && d->name[0])
    fprintf(out, "%s %s/%s: ", d->kind, d->ns, d->name);
  else if (d->kind[0])
    fprintf(out, "%s: ", d->kind);
  fprintf(out, "%s\n", d->message);
}

char *cli_read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n + 1 < cap)
      break;
    char *bigger = cap < (1u << 30) ? realloc(buf, cap * 2) : NULL;
    if (!bigger) {
      free(buf);
      buf = NULL;
      errno = EFBIG;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  if (buf && ferror(f)) {
    free(buf);
    buf = NULL;
  }
  if (f != stdin)
    fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = n;
  }
  return buf;
}

char *cli_path_beside(const char *file, const char *path) {
  const char *slash = file ? strrchr(file, '/') : NULL;
  size_t dir = path[0] == '/' || !slash ? 0 : (size_t)(slash - file) + 1;
  size_t len = strlen(path);
  char *out = malloc(dir + len + 1);
  if (!out)
    return NULL;
  if (dir)
    memcpy(out, file, dir);
  memcpy(out + dir, path, len + 1);
  return out;
}

bool cli_parse_now(const char *arg, int64_t *now) {
  char *end;
  errno = 0;
  long long t = strtoll(arg, &end, 10);
  if (!arg[0] || *end || errno) {
    fprintf(stderr, "ztauth: --now: expected Unix seconds, got \"%s\"\n", arg);
    return false;
  }
  *now = t;
  return true;
}

static int64_t fixed_clock(void *ctx) {
  return *(const int64_t *)ctx;
}

zt_config *cli_config_done(zt_config *cfg, int rc, bool has_now, int64_t *now) {
  if (cfg && rc == ZT_OK && has_now)
    rc = zt_config_set_clock(cfg, fixed_clock, now);
  if (rc != ZT_OK) {
    fprintf(stderr, "ztauth: %s\n", zt_strerror(rc));
    zt_config_free(cfg);
    return NULL;
  }
  return cfg;
}

bool cli_named_file(const char *opt, const char *arg, bool last_eq,
                    size_t *name_len, char **text, size_t *len) {
  const char *eq = last_eq ? strrchr(arg, '=') : strchr(arg, '=');
  if (!eq || eq == arg || !eq[1]) {
    fprintf(stderr, "ztauth: --%s: expected %s=PATH, got \"%s\"\n", opt,
            last_eq ? "URI" : "TRUST_DOMAIN", arg);
    return false;
  }
  *text = cli_read_file(eq + 1, len);
  if (!*text) {
    fprintf(stderr, "%s: error: %s\n", eq + 1, strerror(errno));
    return false;
  }
  *name_len = (size_t)(eq - arg);
  return true;
}

bool cli_bundle_add(cli_bundle *set, int *n, const char *arg) {
  cli_bundle *b = &set[*n];
  if (!cli_named_file("trust-bundle", arg, false, &b->td_len, &b->text,
                      &b->len))
    return false;
  b->td = arg;
  b->path = arg + b->td_len + 1;
  /* An empty document would withdraw the bundle: never what a file means. */
  if (b->len == 0) {
    fprintf(stderr, "%s: error: empty file: no trust bundle\n", b->path);
    free(b->text);
    b->text = NULL;
    return false;
  }
  for (int i = 0; i < *n; i++) {
    if (set[i].td_len == b->td_len &&
        memcmp(set[i].td, b->td, b->td_len) == 0) {
      fprintf(stderr, "ztauth: --trust-bundle: %.*s given twice\n",
              (int)b->td_len, b->td);
      free(b->text);
      b->text = NULL;
      return false;
    }
  }
  ++*n;
  return true;
}

bool cli_bundle_supply(zt_engine *engine, const cli_bundle *set, int n) {
  for (int i = 0; i < n; i++) {
    const cli_bundle *b = &set[i];
    zt_diag d;
    memset(&d, 0, sizeof(d));
    int rc = zt_engine_set_trust_bundle(engine, b->td, b->td_len, b->text,
                                        b->len, &d);
    if (rc != ZT_OK) {
      fprintf(stderr, "%s: error: %s\n", b->path,
              d.message[0] ? d.message : zt_strerror(rc));
      return false;
    }
  }
  return true;
}

void cli_bundle_free(cli_bundle *set, int n) {
  for (int i = 0; set && i < n; i++)
    free(set[i].text);
}

zt_config *cli_config(const char *mesh_path) {
  zt_config *cfg = NULL;
  if (zt_config_new(&cfg, NULL) != ZT_OK) {
    fprintf(stderr, "ztauth: out of memory\n");
    return NULL;
  }
  if (!mesh_path)
    return cfg;
  size_t len = 0;
  char *buf = cli_read_file(mesh_path, &len);
  if (!buf) {
    fprintf(stderr, "%s: error: %s\n", mesh_path, strerror(errno));
    zt_config_free(cfg);
    return NULL;
  }
  zt_diag d;
  int rc = zt_config_load_mesh(cfg, buf, len, mesh_path, strlen(mesh_path), &d);
  free(buf);
  if (rc != ZT_OK) {
    cli_print_diag(stderr, &d);
    zt_config_free(cfg);
    return NULL;
  }
  return cfg;
}

bool cli_open(const char *mesh_path, zt_report_fn fn, void *ctx,
              zt_engine **engine, zt_loader **loader) {
  *engine = NULL;
  *loader = NULL;
  zt_config *cfg = cli_config(mesh_path);
  if (!cfg)
    return false;
  bool ok = cli_open_config(cfg, fn, ctx, engine, loader);
  zt_config_free(cfg);
  return ok;
}

bool cli_open_config(const zt_config *cfg, zt_report_fn fn, void *ctx,
                     zt_engine **engine, zt_loader **loader) {
  *engine = NULL;
  *loader = NULL;
  zt_diag d;
  int rc = zt_engine_new(engine, cfg, &d);
  if (rc == ZT_OK)
    rc = zt_loader_new(*engine, loader);
  if (rc == ZT_OK)
    rc = zt_loader_set_report(*loader, fn, ctx);
  if (rc != ZT_OK) {
    fprintf(stderr, "ztauth: %s\n", zt_strerror(rc));
    zt_loader_free(*loader);
    zt_engine_free(*engine);
    *engine = NULL;
    *loader = NULL;
    return false;
  }
  return true;
}

const cli_switch cli_switches[CLI_SWITCHES] = {
    {ZT_OPT_L4_ZTUNNEL, "l4", "l4", "envoy|ztunnel"},
    {ZT_OPT_REQUEST_PRINCIPAL_SPLIT, "request-principals", "requestPrincipals",
     "string|split"},
    {ZT_OPT_TRUSTED_PROXIES, "trusted-proxies", "trustedProxies", "0..64"},
    {ZT_OPT_MULTIPLE_CUSTOM_PROVIDERS, "multiple-custom-providers",
     "multipleCustomProviders", "true|false"},
    {ZT_OPT_JWT_CLOCK_SKEW, "jwt-clock-skew", "jwtClockSkew",
     "seconds 0..86400"},
    {ZT_OPT_JWT_FAILURE_STATUS, "jwt-failure-status", "jwtFailureStatus",
     "0 (401, 403 for a wrong audience) or a status 400..599"},
    {ZT_OPT_SVID_STRICT_EKU, "svid-strict-eku", "svidStrictEku", "true|false"},
    {ZT_OPT_SPIFFE_LENIENT, "spiffe-lenient", "spiffeLenient", "true|false"},
};

/* A decimal number within [lo, hi], nothing else. */
static bool number_in(const char *text, uint64_t lo, uint64_t hi,
                      uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long n = strtoull(text, &end, 10);
  if (text[0] < '0' || text[0] > '9' || *end || errno || n < lo || n > hi)
    return false;
  *out = n;
  return true;
}

/* The words mean what Istio's own settings say: which data plane applies L4
 * rules, how requestPrincipals split, numTrustedProxies. */
bool cli_switch_value(uint32_t id, const char *text, uint64_t *out) {
  static const char *const words[][2] = {
      [ZT_OPT_L4_ZTUNNEL] = {"envoy", "ztunnel"},
      [ZT_OPT_REQUEST_PRINCIPAL_SPLIT] = {"string", "split"},
      [ZT_OPT_MULTIPLE_CUSTOM_PROVIDERS] = {"false", "true"},
      [ZT_OPT_SVID_STRICT_EKU] = {"false", "true"},
      [ZT_OPT_SPIFFE_LENIENT] = {"false", "true"},
  };
  uint64_t n;
  switch (id) {
  case ZT_OPT_TRUSTED_PROXIES:
    return number_in(text, 0, 64, out);
  case ZT_OPT_JWT_CLOCK_SKEW:
    return number_in(text, 0, 86400, out);
  case ZT_OPT_JWT_FAILURE_STATUS:
    if (!number_in(text, 0, 599, &n) || (n != 0 && n < 400))
      return false;
    *out = n;
    return true;
  default:
    break;
  }
  for (uint64_t v = 0; id < sizeof(words) / sizeof(words[0]) && v < 2; v++) {
    if (words[id][v] && strcmp(text, words[id][v]) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}
