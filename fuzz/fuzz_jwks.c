/* The JWK set check and base64url on arbitrary bytes: no crash, and a set
 * that passes has a key; base64url decoding round-trips through the
 * encoder exactly (strict decoding accepts only canonical text). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void b64_roundtrip(const char *in, size_t n) {
  uint8_t raw[4096];
  char back[6000];
  size_t len = 0;
  if (n > 4096 || !zt_b64url_decode(in, n, raw, sizeof(raw), &len))
    return;
  size_t out = zt_b64url_encode(raw, len, back, sizeof(back));
  if (out != n || memcmp(back, in, n) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  bool has_private = false;
  const char *why = NULL;
  bool ok = zt_jwks_check(s, size, &has_private, &why);
  if (!ok && (!why || !why[0]))
    abort();
  b64_roundtrip(s, size);
  return 0;
}
