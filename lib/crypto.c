#include "crypto.h"

#include <string.h>

/* The compat layer first: it must precede every other mbedTLS header. */
#include "mbedtls_compat.h"

#include "mbedtls/bignum.h"
#include "mbedtls/constant_time.h"
#include "mbedtls/ecdsa.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"

#if defined(ZT_HAVE_SODIUM) && ZT_HAVE_SODIUM
#include <sodium.h>
#define ZT_SODIUM 1
#else
#define ZT_SODIUM 0
#endif

#include "alloc.h"
#include "b64url.h"

/* An mbedTLS failure during import: out of memory, or else the key's fault
 * (reported as why). */
static zt_import_rc import_failure(int ret, zt_import_rc why) {
  return zt_mbedtls_nomem(ret) ? ZT_IMPORT_NOMEM : why;
}

void zt_secure_zero(void *p, size_t n) {
  if (p && n)
    mbedtls_platform_zeroize(p, n);
}

bool zt_crypto_has_eddsa(void) {
  return ZT_SODIUM;
}

/* libsodium initialised: sodium_init() is idempotent and thread-safe, and
 * picks the implementations for this CPU. */
static bool sodium_ready(void) {
#if ZT_SODIUM
  return sodium_init() >= 0;
#else
  return false;
#endif
}

/* ---- Hash contexts ------------------------------------------------------- */

/* One hash state; the member in use follows the zt_hash_id kept beside it. */
typedef union hash_ctx {
  mbedtls_sha256_context s256;
  mbedtls_sha512_context s512;
} hash_ctx;

static bool hash_ok(zt_hash_id h) {
  return h == ZT_HASH_SHA256 || h == ZT_HASH_SHA384 || h == ZT_HASH_SHA512;
}

static size_t block_size(zt_hash_id h) {
  return h == ZT_HASH_SHA256 ? 64 : 128;
}

static void hash_init(zt_hash_id h, hash_ctx *c) {
  if (h == ZT_HASH_SHA256)
    mbedtls_sha256_init(&c->s256);
  else
    mbedtls_sha512_init(&c->s512);
}

/* Also wipes the state (mbedTLS zeroizes contexts on free). */
static void hash_free(zt_hash_id h, hash_ctx *c) {
  if (h == ZT_HASH_SHA256)
    mbedtls_sha256_free(&c->s256);
  else
    mbedtls_sha512_free(&c->s512);
}

static bool hash_start(zt_hash_id h, hash_ctx *c) {
  if (h == ZT_HASH_SHA256)
    return zt_sha256_starts(&c->s256, 0) == 0;
  return zt_sha512_starts(&c->s512, h == ZT_HASH_SHA384) == 0;
}

static bool hash_update(zt_hash_id h, hash_ctx *c, const void *p, size_t n) {
  if (n == 0)
    return true;
  if (h == ZT_HASH_SHA256)
    return zt_sha256_update(&c->s256, p, n) == 0;
  return zt_sha512_update(&c->s512, p, n) == 0;
}

/* Writes zt_hash_size(h) bytes; SHA-384 uses the first 48 of the 64. */
static bool hash_finish(zt_hash_id h, hash_ctx *c, uint8_t out[ZT_DIGEST_MAX]) {
  if (h == ZT_HASH_SHA256)
    return zt_sha256_finish(&c->s256, out) == 0;
  return zt_sha512_finish(&c->s512, out) == 0;
}

/* dst must be initialised. */
static void hash_clone(zt_hash_id h, hash_ctx *dst, const hash_ctx *src) {
  if (h == ZT_HASH_SHA256)
    mbedtls_sha256_clone(&dst->s256, &src->s256);
  else
    mbedtls_sha512_clone(&dst->s512, &src->s512);
}

/* Hashes the pieces (p[i], n[i]) in order. */
static bool hash_parts(zt_hash_id h, const void *const *p, const size_t *n,
                       size_t parts, uint8_t out[ZT_DIGEST_MAX]) {
  hash_ctx c;
  hash_init(h, &c);
  bool ok = hash_start(h, &c);
  for (size_t i = 0; ok && i < parts; i++)
    ok = hash_update(h, &c, p[i], n[i]);
  ok = ok && hash_finish(h, &c, out);
  hash_free(h, &c);
  return ok;
}

bool zt_digest(zt_hash_id h, const void *msg, size_t len,
               uint8_t out[ZT_DIGEST_MAX]) {
  if (!hash_ok(h) || (!msg && len))
    return false;
  return hash_parts(h, &msg, &len, 1, out);
}

/* ---- HMAC (RFC 2104) ----------------------------------------------------- */

/* The hash states after the inner and outer padded key. */
typedef struct hmac_state {
  hash_ctx inner, outer;
} hmac_state;

static bool hmac_prekey(zt_hash_id h, const uint8_t *key, size_t len,
                        hmac_state *st) {
  uint8_t k0[128], pad[128], kh[ZT_DIGEST_MAX];
  size_t b = block_size(h);
  hash_init(h, &st->inner);
  hash_init(h, &st->outer);
  memset(k0, 0, sizeof k0);
  if (len > b) { /* a long key is replaced by its digest */
    if (!zt_digest(h, key, len, kh))
      return false;
    key = kh;
    len = zt_hash_size(h);
  }
  if (len)
    memcpy(k0, key, len);
  for (size_t i = 0; i < b; i++)
    pad[i] = k0[i] ^ 0x36;
  bool ok = hash_start(h, &st->inner) && hash_update(h, &st->inner, pad, b);
  for (size_t i = 0; i < b; i++)
    pad[i] = k0[i] ^ 0x5c;
  ok = ok && hash_start(h, &st->outer) && hash_update(h, &st->outer, pad, b);
  zt_secure_zero(k0, sizeof k0);
  zt_secure_zero(pad, sizeof pad);
  zt_secure_zero(kh, sizeof kh);
  return ok;
}

static void hmac_state_free(zt_hash_id h, hmac_state *st) {
  hash_free(h, &st->inner);
  hash_free(h, &st->outer);
}

