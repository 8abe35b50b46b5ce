/* SPIFFE IDs and trust domain names on arbitrary bytes: a valid ID is
 * rebuilt from its parts byte for byte, the strict parser never accepts
 * what the lenient one refuses, and the lenient result is the strict
 * result of the folded text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spiffe_id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rebuild(const char *s, size_t n, const zt_spiffe_id *id) {
  static char buf[ZT_SPIFFE_ID_MAX + 16];
  if (9 + id->td.len + id->path.len != n || n > ZT_SPIFFE_ID_MAX)
    abort();
  memcpy(buf, "spiffe://", 9);
  memcpy(buf + 9, id->td.ptr, id->td.len);
  if (id->path.len)
    memcpy(buf + 9 + id->td.len, id->path.ptr, id->path.len);
  if (memcmp(buf, s, n) != 0)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  zt_spiffe_id strict, lenient, again;
  zt_spiffe_err es = zt_spiffe_parse(s, size, 0, &strict);
  zt_spiffe_err el = zt_spiffe_parse(s, size, ZT_SPIFFE_LENIENT, &lenient);
  if ((unsigned)es >= ZT_SPIFFE_ERR_COUNT ||
      (es == ZT_SPIFFE_OK) != !!strict.td.len)
    abort();
  if (es == ZT_SPIFFE_OK) {
    check_rebuild(s, size, &strict);
    if (el != ZT_SPIFFE_OK || lenient.td.len != strict.td.len ||
        memcmp(lenient.td.ptr, strict.td.ptr, strict.td.len) != 0)
      abort();
  }
  if (el == ZT_SPIFFE_OK && size <= ZT_SPIFFE_ID_MAX) {
    /* Folding the scheme and trust domain gives a strictly valid ID. */
    static char folded[ZT_SPIFFE_ID_MAX];
    memcpy(folded, "spiffe://", 9);
    memcpy(folded + 9, lenient.td.ptr, lenient.td.len);
    memcpy(folded + 9 + lenient.td.len, lenient.path.ptr, lenient.path.len);
    if (zt_spiffe_parse(folded, size, 0, &again) != ZT_SPIFFE_OK)
      abort();
  }
  zt_spiffe_id td;
  if (zt_spiffe_trust_domain(s, size, 0, &td) == ZT_SPIFFE_OK &&
      (td.td.len == 0 || td.td.len > ZT_SPIFFE_TD_MAX))
    abort();
  return 0;
}
