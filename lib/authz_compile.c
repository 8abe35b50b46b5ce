/* AuthorizationPolicy -> match tables (authz.h). Runs at commit, off the
 * request path: it may allocate, and everything lands in one arena. */
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "pathtpl.h"
#include "policy_validate.h"
#include "syntax.h"

typedef struct cctx {
  zt_authz *a;
  const zt_config *cfg;
  zt_arena *ar;
  zt_arena *tmp;        /* freed when compilation ends */
  const zt_object *obj; /* the policy being compiled */
  bool split;           /* requestPrincipals split mode */
  int rc;
} cctx;

static void *cc_alloc(cctx *c, size_t n, size_t size) {
  if (c->rc)
    return NULL;
  if (n && size > SIZE_MAX / n) {
    c->rc = ZT_ENOMEM;
    return NULL;
  }
  size_t bytes = n * size;
  void *p = zt_arena_alloc(c->ar, bytes ? bytes : 1);
  if (!p)
    c->rc = ZT_ENOMEM;
  return p;
}

uint32_t zt_hash(const char *s, size_t n) {
  /* Word at a time: a per-request lookup hashes a principal or a path. */
  uint64_t h = 0x9e3779b97f4a7c15u ^ n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdu;
    h ^= h >> 32;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  if (n)
    memcpy(&w, s, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
  h ^= h >> 29;
  return (uint32_t)h;
}

/* ---- Trust-domain aliases (istio-semantics.md §8.6) ------------------- */

/* The bundle: trust domain first, then the aliases. */
static size_t bundle(const zt_config *cfg, const zt_name **out) {
  size_t n = 0;
  out[n++] = &cfg->trust_domain;
  for (uint32_t i = 0; i < cfg->n_aliases; i++)
    out[n++] = &cfg->aliases[i];
  return n;
}

/* Whether a trust-domain pattern of a policy value (which may start or end
 * with '*') matches a configured trust domain. */
static bool td_pattern_matches(const char *p, size_t n, const zt_name *td) {
  zt_strm m;
  zt_strm_compile(&m, p, n);
  return m.kind != ZT_SM_PRESENT && zt_strm_match(&m, td->s, td->len);
}

typedef struct strvec {
  zt_str v[ZT_ALIASES_MAX + 2];
  size_t n;
} strvec;

static void strvec_add(strvec *sv, const char *s, size_t n) {
  for (size_t i = 0; i < sv->n; i++)
    if (sv->v[i].len == n && memcmp(sv->v[i].ptr, s, n) == 0)
      return;
  sv->v[sv->n].ptr = s;
  sv->v[sv->n++].len = n;
}

static size_t count_char(const char *s, size_t n, char ch) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += s[i] == ch;
  return k;
}

/* The values a principals entry stands for once aliases are applied. */
static void expand_principal(cctx *c, const zt_sval *v, strvec *out) {
  out->n = 0;
  const char *slash = memchr(v->s, '/', v->len);
  size_t td_len = slash ? (size_t)(slash - v->s) : v->len;
  const zt_name *b[ZT_ALIASES_MAX + 1];
  size_t nb = bundle(c->cfg, b);
  bool member = false;
  for (size_t i = 0; i < nb; i++)
    member = member || td_pattern_matches(v->s, td_len, b[i]);
  bool local = td_len == 13 && memcmp(v->s, "cluster.local", 13) == 0;
  if (count_char(v->s, v->len, '/') != 4 || (td_len == 1 && v->s[0] == '*') ||
      (!member && !local)) {
    strvec_add(out, v->s, v->len);
    return;
  }
  for (size_t i = 0; i < nb && !c->rc; i++) {
    if (td_pattern_matches(v->s, td_len, b[i])) {
      strvec_add(out, v->s, v->len);
      continue;
    }
    size_t rest = v->len - td_len, n = b[i]->len + rest;
    char *s = cc_alloc(c, n + 1, 1);
    if (!s)
      return;
    memcpy(s, b[i]->s, b[i]->len);
    memcpy(s + b[i]->len, v->s + td_len, rest);
    strvec_add(out, s, n);
  }
}

static void expand_trust_domain(cctx *c, const zt_sval *v, strvec *out) {
  out->n = 0;
  const zt_name *b[ZT_ALIASES_MAX + 1];
  size_t nb = bundle(c->cfg, b);
  bool member = false;
  for (size_t i = 0; i < nb; i++)
    member =
        member || (b[i]->len == v->len && memcmp(b[i]->s, v->s, v->len) == 0);
  if (!member) {
    strvec_add(out, v->s, v->len);
    return;
  }
  for (size_t i = 0; i < nb; i++)
    strvec_add(out, b[i]->s, b[i]->len);
}

/* ---- Values ----------------------------------------------------------- */

