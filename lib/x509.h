/*
 * X.509 certificates on mbedTLS, for the SVID verifier (svid.c) and the
 * trust bundles (bundle.c): with crypto.c the only code that calls mbedTLS,
 * through mbedtls_compat.h, so that 2.28 and 3.6 LTS give the same answers.
 *
 *  - Input: DER certificates back to back, split by the length of each
 *    outer SEQUENCE, or PEM text whose CERTIFICATE blocks are decoded with
 *    the strict standard base64 of b64url.h (text outside blocks ignored,
 *    other block types refused).
 *  - Parsing: one certificate at a time, with an extension callback, so
 *    that a critical extension mbedTLS does not enforce (nameConstraints
 *    included, spiffe.md §4.2) is reported as such and never accepted.
 *  - Identity: the URI SANs of a leaf read from the raw GeneralNames, by
 *    tag and length (never strlen), the same on 2.28 and 3.6.
 *  - Path validation with an explicit profile (SHA-256/384/512; RSA of at
 *    least 2048 bits, EC on P-256, P-384, P-521), time left to the caller:
 *    the validity flags are masked and the window of the path reported.
 *  - Trust anchors: cA true, a key within the profile, and every lazily
 *    built state of the key (the EC comb table, RSA's R^2 mod N) built at
 *    load time, so that concurrent verifications only read them.
 *
 * Nothing here keeps global state or prints. mbedTLS allocates parsed
 * certificates with its own allocator; our buffers come from the caller's.
 */
#ifndef ZT_X509_H
#define ZT_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

typedef enum zt_x509_rc {
  ZT_X509_OK = 0,
  ZT_X509_EMPTY,           /* no certificate: empty or blank input */
  ZT_X509_TOO_MANY,        /* more certificates than the caller allows */
  ZT_X509_BAD_DER,         /* DER framing: truncated, trailing bytes, BER */
  ZT_X509_BAD_PEM,         /* unended block, bad base64, or no block */
  ZT_X509_PEM_LABEL,       /* a PEM block other than CERTIFICATE */
  ZT_X509_MALFORMED,       /* a certificate mbedTLS refuses */
  ZT_X509_UNSUPPORTED_EXT, /* a critical extension not understood */
  ZT_X509_NOT_CA,          /* a trust anchor without cA, or keyCertSign */
  ZT_X509_WEAK_KEY,        /* a key outside the profile */
  ZT_X509_WEAK_SIGNATURE,  /* a signature hash outside the profile */
  ZT_X509_UNTRUSTED,       /* no valid path to a trust anchor */
  ZT_X509_NOMEM,           /* our allocator or mbedTLS's failed */
  ZT_X509_INTERNAL         /* an mbedTLS failure that is nobody's input */
} zt_x509_rc;

/* A short English phrase for rc ("unsupported critical extension"). */
const char *zt_x509_rc_text(zt_x509_rc rc);

/* Where a failure happened: the 0-based certificate or PEM block, and for
 * ZT_X509_UNSUPPORTED_EXT the extension ("nameConstraints", or the dotted
 * OID). */
typedef struct zt_x509_fail {
  size_t index;
  char ext[64];
} zt_x509_fail;

/* ---- Splitting ----------------------------------------------------------- */

/* The DER of one certificate. */
typedef struct zt_der {
  const uint8_t *p;
  size_t n;
} zt_der;

#define ZT_X509_DER 0x1u /* accept DER certificates back to back */
#define ZT_X509_PEM 0x2u /* accept PEM text */

/*
 * Splits (in, len) into at most max certificates, in order, into out (room
 * for max). With ZT_X509_DER in forms, input that starts with a SEQUENCE
 * of long-form length (0x30 0x81..0x84: never the start of text) is DER,
 * whose lengths must be definite and minimal; other input is PEM when
 * forms has ZT_X509_PEM (else ZT_X509_BAD_DER). PEM blocks are counted
 * before any is decoded, so too many blocks report ZT_X509_TOO_MANY first;
 * blanks inside a block are dropped. Text with no block is ZT_X509_EMPTY
 * when blank, else ZT_X509_BAD_PEM.
 *
 * PEM certificates are decoded into *buf, allocated with mem (NULL for DER,
 * whose certificates point into in); the caller frees it with zt_free(mem,
 * *buf), also on failure (it is then NULL). fail (optional) names the
 * certificate or block at fault.
 */
zt_x509_rc zt_x509_split(const zt_allocator *mem, const char *in, size_t len,
                         unsigned forms, size_t max, zt_der *out, size_t *n,
                         uint8_t **buf, zt_x509_fail *fail);

