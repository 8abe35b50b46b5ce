/* lib/yamltree: documents, limits, positions and Kubernetes scalar typing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "yamltree.h"

typedef struct seen {
  int docs;
  int empty;
  uint32_t root_line[8];
  char first_key[8][32];
} seen;

static int collect(void *ctx, const zt_ynode *root, uint32_t index) {
  seen *s = ctx;
  (void)index;
  if (!root) {
    s->empty++;
    return 0;
  }
  if (s->docs < 8) {
    s->root_line[s->docs] = root->line;
    if (root->type == ZT_YNODE_MAP && root->len)
      strncpy(s->first_key[s->docs], root->kids[0]->str, 31);
  }
  s->docs++;
  return 0;
}

static const zt_yaml_limits lim = {1 << 20, 64, 4096, 100000};

static int parse(const char *text, seen *s, zt_yaml_error *err) {
  memset(s, 0, sizeof(*s));
  return zt_yaml_parse(text, strlen(text), &lim, &zt_default_allocator, collect,
                       s, err);
}

static void test_stream_documents(void **state) {
  (void)state;
  seen s;
  zt_yaml_error e;
  assert_int_equal(parse("a: 1\n---\nb: 2\n---\n---\nc: 3\n", &s, &e), 0);
  assert_int_equal(s.docs, 3);
  assert_int_equal(s.empty, 1);
  assert_string_equal(s.first_key[0], "a");
  assert_string_equal(s.first_key[2], "c");
  assert_int_equal(s.root_line[1], 3);
  assert_int_equal(s.root_line[2], 6);
}

static void test_empty_input(void **state) {
  (void)state;
  seen s;
  zt_yaml_error e;
  memset(&s, 0, sizeof(s));
  assert_int_equal(
      zt_yaml_parse(NULL, 0, &lim, &zt_default_allocator, collect, &s, &e), 0);
  assert_int_equal(s.docs, 0);
  assert_int_equal(parse("# only a comment\n", &s, &e), 0);
  assert_int_equal(s.docs, 0);
}

static void expect_error(const char *text, int code, uint32_t line,
                         uint32_t col, const char *words) {
  seen s;
  zt_yaml_error e;
  assert_int_equal(parse(text, &s, &e), code);
  assert_int_equal(e.code, code);
  if (line) {
    assert_int_equal(e.line, line);
    assert_int_equal(e.col, col);
  }
  if (!strstr(e.message, words))
    fail_msg("message \"%s\" lacks \"%s\"", e.message, words);
}

static void test_aliases_refused(void **state) {
  (void)state;
  expect_error("a: &x 1\nb: *x\n", ZT_ESYNTAX, 1, 4, "anchors and aliases");
  expect_error("a: &x {k: v}\n", ZT_ESYNTAX, 1, 4, "anchors");
  expect_error("a: [1]\nb: *x\n", ZT_ESYNTAX, 0, 0, "");
}

static void test_merge_key_refused(void **state) {
  (void)state;
  expect_error("a:\n  <<: {k: v}\n", ZT_ESYNTAX, 2, 3, "merge keys");
  /* A quoted "<<" is an ordinary key. */
  seen s;
  zt_yaml_error e;
  assert_int_equal(parse("a:\n  \"<<\": v\n", &s, &e), 0);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  expect_error("name: a\nkind: b\nname: c\n", ZT_ESYNTAX, 3, 1,
               "duplicate key \"name\"");
  expect_error("m: {x: 1, 'x': 2}\n", ZT_ESYNTAX, 1, 11, "duplicate key");
  expect_error("? [a]\n: b\n", ZT_ESYNTAX, 0, 0, "keys must be scalars");
}

static void test_depth_limit(void **state) {
  (void)state;
  expect_error("a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
               "[[[[[[[[[[[[[[[]]]",
               ZT_ELIMIT, 1, 67, "nesting deeper than 64");
}

static void test_scalar_limit(void **state) {
  (void)state;
  char *big = malloc(6000);
  memcpy(big, "a: ", 3);
  memset(big + 3, 'x', 5000);
  strcpy(big + 5003, "\n");
  expect_error(big, ZT_ELIMIT, 1, 4, "exceeds the limit of 4096");
  free(big);
}