/* principals and trustDomains: every value may expand to several. */
static void compile_expanded(cctx *c, zt_check *k, const zt_slist *l,
                             void (*expand)(cctx *, const zt_sval *,
                                            strvec *)) {
  /* A value expands to at most one per bundle member. */
  size_t per = 1 + c->cfg->n_aliases;
  k->v.sm = cc_alloc(c, l->n, per * sizeof(zt_strm));
  if (!k->v.sm)
    return;
  strvec sv;
  for (uint32_t i = 0; i < l->n && !c->rc; i++) {
    expand(c, &l->v[i], &sv);
    for (size_t j = 0; j < sv.n; j++)
      zt_strm_compile(&k->v.sm[k->n++], sv.v[j].ptr, sv.v[j].len);
  }
}

static void compile_strings(cctx *c, zt_check *k, const zt_slist *l,
                            bool lower) {
  k->v.sm = cc_alloc(c, l->n, sizeof(zt_strm));
  if (!k->v.sm)
    return;
  for (uint32_t i = 0; i < l->n; i++) {
    const char *s = l->v[i].s;
    if (lower) {
      char *d = cc_alloc(c, l->v[i].len + 1, 1);
      if (!d)
        return;
      for (uint32_t j = 0; j < l->v[i].len; j++)
        d[j] = (s[j] >= 'A' && s[j] <= 'Z') ? (char)(s[j] | 0x20) : s[j];
      s = d;
    }
    zt_strm_compile(&k->v.sm[i], s, l->v[i].len);
  }
  k->n = l->n;
}

static void compile_cidrs(cctx *c, zt_check *k, const zt_slist *l) {
  k->v.cidr = cc_alloc(c, l->n, sizeof(zt_cidr));
  if (!k->v.cidr)
    return;
  for (uint32_t i = 0; i < l->n; i++)
    if (!zt_cidr_parse(l->v[i].s, l->v[i].len, &k->v.cidr[i]))
      c->rc = ZT_EINTERNAL; /* validated at load: fail closed if not */
  k->n = l->n;
}

static void compile_ports(cctx *c, zt_check *k, const zt_slist *l) {
  k->v.port = cc_alloc(c, l->n, sizeof(uint16_t));
  if (!k->v.port)
    return;
  for (uint32_t i = 0; i < l->n; i++) {
    uint32_t p = 0;
    if (!zt_syn_port(l->v[i].s, l->v[i].len, &p))
      c->rc = ZT_EINTERNAL;
    k->v.port[i] = (uint16_t)p;
  }
  k->n = l->n;
}

static void compile_sas(cctx *c, zt_check *k, const zt_slist *l) {
  k->v.sa = cc_alloc(c, l->n, sizeof(zt_sa_val));
  if (!k->v.sa)
    return;
  for (uint32_t i = 0; i < l->n; i++) {
    const char *s = l->v[i].s;
    const char *slash = memchr(s, '/', l->v[i].len);
    zt_sa_val *sa = &k->v.sa[i];
    if (slash) {
      sa->ns = (zt_str){s, (size_t)(slash - s)};
      sa->sa = (zt_str){slash + 1, l->v[i].len - sa->ns.len - 1};
    } else {
      sa->ns = (zt_str){c->obj->ns.s, c->obj->ns.len};
      sa->sa = (zt_str){s, l->v[i].len};
    }
  }
  k->n = l->n;
}

/* requestPrincipals in split mode: the table of §8.7. */
static void split_rp(const char *s, size_t n, zt_rp_split *out) {
  const char *slash = NULL;
  for (size_t i = n; i-- > 0;)
    if (s[i] == '/') {
      slash = s + i;
      break;
    }
  static const char star[] = "*";
  if (slash) {
    zt_strm_compile(&out->iss, s, (size_t)(slash - s));
    zt_strm_compile(&out->sub, slash + 1, n - (size_t)(slash - s) - 1);
  } else if (n == 1 && s[0] == '*') {
    zt_strm_compile(&out->iss, star, 1);
    zt_strm_compile(&out->sub, star, 1);
  } else if (s[0] == '*') {
    zt_strm_compile(&out->iss, star, 1);
    zt_strm_compile(&out->sub, s, n);
  } else if (s[n - 1] == '*') {
    zt_strm_compile(&out->iss, s, n);
    zt_strm_compile(&out->sub, star, 1);
  } else {
    zt_strm_compile(&out->iss, s, n);
    zt_strm_compile(&out->sub, s + n, 0);
  }
}

static void compile_rps(cctx *c, zt_check *k, const zt_slist *l) {
  if (!c->split) {
    compile_strings(c, k, l, false);
    return;
  }
  k->v.rp = cc_alloc(c, l->n, sizeof(zt_rp_split));
  if (!k->v.rp)
    return;
  for (uint32_t i = 0; i < l->n; i++)
    split_rp(l->v[i].s, l->v[i].len, &k->v.rp[i]);
  k->n = l->n;
}

