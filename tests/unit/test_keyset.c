/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "keyset.h"
#include "test_alloc.h"
#include "test_files.h"
#include "test_vectors.h"

#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

/* ---- Files and JSON ------------------------------------------------------ */

/* The anchor's key parse cases (read with vfile_case_text). */
#define JWKS_PARSE "jwt_verify_lib/jwks_parse.json"

/* The verbatim text of key set name of a verify.json. */
static const char *keyset_text(const vfile *f, const char *name) {
  zt_json_val sets = vec_member(&f->doc, ZT_JSON_ROOT, "keysets");
  return vec_str(&f->doc, vec_member(&f->doc, sets, name), "text", NULL);
}

/* A committed file under tests/data/keys, NUL-terminated. */
static char *key_file(const char *name, size_t *len) {
  const char *root = getenv("ZT_SOURCE_ROOT");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/data/keys/%s", root ? root : ".", name);
  char *p = test_read_file(path, len);
  if (!p)
    fail_msg("cannot read %s", path);
  return p;
}

static char *b64url(const void *p, size_t n) {
  size_t cap = zt_b64url_encoded_len(n) + 1;
  char *s = malloc(cap);
  assert_non_null(s);
  zt_b64url_encode(p, n, s, cap);
  return s;
}

/* A JSON string literal of s (for PEM texts inside JSON). */
static char *json_string(const char *s) {
  char *out = malloc(2 * strlen(s) + 3), *o = out;
  assert_non_null(out);
  *o++ = '"';
  for (; *s; s++) {
    if (*s == '\n') {
      *o++ = '\\';
      *o++ = 'n';
    } else {
      *o++ = *s;
    }
  }
  *o++ = '"';
  *o = '\0';
  return out;
}

/* ---- Tokens -------------------------------------------------------------- */

typedef struct token {
  char *text;       /* header "." payload "." signature */
  size_t input_len; /* header "." payload */
  zt_alg alg;
  char *kid; /* NULL: none */
  size_t kid_len;
  uint8_t *sig;
  size_t sig_len;
} token;

static void token_free(token *t) {
  free(t->text);
  free(t->kid);
  free(t->sig);
  memset(t, 0, sizeof *t);
}

/* Decodes base64url leniently about '=' padding, as the anchor's decoder
 * is: verify.json's x509_no_kid_ok token pads its signature (the token
 * parser is not what this file tests, only the signature). */
static bool decode_lenient(const char *s, size_t n, uint8_t *out, size_t cap,
                           size_t *len) {
  while (n && s[n - 1] == '=')
    n--;
  return zt_b64url_decode(s, n, out, cap, len);
}

/* Splits a compact token and reads alg and kid from its header. */
static void token_parse(token *t, const char *text) {
  memset(t, 0, sizeof *t);
  t->text = strdup(text);
  assert_non_null(t->text);
  char *d1 = strchr(t->text, '.');
  assert_non_null(d1);
  char *d2 = strchr(d1 + 1, '.');
  assert_non_null(d2);
  t->input_len = (size_t)(d2 - t->text);
  size_t hl = (size_t)(d1 - t->text), sl = strlen(d2 + 1), n;
  char *hdr = malloc(zt_b64url_decoded_len(hl) + 1);
  t->sig = malloc(zt_b64url_decoded_len(sl) + 1);
  assert_true(hdr && t->sig);
  assert_true(zt_b64url_decode(t->text, hl, (uint8_t *)hdr, hl, &n));
  assert_true(decode_lenient(d2 + 1, sl, t->sig, sl, &t->sig_len));
  zt_json_doc doc;
  assert_int_equal(zt_json_parse_alloc(&doc, NULL, hdr, n, NULL, NULL), ZT_OK);
  const char *alg = vec_str(&doc, ZT_JSON_ROOT, "alg", &n);
  t->alg = zt_alg_parse(alg, n);
  const char *kid = vec_opt_str(&doc, ZT_JSON_ROOT, "kid", &t->kid_len);
  if (kid)
    t->kid = strndup(kid, t->kid_len);
  zt_json_doc_free(&doc);
  free(hdr);
}

/* The token of case name of a verify.json. */
static const char *case_token(const vfile *f, const char *name) {
  return vec_str(&f->doc, vfile_case(f, name), "token", NULL);
}

/* A token MACed with key under alg (an HS* alg), with kid when non-NULL. */
static void token_hmac(token *t, zt_alg alg, const char *kid, const void *key,
                       size_t kl) {
  char hdr[256], input[512];
  uint8_t tag[ZT_DIGEST_MAX];
  if (kid)
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"kid\":\"%s\"}",
             zt_alg_name(alg), kid);
  else
    snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\"}", zt_alg_name(alg));
  char *h = b64url(hdr, strlen(hdr));
  char *p = b64url("{\"sub\":\"t\"}", 11);
  int n = snprintf(input, sizeof input, "%s.%s", h, p);
  zt_hash_id hash = zt_alg_hash(alg);
  assert_true(zt_hmac(hash, key, kl, input, (size_t)n, tag));
  char *s = b64url(tag, zt_hash_size(hash));
  char text[1024];
  snprintf(text, sizeof text, "%s.%s", input, s);
  token_parse(t, text);
  free(h);
  free(p);
  free(s);
}

static zt_jwt_status verify(const zt_keyset *ks, const token *t) {
  return zt_keyset_verify(ks, t->alg, t->kid, t->kid_len, t->text, t->input_len,
                          t->sig, t->sig_len);
}

static void expect(const zt_keyset *ks, const token *t, zt_jwt_status want,
                   const char *what) {
  zt_jwt_status got = verify(ks, t);
  if (got != want)
    fail_msg("%s: got %s, want %s", what, zt_jwt_status_name(got),
             zt_jwt_status_name(want));
}

/* ---- Loading helpers ----------------------------------------------------- */

/* Imports the JWKS text (single quotes allowed); the set or NULL. */
static zt_keyset *load(const char *json, zt_jwks_result *res) {
  char *s = test_dquote(json);
  zt_keyset *ks = NULL;
  assert_int_equal(zt_keyset_from_jwks(NULL, s, strlen(s), &ks, res), ZT_OK);
  assert_int_equal(ks != NULL, res->status == ZT_JWKS_OK);
  if (ks)
    assert_int_equal(zt_keyset_size(ks), res->valid);
  if (res->status != ZT_JWKS_OK) {
    char tag[80];
    snprintf(tag, sizeof tag, "(%s)", zt_jwt_status_name(res->status));
    assert_non_null(res->why);
    if (!strstr(res->why, tag))
      fail_msg("reason \"%s\" does not name %s", res->why, tag);
  }
  free(s);
  return ks;
}

static zt_jwks_status load_status(const char *json) {
  zt_jwks_result res;
  zt_keyset *ks = load(json, &res);
  zt_keyset_release(ks);
  return res.status;
}

static zt_jwt_status pem_status(const char *pem, zt_alg alg) {
  zt_keyset *ks = NULL;
  zt_jwt_status st;
  assert_int_equal(
      zt_keyset_from_pem(NULL, pem, strlen(pem), NULL, 0, alg, &ks, &st),
      ZT_OK);
  assert_int_equal(ks != NULL, st == ZT_JWT_OK);
  if (ks)
    assert_int_equal(zt_keyset_size(ks), 1);
  zt_keyset_release(ks);
  return st;
}

/* An oct JWK with k = 32 bytes of value v (or klen bytes), kid and alg
 * optional, and extra members. */
