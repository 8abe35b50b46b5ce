/* Istio's validation rules for one parsed object (the CRD schema rules and
 * the istiod webhook, istio-semantics.md §1.3, §1.4, §2.6, §3, §4), plus the
 * warnings that need only the object itself. */
#ifndef ZT_POLICY_VALIDATE_H
#define ZT_POLICY_VALIDATE_H

#include "config.h"
#include "diag.h"
#include "policy.h"

/* Reports every problem of o to rep; sets *rc to the first error's code
 * when it is still ZT_OK. */
void zt_policy_validate(const zt_object *o, const zt_config *cfg,
                        zt_reporter *rep, int *rc);

/* The when keys of §8.16, classified. */
#define ZT_KEY_UNKNOWN 0
#define ZT_KEY_HEADER 1        /* request.headers[name] */
#define ZT_KEY_SOURCE_IP 2     /* source.ip */
#define ZT_KEY_REMOTE_IP 3     /* remote.ip */
#define ZT_KEY_SOURCE_NS 4     /* source.namespace */
#define ZT_KEY_SOURCE_PRINC 5  /* source.principal */
#define ZT_KEY_SOURCE_SA 6     /* source.serviceAccount */
#define ZT_KEY_SOURCE_TD 7     /* source.trustDomain */
#define ZT_KEY_REQ_PRINCIPAL 8 /* request.auth.principal */
#define ZT_KEY_REQ_AUDIENCES 9 /* request.auth.audiences */
#define ZT_KEY_REQ_PRESENTER 10
#define ZT_KEY_REQ_CLAIMS 11 /* request.auth.claims[a][b]... */
#define ZT_KEY_DEST_IP 12
#define ZT_KEY_DEST_PORT 13
#define ZT_KEY_SNI 14           /* connection.sni */
#define ZT_KEY_ENVOY_FILTERS 15 /* experimental.envoy.filters.*[k] */

/* Classifies a when key; for an unknown or malformed key *why says why. */
int zt_when_key_kind(const char *key, size_t len, const char **why);
/* Whether a when key is one of the HTTP-only attributes of §7.6. */
int zt_when_key_is_http(int kind);

#endif
