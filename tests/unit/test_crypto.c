/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "syntax.h"
#include "test_alloc.h"
#include "test_files.h"
#include "test_vectors.h"

#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

/* ---- Helpers ------------------------------------------------------------- */

/* Bytes of a hex text, malloc'ed (never NULL, even for ""). */
static uint8_t *unhex(const char *s, size_t n, size_t *len) {
  assert_int_equal(n % 2, 0);
  uint8_t *p = malloc(n / 2 + 1);
  assert_non_null(p);
  for (size_t i = 0; i < n; i += 2) {
    int hi = zt_syn_hex_digit(s[i]), lo = zt_syn_hex_digit(s[i + 1]);
    assert_true(hi >= 0 && lo >= 0);
    p[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  *len = n / 2;
  return p;
}

static uint8_t *hex_member(const zt_json_doc *d, zt_json_val obj,
                           const char *name, size_t *len) {
  size_t n;
  const char *s = vec_str(d, obj, name, &n);
  return unhex(s, n, len);
}

/* Bytes of a base64url text, malloc'ed. */
static uint8_t *unb64url(const char *s, size_t n, size_t *len) {
  size_t cap = zt_b64url_decoded_len(n) + 1;
  uint8_t *p = malloc(cap);
  assert_non_null(p);
  assert_true(zt_b64url_decode(s, n, p, cap, len));
  return p;
}

static uint8_t *b64url_member(const zt_json_doc *d, zt_json_val obj,
                              const char *name, size_t *len) {
  size_t n;
  const char *s = vec_str(d, obj, name, &n);
  return unb64url(s, n, len);
}

static zt_hash_id hash_named(const char *s) {
  if (strcmp(s, "SHA-256") == 0)
    return ZT_HASH_SHA256;
  if (strcmp(s, "SHA-384") == 0)
    return ZT_HASH_SHA384;
  if (strcmp(s, "SHA-512") == 0)
    return ZT_HASH_SHA512;
  fail_msg("unknown hash %s", s);
  return ZT_HASH_NONE;
}

static zt_alg alg_of(zt_alg_family f, zt_hash_id h) {
  static const zt_alg t[][3] = {
      {ZT_ALG_RS256, ZT_ALG_RS384, ZT_ALG_RS512},
      {ZT_ALG_PS256, ZT_ALG_PS384, ZT_ALG_PS512},
      {ZT_ALG_ES256, ZT_ALG_ES384, ZT_ALG_ES512},
      {ZT_ALG_HS256, ZT_ALG_HS384, ZT_ALG_HS512},
  };
  size_t row = f == ZT_FAMILY_RSA_PKCS1 ? 0
               : f == ZT_FAMILY_RSA_PSS ? 1
               : f == ZT_FAMILY_ECDSA   ? 2
                                        : 3;
  return t[row][h - 1];
}

/* What one vector file did. */
typedef struct tally {
  size_t valid, invalid, acceptable; /* verdicts met */
  size_t deviations;                 /* deliberate, counted per case */
} tally;

/* A test's expected verdict against what verification said. */
static void judge(const vfile *f, zt_json_val t, zt_verify_rc got, tally *tl) {
  const char *result = vec_str(&f->doc, t, "result", NULL);
  int64_t id = vec_int(&f->doc, t, "tcId");
  if (strcmp(result, "valid") == 0) {
    if (got != ZT_VERIFY_OK)
      fail_msg("tcId %lld: valid, got %d", (long long)id, got);
    tl->valid++;
  } else if (strcmp(result, "invalid") == 0) {
    if (got == ZT_VERIFY_OK)
      fail_msg("tcId %lld: invalid signature verified", (long long)id);
    tl->invalid++;
  } else {
    /* Every "acceptable" case of these files is a PKCS#1 DigestInfo
     * without the NULL parameters ("MissingNull"): we compare the whole
     * encoding with the one RFC 8017 §9.2 note 1 gives, so we reject it. */
    assert_string_equal(result, "acceptable");
    if (got == ZT_VERIFY_OK)
      fail_msg("tcId %lld: acceptable case verified", (long long)id);
    tl->acceptable++;
  }
}

/* Under valgrind (whose test setup sets ZT_TIME_SCALE) an ECDSA
 * verification costs 50-200 ms: the ECDSA files then check every invalid
 * vector but only every 4th valid one. Plain runs check all. */
static size_t ecdsa_valid_stride(void) {
  const char *scale = getenv("ZT_TIME_SCALE");
  return scale && *scale ? 4 : 1;
}

/* Verifies the tests of group g with key under alg: every one, or every
 * invalid one and one valid test in valid_stride. */
static void run_group_sampled(const vfile *f, zt_json_val g,
                              const zt_pubkey *key, zt_alg alg, tally *tl,
                              size_t valid_stride) {
  zt_json_val tests = vec_member(&f->doc, g, "tests"), t;
  zt_json_iter it;
  size_t nvalid = 0;
  zt_json_iter_init(&it, &f->doc, tests);
  while (zt_json_iter_next(&it, NULL, &t)) {
    if (strcmp(vec_str(&f->doc, t, "result", NULL), "valid") == 0 &&
        nvalid++ % valid_stride != 0)
      continue;
    size_t ml, sl;
    uint8_t *msg = hex_member(&f->doc, t, "msg", &ml);
    uint8_t *sig = hex_member(&f->doc, t, "sig", &sl);
    judge(f, t, zt_pubkey_verify(key, alg, msg, ml, sig, sl), tl);
    free(msg);
    free(sig);
  }
}

static void run_group(const vfile *f, zt_json_val g, const zt_pubkey *key,
                      zt_alg alg, tally *tl) {
  run_group_sampled(f, g, key, alg, tl, 1);
}

/* The first valid test of g verifies with key too (a key imported another
 * way must be the same key). */
static void first_valid_verifies(const vfile *f, zt_json_val g,
                                 const zt_pubkey *key, zt_alg alg) {
  zt_json_val t;
  zt_json_iter it;
  zt_json_iter_init(&it, &f->doc, vec_member(&f->doc, g, "tests"));
  while (zt_json_iter_next(&it, NULL, &t)) {
    if (strcmp(vec_str(&f->doc, t, "result", NULL), "valid") != 0)
      continue;
    size_t ml, sl;
    uint8_t *msg = hex_member(&f->doc, t, "msg", &ml);
    uint8_t *sig = hex_member(&f->doc, t, "sig", &sl);
    assert_int_equal(zt_pubkey_verify(key, alg, msg, ml, sig, sl),
                     ZT_VERIFY_OK);
    sig[sl / 2] ^= 1;
    assert_int_equal(zt_pubkey_verify(key, alg, msg, ml, sig, sl),
                     ZT_VERIFY_BAD);
    free(msg);
    free(sig);
    return;
  }
}

/* The group's key as SubjectPublicKeyInfo, DER and PEM, sharing groups. */
static void check_spki_forms(const vfile *f, zt_json_val g,
                             zt_ec_groups *groups, zt_alg alg, zt_key_type type,
                             size_t bits) {
  size_t dl, pl;
  uint8_t *der = hex_member(&f->doc, g, "publicKeyDer", &dl);
  const char *pem = vec_str(&f->doc, g, "publicKeyPem", &pl);
  zt_pubkey *k1 = NULL, *k2 = NULL;
  assert_int_equal(zt_pubkey_from_spki(NULL, groups, der, dl, &k1),
                   ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_from_pem(NULL, groups, pem, pl, &k2),
                   ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_type(k1), type);
  assert_int_equal(zt_pubkey_type(k2), type);
  assert_int_equal(zt_pubkey_bits(k1), bits);
  first_valid_verifies(f, g, k1, alg);
  first_valid_verifies(f, g, k2, alg);
  zt_pubkey_free(k1);
  zt_pubkey_free(k2);
  free(der);
}

/* ---- Digests ------------------------------------------------------------- */

static void expect_hex(const uint8_t *got, const char *hex) {
  size_t n;
  uint8_t *want = unhex(hex, strlen(hex), &n);
  assert_memory_equal(got, want, n);
  free(want);
}

/* FIPS 180-2 appendix examples for "abc". */
static void test_digest(void **state) {
  (void)state;
  uint8_t out[ZT_DIGEST_MAX];
  assert_true(zt_digest(ZT_HASH_SHA256, "abc", 3, out));
  expect_hex(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
                  "0015ad");
  assert_true(zt_digest(ZT_HASH_SHA384, "abc", 3, out));
  expect_hex(out, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43"
                  "ff5bed8086072ba1e7cc2358baeca134c825a7");
  assert_true(zt_digest(ZT_HASH_SHA512, "abc", 3, out));
  expect_hex(out, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b"
                  "55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9a"
                  "c94fa54ca49f");
  assert_true(zt_digest(ZT_HASH_SHA256, NULL, 0, out));
  expect_hex(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b78"
                  "52b855");
  assert_false(zt_digest(ZT_HASH_NONE, "abc", 3, out));
  assert_false(zt_digest((zt_hash_id)7, "abc", 3, out));
  assert_false(zt_digest(ZT_HASH_SHA256, NULL, 3, out));
}

/* RFC 4231 test case 2 ("Jefe"), and a key longer than the block. */
static void test_hmac(void **state) {
  (void)state;
  uint8_t out[ZT_DIGEST_MAX];
  const char *msg = "what do ya want for nothing?";
  assert_true(zt_hmac(ZT_HASH_SHA256, "Jefe", 4, msg, strlen(msg), out));
  expect_hex(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b9"
                  "64ec3843");
  assert_true(zt_hmac(ZT_HASH_SHA512, "Jefe", 4, msg, strlen(msg), out));
  expect_hex(out, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7"
                  "ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b"
                  "636e070a38bce737");
  uint8_t key[131];
  memset(key, 0xaa, sizeof key);
  const char *big = "Test Using Larger Than Block-Size Key - Hash Key First";
  assert_true(zt_hmac(ZT_HASH_SHA384, key, sizeof key, big, strlen(big), out));
  expect_hex(out, "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05"
                  "033ac4c60c2ef6ab4030fe8296248df163f44952");
  assert_false(zt_hmac(ZT_HASH_NONE, "k", 1, "m", 1, out));
}

/* ---- Wycheproof: ECDSA --------------------------------------------------- */

#define PRIM "wycheproof/jwa_primitives_v1/"

static zt_ec_curve curve_named(const char *crv) {
  if (strcmp(crv, "P-256") == 0)
    return ZT_CURVE_P256;
  if (strcmp(crv, "P-384") == 0)
    return ZT_CURVE_P384;
  return strcmp(crv, "P-521") == 0 ? ZT_CURVE_P521 : ZT_CURVE_NONE;
}

static void ecdsa_file(const char *rel, size_t groups_want, size_t valid,
                       size_t invalid) {
  vfile f;
  vfile_open(&f, rel);
  zt_ec_groups groups = {{NULL}};
  tally tl = {0, 0, 0, 0};
  size_t stride = ecdsa_valid_stride();
  zt_json_val gs = vec_member(&f.doc, ZT_JSON_ROOT, "testGroups"), g;
  zt_json_iter it;
  zt_json_iter_init(&it, &f.doc, gs);
  size_t ngroups = 0;
  while (zt_json_iter_next(&it, NULL, &g)) {
    zt_json_val jwk = vec_member(&f.doc, g, "publicKeyJwk");
    size_t xl, yl;
    uint8_t *x = b64url_member(&f.doc, jwk, "x", &xl);
    uint8_t *y = b64url_member(&f.doc, jwk, "y", &yl);
    zt_ec_curve crv = curve_named(vec_str(&f.doc, jwk, "crv", NULL));
    zt_alg alg =
        alg_of(ZT_FAMILY_ECDSA, hash_named(vec_str(&f.doc, g, "sha", NULL)));
    zt_pubkey *key = NULL;
    assert_int_equal(zt_pubkey_ec(NULL, &groups, crv, x, xl, y, yl, &key),
                     ZT_IMPORT_OK);
    assert_int_equal(zt_pubkey_curve(key), crv);
    run_group_sampled(&f, g, key, alg, &tl, stride);
    /* DER and PEM for a few groups: each costs two verifications. */
    if (ngroups++ % 16 == 0)
      check_spki_forms(&f, g, &groups, alg, ZT_KEY_EC, zt_pubkey_bits(key));
    zt_pubkey_free(key);
    free(x);
    free(y);
  }
  zt_ec_groups_free(&groups);
  assert_int_equal(ngroups, groups_want);
  assert_int_equal(tl.invalid, invalid);
  if (stride == 1)
    assert_int_equal(tl.valid, valid);
  else
    assert_true(tl.valid >= valid / stride);
  vfile_close(&f);
}

static void test_wycheproof_es256(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  ecdsa_file(PRIM "ecdsa_secp256r1_sha256_p1363_test.json", 103, 169, 83);
}

static void test_wycheproof_es384(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  ecdsa_file(PRIM "ecdsa_secp384r1_sha384_p1363_test.json", 95, 189, 81);
}

static void test_wycheproof_es512(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  ecdsa_file(PRIM "ecdsa_secp521r1_sha512_p1363_test.json", 98, 227, 81);
}

/* ---- Wycheproof: RSA ----------------------------------------------------- */

static zt_pubkey *rsa_jwk_key(const vfile *f, zt_json_val g) {
  zt_json_val jwk = vec_has(&f->doc, g, "keyJwk")
                        ? vec_member(&f->doc, g, "keyJwk")
                        : vec_member(&f->doc, g, "publicKeyJwk");
  size_t nl, el;
  uint8_t *n = b64url_member(&f->doc, jwk, "n", &nl);
  uint8_t *e = b64url_member(&f->doc, jwk, "e", &el);
  zt_pubkey *key = NULL;
  assert_int_equal(zt_pubkey_rsa(NULL, n, nl, e, el, &key), ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_bits(key), vec_int(&f->doc, g, "keySize"));
  free(n);
  free(e);
  return key;
}

static tally rsa_file(const char *rel, zt_alg_family family) {
  vfile f;
  vfile_open(&f, rel);
  tally tl = {0, 0, 0, 0};
  zt_json_val g;
  zt_json_iter it;
  vfile_iter(&it, &f, "testGroups");
  while (zt_json_iter_next(&it, NULL, &g)) {
    zt_hash_id h = hash_named(vec_str(&f.doc, g, "sha", NULL));
    if (family == ZT_FAMILY_RSA_PSS) {
      /* The JWS profile: MGF1 with the same hash, salt = hash length. */
      assert_int_equal(hash_named(vec_str(&f.doc, g, "mgfSha", NULL)), h);
      assert_int_equal(vec_int(&f.doc, g, "sLen"), zt_hash_size(h));
    }
    zt_pubkey *key = rsa_jwk_key(&f, g);
    zt_alg alg = alg_of(family, h);
    run_group(&f, g, key, alg, &tl);
    check_spki_forms(&f, g, NULL, alg, ZT_KEY_RSA, zt_pubkey_bits(key));
    zt_pubkey_free(key);
  }
  vfile_close(&f);
  return tl;
}

typedef struct rsa_counts {
  const char *file;
  size_t valid, invalid;
} rsa_counts;

/* Each file under family: its valid and invalid counts, and how many
 * "acceptable" cases it has (every one rejected). */
static void rsa_files(const rsa_counts *t, size_t n, zt_alg_family family,
                      size_t acceptable) {
  for (size_t i = 0; i < n; i++) {
    tally tl = rsa_file(t[i].file, family);
    assert_int_equal(tl.valid, t[i].valid);
    assert_int_equal(tl.invalid, t[i].invalid);
    assert_int_equal(tl.acceptable, acceptable);
  }
}

static void test_wycheproof_rs(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  static const rsa_counts t[] = {
      {PRIM "rsa_signature_2048_sha256_test.json", 9, 249},
      {PRIM "rsa_signature_2048_sha384_test.json", 7, 250},
      {PRIM "rsa_signature_2048_sha512_test.json", 8, 250},
      {PRIM "rsa_signature_3072_sha256_test.json", 8, 250},
      {PRIM "rsa_signature_4096_sha512_test.json", 7, 251},
  };
  rsa_files(t, NCASES(t), ZT_FAMILY_RSA_PKCS1, 1); /* MissingNull: rejected */
}

static void test_wycheproof_ps(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  static const rsa_counts t[] = {
      {PRIM "rsa_pss_2048_sha256_mgf1_32_test.json", 63, 45},
      {PRIM "rsa_pss_2048_sha384_mgf1_48_test.json", 95, 46},
      {PRIM "rsa_pss_4096_sha512_mgf1_64_test.json", 132, 47},
  };
  rsa_files(t, NCASES(t), ZT_FAMILY_RSA_PSS, 0);
}

/* ---- Wycheproof: HMAC ---------------------------------------------------- */

/*
 * Groups whose key is shorter than the hash, or whose tag is truncated, are
 * outside what JWS allows (RFC 7518 §3.2): verification must refuse every
 * one of their tags, valid ones included (counted as deviations). The
 * primitive is still checked on them through zt_hmac(): a "valid" tag is
 * the prefix of our MAC, an "invalid" one is not.
 */
static void hmac_test(const vfile *f, zt_json_val t, zt_hash_id h,
                      bool jws_shape, tally *tl) {
  size_t kl, ml, tgl;
  uint8_t *k = hex_member(&f->doc, t, "key", &kl);
  uint8_t *msg = hex_member(&f->doc, t, "msg", &ml);
  uint8_t *tag = hex_member(&f->doc, t, "tag", &tgl);
  bool valid = strcmp(vec_str(&f->doc, t, "result", NULL), "valid") == 0;
  uint8_t mac[ZT_DIGEST_MAX];
  assert_true(zt_hmac(h, k, kl, msg, ml, mac));
  assert_int_equal(memcmp(mac, tag, tgl) == 0, valid);
  zt_pubkey *key = NULL;
  zt_import_rc rc = zt_pubkey_hmac(NULL, k, kl, &key);
  assert_int_equal(rc, kl < ZT_HMAC_MIN_KEY ? ZT_IMPORT_HMAC_TOO_SHORT
                                            : ZT_IMPORT_OK);
  zt_verify_rc got =
      zt_pubkey_verify(key, alg_of(ZT_FAMILY_HMAC, h), msg, ml, tag, tgl);
  if (jws_shape) {
    judge(f, t, got, tl);
  } else {
    assert_int_equal(got, ZT_VERIFY_BAD);
    tl->deviations++;
  }
  zt_pubkey_free(key);
  free(k);
  free(msg);
  free(tag);
}

static tally hmac_file(const char *rel, zt_hash_id h) {
  vfile f;
  vfile_open(&f, rel);
  tally tl = {0, 0, 0, 0};
  zt_json_val g, t;
  zt_json_iter it, jt;
  vfile_iter(&it, &f, "testGroups");
  size_t bits = zt_hash_size(h) * 8;
  while (zt_json_iter_next(&it, NULL, &g)) {
    bool jws_shape = vec_int(&f.doc, g, "keySize") >= (int64_t)bits &&
                     vec_int(&f.doc, g, "tagSize") == (int64_t)bits;
    zt_json_iter_init(&jt, &f.doc, vec_member(&f.doc, g, "tests"));
    while (zt_json_iter_next(&jt, NULL, &t))
      hmac_test(&f, t, h, jws_shape, &tl);
  }
  vfile_close(&f);
  return tl;
}

static void test_wycheproof_hs(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  static const struct {
    const char *file;
    zt_hash_id h;
  } t[] = {
      {PRIM "hmac_sha256_test.json", ZT_HASH_SHA256},
      {PRIM "hmac_sha384_test.json", ZT_HASH_SHA384},
      {PRIM "hmac_sha512_test.json", ZT_HASH_SHA512},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    tally tl = hmac_file(t[i].file, t[i].h);
    /* Full-size key and tag: 27 valid, 54 invalid; the key-size-520 group
     * with full tags: 3 valid. */
    assert_int_equal(tl.valid, 30);
    assert_int_equal(tl.invalid, 54);
    assert_int_equal(tl.deviations, 174 - 84);
  }
}

/* ---- Wycheproof: Ed25519 ------------------------------------------------- */

static void test_wycheproof_eddsa(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, PRIM "ed25519_test.json");
  tally tl = {0, 0, 0, 0};
  zt_json_val g;
  zt_json_iter it;
  vfile_iter(&it, &f, "testGroups");
  size_t groups = 0;
  while (zt_json_iter_next(&it, NULL, &g)) {
    size_t xl;
    uint8_t *x =
        b64url_member(&f.doc, vec_member(&f.doc, g, "publicKeyJwk"), "x", &xl);
    zt_pubkey *key = NULL;
    zt_import_rc rc = zt_pubkey_ed25519(NULL, x, xl, &key);
    free(x);
    if (!zt_crypto_has_eddsa()) {
      assert_int_equal(rc, ZT_IMPORT_NO_EDDSA);
      assert_int_equal(zt_pubkey_verify(NULL, ZT_ALG_EDDSA, "", 0, NULL, 0),
                       ZT_VERIFY_NOT_IMPLEMENTED);
      continue;
    }
    assert_int_equal(rc, ZT_IMPORT_OK);
    run_group(&f, g, key, ZT_ALG_EDDSA, &tl);
    if (groups++ % 8 == 0)
      check_spki_forms(&f, g, NULL, ZT_ALG_EDDSA, ZT_KEY_ED25519, 256);
    zt_pubkey_free(key);
  }
  if (zt_crypto_has_eddsa()) {
    assert_int_equal(tl.valid, 88);
    assert_int_equal(tl.invalid, 62);
  }
  vfile_close(&f);
}

/* ---- Hand-made keys ------------------------------------------------------ */

/* An odd modulus of exactly bits bits (not a real RSA modulus: import
 * checks sizes and parity, not factors). */
static uint8_t *modulus(size_t bits, size_t *len) {
  *len = (bits + 7) / 8;
  uint8_t *n = malloc(*len);
  assert_non_null(n);
  memset(n, 0xc5, *len);
  n[0] = (uint8_t)(1u << ((bits - 1) % 8)) | 1u;
  n[*len - 1] |= 1;
  return n;
}

static zt_import_rc rsa_import(size_t bits, const uint8_t *e, size_t el) {
  size_t nl;
  uint8_t *n = modulus(bits, &nl);
  zt_pubkey *k = NULL;
  zt_import_rc rc = zt_pubkey_rsa(NULL, n, nl, e, el, &k);
  assert_true(rc == ZT_IMPORT_OK ? k != NULL : k == NULL);
  if (k)
    assert_int_equal(zt_pubkey_bits(k), bits);
  zt_pubkey_free(k);
  free(n);
  return rc;
}

static void test_rsa_import_policy(void **state) {
  (void)state;
  static const uint8_t f4[] = {1, 0, 1}, three[] = {3}, one[] = {1},
                       four[] = {4}, e33[] = {1, 0xff, 0xff, 0xff, 0xff},
                       e34[] = {2, 0, 0, 0, 1}, zero[] = {0, 0, 1, 0, 1};
  assert_int_equal(rsa_import(2048, f4, 3), ZT_IMPORT_OK);
  assert_int_equal(rsa_import(2047, f4, 3), ZT_IMPORT_RSA_TOO_SMALL);
  assert_int_equal(rsa_import(1024, f4, 3), ZT_IMPORT_RSA_TOO_SMALL);
  assert_int_equal(rsa_import(8192, f4, 3), ZT_IMPORT_OK);
  assert_int_equal(rsa_import(8193, f4, 3), ZT_IMPORT_RSA_TOO_LARGE);
  assert_int_equal(rsa_import(2048, three, 1), ZT_IMPORT_OK);
  assert_int_equal(rsa_import(2048, one, 1), ZT_IMPORT_RSA_BAD_EXPONENT);
  assert_int_equal(rsa_import(2048, four, 1), ZT_IMPORT_RSA_BAD_EXPONENT);
  assert_int_equal(rsa_import(2048, NULL, 0), ZT_IMPORT_RSA_BAD_EXPONENT);
  assert_int_equal(rsa_import(2048, e33, 5), ZT_IMPORT_OK);
  assert_int_equal(rsa_import(2048, e34, 5), ZT_IMPORT_RSA_BAD_EXPONENT);
  assert_int_equal(rsa_import(2048, zero, 5), ZT_IMPORT_OK); /* zeros skip */
  /* An even modulus. */
  size_t nl;
  uint8_t *n = modulus(2048, &nl);
  n[nl - 1] &= 0xfe;
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_rsa(NULL, n, nl, f4, 3, &k),
                   ZT_IMPORT_RSA_BAD_MODULUS);
  assert_null(k);
  /* A leading zero byte does not count. */
  uint8_t *n0 = calloc(1, nl + 1);
  assert_non_null(n0);
  n[nl - 1] |= 1;
  memcpy(n0 + 1, n, nl);
  assert_int_equal(zt_pubkey_rsa(NULL, n0, nl + 1, f4, 3, &k), ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_bits(k), 2048);
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_RS256), 256);
  zt_pubkey_free(k);
  assert_int_equal(zt_pubkey_rsa(NULL, NULL, 5, f4, 3, &k),
                   ZT_IMPORT_BAD_ARGUMENT);
  assert_int_equal(zt_pubkey_rsa(NULL, n, nl, f4, 3, NULL),
                   ZT_IMPORT_BAD_ARGUMENT);
  free(n0);
  free(n);
}