/* ---- Parsed certificates ------------------------------------------------- */

/* An ordered list of parsed certificates: a chain (leaf first) or the
 * trust anchors of a bundle. Read-only once built: any number of threads
 * may use one list at once. */
typedef struct zt_x509_certs zt_x509_certs;

zt_x509_rc zt_x509_certs_new(const zt_allocator *mem, zt_x509_certs **out);
void zt_x509_certs_free(zt_x509_certs *c); /* NULL is accepted */
size_t zt_x509_count(const zt_x509_certs *c);

/*
 * Parses one DER certificate, which must fill (der, n) exactly, and appends
 * it to c. The certificate refers to der, which must outlive c.
 * Returns ZT_X509_OK, _BAD_DER, _MALFORMED, _UNSUPPORTED_EXT or _NOMEM;
 * fail->ext names an unsupported extension.
 */
zt_x509_rc zt_x509_add(zt_x509_certs *c, const uint8_t *der, size_t n,
                       zt_x509_fail *fail);

/*
 * The same for a trust anchor, copied (der may go away): it must also be a
 * CA, basicConstraints cA true and, when keyUsage is present, keyCertSign
 * (else ZT_X509_NOT_CA: mbedTLS trusts an end-entity certificate found in
 * the trust list as itself), with a key of the profile (ZT_X509_WEAK_KEY).
 * The key's lazy state is built here (see above).
 */
zt_x509_rc zt_x509_add_anchor(zt_x509_certs *c, const uint8_t *der, size_t n,
                              zt_x509_fail *fail);

/* ---- The leaf ------------------------------------------------------------ */

typedef enum zt_x509_san {
  ZT_X509_SAN_ONE = 0,   /* exactly one URI SAN, an IA5String */
  ZT_X509_SAN_NONE,      /* no URI SAN */
  ZT_X509_SAN_MULTIPLE,  /* more than one */
  ZT_X509_SAN_MALFORMED, /* a constructed [6] entry, or bytes above 0x7f */
} zt_x509_san;

/*
 * The URI SAN of the first certificate of c: GeneralNames of tag exactly
 * [6] primitive (0x86) are counted; a constructed [6] (0xA6) anywhere in
 * the list makes it ZT_X509_SAN_MALFORMED before counting. On
 * ZT_X509_SAN_ONE, (*uri, *len) is the content, which may hold any byte
 * below 0x80, NUL included; it lives as long as c and its DER.
 */
zt_x509_san zt_x509_uri_san(const zt_x509_certs *c, const char **uri,
                            size_t *len);

/* What the leaf profile checks read from the first certificate. */
typedef struct zt_x509_leaf {
  bool ca;                   /* basicConstraints cA true */
  bool has_ku;               /* keyUsage present */
  bool ku_digital_signature; /* these three: meaningful with has_ku */
  bool ku_key_cert_sign;
  bool ku_crl_sign;
  bool has_eku; /* extendedKeyUsage present */
  bool eku_server_auth;
  bool eku_client_auth;
  bool eku_any; /* anyExtendedKeyUsage */
} zt_x509_leaf;

void zt_x509_leaf_facts(const zt_x509_certs *c, zt_x509_leaf *out);

/* ---- Path validation ----------------------------------------------------- */

/* Validity as Unix seconds: the latest notBefore and the earliest notAfter
 * of the certificates on a path. */
typedef struct zt_x509_window {
  int64_t not_before;
  int64_t not_after;
} zt_x509_window;

/*
 * Validates a path from the first certificate of chain, through the others
 * as intermediates, to one of anchors, under the profile. Dates are not
 * judged here (the caller's clock decides, against *win, filled on
 * ZT_X509_OK). Returns ZT_X509_OK, _WEAK_SIGNATURE (a hash outside the
 * profile), _WEAK_KEY (a key type or size outside it), _UNTRUSTED (every
 * other failure, a path longer than mbedTLS follows included), _NOMEM or
 * _INTERNAL. The weak verdicts win over _UNTRUSTED.
 */
zt_x509_rc zt_x509_verify(const zt_x509_certs *chain,
                          const zt_x509_certs *anchors, zt_x509_window *win);

/* Unix seconds of a calendar UTC time (proleptic Gregorian, years 0 to
 * 9999 as X.509 allows), or false when a field is out of range. */
bool zt_x509_unix_time(int year, int mon, int day, int hour, int min, int sec,
                       int64_t *out);

#endif
