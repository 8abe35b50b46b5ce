#include "policy_validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ipaddr.h"
#include "jwks.h"
#include "keyset.h"
#include "pathtpl.h"
#include "syntax.h"

typedef struct vctx {
  const zt_object *o;
  const zt_config *cfg;
  zt_reporter *rep;
  int *rc;
} vctx;

ZT_PRINTF(3, 4)
static void verr(vctx *v, zt_pos pos, const char *fmt, ...) {
  char msg[450];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  zt_report(v->rep, ZT_SEVERITY_ERROR, ZT_EPOLICY, pos, "%s", msg);
  if (*v->rc == ZT_OK)
    *v->rc = ZT_EPOLICY;
}

ZT_PRINTF(3, 4)
static void vwarn(vctx *v, zt_pos pos, const char *fmt, ...) {
  char msg[450];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  zt_report(v->rep, ZT_SEVERITY_WARNING, ZT_OK, pos, "%s", msg);
}

static bool has(const char *s, size_t n, char ch) {
  return n && memchr(s, ch, n) != NULL;
}

static bool eq(zt_sval v, const char *lit) {
  return v.s && v.len == strlen(lit) && memcmp(v.s, lit, v.len) == 0;
}

static bool is_root_ns(const vctx *v) {
  return v->o->ns.len == v->cfg->root_ns.len &&
         memcmp(v->o->ns.s, v->cfg->root_ns.s, v->o->ns.len) == 0;
}

/* ---- selector and target references (§1.3, §1.4) ------------------------ */

static void check_selector(vctx *v, const zt_selector *s) {
  if (!s->present)
    return;
  if (s->n == 0)
    vwarn(v, s->pos,
          "spec.selector has no matchLabels: it selects every workload in "
          "scope");
  if (s->n > 4096)
    verr(v, s->pos, "spec.selector.matchLabels: more than 4096 labels");
  for (uint32_t i = 0; i < s->n; i++) {
    const zt_label *l = &s->labels[i];
    if (l->key.len == 0)
      verr(v, l->key.pos,
           "spec.selector.matchLabels: empty key is not "
           "supported in selector");
    if (has(l->key.s, l->key.len, '*') || has(l->value.s, l->value.len, '*'))
      verr(v, l->key.pos,
           "spec.selector.matchLabels[%.60s]: wildcard is not supported in "
           "selector",
           l->key.s);
    if (l->value.len > 63)
      verr(v, l->value.pos,
           "spec.selector.matchLabels[%.60s]: value longer than 63 "
           "characters",
           l->key.s);
  }
}

static void check_target_ref(vctx *v, const zt_target_ref *r,
                             const char *where) {
  if (!r->kind.s || r->kind.len == 0)
    verr(v, r->pos, "%s: kind is required", where);
  else if (!zt_syn_target_kind(r->kind.s, r->kind.len))
    verr(v, r->kind.pos, "%s: invalid kind \"%.63s\"", where, r->kind.s);
  if (!r->name.s || r->name.len == 0)
    verr(v, r->pos, "%s: name must be set", where);
  else if (r->name.len > 253)
    verr(v, r->name.pos, "%s: name longer than 253 characters", where);
  if (r->group.s && !zt_syn_target_group(r->group.s, r->group.len))
    verr(v, r->group.pos, "%s: invalid group \"%.60s\"", where, r->group.s);
  if (r->ns.s && r->ns.len)
    verr(v, r->ns.pos,
         "%s: namespace must not be set; cross namespace referencing is not "
         "currently supported",
         where);
  if (!r->kind.s)
    return;
  bool core = !r->group.s || r->group.len == 0 || eq(r->group, "core");
  bool gw = eq(r->group, "gateway.networking.k8s.io");
  bool ok =
      (gw && (eq(r->kind, "Gateway") || eq(r->kind, "GatewayClass"))) ||
      (core && eq(r->kind, "Service")) ||
      (eq(r->group, "networking.istio.io") && eq(r->kind, "ServiceEntry"));
  if (!ok)
    verr(v, r->kind.pos,
         "%s: must refer to one of gateway.networking.k8s.io/Gateway, "
         "gateway.networking.k8s.io/GatewayClass, core/Service or "
         "networking.istio.io/ServiceEntry, not %.60s/%.60s",
         where, core ? "core" : r->group.s, r->kind.s);
  else if (eq(r->kind, "GatewayClass") && !is_root_ns(v))
    verr(v, r->kind.pos,
         "%s: a policy that refers to a GatewayClass must be in the root "
         "namespace (%s)",
         where, v->cfg->root_ns.s);
}