/* The tag of (msg, len) from pre-keyed states; no allocation. */
static bool hmac_run(zt_hash_id h, const hmac_state *st, const void *msg,
                     size_t len, uint8_t out[ZT_DIGEST_MAX]) {
  hash_ctx c;
  uint8_t ih[ZT_DIGEST_MAX];
  hash_init(h, &c);
  hash_clone(h, &c, &st->inner);
  bool ok = hash_update(h, &c, msg, len) && hash_finish(h, &c, ih);
  hash_free(h, &c);
  hash_init(h, &c);
  hash_clone(h, &c, &st->outer);
  ok = ok && hash_update(h, &c, ih, zt_hash_size(h)) && hash_finish(h, &c, out);
  hash_free(h, &c);
  zt_secure_zero(ih, sizeof ih);
  return ok;
}

bool zt_hmac(zt_hash_id h, const void *key, size_t key_len, const void *msg,
             size_t len, uint8_t out[ZT_DIGEST_MAX]) {
  hmac_state st;
  if (!hash_ok(h) || (!key && key_len) || (!msg && len))
    return false;
  bool ok =
      hmac_prekey(h, key, key_len, &st) && hmac_run(h, &st, msg, len, out);
  hmac_state_free(h, &st);
  return ok;
}

/* ---- Key objects --------------------------------------------------------- */

struct zt_ec_group {
  mbedtls_ecp_group grp;
  zt_allocator mem;
  zt_ec_curve crv;
  bool warm; /* the comb table for G is built: verification only reads */
};

typedef struct rsa_key {
  mbedtls_mpi n, e;
  mbedtls_mpi rr; /* R^2 mod N, filled at import, then only read */
  size_t len;     /* modulus bytes = signature bytes */
  size_t bits;
} rsa_key;

typedef struct ec_key {
  zt_ec_group *g;   /* shared or own */
  zt_ec_group *own; /* set when the key owns g */
  mbedtls_ecp_point q;
} ec_key;

typedef struct hmac_key {
  size_t len;
  hmac_state *st[3]; /* by hash - 1; NULL when the key is shorter */
  hmac_state *block; /* the allocation holding the states */
} hmac_key;

struct zt_pubkey {
  zt_key_type type;
  zt_allocator mem;
  union {
    rsa_key rsa;
    ec_key ec;
    hmac_key hmac;
    uint8_t ed25519[32];
  } u;
};

static const zt_allocator *mem_or_default(const zt_allocator *mem) {
  return mem ? mem : &zt_default_allocator;
}

static zt_import_rc key_new(const zt_allocator *mem, zt_key_type type,
                            zt_pubkey **out) {
  mem = mem_or_default(mem);
  zt_pubkey *k = zt_calloc(mem, 1, sizeof *k);
  if (!k)
    return ZT_IMPORT_NOMEM;
  k->type = type;
  k->mem = *mem;
  if (type == ZT_KEY_RSA) {
    mbedtls_mpi_init(&k->u.rsa.n);
    mbedtls_mpi_init(&k->u.rsa.e);
    mbedtls_mpi_init(&k->u.rsa.rr);
  } else if (type == ZT_KEY_EC) {
    mbedtls_ecp_point_init(&k->u.ec.q);
  }
  *out = k;
  return ZT_IMPORT_OK;
}

static void group_free(zt_ec_group *g) {
  if (!g)
    return;
  zt_allocator mem = g->mem;
  mbedtls_ecp_group_free(&g->grp);
  zt_free(&mem, g);
}

static void hmac_key_free(zt_pubkey *k) {
  hmac_key *hk = &k->u.hmac;
  for (int h = ZT_HASH_SHA256; h <= ZT_HASH_SHA512; h++)
    if (hk->st[h - 1])
      hmac_state_free((zt_hash_id)h, hk->st[h - 1]);
  zt_free(&k->mem, hk->block);
}

void zt_pubkey_free(zt_pubkey *key) {
  if (!key)
    return;
  switch (key->type) {
  case ZT_KEY_RSA:
    mbedtls_mpi_free(&key->u.rsa.n);
    mbedtls_mpi_free(&key->u.rsa.e);
    mbedtls_mpi_free(&key->u.rsa.rr);
    break;
  case ZT_KEY_EC:
    mbedtls_ecp_point_free(&key->u.ec.q);
    group_free(key->u.ec.own);
    break;
  case ZT_KEY_HMAC:
    hmac_key_free(key);
    break;
  default:
    break;
  }
  zt_allocator mem = key->mem;
  zt_secure_zero(key, sizeof *key);
  zt_free(&mem, key);
}

/* Frees k and passes rc on: the common exit of a failed import. */
static zt_import_rc fail(zt_pubkey *k, zt_pubkey **out, zt_import_rc rc) {
  zt_pubkey_free(k);
  *out = NULL;
  return rc;
}

zt_key_type zt_pubkey_type(const zt_pubkey *key) {
  return key ? key->type : ZT_KEY_NONE;
}

zt_ec_curve zt_pubkey_curve(const zt_pubkey *key) {
  return key && key->type == ZT_KEY_EC ? key->u.ec.g->crv : ZT_CURVE_NONE;
}

static size_t field_bytes(zt_ec_curve crv) {
  return crv == ZT_CURVE_P256 ? 32 : crv == ZT_CURVE_P384 ? 48 : 66;
}

size_t zt_pubkey_bits(const zt_pubkey *key) {
  switch (zt_pubkey_type(key)) {
  case ZT_KEY_RSA:
    return key->u.rsa.bits;
  case ZT_KEY_EC:
    return key->u.ec.g->crv == ZT_CURVE_P521
               ? 521
               : field_bytes(key->u.ec.g->crv) * 8;
  case ZT_KEY_HMAC:
    return key->u.hmac.len * 8;
  case ZT_KEY_ED25519:
    return 256;
  default:
    return 0;
  }
}

static zt_ec_curve curve_of_alg(zt_alg alg) {
  switch (alg) {
  case ZT_ALG_ES256:
    return ZT_CURVE_P256;
  case ZT_ALG_ES384:
    return ZT_CURVE_P384;
  case ZT_ALG_ES512:
    return ZT_CURVE_P521;
  default:
    return ZT_CURVE_NONE;
  }
}

