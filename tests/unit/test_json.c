/* Unit tests for lib/json.c: the strict JSON layer over jsmn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "alloc.h"
#include "json.h"
#include "test_alloc.h"
#include "test_files.h"

#define TOKS 8192
#define BUF (1u << 17)

static zt_json_tok g_toks[TOKS];
static char g_buf[BUF];
static zt_json_doc g_doc;
static zt_json_error g_err;

/*
 * Parses with lent storage (the result stays in g_doc for the accessors)
 * and again with allocated storage; both modes must agree exactly.
 */
static int parse_lim(const char *s, size_t n, const zt_json_limits *lim) {
  zt_json_doc heap;
  zt_json_error err2;
  zt_json_doc_init(&g_doc, g_toks, TOKS, g_buf, BUF);
  int rc = zt_json_parse(&g_doc, s, n, lim, &g_err);
  int rc2 = zt_json_parse_alloc(&heap, NULL, s, n, lim, &err2);
  assert_int_equal(rc, rc2);
  if (rc != ZT_OK) {
    assert_non_null(g_err.reason);
    assert_string_equal(g_err.reason, err2.reason);
    assert_int_equal(g_err.offset, err2.offset);
    assert_int_equal(g_doc.count, 0);
  } else {
    assert_null(g_err.reason);
    assert_int_equal(g_doc.count, heap.count);
  }
  zt_json_doc_free(&heap);
  return rc;
}

static int parse_n(const char *s, size_t n) {
  return parse_lim(s, n, NULL);
}

static int parse_any(const char *s) {
  zt_json_limits lim = {0, 0, 0, ZT_JSON_ANY_ROOT};
  return parse_lim(s, strlen(s), &lim);
}

#define PARSE(lit) parse_n((lit), sizeof(lit) - 1)
#define OK(lit) assert_int_equal(PARSE(lit), ZT_OK)
#define BAD(lit) assert_int_equal(PARSE(lit), ZT_ESYNTAX)
#define BAD_AT(lit, off)                                                       \
  do {                                                                         \
    BAD(lit);                                                                  \
    assert_int_equal(g_err.offset, (off));                                     \
  } while (0)

/* The decoded string at v must equal the literal. */
static void check_string(zt_json_val v, const char *want, size_t len) {
  const char *p;
  size_t n;
  assert_true(zt_json_string(&g_doc, v, &p, &n));
  assert_int_equal(n, len);
  assert_memory_equal(p, want, len);
  assert_int_equal(p[n], '\0');
}

/* Element i of the root array. */
static zt_json_val elem(uint32_t i) {
  zt_json_iter it;
  zt_json_val v = ZT_JSON_NONE;
  zt_json_iter_init(&it, &g_doc, ZT_JSON_ROOT);
  for (uint32_t k = 0; k <= i; k++)
    assert_true(zt_json_iter_next(&it, NULL, &v));
  return v;
}

