/*
 * JWT validation benchmark (shared/spec/perf.md §5 items 1 and 3, §6).
 *
 * Each library row sits next to the bare mbedTLS floor it is judged
 * against, measured in the same process on the same key and the same bytes
 * (the token's signing input and its decoded signature):
 *  - rs256, ps256, es256, es384, hs256, eddsa: a cold validation (cache
 *    miss, key imported and pre-warmed once by zt_keyset_from_jwks, never
 *    per call) of a token whose signing input is exactly 1 KiB, with
 *    Istio-like claims. Validation is what the engine does per token
 *    (lib/reqauthn.c check_rule): zt_jwt_parse, the issuer compare,
 *    zt_jwt_check_time, zt_jwt_audience_allowed, zt_keyset_verify.
 *  - rs256-floor: SHA-256 of the signing input + mbedtls_pk_verify;
 *    ps256-floor: the same with mbedtls_pk_verify_ext (PSS, salt 32);
 *    es256-floor, es384-floor: SHA + r, s by mbedtls_mpi_read_binary +
 *    mbedtls_ecdsa_verify on a persistent, pre-warmed group (never
 *    pk_verify for ECDSA: perf.md §3.1);
 *    hs256-floor: a pre-keyed mbedtls_md_hmac_reset/update/finish + a
 *    constant-time compare (perf.md §3.1 "mbedTLS pre-keyed", the floor
 *    of the 1.4x goal); hs256-floor-oneshot: mbedtls_md_hmac() keyed per
 *    call + the same compare, for reference;
 *    eddsa-floor: libsodium's crypto_sign_ed25519_verify_detached (mbedTLS
 *    2.28 has no Ed25519). EdDSA rows are skipped with a note when the
 *    library is built without libsodium.
 *  - cache-100, cache-10k: a cache hit of the 1.36 KB RS256 token in a
 *    cache filled with that many distinct verified tokens (the engine's
 *    hit path: zt_jwtc_hash + zt_jwtc_get + zt_jwt_time_check on the
 *    entry's nbf/exp + zt_jwtc_release), always the same token;
 *    cache-10k-spread: each hit a different resident token of the 10k
 *    cache (tokens and entries no longer in the CPU caches), for reference.
 *
 * Keys are generated at start by mbedTLS from a CTR-DRBG with fixed entropy
 * and a fixed personalization string (the same keys and tokens on every
 * run): RSA-2048 (e = 65537), P-256, P-384, a 32-byte HMAC key and an
 * Ed25519 seed. The JWKS text is built from the public parts and imported
 * with zt_keyset_from_jwks, as the engine does. Before anything is timed,
 * every token must validate (ZT_JWT_OK) through both the library and its
 * floor, and a copy with one signature character changed must fail both;
 * every timed operation is checked too. Any failure ends the program with
 * status 1, so no figure can come from a failing path.
 *
 * Usage (from anywhere):
 *   bench_jwt [ROUNDS]     ROUNDS interleaved repetitions (default 5) of at
 *                          least 30 ms per row; prints the median and min
 *                          ns/op and the ratios to the floor
 *   bench_jwt --list       the row names
 *   valgrind --tool=callgrind --collect-atstart=no \
 *       build/tests/bench_jwt --ir ROW
 *                          exactly 1000 operations of ROW with collection
 *                          on: "Collected" / 1000 = instructions per op
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* version.h first: it pulls in the configuration of either major version. */
#include "mbedtls/version.h"

#include "mbedtls/bignum.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"

#if defined(ZT_HAVE_SODIUM) && ZT_HAVE_SODIUM
#include <sodium.h>
#define BENCH_SODIUM 1
#else
#define BENCH_SODIUM 0
#endif

#include "alloc.h"
#include "bench_util.h"
#include "crypto.h"
#include "jwt.h"
#include "jwtcache.h"
#include "keyset.h"

/* ---- mbedTLS 2.28 / 3.x -------------------------------------------------- */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define sha256_once(in, n, out) mbedtls_sha256(in, n, out, 0)
#define sha384_once(in, n, out) mbedtls_sha512(in, n, out, 1)
#define rsa_init_v15(ctx) mbedtls_rsa_init(ctx)
#define rsa_sign_v15(ctx, rng, prng, hash, sig)                                \
  mbedtls_rsa_rsassa_pkcs1_v15_sign(ctx, rng, prng, MBEDTLS_MD_SHA256, 32,     \
                                    hash, sig)
#else
#define sha256_once(in, n, out) mbedtls_sha256_ret(in, n, out, 0)
#define sha384_once(in, n, out) mbedtls_sha512_ret(in, n, out, 1)
#define rsa_init_v15(ctx) mbedtls_rsa_init(ctx, MBEDTLS_RSA_PKCS_V15, 0)
#define rsa_sign_v15(ctx, rng, prng, hash, sig)                                \
  mbedtls_rsa_rsassa_pkcs1_v15_sign(ctx, rng, prng, MBEDTLS_RSA_PRIVATE,       \
                                    MBEDTLS_MD_SHA256, 32, hash, sig)
