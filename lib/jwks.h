/*
 * JWK sets (RFC 7517) as Envoy's jwt_authn reads them through
 * google/jwt_verify_lib @ b59e8075 (shared/spec/jwt.md §1.3): the checks the
 * anchor applies while loading a key set, without importing any key. A later
 * importer plugs into zt_jwks_validate() through its callback and so inherits
 * the set-level rules (which keys are skipped, which status wins).
 *
 * Two input forms, as the anchor's Jwks::createFrom(text, JWKS):
 *  1. {"keys": [ JWK, ... ]};
 *  2. Google's "x509" map: an object without "keys" whose every member has
 *     a non-empty name (the kid) and a string value that starts with
 *     "-----BEGIN CERTIFICATE-----\n" and ends with
 *     "\n-----END CERTIFICATE-----\n". The base64 body must decode; the
 *     certificate itself is not parsed here.
 *
 * Set level (form 1): entries that are not objects are skipped; a key that
 * fails is skipped; the set is OK when at least one key passes, else its
 * status is the first key error, or JwksNoValidKeys when no key object was
 * there. In form 2 the first certificate that fails fails the whole set, as
 * in the anchor.
 *
 * Where this is stricter than the anchor (each on purpose):
 *  - JSON is strict RFC 8259 (lib/json.h): trailing commas, duplicate member
 *    names and the like give JwksParseError (protobuf's parser accepts the
 *    first two). Caps: ZT_JWKS_MAX_BYTES, _TOKENS and _DEPTH.
 *  - base64url is strict (lib/b64url.h): padding, whitespace and non-zero
 *    trailing bits are errors (absl's WebSafeBase64Unescape accepts them).
 *  - A present "alg" that is not a string is a BadAlg error for the key's
 *    kty; the anchor treats it as absent.
 *  - The x509 body must be lines of canonical standard base64 separated by
 *    "\n", with no empty line.
 * Like the anchor, and looser than RFC 7518 §6.2.1.2: EC x and y are read as
 * integers, so encodings shorter or longer than the field size (leading
 * zero bytes dropped or added) pass when the value fits the field. The
 * anchor's own tests load a P-521 key whose y has 65 bytes.
 * Looser than the anchor, because no key is imported: a well-formed EC
 * point that is not on its curve, or an RSA modulus that BoringSSL's
 * RSA_check_key would refuse for reasons other than those listed at
 * zt_jwk_check(), passes here and fails only at import.
 *
 * Nothing here keeps global state or prints.
 */
#ifndef ZT_JWKS_H
#define ZT_JWKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "jwt_status.h"
#include "ztauth.h"

/* Caps on one key set. */
#define ZT_JWKS_MAX_BYTES (1u << 20)
#define ZT_JWKS_MAX_TOKENS 65536u
#define ZT_JWKS_MAX_DEPTH 16u

/* Key-set verdicts are anchor statuses (jwt_status.h); ZT_JWKS_OK is Ok. */
typedef zt_jwt_status zt_jwks_status;
#define ZT_JWKS_OK ZT_JWT_OK

typedef enum zt_jwk_kty {
  ZT_JWK_KTY_NONE = 0,
  ZT_JWK_KTY_RSA,
  ZT_JWK_KTY_EC,
  ZT_JWK_KTY_OCT,
  ZT_JWK_KTY_OKP
} zt_jwk_kty;

typedef enum zt_jwk_crv {
  ZT_JWK_CRV_NONE = 0,
  ZT_JWK_CRV_P256,
  ZT_JWK_CRV_P384,
  ZT_JWK_CRV_P521,
  ZT_JWK_CRV_ED25519
} zt_jwk_crv;

/* "RSA", "EC", "oct", "OKP"; "" for NONE or an unknown value. */
const char *zt_jwk_kty_name(zt_jwk_kty kty);
/* "P-256", "P-384", "P-521", "Ed25519"; "" for NONE or an unknown value. */
const char *zt_jwk_crv_name(zt_jwk_crv crv);

/* A string of the parsed document: NUL-terminated, no NUL inside. */
typedef struct zt_jwk_text {
  const char *ptr;
  size_t len;
} zt_jwk_text;

/*
 * What a checked key holds, for an importer. The texts point into the
 * parsed document, the DER into a buffer of the walk: both are valid only
 * while the document lives (for the callback: during the call). Members a
 * key type does not use are empty.
 */
