/* The readers of the ztauth command (examples/cli): request JSON and test
 * file YAML on arbitrary bytes. An object or array that parses is written
 * back as JSON, which must parse to an equal tree; a failure always names a
 * reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

static void check(int cond) {
  if (!cond)
    abort();
}

typedef value *(*parse_fn)(vpool *, const char *, size_t, uint32_t *,
                           uint32_t *, char *, size_t);

static void round_trip(parse_fn parse, const uint8_t *data, size_t size) {
  vpool *p = vpool_new();
  uint32_t line = 0, col = 0;
  char err[256] = "";
  value *v = parse(p, (const char *)data, size, &line, &col, err, sizeof(err));
  if (!v) {
    check(err[0] != '\0');
  } else if (v->kind == V_OBJECT || v->kind == V_ARRAY) {
    vbuf out = {0};
    value_write(&out, v, false);
    value *again = json_parse(p, out.p ? out.p : "", out.len, &line, &col, err,
                              sizeof(err));
    check(again != NULL && value_equal(v, again));
    vbuf_free(&out);
  }
  vpool_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 65536)
    return 0;
  round_trip(json_parse, data, size);
  round_trip(yaml_parse, data, size);
  return 0;
}
