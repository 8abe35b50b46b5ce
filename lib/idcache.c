#include "idcache.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lfcache.h"

/* The cache is the zt_lfc that zt_lfc_new allocates, under its own type. */
struct zt_idcache {
  zt_lfc lfc;
};

static_assert(sizeof(struct zt_idcache) == sizeof(zt_lfc), "lfc only");

/* One block: this, the ID and its NUL, then the chain (lfcache's key). */
typedef struct idc_entry {
  zt_lfc_entry lfc; /* first: lfcache hands out its header */
  zt_idc_entry pub;
} idc_entry;

static_assert(offsetof(idc_entry, lfc) == 0, "lfc header first");

int zt_idc_new(zt_idcache **out, const zt_allocator *mem, uint32_t entries,
               uint64_t seed) {
  zt_lfc *c = NULL;
  int rc =
      zt_lfc_new(&c, mem, entries, ZT_IDC_MAX_ENTRIES, ZT_IDC_MAX_CHAIN, seed);
  *out = (zt_idcache *)c; /* its first and only member */
  return rc;
}

void zt_idc_free(zt_idcache *c) {
  zt_lfc_free(c ? &c->lfc : NULL);
}

/* DER: where the first certificate's SEQUENCE ends (n if malformed). */
static size_t der_end(const unsigned char *p, size_t n) {
  size_t len = p[1], hdr = 2;
  if (len & 0x80) {
    size_t k = len & 0x7f;
    if (k == 0 || k > 3 || n < 2 + k)
      return n;
    len = 0;
    for (size_t i = 0; i < k; i++)
      len = len << 8 | p[2 + i];
    hdr += k;
  }
  return len < n - hdr ? hdr + len : n;
}

/* PEM: base64 has no '-', so the first one after the BEGIN line starts
 * the leaf's END line. */
static size_t pem_end(const char *s, size_t n) {
  const char *nl = memchr(s, '\n', n);
  const char *dash = nl ? memchr(nl, '-', n - (size_t)(nl - s)) : NULL;
  return dash ? (size_t)(dash - s) : n;
}

/*
 * The slot hash covers the end of the leaf, not of the chain: the leaf is
 * first, and the certificates after it (intermediates, often the root) are
 * the same for every workload of a CA, so the chain's last bytes would
 * send them all to the same slots. A chain that is neither DER nor PEM
 * from its first byte is hashed at its end: that only costs spread.
 */
uint64_t zt_idc_hash(const zt_idcache *c, const char *chain, size_t n) {
  size_t end = n;
  if (n >= 2 && (unsigned char)chain[0] == 0x30)
    end = der_end((const unsigned char *)chain, n);
  else if (n >= 1 && chain[0] == '-')
    end = pem_end(chain, n);
  return zt_lfc_hash_to(c ? &c->lfc : NULL, chain, n, end);
}

const zt_idc_entry *zt_idc_get(zt_idcache *c, uint64_t h, const char *chain,
                               size_t n, uint32_t flags) {
  const zt_lfc_entry *e = zt_lfc_get(c ? &c->lfc : NULL, h, chain, n, flags);
  return e ? &((const idc_entry *)e)->pub : NULL;
}

void zt_idc_release(zt_idcache *c, const zt_idc_entry *e) {
  if (!c || !e)
    return;
  const idc_entry *ie =
      (const idc_entry *)((const char *)e - offsetof(idc_entry, pub));
  zt_lfc_release(&c->lfc, &ie->lfc);
}

typedef struct idc_item {
  const char *id;
  size_t id_len;
  int64_t not_before, not_after;
} idc_item;

static bool fill(zt_lfc_entry *le, const void *arg) {
  const idc_item *it = arg;
  idc_entry *e = (idc_entry *)le;
  char *id = (char *)(e + 1);
  memcpy(id, it->id, it->id_len); /* the NUL is there: the block is zeroed */
  e->pub =
      (zt_idc_entry){le->tag, it->not_before, it->not_after, id, it->id_len};
  return true;
}

void zt_idc_put(zt_idcache *c, uint64_t h, const char *chain, size_t n,
                uint32_t flags, const char *id, size_t id_len,
                int64_t not_before, int64_t not_after) {
  if (!c || !id || id_len > SIZE_MAX - sizeof(idc_entry) - 1)
    return;
  idc_item it = {id, id_len, not_before, not_after};
  zt_lfc_key k = {h, chain, n, flags};
  zt_lfc_put(&c->lfc, &k, sizeof(idc_entry) + id_len + 1, fill, &it);
}
