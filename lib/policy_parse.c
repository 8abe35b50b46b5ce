#include "policy_parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy_validate.h"
#include "syntax.h"
#include "yamltree.h"

/* Parse context: where we are (a field path for messages) and where the
 * result goes. */
typedef struct pctx {
  zt_policyset *ps;
  zt_parse_state *st;
  const zt_config *cfg;
  zt_reporter *rep;
  const char *source;
  uint32_t errors_before;
  int rc;
  char path[512];
  size_t plen;
} pctx;

typedef bool (*field_fn)(pctx *c, const zt_ynode *v, void *out);

typedef struct field {
  const char *name;
  field_fn fn;
  size_t off;
} field;

static zt_pos pos_of(const zt_ynode *n) {
  zt_pos p = {n->line, n->col};
  return p;
}

ZT_PRINTF(3, 4)
static bool perr(pctx *c, const zt_ynode *at, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  zt_pos p = at ? pos_of(at) : (zt_pos){0, 0};
  if (c->plen)
    zt_report(c->rep, ZT_SEVERITY_ERROR, ZT_ESCHEMA, p, "%s: %s", c->path, msg);
  else
    zt_report(c->rep, ZT_SEVERITY_ERROR, ZT_ESCHEMA, p, "%s", msg);
  if (c->rc == ZT_OK)
    c->rc = ZT_ESCHEMA;
  return false;
}

ZT_PRINTF(2, 3)
static size_t path_push(pctx *c, const char *fmt, ...) {
  size_t saved = c->plen;
  if (c->plen < sizeof(c->path)) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
    va_end(ap);
    if (n > 0)
      c->plen += (size_t)n;
    if (c->plen >= sizeof(c->path))
      c->plen = sizeof(c->path) - 1;
  }
  return saved;
}

static void path_pop(pctx *c, size_t saved) {
  c->plen = saved;
  c->path[saved] = '\0';
}

static bool oom(pctx *c) {
  if (c->rc != ZT_ENOMEM) {
    zt_report(c->rep, ZT_SEVERITY_ERROR, ZT_ENOMEM, (zt_pos){0, 0},
              "out of memory");
    c->rc = ZT_ENOMEM;
  }
  return false;
}

static void *arena(pctx *c, size_t size) {
  void *p = zt_arena_alloc(&c->ps->arena, size);
  if (!p)
    oom(c);
  return p;
}

/* ---- scalars ------------------------------------------------------------ */

static bool want_string(pctx *c, const zt_ynode *v) {
  if (v->type == ZT_YNODE_SCALAR && zt_yscalar_kind(v) == ZT_YS_STR)
    return true;
  if (zt_ynode_is_null(v)) /* a list item: only fields are pruned */
    return perr(c, v, "expected a string, got null");
  if (v->type == ZT_YNODE_SCALAR)
    return perr(c, v, "expected a string, got %s %.60s (quote it: \"%.60s\")",
                zt_ynode_describe(v), v->str, v->str);
  return perr(c, v, "expected a string, got %s", zt_ynode_describe(v));
}

static bool sval_from(pctx *c, const zt_ynode *v, zt_sval *out) {
  if (!want_string(c, v))
    return false;
  /* Copied: nodes die with their document. */
  out->s = zt_arena_strndup(&c->ps->arena, v->str, v->len);
  if (!out->s)
    return oom(c);
  out->len = v->len;
  out->pos = pos_of(v);
  return true;
}

static bool f_str(pctx *c, const zt_ynode *v, void *out) {
  return sval_from(c, v, out);
}

static bool f_bool(pctx *c, const zt_ynode *v, void *out) {
  if (v->type != ZT_YNODE_SCALAR || zt_yscalar_kind(v) != ZT_YS_BOOL)
    return perr(c, v, "expected a boolean, got %s", zt_ynode_describe(v));
  static const char *const yes[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                    "True", "TRUE", "on",  "On",  "ON"};
  bool val = false;
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
    val = val || strcmp(v->str, yes[i]) == 0;
  *(bool *)out = val;
  return true;
}

static bool want(pctx *c, const zt_ynode *v, int type) {
  if (v->type == type)
    return true;
  return perr(c, v, "expected %s, got %s",
              type == ZT_YNODE_MAP ? "a mapping" : "a list",
              zt_ynode_describe(v));
}

static bool f_strlist(pctx *c, const zt_ynode *v, void *out) {
  zt_slist *l = out;
  if (!want(c, v, ZT_YNODE_SEQ))
    return false;
  l->present = true;
  l->pos = pos_of(v);
  if (v->len == 0)
    return true;
  l->v = arena(c, v->len * sizeof(*l->v));
  if (!l->v)
    return false;
  bool ok = true;
  for (uint32_t i = 0; i < v->len; i++) {
    size_t saved = path_push(c, "[%u]", i);
    if (sval_from(c, v->kids[i], &l->v[l->n]))
      l->n++;
    else
      ok = false;
    path_pop(c, saved);
  }
  return ok;
}

/* ---- mappings ---------------------------------------------------------- */

static const field *find_field(const field *fs, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(fs[i].name, key) == 0)
      return &fs[i];
  return NULL;
}

/* Lowercase without '_' and '-', so jwks_uri, JwksUri and jwksuri compare
 * equal. */
