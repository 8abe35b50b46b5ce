/*
 * The cryptography of JWS verification: with x509.c (certificates) the only
 * code of the project that calls mbedTLS, and the only caller of libsodium
 * (DECISIONS.md "Crypto and platform").
 *
 * mbedTLS 2.28 (Debian) is what we build and test against; every API
 * difference with 3.6 LTS sits behind MBEDTLS_VERSION_NUMBER in
 * mbedtls_compat.h, and no struct member of an mbedTLS type is ever read or
 * written here.
 * libsodium is optional (meson feature "eddsa", ZT_HAVE_SODIUM): without it
 * Ed25519 keys are refused at import and EdDSA verification reports
 * ZT_VERIFY_NOT_IMPLEMENTED.
 *
 * Keys are immutable once imported, and everything a verification needs is
 * computed at import (shared/spec/perf.md §5 items 2 and 6):
 *  - RSA keeps N, E and the Montgomery constant RR, filled by one
 *    mbedtls_mpi_exp_mod() at import. Verification calls mbedtls_mpi_exp_mod
 *    with that RR (which it then only reads) and checks the encoding itself
 *    (RFC 8017 §8.2.2, §8.1.2, §9.1.2, §9.2). mbedtls_rsa_* verification is
 *    never used: with MBEDTLS_THREADING_C, mbedtls_rsa_public() holds the
 *    context's mutex around the exponentiation and serialises every thread
 *    that shares the key (perf.md §1, §3.6).
 *  - ECDSA runs mbedtls_ecdsa_verify() on a persistent group whose comb table
 *    for G was built at import by one deliberately failing verification
 *    (r = s = 1): the table is written on first use, so after that warm-up
 *    concurrent verifications only read the group. mbedtls_pk_verify() is
 *    never used: it copies the key into a fresh context without the table
 *    (+37% instructions, perf.md §3.1). Keys of one curve can share a group
 *    through zt_ec_groups.
 *  - HMAC keeps the hash states after the inner and outer padded keys
 *    (RFC 2104); a verification copies them, so nothing allocates.
 *
 * Verification functions are safe to call from any number of threads at
 * once on the same key without a lock, and never allocate through a
 * zt_allocator (mbedTLS allocates its MPI limbs internally). Any internal
 * failure is reported as ZT_VERIFY_BAD: fail closed.
 *
 * Policy applied here (RFC 7518 and DECISIONS.md "JWT"):
 *  - RSA: modulus of ZT_RSA_MIN_BITS to ZT_RSA_MAX_BITS bits, odd; public
 *    exponent odd, at least 3 and at most ZT_RSA_MAX_E_BITS bits (BoringSSL's
 *    bound: a larger exponent only makes verification slower); signatures of
 *    exactly the modulus length; PKCS#1 v1.5 DigestInfo with the NULL
 *    parameters only; PSS with MGF1 of the token's hash and a salt as long as
 *    the hash (RFC 7518 §3.5).
 *  - ECDSA: P-256, P-384 and P-521 only, each with its own algorithm
 *    (ES256, ES384, ES512); the public point is validated at import;
 *    signatures are R||S of exactly 2 x the field size (64, 96, 132 bytes).
 *  - HMAC: keys of at least ZT_HMAC_MIN_KEY bytes; an algorithm verifies only
 *    with a key at least as long as its hash (RFC 7518 §3.2); tags of exactly
 *    the hash length, compared in constant time.
 *  - EdDSA: Ed25519 only, signatures of exactly 64 bytes.
 *
 * Nothing here keeps global mutable state of its own or prints. (libsodium's
 * sodium_init(), called at Ed25519 import, is idempotent and thread-safe.)
 */
#ifndef ZT_CRYPTO_H
#define ZT_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jwa.h"
#include "ztauth.h"

#define ZT_DIGEST_MAX 64       /* bytes of the longest digest (SHA-512) */
#define ZT_RSA_MIN_BITS 2048u  /* RFC 7518 §3.3 */
#define ZT_RSA_MAX_BITS 8192u  /* mbedTLS's default MPI limit */
#define ZT_RSA_MAX_E_BITS 33u  /* as BoringSSL */
#define ZT_HMAC_MIN_KEY 32u    /* the shortest HMAC hash (HS256) */
#define ZT_PEM_MAX_BYTES 65536 /* a PEM public key; RSA-8192 needs ~1.5 KiB */