/* The first valid RS256 vector with its key: a known-good signature. */
typedef struct known_sig {
  zt_pubkey *key;
  uint8_t *n, *msg, *sig;
  size_t nl, ml, sl;
} known_sig;

static void known_rs256(known_sig *ks) {
  vfile f;
  vfile_open(&f, PRIM "rsa_signature_2048_sha256_test.json");
  zt_json_val g, t, tests;
  zt_json_iter it;
  vfile_iter(&it, &f, "testGroups");
  assert_true(zt_json_iter_next(&it, NULL, &g));
  ks->key = rsa_jwk_key(&f, g);
  ks->n = b64url_member(&f.doc, vec_member(&f.doc, g, "keyJwk"), "n", &ks->nl);
  tests = vec_member(&f.doc, g, "tests");
  zt_json_iter_init(&it, &f.doc, tests);
  assert_true(zt_json_iter_next(&it, NULL, &t));
  assert_string_equal(vec_str(&f.doc, t, "result", NULL), "valid");
  ks->msg = hex_member(&f.doc, t, "msg", &ks->ml);
  ks->sig = hex_member(&f.doc, t, "sig", &ks->sl);
  vfile_close(&f);
}

static void known_free(known_sig *ks) {
  zt_pubkey_free(ks->key);
  free(ks->n);
  free(ks->msg);
  free(ks->sig);
}

