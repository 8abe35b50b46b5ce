#include "keyset.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "b64url.h"
#include "crypto.h"

typedef struct ks_key {
  zt_pubkey *pk;
  const char *kid; /* "" for none */
  size_t kid_len;
  zt_alg alg;   /* ZT_ALG_NONE: not bound to one algorithm */
  bool for_sig; /* use and key_ops allow verifying signatures */
} ks_key;

struct zt_keyset {
  atomic_uint_least32_t refs;
  zt_allocator mem; /* a copy: the set outlives the caller's struct */
  ks_key *keys;
  size_t count, cap;
  zt_arena kids;
  zt_ec_groups groups; /* shared by the EC keys; freed after them */
};

/* ---- Life cycle ---------------------------------------------------------- */

static zt_keyset *ks_new(const zt_allocator *mem) {
  mem = mem ? mem : &zt_default_allocator;
  zt_keyset *ks = zt_calloc(mem, 1, sizeof *ks);
  if (!ks)
    return NULL;
  ks->mem = *mem;
  atomic_init(&ks->refs, 1);
  zt_arena_init(&ks->kids, &ks->mem);
  return ks;
}

static void ks_destroy(zt_keyset *ks) {
  for (size_t i = 0; i < ks->count; i++)
    zt_pubkey_free(ks->keys[i].pk);
  zt_ec_groups_free(&ks->groups);
  zt_arena_free(&ks->kids);
  zt_allocator mem = ks->mem;
  zt_free(&mem, ks->keys);
  zt_free(&mem, ks);
}

zt_keyset *zt_keyset_retain(zt_keyset *ks) {
  if (ks)
    atomic_fetch_add_explicit(&ks->refs, 1, memory_order_relaxed);
  return ks;
}

/* acq_rel: the thread that frees must see every other holder's last use. */
void zt_keyset_release(zt_keyset *ks) {
  if (ks && atomic_fetch_sub_explicit(&ks->refs, 1, memory_order_acq_rel) == 1)
    ks_destroy(ks);
}

uint32_t zt_keyset_size(const zt_keyset *ks) {
  return ks ? (uint32_t)ks->count : 0;
}

/* Takes pk into the set (freeing it when that fails). */
static int ks_add(zt_keyset *ks, zt_pubkey *pk, zt_jwk_text kid, zt_alg alg,
                  bool for_sig) {
  const char *copy = "";
  if (kid.len && !(copy = zt_arena_strndup(&ks->kids, kid.ptr, kid.len)))
    goto nomem;
  if (!zt_grow(&ks->mem, (void **)&ks->keys, sizeof *ks->keys, &ks->cap,
               ks->count + 1))
    goto nomem;
  ks->keys[ks->count++] = (ks_key){pk, copy, kid.len, alg, for_sig};
  return ZT_OK;
nomem:
  zt_pubkey_free(pk);
  return ZT_ENOMEM;
}

/* ---- Verdicts ------------------------------------------------------------ */

/* How one key fared: rc ZT_ENOMEM stops the import; otherwise st (with a
 * static reason naming it) is ZT_JWKS_OK or the key's error. */
typedef struct verdict {
  int rc;
  zt_jwks_status st;
  const char *why;
} verdict;

static verdict accepted(void) {
  return (verdict){ZT_OK, ZT_JWKS_OK, NULL};
}

static verdict refused(zt_jwks_status st, const char *why) {
  return (verdict){ZT_OK, st, why};
}

/* An RSA key outside the size or exponent policy, whatever its form (JWK,
 * certificate, PEM); NULL for any other failure. */