/* open x times, then mid, then close x times. The caller frees. */
static char *nest(const char *open, size_t times, const char *mid,
                  const char *close) {
  size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
  char *p = malloc(times * (lo + lc) + lm + 1);
  assert_non_null(p);
  for (size_t i = 0; i < times; i++)
    memcpy(p + i * lo, open, lo);
  memcpy(p + times * lo, mid, lm);
  for (size_t i = 0; i < times; i++)
    memcpy(p + times * lo + lm + i * lc, close, lc);
  p[times * (lo + lc) + lm] = '\0';
  return p;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- craft.md §2.2, row by row ---------------------------------------- */

static void test_craft_duplicates_kept_by_jsmn(void **state) {
  (void)state;
  BAD_AT("{\"alg\":\"none\",\"alg\":\"RS256\"}", 14);
  assert_string_equal(g_err.reason, "duplicate member name");
}

static void test_craft_bare_keys(void **state) {
  (void)state;
  BAD("{alg: none}");
  BAD("{\"alg\": none}");
}

static void test_craft_missing_comma(void **state) {
  (void)state;
  BAD("{\"a\":1 \"b\":2}");
  BAD("[1 2]");
  BAD("[\"a\" \"b\"]");
  BAD("[{} {}]");
  BAD("{\"a\":{} \"b\":[]}");
}

static void test_craft_structure_holes(void **state) {
  (void)state;
  BAD_AT("{\"a\"}", 4);
  BAD_AT("{\"a\"::1}", 5);
  BAD_AT("{\"a\":1,}", 6);
  assert_string_equal(g_err.reason, "unexpected ','");
  BAD_AT("[1,,2]", 3);
  BAD("{,}");
  BAD("[,]");
  BAD("[,1]");
  BAD("[1,]");
  BAD("{\"keys\":[{\"k\":1},]}");
  BAD("{:\"a\"}");
  BAD("{\"a\",\"b\"}");
  BAD("{\"a\":1:2}");
  BAD("[\"a\":1]");
  BAD("{\"a\":\"b\":\"c\"}");
  BAD("[1:2]");
  BAD("{\"a\" 1}");
  BAD("[1,2]]");
  BAD("[}");
  BAD("{]");
}

static void test_craft_bad_primitives(void **state) {
  (void)state;
  OK("[1e999999]"); /* grammar-valid, only too big for a double */
  BAD("[01.2.3e]");
  BAD("[trueee]");
  BAD("[-]");
  BAD("{\"a\":-}");
}

static void test_craft_two_roots_and_trailing(void **state) {
  (void)state;
  BAD_AT("{\"a\":1}{\"b\":2}", 7);
  assert_string_equal(g_err.reason, "trailing data");
  BAD_AT("{\"a\":1} trailing", 8);
  BAD("[] []");
  BAD("[]x");
  BAD("{} 1");
}

static void test_craft_nul_byte(void **state) {
  (void)state;
  static const char in[] = "{\"sub\":\"a\"}\0{\"admin\":true}";
  assert_int_equal(sizeof(in) - 1, 26);
  BAD_AT(in, 11);
  BAD_AT("{\"a\":\"x\0y\"}", 7);
  BAD_AT("\0{}", 0);
  BAD_AT("{}\0", 2);
}

static void test_craft_string_content(void **state) {
  (void)state;
  BAD("[\"a\nb\"]");
  BAD("[\"\\u0000\"]");
  BAD("[\"\\uD800\"]");
  BAD("[\"\xff\"]");
  BAD("[\"\\x41\"]");
}

static void test_craft_top_level_scalar(void **state) {
  (void)state;
  BAD("42");
  assert_string_equal(g_err.reason, "root is not an object or array");
  assert_int_equal(parse_any("42"), ZT_OK);
  int64_t v;
  assert_int_equal(zt_json_int64(&g_doc, ZT_JSON_ROOT, &v), ZT_OK);
  assert_int_equal(v, 42);
}

static void test_craft_deep_nesting(void **state) {
  (void)state;
  char *deep = nest("[", 50000, "", "]");
  double t0 = now();
  assert_int_equal(parse_n(deep, strlen(deep)), ZT_ELIMIT);
  assert_true(now() - t0 < 0.5);
  free(deep);
}

/* ---- Strings ---------------------------------------------------------- */

static void test_simple_escapes(void **state) {
  (void)state;
  OK("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
  check_string(elem(0), "\"\\/\b\f\n\r\t", 8);
  OK("[\"\\u0041\\u00e9\\u20AC\"]");
  check_string(elem(0), "A\xc3\xa9\xe2\x82\xac", 6);
  OK("[\"\"]");
  check_string(elem(0), "", 0);
  BAD("[\"\\a\"]");
  BAD("[\"\\U0041\"]");
  BAD("[\"\\u12G4\"]");
  BAD("[\"\\u12\"]");
  BAD("[\"\\\"]");
  BAD("[\"\\'\"]");
}

static void test_surrogates(void **state) {
  (void)state;
  OK("[\"\\uD83D\\uDE00\"]");
  check_string(elem(0), "\xf0\x9f\x98\x80", 4);
  OK("[\"\\udbff\\udfff\"]"); /* U+10FFFF, lower-case hex */
  check_string(elem(0), "\xf4\x8f\xbf\xbf", 4);
  BAD_AT("[\"x\\uD83D\"]", 3);
  assert_string_equal(g_err.reason, "lone high surrogate");
  BAD("[\"\\uD83Dx\"]");
  BAD("[\"\\uD83D\\u0041\"]");
  BAD("[\"\\uD83D\\uD83D\"]");
  BAD("[\"\\uD83D\\n\"]");
  BAD_AT("[\"\\uDE00\"]", 2);
  assert_string_equal(g_err.reason, "lone low surrogate");
  BAD("[\"\\uDE00\\uD83D\"]"); /* reversed pair */
}

static void test_utf8(void **state) {
  (void)state;
  OK("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"]");
  check_string(elem(0), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f", 10);
  OK("[\"\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\"]"); /* edges */
  BAD("[\"\xc0\x80\"]");                                /* overlong NUL */
  BAD("[\"\xc1\xbf\"]");                                /* overlong 2-byte */
  BAD("[\"\xe0\x80\x80\"]");                            /* overlong 3-byte */
  BAD("[\"\xe0\x9f\xbf\"]");     /* overlong 3-byte, top */
  BAD("[\"\xf0\x80\x80\x80\"]"); /* overlong 4-byte */
  BAD("[\"\xf0\x8f\xbf\xbf\"]"); /* overlong 4-byte, top */
  BAD("[\"\xed\xa0\x80\"]");     /* U+D800 encoded */
  BAD("[\"\xed\xbf\xbf\"]");     /* U+DFFF encoded */
  BAD("[\"\xf4\x90\x80\x80\"]"); /* U+110000 */
  BAD("[\"\xf5\x80\x80\x80\"]"); /* lead byte past F4 */
  BAD("[\"\x80\"]");             /* stray continuation */
  BAD("[\"\xe2\x82\"]");         /* truncated */
  BAD("[\"\xe2\x82x\"]");        /* bad continuation */
  BAD("[\xc3\xa9]");             /* outside a string */
  BAD("\xef\xbb\xbf{}");         /* byte order mark */
  BAD_AT("{\"a\":\"ok\xc3\"}", 8);
  assert_string_equal(g_err.reason, "invalid UTF-8");
}

static void test_control_characters(void **state) {
  (void)state;
  BAD_AT("[\"a\x01\"]", 3);
  assert_string_equal(g_err.reason, "control character in string");
  BAD("[\"\x1f\"]");
  BAD("[\"\t\"]");
  BAD("[\"\r\"]");
  BAD("{\"a\nb\":1}");
  OK("[\"\\u001f\\u0001\"]");
  check_string(elem(0), "\x1f\x01", 2);
}

static void test_nul_escape(void **state) {
  (void)state;
  BAD_AT("[\"ab\\u0000\"]", 4);
  assert_string_equal(g_err.reason, "\\u0000 in string");
  BAD("{\"\\u0000\":1}");
  BAD("[\"\\uD800\\u0000\"]");
}

/* ---- Duplicates ------------------------------------------------------- */

static void test_duplicates(void **state) {
  (void)state;
  BAD("{\"a\":1,\"a\":1}");
  BAD_AT("{\"\\u0061lg\":1,\"alg\":2}", 14);
  BAD("{\"alg\":1,\"\\u0061\\u006c\\u0067\":2}");
  BAD("{\"\\/\":1,\"/\":2}");
  BAD("{\"\":1,\"\":2}");
  BAD("{\"a\":1,\"b\":2,\"c\":3,\"b\":4}");
  BAD("{\"x\":{\"k\":1,\"k\":2}}");
  BAD("[{\"k\":1},{\"k\":1,\"k\":2}]");
  BAD("{\"\xc3\xa9\":1,\"\\u00e9\":2}");
  OK("{\"a\":1,\"aa\":2,\"A\":3,\"\":4,\"b\":{\"a\":1}}");
  OK("[{\"k\":1},{\"k\":1}]");
  OK("{\"a\":{\"a\":{\"a\":1}}}");
  BAD("{\"a\":1,\"b\":{\"a\":1,\"b\":2,\"b\":3},\"c\":4}");
}

/* Many members: exercises the sort, including a duplicate far apart. */
static void test_duplicates_many(void **state) {
  (void)state;
  char *s = malloc(40000);
  assert_non_null(s);
  size_t o = 0;
  s[o++] = '{';
  for (int i = 0; i < 1000; i++)
    o += (size_t)sprintf(s + o, "%s\"k%d\":[%d]", i ? "," : "", i * 7919 % 1000,
                         i);
  s[o++] = '}';
  assert_int_equal(parse_n(s, o), ZT_OK);
  assert_int_equal(zt_json_size(&g_doc, ZT_JSON_ROOT), 1000);
  zt_json_val v;
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "k999", 4, &v));
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "k0", 2, &v));
  o--;
  o += (size_t)sprintf(s + o, ",\"k777\":0}");
  assert_int_equal(parse_n(s, o), ZT_ESYNTAX);
  assert_string_equal(g_err.reason, "duplicate member name");
  assert_int_equal(g_err.offset, o - 9);
  free(s);
}