bool zt_pubkey_can(const zt_pubkey *key, zt_alg alg) {
  zt_alg_family f = zt_alg_family_of(alg);
  switch (zt_pubkey_type(key)) {
  case ZT_KEY_RSA:
    return f == ZT_FAMILY_RSA_PKCS1 || f == ZT_FAMILY_RSA_PSS;
  case ZT_KEY_EC:
    return f == ZT_FAMILY_ECDSA && curve_of_alg(alg) == key->u.ec.g->crv;
  case ZT_KEY_HMAC:
    return f == ZT_FAMILY_HMAC && key->u.hmac.st[zt_alg_hash(alg) - 1];
  case ZT_KEY_ED25519:
    return f == ZT_FAMILY_EDDSA;
  default:
    return false;
  }
}

size_t zt_pubkey_sig_len(const zt_pubkey *key, zt_alg alg) {
  if (!zt_pubkey_can(key, alg))
    return 0;
  switch (key->type) {
  case ZT_KEY_RSA:
    return key->u.rsa.len;
  case ZT_KEY_EC:
    return 2 * field_bytes(key->u.ec.g->crv);
  case ZT_KEY_HMAC:
    return zt_hash_size(zt_alg_hash(alg));
  default:
    return 64;
  }
}

const char *zt_import_rc_text(zt_import_rc rc) {
  static const char *const text[] = {
      [ZT_IMPORT_OK] = "imported",
      [ZT_IMPORT_NOMEM] = "out of memory",
      [ZT_IMPORT_BAD_ARGUMENT] = "missing key data",
      [ZT_IMPORT_BAD_ENCODING] = "PEM or DER that does not parse",
      [ZT_IMPORT_UNSUPPORTED] = "key type other than RSA, EC and Ed25519",
      [ZT_IMPORT_BAD_CURVE] = "EC curve other than P-256, P-384 and P-521",
      [ZT_IMPORT_NO_EDDSA] = "Ed25519 needs libsodium, absent from this build",
      [ZT_IMPORT_RSA_TOO_SMALL] = "RSA modulus shorter than 2048 bits",
      [ZT_IMPORT_RSA_TOO_LARGE] = "RSA modulus longer than 8192 bits",
      [ZT_IMPORT_RSA_BAD_MODULUS] = "RSA modulus is even",
      [ZT_IMPORT_RSA_BAD_EXPONENT] =
          "RSA exponent not odd, or outside 3 to 2^33",
      [ZT_IMPORT_EC_BAD_POINT] = "EC coordinates are not a point of the curve",
      [ZT_IMPORT_HMAC_TOO_SHORT] = "HMAC key shorter than 32 bytes",
      [ZT_IMPORT_ED25519_BAD_LENGTH] = "Ed25519 key is not 32 bytes",
      [ZT_IMPORT_CERT_BAD] = "X.509 certificate that does not parse",
  };
  if ((unsigned)rc >= sizeof text / sizeof text[0] || !text[rc])
    return "unknown import result";
  return text[rc];
}

/* ---- RSA import ---------------------------------------------------------- */

/* Checks the policy on N and E (already in k), then fills RR with one
 * exponentiation: mbedtls_mpi_exp_mod() computes RR when it is empty and
 * only reads it afterwards (its documented contract), so verifications
 * sharing the key never write it. RR depends on N alone: the exponent 1
 * keeps the warm-up to the cost of RR itself. */
static zt_import_rc rsa_finish(rsa_key *k) {
  size_t bits = mbedtls_mpi_bitlen(&k->n);
  size_t ebits = mbedtls_mpi_bitlen(&k->e);
  if (bits < ZT_RSA_MIN_BITS)
    return ZT_IMPORT_RSA_TOO_SMALL;
  if (bits > ZT_RSA_MAX_BITS)
    return ZT_IMPORT_RSA_TOO_LARGE;
  if (mbedtls_mpi_get_bit(&k->n, 0) != 1)
    return ZT_IMPORT_RSA_BAD_MODULUS;
  if (ebits < 2 || ebits > ZT_RSA_MAX_E_BITS ||
      mbedtls_mpi_get_bit(&k->e, 0) != 1)
    return ZT_IMPORT_RSA_BAD_EXPONENT;
  k->bits = bits;
  k->len = (bits + 7) / 8;
  mbedtls_mpi two, one, x;
  mbedtls_mpi_init(&two);
  mbedtls_mpi_init(&one);
  mbedtls_mpi_init(&x);
  int ret = mbedtls_mpi_lset(&two, 2);
  if (ret == 0)
    ret = mbedtls_mpi_lset(&one, 1);
  if (ret == 0)
    ret = mbedtls_mpi_exp_mod(&x, &two, &one, &k->n, &k->rr);
  mbedtls_mpi_free(&two);
  mbedtls_mpi_free(&one);
  mbedtls_mpi_free(&x);
  return ret == 0 ? ZT_IMPORT_OK
                  : import_failure(ret, ZT_IMPORT_RSA_BAD_MODULUS);
}

zt_import_rc zt_pubkey_rsa(const zt_allocator *mem, const uint8_t *n,
                           size_t n_len, const uint8_t *e, size_t e_len,
                           zt_pubkey **out) {
  zt_pubkey *k = NULL;
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if ((!n && n_len) || (!e && e_len))
    return ZT_IMPORT_BAD_ARGUMENT;
  zt_import_rc rc = key_new(mem, ZT_KEY_RSA, &k);
  if (rc != ZT_IMPORT_OK)
    return rc;
  /* read_binary refuses only what exceeds mbedTLS's MPI limit. */
  int ret = mbedtls_mpi_read_binary(&k->u.rsa.n, n, n_len);
  if (ret != 0)
    return fail(k, out, import_failure(ret, ZT_IMPORT_RSA_TOO_LARGE));
  ret = mbedtls_mpi_read_binary(&k->u.rsa.e, e, e_len);
  if (ret != 0)
    return fail(k, out, import_failure(ret, ZT_IMPORT_RSA_BAD_EXPONENT));
  rc = rsa_finish(&k->u.rsa);
  if (rc != ZT_IMPORT_OK)
    return fail(k, out, rc);
  *out = k;
  return ZT_IMPORT_OK;
}