static char *oct_jwk(const char *kid, const char *alg, uint8_t v, size_t klen,
                     const char *extra) {
  uint8_t k[128];
  memset(k, v, klen);
  char *k64 = b64url(k, klen);
  char *out = malloc(512);
  assert_non_null(out);
  int n = snprintf(out, 512, "{'kty':'oct','k':'%s'", k64);
  if (kid)
    n += snprintf(out + n, 512 - (size_t)n, ",'kid':'%s'", kid);
  if (alg)
    n += snprintf(out + n, 512 - (size_t)n, ",'alg':'%s'", alg);
  if (extra)
    n += snprintf(out + n, 512 - (size_t)n, ",%s", extra);
  snprintf(out + n, 512 - (size_t)n, "}");
  free(k64);
  return out;
}

/* {'keys':[a, b, ...]} from n JWK texts (which it frees). */
static char *jwks_of(char **keys, size_t n) {
  size_t len = 16;
  for (size_t i = 0; i < n; i++)
    len += strlen(keys[i]) + 1;
  char *out = malloc(len);
  assert_non_null(out);
  strcpy(out, "{'keys':[");
  for (size_t i = 0; i < n; i++) {
    if (i)
      strcat(out, ",");
    strcat(out, keys[i]);
    free(keys[i]);
  }
  strcat(out, "]}");
  return out;
}

static uint8_t key_bytes[128];

static const uint8_t *kb(uint8_t v, size_t n) {
  memset(key_bytes, v, n);
  return key_bytes;
}

/* Imports {'keys':[...]} of n JWK texts (which it frees). */
static zt_keyset *load_keys(char **keys, size_t n, zt_jwks_result *res) {
  char *json = jwks_of(keys, n);
  zt_keyset *ks = load(json, res);
  free(json);
  return ks;
}

/* A token under alg with kid (NULL: none), MACed with kl bytes of value v,
 * gets want from ks. */
static void expect_mac(const zt_keyset *ks, zt_alg alg, const char *kid,
                       uint8_t v, size_t kl, zt_jwt_status want,
                       const char *what) {
  token t;
  token_hmac(&t, alg, kid, kb(v, kl), kl);
  expect(ks, &t, want, what);
  token_free(&t);
}

/* ---- Vectors: jwks_parse.json -------------------------------------------- */

/* Cases where we deliberately report another status than the anchor. */
static const struct {
  const char *name;
  zt_jwks_status ours;
  const char *reason;
} parse_deviations[] = {
    /* x and y end in "11": non-zero trailing bits. Strict base64url fails
     * the key before the point is read (the anchor: JwksEcParseError). */
    {"JwksECWrongXY", ZT_JWKS_EC_X_OR_Y_BAD_BASE64, "strict base64url"},
};

/* In a build without libsodium, Ed25519 keys are refused at import
 * (JwksOKPKeyCrvUnsupported, PEM: JwksPemNotImplementedKty); the set rules
 * then give these statuses and key counts. */
static const struct {
  const char *name;
  zt_jwt_status ours;
  uint32_t keys;
} no_eddsa[] = {
    {"GoodOKP", ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED, 0},
    {"JwksIgnoreUnsupportedKey", ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED, 0},
    {"JwksIgnoreUnsupportedKeyInMiddle", ZT_JWKS_OK, 1},
    {"goodPEMEd25519", ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY, 0},
};

typedef struct parse_tally {
  size_t exact, stripped, differ, pem, no_eddsa;
} parse_tally;

/* Checks a case of the no_eddsa table in such a build. */
static bool no_eddsa_case(const char *name, zt_jwt_status got,
                          const zt_keyset *ks, parse_tally *t) {
  if (zt_crypto_has_eddsa())
    return false;
  for (size_t i = 0; i < NCASES(no_eddsa); i++)
    if (strcmp(no_eddsa[i].name, name) == 0) {
      assert_int_equal(got, no_eddsa[i].ours);
      assert_int_equal(zt_keyset_size(ks), no_eddsa[i].keys);
      t->no_eddsa++;
      return true;
    }
  return false;
}

static bool parse_deviation(const char *name, zt_jwks_status got) {
  for (size_t i = 0; i < NCASES(parse_deviations); i++)
    if (strcmp(parse_deviations[i].name, name) == 0) {
      assert_int_equal(got, parse_deviations[i].ours);
      return true;
    }
  return false;
}

static void expect_named(const char *name, int got, const char *want) {
  if (strcmp(zt_jwt_status_name(got), want) != 0)
    fail_msg("%s: got %s, want %s", name, zt_jwt_status_name(got), want);
}

static zt_alg alg_text(const char *s) {
  return s ? zt_alg_parse(s, strlen(s)) : ZT_ALG_NONE;
}

/* createFromPem(pem, kid, alg) and the addKeyFromPem follow-up, whose
 * expected_return is the status of loading that second PEM alone. */
static void pem_case(const vfile *f, zt_json_val c, const char *name,
                     parse_tally *t) {
  const char *text = vec_str(&f->doc, c, "text", NULL);
  const char *kid = vec_opt_str(&f->doc, c, "pem_kid", NULL);
  zt_alg alg = alg_text(vec_opt_str(&f->doc, c, "pem_alg", NULL));
  zt_keyset *ks = NULL;
  zt_jwt_status st;
  assert_int_equal(zt_keyset_from_pem(NULL, text, strlen(text), kid,
                                      kid ? strlen(kid) : 0, alg, &ks, &st),
                   ZT_OK);
  if (!no_eddsa_case(name, st, ks, t))
    expect_named(name, st, vec_str(&f->doc, c, "expected_status", NULL));
  assert_int_equal(zt_keyset_size(ks), ks ? 1 : 0);
  zt_keyset_release(ks);
  zt_json_val then;
  if (vec_get(&f->doc, c, "then_add_key_from_pem", &then)) {
    text = vec_str(&f->doc, then, "text", NULL);
    kid = vec_str(&f->doc, then, "kid", NULL);
    alg = alg_text(vec_str(&f->doc, then, "alg", NULL));
    assert_int_equal(zt_keyset_from_pem(NULL, text, strlen(text), kid,
                                        strlen(kid), alg, &ks, &st),
                     ZT_OK);
    expect_named(name, st, vec_str(&f->doc, then, "expected_return", NULL));
    zt_keyset_release(ks);
  }
  t->pem++;
}

static void jwks_case(const vfile *f, zt_json_val c, const char *name,
                      parse_tally *t) {
  size_t tl;
  const char *text = vec_str(&f->doc, c, "text", &tl);
  zt_jwks_result res;
  zt_keyset *ks = NULL;
  assert_int_equal(zt_keyset_from_jwks(NULL, text, tl, &ks, &res), ZT_OK);
  zt_json_val v;
  if (vec_get(&f->doc, c, "nonstandard_json", &v)) {
    /* Strict JSON: JwksParseError; the status the case means comes back
     * once the trailing commas are gone. */
    assert_int_equal(res.status, ZT_JWKS_PARSE_ERROR);
    assert_null(ks);
    char *strict = malloc(tl);
    assert_non_null(strict);
    size_t sl = test_strip_trailing_commas(text, tl, strict);
    assert_int_equal(zt_keyset_from_jwks(NULL, strict, sl, &ks, &res), ZT_OK);
    free(strict);
    t->stripped++;
  } else if (parse_deviation(name, res.status)) {
    t->differ++;
    return;
  } else if (no_eddsa_case(name, res.status, ks, t)) {
    zt_keyset_release(ks);
    return;
  } else {
    t->exact++;
  }
  expect_named(name, res.status, vec_str(&f->doc, c, "expected_status", NULL));
  assert_int_equal(ks != NULL, res.status == ZT_JWKS_OK);
  int64_t count;
  if (vec_get(&f->doc, c, "expected_key_count", &v)) {
    assert_int_equal(zt_json_int64(&f->doc, v, &count), ZT_OK);
    assert_int_equal(zt_keyset_size(ks), count);
  }
  assert_int_equal(zt_keyset_size(ks), ks ? res.valid : 0);
  zt_keyset_release(ks);
}