/* ---- Limits ----------------------------------------------------------- */

static void test_depth(void **state) {
  (void)state;
  char *at = nest("[", 32, "", "]");
  char *over = nest("[", 33, "", "]");
  char *objs = nest("{\"a\":", 32, "1", "}");
  char *objs_over = nest("{\"a\":", 32, "[1]", "}");
  char *mixed = nest("{\"a\":[", 16, "", "]}");
  assert_int_equal(parse_n(at, strlen(at)), ZT_OK);
  assert_int_equal(g_doc.count, 32);
  assert_int_equal(parse_n(over, strlen(over)), ZT_ELIMIT);
  assert_int_equal(g_err.offset, 32);
  assert_string_equal(g_err.reason, "nesting too deep");
  assert_int_equal(parse_n(objs, strlen(objs)), ZT_OK);
  assert_int_equal(parse_n(objs_over, strlen(objs_over)), ZT_ELIMIT);
  assert_int_equal(g_err.offset, 32 * 5);
  assert_int_equal(parse_n(mixed, strlen(mixed)), ZT_OK);
  zt_json_limits lim = {0, 0, 2, 0};
  assert_int_equal(parse_lim("[[1]]", 5, &lim), ZT_OK);
  assert_int_equal(parse_lim("[[[1]]]", 7, &lim), ZT_ELIMIT);
  assert_int_equal(parse_lim("[{},[],{\"a\":1}]", 15, &lim), ZT_OK);
  assert_int_equal(parse_lim("[{},[],{\"a\":[]}]", 16, &lim), ZT_ELIMIT);
  free(at);
  free(over);
  free(objs);
  free(objs_over);
  free(mixed);
}

static void test_deep_nesting_fails_fast(void **state) {
  (void)state;
  size_t n = 100000;
  char *s = malloc(n);
  assert_non_null(s);
  memset(s, '[', n);
  zt_json_limits wide = {1u << 20, 0, 0, 0};
  double t0 = now();
  assert_int_equal(parse_n(s, n), ZT_ELIMIT); /* over the default byte cap */
  assert_string_equal(g_err.reason, "input too large");
  assert_int_equal(parse_lim(s, n, &wide), ZT_ELIMIT);
  assert_string_equal(g_err.reason, "nesting too deep");
  assert_int_equal(g_err.offset, 32);
  memset(s, '{', n);
  assert_int_equal(parse_lim(s, n, &wide), ZT_ELIMIT);
  assert_int_equal(g_err.offset, 32);
  char *objs = nest("{\"a\":", 20000, "1", "}");
  assert_int_equal(parse_n(objs, strlen(objs)), ZT_ELIMIT);
  zt_json_limits lim = {1u << 20, 0, ZT_JSON_MAX_DEPTH_CEILING, 0};
  assert_int_equal(parse_lim(s, n, &lim), ZT_ELIMIT);
  assert_int_equal(g_err.offset, ZT_JSON_MAX_DEPTH_CEILING);
  assert_true(now() - t0 < 0.5);
  free(s);
  free(objs);
}

static void test_token_cap(void **state) {
  (void)state;
  zt_json_limits lim = {0, 5, 0, 0};
  assert_int_equal(parse_lim("[1,2,3,4]", 9, &lim), ZT_OK);
  assert_int_equal(g_doc.count, 5);
  assert_int_equal(parse_lim("[1,2,3,4,5]", 11, &lim), ZT_ELIMIT);
  assert_string_equal(g_err.reason, "too many tokens");
  assert_int_equal(g_err.offset, 9);
  assert_int_equal(parse_lim("{\"a\":1,\"b\":2}", 13, &lim), ZT_OK);
  assert_int_equal(parse_lim("{\"a\":1,\"b\":[]}", 14, &lim), ZT_OK);
  assert_int_equal(parse_lim("{\"a\":1,\"b\":[0]}", 15, &lim), ZT_ELIMIT);

  /* A long flat array stops at the cap, not at the end of the input. */
  size_t n = 100001;
  char *big = malloc(n + 1);
  assert_non_null(big);
  big[0] = '[';
  for (size_t i = 1; i < n; i += 2)
    memcpy(big + i, "1,", 2);
  big[n - 1] = ']';
  zt_json_limits wide = {1u << 20, 0, 0, 0};
  assert_int_equal(parse_lim(big, n, &wide), ZT_ELIMIT);
  assert_int_equal(g_err.offset, 2 * ZT_JSON_DEFAULT_MAX_TOKENS - 1);
  free(big);
}

