/* Deciding a request: CUSTOM, then AUDIT, DENY and ALLOW over the compiled
 * tables (istio-semantics.md §7), with no allocation and no lock. */
#include "authz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "claims.h"
#include "diag.h"
#include "engine.h"
#include "identity.h"
#include "jwt_status.h"
#include "pathtpl.h"
#include "reqattr.h"
#include "svid.h"

/* How L4 traffic is judged (§7.6, §7.8). */
#define EV_HTTP 0
#define EV_L4_ENVOY 1
#define EV_L4_ZTUNNEL 2

#define MEMO_NO 1
#define MEMO_YES 2
/* Candidate lists of one action: 2 buckets x (enforced, dry-run) x
 * (unkeyed, by principal, by path). cand_add never has to drop one. */
#define MAX_LISTS 12
_Static_assert(MAX_LISTS >= 2 * 2 * 3, "a candidate list would be lost");
#define MAX_ASKED 8

typedef struct ectx {
  const zt_authz *a;
  const zt_config *cfg;
  const zt_request *req;
  const zt_workload *w;
  zt_reqattr *ra;
  uint8_t mode;
  zt_attach at;
  const zt_bucket *b[2];
  uint32_t nb;
  uint32_t principal_hash, path_hash;
  bool hashed;
  uint8_t memo[2][ZT_GROUPS_MEMO];
} ectx;

/* ---- Trace ------------------------------------------------------------ */

ZT_PRINTF(2, 3)
static void trace(const ectx *e, const char *fmt, ...) {
  if (!e->req->trace)
    return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
  e->req->trace(e->req->trace_ctx, line, len);
}

static const char *const action_names[4] = {"ALLOW", "DENY", "AUDIT", "CUSTOM"};

/* ---- Single checks ---------------------------------------------------- */

static bool any_strm(const zt_check *k, const char *v, size_t n) {
  for (uint32_t i = 0; i < k->n; i++)
    if (zt_strm_match(&k->v.sm[i], v, n))
      return true;
  return false;
}

/* principals: "*" is any authenticated peer; the other patterns read the
 * SPIFFE ID without its scheme (§8.2). */
static bool match_principal(ectx *e, const zt_check *k) {
  zt_reqattr_identity(e->ra);
  const zt_reqattr *ra = e->ra;
  for (uint32_t i = 0; i < k->n; i++) {
    const zt_strm *m = &k->v.sm[i];
    if (m->kind == ZT_SM_PRESENT
            ? ra->has_identity
            : ra->spiffe &&
                  zt_strm_match(m, ra->principal.ptr, ra->principal.len))
      return true;
  }
  return false;
}

static bool match_part(ectx *e, const zt_check *k, bool td) {
  const zt_principal_parts *p = zt_reqattr_parts(e->ra);
  const char *s = td ? p->td : p->ns;
  size_t n = td ? p->td_len : p->ns_len;
  if (!e->ra->spiffe)
    return false;
  for (uint32_t i = 0; i < k->n; i++) {
    /* trustDomains "*" is any SPIFFE peer (§8.5). */
    if (td && k->v.sm[i].kind == ZT_SM_PRESENT)
      return true;
    if (s && zt_strm_match(&k->v.sm[i], s, n))
      return true;
  }
  return false;
}

static bool match_sa(ectx *e, const zt_check *k) {
  zt_reqattr_identity(e->ra);
  const zt_reqattr *ra = e->ra;
  if (!ra->spiffe)
    return false;
  for (uint32_t i = 0; i < k->n; i++) {
    const zt_sa_val *sa = &k->v.sa[i];
    if (zt_principal_sa_match(ra->principal.ptr, ra->principal.len, sa->ns.ptr,
                              sa->ns.len, sa->sa.ptr, sa->sa.len))
      return true;
  }
  return false;
}

/* requestPrincipals: "iss/sub" of the verified token (§8.7, DECISIONS). */
static bool match_req_principal(ectx *e, const zt_check *k) {
  zt_reqattr *ra = e->ra;
  /* A token without both claims has no request principal: Envoy's
   * matchers read iss and sub and fail on a missing one. */
  if (!zt_reqattr_claims(ra) || !ra->has_iss || !ra->has_sub)
    return false;
  bool split = e->cfg->options[ZT_OPT_REQUEST_PRINCIPAL_SPLIT] != 0;
  zt_segs v;
  zt_segs_init(&v);
  zt_segs_add(&v, ra->iss.ptr, ra->iss.len);
  zt_segs_add(&v, "/", 1);
  zt_segs_add(&v, ra->sub.ptr ? ra->sub.ptr : "", ra->sub.len);
  for (uint32_t i = 0; i < k->n; i++) {
    if (split) {
      const zt_rp_split *p = &k->v.rp[i];
      if (zt_strm_match(&p->iss, ra->iss.ptr, ra->iss.len) &&
          zt_strm_match(&p->sub, ra->sub.ptr ? ra->sub.ptr : "", ra->sub.len))
        return true;
    } else if (k->v.sm[i].kind == ZT_SM_PRESENT) {
      if (ra->iss.len && ra->sub.len)
        return true;
    } else if (zt_strm_match_segs(&k->v.sm[i], &v)) {
      return true;
    }
  }
  return false;
}