static size_t fold(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; *in && n + 1 < cap; in++)
    if (*in != '_' && *in != '-')
      out[n++] = (char)(*in >= 'A' && *in <= 'Z' ? *in + 32 : *in);
  out[n] = '\0';
  return n;
}

/* A known field the user probably meant: same letters in another case or
 * spelling, or the singular/plural of it. */
static const char *near_miss(const field *fs, size_t n, const char *key) {
  char k[64], f[64];
  size_t kn = fold(key, k, sizeof(k));
  for (size_t i = 0; i < n; i++) {
    size_t fn = fold(fs[i].name, f, sizeof(f));
    if (strcmp(k, f) == 0 ||
        (kn + 1 == fn && f[kn] == 's' && strncmp(k, f, kn) == 0) ||
        (fn + 1 == kn && k[fn] == 's' && strncmp(k, f, fn) == 0))
      return fs[i].name;
  }
  return NULL;
}

/* Walks a mapping against a field table. A null value is treated as absent,
 * as Kubernetes prunes null fields of structural schemas. */
static bool walk(pctx *c, const zt_ynode *m, const field *fs, size_t n,
                 void *out) {
  if (!want(c, m, ZT_YNODE_MAP))
    return false;
  bool ok = true;
  for (uint32_t i = 0; i < m->len; i++) {
    const zt_ynode *k = m->kids[2 * i], *v = m->kids[2 * i + 1];
    const field *f = find_field(fs, n, k->str);
    if (!f) {
      const char *hint = near_miss(fs, n, k->str);
      ok = perr(c, k, "unknown field \"%.80s\"%s%s%s", k->str,
                hint ? " (did you mean \"" : "", hint ? hint : "",
                hint ? "\"?)" : "");
      continue;
    }
    if (zt_ynode_is_null(v) || !f->fn)
      continue;
    size_t saved = path_push(c, "%s%s", c->plen ? "." : "", f->name);
    if (!f->fn(c, v, (char *)out + f->off))
      ok = false;
    path_pop(c, saved);
  }
  return ok;
}

#define WALK(c, m, table, out)                                                 \
  walk(c, m, table, sizeof(table) / sizeof(table[0]), out)

/* Runs fn on each item of a list into an array of elem-sized structs.
 * A null item is an error: Kubernetes does not prune list items. */
static bool each_item(pctx *c, const zt_ynode *v, size_t elem, void **items,
                      uint32_t *count, field_fn fn) {
  if (!want(c, v, ZT_YNODE_SEQ))
    return false;
  *count = 0;
  if (v->len == 0)
    return true;
  char *arr = arena(c, (size_t)v->len * elem);
  if (!arr)
    return false;
  *items = arr;
  bool ok = true;
  for (uint32_t i = 0; i < v->len; i++) {
    size_t saved = path_push(c, "[%u]", i);
    const zt_ynode *it = v->kids[i];
    if (zt_ynode_is_null(it))
      ok = perr(c, it, "must not be null");
    else if (!fn(c, it, arr + (size_t)(*count) * elem))
      ok = false;
    else
      (*count)++;
    path_pop(c, saved);
  }
  return ok;
}

/* Label maps: string keys and string values, positions kept. */
/* Checks one label: a non-null key and a string value; copies it into *l
 * when l is given. */
static bool label_entry(pctx *c, const zt_ynode *k, const zt_ynode *val,
                        zt_label *l) {
  if (zt_ynode_is_null(k))
    return perr(c, k, "a label key must not be null");
  if (!l)
    return want_string(c, val);
  if (!sval_from(c, val, &l->value))
    return false;
  l->key.s = zt_arena_strndup(&c->ps->arena, k->str, k->len);
  l->key.len = k->len;
  l->key.pos = pos_of(k);
  return l->key.s ? true : oom(c);
}

/* A map of string keys to string values. With out == NULL it is only
 * checked: metadata labels and annotations (which can hold a whole
 * last-applied object) are not kept. */
static bool label_map(pctx *c, const zt_ynode *v, zt_label **out, uint32_t *n) {
  if (!want(c, v, ZT_YNODE_MAP))
    return false;
  if (out && v->len && !(*out = arena(c, v->len * sizeof(**out))))
    return false;
  bool ok = true;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < v->len; i++) {
    const zt_ynode *k = v->kids[2 * i];
    size_t saved = path_push(c, "[%.60s]", k->str);
    if (label_entry(c, k, v->kids[2 * i + 1], out ? &(*out)[kept] : NULL))
      kept++;
    else
      ok = false;
    path_pop(c, saved);
  }
  if (n)
    *n = out ? kept : 0;
  return ok;
}

/* ---- common envelope ----------------------------------------------------- */

static bool f_match_labels(pctx *c, const zt_ynode *v, void *out) {
  zt_selector *s = out;
  return label_map(c, v, &s->labels, &s->n);
}

static const field selector_fields[] = {
    {"matchLabels", f_match_labels, 0},
};

static bool f_selector(pctx *c, const zt_ynode *v, void *out) {
  zt_selector *s = out;
  s->present = true;
  s->pos = pos_of(v);
  return WALK(c, v, selector_fields, s);
}

static const field target_ref_fields[] = {
    {"group", f_str, offsetof(zt_target_ref, group)},
    {"kind", f_str, offsetof(zt_target_ref, kind)},
    {"name", f_str, offsetof(zt_target_ref, name)},
    {"namespace", f_str, offsetof(zt_target_ref, ns)},
};