/* ---- EC import ----------------------------------------------------------- */

static mbedtls_ecp_group_id group_id(zt_ec_curve crv) {
  switch (crv) {
  case ZT_CURVE_P256:
    return MBEDTLS_ECP_DP_SECP256R1;
  case ZT_CURVE_P384:
    return MBEDTLS_ECP_DP_SECP384R1;
  default:
    return MBEDTLS_ECP_DP_SECP521R1;
  }
}

static zt_import_rc group_new(const zt_allocator *mem, zt_ec_curve crv,
                              zt_ec_group **out) {
  mem = mem_or_default(mem);
  zt_ec_group *g = zt_calloc(mem, 1, sizeof *g);
  if (!g)
    return ZT_IMPORT_NOMEM;
  g->mem = *mem;
  g->crv = crv;
  mbedtls_ecp_group_init(&g->grp);
  int ret = mbedtls_ecp_group_load(&g->grp, group_id(crv));
  if (ret != 0) {
    group_free(g);
    return import_failure(ret, ZT_IMPORT_BAD_CURVE);
  }
  *out = g;
  return ZT_IMPORT_OK;
}

void zt_ec_groups_free(zt_ec_groups *groups) {
  if (!groups)
    return;
  for (size_t i = 0; i < 3; i++) {
    group_free(groups->curve[i]);
    groups->curve[i] = NULL;
  }
}

/* The group a new key of curve crv uses: the shared one (created on first
 * use) or, without groups, one the key owns. */
static zt_import_rc key_group(const zt_allocator *mem, zt_ec_groups *groups,
                              zt_ec_curve crv, ec_key *ek) {
  if (!groups) {
    zt_import_rc rc = group_new(mem, crv, &ek->own);
    ek->g = ek->own;
    return rc;
  }
  zt_ec_group **slot = &groups->curve[crv - 1];
  if (!*slot) {
    zt_import_rc rc = group_new(mem, crv, slot);
    if (rc != ZT_IMPORT_OK)
      return rc;
  }
  ek->g = *slot;
  return ZT_IMPORT_OK;
}

/* Builds the comb table for G by one verification that must fail
 * (r = s = 1): mbedTLS fills the group's table on the first multiplication
 * of G, a write, so it must happen here and not under concurrent
 * verifications. VERIFY_FAILED (or, against all odds, success) means the
 * multiplication ran to the end and the table is in place. */
static zt_import_rc group_warm(zt_ec_group *g, const mbedtls_ecp_point *q) {
  if (g->warm)
    return ZT_IMPORT_OK;
  uint8_t h[32];
  mbedtls_mpi r, s;
  memset(h, 0x5a, sizeof h); /* any digest that is not 0, 1 or -1 mod n */
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  int ret = mbedtls_mpi_lset(&r, 1);
  if (ret == 0)
    ret = mbedtls_mpi_lset(&s, 1);
  if (ret == 0)
    ret = mbedtls_ecdsa_verify(&g->grp, h, sizeof h, q, &r, &s);
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  if (ret != 0 && ret != MBEDTLS_ERR_ECP_VERIFY_FAILED)
    return import_failure(ret, ZT_IMPORT_EC_BAD_POINT);
  g->warm = true;
  return ZT_IMPORT_OK;
}

/* An uncompressed point (0x04 || X || Y), validated on the curve. */
static zt_import_rc ec_import_point(const zt_allocator *mem,
                                    zt_ec_groups *groups, zt_ec_curve crv,
                                    const uint8_t *pt, size_t len,
                                    zt_pubkey **out) {
  zt_pubkey *k = NULL;
  zt_import_rc rc = key_new(mem, ZT_KEY_EC, &k);
  if (rc != ZT_IMPORT_OK)
    return rc;
  ec_key *ek = &k->u.ec;
  rc = key_group(mem, groups, crv, ek);
  if (rc != ZT_IMPORT_OK)
    return fail(k, out, rc);
  int ret = mbedtls_ecp_point_read_binary(&ek->g->grp, &ek->q, pt, len);
  if (ret == 0)
    ret = mbedtls_ecp_check_pubkey(&ek->g->grp, &ek->q);
  if (ret != 0)
    return fail(k, out, import_failure(ret, ZT_IMPORT_EC_BAD_POINT));
  rc = group_warm(ek->g, &ek->q);
  if (rc != ZT_IMPORT_OK)
    return fail(k, out, rc);
  *out = k;
  return ZT_IMPORT_OK;
}

/* Writes big-endian v right-aligned in dst of flen bytes. Leading zero
 * bytes of v are dropped (JWK producers add or omit them). */
static bool put_coord(uint8_t *dst, size_t flen, const uint8_t *v, size_t len) {
  while (len && *v == 0) {
    v++;
    len--;
  }
  if (len > flen)
    return false;
  memset(dst, 0, flen - len);
  if (len)
    memcpy(dst + flen - len, v, len);
  return true;
}

zt_import_rc zt_pubkey_ec(const zt_allocator *mem, zt_ec_groups *groups,
                          zt_ec_curve crv, const uint8_t *x, size_t x_len,
                          const uint8_t *y, size_t y_len, zt_pubkey **out) {
  uint8_t pt[1 + 2 * 66];
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if ((!x && x_len) || (!y && y_len))
    return ZT_IMPORT_BAD_ARGUMENT;
  if (crv != ZT_CURVE_P256 && crv != ZT_CURVE_P384 && crv != ZT_CURVE_P521)
    return ZT_IMPORT_BAD_CURVE;
  size_t flen = field_bytes(crv);
  pt[0] = 0x04;
  if (!put_coord(pt + 1, flen, x, x_len) ||
      !put_coord(pt + 1 + flen, flen, y, y_len))
    return ZT_IMPORT_EC_BAD_POINT;
  return ec_import_point(mem, groups, crv, pt, 1 + 2 * flen, out);
}

/* ---- HMAC and Ed25519 import --------------------------------------------- */