static const verdict *rsa_refusal(zt_import_rc rc) {
  static const verdict v[] = {
      {ZT_OK, ZT_JWKS_RSA_PARSE_ERROR,
       "RSA key is shorter than 2048 bits (JwksRsaParseError)"},
      {ZT_OK, ZT_JWKS_RSA_PARSE_ERROR,
       "RSA key is longer than 8192 bits (JwksRsaParseError)"},
      {ZT_OK, ZT_JWKS_RSA_PARSE_ERROR, "RSA key n is even (JwksRsaParseError)"},
      {ZT_OK, ZT_JWKS_RSA_PARSE_ERROR,
       "RSA key e is not an odd number from 3 to 2^33 (JwksRsaParseError)"},
  };
  switch (rc) {
  case ZT_IMPORT_RSA_TOO_SMALL:
    return &v[0];
  case ZT_IMPORT_RSA_TOO_LARGE:
    return &v[1];
  case ZT_IMPORT_RSA_BAD_MODULUS:
    return &v[2];
  case ZT_IMPORT_RSA_BAD_EXPONENT:
    return &v[3];
  default:
    return NULL;
  }
}

/* A certificate of the x509 map that fails: the anchor accepts RSA
 * certificates only. */
static verdict cert_refusal(zt_import_rc rc) {
  const verdict *r = rsa_refusal(rc);
  if (r)
    return *r;
  if (rc == ZT_IMPORT_UNSUPPORTED || rc == ZT_IMPORT_BAD_CURVE ||
      rc == ZT_IMPORT_NO_EDDSA)
    return refused(ZT_JWKS_X509_GET_PUBKEY_ERROR,
                   "x509 map certificate key is not RSA "
                   "(JwksX509GetPubkeyError)");
  return refused(ZT_JWKS_X509_PARSE_ERROR,
                 "x509 map certificate does not parse (JwksX509ParseError)");
}

/* A JWK of type kty that passed jwks.c's checks and failed import. */
static verdict jwk_refusal(zt_jwk_kty kty, zt_import_rc rc) {
  const verdict *r = rsa_refusal(rc);
  if (r)
    return *r;
  switch (rc) {
  case ZT_IMPORT_EC_BAD_POINT:
    return refused(ZT_JWKS_EC_PARSE_ERROR,
                   "EC key x and y are not a point of the curve "
                   "(JwksEcParseError)");
  case ZT_IMPORT_HMAC_TOO_SHORT:
    return refused(ZT_JWKS_HMAC_KEY_BAD_K,
                   "oct key k is shorter than 32 bytes (JwksHMACKeyBadK)");
  case ZT_IMPORT_NO_EDDSA:
    return refused(ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED,
                   "Ed25519 needs libsodium, absent from this build "
                   "(JwksOKPKeyCrvUnsupported)");
  default:
    break;
  }
  /* Nothing else can fail a key jwks.c has checked; fail closed anyway. */
  if (kty == ZT_JWK_KTY_RSA)
    return refused(ZT_JWKS_RSA_PARSE_ERROR,
                   "RSA key n or e is invalid (JwksRsaParseError)");
  if (kty == ZT_JWK_KTY_EC)
    return refused(ZT_JWKS_EC_CREATE_KEY_FAIL,
                   "EC key cannot be created (JwksEcCreateKeyFail)");
  if (kty == ZT_JWK_KTY_OCT)
    return refused(ZT_JWKS_OCT_BAD_BASE64,
                   "oct key k is invalid (JwksOctBadBase64)");
  return refused(ZT_JWKS_OKP_X_BAD_BASE64,
                 "OKP key x is invalid (JwksOKPXBadBase64)");
}

/* A key bound to an alg it cannot do: the status of the key's type. */
static verdict misfit(const zt_pubkey *pk, zt_alg alg) {
  zt_alg_family f = zt_alg_family_of(alg);
  switch (zt_pubkey_type(pk)) {
  case ZT_KEY_RSA:
    return refused(ZT_JWKS_RSA_KEY_BAD_ALG,
                   "RSA key alg is not one of RS256, RS384, RS512, PS256, "
                   "PS384, PS512 (JwksRSAKeyBadAlg)");
  case ZT_KEY_EC:
    if (f == ZT_FAMILY_ECDSA)
      return refused(ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
                     "EC key alg does not match its curve "
                     "(JwksECKeyAlgNotCompatibleWithCrv)");
    return refused(ZT_JWKS_EC_KEY_BAD_ALG,
                   "EC key alg is not ES256, ES384 or ES512 "
                   "(JwksECKeyBadAlg)");
  case ZT_KEY_HMAC:
    if (f == ZT_FAMILY_HMAC)
      return refused(ZT_JWKS_HMAC_KEY_BAD_K,
                     "oct key k is shorter than its alg's hash "
                     "(JwksHMACKeyBadK)");
    return refused(ZT_JWKS_HMAC_KEY_BAD_ALG,
                   "oct key alg is not HS256, HS384 or HS512 "
                   "(JwksHMACKeyBadAlg)");
  default:
    return refused(ZT_JWKS_OKP_KEY_BAD_ALG,
                   "OKP key alg is not EdDSA (JwksOKPKeyBadAlg)");
  }
}

