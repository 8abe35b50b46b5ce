/* JWT claims as AuthorizationPolicy reads them (istio-semantics.md §8.8):
 * request.auth.claims[a][b] names nested object members; only strings and
 * lists of strings can match; the top-level `scope` and `permission`
 * claims are space-delimited lists. */
#ifndef ZT_CLAIMS_H
#define ZT_CLAIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "ztauth.h"

/* Receives one candidate string; returns true to stop (it matched). */
typedef bool (*zt_claim_fn)(void *ctx, const char *s, size_t n);

/*
 * Walks the claim at path (depth names) in a parsed claims object and calls
 * fn for each string it holds: the string itself, each string element of a
 * list, or each space-separated word of a space-delimited claim (scope,
 * permission, and the top-level names in extra: the verifying rule's
 * spaceDelimitedClaims). Numbers,
 * booleans, objects and null hold none. Returns true when fn returned
 * true; *present tells whether the claim exists at all.
 */
bool zt_claims_any(const zt_json_doc *doc, const zt_str *path, uint32_t depth,
                   const zt_str *extra, uint32_t n_extra, zt_claim_fn fn,
                   void *ctx, bool *present);

/* Whether a top-level claim name is space-delimited (scope, permission). */
bool zt_claims_space_delimited(const char *name, size_t n);

#endif
