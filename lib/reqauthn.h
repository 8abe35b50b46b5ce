/*
 * RequestAuthentication (istio-semantics.md §4, §5.3, §9): the jwtRules of
 * every policy attached to a workload, merged and ordered by issuer, each
 * an Envoy provider; tokens taken from the rules' locations; every token
 * found must verify with some rule listening where it was found; a request
 * with no token passes, with no request principal.
 *
 * Compiled at commit (reqauthn_compile.c): issuers, audiences, locations
 * and outputs are prepared, inline key sets imported, and jwksUri key sets
 * taken from the engine's store (the host supplies them). The verdict for
 * one request is computed by zt_authn_run() (reqauthn.c).
 */
#ifndef ZT_REQAUTHN_H
#define ZT_REQAUTHN_H

#include <stdbool.h>
#include <stdint.h>

#include "alloc.h"
#include "attach.h"
#include "config.h"
#include "json.h"
#include "jwt.h"
#include "jwt_extract.h"
#include "jwtcache.h"
#include "keyset.h"
#include "policy.h"

#define ZT_AUTHN_MAX_RULES 64 /* jwtRules applying to one workload */
#define ZT_AUTHN_MAX_LOCS 32  /* distinct token locations of those rules */
#define ZT_AUTHN_MAX_TOKENS 8 /* tokens in one request */

/* outputClaimToHeaders: a header and a claim path split at '.'. */
typedef struct zt_ra_out {
  zt_str header; /* lowercase */
  zt_str *path;
  uint32_t depth;
} zt_ra_out;

typedef struct zt_ra_rule {
  uint32_t id; /* index in zt_reqauthn.rules: the cache's rule key */
  const zt_object *obj;
  uint32_t index; /* jwtRules index inside its policy */
  zt_str issuer;  /* empty: any issuer */
  zt_str *aud;
  uint32_t n_aud;
  const zt_keyset *keys; /* NULL: tokens fail with keys_status */
  int32_t keys_status;   /* ZT_JWKS_FETCH_FAIL for a missing jwksUri */
  zt_tokloc *locs;
  uint32_t n_locs;
  zt_str payload_header; /* lowercase; empty: none */
  zt_ra_out *outs;
  uint32_t n_outs;
  zt_str *space; /* spaceDelimitedClaims beyond scope and permission */
  uint32_t n_space;
  bool forward;
} zt_ra_rule;

typedef struct zt_ra_policy {
  const zt_object *obj;
  uint32_t first, n; /* its rules */
  bool targets;      /* targetRef(s) rather than a selector */
} zt_ra_policy;

typedef struct zt_ra_ns {
  const char *ns;
  uint32_t len;
  uint32_t *pols;
  uint32_t n;
} zt_ra_ns;

/* A jwksUri the policies use, and the key set supplied for it. */
typedef struct zt_ra_uri {
  const char *uri;
  uint32_t len;
  zt_keyset *keys; /* a reference; NULL when not supplied */
} zt_ra_uri;

/* What the engine holds for jwksUri documents: uri -> key set. */
typedef struct zt_jwks_entry {
  char *uri;
  size_t len;
  zt_keyset *keys;
} zt_jwks_entry;

typedef struct zt_jwks_store {
  zt_jwks_entry *v;
  size_t n, cap;
} zt_jwks_store;

typedef struct zt_reqauthn {
  zt_arena arena;
  const zt_config *cfg;
  zt_ra_rule *rules;
  uint32_t n_rules;
  zt_ra_policy *pols;
  uint32_t n_pols;
  zt_ra_ns *nss; /* sorted by name */
  uint32_t n_nss;
  zt_ra_uri *uris; /* sorted, distinct */
  uint32_t n_uris;
  zt_keyset **inline_keys; /* references to release */
  uint32_t n_inline;
  zt_jwtc *cache;
} zt_reqauthn;

/* Compiles the RequestAuthentications of ps. store may be NULL. */
int zt_reqauthn_compile(zt_reqauthn *out, const zt_policyset *ps,
                        const zt_config *cfg, const zt_jwks_store *store,
                        uint64_t seed);
void zt_reqauthn_free(zt_reqauthn *ra);

/* One token of a request and what became of it. */
typedef struct zt_authn_token {
  zt_str text;
  uint32_t loc;                /* index into zt_authn.locs */
  const zt_ra_rule *rule;      /* the rule that accepted it */
  zt_jwt *jwt;                 /* parsed here (heap), or NULL */
  const zt_jwtc_entry *cached; /* or taken from the cache */
  bool param_copy;             /* text lives in a heap copy */
  bool tentative;              /* text may run past the token (jwt_extract.h) */
} zt_authn_token;

/* The state of one request's authentication (on the decider's stack). */
typedef struct zt_authn {
  /* Zeroed for each request: */
  const zt_reqauthn *ra;
  const zt_request *req;
  uint32_t n_rules, n_locs, n_tok;
  bool overflow;  /* more tokens than ZT_AUTHN_MAX_TOKENS */
  int err;        /* ZT_E* when the request could not be handled */
  int32_t status; /* ZT_JWT_OK or the failing token's status */
  /* the request principal's token, when one verified */
  const zt_json_doc *claims;
  zt_str iss, sub;
  bool has_iss, has_sub;
  const zt_ra_rule *claims_rule;
  /* Written before they are read, as far as the counts above say (a few
   * KiB that zeroing would cost on every request): */
  const zt_ra_rule *rules[ZT_AUTHN_MAX_RULES]; /* applying, issuer order */
  zt_tokloc locs[ZT_AUTHN_MAX_LOCS];
  uint64_t loc_rules[ZT_AUTHN_MAX_LOCS]; /* bit i: rules[i] listens */
  zt_authn_token tok[ZT_AUTHN_MAX_TOKENS];
  char param_buf[ZT_EXTRACT_PARAM_MAX];
} zt_authn;

/*
 * Authenticates req for the workload of at. Returns ZT_OK when the
 * request may go on to authorization (with or without a verified token:
 * see claims); otherwise an->status says why tokens were refused (ZT_OK
 * returned, status != ZT_JWT_OK), or the return value is a ZT_E* code
 * (limits, memory: fail closed). Delivers the outputs through req->output.
 * Release with zt_authn_done() in every case.
 */
int zt_authn_run(zt_authn *an, const zt_reqauthn *ra, const zt_request *req,
                 zt_attach *at);
void zt_authn_done(zt_authn *an);

/* The HTTP status for a token failure (audience 403, else 401, unless the
 * engine option sets one). */
int32_t zt_authn_http_status(const zt_config *cfg, int32_t status);

#endif