/* Pre-keys one state per hash the key is long enough for. */
zt_import_rc zt_pubkey_hmac(const zt_allocator *mem, const uint8_t *k,
                            size_t k_len, zt_pubkey **out) {
  zt_pubkey *key = NULL;
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if (!k && k_len)
    return ZT_IMPORT_BAD_ARGUMENT;
  if (k_len < ZT_HMAC_MIN_KEY)
    return ZT_IMPORT_HMAC_TOO_SHORT;
  zt_import_rc rc = key_new(mem, ZT_KEY_HMAC, &key);
  if (rc != ZT_IMPORT_OK)
    return rc;
  hmac_key *hk = &key->u.hmac;
  hk->len = k_len;
  hk->block = zt_calloc(&key->mem, 3, sizeof(hmac_state));
  if (!hk->block)
    return fail(key, out, ZT_IMPORT_NOMEM);
  for (int h = ZT_HASH_SHA256; h <= ZT_HASH_SHA512; h++) {
    if (k_len < zt_hash_size((zt_hash_id)h))
      continue;
    hk->st[h - 1] = &hk->block[h - 1];
    /* Hashing never fails on valid contexts; fail closed all the same. */
    if (!hmac_prekey((zt_hash_id)h, k, k_len, hk->st[h - 1]))
      return fail(key, out, ZT_IMPORT_NOMEM);
  }
  *out = key;
  return ZT_IMPORT_OK;
}

zt_import_rc zt_pubkey_ed25519(const zt_allocator *mem, const uint8_t *x,
                               size_t x_len, zt_pubkey **out) {
  zt_pubkey *k = NULL;
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if (!x && x_len)
    return ZT_IMPORT_BAD_ARGUMENT;
  if (x_len != 32)
    return ZT_IMPORT_ED25519_BAD_LENGTH;
  if (!sodium_ready())
    return ZT_IMPORT_NO_EDDSA;
  zt_import_rc rc = key_new(mem, ZT_KEY_ED25519, &k);
  if (rc != ZT_IMPORT_OK)
    return rc;
  memcpy(k->u.ed25519, x, 32);
  *out = k;
  return ZT_IMPORT_OK;
}

/* ---- DER ----------------------------------------------------------------- */

typedef struct span {
  const uint8_t *p;
  size_t n;
} span;

/* Takes the next element of *in when its tag is tag: *val receives the
 * contents, *tlv (may be NULL) the whole element. Definite, minimally
 * encoded lengths only (DER); at most 16 MiB. */
static bool der_take(span *in, uint8_t tag, span *val, span *tlv) {
  if (in->n < 2 || in->p[0] != tag)
    return false;
  size_t hdr = 2, len = in->p[1];
  if (len & 0x80) {
    size_t k = len & 0x7f;
    if (k == 0 || k > 3 || in->n < 2 + k || in->p[2] == 0)
      return false;
    len = 0;
    for (size_t i = 0; i < k; i++)
      len = len << 8 | in->p[2 + i];
    if (len < 0x80)
      return false;
    hdr += k;
  }
  if (in->n - hdr < len)
    return false;
  val->p = in->p + hdr;
  val->n = len;
  if (tlv) {
    tlv->p = in->p;
    tlv->n = hdr + len;
  }
  in->p += hdr + len;
  in->n -= hdr + len;
  return true;
}

static bool der_is(span d, const uint8_t *bytes, size_t n) {
  return d.n == n && memcmp(d.p, bytes, n) == 0;
}

/* OID contents (X.690 §8.19): rsaEncryption 1.2.840.113549.1.1.1,
 * id-ecPublicKey 1.2.840.10045.2.1, the named curves prime256v1
 * 1.2.840.10045.3.1.7, secp384r1 1.3.132.0.34 and secp521r1 1.3.132.0.35,
 * and id-Ed25519 1.3.101.112 (RFC 8410). */
static const uint8_t oid_rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                  0x0d, 0x01, 0x01, 0x01};
static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_p521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};

/* What a SubjectPublicKeyInfo holds, found by our own reader (mbedTLS 2.28
 * does not know Ed25519). */
typedef struct spki {
  zt_key_type type; /* ZT_KEY_NONE: another algorithm */
  zt_ec_curve crv;  /* EC: ZT_CURVE_NONE for another curve */
  span key;         /* the BIT STRING's bits */
} spki;

static zt_ec_curve curve_of_oid(span oid) {
  if (der_is(oid, oid_p256, sizeof oid_p256))
    return ZT_CURVE_P256;
  if (der_is(oid, oid_p384, sizeof oid_p384))
    return ZT_CURVE_P384;
  if (der_is(oid, oid_p521, sizeof oid_p521))
    return ZT_CURVE_P521;
  return ZT_CURVE_NONE;
}

/* SEQUENCE { SEQUENCE { OID, params }, BIT STRING } and nothing after. The
 * RSA parameters are left to mbedTLS; EC needs a named curve; Ed25519 has
 * no parameters (RFC 8410 §3). */
static bool spki_read(const uint8_t *p, size_t n, spki *out) {
  span all = {p, n}, seq, alg, oid, bits, curve;
  memset(out, 0, sizeof *out);
  if (!der_take(&all, 0x30, &seq, NULL) || all.n != 0 ||
      !der_take(&seq, 0x30, &alg, NULL) || !der_take(&alg, 0x06, &oid, NULL) ||
      !der_take(&seq, 0x03, &bits, NULL) || seq.n != 0 || bits.n < 1 ||
      bits.p[0] != 0)
    return false;
  out->key.p = bits.p + 1;
  out->key.n = bits.n - 1;
  if (der_is(oid, oid_rsa, sizeof oid_rsa)) {
    out->type = ZT_KEY_RSA;
  } else if (der_is(oid, oid_ec, sizeof oid_ec)) {
    out->type = ZT_KEY_EC;
    if (alg.n && alg.p[0] == 0x06) {
      if (!der_take(&alg, 0x06, &curve, NULL) || alg.n != 0)
        return false;
      out->crv = curve_of_oid(curve);
    }
  } else if (der_is(oid, oid_ed25519, sizeof oid_ed25519)) {
    out->type = ZT_KEY_ED25519;
    return alg.n == 0;
  }
  return true;
}

