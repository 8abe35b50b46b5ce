/*
 * Where tokens come from (istio-semantics.md §9.2, Envoy's extractor):
 * request headers with an optional value prefix, query parameters and
 * cookies. A rule with no location listens on the defaults: the
 * Authorization header with prefix "Bearer " and the access_token query
 * parameter. Unlike Envoy, the default "Bearer " prefix matches in any case
 * (RFC 7235: the scheme is case-insensitive; istio/istio#22608); prefixes
 * a policy writes are matched exactly, as Envoy does.
 */
#ifndef ZT_JWT_EXTRACT_H
#define ZT_JWT_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_LOC_HEADER 0
#define ZT_LOC_PARAM 1
#define ZT_LOC_COOKIE 2

/* Decoded query parameter tokens longer than this are refused. */
#define ZT_EXTRACT_PARAM_MAX 4096u
/* Values of one header (or Cookie headers) looked at. */
#define ZT_EXTRACT_VALUES_MAX 32u

typedef struct zt_tokloc {
  uint8_t kind;  /* ZT_LOC_* */
  bool icase;    /* prefix matched case-insensitively (the default one) */
  zt_str name;   /* header names in lowercase */
  zt_str prefix; /* headers only; empty: the whole value is the token */
} zt_tokloc;

/* Orders locations as Envoy walks them: headers by name then prefix, then
 * parameters, then cookies, each by name. */
int zt_tokloc_cmp(const zt_tokloc *a, const zt_tokloc *b);

/*
 * Called with each token found; return false to stop. A tentative token is
 * the rest of a header value after its prefix, first and last bytes token
 * characters, not scanned in between: the token proper is its first
 * zt_token_run() bytes. A token verified before (and cached) is a whole
 * run, so a cache hit on the tentative text settles it without the scan.
 */
typedef bool (*zt_token_fn)(void *ctx, zt_str token, bool tentative);

/* The length of the run of base64url characters and dots s starts with. */
size_t zt_token_run(const char *s, size_t n);

/*
 * Calls fn with each token loc holds in req, in order: one per header value
 * holding the prefix (after it, the first run of base64url characters and
 * dots, perhaps tentative; each value of a repeated header on its own), the
 * first occurrence of a query parameter (percent-decoded into buf, which holds
 * ZT_EXTRACT_PARAM_MAX bytes), or the first cookie of that name (quotes
 * removed). Returns ZT_OK, or ZT_ELIMIT when a parameter is too long to decode.
 */
int zt_extract(const zt_tokloc *loc, const zt_request *req, zt_token_fn fn,
               void *ctx, char *buf);

#endif
