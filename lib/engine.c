#include "engine.h"

#include <string.h>

#include "alloc.h"
#include "diag.h"

static void polref_release(const zt_allocator *mem, zt_polref *p) {
  if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
    return;
  zt_authz_free(&p->authz);
  zt_peerauthn_free(&p->peer);
  zt_policyset_free(p->ps);
  zt_free(mem, p->ps);
  zt_free(mem, p);
}

static void snapshot_destroy(zt_snapshot *s) {
  const zt_allocator *mem = &s->engine->cfg.mem;
  zt_reqauthn_free(&s->authn);
  zt_trust_release(mem, s->trust);
  polref_release(mem, s->pol);
  zt_free(mem, s);
}

/* A snapshot of pol and trust (taking one reference to each) with request
 * authentication compiled against the engine's key sets. Called with
 * write_lock held (the key set store is read). */
static int snapshot_new(zt_engine *e, zt_polref *pol, zt_trust *trust,
                        zt_snapshot **out) {
  zt_snapshot *s = zt_calloc(&e->cfg.mem, 1, sizeof(*s));
  if (!s)
    return ZT_ENOMEM;
  atomic_init(&s->refs, 1); /* the engine's own reference */
  atomic_init(&s->retired, false);
  s->engine = e;
  uint64_t seed = (uint64_t)(uintptr_t)s ^ (e->generation << 32);
  int rc = zt_reqauthn_compile(&s->authn, pol->ps, &e->cfg, &e->jwks, seed);
  if (rc != ZT_OK) {
    zt_free(&e->cfg.mem, s);
    return rc;
  }
  atomic_fetch_add(&pol->refs, 1);
  s->pol = pol;
  zt_trust_retain(trust);
  s->trust = trust;
  *out = s;
  return ZT_OK;
}

/* A policy set compiled for deciding: authorization and peer
 * authentication. On failure ps is left to the caller. */
static int polref_new(zt_engine *e, zt_policyset *ps, zt_polref **out) {
  *out = NULL;
  zt_polref *p = zt_calloc(&e->cfg.mem, 1, sizeof(*p));
  if (!p)
    return ZT_ENOMEM;
  atomic_init(&p->refs, 0);
  p->ps = ps;
  int rc = zt_authz_compile(&p->authz, ps, &e->cfg);
  if (rc != ZT_OK) {
    zt_free(&e->cfg.mem, p);
    return rc;
  }
  rc = zt_peerauthn_compile(&p->peer, ps, &e->cfg);
  if (rc != ZT_OK) {
    zt_authz_free(&p->authz);
    zt_free(&e->cfg.mem, p);
    return rc;
  }
  *out = p;
  return ZT_OK;
}

/* Undoes polref_new for a set no snapshot took. */
static void polref_drop(zt_engine *e, zt_polref *p) {
  zt_authz_free(&p->authz);
  zt_peerauthn_free(&p->peer);
  zt_free(&e->cfg.mem, p);
}

/* Frees retired snapshots nobody holds. Called with write_lock held. */
static void reclaim(zt_engine *e) {
  if (atomic_load(&e->acquiring) != 0)
    return;
  zt_snapshot **link = &e->retired;
  while (*link) {
    zt_snapshot *s = *link;
    if (atomic_load(&s->refs) == 0) {
      *link = s->next_retired;
      snapshot_destroy(s);
    } else {
      link = &s->next_retired;
    }
  }
}