static bool match_ip(ectx *e, const zt_check *k, int which) {
  const zt_ip *ip = zt_reqattr_ip(e->ra, which);
  if (!ip)
    return false;
  for (uint32_t i = 0; i < k->n; i++)
    if (zt_cidr_contains(&k->v.cidr[i], ip))
      return true;
  return false;
}

static bool match_port(const ectx *e, const zt_check *k) {
  uint32_t port = e->req->destination_port;
  if (port == 0 || port > 65535)
    return false;
  for (uint32_t i = 0; i < k->n; i++)
    if (k->v.port[i] == port)
      return true;
  return false;
}

static bool match_host(const ectx *e, const zt_check *k) {
  zt_str h = e->req->authority;
  if (h.len == 0)
    return false;
  for (uint32_t i = 0; i < k->n; i++)
    if (zt_strm_match_icase(&k->v.sm[i], h.ptr, h.len))
      return true;
  return false;
}

static bool match_path(ectx *e, const zt_check *k) {
  zt_str p;
  if (!zt_reqattr_path(e->ra, &p))
    return false;
  for (uint32_t i = 0; i < k->n; i++) {
    const zt_path_val *v = &k->v.path[i];
    if (v->tpl ? zt_pathtpl_match(v->m.s, v->m.len, p.ptr, p.len)
               : zt_strm_match(&v->m, p.ptr, p.len))
      return true;
  }
  return false;
}

/* request.headers[...]: "*" means present, even when empty (§8.14). */
static bool match_header(ectx *e, const zt_check *k) {
  zt_segs v;
  if (k->key_n != 1 ||
      !zt_reqattr_header(e->ra, k->key[0].ptr, k->key[0].len, &v))
    return false;
  for (uint32_t i = 0; i < k->n; i++)
    if (k->v.sm[i].kind == ZT_SM_PRESENT || zt_strm_match_segs(&k->v.sm[i], &v))
      return true;
  return false;
}

static bool claim_fn(void *ctx, const char *s, size_t n) {
  return any_strm(ctx, s, n);
}

static bool match_claim(ectx *e, const zt_check *k) {
  const zt_json_doc *doc = zt_reqattr_claims(e->ra);
  bool present;
  return doc && zt_claims_any(doc, k->key, k->key_n, e->ra->space,
                              e->ra->n_space, claim_fn, (void *)k, &present);
}

static bool check_positive(ectx *e, const zt_check *k) {
  const zt_request *r = e->req;
  switch (k->attr) {
  case ZT_AT_PRINCIPAL:
    return match_principal(e, k);
  case ZT_AT_NAMESPACE:
    return match_part(e, k, false);
  case ZT_AT_TD:
    return match_part(e, k, true);
  case ZT_AT_SA:
    return match_sa(e, k);
  case ZT_AT_REQ_PRINC:
    return match_req_principal(e, k);
  case ZT_AT_SOURCE_IP:
    return match_ip(e, k, ZT_IP_SOURCE);
  case ZT_AT_REMOTE_IP:
    return match_ip(e, k, ZT_IP_REMOTE);
  case ZT_AT_DEST_IP:
    return match_ip(e, k, ZT_IP_DEST);
  case ZT_AT_PORT:
    return match_port(e, k);
  case ZT_AT_HOST:
    return match_host(e, k);
  case ZT_AT_METHOD:
    return r->method.len && any_strm(k, r->method.ptr, r->method.len);
  case ZT_AT_PATH:
    return match_path(e, k);
  case ZT_AT_HEADER:
    return match_header(e, k);
  case ZT_AT_CLAIM:
    return match_claim(e, k);
  case ZT_AT_SNI:
    return r->sni.len && any_strm(k, r->sni.ptr, r->sni.len);
  default:
    return false; /* ZT_AT_FILTER_META: no filter metadata here */
  }
}

