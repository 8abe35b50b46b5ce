#include "engine.h"

#include <string.h>

#include "alloc.h"
#include "diag.h"

static void snapshot_destroy(zt_snapshot *s) {
  const zt_allocator *mem = &s->engine->cfg.mem;
  zt_authz_free(&s->authz);
  if (s->policies) {
    zt_policyset_free(s->policies);
    zt_free(mem, s->policies);
  }
  zt_free(mem, s);
}

static zt_snapshot *snapshot_new(zt_engine *e, zt_policyset *ps) {
  zt_snapshot *s = zt_calloc(&e->cfg.mem, 1, sizeof(*s));
  if (!s)
    return NULL;
  atomic_init(&s->refs, 1); /* the engine's own reference */
  atomic_init(&s->retired, false);
  s->engine = e;
  s->policies = ps;
  return s;
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
  zt_snapshot *s = ps ? snapshot_new(e, ps) : NULL;
  if (!s) {
    zt_free(&e->cfg.mem, ps);
    pthread_mutex_destroy(&e->write_lock);
    zt_free(&cfg->mem, e);
    return zt_diag_fail(diag, ZT_ENOMEM, "out of memory");
  }
  zt_policyset_init(ps, &e->cfg.mem);
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
  return s->policies->kinds[kind].n;
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
  const zt_objvec *v = &s->policies->kinds[kind];
  if (index >= v->n)
    return ZT_EINVAL;
  describe(v->v[index], &s->engine->cfg, out);
  return ZT_OK;
}

int zt_engine_publish(zt_engine *e, zt_policyset *ps) {
  zt_authz authz;
  int rc = zt_authz_compile(&authz, ps, &e->cfg);
  if (rc)
    return rc;
  zt_snapshot *s = snapshot_new(e, ps);
  if (!s) {
    zt_authz_free(&authz);
    return ZT_ENOMEM;
  }
  s->authz = authz;
  pthread_mutex_lock(&e->write_lock);
  s->generation = ++e->generation;
  zt_snapshot *old = atomic_exchange(&e->current, s);
  atomic_store(&old->retired, true);
  old->next_retired = e->retired;
  e->retired = old;
  atomic_fetch_sub(&old->refs, 1);
  reclaim(e);
  pthread_mutex_unlock(&e->write_lock);
  return ZT_OK;
}
