/*
 * SPIFFE IDs (spiffe.md §1, the SPIFFE-ID standard §2): strict by default,
 * as DECISIONS.md says: "spiffe://" in lowercase, a trust domain of 1..255
 * bytes of [a-z0-9.-_], an optional path of non-empty segments of
 * [A-Za-z0-9.-_] that are not "." or "..", no trailing '/', at most 2048
 * bytes in all. The lenient switch folds the scheme and trust domain to
 * lowercase first (never the path), as java-, py- and rust-spiffe do.
 *
 * Errors follow go-spiffe's check order: scheme, trust-domain characters
 * (up to the first '/'), an empty trust domain, then path segments left to
 * right; the length caps come last. Nothing here allocates.
 */
#ifndef ZT_SPIFFE_ID_H
#define ZT_SPIFFE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_SPIFFE_ID_MAX 2048u
#define ZT_SPIFFE_TD_MAX 255u

#define ZT_SPIFFE_LENIENT 0x1u /* fold the scheme and trust domain case */

typedef enum zt_spiffe_err {
  ZT_SPIFFE_OK = 0,
  ZT_SPIFFE_EMPTY,
  ZT_SPIFFE_WRONG_SCHEME,
  ZT_SPIFFE_MISSING_TRUST_DOMAIN,
  ZT_SPIFFE_BAD_TRUST_DOMAIN_CHAR,
  ZT_SPIFFE_BAD_PATH_SEGMENT_CHAR,
  ZT_SPIFFE_EMPTY_SEGMENT,
  ZT_SPIFFE_DOT_SEGMENT,
  ZT_SPIFFE_TRAILING_SLASH,
  ZT_SPIFFE_TRUST_DOMAIN_TOO_LONG,
  ZT_SPIFFE_ID_TOO_LONG,
  ZT_SPIFFE_ERR_COUNT
} zt_spiffe_err;

/* A parsed ID. path is "" or starts with '/'; both point into the input,
 * except a folded trust domain, which lives in td_buf. */
typedef struct zt_spiffe_id {
  zt_str td;
  zt_str path;
  char td_buf[ZT_SPIFFE_TD_MAX + 1];
} zt_spiffe_id;

/* Parses (s, n); flags ZT_SPIFFE_*. On failure *out is emptied. */
zt_spiffe_err zt_spiffe_parse(const char *s, size_t n, uint32_t flags,
                              zt_spiffe_id *out);

/*
 * A trust domain name as configuration and bundles give it: a bare name,
 * or a SPIFFE ID whose trust domain is taken (when the text holds ":/").
 * out->td receives the name (in td_buf), out->path is empty.
 */
zt_spiffe_err zt_spiffe_trust_domain(const char *s, size_t n, uint32_t flags,
                                     zt_spiffe_id *out);

/* The error's token ("wrong_scheme", ...) and an English sentence;
 * "unknown" out of range. Static storage. */
const char *zt_spiffe_err_name(zt_spiffe_err e);
const char *zt_spiffe_err_text(zt_spiffe_err e);

#endif
