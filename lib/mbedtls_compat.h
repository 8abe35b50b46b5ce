/*
 * The mbedTLS compat layer: every difference between mbedTLS 2.28 (Debian,
 * the tested target) and 3.x that crypto.c and x509.c, the only callers of
 * mbedTLS, depend on sits here, behind MBEDTLS_VERSION_NUMBER, so that 3.6
 * LTS builds too (DECISIONS.md "Crypto and platform").
 *
 * Include it before any other mbedTLS header: on 3.0 to 3.5 the
 * certificate facts below are private members, and MBEDTLS_PRIVATE() only
 * opens them when MBEDTLS_ALLOW_PRIVATE_ACCESS is defined before the first
 * mbedTLS header. 2.28 ignores the macro and 3.6 has accessors, so the
 * definition changes nothing there.
 */
#ifndef ZT_MBEDTLS_COMPAT_H
#define ZT_MBEDTLS_COMPAT_H

#ifndef MBEDTLS_ALLOW_PRIVATE_ACCESS
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#endif

#include <stdbool.h>

/* version.h first: it pulls in the configuration of either major version. */
#include "mbedtls/version.h"

#include "mbedtls/asn1.h"
#include "mbedtls/bignum.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"
#include "mbedtls/x509.h"
#include "mbedtls/x509_crt.h"

/* ---- Hashes (crypto.c) --------------------------------------------------- */

/* 2.28 names the int-returning hash functions *_ret (the plain names are
 * deprecated void functions there); 3.0 removed the suffix. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define zt_sha256_starts mbedtls_sha256_starts
#define zt_sha256_update mbedtls_sha256_update
#define zt_sha256_finish mbedtls_sha256_finish
#define zt_sha512_starts mbedtls_sha512_starts
#define zt_sha512_update mbedtls_sha512_update
#define zt_sha512_finish mbedtls_sha512_finish
#else
#define zt_sha256_starts mbedtls_sha256_starts_ret
#define zt_sha256_update mbedtls_sha256_update_ret
#define zt_sha256_finish mbedtls_sha256_finish_ret
#define zt_sha512_starts mbedtls_sha512_starts_ret
#define zt_sha512_update mbedtls_sha512_update_ret
#define zt_sha512_finish mbedtls_sha512_finish_ret
#endif

/* ---- Errors -------------------------------------------------------------- */

/* Whether ret reports an allocation failure, alone or as the low part of a
 * higher-level code (X509_INVALID_EXTENSIONS + ASN1_ALLOC_FAILED). The
 * codes are the same in 2.28 and 3.x. */
static inline bool zt_mbedtls_nomem(int ret) {
  int e = -ret;
  int low = e & 0x7f, high = e & ~0x7f;
  return low == -MBEDTLS_ERR_MPI_ALLOC_FAILED ||
         low == -MBEDTLS_ERR_ASN1_ALLOC_FAILED ||
         high == -MBEDTLS_ERR_ECP_ALLOC_FAILED ||
         high == -MBEDTLS_ERR_PK_ALLOC_FAILED ||
         high == -MBEDTLS_ERR_X509_ALLOC_FAILED;
}

/* ---- Certificate facts (x509.c) ------------------------------------------ */

/* 3.6 reads them through accessors; 3.0 to 3.5 have the members behind
 * MBEDTLS_PRIVATE(); 2.28 has them public. ZT_CRT_FIELD names a member of
 * mbedtls_x509_crt or mbedtls_ecp_keypair on the versions without
 * accessors. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define ZT_CRT_FIELD(c, f) ((c)->MBEDTLS_PRIVATE(f))
#else
#define ZT_CRT_FIELD(c, f) ((c)->f)
#endif

/* Whether the certificate carries extension type t (MBEDTLS_X509_EXT_*). */
static inline bool zt_crt_has_ext(const mbedtls_x509_crt *c, int t) {
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
  return mbedtls_x509_crt_has_ext_type(c, t) != 0;
#else
  return (ZT_CRT_FIELD(c, ext_types) & t) != 0;
#endif
}

/* basicConstraints cA; false without the extension (RFC 5280 §4.2.1.9).
 * 3.6's accessor returns an error code then, which is not 1. */
static inline bool zt_crt_is_ca(const mbedtls_x509_crt *c) {
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
  return mbedtls_x509_crt_get_ca_istrue(c) == 1;
#else
  return ZT_CRT_FIELD(c, ca_istrue) == 1;
#endif
}

/* Whether keyUsage bit (one MBEDTLS_X509_KU_* other than encipherOnly and
 * decipherOnly) is set. Meaningful only when the extension is present:
 * mbedtls_x509_crt_check_key_usage() accepts everything without it. */
static inline bool zt_crt_has_ku(const mbedtls_x509_crt *c, unsigned bit) {
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
  return mbedtls_x509_crt_check_key_usage(c, bit) == 0;
#else
  return (ZT_CRT_FIELD(c, key_usage) & bit) == bit;
#endif
}

/* The curve of an EC key (pk of type ECKEY, ECKEY_DH or ECDSA). */
static inline mbedtls_ecp_group_id
zt_pk_ec_group(const mbedtls_pk_context *pk) {
  const mbedtls_ecp_keypair *kp = mbedtls_pk_ec(*pk);
#if MBEDTLS_VERSION_NUMBER >= 0x03060000
  return mbedtls_ecp_keypair_get_group_id(kp);
#else
  return ZT_CRT_FIELD(kp, grp).id;
#endif
}

#endif