static void test_rsa_signature_shape(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  known_sig ks;
  known_rs256(&ks);
  assert_int_equal(ks.sl, 256);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, ks.sig, ks.sl),
      ZT_VERIFY_OK);
  /* S >= N: N itself and the all-ones value are refused before the
   * exponentiation. */
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, ks.n, ks.nl),
      ZT_VERIFY_BAD);
  uint8_t big[256];
  memset(big, 0xff, sizeof big);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, big, sizeof big),
      ZT_VERIFY_BAD);
  /* Exactly the modulus length: no leading zero added or dropped. */
  uint8_t padded[257] = {0};
  memcpy(padded + 1, ks.sig, 256);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, padded, 257),
      ZT_VERIFY_BAD);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, ks.sig, 255),
      ZT_VERIFY_BAD);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS256, ks.msg, ks.ml, NULL, 0),
      ZT_VERIFY_BAD);
  /* Another algorithm of the family, or another family. */
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_RS384, ks.msg, ks.ml, ks.sig, ks.sl),
      ZT_VERIFY_BAD);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_PS256, ks.msg, ks.ml, ks.sig, ks.sl),
      ZT_VERIFY_BAD);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_HS256, ks.msg, ks.ml, ks.sig, 32),
      ZT_VERIFY_BAD);
  assert_int_equal(
      zt_pubkey_verify(ks.key, ZT_ALG_NONE, ks.msg, ks.ml, ks.sig, ks.sl),
      ZT_VERIFY_BAD);
  known_free(&ks);
}