static void compile_paths(cctx *c, zt_check *k, const zt_slist *l) {
  k->v.path = cc_alloc(c, l->n, sizeof(zt_path_val));
  if (!k->v.path)
    return;
  for (uint32_t i = 0; i < l->n; i++) {
    zt_path_val *p = &k->v.path[i];
    p->tpl = zt_pathtpl_is_template(l->v[i].s, l->v[i].len);
    if (p->tpl) {
      p->m.s = l->v[i].s;
      p->m.len = l->v[i].len;
      p->m.kind = ZT_SM_EXACT;
    } else {
      zt_strm_compile(&p->m, l->v[i].s, l->v[i].len);
    }
  }
  k->n = l->n;
}

static void compile_values(cctx *c, zt_check *k, const zt_slist *l) {
  switch (k->attr) {
  case ZT_AT_PRINCIPAL:
    compile_expanded(c, k, l, expand_principal);
    break;
  case ZT_AT_TD:
    compile_expanded(c, k, l, expand_trust_domain);
    break;
  case ZT_AT_SA:
    compile_sas(c, k, l);
    break;
  case ZT_AT_REQ_PRINC:
    compile_rps(c, k, l);
    break;
  case ZT_AT_SOURCE_IP:
  case ZT_AT_REMOTE_IP:
  case ZT_AT_DEST_IP:
    compile_cidrs(c, k, l);
    break;
  case ZT_AT_PORT:
    compile_ports(c, k, l);
    break;
  case ZT_AT_PATH:
    compile_paths(c, k, l);
    break;
  case ZT_AT_FILTER_META:
    k->n = l->n;
    break;
  default:
    compile_strings(c, k, l, k->attr == ZT_AT_HOST);
  }
}

/* ---- Clauses ---------------------------------------------------------- */