static void test_storage_too_small(void **state) {
  (void)state;
  zt_json_tok toks[4];
  char buf[16];
  zt_json_doc doc;
  zt_json_error err;
  zt_json_doc_init(&doc, toks, 4, buf, sizeof(buf));
  assert_int_equal(zt_json_parse(&doc, "[1,2,3]", 7, NULL, &err), ZT_OK);
  assert_int_equal(zt_json_parse(&doc, "[1,2,3,4]", 9, NULL, &err), ZT_ELIMIT);
  assert_string_equal(err.reason, "too many tokens");
  assert_int_equal(zt_json_type_of(&doc, ZT_JSON_ROOT), ZT_JSON_INVALID);
  assert_int_equal(zt_json_parse(&doc, "[\"0123456789abcd\"]", 18, NULL, &err),
                   ZT_ELIMIT);
  assert_string_equal(err.reason, "scratch buffer too small");
  zt_json_doc_init(&doc, NULL, 0, NULL, 0);
  assert_int_equal(zt_json_parse(&doc, "[]", 2, NULL, &err), ZT_ELIMIT);
  assert_int_equal(zt_json_parse(&doc, NULL, 0, NULL, &err), ZT_ESYNTAX);
}

static void test_byte_cap_and_arguments(void **state) {
  (void)state;
  zt_json_limits lim = {8, 0, 0, 0};
  assert_int_equal(parse_lim("[1,2,3]", 7, &lim), ZT_OK);
  assert_int_equal(parse_lim("[1,2,3] ", 8, &lim), ZT_OK);
  assert_int_equal(parse_lim("[1,2,3]  ", 9, &lim), ZT_ELIMIT);
  assert_int_equal(g_err.offset, 8);
  assert_string_equal(g_err.reason, "input too large");

  zt_json_doc doc;
  zt_json_error err;
  zt_json_doc_init(&doc, g_toks, TOKS, g_buf, BUF);
  assert_int_equal(zt_json_parse(&doc, "[]", (size_t)1 << 31, NULL, &err),
                   ZT_ELIMIT);
  lim = (zt_json_limits){0, 0, ZT_JSON_MAX_DEPTH_CEILING + 1, 0};
  assert_int_equal(zt_json_parse(&doc, "[]", 2, &lim, &err), ZT_EINVAL);
  lim = (zt_json_limits){(size_t)1 << 31, 0, 0, 0};
  assert_int_equal(zt_json_parse(&doc, "[]", 2, &lim, &err), ZT_EINVAL);
  lim = (zt_json_limits){0, 0, 0, 0x80};
  assert_int_equal(zt_json_parse(&doc, "[]", 2, &lim, &err), ZT_EINVAL);
  assert_int_equal(zt_json_parse(&doc, NULL, 3, NULL, &err), ZT_EINVAL);
  assert_int_equal(zt_json_parse(NULL, "[]", 2, NULL, &err), ZT_EINVAL);
  assert_int_equal(zt_json_parse(&doc, "[]", 2, NULL, NULL), ZT_OK);
  assert_int_equal(zt_json_parse_alloc(NULL, NULL, "[]", 2, NULL, NULL),
                   ZT_EINVAL);
  zt_json_doc_free(NULL);
}

/* ---- Numbers and literals --------------------------------------------- */

static void test_number_grammar(void **state) {
  (void)state;
  BAD("[01]");
  BAD("[-01]");
  BAD("[00]");
  BAD("[1.]");
  BAD("[.5]");
  BAD("[-.5]");
  BAD("[-]");
  BAD("[1e]");
  BAD("[1e+]");
  BAD("[1E-]");
  BAD("[1.e5]");
  BAD("[+1]");
  BAD("[--1]");
  BAD("[1e+-2]");
  BAD("[0x10]");
  BAD("[1_000]");
  BAD("[NaN]");
  BAD("[Infinity]");
  BAD("[-Infinity]");
  BAD("[1.5.5]");
  BAD("[1e5e5]");
  BAD_AT("{\"n\":01}", 5);
  assert_string_equal(g_err.reason, "invalid number");
  OK("[-0]");
  OK("[1E400]");
  OK("[0,-0.0e-0,1e+5,123.456E-7,9,10,0.5,-1]");
  assert_int_equal(zt_json_type_of(&g_doc, elem(0)), ZT_JSON_NUMBER);
}

static void test_literals(void **state) {
  (void)state;
  BAD("[tru]");
  BAD("[truee]");
  BAD("[True]");
  BAD("[nul]");
  BAD("[nulls]");
  BAD("[fals]");
  BAD("[falsee]");
  BAD("[t]");
  BAD("[undefined]");
  OK("[true,false,null]");
  bool b;
  assert_int_equal(zt_json_type_of(&g_doc, elem(0)), ZT_JSON_BOOL);
  assert_int_equal(zt_json_bool(&g_doc, elem(0), &b), ZT_OK);
  assert_true(b);
  assert_int_equal(zt_json_bool(&g_doc, elem(1), &b), ZT_OK);
  assert_false(b);
  assert_int_equal(zt_json_type_of(&g_doc, elem(2)), ZT_JSON_NULL);
  assert_int_equal(zt_json_bool(&g_doc, elem(2), &b), ZT_ESCHEMA);
}

static void test_int64(void **state) {
  (void)state;
  OK("[9223372036854775807,-9223372036854775808,9223372036854775808,"
     "-9223372036854775809,0,-0,1.0,1e3,\"1\",99999999999999999999999,true]");
  int64_t v;
  assert_int_equal(zt_json_int64(&g_doc, elem(0), &v), ZT_OK);
  assert_true(v == INT64_MAX);
  assert_int_equal(zt_json_int64(&g_doc, elem(1), &v), ZT_OK);
  assert_true(v == INT64_MIN);
  assert_int_equal(zt_json_int64(&g_doc, elem(2), &v), ZT_ELIMIT);
  assert_int_equal(zt_json_int64(&g_doc, elem(3), &v), ZT_ELIMIT);
  assert_int_equal(zt_json_int64(&g_doc, elem(4), &v), ZT_OK);
  assert_int_equal(v, 0);
  assert_int_equal(zt_json_int64(&g_doc, elem(5), &v), ZT_OK);
  assert_int_equal(v, 0);
  assert_int_equal(zt_json_int64(&g_doc, elem(6), &v), ZT_ESCHEMA);
  assert_int_equal(zt_json_int64(&g_doc, elem(7), &v), ZT_ESCHEMA);
  assert_int_equal(zt_json_int64(&g_doc, elem(8), &v), ZT_ESCHEMA);
  assert_int_equal(zt_json_int64(&g_doc, elem(9), &v), ZT_ELIMIT);
  assert_int_equal(zt_json_int64(&g_doc, elem(10), &v), ZT_ESCHEMA);
  assert_int_equal(zt_json_int64(&g_doc, ZT_JSON_NONE, &v), ZT_ESCHEMA);
}

