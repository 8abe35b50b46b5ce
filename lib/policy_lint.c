#include "policy_lint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "policy_validate.h"

static bool sv_eq(zt_sval a, zt_sval b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

static int sv_cmp(zt_sval a, zt_sval b) {
  size_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.s, b.s, n) : 0;
  if (c)
    return c;
  return a.len < b.len ? -1 : (a.len > b.len);
}

static int cmp_identity(const void *pa, const void *pb) {
  const zt_object *a = *(zt_object *const *)pa, *b = *(zt_object *const *)pb;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  int c = sv_cmp(a->ns, b->ns);
  if (!c)
    c = sv_cmp(a->name, b->name);
  if (!c)
    c = a->order < b->order ? -1 : (a->order > b->order);
  return c;
}

static void report_at(zt_reporter *rep, const zt_object *o, int severity,
                      int code, zt_pos pos, const char *msg) {
  rep->source = o->source;
  rep->document = o->document;
  zt_reporter_object(rep, zt_kind_names[o->kind], o->ns, o->name);
  zt_report(rep, severity, code, pos, "%s", msg);
}

/* Kubernetes cannot hold two objects with one kind/namespace/name; a set
 * that does is ambiguous, so it is refused. */
static void check_duplicates(const zt_policyset *ps, zt_reporter *rep) {
  size_t n = 0;
  for (int k = 0; k < 3; k++)
    n += ps->kinds[k].n;
  if (n < 2)
    return;
  zt_object **all = zt_calloc(ps->arena.mem, n, sizeof(*all));
  if (!all) {
    zt_report(rep, ZT_SEVERITY_ERROR, ZT_ENOMEM, (zt_pos){0, 0},
              "out of memory");
    return;
  }
  size_t i = 0;
  for (int k = 0; k < 3; k++)
    for (size_t j = 0; j < ps->kinds[k].n; j++)
      all[i++] = ps->kinds[k].v[j];
  qsort(all, n, sizeof(*all), cmp_identity);
  char msg[512];
  for (i = 1; i < n; i++) {
    const zt_object *a = all[i - 1], *b = all[i];
    if (a->kind != b->kind || !sv_eq(a->ns, b->ns) ||
        !sv_eq(a->name, b->name) || b->set_checked)
      continue;
    snprintf(msg, sizeof(msg),
             "duplicate %s %.63s/%.200s: also defined at %s:%u:%u",
             zt_kind_names[b->kind], b->ns.s, b->name.s, a->source, a->pos.line,
             a->pos.col);
    report_at(rep, b, ZT_SEVERITY_ERROR, ZT_EDUPLICATE, b->pos, msg);
  }
  zt_free(ps->arena.mem, all);
}

/* ---- HTTP-only fields on TCP ports ------------------------------------------
 */

static bool proto_is_tcp(const char *s, size_t n) {
  static const char *const tcp[] = {"tcp",   "tls",   "https",
                                    "mongo", "mysql", "redis"};
  for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
    size_t m = strlen(tcp[i]);
    if (n >= m && strncasecmp(s, tcp[i], m) == 0 && (n == m || s[m] == '-'))
      return true;
  }
  return false;
}

/* Whether a Service port is known to carry TCP (not HTTP): by appProtocol,
 * else by Istio's port-name prefix convention. */
static bool port_is_tcp_protocol(const zt_service_port *p) {
  if (p->app_protocol.s && p->app_protocol.len)
    return proto_is_tcp(p->app_protocol.s, p->app_protocol.len) &&
           memchr(p->app_protocol.s, '-', p->app_protocol.len) == NULL;
  return p->name.s && proto_is_tcp(p->name.s, p->name.len);
}

/* A Service covers every workload a selector picks when all the Service's
 * selector labels are among the policy's matchLabels. */
static bool service_covers(const zt_service *s, const zt_selector *sel) {
  if (s->n_selector == 0)
    return false;
  for (uint32_t i = 0; i < s->n_selector; i++) {
    bool found = false;
    for (uint32_t j = 0; j < sel->n && !found; j++)
      found = sv_eq(s->selector[i].key, sel->labels[j].key) &&
              sv_eq(s->selector[i].value, sel->labels[j].value);
    if (!found)
      return false;
  }
  return true;
}

typedef struct workload_ports {
  const zt_object *svc; /* one covering Service, for the message */
  uint32_t n;           /* known target ports */
  uint32_t port[64];
  bool tcp[64];
} workload_ports;