/* The algorithm a key is bound to, from its alg text ("" for none). */
static verdict bind_alg(const zt_pubkey *pk, zt_jwk_text text, zt_alg *alg) {
  *alg = ZT_ALG_NONE;
  if (text.len == 0)
    return accepted();
  *alg = zt_alg_parse(text.ptr, text.len);
  if (*alg == ZT_ALG_NONE || !zt_pubkey_can(pk, *alg))
    return misfit(pk, *alg);
  return accepted();
}

/* ---- JWK import ---------------------------------------------------------- */

typedef struct bytes {
  uint8_t *p;
  size_t n;
} bytes;

/* Decodes a member jwks.c has checked into a new buffer. */
static zt_import_rc decode(const zt_allocator *mem, zt_jwk_text t, bytes *out) {
  size_t cap = zt_b64url_decoded_len(t.len);
  out->n = 0;
  out->p = zt_alloc(mem, cap);
  if (!out->p)
    return ZT_IMPORT_NOMEM;
  if (!zt_b64url_decode(t.ptr, t.len, out->p, cap, &out->n))
    return ZT_IMPORT_BAD_ENCODING;
  return ZT_IMPORT_OK;
}

/* Frees b, wiping it first (oct keys are secrets). */
static void bytes_free(const zt_allocator *mem, bytes *b) {
  zt_secure_zero(b->p, b->n);
  zt_free(mem, b->p);
  b->p = NULL;
}

/* Decodes two members (b may be unused: its text empty). */
static zt_import_rc decode2(const zt_allocator *mem, zt_jwk_text ta,
                            zt_jwk_text tb, bytes *a, bytes *b) {
  zt_import_rc rc = decode(mem, ta, a);
  if (rc == ZT_IMPORT_OK)
    rc = decode(mem, tb, b);
  return rc;
}

static zt_ec_curve curve_of(zt_jwk_crv crv) {
  switch (crv) {
  case ZT_JWK_CRV_P256:
    return ZT_CURVE_P256;
  case ZT_JWK_CRV_P384:
    return ZT_CURVE_P384;
  case ZT_JWK_CRV_P521:
    return ZT_CURVE_P521;
  default:
    return ZT_CURVE_NONE;
  }
}

static zt_import_rc import_material(zt_keyset *ks, const zt_jwk *key,
                                    zt_pubkey **pk) {
  const zt_allocator *mem = &ks->mem;
  bytes a = {NULL, 0}, b = {NULL, 0};
  static const zt_jwk_text none = {"", 0};
  zt_import_rc rc;
  switch (key->kty) {
  case ZT_JWK_KTY_RSA:
    rc = decode2(mem, key->n, key->e, &a, &b);
    if (rc == ZT_IMPORT_OK)
      rc = zt_pubkey_rsa(mem, a.p, a.n, b.p, b.n, pk);
    break;
  case ZT_JWK_KTY_EC:
    rc = decode2(mem, key->x, key->y, &a, &b);
    if (rc == ZT_IMPORT_OK)
      rc = zt_pubkey_ec(mem, &ks->groups, curve_of(key->crv), a.p, a.n, b.p,
                        b.n, pk);
    break;
  case ZT_JWK_KTY_OCT:
    rc = decode2(mem, key->k, none, &a, &b);
    if (rc == ZT_IMPORT_OK)
      rc = zt_pubkey_hmac(mem, a.p, a.n, pk);
    break;
  default:
    rc = decode2(mem, key->x, none, &a, &b);
    if (rc == ZT_IMPORT_OK)
      rc = zt_pubkey_ed25519(mem, a.p, a.n, pk);
    break;
  }
  bytes_free(mem, &a);
  bytes_free(mem, &b);
  return rc;
}