static void expect_date(const char *num, bool neg_ok, int rc, int64_t want) {
  char in[128];
  int64_t v = -12345;
  snprintf(in, sizeof(in), "{\"exp\":%s}", num);
  assert_int_equal(parse_n(in, strlen(in)), ZT_OK);
  zt_json_val e;
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "exp", 3, &e));
  assert_int_equal(zt_json_numeric_date(&g_doc, e, neg_ok, &v), rc);
  if (rc == ZT_OK)
    assert_true(v == want);
}

static void expect_u64(const char *num, int rc, uint64_t want) {
  char in[128];
  uint64_t v = 12345;
  snprintf(in, sizeof(in), "{\"exp\":%s}", num);
  assert_int_equal(parse_n(in, strlen(in)), ZT_OK);
  zt_json_val e;
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "exp", 3, &e));
  assert_int_equal(zt_json_uint64(&g_doc, e, &v), rc);
  if (rc == ZT_OK)
    assert_true(v == want);
}

/* The anchor's NumericDate range [0, 2^64), exactly from the digits. */
static void test_uint64(void **state) {
  (void)state;
  expect_u64("0", ZT_OK, 0);
  expect_u64("-0", ZT_OK, 0);
  expect_u64("-0.0e99", ZT_OK, 0);
  expect_u64("1.9", ZT_OK, 1);
  expect_u64("1e3", ZT_OK, 1000);
  expect_u64("12345e-2", ZT_OK, 123);
  expect_u64("18446744073709551615", ZT_OK, UINT64_MAX);
  expect_u64("1844674407370955161.59e1", ZT_OK, UINT64_MAX);
  expect_u64("18446744073709551616", ZT_ELIMIT, 0);
  expect_u64("1e20", ZT_ELIMIT, 0);
  expect_u64("1e999999999999", ZT_ELIMIT, 0);
  expect_u64("-0.5", ZT_ELIMIT, 0);
  expect_u64("-1e-400", ZT_ELIMIT, 0);
  expect_u64("\"1\"", ZT_ESCHEMA, 0);
  expect_u64("true", ZT_ESCHEMA, 0);
}

static void test_numeric_date(void **state) {
  (void)state;
  expect_date("1700000000", false, ZT_OK, 1700000000);
  expect_date("1234.5678", false, ZT_OK, 1234);
  expect_date("1.5e3", false, ZT_OK, 1500);
  expect_date("15E-1", false, ZT_OK, 1);
  expect_date("1e-3", false, ZT_OK, 0);
  expect_date("0.000001e6", false, ZT_OK, 1);
  expect_date("0.999999999999999999999", false, ZT_OK, 0);
  expect_date("9007199254740992", false, ZT_OK, 9007199254740992);
  expect_date("9007199254740992.9", false, ZT_OK, 9007199254740992);
  expect_date("9007199254740993", false, ZT_ELIMIT, 0);
  expect_date("9.007199254740993e15", false, ZT_ELIMIT, 0);
  expect_date("1e300", false, ZT_ELIMIT, 0);
  expect_date("2.001e+206", false, ZT_ELIMIT, 0);
  expect_date("1E400", false, ZT_ELIMIT, 0);
  expect_date("1e999999999999999999999", false, ZT_ELIMIT, 0);
  expect_date("1e-400", false, ZT_OK, 0);
  expect_date("0e999999999999", false, ZT_OK, 0);
  expect_date("0", false, ZT_OK, 0);
  expect_date("-0", false, ZT_OK, 0);
  expect_date("-0.0", false, ZT_OK, 0);
  expect_date("-1", false, ZT_ELIMIT, 0);
  expect_date("-0.5", false, ZT_ELIMIT, 0);
  expect_date("-1", true, ZT_OK, -1);
  expect_date("-1.9", true, ZT_OK, -1);
  expect_date("-0.5", true, ZT_OK, 0);
  expect_date("-9007199254740992", true, ZT_OK, -9007199254740992);
  expect_date("-9007199254740993", true, ZT_ELIMIT, 0);
  expect_date("\"1700000000\"", false, ZT_ESCHEMA, 0);
  expect_date("null", false, ZT_ESCHEMA, 0);
  expect_date("true", false, ZT_ESCHEMA, 0);
}

static void test_double(void **state) {
  (void)state;
  OK("[1.5,-2.5e-3,1E400,1e-400,0,12345678901234567890,-1E+2]");
  double d;
  assert_int_equal(zt_json_double(&g_doc, elem(0), &d), ZT_OK);
  assert_true(d == 1.5);
  assert_int_equal(zt_json_double(&g_doc, elem(1), &d), ZT_OK);
  assert_true(d == -2.5e-3);
  assert_int_equal(zt_json_double(&g_doc, elem(2), &d), ZT_ELIMIT);
  assert_int_equal(zt_json_double(&g_doc, elem(3), &d), ZT_OK);
  assert_true(d == 0.0);
  assert_int_equal(zt_json_double(&g_doc, elem(5), &d), ZT_OK);
  assert_true(d == 12345678901234567890.0);
  assert_int_equal(zt_json_double(&g_doc, elem(6), &d), ZT_OK);
  assert_true(d == -100.0);
  OK("[\"1.5\"]");
  assert_int_equal(zt_json_double(&g_doc, elem(0), &d), ZT_ESCHEMA);

  char *longnum = malloc(700);
  assert_non_null(longnum);
  strcpy(longnum, "[0.");
  memset(longnum + 3, '0', 600);
  strcpy(longnum + 603, "1]");
  assert_int_equal(parse_n(longnum, strlen(longnum)), ZT_OK);
  assert_int_equal(zt_json_double(&g_doc, elem(0), &d), ZT_ELIMIT);
  free(longnum);

  /* A host that switched LC_NUMERIC to a ',' locale must not change the
   * value. Only checked where such a locale is installed. */
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") ||
      setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    OK("[1.5]");
    assert_int_equal(zt_json_double(&g_doc, elem(0), &d), ZT_OK);
    assert_true(d == 1.5);
    setlocale(LC_NUMERIC, "C");
  }
}