static void test_vectors_jwks_parse(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/jwks_parse.json");
  zt_json_val cases = vec_member(&f.doc, ZT_JSON_ROOT, "cases"), c;
  zt_json_iter it;
  zt_json_iter_init(&it, &f.doc, cases);
  parse_tally t = {0, 0, 0, 0, 0};
  while (zt_json_iter_next(&it, NULL, &c)) {
    const char *name = vec_str(&f.doc, c, "name", NULL);
    if (strcmp(vec_str(&f.doc, c, "format", NULL), "PEM") == 0)
      pem_case(&f, c, name, &t);
    else
      jwks_case(&f, c, name, &t);
  }
  assert_int_equal(zt_json_size(&f.doc, cases), 72);
  /* no_eddsa counts goodPEMEd25519, a PEM case, too. */
  assert_int_equal(t.exact + t.no_eddsa, zt_crypto_has_eddsa() ? 54 : 55);
  assert_int_equal(t.no_eddsa, zt_crypto_has_eddsa() ? 0 : NCASES(no_eddsa));
  assert_int_equal(t.stripped, 7);
  assert_int_equal(t.differ, NCASES(parse_deviations));
  assert_int_equal(t.pem, 10);
  vfile_close(&f);
}

/* ---- Vectors: verify.json ------------------------------------------------ */

/* Cases where our stricter key binding gives another outcome. */
static const struct {
  const char *name;
  zt_jwt_status load; /* ZT_JWT_OK: the set loads */
  zt_jwt_status verify;
  const char *reason;
} verify_deviations[] = {
    /* A PEM key given an alg it cannot do is refused at load; the anchor
     * loads it and reports JwksKidAlgMismatch for every token. */
    {"pem_eddsa_key_alg_rs256_mismatch", ZT_JWKS_OKP_KEY_BAD_ALG, 0,
     "Ed25519 key bound to RS256"},
    {"pem_es256_key_alg_es512_mismatch",
     ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, 0, "P-256 key bound to ES512"},
    /* An ES256 token against a P-384 key without alg: the anchor tries
     * SHA-256 on P-384 (JwtVerificationFail); here the key does not match
     * an algorithm of another curve. */
    {"pem_es256_token_with_p384_key", ZT_JWT_OK, ZT_JWKS_KID_ALG_MISMATCH,
     "ES256 is not P-384's algorithm"},
};

/* The named keyset of verify.json; *st receives the load status. NULL
 * for the NONE format. */
static zt_keyset *verify_keyset(const vfile *f, const char *name,
                                zt_jwt_status *st) {
  zt_json_val sets = vec_member(&f->doc, ZT_JSON_ROOT, "keysets");
  zt_json_val ks = vec_member(&f->doc, sets, name), ov;
  const char *format = vec_str(&f->doc, ks, "format", NULL);
  zt_keyset *set = NULL;
  size_t tl;
  *st = ZT_JWT_OK;
  if (strcmp(format, "NONE") == 0)
    return NULL;
  const char *text = vec_keyset_text(&f->doc, ks, &tl);
  if (strcmp(format, "PEM") == 0) {
    zt_alg alg = ZT_ALG_NONE;
    if (vec_get(&f->doc, ks, "pem_overrides", &ov))
      alg = alg_text(vec_opt_str(&f->doc, ov, "alg", NULL));
    assert_int_equal(zt_keyset_from_pem(NULL, text, tl, NULL, 0, alg, &set, st),
                     ZT_OK);
    return set;
  }
  zt_jwks_result res;
  assert_int_equal(zt_keyset_from_jwks(NULL, text, tl, &set, &res), ZT_OK);
  *st = res.status;
  return set;
}

/* The upstream fuzz helper's mutations: flipped bits and truncations.
 * Every bit for HMAC and EdDSA; every 13th for RSA and every 41st for
 * ECDSA, whose verifications cost 50 us and 1 ms (much more under
 * valgrind). Truncations cost nothing: the length is checked first. */
static void mutations(const vfile *f, zt_json_val c, const zt_keyset *ks,
                      const token *t) {
  zt_json_val m;
  if (!vec_get(&f->doc, c, "signature_mutations", &m))
    return;
  const char *name = vec_str(&f->doc, c, "name", NULL);
  const char *flip = vec_str(&f->doc, m, "signature_bit_flip", NULL);
  const char *cut = vec_str(&f->doc, m, "signature_truncation", NULL);
  token mt = *t;
  uint8_t *sig = malloc(t->sig_len);
  assert_non_null(sig);
  mt.sig = sig;
  zt_alg_family fam = zt_alg_family_of(t->alg);
  size_t stride = fam == ZT_FAMILY_ECDSA                                   ? 41
                  : fam == ZT_FAMILY_RSA_PKCS1 || fam == ZT_FAMILY_RSA_PSS ? 13
                                                                           : 1;
  for (size_t bit = 0; bit < 8 * t->sig_len; bit += stride) {
    memcpy(sig, t->sig, t->sig_len);
    sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    expect_named(name, verify(ks, &mt), flip);
  }
  for (mt.sig_len = 1; mt.sig_len < t->sig_len; mt.sig_len++)
    expect_named(name, verify(ks, &mt), cut);
  free(sig);
}

static bool verify_deviation(const char *name, zt_jwt_status load,
                             const zt_keyset *ks, const token *t) {
  for (size_t i = 0; i < NCASES(verify_deviations); i++) {
    if (strcmp(verify_deviations[i].name, name) != 0)
      continue;
    assert_int_equal(load, verify_deviations[i].load);
    if (ks)
      assert_int_equal(verify(ks, t), verify_deviations[i].verify);
    return true;
  }
  return false;
}

static bool signature_status(const char *s) {
  return strcmp(s, "Ok") == 0 || strcmp(s, "JwtVerificationFail") == 0 ||
         strcmp(s, "JwksKidAlgMismatch") == 0 ||
         strcmp(s, "JwtEd25519SignatureWrongLength") == 0;
}

static void verify_case(const vfile *f, zt_json_val c, size_t *done,
                        size_t *differ) {
  const char *name = vec_str(&f->doc, c, "name", NULL);
  const char *want = vec_str(&f->doc, c, "expected_status", NULL);
  zt_jwt_status load;
  zt_keyset *ks = verify_keyset(f, vec_str(&f->doc, c, "keyset", NULL), &load);
  token t;
  token_parse(&t, vec_str(&f->doc, c, "token", NULL));
  if (verify_deviation(name, load, ks, &t)) {
    (*differ)++;
  } else if (signature_status(want)) {
    assert_int_equal(load, ZT_JWT_OK);
    expect_named(name, verify(ks, &t), want);
    mutations(f, c, ks, &t);
    (*done)++;
  }
  token_free(&t);
  zt_keyset_release(ks);
}

