/*
 * Memory ordering. Entries are immutable once published, so the only races
 * are on slot pointers, on `acquiring` and on reference counts:
 *
 *  - Publication: an insert writes the whole entry, then swaps it into a
 *    slot (seq_cst, so release); a lookup loads the slot (seq_cst, so
 *    acquire) and sees a complete entry.
 *  - Reclamation is a store-buffer pattern: a lookup writes `acquiring`
 *    then reads a slot; an insert writes the slot, then reclaim (in the
 *    same thread, or later in another through wlock) reads `acquiring`.
 *    With all four seq_cst, a lookup that read the pointer before the swap
 *    made its increment before reclaim's load in the single total order,
 *    so reclaim sees the increment, or sees the count back at 0 only after
 *    that lookup's decrement. Acquire and release alone would let both
 *    sides read stale values and free an entry a lookup is comparing.
 *  - A 0 read after a lookup's decrement reads from it or from a later RMW
 *    (its release sequence), so reclaim synchronizes with it: the relaxed
 *    reference increment made before the decrement is visible to reclaim's
 *    reference loads. The decrement is seq_cst rather than release so that
 *    every write to `acquiring` sits in the total order the argument above
 *    uses; on x86 every RMW is one locked instruction anyway.
 *  - Every reference drop is a release and reclaim loads references with
 *    acquire, so whatever a holder read happens before the free.
 *  - Only wlock holders store slots or touch the retired list, so their own
 *    slot loads are relaxed: the mutex orders them.
 */
#include "lfcache.h"

#include <string.h>

#include "alloc.h"

/* A key lives in the slot its hash picks or one of the next three: a hit
 * reads 1 to 4 slots. */
#define PROBES 4u

static int init(zt_lfc *c, const zt_allocator *mem, uint32_t entries,
                size_t max_key, uint64_t seed) {
  memset(c, 0, sizeof(*c));
  uint32_t slots = PROBES;
  while (slots < entries)
    slots <<= 1;
  c->slot = zt_calloc(mem, slots, sizeof(*c->slot));
  if (!c->slot)
    return ZT_ENOMEM;
  if (pthread_mutex_init(&c->wlock, NULL) != 0) {
    zt_free(mem, c->slot);
    return ZT_ENOMEM;
  }
  c->mem = mem;
  c->mask = slots - 1;
  c->max_key = max_key;
  c->seed = seed ^ 0x9e3779b97f4a7c15u;
  for (uint32_t i = 0; i < slots; i++)
    atomic_init(&c->slot[i], NULL);
  atomic_init(&c->acquiring, 0);
  return ZT_OK;
}

static void fini(zt_lfc *c) {
  for (uint32_t i = 0; i <= c->mask; i++)
    zt_free(c->mem, atomic_load_explicit(&c->slot[i], memory_order_relaxed));
  while (c->retired) {
    zt_lfc_entry *e = c->retired;
    c->retired = e->next_retired;
    zt_free(c->mem, e);
  }
  pthread_mutex_destroy(&c->wlock);
  zt_free(c->mem, c->slot);
}

int zt_lfc_new(zt_lfc **out, const zt_allocator *mem, uint32_t entries,
               uint32_t max_entries, size_t max_key, uint64_t seed) {
  *out = NULL;
  if (entries == 0)
    return ZT_OK;
  if (entries > max_entries)
    return ZT_ELIMIT;
  zt_lfc *c = zt_alloc(mem, sizeof(*c));
  if (!c)
    return ZT_ENOMEM;
  int rc = init(c, mem, entries, max_key, seed);
  if (rc != ZT_OK) {
    zt_free(mem, c);
    return rc;
  }
  *out = c;
  return ZT_OK;
}

void zt_lfc_free(zt_lfc *c) {
  if (!c)
    return;
  const zt_allocator *mem = c->mem;
  fini(c);
  zt_free(mem, c);
}

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return h;
}

