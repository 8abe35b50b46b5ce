/*
 * Verified-identity cache: certificate chains that zt_svid_check() accepted
 * against one trust-bundle set, so that a connection's identity is not
 * re-verified per request (istio#54194). One cache belongs to one
 * zt_trust: new bundles start an empty cache. An entry keeps the SPIFFE
 * ID and the path's validity window; the caller re-checks time on a hit.
 *
 * The key is the whole chain text plus the verification flags (role, EKU
 * and ID switches), compared byte for byte: the hash only picks the slot.
 * Lookups take no lock (immutable, reference-counted entries reclaimed
 * when no lookup can reach them); inserts try-lock and are dropped when
 * busy.
 */
#ifndef ZT_IDCACHE_H
#define ZT_IDCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ztauth.h"

#define ZT_IDC_MAX_CHAIN (16u * 1024u) /* longer chains are not cached */
#define ZT_IDC_MAX_ENTRIES (1u << 20)

typedef struct zt_idcache zt_idcache;

typedef struct zt_idc_entry {
  uint32_t flags;
  int64_t not_before, not_after;
  const char *id; /* the SPIFFE ID, NUL-terminated */
  size_t id_len;
} zt_idc_entry;

/* A cache of at least entries slots; entries 0 gives no cache (*out NULL,
 * ZT_OK). */
int zt_idc_new(zt_idcache **out, const zt_allocator *mem, uint32_t entries,
               uint64_t seed);
/* Frees the cache and every entry; no lookup may be running or holding. */
void zt_idc_free(zt_idcache *c);

/* The slot hash of a chain: its length and the last 64 bytes of its leaf
 * (the first certificate, DER or PEM), since chains from one CA end in
 * the same certificates; the chain's last 64 bytes when the leaf cannot
 * be delimited. c may be NULL. */
uint64_t zt_idc_hash(const zt_idcache *c, const char *chain, size_t n);

/* The entry for (chain, flags) with a reference to give back with
 * zt_idc_release(); NULL when absent. c may be NULL. */
const zt_idc_entry *zt_idc_get(zt_idcache *c, uint64_t h, const char *chain,
                               size_t n, uint32_t flags);
void zt_idc_release(zt_idcache *c, const zt_idc_entry *e);

/* Remembers a verified chain (copying it and the ID). Returns quietly when
 * the chain is too long, memory is short or another insert is running. */
void zt_idc_put(zt_idcache *c, uint64_t h, const char *chain, size_t n,
                uint32_t flags, const char *id, size_t id_len,
                int64_t not_before, int64_t not_after);

#endif
