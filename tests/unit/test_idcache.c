/* The verified-identity cache: exact keys, collisions, eviction while
 * held, limits, allocation failures, the leaf-first slot hash, and lookups
 * racing inserts (run under TSan and valgrind by the test script). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "idcache.h"
#include "test_alloc.h"
#include "test_threads.h"

#define LONG_CHAIN                                                             \
  "-----BEGIN CERTIFICATE-----\nMIIBleafAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"     \
  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"     \
  "\n-----END CERTIFICATE-----\n"

static zt_idcache *new_cache(uint32_t entries, uint64_t seed) {
  zt_idcache *c;
  assert_int_equal(zt_idc_new(&c, &zt_default_allocator, entries, seed), ZT_OK);
  return c;
}

static void put(zt_idcache *c, const char *chain, size_t n, uint32_t flags,
                const char *id) {
  zt_idc_put(c, zt_idc_hash(c, chain, n), chain, n, flags, id, strlen(id), 100,
             200);
}

static const zt_idc_entry *get(zt_idcache *c, const char *chain, size_t n,
                               uint32_t flags) {
  return zt_idc_get(c, zt_idc_hash(c, chain, n), chain, n, flags);
}

/* Whether (chain, flags) is cached with id. */
static bool holds(zt_idcache *c, const char *chain, size_t n, uint32_t flags,
                  const char *id) {
  const zt_idc_entry *e = get(c, chain, n, flags);
  if (!e)
    return false;
  assert_string_equal(e->id, id);
  zt_idc_release(c, e);
  return true;
}

static void test_hit_and_miss(void **state) {
  (void)state;
  zt_idcache *c = new_cache(64, 1);
  const char *chain = LONG_CHAIN;
  size_t n = strlen(chain);
  assert_null(get(c, chain, n, 1));
  put(c, chain, n, 1, "spiffe://td/ns/a/sa/b");
  const zt_idc_entry *e = get(c, chain, n, 1);
  assert_non_null(e);
  assert_int_equal(e->flags, 1);
  assert_int_equal(e->not_before, 100);
  assert_int_equal(e->not_after, 200);
  assert_int_equal(e->id_len, strlen("spiffe://td/ns/a/sa/b"));
  assert_string_equal(e->id, "spiffe://td/ns/a/sa/b"); /* NUL-terminated */
  zt_idc_release(c, e);
  put(c, chain, n, 1, "spiffe://td/other"); /* present: kept as it was */
  assert_true(holds(c, chain, n, 1, "spiffe://td/ns/a/sa/b"));
  zt_idc_free(c);
}

/* Keys that hash alike but differ: every one misses. */
static void test_exact_key(void **state) {
  (void)state;
  zt_idcache *c = new_cache(64, 2);
  char chain[] = LONG_CHAIN;
  size_t n = strlen(chain);
  put(c, chain, n, 3, "spiffe://td/x");
  char other[sizeof chain];
  memcpy(other, chain, sizeof chain);
  other[40] ^= 1; /* inside the leaf: outside the hashed bytes */
  assert_int_equal(zt_idc_hash(c, other, n), zt_idc_hash(c, chain, n));
  assert_null(get(c, other, n, 3));
  memcpy(other, chain, sizeof chain);
  other[n - 1] ^= 1; /* the last byte */
  assert_null(get(c, other, n, 3));
  assert_null(get(c, chain, n - 1, 3)); /* a prefix */
  char longer[sizeof chain + 1];
  memcpy(longer, chain, n);
  longer[n] = '\n';
  assert_null(get(c, longer, n + 1, 3)); /* a longer one */
  assert_null(get(c, chain, n, 2));      /* other flags */
  assert_null(get(c, chain, n, 3 | 4));
  assert_true(holds(c, chain, n, 3, "spiffe://td/x"));
  zt_idc_free(c);
}

/* With one forced hash in a 4-slot cache, five chains fight for the same
 * slots: one is evicted, none is ever returned for another. */