static uint64_t word(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/* Four independent lanes keep the multiplications from waiting on each
 * other. */
static void block(uint64_t lane[4], const char *p) {
  const uint64_t k = 0x9e3779b97f4a7c15u;
  lane[0] = (lane[0] ^ word(p)) * k;
  lane[1] = (lane[1] ^ word(p + 8)) * k;
  lane[2] = (lane[2] ^ word(p + 16)) * k;
  lane[3] = (lane[3] ^ word(p + 24)) * k;
}

/*
 * Only the length and 64 bytes are hashed, by default the last ones: a
 * token ends in its signature, which differs between any two verified
 * ones, and the whole key is compared on a hit anyway. Whole 32-byte
 * blocks keep the lanes in registers; only windows under 64 bytes have a
 * short block, padded.
 */
uint64_t zt_lfc_hash_to(const zt_lfc *c, const char *key, size_t n,
                        size_t end) {
  uint64_t lane[4] = {(c ? c->seed : 0) ^ n, 0x243f6a8885a308d3u,
                      0x13198a2e03707344u, 0xa4093822299f31d0u};
  if (end > n)
    end = n;
  size_t i = end > 64 ? end - 64 : 0;
  for (; end - i >= 32; i += 32)
    block(lane, key + i);
  if (i < end) {
    char tail[32] = {0};
    memcpy(tail, key + i, end - i);
    block(lane, tail);
  }
  return mix(lane[0] ^ mix(lane[1]) ^ mix(lane[2] + lane[3]));
}

uint64_t zt_lfc_hash(const zt_lfc *c, const char *key, size_t n) {
  return zt_lfc_hash_to(c, key, n, n);
}

static bool same(const zt_lfc_entry *e, uint64_t h, const char *key, size_t n,
                 uint32_t tag) {
  return e && e->hash == h && e->tag == tag && e->key_len == n &&
         memcmp(e->key, key, n) == 0;
}

const zt_lfc_entry *zt_lfc_get(zt_lfc *c, uint64_t h, const char *key, size_t n,
                               uint32_t tag) {
  if (!c || n > c->max_key)
    return NULL;
  zt_lfc_entry *found = NULL;
  atomic_fetch_add(&c->acquiring, 1);
  for (uint32_t i = 0; i < PROBES && !found; i++) {
    zt_lfc_entry *e = atomic_load(&c->slot[(h + i) & c->mask]);
    if (same(e, h, key, n, tag)) {
      /* Relaxed: the decrement below publishes it to reclaim. */
      atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
      found = e;
    }
  }
  atomic_fetch_sub(&c->acquiring, 1);
  return found;
}

/* Frees the retired entries nobody holds, unless a lookup is between
 * reading a slot and taking a reference: it may hold a retired pointer
 * whose count it has not raised yet. Called with wlock held. */
static void reclaim(zt_lfc *c) {
  if (atomic_load(&c->acquiring) != 0)
    return;
  zt_lfc_entry **link = &c->retired;
  while (*link) {
    zt_lfc_entry *e = *link;
    if (atomic_load_explicit(&e->refs, memory_order_acquire) == 0) {
      *link = e->next_retired;
      zt_free(c->mem, e);
    } else {
      link = &e->next_retired;
    }
  }
}

void zt_lfc_release(zt_lfc *c, const zt_lfc_entry *ce) {
  if (!c || !ce)
    return;
  zt_lfc_entry *e = (zt_lfc_entry *)ce;
  /* Only a retired entry (its slot reference gone) can reach zero. A busy
   * lock leaves it to the next insert or release. */
  if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_release) != 1)
    return;
  if (pthread_mutex_trylock(&c->wlock) == 0) {
    reclaim(c);
    pthread_mutex_unlock(&c->wlock);
  }
}

/* The slot to fill: the key's own if present (NULL: nothing to do), an
 * empty one, or a victim picked from the hash's high bits. */
static _Atomic(zt_lfc_entry *) *pick_slot(zt_lfc *c, const zt_lfc_key *k) {
  _Atomic(zt_lfc_entry *) *empty = NULL;
  for (uint32_t i = 0; i < PROBES; i++) {
    _Atomic(zt_lfc_entry *) *s = &c->slot[(k->hash + i) & c->mask];
    zt_lfc_entry *e = atomic_load_explicit(s, memory_order_relaxed);
    if (same(e, k->hash, k->ptr, k->len, k->tag))
      return NULL;
    if (!e && !empty)
      empty = s;
  }
  if (empty)
    return empty;
  return &c->slot[(k->hash + ((k->hash >> 40) % PROBES)) & c->mask];
}

static zt_lfc_entry *entry_new(zt_lfc *c, const zt_lfc_key *k, size_t size,
                               zt_lfc_fill_fn *fill, const void *arg) {
  char *blk = zt_alloc(c->mem, size + k->len);
  if (!blk)
    return NULL;
  memset(blk, 0, size);
  memcpy(blk + size, k->ptr, k->len);
  zt_lfc_entry *e = (zt_lfc_entry *)blk;
  atomic_init(&e->refs, 1);
  e->tag = k->tag;
  e->hash = k->hash;
  e->key = blk + size;
  e->key_len = k->len;
  if (!fill(e, arg)) {
    zt_free(c->mem, blk);
    return NULL;
  }
  return e;
}

/* Called with wlock held: the slot's reference goes with it. */
static void retire(zt_lfc *c, zt_lfc_entry *old) {
  old->next_retired = c->retired;
  c->retired = old;
  atomic_fetch_sub_explicit(&old->refs, 1, memory_order_release);
}

void zt_lfc_put(zt_lfc *c, const zt_lfc_key *k, size_t size,
                zt_lfc_fill_fn *fill, const void *arg) {
  /* No entry has an empty key, so no lookup compares zero bytes (memcmp
   * would then see the NULL a caller may pass for an empty key). */
  if (!c || k->len == 0 || k->len > c->max_key || size < sizeof(zt_lfc_entry) ||
      size > SIZE_MAX - k->len)
    return;
  if (pthread_mutex_trylock(&c->wlock) != 0)
    return;
  _Atomic(zt_lfc_entry *) *s = pick_slot(c, k);
  zt_lfc_entry *e = s ? entry_new(c, k, size, fill, arg) : NULL;
  if (e) {
    zt_lfc_entry *old = atomic_exchange(s, e);
    if (old)
      retire(c, old);
  }
  reclaim(c);
  pthread_mutex_unlock(&c->wlock);
}