/* ---- ECDSA shapes -------------------------------------------------------- */

typedef struct known_ec {
  zt_pubkey *key;
  uint8_t *msg, *sig;
  size_t ml, sl;
} known_ec;

static void known_es256(known_ec *ke) {
  vfile f;
  vfile_open(&f, PRIM "ecdsa_secp256r1_sha256_p1363_test.json");
  zt_json_val g, t;
  zt_json_iter it;
  vfile_iter(&it, &f, "testGroups");
  assert_true(zt_json_iter_next(&it, NULL, &g));
  size_t dl;
  uint8_t *der = hex_member(&f.doc, g, "publicKeyDer", &dl);
  assert_int_equal(zt_pubkey_from_spki(NULL, NULL, der, dl, &ke->key),
                   ZT_IMPORT_OK);
  free(der);
  zt_json_iter_init(&it, &f.doc, vec_member(&f.doc, g, "tests"));
  assert_true(zt_json_iter_next(&it, NULL, &t));
  assert_string_equal(vec_str(&f.doc, t, "result", NULL), "valid");
  ke->msg = hex_member(&f.doc, t, "msg", &ke->ml);
  ke->sig = hex_member(&f.doc, t, "sig", &ke->sl);
  vfile_close(&f);
}

/* Appends a DER INTEGER of the big-endian (v, n) to out at *o. */
static void der_int(uint8_t *out, size_t *o, const uint8_t *v, size_t n) {
  while (n > 1 && v[0] == 0) {
    v++;
    n--;
  }
  bool pad = v[0] & 0x80;
  out[(*o)++] = 0x02;
  out[(*o)++] = (uint8_t)(n + pad);
  if (pad)
    out[(*o)++] = 0;
  memcpy(out + *o, v, n);
  *o += n;
}