/* ---- Digests ------------------------------------------------------------ */

/* The digest of (msg, len) by h into out (zt_hash_size(h) bytes). False for
 * ZT_HASH_NONE or an internal failure. msg may be NULL when len is 0. */
bool zt_digest(zt_hash_id h, const void *msg, size_t len,
               uint8_t out[ZT_DIGEST_MAX]);

/* HMAC-h (RFC 2104) of (msg, len) with a key of any length, for tests and
 * tools that produce tags. Verification uses pre-keyed states instead. */
bool zt_hmac(zt_hash_id h, const void *key, size_t key_len, const void *msg,
             size_t len, uint8_t out[ZT_DIGEST_MAX]);

/* Zeroes n bytes at p in a way the compiler cannot drop. */
void zt_secure_zero(void *p, size_t n);

/* Whether this build verifies Ed25519 (libsodium present). */
bool zt_crypto_has_eddsa(void);

/* ---- Keys --------------------------------------------------------------- */

typedef enum zt_key_type {
  ZT_KEY_NONE = 0,
  ZT_KEY_RSA,
  ZT_KEY_EC,
  ZT_KEY_HMAC, /* a shared secret: "pubkey" is a misnomer kept for brevity */
  ZT_KEY_ED25519
} zt_key_type;

typedef enum zt_ec_curve {
  ZT_CURVE_NONE = 0,
  ZT_CURVE_P256,
  ZT_CURVE_P384,
  ZT_CURVE_P521
} zt_ec_curve;

/* Why an import failed. */
typedef enum zt_import_rc {
  ZT_IMPORT_OK = 0,
  ZT_IMPORT_NOMEM,           /* our allocator or mbedTLS's failed */
  ZT_IMPORT_BAD_ARGUMENT,    /* NULL where data is required */
  ZT_IMPORT_BAD_ENCODING,    /* PEM or DER that does not parse */
  ZT_IMPORT_UNSUPPORTED,     /* a well-formed key of another type (DSA...) */
  ZT_IMPORT_BAD_CURVE,       /* an EC key on a curve other than P-256/384/521 */
  ZT_IMPORT_NO_EDDSA,        /* Ed25519 in a build without libsodium */
  ZT_IMPORT_RSA_TOO_SMALL,   /* modulus < ZT_RSA_MIN_BITS */
  ZT_IMPORT_RSA_TOO_LARGE,   /* modulus > ZT_RSA_MAX_BITS */
  ZT_IMPORT_RSA_BAD_MODULUS, /* even modulus */
  ZT_IMPORT_RSA_BAD_EXPONENT,
  ZT_IMPORT_EC_BAD_POINT,   /* not a point of the curve, or too long */
  ZT_IMPORT_HMAC_TOO_SHORT, /* fewer than ZT_HMAC_MIN_KEY bytes */
  ZT_IMPORT_ED25519_BAD_LENGTH,
  ZT_IMPORT_CERT_BAD /* an X.509 certificate that does not parse */
} zt_import_rc;

/* A short static English text for rc, e.g. "RSA modulus shorter than 2048
 * bits". */
const char *zt_import_rc_text(zt_import_rc rc);

/* An imported verification key (a public key or an HMAC secret). */
typedef struct zt_pubkey zt_pubkey;

/*
 * Pre-warmed curve groups that EC keys share, one per curve, created by the
 * first EC import that names the curve. Start from zero-initialised storage
 * ({0}). Keys imported with it borrow its groups: free it with
 * zt_ec_groups_free() only after every such key is freed. Not for concurrent
 * imports; concurrent verifications are fine.
 */
typedef struct zt_ec_group zt_ec_group;
typedef struct zt_ec_groups {
  zt_ec_group *curve[3]; /* by zt_ec_curve - 1 */
} zt_ec_groups;

void zt_ec_groups_free(zt_ec_groups *groups);

/*
 * Importers. Each stores a new key in *out (NULL on failure), allocated with
 * mem (NULL: the default allocator), which the key keeps a copy of: the
 * allocator must stay usable until zt_pubkey_free(). Big-endian integers may
 * carry leading zero bytes.
 */
