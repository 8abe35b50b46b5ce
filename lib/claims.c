#include "claims.h"

#include <string.h>

bool zt_claims_space_delimited(const char *name, size_t n) {
  return (n == 5 && memcmp(name, "scope", 5) == 0) ||
         (n == 10 && memcmp(name, "permission", 10) == 0);
}

/* Envoy splits on single spaces and keeps no empty words. */
static bool each_word(const char *s, size_t n, zt_claim_fn fn, void *ctx) {
  size_t i = 0;
  while (i < n) {
    while (i < n && s[i] == ' ')
      i++;
    size_t start = i;
    while (i < n && s[i] != ' ')
      i++;
    if (i > start && fn(ctx, s + start, i - start))
      return true;
  }
  return false;
}

static bool each_string(const zt_json_doc *doc, zt_json_val v, bool split,
                        zt_claim_fn fn, void *ctx) {
  const char *s;
  size_t n;
  if (zt_json_string(doc, v, &s, &n))
    return split ? each_word(s, n, fn, ctx) : fn(ctx, s, n);
  if (zt_json_type_of(doc, v) != ZT_JSON_ARRAY)
    return false;
  zt_json_iter it;
  zt_json_val el;
  zt_json_iter_init(&it, doc, v);
  while (zt_json_iter_next(&it, NULL, &el))
    if (zt_json_string(doc, el, &s, &n) && fn(ctx, s, n))
      return true;
  return false;
}

static bool listed(const zt_str *extra, uint32_t n, zt_str name) {
  for (uint32_t i = 0; i < n; i++)
    if (extra[i].len == name.len &&
        memcmp(extra[i].ptr, name.ptr, name.len) == 0)
      return true;
  return false;
}

bool zt_claims_any(const zt_json_doc *doc, const zt_str *path, uint32_t depth,
                   const zt_str *extra, uint32_t n_extra, zt_claim_fn fn,
                   void *ctx, bool *present) {
  zt_json_val v = ZT_JSON_ROOT;
  *present = false;
  if (depth == 0)
    return false;
  for (uint32_t i = 0; i < depth; i++)
    if (!zt_json_member(doc, v, path[i].ptr, path[i].len, &v))
      return false;
  *present = true;
  bool split =
      depth == 1 && (zt_claims_space_delimited(path[0].ptr, path[0].len) ||
                     listed(extra, n_extra, path[0]));
  return each_string(doc, v, split, fn, ctx);
}
