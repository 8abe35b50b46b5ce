/* Token locations against Envoy's extractor cases
 * (shared/vectors/envoy_jwt_authn/extraction.json): which tokens a request
 * yields, in which order, and which issuers each location admits. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "jwt_extract.h"
#include "test_files.h"

#define MAXL 32
#define MAXT 16

typedef struct loc {
  zt_tokloc l;
  char issuers[256]; /* sorted, space-separated; "*any*" for an empty one */
} loc;

typedef struct run {
  const zt_json_doc *d;
  loc locs[MAXL];
  size_t n_locs;
  zt_str tok[MAXT];
  size_t tok_loc[MAXT];
  size_t n_tok, cur;
  char store[MAXT][512];
} run;

static bool str(const zt_json_doc *d, zt_json_val v, const char **p,
                size_t *n) {
  return zt_json_string(d, v, p, n);
}

static void add_issuer(loc *l, const char *iss) {
  /* keep the list sorted and without repeats */
  char words[8][64];
  size_t n = 0;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", l->issuers);
  for (char *w = strtok(copy, " "); w && n < 8; w = strtok(NULL, " "))
    snprintf(words[n++], 64, "%s", w);
  for (size_t i = 0; i < n; i++)
    if (strcmp(words[i], iss) == 0)
      return;
  snprintf(words[n++], 64, "%s", iss);
  qsort(words, n, 64, (int (*)(const void *, const void *))strcmp);
  l->issuers[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    strcat(l->issuers, i ? " " : "");
    strcat(l->issuers, words[i]);
  }
}

static void add_loc(run *r, zt_tokloc tl, const char *iss) {
  size_t i = 0;
  while (i < r->n_locs && zt_tokloc_cmp(&r->locs[i].l, &tl) != 0)
    i++;
  if (i == r->n_locs) {
    assert_true(r->n_locs < MAXL);
    size_t at = r->n_locs++;
    while (at > 0 && zt_tokloc_cmp(&r->locs[at - 1].l, &tl) > 0) {
      r->locs[at] = r->locs[at - 1];
      at--;
    }
    memset(&r->locs[at], 0, sizeof(loc));
    r->locs[at].l = tl;
    i = at;
  }
  add_issuer(&r->locs[i], iss);
}

/* Header names are kept lowercase (the library's convention), in a pool
 * that lives for one case. */
static char pool[8192];
static size_t pool_used;

static zt_str lower_copy(const char *s, size_t n) {
  assert_true(n < sizeof(pool) - pool_used);
  char *c = pool + pool_used;
  pool_used += n + 1;
  for (size_t i = 0; i < n; i++)
    c[i] = (char)tolower((unsigned char)s[i]);
  c[n] = '\0';
  return (zt_str){c, n};
}

static void add_provider(run *r, zt_json_val p) {
  const zt_json_doc *d = r->d;
  const char *iss = "*any*", *s;
  size_t n, k;
  zt_json_val v, e, lst;
  if (zt_json_member(d, p, "issuer", 6, &v) && str(d, v, &s, &n) && n)
    iss = s;
  bool any = false;
  if (zt_json_member(d, p, "from_headers", 12, &lst)) {
    zt_json_iter it;
    zt_json_iter_init(&it, d, lst);
    while (zt_json_iter_next(&it, NULL, &e)) {
      zt_tokloc tl = {ZT_LOC_HEADER, false, {NULL, 0}, {NULL, 0}};
      assert_true(zt_json_member(d, e, "name", 4, &v) && str(d, v, &s, &n));
      tl.name = lower_copy(s, n);
      if (zt_json_member(d, e, "value_prefix", 12, &v) && str(d, v, &s, &k))
        tl.prefix = (zt_str){s, k};
      add_loc(r, tl, iss);
      any = true;
    }
  }
  static const char *const lists[2] = {"from_params", "from_cookies"};
  for (int i = 0; i < 2; i++) {
    if (!zt_json_member(d, p, lists[i], strlen(lists[i]), &lst))
      continue;
    zt_json_iter it;
    zt_json_iter_init(&it, d, lst);
    while (zt_json_iter_next(&it, NULL, &e)) {
      assert_true(str(d, e, &s, &n));
      zt_tokloc tl = {
          i ? ZT_LOC_COOKIE : ZT_LOC_PARAM, false, {s, n}, {NULL, 0}};
      add_loc(r, tl, iss);
      any = true;
    }
  }
  if (!any) { /* Envoy's defaults (the Bearer scheme case-insensitive) */
    add_loc(
        r,
        (zt_tokloc){ZT_LOC_HEADER, true, {"authorization", 13}, {"Bearer ", 7}},
        iss);
    add_loc(r,
            (zt_tokloc){ZT_LOC_PARAM, false, {"access_token", 12}, {NULL, 0}},
            iss);
  }
}