/* ---- Clauses and rules ------------------------------------------------ */

static bool dropped(const ectx *e, const zt_check *k) {
  if (e->mode == EV_L4_ENVOY)
    return k->flags & ZT_CK_HTTP_ONLY;
  if (e->mode == EV_L4_ZTUNNEL)
    return k->flags & (ZT_CK_ZT_L7 | ZT_CK_ZT_SKIP);
  return false;
}

static bool clause_match(ectx *e, const zt_clause *cl) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < cl->n; i++) {
    const zt_check *k = &cl->c[i];
    if (dropped(e, k))
      continue;
    kept++;
    if (check_positive(e, k) == (k->neg != 0))
      return false;
  }
  /* Envoy's TCP chain turns an emptied clause into "any"; ztunnel keeps
   * it as an empty match, which never matches. */
  return kept > 0 || e->mode != EV_L4_ZTUNNEL;
}

static bool any_clause(ectx *e, const zt_clause *cl, uint32_t n) {
  if (n == 0)
    return true;
  for (uint32_t i = 0; i < n; i++)
    if (clause_match(e, &cl[i]))
      return true;
  return false;
}

static bool rule_match(ectx *e, const zt_crule *r, uint32_t action) {
  /* On L4 an ALLOW rule naming an HTTP attribute is dropped whole. */
  if (action == ZT_ACTION_ALLOW &&
      ((e->mode == EV_L4_ENVOY && (r->flags & ZT_CK_HTTP_ONLY)) ||
       (e->mode == EV_L4_ZTUNNEL && (r->flags & ZT_CK_ZT_L7))))
    return false;
  if (!any_clause(e, r->from, r->n_from) || !any_clause(e, r->to, r->n_to))
    return false;
  for (uint32_t i = 0; i < r->n_when; i++)
    if (!clause_match(e, &r->when[i]))
      return false;
  return true;
}

/* ---- Attachment ------------------------------------------------------- */

static bool group_applies(ectx *e, const zt_group *g) {
  const zt_authz_policy *p = &g->obj->u.authz;
  /* ztunnel never receives targetRefs policies. */
  if (g->att == ZT_ATT_TARGETS && e->mode == EV_L4_ZTUNNEL)
    return false;
  return zt_attach_applies(&e->at, g->obj, &p->selector,
                           g->att == ZT_ATT_TARGETS, &p->target_ref,
                           &p->target_refs);
}

static bool applies(ectx *e, uint32_t bi, const zt_cpolicy *p) {
  const zt_bucket *b = e->b[bi];
  if (p->group >= ZT_GROUPS_MEMO)
    return group_applies(e, &b->groups[p->group]);
  uint8_t *m = &e->memo[bi][p->group];
  if (!*m)
    *m = group_applies(e, &b->groups[p->group]) ? MEMO_YES : MEMO_NO;
  return *m == MEMO_YES;
}

/* ztunnel receives ALLOW and DENY policies only (§7.8). */
static bool action_in_mode(const ectx *e, uint32_t action) {
  return e->mode != EV_L4_ZTUNNEL || action == ZT_ACTION_ALLOW ||
         action == ZT_ACTION_DENY;
}

/* Some policy of the action applies (dry-run ones too when asked). */
static bool any_applies(ectx *e, uint32_t action, bool dry) {
  if (!action_in_mode(e, action))
    return false;
  for (uint32_t bi = 0; bi < e->nb; bi++)
    for (int d = 0; d <= (int)dry; d++) {
      const zt_rlist *l = &e->b[bi]->pols[action][d];
      for (uint32_t i = 0; i < l->n; i++)
        if (applies(e, bi, &e->a->pols[l->v[i]]))
          return true;
    }
  return false;
}

/* ---- Candidate rules, in rank order ----------------------------------- */

typedef struct cand {
  const uint32_t *v[MAX_LISTS];
  uint32_t n[MAX_LISTS];
  uint8_t bucket[MAX_LISTS];
  uint32_t pos[MAX_LISTS];
  uint32_t k;
} cand;

static void cand_add(cand *c, const zt_rlist *l, uint32_t bi) {
  if (!l || l->n == 0 || c->k >= MAX_LISTS)
    return;
  c->v[c->k] = l->v;
  c->n[c->k] = l->n;
  c->bucket[c->k] = (uint8_t)bi;
  c->pos[c->k] = 0;
  c->k++;
}