/* Parses der with mbedTLS, which must find a key of type want. */
static zt_import_rc pk_parse(mbedtls_pk_context *pk, const uint8_t *der,
                             size_t len, mbedtls_pk_type_t want) {
  int ret = mbedtls_pk_parse_public_key(pk, der, len);
  if (ret != 0)
    return import_failure(ret, ZT_IMPORT_BAD_ENCODING);
  return mbedtls_pk_get_type(pk) == want ? ZT_IMPORT_OK
                                         : ZT_IMPORT_BAD_ENCODING;
}

static zt_import_rc spki_rsa(const zt_allocator *mem, const uint8_t *der,
                             size_t len, zt_pubkey **out) {
  mbedtls_pk_context pk;
  zt_pubkey *k = NULL;
  mbedtls_pk_init(&pk);
  zt_import_rc rc = pk_parse(&pk, der, len, MBEDTLS_PK_RSA);
  if (rc == ZT_IMPORT_OK)
    rc = key_new(mem, ZT_KEY_RSA, &k);
  if (rc == ZT_IMPORT_OK) {
    int ret = mbedtls_rsa_export(mbedtls_pk_rsa(pk), &k->u.rsa.n, NULL, NULL,
                                 NULL, &k->u.rsa.e);
    rc = ret ? import_failure(ret, ZT_IMPORT_BAD_ENCODING)
             : rsa_finish(&k->u.rsa);
  }
  mbedtls_pk_free(&pk);
  if (rc != ZT_IMPORT_OK)
    return fail(k, out, rc);
  *out = k;
  return ZT_IMPORT_OK;
}

/* mbedTLS validates the whole SubjectPublicKeyInfo, point included; the
 * key is then imported from the point our reader found. */
static zt_import_rc spki_ec(const zt_allocator *mem, zt_ec_groups *groups,
                            const uint8_t *der, size_t len, const spki *s,
                            zt_pubkey **out) {
  if (s->crv == ZT_CURVE_NONE)
    return ZT_IMPORT_BAD_CURVE;
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  zt_import_rc rc = pk_parse(&pk, der, len, MBEDTLS_PK_ECKEY);
  mbedtls_pk_free(&pk);
  if (rc != ZT_IMPORT_OK)
    return rc;
  return ec_import_point(mem, groups, s->crv, s->key.p, s->key.n, out);
}

zt_import_rc zt_pubkey_from_spki(const zt_allocator *mem, zt_ec_groups *groups,
                                 const uint8_t *der, size_t len,
                                 zt_pubkey **out) {
  spki s;
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if (!der)
    return ZT_IMPORT_BAD_ARGUMENT;
  if (!spki_read(der, len, &s))
    return ZT_IMPORT_BAD_ENCODING;
  switch (s.type) {
  case ZT_KEY_RSA:
    return spki_rsa(mem, der, len, out);
  case ZT_KEY_EC:
    return spki_ec(mem, groups, der, len, &s, out);
  case ZT_KEY_ED25519: {
    zt_import_rc rc = zt_pubkey_ed25519(mem, s.key.p, s.key.n, out);
    return rc == ZT_IMPORT_ED25519_BAD_LENGTH ? ZT_IMPORT_BAD_ENCODING : rc;
  }
  default:
    return ZT_IMPORT_UNSUPPORTED;
  }
}

/* ---- PEM ----------------------------------------------------------------- */

static const char pem_begin[] = "-----BEGIN PUBLIC KEY-----";
static const char pem_end[] = "-----END PUBLIC KEY-----";

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The line at *pos without its LF or CRLF; false at the end of the text. */
static bool next_line(const char *s, size_t n, size_t *pos, span *line) {
  if (*pos >= n)
    return false;
  const char *start = s + *pos;
  const char *nl = memchr(start, '\n', n - *pos);
  size_t len = nl ? (size_t)(nl - start) : n - *pos;
  *pos += nl ? len + 1 : len;
  if (len && start[len - 1] == '\r')
    len--;
  line->p = (const uint8_t *)start;
  line->n = len;
  return true;
}

static bool line_is(span line, const char *lit) {
  return der_is(line, (const uint8_t *)lit, strlen(lit));
}

/* Joins the base64 lines between the markers into b64 (room for n bytes).
 * Whitespace may surround the markers; body lines may not be empty. */
static bool pem_body(const char *s, size_t n, char *b64, size_t *b64_len) {
  size_t pos = 0, o = 0;
  span line;
  while (pos < n && is_space(s[pos]))
    pos++;
  if (!next_line(s, n, &pos, &line) || !line_is(line, pem_begin))
    return false;
  for (;;) {
    if (!next_line(s, n, &pos, &line) || line.n == 0)
      return false;
    if (line_is(line, pem_end))
      break;
    memcpy(b64 + o, line.p, line.n);
    o += line.n;
  }
  for (; pos < n; pos++)
    if (!is_space(s[pos]))
      return false;
  *b64_len = o;
  return o > 0;
}

zt_import_rc zt_pubkey_from_pem(const zt_allocator *mem, zt_ec_groups *groups,
                                const char *pem, size_t len, zt_pubkey **out) {
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if (!pem && len)
    return ZT_IMPORT_BAD_ARGUMENT;
  if (len > ZT_PEM_MAX_BYTES)
    return ZT_IMPORT_BAD_ENCODING;
  const zt_allocator *m = mem_or_default(mem);
  size_t cap = zt_b64_decoded_len(len);
  uint8_t *buf = zt_alloc(m, len + cap);
  if (!buf)
    return ZT_IMPORT_NOMEM;
  char *b64 = (char *)buf + cap;
  size_t b64_len = 0, derlen = 0;
  zt_import_rc rc = ZT_IMPORT_BAD_ENCODING;
  if (pem_body(pem, len, b64, &b64_len) &&
      zt_b64_decode(b64, b64_len, buf, cap, &derlen))
    rc = zt_pubkey_from_spki(mem, groups, buf, derlen, out);
  zt_free(m, buf);
  return rc;
}

/* ---- X.509 --------------------------------------------------------------- */

/* The SubjectPublicKeyInfo element of a certificate (RFC 5280 §4.1):
 * tbsCertificate's [0] version, serial, signature, issuer, validity and
 * subject come before it. */