/* ---- Roots, whitespace, empty input ----------------------------------- */

static void test_whitespace_and_roots(void **state) {
  (void)state;
  OK(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n\t\r ");
  OK("[]");
  OK("{}");
  OK("[ ]");
  OK("{\n}");
  BAD("\f{}");
  BAD("{}\v");
  BAD("\xc2\xa0{}");
  BAD("[1,\xc2\xa0 2]");
  BAD("\"str\"");
  BAD("true");
  BAD("null");
  assert_int_equal(parse_any(" \"a\\u00e9\" "), ZT_OK);
  check_string(ZT_JSON_ROOT, "a\xc3\xa9", 3);
  assert_int_equal(parse_any("true"), ZT_OK);
  assert_int_equal(zt_json_type_of(&g_doc, ZT_JSON_ROOT), ZT_JSON_BOOL);
  assert_int_equal(parse_any(" null\n"), ZT_OK);
  assert_int_equal(zt_json_type_of(&g_doc, ZT_JSON_ROOT), ZT_JSON_NULL);
  assert_int_equal(parse_any("-1.5e3"), ZT_OK);
  assert_int_equal(parse_any("{}"), ZT_OK);
  assert_int_equal(parse_any("1 2"), ZT_ESYNTAX);
  assert_int_equal(parse_any("\"a\" \"b\""), ZT_ESYNTAX);
  assert_int_equal(parse_any("\"a\" 1"), ZT_ESYNTAX);
  assert_int_equal(parse_any("1,"), ZT_ESYNTAX);
  assert_int_equal(parse_any(","), ZT_ESYNTAX);
  assert_int_equal(parse_any(":"), ZT_ESYNTAX);
  assert_int_equal(parse_any("tru e"), ZT_ESYNTAX);
  assert_int_equal(parse_any("x"), ZT_ESYNTAX);
  assert_int_equal(parse_any("\""), ZT_ESYNTAX);
}

static void test_empty_input(void **state) {
  (void)state;
  assert_int_equal(parse_n(NULL, 0), ZT_ESYNTAX);
  assert_string_equal(g_err.reason, "empty input");
  assert_int_equal(parse_n("", 0), ZT_ESYNTAX);
  assert_int_equal(parse_n("   \n", 4), ZT_ESYNTAX);
  assert_int_equal(parse_any(""), ZT_ESYNTAX);
  BAD("[");
  BAD("{");
  BAD("{\"a\":");
  BAD("[\"abc");
  BAD("]");
  BAD("}");
}

/* ---- Accessors -------------------------------------------------------- */

static void test_member_lookup_exact(void **state) {
  (void)state;
  OK("{\"subject\":\"x\",\"sub\":\"y\",\"su\":1,\"\":2}");
  zt_json_val v;
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "sub", 3, &v));
  check_string(v, "y", 1);
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "", 0, &v));
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "s", 1, &v));
  assert_int_equal(v, ZT_JSON_NONE);
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "subjectX", 8, &v));
  OK("{\"subject\":\"x\"}");
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "sub", 3, &v));
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "subjec", 6, &v));
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "subject", 7, &v));
  OK("{\"\\u0061lg\":\"RS256\",\"a\\nb\":true}");
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "alg", 3, &v));
  assert_true(zt_json_string_eq(&g_doc, v, "RS256", 5));
  assert_false(zt_json_string_eq(&g_doc, v, "RS25", 4));
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "a\nb", 3, &v));
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "\\u0061lg", 8, &v));
  OK("[\"sub\"]");
  assert_false(zt_json_member(&g_doc, ZT_JSON_ROOT, "sub", 3, &v));
}

static void test_iteration(void **state) {
  (void)state;
  OK("{\"a\":{\"x\":[1,2,{\"y\":3}]},\"b\":[[],[[]],{}],\"c\":\"d\",\"e\":7}");
  static const char *names[] = {"a", "b", "c", "e"};
  static const zt_json_type types[] = {ZT_JSON_OBJECT, ZT_JSON_ARRAY,
                                       ZT_JSON_STRING, ZT_JSON_NUMBER};
  zt_json_iter it;
  zt_json_val k, v;
  uint32_t i = 0;
  assert_int_equal(zt_json_size(&g_doc, ZT_JSON_ROOT), 4);
  zt_json_iter_init(&it, &g_doc, ZT_JSON_ROOT);
  while (zt_json_iter_next(&it, &k, &v)) {
    assert_true(i < 4);
    check_string(k, names[i], 1);
    assert_int_equal(zt_json_type_of(&g_doc, v), types[i]);
    i++;
  }
  assert_int_equal(i, 4);
  assert_false(zt_json_iter_next(&it, &k, &v));

  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "b", 1, &v));
  static const uint32_t sizes[] = {0, 1, 0};
  i = 0;
  zt_json_iter_init(&it, &g_doc, v);
  while (zt_json_iter_next(&it, &k, &v)) {
    assert_int_equal(k, ZT_JSON_NONE);
    assert_int_equal(zt_json_size(&g_doc, v), sizes[i]);
    i++;
  }
  assert_int_equal(i, 3);
  check_string(8, "y", 1); /* handles are document-order indexes */

  zt_json_iter_init(&it, &g_doc, 2); /* the "a" member's value */
  assert_true(zt_json_iter_next(&it, &k, &v));
  assert_int_equal(zt_json_size(&g_doc, v), 3);
  zt_json_iter_init(&it, &g_doc, 1); /* a name: not a container */
  assert_false(zt_json_iter_next(&it, &k, &v));
  assert_false(zt_json_iter_next(NULL, &k, &v));
}