static void cand_init(ectx *e, cand *c, uint32_t action, bool dry) {
  c->k = 0;
  bool by_path = e->mode == EV_HTTP;
  zt_str path = {NULL, 0};
  if (by_path && !zt_reqattr_path(e->ra, &path))
    by_path = false;
  zt_reqattr_identity(e->ra);
  if (!e->hashed) {
    e->hashed = true;
    e->principal_hash = zt_hash(e->ra->principal.ptr, e->ra->principal.len);
    e->path_hash = zt_hash(path.ptr, path.len);
  }
  for (uint32_t bi = 0; bi < e->nb; bi++)
    for (int d = 0; d <= (int)dry; d++) {
      const zt_ruleset *rs = &e->b[bi]->sets[action][d];
      cand_add(c, &rs->unkeyed, bi);
      if (e->ra->spiffe)
        cand_add(c,
                 zt_keyidx_get(&rs->by_principal, e->ra->principal.ptr,
                               e->ra->principal.len, e->principal_hash),
                 bi);
      /* Off HTTP the path checks drop out, so path-indexed rules are
       * candidates whatever the path. */
      if (e->mode != EV_HTTP)
        cand_add(c, &rs->path_keyed, bi);
      else if (by_path)
        cand_add(c,
                 zt_keyidx_get(&rs->by_path, path.ptr, path.len, e->path_hash),
                 bi);
    }
}

/* The next candidate rule id, or UINT32_MAX. */
static uint32_t cand_next(cand *c, uint32_t *bucket) {
  uint32_t best = UINT32_MAX, at = 0;
  for (uint32_t i = 0; i < c->k; i++)
    if (c->pos[i] < c->n[i] && c->v[i][c->pos[i]] < best) {
      best = c->v[i][c->pos[i]];
      at = i;
    }
  if (best != UINT32_MAX) {
    c->pos[at]++;
    *bucket = c->bucket[at];
  }
  return best;
}

static void ref_of(const ectx *e, uint32_t rule, zt_policy_ref *out) {
  const zt_crule *r = &e->a->rules[rule];
  const zt_cpolicy *p = &e->a->pols[r->policy];
  out->ns = p->obj->ns.s;
  out->ns_len = p->obj->ns.len;
  out->name = p->obj->name.s;
  out->name_len = p->obj->name.len;
  out->rule = (int32_t)r->index;
  out->action = p->action;
}

static void trace_rule(const ectx *e, uint32_t rule, bool hit) {
  if (!e->req->trace)
    return;
  zt_policy_ref ref;
  char name[400];
  ref_of(e, rule, &ref);
  zt_policy_ref_format(&ref, name, sizeof(name));
  trace(e, "%s%s %s: %s", action_names[ref.action],
        e->a->pols[e->a->rules[rule].policy].dry_run ? " (dry-run)" : "", name,
        hit ? "matched" : "no match");
}

static bool no_rules(const ectx *e, uint32_t action, bool dry) {
  for (uint32_t bi = 0; bi < e->nb; bi++)
    for (int d = 0; d <= (int)dry; d++)
      if (e->b[bi]->pols[action][d].n)
        return false;
  return true;
}

/* The first matching rule of an action, in rank order, or UINT32_MAX. */
static uint32_t first_match(ectx *e, uint32_t action, bool dry) {
  if (!action_in_mode(e, action) || no_rules(e, action, dry))
    return UINT32_MAX;
  cand c;
  cand_init(e, &c, action, dry);
  uint32_t bi, id;
  uint32_t last = UINT32_MAX;
  while ((id = cand_next(&c, &bi)) != UINT32_MAX && e->ra->err == ZT_OK) {
    if (id == last) /* a rule indexed under two of the request's keys */
      continue;
    last = id;
    const zt_crule *r = &e->a->rules[id];
    if (!applies(e, bi, &e->a->pols[r->policy]))
      continue;
    bool hit = rule_match(e, r, action);
    trace_rule(e, id, hit);
    if (hit)
      return id;
  }
  return UINT32_MAX;
}

/* ---- CUSTOM ------------------------------------------------------------ */

/* A CUSTOM policy takes part unless L4 traffic meets an HTTP provider. */
static bool custom_in_mode(const ectx *e, const zt_cpolicy *p) {
  return !(e->mode != EV_HTTP && p->provider &&
           p->provider->kind == ZT_PROVIDER_HTTP);
}

/* Istio turns CUSTOM into DENY when a provider is unknown or when one
 * workload has several (§7.4). */
