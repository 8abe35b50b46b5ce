/*
 * Verified-token cache: tokens whose signature, issuer and audience a rule
 * of the snapshot already accepted, so that a repeated token costs a hash
 * and a compare instead of a signature (perf.md §5.3). One cache belongs
 * to one snapshot: a new JWKS or policy set starts an empty one, so an
 * entry can never outlive the keys that verified it. Entries keep their
 * exp and nbf; the caller re-checks time on every hit.
 *
 * Concurrency comes from lib/lfcache.h: lookups take no lock, entries are
 * immutable and reference counted and freed once no lookup can reach
 * them, inserts try-lock and are skipped when busy: a cache may lose an
 * insert, never block a decision.
 *
 * The key is the whole token text plus the rule, compared byte for byte:
 * the hash only picks the slot, so a collision can evict but never match.
 */
#ifndef ZT_JWTCACHE_H
#define ZT_JWTCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "lfcache.h"
#include "ztauth.h"

/* Tokens longer than this are verified every time (Envoy caches up to
 * 4 KiB too); it bounds an entry's size. */
#define ZT_JWTC_MAX_TOKEN 4096u
#define ZT_JWTC_MAX_ENTRIES (1u << 20)

typedef struct zt_jwtc_entry {
  zt_lfc_entry lfc;  /* first: refs, hash, the key (token) and tag (rule) */
  uint64_t exp, nbf; /* 0 when absent */
  zt_str iss, sub;   /* inside claims */
  bool has_iss, has_sub;
  zt_json_doc claims;
  const char *token; /* lfc.key, lfc.key_len */
  size_t token_len;
} zt_jwtc_entry;

typedef struct zt_jwtc {
  zt_lfc lfc;
} zt_jwtc;

/* A cache of at least entries slots (rounded up to a power of two);
 * entries 0 gives no cache (*out NULL, ZT_OK). */
int zt_jwtc_new(zt_jwtc **out, const zt_allocator *mem, uint32_t entries,
                uint64_t seed);
/* Frees the cache and every entry; no lookup may be running or holding. */
void zt_jwtc_free(zt_jwtc *c);

/* The slot hash of a token: its length and last 64 bytes, seeded per
 * cache. */
uint64_t zt_jwtc_hash(const zt_jwtc *c, const char *tok, size_t n);

/* The entry for (token, rule), with a reference the caller must give back
 * with zt_jwtc_release(); NULL when absent. c may be NULL. */
const zt_jwtc_entry *zt_jwtc_get(zt_jwtc *c, uint64_t h, const char *tok,
                                 size_t n, uint32_t rule);
void zt_jwtc_release(zt_jwtc *c, const zt_jwtc_entry *e);

/* What a verified token puts in the cache. */
typedef struct zt_jwtc_item {
  const char *token;
  size_t token_len;
  uint32_t rule;
  uint64_t exp, nbf;
  const zt_json_doc *claims;
} zt_jwtc_item;

/* Remembers a verified token (copying everything). Returns quietly when
 * the token is too long, memory is short or another insert is running. */
void zt_jwtc_put(zt_jwtc *c, uint64_t h, const zt_jwtc_item *it);

#endif
