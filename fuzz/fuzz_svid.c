/* X.509-SVID verification on arbitrary bytes, as a chain (PEM or DER),
 * against one fixed bundle (the committed root below, trust domain
 * example.org) at a fixed time (the root expires in 2046; the clock never
 * moves): no crash, exactly one verdict of the list, a valid chain gives a
 * well-formed ID of the one trusted domain inside its window, and the
 * answer does not depend on the role or EKU switches for any step before
 * the EKU check. The splitter's spans tile DER input exactly. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "svid.h"
#include "trust.h"
#include "x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((int64_t)1893456000) /* 2030-01-01T00:00:00Z */

/* The root of the fuzz PKI (fuzz/corpus/svid holds chains it signed). */
static const char root_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBrjCCAVWgAwIBAgIURwDTUdYVkVoXrn+3PU0bFzAU9xowCgYIKoZIzj0EAwIw\n"
    "JTEPMA0GA1UECgwGU1BJRkZFMRIwEAYDVQQDDAlmdXp6IHJvb3QwHhcNMjYxMTI0\n"
    "MDAwNjE3WhcNNDYxMTE5MDAwNjE3WjAlMQ8wDQYDVQQKDAZTUElGRkUxEjAQBgNV\n"
    "BAMMCWZ1enogcm9vdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJsCBnHZnLxP\n"
    "MdrUzg+XLahEP8onHElT1/dsogO9y4lGlZR01pXNXLN+iDM0c7mnaeqL3mqFReK9\n"
    "Ywy4eDAC7najYzBhMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0G\n"
    "A1UdDgQWBBSmrx4WX8NbgiX6tAxgfq94PVspITAfBgNVHREEGDAWhhRzcGlmZmU6\n"
    "Ly9leGFtcGxlLm9yZzAKBggqhkjOPQQDAgNHADBEAiBX920cv3A5T962xqO8lz7y\n"
    "VkVeXY7eUgUxKWSxXAn9+gIgfahXsbdF6a/dMm/kgcREi96sw4iYOypScl32Dj7x\n"
    "G7E=\n"
    "-----END CERTIFICATE-----\n";

/* Built once and kept for the process: a fuzz target may hold state. */
static const zt_trust *fixed_trust(void) {
  static zt_trust t;
  static zt_bundle *v[1];
  if (t.n)
    return &t;
  zt_bundle_err err;
  if (zt_bundle_parse(NULL, "example.org", 11, root_pem, sizeof root_pem - 1,
                      &v[0], &err) != ZT_OK)
    abort();
  atomic_init(&t.refs, 1);
  t.v = v;
  t.n = 1;
  return &t;
}

static void check_ok(const zt_svid *out, const zt_svid_window *win) {
  if (out->error_name[0] || out->spiffe_id_len < 9 + 11 + 2 ||
      out->spiffe_id_len != strlen(out->spiffe_id) ||
      memcmp(out->spiffe_id, "spiffe://example.org/", 21) != 0 ||
      out->trust_domain_len != 11 || win->not_before > NOW ||
      win->not_after < NOW)
    abort();
}

static uint32_t check(const char *s, size_t n, uint32_t role, bool strict) {
  zt_svid_opts o = {role, strict, 0, NOW};
  zt_svid out;
  zt_svid_window win = {0, 0};
  uint32_t e = zt_svid_check(NULL, fixed_trust(), s, n, &o, &out, &win);
  if (e >= ZT_SVID_COUNT || e != out.error || e == ZT_SVID_INTERNAL ||
      (e != ZT_SVID_OK && (out.spiffe_id_len || !out.error_name[0])))
    abort();
  if (e == ZT_SVID_OK)
    check_ok(&out, &win);
  return e;
}

static void check_split(const char *s, size_t n) {
  zt_der der[ZT_SVID_MAX_CERTS];
  size_t k = 0, sum = 0;
  uint8_t *buf = NULL;
  zt_x509_rc rc = zt_x509_split(NULL, s, n, ZT_X509_DER, ZT_SVID_MAX_CERTS, der,
                                &k, &buf, NULL);
  if (buf)
    abort(); /* DER is never copied */
  for (size_t i = 0; rc == ZT_X509_OK && i < k; i++) {
    if (der[i].p != (const uint8_t *)s + sum)
      abort();
    sum += der[i].n;
  }
  if (rc == ZT_X509_OK && sum != n)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  uint32_t client = check(s, size, ZT_ROLE_CLIENT, false);
  uint32_t server = check(s, size, ZT_ROLE_SERVER, false);
  uint32_t strict = check(s, size, ZT_ROLE_CLIENT, true);
  /* Only the EKU step looks at the role and the switch. */
  if ((client != server && client != ZT_SVID_EKU && server != ZT_SVID_EKU) ||
      (client != strict && strict != ZT_SVID_EKU))
    abort();
  check_split(s, size);
  return 0;
}