static void check_targets(vctx *v, const zt_selector *sel,
                          const zt_target_ref *single, bool has_single,
                          const zt_target_refs *refs) {
  int kinds = (sel->present ? 1 : 0) + (has_single ? 1 : 0) +
              (refs->present && refs->n ? 1 : 0);
  if (kinds > 1)
    verr(v, sel->present ? sel->pos : refs->pos,
         "only one of targetRefs, targetRef or selector can be set");
  if (has_single)
    check_target_ref(v, single, "spec.targetRef");
  if (refs->n > 16)
    verr(v, refs->pos, "spec.targetRefs: at most 16 references");
  char where[48];
  for (uint32_t i = 0; i < refs->n; i++) {
    zt_path_fmt(where, sizeof(where), "spec.targetRefs[%u]", i);
    check_target_ref(v, &refs->v[i], where);
  }
  check_selector(v, sel);
}

/* ---- values ---------------------------------------------------------------
 */

typedef enum vkind {
  V_PATTERN, /* the generic grammar of §8.1 */
  V_IP,      /* IP or CIDR */
  V_PORT,    /* 0..65535 */
  V_SA,      /* ns/sa or sa */
  V_TD,      /* trust domain pattern */
  V_PATH,    /* pattern or path template */
  V_LITERAL, /* no checks beyond non-empty */
} vkind;

static void check_value(vctx *v, const zt_sval *s, vkind k, const char *where) {
  const char *why = NULL;
  uint32_t port;
  zt_cidr cidr;
  if (s->len == 0) {
    verr(v, s->pos, "%s: empty value not allowed", where);
    return;
  }
  switch (k) {
  case V_IP:
    if (!zt_cidr_parse(s->s, s->len, &cidr))
      verr(v, s->pos, "%s: invalid IP address or CIDR range \"%.60s\"", where,
           s->s);
    return;
  case V_PORT:
    if (!zt_syn_port(s->s, s->len, &port))
      verr(v, s->pos,
           "%s: invalid port \"%.20s\": must be a number between "
           "0 and 65535",
           where, s->s);
    return;
  case V_SA:
    if (!zt_syn_service_account(s->s, s->len, &why))
      verr(v, s->pos, "%s: invalid service account \"%.60s\": %s", where, s->s,
           why);
    return;
  case V_TD:
    if (!zt_syn_trust_domain_pattern(s->s, s->len, &why))
      verr(v, s->pos, "%s: invalid trust domain \"%.60s\": %s", where, s->s,
           why);
    return;
  case V_PATH:
    if (zt_pathtpl_is_template(s->s, s->len)) {
      if (!zt_pathtpl_check(s->s, s->len, &why))
        verr(v, s->pos, "%s: invalid path template \"%.80s\": %s", where, s->s,
             why);
      return;
    }
    break;
  default:
    break;
  }
  if (k != V_LITERAL && zt_syn_star_position(s->s, s->len) == ZT_STAR_LITERAL)
    vwarn(v, s->pos,
          "%s: \"%.80s\": a '*' that is not the first or last character is "
          "matched literally",
          where, s->s);
}

static void check_list(vctx *v, const zt_slist *l, vkind k, const char *where) {
  char at[160];
  for (uint32_t i = 0; i < l->n; i++) {
    zt_path_fmt(at, sizeof(at), "%s[%u]", where, i);
    check_value(v, &l->v[i], k, at);
  }
}

/* ---- AuthorizationPolicy ------------------------------------------------- */

static const vkind source_kinds[ZT_SRC_COUNT / 2] = {
    V_PATTERN, V_PATTERN, V_PATTERN, V_SA, V_IP, V_IP, V_TD};