int zt_engine_new(zt_engine **out, const zt_config *cfg, zt_diag *diag) {
  zt_diag_clear(diag);
  if (!out || !cfg)
    return zt_diag_fail(diag, ZT_EINVAL, "engine and configuration needed");
  *out = NULL;
  zt_engine *e = zt_calloc(&cfg->mem, 1, sizeof(*e));
  if (!e)
    return zt_diag_fail(diag, ZT_ENOMEM, "out of memory");
  e->cfg = *cfg;
  if (pthread_mutex_init(&e->write_lock, NULL) != 0) {
    zt_free(&cfg->mem, e);
    return zt_diag_fail(diag, ZT_ENOMEM, "cannot create a mutex");
  }
  atomic_init(&e->acquiring, 0);
  zt_policyset *ps = zt_alloc(&e->cfg.mem, sizeof(*ps));
  if (ps)
    zt_policyset_init(ps, &e->cfg.mem);
  zt_polref *pol = NULL;
  if (ps)
    (void)polref_new(e, ps, &pol);
  zt_snapshot *s = NULL;
  if (!pol || snapshot_new(e, pol, NULL, &s) != ZT_OK) {
    if (pol)
      polref_drop(e, pol);
    zt_free(&e->cfg.mem, ps);
    pthread_mutex_destroy(&e->write_lock);
    zt_free(&cfg->mem, e);
    return zt_diag_fail(diag, ZT_ENOMEM, "out of memory");
  }
  atomic_init(&e->current, s);
  *out = e;
  return ZT_OK;
}

void zt_engine_free(zt_engine *e) {
  if (!e)
    return;
  zt_snapshot *cur = atomic_load(&e->current);
  snapshot_destroy(cur);
  while (e->retired) {
    zt_snapshot *s = e->retired;
    e->retired = s->next_retired;
    snapshot_destroy(s);
  }
  for (size_t i = 0; i < e->jwks.n; i++) {
    zt_keyset_release(e->jwks.v[i].keys);
    zt_free(&e->cfg.mem, e->jwks.v[i].uri);
  }
  zt_free(&e->cfg.mem, e->jwks.v);
  for (size_t i = 0; i < e->n_bundles; i++)
    zt_bundle_release(e->bundles[i]);
  zt_free(&e->cfg.mem, e->bundles);
  pthread_mutex_destroy(&e->write_lock);
  zt_allocator mem = e->cfg.mem;
  zt_free(&mem, e);
}

int zt_engine_acquire(zt_engine *e, zt_snapshot **out) {
  if (!e || !out)
    return ZT_EINVAL;
  atomic_fetch_add(&e->acquiring, 1);
  zt_snapshot *s = atomic_load(&e->current);
  atomic_fetch_add(&s->refs, 1);
  atomic_fetch_sub(&e->acquiring, 1);
  *out = s;
  return ZT_OK;
}

void zt_snapshot_release(zt_snapshot *s) {
  if (!s)
    return;
  /* Read everything before the decrement: once the count is zero a loader
   * may free s at any moment. */
  zt_engine *e = s->engine;
  bool retired = atomic_load(&s->retired);
  if (atomic_fetch_sub(&s->refs, 1) != 1 || !retired)
    return;
  /* The last holder of a replaced snapshot: free it now unless a loader is
   * busy, in which case that loader's reclaim pass frees it. */
  if (pthread_mutex_trylock(&e->write_lock) == 0) {
    reclaim(e);
    pthread_mutex_unlock(&e->write_lock);
  }
}

uint64_t zt_snapshot_generation(const zt_snapshot *s) {
  return s ? s->generation : 0;
}

uint64_t zt_snapshot_count(const zt_snapshot *s, uint32_t kind) {
  if (!s || kind > ZT_KIND_REQUEST_AUTHENTICATION)
    return 0;
  return s->pol->ps->kinds[kind].n;
}

static uint32_t scope_of(const zt_object *o, const zt_selector *sel,
                         bool targets, const zt_config *cfg) {
  if (targets)
    return ZT_SCOPE_TARGETS;
  if (sel->present && sel->n)
    return ZT_SCOPE_WORKLOAD;
  if (o->ns.len == cfg->root_ns.len &&
      memcmp(o->ns.s, cfg->root_ns.s, o->ns.len) == 0)
    return ZT_SCOPE_MESH;
  return ZT_SCOPE_NAMESPACE;
}

