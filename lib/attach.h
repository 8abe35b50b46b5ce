/*
 * Which workloads a policy attaches to (istio-semantics.md §1.3, §1.4):
 * a selector's matchLabels, or targetRef(s) naming a Gateway, a
 * GatewayClass istio-waypoint, or a Service/ServiceEntry a waypoint serves.
 * Shared by AuthorizationPolicy and RequestAuthentication.
 */
#ifndef ZT_ATTACH_H
#define ZT_ATTACH_H

#include <stdbool.h>

#include "config.h"
#include "policy.h"
#include "ztauth.h"

/* One workload seen by one decision; the gateway label is read once. */
typedef struct zt_attach {
  const zt_workload *w;
  const zt_config *cfg;
  bool waypoint;
  bool gateway_read;
  zt_str gateway; /* gateway.networking.k8s.io/gateway-name label */
} zt_attach;

void zt_attach_init(zt_attach *at, const zt_workload *w, const zt_config *cfg);

/* Every matchLabels pair is among the workload's labels. */
bool zt_attach_labels(const zt_attach *at, const zt_selector *sel);

/*
 * Whether a policy of object o attaches: with targetRef(s) (targets true;
 * ref is targetRef, refs targetRefs) only waypoints and gateways qualify;
 * otherwise a non-waypoint workload whose labels match sel (or any, when
 * sel has no labels).
 */
bool zt_attach_applies(zt_attach *at, const zt_object *o,
                       const zt_selector *sel, bool targets,
                       const zt_target_ref *ref, const zt_target_refs *refs);

/* (a) equals (b, n) byte for byte. */
bool zt_str_is(zt_str a, const char *b, size_t n);

#endif