static const vkind op_kinds[ZT_OP_COUNT / 2] = {V_PATTERN, V_PORT, V_PATTERN,
                                                V_PATH};

static bool all_empty(const zt_slist *f, int n) {
  for (int i = 0; i < n; i++)
    if (f[i].n)
      return false;
  return true;
}

static void check_source(vctx *v, const zt_source *s, const char *where,
                         bool custom) {
  char at[160];
  if (all_empty(s->f, ZT_SRC_COUNT))
    verr(v, s->pos, "%s: from.source must not be empty", where);
  for (int i = 0; i < ZT_SRC_COUNT; i++) {
    zt_path_fmt(at, sizeof(at), "%s.%s", where, zt_source_field_names[i]);
    check_list(v, &s->f[i], source_kinds[i / 2], at);
    if (s->f[i].n > 16 && i / 2 == ZT_SRC_SERVICE_ACCOUNTS / 2)
      verr(v, s->f[i].pos, "%s: at most 16 service accounts", at);
    bool banned = i != ZT_SRC_IP_BLOCKS && i != ZT_SRC_NOT_IP_BLOCKS &&
                  i != ZT_SRC_REMOTE_IP_BLOCKS &&
                  i != ZT_SRC_NOT_REMOTE_IP_BLOCKS;
    if (custom && banned && s->f[i].n)
      verr(v, s->f[i].pos,
           "%s: not supported with action CUSTOM (identity and JWT fields are "
           "evaluated after the CUSTOM provider)",
           at);
  }
  bool sa =
      s->f[ZT_SRC_SERVICE_ACCOUNTS].n || s->f[ZT_SRC_NOT_SERVICE_ACCOUNTS].n;
  bool other = s->f[ZT_SRC_PRINCIPALS].n || s->f[ZT_SRC_NOT_PRINCIPALS].n ||
               s->f[ZT_SRC_NAMESPACES].n || s->f[ZT_SRC_NOT_NAMESPACES].n;
  if (sa && other)
    verr(v, s->pos,
         "%s: serviceAccounts and notServiceAccounts cannot be set together "
         "with principals, notPrincipals, namespaces or notNamespaces",
         where);
}

static void check_operation(vctx *v, const zt_operation *o, const char *where) {
  char at[160];
  if (all_empty(o->f, ZT_OP_COUNT))
    verr(v, o->pos, "%s: to.operation must not be empty", where);
  for (int i = 0; i < ZT_OP_COUNT; i++) {
    zt_path_fmt(at, sizeof(at), "%s.%s", where, zt_operation_field_names[i]);
    check_list(v, &o->f[i], op_kinds[i / 2], at);
  }
}

/* when keys (§8.16) */

static bool prefix(const char *s, size_t n, const char *p) {
  size_t m = strlen(p);
  return n >= m && memcmp(s, p, m) == 0;
}

static bool exact(const char *s, size_t n, const char *p) {
  return n == strlen(p) && memcmp(s, p, n) == 0;
}

/* One or more "[x]" groups, x non-empty without brackets. */
static bool bracket_groups(const char *s, size_t n, bool many) {
  size_t groups = 0, i = 0;
  while (i < n) {
    if (s[i] != '[')
      return false;
    size_t j = i + 1;
    while (j < n && s[j] != ']' && s[j] != '[')
      j++;
    if (j >= n || s[j] != ']' || j == i + 1)
      return false;
    groups++;
    i = j + 1;
  }
  return groups == 1 || (many && groups > 1);
}

