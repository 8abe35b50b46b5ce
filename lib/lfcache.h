/*
 * The lock-free cache under the verified-token (jwtcache) and
 * verified-identity (idcache) caches: a fixed table of slots, each an
 * atomic pointer to an immutable, reference-counted entry, looked up
 * without a lock.
 *
 * An entry is one block that lfcache allocates: the caller's entry struct,
 * whose first member is a zt_lfc_entry, the caller's variable data, then
 * a copy of the key bytes. The key is those bytes plus a 32-bit tag,
 * compared exactly on every lookup: the hash only picks the slots, so a
 * collision can evict an entry but never return it for another key.
 *
 * A lookup holds the cache's `acquiring` count only between reading a slot
 * and taking the entry's reference. An insert try-locks the cache, swaps
 * its entry into a slot and retires the one it replaces; retired entries
 * are freed once no lookup can still reach them and nobody holds them.
 * Inserts never wait: a busy cache loses the insert instead.
 */
#ifndef ZT_LFCACHE_H
#define ZT_LFCACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

/* The header every entry starts with. Written before the entry is
 * published; afterwards only refs changes, and next_retired once the
 * entry is retired (under the cache's lock). */
typedef struct zt_lfc_entry {
  atomic_uint refs; /* one for the slot, one per lookup holding it */
  uint32_t tag;
  struct zt_lfc_entry *next_retired;
  uint64_t hash;
  const char *key; /* the copy at the end of the entry's block */
  size_t key_len;
} zt_lfc_entry;

typedef struct zt_lfc {
  _Atomic(zt_lfc_entry *) *slot;
  uint32_t mask; /* slots - 1 */
  size_t max_key;
  uint64_t seed;
  atomic_uint_fast64_t acquiring;
  pthread_mutex_t wlock; /* inserts and reclamation; try-locked only */
  zt_lfc_entry *retired;
  const zt_allocator *mem;
} zt_lfc;

/* A cache of at least entries slots (a power of two, at least 4) in mem;
 * entries 0 gives no cache (*out NULL, ZT_OK), entries above max_entries
 * is ZT_ELIMIT. Keys longer than max_key are never stored nor looked for.
 * The caches built on this one are a struct whose only member is the
 * zt_lfc: they convert the pointer instead of wrapping it again. */
int zt_lfc_new(zt_lfc **out, const zt_allocator *mem, uint32_t entries,
               uint32_t max_entries, size_t max_key, uint64_t seed);
/* Frees the cache, every entry and the slots; no lookup may be running or
 * holding. c may be NULL. */
void zt_lfc_free(zt_lfc *c);

/* The slot hash of a key: its length and last 64 bytes, seeded per cache
 * (seed 0 when c is NULL). */
uint64_t zt_lfc_hash(const zt_lfc *c, const char *key, size_t n);
/* The same with the 64 bytes before end instead (end > n counts as n),
 * for keys whose last bytes are shared by many keys. */
uint64_t zt_lfc_hash_to(const zt_lfc *c, const char *key, size_t n, size_t end);

/* The entry for (key, tag), with a reference to give back with
 * zt_lfc_release(); NULL when absent. c may be NULL. */
const zt_lfc_entry *zt_lfc_get(zt_lfc *c, uint64_t h, const char *key, size_t n,
                               uint32_t tag);
/* Drops a reference from zt_lfc_get; c or e may be NULL. */
void zt_lfc_release(zt_lfc *c, const zt_lfc_entry *e);

typedef struct zt_lfc_key {
  uint64_t hash; /* zt_lfc_hash of (ptr, len) */
  const char *ptr;
  size_t len;
  uint32_t tag;
} zt_lfc_key;

/* Completes a new entry: e is zeroed but for its header, and is followed
 * by the size bytes given to zt_lfc_put (e's struct included) and the key
 * copy. Must use nothing outside the block. false abandons the insert. */
typedef bool zt_lfc_fill_fn(zt_lfc_entry *e, const void *arg);

/* Inserts k unless it is present: allocates a block of size bytes plus
 * the key, fills the header, copies the key and calls fill(e, arg).
 * Returns quietly when the key is empty or too long, memory is short,
 * fill fails or another insert holds the cache. c may be NULL. */
void zt_lfc_put(zt_lfc *c, const zt_lfc_key *k, size_t size,
                zt_lfc_fill_fn *fill, const void *arg);

#endif