static bool target_ref(pctx *c, const zt_ynode *v, void *out) {
  zt_target_ref *r = out;
  r->pos = pos_of(v);
  return WALK(c, v, target_ref_fields, r);
}

static bool f_target_refs(pctx *c, const zt_ynode *v, void *out) {
  zt_target_refs *r = out;
  r->present = true;
  r->pos = pos_of(v);
  return each_item(c, v, sizeof(zt_target_ref), (void **)&r->v, &r->n,
                   target_ref);
}

/* ---- AuthorizationPolicy ---------------------------------------------------
 */

const char *const zt_source_field_names[ZT_SRC_COUNT] = {
    "principals",           "notPrincipals",      "requestPrincipals",
    "notRequestPrincipals", "namespaces",         "notNamespaces",
    "serviceAccounts",      "notServiceAccounts", "ipBlocks",
    "notIpBlocks",          "remoteIpBlocks",     "notRemoteIpBlocks",
    "trustDomains",         "notTrustDomains",
};

const char *const zt_operation_field_names[ZT_OP_COUNT] = {
    "hosts",   "notHosts",   "ports", "notPorts",
    "methods", "notMethods", "paths", "notPaths",
};

#define SRC_FIELD(i)                                                           \
  { zt_source_field_names[i], f_strlist, offsetof(zt_source, f[i]) }
#define OP_FIELD(i)                                                            \
  { zt_operation_field_names[i], f_strlist, offsetof(zt_operation, f[i]) }

static bool f_source(pctx *c, const zt_ynode *v, void *out) {
  /* Field names are not constant expressions, so the table is built here. */
  field fs[ZT_SRC_COUNT];
  for (int i = 0; i < ZT_SRC_COUNT; i++)
    fs[i] = (field)SRC_FIELD(i);
  zt_source *s = out;
  s->pos = pos_of(v);
  return walk(c, v, fs, ZT_SRC_COUNT, s);
}

static bool f_operation(pctx *c, const zt_ynode *v, void *out) {
  field fs[ZT_OP_COUNT];
  for (int i = 0; i < ZT_OP_COUNT; i++)
    fs[i] = (field)OP_FIELD(i);
  zt_operation *o = out;
  o->pos = pos_of(v);
  return walk(c, v, fs, ZT_OP_COUNT, o);
}

/* `from: [{source: ...}]`: the wrapper must hold a non-null source. */
static bool wrapped(pctx *c, const zt_ynode *v, void *out, const char *key,
                    field_fn fn) {
  field fs[1] = {{key, fn, 0}};
  if (!walk(c, v, fs, 1, out))
    return false;
  const zt_ynode *inner = zt_ymap_get(v, key);
  if (!inner || zt_ynode_is_null(inner))
    return perr(c, v, "\"%s\" is required", key);
  return true;
}

static bool from_entry(pctx *c, const zt_ynode *v, void *out) {
  return wrapped(c, v, out, "source", f_source);
}

static bool to_entry(pctx *c, const zt_ynode *v, void *out) {
  return wrapped(c, v, out, "operation", f_operation);
}

static const field condition_fields[] = {
    {"key", f_str, offsetof(zt_condition, key)},
    {"values", f_strlist, offsetof(zt_condition, values)},
    {"notValues", f_strlist, offsetof(zt_condition, not_values)},
};

static bool condition(pctx *c, const zt_ynode *v, void *out) {
  zt_condition *cd = out;
  cd->pos = pos_of(v);
  return WALK(c, v, condition_fields, cd);
}

static bool f_from(pctx *c, const zt_ynode *v, void *out) {
  zt_rule *r = out;
  r->has_from = true;
  r->from_pos = pos_of(v);
  return each_item(c, v, sizeof(zt_source), (void **)&r->from, &r->n_from,
                   from_entry);
}

static bool f_to(pctx *c, const zt_ynode *v, void *out) {
  zt_rule *r = out;
  r->has_to = true;
  r->to_pos = pos_of(v);
  return each_item(c, v, sizeof(zt_operation), (void **)&r->to, &r->n_to,
                   to_entry);
}

static bool f_when(pctx *c, const zt_ynode *v, void *out) {
  zt_rule *r = out;
  r->has_when = true;
  return each_item(c, v, sizeof(zt_condition), (void **)&r->when, &r->n_when,
                   condition);
}

static const field rule_fields[] = {
    {"from", f_from, 0},
    {"to", f_to, 0},
    {"when", f_when, 0},
};

static bool rule(pctx *c, const zt_ynode *v, void *out) {
  zt_rule *r = out;
  r->pos = pos_of(v);
  return WALK(c, v, rule_fields, r);
}

static bool f_rules(pctx *c, const zt_ynode *v, void *out) {
  zt_authz_policy *p = out;
  p->has_rules = true;
  p->rules_pos = pos_of(v);
  return each_item(c, v, sizeof(zt_rule), (void **)&p->rules, &p->n_rules,
                   rule);
}