static void test_node_and_byte_limits(void **state) {
  (void)state;
  zt_yaml_limits small = {1 << 20, 64, 4096, 5};
  zt_yaml_error e;
  seen s = {0};
  const char *t = "[1, 2, 3, 4, 5, 6]";
  assert_int_equal(zt_yaml_parse(t, strlen(t), &small, &zt_default_allocator,
                                 collect, &s, &e),
                   ZT_ELIMIT);
  assert_non_null(strstr(e.message, "more than 5 YAML nodes"));
  zt_yaml_limits tiny = {4, 64, 4096, 100};
  assert_int_equal(zt_yaml_parse(t, strlen(t), &tiny, &zt_default_allocator,
                                 collect, &s, &e),
                   ZT_ELIMIT);
}

static void test_syntax_error_position(void **state) {
  (void)state;
  seen s;
  zt_yaml_error e;
  assert_int_equal(parse("a: 1\nb: \"unterminated\n", &s, &e), ZT_ESYNTAX);
  assert_true(e.line >= 2);
  assert_true(strlen(e.message) > 0);
  expect_error("a: 1\n\tb: 2\n", ZT_ESYNTAX, 0, 0, "");
}

static void test_nul_and_tags(void **state) {
  (void)state;
  expect_error("a: \"x\\0y\"\n", ZT_ESYNTAX, 1, 4, "NUL");
  expect_error("a: !custom 1\n", ZT_ESYNTAX, 1, 4, "unsupported YAML tag");
  seen s;
  zt_yaml_error e;
  assert_int_equal(parse("a: !!str 8080\n", &s, &e), 0);
}

/* Scalar kinds as Kubernetes' YAML 1.1 reader resolves them. */
typedef struct kcase {
  const char *text;
  int kind;
} kcase;

static int last_kind;
static int grab_kind(void *ctx, const zt_ynode *root, uint32_t index) {
  (void)ctx, (void)index;
  last_kind = root ? zt_yscalar_kind(root->kids[1]) : ZT_YS_NULL;
  return 0;
}

static void test_scalar_kinds(void **state) {
  (void)state;
  static const kcase cases[] = {
      {"8080", ZT_YS_INT},       {"\"8080\"", ZT_YS_STR},
      {"'8080'", ZT_YS_STR},     {"0x1F", ZT_YS_INT},
      {"0o17", ZT_YS_INT},       {"-12", ZT_YS_INT},
      {"1_000", ZT_YS_INT},      {"1.5", ZT_YS_FLOAT},
      {"1e3", ZT_YS_FLOAT},      {".inf", ZT_YS_FLOAT},
      {".NaN", ZT_YS_FLOAT},     {"true", ZT_YS_BOOL},
      {"yes", ZT_YS_BOOL},       {"On", ZT_YS_BOOL},
      {"n", ZT_YS_BOOL},         {"OFF", ZT_YS_BOOL},
      {"~", ZT_YS_NULL},         {"null", ZT_YS_NULL},
      {"NULL", ZT_YS_NULL},      {"", ZT_YS_NULL},
      {"GET", ZT_YS_STR},        {"/admin", ZT_YS_STR},
      {"10.0.0.1", ZT_YS_STR},   {"1.2.3", ZT_YS_STR},
      {"trueish", ZT_YS_STR},    {"2024-05-01", ZT_YS_STR},
      {"!!str true", ZT_YS_STR}, {"|\n  8080\n", ZT_YS_STR},
      {"_1", ZT_YS_STR},         {"0x", ZT_YS_STR},
      {"e3", ZT_YS_STR},         {"-x", ZT_YS_STR},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char doc[128];
    snprintf(doc, sizeof(doc), "v: %s\n", cases[i].text);
    zt_yaml_error e;
    last_kind = -1;
    assert_int_equal(zt_yaml_parse(doc, strlen(doc), &lim,
                                   &zt_default_allocator, grab_kind, NULL, &e),
                     0);
    if (last_kind != cases[i].kind)
      fail_msg("%s: kind %d, want %d", cases[i].text, last_kind, cases[i].kind);
  }
}

/* CPU time since start, divided by ZT_TIME_SCALE (set by the valgrind test
 * setup, where everything runs some 50 times slower). */
static double cpu_ms(clock_t start) {
  const char *scale = getenv("ZT_TIME_SCALE");
  double f = scale && atof(scale) >= 1 ? atof(scale) : 1;
  return (double)(clock() - start) * 1000.0 / CLOCKS_PER_SEC / f;
}

/* libyaml is quadratic in flow nesting; the depth cap must stop a deep
 * document before that cost (craft.md §1.3: 89 s without a cap). */