static void test_collision(void **state) {
  (void)state;
  zt_idcache *c = new_cache(4, 3);
  const uint64_t h = 42;
  char chain[5][16], id[5][32];
  for (int i = 0; i < 5; i++) {
    snprintf(chain[i], sizeof chain[i], "chain-%d", i);
    snprintf(id[i], sizeof id[i], "spiffe://td/w%d", i);
    zt_idc_put(c, h, chain[i], strlen(chain[i]), 0, id[i], strlen(id[i]), 1, 2);
  }
  int hits = 0;
  for (int i = 0; i < 5; i++) {
    const zt_idc_entry *e = zt_idc_get(c, h, chain[i], strlen(chain[i]), 0);
    if (e) {
      assert_string_equal(e->id, id[i]);
      hits++;
      zt_idc_release(c, e);
    }
  }
  assert_int_equal(hits, 4);
  assert_null(zt_idc_get(c, h, "chain-9", 7, 0)); /* same hash, no match */
  assert_null(zt_idc_get(c, h + 1, chain[4], strlen(chain[4]), 1));
  zt_idc_free(c);
}

/* A tiny cache evicts an entry a lookup still holds: it must stay readable
 * until released (valgrind and ASan check the memory). */
static void test_evicted_while_held(void **state) {
  (void)state;
  zt_idcache *c = new_cache(4, 7);
  put(c, "held-chain", 10, 0, "spiffe://td/held");
  const zt_idc_entry *e = get(c, "held-chain", 10, 0);
  assert_non_null(e);
  char chain[32];
  for (int i = 0; i < 200; i++) {
    snprintf(chain, sizeof chain, "chain-%d", i);
    put(c, chain, strlen(chain), 0, "spiffe://td/new");
  }
  assert_false(holds(c, "held-chain", 10, 0, "spiffe://td/held"));
  assert_string_equal(e->id, "spiffe://td/held");
  assert_int_equal(e->not_after, 200);
  zt_idc_release(c, e);
  zt_idc_free(c);
}

static void test_limits(void **state) {
  (void)state;
  zt_idcache *c = new_cache(8, 4);
  static char big[ZT_IDC_MAX_CHAIN + 1];
  memset(big, 'x', sizeof big);
  put(c, big, sizeof big, 0, "spiffe://td/big"); /* too long: not cached */
  assert_false(holds(c, big, sizeof big, 0, "spiffe://td/big"));
  put(c, big, ZT_IDC_MAX_CHAIN, 0, "spiffe://td/max"); /* at the limit */
  assert_true(holds(c, big, ZT_IDC_MAX_CHAIN, 0, "spiffe://td/max"));
  put(c, "", 0, 0, "spiffe://td/empty"); /* an empty chain is never valid */
  assert_null(get(c, NULL, 0, 0));
  zt_idc_free(c);
  /* 0 entries: no cache, and every call takes the NULL. */
  assert_null(new_cache(0, 1));
  put(NULL, "a", 1, 0, "spiffe://td/a");
  assert_null(get(NULL, "a", 1, 0));
  zt_idc_release(NULL, NULL);
  zt_idc_free(NULL);
  zt_idcache *none;
  assert_int_equal(
      zt_idc_new(&none, &zt_default_allocator, ZT_IDC_MAX_ENTRIES + 1, 1),
      ZT_ELIMIT);
  assert_null(none);
}

static void test_alloc_failure(void **state) {
  (void)state;
  test_alloc ta = {0};
  zt_allocator a = test_allocator(&ta);
  zt_idcache *c;
  ta.fail_at = 1;
  assert_int_equal(zt_idc_new(&c, &a, 8, 1), ZT_ENOMEM);
  assert_null(c);
  ta.fail_at = ta.calls + 2; /* the slots */
  assert_int_equal(zt_idc_new(&c, &a, 8, 1), ZT_ENOMEM);
  assert_int_equal(ta.live, 0);
  ta.fail_at = 0;
  assert_int_equal(zt_idc_new(&c, &a, 8, 1), ZT_OK);
  ta.fail_at = ta.calls + 1; /* the insert's allocation fails: quietly lost */
  put(c, "chain", 5, 0, "spiffe://td/a");
  assert_null(get(c, "chain", 5, 0));
  ta.fail_at = 0;
  put(c, "chain", 5, 0, "spiffe://td/a");
  assert_true(holds(c, "chain", 5, 0, "spiffe://td/a"));
  zt_idc_free(c);
  assert_int_equal(ta.live, 0);
}