#endif

#define SIGNING_INPUT 1024u /* bytes of header "." payload */
#define SKEW 60u

static const char ISS[] = "https://accounts.shop.example.com";
static const zt_str AUD[] = {{"api.shop.example.com", 20}};

const char bench_prog[] = "bench_jwt";

/* ---- Deterministic randomness -------------------------------------------- */

/* The DRBG's "entropy": a fixed stream, so that every run generates the same
 * keys, signatures and tokens. */
static int fixed_entropy(void *ctx, unsigned char *out, size_t n) {
  uint64_t *state = ctx;
  for (size_t i = 0; i < n; i++) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    out[i] = (unsigned char)(z ^ (z >> 31));
  }
  return 0;
}

static mbedtls_ctr_drbg_context drbg;
static uint64_t entropy_state = 1;

static int rng(void *p, unsigned char *out, size_t n) {
  return mbedtls_ctr_drbg_random(p, out, n);
}

/* ---- base64url (RFC 4648 §5, no padding) --------------------------------- */

static size_t b64url_len(size_t n) {
  return (4 * n + 2) / 3;
}

static size_t b64url(const uint8_t *in, size_t n, char *out) {
  static const char tab[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = tab[v >> 18];
    out[o++] = tab[v >> 12 & 63];
    out[o++] = tab[v >> 6 & 63];
    out[o++] = tab[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = tab[v >> 18];
    out[o++] = tab[v >> 12 & 63];
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = tab[v >> 18];
    out[o++] = tab[v >> 12 & 63];
    out[o++] = tab[v >> 6 & 63];
  }
  out[o] = '\0';
  return o;
}

/* ---- Keys ---------------------------------------------------------------- */

typedef struct ec_key {
  mbedtls_ecp_group sign_grp; /* for signing only */
  mbedtls_mpi d;
  mbedtls_ecp_point q;
  size_t flen;
  uint8_t pub[1 + 2 * 66]; /* 04 || X || Y */
  /* The floor's own persistent group and point, pre-warmed on first use. */
  mbedtls_ecp_group grp;
  mbedtls_ecp_point fq;
} ec_key;

static struct {
  mbedtls_rsa_context rsa; /* private, for signing */
  uint8_t n[256], e[3];
  mbedtls_pk_context pk; /* the floor: public part only */
  ec_key p256, p384;
  uint8_t hmac[32];
  mbedtls_md_context_t hmac_ctx; /* the pre-keyed floor */
  uint8_t ed_pk[32], ed_sk[64];
  bool eddsa; /* tokens signed and the library verifies EdDSA */
} K;

static void gen_rsa(void) {
  rsa_init_v15(&K.rsa);
  if (mbedtls_rsa_gen_key(&K.rsa, rng, &drbg, 2048, 65537) != 0 ||
      mbedtls_rsa_get_len(&K.rsa) != sizeof K.n ||
      mbedtls_rsa_export_raw(&K.rsa, K.n, sizeof K.n, NULL, 0, NULL, 0, NULL, 0,
                             K.e, sizeof K.e) != 0)
    bench_die("RSA key generation failed");
  mbedtls_pk_init(&K.pk);
  if (mbedtls_pk_setup(&K.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) ||
      mbedtls_rsa_import_raw(mbedtls_pk_rsa(K.pk), K.n, sizeof K.n, NULL, 0,
                             NULL, 0, NULL, 0, K.e, sizeof K.e) ||
      mbedtls_rsa_complete(mbedtls_pk_rsa(K.pk)))
    bench_die("RSA public key import (floor) failed");
}

static void gen_ec(ec_key *k, mbedtls_ecp_group_id id, size_t flen) {
  size_t olen;
  k->flen = flen;
  mbedtls_ecp_group_init(&k->sign_grp);
  mbedtls_mpi_init(&k->d);
  mbedtls_ecp_point_init(&k->q);
  mbedtls_ecp_group_init(&k->grp);
  mbedtls_ecp_point_init(&k->fq);
  if (mbedtls_ecp_group_load(&k->sign_grp, id) ||
      mbedtls_ecp_gen_keypair(&k->sign_grp, &k->d, &k->q, rng, &drbg) ||
      mbedtls_ecp_point_write_binary(&k->sign_grp, &k->q,
                                     MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, k->pub,
                                     sizeof k->pub) ||
      olen != 1 + 2 * flen || mbedtls_ecp_group_load(&k->grp, id) ||
      mbedtls_ecp_point_read_binary(&k->grp, &k->fq, k->pub, olen))
    bench_die("EC key generation failed");
}

static void gen_keys(void) {
  static const char pers[] = "ztauth bench_jwt keys v1";
  mbedtls_ctr_drbg_init(&drbg);
  if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, &entropy_state,
                            (const unsigned char *)pers, sizeof pers - 1))
    bench_die("CTR-DRBG seeding failed");
  gen_rsa();
  gen_ec(&K.p256, MBEDTLS_ECP_DP_SECP256R1, 32);
  gen_ec(&K.p384, MBEDTLS_ECP_DP_SECP384R1, 48);
  const mbedtls_md_info_t *sha256 =
      mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_md_init(&K.hmac_ctx);
  if (rng(&drbg, K.hmac, sizeof K.hmac) ||
      mbedtls_md_setup(&K.hmac_ctx, sha256, 1) ||
      mbedtls_md_hmac_starts(&K.hmac_ctx, K.hmac, sizeof K.hmac))
    bench_die("HMAC key setup failed");