static bool cert_spki(const uint8_t *p, size_t n, span *spki_tlv) {
  span all = {p, n}, cert, tbs, skip;
  if (!der_take(&all, 0x30, &cert, NULL) || all.n != 0 ||
      !der_take(&cert, 0x30, &tbs, NULL))
    return false;
  if (tbs.n && tbs.p[0] == 0xa0 && !der_take(&tbs, 0xa0, &skip, NULL))
    return false;
  static const uint8_t before[] = {0x02, 0x30, 0x30, 0x30, 0x30};
  for (size_t i = 0; i < sizeof before; i++)
    if (!der_take(&tbs, before[i], &skip, NULL))
      return false;
  return der_take(&tbs, 0x30, &skip, spki_tlv);
}

/* mbedTLS judges the certificate as a whole; the key is read from its
 * SubjectPublicKeyInfo by our own path, so that no member of
 * mbedtls_x509_crt is read. */
zt_import_rc zt_pubkey_from_cert(const zt_allocator *mem, zt_ec_groups *groups,
                                 const uint8_t *der, size_t len,
                                 zt_pubkey **out) {
  if (!out)
    return ZT_IMPORT_BAD_ARGUMENT;
  *out = NULL;
  if (!der)
    return ZT_IMPORT_BAD_ARGUMENT;
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  int ret = mbedtls_x509_crt_parse_der(&crt, der, len);
  mbedtls_x509_crt_free(&crt);
  if (ret != 0)
    return import_failure(ret, ZT_IMPORT_CERT_BAD);
  span s;
  if (!cert_spki(der, len, &s))
    return ZT_IMPORT_CERT_BAD;
  return zt_pubkey_from_spki(mem, groups, s.p, s.n, out);
}

/* ---- Verification -------------------------------------------------------- */

void zt_signed_input_init(zt_signed_input *in, const void *msg, size_t len) {
  in->msg = msg;
  in->len = len;
  in->have = 0;
}

/* The digest of the input by h, computed once. */
static const uint8_t *input_digest(zt_signed_input *in, zt_hash_id h) {
  if (!hash_ok(h))
    return NULL;
  unsigned bit = 1u << h;
  if (!(in->have & bit)) {
    if (!zt_digest(h, in->msg, in->len, in->digest[h - 1]))
      return NULL;
    in->have |= bit;
  }
  return in->digest[h - 1];
}

static bool ct_equal(const void *a, const void *b, size_t n) {
  return mbedtls_ct_memcmp(a, b, n) == 0;
}

/* RSAVP1 (RFC 8017 §5.2.2) into em (k->len bytes): s < n, then s^e mod n
 * with the precomputed RR, which mbedtls_mpi_exp_mod() only reads once it is
 * filled. The cast drops the const of a key that is never written. */
static bool rsa_public(const rsa_key *k, const uint8_t *sig, uint8_t *em) {
  mbedtls_mpi s, m;
  mbedtls_mpi_init(&s);
  mbedtls_mpi_init(&m);
  bool ok =
      mbedtls_mpi_read_binary(&s, sig, k->len) == 0 &&
      mbedtls_mpi_cmp_mpi(&s, &k->n) < 0 &&
      mbedtls_mpi_exp_mod(&m, &s, &k->e, &k->n, (mbedtls_mpi *)&k->rr) == 0 &&
      mbedtls_mpi_write_binary(&m, em, k->len) == 0;
  mbedtls_mpi_free(&s);
  mbedtls_mpi_free(&m);
  return ok;
}

/* The DER prefix of DigestInfo for each hash, RFC 8017 §9.2 note 1. */
static const uint8_t di_sha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                    0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t di_sha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                    0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t di_sha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                    0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                    0x03, 0x05, 0x00, 0x04, 0x40};

/* EMSA-PKCS1-v1_5 (RFC 8017 §9.2): em must be exactly
 * 00 01 FF..FF 00 DigestInfo-prefix H. Every byte is compared, so no
 * variant (missing NULL, other lengths, garbage) passes. */
static bool pkcs1_check(const uint8_t *em, size_t k, zt_hash_id h,
                        const uint8_t *hash) {
  const uint8_t *di = h == ZT_HASH_SHA256   ? di_sha256
                      : h == ZT_HASH_SHA384 ? di_sha384
                                            : di_sha512;
  size_t di_len = sizeof di_sha256, hlen = zt_hash_size(h);
  size_t t_len = di_len + hlen;
  if (k < t_len + 11)
    return false;
  unsigned diff = em[0];
  diff |= em[1] ^ 0x01u;
  for (size_t i = 2; i < k - t_len - 1; i++)
    diff |= em[i] ^ 0xffu;
  diff |= em[k - t_len - 1];
  diff |= !ct_equal(em + k - t_len, di, di_len);
  diff |= !ct_equal(em + k - hlen, hash, hlen);
  return diff == 0;
}

/* MGF1 (RFC 8017 B.2.1) with hash h: XORs the mask of seed into out. */
static bool mgf1_xor(zt_hash_id h, const uint8_t *seed, size_t seed_len,
                     uint8_t *out, size_t len) {
  uint8_t t[ZT_DIGEST_MAX];
  size_t hlen = zt_hash_size(h);
  for (uint32_t c = 0; (size_t)c * hlen < len; c++) {
    uint8_t ctr[4] = {(uint8_t)(c >> 24), (uint8_t)(c >> 16), (uint8_t)(c >> 8),
                      (uint8_t)c};
    const void *p[2] = {seed, ctr};
    size_t n[2] = {seed_len, 4};
    if (!hash_parts(h, p, n, 2, t))
      return false;
    size_t off = (size_t)c * hlen;
    for (size_t i = 0; i < hlen && off + i < len; i++)
      out[off + i] ^= t[i];
  }
  return true;
}

/* EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with emBits = modBits - 1 and
 * sLen = hLen (RFC 7518 §3.5). em holds k bytes; when emBits is a multiple
 * of 8, EM is one byte shorter and the first byte must be zero. */