static void describe(const zt_object *o, const zt_config *cfg,
                     zt_policy_info *out) {
  out->kind = o->kind;
  out->line = o->pos.line;
  out->dry_run = o->dry_run;
  out->ns = o->ns.s;
  out->ns_len = o->ns.len;
  out->name = o->name.s;
  out->name_len = o->name.len;
  out->source = o->source;
  out->source_len = strlen(o->source);
  if (o->kind == ZT_OBJ_AUTHZ) {
    const zt_authz_policy *p = &o->u.authz;
    out->scope =
        scope_of(o, &p->selector, p->has_target_ref || p->target_refs.n, cfg);
    out->action = p->action;
    out->rules = p->n_rules;
  } else if (o->kind == ZT_OBJ_PEER) {
    out->scope = scope_of(o, &o->u.peer.selector, false, cfg);
    out->action = o->u.peer.mode;
    out->rules = o->u.peer.n_ports;
  } else {
    const zt_request_authn *r = &o->u.request;
    out->scope =
        scope_of(o, &r->selector, r->has_target_ref || r->target_refs.n, cfg);
    out->rules = r->n_rules;
  }
}

int zt_snapshot_policy(const zt_snapshot *s, uint32_t kind, uint64_t index,
                       zt_policy_info *out) {
  if (!s || !out || kind > ZT_KIND_REQUEST_AUTHENTICATION)
    return ZT_EINVAL;
  memset(out, 0, sizeof(*out));
  const zt_objvec *v = &s->pol->ps->kinds[kind];
  if (index >= v->n)
    return ZT_EINVAL;
  describe(v->v[index], &s->engine->cfg, out);
  return ZT_OK;
}

/* Makes s the snapshot in force. Called with write_lock held. */
static void swap_in(zt_engine *e, zt_snapshot *s) {
  s->generation = ++e->generation;
  zt_snapshot *old = atomic_exchange(&e->current, s);
  atomic_store(&old->retired, true);
  old->next_retired = e->retired;
  e->retired = old;
  atomic_fetch_sub(&old->refs, 1);
  reclaim(e);
}

int zt_engine_publish(zt_engine *e, zt_policyset *ps) {
  zt_polref *pol = NULL;
  int rc = polref_new(e, ps, &pol);
  if (rc != ZT_OK)
    return rc;
  zt_snapshot *s = NULL;
  pthread_mutex_lock(&e->write_lock);
  rc = snapshot_new(e, pol, atomic_load(&e->current)->trust, &s);
  if (rc == ZT_OK)
    swap_in(e, s);
  pthread_mutex_unlock(&e->write_lock);
  if (rc != ZT_OK)
    polref_drop(e, pol);
  return rc;
}

/* ---- jwksUri key sets ------------------------------------------------------
 */

static zt_jwks_entry *store_slot(zt_engine *e, const char *uri, size_t len) {
  for (size_t i = 0; i < e->jwks.n; i++)
    if (e->jwks.v[i].len == len && memcmp(e->jwks.v[i].uri, uri, len) == 0)
      return &e->jwks.v[i];
  if (!zt_grow(&e->cfg.mem, (void **)&e->jwks.v, sizeof(zt_jwks_entry),
               &e->jwks.cap, e->jwks.n + 1))
    return NULL;
  zt_jwks_entry *en = &e->jwks.v[e->jwks.n];
  en->uri = zt_alloc(&e->cfg.mem, len + 1);
  if (!en->uri)
    return NULL;
  memcpy(en->uri, uri, len);
  en->uri[len] = '\0';
  en->len = len;
  en->keys = NULL;
  e->jwks.n++;
  return en;
}

static int import_jwks(zt_engine *e, const char *uri, size_t uri_len,
                       const char *doc, size_t len, zt_keyset **out,
                       zt_diag *diag) {
  zt_jwks_result res;
  int rc = zt_keyset_from_jwks(&e->cfg.mem, doc, len, out, &res);
  if (rc == ZT_OK && res.status != ZT_JWKS_OK)
    rc = ZT_ESCHEMA;
  if (rc != ZT_OK)
    return zt_diag_fail(diag, rc, "jwks for %.*s: %s", (int)uri_len, uri,
                        res.why ? res.why : zt_strerror(rc));
  return ZT_OK;
}