static void test_pathological_depth_is_fast(void **state) {
  (void)state;
  size_t n = 400000;
  char *t = malloc(n + 8);
  memcpy(t, "a: ", 3);
  memset(t + 3, '[', n);
  t[n + 3] = '\0';
  zt_yaml_limits big = {1 << 30, 64, 4096, 1u << 30};
  seen s = {0};
  zt_yaml_error e;
  clock_t start = clock();
  assert_int_equal(
      zt_yaml_parse(t, strlen(t), &big, &zt_default_allocator, collect, &s, &e),
      ZT_ELIMIT);
  double ms = cpu_ms(start);
  if (ms > 500)
    fail_msg("rejecting 400k nested brackets took %.1f ms", ms);
  free(t);
}

static void test_many_keys_duplicate_detection_is_fast(void **state) {
  (void)state;
  size_t n = 100000;
  char *t = malloc(n * 16 + 16);
  size_t off = 0;
  for (size_t i = 0; i < n; i++)
    off += (size_t)sprintf(t + off, "k%zu: v\n", i);
  off += (size_t)sprintf(t + off, "k7: dup\n");
  zt_yaml_limits big = {1 << 30, 64, 4096, 1u << 30};
  seen s = {0};
  zt_yaml_error e;
  clock_t start = clock();
  assert_int_equal(
      zt_yaml_parse(t, off, &big, &zt_default_allocator, collect, &s, &e),
      ZT_ESYNTAX);
  assert_non_null(strstr(e.message, "duplicate key \"k7\""));
  assert_int_equal(e.line, n + 1);
  double ms = cpu_ms(start);
  if (ms > 2000)
    fail_msg("100k keys took %.1f ms", ms);
  free(t);
}

/* The "billion laughs" shape: refused at the first anchor, whatever the
 * expansion would have been. */
static void test_alias_bomb_is_fast(void **state) {
  (void)state;
  char t[4096];
  size_t off = (size_t)snprintf(t, sizeof(t), "a0: &a0 [x, x, x, x, x]\n");
  for (int i = 1; i < 20; i++)
    off += (size_t)snprintf(t + off, sizeof(t) - off,
                            "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i,
                            i - 1, i - 1, i - 1, i - 1, i - 1);
  seen s;
  zt_yaml_error e;
  clock_t start = clock();
  assert_int_equal(parse(t, &s, &e), ZT_ESYNTAX);
  assert_int_equal(e.line, 1);
  assert_non_null(strstr(e.message, "anchors and aliases"));
  double ms = cpu_ms(start);
  if (ms > 100)
    fail_msg("alias bomb took %.1f ms", ms);
}

static int stop_early(void *ctx, const zt_ynode *root, uint32_t index) {
  (void)root;
  *(uint32_t *)ctx = index;
  return index == 1 ? ZT_EPOLICY : 0;
}

static void test_callback_stops_stream(void **state) {
  (void)state;
  uint32_t last = 99;
  zt_yaml_error e;
  const char *t = "a: 1\n---\nb: 2\n---\nc: 3\n";
  assert_int_equal(zt_yaml_parse(t, strlen(t), &lim, &zt_default_allocator,
                                 stop_early, &last, &e),
                   ZT_EPOLICY);
  assert_int_equal(last, 1);
}

static int check_lookup(void *ctx, const zt_ynode *root, uint32_t index) {
  (void)index;
  const zt_ynode *v = zt_ymap_get(root, "b");
  *(int *)ctx = v && v->type == ZT_YNODE_SCALAR && strcmp(v->str, "2") == 0 &&
                zt_ymap_get(root, "c") == NULL && zt_ymap_get(v, "b") == NULL;
  return 0;
}

static void test_map_lookup(void **state) {
  (void)state;
  zt_yaml_error e;
  int ok = 0;
  const char *t = "a: 1\nb: 2\n";
  assert_int_equal(zt_yaml_parse(t, strlen(t), &lim, &zt_default_allocator,
                                 check_lookup, &ok, &e),
                   0);
  assert_true(ok);
  assert_null(zt_ymap_get(NULL, "v"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stream_documents),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_aliases_refused),
      cmocka_unit_test(test_merge_key_refused),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_depth_limit),
      cmocka_unit_test(test_scalar_limit),
      cmocka_unit_test(test_node_and_byte_limits),
      cmocka_unit_test(test_syntax_error_position),
      cmocka_unit_test(test_nul_and_tags),
      cmocka_unit_test(test_scalar_kinds),
      cmocka_unit_test(test_pathological_depth_is_fast),
      cmocka_unit_test(test_many_keys_duplicate_detection_is_fast),
      cmocka_unit_test(test_alias_bomb_is_fast),
      cmocka_unit_test(test_callback_stops_stream),
      cmocka_unit_test(test_map_lookup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
