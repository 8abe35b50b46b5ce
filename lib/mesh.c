/* Istio MeshConfig settings (the subset the engine uses) from YAML. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "diag.h"
#include "syntax.h"
#include "yamltree.h"

typedef struct mctx {
  zt_config next; /* applied to the caller's config only on success */
  zt_diag *diag;
  const char *source;
  size_t source_len;
  int rc;
  uint32_t docs;
} mctx;

ZT_PRINTF(3, 4)
static int merr(mctx *m, const zt_ynode *at, const char *fmt, ...) {
  if (m->rc)
    return m->rc;
  m->rc = ZT_ESCHEMA;
  if (!m->diag)
    return m->rc;
  zt_diag_clear(m->diag);
  m->diag->code = ZT_ESCHEMA;
  m->diag->line = at ? at->line : 0;
  m->diag->column = at ? at->col : 0;
  m->diag->document = 0;
  zt_diag_copy(m->diag->file, sizeof(m->diag->file), m->source, m->source_len);
  zt_diag_copy(m->diag->kind, sizeof(m->diag->kind), "MeshConfig", 10);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->diag->message, sizeof(m->diag->message), fmt, ap);
  va_end(ap);
  return m->rc;
}

static bool is_string(const zt_ynode *v) {
  return v->type == ZT_YNODE_SCALAR && zt_yscalar_kind(v) == ZT_YS_STR;
}

static int set_root_ns(mctx *m, const zt_ynode *v) {
  if (!is_string(v) ||
      zt_config_set_root_namespace(&m->next, v->str, v->len) != ZT_OK)
    return merr(m, v,
                "rootNamespace: must be a namespace name (RFC 1123 "
                "label), got %s",
                zt_ynode_describe(v));
  return ZT_OK;
}

static int set_trust_domain(mctx *m, const zt_ynode *v) {
  if (!is_string(v) ||
      zt_config_set_trust_domain(&m->next, v->str, v->len) != ZT_OK)
    return merr(m, v,
                "trustDomain: must be a trust domain name (lowercase letters, "
                "digits, '.', '-', '_')");
  return ZT_OK;
}

static int set_aliases(mctx *m, const zt_ynode *v) {
  if (v->type != ZT_YNODE_SEQ)
    return merr(m, v, "trustDomainAliases: expected a list, got %s",
                zt_ynode_describe(v));
  m->next.n_aliases = 0;
  for (uint32_t i = 0; i < v->len; i++) {
    const zt_ynode *a = v->kids[i];
    int rc = is_string(a)
                 ? zt_config_add_trust_domain_alias(&m->next, a->str, a->len)
                 : ZT_EINVAL;
    if (rc == ZT_ELIMIT)
      return merr(m, a, "trustDomainAliases: more than %d aliases",
                  ZT_ALIASES_MAX);
    if (rc)
      return merr(m, a, "trustDomainAliases[%u]: invalid trust domain", i);
  }
  return ZT_OK;
}

static int set_normalization(mctx *m, const zt_ynode *v) {
  static const struct {
    const char *name;
    uint32_t mode;
  } modes[] = {{"NONE", ZT_PATH_NONE},
               {"BASE", ZT_PATH_BASE},
               {"DEFAULT", ZT_PATH_BASE},
               {"MERGE_SLASHES", ZT_PATH_MERGE_SLASHES},
               {"DECODE_AND_MERGE_SLASHES", ZT_PATH_DECODE_AND_MERGE_SLASHES}};
  if (v->type != ZT_YNODE_MAP)
    return merr(m, v, "pathNormalization: expected a mapping");
  for (uint32_t i = 0; i < v->len; i++) {
    const zt_ynode *k = v->kids[2 * i], *val = v->kids[2 * i + 1];
    if (strcmp(k->str, "normalization") != 0)
      return merr(m, k, "pathNormalization: unknown field \"%.60s\"", k->str);
    for (size_t j = 0; j < sizeof(modes) / sizeof(modes[0]); j++)
      if (is_string(val) && strcmp(val->str, modes[j].name) == 0) {
        m->next.path_normalization = modes[j].mode;
        goto next;
      }
    return merr(m, val,
                "pathNormalization.normalization: must be one of NONE, BASE, "
                "DEFAULT, MERGE_SLASHES, DECODE_AND_MERGE_SLASHES");
  next:;
  }
  return ZT_OK;
}

