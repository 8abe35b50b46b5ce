/* JWT claims as AuthorizationPolicy reads them (istio-semantics.md §8.8):
 * nested paths, strings and lists of strings only, space-delimited scope
 * and permission, and claims that are absent or of another type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "claims.h"

static const char doc_text[] =
    "{\"iss\":\"https://issuer\",\"sub\":\"u1\",\"aud\":[\"a\",\"b\"],"
    "\"scope\":\"read  write\",\"permission\":[\"p q\"],"
    "\"other\":\"x y\",\"n\":{\"m\":{\"k\":\"deep\"},\"list\":[\"v\",2,"
    "null,{\"k\":\"no\"}]},\"num\":7,\"flag\":true,\"nil\":null}";

typedef struct want {
  const char *s;
  int hits;
} want;

static bool collect(void *ctx, const char *s, size_t n) {
  want *w = ctx;
  if (strlen(w->s) == n && memcmp(w->s, s, n) == 0)
    w->hits++;
  return false; /* keep walking: every candidate is seen */
}

static int count(const zt_json_doc *doc, const char *value,
                 const char *const *path, uint32_t depth, bool *present) {
  zt_str p[4];
  for (uint32_t i = 0; i < depth; i++)
    p[i] = (zt_str){path[i], strlen(path[i])};
  want w = {value, 0};
  assert_false(zt_claims_any(doc, p, depth, NULL, 0, collect, &w, present));
  return w.hits;
}

static bool accept_all(void *ctx, const char *s, size_t n) {
  (void)ctx;
  (void)s;
  (void)n;
  return true;
}

/* A rule's spaceDelimitedClaims split top-level claims beyond scope and
 * permission, and only for the decision they are passed to. */
static void test_extra_space_delimited(void **state) {
  (void)state;
  static const char text[] =
      "{\"roles\":\"admin ops\",\"n\":{\"roles\":\"a b\"}}";
  zt_json_tok toks[16];
  char buf[sizeof(text)];
  zt_json_doc doc;
  zt_json_doc_init(&doc, toks, 16, buf, sizeof(buf));
  assert_int_equal(zt_json_parse(&doc, text, strlen(text), NULL, NULL), ZT_OK);
  zt_str roles = {"roles", 5};
  zt_str nested[2] = {{"n", 1}, {"roles", 5}};
  want w = {"ops", 0};
  bool present;
  zt_claims_any(&doc, &roles, 1, NULL, 0, collect, &w, &present);
  assert_int_equal(w.hits, 0);
  zt_claims_any(&doc, &roles, 1, &roles, 1, collect, &w, &present);
  assert_int_equal(w.hits, 1);
  w = (want){"b", 0};
  zt_claims_any(&doc, nested, 2, &roles, 1, collect, &w, &present);
  assert_int_equal(w.hits, 0); /* only top-level claims are split */
}

static void test_claim_paths(void **state) {
  (void)state;
  zt_json_tok toks[128];
  char buf[sizeof(doc_text)];
  zt_json_doc doc;
  zt_json_doc_init(&doc, toks, 128, buf, sizeof(buf));
  assert_int_equal(zt_json_parse(&doc, doc_text, strlen(doc_text), NULL, NULL),
                   ZT_OK);
  bool present;
  assert_int_equal(count(&doc, "u1", (const char *[]){"sub"}, 1, &present), 1);
  assert_int_equal(count(&doc, "b", (const char *[]){"aud"}, 1, &present), 1);
  assert_int_equal(count(&doc, "read", (const char *[]){"scope"}, 1, &present),
                   1);
  assert_int_equal(count(&doc, "write", (const char *[]){"scope"}, 1, &present),
                   1);
  assert_int_equal(
      count(&doc, "read  write", (const char *[]){"scope"}, 1, &present), 0);
  assert_int_equal(count(&doc, "", (const char *[]){"scope"}, 1, &present), 0);
  /* A list-valued permission is not split again. */
  assert_int_equal(
      count(&doc, "p q", (const char *[]){"permission"}, 1, &present), 1);
  assert_int_equal(count(&doc, "x y", (const char *[]){"other"}, 1, &present),
                   1);
  assert_int_equal(
      count(&doc, "deep", (const char *[]){"n", "m", "k"}, 3, &present), 1);
  assert_int_equal(count(&doc, "v", (const char *[]){"n", "list"}, 2, &present),
                   1);
  assert_int_equal(
      count(&doc, "no", (const char *[]){"n", "list"}, 2, &present), 0);
  assert_true(present);
  /* Numbers, booleans, null and objects hold no strings. */
  zt_str p = {"num", 3};
  assert_false(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  assert_true(present);
  p = (zt_str){"flag", 4};
  assert_false(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  p = (zt_str){"nil", 3};
  assert_false(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  p = (zt_str){"n", 1};
  assert_false(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  p = (zt_str){"missing", 7};
  assert_false(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  assert_false(present);
  zt_str deep[2] = {{"sub", 3}, {"x", 1}};
  assert_false(
      zt_claims_any(&doc, deep, 2, NULL, 0, accept_all, NULL, &present));
  assert_false(present);
  assert_false(
      zt_claims_any(&doc, NULL, 0, NULL, 0, accept_all, NULL, &present));
  p = (zt_str){"sub", 3};
  assert_true(zt_claims_any(&doc, &p, 1, NULL, 0, accept_all, NULL, &present));
  assert_true(zt_claims_space_delimited("scope", 5));
  assert_true(zt_claims_space_delimited("permission", 10));
  assert_false(zt_claims_space_delimited("scopes", 6));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_claim_paths),
      cmocka_unit_test(test_extra_space_delimited),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
