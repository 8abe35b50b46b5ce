#include "jwa.h"

#include <string.h>

typedef struct alg_info {
  const char *name;
  zt_hash_id hash;
  zt_alg_family family;
} alg_info;

static const alg_info algs[ZT_ALG_COUNT] = {
    [ZT_ALG_NONE] = {"", ZT_HASH_NONE, ZT_FAMILY_NONE},
    [ZT_ALG_RS256] = {"RS256", ZT_HASH_SHA256, ZT_FAMILY_RSA_PKCS1},
    [ZT_ALG_RS384] = {"RS384", ZT_HASH_SHA384, ZT_FAMILY_RSA_PKCS1},
    [ZT_ALG_RS512] = {"RS512", ZT_HASH_SHA512, ZT_FAMILY_RSA_PKCS1},
    [ZT_ALG_PS256] = {"PS256", ZT_HASH_SHA256, ZT_FAMILY_RSA_PSS},
    [ZT_ALG_PS384] = {"PS384", ZT_HASH_SHA384, ZT_FAMILY_RSA_PSS},
    [ZT_ALG_PS512] = {"PS512", ZT_HASH_SHA512, ZT_FAMILY_RSA_PSS},
    [ZT_ALG_ES256] = {"ES256", ZT_HASH_SHA256, ZT_FAMILY_ECDSA},
    [ZT_ALG_ES384] = {"ES384", ZT_HASH_SHA384, ZT_FAMILY_ECDSA},
    [ZT_ALG_ES512] = {"ES512", ZT_HASH_SHA512, ZT_FAMILY_ECDSA},
    [ZT_ALG_HS256] = {"HS256", ZT_HASH_SHA256, ZT_FAMILY_HMAC},
    [ZT_ALG_HS384] = {"HS384", ZT_HASH_SHA384, ZT_FAMILY_HMAC},
    [ZT_ALG_HS512] = {"HS512", ZT_HASH_SHA512, ZT_FAMILY_HMAC},
    [ZT_ALG_EDDSA] = {"EdDSA", ZT_HASH_NONE, ZT_FAMILY_EDDSA},
};

zt_alg zt_alg_parse(const char *s, size_t n) {
  if (!s || n == 0)
    return ZT_ALG_NONE;
  for (int a = ZT_ALG_NONE + 1; a < ZT_ALG_COUNT; a++)
    if (strlen(algs[a].name) == n && memcmp(algs[a].name, s, n) == 0)
      return (zt_alg)a;
  return ZT_ALG_NONE;
}

static const alg_info *info(zt_alg alg) {
  return (unsigned)alg < ZT_ALG_COUNT ? &algs[alg] : &algs[ZT_ALG_NONE];
}

const char *zt_alg_name(zt_alg alg) {
  return info(alg)->name;
}

zt_hash_id zt_alg_hash(zt_alg alg) {
  return info(alg)->hash;
}

zt_alg_family zt_alg_family_of(zt_alg alg) {
  return info(alg)->family;
}

size_t zt_hash_size(zt_hash_id h) {
  switch (h) {
  case ZT_HASH_SHA256:
    return 32;
  case ZT_HASH_SHA384:
    return 48;
  case ZT_HASH_SHA512:
    return 64;
  default:
    return 0;
  }
}
