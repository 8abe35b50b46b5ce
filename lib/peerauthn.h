/*
 * PeerAuthentication (istio-semantics.md §3, §5.4, §10): the effective
 * mTLS mode of a workload port. Compiled once per policy set: per
 * namespace the oldest namespace-wide policy and the workload policies
 * oldest first, plus the mesh policy of the root namespace (selector
 * policies there are ignored). A selector with empty matchLabels counts
 * as none (§1.3).
 *
 * "Oldest" is DECISIONS.md's order: the earlier
 * metadata.creationTimestamp, then name, then load order. A policy
 * without creationTimestamp sorts after every policy that has one. In a
 * cluster the API server stamps every object, so a policy without a
 * stamp is one the host added from a file or a test and that no cluster
 * has created yet: it is the newest, and adding it must not displace a
 * policy already in force (a stray file cannot loosen a STRICT namespace
 * by being "oldest"). Among unstamped policies name then load order
 * decide, so the result never depends on the platform's sort.
 *
 * What the lookup reports (zt_mtls_info): the policy whose mode is in
 * force. A policy whose mode is UNSET sets nothing, so it is never the
 * reference: an UNSET mesh policy leaves the default PERMISSIVE with no
 * policy, an UNSET namespace or workload policy leaves its parent's
 * reference, and an UNSET portLevelMtls entry leaves the workload's
 * reference with port_level 0.
 */
#ifndef ZT_PEERAUTHN_H
#define ZT_PEERAUTHN_H

#include <stdint.h>

#include "alloc.h"
#include "attach.h"
#include "config.h"
#include "policy.h"
#include "ztauth.h"

typedef struct zt_pa_ns zt_pa_ns;

typedef struct zt_peerauthn {
  const zt_allocator *mem;
  const zt_object *mesh; /* NULL: none */
  zt_pa_ns *ns;          /* sorted by namespace; the root one is absent */
  uint32_t n_ns;
  const zt_object **pas; /* by namespace, then age: the zt_pa_ns slices */
} zt_peerauthn;

/* Compiles the PeerAuthentications of ps (which must outlive pa). On
 * failure (ZT_ENOMEM, ZT_ELIMIT) pa holds nothing to free. */
int zt_peerauthn_compile(zt_peerauthn *pa, const zt_policyset *ps,
                         const zt_config *cfg);
/* Safe on a zeroed or failed pa. */
void zt_peerauthn_free(zt_peerauthn *pa);

/* The effective mode of (workload, port); port 0 asks for the workload
 * mode. A binary search for the namespace, then a walk over its
 * workload policies. Never allocates. */
void zt_peerauthn_mode(const zt_peerauthn *pa, zt_attach *at, uint32_t port,
                       zt_mtls_info *out);

#endif
