/* Trust bundle documents on arbitrary bytes, as the bundle of one trust
 * domain (PEM or SPIFFE bundle JSON) and as a bundle map: no crash, a
 * verdict and a message, the limits of bundle.h, maps sorted by distinct
 * trust domains; and every bundle that loads is used once to verify a
 * fixed chain (a leaf of the fuzz PKI, whose root the seeds carry) at a
 * fixed time, so that fuzzed roots reach path validation. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "svid.h"
#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((int64_t)1893456000) /* 2030-01-01T00:00:00Z */

/* spiffe://example.org/ns/default/sa/sleep, signed by the fuzz root
 * (fuzz/corpus/bundle/root.pem). */
static const char leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB8TCCAZegAwIBAgICEAEwCgYIKoZIzj0EAwIwJTEPMA0GA1UECgwGU1BJRkZF\n"
    "MRIwEAYDVQQDDAlmdXp6IHJvb3QwHhcNMjYxMTI0MDAwNjE3WhcNMzYxMTIxMDAw\n"
    "NjE3WjAjMQ8wDQYDVQQKDAZTUElGRkUxEDAOBgNVBAMMB2xlYWZfZWMwWTATBgcq\n"
    "hkjOPQIBBggqhkjOPQMBBwNCAATcrTOd2BzKzgfjDnURiGYECjqJbJJNsdR30d5v\n"
    "jG6Cu6ywk3DjqaGl+sr/oP4bnfRfwAzo+yYwbi7Mfrc0vqKWo4G4MIG1MAwGA1Ud\n"
    "EwEB/wQCMAAwDgYDVR0PAQH/BAQDAgWgMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggr\n"
    "BgEFBQcDAjA2BgNVHREBAf8ELDAqhihzcGlmZmU6Ly9leGFtcGxlLm9yZy9ucy9k\n"
    "ZWZhdWx0L3NhL3NsZWVwMB0GA1UdDgQWBBR95vMhZUiYt1gBI+r0G0bZ5fHkfTAf\n"
    "BgNVHSMEGDAWgBSmrx4WX8NbgiX6tAxgfq94PVspITAKBggqhkjOPQQDAgNIADBF\n"
    "AiEA2focsZ8dTN+VceAN04LT43MvyOBaHw8tudB7vNAwzGECIF/FJ64YsWqgB8sB\n"
    "V6WcSjpfTrjyRKH1j2fd7sfKId6p\n"
    "-----END CERTIFICATE-----\n";

static void verify_with(zt_bundle **v, size_t n) {
  zt_trust t = {.v = v, .n = n};
  atomic_init(&t.refs, 1);
  zt_svid_opts o = {ZT_ROLE_CLIENT, false, 0, NOW};
  zt_svid out;
  zt_svid_window win;
  uint32_t e =
      zt_svid_check(NULL, &t, leaf_pem, sizeof leaf_pem - 1, &o, &out, &win);
  if (e >= ZT_SVID_COUNT || e == ZT_SVID_INTERNAL)
    abort();
}

static void check_bundle(const zt_bundle *b, const char *td) {
  size_t len = 0;
  const char *name = zt_bundle_trust_domain(b, &len);
  uint32_t roots = zt_bundle_roots(b);
  if ((td && (len != strlen(td) || memcmp(name, td, len) != 0)) ||
      roots > ZT_BUNDLE_MAX_ROOTS || (roots == 0) != !zt_bundle_chain(b))
    abort();
}

static void one(const char *s, size_t n) {
  zt_bundle *b = NULL;
  zt_bundle_err err = {{0}};
  int rc = zt_bundle_parse(NULL, "example.org", 11, s, n, &b, &err);
  if ((rc == ZT_OK) != (b != NULL) || (rc != ZT_OK && !err.msg[0]))
    abort();
  if (b) {
    check_bundle(b, "example.org");
    verify_with(&b, 1);
  }
  zt_bundle_release(b);
}

static void map(const char *s, size_t n) {
  zt_bundle **v = NULL;
  size_t k = 0;
  zt_bundle_err err = {{0}};
  int rc = zt_bundle_map_parse(NULL, s, n, &v, &k, &err);
  if ((rc != ZT_OK && (v || k || !err.msg[0])) || k > ZT_BUNDLE_MAX_DOMAINS)
    abort();
  for (size_t i = 0; i < k; i++) {
    check_bundle(v[i], NULL);
    size_t al = 0, bl = 0;
    const char *a = i ? zt_bundle_trust_domain(v[i - 1], &al) : NULL;
    const char *b = zt_bundle_trust_domain(v[i], &bl);
    int c = a ? memcmp(a, b, al < bl ? al : bl) : -1;
    if (c > 0 || (c == 0 && al >= bl))
      abort(); /* not strictly ascending */
  }
  if (k)
    verify_with(v, k);
  for (size_t i = 0; i < k; i++)
    zt_bundle_release(v[i]);
  free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  one((const char *)data, size);
  map((const char *)data, size);
  return 0;
}