static void test_vectors_verify(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  if (!zt_crypto_has_eddsa())
    return; /* the EdDSA cases need libsodium; see test_no_eddsa */
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  zt_json_val c;
  zt_json_iter it;
  vfile_iter(&it, &f, "cases");
  size_t done = 0, differ = 0;
  while (zt_json_iter_next(&it, NULL, &c))
    verify_case(&f, c, &done, &differ);
  /* 53 cases: one checks the audience before any key (empty set). */
  assert_int_equal(done, 49);
  assert_int_equal(differ, NCASES(verify_deviations));
  vfile_close(&f);
}

/* ---- Key selection ------------------------------------------------------- */

static void test_kid_selection(void **state) {
  (void)state;
  char *keys[] = {oct_jwk("a", NULL, 1, 32, NULL),
                  oct_jwk("b", NULL, 2, 32, NULL)};
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 2, &res);
  assert_int_equal(zt_keyset_size(ks), 2);
  expect_mac(ks, ZT_ALG_HS256, "b", 2, 32, ZT_JWT_OK, "kid b, key b");
  expect_mac(ks, ZT_ALG_HS256, "a", 2, 32, ZT_JWT_VERIFICATION_FAIL,
             "kid a, key b");
  expect_mac(ks, ZT_ALG_HS256, "c", 2, 32, ZT_JWKS_KID_ALG_MISMATCH,
             "unknown kid");
  /* No kid, or an empty one: every key is tried. */
  expect_mac(ks, ZT_ALG_HS256, NULL, 2, 32, ZT_JWT_OK, "no kid");
  token t;
  token_hmac(&t, ZT_ALG_HS256, "", kb(2, 32), 32);
  expect(ks, &t, ZT_JWT_OK, "empty kid");
  assert_int_equal(zt_keyset_verify(ks, t.alg, NULL, 0, t.text, t.input_len,
                                    t.sig, t.sig_len),
                   ZT_JWT_OK);
  token_free(&t);
  /* Kid comparison is exact: no prefix, no case folding. */
  expect_mac(ks, ZT_ALG_HS256, "B", 2, 32, ZT_JWKS_KID_ALG_MISMATCH, "kid B");
  expect_mac(ks, ZT_ALG_HS256, "bb", 2, 32, ZT_JWKS_KID_ALG_MISMATCH, "kid bb");
  zt_keyset_release(ks);
}

static void test_kidless_keys(void **state) {
  (void)state;
  char *keys[] = {oct_jwk("a", NULL, 1, 32, NULL),
                  oct_jwk(NULL, NULL, 2, 32, NULL)};
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 2, &res);
  /* A key without kid is tried for any token kid. */
  expect_mac(ks, ZT_ALG_HS256, "zzz", 2, 32, ZT_JWT_OK,
             "kid-less key, other kid");
  expect_mac(ks, ZT_ALG_HS256, "a", 2, 32, ZT_JWT_OK, "kid a, kid-less key");
  expect_mac(ks, ZT_ALG_HS256, "zzz", 3, 32, ZT_JWT_VERIFICATION_FAIL,
             "kid-less key, wrong MAC");
  zt_keyset_release(ks);
}

static void test_alg_binding(void **state) {
  (void)state;
  char *keys[] = {oct_jwk("k", "HS384", 1, 64, NULL),
                  oct_jwk("m", NULL, 2, 64, NULL)};
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 2, &res);
  expect_mac(ks, ZT_ALG_HS384, "k", 1, 64, ZT_JWT_OK, "HS384 key, HS384 token");
  /* The key's alg binds it: an HS256 or HS512 token with the same secret
   * does not match it. */
  expect_mac(ks, ZT_ALG_HS256, "k", 1, 64, ZT_JWKS_KID_ALG_MISMATCH,
             "HS384 key, HS256 token");
  expect_mac(ks, ZT_ALG_HS512, NULL, 1, 64, ZT_JWT_VERIFICATION_FAIL,
             "HS384 key, HS512, kid-less");
  /* Without alg, a key serves every HS algorithm it is long enough for. */
  for (zt_alg a = ZT_ALG_HS256; a <= ZT_ALG_HS512; a++)
    expect_mac(ks, a, "m", 2, 64, ZT_JWT_OK, zt_alg_name(a));
  zt_keyset_release(ks);
}

/* A key type never matches another family, where the anchor would try
 * it and report JwtVerificationFail. */
static void test_family_mismatch(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  zt_jwt_status st;
  zt_keyset *rsa = verify_keyset(&f, "rsa_jwks_no_alg", &st);
  zt_keyset *ec = verify_keyset(&f, "pem_es384", &st);
  char *keys[] = {oct_jwk(NULL, NULL, 1, 64, NULL)};
  zt_jwks_result res;
  zt_keyset *oct = load_keys(keys, 1, &res);
  token t;
  token_parse(&t, case_token(&f, "rsa_no_kid_ok"));
  expect(rsa, &t, ZT_JWT_OK, "RS256 token, RSA key");
  expect(oct, &t, ZT_JWKS_KID_ALG_MISMATCH, "RS256 token, oct key");
  expect(ec, &t, ZT_JWKS_KID_ALG_MISMATCH, "RS256 token, EC key");
  t.alg = ZT_ALG_PS256; /* same bytes, PSS: RSA keys match, do not verify */
  expect(rsa, &t, ZT_JWT_VERIFICATION_FAIL, "PS256 over an RS256 signature");
  t.alg = ZT_ALG_ES384;
  expect(rsa, &t, ZT_JWKS_KID_ALG_MISMATCH, "ES384 token, RSA key");
  expect(ec, &t, ZT_JWT_VERIFICATION_FAIL, "ES384 token, P-384 key");
  token_free(&t);
  zt_keyset_release(rsa);
  zt_keyset_release(ec);
  zt_keyset_release(oct);
  vfile_close(&f);
}

/* HS/RS confusion (CVE-2016-10555 family): an HS256 token MACed with the
 * RSA public key in any spelling must never verify. */
static void test_hs_rs_confusion(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  zt_jwt_status st;
  zt_keyset *jwk = verify_keyset(&f, "rsa_jwks_no_alg", &st);
  zt_keyset *pem = verify_keyset(&f, "pem_rsa", &st);
  const char *jwks_text = keyset_text(&f, "rsa_jwks_no_alg");
  const char *pem_text = keyset_text(&f, "pem_rsa");
  /* n of the first key, raw. */
  zt_json_doc doc;
  assert_int_equal(
      zt_json_parse_alloc(&doc, NULL, jwks_text, strlen(jwks_text), NULL, NULL),
      ZT_OK);
  zt_json_val k0;
  zt_json_iter it;
  zt_json_iter_init(&it, &doc, vec_member(&doc, ZT_JSON_ROOT, "keys"));
  assert_true(zt_json_iter_next(&it, NULL, &k0));
  size_t nl;
  const char *n64 = vec_str(&doc, k0, "n", &nl);
  uint8_t n[600];
  size_t n_len;
  assert_true(zt_b64url_decode(n64, nl, n, sizeof n, &n_len));
  const struct {
    const void *p;
    size_t len;
  } secrets[] = {{n, n_len},
                 {n64, nl},
                 {jwks_text, strlen(jwks_text)},
                 {pem_text, strlen(pem_text)}};
  for (size_t i = 0; i < NCASES(secrets); i++) {
    for (zt_alg a = ZT_ALG_HS256; a <= ZT_ALG_HS512; a++) {
      token t;
      token_hmac(&t, a, NULL, secrets[i].p, secrets[i].len);
      expect(jwk, &t, ZT_JWKS_KID_ALG_MISMATCH, "HMAC with JWK material");
      expect(pem, &t, ZT_JWKS_KID_ALG_MISMATCH, "HMAC with PEM material");
      token_free(&t);
    }
  }
  zt_json_doc_free(&doc);
  zt_keyset_release(jwk);
  zt_keyset_release(pem);
  vfile_close(&f);
}

