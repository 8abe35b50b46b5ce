#include "jwtcache.h"

#include <string.h>

#include "alloc.h"

#define PROBES 4u

static size_t align8(size_t n) {
  return (n + 7u) & ~(size_t)7u;
}

int zt_jwtc_new(zt_jwtc **out, const zt_allocator *mem, uint32_t entries,
                uint64_t seed) {
  *out = NULL;
  if (entries == 0)
    return ZT_OK;
  if (entries > ZT_JWTC_MAX_ENTRIES)
    return ZT_ELIMIT;
  uint32_t slots = PROBES;
  while (slots < entries)
    slots <<= 1;
  zt_jwtc *c = zt_calloc(mem, 1, sizeof(*c));
  if (!c)
    return ZT_ENOMEM;
  c->slot = zt_calloc(mem, slots, sizeof(*c->slot));
  if (!c->slot || pthread_mutex_init(&c->wlock, NULL) != 0) {
    zt_free(mem, c->slot);
    zt_free(mem, c);
    return ZT_ENOMEM;
  }
  c->mem = mem;
  c->mask = slots - 1;
  c->seed = seed ^ 0x9e3779b97f4a7c15u;
  for (uint32_t i = 0; i < slots; i++)
    atomic_init(&c->slot[i], NULL);
  atomic_init(&c->acquiring, 0);
  *out = c;
  return ZT_OK;
}

static void entry_free(zt_jwtc *c, zt_jwtc_entry *e) {
  zt_free(c->mem, e);
}

void zt_jwtc_free(zt_jwtc *c) {
  if (!c)
    return;
  for (uint32_t i = 0; i <= c->mask; i++) {
    zt_jwtc_entry *e = atomic_load(&c->slot[i]);
    if (e)
      entry_free(c, e);
  }
  while (c->retired) {
    zt_jwtc_entry *e = c->retired;
    c->retired = e->next_retired;
    entry_free(c, e);
  }
  pthread_mutex_destroy(&c->wlock);
  zt_free(c->mem, c->slot);
  zt_free(c->mem, c);
}

static uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdu;
  h ^= h >> 33;
  return h;
}

static uint64_t word_at(const char *p, size_t n) {
  uint64_t w = 0;
  memcpy(&w, p, n < 8 ? n : 8);
  return w;
}

/*
 * Only the length and the last 64 bytes are hashed: the signature ends
 * every token and differs between any two verified ones, and the whole
 * token is compared on a hit anyway. Four independent lanes keep the
 * multiplications from waiting on each other.
 */
uint64_t zt_jwtc_hash(const zt_jwtc *c, const char *tok, size_t n) {
  uint64_t lane[4] = {(c ? c->seed : 0) ^ n, 0x243f6a8885a308d3u,
                      0x13198a2e03707344u, 0xa4093822299f31d0u};
  size_t from = n > 64 ? n - 64 : 0;
  for (size_t i = from, k = 0; i < n; i += 8, k++)
    lane[k & 3] = (lane[k & 3] ^ word_at(tok + i, n - i)) * 0x9e3779b97f4a7c15u;
  return mix(lane[0] ^ mix(lane[1]) ^ mix(lane[2] + lane[3]));
}

static bool same(const zt_jwtc_entry *e, uint64_t h, const char *tok, size_t n,
                 uint32_t rule) {
  return e && e->hash == h && e->rule == rule && e->token_len == n &&
         memcmp(e->token, tok, n) == 0;
}

const zt_jwtc_entry *zt_jwtc_get(zt_jwtc *c, uint64_t h, const char *tok,
                                 size_t n, uint32_t rule) {
  if (!c || n > ZT_JWTC_MAX_TOKEN)
    return NULL;
  zt_jwtc_entry *found = NULL;
  atomic_fetch_add(&c->acquiring, 1);
  for (uint32_t i = 0; i < PROBES && !found; i++) {
    zt_jwtc_entry *e = atomic_load(&c->slot[(h + i) & c->mask]);
    if (same(e, h, tok, n, rule)) {
      atomic_fetch_add(&e->refs, 1);
      found = e;
    }
  }
  atomic_fetch_sub(&c->acquiring, 1);
  return found;
}

