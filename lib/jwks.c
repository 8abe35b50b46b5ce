#include "jwks.h"

#include <string.h>

#include "alloc.h"
#include "b64url.h"

/* ---- Statuses ------------------------------------------------------------ */

typedef struct status_info {
  zt_jwks_status st;
  const char *why; /* ours, for a status without a more precise reason */
} status_info;

static const status_info statuses[] = {
    {ZT_JWKS_OK, NULL},
    {ZT_JWKS_PARSE_ERROR, "JWKS is not valid JSON (JwksParseError)"},
    {ZT_JWKS_NO_KEYS, "no keys member and not an x509 map (JwksNoKeys)"},
    {ZT_JWKS_BAD_KEYS, "keys is not an array (JwksBadKeys)"},
    {ZT_JWKS_NO_VALID_KEYS, "no valid keys (JwksNoValidKeys)"},
    {ZT_JWKS_RSA_PARSE_ERROR, "RSA key n or e is invalid (JwksRsaParseError)"},
    {ZT_JWKS_EC_X_OR_Y_BAD_BASE64,
     "EC key x or y is not base64url (JwksEcXorYBadBase64)"},
    {ZT_JWKS_EC_PARSE_ERROR,
     "EC key x and y are not a point of the curve (JwksEcParseError)"},
    {ZT_JWKS_OCT_BAD_BASE64,
     "oct key k is not base64url or is empty (JwksOctBadBase64)"},
    {ZT_JWKS_OKP_X_BAD_BASE64,
     "OKP key x is not base64url (JwksOKPXBadBase64)"},
    {ZT_JWKS_OKP_X_WRONG_LENGTH,
     "OKP key x is not 32 bytes (JwksOKPXWrongLength)"},
    {ZT_JWKS_MISSING_KTY, "key is missing kty (JwksMissingKty)"},
    {ZT_JWKS_BAD_KTY, "key kty is not a string (JwksBadKty)"},
    {ZT_JWKS_NOT_IMPLEMENTED_KTY,
     "key kty is not RSA, EC, oct or OKP (JwksNotImplementedKty)"},
    {ZT_JWKS_RSA_KEY_BAD_ALG,
     "RSA key alg is not a string starting with RS or PS (JwksRSAKeyBadAlg)"},
    {ZT_JWKS_RSA_KEY_MISSING_N, "RSA key is missing n (JwksRSAKeyMissingN)"},
    {ZT_JWKS_RSA_KEY_BAD_N, "RSA key n is not a string (JwksRSAKeyBadN)"},
    {ZT_JWKS_RSA_KEY_MISSING_E, "RSA key is missing e (JwksRSAKeyMissingE)"},
    {ZT_JWKS_RSA_KEY_BAD_E, "RSA key e is not a string (JwksRSAKeyBadE)"},
    {ZT_JWKS_EC_KEY_BAD_ALG,
     "EC key alg is not a string starting with ES (JwksECKeyBadAlg)"},
    {ZT_JWKS_EC_KEY_BAD_CRV, "EC key crv is not a string (JwksECKeyBadCrv)"},
    {ZT_JWKS_EC_KEY_ALG_OR_CRV_UNSUPPORTED,
     "EC key alg or crv is not supported (JwksECKeyAlgOrCrvUnsupported)"},
    {ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV,
     "EC key alg does not match crv (JwksECKeyAlgNotCompatibleWithCrv)"},
    {ZT_JWKS_EC_KEY_MISSING_X, "EC key is missing x (JwksECKeyMissingX)"},
    {ZT_JWKS_EC_KEY_BAD_X, "EC key x is not a string (JwksECKeyBadX)"},
    {ZT_JWKS_EC_KEY_MISSING_Y, "EC key is missing y (JwksECKeyMissingY)"},
    {ZT_JWKS_EC_KEY_BAD_Y, "EC key y is not a string (JwksECKeyBadY)"},
    {ZT_JWKS_HMAC_KEY_BAD_ALG,
     "oct key alg is not HS256, HS384 or HS512 (JwksHMACKeyBadAlg)"},
    {ZT_JWKS_HMAC_KEY_MISSING_K, "oct key is missing k (JwksHMACKeyMissingK)"},
    {ZT_JWKS_HMAC_KEY_BAD_K, "oct key k is not a string (JwksHMACKeyBadK)"},
    {ZT_JWKS_OKP_KEY_BAD_ALG, "OKP key alg is not EdDSA (JwksOKPKeyBadAlg)"},
    {ZT_JWKS_OKP_KEY_MISSING_CRV,
     "OKP key is missing crv (JwksOKPKeyMissingCrv)"},
    {ZT_JWKS_OKP_KEY_BAD_CRV, "OKP key crv is not a string (JwksOKPKeyBadCrv)"},
    {ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED,
     "OKP key crv is not Ed25519 (JwksOKPKeyCrvUnsupported)"},
    {ZT_JWKS_OKP_KEY_MISSING_X, "OKP key is missing x (JwksOKPKeyMissingX)"},
    {ZT_JWKS_OKP_KEY_BAD_X, "OKP key x is not a string (JwksOKPKeyBadX)"},
    {ZT_JWKS_X509_PARSE_ERROR,
     "x509 map certificate body is not base64 (JwksX509ParseError)"},
};

