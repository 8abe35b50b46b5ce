/*
 * X.509-SVID verification (spiffe.md §7, X509-SVID §5): the chain is
 * parsed certificate by certificate, the leaf's single URI SAN read from
 * the DER, its SPIFFE ID parsed strictly, the leaf profile checked, then
 * the path validated against the bundle of the leaf's own trust domain
 * only, at the engine's time. Every failure has its own ZT_SVID_* code.
 * Nothing here caches: identity.c puts the cache in front.
 */
#ifndef ZT_SVID_H
#define ZT_SVID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "spiffe_id.h" /* ZT_SPIFFE_LENIENT for id_flags */
#include "trust.h"
#include "ztauth.h"

#define ZT_SVID_MAX_CERTS 10u           /* leaf + 8 intermediates + 1 */
#define ZT_SVID_MAX_CHAIN (64u * 1024u) /* bytes of PEM or DER */

typedef struct zt_svid_opts {
  uint32_t role;     /* ZT_ROLE_* */
  bool strict_eku;   /* EKU, when present, needs both TLS purposes */
  uint32_t id_flags; /* ZT_SPIFFE_LENIENT */
  int64_t now;       /* Unix seconds */
} zt_svid_opts;

/* The validity window of the verified path: the latest notBefore and the
 * earliest notAfter of every certificate on it (leaf, intermediates, the
 * root used), Unix seconds. The cache re-checks time against it. */
typedef struct zt_svid_window {
  int64_t not_before;
  int64_t not_after;
} zt_svid_window;

/*
 * Verifies chain (PEM, or DER certificates back to back; leaf first)
 * against the bundles of t (NULL: none), in this order, the first failure
 * deciding:
 *  1. 0 bytes, or blank text: EMPTY_CHAIN; more than ZT_SVID_MAX_CHAIN
 *     bytes or ZT_SVID_MAX_CERTS certificates: CHAIN_TOO_LONG;
 *  2. framing, PEM or a certificate mbedTLS refuses: MALFORMED; a critical
 *     extension it does not enforce: UNSUPPORTED_EXTENSION;
 *  3. the leaf's URI SANs: a constructed [6]: MALFORMED_SAN; none:
 *     NO_URI_SAN; several: MULTIPLE_URI_SANS; a byte above 0x7f:
 *     MALFORMED_SAN;
 *  4. its SPIFFE ID (o->id_flags): another scheme, or an empty URI:
 *     NOT_SPIFFE; any other grammar error (a spiffe scheme in the wrong
 *     case included): BAD_SPIFFE_ID; no path: ROOT_PATH;
 *  5. the leaf profile: LEAF_IS_CA, NO_KEY_USAGE, NO_DIGITAL_SIGNATURE,
 *     SIGNING_USAGE (keyCertSign or cRLSign), EKU (present without the
 *     role's purpose, or without both with strict_eku;
 *     anyExtendedKeyUsage allows all);
 *  6. the bundle of the ID's trust domain: NO_BUNDLE, EMPTY_BUNDLE;
 *  7. the path to one of its roots: WEAK_SIGNATURE, WEAK_KEY, else
 *     UNTRUSTED;
 *  8. o->now against the window of the path: EXPIRED (after the earliest
 *     notAfter), NOT_YET_VALID (before the latest notBefore).
 * Invalid arguments and allocation failures give INTERNAL. Fills out
 * (error, error_name, message; spiffe_id and trust_domain_len only when
 * valid, the ID with its trust domain folded in lenient mode) and, when
 * valid, *win. Returns out->error. mem (NULL: the default allocator)
 * serves the temporary buffers. Safe to call from any number of threads
 * at once on one zt_trust.
 */
uint32_t zt_svid_check(const zt_allocator *mem, const zt_trust *t,
                       const char *chain, size_t len, const zt_svid_opts *o,
                       zt_svid *out, zt_svid_window *win);

/* The stable token ("svid_expired") and sentence of an error; "unknown"
 * out of range. Static storage. */
const char *zt_svid_err_name(uint32_t e);
const char *zt_svid_err_text(uint32_t e);

/* Fills out for error e (name, message; empty identity). */
void zt_svid_set_error(zt_svid *out, uint32_t e);

#endif