int zt_when_key_kind(const char *k, size_t n, const char **why) {
  static const struct {
    const char *name;
    int kind;
  } plain[] = {
      {"source.ip", ZT_KEY_SOURCE_IP},
      {"remote.ip", ZT_KEY_REMOTE_IP},
      {"source.namespace", ZT_KEY_SOURCE_NS},
      {"source.principal", ZT_KEY_SOURCE_PRINC},
      {"source.serviceAccount", ZT_KEY_SOURCE_SA},
      {"source.trustDomain", ZT_KEY_SOURCE_TD},
      {"request.auth.principal", ZT_KEY_REQ_PRINCIPAL},
      {"request.auth.audiences", ZT_KEY_REQ_AUDIENCES},
      {"request.auth.presenter", ZT_KEY_REQ_PRESENTER},
      {"destination.ip", ZT_KEY_DEST_IP},
      {"destination.port", ZT_KEY_DEST_PORT},
      {"connection.sni", ZT_KEY_SNI},
  };
  *why = "unknown attribute";
  for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
    if (exact(k, n, plain[i].name))
      return plain[i].kind;
  if (prefix(k, n, "request.headers")) {
    *why = "expected request.headers[<name>] with a non-empty name";
    return bracket_groups(k + 15, n - 15, false) ? ZT_KEY_HEADER
                                                 : ZT_KEY_UNKNOWN;
  }
  if (prefix(k, n, "request.auth.claims")) {
    *why = "expected request.auth.claims[<name>] or nested "
           "request.auth.claims[<a>][<b>] with non-empty names";
    return bracket_groups(k + 19, n - 19, true) ? ZT_KEY_REQ_CLAIMS
                                                : ZT_KEY_UNKNOWN;
  }
  if (prefix(k, n, "experimental.envoy.filters.")) {
    const char *b = memchr(k, '[', n);
    *why = "expected experimental.envoy.filters.<filter>[<key>]";
    if (b && b > k + 27 && bracket_groups(b, n - (size_t)(b - k), false))
      return ZT_KEY_ENVOY_FILTERS;
    return ZT_KEY_UNKNOWN;
  }
  if (exact(k, n, "destination.namespace"))
    *why = "attribute destination.namespace is replaced by the "
           "metadata.namespace";
  else if (prefix(k, n, "destination.labels"))
    *why = "attribute destination.labels is replaced by the workload selector";
  else if (exact(k, n, "destination.name") || exact(k, n, "destination.user"))
    *why = "attribute is only supported in v1alpha1";
  return ZT_KEY_UNKNOWN;
}

int zt_when_key_is_http(int kind) {
  return kind == ZT_KEY_HEADER || kind == ZT_KEY_REQ_PRINCIPAL ||
         kind == ZT_KEY_REQ_AUDIENCES || kind == ZT_KEY_REQ_PRESENTER ||
         kind == ZT_KEY_REQ_CLAIMS;
}

static vkind when_value_kind(int kind) {
  switch (kind) {
  case ZT_KEY_SOURCE_IP:
  case ZT_KEY_REMOTE_IP:
  case ZT_KEY_DEST_IP:
    return V_IP;
  case ZT_KEY_DEST_PORT:
    return V_PORT;
  case ZT_KEY_SOURCE_SA:
    return V_SA;
  case ZT_KEY_SOURCE_TD:
    return V_TD;
  default:
    return V_PATTERN;
  }
}

static bool custom_banned_key(int kind) {
  return kind == ZT_KEY_SOURCE_NS || kind == ZT_KEY_SOURCE_SA ||
         kind == ZT_KEY_SOURCE_TD || kind == ZT_KEY_SOURCE_PRINC ||
         kind == ZT_KEY_REQ_PRINCIPAL || kind == ZT_KEY_REQ_AUDIENCES ||
         kind == ZT_KEY_REQ_PRESENTER || kind == ZT_KEY_REQ_CLAIMS;
}

static void check_condition(vctx *v, const zt_condition *c, const char *where,
                            bool custom) {
  char at[160];
  const char *why;
  if (!c->key.s || c->key.len == 0) {
    verr(v, c->pos, "%s: key must not be empty", where);
    return;
  }
  if (c->values.n == 0 && c->not_values.n == 0)
    verr(v, c->key.pos,
         "%s: at least one of values or notValues must be set for key %.80s",
         where, c->key.s);
  int kind = zt_when_key_kind(c->key.s, c->key.len, &why);
  if (kind == ZT_KEY_UNKNOWN) {
    verr(v, c->key.pos, "%s.key: %.80s: %s", where, c->key.s, why);
    return;
  }
  if (custom && custom_banned_key(kind))
    verr(v, c->key.pos,
         "%s.key: %.80s is not supported with action CUSTOM (it is evaluated "
         "after the CUSTOM provider)",
         where, c->key.s);
  zt_path_fmt(at, sizeof(at), "%s.values", where);
  check_list(v, &c->values, when_value_kind(kind), at);
  zt_path_fmt(at, sizeof(at), "%s.notValues", where);
  check_list(v, &c->not_values, when_value_kind(kind), at);
}

