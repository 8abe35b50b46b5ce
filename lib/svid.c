#include "svid.h"

#include <stdbool.h>
#include <string.h>

#include "bundle.h"
#include "spiffe_id.h"
#include "x509.h"

static const struct {
  const char *name;
  const char *text;
} errs[ZT_SVID_COUNT] = {
    [ZT_SVID_OK] = {"", ""},
    [ZT_SVID_EMPTY_CHAIN] = {"svid_empty_chain",
                             "The certificate chain holds no certificate."},
    [ZT_SVID_CHAIN_TOO_LONG] =
        {"svid_chain_too_long",
         "The certificate chain has more than 10 certificates or 64 KiB."},
    [ZT_SVID_MALFORMED] = {"svid_malformed",
                           "A certificate of the chain is not well-formed "
                           "PEM or DER X.509."},
    [ZT_SVID_UNSUPPORTED_EXTENSION] =
        {"svid_unsupported_extension",
         "A certificate of the chain has a critical extension that is not "
         "supported, such as nameConstraints."},
    [ZT_SVID_NO_URI_SAN] = {"svid_no_uri_san",
                            "The leaf certificate has no URI SAN."},
    [ZT_SVID_MULTIPLE_URI_SANS] =
        {"svid_multiple_uri_sans",
         "The leaf certificate has more than one URI SAN."},
    [ZT_SVID_MALFORMED_SAN] =
        {"svid_malformed_san",
         "The URI SAN of the leaf certificate is not an IA5String."},
    [ZT_SVID_NOT_SPIFFE] = {"svid_not_spiffe",
                            "The URI SAN of the leaf certificate is not a "
                            "spiffe:// URI."},
    [ZT_SVID_BAD_SPIFFE_ID] = {"svid_bad_spiffe_id",
                               "The SPIFFE ID of the leaf certificate breaks "
                               "the SPIFFE ID grammar."},
    [ZT_SVID_ROOT_PATH] = {"svid_root_path",
                           "The SPIFFE ID of the leaf certificate has no "
                           "path."},
    [ZT_SVID_LEAF_IS_CA] = {"svid_leaf_is_ca",
                            "The leaf certificate is a CA certificate."},
    [ZT_SVID_NO_KEY_USAGE] = {"svid_no_key_usage",
                              "The leaf certificate has no keyUsage "
                              "extension."},
    [ZT_SVID_NO_DIGITAL_SIGNATURE] =
        {"svid_no_digital_signature",
         "The keyUsage of the leaf certificate lacks digitalSignature."},
    [ZT_SVID_SIGNING_USAGE] =
        {"svid_signing_usage",
         "The keyUsage of the leaf certificate has keyCertSign or cRLSign."},
    [ZT_SVID_EKU] = {"svid_eku",
                     "The extendedKeyUsage of the leaf certificate does not "
                     "allow its TLS role."},
    [ZT_SVID_NO_BUNDLE] = {"svid_no_bundle",
                           "No trust bundle is set for the trust domain of "
                           "the SPIFFE ID."},
    [ZT_SVID_EMPTY_BUNDLE] = {"svid_empty_bundle",
                              "The trust bundle of the trust domain has no "
                              "root."},
    [ZT_SVID_UNTRUSTED] = {"svid_untrusted",
                           "The chain does not lead to a root of the trust "
                           "bundle of its trust domain."},
    [ZT_SVID_EXPIRED] = {"svid_expired",
                         "A certificate of the chain has expired."},
    [ZT_SVID_NOT_YET_VALID] = {"svid_not_yet_valid",
                               "A certificate of the chain is not valid "
                               "yet."},
    [ZT_SVID_WEAK_KEY] = {"svid_weak_key",
                          "A key of the chain is RSA below 2048 bits or not "
                          "on P-256, P-384 or P-521."},
    [ZT_SVID_WEAK_SIGNATURE] = {"svid_weak_signature",
                                "A signature of the chain uses a hash other "
                                "than SHA-256, SHA-384 or SHA-512."},
    [ZT_SVID_INTERNAL] = {"svid_internal",
                          "The chain could not be verified: out of memory "
                          "or an internal error."},
};

const char *zt_svid_err_name(uint32_t e) {
  return e < ZT_SVID_COUNT ? errs[e].name : "unknown";
}

const char *zt_svid_err_text(uint32_t e) {
  return e < ZT_SVID_COUNT ? errs[e].text : "unknown";
}

