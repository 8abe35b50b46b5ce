/*
 * Trust bundles (spiffe.md §2.2, SPIFFE Trust Domain and Bundle): the roots
 * of one trust domain, from PEM or from a SPIFFE bundle (a JWK set whose
 * `use: x509-svid` entries carry one root each in x5c[0]), and the SPIFFE
 * bundle map {"trust_domains": {...}}. A bundle is immutable once built
 * and reference counted, so snapshots share it; its roots are parsed once,
 * here. Bundles of different trust domains are never merged.
 */
#ifndef ZT_BUNDLE_H
#define ZT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "ztauth.h"

#define ZT_BUNDLE_MAX_BYTES (1u << 20) /* one document */
#define ZT_BUNDLE_MAX_ROOTS 64u        /* roots in one bundle */
#define ZT_BUNDLE_MAX_DOMAINS 256u     /* trust domains in one map */

typedef struct zt_bundle zt_bundle;

/* Why a document was refused: a sentence naming the entry or certificate
 * ("keys[2]: x5c[0] is not base64", "certificate 3: unsupported critical
 * extension"). */
typedef struct zt_bundle_err {
  char msg[256];
} zt_bundle_err;

/*
 * Builds the bundle of trust domain td (a bare name, checked with
 * zt_spiffe_trust_domain; "spiffe://td" is refused) from doc: text whose
 * first non-blank byte is '{' is a SPIFFE bundle, anything else PEM.
 *
 * PEM: one or more CERTIFICATE blocks (text around them ignored, any other
 * block type refused). SPIFFE bundle: `keys` required, an array (it may be
 * empty); an entry is an object; entries whose `use` is not exactly
 * "x509-svid", without a non-empty string `kty`, or without `x5c` or with
 * an empty one are ignored; `x5c` must otherwise be an array whose first
 * element, the only one used, is standard base64 (with padding) of one DER
 * certificate; `spiffe_sequence` and `spiffe_refresh_hint`, optional, are
 * integers from 0 to 2^64 - 1; other members are allowed. Every root must
 * parse, carry no unsupported critical extension, be a CA (cA true) and
 * have a key of the verification profile (x509.h); one that does not
 * refuses the whole document.
 *
 * Returns ZT_OK, ZT_ESYNTAX (bad JSON or PEM), ZT_ESCHEMA (a rule of the
 * format broken, a certificate unusable), ZT_ELIMIT (size, roots), ZT_EINVAL
 * (arguments, td), ZT_ENOMEM or ZT_EINTERNAL; err (optional) says why,
 * naming the entry ("keys[2]: x5c[0] is not standard base64",
 * "certificate 3: unsupported critical extension nameConstraints"). A
 * bundle whose `keys` hold no usable root is built, empty: it trusts
 * nothing. mem NULL: the default allocator; the bundle keeps a copy of it.
 */
int zt_bundle_parse(const zt_allocator *mem, const char *td, size_t td_len,
                    const char *doc, size_t len, zt_bundle **out,
                    zt_bundle_err *err);

/* A bundle map, {"trust_domains": {"td": bundle, ...}} (other top-level
 * members allowed): *out receives n bundles (an array the caller frees
 * with zt_free(mem) after releasing each; NULL when n is 0), sorted by
 * trust domain. Names must be bare trust domain names; duplicates are
 * refused (the JSON layer refuses duplicate member names, after escapes
 * are decoded). Messages are prefixed with trust_domains["td"]. */
int zt_bundle_map_parse(const zt_allocator *mem, const char *doc, size_t len,
                        zt_bundle ***out, size_t *n, zt_bundle_err *err);

void zt_bundle_retain(zt_bundle *b);
void zt_bundle_release(zt_bundle *b); /* NULL is accepted */

const char *zt_bundle_trust_domain(const zt_bundle *b, size_t *len);
uint32_t zt_bundle_roots(const zt_bundle *b);
bool zt_bundle_sequence(const zt_bundle *b, uint64_t *seq);

/* The parsed roots, for the chain verifier: the bundle's zt_x509_certs
 * (x509.h), NULL when the bundle is empty. Read-only: any number of
 * threads may verify against it at once. */
const void *zt_bundle_chain(const zt_bundle *b);

#endif