#if BENCH_SODIUM
  uint8_t seed[32];
  if (rng(&drbg, seed, sizeof seed) || sodium_init() < 0 ||
      crypto_sign_ed25519_seed_keypair(K.ed_pk, K.ed_sk, seed) != 0)
    bench_die("Ed25519 key generation failed");
  K.eddsa = zt_crypto_has_eddsa();
#endif
}

/* The JWKS document of the public parts (the HMAC secret as an oct key). */
static size_t build_jwks(char *out, size_t cap) {
  char n[400], e[8], x256[48], y256[48], x384[72], y384[72], k[48], ed[48];
  b64url(K.n, sizeof K.n, n);
  b64url(K.e, sizeof K.e, e);
  b64url(K.p256.pub + 1, 32, x256);
  b64url(K.p256.pub + 33, 32, y256);
  b64url(K.p384.pub + 1, 48, x384);
  b64url(K.p384.pub + 49, 48, y384);
  b64url(K.hmac, sizeof K.hmac, k);
  b64url(K.ed_pk, sizeof K.ed_pk, ed);
  int len = snprintf(
      out, cap,
      "{\"keys\":["
      "{\"kty\":\"RSA\",\"kid\":\"rsa-2048\",\"use\":\"sig\",\"n\":\"%s\","
      "\"e\":\"%s\"},"
      "{\"kty\":\"EC\",\"kid\":\"ec-p256\",\"use\":\"sig\",\"crv\":\"P-256\","
      "\"x\":\"%s\",\"y\":\"%s\"},"
      "{\"kty\":\"EC\",\"kid\":\"ec-p384\",\"use\":\"sig\",\"crv\":\"P-384\","
      "\"x\":\"%s\",\"y\":\"%s\"},"
      "{\"kty\":\"oct\",\"kid\":\"hs-0256\",\"alg\":\"HS256\",\"k\":\"%s\"}%s%"
      "s%s"
      "]}",
      n, e, x256, y256, x384, y384, k,
      K.eddsa ? ",{\"kty\":\"OKP\",\"kid\":\"ed-25519\",\"crv\":\"Ed25519\","
                "\"x\":\""
              : "",
      K.eddsa ? ed : "", K.eddsa ? "\"}" : "");
  if (len < 0 || (size_t)len >= cap)
    bench_die("JWKS text too long");
  return (size_t)len;
}

/* ---- Tokens -------------------------------------------------------------- */

typedef struct tok {
  const char *name;
  zt_alg alg;
  const char *kid;
  char *text, *bad; /* the token; a copy with one signature char changed */
  size_t len, si_len;
  uint8_t sig[256], bad_sig[256]; /* decoded signature; one bit flipped */
  size_t sig_len;
  ec_key *ec; /* ES floors */
} tok;

/* Claims of an Istio end-user token, without the closing brace; a filler
 * claim brings the signing input to the length wanted. */
static int claims_base(char *out, size_t cap, const char *jti) {
  return snprintf(
      out, cap,
      "{\"iss\":\"%s\","
      "\"sub\":\"spiffe://cluster.local/ns/shop/sa/checkout\","
      "\"aud\":[\"checkout.shop.svc.cluster.local\","
      "\"https://api.shop.example.com\"],"
      "\"exp\":4685989700,\"iat\":1700000000,\"nbf\":1700000000,"
      "\"jti\":\"%s\",\"azp\":\"web-frontend\","
      "\"email\":\"jane.doe@shop.example.com\",\"email_verified\":true,"
      "\"name\":\"Jane Doe\",\"preferred_username\":\"jdoe\","
      "\"groups\":[\"mesh-admins\",\"shop-developers\",\"shop-oncall\","
      "\"payments-readers\",\"platform-viewers\",\"sre\"],"
      "\"scope\":\"openid profile email orders:read orders:write\","
      "\"tenant\":\"eu-west-1/shop\"",
      ISS, jti);
}