static void test_ecdsa_signature_shape(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  known_ec ke;
  known_es256(&ke);
  const zt_pubkey *k = ke.key;
  assert_int_equal(ke.sl, 64);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, ke.sig, 64),
                   ZT_VERIFY_OK);
  /* Zero-padded halves (Wycheproof JWS tcId 379): the anchor accepts it. */
  uint8_t padded[66] = {0};
  memcpy(padded + 1, ke.sig, 32);
  memcpy(padded + 34, ke.sig + 32, 32);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, padded, 66),
                   ZT_VERIFY_BAD);
  /* DER-encoded (r, s), as X.509 and TLS carry it. */
  uint8_t der[80];
  size_t o = 2;
  der_int(der, &o, ke.sig, 32);
  der_int(der, &o, ke.sig + 32, 32);
  der[0] = 0x30;
  der[1] = (uint8_t)(o - 2);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, der, o),
                   ZT_VERIFY_BAD);
  /* Psychic signature (CVE-2022-21449): r = s = 0. */
  uint8_t zero[64] = {0};
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, zero, 64),
                   ZT_VERIFY_BAD);
  /* Truncated, or with a trailing byte. */
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, ke.sig, 63),
                   ZT_VERIFY_BAD);
  uint8_t longer[65];
  memcpy(longer, ke.sig, 64);
  longer[64] = 0;
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, ke.msg, ke.ml, longer, 65),
                   ZT_VERIFY_BAD);
  /* The algorithm must be the curve's: ES384 and ES512 are refused, even
   * with a signature of their length. */
  uint8_t s96[96] = {0}, s132[132] = {0};
  memcpy(s96 + 16, ke.sig, 32);
  memcpy(s96 + 64, ke.sig + 32, 32);
  memcpy(s132 + 34, ke.sig, 32);
  memcpy(s132 + 100, ke.sig + 32, 32);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES384, ke.msg, ke.ml, s96, 96),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES512, ke.msg, ke.ml, s132, 132),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES384, ke.msg, ke.ml, ke.sig, 64),
                   ZT_VERIFY_BAD);
  assert_false(zt_pubkey_can(k, ZT_ALG_ES384));
  assert_false(zt_pubkey_can(k, ZT_ALG_RS256));
  assert_true(zt_pubkey_can(k, ZT_ALG_ES256));
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_ES256), 64);
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_ES512), 0);
  zt_pubkey_free(ke.key);
  free(ke.msg);
  free(ke.sig);
}