/* At most ZT_KEYSET_MAX_ATTEMPTS verifications per token. */
static void test_attempt_cap(void **state) {
  (void)state;
  char *keys[6];
  for (size_t i = 0; i < 6; i++)
    keys[i] = oct_jwk(NULL, NULL, (uint8_t)(i + 1), 32, NULL);
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 6, &res);
  assert_int_equal(zt_keyset_size(ks), 6);
  for (size_t i = 0; i < 6; i++)
    expect_mac(ks, ZT_ALG_HS256, NULL, (uint8_t)(i + 1), 32,
               i < ZT_KEYSET_MAX_ATTEMPTS ? ZT_JWT_OK
                                          : ZT_JWT_VERIFICATION_FAIL,
               "kid-less key by position");
  zt_keyset_release(ks);
  /* Keys that cannot take the signature cost no attempt: four 32-byte
   * keys cannot do HS512 (not matched), four 64-byte HS512 keys take
   * 64-byte tags only, so an HS256 tag reaches the fifth key. */
  char *mixed[9];
  for (size_t i = 0; i < 4; i++)
    mixed[i] = oct_jwk(NULL, NULL, (uint8_t)(i + 1), 32, NULL);
  for (size_t i = 4; i < 8; i++)
    mixed[i] = oct_jwk(NULL, "HS512", (uint8_t)(i + 1), 64, NULL);
  mixed[8] = oct_jwk(NULL, NULL, 9, 64, NULL);
  ks = load_keys(mixed, 9, &res);
  token t;
  token_hmac(&t, ZT_ALG_HS512, NULL, kb(9, 64), 64);
  assert_int_equal(verify(ks, &t), ZT_JWT_VERIFICATION_FAIL); /* 5th HS512 */
  token_free(&t);
  expect_mac(ks, ZT_ALG_HS384, NULL, 9, 64, ZT_JWT_OK,
             "HS384 reaches the only long enough key");
  zt_keyset_release(ks);
}

/* Signature lengths that cannot fit do not use up attempts: four RSA-3072
 * keys, then the RSA-2048 key of an RS256 token without kid. */
static void test_attempts_skip_lengths(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile w, f;
  vfile_open(&w, "wycheproof/jwa_primitives_v1/"
                 "rsa_signature_3072_sha256_test.json");
  vfile_open(&f, "jwt_verify_lib/verify.json");
  zt_json_val g;
  zt_json_iter it;
  vfile_iter(&it, &w, "testGroups");
  assert_true(zt_json_iter_next(&it, NULL, &g));
  const char *n3072 =
      vec_str(&w.doc, vec_member(&w.doc, g, "keyJwk"), "n", NULL);
  const char *rsa = keyset_text(&f, "rsa_jwks_no_kid");
  const char *keys = strchr(rsa, '[') + 1;
  size_t cap = 5 * strlen(n3072) + strlen(rsa) + 256, o = 0;
  char *json = malloc(cap);
  assert_non_null(json);
  o += (size_t)snprintf(json, cap, "{\"keys\":[");
  for (int i = 0; i < 4; i++)
    o += (size_t)snprintf(json + o, cap - o,
                          "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"},",
                          n3072);
  o += (size_t)snprintf(json + o, cap - o, "%s", keys);
  /* keys ends with "]}" plus whitespace, closing our array and object. */
  zt_jwks_result res;
  zt_keyset *ks = NULL;
  assert_int_equal(zt_keyset_from_jwks(NULL, json, o, &ks, &res), ZT_OK);
  assert_int_equal(res.status, ZT_JWKS_OK);
  assert_int_equal(zt_keyset_size(ks), 6);
  token t;
  token_parse(&t, case_token(&f, "rsa_no_kid_ok"));
  expect(ks, &t, ZT_JWT_OK, "RS256 after four RSA-3072 keys");
  token_free(&t);
  zt_keyset_release(ks);
  free(json);
  vfile_close(&w);
  vfile_close(&f);
}

/* use / key_ops: keys not meant for signatures load but never match. */
static void test_use_and_key_ops(void **state) {
  (void)state;
  static const struct {
    const char *extra;
    zt_jwt_status want;
  } t[] = {
      {NULL, ZT_JWT_OK},
      {"'use':'sig'", ZT_JWT_OK},
      {"'use':'jwt-svid'", ZT_JWT_OK},
      {"'key_ops':['verify']", ZT_JWT_OK},
      {"'key_ops':['sign','verify']", ZT_JWT_OK},
      {"'use':'sig','key_ops':['verify']", ZT_JWT_OK},
      {"'use':'enc'", ZT_JWKS_KID_ALG_MISMATCH},
      {"'use':'x509-svid'", ZT_JWKS_KID_ALG_MISMATCH},
      {"'use':'Sig'", ZT_JWKS_KID_ALG_MISMATCH},
      {"'use':7", ZT_JWKS_KID_ALG_MISMATCH},
      {"'key_ops':['encrypt']", ZT_JWKS_KID_ALG_MISMATCH},
      {"'key_ops':[]", ZT_JWKS_KID_ALG_MISMATCH},
      {"'key_ops':'verify'", ZT_JWKS_KID_ALG_MISMATCH},
      {"'use':'enc','key_ops':['verify']", ZT_JWKS_KID_ALG_MISMATCH},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    char *keys[] = {oct_jwk("k", NULL, 1, 32, t[i].extra)};
    zt_jwks_result res;
    zt_keyset *ks = load_keys(keys, 1, &res);
    assert_int_equal(res.status, ZT_JWKS_OK); /* loads, as in the anchor */
    expect_mac(ks, ZT_ALG_HS256, "k", 1, 32, t[i].want,
               t[i].extra ? t[i].extra : "none");
    zt_keyset_release(ks);
  }
}

/* ---- Import policy ------------------------------------------------------- */

static void test_weak_keys(void **state) {
  (void)state;
  size_t n;
  char *rsa1024 = key_file("rsa1024.jwks.json", &n);
  zt_jwks_result res;
  zt_keyset *ks = load(rsa1024, &res);
  assert_null(ks);
  assert_int_equal(res.status, ZT_JWKS_RSA_PARSE_ERROR);
  assert_non_null(strstr(res.why, "2048 bits"));
  /* One weak key among good ones is skipped, as any failing key. */
  char *good = oct_jwk("g", NULL, 1, 32, NULL);
  char *body = strstr(rsa1024, "[") + 1;
  char *both = malloc(strlen(rsa1024) + strlen(good) + 8);
  assert_non_null(both);
  sprintf(both, "{'keys':[%s,%s", good, body);
  ks = load(both, &res);
  assert_int_equal(res.status, ZT_JWKS_OK);
  assert_int_equal(res.failed, 1);
  assert_int_equal(zt_keyset_size(ks), 1);
  zt_keyset_release(ks);
  free(both);
  free(good);
  free(rsa1024);
  /* HMAC keys: shorter than 32 bytes, or than their alg's hash. */
  char *k = oct_jwk(NULL, NULL, 1, 31, NULL);
  char *keys1[] = {k};
  char *json = jwks_of(keys1, 1);
  assert_int_equal(load_status(json), ZT_JWKS_HMAC_KEY_BAD_K);
  free(json);
  char *keys2[] = {oct_jwk(NULL, "HS512", 1, 63, NULL)};
  json = jwks_of(keys2, 1);
  assert_int_equal(load_status(json), ZT_JWKS_HMAC_KEY_BAD_K);
  free(json);
  char *keys3[] = {oct_jwk(NULL, "HS384", 1, 48, NULL)};
  json = jwks_of(keys3, 1);
  assert_int_equal(load_status(json), ZT_JWKS_OK);
  free(json);
  /* An EC point off the curve (the anchor's GoodEC key, y changed), and an
   * RSA alg the anchor's prefix test lets through. */
  assert_int_equal(
      load_status("{'keys':[{'kty':'EC','crv':'P-256','x':'"
                  "EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k','y':'"
                  "92bCBTvMFQ8lKbS2MbgjT3YfmYo6HnPEE2tsAqWUJw4'}]}"),
      ZT_JWKS_EC_PARSE_ERROR);
  assert_int_equal(
      load_status("{'keys':[{'kty':'EC','crv':'P-256','x':'"
                  "EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k','y':'"
                  "92bCBTvMFQ8lKbS2MbgjT3YfmYo6HnPEE2tsAqWUJw8'}]}"),
      ZT_JWKS_OK);
  assert_int_equal(load_status("{'keys':[{'kty':'OKP','crv':'Ed25519','x':'"
                               "EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k'"
                               "}]}"),
                   zt_crypto_has_eddsa() ? ZT_JWKS_OK
                                         : ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED);
}