/* Enum fields take their exact upper-case names, as the CRD does. */
static bool enum_value(pctx *c, const zt_ynode *v, const char *const *names,
                       uint32_t n, uint32_t *out) {
  if (!want_string(c, v))
    return false;
  for (uint32_t i = 0; i < n; i++) {
    if (strcmp(v->str, names[i]) == 0) {
      *out = i;
      return true;
    }
  }
  char allowed[128] = "";
  for (uint32_t i = 0; i < n; i++) {
    strncat(allowed, i ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
    strncat(allowed, names[i], sizeof(allowed) - strlen(allowed) - 1);
  }
  return perr(c, v, "unsupported value \"%.60s\": must be one of %s", v->str,
              allowed);
}

static bool f_action(pctx *c, const zt_ynode *v, void *out) {
  static const char *const names[] = {"ALLOW", "DENY", "AUDIT", "CUSTOM"};
  zt_authz_policy *p = out;
  p->action_pos = pos_of(v);
  return enum_value(c, v, names, 4, &p->action);
}

static const field provider_fields[] = {
    {"name", f_str, offsetof(zt_authz_policy, provider_name)},
};

static bool f_provider(pctx *c, const zt_ynode *v, void *out) {
  zt_authz_policy *p = out;
  p->has_provider = true;
  p->provider_pos = pos_of(v);
  return WALK(c, v, provider_fields, p);
}

static bool f_target_ref_single(pctx *c, const zt_ynode *v, void *out) {
  zt_authz_policy *p = out;
  p->has_target_ref = true;
  return target_ref(c, v, &p->target_ref);
}

static const field authz_fields[] = {
    {"selector", f_selector, offsetof(zt_authz_policy, selector)},
    {"targetRef", f_target_ref_single, 0},
    {"targetRefs", f_target_refs, offsetof(zt_authz_policy, target_refs)},
    {"rules", f_rules, 0},
    {"action", f_action, 0},
    {"provider", f_provider, 0},
};

/* ---- PeerAuthentication ----------------------------------------------------
 */

static const char *const mtls_names[] = {"UNSET", "DISABLE", "PERMISSIVE",
                                         "STRICT"};

static bool f_mode(pctx *c, const zt_ynode *v, void *out) {
  return enum_value(c, v, mtls_names, 4, out);
}

static const field mtls_fields[] = {
    {"mode", f_mode, 0},
};

static bool f_mtls(pctx *c, const zt_ynode *v, void *out) {
  zt_peer_authn *p = out;
  p->has_mtls = true;
  p->mtls_pos = pos_of(v);
  return WALK(c, v, mtls_fields, &p->mode);
}

/* portLevelMtls keys are ports; YAML may write them as integers or quoted
 * strings, both reach Istio as the JSON key text. */
static bool port_entry(pctx *c, const zt_ynode *k, const zt_ynode *v,
                       zt_port_mtls *out) {
  uint32_t port = 0;
  if (k->type != ZT_YNODE_SCALAR || !zt_syn_port(k->str, k->len, &port) ||
      port == 0)
    return perr(c, k, "port \"%.20s\" must be a number between 1 and 65535",
                k->str);
  out->port = port;
  out->pos = pos_of(k);
  if (zt_ynode_is_null(v))
    return true;
  return WALK(c, v, mtls_fields, &out->mode);
}

static bool f_port_mtls(pctx *c, const zt_ynode *v, void *out) {
  zt_peer_authn *p = out;
  if (!want(c, v, ZT_YNODE_MAP))
    return false;
  p->has_ports = true;
  p->ports_pos = pos_of(v);
  if (v->len == 0)
    return true;
  p->ports = arena(c, v->len * sizeof(*p->ports));
  if (!p->ports)
    return false;
  bool ok = true;
  for (uint32_t i = 0; i < v->len; i++) {
    const zt_ynode *k = v->kids[2 * i];
    size_t saved = path_push(c, "[%.20s]", k->str);
    if (port_entry(c, k, v->kids[2 * i + 1], &p->ports[p->n_ports]))
      p->n_ports++;
    else
      ok = false;
    path_pop(c, saved);
  }
  return ok;
}

static const field peer_fields[] = {
    {"selector", f_selector, offsetof(zt_peer_authn, selector)},
    {"mtls", f_mtls, 0},
    {"portLevelMtls", f_port_mtls, 0},
};

/* ---- RequestAuthentication ----------------------------------------------- */

static const field jwt_header_fields[] = {
    {"name", f_str, offsetof(zt_jwt_header, name)},
    {"prefix", f_str, offsetof(zt_jwt_header, prefix)},
};

static bool jwt_header(pctx *c, const zt_ynode *v, void *out) {
  zt_jwt_header *h = out;
  h->pos = pos_of(v);
  return WALK(c, v, jwt_header_fields, h);
}

static const field claim_header_fields[] = {
    {"header", f_str, offsetof(zt_claim_header, header)},
    {"claim", f_str, offsetof(zt_claim_header, claim)},
};

static bool claim_header(pctx *c, const zt_ynode *v, void *out) {
  zt_claim_header *h = out;
  h->pos = pos_of(v);
  return WALK(c, v, claim_header_fields, h);
}

static bool f_from_headers(pctx *c, const zt_ynode *v, void *out) {
  zt_jwt_rule *r = out;
  r->has_from_headers = true;
  return each_item(c, v, sizeof(zt_jwt_header), (void **)&r->from_headers,
                   &r->n_from_headers, jwt_header);
}

static bool f_output_claims(pctx *c, const zt_ynode *v, void *out) {
  zt_jwt_rule *r = out;
  return each_item(c, v, sizeof(zt_claim_header), (void **)&r->output_claims,
                   &r->n_output_claims, claim_header);
}

static bool f_timeout(pctx *c, const zt_ynode *v, void *out) {
  zt_jwt_rule *r = out;
  uint64_t ms = 0;
  bool whole = false;
  if (!want_string(c, v))
    return false;
  if (!zt_syn_duration_ms(v->str, v->len, &ms, &whole))
    return perr(c, v, "invalid duration \"%.40s\" (e.g. \"5s\", \"500ms\")",
                v->str);
  if (ms < 1)
    return perr(c, v, "duration must be at least 1ms");
  if (!whole)
    return perr(c, v, "duration must have millisecond precision");
  r->has_timeout = true;
  r->timeout_ms = ms;
  return true;
}

static bool f_jwks_uri(pctx *c, const zt_ynode *v, void *out) {
  zt_sval *s = out;
  if (s->s)
    return perr(c, v, "jwksUri and jwks_uri are the same field; set one");
  return sval_from(c, v, s);
}

static const field jwt_rule_fields[] = {
    {"issuer", f_str, offsetof(zt_jwt_rule, issuer)},
    {"audiences", f_strlist, offsetof(zt_jwt_rule, audiences)},
    {"jwksUri", f_jwks_uri, offsetof(zt_jwt_rule, jwks_uri)},
    {"jwks_uri", f_jwks_uri, offsetof(zt_jwt_rule, jwks_uri)},
    {"jwks", f_str, offsetof(zt_jwt_rule, jwks)},
    {"fromHeaders", f_from_headers, 0},
    {"fromParams", f_strlist, offsetof(zt_jwt_rule, from_params)},
    {"fromCookies", f_strlist, offsetof(zt_jwt_rule, from_cookies)},
    {"outputPayloadToHeader", f_str,
     offsetof(zt_jwt_rule, output_payload_to_header)},
    {"outputClaimToHeaders", f_output_claims, 0},
    {"forwardOriginalToken", f_bool,
     offsetof(zt_jwt_rule, forward_original_token)},
    {"timeout", f_timeout, 0},
    {"spaceDelimitedClaims", f_strlist,
     offsetof(zt_jwt_rule, space_delimited_claims)},
};

static bool jwt_rule(pctx *c, const zt_ynode *v, void *out) {
  zt_jwt_rule *r = out;
  r->pos = pos_of(v);
  return WALK(c, v, jwt_rule_fields, r);
}

static bool f_jwt_rules(pctx *c, const zt_ynode *v, void *out) {
  zt_request_authn *r = out;
  return each_item(c, v, sizeof(zt_jwt_rule), (void **)&r->rules, &r->n_rules,
                   jwt_rule);
}

static bool f_ra_target_ref(pctx *c, const zt_ynode *v, void *out) {
  zt_request_authn *r = out;
  r->has_target_ref = true;
  return target_ref(c, v, &r->target_ref);
}

static const field request_fields[] = {
    {"selector", f_selector, offsetof(zt_request_authn, selector)},
    {"targetRef", f_ra_target_ref, 0},
    {"targetRefs", f_target_refs, offsetof(zt_request_authn, target_refs)},
    {"jwtRules", f_jwt_rules, 0},
};

/* ---- Kubernetes Service (lint input only, read leniently) -----------------
 */

static void service_port(pctx *c, const zt_ynode *v, zt_service_port *p) {
  const zt_ynode *n;
  if ((n = zt_ymap_get(v, "name")) && n->type == ZT_YNODE_SCALAR)
    p->name.s = zt_arena_strndup(&c->ps->arena, n->str, n->len),
    p->name.len = n->len;
  if ((n = zt_ymap_get(v, "appProtocol")) && n->type == ZT_YNODE_SCALAR)
    p->app_protocol.s = zt_arena_strndup(&c->ps->arena, n->str, n->len),
    p->app_protocol.len = n->len;
  if ((n = zt_ymap_get(v, "port")) && n->type == ZT_YNODE_SCALAR)
    zt_syn_port(n->str, n->len, &p->port);
  p->target_port = p->port;
  if ((n = zt_ymap_get(v, "targetPort")) && n->type == ZT_YNODE_SCALAR &&
      !zt_syn_port(n->str, n->len, &p->target_port))
    p->target_port = 0;
}

static void parse_service(pctx *c, const zt_ynode *spec, zt_service *s) {
  const zt_ynode *sel = zt_ymap_get(spec, "selector");
  const zt_ynode *ports = zt_ymap_get(spec, "ports");
  if (sel && sel->type == ZT_YNODE_MAP && sel->len) {
    s->selector = arena(c, sel->len * sizeof(*s->selector));
    for (uint32_t i = 0; s->selector && i < sel->len; i++) {
      const zt_ynode *k = sel->kids[2 * i], *v = sel->kids[2 * i + 1];
      if (v->type != ZT_YNODE_SCALAR)
        continue;
      zt_label *l = &s->selector[s->n_selector++];
      l->key.s = zt_arena_strndup(&c->ps->arena, k->str, k->len);
      l->key.len = k->len;
      l->value.s = zt_arena_strndup(&c->ps->arena, v->str, v->len);
      l->value.len = v->len;
    }
  }
  if (ports && ports->type == ZT_YNODE_SEQ && ports->len) {
    s->ports = arena(c, ports->len * sizeof(*s->ports));
    for (uint32_t i = 0; s->ports && i < ports->len; i++)
      if (ports->kids[i]->type == ZT_YNODE_MAP)
        service_port(c, ports->kids[i], &s->ports[s->n_ports++]);
  }
}

/* ---- metadata and documents ------------------------------------------------
 */

typedef struct meta_out {
  zt_object *obj;
  const zt_ynode *annotations;
} meta_out;

static bool f_meta_name(pctx *c, const zt_ynode *v, void *out) {
  zt_object *o = ((meta_out *)out)->obj;
  if (!sval_from(c, v, &o->name))
    return false;
  if (!zt_syn_dns1123_subdomain(o->name.s, o->name.len))
    return perr(c, v,
                "invalid name \"%.80s\": must be a lowercase RFC 1123 "
                "subdomain (a-z, 0-9, '-', '.'; at most 253 characters)",
                o->name.s);
  return true;
}

static bool f_meta_ns(pctx *c, const zt_ynode *v, void *out) {
  zt_object *o = ((meta_out *)out)->obj;
  if (!sval_from(c, v, &o->ns))
    return false;
  if (!zt_syn_dns1123_label(o->ns.s, o->ns.len))
    return perr(c, v,
                "invalid namespace \"%.80s\": must be a lowercase RFC 1123 "
                "label (a-z, 0-9, '-'; at most 63 characters)",
                o->ns.s);
  return true;
}

static bool f_meta_creation(pctx *c, const zt_ynode *v, void *out) {
  zt_object *o = ((meta_out *)out)->obj;
  if (!want_string(c, v))
    return false;
  if (!zt_syn_rfc3339(v->str, v->len, &o->creation))
    return perr(c, v, "invalid RFC 3339 timestamp \"%.40s\"", v->str);
  o->has_creation = true;
  return true;
}

static bool f_meta_strmap(pctx *c, const zt_ynode *v, void *out) {
  (void)out;
  return label_map(c, v, NULL, NULL);
}

static bool f_meta_annotations(pctx *c, const zt_ynode *v, void *out) {
  ((meta_out *)out)->annotations = v;
  return f_meta_strmap(c, v, out);
}

static bool f_any(pctx *c, const zt_ynode *v, void *out) {
  (void)c, (void)v, (void)out;
  return true;
}

static const field meta_fields[] = {
    {"name", f_meta_name, 0},
    {"namespace", f_meta_ns, 0},
    {"labels", f_meta_strmap, 0},
    {"annotations", f_meta_annotations, 0},
    {"creationTimestamp", f_meta_creation, 0},
    {"generateName", f_any, 0},
    {"uid", f_any, 0},
    {"resourceVersion", f_any, 0},
    {"generation", f_any, 0},
    {"selfLink", f_any, 0},
    {"managedFields", f_any, 0},
    {"ownerReferences", f_any, 0},
    {"finalizers", f_any, 0},
    {"deletionTimestamp", f_any, 0},
    {"deletionGracePeriodSeconds", f_any, 0},
};

static void dry_run_annotation(pctx *c, zt_object *o, const zt_ynode *ann) {
  if (!ann || ann->type != ZT_YNODE_MAP)
    return;
  for (uint32_t i = 0; i < ann->len; i++) {
    const zt_ynode *k = ann->kids[2 * i], *v = ann->kids[2 * i + 1];
    if (strcmp(k->str, "istio.io/dry-run") != 0 || v->type != ZT_YNODE_SCALAR)
      continue;
    o->has_dry_run = true;
    o->dry_run_pos = pos_of(k);
    size_t saved = path_push(c, "metadata.annotations[istio.io/dry-run]");
    if (!zt_syn_gobool(v->str, v->len, &o->dry_run))
      perr(c, v,
           "invalid value \"%.40s\": must be a boolean (true, false, 1, 0, "
           "t, f, TRUE, FALSE, True, False, T, F)",
           v->str);
    path_pop(c, saved);
  }
}

/* The raw metadata name or namespace text, so that problems found before
 * (or inside) metadata still name their object; empty when unusable. */
static zt_sval raw_meta(const zt_ynode *root, const char *key) {
  const zt_ynode *v = zt_ymap_get(zt_ymap_get(root, "metadata"), key);
  zt_sval s = {0};
  if (v && v->type == ZT_YNODE_SCALAR && zt_yscalar_kind(v) == ZT_YS_STR)
    s.s = v->str, s.len = v->len;
  return s;
}

static void announce_raw(pctx *c, const char *kind, const zt_ynode *root) {
  zt_sval ns = raw_meta(root, "namespace");
  if (!ns.s)
    ns.s = "default", ns.len = 7;
  zt_reporter_object(c->rep, kind, ns, raw_meta(root, "name"));
}

static const char *const api_group = "security.istio.io/";

/* security.istio.io itself or any of its versions. */
static bool in_security_group(const char *api) {
  size_t n = strlen(api_group) - 1; /* without the '/' */
  return strncmp(api, api_group, n) == 0 && (api[n] == '\0' || api[n] == '/');
}

/* Which object a (apiVersion, kind) pair is; -1 for kinds we skip. */
static int kind_of(pctx *c, const zt_ynode *root, const zt_ynode *api,
                   const zt_ynode *kind, bool *bad) {
  static const char *const names[] = {
      "AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"};
  *bad = false;
  for (int i = 0; i < 3; i++) {
    if (strcmp(kind->str, names[i]) != 0)
      continue;
    if (!in_security_group(api->str))
      return -1;
    const char *ver = api->str + strlen(api_group);
    if (strcmp(ver, "v1") == 0 || strcmp(ver, "v1beta1") == 0)
      return i;
    *bad = true;
    announce_raw(c, names[i], root);
    perr(c, api,
         "unsupported apiVersion \"%.60s\" for %s: use security.istio.io/v1 "
         "or security.istio.io/v1beta1",
         api->str, names[i]);
    return -1;
  }
  if (strcmp(kind->str, "Service") == 0 && strcmp(api->str, "v1") == 0)
    return ZT_OBJ_SERVICE;
  if (in_security_group(api->str)) {
    /* A typo here would make a policy vanish: refuse it instead. */
    *bad = true;
    announce_raw(c, kind->str, root);
    perr(c, kind,
         "unknown kind \"%.60s\" in security.istio.io: expected "
         "AuthorizationPolicy, PeerAuthentication or RequestAuthentication",
         kind->str);
  }
  return -1;
}

const char *const zt_kind_names[4] = {"AuthorizationPolicy",
                                      "PeerAuthentication",
                                      "RequestAuthentication", "Service"};

static bool parse_spec(pctx *c, zt_object *o, const zt_ynode *spec) {
  size_t saved = path_push(c, "spec");
  bool ok = true;
  if (o->kind == ZT_OBJ_AUTHZ)
    ok = WALK(c, spec, authz_fields, &o->u.authz);
  else if (o->kind == ZT_OBJ_PEER)
    ok = WALK(c, spec, peer_fields, &o->u.peer);
  else if (o->kind == ZT_OBJ_REQUEST)
    ok = WALK(c, spec, request_fields, &o->u.request);
  else if (spec->type == ZT_YNODE_MAP)
    parse_service(c, spec, &o->u.service);
  path_pop(c, saved);
  return ok;
}

static const field object_fields[] = {
    {"apiVersion", f_any, 0}, {"kind", f_any, 0},   {"metadata", f_any, 0},
    {"spec", f_any, 0},       {"status", f_any, 0},
};

static bool parse_meta(pctx *c, zt_object *o, const zt_ynode *meta) {
  meta_out mo = {o, NULL};
  size_t saved = path_push(c, "metadata");
  bool ok = WALK(c, meta, meta_fields, &mo);
  path_pop(c, saved);
  dry_run_annotation(c, o, mo.annotations);
  return ok;
}

static void object_identity(pctx *c, zt_object *o, const zt_ynode *root) {
  const zt_ynode *meta = zt_ymap_get(root, "metadata");
  bool has_meta = meta && !zt_ynode_is_null(meta);
  if (has_meta)
    parse_meta(c, o, meta);
  bool implied_ns = !o->ns.s;
  if (implied_ns) {
    o->ns.s = "default";
    o->ns.len = 7;
  }
  zt_reporter_object(c->rep, zt_kind_names[o->kind], o->ns, o->name);
  if (!has_meta)
    perr(c, root, "metadata.name is required");
  else if (!o->name.s && meta->type == ZT_YNODE_MAP)
    perr(c, meta, "metadata.name is required");
  if (has_meta && implied_ns)
    zt_report(c->rep, ZT_SEVERITY_WARNING, ZT_OK, pos_of(meta),
              "no metadata.namespace: assuming \"default\", as kubectl does "
              "with a default context");
}

/* A Service is only lint input (its selector and ports): like any other
 * kind it must not make the set invalid, so its identity is read as is. */
static void service_identity(pctx *c, zt_object *o, const zt_ynode *root) {
  zt_sval name = raw_meta(root, "name"), ns = raw_meta(root, "namespace");
  o->name.s = zt_arena_strndup(&c->ps->arena, name.s ? name.s : "", name.len);
  o->name.len = name.len;
  o->ns.s = ns.s ? zt_arena_strndup(&c->ps->arena, ns.s, ns.len) : "default";
  o->ns.len = ns.s ? ns.len : 7;
  if (!o->name.s || !o->ns.s)
    oom(c);
}

static void parse_object(pctx *c, const zt_ynode *root, int kind, int32_t doc) {
  zt_object *o = arena(c, sizeof(*o));
  if (!o)
    return;
  o->kind = (uint32_t)kind;
  o->source = c->source;
  o->document = doc;
  o->pos = pos_of(root);
  o->order = c->st->order++;
  announce_raw(c, zt_kind_names[kind], root);
  uint64_t errors = c->rep->errors;
  if (kind == ZT_OBJ_SERVICE) {
    service_identity(c, o, root);
  } else {
    WALK(c, root, object_fields, o);
    object_identity(c, o, root);
  }
  zt_reporter_object(c->rep, zt_kind_names[kind], o->ns, o->name);
  const zt_ynode *spec = zt_ymap_get(root, "spec");
  if (spec && !zt_ynode_is_null(spec))
    parse_spec(c, o, spec);
  if (kind != ZT_OBJ_SERVICE && c->rep->errors == errors)
    zt_policy_validate(o, c->cfg, c->rep, &c->rc);
  if (!zt_policyset_add(c->ps, o))
    oom(c);
}

static bool required_string(pctx *c, const zt_ynode *root, const char *key,
                            const zt_ynode **out) {
  const zt_ynode *v = zt_ymap_get(root, key);
  *out = v;
  if (!v || zt_ynode_is_null(v))
    return perr(c, root, "\"%s\" is required", key);
  size_t saved = path_push(c, "%s%s", c->plen ? "." : "", key);
  bool ok = want_string(c, v);
  path_pop(c, saved);
  return ok;
}

static void parse_item(pctx *c, const zt_ynode *root, int32_t doc,
                       bool in_list);

static void parse_list(pctx *c, const zt_ynode *root, int32_t doc) {
  const zt_ynode *items = zt_ymap_get(root, "items");
  if (!items || zt_ynode_is_null(items))
    return;
  if (!want(c, items, ZT_YNODE_SEQ))
    return;
  for (uint32_t i = 0; i < items->len; i++) {
    size_t saved = path_push(c, "items[%u]", i);
    parse_item(c, items->kids[i], doc, true);
    path_pop(c, saved);
  }
}

/* kubectl's `kind: List` and the typed lists the API server returns. */
static bool is_list_kind(const char *kind) {
  static const char *const lists[] = {"List", "AuthorizationPolicyList",
                                      "PeerAuthenticationList",
                                      "RequestAuthenticationList"};
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
    if (strcmp(kind, lists[i]) == 0)
      return true;
  return false;
}

static void parse_item(pctx *c, const zt_ynode *root, int32_t doc,
                       bool in_list) {
  zt_reporter_object(c->rep, NULL, (zt_sval){0}, (zt_sval){0});
  if (!want(c, root, ZT_YNODE_MAP))
    return;
  const zt_ynode *api, *kind;
  if (!required_string(c, root, "apiVersion", &api) ||
      !required_string(c, root, "kind", &kind))
    return;
  if (is_list_kind(kind->str)) {
    if (in_list)
      perr(c, kind, "a List inside a List is not supported");
    else
      parse_list(c, root, doc);
    return;
  }
  bool bad;
  int k = kind_of(c, root, api, kind, &bad);
  if (k < 0) {
    if (!bad)
      zt_report(c->rep, ZT_SEVERITY_NOTE, ZT_OK, pos_of(root),
                "skipped %.60s %.60s: not a security policy", api->str,
                kind->str);
    return;
  }
  if (c->st->documents >= c->cfg->limits[ZT_LIMIT_DOCUMENTS]) {
    zt_report(c->rep, ZT_SEVERITY_ERROR, ZT_ELIMIT, pos_of(root),
              "more than %llu objects in the set",
              (unsigned long long)c->cfg->limits[ZT_LIMIT_DOCUMENTS]);
    c->rc = ZT_ELIMIT;
    return;
  }
  c->st->documents++;
  /* Field paths are relative to the object, also for List items: the
   * message names the object and the position locates it. */
  path_pop(c, 0);
  parse_object(c, root, k, doc);
}

static int on_document(void *ctx, const zt_ynode *root, uint32_t index) {
  pctx *c = ctx;
  c->rep->document = (int32_t)index;
  if (root)
    parse_item(c, root, (int32_t)index, false);
  zt_reporter_object(c->rep, NULL, (zt_sval){0}, (zt_sval){0});
  /* Out of memory or the object limit end the stream; schema errors do
   * not, so that one run reports every problem. */
  return c->rc == ZT_ENOMEM || c->rc == ZT_ELIMIT ? c->rc : 0;
}

int zt_policy_parse(zt_policyset *ps, zt_parse_state *st, const zt_config *cfg,
                    zt_reporter *rep, const char *buf, size_t len,
                    const char *source) {
  pctx c = {.ps = ps, .st = st, .cfg = cfg, .rep = rep, .source = source};
  rep->source = source;
  zt_yaml_limits lim;
  zt_config_yaml_limits(cfg, &lim);
  zt_yaml_error ye;
  int rc = zt_yaml_parse(buf, len, &lim, &cfg->mem, on_document, &c, &ye);
  /* The callback reports what stops it; anything else that ended the
   * stream comes from the YAML layer and must be an error here too. */
  if (rc && !(c.rc == rc && ye.message[0] == '\0')) {
    rep->document = ye.document;
    zt_reporter_object(rep, NULL, (zt_sval){0}, (zt_sval){0});
    zt_report(rep, ZT_SEVERITY_ERROR, rc, (zt_pos){ye.line, ye.col}, "%s",
              ye.message[0] ? ye.message : zt_strerror(rc));
    if (c.rc == ZT_OK)
      c.rc = rc;
  }
  rep->document = -1;
  return c.rc;
}

/* ---- the set ------------------------------------------------------------- */

void zt_policyset_init(zt_policyset *ps, const zt_allocator *mem) {
  memset(ps, 0, sizeof(*ps));
  zt_arena_init(&ps->arena, mem);
}

void zt_policyset_free(zt_policyset *ps) {
  for (int i = 0; i < 4; i++)
    zt_free(ps->arena.mem, ps->kinds[i].v);
  zt_arena_free(&ps->arena);
}

bool zt_policyset_add(zt_policyset *ps, zt_object *obj) {
  zt_objvec *v = &ps->kinds[obj->kind];
  if (!zt_grow(ps->arena.mem, (void **)&v->v, sizeof(*v->v), &v->cap, v->n + 1))
    return false;
  v->v[v->n++] = obj;
  return true;
}
