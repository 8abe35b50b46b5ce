/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "pathtpl.h"

#define LIT(x) (x), (sizeof(x) - 1)
#define NCASES(t) (sizeof(t) / sizeof((t)[0]))

typedef struct tpl_case {
  const char *s;
  size_t n;
  bool ok;
  const char *why_part; /* a word the reason must contain, for rejects */
} tpl_case;

static void test_is_template(void **state) {
  (void)state;
  static const tpl_case t[] = {
      {LIT("/foo/{*}"), true, NULL},     {LIT("/foo/{**}"), true, NULL},
      {LIT("{*}"), true, NULL},          {LIT("{**}"), true, NULL},
      {LIT("x{*}y"), true, NULL},        {LIT("{{**}}"), true, NULL},
      {LIT("/foo/{*}.txt"), true, NULL}, {LIT(""), false, NULL},
      {LIT("/"), false, NULL},           {LIT("/foo"), false, NULL},
      {LIT("/foo/*"), false, NULL},      {LIT("*"), false, NULL},
      {LIT("/foo/{}"), false, NULL},     {LIT("/foo/{ *}"), false, NULL},
      {LIT("/foo/{*"), false, NULL},     {LIT("/foo/*}"), false, NULL},
      {LIT("/foo/{***}"), false, NULL},  {LIT("{"), false, NULL},
      {LIT("{*\0}"), false, NULL},
  };
  for (size_t i = 0; i < NCASES(t); i++) {
    if (zt_pathtpl_is_template(t[i].s, t[i].n) != t[i].ok)
      fail_msg("is_template case %zu \"%.*s\"", i, (int)t[i].n, t[i].s);
  }
  assert_false(zt_pathtpl_is_template(NULL, 0));
  /* The length bounds the search: "{*}" just past n does not count. */
  assert_false(zt_pathtpl_is_template("/a{*}", 4));
  assert_true(zt_pathtpl_is_template("/a{*}", 5));
}

static void check_cases(const tpl_case *t, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const char *why = NULL;
    bool ok = zt_pathtpl_check(t[i].s, t[i].n, &why);
    if (ok != t[i].ok)
      fail_msg("case %zu \"%.*s\": expected %s (%s)", i, (int)t[i].n, t[i].s,
               t[i].ok ? "accept" : "reject", why ? why : "-");
    if (!ok && (why == NULL || strstr(why, t[i].why_part) == NULL))
      fail_msg("case %zu \"%.*s\": reason \"%s\" lacks \"%s\"", i, (int)t[i].n,
               t[i].s, why ? why : "(null)", t[i].why_part);
    if (zt_pathtpl_check(t[i].s, t[i].n, NULL) != ok)
      fail_msg("case %zu differs with why == NULL", i);
  }
}

static void test_check_valid(void **state) {
  (void)state;
  static const tpl_case t[] = {
      /* The examples of the spec and of Istio's integration test. */
      {LIT("/allow/admin/{**}"), true, NULL},
      {LIT("/foo/{*}/bar/{**}"), true, NULL},
      {LIT("/store/{**}/cart"), true, NULL},
      {LIT("/foo/{**}/bar"), true, NULL},
      {LIT("/foo/{**}/"), true, NULL},
      {LIT("/foo/{*}"), true, NULL},
      {LIT("/foo/{**}"), true, NULL},
      {LIT("/{*}"), true, NULL},
      {LIT("/{**}"), true, NULL},
      {LIT("{**}"), true, NULL},
      {LIT("{*}/"), true, NULL},
      {LIT("/{*}/{*}/{*}"), true, NULL},
      {LIT("/{*}/{**}"), true, NULL},
      {LIT("/{**}/a/b"), true, NULL},
      /* strings.Trim removes every leading and trailing '/'. */
      {LIT("//foo/{*}//"), true, NULL},
      {LIT("/a-b._~%!$&'()+,;:@=/{*}"), true, NULL},
      {LIT("/v1/users/{*}/photos/IMG_01.jpg"), true, NULL},
      {LIT("/%2F/{*}"), true, NULL},
      {LIT("/foo"), true, NULL},
  };
  check_cases(t, NCASES(t));
}