static void sign(tok *t, const char *si, size_t n) {
  uint8_t hash[64];
  switch (t->alg) {
  case ZT_ALG_RS256:
  case ZT_ALG_PS256:
    t->sig_len = 256;
    if (sha256_once((const unsigned char *)si, n, hash))
      bench_die("SHA-256 failed");
    if (t->alg == ZT_ALG_RS256) {
      if (rsa_sign_v15(&K.rsa, rng, &drbg, hash, t->sig))
        bench_die("RSA PKCS#1 v1.5 signing failed");
    } else {
      mbedtls_rsa_set_padding(&K.rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
      int rc = mbedtls_rsa_rsassa_pss_sign_ext(
          &K.rsa, rng, &drbg, MBEDTLS_MD_SHA256, 32, hash, 32, t->sig);
      mbedtls_rsa_set_padding(&K.rsa, MBEDTLS_RSA_PKCS_V15, 0);
      if (rc)
        bench_die("RSA PSS signing failed");
    }
    break;
  case ZT_ALG_ES256:
  case ZT_ALG_ES384: {
    ec_key *k = t->ec;
    size_t hlen = k->flen;
    if (hlen == 32 ? sha256_once((const unsigned char *)si, n, hash)
                   : sha384_once((const unsigned char *)si, n, hash))
      bench_die("SHA failed");
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    if (mbedtls_ecdsa_sign(&k->sign_grp, &r, &s, &k->d, hash, hlen, rng,
                           &drbg) ||
        mbedtls_mpi_write_binary(&r, t->sig, k->flen) ||
        mbedtls_mpi_write_binary(&s, t->sig + k->flen, k->flen))
      bench_die("ECDSA signing failed");
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    t->sig_len = 2 * k->flen;
    break;
  }
  case ZT_ALG_HS256:
    t->sig_len = 32;
    if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), K.hmac,
                        sizeof K.hmac, (const unsigned char *)si, n, t->sig))
      bench_die("HMAC failed");
    break;
  case ZT_ALG_EDDSA:
#if BENCH_SODIUM
    t->sig_len = 64;
    if (crypto_sign_ed25519_detached(t->sig, NULL, (const unsigned char *)si, n,
                                     K.ed_sk))
      bench_die("Ed25519 signing failed");
    break;
#endif
  default:
    bench_die("no signer for this algorithm");
  }
}

/*
 * Builds a token whose signing input is exactly si_len bytes: the header,
 * then the claims closed by a filler claim of the length that makes the
 * payload's base64url fit. A base64url length of 4k+1 cannot exist, so when
 * the payload would need one, a space is added to the header JSON.
 */
static void make_token(tok *t, const char *jti, size_t si_len) {
  char hdr[128], claims[2048];
  char *si = bench_xmalloc(si_len + 1);
  int base = claims_base(claims, sizeof claims, jti);
  if (base < 0 || (size_t)base >= sizeof claims)
    bench_die("claims too long");
  size_t plen = 0;
  for (int sp = 0;; sp++) {
    if (sp == 4)
      bench_die("cannot reach the signing-input length");
    int hl = snprintf(hdr, sizeof hdr,
                      "{\"alg\":\"%s\",%*s\"kid\":\"%s\","
                      "\"typ\":\"JWT\"}",
                      zt_alg_name(t->alg), sp, "", t->kid);
    size_t hb = b64url_len((size_t)hl);
    if (hb + 1 >= si_len)
      bench_die("header too long");
    size_t want = si_len - hb - 1; /* payload base64url characters */
    plen = want * 3 / 4;
    if (b64url_len(plen) != want)
      continue;
    size_t fixed = (size_t)base + strlen(",\"ctx\":\"\"}");
    if (plen < fixed || plen - fixed + (size_t)base + 16 > sizeof claims)
      bench_die("signing input too short for the claims");
    size_t fill = plen - fixed;
    size_t o = (size_t)base;
    o += (size_t)snprintf(claims + o, sizeof claims - o, ",\"ctx\":\"");
    for (size_t i = 0; i < fill; i++)
      claims[o++] = "route=/api/v1/orders;tier=gold;"[i % 31];
    memcpy(claims + o, "\"}", 3);
    size_t n = b64url((const uint8_t *)hdr, (size_t)hl, si);
    si[n++] = '.';
    n += b64url((const uint8_t *)claims, plen, si + n);
    if (n != si_len)
      bench_die("signing input length mismatch");
    break;
  }
  sign(t, si, si_len);
  t->si_len = si_len;
  t->len = si_len + 1 + b64url_len(t->sig_len);
  t->text = bench_xmalloc(t->len + 1);
  memcpy(t->text, si, si_len);
  t->text[si_len] = '.';
  b64url(t->sig, t->sig_len, t->text + si_len + 1);
  free(si);
  /* Tampered copies: one signature character (kept valid base64url, away
   * from the last one and its trailing bits), one bit of the raw signature. */
  t->bad = bench_xmalloc(t->len + 1);
  memcpy(t->bad, t->text, t->len + 1);
  char *c = &t->bad[si_len + 1 + b64url_len(t->sig_len) / 2];
  *c = *c == 'A' ? 'B' : 'A';
  memcpy(t->bad_sig, t->sig, t->sig_len);
  t->bad_sig[t->sig_len / 2] ^= 0x10;
}