static void collect_ports(const zt_policyset *ps, const zt_object *policy,
                          workload_ports *wp) {
  const zt_objvec *svcs = &ps->kinds[ZT_OBJ_SERVICE];
  for (size_t i = 0; i < svcs->n; i++) {
    const zt_object *so = svcs->v[i];
    if (!sv_eq(so->ns, policy->ns) ||
        !service_covers(&so->u.service, &policy->u.authz.selector))
      continue;
    wp->svc = so;
    for (uint32_t j = 0; j < so->u.service.n_ports && wp->n < 64; j++) {
      const zt_service_port *p = &so->u.service.ports[j];
      if (p->target_port == 0)
        continue;
      wp->port[wp->n] = p->target_port;
      wp->tcp[wp->n++] = port_is_tcp_protocol(p);
    }
  }
}

static bool port_is_tcp(const workload_ports *wp, uint32_t port, bool *known) {
  for (uint32_t i = 0; i < wp->n; i++)
    if (wp->port[i] == port) {
      *known = true;
      return wp->tcp[i];
    }
  *known = false;
  return false;
}

static bool rule_has_http(const zt_rule *r) {
  for (uint32_t i = 0; i < r->n_from; i++)
    if (r->from[i].f[ZT_SRC_REQUEST_PRINCIPALS].n ||
        r->from[i].f[ZT_SRC_NOT_REQUEST_PRINCIPALS].n)
      return true;
  for (uint32_t i = 0; i < r->n_to; i++)
    for (int f = 0; f < ZT_OP_COUNT; f++)
      if (f / 2 != ZT_OP_PORTS / 2 && r->to[i].f[f].n)
        return true;
  for (uint32_t i = 0; i < r->n_when; i++) {
    const char *why;
    const zt_sval *k = &r->when[i].key;
    if (zt_when_key_is_http(zt_when_key_kind(k->s, k->len, &why)))
      return true;
  }
  return false;
}

/* Whether every port the rule can apply to is a known TCP port. */
static bool rule_only_tcp_ports(const zt_rule *r, const workload_ports *wp) {
  bool restricted = r->n_to > 0, any = false;
  for (uint32_t i = 0; i < r->n_to && restricted; i++) {
    const zt_slist *ports = &r->to[i].f[ZT_OP_PORTS];
    if (ports->n == 0)
      restricted = false;
    for (uint32_t j = 0; j < ports->n; j++) {
      uint32_t p = (uint32_t)strtoul(ports->v[j].s, NULL, 10);
      bool known;
      if (!port_is_tcp(wp, p, &known) || !known)
        return false;
      any = true;
    }
  }
  if (restricted)
    return any;
  for (uint32_t i = 0; i < wp->n; i++)
    if (!wp->tcp[i])
      return false;
  return wp->n > 0;
}

static void check_tcp_rules(const zt_policyset *ps, const zt_object *o,
                            zt_reporter *rep) {
  const zt_authz_policy *p = &o->u.authz;
  if (!p->selector.present || p->selector.n == 0)
    return;
  workload_ports wp = {0};
  collect_ports(ps, o, &wp);
  if (!wp.svc)
    return;
  char msg[512];
  for (uint32_t i = 0; i < p->n_rules; i++) {
    const zt_rule *r = &p->rules[i];
    if (!rule_has_http(r) || !rule_only_tcp_ports(r, &wp))
      continue;
    snprintf(msg, sizeof(msg),
             "spec.rules[%u] uses HTTP-only fields, but the ports it applies "
             "to are TCP (Service %.63s/%.100s): %s",
             i, wp.svc->ns.s, wp.svc->name.s,
             p->action == ZT_ACTION_ALLOW
                 ? "this ALLOW rule never matches TCP traffic"
                 : "this rule applies to all TCP traffic on those ports");
    report_at(rep, o, ZT_SEVERITY_WARNING, ZT_OK, r->pos, msg);
  }
}

void zt_policy_lint_set(zt_policyset *ps, const zt_config *cfg,
                        zt_reporter *rep) {
  (void)cfg;
  check_duplicates(ps, rep);
  const zt_objvec *aps = &ps->kinds[ZT_OBJ_AUTHZ];
  if (ps->kinds[ZT_OBJ_SERVICE].n)
    for (size_t i = 0; i < aps->n; i++)
      if (!aps->v[i]->set_checked)
        check_tcp_rules(ps, aps->v[i], rep);
  for (int k = 0; k < 3; k++)
    for (size_t i = 0; i < ps->kinds[k].n; i++)
      ps->kinds[k].v[i]->set_checked = true;
  rep->document = -1;
  zt_reporter_object(rep, NULL, (zt_sval){0}, (zt_sval){0});
}