#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

static const status_info *find_status(zt_jwks_status st) {
  for (size_t i = 0; i < NSTATUSES; i++)
    if (statuses[i].st == st)
      return &statuses[i];
  return NULL;
}

/* A reason for st when the check that failed has none of its own; an
 * importer's callback can return any status. */
static const char *default_why(zt_jwks_status st) {
  const status_info *s = find_status(st);
  if (st == ZT_JWKS_OK)
    return NULL;
  return s ? s->why : "key rejected by the importer";
}

/* Records st with reason why (NULL: the status's default) and returns st. */
static zt_jwks_status key_error(const char **why, zt_jwks_status st,
                                const char *reason) {
  if (why)
    *why = reason ? reason : default_why(st);
  return st;
}

/* ---- Names -------------------------------------------------------------- */

const char *zt_jwk_kty_name(zt_jwk_kty kty) {
  switch (kty) {
  case ZT_JWK_KTY_RSA:
    return "RSA";
  case ZT_JWK_KTY_EC:
    return "EC";
  case ZT_JWK_KTY_OCT:
    return "oct";
  case ZT_JWK_KTY_OKP:
    return "OKP";
  default:
    return "";
  }
}

const char *zt_jwk_crv_name(zt_jwk_crv crv) {
  switch (crv) {
  case ZT_JWK_CRV_P256:
    return "P-256";
  case ZT_JWK_CRV_P384:
    return "P-384";
  case ZT_JWK_CRV_P521:
    return "P-521";
  case ZT_JWK_CRV_ED25519:
    return "Ed25519";
  default:
    return "";
  }
}

/* ---- Members ------------------------------------------------------------- */

typedef enum member_kind {
  MEMBER_MISSING,
  MEMBER_NOT_STRING,
  MEMBER_STRING
} member_kind;

/* Member name of obj as the anchor's StructUtils::GetString() sees it. */
static member_kind get_string(const zt_json_doc *doc, zt_json_val obj,
                              const char *name, zt_jwk_text *out) {
  zt_json_val v;
  out->ptr = "";
  out->len = 0;
  if (!zt_json_member(doc, obj, name, strlen(name), &v))
    return MEMBER_MISSING;
  if (!zt_json_string(doc, v, &out->ptr, &out->len)) {
    out->ptr = "";
    return MEMBER_NOT_STRING;
  }
  return MEMBER_STRING;
}

static bool has_member(const zt_json_doc *doc, zt_json_val obj,
                       const char *name) {
  zt_json_val v;
  return zt_json_member(doc, obj, name, strlen(name), &v);
}

static bool text_is(zt_jwk_text t, const char *lit) {
  size_t n = strlen(lit);
  return t.len == n && memcmp(t.ptr, lit, n) == 0;
}

static bool text_starts(zt_jwk_text t, const char *lit) {
  size_t n = strlen(lit);
  return t.len >= n && memcmp(t.ptr, lit, n) == 0;
}