static bool on_token(void *ctx, zt_str t, bool tentative) {
  run *r = ctx;
  if (tentative)
    t.len = zt_token_run(t.ptr, t.len);
  assert_true(r->n_tok < MAXT && t.len < sizeof(r->store[0]));
  memcpy(r->store[r->n_tok], t.ptr, t.len);
  r->tok[r->n_tok] = (zt_str){r->store[r->n_tok], t.len};
  r->tok_loc[r->n_tok++] = r->cur;
  return true;
}

/* The vectors write "<GoodToken>" for a real token (which starts with a
 * base64url character); put one in its place. */
static const char good[] = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJpIn0.c2ln";

static const char *subst(const char *s, size_t *n, char *buf, size_t cap) {
  const char *at = strstr(s, "<GoodToken>");
  if (!at)
    return s;
  int k = snprintf(buf, cap, "%.*s%s%s", (int)(at - s), s, good, at + 11);
  assert_true(k > 0 && (size_t)k < cap);
  *n = (size_t)k;
  return buf;
}

static void compare_tokens(run *r, zt_json_val exp, const char *name) {
  const zt_json_doc *d = r->d;
  zt_json_iter it;
  zt_json_val e, v;
  size_t i = 0;
  zt_json_iter_init(&it, d, exp);
  while (zt_json_iter_next(&it, NULL, &e)) {
    const char *s;
    size_t n;
    assert_true(zt_json_member(d, e, "token", 5, &v) && str(d, v, &s, &n));
    char sb[256];
    s = subst(s, &n, sb, sizeof sb);
    if (i >= r->n_tok)
      fail_msg("%s: token %zu (%s) not extracted", name, i, s);
    if (r->tok[i].len != n || memcmp(r->tok[i].ptr, s, n) != 0)
      fail_msg("%s: token %zu is \"%.*s\", want \"%s\"", name, i,
               (int)r->tok[i].len, r->tok[i].ptr, s);
    zt_json_val iss;
    if (zt_json_member(d, e, "allowed_issuers", 15, &iss)) {
      loc want = {0};
      zt_json_iter j;
      zt_json_iter_init(&j, d, iss);
      while (zt_json_iter_next(&j, NULL, &v))
        assert_true(str(d, v, &s, &n)), add_issuer(&want, s);
      assert_string_equal(r->locs[r->tok_loc[i]].issuers, want.issuers);
    }
    i++;
  }
  if (i != r->n_tok)
    fail_msg("%s: %zu tokens extracted, want %zu", name, r->n_tok, i);
}

/* Envoy's current extractor reads every value of a repeated header as its
 * own token; the vector records the older comma-joined form. */
static bool joined_form(const char *name) {
  return strcmp(name, "TestDoubleCustomHeaderToken") == 0;
}

/* Where the vector records the remainder of the header value after the
 * prefix, we take the token itself: the first run of base64url characters
 * and dots (istio-semantics.md §9.2; what these upstream test names
 * describe). The token we extract instead. */