static void test_invalid_handles(void **state) {
  (void)state;
  OK("[1]");
  assert_int_equal(zt_json_type_of(&g_doc, 2), ZT_JSON_INVALID);
  assert_int_equal(zt_json_type_of(&g_doc, ZT_JSON_NONE), ZT_JSON_INVALID);
  assert_int_equal(zt_json_type_of(NULL, ZT_JSON_ROOT), ZT_JSON_INVALID);
  assert_int_equal(zt_json_size(&g_doc, 1), 0);
  assert_int_equal(zt_json_size(&g_doc, 7), 0);
  assert_int_equal(zt_json_offset(&g_doc, 1), 1);
  assert_int_equal(zt_json_offset(&g_doc, 9), 0);
  const char *p;
  size_t n;
  assert_false(zt_json_string(&g_doc, 1, &p, &n));
  BAD("[1,]");
  assert_int_equal(zt_json_type_of(&g_doc, ZT_JSON_ROOT), ZT_JSON_INVALID);
}

static void test_reason_never_echoes_input(void **state) {
  (void)state;
  BAD("{\"secretXYZ\":1,\"secretXYZ\":2}");
  assert_null(strstr(g_err.reason, "secretXYZ"));
  BAD("[secretXYZ]");
  assert_null(strstr(g_err.reason, "secretXYZ"));
}

/* A JOSE header and a claims set the way the JWT layer will read them:
 * lent storage, default limits. */
static void test_jwt_header_and_claims(void **state) {
  (void)state;
  zt_json_tok toks[64];
  char buf[512];
  zt_json_doc doc;
  zt_json_val v;
  int64_t t;
  static const char hdr[] =
      "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
  static const char claims[] =
      "{\"iss\":\"https://example.com\",\"sub\":\"user@example.com\","
      "\"aud\":[\"a\",\"b\"],\"exp\":2000000000.75,\"iat\":1700000000}";
  zt_json_doc_init(&doc, toks, 64, buf, sizeof(buf));
  assert_int_equal(zt_json_parse(&doc, hdr, sizeof(hdr) - 1, NULL, NULL),
                   ZT_OK);
  assert_true(zt_json_member(&doc, ZT_JSON_ROOT, "alg", 3, &v));
  assert_true(zt_json_string_eq(&doc, v, "RS256", 5));
  assert_int_equal(zt_json_parse(&doc, claims, sizeof(claims) - 1, NULL, NULL),
                   ZT_OK);
  assert_true(zt_json_member(&doc, ZT_JSON_ROOT, "exp", 3, &v));
  assert_int_equal(zt_json_numeric_date(&doc, v, false, &t), ZT_OK);
  assert_true(t == 2000000000);
  assert_true(zt_json_member(&doc, ZT_JSON_ROOT, "aud", 3, &v));
  assert_int_equal(zt_json_size(&doc, v), 2);
  assert_int_equal(zt_json_offset(&doc, v), 60);
}

/* ---- Allocation ------------------------------------------------------- */

static void test_alloc_mode(void **state) {
  (void)state;
  test_alloc cnt = {0};
  zt_allocator mem = test_allocator(&cnt);
  zt_json_doc doc;
  zt_json_error err;
  static const char in[] = "{\"keys\":[{\"kid\":\"a\"},{\"kid\":\"b\"}]}";
  assert_int_equal(
      zt_json_parse_alloc(&doc, &mem, in, sizeof(in) - 1, NULL, &err), ZT_OK);
  assert_int_equal(cnt.live, 2);
  assert_int_equal(doc.toks_cap, 9); /* exactly what the input needs */
  zt_json_val keys;
  assert_true(zt_json_member(&doc, ZT_JSON_ROOT, "keys", 4, &keys));
  assert_int_equal(zt_json_size(&doc, keys), 2);
  zt_json_doc_free(&doc);
  assert_int_equal(cnt.live, 0);
  assert_int_equal(zt_json_type_of(&doc, ZT_JSON_ROOT), ZT_JSON_INVALID);
  zt_json_doc_free(&doc);

  for (size_t i = 1; i <= 2; i++) {
    cnt = (test_alloc){.fail_at = (long)i};
    assert_int_equal(
        zt_json_parse_alloc(&doc, &mem, in, sizeof(in) - 1, NULL, &err),
        ZT_ENOMEM);
    assert_int_equal(cnt.live, 0);
  }
  cnt = (test_alloc){0};
  assert_int_equal(zt_json_parse_alloc(&doc, &mem, "[1,]", 4, NULL, &err),
                   ZT_ESYNTAX);
  assert_int_equal(cnt.live, 0);
  assert_int_equal(zt_json_parse_alloc(&doc, &mem, "[[[", 3, NULL, &err),
                   ZT_ESYNTAX);
  assert_int_equal(cnt.calls, 2); /* caps and pre-scan run before allocating */
}

/* ---- Real documents --------------------------------------------------- */

static char *read_file(const char *path, size_t *n) {
  char *p = test_read_file(path, n);
  if (!p)
    fail_msg("cannot read %s", path);
  return p;
}

