/* Istio's string patterns (istio-semantics.md §8.1): exact, prefix,
 * suffix, presence, a literal '*' elsewhere, ASCII case folding for hosts,
 * and values made of several pieces (joined headers, "iss/sub"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "strmatch.h"

typedef struct mcase {
  const char *pat;
  const char *val;
  bool want;
} mcase;

static void test_patterns(void **state) {
  (void)state;
  static const mcase t[] = {
      {"abc", "abc", true},
      {"abc", "abcd", false},
      {"abc", "ab", false},
      {"abc", "", false},
      {"abc*", "abc", true},
      {"abc*", "abcdef", true},
      {"abc*", "ab", false},
      {"abc*", "xabc", false},
      {"*abc", "abc", true},
      {"*abc", "xxabc", true},
      {"*abc", "abcx", false},
      {"*", "x", true},
      {"*", "", false},
      {"a*b", "a*b", true},
      {"a*b", "axb", false},
      {"**", "*", true},
      {"**", "x*", true},
      {"**", "x", false},
      {"*a*", "xa*", true},
      {"*a*", "xa", false},
      {"/service/*health", "/service/123health", false},
      {"/service/*health", "/service/*health", true},
      {"", "", true},
      {"", "x", false},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    zt_strm m;
    zt_strm_compile(&m, t[i].pat, strlen(t[i].pat));
    if (zt_strm_match(&m, t[i].val, strlen(t[i].val)) != t[i].want)
      fail_msg("case %zu: \"%s\" vs \"%s\"", i, t[i].pat, t[i].val);
  }
}

static void test_icase(void **state) {
  (void)state;
  static const mcase t[] = {
      {"example.com", "EXAMPLE.com", true},
      {"example.com", "example.com:80", false},
      {"example.com:*", "Example.COM:8080", true},
      {"*.example.com", "API.Example.Com", true},
      {"*", "X", true},
      {"example.com", "examplf.com", false},
      /* Only ASCII folds: bytes >= 0x80 compare as they are. */
      {"\xc3\xa9", "\xc3\x89", false},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    zt_strm m;
    zt_strm_compile(&m, t[i].pat, strlen(t[i].pat));
    if (zt_strm_match_icase(&m, t[i].val, strlen(t[i].val)) != t[i].want)
      fail_msg("case %zu: \"%s\" vs \"%s\"", i, t[i].pat, t[i].val);
  }
  assert_true(zt_mem_ieq("AbC", "aBc", 3));
  assert_false(zt_mem_ieq("[", "{", 1)); /* 0x5b vs 0x7b: not letters */
}

static bool segs_match(const char *pat, const char *const *parts, size_t n) {
  zt_segs v = {.n = 0, .total = 0};
  for (size_t i = 0; i < n; i++)
    assert_true(zt_segs_add(&v, parts[i], strlen(parts[i])));
  zt_strm m;
  zt_strm_compile(&m, pat, strlen(pat));
  return zt_strm_match_segs(&m, &v);
}

static void test_segments(void **state) {
  (void)state;
  static const char *const hdr[] = {"foo", ",", "bar"};
  assert_true(segs_match("foo,bar", hdr, 3));
  assert_true(segs_match("foo,*", hdr, 3));
  assert_true(segs_match("fo*", hdr, 3));
  assert_true(segs_match("*o,bar", hdr, 3));
  assert_true(segs_match("*r", hdr, 3));
  assert_false(segs_match("foo", hdr, 3));
  assert_false(segs_match("foo,bar,", hdr, 3));
  assert_false(segs_match("*foo,bar,", hdr, 3));
  assert_false(segs_match("foobar", hdr, 3));
  static const char *const rp[] = {"https://iss", "/", "sub"};
  assert_true(segs_match("https://iss/sub", rp, 3));
  assert_true(segs_match("https://iss/*", rp, 3));
  assert_true(segs_match("*/sub", rp, 3));
  assert_false(segs_match("https://iss/su", rp, 3));
  static const char *const empty[] = {"", "/", ""};
  assert_true(segs_match("/", empty, 3));
  assert_false(segs_match("*", (const char *const[]){""}, 1));
  zt_segs full = {.n = 0, .total = 0};
  for (int i = 0; i < ZT_SEGS_MAX; i++)
    assert_true(zt_segs_add(&full, "x", 1));
  assert_false(zt_segs_add(&full, "x", 1));
  assert_int_equal(full.total, ZT_SEGS_MAX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_patterns),
      cmocka_unit_test(test_icase),
      cmocka_unit_test(test_segments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