static void test_check_invalid(void **state) {
  (void)state;
  static const tpl_case t[] = {
      {LIT(""), false, "empty"},
      {LIT("/"), false, "empty"},
      {LIT("//"), false, "empty"},
      {LIT("/foo//{*}"), false, "empty"},
      {LIT("/{*}//{*}"), false, "empty"},
      {LIT("/foo/{*}.txt"), false, "whole"},
      {LIT("/foo/x{*}"), false, "whole"},
      {LIT("/foo/{**}.txt"), false, "whole"},
      {LIT("/foo/{*}{*}"), false, "whole"},
      {LIT("/foo/{*}{**}"), false, "whole"},
      {LIT("/{**}/{**}"), false, "at most once"},
      {LIT("/{**}/a/{**}"), false, "at most once"},
      {LIT("/{**}/{*}"), false, "follow"},
      {LIT("/{**}/a/{*}"), false, "follow"},
      {LIT("/foo/{*}/ba*r"), false, "pchar"},
      {LIT("/foo/*/{*}"), false, "pchar"},
      {LIT("/foo/{*}/*"), false, "pchar"},
      {LIT("/foo/{*}/{bar}"), false, "pchar"},
      {LIT("/foo/{}/{*}"), false, "pchar"},
      {LIT("/foo/{*}/{"), false, "pchar"},
      {LIT("/foo/{*}/}"), false, "pchar"},
      {LIT("/foo/{***}"), false, "pchar"},
      {LIT("/foo/{ * }"), false, "pchar"},
      {LIT("/foo/{*}/a b"), false, "pchar"},
      {LIT("/foo/{*}/a#b"), false, "pchar"},
      {LIT("/foo/{*}/a?b"), false, "pchar"},
      {LIT("/foo/{*}/a\\b"), false, "pchar"},
      {LIT("/foo/{*}/a\"b"), false, "pchar"},
      {LIT("/foo/{*}/\xc3\xa9"), false, "pchar"},
      {LIT("/foo/{*}/a\0b"), false, "pchar"},
      {LIT("/foo/{*}/a\tb"), false, "pchar"},
      {LIT("/foo/{*}?q=1"), false, "whole"},
  };
  check_cases(t, NCASES(t));
  const char *why = NULL;
  assert_false(zt_pathtpl_check(NULL, 0, &why));
  assert_non_null(why);
}

static void test_check_long(void **state) {
  (void)state;
  /* Many segments, then the operators at the far end. */
  static char buf[40000];
  size_t n = 0;
  for (int i = 0; i < 5000; i++) {
    memcpy(buf + n, "/seg", 4);
    n += 4;
  }
  memcpy(buf + n, "/{*}/{**}", 9);
  assert_true(zt_pathtpl_check(buf, n + 9, NULL));
  memcpy(buf + n, "/{**}/{*}", 9);
  assert_false(zt_pathtpl_check(buf, n + 9, NULL));
  memset(buf, '/', sizeof buf);
  assert_false(zt_pathtpl_check(buf, sizeof buf, NULL));
}

/* ---- Matching ------------------------------------------------------------ */

typedef struct match_case {
  const char *tpl;
  const char *path;
  size_t path_n;
  bool match;
} match_case;

#define M(tpl, path, m)                                                        \
  { (tpl), LIT(path), (m) }

static void check_matches(const match_case *t, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (!zt_pathtpl_check(t[i].tpl, strlen(t[i].tpl), NULL))
      fail_msg("case %zu: template \"%s\" is not valid", i, t[i].tpl);
    bool got =
        zt_pathtpl_match(t[i].tpl, strlen(t[i].tpl), t[i].path, t[i].path_n);
    if (got != t[i].match)
      fail_msg("case %zu: \"%s\" on \"%.*s\": expected %s", i, t[i].tpl,
               (int)t[i].path_n, t[i].path, t[i].match ? "match" : "no match");
  }
}