/* ---- The operations ------------------------------------------------------ */

static zt_keyset *keyset;
static zt_jwt *jwt; /* 46 KB: one heap block, reused */
static uint64_t now;

/* The engine's validation of one token (lib/reqauthn.c check_rule after
 * zt_jwt_parse): issuer, time, audience, key set. */
static int lib_validate(const char *text, size_t len) {
  zt_jwt *j = jwt;
  int st = zt_jwt_parse(j, text, len);
  if (st != ZT_JWT_OK)
    return st;
  if (!j->has_iss || j->iss.len != sizeof ISS - 1 ||
      memcmp(j->iss.ptr, ISS, sizeof ISS - 1) != 0)
    return ZT_JWT_UNKNOWN_ISSUER;
  st = zt_jwt_check_time(j, now, SKEW);
  if (st != ZT_JWT_OK)
    return st;
  if (!zt_jwt_audience_allowed(j, AUD, 1))
    return ZT_JWT_AUDIENCE_NOT_ALLOWED;
  return zt_keyset_verify(keyset, j->alg, j->kid.ptr, j->kid.len,
                          j->signing_input.ptr, j->signing_input.len, j->sig,
                          j->sig_len);
}

/* Floors: 0 when the signature verifies. */
static int floor_rs256(const tok *t, const uint8_t *sig) {
  uint8_t h[32];
  if (sha256_once((const unsigned char *)t->text, t->si_len, h))
    return -1;
  return mbedtls_pk_verify(&K.pk, MBEDTLS_MD_SHA256, h, 32, sig, t->sig_len);
}

static int floor_ps256(const tok *t, const uint8_t *sig) {
  uint8_t h[32];
  mbedtls_pk_rsassa_pss_options o = {MBEDTLS_MD_SHA256, 32};
  if (sha256_once((const unsigned char *)t->text, t->si_len, h))
    return -1;
  return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &o, &K.pk,
                               MBEDTLS_MD_SHA256, h, 32, sig, t->sig_len);
}

static int floor_ecdsa(const tok *t, const uint8_t *sig) {
  uint8_t h[64];
  const ec_key *k = t->ec;
  size_t flen = k->flen;
  if (flen == 32 ? sha256_once((const unsigned char *)t->text, t->si_len, h)
                 : sha384_once((const unsigned char *)t->text, t->si_len, h))
    return -1;
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  int rc = mbedtls_mpi_read_binary(&r, sig, flen);
  if (rc == 0)
    rc = mbedtls_mpi_read_binary(&s, sig + flen, flen);
  if (rc == 0) /* the group is only read once warm; the cast is mbedTLS's */
    rc = mbedtls_ecdsa_verify((mbedtls_ecp_group *)&k->grp, h, flen, &k->fq, &r,
                              &s);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return rc;
}

static int floor_hs256(const tok *t, const uint8_t *sig) {
  uint8_t tag[32];
  if (mbedtls_md_hmac_reset(&K.hmac_ctx) ||
      mbedtls_md_hmac_update(&K.hmac_ctx, (const unsigned char *)t->text,
                             t->si_len) ||
      mbedtls_md_hmac_finish(&K.hmac_ctx, tag))
    return -1;
  return mbedtls_ct_memcmp(tag, sig, 32);
}

static int floor_hs256_oneshot(const tok *t, const uint8_t *sig) {
  uint8_t tag[32];
  if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), K.hmac,
                      sizeof K.hmac, (const unsigned char *)t->text, t->si_len,
                      tag))
    return -1;
  return mbedtls_ct_memcmp(tag, sig, 32);
}

static int floor_eddsa(const tok *t, const uint8_t *sig) {
#if BENCH_SODIUM
  return crypto_sign_ed25519_verify_detached(
      sig, (const unsigned char *)t->text, t->si_len, K.ed_pk);
#else
  (void)t;
  (void)sig;
  return -1;
#endif
}

/* ---- Cache --------------------------------------------------------------- */

#define CACHE_RULE 7u

typedef struct cache_bench {
  uint32_t entries;
  zt_jwtc *c;
  const tok *hit;        /* the 1.36 KB RS256 token, inserted last */
  const char **res_text; /* resident tokens (spread row) */
  size_t *res_len;
  size_t n_res, next;
  char *fill; /* the filler tokens' text */
  bool built;
} cache_bench;

/* The engine's cache hit (lib/reqauthn.c verify_token, cached). 0 on hit. */
static int cache_hit(zt_jwtc *c, const char *text, size_t len) {
  uint64_t h = zt_jwtc_hash(c, text, len);
  const zt_jwtc_entry *e = zt_jwtc_get(c, h, text, len, CACHE_RULE);
  if (!e)
    return 1;
  int st = zt_jwt_time_check(e->nbf, e->exp, now, SKEW);
  zt_jwtc_release(c, e);
  return st != ZT_JWT_OK;
}