/* Imports one key of the walk; *pk is set when the verdict accepts it. */
static verdict import_key(zt_keyset *ks, const zt_jwk *key, zt_pubkey **pk,
                          zt_alg *alg) {
  zt_import_rc rc = key->der ? zt_pubkey_from_cert(&ks->mem, &ks->groups,
                                                   key->der, key->der_len, pk)
                             : import_material(ks, key, pk);
  *alg = ZT_ALG_NONE;
  if (rc == ZT_IMPORT_NOMEM)
    return (verdict){ZT_ENOMEM, ZT_JWKS_PARSE_ERROR, NULL};
  if (rc != ZT_IMPORT_OK)
    return key->der ? cert_refusal(rc) : jwk_refusal(key->kty, rc);
  if (key->der && zt_pubkey_type(*pk) != ZT_KEY_RSA)
    return cert_refusal(ZT_IMPORT_UNSUPPORTED); /* the anchor: RSA only */
  return bind_alg(*pk, key->alg, alg);
}

/* zt_jwks_validate_ex()'s callback: imports each key that passed the
 * structural checks; a refusal fails the key like those checks do. */
static int import_jwk(void *ctx, const zt_jwk *key, zt_jwks_status *status,
                      const char **why) {
  zt_keyset *ks = ctx;
  zt_pubkey *pk = NULL;
  zt_alg alg;
  verdict v = import_key(ks, key, &pk, &alg);
  if (v.rc == ZT_OK && v.st == ZT_JWKS_OK)
    return ks_add(ks, pk, key->kid, alg, !key->not_for_sig);
  zt_pubkey_free(pk);
  *status = v.st;
  *why = v.why;
  return v.rc;
}

int zt_keyset_from_jwks(const zt_allocator *mem, const char *s, size_t n,
                        zt_keyset **out, zt_jwks_result *res) {
  if (out)
    *out = NULL;
  if (!res || !out) {
    if (res) {
      memset(res, 0, sizeof *res);
      res->status = ZT_JWKS_PARSE_ERROR;
      res->why = "no place for the key set (JwksParseError)";
    }
    return ZT_EINVAL;
  }
  zt_keyset *ks = ks_new(mem);
  if (!ks) {
    memset(res, 0, sizeof *res);
    res->status = ZT_JWKS_PARSE_ERROR;
    res->why = "out of memory while importing the JWKS (JwksParseError)";
    return ZT_ENOMEM;
  }
  int rc = zt_jwks_validate_ex(mem, s, n, import_jwk, ks, res);
  if (rc != ZT_OK || res->status != ZT_JWKS_OK) {
    ks_destroy(ks);
    return rc;
  }
  *out = ks;
  return ZT_OK;
}

/* ---- PEM import ---------------------------------------------------------- */

static zt_jwt_status pem_refusal(zt_import_rc rc) {
  if (rsa_refusal(rc))
    return ZT_JWKS_RSA_PARSE_ERROR;
  switch (rc) {
  case ZT_IMPORT_UNSUPPORTED:
  case ZT_IMPORT_BAD_CURVE:
  case ZT_IMPORT_NO_EDDSA:
    return ZT_JWKS_PEM_NOT_IMPLEMENTED_KTY;
  case ZT_IMPORT_EC_BAD_POINT:
    return ZT_JWKS_EC_PARSE_ERROR;
  default:
    return ZT_JWKS_PEM_BAD_BASE64;
  }
}