static bool custom_bad(ectx *e) {
  const zt_provider_cfg *seen = NULL;
  bool multi = e->cfg->options[ZT_OPT_MULTIPLE_CUSTOM_PROVIDERS] != 0;
  for (uint32_t bi = 0; bi < e->nb; bi++) {
    const zt_rlist *l = &e->b[bi]->pols[ZT_ACTION_CUSTOM][0];
    for (uint32_t i = 0; i < l->n; i++) {
      const zt_cpolicy *p = &e->a->pols[l->v[i]];
      if (!applies(e, bi, p) || !custom_in_mode(e, p))
        continue;
      if (!p->provider)
        return true;
      if (seen && seen != p->provider && !multi)
        return true;
      seen = p->provider;
    }
  }
  return false;
}

static void deny(ectx *e, zt_decision *out, uint32_t reason, int32_t status,
                 uint32_t rule) {
  out->decision = ZT_DECISION_DENY;
  out->reason = reason;
  out->status = e->mode == EV_HTTP ? status : 0;
  if (rule != UINT32_MAX)
    ref_of(e, rule, &out->policy);
}

/* Asks the provider of a matching CUSTOM rule; true when the request may
 * go on. */
static bool ask_provider(ectx *e, uint32_t rule, zt_decision *out) {
  const zt_cpolicy *p = &e->a->pols[e->a->rules[rule].policy];
  const zt_provider_cfg *pv = p->provider;
  out->provider = (zt_str){pv->name, pv->len};
  if (!e->req->custom) {
    deny(e, out, ZT_REASON_CUSTOM_NO_HANDLER, 403, rule);
    return false;
  }
  int32_t status = 0;
  int rc =
      e->req->custom(e->req->custom_ctx, pv->name, pv->len, e->req, &status);
  trace(e, "CUSTOM provider %s: %s", pv->name,
        rc > 0    ? "allow"
        : rc == 0 ? "deny"
                  : "error");
  if (rc > 0)
    return true;
  if (rc == 0) {
    deny(e, out, ZT_REASON_CUSTOM_DENIED,
         status >= 100 && status <= 599 ? status : 403, rule);
    return false;
  }
  if (pv->fail_open)
    return true;
  deny(e, out, ZT_REASON_CUSTOM_ERROR,
       pv->status_on_error ? pv->status_on_error : 403, rule);
  return false;
}

/* Every matching CUSTOM rule's provider is asked once, in rank order. */
static bool run_custom(ectx *e, zt_decision *out) {
  if (!action_in_mode(e, ZT_ACTION_CUSTOM) ||
      !any_applies(e, ZT_ACTION_CUSTOM, false))
    return true;
  bool bad = custom_bad(e);
  const zt_provider_cfg *asked[MAX_ASKED];
  uint32_t n_asked = 0;
  cand c;
  cand_init(e, &c, ZT_ACTION_CUSTOM, false);
  uint32_t bi, id, last = UINT32_MAX;
  while ((id = cand_next(&c, &bi)) != UINT32_MAX && e->ra->err == ZT_OK) {
    if (id == last)
      continue;
    last = id;
    const zt_cpolicy *p = &e->a->pols[e->a->rules[id].policy];
    if (!applies(e, bi, p) || !custom_in_mode(e, p))
      continue;
    bool hit = rule_match(e, &e->a->rules[id], ZT_ACTION_CUSTOM);
    trace_rule(e, id, hit);
    if (!hit)
      continue;
    if (bad) {
      deny(e, out, ZT_REASON_CUSTOM_BAD_PROVIDER, 403, id);
      return false;
    }
    bool done = false;
    for (uint32_t i = 0; i < n_asked; i++)
      done = done || asked[i] == p->provider;
    if (done)
      continue;
    if (n_asked < MAX_ASKED)
      asked[n_asked++] = p->provider;
    if (!ask_provider(e, id, out))
      return false;
  }
  return true;
}

/* ---- DENY and ALLOW ----------------------------------------------------- */

typedef struct verdict {
  uint32_t decision;
  uint32_t reason;
  uint32_t rule; /* UINT32_MAX: none */
} verdict;

static verdict deny_then_allow(ectx *e, bool dry) {
  uint32_t r = first_match(e, ZT_ACTION_DENY, dry);
  if (r != UINT32_MAX)
    return (verdict){ZT_DECISION_DENY, ZT_REASON_DENY_MATCHED, r};
  if (!any_applies(e, ZT_ACTION_ALLOW, dry))
    return (verdict){ZT_DECISION_ALLOW, ZT_REASON_NO_ALLOW_POLICY, UINT32_MAX};
  r = first_match(e, ZT_ACTION_ALLOW, dry);
  if (r != UINT32_MAX)
    return (verdict){ZT_DECISION_ALLOW, ZT_REASON_ALLOW_MATCHED, r};
  return (verdict){ZT_DECISION_DENY, ZT_REASON_NO_ALLOW_MATCH, UINT32_MAX};
}

