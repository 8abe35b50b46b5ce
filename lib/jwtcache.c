#include "jwtcache.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

/* lfcache hands out its header: the entry must start with it. */
static_assert(offsetof(zt_jwtc_entry, lfc) == 0, "lfc header first");
/* The cache is the zt_lfc that zt_lfc_new allocates, under its own type. */
static_assert(sizeof(zt_jwtc) == sizeof(zt_lfc), "lfc only");

int zt_jwtc_new(zt_jwtc **out, const zt_allocator *mem, uint32_t entries,
                uint64_t seed) {
  zt_lfc *c = NULL;
  int rc = zt_lfc_new(&c, mem, entries, ZT_JWTC_MAX_ENTRIES, ZT_JWTC_MAX_TOKEN,
                      seed);
  *out = (zt_jwtc *)c; /* its first and only member */
  return rc;
}

void zt_jwtc_free(zt_jwtc *c) {
  zt_lfc_free(c ? &c->lfc : NULL);
}

uint64_t zt_jwtc_hash(const zt_jwtc *c, const char *tok, size_t n) {
  return zt_lfc_hash(c ? &c->lfc : NULL, tok, n);
}

const zt_jwtc_entry *zt_jwtc_get(zt_jwtc *c, uint64_t h, const char *tok,
                                 size_t n, uint32_t rule) {
  /* The header is the entry's first member: the casts are free, and NULL
   * stays NULL. */
  return (const zt_jwtc_entry *)zt_lfc_get(c ? &c->lfc : NULL, h, tok, n, rule);
}

void zt_jwtc_release(zt_jwtc *c, const zt_jwtc_entry *e) {
  zt_lfc_release(c ? &c->lfc : NULL, e ? &e->lfc : NULL);
}

static size_t align8(size_t n) {
  return (n + 7u) & ~(size_t)7u;
}

/* Where the claims' tokens and bytes go in an entry's block; the token
 * text follows at size (lfcache puts it there). */
typedef struct layout {
  uint32_t ntok;
  size_t nbuf, off_tok, off_buf, size;
} layout;

static layout layout_of(const zt_json_doc *claims) {
  layout l = {zt_json_doc_tokens(claims), zt_json_doc_bytes(claims), 0, 0, 0};
  l.off_tok = align8(sizeof(zt_jwtc_entry));
  l.off_buf = l.off_tok + align8(l.ntok * sizeof(zt_json_tok));
  l.size = l.off_buf + align8(l.nbuf);
  return l;
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

static bool fill(zt_lfc_entry *le, const void *arg) {
  const zt_jwtc_item *it = arg;
  zt_jwtc_entry *e = (zt_jwtc_entry *)le;
  char *blk = (char *)e;
  layout l = layout_of(it->claims);
  if (zt_json_doc_copy(&e->claims, (zt_json_tok *)(blk + l.off_tok), l.ntok,
                       blk + l.off_buf, l.nbuf, it->claims) != ZT_OK)
    return false;
  e->exp = it->exp;
  e->nbf = it->nbf;
  e->token = le->key;
  e->token_len = le->key_len;
  read_claim(e, "iss", &e->iss, &e->has_iss);
  read_claim(e, "sub", &e->sub, &e->has_sub);
  return true;
}

void zt_jwtc_put(zt_jwtc *c, uint64_t h, const zt_jwtc_item *it) {
  if (!c || !it || !it->claims)
    return;
  zt_lfc_key k = {h, it->token, it->token_len, it->rule};
  zt_lfc_put(&c->lfc, &k, layout_of(it->claims).size, fill, it);
}