static bool pss_check(const uint8_t *em, size_t k, size_t mod_bits,
                      zt_hash_id h, const uint8_t *hash) {
  uint8_t db[ZT_RSA_MAX_BITS / 8], h2[ZT_DIGEST_MAX];
  size_t em_bits = mod_bits - 1, em_len = (em_bits + 7) / 8;
  size_t hlen = zt_hash_size(h), slen = hlen;
  if (em_len < k) {
    if (em[0] != 0)
      return false;
    em++;
  }
  if (em_len < hlen + slen + 2 || em[em_len - 1] != 0xbc)
    return false;
  size_t db_len = em_len - hlen - 1;
  const uint8_t *hh = em + db_len;
  unsigned top = (unsigned)(8 * em_len - em_bits); /* 0..7 bits to clear */
  if (em[0] & (uint8_t)(0xff00u >> top))
    return false;
  memcpy(db, em, db_len);
  if (!mgf1_xor(h, hh, hlen, db, db_len))
    return false;
  db[0] &= (uint8_t)(0xffu >> top);
  unsigned diff = 0;
  for (size_t i = 0; i < db_len - slen - 1; i++)
    diff |= db[i];
  diff |= db[db_len - slen - 1] ^ 0x01u;
  static const uint8_t zeros[8] = {0};
  const void *p[3] = {zeros, hash, db + db_len - slen};
  size_t n[3] = {8, hlen, slen};
  if (diff != 0 || !hash_parts(h, p, n, 3, h2))
    return false;
  return ct_equal(hh, h2, hlen);
}

static zt_verify_rc rsa_verify(const rsa_key *k, zt_alg alg,
                               zt_signed_input *in, const uint8_t *sig,
                               size_t sig_len) {
  uint8_t em[ZT_RSA_MAX_BITS / 8];
  zt_hash_id h = zt_alg_hash(alg);
  const uint8_t *hash = input_digest(in, h);
  if (sig_len != k->len || !hash || !rsa_public(k, sig, em))
    return ZT_VERIFY_BAD;
  bool ok = zt_alg_family_of(alg) == ZT_FAMILY_RSA_PSS
                ? pss_check(em, k->len, k->bits, h, hash)
                : pkcs1_check(em, k->len, h, hash);
  return ok ? ZT_VERIFY_OK : ZT_VERIFY_BAD;
}

/* R || S of exactly twice the field size (RFC 7518 §3.4); mbedTLS rejects
 * r or s outside [1, n-1] and re-checks Q. */
static zt_verify_rc ec_verify(const ec_key *k, zt_alg alg, zt_signed_input *in,
                              const uint8_t *sig, size_t sig_len) {
  size_t flen = field_bytes(k->g->crv);
  zt_hash_id h = zt_alg_hash(alg);
  const uint8_t *hash = input_digest(in, h);
  if (sig_len != 2 * flen || !hash)
    return ZT_VERIFY_BAD;
  mbedtls_mpi r, s;
  mbedtls_mpi_init(&r);
  mbedtls_mpi_init(&s);
  bool ok = mbedtls_mpi_read_binary(&r, sig, flen) == 0 &&
            mbedtls_mpi_read_binary(&s, sig + flen, flen) == 0 &&
            mbedtls_ecdsa_verify(&k->g->grp, hash, zt_hash_size(h), &k->q, &r,
                                 &s) == 0;
  mbedtls_mpi_free(&r);
  mbedtls_mpi_free(&s);
  return ok ? ZT_VERIFY_OK : ZT_VERIFY_BAD;
}

static zt_verify_rc hmac_verify(const hmac_key *k, zt_alg alg,
                                const zt_signed_input *in, const uint8_t *sig,
                                size_t sig_len) {
  uint8_t tag[ZT_DIGEST_MAX];
  zt_hash_id h = zt_alg_hash(alg);
  size_t hlen = zt_hash_size(h);
  if (sig_len != hlen || !hmac_run(h, k->st[h - 1], in->msg, in->len, tag))
    return ZT_VERIFY_BAD;
  bool ok = ct_equal(tag, sig, hlen);
  zt_secure_zero(tag, sizeof tag);
  return ok ? ZT_VERIFY_OK : ZT_VERIFY_BAD;
}

static zt_verify_rc ed25519_verify(const uint8_t pk[32],
                                   const zt_signed_input *in,
                                   const uint8_t *sig, size_t sig_len) {
  if (sig_len != 64)
    return ZT_VERIFY_ED25519_WRONG_LENGTH;
#if ZT_SODIUM
  return crypto_sign_ed25519_verify_detached(sig, in->msg, in->len, pk) == 0
             ? ZT_VERIFY_OK
             : ZT_VERIFY_BAD;
#else
  (void)pk;
  (void)in;
  (void)sig;
  return ZT_VERIFY_NOT_IMPLEMENTED;
#endif
}

zt_verify_rc zt_pubkey_verify_input(const zt_pubkey *key, zt_alg alg,
                                    zt_signed_input *in, const uint8_t *sig,
                                    size_t sig_len) {
  if (alg == ZT_ALG_EDDSA && !ZT_SODIUM)
    return ZT_VERIFY_NOT_IMPLEMENTED;
  if (!in || (!in->msg && in->len) || (!sig && sig_len) ||
      !zt_pubkey_can(key, alg))
    return ZT_VERIFY_BAD;
  switch (key->type) {
  case ZT_KEY_RSA:
    return rsa_verify(&key->u.rsa, alg, in, sig, sig_len);
  case ZT_KEY_EC:
    return ec_verify(&key->u.ec, alg, in, sig, sig_len);
  case ZT_KEY_HMAC:
    return hmac_verify(&key->u.hmac, alg, in, sig, sig_len);
  case ZT_KEY_ED25519:
    return ed25519_verify(key->u.ed25519, in, sig, sig_len);
  default:
    return ZT_VERIFY_BAD;
  }
}

zt_verify_rc zt_pubkey_verify(const zt_pubkey *key, zt_alg alg, const void *msg,
                              size_t msg_len, const uint8_t *sig,
                              size_t sig_len) {
  zt_signed_input in;
  zt_signed_input_init(&in, msg, msg_len);
  return zt_pubkey_verify_input(key, alg, &in, sig, sig_len);
}