/* Verifies the token through the library, then remembers it as the engine
 * does (lib/reqauthn.c remember). */
static void cache_put(zt_jwtc *c, const char *text, size_t len) {
  if (lib_validate(text, len) != ZT_JWT_OK)
    bench_die("a cache filler token does not validate");
  const zt_jwt *j = jwt;
  zt_jwtc_item it = {text,
                     len,
                     CACHE_RULE,
                     j->has_exp ? j->exp : 0,
                     j->has_nbf ? j->nbf : 0,
                     &j->payload};
  zt_jwtc_put(c, zt_jwtc_hash(c, text, len), &it);
}

/* Fills a cache of cb->entries with entries - 1 distinct HS256 tokens of the
 * hit token's length (cheap to sign and verify), then the hit token. */
static void cache_build(cache_bench *cb) {
  if (cb->built)
    return;
  if (zt_jwtc_new(&cb->c, &zt_default_allocator, cb->entries, 0x5eed) !=
          ZT_OK ||
      !cb->c)
    bench_die("zt_jwtc_new failed");
  size_t n = cb->entries - 1, len = cb->hit->len;
  cb->fill = bench_xmalloc(n * len + 1);
  cb->res_text = bench_xmalloc((n + 1) * sizeof *cb->res_text);
  cb->res_len = bench_xmalloc((n + 1) * sizeof *cb->res_len);
  for (size_t i = 0; i < n; i++) {
    char jti[32];
    tok f = {.name = "fill", .alg = ZT_ALG_HS256, .kid = "hs-0256"};
    snprintf(jti, sizeof jti, "f-%06zu-%08x", i, (unsigned)(i * 2654435761u));
    make_token(&f, jti, len - 1 - b64url_len(32));
    if (f.len != len)
      bench_die("filler token length mismatch");
    memcpy(cb->fill + i * len, f.text, len);
    free(f.text);
    free(f.bad);
    cache_put(cb->c, cb->fill + i * len, len);
  }
  cache_put(cb->c, cb->hit->text, cb->hit->len);
  /* Which tokens are still resident (an insert may evict after 4 probes). */
  cb->n_res = 0;
  for (size_t i = 0; i <= n; i++) {
    const char *s = i < n ? cb->fill + i * len : cb->hit->text;
    if (cache_hit(cb->c, s, len) == 0) {
      cb->res_text[cb->n_res] = s;
      cb->res_len[cb->n_res++] = len;
    }
  }
  if (cache_hit(cb->c, cb->hit->text, cb->hit->len) != 0)
    bench_die("the hit token is not in the cache");
  if (cache_hit(cb->c, cb->hit->bad, cb->hit->len) == 0)
    bench_die("a tampered token hits the cache");
  cb->built = true;
}

/* ---- Rows ---------------------------------------------------------------- */

/* A row's bench_row.arg: its token, or its cache; a floor row's floor. */
typedef struct jwt_arg {
  tok *t;
  cache_bench *cb;
  int (*floor_op)(const tok *t, const uint8_t *sig);
} jwt_arg;

static long loop_lib(const bench_row *r, long n) {
  const tok *t = ((const jwt_arg *)r->arg)->t;
  const char *text = t->text;
  size_t len = t->len;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += lib_validate(text, len) != ZT_JWT_OK;
  return bad;
}

#define FLOOR_LOOP(fn)                                                         \
  static long loop_##fn(const bench_row *r, long n) {                          \
    const tok *t = ((const jwt_arg *)r->arg)->t;                               \
    long bad = 0;                                                              \
    for (long i = 0; i < n; i++)                                               \
      bad += fn(t, t->sig) != 0;                                               \
    return bad;                                                                \
  }
FLOOR_LOOP(floor_rs256)
FLOOR_LOOP(floor_ps256)
FLOOR_LOOP(floor_ecdsa)
FLOOR_LOOP(floor_hs256)
FLOOR_LOOP(floor_hs256_oneshot)
FLOOR_LOOP(floor_eddsa)

static long loop_cache(const bench_row *r, long n) {
  const cache_bench *cb = ((const jwt_arg *)r->arg)->cb;
  zt_jwtc *c = cb->c;
  const char *text = cb->hit->text;
  size_t len = cb->hit->len;
  long bad = 0;
  for (long i = 0; i < n; i++)
    bad += cache_hit(c, text, len);
  return bad;
}

static long loop_cache_spread(const bench_row *r, long n) {
  cache_bench *cb = ((const jwt_arg *)r->arg)->cb;
  size_t k = cb->next;
  long bad = 0;
  for (long i = 0; i < n; i++) {
    bad += cache_hit(cb->c, cb->res_text[k], cb->res_len[k]);
    if (++k == cb->n_res)
      k = 0;
  }
  cb->next = k;
  return bad;
}

enum { T_RS256, T_PS256, T_ES256, T_ES384, T_HS256, T_EDDSA, N_TOK };