static void test_ec_import(void **state) {
  (void)state;
  /* The anchor's P-256 test key (jwks_parse.json GoodEC). */
  static const char x64[] = "EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k";
  static const char y64[] = "92bCBTvMFQ8lKbS2MbgjT3YfmYo6HnPEE2tsAqWUJw8";
  size_t xl, yl;
  uint8_t *x = unb64url(x64, strlen(x64), &xl);
  uint8_t *y = unb64url(y64, strlen(y64), &yl);
  zt_ec_groups groups = {{NULL}};
  zt_pubkey *k = NULL, *k2 = NULL;
  assert_int_equal(zt_pubkey_ec(NULL, &groups, ZT_CURVE_P256, x, xl, y, yl, &k),
                   ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_bits(k), 256);
  /* A second key of the curve shares the group. */
  assert_int_equal(
      zt_pubkey_ec(NULL, &groups, ZT_CURVE_P256, x, xl, y, yl, &k2),
      ZT_IMPORT_OK);
  assert_non_null(groups.curve[0]);
  assert_null(groups.curve[1]);
  zt_pubkey_free(k2);
  /* Off the curve, on the wrong curve, too long, the point at (0, 0). */
  y[31] ^= 1;
  assert_int_equal(
      zt_pubkey_ec(NULL, &groups, ZT_CURVE_P256, x, xl, y, yl, &k2),
      ZT_IMPORT_EC_BAD_POINT);
  assert_null(k2);
  y[31] ^= 1;
  assert_int_equal(
      zt_pubkey_ec(NULL, &groups, ZT_CURVE_P384, x, xl, y, yl, &k2),
      ZT_IMPORT_EC_BAD_POINT);
  uint8_t x33[33] = {1};
  memcpy(x33 + 1, x, 32);
  assert_int_equal(
      zt_pubkey_ec(NULL, &groups, ZT_CURVE_P256, x33, 33, y, yl, &k2),
      ZT_IMPORT_EC_BAD_POINT);
  x33[0] = 0; /* a leading zero byte is dropped */
  assert_int_equal(
      zt_pubkey_ec(NULL, &groups, ZT_CURVE_P256, x33, 33, y, yl, &k2),
      ZT_IMPORT_OK);
  zt_pubkey_free(k2);
  assert_int_equal(
      zt_pubkey_ec(NULL, NULL, ZT_CURVE_P256, NULL, 0, NULL, 0, &k2),
      ZT_IMPORT_EC_BAD_POINT);
  assert_int_equal(zt_pubkey_ec(NULL, NULL, ZT_CURVE_NONE, x, xl, y, yl, &k2),
                   ZT_IMPORT_BAD_CURVE);
  zt_pubkey_free(k);
  zt_ec_groups_free(&groups);
  zt_ec_groups_free(&groups); /* idempotent */
  zt_ec_groups_free(NULL);
  free(x);
  free(y);
}

/* ---- HMAC and Ed25519 shapes --------------------------------------------- */

static void test_hmac_key_policy(void **state) {
  (void)state;
  uint8_t key[64], tag[ZT_DIGEST_MAX];
  const char *msg = "eyJhbGciOiJIUzM4NCJ9.e30";
  size_t ml = strlen(msg);
  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (uint8_t)(i * 7 + 1);
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_hmac(NULL, key, 31, &k), ZT_IMPORT_HMAC_TOO_SHORT);
  assert_null(k);
  assert_int_equal(zt_pubkey_hmac(NULL, NULL, 0, &k), ZT_IMPORT_HMAC_TOO_SHORT);
  /* 40 bytes: enough for HS256, too short for HS384 and HS512, which never
   * verify, even with the right tag (RFC 7518 §3.2). */
  assert_int_equal(zt_pubkey_hmac(NULL, key, 40, &k), ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_bits(k), 320);
  assert_true(zt_hmac(ZT_HASH_SHA384, key, 40, msg, ml, tag));
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS384, msg, ml, tag, 48),
                   ZT_VERIFY_BAD);
  assert_false(zt_pubkey_can(k, ZT_ALG_HS384));
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_HS512), 0);
  assert_true(zt_hmac(ZT_HASH_SHA256, key, 40, msg, ml, tag));
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS256, msg, ml, tag, 32),
                   ZT_VERIFY_OK);
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_HS256), 32);
  /* The full tag only: truncated or extended tags fail. */
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS256, msg, ml, tag, 16),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS256, msg, ml, tag, 33),
                   ZT_VERIFY_BAD);
  tag[31] ^= 0x80;
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS256, msg, ml, tag, 32),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_RS256, msg, ml, tag, 32),
                   ZT_VERIFY_BAD);
  zt_pubkey_free(k);
  /* A key longer than the block is hashed first (RFC 2104). */
  uint8_t longkey[200];
  memset(longkey, 0x42, sizeof longkey);
  assert_int_equal(zt_pubkey_hmac(NULL, longkey, sizeof longkey, &k),
                   ZT_IMPORT_OK);
  assert_true(zt_hmac(ZT_HASH_SHA512, longkey, sizeof longkey, msg, ml, tag));
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_HS512, msg, ml, tag, 64),
                   ZT_VERIFY_OK);
  zt_pubkey_free(k);
}

static void test_ed25519_shape(void **state) {
  (void)state;
  uint8_t x[32] = {0}, sig[65] = {0};
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_ed25519(NULL, x, 31, &k),
                   ZT_IMPORT_ED25519_BAD_LENGTH);
  if (!zt_crypto_has_eddsa()) {
    assert_int_equal(zt_pubkey_ed25519(NULL, x, 32, &k), ZT_IMPORT_NO_EDDSA);
    assert_int_equal(zt_pubkey_verify(k, ZT_ALG_EDDSA, "m", 1, sig, 64),
                     ZT_VERIFY_NOT_IMPLEMENTED);
    return;
  }
  assert_int_equal(zt_pubkey_ed25519(NULL, x, 32, &k), ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_EDDSA, "m", 1, sig, 63),
                   ZT_VERIFY_ED25519_WRONG_LENGTH);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_EDDSA, "m", 1, sig, 65),
                   ZT_VERIFY_ED25519_WRONG_LENGTH);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_EDDSA, "m", 1, sig, 64),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_verify(k, ZT_ALG_ES256, "m", 1, sig, 64),
                   ZT_VERIFY_BAD);
  assert_int_equal(zt_pubkey_sig_len(k, ZT_ALG_EDDSA), 64);
  zt_pubkey_free(k);
}

/* ---- SubjectPublicKeyInfo, PEM and certificates -------------------------- */

/* The anchor's key parse cases: the DSA key of PemDsaUnimplimented, and
 * the Ed25519 and RSA keys of the PEM cases (vfile_case_text). */
#define JWKS_PARSE "jwt_verify_lib/jwks_parse.json"

static zt_import_rc pem_rc(const char *pem) {
  zt_pubkey *k = NULL;
  zt_import_rc rc = zt_pubkey_from_pem(NULL, NULL, pem, strlen(pem), &k);
  assert_true(rc == ZT_IMPORT_OK ? k != NULL : k == NULL);
  zt_pubkey_free(k);
  return rc;
}