static bool any_dry_applies(ectx *e) {
  if (!e->a->any_dry_run)
    return false;
  for (uint32_t bi = 0; bi < e->nb; bi++)
    for (uint32_t x = 0; x < 4; x++) {
      const zt_rlist *l = &e->b[bi]->pols[x][1];
      for (uint32_t i = 0; i < l->n && action_in_mode(e, x); i++)
        if (applies(e, bi, &e->a->pols[l->v[i]]))
          return true;
    }
  return false;
}

static void dry_run(ectx *e, zt_decision *out, bool custom_denied) {
  if (!any_dry_applies(e))
    return;
  out->dry_run = 1;
  if (custom_denied) {
    out->dry_run_decision = out->decision;
    out->dry_run_policy = out->policy;
    return;
  }
  verdict v = deny_then_allow(e, true);
  out->dry_run_decision = v.decision;
  if (v.rule != UINT32_MAX)
    ref_of(e, v.rule, &out->dry_run_policy);
}

/* ---- zt_decide ----------------------------------------------------------- */

static void fail(zt_decision *out, uint32_t reason, bool tcp) {
  memset(&out->policy, 0, sizeof(out->policy));
  out->policy.rule = -1;
  out->decision = ZT_DECISION_DENY;
  out->reason = reason;
  out->status = tcp ? 0 : reason == ZT_REASON_BAD_REQUEST ? 400 : 403;
}

static void init_decision(zt_decision *out) {
  memset(out, 0, sizeof(*out));
  out->policy.rule = out->audit_policy.rule = out->dry_run_policy.rule = -1;
  out->decision = ZT_DECISION_DENY;
  out->reason = ZT_REASON_INTERNAL;
  out->status = 403;
  out->message = "";
}

static bool valid_str(zt_str s) {
  return s.ptr || s.len == 0;
}

static bool valid_request(const zt_request *r) {
  const zt_workload *w = r->workload;
  if (!w || !w->ns.len || !valid_str(w->ns) || (!w->labels && w->n_labels) ||
      (!w->services && w->n_services) || r->protocol > ZT_PROTO_TCP)
    return false;
  const zt_str *s[] = {&r->peer_id,        &r->source_ip, &r->remote_ip,
                       &r->destination_ip, &r->sni,       &r->method,
                       &r->authority,      &r->path,      &r->jwt_claims,
                       &r->peer_chain};
  for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
    if (!valid_str(*s[i]))
      return false;
  return true;
}

/* Envoy rejects an encoded NUL when it normalizes paths (§8.11). */
static bool has_encoded_nul(zt_str p) {
  for (size_t i = 0; i + 2 < p.len; i++)
    if (p.ptr[i] == '%' && p.ptr[i + 1] == '0' && p.ptr[i + 2] == '0')
      return true;
  return false;
}

static void setup(ectx *e, const zt_snapshot *snap, const zt_request *req,
                  zt_reqattr *ra) {
  const zt_config *cfg = &snap->engine->cfg;
  e->a = &snap->pol->authz;
  e->cfg = cfg;
  e->req = req;
  e->w = req->workload;
  e->ra = ra;
  e->mode = req->protocol == ZT_PROTO_HTTP    ? EV_HTTP
            : cfg->options[ZT_OPT_L4_ZTUNNEL] ? EV_L4_ZTUNNEL
                                              : EV_L4_ENVOY;
  zt_attach_init(&e->at, e->w, cfg);
  e->nb = 0;
  const zt_bucket *root = e->a->root;
  const zt_bucket *own = zt_authz_bucket(e->a, e->w->ns.ptr, e->w->ns.len);
  if (root)
    e->b[e->nb++] = root;
  if (own && own != root)
    e->b[e->nb++] = own;
  e->hashed = false;
  for (uint32_t i = 0; i < e->nb; i++)
    memset(e->memo[i], 0,
           e->b[i]->n_groups < ZT_GROUPS_MEMO ? e->b[i]->n_groups
                                              : ZT_GROUPS_MEMO);
  zt_reqattr_init(ra, req, cfg->path_normalization,
                  (uint32_t)cfg->options[ZT_OPT_TRUSTED_PROXIES]);
}