static tok toks[N_TOK] = {
    {.name = "RS256", .alg = ZT_ALG_RS256, .kid = "rsa-2048"},
    {.name = "PS256", .alg = ZT_ALG_PS256, .kid = "rsa-2048"},
    {.name = "ES256", .alg = ZT_ALG_ES256, .kid = "ec-p256"},
    {.name = "ES384", .alg = ZT_ALG_ES384, .kid = "ec-p384"},
    {.name = "HS256", .alg = ZT_ALG_HS256, .kid = "hs-0256"},
    {.name = "EdDSA", .alg = ZT_ALG_EDDSA, .kid = "ed-25519"},
};

static cache_bench cache100 = {.entries = 100};
static cache_bench cache10k = {.entries = 10000};

/* The args are compound literals of static storage. */
#define LIB(nm, ti, fl, gx, w)                                                 \
  {                                                                            \
    .name = nm, .what = w, .loop = loop_lib,                                   \
    .arg = &(jwt_arg){.t = &toks[ti]}, .floor = fl, .goal_x = gx               \
  }
#define FLOOR(nm, ti, fn, w)                                                   \
  {                                                                            \
    .name = nm, .what = w, .loop = loop_##fn,                                  \
    .arg = &(jwt_arg){.t = &toks[ti], .floor_op = fn}, .floor = -1             \
  }
#define CACHE(nm, cbp, lp, gns, gir, w)                                        \
  {                                                                            \
    .name = nm, .what = w, .loop = lp, .arg = &(jwt_arg){.cb = cbp},           \
    .floor = -1, .goal_ns = gns, .goal_ir = gir                                \
  }

static bench_row rows[] = {
    FLOOR("rs256-floor", T_RS256, floor_rs256,
          "SHA-256 + mbedtls_pk_verify (PKCS#1 v1.5)"),
    LIB("rs256", T_RS256, 0, 1.05, "library validation, RS256"),
    FLOOR("ps256-floor", T_PS256, floor_ps256,
          "SHA-256 + mbedtls_pk_verify_ext (PSS, salt 32)"),
    LIB("ps256", T_PS256, 2, 1.05, "library validation, PS256"),
    FLOOR("es256-floor", T_ES256, floor_ecdsa,
          "SHA-256 + 2 mpi_read_binary + ecdsa_verify, warm group"),
    LIB("es256", T_ES256, 4, 1.02, "library validation, ES256"),
    FLOOR("es384-floor", T_ES384, floor_ecdsa,
          "SHA-384 + 2 mpi_read_binary + ecdsa_verify, warm group"),
    LIB("es384", T_ES384, 6, 1.02, "library validation, ES384"),
    FLOOR("hs256-floor", T_HS256, floor_hs256,
          "pre-keyed md_hmac_reset/update/finish + ct_memcmp"),
    FLOOR("hs256-floor-oneshot", T_HS256, floor_hs256_oneshot,
          "mbedtls_md_hmac (keyed per call) + ct_memcmp"),
    LIB("hs256", T_HS256, 8, 1.4, "library validation, HS256"),
    FLOOR("eddsa-floor", T_EDDSA, floor_eddsa,
          "libsodium crypto_sign_ed25519_verify_detached"),
    LIB("eddsa", T_EDDSA, 11, 0, "library validation, EdDSA (Ed25519)"),
    CACHE("cache-100", &cache100, loop_cache, 300, 2000,
          "cache hit, 1.36 KB token, 100 entries"),
    CACHE("cache-10k", &cache10k, loop_cache, 300, 2000,
          "cache hit, 1.36 KB token, 10,000 entries"),
    CACHE("cache-10k-spread", &cache10k, loop_cache_spread, 0, 0,
          "cache hits over all resident tokens, 10,000 entries"),
};

static int before_ir(const bench_row *r);

static const bench_table table = {rows, sizeof rows / sizeof rows[0], 20, 12,
                                  before_ir};

/* ---- Checks -------------------------------------------------------------- */

static void check_token(const tok *t) {
  char msg[160];
  int st = lib_validate(t->text, t->len);
  if (st != ZT_JWT_OK) {
    snprintf(msg, sizeof msg, "%s token does not validate: %s", t->name,
             zt_jwt_status_name(st));
    bench_die(msg);
  }
  if (jwt->sig_len != t->sig_len || memcmp(jwt->sig, t->sig, t->sig_len) != 0 ||
      jwt->signing_input.len != SIGNING_INPUT || jwt->alg != t->alg) {
    snprintf(msg, sizeof msg, "%s token does not parse to what was signed",
             t->name);
    bench_die(msg);
  }
  st = lib_validate(t->bad, t->len);
  if (st != ZT_JWT_VERIFICATION_FAIL) {
    snprintf(msg, sizeof msg, "tampered %s token: %s, not JwtVerificationFail",
             t->name, zt_jwt_status_name(st));
    bench_die(msg);
  }
}