/* s with every "\n" turned into "\r\n". */
static char *crlf(const char *s) {
  char *out = malloc(2 * strlen(s) + 1), *o = out;
  assert_non_null(out);
  for (; *s; s++) {
    if (*s == '\n')
      *o++ = '\r';
    *o++ = *s;
  }
  *o = '\0';
  return out;
}

static char *replace(const char *s, const char *from, const char *to) {
  const char *at = strstr(s, from);
  assert_non_null(at);
  size_t n = strlen(s) - strlen(from) + strlen(to);
  char *out = malloc(n + 1);
  assert_non_null(out);
  size_t a = (size_t)(at - s);
  memcpy(out, s, a);
  strcpy(out + a, to);
  strcat(out, at + strlen(from));
  return out;
}

static void test_pem(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  char *rsa = vfile_case_text(JWKS_PARSE, "goodPEMRSA");
  char *ec = vfile_case_text(JWKS_PARSE, "goodPEMEC");
  char *ed = vfile_case_text(JWKS_PARSE, "goodPEMEd25519");
  char *dsa = vfile_case_text(JWKS_PARSE, "PemDsaUnimplimented");
  assert_int_equal(pem_rc(rsa), ZT_IMPORT_OK);
  assert_int_equal(pem_rc(ec), ZT_IMPORT_OK);
  assert_int_equal(pem_rc(ed),
                   zt_crypto_has_eddsa() ? ZT_IMPORT_OK : ZT_IMPORT_NO_EDDSA);
  assert_int_equal(pem_rc(dsa), ZT_IMPORT_UNSUPPORTED);
  char *t = crlf(rsa);
  assert_int_equal(pem_rc(t), ZT_IMPORT_OK);
  free(t);
  static const struct {
    const char *from, *to;
  } bad[] = {
      {"PUBLIC KEY-----\nM", "CERTIFICATE KEY-----\nM"},   /* label */
      {"-----END PUBLIC KEY-----\n", ""},                  /* no END */
      {"\n-----BEGIN", "x\n-----BEGIN"},                   /* text before */
      {"-----\n", "-----\nnot base64 \n"},                 /* body */
      {"-----\n", "-----\n\n"},                            /* empty line */
      {"ZQIDAQAB", "ZQIDAQAC"},                            /* DER content */
      {"ZQIDAQAB", "ZQIDAQABAA=="},                        /* trailing DER */
      {"-----\n", "-----\n====\n"},                        /* padding */
      {"END PUBLIC KEY-----\n", "END PUBLIC KEY-----\nx"}, /* after */
  };
  for (size_t i = 0; i < NCASES(bad); i++) {
    t = replace(rsa, bad[i].from, bad[i].to);
    if (pem_rc(t) == ZT_IMPORT_OK)
      fail_msg("case %zu accepted: %s", i, t);
    free(t);
  }
  t = replace(rsa, "ZQIDAQAB", "ZQIDAQAC");
  assert_int_equal(pem_rc(t), ZT_IMPORT_BAD_ENCODING);
  free(t);
  assert_int_equal(pem_rc(""), ZT_IMPORT_BAD_ENCODING);
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_from_pem(NULL, NULL, NULL, 3, &k),
                   ZT_IMPORT_BAD_ARGUMENT);
  assert_int_equal(
      zt_pubkey_from_pem(NULL, NULL, rsa, ZT_PEM_MAX_BYTES + 1, &k),
      ZT_IMPORT_BAD_ENCODING);
  free(rsa);
  free(ec);
  free(ed);
  free(dsa);
}

/* Builds SEQ { SEQ { OID alg [, OID param] }, BIT STRING 00 key }. */
static size_t spki(uint8_t *out, const uint8_t *alg, size_t al,
                   const uint8_t *param, size_t pl, const uint8_t *key,
                   size_t kl) {
  size_t inner = 2 + al + (param ? 2 + pl : 0);
  size_t o = 0;
  out[o++] = 0x30;
  out[o++] = (uint8_t)(2 + inner + 3 + kl);
  out[o++] = 0x30;
  out[o++] = (uint8_t)inner;
  out[o++] = 0x06;
  out[o++] = (uint8_t)al;
  memcpy(out + o, alg, al);
  o += al;
  if (param) {
    out[o++] = 0x06;
    out[o++] = (uint8_t)pl;
    memcpy(out + o, param, pl);
    o += pl;
  }
  out[o++] = 0x03;
  out[o++] = (uint8_t)(kl + 1);
  out[o++] = 0;
  memcpy(out + o, key, kl);
  return o + kl;
}

static zt_import_rc spki_rc(const uint8_t *der, size_t n) {
  zt_pubkey *k = NULL;
  zt_import_rc rc = zt_pubkey_from_spki(NULL, NULL, der, n, &k);
  zt_pubkey_free(k);
  return rc;
}

static void test_spki_reader(void **state) {
  (void)state;
  static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
  static const uint8_t k256[] = {0x2b, 0x81, 0x04, 0x00, 0x0a}; /* secp256k1 */
  static const uint8_t x25519[] = {0x2b, 0x65, 0x6e};
  static const uint8_t ed[] = {0x2b, 0x65, 0x70};
  uint8_t pt[65], key[32], der[160];
  memset(pt, 0x11, sizeof pt);
  pt[0] = 4;
  memset(key, 0x22, sizeof key);
  size_t n = spki(der, ec, sizeof ec, k256, sizeof k256, pt, sizeof pt);
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_BAD_CURVE);
  n = spki(der, ec, sizeof ec, NULL, 0, pt, sizeof pt);
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_BAD_CURVE);
  n = spki(der, x25519, sizeof x25519, NULL, 0, key, 32);
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_UNSUPPORTED);
  n = spki(der, ed, sizeof ed, NULL, 0, key, 32);
  assert_int_equal(spki_rc(der, n),
                   zt_crypto_has_eddsa() ? ZT_IMPORT_OK : ZT_IMPORT_NO_EDDSA);
  /* Ed25519: 32 bytes, no parameters, nothing after the SEQUENCE. */
  n = spki(der, ed, sizeof ed, NULL, 0, key, 31);
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_BAD_ENCODING);
  n = spki(der, ed, sizeof ed, ed, sizeof ed, key, 32);
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_BAD_ENCODING);
  n = spki(der, ed, sizeof ed, NULL, 0, key, 32);
  der[n] = 0;
  assert_int_equal(spki_rc(der, n + 1), ZT_IMPORT_BAD_ENCODING);
  assert_int_equal(spki_rc(der, n - 1), ZT_IMPORT_BAD_ENCODING);
  /* Non-minimal length encoding (0x81 0x2a for 42). */
  uint8_t longform[64] = {0x30, 0x81, 0x2a};
  memcpy(longform + 3, der + 2, n - 2);
  assert_int_equal(spki_rc(longform, n + 1), ZT_IMPORT_BAD_ENCODING);
  /* Unused bits in the BIT STRING. */
  n = spki(der, ed, sizeof ed, NULL, 0, key, 32);
  der[n - 33] = 1;
  assert_int_equal(spki_rc(der, n), ZT_IMPORT_BAD_ENCODING);
  assert_int_equal(spki_rc(der, 0), ZT_IMPORT_BAD_ENCODING);
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_from_spki(NULL, NULL, NULL, 0, &k),
                   ZT_IMPORT_BAD_ARGUMENT);
}