typedef struct zt_jwk {
  zt_jwk_kty kty;     /* form 2: RSA, as the anchor labels certificate keys */
  zt_jwk_crv crv;     /* EC: the curve in force (P-256 when neither alg nor crv
                         is given); OKP: Ed25519 */
  zt_jwk_text kid;    /* "" when absent or not a string (as the anchor) */
  zt_jwk_text alg;    /* "" when absent or empty */
  zt_jwk_text n, e;   /* RSA: base64url, checked */
  zt_jwk_text x, y;   /* EC: x and y; OKP: x; base64url, checked */
  zt_jwk_text k;      /* oct: base64url, checked */
  const uint8_t *der; /* form 2: the certificate, decoded from PEM */
  size_t der_len;
  bool has_private; /* RSA d, p, q, dp, dq, qi or oth; EC or OKP d */
  /* "use" is present and neither "sig" nor "jwt-svid" (SPIFFE bundles), or
   * "key_ops" is present and not an array holding "verify" (RFC 7517 §4.2,
   * §4.3). The anchor ignores both members; no check here fails a key on
   * them, an importer decides. */
  bool not_for_sig;
} zt_jwk;

/*
 * Checks one member of "keys", an object of doc, as the anchor's
 * extractJwk() does, in its order: kty; then per kty the alg, the members'
 * presence and types, and their values:
 *  - RSA: alg starts with RS or PS; n and e decode; e is 3 or 65537, leading
 *    zero bytes allowed (the anchor reads e with BN_bin2bn, which ignores
 *    them, and RFC 7518 §6.3.1 producers sometimes add one); n is not zero,
 *    is odd and has at most 16384 bits (BoringSSL's public-key checks);
 *  - EC: alg starts with ES; alg and crv, when both given, pair as
 *    ES256/P-256, ES384/P-384, ES512/P-521; x and y decode to integers of
 *    at most 256, 384 or 521 bits;
 *  - oct: alg is HS256, HS384 or HS512; k decodes to at least one byte;
 *  - OKP: alg is EdDSA; crv is Ed25519; x decodes to 32 bytes.
 * An empty alg counts as absent. Fills *key (has_private even when the key
 * fails) and returns ZT_JWKS_OK or the key's error, with *why (may be NULL)
 * set to a static English reason naming the status, or NULL when OK.
 */
zt_jwks_status zt_jwk_check(const zt_json_doc *doc, zt_json_val obj,
                            zt_jwk *key, const char **why);

/*
 * Called by zt_jwks_validate() for each key that passed the checks, in
 * document order. Setting *status (ZT_JWKS_OK on entry) to a key error makes
 * the key fail like a key that failed the checks. Return ZT_OK to go on, or
 * a negative ZT_E* code to stop: zt_jwks_validate() then returns it.
 */
typedef int (*zt_jwk_fn)(void *ctx, const zt_jwk *key, zt_jwks_status *status);

/*
 * The same with a reason: a callback that sets *status may also set *why
 * (NULL on entry) to a static English reason naming the status, e.g.
 * "RSA key is shorter than 2048 bits (JwksRsaParseError)"; left NULL, the
 * status's default reason is used.
 */
typedef int (*zt_jwk_import_fn)(void *ctx, const zt_jwk *key,
                                zt_jwks_status *status, const char **why);

typedef struct zt_jwks_result {
  zt_jwks_status status; /* what the anchor would report for the set */
  const char *why;       /* static reason naming the status; NULL when OK */
  uint32_t valid;        /* keys that passed (form 2: certificates) */
  uint32_t failed;       /* key objects or certificates that failed */
  bool has_private;      /* some key object carries private members */
} zt_jwks_result;

/*
 * Checks the key set (s, n), parsed with mem (NULL: the default allocator),
 * and calls fn (may be NULL) for each key that passes. Returns ZT_OK when
 * the text was judged, the verdict being res->status. Otherwise res->status
 * is ZT_JWKS_PARSE_ERROR and the return value says why: ZT_ELIMIT when a
 * cap is exceeded, ZT_ENOMEM when mem fails, ZT_EINVAL for bad arguments
 * (res NULL, or s NULL with n > 0), or the code fn returned.
 */
int zt_jwks_validate(const zt_allocator *mem, const char *s, size_t n,
                     zt_jwk_fn fn, void *ctx, zt_jwks_result *res);

/* zt_jwks_validate() with a callback that can give reasons. */
int zt_jwks_validate_ex(const zt_allocator *mem, const char *s, size_t n,
                        zt_jwk_import_fn fn, void *ctx, zt_jwks_result *res);

/*
 * The policy loader's check: true when the anchor would load the key set
 * with status Ok. *has_private (may be NULL) tells whether some key object
 * carries private members (worth a warning: the policy leaks them). On
 * failure *why (may be NULL) receives a static English reason naming the
 * anchor's status, e.g. "RSA key is missing n (JwksRSAKeyMissingN)"; NULL
 * on success.
 */
bool zt_jwks_check(const char *s, size_t n, bool *has_private,
                   const char **why);

#endif
