/* RequestAuthentication compiled at commit: rules ordered by issuer,
 * locations and outputs prepared, key sets imported or taken from the
 * engine's jwksUri store. */
#include <stdlib.h>
#include <string.h>

#include "reqauthn.h"

static zt_str sv(const zt_sval *v) {
  return (zt_str){v->s, v->len};
}

static zt_str lower_dup(zt_arena *ar, const zt_sval *v) {
  char *s = zt_arena_strndup(ar, v->s, v->len);
  for (uint32_t i = 0; s && i < v->len; i++)
    if (s[i] >= 'A' && s[i] <= 'Z')
      s[i] = (char)(s[i] + 32);
  return (zt_str){s, s ? v->len : 0};
}

static bool str_same(zt_str a, zt_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int add_loc(zt_arena *ar, zt_ra_rule *r, uint32_t cap, uint8_t kind,
                   const zt_sval *name, const zt_sval *prefix) {
  if (r->n_locs == cap)
    return ZT_ELIMIT;
  zt_tokloc *l = &r->locs[r->n_locs++];
  l->kind = kind;
  l->icase = false;
  l->name = kind == ZT_LOC_HEADER ? lower_dup(ar, name) : sv(name);
  l->prefix = prefix ? sv(prefix) : (zt_str){NULL, 0};
  return l->name.len || !name->len ? ZT_OK : ZT_ENOMEM;
}

/* The rule's locations, or Envoy's defaults when it names none. */
static int compile_locs(zt_arena *ar, zt_ra_rule *r, const zt_jwt_rule *src) {
  uint32_t cap = src->n_from_headers + src->from_params.n + src->from_cookies.n;
  if (cap == 0) {
    r->locs = zt_arena_alloc(ar, 2 * sizeof(zt_tokloc));
    if (!r->locs)
      return ZT_ENOMEM;
    r->locs[0] =
        (zt_tokloc){ZT_LOC_HEADER, true, {"authorization", 13}, {"Bearer ", 7}};
    r->locs[1] =
        (zt_tokloc){ZT_LOC_PARAM, false, {"access_token", 12}, {NULL, 0}};
    r->n_locs = 2;
    return ZT_OK;
  }
  r->locs = zt_arena_alloc(ar, cap * sizeof(zt_tokloc));
  if (!r->locs)
    return ZT_ENOMEM;
  int rc = ZT_OK;
  for (uint32_t i = 0; rc == ZT_OK && i < src->n_from_headers; i++)
    rc = add_loc(ar, r, cap, ZT_LOC_HEADER, &src->from_headers[i].name,
                 &src->from_headers[i].prefix);
  for (uint32_t i = 0; rc == ZT_OK && i < src->from_params.n; i++)
    rc = add_loc(ar, r, cap, ZT_LOC_PARAM, &src->from_params.v[i], NULL);
  for (uint32_t i = 0; rc == ZT_OK && i < src->from_cookies.n; i++)
    rc = add_loc(ar, r, cap, ZT_LOC_COOKIE, &src->from_cookies.v[i], NULL);
  return rc;
}

/* outputClaimToHeaders: the claim path is split at '.' (Envoy). */
static int compile_out(zt_arena *ar, zt_ra_out *o, const zt_claim_header *c) {
  o->header = lower_dup(ar, &c->header);
  uint32_t depth = 1;
  for (uint32_t i = 0; i < c->claim.len; i++)
    depth += c->claim.s[i] == '.';
  o->path = zt_arena_alloc(ar, depth * sizeof(zt_str));
  if (!o->path || !o->header.ptr)
    return ZT_ENOMEM;
  const char *s = c->claim.s, *end = s + c->claim.len;
  for (o->depth = 0; o->depth < depth; o->depth++) {
    const char *dot = memchr(s, '.', (size_t)(end - s));
    const char *e = dot ? dot : end;
    o->path[o->depth] = (zt_str){s, (size_t)(e - s)};
    s = e + 1;
  }
  return ZT_OK;
}

static int compile_outputs(zt_arena *ar, zt_ra_rule *r,
                           const zt_jwt_rule *src) {
  if (src->output_payload_to_header.len)
    r->payload_header = lower_dup(ar, &src->output_payload_to_header);
  r->outs = src->n_output_claims
                ? zt_arena_alloc(ar, src->n_output_claims * sizeof(zt_ra_out))
                : NULL;
  if (src->n_output_claims && !r->outs)
    return ZT_ENOMEM;
  for (uint32_t i = 0; i < src->n_output_claims; i++)
    if (compile_out(ar, &r->outs[i], &src->output_claims[i]) != ZT_OK)
      return ZT_ENOMEM;
  r->n_outs = src->n_output_claims;
  r->n_space = src->space_delimited_claims.n;
  r->space =
      r->n_space ? zt_arena_alloc(ar, r->n_space * sizeof(zt_str)) : NULL;
  if (r->n_space && !r->space)
    return ZT_ENOMEM;
  for (uint32_t i = 0; i < r->n_space; i++)
    r->space[i] = sv(&src->space_delimited_claims.v[i]);
  return ZT_OK;
}

static int compile_aud(zt_arena *ar, zt_ra_rule *r, const zt_jwt_rule *src) {
  r->n_aud = src->audiences.n;
  r->aud = r->n_aud ? zt_arena_alloc(ar, r->n_aud * sizeof(zt_str)) : NULL;
  if (r->n_aud && !r->aud)
    return ZT_ENOMEM;
  for (uint32_t i = 0; i < r->n_aud; i++)
    r->aud[i] = sv(&src->audiences.v[i]);
  return ZT_OK;
}

/* ---- Key sets ------------------------------------------------------------ */

static const zt_jwks_entry *store_find(const zt_jwks_store *st, zt_str uri) {
  for (size_t i = 0; st && i < st->n; i++)
    if (str_same((zt_str){st->v[i].uri, st->v[i].len}, uri))
      return &st->v[i];
  return NULL;
}

/*
 * The key set name of a rule: its jwksUri, or for a rule with neither
 * jwks nor jwksUri the OpenID discovery document istiod would read (the
 * host resolves it and supplies the key set under that name).
 */
static zt_str uri_of(zt_arena *ar, const zt_jwt_rule *src) {
  if (src->jwks_uri.len)
    return sv(&src->jwks_uri);
  static const char wk[] = "/.well-known/openid-configuration";
  size_t n = src->issuer.len;
  while (n && src->issuer.s[n - 1] == '/')
    n--;
  char *s = zt_arena_alloc(ar, n + sizeof(wk));
  if (!s)
    return (zt_str){NULL, 0};
  memcpy(s, src->issuer.s, n);
  memcpy(s + n, wk, sizeof(wk));
  return (zt_str){s, n + sizeof(wk) - 1};
}

static int note_uri(zt_reqauthn *ra, zt_str uri, zt_keyset *keys,
                    uint32_t cap) {
  for (uint32_t i = 0; i < ra->n_uris; i++)
    if (str_same((zt_str){ra->uris[i].uri, ra->uris[i].len}, uri))
      return ZT_OK;
  if (ra->n_uris == cap)
    return ZT_EINTERNAL;
  ra->uris[ra->n_uris++] = (zt_ra_uri){uri.ptr, (uint32_t)uri.len,
                                       keys ? zt_keyset_retain(keys) : NULL};
  return ZT_OK;
}

static int compile_keys(zt_reqauthn *ra, zt_ra_rule *r, const zt_jwt_rule *src,
                        const zt_jwks_store *store, uint32_t uri_cap) {
  r->keys = NULL;
  r->keys_status = ZT_JWKS_FETCH_FAIL;
  if (src->jwks.len) {
    zt_keyset *ks = NULL;
    zt_jwks_result res;
    int rc = zt_keyset_from_jwks(&ra->cfg->mem, src->jwks.s, src->jwks.len, &ks,
                                 &res);
    if (rc == ZT_ENOMEM)
      return rc;
    r->keys_status = rc == ZT_OK ? (int32_t)res.status : ZT_JWKS_PARSE_ERROR;
    if (ks) {
      ra->inline_keys[ra->n_inline++] = ks;
      r->keys = ks;
    }
    return ZT_OK;
  }
  zt_str uri = uri_of(&ra->arena, src);
  if (!uri.ptr)
    return ZT_ENOMEM;
  const zt_jwks_entry *e = store_find(store, uri);
  if (e && e->keys)
    r->keys = e->keys;
  return note_uri(ra, uri, e ? e->keys : NULL, uri_cap);
}

/* ---- Rules, policies, namespaces ----------------------------------------- */

static int compile_rule(zt_reqauthn *ra, zt_ra_rule *r, const zt_object *o,
                        uint32_t index, const zt_jwks_store *store,
                        uint32_t uri_cap) {
  const zt_jwt_rule *src = &o->u.request.rules[index];
  r->obj = o;
  r->index = index;
  r->issuer = sv(&src->issuer);
  r->forward = src->forward_original_token;
  int rc = compile_aud(&ra->arena, r, src);
  if (rc == ZT_OK)
    rc = compile_locs(&ra->arena, r, src);
  if (rc == ZT_OK)
    rc = compile_outputs(&ra->arena, r, src);
  if (rc == ZT_OK)
    rc = compile_keys(ra, r, src, store, uri_cap);
  return rc;
}

static int ns_cmp(const void *a, const void *b) {
  const zt_ra_ns *x = a, *y = b;
  uint32_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->ns, y->ns, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

static zt_ra_ns *ns_find_or_add(zt_reqauthn *ra, const zt_sval *ns) {
  for (uint32_t i = 0; i < ra->n_nss; i++)
    if (ra->nss[i].len == ns->len && memcmp(ra->nss[i].ns, ns->s, ns->len) == 0)
      return &ra->nss[i];
  zt_ra_ns *n = &ra->nss[ra->n_nss++];
  n->ns = ns->s;
  n->len = ns->len;
  return n;
}

/* Policies grouped per namespace (two passes: count, then fill). */
static int index_namespaces(zt_reqauthn *ra) {
  ra->nss = zt_arena_alloc(&ra->arena, (ra->n_pols + 1) * sizeof(zt_ra_ns));
  if (!ra->nss)
    return ZT_ENOMEM;
  for (uint32_t i = 0; i < ra->n_pols; i++)
    ns_find_or_add(ra, &ra->pols[i].obj->ns)->n++;
  for (uint32_t i = 0; i < ra->n_nss; i++) {
    ra->nss[i].pols = zt_arena_alloc(&ra->arena, ra->nss[i].n * 4 + 4);
    if (!ra->nss[i].pols)
      return ZT_ENOMEM;
    ra->nss[i].n = 0;
  }
  for (uint32_t i = 0; i < ra->n_pols; i++) {
    zt_ra_ns *n = ns_find_or_add(ra, &ra->pols[i].obj->ns);
    n->pols[n->n++] = i;
  }
  qsort(ra->nss, ra->n_nss, sizeof(zt_ra_ns), ns_cmp);
  return ZT_OK;
}

static int uri_cmp(const void *a, const void *b) {
  const zt_ra_uri *x = a, *y = b;
  uint32_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->uri, y->uri, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int alloc_tables(zt_reqauthn *ra, const zt_objvec *v) {
  uint32_t rules = 0;
  for (size_t i = 0; i < v->n; i++)
    rules += v->v[i]->u.request.n_rules;
  ra->pols = zt_arena_alloc(&ra->arena, (v->n + 1) * sizeof(zt_ra_policy));
  ra->rules = zt_arena_alloc(&ra->arena, (rules + 1) * sizeof(zt_ra_rule));
  ra->uris = zt_arena_alloc(&ra->arena, (rules + 1) * sizeof(zt_ra_uri));
  ra->inline_keys = zt_arena_alloc(&ra->arena, (rules + 1) * sizeof(void *));
  return ra->pols && ra->rules && ra->uris && ra->inline_keys ? ZT_OK
                                                              : ZT_ENOMEM;
}

static int compile_all(zt_reqauthn *ra, const zt_objvec *v,
                       const zt_jwks_store *store) {
  int rc = alloc_tables(ra, v);
  uint32_t uri_cap = 0;
  for (size_t i = 0; i < v->n; i++)
    uri_cap += v->v[i]->u.request.n_rules;
  for (size_t i = 0; rc == ZT_OK && i < v->n; i++) {
    const zt_object *o = v->v[i];
    const zt_request_authn *p = &o->u.request;
    zt_ra_policy *pol = &ra->pols[ra->n_pols++];
    pol->obj = o;
    pol->first = ra->n_rules;
    pol->n = p->n_rules;
    pol->targets = p->has_target_ref || p->target_refs.n;
    for (uint32_t j = 0; rc == ZT_OK && j < p->n_rules; j++) {
      zt_ra_rule *r = &ra->rules[ra->n_rules];
      r->id = ra->n_rules++;
      rc = compile_rule(ra, r, o, j, store, uri_cap);
    }
  }
  if (rc == ZT_OK)
    rc = index_namespaces(ra);
  if (rc == ZT_OK && ra->n_uris)
    qsort(ra->uris, ra->n_uris, sizeof(zt_ra_uri), uri_cmp);
  return rc;
}

int zt_reqauthn_compile(zt_reqauthn *out, const zt_policyset *ps,
                        const zt_config *cfg, const zt_jwks_store *store,
                        uint64_t seed) {
  memset(out, 0, sizeof(*out));
  zt_arena_init(&out->arena, &cfg->mem);
  out->cfg = cfg;
  int rc = compile_all(out, &ps->kinds[ZT_OBJ_REQUEST], store);
  if (rc == ZT_OK)
    rc = zt_jwtc_new(&out->cache, &cfg->mem,
                     (uint32_t)cfg->options[ZT_OPT_JWT_CACHE_ENTRIES], seed);
  if (rc != ZT_OK)
    zt_reqauthn_free(out);
  return rc;
}

void zt_reqauthn_free(zt_reqauthn *ra) {
  if (!ra)
    return;
  for (uint32_t i = 0; i < ra->n_inline; i++)
    zt_keyset_release(ra->inline_keys[i]);
  for (uint32_t i = 0; i < ra->n_uris; i++)
    zt_keyset_release(ra->uris[i].keys);
  zt_jwtc_free(ra->cache);
  zt_arena_free(&ra->arena);
  memset(ra, 0, sizeof(*ra));
}
