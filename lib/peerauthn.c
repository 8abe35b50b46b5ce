/* PeerAuthentication compiled for lookup (peerauthn.h). One sort of every
 * policy by (namespace, scope, age) makes each namespace a slice whose
 * first entry, when namespace-wide, is that namespace's winner and whose
 * tail is its workload policies oldest first. */
#include <stdlib.h>
#include <string.h>

#include "peerauthn.h"

struct zt_pa_ns {
  const char *name;
  uint32_t len;
  const zt_object *wide; /* the oldest namespace-wide policy, or NULL */
  const zt_object **wl;  /* workload (selector) policies, oldest first */
  uint32_t n_wl;
};

/* §1.3: empty matchLabels is namespace- or mesh-wide, like no selector. */
static bool has_selector(const zt_object *o) {
  return o->u.peer.selector.n > 0;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  int c = n ? memcmp(a, b, n) : 0;
  return c ? c : (an > bn) - (an < bn);
}

static int cmp_i64(int64_t a, int64_t b) {
  return (a > b) - (a < b);
}

/* DECISIONS.md; an unstamped policy is the newest (peerauthn.h). */
static int cmp_age(const zt_object *a, const zt_object *b) {
  if (a->has_creation != b->has_creation)
    return a->has_creation ? -1 : 1;
  int c = a->has_creation ? cmp_i64(a->creation, b->creation) : 0;
  if (!c)
    c = cmp_bytes(a->name.s, a->name.len, b->name.s, b->name.len);
  return c ? c : cmp_i64(a->order, b->order);
}

static bool same_ns(const zt_object *a, const zt_object *b) {
  return cmp_bytes(a->ns.s, a->ns.len, b->ns.s, b->ns.len) == 0;
}

/* Namespace, then namespace-wide before workload policies, then age. */
static int cmp_pa(const void *x, const void *y) {
  const zt_object *a = *(const zt_object *const *)x;
  const zt_object *b = *(const zt_object *const *)y;
  int c = cmp_bytes(a->ns.s, a->ns.len, b->ns.s, b->ns.len);
  if (!c)
    c = (int)has_selector(a) - (int)has_selector(b);
  return c ? c : cmp_age(a, b);
}

static bool is_root(const zt_object *o, const zt_config *cfg) {
  return cmp_bytes(o->ns.s, o->ns.len, cfg->root_ns.s, cfg->root_ns.len) == 0;
}

/* The end of the namespace run that starts at i. */
static size_t run_end(const zt_object **v, size_t n, size_t i) {
  size_t j = i + 1;
  while (j < n && same_ns(v[i], v[j]))
    j++;
  return j;
}

static uint32_t count_ns(const zt_object **v, size_t n, const zt_config *cfg) {
  uint32_t count = 0;
  for (size_t i = 0; i < n; i = run_end(v, n, i))
    count += !is_root(v[i], cfg);
  return count;
}

/* One namespace's slice; in the root namespace only the mesh policy
 * counts, its selector policies are ignored (§5.1). */
static void add_run(zt_peerauthn *pa, const zt_object **run, size_t n,
                    const zt_config *cfg) {
  const zt_object *wide = has_selector(run[0]) ? NULL : run[0];
  if (is_root(run[0], cfg)) {
    pa->mesh = wide;
    return;
  }
  size_t first_wl = 0;
  while (first_wl < n && !has_selector(run[first_wl]))
    first_wl++;
  pa->ns[pa->n_ns++] = (zt_pa_ns){run[0]->ns.s, run[0]->ns.len, wide,
                                  run + first_wl, (uint32_t)(n - first_wl)};
}

int zt_peerauthn_compile(zt_peerauthn *pa, const zt_policyset *ps,
                         const zt_config *cfg) {
  const zt_objvec *objs = &ps->kinds[ZT_OBJ_PEER];
  size_t n = objs->n;
  memset(pa, 0, sizeof(*pa));
  pa->mem = &cfg->mem;
  if (n == 0)
    return ZT_OK;
  if (n > UINT32_MAX)
    return ZT_ELIMIT;
  pa->pas = zt_calloc(pa->mem, n, sizeof(*pa->pas));
  if (!pa->pas)
    return ZT_ENOMEM;
  memcpy(pa->pas, objs->v, n * sizeof(*pa->pas));
  qsort(pa->pas, n, sizeof(*pa->pas), cmp_pa);
  uint32_t n_ns = count_ns(pa->pas, n, cfg);
  pa->ns = n_ns ? zt_calloc(pa->mem, n_ns, sizeof(*pa->ns)) : NULL;
  if (n_ns && !pa->ns) {
    zt_peerauthn_free(pa);
    return ZT_ENOMEM;
  }
  for (size_t i = 0, end; i < n; i = end) {
    end = run_end(pa->pas, n, i);
    add_run(pa, pa->pas + i, end - i, cfg);
  }
  return ZT_OK;
}

void zt_peerauthn_free(zt_peerauthn *pa) {
  if (!pa || !pa->mem)
    return;
  zt_free(pa->mem, pa->ns);
  zt_free(pa->mem, pa->pas);
  memset(pa, 0, sizeof(*pa));
}

/* ---- Lookup: no allocation --------------------------------------------- */

static const zt_pa_ns *find_ns(const zt_peerauthn *pa, zt_str ns) {
  uint32_t lo = 0, hi = pa->n_ns;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const zt_pa_ns *e = &pa->ns[mid];
    int c = cmp_bytes(e->name, e->len, ns.ptr, ns.len);
    if (c == 0)
      return e;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* port < 0: the policy's own mode; else that portLevelMtls entry's. */
static void set_mode(zt_mtls_info *out, const zt_object *o, uint32_t mode,
                     int32_t port) {
  out->mode = mode;
  out->port_level = port >= 0;
  out->policy = (zt_policy_ref){.ns = o->ns.s,
                                .ns_len = o->ns.len,
                                .name = o->name.s,
                                .name_len = o->name.len,
                                .rule = port};
}

/* UNSET inherits: the parent's mode and reference stay. */
static void override(zt_mtls_info *out, const zt_object *o) {
  if (o && o->u.peer.mode != ZT_MTLS_UNSET)
    set_mode(out, o, o->u.peer.mode, -1);
}

static const zt_object *workload_pa(const zt_pa_ns *e, const zt_attach *at) {
  for (uint32_t i = 0; i < e->n_wl; i++)
    if (zt_attach_labels(at, &e->wl[i]->u.peer.selector))
      return e->wl[i];
  return NULL;
}

/* portLevelMtls keys are 1..65535, so port 0 never hits one. */
static void override_port(zt_mtls_info *out, const zt_object *wl,
                          uint32_t port) {
  const zt_peer_authn *p = &wl->u.peer;
  for (uint32_t i = 0; i < p->n_ports; i++)
    if (p->ports[i].port == port) {
      if (p->ports[i].mode != ZT_MTLS_UNSET)
        set_mode(out, wl, p->ports[i].mode, (int32_t)port);
      return;
    }
}

void zt_peerauthn_mode(const zt_peerauthn *pa, zt_attach *at, uint32_t port,
                       zt_mtls_info *out) {
  *out = (zt_mtls_info){ZT_MTLS_PERMISSIVE, 0, {NULL, 0, NULL, 0, -1, 0}};
  override(out, pa->mesh);
  const zt_pa_ns *e = find_ns(pa, at->w->ns);
  if (!e)
    return;
  override(out, e->wide);
  const zt_object *wl = workload_pa(e, at);
  if (!wl)
    return;
  override(out, wl);
  if (port != 0)
    override_port(out, wl, port);
}