zt_import_rc zt_pubkey_rsa(const zt_allocator *mem, const uint8_t *n,
                           size_t n_len, const uint8_t *e, size_t e_len,
                           zt_pubkey **out);
/* groups NULL: the key gets a group of its own. */
zt_import_rc zt_pubkey_ec(const zt_allocator *mem, zt_ec_groups *groups,
                          zt_ec_curve crv, const uint8_t *x, size_t x_len,
                          const uint8_t *y, size_t y_len, zt_pubkey **out);
zt_import_rc zt_pubkey_hmac(const zt_allocator *mem, const uint8_t *k,
                            size_t k_len, zt_pubkey **out);
zt_import_rc zt_pubkey_ed25519(const zt_allocator *mem, const uint8_t *x,
                               size_t x_len, zt_pubkey **out);
/* A DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) of an RSA (rsaEncryption),
 * EC (id-ecPublicKey, named curve) or Ed25519 (RFC 8410) key, nothing after
 * it. */
zt_import_rc zt_pubkey_from_spki(const zt_allocator *mem, zt_ec_groups *groups,
                                 const uint8_t *der, size_t len,
                                 zt_pubkey **out);
/*
 * The same in PEM: optional whitespace, "-----BEGIN PUBLIC KEY-----", lines
 * of standard base64 (padding only at the end) ended by LF or CRLF,
 * "-----END PUBLIC KEY-----", optional whitespace. At most ZT_PEM_MAX_BYTES.
 */
zt_import_rc zt_pubkey_from_pem(const zt_allocator *mem, zt_ec_groups *groups,
                                const char *pem, size_t len, zt_pubkey **out);
/* The public key of a DER X.509 certificate, which must parse as a whole;
 * validity dates, extensions and signature are not judged. */
zt_import_rc zt_pubkey_from_cert(const zt_allocator *mem, zt_ec_groups *groups,
                                 const uint8_t *der, size_t len,
                                 zt_pubkey **out);
/* Frees key (NULL ok), wiping secrets. */
void zt_pubkey_free(zt_pubkey *key);

zt_key_type zt_pubkey_type(const zt_pubkey *key);
/* The curve of an EC key; ZT_CURVE_NONE for other types. */
zt_ec_curve zt_pubkey_curve(const zt_pubkey *key);
/* Modulus bits (RSA), field bits (EC), key bits (HMAC), 256 (Ed25519). */
size_t zt_pubkey_bits(const zt_pubkey *key);
/* Whether key can ever verify alg: the family fits the key type, ES* its
 * curve, an HMAC key is at least the hash length. */
bool zt_pubkey_can(const zt_pubkey *key, zt_alg alg);
/* The only signature length that can verify with key under alg (0 when
 * zt_pubkey_can() is false). */
size_t zt_pubkey_sig_len(const zt_pubkey *key, zt_alg alg);

/* ---- Verification -------------------------------------------------------- */

typedef enum zt_verify_rc {
  ZT_VERIFY_OK = 0,
  ZT_VERIFY_BAD,                  /* wrong signature, key or algorithm */
  ZT_VERIFY_ED25519_WRONG_LENGTH, /* EdDSA signature not 64 bytes */
  ZT_VERIFY_NOT_IMPLEMENTED       /* EdDSA without libsodium */
} zt_verify_rc;

/*
 * A signing input with its digests, computed on first use and kept, so that
 * trying several keys hashes the input once per hash function. One per
 * verification call, on the caller's stack; not shared between threads.
 * Members are private.
 */
typedef struct zt_signed_input {
  const uint8_t *msg;
  size_t len;
  uint8_t digest[3][ZT_DIGEST_MAX];
  unsigned have; /* bit h set: digest[h - 1] holds the digest by h */
} zt_signed_input;

void zt_signed_input_init(zt_signed_input *in, const void *msg, size_t len);

/* Verifies sig over in with key under alg. */
zt_verify_rc zt_pubkey_verify_input(const zt_pubkey *key, zt_alg alg,
                                    zt_signed_input *in, const uint8_t *sig,
                                    size_t sig_len);
/* The same for a one-off message. */
zt_verify_rc zt_pubkey_verify(const zt_pubkey *key, zt_alg alg, const void *msg,
                              size_t msg_len, const uint8_t *sig,
                              size_t sig_len);

#endif