/* Private members by RFC 7518 §6.2.2 and §6.3.2, and RFC 8037 §2. */
static bool carries_private(const zt_json_doc *doc, zt_json_val obj,
                            zt_jwk_kty kty) {
  static const char *const rsa[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};
  if (kty == ZT_JWK_KTY_EC || kty == ZT_JWK_KTY_OKP)
    return has_member(doc, obj, "d");
  if (kty != ZT_JWK_KTY_RSA)
    return false;
  for (size_t i = 0; i < sizeof(rsa) / sizeof(rsa[0]); i++)
    if (has_member(doc, obj, rsa[i]))
      return true;
  return false;
}

/* ---- Big-endian integers in base64url ------------------------------------ */

/* What the key checks need from an integer, leading zero bytes skipped. */
typedef struct uint_info {
  size_t digits; /* bytes from the first non-zero byte on */
  uint32_t low;  /* the value, when digits <= 4 */
  uint8_t top;   /* the first non-zero byte */
  uint8_t last;  /* the least significant byte */
} uint_info;

/* Decodes in slices of 64 characters (whole 4-character groups, so each
 * slice decodes on its own) to read an integer of any length in bounded
 * stack space. */
static bool read_uint(zt_jwk_text t, uint_info *u) {
  enum { SLICE = 64 };
  uint8_t buf[SLICE / 4 * 3];
  memset(u, 0, sizeof *u);
  for (size_t off = 0; off < t.len; off += SLICE) {
    size_t len = t.len - off < SLICE ? t.len - off : SLICE;
    size_t got = 0;
    if (!zt_b64url_decode(t.ptr + off, len, buf, sizeof buf, &got))
      return false;
    for (size_t i = 0; i < got; i++) {
      if (u->digits == 0)
        u->top = buf[i];
      if (u->digits || buf[i])
        u->digits++;
      u->low = u->low << 8 | buf[i];
      u->last = buf[i];
    }
  }
  return true;
}

/* The number of significant bits. */
static size_t bit_length(const uint_info *u) {
  if (u->digits == 0)
    return 0;
  size_t bits = (u->digits - 1) * 8;
  for (unsigned top = u->top; top; top >>= 1)
    bits++;
  return bits;
}

/* ---- Key types ----------------------------------------------------------- */

/* The members every key type reads first. */
typedef struct key_ctx {
  const zt_json_doc *doc;
  zt_json_val obj;
  zt_jwk *key;
  bool alg_not_string;
  const char **why;
} key_ctx;

/* A member the key type requires, with the type's statuses for a missing
 * member and for one that is not a string. */
static zt_jwks_status need_string(const key_ctx *c, const char *name,
                                  zt_jwk_text *out, zt_jwks_status missing,
                                  zt_jwks_status bad) {
  member_kind k = get_string(c->doc, c->obj, name, out);
  if (k == MEMBER_MISSING)
    return key_error(c->why, missing, NULL);
  if (k == MEMBER_NOT_STRING)
    return key_error(c->why, bad, NULL);
  return ZT_JWKS_OK;
}

static zt_jwks_status rsa_values(const key_ctx *c) {
  static const char bad_b64[] =
      "RSA key n or e is not base64url (JwksRsaParseError)";
  uint_info n, e;
  if (!read_uint(c->key->n, &n) || !read_uint(c->key->e, &e))
    return key_error(c->why, ZT_JWKS_RSA_PARSE_ERROR, bad_b64);
  /* The anchor rejects any other exponent before building the key. */
  if (!(e.digits == 1 && e.low == 3) && !(e.digits == 3 && e.low == 65537))
    return key_error(c->why, ZT_JWKS_RSA_PARSE_ERROR,
                     "RSA key e is not 3 or 65537 (JwksRsaParseError)");
  /* BoringSSL's public-key check: a positive odd modulus of at most 16384
   * bits. */
  if (n.digits == 0)
    return key_error(c->why, ZT_JWKS_RSA_PARSE_ERROR,
                     "RSA key n is zero (JwksRsaParseError)");
  if ((n.last & 1u) == 0)
    return key_error(c->why, ZT_JWKS_RSA_PARSE_ERROR,
                     "RSA key n is even (JwksRsaParseError)");
  if (n.digits > 16384 / 8)
    return key_error(c->why, ZT_JWKS_RSA_PARSE_ERROR,
                     "RSA key n exceeds 16384 bits (JwksRsaParseError)");
  return ZT_JWKS_OK;
}