/* Imports the PEM key into ks; ZT_OK with *status set, or ZT_ENOMEM. */
static int pem_into(zt_keyset *ks, const char *pem, size_t n, zt_jwk_text kid,
                    zt_alg alg, zt_jwt_status *status) {
  zt_pubkey *pk = NULL;
  zt_import_rc rc = zt_pubkey_from_pem(&ks->mem, &ks->groups, pem, n, &pk);
  if (rc == ZT_IMPORT_NOMEM)
    return ZT_ENOMEM;
  if (rc != ZT_IMPORT_OK) {
    *status = pem_refusal(rc);
    return ZT_OK;
  }
  if (alg != ZT_ALG_NONE && !zt_pubkey_can(pk, alg)) {
    *status = misfit(pk, alg).st;
    zt_pubkey_free(pk);
    return ZT_OK;
  }
  *status = ZT_JWT_OK;
  return ks_add(ks, pk, kid, alg, true);
}

int zt_keyset_from_pem(const zt_allocator *mem, const char *pem, size_t n,
                       const char *kid, size_t kid_len, zt_alg alg,
                       zt_keyset **out, zt_jwt_status *status) {
  if (out)
    *out = NULL;
  if (status)
    *status = ZT_JWKS_PEM_BAD_BASE64;
  if (!out || !status || (!pem && n) || (!kid && kid_len) ||
      (unsigned)alg >= ZT_ALG_COUNT)
    return ZT_EINVAL;
  zt_keyset *ks = ks_new(mem);
  if (!ks) {
    *status = ZT_JWKS_BIO_ALLOC_ERROR;
    return ZT_ENOMEM;
  }
  zt_jwk_text k = {kid ? kid : "", kid_len};
  int rc = pem_into(ks, pem, n, k, alg, status);
  if (rc != ZT_OK || *status != ZT_JWT_OK) {
    ks_destroy(ks);
    if (rc != ZT_OK) /* the anchor's status for its allocation failure */
      *status = ZT_JWKS_BIO_ALLOC_ERROR;
    return rc;
  }
  *out = ks;
  return ZT_OK;
}

/* ---- Verification -------------------------------------------------------- */

/* jwt.md §1.4 with the strict alg binding of DECISIONS.md (keyset.h). */
static bool key_matches(const ks_key *k, zt_alg alg, const char *kid,
                        size_t kid_len) {
  if (kid_len && k->kid_len &&
      (k->kid_len != kid_len || memcmp(k->kid, kid, kid_len) != 0))
    return false;
  if (k->alg != ZT_ALG_NONE && k->alg != alg)
    return false;
  return k->for_sig && zt_pubkey_can(k->pk, alg);
}

zt_jwt_status zt_keyset_verify(const zt_keyset *ks, zt_alg alg, const char *kid,
                               size_t kid_len, const char *input,
                               size_t input_len, const uint8_t *sig,
                               size_t sig_len) {
  if (alg == ZT_ALG_NONE || (unsigned)alg >= ZT_ALG_COUNT ||
      (alg == ZT_ALG_EDDSA && !zt_crypto_has_eddsa()))
    return ZT_JWT_HEADER_NOT_IMPLEMENTED_ALG;
  if (!ks)
    return ZT_JWKS_KID_ALG_MISMATCH;
  if ((!input && input_len) || (!sig && sig_len))
    return ZT_JWT_VERIFICATION_FAIL;
  if (!kid)
    kid_len = 0;
  zt_signed_input in;
  zt_signed_input_init(&in, input, input_len);
  bool matched = false;
  unsigned attempts = 0;
  for (size_t i = 0; i < ks->count; i++) {
    const ks_key *k = &ks->keys[i];
    if (!key_matches(k, alg, kid, kid_len))
      continue;
    matched = true;
    if (sig_len != zt_pubkey_sig_len(k->pk, alg)) {
      if (alg == ZT_ALG_EDDSA) /* the anchor stops at once */
        return ZT_JWT_ED25519_SIGNATURE_WRONG_LENGTH;
      continue; /* cannot verify: costs nothing, not an attempt */
    }
    if (attempts++ == ZT_KEYSET_MAX_ATTEMPTS)
      break;
    if (zt_pubkey_verify_input(k->pk, alg, &in, sig, sig_len) == ZT_VERIFY_OK)
      return ZT_JWT_OK;
  }
  return matched ? ZT_JWT_VERIFICATION_FAIL : ZT_JWKS_KID_ALG_MISMATCH;
}