/* statusOnError is a string in the proto ("503"). */
static int provider_status(mctx *m, const zt_ynode *v, int32_t *out) {
  uint32_t st = 0;
  if (!is_string(v) || !zt_syn_port(v->str, v->len, &st) || st < 100 ||
      st > 599)
    return merr(m, v,
                "statusOnError: must be an HTTP status code as a string "
                "(\"100\".. \"599\")");
  *out = (int32_t)st;
  return ZT_OK;
}

static int set_authz_provider(mctx *m, const zt_ynode *name, uint32_t kind,
                              const zt_ynode *conf) {
  uint32_t fail_open = 0;
  int32_t status = 0;
  if (conf->type != ZT_YNODE_MAP)
    return merr(m, conf, "extensionProviders: expected a mapping");
  const zt_ynode *fo = zt_ymap_get(conf, "failOpen");
  if (fo && !zt_ynode_is_null(fo)) {
    if (fo->type != ZT_YNODE_SCALAR || zt_yscalar_kind(fo) != ZT_YS_BOOL)
      return merr(m, fo, "failOpen: expected true or false");
    /* YAML 1.1 spellings of true: y, yes, true, on in any listed case. */
    char c = fo->str[0];
    fail_open = c == 'y' || c == 'Y' || c == 't' || c == 'T' ||
                ((c == 'o' || c == 'O') && (fo->str[1] | 0x20) == 'n');
  }
  const zt_ynode *soe = zt_ymap_get(conf, "statusOnError");
  if (soe && !zt_ynode_is_null(soe) && provider_status(m, soe, &status))
    return m->rc;
  int rc = zt_config_add_provider(&m->next, name->str, name->len, kind,
                                  fail_open, status);
  if (rc == ZT_ELIMIT)
    return merr(m, name, "extensionProviders: more than %d providers",
                ZT_PROVIDERS_MAX);
  return rc ? merr(m, name, "extensionProviders: invalid provider") : ZT_OK;
}

/* Only the ext_authz providers matter for authorization; the other kinds
 * (tracing, access logs, metrics) are accepted and ignored. */
static int set_provider(mctx *m, const zt_ynode *p, uint32_t index) {
  if (p->type != ZT_YNODE_MAP)
    return merr(m, p, "extensionProviders[%u]: expected a mapping", index);
  const zt_ynode *name = zt_ymap_get(p, "name");
  if (!name || !is_string(name) || !zt_syn_provider_name(name->str, name->len))
    return merr(m, name ? name : p,
                "extensionProviders[%u].name: required, lowercase letters, "
                "digits and '-' (at most 63)",
                index);
  if (p->len != 2)
    return merr(m, p,
                "extensionProviders[%u]: expected name and exactly one "
                "provider kind",
                index);
  for (uint32_t i = 0; i < p->len; i++) {
    const zt_ynode *k = p->kids[2 * i], *v = p->kids[2 * i + 1];
    if (strcmp(k->str, "envoyExtAuthzHttp") == 0)
      return set_authz_provider(m, name, ZT_PROVIDER_HTTP, v);
    if (strcmp(k->str, "envoyExtAuthzGrpc") == 0)
      return set_authz_provider(m, name, ZT_PROVIDER_GRPC, v);
  }
  return ZT_OK;
}

static int set_providers(mctx *m, const zt_ynode *v) {
  if (v->type != ZT_YNODE_SEQ)
    return merr(m, v, "extensionProviders: expected a list, got %s",
                zt_ynode_describe(v));
  m->next.n_providers = 0;
  for (uint32_t i = 0; i < v->len && !m->rc; i++)
    set_provider(m, v->kids[i], i);
  return m->rc;
}

