#include "attach.h"

#include <string.h>

bool zt_str_is(zt_str a, const char *b, size_t n) {
  return a.len == n && (n == 0 || memcmp(a.ptr, b, n) == 0);
}

void zt_attach_init(zt_attach *at, const zt_workload *w, const zt_config *cfg) {
  at->w = w;
  at->cfg = cfg;
  at->waypoint = (w->flags & ZT_WORKLOAD_WAYPOINT) != 0;
  at->gateway_read = false;
  at->gateway = (zt_str){NULL, 0};
}

bool zt_attach_labels(const zt_attach *at, const zt_selector *sel) {
  const zt_workload *w = at->w;
  for (uint32_t i = 0; i < sel->n; i++) {
    const zt_label *l = &sel->labels[i];
    bool found = false;
    for (size_t j = 0; j < w->n_labels && !found; j++)
      found = zt_str_is(w->labels[j].key, l->key.s, l->key.len) &&
              zt_str_is(w->labels[j].value, l->value.s, l->value.len);
    if (!found)
      return false;
  }
  return true;
}

static bool sval_is(const zt_sval *v, const char *s) {
  size_t n = strlen(s);
  return v->len == n && memcmp(v->s, s, n) == 0;
}

static bool serves(const zt_attach *at, const zt_sval *name) {
  for (size_t i = 0; i < at->w->n_services; i++)
    if (zt_str_is(at->w->services[i], name->s, name->len))
      return true;
  return false;
}

/* §1.4 ShouldAttachPolicy for one reference. */
static bool ref_attaches(const zt_attach *at, const zt_target_ref *r,
                         const zt_object *o) {
  bool same_ns = zt_str_is(at->w->ns, o->ns.s, o->ns.len);
  bool core = r->group.len == 0 || sval_is(&r->group, "core");
  bool gw = sval_is(&r->group, "gateway.networking.k8s.io");
  if (gw && sval_is(&r->kind, "Gateway"))
    return at->gateway.len && same_ns &&
           zt_str_is(at->gateway, r->name.s, r->name.len);
  if (gw && sval_is(&r->kind, "GatewayClass"))
    return at->waypoint && sval_is(&r->name, "istio-waypoint") &&
           o->ns.len == at->cfg->root_ns.len &&
           memcmp(o->ns.s, at->cfg->root_ns.s, o->ns.len) == 0;
  if ((core && sval_is(&r->kind, "Service")) ||
      (sval_is(&r->group, "networking.istio.io") &&
       sval_is(&r->kind, "ServiceEntry")))
    return at->waypoint && same_ns && serves(at, &r->name);
  return false;
}

static void read_gateway(zt_attach *at) {
  static const char key[] = "gateway.networking.k8s.io/gateway-name";
  at->gateway_read = true;
  for (size_t i = 0; i < at->w->n_labels; i++)
    if (zt_str_is(at->w->labels[i].key, key, sizeof(key) - 1)) {
      at->gateway = at->w->labels[i].value;
      return;
    }
}

bool zt_attach_applies(zt_attach *at, const zt_object *o,
                       const zt_selector *sel, bool targets,
                       const zt_target_ref *ref, const zt_target_refs *refs) {
  if (!targets)
    return !at->waypoint && zt_attach_labels(at, sel);
  /* targetRefs policies live on waypoints and gateways. */
  if (!at->gateway_read)
    read_gateway(at);
  if (!at->waypoint && !at->gateway.len)
    return false;
  if (refs->n) {
    for (uint32_t i = 0; i < refs->n; i++)
      if (ref_attaches(at, &refs->v[i], o))
        return true;
    return false;
  }
  return ref_attaches(at, ref, o);
}