static const char *first_run(const char *name) {
  static const struct {
    const char *name, *token;
  } t[] = {
      {"TestDefaultHeaderLocationWithValidJWTEndedWithSpaceAndMoreCharachters",
       "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJpIn0.c2ln"},
      {"TestPrefixHeaderFlexibleMatch1", "jwt_token"},
      {"TestPrefixHeaderFlexibleMatch2", "and0X3Rva2Vu"},
      {"TestPrefixHeaderFlexibleMatch3", "and0X3Rva2Vu"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (strcmp(name, t[i].name) == 0)
      return t[i].token;
  return NULL;
}

static void run_case(const zt_json_doc *d, zt_json_val configs, zt_json_val c) {
  static run r;
  memset(&r, 0, sizeof r);
  r.d = d;
  const char *name, *s;
  size_t n;
  zt_json_val v, cfg, hdrs, e;
  assert_true(zt_json_member(d, c, "name", 4, &v) && str(d, v, &name, &n));
  assert_true(zt_json_member(d, c, "config", 6, &cfg));
  if (str(d, cfg, &s, &n))
    assert_true(zt_json_member(d, configs, s, n, &cfg));
  zt_json_iter it;
  zt_json_val pname, p;
  zt_json_iter_init(&it, d, cfg);
  while (zt_json_iter_next(&it, &pname, &p))
    add_provider(&r, p);
  zt_kv kv[16];
  zt_headers h = {kv, 0};
  zt_request req;
  memset(&req, 0, sizeof req);
  req.header = zt_headers_get;
  req.header_ctx = &h;
  assert_true(zt_json_member(d, c, "request_headers", 15, &hdrs));
  zt_json_iter_init(&it, d, hdrs);
  while (zt_json_iter_next(&it, NULL, &e)) {
    const char *k, *val;
    size_t kn, vn;
    assert_true(str(d, e + 1, &k, &kn) && str(d, e + 2, &val, &vn));
    static char vb[16][256];
    val = subst(val, &vn, vb[h.n], sizeof vb[0]);
    if (strcmp(k, ":path") == 0)
      req.path = (zt_str){val, vn};
    else
      kv[h.n++] = (zt_kv){lower_copy(k, kn), {val, vn}};
  }
  char buf[ZT_EXTRACT_PARAM_MAX];
  for (r.cur = 0; r.cur < r.n_locs; r.cur++)
    assert_int_equal(zt_extract(&r.locs[r.cur].l, &req, on_token, &r, buf),
                     ZT_OK);
  assert_true(zt_json_member(d, c, "expected_tokens", 15, &v));
  const char *own = first_run(name);
  if (own) {
    assert_true(r.n_tok >= 1);
    for (size_t i = 0; i < r.n_tok; i++) {
      assert_int_equal(r.tok[i].len, strlen(own));
      assert_memory_equal(r.tok[i].ptr, own, strlen(own));
    }
  } else if (joined_form(name)) {
    assert_int_equal(r.n_tok, 2);
    assert_memory_equal(r.tok[0].ptr, "jwt_token", 9);
    assert_memory_equal(r.tok[1].ptr, "foo", 3);
  } else {
    compare_tokens(&r, v, name);
  }
  print_message("# %s: %zu tokens\n", name, r.n_tok);
  pool_used = 0;
}

static void test_envoy_cases(void **state) {
  (void)state;
  char path[4096];
  snprintf(path, sizeof path, "%s/envoy_jwt_authn/extraction.json",
           test_vectors_dir());
  size_t len;
  char *text = test_read_file(path, &len);
  assert_non_null(text);
  zt_json_doc d;
  zt_json_limits lim = {1u << 22, 1u << 20, 64, 0};
  assert_int_equal(zt_json_parse_alloc(&d, NULL, text, len, &lim, NULL), ZT_OK);
  zt_json_val configs, cases, c;
  assert_true(zt_json_member(&d, ZT_JSON_ROOT, "configs", 7, &configs));
  assert_true(zt_json_member(&d, ZT_JSON_ROOT, "cases", 5, &cases));
  assert_int_equal(zt_json_size(&d, cases), 18);
  zt_json_iter it;
  zt_json_iter_init(&it, &d, cases);
  while (zt_json_iter_next(&it, NULL, &c))
    run_case(&d, configs, c);
  zt_json_doc_free(&d);
  free(text);
}

typedef struct first {
  zt_str text; /* as extracted */
  bool tentative;
} first;

static bool first_only(void *ctx, zt_str t, bool tentative) {
  *(first *)ctx = (first){t, tentative};
  return false;
}

/* The first token of loc as given, unsettled. */
static first given(const zt_tokloc *l, const char *hname, const char *hval,
                   const char *path) {
  zt_kv kv[1] = {
      {{hname, hname ? strlen(hname) : 0}, {hval, hval ? strlen(hval) : 0}}};
  zt_headers h = {kv, hname ? 1 : 0};
  zt_request req;
  memset(&req, 0, sizeof req);
  req.header = zt_headers_get;
  req.header_ctx = &h;
  req.path = (zt_str){path, path ? strlen(path) : 0};
  static char buf[ZT_EXTRACT_PARAM_MAX];
  first f = {{NULL, 0}, false};
  assert_int_equal(zt_extract(l, &req, first_only, &f, buf), ZT_OK);
  return f;
}

/* The first token of loc, settled. */
static zt_str one(const zt_tokloc *l, const char *hname, const char *hval,
                  const char *path) {
  first f = given(l, hname, hval, path);
  if (f.tentative)
    f.text.len = zt_token_run(f.text.ptr, f.text.len);
  return f.text;
}

static void test_details(void **state) {
  (void)state;
  zt_tokloc bearer = {
      ZT_LOC_HEADER, true, {"authorization", 13}, {"Bearer ", 7}};
  zt_tokloc exact = {ZT_LOC_HEADER, false, {"x-token", 7}, {"Token ", 6}};
  zt_tokloc param = {ZT_LOC_PARAM, false, {"tok", 3}, {NULL, 0}};
  zt_tokloc cookie = {ZT_LOC_COOKIE, false, {"c", 1}, {NULL, 0}};
  /* The default scheme is matched in any case (RFC 7235). */
  assert_int_equal(one(&bearer, "authorization", "bearer a.b.c", NULL).len, 5);
  assert_int_equal(one(&bearer, "authorization", "BEARER a.b.c", NULL).len, 5);
  assert_null(one(&bearer, "authorization", "Basic abc", NULL).ptr);
  /* A prefix a policy writes is matched exactly, as Envoy does. */
  assert_null(one(&exact, "x-token", "token abc", NULL).ptr);
  assert_int_equal(one(&exact, "x-token", "Token abc", NULL).len, 3);
  /* Parameters are percent-decoded; the first occurrence wins. */
  zt_str t = one(&param, NULL, NULL, "/p?a=1&tok=x%2Ey&tok=z");
  assert_int_equal(t.len, 3);
  assert_memory_equal(t.ptr, "x.y", 3);
  assert_null(one(&param, NULL, NULL, "/p?tokx=1").ptr);
  assert_null(one(&param, NULL, NULL, "/p").ptr);
  /* An over-long decoded parameter is refused, not cut. */
  static char longpath[ZT_EXTRACT_PARAM_MAX + 16];
  memcpy(longpath, "/?tok=", 6);
  memset(longpath + 6, 'a', ZT_EXTRACT_PARAM_MAX + 1);
  zt_request req;
  memset(&req, 0, sizeof req);
  req.path = (zt_str){longpath, 6 + ZT_EXTRACT_PARAM_MAX + 1};
  static char buf[ZT_EXTRACT_PARAM_MAX];
  first sink;
  assert_int_equal(zt_extract(&param, &req, first_only, &sink, buf), ZT_ELIMIT);
  /* Cookies: quoted values unquoted, names exact. */
  t = one(&cookie, "cookie", "cc=1; c=\"v.w\"; d=2", NULL);
  assert_int_equal(t.len, 3);
  assert_memory_equal(t.ptr, "v.w", 3);
  assert_null(one(&cookie, "cookie", "cc=1", NULL).ptr);
  /* Locations order: headers, then parameters, then cookies. */
  assert_true(zt_tokloc_cmp(&bearer, &param) < 0);
  assert_true(zt_tokloc_cmp(&param, &cookie) < 0);
  assert_true(zt_tokloc_cmp(&bearer, &exact) < 0);
}

/* A header token that may reach the end of the value is given unscanned;
 * settling it gives the token Envoy extracts. */
static void test_tentative(void **state) {
  (void)state;
  zt_tokloc bearer = {
      ZT_LOC_HEADER, true, {"authorization", 13}, {"Bearer ", 7}};
  zt_tokloc whole = {ZT_LOC_HEADER, false, {"x-token", 7}, {NULL, 0}};
  zt_tokloc param = {ZT_LOC_PARAM, false, {"tok", 3}, {NULL, 0}};
  first f = given(&bearer, "authorization", "Bearer a.b.c", NULL);
  assert_true(f.tentative);
  assert_int_equal(f.text.len, 5);
  /* Tentative: ends with a token character, but stops before it. */
  f = given(&bearer, "authorization", "Bearer a.b c", NULL);
  assert_true(f.tentative);
  assert_int_equal(f.text.len, 5);
  assert_int_equal(zt_token_run(f.text.ptr, f.text.len), 3);
  assert_int_equal(one(&bearer, "authorization", "Bearer a.b c", NULL).len, 3);
  /* Leading spaces are skipped before the token, not counted in it. */
  f = given(&bearer, "authorization", "Bearer   a.b", NULL);
  assert_true(f.tentative);
  assert_memory_equal(f.text.ptr, "a.b", 3);
  assert_int_equal(f.text.len, 3);
  /* A value ending with another character is scanned at once. */
  f = given(&bearer, "authorization", "Bearer a.b.c, x=\"y\"", NULL);
  assert_false(f.tentative);
  assert_int_equal(f.text.len, 5);
  f = given(&bearer, "authorization", "Bearer a.b.c ", NULL);
  assert_false(f.tentative);
  assert_int_equal(f.text.len, 5);
  assert_null(given(&bearer, "authorization", "Bearer  ", NULL).text.ptr);
  /* The whole value, a parameter and a cookie are tokens as they are. */
  f = given(&whole, "x-token", "a b", NULL);
  assert_false(f.tentative);
  assert_int_equal(f.text.len, 3);
  assert_false(given(&param, NULL, NULL, "/?tok=a.b").tentative);
  assert_int_equal(zt_token_run("ab-_.9Z=", 8), 7);
  assert_int_equal(zt_token_run("", 0), 0);
  assert_int_equal(zt_token_run("/ab", 3), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_envoy_cases),
      cmocka_unit_test(test_details),
      cmocka_unit_test(test_tentative),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