/* The first certificate of the anchor's JwksGoodX509 set, as DER. */
static uint8_t *x509_cert(size_t *len) {
  char *pem = vec_x509_cert_pem();
  char *b64 = malloc(strlen(pem));
  assert_non_null(b64);
  size_t o = 0;
  const char *body = strchr(pem, '\n') + 1, *end = strstr(pem, "\n-----END");
  for (const char *p = body; p < end; p++)
    if (*p != '\n')
      b64[o++] = *p;
  uint8_t *der = malloc(o);
  assert_non_null(der);
  assert_true(zt_b64_decode(b64, o, der, o, len));
  free(b64);
  free(pem);
  return der;
}

static void test_certificate(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  size_t n;
  uint8_t *der = x509_cert(&n);
  zt_pubkey *k = NULL;
  assert_int_equal(zt_pubkey_from_cert(NULL, NULL, der, n, &k), ZT_IMPORT_OK);
  assert_int_equal(zt_pubkey_type(k), ZT_KEY_RSA);
  assert_int_equal(zt_pubkey_bits(k), 2048);
  zt_pubkey_free(k);
  assert_int_equal(zt_pubkey_from_cert(NULL, NULL, der, n - 1, &k),
                   ZT_IMPORT_CERT_BAD);
  der[n / 2] ^= 0xff;
  zt_import_rc rc = zt_pubkey_from_cert(NULL, NULL, der, n, &k);
  assert_true(rc != ZT_IMPORT_OK || zt_pubkey_bits(k) == 2048);
  zt_pubkey_free(k);
  der[n / 2] ^= 0xff;
  der[1] ^= 1; /* the outer length */
  assert_int_equal(zt_pubkey_from_cert(NULL, NULL, der, n, &k),
                   ZT_IMPORT_CERT_BAD);
  /* A public key is not a certificate. */
  assert_int_equal(zt_pubkey_from_cert(NULL, NULL, (const uint8_t *)"0", 1, &k),
                   ZT_IMPORT_CERT_BAD);
  assert_int_equal(zt_pubkey_from_cert(NULL, NULL, NULL, 0, &k),
                   ZT_IMPORT_BAD_ARGUMENT);
  free(der);
}

/* ---- Memory -------------------------------------------------------------- */

typedef zt_import_rc (*importer)(const zt_allocator *mem, zt_pubkey **out);

static zt_import_rc import_hmac(const zt_allocator *mem, zt_pubkey **out) {
  static const uint8_t k[48] = {1, 2, 3};
  return zt_pubkey_hmac(mem, k, sizeof k, out);
}

static zt_import_rc import_ec_pem(const zt_allocator *mem, zt_pubkey **out) {
  static const char pem[] =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYaOv1HVESfIWB6jnkijUTPKvwkFu\n"
      "CQnMe3gk4tp4DhYBSzTl6UXz9iRj15FMlmQpl9fV5nBfZMoUm47EkO7uaQ==\n"
      "-----END PUBLIC KEY-----\n";
  return zt_pubkey_from_pem(mem, NULL, pem, strlen(pem), out);
}

/* Every allocation of an import fails in turn: no leak, no half key. */
static void exhaust(importer fn) {
  for (long k = 1;; k++) {
    test_alloc b = {.fail_at = k};
    zt_allocator mem = test_allocator(&b);
    zt_pubkey *key = NULL;
    zt_import_rc rc = fn(&mem, &key);
    if (rc == ZT_IMPORT_OK) {
      assert_true(k > 1);
      zt_pubkey_free(key);
      assert_int_equal(b.live, 0);
      return;
    }
    assert_int_equal(rc, ZT_IMPORT_NOMEM);
    assert_null(key);
    assert_int_equal(b.live, 0);
  }
}

static void test_out_of_memory(void **state) {
  (void)state;
  exhaust(import_hmac);
  exhaust(import_ec_pem);
}

static void test_import_rc_text(void **state) {
  (void)state;
  assert_string_equal(zt_import_rc_text(ZT_IMPORT_RSA_TOO_SMALL),
                      "RSA modulus shorter than 2048 bits");
  for (int rc = ZT_IMPORT_OK; rc <= ZT_IMPORT_CERT_BAD; rc++)
    assert_true(strlen(zt_import_rc_text((zt_import_rc)rc)) > 0);
  assert_string_equal(zt_import_rc_text((zt_import_rc)99),
                      "unknown import result");
  zt_pubkey_free(NULL);
  assert_int_equal(zt_pubkey_type(NULL), ZT_KEY_NONE);
  assert_int_equal(zt_pubkey_bits(NULL), 0);
  assert_int_equal(zt_pubkey_curve(NULL), ZT_CURVE_NONE);
  assert_false(zt_pubkey_can(NULL, ZT_ALG_RS256));
  assert_int_equal(zt_pubkey_verify(NULL, ZT_ALG_RS256, "m", 1, NULL, 0),
                   ZT_VERIFY_BAD);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_digest),
      cmocka_unit_test(test_hmac),
      cmocka_unit_test(test_wycheproof_es256),
      cmocka_unit_test(test_wycheproof_es384),
      cmocka_unit_test(test_wycheproof_es512),
      cmocka_unit_test(test_wycheproof_rs),
      cmocka_unit_test(test_wycheproof_ps),
      cmocka_unit_test(test_wycheproof_hs),
      cmocka_unit_test(test_wycheproof_eddsa),
      cmocka_unit_test(test_rsa_import_policy),
      cmocka_unit_test(test_rsa_signature_shape),
      cmocka_unit_test(test_ecdsa_signature_shape),
      cmocka_unit_test(test_ec_import),
      cmocka_unit_test(test_hmac_key_policy),
      cmocka_unit_test(test_ed25519_shape),
      cmocka_unit_test(test_pem),
      cmocka_unit_test(test_spki_reader),
      cmocka_unit_test(test_certificate),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_import_rc_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