/* defaultConfig is a whole ProxyConfig; only the XFF trust matters here. */
static int set_default_config(mctx *m, const zt_ynode *v) {
  if (v->type != ZT_YNODE_MAP)
    return merr(m, v, "defaultConfig: expected a mapping");
  const zt_ynode *gt = zt_ymap_get(v, "gatewayTopology");
  if (!gt || zt_ynode_is_null(gt))
    return ZT_OK;
  if (gt->type != ZT_YNODE_MAP)
    return merr(m, gt, "defaultConfig.gatewayTopology: expected a mapping");
  const zt_ynode *n = zt_ymap_get(gt, "numTrustedProxies");
  if (!n || zt_ynode_is_null(n))
    return ZT_OK;
  uint32_t hops = 0;
  if (n->type != ZT_YNODE_SCALAR || zt_yscalar_kind(n) != ZT_YS_INT ||
      !zt_syn_port(n->str, n->len, &hops) || hops > ZT_TRUSTED_PROXIES_MAX)
    return merr(m, n,
                "gatewayTopology.numTrustedProxies: expected an integer "
                "0..%d",
                ZT_TRUSTED_PROXIES_MAX);
  m->next.options[ZT_OPT_TRUSTED_PROXIES] = hops;
  return ZT_OK;
}

static int on_doc(void *ctx, const zt_ynode *root, uint32_t index) {
  static const char *const fields[] = {
      "rootNamespace",     "trustDomain",        "trustDomainAliases",
      "pathNormalization", "extensionProviders", "defaultConfig"};
  mctx *m = ctx;
  (void)index;
  if (!root)
    return ZT_OK;
  if (m->docs++)
    return merr(m, root, "a mesh configuration is one YAML document");
  if (root->type != ZT_YNODE_MAP)
    return merr(m, root, "expected a mapping of MeshConfig fields");
  for (uint32_t i = 0; i < root->len && !m->rc; i++) {
    const zt_ynode *k = root->kids[2 * i], *v = root->kids[2 * i + 1];
    bool known = false;
    for (size_t j = 0; j < sizeof(fields) / sizeof(fields[0]); j++)
      known = known || strcmp(k->str, fields[j]) == 0;
    if (!known) {
      merr(m, k,
           "unsupported MeshConfig field \"%.60s\" (supported: rootNamespace, "
           "trustDomain, trustDomainAliases, pathNormalization, "
           "extensionProviders, defaultConfig)",
           k->str);
      break;
    }
    if (zt_ynode_is_null(v))
      continue;
    if (strcmp(k->str, "rootNamespace") == 0)
      set_root_ns(m, v);
    else if (strcmp(k->str, "trustDomain") == 0)
      set_trust_domain(m, v);
    else if (strcmp(k->str, "trustDomainAliases") == 0)
      set_aliases(m, v);
    else if (strcmp(k->str, "extensionProviders") == 0)
      set_providers(m, v);
    else if (strcmp(k->str, "defaultConfig") == 0)
      set_default_config(m, v);
    else
      set_normalization(m, v);
  }
  return m->rc;
}

int zt_config_load_mesh(zt_config *cfg, const char *yaml, size_t len,
                        const char *source, size_t source_len, zt_diag *diag) {
  zt_diag_clear(diag);
  if (!cfg || (!yaml && len) || (!source && source_len))
    return zt_diag_fail(diag, ZT_EINVAL, "invalid argument");
  mctx m = {
      .next = *cfg, .diag = diag, .source = source, .source_len = source_len};
  zt_yaml_limits lim;
  zt_config_yaml_limits(cfg, &lim);
  zt_yaml_error ye;
  int rc = zt_yaml_parse(yaml, len, &lim, &cfg->mem, on_doc, &m, &ye);
  if (rc && !m.rc && diag) {
    zt_diag_clear(diag);
    diag->code = ye.code;
    diag->line = ye.line;
    diag->column = ye.col;
    diag->document = ye.document;
    zt_diag_copy(diag->file, sizeof(diag->file), source, source_len);
    zt_diag_copy(diag->message, sizeof(diag->message), ye.message,
                 strlen(ye.message));
  }
  if (rc)
    return m.rc ? m.rc : rc;
  *cfg = m.next;
  return ZT_OK;
}