/* Which parts of a rule are HTTP-only (§7.6), for the DENY warning. */
static bool source_http_only(const zt_source *s) {
  for (int i = 0; i < ZT_SRC_COUNT; i++)
    if (s->f[i].n && i / 2 != ZT_SRC_REQUEST_PRINCIPALS / 2)
      return false;
  return true;
}

static bool rule_only_http(const zt_rule *r) {
  bool http = false;
  for (uint32_t i = 0; i < r->n_from; i++) {
    if (!source_http_only(&r->from[i]))
      return false;
    http = true;
  }
  for (uint32_t i = 0; i < r->n_to; i++) {
    const zt_operation *o = &r->to[i];
    if (o->f[ZT_OP_PORTS].n || o->f[ZT_OP_NOT_PORTS].n)
      return false;
    http = true;
  }
  for (uint32_t i = 0; i < r->n_when; i++) {
    const char *why;
    const zt_condition *c = &r->when[i];
    if (!zt_when_key_is_http(zt_when_key_kind(c->key.s, c->key.len, &why)))
      return false;
    http = true;
  }
  return http;
}

static void check_rule(vctx *v, const zt_rule *r, uint32_t index) {
  const zt_authz_policy *p = &v->o->u.authz;
  bool custom = p->action == ZT_ACTION_CUSTOM;
  char at[96];
  if (r->has_from && r->n_from == 0)
    verr(v, r->from_pos, "spec.rules[%u].from: must not be empty", index);
  if (r->has_to && r->n_to == 0)
    verr(v, r->to_pos, "spec.rules[%u].to: must not be empty", index);
  if (r->n_from > 512)
    verr(v, r->from_pos, "spec.rules[%u].from: at most 512 entries", index);
  for (uint32_t i = 0; i < r->n_from; i++) {
    zt_path_fmt(at, sizeof(at), "spec.rules[%u].from[%u].source", index, i);
    check_source(v, &r->from[i], at, custom);
  }
  for (uint32_t i = 0; i < r->n_to; i++) {
    zt_path_fmt(at, sizeof(at), "spec.rules[%u].to[%u].operation", index, i);
    check_operation(v, &r->to[i], at);
  }
  for (uint32_t i = 0; i < r->n_when; i++) {
    zt_path_fmt(at, sizeof(at), "spec.rules[%u].when[%u]", index, i);
    check_condition(v, &r->when[i], at, custom);
  }
  if (p->action == ZT_ACTION_DENY && rule_only_http(r))
    vwarn(v, r->pos,
          "spec.rules[%u]: this DENY rule uses only HTTP attributes: it will "
          "deny all traffic to TCP ports under its scope; specify the ports "
          "(to.operation.ports) to limit it",
          index);
}

static void check_authz(vctx *v) {
  const zt_authz_policy *p = &v->o->u.authz;
  check_targets(v, &p->selector, &p->target_ref, p->has_target_ref,
                &p->target_refs);
  if (p->action == ZT_ACTION_CUSTOM) {
    if (!p->has_rules || p->n_rules == 0)
      verr(v, p->action_pos,
           "CUSTOM action without `rules` is meaningless as it will never be "
           "triggered, add an empty rule `{}` if you want it be triggered for "
           "every request");
    else if (!p->provider_name.s || p->provider_name.len == 0)
      verr(v, p->has_provider ? p->provider_pos : p->action_pos,
           "spec.provider.name must not be empty with action CUSTOM");
  } else if (p->has_provider) {
    verr(v, p->provider_pos,
         "spec.provider is only allowed with action CUSTOM");
  }
  if (p->action == ZT_ACTION_DENY && (!p->has_rules || p->n_rules == 0))
    verr(v, p->action_pos,
         "DENY action without `rules` is meaningless as it will never be "
         "triggered, add an empty rule `{}` if you want it be triggered for "
         "every request");
  if (p->n_rules > 512)
    verr(v, p->rules_pos, "spec.rules: at most 512 rules");
  for (uint32_t i = 0; i < p->n_rules; i++)
    check_rule(v, &p->rules[i], i);
  if (v->o->has_dry_run &&
      (p->action == ZT_ACTION_AUDIT || p->action == ZT_ACTION_CUSTOM))
    verr(v, v->o->dry_run_pos,
         "istio.io/dry-run is only supported with action ALLOW or DENY");
}