/* Frees retired entries nobody holds. Called with wlock held. */
static void reclaim(zt_jwtc *c) {
  if (atomic_load(&c->acquiring) != 0)
    return;
  zt_jwtc_entry **link = &c->retired;
  while (*link) {
    zt_jwtc_entry *e = *link;
    if (atomic_load(&e->refs) == 0) {
      *link = e->next_retired;
      entry_free(c, e);
    } else {
      link = &e->next_retired;
    }
  }
}

void zt_jwtc_release(zt_jwtc *c, const zt_jwtc_entry *ce) {
  if (!c || !ce)
    return;
  zt_jwtc_entry *e = (zt_jwtc_entry *)ce;
  /* Only an evicted entry (its slot reference gone) can reach zero. */
  if (atomic_fetch_sub(&e->refs, 1) != 1)
    return;
  if (pthread_mutex_trylock(&c->wlock) == 0) {
    reclaim(c);
    pthread_mutex_unlock(&c->wlock);
  }
}

static void read_claim(zt_jwtc_entry *e, const char *name, zt_str *out,
                       bool *has) {
  zt_json_val v;
  const char *s;
  size_t n;
  *has = zt_json_member(&e->claims, ZT_JSON_ROOT, name, strlen(name), &v) &&
         zt_json_string(&e->claims, v, &s, &n);
  *out = *has ? (zt_str){s, n} : (zt_str){NULL, 0};
}

/* One block: the entry, its claims' tokens and bytes, the token text. */
static zt_jwtc_entry *entry_new(zt_jwtc *c, uint64_t h,
                                const zt_jwtc_item *it) {
  uint32_t ntok = zt_json_doc_tokens(it->claims);
  size_t nbuf = zt_json_doc_bytes(it->claims);
  size_t off_tok = align8(sizeof(zt_jwtc_entry));
  size_t off_buf = off_tok + align8(ntok * sizeof(zt_json_tok));
  size_t off_txt = off_buf + align8(nbuf);
  char *blk = zt_alloc(c->mem, off_txt + it->token_len);
  if (!blk)
    return NULL;
  zt_jwtc_entry *e = (zt_jwtc_entry *)blk;
  memset(e, 0, sizeof(*e));
  if (zt_json_doc_copy(&e->claims, (zt_json_tok *)(blk + off_tok), ntok,
                       blk + off_buf, nbuf, it->claims) != ZT_OK) {
    zt_free(c->mem, blk);
    return NULL;
  }
  memcpy(blk + off_txt, it->token, it->token_len);
  atomic_init(&e->refs, 1);
  e->hash = h;
  e->rule = it->rule;
  e->exp = it->exp;
  e->nbf = it->nbf;
  e->token = blk + off_txt;
  e->token_len = it->token_len;
  read_claim(e, "iss", &e->iss, &e->has_iss);
  read_claim(e, "sub", &e->sub, &e->has_sub);
  return e;
}

/* The slot to fill: the entry's own if present (NULL: nothing to do), an
 * empty one, or a victim picked from the hash's high bits. */
static _Atomic(zt_jwtc_entry *) *pick_slot(zt_jwtc *c, uint64_t h,
                                           const zt_jwtc_item *it) {
  _Atomic(zt_jwtc_entry *) *empty = NULL;
  for (uint32_t i = 0; i < PROBES; i++) {
    _Atomic(zt_jwtc_entry *) *s = &c->slot[(h + i) & c->mask];
    zt_jwtc_entry *e = atomic_load(s);
    if (same(e, h, it->token, it->token_len, it->rule))
      return NULL;
    if (!e && !empty)
      empty = s;
  }
  return empty ? empty : &c->slot[(h + ((h >> 40) % PROBES)) & c->mask];
}

void zt_jwtc_put(zt_jwtc *c, uint64_t h, const zt_jwtc_item *it) {
  if (!c || !it || !it->claims || it->token_len > ZT_JWTC_MAX_TOKEN)
    return;
  if (pthread_mutex_trylock(&c->wlock) != 0)
    return;
  _Atomic(zt_jwtc_entry *) *s = pick_slot(c, h, it);
  zt_jwtc_entry *e = s ? entry_new(c, h, it) : NULL;
  if (e) {
    zt_jwtc_entry *old = atomic_exchange(s, e);
    if (old) {
      old->next_retired = c->retired;
      c->retired = old;
      atomic_fetch_sub(&old->refs, 1);
    }
  }
  reclaim(c);
  pthread_mutex_unlock(&c->wlock);
}