static const struct {
  uint8_t attr;
  uint8_t flags;
} src_attr[ZT_SRC_COUNT / 2] = {
    {ZT_AT_PRINCIPAL, 0},      {ZT_AT_REQ_PRINC, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    {ZT_AT_NAMESPACE, 0},      {ZT_AT_SA, 0},
    {ZT_AT_SOURCE_IP, 0},      {ZT_AT_REMOTE_IP, ZT_CK_ZT_L7},
    {ZT_AT_TD, ZT_CK_ZT_SKIP},
};

static const struct {
  uint8_t attr;
  uint8_t flags;
} op_attr[ZT_OP_COUNT / 2] = {
    {ZT_AT_HOST, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    {ZT_AT_PORT, 0},
    {ZT_AT_METHOD, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    {ZT_AT_PATH, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
};

static uint32_t count_present(const zt_slist *f, size_t n) {
  uint32_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += f[i].present && f[i].n > 0;
  return k;
}

static void fill_clause(cctx *c, zt_clause *cl, const zt_slist *f, size_t nf,
                        bool source) {
  cl->c = cc_alloc(c, count_present(f, nf), sizeof(zt_check));
  if (!cl->c)
    return;
  for (size_t i = 0; i < nf && !c->rc; i++) {
    /* `x: []` is no constraint (istio-semantics.md §7.3). */
    if (!f[i].present || f[i].n == 0)
      continue;
    zt_check *k = &cl->c[cl->n++];
    k->attr = source ? src_attr[i / 2].attr : op_attr[i / 2].attr;
    k->flags = source ? src_attr[i / 2].flags : op_attr[i / 2].flags;
    k->neg = (uint8_t)(i & 1);
    compile_values(c, k, &f[i]);
    cl->flags |= k->flags;
  }
}

/* request.headers[Name] -> "name"; request.auth.claims[a][b] -> a, b. */
static void key_parts(cctx *c, zt_check *k, const zt_sval *key, bool lower) {
  const char *s = key->s, *end = key->s + key->len;
  const char *open = memchr(s, '[', key->len);
  uint32_t n = open ? (uint32_t)count_char(open, (size_t)(end - open), '[') : 0;
  zt_str *parts = cc_alloc(c, n ? n : 1, sizeof(zt_str));
  if (!parts)
    return;
  uint32_t at = 0;
  for (const char *p = open; p && p < end && at < n;) {
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (!close)
      break;
    size_t len = (size_t)(close - p - 1);
    char *d = cc_alloc(c, len + 1, 1);
    if (!d)
      return;
    for (size_t i = 0; i < len; i++) {
      char ch = p[1 + i];
      d[i] = lower && ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch;
    }
    parts[at++] = (zt_str){d, len};
    p = close + 1;
  }
  k->key = parts;
  k->key_n = at;
}

static void claim_key(cctx *c, zt_check *k, const char *name, size_t n) {
  zt_str *part = cc_alloc(c, 1, sizeof(zt_str));
  if (!part)
    return;
  *part = (zt_str){name, n};
  k->key = part;
  k->key_n = 1;
}

static const struct {
  uint8_t attr;
  uint8_t flags;
} key_attr[] = {
    [ZT_KEY_HEADER] = {ZT_AT_HEADER, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    [ZT_KEY_SOURCE_IP] = {ZT_AT_SOURCE_IP, 0},
    [ZT_KEY_REMOTE_IP] = {ZT_AT_REMOTE_IP, ZT_CK_ZT_L7},
    [ZT_KEY_SOURCE_NS] = {ZT_AT_NAMESPACE, 0},
    [ZT_KEY_SOURCE_PRINC] = {ZT_AT_PRINCIPAL, 0},
    [ZT_KEY_SOURCE_SA] = {ZT_AT_SA, ZT_CK_ZT_L7},
    [ZT_KEY_SOURCE_TD] = {ZT_AT_TD, ZT_CK_ZT_L7},
    [ZT_KEY_REQ_PRINCIPAL] = {ZT_AT_REQ_PRINC, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    [ZT_KEY_REQ_AUDIENCES] = {ZT_AT_CLAIM, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    [ZT_KEY_REQ_PRESENTER] = {ZT_AT_CLAIM, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    [ZT_KEY_REQ_CLAIMS] = {ZT_AT_CLAIM, ZT_CK_HTTP_ONLY | ZT_CK_ZT_L7},
    [ZT_KEY_DEST_IP] = {ZT_AT_DEST_IP, 0},
    [ZT_KEY_DEST_PORT] = {ZT_AT_PORT, 0},
    [ZT_KEY_SNI] = {ZT_AT_SNI, ZT_CK_ZT_L7},
    [ZT_KEY_ENVOY_FILTERS] = {ZT_AT_FILTER_META, ZT_CK_ZT_L7},
};

static void fill_condition(cctx *c, zt_clause *cl, const zt_condition *w) {
  const char *why;
  int kind = zt_when_key_kind(w->key.s, w->key.len, &why);
  if (kind <= ZT_KEY_UNKNOWN || kind > ZT_KEY_ENVOY_FILTERS) {
    c->rc = ZT_EINTERNAL; /* validated at load: fail closed if not */
    return;
  }
  const zt_slist *lists[2] = {&w->values, &w->not_values};
  cl->c = cc_alloc(c, 2, sizeof(zt_check));
  if (!cl->c)
    return;
  for (int neg = 0; neg < 2 && !c->rc; neg++) {
    if (!lists[neg]->present || lists[neg]->n == 0)
      continue;
    zt_check *k = &cl->c[cl->n++];
    k->attr = key_attr[kind].attr;
    k->flags = key_attr[kind].flags;
    k->neg = (uint8_t)neg;
    if (kind == ZT_KEY_HEADER || kind == ZT_KEY_REQ_CLAIMS)
      key_parts(c, k, &w->key, kind == ZT_KEY_HEADER);
    else if (kind == ZT_KEY_REQ_AUDIENCES)
      claim_key(c, k, "aud", 3);
    else if (kind == ZT_KEY_REQ_PRESENTER)
      claim_key(c, k, "azp", 3);
    compile_values(c, k, lists[neg]);
    cl->flags |= k->flags;
  }
}

static void compile_rule(cctx *c, const zt_rule *r, zt_crule *out) {
  out->from = cc_alloc(c, r->n_from, sizeof(zt_clause));
  out->to = cc_alloc(c, r->n_to, sizeof(zt_clause));
  out->when = cc_alloc(c, r->n_when, sizeof(zt_clause));
  if (c->rc)
    return;
  for (uint32_t i = 0; i < r->n_from && !c->rc; i++) {
    fill_clause(c, &out->from[i], r->from[i].f, ZT_SRC_COUNT, true);
    out->flags |= out->from[i].flags;
  }
  for (uint32_t i = 0; i < r->n_to && !c->rc; i++) {
    fill_clause(c, &out->to[i], r->to[i].f, ZT_OP_COUNT, false);
    out->flags |= out->to[i].flags;
  }
  for (uint32_t i = 0; i < r->n_when && !c->rc; i++) {
    fill_condition(c, &out->when[i], &r->when[i]);
    out->flags |= out->when[i].flags;
  }
  out->n_from = r->n_from;
  out->n_to = r->n_to;
  out->n_when = r->n_when;
}

/* ---- Policies and their order ----------------------------------------- */

typedef struct named_rule {
  char *name;
  size_t len;
  zt_crule rule;
} named_rule;

static int by_name(const void *a, const void *b) {
  const named_rule *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int d = memcmp(x->name, y->name, n);
  if (d)
    return d;
  return x->len < y->len ? -1 : x->len > y->len;
}

static char *rule_name(cctx *c, const zt_object *o, uint32_t index,
                       size_t *len) {
  zt_policy_ref ref = {.ns = o->ns.s,
                       .ns_len = o->ns.len,
                       .name = o->name.s,
                       .name_len = o->name.len,
                       .rule = (int32_t)index};
  size_t n = zt_policy_ref_format(&ref, NULL, 0);
  /* Names only order the rules: they do not outlive compilation. */
  char *s = c->rc ? NULL : zt_arena_alloc(c->tmp, n + 1);
  if (s)
    zt_policy_ref_format(&ref, s, n + 1);
  else
    c->rc = c->rc ? c->rc : ZT_ENOMEM;
  *len = n;
  return s;
}

static uint8_t attachment(const zt_authz_policy *p) {
  if (p->has_target_ref || p->target_refs.n)
    return ZT_ATT_TARGETS;
  return p->selector.present && p->selector.n ? ZT_ATT_SELECTOR : ZT_ATT_ALL;
}

static void compile_policy(cctx *c, const zt_object *o, uint32_t id,
                           named_rule *rules, size_t *nr) {
  const zt_authz_policy *p = &o->u.authz;
  zt_cpolicy *cp = &c->a->pols[id];
  cp->obj = o;
  cp->action = p->action;
  cp->dry_run = o->dry_run;
  cp->att = attachment(p);
  if (p->action == ZT_ACTION_CUSTOM)
    cp->provider =
        zt_config_provider(c->cfg, p->provider_name.s, p->provider_name.len);
  c->a->any_dry_run = c->a->any_dry_run || o->dry_run;
  c->obj = o;
  for (uint32_t i = 0; i < p->n_rules && !c->rc; i++) {
    named_rule *nr_ = &rules[(*nr)++];
    nr_->name = rule_name(c, o, i, &nr_->len);
    compile_rule(c, &p->rules[i], &nr_->rule);
    nr_->rule.policy = id;
    nr_->rule.index = i;
  }
}

/* ---- Buckets, groups and indexes -------------------------------------- */

static bool same_labels(const zt_selector *a, const zt_selector *b) {
  if (a->n != b->n)
    return false;
  for (uint32_t i = 0; i < a->n; i++) {
    const zt_label *x = &a->labels[i], *y = &b->labels[i];
    if (x->key.len != y->key.len || x->value.len != y->value.len ||
        memcmp(x->key.s, y->key.s, x->key.len) != 0 ||
        memcmp(x->value.s, y->value.s, x->value.len) != 0)
      return false;
  }
  return true;
}

/* Policies sharing an attachment share a group, so a request answers
 * "does it apply" once per group. Only the first ZT_GROUPS_MEMO groups are
 * shared (and cached per request); later policies get a group each. */
static uint32_t group_of(zt_bucket *b, const zt_cpolicy *p) {
  uint32_t lim = b->n_groups < ZT_GROUPS_MEMO ? b->n_groups : ZT_GROUPS_MEMO;
  for (uint32_t g = 0; g < lim && p->att != ZT_ATT_TARGETS; g++) {
    const zt_group *gr = &b->groups[g];
    if (gr->att != p->att)
      continue;
    if (p->att == ZT_ATT_ALL ||
        same_labels(&gr->obj->u.authz.selector, &p->obj->u.authz.selector))
      return g;
  }
  b->groups[b->n_groups].att = p->att;
  b->groups[b->n_groups].obj = p->obj;
  return b->n_groups++;
}

static bool ns_eq(const zt_bucket *b, const char *ns, size_t len) {
  return b->ns_len == len && memcmp(b->ns, ns, len) == 0;
}

const zt_bucket *zt_authz_bucket(const zt_authz *a, const char *ns,
                                 size_t len) {
  if (!a->bmask)
    return NULL;
  uint32_t h = zt_hash(ns, len);
  for (uint32_t i = h & a->bmask;; i = (i + 1) & a->bmask) {
    uint32_t s = a->bslot[i];
    if (!s)
      return NULL;
    const zt_bucket *b = &a->buckets[s - 1];
    if (b->hash == h && ns_eq(b, ns, len))
      return b;
  }
}

static uint32_t pow2_at_least(uint64_t n) {
  uint32_t s = 8;
  while (s < n * 2 && s < (1u << 30))
    s <<= 1;
  return s;
}

static zt_bucket *bucket_for(cctx *c, const zt_object *o) {
  zt_authz *a = c->a;
  uint32_t h = zt_hash(o->ns.s, o->ns.len);
  for (uint32_t i = h & a->bmask;; i = (i + 1) & a->bmask) {
    uint32_t s = a->bslot[i];
    if (!s) {
      zt_bucket *b = &a->buckets[a->n_buckets++];
      b->ns = o->ns.s;
      b->ns_len = o->ns.len;
      b->hash = h;
      a->bslot[i] = a->n_buckets;
      return b;
    }
    zt_bucket *b = &a->buckets[s - 1];
    if (b->hash == h && ns_eq(b, o->ns.s, o->ns.len))
      return b;
  }
}

/* Exact values of a positive check present in every clause, or 0. */
static bool key_check(const zt_clause *cl, uint8_t attr, const zt_check **out) {
  for (uint32_t i = 0; i < cl->n; i++) {
    const zt_check *k = &cl->c[i];
    if (k->attr != attr || k->neg)
      continue;
    bool exact = true;
    for (uint32_t j = 0; j < k->n && exact; j++)
      exact = attr == ZT_AT_PATH
                  ? !k->v.path[j].tpl && k->v.path[j].m.kind == ZT_SM_EXACT
                  : k->v.sm[j].kind == ZT_SM_EXACT;
    if (exact) {
      *out = k;
      return true;
    }
  }
  return false;
}

static bool keyable(const zt_clause *cls, uint32_t n, uint8_t attr) {
  const zt_check *k;
  if (n == 0)
    return false;
  for (uint32_t i = 0; i < n; i++)
    if (!key_check(&cls[i], attr, &k))
      return false;
  return true;
}

typedef struct keypair {
  const char *key;
  uint32_t len;
  uint32_t rule;
} keypair;

static int by_key(const void *a, const void *b) {
  const keypair *x = a, *y = b;
  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  int d = memcmp(x->key, y->key, x->len);
  if (d)
    return d;
  return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static const zt_str *check_key_value(const zt_check *k, uint32_t j,
                                     zt_str *tmp) {
  const zt_strm *m = k->attr == ZT_AT_PATH ? &k->v.path[j].m : &k->v.sm[j];
  tmp->ptr = m->s;
  tmp->len = m->len;
  return tmp;
}

static size_t collect_keys(const zt_clause *cls, uint32_t n, uint8_t attr,
                           uint32_t rule, keypair *out) {
  size_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    const zt_check *ck = NULL;
    key_check(&cls[i], attr, &ck);
    for (uint32_t j = 0; ck && j < ck->n; j++) {
      zt_str t;
      check_key_value(ck, j, &t);
      if (out)
        out[k] = (keypair){t.ptr, (uint32_t)t.len, rule};
      k++;
    }
  }
  return k;
}

static bool same_key(const keypair *x, const keypair *y) {
  return x->len == y->len && memcmp(x->key, y->key, x->len) == 0;
}

static void build_index(cctx *c, zt_keyidx *idx, keypair *kp, size_t n) {
  if (n == 0 || c->rc)
    return;
  qsort(kp, n, sizeof(*kp), by_key);
  size_t distinct = 0;
  for (size_t i = 0; i < n; i++)
    distinct += i == 0 || !same_key(&kp[i - 1], &kp[i]);
  uint32_t slots = pow2_at_least(distinct);
  idx->slot = cc_alloc(c, slots, sizeof(zt_keyent));
  uint32_t *ids = cc_alloc(c, n, sizeof(uint32_t));
  if (c->rc)
    return;
  idx->mask = slots - 1;
  size_t used = 0;
  for (size_t i = 0, j; i < n; i = j) {
    zt_rlist rl = {ids + used, 0};
    for (j = i; j < n && same_key(&kp[i], &kp[j]); j++)
      if (rl.n == 0 || rl.v[rl.n - 1] != kp[j].rule)
        rl.v[rl.n++] = kp[j].rule;
    used += rl.n;
    uint32_t h = zt_hash(kp[i].key, kp[i].len);
    uint32_t at = h & idx->mask;
    while (idx->slot[at].key)
      at = (at + 1) & idx->mask;
    idx->slot[at] = (zt_keyent){kp[i].key, kp[i].len, h, rl};
  }
}

const zt_rlist *zt_keyidx_get(const zt_keyidx *idx, const char *key, size_t len,
                              uint32_t h) {
  if (!idx->mask)
    return NULL;
  for (uint32_t i = h & idx->mask;; i = (i + 1) & idx->mask) {
    const zt_keyent *e = &idx->slot[i];
    if (!e->key)
      return NULL;
    if (e->hash == h && e->len == len &&
        (len == 0 || memcmp(e->key, key, len) == 0))
      return &e->rules;
  }
}

/* Sorts pairs by key and sets cost[li] += the number of rules sharing each
 * key of rule li (pairs carry local rule indexes here). */
static void key_costs(keypair *kp, size_t n, uint64_t *cost) {
  qsort(kp, n, sizeof(*kp), by_key);
  for (size_t i = 0, j; i < n; i = j) {
    for (j = i; j < n && same_key(&kp[i], &kp[j]); j++)
      ;
    for (size_t k = i; k < j; k++)
      cost[kp[k].rule] += j - i;
  }
}

/* Keeps the pairs of rules that chose this index, with global rule ids. */
static size_t keep_pairs(keypair *kp, size_t n, const uint8_t *choice,
                         uint8_t want, const uint32_t *ids) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (choice[kp[i].rule] == want) {
      kp[k] = kp[i];
      kp[k++].rule = ids[kp[i].rule];
    }
  return k;
}

#define KEY_NONE 0
#define KEY_PRINCIPAL 1
#define KEY_PATH 2

/* Splits the rules of one (bucket, action, dry-run) set by index. A rule
 * that could be found by its exact principals or by its exact paths goes
 * to the index where fewer rules share its keys: callers that all allow
 * the same few clients, each on their own paths, are found by path. */
static void build_ruleset(cctx *c, zt_ruleset *rs, const uint32_t *ids,
                          uint32_t n) {
  const zt_crule *r = c->a->rules;
  const zt_allocator *mem = &c->cfg->mem;
  size_t np = 0, nq = 0;
  for (uint32_t i = 0; i < n; i++) {
    const zt_crule *x = &r[ids[i]];
    if (keyable(x->from, x->n_from, ZT_AT_PRINCIPAL))
      np += collect_keys(x->from, x->n_from, ZT_AT_PRINCIPAL, i, NULL);
    if (keyable(x->to, x->n_to, ZT_AT_PATH))
      nq += collect_keys(x->to, x->n_to, ZT_AT_PATH, i, NULL);
  }
  keypair *kp = zt_calloc(mem, np ? np : 1, sizeof(keypair));
  keypair *kq = zt_calloc(mem, nq ? nq : 1, sizeof(keypair));
  uint64_t *cost = zt_calloc(mem, 2 * (size_t)(n ? n : 1), sizeof(uint64_t));
  uint8_t *choice = zt_calloc(mem, n ? n : 1, 1);
  if (!kp || !kq || !cost || !choice)
    c->rc = c->rc ? c->rc : ZT_ENOMEM;
  if (!c->rc) {
    size_t ap = 0, aq = 0;
    for (uint32_t i = 0; i < n; i++) {
      const zt_crule *x = &r[ids[i]];
      if (keyable(x->from, x->n_from, ZT_AT_PRINCIPAL))
        ap += collect_keys(x->from, x->n_from, ZT_AT_PRINCIPAL, i, kp + ap);
      if (keyable(x->to, x->n_to, ZT_AT_PATH))
        aq += collect_keys(x->to, x->n_to, ZT_AT_PATH, i, kq + aq);
    }
    key_costs(kp, np, cost);
    key_costs(kq, nq, cost + n);
    uint32_t nun = 0, npk = 0;
    for (uint32_t i = 0; i < n; i++) {
      const zt_crule *x = &r[ids[i]];
      bool p = keyable(x->from, x->n_from, ZT_AT_PRINCIPAL);
      bool q = keyable(x->to, x->n_to, ZT_AT_PATH);
      choice[i] = p && (!q || cost[i] <= cost[n + i]) ? KEY_PRINCIPAL
                  : q                                 ? KEY_PATH
                                                      : KEY_NONE;
      nun += choice[i] == KEY_NONE;
      npk += choice[i] == KEY_PATH;
    }
    rs->unkeyed.v = cc_alloc(c, nun, sizeof(uint32_t));
    rs->path_keyed.v = cc_alloc(c, npk, sizeof(uint32_t));
    for (uint32_t i = 0; i < n && !c->rc; i++) {
      if (choice[i] == KEY_NONE)
        rs->unkeyed.v[rs->unkeyed.n++] = ids[i];
      else if (choice[i] == KEY_PATH)
        rs->path_keyed.v[rs->path_keyed.n++] = ids[i];
    }
    build_index(c, &rs->by_principal, kp,
                keep_pairs(kp, np, choice, KEY_PRINCIPAL, ids));
    build_index(c, &rs->by_path, kq, keep_pairs(kq, nq, choice, KEY_PATH, ids));
  }
  zt_free(mem, kp);
  zt_free(mem, kq);
  zt_free(mem, cost);
  zt_free(mem, choice);
}

/* Ids of one bucket, in ascending order: a slice of a counting sort. */
typedef struct slice {
  const uint32_t *v;
  uint32_t n;
} slice;

static void build_bucket(cctx *c, zt_bucket *b, slice pols, slice rules) {
  zt_authz *a = c->a;
  uint32_t counts[4][2] = {{0}};
  for (uint32_t i = 0; i < pols.n; i++)
    counts[a->pols[pols.v[i]].action][a->pols[pols.v[i]].dry_run]++;
  for (int x = 0; x < 4; x++)
    for (int d = 0; d < 2; d++)
      b->pols[x][d].v = cc_alloc(c, counts[x][d], sizeof(uint32_t));
  b->groups = cc_alloc(c, pols.n, sizeof(zt_group));
  uint32_t *ids = cc_alloc(c, rules.n, sizeof(uint32_t));
  if (c->rc)
    return;
  for (uint32_t i = 0; i < pols.n; i++) {
    zt_cpolicy *cp = &a->pols[pols.v[i]];
    zt_rlist *l = &b->pols[cp->action][cp->dry_run];
    l->v[l->n++] = pols.v[i];
    cp->group = group_of(b, cp);
  }
  for (int x = 0; x < 4 && !c->rc; x++)
    for (int d = 0; d < 2 && !c->rc; d++) {
      uint32_t n = 0;
      for (uint32_t i = 0; i < rules.n; i++) {
        const zt_cpolicy *cp = &a->pols[a->rules[rules.v[i]].policy];
        if (cp->action == (uint32_t)x && cp->dry_run == (d == 1))
          ids[n++] = rules.v[i];
      }
      build_ruleset(c, &b->sets[x][d], ids, n);
    }
}

/* Counting sort of ids 0..n-1 by key[id] < nkeys: start[k]..start[k+1]. */
static bool sort_by_bucket(const zt_allocator *mem, const uint32_t *key,
                           uint32_t n, uint32_t nkeys, uint32_t **ids,
                           uint32_t **start) {
  *ids = zt_calloc(mem, n ? n : 1, sizeof(uint32_t));
  *start = zt_calloc(mem, (size_t)nkeys + 1, sizeof(uint32_t));
  if (!*ids || !*start)
    return false;
  for (uint32_t i = 0; i < n; i++)
    (*start)[key[i] + 1]++;
  for (uint32_t k = 0; k < nkeys; k++)
    (*start)[k + 1] += (*start)[k];
  uint32_t *fill = zt_calloc(mem, nkeys ? nkeys : 1, sizeof(uint32_t));
  if (!fill)
    return false;
  for (uint32_t i = 0; i < n; i++)
    (*ids)[(*start)[key[i]] + fill[key[i]]++] = i;
  zt_free(mem, fill);
  return true;
}

static int build_buckets(cctx *c) {
  zt_authz *a = c->a;
  if (a->n_pols == 0)
    return ZT_OK;
  const zt_allocator *mem = &c->cfg->mem;
  uint32_t slots = pow2_at_least(a->n_pols);
  a->bslot = cc_alloc(c, slots, sizeof(uint32_t));
  a->buckets = cc_alloc(c, a->n_pols, sizeof(zt_bucket));
  uint32_t *pol_b = zt_calloc(mem, a->n_pols, sizeof(uint32_t));
  uint32_t *rule_b = zt_calloc(mem, a->n_rules ? a->n_rules : 1, 4);
  uint32_t *pids = NULL, *pstart = NULL, *rids = NULL, *rstart = NULL;
  if (!pol_b || !rule_b)
    c->rc = c->rc ? c->rc : ZT_ENOMEM;
  if (!c->rc) {
    a->bmask = slots - 1;
    for (uint32_t p = 0; p < a->n_pols; p++)
      pol_b[p] = (uint32_t)(bucket_for(c, a->pols[p].obj) - a->buckets);
    for (uint32_t r = 0; r < a->n_rules; r++)
      rule_b[r] = pol_b[a->rules[r].policy];
    if (!sort_by_bucket(mem, pol_b, a->n_pols, a->n_buckets, &pids, &pstart) ||
        !sort_by_bucket(mem, rule_b, a->n_rules, a->n_buckets, &rids, &rstart))
      c->rc = ZT_ENOMEM;
  }
  a->root = zt_authz_bucket(a, c->cfg->root_ns.s, c->cfg->root_ns.len);
  for (uint32_t bi = 0; bi < a->n_buckets && !c->rc; bi++)
    build_bucket(c, &a->buckets[bi],
                 (slice){pids + pstart[bi], pstart[bi + 1] - pstart[bi]},
                 (slice){rids + rstart[bi], rstart[bi + 1] - rstart[bi]});
  zt_free(mem, pol_b);
  zt_free(mem, rule_b);
  zt_free(mem, pids);
  zt_free(mem, pstart);
  zt_free(mem, rids);
  zt_free(mem, rstart);
  return c->rc;
}

int zt_authz_compile(zt_authz *out, const zt_policyset *ps,
                     const zt_config *cfg) {
  memset(out, 0, sizeof(*out));
  zt_arena_init(&out->arena, &cfg->mem);
  out->cfg = cfg;
  zt_arena names;
  zt_arena_init(&names, &cfg->mem);
  cctx c = {.a = out,
            .cfg = cfg,
            .ar = &out->arena,
            .tmp = &names,
            .split = cfg->options[ZT_OPT_REQUEST_PRINCIPAL_SPLIT] != 0};
  const zt_objvec *v = &ps->kinds[ZT_OBJ_AUTHZ];
  size_t nr = 0;
  for (size_t i = 0; i < v->n; i++)
    nr += v->v[i]->u.authz.n_rules;
  out->pols = cc_alloc(&c, v->n, sizeof(zt_cpolicy));
  named_rule *rules = zt_calloc(&cfg->mem, nr ? nr : 1, sizeof(named_rule));
  if (!rules)
    c.rc = ZT_ENOMEM;
  size_t at = 0;
  for (size_t i = 0; i < v->n && !c.rc; i++)
    compile_policy(&c, v->v[i], (uint32_t)i, rules, &at);
  out->n_pols = (uint32_t)v->n;
  if (!c.rc) {
    qsort(rules, at, sizeof(*rules), by_name);
    out->rules = cc_alloc(&c, at, sizeof(zt_crule));
  }
  for (size_t i = 0; i < at && !c.rc; i++)
    out->rules[i] = rules[i].rule;
  out->n_rules = (uint32_t)at;
  zt_free(&cfg->mem, rules);
  zt_arena_free(&names);
  if (!c.rc)
    c.rc = build_buckets(&c);
  if (c.rc)
    zt_authz_free(out);
  return c.rc;
}

void zt_authz_free(zt_authz *a) {
  if (!a)
    return;
  zt_arena_free(&a->arena);
  memset(a, 0, sizeof(*a));
}