static zt_jwks_status check_rsa(const key_ctx *c) {
  zt_jwk *key = c->key;
  if (c->alg_not_string || (key->alg.len && !text_starts(key->alg, "RS") &&
                            !text_starts(key->alg, "PS")))
    return key_error(c->why, ZT_JWKS_RSA_KEY_BAD_ALG, NULL);
  zt_jwks_status st = need_string(c, "n", &key->n, ZT_JWKS_RSA_KEY_MISSING_N,
                                  ZT_JWKS_RSA_KEY_BAD_N);
  if (st == ZT_JWKS_OK)
    st = need_string(c, "e", &key->e, ZT_JWKS_RSA_KEY_MISSING_E,
                     ZT_JWKS_RSA_KEY_BAD_E);
  return st == ZT_JWKS_OK ? rsa_values(c) : st;
}

/* The curve an EC key names, following the anchor: alg and crv must agree
 * when both are given; either alone selects the curve; neither means
 * P-256. */
static zt_jwks_status ec_curve(const key_ctx *c, zt_jwk_text crv) {
  static const struct {
    const char *alg;
    const char *crv;
    zt_jwk_crv id;
  } curves[] = {{"ES256", "P-256", ZT_JWK_CRV_P256},
                {"ES384", "P-384", ZT_JWK_CRV_P384},
                {"ES512", "P-521", ZT_JWK_CRV_P521}};
  zt_jwk_text alg = c->key->alg;
  bool paired = false;
  for (size_t i = 0; i < 3; i++) {
    bool a = text_is(alg, curves[i].alg), b = text_is(crv, curves[i].crv);
    paired = paired || (a && b);
    if (c->key->crv == ZT_JWK_CRV_NONE && (a || b))
      c->key->crv = curves[i].id;
  }
  if (alg.len && crv.len && !paired) {
    c->key->crv = ZT_JWK_CRV_NONE;
    return key_error(c->why, ZT_JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV, NULL);
  }
  if (!alg.len && !crv.len)
    c->key->crv = ZT_JWK_CRV_P256;
  if (c->key->crv == ZT_JWK_CRV_NONE)
    return key_error(c->why, ZT_JWKS_EC_KEY_ALG_OR_CRV_UNSUPPORTED, NULL);
  return ZT_JWKS_OK;
}

static size_t field_bits(zt_jwk_crv crv) {
  switch (crv) {
  case ZT_JWK_CRV_P384:
    return 384;
  case ZT_JWK_CRV_P521:
    return 521;
  default:
    return 256;
  }
}

/* The anchor reads x and y as integers (BN_bin2bn), so encodings that drop
 * or add leading zero bytes load; its own tests carry a 65-byte P-521 y.
 * RFC 7518 §6.2.1.2 wants the full field size, but refusing what Envoy
 * loads would reject working policies. What is checked is that each value
 * fits the field; whether the point lies on the curve is the importer's
 * check. */
static zt_jwks_status ec_point(const key_ctx *c) {
  uint_info x, y;
  if (!read_uint(c->key->x, &x) || !read_uint(c->key->y, &y))
    return key_error(c->why, ZT_JWKS_EC_X_OR_Y_BAD_BASE64, NULL);
  size_t bits = field_bits(c->key->crv);
  if (bit_length(&x) > bits || bit_length(&y) > bits)
    return key_error(
        c->why, ZT_JWKS_EC_PARSE_ERROR,
        "EC key x or y is larger than the curve's field (JwksEcParseError)");
  return ZT_JWKS_OK;
}

static zt_jwks_status check_ec(const key_ctx *c) {
  zt_jwk *key = c->key;
  zt_jwk_text crv;
  if (c->alg_not_string || (key->alg.len && !text_starts(key->alg, "ES")))
    return key_error(c->why, ZT_JWKS_EC_KEY_BAD_ALG, NULL);
  if (get_string(c->doc, c->obj, "crv", &crv) == MEMBER_NOT_STRING)
    return key_error(c->why, ZT_JWKS_EC_KEY_BAD_CRV, NULL);
  zt_jwks_status st = ec_curve(c, crv);
  if (st == ZT_JWKS_OK)
    st = need_string(c, "x", &key->x, ZT_JWKS_EC_KEY_MISSING_X,
                     ZT_JWKS_EC_KEY_BAD_X);
  if (st == ZT_JWKS_OK)
    st = need_string(c, "y", &key->y, ZT_JWKS_EC_KEY_MISSING_Y,
                     ZT_JWKS_EC_KEY_BAD_Y);
  return st == ZT_JWKS_OK ? ec_point(c) : st;
}

