/* One request's authentication (istio-semantics.md §9): which rules apply,
 * which tokens the request carries, whether each verifies, and what the
 * host must change in the request or the reply. */
#include <stdio.h>
#include <string.h>

#include "b64url.h"
#include "jwt_status.h"
#include "reqauthn.h"

/* ---- Rules and locations that apply ------------------------------------ */

static const zt_ra_ns *find_ns(const zt_reqauthn *ra, const char *ns,
                               size_t len) {
  size_t lo = 0, hi = ra->n_nss;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const zt_ra_ns *n = &ra->nss[mid];
    size_t m = n->len < len ? n->len : len;
    int c = m ? memcmp(n->ns, ns, m) : 0;
    if (!c)
      c = (n->len > len) - (n->len < len);
    if (!c)
      return n;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static int str_cmp(zt_str a, zt_str b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
  return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* Istio sorts the merged jwtRules by issuer (stable). */
static void add_rule(zt_authn *an, const zt_ra_rule *r) {
  uint32_t i = an->n_rules++;
  while (i > 0 && (str_cmp(an->rules[i - 1]->issuer, r->issuer) > 0 ||
                   (str_cmp(an->rules[i - 1]->issuer, r->issuer) == 0 &&
                    an->rules[i - 1]->id > r->id))) {
    an->rules[i] = an->rules[i - 1];
    i--;
  }
  an->rules[i] = r;
}

static int add_policies(zt_authn *an, const zt_ra_ns *ns, zt_attach *at) {
  for (uint32_t i = 0; ns && i < ns->n; i++) {
    const zt_ra_policy *p = &an->ra->pols[ns->pols[i]];
    const zt_request_authn *src = &p->obj->u.request;
    if (!zt_attach_applies(at, p->obj, &src->selector, p->targets,
                           &src->target_ref, &src->target_refs))
      continue;
    if (an->n_rules + p->n > ZT_AUTHN_MAX_RULES)
      return ZT_ELIMIT;
    for (uint32_t j = 0; j < p->n; j++)
      add_rule(an, &an->ra->rules[p->first + j]);
  }
  return ZT_OK;
}

static bool loc_same(const zt_tokloc *a, const zt_tokloc *b) {
  return zt_tokloc_cmp(a, b) == 0 && a->icase == b->icase;
}

/* Distinct locations in Envoy's walking order, each with its rules. */
static int add_locs(zt_authn *an) {
  for (uint32_t r = 0; r < an->n_rules; r++) {
    for (uint32_t k = 0; k < an->rules[r]->n_locs; k++) {
      const zt_tokloc *l = &an->rules[r]->locs[k];
      uint32_t i = 0;
      while (i < an->n_locs && !loc_same(&an->locs[i], l))
        i++;
      if (i == an->n_locs) {
        if (an->n_locs == ZT_AUTHN_MAX_LOCS)
          return ZT_ELIMIT;
        for (i = an->n_locs++; i > 0 && zt_tokloc_cmp(&an->locs[i - 1], l) > 0;
             i--) {
          an->locs[i] = an->locs[i - 1];
          an->loc_rules[i] = an->loc_rules[i - 1];
        }
        an->locs[i] = *l;
        an->loc_rules[i] = 0;
      }
      an->loc_rules[i] |= (uint64_t)1 << r;
    }
  }
  return ZT_OK;
}

/* ---- Extraction ---------------------------------------------------------- */

typedef struct got {
  zt_authn *an;
  uint32_t loc;
  int err;
} got;

static bool on_token(void *ctx, zt_str token, bool tentative) {
  got *g = ctx;
  zt_authn *an = g->an;
  if (an->n_tok == ZT_AUTHN_MAX_TOKENS) {
    an->overflow = true;
    return false;
  }
  zt_authn_token *t = &an->tok[an->n_tok++];
  memset(t, 0, sizeof(*t));
  t->loc = g->loc;
  t->text = token;
  t->tentative = tentative;
  if (an->locs[g->loc].kind == ZT_LOC_PARAM) {
    /* The decoded parameter lives in a buffer the next one overwrites. */
    char *copy = zt_alloc(&an->ra->cfg->mem, token.len ? token.len : 1);
    if (!copy) {
      g->err = ZT_ENOMEM;
      an->n_tok--;
      return false;
    }
    memcpy(copy, token.ptr, token.len);
    t->text.ptr = copy;
    t->param_copy = true;
  }
  return true;
}

static int extract_all(zt_authn *an) {
  for (uint32_t i = 0; i < an->n_locs && !an->overflow; i++) {
    got g = {an, i, ZT_OK};
    int rc = zt_extract(&an->locs[i], an->req, on_token, &g, an->param_buf);
    if (rc == ZT_OK)
      rc = g.err;
    if (rc != ZT_OK)
      return rc;
  }
  return ZT_OK;
}

/* ---- Verification ---------------------------------------------------------
 */

static uint64_t now_of(const zt_config *cfg) {
  int64_t now = zt_config_now(cfg);
  return now < 0 ? 0 : (uint64_t)now;
}

/* What one rule says of a parsed token (jwt.md §1.6 order after parsing:
 * issuer, time, audience, key set, signature). */
static int32_t check_rule(const zt_ra_rule *r, const zt_jwt *j, uint64_t now,
                          uint64_t skew) {
  if (r->issuer.len && (!j->has_iss || str_cmp(r->issuer, j->iss) != 0))
    return ZT_JWT_UNKNOWN_ISSUER;
  int32_t st = zt_jwt_check_time(j, now, skew);
  if (st != ZT_JWT_OK)
    return st;
  if (!zt_jwt_audience_allowed(j, r->aud, r->n_aud))
    return ZT_JWT_AUDIENCE_NOT_ALLOWED;
  if (!r->keys)
    return r->keys_status;
  return zt_keyset_verify(r->keys, j->alg, j->kid.ptr, j->kid.len,
                          j->signing_input.ptr, j->signing_input.len, j->sig,
                          j->sig_len);
}

/* Envoy's requires_any reports the last error that is not "missing" or
 * "unknown issuer". */
static int32_t worse(int32_t prev, int32_t st) {
  if (prev == ZT_JWT_OK || prev == ZT_JWT_UNKNOWN_ISSUER)
    return st;
  return st == ZT_JWT_UNKNOWN_ISSUER ? prev : st;
}

static bool cached(zt_authn *an, zt_authn_token *t, const zt_ra_rule *r,
                   uint64_t h, uint64_t now, uint64_t skew) {
  zt_jwtc *c = an->ra->cache;
  const zt_jwtc_entry *e = zt_jwtc_get(c, h, t->text.ptr, t->text.len, r->id);
  if (!e)
    return false;
  if (zt_jwt_time_check(e->nbf, e->exp, now, skew) != ZT_JWT_OK) {
    zt_jwtc_release(c, e);
    return false;
  }
  /* Every cached text is a whole run (remember): a tentative text equal
   * to one is that run, the token. */
  t->cached = e;
  t->rule = r;
  return true;
}

/* The cache's answer for t under its rules; *h gets t's slot hash. */
static bool lookup(zt_authn *an, zt_authn_token *t, uint64_t now, uint64_t skew,
                   uint64_t *h) {
  uint64_t mask = an->loc_rules[t->loc];
  *h = zt_jwtc_hash(an->ra->cache, t->text.ptr, t->text.len);
  for (uint32_t i = 0; i < an->n_rules; i++)
    if ((mask >> i & 1) && cached(an, t, an->rules[i], *h, now, skew))
      return true;
  return false;
}

/* Caches a verified token. Only whole runs of token characters go in,
 * which a JWT's base64url segments and dots always are: lookup() relies on
 * it to settle tentative texts. */
static void remember(zt_authn *an, zt_authn_token *t, uint64_t h) {
  const zt_jwt *j = t->jwt;
  if (zt_token_run(t->text.ptr, t->text.len) != t->text.len)
    return;
  zt_jwtc_item it = {t->text.ptr,
                     t->text.len,
                     t->rule->id,
                     j->has_exp ? j->exp : 0,
                     j->has_nbf ? j->nbf : 0,
                     &j->payload};
  zt_jwtc_put(an->ra->cache, h, &it);
}

static int32_t parse(zt_authn *an, zt_authn_token *t) {
  if (!t->jwt) {
    t->jwt = zt_alloc(&an->ra->cfg->mem, sizeof(zt_jwt));
    if (!t->jwt)
      return -1;
  }
  return zt_jwt_parse(t->jwt, t->text.ptr, t->text.len);
}

/* Verifies one token against the rules listening where it was found. */
static int32_t verify_token(zt_authn *an, zt_authn_token *t, uint64_t now,
                            uint64_t skew) {
  uint64_t mask = an->loc_rules[t->loc], h;
  if (lookup(an, t, now, skew, &h))
    return ZT_JWT_OK;
  if (t->tentative) {
    t->text.len = zt_token_run(t->text.ptr, t->text.len);
    t->tentative = false;
    if (lookup(an, t, now, skew, &h))
      return ZT_JWT_OK;
  }
  int32_t st = parse(an, t);
  if (st != ZT_JWT_OK)
    return st;
  int32_t res = ZT_JWT_OK;
  for (uint32_t i = 0; i < an->n_rules; i++) {
    if (!(mask >> i & 1))
      continue;
    st = check_rule(an->rules[i], t->jwt, now, skew);
    if (st == ZT_JWT_OK) {
      t->rule = an->rules[i];
      remember(an, t, h);
      return ZT_JWT_OK;
    }
    res = worse(res, st);
  }
  return res == ZT_JWT_OK ? ZT_JWT_UNKNOWN_ISSUER : res;
}

static void take_claims(zt_authn *an, const zt_authn_token *t) {
  an->claims_rule = t->rule;
  if (t->cached) {
    an->claims = &t->cached->claims;
    an->iss = t->cached->iss;
    an->sub = t->cached->sub;
    an->has_iss = t->cached->has_iss;
    an->has_sub = t->cached->has_sub;
  } else {
    an->claims = &t->jwt->payload;
    an->iss = t->jwt->iss;
    an->sub = t->jwt->sub;
    an->has_iss = t->jwt->has_iss;
    an->has_sub = t->jwt->has_sub;
  }
}

/* ---- Outputs ---------------------------------------------------------------
 */

static void out(const zt_authn *an, uint32_t op, zt_str name, zt_str value) {
  const zt_request *req = an->req;
  if (req->output)
    req->output(req->output_ctx, op, name.ptr, name.len, value.ptr, value.len);
}

static const zt_json_doc *claims_of(const zt_authn_token *t) {
  return t->cached ? &t->cached->claims : &t->jwt->payload;
}

/* The payload segment of a token as received: between its first two dots. */
static zt_str payload_segment(zt_str tok) {
  const char *a = memchr(tok.ptr, '.', tok.len);
  if (!a)
    return (zt_str){NULL, 0};
  const char *end = tok.ptr + tok.len;
  const char *b = memchr(a + 1, '.', (size_t)(end - a - 1));
  return b ? (zt_str){a + 1, (size_t)(b - a - 1)} : (zt_str){NULL, 0};
}

#define CLAIM_OUT_MAX 4096

/* Envoy's claim_to_headers value: strings as they are, numbers and
 * booleans as text, objects and lists as base64 of their JSON. */
static bool claim_text(const zt_json_doc *doc, zt_json_val v, char *buf,
                       zt_str *val) {
  const char *s;
  size_t n;
  int64_t i;
  bool b;
  char json[CLAIM_OUT_MAX / 4 * 3];
  switch (zt_json_type_of(doc, v)) {
  case ZT_JSON_STRING:
    return zt_json_string(doc, v, &s, &n) && (*val = (zt_str){s, n}, true);
  case ZT_JSON_BOOL:
    if (zt_json_bool(doc, v, &b) != ZT_OK)
      return false;
    *val = b ? (zt_str){"true", 4} : (zt_str){"false", 5};
    return true;
  case ZT_JSON_NUMBER:
    n = zt_json_write(doc, v, buf, CLAIM_OUT_MAX);
    if (n == SIZE_MAX)
      return false;
    if (zt_json_int64(doc, v, &i) == ZT_OK)
      n = (size_t)snprintf(buf, CLAIM_OUT_MAX, "%lld", (long long)i);
    *val = (zt_str){buf, n};
    return true;
  case ZT_JSON_OBJECT:
  case ZT_JSON_ARRAY:
    n = zt_json_write(doc, v, json, sizeof(json));
    if (n == SIZE_MAX)
      return false;
    n = zt_b64_encode((const uint8_t *)json, n, buf, CLAIM_OUT_MAX);
    *val = (zt_str){buf, n};
    return n > 0;
  default:
    return false;
  }
}

static void claim_out(const zt_authn *an, const zt_json_doc *doc,
                      const zt_ra_out *o) {
  zt_json_val v = ZT_JSON_ROOT;
  for (uint32_t d = 0; d < o->depth; d++)
    if (!zt_json_member(doc, v, o->path[d].ptr, o->path[d].len, &v))
      return;
  char buf[CLAIM_OUT_MAX];
  zt_str val;
  if (claim_text(doc, v, buf, &val))
    out(an, ZT_OUT_SET_HEADER, o->header, val);
}

static void sanitize(const zt_authn *an) {
  for (uint32_t i = 0; i < an->n_rules; i++) {
    const zt_ra_rule *r = an->rules[i];
    if (r->payload_header.len)
      out(an, ZT_OUT_REMOVE_HEADER, r->payload_header, (zt_str){NULL, 0});
    for (uint32_t k = 0; k < r->n_outs; k++)
      out(an, ZT_OUT_REMOVE_HEADER, r->outs[k].header, (zt_str){NULL, 0});
  }
}

static void principal_out(const zt_authn *an) {
  char buf[2048];
  if (!an->has_iss || !an->has_sub ||
      an->iss.len + an->sub.len + 1 > sizeof(buf))
    return;
  memcpy(buf, an->iss.ptr, an->iss.len);
  buf[an->iss.len] = '/';
  if (an->sub.len)
    memcpy(buf + an->iss.len + 1, an->sub.ptr, an->sub.len);
  out(an, ZT_OUT_REQUEST_PRINCIPAL, (zt_str){"request_principal", 17},
      (zt_str){buf, an->iss.len + 1 + an->sub.len});
}

static void success_outputs(const zt_authn *an) {
  sanitize(an);
  for (uint32_t i = 0; i < an->n_tok; i++) {
    const zt_authn_token *t = &an->tok[i];
    const zt_tokloc *l = &an->locs[t->loc];
    if (!t->rule->forward && l->kind == ZT_LOC_HEADER)
      out(an, ZT_OUT_REMOVE_HEADER, l->name, (zt_str){NULL, 0});
  }
  for (uint32_t i = 0; i < an->n_tok; i++) {
    const zt_authn_token *t = &an->tok[i];
    if (t->rule->payload_header.len)
      out(an, ZT_OUT_SET_HEADER, t->rule->payload_header,
          payload_segment(t->text));
    for (uint32_t k = 0; k < t->rule->n_outs; k++)
      claim_out(an, claims_of(t), &t->rule->outs[k]);
  }
  principal_out(an);
}

/* WWW-Authenticate as Envoy writes it: realm = the request URL (path cut
 * at 256 bytes); no error for a missing token. */
static void failure_outputs(const zt_authn *an) {
  const zt_request *req = an->req;
  zt_str proto = {NULL, 0};
  if (!req->header ||
      req->header(req->header_ctx, "x-forwarded-proto", 17, 0, &proto) != 1 ||
      !proto.len || proto.len > 16)
    proto = req->mtls ? (zt_str){"https", 5} : (zt_str){"http", 4};
  size_t plen = req->path.len > 256 ? 256 : req->path.len;
  size_t alen = req->authority.len > 256 ? 256 : req->authority.len;
  char buf[640];
  int n = snprintf(
      buf, sizeof(buf), "Bearer realm=\"%.*s://%.*s%.*s\"%s", (int)proto.len,
      proto.ptr, (int)alen, req->authority.ptr ? req->authority.ptr : "",
      (int)plen, req->path.ptr ? req->path.ptr : "",
      an->status == ZT_JWT_MISSED ? "" : ", error=\"invalid_token\"");
  if (n > 0 && (size_t)n < sizeof(buf))
    out(an, ZT_OUT_RESPONSE_HEADER, (zt_str){"www-authenticate", 16},
        (zt_str){buf, (size_t)n});
}

/* ---- The request ------------------------------------------------------------
 */

/* Envoy's bypass_cors_preflight, which Istio sets. */
static bool cors_preflight(const zt_request *req) {
  zt_str v;
  return req->method.len == 7 && memcmp(req->method.ptr, "OPTIONS", 7) == 0 &&
         req->header && req->header(req->header_ctx, "origin", 6, 0, &v) == 1 &&
         req->header(req->header_ctx, "access-control-request-method", 29, 0,
                     &v) == 1;
}

static int collect(zt_authn *an, zt_attach *at) {
  const zt_reqauthn *ra = an->ra;
  const zt_config *cfg = ra->cfg;
  const zt_workload *w = an->req->workload;
  const zt_ra_ns *root = find_ns(ra, cfg->root_ns.s, cfg->root_ns.len);
  const zt_ra_ns *own = find_ns(ra, w->ns.ptr, w->ns.len);
  int rc = add_policies(an, root, at);
  if (rc == ZT_OK && own != root)
    rc = add_policies(an, own, at);
  if (rc == ZT_OK)
    rc = add_locs(an);
  return rc;
}

int zt_authn_run(zt_authn *an, const zt_reqauthn *ra, const zt_request *req,
                 zt_attach *at) {
  memset(an, 0, offsetof(zt_authn, rules));
  an->ra = ra;
  an->req = req;
  an->status = ZT_JWT_OK;
  if (!ra || ra->n_rules == 0 || cors_preflight(req))
    return ZT_OK;
  int rc = collect(an, at);
  if (rc == ZT_OK && an->n_rules)
    rc = extract_all(an);
  if (rc != ZT_OK)
    return an->err = rc;
  if (an->overflow) {
    an->status = ZT_JWT_MULTIPLE_TOKENS;
    failure_outputs(an);
    return ZT_OK;
  }
  uint64_t now = now_of(ra->cfg);
  uint64_t skew = ra->cfg->options[ZT_OPT_JWT_CLOCK_SKEW];
  for (uint32_t i = 0; i < an->n_tok; i++) {
    int32_t st = verify_token(an, &an->tok[i], now, skew);
    if (st < 0)
      return an->err = ZT_ENOMEM;
    if (st != ZT_JWT_OK) {
      an->status = st;
      failure_outputs(an);
      return ZT_OK;
    }
  }
  if (an->n_tok)
    take_claims(an, &an->tok[0]);
  success_outputs(an);
  return ZT_OK;
}

void zt_authn_done(zt_authn *an) {
  if (!an->ra)
    return;
  const zt_allocator *mem = &an->ra->cfg->mem;
  for (uint32_t i = 0; i < an->n_tok; i++) {
    zt_authn_token *t = &an->tok[i];
    zt_free(mem, t->jwt);
    zt_jwtc_release(an->ra->cache, t->cached);
    if (t->param_copy)
      zt_free(mem, (void *)t->text.ptr);
  }
  an->n_tok = 0;
  an->ra = NULL;
}

int32_t zt_authn_http_status(const zt_config *cfg, int32_t status) {
  uint64_t fixed = cfg->options[ZT_OPT_JWT_FAILURE_STATUS];
  if (fixed)
    return (int32_t)fixed;
  return status == ZT_JWT_AUDIENCE_NOT_ALLOWED ? 403 : 401;
}