static int finish(ectx *e, zt_decision *out) {
  if (e->ra->err != ZT_OK) {
    fail(out, e->ra->err_reason, e->mode != EV_HTTP);
    trace(e, "denied: %s", zt_reason_name(out->reason));
    return e->ra->err;
  }
  if (e->mode != EV_HTTP)
    out->status = 0;
  if (out->reason == ZT_REASON_DENY_MATCHED ||
      out->reason == ZT_REASON_NO_ALLOW_MATCH)
    out->message = "RBAC: access denied";
  trace(e, "decision: %s (%s)",
        out->decision == ZT_DECISION_ALLOW ? "ALLOW" : "DENY",
        zt_reason_name(out->reason));
  return ZT_OK;
}

/* A connection the peer stage refuses: closed, no status. */
static bool refuse(ectx *e, zt_decision *out, uint32_t reason,
                   const char *why) {
  fail(out, reason, true);
  out->message = why;
  trace(e, "connection refused: %s", why);
  return false;
}

/* The peer (§10): the port's mTLS mode, then the SVID of peer_chain, whose
 * identity *view takes. False when the connection is refused. */
static bool check_peer(ectx *e, const zt_snapshot *snap, zt_request *view,
                       zt_svid *svid, zt_decision *out) {
  zt_mtls_info mi;
  zt_peerauthn_mode(&snap->pol->peer, &e->at, view->destination_port, &mi);
  out->mtls_mode = mi.mode;
  out->mtls_policy = mi.policy;
  bool chain = view->peer_chain.len > 0;
  bool mtls = chain || view->mtls;
  if (mi.mode == ZT_MTLS_STRICT && !mtls)
    return refuse(
        e, out, ZT_REASON_MTLS_REQUIRED,
        "The port accepts mutual TLS only (PeerAuthentication STRICT).");
  if (mi.mode == ZT_MTLS_DISABLE && mtls)
    return refuse(
        e, out, ZT_REASON_MTLS_DISABLED,
        "The port accepts plaintext only (PeerAuthentication DISABLE).");
  if (!chain)
    return true;
  uint32_t err = zt_identity_verify(snap, view->peer_chain.ptr,
                                    view->peer_chain.len, ZT_ROLE_CLIENT, svid);
  if (err != ZT_SVID_OK) {
    out->svid_error = err;
    return refuse(e, out, ZT_REASON_SVID + err, svid->message);
  }
  view->mtls = 1;
  view->peer_id = (zt_str){svid->spiffe_id, svid->spiffe_id_len};
  trace(e, "peer: %s", svid->spiffe_id);
  return true;
}

/* Request authentication (§9). False when it decided: the request is
 * refused (a bad token) or could not be handled. */
static bool authenticate(ectx *e, const zt_snapshot *snap, zt_authn *an,
                         zt_decision *out) {
  int rc = zt_authn_run(an, &snap->authn, e->req, &e->at);
  if (rc != ZT_OK) {
    zt_reqattr_fail(e->ra, rc,
                    rc == ZT_ELIMIT ? ZT_REASON_REQUEST_LIMIT
                                    : ZT_REASON_INTERNAL);
    return false;
  }
  if (an->status != ZT_JWT_OK) {
    fail(out, ZT_REASON_JWT + (uint32_t)an->status, false);
    out->jwt_status = an->status;
    out->status = zt_authn_http_status(e->cfg, an->status);
    out->message = zt_jwt_status_message(an->status);
    trace(e, "request authentication: %s", zt_jwt_status_message(an->status));
    return false;
  }
  if (an->claims)
    zt_reqattr_set_claims(e->ra, an->claims, an->iss, an->has_iss, an->sub,
                          an->has_sub, an->claims_rule->space,
                          an->claims_rule->n_space);
  return true;
}

static int finish_authn(ectx *e, zt_authn *an, zt_decision *out) {
  int rc = finish(e, out);
  if (an->ra)
    zt_authn_done(an);
  return rc;
}