static zt_jwks_status check_oct(const key_ctx *c) {
  zt_jwk *key = c->key;
  size_t len;
  if (c->alg_not_string ||
      (key->alg.len && !text_is(key->alg, "HS256") &&
       !text_is(key->alg, "HS384") && !text_is(key->alg, "HS512")))
    return key_error(c->why, ZT_JWKS_HMAC_KEY_BAD_ALG, NULL);
  zt_jwks_status st = need_string(c, "k", &key->k, ZT_JWKS_HMAC_KEY_MISSING_K,
                                  ZT_JWKS_HMAC_KEY_BAD_K);
  if (st != ZT_JWKS_OK)
    return st;
  /* No minimum length: the anchor takes any non-empty secret. */
  if (!zt_b64url_decode(key->k.ptr, key->k.len, NULL, 0, &len) || len == 0)
    return key_error(c->why, ZT_JWKS_OCT_BAD_BASE64, NULL);
  return ZT_JWKS_OK;
}

static zt_jwks_status check_okp(const key_ctx *c) {
  zt_jwk *key = c->key;
  zt_jwk_text crv;
  size_t len;
  if (c->alg_not_string || (key->alg.len && !text_is(key->alg, "EdDSA")))
    return key_error(c->why, ZT_JWKS_OKP_KEY_BAD_ALG, NULL);
  zt_jwks_status st = need_string(c, "crv", &crv, ZT_JWKS_OKP_KEY_MISSING_CRV,
                                  ZT_JWKS_OKP_KEY_BAD_CRV);
  if (st != ZT_JWKS_OK)
    return st;
  /* X25519 is for key agreement, Ed448 is not in BoringSSL. */
  if (!text_is(crv, "Ed25519"))
    return key_error(c->why, ZT_JWKS_OKP_KEY_CRV_UNSUPPORTED, NULL);
  key->crv = ZT_JWK_CRV_ED25519;
  st = need_string(c, "x", &key->x, ZT_JWKS_OKP_KEY_MISSING_X,
                   ZT_JWKS_OKP_KEY_BAD_X);
  if (st != ZT_JWKS_OK)
    return st;
  if (!zt_b64url_decode(key->x.ptr, key->x.len, NULL, 0, &len))
    return key_error(c->why, ZT_JWKS_OKP_X_BAD_BASE64, NULL);
  if (len != 32)
    return key_error(c->why, ZT_JWKS_OKP_X_WRONG_LENGTH, NULL);
  return ZT_JWKS_OK;
}

/* RFC 7517 §4.2 and §4.3, read only to tell the importer (see jwks.h):
 * "jwt-svid" is the use SPIFFE bundles give JWT signing keys. */
static bool not_for_sig(const zt_json_doc *doc, zt_json_val obj) {
  zt_jwk_text use;
  zt_json_val ops, op;
  member_kind k = get_string(doc, obj, "use", &use);
  if (k == MEMBER_NOT_STRING ||
      (k == MEMBER_STRING && !text_is(use, "sig") && !text_is(use, "jwt-svid")))
    return true;
  if (!zt_json_member(doc, obj, "key_ops", 7, &ops))
    return false;
  if (zt_json_type_of(doc, ops) != ZT_JSON_ARRAY)
    return true;
  zt_json_iter it;
  zt_json_iter_init(&it, doc, ops);
  while (zt_json_iter_next(&it, NULL, &op))
    if (zt_json_string_eq(doc, op, "verify", 6))
      return false;
  return true;
}

static zt_jwk_kty kty_of(zt_jwk_text t) {
  if (text_is(t, "RSA"))
    return ZT_JWK_KTY_RSA;
  if (text_is(t, "EC"))
    return ZT_JWK_KTY_EC;
  if (text_is(t, "oct"))
    return ZT_JWK_KTY_OCT;
  if (text_is(t, "OKP"))
    return ZT_JWK_KTY_OKP;
  return ZT_JWK_KTY_NONE;
}

