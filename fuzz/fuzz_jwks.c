/* The JWK set check, the key importer and base64url on arbitrary bytes: no
 * crash; a set that passes has a key; an imported set never holds more
 * keys than the check accepts; a fixed signature never verifies against
 * any imported key, and verification only returns the statuses keyset.h
 * lists; base64url decoding round-trips through the encoder exactly (strict
 * decoding accepts only canonical text). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "jwks.h"
#include "keyset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void b64_roundtrip(const char *in, size_t n) {
  uint8_t raw[4096];
  char back[6000];
  size_t len = 0;
  if (n > 4096 || !zt_b64url_decode(in, n, raw, sizeof(raw), &len))
    return;
  size_t out = zt_b64url_encode(raw, len, back, sizeof(back));
  if (out != n || memcmp(back, in, n) != 0)
    abort();
}

/* The only signature length each algorithm can verify with the keys a
 * fuzzed set is likely to hold (RSA-2048, the curves' sizes, the hashes). */
static size_t sig_len_for(zt_alg alg) {
  static const size_t len[ZT_ALG_COUNT] = {
      [ZT_ALG_RS256] = 256, [ZT_ALG_RS384] = 256, [ZT_ALG_RS512] = 256,
      [ZT_ALG_PS256] = 256, [ZT_ALG_PS384] = 256, [ZT_ALG_PS512] = 256,
      [ZT_ALG_ES256] = 64,  [ZT_ALG_ES384] = 96,  [ZT_ALG_ES512] = 132,
      [ZT_ALG_HS256] = 32,  [ZT_ALG_HS384] = 48,  [ZT_ALG_HS512] = 64,
      [ZT_ALG_EDDSA] = 64,
  };
  return len[alg];
}

/* One verification per algorithm, without and with a kid. The signature
 * is a fixed pattern: r and s of it are in range for every curve, and no
 * key anyone could write down accepts it. */
static void verify_all(const zt_keyset *ks) {
  static const char input[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmdXp6In0";
  uint8_t sig[512];
  for (size_t i = 0; i < sizeof sig; i++)
    sig[i] = (uint8_t)(0x5a ^ (i * 37));
  for (int a = ZT_ALG_NONE + 1; a < ZT_ALG_COUNT; a++) {
    for (int with_kid = 0; with_kid < 2; with_kid++) {
      zt_jwt_status st = zt_keyset_verify(
          ks, (zt_alg)a, with_kid ? "kid" : NULL, with_kid ? 3 : 0, input,
          sizeof input - 1, sig, sig_len_for((zt_alg)a));
      if (st != ZT_JWT_VERIFICATION_FAIL && st != ZT_JWKS_KID_ALG_MISMATCH &&
          st != ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH &&
          st != ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG)
        abort();
    }
  }
}

static void import(const char *s, size_t n, bool checked_ok) {
  zt_jwks_result res;
  zt_keyset *ks = NULL;
  int rc = zt_keyset_from_jwks(NULL, s, n, &ks, &res);
  bool ok = rc == ZT_OK && res.status == ZT_JWKS_OK;
  /* The importer only refuses more; what it keeps, the check passed. */
  if (ok != (ks != NULL) || (ok && !checked_ok) ||
      zt_keyset_size(ks) != (ok ? res.valid : 0))
    abort();
  if (ks)
    verify_all(ks);
  zt_keyset_release(ks);
  zt_jwt_status st;
  rc = zt_keyset_from_pem(NULL, s, n, NULL, 0, ZT_ALG_NONE, &ks, &st);
  if (rc == ZT_OK && (st == ZT_JWT_OK) != (ks != NULL))
    abort();
  if (ks)
    verify_all(ks);
  zt_keyset_release(ks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  bool has_private = false;
  const char *why = NULL;
  bool ok = zt_jwks_check(s, size, &has_private, &why);
  if (!ok && (!why || !why[0]))
    abort();
  b64_roundtrip(s, size);
  import(s, size, ok);
  return 0;
}