/* istio-semantics.md §8.11 and Istio's TestAuthz_PathTemplating. */
static void test_match_spec(void **state) {
  (void)state;
  static const match_case t[] = {
      M("/allow/admin/{**}", "/allow/admin/", true),
      M("/allow/admin/{**}", "/allow/admin/temp", true),
      M("/allow/admin/{**}", "/allow/admin/foo/temp.txt", true),
      M("/allow/admin/{**}", "/allow/admin", false),
      M("/allow/admin/{**}", "/allow/admin?param=value", false),
      M("/allow/admin/{**}", "/allow", false),
      M("/foo/{*}/bar/{**}", "/foo/buzz/bar/bat.txt", true),
      M("/foo/{*}/bar/{**}", "/foo/buzz/bar/bat", true),
      M("/foo/{*}/bar/{**}", "/foo/bar/bat.txt", false),
      M("/foo/{*}/bar/{**}", "/foo//bar/bat.txt", false),
      M("/store/{**}/cart", "/store//cart", true),
      M("/store/{**}/cart", "/store/foo/cart", true),
      M("/store/{**}/cart", "/store/foo/bar/cart", true),
      M("/store/{**}/cart", "/store/cart", false),
      /* The proto comment's example: Envoy's regex ends with a '/'. */
      M("/foo/{**}/", "/foo/bar/baz.txt", false),
      M("/foo/{**}/", "/foo/bar/", true),
      M("/foo/{**}/", "/foo//", true),
      M("/foo/{**}/", "/foo/", false),
  };
  check_matches(t, NCASES(t));
}