static void clear_key(zt_jwk *key) {
  static const zt_jwk_text empty = {"", 0};
  memset(key, 0, sizeof *key);
  key->kid = key->alg = empty;
  key->n = key->e = key->x = key->y = key->k = empty;
}

zt_jwks_status zt_jwk_check(const zt_json_doc *doc, zt_json_val obj,
                            zt_jwk *key, const char **why) {
  zt_jwk_text kty;
  clear_key(key);
  if (why)
    *why = NULL;
  member_kind k = get_string(doc, obj, "kty", &kty);
  if (k == MEMBER_MISSING)
    return key_error(why, ZT_JWKS_MISSING_KTY, NULL);
  if (k == MEMBER_NOT_STRING)
    return key_error(why, ZT_JWKS_BAD_KTY, NULL);
  key_ctx c = {doc, obj, key, false, why};
  (void)get_string(doc, obj, "kid", &key->kid);
  c.alg_not_string =
      get_string(doc, obj, "alg", &key->alg) == MEMBER_NOT_STRING;
  key->kty = kty_of(kty);
  key->has_private = carries_private(doc, obj, key->kty);
  key->not_for_sig = not_for_sig(doc, obj);
  switch (key->kty) {
  case ZT_JWK_KTY_RSA:
    return check_rsa(&c);
  case ZT_JWK_KTY_EC:
    return check_ec(&c);
  case ZT_JWK_KTY_OCT:
    return check_oct(&c);
  case ZT_JWK_KTY_OKP:
    return check_okp(&c);
  default:
    return key_error(why, ZT_JWKS_NOT_IMPLEMENTED_KTY, NULL);
  }
}

/* ---- Sets ---------------------------------------------------------------- */

typedef struct walk {
  const zt_allocator *mem;
  const zt_json_doc *doc;
  zt_jwk_fn fn;
  zt_jwk_import_fn import; /* instead of fn */
  void *ctx;
  zt_jwks_result *res;
  zt_jwks_status first; /* the first key error */
  const char *first_why;
} walk;

/* Offers a checked key to the callback, which may still refuse it. */
static int offer(walk *w, const zt_jwk *key, zt_jwks_status *st,
                 const char **why) {
  const char *reason = NULL;
  int rc = ZT_OK;
  if (*st != ZT_JWKS_OK)
    return ZT_OK;
  if (w->import)
    rc = w->import(w->ctx, key, st, &reason);
  else if (w->fn)
    rc = w->fn(w->ctx, key, st);
  if (*st != ZT_JWKS_OK)
    *why = reason ? reason : default_why(*st);
  return rc;
}

static void count(walk *w, zt_jwks_status st, const char *why) {
  if (st == ZT_JWKS_OK) {
    w->res->valid++;
    return;
  }
  w->res->failed++;
  if (w->first == ZT_JWKS_OK) {
    w->first = st;
    w->first_why = why;
  }
}

static void set_status(zt_jwks_result *res, zt_jwks_status st,
                       const char *why) {
  res->status = st;
  res->why = st == ZT_JWKS_OK ? NULL : why ? why : default_why(st);
}

static int walk_keys(walk *w, zt_json_val keys) {
  zt_json_iter it;
  zt_json_val v;
  if (zt_json_type_of(w->doc, keys) != ZT_JSON_ARRAY) {
    set_status(w->res, ZT_JWKS_BAD_KEYS, NULL);
    return ZT_OK;
  }
  zt_json_iter_init(&it, w->doc, keys);
  while (zt_json_iter_next(&it, NULL, &v)) {
    if (zt_json_type_of(w->doc, v) != ZT_JSON_OBJECT)
      continue;
    zt_jwk key;
    const char *why;
    zt_jwks_status st = zt_jwk_check(w->doc, v, &key, &why);
    w->res->has_private = w->res->has_private || key.has_private;
    int rc = offer(w, &key, &st, &why);
    if (rc != ZT_OK)
      return rc;
    count(w, st, why);
  }
  if (w->res->valid)
    set_status(w->res, ZT_JWKS_OK, NULL);
  else if (w->first != ZT_JWKS_OK)
    set_status(w->res, w->first, w->first_why);
  else
    set_status(w->res, ZT_JWKS_NO_VALID_KEYS, NULL);
  return ZT_OK;
}

/* ---- Form 2: the x509 map ------------------------------------------------ */