/* A leaf of 0x30 0x82 + 2-byte length + body, then a shared CA. */
static size_t der_chain(unsigned char *out, unsigned char leaf_byte) {
  size_t body = 300, ca = 200, n = 0;
  out[n++] = 0x30;
  out[n++] = 0x82;
  out[n++] = (unsigned char)(body >> 8);
  out[n++] = (unsigned char)body;
  memset(out + n, leaf_byte, body);
  n += body;
  out[n++] = 0x30;
  out[n++] = 0x81;
  out[n++] = (unsigned char)(ca - 3);
  memset(out + n, 0xca, ca - 3);
  return n + ca - 3;
}

/* Chains from one CA end alike: the hash must see the leaf's end. */
static void test_leaf_hash(void **state) {
  (void)state;
  zt_idcache *c = new_cache(8, 5);
  unsigned char d1[600], d2[600];
  size_t n1 = der_chain(d1, 0x11), n2 = der_chain(d2, 0x22);
  assert_int_equal(n1, n2);
  assert_int_not_equal(zt_idc_hash(c, (char *)d1, n1),
                       zt_idc_hash(c, (char *)d2, n2));
  const char *ca = "-----BEGIN CERTIFICATE-----\nQ0FDQUNB\n"
                   "-----END CERTIFICATE-----\n";
  char p1[256], p2[256];
  snprintf(p1, sizeof p1, "%s%s", LONG_CHAIN, ca);
  snprintf(p2, sizeof p2, "%s%s", LONG_CHAIN, ca);
  p2[100] = 'B'; /* inside the leaf's last 64 base64 characters */
  assert_int_not_equal(zt_idc_hash(c, p1, strlen(p1)),
                       zt_idc_hash(c, p2, strlen(p2)));
  /* Truncated or odd headers hash without reading past the end. */
  const char *odd[] = {
      "\x30",     "\x30\x82", "\x30\x82\x01", "\x30\x84\x01\x02",
      "\x30\x80", "-",        "-----BEGIN",   "-\n"};
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
    size_t n = strlen(odd[i]);
    char *copy = test_malloc(n); /* exact size: overruns are caught */
    memcpy(copy, odd[i], n);
    put(c, copy, n, 0, "spiffe://td/odd");
    assert_true(holds(c, copy, n, 0, "spiffe://td/odd"));
    test_free(copy);
  }
  zt_idc_free(c);
}

/* A step of test_hammer: chain k holds ID k, with flags k & 1. */
static bool hammer_step(void *ctx, int k) {
  zt_idcache *c = ctx;
  char chain[32], id[32];
  snprintf(chain, sizeof chain, "chain-%d", k);
  snprintf(id, sizeof id, "spiffe://td/w%d", k);
  const zt_idc_entry *e = get(c, chain, strlen(chain), (uint32_t)k & 1);
  if (!e) {
    put(c, chain, strlen(chain), (uint32_t)k & 1, id);
    return false;
  }
  /* What we hold is what we asked for, whatever else happens. */
  assert_string_equal(e->id, id);
  assert_int_equal(e->flags, (uint32_t)k & 1);
  zt_idc_release(c, e);
  return true;
}

static void test_threads(void **state) {
  (void)state;
  zt_idcache *c = new_cache(32, 3);
  assert_true(test_hammer(c, hammer_step, 4, 20000) > 0);
  zt_idc_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hit_and_miss),
      cmocka_unit_test(test_exact_key),
      cmocka_unit_test(test_collision),
      cmocka_unit_test(test_evicted_while_held),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_leaf_hash),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
