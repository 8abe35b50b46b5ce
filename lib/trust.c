#include "trust.h"

#include <string.h>

int zt_trust_new(const zt_allocator *mem, zt_bundle *const *v, size_t n,
                 uint64_t generation, uint32_t cache_entries, zt_trust **out) {
  *out = NULL;
  zt_trust *t = zt_calloc(mem, 1, sizeof(*t));
  if (!t)
    return ZT_ENOMEM;
  atomic_init(&t->refs, 1);
  t->generation = generation;
  if (n) {
    t->v = zt_calloc(mem, n, sizeof(*t->v));
    if (!t->v) {
      zt_free(mem, t);
      return ZT_ENOMEM;
    }
  }
  /* The cache is seeded per set: slots of one set say nothing of another. */
  int rc = zt_idc_new(&t->cache, mem, cache_entries,
                      (uint64_t)(uintptr_t)t ^ (generation << 20));
  if (rc != ZT_OK) {
    zt_free(mem, t->v);
    zt_free(mem, t);
    return rc;
  }
  for (size_t i = 0; i < n; i++) {
    zt_bundle_retain(v[i]);
    t->v[i] = v[i];
  }
  t->n = n;
  *out = t;
  return ZT_OK;
}

void zt_trust_retain(zt_trust *t) {
  if (t)
    atomic_fetch_add(&t->refs, 1);
}

void zt_trust_release(const zt_allocator *mem, zt_trust *t) {
  if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
    return;
  zt_idc_free(t->cache);
  for (size_t i = 0; i < t->n; i++)
    zt_bundle_release(t->v[i]);
  zt_free(mem, t->v);
  zt_free(mem, t);
}

static int cmp_name(const char *a, size_t an, const char *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  return c ? c : (an > bn) - (an < bn);
}

const zt_bundle *zt_trust_find(const zt_trust *t, const char *td, size_t len) {
  if (!t)
    return NULL;
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    size_t mlen = 0;
    const char *m = zt_bundle_trust_domain(t->v[mid], &mlen);
    int c = cmp_name(td, len, m, mlen);
    if (c == 0)
      return t->v[mid];
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}
