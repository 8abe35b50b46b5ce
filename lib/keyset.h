/*
 * Imported key sets: what a RequestAuthentication rule verifies token
 * signatures with. A set is built once from a JWKS document (lib/jwks.h
 * forms 1 and 2) or one PEM public key, is immutable afterwards and is
 * shared by reference counting, so deciding threads verify against it with
 * no lock and no allocation.
 *
 * Loading follows the anchor (google/jwt_verify_lib @ b59e8075, jwt.md
 * §1.3): zt_jwks_validate()'s checks and set-level rules decide, each key
 * that passes them is imported (lib/crypto.h) exactly once, and a key the
 * importer refuses fails like any failing key: it is skipped, the set is OK
 * when one key loads, otherwise the first key error is the set's status.
 * Every key is pre-warmed at import, so the first verification costs what
 * later ones do.
 *
 * Stricter than the anchor, on purpose (RFC 7518, RFC 8725, DECISIONS.md
 * "JWT"), with the status a refused key gets:
 *  - RSA moduli shorter than 2048 or longer than 8192 bits, public exponents
 *    above 2^33: JwksRsaParseError; an RSA "alg" that is not one of RS256..
 *    PS512 (the anchor only checks the prefix): JwksRSAKeyBadAlg;
 *  - EC points off their curve: JwksEcParseError (as the anchor);
 *  - oct keys shorter than their alg's hash, or than 32 bytes without alg
 *    (they could never verify anything): JwksHMACKeyBadK;
 *  - OKP keys in a build without libsodium: JwksOKPKeyCrvUnsupported;
 *  - x509 map: a certificate mbedTLS cannot parse: JwksX509ParseError; a key
 *    that is not RSA: JwksX509GetPubkeyError (as the anchor); an RSA key
 *    outside the size policy: JwksRsaParseError;
 *  - PEM with an alg that does not fit the key: the kty's BadAlg status (or
 *    JwksECKeyAlgNotCompatibleWithCrv); the anchor loads such a key.
 *
 * "use" and "key_ops" (RFC 7517 §4.2, §4.3), which the anchor ignores: a key
 * whose "use" is present and neither "sig" nor "jwt-svid", or whose
 * "key_ops" is present without "verify", is still loaded (the set's status
 * stays the anchor's) but never matches a token. Wycheproof's JWS tests
 * require encryption keys to be refused this way.
 *
 * Key selection (zt_keyset_verify), jwt.md §1.4 tightened by DECISIONS.md:
 * keys are walked in document order; a key is skipped when the token's kid
 * and the key's kid are both non-empty and differ, when the key has an alg
 * other than the token's (a JWK's alg binds the key to it), when the key is
 * not for signatures (above), or when its type cannot do the token's
 * algorithm (RSA: RS and PS; EC: the ES of its own curve; oct: HS with a key
 * at least as long as the hash; OKP: EdDSA). The anchor would still try
 * those last ones and report JwtVerificationFail; here they do not count as
 * matched. A matching key whose signature length cannot fit (not the
 * modulus length, 2 x field size, hash length) is matched but costs no
 * verification; for EdDSA a length other than 64 returns
 * JwtEd25519SignatureWrongLength at once, as in the anchor. At most
 * ZT_KEYSET_MAX_ATTEMPTS signature verifications run per call, so that a
 * forged token cannot make a large set of kid-less keys burn CPU; a
 * legitimate token without kid whose key comes after four keys of the same
 * type fails (JwtVerificationFail), which a kid avoids. The signing input is
 * hashed once per hash function, not once per key.
 */
#ifndef ZT_KEYSET_H
#define ZT_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "jwa.h"
#include "jwks.h"
#include "jwt_status.h"
#include "ztauth.h"

typedef struct zt_keyset zt_keyset;

/*
 * Imports the JWKS JSON or the x509 kid->certificate map (s, n). Returns
 * ZT_OK when the text was judged, the verdict being res->status as in
 * zt_jwks_validate() (res->why names it); *out is then a new set holding one
 * reference when res->status is ZT_JWKS_OK, else NULL. ZT_ENOMEM, ZT_ELIMIT
 * and ZT_EINVAL (res or out NULL, s NULL with n > 0) as zt_jwks_validate().
 * mem NULL: the default allocator; the set keeps a copy of *mem and uses it
 * until its last release.
 */
int zt_keyset_from_jwks(const zt_allocator *mem, const char *s, size_t n,
                        zt_keyset **out, zt_jwks_result *res);

/*
 * One PEM SubjectPublicKeyInfo (RSA, EC or Ed25519, see
 * zt_pubkey_from_pem()) with an optional kid ((NULL, 0) or empty: none) and
 * alg (ZT_ALG_NONE: none), as the anchor's createFromPem(pem, kid, alg).
 * Returns ZT_OK when judged, with the anchor status in *status: ZT_JWT_OK
 * (and a new set in *out), ZT_JWKS_PEM_BAD_BASE64,
 * ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY, ZT_JWKS_RSA_PARSE_ERROR, or a BadAlg
 * status for an alg that does not fit the key. ZT_ENOMEM when mem fails (with
 * ZT_JWKS_BIO_ALLOC_ERROR, the anchor's status for that);
 * ZT_EINVAL for NULL out or status, NULL text with n > 0, NULL kid with
 * kid_len > 0, or an alg outside zt_alg.
 */
int zt_keyset_from_pem(const zt_allocator *mem, const char *pem, size_t n,
                       const char *kid, size_t kid_len, zt_alg alg,
                       zt_keyset **out, zt_jwt_status *status);

/* Takes one more reference (atomic); returns ks. NULL ok. */
zt_keyset *zt_keyset_retain(zt_keyset *ks);
/* Drops one reference (atomic); the last one frees the set. NULL ok. */
void zt_keyset_release(zt_keyset *ks);

/* The number of imported keys (0 for NULL). */
uint32_t zt_keyset_size(const zt_keyset *ks);

#define ZT_KEYSET_MAX_ATTEMPTS 4

/*
 * Verifies a JWS signature with the set's keys: input is the signing input
 * (header "." payload exactly as received), kid the token's decoded kid
 * ((NULL, 0) or empty: none), sig the decoded signature. Returns ZT_JWT_OK,
 * ZT_JWT_VERIFICATION_FAIL (some key matched, none verified),
 * ZT_JWKS_KID_ALG_MISMATCH (no key matched; also for a NULL set),
 * ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH, or ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG
 * (alg ZT_ALG_NONE or out of range, or EdDSA in a build without libsodium).
 * Thread-safe and lock-free on a shared set; allocates nothing through the
 * set's allocator.
 */
zt_jwt_status zt_keyset_verify(const zt_keyset *ks, zt_alg alg, const char *kid,
                               size_t kid_len, const char *input,
                               size_t input_len, const uint8_t *sig,
                               size_t sig_len);

#endif