static void check_floor(const bench_row *r) {
  const jwt_arg *a = r->arg;
  char msg[160];
  if (a->floor_op(a->t, a->t->sig) != 0) {
    snprintf(msg, sizeof msg, "%s: the signature does not verify", r->name);
    bench_die(msg);
  }
  if (a->floor_op(a->t, a->t->bad_sig) == 0) {
    snprintf(msg, sizeof msg, "%s: a tampered signature verifies", r->name);
    bench_die(msg);
  }
}

/* The EdDSA rows when the library or the bench has no EdDSA. */
static void mark_skipped(void) {
  for (size_t i = 0; i < table.n; i++) {
    const tok *t = ((const jwt_arg *)rows[i].arg)->t;
    if (t && t->alg == ZT_ALG_EDDSA && !K.eddsa)
      rows[i].skip = "the library is built without libsodium";
  }
}

static void setup(void) {
  bench_check_floors(&table);
  gen_keys();
  mark_skipped();
  jwt = bench_xmalloc(sizeof *jwt);
  now = (uint64_t)time(NULL);
  char *jwks = bench_xmalloc(8192);
  size_t jn = build_jwks(jwks, 8192);
  zt_jwks_result res;
  if (zt_keyset_from_jwks(NULL, jwks, jn, &keyset, &res) != ZT_OK ||
      res.status != ZT_JWKS_OK || res.failed != 0 ||
      zt_keyset_size(keyset) != (K.eddsa ? 5u : 4u)) {
    fprintf(stderr, "bench_jwt: JWKS import: %s (%s), %u keys, %u failed\n",
            zt_jwt_status_name(res.status), res.why ? res.why : "",
            zt_keyset_size(keyset), res.failed);
    exit(1);
  }
  free(jwks);
  toks[T_ES256].ec = &K.p256;
  toks[T_ES384].ec = &K.p384;
  for (int i = 0; i < N_TOK; i++) {
    if (toks[i].alg == ZT_ALG_EDDSA && !K.eddsa)
      continue;
    make_token(&toks[i], "9f6c1d2e-4b7a-4c3e-8d21-5a0f3b6e7c19", SIGNING_INPUT);
    check_token(&toks[i]);
  }
  for (size_t i = 0; i < table.n; i++)
    if (((const jwt_arg *)rows[i].arg)->floor_op && !rows[i].skip)
      check_floor(&rows[i]);
  cache100.hit = cache10k.hit = &toks[T_RS256];
}

/* ---- Main ---------------------------------------------------------------- */

/* --ir on a cache row: the cache filled first, outside the count. */
static int before_ir(const bench_row *r) {
  cache_bench *cb = ((const jwt_arg *)r->arg)->cb;
  if (cb)
    cache_build(cb);
  return 0;
}

static void print_results(int rounds) {
  bench_print(&table, rounds);
  const bench_row *hs = bench_find(&table, "hs256");
  const bench_row *one = bench_find(&table, "hs256-floor-oneshot");
  printf("hs256 / hs256-floor-oneshot: %.3f (med), %.3f (min)\n",
         hs->ns[rounds / 2] / one->ns[rounds / 2], hs->ns[0] / one->ns[0]);
}

static void print_setup(int rounds) {
  printf("bench_jwt: mbedTLS %s, EdDSA %s, %d interleaved rounds of >= "
         "%.0f ms per row\n",
         MBEDTLS_VERSION_STRING, K.eddsa ? "yes (libsodium)" : "no", rounds,
         BENCH_MIN_REP_NS / 1e6);
  printf("tokens: signing input %u B;", SIGNING_INPUT);
  for (int i = 0; i < N_TOK; i++)
    if (toks[i].text)
      printf(" %s %zu B", toks[i].name, toks[i].len);
  printf("\ncaches: %zu of 100 and %zu of 10000 tokens resident after the "
         "fill (hit token: RS256, %zu B)\n",
         cache100.n_res, cache10k.n_res, toks[T_RS256].len);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--list") == 0) {
    bench_list(&table);
    return 0;
  }
  bool ir = argc > 2 && strcmp(argv[1], "--ir") == 0;
  if (argc > 1 && strcmp(argv[1], "--ir") == 0 && !ir) {
    fprintf(stderr, "usage: bench_jwt [ROUNDS] | --list | --ir ROW\n");
    return 2;
  }
  int rounds = bench_rounds(argc > 1 && !ir ? argv[1] : NULL, 5);
  setup();
  if (ir)
    return bench_count_ir(&table, argv[2]);

  cache_build(&cache100);
  cache_build(&cache10k);
  print_setup(rounds);
  bench_time_rows(&table, rounds);
  print_results(rounds);
  printf("Wall time only sanity-checks the goals: perf.md §5 gates them on\n"
         "Ir per op, from valgrind --tool=callgrind --collect-atstart=no\n"
         "bench_jwt --ir ROW (Collected / %d), library row / floor row.\n",
         BENCH_IR_OPS);
  return 0;
}