static void test_rsa_alg_names(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  const char *text = keyset_text(&f, "rsa_jwks");
  static const struct {
    const char *alg;
    zt_jwks_status want;
  } t[] = {{"RS256", ZT_JWKS_OK},
           {"PS512", ZT_JWKS_OK},
           {"RSx", ZT_JWKS_RSA_KEY_BAD_ALG},
           {"RS", ZT_JWKS_RSA_KEY_BAD_ALG},
           {"PS1024", ZT_JWKS_RSA_KEY_BAD_ALG}};
  for (size_t i = 0; i < NCASES(t); i++) {
    /* Every "alg":"RS256" of the set replaced. */
    char *s = strdup(text), *p;
    assert_non_null(s);
    char *out = malloc(strlen(s) + 64 * 2);
    assert_non_null(out);
    out[0] = '\0';
    char *cur = s;
    while ((p = strstr(cur, "\"RS256\"")) != NULL) {
      strncat(out, cur, (size_t)(p - cur));
      strcat(out, "\"");
      strcat(out, t[i].alg);
      strcat(out, "\"");
      cur = p + 7;
    }
    strcat(out, cur);
    zt_jwks_result res;
    zt_keyset *ks = NULL;
    assert_int_equal(zt_keyset_from_jwks(NULL, out, strlen(out), &ks, &res),
                     ZT_OK);
    assert_int_equal(res.status, t[i].want);
    zt_keyset_release(ks);
    free(out);
    free(s);
  }
  vfile_close(&f);
}

/* ---- PEM ----------------------------------------------------------------- */

static void test_pem_import(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  char *rsa = vfile_case_text(JWKS_PARSE, "goodPEMRSA");
  char *ec = vfile_case_text(JWKS_PARSE, "goodPEMEC");
  char *ed = vfile_case_text(JWKS_PARSE, "goodPEMEd25519");
  assert_int_equal(pem_status(rsa, ZT_ALG_NONE), ZT_JWT_OK);
  assert_int_equal(pem_status(rsa, ZT_ALG_PS384), ZT_JWT_OK);
  assert_int_equal(pem_status(rsa, ZT_ALG_ES256), ZT_JWKS_RSA_KEY_BAD_ALG);
  assert_int_equal(pem_status(rsa, ZT_ALG_HS256), ZT_JWKS_RSA_KEY_BAD_ALG);
  assert_int_equal(pem_status(ec, ZT_ALG_ES256), ZT_JWT_OK);
  assert_int_equal(pem_status(ec, ZT_ALG_ES384),
                   ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV);
  assert_int_equal(pem_status(ec, ZT_ALG_RS256), ZT_JWKS_EC_KEY_BAD_ALG);
  if (zt_crypto_has_eddsa()) {
    assert_int_equal(pem_status(ed, ZT_ALG_EDDSA), ZT_JWT_OK);
    assert_int_equal(pem_status(ed, ZT_ALG_RS256), ZT_JWKS_OKP_KEY_BAD_ALG);
  } else {
    assert_int_equal(pem_status(ed, ZT_ALG_NONE),
                     ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY);
  }
  static const struct {
    const char *file;
    zt_jwt_status want;
  } files[] = {
      {"rsa1024_pub.pem", ZT_JWKS_RSA_PARSE_ERROR},
      {"x25519_pub.pem", ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY},
      {"ed448_pub.pem", ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY},
      {"secp256k1_pub.pem", ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY},
      {"ec256_cert.pem", ZT_JWKS_PEM_BAD_BASE64}, /* not a PUBLIC KEY */
  };
  for (size_t i = 0; i < NCASES(files); i++) {
    size_t n;
    char *pem = key_file(files[i].file, &n);
    assert_int_equal(pem_status(pem, ZT_ALG_NONE), files[i].want);
    free(pem);
  }
  assert_int_equal(pem_status("", ZT_ALG_NONE), ZT_JWKS_PEM_BAD_BASE64);
  /* Arguments. */
  zt_keyset *ks = NULL;
  zt_jwt_status st = ZT_JWT_OK;
  assert_int_equal(
      zt_keyset_from_pem(NULL, NULL, 2, NULL, 0, ZT_ALG_NONE, &ks, &st),
      ZT_EINVAL);
  assert_int_equal(st, ZT_JWKS_PEM_BAD_BASE64);
  assert_int_equal(zt_keyset_from_pem(NULL, rsa, strlen(rsa), NULL, 3,
                                      ZT_ALG_NONE, &ks, &st),
                   ZT_EINVAL);
  assert_int_equal(zt_keyset_from_pem(NULL, rsa, strlen(rsa), NULL, 0,
                                      ZT_ALG_COUNT, &ks, &st),
                   ZT_EINVAL);
  assert_int_equal(zt_keyset_from_pem(NULL, rsa, strlen(rsa), NULL, 0,
                                      ZT_ALG_NONE, NULL, &st),
                   ZT_EINVAL);
  assert_int_equal(zt_keyset_from_pem(NULL, rsa, strlen(rsa), NULL, 0,
                                      ZT_ALG_NONE, &ks, NULL),
                   ZT_EINVAL);
  assert_null(ks);
  free(rsa);
  free(ec);
  free(ed);
}

/* The kid given to a PEM key selects it like a JWK's. */
static void test_pem_kid(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  const char *pem = keyset_text(&f, "pem_rsa");
  zt_keyset *ks = NULL;
  zt_jwt_status st;
  assert_int_equal(zt_keyset_from_pem(NULL, pem, strlen(pem), "kid1", 4,
                                      ZT_ALG_RS256, &ks, &st),
                   ZT_OK);
  assert_int_equal(st, ZT_JWT_OK);
  token t;
  token_parse(&t, case_token(&f, "pem_rs256_ok"));
  expect(ks, &t, ZT_JWT_OK, "no kid");
  assert_int_equal(zt_keyset_verify(ks, t.alg, "kid1", 4, t.text, t.input_len,
                                    t.sig, t.sig_len),
                   ZT_JWT_OK);
  assert_int_equal(zt_keyset_verify(ks, t.alg, "kid2", 4, t.text, t.input_len,
                                    t.sig, t.sig_len),
                   ZT_JWKS_KID_ALG_MISMATCH);
  /* The key is bound to RS256. */
  assert_int_equal(zt_keyset_verify(ks, ZT_ALG_RS384, NULL, 0, t.text,
                                    t.input_len, t.sig, t.sig_len),
                   ZT_JWKS_KID_ALG_MISMATCH);
  token_free(&t);
  zt_keyset_release(ks);
  vfile_close(&f);
}