int zt_decide(const zt_snapshot *snap, const zt_request *req,
              zt_decision *out) {
  if (!out)
    return ZT_EINVAL;
  init_decision(out);
  if (!snap || !req || !valid_request(req)) {
    fail(out, ZT_REASON_INVALID_ARGUMENT, req && req->protocol == ZT_PROTO_TCP);
    return ZT_EINVAL;
  }
  ectx e;
  zt_reqattr ra;
  /* The request as decided: the host's, with the verified peer identity
   * when ztauth checks the chain (the CUSTOM provider sees it too). */
  zt_request view = *req;
  setup(&e, snap, &view, &ra);
  zt_svid svid;
  if (!check_peer(&e, snap, &view, &svid, out))
    return ZT_OK;
  if (e.mode == EV_HTTP && ra.path_mode != ZT_PATH_NONE &&
      has_encoded_nul(req->path)) {
    fail(out, ZT_REASON_BAD_REQUEST, false);
    return ZT_OK;
  }
  if (!run_custom(&e, out)) {
    dry_run(&e, out, true);
    return finish(&e, out);
  }
  zt_authn an;
  if (e.mode == EV_HTTP && !view.jwt_claims.len) {
    if (!authenticate(&e, snap, &an, out))
      return finish_authn(&e, &an, out);
  } else {
    an.ra = NULL;
  }
  uint32_t audit = first_match(&e, ZT_ACTION_AUDIT, false);
  if (audit != UINT32_MAX) {
    out->audit = 1;
    ref_of(&e, audit, &out->audit_policy);
  }
  verdict v = deny_then_allow(&e, false);
  out->decision = v.decision;
  out->reason = v.reason;
  out->status = v.decision == ZT_DECISION_ALLOW ? 200 : 403;
  if (v.rule != UINT32_MAX)
    ref_of(&e, v.rule, &out->policy);
  dry_run(&e, out, false);
  return finish_authn(&e, &an, out);
}

/* ---- Small public helpers ---------------------------------------------- */

const char *zt_reason_name(uint32_t reason) {
  if (reason >= ZT_REASON_JWT && reason < ZT_REASON_JWT + ZT_JWT_STATUS_COUNT)
    return zt_jwt_status_reason((int)(reason - ZT_REASON_JWT));
  if (reason >= ZT_REASON_SVID && reason < ZT_REASON_SVID + ZT_SVID_COUNT)
    return zt_svid_err_name(reason - ZT_REASON_SVID);
  static const char *const names[ZT_REASON_COUNT] = {
      [ZT_REASON_NO_ALLOW_POLICY] = "no_allow_policy",
      [ZT_REASON_ALLOW_MATCHED] = "allow_matched",
      [ZT_REASON_DENY_MATCHED] = "rbac_denied",
      [ZT_REASON_NO_ALLOW_MATCH] = "rbac_no_match",
      [ZT_REASON_CUSTOM_DENIED] = "custom_denied",
      [ZT_REASON_CUSTOM_ERROR] = "custom_error",
      [ZT_REASON_CUSTOM_BAD_PROVIDER] = "custom_bad_provider",
      [ZT_REASON_CUSTOM_NO_HANDLER] = "custom_no_handler",
      [ZT_REASON_BAD_REQUEST] = "bad_request",
      [ZT_REASON_REQUEST_LIMIT] = "request_limit",
      [ZT_REASON_INVALID_ARGUMENT] = "invalid_argument",
      [ZT_REASON_INTERNAL] = "internal_error",
      [ZT_REASON_MTLS_REQUIRED] = "mtls_required",
      [ZT_REASON_MTLS_DISABLED] = "mtls_disabled",
  };
  return reason < ZT_REASON_COUNT ? names[reason] : "unknown";
}

static size_t put(char *buf, size_t cap, size_t at, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, at++)
    if (buf && at + 1 < cap)
      buf[at] = s[i];
  return at;
}

size_t zt_policy_ref_format(const zt_policy_ref *ref, char *buf, size_t len) {
  if (buf && len)
    buf[0] = '\0';
  if (!ref || !ref->ns || ref->rule < 0)
    return 0;
  char idx[16];
  int ni = snprintf(idx, sizeof(idx), "%d", (int)ref->rule);
  size_t at = put(buf, len, 0, "ns[", 3);
  at = put(buf, len, at, ref->ns, ref->ns_len);
  at = put(buf, len, at, "]-policy[", 9);
  at = put(buf, len, at, ref->name, ref->name_len);
  at = put(buf, len, at, "]-rule[", 7);
  at = put(buf, len, at, idx, ni > 0 ? (size_t)ni : 0);
  at = put(buf, len, at, "]", 1);
  if (buf && len)
    buf[at < len ? at : len - 1] = '\0';
  return at;
}

int zt_headers_get(void *ctx, const char *name, size_t name_len, size_t index,
                   zt_str *value) {
  const zt_headers *h = ctx;
  if (!h || !value || (!h->v && h->n))
    return 0;
  for (size_t i = 0; i < h->n; i++) {
    const zt_kv *kv = &h->v[i];
    if (kv->key.len != name_len || !zt_mem_ieq(kv->key.ptr, name, name_len))
      continue;
    if (index-- == 0) {
      *value = kv->value;
      return 1;
    }
  }
  return 0;
}
