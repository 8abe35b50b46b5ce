/*
 * JWS algorithms (RFC 7518 §3, RFC 8037): the thirteen the anchor accepts,
 * by their exact case-sensitive names, and what each needs from a key.
 */
#ifndef ZT_JWA_H
#define ZT_JWA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum zt_alg {
  ZT_ALG_NONE = 0, /* absent, "none" or not implemented */
  ZT_ALG_RS256,
  ZT_ALG_RS384,
  ZT_ALG_RS512,
  ZT_ALG_PS256,
  ZT_ALG_PS384,
  ZT_ALG_PS512,
  ZT_ALG_ES256,
  ZT_ALG_ES384,
  ZT_ALG_ES512,
  ZT_ALG_HS256,
  ZT_ALG_HS384,
  ZT_ALG_HS512,
  ZT_ALG_EDDSA,
  ZT_ALG_COUNT
} zt_alg;

typedef enum zt_hash_id {
  ZT_HASH_NONE = 0, /* EdDSA hashes internally */
  ZT_HASH_SHA256,
  ZT_HASH_SHA384,
  ZT_HASH_SHA512
} zt_hash_id;

/* What kind of key an algorithm needs. */
typedef enum zt_alg_family {
  ZT_FAMILY_NONE = 0,
  ZT_FAMILY_RSA_PKCS1,
  ZT_FAMILY_RSA_PSS,
  ZT_FAMILY_ECDSA,
  ZT_FAMILY_HMAC,
  ZT_FAMILY_EDDSA
} zt_alg_family;

/* The algorithm named exactly (s, n); ZT_ALG_NONE for anything else,
 * including "none", "NONE" and "rs256". */
zt_alg zt_alg_parse(const char *s, size_t n);
/* "RS256" ...; "" for ZT_ALG_NONE or an unknown value. */
const char *zt_alg_name(zt_alg alg);
zt_hash_id zt_alg_hash(zt_alg alg);
zt_alg_family zt_alg_family_of(zt_alg alg);
/* Digest size in bytes: 32, 48, 64; 0 for ZT_HASH_NONE. */
size_t zt_hash_size(zt_hash_id h);

#endif