static const char cert_begin[] = "-----BEGIN CERTIFICATE-----\n";
static const char cert_end[] = "\n-----END CERTIFICATE-----\n";
#define BEGIN_LEN (sizeof(cert_begin) - 1)
#define END_LEN (sizeof(cert_end) - 1)

static bool framed(zt_jwk_text t) {
  return t.len >= BEGIN_LEN && t.len >= END_LEN &&
         memcmp(t.ptr, cert_begin, BEGIN_LEN) == 0 &&
         memcmp(t.ptr + t.len - END_LEN, cert_end, END_LEN) == 0;
}

/* The anchor's shouldCheckX509(): a non-empty object of non-empty names
 * whose values are all framed certificates. */
static bool is_x509_map(const zt_json_doc *doc) {
  zt_json_iter it;
  zt_json_val name, v;
  zt_jwk_text t;
  if (zt_json_size(doc, ZT_JSON_ROOT) == 0)
    return false;
  zt_json_iter_init(&it, doc, ZT_JSON_ROOT);
  while (zt_json_iter_next(&it, &name, &v)) {
    if (!zt_json_string(doc, name, &t.ptr, &t.len) || t.len == 0)
      return false;
    if (!zt_json_string(doc, v, &t.ptr, &t.len) || !framed(t))
      return false;
  }
  return true;
}

/* Joins the body's lines into b64 (room for body.len bytes). Lines are
 * separated by single '\n'; an empty line is an error. */
static bool join_lines(zt_jwk_text body, char *b64, size_t *len) {
  size_t o = 0;
  for (size_t i = 0; i < body.len; i++) {
    if (body.ptr[i] != '\n') {
      b64[o++] = body.ptr[i];
      continue;
    }
    if (i == 0 || i + 1 == body.len || body.ptr[i + 1] == '\n')
      return false;
  }
  *len = o;
  return o > 0;
}

/* Decodes one certificate's body into *der (allocated from w->mem). Returns
 * ZT_OK with *der NULL when the body is not base64. */
static int decode_cert(walk *w, zt_jwk_text pem, uint8_t **der,
                       size_t *der_len) {
  *der = NULL;
  *der_len = 0;
  if (pem.len < BEGIN_LEN + END_LEN)
    return ZT_OK; /* the framing lines overlap: no body */
  zt_jwk_text body = {pem.ptr + BEGIN_LEN, pem.len - BEGIN_LEN - END_LEN};
  size_t cap = zt_b64_decoded_len(body.len);
  uint8_t *buf = zt_alloc(w->mem, body.len + cap);
  if (!buf)
    return ZT_ENOMEM;
  char *b64 = (char *)(buf + cap);
  size_t len = 0;
  if (join_lines(body, b64, &len) &&
      zt_b64_decode(b64, len, buf, cap, der_len) && *der_len > 0) {
    *der = buf;
    return ZT_OK;
  }
  *der_len = 0;
  zt_free(w->mem, buf);
  return ZT_OK;
}

static int check_cert(walk *w, zt_json_val name, zt_json_val v,
                      zt_jwks_status *st) {
  zt_jwk key;
  zt_jwk_text pem;
  uint8_t *der;
  const char *why = NULL;
  clear_key(&key);
  (void)zt_json_string(w->doc, name, &key.kid.ptr, &key.kid.len);
  (void)zt_json_string(w->doc, v, &pem.ptr, &pem.len);
  int rc = decode_cert(w, pem, &der, &key.der_len);
  if (rc != ZT_OK)
    return rc;
  *st = der ? ZT_JWKS_OK : ZT_JWKS_X509_PARSE_ERROR;
  key.kty = ZT_JWK_KTY_RSA;
  key.der = der;
  rc = offer(w, &key, st, &why);
  zt_free(w->mem, der);
  if (rc == ZT_OK)
    count(w, *st, why);
  return rc;
}

static int walk_x509(walk *w) {
  zt_json_iter it;
  zt_json_val name, v;
  zt_json_iter_init(&it, w->doc, ZT_JSON_ROOT);
  while (zt_json_iter_next(&it, &name, &v)) {
    zt_jwks_status st = ZT_JWKS_OK;
    int rc = check_cert(w, name, v, &st);
    if (rc != ZT_OK)
      return rc;
    if (st != ZT_JWKS_OK) {
      set_status(w->res, w->first, w->first_why);
      return ZT_OK;
    }
  }
  set_status(w->res, ZT_JWKS_OK, NULL);
  return ZT_OK;
}

