/* The verified-token cache: exact keys, eviction while held, and lookups
 * racing inserts (run under TSan by the test script). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "jwtcache.h"
#include "test_alloc.h"
#include "test_threads.h"

typedef struct claims {
  zt_json_doc doc;
  zt_json_tok toks[16];
  char buf[128];
} claims;

static void parse(claims *c, const char *json) {
  zt_json_doc_init(&c->doc, c->toks, 16, c->buf, sizeof c->buf);
  assert_int_equal(zt_json_parse(&c->doc, json, strlen(json), NULL, NULL),
                   ZT_OK);
}

static void put(zt_jwtc *c, const char *tok, uint32_t rule, const claims *cl) {
  zt_jwtc_item it = {tok, strlen(tok), rule, 2000, 0, &cl->doc};
  zt_jwtc_put(c, zt_jwtc_hash(c, tok, strlen(tok)), &it);
}

static const zt_jwtc_entry *get(zt_jwtc *c, const char *tok, uint32_t rule) {
  return zt_jwtc_get(c, zt_jwtc_hash(c, tok, strlen(tok)), tok, strlen(tok),
                     rule);
}

/* A cache on the default allocator. */
static zt_jwtc *new_cache(uint32_t entries, uint64_t seed) {
  zt_jwtc *c;
  assert_int_equal(zt_jwtc_new(&c, &zt_default_allocator, entries, seed),
                   ZT_OK);
  return c;
}

static void test_exact_keys(void **state) {
  (void)state;
  zt_jwtc *c = new_cache(64, 1);
  claims cl;
  parse(&cl, "{\"iss\":\"i\",\"sub\":\"s\",\"n\":1}");
  put(c, "a.b.c", 3, &cl);
  const zt_jwtc_entry *e = get(c, "a.b.c", 3);
  assert_non_null(e);
  assert_int_equal(e->exp, 2000);
  assert_true(e->has_iss && e->has_sub);
  assert_memory_equal(e->iss.ptr, "i", 1);
  zt_json_val v;
  assert_true(zt_json_member(&e->claims, ZT_JSON_ROOT, "n", 1, &v));
  zt_jwtc_release(c, e);
  assert_null(get(c, "a.b.c", 4));  /* another rule */
  assert_null(get(c, "a.b.cd", 3)); /* a longer token */
  assert_null(get(c, "a.b.C", 3));  /* one byte differs */
  /* Too long to cache: never stored. */
  static char big[ZT_JWTC_MAX_TOKEN + 2];
  memset(big, 'x', sizeof big - 1);
  put(c, big, 3, &cl);
  assert_null(get(c, big, 3));
  zt_jwtc_free(c);
  assert_null(new_cache(0, 1)); /* 0 entries: no cache, lookups on NULL miss */
  assert_null(get(NULL, "a.b.c", 3));
}

/* A tiny cache evicts an entry a lookup still holds: the entry must stay
 * readable until released (valgrind and ASan check the memory). */
static void test_evicted_while_held(void **state) {
  (void)state;
  zt_jwtc *c = new_cache(4, 7);
  claims cl;
  parse(&cl, "{\"sub\":\"held\"}");
  put(c, "held.token.x", 1, &cl);
  const zt_jwtc_entry *e = get(c, "held.token.x", 1);
  assert_non_null(e);
  char tok[32];
  for (int i = 0; i < 200; i++) {
    snprintf(tok, sizeof tok, "t%d.p.s", i);
    put(c, tok, 1, &cl);
  }
  assert_memory_equal(e->token, "held.token.x", 12);
  assert_memory_equal(e->sub.ptr, "held", 4);
  zt_jwtc_release(c, e);
  zt_jwtc_free(c);
}

static void test_alloc_failure(void **state) {
  (void)state;
  test_alloc ta = {0};
  zt_allocator a = test_allocator(&ta);
  zt_jwtc *c;
  ta.fail_at = 1;
  assert_int_equal(zt_jwtc_new(&c, &a, 8, 1), ZT_ENOMEM);
  ta.fail_at = 2;
  assert_int_equal(zt_jwtc_new(&c, &a, 8, 1), ZT_ENOMEM);
  assert_int_equal(ta.live, 0);
  ta.fail_at = 0;
  assert_int_equal(zt_jwtc_new(&c, &a, 8, 1), ZT_OK);
  claims cl;
  parse(&cl, "{}");
  ta.fail_at = ta.calls + 1; /* the insert's allocation fails: quietly lost */
  put(c, "a.b.c", 1, &cl);
  assert_null(get(c, "a.b.c", 1));
  ta.fail_at = 0;
  zt_jwtc_free(c);
  assert_int_equal(ta.live, 0);
}

typedef struct shared {
  zt_jwtc *c;
  const claims *cl;
} shared;

/* A step of test_hammer: token k, rule 0. */
static bool hammer_step(void *ctx, int k) {
  const shared *sh = ctx;
  char tok[32];
  snprintf(tok, sizeof tok, "tok%d.p.s", k);
  const zt_jwtc_entry *e = get(sh->c, tok, 0);
  if (!e) {
    put(sh->c, tok, 0, sh->cl);
    return false;
  }
  /* What we hold is what we asked for, whatever else happens. */
  assert_int_equal(e->token_len, strlen(tok));
  assert_memory_equal(e->token, tok, e->token_len);
  zt_jwtc_release(sh->c, e);
  return true;
}

static void test_threads(void **state) {
  (void)state;
  claims cl;
  parse(&cl, "{\"iss\":\"x\"}");
  shared sh = {new_cache(32, 3), &cl};
  assert_true(test_hammer(&sh, hammer_step, 4, 20000) > 0);
  zt_jwtc_free(sh.c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_keys),
      cmocka_unit_test(test_evicted_while_held),
      cmocka_unit_test(test_alloc_failure),
      cmocka_unit_test(test_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