/* ---- The x509 map -------------------------------------------------------- */

/* {"k1": <cert a>, "k2": <cert b>} from PEM texts (b may be NULL). */
static char *x509_map(const char *a, const char *b) {
  char *ja = json_string(a), *jb = b ? json_string(b) : NULL;
  size_t cap = strlen(ja) + (jb ? strlen(jb) : 0) + 32;
  char *out = malloc(cap);
  assert_non_null(out);
  if (jb)
    snprintf(out, cap, "{\"k1\":%s,\"k2\":%s}", ja, jb);
  else
    snprintf(out, cap, "{\"k1\":%s}", ja);
  free(ja);
  free(jb);
  return out;
}

static zt_jwks_status map_status(const char *map, uint32_t *size) {
  zt_jwks_result res;
  zt_keyset *ks = NULL;
  assert_int_equal(zt_keyset_from_jwks(NULL, map, strlen(map), &ks, &res),
                   ZT_OK);
  *size = zt_keyset_size(ks);
  zt_keyset_release(ks);
  return res.status;
}

static void test_x509_map(void **state) {
  (void)state;
  size_t n;
  char *ec = key_file("ec256_cert.pem", &n);
  char *weak = key_file("rsa1024_cert.pem", &n);
  uint32_t size;
  char *m = x509_map(ec, NULL);
  assert_int_equal(map_status(m, &size), ZT_JWKS_X509_GET_PUBKEY_ERROR);
  free(m);
  m = x509_map(weak, NULL);
  assert_int_equal(map_status(m, &size), ZT_JWKS_RSA_PARSE_ERROR);
  free(m);
  if (test_vectors_present()) {
    vfile f;
    vfile_open(&f, "jwt_verify_lib/verify.json");
    zt_jwt_status st;
    zt_keyset *ks = verify_keyset(&f, "x509_google_sa", &st);
    assert_int_equal(st, ZT_JWT_OK);
    assert_int_equal(zt_keyset_size(ks), 5);
    token t;
    token_parse(&t, case_token(&f, "x509_real_token_ok"));
    expect(ks, &t, ZT_JWT_OK, "x509 map kid");
    assert_int_equal(zt_keyset_verify(ks, t.alg, "nope", 4, t.text, t.input_len,
                                      t.sig, t.sig_len),
                     ZT_JWKS_KID_ALG_MISMATCH);
    token_free(&t);
    zt_keyset_release(ks);
    /* One refused certificate fails the whole map, as in the anchor. */
    char *cert = vec_x509_cert_pem();
    m = x509_map(cert, NULL);
    assert_int_equal(map_status(m, &size), ZT_JWKS_OK);
    assert_int_equal(size, 1);
    free(m);
    m = x509_map(cert, ec);
    assert_int_equal(map_status(m, &size), ZT_JWKS_X509_GET_PUBKEY_ERROR);
    assert_int_equal(size, 0);
    free(m);
    free(cert);
    vfile_close(&f);
  }
  free(ec);
  free(weak);
}

/* ---- Life cycle, memory, threads ----------------------------------------- */

static void test_refcount(void **state) {
  (void)state;
  char *keys[] = {oct_jwk("a", NULL, 1, 32, NULL)};
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 1, &res);
  assert_ptr_equal(zt_keyset_retain(ks), ks);
  assert_ptr_equal(zt_keyset_retain(ks), ks);
  zt_keyset_release(ks);
  zt_keyset_release(ks);
  /* One reference left. */
  expect_mac(ks, ZT_ALG_HS256, "a", 1, 32, ZT_JWT_OK, "still held");
  zt_keyset_release(ks); /* valgrind: freed here, nothing leaks */
  assert_null(zt_keyset_retain(NULL));
  zt_keyset_release(NULL);
  assert_int_equal(zt_keyset_size(NULL), 0);
}