int zt_engine_set_jwks(zt_engine *e, const char *uri, size_t uri_len,
                       const char *doc, size_t len, zt_diag *diag) {
  zt_diag_clear(diag);
  if (!e || !uri || !uri_len || uri_len > 2048 || (!doc && len))
    return zt_diag_fail(diag, ZT_EINVAL, "engine and uri needed");
  zt_keyset *ks = NULL;
  if (doc) {
    int rc = import_jwks(e, uri, uri_len, doc, len, &ks, diag);
    if (rc != ZT_OK)
      return rc;
  }
  pthread_mutex_lock(&e->write_lock);
  zt_jwks_entry *en = store_slot(e, uri, uri_len);
  zt_snapshot *s = NULL;
  int rc = ZT_ENOMEM;
  if (en) {
    zt_keyset *old = en->keys;
    en->keys = ks;
    zt_snapshot *cur = atomic_load(&e->current);
    rc = snapshot_new(e, cur->pol, cur->trust, &s);
    if (rc == ZT_OK) {
      swap_in(e, s);
      zt_keyset_release(old);
      ks = NULL;
    } else {
      en->keys = old;
    }
  }
  pthread_mutex_unlock(&e->write_lock);
  zt_keyset_release(ks);
  return rc == ZT_OK ? ZT_OK : zt_diag_fail(diag, rc, "%s", zt_strerror(rc));
}

uint64_t zt_snapshot_jwks_count(const zt_snapshot *s) {
  return s ? s->authn.n_uris : 0;
}

int zt_snapshot_jwks(const zt_snapshot *s, uint64_t index, zt_jwks_info *out) {
  if (!s || !out)
    return ZT_EINVAL;
  memset(out, 0, sizeof(*out));
  if (index >= s->authn.n_uris)
    return ZT_EINVAL;
  const zt_ra_uri *u = &s->authn.uris[index];
  out->uri = u->uri;
  out->uri_len = u->len;
  out->supplied = u->keys != NULL;
  out->keys = u->keys ? zt_keyset_size(u->keys) : 0;
  return ZT_OK;
}

/* ---- Trust bundles
 * ----------------------------------------------------------- */

static int td_cmp(const zt_bundle *b, const char *td, size_t len) {
  size_t blen = 0;
  const char *name = zt_bundle_trust_domain(b, &blen);
  int c = memcmp(name, td, blen < len ? blen : len);
  return c ? c : (blen > len) - (blen < len);
}

/* The store's bundles with the one of (td, len) replaced by b, or removed
 * when b is NULL; sorted. The array holds no references of its own. */
static int store_with(zt_engine *e, const char *td, size_t len, zt_bundle *b,
                      zt_bundle ***out, size_t *n) {
  zt_bundle **v = zt_calloc(&e->cfg.mem, e->n_bundles + 1, sizeof(*v));
  if (!v)
    return ZT_ENOMEM;
  size_t k = 0;
  bool placed = false;
  for (size_t i = 0; i < e->n_bundles; i++) {
    int c = td_cmp(e->bundles[i], td, len);
    if (c > 0 && b && !placed) {
      v[k++] = b;
      placed = true;
    }
    if (c != 0)
      v[k++] = e->bundles[i];
  }
  if (b && !placed)
    v[k++] = b;
  *out = v;
  *n = k;
  return ZT_OK;
}

/* Makes v (n bundles, sorted) the bundles in force: a new trust set with
 * an empty identity cache, in a new snapshot. Takes ownership of v on
 * success. Called with write_lock held. */