void zt_svid_set_error(zt_svid *out, uint32_t e) {
  out->error = e;
  out->error_name = zt_svid_err_name(e);
  out->message = zt_svid_err_text(e);
  out->cached = 0;
  out->spiffe_id_len = 0;
  out->spiffe_id[0] = '\0';
  out->trust_domain_len = 0;
}

/* ---- The steps (spiffe.md §7), each a ZT_SVID_* ------------------------- */

/* The certificates of the chain, parsed; *buf holds decoded PEM. */
static uint32_t parse_chain(const zt_allocator *mem, const char *chain,
                            size_t len, zt_x509_certs **certs, uint8_t **buf) {
  zt_der der[ZT_SVID_MAX_CERTS];
  size_t n = 0;
  if (len == 0)
    return ZT_SVID_EMPTY_CHAIN;
  if (len > ZT_SVID_MAX_CHAIN)
    return ZT_SVID_CHAIN_TOO_LONG;
  switch (zt_x509_split(mem, chain, len, ZT_X509_DER | ZT_X509_PEM,
                        ZT_SVID_MAX_CERTS, der, &n, buf, NULL)) {
  case ZT_X509_OK:
    break;
  case ZT_X509_EMPTY:
    return ZT_SVID_EMPTY_CHAIN;
  case ZT_X509_TOO_MANY:
    return ZT_SVID_CHAIN_TOO_LONG;
  case ZT_X509_NOMEM:
    return ZT_SVID_INTERNAL;
  default:
    return ZT_SVID_MALFORMED;
  }
  if (zt_x509_certs_new(mem, certs) != ZT_X509_OK)
    return ZT_SVID_INTERNAL;
  for (size_t i = 0; i < n; i++) {
    zt_x509_rc rc = zt_x509_add(*certs, der[i].p, der[i].n, NULL);
    if (rc == ZT_X509_UNSUPPORTED_EXT)
      return ZT_SVID_UNSUPPORTED_EXTENSION;
    if (rc != ZT_X509_OK)
      return rc == ZT_X509_NOMEM ? ZT_SVID_INTERNAL : ZT_SVID_MALFORMED;
  }
  return ZT_SVID_OK;
}

/* Whether the URI's scheme is spiffe in any case: "SPIFFE://td/x" is a
 * SPIFFE ID that breaks the grammar (strict mode), not another scheme. */
static bool spiffe_any_case(const char *s, size_t n) {
  static const char scheme[] = "spiffe://";
  if (n < sizeof scheme - 1)
    return false;
  for (size_t i = 0; i < sizeof scheme - 1; i++) {
    char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
    if (c != scheme[i])
      return false;
  }
  return true;
}

/* The leaf's single URI SAN, parsed as a SPIFFE ID with a path. */
static uint32_t leaf_id(const zt_x509_certs *certs, uint32_t flags,
                        zt_spiffe_id *id) {
  const char *uri;
  size_t len;
  switch (zt_x509_uri_san(certs, &uri, &len)) {
  case ZT_X509_SAN_ONE:
    break;
  case ZT_X509_SAN_NONE:
    return ZT_SVID_NO_URI_SAN;
  case ZT_X509_SAN_MULTIPLE:
    return ZT_SVID_MULTIPLE_URI_SANS;
  default:
    return ZT_SVID_MALFORMED_SAN;
  }
  zt_spiffe_err e = zt_spiffe_parse(uri, len, flags, id);
  if ((e == ZT_SPIFFE_WRONG_SCHEME && !spiffe_any_case(uri, len)) ||
      e == ZT_SPIFFE_EMPTY)
    return ZT_SVID_NOT_SPIFFE;
  if (e != ZT_SPIFFE_OK)
    return ZT_SVID_BAD_SPIFFE_ID;
  return id->path.len ? ZT_SVID_OK : ZT_SVID_ROOT_PATH;
}

/* EKU, when present, must allow the role (both roles with strict_eku);
 * anyExtendedKeyUsage allows every purpose. */
static bool eku_allows(const zt_x509_leaf *f, const zt_svid_opts *o) {
  if (!f->has_eku || f->eku_any)
    return true;
  if (o->strict_eku)
    return f->eku_client_auth && f->eku_server_auth;
  return o->role == ZT_ROLE_CLIENT ? f->eku_client_auth : f->eku_server_auth;
}