static void test_arguments(void **state) {
  (void)state;
  zt_jwks_result res;
  zt_keyset *ks = (zt_keyset *)&res;
  assert_int_equal(zt_keyset_from_jwks(NULL, "{}", 2, NULL, &res), ZT_EINVAL);
  assert_int_equal(res.status, ZT_JWKS_PARSE_ERROR);
  assert_int_equal(zt_keyset_from_jwks(NULL, "{}", 2, &ks, NULL), ZT_EINVAL);
  assert_null(ks);
  assert_int_equal(zt_keyset_from_jwks(NULL, NULL, 2, &ks, &res), ZT_EINVAL);
  assert_int_equal(zt_keyset_from_jwks(NULL, "[]", 2, &ks, &res), ZT_OK);
  assert_int_equal(res.status, ZT_JWKS_PARSE_ERROR);
  char *big = malloc(ZT_JWKS_MAX_BYTES + 1);
  assert_non_null(big);
  memset(big, ' ', ZT_JWKS_MAX_BYTES + 1);
  big[0] = '{';
  big[1] = '}';
  assert_int_equal(
      zt_keyset_from_jwks(NULL, big, ZT_JWKS_MAX_BYTES + 1, &ks, &res),
      ZT_ELIMIT);
  assert_null(ks);
  free(big);

  char *keys[] = {oct_jwk("a", NULL, 1, 32, NULL)};
  ks = load_keys(keys, 1, &res);
  token t;
  token_hmac(&t, ZT_ALG_HS256, "a", kb(1, 32), 32);
  assert_int_equal(zt_keyset_verify(ks, ZT_ALG_NONE, NULL, 0, t.text,
                                    t.input_len, t.sig, t.sig_len),
                   ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
  assert_int_equal(zt_keyset_verify(ks, ZT_ALG_COUNT, NULL, 0, t.text,
                                    t.input_len, t.sig, t.sig_len),
                   ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
  assert_int_equal(zt_keyset_verify(NULL, t.alg, NULL, 0, t.text, t.input_len,
                                    t.sig, t.sig_len),
                   ZT_JWKS_KID_ALG_MISMATCH);
  assert_int_equal(
      zt_keyset_verify(ks, t.alg, NULL, 0, NULL, t.input_len, t.sig, t.sig_len),
      ZT_JWT_VERIFICATION_FAIL);
  assert_int_equal(zt_keyset_verify(ks, t.alg, NULL, 0, t.text, t.input_len,
                                    NULL, t.sig_len),
                   ZT_JWT_VERIFICATION_FAIL);
  assert_int_equal(zt_keyset_verify(ks, t.alg, NULL, 5, t.text, t.input_len,
                                    t.sig, t.sig_len),
                   ZT_JWT_OK); /* a NULL kid is none, whatever its length */
  /* The signing input is exactly header "." payload. */
  assert_int_equal(zt_keyset_verify(ks, t.alg, NULL, 0, t.text, t.input_len + 1,
                                    t.sig, t.sig_len),
                   ZT_JWT_VERIFICATION_FAIL);
  token_free(&t);
  zt_keyset_release(ks);
}

/* EdDSA without libsodium (only runs in such builds). */
static void test_no_eddsa(void **state) {
  (void)state;
  if (zt_crypto_has_eddsa())
    return; /* see test_ed25519_length */
  uint8_t sig[64] = {0};
  char *keys[] = {oct_jwk("a", NULL, 1, 32, NULL)};
  zt_jwks_result res;
  zt_keyset *ks = load_keys(keys, 1, &res);
  assert_int_equal(
      zt_keyset_verify(ks, ZT_ALG_EDDSA, NULL, 0, "a.b", 3, sig, sizeof sig),
      ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG);
  zt_keyset_release(ks);
}

static void test_ed25519_length(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  if (!zt_crypto_has_eddsa())
    return; /* see test_no_eddsa */
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  zt_jwt_status st;
  zt_keyset *ks = verify_keyset(&f, "okp_jwks_no_kid", &st);
  token t;
  token_parse(&t, case_token(&f, "eddsa_no_kid_ok"));
  expect(ks, &t, ZT_JWT_OK, "EdDSA");
  t.sig_len = 63; /* the anchor stops at the first OKP key */
  expect(ks, &t, ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH, "63 bytes");
  t.sig_len = 0;
  expect(ks, &t, ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH, "empty");
  token_free(&t);
  zt_keyset_release(ks);
  vfile_close(&f);
}

/* Every allocation of an import fails in turn: ZT_ENOMEM, nothing leaks,
 * and verification never allocates through the set's allocator. */
static void exhaust_jwks(const char *json) {
  for (long k = 1;; k++) {
    test_alloc b = {.fail_at = k};
    zt_allocator mem = test_allocator(&b);
    zt_jwks_result res;
    zt_keyset *ks = NULL;
    int rc = zt_keyset_from_jwks(&mem, json, strlen(json), &ks, &res);
    if (rc == ZT_OK) {
      assert_int_equal(res.status, ZT_JWKS_OK);
      assert_true(k > 2);
      long calls = b.calls;
      token t;
      token_hmac(&t, ZT_ALG_HS256, NULL, kb(1, 32), 32);
      uint8_t sig64[64];
      memset(sig64, 0x42, sizeof sig64);
      (void)verify(ks, &t);
      (void)zt_keyset_verify(ks, ZT_ALG_ES256, NULL, 0, t.text, t.input_len,
                             sig64, sizeof sig64);
      token_free(&t);
      assert_int_equal(b.calls, calls);
      zt_keyset_release(ks);
      assert_int_equal(b.live, 0);
      return;
    }
    assert_int_equal(rc, ZT_ENOMEM);
    assert_null(ks);
    assert_int_equal(res.status, ZT_JWKS_PARSE_ERROR);
    assert_int_equal(b.live, 0);
  }
}

static void exhaust_pem(const char *pem) {
  for (long k = 1;; k++) {
    test_alloc b = {.fail_at = k};
    zt_allocator mem = test_allocator(&b);
    zt_jwt_status st;
    zt_keyset *ks = NULL;
    int rc = zt_keyset_from_pem(&mem, pem, strlen(pem), "kid", 3, ZT_ALG_NONE,
                                &ks, &st);
    if (rc == ZT_OK) {
      assert_int_equal(st, ZT_JWT_OK);
      zt_keyset_release(ks);
      assert_int_equal(b.live, 0);
      return;
    }
    assert_int_equal(rc, ZT_ENOMEM);
    assert_int_equal(st, ZT_JWKS_BIO_ALLOC_ERROR);
    assert_null(ks);
    assert_int_equal(b.live, 0);
  }
}

static void test_out_of_memory(void **state) {
  (void)state;
  char *keys[] = {
      oct_jwk("a", NULL, 1, 32, NULL),
      strdup("{'kid':'e','kty':'EC','x':'"
             "EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k','y':'"
             "92bCBTvMFQ8lKbS2MbgjT3YfmYo6HnPEE2tsAqWUJw8'}"),
      strdup("{'kty':'EC','x':'EB54wykhS7YJFD6RYJNnwbWEz3cI7CF5bCDTXlrwI5k',"
             "'y':'92bCBTvMFQ8lKbS2MbgjT3YfmYo6HnPEE2tsAqWUJw8'}"),
  };
  char *json = jwks_of(keys, 3);
  char *s = test_dquote(json);
  exhaust_jwks(s);
  free(s);
  free(json);
  if (test_vectors_present()) {
    char *pem = vfile_case_text(JWKS_PARSE, "goodPEMEC");
    exhaust_pem(pem);
    free(pem);
    vfile f;
    vfile_open(&f, "jwt_verify_lib/verify.json");
    exhaust_jwks(keyset_text(&f, "x509_esp"));
    exhaust_jwks(keyset_text(&f, "rsa_jwks"));
    vfile_close(&f);
  }
}

typedef struct work {
  const zt_keyset *ks;
  const token *t;
  int rounds;
  int ok;
} work;

static void *worker(void *arg) {
  work *w = arg;
  for (int i = 0; i < w->rounds; i++)
    w->ok += verify(w->ks, w->t) == ZT_JWT_OK;
  return NULL;
}

/* Threads verify against the same sets at once, no lock: every
 * verification succeeds (run under TSan/helgrind to see races). */
static void test_threads(void **state) {
  (void)state;
  if (!test_vectors_present())
    skip();
  vfile f;
  vfile_open(&f, "jwt_verify_lib/verify.json");
  static const struct {
    const char *set, *token;
    int rounds;
  } jobs[] = {{"rsa_jwks", "rsa_correct_kid_ok", 20},
              {"ec_jwks", "ec_es256_kid_ok", 2},
              {"hmac_jwks", "hs256_correct_kid_ok", 50},
              {"pss_keycloak_jwks", "ps256_correct_kid_ok", 10}};
  zt_keyset *ks[NCASES(jobs)];
  token t[NCASES(jobs)];
  for (size_t i = 0; i < NCASES(jobs); i++) {
    zt_jwt_status st;
    ks[i] = verify_keyset(&f, jobs[i].set, &st);
    assert_non_null(ks[i]);
    token_parse(&t[i], case_token(&f, jobs[i].token));
  }
  enum { THREADS = 4 };
  pthread_t th[THREADS][NCASES(jobs)];
  work w[THREADS][NCASES(jobs)];
  for (int k = 0; k < THREADS; k++)
    for (size_t i = 0; i < NCASES(jobs); i++) {
      w[k][i] = (work){ks[i], &t[i], jobs[i].rounds, 0};
      assert_int_equal(pthread_create(&th[k][i], NULL, worker, &w[k][i]), 0);
    }
  for (int k = 0; k < THREADS; k++)
    for (size_t i = 0; i < NCASES(jobs); i++) {
      assert_int_equal(pthread_join(th[k][i], NULL), 0);
      assert_int_equal(w[k][i].ok, jobs[i].rounds);
    }
  for (size_t i = 0; i < NCASES(jobs); i++) {
    token_free(&t[i]);
    zt_keyset_release(ks[i]);
  }
  vfile_close(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vectors_jwks_parse),
      cmocka_unit_test(test_vectors_verify),
      cmocka_unit_test(test_kid_selection),
      cmocka_unit_test(test_kidless_keys),
      cmocka_unit_test(test_alg_binding),
      cmocka_unit_test(test_family_mismatch),
      cmocka_unit_test(test_hs_rs_confusion),
      cmocka_unit_test(test_attempt_cap),
      cmocka_unit_test(test_attempts_skip_lengths),
      cmocka_unit_test(test_use_and_key_ops),
      cmocka_unit_test(test_weak_keys),
      cmocka_unit_test(test_rsa_alg_names),
      cmocka_unit_test(test_pem_import),
      cmocka_unit_test(test_pem_kid),
      cmocka_unit_test(test_x509_map),
      cmocka_unit_test(test_refcount),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_no_eddsa),
      cmocka_unit_test(test_ed25519_length),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