static void test_match_more(void **state) {
  (void)state;
  static const match_case t[] = {
      /* {*}: one non-empty run of pchar. */
      M("/foo/{*}", "/foo/a", true),
      M("/foo/{*}", "/foo/a-b._~%!$&'()+,;:@=", true),
      M("/foo/{*}", "/foo/%2F", true),
      M("/foo/{*}", "/foo/%", true),
      M("/foo/{*}", "/foo/", false),
      M("/foo/{*}", "/foo", false),
      M("/foo/{*}", "/foo/a/", false),
      M("/foo/{*}", "/foo/a/b", false),
      M("/foo/{*}", "/foo/a b", false),
      M("/foo/{*}", "/foo/a*", false),
      M("/foo/{*}", "/foo/{a}", false),
      M("/foo/{*}", "/foo/a?b", false),
      M("/foo/{*}", "/foo/a#b", false),
      M("/foo/{*}", "/foo/a\\b", false),
      M("/foo/{*}", "/foo/\xc3\xa9", false),
      M("/foo/{*}", "/foo/a\0b", false),
      M("/foo/{*}", "/Foo/a", false),
      M("/{*}/{*}/{*}", "/a/b/c", true),
      M("/{*}/{*}/{*}", "/a/b", false),
      M("/{*}/{*}/{*}", "/a/b/c/", false),
      M("/{*}/{*}/{*}", "/a//c", false),
      M("{*}/", "abc/", true),
      M("{*}/", "/abc/", false),
      /* {**}: any run of pchar and '/', possibly empty. */
      M("/{**}", "/", true),
      M("/{**}", "//", true),
      M("/{**}", "/a/b/c", true),
      M("/{**}", "", false),
      M("/{**}", "a", false),
      M("/{**}", "/a b", false),
      M("/{**}", "/a/*", false),
      M("{**}", "", true),
      M("{**}", "abc/def", true),
      M("{**}", "/\xff", false),
      M("/foo/{**}", "/foo", false),
      M("/foo/{**}", "/foo/", true),
      M("/foo/{**}", "/foo//", true),
      M("/foo/{**}", "/foobar", false),
      M("/{*}/{**}", "/a/", true),
      M("/{*}/{**}", "/a", false),
      M("/{*}/{**}", "/a/b/c", true),
      M("/{*}/{**}", "//b", false),
      /* Literals after {**} must end the path and not overlap the head. */
      M("/{**}/a/b", "/a/b", false),
      M("/{**}/a/b", "//a/b", true),
      M("/{**}/a/b", "/x/a/b", true),
      M("/{**}/a/b", "/x/y/a/b", true),
      M("/{**}/a/b", "/x/a/bb", false),
      M("/{**}/a/b", "/x/a/b/", false),
      M("/{**}/a/b", "/x y/a/b", false),
      M("/a/{**}/a", "/a/a", false),
      M("/a/{**}/a", "/a//a", true),
      M("/a/{**}/a", "/a/a/a", true),
      M("/a/{**}/a", "/a/b", false),
      M("/{*}/{**}/z", "/a/z", false),
      M("/{*}/{**}/z", "/a//z", true),
      M("/{*}/{**}/z", "/a/b/c/z", true),
      /* Literals are literal: no regex metacharacters. */
      M("/a.b/{*}", "/a.b/x", true),
      M("/a.b/{*}", "/axb/x", false),
      M("/a+/{*}", "/aa/x", false),
      M("/a+/{*}", "/a+/x", true),
      M("/($)/{*}", "/($)/x", true),
      M("/($)/{*}", "/x/x", false),
      /* Leading and trailing runs of '/' are part of the template. */
      M("//foo/{*}//", "//foo/x//", true),
      M("//foo/{*}//", "/foo/x/", false),
      /* A valid value without an operator matches itself only. */
      M("/foo", "/foo", true),
      M("/foo", "/foo/", false),
      M("/foo", "/fo", false),
  };
  check_matches(t, NCASES(t));
  /* The lengths bound both strings. */
  assert_true(zt_pathtpl_match("/a/{*}", 6, "/a/bc", 4));
  assert_false(zt_pathtpl_match("/a/{*}", 6, "/a/bc", 3));
  assert_true(zt_pathtpl_match("/a/{**}/x", 7, "/a/b/x", 6));
  assert_true(zt_pathtpl_match("/a/{**}/x", 9, "/a/b/xy", 6));
  assert_false(zt_pathtpl_match("/a/{**}/x", 9, "/a/b/xy", 7));
  /* NULLs. */
  assert_true(zt_pathtpl_match("{**}", 4, NULL, 0));
  assert_false(zt_pathtpl_match("/{**}", 5, NULL, 0));
  assert_false(zt_pathtpl_match(NULL, 0, "/a", 2));
  assert_false(zt_pathtpl_match(NULL, 0, NULL, 0));
  /* What zt_pathtpl_check rejects matches nothing it should not. */
  assert_false(zt_pathtpl_match(LIT("/{**}/{**}"), LIT("/a/b")));
  assert_false(zt_pathtpl_match(LIT("/{**}/{*}"), LIT("/a/b")));
}

static void test_match_long(void **state) {
  (void)state;
  size_t n = 100000;
  char *p = malloc(n + 8);
  assert_non_null(p);
  memset(p, '/', n);
  memcpy(p + n, "/x", 2);
  assert_true(zt_pathtpl_match(LIT("/{**}/x"), p, n + 2));
  assert_false(zt_pathtpl_match(LIT("/{**}/y"), p, n + 2));
  assert_false(zt_pathtpl_match(LIT("/{*}/x"), p, n + 2));
  memset(p, 'a', n);
  p[0] = '/';
  assert_true(zt_pathtpl_match(LIT("/{*}"), p, n));
  assert_true(zt_pathtpl_match(LIT("/{**}"), p, n));
  assert_false(zt_pathtpl_match(LIT("/{*}/{**}"), p, n));
  p[n / 2] = ' ';
  assert_false(zt_pathtpl_match(LIT("/{*}"), p, n));
  assert_false(zt_pathtpl_match(LIT("/{**}"), p, n));
  free(p);
}

/* ---- Against a regex engine ------------------------------------------------
 * POSIX ERE (glibc) built from the template as Envoy builds its RE2 regex:
 * "{*}" and "{**}" become the classes, other characters stand for
 * themselves. */

#define PCHAR "-a-zA-Z0-9._~%!$&'()+,;:@="