/* ---- PeerAuthentication -------------------------------------------------- */

static void check_peer(vctx *v) {
  const zt_peer_authn *p = &v->o->u.peer;
  check_selector(v, &p->selector);
  bool workload = p->selector.present && p->selector.n > 0;
  if (p->has_ports && !workload)
    verr(v, p->ports_pos,
         "spec.portLevelMtls: requires a selector with matchLabels (mesh and "
         "namespace peer authentication cannot have port level mTLS)");
  if (p->has_ports && p->n_ports == 0)
    verr(v, p->ports_pos, "spec.portLevelMtls: must have at least one port");
  for (uint32_t i = 0; i < p->n_ports; i++)
    for (uint32_t j = 0; j < i; j++)
      if (p->ports[i].port == p->ports[j].port)
        verr(v, p->ports[i].pos, "spec.portLevelMtls: port %u appears twice",
             p->ports[i].port);
  if (workload && is_root_ns(v))
    vwarn(v, p->selector.pos,
          "a PeerAuthentication with a workload selector in the root "
          "namespace (%s) is ignored",
          v->cfg->root_ns.s);
}

/* ---- RequestAuthentication ----------------------------------------------- */

static void check_str_field(vctx *v, const zt_sval *s, const char *where) {
  if (s->s && s->len == 0)
    verr(v, s->pos, "%s: must not be empty", where);
}

/* Istio accepts the set, but ztauth's stricter import (RSA >= 2048 bits,
 * HMAC keys >= 32 bytes, points on their curve) may keep no key of it:
 * every token of the rule would then be refused. */
static void check_jwks_usable(vctx *v, const zt_jwt_rule *r,
                              const char *where) {
  zt_keyset *ks = NULL;
  zt_jwks_result res;
  int rc = zt_keyset_from_jwks(NULL, r->jwks.s, r->jwks.len, &ks, &res);
  zt_keyset_release(ks);
  if (rc == ZT_OK && res.status != ZT_JWKS_OK)
    vwarn(v, r->jwks.pos,
          "%s.jwks: ztauth can use no key of this set (%s): every token of "
          "this rule will be refused",
          where, res.why ? res.why : zt_jwt_status_name(res.status));
}

static void check_jwks(vctx *v, const zt_jwt_rule *r, const char *where) {
  const char *why = NULL;
  bool private_key = false;
  if (!zt_jwks_check(r->jwks.s, r->jwks.len, &private_key, &why))
    verr(v, r->jwks.pos, "%s.jwks: not a valid JWK set: %s", where, why);
  else if (private_key)
    vwarn(v, r->jwks.pos,
          "%s.jwks: contains private key material; publish only public keys",
          where);
  else
    check_jwks_usable(v, r, where);
}

static void check_jwt_locations(vctx *v, const zt_jwt_rule *r,
                                const char *where) {
  char at[128];
  for (uint32_t i = 0; i < r->n_from_headers; i++) {
    const zt_jwt_header *h = &r->from_headers[i];
    zt_path_fmt(at, sizeof(at), "%s.fromHeaders[%u].name", where, i);
    if (!h->name.s || h->name.len == 0)
      verr(v, h->pos, "%s: location header name must be non-empty", at);
    else if (!zt_syn_http_token(h->name.s, h->name.len))
      vwarn(v, h->name.pos, "%s: \"%.60s\" is not a valid HTTP header name", at,
            h->name.s);
  }
  zt_path_fmt(at, sizeof(at), "%s.fromParams", where);
  check_list(v, &r->from_params, V_LITERAL, at);
  zt_path_fmt(at, sizeof(at), "%s.fromCookies", where);
  check_list(v, &r->from_cookies, V_LITERAL, at);
}

