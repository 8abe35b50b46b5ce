/*
 * AuthorizationPolicy, compiled. At commit the typed policies become match
 * tables: patterns, CIDRs, ports and templates parsed once, principals
 * expanded for trust-domain aliases, and every rule indexed by the
 * namespace it lives in, by action, and where possible by an exact peer
 * principal or exact path, so that a decision touches only the rules that
 * can apply to the workload and the request.
 *
 * Rules are stored sorted by their Istio name "ns[NS]-policy[NAME]-rule[I]"
 * (byte order): a rule's index is its rank, and the first matching rule in
 * rank order is the one Envoy reports (its RBAC policies live in a
 * std::map keyed by that name).
 */
#ifndef ZT_AUTHZ_H
#define ZT_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"
#include "config.h"
#include "ipaddr.h"
#include "policy.h"
#include "strmatch.h"

/* What a check reads from the request. */
enum {
  ZT_AT_PRINCIPAL,   /* principals, source.principal */
  ZT_AT_NAMESPACE,   /* namespaces, source.namespace */
  ZT_AT_SA,          /* serviceAccounts, source.serviceAccount */
  ZT_AT_TD,          /* trustDomains, source.trustDomain */
  ZT_AT_REQ_PRINC,   /* requestPrincipals, request.auth.principal */
  ZT_AT_SOURCE_IP,   /* ipBlocks, source.ip */
  ZT_AT_REMOTE_IP,   /* remoteIpBlocks, remote.ip */
  ZT_AT_DEST_IP,     /* destination.ip */
  ZT_AT_PORT,        /* ports, destination.port */
  ZT_AT_HOST,        /* hosts */
  ZT_AT_METHOD,      /* methods */
  ZT_AT_PATH,        /* paths */
  ZT_AT_HEADER,      /* request.headers[name] */
  ZT_AT_CLAIM,       /* request.auth.claims/audiences/presenter */
  ZT_AT_SNI,         /* connection.sni */
  ZT_AT_FILTER_META, /* experimental.envoy.filters.*: never present */
};

/* serviceAccounts value: "ns/sa" (ns implied by the policy for "sa"). */
typedef struct zt_sa_val {
  zt_str ns;
  zt_str sa;
} zt_sa_val;

/* requestPrincipals value in split mode (istio-semantics.md §8.7). */
typedef struct zt_rp_split {
  zt_strm iss;
  zt_strm sub;
} zt_rp_split;

/* paths value: a generic pattern or a {*}/{**} template. */
typedef struct zt_path_val {
  zt_strm m;
  bool tpl;
} zt_path_val;

/* Where the check applies on L4 traffic (istio-semantics.md §7.6, §7.8). */
#define ZT_CK_HTTP_ONLY 0x1u /* Envoy: HTTP-only attribute */
#define ZT_CK_ZT_L7 0x2u     /* ztunnel: L7 attribute */
#define ZT_CK_ZT_SKIP 0x4u   /* ztunnel: not converted (trustDomains) */

typedef struct zt_check {
  uint8_t attr; /* ZT_AT_* */
  uint8_t neg;  /* notX / notValues: none may match */
  uint8_t flags;
  uint32_t n;
  union {
    zt_strm *sm;
    zt_cidr *cidr;
    uint16_t *port;
    zt_sa_val *sa;
    zt_rp_split *rp;
    zt_path_val *path;
  } v;
  const zt_str *key; /* header name (lowercase) or claim path */
  uint32_t key_n;
} zt_check;

/* A Source, an Operation or one `when` condition: all checks must hold. */
typedef struct zt_clause {
  zt_check *c;
  uint32_t n;
  uint8_t flags; /* OR of the checks' flags */
} zt_clause;

typedef struct zt_crule {
  zt_clause *from; /* any one; none = any source */
  uint32_t n_from;
  zt_clause *to; /* any one; none = any operation */
  uint32_t n_to;
  zt_clause *when; /* all */
  uint32_t n_when;
  uint32_t policy; /* index in zt_authz.pols */
  uint32_t index;  /* rule index inside the policy */
  uint8_t flags;   /* OR of every check's flags */
} zt_crule;

/* Attachment kinds of a policy. */
#define ZT_ATT_ALL 0      /* no selector, no targetRefs */
#define ZT_ATT_SELECTOR 1 /* matchLabels */
#define ZT_ATT_TARGETS 2  /* targetRef / targetRefs */

typedef struct zt_cpolicy {
  const zt_object *obj;
  uint32_t action;
  bool dry_run;
  uint8_t att;                     /* ZT_ATT_* */
  uint32_t group;                  /* attachment group inside its bucket */
  const zt_provider_cfg *provider; /* CUSTOM; NULL when unknown */
} zt_cpolicy;

/* Rule ids in ascending order (= rank order). */
typedef struct zt_rlist {
  uint32_t *v;
  uint32_t n;
} zt_rlist;

typedef struct zt_keyent {
  const char *key;
  uint32_t len;
  uint32_t hash;
  zt_rlist rules;
} zt_keyent;

/* Open addressing: slots is a power of two, at most half full. */
typedef struct zt_keyidx {
  zt_keyent *slot;
  uint32_t mask; /* slots - 1; 0 when empty */
} zt_keyidx;

typedef struct zt_ruleset {
  zt_rlist unkeyed;
  zt_rlist path_keyed; /* every rule indexed by path (for L4 traffic) */
  zt_keyidx by_principal;
  zt_keyidx by_path;
} zt_ruleset;

/* One distinct attachment (a selector, a targetRefs list, or none). */
typedef struct zt_group {
  uint8_t att;
  const zt_object *obj; /* the first policy with it, for its labels/refs */
} zt_group;

#define ZT_GROUPS_MEMO 64 /* groups per bucket whose answer is cached */

typedef struct zt_bucket {
  const char *ns;
  uint32_t ns_len;
  uint32_t hash;
  zt_ruleset sets[4][2]; /* [action][dry_run] */
  zt_rlist pols[4][2];   /* policy ids, same split */
  zt_group *groups;
  uint32_t n_groups;
} zt_bucket;

typedef struct zt_authz {
  zt_arena arena;
  const zt_config *cfg; /* the engine's; outlives every snapshot */
  zt_cpolicy *pols;
  uint32_t n_pols;
  zt_crule *rules; /* sorted by Istio name */
  uint32_t n_rules;
  zt_bucket *buckets; /* root namespace first when it has policies */
  uint32_t n_buckets;
  uint32_t *bslot; /* ns hash table: bucket index + 1, 0 = empty */
  uint32_t bmask;
  const zt_bucket *root; /* the root namespace's, if it has policies */
  bool any_dry_run;
} zt_authz;

/* Compiles the AuthorizationPolicies of ps into out. */
int zt_authz_compile(zt_authz *out, const zt_policyset *ps,
                     const zt_config *cfg);
void zt_authz_free(zt_authz *a);

/* The bucket of a namespace, or NULL. */
const zt_bucket *zt_authz_bucket(const zt_authz *a, const char *ns, size_t len);
/* Rules of an index entry for key (whose zt_hash is h), or NULL. */
const zt_rlist *zt_keyidx_get(const zt_keyidx *idx, const char *key, size_t len,
                              uint32_t h);
uint32_t zt_hash(const char *s, size_t n);

#endif