static bool has_suffix(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Files that must be rejected, and why. The SPIFFE vectors carry embedded
 * NULs on purpose ("...sleep\u0000"); this layer refuses \u0000. */
static const struct {
  const char *suffix;
  const char *reason;
} expected_rejects[] = {
    {"/spiffe/spiffe_ids.json", "\\u0000 in string"},
};

static const char *expected_reason(const char *path) {
  for (size_t i = 0; i < sizeof(expected_rejects) / sizeof(expected_rejects[0]);
       i++)
    if (has_suffix(path, expected_rejects[i].suffix))
      return expected_rejects[i].reason;
  return NULL;
}

/* Parses one file with generous caps and checks the outcome. */
static void parse_vector_file(const char *path) {
  size_t n;
  char *s = read_file(path, &n);
  zt_json_limits lim = {1u << 22, 1u << 22, 0, 0};
  zt_json_doc doc;
  zt_json_error err = {0, NULL};
  int rc = zt_json_parse_alloc(&doc, NULL, s, n, &lim, &err);
  zt_json_doc_free(&doc);
  free(s);
  const char *want = expected_reason(path);
  if ((rc == ZT_OK) != (want == NULL))
    print_error("%s: %s at %zu\n", path, err.reason ? err.reason : "parsed",
                err.offset);
  if (want) {
    assert_int_equal(rc, ZT_ESYNTAX);
    assert_string_equal(err.reason, want);
  } else {
    assert_int_equal(rc, ZT_OK);
  }
}

/* Every *.json file under dir; returns how many were parsed. */
static size_t parse_tree(const char *dir) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  size_t count = 0;
  struct dirent *e;
  char path[4096];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    int w = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    struct stat st;
    if (w <= 0 || (size_t)w >= sizeof(path) || stat(path, &st) != 0)
      break;
    if (S_ISDIR(st.st_mode)) {
      count += parse_tree(path);
    } else if (has_suffix(e->d_name, ".json")) {
      parse_vector_file(path);
      count++;
    }
  }
  closedir(d);
  assert_null(e); /* every entry was examined */
  return count;
}

static bool vectors_present(void) {
  struct stat st;
  return stat(test_vectors_dir(), &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_vectors_all_parse(void **state) {
  (void)state;
  if (!vectors_present())
    skip();
  assert_true(parse_tree(test_vectors_dir()) >= 20);
}

static void test_vectors_jwks(void **state) {
  (void)state;
  if (!vectors_present())
    skip();
  char path[4096];
  size_t n;
  snprintf(path, sizeof(path), "%s/istio/samples_jwks.json",
           test_vectors_dir());
  char *s = read_file(path, &n);
  assert_int_equal(parse_n(s, n), ZT_OK); /* lent storage, default caps */
  free(s);
  zt_json_val keys, k;
  assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "keys", 4, &keys));
  assert_int_equal(zt_json_type_of(&g_doc, keys), ZT_JSON_ARRAY);
  assert_true(zt_json_size(&g_doc, keys) >= 1);
  zt_json_iter it;
  zt_json_val key;
  zt_json_iter_init(&it, &g_doc, keys);
  while (zt_json_iter_next(&it, NULL, &key)) {
    assert_true(zt_json_member(&g_doc, key, "kty", 3, &k));
    assert_true(zt_json_string_eq(&g_doc, k, "RSA", 3));
    assert_true(zt_json_member(&g_doc, key, "n", 1, &k));
    assert_int_equal(zt_json_type_of(&g_doc, k), ZT_JSON_STRING);
    assert_true(zt_json_member(&g_doc, key, "e", 1, &k));
    assert_true(zt_json_string_eq(&g_doc, k, "AQAB", 4));
  }

  snprintf(path, sizeof(path), "%s/rfc7520/jwk", test_vectors_dir());
  DIR *d = opendir(path);
  assert_non_null(d);
  struct dirent *e;
  size_t seen = 0;
  while ((e = readdir(d)) != NULL) {
    if (!has_suffix(e->d_name, ".json"))
      continue;
    char file[4200];
    int w = snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
    assert_true(w > 0 && (size_t)w < sizeof(file));
    s = read_file(file, &n);
    assert_int_equal(parse_n(s, n), ZT_OK);
    assert_true(zt_json_member(&g_doc, ZT_JSON_ROOT, "kty", 3, &k));
    assert_int_equal(zt_json_type_of(&g_doc, k), ZT_JSON_STRING);
    free(s);
    seen++;
  }
  closedir(d);
  assert_true(seen >= 6);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_craft_duplicates_kept_by_jsmn),
      cmocka_unit_test(test_craft_bare_keys),
      cmocka_unit_test(test_craft_missing_comma),
      cmocka_unit_test(test_craft_structure_holes),
      cmocka_unit_test(test_craft_bad_primitives),
      cmocka_unit_test(test_craft_two_roots_and_trailing),
      cmocka_unit_test(test_craft_nul_byte),
      cmocka_unit_test(test_craft_string_content),
      cmocka_unit_test(test_craft_top_level_scalar),
      cmocka_unit_test(test_craft_deep_nesting),
      cmocka_unit_test(test_simple_escapes),
      cmocka_unit_test(test_surrogates),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_control_characters),
      cmocka_unit_test(test_nul_escape),
      cmocka_unit_test(test_duplicates),
      cmocka_unit_test(test_duplicates_many),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_deep_nesting_fails_fast),
      cmocka_unit_test(test_token_cap),
      cmocka_unit_test(test_storage_too_small),
      cmocka_unit_test(test_byte_cap_and_arguments),
      cmocka_unit_test(test_number_grammar),
      cmocka_unit_test(test_literals),
      cmocka_unit_test(test_int64),
      cmocka_unit_test(test_numeric_date),
      cmocka_unit_test(test_uint64),
      cmocka_unit_test(test_double),
      cmocka_unit_test(test_whitespace_and_roots),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_member_lookup_exact),
      cmocka_unit_test(test_iteration),
      cmocka_unit_test(test_invalid_handles),
      cmocka_unit_test(test_reason_never_echoes_input),
      cmocka_unit_test(test_jwt_header_and_claims),
      cmocka_unit_test(test_alloc_mode),
      cmocka_unit_test(test_vectors_all_parse),
      cmocka_unit_test(test_vectors_jwks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