static void check_jwt_outputs(vctx *v, const zt_jwt_rule *r,
                              const char *where) {
  char at[128];
  for (uint32_t i = 0; i < r->n_output_claims; i++) {
    const zt_claim_header *h = &r->output_claims[i];
    zt_path_fmt(at, sizeof(at), "%s.outputClaimToHeaders[%u]", where, i);
    if (!h->header.s || h->header.len == 0)
      verr(v, h->pos, "%s.header: must not be empty", at);
    else if (!zt_syn_header_name(h->header.s, h->header.len))
      verr(v, h->header.pos, "%s.header: \"%.60s\" must match ^[-_A-Za-z0-9]+$",
           at, h->header.s);
    if (!h->claim.s || h->claim.len == 0)
      verr(v, h->pos, "%s.claim: must not be empty", at);
  }
  zt_path_fmt(at, sizeof(at), "%s.outputPayloadToHeader", where);
  const zt_sval *o = &r->output_payload_to_header;
  check_str_field(v, o, at);
  if (o->s && o->len && !zt_syn_http_token(o->s, o->len))
    vwarn(v, o->pos, "%s: \"%.60s\" is not a valid HTTP header name", at, o->s);
}

static void check_jwt_rule(vctx *v, const zt_jwt_rule *r, uint32_t index) {
  char at[64], sub[96];
  const char *why = NULL;
  zt_path_fmt(at, sizeof(at), "spec.jwtRules[%u]", index);
  zt_path_fmt(sub, sizeof(sub), "%s.issuer", at);
  check_str_field(v, &r->issuer, sub);
  if ((!r->issuer.s || !r->issuer.len) && (!r->jwks_uri.s || !r->jwks_uri.len))
    verr(v, r->pos, "%s: issuer or jwksUri must be set", at);
  if (r->jwks.s && r->jwks_uri.s)
    verr(v, r->jwks.pos, "%s: only one of jwks or jwksUri can be set", at);
  if (r->jwks_uri.s && !zt_syn_jwks_uri(r->jwks_uri.s, r->jwks_uri.len, &why))
    verr(v, r->jwks_uri.pos, "%s.jwksUri: %s", at, why);
  if (r->jwks.s)
    check_jwks(v, r, at);
  zt_path_fmt(sub, sizeof(sub), "%s.audiences", at);
  check_list(v, &r->audiences, V_LITERAL, sub);
  check_jwt_locations(v, r, at);
  check_jwt_outputs(v, r, at);
  zt_path_fmt(sub, sizeof(sub), "%s.spaceDelimitedClaims", at);
  check_list(v, &r->space_delimited_claims, V_LITERAL, sub);
  if (r->space_delimited_claims.n > 64)
    verr(v, r->space_delimited_claims.pos, "%s: at most 64 claims", sub);
}

static void check_request(vctx *v) {
  const zt_request_authn *r = &v->o->u.request;
  check_targets(v, &r->selector, &r->target_ref, r->has_target_ref,
                &r->target_refs);
  if (r->n_rules > 4096)
    verr(v, v->o->pos, "spec.jwtRules: at most 4096 rules");
  for (uint32_t i = 0; i < r->n_rules; i++)
    check_jwt_rule(v, &r->rules[i], i);
}

void zt_policy_validate(const zt_object *o, const zt_config *cfg,
                        zt_reporter *rep, int *rc) {
  vctx v = {o, cfg, rep, rc};
  if (o->has_dry_run && o->kind != ZT_OBJ_AUTHZ)
    verr(&v, o->dry_run_pos,
         "istio.io/dry-run is only supported on AuthorizationPolicy");
  if (o->kind == ZT_OBJ_AUTHZ)
    check_authz(&v);
  else if (o->kind == ZT_OBJ_PEER)
    check_peer(&v);
  else if (o->kind == ZT_OBJ_REQUEST)
    check_request(&v);
}