/* X509-SVID §4: what plain path validation does not check on a leaf. */
static uint32_t leaf_profile(const zt_x509_certs *certs,
                             const zt_svid_opts *o) {
  zt_x509_leaf f;
  zt_x509_leaf_facts(certs, &f);
  if (f.ca)
    return ZT_SVID_LEAF_IS_CA;
  if (!f.has_ku)
    return ZT_SVID_NO_KEY_USAGE;
  if (!f.ku_digital_signature)
    return ZT_SVID_NO_DIGITAL_SIGNATURE;
  if (f.ku_key_cert_sign || f.ku_crl_sign)
    return ZT_SVID_SIGNING_USAGE;
  return eku_allows(&f, o) ? ZT_SVID_OK : ZT_SVID_EKU;
}

/* The path to a root of the bundle of the leaf's own trust domain only,
 * then the time against the path's window. */
static uint32_t path(const zt_trust *t, const zt_x509_certs *certs,
                     const zt_spiffe_id *id, int64_t now, zt_svid_window *win) {
  const zt_bundle *b = zt_trust_find(t, id->td.ptr, id->td.len);
  if (!b)
    return ZT_SVID_NO_BUNDLE;
  if (zt_bundle_roots(b) == 0)
    return ZT_SVID_EMPTY_BUNDLE;
  zt_x509_window w;
  switch (zt_x509_verify(certs, zt_bundle_chain(b), &w)) {
  case ZT_X509_OK:
    break;
  case ZT_X509_WEAK_SIGNATURE:
    return ZT_SVID_WEAK_SIGNATURE;
  case ZT_X509_WEAK_KEY:
    return ZT_SVID_WEAK_KEY;
  case ZT_X509_UNTRUSTED:
    return ZT_SVID_UNTRUSTED;
  default:
    return ZT_SVID_INTERNAL;
  }
  if (now > w.not_after)
    return ZT_SVID_EXPIRED;
  if (now < w.not_before)
    return ZT_SVID_NOT_YET_VALID;
  win->not_before = w.not_before;
  win->not_after = w.not_after;
  return ZT_SVID_OK;
}

/* "spiffe://" + trust domain + path: the ID as parsed (its trust domain
 * folded in lenient mode). The parser caps it at 2048 bytes. */
static void set_identity(zt_svid *out, const zt_spiffe_id *id) {
  static const char scheme[] = "spiffe://";
  size_t s = sizeof scheme - 1;
  memcpy(out->spiffe_id, scheme, s);
  memcpy(out->spiffe_id + s, id->td.ptr, id->td.len);
  memcpy(out->spiffe_id + s + id->td.len, id->path.ptr, id->path.len);
  out->spiffe_id_len = s + id->td.len + id->path.len;
  out->spiffe_id[out->spiffe_id_len] = '\0';
  out->trust_domain_len = id->td.len;
}

static uint32_t check(const zt_allocator *mem, const zt_trust *t,
                      const char *chain, size_t len, const zt_svid_opts *o,
                      zt_svid *out, zt_svid_window *win) {
  zt_x509_certs *certs = NULL;
  uint8_t *buf = NULL;
  zt_spiffe_id id;
  uint32_t e = parse_chain(mem, chain, len, &certs, &buf);
  if (e == ZT_SVID_OK)
    e = leaf_id(certs, o->id_flags, &id);
  if (e == ZT_SVID_OK)
    e = leaf_profile(certs, o);
  if (e == ZT_SVID_OK)
    e = path(t, certs, &id, o->now, win);
  zt_svid_set_error(out, e);
  if (e == ZT_SVID_OK)
    set_identity(out, &id);
  zt_x509_certs_free(certs);
  zt_free(mem, buf);
  return e;
}

uint32_t zt_svid_check(const zt_allocator *mem, const zt_trust *t,
                       const char *chain, size_t len, const zt_svid_opts *o,
                       zt_svid *out, zt_svid_window *win) {
  if (!out)
    return ZT_SVID_INTERNAL;
  zt_svid_set_error(out, ZT_SVID_INTERNAL);
  if (!o || !win || (!chain && len) ||
      (o->role != ZT_ROLE_CLIENT && o->role != ZT_ROLE_SERVER))
    return ZT_SVID_INTERNAL;
  return check(mem ? mem : &zt_default_allocator, t, chain, len, o, out, win);
}