/* ---- Entry points -------------------------------------------------------- */

/* Parses (s, n) into doc. Sets *parsed when doc holds a JSON object;
 * otherwise doc is empty and res says why. */
static int parse(zt_json_doc *doc, const zt_allocator *mem, const char *s,
                 size_t n, zt_jwks_result *res, bool *parsed) {
  *parsed = false;
  if (n > ZT_JWKS_MAX_BYTES) {
    res->why = "JWKS is larger than 1 MiB (JwksParseError)";
    return ZT_ELIMIT;
  }
  zt_json_limits lim = {n ? n : 1, ZT_JWKS_MAX_TOKENS, ZT_JWKS_MAX_DEPTH, 0};
  int rc = zt_json_parse_alloc(doc, mem, s, n, &lim, NULL);
  if (rc == ZT_OK && zt_json_type_of(doc, ZT_JSON_ROOT) == ZT_JSON_OBJECT) {
    *parsed = true;
    return ZT_OK;
  }
  zt_json_doc_free(doc);
  if (rc == ZT_OK)
    res->why = "JWKS is not a JSON object (JwksParseError)";
  else if (rc == ZT_ELIMIT)
    res->why = "JWKS has too many values or too deep nesting "
               "(JwksParseError)";
  else if (rc == ZT_ENOMEM)
    res->why = "out of memory while parsing the JWKS (JwksParseError)";
  /* Malformed text is a verdict, not a failure to judge. */
  return rc == ZT_ESYNTAX ? ZT_OK : rc;
}

static int validate(const zt_allocator *mem, const char *s, size_t n, walk *w,
                    zt_jwks_result *res) {
  zt_json_doc doc;
  zt_json_val keys;
  bool parsed;
  if (!res)
    return ZT_EINVAL;
  memset(res, 0, sizeof *res);
  /* Fail closed: every early return leaves a failing status. */
  set_status(res, ZT_JWKS_PARSE_ERROR, NULL);
  if (!s && n) {
    res->why = "JWKS text is NULL (JwksParseError)";
    return ZT_EINVAL;
  }
  mem = mem ? mem : &zt_default_allocator;
  int rc = parse(&doc, mem, s, n, res, &parsed);
  if (!parsed)
    return rc;
  w->mem = mem;
  w->doc = &doc;
  w->res = res;
  if (zt_json_member(&doc, ZT_JSON_ROOT, "keys", 4, &keys))
    rc = walk_keys(w, keys);
  else if (is_x509_map(&doc))
    rc = walk_x509(w);
  else
    set_status(res, ZT_JWKS_NO_KEYS, NULL);
  zt_json_doc_free(&doc);
  if (rc != ZT_OK)
    set_status(res, ZT_JWKS_PARSE_ERROR,
               rc == ZT_ENOMEM
                   ? "out of memory while checking the JWKS (JwksParseError)"
                   : "the key importer stopped (JwksParseError)");
  return rc;
}

int zt_jwks_validate(const zt_allocator *mem, const char *s, size_t n,
                     zt_jwk_fn fn, void *ctx, zt_jwks_result *res) {
  walk w = {NULL, NULL, fn, NULL, ctx, NULL, ZT_JWKS_OK, NULL};
  return validate(mem, s, n, &w, res);
}

int zt_jwks_validate_ex(const zt_allocator *mem, const char *s, size_t n,
                        zt_jwk_import_fn fn, void *ctx, zt_jwks_result *res) {
  walk w = {NULL, NULL, NULL, fn, ctx, NULL, ZT_JWKS_OK, NULL};
  return validate(mem, s, n, &w, res);
}

bool zt_jwks_check(const char *s, size_t n, bool *has_private,
                   const char **why) {
  zt_jwks_result res;
  int rc = zt_jwks_validate(NULL, s, n, NULL, NULL, &res);
  bool ok = rc == ZT_OK && res.status == ZT_JWKS_OK;
  if (has_private)
    *has_private = res.has_private;
  if (why)
    *why = ok ? NULL : res.why;
  return ok;
}