static int trust_publish(zt_engine *e, zt_bundle **v, size_t n) {
  zt_trust *t = NULL;
  int rc = ZT_OK;
  if (n)
    rc = zt_trust_new(&e->cfg.mem, v, n, e->trust_generation + 1,
                      (uint32_t)e->cfg.options[ZT_OPT_SVID_CACHE_ENTRIES], &t);
  zt_snapshot *s = NULL;
  if (rc == ZT_OK)
    rc = snapshot_new(e, atomic_load(&e->current)->pol, t, &s);
  zt_trust_release(&e->cfg.mem, t); /* the snapshot holds its own */
  if (rc != ZT_OK)
    return rc;
  e->trust_generation++;
  for (size_t i = 0; i < n; i++)
    zt_bundle_retain(v[i]);
  for (size_t i = 0; i < e->n_bundles; i++)
    zt_bundle_release(e->bundles[i]);
  zt_free(&e->cfg.mem, e->bundles);
  e->bundles = v;
  e->n_bundles = e->cap_bundles = n;
  swap_in(e, s);
  return ZT_OK;
}

/* Parses what the host gave: one trust domain's bundle (b NULL for a
 * withdrawal) or, without a trust domain, a bundle map. */
static int parse_bundles(zt_engine *e, const char *td, size_t td_len,
                         const char *doc, size_t len, zt_bundle ***map,
                         size_t *n_map, zt_bundle **b, zt_diag *diag) {
  zt_bundle_err err = {{0}};
  int rc = ZT_OK;
  if (!td_len)
    rc = zt_bundle_map_parse(&e->cfg.mem, doc, len, map, n_map, &err);
  else if (doc)
    rc = zt_bundle_parse(&e->cfg.mem, td, td_len, doc, len, b, &err);
  if (rc == ZT_OK)
    return ZT_OK;
  if (!td_len)
    return zt_diag_fail(diag, rc, "trust bundle map: %s", err.msg);
  return zt_diag_fail(diag, rc, "trust bundle for %.*s: %s", (int)td_len, td,
                      err.msg);
}

int zt_engine_set_trust_bundle(zt_engine *e, const char *td, size_t td_len,
                               const char *doc, size_t len, zt_diag *diag) {
  zt_diag_clear(diag);
  if (!e || (!td && td_len) || (!doc && len) || (!td_len && !doc) ||
      td_len > ZT_TD_MAX)
    return zt_diag_fail(diag, ZT_EINVAL,
                        "engine needed, and a trust domain or a bundle map");
  zt_bundle **map = NULL, *b = NULL;
  size_t n_map = 0;
  int rc = parse_bundles(e, td, td_len, doc, len, &map, &n_map, &b, diag);
  if (rc != ZT_OK)
    return rc;
  pthread_mutex_lock(&e->write_lock);
  zt_bundle **v = map;
  size_t n = n_map;
  if (td_len)
    rc = store_with(e, td, td_len, b, &v, &n);
  if (rc == ZT_OK)
    rc = trust_publish(e, v, n);
  if (rc != ZT_OK && v != map)
    zt_free(&e->cfg.mem, v);
  /* The store keeps references of its own: give back the parser's (under
   * the lock: the map may now be the store's array). */
  for (size_t i = 0; i < n_map; i++)
    zt_bundle_release(map[i]);
  if (rc != ZT_OK || td_len)
    zt_free(&e->cfg.mem, map);
  pthread_mutex_unlock(&e->write_lock);
  zt_bundle_release(b);
  return rc == ZT_OK ? ZT_OK : zt_diag_fail(diag, rc, "%s", zt_strerror(rc));
}

uint64_t zt_snapshot_bundle_count(const zt_snapshot *s) {
  return s && s->trust ? s->trust->n : 0;
}

int zt_snapshot_bundle(const zt_snapshot *s, uint64_t index,
                       zt_bundle_info *out) {
  if (!s || !out)
    return ZT_EINVAL;
  memset(out, 0, sizeof(*out));
  if (!s->trust || index >= s->trust->n)
    return ZT_EINVAL;
  const zt_bundle *b = s->trust->v[index];
  out->trust_domain = zt_bundle_trust_domain(b, &out->trust_domain_len);
  out->roots = zt_bundle_roots(b);
  out->has_sequence = zt_bundle_sequence(b, &out->sequence);
  out->generation = s->trust->generation;
  return ZT_OK;
}
