/*
 * The trust bundles in force: one per trust domain, sorted by name, with
 * the identity cache that belongs to exactly this set. Immutable and
 * reference counted: snapshots that differ only in policies share it, so
 * a policy commit keeps verified identities while a bundle change starts
 * an empty cache (its generation changes).
 */
#ifndef ZT_TRUST_H
#define ZT_TRUST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "bundle.h"
#include "idcache.h"

typedef struct zt_trust {
  atomic_uint refs;
  uint64_t generation;
  zt_bundle **v; /* sorted by trust domain */
  size_t n;
  zt_idcache *cache; /* NULL: caching off */
} zt_trust;

/* A set of n bundles (references taken), its cache of cache_entries. */
int zt_trust_new(const zt_allocator *mem, zt_bundle *const *v, size_t n,
                 uint64_t generation, uint32_t cache_entries, zt_trust **out);
void zt_trust_retain(zt_trust *t);
void zt_trust_release(const zt_allocator *mem, zt_trust *t);

/* The bundle of trust domain (td, len), or NULL. t may be NULL. */
const zt_bundle *zt_trust_find(const zt_trust *t, const char *td, size_t len);

#endif