static void tpl_to_regex(const char *tpl, char *out, size_t cap) {
  size_t o = 0;
  out[o++] = '^';
  for (size_t i = 0; tpl[i];) {
    const char *piece;
    char lit[4] = {'[', tpl[i], ']', '\0'};
    if (strncmp(tpl + i, "{**}", 4) == 0) {
      piece = "[" PCHAR "/]*";
      i += 4;
    } else if (strncmp(tpl + i, "{*}", 3) == 0) {
      piece = "[" PCHAR "]+";
      i += 3;
    } else {
      piece = lit;
      i++;
    }
    size_t k = strlen(piece);
    assert_true(o + k + 2 < cap);
    memcpy(out + o, piece, k);
    o += k;
  }
  out[o++] = '$';
  out[o] = '\0';
}

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void test_match_against_regex(void **state) {
  (void)state;
  static const char *const segs[] = {"{*}", "{*}", "{**}", "a", "b", "ab",
                                     "x.y", "%",   "=",    "a", ""};
  static const char *const pieces[] = {"/", "/", "/", "a", "b", "ab", "x.y",
                                       "%", "=", " ", "*", "x", "/a", "b/"};
  uint64_t rng = 0x853c49e6748fea9bu;
  size_t templates = 0, matches = 0;
  while (templates < 3000) {
    char tpl[64];
    size_t tn = 0, count = 1 + next_rand(&rng) % 5;
    if (next_rand(&rng) % 4 != 0)
      tpl[tn++] = '/';
    for (size_t i = 0; i < count; i++) {
      const char *s = segs[next_rand(&rng) % NCASES(segs)];
      if (i > 0)
        tpl[tn++] = '/';
      memcpy(tpl + tn, s, strlen(s));
      tn += strlen(s);
    }
    if (next_rand(&rng) % 4 == 0)
      tpl[tn++] = '/';
    tpl[tn] = '\0';
    if (!zt_pathtpl_check(tpl, tn, NULL))
      continue;
    templates++;
    char pat[512];
    tpl_to_regex(tpl, pat, sizeof pat);
    regex_t re;
    if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0)
      fail_msg("regcomp \"%s\"", pat);
    for (int k = 0; k < 100; k++) {
      char path[96];
      size_t pn = 0, pc = next_rand(&rng) % 10;
      for (size_t i = 0; i < pc; i++) {
        const char *s = pieces[next_rand(&rng) % NCASES(pieces)];
        memcpy(path + pn, s, strlen(s));
        pn += strlen(s);
      }
      /* Half the paths are the template with its operators filled in. */
      if (k % 2 == 0) {
        pn = 0;
        for (size_t i = 0; i < tn;) {
          const char *s = pieces[next_rand(&rng) % NCASES(pieces)];
          char one[2] = {tpl[i], '\0'};
          size_t skip = strncmp(tpl + i, "{**}", 4) == 0  ? 4
                        : strncmp(tpl + i, "{*}", 3) == 0 ? 3
                                                          : 0;
          if (skip == 0) {
            s = one;
            skip = 1;
          }
          if (pn + strlen(s) >= sizeof path - 1)
            break;
          memcpy(path + pn, s, strlen(s));
          pn += strlen(s);
          i += skip;
        }
      }
      path[pn] = '\0';
      bool want = regexec(&re, path, 0, NULL, 0) == 0;
      bool got = zt_pathtpl_match(tpl, tn, path, pn);
      if (got != want)
        fail_msg("\"%s\" on \"%s\": got %d, regex %d", tpl, path, got, want);
      matches += want;
    }
    regfree(&re);
  }
  assert_true(matches > 10000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_is_template),
      cmocka_unit_test(test_check_valid),
      cmocka_unit_test(test_check_invalid),
      cmocka_unit_test(test_check_long),
      cmocka_unit_test(test_match_spec),
      cmocka_unit_test(test_match_more),
      cmocka_unit_test(test_match_long),
      cmocka_unit_test(test_match_against_regex),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
